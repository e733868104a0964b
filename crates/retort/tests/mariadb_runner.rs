//! The runner on a real MariaDB (a fresh database per test). MariaDB commits DDL as it goes:
//! a failing revision is reported statement by statement, and the version table stays at the
//! last complete revision.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::database::{Server, TestDatabase};
use retort_test::{snapshot_settings, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn chain(database: &TestDatabase) -> Project {
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write_sql_revision(
        "aaaa1111",
        "",
        "CREATE TABLE users (id bigint PRIMARY KEY);",
        Some("DROP TABLE users;"),
    );
    project.write_sql_revision(
        "bbbb2222",
        "aaaa1111",
        "ALTER TABLE users ADD COLUMN email varchar(100) DEFAULT 'a;b\\'c';",
        Some("ALTER TABLE users DROP COLUMN email;"),
    );
    project.write_sql_revision(
        "cccc3333",
        "bbbb2222",
        "CREATE INDEX users_email ON users (email);",
        Some("DROP INDEX users_email ON users;"),
    );
    project
}

fn versions(database: &TestDatabase) -> String {
    database.query(
        "SELECT COALESCE(GROUP_CONCAT(version_num ORDER BY version_num), '') FROM alembic_version",
    )
}

fn table_exists(database: &TestDatabase, name: &str) -> bool {
    database.query(&format!("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}'")) == "1"
}

#[test]
fn targets_and_version_rows() {
    let database = TestDatabase::create(Server::MariaDb);
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
    assert_eq!(database.query("SELECT COLUMN_DEFAULT FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name = 'email'"), "'a;b''c'");
    assert_eq!(run(&["current"]).stdout, "cccc3333 (head)\n");
    run(&["downgrade", "-1"]);
    assert_eq!(versions(&database), "bbbb2222");
    run(&["downgrade", "base"]);
    assert_eq!(versions(&database), "");
    assert!(!table_exists(&database, "users"));
}

#[test]
fn a_failing_revision_reports_what_was_applied() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = chain(&database);
    project.write_sql_revision( "dddd4444", "cccc3333", "CREATE TABLE t2 (id int);\nCREATE TABLE t3 (id int);\nINSERT INTO nowhere VALUES (1);\nCREATE TABLE t4 (id int);", Some("DROP TABLE t2;"));
    let output = project.run(&["upgrade", "head"]);
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("mariadb_partial_revision", output));
    assert_eq!(output.code, 3);
    // The version table stays at the last complete revision; the DDL that ran stays.
    assert_eq!(versions(&database), "cccc3333");
    assert!(
        table_exists(&database, "t2")
            && table_exists(&database, "t3")
            && !table_exists(&database, "t4")
    );
}

#[test]
fn an_irreversible_revision_stops_before_anything() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = chain(&database);
    project.write_sql_revision("dddd4444", "cccc3333", "CREATE TABLE t4 (id int);", None);
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    assert_eq!(project.run(&["downgrade", "base"]).code, 2);
    assert_eq!(versions(&database), "dddd4444");
    assert!(table_exists(&database, "users"));
}

#[test]
fn eight_concurrent_upgrades_apply_each_revision_once() {
    let database = TestDatabase::create(Server::MariaDb);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write_chain(20, "CREATE TABLE applied (id varchar(10));", |id| {
        format!("INSERT INTO applied VALUES ('{id}');")
    });
    for output in project.run_concurrently(8, &["-q", "upgrade", "head"]) {
        assert_eq!(output.code, 0, "{output}");
    }
    assert_eq!(
        database.query("SELECT COUNT(*), COUNT(DISTINCT id) FROM applied"),
        "20\t20"
    );
    assert_eq!(versions(&database), "r20");
}

#[test]
fn offline_sql_through_the_mariadb_client_gives_the_same_database() {
    let online = TestDatabase::create(Server::MariaDb);
    let offline = online.sibling();
    let project = chain(&online);
    let script = project.run(&["upgrade", "head", "--sql"]);
    assert_eq!(script.code, 0, "{script}");
    offline.run_script(&script.stdout).unwrap();
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let catalog = "SELECT GROUP_CONCAT(CONCAT(table_name, '.', column_name, ':', column_type, ':', COALESCE(column_default, '')) ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = DATABASE()";
    assert_eq!(online.query(catalog), offline.query(catalog));
    assert_eq!(versions(&online), versions(&offline));
}

#[test]
fn connection_errors_are_clear() {
    let database = TestDatabase::create(Server::MariaDb);
    let mut project = chain(&database);
    project.set_env(
        "DATABASE_URL",
        &format!("mysql://root:wrong@127.0.0.1:3306/{}", database.name),
    );
    let output = project.run(&["current"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output.stderr.contains("Access denied for user 'root'"),
        "{output}"
    );
    assert!(!output.stderr.contains("wrong@"), "{output}");
    project.set_env(
        "DATABASE_URL",
        "mysql+pymysql://root@127.0.0.1:3306/retort_missing_database",
    );
    let output = project.run(&["current"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("Unknown database 'retort_missing_database'"),
        "{output}"
    );
}
