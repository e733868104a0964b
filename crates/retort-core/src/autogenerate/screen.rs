//! Every declared statement is modeled, or refused by name: before either path (parser or
//! scratch database) sees the declared schema, each statement is classified by the dialect.
//! What the model does not cover is an error with its file and line — never an omission, which
//! would let `check` pass while a row-level security policy, say, is never applied. Session
//! settings that dumps open with (`SET client_encoding`, pg_dump's emptied `search_path`,
//! psql's `\restrict`) and what the model deliberately does not compare (`OWNER TO`) are
//! blanked out, keeping every line where it was, so positions in errors stay true.

use super::{AutogenerateError, DeclaredSchema};
use crate::dialect::Dialect;
use crate::runner::split::split_statements;

/// What a dialect makes of one declared statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredStatement {
    /// Part of what the model covers.
    Modeled,
    /// A session setting, or what the model deliberately leaves alone (ownership): taken out.
    Setting,
    /// Not modeled: refused, with what it is (`CREATE POLICY`, `GRANT`).
    Refused(String),
    /// A privilege (`GRANT`, `REVOKE`): modeled when `[autogenerate] compare_grants` is on,
    /// refused with the way to turn it on otherwise.
    Privilege(String),
    /// Modeled, but `word` says how to build the object, not what it is (`CREATE INDEX
    /// CONCURRENTLY`): the word is blanked, so the scratch database (inside a transaction) and
    /// the parser take the statement, and `note` is said to the user with its file and line.
    BuildOption {
        word: &'static str,
        note: &'static str,
    },
}

/// The declared schema with settings blanked out, or the first statement that is refused
/// (privileges are, unless `compare_grants`).
pub fn screen(
    dialect: &dyn Dialect,
    declared: DeclaredSchema,
    compare_grants: bool,
) -> Result<DeclaredSchema, AutogenerateError> {
    let mut screened = DeclaredSchema::default();
    for (path, text) in declared.files {
        let mut text = blank_meta_commands(&path, &text)?;
        for statement in split_statements(&text.clone(), dialect.escapes()) {
            match dialect.classify_declared(&statement.sql) {
                DeclaredStatement::Modeled => {}
                DeclaredStatement::Privilege(_) if compare_grants => {}
                DeclaredStatement::Privilege(what) => {
                    return Err(AutogenerateError::GrantsNotCompared {
                        path,
                        line: statement.line,
                        what,
                    })
                }
                DeclaredStatement::Setting => blank(&mut text, &statement.sql),
                DeclaredStatement::BuildOption { word, note } => {
                    blank_word(&mut text, &statement.sql, word);
                    screened
                        .notes
                        .push(format!("{}:{}: {note}", path.display(), statement.line));
                }
                DeclaredStatement::Refused(what) => {
                    return Err(AutogenerateError::NotModeled {
                        path,
                        line: statement.line,
                        what,
                    })
                }
            }
        }
        screened.files.push((path, text));
    }
    Ok(screened)
}

/// psql's `\restrict KEY` and `\unrestrict KEY` (in dumps since PostgreSQL 17.6) guard a
/// restore and mean nothing to the schema; any other meta-command (`\connect`, `\i`) is refused.
fn blank_meta_commands(path: &std::path::Path, text: &str) -> Result<String, AutogenerateError> {
    let mut lines = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('\\') {
            let command = trimmed.split_whitespace().next().unwrap_or(trimmed);
            if command != "\\restrict" && command != "\\unrestrict" {
                return Err(AutogenerateError::NotModeled {
                    path: path.to_path_buf(),
                    line: index + 1,
                    what: format!("the psql meta-command {command}"),
                });
            }
            lines.push(String::new());
        } else {
            lines.push(line.to_owned());
        }
    }
    Ok(lines.join("\n"))
}

/// Replace `statement` in `text` by spaces, keeping its line breaks.
fn blank(text: &mut String, statement: &str) {
    if let Some(start) = text.find(statement) {
        let blanked: String = statement
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        text.replace_range(start..start + statement.len(), &blanked);
        // The statement's `;` goes too, or the scratch database would see an empty statement
        // (all of `;;`, where a `DELIMITER ;;` made that the delimiter: one `;` left over would
        // start the next statement).
        let end = start + blanked.len();
        if text[end..].trim_start().starts_with(';') {
            if let Some(offset) = text[end..].find(';') {
                let from = end + offset;
                let length = text[from..].len() - text[from..].trim_start_matches(';').len();
                text.replace_range(from..from + length, &" ".repeat(length));
            }
        }
    }
}

/// Blank the first `word` (ASCII case aside, as a whole word) of `statement` in `text`,
/// keeping every other character where it was.
fn blank_word(text: &mut String, statement: &str, word: &str) {
    let Some(start) = text.find(statement) else {
        return;
    };
    let upper = statement.to_ascii_uppercase();
    let is_boundary = |index: Option<u8>| {
        index.is_none_or(|byte| !(byte.is_ascii_alphanumeric() || byte == b'_'))
    };
    let mut from = 0;
    while let Some(offset) = upper[from..].find(word) {
        let at = from + offset;
        let before = at.checked_sub(1).map(|i| upper.as_bytes()[i]);
        let after = upper.as_bytes().get(at + word.len()).copied();
        if is_boundary(before) && is_boundary(after) {
            let begin = start + at;
            text.replace_range(begin..begin + word.len(), &" ".repeat(word.len()));
            return;
        }
        from = at + word.len();
    }
}

/// The words of a statement for classifying it: keywords and names upper-cased, quoted
/// identifiers and strings as single tokens (as written), punctuation apart, comments skipped
/// (a MySQL `/*!…*/` comment is code, and is read). `#` starts a comment where `hash_comments`
/// (MySQL); elsewhere it is an operator (PostgreSQL's XOR).
pub fn tokens(sql: &str, hash_comments: bool) -> Vec<String> {
    let characters: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let c = characters[index];
        if c.is_whitespace() {
            index += 1;
        } else if c == '-' && characters.get(index + 1) == Some(&'-') || c == '#' && hash_comments {
            while index < characters.len() && characters[index] != '\n' {
                index += 1;
            }
        } else if c == '/' && characters.get(index + 1) == Some(&'*') {
            if characters.get(index + 2) == Some(&'!') {
                // Versioned code: skip the marker and its version number, read the rest.
                index += 3;
                while index < characters.len() && characters[index].is_ascii_digit() {
                    index += 1;
                }
            } else {
                index += 2;
                while index + 1 < characters.len()
                    && !(characters[index] == '*' && characters[index + 1] == '/')
                {
                    index += 1;
                }
                index += 2;
            }
        } else if c == '*' && characters.get(index + 1) == Some(&'/') {
            index += 2;
        } else if c == '\'' || c == '"' || c == '`' {
            let start = index;
            index += 1;
            while index < characters.len() {
                if characters[index] == c {
                    if characters.get(index + 1) == Some(&c) {
                        index += 2;
                        continue;
                    }
                    break;
                }
                index += 1;
            }
            index += 1;
            tokens.push(
                characters[start..index.min(characters.len())]
                    .iter()
                    .collect(),
            );
        } else if c.is_alphanumeric() || c == '_' || c == '$' || c == '.' {
            let start = index;
            while index < characters.len()
                && (characters[index].is_alphanumeric()
                    || matches!(characters[index], '_' | '$' | '.'))
            {
                index += 1;
            }
            tokens.push(
                characters[start..index]
                    .iter()
                    .collect::<String>()
                    .to_ascii_uppercase(),
            );
        } else {
            tokens.push(c.to_string());
            index += 1;
        }
    }
    tokens
}

/// The tokens after the name that follows `skip` leading tokens (`ALTER TABLE ONLY x …` →
/// what follows `x`), split at top-level commas: one list per sub-command.
pub fn clauses_after_name(tokens: &[String], skip: usize) -> Vec<Vec<String>> {
    let mut position = skip;
    while matches!(
        tokens.get(position).map(String::as_str),
        Some("ONLY" | "IF" | "EXISTS")
    ) {
        position += 1;
    }
    // The name: `a`, `a.b`, `"a"."b"`, `"a".b`, `a."b"` (a dotted name comes as several
    // tokens: `.` alone, or glued to the word before or after it).
    let mut previous = tokens.get(position);
    position += 1;
    while let Some(token) = tokens.get(position) {
        if !(previous.is_some_and(|p| p.ends_with('.')) || token.starts_with('.')) {
            break;
        }
        previous = Some(token);
        position += 1;
    }
    let mut clauses = vec![Vec::new()];
    let mut depth = 0usize;
    for token in &tokens[position.min(tokens.len())..] {
        match token.as_str() {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                clauses.push(Vec::new());
                continue;
            }
            ";" if depth == 0 => continue,
            _ => {}
        }
        if let Some(last) = clauses.last_mut() {
            last.push(token.clone());
        }
    }
    clauses.retain(|clause| !clause.is_empty());
    clauses
}

/// The first `count` tokens joined by spaces (`CREATE POLICY`), for naming what is refused.
pub fn leading(tokens: &[String], count: usize) -> String {
    tokens
        .iter()
        .take(count)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_comments_and_keep_quoted_names_whole() {
        assert_eq!(
            tokens(
                "-- note\nALTER TABLE ONLY \"my t\" /* x */ ENABLE ROW LEVEL SECURITY;",
                false
            ),
            ["ALTER", "TABLE", "ONLY", "\"my t\"", "ENABLE", "ROW", "LEVEL", "SECURITY", ";"]
        );
        assert_eq!(
            tokens("/*!40101 SET NAMES utf8mb4 */ # note", true),
            ["SET", "NAMES", "UTF8MB4"]
        );
    }

    #[test]
    fn clauses_follow_the_name() {
        let t = tokens(
            "ALTER TABLE ONLY public.t ADD CONSTRAINT c CHECK (a # b), OWNER TO x;",
            false,
        );
        assert_eq!(
            clauses_after_name(&t, 2),
            vec![
                tokens("ADD CONSTRAINT c CHECK (a # b)", false),
                tokens("OWNER TO x", false)
            ]
        );
    }

    #[test]
    fn quoted_dotted_names_are_skipped_whole() {
        for name in [
            "\"Billing\".invoices",
            "billing.\"Invoices\"",
            "\"Billing\".\"Invoices\"",
            "billing . invoices",
        ] {
            let t = tokens(&format!("ALTER TABLE {name} OWNER TO postgres"), false);
            assert_eq!(
                clauses_after_name(&t, 2),
                vec![tokens("OWNER TO postgres", false)],
                "{name}"
            );
        }
    }

    #[test]
    fn blanking_keeps_lines() {
        let mut text = "SET a = 1;\nCREATE TABLE t (id int);\n".to_owned();
        blank(&mut text, "SET a = 1");
        assert_eq!(text, "          \nCREATE TABLE t (id int);\n");
    }
}
