//! One schema change. Renderers match on it exhaustively, so a new variant makes the compiler
//! list every dialect that must learn it.

use super::object_comments::CommentedObject;
use crate::dialect::Dialect;
use crate::schema::{
    Check, Column, CompositeType, Constraint, Domain, Event, Extension, ForeignKey, Function,
    Grant, Index, MaterializedView, Policy, QualifiedName, RowSecurity, Sequence, Table,
    TableStorage, Trigger, View,
};

/// A column whose type is an enum, with its default (which must be set aside while the type
/// is rebuilt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumColumn {
    pub table: QualifiedName,
    pub column: String,
    pub default: Option<String>,
    /// Whether the column holds arrays of the type (converted element by element).
    pub array: bool,
}

/// Whether `CREATE OR REPLACE VIEW` takes `from` to `to`: PostgreSQL keeps a view's columns
/// and lets new ones follow them, never fewer or others.
pub fn replaced_in_place(from: &View, to: &View) -> bool {
    to.columns.starts_with(&from.columns)
}

/// An index, check or policy that uses an enum type's columns: it must be dropped before the
/// type is rebuilt and created again after, or the rebuild fails on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumDependent {
    Index {
        table: QualifiedName,
        index: Index,
    },
    Check {
        table: QualifiedName,
        check: Check,
    },
    Policy {
        table: QualifiedName,
        policy: Policy,
    },
}

/// Where an added column goes among its table's columns, where the database would otherwise
/// append it: MySQL/MariaDB's `ADD COLUMN … FIRST` and `ADD COLUMN … AFTER c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnPosition {
    First,
    /// Just after this column, which exists when the column is added.
    After(String),
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

    /// Whether it was added without checking the rows already there (PostgreSQL's `NOT
    /// VALID`; only checks and foreign keys can be).
    pub fn not_valid(&self) -> bool {
        match self {
            Self::PrimaryKey(_) | Self::Unique(_) => false,
            Self::Check(check) => check.not_valid(),
            Self::ForeignKey(foreign_key) => foreign_key.not_valid,
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

// A rebuild carries two whole tables, larger than any other variant. A revision holds a handful
// of operations, so the size costs nothing; boxing the tables would change every dialect's
// renderer and the tests that build rebuilds, for no gain.
#[allow(clippy::large_enum_variant)]
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
        /// `None`: at the end, where every database but MySQL/MariaDB puts an added column
        /// anyway. The diff always leaves it `None`; only MySQL's `adapt` sets it, to the place
        /// the target schema declares when that is not the end (`ALTER TABLE … ADD COLUMN`
        /// appends, so the column would not be where loading the schema puts it). Other
        /// dialects do not read it.
        position: Option<ColumnPosition>,
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
    /// A table's default collation (MySQL/MariaDB), `None` for the database's.
    SetTableCollation {
        table: QualifiedName,
        from: Option<String>,
        to: Option<String>,
    },
    /// A table's engine and create options (MySQL/MariaDB), changed together in one
    /// `ALTER TABLE`: an engine change may need options the old engine had reset in the same
    /// statement (InnoDB refuses `ROW_FORMAT=FIXED`).
    SetTableStorage {
        table: QualifiedName,
        from: TableStorage,
        to: TableStorage,
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
    /// A check or foreign key that differs from the declared one only by PostgreSQL's `NOT
    /// VALID`: validated in place (`VALIDATE CONSTRAINT`, which checks the rows without
    /// blocking writes); made `NOT VALID` again by dropping it and adding it back unchecked.
    SetConstraintValidity {
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
    /// `CREATE OR REPLACE VIEW`: a new query whose columns begin with those of the old one
    /// (names, types, collations; more may follow, as PostgreSQL allows), so the view keeps its
    /// privileges, triggers, rules and the views that read it. Reversed, where columns would go
    /// away, it is a drop and a create (the diff adds columns only to a view nothing else
    /// reads) that gives back `privileges`, the view's live ones.
    ReplaceView {
        from: View,
        to: View,
        privileges: Vec<(Grant, bool)>,
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
    CreateEvent {
        event: Event,
    },
    DropEvent {
        event: Event,
    },
    /// `ALTER EVENT` with the clauses that change.
    AlterEvent {
        from: Event,
        to: Event,
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
    /// `COMMENT ON [MATERIALIZED] VIEW`: the view itself stays.
    SetViewComment {
        view: QualifiedName,
        materialized: bool,
        from: Option<String>,
        to: Option<String>,
    },
    /// `COMMENT ON INDEX|CONSTRAINT|TRIGGER|POLICY|SEQUENCE`: the object itself stays.
    SetComment {
        object: CommentedObject,
        from: Option<String>,
        to: Option<String>,
    },
    /// With its indexes.
    CreateMaterializedView {
        view: MaterializedView,
    },
    DropMaterializedView {
        view: MaterializedView,
    },
    CreateDomain {
        domain: Domain,
    },
    DropDomain {
        domain: Domain,
    },
    /// `ALTER DOMAIN`: its default, `NOT NULL` or checks change (its base type and collation
    /// stay).
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    /// A new base type or collation, which `ALTER DOMAIN` cannot change: the domain is dropped
    /// and created again. `columns` (`table.column`) use it: their values would go with it, so
    /// the renderer refuses by name while any does.
    ReplaceDomain {
        from: Domain,
        to: Domain,
        columns: Vec<String>,
    },
    CreateCompositeType {
        composite: CompositeType,
    },
    DropCompositeType {
        composite: CompositeType,
    },
    /// Attributes added, dropped or retyped (`ALTER TYPE … ADD/DROP/ALTER ATTRIBUTE`), or, when
    /// that cannot give `to`'s order, the type dropped and created again. `columns`
    /// (`table.column`) use the type: the renderer refuses what would lose their values or what
    /// the server refuses for them (a retyped attribute, a drop and create).
    AlterCompositeType {
        from: CompositeType,
        to: CompositeType,
        columns: Vec<String>,
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
    /// have (SQLite's way to make changes `ALTER TABLE` cannot, Alembic's batch mode). The diff
    /// makes one only for a change of [`Table::options`](crate::schema::Table::options), which
    /// no `ALTER TABLE` makes; a dialect's `adapt` makes the others.
    RebuildTable {
        from: Table,
        to: Table,
    },
    /// Alterations of one table that the database takes only in one statement (MySQL: an
    /// `AUTO_INCREMENT` column and the key it needs). Made by a dialect's `adapt`, never by the
    /// diff.
    AlterTogether {
        table: QualifiedName,
        operations: Vec<Operation>,
    },
}

impl Operation {
    /// The operation that undoes this one.
    #[must_use]
    pub fn reverse(&self) -> Self {
        match self.clone() {
            Self::CreateTable { table } => Self::DropTable { table },
            Self::DropTable { table } => Self::CreateTable { table },
            Self::AddColumn { table, column, .. } => Self::DropColumn { table, column },
            // Where it goes back is the dialect's to say (see `position`).
            Self::DropColumn { table, column } => Self::AddColumn {
                table,
                column,
                position: None,
            },
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
            Self::SetTableCollation { table, from, to } => Self::SetTableCollation {
                table,
                from: to,
                to: from,
            },
            Self::SetTableStorage { table, from, to } => Self::SetTableStorage {
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
            Self::AlterTogether { table, operations } => Self::AlterTogether {
                table,
                operations: operations.iter().rev().map(Self::reverse).collect(),
            },
            Self::CreateView { view } => Self::DropView { view },
            Self::DropView { view } => Self::CreateView { view },
            Self::ReplaceView {
                from,
                to,
                privileges,
            } => Self::ReplaceView {
                from: to,
                to: from,
                privileges,
            },
            Self::CreateTrigger { table, trigger } => Self::DropTrigger { table, trigger },
            Self::DropTrigger { table, trigger } => Self::CreateTrigger { table, trigger },
            Self::RenameConstraint { table, from, to } => Self::RenameConstraint {
                table,
                from: to,
                to: from,
            },
            Self::SetConstraintValidity { table, from, to } => Self::SetConstraintValidity {
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
            Self::CreateEvent { event } => Self::DropEvent { event },
            Self::DropEvent { event } => Self::CreateEvent { event },
            Self::AlterEvent { from, to } => Self::AlterEvent { from: to, to: from },
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
            Self::SetViewComment {
                view,
                materialized,
                from,
                to,
            } => Self::SetViewComment {
                view,
                materialized,
                from: to,
                to: from,
            },
            Self::SetComment { object, from, to } => Self::SetComment {
                object,
                from: to,
                to: from,
            },
            Self::CreateMaterializedView { view } => Self::DropMaterializedView { view },
            Self::DropMaterializedView { view } => Self::CreateMaterializedView { view },
            Self::CreateCompositeType { composite } => Self::DropCompositeType { composite },
            Self::DropCompositeType { composite } => Self::CreateCompositeType { composite },
            Self::AlterCompositeType { from, to, columns } => Self::AlterCompositeType {
                from: to,
                to: from,
                columns,
            },
            Self::CreateDomain { domain } => Self::DropDomain { domain },
            Self::DropDomain { domain } => Self::CreateDomain { domain },
            Self::AlterDomain { from, to } => Self::AlterDomain { from: to, to: from },
            Self::ReplaceDomain { from, to, columns } => Self::ReplaceDomain {
                from: to,
                to: from,
                columns,
            },
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
            Self::DropSequence { name, .. } => Some(format!("drops sequence {name} and where it counts to: created again, it starts over")),
            Self::AlterCompositeType { from, to, columns } if !columns.is_empty() => {
                let dropped: Vec<&str> = from.attributes.iter().filter(|a| !to.attributes.iter().any(|b| b.name == a.name)).map(|a| a.name.as_str()).collect();
                (!dropped.is_empty()).then(|| format!("drops attribute(s) {} of composite type {} and their values in column(s) {}", dropped.join(", "), to.name, columns.join(", ")))
            }
            Self::RebuildEnum { name, from, to, .. } => {
                let removed: Vec<&str> = from.iter().filter(|v| !to.contains(v)).map(String::as_str).collect();
                (!removed.is_empty()).then(|| format!("removes value(s) {} from enum type {name}; rows holding them fail the conversion", removed.join(", ")))
            }
            Self::RebuildTable { from, to } => {
                let dropped: Vec<&str> = from.columns.iter().filter(|c| to.column(&c.name).is_none()).map(|c| c.name.as_str()).collect();
                // A plain column that becomes generated: its values give way to the expression's.
                let computed: Vec<&str> = to.columns.iter().filter(|c| c.generated.is_some() && from.column(&c.name).is_some_and(|b| b.generated.is_none())).map(|c| c.name.as_str()).collect();
                let mut reasons = Vec::new();
                if !dropped.is_empty() {
                    reasons.push(format!("rebuilds table {} without column(s) {}", to.name, dropped.join(", ")));
                }
                if !computed.is_empty() {
                    reasons.push(format!("rebuilds table {} with column(s) {} generated: their values are replaced by the expression's", to.name, computed.join(", ")));
                }
                (!reasons.is_empty()).then(|| reasons.join("; "))
            }
            Self::SetTableStorage { table, from, to } => storage_loss(table, from, to),
            Self::AlterTogether { operations, .. } => {
                let reasons: Vec<String> = operations.iter().filter_map(|o| o.destructive(dialect)).collect();
                (!reasons.is_empty()).then(|| reasons.join("; "))
            }
            Self::AlterColumn { table, from, to } if from.generated.is_none() && to.generated.is_some() => Some(format!(
                "makes {table}.{} a generated column: its values are replaced by the expression's",
                to.name
            )),
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
            Self::AddColumn { table, column, .. } => {
                format!("add column {table}.{}", column.name)
            }
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
            Self::SetTableCollation { table, from, to } => format!(
                "set the default collation of {table}: {}",
                change("collation", from.as_deref(), to.as_deref())
            ),
            Self::SetTableStorage { table, from, to } => {
                format!("alter table {table}: {}", storage_changes(from, to))
            }
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
                format!("add {} {} on {table}", check_kind(check), check.name)
            }
            Self::DropCheck { table, check } => {
                format!("drop {} {} on {table}", check_kind(check), check.name)
            }
            Self::AddForeignKey { table, foreign_key } => {
                format!("add foreign key {} on {table}", foreign_key.name)
            }
            Self::DropForeignKey { table, foreign_key } => {
                format!("drop foreign key {} on {table}", foreign_key.name)
            }
            Self::CreateIndex { table, index } => format!("create index {} on {table}", index.name),
            Self::DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            Self::AlterTogether { operations, .. } => operations
                .iter()
                .map(Self::summary)
                .collect::<Vec<_>>()
                .join(", with "),
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
            Self::ReplaceView { from, to, .. } if !replaced_in_place(from, to) => format!(
                "drop and create view {}: its query, without its last column(s)",
                to.name
            ),
            Self::ReplaceView { from, to, .. } if from.columns != to.columns => format!(
                "replace view {}: its query, with new column(s) at its end",
                to.name
            ),
            Self::ReplaceView { to, .. } => {
                format!("replace view {}: its query (the same columns)", to.name)
            }
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
            Self::SetConstraintValidity { table, to, .. } if to.not_valid() => format!(
                "make constraint {} on {table} NOT VALID (dropped and added again without checking rows)",
                to.name()
            ),
            Self::SetConstraintValidity { table, to, .. } => {
                format!("validate constraint {} on {table}", to.name())
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
                format!(
                    "create {} {}",
                    routine_kind(function),
                    routine_label(function)
                )
            }
            Self::DropFunction { function } => {
                format!(
                    "drop {} {}",
                    routine_kind(function),
                    routine_label(function)
                )
            }
            Self::ReplaceFunction { from, to } => format!(
                "replace {} {}: {}",
                routine_kind(to),
                routine_label(to),
                function_changes(from, to).join(", ")
            ),
            Self::CreateEvent { event } => format!("create event {}", event.name),
            Self::DropEvent { event } => format!("drop event {}", event.name),
            Self::AlterEvent { from, to } => format!(
                "alter event {}: {}",
                to.name,
                event_changes(from, to).join(", ")
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
            Self::SetViewComment {
                view,
                materialized,
                from,
                to,
            } => format!(
                "set the comment of {}view {view}: {}",
                if *materialized { "materialized " } else { "" },
                change("comment", from.as_deref(), to.as_deref())
            ),
            Self::SetComment { object, from, to } => format!(
                "set the comment of {object}: {}",
                change("comment", from.as_deref(), to.as_deref())
            ),
            Self::CreateMaterializedView { view } => format!(
                "create materialized view {} ({})",
                view.name,
                if view.with_data {
                    "WITH DATA: its query runs now to fill it, which takes as long as the query"
                } else {
                    "WITH NO DATA: empty until REFRESH MATERIALIZED VIEW"
                }
            ),
            Self::DropMaterializedView { view } => format!(
                "drop materialized view {} (its rows are derived from its query, not lost: computed again when it is created)",
                view.name
            ),
            Self::CreateCompositeType { composite } => {
                format!("create composite type {}", composite.name)
            }
            Self::DropCompositeType { composite } => {
                format!("drop composite type {}", composite.name)
            }
            Self::AlterCompositeType { from, to, .. } => format!(
                "alter composite type {}: {}",
                to.name,
                attribute_changes(from, to).join(", ")
            ),
            Self::CreateDomain { domain } => format!("create domain {}", domain.name),
            Self::DropDomain { domain } => format!("drop domain {}", domain.name),
            Self::AlterDomain { from, to } => format!(
                "alter domain {}: {}",
                to.name,
                domain_changes(from, to).join(", ")
            ),
            Self::ReplaceDomain { from, to, .. } => format!(
                "replace domain {} (dropped and created again): {}",
                to.name,
                domain_changes(from, to).join(", ")
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
            // Values only added (the revision uses them, or the downgrade of a removal).
            Self::RebuildEnum { name, from, to, .. } if from.iter().all(|v| to.contains(v)) => {
                let added: Vec<&str> = to
                    .iter()
                    .filter(|v| !from.contains(v))
                    .map(String::as_str)
                    .collect();
                format!(
                    "add value(s) {} to enum type {name}, as a new type (whose values the same transaction can use)",
                    added.join(", ")
                )
            }
            Self::RebuildEnum { name, .. } => format!("change the values of enum type {name}"),
            Self::RenameTable { from, to, .. } => format!("rename table {from} to {}", to.name),
            Self::RenameColumn {
                table, from, to, ..
            } => format!("rename column {table}.{from} to {to}"),
        }
    }
}

/// Why moving a table to another engine loses rows, if it does: BLACKHOLE keeps none, MEMORY
/// keeps them only until the server restarts.
fn storage_loss(table: &QualifiedName, from: &TableStorage, to: &TableStorage) -> Option<String> {
    let engine = to.engine_name();
    if engine.eq_ignore_ascii_case(from.engine_name()) {
        return None;
    }
    if engine.eq_ignore_ascii_case("BLACKHOLE") {
        Some(format!(
            "moves table {table} to ENGINE=BLACKHOLE, which keeps no rows: every row of {table} is discarded, and so is every row written later"
        ))
    } else if engine.eq_ignore_ascii_case("MEMORY") {
        Some(format!(
            "moves table {table} to ENGINE=MEMORY, which keeps rows in memory only: every row of {table} is lost when the server restarts"
        ))
    } else {
        None
    }
}

/// The options that make MariaDB copy the table into a new file when they change (the others,
/// such as `STATS_PERSISTENT`, change only what the server records about it).
const REWRITING_OPTIONS: [&str; 9] = [
    "ROW_FORMAT",
    "KEY_BLOCK_SIZE",
    "PAGE_COMPRESSED",
    "PAGE_COMPRESSION_LEVEL",
    "ENCRYPTED",
    "ENCRYPTION_KEY_ID",
    "CHECKSUM",
    "PACK_KEYS",
    "TRANSACTIONAL",
];

/// `engine InnoDB → MyISAM, ROW_FORMAT none → COMPRESSED (rewrites the table)`.
fn storage_changes(from: &TableStorage, to: &TableStorage) -> String {
    let mut changes = Vec::new();
    if from.engine_name() != to.engine_name() {
        changes.push(change(
            "engine",
            Some(from.engine_name()),
            Some(to.engine_name()),
        ));
    }
    let mut names: Vec<&str> = from.option_names().chain(to.option_names()).collect();
    names.sort_unstable();
    names.dedup();
    let mut rewrites = !changes.is_empty();
    for name in names {
        let (before, after) = (from.option(name), to.option(name));
        if before != after {
            changes.push(change(name, before, after));
            rewrites |= REWRITING_OPTIONS.contains(&name);
        }
    }
    let mut text = changes.join(", ");
    if rewrites {
        text.push_str(" (rewrites the table: every row is copied)");
    }
    text
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

/// A routine as summaries name it: by its key, or, where the key holds no argument types (a
/// dialect without overloads, MariaDB), with its parameters.
fn routine_label(function: &Function) -> String {
    if function.key.arguments.is_empty() && !function.full_arguments.is_empty() {
        format!("{}({})", function.key.name, function.full_arguments)
    } else {
        function.key.to_string()
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
    if from.comment != to.comment {
        changes.push(change(
            "comment",
            from.comment.as_deref(),
            to.comment.as_deref(),
        ));
    }
    if changes.is_empty() {
        changes.push("definition changed".to_owned());
    }
    changes
}

/// Every clause of an event that changes, old → new (the body only as changed).
fn event_changes(from: &Event, to: &Event) -> Vec<String> {
    let start = |event: &Event| {
        event.starts.as_ref().map(|start| {
            if start.given {
                start.at.clone()
            } else {
                "when created".to_owned()
            }
        })
    };
    let mut changes = Vec::new();
    if from.schedule != to.schedule {
        changes.push(change("schedule", Some(&from.schedule), Some(&to.schedule)));
    }
    let (old_start, new_start) = (start(from), start(to));
    if old_start != new_start {
        changes.push(change("starts", old_start.as_deref(), new_start.as_deref()));
    }
    let properties: [(&str, Option<&str>, Option<&str>); 4] = [
        ("ends", from.ends.as_deref(), to.ends.as_deref()),
        (
            "on completion",
            Some(if from.preserve {
                "PRESERVE"
            } else {
                "NOT PRESERVE"
            }),
            Some(if to.preserve {
                "PRESERVE"
            } else {
                "NOT PRESERVE"
            }),
        ),
        ("status", Some(&from.status), Some(&to.status)),
        ("comment", from.comment.as_deref(), to.comment.as_deref()),
    ];
    for (what, before, after) in properties {
        if before != after {
            changes.push(change(what, before, after));
        }
    }
    if from.body != to.body {
        changes.push("body changed".to_owned());
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

/// Every attribute of a composite type added, dropped or changed (old → new), and a new order.
fn attribute_changes(from: &CompositeType, to: &CompositeType) -> Vec<String> {
    let describe = |attribute: &crate::schema::Attribute| match &attribute.collation {
        Some(collation) => format!("{} COLLATE {collation}", attribute.data_type),
        None => attribute.data_type.clone(),
    };
    let mut changes = Vec::new();
    for attribute in &to.attributes {
        match from.attributes.iter().find(|a| a.name == attribute.name) {
            None => changes.push(format!(
                "add attribute {} {}",
                attribute.name,
                describe(attribute)
            )),
            Some(old) if old != attribute => changes.push(format!(
                "attribute {} {} → {}",
                attribute.name,
                describe(old),
                describe(attribute)
            )),
            Some(_) => {}
        }
    }
    for attribute in &from.attributes {
        if !to.attributes.iter().any(|a| a.name == attribute.name) {
            changes.push(format!("drop attribute {}", attribute.name));
        }
    }
    let order = |composite: &CompositeType, other: &CompositeType| -> Vec<String> {
        composite
            .attributes
            .iter()
            .filter(|a| other.attributes.iter().any(|b| b.name == a.name))
            .map(|a| a.name.clone())
            .collect()
    };
    if order(from, to) != order(to, from) {
        changes.push(format!(
            "attribute order {} → {}",
            order(from, to).join(", "),
            order(to, from).join(", ")
        ));
    }
    if from.comment != to.comment {
        changes.push(change(
            "comment",
            from.comment.as_deref(),
            to.comment.as_deref(),
        ));
    }
    changes
}

/// Every property of a domain that changes, old → new (a check by its name).
fn domain_changes(from: &Domain, to: &Domain) -> Vec<String> {
    let mut changes = Vec::new();
    if from.base_type != to.base_type {
        changes.push(change("type", Some(&from.base_type), Some(&to.base_type)));
    }
    if from.collation != to.collation {
        changes.push(change(
            "collation",
            from.collation.as_deref(),
            to.collation.as_deref(),
        ));
    }
    if from.default != to.default {
        changes.push(change(
            "default",
            from.default.as_deref(),
            to.default.as_deref(),
        ));
    }
    if from.not_null != to.not_null {
        let nullability = |not_null| if not_null { "NOT NULL" } else { "NULL" };
        changes.push(format!(
            "{} → {}",
            nullability(from.not_null),
            nullability(to.not_null)
        ));
    }
    let definition = |domain: &Domain, name: &str| {
        domain
            .checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.definition.clone())
    };
    let mut names: Vec<&str> = from
        .checks
        .iter()
        .chain(&to.checks)
        .map(|c| c.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    if from.comment != to.comment {
        changes.push(change(
            "comment",
            from.comment.as_deref(),
            to.comment.as_deref(),
        ));
    }
    for name in names {
        let (before, after) = (definition(from, name), definition(to, name));
        if before != after {
            changes.push(change(
                &format!("check {name}"),
                before.as_deref(),
                after.as_deref(),
            ));
        }
    }
    changes
}

/// What a [`Check`] is called in a summary.
fn check_kind(check: &Check) -> &'static str {
    if check.is_exclusion() {
        "exclusion constraint"
    } else {
        "check constraint"
    }
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
    // A VIRTUAL column says so; a STORED one is the default (PostgreSQL has only those).
    let generated = |column: &Column| {
        column.generated.as_ref().map(|expression| {
            if column.virtual_generated {
                format!("{expression} VIRTUAL")
            } else {
                expression.clone()
            }
        })
    };
    let (from_generated, to_generated) = (generated(from), generated(to));
    let properties: [(&str, &Option<String>, &Option<String>); 5] = [
        ("default", &from.default, &to.default),
        ("identity", &from.identity, &to.identity),
        ("generated", &from_generated, &to_generated),
        ("collation", &from.collation, &to.collation),
        ("comment", &from.comment, &to.comment),
    ];
    for (what, before, after) in properties {
        if before != after {
            changes.push(change(what, before.as_deref(), after.as_deref()));
        }
    }
    if from.identity_options != to.identity_options {
        let options = |options: &crate::schema::IdentityOptions| {
            if options.is_default() {
                "defaults".to_owned()
            } else {
                options.describe()
            }
        };
        changes.push(format!(
            "identity options {} → {}",
            options(&from.identity_options),
            options(&to.identity_options)
        ));
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
    if from.options != to.options {
        let options = |table: &Table| (!table.options.is_empty()).then(|| table.options.join(", "));
        changes.push(change(
            "table options",
            options(from).as_deref(),
            options(to).as_deref(),
        ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff, DiffOptions};
    use crate::schema::Schema;

    fn schema_with(storage: TableStorage) -> Schema {
        let name = QualifiedName {
            schema: String::new(),
            name: "t".to_owned(),
        };
        let mut schema = Schema::default();
        schema.tables.insert(
            name.clone(),
            Table {
                storage,
                ..Table::new(name)
            },
        );
        schema
    }

    fn storage(engine: Option<&str>, options: &[&str]) -> TableStorage {
        TableStorage {
            engine: engine.map(str::to_owned),
            options: options.iter().map(|&o| o.to_owned()).collect(),
        }
    }

    /// MySQL/MariaDB alter a table's engine and options in place: one operation, never the
    /// rebuild SQLite's `Table::options` take.
    #[test]
    fn a_storage_change_is_one_alteration_said_to_rewrite_the_table() {
        let from = schema_with(storage(None, &[]));
        let to = schema_with(storage(Some("MyISAM"), &["ROW_FORMAT=FIXED"]));
        let operations = diff(&from, &to, DiffOptions::default());
        assert_eq!(operations.len(), 1, "{operations:?}");
        assert_eq!(
            operations[0].summary(),
            "alter table t: engine InnoDB → MyISAM, ROW_FORMAT none → FIXED (rewrites the table: every row is copied)"
        );
        assert_eq!(
            operations[0].reverse().summary(),
            "alter table t: engine MyISAM → InnoDB, ROW_FORMAT FIXED → none (rewrites the table: every row is copied)"
        );
        let statistics = diff(
            &from,
            &schema_with(storage(None, &["STATS_PERSISTENT=1"])),
            DiffOptions::default(),
        );
        assert_eq!(
            statistics[0].summary(),
            "alter table t: STATS_PERSISTENT none → 1"
        );
    }

    #[test]
    fn engines_that_keep_no_rows_or_lose_them_on_restart_are_destructive() {
        let table = QualifiedName {
            schema: String::new(),
            name: "t".to_owned(),
        };
        let innodb = storage(None, &[]);
        let loss = |engine: &str| storage_loss(&table, &innodb, &storage(Some(engine), &[]));
        assert!(loss("BLACKHOLE").is_some_and(|why| why.contains("keeps no rows")));
        assert!(loss("MEMORY").is_some_and(|why| why.contains("when the server restarts")));
        assert_eq!(loss("MyISAM"), None);
        // Already there: nothing moves.
        let memory = storage(Some("MEMORY"), &[]);
        assert_eq!(
            storage_loss(&table, &memory, &storage(Some("MEMORY"), &["MAX_ROWS=10"])),
            None
        );
    }
}
