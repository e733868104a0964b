//! The columns that use a type (a domain, a composite type): what a change of the type would
//! reach, and what the renderer names when it refuses one.

use super::identifier::is_type_named;
use crate::schema::{QualifiedName, Schema};

/// The columns (`schema.table.column`) whose type is `name`, or an array of it.
pub fn columns_of_type(schema: &Schema, name: &QualifiedName) -> Vec<String> {
    schema
        .tables
        .values()
        .flat_map(|table| {
            table
                .columns
                .iter()
                .filter(|column| is_type_named(column.data_type.trim_end_matches("[]"), name))
                .map(move |column| format!("{}.{}", table.name, column.name))
        })
        .collect()
}
