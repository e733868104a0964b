//! Clauses of SQLite tables the model does not carry yet: `ON CONFLICT` (and, found by
//! [`crate::table_clauses`], a `COLLATE` inside a key's column list). Introspection refuses a
//! table that has one, naming it, instead of returning it without the clause: on the declared
//! side the revision would create the table without it while `check` passed, and on the live
//! side a table rebuild (how SQLite changes a column) would recreate the table without it.
//!
//! Generated columns, `STRICT`, `WITHOUT ROWID`, `AUTOINCREMENT` and a column's `COLLATE` are
//! modelled (`Column::generated`, `Table::options`, `Column::identity`, `Column::collation`).

use std::collections::BTreeMap;

use retort_core::autogenerate::screen::tokens;

/// The clauses the model lacks in `tables` (name → `CREATE TABLE` text), as
/// `table t (ON CONFLICT)`, read from the text alone.
pub fn unmodeled_clauses(tables: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (table, sql) in tables {
        let words = tokens(sql, false);
        if words
            .windows(2)
            .any(|pair| pair[0] == "ON" && pair[1] == "CONFLICT")
        {
            found.push(format!("table {table} (ON CONFLICT)"));
        }
    }
    found
}
