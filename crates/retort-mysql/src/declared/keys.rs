//! Keys as MariaDB makes them: PRIMARY, unique keys and indexes with the names it generates
//! (the first column's), the parts it accepts, and `CREATE INDEX`.

use std::collections::BTreeMap;

use retort_core::schema::Column;
use sqlparser::ast::{CreateIndex, Expr, IndexColumn, OrderBySort};

use super::normalize::TypeClass;
use super::{identifier, object_name, DeclaredTable, Declined};

/// InnoDB's limit on the bytes of one index entry.
const MAX_KEY_BYTES: u64 = 3072;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    Primary,
    Unique,
    Index,
}

#[derive(Debug, Clone)]
pub(super) struct KeyPart {
    pub(super) column: String,
    pub(super) prefix: Option<u64>,
    pub(super) descending: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Key {
    pub(super) kind: KeyKind,
    pub(super) name: String,
    pub(super) parts: Vec<KeyPart>,
    /// Added by InnoDB for a foreign key; MariaDB may drop it again when another index covers
    /// the key, which this parser does not model.
    pub(super) implicit: bool,
}

impl DeclaredTable {
    pub(super) fn add_key(
        &mut self,
        kind: KeyKind,
        name: String,
        parts: Vec<KeyPart>,
        implicit: bool,
    ) -> Result<(), Declined> {
        let table = &self.table.name.name;
        if self.keys.iter().any(|k| k.name.eq_ignore_ascii_case(&name)) {
            return Err(Declined(format!(
                "the key name {name} used twice on {table}"
            )));
        }
        if name.eq_ignore_ascii_case("PRIMARY") != (kind == KeyKind::Primary) {
            return Err(Declined(format!("the key name {name} on {table}")));
        }
        let mut bytes = 0;
        for part in &parts {
            let class = *self.classes.get(&part.column).ok_or_else(|| {
                Declined(format!("key {name} on {table}: no column {}", part.column))
            })?;
            let prefix_allowed = matches!(class, TypeClass::Text { length } if part.prefix.is_some_and(|p| p > 0 && length.is_none_or(|l| p < l)));
            if (part.prefix.is_some() && (!prefix_allowed || kind == KeyKind::Primary))
                || (part.prefix.is_none() && !class.indexable_whole())
                || (part.descending && kind == KeyKind::Primary)
            {
                return Err(Declined(format!("the parts of key {name} on {table}")));
            }
            bytes += class.key_bytes(part.prefix);
        }
        if bytes > MAX_KEY_BYTES {
            return Err(Declined(format!("key {name} on {table} is too long")));
        }
        // A new index that covers a foreign key's own index makes MariaDB drop that one.
        if self
            .keys
            .iter()
            .any(|k| k.implicit && leads(&parts, &k.columns()))
        {
            return Err(Declined(format!(
                "key {name} on {table} covers a foreign key's index"
            )));
        }
        if kind == KeyKind::Primary {
            for part in &parts {
                if let Some(column) = self
                    .table
                    .columns
                    .iter_mut()
                    .find(|c| c.name == part.column)
                {
                    column.nullable = false;
                }
            }
        }
        self.keys.push(Key {
            kind,
            name,
            parts,
            implicit,
        });
        Ok(())
    }

    /// MariaDB's rule: one AUTO_INCREMENT column, and it leads some key.
    pub(super) fn check_auto_increment(&self) -> Result<(), Declined> {
        let automatic: Vec<&Column> = self
            .table
            .columns
            .iter()
            .filter(|c| c.identity.is_some())
            .collect();
        match automatic.as_slice() {
            [] => Ok(()),
            [column] if self.keys.iter().any(|k| k.parts[0].column == column.name) => Ok(()),
            _ => Err(Declined(format!(
                "AUTO_INCREMENT on {}",
                self.table.name.name
            ))),
        }
    }
}

impl KeyPart {
    /// A whole column, ascending.
    pub(super) fn whole(column: &str) -> Self {
        Self {
            column: column.to_owned(),
            prefix: None,
            descending: false,
        }
    }
}

impl Key {
    pub(super) fn columns(&self) -> Vec<String> {
        self.parts.iter().map(|p| p.column.clone()).collect()
    }

    /// Can this key serve `columns` (they are its leading whole columns, in order)?
    pub(super) fn leads_with(&self, columns: &[String]) -> bool {
        leads(&self.parts, columns)
    }
}

/// Are `columns` the leading whole columns of `parts`, in order?
pub(super) fn leads(parts: &[KeyPart], columns: &[String]) -> bool {
    parts.len() >= columns.len()
        && parts
            .iter()
            .zip(columns)
            .all(|(part, column)| part.prefix.is_none() && part.column == *column)
}

/// `a`, `b(10)`, `c DESC`.
pub(super) fn key_parts(columns: &[IndexColumn]) -> Result<Vec<KeyPart>, Declined> {
    let mut parts = Vec::new();
    for column in columns {
        let declined = || Declined(format!("the key part {column}"));
        if column.operator_class.is_some()
            || column.column.options.nulls_first.is_some()
            || column.column.with_fill.is_some()
        {
            return Err(declined());
        }
        if matches!(column.column.options.sort, Some(OrderBySort::Using(_))) {
            return Err(declined());
        }
        let (name, prefix) = match &column.column.expr {
            Expr::Identifier(ident) => (identifier(ident)?, None),
            // sqlparser reads a prefix length `name(10)` as a call.
            Expr::Function(function) => {
                let args = function.args.to_string();
                let length: u64 = args
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .parse()
                    .map_err(|_| declined())?;
                (object_name(&function.name)?, Some(length))
            }
            _ => return Err(declined()),
        };
        parts.push(KeyPart {
            column: name,
            prefix,
            descending: matches!(column.column.options.sort, Some(OrderBySort::Desc)),
        });
    }
    if parts.is_empty() {
        return Err(Declined("a key without columns".to_owned()));
    }
    Ok(parts)
}

pub(super) fn create_index(
    create: &CreateIndex,
    tables: &mut BTreeMap<String, DeclaredTable>,
) -> Result<(), Declined> {
    let table_name = object_name(&create.table_name)?;
    let unsupported = || Declined(format!("the index statement {create}"));
    let Some(name) = &create.name else {
        return Err(unsupported());
    };
    if create.using.is_some()
        || create.concurrently
        || create.if_not_exists
        || !create.include.is_empty()
        || create.nulls_distinct.is_some()
        || !create.with.is_empty()
        || create.predicate.is_some()
        || !create.index_options.is_empty()
        || !create.alter_options.is_empty()
    {
        return Err(unsupported());
    }
    let table = tables
        .get_mut(&table_name)
        .ok_or_else(|| Declined(format!("CREATE INDEX on {table_name} before CREATE TABLE")))?;
    let kind = if create.unique {
        KeyKind::Unique
    } else {
        KeyKind::Index
    };
    table.add_key(kind, object_name(name)?, key_parts(&create.columns)?, false)
}
