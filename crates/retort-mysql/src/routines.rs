//! Stored functions and procedures, read from `information_schema.ROUTINES` and `PARAMETERS`:
//! two queries for the whole database, whatever the number of routines. `SHOW CREATE
//! FUNCTION|PROCEDURE` would print the statement as written, but takes one query per routine
//! and carries the definer (`DEFINER=`root`@`127.0.0.1``), whose host differs between sessions;
//! the two views hold everything a routine is (parameters, result, characteristics, body).
//!
//! A routine is modeled as a [`Function`] keyed by its name alone: MariaDB has no overloads.
//! What is left out, as for views and triggers: the definer (whoever runs the migration becomes
//! it) and the `sql_mode` it was created under (every retort session sets its own).

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use retort_core::dialect::Dialect as _;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{Function, FunctionKey, QualifiedName};

use crate::render::quote;

/// name, type (`FUNCTION`/`PROCEDURE`), result type, result charset, result collation, body,
/// deterministic, SQL data access, security, comment, the database's collation
type RoutineRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
);
/// routine name, routine type, mode, name, type, charset, collation
type ParameterRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

pub fn introspect_routines(
    connection: &mut mysql::Conn,
) -> Result<BTreeMap<FunctionKey, Function>, DatabaseError> {
    let error = |e: mysql::Error| DatabaseError::new(crate::connection::describe(&e));
    let parameter_rows: Vec<ParameterRow> = connection
        .query(
            "SELECT SPECIFIC_NAME, ROUTINE_TYPE, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER, CHARACTER_SET_NAME, COLLATION_NAME \
             FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 \
             ORDER BY SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION",
        )
        .map_err(error)?;
    let routine_rows: Vec<RoutineRow> = connection
        .query(
            "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, CHARACTER_SET_NAME, COLLATION_NAME, ROUTINE_DEFINITION, \
             IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT, DATABASE_COLLATION \
             FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME, ROUTINE_TYPE",
        )
        .map_err(error)?;
    let mut routines = BTreeMap::new();
    for row in routine_rows {
        let (name, kind, .., database_collation) = row.clone();
        let procedure = kind == "PROCEDURE";
        let listed: Vec<String> = parameter_rows
            .iter()
            .filter(|(routine, routine_kind, ..)| *routine == name && *routine_kind == kind)
            .map(|(_, _, mode, parameter, data_type, charset, collation)| {
                // A function's parameters are all IN, and cannot say so.
                let mode = match mode {
                    Some(mode) if procedure => format!("{mode} "),
                    _ => String::new(),
                };
                format!(
                    "{mode}{} {data_type}{}",
                    quote(parameter),
                    character_set(
                        charset.as_deref(),
                        collation.as_deref(),
                        &database_collation
                    )
                )
            })
            .collect();
        let function = routine(row, &listed.join(", "))?;
        let key = function.key.clone();
        if routines.insert(key, function).is_some() {
            return Err(DatabaseError::new(format!(
                "a function and a procedure are both named {name}: retort keys routines by name; rename one of them"
            )));
        }
    }
    Ok(routines)
}

/// `CHARSET … COLLATE …` where a string's collation is not the database's: the same routine
/// then reads the same in a database of another default (the scratch database, say), and is
/// created there with the database's default again.
fn character_set(charset: Option<&str>, collation: Option<&str>, database: &str) -> String {
    match (charset, collation) {
        (Some(charset), Some(collation)) if collation != database => {
            format!(" CHARSET {charset} COLLATE {collation}")
        }
        _ => String::new(),
    }
}

fn routine(row: RoutineRow, arguments: &str) -> Result<Function, DatabaseError> {
    let (
        name,
        kind,
        result_type,
        charset,
        collation,
        body,
        deterministic,
        data_access,
        security,
        comment,
        database_collation,
    ) = row;
    let procedure = kind == "PROCEDURE";
    let what = kind.to_ascii_lowercase();
    // The server shows the body only to its definer and to who may read mysql.proc.
    let body = body.ok_or_else(|| {
        DatabaseError::new(format!(
            "cannot read the body of {what} {name}: connect as its definer, or grant the user SELECT on mysql.proc"
        ))
    })?;
    let result = if procedure {
        String::new()
    } else {
        format!(
            "{}{}",
            result_type.unwrap_or_default(),
            character_set(
                charset.as_deref(),
                collation.as_deref(),
                &database_collation
            )
        )
    };
    let mut characteristics = Vec::new();
    if deterministic == "YES" {
        characteristics.push("DETERMINISTIC".to_owned());
    }
    if data_access != "CONTAINS SQL" {
        characteristics.push(data_access);
    }
    if security != "DEFINER" {
        characteristics.push(format!("SQL SECURITY {security}"));
    }
    if !comment.is_empty() {
        characteristics.push(format!(
            "COMMENT {}",
            crate::dialect::MYSQL.string_literal(&comment)
        ));
    }
    let definition = routine_definition(
        &kind,
        &name,
        arguments,
        &result,
        &characteristics,
        body.trim(),
    );
    Ok(Function {
        key: FunctionKey {
            name: QualifiedName {
                schema: String::new(),
                name,
            },
            arguments: String::new(),
        },
        procedure,
        full_arguments: arguments.to_owned(),
        result,
        definition,
        // A MySQL routine's COMMENT is one of its characteristics, in `definition`.
        comment: None,
    })
}

/// A routine's statement: the head, then each characteristic that is not the default on a line
/// of its own (indented by a space, as PostgreSQL prints a function's properties), then the body.
pub fn routine_definition(
    kind: &str,
    name: &str,
    arguments: &str,
    result: &str,
    characteristics: &[String],
    body: &str,
) -> String {
    let mut text = format!("CREATE {kind} {}({arguments})", quote(name));
    if !result.is_empty() {
        text.push_str(&format!(" RETURNS {result}"));
    }
    for characteristic in characteristics {
        text.push_str(&format!("\n {characteristic}"));
    }
    text.push('\n');
    text.push_str(body);
    text
}
