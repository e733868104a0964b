//! The migration loop. Online and offline (`--sql`) runs both go through [`run`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::connection::{Connection, DatabaseError, VersionTable};
use super::lease::{Lease, TakeOutcome};
use super::plan::{
    applied_heads, plan_downgrade, plan_stamp, plan_upgrade, Step, UnknownAppliedRevision,
};
use super::split::{split_statements, Statement};
use crate::revision::error::RevisionError;
use crate::revision::graph::RevisionGraph;
use crate::revision::script::Section;

/// What to do.
#[derive(Debug, Clone)]
pub enum Operation {
    Upgrade {
        target: String,
    },
    Downgrade {
        target: String,
    },
    Stamp {
        targets: Vec<String>,
        purge: bool,
    },
    /// Create the version table if it is missing, nothing else.
    EnsureVersionTable,
}

/// How long the migration lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockScope {
    /// For the whole run, across transactions (the default).
    #[default]
    Session,
    /// For one transaction that holds the whole run (for transaction-pooling proxies).
    Transaction,
    /// A lease row in the lock table, renewed by a heartbeat, expiring `lease` after its
    /// holder stops renewing it (any pooler, Galera).
    Table { lease: Duration },
}

/// How long the runner waits before it says whose lock it is waiting for.
pub const WAITING_NOTICE_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub version_table: VersionTable,
    /// One transaction per revision (true) or one for the whole run.
    pub transaction_per_migration: bool,
    pub lock_timeout: Option<Duration>,
    pub lock_scope: LockScope,
    /// Set (by a SIGINT/SIGTERM handler) to stop the run: before the next statement or
    /// revision, or when the cancelled statement fails, the run rolls back what is open,
    /// releases the lock and says what was applied.
    pub interrupted: Option<Arc<AtomicBool>>,
}

impl RunOptions {
    /// The options `config` sets (version table, transactions, lock mode); no lock timeout
    /// and no interruption flag. `offline`: a script is written, not run, so nothing is locked.
    pub fn for_config(config: &crate::config::Config, offline: bool) -> Self {
        use crate::config::LockMode;
        Self {
            version_table: config.version_table(),
            transaction_per_migration: config.transaction_per_migration,
            lock_timeout: None,
            interrupted: None,
            lock_scope: match config.lock_mode {
                LockMode::Session => LockScope::Session,
                LockMode::Transaction => LockScope::Transaction,
                LockMode::Table if offline => LockScope::Session,
                LockMode::Table => LockScope::Table {
                    lease: config.lock_lease,
                },
            },
        }
    }

    fn is_interrupted(&self) -> bool {
        self.interrupted
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::SeqCst))
    }
}

/// Progress, for the CLI's output or a library user's logs.
pub trait Reporter {
    fn step_started(&mut self, graph: &RevisionGraph, step: &Step, position: usize, total: usize) {
        let _ = (graph, step, position, total);
    }
    fn step_finished(&mut self, graph: &RevisionGraph, step: &Step, elapsed: Duration) {
        let _ = (graph, step, elapsed);
    }
    /// The lock has been held by another run for [`WAITING_NOTICE_AFTER`]; `holder` says who,
    /// when the database tells.
    fn waiting_for_lock(&mut self, holder: Option<&str>) {
        let _ = holder;
    }
}

/// A reporter that reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub steps: Vec<Step>,
    /// Version-table rows after the run.
    pub heads: Vec<String>,
}

/// Why a run stopped. Whatever the cause, the version table describes what was applied.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Revision(#[from] RevisionError),
    #[error(transparent)]
    UnknownApplied(#[from] UnknownAppliedRevision),
    #[error("cannot {action}: {source}")]
    Database {
        action: String,
        #[source]
        source: DatabaseError,
    },
    #[error("revision {revision} ({path}:{line}) failed: {message}")]
    Statement {
        revision: String,
        path: PathBuf,
        line: usize,
        statement: String,
        message: String,
        /// Lines of the statements of this revision that had already run (and, without
        /// transactional DDL, stay applied).
        applied_lines: Vec<usize>,
        rolled_back: bool,
    },
    #[error("revision {revision} ({path}) has a `transaction=false` section, which cannot run while lock_mode = \"transaction\" holds the whole run in one transaction")]
    OutsideTheLockTransaction { revision: String, path: PathBuf },
    #[error("revision {revision} ({path}) has a `foreign_keys=off` section that does not run in a transaction of its own")]
    ForeignKeysOffOutsideTransaction { revision: String, path: PathBuf },
    #[error("another run still holds the migration lock{} after {waited:.1?}", holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    LockBusy {
        holder: Option<String>,
        waited: Duration,
        table_mode: bool,
    },
    #[error("interrupted{}: {}", stopped_in.as_deref().map(|s| format!(" during {s}")).unwrap_or_default(), if applied.is_empty() { "no revision was applied".to_owned() } else { format!("applied {}", applied.join(", ")) })]
    Interrupted {
        /// The steps committed before the interruption (`a -> b`).
        applied: Vec<String>,
        /// The step that was running, rolled back (or, without transactional DDL, partly
        /// applied).
        stopped_in: Option<String>,
        rolled_back: bool,
    },
    #[error("revision {revision} ({path}) has no downgrade section: it cannot be reverted")]
    Irreversible { revision: String, path: PathBuf },
    #[error("revision {revision} ({path}:{line}): {statement} cannot run inside a transaction")]
    NeedsNoTransaction {
        revision: String,
        path: PathBuf,
        line: usize,
        statement: String,
        direction: &'static str,
    },
}

impl RunError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Revision(error) => error.hint(),
            Self::UnknownApplied(_) => Some(
                "restore the missing revision file, or re-stamp the database with `retort stamp --purge REV`".to_owned(),
            ),
            Self::Statement { applied_lines, rolled_back, revision, .. } => Some(if *rolled_back {
                format!("nothing of revision {revision} was kept; fix the statement and run the command again")
            } else if applied_lines.is_empty() {
                format!("no statement of revision {revision} ran; the version table still names the previous revision")
            } else {
                format!(
                    "this database commits DDL as it goes: the statements of {revision} starting on line(s) {} stay applied, and the version table still names the previous revision; undo them by hand or finish the revision, then re-run",
                    applied_lines.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                )
            }),
            Self::Irreversible { .. } => Some(
                "nothing was changed; add a `-- retort:downgrade` section, or stamp past it with `retort stamp`".to_owned(),
            ),
            Self::NeedsNoTransaction { direction, .. } => Some(format!(
                "nothing was changed; mark the section `-- retort:{direction} transaction=false` to run it outside a transaction"
            )),
            Self::ForeignKeysOffOutsideTransaction { .. } => Some(
                "nothing was changed; foreign keys are suspended by the transaction that checks them before it commits: drop `transaction=false` from the section (and use lock_mode = \"session\")".to_owned(),
            ),
            Self::OutsideTheLockTransaction { .. } => Some(
                "nothing was changed; run this revision through a direct connection with lock_mode = \"session\"".to_owned(),
            ),
            Self::LockBusy { table_mode: true, .. } => Some(
                "wait for that run to finish, or pass a longer --lock-timeout; if its holder is gone, its lease expires by itself, or clear it now with `retort unlock`".to_owned(),
            ),
            Self::LockBusy { .. } => Some(
                "wait for that run to finish, or pass a longer --lock-timeout; the lock ends with the session that holds it".to_owned(),
            ),
            Self::Database { source, .. } => source.hint.clone(),
            Self::Interrupted { stopped_in: Some(step), rolled_back: false, .. } => Some(format!(
                "the lock was released; {step} did not finish and this database commits DDL as it goes: check what of it ran before running the command again"
            )),
            Self::Interrupted { .. } => Some(
                "the lock was released and nothing half-done was kept; run the command again to continue".to_owned(),
            ),
        }
    }
}

fn database(action: &str) -> impl FnOnce(DatabaseError) -> RunError + '_ {
    move |source| RunError::Database {
        action: action.to_owned(),
        source,
    }
}

/// Run `operation` against `connection`, holding the migration lock throughout.
pub fn run(
    connection: &mut dyn Connection,
    graph: &RevisionGraph,
    operation: &Operation,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) -> Result<RunSummary, RunError> {
    let table = &options.version_table;
    match options.lock_scope {
        LockScope::Transaction => {
            connection
                .begin()
                .map_err(database("begin a transaction"))?;
            let result = wait_for_lock(
                connection,
                table,
                options.lock_timeout,
                reporter,
                |c, wait| c.lock_in_transaction(table, wait),
            )
            .and_then(|()| run_locked(connection, graph, operation, options, reporter, true, None));
            match result {
                Ok(summary) => {
                    connection.commit().map_err(database("commit"))?;
                    Ok(summary)
                }
                Err(error) => {
                    let _ = connection.rollback();
                    Err(error)
                }
            }
        }
        LockScope::Session => {
            wait_for_lock(
                connection,
                table,
                options.lock_timeout,
                reporter,
                |c, wait| c.lock(table, wait),
            )?;
            let result = run_locked(connection, graph, operation, options, reporter, false, None);
            let unlocked = connection
                .unlock()
                .map_err(database("release the migration lock"));
            let summary = result?;
            unlocked?;
            Ok(summary)
        }
        LockScope::Table { lease } => {
            let mut waiting = |holder: Option<String>| reporter.waiting_for_lock(holder.as_deref());
            let taken = Lease::take(connection, table, lease, options.lock_timeout, &mut waiting)
                .map_err(database("take the migration lock (lock_mode = \"table\")"))?;
            let lease = match taken {
                TakeOutcome::Taken(lease) => lease,
                TakeOutcome::Busy(holder) => {
                    return Err(RunError::LockBusy {
                        holder: holder.map(|h| h.describe()),
                        waited: options.lock_timeout.unwrap_or_default(),
                        table_mode: true,
                    })
                }
            };
            let result = run_locked(
                connection,
                graph,
                operation,
                options,
                reporter,
                false,
                Some(&lease),
            );
            let released = lease
                .release(connection)
                .map_err(database("release the migration lock"));
            let summary = result?;
            released?;
            Ok(summary)
        }
    }
}

/// Take a session or transaction lock with `attempt`, waiting up to `timeout`: after
/// [`WAITING_NOTICE_AFTER`] the reporter hears who holds it.
fn wait_for_lock(
    connection: &mut dyn Connection,
    table: &VersionTable,
    timeout: Option<Duration>,
    reporter: &mut dyn Reporter,
    mut attempt: impl FnMut(&mut dyn Connection, Option<Duration>) -> Result<bool, DatabaseError>,
) -> Result<(), RunError> {
    let first = timeout.map_or(WAITING_NOTICE_AFTER, |t| t.min(WAITING_NOTICE_AFTER));
    if attempt(connection, Some(first)).map_err(database("take the migration lock"))? {
        return Ok(());
    }
    let holder = connection.lock_holder(table).ok().flatten();
    let rest = timeout.map(|t| t.saturating_sub(first));
    if rest != Some(Duration::ZERO) {
        reporter.waiting_for_lock(holder.as_deref());
        if attempt(connection, rest).map_err(database("take the migration lock"))? {
            return Ok(());
        }
    }
    Err(RunError::LockBusy {
        holder: connection.lock_holder(table).ok().flatten().or(holder),
        waited: timeout.unwrap_or_default(),
        table_mode: false,
    })
}

/// The applied heads as the version table records them (no table: nothing applied).
pub fn read_heads(
    connection: &mut dyn Connection,
    table: &VersionTable,
) -> Result<Vec<String>, RunError> {
    if connection
        .version_table_exists(table)
        .map_err(database("read the version table"))?
    {
        connection
            .read_versions(table)
            .map_err(database("read the version table"))
    } else {
        Ok(Vec::new())
    }
}

/// `outer`: the caller holds one transaction around the whole run (lock_mode = transaction);
/// nothing here may commit or roll it back.
fn run_locked(
    connection: &mut dyn Connection,
    graph: &RevisionGraph,
    operation: &Operation,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
    outer: bool,
    lease: Option<&Lease>,
) -> Result<RunSummary, RunError> {
    let table = &options.version_table;
    let check_lease = || -> Result<(), RunError> {
        lease
            .map_or(Ok(()), Lease::check)
            .map_err(database("keep the migration lock"))
    };
    // State is read after the lock is taken: a concurrent run may just have applied revisions.
    let table_exists = connection
        .version_table_exists(table)
        .map_err(database("read the version table"))?;
    let rows = if table_exists {
        connection
            .read_versions(table)
            .map_err(database("read the version table"))?
    } else {
        Vec::new()
    };

    let steps = match operation {
        Operation::EnsureVersionTable => {
            if !table_exists {
                in_transaction(connection, outer, |c| c.create_version_table(table))
                    .map_err(database("create the version table"))?;
            }
            return Ok(RunSummary {
                steps: Vec::new(),
                heads: rows,
            });
        }
        Operation::Stamp { targets, purge } => {
            let current = if *purge {
                Vec::new()
            } else {
                applied_heads(graph, &rows)?
            };
            let changes = plan_stamp(graph, &current, targets, *purge)?;
            let mut wanted_ids: Vec<String> = if *purge { Vec::new() } else { rows.clone() };
            for change in &changes {
                wanted_ids.retain(|id| !change.delete.contains(id));
                wanted_ids.extend(change.insert.iter().cloned());
            }
            in_transaction(connection, outer, |c| {
                if !table_exists {
                    c.create_version_table(table)?;
                }
                if *purge {
                    c.purge_versions(table)?;
                }
                for change in &changes {
                    record(c, table, &change.delete, &change.insert)?;
                }
                Ok(())
            })
            .map_err(database("stamp the version table"))?;
            return Ok(RunSummary {
                steps: Vec::new(),
                heads: wanted_ids,
            });
        }
        Operation::Upgrade { target } => {
            plan_upgrade(graph, &applied_heads(graph, &rows)?, target)?
        }
        Operation::Downgrade { target } => {
            plan_downgrade(graph, &applied_heads(graph, &rows)?, target)?
        }
    };

    let prepared = prepare(connection, graph, &steps, outer)?;
    let mut heads = rows;
    if steps.is_empty() {
        return Ok(RunSummary { steps, heads });
    }

    let one_transaction = outer || !options.transaction_per_migration;
    // In one transaction for the whole run, foreign keys are off for all of it when any section
    // asks (the setting cannot change inside a transaction).
    let run_without_foreign_keys = one_transaction
        && steps.iter().any(|step| {
            graph
                .revision(step.revision)
                .script
                .section(step.direction)
                .is_some_and(|s| s.foreign_keys_off)
        });
    let mut open = outer;
    let mut table_ready = table_exists;
    let total = steps.len();
    // Committed steps, for the message when a signal stops the run.
    let mut committed: Vec<String> = Vec::new();
    let mut uncommitted: Vec<String> = Vec::new();
    let interrupted = |committed: &[String], stopped_in: Option<String>, rolled_back: bool| {
        RunError::Interrupted {
            applied: committed.to_vec(),
            stopped_in,
            rolled_back,
        }
    };
    for (position, (step, statements)) in steps.iter().zip(&prepared).enumerate() {
        let description = format!("{} {}", step.direction.keyword(), graph.id(step.revision));
        if options.is_interrupted() {
            let rolled_back = open && !outer;
            return Err(abort(
                connection,
                rolled_back,
                interrupted(&committed, None, true),
            ));
        }
        check_lease().map_err(|e| abort(connection, open && !outer, e))?;
        reporter.step_started(graph, step, position, total);
        let started = Instant::now();
        let script = &graph.revision(step.revision).script;
        let section = script
            .section(step.direction)
            .ok_or_else(|| RunError::Irreversible {
                revision: script.id.clone(),
                path: script.path.clone(),
            })?;
        if section.transactional {
            if !open {
                if section.foreign_keys_off || run_without_foreign_keys {
                    connection.begin_without_foreign_keys()
                } else {
                    connection.begin()
                }
                .map_err(database("begin a transaction"))?;
                open = true;
            }
        } else if open {
            connection.commit().map_err(database("commit"))?;
            open = false;
        }
        if !table_ready {
            // Created lazily, in the first step's transaction, as Alembic does.
            connection.create_version_table(table).map_err(|e| {
                abort(
                    connection,
                    open && !outer,
                    database("create the version table")(e),
                )
            })?;
            table_ready = true;
        }
        connection.annotate(&format!(
            "Running {} {}",
            step.direction.keyword(),
            super::plan::describe_step(graph, step)
        ));
        execute_section(connection, graph, step, statements, open, outer, options).map_err(
            |error| match error {
                RunError::Interrupted { rolled_back, .. } => {
                    interrupted(&committed, Some(description.clone()), rolled_back)
                }
                other => other,
            },
        )?;
        // A signal during the last statement that did not make it fail (MariaDB's SLEEP
        // returns early without an error): stop before recording the revision.
        if options.is_interrupted() {
            let rolled_back = open && connection.transactional_ddl();
            return Err(abort(
                connection,
                open && !outer,
                interrupted(&committed, Some(description), rolled_back),
            ));
        }
        if !open {
            connection
                .begin()
                .map_err(database("begin a transaction"))?;
            open = true;
        }
        record(connection, table, &step.delete, &step.insert).map_err(|e| {
            abort(
                connection,
                open && !outer,
                database("update the version table")(e),
            )
        })?;
        uncommitted.push(description);
        if !one_transaction {
            check_lease().map_err(|e| abort(connection, open && !outer, e))?;
            connection.commit().map_err(database("commit"))?;
            open = false;
            committed.append(&mut uncommitted);
        }
        heads.retain(|h| !step.delete.contains(h));
        heads.extend(step.insert.iter().cloned());
        reporter.step_finished(graph, step, started.elapsed());
    }
    if open && !outer {
        check_lease().map_err(|e| abort(connection, true, e))?;
        connection.commit().map_err(database("commit"))?;
    }
    Ok(RunSummary { steps, heads })
}

/// Split every step's SQL and check, before anything runs, that each step can be reverted and
/// that no statement that refuses transactions sits in a transactional section.
fn prepare(
    connection: &dyn Connection,
    graph: &RevisionGraph,
    steps: &[Step],
    outer: bool,
) -> Result<Vec<Vec<Statement>>, RunError> {
    let mut prepared = Vec::with_capacity(steps.len());
    for step in steps {
        let script = &graph.revision(step.revision).script;
        let Some(section) = script.section(step.direction) else {
            return Err(RunError::Irreversible {
                revision: script.id.clone(),
                path: script.path.clone(),
            });
        };
        let statements = statements_of(section, connection);
        if section.foreign_keys_off && (!section.transactional || outer) {
            return Err(RunError::ForeignKeysOffOutsideTransaction {
                revision: script.id.clone(),
                path: script.path.clone(),
            });
        }
        if !section.transactional && outer {
            return Err(RunError::OutsideTheLockTransaction {
                revision: script.id.clone(),
                path: script.path.clone(),
            });
        }
        if section.transactional {
            for statement in &statements {
                if let Some(kind) = connection.non_transactional_statement(&statement.sql) {
                    return Err(RunError::NeedsNoTransaction {
                        revision: script.id.clone(),
                        path: script.path.clone(),
                        line: statement.line,
                        statement: kind.to_owned(),
                        direction: step.direction.keyword(),
                    });
                }
            }
        }
        prepared.push(statements);
    }
    Ok(prepared)
}

/// Statements with lines counted from the top of the file.
fn statements_of(section: &Section, connection: &dyn Connection) -> Vec<Statement> {
    split_statements(&section.sql, connection.escapes())
        .into_iter()
        .map(|statement| Statement {
            line: section.first_line + statement.line - 1,
            sql: statement.sql,
        })
        .collect()
}

fn execute_section(
    connection: &mut dyn Connection,
    graph: &RevisionGraph,
    step: &Step,
    statements: &[Statement],
    in_transaction: bool,
    outer: bool,
    options: &RunOptions,
) -> Result<(), RunError> {
    let script = &graph.revision(step.revision).script;
    let mut applied_lines = Vec::new();
    for statement in statements {
        if options.is_interrupted() {
            let rolled_back =
                applied_lines.is_empty() || (in_transaction && connection.transactional_ddl());
            if in_transaction && !outer {
                let _ = connection.rollback();
            }
            return Err(RunError::Interrupted {
                applied: Vec::new(),
                stopped_in: None,
                rolled_back,
            });
        }
        if let Err(error) = connection.execute(&statement.sql) {
            let rolled_back = in_transaction && connection.transactional_ddl();
            // The caller owns an outer transaction and rolls it back itself.
            if in_transaction && !outer {
                let _ = connection.rollback();
            }
            // The statement failed because a signal cancelled it.
            if options.is_interrupted() {
                return Err(RunError::Interrupted {
                    applied: Vec::new(),
                    stopped_in: None,
                    rolled_back: rolled_back || applied_lines.is_empty(),
                });
            }
            return Err(RunError::Statement {
                revision: script.id.clone(),
                path: script.path.clone(),
                line: statement.line,
                statement: statement.sql.clone(),
                message: error.message,
                applied_lines: if rolled_back {
                    Vec::new()
                } else {
                    applied_lines
                },
                rolled_back,
            });
        }
        applied_lines.push(statement.line);
    }
    Ok(())
}

/// Change the version table as [`RowChange`](super::plan::RowChange) says, in Alembic's order:
/// the first deleted row is updated to the last inserted one, the other inserts and deletes
/// around it.
fn record(
    connection: &mut dyn Connection,
    table: &VersionTable,
    delete: &[String],
    insert: &[String],
) -> Result<(), DatabaseError> {
    if let (Some((from, other_deletes)), Some((to, other_inserts))) =
        (delete.split_first(), insert.split_last())
    {
        for id in other_inserts {
            connection.insert_version(table, id)?;
        }
        for id in other_deletes {
            connection.delete_version(table, id)?;
        }
        return connection.update_version(table, from, to);
    }
    for id in delete {
        connection.delete_version(table, id)?;
    }
    for id in insert {
        connection.insert_version(table, id)?;
    }
    Ok(())
}

fn abort(connection: &mut dyn Connection, open: bool, error: RunError) -> RunError {
    if open {
        let _ = connection.rollback();
    }
    error
}

fn in_transaction(
    connection: &mut dyn Connection,
    outer: bool,
    body: impl FnOnce(&mut dyn Connection) -> Result<(), DatabaseError>,
) -> Result<(), DatabaseError> {
    if outer {
        return body(connection);
    }
    connection.begin()?;
    match body(connection) {
        Ok(()) => connection.commit(),
        Err(error) => {
            let _ = connection.rollback();
            Err(error)
        }
    }
}
