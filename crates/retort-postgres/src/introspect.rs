//! Reading a PostgreSQL schema from the catalogs: four queries (tables, columns, constraints,
//! indexes), whatever the number of tables. Types, defaults and definitions come back in
//! PostgreSQL's own canonical text (`format_type`, `pg_get_expr`, `pg_get_constraintdef`,
//! `pg_get_indexdef`).

mod composite_types;
mod domains;
mod materialized_views;

use std::collections::BTreeMap;

use retort_core::introspect::IntrospectFilter;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{
    Check, Column, Constraint, Extension, ForeignKey, Function, FunctionKey, IdentityOptions,
    Index, Policy, QualifiedName, RowSecurity, Schema, Sequence, Table, Trigger, View,
};

/// Schemas selected: `$1` is the list of their names, or NULL for the current schema.
/// The largest value of an identity sequence `s`'s type (the smallest is one below its
/// negation): the defaults of MAXVALUE, and of MINVALUE when counting down.
const IDENTITY_TYPE_MAX: &str = "CASE s.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END";

pub(crate) const SCHEMA_FILTER: &str = "(CASE WHEN $1::text[] IS NULL THEN n.nspname = current_schema() ELSE n.nspname = ANY ($1::text[]) END)";

/// The condition that the object `oid` of catalog `class` is not a member of an extension
/// (pg_depend's `e`): the extension is modeled, what it owns is its own business.
pub(crate) fn not_in_extension(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{class}'::regclass AND x.objid = {oid} AND x.deptype = 'e')"
    )
}

/// The condition that the routine `oid` is not one the server made for a type (pg_depend's
/// `i` on a `pg_type` row: a range type's constructors and its multirange's): the type's, made
/// and dropped with it, and never the user's to drop (`DROP FUNCTION rr(integer, integer)` is
/// refused while range type `rr` exists, which is reported as not modeled by `unmodeled`).
pub(crate) fn not_made_for_a_type(oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend y WHERE y.classid = 'pg_proc'::regclass AND y.objid = {oid} AND y.refclassid = 'pg_type'::regclass AND y.deptype = 'i')"
    )
}

/// The names of the schemas `include_schemas` selects (its globs matched here, by the same
/// code as on every database), or `None` for the connection's current schema.
pub fn selected_schemas(
    client: &mut postgres::Client,
    filter: &IntrospectFilter,
) -> Result<Option<Vec<String>>, DatabaseError> {
    if !filter.names_schemas() {
        return Ok(None);
    }
    let rows = client
        .query_typed(
            "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
            &[],
        )
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    Ok(Some(
        rows.iter()
            .map(|row| row.get::<_, String>(0))
            .filter(|name| filter.selects_schema(name))
            .collect(),
    ))
}

pub fn introspect(
    client: &mut postgres::Client,
    filter: &IntrospectFilter,
) -> Result<Schema, DatabaseError> {
    let error = |e: postgres::Error| DatabaseError::new(crate::connection::describe(&e));
    let patterns = selected_schemas(client, filter)?;

    let mut tables: BTreeMap<QualifiedName, Table> = BTreeMap::new();
    let table_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname, c.relname, obj_description(c.oid, 'pg_class'), c.relrowsecurity, c.relforcerowsecurity \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {SCHEMA_FILTER} AND {} ORDER BY 1, 2",
                not_in_extension("pg_class", "c.oid")
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    for row in &table_rows {
        let name = QualifiedName {
            schema: row.get(0),
            name: row.get(1),
        };
        // Left out here, so that every later row of the table finds no table to join.
        if filter.leaves_out(&name.name) {
            continue;
        }
        tables.insert(
            name.clone(),
            Table {
                comment: row.get(2),
                row_security: RowSecurity {
                    enabled: row.get(3),
                    forced: row.get(4),
                },
                ..Table::new(name)
            },
        );
    }

    let column_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
                 CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, \
                 CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END, \
                 CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END, \
                 CASE WHEN a.attcollation <> t.typcollation THEN co.collname END, \
                 col_description(c.oid, a.attnum), \
                 pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname), \
                 (SELECT format_type(s.seqtypid, NULL) FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_sequence s ON s.seqrelid = dep.objid \
                  WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = c.oid AND dep.classid = 'pg_catalog.pg_class'::regclass AND dep.refobjsubid = a.attnum AND dep.deptype = 'a' LIMIT 1), \
                 CASE WHEN s.seqstart <> CASE WHEN s.seqincrement > 0 THEN s.seqmin ELSE s.seqmax END THEN s.seqstart END, \
                 NULLIF(s.seqincrement, 1), \
                 CASE WHEN s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 ELSE -{IDENTITY_TYPE_MAX} - 1 END THEN s.seqmin END, \
                 CASE WHEN s.seqmax <> CASE WHEN s.seqincrement > 0 THEN {IDENTITY_TYPE_MAX} ELSE -1 END THEN s.seqmax END, \
                 NULLIF(s.seqcache, 1), coalesce(s.seqcycle, false) \
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_type t ON t.oid = a.atttypid \
                 LEFT JOIN LATERAL (SELECT q.* FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_sequence q ON q.seqrelid = dep.objid \
                  WHERE a.attidentity <> '' AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = c.oid AND dep.classid = 'pg_catalog.pg_class'::regclass \
                  AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' LIMIT 1) s ON true \
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation \
                 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND {SCHEMA_FILTER} \
                 ORDER BY 1, 2, a.attnum"
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    for row in &column_rows {
        let name = QualifiedName {
            schema: row.get(0),
            name: row.get(1),
        };
        if let Some(table) = tables.get_mut(&name) {
            let mut data_type: String = row.get(3);
            let mut default: Option<String> = row.get(5);
            // A column that owns the sequence its default draws from was declared `serial`:
            // keep it that way, so the sequence is created and dropped with the column.
            // The sequence must count in the column's type: a `bigint` column over an
            // `integer` sequence (a serial column widened without its sequence) stops at
            // 2^31 - 1, and is not the `bigserial` a declaration means.
            let owned_sequence: Option<String> = row.get(10);
            let sequence_type: Option<String> = row.get(11);
            if owned_sequence.is_some()
                && sequence_type.as_deref() == Some(data_type.as_str())
                && default
                    .as_deref()
                    .is_some_and(|d| d.starts_with("nextval("))
            {
                if let Some(serial) = crate::serial::serial_for(&data_type) {
                    serial.clone_into(&mut data_type);
                    default = None;
                }
            }
            table.columns.push(Column {
                name: row.get(2),
                data_type,
                nullable: row.get(4),
                default,
                identity: row.get(6),
                // The options of an identity column's sequence, those that differ from their
                // defaults (NULL otherwise; all NULL for other columns).
                identity_options: IdentityOptions {
                    start: row.get(12),
                    increment: row.get(13),
                    minimum: row.get(14),
                    maximum: row.get(15),
                    cache: row.get(16),
                    cycle: row.get(17),
                },
                generated: row.get(7),
                collation: row.get(8),
                virtual_generated: false,
                comment: row.get(9),
            });
        }
    }

    let constraint_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname, c.relname, k.conname, k.contype::text, \
                 ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.i), \
                 pg_get_constraintdef(k.oid), rn.nspname, rc.relname, \
                 ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.i), \
                 k.confdeltype::text, k.confupdtype::text, k.condeferrable, k.condeferred, k.confmatchtype = 'f', k.convalidated, \
                 obj_description(k.oid, 'pg_constraint'), \
                 (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.i) FROM unnest(k.confdelsetcols) WITH ORDINALITY u(attnum, i) \
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) \
                 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_class rc ON rc.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
                 WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND {SCHEMA_FILTER} ORDER BY 1, 2, 3"
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    for row in &constraint_rows {
        let name = QualifiedName {
            schema: row.get(0),
            name: row.get(1),
        };
        let Some(table) = tables.get_mut(&name) else {
            continue;
        };
        let constraint_name: String = row.get(2);
        let kind: String = row.get(3);
        let columns: Vec<String> = row.get(4);
        let definition: String = row.get(5);
        // A key with its options: the server prints NULLS NOT DISTINCT only in the definition
        // (its flag is on the index, and only from PostgreSQL 15 on).
        let comment: Option<String> = row.get(15);
        let key = |name: String, columns: Vec<String>| Constraint {
            comment: comment.clone(),
            deferrable: row.get(11),
            initially_deferred: row.get(12),
            nulls_not_distinct: definition.starts_with("UNIQUE NULLS NOT DISTINCT "),
            ..Constraint::new(name, columns)
        };
        match kind.as_str() {
            "p" => table.primary_key = Some(key(constraint_name, columns)),
            "u" => table.uniques.push(key(constraint_name, columns)),
            // An exclusion constraint is kept whole, as its definition, like a check: its
            // DEFERRABLE is part of the text.
            "c" | "x" => table.checks.push(Check {
                comment,
                name: constraint_name,
                definition,
            }),
            _ => table.foreign_keys.push(ForeignKey {
                comment,
                name: constraint_name,
                columns,
                referenced_table: QualifiedName {
                    schema: row.get(6),
                    name: row.get(7),
                },
                referenced_columns: row.get(8),
                // `ON DELETE SET NULL (c)` names the columns it sets (PostgreSQL 15).
                on_delete: match row.get::<_, Option<String>>(16) {
                    Some(columns) => format!("{} ({columns})", action(&row.get::<_, String>(9))),
                    None => action(&row.get::<_, String>(9)),
                },
                on_update: action(&row.get::<_, String>(10)),
                deferrable: row.get(11),
                initially_deferred: row.get(12),
                match_full: row.get(13),
                not_valid: !row.get::<_, bool>(14),
            }),
        }
    }

    let index_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname, c.relname, i.relname, x.indisunique, pg_get_indexdef(x.indexrelid), \
                 obj_description(x.indexrelid, 'pg_class') \
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')) \
                 AND {SCHEMA_FILTER} ORDER BY 1, 2, 3"
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let mut materialized_views =
        materialized_views::materialized_views(client, patterns.as_deref(), filter)?;
    for row in &index_rows {
        let name = QualifiedName {
            schema: row.get(0),
            name: row.get(1),
        };
        let index = Index {
            comment: row.get(5),
            name: row.get(2),
            unique: row.get(3),
            definition: row.get(4),
        };
        if let Some(table) = tables.get_mut(&name) {
            table.indexes.push(index);
        } else if let Some(view) = materialized_views.get_mut(&name) {
            view.indexes.push(index);
        }
    }
    // Triggers on tables (constraint triggers included) and on views, as `pg_get_triggerdef`
    // prints them; those the server makes for foreign keys are internal and not read.
    let trigger_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname, c.relname, g.tgname::text, pg_get_triggerdef(g.oid), obj_description(g.oid, 'pg_trigger') \
                 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE NOT g.tgisinternal AND c.relkind IN ('r', 'p', 'v') AND {SCHEMA_FILTER} AND {} ORDER BY 1, 2, 3",
                not_in_extension("pg_trigger", "g.oid")
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let mut view_triggers: BTreeMap<QualifiedName, Vec<Trigger>> = BTreeMap::new();
    for row in &trigger_rows {
        let name = QualifiedName {
            schema: row.get(0),
            name: row.get(1),
        };
        let trigger = Trigger {
            comment: row.get(4),
            name: row.get(2),
            definition: row.get(3),
        };
        match tables.get_mut(&name) {
            Some(table) => table.triggers.push(trigger),
            None => view_triggers.entry(name).or_default().push(trigger),
        }
    }
    // Row-level security policies, with their expressions as the server prints them.
    let policy_rows = client
        .query_typed(
            "SELECT p.schemaname::text, p.tablename::text, p.policyname::text, p.permissive = 'PERMISSIVE', \
             p.cmd, p.roles::text[], p.qual, p.with_check, \
             (SELECT obj_description(g.oid, 'pg_policy') FROM pg_policy g JOIN pg_class gc ON gc.oid = g.polrelid \
              JOIN pg_namespace gn ON gn.oid = gc.relnamespace \
              WHERE g.polname = p.policyname AND gc.relname = p.tablename AND gn.nspname = p.schemaname) \
             FROM pg_policies p WHERE (CASE WHEN $1::text[] IS NULL THEN p.schemaname = current_schema() ELSE p.schemaname = ANY ($1::text[]) END) \
             ORDER BY 1, 2, 3",
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    for row in &policy_rows {
        let name = QualifiedName {
            schema: row.get(0),
            name: row.get(1),
        };
        let Some(table) = tables.get_mut(&name) else {
            continue;
        };
        table.policies.push(Policy {
            comment: row.get(8),
            name: row.get(2),
            permissive: row.get(3),
            command: row.get(4),
            roles: row.get(5),
            using: row.get(6),
            with_check: row.get(7),
        });
    }
    let enum_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid \
                 WHERE {SCHEMA_FILTER} AND {} GROUP BY 1, 2 ORDER BY 1, 2",
                not_in_extension("pg_type", "t.oid")
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let enums = enum_rows
        .iter()
        .map(|row| {
            (
                QualifiedName {
                    schema: row.get(0),
                    name: row.get(1),
                },
                row.get::<_, Vec<String>>(2),
            )
        })
        .collect();
    let sequence_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, \
                 obj_description(c.oid, 'pg_class') \
                 FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {SCHEMA_FILTER} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i', 'e')) \
                 ORDER BY 1, 2"
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let sequences = sequence_rows
        .iter()
        .map(|row| {
            (
                QualifiedName {
                    schema: row.get(0),
                    name: row.get(1),
                },
                Sequence {
                    comment: row.get(8),
                    data_type: row.get(2),
                    start: row.get(3),
                    increment: row.get(4),
                    minimum: row.get(5),
                    maximum: row.get(6),
                    cycle: row.get(7),
                },
            )
        })
        .collect();
    let schema_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname::text FROM pg_namespace n WHERE {SCHEMA_FILTER} AND n.nspname <> current_schema() \
                 AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1"
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let schemas = schema_rows.iter().map(|row| row.get(0)).collect();
    // Views, as `pg_get_viewdef` prints them (the same text for the declared schema's scratch
    // database and the live one). Materialized views are read by `materialized_views`.
    let view_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname::text, c.relname::text, pg_get_viewdef(c.oid, true), obj_description(c.oid, 'pg_class'), \
                 array_to_string(c.reloptions, ', '), \
                 array(SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) \
                         || CASE WHEN a.attcollation = 0 THEN '' ELSE ' COLLATE ' || a.attcollation::regcollation::text END \
                       FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)::text[], \
                 array(SELECT quote_ident(a.attname) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
                       WHERE d.adrelid = c.oid ORDER BY a.attnum)::text[], \
                 array(SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
                       WHERE d.adrelid = c.oid ORDER BY a.attnum)::text[], \
                 array(SELECT pg_get_ruledef(r.oid) FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN' ORDER BY r.rulename)::text[], \
                 array(SELECT quote_ident(a.attname) FROM pg_description d JOIN pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid \
                       WHERE d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid > 0 ORDER BY a.attnum)::text[], \
                 array(SELECT d.description FROM pg_description d JOIN pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid \
                       WHERE d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid > 0 ORDER BY a.attnum)::text[] \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind = 'v' AND {SCHEMA_FILTER} AND {} ORDER BY 1, 2",
                not_in_extension("pg_class", "c.oid")
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let views = view_rows
        .iter()
        .filter(|row| !filter.leaves_out(row.get::<_, &str>(1)))
        .map(|row| {
            let name = QualifiedName {
                schema: row.get(0),
                name: row.get(1),
            };
            let body: String = row.get(2);
            // Its options (`security_invoker`, `security_barrier`, and `WITH [LOCAL|CASCADED]
            // CHECK OPTION`, which the server keeps as `check_option`) are part of it.
            let options = row
                .get::<_, Option<String>>(4)
                .map_or_else(String::new, |options| format!(" WITH ({options})"));
            let definition = format!(
                "CREATE VIEW {}{options} AS\n{}",
                crate::render::table_name(&name),
                body.trim().trim_end_matches(';')
            );
            let view = View {
                name: name.clone(),
                definition,
                comment: row.get(3),
                columns: row.get(5),
                column_defaults: row
                    .get::<_, Vec<String>>(6)
                    .into_iter()
                    .zip(row.get::<_, Vec<String>>(7))
                    .collect(),
                triggers: view_triggers.remove(&name).unwrap_or_default(),
                rules: row
                    .get::<_, Vec<String>>(8)
                    .into_iter()
                    .map(|rule| rule.trim().trim_end_matches(';').to_owned())
                    .collect(),
                column_comments: row
                    .get::<_, Vec<String>>(9)
                    .into_iter()
                    .zip(row.get::<_, Vec<String>>(10))
                    .collect(),
            };
            (name, view)
        })
        .collect();
    let extension_rows = client
        .query_typed(
            &format!(
                "SELECT e.extname::text, n.nspname::text, e.extversion, \
                 ARRAY(SELECT r.extname::text FROM pg_depend d JOIN pg_extension r ON r.oid = d.refobjid \
                       WHERE d.classid = 'pg_extension'::regclass AND d.objid = e.oid \
                       AND d.refclassid = 'pg_extension'::regclass ORDER BY 1) \
                 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
                 WHERE {SCHEMA_FILTER} ORDER BY 1"
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let extensions = extension_rows
        .iter()
        .map(|row| {
            let extension = Extension {
                name: row.get(0),
                schema: row.get(1),
                version: row.get(2),
                requires: row.get(3),
            };
            (extension.name.clone(), extension)
        })
        .collect();
    // Functions and procedures as the server prints them: the same text for the scratch
    // database and the live one. Aggregates and window functions are not modeled (`unmodeled`),
    // and the constructors of a range type are the type's.
    let function_rows = client
        .query_typed(
            &format!(
                "SELECT n.nspname::text, p.proname::text, oidvectortypes(p.proargtypes), \
                 p.prokind = 'p', pg_get_function_arguments(p.oid), coalesce(pg_get_function_result(p.oid), ''), \
                 pg_get_functiondef(p.oid), obj_description(p.oid, 'pg_proc') \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE p.prokind IN ('f', 'p') AND {SCHEMA_FILTER} AND {} AND {} ORDER BY 1, 2, 3",
                not_in_extension("pg_proc", "p.oid"),
                not_made_for_a_type("p.oid")
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(error)?;
    let functions = function_rows
        .iter()
        .map(|row| {
            let key = FunctionKey {
                name: QualifiedName {
                    schema: row.get(0),
                    name: row.get(1),
                },
                arguments: row.get(2),
            };
            let function = Function {
                key: key.clone(),
                procedure: row.get(3),
                full_arguments: row.get(4),
                result: row.get(5),
                definition: row.get(6),
                comment: row.get(7),
            };
            (key, function)
        })
        .collect();
    let domains = domains::domains(client, patterns.as_deref())?;
    let composite_types = composite_types::composite_types(client, patterns.as_deref())?;
    // Privileges only when compared (otherwise see `Introspect::grants_to_keep`).
    let grants = if filter.grants {
        crate::grants::read(client, &patterns, filter, true)?
    } else {
        BTreeMap::new()
    };
    Ok(Schema {
        tables,
        domains,
        composite_types,
        materialized_views,
        enums,
        sequences,
        schemas,
        views,
        extensions,
        functions,
        // Events are MySQL's and MariaDB's.
        events: std::collections::BTreeMap::new(),
        grants,
    })
}

fn action(code: &str) -> String {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_owned()
}

/// Grants not compared, the privileges on the selected schemas' views, materialized views and
/// routines: what a plan that re-creates one of them gives back.
pub fn grants_to_keep(
    client: &mut postgres::Client,
    filter: &IntrospectFilter,
) -> Result<BTreeMap<retort_core::schema::Grant, bool>, DatabaseError> {
    let patterns = selected_schemas(client, filter)?;
    crate::grants::read(client, &patterns, filter, false)
}

/// Range types, aggregates and window functions, triggers on views, rules and comments on the
/// columns of views (a view's are kept when it is created again, never compared), comments on
/// the columns of composite types, on enum types, on the indexes of keys (the constraint carries the comment),
/// on the sequences of serial and identity columns and on domain constraints: not modeled yet.
/// What an extension owns is the extension's, and never listed.
pub fn unmodeled(
    client: &mut postgres::Client,
    filter: &IntrospectFilter,
) -> Result<Vec<String>, DatabaseError> {
    let patterns = selected_schemas(client, filter)?;
    let rows = client
        .query_typed(
            &format!(
                "SELECT 'type ' || t.typname \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE {SCHEMA_FILTER} AND {types} AND t.typtype IN ('r', 'm') \
                 UNION ALL SELECT CASE p.prokind WHEN 'a' THEN 'aggregate ' ELSE 'window function ' END || p.proname \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {SCHEMA_FILTER} AND p.prokind IN ('a', 'w') AND {proc} \
                 UNION ALL SELECT 'comment on column ' || c.relname || '.' || a.attname \
                 FROM pg_description d JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
                 WHERE d.classoid = 'pg_class'::regclass AND d.objsubid > 0 AND c.relkind NOT IN ('r', 'p') AND {SCHEMA_FILTER} AND {class} \
                 UNION ALL SELECT 'comment on enum type ' || t.typname \
                 FROM pg_description d JOIN pg_type t ON t.oid = d.objoid JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE d.classoid = 'pg_type'::regclass AND t.typtype = 'e' AND {SCHEMA_FILTER} AND {types} \
                 UNION ALL SELECT 'comment on index ' || i.relname || ' (it is the index of constraint ' || k.conname || ': comment on the constraint instead)' \
                 FROM pg_description d JOIN pg_class i ON i.oid = d.objoid JOIN pg_namespace n ON n.oid = i.relnamespace \
                 JOIN pg_constraint k ON k.conindid = i.oid AND k.contype IN ('p', 'u', 'x') \
                 WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0 AND {SCHEMA_FILTER} \
                 UNION ALL SELECT 'comment on sequence ' || c.relname || ' (it belongs to a serial or identity column)' \
                 FROM pg_description d JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE d.classoid = 'pg_class'::regclass AND c.relkind = 'S' AND {SCHEMA_FILTER} \
                 AND EXISTS (SELECT 1 FROM pg_depend o WHERE o.objid = c.oid AND o.classid = 'pg_class'::regclass AND o.deptype IN ('a', 'i')) \
                 UNION ALL SELECT 'comment on constraint ' || k.conname || ' of domain ' || t.typname \
                 FROM pg_description d JOIN pg_constraint k ON k.oid = d.objoid JOIN pg_type t ON t.oid = k.contypid JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE d.classoid = 'pg_constraint'::regclass AND {SCHEMA_FILTER} AND {types} \
                 UNION ALL SELECT 'rule ' || r.rulename || ' on ' || c.relname FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.rulename <> '_RETURN' AND {SCHEMA_FILTER} AND {class} \
                 UNION ALL SELECT 'trigger ' || g.tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT g.tgisinternal AND c.relkind NOT IN ('r', 'p') AND {SCHEMA_FILTER} AND {class} \
                 ORDER BY 1",
                class = not_in_extension("pg_class", "c.oid"),
                types = not_in_extension("pg_type", "t.oid"),
                proc = not_in_extension("pg_proc", "p.oid"),
            ),
            &[(&patterns, postgres::types::Type::TEXT_ARRAY)],
        )
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}
