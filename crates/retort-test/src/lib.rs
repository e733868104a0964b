//! Test support shared by retort's crates: temporary projects, running the binary, snapshot
// Test support: failing loudly is the point.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
//! filters, and generated revision graphs (also used by `bench/`).

pub mod database;
pub mod declared_corpus;
pub mod graph_generator;
pub mod project;
pub mod round_trip;
pub mod rows;
pub mod schema_generator;

pub use project::{CommandOutput, Project};

/// insta settings that replace what changes from run to run (temporary paths, dates,
/// durations) with stable placeholders.
pub fn snapshot_settings(project: &Project) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    let root = project.root().display().to_string();
    settings.add_filter(&regex_escape(&root), "[PROJECT]");
    if let Ok(canonical) = fs_err::canonicalize(project.root()) {
        settings.add_filter(&regex_escape(&canonical.display().to_string()), "[PROJECT]");
    }
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?",
        "[DATE]",
    );
    settings.add_filter(r"\b\d+(\.\d+)? ?(ms|s)\b", "[DURATION]");
    settings.add_filter(r"\d{4}_\d{2}_\d{2}_\d{6}-", "[STAMP]-");
    settings.add_filter(r"retort_test_\d+_\d+_\d+", "[DATABASE]");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
