//! Operations as SQLite statements, and the rewrite that turns what `ALTER TABLE` cannot do
//! into table rebuilds (Alembic's batch mode): new table, copy the rows, drop, rename,
//! recreate the indexes.

use std::collections::BTreeSet;

use retort_core::dialect::Dialect;
use retort_core::diff::operation::Operation;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{Column, ForeignKey, QualifiedName, Schema, Table};

use crate::constraint_names::{self, Aliases};

pub(crate) fn quote(name: &str) -> String {
    crate::dialect::SQLITE.quote_identifier(name)
}

fn columns(names: &[String]) -> String {
    crate::dialect::SQLITE.quote_list(names)
}

fn literal(text: &str) -> String {
    crate::dialect::SQLITE.string_literal(text)
}

/// `AUTOINCREMENT`, the model's `identity` for SQLite: only an `INTEGER PRIMARY KEY` column
/// takes it, written on the column itself.
fn autoincrements(column: &Column) -> bool {
    column.identity.is_some()
}

/// A column's definition; `key_name` is the `CONSTRAINT` clause of the primary key an
/// `AUTOINCREMENT` column carries (empty when its name is made up).
fn column_definition(column: &Column, key_name: &str) -> String {
    let mut text = quote(&column.name);
    if !column.data_type.is_empty() {
        text.push(' ');
        text.push_str(&column.data_type);
    }
    if !column.nullable {
        text.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        if literal_default(default) {
            text.push_str(&format!(" DEFAULT {default}"));
        } else {
            text.push_str(&format!(" DEFAULT ({default})"));
        }
    }
    if autoincrements(column) {
        text.push_str(&format!(" {key_name}PRIMARY KEY AUTOINCREMENT"));
    }
    if let Some(collation) = &column.collation {
        text.push_str(&format!(" COLLATE {collation}"));
    }
    text.push_str(&column.generated_clause());
    text
}

fn foreign_key(table: &str, key: &ForeignKey) -> String {
    let made_up = key
        .name
        .eq_ignore_ascii_case(&constraint_names::foreign_key(table, &key.columns));
    let mut text = format!(
        "{}FOREIGN KEY ({}) REFERENCES {}",
        constraint_names::clause(&key.name, made_up),
        columns(&key.columns),
        quote(&key.referenced_table.name)
    );
    if !key.referenced_columns.is_empty() {
        text.push_str(&format!(" ({})", columns(&key.referenced_columns)));
    }
    if key.on_update != "NO ACTION" {
        text.push_str(&format!(" ON UPDATE {}", key.on_update));
    }
    if key.on_delete != "NO ACTION" {
        text.push_str(&format!(" ON DELETE {}", key.on_delete));
    }
    if key.deferrable {
        text.push_str(" DEFERRABLE");
        if key.initially_deferred {
            text.push_str(" INITIALLY DEFERRED");
        }
    }
    text
}

/// `CREATE TABLE` for `table` under `name` (its own, or a rebuild's temporary one). A key,
/// check or foreign key is written with `CONSTRAINT` where its name is not the one
/// introspection makes up for one written without (see [`constraint_names`]), so its name
/// comes back as declared.
fn create_table(table: &Table, name: &str) -> Vec<String> {
    let own = &table.name.name;
    let key_name = table.primary_key.as_ref().map_or_else(String::new, |key| {
        let made_up = key
            .name
            .eq_ignore_ascii_case(&constraint_names::primary_key(own));
        constraint_names::clause(&key.name, made_up)
    });
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .map(|column| column_definition(column, &key_name))
        .collect();
    // An AUTOINCREMENT column carries the key on itself (SQLite takes it nowhere else).
    let key_on_column = table.columns.iter().any(autoincrements);
    if let Some(primary_key) = table.primary_key.as_ref().filter(|_| !key_on_column) {
        parts.push(format!(
            "{key_name}PRIMARY KEY ({})",
            columns(&primary_key.columns)
        ));
    }
    parts.extend(table.uniques.iter().map(|u| {
        let made_up = u
            .name
            .eq_ignore_ascii_case(&constraint_names::unique(own, &u.columns));
        format!(
            "{}UNIQUE ({})",
            constraint_names::clause(&u.name, made_up),
            columns(&u.columns)
        )
    }));
    // Unnamed checks come back numbered after their table.
    parts.extend(table.checks.iter().map(|c| {
        let made_up = constraint_names::is_numbered_check(own, &c.name);
        format!(
            "{}{}",
            constraint_names::clause(&c.name, made_up),
            c.definition
        )
    }));
    parts.extend(table.foreign_keys.iter().map(|key| foreign_key(own, key)));
    let mut statement = format!(
        "CREATE TABLE {} (\n    {}\n)",
        quote(name),
        parts.join(",\n    ")
    );
    if !table.options.is_empty() {
        statement.push(' ');
        statement.push_str(&table.options.join(", "));
    }
    vec![statement]
}

/// SQLite's own procedure for the changes `ALTER TABLE` cannot make
/// (sqlite.org/lang_altertable.html, "other kinds of table schema changes"): a new table, the
/// rows copied, the old table dropped, the new one renamed into place, its indexes and triggers
/// recreated. The section runs with `foreign_keys=off` (see [`suspends_foreign_keys`]), so the
/// `DROP TABLE` cascades to no child row, and the runner checks every foreign key before the
/// commit. The rename runs with `legacy_alter_table` on: otherwise SQLite re-parses every view
/// and trigger that names the table, finds it missing between the drop and the rename, and
/// refuses; in legacy mode they keep naming it and see the new table once it is in place.
fn rebuild(from: &Table, to: &Table) -> Vec<String> {
    let temporary = format!("_retort_new_{}", to.name.name);
    let mut statements = create_table(to, &temporary);
    // A generated column computes its values: none is inserted into it.
    let common: Vec<String> = to
        .columns
        .iter()
        .filter(|c| c.generated.is_none() && from.column(&c.name).is_some())
        .map(|c| c.name.clone())
        .collect();
    statements.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        quote(&temporary),
        columns(&common),
        columns(&common),
        quote(&from.name.name)
    ));
    // AUTOINCREMENT promises never to hand out an id again, even a deleted row's: the counter
    // in `sqlite_sequence` is carried over (the copy set the new table's to the highest id
    // copied, and dropping the old table deletes its row; the rename renames the new one).
    if from.columns.iter().any(autoincrements) && to.columns.iter().any(autoincrements) {
        statements.push(format!(
            "DELETE FROM sqlite_sequence WHERE name = {}",
            literal(&temporary)
        ));
        statements.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {}",
            literal(&temporary),
            literal(&from.name.name)
        ));
    }
    statements.push(format!("DROP TABLE {}", quote(&from.name.name)));
    statements.push("PRAGMA legacy_alter_table = ON".to_owned());
    statements.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        quote(&temporary),
        quote(&to.name.name)
    ));
    statements.push("PRAGMA legacy_alter_table = OFF".to_owned());
    statements.extend(to.indexes.iter().map(|i| i.definition.clone()));
    // Dropping the old table dropped its triggers: the declared ones go back.
    statements.extend(to.triggers.iter().map(|t| t.definition.clone()));
    statements
}

/// Whether the section carrying `operation` must run with foreign keys off: a rebuild drops
/// the table its children reference.
pub fn suspends_foreign_keys(operation: &Operation) -> bool {
    matches!(operation, Operation::RebuildTable { .. })
}

/// The statements for one operation (after [`adapt`]).
pub fn render(operation: &Operation) -> Result<Vec<String>, DatabaseError> {
    // Never rendered without the clause: the database would not have it.
    if let Some(clause) = retort_core::diff::postgres_clauses::postgres_only_clause(operation) {
        return Err(DatabaseError::new(format!(
            "SQLite cannot {}: {clause} is PostgreSQL's",
            operation.summary()
        )));
    }
    Ok(match operation {
        // A MySQL/MariaDB table's engine and options, which would be left behind.
        Operation::CreateTable { table } if !table.storage.is_default() => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot create table {} with {}: they are MySQL/MariaDB table options",
                table.name,
                table.storage.clause()
            )))
        }
        Operation::CreateTable { table } => {
            let mut statements = create_table(table, &table.name.name);
            statements.extend(table.indexes.iter().map(|i| i.definition.clone()));
            statements
        }
        Operation::DropTable { table } => vec![format!("DROP TABLE {}", quote(&table.name.name))],
        Operation::AddColumn { table, column, .. } => vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            quote(&table.name),
            column_definition(column, "")
        )],
        Operation::DropColumn { table, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            quote(&table.name),
            quote(&column.name)
        )],
        Operation::CreateIndex { index, .. } => vec![index.definition.clone()],
        Operation::DropIndex { index, .. } => vec![format!("DROP INDEX {}", quote(&index.name))],
        Operation::RebuildTable { from, to } => rebuild(from, to),
        Operation::RenameIndex { from, to, .. } => vec![
            format!("DROP INDEX {}", quote(&from.name)),
            to.definition.clone(),
        ],
        Operation::CreateView { view } => vec![view.definition.clone()],
        Operation::DropView { view } => vec![format!("DROP VIEW {}", quote(&view.name.name))],
        // Not made for SQLite (its views carry no columns), which has no `OR REPLACE` for them.
        Operation::ReplaceView { to, .. } => vec![
            format!("DROP VIEW {}", quote(&to.name.name)),
            to.definition.clone(),
        ],
        Operation::CreateTrigger { trigger, .. } => vec![trigger.definition.clone()],
        Operation::DropTrigger { trigger, .. } => {
            vec![format!("DROP TRIGGER {}", quote(&trigger.name))]
        }
        Operation::RenameTable { from, to, .. } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            quote(&from.name),
            quote(&to.name)
        )],
        Operation::RenameColumn {
            table, from, to, ..
        } => {
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                quote(&table.name),
                quote(from),
                quote(to)
            )]
        }
        Operation::SetTableComment { .. } => Vec::new(),
        Operation::CreateEnum { .. }
        | Operation::DropEnum { .. }
        | Operation::AddEnumValue { .. }
        | Operation::RebuildEnum { .. } => {
            return Err(DatabaseError::new("SQLite has no enum types".to_owned()))
        }
        Operation::CreateSequence { .. }
        | Operation::DropSequence { .. }
        | Operation::AlterSequence { .. } => {
            return Err(DatabaseError::new("SQLite has no sequences".to_owned()))
        }
        Operation::CreateSchema { .. } | Operation::DropSchema { .. } => {
            return Err(DatabaseError::new("SQLite has no schemas".to_owned()))
        }
        // Only PostgreSQL's introspection reads these comments, so the diff never asks here.
        other @ Operation::SetComment { .. } => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {}: comments on indexes, constraints, triggers, policies and sequences are modeled on PostgreSQL only",
                other.summary()
            )))
        }
        other @ (Operation::CreateExtension { .. }
        | Operation::DropExtension { .. }
        | Operation::CreateDomain { .. }
        | Operation::CreateMaterializedView { .. }
        | Operation::SetViewComment { .. }
        | Operation::DropMaterializedView { .. }
        | Operation::CreateCompositeType { .. }
        | Operation::DropCompositeType { .. }
        | Operation::AlterCompositeType { .. }
        | Operation::DropDomain { .. }
        | Operation::AlterDomain { .. }
        | Operation::ReplaceDomain { .. }
        | Operation::AlterExtension { .. }
        | Operation::CreateFunction { .. }
        | Operation::DropFunction { .. }
        | Operation::ReplaceFunction { .. }
        | Operation::SetRowSecurity { .. }
        | Operation::CreatePolicy { .. }
        | Operation::DropPolicy { .. }
        | Operation::AlterPolicy { .. }
        | Operation::GrantPrivilege { .. }
        | Operation::RevokePrivilege { .. }
        | Operation::SetGrantOption { .. }) => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {}: it is a PostgreSQL object",
                other.summary()
            )))
        }
        // Made only by MySQL's adapt (an AUTO_INCREMENT column with its key).
        other @ Operation::AlterTogether { .. } => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {} in one statement: only MySQL/MariaDB needs that",
                other.summary()
            )))
        }
        // Read on MySQL/MariaDB only.
        other @ Operation::SetTableCollation { .. } => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {}: tables have no default collation there",
                other.summary()
            )))
        }
        // Made from PostgreSQL's catalog only.
        other @ Operation::SetConstraintValidity { .. } => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {}: only PostgreSQL adds a constraint NOT VALID",
                other.summary()
            )))
        }
        // Read on MySQL/MariaDB only (SQLite's own table options are `Table::options`).
        other @ Operation::SetTableStorage { .. } => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {}: tables have no storage engine or MySQL table options there",
                other.summary()
            )))
        }
        other @ (Operation::CreateEvent { .. }
        | Operation::DropEvent { .. }
        | Operation::AlterEvent { .. }) => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {}: it is a MySQL/MariaDB object",
                other.summary()
            )))
        }
        other @ (Operation::AlterColumn { .. }
        | Operation::RenameConstraint { .. }
        | Operation::AddPrimaryKey { .. }
        | Operation::DropPrimaryKey { .. }
        | Operation::AddUnique { .. }
        | Operation::DropUnique { .. }
        | Operation::AddCheck { .. }
        | Operation::DropCheck { .. }
        | Operation::AddForeignKey { .. }
        | Operation::DropForeignKey { .. }) => {
            return Err(DatabaseError::new(format!(
                "SQLite cannot {} in place; it should have become a table rebuild",
                other.summary()
            )))
        }
    })
}

/// One quoted or bare name and nothing else (`"dflt"`, `[dflt]`, `dflt`): after `DEFAULT` SQLite
/// reads it as the string `'dflt'`, but inside parentheses as a column, which a default may not
/// name ("default value of column [k] is not constant"). It is written back bare, as declared.
fn name_default(text: &str) -> bool {
    let enclosed = |open: char, close: char| {
        text.len() >= 2
            && text.starts_with(open)
            && text.ends_with(close)
            && !text[1..text.len() - 1]
                .replace(&format!("{close}{close}"), "")
                .contains(close)
    };
    enclosed('"', '"')
        || enclosed('`', '`')
        || (enclosed('[', ']') && !text[1..text.len() - 1].contains(']'))
        // Not a keyword: `CURRENT_TIMESTAMP` is no name (and no constant to `ADD COLUMN`).
        || crate::identifiers::needs_no_quotes(text)
}

/// Whether `default` may follow `DEFAULT` bare: a literal (a signed number, a string, a blob,
/// NULL, TRUE, FALSE), `CURRENT_TIME|DATE|TIMESTAMP` or a name read as a string
/// ([`name_default`]). SQLite reports an expression default (`DEFAULT (lower('X'))`) without its
/// parentheses, which `CREATE TABLE` needs back.
fn literal_default(default: &str) -> bool {
    let text = default.trim();
    let unsigned = text.trim_start_matches(['+', '-']);
    // One string: `'it''s'`, not `'a' || 'b'`.
    let quoted = |t: &str| {
        t.len() >= 2
            && t.starts_with('\'')
            && t.ends_with('\'')
            && !t[1..t.len() - 1].replace("''", "").contains('\'')
    };
    let number = unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && (unsigned.parse::<f64>().is_ok()
            || unsigned
                .strip_prefix("0x")
                .or_else(|| unsigned.strip_prefix("0X"))
                .is_some_and(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())));
    quoted(text)
        || text.strip_prefix(['x', 'X']).is_some_and(quoted)
        || number
        || name_default(text)
        || [
            "NULL",
            "TRUE",
            "FALSE",
            "CURRENT_TIME",
            "CURRENT_DATE",
            "CURRENT_TIMESTAMP",
        ]
        .iter()
        .any(|word| text.eq_ignore_ascii_case(word))
}

/// Whether `ALTER TABLE ... ADD COLUMN` takes `default` over existing rows: a literal (a
/// number with its sign, a string, a blob, NULL, TRUE or FALSE, a name read as a string).
/// Anything else may be refused, so the table is rebuilt instead (which always works).
fn constant_default(default: &str) -> bool {
    let text = default.trim();
    let unsigned = text.trim_start_matches(['+', '-']);
    let quoted = |t: &str| t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'');
    quoted(text)
        || name_default(text)
        || text.strip_prefix(['x', 'X']).is_some_and(quoted)
        || ["NULL", "TRUE", "FALSE"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
        || (!unsigned.is_empty()
            && unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && unsigned
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+' || c == '-'))
}

/// Rewrite a diff for SQLite: foreign keys go into `CREATE TABLE` (SQLite checks them only when
/// rows are written, so cycles need no second step), and a table that needs anything beyond
/// adding a plain column, dropping a column or changing indexes is rebuilt once.
pub fn adapt(operations: Vec<Operation>, from: &Schema, to: &Schema) -> Vec<Operation> {
    // A key, unique, foreign key or check written without `CONSTRAINT` has no name of its own
    // (the model makes one up from the table's and the columns', under any name they go by in
    // this plan): renaming one is nothing to do. A rename from or to a written name is kept,
    // and becomes a rebuild.
    let aliases = Aliases::of(&operations);
    let operations: Vec<Operation> = operations
        .into_iter()
        .filter(|operation| match operation {
            Operation::RenameConstraint { table, from, to } => {
                !(aliases.is_made_up(&table.name, from) && aliases.is_made_up(&table.name, to))
            }
            _ => true,
        })
        .collect();
    let rebuilt: BTreeSet<QualifiedName> = operations
        .iter()
        .filter_map(|operation| match operation {
            Operation::AlterColumn { table, .. }
            | Operation::RenameConstraint { table, .. }
            | Operation::AddPrimaryKey { table, .. }
            | Operation::DropPrimaryKey { table, .. }
            | Operation::AddUnique { table, .. }
            | Operation::DropUnique { table, .. }
            | Operation::AddCheck { table, .. }
            | Operation::DropCheck { table, .. }
            | Operation::AddForeignKey { table, .. }
            | Operation::DropForeignKey { table, .. }
                if from.tables.contains_key(table) && to.tables.contains_key(table) =>
            {
                Some(table.clone())
            }
            // SQLite adds only columns that are nullable or have a default, never a key
            // (an AUTOINCREMENT column is one), and of generated columns only VIRTUAL ones; it
            // refuses a default that is not a constant (`CURRENT_TIMESTAMP`, an expression)
            // once the table has rows: "Cannot add a column with non-constant default".
            Operation::AddColumn { table, column, .. }
                if (!column.nullable && column.default.is_none())
                    || autoincrements(column)
                    || (column.generated.is_some() && !column.virtual_generated)
                    || column
                        .default
                        .as_deref()
                        .is_some_and(|d| !constant_default(d)) =>
            {
                Some(table.clone())
            }
            // A change of table options (the diff's only rebuild).
            Operation::RebuildTable { to: table, .. }
                if from.tables.contains_key(&table.name) && to.tables.contains_key(&table.name) =>
            {
                Some(table.name.clone())
            }
            _ => None,
        })
        .collect();
    let mut adapted = Vec::with_capacity(operations.len());
    let mut emitted = BTreeSet::new();
    for operation in operations {
        let table = match &operation {
            Operation::CreateTable { table } => {
                let full = to
                    .tables
                    .get(&table.name)
                    .cloned()
                    .unwrap_or_else(|| table.clone());
                adapted.push(Operation::CreateTable { table: full });
                continue;
            }
            Operation::DropTable { table } => {
                let full = from
                    .tables
                    .get(&table.name)
                    .cloned()
                    .unwrap_or_else(|| table.clone());
                adapted.push(Operation::DropTable { table: full });
                continue;
            }
            Operation::AddForeignKey { table, .. } | Operation::DropForeignKey { table, .. }
                if !rebuilt.contains(table) =>
            {
                // Belongs to a created or dropped table: carried by its CREATE/DROP TABLE.
                continue;
            }
            Operation::SetTableComment { .. } => continue,
            Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::AlterColumn { table, .. }
            | Operation::RenameConstraint { table, .. }
            | Operation::RenameIndex { table, .. }
            | Operation::CreateTrigger { table, .. }
            | Operation::DropTrigger { table, .. }
            | Operation::AddPrimaryKey { table, .. }
            | Operation::DropPrimaryKey { table, .. }
            | Operation::AddUnique { table, .. }
            | Operation::DropUnique { table, .. }
            | Operation::AddCheck { table, .. }
            | Operation::DropCheck { table, .. }
            | Operation::AddForeignKey { table, .. }
            | Operation::DropForeignKey { table, .. }
            | Operation::CreateIndex { table, .. }
            | Operation::DropIndex { table, .. } => table.clone(),
            Operation::RebuildTable { to: table, .. } if rebuilt.contains(&table.name) => {
                table.name.clone()
            }
            Operation::RebuildTable { .. }
            | Operation::AlterTogether { .. }
            | Operation::SetConstraintValidity { .. }
            | Operation::SetTableCollation { .. }
            | Operation::SetTableStorage { .. }
            | Operation::CreateView { .. }
            | Operation::DropView { .. }
            | Operation::ReplaceView { .. }
            | Operation::RenameTable { .. }
            | Operation::RenameColumn { .. }
            | Operation::CreateEnum { .. }
            | Operation::DropEnum { .. }
            | Operation::AddEnumValue { .. }
            | Operation::RebuildEnum { .. }
            | Operation::CreateSequence { .. }
            | Operation::DropSequence { .. }
            | Operation::AlterSequence { .. }
            | Operation::CreateSchema { .. }
            | Operation::DropSchema { .. }
            | Operation::CreateExtension { .. }
            | Operation::DropExtension { .. }
            | Operation::AlterExtension { .. }
            | Operation::CreateFunction { .. }
            | Operation::DropFunction { .. }
            | Operation::ReplaceFunction { .. }
            | Operation::CreateEvent { .. }
            | Operation::DropEvent { .. }
            | Operation::AlterEvent { .. }
            | Operation::SetRowSecurity { .. }
            | Operation::CreatePolicy { .. }
            | Operation::DropPolicy { .. }
            | Operation::AlterPolicy { .. }
            | Operation::CreateDomain { .. }
            | Operation::CreateMaterializedView { .. }
            | Operation::SetViewComment { .. }
            | Operation::SetComment { .. }
            | Operation::DropMaterializedView { .. }
            | Operation::DropDomain { .. }
            | Operation::AlterDomain { .. }
            | Operation::ReplaceDomain { .. }
            | Operation::CreateCompositeType { .. }
            | Operation::DropCompositeType { .. }
            | Operation::AlterCompositeType { .. }
            | Operation::GrantPrivilege { .. }
            | Operation::RevokePrivilege { .. }
            | Operation::SetGrantOption { .. } => {
                adapted.push(operation);
                continue;
            }
        };
        if !rebuilt.contains(&table) {
            adapted.push(operation);
        } else if emitted.insert(table.clone()) {
            // Triggers are not modeled: the plan gives both sides the live table's.
            if let (Some(before), Some(after)) = (from.tables.get(&table), to.tables.get(&table)) {
                // Made-up names that a rename left stale (`old_a_key`) are made up afresh,
                // as SQLite would: the rebuilt table is written without them.
                adapted.push(Operation::RebuildTable {
                    from: before.clone(),
                    to: aliases.with_present_names(after),
                });
            }
        }
    }
    adapted
}

#[cfg(test)]
mod tests {
    /// Regression: `k TEXT DEFAULT "dflt"` (the string 'dflt') was rebuilt as
    /// `DEFAULT ("dflt")`, a column reference SQLite refuses as "not constant". A lone name
    /// goes back bare; an expression keeps its parentheses.
    #[test]
    fn a_default_written_as_a_name_stays_bare() {
        for default in ["\"dflt\"", "\"it\"\"s\"", "[dflt]", "`dflt`", "dflt"] {
            assert!(super::literal_default(default), "{default}");
            assert!(super::constant_default(default), "{default}");
        }
        for default in ["\"a\" || \"b\"", "lower(\"X\")", "[a] || [b]"] {
            assert!(!super::literal_default(default), "{default}");
            assert!(!super::constant_default(default), "{default}");
        }
        assert!(super::literal_default("CURRENT_TIMESTAMP"));
        assert!(!super::constant_default("CURRENT_TIMESTAMP"));
    }
}
