//! A fresh database per test on the real servers (PostgreSQL and MariaDB on localhost),
//! dropped when the test ends, so tests run in parallel. Administration goes through the
//! servers' own command-line clients, which the tests also use to check results.
//!
//! A server that is down is a failure, never a skip: `.ci/setup` starts them.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Server addresses (override with `RETORT_TEST_PG_HOST` / `RETORT_TEST_MYSQL_HOST`).
fn host(variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| "127.0.0.1".to_owned())
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Postgres,
    MariaDb,
}

/// A database created for one test.
pub struct TestDatabase {
    pub server: Server,
    pub name: String,
    /// The server's port (5432 or 3306; the second PostgreSQL server `.ci/setup` starts is on
    /// [`SECOND_POSTGRES_PORT`]).
    pub port: u16,
}

/// The second PostgreSQL server (`.ci/setup`), for runs that span two servers.
pub const SECOND_POSTGRES_PORT: u16 = 5434;

impl TestDatabase {
    pub fn create(server: Server) -> Self {
        let port = match server {
            Server::Postgres => 5432,
            Server::MariaDb => 3306,
        };
        Self::create_on_port(server, port)
    }

    /// A fresh database on the server of this kind listening on `port`.
    pub fn create_on_port(server: Server, port: u16) -> Self {
        let database = Self {
            server,
            name: unique_name("retort_test"),
            port,
        };
        let create = format!("CREATE DATABASE {}", database.name);
        database.admin(&create);
        database
    }

    /// The URL retort connects with.
    pub fn url(&self) -> String {
        match self.server {
            Server::Postgres => format!(
                "postgresql://postgres@{}:{}/{}",
                host("RETORT_TEST_PG_HOST"),
                self.port,
                self.name
            ),
            Server::MariaDb => format!(
                "mysql://root@{}:{}/{}",
                host("RETORT_TEST_MYSQL_HOST"),
                self.port,
                self.name
            ),
        }
    }

    fn client(&self, database: &str) -> Command {
        match self.server {
            Server::Postgres => {
                let mut command = Command::new("psql");
                command.args([
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-tA",
                    "-h",
                    &host("RETORT_TEST_PG_HOST"),
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                    "-d",
                    database,
                ]);
                command
            }
            Server::MariaDb => {
                let mut command = Command::new("mariadb");
                command.args([
                    "-h",
                    &host("RETORT_TEST_MYSQL_HOST"),
                    "-P",
                    &self.port.to_string(),
                    "-u",
                    "root",
                    "-N",
                    "-B",
                    database,
                ]);
                command
            }
        }
    }

    fn admin(&self, sql: &str) {
        let maintenance = match self.server {
            Server::Postgres => "postgres",
            Server::MariaDb => "mysql",
        };
        let flag = match self.server {
            Server::Postgres => "-c",
            Server::MariaDb => "-e",
        };
        let output = self
            .client(maintenance)
            .arg(flag)
            .arg(sql)
            .output()
            .expect("run the database client");
        assert!(
            output.status.success(),
            "{sql}: {} (is the server running? `.ci/setup` starts it)",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Run SQL in the test database and return what it printed (tab-separated rows).
    pub fn query(&self, sql: &str) -> String {
        let flag = match self.server {
            Server::Postgres => "-c",
            Server::MariaDb => "-e",
        };
        let output = self
            .client(&self.name)
            .arg(flag)
            .arg(sql)
            .output()
            .expect("run the database client");
        assert!(
            output.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Feed a whole script to the database's own client.
    pub fn run_script(&self, script: &str) -> Result<(), String> {
        let mut child = self
            .client(&self.name)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run the database client");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin
                .write_all(script.as_bytes())
                .expect("write the script");
        }
        let output = child.wait_with_output().expect("wait for the client");
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// The database's own dump of its schema: `pg_dump --schema-only` or
    /// `mariadb-dump --no-data --routines --events`, as a user baselining a declared schema would make it.
    pub fn schema_dump(&self) -> String {
        let mut command = match self.server {
            Server::Postgres => {
                let mut command = Command::new("pg_dump");
                command.args([
                    "--schema-only",
                    "-h",
                    &host("RETORT_TEST_PG_HOST"),
                    "-U",
                    "postgres",
                ]);
                command
            }
            Server::MariaDb => {
                let mut command = Command::new("mariadb-dump");
                command.args([
                    "--no-data",
                    // Routines and events are part of the schema retort models.
                    "--routines",
                    "--events",
                    "-h",
                    &host("RETORT_TEST_MYSQL_HOST"),
                    "-P",
                    "3306",
                    "-u",
                    "root",
                ]);
                command
            }
        };
        let output = command
            .arg(&self.name)
            .output()
            .expect("run the dump client");
        assert!(
            output.status.success(),
            "dump {}: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Another fresh database on the same server.
    #[must_use]
    pub fn sibling(&self) -> Self {
        Self::create_on_port(self.server, self.port)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let sql = match self.server {
            Server::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            Server::MariaDb => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        let maintenance = match self.server {
            Server::Postgres => "postgres",
            Server::MariaDb => "mysql",
        };
        let flag = match self.server {
            Server::Postgres => "-c",
            Server::MariaDb => "-e",
        };
        let _ = self.client(maintenance).arg(flag).arg(sql).output();
    }
}
