//! Composite types (`CREATE TYPE name AS (…)`: `typtype 'c'` over a `relkind 'c'` relation,
//! not a table's row type) and their attributes, in one query.

use std::collections::BTreeMap;

use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{Attribute, CompositeType, QualifiedName};

use super::{not_in_extension, SCHEMA_FILTER};

pub(super) fn composite_types(
    client: &mut postgres::Client,
    patterns: Option<&[String]>,
) -> Result<BTreeMap<QualifiedName, CompositeType>, DatabaseError> {
    // One array per attribute property, each in attribute order; an empty collation is the
    // attribute type's own.
    let attributes = |expression: &str| {
        format!(
            "ARRAY(SELECT {expression} FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation \
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)"
        )
    };
    let rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname::text, t.typname::text, {}, {}, {}, obj_description(t.oid, 'pg_type') \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid \
                 WHERE t.typtype = 'c' AND c.relkind = 'c' AND {SCHEMA_FILTER} AND {} ORDER BY 1, 2",
                attributes("a.attname::text"),
                attributes("format_type(a.atttypid, a.atttypmod)"),
                attributes("coalesce(CASE WHEN a.attcollation <> at.typcollation THEN co.collname::text END, '')"),
                not_in_extension("pg_type", "t.oid")
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    Ok(rows
        .iter()
        .map(|row| {
            let name = QualifiedName {
                schema: row.get(0),
                name: row.get(1),
            };
            let names: Vec<String> = row.get(2);
            let types: Vec<String> = row.get(3);
            let collations: Vec<String> = row.get(4);
            let attributes = names
                .into_iter()
                .zip(types)
                .zip(collations)
                .map(|((name, data_type), collation)| Attribute {
                    name,
                    data_type,
                    collation: (!collation.is_empty()).then_some(collation),
                })
                .collect();
            let composite = CompositeType {
                name: name.clone(),
                attributes,
                comment: row.get(5),
            };
            (name, composite)
        })
        .collect())
}
