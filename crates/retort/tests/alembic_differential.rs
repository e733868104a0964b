//! Differential test against Alembic itself: on generated graphs with branches, merges, labels,
//! several bases and `depends_on`, `heads`, `branches`, `history` (with ranges) and target
//! resolution (`show`) print what Alembic prints.
//!
//! Alembic comes from PyPI into `.venv-alembic` (`.ci/run` installs it); set `RETORT_ALEMBIC_PYTHON`
//! to use another interpreter. A missing Alembic is a failure, never a skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use retort_test::graph_generator::{
    generate, write_alembic, write_retort, GeneratedRevision, GraphShape,
};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn alembic_python() -> PathBuf {
    if let Ok(path) = std::env::var("RETORT_ALEMBIC_PYTHON") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = workspace.join(".venv-alembic/bin/python");
    assert!(
        python.exists(),
        "Alembic is not installed at {}: run `python3 -m venv .venv-alembic && .venv-alembic/bin/pip install alembic sqlalchemy` (or .ci/run)",
        python.display()
    );
    python
}

struct Outcome {
    stdout: String,
    ok: bool,
}

fn run_alembic(project: &Project, commands: &[Vec<String>]) -> Vec<Outcome> {
    let ini = project.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/alembic_scripts\n",
    );
    let list = project.write("commands.json", &serde_json_list(commands));
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/alembic_driver.py");
    let output = Command::new(alembic_python())
        .arg(driver)
        .arg(list)
        .arg(ini)
        .output()
        .expect("run the Alembic driver");
    assert!(
        output.status.success(),
        "Alembic driver failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("driver JSON");
    results
        .into_iter()
        .map(|r| Outcome {
            stdout: r["stdout"].as_str().unwrap_or_default().to_owned(),
            ok: r["code"].as_i64() == Some(0),
        })
        .collect()
}

fn serde_json_list(commands: &[Vec<String>]) -> String {
    serde_json::to_string(commands).unwrap()
}

/// Alembic prints sets (several branch labels, branch children) in hash order: compare those
/// as sets by sorting the items of each parenthesised list and the lines of `branches`.
fn normalize(command: &[String], text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(sort_parenthesised_lists).collect();
    if command
        .first()
        .is_some_and(|c| c == "branches" || c == "show")
    {
        lines.sort();
    }
    lines.join("\n")
}

fn sort_parenthesised_lists(line: &str) -> String {
    let mut output = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        output.push_str(&rest[..=open]);
        let mut items: Vec<&str> = rest[open + 1..open + close].split(", ").collect();
        items.sort_unstable();
        output.push_str(&items.join(", "));
        output.push(')');
        rest = &rest[open + close + 1..];
    }
    output.push_str(rest);
    for prefix in ["Branch names: ", "Branches into: "] {
        if let Some(list) = output.strip_prefix(prefix) {
            let mut items: Vec<&str> = list.split(", ").collect();
            items.sort_unstable();
            return format!("{prefix}{}", items.join(", "));
        }
    }
    output
}

fn commands_for(revisions: &[GeneratedRevision], seed: usize) -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = vec![
        vec!["heads".into()],
        vec!["heads".into(), "--resolve-dependencies".into()],
        vec!["history".into()],
        vec!["branches".into()],
    ];
    let mut identifiers: Vec<String> =
        vec!["heads".into(), "head".into(), "base".into(), "-1".into()];
    for revision in revisions.iter().step_by(7) {
        identifiers.push(revision.id[..5].to_owned());
        identifiers.push(revision.id.clone());
    }
    for revision in revisions {
        for label in &revision.branch_labels {
            for form in ["{l}@head", "{l}@heads", "{l}@base", "{l}", "{l}@-1"] {
                identifiers.push(form.replace("{l}", label));
            }
        }
    }
    for identifier in &identifiers {
        commands.push(vec!["show".into(), identifier.clone()]);
    }
    // Ranges: from a revision, to a revision, between pairs, and relative upper bounds.
    let pick = |k: usize| &revisions[(seed * 31 + k * 17) % revisions.len()].id;
    for k in 0..6 {
        commands.push(vec!["history".into(), "-r".into(), format!("{}:", pick(k))]);
        commands.push(vec![
            "history".into(),
            "-r".into(),
            format!(":{}", pick(k + 50)),
        ]);
        commands.push(vec![
            "history".into(),
            "-r".into(),
            format!("{}:{}", pick(k), pick(k + 3)),
        ]);
        commands.push(vec![
            "history".into(),
            "-r".into(),
            format!("base:{}+2", pick(k + 7)),
        ]);
    }
    for revision in revisions {
        for label in &revision.branch_labels {
            commands.push(vec![
                "history".into(),
                "-r".into(),
                format!("{label}@base:{label}@head"),
            ]);
            commands.push(vec![
                "history".into(),
                "-r".into(),
                format!("base:{label}@head"),
            ]);
        }
    }
    commands
}

#[test]
fn graph_commands_match_alembic() {
    let shapes = [
        (1usize, GraphShape::default()),
        (
            2,
            GraphShape {
                revisions: 60,
                bases: 3,
                ..GraphShape::default()
            },
        ),
        (
            3,
            GraphShape {
                revisions: 30,
                bases: 1,
                merge_probability: 0.25,
                branch_probability: 0.25,
                ..GraphShape::default()
            },
        ),
        (
            4,
            GraphShape {
                revisions: 50,
                bases: 2,
                depends_probability: 0.2,
                label_probability: 0.8,
                ..GraphShape::default()
            },
        ),
        (
            5,
            GraphShape {
                revisions: 25,
                bases: 2,
                branch_probability: 0.3,
                merge_probability: 0.3,
                depends_probability: 0.15,
                ..GraphShape::default()
            },
        ),
    ];
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for (seed, shape) in shapes {
        let revisions = generate(seed as u64, shape);
        let project = Project::init(RETORT);
        write_retort(&project.versions(), &revisions).unwrap();
        write_alembic(&project.path("alembic_scripts/versions"), &revisions).unwrap();
        let commands = commands_for(&revisions, seed);
        let alembic = run_alembic(&project, &commands);
        for (command, expected) in commands.iter().zip(alembic) {
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            let actual = project.run(&args);
            compared += 1;
            let ok = actual.code == 0;
            if ok != expected.ok {
                mismatches.push(format!(
                    "seed {seed} `{}`: alembic {}, retort exit {}\n  alembic: {}\n  retort: {}{}",
                    command.join(" "),
                    if expected.ok { "succeeded" } else { "failed" },
                    actual.code,
                    expected.stdout.trim(),
                    actual.stdout.trim(),
                    actual.stderr.trim()
                ));
                continue;
            }
            if ok {
                let strip_paths = |text: &str| -> String {
                    text.lines()
                        .filter(|l| !l.starts_with("Path: "))
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                let expected_text = normalize(command, &strip_paths(&expected.stdout));
                let actual_text = normalize(command, &strip_paths(&actual.stdout));
                let expected_text = if command[0] == "show" {
                    only_rev_lines(&expected_text)
                } else {
                    expected_text
                };
                let actual_text = if command[0] == "show" {
                    only_rev_lines(&actual_text)
                } else {
                    actual_text
                };
                if expected_text != actual_text {
                    mismatches.push(format!(
                        "seed {seed} `{}`:\n--- alembic\n{expected_text}\n--- retort\n{actual_text}",
                        command.join(" ")
                    ));
                }
            }
        }
    }
    assert!(compared > 100);
    assert!(
        mismatches.is_empty(),
        "{} of {compared} commands differ from Alembic:\n{}",
        mismatches.len(),
        mismatches.join("\n\n")
    );
}

/// `show` prints the header text too, whose layout differs between Python and SQL files:
/// compare the `Rev:`, `Parent:`/`Merges:`, `Also depends on:`, `Branches into:` and `Branch
/// names:` lines.
fn only_rev_lines(text: &str) -> String {
    text.lines()
        .filter(|l| {
            [
                "Rev: ",
                "Parent: ",
                "Merges: ",
                "Also depends on: ",
                "Branch names: ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
