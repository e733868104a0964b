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
        if is_ignored(&name.to_string_lossy()) {
            continue;
        }
        if entry.file_type().map_err(io_error)?.is_dir() {
            subdirectories.push((name, entry.path()));
        } else {
            files.push((name, entry.path()));
        }
    }
    // Alembic sorts by file name.
    files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    subdirectories.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if let Some((_, path)) = files.iter().find(|(_, path)| {
        path.extension()
            .is_none_or(|extension| extension != REVISION_EXTENSION)
    }) {
        return Err(LoadError::StrayFile { path: path.clone() });
    }
    // Open files relative to the directory: the kernel resolves one name, not the whole path.
    let directory_handle = rustix::fs::open(
        directory,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|errno| io_error(errno.into()))?;
    scripts.extend(read_scripts_in_parallel(&directory_handle, &files)?);
    for (_, subdirectory) in subdirectories {
        load_directory(&subdirectory, scripts)?;
    }
    Ok(())
}

/// Read and parse files on every core, keeping their order. A long history is thousands of
/// small files, and opening them is most of the cost of `retort heads`.
fn read_scripts_in_parallel(
    directory: &rustix::fd::OwnedFd,
    files: &[(std::ffi::OsString, PathBuf)],
) -> Result<Vec<RevisionScript>, LoadError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk_size = files.len().div_ceil(threads).max(64);
    let read_chunk = |chunk: &[(std::ffi::OsString, PathBuf)]| {
        chunk
            .iter()
            .map(|(name, path)| read_script(directory, name, path))
            .collect::<Result<Vec<_>, _>>()
    };
    if files.len() <= chunk_size {
        return read_chunk(files);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk_size)
            .map(|chunk| scope.spawn(move || read_chunk(chunk)))
            .collect();
        let mut scripts = Vec::with_capacity(files.len());
        for worker in workers {
            match worker.join() {
                Ok(result) => scripts.extend(result?),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(scripts)
    })
}

fn read_script(
    directory: &rustix::fd::OwnedFd,
    name: &std::ffi::OsStr,
    path: &Path,
) -> Result<RevisionScript, LoadError> {
    use std::io::Read as _;
    let io_error = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Revision files are small: one read into a preallocated buffer, no size query.
    let mut bytes = Vec::with_capacity(4096);
    let handle = rustix::fs::openat(
        directory,
        name,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|errno| io_error(errno.into()))?;
    std::fs::File::from(handle)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    let text = String::from_utf8(bytes).map_err(|_| ScriptParseError::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    Ok(parse_revision_script(path, &text)?)
}

/// Files that live beside revisions without being one. Hidden files (`.gitkeep`, editor swap
/// files) are skipped too: they are never meant as revisions, and refusing them would make
/// an empty directory impossible to keep in git.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("README") || name == "__pycache__"
}
