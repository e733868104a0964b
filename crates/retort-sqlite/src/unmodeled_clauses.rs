//! Clauses of SQLite tables the model does not carry yet: generated columns, `STRICT`,
//! `WITHOUT ROWID`, `AUTOINCREMENT`, a column's `COLLATE`, `ON CONFLICT`. Introspection refuses a
//! table that has one, naming it, instead of returning it without the clause: on the declared
//! side the revision would create the table without it while `check` passed, and on the live
//! side a table rebuild (how SQLite changes a column) would recreate the table without it —
//! a generated column, or the AUTOINCREMENT counter's guarantee, gone without a word.

use std::collections::BTreeMap;

use retort_core::autogenerate::screen::tokens;
use retort_core::runner::connection::DatabaseError;

/// The clauses the model lacks in `tables` (name → `CREATE TABLE` text), as
/// `generated column t.b (VIRTUAL)` and the like, in two catalog queries whatever the number of
/// tables.
pub fn unmodeled_clauses(
    connection: &rusqlite::Connection,
    tables: &BTreeMap<String, String>,
) -> Result<Vec<String>, DatabaseError> {
    let error = |e: &rusqlite::Error| DatabaseError::new(e.to_string());
    let mut found = Vec::new();
    let mut statement = connection
        .prepare(
            "SELECT m.name, x.name, x.hidden FROM sqlite_master m JOIN pragma_table_xinfo(m.name) x \
             WHERE m.type = 'table' AND x.hidden IN (2, 3) ORDER BY m.name, x.cid",
        )
        .map_err(|e| error(&e))?;
    let generated = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })
        .map_err(|e| error(&e))?;
    for column in generated {
        let (table, column, hidden) = column.map_err(|e| error(&e))?;
        if tables.contains_key(&table) {
            let kind = if hidden == 2 { "VIRTUAL" } else { "STORED" };
            found.push(format!("generated column {table}.{column} ({kind})"));
        }
    }
    let mut statement = connection
        .prepare("SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table'")
        .map_err(|e| error(&e))?;
    let mut kinds: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, (row.get(1)?, row.get(2)?)))
        })
        .map_err(|e| error(&e))?;
    for row in rows {
        let (table, flags) = row.map_err(|e| error(&e))?;
        kinds.insert(table, flags);
    }
    for (table, sql) in tables {
        let (strict, without_rowid) = kinds.get(table).copied().unwrap_or_default();
        let words = tokens(sql, false);
        for (present, clause) in [
            (strict == 1, "STRICT"),
            (without_rowid == 1, "WITHOUT ROWID"),
            (words.iter().any(|w| w == "AUTOINCREMENT"), "AUTOINCREMENT"),
            (words.iter().any(|w| w == "COLLATE"), "COLLATE"),
            (
                words
                    .windows(2)
                    .any(|pair| pair[0] == "ON" && pair[1] == "CONFLICT"),
                "ON CONFLICT",
            ),
        ] {
            if present {
                found.push(format!("table {table} ({clause})"));
            }
        }
    }
    Ok(found)
}
