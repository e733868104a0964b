//! `retort check`: exit 1 and list the differences when the declared schema and the database
//! (at head) differ.

use serde_json::json;

use super::autogenerate::pending_operations;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings) -> Result<ExitCode, CliError> {
    let (config, graph) = settings.config_and_graph()?;
    let (_, operations) = pending_operations(settings, &config, &graph)?;
    let printer = settings.printer;
    if printer.json {
        let list: Vec<_> = operations
            .iter()
            .map(|o| json!({"operation": o.summary(), "destructive": o.destructive()}))
            .collect();
        printer.json(&json!(list));
    } else if operations.is_empty() {
        printer.data("No new upgrade operations detected.");
    } else {
        printer.data(&format!(
            "New upgrade operations detected ({}):",
            operations.len()
        ));
        for operation in &operations {
            printer.data(&format!("  {}", operation.summary()));
        }
    }
    Ok(if operations.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Findings
    })
}
