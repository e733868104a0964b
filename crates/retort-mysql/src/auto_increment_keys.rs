//! An `AUTO_INCREMENT` column and its key go in one `ALTER TABLE`.
//!
//! MySQL and MariaDB refuse an `AUTO_INCREMENT` column that no key leads with ("there can be
//! only one auto column and it must be defined as a key", 1075) at the end of every statement.
//! The diff adds a column and then its primary key or unique constraint in two operations, and
//! drops them the same way: each statement alone would be refused. This pairs them into one
//! [`Operation::AlterTogether`].

use retort_core::diff::operation::Operation;
use retort_core::schema::QualifiedName;

/// `operations` with each change that gives or takes a column's `AUTO_INCREMENT` joined to the
/// change of the key that holds it (on the same table, the first key that has the column).
pub fn pair_with_keys(mut operations: Vec<Operation>) -> Vec<Operation> {
    let mut index = 0;
    while index < operations.len() {
        let Some((table, column, gives)) = auto_increment_change(&operations[index]) else {
            index += 1;
            continue;
        };
        let key = operations
            .iter()
            .enumerate()
            .find(|(_, operation)| changes_key_with(operation, &table, &column, gives))
            .map(|(position, _)| position);
        let Some(key) = key else {
            index += 1;
            continue;
        };
        // Where a column gains AUTO_INCREMENT the pair runs when its key is added (whatever
        // the key replaces goes first); where it loses it, when the key was dropped.
        let at = if gives {
            index.max(key)
        } else {
            index.min(key)
        };
        let (first, second) = (index.min(key), index.max(key));
        let later = operations.remove(second);
        let earlier = operations.remove(first);
        let (column_change, key_change) = if first == index {
            (earlier, later)
        } else {
            (later, earlier)
        };
        let at = at - usize::from(at == second);
        operations.insert(
            at,
            Operation::AlterTogether {
                table,
                operations: vec![column_change, key_change],
            },
        );
        // Operations before `index` may have moved: look again from the start (a pair is
        // never paired twice).
        index = 0;
    }
    operations
}

/// (table, column, whether it gains AUTO_INCREMENT) for an operation that adds, drops or
/// alters an `AUTO_INCREMENT` column.
fn auto_increment_change(operation: &Operation) -> Option<(QualifiedName, String, bool)> {
    match operation {
        Operation::AddColumn { table, column, .. } if column.identity.is_some() => {
            Some((table.clone(), column.name.clone(), true))
        }
        Operation::DropColumn { table, column } if column.identity.is_some() => {
            Some((table.clone(), column.name.clone(), false))
        }
        Operation::AlterColumn { table, from, to } if from.identity != to.identity => {
            Some((table.clone(), to.name.clone(), to.identity.is_some()))
        }
        _ => None,
    }
}

/// Whether `operation` adds (`adds`) or drops (otherwise) a primary key or unique constraint
/// of `table` that has `column`: a column gaining AUTO_INCREMENT needs the key being added, one
/// losing it lets go of the key being dropped.
fn changes_key_with(
    operation: &Operation,
    table: &QualifiedName,
    column: &str,
    adds: bool,
) -> bool {
    let (on, key) = match (operation, adds) {
        (Operation::AddPrimaryKey { table, primary_key }, true)
        | (Operation::DropPrimaryKey { table, primary_key }, false) => (table, primary_key),
        (Operation::AddUnique { table, unique }, true)
        | (Operation::DropUnique { table, unique }, false) => (table, unique),
        _ => return false,
    };
    on == table && key.columns.iter().any(|c| c == column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retort_core::schema::{Column, Constraint};

    fn name() -> QualifiedName {
        QualifiedName {
            schema: String::new(),
            name: "t".to_owned(),
        }
    }

    fn counter() -> Column {
        Column {
            name: "seq".to_owned(),
            data_type: "int(11)".to_owned(),
            nullable: false,
            default: None,
            identity: Some("AUTO_INCREMENT".to_owned()),
            generated: None,
            virtual_generated: false,
            identity_options: retort_core::schema::IdentityOptions::default(),
            collation: None,
            comment: None,
        }
    }

    fn key() -> Constraint {
        Constraint::new("PRIMARY".to_owned(), vec!["seq".to_owned()])
    }

    #[test]
    fn an_added_counter_goes_with_its_key_where_the_key_was() {
        let other = Operation::AddColumn {
            table: name(),
            column: Column {
                identity: None,
                name: "b".to_owned(),
                ..counter()
            },
            position: None,
        };
        let operations = vec![
            Operation::AddColumn {
                table: name(),
                column: counter(),
                position: None,
            },
            other.clone(),
            Operation::AddPrimaryKey {
                table: name(),
                primary_key: key(),
            },
        ];
        let paired = pair_with_keys(operations.clone());
        assert_eq!(
            paired,
            vec![
                other,
                Operation::AlterTogether {
                    table: name(),
                    operations: vec![operations[0].clone(), operations[2].clone()],
                },
            ]
        );
        // The way back: the key's drop comes first, and the pair takes its place.
        let reversed: Vec<Operation> = paired.iter().rev().map(Operation::reverse).collect();
        let neutral: Vec<Operation> = operations.iter().rev().map(Operation::reverse).collect();
        let paired_back = pair_with_keys(neutral.clone());
        assert_eq!(
            paired_back[0],
            Operation::AlterTogether {
                table: name(),
                operations: vec![neutral[2].clone(), neutral[0].clone()],
            }
        );
        assert_eq!(paired_back.len(), reversed.len());
    }
}
