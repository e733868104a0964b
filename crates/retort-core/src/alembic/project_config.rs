//! Alembic's configuration (`alembic.ini` `[alembic]`, or `[tool.alembic]` in `pyproject.toml`,
//! plus what `env.py` passes to `context.configure`) read and turned into a `retort.toml`.
//!
//! Every key is either mapped, or reported in [`AlembicProject::notes`] with what happens to it;
//! none is dropped silently. The URL is never copied: it becomes `${DATABASE_URL}`, because an
//! `alembic.ini` URL often holds a password.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What the import needs from an Alembic project's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlembicProject {
    /// The directory holding `alembic.ini` / `pyproject.toml` (`%(here)s`).
    pub root: PathBuf,
    /// The config file that was read (`alembic.ini` or `pyproject.toml`).
    pub config_path: PathBuf,
    pub script_location: PathBuf,
    /// Where Alembic reads revision files (default `<script_location>/versions`).
    pub version_locations: Vec<PathBuf>,
    pub recursive_version_locations: bool,
    /// `file_template` with the ini's `%%` escapes resolved.
    pub file_template: Option<String>,
    pub truncate_slug_length: Option<usize>,
    pub timezone: Option<String>,
    pub version_table: Option<String>,
    pub version_table_schema: Option<String>,
    pub transaction_per_migration: Option<bool>,
    /// `env.py`'s `target_metadata` as `module:attribute`, for `[autogenerate] sqlalchemy`.
    pub target_metadata: Option<String>,
    /// `prepend_sys_path` entries (absolute), for the Python driver.
    pub prepend_sys_path: Vec<PathBuf>,
    /// The dialect named by `sqlalchemy.url`'s scheme (`postgresql`, `sqlite`, `mysql`), when
    /// there is one. Only the scheme is read; the URL itself is never kept.
    pub url_dialect: Option<String>,
    /// Keys and settings that are not carried over, each saying why and what to do.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectConfigError {
    #[error("{directory}: no alembic.ini, and no [tool.alembic] in pyproject.toml")]
    NotFound { directory: PathBuf },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no `script_location` in [alembic]")]
    NoScriptLocation { path: PathBuf },
    #[error("{path}: script_location `{value}` is a package resource; retort needs a directory")]
    PackageResource { path: PathBuf, value: String },
    #[error("{path}: `{key} = {value}` is not valid: {reason}")]
    BadValue {
        path: PathBuf,
        key: String,
        value: String,
        reason: String,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ProjectConfigError {
    pub fn hint(&self) -> String {
        match self {
            Self::NotFound { .. } => "pass the directory that holds alembic.ini (the one you run `alembic` from): `retort import alembic PATH`".to_owned(),
            Self::NoScriptLocation { .. } => "add `script_location = migrations` (the folder holding env.py) to [alembic]".to_owned(),
            Self::PackageResource { .. } => "write script_location as a path relative to alembic.ini (`%(here)s/...`) for the import".to_owned(),
            Self::BadValue { .. } | Self::Syntax { .. } => "fix the value; Alembic would fail on it too".to_owned(),
            Self::Io(_) => "check the path and its permissions".to_owned(),
        }
    }
}

/// The `[alembic]` keys retort understands; everything else is reported.
const KNOWN_KEYS: [&str; 14] = [
    "script_location",
    "prepend_sys_path",
    "version_path_separator",
    "path_separator",
    "version_locations",
    "recursive_version_locations",
    "file_template",
    "truncate_slug_length",
    "timezone",
    "revision_environment",
    "sourceless",
    "output_encoding",
    "sqlalchemy.url",
    "here",
];

/// Read the Alembic configuration in `directory`: `alembic.ini` if present (its `[alembic]`
/// section), `[tool.alembic]` of `pyproject.toml` for the keys the ini does not give.
pub fn read_alembic_project(directory: &Path) -> Result<AlembicProject, ProjectConfigError> {
    let root = directory.to_path_buf();
    let ini_path = root.join("alembic.ini");
    let pyproject_path = root.join("pyproject.toml");
    let mut values: BTreeMap<String, (String, PathBuf)> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut config_path = None;
    let mut toml_lists: BTreeMap<String, Vec<String>> = BTreeMap::new();

    if pyproject_path.is_file() {
        let text = fs_err::read_to_string(&pyproject_path)?;
        let document: toml::Table =
            text.parse()
                .map_err(|error: toml::de::Error| ProjectConfigError::Syntax {
                    path: pyproject_path.clone(),
                    line: 0,
                    message: error.to_string(),
                })?;
        if let Some(alembic) = document
            .get("tool")
            .and_then(|tool| tool.get("alembic"))
            .and_then(toml::Value::as_table)
        {
            config_path = Some(pyproject_path.clone());
            for (key, value) in alembic {
                match value {
                    toml::Value::String(text) => {
                        values.insert(key.clone(), (text.replace("%(here)s", &root.to_string_lossy()), pyproject_path.clone()));
                    }
                    toml::Value::Boolean(flag) => {
                        values.insert(key.clone(), (flag.to_string(), pyproject_path.clone()));
                    }
                    toml::Value::Integer(number) => {
                        values.insert(key.clone(), (number.to_string(), pyproject_path.clone()));
                    }
                    toml::Value::Array(items) if key == "version_locations" || key == "prepend_sys_path" => {
                        toml_lists.insert(
                            key.clone(),
                            items
                                .iter()
                                .filter_map(toml::Value::as_str)
                                .map(|item| item.replace("%(here)s", &root.to_string_lossy()))
                                .collect(),
                        );
                    }
                    toml::Value::Array(_) if key == "post_write_hooks" => notes.push(format!(
                        "{}: [[tool.alembic.post_write_hooks]] not carried over: they format Python revision files, and retort writes SQL; add SQL formatters to [hooks] post_write in retort.toml if you want them",
                        pyproject_path.display()
                    )),
                    _ => notes.push(format!(
                        "{}: [tool.alembic] `{key}` not carried over: retort has no such setting",
                        pyproject_path.display()
                    )),
                }
            }
        }
    }

    if ini_path.is_file() {
        let text = fs_err::read_to_string(&ini_path)?;
        let sections = parse_ini(&ini_path, &text, &root)?;
        config_path = Some(ini_path.clone());
        for (section, entries) in &sections {
            if section == "alembic" {
                for (key, value) in entries {
                    values.insert(key.clone(), (value.clone(), ini_path.clone()));
                }
            } else if section == "post_write_hooks" {
                if entries
                    .iter()
                    .any(|(key, value)| key == "hooks" && !value.trim().is_empty())
                {
                    notes.push(format!(
                        "{}: [post_write_hooks] not carried over: they format Python revision files, and retort writes SQL; add SQL formatters to [hooks] post_write in retort.toml if you want them",
                        ini_path.display()
                    ));
                }
            } else if is_logging_section(section) {
                // Logging configuration for env.py's fileConfig: retort prints its own output.
            } else {
                notes.push(format!(
                    "{}: section [{section}] not carried over: retort does not read it (if env.py uses it, carry its meaning over by hand)",
                    ini_path.display()
                ));
            }
        }
    }

    let Some(config_path) = config_path else {
        return Err(ProjectConfigError::NotFound { directory: root });
    };

    for (key, (_, path)) in &values {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            notes.push(format!(
                "{}: `{key}` not carried over: neither Alembic nor retort defines it (if env.py reads it, carry its meaning over by hand)",
                path.display()
            ));
        }
    }
    let value = |key: &str| values.get(key).map(|(value, _)| value.trim().to_owned());

    let script_location_text =
        value("script_location").ok_or_else(|| ProjectConfigError::NoScriptLocation {
            path: config_path.clone(),
        })?;
    if script_location_text.contains(':') && !Path::new(&script_location_text).is_absolute() {
        return Err(ProjectConfigError::PackageResource {
            path: config_path.clone(),
            value: script_location_text,
        });
    }
    let script_location = root.join(&script_location_text);

    let separator = value("path_separator").or_else(|| value("version_path_separator"));
    let version_locations: Vec<PathBuf> = match toml_lists.get("version_locations") {
        Some(list) => list.iter().map(|item| root.join(item)).collect(),
        None => match value("version_locations") {
            Some(text) => split_paths(&text, separator.as_deref())
                .into_iter()
                .map(|item| root.join(item))
                .collect(),
            None => vec![script_location.join("versions")],
        },
    };
    let prepend_sys_path = match toml_lists.get("prepend_sys_path") {
        Some(list) => list.iter().map(|item| root.join(item)).collect(),
        None => value("prepend_sys_path")
            .map(|text| split_paths(&text, separator.as_deref()))
            .unwrap_or_default()
            .into_iter()
            .map(|item| root.join(item))
            .collect(),
    };
    let boolean = |key: &str| -> Result<bool, ProjectConfigError> {
        match value(key) {
            None => Ok(false),
            Some(text) => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" | "" => Ok(false),
                _ => Err(ProjectConfigError::BadValue {
                    path: config_path.clone(),
                    key: key.to_owned(),
                    value: text,
                    reason: "not a boolean".to_owned(),
                }),
            },
        }
    };
    let recursive_version_locations = boolean("recursive_version_locations")?;
    if boolean("sourceless")? {
        notes.push("`sourceless = true`: only .py files are read; revisions shipped as .pyc only are not found".to_owned());
    }
    if boolean("revision_environment")? {
        notes.push("`revision_environment = true` not carried over: retort never runs env.py to create a revision".to_owned());
    }
    if value("sqlalchemy.url").is_some_and(|url| !url.is_empty()) {
        notes.push("`sqlalchemy.url` not copied (it may hold a password): retort.toml reads ${DATABASE_URL}; set it to the same database, in retort's URL form (postgres://…, sqlite:///…, mysql://…)".to_owned());
    }
    let truncate_slug_length = match value("truncate_slug_length") {
        Some(text) => Some(text.parse().map_err(|_| ProjectConfigError::BadValue {
            path: config_path.clone(),
            key: "truncate_slug_length".to_owned(),
            value: text.clone(),
            reason: "not a whole number".to_owned(),
        })?),
        None => None,
    };

    let url_dialect = value("sqlalchemy.url").and_then(|url| {
        let scheme = url
            .trim_matches(['"', '\''])
            .split("://")
            .next()?
            .split('+')
            .next()?
            .to_ascii_lowercase();
        match scheme.as_str() {
            "postgresql" | "postgres" => Some("postgresql".to_owned()),
            "sqlite" => Some("sqlite".to_owned()),
            "mysql" | "mariadb" => Some("mysql".to_owned()),
            _ => None,
        }
    });
    let mut project = AlembicProject {
        root,
        config_path,
        script_location,
        version_locations,
        recursive_version_locations,
        file_template: value("file_template").filter(|text| !text.is_empty()),
        truncate_slug_length,
        timezone: value("timezone").filter(|text| !text.is_empty()),
        version_table: None,
        version_table_schema: None,
        transaction_per_migration: None,
        target_metadata: None,
        prepend_sys_path,
        url_dialect,
        notes,
    };
    read_env_py(&mut project);
    Ok(project)
}

fn is_logging_section(section: &str) -> bool {
    matches!(section, "loggers" | "handlers" | "formatters")
        || section.starts_with("logger_")
        || section.starts_with("handler_")
        || section.starts_with("formatter_")
}

/// Alembic's `_split_on_space_comma` when no separator is configured; otherwise the separator.
fn split_paths(text: &str, separator: Option<&str>) -> Vec<String> {
    let parts: Vec<&str> = match separator {
        Some("space") => text.split(' ').collect(),
        Some("newline") => text.lines().collect(),
        Some("os" | ":") => text.split(':').collect(),
        Some(";") => text.split(';').collect(),
        Some(",") => text.split(',').collect(),
        _ => text.split([' ', ',', '\n']).collect(),
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An ini file's sections, in order: name and `(key, value)` entries.
type IniSections = Vec<(String, Vec<(String, String)>)>;

/// A configparser-style ini: sections of `key = value` (or `key: value`), indented
/// continuation lines, `#`/`;` comments, `%(name)s` interpolation within the section (and
/// `here`), `%%` for a literal `%`.
fn parse_ini(path: &Path, text: &str, root: &Path) -> Result<IniSections, ProjectConfigError> {
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, entries)) = sections.last_mut() {
                if let Some((_, value)) = entries.last_mut() {
                    value.push('\n');
                    value.push_str(trimmed);
                    continue;
                }
            }
        }
        if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            sections.push((name.trim().to_owned(), Vec::new()));
            continue;
        }
        let Some(split) = trimmed.find(['=', ':']) else {
            return Err(ProjectConfigError::Syntax {
                path: path.to_path_buf(),
                line: index + 1,
                message: format!("`{trimmed}` is neither a [section] nor `key = value`"),
            });
        };
        let Some((_, entries)) = sections.last_mut() else {
            return Err(ProjectConfigError::Syntax {
                path: path.to_path_buf(),
                line: index + 1,
                message: "a key before the first [section]".to_owned(),
            });
        };
        entries.push((
            trimmed[..split].trim().to_ascii_lowercase(),
            trimmed[split + 1..].trim().to_owned(),
        ));
    }
    let here = root.to_string_lossy().into_owned();
    for (_, entries) in &mut sections {
        let raw: BTreeMap<String, String> = entries.iter().cloned().collect();
        for (key, value) in entries.iter_mut() {
            *value = interpolate_ini(path, key, value, &raw, &here, 0)?;
        }
    }
    Ok(sections)
}

fn interpolate_ini(
    path: &Path,
    key: &str,
    value: &str,
    section: &BTreeMap<String, String>,
    here: &str,
    depth: usize,
) -> Result<String, ProjectConfigError> {
    let bad = |reason: String| ProjectConfigError::BadValue {
        path: path.to_path_buf(),
        key: key.to_owned(),
        value: value.to_owned(),
        reason,
    };
    if depth > 10 {
        return Err(bad("interpolation nests too deeply".to_owned()));
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("%%") {
            out.push('%');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("%(") {
            let Some(close) = after.find(")s") else {
                return Err(bad("`%(` without `)s`".to_owned()));
            };
            let name = after[..close].to_ascii_lowercase();
            if name == "here" {
                out.push_str(here);
            } else if let Some(referenced) = section.get(&name) {
                out.push_str(&interpolate_ini(
                    path,
                    key,
                    referenced,
                    section,
                    here,
                    depth + 1,
                )?);
            } else {
                return Err(bad(format!("`%({name})s` names no key of the section")));
            }
            rest = &after[close + 2..];
        } else {
            return Err(bad("a lone `%` (write `%%` for a percent sign)".to_owned()));
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// What `env.py` passes to `context.configure`, read statically: `version_table`,
/// `version_table_schema`, `transaction_per_migration`. A value that is not a literal is
/// reported, never guessed.
fn read_env_py(project: &mut AlembicProject) {
    let env_path = project.script_location.join("env.py");
    let Ok(source) = fs_err::read_to_string(&env_path) else {
        project.notes.push(format!(
            "{}: not readable, so version_table and transaction_per_migration keep Alembic's defaults",
            env_path.display()
        ));
        return;
    };
    match target_metadata(&source) {
        Ok(found) => project.target_metadata = found,
        Err(expression) => project.notes.push(format!(
            "{}: `target_metadata = {expression}` is not a name imported from a module: set [autogenerate] sqlalchemy = \"module:attribute\" in retort.toml by hand",
            env_path.display()
        )),
    }
    for key in [
        "version_table_schema",
        "version_table",
        "transaction_per_migration",
    ] {
        let mut found: Vec<(usize, String)> = Vec::new();
        let mut search_from = 0;
        while let Some(offset) = source[search_from..].find(key) {
            let at = search_from + offset;
            search_from = at + key.len();
            let before_ok = at == 0
                || !source.as_bytes()[at - 1].is_ascii_alphanumeric()
                    && source.as_bytes()[at - 1] != b'_';
            let after = &source[search_from..];
            let after_trimmed = after.trim_start();
            if !before_ok
                || after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                || !after_trimmed.starts_with('=')
                || after_trimmed.starts_with("==")
            {
                continue;
            }
            let line = source[..at].matches('\n').count() + 1;
            let value_text = after_trimmed[1..].trim_start();
            let end = value_text
                .find([',', ')', '\n'])
                .unwrap_or(value_text.len());
            found.push((line, value_text[..end].trim().to_owned()));
        }
        for (line, expression) in found {
            let literal = expression
                .strip_prefix(['"', '\''])
                .and_then(|inner| inner.strip_suffix(['"', '\'']))
                .map(str::to_owned);
            match (key, literal, expression.as_str()) {
                ("transaction_per_migration", _, "True") => project.transaction_per_migration = Some(true),
                ("transaction_per_migration", _, "False") => project.transaction_per_migration = Some(false),
                ("version_table", Some(text), _) => project.version_table = Some(text),
                ("version_table_schema", Some(text), _) => project.version_table_schema = Some(text),
                (_, _, "None") => {}
                _ => project.notes.push(format!(
                    "{}:{line}: `{key}={expression}` is computed when env.py runs; retort does not guess it: set `{key}` in retort.toml by hand",
                    env_path.display()
                )),
            }
        }
    }
}

/// `target_metadata = Base.metadata` in `env.py`, with `Base` imported (`from app.models import
/// Base`, `import app.models as models`), as `app.models:Base.metadata`. `None` when it is
/// unset or `None`; the expression when it is something else (a list, a call).
fn target_metadata(source: &str) -> Result<Option<String>, String> {
    let Some(expression) = source.lines().find_map(|line| {
        let rest = line.strip_prefix("target_metadata")?.trim_start();
        let value = rest.strip_prefix('=')?;
        (!value.starts_with('=')).then(|| value.split('#').next().unwrap_or("").trim().to_owned())
    }) else {
        return Ok(None);
    };
    if expression == "None" {
        return Ok(None);
    }
    let is_name = |text: &str| {
        !text.is_empty()
            && text.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
    };
    if !is_name(&expression) {
        return Err(expression);
    }
    let (head, rest) = expression.split_once('.').unwrap_or((&expression, ""));
    let with_rest = |attribute: &str| {
        if rest.is_empty() {
            attribute.to_owned()
        } else {
            format!("{attribute}.{rest}")
        }
    };
    for line in source.lines().map(str::trim) {
        if let Some(imported) = line.strip_prefix("from ") {
            let Some((module, names)) = imported.split_once(" import ") else {
                continue;
            };
            for name in names
                .trim_matches(['(', ')', ' '])
                .split(',')
                .map(str::trim)
            {
                let (original, alias) = name.split_once(" as ").unwrap_or((name, name));
                if alias.trim() == head && is_name(module.trim()) {
                    return Ok(Some(format!(
                        "{}:{}",
                        module.trim(),
                        with_rest(original.trim())
                    )));
                }
            }
        } else if let Some(imported) = line.strip_prefix("import ") {
            for name in imported.split(',').map(str::trim) {
                let (module, alias) = name.split_once(" as ").unwrap_or((name, name));
                let alias = alias.trim();
                if alias == head && !rest.is_empty() {
                    return Ok(Some(format!("{}:{rest}", module.trim())));
                }
                // `import app.models` then `app.models.Base.metadata`.
                if alias == module && expression.starts_with(&format!("{module}.")) {
                    let attribute = &expression[module.len() + 1..];
                    return Ok(Some(format!("{module}:{attribute}")));
                }
            }
        }
    }
    Err(expression)
}

/// Quote a string for TOML.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The `retort.toml` for the imported project. `script_location` is the new retort folder,
/// relative to the project root.
pub fn render_retort_toml(project: &AlembicProject, script_location: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Converted from {} by `retort import alembic`.",
        project
            .config_path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let _ = writeln!(text, "script_location = {}", toml_string(script_location));
    let _ = writeln!(
        text,
        "# The URL is not copied from Alembic's configuration: set DATABASE_URL."
    );
    let _ = writeln!(text, "database_url = \"${{DATABASE_URL}}\"");
    if let Some(template) = &project.file_template {
        let _ = writeln!(text, "file_template = {}", toml_string(template));
    }
    if let Some(length) = project.truncate_slug_length {
        let _ = writeln!(text, "truncate_slug_length = {length}");
    }
    if let Some(timezone) = &project.timezone {
        let _ = writeln!(text, "timezone = {}", toml_string(timezone));
    }
    if let Some(table) = &project.version_table {
        let _ = writeln!(text, "version_table = {}", toml_string(table));
    }
    if let Some(schema) = &project.version_table_schema {
        let _ = writeln!(text, "version_table_schema = {}", toml_string(schema));
    }
    // Alembic runs all steps of an upgrade in one transaction unless env.py asks otherwise.
    let _ = writeln!(
        text,
        "transaction_per_migration = {}",
        project.transaction_per_migration.unwrap_or(false)
    );
    if let Some(models) = &project.target_metadata {
        let _ = writeln!(
            text,
            "\n[autogenerate]\n# env.py's target_metadata: the models are the declared schema.\nsqlalchemy = {}",
            toml_string(models)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(ini: &str, env_py: &str) -> (tempfile::TempDir, AlembicProject) {
        let directory = tempfile::tempdir().unwrap();
        fs_err::write(directory.path().join("alembic.ini"), ini).unwrap();
        fs_err::create_dir_all(directory.path().join("migrations/versions")).unwrap();
        fs_err::write(directory.path().join("migrations/env.py"), env_py).unwrap();
        let project = read_alembic_project(directory.path()).unwrap();
        (directory, project)
    }

    #[test]
    fn ini_keys_here_and_percent_escapes() {
        let (directory, project) = project(
            "[alembic]\nscript_location = %(here)s/migrations\nfile_template = %%(year)d_%%(rev)s_%%(slug)s\ntruncate_slug_length = 20\ntimezone = UTC\nversion_locations = %(here)s/migrations/versions %(here)s/other\nrecursive_version_locations = true\nsqlalchemy.url = postgresql://u:secret@h/db\nmy_key = 1\n\n[post_write_hooks]\nhooks = black\nblack.type = console_scripts\n\n[loggers]\nkeys = root\n",
            "context.configure(connection=connection, target_metadata=target_metadata, version_table='my_versions', transaction_per_migration=True)\n",
        );
        assert_eq!(
            project.script_location,
            directory.path().join(directory.path().join("migrations"))
        );
        assert_eq!(
            project.file_template.as_deref(),
            Some("%(year)d_%(rev)s_%(slug)s")
        );
        assert_eq!(project.truncate_slug_length, Some(20));
        assert_eq!(project.version_locations.len(), 2);
        assert!(project.recursive_version_locations);
        assert_eq!(project.version_table.as_deref(), Some("my_versions"));
        assert_eq!(project.transaction_per_migration, Some(true));
        let notes = project.notes.join("\n");
        assert!(notes.contains("`my_key` not carried over"), "{notes}");
        assert!(notes.contains("[post_write_hooks]"), "{notes}");
        assert!(notes.contains("sqlalchemy.url"), "{notes}");
        let toml = render_retort_toml(&project, "retort");
        assert!(!toml.contains("secret"), "{toml}");
        assert!(
            toml.contains("database_url = \"${DATABASE_URL}\""),
            "{toml}"
        );
        assert!(
            toml.contains("file_template = \"%(year)d_%(rev)s_%(slug)s\""),
            "{toml}"
        );
        assert!(toml.contains("version_table = \"my_versions\""), "{toml}");
        assert!(toml.contains("transaction_per_migration = true"), "{toml}");
        let parsed: crate::config::ConfigFile = toml::from_str(&toml).unwrap();
        assert_eq!(parsed.settings.timezone.as_deref(), Some("UTC"));
    }

    #[test]
    fn version_path_separator() {
        assert_eq!(split_paths("a;b c", Some(";")), ["a", "b c"]);
        assert_eq!(split_paths("a b,c", None), ["a", "b", "c"]);
        assert_eq!(split_paths("a:b", Some("os")), ["a", "b"]);
        assert_eq!(split_paths("a b", Some("space")), ["a", "b"]);
    }

    #[test]
    fn target_metadata_becomes_the_declared_schema() {
        for (env_py, expected) in [
            ("from app.models import Base\ntarget_metadata = Base.metadata\n", Ok(Some("app.models:Base.metadata"))),
            ("from app.db import (engine, Model as M)\ntarget_metadata = M.metadata  # models\n", Ok(Some("app.db:Model.metadata"))),
            ("from optuna.storages._rdb import models\ntarget_metadata = models.BaseModel.metadata\n", Ok(Some("optuna.storages._rdb:models.BaseModel.metadata"))),
            ("import app.models as m\ntarget_metadata = m.metadata\n", Ok(Some("app.models:metadata"))),
            ("import app.models\ntarget_metadata = app.models.Base.metadata\n", Ok(Some("app.models:Base.metadata"))),
            ("target_metadata = None\n", Ok(None)),
            ("x = 1\n", Ok(None)),
            ("target_metadata = [a.metadata, b.metadata]\n", Err("[a.metadata, b.metadata]")),
            ("target_metadata = get_metadata()\n", Err("get_metadata()")),
            ("target_metadata = metadata\n", Err("metadata")),
        ] {
            assert_eq!(
                target_metadata(env_py),
                expected.map(|found| found.map(str::to_owned)).map_err(str::to_owned),
                "{env_py}"
            );
        }
    }

    #[test]
    fn dynamic_env_py_values_are_reported() {
        let (_directory, project) = project(
            "[alembic]\nscript_location = migrations\n",
            "context.configure(connection=connection, version_table=settings.TABLE)\n",
        );
        assert_eq!(project.version_table, None);
        assert!(project
            .notes
            .iter()
            .any(|note| note.contains("version_table=settings.TABLE")));
    }

    #[test]
    fn pyproject_tool_alembic() {
        let directory = tempfile::tempdir().unwrap();
        fs_err::write(
            directory.path().join("pyproject.toml"),
            "[tool.alembic]\nscript_location = \"%(here)s/alembic\"\nversion_locations = [\"%(here)s/alembic/versions\"]\nfile_template = \"%(rev)s\"\n[[tool.alembic.post_write_hooks]]\nname = \"ruff\"\n",
        )
        .unwrap();
        let project = read_alembic_project(directory.path()).unwrap();
        assert_eq!(project.file_template.as_deref(), Some("%(rev)s"));
        assert_eq!(
            project.version_locations,
            [directory.path().join("alembic/versions")]
        );
        assert!(project
            .notes
            .iter()
            .any(|note| note.contains("post_write_hooks")));
    }

    #[test]
    fn missing_configuration_is_an_error() {
        let directory = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_alembic_project(directory.path()),
            Err(ProjectConfigError::NotFound { .. })
        ));
    }
}
