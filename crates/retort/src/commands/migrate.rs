//! `upgrade`, `downgrade`, `stamp` and `ensure-version`: resolve the database and the
//! operation, then hand both to the core runner (online, or offline with `--sql`).

use std::time::Duration;

use retort_core::config::Config;
use retort_core::introspect::Database;
use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::connection::Connection;
use retort_core::runner::offline::OfflineScript;
use retort_core::runner::plan::applied_heads;
use retort_core::runner::run::{read_heads, run, Operation, RunError, RunOptions};
use retort_core::runner::split::first_code_line;

use crate::args::{DowngradeArgs, SqlArgs, StampArgs, UpgradeArgs};
use crate::diagnostics::{CliError, ExitCode};
use crate::progress::StepReporter;
use crate::settings::GlobalSettings;
use retort::database::{mask_password, DatabaseUrl};

pub fn upgrade(settings: &GlobalSettings, args: &UpgradeArgs) -> Result<ExitCode, CliError> {
    let target = args.revision.clone();
    execute(
        settings,
        args.sql,
        args.lock_timeout,
        args.resume,
        Direction::Upgrade,
        move |target_override| Operation::Upgrade {
            target: target_override.unwrap_or(target),
        },
        &args.revision,
    )
}

pub fn downgrade(settings: &GlobalSettings, args: &DowngradeArgs) -> Result<ExitCode, CliError> {
    if args.sql && !args.revision.contains(':') {
        return Err(CliError::usage("downgrade with --sql requires <fromrev>:<torev>")
            .with_hint("offline there is no database to read the current revision from, e.g. `retort downgrade --sql head:base`"));
    }
    let target = args.revision.clone();
    execute(
        settings,
        args.sql,
        args.lock_timeout,
        args.resume,
        Direction::Downgrade,
        move |target_override| Operation::Downgrade {
            target: target_override.unwrap_or(target),
        },
        &args.revision,
    )
}

pub fn stamp(settings: &GlobalSettings, args: &StampArgs) -> Result<ExitCode, CliError> {
    let operation = Operation::Stamp {
        targets: args.revisions.clone(),
        purge: args.purge,
    };
    execute(
        settings,
        args.sql,
        None,
        false,
        Direction::Other,
        move |_| operation,
        "",
    )
}

pub fn ensure_version(settings: &GlobalSettings, args: &SqlArgs) -> Result<ExitCode, CliError> {
    execute(
        settings,
        args.sql,
        None,
        false,
        Direction::Other,
        |_| Operation::EnsureVersionTable,
        "",
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Upgrade,
    Downgrade,
    Other,
}

/// The revisions the database records as applied (no version table: none).
pub fn applied_revisions(
    connection: &mut dyn Connection,
    config: &Config,
    graph: &RevisionGraph,
) -> Result<Vec<usize>, CliError> {
    let rows = read_heads(connection, &config.version_table()).map_err(|e| run_error(&e))?;
    applied_heads(graph, &rows).map_err(|e| run_error(&e.into()))
}

/// The configured database URL. When a `${VAR:-default}` default was taken, one `note:` line
/// on stderr says so (even with `-q`: a fallback database is never used silently), once per
/// process.
pub fn database_url(settings: &GlobalSettings, config: &Config) -> Result<String, CliError> {
    static NOTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let resolved = config.resolve_database_url(settings.url.as_deref())?;
    if !resolved.defaults_used.is_empty() && !NOTED.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        let config_name = config.path.file_name().map_or_else(
            || config.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let reasons: Vec<String> = resolved
            .defaults_used
            .iter()
            .map(|used| {
                format!(
                    "{} is {}",
                    used.name,
                    if used.was_empty { "empty" } else { "not set" }
                )
            })
            .collect();
        eprintln!(
            "note: {}; using {} (the default in {config_name})",
            reasons.join(", "),
            mask_password(&resolved.url)
        );
    }
    Ok(resolved.url)
}

/// Open the configured database.
pub fn open_database(
    settings: &GlobalSettings,
    config: &Config,
) -> Result<(DatabaseUrl, Box<dyn Database>), CliError> {
    let url = DatabaseUrl::parse(&database_url(settings, config)?, &config.root)?;
    let connection = url.connect(config.environment())?;
    Ok((url, connection))
}

/// Open the configured database for a command that only reads: a SQLite file that does not
/// exist is an error, never created.
pub fn open_existing_database(
    settings: &GlobalSettings,
    config: &Config,
) -> Result<(DatabaseUrl, Box<dyn Database>), CliError> {
    let url = DatabaseUrl::parse(&database_url(settings, config)?, &config.root)?;
    let connection = url.connect_existing(config.environment())?;
    Ok((url, connection))
}

fn execute(
    settings: &GlobalSettings,
    offline: bool,
    lock_timeout: Option<f64>,
    resume: bool,
    direction: Direction,
    operation: impl FnOnce(Option<String>) -> Operation,
    revision_argument: &str,
) -> Result<ExitCode, CliError> {
    let (config, graph) = settings.config_and_graph()?;
    let options = RunOptions {
        lock_timeout: lock_timeout.map(Duration::from_secs_f64),
        resume,
        ..RunOptions::for_config(&config, offline)
    };
    let mut reporter = StepReporter::new(settings.printer);
    if offline {
        let url = DatabaseUrl::parse(&database_url(settings, &config)?, &config.root)?;
        // Offline there is no database to read: a `start:end` range says where to start.
        let (start_rows, target) = match revision_argument.split_once(':') {
            Some((start, end)) if direction != Direction::Other => {
                let rows =
                    graph.get_revision_indices(if start.is_empty() { "base" } else { start })?;
                (
                    rows.iter().map(|&r| graph.id(r).to_owned()).collect(),
                    Some(end.to_owned()),
                )
            }
            _ => (Vec::new(), None),
        };
        let mut script = OfflineScript::new(url.sql_dialect(), start_rows);
        run(
            &mut script,
            &graph,
            &operation(target),
            &options,
            &mut reporter,
        )
        .map_err(|e| run_error(&e))?;
        settings.printer.data(script.into_sql().trim_end());
        return Ok(ExitCode::Success);
    }
    let (_, mut connection) = open_database(settings, &config)?;
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let options = RunOptions {
        interrupted: Some(std::sync::Arc::clone(&interrupted)),
        ..options
    };
    let watch = crate::signals::watch(interrupted, connection.interrupter())?;
    let result = run(
        connection.as_mut(),
        &graph,
        &operation(None),
        &options,
        &mut reporter,
    );
    drop(watch);
    result.map_err(|e| run_error(&e))?;
    Ok(ExitCode::Success)
}

/// Map a runner error to what the user sees: configuration and graph problems are usage errors
/// (exit 2), the rest database errors (exit 3).
pub fn run_error(error: &RunError) -> CliError {
    let hint = error.hint();
    let exit_code = match *error {
        RunError::Revision(_)
        | RunError::OutsideTheLockTransaction { .. }
        | RunError::ForeignKeysOffOutsideTransaction { .. }
        | RunError::UnknownApplied(_)
        | RunError::Irreversible { .. }
        | RunError::NeedsHand { .. }
        | RunError::CannotResume { .. }
        | RunError::NeedsNoTransaction { .. } => ExitCode::Usage,
        RunError::Database { .. }
        | RunError::InterruptedRevision(_)
        | RunError::Statement { .. }
        | RunError::LockBusy { .. }
        | RunError::Interrupted { .. } => ExitCode::Database,
    };
    let mut message = error.to_string();
    if let RunError::Statement { statement, .. } = error {
        let first_line = first_code_line(statement).unwrap_or_default();
        message.push_str(&format!("\n  statement: {first_line}"));
    }
    let mut cli = CliError::usage(message);
    cli.exit_code = exit_code;
    cli.hints.extend(hint);
    cli
}
