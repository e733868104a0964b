//! A declared table as the partial scratch load creates it: a stand-in made from the parsed
//! model, with what the statements left to the server can see of a table — its columns (name,
//! type, collation, in order) and its primary key (`GROUP BY id` may select the other columns,
//! `ON CONFLICT (id)` needs the key) — and nothing else: no defaults, checks, foreign keys
//! (so no referenced table is needed), sequences behind serials, indexes or comments, which the
//! parser has modeled.
//!
//! The stand-in is partitioned, with no partition: a partitioned table has no storage, so
//! creating it writes no heap, TOAST table or index file. The server creates a file of each for
//! a plain table, and those file creations are most of what loading 200 tables costs
//! (`bench/check`, "with objects": 0.35 s against 1.8 s in psql). Views, triggers, policies
//! and functions on a partitioned table are stored, and printed, exactly as on a plain one. A
//! statement the server refuses on a partitioned table (a row trigger with transition tables,
//! before PostgreSQL 13 a row trigger at all) fails the partial load, and the whole declared
//! schema is loaded instead: slower, never different.

use retort_core::dialect::Dialect;
use retort_core::schema::Table;

/// `CREATE TABLE` of the stand-in for `table`. The partition key is the primary key's first
/// column (a primary key must hold the partition key); without one, a boolean expression over
/// the first column, which every type has (a column itself needs a btree operator class).
pub fn stand_in(table: &Table) -> String {
    let quote = |name: &str| crate::dialect::POSTGRES.quote_identifier(name);
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .map(|column| {
            // A serial's integer, without the sequence behind it.
            let data_type =
                crate::serial::serial_storage(&column.data_type).unwrap_or(&column.data_type);
            match &column.collation {
                Some(collation) => format!(
                    "{} {data_type} COLLATE {}",
                    quote(&column.name),
                    quote(collation)
                ),
                None => format!("{} {data_type}", quote(&column.name)),
            }
        })
        .collect();
    let key = match &table.primary_key {
        Some(primary_key) => {
            parts.push(format!(
                "PRIMARY KEY ({})",
                crate::dialect::POSTGRES.quote_list(&primary_key.columns)
            ));
            primary_key.columns.first().map(|column| quote(column))
        }
        None => table
            .columns
            .first()
            .map(|column| format!("({} IS NULL)", quote(&column.name))),
    };
    let name = crate::render::table_name(&table.name);
    match key {
        Some(key) => format!(
            "CREATE TABLE {name} ({}) PARTITION BY LIST ({key})",
            parts.join(", ")
        ),
        // No column to partition by: a plain (empty) table.
        None => format!("CREATE TABLE {name} ()"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::declared::parse;
    use std::path::PathBuf;

    fn table(sql: &str) -> Table {
        let schema = parse(&[(PathBuf::from("schema.sql"), sql.to_owned())]).unwrap();
        schema.tables.into_values().next().unwrap()
    }

    #[test]
    fn keeps_columns_types_collations_and_the_primary_key_only() {
        let sql = stand_in(&table(
            "CREATE TABLE t (id bigserial PRIMARY KEY, name varchar(100) COLLATE \"C\" NOT NULL \
             DEFAULT 'x' CHECK (name <> ''), parent bigint REFERENCES t (id), tags text[]);",
        ));
        assert_eq!(
            sql,
            "CREATE TABLE \"t\" (\"id\" bigint, \"name\" character varying(100) COLLATE \"C\", \
             \"parent\" bigint, \"tags\" text[], PRIMARY KEY (\"id\")) PARTITION BY LIST (\"id\")"
        );
    }

    #[test]
    fn a_table_without_a_primary_key_is_partitioned_by_an_expression() {
        assert_eq!(
            stand_in(&table("CREATE TABLE t (doc json, n int);")),
            "CREATE TABLE \"t\" (\"doc\" json, \"n\" integer) PARTITION BY LIST ((\"doc\" IS NULL))"
        );
        assert_eq!(
            stand_in(&table("CREATE TABLE t ();")),
            "CREATE TABLE \"t\" ()"
        );
    }
}
