//! Properties of the revision graph on random DAGs: heads are exactly the childless revisions,
//! a full walk visits each revision once with parents after children, and relative targets
//! resolve to what a step-by-step walk says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::PathBuf;

use proptest::prelude::*;
use retort_core::revision::graph::RevisionGraph;
use retort_core::revision::script::{RevisionScript, Section};
use retort_core::revision::walk::{Endpoint, WalkOptions};

fn script(id: String, parents: Vec<String>, depends_on: Vec<String>) -> RevisionScript {
    RevisionScript {
        path: PathBuf::from(format!("{id}.sql")),
        long_doc: format!("revision {id}"),
        id,
        down_revisions: parents,
        depends_on,
        branch_labels: Vec::new(),
        create_date: None,
        squashes: Vec::new(),
        upgrade: Section {
            sql: String::new(),
            first_line: 1,
            transactional: true,
            foreign_keys_off: false,
            needs_hand: None,
        },
        downgrade: None,
    }
}

/// A random DAG: revision i may have parents among 0..i and one dependency among 0..i.
fn dag() -> impl Strategy<Value = Vec<RevisionScript>> {
    (1usize..40).prop_flat_map(|count| {
        let parents = proptest::collection::vec(
            proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
            count,
        );
        let dependencies = proptest::collection::vec(
            proptest::option::weighted(0.1, any::<prop::sample::Index>()),
            count,
        );
        (parents, dependencies).prop_map(move |(parents, dependencies)| {
            (0..count)
                .map(|i| {
                    let mut own: Vec<usize> = if i == 0 {
                        Vec::new()
                    } else {
                        parents[i].iter().map(|p| p.index(i)).collect()
                    };
                    own.sort_unstable();
                    own.dedup();
                    let depends: Vec<String> = match (&dependencies[i], i) {
                        (Some(d), i) if i > 0 => {
                            let d = d.index(i);
                            if own.contains(&d) {
                                Vec::new()
                            } else {
                                vec![format!("rev{d:04}")]
                            }
                        }
                        _ => Vec::new(),
                    };
                    script(
                        format!("rev{i:04}"),
                        own.iter().map(|p| format!("rev{p:04}")).collect(),
                        depends,
                    )
                })
                .collect()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn heads_are_exactly_the_childless_revisions(scripts in dag()) {
        let parents: HashSet<String> = scripts.iter().flat_map(|s| s.down_revisions.clone()).collect();
        let graph = RevisionGraph::build(scripts.clone()).unwrap();
        let heads: HashSet<&str> = graph.heads().iter().map(|&h| graph.id(h)).collect();
        let expected: HashSet<&str> = scripts.iter().map(|s| s.id.as_str()).filter(|id| !parents.contains(*id)).collect();
        prop_assert_eq!(heads, expected);
    }

    #[test]
    fn a_full_walk_visits_each_revision_once_children_first(scripts in dag()) {
        let graph = RevisionGraph::build(scripts.clone()).unwrap();
        let order = graph
            .iterate(Endpoint::Identifier("heads"), Endpoint::Identifier("base"), WalkOptions { inclusive: true, ..WalkOptions::default() })
            .unwrap();
        prop_assert_eq!(order.len(), scripts.len());
        let unique: HashSet<usize> = order.iter().copied().collect();
        prop_assert_eq!(unique.len(), scripts.len());
        let position: Vec<usize> = {
            let mut position = vec![0; scripts.len()];
            for (at, &index) in order.iter().enumerate() { position[index] = at; }
            position
        };
        for (index, revision) in graph.revisions() {
            for &parent in revision.down_revisions() {
                prop_assert!(position[parent] > position[index], "parent listed before child");
            }
        }
        // Upgrading from nothing to all heads applies every revision, parents first.
        let upgrade = graph.upgrade_path(&[], "heads").unwrap();
        prop_assert_eq!(upgrade.len(), scripts.len());
        let mut applied = HashSet::new();
        for index in upgrade {
            for &parent in graph.revision(index).down_revisions() {
                prop_assert!(applied.contains(&parent));
            }
            applied.insert(index);
        }
    }

    #[test]
    fn relative_targets_agree_with_a_step_walk(scripts in dag(), steps in 1usize..5) {
        let graph = RevisionGraph::build(scripts).unwrap();
        // From every revision with a unique line downwards, `rev-N` is N single-parent steps.
        for (index, _) in graph.revisions() {
            let mut expected = Some(index);
            for _ in 0..steps {
                expected = match expected {
                    Some(current) => match graph.revision(current).down_revisions() {
                        [only] => Some(*only),
                        _ => None,
                    },
                    None => None,
                };
            }
            let Some(expected) = expected else { continue };
            let identifier = format!("{}-{steps}", graph.id(index));
            let path = graph.downgrade_path(&[index], &identifier);
            // Downgrading to `rev-N` from `rev` removes exactly what lies above `expected`
            // on the way to `rev`.
            if let Ok(path) = path {
                prop_assert!(!path.contains(&expected));
                prop_assert!(path.contains(&index));
            }
        }
    }
}
