//! MySQL and MariaDB for retort.

pub mod connection;

pub use connection::MysqlConnection;
