//! Foreign keys as InnoDB makes them: `t_ibfk_N` names for unnamed ones, the index it adds
//! when no key leads with the columns, and the checks it makes against the referenced table.

use std::collections::{BTreeMap, BTreeSet};

use retort_core::declared_sql::referential_action;
use retort_core::schema::ForeignKey;
use sqlparser::ast::{ForeignKeyConstraint, ReferentialAction};

use super::keys::{leads, KeyKind, KeyPart};
use super::{identifier, object_name, DeclaredTable, Declined};

/// Add `key` to `this`, referencing `this` itself or a table of `others`.
pub(super) fn add_foreign_key(
    this: &mut DeclaredTable,
    others: &BTreeMap<String, DeclaredTable>,
    key: &ForeignKeyConstraint,
    unnamed_number: usize,
    foreign_key_names: &mut BTreeSet<String>,
) -> Result<(), Declined> {
    let name = this.table.name.name.clone();
    let referenced_name = object_name(&key.foreign_table)?;
    let foreign_key = if referenced_name == name {
        resolve_foreign_key(key, unnamed_number, this, this)?
    } else {
        let referenced = others.get(&referenced_name).ok_or_else(|| {
            Declined(format!(
                "{name} references {referenced_name}, not declared before it"
            ))
        })?;
        resolve_foreign_key(key, unnamed_number, this, referenced)?
    };
    this.attach_foreign_key(foreign_key, key.name.is_some(), foreign_key_names)
}

/// The foreign key as introspection reports it, once MariaDB would accept it.
fn resolve_foreign_key(
    key: &ForeignKeyConstraint,
    unnamed_number: usize,
    this: &DeclaredTable,
    referenced: &DeclaredTable,
) -> Result<ForeignKey, Declined> {
    let name = &this.table.name.name;
    let declined = |why: &str| Declined(format!("the foreign key {key} on {name}: {why}"));
    if key.index_name.is_some() || key.match_kind.is_some() || key.characteristics.is_some() {
        return Err(declined("its options"));
    }
    let columns = key
        .columns
        .iter()
        .map(identifier)
        .collect::<Result<Vec<_>, _>>()?;
    let referenced_columns = key
        .referred_columns
        .iter()
        .map(identifier)
        .collect::<Result<Vec<_>, _>>()?;
    if columns.is_empty() || columns.len() != referenced_columns.len() {
        return Err(declined("the column lists"));
    }
    for (column, referenced_column) in columns.iter().zip(&referenced_columns) {
        let (Some(own), Some(other)) = (
            this.table.column(column),
            referenced.table.column(referenced_column),
        ) else {
            return Err(declined("a column that does not exist"));
        };
        if own.data_type != other.data_type {
            return Err(declined("columns of different types"));
        }
    }
    if !referenced
        .keys
        .iter()
        .any(|k| k.leads_with(&referenced_columns))
    {
        return Err(declined("the referenced columns have no index"));
    }
    // SET DEFAULT is not among the rules read off the server: the scratch database takes it.
    let action = |action: &Option<ReferentialAction>| match referential_action(
        action.as_ref(),
        "RESTRICT",
    ) {
        "SET DEFAULT" => Err(declined("SET DEFAULT")),
        words => Ok(words.to_owned()),
    };
    let on_delete = action(&key.on_delete)?;
    let on_update = action(&key.on_update)?;
    if (on_delete == "SET NULL" || on_update == "SET NULL")
        && columns
            .iter()
            .any(|c| this.table.column(c).is_some_and(|c| !c.nullable))
    {
        return Err(declined("SET NULL on a NOT NULL column"));
    }
    let key_name = match &key.name {
        Some(given) => identifier(given)?,
        None => format!("{name}_ibfk_{unnamed_number}"),
    };
    Ok(ForeignKey {
        comment: None,
        name: key_name,
        columns,
        referenced_table: referenced.table.name.clone(),
        referenced_columns,
        on_delete,
        on_update,
        deferrable: false,
        initially_deferred: false,
        match_full: false,
        not_valid: false,
    })
}

impl DeclaredTable {
    pub(super) fn attach_foreign_key(
        &mut self,
        foreign_key: ForeignKey,
        named: bool,
        foreign_key_names: &mut BTreeSet<String>,
    ) -> Result<(), Declined> {
        if !foreign_key_names.insert(foreign_key.name.to_ascii_lowercase()) {
            return Err(Declined(format!(
                "the foreign key name {} used twice",
                foreign_key.name
            )));
        }
        if !self.keys.iter().any(|k| k.leads_with(&foreign_key.columns)) {
            // InnoDB indexes the referencing columns itself, under the constraint's name or,
            // for an unnamed key, its first column's.
            if self
                .keys
                .iter()
                .any(|k| leads(&foreign_key_parts(&foreign_key), &k.columns()))
            {
                return Err(Declined(format!(
                    "the index MariaDB adds for {} would extend another",
                    foreign_key.name
                )));
            }
            let index_name = if named {
                foreign_key.name.clone()
            } else {
                foreign_key.columns[0].clone()
            };
            self.add_key(
                KeyKind::Index,
                index_name,
                foreign_key_parts(&foreign_key),
                true,
            )?;
        }
        self.table.foreign_keys.push(foreign_key);
        Ok(())
    }
}

fn foreign_key_parts(foreign_key: &ForeignKey) -> Vec<KeyPart> {
    foreign_key
        .columns
        .iter()
        .map(|column| KeyPart::whole(column))
        .collect()
}
