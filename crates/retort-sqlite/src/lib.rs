//! SQLite for retort: the embedded default.

pub mod connection;
pub mod declared_statement;
pub mod dialect;
mod identifiers;
pub mod introspect;
pub mod render;
mod table_clauses;

pub use connection::SqliteConnection;
