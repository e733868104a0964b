//! `CREATE INDEX` as `pg_get_indexdef` prints it back, with PostgreSQL's generated names.

use std::collections::BTreeMap;

use retort_core::schema::Index;
use sqlparser::ast::{CreateIndex, Expr, IndexColumn, IndexType, OrderBySort};

use super::expression;
use super::names::{identifiers, is_plain, plain_identifier, relation_name, SCHEMA};
use super::types::TypeClass;
use super::{Declared, Declined};

impl Declared {
    pub(super) fn create_index(&mut self, create: &CreateIndex) -> Result<(), Declined> {
        let declined = || Declined(format!("the index {create}"));
        if create.concurrently
            || create.if_not_exists
            || create.r#async
            || create.nulls_distinct.is_some()
            || !create.with.is_empty()
            || !create.index_options.is_empty()
            || !create.alter_options.is_empty()
        {
            return Err(declined());
        }
        let table = relation_name(&create.table_name)?;
        let classes = self.classes.get(&table).ok_or_else(declined)?;
        let method = match create.using {
            None | Some(IndexType::BTree) => "btree",
            Some(IndexType::Hash)
                if !create.unique && create.columns.len() == 1 && create.include.is_empty() =>
            {
                "hash"
            }
            Some(IndexType::GIN) if !create.unique && create.include.is_empty() => "gin",
            Some(_) => return Err(declined()),
        };
        let mut parts = Vec::new();
        let mut name_parts = Vec::new();
        for column in &create.columns {
            let (part, name_part) = index_part(column, classes, method).ok_or_else(declined)?;
            parts.push(part);
            name_parts.push(name_part);
        }
        let mut definition_tail = String::new();
        if !create.include.is_empty() {
            let included = identifiers(&create.include)?;
            if included
                .iter()
                .any(|c| !classes.contains_key(c) || !is_plain(c))
            {
                return Err(declined());
            }
            definition_tail.push_str(&format!(" INCLUDE ({})", included.join(", ")));
            // PostgreSQL's generated name counts the included columns too.
            name_parts.extend(included);
        }
        if let Some(predicate) = &create.predicate {
            let (printed, _) = expression::boolean(predicate, classes)?;
            definition_tail.push_str(&format!(" WHERE {printed}"));
        }
        let name = match &create.name {
            Some(name) => relation_name(name)?,
            None => format!("{table}_{}_idx", name_parts.join("_")),
        };
        if !is_plain(&name) || !is_plain(&table) {
            return Err(declined());
        }
        self.claim_relation(&name)?;
        let unique = create.unique;
        let definition = format!(
            "CREATE {}INDEX {name} ON {SCHEMA}.{table} USING {method} ({}){definition_tail}",
            if unique { "UNIQUE " } else { "" },
            parts.join(", ")
        );
        self.table_mut(&table)?.indexes.push(Index {
            comment: None,
            name,
            unique,
            definition,
        });
        Ok(())
    }
}

/// One column of an index as `pg_get_indexdef` prints it, and its part of a generated name.
pub(super) fn index_part(
    column: &IndexColumn,
    classes: &BTreeMap<String, TypeClass>,
    method: &str,
) -> Option<(String, String)> {
    if column.operator_class.is_some() || column.column.with_fill.is_some() {
        return None;
    }
    let (mut part, name_part) = match &column.column.expr {
        Expr::Identifier(ident) => {
            let name = plain_identifier(ident)?;
            let class = classes.get(&name)?;
            // GIN has default operator classes for jsonb and arrays only.
            if method == "gin" && !matches!(class, TypeClass::Json | TypeClass::Array) {
                return None;
            }
            (name.clone(), name)
        }
        _ if method == "gin" => return None,
        // lower(col) / upper(col) on text: the expression indexes case-insensitive lookups use.
        Expr::Function(function) => {
            let function_name = function.name.to_string().to_ascii_lowercase();
            if function_name != "lower" && function_name != "upper" {
                return None;
            }
            let argument = function.args.to_string();
            let argument = argument.strip_prefix('(')?.strip_suffix(')')?;
            let class = classes.get(argument)?;
            let printed = match class {
                TypeClass::Text if is_plain(argument) => argument.to_owned(),
                TypeClass::Varchar if is_plain(argument) => format!("({argument})::text"),
                _ => return None,
            };
            (format!("{function_name}({printed})"), function_name)
        }
        _ => return None,
    };
    let descending = match column.column.options.sort {
        None | Some(OrderBySort::Asc) => false,
        Some(OrderBySort::Desc) => true,
        Some(OrderBySort::Using(_)) => return None,
    };
    if descending && method != "btree" {
        return None;
    }
    if descending {
        part.push_str(" DESC");
    }
    // NULLS FIRST is the default for DESC, NULLS LAST for ASC: only the other is printed.
    match (column.column.options.nulls_first, descending) {
        (Some(false), true) => part.push_str(" NULLS LAST"),
        (Some(true), false) => part.push_str(" NULLS FIRST"),
        _ => {}
    }
    Some((part, name_part))
}
