//! The runner's [`Connection`] over the synchronous `mysql` client, for MySQL and MariaDB.
//!
//! MySQL commits DDL implicitly, so a revision is not atomic there: the runner records progress
//! per revision and, on failure, reports which statements of the failing revision had run.

use std::path::PathBuf;
use std::time::Duration;

use mysql::prelude::Queryable;
use percent_encoding::percent_decode_str;
use retort_core::dialect::Dialect;
use retort_core::introspect::{Database, Introspect, IntrospectFilter};
use retort_core::runner::connection::{
    scratch_database_name, Connection, DatabaseError, Interrupter, QueryOutcome, VersionTable,
};
use retort_core::runner::split::Escapes;
use retort_core::schema::Schema;

pub struct MysqlConnection {
    connection: mysql::Conn,
    /// Kept to open scratch databases on the same server.
    options: mysql::Opts,
    lock_name: Option<String>,
    /// `DATABASE()` at connect: the schema the version table lands in when
    /// `version_table_schema` is not set.
    database: String,
    /// The connection was lost: every later call fails at once instead of waiting for a
    /// server that does not answer (a rollback and an unlock would each wait read_timeout).
    lost: bool,
    /// A scratch database loading a declared schema: what the server drops as it creates it is
    /// an error there (see [`MysqlConnection::refuse_dropped_event`]).
    scratch: bool,
}

/// The server's own message (`Table 'x' doesn't exist (1146)`), or the driver's.
pub fn describe(error: &mysql::Error) -> String {
    match error {
        mysql::Error::MySqlError(server) => format!("{} ({})", server.message, server.code),
        other => other.to_string(),
    }
}

fn error(error: &mysql::Error) -> DatabaseError {
    if lost(error) {
        return DatabaseError::new(format!(
            "lost the connection to the server: {}",
            describe_lost(error)
        ))
        .with_hint(LOST_CONNECTION_HINT);
    }
    DatabaseError::new(describe(error))
}

/// The connection failed under the statement (the socket broke, or the server gave no answer
/// within read_timeout/write_timeout), as opposed to the server refusing it.
fn lost(error: &mysql::Error) -> bool {
    matches!(
        error,
        mysql::Error::IoError(_)
            | mysql::Error::CodecError(_)
            | mysql::Error::DriverError(
                mysql::DriverError::PacketOutOfSync | mysql::DriverError::Timeout
            )
    )
}

/// A lost connection in words: a socket timeout is the server not answering in time.
fn describe_lost(error: &mysql::Error) -> String {
    let text = describe(error);
    if text.contains("os error 11") || text.contains("timed out") || text.contains("WouldBlock") {
        "the server gave no answer within read_timeout (it may be frozen, overloaded or unreachable)".to_owned()
    } else {
        text
    }
}

/// What a lost connection means for the work in flight.
const LOST_CONNECTION_HINT: &str = "the connection to the server was lost (or it gave no answer within read_timeout): DML of the open transaction is rolled back by the server, a DDL statement that was running may have committed; the next run says which statements of the revision ran (its progress record); check the server, then run the command again (with --resume if it says so)";

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `*_timeout` URL parameter: seconds, fractions allowed; 0 means no limit.
fn parse_seconds(key: &str, value: &str) -> Result<Option<Duration>, DatabaseError> {
    let seconds: f64 = value
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s >= 0.0 && *s <= 31_536_000.0)
        .ok_or_else(|| {
            DatabaseError::new(format!(
                "invalid {key} '{value}' (seconds, from 0 for no limit to a year)"
            ))
        })?;
    Ok((seconds > 0.0).then(|| Duration::from_secs_f64(seconds)))
}

/// Run `sql` and read every result set it produces, failing on the first error among them.
///
/// Why not `query_drop`: it checks only the first result set and drains the others silently, so
/// `CALL p()` whose procedure runs a `SELECT` and then fails (ERROR 1146) would count as a
/// success and the revision would be recorded as applied. Every statement retort sends goes
/// through here.
fn run(connection: &mut mysql::Conn, sql: impl AsRef<str>) -> Result<(), mysql::Error> {
    let mut result = connection.query_iter(sql.as_ref())?;
    while let Some(set) = result.iter() {
        for row in set {
            row?;
        }
    }
    Ok(())
}

/// The `sql_mode` flags every retort session adds to the server's own: the server refuses a
/// value it would otherwise truncate, round to a default or turn into NULL.
pub const STRICT_MODES: [&str; 2] = ["STRICT_ALL_TABLES", "ERROR_FOR_DIVISION_BY_ZERO"];

/// Add [`STRICT_MODES`] to the session's `sql_mode`, keeping the modes the server set and never
/// listing a flag twice.
fn set_strict_mode(connection: &mut mysql::Conn) -> Result<(), mysql::Error> {
    for mode in STRICT_MODES {
        // `mode` is one of our constants, never user input.
        run(
            connection,
            format!(
                "SET SESSION sql_mode = IF(FIND_IN_SET('{mode}', @@SESSION.sql_mode) > 0, @@SESSION.sql_mode, \
                 CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), '{mode}'))"
            ),
        )?;
    }
    Ok(())
}

/// Open a session and make it strict.
fn open(options: &mysql::Opts) -> Result<mysql::Conn, mysql::Error> {
    // The driver's tcp_connect_timeout covers the TCP connection only: a server that accepts
    // it and never answers (frozen) would hold the handshake forever.
    let limit = options.get_tcp_connect_timeout();
    let owned = options.clone();
    let mut connection =
        retort_core::deadline::within(limit, move || mysql::Conn::new(owned))
            .ok_or_else(|| mysql::Error::DriverError(mysql::DriverError::ConnectTimeout))??;
    set_strict_mode(&mut connection)?;
    Ok(connection)
}

/// `ssl-mode` as MySQL's clients spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslMode {
    Disabled,
    Required,
    VerifyCa,
    VerifyIdentity,
}

/// Turn a URL in any accepted spelling (`mysql://`, `mariadb://`, `mysql+pymysql://`) into the
/// client's options. TLS: `ssl-mode=REQUIRED|VERIFY_CA|VERIFY_IDENTITY|DISABLED|PREFERRED`
/// (`ssl=true` means REQUIRED), `ssl-ca=PATH`; `PREFERRED` connects without TLS.
pub fn options_from_url(url: &str) -> Result<mysql::Opts, DatabaseError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| DatabaseError::new("not a MySQL URL".to_owned()))?;
    let base = scheme.split('+').next().unwrap_or(scheme);
    if base != "mysql" && base != "mariadb" {
        return Err(DatabaseError::new(format!(
            "not a MySQL URL scheme: {scheme}"
        )));
    }
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut ssl_mode = SslMode::Disabled;
    let mut ssl_ca: Option<PathBuf> = None;
    let mut connect_timeout = Some(DEFAULT_CONNECT_TIMEOUT);
    let mut read_timeout = None;
    let mut write_timeout = None;
    let mut keepalive_set = false;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode_str(value).decode_utf8_lossy().into_owned();
        match key.replace('_', "-").as_str() {
            "ssl-mode" | "sslmode" => {
                ssl_mode = match value.to_ascii_uppercase().as_str() {
                    "DISABLED" | "PREFERRED" => SslMode::Disabled,
                    "REQUIRED" => SslMode::Required,
                    "VERIFY-CA" | "VERIFY_CA" => SslMode::VerifyCa,
                    "VERIFY-IDENTITY" | "VERIFY_IDENTITY" => SslMode::VerifyIdentity,
                    other => return Err(DatabaseError::new(format!("invalid ssl-mode '{other}' (DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)"))),
                };
            }
            "ssl" => {
                if matches!(value.as_str(), "true" | "1" | "required" | "REQUIRED") {
                    ssl_mode = SslMode::Required;
                }
            }
            "ssl-ca" => ssl_ca = Some(PathBuf::from(value)),
            // Bounded waits (seconds): the connection attempt, and every answer of the server
            // (a frozen server ends the run after read_timeout instead of never).
            "connect-timeout" => connect_timeout = parse_seconds("connect_timeout", &value)?,
            "read-timeout" => read_timeout = parse_seconds("read_timeout", &value)?,
            "write-timeout" => write_timeout = parse_seconds("write_timeout", &value)?,
            "tcp-connect-timeout-ms" => {
                connect_timeout = None;
                kept.push(pair.to_owned());
            }
            "tcp-keepalive-time-ms" => {
                keepalive_set = true;
                kept.push(pair.to_owned());
            }
            // pymysql URLs often carry a charset; the client always speaks utf8mb4.
            "charset" => {}
            _ => kept.push(pair.to_owned()),
        }
    }
    let cleaned = if kept.is_empty() {
        format!("mysql://{location}")
    } else {
        format!("mysql://{location}?{}", kept.join("&"))
    };
    let options = mysql::Opts::from_url(&cleaned)
        .map_err(|e| DatabaseError::new(format!("cannot read the MySQL URL: {e}")))?;
    let driver_connect_timeout = options.get_tcp_connect_timeout();
    let mut builder = mysql::OptsBuilder::from_opts(options)
        .tcp_connect_timeout(connect_timeout.or(driver_connect_timeout))
        .read_timeout(read_timeout)
        .write_timeout(write_timeout);
    if !keepalive_set {
        // TCP keepalive on every connection: a dead host or a cut network ends the run after
        // about a minute (30 s idle, then 3 probes 10 s apart) instead of never.
        builder = builder
            .tcp_keepalive_time_ms(Some(30_000))
            .tcp_keepalive_probe_interval_secs(Some(10))
            .tcp_keepalive_probe_count(Some(3));
    }
    if ssl_mode != SslMode::Disabled {
        let ssl = mysql::SslOpts::default()
            .with_root_cert_path(ssl_ca)
            .with_danger_accept_invalid_certs(ssl_mode == SslMode::Required)
            .with_danger_skip_domain_validation(ssl_mode != SslMode::VerifyIdentity);
        builder = builder.ssl_opts(Some(ssl));
    }
    Ok(builder.into())
}

impl MysqlConnection {
    pub fn connect(url: &str) -> Result<Self, DatabaseError> {
        let options = options_from_url(url)?;
        let host = options.get_ip_or_hostname().to_string();
        let port = options.get_tcp_port();
        let database = options.get_db_name().unwrap_or_default().to_owned();
        let connection = open(&options).map_err(|e| {
            if let mysql::Error::DriverError(mysql::DriverError::ConnectTimeout) = e {
                return DatabaseError::new(format!(
                    "cannot connect to {host}:{port}/{database}: no answer within connect_timeout = {} s",
                    options.get_tcp_connect_timeout().unwrap_or_default().as_secs()
                ))
                .with_hint("the server did not answer in time (it may be frozen, overloaded or unreachable): check it, or give it longer with connect_timeout=SECONDS in the URL");
            }
            DatabaseError::new(format!(
                "cannot connect to {host}:{port}/{database}: {}",
                describe(&e)
            ))
        })?;
        let mut connection = Self {
            connection,
            options,
            lock_name: None,
            database: String::new(),
            lost: false,
            scratch: false,
        };
        connection.database = connection
            .connection
            .query_first::<Option<String>, _>("SELECT DATABASE()")
            .map_err(|e| error(&e))?
            .flatten()
            .unwrap_or_default();
        Ok(connection)
    }

    /// A second connection to the same database (the lease lock's, the declared schema's
    /// scratch load beside introspection).
    fn reopen(&self) -> Result<Self, DatabaseError> {
        let connection = open(&self.options).map_err(|e| error(&e))?;
        Ok(Self {
            connection,
            options: self.options.clone(),
            lock_name: None,
            database: self.database.clone(),
            lost: false,
            scratch: self.scratch,
        })
    }

    /// Fail at once when the connection was lost earlier.
    fn alive(&self) -> Result<(), DatabaseError> {
        if self.lost {
            return Err(DatabaseError::new(
                "the connection to the server was lost earlier in this run",
            ));
        }
        Ok(())
    }

    /// Note a lost connection (see [`MysqlConnection::alive`]) and pass the error on.
    fn note(&mut self, error: mysql::Error) -> mysql::Error {
        if lost(&error) {
            self.lost = true;
        }
        error
    }

    fn table(table: &VersionTable) -> String {
        crate::dialect::MYSQL.table_name(table)
    }

    /// A one-time event whose time is past and that is not preserved is dropped as soon as it
    /// is created, with a note (1588): declared, it would be missing from the model without a
    /// word.
    fn refuse_dropped_event(&mut self) -> Result<(), DatabaseError> {
        let notes: Vec<(String, u32, String)> = self
            .connection
            .query("SHOW WARNINGS")
            .map_err(|e| error(&self.note(e)))?;
        match notes.into_iter().find(|(_, code, _)| *code == 1588) {
            Some((_, _, message)) => Err(DatabaseError::new(format!(
                "the event is not kept: {message} (1588): give it a time to come, or ON COMPLETION PRESERVE"
            ))),
            None => Ok(()),
        }
    }

    /// A foreign key added by `ALTER TABLE` to a table of another engine than InnoDB is dropped
    /// without a word (MyISAM, Aria and the others keep none): declared, it would be missing
    /// from the model. (`CREATE TABLE … ENGINE=MyISAM` with a key is refused before loading,
    /// see `declared_statement`.)
    fn refuse_dropped_foreign_key(&mut self, sql: &str) -> Result<(), DatabaseError> {
        let words = retort_core::autogenerate::screen::tokens(sql, true);
        let (Some("ALTER"), Some("TABLE"), Some(named)) = (
            words.first().map(String::as_str),
            words.get(1).map(String::as_str),
            words.get(2),
        ) else {
            return Ok(());
        };
        let named = named.trim_matches('`');
        let engines: Vec<(String, String)> = self
            .connection
            .query("SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB'")
            .map_err(|e| error(&self.note(e)))?;
        match engines
            .into_iter()
            .find(|(table, _)| table.eq_ignore_ascii_case(named))
        {
            Some((table, engine)) => Err(DatabaseError::new(format!(
                "table {table} is ENGINE={engine}, which keeps no foreign keys: MariaDB dropped the key this statement adds without a word; declare {table} ENGINE=InnoDB, or leave the key out"
            ))),
            None => Ok(()),
        }
    }

    /// The session's `sql_mode` (after connect it includes [`STRICT_MODES`]).
    pub fn session_sql_mode(&mut self) -> Result<String, DatabaseError> {
        let mode: Option<String> = self
            .connection
            .query_first("SELECT @@SESSION.sql_mode")
            .map_err(|e| error(&e))?;
        Ok(mode.unwrap_or_default())
    }

    /// Add [`STRICT_MODES`] to the session's `sql_mode` again (connect already does; public so
    /// that a test can start from an empty mode).
    pub fn set_strict_mode(&mut self) -> Result<(), DatabaseError> {
        set_strict_mode(&mut self.connection).map_err(|e| error(&e))
    }
}

/// Server error codes that say a statement's effect is already there: a database (1007),
/// table (1050), column (1060), key (1061), routine (1304), trigger (1359), event (1537) or
/// foreign key (1826) that exists; a table (1051), column or key (1091), routine (1305) or
/// trigger (1360) already dropped. `--resume` counts the statement that was running when a
/// run stopped as run when it fails with one of these, and says so.
const ALREADY_PRESENT: [u16; 12] = [
    1007, 1050, 1060, 1061, 1304, 1359, 1537, 1826, 1051, 1091, 1305, 1360,
];

/// A `PROCESSLIST` row: id, user, host, seconds connected.
type ProcessRow = (u64, Option<String>, Option<String>, Option<u64>);

/// The `GET_LOCK` name of a version table in `database` (the current database, where the
/// table lands when `version_table_schema` is not set). Why fixed: every retort must agree on
/// it. Why the database is in it: `GET_LOCK` names are server-wide, and a run on one database
/// must never wait for a run on another (issue 9, finding 4). MySQL caps lock names at 64
/// characters: a longer name is replaced by a hash of it.
pub fn lock_name(table: &VersionTable, database: &str) -> String {
    let name = format!(
        "retort:{}.{}",
        table.schema.as_deref().unwrap_or(database),
        table.name
    );
    if name.chars().count() <= 64 {
        return name;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("retort:{hash:016x}")
}

impl Connection for MysqlConnection {
    fn dialect(&self) -> &'static str {
        "mysql"
    }
    fn transactional_ddl(&self) -> bool {
        false
    }
    fn escapes(&self) -> Escapes {
        Escapes::Backslash
    }
    fn execute(&mut self, sql: &str) -> Result<(), DatabaseError> {
        self.alive()?;
        run(&mut self.connection, sql).map_err(|e| {
            let e = self.note(e);
            let position = match &e {
                mysql::Error::MySqlError(server) => {
                    crate::error_position::position(sql, server.code, &server.message)
                }
                _ => None,
            };
            error(&e).at(position)
        })?;
        if self.scratch && sql.to_ascii_uppercase().contains("EVENT") {
            self.refuse_dropped_event()?;
        }
        if self.scratch && sql.to_ascii_uppercase().contains("FOREIGN") {
            self.refuse_dropped_foreign_key(sql)?;
        }
        Ok(())
    }
    fn begin(&mut self) -> Result<(), DatabaseError> {
        self.alive()?;
        run(&mut self.connection, "START TRANSACTION").map_err(|e| error(&self.note(e)))
    }
    fn commit(&mut self) -> Result<(), DatabaseError> {
        self.alive()?;
        run(&mut self.connection, "COMMIT").map_err(|e| {
            let e = self.note(e);
            if lost(&e) {
                // The server may have committed before the connection went: say so.
                DatabaseError::new(format!(
                    "lost the connection to the server during COMMIT: {}",
                    describe_lost(&e)
                ))
                .with_hint("the server may have committed before the connection was lost, or not: `retort current` shows whether the revision was recorded; then run the command again")
            } else {
                error(&e)
            }
        })
    }
    fn rollback(&mut self) -> Result<(), DatabaseError> {
        self.alive()?;
        run(&mut self.connection, "ROLLBACK").map_err(|e| error(&self.note(e)))
    }
    fn lock(
        &mut self,
        table: &VersionTable,
        wait: Option<Duration>,
    ) -> Result<bool, DatabaseError> {
        let name = lock_name(table, &self.database);
        // No limit: wait a year, which MySQL and MariaDB both accept.
        let seconds = wait.map_or(31_536_000.0, |t| t.as_secs_f64());
        let got: Option<Option<i64>> = self
            .connection
            .exec_first("SELECT GET_LOCK(?, ?)", (&name, seconds))
            .map_err(|e| error(&e))?;
        if got.flatten() != Some(1) {
            return Ok(false);
        }
        self.lock_name = Some(name);
        Ok(true)
    }
    fn lock_holder(&mut self, table: &VersionTable) -> Result<Option<String>, DatabaseError> {
        let name = lock_name(table, &self.database);
        let holder: Option<ProcessRow> = self
            .connection
            .exec_first(
                "SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(?)",
                (&name,),
            )
            .map_err(|e| error(&e))?;
        Ok(holder.map(|(id, user, host, time)| {
            format!(
                "connection {id} of {}@{} (GET_LOCK '{name}', connected {} s)",
                user.unwrap_or_default(),
                host.unwrap_or_default(),
                time.unwrap_or_default()
            )
        }))
    }
    fn unlock(&mut self) -> Result<(), DatabaseError> {
        if self.lost {
            // The server releases a lost session's lock itself.
            self.lock_name = None;
            return Ok(());
        }
        if let Some(name) = self.lock_name.take() {
            self.connection
                .exec_drop("SELECT RELEASE_LOCK(?)", (name,))
                .map_err(|e| error(&e))?;
        }
        Ok(())
    }
    fn query_rows(&mut self, sql: &str) -> Result<QueryOutcome, DatabaseError> {
        self.alive()?;
        let mut outcome = QueryOutcome::default();
        let mut result = self.connection.query_iter(sql).map_err(|e| error(&e))?;
        while let Some(set) = result.iter() {
            outcome.affected += set.affected_rows();
            for row in set {
                let row = row.map_err(|e| error(&e))?;
                outcome.rows.push(
                    row.unwrap()
                        .into_iter()
                        .map(|value| match value {
                            mysql::Value::NULL => None,
                            mysql::Value::Bytes(bytes) => {
                                Some(String::from_utf8_lossy(&bytes).into_owned())
                            }
                            mysql::Value::Int(n) => Some(n.to_string()),
                            mysql::Value::UInt(n) => Some(n.to_string()),
                            other => Some(other.as_sql(true).trim_matches('\'').to_owned()),
                        })
                        .collect(),
                );
            }
        }
        Ok(outcome)
    }
    fn interrupter(&self) -> Option<Interrupter> {
        let id = self.connection.connection_id();
        let options = self.options.clone();
        Some(Box::new(move || {
            // What the mariadb client does on Ctrl-C: kill the running query from a second
            // connection.
            if let Ok(mut other) = open(&options) {
                let _ = run(&mut other, format!("KILL QUERY {id}"));
            }
        }))
    }
    fn open_another(&self) -> Result<Box<dyn Connection + Send>, DatabaseError> {
        Ok(Box::new(self.reopen()?))
    }
    fn sql_dialect(&self) -> Option<&'static dyn Dialect> {
        Some(&crate::dialect::MYSQL)
    }
    fn default_schema(&self) -> Option<String> {
        Some(self.database.clone())
    }
    fn version_table_exists(&mut self, table: &VersionTable) -> Result<bool, DatabaseError> {
        let count: Option<i64> = self
            .connection
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
                (table.schema.clone(), table.name.clone()),
            )
            .map_err(|e| error(&e))?;
        Ok(count.unwrap_or(0) > 0)
    }
    fn create_version_table(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        run(
            &mut self.connection,
            crate::dialect::MYSQL.create_version_table(table),
        )
        .map_err(|e| error(&e))
    }
    fn read_versions(&mut self, table: &VersionTable) -> Result<Vec<String>, DatabaseError> {
        self.connection
            .query(format!("SELECT version_num FROM {}", Self::table(table)))
            .map_err(|e| error(&e))
    }
    fn insert_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.connection
            .exec_drop(
                format!(
                    "INSERT INTO {} (version_num) VALUES (?)",
                    Self::table(table)
                ),
                (id,),
            )
            .map_err(|e| error(&e))
    }
    fn update_version(
        &mut self,
        table: &VersionTable,
        from: &str,
        to: &str,
    ) -> Result<(), DatabaseError> {
        self.connection
            .exec_drop(
                format!(
                    "UPDATE {} SET version_num = ? WHERE version_num = ?",
                    Self::table(table)
                ),
                (to, from),
            )
            .map_err(|e| error(&e))?;
        if self.connection.affected_rows() == 1 {
            Ok(())
        } else {
            Err(DatabaseError::new(format!(
                "the version table has no row '{from}' to update"
            )))
        }
    }
    fn delete_version(&mut self, table: &VersionTable, id: &str) -> Result<(), DatabaseError> {
        self.connection
            .exec_drop(
                format!("DELETE FROM {} WHERE version_num = ?", Self::table(table)),
                (id,),
            )
            .map_err(|e| error(&e))
    }
    fn purge_versions(&mut self, table: &VersionTable) -> Result<(), DatabaseError> {
        run(
            &mut self.connection,
            format!("DELETE FROM {}", Self::table(table)),
        )
        .map_err(|e| error(&e))
    }
    fn effect_already_present(&self, error: &DatabaseError) -> bool {
        // The server's code closes the message (see `describe`).
        let code = error
            .message
            .rsplit_once('(')
            .and_then(|(_, code)| code.strip_suffix(')'))
            .and_then(|code| code.parse::<u16>().ok());
        code.is_some_and(|code| ALREADY_PRESENT.contains(&code))
    }
}

impl Introspect for MysqlConnection {
    fn introspect(&mut self, filter: &IntrospectFilter) -> Result<Schema, DatabaseError> {
        crate::introspect::introspect(&mut self.connection, filter)
    }
    fn dialect_rules(&self) -> &'static dyn Dialect {
        &crate::dialect::MYSQL
    }
    fn parse_declared(
        &mut self,
        files: &[(PathBuf, String)],
        filter: &IntrospectFilter,
    ) -> Option<Schema> {
        // The parser prints types and defaults as MariaDB does; MySQL 8 spells them otherwise.
        // The parser takes only InnoDB tables (any other engine or table option is declined),
        // and a table without ENGINE is InnoDB only where that is the server's default.
        let (version, explicit_defaults_for_timestamp, default_engine): (String, bool, String) =
            self.connection
                .query_first(
                    "SELECT VERSION(), @@explicit_defaults_for_timestamp, @@default_storage_engine",
                )
                .ok()??;
        if !version.contains("MariaDB") || !default_engine.eq_ignore_ascii_case("InnoDB") {
            return None;
        }
        let rules = crate::declared::ServerRules {
            explicit_defaults_for_timestamp,
        };
        let mut schema = crate::declared::parse(files, rules).ok()?;
        schema
            .tables
            .retain(|name, _| !filter.leaves_out(&name.name));
        Some(schema)
    }
    fn name_in_another_database(
        &mut self,
        files: &[(PathBuf, String)],
    ) -> Result<Option<(PathBuf, usize, String)>, DatabaseError> {
        let databases: Vec<String> = self
            .connection
            .query("SHOW DATABASES")
            .map_err(|e| error(&e))?;
        Ok(crate::other_databases::first_reference(files, &databases))
    }
    fn unmodeled_objects(
        &mut self,
        _filter: &IntrospectFilter,
    ) -> Result<Vec<String>, DatabaseError> {
        // Views, triggers, routines and events are modeled, but not the order of several
        // triggers on one table for the same timing and event (FOLLOWS/PRECEDES), nor
        // partitions, nor the tables of engines that carry what information_schema does not
        // show (MERGE's UNION, FEDERATED's CONNECTION): created without them, the table would
        // lose them without a word. The engine and the create options of the others are
        // modeled (`table_storage`); a foreign key to a table of another engine than InnoDB is
        // refused (the scratch database takes one, its keys unchecked, and InnoDB would refuse
        // the engine change when the revision runs). A table's own collation shows in its
        // columns' (compared against the database's default, which the scratch database
        // shares). The `AUTO_INCREMENT=N` table option is the counter's state, not schema:
        // every dump of a used database carries it, so it is not compared (README). Nor is an
        // index's COMMENT: the model carries PostgreSQL's index comments only. Nor are an
        // INVISIBLE column (hidden from `SELECT *`) and an IGNORED index (kept up to date but
        // never used by the optimizer): created without the word, each would change what the
        // application or its plans see. A MEMORY table's keys are HASH unless declared
        // `USING BTREE`, and the model keeps no key type: created without it, the key would
        // lose its range scans. A key declared `USING HASH` on another engine is MariaDB's
        // long unique (a hidden hash column): created without the words it is a B-tree, unless
        // its columns cannot be one (a BLOB or TEXT, or wider than the engine's key), when
        // MariaDB makes it a hash again — that one is not refused.
        let engines = crate::table_storage::MODELED_ENGINES;
        self.connection
            .query(format!(
                "SELECT CONCAT('the order of the triggers ', GROUP_CONCAT(TRIGGER_NAME ORDER BY ACTION_ORDER SEPARATOR ', '), ' (all ', ACTION_TIMING, ' ', EVENT_MANIPULATION, ' on ', EVENT_OBJECT_TABLE, '; declare one trigger per timing and event)') \
                   FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
                   GROUP BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION HAVING COUNT(*) > 1 \
                 UNION ALL SELECT IF(TABLE_TYPE = 'SYSTEM VERSIONED', CONCAT('system versioning (WITH SYSTEM VERSIONING) of table ', TABLE_NAME), CONCAT(LOWER(TABLE_TYPE), ' ', TABLE_NAME)) FROM information_schema.TABLES \
                   WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE NOT IN ('BASE TABLE', 'VIEW') \
                 UNION ALL SELECT CONCAT('partitioning (PARTITION BY) of table ', TABLE_NAME) FROM information_schema.TABLES \
                   WHERE TABLE_SCHEMA = DATABASE() AND CREATE_OPTIONS LIKE '%partitioned%' \
                 UNION ALL SELECT CONCAT('ENGINE=', ENGINE, ' of table ', TABLE_NAME, ' (retort models the tables of {}; use one of them)') FROM information_schema.TABLES \
                   WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND ENGINE NOT IN ({}) \
                 UNION ALL SELECT CONCAT('the foreign key ', r.CONSTRAINT_NAME, ' of table ', r.TABLE_NAME, ', which references the ', t.ENGINE, ' table ', r.REFERENCED_TABLE_NAME, ' (only InnoDB keeps foreign keys: declare ', r.REFERENCED_TABLE_NAME, ' ENGINE=InnoDB, or leave the key out)') \
                   FROM information_schema.REFERENTIAL_CONSTRAINTS r JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = r.UNIQUE_CONSTRAINT_SCHEMA AND t.TABLE_NAME = r.REFERENCED_TABLE_NAME \
                   WHERE r.CONSTRAINT_SCHEMA = DATABASE() AND t.ENGINE <> 'InnoDB' \
                 UNION ALL SELECT DISTINCT CONCAT('the comment of index ', INDEX_NAME, ' on table ', TABLE_NAME) FROM information_schema.STATISTICS \
                   WHERE TABLE_SCHEMA = DATABASE() AND INDEX_COMMENT <> '' \
                 UNION ALL SELECT CONCAT('the INVISIBLE column ', COLUMN_NAME, ' of table ', TABLE_NAME, ' (declare it visible, or keep it in a hand-written revision)') FROM information_schema.COLUMNS \
                   WHERE TABLE_SCHEMA = DATABASE() AND EXTRA LIKE '%INVISIBLE%' \
                 UNION ALL SELECT DISTINCT CONCAT('the IGNORED index ', INDEX_NAME, ' on table ', TABLE_NAME, ' (declare it NOT IGNORED, or drop it)') FROM information_schema.STATISTICS \
                   WHERE TABLE_SCHEMA = DATABASE() AND IGNORED = 'YES' \
                 UNION ALL SELECT DISTINCT CONCAT('the USING BTREE key ', s.INDEX_NAME, ' of MEMORY table ', s.TABLE_NAME, ' (retort creates a MEMORY table''s keys with the engine''s default, HASH; drop USING BTREE, or keep the table in a hand-written revision)') \
                   FROM information_schema.STATISTICS s JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.TABLE_SCHEMA AND t.TABLE_NAME = s.TABLE_NAME \
                   WHERE s.TABLE_SCHEMA = DATABASE() AND t.ENGINE = 'MEMORY' AND s.INDEX_TYPE = 'BTREE' \
                 UNION ALL SELECT CONCAT('the USING HASH key ', s.INDEX_NAME, ' of table ', s.TABLE_NAME, ' (retort would create it as a B-tree key; drop USING HASH, or keep the key in a hand-written revision)') \
                   FROM information_schema.STATISTICS s JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.TABLE_SCHEMA AND t.TABLE_NAME = s.TABLE_NAME \
                   JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME \
                   WHERE s.TABLE_SCHEMA = DATABASE() AND t.ENGINE <> 'MEMORY' AND s.INDEX_TYPE = 'HASH' \
                   GROUP BY s.TABLE_NAME, s.INDEX_NAME, t.ENGINE, t.ROW_FORMAT \
                   HAVING SUM(c.DATA_TYPE LIKE '%blob' OR c.DATA_TYPE LIKE '%text') = 0 \
                     AND SUM(COALESCE(c.CHARACTER_OCTET_LENGTH, 8)) <= IF(t.ENGINE = 'InnoDB', IF(t.ROW_FORMAT IN ('Compact', 'Redundant'), 767, 3072), 1000) \
                 ORDER BY 1",
                engines.join(", "),
                engines.map(|engine| format!("'{engine}'")).join(", "),
            ))
            .map_err(|e| error(&e))
    }
    fn connect_again(&self) -> Option<Box<dyn Database>> {
        Some(Box::new(self.reopen().ok()?))
    }
    fn create_scratch(&mut self) -> Result<(Box<dyn Database>, String), DatabaseError> {
        let name = scratch_database_name();
        // The scratch database takes this database's collation: a routine's string parameter
        // without a character set takes the database's, and one that names it is compared
        // against the database's (see `routines::character_set`). A collation name is a word;
        // anything else leaves the server's default.
        let collation: Option<String> = self
            .connection
            .query_first("SELECT @@collation_database")
            .map_err(|e| error(&e))?;
        let collate = collation
            .filter(|c| !c.is_empty() && c.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .map(|c| format!(" COLLATE {c}"))
            .unwrap_or_default();
        run(
            &mut self.connection,
            format!(
                "CREATE DATABASE {}{collate}",
                crate::dialect::MYSQL.quote_identifier(&name)
            ),
        )
        .map_err(|e| {
            DatabaseError::new(format!(
                "cannot create the scratch database {name}: {}",
                describe(&e)
            ))
        })?;
        let options: mysql::Opts = mysql::OptsBuilder::from_opts(self.options.clone())
            .db_name(Some(name.clone()))
            .into();
        let mut connection = open(&options).map_err(|e| error(&e))?;
        // The declared schema may name a table before declaring it (files in any order, a
        // foreign-key cycle, mysqldump's output): the keys are checked when rows are written,
        // and a scratch database has none.
        run(&mut connection, "SET SESSION foreign_key_checks = 0").map_err(|e| error(&e))?;
        Ok((
            Box::new(Self {
                connection,
                options,
                lock_name: None,
                database: name.clone(),
                lost: false,
                scratch: true,
            }),
            name,
        ))
    }
    fn drop_scratch(&mut self, name: &str) -> Result<(), DatabaseError> {
        run(
            &mut self.connection,
            format!(
                "DROP DATABASE IF EXISTS {}",
                crate::dialect::MYSQL.quote_identifier(name)
            ),
        )
        .map_err(|e| error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9, finding 7: a frozen server or a dead host made a run hang with no bound.
    #[test]
    fn connections_have_keepalive_a_connect_timeout_and_take_read_timeout() {
        let options = options_from_url("mysql://root@h/db").unwrap();
        assert_eq!(
            options.get_tcp_connect_timeout(),
            Some(DEFAULT_CONNECT_TIMEOUT)
        );
        assert_eq!(options.get_tcp_keepalive_time_ms(), Some(30_000));
        assert_eq!(options.get_read_timeout(), None);
        let options = options_from_url(
            "mysql://root@h/db?read_timeout=2.5&write_timeout=4&connect_timeout=0",
        )
        .unwrap();
        assert_eq!(
            options.get_read_timeout(),
            Some(&Duration::from_millis(2500))
        );
        assert_eq!(options.get_write_timeout(), Some(&Duration::from_secs(4)));
        assert_eq!(options.get_tcp_connect_timeout(), None);
        assert!(options_from_url("mysql://root@h/db?read_timeout=-1").is_err());
    }

    /// Issue 9, finding 4: the lock name was `retort:.alembic_version` for every database on
    /// the server, so a run on one database blocked runs on unrelated databases.
    #[test]
    fn lock_name_names_the_database() {
        let table = VersionTable::default();
        assert_eq!(lock_name(&table, "shop"), "retort:shop.alembic_version");
        assert_ne!(lock_name(&table, "shop"), lock_name(&table, "billing"));
        let long = lock_name(&table, &"x".repeat(80));
        assert!(long.len() <= 64 && long.starts_with("retort:"), "{long}");
        assert_ne!(long, lock_name(&table, &"x".repeat(81)));
    }
}
