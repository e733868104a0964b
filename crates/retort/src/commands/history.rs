//! `retort history [-r RANGE] [-v] [-i]`: from the heads down, in Alembic's order.

use retort_core::revision::error::RevisionError;
use retort_core::revision::walk::{Endpoint, WalkOptions};

use super::migrate::{applied_revisions, open_existing_database};
use crate::args::HistoryArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::display::{format_line, format_log_entry, revisions_json, LineFormat};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &HistoryArgs) -> Result<ExitCode, CliError> {
    let (start, end) = match &args.rev_range {
        Some(range) => {
            let Some((start, end)) = range.trim().split_once(':') else {
                return Err(RevisionError::RangeWithoutColon.into());
            };
            (start.to_owned(), end.to_owned())
        }
        None => (String::new(), String::new()),
    };
    let (config, graph) = settings.config_and_graph()?;
    // Only reading the version table: unlike Alembic, `-i` never creates it.
    let current: Vec<usize> = if args.indicate_current || start == "current" || end == "current" {
        let (_, mut connection) = open_existing_database(settings, &config)?;
        applied_revisions(connection.as_mut(), &config, &graph)?
    } else {
        Vec::new()
    };
    let revisions = graph.iterate(
        endpoint(&end, "heads", &current),
        endpoint(&start, "base", &current),
        WalkOptions {
            inclusive: true,
            ..WalkOptions::default()
        },
    )?;
    let printer = settings.printer;
    let path_of = |i: usize| graph.revision(i).script.path.display().to_string();
    if printer.json {
        printer.json(&revisions_json(&graph, &revisions));
        return Ok(ExitCode::Success);
    }
    let format = LineFormat {
        include_branches: true,
        include_doc: true,
        include_parents: true,
        tree_indicators: true,
        current: false,
    };
    let is_current = |index: usize| args.indicate_current && current.contains(&index);
    let mut output = String::with_capacity(revisions.len() * 80);
    for index in revisions {
        if args.verbose {
            output.push_str(&format_log_entry(
                &graph,
                index,
                is_current(index),
                &path_of(index),
            ));
        } else {
            output.push_str(&format_line(
                &graph,
                index,
                LineFormat {
                    current: is_current(index),
                    ..format
                },
            ));
        }
        output.push('\n');
    }
    if !output.is_empty() {
        output.pop();
        printer.data(&output);
    }
    Ok(ExitCode::Success)
}

/// One end of a range: empty means `empty`, `current` means the applied heads.
fn endpoint<'a>(text: &'a str, empty: &'static str, current: &'a [usize]) -> Endpoint<'a> {
    match text {
        "" => Endpoint::Identifier(empty),
        "current" => Endpoint::Revisions(current),
        other => Endpoint::Identifier(other),
    }
}
