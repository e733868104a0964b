//! An index replaced by one on the same columns under another name is dropped after the new
//! one is created.
//!
//! InnoDB refuses to drop the index a foreign key uses ("Cannot drop index …: needed in a
//! foreign key constraint", 1553) unless another index can serve it. The index InnoDB made for
//! a foreign key is named after the key's first column (unnamed key) or the key (named one), so
//! naming or renaming the key declares that same index under a new name: the diff drops the
//! old one and creates the new one, and the drop alone was refused. Created first, the new
//! index takes the foreign key over and the old one drops.

use retort_core::diff::operation::Operation;

/// `operations` with each `DropIndex` that a later `CreateIndex` of the same table replaces
/// (same uniqueness, same columns, another name) moved to just after that creation.
pub fn drop_after_replacement(mut operations: Vec<Operation>) -> Vec<Operation> {
    let mut position = 0;
    while position < operations.len() {
        let Operation::DropIndex { table, index } = &operations[position] else {
            position += 1;
            continue;
        };
        // What follows `ON`: the table, the columns and any clause, without the index's name.
        let shape = |definition: &str| {
            definition
                .split_once(" ON ")
                .map(|(_, rest)| rest.to_owned())
        };
        let replacement = operations
            .iter()
            .enumerate()
            .skip(position + 1)
            .find(|(_, operation)| {
                matches!(operation, Operation::CreateIndex { table: created_on, index: created }
                    if created_on == table
                        && created.name != index.name
                        && created.unique == index.unique
                        && shape(&created.definition).is_some()
                        && shape(&created.definition) == shape(&index.definition))
            })
            .map(|(found, _)| found);
        match replacement {
            Some(found) => {
                let drop = operations.remove(position);
                // `found` moved up by one with the removal: insert just after it.
                operations.insert(found, drop);
            }
            None => position += 1,
        }
    }
    operations
}
