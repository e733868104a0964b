//! Environment variables as the configuration sees them: the process environment, then the
//! `.env` files (the one beside `retort.toml`, then those `env_file` names) for anything the
//! process does not set.
//!
//! Why our own reader rather than the `dotenvy` crate: dotenvy expands a bare `$VAR` (so a
//! password `pa$word` silently loses `$word`), reads `std::env` directly (bypassing variables a
//! library user passes explicitly) and has no `${VAR:-default}`. python-dotenv — what the seed
//! projects' `.env` files are written for — expands only `${VAR}` and `${VAR:-default}`,
//! outside single quotes, from the process environment first and then earlier lines; this
//! reader does exactly that.

use std::collections::HashMap;
use std::path::Path;

use super::interpolate::expand_dotenv_value;

/// A variable defined by a `.env` file.
#[derive(Debug, Clone)]
struct DotenvValue {
    value: String,
    /// `path:line`.
    place: String,
    /// `${NAME}` references in the value that were unset (and expanded to nothing).
    unset_references: Vec<String>,
}

/// A read-only view of variables. The process environment always wins over `.env`, so a
/// deploy can override a developer's file without editing it; between `.env` files, the first
/// file that defines a variable wins.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    dotenv: HashMap<String, DotenvValue>,
    /// Overrides used by tests and by library users who pass variables explicitly.
    overrides: HashMap<String, String>,
    read_process: bool,
}

/// A `.env` file that cannot be used: unreadable, or a malformed line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DotenvError {
    #[error("{path}:{line}: expected `NAME=value`")]
    Line { path: String, line: usize },
    #[error("{path}:{line}: unterminated `${{` in the value of {name}")]
    Unterminated {
        path: String,
        line: usize,
        name: String,
    },
    /// fs-err's message names the file.
    #[error("{message}")]
    Unreadable { message: String },
}

/// One `NAME=value` line as written.
struct Line {
    number: usize,
    name: String,
    value: String,
    /// Single-quoted: taken literally, never expanded.
    literal: bool,
}

impl Environment {
    /// The process environment only.
    pub fn process() -> Self {
        Self {
            read_process: true,
            ..Self::default()
        }
    }

    /// Exactly these variables, ignoring the process environment.
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self {
            overrides: pairs.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Add the variables of the `.env` file beside `retort.toml`, if it exists, below those
    /// already visible.
    pub fn with_dotenv_file(self, path: &Path) -> Result<Self, DotenvError> {
        // Absent is fine; present but unreadable (permissions, a directory, not UTF-8) is an
        // error, never a file silently passed over.
        if !path.exists() {
            return Ok(self);
        }
        self.with_required_dotenv_file(path)
    }

    /// Add the variables of a `.env` file named by `env_file`: it must exist.
    pub fn with_required_dotenv_file(mut self, path: &Path) -> Result<Self, DotenvError> {
        let text = fs_err::read_to_string(path).map_err(|e| DotenvError::Unreadable {
            message: e.to_string(),
        })?;
        let display = path.display().to_string();
        for line in parse_lines(&display, &text)? {
            let (value, unset_references) = if line.literal {
                (line.value, Vec::new())
            } else {
                expand_dotenv_value(&line.value, |name| self.get(name)).map_err(|_| {
                    DotenvError::Unterminated {
                        path: display.clone(),
                        line: line.number,
                        name: line.name.clone(),
                    }
                })?
            };
            // Visible already (the process, or an earlier file): the first definition wins.
            if self.get(&line.name).is_some() && !self.is_from_this_file(&line.name, &display) {
                continue;
            }
            self.dotenv.insert(
                line.name,
                DotenvValue {
                    value,
                    place: format!("{display}:{}", line.number),
                    unset_references,
                },
            );
        }
        Ok(self)
    }

    /// A later line of the same file redefines a variable (python-dotenv: the last line wins).
    fn is_from_this_file(&self, name: &str, path: &str) -> bool {
        if self.overrides.contains_key(name)
            || (self.read_process && std::env::var_os(name).is_some())
        {
            return false;
        }
        self.dotenv.get(name).is_some_and(|value| {
            value
                .place
                .rsplit_once(':')
                .is_some_and(|(file, _)| file == path)
        })
    }

    pub fn get(&self, name: &str) -> Option<String> {
        if let Some(value) = self.overrides.get(name) {
            return Some(value.clone());
        }
        if self.read_process {
            if let Ok(value) = std::env::var(name) {
                return Some(value);
            }
        }
        self.dotenv.get(name).map(|v| v.value.clone())
    }

    /// Where the value of `name` came from, when a `.env` file set it (for error messages).
    pub fn origin(&self, name: &str) -> Option<String> {
        if self.overrides.contains_key(name)
            || (self.read_process && std::env::var_os(name).is_some())
        {
            return None;
        }
        let value = self.dotenv.get(name)?;
        Some(if value.unset_references.is_empty() {
            format!("set by {}", value.place)
        } else {
            format!(
                "set by {}, which refers to {} (not set)",
                value.place,
                value
                    .unset_references
                    .iter()
                    .map(|n| format!("${{{n}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

/// Parse `.env` text: `NAME=value` lines, optional `export `, `#` comments, optional single or
/// double quotes around the value.
pub fn parse_dotenv(path: &str, text: &str) -> Result<HashMap<String, String>, DotenvError> {
    Ok(parse_lines(path, text)?
        .into_iter()
        .map(|line| (line.name, line.value))
        .collect())
}

fn parse_lines(path: &str, text: &str) -> Result<Vec<Line>, DotenvError> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            return Err(DotenvError::Line {
                path: path.to_owned(),
                line: index + 1,
            });
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(DotenvError::Line {
                path: path.to_owned(),
                line: index + 1,
            });
        }
        let value = value.trim();
        lines.push(Line {
            number: index + 1,
            name: name.to_owned(),
            literal: value.len() >= 2 && value.starts_with('\'') && value.ends_with('\''),
            value: unquote(value),
        });
    }
    Ok(lines)
}

fn unquote(value: &str) -> String {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            let inner = &value[1..value.len() - 1];
            return if quote == '"' {
                inner.replace("\\n", "\n").replace("\\\"", "\"")
            } else {
                inner.to_owned()
            };
        }
    }
    // An unquoted value ends at a ` #` comment.
    value
        .split(" #")
        .next()
        .unwrap_or(value)
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dotenv() {
        let vars = parse_dotenv(
            ".env",
            "# c\nexport A=1\nB=\"two words\"\nC='x' \nD=plain # note\n",
        )
        .unwrap();
        assert_eq!(vars["A"], "1");
        assert_eq!(vars["B"], "two words");
        assert_eq!(vars["C"], "x");
        assert_eq!(vars["D"], "plain");
        assert_eq!(
            parse_dotenv(".env", "oops\n").unwrap_err(),
            DotenvError::Line {
                path: ".env".into(),
                line: 1
            }
        );
    }

    /// Finding 5: `${VAR}` inside `.env` was not expanded (python-dotenv and docker compose
    /// expand it).
    #[test]
    fn dotenv_values_expand_variables_like_python_dotenv() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join(".env");
        fs_err::write(
            &path,
            "HOST=db\nURL=postgres://${USER_NAME}@${HOST}:${PORT:-5432}/app\nRAW='${HOST}'\nPASSWORD=pa$word\nBROKEN=${NOPE}\n",
        )
        .unwrap();
        let environment = Environment::from_pairs([("USER_NAME".to_owned(), "me".to_owned())])
            .with_dotenv_file(&path)
            .unwrap();
        assert_eq!(
            environment.get("URL").as_deref(),
            Some("postgres://me@db:5432/app")
        );
        assert_eq!(environment.get("RAW").as_deref(), Some("${HOST}"));
        assert_eq!(environment.get("PASSWORD").as_deref(), Some("pa$word"));
        assert_eq!(environment.get("BROKEN").as_deref(), Some(""));
        assert!(environment
            .origin("BROKEN")
            .unwrap()
            .ends_with(".env:5, which refers to ${NOPE} (not set)"));
    }

    #[test]
    fn first_file_and_the_process_win() {
        let directory = tempfile::tempdir().unwrap();
        let first = directory.path().join("a.env");
        let second = directory.path().join("b.env");
        fs_err::write(&first, "A=1\nA=2\n").unwrap();
        fs_err::write(&second, "A=3\nB=${A}\nC=4\n").unwrap();
        let environment = Environment::from_pairs([("C".to_owned(), "process".to_owned())])
            .with_dotenv_file(&first)
            .unwrap()
            .with_required_dotenv_file(&second)
            .unwrap();
        assert_eq!(environment.get("A").as_deref(), Some("2"));
        assert_eq!(environment.get("B").as_deref(), Some("2"));
        assert_eq!(environment.get("C").as_deref(), Some("process"));
        assert!(Environment::default()
            .with_required_dotenv_file(&directory.path().join("missing.env"))
            .is_err());
    }
}
