//! What turns schema operations into one database's SQL. It needs no connection, so rendering
//! is tested without a server; each dialect crate implements it once, and a live
//! [`Connection`](crate::runner::connection::Connection) hands out its dialect's.

pub mod widening;

use crate::autogenerate::screen::DeclaredStatement;
use crate::diff::operation::Operation;
use crate::runner::connection::DatabaseError;
use crate::runner::split::Escapes;
use crate::schema::Schema;

pub trait Dialect: Send + Sync {
    /// `postgresql`, `sqlite`, `mysql`.
    fn name(&self) -> &'static str;

    /// How string literals escape quotes, for splitting statements.
    fn escapes(&self) -> Escapes {
        Escapes::Standard
    }

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
