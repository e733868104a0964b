//! Rows in every table, and the property that they survive: after an upgrade or a downgrade,
//! every row of every table that exists on both sides is still there, with the values of the
//! columns both sides have — or the revision failed and nothing changed.
//!
//! The rows are put in by trying values that suit each column's type (typical values first,
//! then NULL where the column takes it, then other values), keeping what the table's checks,
//! keys and foreign keys accept: the schemas are random, so no fixed row fits them all.

use std::collections::BTreeMap;

use crate::round_trip::Backend;
use crate::Project;

/// A column as the catalog describes it.
#[derive(Debug, Clone)]
struct ColumnInfo {
    name: String,
    /// Lower-cased type name (`integer`, `character varying`, `mood`, `int(11)`).
    data_type: String,
    nullable: bool,
    /// Generated or identity-always columns take no value.
    writable: bool,
}

/// One table's rows: its column names, then each row's values by `id`, as text (`NULL` for
/// null).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TableRows {
    columns: Vec<String>,
    rows: BTreeMap<String, Vec<String>>,
}

/// Every table's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    tables: BTreeMap<String, TableRows>,
}

impl Snapshot {
    /// How many rows there are, all tables together.
    pub fn row_count(&self) -> usize {
        self.tables.values().map(|table| table.rows.len()).sum()
    }
}

fn is_mariadb(backend: &Backend) -> bool {
    matches!(backend, Backend::Server(database) if database.server == crate::database::Server::MariaDb)
}

fn columns(backend: &Backend, project: &Project) -> BTreeMap<String, Vec<ColumnInfo>> {
    let sql = match backend {
        Backend::Server(database) => match database.server {
            crate::database::Server::Postgres => {
                "SELECT table_name, column_name, lower(CASE WHEN data_type = 'USER-DEFINED' THEN udt_name ELSE data_type END), is_nullable, \
                 (is_generated = 'NEVER' AND coalesce(identity_generation, '') <> 'ALWAYS')::text \
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'alembic_version' \
                 ORDER BY table_name, ordinal_position"
            }
            crate::database::Server::MariaDb => {
                "SELECT table_name, column_name, lower(column_type), is_nullable, \
                 IF(extra LIKE '%GENERATED%', 'false', 'true') \
                 FROM information_schema.columns WHERE table_schema = database() AND table_name <> 'alembic_version' \
                 ORDER BY table_name, ordinal_position"
            }
        },
        Backend::Sqlite => {
            "SELECT m.name, p.name, lower(p.type), CASE p.\"notnull\" WHEN 0 THEN 'YES' ELSE 'NO' END, \
             CASE WHEN p.hidden IN (2, 3) THEN 'false' ELSE 'true' END \
             FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'alembic_version' \
             ORDER BY m.name, p.cid"
        }
    };
    let mut tables: BTreeMap<String, Vec<ColumnInfo>> = BTreeMap::new();
    for line in backend.query(project, sql).lines() {
        let fields: Vec<&str> = line.split(['|', '\t']).collect();
        if let [table, name, data_type, nullable, writable] = fields.as_slice() {
            tables
                .entry((*table).to_owned())
                .or_default()
                .push(ColumnInfo {
                    name: (*name).to_owned(),
                    data_type: (*data_type).to_owned(),
                    nullable: *nullable == "YES",
                    writable: *writable == "true",
                });
        }
    }
    tables
}

/// Values to try for a column of `data_type` in row `row` (1-based): typical ones first.
fn candidates(data_type: &str, row: usize) -> Vec<String> {
    let n = row;
    if data_type.contains("int") || data_type == "smallint" || data_type == "bigint" {
        return vec![
            n.to_string(),
            (3_000_000_000 + n).to_string(),
            "-1".to_owned(),
        ];
    }
    if data_type.contains("numeric")
        || data_type.contains("decimal")
        || data_type.contains("double")
        || data_type.contains("real")
        || data_type.contains("float")
    {
        return vec![format!("{n}.5"), n.to_string()];
    }
    if data_type.contains("bool") {
        return vec![
            if n.is_multiple_of(2) { "false" } else { "true" }.to_owned(),
            "1".to_owned(),
        ];
    }
    if data_type.contains("timestamp") || data_type.contains("datetime") {
        return vec![format!("'2024-01-0{n} 10:00:00'")];
    }
    if data_type.contains("date") {
        return vec![format!("'2024-01-0{n}'")];
    }
    if data_type == "uuid" {
        return vec![format!("'00000000-0000-0000-0000-00000000000{n}'")];
    }
    if data_type.contains("json") {
        return vec![format!("'{{\"n\": {n}}}'")];
    }
    if data_type == "mood" {
        return vec!["'ok'".to_owned(), "'sad'".to_owned()];
    }
    if data_type.contains("array") || data_type.ends_with("[]") {
        return vec![format!("'{{v{n}}}'")];
    }
    if data_type.contains("blob") || data_type.contains("bytea") {
        return vec![format!("'v{n}'")];
    }
    let letter = ["a", "b", "c"][(n - 1) % 3];
    vec![
        format!("'{letter}'"),
        format!("'{letter}{n}'"),
        "'x'".to_owned(),
    ]
}

/// Put up to three rows in every table (parents first: tables are named in creation order).
pub fn seed(backend: &Backend, project: &Project) {
    for (table, columns) in columns(backend, project) {
        let writable: Vec<&ColumnInfo> = columns.iter().filter(|c| c.writable).collect();
        let names: Vec<&str> = writable.iter().map(|c| c.name.as_str()).collect();
        let postgres = matches!(backend, Backend::Server(database) if database.server == crate::database::Server::Postgres);
        let overriding = if postgres && !names.contains(&"id") {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        let (names, writable): (Vec<&str>, Vec<&ColumnInfo>) = if overriding.is_empty() {
            (names, writable)
        } else {
            // An identity ALWAYS key takes an explicit id only when told so.
            let id = columns.iter().find(|c| c.name == "id");
            let mut names = vec!["id"];
            names.extend(writable.iter().map(|c| c.name.as_str()));
            let mut all: Vec<&ColumnInfo> = id.into_iter().collect();
            all.extend(writable);
            (names, all)
        };
        for row in 1..=3 {
            // Typical values, then the others in turn, NULL (which passes any check) last.
            for attempt in 0..5 {
                let values: Vec<String> = writable
                    .iter()
                    .map(|column| {
                        if column.name == "id" {
                            return row.to_string();
                        }
                        let options = candidates(&column.data_type, row);
                        match attempt {
                            4 if column.nullable => "NULL".to_owned(),
                            _ => options[attempt % options.len()].clone(),
                        }
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {table} ({}){overriding} VALUES ({})",
                    names.join(", "),
                    values.join(", ")
                );
                if backend.try_query(project, &sql).is_ok() {
                    break;
                }
            }
        }
    }
}

/// Every table's rows, values as text; on PostgreSQL also every sequence's counter (as a
/// one-row table `sequence <name>`), which no change may send back.
pub fn snapshot(backend: &Backend, project: &Project) -> Snapshot {
    let mut snapshot = Snapshot::default();
    if matches!(backend, Backend::Server(database) if database.server == crate::database::Server::Postgres)
    {
        let counters = backend.query(
            project,
            "SELECT sequencename || '|' || coalesce(last_value::text, 'NULL') FROM pg_sequences WHERE schemaname = 'public'",
        );
        for line in counters.lines() {
            if let Some((name, value)) = line.split_once('|') {
                snapshot.tables.insert(
                    format!("sequence {name}"),
                    TableRows {
                        columns: vec!["last_value".to_owned()],
                        rows: [("1".to_owned(), vec![value.to_owned()])].into(),
                    },
                );
            }
        }
    }
    for (table, columns) in columns(backend, project) {
        if !columns.iter().any(|c| c.name == "id") {
            continue;
        }
        // A generated column's values follow its expression (a changed expression changes
        // them, and says so): the columns it reads are the data compared. `id` stays, even as
        // an identity column, to key the rows.
        let names: Vec<String> = columns
            .iter()
            .filter(|c| c.writable || c.name == "id")
            .map(|c| c.name.clone())
            .collect();
        let values: Vec<String> = names
            .iter()
            .map(|name| {
                let text = if is_mariadb(backend) { "char" } else { "text" };
                format!("coalesce(cast({name} AS {text}), 'NULL')")
            })
            .collect();
        let row = if is_mariadb(backend) {
            format!("concat_ws('~', {})", values.join(", "))
        } else {
            values.join(" || '~' || ")
        };
        let text = backend.query(project, &format!("SELECT {row} FROM {table} ORDER BY id"));
        let id_position = names.iter().position(|n| n == "id").unwrap_or(0);
        let rows = text
            .lines()
            .map(|line| {
                let values: Vec<String> = line.split('~').map(str::to_owned).collect();
                (values.get(id_position).cloned().unwrap_or_default(), values)
            })
            .collect();
        snapshot.tables.insert(
            table,
            TableRows {
                columns: names,
                rows,
            },
        );
    }
    snapshot
}

/// Nothing changed between `before` and `after` (a revision that failed in a transaction),
/// except that a counter may have moved on: `nextval` is outside transactions, so a rolled-back
/// `ADD COLUMN ... DEFAULT nextval(...)` still spends the values it drew. Lists what differs.
pub fn compare_unchanged(before: &Snapshot, after: &Snapshot) -> Result<(), String> {
    let part = |snapshot: &Snapshot, counters: bool| -> BTreeMap<String, TableRows> {
        snapshot
            .tables
            .iter()
            .filter(|(name, _)| name.starts_with("sequence ") == counters)
            .map(|(name, rows)| (name.clone(), rows.clone()))
            .collect()
    };
    let (old, new) = (part(before, false), part(after, false));
    let mut problems: Vec<String> = old
        .iter()
        .filter(|(name, rows)| new.get(*name) != Some(rows))
        .map(|(name, _)| format!("{name} changed"))
        .chain(
            new.keys()
                .filter(|name| !old.contains_key(*name))
                .map(|name| format!("{name} appeared")),
        )
        .collect();
    // The counters: same rule as for a revision that ran (never back).
    let counters = |snapshot: &Snapshot| Snapshot {
        tables: part(snapshot, true),
    };
    if let Err(counters) = compare_kept(&counters(before), &counters(after)) {
        problems.push(counters);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The rows of `before` in every table `after` has too, with the values of the columns both
/// have, must be in `after`; what is missing or changed is listed.
pub fn compare_kept(before: &Snapshot, after: &Snapshot) -> Result<(), String> {
    let mut problems = Vec::new();
    for (table, old) in &before.tables {
        let Some(new) = after.tables.get(table) else {
            continue;
        };
        // A counter may move on (a column added with a `nextval` default fills the rows), never
        // back.
        if table.starts_with("sequence ") {
            let value = |t: &TableRows| {
                t.rows
                    .get("1")
                    .and_then(|v| v.first())
                    .and_then(|v| v.parse::<i64>().ok())
            };
            if let (Some(before), Some(after)) = (value(old), value(new)) {
                if after < before {
                    problems.push(format!("{table} went back from {before} to {after}"));
                }
            }
            continue;
        }
        let (old_columns, old_rows) = (&old.columns, &old.rows);
        let (new_columns, new_rows) = (&new.columns, &new.rows);
        for (id, old_values) in old_rows {
            let Some(new_values) = new_rows.get(id) else {
                problems.push(format!("{table} lost the row with id {id}"));
                continue;
            };
            for (position, column) in old_columns.iter().enumerate() {
                if let Some(new_position) = new_columns.iter().position(|c| c == column) {
                    if old_values.get(position) != new_values.get(new_position) {
                        problems.push(format!(
                            "{table}.{column} of id {id}: {:?} became {:?}",
                            old_values.get(position),
                            new_values.get(new_position)
                        ));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
