//! `retort heads [-v] [--resolve-dependencies]`.

use crate::args::HeadsArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::display::{format_line, format_log_entry, revisions_json, LineFormat};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &HeadsArgs) -> Result<ExitCode, CliError> {
    let (_, graph) = settings.config_and_graph()?;
    // Alembic: plain `heads` lists revisions nothing revises; with --resolve-dependencies, those
    // nothing revises or depends on.
    let heads = if args.resolve_dependencies {
        graph.real_heads().to_vec()
    } else {
        graph.heads().to_vec()
    };
    let printer = settings.printer;
    if printer.json {
        printer.json(&revisions_json(&graph, &heads));
        return Ok(ExitCode::Success);
    }
    for head in heads {
        if args.verbose {
            printer.data(&format_log_entry(
                &graph,
                head,
                false,
                &graph.revision(head).script.path.display().to_string(),
            ));
        } else {
            printer.data(&format_line(
                &graph,
                head,
                LineFormat {
                    include_branches: true,
                    ..LineFormat::default()
                },
            ));
        }
    }
    Ok(ExitCode::Success)
}
