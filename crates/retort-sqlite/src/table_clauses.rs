//! What only a table's `CREATE TABLE` text says about its columns: `AUTOINCREMENT`, a
//! column's `COLLATE`, a generated column's expression; its checks and the names `CONSTRAINT`
//! gives its keys, checks and foreign keys (quoted any way SQLite takes: `"a ""b"""`, `[a b]`,
//! `` `a` ``, `'a'`); and what the model does not carry
//! (`ON CONFLICT`, a `COLLATE` in a key's column list), refused by name. SQLite keeps that text as written (no
//! pragma reports these), so it is read token by token: a column named `autoincrement_x`, a
//! string literal or a comment holding `COLLATE` must not count, nor a `COLLATE` inside a
//! `CHECK` or `DEFAULT` expression (which the check or the default carries as written).

use std::collections::BTreeMap;

/// The clauses of one column, as written (collation names upper-cased: SQLite matches them
/// without regard to case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnClauses {
    pub autoincrement: bool,
    pub collation: Option<String>,
    /// The expression between the parentheses of `GENERATED ALWAYS AS (…)` or `AS (…)`.
    pub generated: Option<String>,
    /// `VIRTUAL`, written or left out (SQLite's default), rather than `STORED`.
    pub virtual_generated: bool,
}

/// When a foreign key is checked: `DEFERRABLE`, and `INITIALLY DEFERRED` (at commit, which
/// is the only spelling SQLite defers; Django writes it on every key). No pragma reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deferral {
    pub deferrable: bool,
    pub initially_deferred: bool,
}

/// A `CHECK` as written: the name `CONSTRAINT` gives it, if any, and the text between its
/// parentheses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenCheck {
    pub name: Option<String>,
    pub expression: String,
}

/// The names `CONSTRAINT` gives a table's keys (no pragma reports them), unquoted. A key is
/// found by its columns in lower case (a foreign key by them and the table it references): the
/// first constraint on them, named or not, is the one SQLite keeps (a second `UNIQUE` on the
/// same columns makes no index of its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConstraintNames {
    pub primary_key: Option<String>,
    uniques: BTreeMap<Vec<String>, Option<String>>,
    foreign_keys: BTreeMap<(Vec<String>, String), Option<String>>,
}

impl ConstraintNames {
    /// The name written on the `UNIQUE` constraint on `columns`.
    pub fn unique(&self, columns: &[String]) -> Option<String> {
        let columns: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
        self.uniques.get(&columns).cloned().flatten()
    }

    /// The name written on the foreign key from `columns` to `referenced`.
    pub fn foreign_key(&self, columns: &[String], referenced: &str) -> Option<String> {
        let columns: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
        self.foreign_keys
            .get(&(columns, referenced.to_lowercase()))
            .cloned()
            .flatten()
    }
}

/// The clauses of every column of one table, by column name in lower case (SQLite's names
/// ignore case), the deferral of its foreign keys by their columns in lower case, its checks
/// in order, the names of its constraints, and what the model cannot carry (a `COLLATE`
/// inside a key's column list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableClauses {
    pub columns: BTreeMap<String, ColumnClauses>,
    pub foreign_keys: BTreeMap<Vec<String>, Deferral>,
    pub checks: Vec<WrittenCheck>,
    pub names: ConstraintNames,
    pub unmodeled: Vec<String>,
}

impl TableClauses {
    pub fn column(&self, name: &str) -> ColumnClauses {
        self.columns
            .get(&name.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Quoted,
    Punctuation,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// SQLite's tokens, with their byte positions; comments and whitespace are left out.
pub(crate) fn tokens(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let c = bytes[index];
        let start = index;
        if c.is_ascii_whitespace() {
            index += 1;
        } else if c == b'-' && bytes.get(index + 1) == Some(&b'-') {
            while index < bytes.len() && bytes[index] != b'\n' {
                index += 1;
            }
        } else if c == b'/' && bytes.get(index + 1) == Some(&b'*') {
            index += 2;
            while index < bytes.len()
                && !(bytes[index] == b'*' && bytes.get(index + 1) == Some(&b'/'))
            {
                index += 1;
            }
            index = (index + 2).min(bytes.len());
        } else if matches!(c, b'\'' | b'"' | b'`' | b'[') {
            let close = if c == b'[' { b']' } else { c };
            index += 1;
            while index < bytes.len() {
                if bytes[index] == close {
                    // A doubled quote is one quote character ('it''s'); brackets have none.
                    if close != b']' && bytes.get(index + 1) == Some(&close) {
                        index += 2;
                        continue;
                    }
                    break;
                }
                index += 1;
            }
            index = (index + 1).min(bytes.len());
            found.push(Token {
                kind: Kind::Quoted,
                start,
                end: index,
            });
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 {
            while index < bytes.len()
                && (bytes[index].is_ascii_alphanumeric()
                    || matches!(bytes[index], b'_' | b'$' | b'.')
                    || bytes[index] >= 0x80)
            {
                index += 1;
            }
            found.push(Token {
                kind: Kind::Word,
                start,
                end: index,
            });
        } else {
            index += 1;
            found.push(Token {
                kind: Kind::Punctuation,
                start,
                end: index,
            });
        }
    }
    found
}

/// An identifier token without its quotes (`"a""b"` → `a"b`, `[a]` → `a`).
pub(crate) fn unquoted(text: &str) -> String {
    let Some(first) = text.chars().next() else {
        return String::new();
    };
    let close = match first {
        '"' | '\'' | '`' => first,
        '[' => ']',
        _ => return text.to_owned(),
    };
    let inner = text
        .strip_prefix(first)
        .and_then(|t| t.strip_suffix(close))
        .unwrap_or(text);
    if close == ']' {
        inner.to_owned()
    } else {
        inner.replace(&format!("{close}{close}"), &close.to_string())
    }
}

/// The deferral written in `words` (the upper-cased words of one foreign key's clause):
/// `NOT DEFERRABLE` is the default, as is `DEFERRABLE INITIALLY IMMEDIATE` without the second word.
fn deferral(words: &[String]) -> Deferral {
    let deferrable = words
        .iter()
        .enumerate()
        .any(|(at, word)| word == "DEFERRABLE" && (at == 0 || words[at - 1] != "NOT"));
    Deferral {
        deferrable,
        initially_deferred: deferrable
            && words
                .windows(2)
                .any(|pair| pair[0] == "INITIALLY" && pair[1] == "DEFERRED"),
    }
}

/// The checks and the constraint names of one element of a table's column list: a column
/// definition (whose constraints are on `column`) or a table constraint. A `CONSTRAINT name`
/// names the constraint after it, which may be one the model keeps no name for (`NOT NULL`,
/// `DEFAULT`, `COLLATE`, a generated column's `AS`): then the name goes with it.
fn constraints(
    sql: &str,
    element: &[(usize, Token)],
    column: Option<&str>,
    clauses: &mut TableClauses,
) {
    let text = |at: usize| element.get(at).map_or("", |(_, t)| &sql[t.start..t.end]);
    let word = |at: usize| {
        element
            .get(at)
            .filter(|(_, t)| t.kind == Kind::Word)
            .map(|_| text(at).to_ascii_uppercase())
            .unwrap_or_default()
    };
    let is = |at: usize, punctuation: &str| {
        element
            .get(at)
            .is_some_and(|(_, t)| t.kind == Kind::Punctuation && text(at) == punctuation)
    };
    // The parenthesized list opening at `open`: the index of its `)`.
    let close = |open: usize| {
        element[open + 1..]
            .iter()
            .position(|(depth, t)| {
                *depth == 0 && t.kind == Kind::Punctuation && &sql[t.start..t.end] == ")"
            })
            .map_or(element.len(), |offset| open + 1 + offset)
    };
    // The names in the column list at or after `at` (the first token of each item: `a
    // COLLATE x` names `a`), in lower case, and the index of its `)`.
    let names = |at: usize| {
        let Some(open) = (at..element.len()).find(|&index| is(index, "(")) else {
            return (Vec::new(), element.len());
        };
        let end = close(open);
        let mut found = Vec::new();
        let mut expecting = true;
        for (depth, token) in &element[open + 1..end] {
            if *depth != 1 {
                continue;
            }
            let written = &sql[token.start..token.end];
            if token.kind == Kind::Punctuation {
                expecting |= written == ",";
            } else if expecting {
                found.push(unquoted(written).to_lowercase());
                expecting = false;
            }
        }
        (found, end)
    };
    let referenced = |from: usize| {
        (from..element.len())
            .find(|&index| element[index].0 == 0 && word(index) == "REFERENCES")
            .map(|index| unquoted(text(index + 1)).to_lowercase())
            .unwrap_or_default()
    };
    let mut pending: Option<String> = None;
    let mut index = usize::from(column.is_some());
    while index < element.len() {
        if element[index].0 > 0 {
            index += 1;
            continue;
        }
        match word(index).as_str() {
            "CONSTRAINT" => {
                pending = element.get(index + 1).map(|_| unquoted(text(index + 1)));
                index += 1;
            }
            "PRIMARY" => {
                if let Some(name) = pending.take() {
                    clauses.names.primary_key = Some(name);
                }
            }
            "UNIQUE" => {
                let columns = match column {
                    Some(column) => vec![column.to_owned()],
                    None => names(index).0,
                };
                let name = pending.take();
                clauses.names.uniques.entry(columns).or_insert(name);
            }
            "CHECK" if is(index + 1, "(") => {
                let end = close(index + 1);
                let (start, finish) = (
                    element[index + 1].1.end,
                    element.get(end).map_or(sql.len(), |(_, t)| t.start),
                );
                clauses.checks.push(WrittenCheck {
                    name: pending.take(),
                    expression: sql[start..finish].trim().to_owned(),
                });
                index = end;
            }
            "FOREIGN" if column.is_none() => {
                let (columns, end) = names(index);
                let key = (columns, referenced(end));
                let name = pending.take();
                clauses.names.foreign_keys.entry(key).or_insert(name);
                index = end;
            }
            "REFERENCES" => {
                if let Some(column) = column {
                    let key = (vec![column.to_owned()], referenced(index));
                    let name = pending.take();
                    clauses.names.foreign_keys.entry(key).or_insert(name);
                }
            }
            "NOT" | "NULL" | "DEFAULT" | "COLLATE" | "GENERATED" | "AS" => pending = None,
            _ => {}
        }
        index += 1;
    }
}

/// The clauses of the columns of `sql`, a `CREATE TABLE` statement as `sqlite_master` keeps it.
pub fn table_clauses(table: &str, sql: &str) -> TableClauses {
    let all = tokens(sql);
    let text = |token: &Token| &sql[token.start..token.end];
    let word = |token: Option<&Token>| {
        token
            .filter(|t| t.kind == Kind::Word)
            .map(|t| text(t).to_ascii_uppercase())
            .unwrap_or_default()
    };
    let is = |token: Option<&Token>, punctuation: &str| {
        token.is_some_and(|t| t.kind == Kind::Punctuation && text(t) == punctuation)
    };
    let mut clauses = TableClauses::default();
    // `ON CONFLICT` (on a key, a NOT NULL or a CHECK) is not modelled: refused by name, or a
    // rebuild would make the table without it.
    if all
        .windows(2)
        .any(|pair| word(Some(&pair[0])) == "ON" && word(Some(&pair[1])) == "CONFLICT")
    {
        clauses
            .unmodeled
            .push(format!("table {table} (ON CONFLICT)"));
    }
    // The column list: from the first `(` to its match, split at its top-level commas.
    let Some(open) = all.iter().position(|t| is(Some(t), "(")) else {
        return clauses;
    };
    let mut elements: Vec<Vec<(usize, Token)>> = vec![Vec::new()];
    let mut depth = 0usize;
    for token in &all[open + 1..] {
        if is(Some(token), "(") {
            depth += 1;
        } else if is(Some(token), ")") {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if depth == 0 && is(Some(token), ",") {
            elements.push(Vec::new());
            continue;
        }
        if let Some(element) = elements.last_mut() {
            element.push((depth, *token));
        }
    }
    for element in elements {
        let Some((_, first)) = element.first() else {
            continue;
        };
        let tokens: Vec<Token> = element.iter().map(|(_, t)| *t).collect();
        let lead = word(Some(first));
        let table_constraint = matches!(
            lead.as_str(),
            "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN"
        );
        let column = (!table_constraint).then(|| unquoted(text(first)).to_lowercase());
        constraints(sql, &element, column.as_deref(), &mut clauses);
        if table_constraint {
            // A table constraint. Its key's column list (`PRIMARY KEY (a COLLATE NOCASE)`)
            // is written back as plain names: a collation there is not modelled.
            let key = tokens
                .iter()
                .position(|t| matches!(word(Some(t)).as_str(), "PRIMARY" | "UNIQUE"));
            let starts_check_or_foreign = tokens
                .iter()
                .position(|t| matches!(word(Some(t)).as_str(), "CHECK" | "FOREIGN"));
            // `FOREIGN KEY (a, b) REFERENCES p … DEFERRABLE INITIALLY DEFERRED`.
            if let Some(foreign) = tokens.iter().position(|t| word(Some(t)) == "FOREIGN") {
                let columns: Vec<String> = tokens[foreign..]
                    .iter()
                    .skip_while(|t| !is(Some(t), "("))
                    .skip(1)
                    .take_while(|t| !is(Some(t), ")"))
                    .filter(|t| t.kind != Kind::Punctuation)
                    .map(|t| unquoted(text(t)).to_lowercase())
                    .collect();
                let words: Vec<String> = element
                    .iter()
                    .filter(|(depth, _)| *depth == 0)
                    .map(|(_, t)| word(Some(t)))
                    .collect();
                clauses.foreign_keys.insert(columns, deferral(&words));
            }
            if let Some(key) = key.filter(|k| starts_check_or_foreign.is_none_or(|c| *k < c)) {
                let list = &tokens[key..];
                if list.iter().any(|t| word(Some(t)) == "COLLATE") {
                    clauses
                        .unmodeled
                        .push(format!("table {table} (COLLATE in a key's column list)"));
                }
                // Nor is an order: the key would be rebuilt or created ascending.
                if list.iter().any(|t| word(Some(t)) == "DESC") {
                    clauses
                        .unmodeled
                        .push(format!("table {table} (DESC in a key's column list)"));
                }
                // SQLite also takes `PRIMARY KEY (id AUTOINCREMENT)`: the one column's.
                if word(list.first()) == "PRIMARY"
                    && list.iter().any(|t| word(Some(t)) == "AUTOINCREMENT")
                {
                    if let Some(column) = list.iter().find(|t| {
                        t.kind != Kind::Punctuation
                            && word(Some(t)) != "PRIMARY"
                            && word(Some(t)) != "KEY"
                    }) {
                        clauses
                            .columns
                            .entry(unquoted(text(column)).to_lowercase())
                            .or_default()
                            .autoincrement = true;
                    }
                }
            }
            continue;
        }
        let name = unquoted(text(first)).to_lowercase();
        // A column's own `REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED`.
        let words: Vec<String> = element
            .iter()
            .skip(1)
            .filter(|(depth, _)| *depth == 0)
            .map(|(_, t)| word(Some(t)))
            .collect();
        // `id INTEGER PRIMARY KEY DESC` is a descending key, and (SQLite's quirk) not the
        // rowid: written back as a key, it would be both ascending and the rowid.
        if words
            .windows(3)
            .any(|w| w[0] == "PRIMARY" && w[1] == "KEY" && w[2] == "DESC")
        {
            clauses.unmodeled.push(format!(
                "table {table} (PRIMARY KEY DESC on column {})",
                unquoted(text(first))
            ));
        }
        if let Some(references) = words.iter().position(|w| w == "REFERENCES") {
            clauses
                .foreign_keys
                .insert(vec![name.clone()], deferral(&words[references..]));
        }
        let mut column = clauses.columns.get(&name).cloned().unwrap_or_default();
        let mut position = 1;
        while position < element.len() {
            let (depth, token) = element[position];
            if depth > 0 {
                position += 1;
                continue;
            }
            match word(Some(&token)).as_str() {
                "AUTOINCREMENT" => column.autoincrement = true,
                "COLLATE" => {
                    if let Some((_, collation)) = element.get(position + 1) {
                        column.collation = Some(unquoted(text(collation)).to_ascii_uppercase());
                        position += 1;
                    }
                }
                "AS" if is(element.get(position + 1).map(|(_, t)| t), "(") => {
                    // The expression: up to the parenthesis that closes this one.
                    let open = position + 1;
                    let close = element[open + 1..]
                        .iter()
                        .position(|(d, t)| *d == 0 && is(Some(t), ")"))
                        .map_or(element.len(), |offset| open + 1 + offset);
                    let (start, end) = (
                        element[open].1.end,
                        element.get(close).map_or(sql.len(), |(_, t)| t.start),
                    );
                    column.generated = Some(sql[start..end].trim().to_owned());
                    column.virtual_generated =
                        word(element.get(close + 1).map(|(_, t)| t)) != "STORED";
                    position = close;
                }
                _ => {}
            }
            position += 1;
        }
        clauses.columns.insert(name, column);
    }
    clauses
}

#[cfg(test)]
mod tests {
    use super::{table_clauses, ColumnClauses};

    #[test]
    fn reads_autoincrement_collate_and_generated_columns() {
        let clauses = table_clauses(
            "t",
            "CREATE TABLE \"t\" (\n  \"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT COLLATE x\n  autoincrement_x TEXT DEFAULT 'AUTOINCREMENT' CHECK (autoincrement_x <> 'a' COLLATE NOCASE),\n  [n] text collate nocase not null,\n  g INT GENERATED ALWAYS AS (length(n) * (2)) STORED,\n  v AS (n || 'x'),\n  w TEXT AS (upper(n)) VIRTUAL COLLATE RTRIM\n)",
        );
        assert_eq!(
            clauses.column("id"),
            ColumnClauses {
                autoincrement: true,
                ..ColumnClauses::default()
            }
        );
        assert_eq!(clauses.column("AUTOINCREMENT_X"), ColumnClauses::default());
        assert_eq!(clauses.column("n").collation.as_deref(), Some("NOCASE"));
        let g = clauses.column("g");
        assert_eq!(g.generated.as_deref(), Some("length(n) * (2)"));
        assert!(!g.virtual_generated);
        let v = clauses.column("v");
        assert_eq!(v.generated.as_deref(), Some("n || 'x'"));
        assert!(v.virtual_generated);
        let w = clauses.column("w");
        assert_eq!(w.generated.as_deref(), Some("upper(n)"));
        assert!(w.virtual_generated);
        assert_eq!(w.collation.as_deref(), Some("RTRIM"));
        assert!(clauses.unmodeled.is_empty());
    }

    #[test]
    fn reads_the_deferral_of_foreign_keys() {
        let clauses = table_clauses(
            "t",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, \"P\" int REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED, q int REFERENCES p (id) NOT DEFERRABLE INITIALLY DEFERRED, r int REFERENCES p(id) DEFERRABLE, a int, b int, CONSTRAINT k FOREIGN KEY (a, [B]) REFERENCES p (x, y) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, c int, FOREIGN KEY (c) REFERENCES p (id))",
        );
        let deferral = |columns: &[&str]| {
            let key: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
            clauses
                .foreign_keys
                .get(&key)
                .map(|d| (d.deferrable, d.initially_deferred))
        };
        assert_eq!(deferral(&["p"]), Some((true, true)));
        assert_eq!(deferral(&["q"]), Some((false, false)));
        assert_eq!(deferral(&["r"]), Some((true, false)));
        assert_eq!(deferral(&["a", "b"]), Some((true, true)));
        assert_eq!(deferral(&["c"]), Some((false, false)));
        assert_eq!(deferral(&["id"]), None);
    }

    /// Regression: `CONSTRAINT "a b" CHECK …` (and `[a b]`, `` `a` ``, `'a'`, `"a""b"`) came
    /// back unnamed: only a bare word after `CONSTRAINT` was taken for a name, and only a check's.
    #[test]
    fn reads_constraint_names_quoted_every_way() {
        let clauses = table_clauses(
            "t",
            "CREATE TABLE t (id INTEGER CONSTRAINT \"pk \"\"x\"\"\" PRIMARY KEY, a TEXT CONSTRAINT [a b] UNIQUE CONSTRAINT nn NOT NULL CONSTRAINT `a-check` CHECK (a <> ')'), p INT CONSTRAINT 'to p' REFERENCES \"P q\" (id), b TEXT, c TEXT CONSTRAINT plain DEFAULT 'x' CHECK (c > b), CONSTRAINT \"b c\" UNIQUE (b COLLATE NOCASE, [C]), UNIQUE (a, b), CONSTRAINT \"two\" FOREIGN KEY (b, c) REFERENCES q (x, y) ON DELETE SET NULL, CONSTRAINT \"a b\" CHECK (length(a) > 0), CHECK (b <> 'CONSTRAINT x CHECK (y)'))",
        );
        assert_eq!(clauses.names.primary_key.as_deref(), Some("pk \"x\""));
        let columns =
            |names: &[&str]| -> Vec<String> { names.iter().map(|n| (*n).to_owned()).collect() };
        assert_eq!(
            clauses.names.unique(&columns(&["A"])).as_deref(),
            Some("a b")
        );
        assert_eq!(
            clauses.names.unique(&columns(&["b", "c"])).as_deref(),
            Some("b c")
        );
        assert_eq!(clauses.names.unique(&columns(&["a", "b"])), None);
        assert_eq!(
            clauses
                .names
                .foreign_key(&columns(&["p"]), "p Q")
                .as_deref(),
            Some("to p")
        );
        assert_eq!(
            clauses
                .names
                .foreign_key(&columns(&["b", "c"]), "q")
                .as_deref(),
            Some("two")
        );
        let checks: Vec<(Option<&str>, &str)> = clauses
            .checks
            .iter()
            .map(|c| (c.name.as_deref(), c.expression.as_str()))
            .collect();
        assert_eq!(
            checks,
            [
                (Some("a-check"), "a <> ')'"),
                (None, "c > b"),
                (Some("a b"), "length(a) > 0"),
                (None, "b <> 'CONSTRAINT x CHECK (y)'"),
            ]
        );
    }

    #[test]
    fn a_collation_in_a_key_is_not_modelled_and_a_table_key_may_autoincrement() {
        let clauses = table_clauses(
            "t",
            "CREATE TABLE t (id INTEGER, s TEXT, PRIMARY KEY (id AUTOINCREMENT), CONSTRAINT u UNIQUE (s COLLATE NOCASE), CHECK (s <> 'x' COLLATE NOCASE))",
        );
        assert!(clauses.column("id").autoincrement);
        assert_eq!(
            table_clauses(
                "t",
                "CREATE TABLE t (a text, b text, PRIMARY KEY (a DESC, b), CHECK (a > b))"
            )
            .unmodeled,
            ["table t (DESC in a key's column list)"]
        );
        assert_eq!(
            table_clauses(
                "t",
                "CREATE TABLE t (id integer PRIMARY KEY DESC, b text UNIQUE)"
            )
            .unmodeled,
            ["table t (PRIMARY KEY DESC on column id)"]
        );
        assert_eq!(clauses.column("s"), ColumnClauses::default());
        assert_eq!(
            clauses.unmodeled,
            ["table t (COLLATE in a key's column list)"]
        );
    }
}
