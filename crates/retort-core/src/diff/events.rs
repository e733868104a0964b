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

#[cfg(test)]
mod tests {
    use super::diff_events;
    use crate::diff::operation::Operation;
    use crate::schema::{Event, EventStart, QualifiedName, Schema};

    fn schema_with(start: Option<(&str, bool)>) -> Schema {
        let name = QualifiedName {
            schema: String::new(),
            name: "tidy".to_owned(),
        };
        let event = Event {
            name: name.clone(),
            schedule: "EVERY 1 DAY".to_owned(),
            starts: start.map(|(at, given)| EventStart {
                at: at.to_owned(),
                given,
            }),
            ends: None,
            preserve: false,
            status: "ENABLE".to_owned(),
            comment: None,
            body: "DELETE FROM t".to_owned(),
        };
        let mut schema = Schema::default();
        schema.events.insert(name, event);
        schema
    }

    #[test]
    fn starts_left_out_match_whatever_time_the_server_chose() {
        let live = schema_with(Some(("2026-01-01 10:00:00", false)));
        let scratch = schema_with(Some(("2026-12-02 07:00:00", false)));
        assert_eq!(diff_events(&live, &scratch), (Vec::new(), Vec::new()));
        // A dump writes the start the server chose: the same time matches.
        let dumped = schema_with(Some(("2026-01-01 10:00:00", true)));
        assert_eq!(diff_events(&live, &dumped), (Vec::new(), Vec::new()));
        // Another written start does not, nor does a start left out against a written one.
        let later = schema_with(Some(("2026-01-02 03:00:00", true)));
        let (drops, changes) = diff_events(&live, &later);
        assert!(drops.is_empty());
        assert!(matches!(changes.as_slice(), [Operation::AlterEvent { .. }]));
        let (_, changes) = diff_events(&later, &scratch);
        assert!(matches!(changes.as_slice(), [Operation::AlterEvent { .. }]));
    }

    #[test]
    fn only_live_events_are_dropped_and_only_declared_ones_created() {
        let (drops, changes) = diff_events(&schema_with(None), &Schema::default());
        assert!(matches!(drops.as_slice(), [Operation::DropEvent { .. }]));
        assert!(changes.is_empty());
        let (drops, changes) = diff_events(&Schema::default(), &schema_with(None));
        assert!(drops.is_empty());
        assert!(matches!(
            changes.as_slice(),
            [Operation::CreateEvent { .. }]
        ));
    }
}
