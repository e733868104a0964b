//! Views and materialized views: created after everything else changed and dropped before, in
//! the order of what they read. A view holds no data (a materialized view's rows are computed
//! from its query), so one that reads a table or view the diff touches is dropped and created
//! again around the change (a column it reads may be renamed, retyped or gone, and the database
//! would refuse the change or the view), even when its own text is unchanged.

use std::collections::{BTreeMap, BTreeSet};

use super::definitions::definitions;
use super::grants::privileges_on;
use super::identifier::mentions_identifier;
use super::object_comments::CommentedObject;
use super::operation::{replaced_in_place, Operation};
use crate::schema::{Column, Index, MaterializedView, QualifiedName, Schema, View};

/// A view or a materialized view: what reads other relations and is dropped and created again
/// around their changes (a materialized view's rows are derived from its query, so dropping it
/// loses nothing that creating it does not compute again).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader<'a> {
    View(&'a View),
    Materialized(&'a MaterializedView),
}

impl<'a> Reader<'a> {
    fn name(self) -> &'a QualifiedName {
        match self {
            Self::View(view) => &view.name,
            Self::Materialized(view) => &view.name,
        }
    }

    fn definition(self) -> &'a str {
        match self {
            Self::View(view) => &view.definition,
            Self::Materialized(view) => &view.query,
        }
    }

    fn drop(self) -> Operation {
        match self {
            Self::View(view) => Operation::DropView { view: view.clone() },
            Self::Materialized(view) => Operation::DropMaterializedView { view: view.clone() },
        }
    }

    fn create(self) -> Operation {
        match self {
            Self::View(view) => Operation::CreateView { view: view.clone() },
            Self::Materialized(view) => Operation::CreateMaterializedView { view: view.clone() },
        }
    }
}

/// The views and materialized views of a schema, by name.
fn readers(schema: &Schema) -> BTreeMap<&QualifiedName, Reader<'_>> {
    schema
        .views
        .values()
        .map(Reader::View)
        .chain(schema.materialized_views.values().map(Reader::Materialized))
        .map(|reader| (reader.name(), reader))
        .collect()
}

/// The view operations around `operations` (which take `from` to `to`): drops to run first, and
/// creations to run last. A materialized view whose query stays and whose indexes change keeps
/// its rows: only those indexes are dropped (first) and created (last).
pub fn diff_views(
    from: &Schema,
    to: &Schema,
    operations: &[Operation],
) -> (Vec<Operation>, Vec<Operation>) {
    let (old_readers, new_readers) = (readers(from), readers(to));
    let touched: BTreeSet<&str> = operations.iter().flat_map(tables_touched).collect();
    let reads_touched = |reader: Reader| {
        touched
            .iter()
            .any(|t| mentions_identifier(reader.definition(), t))
    };
    // Same kind, same query (comments, and a materialized view's indexes, change in place).
    let same_query = |old: Reader, new: Option<&Reader>| match (old, new) {
        (Reader::View(old), Some(Reader::View(new))) => old.definition == new.definition,
        (Reader::Materialized(old), Some(Reader::Materialized(new))) => old.query == new.query,
        _ => false,
    };
    // A view whose query changes and whose columns stay is replaced in place; one that gains
    // columns at its end too, if nothing else reads it (the downgrade then drops it to take
    // them away, which what reads it would block).
    let live = from;
    let live_definitions = definitions(live);
    let read_by_another = |view: &View| {
        live_definitions
            .iter()
            .any(|text| *text != view.definition && mentions_identifier(text, &view.name.name))
    };
    let replaceable = |old: Reader, new: Option<&Reader>| match (old, new) {
        (Reader::View(old), Some(Reader::View(new))) => {
            !old.columns.is_empty()
                && (old.columns == new.columns
                    || (replaced_in_place(old, new) && !read_by_another(old)))
        }
        _ => false,
    };
    // Old views to drop: gone, changed (unless replaced), or reading what changes; and,
    // transitively, the views that read those.
    let mut dropped: BTreeSet<&str> = old_readers
        .values()
        .filter(|old| {
            let new = new_readers.get(old.name());
            (!same_query(**old, new) && !replaceable(**old, new)) || reads_touched(**old)
        })
        .map(|reader| reader.name().name.as_str())
        .collect();
    let old_list: Vec<Reader> = old_readers.values().copied().collect();
    close_over_readers(&old_list, &mut dropped);
    let drops: Vec<Reader> = old_list
        .iter()
        .copied()
        .filter(|reader| dropped.contains(reader.name().name.as_str()))
        .collect();
    // Views replaced in place: changed, with the same columns (or more at the end), and not
    // dropped above.
    let replaced: Vec<Operation> = old_readers
        .values()
        .filter_map(|old| match (old, new_readers.get(old.name())) {
            (Reader::View(from), Some(new @ Reader::View(to)))
                if !same_query(*old, Some(new))
                    && replaceable(*old, Some(new))
                    && !dropped.contains(from.name.name.as_str()) =>
            {
                Some(Operation::ReplaceView {
                    from: (*from).clone(),
                    to: (*to).clone(),
                    // Privileges compared, the live ones are here; otherwise
                    // `grants::kept_through_recreation` reads them.
                    privileges: privileges_on(live, &from.name),
                })
            }
            _ => None,
        })
        .collect();
    // New views to create: new, or dropped above (a changed one that is not replaced is) and
    // still declared.
    let creates: Vec<Reader> = new_readers
        .values()
        .copied()
        .filter(|new| {
            !old_readers.contains_key(new.name()) || dropped.contains(new.name().name.as_str())
        })
        .collect();
    let mut first: Vec<Operation> = in_dependency_order(&drops)
        .into_iter()
        .map(Reader::drop)
        .collect();
    first.reverse();
    let mut last: Vec<Operation> = replaced;
    last.extend(in_dependency_order(&creates).into_iter().map(|new| {
        match (new, old_readers.get(new.name())) {
            // Created again in place of one that holds rows: filled too (`pg_dump
            // --schema-only` declares every one `WITH NO DATA`), or reading it would fail
            // until someone refreshes it.
            (Reader::Materialized(new), Some(Reader::Materialized(old))) if old.with_data => {
                Operation::CreateMaterializedView {
                    view: MaterializedView {
                        with_data: true,
                        ..new.clone()
                    },
                }
            }
            _ => new.create(),
        }
    }));
    // Comments of the views that stay.
    for (name, new) in &to.views {
        if let Some(old) = from.views.get(name) {
            if !dropped.contains(name.name.as_str()) && old.comment != new.comment {
                last.push(Operation::SetViewComment {
                    view: name.clone(),
                    materialized: false,
                    from: old.comment.clone(),
                    to: new.comment.clone(),
                });
            }
        }
    }
    // Indexes and comments of the materialized views that stay.
    for (name, new) in &to.materialized_views {
        let Some(old) = from.materialized_views.get(name) else {
            continue;
        };
        if dropped.contains(name.name.as_str()) || old.query != new.query {
            continue;
        }
        if old.comment != new.comment {
            last.push(Operation::SetViewComment {
                view: name.clone(),
                materialized: true,
                from: old.comment.clone(),
                to: new.comment.clone(),
            });
        }
        // An index whose comment alone changes keeps its place; its comment is set.
        let without_comment = |index: &Index| Index {
            comment: None,
            ..index.clone()
        };
        let same_apart_from_comment =
            |a: &Index, b: &Index| without_comment(a) == without_comment(b);
        for after in &new.indexes {
            if let Some(before) = old
                .indexes
                .iter()
                .find(|i| same_apart_from_comment(i, after))
            {
                if before.comment != after.comment {
                    last.push(Operation::SetComment {
                        object: CommentedObject::Index {
                            table: name.clone(),
                            name: after.name.clone(),
                        },
                        from: before.comment.clone(),
                        to: after.comment.clone(),
                    });
                }
            }
        }
        let index_operation = |index: &Index, create: bool| {
            let (table, index) = (name.clone(), index.clone());
            if create {
                Operation::CreateIndex { table, index }
            } else {
                Operation::DropIndex { table, index }
            }
        };
        first.extend(
            old.indexes
                .iter()
                .filter(|index| {
                    !new.indexes
                        .iter()
                        .any(|i| same_apart_from_comment(i, index))
                })
                .map(|index| index_operation(index, false)),
        );
        last.extend(
            new.indexes
                .iter()
                .filter(|index| {
                    !old.indexes
                        .iter()
                        .any(|i| same_apart_from_comment(i, index))
                })
                .map(|index| index_operation(index, true)),
        );
    }
    (first, last)
}

/// Add to `names` every view that reads one of them.
fn close_over_readers<'a>(views: &[Reader<'a>], names: &mut BTreeSet<&'a str>) {
    loop {
        let before = names.len();
        for view in views {
            let name = view.name().name.as_str();
            if !names.contains(name)
                && names
                    .iter()
                    .any(|n| mentions_identifier(view.definition(), n))
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
fn in_dependency_order<'a>(views: &[Reader<'a>]) -> Vec<Reader<'a>> {
    let mut ordered: Vec<Reader> = Vec::with_capacity(views.len());
    let mut remaining: Vec<Reader> = views.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|view| {
            remaining.iter().all(|other| {
                other.name() == view.name()
                    || !mentions_identifier(view.definition(), &other.name().name)
            })
        });
        ordered.push(remaining.remove(ready.unwrap_or(0)));
    }
    ordered
}

/// Give each declared view what the live view of the same name has and no declared schema can
/// say: its columns' defaults and comments (those of the columns it still has;
/// [`View::column_defaults`], [`View::column_comments`]), its triggers ([`View::triggers`]) and
/// its rules ([`View::rules`]). A view dropped and created again around a change then
/// gets them back, both ways.
pub fn keep_undeclared_parts(live: &Schema, declared: &mut Schema) {
    for (name, view) in &mut declared.views {
        if let Some(old) = live.views.get(name) {
            view.triggers.clone_from(&old.triggers);
            view.rules.clone_from(&old.rules);
            let still_there = |(column, _): &&(String, String)| {
                view.columns
                    .iter()
                    .any(|entry| entry.starts_with(&format!("{column} ")))
            };
            view.column_defaults = old
                .column_defaults
                .iter()
                .filter(still_there)
                .cloned()
                .collect();
            view.column_comments = old
                .column_comments
                .iter()
                .filter(still_there)
                .cloned()
                .collect();
        }
    }
}

/// Whether two versions of a column differ in their comment alone.
fn same_but_comment(from: &Column, to: &Column) -> bool {
    let uncommented = |column: &Column| Column {
        comment: None,
        ..column.clone()
    };
    uncommented(from) == uncommented(to)
}

/// The tables (and views) an operation changes, by name.
fn tables_touched(operation: &Operation) -> Vec<&str> {
    match operation {
        // A column's comment alone: nothing a view reads (SQLite, which rebuilds a table for
        // any other column change, has no comments).
        Operation::AlterColumn { from, to, .. } if same_but_comment(from, to) => Vec::new(),
        Operation::CreateTable { table } | Operation::DropTable { table } => {
            vec![table.name.name.as_str()]
        }
        Operation::RebuildTable { from, to } => {
            vec![from.name.name.as_str(), to.name.name.as_str()]
        }
        Operation::AddColumn { table, .. }
        | Operation::AlterTogether { table, .. }
        | Operation::DropColumn { table, .. }
        | Operation::AlterColumn { table, .. }
        | Operation::SetTableCollation { table, .. }
        | Operation::SetTableStorage { table, .. }
        | Operation::AddPrimaryKey { table, .. }
        | Operation::DropPrimaryKey { table, .. }
        | Operation::AddUnique { table, .. }
        | Operation::DropUnique { table, .. }
        | Operation::AddCheck { table, .. }
        | Operation::DropCheck { table, .. }
        | Operation::AddForeignKey { table, .. }
        | Operation::DropForeignKey { table, .. }
        | Operation::RenameColumn { table, .. }
        | Operation::RenameConstraint { table, .. } => vec![table.name.as_str()],
        Operation::RenameTable { from, to, .. } => vec![from.name.as_str(), to.name.as_str()],
        // A rebuild retypes the columns of the type (what reads them blocks it).
        Operation::RebuildEnum { name, columns, .. } => std::iter::once(name.name.as_str())
            .chain(columns.iter().map(|column| column.table.name.as_str()))
            .collect(),
        Operation::CreateEnum { name, .. }
        | Operation::DropEnum { name, .. }
        | Operation::AddEnumValue { name, .. }
        | Operation::CreateSequence { name, .. }
        | Operation::DropSequence { name, .. }
        | Operation::AlterSequence { name, .. } => vec![name.name.as_str()],
        Operation::CreateCompositeType { composite }
        | Operation::DropCompositeType { composite }
        | Operation::AlterCompositeType { to: composite, .. } => {
            vec![composite.name.name.as_str()]
        }
        Operation::CreateDomain { domain }
        | Operation::DropDomain { domain }
        | Operation::AlterDomain { to: domain, .. }
        | Operation::ReplaceDomain { to: domain, .. } => vec![domain.name.name.as_str()],
        Operation::CreateView { view } | Operation::DropView { view } => {
            vec![view.name.name.as_str()]
        }
        Operation::CreateMaterializedView { view } | Operation::DropMaterializedView { view } => {
            vec![view.name.name.as_str()]
        }
        Operation::CreateFunction { function } | Operation::DropFunction { function } => {
            vec![function.key.name.name.as_str()]
        }
        // An index, a trigger or a comment changes nothing a view reads, on any database (none
        // of them rebuilds a SQLite table, unlike a constraint): a materialized view over the
        // table keeps its rows rather than compute them again. Nor does validating a
        // constraint.
        Operation::CreateIndex { .. }
        | Operation::DropIndex { .. }
        | Operation::RenameIndex { .. }
        | Operation::CreateTrigger { .. }
        | Operation::DropTrigger { .. }
        | Operation::SetTableComment { .. }
        | Operation::CreateSchema { .. }
        | Operation::SetConstraintValidity { .. }
        | Operation::SetViewComment { .. }
        | Operation::SetComment { .. }
        | Operation::ReplaceFunction { .. }
        // Its columns stay: what reads them reads the same.
        | Operation::ReplaceView { .. }
        | Operation::CreateEvent { .. }
        | Operation::DropEvent { .. }
        | Operation::AlterEvent { .. }
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
