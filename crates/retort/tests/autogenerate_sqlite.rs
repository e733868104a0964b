//! Autogenerate on SQLite files: the fixture round trips of `tests/fixtures/diff/sqlite/<case>`
//! (see `retort_test::round_trip`), including the table rebuilds SQLite needs for alterations
//! `ALTER TABLE` cannot make.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use retort_test::round_trip::{round_trip_all, Backend};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

#[test]
fn every_fixture_round_trips() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff/sqlite");
    let (count, failures) = round_trip_all(RETORT, &directory, || Backend::Sqlite);
    assert!(count >= 15, "the corpus has {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A table rebuild keeps the rows, the indexes and the triggers of the table (triggers from a
/// hand-written revision: autogenerate does not model them).
#[test]
fn a_rebuild_keeps_rows_indexes_and_triggers() {
    use retort_test::Project;

    let project = Project::init(RETORT);
    project.write_sql_revision(
        "base0001",
        "",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);\nCREATE INDEX t_n ON t (n);\nCREATE TABLE audit (id INTEGER);\nCREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.id); END;\nINSERT INTO t VALUES (1, 5);",
        None,
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    project.write("schema/schema.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);\nCREATE INDEX t_n ON t (n);\nCREATE TABLE audit (id INTEGER);\n");
    let output = project.run(&[
        "revision",
        "--autogenerate",
        "-m",
        "not null",
        "--rev-id",
        "next0001",
    ]);
    assert_eq!(output.code, 0, "{output}");
    assert!(project
        .read("migrations/versions/next0001_not_null.sql")
        .contains("CREATE TRIGGER t_audit"));
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let sqlite = |sql: &str| {
        let output = std::process::Command::new("sqlite3")
            .arg(project.path("app.db"))
            .arg(sql)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    assert_eq!(sqlite("SELECT group_concat(name) FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 't' ORDER BY name"), "t_n,t_audit");
    sqlite("INSERT INTO t VALUES (2, 7)");
    // One row from the first insert (before the rebuild), one from this one (after it).
    assert_eq!(sqlite("SELECT count(*) FROM audit"), "2");
    assert_eq!(sqlite("SELECT sum(n) FROM t"), "12");
    assert_eq!(project.run(&["check"]).code, 0);
}

/// A schema file SQLite refuses is named with the line and column of the token it stopped at.
#[test]
fn a_broken_schema_file_names_its_line_and_column_and_a_table_declared_twice_is_refused() {
    use retort_test::Project;

    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", "sqlite:///app.db");
    project.write(
        "schema/schema.sql",
        "-- the tables\nCREATE TABLE a (id integer PRIMARY KEY);\nCREATE TABLE t (\n  id integer,\n  name text NOT NULL DEFAULT,\n  x int\n);\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:5:29: near \",\": syntax error"),
        "{output}"
    );
    // A table declared twice, in two files.
    project.write("schema/more.sql", "CREATE TABLE t (id integer);\n");
    project.write("schema/schema.sql", "\nCREATE TABLE t (id integer);\n");
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:2:14: table t already exists"),
        "{output}"
    );
}

/// Autogenerate between random schemas (each pair: one seed's schema to another's, then back
/// by downgrade): most changes on SQLite rebuild tables.
#[test]
fn random_schema_pairs_round_trip() {
    retort_test::round_trip::assert_random_pairs_round_trip(
        RETORT,
        retort_test::schema_generator::Flavor::Sqlite,
        20,
        || Backend::Sqlite,
    );
}
