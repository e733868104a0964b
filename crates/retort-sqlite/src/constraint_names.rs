//! The names of a table's keys, checks and foreign keys. SQLite keeps a constraint's name only
//! in the table's `CREATE TABLE` text (`CONSTRAINT "a b" CHECK …`), and none at all for one
//! written without `CONSTRAINT`: introspection reads the written ones from that text and makes
//! the others up from the table and the columns (`t_pkey`, `t_a_b_key`, `t_a_fkey`,
//! `t_check_1`, PostgreSQL's spelling). Rendering writes `CONSTRAINT name` exactly where the
//! name is not the made-up one, so both read back the same.
//!
//! After a rename the model keeps a constraint under its old made-up name (`old_a_key` on table
//! `new`), where SQLite itself rewrote the text and would make up the new one: [`Aliases`]
//! knows every name a table and its columns go by in one plan, so such a name still counts as
//! made up (no rebuild to rename it, and no `CONSTRAINT old_a_key` written into a rebuild).

use std::collections::{BTreeMap, BTreeSet};

use retort_core::diff::operation::{Operation, TableConstraint};
use retort_core::schema::Table;

use crate::identifiers::needs_no_quotes;
use crate::render::quote;

/// The name of a primary key written without `CONSTRAINT`.
pub fn primary_key(table: &str) -> String {
    format!("{table}_pkey")
}

/// The name of a `UNIQUE` constraint on `columns` written without `CONSTRAINT`.
pub fn unique(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_key", columns.join("_"))
}

/// The name of a foreign key from `columns` written without `CONSTRAINT`.
pub fn foreign_key(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_fkey", columns.join("_"))
}

/// The name of the `position`th check (from 1, named ones counted) written without `CONSTRAINT`.
pub fn check(table: &str, position: usize) -> String {
    format!("{table}_check_{position}")
}

/// Whether `name` is a check's made-up name in `table` (whatever its number: the checks before
/// it may come and go).
pub fn is_numbered_check(table: &str, name: &str) -> bool {
    let prefix = format!("{table}_check_");
    name.len() > prefix.len()
        && name.is_char_boundary(prefix.len())
        && name[..prefix.len()].eq_ignore_ascii_case(&prefix)
        && name[prefix.len()..].chars().all(|c| c.is_ascii_digit())
}

/// `CONSTRAINT name ` (with its trailing space) where `name` is written in the text, that is,
/// differs from `made_up` (SQLite compares names without regard to ASCII case); nothing where
/// it is made up. The name is quoted only where it must be, as a hand would write it.
pub fn clause(name: &str, made_up: bool) -> String {
    if made_up {
        String::new()
    } else if needs_no_quotes(name) {
        format!("CONSTRAINT {name} ")
    } else {
        format!("CONSTRAINT {} ", quote(name))
    }
}

/// Every name each table and column goes by in one plan (its renames, either way), in lower
/// case: a name made up from any of them is a made-up name.
#[derive(Debug, Default)]
pub struct Aliases {
    /// Table → every name of its table, itself included.
    tables: BTreeMap<String, BTreeSet<String>>,
    /// (any name of the table, column) → every name of the column, itself included.
    columns: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Aliases {
    pub fn of(operations: &[Operation]) -> Self {
        let mut aliases = Self::default();
        for operation in operations {
            if let Operation::RenameTable { from, to, .. } = operation {
                let group: BTreeSet<String> = aliases
                    .table_names(&from.name)
                    .union(&aliases.table_names(&to.name))
                    .cloned()
                    .collect();
                for name in &group {
                    aliases.tables.insert(name.clone(), group.clone());
                }
            }
        }
        for operation in operations {
            if let Operation::RenameColumn {
                table, from, to, ..
            } = operation
            {
                for table in aliases.table_names(&table.name) {
                    let key = |column: &str| (table.clone(), column.to_lowercase());
                    let group: BTreeSet<String> = aliases
                        .column_names(&table, from)
                        .union(&aliases.column_names(&table, to))
                        .cloned()
                        .collect();
                    for name in &group {
                        aliases.columns.insert(key(name), group.clone());
                    }
                }
            }
        }
        aliases
    }

    fn table_names(&self, table: &str) -> BTreeSet<String> {
        let table = table.to_lowercase();
        self.tables
            .get(&table)
            .cloned()
            .unwrap_or_else(|| BTreeSet::from([table]))
    }

    fn column_names(&self, table: &str, column: &str) -> BTreeSet<String> {
        let key = (table.to_lowercase(), column.to_lowercase());
        self.columns
            .get(&key)
            .cloned()
            .unwrap_or_else(|| BTreeSet::from([key.1]))
    }

    /// Whether `name` is made up from a name of `table` and of `columns`, ending in `suffix`
    /// (`_key`, `_fkey`).
    fn made_up_from_columns(
        &self,
        table: &str,
        columns: &[String],
        name: &str,
        suffix: &str,
    ) -> bool {
        let name = name.to_lowercase();
        let Some(middle) = name.strip_suffix(suffix) else {
            return false;
        };
        self.table_names(table).iter().any(|table_name| {
            middle
                .strip_prefix(table_name.as_str())
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|joined| {
                    let names: Vec<BTreeSet<String>> = columns
                        .iter()
                        .map(|column| self.column_names(table_name, column))
                        .collect();
                    joins(joined, &names)
                })
        })
    }

    /// Whether `constraint` of `table` carries a made-up name, under any of the names the
    /// table and its columns go by.
    pub fn is_made_up(&self, table: &str, constraint: &TableConstraint) -> bool {
        match constraint {
            TableConstraint::PrimaryKey(key) => self
                .table_names(table)
                .iter()
                .any(|name| key.name.eq_ignore_ascii_case(&primary_key(name))),
            TableConstraint::Unique(key) => {
                self.made_up_from_columns(table, &key.columns, &key.name, "_key")
            }
            TableConstraint::ForeignKey(key) => {
                self.made_up_from_columns(table, &key.columns, &key.name, "_fkey")
            }
            TableConstraint::Check(check) => self
                .table_names(table)
                .iter()
                .any(|name| is_numbered_check(name, &check.name)),
        }
    }

    /// `table` with each made-up name made up afresh from its present name and columns, so a
    /// rebuild writes no `CONSTRAINT` for it.
    pub fn with_present_names(&self, table: &Table) -> Table {
        let name = &table.name.name;
        let mut table = table.clone();
        if let Some(key) = &mut table.primary_key {
            if self.is_made_up(name, &TableConstraint::PrimaryKey(key.clone())) {
                key.name = primary_key(name);
            }
        }
        for key in &mut table.uniques {
            if self.is_made_up(name, &TableConstraint::Unique(key.clone())) {
                key.name = unique(name, &key.columns);
            }
        }
        for key in &mut table.foreign_keys {
            if self.is_made_up(name, &TableConstraint::ForeignKey(key.clone())) {
                key.name = foreign_key(name, &key.columns);
            }
        }
        for (position, made) in table.checks.iter_mut().enumerate() {
            if self.is_made_up(name, &TableConstraint::Check(made.clone())) {
                made.name = check(name, position + 1);
            }
        }
        table
    }
}

/// Whether `joined` is one name of each of `columns`, in order, joined by `_`.
fn joins(joined: &str, columns: &[BTreeSet<String>]) -> bool {
    match columns {
        [] => false,
        [last] => last.contains(joined),
        [first, rest @ ..] => first.iter().any(|name| {
            joined
                .strip_prefix(name.as_str())
                .and_then(|tail| tail.strip_prefix('_'))
                .is_some_and(|tail| joins(tail, rest))
        }),
    }
}

#[cfg(test)]
mod tests {
    use retort_core::diff::operation::{Operation, TableConstraint};
    use retort_core::schema::{Check, Constraint, QualifiedName};

    use super::Aliases;

    fn name(table: &str) -> QualifiedName {
        QualifiedName {
            schema: String::new(),
            name: table.to_owned(),
        }
    }

    #[test]
    fn a_made_up_name_is_made_up_under_every_name_of_its_table_and_columns() {
        let aliases = Aliases::of(&[
            Operation::RenameTable {
                from: name("old"),
                to: name("new"),
                confirmed: true,
            },
            Operation::RenameColumn {
                table: name("new"),
                from: "a".to_owned(),
                to: "b".to_owned(),
                confirmed: true,
            },
        ]);
        let unique = |key: &str, columns: &[&str]| {
            TableConstraint::Unique(Constraint::new(
                key.to_owned(),
                columns.iter().map(|c| (*c).to_owned()).collect(),
            ))
        };
        assert!(aliases.is_made_up("new", &unique("old_a_c_key", &["b", "c"])));
        assert!(aliases.is_made_up("new", &unique("NEW_b_c_key", &["b", "c"])));
        assert!(!aliases.is_made_up("new", &unique("new_c_b_key", &["b", "c"])));
        assert!(!aliases.is_made_up("new", &unique("a b", &["b", "c"])));
        assert!(!aliases.is_made_up("other", &unique("old_a_key", &["a"])));
        let check = |made: &str| {
            TableConstraint::Check(Check {
                comment: None,
                name: made.to_owned(),
                definition: "CHECK (b > 0)".to_owned(),
            })
        };
        assert!(aliases.is_made_up("new", &check("old_check_2")));
        assert!(!aliases.is_made_up("new", &check("old_check_x")));
        assert!(!aliases.is_made_up("new", &check("new_check_")));
        let key = TableConstraint::PrimaryKey(Constraint::new("old_pkey".to_owned(), Vec::new()));
        assert!(aliases.is_made_up("new", &key));
        assert!(!Aliases::default().is_made_up("new", &key));
    }
}
