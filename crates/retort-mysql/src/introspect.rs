//! Reading a MySQL/MariaDB schema from `information_schema`: a fixed number of queries for the
//! current database, whatever the number of tables. Column types, defaults and check clauses
//! come back as the server spells them.

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use retort_core::introspect::IntrospectFilter;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{
    Check, Column, Constraint, ForeignKey, Index, QualifiedName, Schema, Table, Trigger, View,
};

fn name(table: String) -> QualifiedName {
    QualifiedName {
        schema: String::new(),
        name: table,
    }
}

/// table, comment, collation, the database's collation, engine, create options
type TableRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
/// table, column, type, nullable, default, extra, generation expression, comment, collation
type ColumnRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
);
/// table, index, non-unique, column, prefix length, index type, collation (`D` descending)
type StatisticsRow = (
    String,
    String,
    i64,
    String,
    Option<i64>,
    String,
    Option<String>,
);
/// table, trigger, timing, event, body
type TriggerRow = (String, String, String, String, String);
/// database, view, select, check option, security, algorithm
type ViewRow = (String, String, String, String, String, String);
/// An index column: name, prefix length, descending.
type KeyPart = (String, Option<u64>, bool);
/// table, constraint, column, referenced table, referenced column, update rule, delete rule
type ReferenceRow = (String, String, String, String, String, String, String);

pub fn introspect(
    connection: &mut mysql::Conn,
    filter: &IntrospectFilter,
) -> Result<Schema, DatabaseError> {
    let error = |e: mysql::Error| DatabaseError::new(crate::connection::describe(&e));
    let excluded = |table: &str| filter.leaves_out(table);
    let mut tables: BTreeMap<QualifiedName, Table> = BTreeMap::new();
    // MariaDB reports a view's ALGORITHM in information_schema; MySQL 8 only in SHOW CREATE
    // VIEW, read there for each view. MySQL has no Aria.
    let mariadb = connection
        .query_first::<String, _>("SELECT VERSION()")
        .map_err(error)?
        .is_some_and(|version| version.contains("MariaDB"));
    let (aria_page_checksum, innodb_row_format) = connection
        .query_first::<(String, String), _>(if mariadb {
            "SELECT @@aria_page_checksum, @@innodb_default_row_format"
        } else {
            "SELECT '', @@innodb_default_row_format"
        })
        .map_err(error)?
        .unwrap_or_default();
    let server_defaults = crate::table_storage::ServerDefaults {
        aria_page_checksum,
        innodb_row_format,
    };
    let rows: Vec<TableRow> = connection
        .query("SELECT TABLE_NAME, TABLE_COMMENT, TABLE_COLLATION, @@collation_database, ENGINE, CREATE_OPTIONS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")
        .map_err(error)?;
    // Each table's default collation: a column's own is kept where it is another (see below).
    let mut table_collations: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (table, comment, collation, database_collation, engine, create_options) in rows {
        if excluded(&table) {
            continue;
        }
        table_collations.insert(table.clone(), collation.clone());
        tables.insert(
            name(table.clone()),
            Table {
                comment: (!comment.is_empty()).then_some(comment),
                // Kept where it is not the database's: the scratch database takes the live
                // one's (see `create_scratch`), so both sides compare alike.
                collation: collation.filter(|c| Some(c) != database_collation.as_ref()),
                storage: crate::table_storage::from_information_schema(
                    engine.as_deref(),
                    create_options.as_deref().unwrap_or_default(),
                    &server_defaults,
                ),
                ..Table::new(name(table))
            },
        );
    }

    let columns: Vec<ColumnRow> = connection
        .query(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT, COLLATION_NAME \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .map_err(error)?;
    for (table, column, column_type, nullable, default, extra, generated, comment, collation) in
        columns
    {
        // A column's collation is kept where it is not its table's default: the one a column
        // without COLLATE takes, so that only a declared one is compared (and the scratch
        // database's tables take the live database's default, see `create_scratch`). The
        // character set follows from the collation.
        let collation = collation.filter(|c| {
            table_collations
                .get(&table)
                .is_some_and(|default| default.as_deref() != Some(c.as_str()))
        });
        let Some(entry) = tables.get_mut(&name(table)) else {
            continue;
        };
        let extra_upper = extra.to_ascii_uppercase();
        let generated = generated.filter(|g| !g.is_empty() && extra_upper.contains("GENERATED"));
        entry.columns.push(Column {
            name: column,
            data_type: column_type,
            nullable: nullable == "YES",
            default: default_with_on_update(default, &extra, generated.is_some()),
            identity: extra_upper
                .contains("AUTO_INCREMENT")
                .then(|| "AUTO_INCREMENT".to_owned()),
            // MariaDB says `VIRTUAL GENERATED` or `STORED GENERATED`, MySQL the same words.
            virtual_generated: generated.is_some() && extra_upper.contains("VIRTUAL"),
            identity_options: retort_core::schema::IdentityOptions::default(),
            generated,
            collation,
            comment: (!comment.is_empty()).then_some(comment),
        });
    }

    let constraints: Vec<(String, String, String)> = connection
        .query("SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE()")
        .map_err(error)?;
    let unique_constraints: Vec<(String, String)> = constraints
        .iter()
        .filter(|(_, _, kind)| kind == "UNIQUE")
        .map(|(t, n, _)| (t.clone(), n.clone()))
        .collect();

    // MariaDB reports a SPATIAL key's part with SUB_PART 32 (the bytes of its bounding box),
    // a length no declaration can carry: `CREATE SPATIAL INDEX … (g(32))` is an error.
    let statistics: Vec<StatisticsRow> = connection
        .query(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, IF(INDEX_TYPE = 'SPATIAL', NULL, SUB_PART), INDEX_TYPE, COLLATION \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        )
        .map_err(error)?;
    let mut indexes: BTreeMap<(String, String), (bool, String, Vec<KeyPart>)> = BTreeMap::new();
    for (table, index, non_unique, column, sub_part, index_type, collation) in statistics {
        let prefix = sub_part.and_then(|length| u64::try_from(length).ok());
        indexes
            .entry((table, index))
            .or_insert_with(|| (non_unique == 0, index_type, Vec::new()))
            .2
            .push((column, prefix, collation.as_deref() == Some("D")));
    }
    for ((table, index), (unique, index_type, parts)) in indexes {
        let Some(entry) = tables.get_mut(&name(table.clone())) else {
            continue;
        };
        let columns = || parts.iter().map(|(column, ..)| column.clone()).collect();
        let whole_columns = parts
            .iter()
            .all(|(_, prefix, descending)| prefix.is_none() && !descending);
        if index == "PRIMARY" {
            entry.primary_key = Some(Constraint::new("PRIMARY".to_owned(), columns()));
        } else if whole_columns && unique_constraints.contains(&(table.clone(), index.clone())) {
            // A unique key on whole columns is a constraint; one with prefixes or DESC parts
            // stays an index, whose definition keeps them.
            entry.uniques.push(Constraint::new(index, columns()));
        } else {
            let kind = match index_type.as_str() {
                "FULLTEXT" => "FULLTEXT ",
                "SPATIAL" => "SPATIAL ",
                _ if unique => "UNIQUE ",
                _ => "",
            };
            let parts: Vec<String> = parts
                .iter()
                .map(|(column, prefix, descending)| {
                    crate::render::key_part(column, *prefix, *descending)
                })
                .collect();
            entry.indexes.push(Index {
                comment: None,
                definition: crate::render::index_definition(kind, &index, &table, &parts),
                name: index,
                unique,
            });
        }
    }

    let checks: Vec<(String, String, String)> = connection
        .query("SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME")
        .map_err(error)?;
    for (table, constraint, clause) in checks {
        if let Some(entry) = tables.get_mut(&name(table)) {
            entry.checks.push(Check {
                comment: None,
                name: constraint,
                definition: format!("CHECK ({clause})"),
            });
        }
    }

    let references: Vec<ReferenceRow> = connection
        .query(
            "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE \
             FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
             ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        )
        .map_err(error)?;
    let mut keys: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for (
        table,
        constraint,
        column,
        referenced_table,
        referenced_column,
        update_rule,
        delete_rule,
    ) in references
    {
        let key = keys
            .entry((table, constraint.clone()))
            .or_insert_with(|| ForeignKey {
                comment: None,
                name: constraint,
                columns: Vec::new(),
                referenced_table: name(referenced_table),
                referenced_columns: Vec::new(),
                on_delete: delete_rule,
                on_update: update_rule,
                deferrable: false,
                initially_deferred: false,
                match_full: false,
                not_valid: false,
            });
        key.columns.push(column);
        key.referenced_columns.push(referenced_column);
    }
    for ((table, _), key) in keys {
        if let Some(entry) = tables.get_mut(&name(table)) {
            entry.foreign_keys.push(key);
        }
    }
    let triggers: Vec<TriggerRow> = connection
        .query(
            "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME",
        )
        .map_err(error)?;
    for (table, trigger, timing, event, body) in triggers {
        if let Some(entry) = tables.get_mut(&name(table.clone())) {
            entry.triggers.push(Trigger {
                comment: None,
                definition: crate::render::trigger_definition(
                    &trigger, &timing, &event, &table, &body,
                ),
                name: trigger,
            });
        }
    }
    // Sorted here, not by the server: information_schema orders names case-insensitively.
    for table in tables.values_mut() {
        table.sort_by_name();
        table.triggers.sort_by(|a, b| a.name.cmp(&b.name));
    }

    let view_rows: Vec<ViewRow> = connection
        .query(format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, {} \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
            if mariadb { "ALGORITHM" } else { "''" }
        ))
        .map_err(error)?;
    let mut views = BTreeMap::new();
    for (database, view, select, check_option, security, algorithm) in view_rows {
        if excluded(&view) {
            continue;
        }
        let algorithm = if mariadb {
            algorithm
        } else {
            // View, Create View, character_set_client, collation_connection.
            let shown: Option<mysql::Row> = connection
                .query_first(format!("SHOW CREATE VIEW {}", crate::render::quote(&view)))
                .map_err(error)?;
            shown
                .and_then(|row| row.get::<String, _>(1))
                .and_then(|create| {
                    let rest = create.split_once("ALGORITHM=")?.1;
                    rest.split_whitespace().next().map(str::to_owned)
                })
                .unwrap_or_else(|| "UNDEFINED".to_owned())
        };
        // The server qualifies what the view reads with the database's name (`test`.`t`), which
        // differs between the live and the scratch database: read without it, as SHOW CREATE
        // VIEW prints it. (The definer is left out, like an owner: it differs between
        // environments, and whoever runs the migration becomes it.)
        let select = select.replace(&format!("{}.", crate::render::quote(&database)), "");
        views.insert(
            name(view.clone()),
            View {
                definition: crate::render::view_definition(
                    &view,
                    &algorithm,
                    &security,
                    &select,
                    &check_option,
                ),
                name: name(view),
                comment: None,
                columns: Vec::new(),
                column_defaults: Vec::new(),
                column_comments: Vec::new(),
                triggers: Vec::new(),
                rules: Vec::new(),
            },
        );
    }
    let functions = crate::routines::introspect_routines(connection)?;
    let events = crate::events::introspect_events(connection)?;
    Ok(Schema {
        tables,
        views,
        functions,
        events,
        ..Schema::default()
    })
}

/// A column's default as it is written after `DEFAULT`, with its `ON UPDATE` clause
/// (`current_timestamp() ON UPDATE current_timestamp()`), which `EXTRA` holds: both are
/// compared and written together, so an `ON UPDATE` is never lost.
fn default_with_on_update(default: Option<String>, extra: &str, generated: bool) -> Option<String> {
    // MariaDB reports an explicit `DEFAULT NULL` as the text NULL: the same as none.
    let default = default.filter(|d| d != "NULL" && !generated);
    let lower = extra.to_ascii_lowercase();
    let Some(at) = lower.find("on update ") else {
        return default;
    };
    let on_update = &extra[at + "on update ".len()..];
    Some(format!(
        "{} ON UPDATE {}",
        default.as_deref().unwrap_or("NULL"),
        on_update.trim()
    ))
}
