//! The one place that maps a database URL to a dialect and opens a connection.

use std::path::{Path, PathBuf};

use retort_core::config::environment::Environment;
use retort_core::runner::connection::{Connection, DatabaseError};
use retort_core::runner::offline::SqlDialect;
use retort_mysql::MysqlConnection;
use retort_postgres::{ConnectOptions, PostgresConnection};
use retort_sqlite::SqliteConnection;

use crate::diagnostics::{CliError, ExitCode};

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `None` is `:memory:`.
    Sqlite(Option<PathBuf>),
    Postgres(String),
    Mysql(String),
}

impl DatabaseUrl {
    /// Parse `url`; relative SQLite paths are relative to `root` (the directory of retort.toml).
    pub fn parse(url: &str, root: &Path) -> Result<Self, CliError> {
        let (scheme, rest) = url.split_once(':').ok_or_else(|| unsupported(url))?;
        // SQLAlchemy spellings carry a driver: `postgresql+asyncpg`, `mysql+pymysql`.
        let base_scheme = scheme.split('+').next().unwrap_or(scheme);
        match base_scheme {
            "sqlite" => {
                if rest == ":memory:" || rest == "//" || rest == "///:memory:" || rest.is_empty() {
                    return Ok(Self::Sqlite(None));
                }
                let Some(path) = rest.strip_prefix("///") else {
                    return Err(CliError::usage(format!("cannot read the SQLite URL '{url}'"))
                        .with_hint("write sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite::memory:"));
                };
                let path = path.split('?').next().unwrap_or(path);
                Ok(Self::Sqlite(Some(root.join(path))))
            }
            "postgres" | "postgresql" => Ok(Self::Postgres(url.to_owned())),
            "mysql" | "mariadb" => Ok(Self::Mysql(url.to_owned())),
            _ => Err(unsupported(url)),
        }
    }

    pub fn sql_dialect(&self) -> SqlDialect {
        match self {
            Self::Sqlite(_) => SqlDialect::Sqlite,
            Self::Postgres(_) => SqlDialect::Postgres,
            Self::Mysql(_) => SqlDialect::Mysql,
        }
    }

    /// Open a connection. `environment` supplies `PG*` variables and `HOME` (for `~/.pgpass`).
    pub fn connect(&self, environment: &Environment) -> Result<Box<dyn Connection>, CliError> {
        match self {
            Self::Sqlite(path) => SqliteConnection::open(path.as_deref())
                .map(|c| Box::new(c) as Box<dyn Connection>)
                .map_err(database_error),
            Self::Postgres(url) => {
                let home = environment.get("HOME").map(PathBuf::from);
                let options =
                    ConnectOptions::resolve(url, &|name| environment.get(name), home.clone())
                        .map_err(|e| {
                            let mut error = CliError::usage(format!("{}: {e}", mask_password(url)));
                            error.hints.extend(e.hint());
                            error
                        })?;
                PostgresConnection::connect(&options, home.as_deref())
                    .map(|c| Box::new(c) as Box<dyn Connection>)
                    .map_err(database_error)
            }
            Self::Mysql(url) => MysqlConnection::connect(url)
                .map(|c| Box::new(c) as Box<dyn Connection>)
                .map_err(database_error),
        }
    }
}

fn database_error(error: DatabaseError) -> CliError {
    CliError {
        message: error.message,
        hints: Vec::new(),
        exit_code: ExitCode::Database,
    }
}

fn unsupported(url: &str) -> CliError {
    CliError::usage(format!("unsupported database URL '{}'", mask_password(url)))
        .with_hint("use postgresql://…, mysql://… or sqlite:///path.db")
}

/// The URL with any password replaced by `***`, for every place a URL is shown.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some((credentials, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = credentials.split(':').next().unwrap_or_default();
    let masked = if credentials.contains(':') {
        format!("{user}:***")
    } else {
        user.to_owned()
    };
    format!("{scheme}://{masked}@{host}{}", &rest[authority_end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords() {
        assert_eq!(
            mask_password("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(mask_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(mask_password("sqlite:///x.db"), "sqlite:///x.db");
    }

    #[test]
    fn sqlite_urls() {
        let root = Path::new("/p");
        assert_eq!(
            DatabaseUrl::parse("sqlite:///app.db", root).unwrap(),
            DatabaseUrl::Sqlite(Some("/p/app.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:////abs/x.db", root).unwrap(),
            DatabaseUrl::Sqlite(Some("/abs/x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:", root).unwrap(),
            DatabaseUrl::Sqlite(None)
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql+asyncpg://u@h/db", root).unwrap(),
            DatabaseUrl::Postgres(_)
        ));
    }
}
