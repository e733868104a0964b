//! PostgreSQL composite types: created and altered before the tables whose columns use them
//! (after the domains and enums their attributes may use), dropped after those tables. One
//! whose attributes name another created here comes after it.

use super::identifier::mentions_identifier;
use super::operation::Operation;
use super::type_users::columns_of_type;
use crate::schema::{CompositeType, Schema};

/// The composite type operations: creations and alterations to run before the tables, drops
/// after.
pub fn diff_composite_types(from: &Schema, to: &Schema) -> (Vec<Operation>, Vec<Operation>) {
    let created: Vec<&CompositeType> = to
        .composite_types
        .values()
        .filter(|new| !from.composite_types.contains_key(&new.name))
        .collect();
    let mut first: Vec<Operation> = in_dependency_order(&created)
        .into_iter()
        .map(|composite| Operation::CreateCompositeType {
            composite: composite.clone(),
        })
        .collect();
    for (name, new) in &to.composite_types {
        if let Some(old) = from.composite_types.get(name) {
            if old != new {
                first.push(Operation::AlterCompositeType {
                    from: old.clone(),
                    to: new.clone(),
                    columns: columns_of_type(from, name),
                });
            }
        }
    }
    let dropped: Vec<&CompositeType> = from
        .composite_types
        .values()
        .filter(|old| !to.composite_types.contains_key(&old.name))
        .collect();
    let mut last: Vec<Operation> = in_dependency_order(&dropped)
        .into_iter()
        .map(|composite| Operation::DropCompositeType {
            composite: composite.clone(),
        })
        .collect();
    last.reverse();
    (first, last)
}

/// The attribute order `ALTER TYPE … DROP/ADD ATTRIBUTE` gives `from` on the way to `to`
/// (added attributes go last), and the one `to` wants: where they differ, the type is dropped
/// and created again.
pub fn attribute_orders<'a>(
    from: &'a CompositeType,
    to: &'a CompositeType,
) -> (Vec<&'a str>, Vec<&'a str>) {
    let kept = |name: &str| to.attributes.iter().any(|a| a.name == name);
    let added = to
        .attributes
        .iter()
        .filter(|attribute| !from.attributes.iter().any(|a| a.name == attribute.name));
    let in_place = from
        .attributes
        .iter()
        .filter(|attribute| kept(&attribute.name))
        .chain(added)
        .map(|a| a.name.as_str())
        .collect();
    let wanted = to.attributes.iter().map(|a| a.name.as_str()).collect();
    (in_place, wanted)
}

/// Whether the change from `from` to `to` drops the type and creates it again.
pub fn recreated(from: &CompositeType, to: &CompositeType) -> bool {
    let (in_place, wanted) = attribute_orders(from, to);
    in_place != wanted
}

/// `types` ordered so that each comes after those among them its attributes use (a cycle,
/// which PostgreSQL refuses, keeps the name order).
fn in_dependency_order<'a>(types: &[&'a CompositeType]) -> Vec<&'a CompositeType> {
    let uses = |composite: &CompositeType, other: &CompositeType| {
        composite
            .attributes
            .iter()
            .any(|a| mentions_identifier(&a.data_type, &other.name.name))
    };
    let mut ordered = Vec::with_capacity(types.len());
    let mut remaining: Vec<&CompositeType> = types.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|composite| {
            remaining
                .iter()
                .all(|other| other.name == composite.name || !uses(composite, other))
        });
        ordered.push(remaining.remove(ready.unwrap_or(0)));
    }
    ordered
}
