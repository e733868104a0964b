"""Benchmark: one revision (add a column, create an index) over TENANTS PostgreSQL tenant
schemas, in one run, side by side:

- `retort fleet upgrade` at --parallel 1, 4 and 8 (one process);
- a shell-style loop of single `retort upgrade head` processes, one per tenant;
- Alembic's documented recipe, a loop of `alembic -x tenant=NAME upgrade head` (its cookbook's
  schema-per-tenant env.py). Alembic pays about a second of Python start-up per tenant, so by
  default it runs over ALEMBIC_TENANTS of the tenants and its wall time for all of them is
  scaled from those (said in the output); pass ALEMBIC_TENANTS = TENANTS to run them all.

For each: wall time, per-tenant p50/p99, peak memory (the largest resident set of any process
of the case). Then the fleet's peak memory at 100 and at TENANTS tenants (it must stay flat).

usage: python3 bench/fleet.py [TENANTS] [ALEMBIC_TENANTS]   (run through bench/fleet)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

TENANTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ALEMBIC_TENANTS = min(TENANTS, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", ".work", "fleet")
RETORT = os.path.join(ROOT, "target", "release", "retort")
ALEMBIC = os.path.join(ROOT, ".venv-alembic", "bin", "alembic")
PSQL = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"]
DB = "retort_bench_fleet"
URL = f"postgresql://postgres@127.0.0.1:5432/{DB}"
NAMES = [f"tenant_{n:04d}" for n in range(1, TENANTS + 1)]


def psql(sql):
    subprocess.run(PSQL + ["-d", DB], input=("SET client_min_messages = warning;\n" + sql).encode(), check=True)


def reset(count):
    """A fresh database with `count` tenant schemas, each with a table and no version row: the
    revision is pending. Schemas are made 100 per transaction (a thousand in one would take more
    locks than a default server has room for)."""
    subprocess.run(PSQL + ["-d", "postgres", "-c", "SET client_min_messages = warning",
                           "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", "-c", f"CREATE DATABASE {DB}"], check=True)
    batches = [
        f"DO $$ BEGIN FOR g IN {start}..{min(start + 99, count)} LOOP\n"
        "  EXECUTE format('CREATE SCHEMA %I; CREATE TABLE %I.items (id int PRIMARY KEY)',\n"
        "    'tenant_' || lpad(g::text, 4, '0'), 'tenant_' || lpad(g::text, 4, '0')); END LOOP; END $$;\n"
        for start in range(1, count + 1, 100)
    ]
    psql(
        "CREATE TABLE tenants (name text PRIMARY KEY);\n"
        f"INSERT INTO tenants SELECT format('tenant_%s', lpad(g::text, 4, '0')) FROM generate_series(1, {count}) g;\n"
        + "".join(batches)
    )


def timed_child(argv, cwd, env=None):
    """(seconds, peak KiB, stdout) of one process, measured with wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{argv} failed ({status}):\n{stderr.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss, stdout.decode()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def retort_project():
    directory = os.path.join(WORK, "retort")
    os.makedirs(os.path.join(directory, "migrations", "versions"))
    with open(os.path.join(directory, "retort.toml"), "w") as f:
        f.write(f'database_url = "{URL}"\n\n[fleet]\ntargets_query = "SELECT name FROM tenants ORDER BY name"\n')
    with open(os.path.join(directory, "migrations", "versions", "a1_add_name.sql"), "w") as f:
        f.write("-- add name\n--\n-- Revision ID: a1\n-- Revises:\n\n-- retort:upgrade\n"
                "ALTER TABLE items ADD COLUMN name text;\nCREATE INDEX items_name ON items (name);\n\n"
                "-- retort:downgrade\nDROP INDEX items_name;\nALTER TABLE items DROP COLUMN name;\n")
    return directory


def alembic_project():
    """Alembic's cookbook recipe for schema-level multi-tenancy: `-x tenant=NAME` sets the
    search_path and the version table's schema."""
    directory = os.path.join(WORK, "alembic")
    os.makedirs(os.path.join(directory, "alembic", "versions"))
    with open(os.path.join(directory, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = {URL.replace('postgresql://', 'postgresql+psycopg2://')}\n")
    with open(os.path.join(directory, "alembic", "env.py"), "w") as f:
        f.write(
            "from alembic import context\n"
            "from sqlalchemy import engine_from_config, pool, text\n"
            "config = context.config\n"
            "tenant = context.get_x_argument(as_dictionary=True).get('tenant')\n"
            "engine = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.', poolclass=pool.NullPool)\n"
            "with engine.connect() as connection:\n"
            "    connection.execute(text('set search_path to \"%s\"' % tenant))\n"
            "    connection.commit()\n"
            "    connection.dialect.default_schema_name = tenant\n"
            "    context.configure(connection=connection, target_metadata=None, version_table_schema=tenant)\n"
            "    with context.begin_transaction():\n"
            "        context.run_migrations()\n"
        )
    with open(os.path.join(directory, "alembic", "script.py.mako"), "w") as f:
        f.write("")
    with open(os.path.join(directory, "alembic", "versions", "a1_add_name.py"), "w") as f:
        f.write(
            '"""add name"""\nfrom alembic import op\nimport sqlalchemy as sa\n'
            "revision = 'a1'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n"
            "def upgrade():\n    op.add_column('items', sa.Column('name', sa.Text()))\n"
            "    op.create_index('items_name', 'items', ['name'])\n\n"
            "def downgrade():\n    op.drop_index('items_name', table_name='items')\n    op.drop_column('items', 'name')\n"
        )
    return directory


def fleet_case(project, parallel, count):
    reset(count)
    seconds, peak, stdout = timed_child([RETORT, "--json", "fleet", "upgrade", "--parallel", str(parallel)], project)
    per_tenant = [json.loads(line)["ms"] / 1000 for line in stdout.splitlines() if '"target"' in line]
    assert len(per_tenant) == count, f"{len(per_tenant)} of {count} tenants reported"
    return seconds, per_tenant, peak


def loop_case(argv_for, cwd, names, env=None):
    """A loop over `names`, one process each, as a shell loop runs them."""
    per_tenant, peak = [], 0
    start = time.perf_counter()
    for name in names:
        seconds, rss, _ = timed_child(argv_for(name), cwd, env)
        per_tenant.append(seconds)
        peak = max(peak, rss)
    return time.perf_counter() - start, per_tenant, peak


def tenant_url(name):
    return f"{URL}?options=-c%20search_path%3D{name}"


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "retort"], cwd=ROOT, check=True)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    retort = retort_project()
    alembic = alembic_project()
    rows = {}
    for parallel in (1, 4, 8):
        rows[f"retort fleet --parallel {parallel}"] = fleet_case(retort, parallel, TENANTS)
    reset(TENANTS)
    rows["loop of retort upgrade"] = loop_case(
        lambda name: [RETORT, "--url", tenant_url(name), "upgrade", "head"], retort, NAMES)
    reset(TENANTS)
    seconds, per_tenant, peak = loop_case(
        lambda name: [ALEMBIC, "-x", f"tenant={name}", "upgrade", "head"], alembic, NAMES[:ALEMBIC_TENANTS])
    alembic_label = "loop of alembic -x tenant"
    if ALEMBIC_TENANTS < TENANTS:
        alembic_label += f" (x{TENANTS / ALEMBIC_TENANTS:g})"
    rows[alembic_label] = (seconds * TENANTS / ALEMBIC_TENANTS, per_tenant, peak)

    print(f"\n{TENANTS} tenant schemas, one revision (add a column, create an index)")
    if ALEMBIC_TENANTS < TENANTS:
        print(f"(Alembic measured on {ALEMBIC_TENANTS} tenants; its wall time scaled to {TENANTS})")
    print(f"{'case':<40} {'wall':>9} {'p50':>9} {'p99':>9} {'peak RSS':>10}")
    for name, (seconds, per_tenant, peak) in rows.items():
        print(f"{name:<40} {seconds:>8.2f}s {percentile(per_tenant, 0.5)*1000:>7.1f}ms "
              f"{percentile(per_tenant, 0.99)*1000:>7.1f}ms {peak/1024:>8.1f}MB")
    fleet4 = rows["retort fleet --parallel 4"][0]
    print(f"\nfleet --parallel 4 is {rows[alembic_label][0] / fleet4:.0f}x faster than the Alembic loop (goal: 100x)")
    print(f"fleet --parallel 4 is {rows['loop of retort upgrade'][0] / fleet4:.1f}x faster than the loop of retort upgrade (goal: 3x)")
    small = fleet_case(retort, 4, 100)[2]
    large = fleet_case(retort, 4, TENANTS)[2]
    print(f"fleet --parallel 4 peak memory: {small/1024:.1f}MB at 100 tenants, {large/1024:.1f}MB at {TENANTS} "
          f"({(large - small) / small * 100:+.0f}%; goal: within 20%)")
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True)


main()
