//! A PostgreSQL URL plus the environment, resolved the way libpq resolves them: the URL wins,
//! then `PG*` variables, then defaults; a missing password comes from `~/.pgpass`.

use std::net::IpAddr;
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

/// libpq's `channel_binding`: whether SCRAM authentication binds to the TLS channel
/// (SCRAM-SHA-256-PLUS), which defeats a man in the middle that terminates TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBinding {
    Disable,
    /// libpq's default: bind when the server offers it.
    Prefer,
    Require,
}

/// libpq's `target_session_attrs`, as far as the driver honours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
}

/// libpq's `sslnegotiation`: `postgres` asks the server for TLS first, `direct` (PostgreSQL 17)
/// starts the TLS handshake at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslNegotiation {
    Postgres,
    Direct,
}

fn bad_value(key: &str, value: &str) -> OptionsError {
    OptionsError::BadValue {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

fn unsupported(key: &str, reason: &str) -> OptionsError {
    OptionsError::Unsupported {
        key: key.to_owned(),
        reason: reason.to_owned(),
    }
}

impl ChannelBinding {
    fn parse(value: &str) -> Result<Self, OptionsError> {
        match value {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            other => Err(bad_value("channel_binding", other)),
        }
    }
}

impl TargetSessionAttrs {
    fn parse(value: &str) -> Result<Self, OptionsError> {
        match value {
            "any" => Ok(Self::Any),
            "read-write" => Ok(Self::ReadWrite),
            "read-only" => Ok(Self::ReadOnly),
            // These choose among several hosts by role; retort connects to one host and cannot
            // check that it is a primary or a standby.
            "primary" | "standby" | "prefer-standby" => Err(unsupported(
                "target_session_attrs",
                &format!(
                    "'{value}' needs a check of the server's role that the driver does not make"
                ),
            )),
            other => Err(bad_value("target_session_attrs", other)),
        }
    }
}

impl SslNegotiation {
    fn parse(value: &str) -> Result<Self, OptionsError> {
        match value {
            "postgres" => Ok(Self::Postgres),
            "direct" => Ok(Self::Direct),
            other => Err(bad_value("sslnegotiation", other)),
        }
    }
}

/// `gssencmode`: retort never uses GSSAPI encryption, which is what `disable` asks and what
/// libpq's default `prefer` falls back to; only `require` cannot be honoured.
fn check_gssencmode(value: &str) -> Result<(), OptionsError> {
    match value {
        "disable" | "prefer" => Ok(()),
        "require" => Err(unsupported(
            "gssencmode",
            "retort does not support GSSAPI encryption; use sslmode=require or stronger",
        )),
        other => Err(bad_value("gssencmode", other)),
    }
}

/// libpq's boolean spellings (`keepalives=1`).
fn parse_flag(key: &str, value: &str) -> Result<bool, OptionsError> {
    match value {
        "1" | "on" | "true" | "yes" => Ok(true),
        "0" | "off" | "false" | "no" => Ok(false),
        other => Err(bad_value(key, other)),
    }
}

/// A whole number of `unit`s (libpq: seconds for keepalives, milliseconds for
/// tcp_user_timeout); 0 means the system default.
fn parse_duration(
    key: &str,
    value: &str,
    unit: Duration,
) -> Result<Option<Duration>, OptionsError> {
    let count: u32 = value.trim().parse().map_err(|_| bad_value(key, value))?;
    Ok((count > 0).then(|| unit * count))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    #[error("not a PostgreSQL URL: {0}")]
    NotPostgres(String),
    #[error("invalid value '{value}' for {key}")]
    BadValue { key: String, value: String },
    #[error("unknown URL parameter '{0}'")]
    UnknownParameter(String),
    /// A libpq parameter retort knows but cannot honour; ignoring it could weaken security or
    /// reach another server.
    #[error("URL parameter '{key}' cannot be honoured: {reason}")]
    Unsupported { key: String, reason: String },
    #[error("channel_binding=require needs TLS, but sslmode=disable")]
    ChannelBindingWithoutTls,
    #[error("sslnegotiation=direct needs TLS required, but sslmode={0}")]
    DirectWithoutTls(String),
}

impl OptionsError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownParameter(_) => Some("supported: host, hostaddr, port, user, password, passfile, dbname, sslmode (or ssl), sslrootcert, sslnegotiation, channel_binding, options, application_name, fallback_application_name, connect_timeout, tcp_user_timeout, read_timeout (retort's), keepalives, keepalives_idle, keepalives_interval, keepalives_count, target_session_attrs, client_encoding (UTF8), gssencmode (disable, prefer), krbsrvname, sslsni (1)".to_owned()),
            Self::BadValue { key, .. } if key == "sslmode" => Some("sslmode is one of disable, allow, prefer, require, verify-ca, verify-full".to_owned()),
            Self::BadValue { key, .. } if key == "channel_binding" => Some("channel_binding is one of disable, prefer, require".to_owned()),
            Self::BadValue { key, .. } if key == "target_session_attrs" => Some("target_session_attrs is one of any, read-write, read-only".to_owned()),
            Self::Unsupported { key, .. } if key.starts_with("ssl") => Some("client certificates are not supported yet: authenticate with a password (SCRAM), or run the migration through a proxy that holds the certificate".to_owned()),
            Self::Unsupported { key, .. } => Some(format!("remove {key} from the URL, or connect with psql to check what the server needs")),
            Self::ChannelBindingWithoutTls => Some("use sslmode=require (or verify-full) with channel_binding=require, or channel_binding=prefer".to_owned()),
            Self::DirectWithoutTls(_) => Some("use sslmode=require, verify-ca or verify-full with sslnegotiation=direct".to_owned()),
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
    pub channel_binding: ChannelBinding,
    pub target_session_attrs: TargetSessionAttrs,
    pub ssl_negotiation: SslNegotiation,
    /// Connect to this address instead of resolving `host` (which still names the server for
    /// TLS and `.pgpass`).
    pub hostaddr: Option<IpAddr>,
    pub keepalives: Option<bool>,
    pub keepalives_idle: Option<Duration>,
    pub keepalives_interval: Option<Duration>,
    pub keepalives_count: Option<u32>,
    pub tcp_user_timeout: Option<Duration>,
    /// retort's own parameter (libpq has none): the longest wait for any answer of the
    /// server, statements included; past it the connection counts as lost. Removed before
    /// connecting.
    pub read_timeout: Option<Duration>,
}

/// How long a connection attempt may take when the URL does not say (libpq waits forever).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// TCP keepalive when the URL does not say: first probe after 30 s idle, then every 10 s, 3
/// unanswered probes end the connection.
pub const DEFAULT_KEEPALIVES_IDLE: Duration = Duration::from_secs(30);
pub const DEFAULT_KEEPALIVES_INTERVAL: Duration = Duration::from_secs(10);
pub const DEFAULT_KEEPALIVES_COUNT: u32 = 3;

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
        let mut channel_binding = None;
        let mut target_session_attrs = None;
        let mut ssl_negotiation = None;
        let mut hostaddr = None;
        let mut passfile = None;
        let mut fallback_application_name = None;
        let mut keepalives = None;
        let mut keepalives_idle = None;
        let mut keepalives_interval = None;
        let mut keepalives_count = None;
        let mut tcp_user_timeout = None;
        let mut read_timeout = None;
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
                "channel_binding" => channel_binding = Some(ChannelBinding::parse(&value)?),
                "target_session_attrs" => {
                    target_session_attrs = Some(TargetSessionAttrs::parse(&value)?);
                }
                "sslnegotiation" => ssl_negotiation = Some(SslNegotiation::parse(&value)?),
                "hostaddr" => {
                    hostaddr = Some(value.parse().map_err(|_| bad_value("hostaddr", &value))?);
                }
                "passfile" => passfile = Some(value),
                "fallback_application_name" => fallback_application_name = Some(value),
                "keepalives" => keepalives = Some(parse_flag("keepalives", &value)?),
                "keepalives_idle" => {
                    keepalives_idle =
                        parse_duration("keepalives_idle", &value, Duration::from_secs(1))?;
                }
                "keepalives_interval" => {
                    keepalives_interval =
                        parse_duration("keepalives_interval", &value, Duration::from_secs(1))?;
                }
                "keepalives_count" => {
                    keepalives_count = Some(
                        value
                            .parse()
                            .map_err(|_| bad_value("keepalives_count", &value))?,
                    );
                }
                "read_timeout" => {
                    read_timeout = parse_duration("read_timeout", &value, Duration::from_secs(1))?;
                }
                "tcp_user_timeout" => {
                    tcp_user_timeout =
                        parse_duration("tcp_user_timeout", &value, Duration::from_millis(1))?;
                }
                // Accepted, nothing to do: the driver always speaks UTF8.
                "client_encoding" => {
                    if !matches!(
                        value.to_ascii_uppercase().as_str(),
                        "UTF8" | "UTF-8" | "AUTO"
                    ) {
                        return Err(unsupported(
                            "client_encoding",
                            &format!("retort always talks UTF8 to the server, not '{value}'"),
                        ));
                    }
                }
                "gssencmode" => check_gssencmode(&value)?,
                // Accepted, nothing to do: it names the Kerberos service for GSSAPI
                // authentication, which retort does not offer (such a server refuses us).
                "krbsrvname" => {}
                // Retort always sends SNI (Neon routes on it).
                "sslsni" => {
                    if !parse_flag("sslsni", &value)? {
                        return Err(unsupported(
                            "sslsni",
                            "retort always sends the host name in TLS (SNI)",
                        ));
                    }
                }
                "sslcert" | "sslkey" | "sslpassword" | "sslcertmode" => {
                    return Err(unsupported(key, "client certificates are not supported"));
                }
                "sslcrl" | "sslcrldir" => {
                    return Err(unsupported(
                        key,
                        "certificate revocation lists are not supported",
                    ));
                }
                "require_auth" => {
                    return Err(unsupported(
                        key,
                        "the driver cannot restrict the authentication methods",
                    ));
                }
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
        let channel_binding = match channel_binding {
            Some(binding) => binding,
            None => env("PGCHANNELBINDING")
                .map(|b| ChannelBinding::parse(&b))
                .transpose()?
                .unwrap_or(ChannelBinding::Prefer),
        };
        if channel_binding == ChannelBinding::Require && sslmode == SslMode::Disable {
            return Err(OptionsError::ChannelBindingWithoutTls);
        }
        let ssl_negotiation = match ssl_negotiation {
            Some(negotiation) => negotiation,
            None => env("PGSSLNEGOTIATION")
                .map(|n| SslNegotiation::parse(&n))
                .transpose()?
                .unwrap_or(SslNegotiation::Postgres),
        };
        if ssl_negotiation == SslNegotiation::Direct
            && matches!(sslmode, SslMode::Disable | SslMode::Allow | SslMode::Prefer)
        {
            let mode = match sslmode {
                SslMode::Disable => "disable",
                SslMode::Allow => "allow",
                _ => "prefer",
            };
            return Err(OptionsError::DirectWithoutTls(mode.to_owned()));
        }
        let target_session_attrs = match target_session_attrs {
            Some(attributes) => attributes,
            None => env("PGTARGETSESSIONATTRS")
                .map(|a| TargetSessionAttrs::parse(&a))
                .transpose()?
                .unwrap_or(TargetSessionAttrs::Any),
        };
        if let Some(mode) = env("PGGSSENCMODE") {
            check_gssencmode(&mode)?;
        }
        let hostaddr = match hostaddr {
            Some(address) => Some(address),
            None => env("PGHOSTADDR")
                .map(|a| a.parse().map_err(|_| bad_value("PGHOSTADDR", &a)))
                .transpose()?,
        };
        let password = password.or_else(|| env("PGPASSWORD")).or_else(|| {
            let file = passfile
                .map(PathBuf::from)
                .or_else(|| env("PGPASSFILE").map(PathBuf::from))
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
            application_name: application_name
                .or_else(|| env("PGAPPNAME"))
                .or(fallback_application_name),
            connect_timeout: match connect_timeout {
                Some(timeout) => Some(timeout),
                None => env("PGCONNECT_TIMEOUT")
                    .map(|t| parse_timeout(&t))
                    .transpose()?,
            },
            channel_binding,
            target_session_attrs,
            ssl_negotiation,
            hostaddr,
            keepalives,
            keepalives_idle,
            keepalives_interval,
            keepalives_count,
            tcp_user_timeout,
            read_timeout,
        })
    }

    /// How long connecting may take, handshake included (libpq's connect_timeout): 10 s when
    /// the URL does not say, no limit with `connect_timeout=0`.
    pub fn connect_limit(&self) -> Option<Duration> {
        match self.connect_timeout {
            Some(timeout) if timeout.is_zero() => None,
            Some(timeout) => Some(timeout),
            None => Some(DEFAULT_CONNECT_TIMEOUT),
        }
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
        if let Some(limit) = self.connect_limit() {
            config.connect_timeout(limit);
        }
        config.channel_binding(match self.channel_binding {
            ChannelBinding::Disable => postgres::config::ChannelBinding::Disable,
            ChannelBinding::Prefer => postgres::config::ChannelBinding::Prefer,
            ChannelBinding::Require => postgres::config::ChannelBinding::Require,
        });
        config.target_session_attrs(match self.target_session_attrs {
            TargetSessionAttrs::Any => postgres::config::TargetSessionAttrs::Any,
            TargetSessionAttrs::ReadWrite => postgres::config::TargetSessionAttrs::ReadWrite,
            TargetSessionAttrs::ReadOnly => postgres::config::TargetSessionAttrs::ReadOnly,
        });
        config.ssl_negotiation(match self.ssl_negotiation {
            SslNegotiation::Postgres => postgres::config::SslNegotiation::Postgres,
            SslNegotiation::Direct => postgres::config::SslNegotiation::Direct,
        });
        if let Some(address) = self.hostaddr {
            config.hostaddr(address);
        }
        if let Some(keepalives) = self.keepalives {
            config.keepalives(keepalives);
        }
        // TCP keepalive on every connection (the driver's idle default is two hours): a dead
        // host or a cut network ends the run after about a minute instead of never.
        config.keepalives_idle(self.keepalives_idle.unwrap_or(DEFAULT_KEEPALIVES_IDLE));
        config.keepalives_interval(
            self.keepalives_interval
                .unwrap_or(DEFAULT_KEEPALIVES_INTERVAL),
        );
        config.keepalives_retries(self.keepalives_count.unwrap_or(DEFAULT_KEEPALIVES_COUNT));
        if let Some(timeout) = self.tcp_user_timeout {
            config.tcp_user_timeout(timeout);
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

/// Issue 9, finding 3: the libpq parameters hosted providers put in URLs.
#[cfg(test)]
mod libpq_parameter_tests {
    use super::*;

    fn resolve(url: &str) -> Result<ConnectOptions, OptionsError> {
        ConnectOptions::resolve(url, &|_| None, None)
    }

    /// Issue 9, finding 7: a connection had no keepalive and no connect timeout, so a dead
    /// host or a server that never answered made a run hang with no bound.
    #[test]
    fn every_connection_has_keepalive_and_a_connect_timeout_by_default() {
        let config = resolve("postgresql://u@h/db").unwrap().client_config();
        assert_eq!(config.get_connect_timeout(), Some(&DEFAULT_CONNECT_TIMEOUT));
        assert!(config.get_keepalives());
        assert_eq!(config.get_keepalives_idle(), DEFAULT_KEEPALIVES_IDLE);
        let config = resolve("postgresql://u@h/db?connect_timeout=3&keepalives_idle=7")
            .unwrap()
            .client_config();
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(7));
        let config = resolve("postgresql://u@h/db?connect_timeout=0")
            .unwrap()
            .client_config();
        assert_eq!(config.get_connect_timeout(), None);
        assert_eq!(resolve("postgresql://u@h/db").unwrap().read_timeout, None);
        assert_eq!(
            resolve("postgresql://u@h/db?read_timeout=5")
                .unwrap()
                .read_timeout,
            Some(Duration::from_secs(5))
        );
        assert!(resolve("postgresql://u@h/db?read_timeout=-1").is_err());
    }

    #[test]
    fn neon_channel_binding_is_accepted_and_mapped() {
        let options = resolve(
            "postgresql://app:pw@ep-x.neon.tech/main?sslmode=require&channel_binding=require",
        )
        .unwrap();
        assert_eq!(options.channel_binding, ChannelBinding::Require);
        assert_eq!(
            options.client_config().get_channel_binding(),
            postgres::config::ChannelBinding::Require
        );
        for (value, expected) in [
            ("disable", postgres::config::ChannelBinding::Disable),
            ("prefer", postgres::config::ChannelBinding::Prefer),
        ] {
            let options = resolve(&format!("postgres://h/db?channel_binding={value}")).unwrap();
            assert_eq!(options.client_config().get_channel_binding(), expected);
        }
        // libpq's default.
        assert_eq!(
            resolve("postgres://h/db").unwrap().channel_binding,
            ChannelBinding::Prefer
        );
        assert!(matches!(
            resolve("postgres://h/db?channel_binding=always"),
            Err(OptionsError::BadValue { .. })
        ));
    }

    #[test]
    fn channel_binding_required_without_tls_is_refused() {
        let error = resolve("postgres://h/db?sslmode=disable&channel_binding=require").unwrap_err();
        assert_eq!(error, OptionsError::ChannelBindingWithoutTls);
        assert!(error.hint().unwrap().contains("sslmode=require"));
        let error = ConnectOptions::resolve(
            "postgres://h/db?channel_binding=require",
            &|name| (name == "PGSSLMODE").then(|| "disable".to_owned()),
            None,
        )
        .unwrap_err();
        assert_eq!(error, OptionsError::ChannelBindingWithoutTls);
    }

    #[test]
    fn connection_parameters_map_onto_the_driver() {
        let options = resolve("postgres://db.example.com/main?target_session_attrs=read-write&keepalives=1&keepalives_idle=30&keepalives_interval=10&keepalives_count=3&tcp_user_timeout=2500&hostaddr=10.0.0.7&fallback_application_name=deployer").unwrap();
        let config = options.client_config();
        assert_eq!(
            config.get_target_session_attrs(),
            postgres::config::TargetSessionAttrs::ReadWrite
        );
        assert!(config.get_keepalives());
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(30));
        assert_eq!(
            config.get_keepalives_interval(),
            Some(Duration::from_secs(10))
        );
        assert_eq!(config.get_keepalives_retries(), Some(3));
        assert_eq!(
            config.get_tcp_user_timeout(),
            Some(&Duration::from_millis(2500))
        );
        assert_eq!(
            config.get_hostaddrs(),
            ["10.0.0.7".parse::<IpAddr>().unwrap()]
        );
        // The host still names the server (TLS, .pgpass).
        assert_eq!(options.host, "db.example.com");
        assert_eq!(config.get_application_name(), Some("deployer"));
        let options =
            resolve("postgres://h/db?application_name=web&fallback_application_name=x").unwrap();
        assert_eq!(options.application_name.as_deref(), Some("web"));
        let options = resolve("postgres://h/db?keepalives=0").unwrap();
        assert!(!options.client_config().get_keepalives());
        assert!(matches!(
            resolve("postgres://h/db?hostaddr=db.example.com"),
            Err(OptionsError::BadValue { .. })
        ));
        assert!(matches!(
            resolve("postgres://h/db?keepalives_idle=soon"),
            Err(OptionsError::BadValue { .. })
        ));
    }

    #[test]
    fn ssl_negotiation_direct_needs_tls_required() {
        let options = resolve("postgres://h/db?sslmode=require&sslnegotiation=direct").unwrap();
        assert_eq!(
            options.client_config().get_ssl_negotiation(),
            postgres::config::SslNegotiation::Direct
        );
        let tls = crate::tls::client_config(&options, None).unwrap().unwrap();
        assert_eq!(tls.alpn_protocols, [b"postgresql".to_vec()]);
        assert_eq!(
            resolve("postgres://h/db?sslnegotiation=direct"),
            Err(OptionsError::DirectWithoutTls("prefer".to_owned()))
        );
        assert_eq!(
            resolve("postgres://h/db?sslnegotiation=postgres")
                .unwrap()
                .ssl_negotiation,
            SslNegotiation::Postgres
        );
    }

    #[test]
    fn harmless_parameters_are_accepted() {
        for query in [
            "client_encoding=UTF8",
            "client_encoding=utf8",
            "client_encoding=auto",
            "gssencmode=disable",
            "gssencmode=prefer",
            "krbsrvname=postgres",
            "sslsni=1",
            "passfile=/nonexistent/pgpass",
        ] {
            assert!(
                resolve(&format!("postgres://h/db?{query}")).is_ok(),
                "{query}"
            );
        }
    }

    #[test]
    fn what_cannot_be_honoured_is_refused_by_name() {
        for (query, key) in [
            ("sslcert=/c.crt", "sslcert"),
            ("sslkey=/c.key", "sslkey"),
            ("sslpassword=x", "sslpassword"),
            ("sslcrl=/r.crl", "sslcrl"),
            ("gssencmode=require", "gssencmode"),
            ("target_session_attrs=primary", "target_session_attrs"),
            (
                "target_session_attrs=prefer-standby",
                "target_session_attrs",
            ),
            ("client_encoding=LATIN1", "client_encoding"),
            ("sslsni=0", "sslsni"),
            ("require_auth=scram-sha-256", "require_auth"),
        ] {
            let error = resolve(&format!("postgres://h/db?{query}")).unwrap_err();
            assert!(
                matches!(&error, OptionsError::Unsupported { key: k, .. } if k == key),
                "{query}: {error:?}"
            );
            assert!(error.to_string().contains(key));
            assert!(error.hint().is_some(), "{query}");
        }
    }

    #[test]
    fn passfile_is_read() {
        let file =
            std::env::temp_dir().join(format!("retort-passfile-test-{}", std::process::id()));
        fs_err::write(&file, "h:5432:db:u:from-passfile\n").unwrap();
        let url = format!("postgres://u@h/db?passfile={}", file.display());
        let password = resolve(&url).unwrap().password;
        fs_err::remove_file(&file).unwrap();
        assert_eq!(password.as_deref(), Some("from-passfile"));
    }
}
