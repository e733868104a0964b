//! `retort import alembic [PATH]`: an Alembic project becomes a retort project beside it.
//!
//! The revision graph is read statically (no Python); the bodies are rendered by Alembic itself,
//! through a driver script shipped in the binary and run once with the project's Python.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use retort_core::alembic::conversion::{convert_revision, report_text, Outcome, RenderedRevision};
use retort_core::alembic::history::read_history;
use retort_core::alembic::project_config::{
    read_alembic_project, render_retort_toml, AlembicProject,
};
use retort_core::alembic::revision_file::{AlembicRevision, FunctionBody};
use retort_core::config::CONFIG_FILE_NAME;
use retort_core::revision::template::DEFAULT_SCRIPT_TEMPLATE;
use serde::Deserialize;

use crate::args::{ImportAlembicArgs, ImportDialect};
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

mod squash;

/// The driver: loads each revision module and renders it with Alembic (see the file's doc).
const DRIVER: &str = include_str!("import/alembic_render.py");

#[derive(Debug, Deserialize)]
struct DriverAnswer {
    alembic_version: String,
    sqlalchemy_version: String,
    revisions: std::collections::BTreeMap<String, RenderedRevision>,
    /// `upgrade_only` requests: tables the revisions left rows in, with their counts.
    #[serde(default)]
    tables_with_rows: std::collections::BTreeMap<String, u64>,
    /// `upgrade_only` requests: tables outside the default schema (`schema.table`).
    #[serde(default)]
    tables_in_other_schemas: Vec<String>,
}

pub fn alembic(settings: &GlobalSettings, args: &ImportAlembicArgs) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let root = normalize(
        &settings
            .working_directory
            .join(args.path.as_deref().unwrap_or(Path::new("."))),
    );
    let project = read_alembic_project(&root).map_err(|error| {
        let hint = error.hint();
        CliError::usage(error.to_string()).with_hint(hint)
    })?;
    let revisions = read_history(&project).map_err(|error| {
        let hint = error.hint();
        CliError::usage(error.to_string()).with_hint(hint)
    })?;
    let dialect = match (args.dialect, project.url_dialect.as_deref()) {
        (Some(ImportDialect::Postgresql), _) | (None, Some("postgresql")) => "postgresql",
        (Some(ImportDialect::Sqlite), _) | (None, Some("sqlite")) => "sqlite",
        (Some(ImportDialect::Mysql), _) | (None, Some("mysql")) => "mysql",
        (None, _) => {
            return Err(CliError::usage(format!(
                "{}: sqlalchemy.url does not say which database the revisions are for",
                project.config_path.display()
            ))
            .with_hint("pass --dialect postgresql, sqlite or mysql"))
        }
    };

    // Where the retort project goes: never into the Alembic folder, never over files.
    let into = args.into.clone().unwrap_or_else(|| PathBuf::from("retort"));
    let target = root.join(&into);
    let versions = target.join("versions");
    let config_path = root.join(CONFIG_FILE_NAME);
    if config_path.exists() {
        return Err(CliError::usage(format!("{} already exists", config_path.display()))
            .with_hint("the import never overwrites files: move it away, or import into another directory with --into and a copy of the Alembic project"));
    }
    let alembic_folders: Vec<&PathBuf> = std::iter::once(&project.script_location)
        .chain(project.version_locations.iter())
        .collect();
    let normalized_target = normalize(&target);
    if alembic_folders.iter().any(|folder| {
        normalized_target.starts_with(normalize(folder))
            || normalize(folder).starts_with(&normalized_target)
    }) {
        return Err(CliError::usage(format!(
            "{} overlaps the Alembic folder {}",
            target.display(),
            project.script_location.display()
        ))
        .with_hint("choose another folder with --into; the Alembic project stays as it is"));
    }
    if target.exists()
        && fs_err::read_dir(&target)
            .map_err(io(&target))?
            .next()
            .is_some()
    {
        return Err(CliError::usage(format!("{} exists and is not empty", target.display()))
            .with_hint("the import never overwrites files: remove it, or choose another folder with --into"));
    }

    let python = python_command(args.python.as_deref());
    if args.squash {
        return squash::squash(
            settings,
            args,
            &squash::Context {
                root: &root,
                project: &project,
                revisions: &revisions,
                dialect,
                into: &into,
                target: &target,
                versions: &versions,
                config_path: &config_path,
                python: &python,
            },
        );
    }

    // Render every revision with Alembic, in one Python process.
    let scratch = Scratch::new(dialect, args.scratch_url.as_deref())?;
    let request = driver_request(&root, &project, &revisions, dialect, &scratch);
    let render_started = Instant::now();
    let answer = run_driver(&python, &root, &request)?;
    let render_elapsed = render_started.elapsed();
    drop(scratch);

    // Write the project.
    fs_err::create_dir_all(&versions).map_err(io(&versions))?;
    let mut reports = Vec::with_capacity(revisions.len());
    let mut written = Vec::with_capacity(revisions.len());
    for revision in &revisions {
        let rendered = answer
            .revisions
            .get(&revision.id)
            .cloned()
            .unwrap_or_default();
        let relative = revision
            .path
            .strip_prefix(&root)
            .unwrap_or(&revision.path)
            .display()
            .to_string();
        let stem = revision.path.file_stem().map_or_else(
            || revision.id.clone(),
            |stem| stem.to_string_lossy().into_owned(),
        );
        let mut file = versions.join(format!("{stem}.sql"));
        if written.contains(&file) {
            file = versions.join(format!("{stem}_{}.sql", revision.id));
        }
        let source = fs_err::read_to_string(&revision.path).map_err(io(&revision.path))?;
        let (text, report) = convert_revision(
            revision, &rendered, &source, &relative, &file, dialect,
        )
        .map_err(|message| {
            CliError::usage(message)
                .with_hint("rename the label or dependency in the Alembic file first")
        })?;
        fs_err::write(&file, text).map_err(io(&file))?;
        written.push(file);
        reports.push(report);
    }
    let template_path = target.join("script.sql.j2");
    fs_err::write(&template_path, DEFAULT_SCRIPT_TEMPLATE).map_err(io(&template_path))?;
    let script_location = into.to_string_lossy().replace('\\', "/");
    fs_err::write(&config_path, render_retort_toml(&project, &script_location))
        .map_err(io(&config_path))?;

    // The report: printed, and written beside the project.
    let mut text = format!(
        "Imported {} Alembic revisions from {} for {dialect} (Alembic {}, SQLAlchemy {}) into {}\n",
        revisions.len(),
        project.config_path.display(),
        answer.alembic_version,
        answer.sqlalchemy_version,
        settings.display_path(&target),
    );
    text.push_str(&report_text(&reports));
    for note in &project.notes {
        text.push_str(&format!("config: {note}\n"));
    }
    let report_path = root.join("import-report.txt");
    fs_err::write(&report_path, &text).map_err(io(&report_path))?;
    let json = serde_json::json!({
        "dialect": dialect,
        "alembic_version": answer.alembic_version,
        "sqlalchemy_version": answer.sqlalchemy_version,
        "config": settings.display_path(&config_path),
        "revisions": reports,
        "config_notes": project.notes,
        "render_seconds": render_elapsed.as_secs_f64(),
        "total_seconds": started.elapsed().as_secs_f64(),
        "converted": reports.iter().filter(|r| r.outcome == Outcome::Converted).count(),
        "converted_with_warnings": reports.iter().filter(|r| r.outcome == Outcome::ConvertedWithWarnings).count(),
        "needs_hand": reports.iter().filter(|r| r.outcome == Outcome::NeedsHand).count(),
    });
    if settings.printer.json {
        let json_path = root.join("import-report.json");
        let pretty = serde_json::to_string_pretty(&json).unwrap_or_default();
        fs_err::write(&json_path, pretty).map_err(io(&json_path))?;
        settings.printer.json(&json);
    } else {
        settings.printer.data(text.trim_end());
    }
    settings.printer.status(&format!(
        "Wrote {}, {} and {}; rendering took {:.2?} (Python included).",
        settings.display_path(&config_path),
        settings.display_path(&versions),
        settings.display_path(&report_path),
        render_elapsed
    ));
    if reports
        .iter()
        .any(|report| report.outcome == Outcome::NeedsHand)
    {
        settings.printer.status("Revisions marked `needs_hand` refuse to run on a database that has not passed them: write their SQL, then remove the option. Databases Alembic already migrated past them are not affected.");
    }
    settings
        .printer
        .status("Next: set DATABASE_URL, then `retort current` names the revision Alembic left (no stamp needed).");
    Ok(ExitCode::Success)
}

/// What the driver is asked: every revision, in graph order, and where it may run them.
fn driver_request(
    root: &Path,
    project: &AlembicProject,
    revisions: &[AlembicRevision],
    dialect: &str,
    scratch: &Scratch,
) -> serde_json::Value {
    serde_json::json!({
        "dialect": dialect,
        "script_location": project.script_location,
        "sys_path": std::iter::once(root.to_path_buf()).chain(project.prepend_sys_path.iter().cloned()).collect::<Vec<_>>(),
        "scratch_url": scratch.url,
        // Only a scratch file retort created may be deleted and started again.
        "scratch_owned": scratch.file.is_some(),
        "scratch_path": scratch.file,
        "version_table": project.version_table,
        "version_table_schema": project.version_table_schema,
        "revisions": revisions.iter().map(|revision| serde_json::json!({
            "id": revision.id,
            "path": revision.path,
            "upgrade": body_name(revision.upgrade),
            "downgrade": body_name(revision.downgrade),
        })).collect::<Vec<_>>(),
    })
}

fn body_name(body: FunctionBody) -> &'static str {
    match body {
        FunctionBody::Missing => "missing",
        FunctionBody::Empty => "empty",
        FunctionBody::Raises => "raises",
        FunctionBody::Code => "code",
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |error| CliError::usage(format!("{}: {error}", path.display()))
}

/// A path with `.` and `..` resolved lexically (the target may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The Python to run: `--python`, else the active virtualenv's, else `python3`.
fn python_command(explicit: Option<&Path>) -> PathBuf {
    if let Some(python) = explicit {
        return python.to_path_buf();
    }
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        let candidate = PathBuf::from(venv).join("bin/python");
        if candidate.exists() {
            return candidate;
        }
    }
    PathBuf::from("python3")
}

fn run_driver(
    python: &Path,
    root: &Path,
    request: &serde_json::Value,
) -> Result<DriverAnswer, CliError> {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(DRIVER)
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            CliError::usage(format!("cannot run {}: {error}", python.display()))
                .with_hint("pass --python with the interpreter of the project's virtualenv (the one that has Alembic installed)")
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(request.to_string().as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|error| CliError::usage(format!("{}: {error}", python.display())))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let last = stderr
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or_default();
        return Err(CliError::usage(format!(
            "{} could not render the revisions: {last}",
            python.display()
        ))
        .with_hint("run it with the project's Python (--python), which must import alembic, sqlalchemy and the application"));
    }
    serde_json::from_slice(&output.stdout).map_err(|error| {
        CliError::usage(format!("the Alembic driver's answer is not JSON: {error}"))
            .with_hint("revision code printed to stdout at import time? see the output above")
    })
}

/// The scratch database the driver may run revisions on: a temporary SQLite file, or the
/// `--scratch-url` given (translated to SQLAlchemy's URL form). Removed when dropped.
struct Scratch {
    url: Option<String>,
    file: Option<PathBuf>,
}

impl Scratch {
    fn new(dialect: &str, given: Option<&str>) -> Result<Self, CliError> {
        if let Some(url) = given {
            let translated = if let Some(rest) = url.strip_prefix("postgres://") {
                format!("postgresql://{rest}")
            } else if let Some(rest) = url
                .strip_prefix("mysql://")
                .or_else(|| url.strip_prefix("mariadb://"))
            {
                format!("mysql+pymysql://{rest}")
            } else {
                url.to_owned()
            };
            return Ok(Self {
                url: Some(translated),
                file: None,
            });
        }
        if dialect != "sqlite" {
            return Ok(Self {
                url: None,
                file: None,
            });
        }
        let file = std::env::temp_dir().join(format!("retort-import-{}.db", std::process::id()));
        let _ = fs_err::remove_file(&file);
        Ok(Self {
            url: Some(format!("sqlite:///{}", file.display())),
            file: Some(file),
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            let _ = fs_err::remove_file(file);
        }
    }
}
