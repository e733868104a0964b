//! The fast path of autogenerate on PostgreSQL: the declared schema parsed with sqlparser's
//! PostgreSQL dialect and normalized exactly as the catalog prints it back, without loading it
//! into a scratch database.
//!
//! It takes, in the default schema `public`: tables; columns with the types of [`types`], the
//! defaults of [`expression`] (and `nextval()` of a declared sequence), NOT NULL, identity,
//! serial, stored generated columns and `COLLATE "C"`; primary keys, unique constraints, foreign
//! keys (actions, deferrable) and CHECK constraints with PostgreSQL's generated names (`t_pkey`,
//! `t_a_key`, `t_a_fkey`, `t_a_check1`); indexes (unique, partial, `lower()`/`upper()`
//! expressions, hash and GIN, DESC/NULLS, INCLUDE); enum types; standalone sequences; comments;
//! `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`. Anything else is [`Declined`] with
//! what it was, and the caller takes the exact scratch-database path: nothing is ever dropped
//! from the model. Where PostgreSQL would refuse the DDL or pick a name this parser cannot
//! predict (a suffix after a collision, truncation at 63 bytes), it declines too. The tests hold
//! this path to `parse(S) == introspect(load(S))` on every fixture it accepts.

mod expression;
mod index;
mod names;
pub mod partial;
mod sequence;
mod stand_in;
mod table;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use retort_core::schema::{Check, ForeignKey, Schema, Table};
use sqlparser::ast::{
    AlterTableOperation, CommentObject, CreateTable, CreateTableOptions, DeferrableInitial, Expr,
    ForeignKeyConstraint, ObjectName, ObjectNamePart, ReferentialAction, Spanned, Statement,
    TableConstraint, UserDefinedTypeRepresentation,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use retort_core::declared_sql::referential_action;
pub use retort_core::declared_sql::Declined;

use names::{identifier, identifiers, qualified, relation_name, MAX_NAME, SCHEMA};
use table::TableBuilder;
use types::TypeClass;

/// Parse and normalize the declared files.
pub fn parse(files: &[(PathBuf, String)]) -> Result<Schema, Declined> {
    let mut declared = Declared::default();
    for (path, text) in files {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, text)
            .map_err(|e| Declined(format!("{}: {e}", path.display())))?;
        for statement in &statements {
            declared.statement(statement)?;
        }
    }
    Ok(declared.finish())
}

#[derive(Default)]
struct Declared {
    schema: Schema,
    /// Column classes per table, for expressions and foreign keys.
    classes: BTreeMap<String, BTreeMap<String, TypeClass>>,
    /// Tables, indexes and sequences share one namespace in PostgreSQL.
    relations: BTreeSet<String>,
    /// Constraint names in the schema: a generated name avoids them all.
    constraint_names: BTreeSet<String>,
}

impl Declared {
    fn statement(&mut self, statement: &Statement) -> Result<(), Declined> {
        match statement {
            Statement::CreateTable(create) => self.create_table(create),
            Statement::CreateIndex(create) => self.create_index(create),
            Statement::AlterTable(alter) if !alter.only && !alter.if_exists => {
                let table = relation_name(&alter.name)?;
                for operation in &alter.operations {
                    match operation {
                        AlterTableOperation::AddConstraint {
                            constraint: TableConstraint::ForeignKey(key),
                            not_valid: false,
                        } => self.add_foreign_key(&table, key, None)?,
                        other => {
                            return Err(Declined(format!("ALTER TABLE {table} {other}")));
                        }
                    }
                }
                Ok(())
            }
            Statement::CreateType {
                name,
                representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
            } => {
                let name = relation_name(name)?;
                let labels: Vec<String> = labels.iter().map(|l| l.value.clone()).collect();
                let unique: BTreeSet<&String> = labels.iter().collect();
                if self.schema.tables.contains_key(&qualified(&name))
                    || unique.len() != labels.len()
                    || self.schema.enums.insert(qualified(&name), labels).is_some()
                {
                    return Err(Declined(format!("the type {name} declared twice")));
                }
                Ok(())
            }
            Statement::CreateSequence {
                temporary: false,
                if_not_exists: false,
                name,
                sequence_options,
            } => {
                let name = relation_name(name)?;
                let sequence = sequence::sequence(sequence_options)
                    .ok_or_else(|| Declined(format!("the options of sequence {name}")))?;
                self.claim_relation(&name)?;
                self.schema.sequences.insert(qualified(&name), sequence);
                Ok(())
            }
            Statement::Comment {
                object_type,
                object_name,
                comment,
                if_exists: false,
            } => self.comment(*object_type, object_name, comment.clone()),
            other => Err(Declined::statement(other)),
        }
    }

    fn claim_relation(&mut self, name: &str) -> Result<(), Declined> {
        if name.len() > MAX_NAME || !self.relations.insert(name.to_owned()) {
            return Err(Declined(format!("the relation name {name}")));
        }
        Ok(())
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, Declined> {
        self.schema
            .tables
            .get_mut(&qualified(name))
            .ok_or_else(|| Declined(format!("table {name} used before CREATE TABLE")))
    }

    fn create_table(&mut self, create: &CreateTable) -> Result<(), Declined> {
        let name = relation_name(&create.name)?;
        if !retort_core::declared_sql::is_plain_create_table(create)
            || !matches!(create.table_options, CreateTableOptions::None)
            || self.schema.enums.contains_key(&qualified(&name))
        {
            return Err(Declined(format!("the form of CREATE TABLE {name}")));
        }
        self.claim_relation(&name)?;
        let mut builder = TableBuilder::new(&name);
        for definition in &create.columns {
            builder.column(definition, &self.schema)?;
        }
        builder.resolve_generated()?;
        for constraint in &create.constraints {
            builder.table_constraint(constraint)?;
        }
        let TableBuilder {
            table,
            classes,
            mut checks,
            foreign_keys,
            ..
        } = builder;
        self.classes.insert(name.clone(), classes);
        for key in [&table.primary_key]
            .into_iter()
            .flatten()
            .chain(&table.uniques)
        {
            self.claim_relation(&key.name)?;
            self.constraint_names.insert(key.name.clone());
        }
        self.schema.tables.insert(qualified(&name), table);

        // CHECK constraints are named in the order they were written, columns' and the table's
        // interleaved.
        checks.sort_by_key(|check| (check.1.span().start.line, check.1.span().start.column));
        for (check_name, expression) in checks {
            self.add_check(&name, check_name, &expression)?;
        }
        for (key, implied_column) in foreign_keys {
            self.add_foreign_key(&name, &key, implied_column)?;
        }
        Ok(())
    }

    fn add_check(
        &mut self,
        table: &str,
        check_name: Option<String>,
        expression: &Expr,
    ) -> Result<(), Declined> {
        let classes = &self.classes[table];
        let (printed, named) = expression::boolean(expression, classes)?;
        let check_name = if let Some(given) = check_name {
            given
        } else {
            // PostgreSQL names a check after its one column, or after the table alone.
            let column = match named.as_slice() {
                [only] => format!("_{only}"),
                _ => String::new(),
            };
            self.generated_constraint_name(&format!("{table}{column}_check"))?
        };
        let table_entry = self.table_mut(table)?;
        if table_entry.checks.iter().any(|c| c.name == check_name) {
            return Err(Declined(format!("the check name {check_name} used twice")));
        }
        table_entry.checks.push(Check {
            comment: None,
            name: check_name.clone(),
            definition: format!("CHECK ({printed})"),
        });
        self.constraint_names.insert(check_name);
        Ok(())
    }

    /// `base`, or `base1`, `base2`… — the first no constraint of the schema has.
    fn generated_constraint_name(&self, base: &str) -> Result<String, Declined> {
        let mut name = base.to_owned();
        let mut number = 0;
        while self.constraint_names.contains(&name) {
            number += 1;
            name = format!("{base}{number}");
        }
        if name.len() > MAX_NAME {
            return Err(Declined(format!("the generated name {name} is too long")));
        }
        Ok(name)
    }

    /// A foreign key of `table`; `implied_column` is set for a column's `REFERENCES t`, which
    /// may leave out the referenced columns (the primary key's).
    fn add_foreign_key(
        &mut self,
        table: &str,
        key: &ForeignKeyConstraint,
        implied_column: Option<String>,
    ) -> Result<(), Declined> {
        let declined = |why: &str| Declined(format!("the foreign key {key} on {table}: {why}"));
        if key.index_name.is_some() || key.match_kind.is_some() {
            return Err(declined("its options"));
        }
        let columns = match implied_column {
            Some(column) => vec![column],
            None => identifiers(&key.columns)?,
        };
        let referenced_name = relation_name(&key.foreign_table)?;
        let referenced = self
            .schema
            .tables
            .get(&qualified(&referenced_name))
            .ok_or_else(|| declined("the referenced table is not declared before it"))?;
        let referenced_columns = if key.referred_columns.is_empty() {
            referenced
                .primary_key
                .as_ref()
                .ok_or_else(|| declined("the referenced table has no primary key"))?
                .columns
                .clone()
        } else {
            identifiers(&key.referred_columns)?
        };
        let as_set = |columns: &[String]| columns.iter().cloned().collect::<BTreeSet<_>>();
        let wanted = as_set(&referenced_columns);
        let unique_target = referenced
            .primary_key
            .iter()
            .chain(&referenced.uniques)
            .any(|k| as_set(&k.columns) == wanted)
            && wanted.len() == referenced_columns.len();
        if !unique_target || columns.len() != referenced_columns.len() {
            return Err(declined("the referenced columns are not a key"));
        }
        for (column, other) in columns.iter().zip(&referenced_columns) {
            let own = self.classes[table].get(column);
            let theirs = self.classes[&referenced_name].get(other);
            let own_type = self.schema.tables[&qualified(table)].column(column);
            let their_type = referenced.column(other);
            let compatible = match (own, theirs, own_type, their_type) {
                (Some(TypeClass::Integer), Some(TypeClass::Integer), ..) => true,
                (Some(_), Some(_), Some(a), Some(b)) => a.data_type == b.data_type,
                _ => false,
            };
            if !compatible {
                return Err(declined("columns of different types"));
            }
        }
        let action =
            |action: &Option<ReferentialAction>| referential_action(action.as_ref(), "NO ACTION");
        let (deferrable, initially_deferred) = match &key.characteristics {
            None => (false, false),
            Some(c) if c.enforced.is_none() => {
                let deferred = c.initially == Some(DeferrableInitial::Deferred);
                let deferrable = c.deferrable.unwrap_or(false);
                if deferred && !deferrable {
                    return Err(declined("INITIALLY DEFERRED without DEFERRABLE"));
                }
                (deferrable, deferred)
            }
            Some(_) => return Err(declined("its options")),
        };
        let key_name = match &key.name {
            Some(given) => identifier(given)?,
            None => {
                self.generated_constraint_name(&format!("{table}_{}_fkey", columns.join("_")))?
            }
        };
        let foreign_key = ForeignKey {
            comment: None,
            name: key_name.clone(),
            columns,
            referenced_table: qualified(&referenced_name),
            referenced_columns,
            on_delete: action(&key.on_delete).to_owned(),
            on_update: action(&key.on_update).to_owned(),
            deferrable,
            initially_deferred,
            match_full: false,
            not_valid: false,
        };
        let entry = self.table_mut(table)?;
        let taken = entry
            .foreign_keys
            .iter()
            .map(|k| &k.name)
            .chain(entry.checks.iter().map(|c| &c.name))
            .chain(entry.uniques.iter().map(|u| &u.name))
            .chain(entry.primary_key.iter().map(|p| &p.name))
            .any(|n| *n == key_name);
        if taken {
            return Err(declined("its name is taken"));
        }
        entry.foreign_keys.push(foreign_key);
        self.constraint_names.insert(key_name);
        Ok(())
    }

    fn comment(
        &mut self,
        object_type: CommentObject,
        object_name: &ObjectName,
        comment: Option<String>,
    ) -> Result<(), Declined> {
        let parts = object_name
            .0
            .iter()
            .map(|part| match part {
                ObjectNamePart::Identifier(ident) => identifier(ident),
                ObjectNamePart::Function(_) => Err(Declined(format!("the name {object_name}"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let parts = match parts.split_first() {
            Some((schema, rest)) if schema == SCHEMA && !rest.is_empty() => rest.to_vec(),
            _ => parts,
        };
        match (object_type, parts.as_slice()) {
            (CommentObject::Table, [table]) => self.table_mut(table)?.comment = comment,
            (CommentObject::Column, [table, column]) => {
                let entry = self.table_mut(table)?;
                entry
                    .columns
                    .iter_mut()
                    .find(|c| c.name == *column)
                    .ok_or_else(|| Declined(format!("COMMENT ON COLUMN {table}.{column}")))?
                    .comment = comment;
            }
            _ => return Err(Declined(format!("COMMENT ON {object_type} {object_name}"))),
        }
        Ok(())
    }

    /// The schema as introspection reports it, constraints and indexes sorted by name.
    fn finish(mut self) -> Schema {
        for table in self.schema.tables.values_mut() {
            table.sort_by_name();
        }
        self.schema
    }
}
