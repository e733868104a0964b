//! Names a database compares without case (SQLite's tables and columns: `Users` and `users`
//! are one table). The diff compares names exactly, so a declared name spelled in another case
//! than the live one would read as a table dropped and another created, its rows lost. Before
//! the diff, such declared names take the live spelling: the same object, unchanged.

use super::identifier::folded_names;
use super::rename::{rename_column, rename_table};
use crate::schema::{QualifiedName, Schema, Table};

/// Give `target`'s tables and columns that match one of `current`'s but for case the name
/// `current` spells, with the foreign keys that reference them.
pub fn align_to(current: &Schema, target: &mut Schema) {
    // The renames the annotated ones use (`-- retort:renamed-from`), on the declared side:
    // the table or column, its keys, definitions and the foreign keys that reference it.
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
            rename_table(target, &name, &live, true);
        }
    }
    let tables: Vec<QualifiedName> = target.tables.keys().cloned().collect();
    for name in tables {
        let Some(live) = current.tables.get(&name) else {
            continue;
        };
        let columns = column_spellings(live, &target.tables[&name]);
        for (declared, spelled) in columns {
            rename_column(target, &name, &declared, &spelled, true);
        }
        if let Some(declared) = target.tables.get_mut(&name) {
            align_constraint_names(live, declared);
            align_definitions(live, declared);
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

/// An index or trigger names its table and columns: after the renames above, in the live
/// spelling but quoted as a rename writes it (`"Users"`), where the live text reads them as
/// the database keeps it. A declared definition equal to the live one of its name but for the
/// case and quotes of those names takes the live text. (Any other difference, a string's case
/// or a double-quoted string SQLite reads as one, still counts.)
fn align_definitions(live: &Table, declared: &mut Table) {
    let names: Vec<String> = std::iter::once(&live.name.name)
        .chain(live.columns.iter().map(|c| &c.name))
        .map(|name| name.to_lowercase())
        .collect();
    let same = |a: &str, b: &str| a != b && folded_names(a, &names) == folded_names(b, &names);
    for index in &mut declared.indexes {
        if let Some(live) = live.indexes.iter().find(|l| l.name == index.name) {
            if same(&index.definition, &live.definition) {
                index.definition.clone_from(&live.definition);
            }
        }
    }
    for trigger in &mut declared.triggers {
        if let Some(live) = live.triggers.iter().find(|l| l.name == trigger.name) {
            if same(&trigger.definition, &live.definition) {
                trigger.definition.clone_from(&live.definition);
            }
        }
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
                identity_options: crate::schema::IdentityOptions::default(),
                collation: None,
                comment: None,
            })
            .collect();
        made.primary_key = Some(Constraint::new(String::new(), vec![columns[0].to_owned()]));
        made
    }

    #[test]
    fn an_index_and_a_trigger_spelled_in_another_case_are_the_live_ones() {
        let index = |definition: &str| crate::schema::Index {
            name: "ix_name".to_owned(),
            unique: false,
            definition: definition.to_owned(),
            comment: None,
        };
        let trigger = |definition: &str| crate::schema::Trigger {
            name: "tr".to_owned(),
            definition: definition.to_owned(),
            comment: None,
        };
        let mut current = Schema::default();
        let mut live = table("Users", &["Id", "Name"]);
        live.indexes = vec![index(
            "CREATE INDEX ix_name ON Users(Name) WHERE Name <> 'X'",
        )];
        live.triggers = vec![trigger(
            "CREATE TRIGGER tr AFTER DELETE ON Users BEGIN SELECT 1; END",
        )];
        current.tables.insert(name("Users"), live);
        let mut target = Schema::default();
        let mut declared = table("users", &["id", "name"]);
        declared.indexes = vec![index(
            "CREATE INDEX ix_name ON users(name) WHERE name <> 'X'",
        )];
        declared.triggers = vec![trigger(
            "CREATE TRIGGER tr AFTER DELETE ON users BEGIN SELECT 1; END",
        )];
        target.tables.insert(name("users"), declared);
        align_to(&current, &mut target);
        assert_eq!(
            target.tables[&name("Users")],
            current.tables[&name("Users")]
        );
        // A string's case is a change.
        let mut changed = table("users", &["id", "name"]);
        changed.indexes = vec![index(
            "CREATE INDEX ix_name ON users(name) WHERE name <> 'x'",
        )];
        let mut target = Schema::default();
        target.tables.insert(name("users"), changed);
        align_to(&current, &mut target);
        assert!(target.tables[&name("Users")].indexes[0]
            .definition
            .ends_with("'x'"));
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
