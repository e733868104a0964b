//! What `check` and `revision --autogenerate` share: the live database at head, compared with
//! the declared schema, and the operations rendered as a revision's SQL.

use retort::autogenerate::{plan, PlanError};
use retort::database::DatabaseUrl;
use retort_core::autogenerate::plan::Plan;
use retort_core::autogenerate::AutogenerateError;
use retort_core::config::Config;
use retort_core::revision::graph::RevisionGraph;

use super::migrate::run_error;
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

impl From<PlanError> for CliError {
    fn from(error: PlanError) -> Self {
        match error {
            PlanError::Config(error) => error.into(),
            PlanError::Open(error) => error.into(),
            PlanError::Run(error) => run_error(&error),
            PlanError::Autogenerate(error) => error.into(),
            other @ (PlanError::Filter(_) | PlanError::NotAtHead | PlanError::DevUrlKind) => {
                let hint = other.hint();
                CliError::from_error(&other, hint, ExitCode::Usage)
            }
        }
    }
}

/// Open the database, insist it is at head, and plan the revision that brings it to the
/// declared schema (the library's [`retort::autogenerate::plan`], with the CLI's URL).
pub fn pending_plan(
    settings: &GlobalSettings,
    config: &Config,
    graph: &RevisionGraph,
) -> Result<Plan, CliError> {
    let url = DatabaseUrl::parse(&config.database_url(settings.url.as_deref())?, &config.root)?;
    Ok(plan(config, graph, &url)?)
}
