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

pub mod autogenerate;
pub mod database;
pub mod fleet;

use std::path::{Path, PathBuf};

pub use retort_core;
use retort_core::autogenerate::plan::Plan;
use retort_core::config::environment::Environment;
use retort_core::config::{Config, ConfigError};
use retort_core::revision::directory::{load_graph, LoadError};
use retort_core::revision::graph::RevisionGraph;
use retort_core::revision::new_revision::{
    create_for_config, NewRevisionError, NewRevisionRequest,
};
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
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Plan(#[from] autogenerate::PlanError),
    #[error(transparent)]
    NewRevision(#[from] NewRevisionError),
    #[error(
        "{0} needs the project's retort.toml: load the migrations with `Migrations::from_config`"
    )]
    NoConfig(&'static str),
    /// The async entry point's thread could not start, or stopped without an answer.
    #[error("the migration thread {0}")]
    Thread(String),
}

/// A set of revision files, loaded and checked.
#[derive(Clone)]
pub struct Migrations {
    graph: RevisionGraph,
    root: PathBuf,
    options: RunOptions,
    /// The project's configuration, when loaded from `retort.toml` (what `check` and
    /// `autogenerate` need: the declared schema and its filters).
    config: Option<Config>,
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
                resume: false,
            },
            config: None,
        })
    }

    /// Load a project as the CLI does: `retort.toml` at `path` (its `.env`, `${VAR}`s and, with
    /// `env_name`, an `[env.NAME]` section), its version locations, version table, transaction
    /// and lock settings, and its `[autogenerate]` settings for [`Migrations::check`] and
    /// [`Migrations::autogenerate`].
    pub fn from_config(path: impl AsRef<Path>, env_name: Option<&str>) -> Result<Self, Error> {
        let config = Config::load(path.as_ref(), env_name, Environment::process())?;
        Ok(Self {
            graph: load_graph(&config.version_locations)?,
            root: config.root.clone(),
            options: RunOptions::for_config(&config, false),
            config: Some(config),
        })
    }

    /// What `retort check` reports: the plan that would bring the database at `url` (at head)
    /// to the declared schema; empty when they agree.
    pub fn check(&self, url: &str) -> Result<Plan, Error> {
        let config = self.config.as_ref().ok_or(Error::NoConfig("check"))?;
        let url = database::DatabaseUrl::parse(url, &self.root)?;
        Ok(autogenerate::plan(config, &self.graph, &url)?)
    }

    /// What `retort revision --autogenerate -m MESSAGE` writes: a revision on the current head
    /// that brings the database at `url` to the declared schema. Returns its path, or `None`
    /// when there is nothing to change (no file is written). Post-write hooks are the CLI's.
    pub fn autogenerate(&self, url: &str, message: &str) -> Result<Option<PathBuf>, Error> {
        let config = self
            .config
            .as_ref()
            .ok_or(Error::NoConfig("autogenerate"))?;
        let plan = self.check(url)?;
        if plan.is_empty() {
            return Ok(None);
        }
        let (upgrade, downgrade) = autogenerate::sections(&plan)?;
        let request = NewRevisionRequest {
            message: Some(message.to_owned()),
            upgrade_sql: upgrade.sql,
            downgrade_sql: downgrade.sql,
            upgrade_foreign_keys_off: upgrade.foreign_keys_off,
            downgrade_foreign_keys_off: downgrade.foreign_keys_off,
            ..NewRevisionRequest::default()
        };
        let planned = create_for_config(&self.graph, &request, config)?;
        Ok(Some(planned.path))
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

    /// Continue a revision an interrupted run left half-done (MySQL/MariaDB), as `--resume`
    /// does: without it, such a revision stops the run with
    /// [`RunError::InterruptedRevision`], which says what ran.
    #[must_use]
    pub fn resuming(mut self) -> Self {
        self.options.resume = true;
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

/// The async entry point (`--features tokio`), for a service that migrates at start-up from
/// inside a tokio runtime.
#[cfg(feature = "tokio")]
impl Migrations {
    /// [`Migrations::upgrade`] for async code: the run goes on a thread of its own, and the
    /// future waits for it without blocking the runtime. Why a thread, not the runtime's
    /// blocking pool: the database drivers are synchronous, and the PostgreSQL one drives a
    /// runtime of its own, which tokio refuses to start on a thread that belongs to a runtime.
    pub async fn upgrade_async(&self, url: &str, target: &str) -> Result<RunSummary, Error> {
        let operation = Operation::Upgrade {
            target: target.to_owned(),
        };
        self.run_on_a_thread(url, operation).await
    }

    /// [`Migrations::downgrade`] for async code, as [`Migrations::upgrade_async`].
    pub async fn downgrade_async(&self, url: &str, target: &str) -> Result<RunSummary, Error> {
        let operation = Operation::Downgrade {
            target: target.to_owned(),
        };
        self.run_on_a_thread(url, operation).await
    }

    async fn run_on_a_thread(&self, url: &str, operation: Operation) -> Result<RunSummary, Error> {
        let migrations = self.clone();
        let url = url.to_owned();
        let (sender, receiver) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("retort-migrate".to_owned())
            .spawn(move || {
                // The receiver is gone only if the caller dropped the future: nobody to tell.
                let _ = sender.send(migrations.run(&url, &operation));
            })
            .map_err(|e| Error::Thread(format!("could not start: {e}")))?;
        receiver
            .await
            .map_err(|_| Error::Thread("stopped before it finished (it panicked)".to_owned()))?
    }
}
