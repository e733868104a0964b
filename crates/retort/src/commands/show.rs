//! `retort show REV`: the verbose block of each revision the identifier denotes.

use crate::args::ShowArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::display::{format_log_entry, revisions_json};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &ShowArgs) -> Result<ExitCode, CliError> {
    let (_, graph) = settings.config_and_graph()?;
    let revisions = graph.get_revision_indices(&args.revision)?;
    let printer = settings.printer;
    let path_of = |i: usize| graph.revision(i).script.path.display().to_string();
    if printer.json {
        printer.json(&revisions_json(&graph, &revisions));
        return Ok(ExitCode::Success);
    }
    for index in revisions {
        printer.data(&format_log_entry(&graph, index, false, &path_of(index)));
    }
    Ok(ExitCode::Success)
}
