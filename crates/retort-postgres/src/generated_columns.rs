//! Generated columns where PostgreSQL 15 cannot alter them in place: it has no `ALTER COLUMN …
//! SET EXPRESSION` (17 has), no way to make a plain column generated, and it refuses to retype
//! a column that a generated column reads (`cannot alter type of a column used by a generated
//! column`).
//!
//! - A new expression, or a plain column becoming generated: the column is dropped and added
//!   back with its new definition (the renderer writes both for the `AlterColumn`). Its values
//!   are computed again; a plain column's give way to the expression's, which the neutral
//!   operation marks DESTRUCTIVE. It moves to the end of the table: PostgreSQL cannot place an
//!   added column.
//! - A generated column becoming plain needs none of this: `DROP EXPRESSION` keeps its values.
//! - A column a generated column reads changes type: the generated column is made plain first
//!   (`DROP EXPRESSION`, values kept), and dropped and added back generated once the type has
//!   changed (or left plain or dropped, as the revision goes on to do).
//!
//! What the dropped column takes with it, or what keeps the server from dropping it, goes
//! around the drop, as it stands at that point: the indexes, checks, exclusion constraints,
//! keys and triggers on the table that name the column, the foreign keys of any table that
//! reference it and the policies that read it. The views that read the table go around every
//! change to it already (`retort_core::diff::views`); the column's privileges are carried over
//! by the statements themselves (see `render`). A column added back waits for the changes to
//! the columns its expression reads that come after it.

use std::collections::{BTreeMap, BTreeSet};

use retort_core::diff::identifier::mentions_identifier;
use retort_core::diff::operation::Operation;
use retort_core::schema::{Column, QualifiedName, Schema};

use crate::render::storage_type;

/// `operations` (which take `from` to `to`) with each change to a generated column that
/// PostgreSQL cannot make in place turned into a drop and an add, with what depends on the
/// column around it.
pub fn recreated_where_not_alterable(
    operations: &[Operation],
    from: &Schema,
    to: &Schema,
) -> Vec<Operation> {
    let mut adapter = Adapter {
        from,
        adapted: Vec::with_capacity(operations.len()),
        columns: BTreeMap::new(),
        set_aside: BTreeSet::new(),
    };
    // Columns added back only after a later change to a column their expression reads, by the
    // index of that change.
    let mut waiting: Vec<(usize, QualifiedName, Column, Column)> = Vec::new();
    for (index, operation) in operations.iter().enumerate() {
        match operation {
            Operation::AlterColumn {
                table,
                from: before,
                to: after,
            } => {
                let before = adapter.as_it_stands(table, before);
                if before == *after || added_back_later(operations, index, table, &before) {
                    // Already added back as declared around an earlier change, or to be
                    // around a later one.
                } else if recreated(&before, after) {
                    match last_change_read_by(operations, index, table, after) {
                        Some(later) => waiting.push((later, table.clone(), before, after.clone())),
                        None => adapter.recreate(table, &before, after),
                    }
                } else if retyped(&before, after) {
                    let readers = adapter.generated_readers(table, &before.name);
                    for reader in &readers {
                        adapter.make_plain(table, reader);
                    }
                    adapter.push(Operation::AlterColumn {
                        table: table.clone(),
                        from: before,
                        to: after.clone(),
                    });
                    for reader in readers {
                        let declared = to
                            .tables
                            .get(table)
                            .and_then(|t| t.column(&reader.name))
                            .filter(|c| c.generated.is_some());
                        let Some(declared) = declared else {
                            // Dropped, or plain from now on: the revision's own operations
                            // do that, from the plain column.
                            continue;
                        };
                        let plain = Column {
                            generated: None,
                            ..reader
                        };
                        match last_change_read_by(operations, index, table, declared) {
                            Some(later) => {
                                waiting.push((later, table.clone(), plain, declared.clone()));
                            }
                            None => adapter.recreate(table, &plain, declared),
                        }
                    }
                } else {
                    adapter.push(Operation::AlterColumn {
                        table: table.clone(),
                        from: before,
                        to: after.clone(),
                    });
                }
            }
            // The generated columns that read a dropped column stay (the declared schema has
            // them read something else: their change comes later): added back with their new
            // expression first where nothing that expression reads changes in between, made
            // plain otherwise (their change then starts from the plain column).
            Operation::DropColumn { table, column } => {
                for reader in adapter.generated_readers(table, &column.name) {
                    let change = operations
                        .iter()
                        .skip(index + 1)
                        .find_map(|later| match later {
                            Operation::AlterColumn {
                                table: t,
                                from,
                                to: after,
                            } if t == table && from.name == reader.name => Some(after),
                            _ => None,
                        });
                    match change {
                        Some(after)
                            if recreated(&reader, after)
                                && last_change_read_by(operations, index, table, after)
                                    .is_none() =>
                        {
                            adapter.recreate(table, &reader, after);
                        }
                        _ => adapter.make_plain(table, &reader),
                    }
                }
                adapter.push(operation.clone());
            }
            other => adapter.push(other.clone()),
        }
        let (due, later): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(at, ..)| *at == index);
        waiting = later;
        for (_, table, before, after) in due {
            let before = adapter.as_it_stands(&table, &before);
            if before != after {
                adapter.recreate(&table, &before, &after);
            }
        }
    }
    adapter.adapted
}

/// Whether PostgreSQL cannot make the change from `before` to `after` in place: a new
/// expression, or a plain column becoming generated.
pub fn recreated(before: &Column, after: &Column) -> bool {
    after.generated.is_some() && before.generated != after.generated
}

/// Whether a column's type (as stored) or collation changes: what the server refuses while a
/// generated column reads it.
fn retyped(before: &Column, after: &Column) -> bool {
    storage_type(&before.data_type) != storage_type(&after.data_type)
        || before.collation != after.collation
}

/// Whether the generated column `column` of `table` keeps its expression at the operation at
/// `index` and a later operation retypes a column it reads: the column is then dropped and
/// added back as declared around that change, so nothing is to be altered about it here.
fn added_back_later(
    operations: &[Operation],
    index: usize,
    table: &QualifiedName,
    column: &Column,
) -> bool {
    let Some(expression) = column.generated.as_deref() else {
        return false;
    };
    let keeps_expression = matches!(
        &operations[index],
        Operation::AlterColumn { to, .. } if to.generated.as_deref() == Some(expression)
    );
    keeps_expression
        && operations.iter().skip(index + 1).any(|operation| {
            matches!(operation, Operation::AlterColumn { table: t, from, to }
                if t == table && from.name != column.name && retyped(from, to)
                    && mentions_identifier(expression, &from.name))
        })
}

/// The index of the last operation after `index` that adds or alters a column of `table`
/// that `column`'s expression reads: the column is added back after it.
fn last_change_read_by(
    operations: &[Operation],
    index: usize,
    table: &QualifiedName,
    column: &Column,
) -> Option<usize> {
    let expression = column.generated.as_deref()?;
    operations
        .iter()
        .enumerate()
        .skip(index + 1)
        .filter(|(_, operation)| match operation {
            Operation::AddColumn {
                table: t,
                column: c,
                ..
            }
            | Operation::AlterColumn {
                table: t, to: c, ..
            } => t == table && c.name != column.name && mentions_identifier(expression, &c.name),
            _ => false,
        })
        .map(|(at, _)| at)
        .next_back()
}

/// The operations so far, and what they leave the tables' columns as.
struct Adapter<'a> {
    from: &'a Schema,
    adapted: Vec<Operation>,
    /// The columns of each table the operations have touched, as they leave them.
    columns: BTreeMap<QualifiedName, Vec<Column>>,
    /// Columns this adaptation changed on its own (made plain ahead of a change to a column
    /// they read, or added back as declared): the revision's own operations on them start from
    /// the column as it stands (and are left out where it stands as they would leave it).
    set_aside: BTreeSet<(QualifiedName, String)>,
}

impl Adapter<'_> {
    fn columns_of(&mut self, table: &QualifiedName) -> &mut Vec<Column> {
        let from = self.from;
        self.columns.entry(table.clone()).or_insert_with(|| {
            from.tables
                .get(table)
                .map(|t| t.columns.clone())
                .unwrap_or_default()
        })
    }

    /// `operation`, appended, and the columns it leaves.
    fn push(&mut self, operation: Operation) {
        match &operation {
            Operation::AlterColumn { table, to, .. } => {
                let columns = self.columns_of(table);
                if let Some(column) = columns.iter_mut().find(|c| c.name == to.name) {
                    *column = to.clone();
                }
            }
            Operation::AddColumn { table, column, .. } => {
                self.columns_of(table).push(column.clone());
            }
            Operation::DropColumn { table, column } => {
                self.columns_of(table).retain(|c| c.name != column.name);
            }
            // Renames need no following: the schema the operations start from has the new
            // names, and the renames back of a downgrade come after every other change.
            _ => {}
        }
        self.adapted.push(operation);
    }

    /// `column` of `table` as the operations so far leave it, where this adaptation changed it
    /// (made it plain, or added it back as declared); otherwise as the revision says.
    fn as_it_stands(&mut self, table: &QualifiedName, column: &Column) -> Column {
        if !self
            .set_aside
            .contains(&(table.clone(), column.name.clone()))
        {
            return column.clone();
        }
        self.columns_of(table)
            .iter()
            .find(|c| c.name == column.name)
            .cloned()
            .unwrap_or_else(|| column.clone())
    }

    /// The generated columns of `table` that read `column`, as they stand.
    fn generated_readers(&mut self, table: &QualifiedName, column: &str) -> Vec<Column> {
        self.columns_of(table)
            .iter()
            .filter(|c| {
                c.name != column
                    && c.generated
                        .as_deref()
                        .is_some_and(|expression| mentions_identifier(expression, column))
            })
            .cloned()
            .collect()
    }

    /// Make the generated column `column` of `table` plain (`DROP EXPRESSION`, its values
    /// kept): the revision's own operations on it start from the plain column.
    fn make_plain(&mut self, table: &QualifiedName, column: &Column) {
        self.push(Operation::AlterColumn {
            table: table.clone(),
            from: column.clone(),
            to: Column {
                generated: None,
                ..column.clone()
            },
        });
        self.set_aside.insert((table.clone(), column.name.clone()));
    }

    /// Drop `before` and add `after` (one `AlterColumn`, which the renderer writes as both),
    /// with what depends on the column dropped before and created again after.
    fn recreate(&mut self, table: &QualifiedName, before: &Column, after: &Column) {
        let dependents = self.dependents(table, &before.name);
        for (drop, _) in dependents.iter().rev() {
            self.push(drop.clone());
        }
        self.push(Operation::AlterColumn {
            table: table.clone(),
            from: before.clone(),
            to: after.clone(),
        });
        for (_, create) in dependents {
            self.push(create);
        }
        // The revision's own operations on it start from the column as added back.
        self.set_aside.insert((table.clone(), after.name.clone()));
    }

    /// What depends on `table.column` as the operations so far leave it, each as the operation
    /// that drops it and the one that creates it again, in the order of creation (keys before
    /// the foreign keys that reference them, tables' constraints before triggers and policies).
    fn dependents(&self, table: &QualifiedName, column: &str) -> Vec<(Operation, Operation)> {
        let mut standing = Standing::of(self.from, table);
        for operation in &self.adapted {
            standing.apply(operation);
        }
        standing.naming(table, column)
    }
}

/// The constraints, indexes, triggers and policies of a table (and the foreign keys of every
/// table that point at it) as a list of operations leaves them, each by its kind, table and
/// name, with the operations that drop it and create it.
struct Standing {
    objects: BTreeMap<(u8, QualifiedName, String), Operation>,
}

impl Standing {
    /// The objects of `table` in `schema`, and the foreign keys that reference it.
    fn of(schema: &Schema, table: &QualifiedName) -> Self {
        let mut standing = Self {
            objects: BTreeMap::new(),
        };
        if let Some(t) = schema.tables.get(table) {
            let name = &t.name;
            if let Some(primary_key) = &t.primary_key {
                standing.apply(&Operation::AddPrimaryKey {
                    table: name.clone(),
                    primary_key: primary_key.clone(),
                });
            }
            for unique in &t.uniques {
                standing.apply(&Operation::AddUnique {
                    table: name.clone(),
                    unique: unique.clone(),
                });
            }
            for index in &t.indexes {
                standing.apply(&Operation::CreateIndex {
                    table: name.clone(),
                    index: index.clone(),
                });
            }
            for check in &t.checks {
                standing.apply(&Operation::AddCheck {
                    table: name.clone(),
                    check: check.clone(),
                });
            }
            for trigger in &t.triggers {
                standing.apply(&Operation::CreateTrigger {
                    table: name.clone(),
                    trigger: trigger.clone(),
                });
            }
            for policy in &t.policies {
                standing.apply(&Operation::CreatePolicy {
                    table: name.clone(),
                    policy: policy.clone(),
                });
            }
        }
        for other in schema.tables.values() {
            for foreign_key in &other.foreign_keys {
                if &foreign_key.referenced_table == table || &other.name == table {
                    standing.apply(&Operation::AddForeignKey {
                        table: other.name.clone(),
                        foreign_key: foreign_key.clone(),
                    });
                }
            }
        }
        standing
    }

    /// Follow `operation`: what it creates stands (as it creates it), what it drops does not.
    fn apply(&mut self, operation: &Operation) {
        // Kinds, in the order of creation.
        const PRIMARY_KEY: u8 = 0;
        const UNIQUE: u8 = 1;
        const INDEX: u8 = 2;
        const CHECK: u8 = 3;
        const FOREIGN_KEY: u8 = 4;
        const TRIGGER: u8 = 5;
        const POLICY: u8 = 6;
        let key =
            |kind: u8, table: &QualifiedName, name: &str| (kind, table.clone(), name.to_owned());
        match operation {
            Operation::AddPrimaryKey { table, primary_key } => {
                self.objects.insert(
                    key(PRIMARY_KEY, table, &primary_key.name),
                    operation.clone(),
                );
            }
            Operation::AddUnique { table, unique } => {
                self.objects
                    .insert(key(UNIQUE, table, &unique.name), operation.clone());
            }
            Operation::CreateIndex { table, index } => {
                self.objects
                    .insert(key(INDEX, table, &index.name), operation.clone());
            }
            Operation::AddCheck { table, check } => {
                self.objects
                    .insert(key(CHECK, table, &check.name), operation.clone());
            }
            Operation::AddForeignKey { table, foreign_key } => {
                self.objects.insert(
                    key(FOREIGN_KEY, table, &foreign_key.name),
                    operation.clone(),
                );
            }
            Operation::CreateTrigger { table, trigger } => {
                self.objects
                    .insert(key(TRIGGER, table, &trigger.name), operation.clone());
            }
            Operation::CreatePolicy { table, policy } => {
                self.objects
                    .insert(key(POLICY, table, &policy.name), operation.clone());
            }
            Operation::AlterPolicy { table, to, .. } => {
                self.objects.insert(
                    key(POLICY, table, &to.name),
                    Operation::CreatePolicy {
                        table: table.clone(),
                        policy: to.clone(),
                    },
                );
            }
            Operation::DropPrimaryKey { table, primary_key } => {
                self.objects
                    .remove(&key(PRIMARY_KEY, table, &primary_key.name));
            }
            Operation::DropUnique { table, unique } => {
                self.objects.remove(&key(UNIQUE, table, &unique.name));
            }
            Operation::DropIndex { table, index } => {
                self.objects.remove(&key(INDEX, table, &index.name));
            }
            Operation::DropCheck { table, check } => {
                self.objects.remove(&key(CHECK, table, &check.name));
            }
            Operation::DropForeignKey { table, foreign_key } => {
                self.objects
                    .remove(&key(FOREIGN_KEY, table, &foreign_key.name));
            }
            Operation::DropTrigger { table, trigger } => {
                self.objects.remove(&key(TRIGGER, table, &trigger.name));
            }
            Operation::DropPolicy { table, policy } => {
                self.objects.remove(&key(POLICY, table, &policy.name));
            }
            Operation::DropTable { table } => {
                self.objects.retain(|(_, t, _), _| t != &table.name);
            }
            _ => {}
        }
    }

    /// The objects that name `table.column`, as pairs of the operation that drops one and the
    /// one that creates it again, in the order of creation.
    fn naming(&self, table: &QualifiedName, column: &str) -> Vec<(Operation, Operation)> {
        let has = |columns: &[String]| columns.iter().any(|c| c == column);
        self.objects
            .values()
            .filter_map(|create| {
                let drop = match create {
                    Operation::AddPrimaryKey {
                        table: t,
                        primary_key,
                    } if t == table && has(&primary_key.columns) => Operation::DropPrimaryKey {
                        table: t.clone(),
                        primary_key: primary_key.clone(),
                    },
                    Operation::AddUnique { table: t, unique }
                        if t == table && has(&unique.columns) =>
                    {
                        Operation::DropUnique {
                            table: t.clone(),
                            unique: unique.clone(),
                        }
                    }
                    Operation::CreateIndex { table: t, index }
                        if t == table && mentions_identifier(&index.definition, column) =>
                    {
                        Operation::DropIndex {
                            table: t.clone(),
                            index: index.clone(),
                        }
                    }
                    Operation::AddCheck { table: t, check }
                        if t == table && mentions_identifier(&check.definition, column) =>
                    {
                        Operation::DropCheck {
                            table: t.clone(),
                            check: check.clone(),
                        }
                    }
                    Operation::AddForeignKey {
                        table: t,
                        foreign_key,
                    } if (t == table && has(&foreign_key.columns))
                        || (&foreign_key.referenced_table == table
                            && has(&foreign_key.referenced_columns)) =>
                    {
                        Operation::DropForeignKey {
                            table: t.clone(),
                            foreign_key: foreign_key.clone(),
                        }
                    }
                    Operation::CreateTrigger { table: t, trigger }
                        if t == table && mentions_identifier(&trigger.definition, column) =>
                    {
                        Operation::DropTrigger {
                            table: t.clone(),
                            trigger: trigger.clone(),
                        }
                    }
                    Operation::CreatePolicy { table: t, policy }
                        if t == table
                            && policy
                                .expressions()
                                .any(|expression| mentions_identifier(expression, column)) =>
                    {
                        Operation::DropPolicy {
                            table: t.clone(),
                            policy: policy.clone(),
                        }
                    }
                    _ => return None,
                };
                Some((drop, create.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use retort_core::diff::operation::Operation;
    use retort_core::schema::{Column, Index, QualifiedName, Schema, Table};

    use super::recreated_where_not_alterable;

    fn column(name: &str, data_type: &str, generated: Option<&str>) -> Column {
        Column {
            name: name.to_owned(),
            data_type: data_type.to_owned(),
            nullable: true,
            default: None,
            identity: None,
            identity_options: retort_core::schema::IdentityOptions::default(),
            generated: generated.map(str::to_owned),
            virtual_generated: false,
            collation: None,
            comment: None,
        }
    }

    fn schema(columns: Vec<Column>, indexes: Vec<Index>) -> (QualifiedName, Schema) {
        let name = QualifiedName {
            schema: "public".to_owned(),
            name: "r".to_owned(),
        };
        let mut table = Table::new(name.clone());
        table.columns = columns;
        table.indexes = indexes;
        let mut schema = Schema::default();
        schema.tables.insert(name.clone(), table);
        (name, schema)
    }

    /// What each operation does to which column, in order.
    fn shown(operations: &[Operation]) -> Vec<String> {
        operations
            .iter()
            .map(|operation| match operation {
                Operation::AlterColumn { from, to, .. } => format!(
                    "alter {} {}{} → {}{}",
                    to.name,
                    from.data_type,
                    from.generated.as_deref().map_or("", |_| " generated"),
                    to.data_type,
                    to.generated.as_deref().map_or("", |_| " generated"),
                ),
                Operation::AddColumn { column, .. } => format!("add {}", column.name),
                Operation::DropIndex { index, .. } => format!("drop index {}", index.name),
                Operation::CreateIndex { index, .. } => format!("create index {}", index.name),
                other => other.summary(),
            })
            .collect()
    }

    #[test]
    fn a_generated_column_goes_around_a_retype_of_what_it_reads() {
        let index = Index {
            name: "r_area".to_owned(),
            unique: false,
            definition: "CREATE INDEX r_area ON public.r USING btree (area)".to_owned(),
            comment: None,
        };
        let area = |data_type| column("area", data_type, Some("(w * h)"));
        let (table, from) = schema(
            vec![
                column("w", "integer", None),
                column("h", "integer", None),
                area("integer"),
            ],
            vec![index.clone()],
        );
        let (_, to) = schema(
            vec![
                column("w", "bigint", None),
                column("h", "integer", None),
                area("bigint"),
            ],
            vec![index],
        );
        let operations = vec![
            Operation::AlterColumn {
                table: table.clone(),
                from: column("w", "integer", None),
                to: column("w", "bigint", None),
            },
            Operation::AlterColumn {
                table,
                from: area("integer"),
                to: area("bigint"),
            },
        ];
        assert_eq!(
            shown(&recreated_where_not_alterable(&operations, &from, &to)),
            [
                "alter area integer generated → integer",
                "alter w integer → bigint",
                "drop index r_area",
                "alter area integer → bigint generated",
                "create index r_area",
            ]
        );
    }

    #[test]
    fn a_new_expression_waits_for_the_column_it_reads() {
        let (table, from) = schema(
            vec![
                column("qty", "integer", None),
                column("total", "integer", Some("(qty * 2)")),
            ],
            Vec::new(),
        );
        let total = column("total", "integer", Some("((qty * 2) - discount)"));
        let discount = column("discount", "integer", None);
        let (_, to) = schema(
            vec![
                column("qty", "integer", None),
                total.clone(),
                discount.clone(),
            ],
            Vec::new(),
        );
        let operations = vec![
            Operation::AlterColumn {
                table: table.clone(),
                from: column("total", "integer", Some("(qty * 2)")),
                to: total,
            },
            Operation::AddColumn {
                table,
                column: discount,
                position: None,
            },
        ];
        assert_eq!(
            shown(&recreated_where_not_alterable(&operations, &from, &to)),
            [
                "add discount",
                "alter total integer generated → integer generated"
            ]
        );
    }
}
