//! Extensions: created before everything that may use their types, operator classes and
//! functions, and dropped after all of it. What an extension owns is never diffed (the
//! introspection leaves it out): the extension is the unit.

use super::operation::Operation;
use crate::schema::Schema;

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
    let last = from
        .extensions
        .iter()
        .filter(|(name, _)| !to.extensions.contains_key(*name))
        .map(|(_, extension)| Operation::DropExtension {
            extension: extension.clone(),
        })
        .collect();
    (first, last)
}
