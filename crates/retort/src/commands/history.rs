//! `retort history [-r RANGE] [-v] [-i]`: from the heads down, in Alembic's order.

use retort_core::revision::error::RevisionError;
use retort_core::revision::walk::{Endpoint, WalkOptions};

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
    if args.indicate_current || start == "current" || end == "current" {
        return Err(CliError::usage("`history --indicate-current` and `current` in a range need the database, which this build cannot reach yet")
            .with_hint("use explicit revision ids in the range"));
    }
    let (_, graph) = settings.config_and_graph()?;
    let lower = if start.is_empty() {
        "base"
    } else {
        start.as_str()
    };
    let upper = if end.is_empty() {
        "heads"
    } else {
        end.as_str()
    };
    let revisions = graph.iterate(
        Endpoint::Identifier(upper),
        Endpoint::Identifier(lower),
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
    let mut output = String::with_capacity(revisions.len() * 80);
    for index in revisions {
        if args.verbose {
            output.push_str(&format_log_entry(&graph, index, false, &path_of(index)));
        } else {
            output.push_str(&format_line(&graph, index, format));
        }
        output.push('\n');
    }
    if !output.is_empty() {
        output.pop();
        printer.data(&output);
    }
    Ok(ExitCode::Success)
}
