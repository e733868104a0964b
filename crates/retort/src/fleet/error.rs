//! Why a fleet run could not start (a target's own failure is an [`super::Outcome`], not this).

use std::path::PathBuf;

use retort_core::config::ConfigError;
use retort_core::runner::connection::DatabaseError;

use crate::database::OpenError;

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("no fleet targets: {0}")]
    NoTargets(String),
    #[error("fleet target {name} is listed twice")]
    DuplicateTarget { name: String },
    #[error("the fleet's targets_query failed on {control}: {source}")]
    TargetsQuery {
        control: String,
        #[source]
        source: DatabaseError,
    },
    #[error("the fleet's targets_query returned {value:?}, which is neither a URL nor a schema name retort can use")]
    BadTenantName { value: String },
    #[error("schema-per-tenant targets need a {kind} control database, not {control}")]
    SchemaTenantsUnsupported { kind: &'static str, control: String },
    #[error("schema-per-tenant targets set search_path through the URL's `options`, which {control} already sets")]
    ControlUrlHasOptions { control: String },
    #[error(
        "version_table_schema = {schema:?} would put every tenant's version rows in one table"
    )]
    SharedVersionTable { schema: String },
    #[error("schema-per-tenant targets on PostgreSQL need a connection that keeps its session, and lock_mode = \"{lock_mode}\" is for connections that may not (a transaction-pooling proxy would run a tenant's statements with another session's search_path)")]
    TenantSessionNotPinned { lock_mode: &'static str },
    #[error("cannot use the fleet journal {path}: {source}")]
    Journal {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("another `retort fleet` run is writing the journal {path}")]
    JournalBusy { path: PathBuf },
    #[error("the journal {path} records `{recorded}`, not `{requested}`: --resume continues the same operation")]
    ResumeMismatch {
        path: PathBuf,
        recorded: String,
        requested: String,
    },
    #[error("nothing to resume: the journal {path} is missing or empty")]
    NothingToResume { path: PathBuf },
}

impl FleetError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Config(error) => error.hint(),
            Self::Open(error) => error.hint(),
            Self::NoTargets(_) => Some(
                "list them in retort.toml's [fleet] (targets, environments or targets_query), or pass --target URL".to_owned(),
            ),
            Self::DuplicateTarget { .. } => Some(
                "a target migrated twice in one run would wait for itself: list each database or schema once".to_owned(),
            ),
            Self::TargetsQuery { .. } => Some(
                "the query runs on [fleet] control_url (default: database_url) and returns one column: tenant schema names or database URLs".to_owned(),
            ),
            Self::BadTenantName { .. } => Some(
                "return a schema name (letters, digits, `_`, `$`, `-`) or a database URL (`postgres://…`) per row".to_owned(),
            ),
            Self::SchemaTenantsUnsupported { .. } => Some(
                "schema-per-tenant fleets run on PostgreSQL (a schema per tenant) or MySQL/MariaDB (a database per tenant); on SQLite list each file's URL in [fleet] targets".to_owned(),
            ),
            Self::ControlUrlHasOptions { .. } => Some(
                "remove `options` from the control URL (set those parameters on the role with ALTER ROLE … SET instead)".to_owned(),
            ),
            Self::TenantSessionNotPinned { .. } => Some(
                "migrate tenant schemas through a direct connection or session pooling with lock_mode = \"session\" (the default); list databases behind a transaction pooler as URLs instead".to_owned(),
            ),
            Self::SharedVersionTable { .. } => Some(
                "remove version_table_schema: each tenant's version table then lives in the tenant's own schema".to_owned(),
            ),
            Self::Journal { .. } => Some(
                "set [fleet] journal to a writable path, or pass --journal PATH".to_owned(),
            ),
            Self::JournalBusy { .. } => Some(
                "wait for that run to end; a second run from another place needs its own journal (--journal PATH): the targets' locks keep the two runs from migrating one target at once".to_owned(),
            ),
            Self::ResumeMismatch { .. } => Some(
                "run the recorded operation with --resume, or start a new run without --resume".to_owned(),
            ),
            Self::NothingToResume { .. } => Some(
                "run without --resume: every target is then migrated (targets already at the revision are left alone)".to_owned(),
            ),
        }
    }
}
