//! `retort branches [-v]`: every branch point and the revisions it branches into.

use retort_core::revision::walk::{Endpoint, WalkOptions};

use crate::args::VerboseArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::display::{format_line, format_log_entry, revisions_json, LineFormat};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &VerboseArgs) -> Result<ExitCode, CliError> {
    let (_, graph) = settings.config_and_graph()?;
    let all = graph.iterate(
        Endpoint::Identifier("heads"),
        Endpoint::Identifier("base"),
        WalkOptions {
            inclusive: true,
            ..WalkOptions::default()
        },
    )?;
    let branch_points: Vec<usize> = all
        .into_iter()
        .filter(|&i| graph.revision(i).is_branch_point())
        .collect();
    let printer = settings.printer;
    let path_of = |i: usize| graph.revision(i).script.path.display().to_string();
    if printer.json {
        printer.json(&revisions_json(&graph, &branch_points));
        return Ok(ExitCode::Success);
    }
    for index in branch_points {
        let head = if args.verbose {
            format_log_entry(&graph, index, false, &path_of(index))
        } else {
            format_line(
                &graph,
                index,
                LineFormat {
                    include_branches: true,
                    tree_indicators: true,
                    ..LineFormat::default()
                },
            )
        };
        let indent = " ".repeat(graph.id(index).chars().count());
        let children: Vec<String> = graph
            .revision(index)
            .children()
            .iter()
            .map(|&child| {
                let line = format_line(
                    &graph,
                    child,
                    LineFormat {
                        include_branches: true,
                        include_doc: args.verbose,
                        tree_indicators: true,
                        ..LineFormat::default()
                    },
                );
                format!("{indent} -> {line}")
            })
            .collect();
        printer.data(&format!("{head}\n{}\n", children.join("\n")));
    }
    Ok(ExitCode::Success)
}
