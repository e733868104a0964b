//! The fast path of autogenerate: the declared schema parsed and normalized here, exactly as
//! PostgreSQL would print it back, without loading it into a scratch database.
//!
//! It covers the common subset — tables with plain columns, NOT NULL, simple defaults, primary
//! keys, unique constraints, foreign keys, and plain column indexes. Anything else (CHECK,
//! identity, generated columns, comments, partial or expression indexes, types, ALTER TABLE,
//! quoted identifiers…) returns `None`, and the caller takes the exact scratch-database path:
//! nothing is ever dropped from the model. The tests hold this path to
//! `parse(S) == introspect(load(S))` on every fixture it accepts.

use retort_core::runner::split::{split_statements, Escapes};
use retort_core::schema::{Column, Constraint, ForeignKey, Index, QualifiedName, Schema, Table};

const SCHEMA: &str = "public";

/// Parse and normalize the declared files, or `None` when they step outside the subset.
pub fn parse(files: &[(std::path::PathBuf, String)]) -> Option<Schema> {
    let mut schema = Schema::default();
    let mut pending_references: Vec<(QualifiedName, usize)> = Vec::new();
    for (_, text) in files {
        for statement in split_statements(text, Escapes::Standard) {
            let tokens = tokenize(&strip_comments(&statement.sql))?;
            let upper: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
            match upper
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                ["CREATE", "TYPE", _, "AS", "ENUM", ..] => {
                    let name = qualified(&tokens[2])?;
                    let (values, end) = literal_list(&tokens, 5)?;
                    if tokens[end..].iter().any(|t| t != ";")
                        || schema.enums.insert(name, values).is_some()
                    {
                        return None;
                    }
                }
                ["COMMENT", "ON", "TABLE", _, "IS", _, ..] => {
                    let text = unquote_literal(&tokens[5])?;
                    schema.tables.get_mut(&qualified(&tokens[3])?)?.comment = Some(text);
                }
                ["COMMENT", "ON", "COLUMN", _, "IS", _, ..] => {
                    let text = unquote_literal(&tokens[5])?;
                    let (table, column) = tokens[3]
                        .strip_prefix("public.")
                        .unwrap_or(&tokens[3])
                        .split_once('.')?;
                    let table = schema.tables.get_mut(&qualified(table)?)?;
                    let column_name = identifier(column)?;
                    table
                        .columns
                        .iter_mut()
                        .find(|c| c.name == column_name)?
                        .comment = Some(text);
                }
                ["CREATE", "TABLE", ..] => {
                    let enum_names: Vec<String> =
                        schema.enums.keys().map(|k| k.name.clone()).collect();
                    let table = parse_table(&tokens, &enum_names)?;
                    if schema.tables.contains_key(&table.name) {
                        return None;
                    }
                    for (position, key) in table.foreign_keys.iter().enumerate() {
                        if key.referenced_columns.is_empty() {
                            pending_references.push((table.name.clone(), position));
                        }
                    }
                    schema.tables.insert(table.name.clone(), table);
                }
                ["CREATE", "INDEX", ..] | ["CREATE", "UNIQUE", "INDEX", ..] => {
                    let (table, index) = parse_index(&tokens)?;
                    schema.tables.get_mut(&table)?.indexes.push(index);
                }
                _ => return None,
            }
        }
    }
    // `REFERENCES t` without columns means t's primary key.
    for (table, position) in pending_references {
        let referenced = schema.tables.get(&table)?.foreign_keys[position]
            .referenced_table
            .clone();
        let columns = schema
            .tables
            .get(&referenced)?
            .primary_key
            .as_ref()?
            .columns
            .clone();
        schema.tables.get_mut(&table)?.foreign_keys[position].referenced_columns = columns;
    }
    for table in schema.tables.values_mut() {
        table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut names: Vec<&str> = table
            .uniques
            .iter()
            .map(|u| u.name.as_str())
            .chain(table.foreign_keys.iter().map(|f| f.name.as_str()))
            .chain(table.indexes.iter().map(|i| i.name.as_str()))
            .collect();
        names.extend(table.primary_key.iter().map(|p| p.name.as_str()));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        if names.len() != count || names.iter().any(|n| n.len() > 63) {
            return None; // PostgreSQL would add suffixes or truncate: leave it to the database
        }
    }
    Some(schema)
}

fn strip_comments(sql: &str) -> String {
    sql.lines()
        .map(|line| line.split("--").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Words, numbers, 'strings', and single punctuation characters.
fn tokenize(sql: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                    word.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(word);
        } else if c == '\'' {
            let mut text = String::from('\'');
            chars.next();
            loop {
                let c = chars.next()?;
                text.push(c);
                if c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        text.push(chars.next()?);
                        continue;
                    }
                    break;
                }
            }
            tokens.push(text);
        } else if "(),;".contains(c) {
            tokens.push(c.to_string());
            chars.next();
        } else {
            return None; // quoted identifiers, operators, casts: not in the subset
        }
    }
    Some(tokens)
}

fn is(token: Option<&String>, word: &str) -> bool {
    token.is_some_and(|t| t.eq_ignore_ascii_case(word))
}

/// A plain lower-case identifier (PostgreSQL folds and prints it unquoted), optionally
/// qualified with the default schema.
fn identifier(token: &str) -> Option<String> {
    let name = token
        .strip_prefix("public.")
        .unwrap_or(token)
        .to_ascii_lowercase();
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name.as_str());
    plain.then_some(name)
}

const RESERVED: &[&str] = &[
    "user",
    "order",
    "group",
    "table",
    "select",
    "from",
    "where",
    "check",
    "default",
    "primary",
    "references",
    "unique",
    "constraint",
    "index",
    "key",
    "end",
    "desc",
    "asc",
];

fn qualified(token: &str) -> Option<QualifiedName> {
    Some(QualifiedName {
        schema: SCHEMA.to_owned(),
        name: identifier(token)?,
    })
}

/// Split the tokens between the outer parentheses at top-level commas.
fn items(tokens: &[String]) -> Option<Vec<Vec<String>>> {
    let mut items = vec![Vec::new()];
    let mut depth = 0usize;
    for token in tokens {
        match token.as_str() {
            "(" => depth += 1,
            ")" => depth = depth.checked_sub(1)?,
            "," if depth == 0 => {
                items.push(Vec::new());
                continue;
            }
            _ => {}
        }
        items.last_mut()?.push(token.clone());
    }
    (depth == 0).then_some(items)
}

/// `( a, b )` at `tokens[start]` → names, and the index after `)`.
fn name_list(tokens: &[String], start: usize) -> Option<(Vec<String>, usize)> {
    if tokens.get(start)? != "(" {
        return None;
    }
    let end = start + tokens[start..].iter().position(|t| t == ")")?;
    let names = tokens[start + 1..end]
        .iter()
        .filter(|t| *t != ",")
        .map(|t| identifier(t))
        .collect::<Option<Vec<_>>>()?;
    Some((names, end + 1))
}

fn parse_table(tokens: &[String], enums: &[String]) -> Option<Table> {
    let mut position = 2;
    if is(tokens.get(2), "IF") {
        if !(is(tokens.get(3), "NOT") && is(tokens.get(4), "EXISTS")) {
            return None;
        }
        position = 5;
    }
    let name = qualified(tokens.get(position)?)?;
    if tokens.get(position + 1)? != "(" {
        return None;
    }
    let close = tokens.iter().rposition(|t| t == ")")?;
    if tokens[close + 1..].iter().any(|t| t != ";") {
        return None; // INHERITS, PARTITION BY, WITH (...), …
    }
    let mut table = Table::new(name.clone());
    for item in items(&tokens[position + 2..close])? {
        let head = item.first()?.to_ascii_uppercase();
        match head.as_str() {
            "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "FOREIGN" => table_constraint(&mut table, &item)?,
            _ => column(&mut table, &item, enums)?,
        }
    }
    Some(table)
}

fn table_constraint(table: &mut Table, item: &[String]) -> Option<()> {
    let (explicit, rest) = if is(item.first(), "CONSTRAINT") {
        (Some(identifier(item.get(1)?)?), &item[2..])
    } else {
        (None, item)
    };
    let kind = rest.first()?.to_ascii_uppercase();
    match kind.as_str() {
        "PRIMARY" if is(rest.get(1), "KEY") => {
            let (columns, end) = name_list(rest, 2)?;
            if end != rest.len() || table.primary_key.is_some() {
                return None;
            }
            set_not_null(table, &columns)?;
            table.primary_key = Some(Constraint {
                name: explicit.unwrap_or_else(|| format!("{}_pkey", table.name.name)),
                columns,
            });
        }
        "UNIQUE" => {
            let (columns, end) = name_list(rest, 1)?;
            if end != rest.len() {
                return None;
            }
            let name = explicit
                .unwrap_or_else(|| format!("{}_{}_key", table.name.name, columns.join("_")));
            table.uniques.push(Constraint { name, columns });
        }
        "FOREIGN" if is(rest.get(1), "KEY") => {
            let (columns, end) = name_list(rest, 2)?;
            let name = explicit
                .unwrap_or_else(|| format!("{}_{}_fkey", table.name.name, columns.join("_")));
            let key = references(&rest[end..], name, columns)?;
            table.foreign_keys.push(key);
        }
        _ => return None,
    }
    Some(())
}

fn set_not_null(table: &mut Table, columns: &[String]) -> Option<()> {
    for name in columns {
        table.columns.iter_mut().find(|c| &c.name == name)?.nullable = false;
    }
    Some(())
}

/// `REFERENCES t [(cols)] [ON DELETE a] [ON UPDATE a]` and nothing else.
fn references(tokens: &[String], name: String, columns: Vec<String>) -> Option<ForeignKey> {
    if !is(tokens.first(), "REFERENCES") {
        return None;
    }
    let referenced_table = qualified(tokens.get(1)?)?;
    let (referenced_columns, mut position) = if tokens.get(2).is_some_and(|t| t == "(") {
        name_list(tokens, 2)?
    } else {
        (Vec::new(), 2)
    };
    let mut key = ForeignKey {
        name,
        columns,
        referenced_table,
        referenced_columns,
        on_delete: "NO ACTION".to_owned(),
        on_update: "NO ACTION".to_owned(),
        deferrable: false,
        initially_deferred: false,
    };
    while position < tokens.len() {
        if !is(tokens.get(position), "ON") {
            return None;
        }
        let which = tokens.get(position + 1)?.to_ascii_uppercase();
        let (action, used) = match (
            tokens.get(position + 2)?.to_ascii_uppercase().as_str(),
            tokens.get(position + 3).map(|t| t.to_ascii_uppercase()),
        ) {
            ("CASCADE", _) => ("CASCADE", 1),
            ("RESTRICT", _) => ("RESTRICT", 1),
            ("SET", Some(next)) if next == "NULL" => ("SET NULL", 2),
            ("SET", Some(next)) if next == "DEFAULT" => ("SET DEFAULT", 2),
            ("NO", Some(next)) if next == "ACTION" => ("NO ACTION", 2),
            _ => return None,
        };
        match which.as_str() {
            "DELETE" => action.clone_into(&mut key.on_delete),
            "UPDATE" => action.clone_into(&mut key.on_update),
            _ => return None,
        }
        position += 2 + used;
    }
    Some(key)
}

/// A column definition: name, type, then NOT NULL / NULL / DEFAULT / PRIMARY KEY / UNIQUE /
/// REFERENCES in any order.
fn column(table: &mut Table, item: &[String], enums: &[String]) -> Option<()> {
    let name = identifier(item.first()?)?;
    let (data_type, mut position) = match item.get(1).map(|t| t.to_ascii_lowercase()) {
        Some(enum_name) if enums.contains(&enum_name) => (enum_name, 2),
        _ => data_type(item, 1)?,
    };
    let is_enum = enums.contains(&data_type);
    let mut column = Column {
        name: name.clone(),
        nullable: !data_type.ends_with("serial"),
        data_type,
        default: None,
        identity: None,
        generated: None,
        collation: None,
        comment: None,
    };
    let mut primary = false;
    let mut unique = false;
    let mut reference = None;
    while position < item.len() {
        let word = item[position].to_ascii_uppercase();
        match word.as_str() {
            "NOT" if is(item.get(position + 1), "NULL") => {
                column.nullable = false;
                position += 2;
            }
            "NULL" => position += 1,
            "DEFAULT" => {
                column.default = match default_value(
                    item.get(position + 1)?,
                    item.get(position + 2..position + 4),
                    &column.data_type,
                    is_enum,
                )? {
                    DefaultValue::Null => None,
                    DefaultValue::Expression(text) => Some(text),
                };
                position += if item.get(position + 2).is_some_and(|t| t == "(") {
                    4
                } else {
                    2
                };
            }
            "PRIMARY" if is(item.get(position + 1), "KEY") => {
                primary = true;
                position += 2;
            }
            // GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY
            "GENERATED"
                if matches!(column.data_type.as_str(), "integer" | "bigint" | "smallint") =>
            {
                let (kind, used) = if is(item.get(position + 1), "ALWAYS") {
                    ("ALWAYS", 2)
                } else if is(item.get(position + 1), "BY") && is(item.get(position + 2), "DEFAULT")
                {
                    ("BY DEFAULT", 3)
                } else {
                    return None;
                };
                if !(is(item.get(position + used), "AS")
                    && is(item.get(position + used + 1), "IDENTITY"))
                {
                    return None;
                }
                column.identity = Some(kind.to_owned());
                column.nullable = false;
                position += used + 2;
            }
            "UNIQUE" => {
                unique = true;
                position += 1;
            }
            "REFERENCES" => {
                let end = item[position..]
                    .iter()
                    .position(|t| {
                        t.eq_ignore_ascii_case("NOT")
                            || t.eq_ignore_ascii_case("DEFAULT")
                            || t.eq_ignore_ascii_case("UNIQUE")
                            || t.eq_ignore_ascii_case("PRIMARY")
                    })
                    .map_or(item.len(), |p| position + p);
                reference = Some(references(
                    &item[position..end],
                    format!("{}_{}_fkey", table.name.name, name),
                    vec![name.clone()],
                )?);
                position = end;
            }
            _ => return None,
        }
    }
    if column.data_type.ends_with("serial") && column.default.is_some() {
        return None;
    }
    table.columns.push(column);
    if primary {
        if table.primary_key.is_some() {
            return None;
        }
        set_not_null(table, std::slice::from_ref(&name))?;
        table.primary_key = Some(Constraint {
            name: format!("{}_pkey", table.name.name),
            columns: vec![name.clone()],
        });
    }
    if unique {
        table.uniques.push(Constraint {
            name: format!("{}_{name}_key", table.name.name),
            columns: vec![name],
        });
    }
    if let Some(key) = reference {
        table.foreign_keys.push(key);
    }
    Some(())
}

/// A type as `format_type` prints it, and the position after it.
fn data_type(item: &[String], start: usize) -> Option<(String, usize)> {
    let word = |offset: usize| item.get(start + offset).map(|t| t.to_ascii_lowercase());
    let arguments = |offset: usize| -> Option<(Vec<String>, usize)> {
        if item.get(start + offset).is_some_and(|t| t == "(") {
            let end = start + offset + item[start + offset..].iter().position(|t| t == ")")?;
            let numbers: Vec<String> = item[start + offset + 1..end]
                .iter()
                .filter(|t| *t != ",")
                .cloned()
                .collect();
            numbers
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_digit()))
                .then_some((numbers, end + 1 - start))
        } else {
            Some((Vec::new(), offset))
        }
    };
    let first = word(0)?;
    let (name, used) = match first.as_str() {
        "int" | "integer" | "int4" => ("integer".to_owned(), 1),
        "bigint" | "int8" => ("bigint".to_owned(), 1),
        "smallint" | "int2" => ("smallint".to_owned(), 1),
        "serial" | "serial4" => ("serial".to_owned(), 1),
        "bigserial" | "serial8" => ("bigserial".to_owned(), 1),
        "smallserial" | "serial2" => ("smallserial".to_owned(), 1),
        "text" | "date" | "jsonb" | "json" | "uuid" | "bytea" | "real" => (first.clone(), 1),
        "float4" => ("real".to_owned(), 1),
        "float8" => ("double precision".to_owned(), 1),
        "double" if word(1).as_deref() == Some("precision") => ("double precision".to_owned(), 2),
        "boolean" | "bool" => ("boolean".to_owned(), 1),
        "timestamptz" => ("timestamp with time zone".to_owned(), 1),
        "timestamp"
            if word(1).as_deref() == Some("with")
                && word(2).as_deref() == Some("time")
                && word(3).as_deref() == Some("zone") =>
        {
            ("timestamp with time zone".to_owned(), 4)
        }
        "timestamp" if word(1).as_deref() == Some("without") => {
            ("timestamp without time zone".to_owned(), 4)
        }
        "timestamp" => ("timestamp without time zone".to_owned(), 1),
        "varchar" | "character" | "char" | "numeric" | "decimal" => {
            let varying = first == "character" && word(1).as_deref() == Some("varying");
            let offset = if varying { 2 } else { 1 };
            let (numbers, after) = arguments(offset)?;
            let base = match first.as_str() {
                "varchar" => "character varying",
                "character" if varying => "character varying",
                "character" | "char" => "character",
                _ => "numeric",
            };
            let text = if numbers.is_empty() {
                if base == "character" {
                    "character(1)".to_owned()
                } else {
                    base.to_owned()
                }
            } else {
                format!("{base}({})", numbers.join(","))
            };
            return Some((text, start + after));
        }
        _ => return None,
    };
    // Integer and text types take no arguments.
    if item.get(start + used).is_some_and(|t| t == "(") {
        return None;
    }
    Some((name, start + used))
}

/// A default as `pg_get_expr` prints it, for the literals the subset knows.
/// A declared default: none (`DEFAULT NULL`) or an expression as PostgreSQL prints it.
enum DefaultValue {
    Null,
    Expression(String),
}

fn default_value(
    token: &str,
    call: Option<&[String]>,
    data_type: &str,
    is_enum: bool,
) -> Option<DefaultValue> {
    let upper = token.to_ascii_uppercase();
    if upper == "NULL" {
        return Some(DefaultValue::Null);
    }
    if token.starts_with('\'') {
        if is_enum {
            return Some(DefaultValue::Expression(format!("{token}::{data_type}")));
        }
        let cast = match data_type {
            "text" => "text",
            t if t.starts_with("character varying") => "character varying",
            _ => return None,
        };
        return Some(DefaultValue::Expression(format!("{token}::{cast}")));
    }
    if token.chars().all(|c| c.is_ascii_digit()) {
        return matches!(data_type, "integer" | "bigint" | "smallint")
            .then(|| DefaultValue::Expression(token.to_owned()));
    }
    match upper.as_str() {
        "TRUE" | "FALSE" if data_type == "boolean" => {
            Some(DefaultValue::Expression(upper.to_ascii_lowercase()))
        }
        "CURRENT_DATE" | "CURRENT_TIMESTAMP" => Some(DefaultValue::Expression(upper)),
        "NOW" if call.is_some_and(|c| c.len() == 2 && c[0] == "(" && c[1] == ")") => {
            Some(DefaultValue::Expression("now()".to_owned()))
        }
        _ => None,
    }
}

fn parse_index(tokens: &[String]) -> Option<(QualifiedName, Index)> {
    let unique = is(tokens.get(1), "UNIQUE");
    let mut position = if unique { 3 } else { 2 };
    let name = identifier(tokens.get(position)?)?;
    position += 1;
    if !is(tokens.get(position), "ON") {
        return None;
    }
    let table = qualified(tokens.get(position + 1)?)?;
    position += 2;
    if is(tokens.get(position), "USING") {
        if !is(tokens.get(position + 1), "btree") {
            return None;
        }
        position += 2;
    }
    let (columns, end) = name_list(tokens, position)?;
    if tokens[end..].iter().any(|t| t != ";") {
        return None;
    }
    let definition = format!(
        "CREATE {}INDEX {name} ON {SCHEMA}.{} USING btree ({})",
        if unique { "UNIQUE " } else { "" },
        table.name,
        columns.join(", ")
    );
    Some((
        table,
        Index {
            name,
            unique,
            definition,
        },
    ))
}

/// `( 'a', 'b' )` at `tokens[start]` → the values, and the index after `)`.
fn literal_list(tokens: &[String], start: usize) -> Option<(Vec<String>, usize)> {
    if tokens.get(start)? != "(" {
        return None;
    }
    let end = start + tokens[start..].iter().position(|t| t == ")")?;
    let values = tokens[start + 1..end]
        .iter()
        .filter(|t| *t != ",")
        .map(|t| unquote_literal(t))
        .collect::<Option<Vec<_>>>()?;
    Some((values, end + 1))
}

fn unquote_literal(token: &str) -> Option<String> {
    let inner = token.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}
