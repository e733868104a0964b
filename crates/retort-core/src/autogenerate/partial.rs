//! The partial scratch load: when a dialect's parser models the tables but declines a few
//! statements whose canonical text only the server can give (views, functions, triggers,
//! policies), only those statements go to a scratch database, with the statements they need,
//! instead of the whole declared schema. The server refuses a view, policy, trigger or SQL
//! function whose table is missing, so a missed reference is a failed load, never a silent
//! difference: any failure throws the partial scratch away and the caller takes the full load.

use std::path::PathBuf;

use crate::introspect::{Database, IntrospectFilter};
use crate::schema::Schema;

use super::{load_into, DeclaredSchema};

/// A declared schema split by a parser's partial mode.
#[derive(Debug, Clone, Default)]
pub struct PartialDeclared {
    /// What the parser modeled: tables, and everything else it takes.
    pub schema: Schema,
    /// The statements the scratch database gets, per file in the declared order: all but the
    /// tables nobody needs, then those the parser declined.
    pub load: Vec<(PathBuf, String)>,
}

/// Load `partial.load` into a scratch database on `server` and merge what it reports into the
/// parsed model. `None` when anything fails (a statement, or an object autogenerate does not
/// model): the full load then runs and reports it exactly as it would have without this path.
pub fn load_and_merge(
    server: &mut dyn Database,
    partial: &PartialDeclared,
    filter: &IntrospectFilter,
) -> Option<Schema> {
    let (mut scratch, name) = server.create_scratch().ok()?;
    let declared = DeclaredSchema {
        files: partial.load.clone(),
        notes: Vec::new(),
    };
    let loaded = load_into(scratch.as_mut(), &declared)
        .ok()
        .and_then(|()| {
            let unmodeled = scratch
                .unmodeled_objects(&filter.of_stand_in_tables())
                .ok()?;
            unmodeled.is_empty().then_some(())
        })
        .and_then(|()| scratch.introspect(filter).ok());
    drop(scratch);
    let dropped = server.drop_scratch(&name);
    let scratch_schema = loaded?;
    dropped.ok()?;
    Some(merge(partial.schema.clone(), scratch_schema))
}

/// Tables (and enums, sequences) from the parser; views and functions from the scratch
/// database, and each table's triggers, policies and row security from the scratch's table of
/// the same name (a table the scratch did not get has none: a statement giving it one would
/// have named it, and so have loaded it).
fn merge(mut parsed: Schema, scratch: Schema) -> Schema {
    parsed.views = scratch.views;
    parsed.functions = scratch.functions;
    for (name, table) in &mut parsed.tables {
        if let Some(loaded) = scratch.tables.get(name) {
            table.triggers.clone_from(&loaded.triggers);
            table.policies.clone_from(&loaded.policies);
            table.row_security = loaded.row_security;
        }
    }
    parsed
}
