//! An added column goes where the target schema declares it.
//!
//! `ALTER TABLE … ADD COLUMN` appends: a column declared between two others would be last
//! after an upgrade, unlike the same schema loaded directly, and a downgrade adding back a
//! column the upgrade dropped would not put it where it was. So each added column that would
//! not be last anyway is given its place: `AFTER` the column before it in the target table, or
//! `FIRST`. One appended after every column of the target already there needs no clause (and
//! the revisions written before this keep their text).
//!
//! The column before it is the nearest one before it in the target table that exists when it
//! is added. The target's columns exist by then under their target names (an upgrade renames
//! first, and a downgrade's target is the schema before its renames back), except those this
//! plan adds at a later step; columns are added in table order, so that is rare, but an
//! `AUTO_INCREMENT` column waits for its key (see `auto_increment_keys`). A column the plan
//! drops later may still stand in between: it goes, and the target's order is what remains.
//!
//! `MODIFY COLUMN` keeps a column where it is: the order of columns both sides have is not
//! compared, so nothing moves them.

use std::collections::BTreeSet;

use retort_core::diff::operation::{ColumnPosition, Operation};
use retort_core::schema::{QualifiedName, Schema};

/// A table's column.
type ColumnOf = (QualifiedName, String);

/// `operations` with each `AddColumn`, alone or in an `AlterTogether`, placed where `to` has
/// its column, when a column of `to` already stands after that place.
pub fn placed_as_declared(operations: Vec<Operation>, to: &Schema) -> Vec<Operation> {
    // Added by this operation or a later one: not there yet.
    let mut pending: BTreeSet<ColumnOf> = operations.iter().flat_map(added_columns).collect();
    operations
        .into_iter()
        .map(|operation| place(operation, to, &mut pending))
        .collect()
}

fn added_columns(operation: &Operation) -> Vec<ColumnOf> {
    match operation {
        Operation::AddColumn { table, column, .. } => vec![(table.clone(), column.name.clone())],
        Operation::AlterTogether { operations, .. } => {
            operations.iter().flat_map(added_columns).collect()
        }
        _ => Vec::new(),
    }
}

fn place(operation: Operation, to: &Schema, pending: &mut BTreeSet<ColumnOf>) -> Operation {
    match operation {
        Operation::AddColumn {
            table,
            column,
            position,
        } => {
            pending.remove(&(table.clone(), column.name.clone()));
            let position =
                position.or_else(|| declared_position(to, &table, &column.name, pending));
            Operation::AddColumn {
                table,
                column,
                position,
            }
        }
        Operation::AlterTogether { table, operations } => Operation::AlterTogether {
            table,
            operations: operations
                .into_iter()
                .map(|part| place(part, to, pending))
                .collect(),
        },
        other => other,
    }
}

/// Where `column` of `table` goes for its place in `to`; `None` where appending puts it there
/// (or `to` does not have it).
fn declared_position(
    to: &Schema,
    table: &QualifiedName,
    column: &str,
    pending: &BTreeSet<ColumnOf>,
) -> Option<ColumnPosition> {
    let columns = &to.tables.get(table)?.columns;
    let at = columns.iter().position(|c| c.name == column)?;
    let there = |name: &str| !pending.contains(&(table.clone(), name.to_owned()));
    if !columns[at + 1..].iter().any(|c| there(&c.name)) {
        return None;
    }
    Some(match columns[..at].iter().rev().find(|c| there(&c.name)) {
        Some(before) => ColumnPosition::After(before.name.clone()),
        None => ColumnPosition::First,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use retort_core::schema::{Column, Constraint, IdentityOptions, Table};

    fn name() -> QualifiedName {
        QualifiedName {
            schema: String::new(),
            name: "t".to_owned(),
        }
    }

    fn column(name: &str) -> Column {
        Column {
            name: name.to_owned(),
            data_type: "int(11)".to_owned(),
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            virtual_generated: false,
            identity_options: IdentityOptions::default(),
            collation: None,
            comment: None,
        }
    }

    fn schema(columns: &[&str]) -> Schema {
        let mut schema = Schema::default();
        schema.tables.insert(
            name(),
            Table {
                columns: columns.iter().map(|c| column(c)).collect(),
                ..Table::new(name())
            },
        );
        schema
    }

    fn add(name_of_column: &str) -> Operation {
        Operation::AddColumn {
            table: name(),
            column: column(name_of_column),
            position: None,
        }
    }

    fn positions(operations: &[Operation]) -> Vec<Option<ColumnPosition>> {
        operations
            .iter()
            .flat_map(|operation| match operation {
                Operation::AlterTogether { operations, .. } => positions(operations),
                Operation::AddColumn { position, .. } => vec![position.clone()],
                _ => Vec::new(),
            })
            .collect()
    }

    fn after(column: &str) -> Option<ColumnPosition> {
        Some(ColumnPosition::After(column.to_owned()))
    }

    #[test]
    fn each_added_column_follows_the_one_before_it_unless_it_is_last() {
        // From (b, d): a first, c1 and c2 between b and d, e and f at the end.
        let to = schema(&["a", "b", "c1", "c2", "d", "e", "f"]);
        let operations = ["a", "c1", "c2", "e", "f"].map(add).to_vec();
        assert_eq!(
            positions(&placed_as_declared(operations, &to)),
            vec![
                Some(ColumnPosition::First),
                after("b"),
                after("c1"),
                None,
                None
            ]
        );
    }

    #[test]
    fn a_column_added_later_is_not_named_and_does_not_count_as_following() {
        // c's AUTO_INCREMENT waits for its key, after b is added: b follows a, and c, added
        // last between a and b, follows a too.
        let to = schema(&["a", "c", "b", "d"]);
        let together = Operation::AlterTogether {
            table: name(),
            operations: vec![
                Operation::AddColumn {
                    table: name(),
                    column: Column {
                        identity: Some("AUTO_INCREMENT".to_owned()),
                        nullable: false,
                        ..column("c")
                    },
                    position: None,
                },
                Operation::AddPrimaryKey {
                    table: name(),
                    primary_key: Constraint::new("PRIMARY".to_owned(), vec!["c".to_owned()]),
                },
            ],
        };
        let operations = vec![add("b"), together];
        assert_eq!(
            positions(&placed_as_declared(operations, &to)),
            vec![after("a"), after("a")]
        );
    }

    #[test]
    fn a_table_or_column_the_target_lacks_is_left_alone() {
        let to = schema(&["a"]);
        let elsewhere = Operation::AddColumn {
            table: QualifiedName {
                schema: String::new(),
                name: "other".to_owned(),
            },
            column: column("x"),
            position: None,
        };
        let operations = vec![elsewhere, add("x")];
        assert_eq!(
            positions(&placed_as_declared(operations, &to)),
            vec![None, None]
        );
    }
}
