"""Render Alembic revisions as SQL for `retort import alembic`.

Shipped inside the retort binary and run with the project's Python (which has Alembic,
SQLAlchemy and the application importable). Reads a JSON request on stdin, writes one JSON
answer on stdout. For every revision, in graph order, it renders upgrade() and downgrade()
offline with Alembic's own machinery (a MigrationContext with as_sql=True, literal binds) and,
when a scratch database is given, also runs them there, capturing every statement Alembic
executes (reads filtered out). Retort chooses between the two and reports what it did.
"""

import contextlib
import os
import importlib.util
import io
import json
import sys
import traceback

READ_PREFIXES = ("SELECT", "PRAGMA", "SHOW", "EXPLAIN", "DESCRIBE", "WITH")


def main():
    request = json.load(sys.stdin)
    real_stdout = sys.stdout
    # Revision code may print; keep stdout for the answer.
    sys.stdout = sys.stderr
    for entry in reversed(request.get("sys_path", [])):
        sys.path.insert(0, entry)
    answer = render_all(request)
    sys.stdout = real_stdout
    json.dump(answer, sys.stdout)


def render_all(request):
    from alembic import __version__ as alembic_version
    import sqlalchemy

    dialect = request["dialect"]
    revisions = request["revisions"]
    modules = {}
    results = {}
    for index, revision in enumerate(revisions):
        result = {"upgrade": {}, "downgrade": {}, "load_error": None}
        results[revision["id"]] = result
        try:
            spec = importlib.util.spec_from_file_location(
                "retort_import_revision_%d" % index, revision["path"]
            )
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            modules[revision["id"]] = module
        except BaseException:  # noqa: B036 - report, never crash the whole import
            result["load_error"] = traceback.format_exc(limit=3)

    scratch_url = request.get("scratch_url")
    engine = None
    if scratch_url:
        engine = sqlalchemy.create_engine(scratch_url, poolclass=sqlalchemy.pool.NullPool)

    # One migration context per pass, as in one `alembic upgrade` run: SQLAlchemy remembers
    # the types it created (PostgreSQL enums) in the context's memo, and later revisions rely
    # on it (optuna's v2.4.0.a re-declares an enum that v0.9.0.a created).
    if request.get("upgrade_only"):
        # `--squash`: only bring the scratch database to head, as `alembic upgrade head` would.
        return upgrade_scratch(request, engine, modules, results, alembic_version, sqlalchemy)

    for direction, ordered in (("upgrade", revisions), ("downgrade", list(reversed(revisions)))):
        offline = OfflinePass(request)
        for revision in ordered:
            module = modules.get(revision["id"])
            if module is None or revision[direction] != "code":
                continue
            out = results[revision["id"]][direction]
            out["offline"], out["offline_error"] = offline.render(getattr(module, direction, None))
        offline.close()

    if engine is not None:
        captured = []
        scratch = Scratch(engine, captured, dialect)
        broken = None
        online = OnlinePass(request, scratch.connection)
        for revision in revisions:
            run_online(online, captured, modules, results, revision, "upgrade", broken)
            if results[revision["id"]]["upgrade"].get("online_error") and broken is None:
                broken = "the upgrade of %s failed there before it" % revision["id"]
        online.close()
        # Downgrades start from head: if the upgrades did not all run, none of them can.
        online = OnlinePass(request, scratch.connection)
        for position in range(len(revisions) - 1, -1, -1):
            revision = revisions[position]
            run_online(online, captured, modules, results, revision, "downgrade", broken)
            out = results[revision["id"]]["downgrade"]
            if (out.get("online_error") or revision["downgrade"] == "raises") and broken is None:
                if request.get("scratch_owned") and position > 0:
                    # Our own scratch file: start it again and bring it to the revision below,
                    # so that the earlier downgrades still run on the state they expect.
                    online.close()
                    scratch.close()
                    engine.dispose()
                    os.remove(request["scratch_path"])
                    scratch = Scratch(engine, captured, dialect)
                    online = OnlinePass(request, scratch.connection)
                    for earlier in revisions[:position]:
                        run_online(online, captured, modules, {earlier["id"]: {"upgrade": {}}}, earlier, "upgrade", None)
                    online.close()
                    online = OnlinePass(request, scratch.connection)
                else:
                    broken = "the downgrade of %s did not run there before it" % revision["id"]
        online.close()
        scratch.close()
        engine.dispose()
    return {
        "alembic_version": alembic_version,
        "sqlalchemy_version": sqlalchemy.__version__,
        "revisions": results,
    }


def upgrade_scratch(request, engine, modules, results, alembic_version, sqlalchemy):
    """Run every upgrade on the scratch database, then count the rows the revisions left in
    each table (a baseline holds the schema only: retort must say what it would not carry)."""
    revisions = request["revisions"]
    tables_with_rows = {}
    other_schemas = []
    if engine is not None:
        captured = []
        scratch = Scratch(engine, captured, request["dialect"])
        broken = None
        online = OnlinePass(request, scratch.connection)
        for revision in revisions:
            run_online(online, captured, modules, results, revision, "upgrade", broken)
            if results[revision["id"]]["upgrade"].get("online_error") and broken is None:
                broken = "the upgrade of %s failed there before it" % revision["id"]
        online.close()
        if broken is None:
            inspector = sqlalchemy.inspect(scratch.connection)
            version_table = request.get("version_table") or "alembic_version"
            default_schema = inspector.default_schema_name
            system = ("information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys")
            for schema in inspector.get_schema_names():
                if schema == default_schema or schema in system or schema.startswith("pg_"):
                    continue
                for table in inspector.get_table_names(schema=schema):
                    if table != version_table:
                        other_schemas.append("%s.%s" % (schema, table))
            for table in inspector.get_table_names():
                if table == version_table:
                    continue
                quoted = scratch.connection.dialect.identifier_preparer.quote(table)
                count = scratch.connection.exec_driver_sql("SELECT count(*) FROM " + quoted).scalar()
                if count:
                    tables_with_rows[table] = count
        scratch.close()
        engine.dispose()
    return {
        "alembic_version": alembic_version,
        "sqlalchemy_version": sqlalchemy.__version__,
        "revisions": results,
        "tables_with_rows": tables_with_rows,
        "tables_in_other_schemas": other_schemas,
    }


class Scratch:
    """A connection to the scratch database that records what Alembic executes."""

    def __init__(self, engine, captured, dialect):
        import sqlalchemy

        self.connection = engine.connect()
        if engine.dialect.name == "sqlite":
            # A scratch file: durability is not needed, and fsync dominates the run time.
            self.connection.exec_driver_sql("PRAGMA synchronous=OFF")
            self.connection.exec_driver_sql("PRAGMA journal_mode=MEMORY")
            self.connection.commit()
        before, failed = capture(captured, dialect)
        sqlalchemy.event.listen(self.connection, "before_cursor_execute", before)
        sqlalchemy.event.listen(engine, "handle_error", failed)

    def close(self):
        self.connection.close()


def environment(request, **options):
    """An EnvironmentContext, so that revision code calling `alembic.context` works."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", request["script_location"])
    script = ScriptDirectory.from_config(config)
    return EnvironmentContext(config, script, **options)


def configure_options(request):
    options = {"transactional_ddl": False}
    if request.get("version_table"):
        options["version_table"] = request["version_table"]
    if request.get("version_table_schema"):
        options["version_table_schema"] = request["version_table_schema"]
    return options


class OfflinePass:
    """Alembic's offline rendering (as_sql, literal binds) in one context for a whole pass."""

    def __init__(self, request):
        self.buffer = io.StringIO()
        self.env = environment(request, as_sql=True)
        self.env.__enter__()
        self.env.configure(
            dialect_name=request["dialect"],
            as_sql=True,
            output_buffer=self.buffer,
            literal_binds=True,
            **configure_options(request),
        )
        self.context = self.env.get_context()

    def render(self, function):
        from alembic.operations import Operations

        self.buffer.seek(0)
        self.buffer.truncate()
        try:
            with Operations.context(self.context):
                with contextlib.redirect_stdout(sys.stderr):
                    function()
        except BaseException:  # noqa: B036
            return None, traceback.format_exc(limit=4)
        return self.buffer.getvalue(), None

    def close(self):
        self.env.__exit__(None, None, None)


class OnlinePass:
    """Alembic running revisions on the scratch database, one context for a whole pass."""

    def __init__(self, request, connection):
        self.connection = connection
        self.env = environment(request)
        self.env.__enter__()
        self.env.configure(connection=connection, **configure_options(request))
        self.context = self.env.get_context()

    def close(self):
        self.env.__exit__(None, None, None)


def run_online(online, captured, modules, results, revision, direction, broken):
    from alembic.operations import Operations

    out = results[revision["id"]][direction]
    module = modules.get(revision["id"])
    if module is None:
        return
    kind = revision[direction]
    if kind != "code":
        return
    if broken is not None:
        out["online_error"] = "not run on the scratch database: %s" % broken
        return
    function = getattr(module, direction)
    del captured[:]
    try:
        with online.connection.begin():
            with Operations.context(online.context):
                with contextlib.redirect_stdout(sys.stderr):
                    function()
    except BaseException:  # noqa: B036
        out["online_error"] = traceback.format_exc(limit=4)
        return
    out["online"] = "".join(statement + "\n\n" for statement in captured)


def capture(captured, dialect):
    """Listeners that record each statement before it runs, and take it back if it fails
    (revision code that catches the error, as mlflow's 0a8213491aaa does, carries on without
    it, so the statement is not part of what the revision did)."""
    pending = [0]

    def before(conn, cursor, statement, parameters, context, executemany):
        pending[0] = 0
        text = statement.strip()
        head = text.lstrip("(").split(None, 1)[0].upper() if text else ""
        if head in READ_PREFIXES and not (head == "PRAGMA" and "=" in text):
            if head != "WITH" or " SELECT " in text.upper() and not any(
                word in text.upper() for word in (" INSERT ", " UPDATE ", " DELETE ")
            ):
                return
        if executemany:
            rows = parameters
        else:
            rows = [parameters]
        for row in rows:
            rendered = render_statement(cursor, text, row, dialect)
            if not rendered.rstrip().endswith(";"):
                rendered = rendered.rstrip() + ";"
            captured.append(rendered)
            pending[0] += 1

    def failed(exception_context):
        if pending[0]:
            del captured[-pending[0]:]
            pending[0] = 0

    return before, failed


def render_statement(cursor, statement, parameters, dialect):
    if not parameters:
        if dialect == "postgresql" or dialect == "mysql":
            # psycopg2 and pymysql leave the text alone when there are no parameters.
            return statement
        return statement
    mogrify = getattr(cursor, "mogrify", None)
    if mogrify is not None:
        rendered = mogrify(statement, parameters)
        return rendered.decode() if isinstance(rendered, bytes) else rendered
    return render_qmark(statement, parameters)


def sqlite_literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "X'%s'" % bytes(value).hex()
    return "'%s'" % str(value).replace("'", "''")


def render_qmark(statement, parameters):
    values = iter(parameters if isinstance(parameters, (list, tuple)) else [parameters])
    out = []
    quote = None
    for character in statement:
        if quote:
            out.append(character)
            if character == quote:
                quote = None
        elif character in ("'", '"'):
            quote = character
            out.append(character)
        elif character == "?":
            out.append(sqlite_literal(next(values)))
        else:
            out.append(character)
    return "".join(out)


if __name__ == "__main__":
    main()
