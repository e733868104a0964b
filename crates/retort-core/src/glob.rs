//! The one glob implementation behind every filter and file pattern (`exclude_tables`,
//! `include_schemas`, `[autogenerate] schema`), so a pattern means the same on every database:
//! `*`, `?`, `[0-9]`, `{a,b}`. A pattern that does not compile is an error naming it, never a
//! filter that silently matches nothing.

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("invalid glob `{pattern}` in {setting}: {message}")]
pub struct BadGlob {
    pub setting: String,
    pub pattern: String,
    pub message: String,
}

/// Compiled patterns.
#[derive(Debug, Clone)]
pub struct GlobList {
    patterns: Vec<String>,
    set: globset::GlobSet,
}

impl Default for GlobList {
    fn default() -> Self {
        Self {
            patterns: Vec::new(),
            set: globset::GlobSet::empty(),
        }
    }
}

impl GlobList {
    /// Compile `patterns` (read from `setting`, named in errors). With `paths`, `*` stops at
    /// `/` and `**` crosses directories; without, a pattern matches a whole name.
    pub fn new(setting: &str, patterns: &[String], paths: bool) -> Result<Self, BadGlob> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(paths)
                .build()
                .map_err(|e| BadGlob {
                    setting: setting.to_owned(),
                    pattern: pattern.clone(),
                    message: e.kind().to_string(),
                })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| BadGlob {
            setting: setting.to_owned(),
            pattern: patterns.join(", "),
            message: e.to_string(),
        })?;
        Ok(Self {
            patterns: patterns.to_vec(),
            set,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub fn matches(&self, name: impl AsRef<std::path::Path>) -> bool {
        self.set.is_match(name)
    }
}

#[cfg(test)]
mod tests {
    use super::GlobList;

    #[test]
    fn braces_classes_and_errors() {
        let list = GlobList::new(
            "exclude_tables",
            &["audit_{a,b}".to_owned(), "tmp_[0-9]*".to_owned()],
            false,
        )
        .unwrap_or_default();
        assert!(list.matches("audit_a") && list.matches("audit_b") && list.matches("tmp_1x"));
        assert!(!list.matches("audit_c") && !list.matches("tmp_x") && !list.matches("audit_ab"));
        let error = GlobList::new("exclude_tables", &["tmp_[0-9".to_owned()], false)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "invalid glob `tmp_[0-9` in exclude_tables: unclosed character class; missing ']'"
            )
        );
    }
}
