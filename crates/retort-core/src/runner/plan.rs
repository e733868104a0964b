//! From the version rows and a target to the steps to run, each with the version-table change
//! that records it. The rows change as Alembic's `HeadMaintainer` changes them, in the same
//! order, so that after every step a database reads the same in both tools (the same rows, and
//! the same first row for `downgrade -1`): usually the heads of what is applied, but Alembic
//! keeps a row that another implies in a few moves involving `depends_on`, and so do we.
//! `alembic_differential` checks this against Alembic on random graphs and sequences.

use crate::revision::error::RevisionError;
use crate::revision::graph::{RevisionGraph, RevisionIndex};
use crate::revision::identifier::parse_relative;
use crate::revision::resolve::Point;
use crate::revision::script::Direction;

/// One revision to apply or revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub revision: RevisionIndex,
    pub direction: Direction,
    /// Version-table rows this step removes and adds, in the order [`RowChange`] describes.
    pub delete: Vec<String>,
    pub insert: Vec<String>,
}

/// A change of the version table: rows to remove and rows to add.
///
/// Applied as Alembic applies it, because the rows' order in the table matters: `downgrade -1`
/// with several rows walks down from the first row the table returns. When both lists are
/// non-empty, the first deleted row is updated in place to the last inserted one (it keeps its
/// place), the other inserted rows are appended first and the other deleted rows removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowChange {
    pub delete: Vec<String>,
    pub insert: Vec<String>,
}

/// The version table names a revision the migrations do not have.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{}", describe_unknown(.id, .squashed_by.as_deref()))]
pub struct UnknownAppliedRevision {
    pub id: String,
    /// The baseline whose `Squashes:` line names `id` (`retort import alembic --squash`).
    pub squashed_by: Option<String>,
}

fn describe_unknown(id: &str, squashed_by: Option<&str>) -> String {
    match squashed_by {
        Some(baseline) => format!(
            "the database is at Alembic revision '{id}', which the baseline {baseline} squashed: upgrade it with Alembic to {baseline} first"
        ),
        None => format!("the database is at revision '{id}', which is not among the revision files"),
    }
}

impl UnknownAppliedRevision {
    pub fn hint(&self) -> String {
        match &self.squashed_by {
            Some(baseline) => format!(
                "run `alembic upgrade {baseline}` with the Alembic project (the history the baseline replaced), then retort continues from there; or, if this database's schema already matches {baseline}, `retort stamp --purge {baseline}`"
            ),
            None => "restore the missing revision file, or re-stamp the database with `retort stamp --purge REV`".to_owned(),
        }
    }
}

/// Resolve version-table rows to revisions.
pub fn applied_heads(
    graph: &RevisionGraph,
    rows: &[String],
) -> Result<Vec<RevisionIndex>, UnknownAppliedRevision> {
    rows.iter()
        .map(|id| {
            graph.index_of(id).ok_or_else(|| UnknownAppliedRevision {
                id: id.clone(),
                squashed_by: graph
                    .revisions()
                    .find(|(_, revision)| revision.script.squashes.contains(id))
                    .map(|(_, revision)| revision.id().to_owned()),
            })
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
    let mut rows = VersionRows::new(graph, current);
    Ok(path
        .into_iter()
        .map(|revision| rows.upgrade(revision))
        .collect())
}

/// The steps that take the database from `current` down to `target`.
pub fn plan_downgrade(
    graph: &RevisionGraph,
    current: &[RevisionIndex],
    target: &str,
) -> Result<Vec<Step>, RevisionError> {
    let path = graph.downgrade_path(current, target)?;
    let mut rows = VersionRows::new(graph, current);
    Ok(path
        .into_iter()
        .map(|revision| rows.downgrade(revision))
        .collect())
}

/// The version rows while a run proceeds, in the table's order, changed step by step the way
/// Alembic's `HeadMaintainer` changes them, so that after every step the table holds what
/// Alembic's would, in the same order. Why not simply "the heads of what is applied": Alembic
/// keeps a row implied by another through `depends_on` in some moves (a merge whose parent is
/// also an ancestor of another row keeps that parent's row), and a database must read the same
/// in both tools.
///
/// Where Alembic's bookkeeping breaks (it would delete or update a row that is not there and
/// stop with a `KeyError` halfway through the run, leaving the database half-migrated), the
/// rows follow the applied set instead: a row that is not there is left alone, and a revision
/// that had no row of its own restores the parents nothing else implies.
struct VersionRows<'a> {
    graph: &'a RevisionGraph,
    rows: Vec<RevisionIndex>,
}

impl<'a> VersionRows<'a> {
    fn new(graph: &'a RevisionGraph, current: &[RevisionIndex]) -> Self {
        let mut rows = Vec::with_capacity(current.len());
        for &row in current {
            if !rows.contains(&row) {
                rows.push(row);
            }
        }
        Self { graph, rows }
    }

    /// Whether `revision` is one of `others` or an ancestor of one (through dependencies too).
    fn below_any(&self, revision: RevisionIndex, others: &[RevisionIndex]) -> bool {
        others
            .iter()
            .any(|&other| self.graph.is_ancestor(revision, other))
    }

    /// Change the rows as [`RowChange`] says (`delete[0]` updated to the last of `insert`),
    /// skipping deletes of absent rows and inserts of present ones.
    fn change(&mut self, delete: &[RevisionIndex], insert: &[RevisionIndex]) -> RowChange {
        let delete: Vec<RevisionIndex> = delete
            .iter()
            .copied()
            .filter(|r| self.rows.contains(r))
            .collect();
        let mut inserted: Vec<RevisionIndex> = Vec::new();
        for &row in insert {
            if !self.rows.contains(&row) && !inserted.contains(&row) {
                inserted.push(row);
            }
        }
        // Inserted first (all but the last, which takes the first deleted row's place), then
        // the first deleted row updated in place and the other deleted rows removed.
        let updated =
            if let (Some(&from), Some((&to, appended))) = (delete.first(), inserted.split_last()) {
                self.rows.extend_from_slice(appended);
                Some((from, to))
            } else {
                self.rows.extend_from_slice(&inserted);
                None
            };
        for (position, row) in delete.iter().enumerate() {
            match updated {
                Some((from, to)) if position == 0 => {
                    if let Some(slot) = self.rows.iter_mut().find(|r| **r == from) {
                        *slot = to;
                    }
                }
                _ => self.rows.retain(|r| r != row),
            }
        }
        RowChange {
            delete: delete
                .iter()
                .map(|&r| self.graph.id(r).to_owned())
                .collect(),
            insert: inserted
                .iter()
                .map(|&r| self.graph.id(r).to_owned())
                .collect(),
        }
    }

    fn step(
        &mut self,
        revision: RevisionIndex,
        direction: Direction,
        delete: &[RevisionIndex],
        insert: &[RevisionIndex],
    ) -> Step {
        let RowChange { delete, insert } = self.change(delete, insert);
        Step {
            revision,
            direction,
            delete,
            insert,
        }
    }

    /// Applying `revision`: a new row when none of what it stands on has one; a merge when
    /// several have (their rows go, except those another row still needs, and the last one
    /// is updated); otherwise the one row below it is updated.
    fn upgrade(&mut self, revision: RevisionIndex) -> Step {
        let below = self.graph.revision(revision).normalized_down();
        let present: Vec<RevisionIndex> = below
            .iter()
            .copied()
            .filter(|r| self.rows.contains(r))
            .collect();
        let mut replaced: Vec<RevisionIndex> = if below.len() > 1 && present.len() > 1 {
            let others: Vec<RevisionIndex> = self
                .rows
                .iter()
                .copied()
                .filter(|r| !below.contains(r))
                .collect();
            below
                .iter()
                .copied()
                .filter(|&r| !self.below_any(r, &others))
                .collect()
        } else {
            present
        };
        // Alembic updates the last of them and deletes the others.
        if !replaced.is_empty() {
            replaced.rotate_right(1);
        }
        self.step(revision, Direction::Upgrade, &replaced, &[revision])
    }

    /// Reverting `revision`: its row goes back to the revisions below it that no other row
    /// implies (none: the row is deleted; several: an unmerge, the last one taking its place).
    fn downgrade(&mut self, revision: RevisionIndex) -> Step {
        let below = self.graph.revision(revision).normalized_down();
        if !self.rows.contains(&revision) {
            // Alembic stops here (the row to update is missing); restore what nothing implies.
            let rows = self.rows.clone();
            let restored: Vec<RevisionIndex> = below
                .iter()
                .copied()
                .filter(|&r| !self.below_any(r, &rows))
                .collect();
            return self.step(revision, Direction::Downgrade, &[], &restored);
        }
        let others: Vec<RevisionIndex> = self
            .rows
            .iter()
            .copied()
            .filter(|&r| r != revision)
            .collect();
        let restored: Vec<RevisionIndex> = if others.is_empty() {
            below
                .iter()
                .copied()
                .filter(|&r| {
                    !below
                        .iter()
                        .any(|&other| other != r && self.graph.is_ancestor(r, other))
                })
                .collect()
        } else {
            below
                .iter()
                .copied()
                .filter(|&r| !self.below_any(r, &others))
                .collect()
        };
        self.step(revision, Direction::Downgrade, &[revision], &restored)
    }
}

/// The version-table changes of `stamp`, in order, as Alembic's `stamp` makes them: the
/// current rows on the lineage of a target move (up or down) to it in one change, a target on
/// no current row's lineage becomes a new row, `base` removes the rows on its lineage, and rows
/// on other branches stay. With `purge`, `current` is taken as empty (the caller empties the
/// table first).
pub fn plan_stamp(
    graph: &RevisionGraph,
    current: &[RevisionIndex],
    targets: &[String],
    purge: bool,
) -> Result<Vec<RowChange>, RevisionError> {
    let current: &[RevisionIndex] = if purge { &[] } else { current };
    // The current rows that share a lineage (dependencies included) with any target. Alembic
    // resolves each target as a plain identifier here, so a relative one (`-1`, `rev+2`)
    // fails with "Can't locate revision" as soon as the table has a row.
    let mut related: Vec<RevisionIndex> = Vec::new();
    if !current.is_empty() {
        for target in targets {
            let lineage = graph
                .filter_for_lineage(current, target, true)
                .map_err(|error| match error {
                    RevisionError::Unknown { argument, .. } if parse_relative(target).is_some() => {
                        RevisionError::RelativeStampTarget {
                            argument,
                            target: target.clone(),
                        }
                    }
                    other => other,
                })?;
            for row in lineage {
                if !related.contains(&row) {
                    related.push(row);
                }
            }
        }
    }
    let mut destinations: Vec<Option<RevisionIndex>> = Vec::new();
    for target in targets {
        destinations.extend(
            graph
                .get_revisions(target)?
                .into_iter()
                .map(Point::revision),
        );
    }
    if destinations.is_empty() {
        destinations.push(None);
    }
    let mut rows = VersionRows::new(graph, current);
    let mut changes = Vec::new();
    for destination in destinations {
        let Some(destination) = destination else {
            // `base`: every related row goes, one by one.
            for &row in &related {
                changes.push(rows.change(&[row], &[]));
            }
            continue;
        };
        if related.contains(&destination) {
            continue;
        }
        let moves_down = related.iter().any(|&r| graph.is_ancestor(destination, r));
        let moves_up = related.iter().any(|&r| graph.is_ancestor(r, destination));
        // Moving down, or up from rows that are all still there: one change from all the
        // related rows to the destination, the last of them updated. Moving up when an earlier
        // target already moved some of them, or from nothing related: a new row.
        let change = if moves_down || (moves_up && related.iter().all(|r| rows.rows.contains(r))) {
            let mut from = related.clone();
            if !from.is_empty() {
                from.rotate_right(1);
            }
            rows.change(&from, &[destination])
        } else {
            rows.change(&[], &[destination])
        };
        changes.push(change);
    }
    Ok(changes)
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
