//! Schema × Schema → the operations that turn one into the other, in an order that applies:
//! what depends on a dropped object goes first, tables are created before the foreign keys that
//! point at them (so cycles work), and tables are dropped last.

pub mod composite_types;
pub mod constraint_validity;
pub mod definitions;
pub mod dependency_order;
pub mod domains;
pub mod events;
pub mod extensions;
pub mod functions;
pub mod grants;
pub mod identifier;
pub mod key_dependents;
pub mod name_case;
pub mod new_enum_values;
pub mod object_comments;
pub mod operation;
pub mod policies;
pub mod postgres_clauses;
pub mod rename;
pub mod stable_order;
pub mod type_users;
pub mod views;

use operation::Operation;

use crate::schema::{Column, Schema, Table};

/// What to compare (Alembic's `compare_type`, `compare_server_default`; `compare_grants`,
/// whose privileges introspection reads only when it is on).
#[derive(Debug, Clone, Copy)]
pub struct DiffOptions {
    pub compare_type: bool,
    pub compare_server_default: bool,
    pub compare_grants: bool,
    /// The infix of the foreign key names the database renames with their table (InnoDB:
    /// `RENAME TABLE t TO u` makes `t_ibfk_1` `u_ibfk_1`), from [`Dialect`]; set by the plan.
    ///
    /// [`Dialect`]: crate::dialect::Dialect
    pub foreign_keys_renamed_with_table: Option<&'static str>,
    /// A trigger naming a column that is dropped or retyped goes around the change, from
    /// [`Dialect::triggers_hold_their_columns`]; set by the plan.
    ///
    /// [`Dialect::triggers_hold_their_columns`]: crate::dialect::Dialect::triggers_hold_their_columns
    pub triggers_hold_their_columns: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        Self {
            compare_type: true,
            compare_server_default: true,
            compare_grants: false,
            foreign_keys_renamed_with_table: None,
            triggers_hold_their_columns: false,
        }
    }
}

/// The operations of a diff, and `from` as the renames leave it.
pub struct RenamedDiff {
    pub operations: Vec<Operation>,
    /// `from` with its tables and columns renamed: where a downgrade's last steps (the renames
    /// back) start from, with every constraint and index under its old name.
    pub renamed: Schema,
    /// `renamed` with the constraints and indexes that differed only by name renamed too:
    /// what the rest of the operations start from.
    pub derived: Schema,
}

/// The operations that take `from` to `to`: declared renames first, then look-alike tables
/// and columns as renames to confirm, then constraints and indexes that now differ only by
/// name, then the rest.
pub fn diff_with_renames(
    from: &Schema,
    to: &Schema,
    renames: &rename::DeclaredRenames,
    options: DiffOptions,
) -> Result<RenamedDiff, dependency_order::DependencyCycle> {
    let mut after_renames = from.clone();
    let mut operations = rename::apply_declared(&mut after_renames, to, renames);
    operations.extend(rename::guess(&mut after_renames, to));
    if let Some(infix) = options.foreign_keys_renamed_with_table {
        rename::follow_generated_foreign_key_names(&mut after_renames, &operations, infix);
    }
    let mut derived = after_renames.clone();
    operations.extend(rename::derived_names(&mut derived, to));
    let (dropped_first, changes) =
        rename::around_renames(from, &operations, diff(&derived, to, options));
    let mut operations: Vec<Operation> = dropped_first.into_iter().chain(operations).collect();
    operations.extend(changes);
    // Views go around everything, renames included: dropped before, created after.
    let (view_drops, view_creates) = views::diff_views(from, to, &operations);
    let mut operations: Vec<Operation> = view_drops.into_iter().chain(operations).collect();
    operations.extend(view_creates);
    // Then what objects of different kinds need of each other, read from their definitions.
    let mut operations = dependency_order::order_by_dependencies(operations)?;
    // Grants go around everything, views included: revoked first, granted last.
    if options.compare_grants {
        let (revokes, grants) = grants::diff_grants(from, to, &operations);
        operations = revokes.into_iter().chain(operations).collect();
        operations.extend(grants);
    }
    Ok(RenamedDiff {
        operations,
        renamed: after_renames,
        derived,
    })
}

/// The operations that take `from` to `to`.
pub fn diff(from: &Schema, to: &Schema, options: DiffOptions) -> Vec<Operation> {
    // Comments of objects both sides have are compared apart (see `object_comments`).
    let (aligned, comment_changes) = object_comments::align(from, to);
    let with_moved_types = extensions::with_moved_extension_types(&aligned, to);
    let from = with_moved_types.as_ref().unwrap_or(&aligned);
    let mut drops_first = Vec::new();
    let mut creates = Vec::new();
    let mut changes = Vec::new();
    let mut additions_last = Vec::new();
    let mut table_drops = Vec::new();
    let (enum_first, enum_values, enum_last) = diff_enums(from, to);
    let (domain_first, domain_last) = domains::diff_domains(from, to);
    let (composite_first, composite_last) = composite_types::diff_composite_types(from, to);
    // Types dropped and created again under their name: the functions that take or return
    // one go around.
    let rebuilt_types: Vec<&crate::schema::QualifiedName> = enum_values
        .iter()
        .chain(&domain_first)
        .chain(&composite_first)
        .filter_map(|operation| match operation {
            Operation::RebuildEnum { name, .. } => Some(name),
            Operation::ReplaceDomain { to, .. } => Some(&to.name),
            Operation::AlterCompositeType { from, to, .. }
                if composite_types::recreated(from, to) =>
            {
                Some(&to.name)
            }
            _ => None,
        })
        .collect();
    let functions = functions::diff_functions(from, to, &rebuilt_types);
    let enum_values: Vec<Operation> = enum_values
        .into_iter()
        .map(|operation| rebuild_leaving_callers_of(operation, &functions.recreated))
        .collect();

    for (name, old) in &from.tables {
        match to.tables.get(name) {
            None => {
                for foreign_key in &old.foreign_keys {
                    drops_first.push(Operation::DropForeignKey {
                        table: name.clone(),
                        foreign_key: foreign_key.clone(),
                    });
                }
                for trigger in &old.triggers {
                    drops_first.push(Operation::DropTrigger {
                        table: name.clone(),
                        trigger: trigger.clone(),
                    });
                }
                for policy in &old.policies {
                    drops_first.push(Operation::DropPolicy {
                        table: name.clone(),
                        policy: policy.clone(),
                    });
                }
                table_drops.push(Operation::DropTable { table: bare(old) });
            }
            Some(new) => diff_table(
                old,
                new,
                options,
                &functions.recreated,
                &rebuilt_enum_columns(&enum_values, name),
                &mut drops_first,
                &mut changes,
                &mut additions_last,
            ),
        }
    }
    for (name, new) in &to.tables {
        if !from.tables.contains_key(name) {
            let mut table = bare(new);
            additions_last.extend(constraint_validity::unchecked_checks(&mut table));
            creates.push(Operation::CreateTable { table });
            for foreign_key in &new.foreign_keys {
                additions_last.push(Operation::AddForeignKey {
                    table: name.clone(),
                    foreign_key: foreign_key.clone(),
                });
            }
            for trigger in &new.triggers {
                additions_last.push(Operation::CreateTrigger {
                    table: name.clone(),
                    trigger: trigger.clone(),
                });
            }
            for policy in &new.policies {
                additions_last.push(Operation::CreatePolicy {
                    table: name.clone(),
                    policy: policy.clone(),
                });
            }
        }
    }
    key_dependents::recreate_over_changed_keys(from, to, &mut drops_first, &mut additions_last);
    key_dependents::order_around_keys(&mut drops_first, &mut additions_last);
    let (sequence_first, sequence_last) = diff_sequences(from, to);
    let (extension_first, extension_last) = extensions::diff_extensions(from, to);
    let (event_drops, event_changes) = events::diff_events(from, to);
    let mut operations: Vec<Operation> = to
        .schemas
        .difference(&from.schemas)
        .map(|name| Operation::CreateSchema { name: name.clone() })
        .collect();
    operations.extend(extension_first);
    operations.extend(enum_first);
    operations.extend(sequence_first);
    // Domains may be over enums, composite types' attributes may be of either; columns,
    // defaults and functions may use all three.
    // A domain whose check or default calls a function the revision creates waits for it
    // (still before the tables that use the domain).
    let (domain_after_functions, domain_first): (Vec<Operation>, Vec<Operation>) = domain_first
        .into_iter()
        .partition(|operation| domains::calls_any(operation, &functions.before_tables));
    operations.extend(domain_first);
    operations.extend(composite_first);
    operations.extend(drops_first);
    // Comments set in place go where every object that stays still stands, and before the
    // enum rebuilds that drop and create some of them again (with the declared comment).
    let comments_at = operations.len();
    operations.extend(event_drops);
    operations.extend(functions.before_tables);
    operations.extend(domain_after_functions);
    // Values change once what uses the type and changes anyway is dropped: what stays is
    // carried by the operation itself, dropped and recreated around a rebuild.
    operations.extend(enum_values);
    operations.extend(creates);
    operations.extend(changes);
    operations.extend(functions.after_tables);
    operations.extend(additions_last);
    operations.extend(event_changes);
    // A function a dropped domain's check or default calls goes after the domain (which goes
    // after the tables that use it).
    let (called_by_dropped_domains, drops_before_tables): (Vec<Operation>, Vec<Operation>) =
        functions
            .drops_before_tables
            .into_iter()
            .partition(|function| domains::called_by_any(function, &domain_last));
    let (called_late, drops_after_tables): (Vec<Operation>, Vec<Operation>) = functions
        .drops_after_tables
        .into_iter()
        .partition(|function| domains::called_by_any(function, &domain_last));
    operations.extend(drops_before_tables);
    operations.extend(table_drops);
    operations.extend(drops_after_tables);
    operations.extend(composite_last);
    operations.extend(domain_last);
    operations.extend(called_by_dropped_domains);
    operations.extend(called_late);
    operations.extend(sequence_last);
    operations.extend(enum_last);
    operations.extend(extension_last);
    operations.extend(
        from.schemas
            .difference(&to.schemas)
            .map(|name| Operation::DropSchema { name: name.clone() }),
    );
    let comments = object_comments::place(&mut operations, comment_changes);
    operations.splice(comments_at..comments_at, comments);
    operations
}

/// Sequences: created and altered before the tables (defaults may draw from them), dropped
/// after.
fn diff_sequences(from: &Schema, to: &Schema) -> (Vec<Operation>, Vec<Operation>) {
    let mut first = Vec::new();
    for (name, sequence) in &to.sequences {
        match from.sequences.get(name) {
            None => first.push(Operation::CreateSequence {
                name: name.clone(),
                sequence: sequence.clone(),
            }),
            Some(old) if old != sequence => first.push(Operation::AlterSequence {
                name: name.clone(),
                from: old.clone(),
                to: sequence.clone(),
            }),
            Some(_) => {}
        }
    }
    let last = from
        .sequences
        .iter()
        .filter(|(name, _)| !to.sequences.contains_key(*name))
        .map(|(name, sequence)| Operation::DropSequence {
            name: name.clone(),
            sequence: sequence.clone(),
        })
        .collect();
    (first, last)
}

/// Enum types: created first, dropped last; values added in place, anything else (and values
/// the revision also uses) rebuilt (returned apart, to run once changed dependents are
/// dropped).
fn diff_enums(from: &Schema, to: &Schema) -> (Vec<Operation>, Vec<Operation>, Vec<Operation>) {
    let mut first = Vec::new();
    let mut values_changed = Vec::new();
    let mut last = Vec::new();
    for (name, values) in &to.enums {
        match from.enums.get(name) {
            None => first.push(Operation::CreateEnum {
                name: name.clone(),
                values: values.clone(),
            }),
            Some(old) if old == values => {}
            Some(old) => {
                let columns = enum_columns(from, name);
                let dependents = enum_dependents(from, to, &columns);
                let mut remaining = values.iter().filter(|v| old.contains(v));
                let kept_in_order = old.iter().all(|v| values.contains(v))
                    && old.iter().all(|v| remaining.next() == Some(v));
                // A value the revision also uses must be in a type of its own transaction.
                let added_and_used = values.iter().any(|value| {
                    !old.contains(value) && new_enum_values::written_with_value(from, to, value)
                });
                if kept_in_order && !added_and_used {
                    let mut current = old.clone();
                    for value in values.iter().filter(|v| !old.contains(v)) {
                        let mut next: Vec<String> = values
                            .iter()
                            .filter(|v| current.contains(v) || *v == value)
                            .cloned()
                            .collect();
                        next.dedup();
                        values_changed.push(Operation::AddEnumValue {
                            name: name.clone(),
                            value: value.clone(),
                            before: current.clone(),
                            after: next.clone(),
                            columns: columns.clone(),
                            dependents: dependents.clone(),
                        });
                        current = next;
                    }
                } else {
                    values_changed.push(Operation::RebuildEnum {
                        name: name.clone(),
                        from: old.clone(),
                        to: values.clone(),
                        columns,
                        dependents,
                    });
                }
            }
        }
    }
    for (name, values) in &from.enums {
        if !to.enums.contains_key(name) {
            last.push(Operation::DropEnum {
                name: name.clone(),
                values: values.clone(),
            });
        }
    }
    (first, values_changed, last)
}

/// The indexes, checks and policies that use `columns` and stay as they are (those that
/// change are dropped and created by the diff itself, around the value change).
fn enum_dependents(
    from: &Schema,
    to: &Schema,
    columns: &[operation::EnumColumn],
) -> Vec<operation::EnumDependent> {
    let mut dependents = Vec::new();
    for (table_name, table) in &from.tables {
        let enum_columns_here: Vec<&str> = columns
            .iter()
            .filter(|c| &c.table == table_name)
            .map(|c| c.column.as_str())
            .collect();
        if enum_columns_here.is_empty() {
            continue;
        }
        let uses = |text: &str| {
            enum_columns_here
                .iter()
                .any(|column| identifier::mentions_identifier(text, column))
        };
        let declared = to.tables.get(table_name);
        for index in &table.indexes {
            if uses(&index.definition) && declared.is_some_and(|t| t.indexes.contains(index)) {
                dependents.push(operation::EnumDependent::Index {
                    table: table_name.clone(),
                    index: index.clone(),
                });
            }
        }
        for check in &table.checks {
            if uses(&check.definition) && declared.is_some_and(|t| t.checks.contains(check)) {
                dependents.push(operation::EnumDependent::Check {
                    table: table_name.clone(),
                    check: check.clone(),
                });
            }
        }
        for policy in &table.policies {
            if policy.expressions().any(uses)
                && declared.is_some_and(|t| t.policies.contains(policy))
            {
                dependents.push(operation::EnumDependent::Policy {
                    table: table_name.clone(),
                    policy: policy.clone(),
                });
            }
        }
    }
    dependents
}

/// A rebuild that leaves alone the defaults, indexes, checks and policies calling one of the
/// `recreated` functions (dropped and created again around it): the diff sets those aside
/// itself.
fn rebuild_leaving_callers_of(
    operation: Operation,
    recreated: &std::collections::BTreeSet<String>,
) -> Operation {
    let Operation::RebuildEnum {
        name,
        from,
        to,
        mut columns,
        mut dependents,
    } = operation
    else {
        return operation;
    };
    let calls = |text: &str| functions::calls_any(text, recreated);
    for column in &mut columns {
        if column.default.as_deref().is_some_and(calls) {
            column.default = None;
        }
    }
    dependents.retain(|dependent| match dependent {
        operation::EnumDependent::Index { index, .. } => !calls(&index.definition),
        operation::EnumDependent::Check { check, .. } => !calls(&check.definition),
        operation::EnumDependent::Policy { policy, .. } => !policy.expressions().any(calls),
    });
    Operation::RebuildEnum {
        name,
        from,
        to,
        columns,
        dependents,
    }
}

/// The columns whose type is the enum `name` or an array of it, with their defaults.
fn enum_columns(
    schema: &Schema,
    name: &crate::schema::QualifiedName,
) -> Vec<operation::EnumColumn> {
    schema
        .tables
        .values()
        .flat_map(|table| {
            table
                .columns
                .iter()
                .filter(|c| identifier::is_type_named(c.data_type.trim_end_matches("[]"), name))
                .map(|c| operation::EnumColumn {
                    table: table.name.clone(),
                    column: c.name.clone(),
                    default: c.default.clone(),
                    array: c.data_type.ends_with("[]"),
                })
        })
        .collect()
}

/// A table as created or dropped: its foreign keys are added afterwards, once every table
/// exists, and its triggers and policies after them, once the functions they call exist
/// (dropped before it).
fn bare(table: &Table) -> Table {
    Table {
        foreign_keys: Vec::new(),
        triggers: Vec::new(),
        policies: Vec::new(),
        ..table.clone()
    }
}

/// The columns of `table` whose enum type `enum_values` rebuild.
fn rebuilt_enum_columns<'a>(
    enum_values: &'a [Operation],
    table: &crate::schema::QualifiedName,
) -> Vec<&'a str> {
    enum_values
        .iter()
        .flat_map(|operation| match operation {
            Operation::RebuildEnum { columns, .. } => columns.as_slice(),
            _ => &[],
        })
        .filter(|column| column.table == *table)
        .map(|column| column.column.as_str())
        .collect()
}

/// `rebuilt_columns` are the table's columns whose enum type is rebuilt: a policy reading one
/// that changes cannot be altered after the rebuild (the old one blocks it), so it goes around.
#[allow(clippy::too_many_arguments)]
fn diff_table(
    old: &Table,
    new: &Table,
    options: DiffOptions,
    recreated_functions: &std::collections::BTreeSet<String>,
    rebuilt_columns: &[&str],
    drops_first: &mut Vec<Operation>,
    changes: &mut Vec<Operation>,
    additions_last: &mut Vec<Operation>,
) {
    let table = &new.name;
    let (old, validity_changes) = &constraint_validity::align_validity(old, new);
    // A trigger that calls a function dropped and created again, or (where the server holds
    // them) names a column dropped or retyped, goes around the change.
    let held_columns = options
        .triggers_hold_their_columns
        .then(|| policies::dropped_or_retyped(old, new));
    let touched: Vec<&str> = recreated_functions
        .iter()
        .map(String::as_str)
        .chain(held_columns.into_iter().flatten())
        .collect();
    let calls_recreated = |trigger: &crate::schema::Trigger| {
        touched
            .iter()
            .any(|name| identifier::mentions_identifier(&trigger.definition, name))
    };
    // An index or a check calling a function dropped and created again goes around it too
    // (`DROP FUNCTION` is refused while one depends on it).
    let calls_recreated_function =
        |definition: &str| functions::calls_any(definition, recreated_functions);
    for foreign_key in &old.foreign_keys {
        if !new.foreign_keys.contains(foreign_key) {
            drops_first.push(Operation::DropForeignKey {
                table: table.clone(),
                foreign_key: foreign_key.clone(),
            });
        }
    }
    // So does the default of a column that stays as it is: set aside before, set again after.
    for column in &old.columns {
        let calls = column
            .default
            .as_deref()
            .is_some_and(calls_recreated_function);
        if calls && new.column(&column.name) == Some(column) {
            let without_default = Column {
                default: None,
                ..column.clone()
            };
            drops_first.push(Operation::AlterColumn {
                table: table.clone(),
                from: column.clone(),
                to: without_default.clone(),
            });
            additions_last.push(Operation::AlterColumn {
                table: table.clone(),
                from: without_default,
                to: column.clone(),
            });
        }
    }
    for index in &old.indexes {
        if !new.indexes.contains(index) || calls_recreated_function(&index.definition) {
            drops_first.push(Operation::DropIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }
    for trigger in &old.triggers {
        if !new.triggers.contains(trigger) || calls_recreated(trigger) {
            drops_first.push(Operation::DropTrigger {
                table: table.clone(),
                trigger: trigger.clone(),
            });
        }
    }
    for check in &old.checks {
        if !new.checks.contains(check) || calls_recreated_function(&check.definition) {
            drops_first.push(Operation::DropCheck {
                table: table.clone(),
                check: check.clone(),
            });
        }
    }
    for unique in &old.uniques {
        if !new.uniques.contains(unique) {
            drops_first.push(Operation::DropUnique {
                table: table.clone(),
                unique: unique.clone(),
            });
        }
    }
    if old.primary_key != new.primary_key {
        if let Some(primary_key) = &old.primary_key {
            drops_first.push(Operation::DropPrimaryKey {
                table: table.clone(),
                primary_key: primary_key.clone(),
            });
        }
    }
    for column in &new.columns {
        match old.column(&column.name) {
            None => changes.push(Operation::AddColumn {
                table: table.clone(),
                column: column.clone(),
                position: None,
            }),
            Some(before) => {
                let mut wanted = column.clone();
                if !options.compare_type {
                    wanted.data_type.clone_from(&before.data_type);
                }
                if !options.compare_server_default {
                    wanted.default.clone_from(&before.default);
                }
                if &wanted != before {
                    changes.push(Operation::AlterColumn {
                        table: table.clone(),
                        from: before.clone(),
                        to: wanted,
                    });
                }
            }
        }
    }
    // Generated columns first: they depend on the columns their expression reads.
    let (generated, stored): (Vec<&Column>, Vec<&Column>) =
        old.columns.iter().partition(|c| c.generated.is_some());
    for column in generated.into_iter().chain(stored) {
        if new.column(&column.name).is_none() {
            changes.push(Operation::DropColumn {
                table: table.clone(),
                column: column.clone(),
            });
        }
    }
    // No statement alters a table's storage options (SQLite's `STRICT`, `WITHOUT ROWID`):
    // the table is rebuilt, which a dialect's `adapt` merges with its other rebuilds.
    if old.options != new.options {
        changes.push(Operation::RebuildTable {
            from: old.clone(),
            to: new.clone(),
        });
    }
    // MySQL/MariaDB alter a table's engine and create options in place.
    if old.storage != new.storage {
        changes.push(Operation::SetTableStorage {
            table: table.clone(),
            from: old.storage.clone(),
            to: new.storage.clone(),
        });
    }
    if old.collation != new.collation {
        changes.push(Operation::SetTableCollation {
            table: table.clone(),
            from: old.collation.clone(),
            to: new.collation.clone(),
        });
    }
    if old.comment != new.comment {
        changes.push(Operation::SetTableComment {
            table: table.clone(),
            from: old.comment.clone(),
            to: new.comment.clone(),
        });
    }
    if old.primary_key != new.primary_key {
        if let Some(primary_key) = &new.primary_key {
            additions_last.push(Operation::AddPrimaryKey {
                table: table.clone(),
                primary_key: primary_key.clone(),
            });
        }
    }
    for unique in &new.uniques {
        if !old.uniques.contains(unique) {
            additions_last.push(Operation::AddUnique {
                table: table.clone(),
                unique: unique.clone(),
            });
        }
    }
    for check in &new.checks {
        if !old.checks.contains(check) || calls_recreated_function(&check.definition) {
            additions_last.push(Operation::AddCheck {
                table: table.clone(),
                check: check.clone(),
            });
        }
    }
    for index in &new.indexes {
        if !old.indexes.contains(index) || calls_recreated_function(&index.definition) {
            additions_last.push(Operation::CreateIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }
    for foreign_key in &new.foreign_keys {
        if !old.foreign_keys.contains(foreign_key) {
            additions_last.push(Operation::AddForeignKey {
                table: table.clone(),
                foreign_key: foreign_key.clone(),
            });
        }
    }
    for trigger in &new.triggers {
        if !old.triggers.contains(trigger) || calls_recreated(trigger) {
            additions_last.push(Operation::CreateTrigger {
                table: table.clone(),
                trigger: trigger.clone(),
            });
        }
    }
    if old.row_security != new.row_security {
        additions_last.push(Operation::SetRowSecurity {
            table: table.clone(),
            from: old.row_security,
            to: new.row_security,
        });
    }
    policies::diff_policies(
        old,
        new,
        recreated_functions,
        rebuilt_columns,
        drops_first,
        additions_last,
    );
    // Validated once the rows are as the revision leaves them.
    additions_last.extend(validity_changes.iter().cloned());
}

/// The downgrade of an upgrade: each operation reversed, in reverse order. (Grants on objects
/// the result drops are still there: see [`grants::without_moot_grants`].)
pub fn reverse(operations: &[Operation]) -> Vec<Operation> {
    operations.iter().rev().map(Operation::reverse).collect()
}
