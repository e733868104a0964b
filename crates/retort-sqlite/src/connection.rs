//! The runner's [`Connection`] over a SQLite file (or `:memory:`).
//!
//! The migration lock is an exclusive lock on a file beside the database
//! (`<database>.retort-lock`): SQLite's own write lock lasts one transaction, and a run is
//! several.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use retort_core::dialect::Dialect;
use retort_core::introspect::{Database, Introspect, IntrospectFilter};
use retort_core::runner::connection::{
    Connection, DatabaseError, Interrupter, QueryOutcome, VersionTable,
};
use retort_core::schema::Schema;

pub struct SqliteConnection {
    connection: rusqlite::Connection,
    /// The database file (`None`: in memory).
    path: Option<PathBuf>,
    lock_path: Option<PathBuf>,
    lock_file: Option<std::fs::File>,
    /// Set while a `foreign_keys=off` transaction is open.
    suspended: Option<SuspendedForeignKeys>,
}

/// A transaction running with foreign keys off: whether to turn them back on, and the
/// violations already there before it began (a database that never enforced its keys may have
/// some; only new ones fail the revision).
struct SuspendedForeignKeys {
    restore: bool,
    before: BTreeSet<Violation>,
}

/// One row of `PRAGMA foreign_key_check`: table, rowid, referenced table, key number.
type Violation = (String, Option<i64>, String, i64);

fn error(error: impl std::fmt::Display) -> DatabaseError {
    DatabaseError::new(error.to_string())
}

/// Seconds since the Unix epoch (the lock file's "since"; this crate has no clock library).
fn chrono_free_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("unix time {seconds}")
}

impl SqliteConnection {
    /// Open (creating if needed) the database at `path`, or an in-memory one for `None`.
    pub fn open(path: Option<&Path>) -> Result<Self, DatabaseError> {
        let connection = match path {
            Some(path) => rusqlite::Connection::open(path)
                .map_err(|e| DatabaseError::new(format!("cannot open {}: {e}", path.display())))?,
            None => rusqlite::Connection::open_in_memory().map_err(error)?,
        };
        Self::around(connection, path)
    }

    /// Open the database at `path` only if it exists: read-only commands (`current`, `history`)
    /// must never create a file where a mistyped path points.
    pub fn open_existing(path: &Path) -> Result<Self, DatabaseError> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = rusqlite::Connection::open_with_flags(path, flags)
            .map_err(|e| DatabaseError::new(format!("cannot open {}: {e}", path.display())))?;
        Self::around(connection, Some(path))
    }

    fn around(
        connection: rusqlite::Connection,
        path: Option<&Path>,
    ) -> Result<Self, DatabaseError> {
        // Readers of a database being migrated wait instead of failing at once.
        connection
            .busy_timeout(Duration::from_secs(30))
            .map_err(error)?;
        Ok(Self {
            connection,
            path: path.map(Path::to_path_buf),
            lock_path: path.map(|p| {
                let mut name = p.as_os_str().to_owned();
                name.push(".retort-lock");
                PathBuf::from(name)
            }),
            lock_file: None,
            suspended: None,
        })
    }

    /// The underlying rusqlite connection (tests and introspection).
    pub fn raw(&self) -> &rusqlite::Connection {
        &self.connection
    }

    fn table(table: &VersionTable) -> String {
        crate::dialect::SQLITE.table_name(table)
    }

    fn foreign_key_violations(&self) -> Result<BTreeSet<Violation>, DatabaseError> {
        let mut statement = self
            .connection
            .prepare("PRAGMA foreign_key_check")
            .map_err(error)?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .map_err(error)?;
        rows.collect::<Result<_, _>>().map_err(error)
    }

    /// Turn foreign keys back on after a `foreign_keys=off` transaction ended.
    fn restore_foreign_keys(&mut self) -> Result<(), DatabaseError> {
        match self.suspended.take() {
            Some(SuspendedForeignKeys { restore: true, .. }) => self
                .connection
                .execute_batch("PRAGMA foreign_keys = ON")
                .map_err(error),
            _ => Ok(()),
        }
    }
}

/// `child (rowid 3, 7) → parent; other (rowid 1) → parent`, grouped by table and parent.
fn describe_violations(violations: &BTreeSet<Violation>) -> String {
    let mut groups: std::collections::BTreeMap<(&str, &str), Vec<String>> =
        std::collections::BTreeMap::new();
    for (table, rowid, parent, _) in violations {
        groups
            .entry((table, parent))
            .or_default()
            .push(rowid.map_or_else(|| "?".to_owned(), |r| r.to_string()));
    }
    groups
        .into_iter()
        .map(|((table, parent), rowids)| {
            format!(
                "{} row(s) of {table} (rowid {}) reference no row of {parent}",
                rowids.len(),
                rowids.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Connection for SqliteConnection {
    fn dialect(&self) -> &'static str {
        "sqlite"
    }
    fn transactional_ddl(&self) -> bool {
        true
    }
    fn execute(&mut self, sql: &str) -> Result<(), DatabaseError> {
        self.connection.execute_batch(sql).map_err(|e| match e {
            // SQLite names the token it stopped at: report it as a 1-based character position.
            rusqlite::Error::SqlInputError {
                msg, sql, offset, ..
            } => {
                let offset = usize::try_from(offset).ok();
                let position = offset
                    .and_then(|o| sql.get(..o))
                    .map(|before| before.chars().count() + 1);
                DatabaseError::new(msg).at(position)
            }
            other => error(other),
        })
    }
    fn begin(&mut self) -> Result<(), DatabaseError> {
        // IMMEDIATE: take the write lock now, not at the first write.
        self.connection
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(error)
    }
    fn begin_without_foreign_keys(&mut self) -> Result<(), DatabaseError> {
        let enforced: bool = self
            .connection
            .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
            .map_err(error)?;
        if enforced {
            self.connection
                .execute_batch("PRAGMA foreign_keys = OFF")
                .map_err(error)?;
        }
        self.suspended = Some(SuspendedForeignKeys {
            restore: enforced,
            before: BTreeSet::new(),
        });
        if let Err(failure) = self.begin() {
            self.restore_foreign_keys()?;
            return Err(failure);
        }
        // Read inside the transaction, so nothing can change between this and the commit.
        let before = self.foreign_key_violations()?;
        if let Some(suspended) = &mut self.suspended {
            suspended.before = before;
        }
        Ok(())
    }
    fn commit(&mut self) -> Result<(), DatabaseError> {
        if let Some(suspended) = &self.suspended {
            let after = self.foreign_key_violations()?;
            let added: BTreeSet<Violation> = after.difference(&suspended.before).cloned().collect();
            if !added.is_empty() {
                let rolled_back = self.connection.execute_batch("ROLLBACK").map_err(error);
                self.restore_foreign_keys()?;
                rolled_back?;
                return Err(DatabaseError::new(format!(
                    "foreign key check failed, nothing was kept: {}",
                    describe_violations(&added)
                )));
            }
        }
        let committed = self.connection.execute_batch("COMMIT").map_err(error);
        self.restore_foreign_keys()?;
        committed
    }
    fn rollback(&mut self) -> Result<(), DatabaseError> {
        let rolled_back = if self.connection.is_autocommit() {
            Ok(())
        } else {
            self.connection.execute_batch("ROLLBACK").map_err(error)
        };
        self.restore_foreign_keys()?;
        rolled_back
    }
    fn lock(
        &mut self,
        _table: &VersionTable,
        wait: Option<Duration>,
    ) -> Result<bool, DatabaseError> {
        let Some(path) = &self.lock_path else {
            return Ok(true);
        };
        let mut file = fs_err::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(error)?
            .into_parts()
            .0;
        match wait {
            None => file.lock().map_err(error)?,
            Some(wait) => {
                let deadline = std::time::Instant::now() + wait;
                loop {
                    match file.try_lock() {
                        Ok(()) => break,
                        Err(std::fs::TryLockError::WouldBlock)
                            if std::time::Instant::now() < deadline =>
                        {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        Err(std::fs::TryLockError::WouldBlock) => return Ok(false),
                        Err(std::fs::TryLockError::Error(e)) => return Err(error(e)),
                    }
                }
            }
        }
        // Who holds it, for a run that waits (`waiting for the migration lock held by …`).
        let holder = format!("pid {} since {}", std::process::id(), chrono_free_now());
        {
            use std::io::{Seek, Write};
            let _ = file.set_len(0);
            let _ = file.seek(std::io::SeekFrom::Start(0));
            let _ = file.write_all(holder.as_bytes());
        }
        self.lock_file = Some(file);
        Ok(true)
    }
    fn lock_holder(&mut self, _table: &VersionTable) -> Result<Option<String>, DatabaseError> {
        let Some(path) = &self.lock_path else {
            return Ok(None);
        };
        Ok(fs_err::read_to_string(path)
            .ok()
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
            .map(|text| format!("{text} ({})", path.display())))
    }
    fn query_rows(&mut self, sql: &str) -> Result<QueryOutcome, DatabaseError> {
        let mut statement = self.connection.prepare(sql).map_err(error)?;
        let columns = statement.column_count();
        let mut outcome = QueryOutcome::default();
        let mut rows = statement.raw_query();
        while let Some(row) = rows.next().map_err(error)? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(match row.get_ref(index).map_err(error)? {
                    rusqlite::types::ValueRef::Null => None,
                    rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                    rusqlite::types::ValueRef::Real(n) => Some(n.to_string()),
                    rusqlite::types::ValueRef::Text(text)
                    | rusqlite::types::ValueRef::Blob(text) => {
                        Some(String::from_utf8_lossy(text).into_owned())
                    }
                });
            }
            outcome.rows.push(values);
        }
        drop(rows);
        drop(statement);
        outcome.affected = self.connection.changes();
        Ok(outcome)
    }
    fn interrupter(&self) -> Option<Interrupter> {
        let handle = self.connection.get_interrupt_handle();
        Some(Box::new(move || handle.interrupt()))
    }
    fn open_another(&self) -> Result<Box<dyn Connection + Send>, DatabaseError> {
        let Some(path) = &self.path else {
            return Err(DatabaseError::new(
                "lock_mode = \"table\" needs a database file: an in-memory SQLite database has no second connection",
            ));
        };
        Ok(Box::new(Self::open(Some(path))?))
    }
    fn sql_dialect(&self) -> Option<&'static dyn Dialect> {
        Some(&crate::dialect::SQLITE)
    }
    fn unlock(&mut self) -> Result<(), DatabaseError> {
        if let Some(file) = self.lock_file.take() {
            file.unlock().map_err(error)?;
        }
        Ok(())
    }
    fn version_table_exists(&mut self, table: &VersionTable) -> Result<bool, DatabaseError> {
        let schema = table.schema.as_deref().unwrap_or("main");
        let sql = format!(
            "SELECT count(*) FROM {}.sqlite_master WHERE type = 'table' AND name = ?1",
            crate::dialect::SQLITE.quote_identifier(schema)
        );
        let count: i64 = self
            .connection
            .query_row(&sql, [&table.name], |row| row.get(0))
            .map_err(error)?;
        Ok(count > 0)
    }
    fn create_version_table(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        self.connection
            .execute_batch(&crate::dialect::SQLITE.create_version_table(table))
            .map_err(error)
    }
    fn read_versions(&mut self, table: &VersionTable) -> Result<Vec<String>, DatabaseError> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT version_num FROM {}", Self::table(table)))
            .map_err(error)?;
        let rows = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(error)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(error)
    }
    fn insert_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.connection
            .execute(
                &format!(
                    "INSERT INTO {} (version_num) VALUES (?1)",
                    Self::table(table)
                ),
                [id],
            )
            .map(drop)
            .map_err(error)
    }
    fn update_version(
        &mut self,
        table: &VersionTable,
        from: &str,
        to: &str,
    ) -> Result<(), DatabaseError> {
        let changed = self
            .connection
            .execute(
                &format!(
                    "UPDATE {} SET version_num = ?1 WHERE version_num = ?2",
                    Self::table(table)
                ),
                [to, from],
            )
            .map_err(error)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(DatabaseError::new(format!(
                "the version table has no row '{from}' to update"
            )))
        }
    }
    fn delete_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.connection
            .execute(
                &format!("DELETE FROM {} WHERE version_num = ?1", Self::table(table)),
                [id],
            )
            .map(drop)
            .map_err(error)
    }
    fn purge_versions(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        self.connection
            .execute_batch(&format!("DELETE FROM {}", Self::table(table)))
            .map_err(error)
    }
    fn non_transactional_statement(&self, sql: &str) -> Option<&'static str> {
        let first = retort_core::runner::split::first_code_line(sql)?
            .split_whitespace()
            .next()?
            .to_ascii_uppercase();
        (first == "VACUUM").then_some("VACUUM")
    }
}

impl Introspect for SqliteConnection {
    fn introspect(&mut self, filter: &IntrospectFilter) -> Result<Schema, DatabaseError> {
        crate::introspect::introspect(&self.connection, filter)
    }
    fn dialect_rules(&self) -> &'static dyn Dialect {
        &crate::dialect::SQLITE
    }
    fn create_scratch(&mut self) -> Result<(Box<dyn Database>, String), DatabaseError> {
        Ok((Box::new(Self::open(None)?), ":memory:".to_owned()))
    }
    fn drop_scratch(&mut self, _name: &str) -> Result<(), DatabaseError> {
        Ok(())
    }
}
