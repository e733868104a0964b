"""Benchmark: applying 1,000 revisions to PostgreSQL, side by side in one run with
  - the floor: psql running the same SQL and the same version-table statements in one session,
    one transaction per revision;
  - retort upgrade head;
  - alembic upgrade head (transaction_per_migration=True, op.execute of the same SQL).
Two shapes: one-statement revisions, and revisions that create a table and an index.
Each run starts from a fresh database (created outside the timing).

usage: python3 bench/apply.py [REVISIONS] [RUNS]   (run through bench/apply)
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

REVISIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", ".work", "apply")
RETORT = os.path.join(ROOT, "target", "release", "retort")
ALEMBIC = os.path.join(ROOT, ".venv-alembic", "bin", "alembic")
PSQL = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"]
DB = "retort_bench_apply"
URL = f"postgresql://postgres@127.0.0.1:5432/{DB}"

SHAPES = {
    "one statement": lambda n: [f"CREATE TABLE t_{n} (id int)"],
    "table + index": lambda n: [f"CREATE TABLE t_{n} (id int PRIMARY KEY, name text, created timestamptz DEFAULT now())",
                                f"CREATE INDEX t_{n}_name ON t_{n} (name)"],
}


def rev(n):
    return f"{n:012x}"


def fresh_database():
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", "-c", f"CREATE DATABASE {DB}"], check=True)


def write_projects(shape):
    shutil.rmtree(WORK, ignore_errors=True)
    versions = os.path.join(WORK, "retort", "migrations", "versions")
    alembic_versions = os.path.join(WORK, "alembic", "versions")
    os.makedirs(versions)
    os.makedirs(alembic_versions)
    with open(os.path.join(WORK, "retort", "retort.toml"), "w") as f:
        f.write(f'database_url = "{URL}"\n')
    with open(os.path.join(WORK, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = {URL.replace('postgresql://', 'postgresql+psycopg2://')}\n")
    with open(os.path.join(WORK, "alembic", "env.py"), "w") as f:
        f.write("from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n"
                "config = context.config\n"
                "engine = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.', poolclass=pool.NullPool)\n"
                "with engine.connect() as connection:\n"
                "    context.configure(connection=connection, transaction_per_migration=True)\n"
                "    with context.begin_transaction():\n"
                "        context.run_migrations()\n")
    floor = ["CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"]
    for n in range(1, REVISIONS + 1):
        statements = SHAPES[shape](n)
        parent = rev(n - 1) if n > 1 else ""
        with open(os.path.join(versions, f"{rev(n)}_r.sql"), "w") as f:
            f.write(f"-- r{n}\n-- Revision ID: {rev(n)}\n-- Revises: {parent}\n\n-- retort:upgrade\n")
            f.write("".join(s + ";\n" for s in statements))
        with open(os.path.join(alembic_versions, f"{rev(n)}_r.py"), "w") as f:
            f.write(f'"""r{n}"""\nfrom alembic import op\nrevision = "{rev(n)}"\ndown_revision = {repr(parent) if parent else None}\n'
                    "branch_labels = None\ndepends_on = None\n\ndef upgrade():\n")
            f.write("".join(f"    op.execute({s!r})\n" for s in statements))
            f.write("\ndef downgrade():\n    pass\n")
        floor.append("BEGIN;")
        floor.extend(s + ";" for s in statements)
        if n == 1:
            floor.append(f"INSERT INTO alembic_version (version_num) VALUES ('{rev(n)}');")
        else:
            floor.append(f"UPDATE alembic_version SET version_num = '{rev(n)}' WHERE version_num = '{rev(n - 1)}';")
        floor.append("COMMIT;")
    with open(os.path.join(WORK, "floor.sql"), "w") as f:
        f.write("\n".join(floor) + "\n")


def timed(argv, cwd):
    fresh_database()
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "retort"], cwd=ROOT, check=True)
    print(f"{REVISIONS} revisions on PostgreSQL, median of {RUNS} runs, fresh database each run\n")
    print(f"{'shape':<16} {'floor (psql)':>13} {'retort':>10} {'alembic':>10} {'retort/floor':>13} {'alembic/floor':>14}")
    for shape in SHAPES:
        write_projects(shape)
        cases = {
            "floor": (PSQL + ["-d", DB, "-f", os.path.join(WORK, "floor.sql")], WORK),
            "retort": ([RETORT, "-q", "upgrade", "head"], os.path.join(WORK, "retort")),
            "alembic": ([ALEMBIC, "upgrade", "head"], WORK),
        }
        medians = {name: statistics.median(timed(argv, cwd) for _ in range(RUNS)) for name, (argv, cwd) in cases.items()}
        print(f"{shape:<16} {medians['floor']:>12.3f}s {medians['retort']:>9.3f}s {medians['alembic']:>9.3f}s "
              f"{medians['retort'] / medians['floor']:>12.2f}x {medians['alembic'] / medians['floor']:>13.2f}x")
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True)


main()
