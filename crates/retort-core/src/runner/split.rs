//! Splitting a section of SQL into statements, around quotes (`'…'`, `E'…'`, `"…"`, `` `…` ``),
//! dollar quotes (`$tag$…$tag$`), `--` and nested `/* */` comments, and `BEGIN … END` bodies
//! (SQLite and MySQL triggers, PostgreSQL `BEGIN ATOMIC`), so that each statement can be run and
//! reported on its own line. MySQL text may also change the delimiter as the `mysql` client
//! does (`DELIMITER //` … `DELIMITER ;`, the way routines and triggers are written for it).

/// One statement and the 1-based line it starts on (relative to the text given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub line: usize,
}

/// The lexical rules of a dialect. `Backslash` is MySQL's: a backslash escapes a quote inside
/// strings and `#` starts a comment that runs to the end of the line. `Standard` is PostgreSQL's
/// and SQLite's (no backslash escapes outside `E'…'`; `#` is an operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escapes {
    Standard,
    Backslash,
}

/// Words that make a `CREATE` statement a routine or trigger, whose body is a `BEGIN … END`.
const ROUTINE_KINDS: [&str; 4] = ["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"];
/// Words that make a `CREATE` statement something else (so a table named `event` is a table).
const OTHER_KINDS: [&str; 8] = [
    "TABLE", "VIEW", "INDEX", "SEQUENCE", "TYPE", "SCHEMA", "DATABASE", "DOMAIN",
];
/// `END IF`, `END LOOP`, `END WHILE`, `END REPEAT` close a construct whose opening word is not
/// counted (`IF` is also a function, `IF EXISTS` a clause), so they close no block.
const UNCOUNTED_ENDS: [&str; 4] = ["IF", "LOOP", "WHILE", "REPEAT"];

/// What comes right before a statement inside a body, so `BEGIN` there opens a block (`SELECT
/// begin FROM t` names a column).
const STATEMENT_STARTS: [&str; 8] = [";", ":", "BEGIN", "THEN", "ELSE", "DO", "LOOP", "REPEAT"];

/// Where the splitter is in `BEGIN … END` bodies within the current statement.
#[derive(Default)]
struct Blocks {
    /// `BEGIN … END` (and `CASE … END`) nesting inside a body.
    depth: usize,
    /// Parentheses: a `begin` inside them is a name (a column, a parameter), never a body.
    parentheses: usize,
    /// The current statement's first word.
    first_word: Option<String>,
    /// The statement is `CREATE … TRIGGER|PROCEDURE|FUNCTION|EVENT …` (or `ALTER EVENT`).
    routine_head: bool,
    /// The statement is `CREATE TABLE|VIEW|…`.
    other_head: bool,
    /// The word or punctuation before the current word (`END CASE` closes a `CASE`, it opens
    /// none; inside a body, `BEGIN` opens a block only where a statement starts).
    previous_word: String,
}

impl Blocks {
    /// Account for `word` (upper case); `next` is the word after it (upper case, may be empty).
    fn word(&mut self, word: &str, next: &str) {
        let first = self.first_word.is_none();
        if first {
            self.first_word = Some(word.to_owned());
        }
        let in_create = self.first_word.as_deref() == Some("CREATE");
        let in_alter = self.first_word.as_deref() == Some("ALTER");
        if (in_create || in_alter) && self.depth == 0 && self.parentheses == 0 && !self.other_head {
            // `ALTER EVENT … DO BEGIN … END` takes a body too; no other `ALTER` does.
            let routine_kind = if in_create {
                ROUTINE_KINDS.contains(&word)
            } else {
                word == "EVENT"
            };
            if routine_kind {
                self.routine_head = true;
            } else if !self.routine_head && OTHER_KINDS.contains(&word) {
                self.other_head = true;
            }
        }
        match word {
            // `BEGIN` opens a body inside another body, after the head of a trigger or routine,
            // or as MariaDB's anonymous `BEGIN NOT ATOMIC`; a bare `BEGIN;` is a transaction
            // statement and a `begin` inside parentheses is a name.
            "BEGIN"
                if self.parentheses == 0
                    && (if self.depth > 0 {
                        STATEMENT_STARTS.contains(&self.previous_word.as_str())
                    } else {
                        (self.routine_head
                            && !first
                            && !matches!(self.previous_word.as_str(), "." | "=" | ","))
                            || (first && next == "NOT")
                    }) =>
            {
                self.depth += 1;
            }
            "CASE" if self.depth > 0 && self.previous_word != "END" => self.depth += 1,
            "END" if self.depth > 0 && !UNCOUNTED_ENDS.contains(&next) => self.depth -= 1,
            _ => {}
        }
        word.clone_into(&mut self.previous_word);
    }

    fn punctuation(&mut self, byte: u8) {
        if !byte.is_ascii_whitespace() {
            self.previous_word = char::from(byte).to_string();
        }
        match byte {
            b'(' => self.parentheses += 1,
            b')' => self.parentheses = self.parentheses.saturating_sub(1),
            _ => {}
        }
    }
}

/// The word starting at the first non-blank byte at or after `index`, upper-cased.
fn next_word(sql: &str, index: usize) -> String {
    let rest = sql.get(index..).unwrap_or_default().trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    rest[..end].to_ascii_uppercase()
}

/// Split `sql` into statements. Empty statements and comment-only tails are dropped.
/// The first line of `sql` that is not blank or a `--` comment, trimmed: how a statement is
/// named in messages, and what decides its kind.
pub fn first_code_line(sql: &str) -> Option<&str> {
    sql.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("--"))
}

/// The `mysql` client's `DELIMITER x` command at `index` (at a statement's start): the new
/// delimiter (`None` for `;`) and where the command's line ends.
fn delimiter_command(sql: &str, index: usize) -> Option<(Option<String>, usize)> {
    let rest = &sql[index..];
    let command = rest.get(..9)?;
    if !command.eq_ignore_ascii_case("DELIMITER") || !rest[9..].starts_with([' ', '\t']) {
        return None;
    }
    let line_end = rest.find('\n').map_or(sql.len(), |at| index + at);
    let delimiter = sql[index + 9..line_end].split_whitespace().next()?;
    Some(((delimiter != ";").then(|| delimiter.to_owned()), line_end))
}

pub fn split_statements(sql: &str, escapes: Escapes) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    // A delimiter other than `;` set by a `DELIMITER` command (MySQL): statements end there
    // only, whatever `;` and `BEGIN … END` they hold.
    let mut delimiter: Option<String> = None;
    let mut statements = Vec::new();
    let mut start = 0usize;
    let mut line = 1usize;
    let mut start_line: Option<usize> = None;
    let mut blocks = Blocks::default();
    let mut index = 0usize;
    let mut word_start: Option<usize> = None;
    // Open `/*!…` versioned-code comments (MySQL).
    let mut versioned = 0usize;

    let finish_word = |word_start: &mut Option<usize>, end: usize, blocks: &mut Blocks| {
        if let Some(begin) = word_start.take() {
            let word = sql[begin..end].to_ascii_uppercase();
            blocks.word(&word, &next_word(sql, end));
        }
    };

    while index < bytes.len() {
        let byte = bytes[index];
        if escapes == Escapes::Backslash && start_line.is_none() && word_start.is_none() {
            if let Some((new, line_end)) = delimiter_command(sql, index) {
                delimiter = new;
                index = line_end;
                start = index;
                continue;
            }
        }
        if let Some(end) = delimiter.as_deref() {
            if sql[index..].starts_with(end) {
                finish_word(&mut word_start, index, &mut blocks);
                push_statement(&mut statements, &sql[start..index], start_line.take());
                blocks = Blocks::default();
                index += end.len();
                start = index;
                continue;
            }
        }
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
        finish_word(&mut word_start, index, &mut blocks);
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
            // MySQL's `#` comment (which may hold a quote: `# it's`).
            b'#' if escapes == Escapes::Backslash => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            // MySQL's versioned code `/*!50003 CREATE*/` (mysqldump writes views, triggers and
            // session settings in it) is code the server runs: read on, and its `*/` is blank.
            b'/' if escapes == Escapes::Backslash
                && bytes.get(index + 1) == Some(&b'*')
                && bytes.get(index + 2) == Some(&b'!') =>
            {
                start_line.get_or_insert(line);
                index += 3;
                while index < bytes.len() && bytes[index].is_ascii_digit() {
                    index += 1;
                }
                versioned += 1;
            }
            b'*' if versioned > 0 && bytes.get(index + 1) == Some(&b'/') => {
                versioned -= 1;
                index += 2;
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
            b';' if blocks.depth == 0 && delimiter.is_none() => {
                push_statement(&mut statements, &sql[start..index], start_line.take());
                blocks = Blocks::default();
                index += 1;
                start = index;
            }
            _ => {
                if !byte.is_ascii_whitespace() {
                    start_line.get_or_insert(line);
                }
                blocks.punctuation(byte);
                index += 1;
            }
        }
    }
    finish_word(&mut word_start, bytes.len(), &mut blocks);
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
    #[test]
    fn mysql_versioned_code_is_code() {
        let sql = "/*!40101 SET NAMES utf8mb4 */;\n/* a comment; */\nDELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = 1; SET NEW.m = 2; END */;;\nDELIMITER ;\n/*!50001 VIEW `v` AS select 1 AS `a` */;";
        let statements = split_mysql(sql);
        assert_eq!(
            statements,
            [
                (1, "/*!40101 SET NAMES utf8mb4 */".to_owned()),
                (4, "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = 1; SET NEW.m = 2; END */".to_owned()),
                (6, "/*!50001 VIEW `v` AS select 1 AS `a` */".to_owned()),
            ]
        );
        // Elsewhere it stays a comment.
        assert!(split_statements("/*!40101 SET NAMES utf8mb4 */;", Escapes::Standard).is_empty());
    }

    use super::*;

    /// Each statement of MySQL text, after the line it starts on.
    fn split_mysql(sql: &str) -> Vec<(usize, String)> {
        split_statements(sql, Escapes::Backslash)
            .into_iter()
            .map(|s| (s.line, s.sql))
            .collect()
    }

    #[test]
    fn mysql_delimiter_commands_change_where_statements_end() {
        let sql = "CREATE TABLE t (n int);\n\
                   delimiter //\n\
                   CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 'a // b';\nEND //\n\
                   CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1//\n\
                   DELIMITER $$\n\
                   CREATE FUNCTION f() RETURNS int DETERMINISTIC BEGIN RETURN 1; END$$\n\
                   DELIMITER ;\n\
                   CREATE VIEW v AS SELECT 1 AS delimiter;\n";
        let statements = split_mysql(sql);
        assert_eq!(
            statements,
            [
                (1, "CREATE TABLE t (n int)".to_owned()),
                (
                    3,
                    "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 'a // b';\nEND".to_owned()
                ),
                (
                    8,
                    "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1".to_owned()
                ),
                (
                    10,
                    "CREATE FUNCTION f() RETURNS int DETERMINISTIC BEGIN RETURN 1; END".to_owned()
                ),
                (12, "CREATE VIEW v AS SELECT 1 AS delimiter".to_owned()),
            ]
        );
        // Not a command where the delimiter is standard SQL's.
        assert_eq!(split("DELIMITER //\nSELECT 1;").len(), 1);
    }

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

/// Issue 9, finding 1: MySQL text the splitter used to cut in the wrong place.
#[cfg(test)]
mod mysql_tests {
    use super::*;

    fn split(sql: &str) -> Vec<String> {
        split_statements(sql, Escapes::Backslash)
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    #[test]
    fn a_hash_comment_with_an_apostrophe_is_a_comment() {
        let sql = "# it's a comment; still\nCREATE TABLE a (x int); # and it's here too\nCREATE TABLE b (x int);";
        let statements = split_statements(sql, Escapes::Backslash);
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert!(statements[0].sql.ends_with("CREATE TABLE a (x int)"));
        assert_eq!(statements[1].line, 3);
        assert_eq!(
            statements[1].sql,
            "# and it's here too\nCREATE TABLE b (x int)"
        );
        // `#` is an operator in PostgreSQL.
        assert_eq!(
            split_statements("SELECT 5 # 3; SELECT 1;", Escapes::Standard).len(),
            2
        );
    }

    #[test]
    fn a_column_named_begin_is_not_a_body() {
        assert_eq!(
            split("CREATE TABLE t (begin int, x int); INSERT INTO t VALUES (1,2);"),
            [
                "CREATE TABLE t (begin int, x int)",
                "INSERT INTO t VALUES (1,2)"
            ]
        );
        assert_eq!(
            split("ALTER TABLE t ADD COLUMN `end` int; SELECT begin, end FROM t; UPDATE t SET begin = 1;").len(),
            3
        );
        // A table named after a routine kind is still a table.
        assert_eq!(split("CREATE TABLE event (begin int); SELECT 1;").len(), 2);
        // A parameter named begin does not open the body.
        assert_eq!(
            split("CREATE PROCEDURE p(begin int) BEGIN SELECT begin; END; CALL p(1);").len(),
            2
        );
    }

    #[test]
    fn a_body_with_compound_statements_ends_at_its_final_end() {
        let body = "CREATE PROCEDURE p(n int)\nBEGIN\n  DECLARE i int DEFAULT 0;\n  IF n > 0 THEN SELECT 1; ELSEIF n < 0 THEN SELECT 2; END IF;\n  l: LOOP SET i = i + 1; IF i > 3 THEN LEAVE l; END IF; END LOOP l;\n  WHILE i > 0 DO SET i = i - 1; END WHILE;\n  CASE n WHEN 1 THEN SELECT 1; ELSE SELECT CASE WHEN n > 2 THEN 3 END; END CASE;\n  REPEAT SET i = i + 1; UNTIL i > 2 END REPEAT;\n  BEGIN SELECT IF(n > 0, 1, 2); END;\nEND";
        let sql = format!("{body};\nCALL p(1);\nSELECT 3;");
        let statements = split_statements(&sql, Escapes::Backslash);
        assert_eq!(statements.len(), 3, "{statements:?}");
        assert_eq!(statements[0].sql, body);
        assert_eq!((statements[1].line, statements[2].line), (11, 12));
        // Triggers and events, with a definer.
        let trigger = "CREATE DEFINER=`root`@`localhost` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.x < 0 THEN SET NEW.x = 0; END IF; END";
        assert_eq!(
            split(&format!("{trigger}; SELECT 1;")),
            [trigger, "SELECT 1"]
        );
        let event =
            "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN WHILE 0 DO SELECT 1; END WHILE; END";
        assert_eq!(split(&format!("{event}; SELECT 1;")), [event, "SELECT 1"]);
        let altered =
            "ALTER EVENT e ON SCHEDULE EVERY 2 DAY\nDO BEGIN DELETE FROM t; DELETE FROM u; END";
        assert_eq!(
            split(&format!("{altered};\nSELECT 1;")),
            [altered, "SELECT 1"]
        );
        assert_eq!(
            split("ALTER TABLE event ADD COLUMN begin int; SELECT 1;").len(),
            2
        );
        // MariaDB's anonymous block.
        let block = "BEGIN NOT ATOMIC IF 1 THEN SELECT 1; END IF; END";
        assert_eq!(split(&format!("{block}; SELECT 2;")), [block, "SELECT 2"]);
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
