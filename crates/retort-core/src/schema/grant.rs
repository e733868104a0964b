//! Privileges granted on objects to roles (PostgreSQL, `[autogenerate] compare_grants`).
//!
//! What is modeled, and why an unchanged schema diffs to nothing:
//! - only privileges granted by the object's owner to a role other than the owner: the owner's
//!   own rights come with ownership (never compared), and a privilege a grantee passed on with
//!   its grant option belongs to that grantee (the owner cannot revoke it);
//! - an object whose ACL was never set holds its kind's default ACL (`acldefault`): for
//!   functions and procedures that is `EXECUTE` to `PUBLIC`, for tables, views, columns,
//!   sequences and schemas nothing beyond the owner. Both sides read the effective ACL, so a
//!   function declared without grants still compares equal, and `REVOKE EXECUTE … FROM PUBLIC`
//!   is a difference like any other;
//! - an object the plan creates starts with its default ACL ([`GrantObject::default_grants`]).

use super::{FunctionKey, QualifiedName};

/// Who receives a privilege.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantee {
    /// Every role.
    Public,
    Role(String),
}

impl std::fmt::Display for Grantee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Public => write!(f, "PUBLIC"),
            Self::Role(name) => write!(f, "{name}"),
        }
    }
}

/// What a privilege is on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantObject {
    Schema(String),
    /// A table or a view.
    Table(QualifiedName),
    Column {
        table: QualifiedName,
        column: String,
    },
    /// `owned_by` is the column a `serial` or identity sequence belongs to: it is created and
    /// dropped with that column.
    Sequence {
        name: QualifiedName,
        owned_by: Option<(QualifiedName, String)>,
    },
    /// A function or procedure (`ROUTINE` names both).
    Routine(FunctionKey),
}

impl GrantObject {
    /// The privileges an object of this kind holds when it is created (`acldefault`).
    pub fn default_grants(&self) -> Vec<(Grant, bool)> {
        match self {
            Self::Routine(_) => vec![(
                Grant {
                    object: self.clone(),
                    grantee: Grantee::Public,
                    privilege: "EXECUTE".to_owned(),
                },
                false,
            )],
            Self::Schema(_) | Self::Table(_) | Self::Column { .. } | Self::Sequence { .. } => {
                Vec::new()
            }
        }
    }
}

impl std::fmt::Display for GrantObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Schema(name) => write!(f, "schema {name}"),
            Self::Table(name) => write!(f, "table {name}"),
            Self::Column { table, column } => write!(f, "column {table}.{column}"),
            Self::Sequence { name, .. } => write!(f, "sequence {name}"),
            Self::Routine(key) => write!(f, "routine {key}"),
        }
    }
}

/// One privilege on one object to one grantee; whether it carries `WITH GRANT OPTION` is the
/// value it maps to in [`super::Schema::grants`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    pub object: GrantObject,
    pub grantee: Grantee,
    /// `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, `REFERENCES`, `TRIGGER`, `USAGE`,
    /// `CREATE`, `EXECUTE`, as the server names them.
    pub privilege: String,
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} on {} to {}",
            self.privilege, self.object, self.grantee
        )
    }
}
