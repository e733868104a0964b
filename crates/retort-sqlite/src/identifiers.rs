//! SQLite writes a renamed column into the schema's SQL quoted (`length("title")`), while the
//! same expression declared by hand reads `length(title)`: both mean the same, and must compare
//! equal. Check expressions and index definitions are read back with every quoted identifier
//! that needs no quotes unquoted — a plain name that is none of SQLite's keywords.

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

/// `text` with needless identifier quotes removed, outside string literals.
pub fn unquote_plain_identifiers(text: &str) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < characters.len() {
        let c = characters[index];
        let closing = match c {
            '\'' | '"' | '`' => c,
            '[' => ']',
            _ => {
                output.push(c);
                index += 1;
                continue;
            }
        };
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
        if c != '\'' && needs_no_quotes(&inner) {
            output.push_str(&inner);
        } else {
            output.push_str(&quoted);
        }
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

fn needs_no_quotes(name: &str) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name.to_ascii_uppercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::unquote_plain_identifiers;

    #[test]
    fn only_needless_quotes_go() {
        assert_eq!(
            unquote_plain_identifiers(
                "CHECK (length(\"title\") > 0 AND \"order\" <> 'x\"y' AND [a b] > `c`)"
            ),
            "CHECK (length(title) > 0 AND \"order\" <> 'x\"y' AND [a b] > c)"
        );
        assert_eq!(unquote_plain_identifiers("(\"name\")"), "(name)");
        assert_eq!(
            super::without_comments(
                "CREATE VIEW v AS SELECT '--x' AS a -- note\nFROM t\n/* v(a) */"
            ),
            "CREATE VIEW v AS SELECT '--x' AS a \nFROM t"
        );
    }
}
