"""Run many Alembic commands in one Python process (Alembic's start-up costs 0.3 s per run).

usage: python alembic_driver.py COMMANDS.json ALEMBIC.ini
COMMANDS.json is a list of argument lists; prints a JSON list of {"stdout", "code"}.
"""
import contextlib
import io
import json
import sys
import warnings

from alembic.config import CommandLine, Config

warnings.simplefilter("ignore")
commands = json.load(open(sys.argv[1]))
ini = sys.argv[2]
results = []
for argv in commands:
    stdout = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        try:
            # Config binds sys.stdout when the module is imported: pass the buffer explicitly.
            command_line = CommandLine(prog="alembic")
            options = command_line.parser.parse_args(["-c", ini] + argv)
            config = Config(file_=ini, ini_section=options.name, cmd_opts=options, stdout=stdout)
            command_line.run_cmd(config, options)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except Exception:  # Alembic lets some graph errors escape as tracebacks
            code = 1
    results.append({"stdout": stdout.getvalue(), "code": code})
sys.__stdout__.write(json.dumps(results))
