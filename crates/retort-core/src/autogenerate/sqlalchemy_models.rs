//! `[autogenerate] sqlalchemy = "app.models:Base"`: the project's SQLAlchemy models are the
//! declared schema. Retort runs the project's Python with a driver script it carries, which
//! prints the DDL SQLAlchemy would emit for the target's dialect (`metadata.create_all()` on
//! a mock engine); that DDL then goes through the same pipeline as declared SQL files. Names
//! come from the metadata's `naming_convention`, as in the migrations Alembic generated from
//! the same models.

use std::path::{Path, PathBuf};

use super::{AutogenerateError, DeclaredSchema};

const DRIVER: &str = include_str!("sqlalchemy_models.py");

/// The DDL of the models `target` (`module:attribute`) names, rendered for `dialect`
/// (`postgresql`, `sqlite`, `mysql`) by `python`, run in `root`.
pub fn render_models(
    root: &Path,
    python: &str,
    target: &str,
    dialect: &str,
) -> Result<DeclaredSchema, AutogenerateError> {
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(DRIVER)
        .arg(target)
        .arg(dialect)
        .current_dir(root)
        .output()
        .map_err(|source| AutogenerateError::Python {
            python: python.to_owned(),
            source,
        })?;
    if !output.status.success() {
        return Err(AutogenerateError::Models {
            target: target.to_owned(),
            python: python.to_owned(),
            stderr: last_lines(&String::from_utf8_lossy(&output.stderr), 12),
        });
    }
    Ok(DeclaredSchema {
        files: vec![(
            PathBuf::from(format!("<sqlalchemy models {target}>")),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )],
        notes: Vec::new(),
    })
}

/// The Python interpreter to run: `[autogenerate] python`, else the active virtual
/// environment's, else `python3` on the `PATH`.
pub fn default_python(virtual_env: Option<&str>) -> String {
    match virtual_env.filter(|v| !v.is_empty()) {
        Some(directory) => Path::new(directory)
            .join("bin")
            .join("python")
            .display()
            .to_string(),
        None => "python3".to_owned(),
    }
}

/// A traceback's end says what failed; its start is the driver's frames.
fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}
