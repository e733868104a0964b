//! Every operation rendered by every dialect, pinned: one snapshot per dialect, one section per
//! operation, so a change to any statement a user would run is a reviewed diff. No server is
//! needed: rendering is the dialect's alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_core::dialect::Dialect;
use retort_core::diff::object_comments::CommentedObject;
use retort_core::diff::operation::{
    ColumnPosition, EnumColumn, EnumDependent, Operation, TableConstraint,
};
use retort_core::schema::{
    Attribute, Check, Column, CompositeType, Constraint, Domain, Event, EventStart, Extension,
    ForeignKey, Function, FunctionKey, Grant, GrantObject, Grantee, IdentityOptions, Index,
    MaterializedView, Policy, QualifiedName, RowSecurity, Sequence, Table, TableStorage, Trigger,
    View,
};

/// A MySQL/MariaDB table's engine (`None`: InnoDB) and create options.
fn storage(engine: Option<&str>, options: &[&str]) -> TableStorage {
    TableStorage {
        engine: engine.map(str::to_owned),
        options: options.iter().map(|&option| option.to_owned()).collect(),
    }
}

fn materialized_view(with_data: bool) -> MaterializedView {
    MaterializedView {
        name: QualifiedName {
            schema: "Reports".to_owned(),
            name: "Big Orders".to_owned(),
        },
        query: "SELECT orders.id\n   FROM orders\n  WHERE orders.total > 100::numeric".to_owned(),
        with_data,
        indexes: vec![Index {
            comment: None,
            name: "big_orders_id".to_owned(),
            unique: true,
            definition:
                "CREATE UNIQUE INDEX big_orders_id ON \"Reports\".\"Big Orders\" USING btree (id)"
                    .to_owned(),
        }],
        comment: Some("orders over 100".to_owned()),
    }
}

fn composite(attributes: &[(&str, &str)]) -> CompositeType {
    CompositeType {
        name: QualifiedName {
            schema: "Geo".to_owned(),
            name: "Point".to_owned(),
        },
        attributes: attributes
            .iter()
            .map(|(name, data_type)| Attribute {
                name: (*name).to_owned(),
                data_type: (*data_type).to_owned(),
                collation: None,
            })
            .collect(),
        comment: None,
    }
}

fn domain(base_type: &str, default: Option<&str>, checks: &[(&str, &str)]) -> Domain {
    Domain {
        name: QualifiedName {
            schema: "Billing".to_owned(),
            name: "Amount".to_owned(),
        },
        base_type: base_type.to_owned(),
        collation: None,
        default: default.map(str::to_owned),
        not_null: default.is_some(),
        checks: checks
            .iter()
            .map(|(name, definition)| Check {
                comment: None,
                name: (*name).to_owned(),
                definition: (*definition).to_owned(),
            })
            .collect(),
        comment: None,
    }
}

fn policy(roles: &[&str], using: Option<&str>) -> Policy {
    Policy {
        comment: None,
        name: "Tenant isolation".to_owned(),
        permissive: true,
        command: "ALL".to_owned(),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        using: using.map(str::to_owned),
        with_check: Some("(tenant = CURRENT_USER)".to_owned()),
    }
}

fn extension(schema: &str, version: &str) -> Extension {
    Extension {
        name: "pg_trgm".to_owned(),
        schema: schema.to_owned(),
        version: version.to_owned(),
        requires: Vec::new(),
    }
}

fn function(body: &str) -> Function {
    Function {
        key: FunctionKey {
            name: QualifiedName {
                schema: "billing".to_owned(),
                name: "Total".to_owned(),
            },
            arguments: "integer, text".to_owned(),
        },
        procedure: false,
        full_arguments: "n integer, label text DEFAULT 'x'::text".to_owned(),
        result: "integer".to_owned(),
        definition: format!(
            "CREATE OR REPLACE FUNCTION billing.\"Total\"(n integer, label text DEFAULT 'x'::text)\n RETURNS integer\n LANGUAGE sql\n IMMUTABLE\nAS $function${body}$function$\n"
        ),
        comment: None,
    }
}

fn event(schedule: &str, status: &str, body: &str) -> Event {
    Event {
        name: QualifiedName {
            schema: String::new(),
            name: "Purge old".to_owned(),
        },
        schedule: schedule.to_owned(),
        starts: Some(EventStart {
            at: "2026-01-01 03:00:00".to_owned(),
            given: true,
        }),
        ends: None,
        preserve: false,
        status: status.to_owned(),
        comment: Some("it's nightly".to_owned()),
        body: body.to_owned(),
    }
}

fn name(table: &str) -> QualifiedName {
    QualifiedName {
        schema: "public".to_owned(),
        name: table.to_owned(),
    }
}

fn column(name: &str, data_type: &str, nullable: bool) -> Column {
    Column {
        name: name.to_owned(),
        data_type: data_type.to_owned(),
        nullable,
        default: None,
        identity: None,
        generated: None,
        collation: None,
        virtual_generated: false,
        identity_options: retort_core::schema::IdentityOptions::default(),
        comment: None,
    }
}

fn index(table: &str, index_name: &str, column: &str) -> Index {
    Index {
        comment: None,
        name: index_name.to_owned(),
        unique: false,
        definition: format!("CREATE INDEX {index_name} ON {table} ({column})"),
    }
}

fn sequence(increment: i64) -> Sequence {
    Sequence {
        comment: None,
        data_type: "bigint".to_owned(),
        start: 1,
        increment,
        minimum: 1,
        maximum: 9_223_372_036_854_775_807,
        cycle: false,
    }
}

fn table() -> Table {
    Table {
        columns: vec![
            column("id", "integer", false),
            Column {
                default: Some("'x'".to_owned()),
                comment: Some("the name".to_owned()),
                ..column("name", "varchar(20)", true)
            },
        ],
        primary_key: Some(Constraint::new("t_pkey".to_owned(), vec!["id".to_owned()])),
        uniques: vec![Constraint::new(
            "t_name_key".to_owned(),
            vec!["name".to_owned()],
        )],
        checks: vec![check("t_name_check", "name")],
        foreign_keys: Vec::new(),
        indexes: vec![index("t", "t_name_idx", "name")],
        comment: Some("a table".to_owned()),
        ..Table::new(name("t"))
    }
}

fn view() -> View {
    View {
        name: name("named"),
        definition: "CREATE VIEW named AS SELECT id, name FROM t WHERE name IS NOT NULL".to_owned(),
        comment: None,
        columns: vec!["id integer".to_owned(), "name text".to_owned()],
        column_defaults: Vec::new(),
        column_comments: Vec::new(),
        triggers: Vec::new(),
        rules: Vec::new(),
    }
}

fn trigger() -> Trigger {
    Trigger {
        comment: None,
        name: "t_audit".to_owned(),
        definition: "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN SELECT 1; END".to_owned(),
    }
}

fn check(check_name: &str, column: &str) -> Check {
    Check {
        comment: None,
        name: check_name.to_owned(),
        definition: format!("CHECK ((length({column}) > 0))"),
    }
}

fn foreign_key() -> ForeignKey {
    ForeignKey {
        comment: None,
        name: "child_parent_fkey".to_owned(),
        columns: vec!["parent_id".to_owned()],
        referenced_table: name("t"),
        referenced_columns: vec!["id".to_owned()],
        on_delete: "CASCADE".to_owned(),
        on_update: "NO ACTION".to_owned(),
        deferrable: false,
        initially_deferred: false,
        match_full: false,
        not_valid: false,
    }
}

/// `"Billing"."Ledger"`: a schema other than public, and names that need quotes.
fn ledger() -> QualifiedName {
    QualifiedName {
        schema: "Billing".to_owned(),
        name: "Ledger".to_owned(),
    }
}

/// A table whose keys, check and index carry comments, quotes in them.
fn commented_table() -> Table {
    Table {
        columns: vec![column("id", "integer", false), column("code", "text", true)],
        primary_key: Some(Constraint {
            comment: Some("the ledger's key".to_owned()),
            ..Constraint::new("Ledger_pkey".to_owned(), vec!["id".to_owned()])
        }),
        uniques: vec![Constraint {
            comment: Some("one per code".to_owned()),
            ..Constraint::new("Ledger_code_key".to_owned(), vec!["code".to_owned()])
        }],
        checks: vec![Check {
            comment: Some("no empty codes".to_owned()),
            ..check("Ledger code check", "code")
        }],
        indexes: vec![Index {
            comment: Some("by code, lowercase".to_owned()),
            definition: "CREATE INDEX \"Ledger lower code\" ON \"Billing\".\"Ledger\" USING btree (lower(code))".to_owned(),
            ..index("\"Billing\".\"Ledger\"", "Ledger lower code", "code")
        }],
        ..Table::new(ledger())
    }
}

/// The variant's name. Exhaustive: a new variant does not compile until it is named here and
/// given a sample in [`samples`].
fn variant(operation: &Operation) -> &'static str {
    match operation {
        Operation::CreateTable { .. } => "CreateTable",
        Operation::DropTable { .. } => "DropTable",
        Operation::AddColumn { .. } => "AddColumn",
        Operation::DropColumn { .. } => "DropColumn",
        Operation::AlterColumn { .. } => "AlterColumn",
        Operation::SetTableComment { .. } => "SetTableComment",
        Operation::SetTableCollation { .. } => "SetTableCollation",
        Operation::SetTableStorage { .. } => "SetTableStorage",
        Operation::AddPrimaryKey { .. } => "AddPrimaryKey",
        Operation::DropPrimaryKey { .. } => "DropPrimaryKey",
        Operation::AddUnique { .. } => "AddUnique",
        Operation::DropUnique { .. } => "DropUnique",
        Operation::AddCheck { .. } => "AddCheck",
        Operation::DropCheck { .. } => "DropCheck",
        Operation::AddForeignKey { .. } => "AddForeignKey",
        Operation::DropForeignKey { .. } => "DropForeignKey",
        Operation::CreateIndex { .. } => "CreateIndex",
        Operation::DropIndex { .. } => "DropIndex",
        Operation::CreateExtension { .. } => "CreateExtension",
        Operation::DropExtension { .. } => "DropExtension",
        Operation::AlterExtension { .. } => "AlterExtension",
        Operation::CreateFunction { .. } => "CreateFunction",
        Operation::DropFunction { .. } => "DropFunction",
        Operation::ReplaceFunction { .. } => "ReplaceFunction",
        Operation::CreateEvent { .. } => "CreateEvent",
        Operation::DropEvent { .. } => "DropEvent",
        Operation::AlterEvent { .. } => "AlterEvent",
        Operation::SetRowSecurity { .. } => "SetRowSecurity",
        Operation::CreatePolicy { .. } => "CreatePolicy",
        Operation::DropPolicy { .. } => "DropPolicy",
        Operation::AlterPolicy { .. } => "AlterPolicy",
        Operation::CreateSchema { .. } => "CreateSchema",
        Operation::DropSchema { .. } => "DropSchema",
        Operation::CreateSequence { .. } => "CreateSequence",
        Operation::DropSequence { .. } => "DropSequence",
        Operation::AlterSequence { .. } => "AlterSequence",
        Operation::CreateEnum { .. } => "CreateEnum",
        Operation::DropEnum { .. } => "DropEnum",
        Operation::AddEnumValue { .. } => "AddEnumValue",
        Operation::RebuildEnum { .. } => "RebuildEnum",
        Operation::RenameTable { .. } => "RenameTable",
        Operation::RenameColumn { .. } => "RenameColumn",
        Operation::RenameConstraint { .. } => "RenameConstraint",
        Operation::RenameIndex { .. } => "RenameIndex",
        Operation::SetConstraintValidity { .. } => "SetConstraintValidity",
        Operation::RebuildTable { .. } => "RebuildTable",
        Operation::AlterTogether { .. } => "AlterTogether",
        Operation::CreateView { .. } => "CreateView",
        Operation::DropView { .. } => "DropView",
        Operation::ReplaceView { .. } => "ReplaceView",
        Operation::CreateTrigger { .. } => "CreateTrigger",
        Operation::DropTrigger { .. } => "DropTrigger",
        Operation::CreateDomain { .. } => "CreateDomain",
        Operation::DropDomain { .. } => "DropDomain",
        Operation::AlterDomain { .. } => "AlterDomain",
        Operation::ReplaceDomain { .. } => "ReplaceDomain",
        Operation::CreateMaterializedView { .. } => "CreateMaterializedView",
        Operation::SetViewComment { .. } => "SetViewComment",
        Operation::SetComment { .. } => "SetComment",
        Operation::DropMaterializedView { .. } => "DropMaterializedView",
        Operation::CreateCompositeType { .. } => "CreateCompositeType",
        Operation::DropCompositeType { .. } => "DropCompositeType",
        Operation::AlterCompositeType { .. } => "AlterCompositeType",
        Operation::GrantPrivilege { .. } => "GrantPrivilege",
        Operation::RevokePrivilege { .. } => "RevokePrivilege",
        Operation::SetGrantOption { .. } => "SetGrantOption",
    }
}

/// One sample of every operation (several where the rendering branches).
fn samples() -> Vec<(&'static str, Operation)> {
    let t = name("t");
    let mood_columns = vec![EnumColumn {
        table: t.clone(),
        column: "m".to_owned(),
        default: Some("'ok'::mood".to_owned()),
        array: false,
    }];
    let mood_dependents = vec![
        EnumDependent::Index {
            table: t.clone(),
            index: Index {
                definition: "CREATE INDEX t_ok ON public.t USING btree (id) WHERE (m = 'ok'::mood)"
                    .to_owned(),
                ..index("t", "t_ok", "id")
            },
        },
        EnumDependent::Check {
            table: t.clone(),
            check: Check {
                comment: None,
                name: "t_m_check".to_owned(),
                definition: "CHECK ((m <> 'sad'::mood))".to_owned(),
            },
        },
        EnumDependent::Policy {
            table: t.clone(),
            policy: policy(&["public"], Some("(m <> 'sad'::mood)")),
        },
    ];
    let mut child = Table {
        foreign_keys: vec![foreign_key()],
        ..Table::new(name("child"))
    };
    child.columns = vec![
        column("id", "integer", false),
        column("parent_id", "integer", true),
    ];
    vec![
        (
            "a table with everything",
            Operation::CreateTable { table: table() },
        ),
        (
            "a table with a foreign key",
            Operation::CreateTable { table: child },
        ),
        (
            "keys, a check and an index with comments, in another schema",
            Operation::CreateTable {
                table: commented_table(),
            },
        ),
        (
            "a MyISAM table with a row format",
            Operation::CreateTable {
                table: Table {
                    storage: storage(Some("MyISAM"), &["CHECKSUM=1", "ROW_FORMAT=FIXED"]),
                    ..table()
                },
            },
        ),
        ("", Operation::DropTable { table: table() }),
        (
            "",
            Operation::AddColumn {
                table: t.clone(),
                column: column("n", "bigint", true),
                position: None,
            },
        ),
        (
            "",
            Operation::DropColumn {
                table: t.clone(),
                column: column("n", "bigint", true),
            },
        ),
        (
            "a widening, NOT NULL and a default",
            Operation::AlterColumn {
                table: t.clone(),
                from: column("n", "integer", true),
                to: Column {
                    default: Some("0".to_owned()),
                    ..column("n", "bigint", false)
                },
            },
        ),
        (
            "a narrowing",
            Operation::AlterColumn {
                table: t.clone(),
                from: column("name", "character varying(50)", true),
                to: column("name", "character varying(32)", true),
            },
        ),
        (
            "integer to serial",
            Operation::AlterColumn {
                table: t.clone(),
                from: column("id", "integer", false),
                to: Column {
                    default: Some("nextval('t_id_seq'::regclass)".to_owned()),
                    ..column("id", "serial", false)
                },
            },
        ),
        (
            "identity kind and sequence options, in place (PostgreSQL only)",
            Operation::AlterColumn {
                table: t.clone(),
                from: Column {
                    identity: Some("ALWAYS".to_owned()),
                    identity_options: IdentityOptions {
                        start: Some(100),
                        increment: Some(5),
                        ..IdentityOptions::default()
                    },
                    ..column("id", "bigint", false)
                },
                to: Column {
                    identity: Some("BY DEFAULT".to_owned()),
                    identity_options: IdentityOptions {
                        increment: Some(10),
                        maximum: Some(1_000_000),
                        cycle: true,
                        ..IdentityOptions::default()
                    },
                    ..column("id", "bigint", false)
                },
            },
        ),
        (
            "",
            Operation::SetTableComment {
                table: t.clone(),
                from: None,
                to: Some("it's a table".to_owned()),
            },
        ),
        (
            "",
            Operation::SetTableCollation {
                table: t.clone(),
                from: None,
                to: Some("utf8mb4_unicode_ci".to_owned()),
            },
        ),
        (
            "MyISAM with a row format to InnoDB, which refuses it",
            Operation::SetTableStorage {
                table: t.clone(),
                from: storage(Some("MyISAM"), &["CHECKSUM=1", "ROW_FORMAT=FIXED"]),
                to: storage(None, &["ROW_FORMAT=COMPRESSED"]),
            },
        ),
        (
            "an option that changes no file",
            Operation::SetTableStorage {
                table: t.clone(),
                from: storage(None, &[]),
                to: storage(None, &["STATS_PERSISTENT=1"]),
            },
        ),
        (
            "to an engine that keeps no rows",
            Operation::SetTableStorage {
                table: t.clone(),
                from: storage(None, &[]),
                to: storage(Some("BLACKHOLE"), &[]),
            },
        ),
        (
            "to an engine that keeps rows until a restart",
            Operation::SetTableStorage {
                table: t.clone(),
                from: storage(Some("MyISAM"), &[]),
                to: storage(Some("MEMORY"), &[]),
            },
        ),
        (
            "",
            Operation::AddPrimaryKey {
                table: t.clone(),
                primary_key: table().primary_key.unwrap(),
            },
        ),
        (
            "",
            Operation::DropPrimaryKey {
                table: t.clone(),
                primary_key: table().primary_key.unwrap(),
            },
        ),
        (
            "",
            Operation::AddUnique {
                table: t.clone(),
                unique: table().uniques[0].clone(),
            },
        ),
        (
            "deferrable, NULLS NOT DISTINCT (PostgreSQL only)",
            Operation::AddUnique {
                table: t.clone(),
                unique: Constraint {
                    deferrable: true,
                    initially_deferred: true,
                    nulls_not_distinct: true,
                    ..table().uniques[0].clone()
                },
            },
        ),
        (
            "",
            Operation::DropUnique {
                table: t.clone(),
                unique: table().uniques[0].clone(),
            },
        ),
        (
            "",
            Operation::AddCheck {
                table: t.clone(),
                check: check("t_name_check", "name"),
            },
        ),
        (
            "an exclusion constraint (PostgreSQL only)",
            Operation::AddCheck {
                table: t.clone(),
                check: Check {
                    comment: None,
                    name: "t_name_excl".to_owned(),
                    definition: "EXCLUDE USING btree (name WITH =)".to_owned(),
                },
            },
        ),
        (
            "",
            Operation::DropCheck {
                table: t.clone(),
                check: check("t_name_check", "name"),
            },
        ),
        (
            "",
            Operation::AddForeignKey {
                table: name("child"),
                foreign_key: foreign_key(),
            },
        ),
        (
            "MATCH FULL (PostgreSQL only)",
            Operation::AddForeignKey {
                table: name("child"),
                foreign_key: ForeignKey {
                    match_full: true,
                    ..foreign_key()
                },
            },
        ),
        (
            "NOT VALID (PostgreSQL only): the rows already there are not checked",
            Operation::AddForeignKey {
                table: name("child"),
                foreign_key: ForeignKey {
                    not_valid: true,
                    ..foreign_key()
                },
            },
        ),
        (
            "with a comment",
            Operation::AddForeignKey {
                table: name("child"),
                foreign_key: ForeignKey {
                    comment: Some("the parent row".to_owned()),
                    ..foreign_key()
                },
            },
        ),
        (
            "validated in place (PostgreSQL only)",
            Operation::SetConstraintValidity {
                table: name("child"),
                from: TableConstraint::ForeignKey(ForeignKey {
                    not_valid: true,
                    ..foreign_key()
                }),
                to: TableConstraint::ForeignKey(foreign_key()),
            },
        ),
        (
            "made NOT VALID again: dropped and added back unchecked (PostgreSQL only)",
            Operation::SetConstraintValidity {
                table: t.clone(),
                from: TableConstraint::Check(check("t_name_check", "name")),
                to: TableConstraint::Check(check("t_name_check", "name").with_validity(true)),
            },
        ),
        (
            "",
            Operation::DropForeignKey {
                table: name("child"),
                foreign_key: foreign_key(),
            },
        ),
        (
            "",
            Operation::CreateIndex {
                table: t.clone(),
                index: index("t", "t_name_idx", "name"),
            },
        ),
        (
            "with a comment, in another schema",
            Operation::CreateIndex {
                table: ledger(),
                index: commented_table().indexes.remove(0),
            },
        ),
        (
            "",
            Operation::DropIndex {
                table: t.clone(),
                index: index("t", "t_name_idx", "name"),
            },
        ),
        (
            "",
            Operation::CreateSchema {
                name: "billing".to_owned(),
            },
        ),
        (
            "",
            Operation::DropSchema {
                name: "billing".to_owned(),
            },
        ),
        (
            "",
            Operation::CreateSequence {
                name: name("numbers"),
                sequence: sequence(1),
            },
        ),
        (
            "with a comment",
            Operation::CreateSequence {
                name: QualifiedName {
                    schema: "Billing".to_owned(),
                    name: "Invoice numbers".to_owned(),
                },
                sequence: Sequence {
                    comment: Some("one per invoice".to_owned()),
                    ..sequence(1)
                },
            },
        ),
        (
            "",
            Operation::DropSequence {
                name: name("numbers"),
                sequence: sequence(1),
            },
        ),
        (
            "only the increment changes: no RESTART",
            Operation::AlterSequence {
                name: name("numbers"),
                from: sequence(1),
                to: sequence(5),
            },
        ),
        (
            "",
            Operation::CreateEnum {
                name: name("mood"),
                values: vec!["sad".to_owned(), "ok".to_owned()],
            },
        ),
        (
            "",
            Operation::DropEnum {
                name: name("mood"),
                values: vec!["sad".to_owned(), "ok".to_owned()],
            },
        ),
        (
            "",
            Operation::AddEnumValue {
                name: name("mood"),
                value: "happy".to_owned(),
                before: vec!["sad".to_owned(), "ok".to_owned()],
                after: vec!["sad".to_owned(), "ok".to_owned(), "happy".to_owned()],
                columns: mood_columns.clone(),
                dependents: mood_dependents.clone(),
            },
        ),
        (
            "with a default, a partial index and a check to set aside",
            Operation::RebuildEnum {
                name: QualifiedName {
                    schema: "catalog".to_owned(),
                    name: "mood".to_owned(),
                },
                from: vec!["sad".to_owned(), "ok".to_owned(), "happy".to_owned()],
                to: vec!["sad".to_owned(), "ok".to_owned()],
                columns: mood_columns,
                dependents: mood_dependents,
            },
        ),
        (
            "",
            Operation::RenameTable {
                from: name("tags"),
                to: name("labels"),
                confirmed: true,
            },
        ),
        (
            "",
            Operation::RenameColumn {
                table: t.clone(),
                from: "name".to_owned(),
                to: "title".to_owned(),
                confirmed: false,
            },
        ),
        (
            "a key",
            Operation::RenameConstraint {
                table: name("labels"),
                from: TableConstraint::PrimaryKey(Constraint::new(
                    "tags_pkey".to_owned(),
                    vec!["id".to_owned()],
                )),
                to: TableConstraint::PrimaryKey(Constraint::new(
                    "labels_pkey".to_owned(),
                    vec!["id".to_owned()],
                )),
            },
        ),
        (
            "a unique constraint",
            Operation::RenameConstraint {
                table: t.clone(),
                from: TableConstraint::Unique(Constraint::new(
                    "t_name_key".to_owned(),
                    vec!["title".to_owned()],
                )),
                to: TableConstraint::Unique(Constraint::new(
                    "t_title_key".to_owned(),
                    vec!["title".to_owned()],
                )),
            },
        ),
        (
            "a check",
            Operation::RenameConstraint {
                table: t.clone(),
                from: TableConstraint::Check(check("t_name_check", "title")),
                to: TableConstraint::Check(check("t_title_check", "title")),
            },
        ),
        (
            "a foreign key",
            Operation::RenameConstraint {
                table: name("child"),
                from: TableConstraint::ForeignKey(foreign_key()),
                to: TableConstraint::ForeignKey(ForeignKey {
                    name: "child_t_fkey".to_owned(),
                    ..foreign_key()
                }),
            },
        ),
        (
            "",
            Operation::RenameIndex {
                table: t.clone(),
                from: index("t", "t_name_idx", "title"),
                to: index("t", "t_title_idx", "title"),
            },
        ),
        ("", Operation::CreateView { view: view() }),
        ("", Operation::DropView { view: view() }),
        (
            "",
            Operation::ReplaceView {
                from: view(),
                to: View {
                    definition: "CREATE VIEW named AS SELECT id, name FROM t WHERE name <> ''"
                        .to_owned(),
                    ..view()
                },
                privileges: Vec::new(),
            },
        ),
        (
            "without its last column, given its privileges back",
            Operation::ReplaceView {
                from: view(),
                to: View {
                    definition: "CREATE VIEW named AS SELECT id FROM t".to_owned(),
                    columns: vec!["id integer".to_owned()],
                    ..view()
                },
                privileges: vec![(
                    Grant {
                        object: GrantObject::Table(name("named")),
                        grantee: Grantee::Role("Reporting".to_owned()),
                        privilege: "SELECT".to_owned(),
                    },
                    false,
                )],
            },
        ),
        (
            "",
            Operation::CreateTrigger {
                table: t.clone(),
                trigger: trigger(),
            },
        ),
        (
            "with a comment",
            Operation::CreateTrigger {
                table: t.clone(),
                trigger: Trigger {
                    comment: Some("audits inserts".to_owned()),
                    ..trigger()
                },
            },
        ),
        (
            "",
            Operation::DropTrigger {
                table: t.clone(),
                trigger: trigger(),
            },
        ),
        (
            "",
            Operation::CreateExtension {
                extension: extension("public", "1.6"),
            },
        ),
        (
            "",
            Operation::DropExtension {
                extension: extension("public", "1.6"),
            },
        ),
        (
            "moved and updated",
            Operation::AlterExtension {
                from: extension("public", "1.5"),
                to: extension("extensions", "1.6"),
            },
        ),
        (
            "",
            Operation::CreateFunction {
                function: function("SELECT n"),
            },
        ),
        (
            "",
            Operation::DropFunction {
                function: function("SELECT n"),
            },
        ),
        (
            "the body changes",
            Operation::ReplaceFunction {
                from: function("SELECT n"),
                to: function("SELECT n + 1"),
            },
        ),
        (
            "",
            Operation::CreateEvent {
                event: event("EVERY 1 DAY", "ENABLE", "DELETE FROM t"),
            },
        ),
        (
            "",
            Operation::DropEvent {
                event: event("EVERY 1 DAY", "ENABLE", "DELETE FROM t"),
            },
        ),
        (
            "schedule, status and body change",
            Operation::AlterEvent {
                from: event("EVERY 1 DAY", "ENABLE", "DELETE FROM t"),
                to: event(
                    "EVERY '1:30' HOUR_MINUTE",
                    "DISABLE",
                    "BEGIN DELETE FROM t; DELETE FROM u; END",
                ),
            },
        ),
        (
            "enabled and forced",
            Operation::SetRowSecurity {
                table: t.clone(),
                from: RowSecurity::default(),
                to: RowSecurity {
                    enabled: true,
                    forced: true,
                },
            },
        ),
        (
            "",
            Operation::CreatePolicy {
                table: t.clone(),
                policy: policy(&["public"], Some("(tenant = CURRENT_USER)")),
            },
        ),
        (
            "with a comment",
            Operation::CreatePolicy {
                table: t.clone(),
                policy: Policy {
                    comment: Some("each tenant sees its rows".to_owned()),
                    ..policy(&["public"], Some("(tenant = CURRENT_USER)"))
                },
            },
        ),
        (
            "",
            Operation::DropPolicy {
                table: t.clone(),
                policy: policy(&["public"], Some("(tenant = CURRENT_USER)")),
            },
        ),
        (
            "roles and USING change",
            Operation::AlterPolicy {
                table: t.clone(),
                from: policy(&["public"], Some("(tenant = CURRENT_USER)")),
                to: Policy {
                    permissive: true,
                    ..policy(&["app", "Reporting"], Some("true"))
                },
            },
        ),
        (
            "an AUTO_INCREMENT column and its key",
            Operation::AlterTogether {
                table: t.clone(),
                operations: vec![
                    Operation::AddColumn {
                        table: t.clone(),
                        column: Column {
                            identity: Some("AUTO_INCREMENT".to_owned()),
                            ..column("seq", "int(11)", false)
                        },
                        // Placed by MySQL's adapt; the other dialects append.
                        position: Some(ColumnPosition::First),
                    },
                    Operation::AddPrimaryKey {
                        table: t.clone(),
                        primary_key: Constraint::new("PRIMARY".to_owned(), vec!["seq".to_owned()]),
                    },
                ],
            },
        ),
        (
            "",
            Operation::CreateDomain {
                domain: Domain {
                    collation: Some("C".to_owned()),
                    ..domain(
                        "numeric(10,2)",
                        Some("0"),
                        &[("Amount_check", "CHECK ((VALUE >= (0)::numeric))")],
                    )
                },
            },
        ),
        (
            "",
            Operation::DropDomain {
                domain: domain("numeric(10,2)", None, &[]),
            },
        ),
        (
            "default, NOT NULL and checks change",
            Operation::AlterDomain {
                from: domain(
                    "numeric(10,2)",
                    None,
                    &[
                        ("small", "CHECK ((VALUE < (1000)::numeric))"),
                        ("gone", "CHECK ((VALUE <> (13)::numeric))"),
                    ],
                ),
                to: domain(
                    "numeric(10,2)",
                    Some("1"),
                    &[("small", "CHECK ((VALUE < (10000)::numeric))")],
                ),
            },
        ),
        (
            "no column uses it",
            Operation::ReplaceDomain {
                from: domain("numeric(10,2)", None, &[]),
                to: domain("bigint", None, &[]),
                columns: Vec::new(),
            },
        ),
        (
            "columns use it",
            Operation::ReplaceDomain {
                from: domain("numeric(10,2)", None, &[]),
                to: domain("bigint", None, &[]),
                columns: vec!["public.t.amount".to_owned()],
            },
        ),
        (
            "removed",
            Operation::SetViewComment {
                view: name("named"),
                materialized: false,
                from: Some("it's named".to_owned()),
                to: None,
            },
        ),
        (
            "an index in another schema",
            Operation::SetComment {
                object: CommentedObject::Index {
                    table: ledger(),
                    name: "Ledger lower code".to_owned(),
                },
                from: None,
                to: Some("by code, lowercase".to_owned()),
            },
        ),
        (
            "a constraint, changed",
            Operation::SetComment {
                object: CommentedObject::Constraint {
                    table: ledger(),
                    name: "Ledger_pkey".to_owned(),
                },
                from: Some("the key".to_owned()),
                to: Some("the ledger's key".to_owned()),
            },
        ),
        (
            "a trigger, removed",
            Operation::SetComment {
                object: CommentedObject::Trigger {
                    table: t.clone(),
                    name: "t_audit".to_owned(),
                },
                from: Some("audits inserts".to_owned()),
                to: None,
            },
        ),
        (
            "a policy",
            Operation::SetComment {
                object: CommentedObject::Policy {
                    table: t.clone(),
                    name: "Tenant isolation".to_owned(),
                },
                from: None,
                to: Some("each tenant sees its rows".to_owned()),
            },
        ),
        (
            "a sequence",
            Operation::SetComment {
                object: CommentedObject::Sequence {
                    name: name("numbers"),
                },
                from: None,
                to: Some("counts".to_owned()),
            },
        ),
        (
            "with data and an index",
            Operation::CreateMaterializedView {
                view: materialized_view(true),
            },
        ),
        (
            "with no data",
            Operation::CreateMaterializedView {
                view: materialized_view(false),
            },
        ),
        (
            "",
            Operation::DropMaterializedView {
                view: materialized_view(true),
            },
        ),
        (
            "",
            Operation::CreateCompositeType {
                composite: composite(&[("lat", "double precision"), ("Label", "text")]),
            },
        ),
        (
            "",
            Operation::DropCompositeType {
                composite: composite(&[("lat", "double precision")]),
            },
        ),
        (
            "attributes added, dropped and retyped in place",
            Operation::AlterCompositeType {
                from: composite(&[("lat", "real"), ("note", "text")]),
                to: composite(&[("lat", "double precision"), ("Altitude", "numeric(8,2)")]),
                columns: Vec::new(),
            },
        ),
        (
            "a new order: dropped and created again",
            Operation::AlterCompositeType {
                from: composite(&[("lat", "real"), ("lon", "real")]),
                to: composite(&[("lon", "real"), ("lat", "real")]),
                columns: Vec::new(),
            },
        ),
        (
            "a retyped attribute while columns use it",
            Operation::AlterCompositeType {
                from: composite(&[("lat", "real"), ("note", "text")]),
                to: composite(&[("lat", "double precision")]),
                columns: vec!["public.places.at".to_owned()],
            },
        ),
        (
            "a column's, with the grant option",
            Operation::GrantPrivilege {
                grant: Grant {
                    object: GrantObject::Column {
                        table: t.clone(),
                        column: "email".to_owned(),
                    },
                    grantee: Grantee::Role("Reporting".to_owned()),
                    privilege: "UPDATE".to_owned(),
                },
                with_grant_option: true,
            },
        ),
        (
            "a routine's, from everyone",
            Operation::RevokePrivilege {
                grant: Grant {
                    object: GrantObject::Routine(function("SELECT n").key),
                    grantee: Grantee::Public,
                    privilege: "EXECUTE".to_owned(),
                },
                with_grant_option: false,
            },
        ),
        (
            "taken away",
            Operation::SetGrantOption {
                grant: Grant {
                    object: GrantObject::Sequence {
                        name: name("t_id_seq"),
                        owned_by: None,
                    },
                    grantee: Grantee::Role("app".to_owned()),
                    privilege: "USAGE".to_owned(),
                },
                with_grant_option: false,
            },
        ),
        (
            "a column dropped, a type changed",
            Operation::RebuildTable {
                from: Table {
                    triggers: vec![trigger()],
                    ..table()
                },
                to: Table {
                    columns: vec![column("id", "integer", false)],
                    uniques: Vec::new(),
                    checks: Vec::new(),
                    indexes: Vec::new(),
                    triggers: vec![trigger()],
                    ..table()
                },
            },
        ),
    ]
}

/// Every sample rendered, each under `-- <Variant>: <what>` and its summary.
fn rendered(dialect: &dyn Dialect) -> String {
    let mut text = String::new();
    for (what, operation) in samples() {
        text.push_str(&format!("-- {}", variant(&operation)));
        if !what.is_empty() {
            text.push_str(&format!(": {what}"));
        }
        text.push('\n');
        for line in operation.summary().lines() {
            text.push_str(&format!("-- {line}\n"));
        }
        if let Some(why) = operation.destructive(dialect) {
            text.push_str(&format!("-- DESTRUCTIVE: {why}\n"));
        }
        match dialect.render(&operation) {
            Ok(statements) if statements.is_empty() => text.push_str("(nothing to do)\n"),
            Ok(statements) => {
                for statement in statements {
                    text.push_str(&statement);
                    text.push_str(";\n");
                }
            }
            Err(error) => text.push_str(&format!("error: {}\n", error.message)),
        }
        text.push('\n');
    }
    text
}

#[test]
fn every_operation_has_a_sample() {
    let mut covered: Vec<&str> = samples().iter().map(|(_, o)| variant(o)).collect();
    covered.dedup();
    // The count of `Operation`'s variants: raise it with a new variant's sample.
    assert_eq!(covered.len(), 66, "{covered:?}");
}

#[test]
fn postgres_renders_every_operation() {
    insta::assert_snapshot!(rendered(&retort_postgres::dialect::POSTGRES));
}

#[test]
fn mysql_renders_every_operation() {
    insta::assert_snapshot!(rendered(&retort_mysql::dialect::MYSQL));
}

#[test]
fn sqlite_renders_every_operation() {
    insta::assert_snapshot!(rendered(&retort_sqlite::dialect::SQLITE));
}
