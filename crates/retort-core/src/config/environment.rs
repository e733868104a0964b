//! Environment variables as the configuration sees them: the process environment, then a
//! `.env` file beside `retort.toml` for anything the process does not set.

use std::collections::HashMap;
use std::path::Path;

/// A read-only view of variables. The process environment always wins over `.env`, so a
/// deploy can override a developer's file without editing it.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    dotenv: HashMap<String, String>,
    /// Overrides used by tests and by library users who pass variables explicitly.
    overrides: HashMap<String, String>,
    read_process: bool,
}

/// A `.env` file that cannot be used: unreadable, or a malformed line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DotenvError {
    #[error("{path}:{line}: expected `NAME=value`")]
    Line { path: String, line: usize },
    /// fs-err's message names the file.
    #[error("{message}")]
    Unreadable { message: String },
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

    /// Add the variables of a `.env` file (if it exists) below those already visible.
    pub fn with_dotenv_file(mut self, path: &Path) -> Result<Self, DotenvError> {
        // Absent is fine; present but unreadable (permissions, a directory, not UTF-8) is an
        // error, never a file silently passed over.
        if !path.exists() {
            return Ok(self);
        }
        let text = fs_err::read_to_string(path).map_err(|e| DotenvError::Unreadable {
            message: e.to_string(),
        })?;
        self.dotenv = parse_dotenv(&path.display().to_string(), &text)?;
        Ok(self)
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
        self.dotenv.get(name).cloned()
    }
}

/// Parse `.env` text: `NAME=value` lines, optional `export `, `#` comments, optional single or
/// double quotes around the value.
pub fn parse_dotenv(path: &str, text: &str) -> Result<HashMap<String, String>, DotenvError> {
    let mut variables = HashMap::new();
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
        variables.insert(name.to_owned(), unquote(value.trim()));
    }
    Ok(variables)
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
        assert!(matches!(
            parse_dotenv(".env", "oops\n"),
            Err(DotenvError::Line { line: 1, .. })
        ));
    }
}
