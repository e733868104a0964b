//! SQLite's [`Dialect`]: rendering, table rebuilds, and the type-change rules.

use retort_core::autogenerate::screen::DeclaredStatement;
use retort_core::dialect::Dialect;
use retort_core::diff::operation::Operation;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::Schema;

pub struct Sqlite;

/// The one instance, handed out by every SQLite connection.
pub static SQLITE: Sqlite = Sqlite;

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn names_ignore_case(&self) -> bool {
        true
    }

    fn classify_declared(&self, sql: &str) -> DeclaredStatement {
        crate::declared_statement::classify(sql)
    }

    fn render(&self, operation: &Operation) -> Result<Vec<String>, DatabaseError> {
        crate::render::render(operation)
    }

    fn adapt(&self, operations: Vec<Operation>, from: &Schema, to: &Schema) -> Vec<Operation> {
        crate::render::adapt(operations, from, to)
    }

    fn suspends_foreign_keys(&self, operation: &Operation) -> bool {
        crate::render::suspends_foreign_keys(operation)
    }

    fn script_transactions(&self) -> bool {
        false
    }

    fn foreign_key_switch(&self) -> Option<(&'static str, &'static str)> {
        Some(("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"))
    }

    fn now_milliseconds(&self) -> &'static str {
        "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
    }

    fn insert_or_ignore(&self, table: &str, columns: &str, values: &str, _key: &str) -> String {
        format!("INSERT OR IGNORE INTO {table} {columns} VALUES {values}")
    }

    fn insert_or_replace(
        &self,
        table: &str,
        columns: &str,
        values: &str,
        _key: &str,
        _updated: &[&str],
    ) -> String {
        format!("INSERT OR REPLACE INTO {table} {columns} VALUES {values}")
    }

    /// SQLite stores a value by its column's affinity, not its declared type: a change keeps
    /// every value when the affinity stays, or when the new column has none (BLOB).
    fn widens(&self, from: &str, to: &str) -> bool {
        let to = affinity(to);
        to == Affinity::Blob || affinity(from) == to
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

/// The affinity of a declared type, by SQLite's rules (sqlite.org/datatype3.html, 3.1).
fn affinity(declared: &str) -> Affinity {
    let upper = declared.to_ascii_uppercase();
    if upper.contains("INT") {
        Affinity::Integer
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|t| upper.contains(t)) {
        Affinity::Text
    } else if upper.contains("BLOB") || upper.trim().is_empty() {
        Affinity::Blob
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|t| upper.contains(t)) {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

#[cfg(test)]
mod tests {
    use retort_core::dialect::Dialect;

    use super::SQLITE;

    #[test]
    fn same_affinity_widens() {
        assert!(SQLITE.widens("VARCHAR(20)", "TEXT"));
        assert!(SQLITE.widens("VARCHAR(200)", "VARCHAR(20)"));
        assert!(SQLITE.widens("INT", "BIGINT"));
        assert!(SQLITE.widens("TEXT", "BLOB"));
        assert!(!SQLITE.widens("TEXT", "INTEGER"));
        assert!(!SQLITE.widens("REAL", "INTEGER"));
    }
}
