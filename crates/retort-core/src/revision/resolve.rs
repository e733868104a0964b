//! Resolving what users type (`head`, `heads`, `base`, prefixes, `label@head`, `-1`) to revisions,
//! with Alembic's semantics (`RevisionMap.get_revisions`, `_walk`, `filter_for_lineage`).

use super::error::RevisionError;
use super::graph::{RevisionGraph, RevisionIndex};
use super::suggest::similar;

/// One element of what an identifier resolves to. Alembic returns a tuple whose members are
/// revisions, the string `"base"` (a walk that went down past the roots) or `None` (a walk
/// that went too far).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Point {
    Revision(RevisionIndex),
    Base,
    /// A relative walk that ran out of graph.
    Nowhere,
}

impl Point {
    pub fn revision(self) -> Option<RevisionIndex> {
        match self {
            Point::Revision(index) => Some(index),
            Point::Base | Point::Nowhere => None,
        }
    }
}

/// Where a walk starts: nothing (walk up from the bases / down from the heads), `base`, or a
/// revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WalkStart {
    Nothing,
    Base,
    Revision(RevisionIndex),
}

impl RevisionGraph {
    /// Resolve an identifier that names exactly one revision, or `base` (`None`).
    /// `head` with several heads is an error, as in Alembic.
    pub fn get_revision(&self, identifier: &str) -> Result<Option<RevisionIndex>, RevisionError> {
        let (ids, branch_label) = self.resolve_revision_number(identifier)?;
        if ids.len() > 1 {
            return Err(RevisionError::MultipleHeads {
                argument: identifier.to_owned(),
                heads: ids,
            });
        }
        self.revision_for_ident(ids.first().map(String::as_str), branch_label.as_deref())
    }

    /// Resolve an identifier to any number of revisions (`heads`, `label@heads`, `-1` per head).
    pub fn get_revisions(&self, identifier: &str) -> Result<Vec<Point>, RevisionError> {
        let (ids, branch_label) = self.resolve_revision_number(identifier)?;
        if let [only] = ids.as_slice() {
            if let Ok(steps) = only.parse::<i64>() {
                if steps < 0 {
                    let heads = self.real_heads.iter().copied().filter(|&head| {
                        branch_label
                            .as_ref()
                            .is_none_or(|label| self.has_label(head, label))
                    });
                    return heads
                        .map(|head| self.walk(WalkStart::Revision(head), steps, None, true))
                        .collect();
                }
            }
        }
        ids.iter()
            .map(|id| {
                Ok(self
                    .revision_for_ident(Some(id), branch_label.as_deref())?
                    .map_or(Point::Base, Point::Revision))
            })
            .collect()
    }

    /// Resolve every element and keep the revisions (dropping `base`).
    pub fn get_revision_indices(
        &self,
        identifier: &str,
    ) -> Result<Vec<RevisionIndex>, RevisionError> {
        Ok(self
            .get_revisions(identifier)?
            .into_iter()
            .filter_map(Point::revision)
            .collect())
    }

    /// Alembic's `_resolve_revision_number`: split off `label@`, expand `head`/`heads`/`base`.
    pub(crate) fn resolve_revision_number(
        &self,
        identifier: &str,
    ) -> Result<(Vec<String>, Option<String>), RevisionError> {
        let (branch_label, id) = match identifier.split_once('@') {
            Some((label, id)) => (Some(label.to_owned()), id),
            None => (None, identifier),
        };
        let ids = match id {
            "heads" => match &branch_label {
                Some(label) => self.ids(&self.filter_for_lineage(&self.heads, label, false)?),
                None => self.ids(&self.real_heads),
            },
            "head" => self
                .current_head(branch_label.as_deref())?
                .map(|head| vec![self.id(head).to_owned()])
                .unwrap_or_default(),
            "base" => Vec::new(),
            other => vec![other.to_owned()],
        };
        Ok((ids, branch_label))
    }

    fn ids(&self, indices: &[RevisionIndex]) -> Vec<String> {
        indices.iter().map(|&i| self.id(i).to_owned()).collect()
    }

    /// The single head (of a branch, when `branch_label` is given); several are an error.
    pub fn current_head(
        &self,
        branch_label: Option<&str>,
    ) -> Result<Option<RevisionIndex>, RevisionError> {
        let heads = match branch_label {
            Some(label) => self.filter_for_lineage(&self.heads, label, false)?,
            None => self.heads.clone(),
        };
        if heads.len() > 1 {
            return Err(RevisionError::MultipleHeads {
                argument: branch_label
                    .map_or_else(|| "head".to_owned(), |label| format!("{label}@head")),
                heads: self.ids(&heads),
            });
        }
        Ok(heads.first().copied())
    }

    /// Alembic's `_resolve_branch`: a declared label, or else any revision identifier.
    pub(crate) fn resolve_branch(&self, label: &str) -> Result<RevisionIndex, RevisionError> {
        if let Some(&index) = self.by_label.get(label) {
            return Ok(index);
        }
        match self.revision_for_ident(Some(label), None) {
            Ok(Some(index)) => Ok(index),
            Ok(None) | Err(_) => Err(RevisionError::NoSuchBranch {
                label: label.to_owned(),
                suggestions: similar(label, &self.labels_in_order, 3),
            }),
        }
    }

    /// Alembic's `_revision_for_ident`: an exact id or label, else a unique prefix; with a branch,
    /// the revision must share its lineage.
    pub(crate) fn revision_for_ident(
        &self,
        id: Option<&str>,
        check_branch: Option<&str>,
    ) -> Result<Option<RevisionIndex>, RevisionError> {
        let branch_revision = check_branch
            .map(|label| self.resolve_branch(label))
            .transpose()?;
        let Some(id) = id else {
            return Ok(None);
        };
        let revision = match self.by_id.get(id).or_else(|| self.by_label.get(id)) {
            Some(&index) => index,
            None => self.revision_for_prefix(id, check_branch)?,
        };
        if let (Some(label), Some(branch_revision)) = (check_branch, branch_revision) {
            if !self.shares_lineage(revision, &[branch_revision], false) {
                return Err(RevisionError::NotOnBranch {
                    id: self.id(revision).to_owned(),
                    label: label.to_owned(),
                });
            }
        }
        Ok(Some(revision))
    }

    fn revision_for_prefix(
        &self,
        prefix: &str,
        check_branch: Option<&str>,
    ) -> Result<RevisionIndex, RevisionError> {
        // Alembic matches prefixes against every key longer than three characters, labels
        // included.
        let keys = self
            .revisions
            .iter()
            .map(|r| (r.id(), self.by_id[r.id()]))
            .chain(
                self.labels_in_order
                    .iter()
                    .map(|l| (l.as_str(), self.by_label[l])),
            );
        let mut matches: Vec<(&str, RevisionIndex)> = keys
            .filter(|(key, _)| key.chars().count() > 3 && key.starts_with(prefix))
            .collect();
        if let Some(label) = check_branch {
            let indices: Vec<RevisionIndex> = matches.iter().map(|(_, i)| *i).collect();
            let kept = self.filter_for_lineage(&indices, label, false)?;
            matches.retain(|(_, index)| kept.contains(index));
        }
        match matches.as_slice() {
            [] => {
                let all_keys: Vec<String> = self
                    .revisions
                    .iter()
                    .map(|r| r.id().to_owned())
                    .chain(self.labels_in_order.iter().cloned())
                    .collect();
                Err(RevisionError::Unknown {
                    argument: prefix.to_owned(),
                    suggestions: similar(prefix, &all_keys, 3),
                })
            }
            [(_, index)] => Ok(*index),
            many => Err(RevisionError::Ambiguous {
                argument: prefix.to_owned(),
                candidates: many.iter().map(|(key, _)| (*key).to_owned()).collect(),
            }),
        }
    }

    /// Alembic's `filter_for_lineage`: keep the targets that are ancestors or descendants of what
    /// `check_against` names.
    pub(crate) fn filter_for_lineage(
        &self,
        targets: &[RevisionIndex],
        check_against: &str,
        include_dependencies: bool,
    ) -> Result<Vec<RevisionIndex>, RevisionError> {
        let (ids, branch_label) = self.resolve_revision_number(check_against)?;
        let mut shares = Vec::new();
        for share in branch_label.iter().chain(&ids) {
            if let Some(index) = self.revision_for_ident(Some(share), None)? {
                shares.push(index);
            }
        }
        Ok(targets
            .iter()
            .copied()
            .filter(|&target| self.shares_lineage(target, &shares, include_dependencies))
            .collect())
    }

    pub(crate) fn shares_lineage(
        &self,
        target: RevisionIndex,
        test_against: &[RevisionIndex],
        include_dependencies: bool,
    ) -> bool {
        if test_against.is_empty() {
            return true;
        }
        let related = self.descendant_set(&[target], include_dependencies);
        let ancestors = self.ancestor_set(&[target], include_dependencies);
        test_against
            .iter()
            .any(|&candidate| related[candidate] || ancestors[candidate])
    }

    /// Alembic's `_walk`: `steps` up (positive) or down (negative) from `start`.
    pub(crate) fn walk(
        &self,
        start: WalkStart,
        steps: i64,
        branch_label: Option<&str>,
        no_overwalk: bool,
    ) -> Result<Point, RevisionError> {
        let mut current = start;
        for _ in 0..steps.unsigned_abs() {
            let children: Vec<WalkStart> = if steps > 0 {
                let up = match current {
                    WalkStart::Nothing | WalkStart::Base => self.bases.clone(),
                    WalkStart::Revision(index) => self.revisions[index].next.clone(),
                };
                let up = match branch_label {
                    Some(label) => self.filter_for_lineage(&up, label, false)?,
                    None => up,
                };
                up.into_iter().map(WalkStart::Revision).collect()
            } else {
                match current {
                    WalkStart::Base => Vec::new(),
                    WalkStart::Nothing => self
                        .heads
                        .iter()
                        .copied()
                        .map(WalkStart::Revision)
                        .collect(),
                    WalkStart::Revision(index) => {
                        let down = &self.revisions[index].down;
                        if down.is_empty() {
                            vec![WalkStart::Base]
                        } else {
                            down.iter().copied().map(WalkStart::Revision).collect()
                        }
                    }
                }
            };
            match children.as_slice() {
                [] => {
                    return Ok(if no_overwalk {
                        Point::Nowhere
                    } else {
                        start_to_point(current)
                    })
                }
                [only] => current = *only,
                _ => return Err(RevisionError::AmbiguousWalk),
            }
        }
        Ok(start_to_point(current))
    }
}

fn start_to_point(start: WalkStart) -> Point {
    match start {
        WalkStart::Nothing => Point::Nowhere,
        WalkStart::Base => Point::Base,
        WalkStart::Revision(index) => Point::Revision(index),
    }
}
