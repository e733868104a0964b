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
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use retort_core::schema::{
    Check, Column, Constraint, ForeignKey, Index, QualifiedName, Schema, Sequence, Table,
};
use sqlparser::ast::{
    AlterTableOperation, ColumnOption, CommentObject, CreateIndex, CreateTable, CreateTableOptions,
    DeferrableInitial, Expr, ForeignKeyConstraint, GeneratedAs, Ident, IndexColumn, IndexType,
    ObjectName, ObjectNamePart, OrderBySort, ReferentialAction, SequenceOptions, Spanned,
    Statement, TableConstraint, UserDefinedTypeRepresentation,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

pub use retort_core::declared_sql::Declined;

use expression::Columns;
use types::TypeClass;

const SCHEMA: &str = "public";
/// PostgreSQL truncates longer names (NAMEDATALEN - 1).
const MAX_NAME: usize = 63;

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
                let sequence = sequence(sequence_options)
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
        let mut builder = TableBuilder {
            table: Table::new(qualified(&name)),
            classes: BTreeMap::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            generated: Vec::new(),
        };
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
        let action = |action: &Option<ReferentialAction>| match action {
            None | Some(ReferentialAction::NoAction) => "NO ACTION",
            Some(ReferentialAction::Restrict) => "RESTRICT",
            Some(ReferentialAction::Cascade) => "CASCADE",
            Some(ReferentialAction::SetNull) => "SET NULL",
            Some(ReferentialAction::SetDefault) => "SET DEFAULT",
        };
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
            name: key_name.clone(),
            columns,
            referenced_table: qualified(&referenced_name),
            referenced_columns,
            on_delete: action(&key.on_delete).to_owned(),
            on_update: action(&key.on_update).to_owned(),
            deferrable,
            initially_deferred,
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

    fn create_index(&mut self, create: &CreateIndex) -> Result<(), Declined> {
        let declined = || Declined(format!("the index {create}"));
        if create.concurrently
            || create.if_not_exists
            || create.r#async
            || create.nulls_distinct.is_some()
            || !create.with.is_empty()
            || !create.index_options.is_empty()
            || !create.alter_options.is_empty()
        {
            return Err(declined());
        }
        let table = relation_name(&create.table_name)?;
        let classes = self.classes.get(&table).ok_or_else(declined)?;
        let method = match create.using {
            None | Some(IndexType::BTree) => "btree",
            Some(IndexType::Hash)
                if !create.unique && create.columns.len() == 1 && create.include.is_empty() =>
            {
                "hash"
            }
            Some(IndexType::GIN) if !create.unique && create.include.is_empty() => "gin",
            Some(_) => return Err(declined()),
        };
        let mut parts = Vec::new();
        let mut name_parts = Vec::new();
        for column in &create.columns {
            let (part, name_part) = index_part(column, classes, method).ok_or_else(declined)?;
            parts.push(part);
            name_parts.push(name_part);
        }
        let mut definition_tail = String::new();
        if !create.include.is_empty() {
            let included = identifiers(&create.include)?;
            if included
                .iter()
                .any(|c| !classes.contains_key(c) || !is_plain(c))
            {
                return Err(declined());
            }
            definition_tail.push_str(&format!(" INCLUDE ({})", included.join(", ")));
        }
        if let Some(predicate) = &create.predicate {
            let (printed, _) = expression::boolean(predicate, classes)?;
            definition_tail.push_str(&format!(" WHERE {printed}"));
        }
        let name = match &create.name {
            Some(name) => relation_name(name)?,
            None => format!("{table}_{}_idx", name_parts.join("_")),
        };
        if !is_plain(&name) || !is_plain(&table) {
            return Err(declined());
        }
        self.claim_relation(&name)?;
        let unique = create.unique;
        let definition = format!(
            "CREATE {}INDEX {name} ON {SCHEMA}.{table} USING {method} ({}){definition_tail}",
            if unique { "UNIQUE " } else { "" },
            parts.join(", ")
        );
        self.table_mut(&table)?.indexes.push(Index {
            name,
            unique,
            definition,
        });
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
            table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
            table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.schema
    }
}

impl Columns for BTreeMap<String, TypeClass> {
    fn class_of(&self, column: &str) -> Option<TypeClass> {
        self.get(column).cloned()
    }
}

/// A table being declared, with what is resolved once the whole statement is read.
struct TableBuilder {
    table: Table,
    classes: BTreeMap<String, TypeClass>,
    /// Checks in any order, with the expression whose position orders their names.
    checks: Vec<(Option<String>, Expr)>,
    /// Foreign keys, with the column of a column-level `REFERENCES`.
    foreign_keys: Vec<(ForeignKeyConstraint, Option<String>)>,
    /// Stored generated columns, resolved once every column is known.
    generated: Vec<(String, Expr)>,
}

impl TableBuilder {
    fn name(&self) -> &str {
        &self.table.name.name
    }

    fn column(
        &mut self,
        definition: &sqlparser::ast::ColumnDef,
        schema: &Schema,
    ) -> Result<(), Declined> {
        let column_name = identifier(&definition.name)?;
        if self.classes.contains_key(&column_name) {
            return Err(Declined(format!("column {column_name} declared twice")));
        }
        let enums = |name: &str| schema.enums.get(&qualified(name)).cloned();
        let (data_type, class) = types::column_type(&definition.data_type, &enums)?;
        let serial = types::is_serial(&data_type);
        let mut column = Column {
            name: column_name.clone(),
            nullable: !serial,
            data_type,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
        };
        let mut explicitly_null = false;
        // (primary?, name): made once the column is in place.
        let mut inline_keys: Vec<(bool, Option<String>)> = Vec::new();
        for option in &definition.options {
            let unsupported = || {
                Declined(format!(
                    "the column option {} on {}.{column_name}",
                    option.option,
                    self.name()
                ))
            };
            let constraint_name = option.name.as_ref().map(identifier).transpose()?;
            match &option.option {
                ColumnOption::Null => explicitly_null = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(expression) if !serial => {
                    column.default = match expression::nextval_sequence(expression) {
                        Some(sequence)
                            if class == TypeClass::Integer
                                && schema.sequences.contains_key(&qualified(&sequence)) =>
                        {
                            Some(format!("nextval('{sequence}'::regclass)"))
                        }
                        Some(_) => return Err(unsupported()),
                        None => expression::default_value(expression, &column.data_type, &class)?,
                    };
                }
                ColumnOption::Generated {
                    generated_as: GeneratedAs::ExpStored,
                    generation_expr: Some(expression),
                    generation_expr_mode: Some(sqlparser::ast::GeneratedExpressionMode::Stored),
                    ..
                } => self
                    .generated
                    .push((column_name.clone(), expression.clone())),
                ColumnOption::PrimaryKey(key)
                    if key.characteristics.is_none() && key.index_options.is_empty() =>
                {
                    column.nullable = false;
                    inline_keys.push((true, constraint_name));
                }
                ColumnOption::Unique(key)
                    if key.characteristics.is_none()
                        && key.index_options.is_empty()
                        && key.nulls_distinct == sqlparser::ast::NullsDistinctOption::None =>
                {
                    inline_keys.push((false, constraint_name));
                }
                ColumnOption::ForeignKey(key) if key.columns.is_empty() => {
                    let mut key = key.clone();
                    key.name = key.name.or_else(|| option.name.clone());
                    self.foreign_keys.push((key, Some(column_name.clone())));
                }
                ColumnOption::Check(check) if check.enforced.is_none() && !check.no_inherit => {
                    self.checks.push((constraint_name, (*check.expr).clone()));
                }
                ColumnOption::Generated {
                    generated_as: generated_as @ (GeneratedAs::Always | GeneratedAs::ByDefault),
                    sequence_options,
                    generation_expr: None,
                    ..
                } if class == TypeClass::Integer
                    && !serial
                    && sequence_options.as_ref().is_none_or(Vec::is_empty) =>
                {
                    let kind = if *generated_as == GeneratedAs::Always {
                        "ALWAYS"
                    } else {
                        "BY DEFAULT"
                    };
                    column.identity = Some(kind.to_owned());
                    column.nullable = false;
                }
                ColumnOption::Collation(collation)
                    if matches!(
                        class,
                        TypeClass::Text | TypeClass::Varchar | TypeClass::Character
                    ) =>
                {
                    let collation = relation_name(collation)?;
                    if collation != "C" && collation != "POSIX" {
                        return Err(unsupported());
                    }
                    column.collation = Some(collation);
                }
                _ => return Err(unsupported()),
            }
        }
        if explicitly_null && !column.nullable
            || column.identity.is_some() && column.default.is_some()
        {
            return Err(Declined(format!(
                "contradictory options on {}.{column_name}",
                self.name()
            )));
        }
        self.classes.insert(column_name.clone(), class);
        self.table.columns.push(column);
        for (primary, name) in inline_keys {
            let columns = vec![column_name.clone()];
            if primary {
                self.set_primary_key(name, columns)?;
            } else {
                self.add_unique(name, columns)?;
            }
        }
        Ok(())
    }

    /// Print the generated columns' expressions, now that every column they may name is known.
    /// The expression must already have the column's type: a cast PostgreSQL would add to
    /// assign it is not predicted.
    fn resolve_generated(&mut self) -> Result<(), Declined> {
        for (column_name, expression) in std::mem::take(&mut self.generated) {
            let (printed, class, named) = expression::generated(&expression, &self.classes)?;
            let target = self.table.column(&column_name).map(|c| c.data_type.clone());
            let same_type =
                |name: &String| self.table.column(name).map(|c| &c.data_type) == target.as_ref();
            let fits = Some(&class) == self.classes.get(&column_name)
                && !named.contains(&column_name)
                && target.as_ref().is_some_and(|t| !t.contains('('))
                && (class != TypeClass::Integer || named.iter().all(same_type));
            let column = self
                .table
                .columns
                .iter_mut()
                .find(|c| c.name == column_name)
                .filter(|c| fits && c.default.is_none() && c.identity.is_none())
                .ok_or_else(|| Declined(format!("the generated column {column_name}")))?;
            column.generated = Some(printed);
        }
        Ok(())
    }

    fn table_constraint(&mut self, constraint: &TableConstraint) -> Result<(), Declined> {
        let table_name = self.name().to_owned();
        let unsupported = || Declined(format!("the constraint {constraint} on {table_name}"));
        match constraint {
            TableConstraint::PrimaryKey(key)
                if key.index_name.is_none()
                    && key.index_type.is_none()
                    && key.include.is_empty()
                    && key.index_options.is_empty()
                    && key.characteristics.is_none() =>
            {
                let name = key.name.as_ref().map(identifier).transpose()?;
                let columns = plain_columns(&key.columns).ok_or_else(unsupported)?;
                for column in &columns {
                    self.table
                        .columns
                        .iter_mut()
                        .find(|c| c.name == *column)
                        .ok_or_else(unsupported)?
                        .nullable = false;
                }
                self.set_primary_key(name, columns)
            }
            TableConstraint::Unique(key)
                if key.index_name.is_none()
                    && key.index_type.is_none()
                    && key.include.is_empty()
                    && key.index_options.is_empty()
                    && key.characteristics.is_none()
                    && key.nulls_distinct == sqlparser::ast::NullsDistinctOption::None =>
            {
                let name = key.name.as_ref().map(identifier).transpose()?;
                let columns = plain_columns(&key.columns).ok_or_else(unsupported)?;
                self.add_unique(name, columns)
            }
            TableConstraint::ForeignKey(key) => {
                self.foreign_keys.push((key.clone(), None));
                Ok(())
            }
            TableConstraint::Check(check) if check.enforced.is_none() && !check.no_inherit => {
                let name = check.name.as_ref().map(identifier).transpose()?;
                self.checks.push((name, (*check.expr).clone()));
                Ok(())
            }
            _ => Err(unsupported()),
        }
    }

    fn set_primary_key(
        &mut self,
        name: Option<String>,
        columns: Vec<String>,
    ) -> Result<(), Declined> {
        if self.table.primary_key.is_some() || !self.has_columns(&columns) {
            return Err(Declined(format!("the primary key of {}", self.name())));
        }
        let name = name.unwrap_or_else(|| format!("{}_pkey", self.name()));
        self.table.primary_key = Some(Constraint { name, columns });
        Ok(())
    }

    fn add_unique(&mut self, name: Option<String>, columns: Vec<String>) -> Result<(), Declined> {
        if !self.has_columns(&columns) {
            return Err(Declined(format!("a unique constraint of {}", self.name())));
        }
        let name = name.unwrap_or_else(|| format!("{}_{}_key", self.name(), columns.join("_")));
        self.table.uniques.push(Constraint { name, columns });
        Ok(())
    }

    fn has_columns(&self, columns: &[String]) -> bool {
        let unique: BTreeSet<&String> = columns.iter().collect();
        unique.len() == columns.len() && columns.iter().all(|c| self.classes.contains_key(c))
    }
}

/// One column of an index as `pg_get_indexdef` prints it, and its part of a generated name.
fn index_part(
    column: &IndexColumn,
    classes: &BTreeMap<String, TypeClass>,
    method: &str,
) -> Option<(String, String)> {
    if column.operator_class.is_some() || column.column.with_fill.is_some() {
        return None;
    }
    let (mut part, name_part) = match &column.column.expr {
        Expr::Identifier(ident) => {
            let name = plain_identifier(ident)?;
            let class = classes.get(&name)?;
            // GIN has default operator classes for jsonb and arrays only.
            if method == "gin" && !matches!(class, TypeClass::Json | TypeClass::Array) {
                return None;
            }
            (name.clone(), name)
        }
        _ if method == "gin" => return None,
        // lower(col) / upper(col) on text: the expression indexes case-insensitive lookups use.
        Expr::Function(function) => {
            let function_name = function.name.to_string().to_ascii_lowercase();
            if function_name != "lower" && function_name != "upper" {
                return None;
            }
            let argument = function.args.to_string();
            let argument = argument.strip_prefix('(')?.strip_suffix(')')?;
            let class = classes.get(argument)?;
            let printed = match class {
                TypeClass::Text if is_plain(argument) => argument.to_owned(),
                TypeClass::Varchar if is_plain(argument) => format!("({argument})::text"),
                _ => return None,
            };
            (format!("{function_name}({printed})"), function_name)
        }
        _ => return None,
    };
    let descending = match column.column.options.sort {
        None | Some(OrderBySort::Asc) => false,
        Some(OrderBySort::Desc) => true,
        Some(OrderBySort::Using(_)) => return None,
    };
    if descending && method != "btree" {
        return None;
    }
    if descending {
        part.push_str(" DESC");
    }
    // NULLS FIRST is the default for DESC, NULLS LAST for ASC: only the other is printed.
    match (column.column.options.nulls_first, descending) {
        (Some(false), true) => part.push_str(" NULLS LAST"),
        (Some(true), false) => part.push_str(" NULLS FIRST"),
        _ => {}
    }
    Some((part, name_part))
}

/// `CREATE SEQUENCE` options with PostgreSQL's defaults filled in.
fn sequence(options: &[SequenceOptions]) -> Option<Sequence> {
    let number = |expression: &Expr| -> Option<i64> {
        let text = expression.to_string().replace(' ', "");
        text.parse().ok()
    };
    let mut data_type = "bigint".to_owned();
    let mut increment = 1;
    let (mut minimum, mut maximum, mut start, mut cycle) = (None, None, None, false);
    for option in options {
        match option {
            SequenceOptions::DataType(declared) => {
                let (name, class) = types::column_type(declared, &|_| None).ok()?;
                if class != TypeClass::Integer || types::is_serial(&name) {
                    return None;
                }
                data_type = name;
            }
            SequenceOptions::IncrementBy(value, _) => increment = number(value)?,
            SequenceOptions::MinValue(value) => {
                minimum = match value {
                    Some(value) => Some(number(value)?),
                    None => None,
                };
            }
            SequenceOptions::MaxValue(value) => {
                maximum = match value {
                    Some(value) => Some(number(value)?),
                    None => None,
                };
            }
            SequenceOptions::StartWith(value, _) => start = Some(number(value)?),
            SequenceOptions::Cycle(no_cycle) => cycle = !no_cycle,
            // The model keeps no cache size; an owned sequence belongs to its column.
            SequenceOptions::Cache(_) => {}
            SequenceOptions::OwnedBy(_) => return None,
        }
    }
    let (type_min, type_max) = match data_type.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    if increment == 0 {
        return None;
    }
    let minimum = minimum.unwrap_or(if increment > 0 { 1 } else { type_min });
    let maximum = maximum.unwrap_or(if increment > 0 { type_max } else { -1 });
    let start = start.unwrap_or(if increment > 0 { minimum } else { maximum });
    let valid = type_min <= minimum
        && minimum < maximum
        && maximum <= type_max
        && (minimum..=maximum).contains(&start);
    valid.then_some(Sequence {
        data_type,
        start,
        increment,
        minimum,
        maximum,
        cycle,
    })
}

fn qualified(name: &str) -> QualifiedName {
    QualifiedName {
        schema: SCHEMA.to_owned(),
        name: name.to_owned(),
    }
}

/// A name as PostgreSQL stores it: unquoted folds to lower case, quoted stays as written.
fn identifier(ident: &Ident) -> Result<String, Declined> {
    let name = match ident.quote_style {
        None => ident.value.to_ascii_lowercase(),
        Some('"') => ident.value.clone(),
        Some(_) => return Err(Declined(format!("the name {ident}"))),
    };
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(Declined(format!("the name {ident}")));
    }
    Ok(name)
}

fn identifiers(idents: &[Ident]) -> Result<Vec<String>, Declined> {
    idents.iter().map(identifier).collect()
}

/// A table, type, sequence or index name: `name` or `public.name`.
fn relation_name(name: &ObjectName) -> Result<String, Declined> {
    let parts: Vec<&Ident> = name
        .0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Ok(ident),
            ObjectNamePart::Function(_) => Err(Declined(format!("the name {name}"))),
        })
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [only] => identifier(only),
        [schema, only] if identifier(schema)? == SCHEMA => identifier(only),
        _ => Err(Declined(format!("the name {name} outside schema {SCHEMA}"))),
    }
}

/// Key columns: plain names, no ordering or expressions.
fn plain_columns(columns: &[IndexColumn]) -> Option<Vec<String>> {
    columns
        .iter()
        .map(|column| match &column.column.expr {
            Expr::Identifier(ident)
                if column.column.options.sort.is_none()
                    && column.column.options.nulls_first.is_none()
                    && column.operator_class.is_none() =>
            {
                identifier(ident).ok()
            }
            _ => None,
        })
        .collect()
}

/// A name PostgreSQL prints without quotes (`quote_ident` leaves it alone).
fn is_plain(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !QUOTED_KEYWORDS.contains(&name)
}

/// The column an identifier names, when it prints unquoted.
fn plain_identifier(ident: &Ident) -> Option<String> {
    identifier(ident).ok().filter(|name| is_plain(name))
}

/// PostgreSQL's keywords that `quote_ident` quotes (`pg_get_keywords()` where catcode <> 'U').
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];
