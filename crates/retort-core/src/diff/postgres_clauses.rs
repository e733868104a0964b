//! Clauses only PostgreSQL has (identity sequence options, DEFERRABLE and NULLS NOT DISTINCT
//! keys, MATCH FULL, NOT VALID, exclusion constraints): the other dialects' renderers refuse an
//! operation that carries one, by name, rather than render it without the clause.

use super::operation::{Operation, TableConstraint};
use crate::schema::{Check, Column, Constraint, ForeignKey, Table};

/// The first PostgreSQL-only clause `operation` carries, described (`identity options START
/// WITH 10 on column id`), or `None`.
pub fn postgres_only_clause(operation: &Operation) -> Option<String> {
    match operation {
        Operation::CreateTable { table } | Operation::DropTable { table } => in_table(table),
        Operation::RebuildTable { from, to } => in_table(from).or_else(|| in_table(to)),
        Operation::AddColumn { column, .. } | Operation::DropColumn { column, .. } => {
            in_column(column)
        }
        Operation::AlterColumn { from, to, .. } => in_column(from).or_else(|| in_column(to)),
        Operation::AddPrimaryKey {
            primary_key: key, ..
        }
        | Operation::DropPrimaryKey {
            primary_key: key, ..
        }
        | Operation::AddUnique { unique: key, .. }
        | Operation::DropUnique { unique: key, .. } => in_key(key),
        Operation::AddCheck { check, .. } | Operation::DropCheck { check, .. } => in_check(check),
        Operation::AddForeignKey { foreign_key, .. }
        | Operation::DropForeignKey { foreign_key, .. } => in_foreign_key(foreign_key),
        Operation::RenameConstraint { from, to, .. }
        | Operation::SetConstraintValidity { from, to, .. } => {
            in_constraint(from).or_else(|| in_constraint(to))
        }
        Operation::AlterTogether { operations, .. } => {
            operations.iter().find_map(postgres_only_clause)
        }
        _ => None,
    }
}

fn in_table(table: &Table) -> Option<String> {
    table
        .columns
        .iter()
        .find_map(in_column)
        .or_else(|| table.primary_key.as_ref().and_then(in_key))
        .or_else(|| table.uniques.iter().find_map(in_key))
        .or_else(|| table.checks.iter().find_map(in_check))
        .or_else(|| table.foreign_keys.iter().find_map(in_foreign_key))
}

fn in_column(column: &Column) -> Option<String> {
    (!column.identity_options.is_default()).then(|| {
        format!(
            "identity options {} on column {}",
            column.identity_options.describe(),
            column.name
        )
    })
}

fn in_key(key: &Constraint) -> Option<String> {
    if key.deferrable {
        Some(format!("DEFERRABLE on constraint {}", key.name))
    } else if key.nulls_not_distinct {
        Some(format!("NULLS NOT DISTINCT on constraint {}", key.name))
    } else {
        None
    }
}

fn in_check(check: &Check) -> Option<String> {
    if check.is_exclusion() {
        Some(format!("exclusion constraint {}", check.name))
    } else {
        check
            .not_valid()
            .then(|| format!("NOT VALID on constraint {}", check.name))
    }
}

fn in_foreign_key(foreign_key: &ForeignKey) -> Option<String> {
    if foreign_key.match_full {
        Some(format!("MATCH FULL on foreign key {}", foreign_key.name))
    } else if foreign_key.on_delete.contains('(') {
        Some(format!(
            "ON DELETE {} on foreign key {}",
            foreign_key.on_delete, foreign_key.name
        ))
    } else {
        foreign_key
            .not_valid
            .then(|| format!("NOT VALID on foreign key {}", foreign_key.name))
    }
}

fn in_constraint(constraint: &TableConstraint) -> Option<String> {
    match constraint {
        TableConstraint::PrimaryKey(key) | TableConstraint::Unique(key) => in_key(key),
        TableConstraint::Check(check) => in_check(check),
        TableConstraint::ForeignKey(foreign_key) => in_foreign_key(foreign_key),
    }
}
