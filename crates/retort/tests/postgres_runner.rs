//! The runner on a real PostgreSQL (a fresh database per test): targets, version rows,
//! failures, transactions, locking, offline SQL through psql, connection errors, and Alembic
//! continuing what retort did and back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use retort_test::database::{Server, TestDatabase};
use retort_test::{snapshot_settings, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn project_on(database: &TestDatabase) -> Project {
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project
}

fn chain(database: &TestDatabase) -> Project {
    let project = project_on(database);
    project.write_sql_revision(
        "aaaa1111",
        "",
        "CREATE TABLE users (id bigint PRIMARY KEY);",
        Some("DROP TABLE users;"),
    );
    project.write_sql_revision(
        "bbbb2222",
        "aaaa1111",
        "ALTER TABLE users ADD COLUMN email text DEFAULT 'a;b';\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;",
        Some("DROP FUNCTION f();\nALTER TABLE users DROP COLUMN email;"),
    );
    project.write_sql_revision(
        "cccc3333",
        "bbbb2222",
        "CREATE INDEX users_email ON users (email);",
        Some("DROP INDEX users_email;"),
    );
    project
}

fn versions(database: &TestDatabase) -> String {
    database.query("SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version")
}

fn table_exists(database: &TestDatabase, name: &str) -> bool {
    database.query(&format!("SELECT to_regclass('public.{name}') IS NOT NULL")) == "t"
}

#[test]
fn targets_and_version_rows() {
    let database = TestDatabase::create(Server::Postgres);
    let project = chain(&database);
    let run = |args: &[&str]| {
        let output = project.run(args);
        assert_eq!(output.code, 0, "{args:?}: {output}");
        output
    };
    run(&["upgrade", "+1"]);
    assert_eq!(versions(&database), "aaaa1111");
    run(&["upgrade", "head"]);
    assert_eq!(versions(&database), "cccc3333");
    assert_eq!(run(&["current"]).stdout, "cccc3333 (head)\n");
    run(&["downgrade", "-2"]);
    assert_eq!(versions(&database), "aaaa1111");
    run(&["upgrade", "bbbb"]);
    assert_eq!(versions(&database), "bbbb2222");
    run(&["downgrade", "base"]);
    assert_eq!(database.query("SELECT count(*) FROM alembic_version"), "0");
    assert!(!table_exists(&database, "users"));
    let output = project.run(&["upgrade", "nope"]);
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .contains("Can't locate revision identified by 'nope'"),
        "{output}"
    );
}

#[test]
fn branches_merges_and_dependencies_keep_alembic_rows() {
    let database = TestDatabase::create(Server::Postgres);
    let project = project_on(&database);
    project.write_sql_revision("a1", "", "SELECT 1;", Some("SELECT 1;"));
    project.write_sql_revision("b1", "a1", "SELECT 1;", Some("SELECT 1;"));
    project.write_sql_revision("b2", "a1", "SELECT 1;", Some("SELECT 1;"));
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .contains("Multiple head revisions are present for given argument 'head'"),
        "{output}"
    );
    let output = project.run(&["upgrade", "heads"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(versions(&database), "b1,b2");
    project.write(
        "migrations/versions/m1.sql",
        "-- merge\n-- Revision ID: m1\n-- Revises: b1, b2\n-- retort:upgrade\n-- retort:downgrade\n",
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    assert_eq!(versions(&database), "m1");
    // As in Alembic, a relative step down from a merge point is ambiguous.
    let output = project.run(&["downgrade", "-1"]);
    assert!(output.stderr.contains("Ambiguous walk"), "{output}");
    assert_eq!(project.run(&["downgrade", "b1"]).code, 0);
    assert_eq!(versions(&database), "b1,b2");
    assert_eq!(project.run(&["downgrade", "base"]).code, 0);
    assert_eq!(versions(&database), "");
}

#[test]
fn a_failing_revision_leaves_nothing_of_itself() {
    let database = TestDatabase::create(Server::Postgres);
    let project = chain(&database);
    project.write_sql_revision(
        "dddd4444",
        "cccc3333",
        "CREATE TABLE t2 (id int);\nINSERT INTO nowhere VALUES (1);",
        Some("DROP TABLE t2;"),
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("dddd4444.sql:8) failed: relation \"nowhere\" does not exist"),
        "{output}"
    );
    assert_eq!(versions(&database), "cccc3333");
    assert!(!table_exists(&database, "t2"));
}

#[test]
fn one_transaction_for_the_run_keeps_nothing() {
    let database = TestDatabase::create(Server::Postgres);
    let project = chain(&database);
    project.write(
        "retort.toml",
        &project.read("retort.toml").replace(
            "transaction_per_migration = true",
            "transaction_per_migration = false",
        ),
    );
    project.write_sql_revision("dddd4444", "cccc3333", "SELECT * FROM nowhere;", None);
    assert_eq!(project.run(&["upgrade", "head"]).code, 3);
    assert!(!table_exists(&database, "users"));
    assert!(!table_exists(&database, "alembic_version"));
}

#[test]
fn concurrently_needs_a_section_outside_transactions() {
    let database = TestDatabase::create(Server::Postgres);
    let project = chain(&database);
    project.write_sql_revision(
        "dddd4444",
        "cccc3333",
        "CREATE INDEX CONCURRENTLY users_id ON users (id);",
        Some("DROP INDEX users_id;"),
    );
    let output = project.run(&["upgrade", "head"]);
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("postgres_concurrently_in_transaction", output));
    assert!(
        !table_exists(&database, "users"),
        "nothing may run before the check"
    );
    project.write(
        "migrations/versions/dddd4444.sql",
        "-- concurrently\n-- Revision ID: dddd4444\n-- Revises: cccc3333\n-- retort:upgrade transaction=false\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n-- retort:downgrade transaction=false\nDROP INDEX CONCURRENTLY users_id;\n",
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(table_exists(&database, "users_id"));
    assert_eq!(project.run(&["downgrade", "-1"]).code, 0);
    assert!(!table_exists(&database, "users_id"));
}

#[test]
fn an_irreversible_revision_stops_before_anything() {
    let database = TestDatabase::create(Server::Postgres);
    let project = chain(&database);
    project.write_sql_revision("dddd4444", "cccc3333", "CREATE TABLE t4 (id int);", None);
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let output = project.run(&["downgrade", "base"]);
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("has no downgrade section"),
        "{output}"
    );
    assert_eq!(versions(&database), "dddd4444");
    assert!(table_exists(&database, "users"));
}

#[test]
fn eight_concurrent_upgrades_apply_each_revision_once() {
    let database = TestDatabase::create(Server::Postgres);
    let project = project_on(&database);
    project.write_chain(20, "CREATE TABLE applied (id text);", |id| {
        format!("INSERT INTO applied VALUES ('{id}'); SELECT pg_sleep(0.01);")
    });
    for output in project.run_concurrently(8, &["-q", "upgrade", "head"]) {
        assert_eq!(output.code, 0, "{output}");
    }
    assert_eq!(
        database.query("SELECT count(*), count(DISTINCT id) FROM applied"),
        "20|20"
    );
    assert_eq!(versions(&database), "r20");
}

#[test]
fn lock_timeout_expires_with_a_clear_message() {
    let database = TestDatabase::create(Server::Postgres);
    let project = chain(&database);
    // Hold the same advisory lock from another session while retort waits.
    let key = retort_postgres::connection::lock_key(
        &retort_core::runner::connection::VersionTable::default(),
        "public",
    );
    let mut holder = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            &database.name,
            "-c",
        ])
        .arg(format!(
            "SELECT pg_advisory_lock({key}); SELECT pg_sleep(5);"
        ))
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    let output = project.run(&["upgrade", "head", "--lock-timeout", "1"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output.stderr.contains("still holds the migration lock"),
        "{output}"
    );
}

#[test]
fn offline_sql_through_psql_gives_the_same_database() {
    let online = TestDatabase::create(Server::Postgres);
    let offline = online.sibling();
    let project = chain(&online);
    let script = project.run(&["upgrade", "head", "--sql"]);
    assert_eq!(script.code, 0, "{script}");
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("postgres_offline_upgrade", script.stdout));
    offline.run_script(&script.stdout).unwrap();
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let catalog = "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public'";
    assert_eq!(online.query(catalog), offline.query(catalog));
    assert_eq!(versions(&online), versions(&offline));
    let indexes = "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'";
    assert_eq!(online.query(indexes), offline.query(indexes));
    // Downgrade scripts need a range, and come from the same loop.
    let down = project.run(&["downgrade", "--sql", "cccc3333:base"]);
    assert_eq!(down.code, 0, "{down}");
    offline.run_script(&down.stdout).unwrap();
    assert_eq!(versions(&offline), "");
}

#[test]
fn connection_errors_are_clear_and_never_show_the_password() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = chain(&database);
    project.set_env(
        "DATABASE_URL",
        &database
            .url()
            .replace("/retort_test", "/missing_retort_test"),
    );
    let output = project.run(&["current"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(output.stderr.contains("does not exist"), "{output}");

    project.set_env(
        "DATABASE_URL",
        "postgresql://postgres:s3cret@nosuchhost.invalid:5432/db?connect_timeout=3",
    );
    let output = project.run(&["current", "-v"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(output.stderr.contains("nosuchhost.invalid"), "{output}");
    assert!(
        !output.stderr.contains("s3cret") && !output.stdout.contains("s3cret"),
        "{output}"
    );

    project.set_env(
        "DATABASE_URL",
        "postgresql://postgres:s3cret@127.0.0.1:1/db?connect_timeout=3",
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(!output.stderr.contains("s3cret"), "{output}");

    project.set_env(
        "DATABASE_URL",
        "postgresql+psycopg2://postgres:s3cret@127.0.0.1/db?sslmode=sometimes",
    );
    let output = project.run(&["current"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("postgresql+psycopg2://postgres:***@127.0.0.1/db"),
        "{output}"
    );
    assert!(!output.stderr.contains("s3cret"), "{output}");
}

#[test]
fn wrong_password_is_refused_by_the_server() {
    // `.ci/setup` makes this role authenticate with a password over TCP.
    let database = TestDatabase::create(Server::Postgres);
    database.query("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'retort_password_test') THEN CREATE ROLE retort_password_test LOGIN PASSWORD 'right'; END IF; END $$");
    let mut project = chain(&database);
    let url = format!(
        "postgresql://retort_password_test:wrong@127.0.0.1:5432/{}",
        database.name
    );
    project.set_env("DATABASE_URL", &url);
    let output = project.run(&["current"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("password authentication failed for user \"retort_password_test\""),
        "{output}"
    );
    assert!(!output.stderr.contains(":wrong@"), "{output}");
}

/// Alembic migrates the first revision, retort continues, and Alembic reads retort's result.
#[test]
fn alembic_and_retort_continue_each_other() {
    let database = TestDatabase::create(Server::Postgres);
    let project = chain(&database);
    let alembic = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-alembic/bin/alembic");
    assert!(alembic.exists(), "Alembic is not installed: run .ci/setup");
    let scripts = project.path("alembic");
    fs_err::create_dir_all(scripts.join("versions")).unwrap();
    project.write(
        "alembic.ini",
        &format!(
            "[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = {}\n",
            database
                .url()
                .replace("postgresql://", "postgresql+psycopg2://")
        ),
    );
    project.write(
        "alembic/env.py",
        "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\nconfig = context.config\nconnectable = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.', poolclass=pool.NullPool)\nwith connectable.connect() as connection:\n    context.configure(connection=connection)\n    with context.begin_transaction():\n        context.run_migrations()\n",
    );
    for (id, parent, up, down) in [
        (
            "aaaa1111",
            "None",
            "CREATE TABLE users (id bigint PRIMARY KEY)",
            "DROP TABLE users",
        ),
        (
            "bbbb2222",
            "'aaaa1111'",
            "ALTER TABLE users ADD COLUMN email text",
            "ALTER TABLE users DROP COLUMN email",
        ),
        (
            "cccc3333",
            "'bbbb2222'",
            "CREATE INDEX users_email ON users (email)",
            "DROP INDEX users_email",
        ),
    ] {
        project.write(
            &format!("alembic/versions/{id}.py"),
            &format!("\"\"\"{id}\"\"\"\nfrom alembic import op\nrevision = '{id}'\ndown_revision = {parent}\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    op.execute(\"{up}\")\n\ndef downgrade():\n    op.execute(\"{down}\")\n"),
        );
    }
    let alembic_run = |args: &[&str]| {
        let output = Command::new(&alembic)
            .args(args)
            .current_dir(project.root())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "alembic {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    alembic_run(&["upgrade", "aaaa1111"]);
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(versions(&database), "cccc3333");
    assert_eq!(alembic_run(&["current"]).trim(), "cccc3333 (head)");
    alembic_run(&["downgrade", "bbbb2222"]);
    assert_eq!(project.run(&["current"]).stdout, "bbbb2222\n");
}

/// `lock_mode = "transaction"` (for transaction-pooling PgBouncer): the lock and the whole run
/// share one transaction, so concurrent runs still apply each revision once.
#[test]
fn transaction_lock_mode_serializes_runs_in_one_transaction() {
    let database = TestDatabase::create(Server::Postgres);
    let project = project_on(&database);
    project.write(
        "retort.toml",
        &format!(
            "lock_mode = \"transaction\"\n{}",
            project.read("retort.toml")
        ),
    );
    project.write_chain(10, "CREATE TABLE applied (id text);", |id| {
        format!("INSERT INTO applied VALUES ('{id}');")
    });
    for output in project.run_concurrently(8, &["-q", "upgrade", "head"]) {
        assert_eq!(output.code, 0, "{output}");
    }
    assert_eq!(
        database.query("SELECT count(*), count(DISTINCT id) FROM applied"),
        "10|10"
    );
    assert_eq!(versions(&database), "r10");
    project.write(
        "migrations/versions/r11.sql",
        "-- concurrently\n-- Revision ID: r11\n-- Revises: r10\n-- retort:upgrade transaction=false\nCREATE INDEX CONCURRENTLY applied_id ON applied (id);\n",
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("lock_mode = \"transaction\""),
        "{output}"
    );
    assert_eq!(versions(&database), "r10");
}

/// TLS per sslmode, against the server's own (self-signed) certificate: the server reports
/// whether the session that ran the revision was encrypted.
#[test]
fn sslmode_decides_encryption_and_verification() {
    let database = TestDatabase::create(Server::Postgres);
    assert_eq!(
        database.query("SHOW ssl"),
        "on",
        "the test server must have TLS on (`.ci/setup` turns it on)"
    );
    let mut project = project_on(&database);
    project.write_sql_revision(
        "tls1",
        "",
        "CREATE TABLE session_tls AS SELECT current_setting('application_name') AS mode, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();",
        Some("DROP TABLE session_tls;"),
    );
    for (query, expected) in [
        ("sslmode=require", "t"),
        ("ssl=require", "t"),
        ("sslmode=disable", "f"),
        ("sslmode=prefer", "t"),
    ] {
        project.set_env("DATABASE_URL", &format!("{}?{query}", database.url()));
        let output = project.run(&["upgrade", "head"]);
        assert_eq!(output.code, 0, "{query}: {output}");
        assert_eq!(
            database.query("SELECT ssl FROM session_tls"),
            expected,
            "{query}"
        );
        assert_eq!(project.run(&["downgrade", "base"]).code, 0);
    }
    // The self-signed certificate is not trusted by the bundled roots.
    project.set_env(
        "DATABASE_URL",
        &format!("{}?sslmode=verify-full", database.url()),
    );
    let output = project.run(&["current"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(output.stderr.contains("certificate"), "{output}");
    project.set_env(
        "DATABASE_URL",
        &format!(
            "{}?sslmode=verify-ca&sslrootcert=/nonexistent/root.crt",
            database.url()
        ),
    );
    let output = project.run(&["current"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("cannot read the root certificate /nonexistent/root.crt"),
        "{output}"
    );
}
