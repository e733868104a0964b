"""Benchmark: `retort import alembic` on a generated Alembic project of N revisions (default
300) that all convert: `op.create_table`, `op.add_column` and `op.create_index` in turn, each
with its downgrade. Printed beside Python's own start-up with the same imports (`import alembic,
sqlalchemy`, which the import pays once), and the time per 100 revisions beyond that start-up
(goal: under 1 s per 100 revisions).

Two runs of the import: for PostgreSQL (Alembic's offline rendering only) and for SQLite, where
the import also runs every upgrade and downgrade on a scratch file to capture what Alembic
executes online.

usage: python3 bench/import.py [REVISIONS] [RUNS]   (run through bench/import)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

REVISIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", ".work", "import")
RETORT = os.path.join(ROOT, "target", "release", "retort")
PYTHON = os.path.join(ROOT, ".venv-alembic", "bin", "python")


def revision_file(n):
    """Revision n: a table every third revision, then a column on it, then an index."""
    table = f"t_{n - n % 3}"
    if n % 3 == 0:
        upgrade = (f"op.create_table('{table}', sa.Column('id', sa.Integer, primary_key=True), "
                   f"sa.Column('name', sa.String(100), nullable=False))")
        downgrade = f"op.drop_table('{table}')"
    elif n % 3 == 1:
        upgrade = f"op.add_column('{table}', sa.Column('c_{n}', sa.Integer, server_default='0'))"
        downgrade = f"op.drop_column('{table}', 'c_{n}')"
    else:
        upgrade = f"op.create_index('ix_{table}_name', '{table}', ['name'])"
        downgrade = f"op.drop_index('ix_{table}_name', table_name='{table}')"
    down = f"'{n - 1:012x}'" if n else "None"
    return (f'"""revision {n}\n\nRevision ID: {n:012x}\nRevises: {down}\nCreate Date: 2026-01-01 00:00:00\n"""\n'
            "from alembic import op\nimport sqlalchemy as sa\n\n"
            f"revision = '{n:012x}'\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    {downgrade}\n")


def project(name, url):
    directory = os.path.join(WORK, name)
    versions = os.path.join(directory, "migrations", "versions")
    os.makedirs(versions)
    with open(os.path.join(directory, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url}\n")
    with open(os.path.join(directory, "migrations", "env.py"), "w") as f:
        f.write("from alembic import context\n")
    for n in range(REVISIONS):
        with open(os.path.join(versions, f"{n:012x}_revision_{n}.py"), "w") as f:
            f.write(revision_file(n))
    return directory


def timed(argv, cwd=None):
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{result.stdout.decode()}\n{result.stderr.decode()}")
    return elapsed, result


def import_once(directory):
    for name in ("retort.toml", "import-report.txt", "import-report.json"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            os.remove(path)
    shutil.rmtree(os.path.join(directory, "retort"), ignore_errors=True)
    return timed([RETORT, "import", "alembic", ".", "--json", "--python", PYTHON], cwd=directory)


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "retort"], cwd=ROOT, check=True)
    shutil.rmtree(WORK, ignore_errors=True)
    projects = {
        "postgresql": project("postgresql", "postgresql://postgres@127.0.0.1:5432/unused"),
        "sqlite": project("sqlite", "sqlite:///unused.db"),
    }
    startup_argv = [PYTHON, "-c", "import alembic, sqlalchemy"]
    timed(startup_argv)
    startup = statistics.median(timed(startup_argv)[0] for _ in range(RUNS))
    print(f"{REVISIONS} generated revisions (create_table / add_column / create_index), median of {RUNS} runs")
    label = 'python -c "import alembic, sqlalchemy"'
    print(f"{label:<44} {startup:>8.3f}s")
    for dialect, directory in projects.items():
        _, first = import_once(directory)
        report = json.loads(first.stdout)
        converted = report["converted"]
        if converted != REVISIONS:
            sys.exit(f"{dialect}: only {converted} of {REVISIONS} revisions converted:\n{first.stdout.decode()[:2000]}")
        times = [import_once(directory)[0] for _ in range(RUNS)]
        median = statistics.median(times)
        per_hundred = (median - startup) / REVISIONS * 100
        print(f"{'retort import alembic (' + dialect + ')':<44} {median:>8.3f}s"
              f"   {per_hundred:.3f} s per 100 revisions beyond start-up (goal: under 1 s)")


main()
