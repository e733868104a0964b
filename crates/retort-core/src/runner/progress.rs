//! Progress inside a revision, for databases whose DDL commits as it goes (MySQL, MariaDB):
//! a revision there is not atomic, so the runner records, durably and before each statement
//! that may commit, which statement of which revision it is about to run. After a crash, a
//! signal or a failing statement, the next run reads the record, says exactly which statements
//! ran and which one may have, and `--resume` continues from there.
//!
//! ```text
//! retort_progress(version_table PK, revision, direction, ran_checksum,
//!                 next_statement, line, statement_checksum, in_flight, updated_at)
//!
//! statement that may commit (DDL, CALL, anything not plain DML):
//!     REPLACE row (next_statement = i, in_flight = 1); COMMIT     ─► "i may have run"
//!     run statement i                                              (commits by itself)
//!     REPLACE row (next_statement = i + 1, in_flight = 0); COMMIT; START TRANSACTION
//! plain DML (INSERT, UPDATE, DELETE, …) inside the revision's transaction:
//!     run it; nothing is written: a crash rolls it back together with anything written
//!     since the last commit, and the row still names the first statement after that commit
//! the revision's end:
//!     update the version table; DELETE the row; COMMIT           (one transaction)
//! ```
//!
//! So the row always describes what is committed: statements before `next_statement` ran;
//! with `in_flight`, statement `next_statement` was sent and may have run (a DDL statement
//! commits on the server even when its client dies). The version table moves only when every
//! statement of the revision has run.
//!
//! Why a checksum of the statements that ran (and the one in flight; SHA-256 of them as split,
//! each followed by a NUL): a resumed revision must be the one that was interrupted, so a file
//! whose run part was edited is refused, while the statements that did not run yet (the one
//! that failed, typically) may be fixed before `--resume`.

use sha2::{Digest, Sha256};

use super::connection::{Connection, DatabaseError, VersionTable};
use super::split::Statement;
use crate::dialect::Dialect;
use crate::revision::script::Direction;

/// The progress table's name (in the version table's schema).
pub const PROGRESS_TABLE: &str = "retort_progress";

/// Where an interrupted revision stopped, as the progress table records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub revision: String,
    pub direction: Direction,
    /// [`ran_checksum`] of the statements that ran and the one in flight.
    pub ran_checksum: String,
    /// Statements before this index (0-based) ran and were committed.
    pub next_statement: usize,
    /// The line of statement `next_statement` in the file as it was run.
    pub line: usize,
    /// Statement `next_statement` was sent and may have run.
    pub in_flight: bool,
}

/// SHA-256, in hexadecimal.
fn sha256(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// The checksum of one statement's text.
pub fn statement_checksum(sql: &str) -> String {
    sha256(sql.as_bytes())
}

/// The checksum of the first statements of a section (as split) that the record covers:
/// those before `next_statement`, and the one in flight.
pub fn ran_checksum(statements: &[Statement]) -> String {
    let mut text = Vec::new();
    for statement in statements {
        text.extend_from_slice(statement.sql.as_bytes());
        text.push(0);
    }
    sha256(&text)
}

/// Whether `sql` is plain DML, which MySQL runs inside the open transaction (rolled back with
/// it). Anything else — DDL, `CALL` (its body may run DDL), `LOCK TABLES`, an executable
/// comment — may commit by itself, and gets a progress record before it runs.
pub fn is_plain_dml(sql: &str) -> bool {
    let word: String = strip_leading_comments(sql)
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    matches!(
        word.to_ascii_uppercase().as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "SELECT" | "WITH" | "VALUES" | "DO"
    )
}

/// Whether `sql` only changes the session (`SET sql_mode = ...`, `SET @x = 1`,
/// `SET NAMES utf8mb4`): `--resume` runs these again, from the statements that ran, in the new
/// session before it continues (a `SET GLOBAL`, `SET PASSWORD` or `SET ROLE` is not).
pub fn is_session_setting(sql: &str) -> bool {
    let text = strip_leading_comments(sql);
    let mut words = text.split_whitespace().map(str::to_ascii_uppercase);
    if words.next().as_deref() != Some("SET") {
        return false;
    }
    let second = words.next().unwrap_or_default();
    !matches!(
        second.as_str(),
        "GLOBAL" | "PERSIST" | "PERSIST_ONLY" | "PASSWORD" | "ROLE" | "DEFAULT" | "TRANSACTION"
    ) && !text.to_ascii_uppercase().contains("@@GLOBAL")
}

/// `sql` without the whitespace and comments before its first word (`/*!` executable
/// comments are kept: they are code).
fn strip_leading_comments(mut sql: &str) -> &str {
    loop {
        sql = sql.trim_start();
        if sql.starts_with("--") || sql.starts_with('#') {
            sql = sql.find('\n').map_or("", |end| &sql[end + 1..]);
        } else if sql.starts_with("/*") && !sql.starts_with("/*!") {
            sql = sql.find("*/").map_or("", |end| &sql[end + 2..]);
        } else {
            return sql;
        }
    }
}

/// Whether `connection` gets progress records: it runs SQL and its DDL is not transactional.
pub fn applies_to(connection: &dyn Connection) -> bool {
    !connection.transactional_ddl() && connection.sql_dialect().is_some()
}

/// The SQL of the progress table in one dialect.
struct ProgressSql {
    dialect: &'static dyn Dialect,
    table: String,
    key: String,
}

impl ProgressSql {
    fn new(
        connection: &dyn Connection,
        version_table: &VersionTable,
    ) -> Result<Self, DatabaseError> {
        let Some(dialect) = connection.sql_dialect() else {
            return Err(connection.not_yet("progress records"));
        };
        Ok(Self {
            dialect,
            table: dialect.table_name(&progress_table(version_table)),
            key: super::lease::lease_key(connection, version_table),
        })
    }

    fn key_literal(&self) -> String {
        self.dialect.string_literal(&self.key)
    }
}

fn progress_table(version_table: &VersionTable) -> VersionTable {
    VersionTable {
        name: PROGRESS_TABLE.to_owned(),
        schema: version_table.schema.clone(),
    }
}

/// Whether the progress table of `version_table` exists.
pub fn table_exists(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
) -> Result<bool, DatabaseError> {
    connection.version_table_exists(&progress_table(version_table))
}

/// Create the progress table if it is missing. DDL: call it outside any transaction.
pub fn ensure_table(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
) -> Result<(), DatabaseError> {
    let sql = ProgressSql::new(connection, version_table)?;
    connection
        .query_rows(&format!(
            "CREATE TABLE IF NOT EXISTS {} (version_table VARCHAR(255) NOT NULL PRIMARY KEY, revision VARCHAR(32) NOT NULL, direction VARCHAR(9) NOT NULL, ran_checksum VARCHAR(64) NOT NULL, next_statement INTEGER NOT NULL, line INTEGER NOT NULL, statement_checksum VARCHAR(64) NOT NULL, in_flight INTEGER NOT NULL, updated_at VARCHAR(40) NOT NULL)",
            sql.table
        ))
        .map(drop)
}

/// The progress of `version_table`'s interrupted revision, if one is recorded. A record of a
/// revision of which nothing ran is no interruption.
pub fn read(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
) -> Result<Option<Progress>, DatabaseError> {
    if !connection.version_table_exists(&progress_table(version_table))? {
        return Ok(None);
    }
    let sql = ProgressSql::new(connection, version_table)?;
    let outcome = connection.query_rows(&format!(
        "SELECT revision, direction, ran_checksum, next_statement, line, in_flight FROM {} WHERE version_table = {}",
        sql.table,
        sql.key_literal()
    ))?;
    let Some(row) = outcome.rows.into_iter().next() else {
        return Ok(None);
    };
    let text = |index: usize| row.get(index).cloned().flatten().unwrap_or_default();
    let number = |index: usize| text(index).trim().parse::<usize>().unwrap_or_default();
    let progress = Progress {
        revision: text(0),
        direction: if text(1) == "downgrade" {
            Direction::Downgrade
        } else {
            Direction::Upgrade
        },
        ran_checksum: text(2),
        next_statement: number(3),
        line: number(4),
        in_flight: number(5) != 0,
    };
    if progress.next_statement == 0 && !progress.in_flight {
        return Ok(None);
    }
    Ok(Some(progress))
}

/// Record that statement `index` of `statements` is next (`in_flight`: it is being sent),
/// in the current transaction.
pub fn write(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
    revision: &str,
    direction: Direction,
    statements: &[Statement],
    index: usize,
    in_flight: bool,
) -> Result<(), DatabaseError> {
    let sql = ProgressSql::new(connection, version_table)?;
    let (line, checksum) = statements.get(index).map_or_else(
        || (0, String::new()),
        |statement| (statement.line, statement_checksum(&statement.sql)),
    );
    let values = format!(
        "({}, {}, {}, {}, {index}, {line}, {}, {}, {})",
        sql.key_literal(),
        sql.dialect.string_literal(revision),
        sql.dialect.string_literal(direction.keyword()),
        sql.dialect.string_literal(&ran_checksum(
            &statements[..(index + usize::from(in_flight)).min(statements.len())]
        )),
        sql.dialect.string_literal(&checksum),
        i32::from(in_flight),
        sql.dialect.string_literal(
            &chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S%.3f UTC")
                .to_string()
        ),
    );
    let columns = "(version_table, revision, direction, ran_checksum, next_statement, line, statement_checksum, in_flight, updated_at)";
    // One statement, so that it is atomic even outside a transaction.
    let statement = sql.dialect.insert_or_replace(
        &sql.table,
        columns,
        &values,
        "version_table",
        &[
            "revision",
            "direction",
            "ran_checksum",
            "next_statement",
            "line",
            "statement_checksum",
            "in_flight",
            "updated_at",
        ],
    );
    connection.query_rows(&statement).map(drop)
}

/// Delete the record (the revision finished, or `stamp` said where the database is), in the
/// current transaction. The table must exist.
pub fn clear(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
) -> Result<(), DatabaseError> {
    let sql = ProgressSql::new(connection, version_table)?;
    connection
        .query_rows(&format!(
            "DELETE FROM {} WHERE version_table = {}",
            sql.table,
            sql.key_literal()
        ))
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dml_is_told_from_statements_that_may_commit() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "-- a comment\n  update t set a = 1",
            "/* c */ DELETE FROM t",
            "# hash\nREPLACE INTO t VALUES (1)",
            "WITH x AS (SELECT 1) SELECT * FROM x",
        ] {
            assert!(is_plain_dml(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE t (id int)",
            "ALTER TABLE t ADD c int",
            "CALL p()",
            "/*!40101 SET NAMES utf8 */",
            "LOCK TABLES t WRITE",
            "TRUNCATE t",
            "SET autocommit = 1",
        ] {
            assert!(!is_plain_dml(sql), "{sql}");
        }
    }

    #[test]
    fn session_settings_are_told_from_other_set_statements() {
        for sql in [
            "SET foreign_key_checks = 0",
            "-- c\nset @x = 1",
            "SET NAMES utf8mb4",
            "SET SESSION sql_mode = ''",
        ] {
            assert!(is_session_setting(sql), "{sql}");
        }
        for sql in [
            "SET GLOBAL max_connections = 10",
            "SET PASSWORD FOR u = 'x'",
            "SET @@GLOBAL.x = 1",
            "SET ROLE r",
            "SELECT 1",
        ] {
            assert!(!is_session_setting(sql), "{sql}");
        }
    }

    #[test]
    fn ran_checksums_tell_edited_statements_apart() {
        let statements = |sql: &[&str]| {
            sql.iter()
                .map(|s| Statement {
                    sql: (*s).to_owned(),
                    line: 1,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ran_checksum(&statements(&["a", "b"])),
            ran_checksum(&statements(&["a", "b"]))
        );
        assert_ne!(
            ran_checksum(&statements(&["a", "b"])),
            ran_checksum(&statements(&["ab"]))
        );
        assert_eq!(statement_checksum("").len(), 64);
    }
}
