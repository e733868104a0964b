//! Random declared schemas built from what the declared-schema parsers claim to take, for the
//! property `parse(S) == introspect(load(S))` beyond the hand-written corpus. Each seed gives
//! the same SQL, so a failure names a reproducible case.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// A column kind: its declared type, and the defaults and checks that suit it (`{c}` stands
/// for the column's name).
struct Kind {
    declared: &'static str,
    defaults: &'static [&'static str],
    checks: &'static [&'static str],
    /// May a plain B-tree index or a unique constraint use it?
    indexable: bool,
}

/// A kind in one line: type, defaults, checks, whether it may be indexed.
const fn kind(
    declared: &'static str,
    defaults: &'static [&'static str],
    checks: &'static [&'static str],
    indexable: bool,
) -> Kind {
    Kind {
        declared,
        defaults,
        checks,
        indexable,
    }
}

const POSTGRES_KINDS: &[Kind] = &[
    kind(
        "int",
        &["0", "5", "-1", "'7'"],
        &[
            "{c} > 0",
            "{c} <> 5",
            "{c} IN (1, 2)",
            "{c} = -1",
            "{c} >= 0 AND {c} < 100",
        ],
        true,
    ),
    kind(
        "bigint",
        &["3000000000", "-5", "1"],
        &["{c} > 3000000000", "{c} IS NOT NULL"],
        true,
    ),
    kind("smallint", &["2"], &["{c} < 100"], true),
    kind(
        "numeric(10,2)",
        &["0", "1.5", "-0.5"],
        &["{c} >= 0.5", "{c} > 0"],
        true,
    ),
    kind("double precision", &["1.5", "2"], &["{c} > 0"], true),
    kind(
        "text",
        &["'x'", "''", "'it''s'"],
        &[
            "{c} <> ''",
            "{c} IN ('a', 'b')",
            "{c} IS NULL OR {c} <> 'z'",
        ],
        true,
    ),
    kind(
        "varchar(20)",
        &["'x'"],
        &["{c} = 'x' OR {c} = 'y'", "{c} IN ('q')"],
        true,
    ),
    kind("boolean", &["true", "false"], &["{c}", "NOT {c}"], true),
    kind(
        "date",
        &["'2020-01-01'", "CURRENT_DATE"],
        &["{c} > '2020-01-01'"],
        true,
    ),
    kind("timestamptz", &["now()", "CURRENT_TIMESTAMP"], &[], true),
    kind("uuid", &["gen_random_uuid()"], &[], true),
    kind("jsonb", &["'{}'"], &[], false),
];

const MARIADB_KINDS: &[Kind] = &[
    kind(
        "int",
        &["0", "-3", "'7'"],
        &["{c} > 0", "{c} <> 5 AND {c} < 100"],
        true,
    ),
    kind("bigint unsigned", &["1", "9000000000"], &[], true),
    kind("tinyint", &["-3", "127"], &["{c} >= -5"], true),
    kind("decimal(8,3)", &["2", "-0.25", "1.5"], &[], true),
    kind("double", &[], &[], true),
    kind("varchar(40)", &["'x'", "''", "'it''s'", "42"], &[], true),
    kind("char(4)", &["'ab'"], &[], true),
    kind("text", &["'none'"], &[], false),
    kind("boolean", &["true", "false"], &[], true),
    kind("date", &["'2024-02-28'"], &[], true),
    kind(
        "datetime",
        &[
            "CURRENT_TIMESTAMP",
            "now()",
            "'2020-01-01 12:30:00'",
            "'2020-01-01'",
        ],
        &[],
        true,
    ),
    kind("timestamp", &["CURRENT_TIMESTAMP"], &[], true),
];

const SQLITE_KINDS: &[Kind] = &[
    kind(
        "integer",
        &["0", "5", "-1"],
        &["{c} > 0", "{c} >= 0 AND {c} < 100"],
        true,
    ),
    kind(
        "text",
        &["'x'", "''", "'it''s'"],
        &["{c} <> ''", "{c} IN ('a', 'b')"],
        true,
    ),
    kind("real", &["1.5"], &[], true),
    kind("numeric(10,2)", &["0"], &[], true),
    kind("varchar(20)", &["'x'"], &[], true),
    kind("boolean", &["0", "1"], &["{c} IN (0, 1)"], true),
    kind("timestamp", &["CURRENT_TIMESTAMP"], &[], true),
    kind("blob", &[], &[], false),
];

/// Which database's forms to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Postgres,
    MariaDb,
    Sqlite,
}

/// A random schema of a few tables: columns with defaults, NOT NULL, checks, unique keys,
/// foreign keys to earlier tables, indexes and comments, plus each dialect's own forms
/// (PostgreSQL: enums, sequences, identity, generated columns, expression, hash and GIN
/// indexes; in pairs also domains, composite types and a materialized view; MariaDB: AUTO_INCREMENT, unnamed foreign keys, prefix indexes, in pairs also engines and table options;
/// SQLite: AUTOINCREMENT, COLLATE, generated columns, WITHOUT ROWID).
pub fn random_schema(flavor: Flavor, seed: u64) -> String {
    schema_version(flavor, seed, seed, false)
}

/// Two versions of one random schema, as a project's schema changes between two revisions:
/// the same tables and columns (a few dropped or added), other decorations (NOT NULL,
/// defaults, checks, keys, indexes, comments, foreign-key actions, enum values, sequence
/// options), and on the second side some tables and columns renamed, with their annotations.
pub fn related_pair(flavor: Flavor, seed: u64) -> (String, String) {
    (
        schema_version(flavor, seed, seed * 2 + 1, false),
        schema_version(flavor, seed, seed * 2 + 2, true),
    )
}

/// One version: `structure` draws the tables, their columns' kinds and their parents;
/// `decoration` draws everything else; `renaming` renames some tables and columns (the
/// second side of a [`related_pair`]).
fn schema_version(flavor: Flavor, structure: u64, decoration: u64, renaming: bool) -> String {
    let mut shape = StdRng::seed_from_u64(structure);
    let mut rng = StdRng::seed_from_u64(decoration ^ 0x9e37_79b9_7f4a_7c15);
    let varying = structure != decoration;
    let kinds = match flavor {
        Flavor::Postgres => POSTGRES_KINDS,
        Flavor::MariaDb => MARIADB_KINDS,
        Flavor::Sqlite => SQLITE_KINDS,
    };
    let mut sql = String::new();
    if flavor == Flavor::Postgres {
        let labels = if varying {
            *[
                "'sad', 'ok', 'happy'",
                "'sad', 'ok'",
                "'sad', 'ok', 'happy', 'great'",
            ]
            .choose(&mut rng)
            .expect("labels")
        } else {
            "'sad', 'ok', 'happy'"
        };
        let increment = if varying && rng.gen_bool(0.5) { 10 } else { 5 };
        sql.push_str(&format!("CREATE TYPE mood AS ENUM ({labels});\n"));
        sql.push_str(&format!(
            "CREATE SEQUENCE numbers START WITH 100 INCREMENT BY {increment};\n"
        ));
    }
    // PostgreSQL's extensions, functions, triggers, row-level security, policies and views that
    // call a function, in pairs only (the parser leaves them to the scratch database), drawn
    // from a generator of their own so that the rest of a pair stays what it was.
    let mut objects = StdRng::seed_from_u64(decoration ^ 0x2545_f491_4f6c_dd1d);
    let routines = flavor == Flavor::Postgres && varying;
    if routines {
        if objects.gen_bool(0.5) {
            sql.push_str("CREATE EXTENSION IF NOT EXISTS pg_trgm;\n");
        }
        let body = *["RETURN NEW;", "NEW.id := NEW.id; RETURN NEW;"]
            .choose(&mut objects)
            .expect("bodies");
        sql.push_str(&format!(
            "CREATE FUNCTION touch_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$;\n"
        ));
        // A renamed argument drops and creates the function again, and what calls it around it.
        let argument = *["n", "lower_bound"].choose(&mut objects).expect("names");
        let volatility = *["IMMUTABLE", "STABLE"]
            .choose(&mut objects)
            .expect("volatility");
        sql.push_str(&format!(
            "CREATE FUNCTION floor_id({argument} integer) RETURNS integer LANGUAGE sql {volatility} AS $$ SELECT {argument} - 1 $$;\n"
        ));
    }
    // MariaDB's stored function, procedure and event, in pairs only (the parser leaves them to the
    // scratch database), from the same generator of their own: a changed body or characteristic
    // is replaced in place, a renamed parameter drops and creates the routine again (and the
    // views and triggers that call the function around it).
    let mariadb_routines = flavor == Flavor::MariaDb && varying;
    if mariadb_routines {
        let argument = *["n", "lower_bound"].choose(&mut objects).expect("names");
        let factor = objects.gen_range(1..3);
        sql.push_str(&format!(
            "CREATE FUNCTION floor_id({argument} int) RETURNS int DETERMINISTIC RETURN {argument} - {factor};\n"
        ));
        let access = *["READS SQL DATA", "MODIFIES SQL DATA"]
            .choose(&mut objects)
            .expect("data access");
        let label = *["touched", "touched; twice"]
            .choose(&mut objects)
            .expect("labels");
        sql.push_str(&format!(
            "CREATE PROCEDURE touch_all(IN {argument} int, OUT done varchar(20)) {access}\nBEGIN\n  SET @retort_touched = floor_id({argument});\n  SET done = '{label}';\nEND;\n"
        ));
        // An event that calls it, altered between the two sides (interval, status).
        let hours = objects.gen_range(1..3);
        let status = *["ENABLE", "DISABLE"].choose(&mut objects).expect("status");
        sql.push_str(&format!(
            "CREATE EVENT touch_hourly ON SCHEDULE EVERY {hours} HOUR {status} DO CALL touch_all(1, @retort_done);\n"
        ));
    }
    // Domains and composite types that no column uses (a base type or attribute change while
    // columns use one is refused by name), in pairs only, drawn from `objects` too.
    if routines {
        sql.push_str(&random_domain(&mut objects));
        let attributes = *[
            "x int, y int",
            "x int, y int, label text",
            "x bigint, y int",
        ]
        .choose(&mut objects)
        .expect("attributes");
        sql.push_str(&format!("CREATE TYPE point2 AS ({attributes});\n"));
        if objects.gen_bool(0.3) {
            sql.push_str("COMMENT ON TYPE point2 IS 'two numbers';\n");
        }
    }
    // PostgreSQL's in-table clauses (identity options, DEFERRABLE keys, MATCH FULL, exclusion
    // constraints), in pairs only, from a generator of their own so that
    // the rest of a pair stays what it was. None refuses the rows seeded on the first side.
    let mut clauses = StdRng::seed_from_u64(decoration ^ 0x3c6e_f372_fe94_f82b);
    // PostgreSQL's comments on keys, indexes, triggers, policies and sequences, in pairs only
    // (the parser leaves them to the scratch database), from a generator of their own: added,
    // changed and removed between the two sides, on objects that stay, change or are renamed.
    let mut notes = StdRng::seed_from_u64(decoration ^ 0x510e_527f_ade6_82d1);
    if routines && notes.gen_bool(0.5) {
        sql.push_str(&format!(
            "COMMENT ON SEQUENCE numbers IS {};\n",
            note(&mut notes)
        ));
    }
    // MariaDB's engines and table options, in pairs only (the parser leaves them to the scratch
    // database), from a generator of their own.
    let mut storage = StdRng::seed_from_u64(decoration ^ 0xa54f_f53a_5f1d_36f1);
    let mut earlier_tables: Vec<(String, String)> = Vec::new();
    let table_count = shape.gen_range(1..=4);
    for table_number in 0..table_count {
        let original = format!("t{table_number}");
        let renamed = renaming && table_number > 0 && rng.gen_bool(0.2);
        let table = if renamed {
            sql.push_str(&format!("-- retort:renamed-from {original}\n"));
            format!("{original}r")
        } else {
            original.clone()
        };
        let mut items = vec![primary_key(flavor, &mut shape)];
        if routines {
            items[0] = identity_options(&items[0], &mut clauses);
            // On the key, which no seeded row breaks.
            if clauses.gen_bool(0.3) {
                let condition = *["", " WHERE (id > 0)"]
                    .choose(&mut clauses)
                    .expect("conditions");
                items.push(format!(
                    "CONSTRAINT {table}_excl EXCLUDE USING btree (id WITH =){condition}"
                ));
            }
        }
        // Table constraints; SQLite takes them only after every column, the others anywhere
        // (and PostgreSQL names checks in written order, so those stay among the columns).
        let mut constraints = Vec::new();
        let mut indexable_columns = Vec::new();
        let mut after = Vec::new();
        let column_count = shape.gen_range(1..=6);
        for column_number in 0..column_count {
            // What a column is and what it constrains is drawn from `shape`, all of it before
            // anything `rng` decides, so both versions read `shape` alike; between versions a
            // constraint may go away (`keep`), never come over rows it would refuse.
            let kind_number = shape.gen_range(0..kinds.len());
            let kind = &kinds[kind_number];
            let not_null = shape.gen_bool(0.3);
            let unique = kind.indexable && shape.gen_bool(0.15);
            let inline_check = kind
                .checks
                .choose(&mut shape)
                .filter(|_| shape.gen_bool(0.3));
            let table_check = kind
                .checks
                .choose(&mut shape)
                .filter(|_| shape.gen_bool(0.3));
            // Between two versions, a nullable column now and then is not there (dropped, or
            // added).
            if varying && column_number > 0 && !not_null && rng.gen_bool(0.1) {
                continue;
            }
            // The name carries the kind, so two schemas never give one column two types (a
            // change between unrelated types has no cast; the author writes that one).
            let original_column = format!("c{column_number}_{kind_number}");
            let (column, annotation) = if renaming && rng.gen_bool(0.1) {
                (
                    format!("{original_column}r"),
                    format!("-- retort:renamed-from {original_column}\n  "),
                )
            } else {
                (original_column, String::new())
            };
            let mut definition = format!("{annotation}{column} {}", kind.declared);
            if not_null {
                definition.push_str(" NOT NULL");
            }
            if let Some(default) = kind.defaults.choose(&mut rng).filter(|_| rng.gen_bool(0.5)) {
                definition.push_str(&format!(" DEFAULT {default}"));
            }
            // SQLite's column collations (a change rebuilds the table). The seeded rows are
            // lower-case letters, so no unique key meets two values NOCASE takes as one.
            if flavor == Flavor::Sqlite && kind.declared == "text" && rng.gen_bool(0.3) {
                let collation = ["NOCASE", "RTRIM", "BINARY"]
                    .choose(&mut rng)
                    .expect("collations");
                definition.push_str(&format!(" COLLATE {collation}"));
            }
            if keep(unique, varying, &mut rng) {
                definition.push_str(" UNIQUE");
            }
            if flavor == Flavor::Postgres {
                if let Some(check) = inline_check.filter(|_| keep(true, varying, &mut rng)) {
                    definition.push_str(&format!(" CHECK ({})", check.replace("{c}", &column)));
                }
            }
            if rng.gen_bool(0.15) {
                after.push(comment(flavor, &table, &column, &mut definition));
            }
            items.push(definition);
            if let Some(check) = table_check.filter(|_| keep(true, varying, &mut rng)) {
                let check = check.replace("{c}", &column);
                let check = if rng.gen_bool(0.5) {
                    format!("CONSTRAINT {table}_{column}_named CHECK ({check})")
                } else {
                    format!("CHECK ({check})")
                };
                if flavor == Flavor::Sqlite {
                    constraints.push(check);
                } else {
                    items.push(check);
                }
            }
            if kind.indexable {
                indexable_columns.push((column, kind.declared));
            }
        }
        items.extend(dialect_columns(flavor, &mut rng));
        let pair_unique = shape.gen_bool(0.3);
        if let [(first, _), (second, _), ..] = indexable_columns.as_slice() {
            if keep(pair_unique, varying, &mut rng) {
                // Not NULLS NOT DISTINCT: seeded rows with both columns NULL would refuse it.
                let deferrable = if routines {
                    *["", "", " DEFERRABLE", " DEFERRABLE INITIALLY DEFERRED"]
                        .choose(&mut clauses)
                        .expect("options")
                } else {
                    ""
                };
                constraints.push(format!(
                    "CONSTRAINT {table}_pair UNIQUE ({first}, {second}){deferrable}"
                ));
            }
        }
        let parent = earlier_tables.choose(&mut shape).cloned();
        let referencing = shape.gen_bool(0.6);
        if let Some((parent_original, parent)) =
            parent.filter(|_| keep(referencing, varying, &mut rng))
        {
            let action = [
                "",
                " ON DELETE CASCADE",
                " ON DELETE SET NULL",
                " ON UPDATE CASCADE",
                " ON DELETE RESTRICT",
                " ON DELETE NO ACTION ON UPDATE NO ACTION",
                " ON DELETE CASCADE ON UPDATE CASCADE",
                " ON UPDATE SET NULL",
                " ON DELETE SET NULL ON UPDATE RESTRICT",
            ]
            .choose(&mut rng)
            .expect("actions");
            let deferrable = match flavor {
                Flavor::Postgres | Flavor::Sqlite if rng.gen_bool(0.3) => {
                    " DEFERRABLE INITIALLY DEFERRED"
                }
                _ => "",
            };
            // MariaDB names an unnamed foreign key t_ibfk_1; PostgreSQL t_parent_id_fkey.
            let name = if rng.gen_bool(0.5) {
                format!("CONSTRAINT {table}_{parent} ")
            } else {
                String::new()
            };
            let match_full = if routines && clauses.gen_bool(0.3) {
                " MATCH FULL"
            } else {
                ""
            };
            items.push(format!("{parent_original}_id int"));
            constraints.push(format!(
                "{name}FOREIGN KEY ({parent_original}_id) REFERENCES {parent} (id){match_full}{action}{deferrable}"
            ));
        }
        let table_comment = match flavor {
            Flavor::MariaDb if rng.gen_bool(0.3) => " ENGINE=InnoDB COMMENT 'a table'",
            // A table option (a change rebuilds the table); AUTOINCREMENT needs a rowid.
            Flavor::Sqlite if !items[0].contains("AUTOINCREMENT") && rng.gen_bool(0.15) => {
                " WITHOUT ROWID"
            }
            _ => "",
        };
        let table_storage = if flavor == Flavor::MariaDb && varying {
            // Only InnoDB keeps foreign keys: another engine only for the last table (no later
            // one can reference it) when it references none.
            let mut choices = vec![
                "",
                "",
                "",
                " ROW_FORMAT=COMPACT",
                " ROW_FORMAT=REDUNDANT STATS_PERSISTENT=1",
                " ROW_FORMAT=DYNAMIC STATS_AUTO_RECALC=0",
            ];
            if table_number + 1 == table_count
                && !constraints.iter().any(|c| c.contains("FOREIGN KEY"))
            {
                choices.extend([
                    " ENGINE=MyISAM",
                    " ENGINE=MyISAM CHECKSUM=1",
                    " ENGINE=Aria ROW_FORMAT=PAGE",
                ]);
            }
            *choices.choose(&mut storage).expect("storage")
        } else {
            ""
        };
        // One engine per table.
        let table_comment = if table_storage.contains("ENGINE=") {
            table_comment.replace(" ENGINE=InnoDB", "")
        } else {
            table_comment.to_owned()
        };
        items.extend(constraints);
        sql.push_str(&format!(
            "CREATE TABLE {table} (\n  {}\n){table_storage}{table_comment};\n",
            items.join(",\n  ")
        ));
        for (number, (column, declared)) in indexable_columns.iter().enumerate() {
            if rng.gen_bool(0.35) {
                let statement = index(flavor, &table, number, column, declared, &mut rng);
                let name = format!("{table}_ix{number}");
                let named = statement.contains(&format!("INDEX {name} ON"));
                sql.push_str(&statement);
                if routines && named && notes.gen_bool(0.4) {
                    sql.push_str(&format!(
                        "COMMENT ON INDEX {name} IS {};\n",
                        note(&mut notes)
                    ));
                }
            }
        }
        if routines && notes.gen_bool(0.3) {
            sql.push_str(&format!(
                "COMMENT ON CONSTRAINT {table}_pkey ON {table} IS {};\n",
                note(&mut notes)
            ));
        }
        if flavor == Flavor::Postgres && rng.gen_bool(0.2) {
            sql.push_str(&format!("COMMENT ON TABLE {table} IS 'a table';\n"));
        }
        if routines {
            if objects.gen_bool(0.4) {
                let event = *["INSERT", "UPDATE", "INSERT OR UPDATE"]
                    .choose(&mut objects)
                    .expect("events");
                sql.push_str(&format!(
                    "CREATE TRIGGER {table}_touch BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION touch_row();\n"
                ));
                if notes.gen_bool(0.4) {
                    sql.push_str(&format!(
                        "COMMENT ON TRIGGER {table}_touch ON {table} IS {};\n",
                        note(&mut notes)
                    ));
                }
            }
            if objects.gen_bool(0.4) {
                sql.push_str(&format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"));
                if objects.gen_bool(0.3) {
                    sql.push_str(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n"));
                }
                let command = *["ALL", "SELECT", "UPDATE"]
                    .choose(&mut objects)
                    .expect("commands");
                let bound = objects.gen_range(0..2);
                sql.push_str(&format!(
                    "CREATE POLICY {table}_p ON {table} FOR {command} USING (id > floor_id({bound}));\n"
                ));
                if notes.gen_bool(0.4) {
                    sql.push_str(&format!(
                        "COMMENT ON POLICY {table}_p ON {table} IS {};\n",
                        note(&mut notes)
                    ));
                }
            }
            if objects.gen_bool(0.3) {
                sql.push_str(&format!(
                    "CREATE VIEW {table}_pv AS SELECT id FROM {table} WHERE id > floor_id(1);\n"
                ));
            }
        }
        // SQLite models views and triggers: a view over the table (reading one of its columns,
        // so a rename, drop or rebuild of it must set the view aside), a trigger on it.
        if flavor == Flavor::Sqlite {
            if let Some((column, _)) = indexable_columns.first().filter(|_| rng.gen_bool(0.4)) {
                let filter = if rng.gen_bool(0.5) {
                    " WHERE id > 0"
                } else {
                    ""
                };
                sql.push_str(&format!(
                    "CREATE VIEW {table}_v AS SELECT id, {column} FROM {table}{filter};\n"
                ));
            }
            if rng.gen_bool(0.3) {
                let event = *["INSERT", "UPDATE", "DELETE"]
                    .choose(&mut rng)
                    .expect("events");
                sql.push_str(&format!(
                    "CREATE TRIGGER {table}_{} AFTER {event} ON {table} BEGIN SELECT 1; END;\n",
                    event.to_ascii_lowercase()
                ));
            }
        }
        // MariaDB models views and triggers too (only in pairs: the parser leaves them to the
        // scratch database); a trigger's body is a BEGIN … END block without DELIMITER.
        if varying && flavor == Flavor::MariaDb {
            if let Some((column, _)) = indexable_columns.first().filter(|_| rng.gen_bool(0.4)) {
                let filter = if rng.gen_bool(0.5) {
                    " WHERE id > 0"
                } else {
                    ""
                };
                sql.push_str(&format!(
                    "CREATE VIEW {table}_v AS SELECT id, {column} FROM {table}{filter};\n"
                ));
            }
            if rng.gen_bool(0.3) {
                let event = *["INSERT", "UPDATE", "DELETE"]
                    .choose(&mut rng)
                    .expect("events");
                sql.push_str(&format!(
                    "CREATE TRIGGER {table}_{} AFTER {event} ON {table} FOR EACH ROW BEGIN SET @retort_touched = 1; SET @retort_table = '{table}'; END;\n",
                    event.to_ascii_lowercase()
                ));
            }
            // What calls the function: a view, and a trigger of its own.
            if objects.gen_bool(0.3) {
                sql.push_str(&format!(
                    "CREATE VIEW {table}_fv AS SELECT id FROM {table} WHERE id > floor_id(1);\n"
                ));
            }
            if objects.gen_bool(0.3) {
                sql.push_str(&format!(
                    "CREATE TRIGGER {table}_floor BEFORE INSERT ON {table} FOR EACH ROW SET @retort_floor = floor_id(NEW.id);\n"
                ));
            }
        }
        // A partial index on the enum, what a change of its values must set aside (only in pairs:
        // the parser leaves enum comparisons to the scratch database).
        if varying
            && flavor == Flavor::Postgres
            && items.iter().any(|i| i.starts_with("feeling "))
            && rng.gen_bool(0.5)
        {
            sql.push_str(&format!(
                "CREATE INDEX {table}_feeling_ok ON {table} (id) WHERE feeling = 'ok';\n"
            ));
        }
        sql.push_str(&after.join(""));
        earlier_tables.push((original, table));
    }
    // A materialized view over the first table (never renamed), recreated around its changes.
    if routines && objects.gen_bool(0.7) {
        let filter = *["", " WHERE id > 0", " WHERE id > 2"]
            .choose(&mut objects)
            .expect("filters");
        let data = if objects.gen_bool(0.5) { "" } else { " NO" };
        sql.push_str(&format!(
            "CREATE MATERIALIZED VIEW t0_ids AS SELECT id FROM t0{filter} WITH{data} DATA;\n"
        ));
        if objects.gen_bool(0.5) {
            sql.push_str("CREATE INDEX t0_ids_id ON t0_ids (id);\n");
        }
        if objects.gen_bool(0.3) {
            sql.push_str("COMMENT ON MATERIALIZED VIEW t0_ids IS 'the ids';\n");
        }
    }
    // Privileges to PUBLIC (every server has it; roles are the server's), in pairs only (the
    // random round trips compare them: `compare_grants`), from a generator of their own. The
    // function may be dropped and created again, and tables renamed, around them.
    if routines {
        let mut privileges = StdRng::seed_from_u64(decoration ^ 0x5851_f42d_4c95_7f2d);
        for (_, table) in &earlier_tables {
            if privileges.gen_bool(0.4) {
                sql.push_str(&format!("GRANT SELECT ON {table} TO PUBLIC;\n"));
            }
            if privileges.gen_bool(0.3) {
                sql.push_str(&format!("GRANT UPDATE (id) ON {table} TO PUBLIC;\n"));
            }
            if sql.contains(&format!("CREATE VIEW {table}_pv ")) && privileges.gen_bool(0.5) {
                sql.push_str(&format!("GRANT SELECT ON {table}_pv TO PUBLIC;\n"));
            }
        }
        if privileges.gen_bool(0.5) {
            sql.push_str("REVOKE EXECUTE ON FUNCTION floor_id(integer) FROM PUBLIC;\n");
        }
        if privileges.gen_bool(0.4) {
            sql.push_str("GRANT USAGE ON SEQUENCE numbers TO PUBLIC;\n");
        }
    }
    sql
}

/// `CREATE DOMAIN amount …` with a base type, default, NOT NULL, check and comment drawn from
/// `rng`.
fn random_domain(rng: &mut StdRng) -> String {
    let base = if rng.gen_bool(0.8) {
        "numeric(10,2)"
    } else {
        "bigint"
    };
    let default = *["", " DEFAULT 0", " DEFAULT 1"]
        .choose(rng)
        .expect("defaults");
    let not_null = if rng.gen_bool(0.5) { " NOT NULL" } else { "" };
    let check = *[
        "",
        " CHECK (VALUE >= 0)",
        " CONSTRAINT amount_small CHECK (VALUE < 1000)",
    ]
    .choose(rng)
    .expect("checks");
    let mut sql = format!("CREATE DOMAIN amount AS {base}{default}{not_null}{check};\n");
    if rng.gen_bool(0.3) {
        sql.push_str("COMMENT ON DOMAIN amount IS 'money';\n");
    }
    sql
}

/// Whether a constraint the structure has is in this version: between two versions one may
/// go away now and then.
fn keep(present: bool, varying: bool, rng: &mut StdRng) -> bool {
    present && !(varying && rng.gen_bool(0.15))
}

/// The `id` column every table has, in one of the dialect's forms.
fn primary_key(flavor: Flavor, rng: &mut StdRng) -> String {
    let forms: &[&str] = match flavor {
        Flavor::Postgres => &[
            "id int PRIMARY KEY",
            "id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            "id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "id serial PRIMARY KEY",
        ],
        Flavor::MariaDb => &["id int PRIMARY KEY", "id int AUTO_INCREMENT PRIMARY KEY"],
        Flavor::Sqlite => &[
            "id integer PRIMARY KEY",
            "id int PRIMARY KEY",
            "id integer NOT NULL PRIMARY KEY AUTOINCREMENT",
        ],
    };
    (*forms.choose(rng).expect("forms")).to_owned()
}

/// A PostgreSQL `id` column's form with identity sequence options now and then (none that the
/// seeded rows, or a counter set to 500, would break), and `ALWAYS` now and then `BY DEFAULT`.
fn identity_options(form: &str, rng: &mut StdRng) -> String {
    if !form.contains("AS IDENTITY") {
        return form.to_owned();
    }
    let options = *[
        "",
        "",
        " (START WITH 10)",
        " (INCREMENT BY 2)",
        " (START WITH 100 INCREMENT BY 5 CACHE 10)",
        " (MAXVALUE 100000 CYCLE)",
    ]
    .choose(rng)
    .expect("options");
    let form = form.replace("AS IDENTITY", &format!("AS IDENTITY{options}"));
    if rng.gen_bool(0.2) {
        form.replace("GENERATED ALWAYS", "GENERATED BY DEFAULT")
    } else {
        form
    }
}

/// Columns only one dialect has.
fn dialect_columns(flavor: Flavor, rng: &mut StdRng) -> Vec<String> {
    let mut columns = Vec::new();
    if flavor == Flavor::Postgres {
        if rng.gen_bool(0.3) {
            columns.push("feeling mood NOT NULL DEFAULT 'ok'".to_owned());
        }
        if rng.gen_bool(0.2) {
            columns.push("number bigint DEFAULT nextval('numbers')".to_owned());
        }
        if rng.gen_bool(0.3) {
            columns.push("price numeric".to_owned());
            columns.push("qty int".to_owned());
            columns.push("total numeric GENERATED ALWAYS AS (price * qty) STORED".to_owned());
        }
        if rng.gen_bool(0.2) {
            columns.push("tags text[]".to_owned());
        }
    }
    // SQLite's generated columns: VIRTUAL (added in place) or STORED (added by a rebuild), the
    // short `AS (…)` spelling too; between two versions the expression or the storage changes.
    if flavor == Flavor::Sqlite && rng.gen_bool(0.3) {
        columns.push("price real".to_owned());
        columns.push("qty integer".to_owned());
        let expression = ["price * qty", "price * qty + 1"]
            .choose(rng)
            .expect("expressions");
        let storage = ["STORED", "VIRTUAL", ""].choose(rng).expect("storages");
        let spelling = if rng.gen_bool(0.5) {
            "GENERATED ALWAYS "
        } else {
            ""
        };
        columns.push(
            format!("total real {spelling}AS ({expression}) {storage}")
                .trim_end()
                .to_owned(),
        );
    }
    columns
}

/// One `CREATE INDEX` on `column` (and `id`), in a form the dialect's parser claims.
fn index(
    flavor: Flavor,
    table: &str,
    number: usize,
    column: &str,
    declared: &str,
    rng: &mut StdRng,
) -> String {
    let name = format!("{table}_ix{number}");
    let unique = if rng.gen_bool(0.3) { "UNIQUE " } else { "" };
    let descending = if rng.gen_bool(0.3) { " DESC" } else { "" };
    match flavor {
        Flavor::Postgres => {
            let predicate = if rng.gen_bool(0.3) {
                format!(" WHERE {column} IS NOT NULL")
            } else {
                String::new()
            };
            match rng.gen_range(0..4) {
                0 if declared == "text" => {
                    format!("CREATE {unique}INDEX {name} ON {table} (lower({column})){predicate};\n")
                }
                1 => format!("CREATE INDEX {name} ON {table} USING hash ({column});\n"),
                2 => format!(
                    "CREATE INDEX ON {table} ({column}{descending} NULLS LAST) INCLUDE (id){predicate};\n"
                ),
                _ => format!(
                    "CREATE {unique}INDEX {name} ON {table} ({column}{descending}, id){predicate};\n"
                ),
            }
        }
        Flavor::Sqlite => {
            let predicate = if rng.gen_bool(0.3) {
                format!(" WHERE {column} IS NOT NULL")
            } else {
                String::new()
            };
            format!(
                "CREATE {unique}INDEX {name} ON {table} ({column}{descending}, id){predicate};\n"
            )
        }
        Flavor::MariaDb => {
            let part = if declared.starts_with("varchar") && rng.gen_bool(0.4) {
                format!("{column}(10)")
            } else {
                column.to_owned()
            };
            format!("CREATE {unique}INDEX {name} ON {table} ({part}{descending}, id);\n")
        }
    }
}

/// A comment's text, as a literal: one of a few, so that the two sides of a pair often differ.
fn note(rng: &mut StdRng) -> &'static str {
    ["'a note'", "'another note'", "'it''s noted'"]
        .choose(rng)
        .expect("notes")
}

/// A column comment: inline on MariaDB, a `COMMENT ON` statement (returned) on PostgreSQL,
/// none on SQLite (which keeps no comments).
fn comment(flavor: Flavor, table: &str, column: &str, definition: &mut String) -> String {
    match flavor {
        Flavor::Sqlite => String::new(),
        Flavor::MariaDb => {
            definition.push_str(" COMMENT 'the column''s note'");
            String::new()
        }
        Flavor::Postgres => {
            format!("COMMENT ON COLUMN {table}.{column} IS 'the column''s note';\n")
        }
    }
}
