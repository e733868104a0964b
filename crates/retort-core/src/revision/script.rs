//! One revision file: its header (id, parents, labels, dependencies) and its SQL sections.
//!
//! ```sql
//! -- Add user preferences table
//! --
//! -- Revision ID: 1975ea83b712
//! -- Revises: 27c6a30d7c24
//! -- Create Date: 2026-11-22 12:00:00.123456+00:00
//! -- Branch Labels:
//! -- Depends On:
//!
//! -- retort:upgrade
//! CREATE TABLE user_preferences (id bigint PRIMARY KEY);
//!
//! -- retort:downgrade
//! DROP TABLE user_preferences;
//! ```
//!
//! The header is the block of `--` comment lines at the top of the file. Its text is the
//! revision's documentation (Alembic's docstring); the `Key: value` lines in it are the
//! revision's identity. Identity always comes from the header, never from the file name.
//! A baseline written by `retort import alembic --squash` also has `-- Squashes: id, …`, the
//! Alembic revisions it replaces, so that a database left at one of them gets a precise error.

use std::path::{Path, PathBuf};

use super::identifier::validate_revision_id;

/// The direction a section of SQL migrates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

impl Direction {
    pub fn keyword(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

/// The SQL of one direction of a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The SQL text, exactly as written between this directive and the next.
    pub sql: String,
    /// 1-based line number of the first line of `sql` in the file, so that statement errors can
    /// name the line they start on.
    pub first_line: usize,
    /// False when the directive says `transaction=false` (`CREATE INDEX CONCURRENTLY`, `VACUUM`).
    pub transactional: bool,
    /// True when the directive says `foreign_keys=off` (SQLite): foreign keys are not enforced
    /// while the section runs, so a table rebuild's `DROP TABLE` cascades to no child row, and
    /// every foreign key is checked before the commit (SQLite's own procedure for schema
    /// changes it cannot make with `ALTER TABLE`).
    pub foreign_keys_off: bool,
    /// Set by `needs_hand="reason"`: the section was not (fully) converted by a tool (an Alembic
    /// revision whose Python reads rows, say) and must be finished by a person. The runner
    /// refuses to apply it, naming the file and the reason; a database already past the
    /// revision never runs it, so it is not affected.
    pub needs_hand: Option<String>,
}

/// What a section directive's options ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SectionOptions {
    transactional: bool,
    foreign_keys_off: bool,
    needs_hand: Option<String>,
}

/// A parsed revision file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionScript {
    pub id: String,
    /// Parents (Alembic's `down_revision`); several for a merge, none for a base.
    pub down_revisions: Vec<String>,
    /// Extra dependencies (Alembic's `depends_on`): revision ids or branch labels.
    pub depends_on: Vec<String>,
    /// Labels declared by this revision (descendants inherit them in the graph).
    pub branch_labels: Vec<String>,
    pub create_date: Option<String>,
    /// Revisions this one replaces (`-- Squashes:`, written by `retort import alembic
    /// --squash`): a database whose version table names one of them was built by the history
    /// this baseline squashed, and must reach this revision with that history first.
    pub squashes: Vec<String>,
    /// The whole header text, comment markers removed (Alembic's `longdoc`).
    pub long_doc: String,
    pub upgrade: Section,
    /// `None` means the revision is irreversible.
    pub downgrade: Option<Section>,
    pub path: PathBuf,
}

impl RevisionScript {
    /// The first paragraph of the header: the message given to `revision -m`.
    /// (Alembic's `doc`: the text before the first blank line; here also before the first
    /// header field, for files whose message runs straight into `-- Revision ID:`.)
    pub fn doc(&self) -> &str {
        let mut end = 0;
        for line in self.long_doc.split_inclusive('\n') {
            let text = line.trim_end();
            if text.is_empty()
                || FIELDS.iter().any(|field| {
                    text.strip_prefix(field)
                        .is_some_and(|rest| rest.starts_with(':'))
                })
            {
                break;
            }
            end += line.len();
        }
        self.long_doc[..end].trim_end()
    }

    pub fn section(&self, direction: Direction) -> Option<&Section> {
        match direction {
            Direction::Upgrade => Some(&self.upgrade),
            Direction::Downgrade => self.downgrade.as_ref(),
        }
    }
}

/// Why a revision file could not be read. Each names the file and, where there is one, the line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScriptParseError {
    #[error("{path}: no `Revision ID:` line in the header comment")]
    MissingRevisionId { path: PathBuf },
    #[error("{path}:{line}: invalid revision id: {reason}")]
    InvalidRevisionId {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{path}:{line}: `{field}:` appears twice in the header")]
    DuplicateField {
        path: PathBuf,
        line: usize,
        field: String,
    },
    #[error("{path}:{line}: the `-- retort:{section}` section appears twice")]
    DuplicateSection {
        path: PathBuf,
        line: usize,
        section: String,
    },
    #[error("{path}:{line}: unknown directive `-- retort:{directive}`")]
    UnknownDirective {
        path: PathBuf,
        line: usize,
        directive: String,
    },
    #[error("{path}:{line}: unknown option `{option}` on `-- retort:{section}`")]
    UnknownDirectiveOption {
        path: PathBuf,
        line: usize,
        section: String,
        option: String,
    },
    #[error("{path}:{line}: SQL before the first `-- retort:upgrade` section")]
    SqlOutsideSection { path: PathBuf, line: usize },
    #[error("{path}: no `-- retort:upgrade` section")]
    MissingUpgrade { path: PathBuf },
    #[error("{path}: the file is not valid UTF-8")]
    NotUtf8 { path: PathBuf },
}

impl ScriptParseError {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Self::MissingRevisionId { .. } => {
                "a revision file starts with a `--` comment header holding `-- Revision ID: <id>`; create one with `retort revision -m MESSAGE`".to_owned()
            }
            Self::InvalidRevisionId { .. } => {
                "revision ids are up to 32 characters, without whitespace, commas, `@`, `-`, `+` or `:`".to_owned()
            }
            Self::DuplicateField { .. } => "keep one line per header field".to_owned(),
            Self::DuplicateSection { .. } => {
                "a revision has one `-- retort:upgrade` and at most one `-- retort:downgrade` section; put all statements of a direction in its one section".to_owned()
            }
            Self::UnknownDirective { .. } => {
                "the directives are `-- retort:upgrade` and `-- retort:downgrade`, optionally followed by `transaction=false`, `foreign_keys=off` or `needs_hand=\"reason\"`".to_owned()
            }
            Self::UnknownDirectiveOption { .. } => {
                "the options are `transaction=false`, which runs the section outside a transaction, `foreign_keys=off` (SQLite), which suspends foreign-key enforcement until the foreign keys are checked before the commit, and `needs_hand=\"reason\"`, which keeps the section from running until a person has finished it and removed the option".to_owned()
            }
            Self::SqlOutsideSection { .. } => {
                "move the statement below a `-- retort:upgrade` or `-- retort:downgrade` line".to_owned()
            }
            Self::MissingUpgrade { .. } => {
                "add a `-- retort:upgrade` line before the upgrade SQL (it may be empty)".to_owned()
            }
            Self::NotUtf8 { .. } => "save the file as UTF-8".to_owned(),
        })
    }
}

const DIRECTIVE_PREFIX: &str = "-- retort:";

/// Header fields, in the order the template writes them.
const FIELD_REVISION_ID: &str = "Revision ID";
const FIELD_REVISES: &str = "Revises";
const FIELD_CREATE_DATE: &str = "Create Date";
const FIELD_BRANCH_LABELS: &str = "Branch Labels";
const FIELD_DEPENDS_ON: &str = "Depends On";
const FIELD_SQUASHES: &str = "Squashes";
const FIELDS: [&str; 6] = [
    FIELD_REVISION_ID,
    FIELD_REVISES,
    FIELD_CREATE_DATE,
    FIELD_BRANCH_LABELS,
    FIELD_DEPENDS_ON,
    FIELD_SQUASHES,
];

/// Parse a revision file's text. `path` is used for error messages and kept on the result.
pub fn parse_revision_script(path: &Path, text: &str) -> Result<RevisionScript, ScriptParseError> {
    // Editors on Windows save UTF-8 with a byte order mark; it is not part of the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let header_end = lines
        .iter()
        .position(|line| !is_header_comment(line))
        .unwrap_or(lines.len());

    let header = parse_header(path, &lines[..header_end])?;
    let sections = parse_sections(path, &lines, header_end)?;

    Ok(RevisionScript {
        id: header.id,
        down_revisions: header.down_revisions,
        depends_on: header.depends_on,
        branch_labels: header.branch_labels,
        create_date: header.create_date,
        squashes: header.squashes,
        long_doc: header.long_doc,
        upgrade: sections.upgrade,
        downgrade: sections.downgrade,
        path: path.to_path_buf(),
    })
}

fn is_header_comment(line: &str) -> bool {
    let trimmed = line.trim_end();
    (trimmed == "--" || trimmed.starts_with("-- ")) && !trimmed.starts_with(DIRECTIVE_PREFIX)
}

struct Header {
    id: String,
    down_revisions: Vec<String>,
    depends_on: Vec<String>,
    branch_labels: Vec<String>,
    create_date: Option<String>,
    squashes: Vec<String>,
    long_doc: String,
}

fn parse_header(path: &Path, lines: &[&str]) -> Result<Header, ScriptParseError> {
    let mut values: [Option<(usize, String)>; FIELDS.len()] = Default::default();
    let mut doc_lines = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let text = line.trim_end().strip_prefix("--").unwrap_or_default();
        let text = text.strip_prefix(' ').unwrap_or(text);
        doc_lines.push(text);
        let Some((key, value)) = text.split_once(':') else {
            continue;
        };
        let Some(field_index) = FIELDS.iter().position(|field| *field == key) else {
            continue;
        };
        let line_number = index + 1;
        if values[field_index].is_some() {
            return Err(ScriptParseError::DuplicateField {
                path: path.to_path_buf(),
                line: line_number,
                field: key.to_owned(),
            });
        }
        values[field_index] = Some((line_number, value.trim().to_owned()));
    }

    let [revision_id, revises, create_date, branch_labels, depends_on, squashes] = values;
    let Some((id_line, id)) = revision_id else {
        return Err(ScriptParseError::MissingRevisionId {
            path: path.to_path_buf(),
        });
    };
    validate_revision_id(&id).map_err(|reason| ScriptParseError::InvalidRevisionId {
        path: path.to_path_buf(),
        line: id_line,
        reason,
    })?;
    let down_revisions = split_list(revises.as_ref());
    for parent in &down_revisions {
        validate_revision_id(parent).map_err(|reason| ScriptParseError::InvalidRevisionId {
            path: path.to_path_buf(),
            line: revises.as_ref().map_or(0, |(line, _)| *line),
            reason,
        })?;
    }
    let squashed_ids = split_list(squashes.as_ref());
    for id in &squashed_ids {
        validate_revision_id(id).map_err(|reason| ScriptParseError::InvalidRevisionId {
            path: path.to_path_buf(),
            line: squashes.as_ref().map_or(0, |(line, _)| *line),
            reason,
        })?;
    }

    Ok(Header {
        id,
        down_revisions,
        depends_on: split_list(depends_on.as_ref()),
        branch_labels: split_list(branch_labels.as_ref()),
        squashes: squashed_ids,
        create_date: create_date
            .map(|(_, value)| value)
            .filter(|v| !v.is_empty()),
        long_doc: doc_lines.join("\n").trim().to_owned(),
    })
}

fn split_list(value: Option<&(usize, String)>) -> Vec<String> {
    value
        .map(|(_, text)| {
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

struct Sections {
    upgrade: Section,
    downgrade: Option<Section>,
}

fn parse_sections(path: &Path, lines: &[&str], start: usize) -> Result<Sections, ScriptParseError> {
    let mut upgrade: Option<Section> = None;
    let mut downgrade: Option<Section> = None;
    let mut current: Option<(Direction, usize, SectionOptions)> = None; // direction, first index
    let finish = |current: Option<(Direction, usize, SectionOptions)>,
                  end: usize,
                  upgrade: &mut Option<Section>,
                  downgrade: &mut Option<Section>| {
        if let Some((direction, first, options)) = current {
            let section = Section {
                sql: lines[first..end].join("\n"),
                first_line: first + 1,
                transactional: options.transactional,
                foreign_keys_off: options.foreign_keys_off,
                needs_hand: options.needs_hand,
            };
            match direction {
                Direction::Upgrade => *upgrade = Some(section),
                Direction::Downgrade => *downgrade = Some(section),
            }
        }
    };

    for (index, line) in lines.iter().enumerate().skip(start) {
        let line_number = index + 1;
        let trimmed = line.trim();
        if let Some(directive) = trimmed.strip_prefix(DIRECTIVE_PREFIX) {
            let (direction, options) = parse_directive(path, line_number, directive)?;
            let seen = match direction {
                Direction::Upgrade => {
                    upgrade.is_some() || matches!(current, Some((Direction::Upgrade, ..)))
                }
                Direction::Downgrade => {
                    downgrade.is_some() || matches!(current, Some((Direction::Downgrade, ..)))
                }
            };
            if seen {
                return Err(ScriptParseError::DuplicateSection {
                    path: path.to_path_buf(),
                    line: line_number,
                    section: direction.keyword().to_owned(),
                });
            }
            finish(current.take(), index, &mut upgrade, &mut downgrade);
            current = Some((direction, index + 1, options));
            continue;
        }
        if current.is_none() && !trimmed.is_empty() && !trimmed.starts_with("--") {
            return Err(ScriptParseError::SqlOutsideSection {
                path: path.to_path_buf(),
                line: line_number,
            });
        }
    }
    finish(current, lines.len(), &mut upgrade, &mut downgrade);

    let upgrade = upgrade.ok_or_else(|| ScriptParseError::MissingUpgrade {
        path: path.to_path_buf(),
    })?;
    Ok(Sections { upgrade, downgrade })
}

fn parse_directive(
    path: &Path,
    line: usize,
    directive: &str,
) -> Result<(Direction, SectionOptions), ScriptParseError> {
    let words =
        directive_words(directive).ok_or_else(|| ScriptParseError::UnknownDirectiveOption {
            path: path.to_path_buf(),
            line,
            section: directive
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned(),
            option: "an unterminated quoted value".to_owned(),
        })?;
    let mut words = words.into_iter();
    let name = words.next().unwrap_or_default();
    let direction = match name.as_str() {
        "upgrade" => Direction::Upgrade,
        "downgrade" => Direction::Downgrade,
        other => {
            return Err(ScriptParseError::UnknownDirective {
                path: path.to_path_buf(),
                line,
                directive: other.to_owned(),
            })
        }
    };
    let mut options = SectionOptions {
        transactional: true,
        foreign_keys_off: false,
        needs_hand: None,
    };
    for option in words {
        if let Some(reason) = option.strip_prefix("needs_hand=") {
            options.needs_hand = Some(reason.to_owned());
            continue;
        }
        match option.as_str() {
            "transaction=false" => options.transactional = false,
            "transaction=true" => options.transactional = true,
            "foreign_keys=off" => options.foreign_keys_off = true,
            "foreign_keys=on" => options.foreign_keys_off = false,
            other => {
                return Err(ScriptParseError::UnknownDirectiveOption {
                    path: path.to_path_buf(),
                    line,
                    section: name.clone(),
                    option: other.to_owned(),
                })
            }
        }
    }
    Ok((direction, options))
}

/// Split a directive into words; `key="a quoted value"` is one word with the quotes removed
/// (`\"` and `\\` escape inside). `None` when a quote is not closed.
fn directive_words(directive: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut characters = directive.chars().peekable();
    loop {
        while characters.next_if(|c| c.is_whitespace()).is_some() {}
        if characters.peek().is_none() {
            return Some(words);
        }
        let mut word = String::new();
        while let Some(character) = characters.next_if(|c| !c.is_whitespace()) {
            if character != '"' {
                word.push(character);
                continue;
            }
            loop {
                match characters.next()? {
                    '"' => break,
                    '\\' => word.push(characters.next()?),
                    other => word.push(other),
                }
            }
        }
        words.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RevisionScript, ScriptParseError> {
        parse_revision_script(Path::new("v/a.sql"), text)
    }

    const SAMPLE: &str = "-- Add users\n--\n-- Revision ID: abc123\n-- Revises: p1, p2\n-- Create Date: 2026-01-01 00:00:00\n-- Branch Labels: feature\n-- Depends On: dep1\n\n-- retort:upgrade\nCREATE TABLE t (id int);\n\n-- retort:downgrade transaction=false\nDROP TABLE t;\n";

    /// Issue 9, finding 5: a UTF-8 byte order mark made the file "have no Revision ID".
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_header() {
        let script = parse(&format!("\u{feff}{SAMPLE}")).unwrap();
        assert_eq!(script.id, "abc123");
        assert_eq!(script.doc(), "Add users");
        assert_eq!(script.upgrade.first_line, 10);
        assert_eq!(script.upgrade.sql, parse(SAMPLE).unwrap().upgrade.sql);
    }

    #[test]
    fn a_squashes_line_lists_the_revisions_a_baseline_replaces() {
        let script = parse("-- Baseline\n--\n-- Revision ID: head1\n-- Revises:\n-- Squashes: r1, r2,r3\n\n-- retort:upgrade\n").unwrap();
        assert_eq!(script.squashes, ["r1", "r2", "r3"]);
        assert_eq!(script.doc(), "Baseline");
        assert!(parse(SAMPLE).unwrap().squashes.is_empty());
        assert!(matches!(
            parse("-- Revision ID: h\n-- Squashes: a b\n\n-- retort:upgrade\n"),
            Err(ScriptParseError::InvalidRevisionId { line: 2, .. })
        ));
    }

    #[test]
    fn parses_header_and_sections() {
        let script = parse(SAMPLE).unwrap();
        assert_eq!(script.id, "abc123");
        assert_eq!(script.down_revisions, ["p1", "p2"]);
        assert_eq!(script.branch_labels, ["feature"]);
        assert_eq!(script.depends_on, ["dep1"]);
        assert_eq!(script.doc(), "Add users");
        assert_eq!(script.upgrade.first_line, 10);
        assert_eq!(script.upgrade.sql.trim(), "CREATE TABLE t (id int);");
        let downgrade = script.downgrade.unwrap();
        assert!(!downgrade.transactional);
        assert_eq!(downgrade.sql.trim(), "DROP TABLE t;");
    }

    #[test]
    fn needs_hand_option_keeps_its_quoted_reason() {
        let script = parse("-- Revision ID: a1\n-- retort:upgrade needs_hand=\"reads rows: write the \\\"UPDATE\\\"\" transaction=false\nSELECT 1;\n-- retort:downgrade\n").unwrap();
        assert_eq!(
            script.upgrade.needs_hand.as_deref(),
            Some("reads rows: write the \"UPDATE\"")
        );
        assert!(!script.upgrade.transactional);
        assert_eq!(script.downgrade.unwrap().needs_hand, None);
        assert!(matches!(
            parse("-- Revision ID: a1\n-- retort:upgrade needs_hand=\"open\n").unwrap_err(),
            ScriptParseError::UnknownDirectiveOption { line: 2, .. }
        ));
    }

    #[test]
    fn missing_downgrade_is_irreversible() {
        let script = parse("-- m\n-- Revision ID: a1\n-- retort:upgrade\nSELECT 1;\n").unwrap();
        assert!(script.downgrade.is_none());
        assert!(script.down_revisions.is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse("-- m\n-- retort:upgrade\n").unwrap_err(),
            ScriptParseError::MissingRevisionId {
                path: "v/a.sql".into()
            }
        );
        assert!(matches!(
            parse("-- Revision ID: a1\n-- retort:upgrade\n-- retort:upgrade\n").unwrap_err(),
            ScriptParseError::DuplicateSection { line: 3, .. }
        ));
        assert!(matches!(
            parse("-- Revision ID: a1\n-- retort:sideways\n").unwrap_err(),
            ScriptParseError::UnknownDirective { line: 2, .. }
        ));
        assert!(matches!(
            parse("-- Revision ID: a1\nSELECT 1;\n-- retort:upgrade\n").unwrap_err(),
            ScriptParseError::SqlOutsideSection { line: 2, .. }
        ));
        assert!(matches!(
            parse("-- Revision ID: a-1\n-- retort:upgrade\n").unwrap_err(),
            ScriptParseError::InvalidRevisionId { line: 1, .. }
        ));
        assert!(matches!(
            parse("-- Revision ID: a1\n-- Revision ID: a2\n-- retort:upgrade\n").unwrap_err(),
            ScriptParseError::DuplicateField { line: 2, .. }
        ));
    }
}
