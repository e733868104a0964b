//! `retort list-templates`.

use retort_core::project_template::TEMPLATES;
use serde_json::json;

use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings) -> Result<ExitCode, CliError> {
    let printer = settings.printer;
    if printer.json {
        let list: Vec<_> = TEMPLATES
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description}))
            .collect();
        printer.json(&json!(list));
        return Ok(ExitCode::Success);
    }
    printer.data("Available templates:\n");
    for template in TEMPLATES {
        printer.data(&format!("{} - {}", template.name, template.description));
    }
    printer.data("\nTemplates are used via the 'init' command, e.g.:\n\n  retort init --template generic ./project");
    Ok(ExitCode::Success)
}
