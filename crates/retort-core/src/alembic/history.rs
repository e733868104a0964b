//! An Alembic history: every revision file in the version locations, read statically, and an
//! order that puts every revision after its parents and dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::project_config::AlembicProject;
use super::revision_file::{
    is_candidate_file_name, read_revision_file, AlembicRevision, RevisionFileError,
};

/// Why the history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{} revision file(s) could not be read:\n{}", .0.len(), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Files(Vec<RevisionFileError>),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("revision {id} is defined twice: {first} and {second}")]
    Duplicate {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("revision {id} ({path}) names {parent}, which no file defines")]
    UnknownParent {
        id: String,
        path: PathBuf,
        parent: String,
    },
    #[error("the revisions {} form a cycle", .0.join(", "))]
    Cycle(Vec<String>),
    #[error("no version location exists: {}", .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NoVersions(Vec<PathBuf>),
}

impl HistoryError {
    pub fn hint(&self) -> String {
        match self {
            Self::Files(errors) => errors
                .first()
                .map(RevisionFileError::hint)
                .unwrap_or_default(),
            Self::Io { .. } => "check the path and its permissions".to_owned(),
            Self::Duplicate { .. } => {
                "remove one of the two files (Alembic keeps one of them at random)".to_owned()
            }
            Self::UnknownParent { .. } => {
                "restore the missing revision file; Alembic fails on this history too".to_owned()
            }
            Self::Cycle(_) => {
                "fix down_revision in one of the files; Alembic refuses this history too".to_owned()
            }
            Self::NoVersions(_) => {
                "check script_location and version_locations in the Alembic configuration"
                    .to_owned()
            }
        }
    }
}

/// Every revision of the project, parents before children.
pub fn read_history(project: &AlembicProject) -> Result<Vec<AlembicRevision>, HistoryError> {
    let existing: Vec<&PathBuf> = project
        .version_locations
        .iter()
        .filter(|location| location.is_dir())
        .collect();
    if existing.is_empty() {
        return Err(HistoryError::NoVersions(project.version_locations.clone()));
    }
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    for location in existing {
        list_python_files(location, project.recursive_version_locations, &mut files)?;
    }
    let mut revisions = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let real = fs_err::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(real) {
            continue;
        }
        let bytes = fs_err::read(&path).map_err(|source| HistoryError::Io {
            path: path.clone(),
            source,
        })?;
        match read_revision_file(&path, &bytes) {
            Ok(revision) => revisions.push(revision),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(HistoryError::Files(errors));
    }
    order(revisions)
}

/// Alembic's `_list_py_dir`: sorted file names, sub-folders (but `__pycache__`) only when
/// recursive.
fn list_python_files(
    directory: &Path,
    recursive: bool,
    out: &mut Vec<PathBuf>,
) -> Result<(), HistoryError> {
    let io = |source| HistoryError::Io {
        path: directory.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = fs_err::read_dir(directory)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    let mut folders = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if !name.ends_with("__pycache__") {
                folders.push(path);
            }
        } else if is_candidate_file_name(&name) {
            out.push(path);
        }
    }
    if recursive {
        for folder in folders {
            list_python_files(&folder, true, out)?;
        }
    }
    Ok(())
}

/// Parents (and dependencies that name revisions) before children; ties in file order.
fn order(revisions: Vec<AlembicRevision>) -> Result<Vec<AlembicRevision>, HistoryError> {
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, revision) in revisions.iter().enumerate() {
        if let Some(first) = by_id.insert(&revision.id, index) {
            return Err(HistoryError::Duplicate {
                id: revision.id.clone(),
                first: revisions[first].path.clone(),
                second: revision.path.clone(),
            });
        }
    }
    let labels: BTreeMap<&str, usize> = revisions
        .iter()
        .enumerate()
        .flat_map(|(index, revision)| {
            revision
                .branch_labels
                .iter()
                .map(move |label| (label.as_str(), index))
        })
        .collect();
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); revisions.len()];
    for (index, revision) in revisions.iter().enumerate() {
        for parent in &revision.down_revisions {
            let Some(&parent_index) = by_id.get(parent.as_str()) else {
                return Err(HistoryError::UnknownParent {
                    id: revision.id.clone(),
                    path: revision.path.clone(),
                    parent: parent.clone(),
                });
            };
            before[index].push(parent_index);
        }
        for dependency in &revision.depends_on {
            match by_id
                .get(dependency.as_str())
                .or_else(|| labels.get(dependency.as_str()))
            {
                Some(&dependency_index) => before[index].push(dependency_index),
                None => {
                    return Err(HistoryError::UnknownParent {
                        id: revision.id.clone(),
                        path: revision.path.clone(),
                        parent: dependency.clone(),
                    })
                }
            }
        }
    }
    let mut placed = vec![false; revisions.len()];
    let mut sequence = Vec::with_capacity(revisions.len());
    while sequence.len() < revisions.len() {
        let next = (0..revisions.len())
            .find(|&index| !placed[index] && before[index].iter().all(|&p| placed[p]));
        let Some(next) = next else {
            let cycle = (0..revisions.len())
                .filter(|&index| !placed[index])
                .map(|index| revisions[index].id.clone())
                .collect();
            return Err(HistoryError::Cycle(cycle));
        };
        placed[next] = true;
        sequence.push(next);
    }
    let mut slots: Vec<Option<AlembicRevision>> = revisions.into_iter().map(Some).collect();
    Ok(sequence
        .into_iter()
        .filter_map(|index| slots[index].take())
        .collect())
}
