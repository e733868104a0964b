//! PostgreSQL's [`Dialect`]: rendering and the type-change rules.

use retort_core::autogenerate::screen::DeclaredStatement;
use retort_core::dialect::widening::{decimal_widens, length_widens, type_arguments};
use retort_core::dialect::Dialect;
use retort_core::diff::operation::Operation;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::Schema;

use crate::serial::serial_storage;

pub struct Postgres;

/// The one instance, handed out by every PostgreSQL connection.
pub static POSTGRES: Postgres = Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn classify_declared(&self, sql: &str) -> DeclaredStatement {
        crate::declared_statement::classify(sql)
    }

    fn has_grants(&self) -> bool {
        true
    }

    fn triggers_hold_their_columns(&self) -> bool {
        true
    }

    fn render(&self, operation: &Operation) -> Result<Vec<String>, DatabaseError> {
        crate::render::render(operation)
    }

    /// What PostgreSQL 15 cannot alter in place about generated columns is dropped and added
    /// back, with what depends on them around (`generated_columns`).
    fn adapt(&self, operations: Vec<Operation>, from: &Schema, to: &Schema) -> Vec<Operation> {
        crate::generated_columns::recreated_where_not_alterable(&operations, from, to)
    }

    fn widens(&self, from: &str, to: &str) -> bool {
        widens(from, to)
    }

    fn now_milliseconds(&self) -> &'static str {
        "(extract(epoch from clock_timestamp()) * 1000)::bigint"
    }

    fn insert_or_ignore(&self, table: &str, columns: &str, values: &str, key: &str) -> String {
        format!("INSERT INTO {table} {columns} VALUES {values} ON CONFLICT ({key}) DO NOTHING")
    }

    fn insert_or_replace(
        &self,
        table: &str,
        columns: &str,
        values: &str,
        key: &str,
        updated: &[&str],
    ) -> String {
        let assignments: Vec<String> = updated
            .iter()
            .map(|column| format!("{column} = EXCLUDED.{column}"))
            .collect();
        format!(
            "INSERT INTO {table} {columns} VALUES {values} ON CONFLICT ({key}) DO UPDATE SET {}",
            assignments.join(", ")
        )
    }
}

/// Integer types by rank; a serial column stores the integer of the same rank.
const INTEGERS: [&str; 3] = ["smallint", "integer", "bigint"];

/// Whether every value of `from` is kept unchanged in `to`.
pub fn widens(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let rank = |name: &str| {
        let stored = serial_storage(name).unwrap_or(name);
        INTEGERS.iter().position(|t| *t == stored)
    };
    if let Some(a) = rank(from) {
        if let Some(b) = rank(to) {
            return a <= b;
        }
        // Any integer fits an unconstrained numeric, and one with enough digits before the point.
        return type_arguments(to, "numeric").is_some_and(|arguments| {
            let digits = [5, 10, 19][a];
            decimal_widens(&[digits, 0], &arguments)
        });
    }
    if let (Some(a), Some(b)) = (
        type_arguments(from, "numeric"),
        type_arguments(to, "numeric"),
    ) {
        return decimal_widens(&a, &b);
    }
    if from == "real" {
        return to == "double precision";
    }
    // The same document either way: `jsonb` keeps the meaning of a `json` value and drops its
    // spelling (whitespace, key order, `1e2` as `100`, escapes as the characters), and of
    // duplicate keys the last, as JSON readers take it (RFC 8259 leaves it to them; JavaScript
    // and Python do so). `json` holds a `jsonb` value's text as it is. Not destructive, and no
    // check (as text, every compact document would count as lost).
    if matches!((from, to), ("json", "jsonb") | ("jsonb", "json")) {
        return true;
    }
    for name in ["character varying", "varchar"] {
        if let Some(before) = type_arguments(from, name) {
            return to == "text"
                || type_arguments(to, name).is_some_and(|after| length_widens(&before, &after));
        }
    }
    for name in [
        "timestamp without time zone",
        "timestamp with time zone",
        "time without time zone",
        "interval",
    ] {
        let precision = |text: &str| {
            // `timestamp(3) without time zone`: the precision sits after the first word.
            let (head, tail) = name.split_once(' ').unwrap_or((name, ""));
            let rest = text.strip_prefix(head)?;
            let (arguments, after) = match rest.strip_prefix('(') {
                Some(inner) => {
                    let (inside, after) = inner.split_once(')')?;
                    (vec![inside.trim().parse::<u64>().ok()?], after)
                }
                None => (Vec::new(), rest),
            };
            (after.trim() == tail).then_some(arguments)
        };
        if let (Some(a), Some(b)) = (precision(from), precision(to)) {
            return length_widens(&a, &b);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::widens;

    #[test]
    fn widening_is_not_destructive() {
        assert!(widens("integer", "bigint"));
        assert!(!widens("bigint", "integer"));
        assert!(widens("character varying(20)", "character varying(200)"));
        assert!(widens("character varying(20)", "text"));
        assert!(!widens("character varying(200)", "character varying(20)"));
        assert!(!widens("text", "integer"));
        assert!(widens("integer", "serial"));
        assert!(widens("bigserial", "bigint"));
        assert!(!widens("bigserial", "integer"));
        assert!(widens("numeric(10,2)", "numeric(12,2)"));
        assert!(widens("numeric(10,2)", "numeric"));
        assert!(!widens("numeric(10,4)", "numeric(10,2)"));
        assert!(widens("integer", "numeric(12,0)"));
        assert!(!widens("bigint", "numeric(12,0)"));
        assert!(widens("real", "double precision"));
        assert!(!widens("double precision", "real"));
        assert!(widens("json", "jsonb"));
        assert!(widens("jsonb", "json"));
        assert!(widens(
            "timestamp(0) without time zone",
            "timestamp without time zone"
        ));
        assert!(!widens(
            "timestamp without time zone",
            "timestamp(3) without time zone"
        ));
        assert!(!widens(
            "timestamp without time zone",
            "timestamp with time zone"
        ));
    }
}
