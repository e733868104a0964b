//! Which targets a fleet run migrates: URLs, `[env.NAME]` sections, or what a query on a control
//! database returns (tenant schemas or URLs).

use std::collections::BTreeSet;
use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use retort_core::config::environment::Environment;
use retort_core::config::{Config, LockMode};

use super::FleetError;
use crate::database::{mask_password, DatabaseUrl};

/// One database (or tenant schema) a fleet run migrates.
#[derive(Debug, Clone)]
pub struct Target {
    /// How the target is shown and recorded in the journal: its URL with the password masked,
    /// or `schema NAME` for a tenant schema. Unique within a run.
    pub name: String,
    url: String,
    /// A tenant schema: its name and the control database's URL, so that a worker can move a
    /// warm connection to it instead of opening one.
    tenant: Option<(String, Arc<str>)>,
    /// The configuration the target runs with (its `[env.NAME]` for an environment target):
    /// version table, lock mode, transactions.
    config: Arc<Config>,
}

impl Target {
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The tenant schema and the URL of the database holding it, for a schema-per-tenant
    /// target.
    pub fn tenant(&self) -> Option<(&str, &str)> {
        self.tenant
            .as_ref()
            .map(|(schema, control)| (schema.as_str(), &**control))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// Targets chosen on the command line; when empty, `[fleet]` in `retort.toml` decides.
#[derive(Debug, Clone, Default)]
pub struct TargetSelection {
    pub urls: Vec<String>,
}

/// The targets of a run, in a stable order: the command line's `--target` URLs, or else
/// `[fleet]`'s `targets`, then its `environments`, then what `targets_query` returns.
pub fn resolve_targets(
    config: &Arc<Config>,
    selection: &TargetSelection,
) -> Result<Vec<Target>, FleetError> {
    let fleet = &config.fleet;
    let mut targets = Vec::new();
    if selection.urls.is_empty() {
        for raw in fleet.targets.iter().flatten() {
            let url = config.expand("fleet.targets", raw)?;
            targets.push(url_target(config, url));
        }
        for name in fleet.environments.iter().flatten() {
            let environment_config =
                Config::load(&config.path, Some(name), Environment::process())?;
            let url = environment_config.database_url(None)?;
            targets.push(Target {
                name: format!("env {name} ({})", mask_password(&url)),
                url,
                tenant: None,
                config: Arc::new(environment_config),
            });
        }
        if let Some(query) = &fleet.targets_query {
            targets.extend(query_targets(config, query)?);
        }
    } else {
        for url in &selection.urls {
            targets.push(url_target(config, url.clone()));
        }
    }
    if targets.is_empty() {
        return Err(FleetError::NoTargets(if selection.urls.is_empty() {
            format!("{} has no [fleet] targets", config.path.display())
        } else {
            "no --target given".to_owned()
        }));
    }
    let mut seen = BTreeSet::new();
    for target in &targets {
        if !seen.insert(target.name.as_str()) {
            return Err(FleetError::DuplicateTarget {
                name: target.name.clone(),
            });
        }
    }
    Ok(targets)
}

fn url_target(config: &Arc<Config>, url: String) -> Target {
    Target {
        name: mask_password(&url),
        url,
        tenant: None,
        config: Arc::clone(config),
    }
}

/// Run `targets_query` on the control database: each row is a database URL, or the name of a
/// tenant schema on the control database (a database on MySQL/MariaDB).
fn query_targets(config: &Arc<Config>, query: &str) -> Result<Vec<Target>, FleetError> {
    let control = match &config.fleet.control_url {
        Some(raw) => config.expand("fleet.control_url", raw)?,
        None => config.database_url(None)?,
    };
    let shown = mask_password(&control);
    let control_url = DatabaseUrl::parse(&control, &config.root)?;
    let mut connection = control_url.connect_existing(config.environment())?;
    let rows = connection
        .query_rows(query)
        .map_err(|source| FleetError::TargetsQuery {
            control: shown.clone(),
            source,
        })?
        .rows;
    let mut targets = Vec::with_capacity(rows.len());
    let shared_control: Arc<str> = Arc::from(control.as_str());
    for row in rows {
        let value = row.into_iter().next().flatten().unwrap_or_default();
        let value = value.trim();
        if value.contains("://") {
            targets.push(url_target(config, value.to_owned()));
            continue;
        }
        if let Some(schema) = &config.version_table_schema {
            return Err(FleetError::SharedVersionTable {
                schema: schema.clone(),
            });
        }
        // A tenant's search_path is session state: through a transaction pooler its statements
        // could run with another tenant's, silently migrating the wrong schema.
        if matches!(control_url, DatabaseUrl::Postgres(_)) {
            match config.lock_mode {
                LockMode::Session => {}
                LockMode::Transaction => {
                    return Err(FleetError::TenantSessionNotPinned {
                        lock_mode: "transaction",
                    })
                }
                LockMode::Table => {
                    return Err(FleetError::TenantSessionNotPinned { lock_mode: "table" })
                }
            }
        }
        let url = tenant_url(&control, &control_url, value)?;
        targets.push(Target {
            name: format!("schema {value}"),
            url,
            tenant: Some((value.to_owned(), Arc::clone(&shared_control))),
            config: Arc::clone(config),
        });
    }
    Ok(targets)
}

/// The control URL pointed at one tenant: on PostgreSQL the tenant's schema first on the
/// `search_path` (its version table and objects land there, the revision SQL unchanged); on
/// MySQL/MariaDB, where a schema is a database, the tenant's database.
fn tenant_url(control: &str, parsed: &DatabaseUrl, tenant: &str) -> Result<String, FleetError> {
    let plain = !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '-'));
    if !plain {
        return Err(FleetError::BadTenantName {
            value: tenant.to_owned(),
        });
    }
    match parsed {
        DatabaseUrl::Postgres(_) => {
            if control.contains("?options=") || control.contains("&options=") {
                return Err(FleetError::ControlUrlHasOptions {
                    control: mask_password(control),
                });
            }
            // Quoted: the name is the catalog's, case and all.
            let options = format!("-c search_path=\"{tenant}\"");
            let separator = if control.contains('?') { '&' } else { '?' };
            Ok(format!(
                "{control}{separator}options={}",
                utf8_percent_encode(&options, NON_ALPHANUMERIC)
            ))
        }
        DatabaseUrl::Mysql(_) => Ok(with_database(control, tenant)),
        DatabaseUrl::Sqlite(_) => Err(FleetError::SchemaTenantsUnsupported {
            kind: "PostgreSQL or MySQL/MariaDB",
            control: mask_password(control),
        }),
    }
}

/// `url` with its path (the database name) replaced by `database`. The authority ends at the
/// first `/` or `?` after the scheme: `DatabaseUrl::parse` has refused unescaped ones in the
/// password.
fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let query = after.find('?').map_or("", |at| &after[at..]);
    format!(
        "{scheme}://{authority}/{}{query}",
        utf8_percent_encode(database, NON_ALPHANUMERIC)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_tenant_is_first_on_the_search_path() {
        let control = "postgres://app:secret@db:5432/main?sslmode=require";
        let parsed = DatabaseUrl::parse(control, std::path::Path::new(".")).unwrap();
        assert_eq!(
            tenant_url(control, &parsed, "tenant_7").unwrap(),
            "postgres://app:secret@db:5432/main?sslmode=require&options=%2Dc%20search%5Fpath%3D%22tenant%5F7%22"
        );
    }

    #[test]
    fn a_mysql_tenant_is_its_database() {
        let control = "mysql://root:pw@127.0.0.1:3306/control?ssl-mode=DISABLED";
        let parsed = DatabaseUrl::parse(control, std::path::Path::new(".")).unwrap();
        assert_eq!(
            tenant_url(control, &parsed, "t1").unwrap(),
            "mysql://root:pw@127.0.0.1:3306/t1?ssl-mode=DISABLED"
        );
        assert_eq!(
            with_database("mysql://127.0.0.1", "t2"),
            "mysql://127.0.0.1/t2"
        );
    }

    #[test]
    fn tenant_names_that_need_quoting_are_refused() {
        let control = "postgres://db/main";
        let parsed = DatabaseUrl::parse(control, std::path::Path::new(".")).unwrap();
        for bad in ["", "a b", "a\"b", "a;b", "a\\b"] {
            assert!(matches!(
                tenant_url(control, &parsed, bad),
                Err(FleetError::BadTenantName { .. })
            ));
        }
        assert!(matches!(
            tenant_url("postgres://db/main?options=-c%20x%3D1", &parsed, "t"),
            Err(FleetError::ControlUrlHasOptions { .. })
        ));
    }
}
