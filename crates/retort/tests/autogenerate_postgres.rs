//! Autogenerate on a real PostgreSQL: the fixture round trips of
//! `tests/fixtures/diff/postgres/<case>` (see `retort_test::round_trip`), the generated file,
//! and the refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use retort_test::database::{Server, TestDatabase};
use retort_test::round_trip::{round_trip_all, Backend};
use retort_test::{snapshot_settings, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

/// Every case round-trips, and what it generates is pinned: one snapshot per case
/// (`snapshots/autogenerate_postgres__generated@<case>.snap`), so every change to the SQL users run
/// is a reviewed diff.
#[test]
fn every_fixture_round_trips() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff/postgres");
    let trips = round_trip_all(RETORT, &directory, || Backend::for_server(Server::Postgres));
    assert!(
        trips.count >= 25 || std::env::var("RETORT_FIXTURE").is_ok(),
        "the corpus has {} cases",
        trips.count
    );
    trips.assert_passed();
    insta::glob!("fixtures/diff/postgres/*/to.sql", |path| {
        let case = path
            .parent()
            .and_then(Path::file_name)
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(generated) = trips.generated.get(&case) {
            insta::assert_snapshot!("generated", generated);
        }
    });
}

#[test]
fn generated_file_marks_destructive_operations() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write("schema/schema.sql", "CREATE TABLE users (id bigint PRIMARY KEY, legacy text, n bigint);\nCREATE TABLE old (id int);\n");
    assert_eq!(
        project
            .run(&[
                "revision",
                "--autogenerate",
                "-m",
                "one",
                "--rev-id",
                "aaaa0001"
            ])
            .code,
        0
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    project.write(
        "schema/schema.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, n integer);\n",
    );
    let output = project.run(&[
        "revision",
        "--autogenerate",
        "-m",
        "two",
        "--rev-id",
        "aaaa0002",
    ]);
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        insta::assert_snapshot!("autogenerate_destructive_output", output);
        insta::assert_snapshot!(
            "autogenerate_destructive_file",
            project.read("migrations/versions/aaaa0002_two.sql")
        );
        assert_eq!(project.run(&["upgrade", "head"]).code, 0);
        project.write(
            "schema/schema.sql",
            "CREATE TABLE users (id bigint PRIMARY KEY, n integer, email text);\n",
        );
        insta::assert_snapshot!("autogenerate_check_json", project.run(&["--json", "check"]));
    });
}

#[test]
fn autogenerate_refuses_a_database_behind_head_and_bad_schema_files() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write("schema/schema.sql", "CREATE TABLE t (id int);\n");
    assert_eq!(
        project
            .run(&[
                "revision",
                "--autogenerate",
                "-m",
                "one",
                "--rev-id",
                "aaaa0001"
            ])
            .code,
        0
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("Target database is not up to date."),
        "{output}"
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    // Nothing changed: no file unless asked.
    let output = project.run(&["revision", "--autogenerate", "-m", "none"]);
    assert_eq!(output.code, 0);
    assert!(
        output.stderr.contains("No changes in schema detected"),
        "{output}"
    );
    assert_eq!(fs_err::read_dir(project.versions()).unwrap().count(), 1);
    assert_eq!(
        project
            .run(&["revision", "--autogenerate", "--allow-empty", "-m", "none"])
            .code,
        0
    );
    assert_eq!(fs_err::read_dir(project.versions()).unwrap().count(), 2);
    // A schema file that does not run names the file and line.
    project.write(
        "schema/schema.sql",
        "CREATE TABLE t (id int);\n\nCREATE TABLE u (id nosuchtype);\n",
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:3:20: type \"nosuchtype\" does not exist"),
        "{output}"
    );
    // A table declared twice.
    project.write("schema/more.sql", "CREATE TABLE t (id int);\n");
    project.write("schema/schema.sql", "CREATE TABLE t (id int);\n");
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("relation \"t\" already exists"),
        "{output}"
    );
}

#[test]
fn unmodeled_objects_and_schema_commands() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    // A range type in the declared schema would be silently left out: refuse.
    project.write("schema/schema.sql", "CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\nCREATE TYPE span AS RANGE (subtype = int4);\n");
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:3: CREATE TYPE is not modeled by autogenerate yet"),
        "{output}"
    );
    // A trigger on a view is not modeled (those on tables are): named from the scratch
    // database's catalog. What an extension owns (pg_trgm's functions and operator classes) is
    // never reported.
    project.write(
        "schema/schema.sql",
        "CREATE EXTENSION pg_trgm;\nCREATE TABLE t (id int, name text);\nCREATE INDEX t_name ON t USING gin (name gin_trgm_ops);\n\
         CREATE VIEW v AS SELECT id FROM t;\n\
         CREATE FUNCTION v_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (NEW.id); RETURN NEW; END $$;\n\
         CREATE TRIGGER v_insert INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_insert();\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains(
            "the declared schema defines what autogenerate does not model yet: trigger v_insert\n"
        ),
        "{output}"
    );
    // A comment on a view's column passes the statement check (COMMENT ON COLUMN is modeled
    // for tables) and is named from the scratch database's catalog.
    project.write(
        "schema/schema.sql",
        "CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\nCOMMENT ON COLUMN v.id IS 'the id';\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains(
            "the declared schema defines what autogenerate does not model yet: comment on column v.id\n"
        ),
        "{output}"
    );
    // A domain check added NOT VALID would come back as a valid one: refused by name.
    project.write(
        "schema/schema.sql",
        "CREATE DOMAIN code AS text;\nALTER DOMAIN code ADD CONSTRAINT code_short CHECK (length(VALUE) < 9) NOT VALID;\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("domain constraint code_short on public.code (NOT VALID)"),
        "{output}"
    );
    // A column's storage clauses (compression, storage, the planner's statistics target and
    // options) would come back without them: each named from the catalog.
    project.write(
        "schema/schema.sql",
        "CREATE TABLE t (id int, body text COMPRESSION pglz, tags text);\n\
         ALTER TABLE t ALTER COLUMN id SET STATISTICS 500, ALTER COLUMN tags SET (n_distinct = 100);\n\
         ALTER TABLE t ALTER COLUMN tags SET STORAGE EXTERNAL;\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("ALTER TABLE … ALTER COLUMN TAGS SET STORAGE EXTERNAL is not modeled"),
        "{output}"
    );
    project.write(
        "schema/schema.sql",
        "CREATE TABLE t (id int, body text COMPRESSION pglz, tags text);\n\
         ALTER TABLE t ALTER COLUMN id SET STATISTICS 500, ALTER COLUMN tags SET (n_distinct = 100);\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains(
            "does not model yet: column public.t.body (COMPRESSION), column public.t.id (SET STATISTICS), column public.t.tags (SET (n_distinct=100))\n"
        ),
        "{output}"
    );
    // A sequence's cache size, and a serial column's sequence with other than its defaults
    // (the model keeps the serial as its column's type), are named from the catalog.
    project.write(
        "schema/schema.sql",
        "CREATE SEQUENCE tickets CACHE 20;\nCREATE TABLE t (id serial);\nALTER SEQUENCE t_id_seq INCREMENT BY 10;\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains(
            "does not model yet: sequence public.t_id_seq (options of a serial column's sequence), sequence public.tickets (CACHE 20)\n"
        ),
        "{output}"
    );
    // A typed table, a key's INCLUDE columns and index options, an identity column's own
    // sequence name, and a sequence owned by a column that does not draw from it: each named.
    project.write(
        "schema/schema.sql",
        "CREATE TYPE pair AS (a int, b int);\nCREATE TABLE typed OF pair;\n\
         CREATE TABLE keyed (id int PRIMARY KEY WITH (fillfactor = 50), code int, CONSTRAINT keyed_code UNIQUE (code) INCLUDE (id));\n\
         CREATE TABLE counted (id int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME counted_ids), n int);\n\
         CREATE SEQUENCE loose OWNED BY counted.n;\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    for named in [
        "table public.typed (OF pair)",
        "constraint keyed_code on public.keyed (INCLUDE)",
        "constraint keyed_pkey on public.keyed (WITH (fillfactor=50))",
        "sequence public.counted_ids (SEQUENCE NAME of identity column counted.id)",
        "sequence public.loose (OWNED BY counted.n, whose default does not draw from it)",
    ] {
        assert!(output.stderr.contains(named), "{named}: {output}");
    }
    // Any command that prints DDL is a source.
    project.write("ddl.sql", "CREATE TABLE from_command (id int);\n");
    project.write(
        "retort.toml",
        &format!(
            "{}\n",
            project.read("retort.toml").replace(
                "\nschema = [\"schema/**/*.sql\"]\n",
                "\nschema_command = \"cat ddl.sql\"\n"
            )
        ),
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 1, "{output}");
    assert!(
        output.stdout.contains("create table public.from_command"),
        "{output}"
    );
    project.write(
        "retort.toml",
        &project
            .read("retort.toml")
            .replace("cat ddl.sql", "echo broken >&2; exit 3"),
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("failed (exit status: 3): broken"),
        "{output}"
    );
}

/// The fast path is exact: for every fixture it accepts, parsing the SQL gives what
/// PostgreSQL reports after loading it.
#[test]
fn the_declared_schema_parser_matches_the_catalog() {
    let accepted = retort_test::declared_corpus::assert_parser_matches_catalog(
        &fixtures(),
        "postgres",
        |path, sql| retort_postgres::declared::parse(&[(path.to_path_buf(), sql.to_owned())]),
        load_and_introspect,
    );
    assert!(accepted >= 60, "the parser accepted only {accepted} files");
}

/// Autogenerate between random schemas (each pair: one seed's schema to another's, then back
/// by downgrade), on top of the hand-written cases.
#[test]
fn random_schema_pairs_round_trip() {
    retort_test::round_trip::assert_random_pairs_round_trip(
        RETORT,
        retort_test::schema_generator::Flavor::Postgres,
        20,
        || Backend::for_server(Server::Postgres),
    );
}

/// parse(S) == introspect(load(S)) on random schemas of every construct the parser claims.
#[test]
fn the_declared_schema_parser_matches_the_catalog_on_random_schemas() {
    retort_test::declared_corpus::assert_parser_matches_catalog_on_random_schemas(
        retort_test::schema_generator::Flavor::Postgres,
        40,
        |path, sql| retort_postgres::declared::parse(&[(path.to_path_buf(), sql.to_owned())]),
        load_and_introspect,
    );
}

/// What the parser does not take, or what PostgreSQL would refuse or name unpredictably, is
/// declined (and then goes through the scratch database).
#[test]
fn the_declared_schema_parser_declines_what_it_does_not_know() {
    retort_test::declared_corpus::assert_parser_declines(&fixtures(), "postgres", |path, sql| {
        retort_postgres::declared::parse(&[(path.to_path_buf(), sql.to_owned())])
    });
}

/// The partial scratch load is exact: on every fixture file where the parser leaves statements
/// to the server, the model equals the full load's (and a fallback gives the full load itself).
#[test]
fn the_partial_scratch_load_matches_the_full_load() {
    use retort_core::autogenerate::TargetPath;

    let mut partial = 0;
    let mut failures = Vec::new();
    let cases = retort_test::round_trip::cases(&fixtures().join("diff/postgres"));
    // The roles a case's `setup.sql` makes (cluster-wide) are named by its files.
    for setup in cases.iter().map(|case| case.join("setup.sql")) {
        if setup.exists() {
            TestDatabase::create(Server::Postgres).query(&fs_err::read_to_string(&setup).unwrap());
        }
    }
    for file in cases
        .iter()
        .flat_map(|case| [case.join("from.sql"), case.join("to.sql")])
    {
        let sql = fs_err::read_to_string(&file).unwrap();
        let files = [(file.clone(), sql.clone())];
        if retort_postgres::declared::partial::parse_partial(&files).is_err() {
            continue;
        }
        let (target, path) = declared_target(&sql);
        eprintln!("{}: {path:?}", file.display());
        partial += usize::from(path == TargetPath::Partial);
        let full = load_and_introspect(&sql);
        if target != full {
            let difference = retort_test::declared_corpus::first_difference(
                &format!("{target:#?}"),
                &format!("{full:#?}"),
            );
            failures.push(format!("{} ({path:?}):\n{difference}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        partial >= 15 || std::env::var("RETORT_FIXTURE").is_ok(),
        "the partial load took only {partial} files"
    );
}

/// A view over a table at the end of a chain of foreign keys: its stand-in has no foreign
/// keys, so the tables they reference are not needed.
#[test]
fn a_partial_load_needs_no_table_a_foreign_key_references() {
    assert_partial_equals_full(
        "CREATE TABLE a (id int PRIMARY KEY);\n\
         CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);\n\
         CREATE TABLE c (id int PRIMARY KEY, b_id int, note text);\n\
         ALTER TABLE c ADD CONSTRAINT c_b FOREIGN KEY (b_id) REFERENCES b (id);\n\
         CREATE TABLE unrelated (id int PRIMARY KEY);\n\
         CREATE VIEW notes AS SELECT id, note FROM c WHERE note IS NOT NULL;\n",
    );
}

/// What the statements left to the server see of a table, its stand-in has: the primary key a
/// `GROUP BY` and an `ON CONFLICT` rely on, serial and collated columns, and a table with no
/// key (whose stand-in is partitioned by an expression: its json column has no btree class).
#[test]
fn a_partial_loads_stand_ins_hold_what_views_and_functions_rely_on() {
    assert_partial_equals_full(
        "CREATE TABLE orders (id serial PRIMARY KEY, customer text COLLATE \"C\" NOT NULL DEFAULT 'x', total numeric(10, 2) CHECK (total >= 0));\n\
         CREATE TABLE events (payload json, at timestamptz);\n\
         CREATE VIEW per_order AS SELECT o.id, o.customer, count(*) AS n FROM orders o GROUP BY o.id;\n\
         CREATE FUNCTION upsert(i int) RETURNS void LANGUAGE sql AS $$ INSERT INTO orders (id, customer) VALUES (i, 'y') ON CONFLICT (id) DO UPDATE SET customer = excluded.customer $$;\n\
         CREATE VIEW recent AS SELECT payload ->> 'kind' AS kind, at FROM events WHERE at > now() - interval '1 day';\n\
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
         CREATE TRIGGER on_event AFTER INSERT ON events REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION touch();\n",
    );
}

/// A policy whose USING reads another table in a subquery.
#[test]
fn a_partial_load_takes_the_tables_of_a_policy_subquery() {
    assert_partial_equals_full(
        "CREATE TABLE members (id int PRIMARY KEY, name text NOT NULL);\n\
         CREATE TABLE documents (id int PRIMARY KEY, owner text NOT NULL);\n\
         CREATE TABLE unrelated (id int PRIMARY KEY);\n\
         ALTER TABLE documents ENABLE ROW LEVEL SECURITY;\n\
         ALTER TABLE documents FORCE ROW LEVEL SECURITY;\n\
         CREATE POLICY own ON documents USING (owner IN (SELECT name FROM members));\n",
    );
}

/// A SQL function reading a table, and a trigger calling a PL/pgSQL one.
#[test]
fn a_partial_load_takes_the_tables_of_a_sql_function_and_a_trigger() {
    assert_partial_equals_full(
        "CREATE TABLE counted (id int PRIMARY KEY);\n\
         CREATE TABLE touched (id int PRIMARY KEY, at timestamp);\n\
         CREATE TABLE unrelated (id int PRIMARY KEY);\n\
         CREATE FUNCTION how_many() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM counted $$;\n\
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$;\n\
         CREATE TRIGGER touch_row BEFORE UPDATE ON touched FOR EACH ROW EXECUTE FUNCTION touch();\n",
    );
}

/// A reference no word shows (a relation named in a string) makes the server refuse the
/// partial load: the whole schema is loaded instead, and the model is the full load's.
#[test]
fn a_failed_partial_load_falls_back_to_the_full_load() {
    use retort_core::autogenerate::TargetPath;

    let sql = "CREATE TABLE hidden (id int PRIMARY KEY);\n\
               CREATE VIEW relations AS SELECT 'hidden'::regclass AS relation;\n";
    let files = [(std::path::PathBuf::from("schema.sql"), sql.to_owned())];
    let split = retort_postgres::declared::partial::parse_partial(&files).unwrap();
    assert!(
        !split.load[0].1.contains("CREATE TABLE"),
        "{}",
        split.load[0].1
    );
    let (target, path) = declared_target(sql);
    assert_eq!(path, TargetPath::Scratch);
    assert_eq!(target, load_and_introspect(sql));
    assert_eq!(target.views.len(), 1);
}

/// What the server refuses on a partitioned stand-in (a row trigger with transition tables)
/// fails the partial load: the whole schema is loaded instead, and the model is the full load's.
#[test]
fn what_a_stand_in_cannot_take_falls_back_to_the_full_load() {
    use retort_core::autogenerate::TargetPath;

    let sql = "CREATE TABLE events (id int PRIMARY KEY);\n\
               CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
               CREATE TRIGGER on_event AFTER INSERT ON events REFERENCING NEW TABLE AS added FOR EACH ROW EXECUTE FUNCTION touch();\n";
    let (target, path) = declared_target(sql);
    assert_eq!(path, TargetPath::Scratch);
    assert_eq!(target, load_and_introspect(sql));
    assert_eq!(
        target
            .tables
            .values()
            .map(|t| t.triggers.len())
            .sum::<usize>(),
        1
    );
}

fn assert_partial_equals_full(sql: &str) {
    use retort_core::autogenerate::TargetPath;

    let (target, path) = declared_target(sql);
    assert_eq!(path, TargetPath::Partial);
    assert_eq!(target, load_and_introspect(sql));
}

/// The model autogenerate makes of `sql` on a fresh database, and the path it took.
fn declared_target(
    sql: &str,
) -> (
    retort_core::schema::Schema,
    retort_core::autogenerate::TargetPath,
) {
    use retort_core::autogenerate::{screen::screen, DeclaredSchema};
    use retort_core::introspect::{Introspect, IntrospectFilter};
    use retort_postgres::{ConnectOptions, PostgresConnection};

    let database = TestDatabase::create(Server::Postgres);
    let options = ConnectOptions::resolve(&database.url(), &|_| None, None).unwrap();
    let mut connection = PostgresConnection::connect(&options, None).unwrap();
    let declared = DeclaredSchema {
        files: vec![(std::path::PathBuf::from("schema.sql"), sql.to_owned())],
        notes: Vec::new(),
    };
    let declared = screen(connection.dialect_rules(), declared, false).unwrap();
    retort_core::autogenerate::declared_target(
        &mut connection,
        None,
        &declared,
        &IntrospectFilter::default(),
    )
    .unwrap()
}

/// A view's column default and column comment, its `INSTEAD OF` trigger and its rule cannot be
/// declared (all are refused by name), but those set by hand on the live view are kept when a revision drops and
/// creates the view around a change of the table it reads, both ways: `DROP VIEW` took them
/// silently before (the trigger with a warning that it was not compared).
#[test]
fn a_views_default_trigger_and_rule_set_by_hand_survive_the_view_being_created_again() {
    let database = TestDatabase::create(Server::Postgres);
    let schema = |name_type: &str| {
        format!(
            "CREATE TABLE items (id int PRIMARY KEY, name {name_type}, active boolean);\n\
             CREATE VIEW active_items AS SELECT id, name, active FROM items WHERE active;\n\
             CREATE FUNCTION insert_item() RETURNS trigger LANGUAGE plpgsql AS $$ \
               BEGIN INSERT INTO items VALUES (NEW.id, NEW.name, NEW.active); RETURN NEW; END $$;\n"
        )
    };
    let project = Project::migrated_to(RETORT, &database.url(), &schema("text"));
    database.query(
        "ALTER VIEW active_items ALTER COLUMN active SET DEFAULT true; \
         CREATE TRIGGER insert_through INSTEAD OF INSERT ON active_items FOR EACH ROW EXECUTE FUNCTION insert_item(); \
         CREATE RULE delete_through AS ON DELETE TO active_items DO INSTEAD DELETE FROM items WHERE id = OLD.id; \
         COMMENT ON COLUMN active_items.name IS 'as typed'",
    );
    let defaults = "SELECT string_agg(a.attname || '=' || pg_get_expr(d.adbin, d.adrelid), ',') \
         FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
         WHERE d.adrelid = 'active_items'::regclass \
         UNION ALL SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'active_items'::regclass \
         UNION ALL SELECT pg_get_ruledef(oid) FROM pg_rewrite WHERE ev_class = 'active_items'::regclass AND rulename <> '_RETURN' \
         UNION ALL SELECT col_description('active_items'::regclass, 2)";
    let before = database.query(defaults);
    assert!(
        before.contains("active=true")
            && before.contains("INSTEAD OF INSERT")
            && before.contains("CREATE RULE delete_through")
            && before.contains("as typed"),
        "{before}"
    );
    assert_eq!(project.run(&["check"]).code, 0);
    project.write("schema/schema.sql", &schema("varchar(50)"));
    let revision = project.autogenerate("next0001", "next");
    for kept in [
        "ALTER VIEW \"active_items\" ALTER COLUMN active SET DEFAULT true;",
        "CREATE TRIGGER insert_through INSTEAD OF INSERT ON public.active_items",
        "CREATE RULE delete_through AS",
        "COMMENT ON COLUMN \"active_items\".name IS 'as typed';",
    ] {
        assert_eq!(revision.matches(kept).count(), 2, "{kept}\n{revision}");
    }
    for step in [&["upgrade", "head"][..], &["downgrade", "-1"][..]] {
        let output = project.run(step);
        assert_eq!(output.code, 0, "{output}");
        assert_eq!(database.query(defaults), before);
    }
    database.query("INSERT INTO active_items (id, name) VALUES (1, 'through the view')");
    assert!(database
        .query("SELECT active FROM items WHERE id = 1")
        .starts_with('t'));
    database.query("DELETE FROM active_items WHERE id = 1");
    assert!(database
        .query("SELECT count(*) FROM items")
        .starts_with('0'));
}

/// The declared schema is loaded on a second connection while the first reads the live
/// catalog: the second starts in the schema the first moved to since it was opened (a fleet
/// worker moves one connection from tenant to tenant), not in the one its URL names.
#[test]
fn a_second_connection_starts_in_the_schema_the_first_moved_to() {
    use retort_core::introspect::Introspect;
    use retort_core::runner::connection::Connection;
    use retort_postgres::{ConnectOptions, PostgresConnection};

    let database = TestDatabase::create(Server::Postgres);
    database.query("CREATE SCHEMA tenant_a");
    let options = ConnectOptions::resolve(&database.url(), &|_| None, None).unwrap();
    let mut connection = PostgresConnection::connect(&options, None).unwrap();
    assert_eq!(connection.default_schema().as_deref(), Some("public"));
    connection.switch_schema("tenant_a").unwrap();
    let again = connection.connect_again().unwrap();
    assert_eq!(again.default_schema().as_deref(), Some("tenant_a"));
}

/// What PostgreSQL reports after running `sql` on a fresh database.
fn load_and_introspect(sql: &str) -> retort_core::schema::Schema {
    use retort_core::introspect::{Introspect, IntrospectFilter};
    use retort_postgres::{ConnectOptions, PostgresConnection};

    let database = TestDatabase::create(Server::Postgres);
    database.run_script(sql).unwrap();
    let options = ConnectOptions::resolve(&database.url(), &|_| None, None).unwrap();
    let mut connection = PostgresConnection::connect(&options, None).unwrap();
    connection.introspect(&IntrospectFilter::default()).unwrap()
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `dev_url` puts the scratch database on another server (here: another database of the same
/// server, whose scratch databases are made beside it), and always takes the exact path.
#[test]
fn dev_url_hosts_the_scratch_database() {
    let database = TestDatabase::create(Server::Postgres);
    let dev = database.sibling();
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.set_env("DEV_URL", &dev.url());
    project.write(
        "retort.toml",
        &project.read("retort.toml").replace(
            "[autogenerate]\n",
            "[autogenerate]\ndev_url = \"${DEV_URL}\"\n",
        ),
    );
    project.write(
        "schema/schema.sql",
        "CREATE TABLE t (id int PRIMARY KEY, score int CHECK (score > 0));\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 1, "{output}");
    assert!(output.stdout.contains("create table public.t"), "{output}");
    project.set_env("DEV_URL", "sqlite::memory:");
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("dev_url must be a database of the same kind"),
        "{output}"
    );
}

/// A domain's base type, or a composite type's attribute type, cannot change in place while
/// columns use it (PostgreSQL would drop the columns with the domain, or refuses the retype):
/// autogenerate refuses by name, with the columns and the way out, and writes no file.
#[test]
fn type_changes_that_would_lose_column_values_are_refused() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write(
        "schema/schema.sql",
        "CREATE DOMAIN code AS varchar(8);\nCREATE TYPE pair AS (a int, b text);\n\
         CREATE TABLE t (id int PRIMARY KEY, c code, p pair);\n",
    );
    let args = [
        "revision",
        "--autogenerate",
        "-m",
        "one",
        "--rev-id",
        "aaaa0001",
    ];
    assert_eq!(project.run(&args).code, 0);
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    for (declared, refusal) in [
        (
            "CREATE DOMAIN code AS text;\nCREATE TYPE pair AS (a int, b text);\n",
            "domain public.code changes its base type or collation (character varying(8) → text), which ALTER DOMAIN cannot do, and column(s) public.t.c use it",
        ),
        (
            "CREATE DOMAIN code AS varchar(8);\nCREATE TYPE pair AS (a bigint, b text);\n",
            "composite type public.pair changes the type of attribute(s) a, and column(s) public.t.p use it",
        ),
        (
            "CREATE DOMAIN code AS varchar(8);\nCREATE TYPE pair AS (b text, a int);\n",
            "composite type public.pair changes its attribute order (a, b → b, a)",
        ),
    ] {
        project.write(
            "schema/schema.sql",
            &format!("{declared}CREATE TABLE t (id int PRIMARY KEY, c code, p pair);\n"),
        );
        let output = project.run(&["check"]);
        assert_eq!(output.code, 1, "{output}");
        let output = project.run(&["revision", "--autogenerate", "-m", "two"]);
        assert_ne!(output.code, 0, "{output}");
        assert!(output.stderr.contains(refusal), "{output}");
        assert!(output.stderr.contains("hint: "), "{output}");
        assert_eq!(fs_err::read_dir(project.versions()).unwrap().count(), 1);
    }
}
