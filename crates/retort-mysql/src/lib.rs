//! MySQL and MariaDB for retort.

pub mod connection;
pub mod introspect;
pub mod render;

pub use connection::MysqlConnection;
