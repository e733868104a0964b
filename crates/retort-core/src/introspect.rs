//! What reads a live database's schema: its catalog, and the scratch database a declared schema
//! is loaded into. Apart from [`Connection`], which executes: an offline script executes (it
//! writes) but has no catalog, and rendering (the [`Dialect`]) needs neither.

use crate::dialect::Dialect;
use crate::glob::{BadGlob, GlobList};
use crate::runner::connection::{Connection, DatabaseError, VersionTable};
use crate::schema::Schema;

/// Which tables introspection reads. The globs are compiled once, when the filter is made.
#[derive(Debug, Clone, Default)]
pub struct IntrospectFilter {
    /// Schema names; empty means the connection's default schema.
    schemas: GlobList,
    /// Table names to leave out.
    exclude_tables: GlobList,
    /// Always left out.
    pub version_table: VersionTable,
    /// Whether privileges granted to roles are read (`[autogenerate] compare_grants`):
    /// otherwise ACLs are not looked at, on either side.
    pub grants: bool,
    /// The tables read are stand-ins that the partial scratch load made from the parsed model
    /// ([`crate::autogenerate::partial`]): how they are stored is the load's doing, not the
    /// declared schema's, so it is not reported as unmodeled.
    pub stand_in_tables: bool,
}

impl IntrospectFilter {
    /// `include_schemas` and `exclude_tables` as written in `retort.toml`.
    pub fn new(
        include_schemas: &[String],
        exclude_tables: &[String],
        version_table: VersionTable,
    ) -> Result<Self, BadGlob> {
        Ok(Self {
            schemas: GlobList::new("[autogenerate] include_schemas", include_schemas, false)?,
            exclude_tables: GlobList::new("[autogenerate] exclude_tables", exclude_tables, false)?,
            version_table,
            grants: false,
            stand_in_tables: false,
        })
    }

    /// The same filter, reading grants too, or not.
    #[must_use]
    pub fn with_grants(self, grants: bool) -> Self {
        Self { grants, ..self }
    }

    /// The same filter, for a scratch database whose tables are stand-ins.
    #[must_use]
    pub fn of_stand_in_tables(&self) -> Self {
        Self {
            stand_in_tables: true,
            ..self.clone()
        }
    }

    /// Whether schemas were named (otherwise: the connection's default schema only).
    pub fn names_schemas(&self) -> bool {
        !self.schemas.is_empty()
    }

    /// Whether schema `name` is selected (when schemas were named).
    pub fn selects_schema(&self, name: &str) -> bool {
        self.schemas.matches(name)
    }

    /// Whether table `name` is left out: retort's own tables (the version table, the lease
    /// lock's, the progress record of interrupted revisions), or a name `exclude_tables`
    /// matches.
    pub fn leaves_out(&self, table: &str) -> bool {
        table == self.version_table.name
            || table == crate::runner::lease::LOCK_TABLE
            || table == crate::runner::progress::PROGRESS_TABLE
            || self.exclude_tables.matches(table)
    }
}

/// A database whose schema can be read. Each method states what the autogenerate pipeline
/// relies on.
pub trait Introspect {
    /// How this database's SQL is written.
    fn dialect_rules(&self) -> &'static dyn Dialect;

    /// Read the tables `filter` selects, in a fixed number of catalog queries whatever their
    /// number.
    fn introspect(&mut self, filter: &IntrospectFilter) -> Result<Schema, DatabaseError>;

    /// The declared schema turned into the model without a scratch database, when this
    /// dialect can do it exactly for these files (`None`: use the scratch database).
    fn parse_declared(
        &mut self,
        files: &[(std::path::PathBuf, String)],
        filter: &IntrospectFilter,
    ) -> Option<Schema> {
        let _ = (files, filter);
        None
    }

    /// The declared schema split by the parser's partial mode: the tables (and what else the
    /// parser takes) modeled, and what a scratch database must run for the statements it
    /// leaves to the server (`None`: load the whole schema).
    fn parse_declared_partly(
        &mut self,
        files: &[(std::path::PathBuf, String)],
        filter: &IntrospectFilter,
    ) -> Option<crate::autogenerate::partial::PartialDeclared> {
        let _ = (files, filter);
        None
    }

    /// The first name in the declared files that reaches another database on this server
    /// (MySQL's `app.t`), as its file, line and database: loading the files into a scratch
    /// database would write there, or read it. `None` where a statement reaches no database
    /// but its connection's (PostgreSQL, SQLite's screened files).
    fn name_in_another_database(
        &mut self,
        files: &[(std::path::PathBuf, String)],
    ) -> Result<Option<(std::path::PathBuf, usize, String)>, DatabaseError> {
        let _ = files;
        Ok(None)
    }

    /// Grants not compared, the live privileges a plan must give back to an object it drops
    /// and creates again (views, materialized views, routines; see
    /// `diff::grants::kept_through_recreation`). Empty where objects carry none.
    fn grants_to_keep(
        &mut self,
        filter: &IntrospectFilter,
    ) -> Result<std::collections::BTreeMap<crate::schema::Grant, bool>, DatabaseError> {
        let _ = filter;
        Ok(std::collections::BTreeMap::new())
    }

    /// Objects in the selected schemas that the model does not cover (views, functions,
    /// triggers, …), as `kind name`. Autogenerate refuses a declared schema that has any,
    /// rather than silently leaving them out.
    fn unmodeled_objects(
        &mut self,
        filter: &IntrospectFilter,
    ) -> Result<Vec<String>, DatabaseError> {
        let _ = filter;
        Ok(Vec::new())
    }

    /// Schemas other than those `filter` selects where the declared schema put objects, each
    /// described with what it holds: introspection would leave them out of the comparison, so
    /// autogenerate refuses them rather than say nothing. Called on the scratch database.
    fn unselected_schemas(
        &mut self,
        filter: &IntrospectFilter,
    ) -> Result<Vec<String>, DatabaseError> {
        let _ = filter;
        Ok(Vec::new())
    }

    /// A second connection to this database, in this one's state (its current schema): the
    /// declared schema is loaded on it while this one reads the live catalog. `None` where
    /// there is none to be had (an in-memory database) or it fails: the two are then read one
    /// after the other on this connection, as they always can be.
    fn connect_again(&self) -> Option<Box<dyn Database>> {
        None
    }

    /// Create an empty scratch database beside this one (to load the declared schema into) and
    /// connect to it. Returns the connection and the name to pass to `drop_scratch`.
    fn create_scratch(&mut self) -> Result<(Box<dyn Database>, String), DatabaseError>;

    /// Drop what `create_scratch` made.
    fn drop_scratch(&mut self, name: &str) -> Result<(), DatabaseError>;
}

/// A live database: it executes ([`Connection`]) and its schema can be read ([`Introspect`]).
/// `Send`: the declared schema is loaded on one while another reads the live catalog.
pub trait Database: Connection + Introspect + Send {}

impl<T: Connection + Introspect + Send> Database for T {}
