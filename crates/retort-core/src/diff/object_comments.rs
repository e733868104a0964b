//! Comments on the objects inside a table (indexes, constraints, triggers, policies) and on
//! sequences (PostgreSQL's `COMMENT ON INDEX|CONSTRAINT|TRIGGER|POLICY|SEQUENCE`).
//!
//! A comment is no part of an object's shape: a changed comment is set in place, never a
//! reason to drop and create the object again. The rest of the diff compares objects whole,
//! so [`align`] first gives every object that both sides have the declared comment (and
//! remembers each change), the diff runs on that, and [`place`] then turns each remembered
//! change into a [`Operation::SetComment`], unless the diff drops and creates the object
//! anyway (its definition changed too): the creation then carries the new comment, and the
//! drop gets the old one back so that its reverse, in the downgrade, restores it. (The indexes
//! of a materialized view that stays are compared apart from their comments in `views`.)

use super::operation::Operation;
use crate::schema::{
    Check, Constraint, ForeignKey, Index, Policy, QualifiedName, Schema, Table, Trigger,
};

/// An object whose comment is set by `COMMENT ON … IS`, as the statement names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentedObject {
    /// An index of a table or a materialized view (`table`): it lives in that schema.
    Index {
        table: QualifiedName,
        name: String,
    },
    /// A primary key, unique, check, exclusion or foreign key constraint of a table.
    Constraint {
        table: QualifiedName,
        name: String,
    },
    Trigger {
        table: QualifiedName,
        name: String,
    },
    Policy {
        table: QualifiedName,
        name: String,
    },
    Sequence {
        name: QualifiedName,
    },
}

impl std::fmt::Display for CommentedObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index { table, name } => write!(f, "index {name} on {table}"),
            Self::Constraint { table, name } => write!(f, "constraint {name} on {table}"),
            Self::Trigger { table, name } => write!(f, "trigger {name} on {table}"),
            Self::Policy { table, name } => write!(f, "policy {name} on {table}"),
            Self::Sequence { name } => write!(f, "sequence {name}"),
        }
    }
}

/// One comment that differs between the two sides: the object, then old → new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentChange {
    pub object: CommentedObject,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `from` with the comment of every object `to` has too (same table, same name) set to `to`'s,
/// and the comments that differed.
pub fn align(from: &Schema, to: &Schema) -> (Schema, Vec<CommentChange>) {
    let mut aligned = from.clone();
    let mut changes = Vec::new();
    for (name, old) in &mut aligned.tables {
        if let Some(new) = to.tables.get(name) {
            align_table(old, new, &mut changes);
        }
    }
    for (name, old) in &mut aligned.sequences {
        if let Some(new) = to.sequences.get(name) {
            let object = || CommentedObject::Sequence { name: name.clone() };
            take_comment(&mut old.comment, new.comment.as_ref(), object, &mut changes);
        }
    }
    (aligned, changes)
}

fn align_table(old: &mut Table, new: &Table, changes: &mut Vec<CommentChange>) {
    let table = &new.name;
    let constraint = |name: &str| CommentedObject::Constraint {
        table: table.clone(),
        name: name.to_owned(),
    };
    let index = |name: &str| CommentedObject::Index {
        table: table.clone(),
        name: name.to_owned(),
    };
    let trigger = |name: &str| CommentedObject::Trigger {
        table: table.clone(),
        name: name.to_owned(),
    };
    let policy = |name: &str| CommentedObject::Policy {
        table: table.clone(),
        name: name.to_owned(),
    };
    let (keys, declared_keys) = (old.primary_key.as_mut_slice(), new.primary_key.as_slice());
    align_parts(keys, declared_keys, &constraint, changes);
    align_parts(&mut old.uniques, &new.uniques, &constraint, changes);
    align_parts(&mut old.checks, &new.checks, &constraint, changes);
    align_parts(
        &mut old.foreign_keys,
        &new.foreign_keys,
        &constraint,
        changes,
    );
    align_parts(&mut old.indexes, &new.indexes, &index, changes);
    align_parts(&mut old.triggers, &new.triggers, &trigger, changes);
    align_parts(&mut old.policies, &new.policies, &policy, changes);
}

/// What a table holds that has a name and a comment of its own: keys, checks, foreign keys,
/// indexes, triggers, policies.
trait CommentedPart {
    fn name(&self) -> &str;
    fn comment(&self) -> Option<&String>;
    fn comment_mut(&mut self) -> &mut Option<String>;
}

macro_rules! commented_part {
    ($($part:ty),*) => {
        $(impl CommentedPart for $part {
            fn name(&self) -> &str {
                &self.name
            }
            fn comment(&self) -> Option<&String> {
                self.comment.as_ref()
            }
            fn comment_mut(&mut self) -> &mut Option<String> {
                &mut self.comment
            }
        })*
    };
}

commented_part!(Constraint, Check, ForeignKey, Index, Trigger, Policy);

/// Each of `old` that `declared` has too (by name) takes the declared comment.
fn align_parts<T: CommentedPart>(
    old: &mut [T],
    declared: &[T],
    object: &dyn Fn(&str) -> CommentedObject,
    changes: &mut Vec<CommentChange>,
) {
    for before in old {
        if let Some(after) = declared.iter().find(|after| after.name() == before.name()) {
            take_comment(
                before.comment_mut(),
                after.comment(),
                || object(after.name()),
                changes,
            );
        }
    }
}

/// Give `comment` the value of `declared`, recording the change when they differ.
fn take_comment(
    comment: &mut Option<String>,
    declared: Option<&String>,
    object: impl FnOnce() -> CommentedObject,
    changes: &mut Vec<CommentChange>,
) {
    if comment.as_ref() != declared {
        changes.push(CommentChange {
            object: object(),
            from: comment.clone(),
            to: declared.cloned(),
        });
        *comment = declared.cloned();
    }
}

/// The comment changes as operations: those whose object `operations` drop (and create again)
/// give the drop its old comment back and need no operation of their own; the others are
/// returned, to run while the objects stand (they are neither created nor dropped by the
/// revision).
pub fn place(operations: &mut [Operation], changes: Vec<CommentChange>) -> Vec<Operation> {
    let mut set = Vec::new();
    for change in changes {
        let dropped = operations
            .iter_mut()
            .find_map(|operation| dropped_comment(operation, &change.object));
        match dropped {
            Some(comment) => comment.clone_from(&change.from),
            None => set.push(Operation::SetComment {
                object: change.object,
                from: change.from,
                to: change.to,
            }),
        }
    }
    set
}

/// The comment of `object` as `operation` drops it, if it does.
fn dropped_comment<'a>(
    operation: &'a mut Operation,
    object: &CommentedObject,
) -> Option<&'a mut Option<String>> {
    if dropped_object(operation).as_ref() != Some(object) {
        return None;
    }
    match operation {
        Operation::DropIndex { index, .. } => Some(&mut index.comment),
        Operation::DropPrimaryKey {
            primary_key: key, ..
        }
        | Operation::DropUnique { unique: key, .. } => Some(&mut key.comment),
        Operation::DropCheck { check, .. } => Some(&mut check.comment),
        Operation::DropForeignKey { foreign_key, .. } => Some(&mut foreign_key.comment),
        Operation::DropTrigger { trigger, .. } => Some(&mut trigger.comment),
        Operation::DropPolicy { policy, .. } => Some(&mut policy.comment),
        Operation::DropSequence { sequence, .. } => Some(&mut sequence.comment),
        _ => None,
    }
}

/// The commented object `operation` drops, if it drops one.
fn dropped_object(operation: &Operation) -> Option<CommentedObject> {
    let (table, name) = match operation {
        Operation::DropIndex { table, index } => {
            return Some(CommentedObject::Index {
                table: table.clone(),
                name: index.name.clone(),
            })
        }
        Operation::DropTrigger { table, trigger } => {
            return Some(CommentedObject::Trigger {
                table: table.clone(),
                name: trigger.name.clone(),
            })
        }
        Operation::DropPolicy { table, policy } => {
            return Some(CommentedObject::Policy {
                table: table.clone(),
                name: policy.name.clone(),
            })
        }
        Operation::DropSequence { name, .. } => {
            return Some(CommentedObject::Sequence { name: name.clone() })
        }
        Operation::DropPrimaryKey {
            table,
            primary_key: key,
        }
        | Operation::DropUnique { table, unique: key } => (table, &key.name),
        Operation::DropCheck { table, check } => (table, &check.name),
        Operation::DropForeignKey { table, foreign_key } => (table, &foreign_key.name),
        _ => return None,
    };
    Some(CommentedObject::Constraint {
        table: table.clone(),
        name: name.clone(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use crate::diff::{diff, DiffOptions};
    use crate::schema::{Index, Table};

    fn schema(index_definition: &str, comment: Option<&str>) -> Schema {
        let name = QualifiedName {
            schema: "public".to_owned(),
            name: "t".to_owned(),
        };
        let mut table = Table::new(name.clone());
        table.indexes.push(Index {
            name: "t_a".to_owned(),
            unique: false,
            definition: index_definition.to_owned(),
            comment: comment.map(str::to_owned),
        });
        let mut schema = Schema::default();
        schema.tables.insert(name, table);
        schema
    }

    #[test]
    fn a_changed_comment_is_set_in_place() {
        let from = schema("CREATE INDEX t_a ON public.t USING btree (a)", Some("old"));
        let to = schema("CREATE INDEX t_a ON public.t USING btree (a)", Some("new"));
        let operations = diff(&from, &to, DiffOptions::default());
        assert_eq!(
            operations,
            vec![Operation::SetComment {
                object: CommentedObject::Index {
                    table: to.tables.keys().next().unwrap().clone(),
                    name: "t_a".to_owned(),
                },
                from: Some("old".to_owned()),
                to: Some("new".to_owned()),
            }]
        );
    }

    #[test]
    fn an_index_created_again_carries_its_comments_both_ways() {
        let from = schema("CREATE INDEX t_a ON public.t USING btree (a)", Some("old"));
        let to = schema("CREATE INDEX t_a ON public.t USING btree (b)", Some("new"));
        let operations = diff(&from, &to, DiffOptions::default());
        let comments: Vec<(&str, Option<&str>)> = operations
            .iter()
            .map(|operation| match operation {
                Operation::DropIndex { index, .. } => ("drop", index.comment.as_deref()),
                Operation::CreateIndex { index, .. } => ("create", index.comment.as_deref()),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            comments,
            vec![("drop", Some("old")), ("create", Some("new"))]
        );
    }
}
