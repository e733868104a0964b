//! One target of a fleet run: connect, read where it stands, hand it to the core runner.

use std::time::{Duration, Instant};

use retort_core::error_chain::error_chain;
use retort_core::introspect::Database;
use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::run::{
    read_heads, run, Operation, Reporter, RunError, RunOptions, Silent,
};
use retort_core::runner::split::first_code_line;

use super::Target;
use crate::database::DatabaseUrl;

/// How a target's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Revisions were applied, reverted or stamped.
    Migrated {
        steps: usize,
    },
    /// The target was already where the operation leads.
    Unchanged,
    Failed(TargetFailure),
}

/// What failed on a target: the revision and statement when a statement failed, the message
/// and the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFailure {
    pub revision: Option<String>,
    /// The failing statement's first line.
    pub statement: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

/// One target's result.
#[derive(Debug, Clone)]
pub struct TargetOutcome {
    pub name: String,
    /// Version-table rows before and after (before: empty when they could not be read).
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// A worker's connection, kept from one tenant schema to the next on the same database: a
/// fresh server session per tenant costs more than the tenant's revision (PostgreSQL starts a
/// process and fills its catalog caches), so a worker moves its warm session instead
/// ([`retort_core::runner::connection::Connection::switch_schema`]: the previous tenant's
/// session state is discarded). Dropped after a failure, whose state is unknown.
#[derive(Default)]
pub struct WarmConnection {
    held: Option<(String, Box<dyn Database>)>,
}

impl WarmConnection {
    /// A connection to `target`: the warm one moved to its schema where it can be, else a
    /// new one (kept for the next tenant when it could be moved).
    fn take(&mut self, target: &Target) -> Result<Box<dyn Database>, TargetFailure> {
        let open = |url: &str| -> Result<Box<dyn Database>, TargetFailure> {
            let url = DatabaseUrl::parse(url, &target.config().root)
                .map_err(|e| failure(&e, e.hint()))?;
            url.connect(target.config().environment())
                .map_err(|e| failure(&e, e.hint()))
        };
        let Some((schema, control)) = target.tenant() else {
            return open(target.url());
        };
        let mut connection = match self.held.take() {
            Some((url, connection)) if url == control => connection,
            _ => open(control)?,
        };
        match connection.switch_schema(schema) {
            Ok(()) => Ok(connection),
            // The dialect cannot, or the schema is missing: one connection for this target,
            // which says what is wrong in its own words.
            Err(_) => open(target.url()),
        }
    }

    /// Keep `connection` for the next tenant of the same database.
    fn keep(&mut self, target: &Target, connection: Box<dyn Database>) {
        if let Some((_, control)) = target.tenant() {
            self.held = Some((control.to_owned(), connection));
        }
    }
}

/// Migrate one target. `started` hears the version rows the target had before anything ran
/// (the journal records them first). `expected_from`: the rows a run that was interrupted while
/// migrating this target recorded; when the target has changed since, a relative operation
/// (`-1`, `+2`) is not applied a second time.
pub fn migrate_target(
    target: &Target,
    warm: &mut WarmConnection,
    graph: &RevisionGraph,
    operation: &Operation,
    options: &RunOptions,
    expected_from: Option<&[String]>,
    started: &mut dyn FnMut(&[String]),
) -> TargetOutcome {
    let clock = Instant::now();
    let mut from = Vec::new();
    let result = warm.take(target).and_then(|mut connection| {
        let result = migrate(
            connection.as_mut(),
            graph,
            operation,
            options,
            expected_from,
            &mut from,
            started,
        );
        if result.is_ok() {
            warm.keep(target, connection);
        }
        result
    });
    let (to, outcome) = match result {
        Ok((to, outcome)) => (to, outcome),
        Err(failure) => (Vec::new(), Outcome::Failed(failure)),
    };
    TargetOutcome {
        name: target.name.clone(),
        from,
        to,
        outcome,
        elapsed: clock.elapsed(),
    }
}

fn migrate(
    connection: &mut dyn Database,
    graph: &RevisionGraph,
    operation: &Operation,
    options: &RunOptions,
    expected_from: Option<&[String]>,
    from: &mut Vec<String>,
    started: &mut dyn FnMut(&[String]),
) -> Result<(Vec<String>, Outcome), TargetFailure> {
    // A target an interrupted run was migrating is looked at before the run: a relative step
    // it may have applied already is not applied again. Any other target's rows are those
    // the run reads under its lock (one read, not two).
    if let Some(expected) = expected_from {
        *from = read_heads(connection, &options.version_table).map_err(|e| run_failure(&e))?;
        started(from);
        if expected != from.as_slice() && is_relative(operation) {
            return Err(TargetFailure {
                revision: None,
                statement: None,
                message: format!(
                    "the interrupted run was migrating it from {} and it is now at {}: the relative step may have been applied already, so it is not applied again",
                    describe_rows(expected),
                    describe_rows(from)
                ),
                hint: Some(
                    "look at it with `retort fleet status`, then migrate it to an absolute revision"
                        .to_owned(),
                ),
            });
        }
    }
    let summary = if expected_from.is_some() {
        run(connection, graph, operation, options, &mut Silent)
    } else {
        let mut heard = StartedReporter {
            from: &mut *from,
            started,
        };
        run(connection, graph, operation, options, &mut heard)
    }
    .map_err(|e| run_failure(&e))?;
    // Steps are counted after the lock: a run that waited for another one to migrate this
    // target finds nothing to do. A stamp has no steps; its rows say whether it changed them.
    let changed = match operation {
        Operation::Stamp { .. } => summary.heads != *from,
        _ => !summary.steps.is_empty(),
    };
    let outcome = if changed {
        Outcome::Migrated {
            steps: summary.steps.len(),
        }
    } else {
        Outcome::Unchanged
    };
    Ok((summary.heads, outcome))
}

/// Hears the rows the run read under its lock: where the target stood, which the journal
/// records before any step runs.
struct StartedReporter<'a> {
    from: &'a mut Vec<String>,
    started: &'a mut dyn FnMut(&[String]),
}

impl Reporter for StartedReporter<'_> {
    fn versions_read(&mut self, rows: &[String]) {
        rows.clone_into(self.from);
        (self.started)(rows);
    }
}

/// `-1`, `+2`, `head-1`: where these lead depends on where the target stands.
fn is_relative(operation: &Operation) -> bool {
    match operation {
        Operation::Upgrade { target } | Operation::Downgrade { target } => {
            retort_core::revision::identifier::parse_relative(target).is_some()
        }
        Operation::Stamp { .. } | Operation::EnsureVersionTable => false,
    }
}

fn describe_rows(rows: &[String]) -> String {
    if rows.is_empty() {
        "base".to_owned()
    } else {
        rows.join(", ")
    }
}

fn failure(error: &dyn std::error::Error, hint: Option<String>) -> TargetFailure {
    TargetFailure {
        revision: None,
        statement: None,
        message: error_chain(error),
        hint,
    }
}

fn run_failure(error: &RunError) -> TargetFailure {
    let mut failure = failure(error, error.hint());
    if let RunError::Statement {
        revision,
        statement,
        ..
    } = error
    {
        failure.revision = Some(revision.clone());
        failure.statement = first_code_line(statement).map(str::to_owned);
    }
    failure
}
