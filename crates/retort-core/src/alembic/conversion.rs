//! One Alembic revision turned into a retort revision file, from the SQL Alembic rendered for
//! it, with a verdict: converted, converted with warnings, or needs a hand.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::revision_file::{AlembicRevision, FunctionBody};
use crate::revision::script::parse_revision_script;

/// What the Python driver reports for one direction of one revision.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Rendered {
    /// SQL from Alembic's offline (`as_sql`) rendering.
    pub offline: Option<String>,
    pub offline_error: Option<String>,
    /// SQL captured while Alembic ran the function on the scratch database.
    pub online: Option<String>,
    pub online_error: Option<String>,
}

/// What the driver reports for one revision.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RenderedRevision {
    pub load_error: Option<String>,
    #[serde(default)]
    pub upgrade: Rendered,
    #[serde(default)]
    pub downgrade: Rendered,
}

/// The verdict on one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Converted,
    ConvertedWithWarnings,
    NeedsHand,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Converted => "converted",
            Outcome::ConvertedWithWarnings => "converted with warnings",
            Outcome::NeedsHand => "needs a hand",
        }
    }
}

/// How one direction's SQL was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Alembic's offline rendering.
    Offline,
    /// Captured from Alembic running it on the scratch database.
    ScratchDatabase,
    /// `pass`: an empty section.
    Empty,
    /// `raise`: no section (irreversible).
    Irreversible,
    /// Nothing usable: the section needs a hand.
    None,
}

/// The report line of one revision.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionReport {
    pub id: String,
    pub alembic_file: String,
    pub retort_file: String,
    pub outcome: Outcome,
    pub upgrade: Source,
    pub downgrade: Source,
    pub notes: Vec<String>,
}

/// Markers of code that reads rows: its SQL depends on the data, so a person must write it.
const READS_ROWS: [&str; 9] = [
    "opens an ORM session",
    "reads rows",
    ".query(",
    ".fetch",
    ".scalar",
    ".first()",
    ".all()",
    ".mappings()",
    "Session(",
];

/// The retort revision file for `revision` and its report.
pub fn convert_revision(
    revision: &AlembicRevision,
    rendered: &RenderedRevision,
    source_text: &str,
    alembic_file: &str,
    retort_file: &Path,
    dialect: &str,
) -> Result<(String, RevisionReport), String> {
    let mut notes: Vec<String> = Vec::new();
    let mut needs_hand = false;
    let mut warned = false;

    // Lines that read rows, and which direction they belong to: inside `def upgrade` or
    // `def downgrade`, or (a helper) both.
    let reads_rows: Vec<(usize, String)> = source_text
        .lines()
        .enumerate()
        .filter_map(|(number, line)| {
            let code = line.split('#').next().unwrap_or_default();
            READS_ROWS[2..]
                .iter()
                .any(|marker| code.contains(marker))
                .then(|| (number + 1, format!("line {}: {}", number + 1, code.trim())))
        })
        .collect();
    let reads_catalog = &revision.reads_database;
    if !reads_catalog.is_empty() {
        warned = true;
        notes.push(format!(
            "its Python uses the connection ({}); the SQL below is what it did when rendered for {dialect}, which may differ on your database",
            reads_catalog.join("; ")
        ));
    }
    let within = |line: usize, span: Option<(usize, usize)>| {
        span.is_some_and(|(first, last)| (first..=last).contains(&line))
    };
    let rows_reason = |direction: &str| {
        let (own, other) = if direction == "upgrade" {
            (revision.upgrade_lines, revision.downgrade_lines)
        } else {
            (revision.downgrade_lines, revision.upgrade_lines)
        };
        let lines: Vec<&String> = reads_rows
            .iter()
            .filter(|(line, _)| within(*line, own) || !within(*line, other))
            .map(|(_, text)| text)
            .collect();
        (!lines.is_empty()).then(|| {
            format!(
                "its Python reads rows ({}{}), so its SQL depends on the data; the SQL below is what it did on an empty database: write the statements that carry the data over, then remove this option",
                lines.iter().take(3).map(|text| text.as_str()).collect::<Vec<_>>().join("; "),
                if lines.len() > 3 { "; …" } else { "" }
            )
        })
    };

    let mut sections = String::new();
    let mut sources = [Source::None, Source::None];
    for (slot, (direction, body, output)) in [
        ("upgrade", revision.upgrade, &rendered.upgrade),
        ("downgrade", revision.downgrade, &rendered.downgrade),
    ]
    .into_iter()
    .enumerate()
    {
        let (sql, source, reason) = match body {
            FunctionBody::Empty => (String::new(), Source::Empty, None),
            FunctionBody::Raises if direction == "downgrade" => {
                notes.push("its downgrade() raises: the retort revision is irreversible (no downgrade section)".to_owned());
                sources[slot] = Source::Irreversible;
                continue;
            }
            FunctionBody::Missing if direction == "downgrade" => {
                warned = true;
                notes.push("it has no downgrade(): the retort revision is irreversible".to_owned());
                sources[slot] = Source::Irreversible;
                continue;
            }
            FunctionBody::Raises | FunctionBody::Missing => (
                String::new(),
                Source::None,
                Some(format!(
                    "its {direction}() raises or is missing; write the SQL it should run"
                )),
            ),
            FunctionBody::Code => choose(
                direction,
                dialect,
                output,
                rendered.load_error.as_deref(),
                revision,
                &mut notes,
                &mut warned,
            ),
        };
        let reason = reason.or_else(|| {
            if body == FunctionBody::Code {
                rows_reason(direction)
            } else {
                None
            }
        });
        if let Some(reason) = &reason {
            needs_hand = true;
            notes.push(format!("{direction} needs a hand: {reason}"));
        }
        sources[slot] = source;
        let mut options = String::new();
        // `with op.get_context().autocommit_block():` (CREATE INDEX CONCURRENTLY and friends)
        // runs outside Alembic's transaction: so does the section.
        let own_span = if direction == "upgrade" {
            revision.upgrade_lines
        } else {
            revision.downgrade_lines
        };
        let autocommit = source_text.lines().enumerate().any(|(number, line)| {
            line.split('#')
                .next()
                .unwrap_or_default()
                .contains("autocommit_block")
                && within(number + 1, own_span)
        });
        if autocommit && !sql.trim().is_empty() {
            options.push_str(" transaction=false");
            warned = true;
            notes.push(format!(
                "{direction}: its code uses autocommit_block(): the section runs outside a transaction (transaction=false), as Alembic ran it"
            ));
        }
        // A table rebuild (Alembic's batch mode on SQLite) must not cascade its DROP TABLE.
        if dialect == "sqlite" && sql.contains("_alembic_tmp_") {
            options.push_str(" foreign_keys=off");
        }
        if let Some(reason) = &reason {
            let escaped = reason
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', " ");
            let _ = write!(options, " needs_hand=\"{escaped}\"");
        }
        let _ = writeln!(sections, "\n-- retort:{direction}{options}");
        let sql = sql.trim_end();
        if !sql.is_empty() {
            let _ = writeln!(sections, "{sql}");
        }
    }

    let mut text = String::new();
    for line in revision.long_doc.lines() {
        let trimmed = line.trim();
        let is_field = [
            "Revision ID:",
            "Revises:",
            "Create Date:",
            "Branch Labels:",
            "Depends On:",
        ]
        .iter()
        .any(|field| trimmed.starts_with(field));
        if is_field {
            continue;
        }
        if trimmed.is_empty() {
            text.push_str("--\n");
        } else {
            let _ = writeln!(text, "-- {}", line.trim_end());
        }
    }
    while text.ends_with("--\n--\n") {
        text.truncate(text.len() - 3);
    }
    if !text.is_empty() && !text.ends_with("--\n") {
        text.push_str("--\n");
    }
    let _ = writeln!(text, "-- Revision ID: {}", revision.id);
    let _ = writeln!(text, "-- Revises: {}", revision.down_revisions.join(", "));
    let _ = writeln!(
        text,
        "-- Create Date: {}",
        revision.create_date.as_deref().unwrap_or_default()
    );
    let _ = writeln!(
        text,
        "-- Branch Labels: {}",
        revision.branch_labels.join(", ")
    );
    let _ = writeln!(text, "-- Depends On: {}", revision.depends_on.join(", "));
    let _ = writeln!(text, "--");
    let _ = writeln!(
        text,
        "-- Converted from {alembic_file} by `retort import alembic`."
    );
    text.push_str(&sections);

    // The file must read back as the same revision: ids, parents, labels, dependencies.
    let script = parse_revision_script(retort_file, &text).map_err(|error| error.to_string())?;
    if script.id != revision.id
        || script.down_revisions != revision.down_revisions
        || script.branch_labels != revision.branch_labels
        || script.depends_on != revision.depends_on
    {
        return Err(format!(
            "{alembic_file}: revision {} cannot be written as a retort header without changing it (a label or dependency holds a comma or spaces?)",
            revision.id
        ));
    }

    let outcome = if needs_hand {
        Outcome::NeedsHand
    } else if warned {
        Outcome::ConvertedWithWarnings
    } else {
        Outcome::Converted
    };
    Ok((
        text,
        RevisionReport {
            id: revision.id.clone(),
            alembic_file: alembic_file.to_owned(),
            retort_file: retort_file.display().to_string(),
            outcome,
            upgrade: sources[0],
            downgrade: sources[1],
            notes,
        },
    ))
}

/// Offline SQL when Alembic could render it faithfully, else what it ran on the scratch
/// database, else a reason for a person.
fn choose(
    direction: &str,
    dialect: &str,
    output: &Rendered,
    load_error: Option<&str>,
    revision: &AlembicRevision,
    notes: &mut Vec<String>,
    warned: &mut bool,
) -> (String, Source, Option<String>) {
    if let Some(error) = load_error {
        return (
            String::new(),
            Source::None,
            Some(format!(
                "Python could not import the revision file: {}",
                last_line(error)
            )),
        );
    }
    let branches_on_mode = revision
        .reads_database
        .iter()
        .any(|note| note.contains("is_offline_mode"));
    let manual = output.offline.as_deref().is_some_and(|sql| {
        sql.to_ascii_lowercase()
            .contains("manual conversion required")
    });
    // Code that catches errors around its operations (`try: op.drop_constraint(…) except
    // Exception: pass`) did, on a real database, only what succeeded; offline rendering lists
    // every attempt.
    let catches_errors = revision.catches_errors;
    if let (true, Some(sql)) = (catches_errors, &output.online) {
        *warned = true;
        notes.push(format!(
            "{direction}: its code catches errors around its operations; its SQL is what succeeded when Alembic ran it on a scratch database"
        ));
        return (sql.clone(), Source::ScratchDatabase, None);
    }
    if let (Some(sql), false, false) = (&output.offline, branches_on_mode, manual) {
        // SQLite keeps each CREATE statement's text in sqlite_master: the text Alembic executes
        // (tabs, where offline rendering writes spaces) keeps the schema byte-identical to a
        // database Alembic migrated.
        if let (true, Some(online)) = (dialect == "sqlite", &output.online) {
            return (online.clone(), Source::ScratchDatabase, None);
        }
        return (sql.clone(), Source::Offline, None);
    }
    let why_not_offline = if branches_on_mode {
        "its code branches on context.is_offline_mode()".to_owned()
    } else if manual {
        "its offline rendering says \"manual conversion required\"".to_owned()
    } else {
        format!(
            "Alembic cannot render it offline ({})",
            output
                .offline_error
                .as_deref()
                .map_or("no output", last_line)
        )
    };
    if let Some(sql) = &output.online {
        *warned = true;
        notes.push(format!(
            "{direction}: {why_not_offline}; its SQL was captured from Alembic running it on a scratch database"
        ));
        return (sql.clone(), Source::ScratchDatabase, None);
    }
    let online = output.online_error.as_deref().map_or_else(
        || "no scratch database was given (--scratch-url)".to_owned(),
        |error| {
            format!(
                "running it on the scratch database failed: {}",
                last_line(error)
            )
        },
    );
    (
        String::new(),
        Source::None,
        Some(format!(
            "{why_not_offline}, and {online}; write its SQL by hand"
        )),
    )
}

/// The line of a Python traceback that says what went wrong (the exception, or SQLAlchemy's
/// `[SQL: …]` / DB error line before its "Background on this error" link).
fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|line| {
            let line = line.trim();
            !line.is_empty()
                && !line.starts_with("(Background on this error")
                && !line.starts_with("[SQL")
                && line != "]"
        })
        .unwrap_or_default()
        .trim()
}

/// The report as text: one line per revision, notes indented, then totals.
pub fn report_text(reports: &[RevisionReport]) -> String {
    let mut text = String::new();
    for report in reports {
        let _ = writeln!(
            text,
            "{:<24} {:<24} {}",
            report.id,
            report.outcome.label(),
            report.alembic_file
        );
        for note in &report.notes {
            let _ = writeln!(text, "    {note}");
        }
    }
    let count = |outcome| {
        reports
            .iter()
            .filter(|report| report.outcome == outcome)
            .count()
    };
    let _ = writeln!(
        text,
        "{} revisions: {} converted, {} converted with warnings, {} need a hand",
        reports.len(),
        count(Outcome::Converted),
        count(Outcome::ConvertedWithWarnings),
        count(Outcome::NeedsHand)
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::revision_file::read_revision_file;

    const SOURCE: &str = "\"\"\"backfill\"\"\"\nrevision = 'b1'\ndown_revision = 'a1'\n\ndef upgrade():\n    conn = op.get_bind()\n    rows = conn.execute(sa.text('SELECT id FROM t')).fetchall()\n\ndef downgrade():\n    op.drop_column('t', 'c')\n";

    fn rendered(upgrade: &str, downgrade: &str) -> RenderedRevision {
        RenderedRevision {
            load_error: None,
            upgrade: Rendered {
                offline: Some(upgrade.to_owned()),
                ..Rendered::default()
            },
            downgrade: Rendered {
                offline: Some(downgrade.to_owned()),
                ..Rendered::default()
            },
        }
    }

    #[test]
    fn rows_read_in_upgrade_mark_only_the_upgrade() {
        let revision = read_revision_file(Path::new("v/b1.py"), SOURCE.as_bytes()).unwrap();
        let (text, report) = convert_revision(
            &revision,
            &rendered("", "ALTER TABLE t DROP COLUMN c;\n"),
            SOURCE,
            "v/b1.py",
            Path::new("r/b1.sql"),
            "postgresql",
        )
        .unwrap();
        assert_eq!(report.outcome, Outcome::NeedsHand);
        assert!(
            text.contains("-- retort:upgrade needs_hand=\"its Python reads rows (line 7:"),
            "{text}"
        );
        assert!(
            text.contains("-- retort:downgrade\nALTER TABLE t DROP COLUMN c;"),
            "{text}"
        );
        let script = parse_revision_script(Path::new("r/b1.sql"), &text).unwrap();
        assert_eq!(script.down_revisions, ["a1"]);
        assert!(script.upgrade.needs_hand.is_some());
        assert!(script.downgrade.unwrap().needs_hand.is_none());
    }

    #[test]
    fn plain_revision_is_converted_from_offline_sql() {
        let source = "revision = 'a1'\ndown_revision = None\ndef upgrade():\n    op.create_table('t')\ndef downgrade():\n    op.drop_table('t')\n";
        let revision = read_revision_file(Path::new("v/a1.py"), source.as_bytes()).unwrap();
        let (text, report) = convert_revision(
            &revision,
            &rendered("CREATE TABLE t ();\n", "DROP TABLE t;\n"),
            source,
            "v/a1.py",
            Path::new("r/a1.sql"),
            "postgresql",
        )
        .unwrap();
        assert_eq!(report.outcome, Outcome::Converted);
        assert_eq!(report.upgrade, Source::Offline);
        assert!(
            text.contains(
                "-- retort:upgrade\nCREATE TABLE t ();\n\n-- retort:downgrade\nDROP TABLE t;\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn offline_failure_without_scratch_database_needs_a_hand() {
        let source = "revision = 'a1'\ndown_revision = None\ndef upgrade():\n    op.create_table('t')\ndef downgrade():\n    pass\n";
        let revision = read_revision_file(Path::new("v/a1.py"), source.as_bytes()).unwrap();
        let output = RenderedRevision {
            upgrade: Rendered {
                offline_error: Some(
                    "Traceback\nCommandError: batch mode needs a live connection\n".to_owned(),
                ),
                ..Rendered::default()
            },
            ..RenderedRevision::default()
        };
        let (text, report) = convert_revision(
            &revision,
            &output,
            source,
            "v/a1.py",
            Path::new("r/a1.sql"),
            "mysql",
        )
        .unwrap();
        assert_eq!(report.outcome, Outcome::NeedsHand);
        assert_eq!(report.downgrade, Source::Empty);
        assert!(
            text.contains("batch mode needs a live connection"),
            "{text}"
        );
        assert!(text.contains("--scratch-url"), "{text}");
    }
}

#[cfg(test)]
mod autocommit_tests {
    use super::*;
    use crate::alembic::revision_file::read_revision_file;

    #[test]
    fn autocommit_block_makes_the_section_non_transactional() {
        let source = "revision = 'c1'\ndown_revision = None\ndef upgrade():\n    with op.get_context().autocommit_block():\n        op.create_index('i', 't', ['c'], postgresql_concurrently=True)\ndef downgrade():\n    op.drop_index('i')\n";
        let revision = read_revision_file(Path::new("v/c1.py"), source.as_bytes()).unwrap();
        let output = RenderedRevision {
            upgrade: Rendered {
                offline: Some("CREATE INDEX CONCURRENTLY i ON t (c);\n".to_owned()),
                ..Rendered::default()
            },
            downgrade: Rendered {
                offline: Some("DROP INDEX i;\n".to_owned()),
                ..Rendered::default()
            },
            ..RenderedRevision::default()
        };
        let (text, report) = convert_revision(
            &revision,
            &output,
            source,
            "v/c1.py",
            Path::new("r/c1.sql"),
            "postgresql",
        )
        .unwrap();
        assert_eq!(report.outcome, Outcome::ConvertedWithWarnings);
        assert!(
            text.contains("-- retort:upgrade transaction=false\nCREATE INDEX CONCURRENTLY"),
            "{text}"
        );
        assert!(
            text.contains("-- retort:downgrade\nDROP INDEX i;"),
            "{text}"
        );
    }
}
