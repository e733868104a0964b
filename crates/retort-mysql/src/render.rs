//! Operations as MySQL/MariaDB statements.

use retort_core::dialect::Dialect;
use retort_core::diff::operation::{ColumnPosition, Operation, TableConstraint};
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{Column, Constraint, ForeignKey, QualifiedName, Table};

pub fn quote(name: &str) -> String {
    crate::dialect::MYSQL.quote_identifier(name)
}

/// One column of a key as MariaDB prints it in an index definition: `` `b`(10) DESC ``.
pub fn key_part(column: &str, prefix: Option<u64>, descending: bool) -> String {
    let mut text = quote(column);
    if let Some(prefix) = prefix {
        text.push_str(&format!("({prefix})"));
    }
    if descending {
        text.push_str(" DESC");
    }
    text
}

/// An index's definition, the same from introspection and from the declared-schema parser.
/// `kind` is empty, `UNIQUE `, `FULLTEXT ` or `SPATIAL `.
pub fn index_definition(kind: &str, name: &str, table: &str, parts: &[String]) -> String {
    format!(
        "CREATE {kind}INDEX {} ON {} ({})",
        quote(name),
        quote(table),
        parts.join(", ")
    )
}

/// A view's statement: `CREATE [ALGORITHM=…] [SQL SECURITY INVOKER] VIEW … AS <select> [WITH …
/// CHECK OPTION]`, from what `information_schema.VIEWS` reports; the defaults are left out.
pub fn view_definition(
    name: &str,
    algorithm: &str,
    security: &str,
    select: &str,
    check_option: &str,
) -> String {
    let mut text = String::from("CREATE ");
    if !algorithm.eq_ignore_ascii_case("UNDEFINED") {
        text.push_str(&format!("ALGORITHM={algorithm} "));
    }
    if !security.eq_ignore_ascii_case("DEFINER") {
        text.push_str(&format!("SQL SECURITY {security} "));
    }
    text.push_str(&format!("VIEW {} AS {select}", quote(name)));
    if !check_option.eq_ignore_ascii_case("NONE") {
        text.push_str(&format!(" WITH {check_option} CHECK OPTION"));
    }
    text
}

/// A trigger's statement, from what `information_schema.TRIGGERS` reports: the body is the
/// server's text, `BEGIN … END` included, and runs as one statement (no DELIMITER needed).
pub fn trigger_definition(
    name: &str,
    timing: &str,
    event: &str,
    table: &str,
    body: &str,
) -> String {
    format!(
        "CREATE TRIGGER {} {timing} {event} ON {} FOR EACH ROW {body}",
        quote(name),
        quote(table)
    )
}

fn columns(names: &[String]) -> String {
    crate::dialect::MYSQL.quote_list(names)
}

fn literal(text: &str) -> String {
    crate::dialect::MYSQL.string_literal(text)
}

fn column_definition(column: &Column) -> String {
    let mut text = format!("{} {}", quote(&column.name), column.data_type);
    if let Some(collation) = &column.collation {
        // The collation names its character set: `COLLATE latin1_bin` is latin1's.
        text.push_str(&format!(" COLLATE {collation}"));
    }
    if column.generated.is_some() {
        text.push_str(&column.generated_clause());
        // MariaDB refuses NULL and NOT NULL on a generated column (a generated column is
        // nullable there); MySQL takes NOT NULL, which MariaDB then refuses loudly.
        if !column.nullable {
            text.push_str(" NOT NULL");
        }
    } else {
        text.push_str(if column.nullable {
            " NULL"
        } else {
            " NOT NULL"
        });
    }
    if let Some(default) = &column.default {
        text.push_str(&format!(" DEFAULT {default}"));
    }
    if column.identity.is_some() {
        text.push_str(" AUTO_INCREMENT");
    }
    if let Some(comment) = &column.comment {
        text.push_str(&format!(" COMMENT {}", literal(comment)));
    }
    text
}

/// ` FIRST` or `` AFTER `c` `` after an added column's definition; nothing appends it.
fn position_clause(position: Option<&ColumnPosition>) -> String {
    match position {
        None => String::new(),
        Some(ColumnPosition::First) => " FIRST".to_owned(),
        Some(ColumnPosition::After(column)) => format!(" AFTER {}", quote(column)),
    }
}

fn foreign_key(key: &ForeignKey) -> String {
    let mut text = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote(&key.name),
        columns(&key.columns),
        quote(&key.referenced_table.name),
        columns(&key.referenced_columns)
    );
    // RESTRICT is what the server records when no rule is written; NO ACTION (the same
    // behaviour on InnoDB) is recorded only when written, so it is written.
    for (word, rule) in [("DELETE", &key.on_delete), ("UPDATE", &key.on_update)] {
        if rule != "RESTRICT" {
            text.push_str(&format!(" ON {word} {rule}"));
        }
    }
    text
}

fn create_table(table: &Table, table_name: &str) -> Vec<String> {
    let mut parts: Vec<String> = table.columns.iter().map(column_definition).collect();
    if let Some(primary_key) = &table.primary_key {
        parts.push(format!("PRIMARY KEY ({})", columns(&primary_key.columns)));
    }
    parts.extend(table.uniques.iter().map(|u| {
        format!(
            "CONSTRAINT {} UNIQUE ({})",
            quote(&u.name),
            columns(&u.columns)
        )
    }));
    parts.extend(
        table
            .checks
            .iter()
            .map(|c| format!("CONSTRAINT {} {}", quote(&c.name), c.definition)),
    );
    parts.extend(table.foreign_keys.iter().map(foreign_key));
    let comment = table
        .comment
        .as_deref()
        .map(|c| format!(" COMMENT={}", literal(c)))
        .unwrap_or_default();
    // The collation names its character set (`latin1_swedish_ci` is latin1's).
    let collation = table
        .collation
        .as_deref()
        .map(|c| format!(" COLLATE={c}"))
        .unwrap_or_default();
    let storage = if table.storage.is_default() {
        String::new()
    } else {
        format!(" {}", table.storage.clause())
    };
    let mut statements = vec![format!(
        "CREATE TABLE {} (\n    {}\n){storage}{collation}{comment}",
        quote(table_name),
        parts.join(",\n    ")
    )];
    statements.extend(table.indexes.iter().map(|i| i.definition.clone()));
    statements
}

fn table(name: &QualifiedName) -> String {
    quote(&name.name)
}

/// The `CAST` target that holds what a column of `data_type` holds, for the types whose
/// narrowing the server rounds without refusing, even in strict mode: decimal scale and
/// fractional seconds.
fn rounding_cast(data_type: &str) -> Option<String> {
    let (name, arguments) = data_type
        .split_once('(')
        .map_or((data_type, ""), |(name, rest)| {
            (name, rest.trim_end_matches(')'))
        });
    let arguments = if arguments.is_empty() {
        String::new()
    } else {
        format!("({arguments})")
    };
    match name {
        "decimal" | "numeric" => Some(format!("DECIMAL{arguments}")),
        "datetime" | "timestamp" => Some(format!("DATETIME{arguments}")),
        "time" => Some(format!("TIME{arguments}")),
        _ => None,
    }
}

/// A statement that fails, before the column changes, when a value would be rounded by it:
/// MariaDB rounds a `DECIMAL` losing scale and a `DATETIME` losing fractional digits with a
/// note, strict mode or not (strict mode refuses what is truncated or out of range). Written as
/// MariaDB's anonymous compound statement (`BEGIN NOT ATOMIC`), which MySQL does not have.
fn rounding_guard(table_name: &QualifiedName, from: &Column, to: &Column) -> Option<String> {
    if crate::dialect::widens(&from.data_type, &to.data_type) {
        return None;
    }
    let cast = rounding_cast(&to.data_type)?;
    rounding_cast(&from.data_type)?;
    let value = quote(&to.name);
    let shown = |text: &str| text.replace('\\', "\\\\").replace('\'', "''");
    Some(format!(
        "BEGIN NOT ATOMIC\n    DECLARE lost BIGINT DEFAULT (SELECT count(*) FROM {table} WHERE {value} IS NOT NULL AND CAST({value} AS {cast}) <> {value});\n    IF lost > 0 THEN\n        SET @retort_message = CONCAT('retort: ', lost, ' row(s) of {table_shown} hold a value of column {column_shown} that {to_shown} would round; nothing was changed: convert them in an earlier revision, or write the conversion into this one in place of this check');\n        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = @retort_message;\n    END IF;\nEND",
        table = table(table_name),
        table_shown = shown(&table_name.name),
        column_shown = shown(&to.name),
        to_shown = shown(&to.data_type),
    ))
}

fn rename_index(table_name: &QualifiedName, from: &str, to: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME INDEX {} TO {}",
        table(table_name),
        quote(from),
        quote(to)
    )
}

/// A table's default collation changes only what columns added later take: the columns that
/// followed the old default keep it, so the table would not be what was declared, and making
/// it so converts every text column (rewriting the table, and comparing the values anew in
/// its unique keys). That is a decision about data: refused when the revision is written.
fn refuse_table_collation_change(
    name: &QualifiedName,
    from: Option<&str>,
    to: Option<&str>,
) -> DatabaseError {
    let shown = |collation: Option<&str>| collation.unwrap_or("the database's").to_owned();
    DatabaseError::new(format!(
        "the default collation of table {name} would change from {} to {}, which autogenerate does not do: its text columns keep their collation unless converted; write this revision by hand (ALTER TABLE {} CONVERT TO CHARACTER SET … COLLATE …, which rewrites the table, then check that its unique keys still hold), or keep the table's collation as it is",
        shown(from),
        shown(to),
        name.name
    ))
}

/// The statements for one operation.
/// MariaDB cannot `MODIFY` a plain column into a generated one or back, nor a generated one
/// between VIRTUAL and STORED ("not yet supported for generated columns"): refused when the
/// revision is written, with the way that works, rather than a revision that fails when run.
fn refuse_generated_storage_change(
    name: &QualifiedName,
    from: &Column,
    to: &Column,
) -> Result<(), DatabaseError> {
    let kind = |column: &Column| match (&column.generated, column.virtual_generated) {
        (None, _) => "a plain column",
        (Some(_), true) => "a VIRTUAL generated column",
        (Some(_), false) => "a STORED generated column",
    };
    if kind(from) == kind(to) {
        return Ok(());
    }
    Err(DatabaseError::new(format!(
        "column {name}.{} would change from {} to {}, which MariaDB cannot do in place; declare the new column under another name (and drop the old one, copying what you need first: a plain column's values are not computed again) or drop and add it in two revisions",
        to.name,
        kind(from),
        kind(to)
    )))
}

pub fn render(operation: &Operation) -> Result<Vec<String>, DatabaseError> {
    // Never rendered without the clause: the database would not have it.
    if let Some(clause) = retort_core::diff::postgres_clauses::postgres_only_clause(operation) {
        return Err(DatabaseError::new(format!(
            "MySQL/MariaDB cannot {}: {clause} is PostgreSQL's",
            operation.summary()
        )));
    }
    Ok(match operation {
        Operation::CreateTable { table: definition } => {
            create_table(definition, &definition.name.name)
        }
        Operation::DropTable { table: definition } => {
            vec![format!("DROP TABLE {}", table(&definition.name))]
        }
        Operation::AddColumn {
            table: name,
            column,
            position,
        } => vec![format!(
            "ALTER TABLE {} ADD COLUMN {}{}",
            table(name),
            column_definition(column),
            position_clause(position.as_ref())
        )],
        Operation::DropColumn {
            table: name,
            column,
        } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            table(name),
            quote(&column.name)
        )],
        Operation::AlterColumn {
            table: name,
            from,
            to,
        } => {
            refuse_generated_storage_change(name, from, to)?;
            let mut statements: Vec<String> = rounding_guard(name, from, to).into_iter().collect();
            statements.push(format!(
                "ALTER TABLE {} MODIFY COLUMN {}",
                table(name),
                column_definition(to)
            ));
            statements
        }
        Operation::SetTableComment {
            table: name, to, ..
        } => {
            vec![format!(
                "ALTER TABLE {} COMMENT = {}",
                table(name),
                literal(to.as_deref().unwrap_or_default())
            )]
        }
        Operation::SetTableCollation {
            table: name,
            from,
            to,
        } => return Err(refuse_table_collation_change(name, from.as_deref(), to.as_deref())),
        Operation::SetTableStorage {
            table: name,
            from,
            to,
        } => vec![crate::table_storage::alter(name, from, to)?],
        Operation::AddPrimaryKey {
            table: name,
            primary_key,
        } => vec![format!(
            "ALTER TABLE {} ADD PRIMARY KEY ({})",
            table(name),
            columns(&primary_key.columns)
        )],
        Operation::DropPrimaryKey { table: name, .. } => {
            vec![format!("ALTER TABLE {} DROP PRIMARY KEY", table(name))]
        }
        Operation::AddUnique {
            table: name,
            unique,
        } => {
            vec![format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                table(name),
                quote(&unique.name),
                columns(&unique.columns)
            )]
        }
        Operation::DropUnique {
            table: name,
            unique: Constraint { name: index, .. },
        } => vec![format!(
            "ALTER TABLE {} DROP INDEX {}",
            table(name),
            quote(index)
        )],
        Operation::AddCheck { table: name, check } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            table(name),
            quote(&check.name),
            check.definition
        )],
        Operation::DropCheck { table: name, check } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            table(name),
            quote(&check.name)
        )],
        Operation::AddForeignKey {
            table: name,
            foreign_key: key,
        } => vec![format!(
            "ALTER TABLE {} ADD {}",
            table(name),
            foreign_key(key)
        )],
        Operation::DropForeignKey {
            table: name,
            foreign_key: key,
        } => vec![format!(
            "ALTER TABLE {} DROP FOREIGN KEY {}",
            table(name),
            quote(&key.name)
        )],
        Operation::CreateIndex { index, .. } => vec![index.definition.clone()],
        Operation::DropIndex { table: name, index } => vec![format!(
            "DROP INDEX {} ON {}",
            quote(&index.name),
            table(name)
        )],
        // MySQL enums are column types (`enum('a','b')`), compared and altered with the column;
        // sequences and schemas are not read on MySQL: the diff never asks for these.
        other @ (Operation::CreateEnum { .. }
        | Operation::DropEnum { .. }
        | Operation::AddEnumValue { .. }
        | Operation::RebuildEnum { .. }
        | Operation::CreateSequence { .. }
        | Operation::DropSequence { .. }
        | Operation::AlterSequence { .. }
        | Operation::CreateSchema { .. }
        | Operation::DropSchema { .. }) => {
            return Err(DatabaseError::new(format!(
                "MySQL cannot {}: enums are column types there, and sequences and schemas are not modeled",
                other.summary()
            )))
        }
        // PostgreSQL's kinds: never read on MySQL, so the diff never asks for these.
        // Only PostgreSQL's introspection reads these comments, so the diff never asks here.
        other @ Operation::SetComment { .. } => {
            return Err(DatabaseError::new(format!(
                "MySQL cannot {}: comments on indexes, constraints, triggers, policies and sequences are modeled on PostgreSQL only",
                other.summary()
            )))
        }
        other @ (Operation::CreateExtension { .. }
        | Operation::SetConstraintValidity { .. }
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
        | Operation::SetRowSecurity { .. }
        | Operation::CreatePolicy { .. }
        | Operation::DropPolicy { .. }
        | Operation::AlterPolicy { .. }
        | Operation::GrantPrivilege { .. }
        | Operation::RevokePrivilege { .. }
        | Operation::SetGrantOption { .. }) => {
            return Err(DatabaseError::new(format!(
                "MySQL cannot {}: it is a PostgreSQL object",
                other.summary()
            )))
        }
        Operation::RenameTable { from, to, .. } => {
            vec![format!("RENAME TABLE {} TO {}", table(from), table(to))]
        }
        Operation::RenameColumn {
            table: name,
            from,
            to,
            ..
        } => {
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                table(name),
                quote(from),
                quote(to)
            )]
        }
        // Unique keys are indexes; a foreign key or a check cannot be renamed, only dropped and
        // added again. A primary key is always named PRIMARY, so it never differs by name.
        Operation::RenameConstraint {
            table: name,
            from: TableConstraint::Unique(before),
            to: TableConstraint::Unique(after),
        } => vec![rename_index(name, &before.name, &after.name)],
        Operation::RenameConstraint {
            table: name,
            from,
            to,
        } => {
            let mut statements = Vec::new();
            for operation in from.drop_and_add(name, to) {
                statements.extend(render(&operation)?);
            }
            statements
        }
        Operation::RenameIndex {
            table: name,
            from,
            to,
        } => vec![rename_index(name, &from.name, &to.name)],
        // A view's and a trigger's definitions are whole statements, as introspection builds
        // them (the server's text of the query or body).
        Operation::CreateView { view } => vec![view.definition.clone()],
        Operation::DropView { view } => vec![format!("DROP VIEW {}", table(&view.name))],
        // Not made for MySQL (its views carry no columns), but it takes the statement.
        Operation::ReplaceView { to, .. } => vec![match to.definition.strip_prefix("CREATE ") {
            Some(rest) => format!("CREATE OR REPLACE {rest}"),
            None => to.definition.clone(),
        }],
        Operation::CreateTrigger { trigger, .. } => vec![trigger.definition.clone()],
        Operation::DropTrigger { trigger, .. } => {
            vec![format!("DROP TRIGGER {}", quote(&trigger.name))]
        }
        // A routine's definition is its whole statement, as introspection builds it. MariaDB
        // replaces one in place (`CREATE OR REPLACE`, since 10.1.3; MySQL 8 lacks it), so a view
        // calling it stays valid throughout.
        Operation::CreateFunction { function } => vec![function.definition.clone()],
        Operation::ReplaceFunction { to, .. } => vec![match to.definition.strip_prefix("CREATE ") {
            Some(rest) if !rest.starts_with("OR REPLACE ") => format!("CREATE OR REPLACE {rest}"),
            _ => to.definition.clone(),
        }],
        Operation::DropFunction { function } => vec![format!(
            "DROP {} {}",
            if function.procedure {
                "PROCEDURE"
            } else {
                "FUNCTION"
            },
            quote(&function.key.name.name)
        )],
        Operation::CreateEvent { event } => vec![crate::events::create_event(event)],
        Operation::DropEvent { event } => vec![crate::events::drop_event(event)],
        Operation::AlterEvent { from, to } => vec![crate::events::alter_event(from, to)],
        Operation::AlterTogether {
            table: name,
            operations,
        } => {
            // Each part renders as `ALTER TABLE t …` alone: its clauses, joined by commas.
            let prefix = format!("ALTER TABLE {} ", table(name));
            let mut clauses = Vec::new();
            for operation in operations {
                for statement in render(operation)? {
                    let clause = statement.strip_prefix(&prefix).ok_or_else(|| {
                        DatabaseError::new(format!(
                            "cannot {} in one ALTER TABLE with the rest",
                            operation.summary()
                        ))
                    })?;
                    clauses.push(clause.to_owned());
                }
            }
            vec![format!("{prefix}{}", clauses.join(",\n    "))]
        }
        Operation::RebuildTable { from, to } => {
            let temporary = format!("_retort_new_{}", to.name.name);
            let mut statements = create_table(
                &Table {
                    indexes: Vec::new(),
                    ..to.clone()
                },
                &temporary,
            );
            let common: Vec<String> = to
                .columns
                .iter()
                .filter(|c| from.column(&c.name).is_some() && c.generated.is_none())
                .map(|c| c.name.clone())
                .collect();
            statements.push(format!(
                "INSERT INTO {} ({}) SELECT {} FROM {}",
                quote(&temporary),
                columns(&common),
                columns(&common),
                table(&from.name)
            ));
            statements.push(format!("DROP TABLE {}", table(&from.name)));
            statements.push(format!(
                "RENAME TABLE {} TO {}",
                quote(&temporary),
                table(&to.name)
            ));
            statements.extend(to.indexes.iter().map(|i| i.definition.clone()));
            // Dropping the old table dropped its triggers: the declared ones go back.
            statements.extend(to.triggers.iter().map(|t| t.definition.clone()));
            statements
        }
    })
}
