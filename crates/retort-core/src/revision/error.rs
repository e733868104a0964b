//! Errors of the revision graph: building it from files, and resolving identifiers against it.

use std::path::PathBuf;

/// Why the revision files do not form a valid graph, or why an identifier cannot be resolved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RevisionError {
    #[error("revision {id} is defined twice: in {first} and in {second}")]
    DuplicateId {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("revision {id} ({path}) revises {parent}, which is not present")]
    MissingParent {
        id: String,
        path: PathBuf,
        parent: String,
        suggestion: Option<String>,
    },
    #[error("revision {id} ({path}) depends on {dependency}, which is neither a revision nor a branch label")]
    MissingDependency {
        id: String,
        path: PathBuf,
        dependency: String,
        suggestion: Option<String>,
    },
    #[error("branch name '{label}' in revision {id} ({path}) already used by revision {other_id} ({other_path})")]
    BranchLabelTwice {
        label: String,
        id: String,
        path: PathBuf,
        other_id: String,
        other_path: PathBuf,
    },
    #[error("{kind} is detected in revisions ({})", revisions.join(", "))]
    Cycle {
        /// "Cycle", "Dependency cycle", "Self-loop" or "Dependency self-loop", as Alembic says.
        kind: &'static str,
        revisions: Vec<String>,
        paths: Vec<PathBuf>,
    },
    #[error("Can't locate revision identified by '{argument}'")]
    Unknown {
        argument: String,
        suggestions: Vec<String>,
    },
    /// `stamp -1` (or `rev+1`, `label@-1`) once the version table has rows: Alembic matches the
    /// rows against the target as a plain identifier and cannot locate it; so do we.
    #[error("Can't locate revision identified by '{argument}'")]
    RelativeStampTarget { argument: String, target: String },
    #[error("revision identifier '{argument}' is ambiguous: it matches {}", candidates.join(", "))]
    Ambiguous {
        argument: String,
        candidates: Vec<String>,
    },
    #[error("No such branch: '{label}'")]
    NoSuchBranch {
        label: String,
        suggestions: Vec<String>,
    },
    #[error("Revision {id} is not a member of branch '{label}'")]
    NotOnBranch { id: String, label: String },
    #[error("Multiple head revisions are present for given argument '{argument}'; please specify a specific target revision, '<branchname>@{argument}' to narrow to a specific head, or 'heads' for all heads")]
    MultipleHeads {
        argument: String,
        heads: Vec<String>,
    },
    #[error("Requested range {start}:{end} does not refer to ancestor/descendant revisions along the same branch")]
    RangeNotAncestor { start: String, end: String },
    #[error("Destination {target} is not a valid {direction} target from current head(s)")]
    InvalidDestination {
        target: String,
        direction: &'static str,
    },
    #[error("Requested revision {id} overlaps with other requested revisions {others}")]
    Overlap { id: String, others: String },
    #[error("Relative revision {relative} didn't produce {count} migrations")]
    RelativeTooShort { relative: String, count: u64 },
    #[error("Walked too far")]
    WalkedTooFar,
    #[error("Ambiguous walk")]
    AmbiguousWalk,
    #[error("Ambiguous upgrade from multiple current revisions")]
    AmbiguousUpgrade,
    #[error("Not a valid downgrade target from current heads")]
    InvalidDowngradeTarget,
    #[error("History range requires [start]:[end], [start]:, or :[end]")]
    RangeWithoutColon,
}

impl RevisionError {
    /// How to fix it, when there is something to say beyond the message.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::DuplicateId { .. } => Some(
                "give one of the files a new id in its `-- Revision ID:` line (and update any `Revises:` that meant it)".to_owned(),
            ),
            Self::MissingParent { suggestion, .. } | Self::MissingDependency { suggestion, .. } => {
                Some(suggestion.as_ref().map_or_else(
                    || "restore the missing revision file, or fix the header line".to_owned(),
                    |s| format!("did you mean '{s}'?"),
                ))
            }
            Self::BranchLabelTwice { .. } => Some(
                "a branch label names one branch; rename one of them in its `-- Branch Labels:` line".to_owned(),
            ),
            Self::Cycle { paths, .. } => Some(format!(
                "a revision cannot be its own ancestor; fix the `Revises:` or `Depends On:` lines of: {}",
                paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            )),
            Self::Unknown { suggestions, .. } | Self::NoSuchBranch { suggestions, .. } => {
                if suggestions.is_empty() {
                    Some("`retort history` lists the known revisions".to_owned())
                } else {
                    Some(format!("did you mean {}?", quote_list(suggestions)))
                }
            }
            Self::RelativeStampTarget { target, .. } => Some(format!(
                "stamp moves the recorded rows to a revision, so it needs an id or a label once the version table has rows (as in Alembic): `retort history` lists the revisions, `retort current` the rows; `{target}` works on an empty table only"
            )),
            Self::Ambiguous { .. } => {
                Some("type more characters of the revision id".to_owned())
            }
            Self::MultipleHeads { .. } => Some(
                "run `retort heads` to list them; `retort merge -m MESSAGE heads` joins them".to_owned(),
            ),
            Self::AmbiguousWalk | Self::AmbiguousUpgrade => Some(
                "the graph branches here; name the branch (`label@+1`) or an explicit revision".to_owned(),
            ),
            _ => None,
        }
    }
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("'{item}'")).collect();
    quoted.join(" or ")
}
