//! The fleet journal: one JSON line per event of a run (`run`, `resumed`, `started`,
//! `finished`), appended as it happens, so that after a crash or a kill `--resume` knows which
//! targets ended, which failed and which were in flight, and `fleet status` shows each target's
//! last outcome.
//!
//! Why a file beside `retort.toml` and not a table: the targets are many databases, none of them
//! the obvious home for a record about all of them, and the run that resumes is on the same
//! machine (a CI job's workspace, a deploy host). One run writes a journal at a time: it holds an
//! exclusive lock on the file while it runs.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{FleetError, Outcome, TargetOutcome};

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Entry {
    Run {
        operation: String,
        targets: usize,
        at: u64,
    },
    Resumed {
        at: u64,
    },
    Started {
        target: String,
        from: Vec<String>,
    },
    Finished {
        target: String,
        outcome: String,
        from: Vec<String>,
        to: Vec<String>,
        steps: usize,
        ms: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        revision: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        statement: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// What an earlier run of the same operation recorded, for `--resume`.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Targets that ended migrated or unchanged: not run again.
    pub done: HashSet<String>,
    /// Targets that started and never ended, with the version rows they had when they started.
    pub in_flight: HashMap<String, Vec<String>>,
}

/// An open journal, locked for this run.
pub struct Journal {
    path: PathBuf,
    file: fs_err::File,
}

impl Journal {
    /// Open the journal at `path` for a run of `operation` over `targets` targets. A new run
    /// empties it; `resume` continues the run it records (same operation) and returns what that
    /// run recorded.
    pub fn open(
        path: &Path,
        operation: &str,
        targets: usize,
        resume: bool,
    ) -> Result<(Self, Option<Recorded>), FleetError> {
        let io = |source| FleetError::Journal {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(parent).map_err(io)?;
        }
        let mut file = fs_err::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        match file.file().try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(FleetError::JournalBusy {
                    path: path.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
        }
        let recorded = if resume {
            let entries = read_entries(&mut file).map_err(io)?;
            let Some(Entry::Run {
                operation: recorded,
                ..
            }) = entries.first()
            else {
                return Err(FleetError::NothingToResume {
                    path: path.to_path_buf(),
                });
            };
            if recorded != operation {
                return Err(FleetError::ResumeMismatch {
                    path: path.to_path_buf(),
                    recorded: recorded.clone(),
                    requested: operation.to_owned(),
                });
            }
            file.seek(SeekFrom::End(0)).map_err(io)?;
            Some(summarize(entries))
        } else {
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            None
        };
        let mut journal = Self {
            path: path.to_path_buf(),
            file,
        };
        journal.append(&if recorded.is_some() {
            Entry::Resumed { at: now() }
        } else {
            Entry::Run {
                operation: operation.to_owned(),
                targets,
                at: now(),
            }
        })?;
        Ok((journal, recorded))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `target` is about to change; it stood at `from`.
    pub fn started(&mut self, target: &str, from: &[String]) -> Result<(), FleetError> {
        self.append(&Entry::Started {
            target: target.to_owned(),
            from: from.to_vec(),
        })
    }

    pub fn finished(&mut self, outcome: &TargetOutcome) -> Result<(), FleetError> {
        let (label, steps, failure) = match &outcome.outcome {
            Outcome::Migrated { steps } => ("migrated", *steps, None),
            Outcome::Unchanged => ("unchanged", 0, None),
            Outcome::Failed(failure) => ("failed", 0, Some(failure)),
        };
        self.append(&Entry::Finished {
            target: outcome.name.clone(),
            outcome: label.to_owned(),
            from: outcome.from.clone(),
            to: outcome.to.clone(),
            steps,
            ms: u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX),
            revision: failure.and_then(|f| f.revision.clone()),
            statement: failure.and_then(|f| f.statement.clone()),
            error: failure.map(|f| f.message.clone()),
        })
    }

    /// One line, written through to the operating system at once: a killed run loses nothing
    /// it reported.
    fn append(&mut self, entry: &Entry) -> Result<(), FleetError> {
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|source| FleetError::Journal {
                path: self.path.clone(),
                source,
            })
    }
}

/// Each target's last recorded outcome (`migrated`, `unchanged`, `failed`, or `interrupted`
/// when it started and never ended), for `fleet status`. No journal: nothing recorded.
pub fn last_outcomes(path: &Path) -> Result<HashMap<String, String>, FleetError> {
    let mut file = match fs_err::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(source) => {
            return Err(FleetError::Journal {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let entries = read_entries(&mut file).map_err(|source| FleetError::Journal {
        path: path.to_path_buf(),
        source,
    })?;
    let mut outcomes = HashMap::new();
    for entry in entries {
        match entry {
            Entry::Started { target, .. } => {
                outcomes.insert(target, "interrupted".to_owned());
            }
            Entry::Finished {
                target, outcome, ..
            } => {
                outcomes.insert(target, outcome);
            }
            Entry::Run { .. } | Entry::Resumed { .. } => {}
        }
    }
    Ok(outcomes)
}

/// The journal's entries. A last line cut short by a kill is left out (it was never complete).
fn read_entries(file: &mut fs_err::File) -> std::io::Result<Vec<Entry>> {
    file.seek(SeekFrom::Start(0))?;
    let mut entries = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        if let Ok(entry) = serde_json::from_str(&line?) {
            entries.push(entry);
        }
    }
    Ok(entries)
}

fn summarize(entries: Vec<Entry>) -> Recorded {
    let mut recorded = Recorded::default();
    for entry in entries {
        match entry {
            Entry::Started { target, from } => {
                recorded.done.remove(&target);
                recorded.in_flight.insert(target, from);
            }
            Entry::Finished {
                target, outcome, ..
            } => {
                recorded.in_flight.remove(&target);
                if outcome == "failed" {
                    recorded.done.remove(&target);
                } else {
                    recorded.done.insert(target);
                }
            }
            Entry::Run { .. } | Entry::Resumed { .. } => {}
        }
    }
    recorded
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn outcome(name: &str, outcome: Outcome) -> TargetOutcome {
        TargetOutcome {
            name: name.to_owned(),
            from: Vec::new(),
            to: vec!["r1".to_owned()],
            outcome,
            elapsed: Duration::from_millis(3),
        }
    }

    #[test]
    fn resume_skips_what_ended_and_retries_failures_and_in_flight_targets() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        {
            let (mut journal, recorded) = Journal::open(&path, "upgrade head", 3, false).unwrap();
            assert!(recorded.is_none());
            journal.started("a", &[]).unwrap();
            journal.finished(&outcome("a", Outcome::Unchanged)).unwrap();
            journal.started("b", &[]).unwrap();
            journal
                .finished(&outcome(
                    "b",
                    Outcome::Failed(super::super::TargetFailure {
                        revision: None,
                        statement: None,
                        message: "boom".to_owned(),
                        hint: None,
                    }),
                ))
                .unwrap();
            journal.started("c", &["r0".to_owned()]).unwrap();
        }
        // A kill may cut the last line short.
        fs_err::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"fini")
            .unwrap();
        let (_journal, recorded) = Journal::open(&path, "upgrade head", 3, true).unwrap();
        let recorded = recorded.unwrap();
        assert_eq!(recorded.done, HashSet::from(["a".to_owned()]));
        assert_eq!(
            recorded.in_flight,
            HashMap::from([("c".to_owned(), vec!["r0".to_owned()])])
        );
    }

    #[test]
    fn resume_refuses_another_operation_and_a_second_writer() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        let (journal, _) = Journal::open(&path, "downgrade -1", 1, false).unwrap();
        assert!(matches!(
            Journal::open(&path, "downgrade -1", 1, true),
            Err(FleetError::JournalBusy { .. })
        ));
        drop(journal);
        assert!(matches!(
            Journal::open(&path, "upgrade head", 1, true),
            Err(FleetError::ResumeMismatch { .. })
        ));
        assert!(matches!(
            Journal::open(
                &directory.path().join("none.jsonl"),
                "upgrade head",
                1,
                true
            ),
            Err(FleetError::NothingToResume { .. })
        ));
    }
}
