//! Renames: declared with `-- retort:renamed-from OLD` on the line before a `CREATE TABLE` or a
//! column definition, or guessed when a dropped and an added object look alike (then written
//! as a rename the author must confirm, never as drop-and-add, which would lose the data).

use std::collections::BTreeMap;

use super::operation::Operation;
use crate::schema::{QualifiedName, Schema};

/// Renames declared in the schema files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclaredRenames {
    /// New table name → old table name.
    pub tables: BTreeMap<String, String>,
    /// (table, new column) → old column.
    pub columns: BTreeMap<(String, String), String>,
}

const ANNOTATION: &str = "-- retort:renamed-from";

/// Find the annotations in one schema file.
pub fn parse_renames(sql: &str, renames: &mut DeclaredRenames) {
    let mut current_table: Option<String> = None;
    let mut pending: Option<String> = None;
    for line in sql.lines() {
        let trimmed = line.trim();
        if let Some(old) = trimmed.strip_prefix(ANNOTATION) {
            pending = Some(unquote(old.trim()));
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
            if let Some(raw) = words.get(position) {
                let name = unquote(raw.split('(').next().unwrap_or(raw));
                let name = name.rsplit('.').next().unwrap_or(&name).to_owned();
                if let Some(old) = pending.take() {
                    renames.tables.insert(name.clone(), old);
                }
                current_table = Some(name);
            }
            continue;
        }
        if let (Some(old), Some(table)) = (pending.take(), &current_table) {
            let column = unquote(words[0].trim_end_matches(','));
            renames.columns.insert((table.clone(), column), old);
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
            rename_table(from, &old_key, &new_key);
            operations.push(Operation::RenameTable {
                from: old_key,
                to: new_key,
                confirmed: true,
            });
        }
    }
    for ((table, new), old) in &renames.columns {
        let Some(key) = to.tables.keys().find(|k| &k.name == table).cloned() else {
            continue;
        };
        let Some(existing) = from.tables.get_mut(&key) else {
            continue;
        };
        if existing.column(old).is_some() && existing.column(new).is_none() {
            rename_column(existing, old, new);
            operations.push(Operation::RenameColumn {
                table: key,
                from: old.clone(),
                to: new.clone(),
                confirmed: true,
            });
        }
    }
    operations
}

/// Turn look-alike drop/add pairs into renames to confirm: a dropped and an added table with
/// the same columns, or in one table exactly one dropped and one added column of the same type
/// and nullability.
pub fn guess(operations: Vec<Operation>) -> Vec<Operation> {
    let mut operations = operations;
    // Columns, table by table.
    let mut by_table: BTreeMap<QualifiedName, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (index, operation) in operations.iter().enumerate() {
        match operation {
            Operation::DropColumn { table, .. } => {
                by_table.entry(table.clone()).or_default().0.push(index);
            }
            Operation::AddColumn { table, .. } => {
                by_table.entry(table.clone()).or_default().1.push(index);
            }
            _ => {}
        }
    }
    let mut replaced: BTreeMap<usize, Option<Operation>> = BTreeMap::new();
    for (table, (drops, adds)) in by_table {
        if let ([drop], [add]) = (drops.as_slice(), adds.as_slice()) {
            if let (
                Operation::DropColumn { column: old, .. },
                Operation::AddColumn { column: new, .. },
            ) = (&operations[*drop], &operations[*add])
            {
                if old.data_type == new.data_type && old.nullable == new.nullable {
                    replaced.insert(
                        *drop,
                        Some(Operation::RenameColumn {
                            table,
                            from: old.name.clone(),
                            to: new.name.clone(),
                            confirmed: false,
                        }),
                    );
                    replaced.insert(*add, None);
                }
            }
        }
    }
    // Tables: identical column lists.
    let drops: Vec<usize> = operations
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Operation::DropTable { .. }))
        .map(|(i, _)| i)
        .collect();
    let creates: Vec<usize> = operations
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Operation::CreateTable { .. }))
        .map(|(i, _)| i)
        .collect();
    if let ([drop], [create]) = (drops.as_slice(), creates.as_slice()) {
        if let (Operation::DropTable { table: old }, Operation::CreateTable { table: new }) =
            (&operations[*drop], &operations[*create])
        {
            let shape = |t: &crate::schema::Table| {
                t.columns
                    .iter()
                    .map(|c| (c.name.clone(), c.data_type.clone(), c.nullable))
                    .collect::<Vec<_>>()
            };
            if shape(old) == shape(new) {
                replaced.insert(
                    *create,
                    Some(Operation::RenameTable {
                        from: old.name.clone(),
                        to: new.name.clone(),
                        confirmed: false,
                    }),
                );
                replaced.insert(*drop, None);
            }
        }
    }
    if replaced.is_empty() {
        return operations;
    }
    let mut result = Vec::with_capacity(operations.len());
    for (index, operation) in operations.drain(..).enumerate() {
        match replaced.remove(&index) {
            Some(Some(rename)) => result.push(rename),
            Some(None) => {}
            None => result.push(operation),
        }
    }
    result
}

fn rename_table(schema: &mut Schema, old: &QualifiedName, new: &QualifiedName) {
    if let Some(mut table) = schema.tables.remove(old) {
        table.name = new.clone();
        schema.tables.insert(new.clone(), table);
    }
    for table in schema.tables.values_mut() {
        for key in &mut table.foreign_keys {
            if &key.referenced_table == old {
                key.referenced_table = new.clone();
            }
        }
    }
}

fn rename_column(table: &mut crate::schema::Table, old: &str, new: &str) {
    let rename = |name: &mut String| {
        if name == old {
            new.clone_into(name);
        }
    };
    for column in &mut table.columns {
        rename(&mut column.name);
    }
    for constraint in table.primary_key.iter_mut().chain(table.uniques.iter_mut()) {
        constraint.columns.iter_mut().for_each(rename);
    }
    for key in &mut table.foreign_keys {
        key.columns.iter_mut().for_each(rename);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_table_and_column_annotations() {
        let mut renames = DeclaredRenames::default();
        parse_renames(
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
}
