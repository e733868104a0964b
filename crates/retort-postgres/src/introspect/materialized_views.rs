//! Materialized views (`relkind 'm'`): their query as `pg_get_viewdef` prints it (the same text
//! for the scratch database and the live one) and whether they hold rows. Their indexes come
//! with the tables' indexes.

use std::collections::BTreeMap;

use retort_core::introspect::IntrospectFilter;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{MaterializedView, QualifiedName};

use super::{not_in_extension, SCHEMA_FILTER};

pub(super) fn materialized_views(
    client: &mut postgres::Client,
    patterns: Option<&[String]>,
    filter: &IntrospectFilter,
) -> Result<BTreeMap<QualifiedName, MaterializedView>, DatabaseError> {
    let rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname::text, c.relname::text, pg_get_viewdef(c.oid, true), c.relispopulated, obj_description(c.oid, 'pg_class') \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind = 'm' AND {SCHEMA_FILTER} AND {} ORDER BY 1, 2",
                not_in_extension("pg_class", "c.oid")
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    Ok(rows
        .iter()
        .filter(|row| !filter.leaves_out(row.get::<_, &str>(1)))
        .map(|row| {
            let name = QualifiedName {
                schema: row.get(0),
                name: row.get(1),
            };
            let query: String = row.get(2);
            let view = MaterializedView {
                name: name.clone(),
                query: query.trim().trim_end_matches(';').to_owned(),
                with_data: row.get(3),
                indexes: Vec::new(),
                comment: row.get(4),
            };
            (name, view)
        })
        .collect())
}
