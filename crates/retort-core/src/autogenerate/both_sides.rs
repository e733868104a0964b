//! The two sides a comparison reads: the live schema from the database's catalog, and the
//! declared schema as the model. When the declared schema needs a scratch database (the parser
//! declines a view, a function, a policy), loading it there takes as long as reading the live
//! catalog or longer; the two then run side by side, the load on a connection of its own, so
//! that a check takes the longer of the two rather than their sum.

use crate::introspect::{Database, IntrospectFilter};
use crate::schema::Schema;

use super::{full_load_only, loaded_target, parsed_target, AutogenerateError, DeclaredSchema};

/// What [`read`] returns.
pub struct Sides {
    /// The live database's schema.
    pub current: Schema,
    /// What the live database has that the model does not carry (an aggregate, a table's
    /// partitioning), as `kind name`: not compared, and said, since a live one would otherwise
    /// go unseen (a declared one is refused).
    pub left_alone: Vec<String>,
    /// The declared schema as the model.
    pub target: Schema,
}

/// Read both sides. `scratch_server` (`[autogenerate] dev_url`) hosts the scratch database
/// when given; otherwise a second connection to the live database does, and where none can be
/// had (an in-memory SQLite database) the two sides are read one after the other on `live`.
/// An error reading the live side is reported before one making the declared side, as when
/// they ran in that order.
pub fn read(
    live: &mut dyn Database,
    scratch_server: Option<&mut dyn Database>,
    declared: &DeclaredSchema,
    filter: &IntrospectFilter,
) -> Result<Sides, AutogenerateError> {
    let full_load = full_load_only(scratch_server.is_some(), filter);
    if let Some(target) = parsed_target(live, full_load, declared, filter) {
        let (current, left_alone) = read_live(live, filter)?;
        return Ok(Sides {
            current,
            left_alone,
            target,
        });
    }
    let mut another = match scratch_server {
        Some(_) => None,
        None => live.connect_again(),
    };
    let Some(server) = scratch_server.or(another.as_deref_mut()) else {
        let (current, left_alone) = read_live(live, filter)?;
        let (target, _) = loaded_target(live, full_load, declared, filter)?;
        return Ok(Sides {
            current,
            left_alone,
            target,
        });
    };
    std::thread::scope(|scope| {
        let declared_side = scope.spawn(|| loaded_target(server, full_load, declared, filter));
        let live_side = read_live(live, filter);
        let declared_side = declared_side
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let (current, left_alone) = live_side?;
        let (target, _) = declared_side?;
        Ok(Sides {
            current,
            left_alone,
            target,
        })
    })
}

/// The live schema and what it has that the model does not carry.
fn read_live(
    live: &mut dyn Database,
    filter: &IntrospectFilter,
) -> Result<(Schema, Vec<String>), AutogenerateError> {
    let current = live.introspect(filter)?;
    let left_alone = live.unmodeled_objects(filter)?;
    Ok((current, left_alone))
}
