//! Autogenerate and check: turn the declared schema into the model, introspect the live
//! database, and diff. Both sides must be normalized alike, so that a type written `int4` and
//! one introspected as `integer` compare equal: the dialect's parser does it when it takes the
//! files (`Connection::parse_declared`, held to `parse(S) == introspect(load(S))`), and
//! otherwise the schema is loaded into a scratch database and introspected with the same code
//! as the live one.

mod both_sides;
pub mod partial;
pub mod plan;
pub mod screen;
pub mod sqlalchemy_models;

use std::path::{Path, PathBuf};

use crate::diff::rename::{parse_renames, DeclaredRenames};
use crate::diff::{diff_with_renames, DiffOptions};
use crate::introspect::{Database, IntrospectFilter};
use crate::runner::connection::{Connection, DatabaseError};
use crate::runner::split::{split_statements, Statement};
use plan::Plan;

use crate::glob::{BadGlob, GlobList};

/// The declared schema: SQL files, in a stable order.
#[derive(Debug, Clone, Default)]
pub struct DeclaredSchema {
    pub files: Vec<(PathBuf, String)>,
    /// What reading the files noted for the user (`file:line: …`): a build option the
    /// revision does not carry, say.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AutogenerateError {
    #[error(transparent)]
    BadGlob(#[from] BadGlob),
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no schema file matches {patterns}")]
    NoFiles { patterns: String },
    #[error("{path}:{line}{}: {message}", column.map(|c| format!(":{c}")).unwrap_or_default())]
    Declared {
        path: PathBuf,
        line: usize,
        column: Option<usize>,
        message: String,
    },
    #[error("{path}:{line}: {message}")]
    UnmatchedRename {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}:{line}: {what} is not modeled by autogenerate yet: `check` would pass while it is never applied")]
    NotModeled {
        path: PathBuf,
        line: usize,
        what: String,
    },
    #[error("{path}:{line}: a name here is in the database {database}: the declared schema is loaded into a scratch database beside the live one, and this name would reach past it (a table created there during `check`, or a view reading it)")]
    OtherDatabase {
        path: PathBuf,
        line: usize,
        database: String,
    },
    #[error("{path}:{line}: {what} compares privileges, which autogenerate leaves alone unless [autogenerate] compare_grants is on: `check` would pass while it is never applied")]
    GrantsNotCompared {
        path: PathBuf,
        line: usize,
        what: String,
    },
    #[error(transparent)]
    DependencyCycle(#[from] crate::diff::dependency_order::DependencyCycle),
    #[error("the declared schema defines what autogenerate does not model yet: {}", objects.join(", "))]
    Unmodeled { objects: Vec<String> },
    #[error("the declared schema puts objects where autogenerate does not compare: {}", schemas.join("; "))]
    UnselectedSchemas { schemas: Vec<String> },
    #[error("schema_command `{command}` failed ({status}): {stderr}")]
    SchemaCommand {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("cannot run {python} to render the SQLAlchemy models")]
    Python {
        python: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "[autogenerate] sqlalchemy = \"{target}\": {python} could not render the models:\n{stderr}"
    )]
    Models {
        target: String,
        python: String,
        stderr: String,
    },
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

impl AutogenerateError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NoFiles { .. } => Some("put the declared schema in schema/*.sql, or set [autogenerate] schema in retort.toml".to_owned()),
            Self::Declared { message, .. } => Some(missing_role(message).map_or_else(
                || "fix the schema file: it must run as written on an empty database".to_owned(),
                |role| format!("retort never creates roles (they differ between environments): create role {role} on the server first (CREATE ROLE {role}), then run again"),
            )),
            Self::UnmatchedRename { .. } => Some(
                "name the table or column as the database has it now (a typo would drop it and add the new one, losing its values); once the rename has run, the annotation may stay or go; to swap two names, go through a third one in two revisions".to_owned(),
            ),
            Self::GrantsNotCompared { .. } => Some(
                "set `compare_grants = true` under [autogenerate] in retort.toml to compare grants (the roles must exist on the server), or keep it in a hand-written revision".to_owned(),
            ),
            Self::OtherDatabase { .. } => Some(
                "name each object without its database (`t`, not `app.t`): the declared schema is the database retort.toml points at; a table alias spelled like a database needs another name".to_owned(),
            ),
            Self::NotModeled { .. } => Some(
                "keep it in a hand-written revision (`retort revision -m …`), outside the [autogenerate] schema files".to_owned(),
            ),
            Self::Unmodeled { .. } => Some(
                "autogenerate would silently leave them out; keep them in hand-written revisions, outside [autogenerate] schema".to_owned(),
            ),
            Self::DependencyCycle(_) => Some(
                "break the loop in the declared schema (one of them must not need the other); if retort read a dependency that is not there, write this revision by hand (`retort revision -m …`)".to_owned(),
            ),
            Self::UnselectedSchemas { .. } => Some(
                "add each schema to [autogenerate] include_schemas, beside the default one (include_schemas = [\"public\", \"app\"]), or take its objects out of the declared schema".to_owned(),
            ),
            Self::SchemaCommand { .. } => Some("run the command by hand: it must print the schema's DDL on stdout and exit 0".to_owned()),
            Self::Database(error) => error.hint.clone(),
            Self::Python { .. } => Some("set [autogenerate] python to the interpreter of the environment where the app and SQLAlchemy are installed (or activate that virtual environment)".to_owned()),
            Self::Models { .. } => Some("the module must import with that interpreter from the directory of retort.toml, and the attribute be a MetaData or a declarative base; set [autogenerate] python if the app lives in another environment".to_owned()),
            _ => None,
        }
    }
}

/// The role a database error says does not exist (`role "reader" does not exist`).
fn missing_role(message: &str) -> Option<&str> {
    let start = message.find("role \"")? + "role \"".len();
    let rest = &message[start..];
    let end = rest.find("\" does not exist")?;
    Some(&rest[..end])
}

/// The declared schema printed by `command` (run with `sh -c` in `root`): any ORM that can
/// print its DDL becomes a source.
pub fn run_schema_command(root: &Path, command: &str) -> Result<DeclaredSchema, AutogenerateError> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(root)
        .output()
        .map_err(|source| AutogenerateError::Io {
            path: PathBuf::from(command),
            source,
        })?;
    if !output.status.success() {
        return Err(AutogenerateError::SchemaCommand {
            command: command.to_owned(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(DeclaredSchema {
        files: vec![(
            PathBuf::from(format!("<schema_command: {command}>")),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )],
        notes: Vec::new(),
    })
}

/// Read the files under `root` matching `patterns` (globs such as `schema/**/*.sql`), sorted by
/// path.
pub fn load_declared(
    root: &Path,
    patterns: &[String],
) -> Result<DeclaredSchema, AutogenerateError> {
    let set = GlobList::new("[autogenerate] schema", patterns, true)?;
    let mut files = Vec::new();
    for pattern in patterns {
        // Walk only below the literal part of the pattern, not the whole project.
        let literal: PathBuf = Path::new(pattern)
            .components()
            .take_while(|c| {
                !c.as_os_str()
                    .to_string_lossy()
                    .contains(['*', '?', '[', '{'])
            })
            .collect();
        let start = root.join(&literal);
        let start = if start.is_file() {
            start.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            start
        };
        collect(root, &start, &set, &mut files)?;
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        return Err(AutogenerateError::NoFiles {
            patterns: patterns.join(", "),
        });
    }
    let mut declared = DeclaredSchema::default();
    for path in files {
        let text = fs_err::read_to_string(&path).map_err(|source| AutogenerateError::Io {
            path: path.clone(),
            source,
        })?;
        declared.files.push((path, text));
    }
    Ok(declared)
}

fn collect(
    root: &Path,
    directory: &Path,
    set: &GlobList,
    files: &mut Vec<PathBuf>,
) -> Result<(), AutogenerateError> {
    // A pattern's directory that does not exist holds no file (and `NoFiles` says so when no
    // pattern matched anything); one that exists but cannot be read is an error.
    if !directory.exists() {
        return Ok(());
    }
    let io = |source| AutogenerateError::Io {
        path: directory.to_path_buf(),
        source,
    };
    for entry in fs_err::read_dir(directory).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect(root, &path, set, files)?;
        } else if path
            .strip_prefix(root)
            .is_ok_and(|relative| set.matches(relative))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// The plan that brings the live database to the declared schema.
/// `scratch_server`, when given (`[autogenerate] dev_url`), hosts the scratch database instead
/// of the live server, and the declared schema always goes through it.
pub fn compare(
    live: &mut dyn Database,
    scratch_server: Option<&mut dyn Database>,
    declared: &DeclaredSchema,
    filter: &IntrospectFilter,
    options: DiffOptions,
) -> Result<Plan, AutogenerateError> {
    let dialect = live.dialect_rules();
    let declared = &screen::screen(dialect, declared.clone(), options.compare_grants)?;
    let filter = &filter.clone().with_grants(options.compare_grants);
    let sides = both_sides::read(live, scratch_server, declared, filter)?;
    let (mut current, left_alone, mut target) = (sides.current, sides.left_alone, sides.target);
    if dialect.names_ignore_case() {
        crate::diff::name_case::align_to(&current, &mut target);
    }
    crate::diff::views::keep_undeclared_parts(&current, &mut target);
    let mut renames = DeclaredRenames::default();
    for (path, text) in &declared.files {
        parse_renames(path, text, &mut renames);
    }
    if let Some((annotation, message)) = renames.unmatched(&current).into_iter().next() {
        return Err(AutogenerateError::UnmatchedRename {
            path: annotation.path.clone(),
            line: annotation.line,
            message,
        });
    }
    let options = DiffOptions {
        foreign_keys_renamed_with_table: dialect.foreign_keys_renamed_with_table(),
        triggers_hold_their_columns: dialect.triggers_hold_their_columns(),
        ..options
    };
    let diff = diff_with_renames(&current, &target, &renames, options)?;
    let mut operations = diff.operations;
    // Grants not compared, an object the plan drops and creates again gets its live privileges
    // back; they are read only for a plan that drops one.
    if dialect.has_grants()
        && !options.compare_grants
        && crate::diff::grants::drops_a_grant_holder(&operations)
    {
        current.grants = live.grants_to_keep(filter)?;
        operations = crate::diff::grants::kept_through_recreation(&current, operations);
    }
    let mut plan = Plan::new(dialect, operations, &diff.derived, &target, &diff.renamed);
    plan.notes.clone_from(&declared.notes);
    if !left_alone.is_empty() {
        plan.notes.push(format!(
            "the database has what autogenerate does not model, so it is not compared: {}",
            left_alone.join(", ")
        ));
    }
    Ok(plan)
}

/// Which way the declared schema became the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetPath {
    /// The dialect's parser took every statement.
    Parsed,
    /// The parser took the tables; the statements it declined went to a scratch database with
    /// the tables they name ([`partial`]).
    Partial,
    /// The whole declared schema went to a scratch database.
    Scratch,
}

/// The declared schema (already screened) as the model, and the path that made it: the parser,
/// else the partial scratch load, else the full scratch load. `scratch_server`
/// (`[autogenerate] dev_url`) always takes the full load.
pub fn declared_target(
    live: &mut dyn Database,
    scratch_server: Option<&mut dyn Database>,
    declared: &DeclaredSchema,
    filter: &IntrospectFilter,
) -> Result<(crate::schema::Schema, TargetPath), AutogenerateError> {
    let full_load = full_load_only(scratch_server.is_some(), filter);
    if let Some(target) = parsed_target(live, full_load, declared, filter) {
        return Ok((target, TargetPath::Parsed));
    }
    match scratch_server {
        Some(server) => loaded_target(server, full_load, declared, filter),
        None => loaded_target(live, full_load, declared, filter),
    }
}

/// Whether the declared schema must be loaded whole into a scratch database: always on a
/// `dev_url` server, and when grants are compared — they are read from the catalog only: the
/// scratch database holds the default ACLs (a function's `EXECUTE` to `PUBLIC`) that the
/// declared files never spell out.
fn full_load_only(has_scratch_server: bool, filter: &IntrospectFilter) -> bool {
    has_scratch_server || filter.grants
}

/// The declared schema as the parser alone makes it, when it may (not `full_load`) and can.
fn parsed_target(
    live: &mut dyn Database,
    full_load: bool,
    declared: &DeclaredSchema,
    filter: &IntrospectFilter,
) -> Option<crate::schema::Schema> {
    if full_load {
        return None;
    }
    live.parse_declared(&declared.files, filter)
}

/// The declared schema as a scratch database on `server` makes it: only the statements the
/// parser declines (with what they need), unless `full_load` asks for the whole schema, and
/// the whole schema when the partial load fails.
fn loaded_target(
    server: &mut dyn Database,
    full_load: bool,
    declared: &DeclaredSchema,
    filter: &IntrospectFilter,
) -> Result<(crate::schema::Schema, TargetPath), AutogenerateError> {
    if !full_load {
        if let Some(partial) = server.parse_declared_partly(&declared.files, filter) {
            if let Some(target) = partial::load_and_merge(server, &partial, filter) {
                return Ok((target, TargetPath::Partial));
            }
        }
    }
    let target = load_and_introspect(server, declared, filter)?;
    Ok((target, TargetPath::Scratch))
}

/// The exact path: load the declared schema into a scratch database and introspect it.
fn load_and_introspect(
    server: &mut dyn Database,
    declared: &DeclaredSchema,
    filter: &IntrospectFilter,
) -> Result<crate::schema::Schema, AutogenerateError> {
    if let Some((path, line, database)) = server.name_in_another_database(&declared.files)? {
        return Err(AutogenerateError::OtherDatabase {
            path,
            line,
            database,
        });
    }
    let (mut scratch, name) = server.create_scratch()?;
    let target = load_into(scratch.as_mut(), declared).and_then(|()| {
        let schemas = scratch.unselected_schemas(filter)?;
        if !schemas.is_empty() {
            return Err(AutogenerateError::UnselectedSchemas { schemas });
        }
        let unmodeled = scratch.unmodeled_objects(filter)?;
        if !unmodeled.is_empty() {
            return Err(AutogenerateError::Unmodeled { objects: unmodeled });
        }
        Ok(scratch.introspect(filter)?)
    });
    drop(scratch);
    let dropped = server.drop_scratch(&name);
    let target = target?;
    dropped?;
    Ok(target)
}

/// Load the declared files into the scratch database. Where DDL is transactional, the files
/// first go in whole inside one transaction (thousands of statements in autocommit would cost a
/// commit each). When that fails — a file names a table another file declares later, or a
/// statement is wrong — they are replayed statement by statement, each failing statement set
/// aside and retried after the others, until a pass makes no progress: file order never
/// matters, and a statement that can never run is named with its file and line.
fn load_into(
    scratch: &mut dyn Connection,
    declared: &DeclaredSchema,
) -> Result<(), AutogenerateError> {
    let transactional = scratch.transactional_ddl();
    if transactional {
        scratch.begin()?;
        if declared
            .files
            .iter()
            .all(|(_, text)| scratch.execute(text).is_ok())
        {
            scratch.commit()?;
            return Ok(());
        }
        scratch.rollback()?;
        scratch.begin()?;
    }
    let mut pending: Vec<(&Path, Statement)> = declared
        .files
        .iter()
        .flat_map(|(path, text)| {
            split_statements(text, scratch.escapes())
                .into_iter()
                .map(move |statement| (path.as_path(), statement))
        })
        .collect();
    loop {
        let attempted = pending.len();
        let mut failed = Vec::new();
        let mut first_error = None;
        for (path, statement) in pending {
            if let Err(error) = execute_alone(scratch, &statement.sql, transactional) {
                first_error.get_or_insert_with(|| (path, statement.clone(), error));
                failed.push((path, statement));
            }
        }
        let Some((path, statement, error)) = first_error else {
            break;
        };
        if failed.len() == attempted {
            if transactional {
                let _ = scratch.rollback();
            }
            let (line, column) = locate(&statement, error.position);
            return Err(AutogenerateError::Declared {
                path: path.to_path_buf(),
                line,
                column,
                message: error.message,
            });
        }
        pending = failed;
    }
    if transactional {
        scratch.commit()?;
    }
    Ok(())
}
/// Run one statement; inside a transaction, behind a savepoint, so that its failure leaves the
/// transaction usable for the others.
fn execute_alone(
    scratch: &mut dyn Connection,
    sql: &str,
    transactional: bool,
) -> Result<(), DatabaseError> {
    if !transactional {
        return scratch.execute(sql);
    }
    scratch.execute("SAVEPOINT retort_declared")?;
    match scratch.execute(sql) {
        Ok(()) => scratch.execute("RELEASE SAVEPOINT retort_declared"),
        Err(error) => {
            scratch.execute("ROLLBACK TO SAVEPOINT retort_declared")?;
            Err(error)
        }
    }
}

/// The file line and column of a 1-based character offset into a statement (which starts on
/// `statement.line`, at its first non-blank character).
fn locate(
    statement: &crate::runner::split::Statement,
    position: Option<usize>,
) -> (usize, Option<usize>) {
    let Some(position) = position else {
        return (statement.line, None);
    };
    // The text may open with comment lines that `statement.line` does not count.
    let leading = statement
        .sql
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
        .count();
    let before: String = statement
        .sql
        .chars()
        .take(position.saturating_sub(1))
        .collect();
    let line =
        statement.line + before.matches('\n').count() - leading.min(before.matches('\n').count());
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, Some(column))
}

#[cfg(test)]
mod tests {
    use super::locate;
    use crate::runner::split::Statement;

    #[test]
    fn positions_become_file_lines_and_columns() {
        let statement = Statement {
            sql: "-- note\nCREATE TABLE t (\n  id nosuchtype\n)".to_owned(),
            line: 5,
        };
        // "nosuchtype" starts at character 31 of the statement text.
        assert_eq!(locate(&statement, Some(31)), (6, Some(6)));
        assert_eq!(locate(&statement, None), (5, None));
    }
}
