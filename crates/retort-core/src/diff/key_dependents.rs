//! Foreign keys rest on a key of the table they reference: PostgreSQL needs a primary key,
//! unique constraint or unique index on exactly the referenced columns, and refuses to drop it
//! while a foreign key uses it; MariaDB refuses to drop an index a foreign key needs. So a
//! revision adds foreign keys after every key it adds (a table's unique constraint may sort
//! after the table that references it), drops them before every key it drops, and drops a
//! foreign key it keeps before a key it rests on changes, adding it again afterwards.

use super::operation::Operation;
use crate::schema::{ForeignKey, Index, Schema, Table};

/// Put the foreign keys' drops before every other drop and their additions after every other
/// addition, keeping the order within each group.
pub fn order_around_keys(drops_first: &mut Vec<Operation>, additions_last: &mut Vec<Operation>) {
    let (mut foreign_key_drops, other_drops): (Vec<Operation>, Vec<Operation>) = drops_first
        .drain(..)
        .partition(|operation| matches!(operation, Operation::DropForeignKey { .. }));
    foreign_key_drops.extend(other_drops);
    *drops_first = foreign_key_drops;
    let (foreign_key_additions, mut other_additions): (Vec<Operation>, Vec<Operation>) =
        additions_last
            .drain(..)
            .partition(|operation| matches!(operation, Operation::AddForeignKey { .. }));
    other_additions.extend(foreign_key_additions);
    *additions_last = other_additions;
}

/// The foreign keys of `from` that `to` keeps unchanged but whose referenced key the revision
/// drops or replaces: each is dropped before the key goes and added again once the new one is
/// there (pushed onto `drops_first` and `additions_last`).
pub fn recreate_over_changed_keys(
    from: &Schema,
    to: &Schema,
    drops_first: &mut Vec<Operation>,
    additions_last: &mut Vec<Operation>,
) {
    for (name, old) in &from.tables {
        let Some(new) = to.tables.get(name) else {
            continue;
        };
        for foreign_key in &old.foreign_keys {
            let kept = new.foreign_keys.contains(foreign_key);
            let referenced_before = from.tables.get(&foreign_key.referenced_table);
            let referenced_after = to.tables.get(&foreign_key.referenced_table);
            let (Some(before), Some(after)) = (referenced_before, referenced_after) else {
                continue;
            };
            if kept && loses_supporting_key(before, after, foreign_key) {
                drops_first.push(Operation::DropForeignKey {
                    table: name.clone(),
                    foreign_key: foreign_key.clone(),
                });
                additions_last.push(Operation::AddForeignKey {
                    table: name.clone(),
                    foreign_key: foreign_key.clone(),
                });
            }
        }
    }
}

/// Whether a key of `before` that could carry `foreign_key` is dropped on the way to `after`.
fn loses_supporting_key(before: &Table, after: &Table, foreign_key: &ForeignKey) -> bool {
    let covers = |columns: &[String]| same_columns(columns, &foreign_key.referenced_columns);
    let primary_key_dropped = before.primary_key != after.primary_key
        && before
            .primary_key
            .as_ref()
            .is_some_and(|key| covers(&key.columns));
    let unique_dropped = before
        .uniques
        .iter()
        .any(|unique| !after.uniques.contains(unique) && covers(&unique.columns));
    let index_dropped = before.indexes.iter().any(|index| {
        !after.indexes.contains(index) && may_carry(index, &foreign_key.referenced_columns)
    });
    primary_key_dropped || unique_dropped || index_dropped
}

fn same_columns(key: &[String], referenced: &[String]) -> bool {
    key.len() == referenced.len() && referenced.iter().all(|column| key.contains(column))
}

/// An index whose definition names every referenced column: it may be the one the server
/// uses for the foreign key (a unique index on PostgreSQL, any index on MariaDB). Read from
/// the text, so it may say yes for an index the key does not use; the foreign key is then
/// dropped and added again for nothing, which is safe.
fn may_carry(index: &Index, referenced: &[String]) -> bool {
    referenced
        .iter()
        .all(|column| super::identifier::mentions_identifier(&index.definition, column))
}
