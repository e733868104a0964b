//! A PostgreSQL URL plus the environment, resolved the way libpq resolves them: the URL wins,
//! then `PG*` variables, then defaults; a missing password comes from `~/.pgpass`.

use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, OptionsError> {
        Ok(match value {
            "disable" | "false" => Self::Disable,
            "allow" => Self::Allow,
            "prefer" => Self::Prefer,
            // asyncpg spells it `ssl=require` / `ssl=true`.
            "require" | "true" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(OptionsError::BadValue {
                    key: "sslmode".to_owned(),
                    value: other.to_owned(),
                })
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    #[error("not a PostgreSQL URL: {0}")]
    NotPostgres(String),
    #[error("invalid value '{value}' for {key}")]
    BadValue { key: String, value: String },
    #[error("unknown URL parameter '{0}'")]
    UnknownParameter(String),
}

impl OptionsError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownParameter(_) => Some("supported: sslmode (or ssl), sslrootcert, options, application_name, connect_timeout, host, port, user, password, dbname".to_owned()),
            Self::BadValue { key, .. } if key == "sslmode" => Some("sslmode is one of disable, allow, prefer, require, verify-ca, verify-full".to_owned()),
            _ => None,
        }
    }
}

/// Everything needed to open a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub dbname: String,
    pub sslmode: SslMode,
    pub sslrootcert: Option<PathBuf>,
    pub options: Option<String>,
    pub application_name: Option<String>,
    pub connect_timeout: Option<Duration>,
}

impl ConnectOptions {
    /// Resolve `url` with `env` (a lookup of environment variables) and `home` (for
    /// `~/.pgpass`).
    pub fn resolve(
        url: &str,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<PathBuf>,
    ) -> Result<Self, OptionsError> {
        let (scheme, rest) = url
            .split_once("://")
            // Never the URL itself: it may hold a password.
            .ok_or_else(|| OptionsError::NotPostgres("no '://' after the scheme".to_owned()))?;
        let base_scheme = scheme.split('+').next().unwrap_or(scheme);
        if base_scheme != "postgres" && base_scheme != "postgresql" {
            return Err(OptionsError::NotPostgres(scheme.to_owned()));
        }
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = location.split_once('/').unwrap_or((location, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
        let mut user = None;
        let mut password = None;
        if let Some(userinfo) = userinfo {
            let (name, secret) = match userinfo.split_once(':') {
                Some((name, secret)) => (name, Some(secret)),
                None => (userinfo, None),
            };
            if !name.is_empty() {
                user = Some(decode(name));
            }
            password = secret.map(decode);
        }
        let (mut host, mut port) = split_host_port(hostport)?;
        let mut dbname = (!path.is_empty()).then(|| decode(path));
        let mut sslmode = None;
        let mut sslrootcert = None;
        let mut options = None;
        let mut application_name = None;
        let mut connect_timeout = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "sslmode" | "ssl" => sslmode = Some(SslMode::parse(&value)?),
                "sslrootcert" => sslrootcert = Some(PathBuf::from(value)),
                "options" => options = Some(value),
                "application_name" => application_name = Some(value),
                "connect_timeout" => connect_timeout = Some(parse_timeout(&value)?),
                "host" => host = Some(value),
                "port" => port = Some(parse_port(&value)?),
                "user" => user = Some(value),
                "password" => password = Some(value),
                "dbname" => dbname = Some(value),
                other => return Err(OptionsError::UnknownParameter(other.to_owned())),
            }
        }
        let host = host
            .or_else(|| env("PGHOST"))
            .unwrap_or_else(|| "localhost".to_owned());
        let port = match port {
            Some(port) => port,
            None => env("PGPORT")
                .map(|p| parse_port(&p))
                .transpose()?
                .unwrap_or(5432),
        };
        let user = user
            .or_else(|| env("PGUSER"))
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".to_owned());
        let dbname = dbname
            .or_else(|| env("PGDATABASE"))
            .unwrap_or_else(|| user.clone());
        let sslmode = match sslmode {
            Some(mode) => mode,
            None => env("PGSSLMODE")
                .map(|m| SslMode::parse(&m))
                .transpose()?
                .unwrap_or(SslMode::Prefer),
        };
        let password = password.or_else(|| env("PGPASSWORD")).or_else(|| {
            let file = env("PGPASSFILE")
                .map(PathBuf::from)
                .or_else(|| home.map(|h| h.join(".pgpass")))?;
            let text = fs_err::read_to_string(file).ok()?;
            pgpass_lookup(&text, &host, port, &dbname, &user)
        });
        Ok(Self {
            host,
            port,
            user,
            password,
            dbname,
            sslmode,
            sslrootcert: sslrootcert.or_else(|| env("PGSSLROOTCERT").map(PathBuf::from)),
            options: options.or_else(|| env("PGOPTIONS")),
            application_name: application_name.or_else(|| env("PGAPPNAME")),
            connect_timeout: match connect_timeout {
                Some(timeout) => Some(timeout),
                None => env("PGCONNECT_TIMEOUT")
                    .map(|t| parse_timeout(&t))
                    .transpose()?,
            },
        })
    }

    /// The same options for another database on the same server (tests, scratch databases).
    #[must_use]
    pub fn with_dbname(&self, dbname: &str) -> Self {
        Self {
            dbname: dbname.to_owned(),
            ..self.clone()
        }
    }

    pub(crate) fn client_config(&self) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .dbname(&self.dbname);
        if let Some(password) = &self.password {
            config.password(password);
        }
        if let Some(options) = &self.options {
            config.options(options);
        }
        config.application_name(self.application_name.as_deref().unwrap_or("retort"));
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        config.ssl_mode(match self.sslmode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        });
        config
    }
}

fn split_host_port(hostport: &str) -> Result<(Option<String>, Option<u16>), OptionsError> {
    if hostport.is_empty() {
        return Ok((None, None));
    }
    // [::1]:5432
    if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| OptionsError::BadValue {
            key: "host".to_owned(),
            value: hostport.to_owned(),
        })?;
        let port = after.strip_prefix(':').map(parse_port).transpose()?;
        return Ok((Some(host.to_owned()), port));
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) => Ok((
            (!host.is_empty()).then(|| host.to_owned()),
            Some(parse_port(port)?),
        )),
        None => Ok((Some(hostport.to_owned()), None)),
    }
}

fn parse_port(value: &str) -> Result<u16, OptionsError> {
    value.parse().map_err(|_| OptionsError::BadValue {
        key: "port".to_owned(),
        value: value.to_owned(),
    })
}

fn parse_timeout(value: &str) -> Result<Duration, OptionsError> {
    value
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| OptionsError::BadValue {
            key: "connect_timeout".to_owned(),
            value: value.to_owned(),
        })
}

/// libpq's `~/.pgpass`: `hostname:port:database:username:password`, `*` matches anything,
/// `\:` and `\\` escape; the first matching line wins.
pub fn pgpass_lookup(
    text: &str,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass_line(line);
        let [h, p, d, u, password] = fields.as_slice() else {
            continue;
        };
        let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        let host_matches = matches(h, host) || (h == "localhost" && host.starts_with('/'));
        if host_matches && matches(p, &port) && matches(d, dbname) && matches(u, user) {
            return Some(password.clone());
        }
    }
    None
}

fn split_pgpass_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    if let Some(field) = fields.last_mut() {
                        field.push(next);
                    }
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(field) = fields.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str, vars: &[(&str, &str)]) -> Result<ConnectOptions, OptionsError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        ConnectOptions::resolve(url, &env, None)
    }

    #[test]
    fn urls_in_every_spelling() {
        let options = resolve("postgresql+asyncpg://app:p%40ss@db.example.com:6543/main?ssl=require&application_name=web", &[]).unwrap();
        assert_eq!(options.host, "db.example.com");
        assert_eq!(options.port, 6543);
        assert_eq!(options.user, "app");
        assert_eq!(options.password.as_deref(), Some("p@ss"));
        assert_eq!(options.dbname, "main");
        assert_eq!(options.sslmode, SslMode::Require);
        assert_eq!(options.application_name.as_deref(), Some("web"));
        let options = resolve(
            "postgres://",
            &[
                ("PGHOST", "h"),
                ("PGUSER", "u"),
                ("PGSSLMODE", "verify-full"),
                ("PGPORT", "1"),
            ],
        )
        .unwrap();
        assert_eq!(
            (
                options.host.as_str(),
                options.port,
                options.dbname.as_str(),
                options.sslmode
            ),
            ("h", 1, "u", SslMode::VerifyFull)
        );
        assert!(matches!(
            resolve("postgres://h/db?bogus=1", &[]),
            Err(OptionsError::UnknownParameter(_))
        ));
        assert!(matches!(
            resolve("postgres://h/db?sslmode=sometimes", &[]),
            Err(OptionsError::BadValue { .. })
        ));
    }

    #[test]
    fn pgpass() {
        let text =
            "# comment\nother:*:*:*:nope\ndb.example.com:5432:*:app:se\\:cret\n*:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "db.example.com", 5432, "main", "app").as_deref(),
            Some("se:cret")
        );
        assert_eq!(
            pgpass_lookup(text, "x", 1, "d", "u").as_deref(),
            Some("fallback")
        );
    }
}
