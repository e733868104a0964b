//! `fleet current`, `fleet status` and `fleet check`: what each target holds, read a few
//! targets at a time, printed in the targets' order.

use retort::autogenerate::{plan, PlanError};
use retort::database::DatabaseUrl;
use retort::fleet::{journal, map_targets, Target};
use retort_core::error_chain::error_chain;
use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::plan::{applied_heads, plan_upgrade};
use retort_core::runner::run::read_heads;
use serde_json::json;

use super::{journal_path, load_fleet, Fleet};
use crate::args::{FleetStatusArgs, FleetTargetArgs};
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

/// What `fleet status`, `current` and `check` read from one target.
struct TargetState {
    current: Result<Vec<String>, String>,
    pending: Option<usize>,
    /// The differences from the declared schema (`--check`, `fleet check`).
    drift: Option<Result<Vec<String>, String>>,
}

fn read_state(graph: &RevisionGraph, target: &Target, drift: bool) -> TargetState {
    let url = DatabaseUrl::parse(target.url(), &target.config().root).map_err(|e| error_chain(&e));
    let current = url.clone().and_then(|url| {
        let mut connection = url
            .connect_existing(target.config().environment())
            .map_err(|e| error_chain(&e))?;
        read_heads(connection.as_mut(), &target.config().version_table())
            .map_err(|e| error_chain(&e))
    });
    let pending = current.as_ref().ok().and_then(|rows| {
        let applied = applied_heads(graph, rows).ok()?;
        plan_upgrade(graph, &applied, "heads")
            .ok()
            .map(|steps| steps.len())
    });
    // `plan` opens its own connection: it is the same call as `retort check`.
    let drift = drift.then(|| match plan(target.config(), graph, &url?) {
        Ok(plan) => Ok(plan
            .changes
            .iter()
            .map(retort_core::diff::operation::Operation::summary)
            .collect()),
        Err(PlanError::NotAtHead) => Err("not at head".to_owned()),
        Err(error) => Err(error_chain(&error)),
    });
    TargetState {
        current,
        pending,
        drift,
    }
}

fn read_all(fleet: &Fleet, drift: bool) -> Vec<TargetState> {
    map_targets(&fleet.targets, fleet.parallel, &|target| {
        read_state(&fleet.graph, target, drift)
    })
}

fn rows_text(rows: &[String]) -> String {
    if rows.is_empty() {
        "base".to_owned()
    } else {
        rows.join(",")
    }
}

pub fn current(settings: &GlobalSettings, args: &FleetTargetArgs) -> Result<ExitCode, CliError> {
    let fleet = load_fleet(settings, args)?;
    let states = read_all(&fleet, false);
    let mut failed = false;
    for (target, state) in fleet.targets.iter().zip(&states) {
        match &state.current {
            Ok(rows) if settings.printer.json => settings
                .printer
                .data(&json!({"target": target.name, "current": rows}).to_string()),
            Ok(rows) => settings
                .printer
                .data(&format!("{}: {}", target.name, rows_text(rows))),
            Err(error) => {
                failed = true;
                eprintln!("failed: {}: {error}", target.name);
            }
        }
    }
    Ok(if failed {
        ExitCode::Database
    } else {
        ExitCode::Success
    })
}

pub fn status(settings: &GlobalSettings, args: &FleetStatusArgs) -> Result<ExitCode, CliError> {
    let fleet = load_fleet(settings, &args.targets)?;
    let last = journal::last_outcomes(&journal_path(&fleet.config, args.journal.as_ref())?)?;
    let states = read_all(&fleet, args.check);
    let printer = settings.printer;
    let mut failed = false;
    let mut table: Vec<[String; 5]> = vec![[
        "TARGET".to_owned(),
        "CURRENT".to_owned(),
        "PENDING".to_owned(),
        "LAST".to_owned(),
        if args.check { "DRIFT" } else { "" }.to_owned(),
    ]];
    for (target, state) in fleet.targets.iter().zip(&states) {
        failed |= state.current.is_err() || matches!(state.drift, Some(Err(_)));
        let last_outcome = last.get(&target.name).map_or("-", String::as_str);
        if printer.json {
            let mut value = json!({
                "target": target.name,
                "pending": state.pending,
                "last": last.get(&target.name),
            });
            match &state.current {
                Ok(rows) => value["current"] = json!(rows),
                Err(error) => value["error"] = json!(error),
            }
            match &state.drift {
                Some(Ok(changes)) => value["drift"] = json!(changes),
                Some(Err(error)) => value["drift_error"] = json!(error),
                None => {}
            }
            printer.data(&value.to_string());
            continue;
        }
        table.push([
            target.name.clone(),
            state
                .current
                .as_ref()
                .map_or_else(|error| format!("error: {error}"), |rows| rows_text(rows)),
            state
                .pending
                .map_or_else(|| "?".to_owned(), |n| n.to_string()),
            last_outcome.to_owned(),
            match &state.drift {
                None => String::new(),
                Some(Ok(changes)) if changes.is_empty() => "none".to_owned(),
                Some(Ok(changes)) => format!("{} differences", changes.len()),
                Some(Err(error)) => format!("error: {error}"),
            },
        ]);
    }
    if !printer.json {
        print_table(settings, &table);
    }
    Ok(if failed {
        ExitCode::Database
    } else {
        ExitCode::Success
    })
}

fn print_table(settings: &GlobalSettings, table: &[[String; 5]]) {
    let mut widths = [0usize; 5];
    for row in table {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in table {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        settings.printer.data(line.join("  ").trim_end());
    }
}

pub fn check(settings: &GlobalSettings, args: &FleetTargetArgs) -> Result<ExitCode, CliError> {
    let fleet = load_fleet(settings, args)?;
    let states = read_all(&fleet, true);
    let (mut drifting, mut failed) = (0, false);
    for (target, state) in fleet.targets.iter().zip(&states) {
        match &state.drift {
            Some(Ok(changes)) if !changes.is_empty() => {
                drifting += 1;
                if settings.printer.json {
                    settings
                        .printer
                        .data(&json!({"target": target.name, "drift": changes}).to_string());
                } else {
                    settings.printer.data(&format!(
                        "{}: {} differences from the declared schema:",
                        target.name,
                        changes.len()
                    ));
                    for change in changes {
                        settings.printer.data(&format!("  {change}"));
                    }
                }
            }
            Some(Err(error)) => {
                failed = true;
                eprintln!("failed: {}: {error}", target.name);
            }
            _ => {}
        }
    }
    settings.printer.status(&format!(
        "{drifting} of {} targets differ from the declared schema",
        fleet.targets.len()
    ));
    Ok(if failed {
        ExitCode::Database
    } else if drifting > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Success
    })
}
