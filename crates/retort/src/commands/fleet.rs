//! `retort fleet …`: one run over many targets (the library's [`retort::fleet`]) with a
//! progress bar, one summary line, each failure in full, and exit 3 when any target failed.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

mod read;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use retort::fleet::{
    migrate_target, resolve_targets, run_fleet, FailureBudget, FleetError, FleetSummary, Journal,
    Outcome, Policy, ScheduleEvent, StopReason, Target, TargetFailure, TargetOutcome,
    TargetSelection, WarmConnection,
};
use retort_core::config::Config;
use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::run::{Operation, RunOptions};
use serde_json::json;

use crate::args::{FleetCommand, FleetRunArgs, FleetTargetArgs, MaxFailures, OnError};
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

/// Targets handled at once when neither `--parallel` nor `[fleet] parallel` says.
const DEFAULT_PARALLEL: usize = 4;
/// Failures printed in full; the rest are counted (the journal and `--json` have them all).
const FAILURES_SHOWN: usize = 20;

impl From<FleetError> for CliError {
    fn from(error: FleetError) -> Self {
        let exit_code = match error {
            FleetError::TargetsQuery { .. } | FleetError::Open(_) => ExitCode::Database,
            _ => ExitCode::Usage,
        };
        let hint = error.hint();
        CliError::from_error(&error, hint, exit_code)
    }
}

pub fn run(settings: &GlobalSettings, command: &FleetCommand) -> Result<ExitCode, CliError> {
    match command {
        FleetCommand::Upgrade(args) => migrate(
            settings,
            &args.run,
            &Operation::Upgrade {
                target: args.revision.clone(),
            },
            &Words::new(
                format!("upgrade {}", args.revision),
                "upgraded",
                format!("at {}", args.revision),
            ),
        ),
        FleetCommand::Downgrade(args) => migrate(
            settings,
            &args.run,
            &Operation::Downgrade {
                target: args.revision.clone(),
            },
            &Words::new(
                format!("downgrade {}", args.revision),
                "downgraded",
                format!("already at {}", args.revision),
            ),
        ),
        FleetCommand::Stamp(args) => migrate(
            settings,
            &args.run,
            &Operation::Stamp {
                targets: args.revisions.clone(),
                purge: args.purge,
            },
            &Words::new(
                format!(
                    "stamp {}{}",
                    args.revisions.join(" "),
                    if args.purge { " --purge" } else { "" }
                ),
                "stamped",
                "unchanged".to_owned(),
            ),
        ),
        FleetCommand::Current(args) => read::current(settings, args),
        FleetCommand::Status(args) => read::status(settings, args),
        FleetCommand::Check(args) => read::check(settings, args),
    }
}

/// How an operation is named in the journal and the summary line.
struct Words {
    operation: String,
    changed: &'static str,
    unchanged: String,
}

impl Words {
    fn new(operation: String, changed: &'static str, unchanged: String) -> Self {
        Self {
            operation,
            changed,
            unchanged,
        }
    }
}

/// The project's graph and the targets of this run.
struct Fleet {
    config: Arc<Config>,
    graph: RevisionGraph,
    targets: Vec<Target>,
    parallel: usize,
}

fn load_fleet(settings: &GlobalSettings, args: &FleetTargetArgs) -> Result<Fleet, CliError> {
    let (config, graph) = settings.config_and_graph()?;
    let config = Arc::new(config);
    let targets = resolve_targets(
        &config,
        &TargetSelection {
            urls: args.targets.clone(),
        },
    )?;
    let parallel = args
        .parallel
        .map(usize::from)
        .or(config.fleet.parallel)
        .unwrap_or(DEFAULT_PARALLEL)
        .max(1);
    Ok(Fleet {
        config,
        graph,
        targets,
        parallel,
    })
}

fn journal_path(config: &Config, flag: Option<&PathBuf>) -> Result<PathBuf, CliError> {
    Ok(match (flag, &config.fleet.journal) {
        (Some(path), _) => path.clone(),
        (None, Some(raw)) => config.root.join(config.expand("fleet.journal", raw)?),
        (None, None) => config.root.join(".retort").join("fleet-journal.jsonl"),
    })
}

fn migrate(
    settings: &GlobalSettings,
    args: &FleetRunArgs,
    operation: &Operation,
    words: &Words,
) -> Result<ExitCode, CliError> {
    let fleet = load_fleet(settings, &args.targets)?;
    let journal_path = journal_path(&fleet.config, args.journal.as_ref())?;
    let (mut journal, recorded) = Journal::open(
        &journal_path,
        &words.operation,
        fleet.targets.len(),
        args.resume,
    )?;
    let recorded = recorded.unwrap_or_default();
    let remaining: Vec<Target> = fleet
        .targets
        .iter()
        .filter(|target| !recorded.done.contains(&target.name))
        .cloned()
        .collect();
    let done_before = fleet.targets.len() - remaining.len();
    let policy = Policy {
        parallel: fleet.parallel,
        canary: args.canary,
        budget: match (args.max_failures, args.on_error) {
            (Some(MaxFailures::Count(count)), _) => FailureBudget::Count(count),
            (Some(MaxFailures::Percent(percent)), _) => FailureBudget::Percent(percent),
            (None, OnError::Stop) => FailureBudget::Count(1),
            (None, OnError::Continue) => FailureBudget::Unlimited,
        },
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let watch = crate::signals::watch(Arc::clone(&interrupted), None)?;
    let printer = settings.printer;
    let bar = progress_bar(remaining.len(), printer.json || printer.quiet);
    let lock_timeout = args.lock_timeout.map(Duration::from_secs_f64);
    let job = |target: &Target, warm: &mut WarmConnection, started: &mut dyn FnMut(&[String])| {
        let options = RunOptions {
            lock_timeout,
            resume: args.resume,
            interrupted: Some(Arc::clone(&interrupted)),
            ..RunOptions::for_config(target.config(), false)
        };
        let expected = recorded.in_flight.get(&target.name).map(Vec::as_slice);
        migrate_target(
            target,
            warm,
            &fleet.graph,
            operation,
            &options,
            expected,
            started,
        )
    };
    let mut failures: Vec<TargetOutcome> = Vec::new();
    let mut failed = 0;
    let mut journal_error: Option<FleetError> = None;
    let summary = run_fleet(&remaining, &policy, &interrupted, &job, &mut |event| {
        let written = match event {
            ScheduleEvent::Started { target, from } => journal.started(&target.name, from),
            ScheduleEvent::Finished { outcome } => {
                bar.inc(1);
                if printer.json {
                    printer.data(&outcome_json(outcome).to_string());
                }
                if matches!(outcome.outcome, Outcome::Failed(_)) {
                    failed += 1;
                    bar.set_message(format!("{failed} failed"));
                    if failures.len() < FAILURES_SHOWN {
                        failures.push(outcome.clone());
                    }
                }
                journal.finished(outcome)
            }
        };
        if let Err(error) = written {
            // Without its journal a run cannot be resumed: start no other target.
            interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
            journal_error.get_or_insert(error);
        }
    });
    drop(watch);
    bar.finish_and_clear();
    if let Some(error) = journal_error {
        return Err(error.into());
    }
    for outcome in &failures {
        if let Outcome::Failed(failure) = &outcome.outcome {
            eprint!("{}", describe_failure(&outcome.name, failure));
        }
    }
    if summary.failed > failures.len() {
        eprintln!(
            "… and {} more failures: every one is in {} (or run with --json)",
            summary.failed - failures.len(),
            journal.path().display()
        );
    }
    let line = summary_line(&summary, words, done_before);
    if printer.json {
        printer.data(
            &json!({
                "summary": {
                    "changed": summary.migrated,
                    "unchanged": summary.unchanged,
                    "failed": summary.failed,
                    "not_started": summary.not_started,
                    "done_before": done_before,
                    "seconds": summary.elapsed.as_secs_f64(),
                    "stopped": summary.stopped.map(|reason| describe_stop(reason, &summary)),
                }
            })
            .to_string(),
        );
    } else {
        // Even with -q: whether the deploy succeeded is the one line everyone reads.
        eprintln!("{line}");
    }
    if let Some(reason) = summary.stopped {
        eprintln!("stopped: {}", describe_stop(reason, &summary));
        eprintln!(
            "hint: fix the cause, then run the same command with --resume: targets that finished are left alone"
        );
    }
    Ok(if summary.failed > 0 || summary.stopped.is_some() {
        ExitCode::Database
    } else {
        ExitCode::Success
    })
}

fn progress_bar(total: usize, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} targets {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// `995 upgraded, 4 at head, 1 failed in 5.1 s`.
fn summary_line(summary: &FleetSummary, words: &Words, done_before: usize) -> String {
    let mut parts = vec![
        format!("{} {}", summary.migrated, words.changed),
        format!("{} {}", summary.unchanged, words.unchanged),
        format!("{} failed", summary.failed),
    ];
    if summary.not_started > 0 {
        parts.push(format!("{} not started", summary.not_started));
    }
    if done_before > 0 {
        parts.push(format!("{done_before} finished before --resume"));
    }
    format!(
        "{} in {:.1} s",
        parts.join(", "),
        summary.elapsed.as_secs_f64()
    )
}

fn describe_stop(reason: StopReason, summary: &FleetSummary) -> String {
    match reason {
        StopReason::CanaryFailed { failures } => format!(
            "{failures} canary target(s) failed, so the other {} were not started",
            summary.not_started
        ),
        StopReason::FailureBudget { failures, limit } => format!(
            "{failures} targets failed, the most --max-failures/--on-error allows is {limit} (counting the one that stops the run); {} were not started",
            summary.not_started
        ),
        StopReason::Interrupted => format!(
            "interrupted; {} targets were not started",
            summary.not_started
        ),
    }
}

fn describe_failure(name: &str, failure: &TargetFailure) -> String {
    let mut text = format!("failed: {name}: {}\n", failure.message);
    if let Some(statement) = &failure.statement {
        text.push_str(&format!("  statement: {statement}\n"));
    }
    if let Some(hint) = &failure.hint {
        text.push_str(&format!("  hint: {hint}\n"));
    }
    text
}

fn outcome_json(outcome: &TargetOutcome) -> serde_json::Value {
    let mut value = json!({
        "target": outcome.name,
        "from": outcome.from,
        "to": outcome.to,
        "ms": outcome.elapsed.as_secs_f64() * 1000.0,
    });
    match &outcome.outcome {
        Outcome::Migrated { steps } => {
            value["outcome"] = json!("changed");
            value["steps"] = json!(steps);
        }
        Outcome::Unchanged => value["outcome"] = json!("unchanged"),
        Outcome::Failed(failure) => {
            value["outcome"] = json!("failed");
            value["revision"] = json!(failure.revision);
            value["statement"] = json!(failure.statement);
            value["error"] = json!(failure.message);
            value["hint"] = json!(failure.hint);
        }
    }
    value
}
