//! What turns schema operations into one database's SQL. It needs no connection, so rendering
//! is tested without a server; each dialect crate implements it once, and a live
//! [`Connection`](crate::runner::connection::Connection) hands out its dialect's.

pub mod widening;

use crate::autogenerate::screen::DeclaredStatement;
use crate::diff::operation::Operation;
use crate::runner::connection::{DatabaseError, VersionTable};
use crate::runner::split::Escapes;
use crate::schema::Schema;

pub trait Dialect: Send + Sync {
    /// `postgresql`, `sqlite`, `mysql`.
    fn name(&self) -> &'static str;

    /// How string literals escape quotes, for splitting statements.
    fn escapes(&self) -> Escapes {
        Escapes::Standard
    }

    /// Quote an identifier, doubling the quote character inside it (`"a""b"`; MySQL uses
    /// backticks).
    fn quote_identifier(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// Identifiers quoted and joined by `, ` (a column list).
    fn quote_list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|name| self.quote_identifier(name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A string literal: quotes doubled (and backslashes too where they escape: MySQL).
    fn string_literal(&self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }

    /// `schema.table` of the version table (or a table beside it), quoted.
    fn table_name(&self, table: &VersionTable) -> String {
        match &table.schema {
            Some(schema) => format!(
                "{}.{}",
                self.quote_identifier(schema),
                self.quote_identifier(&table.name)
            ),
            None => self.quote_identifier(&table.name),
        }
    }

    /// Alembic's DDL for the version table. Why this exact shape: a database that Alembic
    /// migrated must be continued by retort and back.
    fn create_version_table(&self, table: &VersionTable) -> String {
        format!(
            "CREATE TABLE {} (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT {} PRIMARY KEY (version_num)\n)",
            self.table_name(table),
            self.quote_identifier(&table.primary_key_name())
        )
    }

    /// Whether table and column names are the same whatever their case (SQLite: `Users` is
    /// `users`): a declared name then takes the live spelling before the diff.
    fn names_ignore_case(&self) -> bool {
        false
    }

    /// The infix of the foreign key names the database renames with their table, if it does
    /// (InnoDB: `RENAME TABLE t TO u` renames `t_ibfk_1` to `u_ibfk_1`).
    fn foreign_keys_renamed_with_table(&self) -> Option<&'static str> {
        None
    }

    /// Whether the server refuses to drop or retype a column a trigger names outside its body
    /// (PostgreSQL's `UPDATE OF` and `WHEN`): such a trigger is then dropped before the change
    /// and created after it. Elsewhere it stays (MariaDB's DDL is not transactional: a trigger
    /// dropped before a change that fails would be lost).
    fn triggers_hold_their_columns(&self) -> bool {
        false
    }

    /// Whether objects carry privileges granted to roles that introspection reads (PostgreSQL):
    /// without `compare_grants`, an object a plan re-creates then gets its live privileges back
    /// (`diff::grants::kept_through_recreation`).
    fn has_grants(&self) -> bool {
        false
    }

    /// Whether DDL takes part in transactions (PostgreSQL, SQLite: yes; MySQL: no).
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// Whether an offline script wraps each transaction in `BEGIN`/`COMMIT` (SQLite's do not,
    /// as Alembic writes them: the sqlite3 shell runs each statement on its own).
    fn script_transactions(&self) -> bool {
        true
    }

    /// The statements that turn foreign-key enforcement off and back on outside a transaction
    /// (an offline script's `foreign_keys=off` section), where the database has them.
    fn foreign_key_switch(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// The database's clock in milliseconds since the epoch, as an SQL expression (the lease
    /// lock's times, so that hosts' clocks do not matter).
    fn now_milliseconds(&self) -> &'static str;

    /// `INSERT` of one row into `table` that does nothing when a row with its `key` exists.
    fn insert_or_ignore(&self, table: &str, columns: &str, values: &str, key: &str) -> String;

    /// `INSERT` of one row into `table` that replaces the row with its `key`, in one atomic
    /// statement; `updated` are the columns to replace.
    fn insert_or_replace(
        &self,
        table: &str,
        columns: &str,
        values: &str,
        key: &str,
        updated: &[&str],
    ) -> String;

    /// What a statement of the declared schema is: modeled, a setting to take out, or refused
    /// by name. Whatever this does not know must be refused, never passed over.
    fn classify_declared(&self, sql: &str) -> DeclaredStatement;

    /// The statements that carry out `operation` (after [`Dialect::adapt`]).
    fn render(&self, operation: &Operation) -> Result<Vec<String>, DatabaseError>;

    /// Rewrite dialect-neutral operations into what this database can carry out (SQLite turns
    /// most alterations into table rebuilds). `from` and `to` are the schemas before and after
    /// the operations. The downgrade is adapted from the reversed neutral operations, never
    /// reversed from adapted ones.
    fn adapt(&self, operations: Vec<Operation>, from: &Schema, to: &Schema) -> Vec<Operation> {
        let _ = (from, to);
        operations
    }

    /// Whether the section carrying `operation` must run with foreign keys off
    /// (`foreign_keys=off`: SQLite's table rebuilds).
    fn suspends_foreign_keys(&self, operation: &Operation) -> bool {
        let _ = operation;
        false
    }

    /// Whether every value of column type `from` is kept unchanged by a change to `to`
    /// (integers growing, text limits growing or going away): such a change is not destructive.
    fn widens(&self, from: &str, to: &str) -> bool {
        from == to
    }
}
