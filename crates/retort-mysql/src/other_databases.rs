//! Names in a declared schema that reach another database on the server: `app.t`,
//! `` `app`.`t` ``. The declared schema is loaded into a scratch database beside the live one,
//! and MySQL lets any statement name any database on the server: `CREATE TABLE app.t` would
//! create the table in the live database during a read-only `check`, and a view reading
//! `app.t` would read the live table and be declared with its database's name (never checking
//! clean). So such a name is refused before anything is loaded.
//!
//! A name counts when its first part is the name of a database the server has (compared
//! without case, as Windows and macOS servers do). `information_schema` and
//! `performance_schema` are read-only and the same in every database: reading them is left
//! alone. A table alias spelled like a database (`app.id` over `FROM t AS app`) is refused
//! too; the message names it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use retort_core::autogenerate::screen::tokens;
use retort_core::runner::split::{split_statements, Escapes};

/// The databases no statement can write to.
const READ_ONLY: [&str; 2] = ["information_schema", "performance_schema"];

/// The first database-qualified name in `files` whose database is one of `databases`: its
/// file, line, and the database's name as the server has it.
pub fn first_reference(
    files: &[(PathBuf, String)],
    databases: &[String],
) -> Option<(PathBuf, usize, String)> {
    let databases: BTreeMap<String, &String> = databases
        .iter()
        .map(|name| (name.to_lowercase(), name))
        .filter(|(lower, _)| !READ_ONLY.contains(&lower.as_str()))
        .collect();
    files
        .iter()
        .find_map(|(path, text)| in_file(path, text, &databases))
}

fn in_file(
    path: &Path,
    text: &str,
    databases: &BTreeMap<String, &String>,
) -> Option<(PathBuf, usize, String)> {
    split_statements(text, Escapes::Backslash)
        .into_iter()
        .find_map(|statement| {
            let words = tokens(&statement.sql, true);
            words.iter().enumerate().find_map(|(at, word)| {
                let next = words.get(at + 1).map_or("", String::as_str);
                let database = databases.get(&qualifier(word, next)?.to_lowercase())?;
                Some((path.to_path_buf(), statement.line, (*database).clone()))
            })
        })
}

/// The database part of a qualified name starting at `word` (followed by `next`): `APP.T` as
/// one unquoted token, or `` `app` `` followed by a token starting with `.`.
fn qualifier(word: &str, next: &str) -> Option<String> {
    if let Some(quoted) = word.strip_prefix('`').and_then(|w| w.strip_suffix('`')) {
        return next.starts_with('.').then(|| quoted.replace("``", "`"));
    }
    let (first, rest) = word.split_once('.')?;
    let is_name =
        !first.is_empty() && !rest.is_empty() && !first.starts_with(|c: char| c.is_ascii_digit());
    is_name.then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(sql: &str) -> Option<(usize, String)> {
        let files = [(PathBuf::from("schema.sql"), sql.to_owned())];
        let databases = ["app".to_owned(), "information_schema".to_owned()];
        first_reference(&files, &databases).map(|(_, line, name)| (line, name))
    }

    #[test]
    fn database_qualified_names_are_found_however_quoted() {
        assert_eq!(
            found("CREATE TABLE t (id int);\nCREATE TABLE app.t2 (id int);"),
            Some((2, "app".to_owned()))
        );
        assert_eq!(
            found("CREATE VIEW v AS SELECT id FROM `app`.`t`;"),
            Some((1, "app".to_owned()))
        );
        assert_eq!(
            found(
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW INSERT INTO App.log VALUES (1);"
            ),
            Some((1, "app".to_owned()))
        );
        assert_eq!(
            found("/*!50001 CREATE VIEW `v` AS select 1 AS `a` from `app`.`t` */;"),
            Some((1, "app".to_owned()))
        );
    }

    #[test]
    fn columns_numbers_strings_and_read_only_schemas_are_not() {
        for sql in [
            "CREATE VIEW v AS SELECT t.id, 1.5 AS n, 'app.t' AS s FROM t;",
            "CREATE VIEW v AS SELECT table_name FROM information_schema.tables;",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.n = OLD.n;",
            "-- app.t in a comment\nCREATE TABLE t (id int);",
        ] {
            assert_eq!(found(sql), None, "{sql}");
        }
    }
}
