//! Scheduled events. An event holds no data and nothing depends on it in the catalog (its
//! body is checked only when it runs): it is dropped before the tables change, and created or
//! altered once everything it may run against (tables, routines) exists. A changed event is
//! altered in place (`ALTER EVENT` takes every clause, the body included).

use super::operation::Operation;
use crate::schema::Schema;

/// The drops (to run first) and the creations and alterations (to run last).
pub fn diff_events(from: &Schema, to: &Schema) -> (Vec<Operation>, Vec<Operation>) {
    let drops = from
        .events
        .values()
        .filter(|old| !to.events.contains_key(&old.name))
        .map(|old| Operation::DropEvent { event: old.clone() })
        .collect();
    let changes = to
        .events
        .values()
        .filter_map(|new| match from.events.get(&new.name) {
            None => Some(Operation::CreateEvent { event: new.clone() }),
            Some(old) if old.same_as(new) => None,
            Some(old) => Some(Operation::AlterEvent {
                from: old.clone(),
                to: new.clone(),
            }),
        })
        .collect();
    (drops, changes)
}
