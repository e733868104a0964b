//! `retort revision -m MSG [...]`: write a new revision file and print its path.

use std::path::Path;
use std::process::Command;

use retort_core::config::Config;
use retort_core::revision::graph::RevisionGraph;
use retort_core::revision::new_revision::{create_for_config, NewRevisionRequest};

use retort_core::autogenerate::plan::RenderedSection;

use super::autogenerate::pending_plan;
use crate::args::RevisionArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &RevisionArgs) -> Result<ExitCode, CliError> {
    let (config, graph) = settings.config_and_graph()?;
    let (upgrade, downgrade) = if args.autogenerate {
        let plan = pending_plan(settings, &config, &graph)?;
        for note in &plan.notes {
            settings.printer.status(&format!("warning: {note}"));
        }
        if plan.is_empty() && !args.allow_empty {
            settings.printer.status(
                "No changes in schema detected; no file written (pass --allow-empty to write one anyway).",
            );
            return Ok(ExitCode::Success);
        }
        for why in plan.destructive() {
            settings
                .printer
                .status(&format!("warning: destructive: {why}"));
        }
        for operation in plan.changes.iter().filter(|o| o.is_guessed_rename()) {
            settings.printer.status(&format!(
                "warning: probable rename, confirm it in the file: {}",
                operation.summary()
            ));
        }
        retort::autogenerate::sections(&plan)?
    } else {
        (RenderedSection::default(), RenderedSection::default())
    };
    let request = NewRevisionRequest {
        message: args.message.clone(),
        heads: args.head.iter().cloned().collect(),
        splice: args.splice,
        branch_labels: args.branch_label.clone(),
        depends_on: args.depends_on.clone(),
        revision_id: args.rev_id.clone(),
        version_path: args
            .version_path
            .as_ref()
            .map(|p| settings.working_directory.join(p)),
        upgrade_sql: upgrade.sql,
        downgrade_sql: downgrade.sql,
        upgrade_foreign_keys_off: upgrade.foreign_keys_off,
        downgrade_foreign_keys_off: downgrade.foreign_keys_off,
        extra: settings.extra.clone(),
    };
    create(settings, &config, &graph, &request)
}

/// Plan, write, run the post-write hooks, print the path. Shared with `merge`.
pub(crate) fn create(
    settings: &GlobalSettings,
    config: &Config,
    graph: &RevisionGraph,
    request: &NewRevisionRequest,
) -> Result<ExitCode, CliError> {
    let planned = create_for_config(graph, request, config)?;
    let shown = settings.display_path(&planned.path);
    settings.printer.data(&shown);
    for hook in &config.post_write_hooks {
        run_hook(settings, hook, &planned.path)?;
    }
    Ok(ExitCode::Success)
}

/// Run one `[hooks] post_write` command. The command is split on whitespace (no shell), and
/// `{path}` in any word is replaced by the new file's path.
fn run_hook(settings: &GlobalSettings, hook: &str, path: &Path) -> Result<(), CliError> {
    let path_text = path.display().to_string();
    let words: Vec<String> = hook
        .split_whitespace()
        .map(|w| w.replace("{path}", &path_text))
        .collect();
    let Some((program, arguments)) = words.split_first() else {
        return Ok(());
    };
    settings
        .printer
        .status(&format!("Running post-write hook `{hook}`"));
    let output = Command::new(program)
        .args(arguments)
        .current_dir(&settings.working_directory)
        .output()
        .map_err(|error| {
            CliError::usage(format!("post-write hook `{hook}` could not start: {error}")).with_hint(
                format!(
                "the revision was written to {path_text}; fix [hooks] post_write in retort.toml"
            ),
            )
        })?;
    if !output.stdout.is_empty() {
        settings
            .printer
            .status(String::from_utf8_lossy(&output.stdout).trim_end());
    }
    if !output.status.success() {
        return Err(CliError::usage(format!(
            "post-write hook `{hook}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
        .with_hint(format!(
            "the revision was written to {path_text}; fix the hook or the file"
        )));
    }
    Ok(())
}
