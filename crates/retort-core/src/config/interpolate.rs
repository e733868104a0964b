//! `${VAR}`, `${VAR:-default}` and `${VAR-default}` in configuration values (and, with
//! python-dotenv's rules, in `.env` values).
//!
//! Why these rules: a container passes an unset variable as an empty one (docker compose does),
//! so an empty value is treated like a missing one — an error naming it — unless the author
//! wrote a default. `${VAR:-default}` is POSIX's: the default replaces an unset *or empty*
//! variable; `${VAR-default}` replaces only an unset one, so an empty VAR stays an error.
//! Every default taken is reported ([`DefaultUsed`]) so the caller can say so.

use super::environment::Environment;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InterpolationError {
    #[error("environment variable {name} is not set (used by `{key}`){}", origin_suffix(origin.as_deref()))]
    Unset {
        name: String,
        key: String,
        origin: Option<String>,
    },
    #[error("environment variable {name} is empty (used by `{key}`){}", origin_suffix(origin.as_deref()))]
    Empty {
        name: String,
        key: String,
        /// Where the empty value came from, when a `.env` file set it.
        origin: Option<String>,
    },
    #[error("unterminated `${{` in `{key}`")]
    Unterminated { key: String },
}

fn origin_suffix(origin: Option<&str>) -> String {
    origin.map(|o| format!("; {o}")).unwrap_or_default()
}

impl InterpolationError {
    pub fn hint(&self) -> String {
        match self {
            Self::Unset { .. } => "set the variable, or write `${NAME:-default}`".to_owned(),
            Self::Empty { name, .. } => format!(
                "give {name} a value (an empty variable is never taken as a value), or write `${{{name}:-default}}` to fall back when it is empty"
            ),
            Self::Unterminated { .. } => "close it with `}`, or write `$$` for a literal `$`".to_owned(),
        }
    }
}

/// A `${VAR:-default}` (or `${VAR-default}`) whose default was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultUsed {
    pub name: String,
    pub default: String,
    /// The variable was set but empty (rather than unset).
    pub was_empty: bool,
}

/// One `${...}` reference: the variable, and its default with the operator's kind.
struct Reference<'a> {
    name: &'a str,
    /// `(default, also_when_empty)`: `:-` is true, `-` false.
    default: Option<(&'a str, bool)>,
}

fn parse_reference(expression: &str) -> Reference<'_> {
    if let Some((name, default)) = expression.split_once(":-") {
        return Reference {
            name,
            default: Some((default, true)),
        };
    }
    if let Some((name, default)) = expression.split_once('-') {
        return Reference {
            name,
            default: Some((default, false)),
        };
    }
    Reference {
        name: expression,
        default: None,
    }
}

/// Walk `value`, replacing each `${...}` with what `resolve` returns. `dollar_escape`: `$$` is
/// a literal `$` (retort.toml; python-dotenv has no such escape).
fn expand<E>(
    value: &str,
    dollar_escape: bool,
    unterminated: impl Fn() -> E,
    mut resolve: impl FnMut(&Reference<'_>) -> Result<String, E>,
) -> Result<String, E> {
    let mut output = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        output.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if dollar_escape {
            if let Some(tail) = after.strip_prefix('$') {
                output.push('$');
                rest = tail;
                continue;
            }
        }
        let Some(inner) = after.strip_prefix('{') else {
            output.push('$');
            rest = after;
            continue;
        };
        let Some(close) = inner.find('}') else {
            return Err(unterminated());
        };
        output.push_str(&resolve(&parse_reference(&inner[..close]))?);
        rest = &inner[close + 1..];
    }
    output.push_str(rest);
    Ok(output)
}

/// Expand variables in `value`, the value of configuration key `key` (named in errors).
/// `$$` is a literal `$`.
pub fn interpolate(
    key: &str,
    value: &str,
    environment: &Environment,
) -> Result<String, InterpolationError> {
    interpolate_traced(key, value, environment).map(|(text, _)| text)
}

/// [`interpolate`], also returning every default it took.
pub fn interpolate_traced(
    key: &str,
    value: &str,
    environment: &Environment,
) -> Result<(String, Vec<DefaultUsed>), InterpolationError> {
    let mut defaults = Vec::new();
    let text = expand(
        value,
        true,
        || InterpolationError::Unterminated {
            key: key.to_owned(),
        },
        |reference| {
            let found = environment.get(reference.name);
            match (found, reference.default) {
                (Some(found), _) if !found.is_empty() => Ok(found),
                (Some(_), Some((default, true))) => {
                    defaults.push(DefaultUsed {
                        name: reference.name.to_owned(),
                        default: default.to_owned(),
                        was_empty: true,
                    });
                    Ok(default.to_owned())
                }
                (Some(_), _) => Err(InterpolationError::Empty {
                    name: reference.name.to_owned(),
                    key: key.to_owned(),
                    origin: environment.origin(reference.name),
                }),
                (None, Some((default, _))) => {
                    defaults.push(DefaultUsed {
                        name: reference.name.to_owned(),
                        default: default.to_owned(),
                        was_empty: false,
                    });
                    Ok(default.to_owned())
                }
                (None, None) => Err(InterpolationError::Unset {
                    name: reference.name.to_owned(),
                    key: key.to_owned(),
                    origin: None,
                }),
            }
        },
    )?;
    Ok((text, defaults))
}

/// Expand a `.env` value as python-dotenv does: `${VAR}` and `${VAR:-default}` (braces
/// required; a bare `$VAR` stays as written), looked up with `lookup`; an unset variable
/// expands to nothing. Returns the text and the names that were unset, so an empty result can
/// be explained later.
pub fn expand_dotenv_value(
    value: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(String, Vec<String>), UnterminatedReference> {
    let mut unset = Vec::new();
    let text = expand(
        value,
        false,
        || UnterminatedReference,
        |reference| {
            let found = lookup(reference.name);
            Ok(match (found, reference.default) {
                (Some(found), _) if !found.is_empty() => found,
                (found, Some((default, also_when_empty))) if found.is_none() || also_when_empty => {
                    default.to_owned()
                }
                (Some(found), _) => found,
                (None, _) => {
                    unset.push(reference.name.to_owned());
                    String::new()
                }
            })
        },
    )?;
    Ok((text, unset))
}

/// A `${` without its `}` in a `.env` value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unterminated `${{`")]
pub struct UnterminatedReference;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands() {
        let env = Environment::from_pairs([
            ("A".to_owned(), "x".to_owned()),
            ("E".to_owned(), String::new()),
        ]);
        assert_eq!(
            interpolate("k", "${A}/${B:-d}/$${A}/${E:-e}/${B-u}", &env).unwrap(),
            "x/d/${A}/e/u"
        );
        assert_eq!(
            interpolate("k", "${B}", &env).unwrap_err(),
            InterpolationError::Unset {
                name: "B".into(),
                key: "k".into(),
                origin: None,
            }
        );
    }

    /// Finding 5: an empty variable was taken as a value.
    #[test]
    fn empty_variable_is_an_error_naming_it() {
        let env = Environment::from_pairs([("E".to_owned(), String::new())]);
        let error = interpolate("database_url", "${E}", &env).unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable E is empty (used by `database_url`)"
        );
        // `-` (without the colon) falls back only when unset: empty stays an error.
        assert!(matches!(
            interpolate("k", "${E-default}", &env),
            Err(InterpolationError::Empty { .. })
        ));
        // `:-` falls back on empty too, and says it did.
        let (text, defaults) = interpolate_traced("k", "${E:-d}", &env).unwrap();
        assert_eq!(text, "d");
        assert_eq!(
            defaults,
            [DefaultUsed {
                name: "E".into(),
                default: "d".into(),
                was_empty: true
            }]
        );
    }

    #[test]
    fn dotenv_expansion_is_python_dotenvs() {
        let lookup = |name: &str| (name == "HOST").then(|| "db".to_owned());
        assert_eq!(
            expand_dotenv_value("postgres://${HOST}/${NAME:-app}?x=$HOST&$$", lookup).unwrap(),
            ("postgres://db/app?x=$HOST&$$".to_owned(), Vec::new())
        );
        assert_eq!(
            expand_dotenv_value("a${MISSING}b", lookup).unwrap(),
            ("ab".to_owned(), vec!["MISSING".to_owned()])
        );
    }
}
