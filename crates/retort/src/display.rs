//! Alembic's text formats for revisions (`heads`, `history`, `branches`, `show`, `current`),
//! reproduced line for line so scripts written against Alembic keep working, and the JSON shape
//! that `--json` prints instead.

use retort_core::revision::graph::{RevisionGraph, RevisionIndex};
use serde_json::json;

/// Which decorations a one-line format carries (Alembic's `_head_only` arguments).
#[derive(Debug, Clone, Copy, Default)]
pub struct LineFormat {
    pub include_branches: bool,
    pub include_doc: bool,
    pub include_parents: bool,
    pub tree_indicators: bool,
    /// Mark the revision as applied to the database (`history -i`).
    pub current: bool,
}

/// `<base>` for a root, else the parents joined by `, `.
pub fn format_down_revisions(graph: &RevisionGraph, index: RevisionIndex) -> String {
    let revision = graph.revision(index);
    if revision.down_revisions().is_empty() {
        "<base>".to_owned()
    } else {
        join_ids(graph, revision.down_revisions())
    }
}

fn join_ids(graph: &RevisionGraph, indices: &[RevisionIndex]) -> String {
    indices
        .iter()
        .map(|&i| graph.id(i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line: `parents (deps) -> id (labels) (head) (branchpoint), doc`.
pub fn format_line(graph: &RevisionGraph, index: RevisionIndex, format: LineFormat) -> String {
    let revision = graph.revision(index);
    let script = &revision.script;
    let mut text = revision.id().to_owned();
    if format.include_parents {
        let down = format_down_revisions(graph, index);
        text = if script.depends_on.is_empty() {
            format!("{down} -> {text}")
        } else {
            format!("{down} ({}) -> {text}", script.depends_on.join(", "))
        };
    }
    if format.include_branches {
        let labels = graph.labels_of(index);
        if !labels.is_empty() {
            text.push_str(&format!(" ({})", labels.join(", ")));
        }
    }
    if revision.is_real_head() {
        text.push_str(" (head)");
    }
    if revision.is_head() && !revision.is_real_head() {
        text.push_str(" (effective head)");
    }
    if format.current {
        text.push_str(" (current)");
    }
    if format.tree_indicators {
        if revision.is_branch_point() {
            text.push_str(" (branchpoint)");
        }
        if revision.is_merge_point() {
            text.push_str(" (mergepoint)");
        }
    }
    if format.include_doc {
        text.push_str(", ");
        text.push_str(script.doc());
    }
    text
}

fn labels(graph: &RevisionGraph, index: RevisionIndex) -> String {
    graph.labels_of(index).join(", ")
}

/// The verbose block (`Rev:`, `Parent:`, …, the indented header text), ending with a newline so
/// that printing it leaves a blank line, as Alembic does.
pub fn format_log_entry(
    graph: &RevisionGraph,
    index: RevisionIndex,
    current: bool,
    path: &str,
) -> String {
    let revision = graph.revision(index);
    let script = &revision.script;
    let mut entry = format!(
        "Rev: {}{}{}{}{}\n",
        revision.id(),
        if revision.is_head() { " (head)" } else { "" },
        if revision.is_branch_point() {
            " (branchpoint)"
        } else {
            ""
        },
        if revision.is_merge_point() {
            " (mergepoint)"
        } else {
            ""
        },
        if current { " (current)" } else { "" },
    );
    let down = format_down_revisions(graph, index);
    if revision.is_merge_point() {
        entry.push_str(&format!("Merges: {down}\n"));
    } else {
        entry.push_str(&format!("Parent: {down}\n"));
    }
    if !script.depends_on.is_empty() {
        entry.push_str(&format!(
            "Also depends on: {}\n",
            script.depends_on.join(", ")
        ));
    }
    if revision.is_branch_point() {
        entry.push_str(&format!(
            "Branches into: {}\n",
            join_ids(graph, revision.children())
        ));
    }
    if !graph.labels_of(index).is_empty() {
        entry.push_str(&format!("Branch names: {}\n", labels(graph, index)));
    }
    entry.push_str(&format!("Path: {path}\n"));
    let doc: Vec<String> = script
        .long_doc
        .lines()
        .map(|line| format!("    {line}"))
        .collect();
    entry.push_str(&format!("\n{}\n", doc.join("\n")));
    entry
}

/// The `--json` shape of a list of revisions.
pub fn revisions_json(graph: &RevisionGraph, indices: &[RevisionIndex]) -> serde_json::Value {
    serde_json::Value::Array(
        indices
            .iter()
            .map(|&i| {
                revision_json(
                    graph,
                    i,
                    &graph.revision(i).script.path.display().to_string(),
                )
            })
            .collect(),
    )
}

/// The `--json` shape of one revision (documented in the README).
pub fn revision_json(graph: &RevisionGraph, index: RevisionIndex, path: &str) -> serde_json::Value {
    let revision = graph.revision(index);
    let script = &revision.script;
    json!({
        "revision": revision.id(),
        "down_revisions": revision.down_revisions().iter().map(|&i| graph.id(i)).collect::<Vec<_>>(),
        "depends_on": script.depends_on,
        "branch_labels": graph.labels_of(index),
        "doc": script.doc(),
        "create_date": script.create_date,
        "path": path,
        "is_head": revision.is_real_head(),
        "is_effective_head": revision.is_head() && !revision.is_real_head(),
        "is_branch_point": revision.is_branch_point(),
        "is_merge_point": revision.is_merge_point(),
        "children": revision.children().iter().map(|&i| graph.id(i)).collect::<Vec<_>>(),
        "reversible": script.downgrade.is_some(),
    })
}
