//! `retort current [-v]`: the revisions applied to the database.

use super::migrate::{applied_revisions, open_existing_database};
use crate::args::VerboseArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::display::{format_line, format_log_entry, revisions_json, LineFormat};
use crate::settings::GlobalSettings;
use retort::database::mask_password;

pub fn run(settings: &GlobalSettings, args: &VerboseArgs) -> Result<ExitCode, CliError> {
    let (config, graph) = settings.config_and_graph()?;
    let (_, mut connection) = open_existing_database(settings, &config)?;
    let heads = applied_revisions(connection.as_mut(), &config, &graph)?;
    // A revision an earlier run left half-done (MySQL/MariaDB) is said even with -q: the
    // version table alone does not tell.
    let half_done =
        retort_core::runner::run::interrupted(connection.as_mut(), &graph, &config.version_table())
            .map_err(|e| super::migrate::run_error(&e))?;
    if let Some(report) = half_done {
        eprintln!("note: {}", report.describe());
        eprintln!("hint: {}", report.hint());
    }
    // Alembic shows the applied heads plus the branch tips they imply through dependencies.
    let current = graph.all_current(&heads);
    let printer = settings.printer;
    let path_of = |i: usize| graph.revision(i).script.path.display().to_string();
    if printer.json {
        printer.json(&revisions_json(&graph, &current));
        return Ok(ExitCode::Success);
    }
    if args.verbose {
        let url = config.database_url(settings.url.as_deref())?;
        printer.data(&format!("Current revision(s) for {}:", mask_password(&url)));
    }
    for index in current {
        if args.verbose {
            printer.data(&format_log_entry(&graph, index, false, &path_of(index)));
        } else {
            printer.data(&format_line(
                &graph,
                index,
                LineFormat {
                    tree_indicators: true,
                    ..LineFormat::default()
                },
            ));
        }
    }
    Ok(ExitCode::Success)
}
