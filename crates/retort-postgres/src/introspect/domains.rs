//! Domains from `pg_type` (`typtype 'd'`) and their checks from `pg_constraint`, in one query,
//! each part as the server prints it.

use std::collections::BTreeMap;

use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{Check, Domain, QualifiedName};

use super::{not_in_extension, SCHEMA_FILTER};

pub(super) fn domains(
    client: &mut postgres::Client,
    patterns: Option<&[String]>,
) -> Result<BTreeMap<QualifiedName, Domain>, DatabaseError> {
    // Only CHECK constraints: PostgreSQL 17 also keeps a domain's NOT NULL there (contype
    // 'n'), which `typnotnull` already says.
    let rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname::text, t.typname::text, format_type(t.typbasetype, t.typtypmod), \
                 CASE WHEN t.typcollation <> b.typcollation THEN co.collname::text END, \
                 t.typdefault, t.typnotnull, \
                 ARRAY(SELECT k.conname::text FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname), \
                 ARRAY(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname), \
                 obj_description(t.oid, 'pg_type') \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype \
                 LEFT JOIN pg_collation co ON co.oid = t.typcollation \
                 WHERE t.typtype = 'd' AND {SCHEMA_FILTER} AND {} ORDER BY 1, 2",
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
            let names: Vec<String> = row.get(6);
            let definitions: Vec<String> = row.get(7);
            let domain = Domain {
                name: name.clone(),
                base_type: row.get(2),
                collation: row.get(3),
                default: row.get(4),
                not_null: row.get(5),
                checks: names
                    .into_iter()
                    .zip(definitions)
                    .map(|(name, definition)| Check {
                        comment: None,
                        name,
                        definition,
                    })
                    .collect(),
                comment: row.get(8),
            };
            (name, domain)
        })
        .collect())
}
