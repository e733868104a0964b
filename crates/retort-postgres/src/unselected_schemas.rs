//! Declared objects in schemas autogenerate does not compare. Introspection reads the schemas
//! `include_schemas` selects (without it, the connection's current schema), so a declared
//! `CREATE TABLE app.person` outside them would load into the scratch database and then be
//! left out of the comparison without a word: the revision would never create it and `check`
//! would pass. Read on the scratch database, each such schema is named with what it holds, and
//! autogenerate refuses the declared schema.

use retort_core::introspect::IntrospectFilter;
use retort_core::runner::connection::DatabaseError;

use crate::introspect::{not_in_extension, selected_schemas};

/// One description per declared schema left out, such as
/// `schema app, which include_schemas does not select (holds app.mood, app.person)`.
pub fn unselected_schemas(
    client: &mut postgres::Client,
    filter: &IntrospectFilter,
) -> Result<Vec<String>, DatabaseError> {
    let error = |e: postgres::Error| DatabaseError::new(crate::connection::describe(&e));
    let selected = selected_schemas(client, filter)?;
    let current: Option<String> = client
        .query_one("SELECT current_schema()::text", &[])
        .map_err(error)?
        .get(0);
    // Relations, types of their own (not a table's row type nor an array), routines, and the
    // extensions installed there; of the rest, nothing an extension owns (that is the
    // extension's business). `public` counts only when
    // it holds something: every new database has it, declared or not.
    let query = format!(
        "WITH held AS ( \
           SELECT c.relnamespace AS nsp, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {relations} \
           UNION ALL SELECT t.typnamespace, quote_ident(n.nspname) || '.' || quote_ident(t.typname) \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
            WHERE (t.typtype IN ('e', 'd', 'r', 'm') \
                   OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')) \
              AND {types} \
           UNION ALL SELECT p.pronamespace, quote_ident(n.nspname) || '.' || quote_ident(p.proname) \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {routines} \
           UNION ALL SELECT e.extnamespace, 'extension ' || quote_ident(e.extname) FROM pg_extension e) \
         SELECT n.nspname::text, COALESCE(string_agg(DISTINCT h.name, ', '), '') \
           FROM pg_namespace n LEFT JOIN held h ON h.nsp = n.oid \
          WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' \
            AND {schemas} \
          GROUP BY n.nspname HAVING n.nspname <> 'public' OR count(h.name) > 0 \
          ORDER BY 1",
        relations = not_in_extension("pg_class", "c.oid"),
        types = not_in_extension("pg_type", "t.oid"),
        routines = not_in_extension("pg_proc", "p.oid"),
        schemas = not_in_extension("pg_namespace", "n.oid"),
    );
    let rows = client.query(&query, &[]).map_err(error)?;
    let mut found = Vec::new();
    for row in rows {
        let schema: String = row.get(0);
        let holds: String = row.get(1);
        let is_selected = match &selected {
            Some(names) => names.contains(&schema),
            None => current.as_deref() == Some(schema.as_str()),
        };
        if is_selected {
            continue;
        }
        let why = if selected.is_some() {
            "which include_schemas does not select"
        } else {
            "outside the current schema, and include_schemas is not set"
        };
        found.push(if holds.is_empty() {
            format!("schema {schema}, {why}")
        } else {
            format!("schema {schema}, {why} (holds {holds})")
        });
    }
    Ok(found)
}
