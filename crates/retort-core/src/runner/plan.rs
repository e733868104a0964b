//! From the applied heads and a target to the steps to run, each with the version-table change
//! that records it. The rows always name the applied heads: after each step they describe
//! exactly what has been applied, as Alembic's version table does.

use std::collections::BTreeSet;

use crate::revision::error::RevisionError;
use crate::revision::graph::{RevisionGraph, RevisionIndex};
use crate::revision::script::Direction;

/// One revision to apply or revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub revision: RevisionIndex,
    pub direction: Direction,
    /// Version-table rows this step removes and adds (an update when one of each).
    pub delete: Vec<String>,
    pub insert: Vec<String>,
}

/// The version table names a revision the migrations do not have.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("the database is at revision '{id}', which is not among the revision files")]
pub struct UnknownAppliedRevision {
    pub id: String,
}

/// Resolve version-table rows to revisions.
pub fn applied_heads(
    graph: &RevisionGraph,
    rows: &[String],
) -> Result<Vec<RevisionIndex>, UnknownAppliedRevision> {
    rows.iter()
        .map(|id| {
            graph
                .index_of(id)
                .ok_or_else(|| UnknownAppliedRevision { id: id.clone() })
        })
        .collect()
}

/// The steps that take the database from `current` (applied heads) to `target`, upward.
pub fn plan_upgrade(
    graph: &RevisionGraph,
    current: &[RevisionIndex],
    target: &str,
) -> Result<Vec<Step>, RevisionError> {
    let path = graph.upgrade_path(current, target)?;
    let mut heads: BTreeSet<RevisionIndex> = current.iter().copied().collect();
    let mut steps = Vec::with_capacity(path.len());
    for revision in path {
        let replaced: Vec<RevisionIndex> = heads
            .iter()
            .copied()
            .filter(|&h| h != revision && graph.is_ancestor(h, revision))
            .collect();
        for head in &replaced {
            heads.remove(head);
        }
        heads.insert(revision);
        steps.push(Step {
            revision,
            direction: Direction::Upgrade,
            delete: replaced.iter().map(|&h| graph.id(h).to_owned()).collect(),
            insert: vec![graph.id(revision).to_owned()],
        });
    }
    Ok(steps)
}

/// The steps that take the database from `current` down to `target`.
pub fn plan_downgrade(
    graph: &RevisionGraph,
    current: &[RevisionIndex],
    target: &str,
) -> Result<Vec<Step>, RevisionError> {
    let path = graph.downgrade_path(current, target)?;
    let mut heads: BTreeSet<RevisionIndex> = current.iter().copied().collect();
    let mut steps = Vec::with_capacity(path.len());
    for revision in path {
        let was_recorded = heads.remove(&revision);
        let mut restored = Vec::new();
        for &below in graph.revision(revision).normalized_down() {
            let implied = heads.iter().any(|&h| graph.is_ancestor(below, h));
            if !implied && !heads.contains(&below) {
                heads.insert(below);
                restored.push(below);
            }
        }
        steps.push(Step {
            revision,
            direction: Direction::Downgrade,
            delete: if was_recorded {
                vec![graph.id(revision).to_owned()]
            } else {
                Vec::new()
            },
            insert: restored.iter().map(|&r| graph.id(r).to_owned()).collect(),
        });
    }
    Ok(steps)
}

/// The rows `stamp` leaves: the targets, plus current rows on unrelated branches (all rows go
/// with `purge`). `base` as a target stamps nothing.
pub fn plan_stamp(
    graph: &RevisionGraph,
    current: &[RevisionIndex],
    targets: &[String],
    purge: bool,
) -> Result<Vec<RevisionIndex>, RevisionError> {
    let mut wanted = Vec::new();
    for target in targets {
        wanted.extend(graph.get_revision_indices(target)?);
    }
    let mut rows: Vec<RevisionIndex> = Vec::new();
    if !purge {
        for &head in current {
            let related = wanted
                .iter()
                .any(|&w| graph.is_ancestor(head, w) || graph.is_ancestor(w, head));
            if !related && !targets.iter().any(|t| t == "base") {
                rows.push(head);
            }
        }
    }
    for revision in wanted {
        if !rows.contains(&revision) {
            rows.push(revision);
        }
    }
    // Keep only heads: a revision below another one is implied by it.
    let kept: Vec<RevisionIndex> = rows
        .iter()
        .copied()
        .filter(|&r| {
            !rows
                .iter()
                .any(|&other| other != r && graph.is_ancestor(r, other))
        })
        .collect();
    Ok(kept)
}

/// "a1 -> b2" for an upgrade step, "b2 -> a1" for a downgrade, as Alembic logs them.
pub fn describe_step(graph: &RevisionGraph, step: &Step) -> String {
    let revision = graph.revision(step.revision);
    let parents: Vec<&str> = revision
        .down_revisions()
        .iter()
        .map(|&i| graph.id(i))
        .collect();
    let parents = parents.join(", ");
    let doc = revision.script.doc();
    match step.direction {
        Direction::Upgrade => format!("{parents} -> {}, {doc}", revision.id()),
        Direction::Downgrade => format!("{} -> {parents}, {doc}", revision.id()),
    }
}
