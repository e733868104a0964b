//! One `CREATE TABLE`: its columns and the constraints declared with it, named as PostgreSQL
//! names them.

use std::collections::{BTreeMap, BTreeSet};

use retort_core::schema::{Column, Constraint, Schema, Table};
use sqlparser::ast::{ColumnOption, Expr, ForeignKeyConstraint, GeneratedAs, TableConstraint};

use super::expression;
use super::names::{identifier, plain_columns, qualified, relation_name};
use super::types::{self, TypeClass};
use super::Declined;

/// A table being declared, with what is resolved once the whole statement is read.
pub(super) struct TableBuilder {
    pub(super) table: Table,
    pub(super) classes: BTreeMap<String, TypeClass>,
    /// Checks in any order, with the expression whose position orders their names.
    pub(super) checks: Vec<(Option<String>, Expr)>,
    /// Foreign keys, with the column of a column-level `REFERENCES`.
    pub(super) foreign_keys: Vec<(ForeignKeyConstraint, Option<String>)>,
    /// Stored generated columns, resolved once every column is known.
    pub(super) generated: Vec<(String, Expr)>,
}

impl TableBuilder {
    pub(super) fn new(name: &str) -> Self {
        Self {
            table: Table::new(qualified(name)),
            classes: BTreeMap::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            generated: Vec::new(),
        }
    }

    fn name(&self) -> &str {
        &self.table.name.name
    }

    pub(super) fn column(
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
            virtual_generated: false,
            identity_options: retort_core::schema::IdentityOptions::default(),
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
                    // Set now too, so that `NULL PRIMARY KEY` is seen as the contradiction it is.
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
    pub(super) fn resolve_generated(&mut self) -> Result<(), Declined> {
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

    pub(super) fn table_constraint(
        &mut self,
        constraint: &TableConstraint,
    ) -> Result<(), Declined> {
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
        // Primary key columns are NOT NULL, declared so or not.
        for column in &mut self.table.columns {
            if columns.contains(&column.name) {
                column.nullable = false;
            }
        }
        let name = name.unwrap_or_else(|| format!("{}_pkey", self.name()));
        self.table.primary_key = Some(Constraint::new(name, columns));
        Ok(())
    }

    fn add_unique(&mut self, name: Option<String>, columns: Vec<String>) -> Result<(), Declined> {
        if !self.has_columns(&columns) {
            return Err(Declined(format!("a unique constraint of {}", self.name())));
        }
        let name = name.unwrap_or_else(|| format!("{}_{}_key", self.name(), columns.join("_")));
        self.table.uniques.push(Constraint::new(name, columns));
        Ok(())
    }

    fn has_columns(&self, columns: &[String]) -> bool {
        let unique: BTreeSet<&String> = columns.iter().collect();
        unique.len() == columns.len() && columns.iter().all(|c| self.classes.contains_key(c))
    }
}
