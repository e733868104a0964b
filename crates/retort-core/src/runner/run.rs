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
use super::progress::{self, Progress};
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
    /// Continue a revision that an earlier run left partly applied on a database without
    /// transactional DDL, from the statement its progress record names (`--resume`).
    pub resume: bool,
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
            resume: false,
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
    /// The version table's rows as the run found them: read once the lock is held, before
    /// any step (none when the table does not exist yet).
    fn versions_read(&mut self, rows: &[String]) {
        let _ = rows;
    }
    /// Something the user should know that is not an error (a resumed statement found
    /// already applied).
    fn note(&mut self, text: &str) {
        let _ = text;
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
        /// Lines of the statements of this revision that ran and are committed (without
        /// transactional DDL: each DDL statement, and what ran before it).
        committed_lines: Vec<usize>,
        /// Lines of the statements of this revision that ran in the transaction the failure
        /// rolled back.
        rolled_back_lines: Vec<usize>,
        /// A progress record says where the revision stopped (`--resume` continues it).
        progress_recorded: bool,
        /// What the connection knows about the failure (a lost connection), said first.
        database_hint: Option<String>,
    },
    #[error("{}", describe_interrupted_revision(.0))]
    InterruptedRevision(Box<InterruptedRevision>),
    #[error("cannot resume {direction} {revision}: {reason}")]
    CannotResume {
        revision: String,
        direction: &'static str,
        reason: String,
        hint: String,
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
    #[error("revision {revision} ({path}) needs a hand before its {direction} can run: {reason}")]
    NeedsHand {
        revision: String,
        path: PathBuf,
        direction: &'static str,
        reason: String,
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
            Self::UnknownApplied(error) => Some(error.hint()),
            Self::Statement { committed_lines, rolled_back_lines, revision, database_hint: Some(first), .. } => Some(format!("{first}; {}", statement_facts(revision, committed_lines, rolled_back_lines))),
            Self::Statement { committed_lines, rolled_back_lines, progress_recorded, revision, line, database_hint: None, .. } => Some(statement_hint(revision, *line, committed_lines, rolled_back_lines, *progress_recorded)),
            Self::InterruptedRevision(report) => Some(interrupted_revision_hint(report)),
            Self::CannotResume { hint, .. } => Some(hint.clone()),
            Self::NeedsHand { path, direction, .. } => Some(format!(
                "nothing was changed; write the SQL the reason asks for in the `-- retort:{direction}` section of {}, then remove its `needs_hand=\"…\"` option",
                path.display()
            )),
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
                "the lock was released; {step} did not finish and this database commits DDL as it goes: its progress is recorded, and the next run says which of its statements ran; run the command again with `--resume` to continue it"
            )),
            Self::Interrupted { .. } => Some(
                "the lock was released and nothing half-done was kept; run the command again to continue".to_owned(),
            ),
        }
    }
}

/// A revision that an earlier run left partly applied (a progress record says where it
/// stopped), as the next run reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptedRevision {
    pub revision: String,
    pub direction: &'static str,
    /// The revision file (`None`: no revision file has this id any more).
    pub path: Option<PathBuf>,
    /// Lines of the statements that ran (statement numbers, 1-based, when the file changed).
    pub ran: Vec<usize>,
    /// The line of the statement that was running when the run stopped: it may have run.
    pub in_flight: Option<usize>,
    /// Lines of the statements that did not run.
    pub not_run: Vec<usize>,
    /// The line `--resume` starts from.
    pub resume_line: usize,
    /// The statements of the file that ran (and the one in flight) are not those that were
    /// run (their checksum differs).
    pub file_changed: bool,
}

impl InterruptedRevision {
    /// What ran, what may have and what did not (the error's message).
    pub fn describe(&self) -> String {
        describe_interrupted_revision(self)
    }

    /// How to continue or finish it.
    pub fn hint(&self) -> String {
        interrupted_revision_hint(self)
    }
}

/// The revision an earlier run left half-done on a database without transactional DDL, if its
/// progress record says so (`retort current` shows it).
pub fn interrupted(
    connection: &mut dyn Connection,
    graph: &RevisionGraph,
    table: &VersionTable,
) -> Result<Option<InterruptedRevision>, RunError> {
    if !progress::applies_to(connection) {
        return Ok(None);
    }
    let record = progress::read(connection, table).map_err(database("read the progress record"))?;
    Ok(record.map(|progress| interrupted_revision(connection, graph, &progress)))
}

fn lines(lines: &[usize]) -> String {
    let list = lines
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() == 1 {
        format!("line {list}")
    } else {
        format!("lines {list}")
    }
}

fn describe_interrupted_revision(report: &InterruptedRevision) -> String {
    let InterruptedRevision {
        revision,
        direction,
        path,
        ran,
        in_flight,
        not_run,
        file_changed,
        ..
    } = report;
    let place = path
        .as_ref()
        .map(|p| format!(" ({})", p.display()))
        .unwrap_or_default();
    let unit = |numbers: &[usize]| {
        if *file_changed {
            let list = numbers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            format!("statement(s) {list} of the file as it was run")
        } else {
            format!("the statement(s) on {}", lines(numbers))
        }
    };
    let mut parts = Vec::new();
    if ran.is_empty() {
        parts.push("no statement of it was committed".to_owned());
    } else {
        parts.push(format!("{} ran", unit(ran)));
    }
    if let Some(line) = in_flight {
        parts.push(format!(
            "{} may have run (it was running when the run stopped)",
            unit(&[*line])
        ));
    }
    if !not_run.is_empty() {
        parts.push(format!("{} did not run", unit(not_run)));
    }
    if *file_changed {
        parts.push("the file has changed since".to_owned());
    }
    format!(
        "an earlier run did not finish the {direction} of revision {revision}{place}: {}; the version table still names the revision(s) before it",
        parts.join("; ")
    )
}

fn interrupted_revision_hint(report: &InterruptedRevision) -> String {
    let by_hand = format!(
        "or finish it by hand and record it with `retort stamp {}`, which also clears the progress record",
        if report.direction == "upgrade" {
            report.revision.clone()
        } else {
            format!("<the revision before {}>", report.revision)
        }
    );
    if report.file_changed {
        return format!(
            "restore revision {} as it was run and continue with `--resume`, {by_hand}",
            report.revision
        );
    }
    let again = if report.in_flight.is_some() {
        " (the statement that may have run is run again, and counted as run when the database answers that its effect is already there)"
    } else {
        ""
    };
    format!(
        "run the command again with `--resume` to continue the {} of {} from line {}{again}; {by_hand}",
        report.direction, report.revision, report.resume_line
    )
}

/// What is known of the statements of `revision` that ran before the failing one.
fn statement_facts(revision: &str, committed: &[usize], rolled_back: &[usize]) -> String {
    let mut known = Vec::new();
    if committed.is_empty() && rolled_back.is_empty() {
        known.push(format!("no other statement of revision {revision} ran"));
    }
    if !rolled_back.is_empty() {
        known.push(format!(
            "the statement(s) of {revision} on {} ran in a transaction that was rolled back",
            lines(rolled_back)
        ));
    }
    if !committed.is_empty() {
        known.push(format!(
            "this database commits DDL as it goes: the statement(s) of {revision} on {} are committed",
            lines(committed)
        ));
    }
    known.join("; ")
}

fn statement_hint(
    revision: &str,
    line: usize,
    committed: &[usize],
    rolled_back: &[usize],
    progress_recorded: bool,
) -> String {
    let known = statement_facts(revision, committed, rolled_back);
    if progress_recorded {
        format!(
            "{known}; the version table still names the revision(s) before {revision}, and the progress record says where it stopped: fix the statement on line {line}, then run the command again with `--resume` to continue from it (or finish the revision by hand and record it with `retort stamp`)"
        )
    } else {
        format!("{known}; nothing of revision {revision} was kept: fix the statement and run the command again")
    }
}

/// What to say about `progress`, left by an earlier run.
fn interrupted_revision(
    connection: &dyn Connection,
    graph: &RevisionGraph,
    progress: &Progress,
) -> InterruptedRevision {
    let section = graph.index_of(&progress.revision).and_then(|index| {
        let script = &graph.revision(index).script;
        script
            .section(progress.direction)
            .map(|section| (script.path.clone(), statements_of(section, connection)))
    });
    let next = progress.next_statement;
    let covered = next + usize::from(progress.in_flight);
    let (path, file_changed, numbers) = match &section {
        Some((path, statements))
            if covered <= statements.len()
                && progress::ran_checksum(&statements[..covered]) == progress.ran_checksum =>
        {
            let numbers: Vec<usize> = statements.iter().map(|s| s.line).collect();
            (Some(path.clone()), false, numbers)
        }
        Some((path, statements)) => (
            Some(path.clone()),
            true,
            (1..=statements.len().max(next + 1)).collect(),
        ),
        None => (None, true, (1..=next + 1).collect()),
    };
    let ran = numbers.iter().copied().take(next).collect();
    let in_flight = progress
        .in_flight
        .then(|| numbers.get(next).copied())
        .flatten();
    let not_run = if file_changed {
        Vec::new()
    } else {
        numbers
            .iter()
            .copied()
            .skip(next + usize::from(progress.in_flight))
            .collect()
    };
    InterruptedRevision {
        revision: progress.revision.clone(),
        direction: progress.direction.keyword(),
        path,
        ran,
        in_flight,
        not_run,
        resume_line: if file_changed {
            progress.line
        } else {
            numbers.get(next).copied().unwrap_or(progress.line)
        },
        file_changed,
    }
}

/// Where `--resume` starts the first step: checked against the progress record.
fn resume_point(
    connection: &dyn Connection,
    graph: &RevisionGraph,
    steps: &[Step],
    progress: &Progress,
) -> Result<Resume, RunError> {
    let report = interrupted_revision(connection, graph, progress);
    let cannot = |reason: String, hint: String| RunError::CannotResume {
        revision: progress.revision.clone(),
        direction: progress.direction.keyword(),
        reason,
        hint,
    };
    let example = match progress.direction {
        crate::revision::script::Direction::Upgrade => "retort upgrade head --resume",
        crate::revision::script::Direction::Downgrade => "retort downgrade -1 --resume",
    };
    let finish_first = format!(
        "nothing was changed; finish the interrupted {} of {} first, with a command whose first step it is (`{example}`), or finish it by hand and record it with `retort stamp`",
        progress.direction.keyword(),
        progress.revision
    );
    let Some(first) = steps.first() else {
        return Err(cannot(
            format!(
                "this command has nothing to run, but the interrupted {} of {} is not finished",
                progress.direction.keyword(),
                progress.revision
            ),
            finish_first,
        ));
    };
    if graph.id(first.revision) != progress.revision || first.direction != progress.direction {
        return Err(cannot(
            format!(
                "this command starts with the {} of {}",
                first.direction.keyword(),
                graph.id(first.revision)
            ),
            finish_first,
        ));
    }
    if report.file_changed {
        return Err(cannot(
            format!(
                "{} has changed since it was run (the checksum of the {} statements that ran differs from the progress record's)",
                report
                    .path
                    .as_ref()
                    .map_or_else(|| "the revision file".to_owned(), |p| p.display().to_string()),
                progress.direction.keyword()
            ),
            format!(
                "nothing was changed; restore the file as it was run and resume, or finish the revision by hand and record it with `retort stamp`; {}",
                describe_interrupted_revision(&report)
            ),
        ));
    }
    Ok(Resume {
        statement: progress.next_statement,
        in_flight: progress.in_flight,
    })
}

/// Where a resumed step starts.
#[derive(Debug, Clone, Copy)]
struct Resume {
    statement: usize,
    /// The first statement may have run already.
    in_flight: bool,
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
    reporter.versions_read(&rows);
    // Without transactional DDL, a revision an earlier run left half-done is recorded.
    let tracked = !outer && progress::applies_to(connection);
    let left_over = if tracked && !matches!(operation, Operation::EnsureVersionTable) {
        progress::read(connection, table).map_err(database("read the progress record"))?
    } else {
        None
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
                // Stamping says where the database is: a revision left half-done is settled.
                if tracked && progress::table_exists(c, table)? {
                    progress::clear(c, table)?;
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
    let resume = match &left_over {
        Some(left_over) if options.resume => {
            Some(resume_point(connection, graph, &steps, left_over)?)
        }
        Some(left_over) => {
            return Err(RunError::InterruptedRevision(Box::new(
                interrupted_revision(connection, graph, left_over),
            )))
        }
        None => None,
    };
    let mut heads = rows;
    if steps.is_empty() {
        return Ok(RunSummary { steps, heads });
    }
    if tracked {
        // DDL: before any transaction.
        progress::ensure_table(connection, table).map_err(database("create the progress table"))?;
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
        let tracking = tracked.then_some(Tracking {
            table,
            lease,
            resume: if position == 0 { resume } else { None },
        });
        execute_section(
            connection,
            graph,
            step,
            statements,
            open,
            outer,
            options,
            tracking.as_ref(),
            reporter,
        )
        .map_err(|error| match error {
            RunError::Interrupted { rolled_back, .. } => {
                interrupted(&committed, Some(description.clone()), rolled_back)
            }
            other => other,
        })?;
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
        record(connection, table, &step.delete, &step.insert)
            .and_then(|()| {
                if tracked {
                    // In the transaction that records the revision: both or neither.
                    progress::clear(connection, table)
                } else {
                    Ok(())
                }
            })
            .map_err(|e| {
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
        if let Some(reason) = &section.needs_hand {
            return Err(RunError::NeedsHand {
                revision: script.id.clone(),
                path: script.path.clone(),
                direction: step.direction.keyword(),
                reason: reason.clone(),
            });
        }
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

/// How a step on a database without transactional DDL records its progress.
struct Tracking<'a> {
    table: &'a VersionTable,
    lease: Option<&'a Lease>,
    /// Where an interrupted run left this step (`--resume`).
    resume: Option<Resume>,
}

#[allow(
    clippy::too_many_arguments,
    reason = "the step, its statements and how the run around it is set up"
)]
fn execute_section(
    connection: &mut dyn Connection,
    graph: &RevisionGraph,
    step: &Step,
    statements: &[Statement],
    in_transaction: bool,
    outer: bool,
    options: &RunOptions,
    tracking: Option<&Tracking<'_>>,
    reporter: &mut dyn Reporter,
) -> Result<(), RunError> {
    let script = &graph.revision(step.revision).script;
    let transactional_ddl = connection.transactional_ddl();
    let start = tracking
        .as_ref()
        .and_then(|t| t.resume)
        .map_or(0, |r| r.statement);
    // Lines of this revision's statements that are committed (an earlier run's included), and
    // those that ran in the open transaction.
    let mut committed: Vec<usize> = statements.iter().take(start).map(|s| s.line).collect();
    let mut pending: Vec<usize> = Vec::new();
    // A resumed revision runs in a new session: the session settings among the statements
    // that ran (`SET foreign_key_checks = 0`) are made again first.
    let settings: Vec<&Statement> = statements
        .iter()
        .take(start)
        .filter(|s| progress::is_session_setting(&s.sql))
        .collect();
    for setting in &settings {
        if let Err(error) = connection.execute(&setting.sql) {
            if in_transaction && !outer {
                let _ = connection.rollback();
            }
            return Err(database("repeat a session setting of the resumed revision")(error));
        }
    }
    if !settings.is_empty() {
        reporter.note(&format!(
            "revision {}: the session settings on {} ran again before resuming",
            script.id,
            lines(&settings.iter().map(|s| s.line).collect::<Vec<_>>())
        ));
    }
    let record = |connection: &mut dyn Connection,
                  tracking: &Tracking<'_>,
                  index: usize,
                  in_flight: bool|
     -> Result<(), DatabaseError> {
        progress::write(
            connection,
            tracking.table,
            &script.id,
            step.direction,
            statements,
            index,
            in_flight,
        )
    };
    for (index, statement) in statements.iter().enumerate().skip(start) {
        if options.is_interrupted() {
            if in_transaction && !outer {
                let _ = connection.rollback();
            }
            let kept = !committed.is_empty() || (!in_transaction && !pending.is_empty());
            return Err(RunError::Interrupted {
                applied: Vec::new(),
                stopped_in: None,
                rolled_back: !kept,
            });
        }
        // Without transactional DDL, anything but plain DML may commit: the progress record
        // (and what ran before, which the statement would commit anyway) is committed first.
        let may_commit =
            !in_transaction || (!transactional_ddl && !progress::is_plain_dml(&statement.sql));
        if let (Some(tracking), true) = (&tracking, may_commit) {
            let marked = tracking
                .lease
                .map_or(Ok(()), Lease::check)
                .and_then(|()| record(connection, tracking, index, true))
                .and_then(|()| {
                    if in_transaction {
                        connection.commit()
                    } else {
                        Ok(())
                    }
                });
            if let Err(error) = marked {
                if in_transaction {
                    let _ = connection.rollback();
                }
                return Err(database("record the progress of the revision")(error));
            }
            committed.append(&mut pending);
        }
        let resumed_in_flight = index == start
            && tracking
                .as_ref()
                .and_then(|t| t.resume)
                .is_some_and(|r| r.in_flight);
        let outcome = match connection.execute(&statement.sql) {
            Err(error) if resumed_in_flight && connection.effect_already_present(&error) => {
                reporter.note(&format!(
                    "revision {} ({}:{}): the statement that was running when the earlier run stopped had run: {}",
                    script.id,
                    script.path.display(),
                    statement.line,
                    error.message
                ));
                Ok(())
            }
            other => other,
        };
        if let Err(error) = outcome {
            // The caller owns an outer transaction and rolls it back itself.
            if in_transaction && !outer {
                let _ = connection.rollback();
            }
            let (committed, rolled_back) = if !in_transaction {
                (committed, Vec::new())
            } else if transactional_ddl {
                (Vec::new(), committed.into_iter().chain(pending).collect())
            } else {
                (committed, pending)
            };
            let mut progress_recorded = false;
            if let (Some(tracking), true) = (&tracking, may_commit) {
                // The database answered: the statement did not run (outside any transaction now).
                // After a lost connection this write fails too, and the record keeps saying
                // the statement may have run, which is then the truth.
                progress_recorded = record(connection, tracking, index, false).is_ok() && index > 0;
            } else if tracking.is_some() {
                // The rollback took the record back to the last commit.
                progress_recorded = !committed.is_empty();
            }
            // The statement failed because a signal cancelled it.
            if options.is_interrupted() {
                return Err(RunError::Interrupted {
                    applied: Vec::new(),
                    stopped_in: None,
                    rolled_back: committed.is_empty(),
                });
            }
            return Err(RunError::Statement {
                revision: script.id.clone(),
                path: script.path.clone(),
                line: statement.line,
                statement: statement.sql.clone(),
                message: error.message,
                database_hint: error.hint,
                committed_lines: committed,
                rolled_back_lines: rolled_back,
                progress_recorded,
            });
        }
        if may_commit && (!in_transaction || !transactional_ddl) {
            committed.append(&mut pending);
            committed.push(statement.line);
        } else {
            pending.push(statement.line);
        }
        if let (Some(tracking), true) = (&tracking, may_commit) {
            let marked = record(connection, tracking, index + 1, false).and_then(|()| {
                if in_transaction {
                    connection.commit()?;
                    connection.begin()
                } else {
                    Ok(())
                }
            });
            if let Err(error) = marked {
                if in_transaction {
                    let _ = connection.rollback();
                }
                return Err(database("record the progress of the revision")(error));
            }
        }
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
