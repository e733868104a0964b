//! The parser's partial mode: every statement is parsed; the tables and what else the parser
//! takes are modeled as in [`super::parse`], and the statements whose canonical text only the
//! server can give — `CREATE [OR REPLACE] [RECURSIVE] VIEW`, `CREATE [OR REPLACE]
//! FUNCTION|PROCEDURE`, `CREATE [OR REPLACE] TRIGGER`, `CREATE POLICY` and `ALTER
//! TABLE t ENABLE|FORCE ROW LEVEL SECURITY` — are left to a scratch database
//! (`retort_core::autogenerate::partial`). Any other statement the parser declines declines the
//! whole schema, as `parse` does.
//!
//! The scratch database gets every statement that is not a table's own (types, sequences), a
//! stand-in ([`super::stand_in`]) for each table those and the server-side statements name
//! (and each table a needed table's column has as its type), and the server-side statements;
//! no other statement of a table. A name is found as a word of the
//! statement (and of a routine's body): wider than the relations sqlparser's visitor reports
//! (type names and casts too, `NULL::t`), and a word that is not a table's name only loads a
//! table more. What words cannot show (`'t'::regclass`) makes the server refuse the statement,
//! and the caller then loads the whole schema.

use std::collections::BTreeSet;
use std::path::PathBuf;

use retort_core::autogenerate::partial::PartialDeclared;
use retort_core::runner::split::{split_statements, Escapes};
use retort_core::schema::Schema;
use sqlparser::ast::{CommentObject, ObjectName, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::names::{qualified, relation_name, SCHEMA};
use super::stand_in::stand_in;
use super::{Declared, Declined};

/// One declared statement and what decides whether the scratch database gets it.
struct Piece {
    file: usize,
    sql: String,
    /// The table whose own statement this is (CREATE TABLE, CREATE INDEX, ALTER TABLE, COMMENT
    /// ON): never loaded, the table's stand-in takes its place.
    owner: Option<String>,
    /// The names the statement mentions.
    names: BTreeSet<String>,
    /// A `CREATE TABLE`: where the table's stand-in is loaded, when the table is needed.
    creates_table: bool,
}

/// Split the declared files into the parsed model and the statements of the partial load.
pub fn parse_partial(files: &[(PathBuf, String)]) -> Result<PartialDeclared, Declined> {
    let mut declared = Declared::default();
    let mut pieces = Vec::new();
    let mut left_to_server = 0;
    let mut views = Vec::new();
    for (file, (path, text)) in files.iter().enumerate() {
        for statement in split_statements(text, Escapes::Standard) {
            let at = || format!("{}:{}", path.display(), statement.line);
            let tokens =
                code_tokens(&statement.sql).map_err(|e| Declined(format!("{}: {e}", at())))?;
            if tokens.is_empty() {
                continue;
            }
            let mut creates_table = false;
            let owner = if is_left_to_server(&tokens) {
                left_to_server += 1;
                views.extend(created_view(&tokens));
                None
            } else {
                let parsed = Parser::parse_sql(&PostgreSqlDialect {}, &statement.sql)
                    .map_err(|e| Declined(format!("{}: {e}", at())))?;
                let [only] = parsed.as_slice() else {
                    return Err(Declined(format!("{}: not one statement", at())));
                };
                declared.statement(only)?;
                creates_table = matches!(only, Statement::CreateTable(_));
                owning_table(only)?
            };
            pieces.push(Piece {
                file,
                names: mentioned_names(&tokens, is_routine(&tokens)),
                sql: statement.sql,
                owner,
                creates_table,
            });
        }
    }
    if left_to_server == 0 {
        return Err(Declined("no statement left to the server".to_owned()));
    }
    if let Some(view) = views
        .iter()
        .find(|view| may_take_a_generated_name(view, &declared))
    {
        return Err(Declined(format!(
            "the view {view}, whose name a table's relation has or may be given"
        )));
    }
    let schema = declared.finish();
    let needed = needed_tables(&schema, &pieces);
    let mut load: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(path, _)| (path.clone(), String::new()))
        .collect();
    for piece in pieces {
        let sql = match &piece.owner {
            None => piece.sql.trim_end().trim_end_matches(';').to_owned(),
            Some(table) if piece.creates_table && needed.contains(table) => {
                match schema.tables.get(&qualified(table)) {
                    Some(table) => stand_in(table),
                    None => continue,
                }
            }
            Some(_) => continue,
        };
        let text = &mut load[piece.file].1;
        text.push_str(&sql);
        text.push_str(";\n");
    }
    load.retain(|(_, text)| !text.is_empty());
    Ok(PartialDeclared { schema, load })
}

/// The name of the view a `CREATE [OR REPLACE] [RECURSIVE] VIEW` makes in `public` (`None`
/// for another schema, where the parser declares nothing).
fn created_view(tokens: &[Token]) -> Option<String> {
    let at = tokens
        .iter()
        .take(6)
        .position(|token| keyword(Some(token)).as_deref() == Some("view"))?;
    let name = |token: Option<&Token>| match token {
        Some(Token::Word(word)) if word.quote_style.is_none() => {
            Some(word.value.to_ascii_lowercase())
        }
        Some(Token::Word(word)) => Some(word.value.clone()),
        _ => None,
    };
    let first = name(tokens.get(at + 1))?;
    if !matches!(tokens.get(at + 2), Some(Token::Period)) {
        return Some(first);
    }
    (first == SCHEMA)
        .then(|| name(tokens.get(at + 3)))
        .flatten()
}

/// Whether a view of this name could change a name the parser predicts: a relation it declares,
/// or one PostgreSQL generates for a table (`t_pkey`, `t_a_key`, `t_a_seq`, `t_a_idx`: the table's
/// name and `_`), or a long one it may have truncated. Without the table in the scratch database
/// the view would load where the full load fails or moves the generated name.
fn may_take_a_generated_name(view: &str, declared: &Declared) -> bool {
    declared.relations.contains(view)
        || view.len() >= super::names::MAX_NAME - 4
        || declared
            .schema
            .tables
            .keys()
            .any(|table| view.starts_with(&format!("{}_", table.name)))
}

/// The tables named by the statements that are no table's own. (A stand-in needs no other
/// table: it has no foreign keys, and the parser declines a column whose type is a table's row.)
fn needed_tables(schema: &Schema, pieces: &[Piece]) -> BTreeSet<String> {
    let declared = |name: &String| schema.tables.contains_key(&qualified(name));
    pieces
        .iter()
        .filter(|piece| piece.owner.is_none())
        .flat_map(|piece| piece.names.iter().filter(|name| declared(name)).cloned())
        .collect()
}

/// The statement's tokens without blanks and comments.
fn code_tokens(sql: &str) -> Result<Vec<Token>, sqlparser::tokenizer::TokenizerError> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize()?;
    Ok(tokens
        .into_iter()
        .filter(|token| !matches!(token, Token::Whitespace(_) | Token::EOF))
        .collect())
}

/// An unquoted word, lower-cased: how a keyword is recognized.
fn keyword(token: Option<&Token>) -> Option<String> {
    match token {
        Some(Token::Word(word)) if word.quote_style.is_none() => {
            Some(word.value.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// The keywords after `CREATE [OR REPLACE]`, when the statement is a CREATE.
fn created_kind(tokens: &[Token]) -> Vec<String> {
    let words: Vec<Option<String>> = tokens.iter().take(5).map(Some).map(keyword).collect();
    let words: Vec<&str> = words.iter().map(|w| w.as_deref().unwrap_or("")).collect();
    match words.as_slice() {
        ["create", "or", "replace", rest @ ..] | ["create", rest @ ..] => {
            rest.iter().map(|w| (*w).to_owned()).collect()
        }
        _ => Vec::new(),
    }
}

fn is_routine(tokens: &[Token]) -> bool {
    matches!(
        created_kind(tokens).first().map(String::as_str),
        Some("function" | "procedure")
    )
}

/// Whether the statement is one of the kinds left to the server (the module's list).
fn is_left_to_server(tokens: &[Token]) -> bool {
    let kind = created_kind(tokens);
    let kind: Vec<&str> = kind.iter().map(String::as_str).collect();
    let is_policy = matches!(keyword(tokens.first()).as_deref(), Some("create"))
        && matches!(keyword(tokens.get(1)).as_deref(), Some("policy"));
    let plain = matches!(
        kind.as_slice(),
        ["view" | "function" | "procedure" | "trigger", ..]
    );
    // Not CONSTRAINT TRIGGER: it makes a constraint, whose name could move the names the
    // parser predicts for the tables' constraints.
    let qualified = matches!(kind.as_slice(), ["recursive", "view", ..]);
    is_policy || plain || qualified || is_row_security(tokens)
}

/// `ALTER TABLE [ONLY] [public.]t ENABLE|FORCE ROW LEVEL SECURITY`, alone.
fn is_row_security(tokens: &[Token]) -> bool {
    let words = |from: usize, expected: &[&str]| {
        expected
            .iter()
            .enumerate()
            .all(|(i, w)| keyword(tokens.get(from + i)).as_deref() == Some(*w))
    };
    if !words(0, &["alter", "table"]) {
        return false;
    }
    let mut at = if words(2, &["only"]) { 3 } else { 2 };
    // The table's name: `t` or `schema.t`.
    if !matches!(tokens.get(at), Some(Token::Word(_))) {
        return false;
    }
    at += 1;
    if matches!(tokens.get(at), Some(Token::Period)) {
        if !matches!(tokens.get(at + 1), Some(Token::Word(_))) {
            return false;
        }
        at += 2;
    }
    let action = keyword(tokens.get(at));
    let rest = &tokens[(at + 4).min(tokens.len())..];
    matches!(action.as_deref(), Some("enable" | "force"))
        && words(at + 1, &["row", "level", "security"])
        && rest.iter().all(|token| matches!(token, Token::SemiColon))
}

/// Every word of the statement as PostgreSQL folds it, and the words of the dollar-quoted
/// strings (a routine's body) and, in a routine, of its quoted strings (`AS 'SELECT …'`). A
/// body that does not tokenize adds nothing: if it is SQL naming a missing table, the server
/// refuses it and the whole schema is loaded.
fn mentioned_names(tokens: &[Token], routine: bool) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for token in tokens {
        let body = match token {
            Token::Word(word) => {
                match word.quote_style {
                    None => names.insert(word.value.to_ascii_lowercase()),
                    Some(_) => names.insert(word.value.clone()),
                };
                None
            }
            Token::DollarQuotedString(string) => Some(&string.value),
            Token::SingleQuotedString(string) | Token::EscapedStringLiteral(string) if routine => {
                Some(string)
            }
            _ => None,
        };
        if let Some(body) = body {
            if let Ok(inner) = code_tokens(body) {
                names.extend(mentioned_names(&inner, routine));
            }
        }
    }
    names
}

/// The table a statement the parser took belongs to, if it is a table's own.
fn owning_table(statement: &Statement) -> Result<Option<String>, Declined> {
    let table = match statement {
        Statement::CreateTable(create) => relation_name(&create.name)?,
        Statement::CreateIndex(create) => relation_name(&create.table_name)?,
        Statement::AlterTable(alter) => relation_name(&alter.name)?,
        Statement::Comment {
            object_type: CommentObject::Table,
            object_name,
            ..
        } => relation_name(object_name)?,
        Statement::Comment {
            object_type: CommentObject::Column,
            object_name,
            ..
        } => {
            let parts = &object_name.0;
            let table = ObjectName(parts[..parts.len().saturating_sub(1)].to_vec());
            relation_name(&table)?
        }
        _ => return Ok(None),
    };
    Ok(Some(table))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn partial(sql: &str) -> Result<PartialDeclared, Declined> {
        parse_partial(&[(PathBuf::from("schema.sql"), sql.to_owned())])
    }

    #[test]
    fn loads_stand_ins_of_the_tables_the_server_side_statements_name_only() {
        let split = partial(
            "CREATE TABLE a (id int PRIMARY KEY);\n\
             CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);\n\
             CREATE INDEX b_a ON b (a_id);\n\
             CREATE UNIQUE INDEX b_u ON b (a_id);\n\
             COMMENT ON TABLE b IS 'bee';\n\
             CREATE TABLE c (x int, y int);\n\
             CREATE TABLE d (id int PRIMARY KEY);\n\
             CREATE TYPE mood AS ENUM ('ok');\n\
             CREATE VIEW v AS SELECT id FROM b, c;\n",
        )
        .unwrap();
        assert_eq!(split.schema.tables.len(), 4);
        assert_eq!(
            split.load[0].1,
            "CREATE TABLE \"b\" (\"id\" integer, \"a_id\" integer, PRIMARY KEY (\"id\")) \
             PARTITION BY LIST (\"id\");\n\
             CREATE TABLE \"c\" (\"x\" integer, \"y\" integer) PARTITION BY LIST ((\"x\" IS NULL));\n\
             CREATE TYPE mood AS ENUM ('ok');\n\
             CREATE VIEW v AS SELECT id FROM b, c;\n"
        );
    }

    #[test]
    fn routine_bodies_and_casts_name_tables() {
        let split = partial(
            "CREATE TABLE a (id int PRIMARY KEY);\n\
             CREATE TABLE b (id int PRIMARY KEY);\n\
             CREATE TABLE c (id int PRIMARY KEY);\n\
             CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM a $$;\n\
             CREATE FUNCTION g() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM b';\n\
             CREATE VIEW v AS SELECT NULL::c AS nothing;\n",
        )
        .unwrap();
        let load = &split.load[0].1;
        for table in ["a", "b", "c"] {
            assert!(
                load.contains(&format!("CREATE TABLE \"{table}\" ")),
                "{load}"
            );
        }
    }

    #[test]
    fn only_the_listed_kinds_are_left_to_the_server() {
        for sql in [
            "CREATE TABLE a (id int);\nCREATE POLICY p ON a USING (true);\n",
            "CREATE TABLE a (id int);\nALTER TABLE public.a FORCE ROW LEVEL SECURITY;\n",
            "CREATE TABLE a (id int);\nCREATE OR REPLACE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();\n",
        ] {
            assert!(partial(sql).is_ok(), "{sql}");
        }
        for sql in [
            "CREATE TABLE a (id int);\nCREATE MATERIALIZED VIEW m AS SELECT 1;\n",
            "CREATE TABLE a (id int);\nCREATE SCHEMA s;\n",
            "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY, ADD COLUMN b int;\n",
            "CREATE TABLE a (id int);\nCREATE TEMPORARY VIEW w AS SELECT 1;\n",
            "CREATE TABLE a (id int);\n",
            "CREATE TABLE a (id int);\nCREATE CONSTRAINT TRIGGER c AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\n",
            "CREATE TABLE a (id int PRIMARY KEY);\nCREATE VIEW a_pkey AS SELECT 1;\n",
            "CREATE TABLE a (id serial);\nCREATE VIEW public.a_id_seq AS SELECT 1;\n",
            "CREATE TABLE a (id int);\nCREATE VIEW a AS SELECT 1;\n",
        ] {
            assert!(partial(sql).is_err(), "{sql}");
        }
    }
}
