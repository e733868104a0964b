//! Scheduled events, read from `information_schema.EVENTS` in one query (`SHOW CREATE EVENT`
//! would take one per event and print the definer), and written as `CREATE`, `ALTER` and
//! `DROP EVENT`. Creating or altering one needs no running scheduler (the server warns, and
//! keeps it).
//!
//! Left out, as for routines: the definer, the `sql_mode` and the time zone of the session that
//! created it (a declared schema sets none of them: a dump's `SET time_zone` is a session
//! setting).

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use retort_core::dialect::Dialect as _;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{Event, EventStart, QualifiedName};

use crate::render::quote;

/// name, execute at (a one-time event's), interval value, interval field, starts, ends,
/// status, on completion, comment, body, created, last altered
type EventRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
);

pub fn introspect_events(
    connection: &mut mysql::Conn,
) -> Result<BTreeMap<QualifiedName, Event>, DatabaseError> {
    let error = |e: mysql::Error| DatabaseError::new(crate::connection::describe(&e));
    let rows: Vec<EventRow> = connection
        .query(
            "SELECT EVENT_NAME, CAST(EXECUTE_AT AS CHAR), INTERVAL_VALUE, INTERVAL_FIELD, CAST(STARTS AS CHAR), \
             CAST(ENDS AS CHAR), STATUS, ON_COMPLETION, EVENT_COMMENT, EVENT_DEFINITION, \
             CAST(CREATED AS CHAR), CAST(LAST_ALTERED AS CHAR) \
             FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY EVENT_NAME",
        )
        .map_err(error)?;
    let mut events = BTreeMap::new();
    for row in rows {
        let event = event(row)?;
        events.insert(event.name.clone(), event);
    }
    Ok(events)
}

fn event(row: EventRow) -> Result<Event, DatabaseError> {
    let (
        name,
        execute_at,
        interval_value,
        interval_field,
        starts,
        ends,
        status,
        completion,
        comment,
        body,
        created,
        last_altered,
    ) = row;
    let body = body.ok_or_else(|| {
        DatabaseError::new(format!(
            "cannot read the body of event {name}: grant the user the EVENT privilege on the database"
        ))
    })?;
    let schedule = match execute_at {
        Some(at) => format!("AT '{at}'"),
        None => format!(
            "EVERY {} {}",
            interval_value.unwrap_or_default(),
            interval_field.unwrap_or_default()
        ),
    };
    // Left out, a start is the time the event was created or last given a schedule: nothing
    // else sets it to exactly that second.
    let starts = starts.map(|at| EventStart {
        given: at != created && at != last_altered,
        at,
    });
    let status = match status.as_str() {
        "ENABLED" => "ENABLE",
        "DISABLED" => "DISABLE",
        _ => "DISABLE ON SLAVE",
    };
    Ok(Event {
        name: QualifiedName {
            schema: String::new(),
            name,
        },
        schedule,
        starts,
        ends,
        preserve: completion == "PRESERVE",
        status: status.to_owned(),
        comment: (!comment.is_empty()).then_some(comment),
        body: body.trim().to_owned(),
    })
}

/// `ON SCHEDULE …`: the start only where it was written (left out, the server takes the time
/// of the statement again).
fn schedule(event: &Event) -> String {
    let mut text = format!("ON SCHEDULE {}", event.schedule);
    if let Some(start) = event.starts.as_ref().filter(|start| start.given) {
        text.push_str(&format!(" STARTS '{}'", start.at));
    }
    if let Some(ends) = &event.ends {
        text.push_str(&format!(" ENDS '{ends}'"));
    }
    text
}

fn completion(event: &Event) -> &'static str {
    if event.preserve {
        "ON COMPLETION PRESERVE"
    } else {
        "ON COMPLETION NOT PRESERVE"
    }
}

fn comment(event: &Event) -> String {
    format!(
        "COMMENT {}",
        crate::dialect::MYSQL.string_literal(event.comment.as_deref().unwrap_or_default())
    )
}

pub fn create_event(event: &Event) -> String {
    let mut text = format!(
        "CREATE EVENT {} {} {} {}",
        quote(&event.name.name),
        schedule(event),
        completion(event),
        event.status
    );
    if event.comment.is_some() {
        text.push_str(&format!(" {}", comment(event)));
    }
    text.push_str(&format!("\nDO {}", event.body));
    text
}

pub fn drop_event(event: &Event) -> String {
    format!("DROP EVENT {}", quote(&event.name.name))
}

/// `ALTER EVENT` with the clauses that change (MariaDB's `CREATE OR REPLACE EVENT` where an
/// end goes away). The schedule is written again whenever the
/// start was left out, so that the server sets it to the time of this statement, which is how
/// introspection tells a start left out from a written one.
pub fn alter_event(from: &Event, to: &Event) -> String {
    // `ALTER EVENT … ON SCHEDULE` keeps an end it does not name: one that goes away takes the
    // whole statement again.
    if from.ends.is_some() && to.ends.is_none() {
        return create_event(to).replacen("CREATE EVENT", "CREATE OR REPLACE EVENT", 1);
    }
    let mut clauses = Vec::new();
    let start_left_out = to.starts.as_ref().is_some_and(|start| !start.given);
    if from.schedule != to.schedule
        || from.starts != to.starts
        || from.ends != to.ends
        || start_left_out
    {
        clauses.push(schedule(to));
    }
    if from.preserve != to.preserve {
        clauses.push(completion(to).to_owned());
    }
    if from.status != to.status {
        clauses.push(to.status.clone());
    }
    if from.comment != to.comment {
        clauses.push(comment(to));
    }
    let mut text = format!("ALTER EVENT {}", quote(&to.name.name));
    for clause in clauses {
        text.push(' ');
        text.push_str(&clause);
    }
    if from.body != to.body {
        text.push_str(&format!("\nDO {}", to.body));
    }
    text
}
