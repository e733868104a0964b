//! Autogenerate as a library call: the plan that brings a database (at head) to the declared
//! schema of a project's `retort.toml`. `retort check` and `retort revision --autogenerate` are
//! this call plus printing; [`crate::Migrations::check`] and
//! [`crate::Migrations::autogenerate`] are it for an application.

use std::collections::BTreeSet;

use retort_core::autogenerate::plan::{Plan, RenderedSection};
use retort_core::autogenerate::sqlalchemy_models::{default_python, render_models};
use retort_core::autogenerate::{compare, load_declared, run_schema_command, AutogenerateError};
use retort_core::config::{Config, ConfigError};
use retort_core::diff::DiffOptions;
use retort_core::glob::BadGlob;
use retort_core::introspect::{Database, IntrospectFilter};
use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::connection::DatabaseError;
use retort_core::runner::run::{read_heads, RunError};

use crate::database::{DatabaseUrl, OpenError};

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Autogenerate(#[from] AutogenerateError),
    #[error(transparent)]
    Filter(#[from] BadGlob),
    #[error("Target database is not up to date.")]
    NotAtHead,
    #[error("[autogenerate] dev_url must be a database of the same kind as the target")]
    DevUrlKind,
}

impl PlanError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Config(error) => error.hint(),
            Self::Open(error) => error.hint(),
            Self::Run(error) => error.hint(),
            Self::Autogenerate(error) => error.hint(),
            Self::Filter(_) => Some(
                "fix the pattern in retort.toml: `*`, `?`, `[0-9]` and `{a,b}` are the glob forms"
                    .to_owned(),
            ),
            Self::NotAtHead => Some(
                "run `retort upgrade head` first: autogenerate compares the declared schema with the database at head"
                    .to_owned(),
            ),
            Self::DevUrlKind => Some(
                "the declared schema is loaded there and compared with the target's catalog"
                    .to_owned(),
            ),
        }
    }
}

/// Connect to `url`, insist the database is at head, and plan the revision that brings it to
/// the declared schema of `config`.
pub fn plan(config: &Config, graph: &RevisionGraph, url: &DatabaseUrl) -> Result<Plan, PlanError> {
    let mut connection = url.connect(config.environment())?;
    let table = config.version_table();
    let rows: BTreeSet<String> = read_heads(connection.as_mut(), &table)?
        .into_iter()
        .collect();
    let heads: BTreeSet<String> = graph
        .heads()
        .iter()
        .map(|&h| graph.id(h).to_owned())
        .collect();
    if rows != heads {
        return Err(PlanError::NotAtHead);
    }
    let declared = match (&config.sqlalchemy_models, &config.schema_command) {
        (Some(models), _) => {
            let python = config.python.clone().unwrap_or_else(|| {
                default_python(config.environment().get("VIRTUAL_ENV").as_deref())
            });
            render_models(&config.root, &python, models, url.sql_dialect().name())?
        }
        (None, Some(command)) => run_schema_command(&config.root, command)?,
        (None, None) => load_declared(&config.root, &config.schema_files)?,
    };
    // The progress table (MySQL) is retort's, like the version and lock tables.
    let filter = IntrospectFilter::new(&config.include_schemas, &config.exclude_tables, table)?;
    let options = DiffOptions {
        compare_type: config.compare_type,
        compare_server_default: config.compare_server_default,
        compare_grants: config.compare_grants,
        ..DiffOptions::default()
    };
    // `dev_url`: the scratch database is made on that server instead of the target's.
    let mut scratch_connection = match config.dev_url()? {
        Some(dev_url) => {
            let dev_url = DatabaseUrl::parse(&dev_url, &config.root)?;
            if dev_url.sql_dialect().name() != url.sql_dialect().name() {
                return Err(PlanError::DevUrlKind);
            }
            Some(dev_url.connect(config.environment())?)
        }
        None => None,
    };
    let scratch_server: Option<&mut dyn Database> = scratch_connection
        .as_mut()
        .map(|server| server.as_mut() as &mut dyn Database);
    Ok(compare(
        connection.as_mut(),
        scratch_server,
        &declared,
        &filter,
        options,
    )?)
}

/// The upgrade and downgrade sections of the revision `plan` writes.
pub fn sections(plan: &Plan) -> Result<(RenderedSection, RenderedSection), PlanError> {
    let render = |section: Result<RenderedSection, DatabaseError>| {
        section.map_err(|e| PlanError::Autogenerate(e.into()))
    };
    Ok((
        render(plan.render_upgrade())?,
        render(plan.render_downgrade())?,
    ))
}
