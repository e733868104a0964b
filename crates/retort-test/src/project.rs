//! A retort project in a temporary directory, and running the `retort` binary in it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary project directory, removed when dropped.
pub struct Project {
    directory: tempfile::TempDir,
    binary: PathBuf,
    env: Vec<(String, String)>,
}

/// What one run printed and returned.
#[derive(Debug, Clone)]
pub struct CommandOutput {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl fmt::Display for CommandOutput {
    /// The snapshot form: exit code, stdout, stderr.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit code: {}", self.code)?;
        writeln!(f, "----- stdout -----\n{}", self.stdout)?;
        write!(f, "----- stderr -----\n{}", self.stderr)
    }
}

impl Project {
    /// An empty directory; `binary` is the `retort` executable (`env!("CARGO_BIN_EXE_retort")`).
    pub fn empty(binary: &str) -> Self {
        Self {
            directory: tempfile::Builder::new()
                .prefix("retort-test-")
                .tempdir()
                .expect("create a temporary directory"),
            binary: PathBuf::from(binary),
            env: Vec::new(),
        }
    }

    /// A project made by `retort init`.
    pub fn init(binary: &str) -> Self {
        let project = Self::empty(binary);
        let output = project.run(&["init"]);
        assert_eq!(output.code, 0, "retort init failed: {output}");
        project
    }

    pub fn root(&self) -> &Path {
        self.directory.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    pub fn versions(&self) -> PathBuf {
        self.path("migrations/versions")
    }

    /// Set an environment variable for every later run.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.push((name.to_owned(), value.to_owned()));
    }

    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).expect("create parent directory");
        }
        fs_err::write(&path, content).expect("write file");
        path
    }

    pub fn read(&self, relative: &str) -> String {
        fs_err::read_to_string(self.path(relative)).expect("read file")
    }

    /// Run `retort ARGS` in the project directory, with a clean environment apart from `PATH`,
    /// `HOME` and what `set_env` added.
    pub fn run(&self, args: &[&str]) -> CommandOutput {
        self.run_in(self.root(), args)
    }

    pub fn run_in(&self, directory: &Path, args: &[&str]) -> CommandOutput {
        let mut command = Command::new(&self.binary);
        command.args(args).current_dir(directory).env_clear();
        for name in ["PATH", "HOME", "TZ", "LANG"] {
            if let Ok(value) = std::env::var(name) {
                command.env(name, value);
            }
        }
        command.env("TZ", "UTC");
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let output = command.output().expect("run retort");
        CommandOutput {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code().unwrap_or(-1),
        }
    }

    /// Write `migrations/versions/<id>.sql` with the given SQL; `None` makes it irreversible.
    pub fn write_sql_revision(
        &self,
        id: &str,
        parent: &str,
        upgrade: &str,
        downgrade: Option<&str>,
    ) -> PathBuf {
        let downgrade = downgrade
            .map(|sql| format!("\n-- retort:downgrade\n{sql}\n"))
            .unwrap_or_default();
        self.write(
            &format!("migrations/versions/{id}.sql"),
            &format!("-- revision {id}\n--\n-- Revision ID: {id}\n-- Revises: {parent}\n\n-- retort:upgrade\n{upgrade}\n{downgrade}"),
        )
    }

    /// A linear chain `r00` → `r01` → … → `r<count>`: `r00` runs `first`, each later one
    /// `step(id)`. All irreversible.
    pub fn write_chain(&self, count: usize, first: &str, step: impl Fn(&str) -> String) {
        self.write_sql_revision("r00", "", first, None);
        for n in 1..=count {
            let id = format!("r{n:02}");
            self.write_sql_revision(&id, &format!("r{:02}", n - 1), &step(&id), None);
        }
    }

    /// Run `retort ARGS` from `count` processes at once; every output, in no particular order.
    pub fn run_concurrently(&self, count: usize, args: &[&str]) -> Vec<CommandOutput> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..count).map(|_| scope.spawn(|| self.run(args))).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a concurrent run"))
                .collect()
        })
    }

    /// Write a revision file directly.
    pub fn write_revision(&self, id: &str, parents: &[&str], message: &str) -> PathBuf {
        self.write(
            &format!("migrations/versions/{id}_{}.sql", message.replace(' ', "_")),
            &format!(
                "-- {message}\n--\n-- Revision ID: {id}\n-- Revises: {}\n-- Create Date: 2026-01-01 00:00:00\n\n-- retort:upgrade\nSELECT 1;\n\n-- retort:downgrade\nSELECT 2;\n",
                parents.join(", ")
            ),
        )
    }
}
