//! Views: created after everything else changed and dropped before, in the order of what they
//! read. A view holds no data, so one that reads a table or view the diff touches is dropped
//! and created again around the change (a column it reads may be renamed, retyped or gone, and
//! the database would refuse the change or the view), even when its own text is unchanged.

use std::collections::BTreeSet;

use super::identifier::mentions_identifier;
use super::operation::Operation;
use crate::schema::{Schema, View};

/// The view operations around `operations` (which take `from` to `to`): drops to run first, and
/// creations to run last.
pub fn diff_views(
    from: &Schema,
    to: &Schema,
    operations: &[Operation],
) -> (Vec<Operation>, Vec<Operation>) {
    let touched: BTreeSet<&str> = operations.iter().flat_map(tables_touched).collect();
    let reads_touched = |view: &View| {
        touched
            .iter()
            .any(|t| mentions_identifier(&view.definition, t))
    };
    // Old views to drop: gone, changed, or reading what changes; and, transitively, the views
    // that read those.
    let mut dropped: BTreeSet<&str> = from
        .views
        .values()
        .filter(|old| to.views.get(&old.name) != Some(*old) || reads_touched(old))
        .map(|view| view.name.name.as_str())
        .collect();
    close_over_readers(&from.views.values().collect::<Vec<_>>(), &mut dropped);
    let drops: Vec<&View> = from
        .views
        .values()
        .filter(|view| dropped.contains(view.name.name.as_str()))
        .collect();
    // New views to create: new, changed, or dropped above and still declared.
    let creates: Vec<&View> = to
        .views
        .values()
        .filter(|new| {
            from.views.get(&new.name) != Some(*new) || dropped.contains(new.name.name.as_str())
        })
        .collect();
    let mut first: Vec<Operation> = in_dependency_order(&drops)
        .into_iter()
        .map(|view| Operation::DropView { view: view.clone() })
        .collect();
    first.reverse();
    let last = in_dependency_order(&creates)
        .into_iter()
        .map(|view| Operation::CreateView { view: view.clone() })
        .collect();
    (first, last)
}

/// Add to `names` every view that reads one of them.
fn close_over_readers<'a>(views: &[&'a View], names: &mut BTreeSet<&'a str>) {
    loop {
        let before = names.len();
        for view in views {
            let name = view.name.name.as_str();
            if !names.contains(name)
                && names
                    .iter()
                    .any(|n| mentions_identifier(&view.definition, n))
            {
                names.insert(name);
            }
        }
        if names.len() == before {
            return;
        }
    }
}

/// `views` ordered so that each comes after the views among them it reads (a cycle, which no
/// database accepts, keeps the name order).
fn in_dependency_order<'a>(views: &[&'a View]) -> Vec<&'a View> {
    let mut ordered: Vec<&View> = Vec::with_capacity(views.len());
    let mut remaining: Vec<&View> = views.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|view| {
            remaining.iter().all(|other| {
                other.name == view.name || !mentions_identifier(&view.definition, &other.name.name)
            })
        });
        ordered.push(remaining.remove(ready.unwrap_or(0)));
    }
    ordered
}

/// The tables (and views) an operation changes, by name.
fn tables_touched(operation: &Operation) -> Vec<&str> {
    match operation {
        Operation::CreateTable { table } | Operation::DropTable { table } => {
            vec![table.name.name.as_str()]
        }
        Operation::RebuildTable { from, to } => {
            vec![from.name.name.as_str(), to.name.name.as_str()]
        }
        Operation::AddColumn { table, .. }
        | Operation::DropColumn { table, .. }
        | Operation::AlterColumn { table, .. }
        | Operation::SetTableComment { table, .. }
        | Operation::AddPrimaryKey { table, .. }
        | Operation::DropPrimaryKey { table, .. }
        | Operation::AddUnique { table, .. }
        | Operation::DropUnique { table, .. }
        | Operation::AddCheck { table, .. }
        | Operation::DropCheck { table, .. }
        | Operation::AddForeignKey { table, .. }
        | Operation::DropForeignKey { table, .. }
        | Operation::CreateIndex { table, .. }
        | Operation::DropIndex { table, .. }
        | Operation::RenameColumn { table, .. }
        | Operation::RenameConstraint { table, .. }
        | Operation::RenameIndex { table, .. }
        | Operation::CreateTrigger { table, .. }
        | Operation::DropTrigger { table, .. } => vec![table.name.as_str()],
        Operation::RenameTable { from, to, .. } => vec![from.name.as_str(), to.name.as_str()],
        Operation::CreateEnum { name, .. }
        | Operation::DropEnum { name, .. }
        | Operation::AddEnumValue { name, .. }
        | Operation::RebuildEnum { name, .. }
        | Operation::CreateSequence { name, .. }
        | Operation::DropSequence { name, .. }
        | Operation::AlterSequence { name, .. } => vec![name.name.as_str()],
        Operation::CreateView { view } | Operation::DropView { view } => {
            vec![view.name.name.as_str()]
        }
        Operation::CreateFunction { function } | Operation::DropFunction { function } => {
            vec![function.key.name.name.as_str()]
        }
        Operation::CreateSchema { .. }
        | Operation::ReplaceFunction { .. }
        | Operation::SetRowSecurity { .. }
        | Operation::CreatePolicy { .. }
        | Operation::DropPolicy { .. }
        | Operation::AlterPolicy { .. }
        | Operation::DropSchema { .. }
        | Operation::CreateExtension { .. }
        | Operation::DropExtension { .. }
        | Operation::AlterExtension { .. }
        | Operation::GrantPrivilege { .. }
        | Operation::RevokePrivilege { .. }
        | Operation::SetGrantOption { .. } => Vec::new(),
    }
}
