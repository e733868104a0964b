//! Names a database compares without case (SQLite's tables and columns: `Users` and `users`
//! are one table). The diff compares names exactly, so a declared name spelled in another case
//! than the live one would read as a table dropped and another created, its rows lost. Before
//! the diff, such declared names take the live spelling: the same object, unchanged.

use crate::schema::{QualifiedName, Schema, Table};

/// Give `target`'s tables and columns that match one of `current`'s but for case the name
/// `current` spells, with the foreign keys that reference them.
pub fn align_to(current: &Schema, target: &mut Schema) {
    let mut renamed: Vec<(QualifiedName, QualifiedName)> = Vec::new();
    let declared: Vec<QualifiedName> = target.tables.keys().cloned().collect();
    for name in declared {
        if current.tables.contains_key(&name) {
            continue;
        }
        let live = current
            .tables
            .keys()
            .find(|live| same_name(live, &name) && !target.tables.contains_key(*live));
        if let Some(live) = live.cloned() {
            if let Some(mut table) = target.tables.remove(&name) {
                table.name = live.clone();
                target.tables.insert(live.clone(), table);
                renamed.push((name, live));
            }
        }
    }
    for (declared, live) in renamed {
        for table in target.tables.values_mut() {
            for key in &mut table.foreign_keys {
                if key.referenced_table == declared {
                    key.referenced_table = live.clone();
                }
            }
        }
    }
    // Then the columns, with the foreign keys that now name their tables as the database does.
    let tables: Vec<QualifiedName> = target.tables.keys().cloned().collect();
    for name in tables {
        let Some(live) = current.tables.get(&name) else {
            continue;
        };
        let columns = column_spellings(live, &target.tables[&name]);
        for (declared, spelled) in columns {
            rename_column(target, &name, &declared, &spelled);
        }
        if let Some(declared) = target.tables.get_mut(&name) {
            align_constraint_names(live, declared);
        }
    }
}

/// Constraint and index names are the database's too (SQLite names a key after its table,
/// `Users_pkey`): a declared one matching a live one but for case takes its spelling.
fn align_constraint_names(live: &Table, declared: &mut Table) {
    let spell = |name: &mut String, live_names: &[&str]| {
        if !live_names.contains(&name.as_str()) {
            if let Some(live) = live_names.iter().find(|l| l.eq_ignore_ascii_case(name)) {
                (*live).clone_into(name);
            }
        }
    };
    if let (Some(key), Some(live_key)) = (&mut declared.primary_key, &live.primary_key) {
        spell(&mut key.name, &[live_key.name.as_str()]);
    }
    let uniques: Vec<&str> = live.uniques.iter().map(|u| u.name.as_str()).collect();
    for unique in &mut declared.uniques {
        spell(&mut unique.name, &uniques);
    }
    let checks: Vec<&str> = live.checks.iter().map(|c| c.name.as_str()).collect();
    for check in &mut declared.checks {
        spell(&mut check.name, &checks);
    }
    let keys: Vec<&str> = live.foreign_keys.iter().map(|k| k.name.as_str()).collect();
    for key in &mut declared.foreign_keys {
        spell(&mut key.name, &keys);
    }
}

fn same_name(a: &QualifiedName, b: &QualifiedName) -> bool {
    a.schema.eq_ignore_ascii_case(&b.schema) && a.name.eq_ignore_ascii_case(&b.name)
}

/// (declared, live) spellings of the columns of `declared` that `live` spells in another case.
fn column_spellings(live: &Table, declared: &Table) -> Vec<(String, String)> {
    declared
        .columns
        .iter()
        .filter(|column| live.column(&column.name).is_none())
        .filter_map(|column| {
            live.columns
                .iter()
                .find(|other| {
                    other.name.eq_ignore_ascii_case(&column.name)
                        && declared.column(&other.name).is_none()
                })
                .map(|other| (column.name.clone(), other.name.clone()))
        })
        .collect()
}

/// Rename column `from` of `table` to `to` in `schema`: the column, its keys, and the foreign
/// keys that reference it.
fn rename_column(schema: &mut Schema, table: &QualifiedName, from: &str, to: &str) {
    let rename = |names: &mut Vec<String>| {
        for name in names.iter_mut() {
            if name == from {
                to.clone_into(name);
            }
        }
    };
    if let Some(declared) = schema.tables.get_mut(table) {
        for column in &mut declared.columns {
            if column.name == from {
                to.clone_into(&mut column.name);
            }
        }
        if let Some(key) = &mut declared.primary_key {
            rename(&mut key.columns);
        }
        for unique in &mut declared.uniques {
            rename(&mut unique.columns);
        }
        for key in &mut declared.foreign_keys {
            rename(&mut key.columns);
        }
    }
    for other in schema.tables.values_mut() {
        for key in &mut other.foreign_keys {
            if &key.referenced_table == table {
                rename(&mut key.referenced_columns);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Constraint};

    fn name(text: &str) -> QualifiedName {
        QualifiedName {
            schema: String::new(),
            name: text.to_owned(),
        }
    }

    fn table(table: &str, columns: &[&str]) -> Table {
        let mut made = Table::new(name(table));
        made.columns = columns
            .iter()
            .map(|column| Column {
                name: (*column).to_owned(),
                data_type: "TEXT".to_owned(),
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                virtual_generated: false,
                collation: None,
                comment: None,
            })
            .collect();
        made.primary_key = Some(Constraint {
            name: String::new(),
            columns: vec![columns[0].to_owned()],
        });
        made
    }

    #[test]
    fn a_name_spelled_in_another_case_is_the_live_one() {
        let mut current = Schema::default();
        current
            .tables
            .insert(name("Users"), table("Users", &["Id", "Name"]));
        let mut target = Schema::default();
        target
            .tables
            .insert(name("users"), table("users", &["id", "name", "email"]));
        align_to(&current, &mut target);
        let aligned = &target.tables[&name("Users")];
        let names: Vec<&str> = aligned.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Id", "Name", "email"]);
        assert_eq!(aligned.primary_key.as_ref().unwrap().columns, ["Id"]);
        assert!(!target.tables.contains_key(&name("users")));
    }
}
