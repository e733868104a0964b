//! What `check` and `revision --autogenerate` share: the live database at head, compared with
//! the declared schema, and the operations rendered as a revision's SQL.

use std::collections::BTreeSet;

use retort_core::autogenerate::plan::Plan;
use retort_core::autogenerate::{compare, load_declared, run_schema_command, AutogenerateError};
use retort_core::config::Config;
use retort_core::diff::DiffOptions;
use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::connection::{Connection, IntrospectFilter};
use retort_core::runner::run::read_heads;

use super::migrate::{open_database, run_error, version_table};
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

impl From<AutogenerateError> for CliError {
    fn from(error: AutogenerateError) -> Self {
        let exit_code = match error {
            AutogenerateError::Database(_) => ExitCode::Database,
            _ => ExitCode::Usage,
        };
        let mut cli = CliError::usage(error.to_string());
        cli.exit_code = exit_code;
        cli.hints.extend(error.hint());
        cli
    }
}

/// Open the database, insist it is at head, and plan the revision that brings it to the
/// declared schema.
pub fn pending_plan(
    settings: &GlobalSettings,
    config: &Config,
    graph: &RevisionGraph,
) -> Result<Plan, CliError> {
    let (target_url, mut connection) = open_database(settings, config)?;
    let table = version_table(config);
    let rows: BTreeSet<String> = read_heads(connection.as_mut(), &table)
        .map_err(|e| run_error(&e))?
        .into_iter()
        .collect();
    let heads: BTreeSet<String> = graph
        .heads()
        .iter()
        .map(|&h| graph.id(h).to_owned())
        .collect();
    if rows != heads {
        return Err(CliError::usage("Target database is not up to date.")
            .with_hint("run `retort upgrade head` first: autogenerate compares the declared schema with the database at head"));
    }
    let declared = match &config.schema_command {
        Some(command) => run_schema_command(&config.root, command)?,
        None => load_declared(&config.root, &config.schema_files)?,
    };
    let filter = IntrospectFilter::new(&config.include_schemas, &config.exclude_tables, table)
        .map_err(|e| {
            CliError::usage(e.to_string()).with_hint(
                "fix the pattern in retort.toml: `*`, `?`, `[0-9]` and `{a,b}` are the glob forms",
            )
        })?;
    let options = DiffOptions {
        compare_type: config.compare_type,
        compare_server_default: config.compare_server_default,
    };
    // `dev_url`: the scratch database is made on that server instead of the target's.
    let mut scratch_connection = match config.dev_url()? {
        Some(url) => {
            let url = retort::database::DatabaseUrl::parse(&url, &config.root)?;
            if url.sql_dialect() != target_url.sql_dialect() {
                return Err(CliError::usage(
                    "[autogenerate] dev_url must be a database of the same kind as the target",
                )
                .with_hint(
                    "the declared schema is loaded there and compared with the target's catalog",
                ));
            }
            Some(url.connect(config.environment())?)
        }
        None => None,
    };
    let scratch_server: Option<&mut dyn Connection> = scratch_connection
        .as_mut()
        .map(|server| server.as_mut() as &mut dyn Connection);
    Ok(compare(
        connection.as_mut(),
        scratch_server,
        &declared,
        &filter,
        options,
    )?)
}
