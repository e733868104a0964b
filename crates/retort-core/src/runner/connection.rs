//! What the runner needs from a database. One implementation per dialect crate (and one that
//! writes offline SQL); the runner never sees a driver.

use super::split::Escapes;

/// Alembic's version table, by name. Why this exact shape: a database that Alembic migrated
/// must be continued by retort and back, so the table, column and constraint names are
/// Alembic's (`alembic_version(version_num VARCHAR(32) NOT NULL)`, primary key
/// `alembic_version_pkc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTable {
    pub name: String,
    pub schema: Option<String>,
}

impl Default for VersionTable {
    fn default() -> Self {
        Self {
            name: "alembic_version".to_owned(),
            schema: None,
        }
    }
}

impl VersionTable {
    /// Alembic names the key `<table>_pkc`.
    pub fn primary_key_name(&self) -> String {
        format!("{}_pkc", self.name)
    }
}

/// A failure reported by the database (or the driver), in its own words.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct DatabaseError {
    pub message: String,
    /// 1-based character offset in the statement where the database located the problem,
    /// when it says.
    pub position: Option<usize>,
    /// How to get past it, when the connection knows (shown as a `hint:` line).
    pub hint: Option<String>,
}

impl DatabaseError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            position: None,
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    #[must_use]
    pub fn at(mut self, position: Option<usize>) -> Self {
        self.position = position;
        self
    }
}

/// Cancels the statement running on a connection, from another thread.
pub type Interrupter = Box<dyn Fn() + Send + Sync>;

/// What [`Connection::query_rows`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOutcome {
    pub rows: Vec<Vec<Option<String>>>,
    pub affected: u64,
}

/// A name for a scratch database no other run uses: the process id and the clock.
pub fn scratch_database_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("retort_scratch_{}_{nanos}", std::process::id())
}

/// A connection the runner can migrate through.
///
/// Every method that changes the database does so in the current transaction, if one is open.
pub trait Connection {
    /// `postgresql`, `sqlite`, `mysql`.
    fn dialect(&self) -> &'static str;

    /// Whether DDL takes part in transactions (PostgreSQL, SQLite: yes; MySQL: no, each DDL
    /// statement commits).
    fn transactional_ddl(&self) -> bool;

    /// How string literals escape quotes, for splitting statements.
    fn escapes(&self) -> Escapes {
        Escapes::Standard
    }

    /// Run one statement.
    fn execute(&mut self, sql: &str) -> Result<(), DatabaseError>;

    fn begin(&mut self) -> Result<(), DatabaseError>;
    /// Commit. A transaction opened by [`Connection::begin_without_foreign_keys`] first checks
    /// every foreign key; when the transaction added a violation it is rolled back instead and
    /// the error names the tables and rows.
    fn commit(&mut self) -> Result<(), DatabaseError>;
    fn rollback(&mut self) -> Result<(), DatabaseError>;

    /// Begin a transaction in which foreign keys are not enforced (a section marked
    /// `foreign_keys=off`): SQLite's procedure for the schema changes `ALTER TABLE` cannot make,
    /// where `DROP TABLE` of a table being rebuilt must not cascade to its children. The setting
    /// cannot change inside a transaction, so it is made here, before `BEGIN`, and restored
    /// by the commit or rollback.
    fn begin_without_foreign_keys(&mut self) -> Result<(), DatabaseError> {
        Err(DatabaseError::new(format!(
            "`foreign_keys=off` is for SQLite; {} cannot suspend foreign keys for a section",
            self.dialect()
        )))
    }

    /// Take the migration lock of `table`, waiting up to `wait` (forever when `None`); held until
    /// [`Connection::unlock`]. `Ok(false)`: another run held it for the whole wait. Several
    /// runners against one database apply each revision once; runners against different
    /// databases (or schemas) never wait for each other.
    fn lock(
        &mut self,
        table: &VersionTable,
        wait: Option<std::time::Duration>,
    ) -> Result<bool, DatabaseError>;
    fn unlock(&mut self) -> Result<(), DatabaseError>;

    /// Take the migration lock for the current transaction only (released by its commit or
    /// rollback), waiting up to `wait`. Works behind a transaction-pooling proxy such as
    /// PgBouncer, where a session lock may be taken on one server connection and the migration
    /// run on another.
    fn lock_in_transaction(
        &mut self,
        table: &VersionTable,
        wait: Option<std::time::Duration>,
    ) -> Result<bool, DatabaseError> {
        let _ = (table, wait);
        Err(DatabaseError::new(format!(
            "{} has no transaction-scoped lock; use lock_mode = \"session\" or \"table\"",
            self.dialect()
        )))
    }

    /// Who holds the migration lock of `table`, as the database tells (`None`: nobody, or it
    /// cannot tell). Shown while waiting for it.
    fn lock_holder(&mut self, table: &VersionTable) -> Result<Option<String>, DatabaseError> {
        let _ = table;
        Ok(None)
    }

    /// Run one statement outside the version-table methods and return its rows as text (NULL:
    /// `None`) and the number of rows it changed. Used by the lease lock's table; never with
    /// named prepared statements (poolers).
    fn query_rows(&mut self, sql: &str) -> Result<QueryOutcome, DatabaseError> {
        let _ = sql;
        Err(self.not_yet("lock_mode = \"table\""))
    }

    /// Open a second connection to the same database (the lease lock's heartbeat runs on it).
    fn open_another(&self) -> Result<Box<dyn Connection + Send>, DatabaseError> {
        Err(self.not_yet("lock_mode = \"table\""))
    }

    /// A way to cancel, from another thread, the statement this connection is running (on
    /// SIGINT/SIGTERM): the statement fails, and the runner's error path rolls back and
    /// releases the lock at once instead of after the statement.
    fn interrupter(&self) -> Option<Interrupter> {
        None
    }

    /// How this connection's SQL is written, where it runs SQL of its own (the lease and
    /// progress tables); `None`: it cannot hold them.
    fn sql_dialect(&self) -> Option<&'static dyn crate::dialect::Dialect> {
        None
    }

    /// The schema the version table lands in when `version_table_schema` is not set (the
    /// connection's current schema), so that locks of different schemas differ.
    fn default_schema(&self) -> Option<String> {
        None
    }

    /// Make `schema` this connection's current schema for the next run, with the previous
    /// run's session state cleared (a fleet's worker going on to its next tenant schema on a
    /// warm connection). Fails where the dialect cannot: the caller then opens a connection.
    fn switch_schema(&mut self, schema: &str) -> Result<(), DatabaseError> {
        let _ = schema;
        Err(self.not_yet("switching schemas on one connection"))
    }

    /// Whether the version table exists.
    fn version_table_exists(&mut self, table: &VersionTable) -> Result<bool, DatabaseError>;
    /// Create it (Alembic's DDL), in the current transaction.
    fn create_version_table(&mut self, table: &VersionTable) -> Result<(), DatabaseError>;
    /// The rows of the version table (one per applied head).
    fn read_versions(&mut self, table: &VersionTable) -> Result<Vec<String>, DatabaseError>;
    fn insert_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError>;
    fn update_version(
        &mut self,
        table: &VersionTable,
        from: &str,
        to: &str,
    ) -> Result<(), DatabaseError>;
    fn delete_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError>;
    /// `DELETE FROM` the whole table (`stamp --purge`).
    fn purge_versions(&mut self, table: &VersionTable) -> Result<(), DatabaseError>;

    /// The error for a feature this dialect does not have yet.
    fn not_yet(&self, feature: &str) -> DatabaseError {
        DatabaseError::new(format!(
            "{feature} is not available for {} yet",
            self.dialect()
        ))
    }

    /// Note what follows (`Running upgrade a -> b`). Only an offline script writes it down.
    fn annotate(&mut self, text: &str) {
        let _ = text;
    }

    /// A statement that cannot run inside a transaction on this database (`CREATE INDEX
    /// CONCURRENTLY`, `VACUUM`), if `sql` is one.
    fn non_transactional_statement(&self, sql: &str) -> Option<&'static str> {
        let _ = sql;
        None
    }

    /// Whether `error` says that what the failed statement does is already there (a table
    /// that exists, a column already added, an index already dropped). Asked only of the
    /// statement an interrupted run was running when it stopped, when `--resume` runs it
    /// again: on a database whose DDL commits as it goes, it may have run.
    fn effect_already_present(&self, error: &DatabaseError) -> bool {
        let _ = error;
        false
    }
}
