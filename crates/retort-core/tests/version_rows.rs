//! The planner's version-table changes on small graphs, without a database: the rows Alembic
//! leaves (each case was run with Alembic 1.20.1; `alembic_differential` checks the same
//! shapes against Alembic itself on every run), and the order it changes them in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use retort_core::revision::error::RevisionError;
use retort_core::revision::graph::{RevisionGraph, RevisionIndex};
use retort_core::revision::script::{RevisionScript, Section};
use retort_core::runner::plan::{plan_downgrade, plan_stamp, plan_upgrade, RowChange};

fn section() -> Section {
    Section {
        sql: String::new(),
        first_line: 1,
        transactional: true,
        foreign_keys_off: false,
        needs_hand: None,
    }
}

fn graph(revisions: &[(&str, &[&str], &[&str])]) -> RevisionGraph {
    RevisionGraph::build(
        revisions
            .iter()
            .map(|(id, parents, depends_on)| RevisionScript {
                path: PathBuf::from(format!("{id}.sql")),
                long_doc: format!("revision {id}"),
                id: (*id).to_owned(),
                down_revisions: parents.iter().map(|&p| p.to_owned()).collect(),
                depends_on: depends_on.iter().map(|&d| d.to_owned()).collect(),
                branch_labels: Vec::new(),
                create_date: None,
                squashes: Vec::new(),
                upgrade: section(),
                downgrade: Some(section()),
            })
            .collect(),
    )
    .unwrap()
}

fn indices(graph: &RevisionGraph, ids: &[&str]) -> Vec<RevisionIndex> {
    ids.iter().map(|id| graph.index_of(id).unwrap()).collect()
}

fn change(delete: &[&str], insert: &[&str]) -> RowChange {
    RowChange {
        delete: delete.iter().map(|&d| d.to_owned()).collect(),
        insert: insert.iter().map(|&i| i.to_owned()).collect(),
    }
}

#[test]
fn stamp_relative_target_is_refused_once_the_table_has_rows() {
    let graph = graph(&[("a1", &[], &[]), ("a2", &["a1"], &[]), ("a3", &["a2"], &[])]);
    let from_nothing = plan_stamp(&graph, &[], &["-1".to_owned()], false).unwrap();
    assert_eq!(from_nothing, [change(&[], &["a2"])]);
    for target in ["-1", "a2+1", "+1"] {
        let error = plan_stamp(
            &graph,
            &indices(&graph, &["a2"]),
            &[target.to_owned()],
            false,
        );
        assert!(
            matches!(error, Err(RevisionError::RelativeStampTarget { ref argument, .. }) if target.ends_with(argument.as_str())),
            "{target}: {error:?}"
        );
    }
}

#[test]
fn stamp_moves_a_row_in_place() {
    let graph = graph(&[
        ("e1", &[], &[]),
        ("e2", &["e1"], &[]),
        ("f1", &[], &[]),
        ("f2", &["f1"], &[]),
    ]);
    let current = indices(&graph, &["e2", "f2"]);
    let changes = plan_stamp(&graph, &current, &["e1".to_owned()], false).unwrap();
    // One change: e2's row updated to e1 (an update keeps the row's place in the table).
    assert_eq!(changes, [change(&["e2"], &["e1"])]);
}

#[test]
fn stamp_keeps_a_row_per_target_even_below_another_target() {
    let graph = graph(&[
        ("r0", &[], &[]),
        ("x", &["r0"], &[]),
        ("h1", &["x"], &[]),
        ("y", &["x"], &[]),
        ("h2", &["y"], &[]),
    ]);
    let changes = plan_stamp(&graph, &[], &["-1".to_owned()], false).unwrap();
    assert_eq!(changes, [change(&[], &["x"]), change(&[], &["y"])]);
}

#[test]
fn downgrade_restores_a_dependency_beside_its_descendant_when_other_rows_remain() {
    let graph = graph(&[
        ("p", &[], &[]),
        ("q", &["p"], &[]),
        ("r", &["q"], &["p"]),
        ("u", &[], &[]),
    ]);
    let steps = plan_downgrade(&graph, &indices(&graph, &["r", "u"]), "q").unwrap();
    assert_eq!(steps.len(), 1);
    // An unmerge: q inserted, r's row updated to p.
    assert_eq!(steps[0].delete, ["r"]);
    assert_eq!(steps[0].insert, ["q", "p"]);
    // Alone, r goes back to q only (p is below q).
    let steps = plan_downgrade(&graph, &indices(&graph, &["r"]), "q").unwrap();
    assert_eq!(steps[0].insert, ["q"]);
}

#[test]
fn merge_updates_the_last_parent_and_deletes_the_others() {
    let graph = graph(&[
        ("b1", &[], &[]),
        ("b2", &[], &[]),
        ("m", &["b1", "b2"], &[]),
    ]);
    let steps = plan_upgrade(&graph, &indices(&graph, &["b1", "b2"]), "m").unwrap();
    assert_eq!(steps[0].delete, ["b2", "b1"]);
    assert_eq!(steps[0].insert, ["m"]);
}

#[test]
fn merge_depending_on_a_revision_without_a_row_upgrades_where_alembic_crashes() {
    let graph = graph(&[
        ("s", &[], &[]),
        ("x", &["s"], &[]),
        ("y", &["s"], &[]),
        ("m", &["x", "y"], &["s"]),
    ]);
    let steps = plan_upgrade(&graph, &indices(&graph, &["x", "y"]), "m").unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].delete, ["x", "y"]);
    assert_eq!(steps[0].insert, ["m"]);
}
