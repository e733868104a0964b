//! The double-quoted strings of a view, proven by SQLite itself. A view's `SELECT` may name
//! tables, their columns, other views' columns and aliases, so no list of names in scope says
//! which `"word"` SQLite reads as a string (its legacy double-quoted strings). SQLite does: with
//! those strings refused, compiling the view's `SELECT` stops at the first such token with
//! "no such column: word" (3.46 adds "should this be a string literal in single-quotes?") and
//! its byte offset. That token is then written single-quoted (what it
//! already meant: the name resolution failed, so with the strings allowed it was the string) and
//! the `SELECT` compiled again, until it compiles; every double-quoted token left is then a
//! name. Anything else (another error, one with no offset, as inside another view's text) proves
//! nothing, and the view is kept as written.
//!
//! Why: after any column rename SQLite rewrites the double-quoted strings of every view
//! single-quoted, so the declared view and the live one would differ in spelling alone.

use rusqlite::config::DbConfig::{SQLITE_DBCONFIG_DQS_DDL, SQLITE_DBCONFIG_DQS_DML};
use rusqlite::Connection;

use retort_core::dialect::Dialect;
use retort_core::runner::connection::DatabaseError;

use crate::identifiers::{unquote_plain_identifiers, Scope};
use crate::table_clauses::{tokens, unquoted, Kind};

fn error(e: &rusqlite::Error) -> DatabaseError {
    DatabaseError::new(e.to_string())
}

/// What `compile` returns, run with SQLite's legacy double-quoted strings refused (a `"word"`
/// that names nothing is then an error, not a string); the connection's settings are put back
/// either way.
pub fn with_double_quoted_strings_refused<T>(
    connection: &Connection,
    compile: impl FnOnce() -> T,
) -> Result<T, DatabaseError> {
    let settings = [SQLITE_DBCONFIG_DQS_DML, SQLITE_DBCONFIG_DQS_DDL];
    let mut previous = Vec::with_capacity(settings.len());
    for setting in settings {
        previous.push(connection.db_config(setting).map_err(|e| error(&e))?);
        connection
            .set_db_config(setting, false)
            .map_err(|e| error(&e))?;
    }
    let result = compile();
    for (setting, value) in settings.into_iter().zip(previous) {
        connection
            .set_db_config(setting, value)
            .map_err(|e| error(&e))?;
    }
    Ok(result)
}

/// Where the `SELECT` of `definition` (a `CREATE VIEW` statement) starts: after the first `AS`
/// outside parentheses (a column list) that follows `VIEW`.
fn select_start(definition: &str) -> Option<usize> {
    let all = tokens(definition);
    let word = |at: usize| {
        all.get(at)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| definition[t.start..t.end].to_ascii_uppercase())
            .unwrap_or_default()
    };
    let view = (0..all.len()).find(|&at| word(at) == "VIEW")?;
    let mut depth = 0usize;
    for token in &all[view + 1..] {
        let written = &definition[token.start..token.end];
        if token.kind == Kind::Punctuation {
            match written {
                "(" => depth += 1,
                ")" => depth = depth.saturating_sub(1),
                _ => {}
            }
        } else if depth == 0 && token.kind == Kind::Word && written.eq_ignore_ascii_case("AS") {
            return Some(token.end);
        }
    }
    None
}

/// `definition` with the double-quoted tokens SQLite reads as strings written single-quoted and
/// needless quotes off every other (all names then); `None` where that is not proven. The
/// connection's settings are put back either way.
pub fn with_strings_proven(
    connection: &Connection,
    definition: &str,
) -> Result<Option<String>, DatabaseError> {
    let Some(start) = select_start(definition) else {
        return Ok(None);
    };
    let mut select = definition[start..].to_owned();
    // As SQLite reads the view today, strings allowed: otherwise nothing is proven.
    if connection.prepare(&select).is_err() {
        return Ok(None);
    }
    let proven =
        with_double_quoted_strings_refused(connection, || strings_proven(connection, &mut select))?;
    Ok(proven.then(|| {
        unquote_plain_identifiers(
            &format!("{}{select}", &definition[..start]),
            &Scope::AllNames,
        )
    }))
}

/// Whether `select` compiles once the double-quoted tokens SQLite reports as unknown columns,
/// one at a time, are written single-quoted (in `select`).
fn strings_proven(connection: &Connection, select: &mut String) -> bool {
    let candidates = tokens(select)
        .iter()
        .filter(|t| select[t.start..].starts_with('"'))
        .count();
    // Each round turns one token into a string, or stops.
    for _ in 0..=candidates {
        match connection.prepare(select) {
            Ok(_) => return true,
            Err(rusqlite::Error::SqlInputError { msg, offset, .. }) => {
                let Ok(offset) = usize::try_from(offset) else {
                    break;
                };
                let Some(token) = tokens(select).into_iter().find(|t| {
                    t.start == offset && t.kind == Kind::Quoted && select[offset..].starts_with('"')
                }) else {
                    break;
                };
                // SQLite 3.46 adds a hint to the message for a double-quoted token; older
                // ones name the column alone.
                let word = unquoted(&select[token.start..token.end]);
                let hinted = format!(
                    "no such column: \"{word}\" - should this be a string literal in single-quotes?"
                );
                if msg != hinted && msg != format!("no such column: {word}") {
                    break;
                }
                select.replace_range(
                    token.start..token.end,
                    &crate::dialect::SQLITE.string_literal(&word),
                );
            }
            Err(_) => break,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_view_s_strings_are_proven_one_by_one() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, \"b c\" TEXT);\n\
                 CREATE VIEW v1 AS SELECT 1;",
            )
            .unwrap();
        let proven =
            |definition: &str| super::with_strings_proven(&connection, definition).unwrap();
        assert_eq!(
            proven("CREATE VIEW v (x, y) AS SELECT \"id\", \"lit\" AS \"x\", \"it's\", \"say \"\"hi\"\"\", \"tt\".\"a\", \"b c\" FROM t AS \"tt\" WHERE a <> \"zz\" AND \"lower\"(a) <> \"a\"").as_deref(),
            Some("CREATE VIEW v (x, y) AS SELECT id, 'lit' AS x, 'it''s', 'say \"hi\"', tt.a, \"b c\" FROM t AS tt WHERE a <> 'zz' AND lower(a) <> a")
        );
        // A table that does not exist proves nothing.
        assert_eq!(proven("CREATE VIEW v AS SELECT \"lit\" FROM gone"), None);
    }
}
