//! Privileges (`[autogenerate] compare_grants`). A grant has no dependents, so the plan
//! revokes first, while every object still has the name it has in `from`, and grants last,
//! once every object exists under its name in `to`. The reversed plan keeps that shape.
//!
//! An object the plan drops loses its grants with it, and one it creates starts with its
//! kind's default ACL: the operations take a dropped object's grants to the default ACL and a
//! created object's from the default ACL, and [`without_moot_grants`] removes, in each
//! direction, those on an object dropped afterwards. Written out in full before that pruning, a
//! plan's reverse restores a re-created object's grants exactly (`DROP FUNCTION`,
//! `CREATE FUNCTION`, then its grants again).

use std::collections::{BTreeMap, BTreeSet};

use super::operation::{replaced_in_place, Operation};
use crate::schema::{Column, Grant, GrantObject, QualifiedName, Schema, Table};

/// The grant operations that take `from` to `to` around `operations` (the rest of the plan,
/// renames included): what goes before it, and what goes after it.
pub fn diff_grants(
    from: &Schema,
    to: &Schema,
    operations: &[Operation],
) -> (Vec<Operation>, Vec<Operation>) {
    let old = by_object(from);
    let new = by_object(to);
    let mut first = Vec::new();
    let mut last = Vec::new();
    let mut settled = BTreeSet::new();
    for (object, grants) in &old {
        let renamed = renamed(object, operations);
        if operations
            .iter()
            .any(|op| drops(op, object) || drops(op, &renamed))
        {
            // Dropped (maybe to be created again): what the drop takes away.
            let defaults = object.default_grants().into_iter().collect();
            first.extend(transition(grants, &defaults));
            continue;
        }
        settled.insert(renamed.clone());
        let wanted = new.get(&renamed).cloned().unwrap_or_default();
        let have = grants
            .iter()
            .map(|(grant, option)| (on(grant, &renamed), *option))
            .collect();
        for operation in transition(&have, &wanted) {
            match operation {
                // Revoked under the name it has before the plan.
                Operation::RevokePrivilege { .. } => first.push(with_object(operation, object)),
                other => last.push(other),
            }
        }
    }
    for (object, grants) in &new {
        if settled.contains(object) {
            continue;
        }
        let before = if operations.iter().any(|op| creates(op, object)) {
            object.default_grants().into_iter().collect()
        } else {
            BTreeMap::new()
        };
        last.extend(transition(&before, grants));
    }
    (first, last)
}

/// Privileges not compared (`compare_grants` off), the live privileges of each object that
/// `operations` drop and create again — a view whose columns change or that reads a changed
/// table, a materialized view whose query changes, a function whose result type changes —
/// given back after it is created: otherwise the
/// drop takes them, silently (a role that could read the view no longer can, and a function
/// whose `EXECUTE` was revoked from `PUBLIC` has it again). Written out in full, as
/// [`diff_grants`] does: taken to the default before the drop (moot, and pruned by
/// [`without_moot_grants`]) so that the plan's reverse gives them back as well.
pub fn kept_through_recreation(live: &Schema, operations: Vec<Operation>) -> Vec<Operation> {
    // A view replaced in place keeps its privileges; its reverse, a drop and a create where
    // columns go away, gives them back itself.
    let operations: Vec<Operation> = operations
        .into_iter()
        .map(|operation| match operation {
            Operation::ReplaceView { from, to, .. } => Operation::ReplaceView {
                privileges: privileges_on(live, &from.name),
                from,
                to,
            },
            other => other,
        })
        .collect();
    let mut before: BTreeMap<usize, Vec<Operation>> = BTreeMap::new();
    let mut after: BTreeMap<usize, Vec<Operation>> = BTreeMap::new();
    for (object, grants) in by_object(live) {
        let Some(dropped) = operations.iter().position(|op| drops(op, &object)) else {
            continue;
        };
        let Some(created) = operations[dropped..]
            .iter()
            .position(|op| creates(op, &object))
            .map(|at| dropped + at)
        else {
            continue;
        };
        let defaults = object.default_grants().into_iter().collect();
        before
            .entry(dropped)
            .or_default()
            .extend(transition(&grants, &defaults));
        after
            .entry(created)
            .or_default()
            .extend(transition(&defaults, &grants));
    }
    let mut kept = Vec::with_capacity(operations.len());
    for (index, operation) in operations.into_iter().enumerate() {
        kept.extend(before.remove(&index).unwrap_or_default());
        kept.push(operation);
        kept.extend(after.remove(&index).unwrap_or_default());
    }
    kept
}

/// Whether `operations` drop a view, a materialized view or a routine, or their reverse does: the
/// objects whose live privileges [`kept_through_recreation`] gives back when they are created
/// again.
pub fn drops_a_grant_holder(operations: &[Operation]) -> bool {
    operations.iter().any(|operation| match operation {
        Operation::DropView { .. }
        | Operation::DropMaterializedView { .. }
        | Operation::DropFunction { .. } => true,
        // Its reverse drops the view and creates it again.
        Operation::ReplaceView { from, to, .. } => !replaced_in_place(to, from),
        _ => false,
    })
}

/// The privileges `schema` holds on the relation `name` and its columns.
pub fn privileges_on(schema: &Schema, name: &QualifiedName) -> Vec<(Grant, bool)> {
    schema
        .grants
        .iter()
        .filter(|(grant, _)| on_relation(name, &grant.object))
        .map(|(grant, with_grant_option)| (grant.clone(), *with_grant_option))
        .collect()
}

/// The operations, less those on an object that an operation after them drops: the drop
/// takes the object's privileges with it (no `REVOKE` before a `DROP`).
pub fn without_moot_grants(operations: Vec<Operation>) -> Vec<Operation> {
    let moot: Vec<bool> = operations
        .iter()
        .enumerate()
        .map(|(index, operation)| {
            grant_object(operation).is_some_and(|object| {
                operations[index + 1..]
                    .iter()
                    .any(|later| drops(later, object))
            })
        })
        .collect();
    operations
        .into_iter()
        .zip(moot)
        .filter_map(|(operation, moot)| (!moot).then_some(operation))
        .collect()
}

/// Every object with grants, or (a routine) a default ACL, and its grants.
fn by_object(schema: &Schema) -> BTreeMap<GrantObject, BTreeMap<Grant, bool>> {
    let mut objects: BTreeMap<GrantObject, BTreeMap<Grant, bool>> = schema
        .functions
        .keys()
        .map(|key| (GrantObject::Routine(key.clone()), BTreeMap::new()))
        .collect();
    for (grant, with_grant_option) in &schema.grants {
        objects
            .entry(grant.object.clone())
            .or_default()
            .insert(grant.clone(), *with_grant_option);
    }
    objects
}

/// The operations that take one object's grants from `have` to `want`.
fn transition(have: &BTreeMap<Grant, bool>, want: &BTreeMap<Grant, bool>) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (grant, with_grant_option) in have {
        if !want.contains_key(grant) {
            operations.push(Operation::RevokePrivilege {
                grant: grant.clone(),
                with_grant_option: *with_grant_option,
            });
        }
    }
    for (grant, with_grant_option) in want {
        match have.get(grant) {
            None => operations.push(Operation::GrantPrivilege {
                grant: grant.clone(),
                with_grant_option: *with_grant_option,
            }),
            Some(before) if before != with_grant_option => {
                operations.push(Operation::SetGrantOption {
                    grant: grant.clone(),
                    with_grant_option: *with_grant_option,
                });
            }
            Some(_) => {}
        }
    }
    operations
}

/// `grant` on `object` (the same object under another name).
fn on(grant: &Grant, object: &GrantObject) -> Grant {
    Grant {
        object: object.clone(),
        ..grant.clone()
    }
}

/// A revocation on `object` (its name before the plan's renames) instead.
fn with_object(operation: Operation, object: &GrantObject) -> Operation {
    match operation {
        Operation::RevokePrivilege {
            grant,
            with_grant_option,
        } => Operation::RevokePrivilege {
            grant: on(&grant, object),
            with_grant_option,
        },
        other => other,
    }
}

fn grant_object(operation: &Operation) -> Option<&GrantObject> {
    match operation {
        Operation::GrantPrivilege { grant, .. }
        | Operation::RevokePrivilege { grant, .. }
        | Operation::SetGrantOption { grant, .. } => Some(&grant.object),
        _ => None,
    }
}

/// `object` under the names the plan's table and column renames give it.
fn renamed(object: &GrantObject, operations: &[Operation]) -> GrantObject {
    let mut object = object.clone();
    for operation in operations {
        let rename_table = |table: &mut QualifiedName, from: &QualifiedName, to: &QualifiedName| {
            if table == from {
                table.clone_from(to);
            }
        };
        match (operation, &mut object) {
            (
                Operation::RenameTable { from, to, .. },
                GrantObject::Table(table)
                | GrantObject::Column { table, .. }
                | GrantObject::Sequence {
                    owned_by: Some((table, _)),
                    ..
                },
            ) => rename_table(table, from, to),
            (
                Operation::RenameColumn {
                    table: renamed_in,
                    from,
                    to,
                    ..
                },
                GrantObject::Column { table, column }
                | GrantObject::Sequence {
                    owned_by: Some((table, column)),
                    ..
                },
            ) if table == renamed_in && column == from => column.clone_from(to),
            _ => {}
        }
    }
    object
}

/// Whether `operation` drops `object` (a table's drop takes its columns and the sequences
/// they own).
fn drops(operation: &Operation, object: &GrantObject) -> bool {
    match operation {
        Operation::DropTable { table } => holds(table, object),
        Operation::DropColumn { table, column } => in_column(table, &column.name, object),
        Operation::AlterColumn { table, from, to } => {
            replaces_sequence(from, to) && owned_by(table, &to.name, object)
        }
        Operation::RebuildTable { from, .. } => holds(from, object),
        Operation::DropView { view } => on_relation(&view.name, object),
        Operation::ReplaceView { from, to, .. } if !replaced_in_place(from, to) => {
            on_relation(&from.name, object)
        }
        Operation::DropMaterializedView { view } => on_relation(&view.name, object),
        Operation::DropFunction { function } => {
            *object == GrantObject::Routine(function.key.clone())
        }
        Operation::DropSequence { name, .. } => {
            matches!(object, GrantObject::Sequence { name: sequence, owned_by: None } if sequence == name)
        }
        Operation::DropSchema { name } => *object == GrantObject::Schema(name.clone()),
        _ => false,
    }
}

/// Whether `operation` creates `object`.
fn creates(operation: &Operation, object: &GrantObject) -> bool {
    match operation {
        Operation::CreateTable { table } => holds(table, object),
        Operation::AddColumn { table, column, .. } => in_column(table, &column.name, object),
        Operation::AlterColumn { table, from, to } => {
            replaces_sequence(from, to) && owned_by(table, &to.name, object)
        }
        Operation::RebuildTable { to, .. } => holds(to, object),
        Operation::CreateView { view } => on_relation(&view.name, object),
        Operation::CreateMaterializedView { view } => on_relation(&view.name, object),
        Operation::CreateFunction { function } => {
            *object == GrantObject::Routine(function.key.clone())
        }
        Operation::CreateSequence { name, .. } => {
            matches!(object, GrantObject::Sequence { name: sequence, owned_by: None } if sequence == name)
        }
        Operation::CreateSchema { name } => *object == GrantObject::Schema(name.clone()),
        _ => false,
    }
}

/// Whether `object` is the relation (a view) `name` or one of its columns.
fn on_relation(name: &QualifiedName, object: &GrantObject) -> bool {
    matches!(object, GrantObject::Table(relation) | GrantObject::Column { table: relation, .. } if relation == name)
}

/// Whether `object` is the table, one of its columns, or a sequence one of them owns.
fn holds(table: &Table, object: &GrantObject) -> bool {
    match object {
        GrantObject::Table(name)
        | GrantObject::Column { table: name, .. }
        | GrantObject::Sequence {
            owned_by: Some((name, _)),
            ..
        } => *name == table.name,
        GrantObject::Schema(_)
        | GrantObject::Sequence { owned_by: None, .. }
        | GrantObject::Routine(_) => false,
    }
}

/// Whether `object` is the column `table.column` or the sequence it owns.
fn in_column(table: &QualifiedName, column: &str, object: &GrantObject) -> bool {
    matches!(object, GrantObject::Column { table: t, column: c } if t == table && c == column)
        || owned_by(table, column, object)
}

fn owned_by(table: &QualifiedName, column: &str, object: &GrantObject) -> bool {
    matches!(object, GrantObject::Sequence { owned_by: Some((t, c)), .. } if t == table && c == column)
}

/// Whether a column change replaces the sequence the column owns: it becomes or stops being
/// `serial` or an identity column.
fn replaces_sequence(from: &Column, to: &Column) -> bool {
    let serial = |column: &Column| column.data_type.ends_with("serial");
    serial(from) != serial(to) || from.identity.is_some() != to.identity.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Grantee;

    fn people() -> QualifiedName {
        QualifiedName {
            schema: "public".to_owned(),
            name: "people".to_owned(),
        }
    }

    fn update_of(column: &str) -> Grant {
        Grant {
            object: GrantObject::Column {
                table: people(),
                column: column.to_owned(),
            },
            grantee: Grantee::Role("writer".to_owned()),
            privilege: "UPDATE".to_owned(),
        }
    }

    #[test]
    fn a_renamed_column_keeps_its_grants() {
        let mut from = Schema::default();
        from.grants.insert(update_of("legacy"), false);
        let mut to = Schema::default();
        to.grants.insert(update_of("nickname"), false);
        let rename = Operation::RenameColumn {
            table: people(),
            from: "legacy".to_owned(),
            to: "nickname".to_owned(),
            confirmed: false,
        };
        let (first, last) = diff_grants(&from, &to, &[rename]);
        assert!(first.is_empty() && last.is_empty(), "{first:?} {last:?}");
    }
}
