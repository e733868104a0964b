//! Clauses of SQLite tables the model does not carry yet: generated columns, `STRICT`,
//! `WITHOUT ROWID`, `AUTOINCREMENT`, a column's `COLLATE`, `ON CONFLICT`. Introspection refuses a
//! table that has one, naming it, instead of returning it without the clause: on the declared
//! side the revision would create the table without it while `check` passed, and on the live
//! side a table rebuild (how SQLite changes a column) would recreate the table without it —
//! a generated column, or the AUTOINCREMENT counter's guarantee, gone without a word.

use retort_core::autogenerate::screen::tokens;
use retort_core::runner::connection::DatabaseError;

/// The clauses of `table` the model lacks, as `generated column t.b (VIRTUAL)` and the like.
pub fn unmodeled_clauses(
    connection: &rusqlite::Connection,
    table: &str,
    sql: &str,
) -> Result<Vec<String>, DatabaseError> {
    let error = |e: &rusqlite::Error| DatabaseError::new(e.to_string());
    let mut found = Vec::new();
    let mut statement = connection
        .prepare(
            "SELECT name, hidden FROM pragma_table_xinfo(?1) WHERE hidden IN (2, 3) ORDER BY cid",
        )
        .map_err(|e| error(&e))?;
    let generated = statement
        .query_map([table], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .map_err(|e| error(&e))?;
    for column in generated {
        let (column, hidden) = column.map_err(|e| error(&e))?;
        let kind = if hidden == 2 { "VIRTUAL" } else { "STORED" };
        found.push(format!("generated column {table}.{column} ({kind})"));
    }
    let (strict, without_rowid): (i64, i64) = connection
        .query_row(
            "SELECT strict, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1",
            [table],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(|e| error(&e))?;
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
    Ok(found)
}
