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
    // The online run also keeps its progress record table (retort_progress), which an offline
    // script has no use for.
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let catalog = "SELECT GROUP_CONCAT(CONCAT(table_name, '.', column_name, ':', column_type, ':', COALESCE(column_default, '')) ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name <> 'retort_progress'";
    assert_eq!(online.query(catalog), offline.query(catalog));
    assert_eq!(versions(&online), versions(&offline));
}

/// A trigger whose body holds several statements: the offline script puts it between
/// `DELIMITER ;;` lines, and the mariadb client builds the same trigger as the online run.
#[test]
fn offline_sql_with_a_trigger_body_runs_in_the_mariadb_client() {
    let online = TestDatabase::create(Server::MariaDb);
    let offline = online.sibling();
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &online.url());
    project.write_sql_revision(
        "aaaa1111",
        "",
        "CREATE TABLE t (id int PRIMARY KEY, n int, note varchar(20) DEFAULT 'a;b');\n\
         CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  IF NEW.n IS NULL THEN\n    SET NEW.n = 0;\n  END IF;\n  SET NEW.note = 'set; here';\nEND;",
        Some("DROP TABLE t;"),
    );
    let script = project.run(&["upgrade", "head", "--sql"]);
    assert_eq!(script.code, 0, "{script}");
    assert!(
        script.stdout.contains("DELIMITER ;;\nCREATE TRIGGER t_bi")
            && script.stdout.contains("END;;\nDELIMITER ;\n")
            && !script.stdout.contains("DELIMITER ;;\nCREATE TABLE"),
        "{}",
        script.stdout
    );
    offline.run_script(&script.stdout).unwrap();
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let triggers = "SELECT GROUP_CONCAT(TRIGGER_NAME, ':', ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()";
    assert_eq!(online.query(triggers), offline.query(triggers));
    assert!(offline
        .query(triggers)
        .contains("SET NEW.note = 'set; here'"));
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

/// Issue 9, finding 0: the client's `query_drop` checked only the first result set, so a `CALL`
/// whose procedure returned a row and then failed exited 0 and recorded the revision.
#[test]
fn a_call_failing_after_its_first_result_fails_the_revision() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = chain(&database);
    project.write_sql_revision(
        "dddd4444",
        "cccc3333",
        "CREATE PROCEDURE p() BEGIN SELECT 'start'; INSERT INTO nosuchtable VALUES (1); END;\nCALL p();",
        Some("DROP PROCEDURE p;"),
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert_eq!(versions(&database), "cccc3333");
    assert!(
        output.stderr.contains("revision dddd4444")
            && output.stderr.contains("dddd4444.sql:8)")
            && output.stderr.contains("nosuchtable' doesn't exist (1146)")
            && output.stderr.contains("statement: CALL p()"),
        "{output}"
    );
}

/// Issue 9, finding 0: an error raised after several result sets (two rows, then `SIGNAL`) is
/// still an error.
#[test]
fn a_call_signalling_after_two_results_fails_the_revision() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = chain(&database);
    project.write_sql_revision(
        "dddd4444",
        "cccc3333",
        "CREATE PROCEDURE p2()\nBEGIN\n  SELECT 1;\n  SELECT 2;\n  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by p2';\nEND;\nCALL p2();\nCREATE TABLE after_call (id int);",
        Some("DROP PROCEDURE p2;"),
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert_eq!(versions(&database), "cccc3333");
    assert!(!table_exists(&database, "after_call"));
    assert!(
        output.stderr.contains("dddd4444.sql:13)") && output.stderr.contains("refused by p2"),
        "{output}"
    );
}

/// Issue 9, finding 0: the client allows several statements in one string; an error in any but
/// the first must come back from `execute`.
#[test]
fn a_multi_statement_string_failing_after_its_first_statement_is_an_error() {
    use retort_core::runner::connection::Connection;
    use retort_mysql::MysqlConnection;

    let database = TestDatabase::create(Server::MariaDb);
    let mut connection = MysqlConnection::connect(&database.url()).unwrap();
    for sql in [
        "SELECT 1; INSERT INTO nosuchtable VALUES (1)",
        "DO 1; INSERT INTO nosuchtable VALUES (1)",
        "SELECT 1; SELECT 2; SELECT * FROM nosuchtable",
    ] {
        let error = connection.execute(sql).unwrap_err();
        assert!(
            error.message.contains("nosuchtable' doesn't exist (1146)"),
            "{sql}: {error:?}"
        );
        // The session is still usable afterwards.
        connection.execute("SELECT 1").unwrap();
    }
}

/// Issue 9, finding 2: every retort session adds `STRICT_ALL_TABLES` and
/// `ERROR_FOR_DIVISION_BY_ZERO` to the server's modes, whatever the server's own mode is, and
/// never lists a flag twice.
#[test]
fn the_session_sql_mode_is_strict() {
    use retort_core::runner::connection::Connection;
    use retort_mysql::MysqlConnection;

    let count = |mode: &str, flag: &str| mode.split(',').filter(|m| *m == flag).count();
    let database = TestDatabase::create(Server::MariaDb);
    let mut connection = MysqlConnection::connect(&database.url()).unwrap();
    let mode = connection.session_sql_mode().unwrap();
    assert_eq!(count(&mode, "STRICT_ALL_TABLES"), 1, "{mode}");
    assert_eq!(count(&mode, "ERROR_FOR_DIVISION_BY_ZERO"), 1, "{mode}");
    // A server whose mode is empty.
    connection.execute("SET SESSION sql_mode = ''").unwrap();
    connection.set_strict_mode().unwrap();
    assert_eq!(
        connection.session_sql_mode().unwrap(),
        "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO"
    );
    // A server with other modes keeps them.
    connection
        .execute("SET SESSION sql_mode = 'ANSI_QUOTES,ERROR_FOR_DIVISION_BY_ZERO'")
        .unwrap();
    connection.set_strict_mode().unwrap();
    connection.set_strict_mode().unwrap();
    assert_eq!(
        connection.session_sql_mode().unwrap(),
        "ANSI_QUOTES,STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO"
    );
}

/// Issue 9, finding 2: narrowing a column that holds a longer value is refused and the value
/// kept, never truncated.
#[test]
fn narrowing_a_column_fails_and_keeps_the_data() {
    let database = TestDatabase::create(Server::MariaDb);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write_sql_revision(
        "aaaa1111",
        "",
        "CREATE TABLE t (name varchar(20));\nINSERT INTO t VALUES ('0123456789');",
        None,
    );
    project.write_sql_revision(
        "bbbb2222",
        "aaaa1111",
        "ALTER TABLE t MODIFY name VARCHAR(3);",
        None,
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output.stderr.contains("Data too long for column 'name'")
            || output.stderr.contains("Data truncated for column 'name'"),
        "{output}"
    );
    assert_eq!(versions(&database), "aaaa1111");
    assert_eq!(database.query("SELECT name FROM t"), "0123456789");
}

/// Issue 9, finding 2: `STRICT_TRANS_TABLES` (the server default) lets a multi-row insert into
/// a non-transactional table truncate every row after the first; retort's session refuses.
#[test]
fn a_truncating_insert_into_a_myisam_table_fails() {
    let database = TestDatabase::create(Server::MariaDb);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write_sql_revision(
        "aaaa1111",
        "",
        "CREATE TABLE m (name varchar(3)) ENGINE=MyISAM;",
        None,
    );
    project.write_sql_revision(
        "bbbb2222",
        "aaaa1111",
        "INSERT INTO m VALUES ('ok'), ('0123456789');",
        None,
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("Data too long for column 'name' at row 2"),
        "{output}"
    );
    assert_eq!(versions(&database), "aaaa1111");
    assert_eq!(
        database.query("SELECT COUNT(*) FROM m WHERE name = '012'"),
        "0"
    );
}

/// Issue 9, finding 1: a `#` comment holding an apostrophe, a column named `begin` and a
/// procedure body with `END IF;` … `END REPEAT;` each split where MariaDB expects.
#[test]
fn mysql_comments_begin_columns_and_compound_bodies_split_correctly() {
    let database = TestDatabase::create(Server::MariaDb);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write_sql_revision(
        "aaaa1111",
        "",
        "# it's the first revision; it creates t\n\
         CREATE TABLE t (begin int, x int);\n\
         INSERT INTO t VALUES (1,2);\n\
         CREATE PROCEDURE fill(n int)\n\
         BEGIN\n\
         \x20 DECLARE i int DEFAULT 0;\n\
         \x20 IF n > 0 THEN SET i = 0; END IF;\n\
         \x20 l: LOOP SET i = i + 1; IF i >= n THEN LEAVE l; END IF; END LOOP l;\n\
         \x20 WHILE i > 0 DO INSERT INTO t VALUES (i, 10); SET i = i - 1; END WHILE;\n\
         \x20 CASE n WHEN 0 THEN SET i = 0; ELSE SET i = 1; END CASE;\n\
         \x20 REPEAT SET i = i + 1; UNTIL i > 2 END REPEAT;\n\
         END;\n\
         CALL fill(3);",
        Some("DROP PROCEDURE fill;\nDROP TABLE t;"),
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        database.query("SELECT COUNT(*), SUM(begin), SUM(x) FROM t"),
        "4\t7\t32"
    );
    assert_eq!(versions(&database), "aaaa1111");
    assert_eq!(project.run(&["downgrade", "base"]).code, 0);
    assert!(!table_exists(&database, "t"));
}
