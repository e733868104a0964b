//! Which statements of a declared schema the MySQL/MariaDB model covers (the output of
//! `mysqldump --no-data` included). A whitelist: anything else is refused by name.

use retort_core::autogenerate::screen::{leading, tokens, DeclaredStatement};

pub fn classify(sql: &str) -> DeclaredStatement {
    let tokens = tokens(sql, true);
    let words: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match words.as_slice() {
        // mysqldump's session settings (`SET NAMES`, `SET @OLD_…`, `SET character_set_client`),
        // its `DROP TABLE IF EXISTS` before each table (nothing to drop in a declared schema)
        // and its table locks.
        []
        | [";"]
        | ["SET", ..]
        | ["DROP", "TABLE", "IF", "EXISTS", ..]
        | ["LOCK" | "UNLOCK", "TABLES", ..] => DeclaredStatement::Setting,
        ["CREATE", "TABLE" | "INDEX", ..]
        | ["CREATE", "UNIQUE", "INDEX", ..]
        | ["ALTER", "TABLE", ..] => DeclaredStatement::Modeled,
        ["CREATE", ..] => DeclaredStatement::Refused(leading(&tokens, 2)),
        _ => DeclaredStatement::Refused(leading(&tokens, 1)),
    }
}
