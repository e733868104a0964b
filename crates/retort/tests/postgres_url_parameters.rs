//! Issue 9, finding 3: the libpq URL parameters hosted providers (Neon, Supabase, RDS, Azure)
//! put in URLs, on the real PostgreSQL server: mapped, accepted, or refused by name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::database::{Server, TestDatabase};
use retort_test::{CommandOutput, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn upgrade(database: &TestDatabase, query: &str) -> CommandOutput {
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &format!("{}?{query}", database.url()));
    project.write_sql_revision("aaaa1111", "", "CREATE TABLE t (id int);", None);
    project.run(&["upgrade", "head"])
}

/// Neon's URLs carry `channel_binding=require`; `prefer` (libpq's default) connects to any server.
#[test]
fn neon_channel_binding_is_accepted() {
    let database = TestDatabase::create(Server::Postgres);
    for query in [
        "sslmode=require&channel_binding=prefer",
        "sslmode=disable&channel_binding=disable",
    ] {
        let output = upgrade(&database, query);
        assert_eq!(output.code, 0, "{query}: {output}");
        database.query("DROP TABLE t; DROP TABLE alembic_version");
    }
}

/// `require` is honoured: this test server trusts every connection (no SCRAM), so a required
/// channel binding refuses it, as libpq does ("channel binding required, but server
/// authenticated client without channel binding").
#[test]
fn channel_binding_require_refuses_a_server_that_does_not_bind() {
    let database = TestDatabase::create(Server::Postgres);
    let output = upgrade(&database, "sslmode=require&channel_binding=require");
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output.stderr.contains("channel binding")
            && output
                .stderr
                .contains("hint: channel_binding=require needs"),
        "{output}"
    );
    assert_eq!(
        database.query("SELECT count(*) FROM pg_tables WHERE tablename = 't'"),
        "0"
    );
}

#[test]
fn channel_binding_require_without_tls_is_a_usage_error() {
    let database = TestDatabase::create(Server::Postgres);
    let output = upgrade(&database, "sslmode=disable&channel_binding=require");
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("channel_binding=require needs TLS, but sslmode=disable"),
        "{output}"
    );
    assert!(
        output.stderr.contains("hint: use sslmode=require"),
        "{output}"
    );
}

#[test]
fn hosted_provider_parameters_connect() {
    let database = TestDatabase::create(Server::Postgres);
    let output = upgrade(
        &database,
        "sslmode=prefer&target_session_attrs=read-write&keepalives=1&keepalives_idle=30&keepalives_interval=10&keepalives_count=3&tcp_user_timeout=10000&connect_timeout=10&client_encoding=UTF8&gssencmode=prefer&krbsrvname=postgres&sslnegotiation=postgres&sslsni=1&application_name=deploy&fallback_application_name=retort-ci",
    );
    assert_eq!(output.code, 0, "{output}");
}

/// `hostaddr` is where retort connects; `host` still names the server.
#[test]
fn hostaddr_is_used_for_the_connection() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env(
        "DATABASE_URL",
        &format!(
            "postgresql://postgres@db.invalid:5432/{}?hostaddr=127.0.0.1",
            database.name
        ),
    );
    let output = project.run(&["current"]);
    assert_eq!(output.code, 0, "{output}");
}

/// The driver checks the session: a primary is not read-only.
#[test]
fn target_session_attrs_is_checked_by_the_driver() {
    let database = TestDatabase::create(Server::Postgres);
    let output = upgrade(&database, "target_session_attrs=read-only");
    assert_eq!(output.code, 3, "{output}");
}

#[test]
fn parameters_that_cannot_be_honoured_are_refused_by_name() {
    let database = TestDatabase::create(Server::Postgres);
    for (query, key) in [
        ("sslcert=/tmp/client.crt&sslkey=/tmp/client.key", "sslcert"),
        ("gssencmode=require", "gssencmode"),
        ("target_session_attrs=primary", "target_session_attrs"),
        ("client_encoding=LATIN1", "client_encoding"),
        ("sslmode=prefer&sslnegotiation=direct", "sslnegotiation"),
    ] {
        let output = upgrade(&database, query);
        assert_eq!(output.code, 2, "{query}: {output}");
        assert!(output.stderr.contains(key), "{query}: {output}");
        assert!(output.stderr.contains("\nhint: "), "{query}: {output}");
    }
}
