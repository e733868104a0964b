//! Row-level security policies of one table. A policy whose expressions read a column that is
//! retyped or dropped, or call a function that is dropped and created again, must be dropped
//! first and created again after (the server refuses the change otherwise); any other change is an `ALTER POLICY` where the server has one
//! (roles, `USING`, `WITH CHECK`), or a drop and a creation (the command, permissive or
//! restrictive, an expression taken away).

use super::identifier::mentions_identifier;
use super::operation::Operation;
use crate::schema::{Policy, Table};

/// The columns of `old` that `new` drops or gives another type: PostgreSQL refuses to change
/// a column a policy or a trigger's `UPDATE OF` or `WHEN` names, so those go around the change.
pub fn dropped_or_retyped<'a>(old: &'a Table, new: &'a Table) -> impl Iterator<Item = &'a str> {
    old.columns
        .iter()
        .filter(|column| {
            new.column(&column.name)
                .is_none_or(|after| after.data_type != column.data_type)
        })
        .map(|column| column.name.as_str())
}

pub fn diff_policies(
    old: &Table,
    new: &Table,
    recreated_functions: &std::collections::BTreeSet<String>,
    rebuilt_columns: &[&str],
    drops_first: &mut Vec<Operation>,
    additions_last: &mut Vec<Operation>,
) {
    let table = &new.name;
    let touched: Vec<&str> = dropped_or_retyped(old, new)
        .chain(recreated_functions.iter().map(String::as_str))
        .collect();
    let reads_any = |policy: &Policy, names: &[&str]| {
        policy.expressions().any(|expression| {
            names
                .iter()
                .any(|name| mentions_identifier(expression, name))
        })
    };
    for before in &old.policies {
        let after = new.policies.iter().find(|p| p.name == before.name);
        // One reading a column whose enum type is rebuilt: the rebuild sets it aside and puts
        // it back when it stays as it is; one that changes goes around the rebuild here.
        let recreate = reads_any(before, &touched)
            || (after != Some(before) && reads_any(before, rebuilt_columns));
        match after {
            Some(after) if after == before && !recreate => {}
            Some(after) if !recreate && alterable(before, after) => {
                additions_last.push(Operation::AlterPolicy {
                    table: table.clone(),
                    from: before.clone(),
                    to: after.clone(),
                });
            }
            _ => {
                drops_first.push(Operation::DropPolicy {
                    table: table.clone(),
                    policy: before.clone(),
                });
                if let Some(after) = after {
                    additions_last.push(Operation::CreatePolicy {
                        table: table.clone(),
                        policy: after.clone(),
                    });
                }
            }
        }
    }
    for after in &new.policies {
        if !old.policies.iter().any(|p| p.name == after.name) {
            additions_last.push(Operation::CreatePolicy {
                table: table.clone(),
                policy: after.clone(),
            });
        }
    }
}

/// Whether `ALTER POLICY` takes `from` to `to` (and back, for the downgrade): it cannot change
/// the command or permissiveness, nor take an expression away.
fn alterable(from: &Policy, to: &Policy) -> bool {
    from.permissive == to.permissive
        && from.command == to.command
        && from.using.is_some() == to.using.is_some()
        && from.with_check.is_some() == to.with_check.is_some()
}
