//! One schema change. Renderers match on it exhaustively, so a new variant makes the compiler
//! list every dialect that must learn it.

use crate::dialect::Dialect;
use crate::schema::{
    Check, Column, Constraint, Extension, ForeignKey, Function, Grant, Index, Policy,
    QualifiedName, RowSecurity, Sequence, Table, Trigger, View,
};

/// A column whose type is an enum, with its default (which must be set aside while the type
/// is rebuilt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumColumn {
    pub table: QualifiedName,
    pub column: String,
    pub default: Option<String>,
}

/// An index or check that uses an enum type's columns: it must be dropped before the type is
/// rebuilt and created again after, or the rebuild fails on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumDependent {
    Index { table: QualifiedName, index: Index },
    Check { table: QualifiedName, check: Check },
}

/// A constraint of a table, whole: where a database cannot rename one (MySQL's foreign keys
/// and checks), it is dropped and added again under the new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableConstraint {
    PrimaryKey(Constraint),
    Unique(Constraint),
    Check(Check),
    ForeignKey(ForeignKey),
}

impl TableConstraint {
    pub fn name(&self) -> &str {
        match self {
            Self::PrimaryKey(c) | Self::Unique(c) => &c.name,
            Self::Check(c) => &c.name,
            Self::ForeignKey(k) => &k.name,
        }
    }

    /// The operations that drop it and add it again as `to`.
    pub fn drop_and_add(&self, table: &QualifiedName, to: &Self) -> [Operation; 2] {
        let table = table.clone();
        let drop = match self.clone() {
            Self::PrimaryKey(primary_key) => Operation::DropPrimaryKey {
                table: table.clone(),
                primary_key,
            },
            Self::Unique(unique) => Operation::DropUnique {
                table: table.clone(),
                unique,
            },
            Self::Check(check) => Operation::DropCheck {
                table: table.clone(),
                check,
            },
            Self::ForeignKey(foreign_key) => Operation::DropForeignKey {
                table: table.clone(),
                foreign_key,
            },
        };
        let add = match to.clone() {
            Self::PrimaryKey(primary_key) => Operation::AddPrimaryKey { table, primary_key },
            Self::Unique(unique) => Operation::AddUnique { table, unique },
            Self::Check(check) => Operation::AddCheck { table, check },
            Self::ForeignKey(foreign_key) => Operation::AddForeignKey { table, foreign_key },
        };
        [drop, add]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    CreateTable {
        table: Table,
    },
    DropTable {
        table: Table,
    },
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    DropColumn {
        table: QualifiedName,
        column: Column,
    },
    AlterColumn {
        table: QualifiedName,
        from: Column,
        to: Column,
    },
    SetTableComment {
        table: QualifiedName,
        from: Option<String>,
        to: Option<String>,
    },
    AddPrimaryKey {
        table: QualifiedName,
        primary_key: Constraint,
    },
    DropPrimaryKey {
        table: QualifiedName,
        primary_key: Constraint,
    },
    AddUnique {
        table: QualifiedName,
        unique: Constraint,
    },
    DropUnique {
        table: QualifiedName,
        unique: Constraint,
    },
    AddCheck {
        table: QualifiedName,
        check: Check,
    },
    DropCheck {
        table: QualifiedName,
        check: Check,
    },
    AddForeignKey {
        table: QualifiedName,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: QualifiedName,
        foreign_key: ForeignKey,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    CreateSchema {
        name: String,
    },
    DropSchema {
        name: String,
    },
    CreateSequence {
        name: QualifiedName,
        sequence: Sequence,
    },
    DropSequence {
        name: QualifiedName,
        sequence: Sequence,
    },
    AlterSequence {
        name: QualifiedName,
        from: Sequence,
        to: Sequence,
    },
    CreateEnum {
        name: QualifiedName,
        values: Vec<String>,
    },
    DropEnum {
        name: QualifiedName,
        values: Vec<String>,
    },
    /// Add `value` (at its place in `after`, the full list once added).
    AddEnumValue {
        name: QualifiedName,
        value: String,
        before: Vec<String>,
        after: Vec<String>,
        /// The columns using the type, and what uses them (needed to undo: removing a value
        /// is a rebuild).
        columns: Vec<EnumColumn>,
        dependents: Vec<EnumDependent>,
    },
    /// Replace an enum's labels when values go away or change order (PostgreSQL cannot drop an
    /// enum value): a new type, the `columns` using it converted through text, the old type
    /// dropped.
    RebuildEnum {
        name: QualifiedName,
        from: Vec<String>,
        to: Vec<String>,
        columns: Vec<EnumColumn>,
        dependents: Vec<EnumDependent>,
    },
    /// `confirmed` is false for a rename the diff guessed (a dropped and an added object that
    /// look alike): the file then asks the author to confirm.
    RenameTable {
        from: QualifiedName,
        to: QualifiedName,
        confirmed: bool,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
        confirmed: bool,
    },
    /// A constraint that differs from the declared one only by its name (a table was renamed,
    /// and the declared schema names its key after the new name).
    RenameConstraint {
        table: QualifiedName,
        from: TableConstraint,
        to: TableConstraint,
    },
    /// An index that differs from the declared one only by its name.
    RenameIndex {
        table: QualifiedName,
        from: Index,
        to: Index,
    },
    CreateView {
        view: View,
    },
    DropView {
        view: View,
    },
    CreateTrigger {
        table: QualifiedName,
        trigger: Trigger,
    },
    DropTrigger {
        table: QualifiedName,
        trigger: Trigger,
    },
    CreateExtension {
        extension: Extension,
    },
    DropExtension {
        extension: Extension,
    },
    /// Move an extension to another schema, or update it to another version.
    AlterExtension {
        from: Extension,
        to: Extension,
    },
    CreateFunction {
        function: Function,
    },
    DropFunction {
        function: Function,
    },
    /// `CREATE OR REPLACE` a function whose arguments and result stay the same.
    ReplaceFunction {
        from: Function,
        to: Function,
    },
    /// `ENABLE`/`DISABLE` and `FORCE`/`NO FORCE ROW LEVEL SECURITY`.
    SetRowSecurity {
        table: QualifiedName,
        from: RowSecurity,
        to: RowSecurity,
    },
    CreatePolicy {
        table: QualifiedName,
        policy: Policy,
    },
    DropPolicy {
        table: QualifiedName,
        policy: Policy,
    },
    /// `ALTER POLICY`: roles, `USING` or `WITH CHECK` change (the command and permissiveness
    /// stay, and no expression goes away).
    AlterPolicy {
        table: QualifiedName,
        from: Policy,
        to: Policy,
    },
    /// `GRANT privilege ON object TO grantee [WITH GRANT OPTION]`.
    GrantPrivilege {
        grant: Grant,
        with_grant_option: bool,
    },
    /// `REVOKE privilege ON object FROM grantee` (the grant option goes with it).
    RevokePrivilege {
        grant: Grant,
        with_grant_option: bool,
    },
    /// Give (`GRANT … WITH GRANT OPTION`) or take away (`REVOKE GRANT OPTION FOR …`) the right
    /// to pass on a privilege the grantee keeps.
    SetGrantOption {
        grant: Grant,
        with_grant_option: bool,
    },
    /// Replace a table by a copy with another definition, keeping the rows of the columns both
    /// have (SQLite's way to make changes `ALTER TABLE` cannot, Alembic's batch mode).
    RebuildTable {
        from: Table,
        to: Table,
    },
}

impl Operation {
    /// The operation that undoes this one.
    #[must_use]
    pub fn reverse(&self) -> Self {
        match self.clone() {
            Self::CreateTable { table } => Self::DropTable { table },
            Self::DropTable { table } => Self::CreateTable { table },
            Self::AddColumn { table, column } => Self::DropColumn { table, column },
            Self::DropColumn { table, column } => Self::AddColumn { table, column },
            Self::AlterColumn { table, from, to } => Self::AlterColumn {
                table,
                from: to,
                to: from,
            },
            Self::SetTableComment { table, from, to } => Self::SetTableComment {
                table,
                from: to,
                to: from,
            },
            Self::AddPrimaryKey { table, primary_key } => {
                Self::DropPrimaryKey { table, primary_key }
            }
            Self::DropPrimaryKey { table, primary_key } => {
                Self::AddPrimaryKey { table, primary_key }
            }
            Self::AddUnique { table, unique } => Self::DropUnique { table, unique },
            Self::DropUnique { table, unique } => Self::AddUnique { table, unique },
            Self::AddCheck { table, check } => Self::DropCheck { table, check },
            Self::DropCheck { table, check } => Self::AddCheck { table, check },
            Self::AddForeignKey { table, foreign_key } => {
                Self::DropForeignKey { table, foreign_key }
            }
            Self::DropForeignKey { table, foreign_key } => {
                Self::AddForeignKey { table, foreign_key }
            }
            Self::CreateIndex { table, index } => Self::DropIndex { table, index },
            Self::DropIndex { table, index } => Self::CreateIndex { table, index },
            Self::RebuildTable { from, to } => Self::RebuildTable { from: to, to: from },
            Self::CreateView { view } => Self::DropView { view },
            Self::DropView { view } => Self::CreateView { view },
            Self::CreateTrigger { table, trigger } => Self::DropTrigger { table, trigger },
            Self::DropTrigger { table, trigger } => Self::CreateTrigger { table, trigger },
            Self::RenameConstraint { table, from, to } => Self::RenameConstraint {
                table,
                from: to,
                to: from,
            },
            Self::RenameIndex { table, from, to } => Self::RenameIndex {
                table,
                from: to,
                to: from,
            },
            Self::CreateExtension { extension } => Self::DropExtension { extension },
            Self::DropExtension { extension } => Self::CreateExtension { extension },
            Self::AlterExtension { from, to } => Self::AlterExtension { from: to, to: from },
            Self::CreateFunction { function } => Self::DropFunction { function },
            Self::DropFunction { function } => Self::CreateFunction { function },
            Self::ReplaceFunction { from, to } => Self::ReplaceFunction { from: to, to: from },
            Self::SetRowSecurity { table, from, to } => Self::SetRowSecurity {
                table,
                from: to,
                to: from,
            },
            Self::CreatePolicy { table, policy } => Self::DropPolicy { table, policy },
            Self::DropPolicy { table, policy } => Self::CreatePolicy { table, policy },
            Self::AlterPolicy { table, from, to } => Self::AlterPolicy {
                table,
                from: to,
                to: from,
            },
            Self::CreateSchema { name } => Self::DropSchema { name },
            Self::DropSchema { name } => Self::CreateSchema { name },
            Self::GrantPrivilege {
                grant,
                with_grant_option,
            } => Self::RevokePrivilege {
                grant,
                with_grant_option,
            },
            Self::RevokePrivilege {
                grant,
                with_grant_option,
            } => Self::GrantPrivilege {
                grant,
                with_grant_option,
            },
            Self::SetGrantOption {
                grant,
                with_grant_option,
            } => Self::SetGrantOption {
                grant,
                with_grant_option: !with_grant_option,
            },
            Self::CreateSequence { name, sequence } => Self::DropSequence { name, sequence },
            Self::DropSequence { name, sequence } => Self::CreateSequence { name, sequence },
            Self::AlterSequence { name, from, to } => Self::AlterSequence {
                name,
                from: to,
                to: from,
            },
            Self::CreateEnum { name, values } => Self::DropEnum { name, values },
            Self::DropEnum { name, values } => Self::CreateEnum { name, values },
            Self::AddEnumValue {
                name,
                before,
                after,
                columns,
                dependents,
                ..
            } => Self::RebuildEnum {
                name,
                from: after,
                to: before,
                columns,
                dependents,
            },
            Self::RebuildEnum {
                name,
                from,
                to,
                columns,
                dependents,
            } => Self::RebuildEnum {
                name,
                from: to,
                to: from,
                columns,
                dependents,
            },
            Self::RenameTable {
                from,
                to,
                confirmed,
            } => Self::RenameTable {
                from: to,
                to: from,
                confirmed,
            },
            Self::RenameColumn {
                table,
                from,
                to,
                confirmed,
            } => Self::RenameColumn {
                table,
                from: to,
                to: from,
                confirmed,
            },
        }
    }

    /// Why this operation loses data, if it does (marked in the file and listed on stderr).
    /// Whether a type change keeps every value is the dialect's to say.
    pub fn destructive(&self, dialect: &dyn Dialect) -> Option<String> {
        match self {
            Self::DropTable { table } => Some(format!("drops table {} and its rows", table.name)),
            Self::DropColumn { table, column } => Some(format!("drops column {table}.{} and its values", column.name)),
            Self::RebuildEnum { name, from, to, .. } => {
                let removed: Vec<&str> = from.iter().filter(|v| !to.contains(v)).map(String::as_str).collect();
                (!removed.is_empty()).then(|| format!("removes value(s) {} from enum type {name}; rows holding them fail the conversion", removed.join(", ")))
            }
            Self::RebuildTable { from, to } => {
                let dropped: Vec<&str> = from.columns.iter().filter(|c| to.column(&c.name).is_none()).map(|c| c.name.as_str()).collect();
                (!dropped.is_empty()).then(|| format!("rebuilds table {} without column(s) {}", to.name, dropped.join(", ")))
            }
            Self::AlterColumn { table, from, to } if from.data_type != to.data_type && !dialect.widens(&from.data_type, &to.data_type) => Some(format!(
                "changes the type of {table}.{} from {} to {}; values that do not fit are lost or refused",
                to.name, from.data_type, to.data_type
            )),
            _ => None,
        }
    }

    /// A rename the diff guessed from look-alike objects, which the author must confirm.
    pub fn is_guessed_rename(&self) -> bool {
        matches!(
            self,
            Self::RenameTable {
                confirmed: false,
                ..
            } | Self::RenameColumn {
                confirmed: false,
                ..
            }
        )
    }

    /// A short description for summaries (`add column users.email`).
    pub fn summary(&self) -> String {
        match self {
            Self::CreateTable { table } => format!("create table {}", table.name),
            Self::DropTable { table } => format!("drop table {}", table.name),
            Self::AddColumn { table, column } => format!("add column {table}.{}", column.name),
            Self::DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            Self::AlterColumn { table, from, to } => format!(
                "alter column {table}.{}: {}",
                to.name,
                column_changes(from, to).join(", ")
            ),
            Self::SetTableComment { table, from, to } => format!(
                "set the comment of {table}: {}",
                change("comment", from.as_deref(), to.as_deref())
            ),
            Self::AddPrimaryKey { table, primary_key } => {
                format!("add primary key {} on {table}", primary_key.name)
            }
            Self::DropPrimaryKey { table, primary_key } => {
                format!("drop primary key {} on {table}", primary_key.name)
            }
            Self::AddUnique { table, unique } => {
                format!("add unique constraint {} on {table}", unique.name)
            }
            Self::DropUnique { table, unique } => {
                format!("drop unique constraint {} on {table}", unique.name)
            }
            Self::AddCheck { table, check } => {
                format!("add check constraint {} on {table}", check.name)
            }
            Self::DropCheck { table, check } => {
                format!("drop check constraint {} on {table}", check.name)
            }
            Self::AddForeignKey { table, foreign_key } => {
                format!("add foreign key {} on {table}", foreign_key.name)
            }
            Self::DropForeignKey { table, foreign_key } => {
                format!("drop foreign key {} on {table}", foreign_key.name)
            }
            Self::CreateIndex { table, index } => format!("create index {} on {table}", index.name),
            Self::DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            Self::RebuildTable { from, to } => {
                let mut lines = vec![format!("rebuild table {}", to.name)];
                lines.extend(
                    rebuild_changes(from, to)
                        .into_iter()
                        .map(|c| format!("  {c}")),
                );
                lines.join("\n")
            }
            Self::CreateView { view } => format!("create view {}", view.name),
            Self::DropView { view } => format!("drop view {}", view.name),
            Self::CreateTrigger { table, trigger } => {
                format!("create trigger {} on {table}", trigger.name)
            }
            Self::DropTrigger { table, trigger } => {
                format!("drop trigger {} on {table}", trigger.name)
            }
            Self::RenameConstraint { table, from, to } => {
                format!(
                    "rename constraint {} to {} on {table}",
                    from.name(),
                    to.name()
                )
            }
            Self::RenameIndex { table, from, to } => {
                format!("rename index {} to {} on {table}", from.name, to.name)
            }
            Self::CreateExtension { extension } => format!(
                "create extension {} (schema {}, version {})",
                extension.name, extension.schema, extension.version
            ),
            Self::DropExtension { extension } => format!("drop extension {}", extension.name),
            Self::AlterExtension { from, to } => {
                let mut changes = Vec::new();
                if from.schema != to.schema {
                    changes.push(change("schema", Some(&from.schema), Some(&to.schema)));
                }
                if from.version != to.version {
                    changes.push(change("version", Some(&from.version), Some(&to.version)));
                }
                format!("alter extension {}: {}", to.name, changes.join(", "))
            }
            Self::CreateFunction { function } => {
                format!("create {} {}", routine_kind(function), function.key)
            }
            Self::DropFunction { function } => {
                format!("drop {} {}", routine_kind(function), function.key)
            }
            Self::ReplaceFunction { from, to } => format!(
                "replace {} {}: {}",
                routine_kind(to),
                to.key,
                function_changes(from, to).join(", ")
            ),
            Self::SetRowSecurity { table, from, to } => {
                let state = |security: &RowSecurity| match (security.enabled, security.forced) {
                    (false, false) => "disabled",
                    (true, false) => "enabled",
                    (false, true) => "forced but disabled",
                    (true, true) => "enabled and forced",
                };
                format!(
                    "set row level security on {table}: {} → {}",
                    state(from),
                    state(to)
                )
            }
            Self::CreatePolicy { table, policy } => {
                format!("create policy {} on {table}", policy.name)
            }
            Self::DropPolicy { table, policy } => format!("drop policy {} on {table}", policy.name),
            Self::AlterPolicy { table, from, to } => format!(
                "alter policy {} on {table}: {}",
                to.name,
                policy_changes(from, to).join(", ")
            ),
            Self::CreateSchema { name } => format!("create schema {name}"),
            Self::DropSchema { name } => format!("drop schema {name}"),
            Self::GrantPrivilege {
                grant,
                with_grant_option,
            } => format!(
                "grant {grant}{}",
                if *with_grant_option {
                    " with grant option"
                } else {
                    ""
                }
            ),
            Self::RevokePrivilege { grant, .. } => format!(
                "revoke {} on {} from {}",
                grant.privilege, grant.object, grant.grantee
            ),
            Self::SetGrantOption {
                grant,
                with_grant_option,
            } => format!(
                "{} the grant option of {grant}",
                if *with_grant_option {
                    "give"
                } else {
                    "take away"
                }
            ),
            Self::CreateSequence { name, .. } => format!("create sequence {name}"),
            Self::DropSequence { name, .. } => format!("drop sequence {name}"),
            Self::AlterSequence { name, from, to } => {
                format!(
                    "alter sequence {name}: {}",
                    sequence_changes(from, to).join(", ")
                )
            }
            Self::CreateEnum { name, .. } => format!("create enum type {name}"),
            Self::DropEnum { name, .. } => format!("drop enum type {name}"),
            Self::AddEnumValue { name, value, .. } => {
                format!("add value '{value}' to enum type {name}")
            }
            Self::RebuildEnum { name, .. } => format!("change the values of enum type {name}"),
            Self::RenameTable { from, to, .. } => format!("rename table {from} to {}", to.name),
            Self::RenameColumn {
                table, from, to, ..
            } => format!("rename column {table}.{from} to {to}"),
        }
    }
}

/// `what old → new`, with `none` for a missing value.
fn change(what: &str, from: Option<&str>, to: Option<&str>) -> String {
    format!(
        "{what} {} → {}",
        from.unwrap_or("none"),
        to.unwrap_or("none")
    )
}

fn routine_kind(function: &Function) -> &'static str {
    if function.procedure {
        "procedure"
    } else {
        "function"
    }
}

/// What differs between two definitions of a function: each header line (`LANGUAGE`,
/// volatility, `SECURITY DEFINER`, `STRICT`, `SET`, the result) old → new, and whether the
/// body changed.
fn function_changes(from: &Function, to: &Function) -> Vec<String> {
    // `pg_get_functiondef` prints the signature, then one property per line (indented by a
    // space), then the body (`AS $function$…`, `BEGIN ATOMIC …`, `RETURN …`).
    let split = |definition: &str| -> (Vec<String>, String) {
        let mut lines = definition.lines().skip(1).peekable();
        let mut header = Vec::new();
        while let Some(line) = lines.next_if(|l| l.starts_with(' ')) {
            header.push(line.trim().to_owned());
        }
        (header, lines.collect::<Vec<_>>().join("\n"))
    };
    let (old_header, old_body) = split(&from.definition);
    let (new_header, new_body) = split(&to.definition);
    let removed: Vec<&str> = old_header
        .iter()
        .filter(|l| !new_header.contains(l))
        .map(String::as_str)
        .collect();
    let added: Vec<&str> = new_header
        .iter()
        .filter(|l| !old_header.contains(l))
        .map(String::as_str)
        .collect();
    let mut changes = Vec::new();
    if !removed.is_empty() || !added.is_empty() {
        let side = |lines: &[&str]| {
            if lines.is_empty() {
                "none".to_owned()
            } else {
                lines.join(" ")
            }
        };
        changes.push(format!("{} → {}", side(&removed), side(&added)));
    }
    if old_body != new_body {
        changes.push("body changed".to_owned());
    }
    if changes.is_empty() {
        changes.push("definition changed".to_owned());
    }
    changes
}

/// Every property of a policy that changes, old → new.
pub fn policy_changes(from: &Policy, to: &Policy) -> Vec<String> {
    let mut changes = Vec::new();
    let kind = |permissive| {
        if permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        }
    };
    if from.permissive != to.permissive {
        changes.push(format!(
            "{} → {}",
            kind(from.permissive),
            kind(to.permissive)
        ));
    }
    if from.command != to.command {
        changes.push(change("command", Some(&from.command), Some(&to.command)));
    }
    if from.roles != to.roles {
        changes.push(change(
            "roles",
            Some(&from.roles.join(", ")),
            Some(&to.roles.join(", ")),
        ));
    }
    if from.using != to.using {
        changes.push(change("USING", from.using.as_deref(), to.using.as_deref()));
    }
    if from.with_check != to.with_check {
        changes.push(change(
            "WITH CHECK",
            from.with_check.as_deref(),
            to.with_check.as_deref(),
        ));
    }
    changes
}

/// Every property of a column that changes, old → new.
fn column_changes(from: &Column, to: &Column) -> Vec<String> {
    let mut changes = Vec::new();
    if from.data_type != to.data_type {
        changes.push(change("type", Some(&from.data_type), Some(&to.data_type)));
    }
    if from.nullable != to.nullable {
        let nullability = |nullable| if nullable { "NULL" } else { "NOT NULL" };
        changes.push(format!(
            "{} → {}",
            nullability(from.nullable),
            nullability(to.nullable)
        ));
    }
    let properties: [(&str, &Option<String>, &Option<String>); 5] = [
        ("default", &from.default, &to.default),
        ("identity", &from.identity, &to.identity),
        ("generated", &from.generated, &to.generated),
        ("collation", &from.collation, &to.collation),
        ("comment", &from.comment, &to.comment),
    ];
    for (what, before, after) in properties {
        if before != after {
            changes.push(change(what, before.as_deref(), after.as_deref()));
        }
    }
    changes
}

/// Every option of a sequence that changes, old → new.
fn sequence_changes(from: &Sequence, to: &Sequence) -> Vec<String> {
    let options: [(&str, String, String); 6] = [
        ("type", from.data_type.clone(), to.data_type.clone()),
        (
            "increment",
            from.increment.to_string(),
            to.increment.to_string(),
        ),
        ("minvalue", from.minimum.to_string(), to.minimum.to_string()),
        ("maxvalue", from.maximum.to_string(), to.maximum.to_string()),
        ("start", from.start.to_string(), to.start.to_string()),
        ("cycle", from.cycle.to_string(), to.cycle.to_string()),
    ];
    options
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(what, before, after)| format!("{what} {before} → {after}"))
        .collect()
}

/// What a table rebuild changes, one line each: columns added, dropped or altered (old → new),
/// and the keys, checks and indexes that differ.
fn rebuild_changes(from: &Table, to: &Table) -> Vec<String> {
    let mut changes = Vec::new();
    for column in &to.columns {
        match from.column(&column.name) {
            None => changes.push(format!("add column {}", column.name)),
            Some(before) if before != column => changes.push(format!(
                "alter column {}: {}",
                column.name,
                column_changes(before, column).join(", ")
            )),
            Some(_) => {}
        }
    }
    for column in &from.columns {
        if to.column(&column.name).is_none() {
            changes.push(format!("drop column {}", column.name));
        }
    }
    let differing: [(&str, bool); 7] = [
        ("primary key", from.primary_key != to.primary_key),
        ("unique constraints", from.uniques != to.uniques),
        ("check constraints", from.checks != to.checks),
        ("foreign keys", from.foreign_keys != to.foreign_keys),
        ("indexes", from.indexes != to.indexes),
        ("triggers", from.triggers != to.triggers),
        ("policies", from.policies != to.policies),
    ];
    for (what, differs) in differing {
        if differs {
            changes.push(format!("{what} as declared"));
        }
    }
    changes
}
