//! Extensions: created before everything that may use their types, operator classes and
//! functions, and dropped after all of it. What an extension owns is never diffed (the
//! introspection leaves it out): the extension is the unit.

use super::operation::Operation;
use crate::schema::{Extension, Schema};

/// The extension operations: creations and alterations to run first, drops to run last.
pub fn diff_extensions(from: &Schema, to: &Schema) -> (Vec<Operation>, Vec<Operation>) {
    let mut first = Vec::new();
    for (name, extension) in &to.extensions {
        match from.extensions.get(name) {
            None => first.push(Operation::CreateExtension {
                extension: extension.clone(),
            }),
            Some(old) if old != extension => first.push(Operation::AlterExtension {
                from: old.clone(),
                to: extension.clone(),
            }),
            Some(_) => {}
        }
    }
    let created: Vec<&Extension> = first
        .iter()
        .filter_map(|operation| match operation {
            Operation::CreateExtension { extension } => Some(extension),
            _ => None,
        })
        .collect();
    let mut first_ordered: Vec<Operation> = in_dependency_order(&created)
        .into_iter()
        .map(|extension| Operation::CreateExtension {
            extension: extension.clone(),
        })
        .collect();
    first_ordered.extend(
        first
            .into_iter()
            .filter(|operation| matches!(operation, Operation::AlterExtension { .. })),
    );
    let dropped: Vec<&Extension> = from
        .extensions
        .values()
        .filter(|extension| !to.extensions.contains_key(&extension.name))
        .collect();
    let last = in_dependency_order(&dropped)
        .into_iter()
        .rev()
        .map(|extension| Operation::DropExtension {
            extension: extension.clone(),
        })
        .collect();
    (first_ordered, last)
}

/// `from` with the column types of an extension that moves to another schema spelled as in
/// `to`: `ALTER EXTENSION … SET SCHEMA` moves its types with it, so a column the server printed
/// `citext` (visible from `public`) and the declared schema calls `ext.citext` holds the same
/// type, and retyping it (through a cast to a type the move has not made yet) would be wrong.
/// Only where the declared type, in the new schema, is no type the schema itself declares.
pub fn with_moved_extension_types(from: &Schema, to: &Schema) -> Option<Schema> {
    let moves: Vec<(&str, &str)> = to
        .extensions
        .values()
        .filter_map(|new| {
            let old = from.extensions.get(&new.name)?;
            (old.schema != new.schema).then_some((old.schema.as_str(), new.schema.as_str()))
        })
        .collect();
    if moves.is_empty() {
        return None;
    }
    let declared_type = |name: &str| {
        to.enums.keys().any(|n| n.to_string() == name)
            || to.domains.keys().any(|n| n.to_string() == name)
            || to.composite_types.keys().any(|n| n.to_string() == name)
    };
    // `citext` (its schema on the search path) or `public.citext`, arrays too.
    let same_type_moved = |live: &str, declared: &str| {
        let (element, wanted) = (live.trim_end_matches("[]"), declared.trim_end_matches("[]"));
        live.len() - element.len() == declared.len() - wanted.len()
            && !declared_type(wanted)
            && moves.iter().any(|(old_schema, new_schema)| {
                wanted
                    .strip_prefix(&format!("{new_schema}."))
                    .is_some_and(|bare| {
                        element == bare || element == format!("{old_schema}.{bare}")
                    })
            })
    };
    let mut aligned = from.clone();
    for (name, table) in &mut aligned.tables {
        let Some(declared) = to.tables.get(name) else {
            continue;
        };
        for column in &mut table.columns {
            if let Some(new) = declared.column(&column.name) {
                if same_type_moved(&column.data_type, &new.data_type) {
                    column.data_type.clone_from(&new.data_type);
                }
            }
        }
    }
    Some(aligned)
}

/// `extensions` ordered so that each comes after those among them it requires (name order
/// otherwise; a cycle, which the server does not allow, keeps it).
fn in_dependency_order<'a>(extensions: &[&'a Extension]) -> Vec<&'a Extension> {
    let mut ordered: Vec<&Extension> = Vec::with_capacity(extensions.len());
    let mut remaining: Vec<&Extension> = extensions.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|extension| {
            extension
                .requires
                .iter()
                .all(|required| !remaining.iter().any(|other| &other.name == required))
        });
        ordered.push(remaining.remove(ready.unwrap_or(0)));
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extension(name: &str, requires: &[&str]) -> Extension {
        Extension {
            name: name.to_owned(),
            schema: "public".to_owned(),
            version: "1".to_owned(),
            requires: requires.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    fn names(operations: &[Operation]) -> Vec<String> {
        operations.iter().map(Operation::summary).collect()
    }

    #[test]
    fn required_extensions_are_created_first_and_dropped_last() {
        let mut with = Schema::default();
        for extension in [
            extension("a_uses_z", &["z_base"]),
            extension("z_base", &[]),
            extension("m_alone", &[]),
        ] {
            with.extensions.insert(extension.name.clone(), extension);
        }
        let (first, last) = diff_extensions(&Schema::default(), &with);
        assert_eq!(
            names(&first),
            [
                "create extension m_alone (schema public, version 1)",
                "create extension z_base (schema public, version 1)",
                "create extension a_uses_z (schema public, version 1)"
            ]
        );
        assert!(last.is_empty());
        let (first, last) = diff_extensions(&with, &Schema::default());
        assert!(first.is_empty());
        assert_eq!(
            names(&last),
            [
                "drop extension a_uses_z",
                "drop extension z_base",
                "drop extension m_alone"
            ]
        );
    }
}
