//! Offline mode (`--sql`): a [`Connection`] that writes the SQL it is given instead of running
//! it, so the script comes from the same loop as an online run.

use super::connection::{Connection, DatabaseError, VersionTable};
use super::split::Escapes;
use crate::dialect::Dialect;

/// The offline script being written.
pub struct OfflineScript {
    dialect: &'static dyn Dialect,
    /// The rows the script starts from (the start of the range; empty from base).
    starting_rows: Vec<String>,
    output: String,
    /// A `foreign_keys=off` section is open: its commit checks and restores them.
    foreign_keys_suspended: bool,
}

impl OfflineScript {
    pub fn new(dialect: &'static dyn Dialect, starting_rows: Vec<String>) -> Self {
        Self {
            dialect,
            starting_rows,
            output: String::new(),
            foreign_keys_suspended: false,
        }
    }

    pub fn into_sql(self) -> String {
        self.output
    }

    fn write(&mut self, sql: &str) {
        let sql = sql.trim_end().trim_end_matches(';');
        // The mysql client ends a statement at any `;` outside quotes and comments: a trigger
        // or routine body (`BEGIN …; …; END`) goes between `DELIMITER ;;` lines, as mysqldump
        // writes them (and as a declared schema reads them back).
        if self.dialect.escapes() == Escapes::Backslash && has_bare_semicolon(sql) {
            self.output
                .push_str(&format!("DELIMITER ;;\n{sql};;\nDELIMITER ;\n\n"));
            return;
        }
        self.output.push_str(sql);
        self.output.push_str(";\n\n");
    }
}

/// Whether MySQL's text `sql` holds a `;` outside strings, quoted names and comments (a
/// `/*!…*/` comment is code, as the client reads it).
fn has_bare_semicolon(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b';' => return true,
            quote @ (b'\'' | b'"' | b'`') => {
                index += 1;
                while index < bytes.len() && bytes[index] != quote {
                    index += if bytes[index] == b'\\' && quote != b'`' {
                        2
                    } else {
                        1
                    };
                }
            }
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'-' if sql[index..].starts_with("-- ") || sql[index..].starts_with("--\n") => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'/' if sql[index..].starts_with("/*") && !sql[index..].starts_with("/*!") => {
                index = sql[index + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| index + end + 3);
            }
            _ => {}
        }
        index += 1;
    }
    false
}

impl Connection for OfflineScript {
    fn dialect(&self) -> &'static str {
        self.dialect.name()
    }
    fn transactional_ddl(&self) -> bool {
        self.dialect.transactional_ddl()
    }
    fn escapes(&self) -> Escapes {
        self.dialect.escapes()
    }
    fn execute(&mut self, sql: &str) -> Result<(), DatabaseError> {
        self.write(sql);
        Ok(())
    }
    fn annotate(&mut self, text: &str) {
        self.output.push_str(&format!("-- {text}\n\n"));
    }
    // SQLite scripts carry no BEGIN/COMMIT, as Alembic writes them (the sqlite3 shell runs
    // each statement on its own).
    fn begin(&mut self) -> Result<(), DatabaseError> {
        if self.dialect.script_transactions() {
            self.write("BEGIN");
        }
        Ok(())
    }
    fn commit(&mut self) -> Result<(), DatabaseError> {
        if self.foreign_keys_suspended {
            self.foreign_keys_suspended = false;
            self.annotate(
                "Each row printed here breaks a foreign key: the rebuild above must be undone",
            );
            self.write("PRAGMA foreign_key_check");
            if let Some((_, on)) = self.dialect.foreign_key_switch() {
                self.write(on);
            }
        }
        if self.dialect.script_transactions() {
            self.write("COMMIT");
        }
        Ok(())
    }
    // A script cannot abort on a failed check: it prints the violations for whoever runs it.
    fn begin_without_foreign_keys(&mut self) -> Result<(), DatabaseError> {
        let Some((off, _)) = self.dialect.foreign_key_switch() else {
            return Err(DatabaseError::new(format!(
                "`foreign_keys=off` is for SQLite; {} cannot suspend foreign keys for a section",
                self.dialect.name()
            )));
        };
        self.write(off);
        self.foreign_keys_suspended = true;
        Ok(())
    }
    fn rollback(&mut self) -> Result<(), DatabaseError> {
        Ok(())
    }
    fn lock(
        &mut self,
        _table: &VersionTable,
        _wait: Option<std::time::Duration>,
    ) -> Result<bool, DatabaseError> {
        Ok(true)
    }
    fn unlock(&mut self) -> Result<(), DatabaseError> {
        Ok(())
    }
    fn version_table_exists(&mut self, _table: &VersionTable) -> Result<bool, DatabaseError> {
        // From base the script creates the table, as Alembic's does.
        Ok(!self.starting_rows.is_empty())
    }
    fn create_version_table(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        let sql = self.dialect.create_version_table(table);
        self.write(&sql);
        Ok(())
    }
    fn read_versions(&mut self, _table: &VersionTable) -> Result<Vec<String>, DatabaseError> {
        Ok(self.starting_rows.clone())
    }
    fn insert_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        let sql = format!(
            "INSERT INTO {} (version_num) VALUES ({})",
            self.dialect.table_name(table),
            self.dialect.string_literal(id)
        );
        self.write(&sql);
        Ok(())
    }
    fn update_version(
        &mut self,
        table: &VersionTable,
        from: &str,
        to: &str,
    ) -> Result<(), DatabaseError> {
        let sql = format!(
            "UPDATE {} SET version_num={} WHERE {}.version_num = {}",
            self.dialect.table_name(table),
            self.dialect.string_literal(to),
            self.dialect.table_name(table),
            self.dialect.string_literal(from)
        );
        self.write(&sql);
        Ok(())
    }
    fn delete_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        let sql = format!(
            "DELETE FROM {} WHERE {}.version_num = {}",
            self.dialect.table_name(table),
            self.dialect.table_name(table),
            self.dialect.string_literal(id)
        );
        self.write(&sql);
        Ok(())
    }
    fn purge_versions(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        let sql = format!("DELETE FROM {}", self.dialect.table_name(table));
        self.write(&sql);
        Ok(())
    }
}

#[cfg(test)]
mod mysql_tests {
    use super::has_bare_semicolon;

    #[test]
    fn bodies_are_told_from_strings_and_comments() {
        assert!(has_bare_semicolon(
            "CREATE TRIGGER t BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END"
        ));
        assert!(!has_bare_semicolon(
            "INSERT INTO t VALUES ('a;b\\'c;', \"x;\", `y;`)"
        ));
        assert!(!has_bare_semicolon(
            "SELECT 1 -- a; b\n# c; d\n/* e; */ FROM t"
        ));
        assert!(has_bare_semicolon(
            "/*!50003 CREATE TRIGGER x BEGIN SET @a = 1; END */"
        ));
    }
}
