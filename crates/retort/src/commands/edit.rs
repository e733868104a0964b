//! `retort edit REV`: open the revision file(s) in `$VISUAL` or `$EDITOR`.

use std::process::Command;

use crate::args::ShowArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &ShowArgs) -> Result<ExitCode, CliError> {
    let (_, graph) = settings.config_and_graph()?;
    let revisions = graph.get_revision_indices(&args.revision)?;
    if revisions.is_empty() {
        return Err(CliError::usage(format!(
            "'{}' names no revision file",
            args.revision
        )));
    }
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        })
        .ok_or_else(|| {
            CliError::usage("no editor: neither VISUAL nor EDITOR is set")
                .with_hint("export EDITOR=vim (or your editor's command)")
        })?;
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or_default();
    for index in revisions {
        let path = &graph.revision(index).script.path;
        let status = Command::new(program)
            .args(words.clone())
            .arg(path)
            .status()
            .map_err(|error| CliError::usage(format!("cannot start editor '{editor}': {error}")))?;
        if !status.success() {
            return Err(CliError::usage(format!(
                "editor '{editor}' exited with {status} on {}",
                path.display()
            )));
        }
    }
    Ok(ExitCode::Success)
}
