//! Issue 9, finding 4: on MariaDB, DDL commits as it goes, so a revision interrupted (SIGKILL,
//! a signal, a failing statement) is partly applied. The runner records progress per
//! statement in `retort_progress`; the next run says exactly which statements of which
//! revision ran and which one may have, and `--resume` continues from there. The hints say
//! only what is known.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use retort_test::database::{Server, TestDatabase};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn project(database: &TestDatabase) -> Project {
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write_sql_revision(
        "r01",
        "",
        "CREATE TABLE users (id bigint PRIMARY KEY);",
        Some("DROP TABLE users;"),
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

fn spawn(project: &Project, database: &TestDatabase, args: &[&str]) -> Child {
    let mut command = Command::new(RETORT);
    command
        .args(args)
        .current_dir(project.root())
        .env_clear()
        .env("DATABASE_URL", database.url())
        .env("TZ", "UTC")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    command.spawn().expect("start retort")
}

/// Wait until a statement containing `marker` runs on the server.
fn wait_for_statement(database: &TestDatabase, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let running = database.query(&format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%{marker}%' AND INFO NOT LIKE '%PROCESSLIST%'"
        ));
        if running != "0" {
            return;
        }
        assert!(Instant::now() < deadline, "{marker} never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill_9(mut child: Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

/// The regression of "no statement of revision r00063 ran" after a SIGKILL had left its
/// `CREATE TABLE` committed: the next run names the statements that ran, the one that may
/// have (it was running), those that did not, and `--resume`; the version table never moves
/// past the previous revision; `--resume` finishes the revision, counting the statement that
/// was running as run when the server says its table exists.
#[test]
fn after_sigkill_the_next_run_reports_which_statements_ran_and_resume_finishes() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id int);\nCREATE TABLE slow AS SELECT SLEEP(2) AS crash_marker_r02;\nINSERT INTO a VALUES (2);\nCREATE TABLE c (id int);",
        Some("DROP TABLE c;\nDROP TABLE slow;\nDROP TABLE b;\nDROP TABLE a;"),
    );
    let child = spawn(&project, &database, &["upgrade", "head"]);
    wait_for_statement(&database, "crash_marker_r02");
    kill_9(child);

    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output.stderr.contains(
            "an earlier run did not finish the upgrade of revision r02 (",
        ) && output.stderr.contains("the statement(s) on lines 7, 8, 9 ran; the statement(s) on line 10 may have run (it was running when the run stopped); the statement(s) on lines 11, 12 did not run"),
        "{output}"
    );
    assert!(
        output.stderr.contains(
            "run the command again with `--resume` to continue the upgrade of r02 from line 10"
        ) && output.stderr.contains("retort stamp r02"),
        "{output}"
    );
    assert!(!output.stderr.contains("no statement"), "{output}");
    assert_eq!(versions(&database), "r01");
    assert!(!table_exists(&database, "c"));

    let output = project.run(&["upgrade", "head", "--resume"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(
        output.stderr.contains("note: revision r02")
            && output.stderr.contains("Table 'slow' already exists (1050)"),
        "{output}"
    );
    assert_eq!(versions(&database), "r02");
    assert_eq!(
        database.query("SELECT GROUP_CONCAT(id ORDER BY id) FROM a"),
        "1,2"
    );
    assert!(table_exists(&database, "c"));
    // Settled: the next runs have nothing to say.
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    assert_eq!(project.run(&["downgrade", "base"]).code, 0);
    assert_eq!(versions(&database), "");
}

/// A failing statement's hint says only what is known: the DDL before it is committed, the
/// DML since the last DDL ran in a transaction that was rolled back (it used to say the
/// rolled-back DML "stays applied").
#[test]
fn a_failing_statement_hint_does_not_claim_rolled_back_dml_stays_applied() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "INSERT INTO users VALUES (1);\nCREATE TABLE t2 (id int);\nINSERT INTO t2 VALUES (1);\nINSERT INTO users VALUES (2);\nINSERT INTO nowhere VALUES (1);",
        None,
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(output.stderr.contains("the statement(s) of r02 on lines 9, 10 ran in a transaction that was rolled back; this database commits DDL as it goes: the statement(s) of r02 on lines 7, 8 are committed"), "{output}");
    assert!(!output.stderr.contains("stay"), "{output}");
    assert_eq!(database.query("SELECT COUNT(*) FROM t2"), "0");
    assert_eq!(database.query("SELECT GROUP_CONCAT(id) FROM users"), "1");
    assert_eq!(versions(&database), "r01");

    // Only DML before the failure: nothing was kept, and the next run starts over.
    let database = TestDatabase::create(Server::MariaDb);
    let mut project2 = Project::init(RETORT);
    project2.set_env("DATABASE_URL", &database.url());
    project2.write_sql_revision(
        "r01",
        "",
        "CREATE TABLE users (id bigint PRIMARY KEY);",
        None,
    );
    project2.write_sql_revision(
        "r02",
        "r01",
        "INSERT INTO users VALUES (3);\nINSERT INTO nowhere VALUES (1);",
        None,
    );
    let output = project2.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(output.stderr.contains("the statement(s) of r02 on line 7 ran in a transaction that was rolled back; nothing of revision r02 was kept"), "{output}");
    assert_eq!(database.query("SELECT COUNT(*) FROM users"), "0");
    project2.write_sql_revision("r02", "r01", "INSERT INTO users VALUES (3);", None);
    let output = project2.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
}

/// After a failing statement, the statements that did not run may be fixed: `--resume`
/// continues from the fixed statement, without running the committed DDL again.
#[test]
fn a_failed_revision_resumes_from_the_fixed_statement() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id int);\nINSERT INTO nowhere VALUES (1);\nCREATE TABLE t3 (id int);",
        None,
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 3);
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("the statement(s) on line 7 ran; the statement(s) on lines 8, 9 did not run"),
        "{output}"
    );
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id int);\nINSERT INTO t2 VALUES (1);\nCREATE TABLE t3 (id int);",
        None,
    );
    let output = project.run(&["upgrade", "head", "--resume"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(versions(&database), "r02");
    assert_eq!(database.query("SELECT COUNT(*) FROM t2"), "1");
    assert!(table_exists(&database, "t3"));
}

/// A resumed revision runs in a new session: its session settings that ran before the
/// interruption (`SET foreign_key_checks = 0`) are made again, so the statements after them
/// run as they would have.
#[test]
fn resume_repeats_the_session_settings_that_ran() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "SET foreign_key_checks = 0;\nCREATE TABLE child (id int, parent_id bigint, FOREIGN KEY (parent_id) REFERENCES users (id));\nINSERT INTO nowhere VALUES (1);\nINSERT INTO child VALUES (1, 42);",
        None,
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 3);
    project.write_sql_revision(
        "r02",
        "r01",
        "SET foreign_key_checks = 0;\nCREATE TABLE child (id int, parent_id bigint, FOREIGN KEY (parent_id) REFERENCES users (id));\nDO 1;\nINSERT INTO child VALUES (1, 42);",
        None,
    );
    let output = project.run(&["upgrade", "head", "--resume"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(
        output.stderr.contains(
            "note: revision r02: the session settings on line 7 ran again before resuming"
        ),
        "{output}"
    );
    assert_eq!(database.query("SELECT parent_id FROM child"), "42");
}

/// `--resume` refuses a revision whose statements that ran were edited since: it would not be
/// the revision that was interrupted.
#[test]
fn resume_refuses_a_revision_file_changed_since() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id int);\nINSERT INTO nowhere VALUES (1);",
        None,
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 3);
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id bigint);\nINSERT INTO t2 VALUES (1);",
        None,
    );
    let output = project.run(&["upgrade", "head", "--resume"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("cannot resume upgrade r02:")
            && output.stderr.contains("has changed since it was run"),
        "{output}"
    );
    assert_eq!(versions(&database), "r01");
    assert_eq!(database.query("SELECT COUNT(*) FROM t2"), "0");
}

/// `retort current` shows the version table, and says which revision an earlier run left
/// half-done.
#[test]
fn current_names_the_interrupted_revision() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id int);\nINSERT INTO nowhere VALUES (1);",
        None,
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 3);
    let output = project.run(&["current"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(output.stdout.starts_with("r01"), "{output}");
    assert!(
        output
            .stderr
            .contains("note: an earlier run did not finish the upgrade of revision r02")
            && output
                .stderr
                .contains("the statement(s) on line 7 ran; the statement(s) on line 8 did not run")
            && output
                .stderr
                .contains("hint: run the command again with `--resume`"),
        "{output}"
    );
}

/// A downgrade interrupted half-way is resumed like an upgrade.
#[test]
fn a_failed_downgrade_resumes() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id int);\nCREATE TABLE t3 (id int);",
        Some("DROP TABLE t3;\nINSERT INTO nowhere VALUES (1);\nDROP TABLE t2;"),
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let output = project.run(&["downgrade", "base"]);
    assert_eq!(output.code, 3, "{output}");
    assert_eq!(versions(&database), "r02");
    assert!(!table_exists(&database, "t3"));
    // An upgrade now would start elsewhere: refused, naming the way out.
    let output = project.run(&["upgrade", "head", "--resume"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("but the interrupted downgrade of r02 is not finished")
            && output.stderr.contains("`retort downgrade -1 --resume`"),
        "{output}"
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("did not finish the downgrade of revision r02"),
        "{output}"
    );
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id int);\nCREATE TABLE t3 (id int);",
        Some("DROP TABLE t3;\nDROP TABLE t2;"),
    );
    let output = project.run(&["downgrade", "base", "--resume"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(versions(&database), "");
    assert!(!table_exists(&database, "t2") && !table_exists(&database, "users"));
}

/// Finishing by hand: `stamp` records where the database is and clears the progress record.
#[test]
fn stamp_clears_the_progress_record() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write_sql_revision(
        "r02",
        "r01",
        "CREATE TABLE t2 (id int);\nINSERT INTO nowhere VALUES (1);",
        None,
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 3);
    assert_eq!(database.query("SELECT COUNT(*) FROM retort_progress"), "1");
    let output = project.run(&["stamp", "r02"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(database.query("SELECT COUNT(*) FROM retort_progress"), "0");
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
}

/// The progress table is retort's, like the version table: `check` never proposes to drop it.
#[test]
fn check_leaves_the_progress_table_alone() {
    let database = TestDatabase::create(Server::MariaDb);
    let project = project(&database);
    project.write(
        "schema/schema.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    assert!(table_exists(&database, "retort_progress"));
    let output = project.run(&["check"]);
    assert_eq!(output.code, 0, "{output}");
}
