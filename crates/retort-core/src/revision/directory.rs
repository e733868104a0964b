//! Loading every revision file of a project's version locations.

use std::path::{Path, PathBuf};

use super::error::RevisionError;
use super::graph::RevisionGraph;
use super::script::{parse_revision_script, RevisionScript, ScriptParseError};

/// The extension of revision files.
pub const REVISION_EXTENSION: &str = "sql";

/// Why the version locations could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Parse(#[from] ScriptParseError),
    #[error("{path} is not a revision file")]
    StrayFile { path: PathBuf },
    #[error(transparent)]
    Graph(#[from] RevisionError),
}

impl LoadError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Io { .. } => None,
            Self::Parse(error) => error.hint(),
            Self::StrayFile { path } => Some(if path.extension().is_some_and(|e| e == "py") {
                "retort reads SQL revision files (`.sql`); convert Alembic's Python revisions, or move the file out of the version directory".to_owned()
            } else {
                "a version directory holds only `.sql` revision files (and README files); move this file elsewhere".to_owned()
            }),
            Self::Graph(error) => error.hint(),
        }
    }
}

/// Read and parse every revision file under `locations` (sub-directories included), in
/// Alembic's order: location by location, each directory's files sorted by name, then its
/// sub-directories sorted by name.
pub fn load_scripts(locations: &[PathBuf]) -> Result<Vec<RevisionScript>, LoadError> {
    let mut scripts = Vec::new();
    let mut seen_directories = Vec::new();
    for location in locations {
        if !location.exists() {
            continue;
        }
        let canonical = fs_err::canonicalize(location).map_err(|source| LoadError::Io {
            path: location.clone(),
            source,
        })?;
        if seen_directories.contains(&canonical) {
            continue;
        }
        seen_directories.push(canonical);
        load_directory(location, &mut scripts)?;
    }
    Ok(scripts)
}

/// Load the scripts and build the graph.
pub fn load_graph(locations: &[PathBuf]) -> Result<RevisionGraph, LoadError> {
    Ok(RevisionGraph::build(load_scripts(locations)?)?)
}

fn load_directory(directory: &Path, scripts: &mut Vec<RevisionScript>) -> Result<(), LoadError> {
    let io_error = |source| LoadError::Io {
        path: directory.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    let mut subdirectories = Vec::new();
    for entry in fs_err::read_dir(directory).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        if is_ignored(&name) {
            continue;
        }
        let file_type = entry.file_type().map_err(io_error)?;
        if file_type.is_dir() {
            subdirectories.push(path);
        } else {
            files.push(path);
        }
    }
    files.sort();
    subdirectories.sort();
    for path in files {
        if path.extension().is_none_or(|extension| extension != REVISION_EXTENSION) {
            return Err(LoadError::StrayFile { path });
        }
        let bytes = fs_err::read(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| ScriptParseError::NotUtf8 { path: path.clone() })?;
        scripts.push(parse_revision_script(&path, &text)?);
    }
    for subdirectory in subdirectories {
        load_directory(&subdirectory, scripts)?;
    }
    Ok(())
}

/// Files that live beside revisions without being one. Hidden files (`.gitkeep`, editor swap
/// files) are skipped too: they are never meant as revisions, and refusing them would make
/// an empty directory impossible to keep in git.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("README") || name == "__pycache__"
}
