//! A foreign key goes around a change of its columns' type or collation: dropped before,
//! added back after, under its name.
//!
//! MariaDB refuses `MODIFY COLUMN` of a column a foreign key uses when its type or collation
//! (and so its character set) changes: "Cannot change column 'parent_id': used in a foreign key
//! constraint" (1832) for the referencing column, the same with "of table …" (1833) for the
//! referenced one, in whatever table the key is. A wider integer or a longer `varchar` is
//! refused too, and so is a change on one side alone, though the two sides must agree again
//! once both have changed. A change of nullability, default, comment or `AUTO_INCREMENT`
//! alone is taken, and a display width (`int(11)` → `int(5)`) changes nothing; none of these
//! needs the key out of the way. `foreign_key_checks = 0` does not lift the refusal.
//!
//! So each foreign key that stands when such a change runs is dropped just before the first
//! change of one of its columns (referencing or referenced) and added back just after the
//! last, once both sides agree; the name stays, so the downgrade, adapted from the reversed
//! operations with the schemas swapped, goes around its own changes the same way. The index
//! InnoDB keeps for the key stays when the key is dropped (the model has it as an index of the
//! table), and the key added back takes it again. A key the plan itself drops before the change
//! (one that changes, or goes) is the plan's: it is not dropped twice, nor added back.
//!
//! Names are as the change finds them: the upgrade renames first, and `from` is the schema
//! after the renames; the downgrade renames back last, and its `from` is the target schema.
//!
//! MariaDB does not run DDL in a transaction: where a narrowing would round values (a
//! `DECIMAL` losing scale), its check runs just before its `MODIFY`, after the keys around it
//! are dropped. A refusal then leaves those keys dropped, and the runner's hint says so and
//! how to go on (`--resume`).

use retort_core::diff::operation::{Operation, TableConstraint};
use retort_core::schema::{Column, ForeignKey, QualifiedName, Schema};

/// `operations` with each foreign key of `from` that would stand when MariaDB refuses a change
/// of one of its columns dropped before its first such change and added back after its last.
pub fn dropped_around_column_changes(operations: Vec<Operation>, from: &Schema) -> Vec<Operation> {
    let keys: Vec<(&QualifiedName, &ForeignKey)> = from
        .tables
        .iter()
        .flat_map(|(table, definition)| {
            definition
                .foreign_keys
                .iter()
                .map(move |foreign_key| (table, foreign_key))
        })
        .collect();
    // For each key, the first and the last operation that needs it out of the way.
    let mut spans: Vec<Option<(usize, usize)>> = vec![None; keys.len()];
    for (position, operation) in operations.iter().enumerate() {
        for (table, column) in refused_changes(operation) {
            for (span, (on, key)) in spans.iter_mut().zip(&keys) {
                if uses(on, key, table, column)
                    && !dropped_by_any(&operations[..position], on, &key.name)
                {
                    let first = span.map_or(position, |(first, _)| first);
                    *span = Some((first, position));
                }
            }
        }
    }
    if spans.iter().all(Option::is_none) {
        return operations;
    }
    let mut around = Vec::with_capacity(operations.len() + 2 * keys.len());
    for (position, operation) in operations.into_iter().enumerate() {
        for (span, (table, key)) in spans.iter().zip(&keys) {
            if matches!(span, Some((first, _)) if *first == position) {
                around.push(Operation::DropForeignKey {
                    table: (*table).clone(),
                    foreign_key: (*key).clone(),
                });
            }
        }
        around.push(operation);
        for (span, (table, key)) in spans.iter().zip(&keys) {
            if matches!(span, Some((_, last)) if *last == position) {
                around.push(Operation::AddForeignKey {
                    table: (*table).clone(),
                    foreign_key: (*key).clone(),
                });
            }
        }
    }
    around
}

/// Whether MariaDB refuses to change a column a foreign key uses from `from` to `to`: its type
/// holds other values (a display width alone does not count) or its collation changes.
fn refused_under_a_foreign_key(from: &Column, to: &Column) -> bool {
    let same_values = crate::dialect::widens(&from.data_type, &to.data_type)
        && crate::dialect::widens(&to.data_type, &from.data_type);
    !same_values || from.collation != to.collation
}

/// The (table, column) pairs `operation` changes in a way MariaDB refuses under a foreign key.
fn refused_changes(operation: &Operation) -> Vec<(&QualifiedName, &str)> {
    match operation {
        Operation::AlterColumn { table, from, to } if refused_under_a_foreign_key(from, to) => {
            vec![(table, to.name.as_str())]
        }
        Operation::AlterTogether { operations, .. } => {
            operations.iter().flat_map(refused_changes).collect()
        }
        _ => Vec::new(),
    }
}

/// Whether `key` on `table` has `column` of `changed` among its columns or the columns it
/// references.
fn uses(table: &QualifiedName, key: &ForeignKey, changed: &QualifiedName, column: &str) -> bool {
    let named = |columns: &[String]| columns.iter().any(|c| c.eq_ignore_ascii_case(column));
    (table == changed && named(&key.columns))
        || (&key.referenced_table == changed && named(&key.referenced_columns))
}

/// Whether one of `operations` drops the foreign key `name` of `table` (itself, in a rename,
/// or with its table): the plan's own, not to be doubled.
fn dropped_by_any(operations: &[Operation], table: &QualifiedName, name: &str) -> bool {
    operations.iter().any(|operation| match operation {
        Operation::DropForeignKey {
            table: on,
            foreign_key,
        }
        | Operation::RenameConstraint {
            table: on,
            from: TableConstraint::ForeignKey(foreign_key),
            ..
        } => on == table && foreign_key.name.eq_ignore_ascii_case(name),
        Operation::DropTable { table: dropped } => &dropped.name == table,
        Operation::AlterTogether { operations, .. } => dropped_by_any(operations, table, name),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use retort_core::schema::{Constraint, IdentityOptions, Table};

    fn name(table: &str) -> QualifiedName {
        QualifiedName {
            schema: String::new(),
            name: table.to_owned(),
        }
    }

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.to_owned(),
            data_type: data_type.to_owned(),
            nullable: false,
            default: None,
            identity: None,
            generated: None,
            virtual_generated: false,
            identity_options: IdentityOptions::default(),
            collation: None,
            comment: None,
        }
    }

    fn key() -> ForeignKey {
        ForeignKey {
            name: "kids_parent".to_owned(),
            columns: vec!["parent_id".to_owned()],
            referenced_table: name("parents"),
            referenced_columns: vec!["id".to_owned()],
            on_delete: "CASCADE".to_owned(),
            on_update: "RESTRICT".to_owned(),
            deferrable: false,
            initially_deferred: false,
            match_full: false,
            not_valid: false,
            comment: None,
        }
    }

    /// parents (id), kids (id, parent_id → parents.id), every column of `data_type`.
    fn schema(data_type: &str) -> Schema {
        let mut schema = Schema::default();
        schema.tables.insert(
            name("parents"),
            Table {
                columns: vec![column("id", data_type)],
                primary_key: Some(Constraint::new("PRIMARY".to_owned(), vec!["id".to_owned()])),
                ..Table::new(name("parents"))
            },
        );
        schema.tables.insert(
            name("kids"),
            Table {
                columns: vec![column("id", "int(11)"), column("parent_id", data_type)],
                foreign_keys: vec![key()],
                ..Table::new(name("kids"))
            },
        );
        schema
    }

    fn alter(table: &str, from: Column, to: Column) -> Operation {
        Operation::AlterColumn {
            table: name(table),
            from,
            to,
        }
    }

    fn widen(table: &str, column_name: &str) -> Operation {
        alter(
            table,
            column(column_name, "int(11)"),
            column(column_name, "bigint(20)"),
        )
    }

    fn drop_key() -> Operation {
        Operation::DropForeignKey {
            table: name("kids"),
            foreign_key: key(),
        }
    }

    fn add_key() -> Operation {
        Operation::AddForeignKey {
            table: name("kids"),
            foreign_key: key(),
        }
    }

    #[test]
    fn a_key_goes_around_the_changes_of_both_its_sides_and_the_way_back_mirrors_it() {
        let changes = vec![widen("kids", "parent_id"), widen("parents", "id")];
        assert_eq!(
            dropped_around_column_changes(changes.clone(), &schema("int(11)")),
            vec![
                drop_key(),
                changes[0].clone(),
                changes[1].clone(),
                add_key()
            ]
        );
        let back: Vec<Operation> = changes.iter().rev().map(Operation::reverse).collect();
        assert_eq!(
            dropped_around_column_changes(back.clone(), &schema("bigint(20)")),
            vec![drop_key(), back[0].clone(), back[1].clone(), add_key()]
        );
    }

    #[test]
    fn one_side_alone_and_a_change_inside_an_alter_together_count() {
        let alone = vec![widen("parents", "id")];
        assert_eq!(
            dropped_around_column_changes(alone.clone(), &schema("int(11)")),
            vec![drop_key(), alone[0].clone(), add_key()]
        );
        let together = vec![Operation::AlterTogether {
            table: name("kids"),
            operations: vec![widen("kids", "parent_id")],
        }];
        assert_eq!(
            dropped_around_column_changes(together.clone(), &schema("int(11)")),
            vec![drop_key(), together[0].clone(), add_key()]
        );
    }

    #[test]
    fn what_mariadb_takes_under_a_key_is_left_alone() {
        let nullable = Column {
            nullable: true,
            comment: Some("the parent".to_owned()),
            ..column("parent_id", "int(11)")
        };
        let operations = vec![
            alter("kids", column("parent_id", "int(11)"), nullable),
            alter("parents", column("id", "int(11)"), column("id", "int(5)")),
        ];
        assert_eq!(
            dropped_around_column_changes(operations.clone(), &schema("int(11)")),
            operations
        );
        let collated = Column {
            collation: Some("utf8mb4_bin".to_owned()),
            ..column("id", "varchar(10)")
        };
        assert!(refused_under_a_foreign_key(
            &column("id", "varchar(10)"),
            &collated
        ));
        assert!(refused_under_a_foreign_key(
            &column("id", "varchar(10)"),
            &column("id", "varchar(20)")
        ));
    }

    #[test]
    fn a_key_the_plan_drops_itself_is_not_doubled() {
        let operations = vec![drop_key(), widen("kids", "parent_id"), add_key()];
        assert_eq!(
            dropped_around_column_changes(operations.clone(), &schema("int(11)")),
            operations
        );
    }
}
