//! SQLite writes a renamed column into the schema's SQL quoted (`length("title")`), while the
//! same expression declared by hand reads `length(title)`: both mean the same, and must compare
//! equal. Check expressions, index definitions, views and triggers are read back with every
//! quoted identifier that needs no quotes unquoted — a plain name that is none of SQLite's
//! keywords.
//!
//! But a double-quoted token is not always a name: where no column of that name is in scope,
//! SQLite reads `"word"` as the string `'word'` (its legacy "double-quoted string literal"), and
//! unquoted it would become a column reference that fails at run time ("no such column: word").
//! The text is rendered back as it is read, so a double-quoted token loses its quotes only where
//! it is proven a name ([`Scope`]), and becomes a single-quoted string only where it is proven a
//! string; anywhere else it is kept exactly as written, which always means what it meant.
//! Brackets and backticks always quote a name.
//!
//! Why strings are rewritten at all: after any column rename SQLite itself rewrites every
//! double-quoted string of the schema single-quoted (`"bad"` becomes `'bad'`, `"it's"`
//! `'it''s'`), so the declared text and the live one would differ in spelling alone. Read both
//! ways into SQLite's spelling, they compare equal, and what retort writes no longer needs the
//! misfeature (which a SQLite built with `SQLITE_DQS=0` refuses).

/// SQLite's keywords (sqlite.org/lang_keywords.html). Written out because neither rusqlite nor
/// any crate exposes `sqlite3_keyword_check`; a general SQL keyword list would keep quotes on
/// ordinary names such as `name`.
const KEYWORDS: [&str; 147] = [
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

/// What is known of the double-quoted tokens of a text: which of them are names.
pub enum Scope<'a> {
    /// SQLite compiled the object with double-quoted strings refused: every double-quoted token
    /// in it is a name.
    AllNames,
    /// An expression over one table's row (a CHECK, a generated column, an index): its columns
    /// are all that is in scope, so `"x"` is a column exactly when the table has one named x
    /// (SQLite compares names ignoring ASCII case); any other operand is a string, written
    /// single-quoted ([`reads_as_string`] says where a token is an operand). An index's
    /// definition also names the index and its table before its first parenthesis.
    Columns {
        columns: &'a [String],
        names_before_parenthesis: bool,
    },
    /// Nothing is proven: every double-quoted token stays as written.
    Unknown,
}

impl Scope<'_> {
    fn is_name(&self, inner: &str, before_parenthesis: bool) -> bool {
        match self {
            Self::AllNames => true,
            Self::Columns {
                columns,
                names_before_parenthesis,
            } => {
                (*names_before_parenthesis && before_parenthesis)
                    || columns.iter().any(|c| c.eq_ignore_ascii_case(inner))
            }
            Self::Unknown => false,
        }
    }
}

/// What came before a token, as far as telling a string from a name needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Previous {
    /// The start of the text, or punctuation other than `.` (an operator, `(`, `,`).
    Operator,
    /// A `.`: the token is a qualified name's second part.
    Dot,
    /// A word (a keyword or a name, upper-cased) or a number.
    Word(String),
    /// A quoted token.
    Quoted,
}

/// The names that are the row's id in a CHECK even where no column has them.
const ROWID_NAMES: [&str; 3] = ["rowid", "oid", "_rowid_"];

/// Whether a double-quoted token that `scope` does not prove a name is an operand SQLite reads
/// as a string: only in one table's expression ([`Scope::Columns`]), where nothing but the
/// columns (and in a CHECK, the rowid) is in scope, and only where it stands as an operand —
/// after an operator or an expression keyword, not before `(` (a function: `"lower"(a)`) or
/// `.`, after `.`, `COLLATE` or `AS` (a collation, a type: `CAST(a AS "TEXT")`), another
/// quoted token or a word that is not a keyword (a type's second word).
fn reads_as_string(scope: &Scope, inner: &str, previous: &Previous, next: Option<char>) -> bool {
    let operand = match previous {
        Previous::Operator => true,
        Previous::Word(word) => {
            KEYWORDS.contains(&word.as_str()) && !matches!(word.as_str(), "COLLATE" | "AS")
        }
        Previous::Dot | Previous::Quoted => false,
    };
    matches!(scope, Scope::Columns { .. })
        && operand
        && !matches!(next, Some('(' | '.'))
        && !ROWID_NAMES
            .iter()
            .any(|name| name.eq_ignore_ascii_case(inner))
}

/// `"inner"` (its quotes doubled inside) as SQLite writes the same string single-quoted.
fn single_quoted(inner: &str) -> String {
    format!("'{}'", inner.replace("\"\"", "\"").replace('\'', "''"))
}

/// `text` with needless identifier quotes removed, outside string literals; a double-quoted
/// token only where `scope` proves it a name, and one proven a string written single-quoted.
pub fn unquote_plain_identifiers(text: &str, scope: &Scope) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    let mut before_parenthesis = true;
    let mut previous = Previous::Operator;
    let mut word = String::new();
    while index < characters.len() {
        let c = characters[index];
        let closing = match c {
            '\'' | '"' | '`' => c,
            '[' => ']',
            _ => {
                before_parenthesis &= c != '(';
                // A word, or a number with its decimal point (`1.5`).
                let number = !word.is_empty() && word.chars().all(|d| d.is_ascii_digit());
                if c.is_alphanumeric() || c == '_' || c == '$' || (c == '.' && number) {
                    word.push(c);
                } else {
                    if !word.is_empty() {
                        previous = Previous::Word(std::mem::take(&mut word).to_ascii_uppercase());
                    }
                    if c == '.' {
                        previous = Previous::Dot;
                    } else if !c.is_whitespace() {
                        previous = Previous::Operator;
                    }
                }
                output.push(c);
                index += 1;
                continue;
            }
        };
        if !word.is_empty() {
            previous = Previous::Word(std::mem::take(&mut word).to_ascii_uppercase());
        }
        let start = index;
        index += 1;
        while index < characters.len() {
            if characters[index] == closing {
                if closing != ']' && characters.get(index + 1) == Some(&closing) {
                    index += 2;
                    continue;
                }
                break;
            }
            index += 1;
        }
        let end = (index + 1).min(characters.len());
        let quoted: String = characters[start..end].iter().collect();
        let inner: String = characters[start + 1..index.min(characters.len())]
            .iter()
            .collect();
        let name = match c {
            '\'' => false,
            '"' => scope.is_name(&inner, before_parenthesis),
            _ => true,
        };
        let next = characters[end..]
            .iter()
            .copied()
            .find(|c| !c.is_whitespace());
        if name && needs_no_quotes(&inner) {
            output.push_str(&inner);
        } else if c == '"' && !name && reads_as_string(scope, &inner, &previous, next) {
            output.push_str(&single_quoted(&inner));
        } else {
            output.push_str(&quoted);
        }
        previous = Previous::Quoted;
        index = end;
    }
    output
}

/// `text` without its comments (outside string literals and quoted names), trailing blanks
/// trimmed: the sqlite3 shell's `.schema` adds `/* view(columns) */` to every view, which SQLite
/// then keeps as part of the statement when the dump is loaded.
pub fn without_comments(text: &str) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < characters.len() {
        let c = characters[index];
        match c {
            '\'' | '"' | '`' => {
                let start = index;
                index += 1;
                while index < characters.len() && characters[index] != c {
                    index += 1;
                }
                index = (index + 1).min(characters.len());
                output.extend(&characters[start..index]);
            }
            '-' if characters.get(index + 1) == Some(&'-') => {
                while index < characters.len() && characters[index] != '\n' {
                    index += 1;
                }
            }
            '/' if characters.get(index + 1) == Some(&'*') => {
                index += 2;
                while index + 1 < characters.len()
                    && !(characters[index] == '*' && characters[index + 1] == '/')
                {
                    index += 1;
                }
                index += 2;
            }
            _ => {
                output.push(c);
                index += 1;
            }
        }
    }
    output.trim_end().to_owned()
}

pub fn needs_no_quotes(name: &str) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name.to_ascii_uppercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::{unquote_plain_identifiers, Scope};

    #[test]
    fn only_needless_quotes_go() {
        assert_eq!(
            unquote_plain_identifiers(
                "CHECK (length(\"title\") > 0 AND \"order\" <> 'x\"y' AND [a b] > `c`)",
                &Scope::AllNames
            ),
            "CHECK (length(title) > 0 AND \"order\" <> 'x\"y' AND [a b] > c)"
        );
        assert_eq!(
            unquote_plain_identifiers("(\"name\")", &Scope::AllNames),
            "(name)"
        );
        assert_eq!(
            super::without_comments(
                "CREATE VIEW v AS SELECT '--x' AS a -- note\nFROM t\n/* v(a) */"
            ),
            "CREATE VIEW v AS SELECT '--x' AS a \nFROM t"
        );
    }

    /// Regression: `CHECK (a <> "bad")` was read back as `CHECK (a <> bad)`, and a partial
    /// index's `WHERE a <> "q"` as `WHERE a <> q`: SQLite's double-quoted strings became column
    /// references. Only the table's columns (and an index's names) lose their quotes; the
    /// strings are written single-quoted, as SQLite rewrites them after a column rename.
    #[test]
    fn a_double_quoted_string_stays_a_string() {
        let columns = ["id".to_owned(), "Title".to_owned()];
        let expression = Scope::Columns {
            columns: &columns,
            names_before_parenthesis: false,
        };
        assert_eq!(
            unquote_plain_identifiers("\"title\" <> \"bad\" AND `bad` > 0", &expression),
            "title <> 'bad' AND bad > 0"
        );
        let index = Scope::Columns {
            columns: &columns,
            names_before_parenthesis: true,
        };
        assert_eq!(
            unquote_plain_identifiers(
                "CREATE INDEX \"t_q\" ON \"t\" (\"id\") WHERE \"title\" <> \"q\" AND \"t\" > 0",
                &index
            ),
            "CREATE INDEX t_q ON t (id) WHERE title <> 'q' AND 't' > 0"
        );
        assert_eq!(
            unquote_plain_identifiers("SELECT \"lit\" AS x FROM [t]", &Scope::Unknown),
            "SELECT \"lit\" AS x FROM t"
        );
    }

    /// Only an operand is a string: a function's name, a qualified name, a collation, a type,
    /// the rowid, keep their quotes (as SQLite's own rewrite after a rename keeps them).
    #[test]
    fn names_that_are_no_columns_keep_their_quotes() {
        let columns = ["a".to_owned()];
        let check = Scope::Columns {
            columns: &columns,
            names_before_parenthesis: false,
        };
        assert_eq!(
            unquote_plain_identifiers(
                "a <> \"it's\" AND a <> \"say \"\"hi\"\"\" AND a <> \"lower\"(a) AND a <> \"lower\" (a) AND a <> CAST(a AS \"TEXT\") AND a <> CAST(a AS long \"text\") AND a <> (a COLLATE \"NOCASE\") AND a <> t.\"a\" AND a <> \"t\".a AND \"rowid\" > 1.5 AND a <> \"\" AND a NOT IN (\"x\",\"y\") AND a IS NOT \"z\"",
                &check
            ),
            "a <> 'it''s' AND a <> 'say \"hi\"' AND a <> \"lower\"(a) AND a <> \"lower\" (a) AND a <> CAST(a AS \"TEXT\") AND a <> CAST(a AS long \"text\") AND a <> (a COLLATE \"NOCASE\") AND a <> t.a AND a <> \"t\".a AND \"rowid\" > 1.5 AND a <> '' AND a NOT IN ('x','y') AND a IS NOT 'z'"
        );
        // Nothing is proven a string in a view or a trigger this way.
        assert_eq!(
            unquote_plain_identifiers("SELECT a <> \"x\" FROM t", &Scope::AllNames),
            "SELECT a <> x FROM t"
        );
    }
}
