//! Clauses inside tables the model does not carry yet (it does carry DEFERRABLE, MATCH FULL,
//! UNIQUE NULLS NOT DISTINCT, NOT VALID checks and foreign keys, exclusion constraints and
//! identity sequence options), found in the catalog so they are refused by name instead of
//! lost: a declared schema loaded into the scratch database that uses one would otherwise come
//! back as a plain table, and autogenerate would create it without the clause while `check`
//! passed. Each row names the object and the clause.

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
          WHERE c.relkind = 'p' AND NOT {stand_ins} AND {SCHEMA_FILTER} \
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
         UNION ALL SELECT 'constraint ' || quote_ident(k.conname) || ' on ' || {relation} || ' (' || concat_ws(', ', \
                   CASE k.confmatchtype WHEN 'p' THEN 'MATCH PARTIAL' END, \
                   CASE WHEN k.connoinherit AND k.contype = 'c' THEN 'NO INHERIT' END) || ')' \
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE (k.confmatchtype = 'p' OR (k.connoinherit AND k.contype = 'c')) AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'column ' || {relation} || '.' || quote_ident(a.attname) || ' (' || concat_ws(', ', \
                   CASE WHEN a.attcompression <> '' THEN 'COMPRESSION' END, \
                   CASE WHEN a.attstorage <> t.typstorage THEN 'STORAGE' END, \
                   CASE WHEN a.attstattarget >= 0 THEN 'SET STATISTICS' END, \
                   CASE WHEN {planner_options} <> '' THEN 'SET (' || {planner_options} || ')' END) || ')' \
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
           JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND {SCHEMA_FILTER} \
            AND (a.attcompression <> '' OR a.attstorage <> t.typstorage OR a.attstattarget >= 0 OR {planner_options} <> '') \
         UNION ALL SELECT 'sequence ' || {relation} || ' (' || concat_ws(', ', \
                   CASE WHEN s.seqcache <> 1 THEN 'CACHE ' || s.seqcache END, \
                   CASE WHEN d.deptype = 'a' AND {serial_options} THEN 'options of a serial column''s sequence' END) || ')' \
           FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i', 'e') \
          WHERE {SCHEMA_FILTER} AND d.deptype IS DISTINCT FROM 'i' AND d.deptype IS DISTINCT FROM 'e' \
            AND (s.seqcache <> 1 OR (d.deptype = 'a' AND {serial_options})) \
         UNION ALL SELECT 'table ' || {relation} || ' (OF ' || c.reloftype::regtype::text || ')' \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind IN ('r', 'p') AND c.reloftype <> 0 AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'constraint ' || quote_ident(k.conname) || ' on ' || {relation} || ' (' || concat_ws(', ', \
                   CASE WHEN i.indnkeyatts < i.indnatts THEN 'INCLUDE' END, \
                   CASE WHEN x.reloptions IS NOT NULL THEN 'WITH (' || array_to_string(x.reloptions, ', ') || ')' END) || ')' \
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
           JOIN pg_index i ON i.indexrelid = k.conindid JOIN pg_class x ON x.oid = k.conindid \
          WHERE k.contype IN ('p', 'u') AND (i.indnkeyatts < i.indnatts OR x.reloptions IS NOT NULL) AND {SCHEMA_FILTER} \
         UNION ALL SELECT 'sequence ' || {relation} || ' (' || concat_ws(', ', \
                   CASE WHEN d.deptype = 'i' THEN 'SEQUENCE NAME of identity column ' || quote_ident(t.relname) || '.' || quote_ident(a.attname) END, \
                   CASE WHEN d.deptype = 'a' THEN 'OWNED BY ' || quote_ident(t.relname) || '.' || quote_ident(a.attname) || ', whose default does not draw from it' END) || ')' \
           FROM pg_depend d JOIN pg_class c ON c.oid = d.objid JOIN pg_namespace n ON n.oid = c.relnamespace \
           JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid \
          WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND c.relkind = 'S' AND {SCHEMA_FILTER} \
            AND ((d.deptype = 'i' AND NOT {default_identity_name}) \
              OR (d.deptype = 'a' AND NOT EXISTS (SELECT 1 FROM pg_attrdef ad JOIN pg_depend dd ON dd.classid = 'pg_attrdef'::regclass AND dd.objid = ad.oid \
                                                  WHERE ad.adrelid = t.oid AND ad.adnum = a.attnum AND dd.refobjid = c.oid))) \
         UNION ALL SELECT 'domain constraint ' || quote_ident(k.conname) || ' on ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || ' (NOT VALID)' \
           FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid JOIN pg_namespace n ON n.oid = t.typnamespace \
          WHERE NOT k.convalidated AND {SCHEMA_FILTER} \
         ORDER BY 1",
        kind = "CASE c.relkind WHEN 'm' THEN 'materialized view ' ELSE 'table ' END",
        // The attribute options PostgreSQL documents (`SET (n_distinct = …)`); a server may
        // keep others of its own there, which nobody declared.
        // A serial column's sequence (owned by the column) is part of the column in the model:
        // anything but the defaults for its type is not carried. (An identity column's
        // options are.)
        serial_options = "(s.seqstart <> 1 OR s.seqincrement <> 1 OR s.seqmin <> 1 OR s.seqcycle \
            OR s.seqmax <> CASE s.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END)",
        // PostgreSQL names an identity column's sequence `table_column_seq` (a number after it
        // when that is taken) and keeps that name when the table is renamed (so a dump declares
        // it with `SEQUENCE NAME`); the model keeps no other name.
        default_identity_name = "(length(t.relname || '_' || a.attname || '_seq') > 63 \
            OR c.relname ~ ('^.+_' || regexp_replace(a.attname, '([^A-Za-z0-9_])', '\\\\\\1', 'g') || '_seq[0-9]*$'))",
        planner_options = "array_to_string(ARRAY(SELECT o FROM unnest(a.attoptions) o WHERE o LIKE 'n\\_distinct%'), ', ')",
        // The partial scratch load's stand-ins are partitioned tables of its own making.
        stand_ins = filter.stand_in_tables,
    );
    let rows = client
        .query_typed(&query, &[(&patterns, postgres::types::Type::TEXT_ARRAY)])
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}
