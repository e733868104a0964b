//! PostgreSQL's `NOT VALID`: a check or foreign key added without checking the rows already
//! there (`ALTER TABLE … ADD CONSTRAINT … NOT VALID`), new and changed rows being checked from
//! then on. It is how a constraint goes onto a large table without a long lock: added `NOT
//! VALID` in one revision, validated (`VALIDATE CONSTRAINT`) in the next. So a constraint that
//! differs from the declared one only by it is validated in place, never dropped and added
//! again; and a check declared `NOT VALID` on a new table is added after the table, since
//! `CREATE TABLE` takes the words but marks it valid (and `check` would then differ).

use super::operation::{Operation, TableConstraint};
use crate::schema::Table;

/// `old` with its checks and foreign keys that differ from `new`'s only by `NOT VALID` made
/// like `new`'s, and the operations that make them so.
pub fn align_validity(old: &Table, new: &Table) -> (Table, Vec<Operation>) {
    let mut aligned = old.clone();
    let mut operations = Vec::new();
    let mut set = |from: TableConstraint, to: TableConstraint| {
        operations.push(Operation::SetConstraintValidity {
            table: new.name.clone(),
            from,
            to,
        });
    };
    for check in &mut aligned.checks {
        let wanted = new.checks.iter().find(|n| n.name == check.name);
        if let Some(wanted) =
            wanted.filter(|w| *w != check && check.with_validity(w.not_valid()) == **w)
        {
            set(
                TableConstraint::Check(check.clone()),
                TableConstraint::Check(wanted.clone()),
            );
            check.clone_from(wanted);
        }
    }
    for foreign_key in &mut aligned.foreign_keys {
        let wanted = new.foreign_keys.iter().find(|n| n.name == foreign_key.name);
        let differs_only_by_validity = |wanted: &&crate::schema::ForeignKey| {
            wanted.not_valid != foreign_key.not_valid
                && crate::schema::ForeignKey {
                    not_valid: wanted.not_valid,
                    ..foreign_key.clone()
                } == **wanted
        };
        if let Some(wanted) = wanted.filter(differs_only_by_validity) {
            set(
                TableConstraint::ForeignKey(foreign_key.clone()),
                TableConstraint::ForeignKey(wanted.clone()),
            );
            foreign_key.clone_from(wanted);
        }
    }
    (aligned, operations)
}

/// A new table's checks declared `NOT VALID`, taken out of it: they are added after it is
/// created (`CREATE TABLE` would check them).
pub fn unchecked_checks(table: &mut Table) -> Vec<Operation> {
    let (unchecked, checked) = std::mem::take(&mut table.checks)
        .into_iter()
        .partition(crate::schema::Check::not_valid);
    table.checks = checked;
    unchecked
        .into_iter()
        .map(|check| Operation::AddCheck {
            table: table.name.clone(),
            check,
        })
        .collect()
}
