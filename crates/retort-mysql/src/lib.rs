//! MySQL and MariaDB for retort.

mod auto_increment_keys;
mod column_checks;
mod column_positions;
pub mod connection;
pub mod declared;
pub mod declared_statement;
pub mod dialect;
mod error_position;
pub mod events;
mod foreign_keys_around_retyped_columns;
pub mod introspect;
mod other_databases;
pub mod render;
mod replaced_indexes;
pub mod routines;
pub mod table_storage;

pub use connection::MysqlConnection;
