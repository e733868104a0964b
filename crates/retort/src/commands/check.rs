//! `retort check`: exit 1 and list the differences when the declared schema and the database
//! (at head) differ.

use serde_json::json;

use super::autogenerate::pending_plan;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings) -> Result<ExitCode, CliError> {
    let (config, graph) = settings.config_and_graph()?;
    let plan = pending_plan(settings, &config, &graph)?;
    for note in &plan.notes {
        settings.printer.status(&format!("warning: {note}"));
    }
    let operations = &plan.changes;
    let printer = settings.printer;
    if printer.json {
        let list: Vec<_> = operations
            .iter()
            .map(|o| json!({"operation": o.summary(), "destructive": o.destructive(plan.dialect)}))
            .collect();
        printer.json(&json!(list));
    } else if operations.is_empty() {
        printer.data("No new upgrade operations detected.");
    } else {
        printer.data(&format!(
            "New upgrade operations detected ({}):",
            operations.len()
        ));
        for operation in operations {
            for (index, line) in operation.summary().lines().enumerate() {
                printer.data(&format!(
                    "{}{line}",
                    if index == 0 { "  " } else { "      " }
                ));
            }
        }
    }
    Ok(if operations.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Findings
    })
}
