//! `retort init [DIR] [-t TEMPLATE]`.

use retort_core::project_template::{find_template, init_project};

use crate::args::InitArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &InitArgs) -> Result<ExitCode, CliError> {
    let template = find_template(&args.template)?;
    let (directory, require_empty) = match &args.directory {
        Some(directory) => (settings.working_directory.join(directory), true),
        None => (settings.working_directory.clone(), false),
    };
    for path in init_project(&directory, template, require_empty)? {
        settings
            .printer
            .status(&format!("Created {}", settings.display_path(&path)));
    }
    settings.printer.status(
        "Next: set DATABASE_URL (or edit retort.toml), then `retort revision -m \"first\"`.",
    );
    Ok(ExitCode::Success)
}
