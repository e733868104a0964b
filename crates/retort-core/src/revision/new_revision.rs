//! Creating a revision file (`retort revision`, `retort merge`), with Alembic's rules for
//! choosing parents, plus the checks Alembic does only after writing a broken file (a duplicate
//! `--rev-id`, a label already in use).

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Local, Utc};
use rand::Rng;

use super::error::RevisionError;
use super::file_name::{expand_file_template, slugify, FileTemplateError};
use super::graph::RevisionGraph;
use super::identifier::validate_revision_id;
use super::script::{parse_revision_script, ScriptParseError};
use super::template::{render_revision, TemplateContext, TemplateError};

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct NewRevisionRequest {
    pub message: Option<String>,
    /// Parents: identifiers, each resolving to one or more revisions. Empty means `head`.
    pub heads: Vec<String>,
    pub splice: bool,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub revision_id: Option<String>,
    pub version_path: Option<PathBuf>,
    pub upgrade_sql: String,
    pub downgrade_sql: String,
    /// The sections must run with foreign keys off (`foreign_keys=off`: SQLite table rebuilds).
    pub upgrade_foreign_keys_off: bool,
    pub downgrade_foreign_keys_off: bool,
    /// `-x key=value` pairs, for custom templates.
    pub extra: std::collections::BTreeMap<String, String>,
}

/// Project settings that shape the new file.
#[derive(Debug, Clone)]
pub struct NewRevisionSettings<'a> {
    pub version_locations: &'a [PathBuf],
    pub file_template: &'a str,
    pub truncate_slug_length: usize,
    /// IANA name; `None` for local time.
    pub timezone: Option<&'a str>,
    /// The project's `script.sql.j2`, if it has one.
    pub template_path: Option<&'a Path>,
}

/// The file to write.
#[derive(Debug, Clone)]
pub struct PlannedRevision {
    pub id: String,
    pub path: PathBuf,
    pub content: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NewRevisionError {
    #[error(transparent)]
    Revision(#[from] RevisionError),
    #[error("Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge.")]
    MultipleHeads,
    #[error("Duplicate head revisions specified")]
    DuplicateHeads,
    #[error("Revision {0} is not a head revision; please specify --splice to create a new branch from this revision")]
    NotAHead(String),
    #[error("invalid revision id: {0}")]
    InvalidId(String),
    #[error("revision {id} already exists in {path}")]
    IdTaken { id: String, path: PathBuf },
    #[error("branch label '{label}' is already used by revision {id}")]
    LabelTaken { label: String, id: String },
    #[error("invalid branch label '{label}': {reason}")]
    InvalidLabel { label: String, reason: String },
    #[error("Multiple version locations present, please specify --version-path")]
    AmbiguousVersionPath,
    #[error("Path {0} is not represented in current version locations")]
    UnknownVersionPath(PathBuf),
    #[error("Can't locate timezone: {0}")]
    UnknownTimezone(String),
    #[error(transparent)]
    FileTemplate(#[from] FileTemplateError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("the revision template produced a file retort cannot read back")]
    TemplateOutput(#[source] ScriptParseError),
    #[error("the revision template dropped {what}: the rendered file says {found:?}")]
    TemplateLostField { what: &'static str, found: String },
    #[error("{0} already exists")]
    FileExists(PathBuf),
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl NewRevisionError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Revision(error) => error.hint(),
            Self::MultipleHeads => Some(
                "pass `--head REV` (or `label@head`), or run `retort merge -m MESSAGE heads` first"
                    .to_owned(),
            ),
            Self::NotAHead(_) => Some(
                "add `--splice` to branch from a revision that already has children".to_owned(),
            ),
            Self::IdTaken { .. } => {
                Some("choose another `--rev-id`, or leave it out for a random id".to_owned())
            }
            Self::LabelTaken { .. } => {
                Some("branch labels are unique; choose another name".to_owned())
            }
            Self::AmbiguousVersionPath | Self::UnknownVersionPath(_) => Some(
                "`--version-path` must be one of the `version_locations` in retort.toml".to_owned(),
            ),
            Self::UnknownTimezone(_) => {
                Some("use an IANA zone name such as `UTC` or `Europe/Paris`".to_owned())
            }
            Self::FileTemplate(error) => Some(error.hint()),
            Self::TemplateOutput(_) | Self::TemplateLostField { .. } | Self::Template(_) => Some(
                "compare migrations/script.sql.j2 with the template `retort init` writes"
                    .to_owned(),
            ),
            Self::FileExists(_) => Some("choose another message or `--rev-id`".to_owned()),
            _ => None,
        }
    }
}

/// A fresh revision id: 12 random lowercase hex characters, as Alembic's `uuid4().hex[-12:]`.
pub fn random_revision_id() -> String {
    let value: u64 = rand::thread_rng().gen::<u64>() & 0xffff_ffff_ffff;
    format!("{value:012x}")
}

/// Decide the new file's parents, id, path and content, without writing anything.
pub fn plan_revision(
    graph: &RevisionGraph,
    request: &NewRevisionRequest,
    settings: &NewRevisionSettings<'_>,
) -> Result<PlannedRevision, NewRevisionError> {
    let id = request
        .revision_id
        .clone()
        .unwrap_or_else(random_revision_id);
    validate_revision_id(&id).map_err(NewRevisionError::InvalidId)?;
    if let Some(existing) = graph.index_of(&id) {
        return Err(NewRevisionError::IdTaken {
            id,
            path: graph.revision(existing).script.path.clone(),
        });
    }
    for label in &request.branch_labels {
        validate_revision_id(label).map_err(|reason| NewRevisionError::InvalidLabel {
            label: label.clone(),
            reason,
        })?;
        if let Some(owner) = graph.by_label.get(label).or_else(|| graph.by_id.get(label)) {
            return Err(NewRevisionError::LabelTaken {
                label: label.clone(),
                id: graph.id(*owner).to_owned(),
            });
        }
    }

    let head_identifiers = if request.heads.is_empty() {
        vec!["head".to_owned()]
    } else {
        request.heads.clone()
    };
    let mut heads = Vec::new();
    for identifier in &head_identifiers {
        let resolved = graph
            .get_revisions(identifier)
            .map_err(|error| match error {
                RevisionError::MultipleHeads { .. } => NewRevisionError::MultipleHeads,
                other => NewRevisionError::Revision(other),
            })?;
        heads.extend(
            resolved
                .into_iter()
                .filter_map(super::resolve::Point::revision),
        );
    }
    let mut unique = heads.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != heads.len() {
        return Err(NewRevisionError::DuplicateHeads);
    }
    if !request.splice {
        if let Some(&not_head) = heads.iter().find(|&&h| !graph.revision(h).is_head()) {
            return Err(NewRevisionError::NotAHead(graph.id(not_head).to_owned()));
        }
    }

    let mut depends_on = Vec::new();
    for dependency in &request.depends_on {
        let Some(index) = graph.get_revision(dependency)? else {
            continue;
        };
        // Keep a branch label as written (it follows the branch); resolve prefixes to full ids.
        depends_on.push(if graph.has_label(index, dependency) {
            dependency.clone()
        } else {
            graph.id(index).to_owned()
        });
    }

    let directory = choose_directory(
        graph,
        &heads,
        request.version_path.as_deref(),
        settings.version_locations,
    )?;
    let created = now_in(settings.timezone)?;
    let message = request
        .message
        .clone()
        .unwrap_or_else(|| "empty message".to_owned());
    let slug = slugify(&message, settings.truncate_slug_length);
    let stem = expand_file_template(settings.file_template, &id, &slug, &created)?;
    let path = directory.join(format!("{stem}.{}", super::directory::REVISION_EXTENSION));

    let (template_name, template) = match settings.template_path {
        Some(path) if path.exists() => (
            path.display().to_string(),
            fs_err::read_to_string(path).map_err(|source| NewRevisionError::Io {
                path: path.to_path_buf(),
                source,
            })?,
        ),
        _ => (
            "script.sql.j2".to_owned(),
            super::template::DEFAULT_SCRIPT_TEMPLATE.to_owned(),
        ),
    };
    let down_revisions: Vec<String> = heads.iter().map(|&h| graph.id(h).to_owned()).collect();
    let context = TemplateContext {
        message,
        up_revision: id.clone(),
        down_revisions: down_revisions.clone(),
        create_date: created.format("%Y-%m-%d %H:%M:%S%.6f%:z").to_string(),
        branch_labels: request.branch_labels.clone(),
        depends_on: depends_on.clone(),
        upgrade_sql: request.upgrade_sql.clone(),
        downgrade_sql: request.downgrade_sql.clone(),
        upgrade_options: section_options(request.upgrade_foreign_keys_off),
        downgrade_options: section_options(request.downgrade_foreign_keys_off),
        x: request.extra.clone(),
    };
    let rendered = render_revision(&template_name, &template, &context)?;
    verify_rendered(&path, &rendered, &context, request)?;
    Ok(PlannedRevision {
        id,
        path,
        content: rendered,
    })
}

/// Plan and write a revision with the settings of a project's `retort.toml` (version locations,
/// file template, slug length, timezone, its `script.sql.j2`): what `revision`, `merge` and the
/// library's `autogenerate` all do.
pub fn create_for_config(
    graph: &RevisionGraph,
    request: &NewRevisionRequest,
    config: &crate::config::Config,
) -> Result<PlannedRevision, NewRevisionError> {
    let template_path = config.script_template_path();
    let settings = NewRevisionSettings {
        version_locations: &config.version_locations,
        file_template: &config.file_template,
        truncate_slug_length: config.truncate_slug_length,
        timezone: config.timezone.as_deref(),
        template_path: Some(&template_path),
    };
    let planned = plan_revision(graph, request, &settings)?;
    write_revision(&planned)?;
    Ok(planned)
}

/// Write a planned revision, refusing to overwrite anything.
pub fn write_revision(planned: &PlannedRevision) -> Result<(), NewRevisionError> {
    if planned.path.exists() {
        return Err(NewRevisionError::FileExists(planned.path.clone()));
    }
    let io = |source| NewRevisionError::Io {
        path: planned.path.clone(),
        source,
    };
    if let Some(parent) = planned.path.parent() {
        fs_err::create_dir_all(parent).map_err(io)?;
    }
    fs_err::write(&planned.path, &planned.content).map_err(io)
}

/// A custom template must still produce a file whose header says what was asked.
fn verify_rendered(
    path: &Path,
    rendered: &str,
    context: &TemplateContext,
    request: &NewRevisionRequest,
) -> Result<(), NewRevisionError> {
    let script = parse_revision_script(path, rendered).map_err(NewRevisionError::TemplateOutput)?;
    let downgrade_foreign_keys_off = script
        .downgrade
        .as_ref()
        .is_some_and(|s| s.foreign_keys_off);
    let checks: [(&'static str, bool, String); 6] = [
        (
            "the upgrade's section options ({{ upgrade_options }} after `-- retort:upgrade`)",
            script.upgrade.foreign_keys_off == request.upgrade_foreign_keys_off,
            section_options(script.upgrade.foreign_keys_off),
        ),
        (
            "the downgrade's section options ({{ downgrade_options }} after `-- retort:downgrade`)",
            downgrade_foreign_keys_off == request.downgrade_foreign_keys_off,
            section_options(downgrade_foreign_keys_off),
        ),
        (
            "the revision id",
            script.id == context.up_revision,
            script.id.clone(),
        ),
        (
            "the parents (Revises)",
            script.down_revisions == context.down_revisions,
            script.down_revisions.join(", "),
        ),
        (
            "the branch labels",
            script.branch_labels == context.branch_labels,
            script.branch_labels.join(", "),
        ),
        (
            "the dependencies (Depends On)",
            script.depends_on == context.depends_on,
            script.depends_on.join(", "),
        ),
    ];
    for (what, ok, found) in checks {
        if !ok {
            return Err(NewRevisionError::TemplateLostField { what, found });
        }
    }
    Ok(())
}

/// The options written after a section directive.
fn section_options(foreign_keys_off: bool) -> String {
    if foreign_keys_off {
        " foreign_keys=off".to_owned()
    } else {
        String::new()
    }
}

fn choose_directory(
    graph: &RevisionGraph,
    heads: &[usize],
    requested: Option<&Path>,
    locations: &[PathBuf],
) -> Result<PathBuf, NewRevisionError> {
    if let Some(requested) = requested {
        let wanted = absolute(requested);
        return locations
            .iter()
            .find(|location| absolute(location) == wanted)
            .cloned()
            .ok_or_else(|| NewRevisionError::UnknownVersionPath(requested.to_path_buf()));
    }
    if let [only] = locations {
        return Ok(only.clone());
    }
    heads
        .first()
        .and_then(|&head| {
            graph
                .revision(head)
                .script
                .path
                .parent()
                .map(Path::to_path_buf)
        })
        .ok_or(NewRevisionError::AmbiguousVersionPath)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn now_in(timezone: Option<&str>) -> Result<DateTime<FixedOffset>, NewRevisionError> {
    let now = Utc::now();
    match timezone {
        None => Ok(now.with_timezone(&Local).fixed_offset()),
        Some(name) => {
            let zone: chrono_tz::Tz = name
                .parse()
                .map_err(|_| NewRevisionError::UnknownTimezone(name.to_owned()))?;
            Ok(now.with_timezone(&zone).fixed_offset())
        }
    }
}
