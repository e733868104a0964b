//! Random but realistic revision graphs: chains with branches, merges, several bases, branch
//! labels and `depends_on`, written both as retort SQL files and as Alembic Python files with
//! the same names (so both tools see the same file order).

use std::fmt::Write as _;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One generated revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedRevision {
    pub id: String,
    pub parents: Vec<String>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub message: String,
}

/// How the graph is shaped.
#[derive(Debug, Clone, Copy)]
pub struct GraphShape {
    pub revisions: usize,
    /// Number of independent roots.
    pub bases: usize,
    /// Chance that a revision starts a branch from a non-head revision.
    pub branch_probability: f64,
    /// Chance that a revision merges the open heads.
    pub merge_probability: f64,
    /// Chance that a new branch gets a label.
    pub label_probability: f64,
    /// Chance that a revision depends on an earlier revision of another line.
    pub depends_probability: f64,
}

impl Default for GraphShape {
    fn default() -> Self {
        Self {
            revisions: 40,
            bases: 2,
            branch_probability: 0.12,
            merge_probability: 0.1,
            label_probability: 0.5,
            depends_probability: 0.08,
        }
    }
}

/// Generate a graph. The same seed and shape always give the same graph.
pub fn generate(seed: u64, shape: GraphShape) -> Vec<GeneratedRevision> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut revisions: Vec<GeneratedRevision> = Vec::with_capacity(shape.revisions);
    let mut has_children: Vec<bool> = Vec::new();
    let mut label_count = 0usize;
    for index in 0..shape.revisions {
        let id = format!("{:012x}", rng.gen::<u64>() & 0xffff_ffff_ffff);
        let heads: Vec<usize> = (0..revisions.len()).filter(|&i| !has_children[i]).collect();
        let mut branch_labels = Vec::new();
        let parents: Vec<usize> = if index < shape.bases {
            Vec::new()
        } else if heads.len() >= 2 && rng.gen_bool(shape.merge_probability) {
            let count = rng.gen_range(2..=heads.len().min(3));
            let mut chosen = heads.clone();
            while chosen.len() > count {
                chosen.remove(rng.gen_range(0..chosen.len()));
            }
            chosen
        } else if rng.gen_bool(shape.branch_probability) {
            let parent = rng.gen_range(0..revisions.len());
            if has_children[parent] && rng.gen_bool(shape.label_probability) {
                label_count += 1;
                branch_labels.push(format!("branch{label_count}"));
            }
            vec![parent]
        } else {
            vec![heads[rng.gen_range(0..heads.len())]]
        };
        if parents.is_empty() && index > 0 && rng.gen_bool(shape.label_probability) {
            label_count += 1;
            branch_labels.push(format!("root{label_count}"));
        }
        let mut depends_on = Vec::new();
        if !revisions.is_empty() && rng.gen_bool(shape.depends_probability) {
            let target = rng.gen_range(0..revisions.len());
            if !parents.contains(&target) {
                depends_on.push(revisions[target].id.clone());
            }
        }
        for &parent in &parents {
            has_children[parent] = true;
        }
        revisions.push(GeneratedRevision {
            id,
            parents: parents.iter().map(|&p| revisions[p].id.clone()).collect(),
            branch_labels,
            depends_on,
            message: format!("revision number {index}"),
        });
        has_children.push(false);
    }
    revisions
}

/// The file stem both tools use, so both sort the files the same way.
pub fn file_stem(revision: &GeneratedRevision) -> String {
    format!("{}_{}", revision.id, revision.message.replace(' ', "_"))
}

/// What each generated revision's upgrade and downgrade do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Body {
    /// `SELECT 1` both ways (Alembic: `pass`).
    #[default]
    Nothing,
    /// The upgrade inserts the revision's id into a table `applied (id)`, the downgrade deletes
    /// it: after any run, `applied` lists what each tool actually ran. The table must exist.
    TraceApplied,
}

/// Write retort revision files into `directory`.
pub fn write_retort(directory: &Path, revisions: &[GeneratedRevision]) -> std::io::Result<()> {
    write_retort_with(directory, revisions, Body::Nothing)
}

/// Write retort revision files into `directory`, each with the given body.
pub fn write_retort_with(
    directory: &Path,
    revisions: &[GeneratedRevision],
    body: Body,
) -> std::io::Result<()> {
    fs_err::create_dir_all(directory)?;
    for revision in revisions {
        let (upgrade, downgrade) = match body {
            Body::Nothing => ("SELECT 1;".to_owned(), "SELECT 1;".to_owned()),
            Body::TraceApplied => (
                format!("INSERT INTO applied (id) VALUES ('{}');", revision.id),
                format!("DELETE FROM applied WHERE id = '{}';", revision.id),
            ),
        };
        let text = format!(
            "-- {message}\n--\n-- Revision ID: {id}\n-- Revises: {parents}\n-- Create Date: 2026-01-01 00:00:00\n-- Branch Labels: {labels}\n-- Depends On: {depends}\n\n-- retort:upgrade\n{upgrade}\n\n-- retort:downgrade\n{downgrade}\n",
            message = revision.message,
            id = revision.id,
            parents = revision.parents.join(", "),
            labels = revision.branch_labels.join(", "),
            depends = revision.depends_on.join(", "),
        );
        fs_err::write(directory.join(format!("{}.sql", file_stem(revision))), text)?;
    }
    Ok(())
}

/// Write Alembic revision files into `directory`.
pub fn write_alembic(directory: &Path, revisions: &[GeneratedRevision]) -> std::io::Result<()> {
    write_alembic_with(directory, revisions, Body::Nothing)
}

/// Write Alembic revision files into `directory`, each with the given body.
pub fn write_alembic_with(
    directory: &Path,
    revisions: &[GeneratedRevision],
    body: Body,
) -> std::io::Result<()> {
    fs_err::create_dir_all(directory)?;
    for revision in revisions {
        let mut text = format!(
            "\"\"\"{message}\n\nRevision ID: {id}\nRevises: {parents}\nCreate Date: 2026-01-01 00:00:00\n\n\"\"\"\n",
            message = revision.message,
            id = revision.id,
            parents = revision.parents.join(", "),
        );
        let _ = writeln!(text, "revision = {}", python_string(&revision.id));
        let _ = writeln!(text, "down_revision = {}", python_tuple(&revision.parents));
        let _ = writeln!(
            text,
            "branch_labels = {}",
            python_tuple(&revision.branch_labels)
        );
        let _ = writeln!(text, "depends_on = {}", python_tuple(&revision.depends_on));
        match body {
            Body::Nothing => {
                text.push_str("\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n");
            }
            Body::TraceApplied => {
                let _ = write!(
                    text,
                    "\nfrom alembic import op\n\n\ndef upgrade():\n    op.execute(\"INSERT INTO applied (id) VALUES ('{id}')\")\n\n\ndef downgrade():\n    op.execute(\"DELETE FROM applied WHERE id = '{id}'\")\n",
                    id = revision.id
                );
            }
        }
        fs_err::write(directory.join(format!("{}.py", file_stem(revision))), text)?;
    }
    Ok(())
}

fn python_string(value: &str) -> String {
    format!("'{value}'")
}

fn python_tuple(values: &[String]) -> String {
    match values {
        [] => "None".to_owned(),
        [one] => python_string(one),
        many => format!(
            "({})",
            many.iter()
                .map(|v| python_string(v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
