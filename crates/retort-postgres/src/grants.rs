//! Privileges on PostgreSQL: read from the catalogs' ACLs in one query, written as `GRANT` and
//! `REVOKE`. See `retort_core::schema::grant` for what is compared (grants by the owner to
//! other roles, defaults read as `acldefault` gives them).

use std::collections::BTreeMap;

use retort_core::dialect::Dialect;
use retort_core::introspect::IntrospectFilter;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{FunctionKey, Grant, GrantObject, Grantee, QualifiedName};

use crate::introspect::SCHEMA_FILTER;
use crate::render::table_name;

fn quote(name: &str) -> String {
    crate::dialect::POSTGRES.quote_identifier(name)
}

/// The grants on every schema, table, view, materialized view, column, sequence, function and
/// procedure of the selected schemas (not partitions, which are not modeled) (`$1`, as in
/// `introspect`), and whether each carries the grant option. A NULL ACL is read as its kind's
/// default (`acldefault`), so that a function's `EXECUTE` to `PUBLIC` is there until it is
/// revoked.
///
/// `all` false (grants not compared): only those of the objects a plan may drop and create
/// again — views, materialized views (and their columns) and routines — which the plan gives
/// back after creating them (`retort_core::diff::grants::kept_through_recreation`).
pub fn read(
    client: &mut postgres::Client,
    patterns: &Option<Vec<String>>,
    filter: &IntrospectFilter,
    all: bool,
) -> Result<BTreeMap<Grant, bool>, DatabaseError> {
    let (schemas, relations, columns) = if all {
        ("true", "'r', 'p', 'v', 'm', 'S'", "'r', 'p', 'v', 'm'")
    } else {
        ("false", "'v', 'm'", "'v', 'm'")
    };
    let not_in_extension = |class: &str, oid: &str| {
        format!("NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{class}'::regclass AND x.objid = {oid} AND x.deptype = 'e')")
    };
    let query = format!(
        "WITH acl (kind, schema, name, arguments, column_name, owner_schema, owner_table, owner_column, owner, item) AS ( \
           SELECT 'schema', n.nspname::text, ''::text, ''::text, ''::text, NULL::text, NULL::text, NULL::text, n.nspowner, i \
           FROM pg_namespace n CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n'::\"char\", n.nspowner))) i \
           WHERE {schemas} AND {SCHEMA_FILTER} AND {namespace} \
           UNION ALL \
           SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END, n.nspname::text, c.relname::text, '', '', \
                  own.nspname::text, oc.relname::text, oa.attname::text, c.relowner, i \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_depend d ON c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid \
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
           LEFT JOIN pg_class oc ON oc.oid = d.refobjid LEFT JOIN pg_namespace own ON own.oid = oc.relnamespace \
           LEFT JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid \
           CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::\"char\", c.relowner))) i \
           WHERE c.relkind IN ({relations}) AND NOT c.relispartition AND {SCHEMA_FILTER} AND {class} \
           UNION ALL \
           SELECT 'column', n.nspname::text, c.relname::text, '', a.attname::text, NULL, NULL, NULL, c.relowner, i \
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
           CROSS JOIN LATERAL aclexplode(a.attacl) i \
           WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ({columns}) AND NOT c.relispartition AND {SCHEMA_FILTER} AND {class} \
           UNION ALL \
           SELECT 'routine', n.nspname::text, p.proname::text, oidvectortypes(p.proargtypes), '', NULL, NULL, NULL, p.proowner, i \
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
           CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f'::\"char\", p.proowner))) i \
           WHERE p.prokind IN ('f', 'p') AND {SCHEMA_FILTER} AND {routine} AND {made_for_a_type} \
         ) \
         SELECT kind, schema, name, arguments, column_name, owner_schema, owner_table, owner_column, \
                CASE WHEN (item).grantee = 0 THEN NULL ELSE pg_get_userbyid((item).grantee)::text END, \
                (item).privilege_type, (item).is_grantable \
         FROM acl WHERE (item).grantee <> owner AND (item).grantor = owner ORDER BY 1, 2, 3, 4, 5, 9, 10",
        namespace = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'",
        class = not_in_extension("pg_class", "c.oid"),
        routine = not_in_extension("pg_proc", "p.oid"),
        // A range type's constructors are the type's, as in `introspect`.
        made_for_a_type = crate::introspect::not_made_for_a_type("p.oid"),
    );
    let rows = client
        .query_typed(&query, &[(patterns, postgres::types::Type::TEXT_ARRAY)])
        .map_err(|e| DatabaseError::new(crate::connection::describe(&e)))?;
    let mut grants = BTreeMap::new();
    for row in &rows {
        let kind: &str = row.get(0);
        let name = QualifiedName {
            schema: row.get(1),
            name: row.get(2),
        };
        let owner_table: Option<String> = row.get(6);
        let object = match kind {
            "schema" => GrantObject::Schema(name.schema),
            "table" | "column" if filter.leaves_out(&name.name) => continue,
            "table" => GrantObject::Table(name),
            "column" => GrantObject::Column {
                table: name,
                column: row.get(4),
            },
            "sequence" if owner_table.as_deref().is_some_and(|t| filter.leaves_out(t)) => continue,
            "sequence" => GrantObject::Sequence {
                name,
                owned_by: owner_table.map(|table| {
                    (
                        QualifiedName {
                            schema: row.get::<_, Option<String>>(5).unwrap_or_default(),
                            name: table,
                        },
                        row.get::<_, Option<String>>(7).unwrap_or_default(),
                    )
                }),
            },
            _ => GrantObject::Routine(FunctionKey {
                name,
                arguments: row.get(3),
            }),
        };
        let grantee = row
            .get::<_, Option<String>>(8)
            .map_or(Grantee::Public, Grantee::Role);
        grants.insert(
            Grant {
                object,
                grantee,
                privilege: row.get(9),
            },
            row.get(10),
        );
    }
    Ok(grants)
}

/// `GRANT privilege ON object TO grantee [WITH GRANT OPTION]`.
pub fn grant(grant: &Grant, with_grant_option: bool) -> Result<String, DatabaseError> {
    Ok(format!(
        "GRANT {} ON {} TO {}{}",
        privilege(grant)?,
        object(&grant.object),
        grantee(&grant.grantee),
        if with_grant_option {
            " WITH GRANT OPTION"
        } else {
            ""
        }
    ))
}

/// `REVOKE privilege ON object FROM grantee`, or only its grant option.
pub fn revoke(grant: &Grant, grant_option_only: bool) -> Result<String, DatabaseError> {
    Ok(format!(
        "REVOKE {}{} ON {} FROM {}",
        if grant_option_only {
            "GRANT OPTION FOR "
        } else {
            ""
        },
        privilege(grant)?,
        object(&grant.object),
        grantee(&grant.grantee)
    ))
}

/// The privilege keyword, with the column for a column's (`UPDATE ("email")`). The keyword
/// comes from the catalog; anything but letters is refused rather than written into SQL.
fn privilege(grant: &Grant) -> Result<String, DatabaseError> {
    if grant.privilege.is_empty() || !grant.privilege.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(DatabaseError::new(format!(
            "unknown privilege {:?} on {}: it cannot be written as a GRANT",
            grant.privilege, grant.object
        )));
    }
    Ok(match &grant.object {
        GrantObject::Column { column, .. } => format!("{} ({})", grant.privilege, quote(column)),
        _ => grant.privilege.clone(),
    })
}

fn object(object: &GrantObject) -> String {
    match object {
        GrantObject::Schema(name) => format!("SCHEMA {}", quote(name)),
        GrantObject::Table(name) | GrantObject::Column { table: name, .. } => {
            format!("TABLE {}", table_name(name))
        }
        GrantObject::Sequence { name, .. } => format!("SEQUENCE {}", table_name(name)),
        GrantObject::Routine(key) => {
            format!("ROUTINE {}({})", table_name(&key.name), key.arguments)
        }
    }
}

fn grantee(grantee: &Grantee) -> String {
    match grantee {
        Grantee::Public => "PUBLIC".to_owned(),
        Grantee::Role(name) => quote(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(object: GrantObject, privilege: &str) -> Grant {
        Grant {
            object,
            grantee: Grantee::Role("app reader".to_owned()),
            privilege: privilege.to_owned(),
        }
    }

    #[test]
    fn statements_name_the_object_kind() {
        let table = QualifiedName {
            schema: "billing".to_owned(),
            name: "invoices".to_owned(),
        };
        assert_eq!(
            grant(&on(GrantObject::Table(table.clone()), "SELECT"), true).unwrap(),
            "GRANT SELECT ON TABLE \"billing\".\"invoices\" TO \"app reader\" WITH GRANT OPTION"
        );
        assert_eq!(
            revoke(
                &on(
                    GrantObject::Column {
                        table,
                        column: "total".to_owned()
                    },
                    "UPDATE"
                ),
                true
            )
            .unwrap(),
            "REVOKE GRANT OPTION FOR UPDATE (\"total\") ON TABLE \"billing\".\"invoices\" FROM \"app reader\""
        );
        let routine = GrantObject::Routine(FunctionKey {
            name: QualifiedName {
                schema: "public".to_owned(),
                name: "f".to_owned(),
            },
            arguments: "integer, text".to_owned(),
        });
        assert_eq!(
            revoke(
                &Grant {
                    grantee: Grantee::Public,
                    ..on(routine, "EXECUTE")
                },
                false
            )
            .unwrap(),
            "REVOKE EXECUTE ON ROUTINE \"f\"(integer, text) FROM PUBLIC"
        );
        assert!(grant(
            &on(GrantObject::Schema("s".to_owned()), "USAGE; DROP"),
            false
        )
        .is_err());
    }
}
