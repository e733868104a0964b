//! MySQL and MariaDB for retort.

pub mod connection;
pub mod declared;
mod error_position;
pub mod introspect;
pub mod render;

pub use connection::MysqlConnection;
