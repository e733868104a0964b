//! The one place that maps a database URL to a dialect and opens a connection.
//!
//! | URL | dialect |
//! |---|---|
//! | `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite::memory:` | SQLite |
//! | `postgres://`, `postgresql://`, `postgresql+asyncpg://`, `+psycopg2`, `+psycopg` | PostgreSQL |
//! | `mysql://`, `mariadb://`, `mysql+pymysql://` | MySQL / MariaDB |

use std::path::{Path, PathBuf};

use retort_core::config::environment::Environment;
use retort_core::runner::connection::{Connection, DatabaseError};
use retort_core::runner::offline::SqlDialect;
use retort_mysql::MysqlConnection;
use retort_postgres::{ConnectOptions, PostgresConnection};
use retort_sqlite::SqliteConnection;

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
    pub fn parse(url: &str, root: &Path) -> Result<Self, OpenError> {
        let (scheme, rest) = url.split_once(':').ok_or_else(|| unsupported(url))?;
        // SQLAlchemy spellings carry a driver: `postgresql+asyncpg`, `mysql+pymysql`.
        let base_scheme = scheme.split('+').next().unwrap_or(scheme);
        match base_scheme {
            "sqlite" => {
                if rest == ":memory:" || rest == "//" || rest == "///:memory:" || rest.is_empty() {
                    return Ok(Self::Sqlite(None));
                }
                let Some(path) = rest.strip_prefix("///") else {
                    return Err(OpenError::BadUrl {
                        url: mask_password(url),
                        reason: "not a SQLite URL".to_owned(),
                        hint: Some("write sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite::memory:".to_owned()),
                    });
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
    pub fn connect(&self, environment: &Environment) -> Result<Box<dyn Connection>, OpenError> {
        match self {
            Self::Sqlite(path) => SqliteConnection::open(path.as_deref())
                .map(|c| Box::new(c) as Box<dyn Connection>)
                .map_err(database_error),
            Self::Postgres(url) => {
                let home = environment.get("HOME").map(PathBuf::from);
                let options =
                    ConnectOptions::resolve(url, &|name| environment.get(name), home.clone())
                        .map_err(|e| OpenError::BadUrl {
                            url: mask_password(url),
                            reason: e.to_string(),
                            hint: e.hint(),
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

fn database_error(error: DatabaseError) -> OpenError {
    OpenError::Connect(error)
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL cannot be used (a usage error; nothing was contacted).
    #[error("{url}: {reason}")]
    BadUrl {
        url: String,
        reason: String,
        hint: Option<String>,
    },
    /// The server or file refused (a database error).
    #[error(transparent)]
    Connect(DatabaseError),
}

impl OpenError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::BadUrl { hint, .. } => hint.clone(),
            Self::Connect(_) => None,
        }
    }
}

fn unsupported(url: &str) -> OpenError {
    OpenError::BadUrl {
        url: mask_password(url),
        reason: "unsupported database URL".to_owned(),
        hint: Some("use postgresql://…, mysql://… or sqlite:///path.db".to_owned()),
    }
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
