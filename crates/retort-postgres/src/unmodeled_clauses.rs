//! Clauses inside tables the model does not carry yet (a foreign key's or a constraint
//! trigger's DEFERRABLE it does), found in the catalog so they are refused
//! by name instead of lost: a declared schema loaded into the scratch database that uses one
//! would otherwise come back as a plain table, and autogenerate would create it without the
//! clause while `check` passed. Each row names the object and the clause.

use retort_core::introspect::IntrospectFilter;
use retort_core::runner::connection::DatabaseError;

use crate::introspect::{selected_schemas, SCHEMA_FILTER};

/// One description per clause found, such as `partitioned table public.events (PARTITION BY)`.
pub fn unmodeled_clauses(
    client: &mut postgres::Client,
    filter: &IntrospectFilter,
) -> Result<Vec<String>, DatabaseError> {
    let patterns = selected_schemas(client, filter)?;
    let relation = "quote_ident(n.nspname) || '.' || quote_ident(c.relname)";
    let query = format!(
        "SELECT 'partitioned table ' || {relation} || ' (PARTITION BY)' \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind = 'p' AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'partition ' || {relation} || ' (PARTITION OF)' \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relispartition AND c.relkind IN ('r', 'p') AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'table ' || {relation} || ' (INHERITS ' || i.inhparent::regclass::text || ')' \
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE NOT c.relispartition AND {SCHEMA_FILTER} \
         UNION ALL SELECT {kind} || {relation} || ' (WITH (' || array_to_string(c.reloptions, ', ') || '))' \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind IN ('r', 'p', 'm') AND c.reloptions IS NOT NULL AND {SCHEMA_FILTER} \
         UNION ALL SELECT {kind} || {relation} || ' (TABLESPACE)' \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind IN ('r', 'p', 'm') AND c.reltablespace <> 0 AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'materialized view ' || {relation} || ' (USING ' || am.amname || ')' \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam \
          WHERE c.relkind = 'm' AND am.amname <> 'heap' AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'table ' || {relation} || ' (UNLOGGED)' \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'u' AND {SCHEMA_FILTER} \
         UNION ALL SELECT CASE k.contype WHEN 'x' THEN 'exclusion constraint ' ELSE 'constraint ' END \
                || quote_ident(k.conname) || ' on ' || {relation} || ' (' || concat_ws(', ', \
                   CASE WHEN k.contype = 'x' THEN 'EXCLUDE' END, \
                   CASE WHEN k.condeferrable AND k.contype IN ('p', 'u', 'x') THEN 'DEFERRABLE' END, \
                   CASE WHEN k.condeferred AND k.contype IN ('p', 'u', 'x') THEN 'INITIALLY DEFERRED' END, \
                   CASE k.confmatchtype WHEN 'f' THEN 'MATCH FULL' WHEN 'p' THEN 'MATCH PARTIAL' END, \
                   CASE WHEN k.connoinherit AND k.contype = 'c' THEN 'NO INHERIT' END, \
                   CASE WHEN NOT k.convalidated THEN 'NOT VALID' END) || ')' \
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE (k.contype = 'x' OR (k.condeferrable AND k.contype IN ('p', 'u', 'x')) OR k.confmatchtype IN ('f', 'p') \
                 OR (k.connoinherit AND k.contype = 'c') OR NOT k.convalidated) AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'constraint ' || quote_ident(k.conname) || ' on ' || {relation} || ' (UNIQUE NULLS NOT DISTINCT)' \
           FROM pg_constraint k JOIN pg_index x ON x.indexrelid = k.conindid \
           JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE k.contype = 'u' AND {nulls_not_distinct} AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'identity column ' || {relation} || '.' || quote_ident(a.attname) || ' (sequence options: ' || concat_ws(', ', \
                   CASE WHEN s.seqstart <> CASE WHEN s.seqincrement > 0 THEN s.seqmin ELSE s.seqmax END THEN 'START ' || s.seqstart END, \
                   CASE WHEN s.seqincrement <> 1 THEN 'INCREMENT ' || s.seqincrement END, \
                   CASE WHEN s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 ELSE -{type_max} - 1 END THEN 'MINVALUE ' || s.seqmin END, \
                   CASE WHEN s.seqmax <> CASE WHEN s.seqincrement > 0 THEN {type_max} ELSE -1 END THEN 'MAXVALUE ' || s.seqmax END, \
                   CASE WHEN s.seqcache <> 1 THEN 'CACHE ' || s.seqcache END, \
                   CASE WHEN s.seqcycle THEN 'CYCLE' END) || ')' \
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
           JOIN pg_depend d ON d.refobjid = c.oid AND d.refobjsubid = a.attnum AND d.deptype = 'i' AND d.classid = 'pg_class'::regclass \
           JOIN pg_sequence s ON s.seqrelid = d.objid \
          WHERE a.attidentity <> '' AND {SCHEMA_FILTER} \
            AND (s.seqincrement <> 1 OR s.seqcache <> 1 OR s.seqcycle \
                 OR s.seqstart <> CASE WHEN s.seqincrement > 0 THEN s.seqmin ELSE s.seqmax END \
                 OR s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 ELSE -{type_max} - 1 END \
                 OR s.seqmax <> CASE WHEN s.seqincrement > 0 THEN {type_max} ELSE -1 END) \
         UNION ALL SELECT 'domain constraint ' || quote_ident(k.conname) || ' on ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || ' (NOT VALID)' \
           FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid JOIN pg_namespace n ON n.oid = t.typnamespace \
          WHERE NOT k.convalidated AND {SCHEMA_FILTER} \
         ORDER BY 1",
        // PostgreSQL 15 added NULLS NOT DISTINCT; older servers have no such column.
        nulls_not_distinct = if server_version(client)? >= 150_000 {
            "x.indnullsnotdistinct"
        } else {
            "false"
        },
        kind = "CASE c.relkind WHEN 'm' THEN 'materialized view ' ELSE 'table ' END",
        // The largest value of the sequence's type (the smallest is one below its negation).
        type_max = "CASE s.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END",
    );
    let rows = client
        .query_typed(&query, &[(&patterns, postgres::types::Type::TEXT_ARRAY)])
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

fn server_version(client: &mut postgres::Client) -> Result<i32, DatabaseError> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    Ok(row.get(0))
}
