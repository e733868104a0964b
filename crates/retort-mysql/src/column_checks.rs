//! MariaDB keeps a CHECK written on a column (`price int CHECK (price > 0)`, named after the
//! column) as part of the column's definition: `ALTER TABLE … MODIFY COLUMN price bigint`
//! drops it without a word, and nothing would add it back (the model does not know the check
//! was the column's, and both sides of the diff still have it). A database built by hand or by
//! another tool has such checks; retort's own `CREATE TABLE` writes table constraints, which
//! `MODIFY` leaves alone, under the same name.
//!
//! So around a change to a column, a check named like the column is dropped first and added
//! back after, as a table constraint with the same name and expression (which compares equal):
//! whichever kind it was, it is there afterwards. Where the plan drops or adds that check
//! itself, it is left to the plan.

use retort_core::diff::operation::Operation;
use retort_core::schema::{Check, QualifiedName, Schema};

/// `operations` with each column change bracketed by the drop and re-addition of the check
/// named like its column (`from` and `to` are the schemas before and after).
pub fn kept_through_column_changes(
    operations: &[Operation],
    from: &Schema,
    to: &Schema,
) -> Vec<Operation> {
    let planned = |name: &QualifiedName, check: &str, adding: bool| {
        operations.iter().any(|operation| match operation {
            Operation::AddCheck { table, check: c } if adding => table == name && c.name == check,
            Operation::DropCheck { table, check: c } if !adding => table == name && c.name == check,
            _ => false,
        })
    };
    let named_like = |schema: &Schema, table: &QualifiedName, column: &str| -> Option<Check> {
        schema
            .tables
            .get(table)?
            .checks
            .iter()
            .find(|check| check.name.eq_ignore_ascii_case(column))
            .cloned()
    };
    let mut kept = Vec::with_capacity(operations.len());
    for operation in operations {
        let changed = match operation {
            Operation::AlterColumn { table, from, .. } => Some((table, from.name.as_str())),
            Operation::AlterTogether { table, operations } => operations
                .iter()
                .find_map(|part| match part {
                    Operation::AlterColumn { from, .. } => Some(from.name.as_str()),
                    _ => None,
                })
                .map(|column| (table, column)),
            _ => None,
        };
        let Some((table, column)) = changed else {
            kept.push(operation.clone());
            continue;
        };
        let before = named_like(from, table, column).filter(|c| !planned(table, &c.name, false));
        let after = named_like(to, table, column).filter(|c| !planned(table, &c.name, true));
        if let Some(check) = before {
            kept.push(Operation::DropCheck {
                table: table.clone(),
                check,
            });
        }
        kept.push(operation.clone());
        if let Some(check) = after {
            kept.push(Operation::AddCheck {
                table: table.clone(),
                check,
            });
        }
    }
    kept
}
