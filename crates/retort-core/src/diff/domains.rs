//! PostgreSQL domains: created (and altered) before the tables whose columns use them, and
//! dropped after those tables and the functions that take them. `ALTER DOMAIN` changes a
//! default, `NOT NULL` and checks in place; a new base type or collation drops the domain and
//! creates it again, which only works while no column uses it (see
//! [`Operation::ReplaceDomain`]).

use super::operation::Operation;
use super::type_users::columns_of_type;
use crate::schema::Schema;

/// The domain operations: creations and alterations to run before the tables, drops after.
pub fn diff_domains(from: &Schema, to: &Schema) -> (Vec<Operation>, Vec<Operation>) {
    let mut first = Vec::new();
    for (name, domain) in &to.domains {
        match from.domains.get(name) {
            None => first.push(Operation::CreateDomain {
                domain: domain.clone(),
            }),
            Some(old) if old == domain => {}
            Some(old) if old.base_type == domain.base_type && old.collation == domain.collation => {
                first.push(Operation::AlterDomain {
                    from: old.clone(),
                    to: domain.clone(),
                });
            }
            Some(old) => first.push(Operation::ReplaceDomain {
                from: old.clone(),
                to: domain.clone(),
                columns: columns_of_type(from, &old.name),
            }),
        }
    }
    let last = from
        .domains
        .values()
        .filter(|old| !to.domains.contains_key(&old.name))
        .map(|old| Operation::DropDomain {
            domain: old.clone(),
        })
        .collect();
    (first, last)
}

/// Whether the domain `operation` creates or changes has a check or default that calls a
/// function one of `functions` creates or replaces.
pub fn calls_any(operation: &Operation, functions: &[Operation]) -> bool {
    let (Operation::CreateDomain { domain }
    | Operation::AlterDomain { to: domain, .. }
    | Operation::ReplaceDomain { to: domain, .. }) = operation
    else {
        return false;
    };
    functions.iter().any(|function| match function {
        Operation::CreateFunction { function }
        | Operation::ReplaceFunction { to: function, .. } => calls(domain, &function.key.name.name),
        _ => false,
    })
}

/// Whether `function` drops a function that the check or default of a domain one of `drops`
/// drops calls: it must wait for the domain.
pub fn called_by_any(function: &Operation, drops: &[Operation]) -> bool {
    let Operation::DropFunction { function } = function else {
        return false;
    };
    drops.iter().any(|drop| match drop {
        Operation::DropDomain { domain } => calls(domain, &function.key.name.name),
        _ => false,
    })
}

/// Whether `domain`'s checks or default name the function `name`.
fn calls(domain: &crate::schema::Domain, name: &str) -> bool {
    domain
        .checks
        .iter()
        .map(|check| check.definition.as_str())
        .chain(domain.default.as_deref())
        .any(|text| super::identifier::mentions_identifier(text, name))
}
