//! Operations as PostgreSQL statements.

mod composite_type;
mod domain;
mod narrowing_guard;
mod object_comment;

use crate::serial::serial_storage;
use retort_core::dialect::Dialect;
use retort_core::diff::object_comments::CommentedObject;
use retort_core::diff::operation::{replaced_in_place, EnumColumn, EnumDependent, Operation};
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{
    Check, Column, Constraint, ForeignKey, IdentityOptions, Index, Policy, QualifiedName,
    RowSecurity, Table, View,
};

fn quote(name: &str) -> String {
    crate::dialect::POSTGRES.quote_identifier(name)
}

/// A relation's name as written in statements: unqualified in `public`, qualified elsewhere.
pub(crate) fn table_name(name: &QualifiedName) -> String {
    if name.schema.is_empty() || name.schema == "public" {
        quote(&name.name)
    } else {
        format!("{}.{}", quote(&name.schema), quote(&name.name))
    }
}

fn column_list(columns: &[String]) -> String {
    crate::dialect::POSTGRES.quote_list(columns)
}

fn literal(text: &str) -> String {
    crate::dialect::POSTGRES.string_literal(text)
}

/// `COMMENT ON {kind} {name} IS '…'`, or `IS NULL` to remove it.
fn comment_on(kind: &str, name: &str, comment: Option<&str>) -> String {
    format!(
        "COMMENT ON {kind} {name} IS {}",
        comment.map_or_else(|| "NULL".to_owned(), literal)
    )
}

fn column_definition(column: &Column) -> String {
    let mut text = format!("{} {}", quote(&column.name), column.data_type);
    if let Some(collation) = &column.collation {
        text.push_str(&format!(" COLLATE {}", quote(collation)));
    }
    if let Some(identity) = &column.identity {
        text.push_str(&identity_clause(identity, &column.identity_options));
    }
    if let Some(expression) = &column.generated {
        text.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if let Some(default) = &column.default {
        text.push_str(&format!(" DEFAULT {default}"));
    }
    if !column.nullable {
        text.push_str(" NOT NULL");
    }
    text
}

/// ` GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY`, with the sequence options that are not
/// defaults in parentheses.
fn identity_clause(identity: &str, options: &IdentityOptions) -> String {
    if options.is_default() {
        format!(" GENERATED {identity} AS IDENTITY")
    } else {
        format!(" GENERATED {identity} AS IDENTITY ({})", options.describe())
    }
}

/// The `SET …` clauses of `ALTER COLUMN` that take an identity column's sequence from `from`'s
/// options to `to`'s, in place: the counter's current value stays (no `RESTART`, which would
/// hand out values already used; the server refuses a MINVALUE or MAXVALUE that leaves it
/// outside). A default is written out where it is known whatever the type (1, -1 and the
/// start), and as `NO MINVALUE`/`NO MAXVALUE` where it is the type's limit.
fn identity_option_changes(from: &IdentityOptions, to: &IdentityOptions) -> Vec<String> {
    let (from_increment, to_increment) = (from.increment.unwrap_or(1), to.increment.unwrap_or(1));
    // The defaults of MINVALUE and MAXVALUE follow the increment's sign, but the server only
    // recomputes them when told.
    let sign_flips = from_increment.signum() != to_increment.signum();
    // START WITH defaults to MINVALUE (MAXVALUE counting down): it moves with them.
    let start = |options: &IdentityOptions, increment: i64| {
        options.start.unwrap_or(if increment > 0 {
            options.minimum.unwrap_or(1)
        } else {
            options.maximum.unwrap_or(-1)
        })
    };
    let mut clauses = Vec::new();
    if from_increment != to_increment {
        clauses.push(format!("SET INCREMENT BY {to_increment}"));
    }
    if from.minimum != to.minimum || sign_flips {
        clauses.push(to.minimum.map_or_else(
            || "SET NO MINVALUE".to_owned(),
            |v| format!("SET MINVALUE {v}"),
        ));
    }
    if from.maximum != to.maximum || sign_flips {
        clauses.push(to.maximum.map_or_else(
            || "SET NO MAXVALUE".to_owned(),
            |v| format!("SET MAXVALUE {v}"),
        ));
    }
    let (from_start, to_start) = (start(from, from_increment), start(to, to_increment));
    if from_start != to_start || sign_flips {
        clauses.push(format!("SET START WITH {to_start}"));
    }
    if from.cache != to.cache {
        clauses.push(format!("SET CACHE {}", to.cache.unwrap_or(1)));
    }
    if from.cycle != to.cycle {
        clauses.push(
            if to.cycle {
                "SET CYCLE"
            } else {
                "SET NO CYCLE"
            }
            .to_owned(),
        );
    }
    clauses
}

/// A statement that moves the sequence a column's new `nextval('seq'::regclass)` default draws
/// from past the column's largest value, where it has not passed it already (an ascending
/// sequence): a sequence created again by a downgrade, or one a column starts to use, would
/// otherwise hand out values rows already hold. `None` where the default draws from no
/// sequence.
fn sequence_past_rows(table: &QualifiedName, column: &str, default: &str) -> Option<String> {
    let sequence = default
        .strip_prefix("nextval(")?
        .strip_suffix(')')?
        .strip_suffix("::regclass")?;
    let next_value = format!(
        "coalesce(pg_sequence_last_value({sequence}::regclass), (SELECT seqstart - 1 FROM pg_sequence WHERE seqrelid = {sequence}::regclass))"
    );
    Some(format!(
        "SELECT setval({sequence}::regclass, m) FROM (SELECT max({}) AS m FROM {}) AS rows WHERE m > {next_value} AND (SELECT seqincrement FROM pg_sequence WHERE seqrelid = {sequence}::regclass) > 0",
        quote(column),
        table_name(table)
    ))
}

/// A statement that moves the counter of `table.column`, which just became an identity column
/// over rows already there, past their values when its start is among them: otherwise the
/// next rows would get ids already used. A start past the rows is kept.
fn identity_past_rows(table: &QualifiedName, column: &str, options: &IdentityOptions) -> String {
    let increment = options.increment.unwrap_or(1);
    let (extreme, comparison, start) = if increment > 0 {
        ("max", ">=", options.start.or(options.minimum).unwrap_or(1))
    } else {
        ("min", "<=", options.start.or(options.maximum).unwrap_or(-1))
    };
    format!(
        "SELECT setval(pg_get_serial_sequence({}, {}), {extreme}({})) FROM {} HAVING {extreme}({}) {comparison} {start}",
        literal(&table_name(table)),
        literal(column),
        quote(column),
        table_name(table),
        quote(column)
    )
}

/// A statement that moves the counter of `table.column`, which just became an identity column
/// in place of a serial one whose sequence was set aside as `serial_counter`, past every value
/// that counter handed out and past the rows there: the ids of deleted rows are never handed
/// out again (a serial counter that `DROP SEQUENCE` took away would start over at 1, and one
/// moved past the rows only would give the ids of the last rows deleted again).
///
/// The last value used is the serial counter's (`is_called`; one before it when it was set with
/// `setval(…, false)` and never called: a serial sequence counts by 1, anything else is not a
/// serial) or the rows' largest, whichever is more. A start (or minimum) declared past it is
/// kept, as by [`identity_past_rows`]: nothing at or after it was handed out. A counter
/// counting down has no place after an ascending one: its rows alone are looked at, by
/// [`identity_past_rows`].
fn identity_past_serial_counter(
    table: &QualifiedName,
    column: &str,
    serial_counter: &str,
    options: &IdentityOptions,
) -> String {
    let start = options.start.or(options.minimum).unwrap_or(1);
    format!(
        "SELECT setval(pg_get_serial_sequence({}, {}), used) FROM (SELECT greatest(CASE WHEN is_called THEN last_value ELSE last_value - 1 END, (SELECT max({}) FROM {})) AS used FROM {serial_counter}) AS counter WHERE used >= {start}",
        literal(&table_name(table)),
        literal(column),
        quote(column),
        table_name(table),
    )
}

/// A statement that moves `serial_counter`, the sequence of a serial column that `table.column`
/// (still an identity column with `options`) becomes, past every value the identity's counter
/// handed out and past the rows there, so that it continues where the identity's left off.
///
/// Counting up, the last value used is the identity counter's (`pg_sequence_last_value`, NULL
/// when it was never called: then one before the value `nextval` gives, which the counter is
/// about to be dropped with) or the rows' largest. Counting down, the identity handed out values
/// from its start downwards: its start or the rows' largest. A serial starts at 1: when nothing
/// at or after 1 was used, the counter stays there.
fn serial_past_identity_counter(
    table: &QualifiedName,
    column: &str,
    serial_counter: &str,
    options: &IdentityOptions,
) -> String {
    let identity_counter = format!(
        "pg_get_serial_sequence({}, {})",
        literal(&table_name(table)),
        literal(column)
    );
    let counter_used = if options.increment.unwrap_or(1) > 0 {
        format!(
            "coalesce(pg_sequence_last_value({identity_counter}), nextval({identity_counter}) - 1)"
        )
    } else {
        options.start.or(options.maximum).unwrap_or(-1).to_string()
    };
    format!(
        "SELECT setval({}, used) FROM (SELECT greatest({counter_used}, (SELECT max({}) FROM {})) AS used) AS counter WHERE used >= 1",
        literal(serial_counter),
        quote(column),
        table_name(table),
    )
}

fn foreign_key_definition(foreign_key: &ForeignKey) -> String {
    let mut text = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote(&foreign_key.name),
        column_list(&foreign_key.columns),
        table_name(&foreign_key.referenced_table),
        column_list(&foreign_key.referenced_columns)
    );
    if foreign_key.match_full {
        text.push_str(" MATCH FULL");
    }
    if foreign_key.on_update != "NO ACTION" {
        text.push_str(&format!(" ON UPDATE {}", foreign_key.on_update));
    }
    if foreign_key.on_delete != "NO ACTION" {
        text.push_str(&format!(" ON DELETE {}", foreign_key.on_delete));
    }
    if foreign_key.deferrable {
        text.push_str(" DEFERRABLE");
        if foreign_key.initially_deferred {
            text.push_str(" INITIALLY DEFERRED");
        }
    }
    if foreign_key.not_valid {
        text.push_str(" NOT VALID");
    }
    text
}

fn constraint(kind: &str, constraint: &Constraint) -> String {
    let mut text = format!(
        "CONSTRAINT {} {kind}{} ({})",
        quote(&constraint.name),
        if constraint.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        column_list(&constraint.columns)
    );
    if constraint.deferrable {
        text.push_str(" DEFERRABLE");
        if constraint.initially_deferred {
            text.push_str(" INITIALLY DEFERRED");
        }
    }
    text
}

fn create_table(table: &Table) -> Vec<String> {
    let mut parts: Vec<String> = table.columns.iter().map(column_definition).collect();
    if let Some(primary_key) = &table.primary_key {
        parts.push(constraint("PRIMARY KEY", primary_key));
    }
    parts.extend(table.uniques.iter().map(|u| constraint("UNIQUE", u)));
    parts.extend(
        table
            .checks
            .iter()
            .map(|c| format!("CONSTRAINT {} {}", quote(&c.name), c.definition)),
    );
    parts.extend(table.foreign_keys.iter().map(foreign_key_definition));
    let mut statements = vec![format!(
        "CREATE TABLE {} (\n    {}\n)",
        table_name(&table.name),
        parts.join(",\n    ")
    )];
    statements.extend(table.indexes.iter().map(|i| i.definition.clone()));
    if let Some(comment) = &table.comment {
        statements.push(format!(
            "COMMENT ON TABLE {} IS {}",
            table_name(&table.name),
            literal(comment)
        ));
    }
    for column in &table.columns {
        if let Some(comment) = &column.comment {
            statements.push(format!(
                "COMMENT ON COLUMN {}.{} IS {}",
                table_name(&table.name),
                quote(&column.name),
                literal(comment)
            ));
        }
    }
    statements.extend(object_comment::of_keys_and_indexes(table));
    statements.extend(row_security(
        &table.name,
        RowSecurity::default(),
        table.row_security,
    ));
    statements
}

/// The statements that take a table's row-level security from `from` to `to`.
fn row_security(table: &QualifiedName, from: RowSecurity, to: RowSecurity) -> Vec<String> {
    let mut statements = Vec::new();
    if from.enabled != to.enabled {
        statements.push(format!(
            "ALTER TABLE {} {} ROW LEVEL SECURITY",
            table_name(table),
            if to.enabled { "ENABLE" } else { "DISABLE" }
        ));
    }
    if from.forced != to.forced {
        statements.push(format!(
            "ALTER TABLE {} {} ROW LEVEL SECURITY",
            table_name(table),
            if to.forced { "FORCE" } else { "NO FORCE" }
        ));
    }
    statements
}

/// `TO roles`: `PUBLIC`, or the role names quoted.
fn policy_roles(policy: &Policy) -> String {
    policy
        .roles
        .iter()
        .map(|role| {
            if role == "public" {
                "PUBLIC".to_owned()
            } else {
                quote(role)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` USING (…) WITH CHECK (…)`, for the expressions a policy has.
fn policy_expressions(policy: &Policy) -> String {
    let mut text = String::new();
    if let Some(using) = &policy.using {
        text.push_str(&format!(" USING ({using})"));
    }
    if let Some(with_check) = &policy.with_check {
        text.push_str(&format!(" WITH CHECK ({with_check})"));
    }
    text
}

fn create_policy(table: &QualifiedName, policy: &Policy) -> String {
    format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}{}",
        quote(&policy.name),
        table_name(table),
        if policy.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        policy.command,
        policy_roles(policy),
        policy_expressions(policy)
    )
}

/// The type a column stores: a serial type's integer, any other type itself.
pub(crate) fn storage_type(data_type: &str) -> &str {
    serial_storage(data_type).unwrap_or(data_type)
}

fn is_serial(data_type: &str) -> bool {
    serial_storage(data_type).is_some()
}

/// The sequence PostgreSQL makes for `table.column` declared serial.
fn serial_sequence(table: &QualifiedName, column: &str) -> String {
    serial_sequence_with_suffix(table, column, "")
}

/// The name of the serial sequence of `table.column`, unqualified (as `RENAME TO` takes it).
fn serial_sequence_name(table: &QualifiedName, column: &str) -> String {
    format!("{}_{column}_seq", table.name)
}

/// The serial sequence of `table.column` with `suffix` after its name: where a counter waits
/// while the column's other counter has the name, between an identity column and a serial one.
fn serial_sequence_with_suffix(table: &QualifiedName, column: &str, suffix: &str) -> String {
    table_name(&QualifiedName {
        schema: table.schema.clone(),
        name: format!("{}{suffix}", serial_sequence_name(table, column)),
    })
}

/// What a serial column's sequence is renamed to while the identity column that takes its
/// place gets its own sequence, under the name it had (`ADD … AS IDENTITY` names it
/// `table_column_seq` when that is free): the old counter is read, then dropped.
const SERIAL_SET_ASIDE: &str = "__retort_old";

/// The name a serial column's sequence is made under while the identity column it takes the
/// place of still has its own sequence there.
const SERIAL_MADE_ASIDE: &str = "__retort_new";

/// `ADD COLUMN` with the column's definition, and its comment.
fn add_column(table: &QualifiedName, column: &Column) -> Vec<String> {
    let mut statements = vec![format!(
        "ALTER TABLE {} ADD COLUMN {}",
        table_name(table),
        column_definition(column)
    )];
    if let Some(comment) = &column.comment {
        statements.push(format!(
            "COMMENT ON COLUMN {}.{} IS {}",
            table_name(table),
            quote(&column.name),
            literal(comment)
        ));
    }
    statements
}

/// The transaction's setting that holds a column's privileges while it is dropped and added.
const KEPT_PRIVILEGES: &str = "retort.column_privileges";

/// `from` dropped and `to` added in its place. The drop takes the column's privileges (which
/// are not read unless grants are compared): its ACL is kept in a setting of the transaction
/// first and granted again after.
fn recreated_column(table: &QualifiedName, from: &Column, to: &Column) -> Vec<String> {
    let mut statements = vec![
        format!(
            "SELECT set_config('{KEPT_PRIVILEGES}', coalesce((SELECT attacl::text FROM pg_attribute WHERE attrelid = {}::regclass AND attname = {}), ''), true)",
            literal(&table_name(table)),
            literal(&from.name)
        ),
        format!(
            "ALTER TABLE {} DROP COLUMN {}",
            table_name(table),
            quote(&from.name)
        ),
    ];
    statements.extend(add_column(table, to));
    statements.push(format!(
        "DO $retort$\nDECLARE\n    item record;\nBEGIN\n    FOR item IN SELECT * FROM aclexplode(nullif(current_setting('{KEPT_PRIVILEGES}', true), '')::aclitem[]) LOOP\n        EXECUTE format('GRANT %s (%I) ON %s TO %s%s', item.privilege_type, {column}, {table}, CASE WHEN item.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(item.grantee)) END, CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);\n    END LOOP;\nEND\n$retort$",
        column = literal(&to.name),
        table = literal(&table_name(table)),
    ));
    statements
}

fn alter_column(table: &QualifiedName, from: &Column, to: &Column) -> Vec<String> {
    // A new expression, or a plain column becoming generated: PostgreSQL 15 has no statement
    // for either (17 has `SET EXPRESSION`), so the column is dropped and added back; what
    // depends on it goes around (see `generated_columns`).
    if crate::generated_columns::recreated(from, to) {
        return recreated_column(table, from, to);
    }
    let prefix = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        table_name(table),
        quote(&to.name)
    );
    let mut statements = Vec::new();
    // A generated column becoming plain keeps its values.
    if from.generated.is_some() && to.generated.is_none() {
        statements.push(format!("{prefix} DROP EXPRESSION"));
    }
    // An identity column stays one (its kind and options changed in place, its counter kept)
    // unless it stops being one or becomes generated.
    let identity_dropped =
        from.identity.is_some() && (to.identity.is_none() || from.generated != to.generated);
    let (was_serial, becomes_serial) = (is_serial(&from.data_type), is_serial(&to.data_type));
    let storage = storage_type(&to.data_type);
    // Between a serial column and an identity column (counting up), the new counter continues
    // where the old one left off: both counters exist for a moment, the old one under its name
    // and the new one aside (or the other way round), so that the new one ends up under the
    // name PostgreSQL gives it (`table_column_seq`).
    let serial_counter_carried = was_serial
        && !becomes_serial
        && to.identity.is_some()
        && to.identity_options.increment.unwrap_or(1) > 0;
    let identity_counter_carried = becomes_serial && !was_serial && identity_dropped;
    if identity_counter_carried {
        let made_aside = serial_sequence_with_suffix(table, &to.name, SERIAL_MADE_ASIDE);
        statements.push(format!("CREATE SEQUENCE {made_aside} AS {storage}"));
        statements.push(serial_past_identity_counter(
            table,
            &from.name,
            &made_aside,
            &from.identity_options,
        ));
    }
    if identity_dropped {
        statements.push(format!("{prefix} DROP IDENTITY"));
    }
    if from.default != to.default && from.default.is_some() || was_serial && !becomes_serial {
        statements.push(format!("{prefix} DROP DEFAULT"));
    }
    if serial_counter_carried {
        let sequence = serial_sequence(table, &from.name);
        statements.push(format!("ALTER SEQUENCE {sequence} OWNED BY NONE"));
        statements.push(format!(
            "ALTER SEQUENCE {sequence} RENAME TO {}",
            quote(&format!(
                "{}{SERIAL_SET_ASIDE}",
                serial_sequence_name(table, &from.name)
            ))
        ));
    } else if was_serial && !becomes_serial {
        statements.push(format!(
            "DROP SEQUENCE IF EXISTS {}",
            serial_sequence(table, &from.name)
        ));
    }
    if storage_type(&from.data_type) != storage || from.collation != to.collation {
        let collation = to
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {}", quote(c)))
            .unwrap_or_default();
        let old_storage = storage_type(&from.data_type);
        if old_storage != storage && !crate::dialect::widens(old_storage, storage) {
            statements.push(narrowing_guard::narrowing_guard(
                table,
                &to.name,
                old_storage,
                storage,
            ));
        }
        // A generated column's values are computed again from its expression, which the
        // server refuses to be told otherwise (`cannot specify USING`).
        let using = if to.generated.is_some() {
            String::new()
        } else {
            format!(" USING {}::{storage}", quote(&to.name))
        };
        statements.push(format!("{prefix} TYPE {storage}{collation}{using}"));
        // serial ↔ bigserial: the owned sequence keeps its own type (and with it its maximum)
        // unless told, so a bigserial column would stop at 2^31 - 1. An identity column's
        // sequence follows its column by itself.
        if was_serial && becomes_serial && old_storage != storage {
            statements.push(format!(
                "ALTER SEQUENCE {} AS {storage}",
                serial_sequence(table, &to.name)
            ));
        }
    }
    if becomes_serial && !was_serial {
        let sequence = serial_sequence(table, &to.name);
        let owned_by = format!("OWNED BY {}.{}", table_name(table), quote(&to.name));
        if identity_counter_carried {
            // Made aside and set before the identity's sequence was dropped with it.
            let made_aside = serial_sequence_with_suffix(table, &to.name, SERIAL_MADE_ASIDE);
            statements.push(format!(
                "ALTER SEQUENCE {made_aside} RENAME TO {}",
                quote(&serial_sequence_name(table, &to.name))
            ));
            statements.push(format!("ALTER SEQUENCE {sequence} {owned_by}"));
        } else {
            // What `serial` does at CREATE TABLE, and a start past the rows already there.
            statements.push(format!(
                "CREATE SEQUENCE {sequence} AS {storage} {owned_by}"
            ));
            statements.push(format!(
                "SELECT setval({}, coalesce(max({}), 0) + 1, false) FROM {}",
                literal(&sequence),
                quote(&to.name),
                table_name(table)
            ));
        }
        statements.push(format!(
            "{prefix} SET DEFAULT nextval({}::regclass)",
            literal(&sequence)
        ));
    }
    // A column becoming serial got its `nextval` default above.
    let serial_default_set = becomes_serial && !was_serial;
    if from.default != to.default && !serial_default_set {
        if let Some(default) = &to.default {
            statements.push(format!("{prefix} SET DEFAULT {default}"));
            statements.extend(sequence_past_rows(table, &to.name, default));
        }
    }
    if from.nullable != to.nullable {
        statements.push(format!(
            "{prefix} {} NOT NULL",
            if to.nullable { "DROP" } else { "SET" }
        ));
    }
    match (&from.identity, &to.identity) {
        (Some(_), Some(identity)) if !identity_dropped => {
            let mut clauses = Vec::new();
            if from.identity != to.identity {
                clauses.push(format!("SET GENERATED {identity}"));
            }
            clauses.extend(identity_option_changes(
                &from.identity_options,
                &to.identity_options,
            ));
            if !clauses.is_empty() {
                statements.push(format!("{prefix} {}", clauses.join(" ")));
            }
        }
        (_, Some(identity)) => {
            statements.push(format!(
                "{prefix} ADD{}",
                identity_clause(identity, &to.identity_options)
            ));
            if serial_counter_carried {
                let set_aside = serial_sequence_with_suffix(table, &from.name, SERIAL_SET_ASIDE);
                statements.push(identity_past_serial_counter(
                    table,
                    &to.name,
                    &set_aside,
                    &to.identity_options,
                ));
                statements.push(format!("DROP SEQUENCE {set_aside}"));
            } else {
                statements.push(identity_past_rows(table, &to.name, &to.identity_options));
            }
        }
        (_, None) => {}
    }
    if from.comment != to.comment {
        statements.push(format!(
            "COMMENT ON COLUMN {}.{} IS {}",
            table_name(table),
            quote(&to.name),
            to.comment
                .as_deref()
                .map_or_else(|| "NULL".to_owned(), literal)
        ));
    }
    statements
}

/// The statements for one operation.
pub fn render(operation: &Operation) -> Result<Vec<String>, DatabaseError> {
    Ok(match operation {
        // A MySQL/MariaDB table's engine and options, which would be left behind.
        Operation::CreateTable { table } if !table.storage.is_default() => {
            return Err(DatabaseError::new(format!(
                "PostgreSQL cannot create table {} with {}: they are MySQL/MariaDB table options",
                table.name,
                table.storage.clause()
            )))
        }
        Operation::CreateTable { table } => create_table(table),
        Operation::DropTable { table } => vec![format!("DROP TABLE {}", table_name(&table.name))],
        // MySQL's and MariaDB's event scheduler: never read on PostgreSQL.
        // Made only by MySQL's adapt (an AUTO_INCREMENT column with its key).
        other @ Operation::AlterTogether { .. } => {
            return Err(DatabaseError::new(format!(
                "PostgreSQL cannot {} in one statement: only MySQL/MariaDB needs that",
                other.summary()
            )))
        }
        // Read on MySQL/MariaDB only: a PostgreSQL table's collation is its columns'.
        other @ Operation::SetTableCollation { .. } => {
            return Err(DatabaseError::new(format!(
                "PostgreSQL cannot {}: tables have no default collation there",
                other.summary()
            )))
        }
        // Read on MySQL/MariaDB only: PostgreSQL has one way to store a table's rows.
        other @ Operation::SetTableStorage { .. } => {
            return Err(DatabaseError::new(format!(
                "PostgreSQL cannot {}: tables have no storage engine or MySQL table options there",
                other.summary()
            )))
        }
        other @ (Operation::CreateEvent { .. }
        | Operation::DropEvent { .. }
        | Operation::AlterEvent { .. }) => {
            return Err(DatabaseError::new(format!(
                "PostgreSQL cannot {}: it is a MySQL/MariaDB object",
                other.summary()
            )))
        }
        Operation::AddColumn { table, column, .. } => add_column(table, column),
        Operation::DropColumn { table, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            table_name(table),
            quote(&column.name)
        )],
        Operation::AlterColumn { table, from, to } => alter_column(table, from, to),
        Operation::SetTableComment { table, to, .. } => vec![format!(
            "COMMENT ON TABLE {} IS {}",
            table_name(table),
            to.as_deref().map_or_else(|| "NULL".to_owned(), literal)
        )],
        Operation::AddPrimaryKey { table, primary_key } => with_comment(
            format!(
                "ALTER TABLE {} ADD {}",
                table_name(table),
                constraint("PRIMARY KEY", primary_key)
            ),
            &object_comment::constraint(table, &primary_key.name),
            primary_key.comment.as_ref(),
        ),
        Operation::AddUnique { table, unique } => with_comment(
            format!(
                "ALTER TABLE {} ADD {}",
                table_name(table),
                constraint("UNIQUE", unique)
            ),
            &object_comment::constraint(table, &unique.name),
            unique.comment.as_ref(),
        ),
        Operation::AddCheck { table, check } => with_comment(
            add_check(table, check),
            &object_comment::constraint(table, &check.name),
            check.comment.as_ref(),
        ),
        Operation::AddForeignKey { table, foreign_key } => with_comment(
            format!(
                "ALTER TABLE {} ADD {}",
                table_name(table),
                foreign_key_definition(foreign_key)
            ),
            &object_comment::constraint(table, &foreign_key.name),
            foreign_key.comment.as_ref(),
        ),
        Operation::DropPrimaryKey {
            table,
            primary_key: Constraint { name, .. },
        }
        | Operation::DropUnique {
            table,
            unique: Constraint { name, .. },
        }
        | Operation::DropCheck {
            table,
            check: retort_core::schema::Check { name, .. },
        }
        | Operation::DropForeignKey {
            table,
            foreign_key: ForeignKey { name, .. },
        } => {
            vec![format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                table_name(table),
                quote(name)
            )]
        }
        Operation::SetConstraintValidity { table, from, to } if !to.not_valid() => {
            vec![format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                table_name(table),
                quote(from.name())
            )]
        }
        // No statement un-validates a constraint: it is dropped and added back unchecked.
        Operation::SetConstraintValidity { table, from, to } => {
            let mut statements = Vec::new();
            for operation in from.drop_and_add(table, to) {
                statements.extend(render(&operation)?);
            }
            statements
        }
        Operation::CreateIndex { table, index } => create_index(table, index),
        Operation::RebuildTable { from, to } => rebuild_table(from, to),
        Operation::CreateCompositeType { composite } => {
            composite_type::create_composite_type(composite)
        }
        Operation::DropCompositeType { composite } => {
            vec![composite_type::drop_composite_type(composite)]
        }
        Operation::AlterCompositeType { from, to, columns } => {
            composite_type::alter_composite_type(from, to, columns)?
        }
        Operation::CreateDomain { domain } => domain::create_domain(domain),
        Operation::DropDomain { domain } => vec![domain::drop_domain(domain)],
        Operation::AlterDomain { from, to } => domain::alter_domain(from, to),
        Operation::ReplaceDomain { from, to, columns } => {
            domain::replace_domain(from, to, columns)?
        }
        Operation::CreateSchema { name } => vec![format!("CREATE SCHEMA {}", quote(name))],
        Operation::DropSchema { name } => vec![format!("DROP SCHEMA {}", quote(name))],
        Operation::CreateSequence { name, sequence } => with_comment(
            format!(
                "CREATE SEQUENCE {} {}",
                table_name(name),
                sequence_options(sequence)
            ),
            &CommentedObject::Sequence { name: name.clone() },
            sequence.comment.as_ref(),
        ),
        Operation::AlterSequence { name, from, to } => vec![format!(
            "ALTER SEQUENCE {} {}",
            table_name(name),
            changed_sequence_options(from, to)
        )],
        Operation::DropSequence { name, .. } => vec![format!("DROP SEQUENCE {}", table_name(name))],
        Operation::CreateEnum { name, values } => vec![format!(
            "CREATE TYPE {} AS ENUM ({})",
            table_name(name),
            enum_values(values)
        )],
        Operation::DropEnum { name, .. } => vec![format!("DROP TYPE {}", table_name(name))],
        Operation::AddEnumValue {
            name, value, after, ..
        } => {
            let position = after.iter().position(|v| v == value).unwrap_or(after.len());
            let place = match (
                after.get(position + 1),
                position.checked_sub(1).and_then(|p| after.get(p)),
            ) {
                (Some(next), _) => format!(" BEFORE {}", literal(next)),
                (None, Some(previous)) => format!(" AFTER {}", literal(previous)),
                (None, None) => String::new(),
            };
            vec![format!(
                "ALTER TYPE {} ADD VALUE {}{place}",
                table_name(name),
                literal(value)
            )]
        }
        Operation::RebuildEnum {
            name,
            to,
            columns,
            dependents,
            ..
        } => rebuild_enum(name, to, columns, dependents),
        Operation::RenameTable { from, to, .. } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            table_name(from),
            quote(&to.name)
        )],
        Operation::RenameColumn {
            table, from, to, ..
        } => {
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                table_name(table),
                quote(from),
                quote(to)
            )]
        }
        Operation::GrantPrivilege {
            grant,
            with_grant_option,
        } => vec![crate::grants::grant(grant, *with_grant_option)?],
        Operation::RevokePrivilege { grant, .. } => vec![crate::grants::revoke(grant, false)?],
        Operation::SetGrantOption {
            grant,
            with_grant_option: true,
        } => vec![crate::grants::grant(grant, true)?],
        Operation::SetGrantOption {
            grant,
            with_grant_option: false,
        } => vec![crate::grants::revoke(grant, true)?],
        Operation::SetRowSecurity { table, from, to } => row_security(table, *from, *to),
        Operation::CreatePolicy { table, policy } => with_comment(
            create_policy(table, policy),
            &CommentedObject::Policy {
                table: table.clone(),
                name: policy.name.clone(),
            },
            policy.comment.as_ref(),
        ),
        Operation::DropPolicy { table, policy } => vec![format!(
            "DROP POLICY {} ON {}",
            quote(&policy.name),
            table_name(table)
        )],
        Operation::AlterPolicy { table, to, .. } => vec![format!(
            "ALTER POLICY {} ON {} TO {}{}",
            quote(&to.name),
            table_name(table),
            policy_roles(to),
            policy_expressions(to)
        )],
        Operation::CreateExtension { extension } => vec![format!(
            "CREATE EXTENSION {} SCHEMA {} VERSION {}",
            quote(&extension.name),
            quote(&extension.schema),
            literal(&extension.version)
        )],
        Operation::DropExtension { extension } => {
            vec![format!("DROP EXTENSION {}", quote(&extension.name))]
        }
        Operation::AlterExtension { from, to } => {
            let mut statements = Vec::new();
            if from.schema != to.schema {
                statements.push(format!(
                    "ALTER EXTENSION {} SET SCHEMA {}",
                    quote(&to.name),
                    quote(&to.schema)
                ));
            }
            if from.version != to.version {
                statements.push(format!(
                    "ALTER EXTENSION {} UPDATE TO {}",
                    quote(&to.name),
                    literal(&to.version)
                ));
            }
            statements
        }
        Operation::CreateFunction { function } => {
            let mut statements = vec![function.definition.trim_end().to_owned()];
            if function.comment.is_some() {
                statements.push(function_comment(function));
            }
            statements
        }
        Operation::ReplaceFunction { from, to } => {
            let mut statements = Vec::new();
            // A change of the comment alone needs no new definition.
            if from.definition != to.definition {
                statements.push(to.definition.trim_end().to_owned());
            }
            if from.comment != to.comment {
                statements.push(function_comment(to));
            }
            statements
        }
        Operation::DropFunction { function } => vec![format!(
            "DROP {} {}({})",
            if function.procedure {
                "PROCEDURE"
            } else {
                "FUNCTION"
            },
            table_name(&function.key.name),
            function.key.arguments
        )],
        Operation::CreateView { view } => create_view(view),
        Operation::SetViewComment {
            view,
            materialized,
            to,
            ..
        } => vec![comment_on(
            if *materialized {
                "MATERIALIZED VIEW"
            } else {
                "VIEW"
            },
            &table_name(view),
            to.as_deref(),
        )],
        Operation::CreateMaterializedView { view } => {
            let mut statements = vec![format!(
                "CREATE MATERIALIZED VIEW {} AS\n{}\nWITH {}DATA",
                table_name(&view.name),
                view.query,
                if view.with_data { "" } else { "NO " }
            )];
            for index in &view.indexes {
                statements.extend(create_index(&view.name, index));
            }
            if let Some(comment) = &view.comment {
                statements.push(comment_on(
                    "MATERIALIZED VIEW",
                    &table_name(&view.name),
                    Some(comment),
                ));
            }
            statements
        }
        Operation::DropMaterializedView { view } => {
            vec![format!("DROP MATERIALIZED VIEW {}", table_name(&view.name))]
        }
        Operation::DropView { view } => vec![format!("DROP VIEW {}", table_name(&view.name))],
        Operation::ReplaceView { from, to, .. } if replaced_in_place(from, to) => {
            vec![match to.definition.strip_prefix("CREATE VIEW ") {
                Some(rest) => format!("CREATE OR REPLACE VIEW {rest}"),
                None => to.definition.clone(),
            }]
        }
        // Columns go away (the reverse of a view that gained them), which only a new view
        // does; nothing else reads it (the diff made sure), and its privileges come back.
        Operation::ReplaceView {
            from,
            to,
            privileges,
        } => {
            let mut statements = vec![format!("DROP VIEW {}", table_name(&from.name))];
            statements.extend(create_view(to));
            for (grant, with_grant_option) in privileges {
                statements.push(crate::grants::grant(grant, *with_grant_option)?);
            }
            statements
        }
        Operation::CreateTrigger { table, trigger } => with_comment(
            trigger.definition.clone(),
            &CommentedObject::Trigger {
                table: table.clone(),
                name: trigger.name.clone(),
            },
            trigger.comment.as_ref(),
        ),
        Operation::SetComment { object, to, .. } => {
            vec![object_comment::set_comment(object, to.as_deref())]
        }
        Operation::DropTrigger { table, trigger } => vec![format!(
            "DROP TRIGGER {} ON {}",
            quote(&trigger.name),
            table_name(table)
        )],
        Operation::RenameConstraint { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            table_name(table),
            quote(from.name()),
            quote(to.name())
        )],
        Operation::RenameIndex { table, from, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            table_name(&QualifiedName {
                schema: table.schema.clone(),
                name: from.name.clone()
            }),
            quote(&to.name)
        )],
        Operation::DropIndex { table, index } => vec![format!(
            "DROP INDEX {}",
            table_name(&QualifiedName {
                schema: table.schema.clone(),
                name: index.name.clone()
            })
        )],
    })
}

/// `COMMENT ON FUNCTION|PROCEDURE name(argument types)`.
fn function_comment(function: &retort_core::schema::Function) -> String {
    comment_on(
        if function.procedure {
            "PROCEDURE"
        } else {
            "FUNCTION"
        },
        &format!(
            "{}({})",
            table_name(&function.key.name),
            function.key.arguments
        ),
        function.comment.as_deref(),
    )
}

/// PostgreSQL can alter in place; a rebuild (never planned for it by the diff) still renders
/// correctly: copy into a new table, swap names.
fn rebuild_table(from: &Table, to: &Table) -> Vec<String> {
    let temporary = QualifiedName {
        schema: to.name.schema.clone(),
        name: format!("_retort_new_{}", to.name.name),
    };
    let mut statements = create_table(&Table {
        name: temporary.clone(),
        indexes: Vec::new(),
        ..to.clone()
    });
    let common: Vec<String> = to
        .columns
        .iter()
        .filter(|c| from.column(&c.name).is_some() && c.generated.is_none())
        .map(|c| c.name.clone())
        .collect();
    statements.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        table_name(&temporary),
        column_list(&common),
        column_list(&common),
        table_name(&from.name)
    ));
    statements.push(format!("DROP TABLE {}", table_name(&from.name)));
    statements.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        table_name(&temporary),
        quote(&to.name.name)
    ));
    for index in &to.indexes {
        statements.extend(create_index(&to.name, index));
    }
    statements
}

/// `statement`, then the comment of the object it creates, if it has one.
fn with_comment(
    statement: String,
    object: &CommentedObject,
    comment: Option<&String>,
) -> Vec<String> {
    let mut statements = vec![statement];
    statements.extend(object_comment::created_with(object, comment));
    statements
}

/// `CREATE INDEX` on a table or materialized view, and its comment.
fn create_index(table: &QualifiedName, index: &Index) -> Vec<String> {
    with_comment(
        index.definition.clone(),
        &object_comment::index(table, &index.name),
        index.comment.as_ref(),
    )
}

fn add_check(table: &QualifiedName, check: &Check) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {}",
        table_name(table),
        quote(&check.name),
        check.definition
    )
}

fn enum_values(values: &[String]) -> String {
    values
        .iter()
        .map(|v| literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A view as created: its statement, then what `CREATE VIEW` cannot say (column defaults,
/// triggers, rules, comments).
fn create_view(view: &View) -> Vec<String> {
    let mut statements = vec![view.definition.clone()];
    for (column, default) in &view.column_defaults {
        statements.push(format!(
            "ALTER VIEW {} ALTER COLUMN {column} SET DEFAULT {default}",
            table_name(&view.name)
        ));
    }
    for trigger in &view.triggers {
        statements.extend(with_comment(
            trigger.definition.clone(),
            &CommentedObject::Trigger {
                table: view.name.clone(),
                name: trigger.name.clone(),
            },
            trigger.comment.as_ref(),
        ));
    }
    statements.extend(view.rules.iter().cloned());
    for (column, comment) in &view.column_comments {
        statements.push(comment_on(
            "COLUMN",
            &format!("{}.{column}", table_name(&view.name)),
            Some(comment),
        ));
    }
    if let Some(comment) = &view.comment {
        statements.push(comment_on("VIEW", &table_name(&view.name), Some(comment)));
    }
    statements
}

/// PostgreSQL cannot drop an enum value: make a new type, convert the columns through text
/// (their defaults set aside meanwhile), drop the old type. The indexes, checks and policies that
/// use the columns are dropped first and created again after, or the conversion fails on them.
fn rebuild_enum(
    name: &QualifiedName,
    values: &[String],
    columns: &[EnumColumn],
    dependents: &[EnumDependent],
) -> Vec<String> {
    let old = QualifiedName {
        schema: name.schema.clone(),
        name: format!("{}__retort_old", name.name),
    };
    let mut statements: Vec<String> = dependents
        .iter()
        .map(|dependent| match dependent {
            EnumDependent::Index { table, index } => format!(
                "DROP INDEX {}",
                table_name(&QualifiedName {
                    schema: table.schema.clone(),
                    name: index.name.clone()
                })
            ),
            EnumDependent::Check { table, check } => format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                table_name(table),
                quote(&check.name)
            ),
            EnumDependent::Policy { table, policy } => format!(
                "DROP POLICY {} ON {}",
                quote(&policy.name),
                table_name(table)
            ),
        })
        .collect();
    statements.push(format!(
        "ALTER TYPE {} RENAME TO {}",
        table_name(name),
        quote(&old.name)
    ));
    statements.push(format!(
        "CREATE TYPE {} AS ENUM ({})",
        table_name(name),
        enum_values(values)
    ));
    for column in columns {
        let prefix = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table_name(&column.table),
            quote(&column.column)
        );
        if column.default.is_some() {
            statements.push(format!("{prefix} DROP DEFAULT"));
        }
        let (new_type, via) = if column.array {
            (format!("{}[]", table_name(name)), "text[]")
        } else {
            (table_name(name), "text")
        };
        statements.push(format!(
            "{prefix} TYPE {new_type} USING {}::{via}::{new_type}",
            quote(&column.column),
        ));
        if let Some(default) = &column.default {
            statements.push(format!("{prefix} SET DEFAULT {default}"));
        }
    }
    statements.push(format!("DROP TYPE {}", table_name(&old)));
    for dependent in dependents {
        statements.extend(match dependent {
            EnumDependent::Index { table, index } => create_index(table, index),
            EnumDependent::Check { table, check } => with_comment(
                add_check(table, check),
                &object_comment::constraint(table, &check.name),
                check.comment.as_ref(),
            ),
            EnumDependent::Policy { table, policy } => with_comment(
                create_policy(table, policy),
                &CommentedObject::Policy {
                    table: table.clone(),
                    name: policy.name.clone(),
                },
                policy.comment.as_ref(),
            ),
        });
    }
    statements
}

fn sequence_options(sequence: &retort_core::schema::Sequence) -> String {
    format!(
        "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} {}",
        sequence.data_type,
        sequence.increment,
        sequence.minimum,
        sequence.maximum,
        sequence.start,
        if sequence.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

/// The options that differ, and only those: never `RESTART`, which would send the counter
/// back to its start and the next inserts into duplicate keys. `START WITH` only records where
/// a later `RESTART` would go.
fn changed_sequence_options(
    from: &retort_core::schema::Sequence,
    to: &retort_core::schema::Sequence,
) -> String {
    let mut options = Vec::new();
    if from.data_type != to.data_type {
        options.push(format!("AS {}", to.data_type));
    }
    if from.increment != to.increment {
        options.push(format!("INCREMENT BY {}", to.increment));
    }
    if from.minimum != to.minimum {
        options.push(format!("MINVALUE {}", to.minimum));
    }
    if from.maximum != to.maximum {
        options.push(format!("MAXVALUE {}", to.maximum));
    }
    if from.start != to.start {
        options.push(format!("START WITH {}", to.start));
    }
    if from.cycle != to.cycle {
        options.push(if to.cycle { "CYCLE" } else { "NO CYCLE" }.to_owned());
    }
    options.join(" ")
}
