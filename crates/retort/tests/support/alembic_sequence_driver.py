"""Run a sequence of `upgrade`/`downgrade`/`stamp` commands with Alembic on one SQLite file and
report the database's state after each step (Alembic's start-up costs 0.3 s per process).

usage: python alembic_sequence_driver.py SEQUENCE.json ALEMBIC.ini
SEQUENCE.json is {"database": PATH, "steps": [[argv...], ...]}. The database is created with a
table `applied (id)` that the generated revisions insert into (upgrade) and delete from
(downgrade). Prints a JSON list, one entry per step:
{"code", "output", "versions": [...], "applied": [...]}, the versions in the table's own order
(`downgrade -1` with several rows starts from the first one).
"""
import contextlib
import io
import json
import sqlite3
import sys
import traceback
import warnings

from alembic.config import CommandLine, Config

warnings.simplefilter("ignore")
sequence = json.load(open(sys.argv[1]))
ini = sys.argv[2]
database = sequence["database"]

with sqlite3.connect(database) as setup:
    setup.execute("CREATE TABLE applied (id VARCHAR(32) NOT NULL PRIMARY KEY)")


def state():
    connection = sqlite3.connect(database)
    try:
        try:
            versions = [r[0] for r in connection.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.OperationalError:
            versions = []
        applied = [r[0] for r in connection.execute("SELECT id FROM applied")]
    finally:
        connection.close()
    return versions, sorted(applied)


results = []
for argv in sequence["steps"]:
    output = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            command_line = CommandLine(prog="alembic")
            options = command_line.parser.parse_args(["-c", ini] + argv)
            config = Config(file_=ini, ini_section=options.name, cmd_opts=options, stdout=output)
            config.set_main_option("sqlalchemy.url", "sqlite:///" + database)
            command_line.run_cmd(config, options)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException as error:  # Alembic lets some errors escape as exceptions
            code = 1
            output.write("".join(traceback.format_exception_only(type(error), error)))
    versions, applied = state()
    results.append(
        {"code": code, "output": output.getvalue(), "versions": versions, "applied": applied}
    )
sys.__stdout__.write(json.dumps(results))
