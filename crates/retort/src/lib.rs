//! Retort as a library: load a project's migrations and bring a database to a revision at
//! application start, with the same lock, transactions and version table as the CLI (both go
//! through the core runner).
//!
//! ```no_run
//! fn main() -> Result<(), retort::Error> {
//!     // Every running instance may do this at start: the migration lock makes the others
//!     // wait, then find nothing left to do.
//!     let migrations = retort::Migrations::from_directory("migrations/versions")?;
//!     let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:///app.db".into());
//!     let applied = migrations.upgrade(&url, "head")?;
//!     eprintln!("applied {} revision(s); now at {:?}", applied.steps.len(), applied.heads);
//!     Ok(())
//! }
//! ```

pub mod database;

use std::path::{Path, PathBuf};

pub use retort_core;
use retort_core::config::environment::Environment;
use retort_core::revision::directory::{load_graph, LoadError};
use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::connection::VersionTable;
use retort_core::runner::run::{
    run, LockScope, Operation, RunError, RunOptions, RunSummary, Silent,
};

/// Anything that can go wrong migrating from a library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Open(#[from] database::OpenError),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// A set of revision files, loaded and checked.
pub struct Migrations {
    graph: RevisionGraph,
    root: PathBuf,
    options: RunOptions,
}

impl Migrations {
    /// Load every revision under `directory` (sub-directories included). Relative SQLite URLs
    /// are resolved against the current directory.
    pub fn from_directory(directory: impl AsRef<Path>) -> Result<Self, Error> {
        Ok(Self {
            graph: load_graph(&[directory.as_ref().to_path_buf()])?,
            root: std::env::current_dir().unwrap_or_default(),
            options: RunOptions {
                version_table: VersionTable::default(),
                transaction_per_migration: true,
                lock_timeout: None,
                lock_scope: LockScope::Session,
                interrupted: None,
            },
        })
    }

    /// Use another version table than Alembic's `alembic_version`.
    #[must_use]
    pub fn with_version_table(mut self, table: VersionTable) -> Self {
        self.options.version_table = table;
        self
    }

    /// Hold the lock in one transaction around the whole run, for databases reached through a
    /// transaction-pooling proxy (PostgreSQL only).
    #[must_use]
    pub fn with_transaction_lock(mut self) -> Self {
        self.options.lock_scope = LockScope::Transaction;
        self
    }

    /// The revision graph, to inspect heads and history.
    pub fn graph(&self) -> &RevisionGraph {
        &self.graph
    }

    /// Apply revisions up to `target` (`"head"`, `"heads"`, an id, …) on the database at `url`.
    pub fn upgrade(&self, url: &str, target: &str) -> Result<RunSummary, Error> {
        self.run(
            url,
            &Operation::Upgrade {
                target: target.to_owned(),
            },
        )
    }

    /// Revert revisions down to `target` (`"-1"`, `"base"`, an id).
    pub fn downgrade(&self, url: &str, target: &str) -> Result<RunSummary, Error> {
        self.run(
            url,
            &Operation::Downgrade {
                target: target.to_owned(),
            },
        )
    }

    fn run(&self, url: &str, operation: &Operation) -> Result<RunSummary, Error> {
        let database = database::DatabaseUrl::parse(url, &self.root)?;
        let mut connection = database.connect(&Environment::process())?;
        Ok(run(
            connection.as_mut(),
            &self.graph,
            operation,
            &self.options,
            &mut Silent,
        )?)
    }
}
