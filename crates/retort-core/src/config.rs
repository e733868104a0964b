//! `retort.toml`: where it is found, what it may contain, and how `[env.NAME]`, `${VAR}` and
//! `.env` combine.

pub mod environment;
pub mod interpolate;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use environment::Environment;
use interpolate::{interpolate, interpolate_traced, DefaultUsed, InterpolationError};

use crate::revision::suggest::similar;

/// The configuration file's name.
pub const CONFIG_FILE_NAME: &str = "retort.toml";

/// `retort.toml` as written (before `[env.NAME]` is applied). Every table denies unknown keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(flatten)]
    pub settings: SettingsTable,
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, SettingsTable>,
    pub fleet: Option<FleetTable>,
}

/// `[fleet]`: the targets `retort fleet` migrates (top level only: a fleet spans environments).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetTable {
    /// Database URLs (`${VAR}` references expanded when used).
    pub targets: Option<Vec<String>>,
    /// `[env.NAME]` sections, each target being that environment's database.
    pub environments: Option<Vec<String>>,
    /// A query run on the control database returning one column: tenant schema names
    /// (schema-per-tenant) or database URLs.
    pub targets_query: Option<String>,
    /// Where `targets_query` runs and tenant schemas live (default: `database_url`).
    pub control_url: Option<String>,
    /// Targets migrated at once.
    pub parallel: Option<usize>,
    /// Where each target's outcome is recorded for `--resume` (default
    /// `.retort/fleet-journal.jsonl` beside `retort.toml`).
    pub journal: Option<String>,
}

/// The keys allowed at the top level and in each `[env.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsTable {
    pub script_location: Option<String>,
    pub version_locations: Option<Vec<String>>,
    pub file_template: Option<String>,
    pub truncate_slug_length: Option<usize>,
    pub timezone: Option<String>,
    pub database_url: Option<String>,
    pub version_table: Option<String>,
    pub version_table_schema: Option<String>,
    pub transaction_per_migration: Option<bool>,
    pub lock_mode: Option<LockMode>,
    /// Seconds a `lock_mode = "table"` lease lasts without a heartbeat.
    pub lock_lease_seconds: Option<f64>,
    /// More `.env` files, relative to `retort.toml`, read after the one beside it.
    pub env_file: Option<Vec<String>>,
    pub autogenerate: Option<AutogenerateTable>,
    pub hooks: Option<HooksTable>,
}

/// How the migration lock is held: for the whole session (`session`: an advisory lock or
/// `GET_LOCK` on a direct connection), by one transaction that holds the whole run
/// (`transaction`, for transaction-pooling PgBouncer), or as a lease row in a lock table with a
/// heartbeat (`table`: any pooler, Galera, engines without advisory locks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockMode {
    #[default]
    Session,
    Transaction,
    Table,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutogenerateTable {
    pub schema: Option<Vec<String>>,
    pub schema_command: Option<String>,
    pub dev_url: Option<String>,
    pub compare_type: Option<bool>,
    pub compare_server_default: Option<bool>,
    /// Compare privileges granted to roles (PostgreSQL); off by default, since roles differ
    /// between environments.
    pub compare_grants: Option<bool>,
    pub include_schemas: Option<Vec<String>>,
    pub exclude_tables: Option<Vec<String>>,
    /// `module:attribute` of the project's SQLAlchemy `MetaData` or declarative base.
    pub sqlalchemy: Option<String>,
    /// The interpreter that renders them.
    pub python: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HooksTable {
    pub post_write: Option<Vec<String>>,
}

const TOP_LEVEL_KEYS: &[&str] = &[
    "script_location",
    "version_locations",
    "file_template",
    "truncate_slug_length",
    "timezone",
    "database_url",
    "version_table",
    "version_table_schema",
    "transaction_per_migration",
    "lock_mode",
    "lock_lease_seconds",
    "env_file",
    "autogenerate",
    "hooks",
];
const AUTOGENERATE_KEYS: &[&str] = &[
    "schema",
    "schema_command",
    "dev_url",
    "compare_type",
    "compare_server_default",
    "compare_grants",
    "include_schemas",
    "exclude_tables",
    "sqlalchemy",
    "python",
];
const HOOKS_KEYS: &[&str] = &["post_write"];
const FLEET_KEYS: &[&str] = &[
    "targets",
    "environments",
    "targets_query",
    "control_url",
    "parallel",
    "journal",
];

/// Configuration problems. Each names the file and, where it helps, the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no {CONFIG_FILE_NAME} found in {start} or any parent directory")]
    NotFound { start: PathBuf },
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: unknown key `{key}`{}", location.as_deref().map(|l| format!(" in [{l}]")).unwrap_or_default())]
    UnknownKey {
        path: PathBuf,
        key: String,
        location: Option<String>,
        suggestion: Option<String>,
        allowed: Vec<String>,
    },
    #[error("{path}: no [env.{name}] section")]
    UnknownEnv {
        path: PathBuf,
        name: String,
        available: Vec<String>,
    },
    #[error("{path}: {source}")]
    Interpolation {
        path: PathBuf,
        #[source]
        source: InterpolationError,
    },
    #[error(transparent)]
    Dotenv(#[from] environment::DotenvError),
    #[error("no database URL: none of --url, database_url in {path} or DATABASE_URL is set")]
    NoDatabaseUrl { path: PathBuf },
    #[error("{path}: script_location {directory} is not a directory")]
    MissingScriptLocation { path: PathBuf, directory: PathBuf },
    #[error("{path}: lock_lease_seconds = {value} is out of range")]
    BadLease { path: PathBuf, value: f64 },
    #[error("{path}: [autogenerate] sets {keys}: the declared schema comes from one of them")]
    DeclaredSchemaSources { path: PathBuf, keys: String },
}

impl ConfigError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NotFound { .. } => {
                Some("run `retort init` to create a project, or pass `-c PATH`".to_owned())
            }
            Self::UnknownKey {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            Self::UnknownKey { allowed, .. } => {
                Some(format!("the keys here are: {}", allowed.join(", ")))
            }
            Self::UnknownEnv { available, .. } => Some(if available.is_empty() {
                "the file defines no [env.NAME] sections".to_owned()
            } else {
                let suggestion = similar(
                    match self {
                        Self::UnknownEnv { name, .. } => name,
                        _ => "",
                    },
                    available,
                    1,
                );
                match suggestion.first() {
                    Some(s) => format!(
                        "did you mean `--env {s}`? defined: {}",
                        available.join(", ")
                    ),
                    None => format!("defined: {}", available.join(", ")),
                }
            }),
            Self::Interpolation { source, .. } => Some(source.hint()),
            Self::MissingScriptLocation { .. } => Some(
                "fix script_location in the configuration (a path relative to it), or create the project with `retort init`".to_owned(),
            ),
            Self::BadLease { .. } => Some(
                "give the lease in seconds, between 1 and 86400 (it must outlast the heartbeat, sent every third of it)".to_owned(),
            ),
            Self::DeclaredSchemaSources { .. } => Some(
                "keep one: `schema` (SQL files), `schema_command` (a command printing DDL) or `sqlalchemy` (\"module:attribute\" of the models)".to_owned(),
            ),
            Self::NoDatabaseUrl { .. } => {
                Some("set DATABASE_URL (or put it in .env), or pass `--url`".to_owned())
            }
            _ => None,
        }
    }
}

/// The effective configuration of a project: the file, with `[env.NAME]` applied and every
/// variable expanded except the URLs, which are expanded when used (a project can run
/// `retort heads` without a database).
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The directory holding `retort.toml`; relative paths in it are relative to this.
    pub root: PathBuf,
    pub script_location: PathBuf,
    pub version_locations: Vec<PathBuf>,
    pub file_template: String,
    pub truncate_slug_length: usize,
    pub timezone: Option<String>,
    pub version_table: String,
    pub version_table_schema: Option<String>,
    pub transaction_per_migration: bool,
    pub lock_mode: LockMode,
    /// How long a `lock_mode = "table"` lease lasts without a heartbeat (30 s by default).
    pub lock_lease: std::time::Duration,
    pub schema_files: Vec<String>,
    pub schema_command: Option<String>,
    /// `[autogenerate] sqlalchemy`: the models that are the declared schema.
    pub sqlalchemy_models: Option<String>,
    /// `[autogenerate] python` (default: the active virtual environment's, else `python3`).
    pub python: Option<String>,
    pub compare_type: bool,
    pub compare_server_default: bool,
    /// `[autogenerate] compare_grants` (default false).
    pub compare_grants: bool,
    pub include_schemas: Vec<String>,
    pub exclude_tables: Vec<String>,
    pub post_write_hooks: Vec<String>,
    /// `[fleet]` as written: its URLs are expanded when used, with [`Config::expand`].
    pub fleet: FleetTable,
    raw_database_url: Option<String>,
    raw_dev_url: Option<String>,
    environment: Environment,
}

/// A database URL and the defaults its `${VAR:-default}` references took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUrl {
    pub url: String,
    pub defaults_used: Vec<DefaultUsed>,
}

/// Find `retort.toml` in `start` or the nearest parent directory.
pub fn find_config(start: &Path) -> Result<PathBuf, ConfigError> {
    let mut directory = Some(start);
    while let Some(current) = directory {
        let candidate = current.join(CONFIG_FILE_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        directory = current.parent();
    }
    Err(ConfigError::NotFound {
        start: start.to_path_buf(),
    })
}

impl Config {
    /// Load `path`, reading the `.env` beside it and applying `[env.<env_name>]`.
    pub fn load(
        path: &Path,
        env_name: Option<&str>,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        let text = fs_err::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let root = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        let config = Self::from_text(path, &root, &text, env_name, environment)?;
        // A misspelled script_location used to apply nothing and exit 0.
        if !config.script_location.is_dir() {
            return Err(ConfigError::MissingScriptLocation {
                path: path.to_path_buf(),
                directory: config.script_location.clone(),
            });
        }
        Ok(config)
    }

    /// Parse configuration text as if it were the file at `path` in directory `root`.
    pub fn from_text(
        path: &Path,
        root: &Path,
        text: &str,
        env_name: Option<&str>,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|error: toml::de::Error| ConfigError::Syntax {
                    path: path.to_path_buf(),
                    message: error.to_string().trim_end().to_owned(),
                })?;
        check_keys(path, &table)?;
        let file: ConfigFile =
            toml::Value::Table(table)
                .try_into()
                .map_err(|error: toml::de::Error| ConfigError::Syntax {
                    path: path.to_path_buf(),
                    message: error.to_string().trim_end().to_owned(),
                })?;
        let mut settings = file.settings;
        if let Some(name) = env_name {
            let Some(overlay) = file.env.get(name) else {
                return Err(ConfigError::UnknownEnv {
                    path: path.to_path_buf(),
                    name: name.to_owned(),
                    available: file.env.keys().cloned().collect(),
                });
            };
            settings = merge(settings, overlay.clone());
        }
        let mut config = Self::resolve(path, root, &settings, environment)?;
        config.fleet = file.fleet.unwrap_or_default();
        Ok(config)
    }

    fn resolve(
        path: &Path,
        root: &Path,
        table: &SettingsTable,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        // `.env` beside the file (optional), then each `env_file` (required), in order; the
        // names in `env_file` may use variables of the process environment.
        let mut environment = environment.with_dotenv_file(&root.join(".env"))?;
        for file in table.env_file.clone().unwrap_or_default() {
            let file = interpolate("env_file", &file, &environment).map_err(|source| {
                ConfigError::Interpolation {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
            let file = root.join(file);
            if file == root.join(".env") {
                continue;
            }
            environment = environment.with_required_dotenv_file(&file)?;
        }
        let lock_lease_seconds = table.lock_lease_seconds.unwrap_or(30.0);
        if !(1.0..=86_400.0).contains(&lock_lease_seconds) {
            return Err(ConfigError::BadLease {
                path: path.to_path_buf(),
                value: lock_lease_seconds,
            });
        }
        let expand = |key: &str, value: &str| {
            interpolate(key, value, &environment).map_err(|source| ConfigError::Interpolation {
                path: path.to_path_buf(),
                source,
            })
        };
        let expand_list = |key: &str, values: &[String]| -> Result<Vec<String>, ConfigError> {
            values.iter().map(|value| expand(key, value)).collect()
        };
        let script_location = root.join(expand(
            "script_location",
            table.script_location.as_deref().unwrap_or("migrations"),
        )?);
        let version_locations = match &table.version_locations {
            Some(locations) => expand_list("version_locations", locations)?
                .into_iter()
                .map(|location| root.join(location))
                .collect(),
            None => vec![script_location.join("versions")],
        };
        let autogenerate = table.autogenerate.clone().unwrap_or_default();
        let sources: Vec<&str> = [
            ("schema", autogenerate.schema.is_some()),
            ("schema_command", autogenerate.schema_command.is_some()),
            ("sqlalchemy", autogenerate.sqlalchemy.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        if sources.len() > 1 {
            return Err(ConfigError::DeclaredSchemaSources {
                path: path.to_path_buf(),
                keys: sources.join(", "),
            });
        }
        let optional =
            |key: &str, value: Option<&String>| value.map(|v| expand(key, v)).transpose();
        Ok(Config {
            path: path.to_path_buf(),
            root: root.to_path_buf(),
            script_location,
            version_locations,
            file_template: expand(
                "file_template",
                table.file_template.as_deref().unwrap_or("%(rev)s_%(slug)s"),
            )?,
            truncate_slug_length: table.truncate_slug_length.unwrap_or(40),
            timezone: optional("timezone", table.timezone.as_ref())?.filter(|t| !t.is_empty()),
            version_table: expand(
                "version_table",
                table.version_table.as_deref().unwrap_or("alembic_version"),
            )?,
            version_table_schema: optional(
                "version_table_schema",
                table.version_table_schema.as_ref(),
            )?
            .filter(|s| !s.is_empty()),
            transaction_per_migration: table.transaction_per_migration.unwrap_or(true),
            lock_mode: table.lock_mode.unwrap_or_default(),
            lock_lease: std::time::Duration::from_secs_f64(lock_lease_seconds),
            schema_files: expand_list(
                "autogenerate.schema",
                &autogenerate
                    .schema
                    .clone()
                    .unwrap_or_else(|| vec!["schema/**/*.sql".to_owned()]),
            )?,
            schema_command: optional(
                "autogenerate.schema_command",
                autogenerate.schema_command.as_ref(),
            )?,
            sqlalchemy_models: optional(
                "autogenerate.sqlalchemy",
                autogenerate.sqlalchemy.as_ref(),
            )?,
            python: optional("autogenerate.python", autogenerate.python.as_ref())?,
            compare_type: autogenerate.compare_type.unwrap_or(true),
            compare_server_default: autogenerate.compare_server_default.unwrap_or(true),
            compare_grants: autogenerate.compare_grants.unwrap_or(false),
            include_schemas: expand_list(
                "autogenerate.include_schemas",
                &autogenerate.include_schemas.clone().unwrap_or_default(),
            )?,
            exclude_tables: expand_list(
                "autogenerate.exclude_tables",
                &autogenerate.exclude_tables.clone().unwrap_or_default(),
            )?,
            post_write_hooks: table
                .hooks
                .as_ref()
                .and_then(|h| h.post_write.clone())
                .unwrap_or_default(),
            fleet: FleetTable::default(),
            raw_database_url: table.database_url.clone(),
            raw_dev_url: autogenerate.dev_url,
            environment,
        })
    }

    /// The database URL: `override_url` (`--url`), else `database_url` (after `[env.NAME]`), else
    /// `DATABASE_URL`.
    /// The version table this project keeps (Alembic's by default).
    pub fn version_table(&self) -> crate::runner::connection::VersionTable {
        crate::runner::connection::VersionTable {
            name: self.version_table.clone(),
            schema: self.version_table_schema.clone(),
        }
    }

    pub fn database_url(&self, override_url: Option<&str>) -> Result<String, ConfigError> {
        self.resolve_database_url(override_url).map(|url| url.url)
    }

    /// [`Config::database_url`], saying which `${VAR:-default}` defaults it took (the CLI
    /// prints a note for each: a fallback database is never used silently).
    pub fn resolve_database_url(
        &self,
        override_url: Option<&str>,
    ) -> Result<ResolvedUrl, ConfigError> {
        if let Some(url) = override_url {
            return Ok(ResolvedUrl {
                url: url.to_owned(),
                defaults_used: Vec::new(),
            });
        }
        let raw = self
            .raw_database_url
            .clone()
            .unwrap_or_else(|| "${DATABASE_URL}".to_owned());
        let (url, defaults_used) = interpolate_traced("database_url", &raw, &self.environment)
            .map_err(|source| match source {
                InterpolationError::Unset { name, .. } if name == "DATABASE_URL" => {
                    ConfigError::NoDatabaseUrl {
                        path: self.path.clone(),
                    }
                }
                source => ConfigError::Interpolation {
                    path: self.path.clone(),
                    source,
                },
            })?;
        if url.trim().is_empty() {
            return Err(ConfigError::NoDatabaseUrl {
                path: self.path.clone(),
            });
        }
        Ok(ResolvedUrl { url, defaults_used })
    }

    /// `value` of `key` with its `${VAR}` references expanded from the process environment and
    /// the `.env` files (for values expanded when used, such as the fleet's URLs).
    pub fn expand(&self, key: &str, value: &str) -> Result<String, ConfigError> {
        interpolate(key, value, &self.environment).map_err(|source| ConfigError::Interpolation {
            path: self.path.clone(),
            source,
        })
    }

    /// `[autogenerate] dev_url`, expanded, if set.
    pub fn dev_url(&self) -> Result<Option<String>, ConfigError> {
        self.raw_dev_url
            .as_ref()
            .map(|raw| {
                interpolate("autogenerate.dev_url", raw, &self.environment).map_err(|source| {
                    ConfigError::Interpolation {
                        path: self.path.clone(),
                        source,
                    }
                })
            })
            .transpose()
    }

    /// The project's revision template.
    pub fn script_template_path(&self) -> PathBuf {
        self.script_location.join("script.sql.j2")
    }

    pub fn environment(&self) -> &Environment {
        &self.environment
    }
}

fn check_keys(path: &Path, table: &toml::Table) -> Result<(), ConfigError> {
    check_settings_keys(path, table, None)?;
    if let Some(toml::Value::Table(envs)) = table.get("env") {
        for (name, value) in envs {
            if let toml::Value::Table(section) = value {
                check_settings_keys(path, section, Some(&format!("env.{name}")))?;
            }
        }
    }
    Ok(())
}

fn check_settings_keys(
    path: &Path,
    table: &toml::Table,
    location: Option<&str>,
) -> Result<(), ConfigError> {
    let mut allowed: Vec<&str> = TOP_LEVEL_KEYS.to_vec();
    if location.is_none() {
        allowed.extend(["env", "fleet"]);
    }
    check_table(path, table, &allowed, location)?;
    for (key, keys) in [
        ("autogenerate", AUTOGENERATE_KEYS),
        ("hooks", HOOKS_KEYS),
        ("fleet", FLEET_KEYS),
    ] {
        if let Some(toml::Value::Table(sub)) = table.get(key) {
            let name = match location {
                Some(location) => format!("{location}.{key}"),
                None => key.to_owned(),
            };
            check_table(path, sub, keys, Some(&name))?;
        }
    }
    Ok(())
}

fn check_table(
    path: &Path,
    table: &toml::Table,
    allowed: &[&str],
    location: Option<&str>,
) -> Result<(), ConfigError> {
    for key in table.keys() {
        if !allowed.contains(&key.as_str()) {
            let candidates: Vec<String> = allowed.iter().map(|k| (*k).to_owned()).collect();
            return Err(ConfigError::UnknownKey {
                path: path.to_path_buf(),
                key: key.clone(),
                location: location.map(str::to_owned),
                suggestion: similar(key, &candidates, 1).into_iter().next(),
                allowed: candidates.clone(),
            });
        }
    }
    Ok(())
}

/// `[env.NAME]` values replace the top-level ones key by key (and `[env.NAME.autogenerate]`
/// key by key within the table).
fn merge(base: SettingsTable, overlay: SettingsTable) -> SettingsTable {
    let autogenerate = match (base.autogenerate, overlay.autogenerate) {
        (Some(base), Some(overlay)) => Some(AutogenerateTable {
            schema: overlay.schema.or(base.schema),
            schema_command: overlay.schema_command.or(base.schema_command),
            dev_url: overlay.dev_url.or(base.dev_url),
            compare_type: overlay.compare_type.or(base.compare_type),
            compare_server_default: overlay
                .compare_server_default
                .or(base.compare_server_default),
            compare_grants: overlay.compare_grants.or(base.compare_grants),
            include_schemas: overlay.include_schemas.or(base.include_schemas),
            exclude_tables: overlay.exclude_tables.or(base.exclude_tables),
            sqlalchemy: overlay.sqlalchemy.or(base.sqlalchemy),
            python: overlay.python.or(base.python),
        }),
        (base, overlay) => overlay.or(base),
    };
    SettingsTable {
        script_location: overlay.script_location.or(base.script_location),
        version_locations: overlay.version_locations.or(base.version_locations),
        file_template: overlay.file_template.or(base.file_template),
        truncate_slug_length: overlay.truncate_slug_length.or(base.truncate_slug_length),
        timezone: overlay.timezone.or(base.timezone),
        database_url: overlay.database_url.or(base.database_url),
        version_table: overlay.version_table.or(base.version_table),
        version_table_schema: overlay.version_table_schema.or(base.version_table_schema),
        transaction_per_migration: overlay
            .transaction_per_migration
            .or(base.transaction_per_migration),
        lock_mode: overlay.lock_mode.or(base.lock_mode),
        lock_lease_seconds: overlay.lock_lease_seconds.or(base.lock_lease_seconds),
        env_file: overlay.env_file.or(base.env_file),
        autogenerate,
        hooks: overlay.hooks.or(base.hooks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, env: Option<&str>, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let environment =
            Environment::from_pairs(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Config::from_text(
            Path::new("/p/retort.toml"),
            Path::new("/p"),
            text,
            env,
            environment,
        )
    }

    #[test]
    fn defaults() {
        let config = load("", None, &[]).unwrap();
        assert_eq!(
            config.version_locations,
            [PathBuf::from("/p/migrations/versions")]
        );
        assert_eq!(config.version_table, "alembic_version");
        assert!(config.transaction_per_migration);
        assert!(matches!(
            config.database_url(None),
            Err(ConfigError::NoDatabaseUrl { .. })
        ));
    }

    #[test]
    fn url_precedence() {
        let text = "database_url = \"${DATABASE_URL}\"\n[env.prod]\ndatabase_url = \"postgres://${HOST:-db}/app\"\n";
        let vars = [("DATABASE_URL", "sqlite:///dev.db")];
        assert_eq!(
            load(text, None, &vars).unwrap().database_url(None).unwrap(),
            "sqlite:///dev.db"
        );
        assert_eq!(
            load(text, Some("prod"), &vars)
                .unwrap()
                .database_url(None)
                .unwrap(),
            "postgres://db/app"
        );
        assert_eq!(
            load(text, Some("prod"), &vars)
                .unwrap()
                .database_url(Some("x://"))
                .unwrap(),
            "x://"
        );
    }

    /// Finding 5: `${DATABASE_URL:-sqlite:///app.db}` with an empty DATABASE_URL migrated the
    /// SQLite file without a word. The default still applies (POSIX, docker compose), but it is
    /// reported so the CLI can say so; `${VAR}` alone refuses an empty value.
    #[test]
    fn empty_database_url_reports_the_default_it_takes() {
        let text = "database_url = \"${DATABASE_URL:-sqlite:///app.db}\"\n";
        let resolved = load(text, None, &[("DATABASE_URL", "")])
            .unwrap()
            .resolve_database_url(None)
            .unwrap();
        assert_eq!(resolved.url, "sqlite:///app.db");
        assert_eq!(
            resolved.defaults_used,
            [DefaultUsed {
                name: "DATABASE_URL".into(),
                default: "sqlite:///app.db".into(),
                was_empty: true
            }]
        );
        let error = load(
            "database_url = \"${DATABASE_URL}\"\n",
            None,
            &[("DATABASE_URL", "")],
        )
        .unwrap()
        .database_url(None)
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "/p/retort.toml: environment variable DATABASE_URL is empty (used by `database_url`)"
        );
        // No database_url key: an empty DATABASE_URL is named too, not "not set".
        let error = load("", None, &[("DATABASE_URL", "")])
            .unwrap()
            .database_url(None)
            .unwrap_err();
        assert!(
            error.to_string().contains("DATABASE_URL is empty"),
            "{error}"
        );
    }

    #[test]
    fn compare_grants_is_off_unless_set_and_env_sections_override_it() {
        assert!(!load("", None, &[]).unwrap().compare_grants);
        let text = "[autogenerate]\ncompare_grants = true\n[env.local.autogenerate]\ncompare_grants = false\n";
        assert!(load(text, None, &[]).unwrap().compare_grants);
        assert!(!load(text, Some("local"), &[]).unwrap().compare_grants);
        let error = load("[autogenerate]\ncompare_grant = true\n", None, &[]).unwrap_err();
        assert!(
            matches!(&error, ConfigError::UnknownKey { suggestion: Some(s), .. } if s == "compare_grants"),
            "{error:?}"
        );
    }

    #[test]
    fn unknown_keys_suggest() {
        let error = load("scrip_location = \"m\"\n", None, &[]).unwrap_err();
        assert!(
            matches!(&error, ConfigError::UnknownKey { suggestion: Some(s), .. } if s == "script_location"),
            "{error:?}"
        );
        let error = load("[autogenerate]\ncompare_types = true\n", None, &[]).unwrap_err();
        assert!(
            matches!(&error, ConfigError::UnknownKey { location: Some(l), .. } if l == "autogenerate")
        );
        let error = load("[env.prod]\nbogus = 1\n", None, &[]).unwrap_err();
        assert!(
            matches!(&error, ConfigError::UnknownKey { location: Some(l), .. } if l == "env.prod")
        );
        let error = load("[env.prod]\n", Some("prd"), &[]).unwrap_err();
        assert!(error.hint().unwrap().contains("--env prod"));
    }
}
