//! Names as PostgreSQL stores and prints them: unquoted folds to lower case, and
//! `quote_ident` quotes what is not a plain lower-case word.

use retort_core::schema::QualifiedName;
use sqlparser::ast::{Expr, Ident, IndexColumn, ObjectName, ObjectNamePart};

use super::Declined;

/// The schema the parser declares into: the default `search_path`'s.
pub const SCHEMA: &str = "public";
/// PostgreSQL truncates longer names (NAMEDATALEN - 1).
pub const MAX_NAME: usize = 63;

pub fn qualified(name: &str) -> QualifiedName {
    QualifiedName {
        schema: SCHEMA.to_owned(),
        name: name.to_owned(),
    }
}

/// A name as PostgreSQL stores it: unquoted folds to lower case, quoted stays as written.
pub fn identifier(ident: &Ident) -> Result<String, Declined> {
    let name = match ident.quote_style {
        None => ident.value.to_ascii_lowercase(),
        Some('"') => ident.value.clone(),
        Some(_) => return Err(Declined(format!("the name {ident}"))),
    };
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(Declined(format!("the name {ident}")));
    }
    Ok(name)
}

pub fn identifiers(idents: &[Ident]) -> Result<Vec<String>, Declined> {
    idents.iter().map(identifier).collect()
}

/// A table, type, sequence or index name: `name` or `public.name`.
pub fn relation_name(name: &ObjectName) -> Result<String, Declined> {
    let parts: Vec<&Ident> = name
        .0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Ok(ident),
            ObjectNamePart::Function(_) => Err(Declined(format!("the name {name}"))),
        })
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [only] => identifier(only),
        [schema, only] if identifier(schema)? == SCHEMA => identifier(only),
        _ => Err(Declined(format!("the name {name} outside schema {SCHEMA}"))),
    }
}

/// Key columns: plain names, no ordering or expressions.
pub fn plain_columns(columns: &[IndexColumn]) -> Option<Vec<String>> {
    columns
        .iter()
        .map(|column| match &column.column.expr {
            Expr::Identifier(ident)
                if column.column.options.sort.is_none()
                    && column.column.options.nulls_first.is_none()
                    && column.operator_class.is_none() =>
            {
                identifier(ident).ok()
            }
            _ => None,
        })
        .collect()
}

/// A name PostgreSQL prints without quotes (`quote_ident` leaves it alone).
pub fn is_plain(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !QUOTED_KEYWORDS.contains(&name)
}

/// The column an identifier names, when it prints unquoted.
pub fn plain_identifier(ident: &Ident) -> Option<String> {
    identifier(ident).ok().filter(|name| is_plain(name))
}

/// PostgreSQL's keywords that `quote_ident` quotes (`pg_get_keywords()` where catcode <> 'U').
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];
