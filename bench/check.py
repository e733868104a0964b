"""Benchmark: `retort check` against `alembic check` on a 1,000-table PostgreSQL schema
(8 columns, a foreign key and an index per table) that matches the database, in one run.
Beside them, for context: retort with the declared schema loaded into a scratch database
(`[autogenerate] dev_url`) instead of parsed, the same schema on MariaDB both ways, and on
PostgreSQL the schema with 200 views, 200 functions, 100 triggers and 100 policies besides
(the parser takes the tables; those objects go to a scratch database with storage-less
stand-ins of the tables they name).

usage: python3 bench/check.py [TABLES] [RUNS]   (run through bench/check)
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

TABLES = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", ".work", "check")
RETORT = os.path.join(ROOT, "target", "release", "retort")
ALEMBIC = os.path.join(ROOT, ".venv-alembic", "bin", "alembic")
PSQL = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"]
MARIADB = ["mariadb", "-h", "127.0.0.1", "-u", "root"]
DB = "retort_bench_check"
OBJECTS_DB = "retort_bench_check_objects"
OBJECTS_URL = f"postgresql://postgres@127.0.0.1:5432/{OBJECTS_DB}"
URL = f"postgresql://postgres@127.0.0.1:5432/{DB}"
MARIADB_URL = f"mysql://root@127.0.0.1:3306/{DB}"


def ddl(mariadb=False):
    """The schema's DDL. The MariaDB form (`created` a datetime, the foreign key a table
    constraint) is the one it was first measured with."""
    created = "datetime" if mariadb else "timestamp"
    statements = []
    for n in range(TABLES):
        if not n:
            parent = ", parent_id bigint"
        elif mariadb:
            parent = f", parent_id bigint, CONSTRAINT t_{n}_parent FOREIGN KEY (parent_id) REFERENCES t_{n - 1} (id)"
        else:
            parent = f", parent_id bigint REFERENCES t_{n - 1} (id)"
        statements.append(
            f"CREATE TABLE t_{n} (id bigint PRIMARY KEY, name varchar(100) NOT NULL, email varchar(200), "
            f"score integer, active boolean NOT NULL, created {created}, note text{parent});"
        )
        statements.append(f"CREATE INDEX ix_t_{n}_name ON t_{n} (name);")
    return "\n".join(statements) + "\n"


def objects():
    """200 functions, 200 views calling them, 100 triggers and 100 policies on the tables."""
    statements = ["CREATE FUNCTION touch_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"]
    for n in range(200):
        statements.append(
            f"CREATE FUNCTION score_{n}(s integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT s + {n} $$;")
        statements.append(
            f"CREATE VIEW v_{n} AS SELECT id, name, score_{n}(score) AS adjusted FROM t_{n % TABLES} WHERE active;")
    for n in range(100):
        statements.append(
            f"CREATE TRIGGER t_{n}_touch BEFORE UPDATE ON t_{n % TABLES} FOR EACH ROW EXECUTE FUNCTION touch_row();")
        statements.append(f"ALTER TABLE t_{n % TABLES} ENABLE ROW LEVEL SECURITY;")
        statements.append(
            f"CREATE POLICY t_{n}_active ON t_{n % TABLES} USING (active AND score_{n}(score) > 0);")
    return "\n".join(statements) + "\n"


def retort_project(name, url, schema, dev_url=None):
    """A retort project declaring `schema` against `url`; with `dev_url`, loaded there instead
    of parsed."""
    directory = os.path.join(WORK, name)
    os.makedirs(os.path.join(directory, "schema"))
    os.makedirs(os.path.join(directory, "migrations", "versions"))
    with open(os.path.join(directory, "schema", "schema.sql"), "w") as f:
        f.write(schema)
    with open(os.path.join(directory, "retort.toml"), "w") as f:
        f.write(f'database_url = "{url}"\n')
        if dev_url:
            f.write(f'\n[autogenerate]\ndev_url = "{dev_url}"\n')
    return directory


def models():
    lines = ["import sqlalchemy as sa", "metadata = sa.MetaData()"]
    for n in range(TABLES):
        parent = f"sa.ForeignKey('t_{n - 1}.id')" if n else None
        lines.append(
            f"sa.Table('t_{n}', metadata, sa.Column('id', sa.BigInteger, primary_key=True, autoincrement=False), "
            f"sa.Column('name', sa.String(100), nullable=False), sa.Column('email', sa.String(200)), "
            f"sa.Column('score', sa.Integer), sa.Column('active', sa.Boolean, nullable=False), "
            f"sa.Column('created', sa.DateTime), sa.Column('note', sa.Text), "
            f"sa.Column('parent_id', sa.BigInteger{', ' + parent if parent else ''}), "
            f"sa.Index('ix_t_{n}_name', 'name'))"
        )
    return "\n".join(lines) + "\n"


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "retort"], cwd=ROOT, check=True)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(os.path.join(WORK, "alembic", "versions"))
    schema = ddl()
    projects = {
        "retort check": retort_project("retort", URL, schema),
        "retort, scratch db": retort_project(
            "retort-scratch", URL, schema, "postgresql://postgres@127.0.0.1:5432/postgres"),
        "retort, with objects": retort_project("objects", OBJECTS_URL, schema + objects()),
        "MariaDB: retort": retort_project("mariadb", MARIADB_URL, ddl(mariadb=True)),
        "MariaDB: scratch db": retort_project(
            "mariadb-scratch", MARIADB_URL, ddl(mariadb=True), "mysql://root@127.0.0.1:3306/test"),
    }
    with open(os.path.join(WORK, "models.py"), "w") as f:
        f.write(models())
    with open(os.path.join(WORK, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = %(here)s/alembic\nprepend_sys_path = .\nsqlalchemy.url = {URL.replace('postgresql://', 'postgresql+psycopg2://')}\n")
    with open(os.path.join(WORK, "alembic", "env.py"), "w") as f:
        f.write("from alembic import context\nfrom sqlalchemy import engine_from_config, pool\nfrom models import metadata\n"
                "config = context.config\n"
                "engine = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.', poolclass=pool.NullPool)\n"
                "with engine.connect() as connection:\n"
                "    context.configure(connection=connection, target_metadata=metadata, compare_type=True, compare_server_default=True)\n"
                "    with context.begin_transaction():\n"
                "        context.run_migrations()\n")
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", "-c", f"CREATE DATABASE {DB}"], check=True)
    subprocess.run(PSQL + ["-d", DB], input=schema.encode(), check=True)
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {OBJECTS_DB} WITH (FORCE)", "-c", f"CREATE DATABASE {OBJECTS_DB}"], check=True)
    subprocess.run(PSQL + ["-d", OBJECTS_DB], input=(schema + objects()).encode(), check=True)
    subprocess.run(MARIADB + ["-e", f"DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB}"], check=True)
    subprocess.run(MARIADB + [DB], input=ddl(mariadb=True).encode(), check=True)

    def timed(argv, cwd):
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        return elapsed, result

    cases = {name: ([RETORT, "check"], directory) for name, directory in projects.items()}
    cases["alembic check"] = ([ALEMBIC, "check"], WORK)
    medians = {}
    for name, (argv, cwd) in cases.items():
        # Each case starts on a flushed server: otherwise its runs pay for writing out what the
        # previous case's scratch databases (thousands of tables) left in the buffers.
        subprocess.run(PSQL + ["-d", "postgres", "-c", "CHECKPOINT"], check=True)
        _, first = timed(argv, cwd)
        print(f"{name}: exit {first.returncode}: {first.stdout.decode().strip()[:100] or first.stderr.decode().strip()[-200:]}")
        medians[name] = statistics.median(timed(argv, cwd)[0] for _ in range(RUNS))
    print(f"\n{TABLES} tables (8 columns, a foreign key and an index each), median of {RUNS} runs")
    for name in ["retort check", "alembic check", "retort, scratch db", "retort, with objects", "MariaDB: retort", "MariaDB: scratch db"]:
        print(f"{name:<20} {medians[name]:>8.3f}s")
    print(f"retort is {medians['alembic check'] / medians['retort check']:.1f}x faster than alembic (target: under 1 s and at least 3x)")
    print(f"retort with objects is {medians['alembic check'] / medians['retort, with objects']:.1f}x faster than alembic on the tables (target: under 1 s and at least 3x)")
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True)
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {OBJECTS_DB} WITH (FORCE)"], check=True)
    subprocess.run(MARIADB + ["-e", f"DROP DATABASE IF EXISTS {DB}"], check=True)


main()
