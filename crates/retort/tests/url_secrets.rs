//! Issue 9, finding 4: no password is ever printed. Each error path a database URL can take is
//! run through the `retort` binary with a distinctive password, and stdout and stderr are
//! searched for it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::database::{Server, TestDatabase};
use retort_test::{CommandOutput, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");
const SECRET: &str = "Zebra";

/// Run `current -v` with `url` and check that no part of the password shows.
fn run(url: &str) -> CommandOutput {
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", url);
    let output = project.run(&["current", "-v"]);
    assert!(
        !output.stdout.contains(SECRET) && !output.stderr.contains(SECRET),
        "{url} printed its password:\n{output}"
    );
    assert!(
        !output.stdout.contains("S3cr") && !output.stderr.contains("S3cr"),
        "{url} printed part of its password:\n{output}"
    );
    output
}

fn assert_usage_error(url: &str, expected: &str) {
    let output = run(url);
    assert_eq!(output.code, 2, "{url}: {output}");
    assert!(output.stderr.contains(expected), "{url}: {output}");
    assert!(output.stderr.contains("\nhint: "), "{url}: {output}");
}

#[test]
fn postgres_passwords_with_unescaped_characters_are_refused_unprinted() {
    for (url, character) in [
        ("postgres://postgres:S3cr/3t-Zebra@127.0.0.1:5432/test", '/'),
        (
            "postgresql://postgres:S3cr?3t-Zebra@127.0.0.1:5432/test",
            '?',
        ),
    ] {
        assert_usage_error(url, &format!("holds an unescaped '{character}'"));
        assert!(run(url).stderr.contains("%2F"));
    }
}

#[test]
fn mysql_passwords_with_unescaped_characters_are_refused_unprinted() {
    for (url, character) in [
        ("mysql://root:S3cr3t#Zebra@127.0.0.1:3306/test", '#'),
        ("mysql://root:S3cr/3t-Zebra@127.0.0.1:3306/test", '/'),
        ("mariadb://root:S3cr?3t-Zebra@127.0.0.1:3306/test", '?'),
    ] {
        assert_usage_error(url, &format!("holds an unescaped '{character}'"));
    }
}

#[test]
fn postgres_password_parameters_are_masked_in_every_error() {
    assert_usage_error(
        "postgres://postgres@127.0.0.1:5432/test?password=S3cr3t-Zebra&bogus=1",
        "unknown URL parameter 'bogus'",
    );
    assert_usage_error(
        "postgres://postgres:S3cr3t-Zebra@127.0.0.1:5432/test?sslmode=sometimes",
        "invalid value 'sometimes' for sslmode",
    );
    let output = run("postgres:postgres:S3cr3t-Zebra@127.0.0.1/test");
    assert_eq!(output.code, 2, "{output}");
    // Nothing listens on port 1.
    let output = run("postgres://postgres:S3cr3t-Zebra@127.0.0.1:1/test?connect_timeout=5");
    assert_eq!(output.code, 3, "{output}");
}

#[test]
fn mysql_bad_urls_exit_2_with_a_hint_and_no_password() {
    assert_usage_error(
        "mysql://root@127.0.0.1:3306/test?password=S3cr3t-Zebra&bogus=1",
        "cannot read the MySQL URL",
    );
    assert_usage_error(
        "mysql://root:S3cr3t-Zebra@127.0.0.1:3306/test?ssl-mode=sometimes",
        "invalid ssl-mode 'SOMETIMES'",
    );
    assert_usage_error(
        "mysql://root:S3cr3t-Zebra@127.0.0.1:notaport/test",
        "cannot read the MySQL URL",
    );
    let output = run("mysql://root:S3cr3t-Zebra@127.0.0.1:1/test");
    assert_eq!(output.code, 3, "{output}");
}

#[test]
fn refused_passwords_are_not_printed() {
    let database = TestDatabase::create(Server::MariaDb);
    let output = run(&format!(
        "mysql://root:S3cr3t-Zebra@127.0.0.1:3306/{}",
        database.name
    ));
    assert_eq!(output.code, 3, "{output}");
    assert!(output.stderr.contains("Access denied"), "{output}");
}

/// The server accepts the connection (trust authentication): `current -v` shows the masked URL.
#[test]
fn the_url_shown_on_success_is_masked() {
    let database = TestDatabase::create(Server::Postgres);
    for url in [
        format!(
            "postgres://postgres:S3cr3t-Zebra@127.0.0.1:5432/{}",
            database.name
        ),
        format!(
            "postgres://postgres@127.0.0.1:5432/{}?password=S3cr3t-Zebra",
            database.name
        ),
        format!(
            "postgres://postgres:S3cr3t%23Zebra@127.0.0.1:5432/{}",
            database.name
        ),
        format!(
            "postgres://postgres:S3cr3t#Zebra@127.0.0.1:5432/{}",
            database.name
        ),
    ] {
        let output = run(&url);
        assert_eq!(output.code, 0, "{url}: {output}");
        assert!(output.stdout.contains("***"), "{url}: {output}");
    }
}
