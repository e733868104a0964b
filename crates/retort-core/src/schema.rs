//! The dialect-neutral schema model that introspection produces and the diff compares.
//!
//! Values that only a dialect can interpret (types, default expressions, check expressions,
//! index definitions) are kept as that dialect's own canonical text: both sides of a diff come
//! from the same introspection, so equal text means equal objects.

pub mod grant;

use std::collections::BTreeMap;

pub use grant::{Grant, GrantObject, Grantee};

/// `schema.name`; `schema` is empty where the dialect has none (SQLite's main database).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl std::fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.schema.is_empty() {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

/// Every table of the schemas that were looked at, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub tables: BTreeMap<QualifiedName, Table>,
    /// PostgreSQL enum types: their labels, in order.
    pub enums: BTreeMap<QualifiedName, Vec<String>>,
    /// Schemas (namespaces) looked at, other than the connection's default one.
    pub schemas: std::collections::BTreeSet<String>,
    /// Sequences that no column owns (those of serial and identity columns go with them).
    pub sequences: BTreeMap<QualifiedName, Sequence>,
    /// Views, by name.
    pub views: BTreeMap<QualifiedName, View>,
    /// PostgreSQL extensions installed in the schemas looked at, by name. What an extension
    /// owns (its functions, types, operators) is the extension's, never modeled on its own.
    pub extensions: BTreeMap<String, Extension>,
    /// PostgreSQL functions and procedures (not those an extension owns), by name and
    /// argument types (overloads are distinct functions).
    pub functions: BTreeMap<FunctionKey, Function>,
    /// PostgreSQL domains (`CREATE DOMAIN`), by name.
    pub domains: BTreeMap<QualifiedName, Domain>,
    /// PostgreSQL composite types (`CREATE TYPE name AS (…)`), by name.
    pub composite_types: BTreeMap<QualifiedName, CompositeType>,
    /// PostgreSQL materialized views, by name.
    pub materialized_views: BTreeMap<QualifiedName, MaterializedView>,
    /// Scheduled events (MariaDB's and MySQL's event scheduler), by name.
    pub events: BTreeMap<QualifiedName, Event>,
    /// Privileges granted to roles, each with whether it carries `WITH GRANT OPTION`: read only
    /// with `[autogenerate] compare_grants` (otherwise empty on the declared side, and on the
    /// live side only those a plan that re-creates their object gives back:
    /// `Introspect::grants_to_keep`).
    pub grants: BTreeMap<Grant, bool>,
}

/// `CREATE EVENT name ON SCHEDULE schedule [STARTS …] [ENDS …] ON COMPLETION [NOT] PRESERVE
/// status [COMMENT …] DO body`: what runs, and when. Creating one needs no running scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: QualifiedName,
    /// `AT '2030-01-01 00:00:00'` or `EVERY 1 DAY`, as the dialect writes it (STARTS and ENDS
    /// apart).
    pub schedule: String,
    /// When a recurring event starts.
    pub starts: Option<EventStart>,
    /// When a recurring event ends (`'2030-01-01 00:00:00'`).
    pub ends: Option<String>,
    /// `ON COMPLETION PRESERVE`: kept once it can run no more.
    pub preserve: bool,
    /// `ENABLE`, `DISABLE` or `DISABLE ON SLAVE`.
    pub status: String,
    pub comment: Option<String>,
    /// The statement it runs, as the server keeps it.
    pub body: String,
}

/// A recurring event's start. Left out, the server sets it to the time of creation, which
/// differs between any two databases: such a start (`given` false) matches any other start
/// that was left out, and a written one matches the same time only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStart {
    pub at: String,
    pub given: bool,
}

impl Event {
    /// Whether the two describe the same event: equal, but for the times the server chose for
    /// starts that were left out.
    pub fn same_as(&self, other: &Self) -> bool {
        let starts_match = match (&self.starts, &other.starts) {
            (Some(a), Some(b)) => a.at == b.at || (!a.given && !b.given),
            (a, b) => a == b,
        };
        starts_match
            && Self {
                starts: None,
                ..self.clone()
            } == Self {
                starts: None,
                ..other.clone()
            }
    }
}

/// `CREATE MATERIALIZED VIEW name AS query WITH [NO] DATA`, and the indexes on it.
///
/// Equality leaves `with_data` out: whether it holds rows is its data, not its shape (`REFRESH`
/// fills it at any time, and `pg_dump --schema-only` always writes `WITH NO DATA`); it only
/// says how a creation fills it.
#[derive(Debug, Clone, Eq)]
pub struct MaterializedView {
    pub name: QualifiedName,
    /// The query as the server prints it (`pg_get_viewdef`).
    pub query: String,
    pub with_data: bool,
    /// In name order.
    pub indexes: Vec<Index>,
    /// `COMMENT ON MATERIALIZED VIEW`: changed in place.
    pub comment: Option<String>,
}

impl PartialEq for MaterializedView {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.query == other.query
            && self.indexes == other.indexes
            && self.comment == other.comment
    }
}

/// `CREATE TYPE name AS (attribute type COLLATE c, …)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositeType {
    pub name: QualifiedName,
    /// In their declared order (a row literal's order).
    pub attributes: Vec<Attribute>,
    /// `COMMENT ON TYPE`.
    pub comment: Option<String>,
}

/// An attribute of a composite type, its type as `format_type` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub data_type: String,
    /// A collation other than its type's.
    pub collation: Option<String>,
}

/// `CREATE DOMAIN name AS base_type COLLATE c DEFAULT d NOT NULL CONSTRAINT k CHECK (…)`, as
/// the server prints each part (`format_type`, `typdefault`, `pg_get_constraintdef`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub name: QualifiedName,
    /// The base type, as `format_type` prints it (`character varying(10)`).
    pub base_type: String,
    /// A collation other than the base type's.
    pub collation: Option<String>,
    pub default: Option<String>,
    pub not_null: bool,
    /// Its check constraints, in name order (`CHECK ((VALUE > 0))`).
    pub checks: Vec<Check>,
    /// `COMMENT ON DOMAIN`.
    pub comment: Option<String>,
}

/// `CREATE EXTENSION name SCHEMA schema VERSION version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    pub version: String,
    /// The extensions it needs (`CASCADE` installs them): created before it, dropped after.
    pub requires: Vec<String>,
}

/// A function's identity: its qualified name and its input argument types as the server prints
/// them (`integer, text`, no names: `oidvectortypes`), which tell overloads apart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionKey {
    pub name: QualifiedName,
    pub arguments: String,
}

impl std::fmt::Display for FunctionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.name, self.arguments)
    }
}

/// A function or procedure, as the server prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub key: FunctionKey,
    /// `true` for a procedure.
    pub procedure: bool,
    /// The arguments with their names, modes and defaults (`a integer, b text DEFAULT 'x'`):
    /// `CREATE OR REPLACE` cannot change them.
    pub full_arguments: String,
    /// What it returns (`integer`, `TABLE(id bigint)`); empty for a procedure.
    pub result: String,
    /// The server's canonical `CREATE OR REPLACE FUNCTION` statement (`pg_get_functiondef`).
    pub definition: String,
    /// `COMMENT ON FUNCTION` (PostgreSQL).
    pub comment: Option<String>,
}

/// A view: its statement as the database keeps it, and what it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub name: QualifiedName,
    /// The dialect's canonical `CREATE VIEW` statement.
    pub definition: String,
    /// `COMMENT ON VIEW` (PostgreSQL): changed in place, never a reason to recreate the view.
    pub comment: Option<String>,
    /// Its columns as the server derives them, `name type [COLLATE collation]` in order
    /// (PostgreSQL; empty elsewhere): while they stay, a new query replaces the old in place
    /// (`CREATE OR REPLACE VIEW`), keeping the view's privileges and the views that read it.
    pub columns: Vec<String>,
    /// Defaults of its columns (`ALTER VIEW … ALTER COLUMN c SET DEFAULT e`, PostgreSQL), as
    /// column (quoted as in `columns`) and expression. Never declared (the statement is
    /// refused) but kept: the live view's are carried into the declared view of the same name
    /// (`diff::views::keep_undeclared_parts`), so a view dropped and created again gets them
    /// back.
    pub column_defaults: Vec<(String, String)>,
    /// Comments on its columns (PostgreSQL), as column (quoted as in `columns`) and comment.
    /// Never declared (refused by name) but kept, like `column_defaults`.
    pub column_comments: Vec<(String, String)>,
    /// Its triggers (`INSTEAD OF …`, PostgreSQL), as `pg_get_triggerdef` prints them. Never
    /// declared (refused by name) but kept, like `column_defaults`: `DROP VIEW` drops them.
    pub triggers: Vec<Trigger>,
    /// Its rules (`CREATE RULE … ON INSERT TO v DO INSTEAD …`, PostgreSQL), as `pg_get_ruledef`
    /// prints them. Never declared (refused by name) but kept, like `triggers`.
    pub rules: Vec<String>,
}

/// A trigger on a table (SQLite and PostgreSQL): its statement as the database keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub name: String,
    /// The dialect's canonical `CREATE TRIGGER` statement.
    pub definition: String,
    /// `COMMENT ON TRIGGER` (PostgreSQL): changed in place.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub minimum: i64,
    pub maximum: i64,
    pub cycle: bool,
    /// `COMMENT ON SEQUENCE` (PostgreSQL): changed in place.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: QualifiedName,
    /// In their declared order.
    pub columns: Vec<Column>,
    pub primary_key: Option<Constraint>,
    pub uniques: Vec<Constraint>,
    pub checks: Vec<Check>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    /// The table's default collation where it is not the database's (MySQL/MariaDB: what a
    /// column declared without COLLATE takes); `None` elsewhere.
    pub collation: Option<String>,
    /// Triggers on the table, in name order; recreated after a rebuild.
    pub triggers: Vec<Trigger>,
    /// PostgreSQL row-level security: `ENABLE` and `FORCE ROW LEVEL SECURITY`.
    pub row_security: RowSecurity,
    /// PostgreSQL row-level security policies, in name order.
    pub policies: Vec<Policy>,
    /// Options written after the column list that change how the table stores its rows
    /// (SQLite's `STRICT` and `WITHOUT ROWID`), each as the dialect spells it, in the dialect's
    /// order. Text rather than a flag per option keeps the model free of one dialect's
    /// vocabulary; a dialect that models none leaves it empty. Changing them rebuilds the table.
    pub options: Vec<String>,
    /// MySQL/MariaDB: the storage engine and the table options after the column list
    /// (`ROW_FORMAT=DYNAMIC`). Changed in place by `ALTER TABLE`, never by a rebuild, which is
    /// why they are not among [`Table::options`]. Empty on other dialects.
    pub storage: TableStorage,
}

/// How a MySQL/MariaDB table stores its rows: its engine and its create options, as
/// `information_schema.TABLES` reports them (`ENGINE`, `CREATE_OPTIONS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableStorage {
    /// `None` for InnoDB, the engine tables are created with and the only one that keeps
    /// foreign keys; the name as the server spells it (`MyISAM`, `Aria`) otherwise.
    pub engine: Option<String>,
    /// `NAME=value` with the name in capitals (`ROW_FORMAT=DYNAMIC`, `PAGE_COMPRESSED='1'`),
    /// sorted by name; only the options given, none the server would assume.
    pub options: Vec<String>,
}

impl TableStorage {
    /// The engine's name, InnoDB when none is named.
    pub fn engine_name(&self) -> &str {
        self.engine.as_deref().unwrap_or("InnoDB")
    }

    /// An InnoDB table without options: what every dialect's tables are.
    pub fn is_default(&self) -> bool {
        self.engine.is_none() && self.options.is_empty()
    }

    /// As written after `CREATE TABLE … (…)`: `ENGINE=MyISAM ROW_FORMAT=FIXED`, empty for an
    /// InnoDB table without options.
    pub fn clause(&self) -> String {
        self.engine
            .iter()
            .map(|engine| format!("ENGINE={engine}"))
            .chain(self.options.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The value of the option `name` (`ROW_FORMAT`), if it is set.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.iter().find_map(|option| {
            let (key, value) = option.split_once('=')?;
            (key == name).then_some(value)
        })
    }

    /// The options' names, in order.
    pub fn option_names(&self) -> impl Iterator<Item = &str> {
        self.options.iter().map(|option| {
            option
                .split_once('=')
                .map_or(option.as_str(), |(key, _)| key)
        })
    }
}

/// Whether row-level security applies to a table (`ENABLE`), and to its owner too (`FORCE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowSecurity {
    pub enabled: bool,
    pub forced: bool,
}

/// `CREATE POLICY name ON table AS {PERMISSIVE|RESTRICTIVE} FOR command TO roles USING (…)
/// WITH CHECK (…)`, with the expressions as the server prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// Role names in name order; `public` for everyone.
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    /// `COMMENT ON POLICY`: changed in place.
    pub comment: Option<String>,
}

impl Policy {
    /// Its `USING` and `WITH CHECK` expressions, those it has.
    pub fn expressions(&self) -> impl Iterator<Item = &str> {
        [&self.using, &self.with_check]
            .into_iter()
            .flatten()
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The dialect's canonical spelling (`character varying(20)`, `integer`).
    pub data_type: String,
    pub nullable: bool,
    pub default: Option<String>,
    /// `ALWAYS` or `BY DEFAULT` for identity columns.
    pub identity: Option<String>,
    /// The options of an identity column's sequence that differ from their defaults (all
    /// defaults for every other column).
    pub identity_options: IdentityOptions,
    /// The expression of a generated column.
    pub generated: Option<String>,
    /// A generated column computed when read (`VIRTUAL`, MariaDB/MySQL) rather than stored;
    /// `false` for every other column.
    pub virtual_generated: bool,
    pub collation: Option<String>,
    pub comment: Option<String>,
}

/// The sequence options of an identity column (`GENERATED … AS IDENTITY (START WITH 10
/// INCREMENT BY 5 …)`), each `None` (`false`) where it has its default: the defaults of
/// MINVALUE and MAXVALUE depend on the column's type and the increment's sign, so a value equal
/// to its default is never written down, and an unchanged column compares equal whatever its
/// type. A change is made in place (`SET INCREMENT BY …`), never by `RESTART`, which would
/// hand out values already used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdentityOptions {
    /// `START WITH`; its default is MINVALUE (MAXVALUE when counting down).
    pub start: Option<i64>,
    /// `INCREMENT BY`; default 1.
    pub increment: Option<i64>,
    /// `MINVALUE`; default 1 (the type's smallest value when counting down).
    pub minimum: Option<i64>,
    /// `MAXVALUE`; default the type's largest value (-1 when counting down).
    pub maximum: Option<i64>,
    /// `CACHE`; default 1.
    pub cache: Option<i64>,
    pub cycle: bool,
}

impl IdentityOptions {
    /// Whether every option has its default.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The options as written after `AS IDENTITY` (`START WITH 10 INCREMENT BY 5`), in the
    /// order PostgreSQL prints them; empty when all are defaults.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(start) = self.start {
            parts.push(format!("START WITH {start}"));
        }
        if let Some(increment) = self.increment {
            parts.push(format!("INCREMENT BY {increment}"));
        }
        if let Some(minimum) = self.minimum {
            parts.push(format!("MINVALUE {minimum}"));
        }
        if let Some(maximum) = self.maximum {
            parts.push(format!("MAXVALUE {maximum}"));
        }
        if let Some(cache) = self.cache {
            parts.push(format!("CACHE {cache}"));
        }
        if self.cycle {
            parts.push("CYCLE".to_owned());
        }
        parts.join(" ")
    }
}

/// A primary key or unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub name: String,
    pub columns: Vec<String>,
    /// `DEFERRABLE` (PostgreSQL): checked at the end of the statement, or of the transaction
    /// when `initially_deferred` or `SET CONSTRAINTS … DEFERRED`. The server has no ALTER for
    /// it on a key: a change drops and adds the constraint.
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `UNIQUE NULLS NOT DISTINCT` (PostgreSQL 15+): two rows whose key is NULL collide.
    pub nulls_not_distinct: bool,
    /// `COMMENT ON CONSTRAINT` (PostgreSQL): changed in place.
    pub comment: Option<String>,
}

impl Constraint {
    /// A constraint on `columns` with none of the options (not deferrable, NULLs distinct).
    pub fn new(name: String, columns: Vec<String>) -> Self {
        Self {
            name,
            columns,
            deferrable: false,
            initially_deferred: false,
            nulls_not_distinct: false,
            comment: None,
        }
    }
}

/// A check constraint, or (PostgreSQL) an exclusion constraint: a constraint the database
/// prints whole, named, that nothing else refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    /// The dialect's canonical text of the whole constraint (`CHECK ((price > 0))`, `EXCLUDE
    /// USING gist (room WITH =, during WITH &&)`).
    pub definition: String,
    /// `COMMENT ON CONSTRAINT` (PostgreSQL, table constraints only: a domain's checks carry
    /// none): changed in place.
    pub comment: Option<String>,
}

impl Check {
    /// Whether it is an exclusion constraint (`EXCLUDE …`) rather than a check.
    pub fn is_exclusion(&self) -> bool {
        self.definition.starts_with("EXCLUDE ")
    }

    /// Whether it was added without checking the rows already there (PostgreSQL's `NOT VALID`,
    /// which the server prints at the end of the definition).
    pub fn not_valid(&self) -> bool {
        self.definition.ends_with(" NOT VALID")
    }

    /// The same check, `NOT VALID` or not.
    #[must_use]
    pub fn with_validity(&self, not_valid: bool) -> Self {
        let checked = self
            .definition
            .strip_suffix(" NOT VALID")
            .unwrap_or(&self.definition);
        Self {
            definition: if not_valid {
                format!("{checked} NOT VALID")
            } else {
                checked.to_owned()
            },
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub referenced_table: QualifiedName,
    pub referenced_columns: Vec<String>,
    /// `NO ACTION`, `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`; PostgreSQL's `SET NULL
    /// (a, b)` and `SET DEFAULT (a)` name the columns they set.
    pub on_delete: String,
    pub on_update: String,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `MATCH FULL` (PostgreSQL): a key with some columns NULL is refused unless all are;
    /// `false` is `MATCH SIMPLE`, the default.
    pub match_full: bool,
    /// Added without checking the rows already there (PostgreSQL's `NOT VALID`).
    pub not_valid: bool,
    /// `COMMENT ON CONSTRAINT` (PostgreSQL): changed in place.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// The dialect's canonical `CREATE INDEX` statement (partial, expression, method, INCLUDE
    /// all live here).
    pub definition: String,
    /// `COMMENT ON INDEX` (PostgreSQL): changed in place, and created again with the index.
    pub comment: Option<String>,
}

impl Table {
    /// A table with no columns, keys or comment yet.
    pub fn new(name: QualifiedName) -> Self {
        Self {
            name,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            collation: None,
            triggers: Vec::new(),
            row_security: RowSecurity::default(),
            policies: Vec::new(),
            options: Vec::new(),
            storage: TableStorage::default(),
        }
    }

    /// Put unique constraints, checks, foreign keys and indexes in name order, the order
    /// introspection reports them in (so that equal tables compare equal).
    pub fn sort_by_name(&mut self) {
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Column {
    /// ` GENERATED ALWAYS AS (expression) VIRTUAL|STORED` for a generated column (the SQL
    /// standard's spelling, which SQLite and MySQL/MariaDB both take), else nothing.
    pub fn generated_clause(&self) -> String {
        self.generated
            .as_deref()
            .map(|expression| {
                let storage = if self.virtual_generated {
                    "VIRTUAL"
                } else {
                    "STORED"
                };
                format!(" GENERATED ALWAYS AS ({expression}) {storage}")
            })
            .unwrap_or_default()
    }
}
