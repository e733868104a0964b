//! The one place that maps a database URL to a dialect and opens a connection.
//!
//! | URL | dialect |
//! |---|---|
//! | `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite::memory:` | SQLite |
//! | `postgres://`, `postgresql://`, `postgresql+asyncpg://`, `+psycopg2`, `+psycopg` | PostgreSQL |
//! | `mysql://`, `mariadb://`, `mysql+pymysql://` | MySQL / MariaDB |

use std::path::{Path, PathBuf};

use retort_core::config::environment::Environment;
use retort_core::dialect::Dialect;
use retort_core::introspect::Database;
use retort_core::runner::connection::DatabaseError;
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
        if matches!(base_scheme, "postgres" | "postgresql" | "mysql" | "mariadb") {
            check_credentials(url, base_scheme)?;
        }
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

    /// How this database's SQL is written (the offline script's, say).
    pub fn sql_dialect(&self) -> &'static dyn Dialect {
        match self {
            Self::Sqlite(_) => &retort_sqlite::dialect::SQLITE,
            Self::Postgres(_) => &retort_postgres::dialect::POSTGRES,
            Self::Mysql(_) => &retort_mysql::dialect::MYSQL,
        }
    }

    /// Open a connection. `environment` supplies `PG*` variables and `HOME` (for `~/.pgpass`).
    pub fn connect(&self, environment: &Environment) -> Result<Box<dyn Database>, OpenError> {
        match self {
            Self::Sqlite(path) => SqliteConnection::open(path.as_deref())
                .map(|c| Box::new(c) as Box<dyn Database>)
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
                    .map(|c| Box::new(c) as Box<dyn Database>)
                    .map_err(database_error)
            }
            Self::Mysql(url) => {
                // A URL the client cannot read is a usage error, like PostgreSQL's.
                retort_mysql::connection::options_from_url(url).map_err(|e| OpenError::BadUrl {
                    url: mask_password(url),
                    reason: e.message,
                    hint: Some(MYSQL_URL_HINT.to_owned()),
                })?;
                MysqlConnection::connect(url)
                    .map(|c| Box::new(c) as Box<dyn Database>)
                    .map_err(database_error)
            }
        }
    }
}

impl DatabaseUrl {
    /// Open a connection for a command that only reads: like [`Self::connect`], but a SQLite
    /// file that does not exist is an error naming its path, never created.
    pub fn connect_existing(
        &self,
        environment: &Environment,
    ) -> Result<Box<dyn Database>, OpenError> {
        match self {
            Self::Sqlite(Some(path)) => {
                if !path.is_file() {
                    return Err(OpenError::BadUrl {
                        url: path.display().to_string(),
                        reason: "no SQLite database here (commands that only read never create one)".to_owned(),
                        hint: Some("check database_url: a sqlite:///relative path is relative to the directory holding retort.toml; `retort upgrade` creates the database".to_owned()),
                    });
                }
                SqliteConnection::open_existing(path)
                    .map(|c| Box::new(c) as Box<dyn Database>)
                    .map_err(database_error)
            }
            _ => self.connect(environment),
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
            // The driver's words for a server that did not authenticate with SCRAM-SHA-256-PLUS.
            Self::Connect(error) if error.message.contains("did not use channel binding") => Some(
                "channel_binding=require needs the server to authenticate this user with SCRAM-SHA-256 over TLS; this one authenticated without (trust, md5 or password authentication, or no TLS). Use channel_binding=prefer only if you trust the network path".to_owned(),
            ),
            Self::Connect(error) => error.hint.clone(),
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

const MYSQL_URL_HINT: &str = "write mysql://USER:PASSWORD@HOST:PORT/DATABASE; retort reads ssl-mode (DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY), ssl-ca and charset, and passes the other parameters to the mysql client";

/// Characters that end the user information of a URL early when they are not percent-encoded.
/// Our PostgreSQL parser, like libpq, ends it at `/` and `?` (a `#` is kept); MySQL's client
/// follows the URL standard, where `#` starts a fragment.
fn delimiters(base_scheme: &str) -> &'static [char] {
    if base_scheme.starts_with("postgres") {
        &['/', '?']
    } else {
        &['/', '?', '#']
    }
}

/// The part of a URL after its scheme (`://` or a bare `:`).
fn after_scheme(url: &str) -> Option<(&str, &str)> {
    url.split_once("://").or_else(|| url.split_once(':'))
}

/// Refuse a URL whose password (or user name) holds a character that would cut it short, such
/// as `postgres://app:pa/ss@host/db`, which every parser reads as host `app`, port `pa`: the
/// error would show part of the password and the connection would go elsewhere.
fn check_credentials(url: &str, base_scheme: &str) -> Result<(), OpenError> {
    let Some((_, rest)) = after_scheme(url) else {
        return Ok(());
    };
    let Some(at) = rest.rfind('@') else {
        return Ok(());
    };
    let Some(delimiter) = rest.find(delimiters(base_scheme)) else {
        return Ok(());
    };
    // `?user=a@b`: an `@` inside a query parameter is not a password's.
    if delimiter < at && !rest[delimiter..at].contains('=') {
        let character = rest[delimiter..].chars().next().unwrap_or('/');
        return Err(OpenError::BadUrl {
            url: mask_password(url),
            reason: format!(
                "the user name or password holds an unescaped '{character}', which ends it early"
            ),
            hint: Some("percent-encode the user name and password: '/' as %2F, '?' as %3F, '#' as %23, '@' as %40, ':' as %3A, '%' as %25 (Python: urllib.parse.quote(password, safe=''))".to_owned()),
        });
    }
    Ok(())
}

/// The URL with any password replaced by `***`, for every place a URL is shown: the user
/// information runs to the last `@` (so a password holding an unescaped `/`, `#`, `?` or `@` is
/// hidden whole), and a `password=` parameter's value is masked too.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = after_scheme(url) else {
        return url.to_owned();
    };
    let separator = &url[scheme.len()..url.len() - rest.len()];
    let (user, location) = match rest.rsplit_once('@') {
        Some((credentials, location)) => {
            let masked = match credentials.split_once(':') {
                Some((user, _)) => format!("{user}:***@"),
                None if credentials.contains(['/', '?', '#', '=', '&']) => "***@".to_owned(),
                None => format!("{credentials}@"),
            };
            (masked, location)
        }
        None => (String::new(), rest),
    };
    let location = match location.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => location.to_owned(),
    };
    format!("{scheme}{separator}{user}{location}")
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

    /// Issue 9, finding 4: no form of password survives masking.
    #[test]
    fn masks_every_password_spelling() {
        for url in [
            "postgres://u:S3cr3t-Zebra@h/db",
            "postgres://u:S3cr/3t-Zebra@h/db",
            "postgres://u:S3cr#3t-Zebra@h/db",
            "postgres://u:S3cr@3t-Zebra@h/db",
            "postgres://u:S3cr?3t-Zebra@h/db",
            "postgres://u@h/db?sslmode=require&password=S3cr3t-Zebra",
            "mysql://root:S3cr3t-Zebra@h:3306/db?PASSWORD=S3cr3t-Zebra",
            "postgres:u:S3cr3t-Zebra@h",
            "postgres://u:S3cr3t-Zebra@h/db?application_name=a@b",
        ] {
            let masked = mask_password(url);
            assert!(!masked.contains("Zebra"), "{url} → {masked}");
        }
        assert_eq!(
            mask_password("postgres://u@h/db?password=S3cr3t-Zebra&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require"
        );
        assert_eq!(
            mask_password("mysql://root:S3cr/3t@127.0.0.1:3306/db"),
            "mysql://root:***@127.0.0.1:3306/db"
        );
    }

    /// Issue 9, finding 4: a password with an unescaped `/`, `?` or (MySQL) `#` is refused.
    #[test]
    fn unescaped_passwords_are_refused() {
        let root = Path::new("/p");
        for url in [
            "postgres://u:S3cr/3t@h/db",
            "postgres://u:S3cr?3t@h/db",
            "mysql://u:S3cr#3t@h/db",
            "mysql://u:S3cr/3t@h/db",
            "mariadb://u:a?b@h/db",
        ] {
            let error = DatabaseUrl::parse(url, root).unwrap_err();
            assert!(
                error.to_string().contains("unescaped") && !error.to_string().contains("3t"),
                "{url}: {error}"
            );
            assert!(error.hint().is_some_and(|h| h.contains("%2F")));
        }
        for url in [
            "postgres://u:S3cr#3t@h/db",
            "postgres://u:p%2Fw@h/db",
            "postgres://u@h/db?options=-c%20a@b",
            "mysql://u:S3cr%233t@h/db",
        ] {
            assert!(DatabaseUrl::parse(url, root).is_ok(), "{url}");
        }
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
