//! Which statements of a declared schema the SQLite model covers (the output of the sqlite3
//! shell's `.schema` included). A whitelist: anything else is refused by name.

use retort_core::autogenerate::screen::{leading, tokens, DeclaredStatement};

pub fn classify(sql: &str) -> DeclaredStatement {
    let tokens = tokens(sql, false);
    let words: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match words.as_slice() {
        // `.schema` prints SQLite's own table for AUTOINCREMENT counters; `.dump` wraps
        // everything in one transaction.
        []
        | [";"]
        | ["CREATE", "TABLE", "SQLITE_SEQUENCE", ..]
        | ["BEGIN", "TRANSACTION", ..]
        | ["COMMIT", ..]
        | ["PRAGMA", "FOREIGN_KEYS", ..] => DeclaredStatement::Setting,
        ["CREATE", "TABLE" | "INDEX" | "VIEW" | "TRIGGER", ..]
        | ["CREATE", "UNIQUE", "INDEX", ..]
        | ["ALTER", "TABLE", ..] => DeclaredStatement::Modeled,
        ["CREATE", "TEMP" | "TEMPORARY" | "VIRTUAL", ..] => {
            DeclaredStatement::Refused(leading(&tokens, 3))
        }
        ["CREATE", ..] => DeclaredStatement::Refused(leading(&tokens, 2)),
        _ => DeclaredStatement::Refused(leading(&tokens, 1)),
    }
}
