//! Renames: declared with `-- retort:renamed-from OLD` on the line before a `CREATE TABLE` or a
//! column definition, or guessed when a dropped and an added object look alike (then written
//! as a rename the author must confirm, never as drop-and-add, which would lose the data).
//!
//! Every rename is applied to the live schema's model before the diff, the way the database
//! applies it: a renamed table keeps its constraints and indexes (under their old names), a
//! renamed column is renamed in the checks, indexes and foreign keys that use it, here and in
//! the tables that reference it. What then differs only by name — `tags_pkey` where the declared
//! schema now says `labels_pkey` — is renamed too (`RENAME CONSTRAINT`, `ALTER INDEX … RENAME`),
//! never dropped and re-added, which fails on dependents and rebuilds for nothing.

use std::collections::BTreeMap;

use super::identifier::{
    leading_name, mentions_identifier, substitute_identifier, without_dollar_quotes,
};
use super::operation::{Operation, TableConstraint};
use crate::schema::{QualifiedName, Schema, Table};

/// Renames declared in the schema files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclaredRenames {
    /// New table name → old table name.
    pub tables: BTreeMap<String, String>,
    /// (table, new column) → old column.
    pub columns: BTreeMap<(String, String), String>,
    /// Where each was declared, to name it when it matches nothing.
    pub annotations: Vec<Annotation>,
}

/// One `-- retort:renamed-from OLD` and what it renames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub path: std::path::PathBuf,
    /// The annotation's line (1-based).
    pub line: usize,
    pub table: String,
    /// The renamed column, for a column's annotation.
    pub column: Option<String>,
    pub old: String,
}

impl DeclaredRenames {
    /// Why each annotation renames nothing in `live`: its old name is not there, and neither
    /// is the new one (which a rename applied in an earlier revision leaves) — left alone,
    /// such a typo turns the rename into a drop and an add, losing the values; or two
    /// annotations swap two names, which no rename does.
    pub fn unmatched<'a>(&'a self, live: &Schema) -> Vec<(&'a Annotation, String)> {
        // Case aside: where names ignore case, the annotation may spell one otherwise.
        let live_table = |name: &str| {
            live.tables
                .values()
                .find(|t| t.name.name.eq_ignore_ascii_case(name))
        };
        let has_column = |table: &Table, name: &str| {
            table
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(name))
        };
        self.annotations
            .iter()
            .filter_map(|annotation| {
                let Annotation {
                    table, column, old, ..
                } = annotation;
                let message = match column {
                    None if live_table(old).is_none() && live_table(table).is_none() => format!(
                        "`-- retort:renamed-from {old}` renames table {old} to {table}, and the database has neither"
                    ),
                    None if live_table(old).is_some()
                        && live_table(table).is_some()
                        && self.tables.get(old) == Some(table) =>
                    {
                        format!(
                            "`-- retort:renamed-from {old}` renames table {old} to {table}, and the database has both (names swapped?)"
                        )
                    }
                    None => return None,
                    Some(column) => {
                        let renamed_from = self.tables.get(table).map(String::as_str);
                        let holder = live_table(table).or_else(|| renamed_from.and_then(live_table));
                        match holder {
                            // Two annotations naming each other: a swap (one alone, with both
                            // names there, is one that has run, the old name since reused).
                            Some(t)
                                if has_column(t, old)
                                    && has_column(t, column)
                                    && self.annotations.iter().any(|other| {
                                        other.table == *table
                                            && other.column.as_deref() == Some(old.as_str())
                                            && other.old == *column
                                    }) =>
                            {
                                format!(
                                    "`-- retort:renamed-from {old}` renames column {old} of table {table} to {column}, and the database's {} has both (names swapped?)",
                                    t.name
                                )
                            }
                            Some(t) if has_column(t, old) || has_column(t, column) => {
                                return None
                            }
                            Some(t) => format!(
                                "`-- retort:renamed-from {old}` renames column {old} of table {table} to {column}, and the database's {} has neither",
                                t.name
                            ),
                            None => format!(
                                "`-- retort:renamed-from {old}` renames column {old} of table {table} to {column}, and the database has no table {table} (nor one it is renamed from)"
                            ),
                        }
                    }
                };
                Some((annotation, message))
            })
            .collect()
    }
}

const ANNOTATION: &str = "-- retort:renamed-from";

/// Find the annotations in one schema file, `path`.
pub fn parse_renames(path: &std::path::Path, sql: &str, renames: &mut DeclaredRenames) {
    let mut current_table: Option<String> = None;
    // The old name, and the annotation's line.
    let mut pending: Option<(String, usize)> = None;
    for (index, line) in sql.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(old) = trimmed.strip_prefix(ANNOTATION) {
            pending = Some((unquote(old.trim()), index + 1));
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let upper: Vec<String> = words
            .iter()
            .take(6)
            .map(|w| w.to_ascii_uppercase())
            .collect();
        if upper.len() >= 3 && upper[0] == "CREATE" && upper[1] == "TABLE" {
            let position = if upper.get(2).map(String::as_str) == Some("IF") {
                5
            } else {
                2
            };
            let mut rest = trimmed;
            for _ in 0..position {
                let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                rest = rest[word_end..].trim_start();
            }
            if let Some(name) = leading_name(rest) {
                if let Some((old, line)) = pending.take() {
                    renames.annotations.push(Annotation {
                        path: path.to_owned(),
                        line,
                        table: name.clone(),
                        column: None,
                        old: old.clone(),
                    });
                    renames.tables.insert(name.clone(), old);
                }
                current_table = Some(name);
            }
            continue;
        }
        if let (Some((old, line)), Some(table)) = (pending.take(), &current_table) {
            if let Some(column) = leading_name(trimmed) {
                renames.annotations.push(Annotation {
                    path: path.to_owned(),
                    line,
                    table: table.clone(),
                    column: Some(column.clone()),
                    old: old.clone(),
                });
                renames.columns.insert((table.clone(), column), old);
            }
        }
    }
}

fn unquote(text: &str) -> String {
    text.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']')
        .to_owned()
}

/// Apply declared renames to `from` (so the rest of the diff sees the new names) and return
/// the rename operations.
pub fn apply_declared(from: &mut Schema, to: &Schema, renames: &DeclaredRenames) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (new, old) in &renames.tables {
        let old_key = from.tables.keys().find(|k| &k.name == old).cloned();
        let new_key = to.tables.keys().find(|k| &k.name == new).cloned();
        if let (Some(old_key), Some(new_key)) = (old_key, new_key) {
            if from.tables.contains_key(&new_key) {
                continue;
            }
            operations.push(rename_table(from, &old_key, &new_key, true));
        }
    }
    for ((table, new), old) in &renames.columns {
        let Some(key) = to.tables.keys().find(|k| &k.name == table).cloned() else {
            continue;
        };
        let renamable = from
            .tables
            .get(&key)
            .is_some_and(|t| t.column(old).is_some() && t.column(new).is_none());
        if renamable {
            operations.push(rename_column(from, &key, old, new, true));
        }
    }
    operations
}

/// Guess renames from look-alikes, applied to `from` as declared ones are, to be confirmed by
/// the author: a dropped and an added table with the same columns (when there is exactly one
/// of each), or in one table exactly one dropped and one added column of the same type and
/// nullability.
pub fn guess(from: &mut Schema, to: &Schema) -> Vec<Operation> {
    let mut operations = Vec::new();
    let dropped: Vec<&QualifiedName> = from
        .tables
        .keys()
        .filter(|k| !to.tables.contains_key(*k))
        .collect();
    let added: Vec<&QualifiedName> = to
        .tables
        .keys()
        .filter(|k| !from.tables.contains_key(*k))
        .collect();
    // Within one schema only: `ALTER TABLE … RENAME TO` cannot move a table to another.
    if let ([old], [new]) = (dropped.as_slice(), added.as_slice()) {
        let shape = |t: &Table| {
            t.columns
                .iter()
                .map(|c| (c.name.clone(), c.data_type.clone(), c.nullable))
                .collect::<Vec<_>>()
        };
        if old.schema == new.schema && shape(&from.tables[*old]) == shape(&to.tables[*new]) {
            let (old, new) = ((*old).clone(), (*new).clone());
            operations.push(rename_table(from, &old, &new, false));
        }
    }
    let tables: Vec<QualifiedName> = from
        .tables
        .keys()
        .filter(|k| to.tables.contains_key(*k))
        .cloned()
        .collect();
    for name in tables {
        let (old, new) = (&from.tables[&name], &to.tables[&name]);
        let dropped: Vec<_> = old
            .columns
            .iter()
            .filter(|c| new.column(&c.name).is_none())
            .collect();
        let added: Vec<_> = new
            .columns
            .iter()
            .filter(|c| old.column(&c.name).is_none())
            .collect();
        if let ([before], [after]) = (dropped.as_slice(), added.as_slice()) {
            if before.data_type == after.data_type && before.nullable == after.nullable {
                let (before, after) = (before.name.clone(), after.name.clone());
                operations.push(rename_column(from, &name, &before, &after, false));
            }
        }
    }
    operations
}

/// After the renames: constraints and indexes that differ from the declared ones only by name
/// are renamed (in `from` too). A table's primary key, uniques with the same columns, checks
/// with the same expression, foreign keys alike in all else, and indexes whose definitions
/// match once the name is set aside.
pub fn derived_names(from: &mut Schema, to: &Schema) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (name, new) in &to.tables {
        let Some(old) = from.tables.get_mut(name) else {
            continue;
        };
        let mut renamed = Vec::new();
        if let (Some(before), Some(after)) = (&mut old.primary_key, &new.primary_key) {
            if before.name != after.name && same_but_name(before, after) {
                renamed.push((
                    TableConstraint::PrimaryKey(before.clone()),
                    TableConstraint::PrimaryKey(after.clone()),
                ));
                before.name.clone_from(&after.name);
            }
        }
        pair_by_shape(
            &mut old.uniques,
            &new.uniques,
            |c| &mut c.name,
            same_but_name,
            |a, b| {
                renamed.push((TableConstraint::Unique(a), TableConstraint::Unique(b)));
            },
        );
        pair_by_shape(
            &mut old.checks,
            &new.checks,
            |c| &mut c.name,
            |a, b| a.definition == b.definition,
            |a, b| {
                renamed.push((TableConstraint::Check(a), TableConstraint::Check(b)));
            },
        );
        pair_by_shape(
            &mut old.foreign_keys,
            &new.foreign_keys,
            |k| &mut k.name,
            |a, b| {
                crate::schema::ForeignKey {
                    name: b.name.clone(),
                    comment: b.comment.clone(),
                    ..a.clone()
                } == *b
            },
            |a, b| {
                renamed.push((
                    TableConstraint::ForeignKey(a),
                    TableConstraint::ForeignKey(b),
                ));
            },
        );
        for (from_constraint, to_constraint) in renamed {
            operations.push(Operation::RenameConstraint {
                table: name.clone(),
                from: from_constraint,
                to: to_constraint,
            });
        }
        let mut indexes = Vec::new();
        pair_by_shape(
            &mut old.indexes,
            &new.indexes,
            |i| &mut i.name,
            |a, b| {
                a.unique == b.unique
                    && substitute_identifier(&a.definition, &a.name, &b.name) == b.definition
            },
            |a, b| indexes.push((a, b)),
        );
        for index in &mut old.indexes {
            if let Some((_, after)) = indexes.iter().find(|(_, after)| after.name == index.name) {
                index.definition.clone_from(&after.definition);
            }
        }
        operations.extend(
            indexes
                .into_iter()
                .map(|(before, after)| Operation::RenameIndex {
                    table: name.clone(),
                    from: before,
                    to: after,
                }),
        );
    }
    operations
}

/// Whether two keys differ by their names alone (same columns, same options: a key whose
/// options change is dropped and added, never renamed). Comments do not count: a renamed key
/// keeps its own, and the diff sets the declared one after.
fn same_but_name(a: &crate::schema::Constraint, b: &crate::schema::Constraint) -> bool {
    crate::schema::Constraint {
        name: b.name.clone(),
        comment: b.comment.clone(),
        ..a.clone()
    } == *b
}

/// Pair the objects of `old` missing from `new` with those of `new` missing from `old` that
/// `alike` says are the same object under another name; give each pair's old object its new
/// name and hand the pair (before, after) to `found`.
fn pair_by_shape<T: Clone + PartialEq>(
    old: &mut [T],
    new: &[T],
    name: impl Fn(&mut T) -> &mut String,
    alike: impl Fn(&T, &T) -> bool,
    mut found: impl FnMut(T, T),
) {
    let snapshot: Vec<T> = old.to_vec();
    // A new name another live object still holds (one the revision drops later, say
    // PostgreSQL's `t_c_check` beside the `t_c_check1` that takes its name) cannot be renamed
    // to: the rename would run first and fail on the clash. Those stay a drop and an add.
    let held: Vec<String> = old.iter_mut().map(|item| name(item).clone()).collect();
    let mut taken = vec![false; new.len()];
    for item in old.iter_mut() {
        // Kept under its name (its comment may change, in place).
        let own_name = name(&mut item.clone()).clone();
        if new
            .iter()
            .any(|after| *name(&mut after.clone()) == own_name && alike(item, after))
        {
            continue;
        }
        let candidate = new.iter().enumerate().find(|(index, after)| {
            !taken[*index]
                && !snapshot.contains(after)
                && !held.contains(name(&mut (*after).clone()))
                && alike(item, after)
        });
        if let Some((index, after)) = candidate {
            taken[index] = true;
            let before = item.clone();
            let mut renamed = after.clone();
            name(item).clone_from(name(&mut renamed));
            found(before, after.clone());
        }
    }
}

/// What among `operations` must go around the renames: dropped before them as the database has
/// it, and created after them as declared. The downgrade, the plan reversed, then creates the
/// old object once the old names are back: created before, its text would name what does not
/// exist yet (and PostgreSQL checks a SQL body, a policy's expressions and a MariaDB trigger's
/// columns when it creates them). These are trigger drops on a table the renames rename or
/// rename columns of (the trigger changes anyway), policies altered there, and SQL functions
/// replaced whose body reads a renamed table or column. Returns those drops, and the
/// operations with the creations in place of the alterations.
pub fn around_renames(
    live: &Schema,
    renames: &[Operation],
    operations: Vec<Operation>,
) -> (Vec<Operation>, Vec<Operation>) {
    // Its name before a table rename; itself where only its columns are renamed (a column
    // rename names the table by its new name).
    let live_name = |table: &QualifiedName| -> Option<QualifiedName> {
        let renamed_from = renames.iter().find_map(|rename| match rename {
            Operation::RenameTable { from, to, .. } if to == table => Some(from.clone()),
            _ => None,
        });
        renamed_from.or_else(|| {
            renames
                .iter()
                .any(|rename| matches!(rename, Operation::RenameColumn { table: t, .. } if t == table))
                .then(|| table.clone())
        })
    };
    // A SQL body that names an old name: a renamed table, or a renamed column with its table.
    let reads_old_names = |definition: &str| {
        let body = without_dollar_quotes(definition);
        renames.iter().any(|rename| match rename {
            Operation::RenameTable { from, .. } => mentions_identifier(&body, &from.name),
            Operation::RenameColumn {
                table,
                from: column,
                ..
            } => {
                let old_table = live_name(table).unwrap_or_else(|| table.clone());
                mentions_identifier(&body, column)
                    && (mentions_identifier(&body, &old_table.name)
                        || mentions_identifier(&body, &table.name))
            }
            _ => false,
        })
    };
    let live_table = |name: &QualifiedName| live.tables.get(name);
    let (mut before, mut rest) = (Vec::new(), Vec::new());
    for operation in operations {
        match operation {
            Operation::DropTrigger { table, trigger } => match live_name(&table) {
                Some(old_table) => {
                    let live_trigger = live_table(&old_table)
                        .and_then(|t| t.triggers.iter().find(|t| t.name == trigger.name))
                        .cloned()
                        .unwrap_or(trigger);
                    before.push(Operation::DropTrigger {
                        table: old_table,
                        trigger: live_trigger,
                    });
                }
                None => rest.push(Operation::DropTrigger { table, trigger }),
            },
            Operation::AlterPolicy { table, from, to } => match live_name(&table) {
                Some(old_table) => {
                    let live_policy = live_table(&old_table)
                        .and_then(|t| t.policies.iter().find(|p| p.name == from.name))
                        .cloned()
                        .unwrap_or(from);
                    before.push(Operation::DropPolicy {
                        table: old_table,
                        policy: live_policy,
                    });
                    rest.push(Operation::CreatePolicy { table, policy: to });
                }
                None => rest.push(Operation::AlterPolicy { table, from, to }),
            },
            Operation::ReplaceFunction { from, to }
                if super::functions::is_sql_body(&from.definition)
                    && live
                        .functions
                        .get(&from.key)
                        .is_some_and(|old| reads_old_names(&old.definition)) =>
            {
                let live_function = live.functions.get(&from.key).cloned().unwrap_or(from);
                before.push(Operation::DropFunction {
                    function: live_function,
                });
                rest.push(Operation::CreateFunction { function: to });
            }
            other => rest.push(other),
        }
    }
    (before, rest)
}

/// After the table renames: the foreign keys the database renamed with their table, as it did
/// (InnoDB: `t_ibfk_1` of a table renamed to `u` is `u_ibfk_1`, so the revision must name it
/// so after the rename).
pub fn follow_generated_foreign_key_names(
    schema: &mut Schema,
    operations: &[Operation],
    infix: &str,
) {
    for operation in operations {
        let Operation::RenameTable { from, to, .. } = operation else {
            continue;
        };
        let Some(table) = schema.tables.get_mut(to) else {
            continue;
        };
        let prefix = format!("{}{infix}", from.name);
        for key in &mut table.foreign_keys {
            if let Some(number) = key.name.strip_prefix(&prefix) {
                if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                    key.name = format!("{}{infix}{number}", to.name);
                }
            }
        }
    }
}

pub(super) fn rename_table(
    schema: &mut Schema,
    old: &QualifiedName,
    new: &QualifiedName,
    confirmed: bool,
) -> Operation {
    if let Some(mut table) = schema.tables.remove(old) {
        table.name = new.clone();
        // The index definitions name their table; so do its triggers' (`ON t`), which go with
        // it (MySQL's RENAME TABLE moves them, SQLite rewrites them).
        for index in &mut table.indexes {
            index.definition = substitute_identifier(&index.definition, &old.name, &new.name);
        }
        for trigger in &mut table.triggers {
            trigger.definition = substitute_identifier(&trigger.definition, &old.name, &new.name);
        }
        schema.tables.insert(new.clone(), table);
    }
    for table in schema.tables.values_mut() {
        for key in &mut table.foreign_keys {
            if &key.referenced_table == old {
                key.referenced_table = new.clone();
            }
        }
    }
    Operation::RenameTable {
        from: old.clone(),
        to: new.clone(),
        confirmed,
    }
}

/// Rename `old` to `new` in `table` and everything that names it: the key and unique column
/// lists, foreign keys (here, and those of other tables that reference it), check expressions,
/// generated columns' expressions, index definitions.
pub(super) fn rename_column(
    schema: &mut Schema,
    table: &QualifiedName,
    old: &str,
    new: &str,
    confirmed: bool,
) -> Operation {
    let rename = |name: &mut String| {
        if name == old {
            new.clone_into(name);
        }
    };
    if let Some(owner) = schema.tables.get_mut(table) {
        for column in &mut owner.columns {
            rename(&mut column.name);
            // The database rewrites a generated expression that reads the column (SQLite,
            // PostgreSQL): compared unrewritten, it would rebuild the table for nothing, and
            // the downgrade's rebuild would read a column that is not there yet.
            if let Some(expression) = &mut column.generated {
                *expression = substitute_identifier(expression, old, new);
            }
        }
        for constraint in owner.primary_key.iter_mut().chain(owner.uniques.iter_mut()) {
            constraint.columns.iter_mut().for_each(rename);
        }
        for key in &mut owner.foreign_keys {
            key.columns.iter_mut().for_each(rename);
        }
        for check in &mut owner.checks {
            check.definition = substitute_identifier(&check.definition, old, new);
        }
        for index in &mut owner.indexes {
            index.definition = substitute_identifier(&index.definition, old, new);
        }
    }
    for other in schema.tables.values_mut() {
        for key in &mut other.foreign_keys {
            if &key.referenced_table == table {
                key.referenced_columns.iter_mut().for_each(rename);
            }
        }
    }
    Operation::RenameColumn {
        table: table.clone(),
        from: old.to_owned(),
        to: new.to_owned(),
        confirmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_the_same_shape_in_another_schema_is_no_rename() {
        let table = |schema: &str| {
            let mut table = Table::new(QualifiedName {
                schema: schema.to_owned(),
                name: "log".to_owned(),
            });
            table.columns.push(crate::schema::Column {
                name: "id".to_owned(),
                data_type: "integer".to_owned(),
                nullable: false,
                default: None,
                identity: None,
                identity_options: crate::schema::IdentityOptions::default(),
                generated: None,
                virtual_generated: false,
                collation: None,
                comment: None,
            });
            table
        };
        let mut from = Schema::default();
        let old = table("rep");
        from.tables.insert(old.name.clone(), old);
        let mut to = Schema::default();
        let new = table("audit");
        to.tables.insert(new.name.clone(), new);
        assert!(guess(&mut from, &to).is_empty());
    }

    #[test]
    fn finds_table_and_column_annotations() {
        let mut renames = DeclaredRenames::default();
        parse_renames(
            std::path::Path::new("schema.sql"),
            "-- retort:renamed-from accounts\nCREATE TABLE IF NOT EXISTS \"users\" (\n  id int,\n  -- retort:renamed-from mail\n  email text\n);\n",
            &mut renames,
        );
        assert_eq!(
            renames.tables.get("users").map(String::as_str),
            Some("accounts")
        );
        assert_eq!(
            renames
                .columns
                .get(&("users".to_owned(), "email".to_owned()))
                .map(String::as_str),
            Some("mail")
        );
    }

    #[test]
    fn annotated_names_may_hold_spaces_in_any_quoting() {
        let mut renames = DeclaredRenames::default();
        parse_renames(
            std::path::Path::new("schema.sql"),
            "-- retort:renamed-from `order items`\nCREATE TABLE shop.`line items`(\n  -- retort:renamed-from \"unit price\"\n  \"price per unit\" int\n);\n",
            &mut renames,
        );
        assert_eq!(
            renames.tables.get("line items").map(String::as_str),
            Some("order items")
        );
        assert_eq!(
            renames
                .columns
                .get(&("line items".to_owned(), "price per unit".to_owned()))
                .map(String::as_str),
            Some("unit price")
        );
    }
}
