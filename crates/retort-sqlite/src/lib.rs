//! SQLite for retort: the embedded default.

pub mod connection;

pub use connection::SqliteConnection;
