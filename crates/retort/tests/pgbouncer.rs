//! Every command through Debian's PgBouncer, in transaction pooling (127.0.0.1:6432, with
//! `server_round_robin` so consecutive transactions really move between server connections)
//! and session pooling (127.0.0.1:6433), both started by `.ci/setup`. Issue 9, finding 1:
//! eight concurrent `upgrade head` through transaction pooling failed with `prepared statement
//! "s0" already exists` / `does not exist`, and a session advisory lock excluded nobody.
//!
//! A PgBouncer that is not running fails these tests; it never skips them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use retort_test::database::{Server, TestDatabase};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");
const TRANSACTION_POOLING: u16 = 6432;
const SESSION_POOLING: u16 = 6433;
const REVISIONS: usize = 12;

fn psql(port: u16, database: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .args([
            "-X",
            "-q",
            "-tA",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .args(["-U", "postgres", "-d", database, "-c", sql])
        .output()
        .expect("run psql")
}

fn require_pgbouncer(port: u16) {
    let output = psql(port, "test", "SELECT 1");
    assert!(
        output.status.success(),
        "PgBouncer is not answering on 127.0.0.1:{port}: {} — run `.ci/setup`, which installs and starts it (these tests fail rather than skip without it)",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn pooled_url(database: &TestDatabase, port: u16) -> String {
    database.url().replacen(":5432/", &format!(":{port}/"), 1)
}

/// A project migrating `database` through the pooler on `port`, with `lock_mode`.
fn project_through(database: &TestDatabase, port: u16, lock_mode: &str) -> Project {
    require_pgbouncer(port);
    let mut project = Project::init(RETORT);
    project.write(
        "retort.toml",
        &format!("database_url = \"${{DATABASE_URL}}\"\nlock_mode = \"{lock_mode}\"\nlock_lease_seconds = 3\n"),
    );
    project.set_env("DATABASE_URL", &pooled_url(database, port));
    // r00 makes a log with a unique key; each later revision logs itself once.
    project.write_sql_revision(
        "r00",
        "",
        "CREATE TABLE applied_log (id text PRIMARY KEY);",
        Some("DROP TABLE applied_log;"),
    );
    for n in 1..=REVISIONS {
        let id = format!("r{n:02}");
        project.write_sql_revision(
            &id,
            &format!("r{:02}", n - 1),
            &format!("INSERT INTO applied_log VALUES ('{id}');\nSELECT pg_sleep(0.01);"),
            Some(&format!("DELETE FROM applied_log WHERE id = '{id}';")),
        );
    }
    project
}

fn advisory_locks(database: &TestDatabase) -> String {
    database.query(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()",
    )
}

fn eight_concurrent_upgrades(port: u16, lock_mode: &str) {
    let database = TestDatabase::create(Server::Postgres);
    let project = project_through(&database, port, lock_mode);
    for output in project.run_concurrently(8, &["-q", "upgrade", "head"]) {
        assert_eq!(output.code, 0, "{lock_mode} through :{port}: {output}");
    }
    assert_eq!(
        database.query("SELECT count(*), count(DISTINCT id) FROM applied_log"),
        format!("{REVISIONS}|{REVISIONS}")
    );
    assert_eq!(
        database.query("SELECT string_agg(version_num, ',') FROM alembic_version"),
        format!("r{REVISIONS:02}")
    );
    assert_eq!(advisory_locks(&database), "0");
    if lock_mode == "table" {
        assert_eq!(database.query("SELECT count(*) FROM retort_lock"), "0");
    }
}

#[test]
fn pgbouncer_transaction_pooling_eight_concurrent_upgrades_lock_mode_transaction() {
    eight_concurrent_upgrades(TRANSACTION_POOLING, "transaction");
}

#[test]
fn pgbouncer_transaction_pooling_eight_concurrent_upgrades_lock_mode_table() {
    eight_concurrent_upgrades(TRANSACTION_POOLING, "table");
}

#[test]
fn pgbouncer_session_pooling_eight_concurrent_upgrades_lock_mode_session() {
    eight_concurrent_upgrades(SESSION_POOLING, "session");
}

#[test]
fn pgbouncer_session_pooling_eight_concurrent_upgrades_lock_mode_transaction() {
    eight_concurrent_upgrades(SESSION_POOLING, "transaction");
}

#[test]
fn pgbouncer_session_pooling_eight_concurrent_upgrades_lock_mode_table() {
    eight_concurrent_upgrades(SESSION_POOLING, "table");
}

/// Finding 1: even one `downgrade base` + `upgrade head` failed through the pooler. Every
/// command that talks to the database, in both pooling modes.
fn every_command_and_a_full_cycle(port: u16, lock_mode: &str) {
    let database = TestDatabase::create(Server::Postgres);
    let project = project_through(&database, port, lock_mode);
    let run = |args: &[&str]| {
        let output = project.run(args);
        assert_eq!(
            output.code, 0,
            "{args:?} ({lock_mode} through :{port}): {output}"
        );
        output
    };
    run(&["ensure-version"]);
    run(&["upgrade", "head"]);
    assert_eq!(run(&["current"]).stdout, "r12 (head)\n");
    run(&["history", "-i"]);
    run(&["downgrade", "base"]);
    assert_eq!(
        database.query("SELECT to_regclass('applied_log') IS NULL"),
        "t"
    );
    assert_eq!(run(&["current"]).stdout, "");
    run(&["upgrade", "head"]);
    run(&["downgrade", "-3"]);
    run(&["upgrade", "+2"]);
    assert_eq!(run(&["current"]).stdout, "r11\n");
    run(&["stamp", "r05"]);
    run(&["stamp", "--purge", "r11"]);
    run(&["upgrade", "head"]);
    run(&["unlock"]);
    assert_eq!(
        database.query("SELECT count(*) FROM applied_log"),
        REVISIONS.to_string()
    );
    assert_eq!(advisory_locks(&database), "0");
}

#[test]
fn pgbouncer_transaction_pooling_full_cycle_lock_mode_transaction() {
    every_command_and_a_full_cycle(TRANSACTION_POOLING, "transaction");
}

#[test]
fn pgbouncer_transaction_pooling_full_cycle_lock_mode_table() {
    every_command_and_a_full_cycle(TRANSACTION_POOLING, "table");
}

#[test]
fn pgbouncer_session_pooling_full_cycle_lock_mode_session() {
    every_command_and_a_full_cycle(SESSION_POOLING, "session");
}

/// Finding 1: through transaction pooling a session advisory lock excludes nobody (and can
/// stay held by a pooled server connection). When the run's statements move between server
/// connections, retort refuses, names the lock_mode to use, and leaves no lock behind.
#[test]
fn pgbouncer_transaction_pooling_refuses_a_session_lock() {
    let database = TestDatabase::create(Server::Postgres);
    let project = project_through(&database, TRANSACTION_POOLING, "session");
    // Several server connections in the pool, so that round robin moves each transaction.
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| psql(TRANSACTION_POOLING, &database.name, "SELECT pg_sleep(0.3)"));
        }
    });
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output.stderr.contains("transaction-pooling proxy"),
        "{output}"
    );
    assert!(
        output
            .stderr
            .contains("hint: set lock_mode = \"transaction\" or lock_mode = \"table\""),
        "{output}"
    );
    assert_eq!(
        database.query("SELECT to_regclass('alembic_version') IS NULL"),
        "t"
    );
    assert_eq!(advisory_locks(&database), "0");
}
