//! The runner's [`Connection`] over the synchronous `postgres` client.

use std::path::Path;
use std::time::{Duration, Instant};

use retort_core::dialect::Dialect;
use retort_core::runner::connection::{
    scratch_database_name, Connection, DatabaseError, IntrospectFilter, VersionTable,
};
use retort_core::runner::offline::SqlDialect;
use retort_core::schema::Schema;

use crate::connect_options::ConnectOptions;
use crate::tls::client_config;

pub struct PostgresConnection {
    client: postgres::Client,
    /// Kept to open scratch databases on the same server.
    options: ConnectOptions,
    /// Where unqualified names land (the declared-schema parser assumes `public`).
    current_schema: String,
    home: Option<std::path::PathBuf>,
    lock_key: Option<i64>,
    /// Version-table statements, prepared once per connection: each revision updates the
    /// table, and preparing costs a round trip.
    prepared: std::collections::HashMap<String, postgres::Statement>,
    /// `BEGIN` not sent yet: it travels with the next statement, saving a round trip per
    /// revision.
    pending_begin: bool,
}

/// The driver's error in PostgreSQL's words: message, then detail and hint when present.
pub fn describe(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = db.message().to_owned();
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint from the server: {hint}"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(&format!(": {cause_text}"));
        }
        source = cause.source();
    }
    text
}

fn error(e: &postgres::Error) -> DatabaseError {
    let position = e.as_db_error().and_then(|db| match db.position() {
        Some(postgres::error::ErrorPosition::Original(position)) => usize::try_from(*position).ok(),
        _ => None,
    });
    DatabaseError::new(describe(e)).at(position)
}

/// The advisory-lock key of a version table. Why a fixed hash (FNV-1a of "retort:" and the
/// table's qualified name): every retort version, on every machine, must compute the same key
/// for the same table, and different version tables in one database must not block each other.
pub fn lock_key(table: &VersionTable) -> i64 {
    let name = format!(
        "retort:{}.{}",
        table.schema.as_deref().unwrap_or(""),
        table.name
    );
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

impl PostgresConnection {
    /// Connect with libpq's rules for TLS.
    pub fn connect(options: &ConnectOptions, home: Option<&Path>) -> Result<Self, DatabaseError> {
        let config = options.client_config();
        let tls = client_config(options, home).map_err(|e| DatabaseError::new(e.to_string()))?;
        let client = match tls {
            Some(tls) => config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls)),
            None => config.connect(postgres::NoTls),
        }
        .map_err(|e| {
            DatabaseError::new(format!(
                "cannot connect to {}:{}/{}: {}",
                options.host,
                options.port,
                options.dbname,
                describe(&e)
            ))
        })?;
        let mut client = client;
        let current_schema: String = client
            .query_one("SELECT COALESCE(current_schema(), '')", &[])
            .map_err(|e| error(&e))?
            .get(0);
        Ok(Self {
            client,
            current_schema,
            options: options.clone(),
            home: home.map(Path::to_path_buf),
            lock_key: None,
            prepared: std::collections::HashMap::new(),
            pending_begin: false,
        })
    }

    /// The underlying client (tests, introspection).
    pub fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
    }

    fn table(table: &VersionTable) -> String {
        SqlDialect::Postgres.table_name(table)
    }

    /// Send a deferred `BEGIN` on its own, before a statement that cannot carry it.
    fn flush_begin(&mut self) -> Result<(), DatabaseError> {
        if std::mem::take(&mut self.pending_begin) {
            self.client.batch_execute("BEGIN").map_err(|e| error(&e))?;
        }
        Ok(())
    }

    /// Run a version-table statement with `parameters`, preparing it on first use.
    fn execute_prepared(
        &mut self,
        sql: String,
        parameters: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64, DatabaseError> {
        self.flush_begin()?;
        let statement = if let Some(statement) = self.prepared.get(&sql) {
            statement.clone()
        } else {
            let statement = self.client.prepare(&sql).map_err(|e| error(&e))?;
            self.prepared.insert(sql, statement.clone());
            statement
        };
        self.client
            .execute(&statement, parameters)
            .map_err(|e| error(&e))
    }
}

impl Connection for PostgresConnection {
    fn dialect(&self) -> &'static str {
        "postgresql"
    }
    fn transactional_ddl(&self) -> bool {
        true
    }
    fn execute(&mut self, sql: &str) -> Result<(), DatabaseError> {
        if std::mem::take(&mut self.pending_begin) {
            return self
                .client
                .batch_execute(&format!("BEGIN;\n{sql}"))
                .map_err(|e| error(&e));
        }
        self.client.batch_execute(sql).map_err(|e| error(&e))
    }
    fn begin(&mut self) -> Result<(), DatabaseError> {
        self.pending_begin = true;
        Ok(())
    }
    fn commit(&mut self) -> Result<(), DatabaseError> {
        if std::mem::take(&mut self.pending_begin) {
            return Ok(());
        }
        self.client.batch_execute("COMMIT").map_err(|e| error(&e))
    }
    fn rollback(&mut self) -> Result<(), DatabaseError> {
        if std::mem::take(&mut self.pending_begin) {
            return Ok(());
        }
        self.client.batch_execute("ROLLBACK").map_err(|e| error(&e))
    }
    fn lock(
        &mut self,
        table: &VersionTable,
        timeout: Option<Duration>,
    ) -> Result<(), DatabaseError> {
        let key = lock_key(table);
        match timeout {
            None => {
                self.client
                    .execute("SELECT pg_advisory_lock($1)", &[&key])
                    .map_err(|e| error(&e))?;
            }
            Some(timeout) => {
                let deadline = Instant::now() + timeout;
                loop {
                    let row = self
                        .client
                        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                        .map_err(|e| error(&e))?;
                    if row.get::<_, bool>(0) {
                        break;
                    }
                    if Instant::now() >= deadline {
                        return Err(DatabaseError::new(format!(
                            "another retort run still holds the migration lock (advisory lock {key}) after {timeout:?}"
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        self.lock_key = Some(key);
        Ok(())
    }
    fn lock_in_transaction(
        &mut self,
        table: &VersionTable,
        timeout: Option<Duration>,
    ) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        let key = lock_key(table);
        let Some(timeout) = timeout else {
            self.client
                .execute("SELECT pg_advisory_xact_lock($1)", &[&key])
                .map_err(|e| error(&e))?;
            return Ok(());
        };
        let deadline = Instant::now() + timeout;
        loop {
            let row = self
                .client
                .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&key])
                .map_err(|e| error(&e))?;
            if row.get::<_, bool>(0) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(DatabaseError::new(format!(
                    "another retort run still holds the migration lock (advisory lock {key}) after {timeout:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    fn unlock(&mut self) -> Result<(), DatabaseError> {
        if let Some(key) = self.lock_key.take() {
            self.client
                .execute("SELECT pg_advisory_unlock($1)", &[&key])
                .map_err(|e| error(&e))?;
        }
        Ok(())
    }
    fn version_table_exists(&mut self, table: &VersionTable) -> Result<bool, DatabaseError> {
        self.flush_begin()?;
        let row = self
            .client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = COALESCE($1, current_schema()) AND tablename = $2)",
                &[&table.schema, &table.name],
            )
            .map_err(|e| error(&e))?;
        Ok(row.get(0))
    }
    fn create_version_table(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        self.client
            .batch_execute(&SqlDialect::Postgres.create_version_table(table))
            .map_err(|e| error(&e))
    }
    fn read_versions(&mut self, table: &VersionTable) -> Result<Vec<String>, DatabaseError> {
        self.flush_begin()?;
        let rows = self
            .client
            .query(
                &format!("SELECT version_num FROM {}", Self::table(table)),
                &[],
            )
            .map_err(|e| error(&e))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
    fn insert_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.execute_prepared(
            format!(
                "INSERT INTO {} (version_num) VALUES ($1)",
                Self::table(table)
            ),
            &[&id],
        )
        .map(drop)
    }
    fn update_version(
        &mut self,
        table: &VersionTable,
        from: &str,
        to: &str,
    ) -> Result<(), DatabaseError> {
        let changed = self.execute_prepared(
            format!(
                "UPDATE {} SET version_num = $1 WHERE version_num = $2",
                Self::table(table)
            ),
            &[&to, &from],
        )?;
        if changed == 1 {
            Ok(())
        } else {
            Err(DatabaseError::new(format!(
                "the version table has no row '{from}' to update"
            )))
        }
    }
    fn delete_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.execute_prepared(
            format!("DELETE FROM {} WHERE version_num = $1", Self::table(table)),
            &[&id],
        )
        .map(drop)
    }
    fn purge_versions(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        self.client
            .batch_execute(&format!("DELETE FROM {}", Self::table(table)))
            .map_err(|e| error(&e))
    }
    fn non_transactional_statement(&self, sql: &str) -> Option<&'static str> {
        non_transactional(sql)
    }
    fn introspect(&mut self, filter: &IntrospectFilter) -> Result<Schema, DatabaseError> {
        self.flush_begin()?;
        crate::introspect::introspect(&mut self.client, filter)
    }
    fn renderer(&self) -> Option<&'static dyn Dialect> {
        Some(&crate::dialect::POSTGRES)
    }
    fn parse_declared(
        &mut self,
        files: &[(std::path::PathBuf, String)],
        filter: &IntrospectFilter,
    ) -> Option<Schema> {
        // Only for the default schema `public`, where the parser puts unqualified names.
        if self.current_schema != "public" || filter.names_schemas() {
            return None;
        }
        let mut schema = crate::declared::parse(files).ok()?;
        schema
            .tables
            .retain(|name, _| !filter.leaves_out(&name.name));
        Some(schema)
    }
    fn unmodeled_objects(
        &mut self,
        filter: &IntrospectFilter,
    ) -> Result<Vec<String>, DatabaseError> {
        self.flush_begin()?;
        crate::introspect::unmodeled(&mut self.client, filter)
    }
    fn create_scratch(&mut self) -> Result<(Box<dyn Connection>, String), DatabaseError> {
        let name = scratch_database_name();
        self.flush_begin()?;
        self.client
            .batch_execute(&format!(
                "CREATE DATABASE {}",
                SqlDialect::Postgres.quote_identifier(&name)
            ))
            .map_err(|e| {
                DatabaseError::new(format!(
                    "cannot create the scratch database {name}: {}",
                    describe(&e)
                ))
            })?;
        let scratch = Self::connect(&self.options.with_dbname(&name), self.home.as_deref())?;
        Ok((Box::new(scratch), name))
    }
    fn drop_scratch(&mut self, name: &str) -> Result<(), DatabaseError> {
        self.client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                SqlDialect::Postgres.quote_identifier(name)
            ))
            .map_err(|e| error(&e))
    }
}

/// Statements PostgreSQL refuses inside a transaction block.
pub fn non_transactional(sql: &str) -> Option<&'static str> {
    let words: Vec<String> = sql
        .lines()
        .map(|line| line.split("--").next().unwrap_or_default())
        .flat_map(str::split_whitespace)
        .take(6)
        .map(str::to_ascii_uppercase)
        .collect();
    let starts = |prefix: &[&str]| {
        words.len() >= prefix.len() && words.iter().zip(prefix).all(|(w, p)| w == p)
    };
    let concurrently = words.iter().any(|w| w == "CONCURRENTLY");
    if (starts(&["CREATE", "INDEX"]) || starts(&["CREATE", "UNIQUE", "INDEX"])) && concurrently {
        return Some("CREATE INDEX CONCURRENTLY");
    }
    if starts(&["DROP", "INDEX"]) && concurrently {
        return Some("DROP INDEX CONCURRENTLY");
    }
    if starts(&["REINDEX"]) && concurrently {
        return Some("REINDEX CONCURRENTLY");
    }
    for (prefix, name) in [
        (&["VACUUM"][..], "VACUUM"),
        (&["CREATE", "DATABASE"][..], "CREATE DATABASE"),
        (&["DROP", "DATABASE"][..], "DROP DATABASE"),
        (&["ALTER", "SYSTEM"][..], "ALTER SYSTEM"),
        (&["CREATE", "TABLESPACE"][..], "CREATE TABLESPACE"),
        (&["DROP", "TABLESPACE"][..], "DROP TABLESPACE"),
    ] {
        if starts(prefix) {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_statements_that_refuse_transactions() {
        assert_eq!(
            non_transactional("create index concurrently i on t (x)"),
            Some("CREATE INDEX CONCURRENTLY")
        );
        assert_eq!(
            non_transactional("CREATE UNIQUE INDEX\n  CONCURRENTLY i ON t (x)"),
            Some("CREATE INDEX CONCURRENTLY")
        );
        assert_eq!(non_transactional("VACUUM ANALYZE t"), Some("VACUUM"));
        assert_eq!(non_transactional("CREATE INDEX i ON t (x)"), None);
    }

    #[test]
    fn lock_key_is_stable() {
        assert_eq!(
            lock_key(&VersionTable::default()),
            lock_key(&VersionTable::default())
        );
        assert_ne!(
            lock_key(&VersionTable::default()),
            lock_key(&VersionTable {
                name: "other".into(),
                schema: None
            })
        );
    }
}
