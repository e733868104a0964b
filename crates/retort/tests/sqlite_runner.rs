//! The runner on SQLite files: targets, version rows, failures, locking, offline SQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use retort_test::{snapshot_settings, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn sqlite(project: &Project, sql: &str) -> String {
    let connection = rusqlite_free_query(project, sql);
    connection.trim().to_owned()
}

/// Query the project's database with the sqlite3 shell.
fn rusqlite_free_query(project: &Project, sql: &str) -> String {
    let output = Command::new("sqlite3")
        .arg(project.path("app.db"))
        .arg(sql)
        .output()
        .expect("sqlite3 shell");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn chain() -> Project {
    let project = Project::init(RETORT);
    project.write_sql_revision(
        "aaaa1111",
        "",
        "CREATE TABLE users (id integer PRIMARY KEY);",
        Some("DROP TABLE users;"),
    );
    project.write_sql_revision(
        "bbbb2222",
        "aaaa1111",
        "ALTER TABLE users ADD COLUMN email text DEFAULT 'a;b';",
        Some("ALTER TABLE users DROP COLUMN email;"),
    );
    project.write_sql_revision(
        "cccc3333",
        "bbbb2222",
        "CREATE INDEX users_email ON users (email);",
        Some("DROP INDEX users_email;"),
    );
    project
}

#[test]
fn targets_and_version_rows() {
    let project = chain();
    let run = |args: &[&str]| {
        let output = project.run(args);
        assert_eq!(output.code, 0, "{args:?}: {output}");
        output
    };
    run(&["upgrade", "+1"]);
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "aaaa1111"
    );
    run(&["upgrade", "head"]);
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "cccc3333"
    );
    assert_eq!(run(&["current"]).stdout, "cccc3333 (head)\n");
    run(&["downgrade", "-1"]);
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "bbbb2222"
    );
    run(&["downgrade", "aaaa"]);
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "aaaa1111"
    );
    run(&["upgrade", "cccc3333-1"]);
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "bbbb2222"
    );
    run(&["downgrade", "base"]);
    assert_eq!(
        sqlite(&project, "SELECT count(*) FROM alembic_version"),
        "0"
    );
    assert_eq!(
        sqlite(
            &project,
            "SELECT count(*) FROM sqlite_master WHERE name = 'users'"
        ),
        "0"
    );
    // Nothing to do is a quiet success.
    run(&["downgrade", "base"]);
    snapshot_settings(&project).bind(|| {
        insta::assert_snapshot!("sqlite_upgrade_output", project.run(&["upgrade", "head"]));
        insta::assert_snapshot!("sqlite_unknown_target", project.run(&["upgrade", "dddd"]));
    });
}

#[test]
fn a_failing_revision_leaves_nothing_behind() {
    let project = chain();
    project.write_sql_revision(
        "dddd4444",
        "cccc3333",
        "CREATE TABLE t2 (id int);\nINSERT INTO nowhere VALUES (1);",
        Some("DROP TABLE t2;"),
    );
    let output = project.run(&["upgrade", "head"]);
    snapshot_settings(&project).bind(|| insta::assert_snapshot!("sqlite_failing_revision", output));
    assert_eq!(output.code, 3);
    // Earlier revisions committed one by one; nothing of the failing one remains.
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "cccc3333"
    );
    assert_eq!(
        sqlite(
            &project,
            "SELECT count(*) FROM sqlite_master WHERE name = 't2'"
        ),
        "0"
    );
}

#[test]
fn one_transaction_for_the_run_keeps_nothing_on_failure() {
    let project = chain();
    project.write(
        "retort.toml",
        &project.read("retort.toml").replace(
            "transaction_per_migration = true",
            "transaction_per_migration = false",
        ),
    );
    project.write_sql_revision("dddd4444", "cccc3333", "SELECT * FROM nowhere;", None);
    assert_eq!(project.run(&["upgrade", "head"]).code, 3);
    assert_eq!(
        sqlite(
            &project,
            "SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'alembic_version')"
        ),
        "0"
    );
}

#[test]
fn an_irreversible_revision_stops_before_anything() {
    let project = chain();
    project.write_sql_revision("dddd4444", "cccc3333", "CREATE TABLE t4 (id int);", None);
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let output = project.run(&["downgrade", "base"]);
    snapshot_settings(&project).bind(|| insta::assert_snapshot!("sqlite_irreversible", output));
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "dddd4444"
    );
    assert_eq!(
        sqlite(
            &project,
            "SELECT count(*) FROM sqlite_master WHERE name = 't4'"
        ),
        "1"
    );
}

#[test]
fn eight_concurrent_upgrades_apply_each_revision_once() {
    let project = Project::init(RETORT);
    project.write_chain(20, "CREATE TABLE applied (id text);", |id| {
        format!("INSERT INTO applied VALUES ('{id}');")
    });
    // Eight processes at once.
    for output in project.run_concurrently(8, &["-q", "upgrade", "head"]) {
        assert_eq!(output.code, 0, "{output}");
    }
    assert_eq!(
        sqlite(&project, "SELECT count(*), count(DISTINCT id) FROM applied"),
        "20|20"
    );
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "r20"
    );
}

#[test]
fn offline_sql_builds_the_same_database() {
    let project = chain();
    let script = project.run(&["upgrade", "head", "--sql"]);
    assert_eq!(script.code, 0, "{script}");
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("sqlite_offline_upgrade", script.stdout));
    let offline_db = project.path("offline.db");
    let status = Command::new("sqlite3")
        .arg(&offline_db)
        .stdin(std::fs::File::open(project.write("script.sql", &script.stdout)).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let schema = |path: &std::path::Path| {
        let output = Command::new("sqlite3")
            .arg(path)
            .arg("SELECT sql FROM sqlite_master ORDER BY name; SELECT * FROM alembic_version;")
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert_eq!(schema(&offline_db), schema(&project.path("app.db")));
    let ranged = project.run(&["upgrade", "--sql", "aaaa1111:head"]);
    assert!(
        !ranged.stdout.contains("CREATE TABLE \"alembic_version\""),
        "{ranged}"
    );
    assert!(
        ranged
            .stdout
            .contains("UPDATE \"alembic_version\" SET version_num='bbbb2222'"),
        "{ranged}"
    );
    let down = project.run(&["downgrade", "--sql", "-1"]);
    assert_eq!(down.code, 2, "{down}");
}

#[test]
fn stamp_and_unknown_applied_revisions() {
    let project = chain();
    let run = |args: &[&str]| project.run(args);
    assert_eq!(run(&["stamp", "bbbb2222"]).code, 0);
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "bbbb2222"
    );
    assert_eq!(
        sqlite(
            &project,
            "SELECT count(*) FROM sqlite_master WHERE name = 'users'"
        ),
        "0"
    );
    assert_eq!(run(&["stamp", "--purge", "cccc3333"]).code, 0);
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "cccc3333"
    );
    sqlite(
        &project,
        "UPDATE alembic_version SET version_num = 'ffff9999'",
    );
    let output = run(&["upgrade", "head"]);
    snapshot_settings(&project).bind(|| insta::assert_snapshot!("sqlite_unknown_applied", output));
    assert_eq!(run(&["stamp", "--purge", "base"]).code, 0);
    assert_eq!(
        sqlite(&project, "SELECT count(*) FROM alembic_version"),
        "0"
    );
    assert_eq!(run(&["ensure-version"]).code, 0);
}

#[test]
fn statement_errors_name_file_and_line() {
    let project = Project::init(RETORT);
    project.write_sql_revision(
        "aaaa1111",
        "",
        "CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int,\n  bogus nonsense garbage (\n);",
        None,
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3);
    assert!(output.stderr.contains("aaaa1111.sql:9"), "{output}");
    assert_eq!(
        sqlite(
            &project,
            "SELECT count(*) FROM sqlite_master WHERE name = 'a'"
        ),
        "0"
    );
}

#[test]
fn history_marks_and_ranges_from_the_current_revision() {
    let project = chain();
    // Reading history with `-i` never creates the version table (Alembic's does), nor, since
    // issue 9, the database file: a missing file is an error naming it.
    let output = project.run(&["history", "-i"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("app.db: no SQLite database here"),
        "{output}"
    );
    assert!(!project.path("app.db").exists());
    assert_eq!(project.run(&["upgrade", "bbbb2222"]).code, 0);
    let output = project.run(&["history", "-i"]);
    assert_eq!(
        output.stdout,
        "bbbb2222 -> cccc3333 (head), revision cccc3333\naaaa1111 -> bbbb2222 (current), revision bbbb2222\n<base> -> aaaa1111, revision aaaa1111\n"
    );
    assert_eq!(
        project.run(&["history", "-r", "current:"]).stdout,
        "bbbb2222 -> cccc3333 (head), revision cccc3333\naaaa1111 -> bbbb2222, revision bbbb2222\n"
    );
    assert_eq!(
        project.run(&["history", "-r", ":current"]).stdout,
        "aaaa1111 -> bbbb2222, revision bbbb2222\n<base> -> aaaa1111, revision aaaa1111\n"
    );
}

#[test]
fn a_terminal_gets_a_progress_bar_for_long_runs() {
    let project = Project::init(RETORT);
    project.write_chain(24, "CREATE TABLE applied (id text);", |_| {
        "SELECT 1;".to_owned()
    });
    // `script` gives the command a pseudo-terminal.
    let output = Command::new("script")
        .args(["-qec", &format!("{RETORT} upgrade head"), "/dev/null"])
        .current_dir(project.root())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("\r\u{1b}[2K[") && text.contains("25/25 Running upgrade r23 -> r24"),
        "{text:?}"
    );
    // Not a terminal: one line per revision.
    assert_eq!(project.run(&["stamp", "--purge", "base"]).code, 0);
    sqlite(&project, "DROP TABLE applied");
    let lines = project.run(&["upgrade", "head"]);
    assert_eq!(
        lines
            .stderr
            .lines()
            .filter(|l| l.starts_with("Running upgrade"))
            .count(),
        25,
        "{lines}"
    );
}

/// Issue 9, finding 5: `--lock-timeout` of -1, nan, inf or 1e30 panicked (exit 101).
#[test]
fn an_out_of_range_lock_timeout_is_a_usage_error() {
    let project = chain();
    for value in ["-1", "nan", "inf", "1e30", "-0.5", "forever"] {
        for command in ["upgrade", "downgrade"] {
            let target = if command == "upgrade" { "head" } else { "base" };
            let output = project.run(&[command, target, "--lock-timeout", value]);
            assert_eq!(output.code, 2, "{command} --lock-timeout {value}: {output}");
            assert!(
                output.stderr.contains(&format!("invalid value '{value}'"))
                    && output
                        .stderr
                        .contains("the lock timeout is a number of seconds"),
                "{value}: {output}"
            );
        }
    }
    let output = project.run(&["upgrade", "head", "--lock-timeout", "2.5"]);
    assert_eq!(output.code, 0, "{output}");
}

/// Issue 9, finding 5: a revision file saved with a UTF-8 byte order mark "had no Revision ID".
#[test]
fn a_revision_file_starting_with_a_byte_order_mark_is_read() {
    let project = chain();
    let path = project.write_sql_revision(
        "dddd4444",
        "cccc3333",
        "CREATE TABLE bom (id integer);",
        Some("DROP TABLE bom;"),
    );
    let text = fs_err::read_to_string(&path).unwrap();
    fs_err::write(&path, format!("\u{feff}{text}")).unwrap();
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "dddd4444"
    );
    assert_eq!(project.run(&["downgrade", "-1"]).code, 0);
}

/// Issue 9, finding 5: `current` on a mistyped SQLite path created an empty database there.
#[test]
fn read_only_commands_never_create_a_sqlite_file() {
    let mut project = chain();
    project.set_env("DATABASE_URL", "sqlite:///mistyped.db");
    for args in [&["current"][..], &["history", "-i"], &["current", "-v"]] {
        let output = project.run(args);
        assert_eq!(output.code, 2, "{args:?}: {output}");
        assert!(
            output
                .stderr
                .contains("mistyped.db: no SQLite database here")
                && output.stderr.contains("hint: check database_url"),
            "{args:?}: {output}"
        );
        assert!(!project.path("mistyped.db").exists(), "{args:?}");
    }
    // `upgrade` still creates it, and then `current` reads it.
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    assert_eq!(project.run(&["current"]).stdout, "cccc3333 (head)\n");
}

/// A section marked `needs_hand="…"` (what `retort import alembic` writes for a revision whose
/// Python it could not convert) stops the run before anything is applied, naming the file and
/// the reason; a database already past the revision is not affected, and stamping past it works.
#[test]
fn a_revision_that_needs_a_hand_stops_before_anything() {
    let project = chain();
    project.write(
        "migrations/versions/dddd4444.sql",
        "-- backfill\n--\n-- Revision ID: dddd4444\n-- Revises: cccc3333\n\n-- retort:upgrade needs_hand=\"its Python reads rows (op.get_bind()): write the UPDATE it performs\"\nCREATE TABLE t4 (id int);\n\n-- retort:downgrade\nDROP TABLE t4;\n",
    );
    project.write_sql_revision(
        "eeee5555",
        "dddd4444",
        "CREATE TABLE t5 (id int);",
        Some("DROP TABLE t5;"),
    );
    assert_eq!(project.run(&["upgrade", "bbbb2222"]).code, 0);
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(output.stderr.contains("dddd4444.sql"), "{output}");
    assert!(output.stderr.contains("its Python reads rows"), "{output}");
    assert!(output.stderr.contains("needs_hand"), "{output}");
    // Nothing ran, not even the steps before it.
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "bbbb2222"
    );
    let offline = project.run(&["upgrade", "--sql", "cccc3333:head"]);
    assert_eq!(offline.code, 2, "{offline}");
    // A database already past it continues.
    assert_eq!(project.run(&["stamp", "dddd4444"]).code, 0);
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        sqlite(&project, "SELECT version_num FROM alembic_version"),
        "eeee5555"
    );
    // Downgrading through it is not affected: its downgrade section is plain.
    assert_eq!(project.run(&["downgrade", "dddd4444"]).code, 0);
}
