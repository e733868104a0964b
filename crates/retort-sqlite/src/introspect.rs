//! Reading a SQLite schema: a fixed number of queries over `sqlite_master` joined with the
//! table-valued pragmas, whatever the number of tables.
//!
//! SQLite's pragmas report no names for primary keys, unique constraints and foreign keys:
//! the names `CONSTRAINT` gives them are read from the table's SQL text, and the others get
//! stable names from their table and columns ([`crate::constraint_names`]). CHECK constraints,
//! `AUTOINCREMENT`, a column's `COLLATE` and a generated column's expression live only in that
//! text, and are read from it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::constraint_names;
use crate::identifiers::{unquote_plain_identifiers, without_comments, Scope};
use crate::render::quote;
use crate::table_clauses::{table_clauses, WrittenCheck};
use crate::view_strings;
use retort_core::introspect::IntrospectFilter;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{
    Check, Column, Constraint, ForeignKey, Index, QualifiedName, Schema, Table, Trigger, View,
};

fn error(e: &rusqlite::Error) -> DatabaseError {
    DatabaseError::new(e.to_string())
}

fn name(table: &str) -> QualifiedName {
    QualifiedName {
        schema: String::new(),
        name: table.to_owned(),
    }
}

pub fn introspect(
    connection: &rusqlite::Connection,
    filter: &IntrospectFilter,
) -> Result<Schema, DatabaseError> {
    let excluded = |table: &str| table.starts_with("sqlite_") || filter.leaves_out(table);
    let mut tables: BTreeMap<QualifiedName, Table> = BTreeMap::new();

    let mut statement = connection
        // `table_xinfo` also lists generated columns (hidden 2: VIRTUAL, 3: STORED), which
        // `table_info` leaves out; hidden 1 is a virtual table's own hidden column.
        .prepare("SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE m.type = 'table' AND p.hidden <> 1 ORDER BY m.name, p.cid")
        .map_err(|e| error(&e))?;
    let mut rows = statement.query([]).map_err(|e| error(&e))?;
    let mut primary_keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    // (table, column) of the generated columns, as the pragma says.
    let mut generated_columns = BTreeSet::new();
    while let Some(row) = rows.next().map_err(|e| error(&e))? {
        let table: String = row.get(0).map_err(|e| error(&e))?;
        if excluded(&table) {
            continue;
        }
        let column: String = row.get(1).map_err(|e| error(&e))?;
        let position: i64 = row.get(5).map_err(|e| error(&e))?;
        if position > 0 {
            primary_keys
                .entry(table.clone())
                .or_default()
                .push((position, column.clone()));
        }
        let hidden: i64 = row.get(6).map_err(|e| error(&e))?;
        if hidden >= 2 {
            generated_columns.insert((table.clone(), column.clone()));
        }
        let entry = tables
            .entry(name(&table))
            .or_insert_with(|| empty_table(&table));
        entry.columns.push(Column {
            name: column,
            data_type: row.get(2).map_err(|e| error(&e))?,
            nullable: row.get::<_, i64>(3).map_err(|e| error(&e))? == 0,
            default: row.get(4).map_err(|e| error(&e))?,
            // Filled in from the table's SQL text below (`AUTOINCREMENT`, `COLLATE`, the
            // expression); whether it is VIRTUAL is the pragma's to say.
            identity: None,
            generated: None,
            collation: None,
            virtual_generated: hidden == 2,
            identity_options: retort_core::schema::IdentityOptions::default(),
            comment: None,
        });
    }
    drop(rows);
    for (table, mut columns) in primary_keys {
        columns.sort();
        if let Some(entry) = tables.get_mut(&name(&table)) {
            entry.primary_key = Some(Constraint::new(
                constraint_names::primary_key(&table),
                columns.into_iter().map(|(_, c)| c).collect(),
            ));
        }
    }

    let mut statement = connection
        .prepare(
            "SELECT m.name, il.name, il.\"unique\", il.origin, s.sql, \
             (SELECT group_concat(ii.name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii) \
             FROM sqlite_master m JOIN pragma_index_list(m.name) il LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name \
             WHERE m.type = 'table' ORDER BY m.name, il.name",
        )
        .map_err(|e| error(&e))?;
    let mut rows = statement.query([]).map_err(|e| error(&e))?;
    while let Some(row) = rows.next().map_err(|e| error(&e))? {
        let table: String = row.get(0).map_err(|e| error(&e))?;
        let Some(entry) = tables.get_mut(&name(&table)) else {
            continue;
        };
        let origin: String = row.get(3).map_err(|e| error(&e))?;
        let columns: Vec<String> = row
            .get::<_, Option<String>>(5)
            .map_err(|e| error(&e))?
            .map(|c| c.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        match origin.as_str() {
            "u" => entry.uniques.push(Constraint::new(
                constraint_names::unique(&table, &columns),
                columns,
            )),
            "c" => {
                let columns: Vec<String> = entry.columns.iter().map(|c| c.name.clone()).collect();
                entry.indexes.push(Index {
                    comment: None,
                    name: row.get(1).map_err(|e| error(&e))?,
                    unique: row.get::<_, i64>(2).map_err(|e| error(&e))? != 0,
                    definition: unquote_plain_identifiers(
                        &row.get::<_, Option<String>>(4)
                            .map_err(|e| error(&e))?
                            .unwrap_or_default(),
                        &Scope::Columns {
                            columns: &columns,
                            names_before_parenthesis: true,
                        },
                    ),
                });
            }
            _ => {}
        }
    }
    drop(rows);

    let mut statement = connection
        .prepare("SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq")
        .map_err(|e| error(&e))?;
    let mut rows = statement.query([]).map_err(|e| error(&e))?;
    // SQLite numbers a table's foreign keys from the last written (id 0): by descending id,
    // they are in the order the text has them, and a rebuild writes them back in that order.
    let mut foreign_keys: BTreeMap<(String, Reverse<i64>), ForeignKey> = BTreeMap::new();
    while let Some(row) = rows.next().map_err(|e| error(&e))? {
        let table: String = row.get(0).map_err(|e| error(&e))?;
        if !tables.contains_key(&name(&table)) {
            continue;
        }
        let id: i64 = row.get(1).map_err(|e| error(&e))?;
        let referenced: String = row.get(2).map_err(|e| error(&e))?;
        let from: String = row.get(3).map_err(|e| error(&e))?;
        let to: Option<String> = row.get(4).map_err(|e| error(&e))?;
        let key = foreign_keys
            .entry((table.clone(), Reverse(id)))
            .or_insert_with(|| ForeignKey {
                comment: None,
                name: String::new(),
                columns: Vec::new(),
                referenced_table: name(&referenced),
                referenced_columns: Vec::new(),
                on_update: row.get(5).unwrap_or_else(|_| "NO ACTION".to_owned()),
                on_delete: row.get(6).unwrap_or_else(|_| "NO ACTION".to_owned()),
                deferrable: false,
                initially_deferred: false,
                match_full: false,
                not_valid: false,
            });
        key.columns.push(from);
        key.referenced_columns.extend(to);
    }
    drop(rows);
    for ((table, _), mut key) in foreign_keys {
        key.name = constraint_names::foreign_key(&table, &key.columns);
        if let Some(entry) = tables.get_mut(&name(&table)) {
            entry.foreign_keys.push(key);
        }
    }
    // Views and triggers: their statements as SQLite keeps them (as written, or as a rename
    // rewrote them, which the needless-quotes rule makes compare equal where SQLite proves
    // every double-quoted token in them a name, or, in a view, each one a name or a string).
    let mut views = BTreeMap::new();
    let mut on_other_than_tables = Vec::new();
    let mut table_triggers: Vec<(String, Trigger)> = Vec::new();
    let mut statement = connection
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('trigger', 'view') AND sql IS NOT NULL ORDER BY name")
        .map_err(|e| error(&e))?;
    let mut rows = statement.query([]).map_err(|e| error(&e))?;
    while let Some(row) = rows.next().map_err(|e| error(&e))? {
        let kind: String = row.get(0).map_err(|e| error(&e))?;
        let object: String = row.get(1).map_err(|e| error(&e))?;
        let table: String = row.get(2).map_err(|e| error(&e))?;
        let definition = without_comments(&row.get::<_, String>(3).map_err(|e| error(&e))?);
        if kind == "view" {
            if !filter.leaves_out(&object) {
                views.insert(
                    name(&object),
                    View {
                        name: name(&object),
                        definition,
                        comment: None,
                        columns: Vec::new(),
                        column_defaults: Vec::new(),
                        column_comments: Vec::new(),
                        triggers: Vec::new(),
                        rules: Vec::new(),
                    },
                );
            }
        } else if tables.contains_key(&name(&table)) {
            table_triggers.push((
                table,
                Trigger {
                    comment: None,
                    name: object,
                    definition,
                },
            ));
        } else {
            on_other_than_tables.push((object, table));
        }
    }
    drop(rows);
    drop(statement);
    for view in views.values_mut() {
        let scope = names_only_scope(
            connection,
            &[format!("SELECT * FROM {}", quote(&view.name.name))],
        )?;
        // A view SQLite does not compile with double-quoted strings refused may hold some:
        // proven one by one, they are written single-quoted.
        let proven = match scope {
            Scope::Unknown => view_strings::with_strings_proven(connection, &view.definition)?,
            Scope::AllNames | Scope::Columns { .. } => None,
        };
        view.definition =
            proven.unwrap_or_else(|| unquote_plain_identifiers(&view.definition, &scope));
    }
    let mut trigger_scopes: BTreeMap<String, Scope> = BTreeMap::new();
    for (table, mut trigger) in table_triggers {
        let Some(entry) = tables.get_mut(&name(&table)) else {
            continue;
        };
        if !trigger_scopes.contains_key(&table) {
            let scope = names_only_scope(connection, &writes_to(entry, &generated_columns))?;
            trigger_scopes.insert(table.clone(), scope);
        }
        let scope = trigger_scopes.get(&table).unwrap_or(&Scope::Unknown);
        trigger.definition = unquote_plain_identifiers(&trigger.definition, scope);
        entry.triggers.push(trigger);
    }
    // A trigger on a view (`INSTEAD OF`): the model keeps triggers on tables only, and it
    // would be left out without a word. (One on a table left out is left out with it.)
    let mut unmodeled = Vec::new();
    for (trigger, view) in on_other_than_tables {
        if views.contains_key(&name(&view)) {
            unmodeled.push(format!(
                "trigger {trigger} on view {view} (a view's INSTEAD OF triggers)"
            ));
        }
    }

    // CHECK constraints live only in the table's SQL text.
    let mut statement = connection
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        .map_err(|e| error(&e))?;
    let mut rows = statement.query([]).map_err(|e| error(&e))?;
    while let Some(row) = rows.next().map_err(|e| error(&e))? {
        let table: String = row.get(0).map_err(|e| error(&e))?;
        let sql: Option<String> = row.get(1).map_err(|e| error(&e))?;
        if let (Some(entry), Some(sql)) = (tables.get_mut(&name(&table)), sql) {
            let columns: Vec<String> = entry.columns.iter().map(|c| c.name.clone()).collect();
            let clauses = table_clauses(&table, &sql);
            entry.checks = checks(&table, &clauses.checks, &columns);
            // The names `CONSTRAINT` gives the keys, where it gives one.
            if let (Some(key), Some(written)) = (&mut entry.primary_key, &clauses.names.primary_key)
            {
                key.name.clone_from(written);
            }
            for key in &mut entry.uniques {
                if let Some(written) = clauses.names.unique(&key.columns) {
                    key.name = written;
                }
            }
            for key in &mut entry.foreign_keys {
                if let Some(written) = clauses
                    .names
                    .foreign_key(&key.columns, &key.referenced_table.name)
                {
                    key.name = written;
                }
                let columns: Vec<String> = key.columns.iter().map(|c| c.to_lowercase()).collect();
                if let Some(deferral) = clauses.foreign_keys.get(&columns) {
                    key.deferrable = deferral.deferrable;
                    key.initially_deferred = deferral.initially_deferred;
                }
            }
            for column in &mut entry.columns {
                let written = clauses.column(&column.name);
                column.identity = written.autoincrement.then(|| "AUTOINCREMENT".to_owned());
                column.collation = written.collation;
                column.generated = written.generated.map(|expression| {
                    unquote_plain_identifiers(
                        &expression,
                        &Scope::Columns {
                            columns: &columns,
                            names_before_parenthesis: false,
                        },
                    )
                });
                // The pragma and the text must agree on which columns are generated: a text
                // this reading misunderstood is refused by name, never taken half.
                if generated_columns.contains(&(table.clone(), column.name.clone()))
                    != column.generated.is_some()
                {
                    unmodeled.push(format!(
                        "table {table} (column {}: its generated expression could not be read from the table's SQL)",
                        column.name
                    ));
                }
            }
            unmodeled.extend(clauses.unmodeled);
        }
    }
    drop(rows);
    // `STRICT` and `WITHOUT ROWID`, in the order `CREATE TABLE` prints them.
    let mut statement = connection
        .prepare("SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table'")
        .map_err(|e| error(&e))?;
    let mut rows = statement.query([]).map_err(|e| error(&e))?;
    while let Some(row) = rows.next().map_err(|e| error(&e))? {
        let table: String = row.get(0).map_err(|e| error(&e))?;
        if let Some(entry) = tables.get_mut(&name(&table)) {
            for (column, option) in [(2, "WITHOUT ROWID"), (1, "STRICT")] {
                if row.get::<_, i64>(column).map_err(|e| error(&e))? != 0 {
                    entry.options.push(option.to_owned());
                }
            }
        }
    }
    drop(rows);
    if !unmodeled.is_empty() {
        return Err(DatabaseError::new(format!(
            "autogenerate does not model yet: {}",
            unmodeled.join(", ")
        ))
        .with_hint(
            "a table rebuild would lose them, and a declared one would be created without them: leave such tables out with [autogenerate] exclude_tables and change them in hand-written revisions",
        ));
    }
    Ok(Schema {
        tables,
        views,
        ..Schema::default()
    })
}

fn empty_table(table: &str) -> Table {
    Table::new(name(table))
}

/// A statement of each kind that fires `table`'s triggers: compiling it compiles every
/// trigger it fires (an `UPDATE` sets each column, so `UPDATE OF` triggers fire too; a
/// generated column cannot be set). Only prepared, never run.
fn writes_to(table: &Table, generated: &BTreeSet<(String, String)>) -> Vec<String> {
    let quoted = quote(&table.name.name);
    let assignments: Vec<String> = table
        .columns
        .iter()
        .filter(|c| !generated.contains(&(table.name.name.clone(), c.name.clone())))
        .map(|c| format!("{0} = {0}", quote(&c.name)))
        .collect();
    vec![
        format!("INSERT INTO {quoted} DEFAULT VALUES"),
        format!("UPDATE {quoted} SET {}", assignments.join(", ")),
        format!("DELETE FROM {quoted}"),
    ]
}

/// [`Scope::AllNames`] when SQLite compiles every statement of `probes` with its legacy
/// double-quoted strings refused — proof that each double-quoted token the statements reach
/// (in a view, or a trigger they fire) resolves to a name; otherwise [`Scope::Unknown`], which
/// keeps such tokens as written. The connection's settings are put back either way.
fn names_only_scope(
    connection: &rusqlite::Connection,
    probes: &[String],
) -> Result<Scope<'static>, DatabaseError> {
    let compiled = view_strings::with_double_quoted_strings_refused(connection, || {
        probes.iter().all(|probe| connection.prepare(probe).is_ok())
    })?;
    Ok(if compiled {
        Scope::AllNames
    } else {
        Scope::Unknown
    })
}

/// A table's checks, as written in its `CREATE TABLE` text, in order: named after their
/// `CONSTRAINT name`, or numbered.
fn checks(table: &str, written: &[WrittenCheck], columns: &[String]) -> Vec<Check> {
    written
        .iter()
        .enumerate()
        .map(|(position, check)| Check {
            comment: None,
            name: check
                .name
                .clone()
                .unwrap_or_else(|| constraint_names::check(table, position + 1)),
            definition: format!(
                "CHECK ({})",
                unquote_plain_identifiers(
                    &check.expression,
                    &Scope::Columns {
                        columns,
                        names_before_parenthesis: false,
                    }
                )
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::checks;
    use crate::table_clauses::table_clauses;
    use retort_core::introspect::IntrospectFilter;

    #[test]
    fn finds_checks_in_table_sql() {
        let checks = checks(
            "t",
            &table_clauses("t", "CREATE TABLE t (n INTEGER CHECK (n > 0), s TEXT DEFAULT 'CHECK (x)', CONSTRAINT s_len CHECK (length(s) < (10)))").checks,
            &["n".to_owned(), "s".to_owned()],
        );
        let found: Vec<(&str, &str)> = checks
            .iter()
            .map(|c| (c.name.as_str(), c.definition.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("t_check_1", "CHECK (n > 0)"),
                ("s_len", "CHECK (length(s) < (10))")
            ]
        );
    }

    /// Regression: `CONSTRAINT "a b" CHECK (x > 0)`, and a quoted name on a primary key, a
    /// unique or a foreign key, came back unnamed after a rebuild: introspection read no name
    /// but a bare one on a check, and rendering wrote none on a key. Each is read, written back
    /// (quoted where it must be) and read again as declared.
    #[test]
    fn quoted_constraint_names_survive_a_rebuild() {
        use retort_core::diff::operation::Operation;

        let declared = "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
             CREATE TABLE t (id INTEGER, x INTEGER CONSTRAINT [x-check] CHECK (x > 0), pid INTEGER CONSTRAINT `to p` REFERENCES p (id), code TEXT, \
             CONSTRAINT 't key' PRIMARY KEY (id), CONSTRAINT \"a b\" CHECK (x < 10), CONSTRAINT \"weird-name\" UNIQUE (pid, code), \
             CONSTRAINT \"fk \"\"q\"\"\" FOREIGN KEY (code) REFERENCES p (code), CHECK (x <> 5), CONSTRAINT plain CHECK (x <> 6));";
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection.execute_batch(declared).unwrap();
        let schema = super::introspect(&connection, &IntrospectFilter::default()).unwrap();
        let table = &schema.tables[&super::name("t")];
        assert_eq!(table.primary_key.as_ref().unwrap().name, "t key");
        let names =
            |names: Vec<&str>| -> Vec<String> { names.into_iter().map(str::to_owned).collect() };
        assert_eq!(
            table
                .uniques
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>(),
            ["weird-name"]
        );
        let mut keys: Vec<String> = table.foreign_keys.iter().map(|k| k.name.clone()).collect();
        keys.sort();
        assert_eq!(keys, names(vec!["fk \"q\"", "to p"]));
        assert_eq!(
            table
                .checks
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["x-check", "a b", "t_check_3", "plain"]
        );
        // Unnamed ones keep their made-up names, and are written without `CONSTRAINT`.
        let parent = &schema.tables[&super::name("p")];
        assert_eq!(parent.primary_key.as_ref().unwrap().name, "p_pkey");
        assert_eq!(parent.uniques[0].name, "p_code_key");
        let rebuilt = crate::render::render(&Operation::RebuildTable {
            from: table.clone(),
            to: table.clone(),
        })
        .unwrap();
        let created = &rebuilt[0];
        for written in [
            "CONSTRAINT \"t key\" PRIMARY KEY",
            "CONSTRAINT \"weird-name\" UNIQUE",
            "CONSTRAINT \"x-check\" CHECK",
            "CONSTRAINT \"a b\" CHECK",
            "CONSTRAINT plain CHECK",
            "CONSTRAINT \"to p\" FOREIGN KEY",
            "CONSTRAINT \"fk \"\"q\"\"\" FOREIGN KEY",
            "    CHECK (x <> 5)",
        ] {
            assert!(created.contains(written), "{written} in {created}");
        }
        connection
            .execute_batch("PRAGMA foreign_keys = OFF")
            .unwrap();
        for statement in &rebuilt {
            connection.execute_batch(statement).unwrap();
        }
        let again = super::introspect(&connection, &IntrospectFilter::default()).unwrap();
        assert_eq!(again.tables[&super::name("t")], *table);
        let parent_created = &crate::render::render(&Operation::CreateTable {
            table: parent.clone(),
        })
        .unwrap()[0];
        assert!(!parent_created.contains("CONSTRAINT"), "{parent_created}");
    }

    /// Regression: a view's `"lit"` and a trigger's `"go"`, strings to SQLite because no column
    /// of that name is in scope, were read back unquoted, and the revision that recreated them
    /// made column references of them ("no such column: lit"). They stay strings: a view's and
    /// a generated column's proven so, written single-quoted; a trigger's kept as written. A
    /// view and a trigger SQLite compiles with double-quoted strings refused lose needless quotes.
    #[test]
    fn double_quoted_strings_in_views_and_triggers_stay_strings() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, g TEXT AS (a || \"x\") STORED);\n\
                 CREATE TABLE u (id INTEGER PRIMARY KEY, b TEXT);\n\
                 CREATE VIEW v AS SELECT id, \"lit\" AS x FROM t WHERE a <> \"zz\";\n\
                 CREATE VIEW w AS SELECT \"id\", \"b\" FROM \"u\";\n\
                 CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 'set' WHERE id = NEW.id AND a = \"go\"; END;\n\
                 CREATE TRIGGER tu AFTER UPDATE OF b ON u BEGIN UPDATE \"u\" SET \"b\" = 'x' WHERE id = NEW.\"id\"; END;",
            )
            .unwrap();
        let schema = super::introspect(&connection, &IntrospectFilter::default()).unwrap();
        let view = |name: &str| schema.views[&super::name(name)].definition.clone();
        assert_eq!(
            view("v"),
            "CREATE VIEW v AS SELECT id, 'lit' AS x FROM t WHERE a <> 'zz'"
        );
        assert_eq!(view("w"), "CREATE VIEW w AS SELECT id, b FROM u");
        let trigger = |table: &str| {
            schema.tables[&super::name(table)].triggers[0]
                .definition
                .clone()
        };
        assert_eq!(
            trigger("t"),
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 'set' WHERE id = NEW.id AND a = \"go\"; END"
        );
        assert_eq!(
            trigger("u"),
            "CREATE TRIGGER tu AFTER UPDATE OF b ON u BEGIN UPDATE u SET b = 'x' WHERE id = NEW.id; END"
        );
        let generated = schema.tables[&super::name("t")].columns[2]
            .generated
            .clone();
        assert_eq!(generated.as_deref(), Some("a || 'x'"));
        // The connection is left as it was: double-quoted strings still read.
        connection
            .execute_batch("INSERT INTO t (id, a) VALUES (1, 'go')")
            .unwrap();
    }
}
