//! One Alembic revision file (`versions/*.py`), read statically: what Alembic's
//! `Script._from_path` and `Revision.__init__` take from the module, without importing it.
//!
//! The rules follow Alembic 1.x (`alembic/script/base.py`):
//! - a file is considered when its name ends in `.py` and does not start with `__init__` or
//!   `.#` (an editor's lock file); sub-folders only with `recursive_version_locations`;
//! - `revision` is the id; a module without it takes its id from a hexadecimal file name
//!   (`ae1027a6acf.py`, Alembic 0.1's layout), and any other such file is an error, as in
//!   Alembic ("Could not determine revision id from filename …");
//! - `down_revision` must be present (Alembic reads the attribute unconditionally);
//! - `branch_labels` and `depends_on` go through `util.to_tuple`: `None` is none, a string is
//!   one item (so `branch_labels = "None"` is a label named `None`), a tuple or list its items;
//! - the message is the first paragraph of the stripped docstring (`Script.doc`).

use std::path::{Path, PathBuf};

use super::python_module::{read_module, Assignment, FunctionFacts, PythonValue};

/// What the body of `upgrade()` or `downgrade()` is, read from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionBody {
    /// Missing from the module.
    Missing,
    /// Only `pass` (or `...` / a docstring): nothing to run.
    Empty,
    /// Its first statement raises: the step is irreversible.
    Raises,
    /// Code to convert.
    Code,
}

/// The identity and shape of an Alembic revision file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlembicRevision {
    pub id: String,
    pub down_revisions: Vec<String>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    /// `Script.longdoc`: the docstring, stripped.
    pub long_doc: String,
    /// The `Create Date:` line of the docstring, when there is one.
    pub create_date: Option<String>,
    pub upgrade: FunctionBody,
    pub downgrade: FunctionBody,
    /// Things the revision's own code does that offline SQL cannot reproduce faithfully
    /// (reads rows or the catalog, opens a session, branches on offline mode), with lines.
    pub reads_database: Vec<String>,
    /// The lines `def upgrade` and `def downgrade` span (first, last), when present: code
    /// outside both (helpers) counts for both directions.
    pub upgrade_lines: Option<(usize, usize)>,
    /// True when the code has an `except` clause: it may swallow a failed operation.
    pub catches_errors: bool,
    pub downgrade_lines: Option<(usize, usize)>,
    pub path: PathBuf,
}

impl AlembicRevision {
    /// The message: Alembic's `Script.doc`, the first paragraph of the docstring.
    pub fn message(&self) -> &str {
        self.long_doc
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .trim_end()
    }
}

/// Why a file could not be read. Each names the file and, where there is one, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevisionFileError {
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}:{line}: `{name}` is set to `{expression}`, which is not a literal; retort reads revision headers without running Python and will not guess its value")]
    NotLiteral {
        path: PathBuf,
        line: usize,
        name: String,
        expression: String,
    },
    #[error("{path}:{line}: `{name}` must be {expected}")]
    WrongType {
        path: PathBuf,
        line: usize,
        name: String,
        expected: String,
    },
    #[error("{path}: could not determine revision id from filename {file_name}: the module sets no `revision`")]
    NoRevision { path: PathBuf, file_name: String },
    #[error("{path}: the module sets no `down_revision` (Alembic fails on it too)")]
    NoDownRevision { path: PathBuf },
    #[error("{path}: the file is not valid UTF-8")]
    NotUtf8 { path: PathBuf },
}

impl RevisionFileError {
    pub fn hint(&self) -> String {
        match self {
            Self::Syntax { .. } => "fix the Python syntax; `python -m py_compile FILE` shows the same error".to_owned(),
            Self::NotLiteral { name, .. } => format!(
                "write the value of `{name}` as a literal string, tuple of strings or None in the file, as `alembic revision` generates it"
            ),
            Self::WrongType { .. } => "write a string, a tuple or list of strings, or None".to_owned(),
            Self::NoRevision { .. } => "add `revision = \"<id>\"` to the file, or move files that are not revisions out of the versions folder (Alembic refuses them too)".to_owned(),
            Self::NoDownRevision { .. } => "add `down_revision = None` (a base) or the parent id".to_owned(),
            Self::NotUtf8 { .. } => "save the file as UTF-8 (Python 2 files with a `coding:` line in another encoding must be re-encoded)".to_owned(),
        }
    }
}

/// True when Alembic considers `file_name` in a versions folder (`_only_source_rev_file`).
pub fn is_candidate_file_name(file_name: &str) -> bool {
    Path::new(file_name)
        .extension()
        .is_some_and(|extension| extension == "py")
        && !file_name.starts_with("__init__")
        && !file_name.starts_with(".#")
}

/// Markers in a revision's code that mean it reads the database or depends on how it is run,
/// so its offline SQL is not the whole story. Matched on source text outside the docstring.
const READS_DATABASE_MARKERS: [(&str, &str); 9] = [
    (
        "get_bind(",
        "calls op.get_bind() (reads rows or the catalog)",
    ),
    ("inspect(", "inspects the schema (sqlalchemy.inspect)"),
    ("Inspector", "inspects the schema (Inspector)"),
    ("Session(", "opens an ORM session"),
    ("sessionmaker", "opens an ORM session"),
    ("is_offline_mode", "branches on context.is_offline_mode()"),
    (".fetchall(", "reads rows"),
    (".fetchone(", "reads rows"),
    (".scalar(", "reads rows"),
];

/// Read one revision file.
pub fn read_revision_file(path: &Path, bytes: &[u8]) -> Result<AlembicRevision, RevisionFileError> {
    let source = std::str::from_utf8(bytes).map_err(|_| RevisionFileError::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    let facts = read_module(
        source,
        &["revision", "down_revision", "branch_labels", "depends_on"],
        &["upgrade", "downgrade"],
    )
    .map_err(|error| RevisionFileError::Syntax {
        path: path.to_path_buf(),
        line: error.line,
        message: error.message,
    })?;
    let last = |name: &str| facts.assignments.iter().rev().find(|a| a.name == name);
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();

    let id = if let Some(assignment) = last("revision") {
        match literal(path, assignment)? {
            PythonValue::String(id) => id,
            _ => return Err(wrong_type(path, assignment, "a string")),
        }
    } else {
        {
            let stem = file_name.strip_suffix(".py").unwrap_or(&file_name);
            if !stem.is_empty()
                && stem
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            {
                stem.to_owned()
            } else {
                return Err(RevisionFileError::NoRevision {
                    path: path.to_path_buf(),
                    file_name,
                });
            }
        }
    };
    let Some(down) = last("down_revision") else {
        return Err(RevisionFileError::NoDownRevision {
            path: path.to_path_buf(),
        });
    };
    let down_revisions = string_list(path, down)?;
    let branch_labels = match last("branch_labels") {
        Some(assignment) => string_list(path, assignment)?,
        None => Vec::new(),
    };
    let depends_on = match last("depends_on") {
        Some(assignment) => string_list(path, assignment)?,
        None => Vec::new(),
    };

    let long_doc = facts
        .docstring
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let create_date = long_doc.lines().find_map(|line| {
        line.trim()
            .strip_prefix("Create Date:")
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    });
    let body = |name: &str| {
        facts
            .functions
            .iter()
            .rev()
            .find(|function| function.name == name)
            .map_or(FunctionBody::Missing, function_body)
    };

    let span = |name: &str| {
        facts
            .functions
            .iter()
            .rev()
            .find(|function| function.name == name)
            .map(|function| {
                let end = facts
                    .statement_lines
                    .iter()
                    .find(|&&line| line > function.line)
                    .map_or(usize::MAX, |line| line - 1);
                (function.line, end)
            })
    };
    Ok(AlembicRevision {
        upgrade_lines: span("upgrade"),
        catches_errors: source.lines().any(|line| {
            let code = line.split('#').next().unwrap_or_default().trim_start();
            code.starts_with("except") && (code.ends_with(':') || code.contains(" as "))
        }),
        downgrade_lines: span("downgrade"),
        id,
        down_revisions,
        branch_labels,
        depends_on,
        create_date,
        upgrade: body("upgrade"),
        downgrade: body("downgrade"),
        reads_database: reads_database(source, facts.docstring.as_deref()),
        long_doc,
        path: path.to_path_buf(),
    })
}

fn function_body(function: &FunctionFacts) -> FunctionBody {
    if function.only_pass {
        FunctionBody::Empty
    } else if function.starts_with_raise {
        FunctionBody::Raises
    } else {
        FunctionBody::Code
    }
}

fn reads_database(source: &str, docstring: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.split('#').next().unwrap_or_default();
        if docstring.is_some_and(|doc| !code.trim().is_empty() && doc.contains(code.trim())) {
            continue;
        }
        for (marker, meaning) in READS_DATABASE_MARKERS {
            if code.contains(marker) {
                let note = format!("line {}: {meaning}", number + 1);
                if !found.contains(&note) {
                    found.push(note);
                }
            }
        }
    }
    found
}

fn literal(path: &Path, assignment: &Assignment) -> Result<PythonValue, RevisionFileError> {
    assignment
        .value
        .clone()
        .map_err(|expression| RevisionFileError::NotLiteral {
            path: path.to_path_buf(),
            line: assignment.line,
            name: assignment.name.clone(),
            expression,
        })
}

fn wrong_type(path: &Path, assignment: &Assignment, expected: &str) -> RevisionFileError {
    RevisionFileError::WrongType {
        path: path.to_path_buf(),
        line: assignment.line,
        name: assignment.name.clone(),
        expected: expected.to_owned(),
    }
}

/// `util.to_tuple`: `None` → none, a string → one item, a sequence → its items (strings only).
fn string_list(path: &Path, assignment: &Assignment) -> Result<Vec<String>, RevisionFileError> {
    match literal(path, assignment)? {
        PythonValue::None => Ok(Vec::new()),
        PythonValue::String(text) => Ok(vec![text]),
        PythonValue::Sequence(items) => items
            .into_iter()
            .map(|item| match item {
                PythonValue::String(text) => Ok(text),
                _ => Err(wrong_type(
                    path,
                    assignment,
                    "a string, a tuple or list of strings, or None",
                )),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(source: &str) -> Result<AlembicRevision, RevisionFileError> {
        read_revision_file(Path::new("versions/x.py"), source.as_bytes())
    }

    const TEMPLATE: &str = r#""""add users

Revision ID: 1975ea83b712
Revises: 27c6a30d7c24
Create Date: 2011-11-08 11:40:27.089406

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '1975ea83b712'
down_revision = '27c6a30d7c24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))


def downgrade():
    op.drop_table('users')
"#;

    #[test]
    fn plain_string_ids() {
        let revision = read(TEMPLATE).unwrap();
        assert_eq!(revision.id, "1975ea83b712");
        assert_eq!(revision.down_revisions, ["27c6a30d7c24"]);
        assert!(revision.branch_labels.is_empty());
        assert!(revision.depends_on.is_empty());
        assert_eq!(revision.message(), "add users");
        assert_eq!(
            revision.create_date.as_deref(),
            Some("2011-11-08 11:40:27.089406")
        );
        assert_eq!(revision.upgrade, FunctionBody::Code);
        assert_eq!(revision.downgrade, FunctionBody::Code);
        assert!(revision.reads_database.is_empty());
    }

    #[test]
    fn down_revision_none_is_a_base() {
        let revision = read("revision = 'a1'\ndown_revision = None\n").unwrap();
        assert!(revision.down_revisions.is_empty());
    }

    #[test]
    fn down_revision_tuple_is_a_merge() {
        let revision = read("revision = 'm1'\ndown_revision = ('a1', 'b2')\n").unwrap();
        assert_eq!(revision.down_revisions, ["a1", "b2"]);
    }

    #[test]
    fn down_revision_list_spanning_lines() {
        let revision =
            read("revision = 'm1'\ndown_revision = [\n    'a1',  # first\n    \"b2\",\n]\n")
                .unwrap();
        assert_eq!(revision.down_revisions, ["a1", "b2"]);
    }

    #[test]
    fn one_item_tuple_and_parenthesized_string() {
        let tuple = read("revision = 'm1'\ndown_revision = ('a1',)\n").unwrap();
        assert_eq!(tuple.down_revisions, ["a1"]);
        let parenthesized = read("revision = ('m1')\ndown_revision = ('a1')\n").unwrap();
        assert_eq!(parenthesized.id, "m1");
        assert_eq!(parenthesized.down_revisions, ["a1"]);
    }

    #[test]
    fn annotated_assignments() {
        let revision = read(
            "from typing import Sequence, Union\nrevision: str = \"b2\"\ndown_revision: Union[str, None] = \"a1\"\nbranch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n",
        )
        .unwrap();
        assert_eq!(revision.id, "b2");
        assert_eq!(revision.down_revisions, ["a1"]);
        assert!(revision.branch_labels.is_empty());
    }

    #[test]
    fn unicode_prefixed_strings_from_python_2() {
        let revision = read(
            "# -*- coding: utf-8 -*-\nu\"\"\"caf\\xe9 table\n\nRevision ID: 3a\n\"\"\"\nrevision = u'3a'\ndown_revision = u'2b'\nbranch_labels = (u'feature',)\n",
        )
        .unwrap();
        assert_eq!(revision.id, "3a");
        assert_eq!(revision.down_revisions, ["2b"]);
        assert_eq!(revision.branch_labels, ["feature"]);
        assert_eq!(revision.message(), "café table");
    }

    #[test]
    fn double_and_single_quotes() {
        let revision = read("revision = \"it's\"\ndown_revision = 'say \"x\"'\n").unwrap();
        assert_eq!(revision.id, "it's");
        assert_eq!(revision.down_revisions, ["say \"x\""]);
    }

    #[test]
    fn triple_quoted_strings_and_single_quoted_docstring() {
        let revision =
            read("'''first line\nsecond line\n\nmore'''\nrevision = '''r1'''\ndown_revision = \"\"\"r0\"\"\"\n").unwrap();
        assert_eq!(revision.id, "r1");
        assert_eq!(revision.down_revisions, ["r0"]);
        assert_eq!(revision.message(), "first line\nsecond line");
    }

    #[test]
    fn python_2_file_with_print_statement_and_old_except() {
        let revision = read(
            "\"\"\"py2\"\"\"\nrevision = 'p2'\ndown_revision = None\n\ndef upgrade():\n    print 'upgrading'\n    try:\n        pass\n    except Exception, e:\n        raise\n\ndef downgrade():\n    pass\n",
        )
        .unwrap();
        assert_eq!(revision.id, "p2");
        assert_eq!(revision.upgrade, FunctionBody::Code);
        assert_eq!(revision.downgrade, FunctionBody::Empty);
    }

    #[test]
    fn branch_labels_string_none_is_a_label() {
        let revision =
            read("revision = 'a'\ndown_revision = None\nbranch_labels = 'None'\n").unwrap();
        assert_eq!(revision.branch_labels, ["None"]);
    }

    #[test]
    fn branch_labels_string_is_one_label() {
        let revision =
            read("revision = 'a'\ndown_revision = None\nbranch_labels = 'a,b'\n").unwrap();
        assert_eq!(revision.branch_labels, ["a,b"]);
    }

    #[test]
    fn depends_on_tuple_of_ids_and_labels() {
        let revision =
            read("revision = 'a'\ndown_revision = None\ndepends_on = ('b1', 'feature')\n").unwrap();
        assert_eq!(revision.depends_on, ["b1", "feature"]);
    }

    #[test]
    fn ids_are_kept_exactly() {
        let revision = read("revision = 'v3.0.0.a'\ndown_revision = 'V2_Ab'\n").unwrap();
        assert_eq!(revision.id, "v3.0.0.a");
        assert_eq!(revision.down_revisions, ["V2_Ab"]);
    }

    #[test]
    fn symbolic_constant_is_an_error_with_line() {
        let error =
            read("LABEL = 'x'\nrevision = 'a'\ndown_revision = None\nbranch_labels = (LABEL,)\n")
                .unwrap_err();
        assert_eq!(
            error,
            RevisionFileError::NotLiteral {
                path: "versions/x.py".into(),
                line: 4,
                name: "branch_labels".into(),
                expression: "(LABEL,)".into(),
            }
        );
    }

    #[test]
    fn computed_id_is_an_error() {
        let error = read("revision = make_id()\ndown_revision = None\n").unwrap_err();
        assert!(matches!(
            error,
            RevisionFileError::NotLiteral { line: 1, .. }
        ));
    }

    #[test]
    fn file_without_revision_is_an_error_unless_its_name_is_hex() {
        let error = read("down_revision = None\n").unwrap_err();
        assert!(matches!(error, RevisionFileError::NoRevision { .. }));
        let legacy =
            read_revision_file(Path::new("v/ae1027a6acf.py"), b"down_revision = None\n").unwrap();
        assert_eq!(legacy.id, "ae1027a6acf");
    }

    #[test]
    fn missing_down_revision_is_an_error() {
        assert!(matches!(
            read("revision = 'a'\n").unwrap_err(),
            RevisionFileError::NoDownRevision { .. }
        ));
    }

    #[test]
    fn init_and_editor_lock_files_are_not_candidates() {
        assert!(is_candidate_file_name("1975ea83b712_add.py"));
        assert!(!is_candidate_file_name("__init__.py"));
        assert!(!is_candidate_file_name(".#1975ea83b712_add.py"));
        assert!(!is_candidate_file_name("notes.txt"));
        assert!(!is_candidate_file_name("a.pyc"));
    }

    #[test]
    fn assignments_inside_functions_and_strings_are_ignored() {
        let revision = read(
            "revision = 'a'\ndown_revision = None\n\ndef upgrade():\n    revision = 'b'\n    op.execute(\"\"\"\nrevision = 'c'\n\"\"\")\n",
        )
        .unwrap();
        assert_eq!(revision.id, "a");
    }

    #[test]
    fn last_assignment_wins() {
        let revision = read("revision = 'a'\nrevision = 'b'\ndown_revision = None\n").unwrap();
        assert_eq!(revision.id, "b");
    }

    #[test]
    fn backslash_continuation() {
        let revision = read("revision = \\\n    'a'\ndown_revision = None\n").unwrap();
        assert_eq!(revision.id, "a");
    }

    #[test]
    fn adjacent_strings_concatenate() {
        let revision = read("revision = 'ab' \"cd\"\ndown_revision = None\n").unwrap();
        assert_eq!(revision.id, "abcd");
    }

    #[test]
    fn downgrade_that_raises_is_irreversible_and_pass_is_empty() {
        let revision = read(
            "revision = 'a'\ndown_revision = None\ndef upgrade(): pass\ndef downgrade():\n    \"\"\"No way back.\"\"\"\n    raise NotImplementedError('irreversible')\n",
        )
        .unwrap();
        assert_eq!(revision.upgrade, FunctionBody::Empty);
        assert_eq!(revision.downgrade, FunctionBody::Raises);
    }

    #[test]
    fn code_that_reads_the_database_is_noted() {
        let revision = read(
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    conn = op.get_bind()\n    rows = conn.execute(sa.text('select 1')).fetchall()\n",
        )
        .unwrap();
        assert_eq!(revision.reads_database.len(), 2);
        assert!(revision.reads_database[0].starts_with("line 4:"));
    }

    #[test]
    fn unterminated_string_is_a_syntax_error_with_line() {
        assert!(matches!(
            read("revision = 'a'\ndown_revision = 'b\n").unwrap_err(),
            RevisionFileError::Syntax { line: 2, .. }
        ));
    }

    #[test]
    fn byte_order_mark_and_crlf_line_ends() {
        let revision =
            read("\u{feff}\"\"\"m\"\"\"\r\nrevision = 'a'\r\ndown_revision = None\r\n").unwrap();
        assert_eq!(revision.id, "a");
        assert_eq!(revision.message(), "m");
    }
}
