//! The runner's [`Connection`] over the synchronous `postgres` client.

use std::path::Path;
use std::time::{Duration, Instant};

use postgres::SimpleQueryMessage;
use retort_core::dialect::Dialect;
use retort_core::introspect::{Database, Introspect, IntrospectFilter};
use retort_core::runner::connection::{
    scratch_database_name, Connection, DatabaseError, Interrupter, QueryOutcome, VersionTable,
};
use retort_core::schema::Schema;

use crate::bounded_client::{BoundedClient, Failure};
use crate::connect_options::ConnectOptions;
use crate::tls::client_config;

pub struct PostgresConnection {
    client: BoundedClient,
    /// Kept to open scratch databases on the same server.
    options: ConnectOptions,
    /// Where unqualified names land (the declared-schema parser assumes `public`).
    current_schema: String,
    home: Option<std::path::PathBuf>,
    lock_key: Option<i64>,
    /// The server process that took the session lock: a later statement answered by another
    /// one means a transaction-pooling proxy sits between us and the server.
    lock_backend: Option<i32>,
    /// The server process running the open transaction (0: none), for SIGINT/SIGTERM to
    /// cancel its statement.
    transaction_backend: std::sync::Arc<std::sync::atomic::AtomicI32>,
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
    retort_core::error_chain::error_chain(error)
}

/// What a lost connection means for the work in flight.
const LOST_CONNECTION_HINT: &str = "the connection to the server was lost (or it stopped answering): PostgreSQL rolls back the open transaction once it notices the connection is gone, so nothing of it is kept, but a statement outside a transaction may have run; check the server, then run the command again";

/// A failed call in words: the driver's error, or no answer within read_timeout.
fn failure(failure: &Failure) -> DatabaseError {
    match failure {
        Failure::Postgres(e) => error(e),
        Failure::NoAnswer(limit) => DatabaseError::new(format!(
            "lost the connection to the server: no answer within read_timeout = {} s (the server may be frozen, overloaded or unreachable)",
            limit.as_secs()
        ))
        .with_hint(LOST_CONNECTION_HINT),
        Failure::LostEarlier => {
            DatabaseError::new("the connection to the server was lost earlier in this run")
                .with_hint(LOST_CONNECTION_HINT)
        }
    }
}

fn error(e: &postgres::Error) -> DatabaseError {
    if e.as_db_error().is_none() && (e.is_closed() || io_failure(e)) {
        return DatabaseError::new(format!(
            "lost the connection to the server: {}",
            describe(e)
        ))
        .with_hint(LOST_CONNECTION_HINT);
    }
    let position = e.as_db_error().and_then(|db| match db.position() {
        Some(postgres::error::ErrorPosition::Original(position)) => usize::try_from(*position).ok(),
        _ => None,
    });
    DatabaseError::new(describe(e)).at(position)
}

/// An input/output error under the driver's (the socket failed or timed out).
fn io_failure(e: &postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

fn pooler_detected(locked_by: i32, now: i32) -> DatabaseError {
    DatabaseError::new(format!(
        "the session advisory lock was taken by server process {locked_by}, but the next statement ran on process {now}: a transaction-pooling proxy (PgBouncer `pool_mode = transaction`, a hosted \"pooled\" URL) sits between retort and PostgreSQL, and there a session lock excludes nobody"
    ))
    .with_hint("set lock_mode = \"transaction\" or lock_mode = \"table\" in retort.toml, or migrate through a direct (unpooled) URL")
}

/// The advisory-lock key of a version table. Why a fixed hash (FNV-1a of "retort:" and the
/// table's qualified name): every retort version, on every machine, must compute the same key
/// for the same table, and different version tables in one database must not block each other.
/// The schema is the one the table lands in (`current_schema` when `version_table_schema` is
/// not set), so tenants migrated schema by schema never wait for each other. The database is
/// not part of the key because PostgreSQL scopes advisory locks to the current database.
pub fn lock_key(table: &VersionTable, current_schema: &str) -> i64 {
    let name = format!(
        "retort:{}.{}",
        table.schema.as_deref().unwrap_or(current_schema),
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
        let place = format!("{}:{}/{}", options.host, options.port, options.dbname);
        let limit = options.connect_limit();
        // The driver's connect_timeout covers the TCP connection only: a server that accepts
        // it and never answers (frozen) would hold the handshake forever.
        let connected = retort_core::deadline::within(limit, move || match tls {
            Some(tls) => config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls)),
            None => config.connect(postgres::NoTls),
        })
        .ok_or_else(|| {
            DatabaseError::new(format!(
                "cannot connect to {place}: no answer within connect_timeout = {} s",
                limit.unwrap_or_default().as_secs()
            ))
            .with_hint("the server took the connection but did not answer (it may be frozen or overloaded): check it, or give it longer with connect_timeout=SECONDS in the URL")
        })?;
        let client = connected
            .map(|client| BoundedClient::new(client, options.read_timeout))
            .map_err(|e| {
                DatabaseError::new(format!("cannot connect to {place}: {}", describe(&e)))
            })?;
        let mut connection = Self {
            client,
            current_schema: String::new(),
            options: options.clone(),
            home: home.map(Path::to_path_buf),
            lock_key: None,
            lock_backend: None,
            transaction_backend: std::sync::Arc::default(),
            pending_begin: false,
        };
        connection.current_schema = connection
            .simple_value("SELECT COALESCE(current_schema(), '')")?
            .unwrap_or_default();
        Ok(connection)
    }

    /// A second connection to the same database, in this one's current schema (the lease
    /// lock's heartbeat, the declared schema's scratch load beside introspection): a fleet's
    /// warm connection may have moved to another tenant's schema since it was opened
    /// (`switch_schema`), and the second one follows it there.
    fn reopen(&self) -> Result<Self, DatabaseError> {
        let mut another = Self::connect(&self.options, self.home.as_deref())?;
        if another.current_schema != self.current_schema {
            another.switch_schema(&self.current_schema)?;
        }
        Ok(another)
    }

    /// Run `sql` with the simple query protocol: no prepared statement, so it works through
    /// PgBouncer in transaction pooling. Only literals quoted with escaping go into `sql`.
    fn simple(&mut self, sql: &str) -> Result<QueryOutcome, DatabaseError> {
        self.flush_begin()?;
        let messages = self.client.simple_query(sql).map_err(|f| failure(&f))?;
        let mut outcome = QueryOutcome::default();
        for message in messages {
            match message {
                SimpleQueryMessage::Row(row) => outcome.rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                SimpleQueryMessage::CommandComplete(count) => outcome.affected = count,
                _ => {}
            }
        }
        Ok(outcome)
    }

    /// The first column of the first row of `sql`.
    fn simple_value(&mut self, sql: &str) -> Result<Option<String>, DatabaseError> {
        Ok(self
            .simple(sql)?
            .rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten()))
    }

    fn backend_pid(&mut self) -> Result<i32, DatabaseError> {
        Ok(self
            .simple_value("SELECT pg_backend_pid()")?
            .and_then(|pid| pid.parse().ok())
            .unwrap_or_default())
    }

    /// With a session lock held, check that this statement reaches the server process that
    /// took it. Behind transaction pooling (PgBouncer `pool_mode = transaction`) consecutive
    /// transactions may run on different server connections, and a session advisory lock
    /// excludes nobody.
    fn check_lock_backend(&mut self) -> Result<(), DatabaseError> {
        let Some(locked_by) = self.lock_backend else {
            return Ok(());
        };
        let now = self.backend_pid()?;
        if now == locked_by {
            return Ok(());
        }
        Err(pooler_detected(locked_by, now))
    }

    /// Behind a transaction pooler the session lock stays on the server connection that took
    /// it, which the pool hands to other clients: ask until the statement lands there (the pool
    /// is small; each attempt is a transaction of its own).
    fn release_stray_lock(&mut self, key: i64) {
        for _ in 0..32 {
            match self.simple_value(&format!("SELECT pg_advisory_unlock({key})")) {
                Ok(Some(released)) if released == "t" => return,
                Ok(_) => {}
                Err(_) => return,
            }
        }
    }

    fn table_name(table: &VersionTable) -> String {
        crate::dialect::POSTGRES.table_name(table)
    }

    /// The underlying client (tests, introspection), without the read_timeout bound; `None`
    /// once the connection was lost.
    pub fn client(&mut self) -> Option<std::sync::MutexGuard<'_, postgres::Client>> {
        self.client.unbounded()
    }

    /// The client for catalog reads (introspection takes its time: no read_timeout bound),
    /// after a deferred `BEGIN` is sent.
    fn catalog_client(
        &mut self,
    ) -> Result<std::sync::MutexGuard<'_, postgres::Client>, DatabaseError> {
        self.flush_begin()?;
        self.client
            .unbounded()
            .ok_or_else(|| failure(&Failure::LostEarlier))
    }

    /// Send a deferred `BEGIN` on its own, before a statement that cannot carry it.
    fn flush_begin(&mut self) -> Result<(), DatabaseError> {
        if self.pending_begin {
            self.begin_with("")?;
        }
        Ok(())
    }

    /// Send the deferred `BEGIN` with `sql`, noting the server process that runs the
    /// transaction (a cancel target) in the same round trip.
    fn begin_with(&mut self, sql: &str) -> Result<(), DatabaseError> {
        const PREFIX: &str = "BEGIN; SELECT pg_backend_pid();\n";
        self.pending_begin = false;
        let messages = self
            .client
            .simple_query(&format!("{PREFIX}{sql}"))
            .map_err(|f| {
                // Positions count from the start of `sql`, not of the prefix.
                let mut failure = failure(&f);
                failure.position = failure
                    .position
                    .map(|p| p.saturating_sub(PREFIX.chars().count()));
                failure
            })?;
        let pid = messages.iter().find_map(|message| match message {
            SimpleQueryMessage::Row(row) => row.get(0).and_then(|pid| pid.parse().ok()),
            _ => None,
        });
        self.transaction_backend
            .store(pid.unwrap_or_default(), std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    fn end_transaction(&mut self, sql: &str) -> Result<(), DatabaseError> {
        self.transaction_backend
            .store(0, std::sync::atomic::Ordering::SeqCst);
        if std::mem::take(&mut self.pending_begin) {
            return Ok(());
        }
        self.client.batch_execute(sql).map_err(|f| {
            let refused = matches!(&f, Failure::Postgres(e) if e.as_db_error().is_some());
            if sql == "COMMIT" && !refused {
                // The server may have committed before the connection went: say so.
                DatabaseError::new(format!(
                    "lost the connection to the server during COMMIT: {}",
                    failure(&f).message
                ))
                .with_hint("the server may have committed before the connection was lost, or not: `retort current` shows whether the revision was recorded; then run the command again")
            } else {
                failure(&f)
            }
        })
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
        if self.pending_begin {
            return self.begin_with(sql);
        }
        self.client.batch_execute(sql).map_err(|f| failure(&f))
    }
    fn begin(&mut self) -> Result<(), DatabaseError> {
        self.pending_begin = true;
        Ok(())
    }
    fn commit(&mut self) -> Result<(), DatabaseError> {
        self.end_transaction("COMMIT")
    }
    fn rollback(&mut self) -> Result<(), DatabaseError> {
        self.end_transaction("ROLLBACK")
    }
    fn lock(
        &mut self,
        table: &VersionTable,
        wait: Option<Duration>,
    ) -> Result<bool, DatabaseError> {
        let key = lock_key(table, &self.current_schema);
        let backend = match wait {
            None => self.simple_value(&format!(
                "SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock({key})) AS taken"
            ))?,
            Some(wait) => {
                let deadline = Instant::now() + wait;
                loop {
                    let row = self
                        .simple(&format!(
                            "SELECT pg_try_advisory_lock({key}), pg_backend_pid()"
                        ))?
                        .rows
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    if row.first().cloned().flatten().as_deref() == Some("t") {
                        break row.get(1).cloned().flatten();
                    }
                    if Instant::now() >= deadline {
                        return Ok(false);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        self.lock_key = Some(key);
        self.lock_backend = backend.and_then(|pid| pid.parse().ok());
        // A second statement, in a transaction of its own: behind transaction pooling it may
        // land on another server connection, which shows the lock would exclude nobody.
        if let Err(failure) = self.check_lock_backend() {
            self.lock_key = None;
            self.lock_backend = None;
            self.release_stray_lock(key);
            return Err(failure);
        }
        Ok(true)
    }
    fn lock_in_transaction(
        &mut self,
        table: &VersionTable,
        wait: Option<Duration>,
    ) -> Result<bool, DatabaseError> {
        let key = lock_key(table, &self.current_schema);
        let Some(wait) = wait else {
            self.simple(&format!("SELECT pg_advisory_xact_lock({key})"))?;
            return Ok(true);
        };
        let deadline = Instant::now() + wait;
        loop {
            if self
                .simple_value(&format!("SELECT pg_try_advisory_xact_lock({key})"))?
                .as_deref()
                == Some("t")
            {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    fn lock_holder(&mut self, table: &VersionTable) -> Result<Option<String>, DatabaseError> {
        let key = lock_key(table, &self.current_schema);
        let bits = u64::from_ne_bytes(key.to_ne_bytes());
        let (high, low) = (bits >> 32, bits & 0xffff_ffff);
        let rows = self.simple(&format!(
            "SELECT a.pid, COALESCE(NULLIF(a.application_name, ''), '-'), COALESCE(host(a.client_addr), 'local'), to_char(COALESCE(a.xact_start, a.backend_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') \
             FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) \
             AND l.classid = {high}::oid AND l.objid = {low}::oid AND l.objsubid = 1 LIMIT 1"
        ))?;
        Ok(rows.rows.into_iter().next().map(|row| {
            let field = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            format!(
                "PostgreSQL server process {} (application {}, client {}, since {} UTC)",
                field(0),
                field(1),
                field(2),
                field(3)
            )
        }))
    }
    fn unlock(&mut self) -> Result<(), DatabaseError> {
        let Some(key) = self.lock_key.take() else {
            return Ok(());
        };
        let locked_by = self.lock_backend.take();
        let row = self
            .simple(&format!(
                "SELECT pg_advisory_unlock({key}), pg_backend_pid()"
            ))?
            .rows
            .into_iter()
            .next()
            .unwrap_or_default();
        let now: Option<i32> = row.get(1).cloned().flatten().and_then(|p| p.parse().ok());
        if let (Some(locked_by), Some(now)) = (locked_by, now) {
            if locked_by != now {
                if row.first().cloned().flatten().as_deref() != Some("t") {
                    self.release_stray_lock(key);
                }
                return Err(pooler_detected(locked_by, now));
            }
        }
        Ok(())
    }
    fn query_rows(&mut self, sql: &str) -> Result<QueryOutcome, DatabaseError> {
        self.simple(sql)
    }
    fn interrupter(&self) -> Option<Interrupter> {
        let options = self.options.clone();
        let home = self.home.clone();
        let backend = std::sync::Arc::clone(&self.transaction_backend);
        Some(Box::new(move || {
            // pg_cancel_backend from a second connection rather than a protocol cancel
            // request: Debian's PgBouncer 1.18 aborts (FATAL "bad client state") on the
            // cancel request the driver sends. Only a statement inside a transaction is
            // cancelled: its server process is known even behind transaction pooling (recorded
            // at BEGIN); one outside a transaction runs to its end, then the run stops.
            let pid = backend.load(std::sync::atomic::Ordering::SeqCst);
            if pid == 0 {
                return;
            }
            if let Ok(mut other) = Self::connect(&options, home.as_deref()) {
                let _ = other.simple(&format!("SELECT pg_cancel_backend({pid})"));
            }
        }))
    }
    fn open_another(&self) -> Result<Box<dyn Connection + Send>, DatabaseError> {
        Ok(Box::new(self.reopen()?))
    }
    fn sql_dialect(&self) -> Option<&'static dyn Dialect> {
        Some(&crate::dialect::POSTGRES)
    }
    fn default_schema(&self) -> Option<String> {
        Some(self.current_schema.clone())
    }
    /// What `DISCARD ALL` does (session settings, temporary tables, prepared statements and
    /// advisory locks of the previous run go), then `schema` alone on the `search_path`.
    fn switch_schema(&mut self, schema: &str) -> Result<(), DatabaseError> {
        let path = crate::dialect::POSTGRES.quote_identifier(schema);
        // One round trip, once per tenant of a fleet: what `DISCARD ALL` does, statement by
        // statement as PostgreSQL's documentation lists them (`DISCARD ALL` itself refuses to
        // run in a multi-statement query), then the move. Its last row is the schema the new
        // path leads to (the subquery sets the path before the outer row reads it: a volatile
        // subquery is never folded into the outer query).
        let outcome = self.simple(&format!(
            "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *; \
             SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES; \
             SELECT COALESCE(current_schema(), '') FROM (SELECT set_config('search_path', {}, false)) AS moved",
            crate::dialect::POSTGRES.string_literal(&path)
        ))?;
        self.current_schema = outcome
            .rows
            .into_iter()
            .last()
            .and_then(|row| row.into_iter().next().flatten())
            .unwrap_or_default();
        if self.current_schema == schema {
            Ok(())
        } else {
            Err(DatabaseError::new(format!("schema {path} does not exist")))
        }
    }
    fn version_table_exists(&mut self, table: &VersionTable) -> Result<bool, DatabaseError> {
        self.flush_begin()?;
        // query_typed: one unnamed statement, parsed, bound and run in one round trip — no
        // named prepared statement for a pooler to lose. It also names the server process it
        // ran on, which must be the one holding the session lock (see `check_lock_backend`).
        let rows = self
            .client
            .query_typed_text(
                // to_regclass finds the relation through the catalog caches: planning the
                // pg_tables view's joins cost more than the rest of the probe, once per target
                // of a fleet.
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass(pg_catalog.quote_ident(COALESCE($1, current_schema())) || '.' || pg_catalog.quote_ident($2)) AND relkind IN ('r', 'p')), pg_backend_pid()",
                vec![table.schema.clone(), Some(table.name.clone())],
            )
            .map_err(|f| failure(&f))?;
        let row = rows.first();
        if let (Some(locked_by), Some(row)) = (self.lock_backend, row) {
            let now: i32 = row.get(1);
            if now != locked_by {
                return Err(pooler_detected(locked_by, now));
            }
        }
        Ok(row.is_some_and(|row| row.get(0)))
    }
    fn create_version_table(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        self.client
            .batch_execute(&crate::dialect::POSTGRES.create_version_table(table))
            .map_err(|f| failure(&f))
    }
    fn read_versions(&mut self, table: &VersionTable) -> Result<Vec<String>, DatabaseError> {
        self.flush_begin()?;
        let rows = self
            .client
            .query_typed_text(
                &format!("SELECT version_num FROM {}", Self::table_name(table)),
                Vec::new(),
            )
            .map_err(|f| failure(&f))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
    fn insert_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        self.client
            .query_typed_text(
                &format!(
                    "INSERT INTO {} (version_num) VALUES ($1)",
                    Self::table_name(table)
                ),
                vec![Some(id.to_owned())],
            )
            .map(drop)
            .map_err(|f| failure(&f))
    }
    fn update_version(
        &mut self,
        table: &VersionTable,
        from: &str,
        to: &str,
    ) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        let changed = self
            .client
            .query_typed_text(
                &format!(
                    "UPDATE {} SET version_num = $1 WHERE version_num = $2 RETURNING 1",
                    Self::table_name(table)
                ),
                vec![Some(to.to_owned()), Some(from.to_owned())],
            )
            .map_err(|f| failure(&f))?
            .len();
        if changed == 1 {
            Ok(())
        } else {
            Err(DatabaseError::new(format!(
                "the version table has no row '{from}' to update"
            )))
        }
    }
    fn delete_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        self.client
            .query_typed_text(
                &format!(
                    "DELETE FROM {} WHERE version_num = $1",
                    Self::table_name(table)
                ),
                vec![Some(id.to_owned())],
            )
            .map(drop)
            .map_err(|f| failure(&f))
    }
    fn purge_versions(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        self.flush_begin()?;
        self.client
            .batch_execute(&format!("DELETE FROM {}", Self::table_name(table)))
            .map_err(|f| failure(&f))
    }
    fn non_transactional_statement(&self, sql: &str) -> Option<&'static str> {
        non_transactional(sql)
    }
}

impl Introspect for PostgresConnection {
    fn introspect(&mut self, filter: &IntrospectFilter) -> Result<Schema, DatabaseError> {
        let mut client = self.catalog_client()?;
        crate::introspect::introspect(&mut client, filter)
    }
    fn dialect_rules(&self) -> &'static dyn Dialect {
        &crate::dialect::POSTGRES
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
    fn parse_declared_partly(
        &mut self,
        files: &[(std::path::PathBuf, String)],
        filter: &IntrospectFilter,
    ) -> Option<retort_core::autogenerate::partial::PartialDeclared> {
        // As `parse_declared`: the parser's names are those of the default schema `public`.
        if self.current_schema != "public" || filter.names_schemas() {
            return None;
        }
        let mut partial = crate::declared::partial::parse_partial(files).ok()?;
        partial
            .schema
            .tables
            .retain(|name, _| !filter.leaves_out(&name.name));
        Some(partial)
    }
    fn grants_to_keep(
        &mut self,
        filter: &IntrospectFilter,
    ) -> Result<std::collections::BTreeMap<retort_core::schema::Grant, bool>, DatabaseError> {
        let mut client = self.catalog_client()?;
        crate::introspect::grants_to_keep(&mut client, filter)
    }
    fn unmodeled_objects(
        &mut self,
        filter: &IntrospectFilter,
    ) -> Result<Vec<String>, DatabaseError> {
        let mut client = self.catalog_client()?;
        let mut objects = crate::introspect::unmodeled(&mut client, filter)?;
        objects.extend(crate::unmodeled_clauses::unmodeled_clauses(
            &mut client,
            filter,
        )?);
        Ok(objects)
    }
    fn unselected_schemas(
        &mut self,
        filter: &IntrospectFilter,
    ) -> Result<Vec<String>, DatabaseError> {
        let mut client = self.catalog_client()?;
        crate::unselected_schemas::unselected_schemas(&mut client, filter)
    }
    fn connect_again(&self) -> Option<Box<dyn Database>> {
        Some(Box::new(self.reopen().ok()?))
    }
    fn create_scratch(&mut self) -> Result<(Box<dyn Database>, String), DatabaseError> {
        let name = scratch_database_name();
        self.flush_begin()?;
        self.client
            .batch_execute(&format!(
                "CREATE DATABASE {}",
                crate::dialect::POSTGRES.quote_identifier(&name)
            ))
            .map_err(|f| {
                DatabaseError::new(format!(
                    "cannot create the scratch database {name}: {}",
                    failure(&f).message
                ))
            })?;
        let mut scratch = Self::connect(&self.options.with_dbname(&name), self.home.as_deref())?;
        // A connection whose search_path names another schema (a fleet's tenant, `options=-c
        // search_path=…`) declares its tables there: the scratch database gets that schema too,
        // so the declared objects land, and are named, as the live ones are.
        if scratch.current_schema.is_empty() && !self.current_schema.is_empty() {
            scratch
                .client
                .batch_execute(&format!(
                    "CREATE SCHEMA {}",
                    crate::dialect::POSTGRES.quote_identifier(&self.current_schema)
                ))
                .map_err(|f| failure(&f))?;
            scratch.current_schema.clone_from(&self.current_schema);
        }
        Ok((Box::new(scratch), name))
    }
    fn drop_scratch(&mut self, name: &str) -> Result<(), DatabaseError> {
        self.client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                crate::dialect::POSTGRES.quote_identifier(name)
            ))
            .map_err(|f| failure(&f))
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
            lock_key(&VersionTable::default(), "public"),
            lock_key(&VersionTable::default(), "public")
        );
        assert_ne!(
            lock_key(&VersionTable::default(), "public"),
            lock_key(
                &VersionTable {
                    name: "other".into(),
                    schema: None
                },
                "public"
            )
        );
        // Finding 4/D: tenants' schemas do not share a lock.
        assert_ne!(
            lock_key(&VersionTable::default(), "tenant_a"),
            lock_key(&VersionTable::default(), "tenant_b")
        );
        assert_eq!(
            lock_key(&VersionTable::default(), "public"),
            lock_key(
                &VersionTable {
                    name: "alembic_version".into(),
                    schema: Some("public".into())
                },
                "other"
            )
        );
    }
}
