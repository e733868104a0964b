//! Issue 9, finding 7: a frozen server made a run hang with no bound. Each test starts its own
//! throwaway server (MariaDB, PostgreSQL; never the shared ones) in a temporary directory,
//! freezes it with SIGSTOP while a run waits for an answer, and checks that the run ends with
//! a clear error within the URL's `read_timeout`, saying the connection was lost and what that
//! means for the work in flight. The server is resumed and stopped afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

/// A MariaDB server of this test's own, on a free port; killed when dropped.
struct ThrowawayServer {
    directory: tempfile::TempDir,
    process: Child,
    port: u16,
}

impl ThrowawayServer {
    fn start() -> Self {
        let directory = tempfile::Builder::new()
            .prefix("retort-frozen-")
            .tempdir()
            .expect("a temporary directory");
        let data = directory.path().join("data");
        // The server refuses to run as root; the Debian package's account owns its files.
        let status = Command::new("chown")
            .args(["-R", "mysql:mysql"])
            .arg(directory.path())
            .status()
            .expect("chown");
        assert!(status.success());
        let output = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args([
                "--user=mysql",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .output()
            .expect("run mariadb-install-db (MariaDB's server package: run .ci/setup)");
        assert!(
            output.status.success(),
            "mariadb-install-db: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let process = Command::new("/usr/sbin/mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!(
                "--socket={}",
                directory.path().join("sock").display()
            ))
            .arg(format!(
                "--pid-file={}",
                directory.path().join("pid").display()
            ))
            .arg(format!("--port={port}"))
            .args([
                "--bind-address=127.0.0.1",
                "--user=mysql",
                "--innodb-buffer-pool-size=16M",
                "--skip-log-bin",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mariadbd");
        let server = Self {
            directory,
            process,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server
            .query("CREATE DATABASE IF NOT EXISTS frozen")
            .is_none()
        {
            assert!(
                Instant::now() < deadline,
                "the throwaway server never came up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Run `sql` on the server: its output, or `None` if the client failed.
    fn query(&self, sql: &str) -> Option<String> {
        Command::new("mariadb")
            .args([
                "-h",
                "127.0.0.1",
                "-u",
                "root",
                "--connect-timeout=2",
                "-N",
                "-B",
            ])
            .arg(format!("-P{}", self.port))
            .args(["-e", sql])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.process.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }
}

impl Drop for ThrowawayServer {
    fn drop(&mut self) {
        self.signal("CONT");
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = &self.directory;
    }
}

#[test]
fn a_frozen_mariadb_ends_the_run_within_read_timeout() {
    let server = ThrowawayServer::start();
    let mut project = Project::init(RETORT);
    project.set_env(
        "DATABASE_URL",
        &format!(
            "mysql://root@127.0.0.1:{}/frozen?read_timeout=2",
            server.port
        ),
    );
    project.write_sql_revision("r00", "", "CREATE TABLE t (id int);", None);
    project.write_sql_revision("r01", "r00", "DO SLEEP(1);", None);
    let mut command = Command::new(RETORT);
    command
        .args(["upgrade", "head"])
        .current_dir(project.root())
        .env_clear()
        .env(
            "DATABASE_URL",
            format!(
                "mysql://root@127.0.0.1:{}/frozen?read_timeout=2",
                server.port
            ),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    let run = command.spawn().expect("start retort");
    // Freeze the server while the run waits for the answer to `DO SLEEP(1)`.
    let deadline = Instant::now() + Duration::from_secs(20);
    while server
        .query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'DO SLEEP(1)'")
        .as_deref()
        != Some("1")
    {
        assert!(Instant::now() < deadline, "the run never reached r01");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.signal("STOP");
    let frozen = Instant::now();
    let output = run.wait_with_output().expect("wait for retort");
    let ended_after = frozen.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("the run ended {ended_after:?} after the server froze:\n{stderr}");
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        ended_after < Duration::from_secs(8),
        "the run took {ended_after:?} after the server froze (read_timeout = 2 s)"
    );
    assert!(
        stderr.contains("lost the connection to the server")
            && stderr.contains("hint: the connection to the server was lost"),
        "{stderr}"
    );
    assert!(!stderr.contains("fix the statement"), "{stderr}");
}

/// The PostgreSQL server binaries of the highest installed major version.
fn postgres_bin(name: &str) -> std::path::PathBuf {
    let mut versions: Vec<u32> = fs_err::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server package (run .ci/setup)")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    let version = versions.last().expect("an installed PostgreSQL");
    std::path::PathBuf::from(format!("/usr/lib/postgresql/{version}/bin/{name}"))
}

/// A PostgreSQL cluster of this test's own (trust authentication), on a free port; stopped
/// when dropped.
struct ThrowawayPostgres {
    directory: tempfile::TempDir,
    postmaster: Child,
    port: u16,
}

impl ThrowawayPostgres {
    fn start() -> Self {
        let directory = tempfile::Builder::new()
            .prefix("retort-frozen-pg-")
            .tempdir()
            .expect("a temporary directory");
        let data = directory.path().join("data");
        // PostgreSQL refuses to run as root: the package's account runs it.
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(directory.path())
            .status()
            .expect("chown");
        assert!(status.success());
        let as_postgres = |program: std::path::PathBuf| {
            let mut command = Command::new("setpriv");
            command
                .args([
                    "--reuid=postgres",
                    "--regid=postgres",
                    "--init-groups",
                    "--",
                ])
                .arg(program);
            command
        };
        let output = as_postgres(postgres_bin("initdb"))
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(&data)
            .output()
            .expect("run initdb");
        assert!(
            output.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // setpriv executes the server in its own place: the child is the postmaster.
        let postmaster = as_postgres(postgres_bin("postgres"))
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-k")
            .arg(directory.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        let server = Self {
            directory,
            postmaster,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.query("SELECT 1").is_none() {
            assert!(
                Instant::now() < deadline,
                "the throwaway PostgreSQL never came up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn query(&self, sql: &str) -> Option<String> {
        Command::new("psql")
            .args([
                "-X",
                "-q",
                "-tA",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-c", sql])
            .env("PGCONNECT_TIMEOUT", "2")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        // Every process of the cluster: resume them, then an immediate shutdown (SIGQUIT).
        let _ = Command::new("kill")
            .args(["-CONT"])
            .arg(self.postmaster.id().to_string())
            .status();
        let _ = Command::new("pkill")
            .args(["-CONT", "-P"])
            .arg(self.postmaster.id().to_string())
            .status();
        let _ = Command::new("kill")
            .args(["-QUIT"])
            .arg(self.postmaster.id().to_string())
            .status();
        let _ = self.postmaster.wait();
        let _ = &self.directory;
    }
}

#[test]
fn a_frozen_postgres_ends_the_run_within_read_timeout() {
    let server = ThrowawayPostgres::start();
    let url = format!(
        "postgresql://postgres@127.0.0.1:{}/postgres?read_timeout=2",
        server.port
    );
    let project = Project::init(RETORT);
    project.write_sql_revision("r00", "", "CREATE TABLE t (id int);", None);
    project.write_sql_revision("r01", "r00", "SELECT pg_sleep(1);", None);
    let mut command = Command::new(RETORT);
    command
        .args(["upgrade", "head"])
        .current_dir(project.root())
        .env_clear()
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    let run = command.spawn().expect("start retort");
    // Freeze the server process that runs `pg_sleep(1)` while the run waits for its answer.
    let deadline = Instant::now() + Duration::from_secs(20);
    let backend = loop {
        if let Some(pid) = server
            .query("SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()")
            .filter(|pid| !pid.is_empty())
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "the run never reached r01");
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = Command::new("kill")
        .args(["-STOP", &backend])
        .status()
        .expect("kill");
    assert!(status.success());
    let frozen = Instant::now();
    let output = run.wait_with_output().expect("wait for retort");
    let ended_after = frozen.elapsed();
    let _ = Command::new("kill").args(["-CONT", &backend]).status();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("the run ended {ended_after:?} after the server froze:\n{stderr}");
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        ended_after < Duration::from_secs(8),
        "the run took {ended_after:?} after the server froze (read_timeout = 2 s)"
    );
    assert!(
        stderr.contains("lost the connection to the server: no answer within read_timeout = 2 s")
            && stderr.contains("hint: the connection to the server was lost"),
        "{stderr}"
    );
    assert!(!stderr.contains("fix the statement"), "{stderr}");
}

/// Connecting to a server that takes the TCP connection but never answers (frozen) ends after
/// `connect_timeout` (the drivers' own timeouts cover the TCP connection only).
fn connecting_to_a_frozen_server_ends_within_connect_timeout(url: &str, freeze: impl FnOnce()) {
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", url);
    project.write_sql_revision("r00", "", "CREATE TABLE t (id int);", None);
    freeze();
    let started = Instant::now();
    let output = project.run(&["current"]);
    let took = started.elapsed();
    assert_eq!(output.code, 3, "{output}");
    assert!(took < Duration::from_secs(8), "took {took:?}: {output}");
    assert!(
        output
            .stderr
            .contains("no answer within connect_timeout = 2 s")
            && output.stderr.contains("hint: the server"),
        "{output}"
    );
}

#[test]
fn connecting_to_a_frozen_mariadb_ends_within_connect_timeout() {
    let server = ThrowawayServer::start();
    connecting_to_a_frozen_server_ends_within_connect_timeout(
        &format!(
            "mysql://root@127.0.0.1:{}/frozen?connect_timeout=2",
            server.port
        ),
        || server.signal("STOP"),
    );
}

#[test]
fn connecting_to_a_frozen_postgres_ends_within_connect_timeout() {
    let server = ThrowawayPostgres::start();
    connecting_to_a_frozen_server_ends_within_connect_timeout(
        &format!(
            "postgresql://postgres@127.0.0.1:{}/postgres?connect_timeout=2",
            server.port
        ),
        || {
            let status = Command::new("kill")
                .args(["-STOP", &server.postmaster.id().to_string()])
                .status()
                .expect("kill");
            assert!(status.success());
        },
    );
}
