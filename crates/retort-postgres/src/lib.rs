//! PostgreSQL for retort: connecting the way libpq does (URL, `PG*` variables, `~/.pgpass`,
//! `sslmode` with rustls and SNI), and the runner's [`Connection`](retort_core::runner::connection::Connection).

pub mod bounded_client;
pub mod connect_options;
pub mod connection;
pub mod declared;
pub mod declared_statement;
pub mod dialect;
pub mod generated_columns;
pub mod grants;
pub mod introspect;
pub mod render;
pub mod serial;
pub mod tls;
pub mod unmodeled_clauses;
pub mod unselected_schemas;

pub use connect_options::ConnectOptions;
pub use connection::PostgresConnection;
pub use dialect::POSTGRES;
