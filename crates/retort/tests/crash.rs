//! Issue 9, "what it must show": a crash test per database. A 200-revision chain (each
//! revision creates a table, logs a row, adds a column, logs another row), `retort upgrade
//! head` killed with SIGKILL after random delays, again and again. After every kill:
//!
//! - every revision the version table claims has all its effects, and no later revision has
//!   any, except the one in flight — on MariaDB only, whose DDL commits as it goes, and only
//!   as a prefix of its statements (PostgreSQL and SQLite: never a partial revision);
//! - on MariaDB, when the revision in flight is partly applied, a plain `upgrade head` stops
//!   and names it (the interrupted-revision report) without touching anything; the next run,
//!   with `--resume`, carries on.
//!
//! The run then completes with no manual SQL, and each logged row exists once (the log's
//! primary key would refuse a statement run twice). The delays come from a seeded generator:
//! `RETORT_CRASH_SEED=<n>` reproduces a failure (the seed is printed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use retort_test::database::{Server, TestDatabase};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");
const REVISIONS: usize = 200;
const KILLS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Postgres,
    MariaDb,
    Sqlite,
}

struct Target {
    kind: Kind,
    database: Option<TestDatabase>,
    project: Project,
    url: String,
}

fn revision_id(n: usize) -> String {
    format!("r{n:03}")
}

/// The effects of one revision, in the order its statements make them.
const EFFECTS: [&str; 4] = ["table", "first log row", "column", "second log row"];

impl Target {
    fn new(kind: Kind) -> Self {
        let database = match kind {
            Kind::Postgres => Some(TestDatabase::create(Server::Postgres)),
            Kind::MariaDb => Some(TestDatabase::create(Server::MariaDb)),
            Kind::Sqlite => None,
        };
        let url = database
            .as_ref()
            .map_or_else(|| "sqlite:///app.db".to_owned(), TestDatabase::url);
        let mut project = Project::init(RETORT);
        project.set_env("DATABASE_URL", &url);
        for n in 0..REVISIONS {
            let id = revision_id(n);
            let mut sql = String::new();
            if n == 0 {
                sql.push_str(
                    "CREATE TABLE crash_log (rev VARCHAR(10) NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (rev, step));\n",
                );
            }
            sql.push_str(&format!(
                "CREATE TABLE tk{n:03} (id INTEGER PRIMARY KEY);\nINSERT INTO crash_log VALUES ('{id}', 1);\nALTER TABLE tk{n:03} ADD COLUMN note VARCHAR(20);\nINSERT INTO crash_log VALUES ('{id}', 2);"
            ));
            let parent = if n == 0 {
                String::new()
            } else {
                revision_id(n - 1)
            };
            project.write_sql_revision(&id, &parent, &sql, None);
        }
        Self {
            kind,
            database,
            project,
            url,
        }
    }

    /// Rows of `sql`, one string per row (columns joined by `|`).
    fn rows(&self, sql: &str) -> Vec<String> {
        let mut command = match self.kind {
            Kind::Postgres => {
                let mut command = Command::new("psql");
                command.args(["-X", "-q", "-tA", "-h", "127.0.0.1", "-U", "postgres", "-d"]);
                command
            }
            Kind::MariaDb => {
                let mut command = Command::new("mariadb");
                command.args(["-h", "127.0.0.1", "-P", "3306", "-u", "root", "-N", "-B"]);
                command
            }
            Kind::Sqlite => Command::new("sqlite3"),
        };
        match &self.database {
            Some(database) => command.arg(&database.name).arg(match self.kind {
                Kind::MariaDb => "-e",
                _ => "-c",
            }),
            None => command.arg(self.project.path("app.db")),
        };
        let output = command.arg(sql).output().expect("run the database client");
        assert!(
            output.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| line.trim().replace('\t', "|"))
            .filter(|line| !line.is_empty())
            .collect()
    }

    fn has_table(&self, name: &str) -> bool {
        let sql = match self.kind {
            Kind::Postgres => format!("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{name}'"),
            Kind::MariaDb => format!("SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}'"),
            Kind::Sqlite => format!("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{name}'"),
        };
        if self.kind == Kind::Sqlite && !self.project.path("app.db").exists() {
            return false;
        }
        !self.rows(&sql).is_empty()
    }

    /// The applied revision, as a chain position (`None`: nothing applied).
    fn version(&self) -> Option<usize> {
        if !self.has_table("alembic_version") {
            return None;
        }
        let rows = self.rows("SELECT version_num FROM alembic_version");
        assert!(
            rows.len() <= 1,
            "{:?}: several version rows {rows:?}",
            self.kind
        );
        rows.first()
            .map(|id| id.trim_start_matches('r').parse().expect("a chain id"))
    }

    /// For each revision that left anything, which of its [`EFFECTS`] are present.
    fn effects(&self) -> Vec<[bool; 4]> {
        let mut effects = vec![[false; 4]; REVISIONS];
        let number = |name: &str| -> usize { name[2..].parse().expect("tkNNN") };
        let (tables, columns) = match self.kind {
            Kind::Postgres => (
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'tk%'",
                "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name LIKE 'tk%' AND column_name = 'note'",
            ),
            Kind::MariaDb => (
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'tk%'",
                "SELECT table_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name LIKE 'tk%' AND column_name = 'note'",
            ),
            Kind::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'tk%'",
                "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name LIKE 'tk%' AND p.name = 'note'",
            ),
        };
        if self.kind == Kind::Sqlite && !self.project.path("app.db").exists() {
            return effects;
        }
        for table in self.rows(tables) {
            effects[number(&table)][0] = true;
        }
        for table in self.rows(columns) {
            effects[number(&table)][2] = true;
        }
        if self.has_table("crash_log") {
            let rows = self.rows("SELECT rev, step FROM crash_log");
            let distinct: BTreeSet<&String> = rows.iter().collect();
            assert_eq!(distinct.len(), rows.len(), "a log row twice: {rows:?}");
            for row in &rows {
                let (rev, step) = row.split_once('|').expect("rev|step");
                let n: usize = rev.trim_start_matches('r').parse().expect("rNNN");
                let index = if step == "1" { 1 } else { 3 };
                effects[n][index] = true;
            }
        }
        effects
    }

    /// The version table matches the effects present; returns whether the revision after it
    /// is partly applied (MariaDB only).
    fn check_consistent(&self, seed: u64, kill: usize) -> bool {
        let version = self.version();
        let effects = self.effects();
        let context = format!(
            "{:?}, seed {seed}, after kill {kill}, version {version:?}",
            self.kind
        );
        let applied = version.map_or(0, |v| v + 1);
        for (n, present) in effects.iter().enumerate() {
            if n < applied {
                assert_eq!(
                    present,
                    &[true; 4],
                    "{context}: {} is recorded but not all of its effects ({EFFECTS:?}) are present",
                    revision_id(n)
                );
            } else if n == applied && self.kind == Kind::MariaDb {
                // In flight: a prefix of its statements, never all of them unrecorded.
                let count = present.iter().take_while(|&&p| p).count();
                assert!(
                    present.iter().skip(count).all(|&p| !p) && count < 4,
                    "{context}: {} is partly applied out of order or complete but unrecorded: {present:?}",
                    revision_id(n)
                );
            } else {
                assert_eq!(
                    present,
                    &[false; 4],
                    "{context}: {} is not recorded but has effects",
                    revision_id(n)
                );
            }
        }
        effects.get(applied).is_some_and(|p| p.iter().any(|&p| p))
    }

    fn upgrade_args(&self) -> Vec<&'static str> {
        let mut args = vec!["-q", "upgrade", "head", "--lock-timeout", "60"];
        if self.kind == Kind::MariaDb {
            args.push("--resume");
        }
        args
    }

    fn spawn_upgrade(&self) -> std::process::Child {
        let mut command = Command::new(RETORT);
        command
            .args(self.upgrade_args())
            .current_dir(self.project.root())
            .env_clear()
            .env("DATABASE_URL", &self.url)
            .env("TZ", "UTC")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Ok(path) = std::env::var("PATH") {
            command.env("PATH", path);
        }
        command.spawn().expect("start retort")
    }
}

fn seed() -> u64 {
    std::env::var("RETORT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0009)
}

fn crash_test(kind: Kind) {
    let target = Target::new(kind);
    let seed = seed();
    println!("{kind:?}: RETORT_CRASH_SEED={seed}");
    let mut random = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let (mut kills, mut partial, mut finished_early) = (0, 0, 0);
    // How long a run takes to start (process, connection): kills land after it, within a
    // window that adapts so that each kill lets a few revisions through (a fast machine
    // would otherwise reach head in a handful of kills).
    let start_up = {
        let begun = Instant::now();
        target.project.run(&["-q", "heads"]);
        begun.elapsed()
    };
    let mut window_ms: u64 = 100;
    let mut applied = 0;
    while kills < KILLS {
        let delay = start_up + Duration::from_millis(random.gen_range(0..=window_ms));
        let mut child = target.spawn_upgrade();
        std::thread::sleep(delay);
        if child.try_wait().expect("poll retort").is_some() {
            // It finished before the kill: the chain is at head.
            finished_early += 1;
            break;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        kills += 1;
        let now_applied = target.version().map_or(0, |v| v + 1);
        let progressed = now_applied - applied;
        applied = now_applied;
        if progressed > REVISIONS / (KILLS * 3 / 2) {
            window_ms = (window_ms * 2 / 3).max(5);
        } else if progressed < 2 {
            window_ms = (window_ms * 4 / 3).min(500);
        }
        if target.check_consistent(seed, kills) {
            partial += 1;
            // A plain run names the interrupted revision and changes nothing.
            let before = target.version();
            let output = target
                .project
                .run(&["upgrade", "head", "--lock-timeout", "60"]);
            let next = revision_id(before.map_or(0, |v| v + 1));
            assert_eq!(output.code, 3, "seed {seed}: {output}");
            assert!(
                output
                    .stderr
                    .contains(&format!("did not finish the upgrade of revision {next}"))
                    && output.stderr.contains("--resume"),
                "seed {seed}: {output}"
            );
            assert_eq!(target.version(), before);
        }
    }
    let output = target.project.run(&target.upgrade_args());
    assert_eq!(output.code, 0, "seed {seed}: {output}");
    assert_eq!(target.version(), Some(REVISIONS - 1));
    target.check_consistent(seed, kills);
    assert!(
        target.effects().iter().all(|p| p == &[true; 4]),
        "{kind:?}: not every revision's effects are there"
    );
    println!(
        "{kind:?}: {kills} kills, {partial} left a revision partly applied, finished early {finished_early}, {:.1?}",
        started.elapsed()
    );
    assert!(
        kills >= KILLS,
        "{kind:?}, seed {seed}: the chain finished after {kills} kills: the delays are too long for this machine"
    );
    if kind == Kind::MariaDb {
        assert!(
            partial > 0,
            "seed {seed}: no kill landed inside a revision: the test proves nothing"
        );
    }
}

#[test]
fn sigkill_at_random_points_postgres() {
    crash_test(Kind::Postgres);
}

#[test]
fn sigkill_at_random_points_mariadb() {
    crash_test(Kind::MariaDb);
}

#[test]
fn sigkill_at_random_points_sqlite() {
    crash_test(Kind::Sqlite);
}
