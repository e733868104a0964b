//! "Is `a` an ancestor of `b`?" in constant time: the transitive closure of the graph
//! (parents and dependencies) as one bit row per revision.
//!
//! Why: the topological sort and the planner ask this once per step and per open head; a
//! depth-first search per question made `history` on a 5,000-revision graph quadratic. The
//! table costs n²/8 bytes (3 MB at 5,000 revisions), so it is only built up to
//! [`MAX_REVISIONS`]; beyond that callers fall back to a search.

use super::graph::{RevisionGraph, RevisionIndex};

/// Largest graph whose closure is kept (32 MB).
pub const MAX_REVISIONS: usize = 16_384;

#[derive(Debug, Clone)]
pub struct Ancestry {
    words: usize,
    bits: Vec<u64>,
}

impl Ancestry {
    /// The closure over `normalized_down` (parents and normalized dependencies), each revision
    /// counting as its own ancestor. `None` for graphs above [`MAX_REVISIONS`].
    pub fn build(graph: &RevisionGraph) -> Option<Self> {
        let count = graph.len();
        if count > MAX_REVISIONS {
            return None;
        }
        let words = count.div_ceil(64).max(1);
        let mut bits = vec![0u64; words * count];
        for revision in parents_first(graph) {
            bits[revision * words + revision / 64] |= 1 << (revision % 64);
            for &parent in graph.revision(revision).normalized_down() {
                let (low, high) = bits.split_at_mut(revision.max(parent) * words);
                let (target, source) = if revision > parent {
                    (
                        &mut high[..words],
                        &low[parent * words..(parent + 1) * words],
                    )
                } else {
                    // parent > revision: the parent's row is in `high`, ours in `low`.
                    let (ours, theirs) = (
                        &mut low[revision * words..(revision + 1) * words],
                        &high[..words],
                    );
                    for (word, bit) in ours.iter_mut().zip(theirs) {
                        *word |= bit;
                    }
                    continue;
                };
                for (word, bit) in target.iter_mut().zip(source) {
                    *word |= bit;
                }
            }
        }
        Some(Self { words, bits })
    }

    /// Whether `ancestor` is `revision` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: RevisionIndex, revision: RevisionIndex) -> bool {
        self.bits[revision * self.words + ancestor / 64] & (1 << (ancestor % 64)) != 0
    }
}

/// Revision indices ordered so that every revision comes after its parents and dependencies.
fn parents_first(graph: &RevisionGraph) -> Vec<RevisionIndex> {
    let count = graph.len();
    let mut waiting: Vec<usize> = (0..count)
        .map(|i| graph.revision(i).normalized_down().len())
        .collect();
    let mut children: Vec<Vec<RevisionIndex>> = vec![Vec::new(); count];
    for index in 0..count {
        for &parent in graph.revision(index).normalized_down() {
            children[parent].push(index);
        }
    }
    let mut ready: Vec<RevisionIndex> = (0..count).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(count);
    while let Some(index) = ready.pop() {
        order.push(index);
        for &child in &children[index] {
            waiting[child] -= 1;
            if waiting[child] == 0 {
                ready.push(child);
            }
        }
    }
    order
}
