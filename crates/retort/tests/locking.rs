//! The migration lock on every database: `lock_mode = "table"` (a lease with a heartbeat,
//! cleared by `retort unlock`), locks keyed by database and schema, and the line a waiting run
//! prints. Issue 9: findings 1, 3 and 4 and "What to build".
//!
//! Slow revisions run outside a transaction (`transaction=false`) so that a run can be caught
//! holding the lock between its commits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use retort_test::database::{Server, TestDatabase};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Postgres,
    /// PostgreSQL through PgBouncer in transaction pooling (`.ci/setup`, port 6432).
    PostgresPooled,
    MariaDb,
    Sqlite,
}

/// A database to migrate and a project pointing at it.
struct Target {
    kind: Kind,
    database: Option<TestDatabase>,
    project: Project,
    url: String,
}

impl Target {
    fn new(kind: Kind, lock_mode: &str) -> Self {
        let database = match kind {
            Kind::Postgres | Kind::PostgresPooled => Some(TestDatabase::create(Server::Postgres)),
            Kind::MariaDb => Some(TestDatabase::create(Server::MariaDb)),
            Kind::Sqlite => None,
        };
        let url = match (&database, kind) {
            (Some(database), Kind::PostgresPooled) => {
                database.url().replacen(":5432/", ":6432/", 1)
            }
            (Some(database), _) => database.url(),
            (None, _) => "sqlite:///app.db".to_owned(),
        };
        let mut project = Project::init(RETORT);
        project.write(
            "retort.toml",
            &format!("database_url = \"${{DATABASE_URL}}\"\nlock_mode = \"{lock_mode}\"\nlock_lease_seconds = 3\n"),
        );
        project.set_env("DATABASE_URL", &url);
        Self {
            kind,
            database,
            project,
            url,
        }
    }

    /// SQL that takes about `seconds` (SQLite: a long count, far longer than any test waits).
    fn slow_sql(&self, seconds: u32) -> String {
        match self.kind {
            Kind::Postgres | Kind::PostgresPooled => format!("SELECT pg_sleep({seconds});"),
            Kind::MariaDb => format!("DO SLEEP({seconds});"),
            Kind::Sqlite => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c;".to_owned(),
        }
    }

    /// r00 creates a table; r01 runs `r01_sql` outside a transaction; r02 inserts a row.
    fn write_chain(&self, r01_sql: &str) {
        self.project.write(
            "migrations/versions/r00.sql",
            "-- Revision ID: r00\n-- Revises:\n\n-- retort:upgrade\nCREATE TABLE applied_log (id VARCHAR(10) PRIMARY KEY);\n",
        );
        // On MariaDB a statement outside a transaction that is running when its run is killed
        // is recorded as in flight (retort_progress), and the next run rightly stops to report
        // it; inside the revision's transaction the slow `DO` is rolled back with the run.
        let options = if self.kind == Kind::MariaDb {
            ""
        } else {
            " transaction=false"
        };
        self.project.write(
            "migrations/versions/r01.sql",
            &format!(
                "-- Revision ID: r01\n-- Revises: r00\n\n-- retort:upgrade{options}\n{r01_sql}\n"
            ),
        );
        self.project.write(
            "migrations/versions/r02.sql",
            "-- Revision ID: r02\n-- Revises: r01\n\n-- retort:upgrade\nINSERT INTO applied_log VALUES ('r02');\n",
        );
    }

    /// Run SQL against the target directly (never through the pooler); `None` if it failed.
    fn try_query(&self, sql: &str) -> Option<String> {
        let mut command = match self.kind {
            Kind::Postgres | Kind::PostgresPooled => {
                let mut command = Command::new("psql");
                command.args(["-X", "-q", "-tA", "-h", "127.0.0.1", "-U", "postgres", "-d"]);
                command
                    .arg(&self.database.as_ref()?.name)
                    .arg("-c")
                    .arg(sql);
                command
            }
            Kind::MariaDb => {
                let mut command = Command::new("mariadb");
                command.args(["-h", "127.0.0.1", "-P", "3306", "-u", "root", "-N", "-B"]);
                command
                    .arg(&self.database.as_ref()?.name)
                    .arg("-e")
                    .arg(sql);
                command
            }
            Kind::Sqlite => {
                let mut command = Command::new("sqlite3");
                command.arg(self.project.path("app.db")).arg(sql);
                command
            }
        };
        let output = command.output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn versions(&self) -> String {
        self.try_query("SELECT version_num FROM alembic_version")
            .unwrap_or_default()
    }

    /// Start `retort ARGS` in the background.
    fn spawn(&self, args: &[&str]) -> Child {
        let mut command = Command::new(RETORT);
        command
            .args(args)
            .current_dir(self.project.root())
            .env_clear()
            .env("DATABASE_URL", &self.url)
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in ["PATH", "HOME"] {
            if let Ok(value) = std::env::var(name) {
                command.env(name, value);
            }
        }
        command.spawn().expect("start retort")
    }

    /// Wait until the version table says `revision` (a run holding the lock got that far).
    fn wait_for_version(&self, revision: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.versions() != revision {
            assert!(
                Instant::now() < deadline,
                "{:?}: the version table never reached {revision}",
                self.kind
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn kill_and_reap(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Two runs exclude each other: while one holds the lease, the other gives up after its
/// --lock-timeout, naming the holder.
fn table_lock_excludes(kind: Kind) {
    let target = Target::new(kind, "table");
    target.write_chain(&target.slow_sql(20));
    let holder = target.spawn(&["upgrade", "head"]);
    target.wait_for_version("r00");
    let output = target
        .project
        .run(&["upgrade", "head", "--lock-timeout", "0.5"]);
    let pid = holder.id();
    kill_and_reap(holder);
    assert_eq!(output.code, 3, "{kind:?}: {output}");
    assert!(
        output.stderr.contains(&format!(
            "another run still holds the migration lock (pid {pid} on host "
        )),
        "{kind:?}: {output}"
    );
    assert!(
        output.stderr.contains("hint: wait for that run"),
        "{output}"
    );
    assert_eq!(target.versions(), "r00");
}

#[test]
fn table_lock_two_runs_exclude_each_other_postgres() {
    table_lock_excludes(Kind::Postgres);
}

#[test]
fn table_lock_two_runs_exclude_each_other_through_pgbouncer() {
    table_lock_excludes(Kind::PostgresPooled);
}

#[test]
fn table_lock_two_runs_exclude_each_other_mariadb() {
    table_lock_excludes(Kind::MariaDb);
}

#[test]
fn table_lock_two_runs_exclude_each_other_sqlite() {
    table_lock_excludes(Kind::Sqlite);
}

/// kill -9 of the holder: its lease is not renewed, and another run takes over once it
/// expires (3 s here), saying whose lock it waited for.
fn table_lock_expires_when_its_holder_dies(kind: Kind) {
    let target = Target::new(kind, "table");
    target.write_chain(&target.slow_sql(20));
    let holder = target.spawn(&["upgrade", "head"]);
    target.wait_for_version("r00");
    let pid = holder.id();
    kill_and_reap(holder);
    target.write_chain("SELECT 1;");
    let started = Instant::now();
    let output = target.project.run(&["upgrade", "head"]);
    let waited = started.elapsed();
    assert_eq!(output.code, 0, "{kind:?}: {output}");
    assert_eq!(target.versions(), "r02");
    assert!(
        output.stderr.contains(&format!(
            "waiting for the migration lock held by pid {pid} on host "
        )),
        "{kind:?}: {output}"
    );
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(8),
        "{kind:?}: took over after {waited:?}"
    );
    assert_eq!(
        target
            .try_query("SELECT count(*) FROM retort_lock")
            .as_deref(),
        Some("0")
    );
}

#[test]
fn table_lock_expires_when_its_holder_is_killed_postgres_through_pgbouncer() {
    table_lock_expires_when_its_holder_dies(Kind::PostgresPooled);
}

#[test]
fn table_lock_expires_when_its_holder_is_killed_mariadb() {
    table_lock_expires_when_its_holder_dies(Kind::MariaDb);
}

#[test]
fn table_lock_expires_when_its_holder_is_killed_sqlite() {
    table_lock_expires_when_its_holder_dies(Kind::Sqlite);
}

/// `retort unlock` clears a dead holder's lease at once and says whose it was.
fn unlock_clears_the_lease(kind: Kind) {
    let target = Target::new(kind, "table");
    target.write_chain(&target.slow_sql(20));
    let holder = target.spawn(&["upgrade", "head"]);
    target.wait_for_version("r00");
    let pid = holder.id();
    kill_and_reap(holder);
    let output = target.project.run(&["unlock"]);
    assert_eq!(output.code, 0, "{kind:?}: {output}");
    assert!(
        output.stdout.starts_with(&format!(
            "cleared the migration lock held by pid {pid} on host "
        )) && output.stdout.contains(" since "),
        "{kind:?}: {output}"
    );
    target.write_chain("SELECT 1;");
    let started = Instant::now();
    let output = target.project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{kind:?}: {output}");
    assert!(
        started.elapsed() < Duration::from_millis(2500) && !output.stderr.contains("waiting"),
        "{kind:?}: {output}"
    );
    let output = target.project.run(&["unlock"]);
    assert_eq!(
        output.stdout, "no run holds the migration lock\n",
        "{output}"
    );
}

#[test]
fn unlock_clears_the_lease_and_names_its_holder_postgres() {
    unlock_clears_the_lease(Kind::Postgres);
}

#[test]
fn unlock_clears_the_lease_and_names_its_holder_mariadb() {
    unlock_clears_the_lease(Kind::MariaDb);
}

#[test]
fn unlock_clears_the_lease_and_names_its_holder_sqlite() {
    unlock_clears_the_lease(Kind::Sqlite);
}

/// A run that waits for the session lock says whose it is, once, after a second.
fn waiting_line_names_the_holder(kind: Kind, expected: &str) {
    let target = Target::new(kind, "session");
    target.write_chain(&target.slow_sql(3));
    let holder = target.spawn(&["upgrade", "head"]);
    target.wait_for_version("r00");
    let output = target.project.run(&["upgrade", "head"]);
    let holder_output = holder.wait_with_output().unwrap();
    assert!(holder_output.status.success(), "{holder_output:?}");
    assert_eq!(output.code, 0, "{kind:?}: {output}");
    let waiting: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.starts_with("waiting for the migration lock held by "))
        .collect();
    assert_eq!(waiting.len(), 1, "{kind:?}: {output}");
    assert!(waiting[0].contains(expected), "{kind:?}: {output}");
    assert_eq!(target.versions(), "r02");
}

#[test]
fn waiting_for_the_lock_names_its_holder_postgres() {
    waiting_line_names_the_holder(Kind::Postgres, "PostgreSQL server process ");
}

#[test]
fn waiting_for_the_lock_names_its_holder_mariadb() {
    waiting_line_names_the_holder(Kind::MariaDb, "connection ");
}

/// Finding 4: MariaDB's lock name `retort:.alembic_version` was the same for every database
/// on the server, so a run on one database blocked runs on unrelated databases.
#[test]
fn mariadb_lock_is_keyed_by_database() {
    let first = Target::new(Kind::MariaDb, "session");
    first.write_chain(&first.slow_sql(4));
    let second = Target::new(Kind::MariaDb, "session");
    second.write_chain("SELECT 1;");
    let holder = first.spawn(&["upgrade", "head"]);
    first.wait_for_version("r00");
    let output = second
        .project
        .run(&["upgrade", "head", "--lock-timeout", "0.5"]);
    kill_and_reap(holder);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(second.versions(), "r02");
}

/// Tenants migrated schema by schema (search_path per URL) in one PostgreSQL database never
/// wait for each other: the advisory-lock key names the schema the version table lands in.
#[test]
fn postgres_lock_is_keyed_by_schema() {
    let database = TestDatabase::create(Server::Postgres);
    database.query("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b;");
    let tenant = |schema: &str, r01: &str| {
        let mut target = Target::new(Kind::Postgres, "session");
        target.url = format!("{}?options=-c%20search_path%3D{schema}", database.url());
        target.project.set_env("DATABASE_URL", &target.url);
        target.write_chain(r01);
        target
    };
    let first = tenant("tenant_a", "SELECT pg_sleep(4);");
    let second = tenant("tenant_b", "SELECT 1;");
    let holder = first.spawn(&["upgrade", "head"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while database.query("SELECT to_regclass('tenant_a.applied_log') IS NOT NULL") != "t" {
        assert!(Instant::now() < deadline, "tenant_a never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = second
        .project
        .run(&["upgrade", "head", "--lock-timeout", "0.5"]);
    kill_and_reap(holder);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        database.query("SELECT version_num FROM tenant_b.alembic_version"),
        "r02"
    );
}

/// Finding 7 / E: SIGINT and SIGTERM printed nothing, and the lock outlived the run until the
/// running statement ended. Now the running statement is cancelled, its revision rolled back,
/// the lock released at once, and the message says what was applied.
fn signal_mid_run_releases_the_lock_at_once(kind: Kind, lock_mode: &str, signal: &str) {
    let target = Target::new(kind, lock_mode);
    target.write_chain("SELECT 1;");
    // r01 here runs in a transaction: it is rolled back.
    target.project.write(
        "migrations/versions/r01.sql",
        &format!(
            "-- Revision ID: r01\n-- Revises: r00\n\n-- retort:upgrade\nINSERT INTO applied_log VALUES ('r01');\n{}\n",
            target.slow_sql(20)
        ),
    );
    let holder = target.spawn(&["upgrade", "head"]);
    // lock_mode = "transaction" holds the whole run in one transaction: nothing shows.
    let one_transaction = lock_mode == "transaction";
    if one_transaction {
        std::thread::sleep(Duration::from_millis(1500));
    } else {
        target.wait_for_version("r00");
        std::thread::sleep(Duration::from_millis(300));
    }
    let sent = Instant::now();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &holder.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = holder.wait_with_output().unwrap();
    let stopped_after = sent.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{kind:?}: {stderr}");
    assert!(
        stopped_after < Duration::from_secs(3),
        "{kind:?}: stopped {stopped_after:?} after {signal}"
    );
    let (applied, version) = if one_transaction {
        ("no revision was applied", "")
    } else {
        ("applied upgrade r00\n", "r00")
    };
    assert!(
        stderr.contains(&format!("SIG{signal}: stopping"))
            && stderr.contains("error: interrupted during upgrade r01: ")
            && stderr.contains(applied),
        "{kind:?}: {stderr}"
    );
    assert!(stderr.contains("hint: the lock was released"), "{stderr}");
    assert_eq!(target.versions(), version);
    if matches!(kind, Kind::Postgres | Kind::PostgresPooled) {
        assert_eq!(
            target
                .try_query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
                .as_deref(),
            Some("0"),
            "{kind:?}"
        );
    }
    // The lock is free at once: a run that does not wait at all gets it.
    target.project.write(
        "migrations/versions/r01.sql",
        "-- Revision ID: r01\n-- Revises: r00\n\n-- retort:upgrade\nSELECT 1;\n",
    );
    let output = target
        .project
        .run(&["upgrade", "head", "--lock-timeout", "0"]);
    assert_eq!(output.code, 0, "{kind:?}: {output}");
    assert_eq!(target.versions(), "r02");
    assert_eq!(
        target
            .try_query("SELECT count(*) FROM applied_log")
            .as_deref(),
        Some("1"),
        "{kind:?}: r01's insert was rolled back, r02's kept"
    );
}

#[test]
fn sigterm_mid_run_releases_the_lock_at_once_postgres() {
    signal_mid_run_releases_the_lock_at_once(Kind::Postgres, "session", "TERM");
}

#[test]
fn sigint_mid_run_releases_the_lock_at_once_postgres_transaction_mode_through_pgbouncer() {
    signal_mid_run_releases_the_lock_at_once(Kind::PostgresPooled, "transaction", "INT");
}

#[test]
fn sigterm_mid_run_releases_the_lease_at_once_mariadb() {
    signal_mid_run_releases_the_lock_at_once(Kind::MariaDb, "table", "TERM");
}

#[test]
fn sigterm_mid_run_releases_the_lock_at_once_sqlite() {
    signal_mid_run_releases_the_lock_at_once(Kind::Sqlite, "session", "TERM");
}

/// A holder whose lease was cleared (`retort unlock` while it still ran) stops before its next
/// commit instead of carrying on beside the run that may now hold the lock.
fn holder_stops_when_its_lease_is_cleared(kind: Kind) {
    let target = Target::new(kind, "table");
    target.write_chain(&target.slow_sql(3));
    let holder = target.spawn(&["upgrade", "head"]);
    target.wait_for_version("r00");
    let output = target.project.run(&["unlock"]);
    assert!(
        output
            .stdout
            .starts_with("cleared the migration lock held by pid "),
        "{output}"
    );
    let output = holder.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{kind:?}: {stderr}");
    assert!(
        stderr.contains("lease") && stderr.contains("was lost"),
        "{kind:?}: {stderr}"
    );
    assert!(
        stderr.contains("hint: nothing more was committed"),
        "{stderr}"
    );
    assert_eq!(target.versions(), "r00");
}

#[test]
fn holder_stops_when_its_lease_is_cleared_postgres() {
    holder_stops_when_its_lease_is_cleared(Kind::Postgres);
}

#[test]
fn holder_stops_when_its_lease_is_cleared_mariadb() {
    holder_stops_when_its_lease_is_cleared(Kind::MariaDb);
}

/// The lease table is retort's, like the version table: `check` and autogenerate never
/// propose to drop it (they did: "drop table retort_lock").
fn check_leaves_the_lock_table_alone(kind: Kind) {
    let target = Target::new(kind, "table");
    target.project.write(
        "migrations/versions/r00.sql",
        "-- Revision ID: r00\n-- Revises:\n\n-- retort:upgrade\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    );
    target.project.write(
        "schema/schema.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    );
    let output = target.project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(target
        .try_query("SELECT count(*) FROM retort_lock")
        .is_some());
    let output = target.project.run(&["check"]);
    assert_eq!(output.code, 0, "{kind:?}: {output}");
}

#[test]
fn check_leaves_the_lock_table_alone_sqlite() {
    check_leaves_the_lock_table_alone(Kind::Sqlite);
}

#[test]
fn check_leaves_the_lock_table_alone_postgres() {
    check_leaves_the_lock_table_alone(Kind::Postgres);
}

#[test]
fn check_leaves_the_lock_table_alone_mariadb() {
    check_leaves_the_lock_table_alone(Kind::MariaDb);
}
