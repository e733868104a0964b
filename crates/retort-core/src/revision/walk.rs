//! Which revisions lie between two points of the graph, and in which order: Alembic's
//! `iterate_revisions` (upgrade and downgrade collection, then its topological sort).
//!
//! `history`, `upgrade`, `downgrade` and offline ranges all go through [`RevisionGraph::iterate`],
//! so they agree with each other and with Alembic on the same graph.

use std::collections::HashSet;

use super::error::RevisionError;
use super::graph::{RevisionGraph, RevisionIndex};
use super::identifier::parse_relative;
use super::resolve::{Point, WalkStart};

/// One end of a range: text the user typed, or revisions the database reports as applied.
#[derive(Debug, Clone, Copy)]
pub enum Endpoint<'a> {
    Identifier(&'a str),
    Revisions(&'a [RevisionIndex]),
}

impl Endpoint<'_> {
    fn describe(&self, graph: &RevisionGraph) -> String {
        match self {
            Endpoint::Identifier(text) => (*text).to_owned(),
            Endpoint::Revisions([]) => "base".to_owned(),
            Endpoint::Revisions(indices) => indices
                .iter()
                .map(|&i| graph.id(i))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Options of a walk (Alembic's `iterate_revisions` keyword arguments).
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Also wind back or apply branches not descending from `lower` (upgrade: dependencies of
    /// other roots).
    pub implicit_base: bool,
    /// Include `lower` itself.
    pub inclusive: bool,
    /// Fail when a relative identifier runs out of graph (`-5` on a 3-revision chain).
    pub assert_relative_length: bool,
    /// Collect what to remove (downgrade) rather than what to add.
    pub select_for_downgrade: bool,
}

impl RevisionGraph {
    /// Revisions between `upper` and `lower`, upper first (Alembic's order: the topological
    /// sort from the heads down). Upgrades apply this list reversed.
    pub fn iterate(
        &self,
        upper: Endpoint<'_>,
        lower: Endpoint<'_>,
        options: WalkOptions,
    ) -> Result<Vec<RevisionIndex>, RevisionError> {
        let (revisions, heads) = if options.select_for_downgrade {
            self.collect_downgrade(upper, lower, options)?
        } else {
            self.collect_upgrade(upper, lower, options)?
        };
        Ok(self.topological_sort(&revisions, &heads))
    }

    /// The revisions to apply to go from the applied `current` revisions to `target`, in order.
    pub fn upgrade_path(
        &self,
        current: &[RevisionIndex],
        target: &str,
    ) -> Result<Vec<RevisionIndex>, RevisionError> {
        let options = WalkOptions {
            implicit_base: true,
            assert_relative_length: true,
            ..WalkOptions::default()
        };
        let mut path = self
            .iterate(
                Endpoint::Identifier(target),
                Endpoint::Revisions(current),
                options,
            )
            .map_err(|error| match error {
                RevisionError::RangeNotAncestor { .. } => RevisionError::InvalidDestination {
                    target: target.to_owned(),
                    direction: "upgrade",
                },
                other => other,
            })?;
        path.reverse();
        Ok(path)
    }

    /// The revisions to revert to go from the applied `current` revisions down to `target`,
    /// in order.
    pub fn downgrade_path(
        &self,
        current: &[RevisionIndex],
        target: &str,
    ) -> Result<Vec<RevisionIndex>, RevisionError> {
        let options = WalkOptions {
            assert_relative_length: true,
            select_for_downgrade: true,
            ..WalkOptions::default()
        };
        self.iterate(
            Endpoint::Revisions(current),
            Endpoint::Identifier(target),
            options,
        )
        .map_err(|error| match error {
            RevisionError::RangeNotAncestor { .. } => RevisionError::InvalidDestination {
                target: target.to_owned(),
                direction: "downgrade",
            },
            other => other,
        })
    }

    fn endpoint_points(&self, endpoint: Endpoint<'_>) -> Result<Vec<Point>, RevisionError> {
        match endpoint {
            Endpoint::Identifier(text) => self.get_revisions(text),
            Endpoint::Revisions(indices) => {
                Ok(indices.iter().map(|&i| Point::Revision(i)).collect())
            }
        }
    }

    /// Alembic's `_parse_upgrade_target`.
    fn parse_upgrade_target(
        &self,
        current: Endpoint<'_>,
        target: Endpoint<'_>,
        assert_relative_length: bool,
    ) -> Result<Vec<Point>, RevisionError> {
        let Endpoint::Identifier(text) = target else {
            return self.endpoint_points(target);
        };
        let Some(relative) = parse_relative(text) else {
            return self.get_revisions(text);
        };
        let branch_label = relative.branch_label;
        if relative.steps > 0 {
            let Some(symbol) = relative.symbol else {
                let current_points = self.endpoint_points(current)?;
                let mut starts: Vec<WalkStart> = current_points
                    .iter()
                    .map(|point| match point {
                        Point::Revision(index) => WalkStart::Revision(*index),
                        Point::Base => WalkStart::Base,
                        Point::Nowhere => WalkStart::Nothing,
                    })
                    .collect();
                if starts.is_empty() {
                    starts.push(WalkStart::Nothing);
                }
                if let Some(label) = branch_label {
                    let current_revisions: Vec<RevisionIndex> =
                        current_points.iter().filter_map(|p| p.revision()).collect();
                    let on_branch = self.filter_for_lineage(&current_revisions, label, false)?;
                    starts = if on_branch.is_empty() {
                        // The branch has no applied head: start from the tips of what is applied
                        // on it, or from nothing.
                        let applied = self.ancestor_list(&current_revisions, true);
                        let active = self.filter_for_lineage(&applied, label, false)?;
                        let below: HashSet<RevisionIndex> = active
                            .iter()
                            .flat_map(|&i| self.revisions[i].normalized_down().iter().copied())
                            .collect();
                        let tips: Vec<WalkStart> = active
                            .iter()
                            .filter(|i| !below.contains(i))
                            .map(|&i| WalkStart::Revision(i))
                            .collect();
                        if tips.is_empty() {
                            vec![WalkStart::Nothing]
                        } else {
                            tips
                        }
                    } else {
                        on_branch.into_iter().map(WalkStart::Revision).collect()
                    };
                }
                if starts.len() > 1 {
                    return Err(RevisionError::AmbiguousUpgrade);
                }
                let point = self.walk(
                    starts[0],
                    relative.steps,
                    branch_label,
                    assert_relative_length,
                )?;
                if point == Point::Nowhere {
                    return Err(RevisionError::RelativeTooShort {
                        relative: format!("{:+}", relative.steps),
                        count: relative.steps.unsigned_abs(),
                    });
                }
                return Ok(vec![point]);
            };
            let start = self.walk_start(symbol, None)?;
            return Ok(vec![self.walk(
                start,
                relative.steps,
                branch_label,
                assert_relative_length,
            )?]);
        }
        let Some(symbol) = relative.symbol else {
            return Err(RevisionError::RelativeTooShort {
                relative: relative.steps.to_string(),
                count: relative.steps.unsigned_abs(),
            });
        };
        let start = self.walk_start(symbol, branch_label)?;
        Ok(vec![self.walk(
            start,
            relative.steps,
            None,
            assert_relative_length,
        )?])
    }

    fn walk_start(
        &self,
        symbol: &str,
        branch_label: Option<&str>,
    ) -> Result<WalkStart, RevisionError> {
        let identifier = match branch_label {
            Some(label) => format!("{label}@{symbol}"),
            None => symbol.to_owned(),
        };
        Ok(self
            .get_revision(&identifier)?
            .map_or(WalkStart::Base, WalkStart::Revision))
    }

    /// Alembic's `_parse_downgrade_target`: the branch label given, and the target (`None` for
    /// base).
    fn parse_downgrade_target(
        &self,
        current: Endpoint<'_>,
        target: &str,
        assert_relative_length: bool,
    ) -> Result<(Option<String>, Point), RevisionError> {
        let Some(relative) = parse_relative(target) else {
            let (label, symbol) = match target.rsplit_once('@') {
                Some((label, symbol)) if !label.is_empty() => (Some(label.to_owned()), symbol),
                _ => (None, target.rsplit_once('@').map_or(target, |(_, s)| s)),
            };
            let point = self
                .get_revision(symbol)?
                .map_or(Point::Base, Point::Revision);
            return Ok((label, point));
        };
        let steps = relative.steps;
        let mut branch_label = relative.branch_label.map(str::to_owned);
        if steps >= 0 {
            let Some(symbol) = relative.symbol else {
                return Err(RevisionError::RelativeTooShort {
                    relative: format!("{steps:+}"),
                    count: steps.unsigned_abs(),
                });
            };
            let start = self.walk_start(symbol, None)?;
            let point = self.walk(
                start,
                steps,
                branch_label.as_deref(),
                assert_relative_length,
            )?;
            if point == Point::Nowhere {
                return Err(RevisionError::WalkedTooFar);
            }
            return Ok((branch_label, point));
        }
        let relative_to_current = relative.symbol.is_none();
        let symbol: String = if let Some(symbol) = relative.symbol {
            symbol.to_owned()
        } else {
            {
                let current_points = self.endpoint_points(current)?;
                let current_revisions: Vec<RevisionIndex> =
                    current_points.iter().filter_map(|p| p.revision()).collect();
                if let Some(label) = &branch_label {
                    let mut on_branch =
                        self.filter_for_lineage(&current_revisions, label, false)?;
                    if on_branch.is_empty() {
                        let all_current = self.all_current(&current_revisions);
                        on_branch = self.filter_for_lineage(&all_current, label, false)?;
                    }
                    match on_branch.as_slice() {
                        [only] => self.id(*only).to_owned(),
                        _ => return Err(RevisionError::AmbiguousWalk),
                    }
                } else {
                    let Some(first) = current_revisions.first() else {
                        return Err(RevisionError::RelativeTooShort {
                            relative: steps.to_string(),
                            count: steps.unsigned_abs(),
                        });
                    };
                    let symbol = self.id(*first).to_owned();
                    // Restrict the walk to the selected branch when several are applied.
                    branch_label = Some(symbol.clone());
                    symbol
                }
            }
        };
        let start = self.walk_start(&symbol, branch_label.as_deref())?;
        let point = self.walk(start, steps, None, assert_relative_length)?;
        if point == Point::Nowhere {
            return Err(if relative_to_current {
                RevisionError::RelativeTooShort {
                    relative: steps.to_string(),
                    count: steps.unsigned_abs(),
                }
            } else {
                RevisionError::WalkedTooFar
            });
        }
        Ok((branch_label, point))
    }

    /// Alembic's `_collect_upgrade_revisions`: what `upper` needs that `lower` does not have.
    fn collect_upgrade(
        &self,
        upper: Endpoint<'_>,
        lower: Endpoint<'_>,
        options: WalkOptions,
    ) -> Result<(Vec<RevisionIndex>, Vec<RevisionIndex>), RevisionError> {
        let points = self.parse_upgrade_target(lower, upper, options.assert_relative_length)?;
        let mut targets = Vec::with_capacity(points.len());
        for point in points {
            match point {
                Point::Revision(index) => targets.push(index),
                Point::Base | Point::Nowhere => return Err(RevisionError::WalkedTooFar),
            }
        }
        if let Endpoint::Identifier(text) = lower {
            if let Some((branch, _)) = text.split_once('@') {
                let mut branch = branch.to_owned();
                if let Some(index) = self.get_revision(&branch)? {
                    if self.id(index) == branch {
                        if let Some(label) = self.labels_of(index).first() {
                            (*label).clone_into(&mut branch);
                        }
                    }
                }
                targets.retain(|&t| self.has_label(t, &branch));
            }
        }

        let mut required = self.ancestors_checked(&targets, true)?;
        for &target in &targets {
            required.insert(target);
        }

        let lower_points = self.endpoint_points(lower)?;
        if !options.implicit_base {
            for point in &lower_points {
                let outside = match point {
                    Point::Revision(index) => !required.contains(index),
                    Point::Base => true,
                    Point::Nowhere => false,
                };
                if outside {
                    return Err(RevisionError::RangeNotAncestor {
                        start: lower.describe(self),
                        end: upper.describe(self),
                    });
                }
            }
        }
        let mut current: Vec<RevisionIndex> =
            lower_points.iter().filter_map(|p| p.revision()).collect();
        let mut inclusive_lower: Vec<RevisionIndex> = current.clone();
        if lower_points.first() == Some(&Point::Nowhere) {
            // A relative lower bound that walked off the graph: resolve it as a downgrade target.
            if let Endpoint::Identifier(text) = lower {
                let (_, point) =
                    self.parse_downgrade_target(upper, text, options.assert_relative_length)?;
                current = point.revision().into_iter().collect();
                inclusive_lower.clone_from(&current);
            }
        }

        let mut current_set = self.ancestors_checked(&current, true)?;
        current_set.extend(current.iter().copied());
        let mut needs: HashSet<RevisionIndex> =
            required.difference(&current_set).copied().collect();
        if options.inclusive {
            needs.extend(inclusive_lower.iter().copied());
        }
        if !current.is_empty() && !options.implicit_base {
            let descendants = self.descendants_checked(&current, false)?;
            needs.retain(|n| descendants.contains(n));
        }
        let mut needs: Vec<RevisionIndex> = needs.into_iter().collect();
        needs.sort_unstable();
        Ok((needs, targets))
    }

    /// Alembic's `_collect_downgrade_revisions`: what must be removed from `upper` (the applied
    /// revisions) to reach `lower`.
    fn collect_downgrade(
        &self,
        upper: Endpoint<'_>,
        lower: Endpoint<'_>,
        options: WalkOptions,
    ) -> Result<(Vec<RevisionIndex>, Vec<RevisionIndex>), RevisionError> {
        let (branch_label, target) = match lower {
            Endpoint::Identifier(text) => {
                self.parse_downgrade_target(upper, text, options.assert_relative_length)?
            }
            Endpoint::Revisions([only]) => (None, Point::Revision(*only)),
            Endpoint::Revisions(_) => (None, Point::Base),
        };
        let target = target.revision();
        let mut roots: Vec<RevisionIndex> = match target {
            None => self.bases.clone(),
            Some(index) if options.inclusive => vec![index],
            Some(index) => self.revisions[index].next.clone(),
        };
        if let Some(label) = &branch_label {
            if roots.len() > 1 {
                let branch = self.resolve_branch(label)?;
                let ancestors = self.ancestor_set(&[branch], false);
                roots.retain(|&root| ancestors[root]);
                if roots.is_empty() {
                    return Err(RevisionError::InvalidDowngradeTarget);
                }
            }
        }
        let heads: Vec<RevisionIndex> = self
            .endpoint_points(upper)?
            .into_iter()
            .filter_map(Point::revision)
            .collect();

        let removable = self.descendant_set(&roots, true);
        let active = self.ancestor_set(&heads, true);
        let mut selected: Vec<RevisionIndex> = (0..self.len())
            .filter(|&i| removable[i] && active[i])
            .collect();
        if options.implicit_base {
            let below_roots = self.ancestor_set(&roots, true);
            for index in 0..self.len() {
                if active[index] && !below_roots[index] && !selected.contains(&index) {
                    selected.push(index);
                }
            }
        }
        if let Some(target) = target {
            if selected.is_empty() && !heads.contains(&target) {
                return Err(RevisionError::RangeNotAncestor {
                    start: lower.describe(self),
                    end: upper.describe(self),
                });
            }
        }
        Ok((selected, heads))
    }

    /// Alembic's `_topological_sort`: from the heads down, finishing a branch before moving to
    /// the next unless another head still needs the candidate; ties broken by file order.
    pub(crate) fn topological_sort(
        &self,
        revisions: &[RevisionIndex],
        heads: &[RevisionIndex],
    ) -> Vec<RevisionIndex> {
        let mut todo = vec![false; self.len()];
        let mut remaining = 0usize;
        for &revision in revisions {
            if !std::mem::replace(&mut todo[revision], true) {
                remaining += 1;
            }
        }
        let mut current_heads: Vec<RevisionIndex> =
            heads.iter().copied().filter(|&h| todo[h]).collect();
        current_heads.sort_unstable();
        current_heads.dedup();

        // Invariant (as in Alembic): the ancestors tracked for a head are exactly the
        // ancestors of its current candidate, so ask the closure instead of keeping copies.
        let mut output = Vec::with_capacity(remaining);
        let mut candidate_index = 0usize;
        while !current_heads.is_empty() {
            let candidate = current_heads[candidate_index];
            if let Some(other) = current_heads
                .iter()
                .enumerate()
                .position(|(i, &head)| i != candidate_index && self.is_ancestor(candidate, head))
            {
                // Another head still descends from the candidate: walk that one first.
                candidate_index = other;
                continue;
            }
            if std::mem::replace(&mut todo[candidate], false) {
                output.push(candidate);
            }
            let to_add: Vec<RevisionIndex> = self.revisions[candidate]
                .normalized_down()
                .iter()
                .copied()
                .filter(|&r| todo[r] && !current_heads.contains(&r))
                .collect();
            if let Some((&first, rest)) = to_add.split_first() {
                current_heads[candidate_index] = first;
                current_heads.extend_from_slice(rest);
            } else {
                current_heads.remove(candidate_index);
                candidate_index = candidate_index.saturating_sub(1);
            }
        }
        output
    }

    /// Alembic's `_get_all_current`: the applied revisions with their implied ancestors, reduced
    /// to the tips of each branch.
    pub fn all_current(&self, applied: &[RevisionIndex]) -> Vec<RevisionIndex> {
        let all = self.ancestor_list(applied, true);
        all.iter()
            .copied()
            .filter(|&revision| {
                let below = self.descendant_set(&[revision], false);
                !all.iter().any(|&other| other != revision && below[other])
            })
            .collect()
    }

    /// Ancestors of `targets` (including them) as a membership table.
    pub(crate) fn ancestor_set(
        &self,
        targets: &[RevisionIndex],
        include_dependencies: bool,
    ) -> Vec<bool> {
        self.related(targets, |index| {
            if include_dependencies {
                self.revisions[index].normalized_down()
            } else {
                &self.revisions[index].down
            }
        })
    }

    /// Descendants of `targets` (including them) as a membership table.
    pub(crate) fn descendant_set(
        &self,
        targets: &[RevisionIndex],
        include_dependencies: bool,
    ) -> Vec<bool> {
        self.related(targets, |index| {
            if include_dependencies {
                &self.revisions[index].all_next
            } else {
                &self.revisions[index].next
            }
        })
    }

    pub(crate) fn ancestor_list(
        &self,
        targets: &[RevisionIndex],
        include_dependencies: bool,
    ) -> Vec<RevisionIndex> {
        let set = self.ancestor_set(targets, include_dependencies);
        (0..self.len()).filter(|&i| set[i]).collect()
    }

    fn related<'a>(
        &'a self,
        targets: &[RevisionIndex],
        step: impl Fn(RevisionIndex) -> &'a [RevisionIndex],
    ) -> Vec<bool> {
        let mut seen = vec![false; self.len()];
        let mut todo: Vec<RevisionIndex> = targets.to_vec();
        while let Some(index) = todo.pop() {
            if std::mem::replace(&mut seen[index], true) {
                continue;
            }
            todo.extend_from_slice(step(index));
        }
        seen
    }

    /// Ancestors with Alembic's `check=True`: a requested revision must not be an ancestor of
    /// another requested one.
    fn ancestors_checked(
        &self,
        targets: &[RevisionIndex],
        include_dependencies: bool,
    ) -> Result<HashSet<RevisionIndex>, RevisionError> {
        self.related_checked(targets, |index| {
            if include_dependencies {
                self.revisions[index].normalized_down()
            } else {
                &self.revisions[index].down
            }
        })
    }

    fn descendants_checked(
        &self,
        targets: &[RevisionIndex],
        include_dependencies: bool,
    ) -> Result<HashSet<RevisionIndex>, RevisionError> {
        self.related_checked(targets, |index| {
            if include_dependencies {
                &self.revisions[index].all_next
            } else {
                &self.revisions[index].next
            }
        })
    }

    fn related_checked<'a>(
        &'a self,
        targets: &[RevisionIndex],
        step: impl Fn(RevisionIndex) -> &'a [RevisionIndex],
    ) -> Result<HashSet<RevisionIndex>, RevisionError> {
        let mut seen = HashSet::new();
        for &target in targets {
            let mut per_target = HashSet::new();
            let mut todo = vec![target];
            while let Some(index) = todo.pop() {
                per_target.insert(index);
                if !seen.insert(index) {
                    continue;
                }
                todo.extend_from_slice(step(index));
            }
            let overlaps: Vec<&str> = targets
                .iter()
                .filter(|&&other| other != target && per_target.contains(&other))
                .map(|&other| self.id(other))
                .collect();
            if !overlaps.is_empty() {
                return Err(RevisionError::Overlap {
                    id: self.id(target).to_owned(),
                    others: overlaps.join(", "),
                });
            }
        }
        Ok(seen)
    }
}
