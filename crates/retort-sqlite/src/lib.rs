//! SQLite for retort: the embedded default.

pub mod connection;
mod constraint_names;
pub mod declared_statement;
pub mod dialect;
mod identifiers;
pub mod introspect;
pub mod render;
mod table_clauses;
mod view_strings;

pub use connection::SqliteConnection;
