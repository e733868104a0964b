//! `retort import alembic --squash`: one baseline revision holding the schema at the Alembic
//! head, instead of one revision per Alembic revision.
//!
//! The baseline keeps the head's id, so a database Alembic left at head is already at retort's
//! head. Its `-- Squashes:` line lists the Alembic revisions it replaces: a database left at one
//! of them gets an error naming the revision it must reach with Alembic first (see
//! `retort_core::runner::plan::UnknownAppliedRevision`).
//!
//! The schema at head is read with retort's own introspection, from a scratch database the
//! Alembic revisions were run on (the driver's `upgrade_only` request) or from `--from-url`, a
//! database already at head, and written with the autogenerate plan: the difference between an
//! empty schema and it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use retort::database::{mask_password, DatabaseUrl};
use retort_core::alembic::project_config::{render_retort_toml, AlembicProject};
use retort_core::alembic::revision_file::{AlembicRevision, FunctionBody};
use retort_core::autogenerate::plan::Plan;
use retort_core::autogenerate::AutogenerateError;
use retort_core::config::environment::Environment;
use retort_core::dialect::Dialect;
use retort_core::diff::rename::DeclaredRenames;
use retort_core::diff::{diff_with_renames, DiffOptions};
use retort_core::introspect::{Database, IntrospectFilter};
use retort_core::revision::template::DEFAULT_SCRIPT_TEMPLATE;
use retort_core::runner::connection::VersionTable;
use retort_core::runner::run::read_heads;
use retort_core::schema::Schema;

use super::{driver_request, io, run_driver, Scratch};
use crate::args::ImportAlembicArgs;
use crate::commands::migrate::run_error;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

/// What the import has read before it chose to squash.
pub struct Context<'a> {
    pub root: &'a Path,
    pub project: &'a AlembicProject,
    pub revisions: &'a [AlembicRevision],
    pub dialect: &'a str,
    pub into: &'a Path,
    pub target: &'a Path,
    pub versions: &'a Path,
    pub config_path: &'a Path,
    pub python: &'a Path,
}

pub fn squash(
    settings: &GlobalSettings,
    args: &ImportAlembicArgs,
    context: &Context<'_>,
) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let head = single_head(context.revisions)?;
    let version_table = VersionTable {
        name: context
            .project
            .version_table
            .clone()
            .unwrap_or_else(|| VersionTable::default().name),
        schema: context.project.version_table_schema.clone(),
    };
    let filter = IntrospectFilter::new(&[], &[], version_table.clone())
        .map_err(|error| CliError::usage(error.to_string()))?;

    // The schema at head, and where it was read.
    let HeadSchema {
        schema,
        rules: dialect_rules,
        source,
        tables_with_rows,
    } = match &args.from_url {
        Some(url) => from_database(url, context, head, &version_table, &filter)?,
        None => from_scratch(settings, args, context, &filter)?,
    };

    // The baseline: everything created from nothing, and dropped on the way down.
    let empty = Schema::default();
    let diff = diff_with_renames(
        &empty,
        &schema,
        &DeclaredRenames::default(),
        DiffOptions::default(),
    )
    .map_err(|cycle| CliError::from(AutogenerateError::from(cycle)))?;
    let plan = Plan::new(
        dialect_rules,
        diff.operations,
        &diff.derived,
        &schema,
        &diff.renamed,
    );
    let render_error = |error| CliError::from(AutogenerateError::from(error));
    let upgrade = plan.render_upgrade().map_err(render_error)?;
    let downgrade = plan.render_downgrade().map_err(render_error)?;

    let squashed: Vec<&str> = context
        .revisions
        .iter()
        .map(|revision| revision.id.as_str())
        .filter(|id| *id != head.id)
        .collect();
    let mut labels: Vec<&str> = Vec::new();
    for revision in context.revisions {
        for label in &revision.branch_labels {
            if !labels.contains(&label.as_str()) {
                labels.push(label);
            }
        }
    }
    let mut text = format!(
        "-- Baseline: the schema at Alembic revision {head_id} ({count} revisions squashed)\n--\n-- Written by `retort import alembic --squash` from {source}.\n-- A database Alembic left at {head_id} is already here; one at an older revision\n-- must reach {head_id} with Alembic first (the `Squashes:` line lets retort say so).\n--\n-- Revision ID: {head_id}\n-- Revises:\n",
        head_id = head.id,
        count = context.revisions.len(),
    );
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(
            text,
            "-- {name}:{}{value}",
            if value.is_empty() { "" } else { " " }
        );
    };
    field(
        "Create Date",
        head.create_date.as_deref().unwrap_or_default(),
    );
    field("Branch Labels", &labels.join(", "));
    field("Depends On", "");
    field("Squashes", &squashed.join(", "));
    text.push('\n');
    let mut upgrade_options = String::new();
    if upgrade.foreign_keys_off {
        upgrade_options.push_str(" foreign_keys=off");
    }
    if !tables_with_rows.is_empty() {
        // The revisions wrote rows the baseline does not: a database built from it would lack
        // them. Databases at head are not affected (they never run the baseline).
        let tables: Vec<String> = tables_with_rows
            .iter()
            .map(|(table, count)| {
                format!(
                    "{table} ({count} row{})",
                    if *count == 1 { "" } else { "s" }
                )
            })
            .collect();
        let reason = format!(
            "the Alembic revisions inserted rows into {}, which this baseline (schema only) does not: add the INSERT statements here, then remove this option",
            tables.join(", ")
        );
        let _ = write!(
            upgrade_options,
            " needs_hand=\"{}\"",
            reason.replace('\\', "\\\\").replace('"', "\\\"")
        );
    }
    let _ = writeln!(
        text,
        "-- retort:upgrade{upgrade_options}\n{}\n",
        upgrade.sql
    );
    let downgrade_options = if downgrade.foreign_keys_off {
        " foreign_keys=off"
    } else {
        ""
    };
    let _ = writeln!(
        text,
        "-- retort:downgrade{downgrade_options}\n-- Back to an empty database: every table the baseline created is dropped.\n{}",
        downgrade.sql
    );

    fs_err::create_dir_all(context.versions).map_err(io(context.versions))?;
    let file: PathBuf = context
        .versions
        .join(format!("{}_squashed_baseline.sql", head.id));
    fs_err::write(&file, &text).map_err(io(&file))?;
    let template_path = context.target.join("script.sql.j2");
    fs_err::write(&template_path, DEFAULT_SCRIPT_TEMPLATE).map_err(io(&template_path))?;
    let script_location = context.into.to_string_lossy().replace('\\', "/");
    fs_err::write(
        context.config_path,
        render_retort_toml(context.project, &script_location),
    )
    .map_err(io(context.config_path))?;

    let json = serde_json::json!({
        "dialect": context.dialect,
        "squashed": true,
        "head": head.id,
        "baseline": settings.display_path(&file),
        "source": source,
        "squashed_revisions": squashed,
        "operations": plan.changes.len(),
        "tables_with_rows": tables_with_rows,
        "config": settings.display_path(context.config_path),
        "config_notes": context.project.notes,
        "total_seconds": started.elapsed().as_secs_f64(),
    });
    // The report: printed, and written beside the project, as for a full import.
    let mut summary = format!(
        "Squashed {} Alembic revisions from {} into one baseline, {} ({} operations, from {source})\n",
        context.revisions.len(),
        context.project.config_path.display(),
        settings.display_path(&file),
        plan.changes.len(),
    );
    for (table, count) in &tables_with_rows {
        let _ = writeln!(
            summary,
            "rows: the revisions inserted {count} row(s) into {table}, which the baseline does not carry"
        );
    }
    for note in &context.project.notes {
        let _ = writeln!(summary, "config: {note}");
    }
    let report_path = context.root.join("import-report.txt");
    fs_err::write(&report_path, &summary).map_err(io(&report_path))?;
    if settings.printer.json {
        let json_path = context.root.join("import-report.json");
        let pretty = serde_json::to_string_pretty(&json).unwrap_or_default();
        fs_err::write(&json_path, pretty).map_err(io(&json_path))?;
        settings.printer.json(&json);
    } else {
        settings.printer.data(summary.trim_end());
    }
    if !tables_with_rows.is_empty() {
        settings.printer.status("The Alembic revisions inserted rows the baseline does not carry: its upgrade is marked `needs_hand` until you add them (databases at head are not affected).");
    }
    settings.printer.status(&format!(
        "Next: set DATABASE_URL; a database Alembic left at {} needs no stamp, an older one must be upgraded with Alembic to {} first.",
        head.id, head.id
    ));
    Ok(ExitCode::Success)
}

/// The schema at the Alembic head, where it was read, and the rows the revisions inserted.
struct HeadSchema {
    schema: Schema,
    rules: &'static dyn Dialect,
    source: String,
    tables_with_rows: BTreeMap<String, u64>,
}

/// `--from-url`: a database whose version table names the head.
fn from_database(
    url: &str,
    context: &Context<'_>,
    head: &AlembicRevision,
    version_table: &VersionTable,
    filter: &IntrospectFilter,
) -> Result<HeadSchema, CliError> {
    let mut database =
        DatabaseUrl::parse(url, context.root)?.connect_existing(&Environment::process())?;
    let rows = read_heads(database.as_mut(), version_table).map_err(|e| run_error(&e))?;
    if rows != [head.id.as_str()] {
        return Err(CliError::usage(format!(
            "{} is at Alembic revision {}, not at the head {}",
            mask_password(url),
            if rows.is_empty() { "(none: its version table is empty or missing)".to_owned() } else { rows.join(", ") },
            head.id
        ))
        .with_hint("upgrade it with `alembic upgrade head` first, or leave out --from-url to squash from a scratch database Alembic upgrades"));
    }
    let (schema, rules) = introspect(database.as_mut(), filter)?;
    Ok(HeadSchema {
        schema,
        rules,
        source: mask_password(url),
        tables_with_rows: BTreeMap::new(),
    })
}

/// A scratch database the Alembic revisions are run on (the driver's `upgrade_only` request).
fn from_scratch(
    settings: &GlobalSettings,
    args: &ImportAlembicArgs,
    context: &Context<'_>,
    filter: &IntrospectFilter,
) -> Result<HeadSchema, CliError> {
    if args.scratch_url.is_none() && context.dialect != "sqlite" {
        return Err(CliError::usage(format!(
            "--squash needs the schema at the Alembic head, and there is no {} database to build it in",
            context.dialect
        ))
        .with_hint("pass --scratch-url with an empty database Alembic may upgrade, or --from-url with a database already at head (a replica of production, say)"));
    }
    let scratch = Scratch::new(context.dialect, args.scratch_url.as_deref())?;
    let mut request = driver_request(
        context.root,
        context.project,
        context.revisions,
        context.dialect,
        &scratch,
    );
    request["upgrade_only"] = serde_json::Value::Bool(true);
    let answer = run_driver(context.python, context.root, &request)?;
    for revision in context.revisions {
        let rendered = answer.revisions.get(&revision.id);
        let failure = rendered
            .and_then(|r| {
                r.load_error
                    .clone()
                    .or_else(|| r.upgrade.online_error.clone())
            })
            .or_else(|| {
                (revision.upgrade == FunctionBody::Raises)
                    .then(|| "its upgrade() raises".to_owned())
            });
        if let Some(failure) = failure {
            let last = failure
                .trim_end()
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned();
            return Err(CliError::usage(format!(
                "revision {} ({}) did not upgrade the scratch database: {last}",
                revision.id,
                settings.display_path(&revision.path)
            ))
            .with_hint("the baseline is the schema Alembic builds; fix the revision, or squash from a database already at head with --from-url"));
        }
    }
    if !answer.tables_in_other_schemas.is_empty() {
        // The baseline reads the default schema only: the others would be lost silently.
        return Err(CliError::usage(format!(
            "the Alembic revisions created tables outside the default schema, which a baseline does not carry: {}",
            answer.tables_in_other_schemas.join(", ")
        ))
        .with_hint("import without --squash to keep every revision"));
    }
    let url = scratch
        .file
        .as_ref()
        .map(|file| format!("sqlite:///{}", file.display()))
        .or_else(|| args.scratch_url.clone())
        .unwrap_or_default();
    let mut database = DatabaseUrl::parse(&url, context.root)?.connect(&Environment::process())?;
    let (schema, rules) = introspect(database.as_mut(), filter)?;
    drop(database);
    drop(scratch);
    Ok(HeadSchema {
        schema,
        rules,
        source: "a scratch database Alembic upgraded".to_owned(),
        tables_with_rows: answer.tables_with_rows,
    })
}

/// The one head a baseline can stand for.
fn single_head(revisions: &[AlembicRevision]) -> Result<&AlembicRevision, CliError> {
    let heads: Vec<&AlembicRevision> = revisions
        .iter()
        .filter(|revision| {
            !revisions
                .iter()
                .any(|other| other.down_revisions.contains(&revision.id))
        })
        .collect();
    match heads.as_slice() {
        [head] => Ok(head),
        [] => Err(CliError::usage("--squash: the Alembic history has no revisions")
            .with_hint("import a project with at least one revision")),
        several => Err(CliError::usage(format!(
            "--squash needs one head, and the Alembic history has {}: {}",
            several.len(),
            several
                .iter()
                .map(|head| head.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint("merge them first with `alembic merge heads -m merge` (and upgrade your databases to the merge), or import without --squash to keep every revision")),
    }
}

/// The schema `filter` selects, refusing what retort does not model (a baseline would lose it).
fn introspect(
    database: &mut dyn Database,
    filter: &IntrospectFilter,
) -> Result<(Schema, &'static dyn Dialect), CliError> {
    let unmodeled = database
        .unmodeled_objects(filter)
        .map_err(|error| CliError::from(AutogenerateError::from(error)))?;
    if !unmodeled.is_empty() {
        return Err(CliError::usage(format!(
            "the schema at head holds objects retort does not model, which the baseline would lose: {}",
            unmodeled.join(", ")
        ))
        .with_hint("import without --squash to keep every revision, or add them to the baseline by hand after squashing a copy without them"));
    }
    let schema = database
        .introspect(filter)
        .map_err(|error| CliError::from(AutogenerateError::from(error)))?;
    Ok((schema, database.dialect_rules()))
}
