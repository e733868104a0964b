//! Splitting a section of SQL into statements, around quotes (`'…'`, `E'…'`, `"…"`, `` `…` ``),
//! dollar quotes (`$tag$…$tag$`), `--` and nested `/* */` comments, and `BEGIN … END` bodies
//! (SQLite and MySQL triggers, PostgreSQL `BEGIN ATOMIC`), so that each statement can be run and
//! reported on its own line.

/// One statement and the 1-based line it starts on (relative to the text given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub line: usize,
}

/// Whether backslash escapes a quote inside strings (MySQL) or not (PostgreSQL, SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escapes {
    Standard,
    Backslash,
}

/// Split `sql` into statements. Empty statements and comment-only tails are dropped.
pub fn split_statements(sql: &str, escapes: Escapes) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0usize;
    let mut line = 1usize;
    let mut start_line: Option<usize> = None;
    let mut block_depth = 0usize; // BEGIN … END nesting (trigger bodies)
    let mut index = 0usize;
    let mut word_start: Option<usize> = None;
    let mut last_word = String::new();

    let finish_word = |word_start: &mut Option<usize>,
                       end: usize,
                       last_word: &mut String,
                       block_depth: &mut usize| {
        if let Some(begin) = word_start.take() {
            let word = sql[begin..end].to_ascii_uppercase();
            match word.as_str() {
                // `BEGIN` opens a body only after the head of a CREATE (trigger/procedure); a
                // bare `BEGIN;` is a transaction statement.
                "BEGIN" if *block_depth > 0 || !last_word.is_empty() => *block_depth += 1,
                "CASE" if *block_depth > 0 => *block_depth += 1,
                "END" if *block_depth > 0 => *block_depth -= 1,
                _ => {}
            }
            *last_word = word;
        }
    };

    while index < bytes.len() {
        let byte = bytes[index];
        let is_word = byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80;
        if is_word {
            if word_start.is_none() {
                word_start = Some(index);
                if start_line.is_none() {
                    start_line = Some(line);
                }
            }
            index += 1;
            continue;
        }
        finish_word(&mut word_start, index, &mut last_word, &mut block_depth);
        match byte {
            b'\n' => {
                line += 1;
                index += 1;
            }
            b'-' if bytes.get(index + 1) == Some(&b'-') => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while index < bytes.len() {
                    if bytes[index] == b'/' && bytes.get(index + 1) == Some(&b'*') {
                        depth += 1;
                        index += 2;
                    } else if bytes[index] == b'*' && bytes.get(index + 1) == Some(&b'/') {
                        depth -= 1;
                        index += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if bytes[index] == b'\n' {
                            line += 1;
                        }
                        index += 1;
                    }
                }
            }
            b'\'' | b'"' | b'`' => {
                start_line.get_or_insert(line);
                // `E'…'` strings take backslash escapes in PostgreSQL too.
                let backslash = escapes == Escapes::Backslash
                    || (byte == b'\''
                        && index > 0
                        && matches!(bytes[index - 1], b'E' | b'e')
                        && (index < 2 || !bytes[index - 2].is_ascii_alphanumeric()));
                index += 1;
                while index < bytes.len() {
                    let current = bytes[index];
                    if current == b'\n' {
                        line += 1;
                    }
                    if backslash && current == b'\\' {
                        index += 2;
                        continue;
                    }
                    index += 1;
                    if current == byte {
                        if bytes.get(index) == Some(&byte) {
                            index += 1; // doubled quote
                            continue;
                        }
                        break;
                    }
                }
            }
            b'$' => {
                start_line.get_or_insert(line);
                let tag_end = sql[index + 1..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map(|offset| index + 1 + offset);
                match tag_end {
                    Some(end)
                        if bytes[end] == b'$'
                            && !sql[index + 1..end].starts_with(|c: char| c.is_ascii_digit()) =>
                    {
                        let tag = &sql[index..=end];
                        let body_start = end + 1;
                        let close = sql[body_start..]
                            .find(tag)
                            .map_or(bytes.len(), |offset| body_start + offset + tag.len());
                        line += sql[index..close].matches('\n').count();
                        index = close;
                    }
                    _ => index += 1,
                }
            }
            b';' if block_depth == 0 => {
                push_statement(&mut statements, &sql[start..index], start_line.take());
                last_word.clear();
                index += 1;
                start = index;
            }
            _ => {
                if !byte.is_ascii_whitespace() {
                    start_line.get_or_insert(line);
                }
                index += 1;
            }
        }
    }
    finish_word(
        &mut word_start,
        bytes.len(),
        &mut last_word,
        &mut block_depth,
    );
    push_statement(&mut statements, &sql[start..], start_line);
    statements
}

fn push_statement(statements: &mut Vec<Statement>, text: &str, line: Option<usize>) {
    let Some(line) = line else { return };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return;
    }
    statements.push(Statement {
        sql: trimmed.to_owned(),
        line,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(sql: &str) -> Vec<(String, usize)> {
        split_statements(sql, Escapes::Standard)
            .into_iter()
            .map(|s| (s.sql, s.line))
            .collect()
    }

    #[test]
    fn quotes_comments_and_lines() {
        let sql = "CREATE TABLE a (x text DEFAULT 'a;b');\n-- c; d\n/* e; /* nested; */ f; */\nINSERT INTO a VALUES ('it''s;');\n\nSELECT \"we;ird\" FROM a";
        let statements = split(sql);
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0].1, 1);
        assert!(
            statements[1].0.starts_with("/* e;") || statements[1].0.starts_with("-- c"),
            "{statements:?}"
        );
        assert_eq!(statements[2], ("SELECT \"we;ird\" FROM a".to_owned(), 6));
    }

    #[test]
    fn dollar_quotes_and_e_strings() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT E'a\\';b';\nSELECT $$x;y$$;";
        let statements = split(sql);
        assert_eq!(statements.len(), 3, "{statements:?}");
        assert_eq!(statements[1].1, 2);
    }

    #[test]
    fn trigger_bodies_and_backslashes() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; SELECT CASE WHEN 1 THEN 2 END; END;\nSELECT 1;";
        assert_eq!(split(sql).len(), 2);
        let mysql = split_statements("SELECT 'a\\';b'; SELECT 2;", Escapes::Backslash);
        assert_eq!(mysql.len(), 2);
        assert_eq!(split("BEGIN; SELECT 1; COMMIT;").len(), 3);
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn leading_comments_do_not_move_the_start_line() {
        let sql = "-- Autogenerated by retort: 3 operation(s).\n\n-- create table public.posts\nCREATE TABLE \"posts\" (\n    \"id\" bigint\n);\n";
        let statements = split_statements(sql, Escapes::Standard);
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].line, 4);
    }
}
