//! The fast path of autogenerate on MariaDB: the declared schema parsed with sqlparser's MySQL
//! dialect and normalized as MariaDB's `information_schema` prints it back, without loading it
//! into a scratch database on the server.
//!
//! It takes tables (the column types, defaults and CHECK forms of [`normalize`]), AUTO_INCREMENT,
//! comments, primary keys, unique keys, indexes (prefix lengths, DESC), foreign keys with their
//! generated names (`t_ibfk_1`) and the index InnoDB adds for them, and `ALTER TABLE … ADD
//! CONSTRAINT … FOREIGN KEY`. Anything else is [`Declined`] with what it was, and the caller takes
//! the exact scratch-database path: nothing is ever dropped from the model. Where MariaDB would
//! refuse the DDL (a missing column, a duplicate key name) the parser declines too, so the
//! server reports the error with its file and line. The tests hold this path to
//! `parse(S) == introspect(load(S))` on every fixture it accepts.
//!
//! The rules are MariaDB's: MySQL 8 prints types without display widths and defaults unquoted,
//! so the connection only takes this path on a MariaDB server.

mod foreign_keys;
mod keys;
mod normalize;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use retort_core::schema::{Check, Column, Constraint, Index, QualifiedName, Schema, Table};
use sqlparser::ast::{
    ColumnOption, CreateTable, CreateTableOptions, Expr, ForeignKeyConstraint, ObjectName,
    ObjectNamePart, SqlOption, Statement, TableConstraint,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use crate::render;
use foreign_keys::add_foreign_key;
use keys::{create_index, key_parts, Key, KeyKind, KeyPart};
use normalize::TypeClass;

pub use retort_core::declared_sql::Declined;

/// MariaDB's limit on identifier length.
const MAX_NAME: usize = 64;

/// A table as declared so far, with what the later statements need to check against.
struct DeclaredTable {
    table: Table,
    classes: BTreeMap<String, TypeClass>,
    keys: Vec<Key>,
}

/// The server settings that change what declared DDL means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerRules {
    /// `@@explicit_defaults_for_timestamp` (on by default since MariaDB 10.10): a TIMESTAMP
    /// column is then like any other. Off, the first one becomes NOT NULL with an automatic
    /// default and update, which this parser leaves to the server.
    pub explicit_defaults_for_timestamp: bool,
}

/// Parse and normalize the declared files, for a server with `rules`.
pub fn parse(files: &[(PathBuf, String)], rules: ServerRules) -> Result<Schema, Declined> {
    let mut tables: BTreeMap<String, DeclaredTable> = BTreeMap::new();
    // Foreign key names are unique in the whole database on InnoDB.
    let mut foreign_key_names: BTreeSet<String> = BTreeSet::new();
    for (path, text) in files {
        if text.contains('\\') {
            // MySQL reads backslash escapes in strings; the scratch database gets them right.
            return Err(Declined(format!("{}: a backslash", path.display())));
        }
        let statements = Parser::parse_sql(&MySqlDialect {}, text)
            .map_err(|e| Declined(format!("{}: {e}", path.display())))?;
        for statement in statements {
            match statement {
                Statement::CreateTable(create) => {
                    let name = object_name(&create.name)?;
                    if tables.contains_key(&name) {
                        return Err(Declined(format!("table {name} declared twice")));
                    }
                    let declared =
                        create_table(&create, &name, &tables, &mut foreign_key_names, rules)?;
                    tables.insert(name, declared);
                }
                Statement::CreateIndex(create) => create_index(&create, &mut tables)?,
                Statement::AlterTable(alter) => {
                    let name = object_name(&alter.name)?;
                    for operation in &alter.operations {
                        let sqlparser::ast::AlterTableOperation::AddConstraint {
                            constraint: TableConstraint::ForeignKey(key),
                            not_valid: false,
                        } = operation
                        else {
                            return Err(Declined(format!("ALTER TABLE {name} {operation}")));
                        };
                        if key.name.is_none() {
                            return Err(Declined(format!(
                                "an unnamed foreign key added to {name} by ALTER TABLE"
                            )));
                        }
                        let mut this = tables.remove(&name).ok_or_else(|| {
                            Declined(format!("ALTER TABLE {name} before CREATE TABLE"))
                        })?;
                        let added =
                            add_foreign_key(&mut this, &tables, key, 0, &mut foreign_key_names);
                        tables.insert(name.clone(), this);
                        added?;
                    }
                }
                other => return Err(Declined::statement(&other)),
            }
        }
    }
    Ok(Schema {
        tables: tables
            .into_values()
            .map(|declared| {
                let table = declared.finish();
                (table.name.clone(), table)
            })
            .collect(),
        ..Schema::default()
    })
}

fn qualified(name: &str) -> QualifiedName {
    QualifiedName {
        schema: String::new(),
        name: name.to_owned(),
    }
}

/// A table or index name: one identifier, unquoted or in backticks.
fn object_name(name: &ObjectName) -> Result<String, Declined> {
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => identifier(ident),
        _ => Err(Declined(format!("the qualified name {name}"))),
    }
}

fn identifier(ident: &sqlparser::ast::Ident) -> Result<String, Declined> {
    if matches!(ident.quote_style, None | Some('`'))
        && !ident.value.is_empty()
        && ident.value.len() <= MAX_NAME
        && !ident.value.ends_with(' ')
    {
        Ok(ident.value.clone())
    } else {
        Err(Declined(format!("the name {ident}")))
    }
}

fn create_table(
    create: &CreateTable,
    name: &str,
    tables: &BTreeMap<String, DeclaredTable>,
    foreign_key_names: &mut BTreeSet<String>,
    rules: ServerRules,
) -> Result<DeclaredTable, Declined> {
    if !retort_core::declared_sql::is_plain_create_table(create) {
        return Err(Declined(format!("the form of CREATE TABLE {name}")));
    }
    let mut declared = DeclaredTable {
        table: Table {
            comment: table_comment(&create.table_options, name)?,
            ..Table::new(qualified(name))
        },
        classes: BTreeMap::new(),
        keys: Vec::new(),
    };
    let mut unnamed_keys: Vec<(KeyKind, Vec<KeyPart>)> = Vec::new();
    let mut named_keys: Vec<(KeyKind, String, Vec<KeyPart>)> = Vec::new();
    let mut checks: Vec<(Option<String>, Expr)> = Vec::new();
    let mut foreign_keys: Vec<&ForeignKeyConstraint> = Vec::new();
    let mut explicitly_null: BTreeSet<String> = BTreeSet::new();

    for definition in &create.columns {
        let column_name = identifier(&definition.name)?;
        if declared.classes.contains_key(&column_name) {
            return Err(Declined(format!(
                "column {name}.{column_name} declared twice"
            )));
        }
        let (data_type, class) = normalize::column_type(&definition.data_type, rules)?;
        let mut column = Column {
            name: column_name.clone(),
            data_type,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            virtual_generated: false,
            identity_options: retort_core::schema::IdentityOptions::default(),
            comment: None,
        };
        let mut default = None;
        for option in &definition.options {
            let unsupported = || {
                Declined(format!(
                    "the column option {} on {name}.{column_name}",
                    option.option
                ))
            };
            if option.name.is_some() {
                return Err(unsupported());
            }
            match &option.option {
                ColumnOption::Null => {
                    explicitly_null.insert(column_name.clone());
                }
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(expression) => default = Some(expression),
                ColumnOption::PrimaryKey(_) => {
                    named_keys.push((
                        KeyKind::Primary,
                        "PRIMARY".to_owned(),
                        vec![KeyPart::whole(&column_name)],
                    ));
                }
                ColumnOption::Unique(_) => {
                    unnamed_keys.push((KeyKind::Unique, vec![KeyPart::whole(&column_name)]));
                }
                ColumnOption::Check(check) if check.enforced.is_none() => {
                    // A column-level CHECK is named after its column.
                    checks.push((Some(column_name.clone()), (*check.expr).clone()));
                }
                ColumnOption::Comment(text) => column.comment = comment(text, 1024)?,
                ColumnOption::DialectSpecific(tokens)
                    if tokens.len() == 1
                        && tokens[0].to_string().eq_ignore_ascii_case("AUTO_INCREMENT") =>
                {
                    column.identity = Some("AUTO_INCREMENT".to_owned());
                }
                _ => return Err(unsupported()),
            }
        }
        if explicitly_null.contains(&column_name) && !column.nullable {
            return Err(Declined(format!(
                "{name}.{column_name} is both NULL and NOT NULL"
            )));
        }
        if let Some(expression) = default {
            column.default = normalize::default_value(expression, class)?;
            if (column.default.is_none() && !column.nullable) || column.identity.is_some() {
                return Err(Declined(format!("the default of {name}.{column_name}")));
            }
        }
        if column.identity.is_some() && !matches!(class, TypeClass::Integer { .. }) {
            return Err(Declined(format!("AUTO_INCREMENT on {name}.{column_name}")));
        }
        declared.classes.insert(column_name, class);
        declared.table.columns.push(column);
    }

    for constraint in &create.constraints {
        let unsupported = || Declined(format!("the constraint {constraint} on {name}"));
        match constraint {
            TableConstraint::PrimaryKey(key)
                if key.index_name.is_none()
                    && key.index_type.is_none()
                    && key.index_options.is_empty()
                    && key.characteristics.is_none() =>
            {
                named_keys.push((
                    KeyKind::Primary,
                    "PRIMARY".to_owned(),
                    key_parts(&key.columns)?,
                ));
            }
            TableConstraint::Unique(key)
                if key.index_type.is_none()
                    && key.index_options.is_empty()
                    && key.characteristics.is_none()
                    && key.nulls_distinct == sqlparser::ast::NullsDistinctOption::None =>
            {
                let parts = key_parts(&key.columns)?;
                match (&key.name, &key.index_name) {
                    (None, None) => unnamed_keys.push((KeyKind::Unique, parts)),
                    (Some(given), None) | (None, Some(given)) => {
                        named_keys.push((KeyKind::Unique, identifier(given)?, parts));
                    }
                    (Some(_), Some(_)) => return Err(unsupported()),
                }
            }
            TableConstraint::Index(key)
                if key.index_type.is_none() && key.index_options.is_empty() =>
            {
                let parts = key_parts(&key.columns)?;
                match &key.name {
                    None => unnamed_keys.push((KeyKind::Index, parts)),
                    Some(given) => named_keys.push((KeyKind::Index, identifier(given)?, parts)),
                }
            }
            TableConstraint::Check(check) if check.enforced.is_none() => {
                let name = check.name.as_ref().map(identifier).transpose()?;
                checks.push((name, (*check.expr).clone()));
            }
            TableConstraint::ForeignKey(key) => foreign_keys.push(key),
            _ => return Err(unsupported()),
        }
    }

    // Explicit names first: a generated name that meets one would be suffixed (`a_2`), a case
    // this parser leaves to the server.
    for (kind, key_name, parts) in named_keys {
        declared.add_key(kind, key_name, parts, false)?;
    }
    for (kind, parts) in unnamed_keys {
        let key_name = parts[0].column.clone();
        declared.add_key(kind, key_name, parts, false)?;
    }
    declared.check_auto_increment()?;

    let mut unnamed_checks = 0;
    let column_names: Vec<String> = declared.classes.keys().cloned().collect();
    for (check_name, expression) in checks {
        let check_name = check_name.unwrap_or_else(|| {
            unnamed_checks += 1;
            format!("CONSTRAINT_{unnamed_checks}")
        });
        if declared.table.checks.iter().any(|c| c.name == check_name) {
            return Err(Declined(format!(
                "the check name {check_name} used twice on {name}"
            )));
        }
        let clause = normalize::check_clause(&expression, &column_names)?;
        declared.table.checks.push(Check {
            comment: None,
            name: check_name,
            definition: format!("CHECK ({clause})"),
        });
    }

    let mut unnamed_foreign_keys = 0;
    for key in foreign_keys {
        if key.name.is_none() {
            unnamed_foreign_keys += 1;
        }
        add_foreign_key(
            &mut declared,
            tables,
            key,
            unnamed_foreign_keys,
            foreign_key_names,
        )?;
    }
    Ok(declared)
}

impl DeclaredTable {
    /// The table as introspection reports it: keys split by kind, everything sorted by name.
    fn finish(mut self) -> Table {
        let table_name = self.table.name.name.clone();
        for key in self.keys {
            let columns = key.columns();
            match key.kind {
                KeyKind::Primary => {
                    self.table.primary_key = Some(Constraint::new(key.name, columns));
                }
                // A unique key on whole columns is a constraint; with prefixes or DESC parts it
                // stays an index, as introspection reports it.
                KeyKind::Unique
                    if key
                        .parts
                        .iter()
                        .all(|p| p.prefix.is_none() && !p.descending) =>
                {
                    self.table.uniques.push(Constraint::new(key.name, columns));
                }
                KeyKind::Unique | KeyKind::Index => {
                    let unique = key.kind == KeyKind::Unique;
                    let parts: Vec<String> = key
                        .parts
                        .iter()
                        .map(|part| render::key_part(&part.column, part.prefix, part.descending))
                        .collect();
                    let kind = if unique { "UNIQUE " } else { "" };
                    self.table.indexes.push(Index {
                        comment: None,
                        definition: render::index_definition(kind, &key.name, &table_name, &parts),
                        name: key.name,
                        unique,
                    });
                }
            }
        }
        self.table.sort_by_name();
        self.table
    }
}

fn comment(text: &str, limit: usize) -> Result<Option<String>, Declined> {
    if text.chars().count() > limit {
        return Err(Declined("a comment longer than MariaDB keeps".to_owned()));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// The table's COMMENT; ENGINE may only name InnoDB (others ignore foreign keys).
fn table_comment(options: &CreateTableOptions, table: &str) -> Result<Option<String>, Declined> {
    let options = match options {
        CreateTableOptions::None => return Ok(None),
        CreateTableOptions::Plain(options) => options,
        _ => return Err(Declined(format!("the options of table {table}"))),
    };
    let mut found = None;
    for option in options {
        match option {
            SqlOption::Comment(
                sqlparser::ast::CommentDef::WithEq(text)
                | sqlparser::ast::CommentDef::WithoutEq(text),
            ) => found = comment(text, 2048)?,
            SqlOption::NamedParenthesizedList(list)
                if list.key.value.eq_ignore_ascii_case("ENGINE")
                    && list.values.is_empty()
                    && list
                        .name
                        .as_ref()
                        .is_some_and(|engine| engine.value.eq_ignore_ascii_case("InnoDB")) => {}
            other => return Err(Declined(format!("the table option {other} on {table}"))),
        }
    }
    Ok(found)
}
