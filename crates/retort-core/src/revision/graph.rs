//! The revision graph: Alembic's `RevisionMap`, with the same notions of heads, bases, branch
//! points, merge points, branch labels and `depends_on`.
//!
//! Nodes are kept in file order (the order the directory loader found them), because Alembic
//! uses that insertion order to break ties when it orders `heads` and `history`; keeping it
//! makes our output line up with Alembic's for the same files.

use std::collections::HashMap;
use std::sync::Arc;

use super::error::RevisionError;
use super::script::RevisionScript;
use super::suggest::closest;

/// Index of a revision in [`RevisionGraph::revisions`].
pub type RevisionIndex = usize;

/// One revision and its place in the graph.
#[derive(Debug, Clone)]
pub struct Revision {
    pub script: Arc<RevisionScript>,
    /// Parents (`Revises:`), resolved.
    pub(crate) down: Vec<RevisionIndex>,
    /// `Depends On:` entries, resolved from ids or branch labels.
    pub(crate) resolved_dependencies: Vec<RevisionIndex>,
    /// `resolved_dependencies` less those an ancestor already depends on.
    pub(crate) normalized_dependencies: Vec<RevisionIndex>,
    /// Parents followed by `normalized_dependencies`: what must be applied first.
    pub(crate) normalized_down: Vec<RevisionIndex>,
    /// Children through `Revises:` (Alembic's `nextrev`), in file order.
    pub(crate) next: Vec<RevisionIndex>,
    /// Children through `Revises:` or `Depends On:` (`_all_nextrev`), in file order.
    pub(crate) all_next: Vec<RevisionIndex>,
    /// Labels of this revision, declared or inherited: bit `i` set for
    /// `RevisionGraph::labels_in_order[i]`. (A bit set, because a label reaches every
    /// descendant and a long history has thousands of them.)
    pub(crate) label_bits: Vec<u64>,
}

impl Revision {
    pub fn id(&self) -> &str {
        &self.script.id
    }
    pub fn down_revisions(&self) -> &[RevisionIndex] {
        &self.down
    }
    pub fn children(&self) -> &[RevisionIndex] {
        &self.next
    }
    /// No revision revises this one (it may still be depended on).
    pub fn is_head(&self) -> bool {
        self.next.is_empty()
    }
    /// Nothing revises or depends on this one.
    pub fn is_real_head(&self) -> bool {
        self.all_next.is_empty()
    }
    pub fn is_base(&self) -> bool {
        self.down.is_empty()
    }
    pub fn is_branch_point(&self) -> bool {
        self.next.len() > 1
    }
    pub(crate) fn is_real_branch_point(&self) -> bool {
        self.all_next.len() > 1
    }
    pub fn is_merge_point(&self) -> bool {
        self.down.len() > 1
    }
    /// Parents followed by the dependencies no ancestor already has: what must be applied first.
    pub(crate) fn normalized_down(&self) -> &[RevisionIndex] {
        &self.normalized_down
    }
}

/// All revisions of a project and the relations between them.
#[derive(Debug, Clone, Default)]
pub struct RevisionGraph {
    pub(crate) revisions: Vec<Revision>,
    pub(crate) by_id: HashMap<String, RevisionIndex>,
    /// Branch label → the revision that declares it.
    pub(crate) by_label: HashMap<String, RevisionIndex>,
    /// Declared labels in file order (for prefix matching and suggestions).
    pub(crate) labels_in_order: Vec<String>,
    pub(crate) heads: Vec<RevisionIndex>,
    pub(crate) real_heads: Vec<RevisionIndex>,
    pub(crate) bases: Vec<RevisionIndex>,
    /// Built on first use (most commands never ask).
    pub(crate) ancestry: std::sync::OnceLock<Option<super::ancestry::Ancestry>>,
}

impl RevisionGraph {
    /// Build the graph from scripts in file order, checking it as Alembic does and more: a
    /// duplicate id, a missing parent or dependency, a label used twice, and cycles are errors.
    pub fn build(scripts: Vec<RevisionScript>) -> Result<Self, RevisionError> {
        let mut graph = RevisionGraph::default();
        for script in scripts {
            if let Some(&existing) = graph.by_id.get(&script.id) {
                return Err(RevisionError::DuplicateId {
                    id: script.id.clone(),
                    first: graph.revisions[existing].script.path.clone(),
                    second: script.path.clone(),
                });
            }
            graph.by_id.insert(script.id.clone(), graph.revisions.len());
            graph.revisions.push(Revision {
                label_bits: Vec::new(),
                script: Arc::new(script),
                down: Vec::new(),
                resolved_dependencies: Vec::new(),
                normalized_dependencies: Vec::new(),
                normalized_down: Vec::new(),
                next: Vec::new(),
                all_next: Vec::new(),
            });
        }
        graph.map_branch_labels()?;
        graph.link_parents_and_dependencies()?;
        graph.detect_cycles()?;
        graph.normalize_dependencies();
        graph.compute_heads_and_bases();
        graph.inherit_branch_labels();
        Ok(graph)
    }

    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }
    pub fn len(&self) -> usize {
        self.revisions.len()
    }
    pub fn revision(&self, index: RevisionIndex) -> &Revision {
        &self.revisions[index]
    }
    pub fn revisions(&self) -> impl Iterator<Item = (RevisionIndex, &Revision)> {
        self.revisions.iter().enumerate()
    }
    pub fn index_of(&self, id: &str) -> Option<RevisionIndex> {
        self.by_id.get(id).copied()
    }
    /// Revisions nothing revises (Alembic's `heads`, what `retort heads` prints), in file order.
    pub fn heads(&self) -> &[RevisionIndex] {
        &self.heads
    }
    /// Revisions nothing revises or depends on (what `heads` resolves to as a target).
    pub fn real_heads(&self) -> &[RevisionIndex] {
        &self.real_heads
    }
    pub fn bases(&self) -> &[RevisionIndex] {
        &self.bases
    }
    pub fn id(&self, index: RevisionIndex) -> &str {
        self.revisions[index].id()
    }

    /// Whether `ancestor` is `revision` itself or one of its ancestors through parents and
    /// dependencies.
    pub fn is_ancestor(&self, ancestor: RevisionIndex, revision: RevisionIndex) -> bool {
        match self
            .ancestry
            .get_or_init(|| super::ancestry::Ancestry::build(self))
        {
            Some(ancestry) => ancestry.is_ancestor(ancestor, revision),
            None => self.ancestor_set(&[revision], true)[ancestor],
        }
    }

    /// The labels of a revision, declared or inherited, sorted by name.
    pub fn labels_of(&self, index: RevisionIndex) -> Vec<&str> {
        let mut labels = Vec::new();
        for (word_index, &word) in self.revisions[index].label_bits.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                labels.push(self.labels_in_order[word_index * 64 + bit].as_str());
                bits &= bits - 1;
            }
        }
        labels.sort_unstable();
        labels
    }

    /// Whether a revision carries `label`, declared or inherited.
    pub fn has_label(&self, index: RevisionIndex, label: &str) -> bool {
        let Some(bit) = self.labels_in_order.iter().position(|l| l == label) else {
            return false;
        };
        self.revisions[index]
            .label_bits
            .get(bit / 64)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }

    fn map_branch_labels(&mut self) -> Result<(), RevisionError> {
        for index in 0..self.revisions.len() {
            for label in self.revisions[index].script.branch_labels.clone() {
                let other = self
                    .by_label
                    .get(&label)
                    .or_else(|| self.by_id.get(&label))
                    .copied();
                if let Some(other) = other {
                    return Err(RevisionError::BranchLabelTwice {
                        label,
                        id: self.id(index).to_owned(),
                        path: self.revisions[index].script.path.clone(),
                        other_id: self.id(other).to_owned(),
                        other_path: self.revisions[other].script.path.clone(),
                    });
                }
                self.by_label.insert(label.clone(), index);
                self.labels_in_order.push(label);
            }
        }
        let words = self.labels_in_order.len().div_ceil(64);
        for (bit, label) in self.labels_in_order.iter().enumerate() {
            let owner = self.by_label[label];
            let bits = &mut self.revisions[owner].label_bits;
            bits.resize(words, 0);
            bits[bit / 64] |= 1 << (bit % 64);
        }
        for revision in &mut self.revisions {
            revision.label_bits.resize(words, 0);
        }
        Ok(())
    }

    fn link_parents_and_dependencies(&mut self) -> Result<(), RevisionError> {
        for index in 0..self.revisions.len() {
            let script = Arc::clone(&self.revisions[index].script);
            for parent in &script.down_revisions {
                if parent == &script.id {
                    return Err(self.self_loop("Self-loop", index));
                }
                let Some(&parent_index) = self.by_id.get(parent) else {
                    return Err(RevisionError::MissingParent {
                        id: script.id.clone(),
                        path: script.path.clone(),
                        parent: parent.clone(),
                        suggestion: closest(parent, self.by_id.keys()),
                    });
                };
                if !self.revisions[index].down.contains(&parent_index) {
                    self.revisions[index].down.push(parent_index);
                }
            }
            for dependency in &script.depends_on {
                if dependency == &script.id {
                    return Err(self.self_loop("Dependency self-loop", index));
                }
                let Some(dependency_index) = self
                    .by_id
                    .get(dependency)
                    .or_else(|| self.by_label.get(dependency))
                    .copied()
                else {
                    return Err(RevisionError::MissingDependency {
                        id: script.id.clone(),
                        path: script.path.clone(),
                        dependency: dependency.clone(),
                        suggestion: closest(
                            dependency,
                            self.by_id.keys().chain(self.by_label.keys()),
                        ),
                    });
                };
                if !self.revisions[index]
                    .resolved_dependencies
                    .contains(&dependency_index)
                {
                    self.revisions[index]
                        .resolved_dependencies
                        .push(dependency_index);
                }
            }
        }
        // Children in file order: iterate children in index order.
        for child in 0..self.revisions.len() {
            let (down, dependencies) = {
                let revision = &self.revisions[child];
                (
                    revision.down.clone(),
                    revision.resolved_dependencies.clone(),
                )
            };
            for parent in &down {
                self.revisions[*parent].next.push(child);
            }
            for parent in down.iter().chain(&dependencies) {
                if !self.revisions[*parent].all_next.contains(&child) {
                    self.revisions[*parent].all_next.push(child);
                }
            }
        }
        Ok(())
    }

    fn self_loop(&self, kind: &'static str, index: RevisionIndex) -> RevisionError {
        RevisionError::Cycle {
            kind,
            revisions: vec![self.id(index).to_owned()],
            paths: vec![self.revisions[index].script.path.clone()],
        }
    }

    /// Every revision must lie on a path from a base to a head; those that do not are on a
    /// cycle (or hang below one). Checked first through parents, then through dependencies too.
    fn detect_cycles(&self) -> Result<(), RevisionError> {
        if self.revisions.is_empty() {
            return Ok(());
        }
        let count = self.len();
        let heads: Vec<_> = (0..count)
            .filter(|&i| self.revisions[i].next.is_empty())
            .collect();
        let bases: Vec<_> = (0..count)
            .filter(|&i| self.revisions[i].down.is_empty())
            .collect();
        let from_heads = self.reachable(&heads, |r| &r.down, |_| &[]);
        let from_bases = self.reachable(&bases, |r| &r.next, |_| &[]);
        self.report_unreachable("Cycle", &from_heads, &from_bases)?;

        let real_heads: Vec<_> = (0..count)
            .filter(|&i| self.revisions[i].all_next.is_empty())
            .collect();
        let real_bases: Vec<_> = (0..count)
            .filter(|&i| {
                self.revisions[i].down.is_empty()
                    && self.revisions[i].resolved_dependencies.is_empty()
            })
            .collect();
        let from_heads = self.reachable(&real_heads, |r| &r.down, |r| &r.resolved_dependencies);
        let from_bases = self.reachable(&real_bases, |r| &r.all_next, |_| &[]);
        self.report_unreachable("Dependency cycle", &from_heads, &from_bases)
    }

    fn report_unreachable(
        &self,
        kind: &'static str,
        from_heads: &[bool],
        from_bases: &[bool],
    ) -> Result<(), RevisionError> {
        let mut on_cycle: Vec<RevisionIndex> = (0..self.len())
            .filter(|&i| !(from_heads[i] && from_bases[i]))
            .collect();
        if on_cycle.is_empty() {
            return Ok(());
        }
        on_cycle.sort_by(|a, b| self.id(*a).cmp(self.id(*b)));
        Err(RevisionError::Cycle {
            kind,
            revisions: on_cycle.iter().map(|&i| self.id(i).to_owned()).collect(),
            paths: on_cycle
                .iter()
                .map(|&i| self.revisions[i].script.path.clone())
                .collect(),
        })
    }

    /// Revisions reachable from `starts` through the edges `first` and `second` name.
    fn reachable<'a>(
        &'a self,
        starts: &[RevisionIndex],
        first: impl Fn(&'a Revision) -> &'a [RevisionIndex],
        second: impl Fn(&'a Revision) -> &'a [RevisionIndex],
    ) -> Vec<bool> {
        let mut seen = vec![false; self.len()];
        let mut todo: Vec<RevisionIndex> = starts.to_vec();
        while let Some(index) = todo.pop() {
            if std::mem::replace(&mut seen[index], true) {
                continue;
            }
            let revision = &self.revisions[index];
            todo.extend_from_slice(first(revision));
            todo.extend_from_slice(second(revision));
        }
        seen
    }

    /// Alembic's `_normalize_depends_on`: drop dependencies that an ancestor already depends on.
    fn normalize_dependencies(&mut self) {
        // What each revision's ancestors (through parents) already depend on, as bits over the
        // distinct dependency targets, accumulated parents first.
        let targets: Vec<RevisionIndex> = {
            let mut targets: Vec<RevisionIndex> = self
                .revisions
                .iter()
                .flat_map(|r| r.resolved_dependencies.iter().copied())
                .collect();
            targets.sort_unstable();
            targets.dedup();
            targets
        };
        let words = targets.len().div_ceil(64);
        let bit_of = |target: RevisionIndex| targets.binary_search(&target).ok();
        let mut inherited = vec![0u64; words * self.len()];
        for index in self.parents_first() {
            let revision = &self.revisions[index];
            for &parent in &revision.down {
                for &dependency in &self.revisions[parent].resolved_dependencies {
                    if let Some(bit) = bit_of(dependency) {
                        inherited[index * words + bit / 64] |= 1 << (bit % 64);
                    }
                }
                for word in 0..words {
                    let from_parent = inherited[parent * words + word];
                    inherited[index * words + word] |= from_parent;
                }
            }
        }
        for index in 0..self.revisions.len() {
            let normalized: Vec<RevisionIndex> = self.revisions[index]
                .resolved_dependencies
                .iter()
                .copied()
                .filter(|&dependency| {
                    bit_of(dependency).is_none_or(|bit| {
                        inherited[index * words + bit / 64] & (1 << (bit % 64)) == 0
                    })
                })
                .collect();
            let revision = &mut self.revisions[index];
            revision.normalized_down.clone_from(&revision.down);
            for dependency in &normalized {
                if !revision.normalized_down.contains(dependency) {
                    revision.normalized_down.push(*dependency);
                }
            }
            revision.normalized_dependencies = normalized;
        }
    }

    /// Indices ordered so that each revision comes after its parents and dependencies.
    fn parents_first(&self) -> Vec<RevisionIndex> {
        let count = self.len();
        let mut waiting: Vec<usize> = self
            .revisions
            .iter()
            .map(|r| r.down.len() + r.resolved_dependencies.len())
            .collect();
        let mut ready: Vec<RevisionIndex> = (0..count).filter(|&i| waiting[i] == 0).collect();
        let mut order = Vec::with_capacity(count);
        while let Some(index) = ready.pop() {
            order.push(index);
            for &child in &self.revisions[index].all_next {
                let revision = &self.revisions[child];
                let edges = revision
                    .down
                    .iter()
                    .chain(&revision.resolved_dependencies)
                    .filter(|&&p| p == index)
                    .count();
                waiting[child] -= edges;
                if waiting[child] == 0 {
                    ready.push(child);
                }
            }
        }
        order
    }

    fn compute_heads_and_bases(&mut self) {
        self.heads = (0..self.len())
            .filter(|&i| self.revisions[i].is_head())
            .collect();
        self.real_heads = (0..self.len())
            .filter(|&i| self.revisions[i].is_real_head())
            .collect();
        self.bases = (0..self.len())
            .filter(|&i| self.revisions[i].is_base())
            .collect();
    }

    /// Alembic's `_add_branches`: a label applies to the revision that declares it and to all its
    /// descendants; and when those descendants form a single line, also to the revisions below
    /// the labelled one, down to the nearest branch point or merge point.
    fn inherit_branch_labels(&mut self) {
        if self.labels_in_order.is_empty() {
            return;
        }
        // Down to every descendant through parents: one pass, parents first.
        for index in self.parents_first() {
            for parent_position in 0..self.revisions[index].down.len() {
                let parent = self.revisions[index].down[parent_position];
                let bits = self.revisions[parent].label_bits.clone();
                or_into(&mut self.revisions[index].label_bits, &bits);
            }
        }
        // Up a plain chain: when the labelled revision's descendants form a single line, Alembic
        // walks down from its tip and labels everything to the nearest branch or merge point,
        // including revisions below the labelled one.
        for index in 0..self.revisions.len() {
            if self.revisions[index].script.branch_labels.is_empty() {
                continue;
            }
            let mut tip = index;
            loop {
                match self.revisions[tip].next.as_slice() {
                    [] => break,
                    [only] => tip = *only,
                    _ => {
                        tip = usize::MAX;
                        break;
                    }
                }
            }
            if tip == usize::MAX {
                continue;
            }
            let labels = self.revisions[index].label_bits.clone();
            let mut node = Some(tip);
            while let Some(current) = node {
                let revision = &self.revisions[current];
                if revision.is_real_branch_point() || revision.is_merge_point() {
                    break;
                }
                node = revision.down.first().copied();
                or_into(&mut self.revisions[current].label_bits, &labels);
            }
        }
    }
}

fn or_into(target: &mut [u64], bits: &[u64]) {
    for (word, bit) in target.iter_mut().zip(bits) {
        *word |= bit;
    }
}
