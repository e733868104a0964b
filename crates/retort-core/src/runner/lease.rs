//! `lock_mode = "table"`: the migration lock as a lease row in a lock table, for places where
//! a session lock excludes nobody — any connection pooler, a Galera cluster (whose `GET_LOCK`
//! is node-local), engines without advisory locks.
//!
//! ```text
//! take:      CREATE TABLE IF NOT EXISTS retort_lock (...)
//!            DELETE the row of this key if its lease expired (its holder died)
//!            INSERT the row unless one exists   ─► one row inserted: ours
//! heartbeat: on a second connection, every third of the lease:
//!            UPDATE ... SET expires_at = now + lease WHERE key AND our token
//!            (no row: someone cleared it — the run stops before its next commit)
//! release:   DELETE ... WHERE key AND our token (success, error, or signal)
//! ```
//!
//! Why the database's clock: hosts' clocks disagree, the database is the one place every run
//! reads the same time from. Why a token: a holder whose lease expired and was taken over must
//! never renew or delete the new holder's row. Every statement is a single autocommit
//! statement with literals (no prepared statements), so it works through PgBouncer in
//! transaction pooling.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::connection::{Connection, DatabaseError, VersionTable};
use crate::dialect::Dialect;

/// The lock table's name (in the version table's schema).
pub const LOCK_TABLE: &str = "retort_lock";

/// Who holds a lease, as recorded in its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub host: String,
    pub pid: i64,
    /// Milliseconds since the Unix epoch, by the database's clock.
    pub acquired_at: i64,
    pub expires_at: i64,
    /// The database's clock when this was read.
    pub now: i64,
}

impl LeaseHolder {
    /// `pid 123 on host web-1 since 2026-12-02 01:02:03 UTC, lease expires in 12.0 s`.
    pub fn describe(&self) -> String {
        let since = chrono::DateTime::from_timestamp_millis(self.acquired_at).map_or_else(
            || self.acquired_at.to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        );
        let remaining = self.expires_at - self.now;
        let lease = if remaining >= 0 {
            format!("lease expires in {:.1} s", millis_to_seconds(remaining))
        } else {
            format!("lease expired {:.1} s ago", millis_to_seconds(-remaining))
        };
        format!(
            "pid {} on host {} since {since}, {lease}",
            self.pid, self.host
        )
    }
}

#[allow(
    clippy::cast_precision_loss,
    reason = "milliseconds of a lease, shown to a tenth of a second"
)]
fn millis_to_seconds(millis: i64) -> f64 {
    millis as f64 / 1000.0
}

/// The SQL of the lease table in one dialect.
#[derive(Clone)]
struct LeaseSql {
    dialect: &'static dyn Dialect,
    table: String,
    key: String,
}

impl LeaseSql {
    fn new(
        connection: &dyn Connection,
        version_table: &VersionTable,
    ) -> Result<Self, DatabaseError> {
        let Some(dialect) = connection.sql_dialect() else {
            return Err(connection.not_yet("lock_mode = \"table\""));
        };
        let lock_table = VersionTable {
            name: LOCK_TABLE.to_owned(),
            schema: version_table.schema.clone(),
        };
        Ok(Self {
            dialect,
            table: dialect.table_name(&lock_table),
            key: lease_key(connection, version_table),
        })
    }

    /// The database's clock in milliseconds since the epoch.
    fn now(&self) -> &'static str {
        self.dialect.now_milliseconds()
    }

    fn key_literal(&self) -> String {
        self.dialect.string_literal(&self.key)
    }

    fn create(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (lock_key VARCHAR(255) NOT NULL PRIMARY KEY, token VARCHAR(64) NOT NULL, host VARCHAR(255) NOT NULL, pid BIGINT NOT NULL, acquired_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)",
            self.table
        )
    }

    fn delete_expired(&self) -> String {
        format!(
            "DELETE FROM {} WHERE lock_key = {} AND expires_at < {}",
            self.table,
            self.key_literal(),
            self.now()
        )
    }

    fn insert(&self, token: &str, host: &str, pid: u32, lease: Duration) -> String {
        let values = format!(
            "({}, {}, {}, {pid}, {now}, {now} + {})",
            self.key_literal(),
            self.dialect.string_literal(token),
            self.dialect.string_literal(host),
            lease.as_millis(),
            now = self.now(),
        );
        let columns = "(lock_key, token, host, pid, acquired_at, expires_at)";
        self.dialect
            .insert_or_ignore(&self.table, columns, &values, "lock_key")
    }

    fn renew(&self, token: &str, lease: Duration) -> String {
        format!(
            "UPDATE {} SET expires_at = {} + {} WHERE lock_key = {} AND token = {}",
            self.table,
            self.now(),
            lease.as_millis(),
            self.key_literal(),
            self.dialect.string_literal(token)
        )
    }

    fn release(&self, token: Option<&str>) -> String {
        let mut sql = format!(
            "DELETE FROM {} WHERE lock_key = {}",
            self.table,
            self.key_literal()
        );
        if let Some(token) = token {
            sql.push_str(&format!(
                " AND token = {}",
                self.dialect.string_literal(token)
            ));
        }
        sql
    }

    fn holder(&self) -> String {
        format!(
            "SELECT host, pid, acquired_at, expires_at, {} FROM {} WHERE lock_key = {}",
            self.now(),
            self.table,
            self.key_literal()
        )
    }
}

/// The key of a version table's lease: its schema (the connection's default when not set)
/// and name. The lock table lives in the database being migrated, so the database is implied.
pub(crate) fn lease_key(connection: &dyn Connection, table: &VersionTable) -> String {
    let schema = table
        .schema
        .clone()
        .or_else(|| connection.default_schema())
        .unwrap_or_default();
    format!("{schema}.{}", table.name)
}

fn read_holder(
    connection: &mut dyn Connection,
    sql: &LeaseSql,
) -> Result<Option<LeaseHolder>, DatabaseError> {
    let outcome = connection.query_rows(&sql.holder())?;
    let Some(row) = outcome.rows.into_iter().next() else {
        return Ok(None);
    };
    let text = |index: usize| row.get(index).cloned().flatten().unwrap_or_default();
    let number = |index: usize| text(index).trim().parse::<i64>().unwrap_or_default();
    Ok(Some(LeaseHolder {
        host: text(0),
        pid: number(1),
        acquired_at: number(2),
        expires_at: number(3),
        now: number(4),
    }))
}

fn lock_table_exists(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
) -> Result<bool, DatabaseError> {
    connection.version_table_exists(&VersionTable {
        name: LOCK_TABLE.to_owned(),
        schema: version_table.schema.clone(),
    })
}

/// Who holds the lease of `version_table`, if anyone (`retort unlock`, the waiting line).
pub fn lease_holder(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
) -> Result<Option<LeaseHolder>, DatabaseError> {
    if !lock_table_exists(connection, version_table)? {
        return Ok(None);
    }
    let sql = LeaseSql::new(connection, version_table)?;
    read_holder(connection, &sql)
}

/// Clear the lease of `version_table` whoever holds it (`retort unlock`); returns who did.
pub fn clear_lease(
    connection: &mut dyn Connection,
    version_table: &VersionTable,
) -> Result<Option<LeaseHolder>, DatabaseError> {
    let holder = lease_holder(connection, version_table)?;
    if holder.is_some() {
        let sql = LeaseSql::new(connection, version_table)?;
        connection.query_rows(&sql.release(None))?;
    }
    Ok(holder)
}

/// This machine's name, for the lease row.
fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// A held lease; released by [`Lease::release`] (the runner calls it on every path).
pub struct Lease {
    sql: LeaseSql,
    token: String,
    stop: Option<mpsc::Sender<()>>,
    heartbeat: Option<std::thread::JoinHandle<Result<(), DatabaseError>>>,
    lost: Arc<AtomicBool>,
}

/// Why no lease was taken within the wait.
pub enum TakeOutcome {
    Taken(Lease),
    Busy(Option<LeaseHolder>),
}

impl Lease {
    /// Take the lease of `version_table`, waiting up to `wait` (forever when `None`) and
    /// calling `waiting` once with the holder after a second of waiting.
    pub fn take(
        connection: &mut dyn Connection,
        version_table: &VersionTable,
        lease: Duration,
        wait: Option<Duration>,
        waiting: &mut dyn FnMut(Option<String>),
    ) -> Result<TakeOutcome, DatabaseError> {
        let sql = LeaseSql::new(connection, version_table)?;
        // Only when missing: on Galera even `CREATE TABLE IF NOT EXISTS` runs as cluster-wide
        // DDL (total order isolation), which aborts other nodes' writes to the table, and
        // those writes are how the lease is taken.
        if !lock_table_exists(connection, version_table)? {
            create_table(connection, &sql)?;
        }
        let token = format!("{:016x}", rand::random::<u64>());
        let host = host_name();
        let started = Instant::now();
        let mut reported = false;
        loop {
            if try_insert(connection, &sql, &token, &host, lease)? {
                break;
            }
            let waited = started.elapsed();
            if wait.is_some_and(|wait| waited >= wait) {
                return Ok(TakeOutcome::Busy(read_holder(connection, &sql)?));
            }
            if !reported && waited >= Duration::from_secs(1) {
                reported = true;
                waiting(read_holder(connection, &sql)?.map(|h| h.describe()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let lost = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel();
        let heartbeat = match connection.open_another() {
            Ok(other) => {
                let sql = sql.clone();
                let token = token.clone();
                let lost = Arc::clone(&lost);
                Some(std::thread::spawn(move || {
                    heartbeat(other, &sql, &token, lease, &stopped, &lost)
                }))
            }
            Err(error) => {
                let _ = connection.query_rows(&sql.release(Some(&token)));
                return Err(DatabaseError::new(format!(
                    "cannot open the lease lock's heartbeat connection: {}",
                    error.message
                )));
            }
        };
        Ok(TakeOutcome::Taken(Lease {
            sql,
            token,
            stop: Some(stop),
            heartbeat,
            lost,
        }))
    }

    /// An error when the lease was lost (cleared by `retort unlock`, or not renewed within the
    /// lease): the run must stop before it commits anything more.
    pub fn check(&self) -> Result<(), DatabaseError> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(DatabaseError::new(format!(
                "the migration lock's lease ({} in {}) was lost: it was cleared (`retort unlock`) or not renewed within the lease",
                self.sql.key, self.sql.table
            ))
            .with_hint("nothing more was committed; another run may hold the lock now: let it finish, check `retort current`, then run the command again"));
        }
        Ok(())
    }

    /// Stop the heartbeat and delete the lease row (on the heartbeat's connection, or on
    /// `connection` if that one failed).
    pub fn release(mut self, connection: &mut dyn Connection) -> Result<(), DatabaseError> {
        drop(self.stop.take());
        let released = match self.heartbeat.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(DatabaseError::new("the lease heartbeat thread panicked")),
            None => Err(DatabaseError::new("no heartbeat")),
        };
        if released.is_ok() {
            return Ok(());
        }
        connection
            .query_rows(&self.sql.release(Some(&self.token)))
            .map(drop)
    }
}

/// One attempt at the lease: clear an expired row, then insert ours. `false` when another run
/// holds it.
fn try_insert(
    connection: &mut dyn Connection,
    sql: &LeaseSql,
    token: &str,
    host: &str,
    lease: Duration,
) -> Result<bool, DatabaseError> {
    let attempt = connection
        .query_rows(&sql.delete_expired())
        .and_then(|_| connection.query_rows(&sql.insert(token, host, std::process::id(), lease)));
    match attempt {
        Ok(outcome) => Ok(outcome.affected == 1),
        // Galera certifies each write against the other nodes' at commit: when two runs on
        // different nodes delete the same expired row or insert the lease at once, one of them
        // fails with a deadlock error. That run simply did not get the lease this time.
        Err(error) if error.message.to_ascii_lowercase().contains("deadlock") => Ok(false),
        Err(error) => Err(error),
    }
}

fn create_table(connection: &mut dyn Connection, sql: &LeaseSql) -> Result<(), DatabaseError> {
    // PostgreSQL's IF NOT EXISTS can still fail when two runs create the table at the same
    // instant (a unique violation in its catalog): the second attempt finds it.
    if connection.query_rows(&sql.create()).is_ok() {
        return Ok(());
    }
    std::thread::sleep(Duration::from_millis(100));
    connection.query_rows(&sql.create()).map(drop)
}

/// Renew the lease every third of it until told to stop (the sender dropped), then delete the
/// row. A lease that could not be renewed in time, or whose row is gone, is marked lost.
fn heartbeat(
    mut connection: Box<dyn Connection + Send>,
    sql: &LeaseSql,
    token: &str,
    lease: Duration,
    stopped: &mpsc::Receiver<()>,
    lost: &AtomicBool,
) -> Result<(), DatabaseError> {
    let mut renewed = Instant::now();
    loop {
        match stopped.recv_timeout(lease / 3) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                return connection.query_rows(&sql.release(Some(token))).map(drop);
            }
        }
        match connection.query_rows(&sql.renew(token, lease)) {
            Ok(outcome) if outcome.affected >= 1 => renewed = Instant::now(),
            Ok(_) => lost.store(true, Ordering::SeqCst),
            Err(_) if renewed.elapsed() >= lease => lost.store(true, Ordering::SeqCst),
            Err(_) => {}
        }
    }
}
