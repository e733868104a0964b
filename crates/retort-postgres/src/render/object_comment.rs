//! Comments on indexes, constraints, triggers, policies and sequences: set in place, and
//! written after each statement that creates one of them (the server forgets a comment with
//! its object, so one created again gets it again).

use retort_core::diff::object_comments::CommentedObject;
use retort_core::schema::{QualifiedName, Table};

use super::{comment_on, quote, table_name};

/// `COMMENT ON INDEX|CONSTRAINT|TRIGGER|POLICY|SEQUENCE … IS '…'` (`IS NULL` removes it).
pub(super) fn set_comment(object: &CommentedObject, comment: Option<&str>) -> String {
    match object {
        // An index lives in its table's schema: `COMMENT ON INDEX` names it so.
        CommentedObject::Index { table, name } => comment_on(
            "INDEX",
            &table_name(&QualifiedName {
                schema: table.schema.clone(),
                name: name.clone(),
            }),
            comment,
        ),
        CommentedObject::Constraint { table, name } => comment_on(
            "CONSTRAINT",
            &format!("{} ON {}", quote(name), table_name(table)),
            comment,
        ),
        CommentedObject::Trigger { table, name } => comment_on(
            "TRIGGER",
            &format!("{} ON {}", quote(name), table_name(table)),
            comment,
        ),
        CommentedObject::Policy { table, name } => comment_on(
            "POLICY",
            &format!("{} ON {}", quote(name), table_name(table)),
            comment,
        ),
        CommentedObject::Sequence { name } => comment_on("SEQUENCE", &table_name(name), comment),
    }
}

/// The statement that gives a just-created object its comment, if it has one.
pub(super) fn created_with(object: &CommentedObject, comment: Option<&String>) -> Option<String> {
    comment.map(|comment| set_comment(object, Some(comment)))
}

pub(super) fn index(table: &QualifiedName, name: &str) -> CommentedObject {
    CommentedObject::Index {
        table: table.clone(),
        name: name.to_owned(),
    }
}

pub(super) fn constraint(table: &QualifiedName, name: &str) -> CommentedObject {
    CommentedObject::Constraint {
        table: table.clone(),
        name: name.to_owned(),
    }
}

/// The comments of what `CREATE TABLE` and its indexes make: the keys, checks, foreign keys
/// and indexes (its triggers and policies are created, with theirs, by their own operations).
pub(super) fn of_keys_and_indexes(table: &Table) -> Vec<String> {
    let name = &table.name;
    let constraints = table
        .primary_key
        .iter()
        .chain(&table.uniques)
        .map(|key| (&key.name, &key.comment))
        .chain(
            table
                .checks
                .iter()
                .map(|check| (&check.name, &check.comment)),
        )
        .chain(
            table
                .foreign_keys
                .iter()
                .map(|key| (&key.name, &key.comment)),
        )
        .filter_map(|(object, comment)| created_with(&constraint(name, object), comment.as_ref()));
    let indexes = table
        .indexes
        .iter()
        .filter_map(|i| created_with(&index(name, &i.name), i.comment.as_ref()));
    constraints.chain(indexes).collect()
}
