//! Write a generated revision graph for benchmarks:
//! `retort-gen-graph SEED COUNT RETORT_VERSIONS_DIR [ALEMBIC_VERSIONS_DIR]`.

use std::path::PathBuf;

use retort_test::graph_generator::{generate, write_alembic, write_retort, GraphShape};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(seed), Some(count), Some(retort_dir)) = (args.first(), args.get(1), args.get(2))
    else {
        eprintln!("usage: retort-gen-graph SEED COUNT RETORT_VERSIONS_DIR [ALEMBIC_VERSIONS_DIR]");
        std::process::exit(2);
    };
    let shape = GraphShape {
        revisions: count.parse().unwrap_or(5000),
        bases: 3,
        branch_probability: 0.08,
        merge_probability: 0.08,
        label_probability: 0.3,
        depends_probability: 0.03,
    };
    let revisions = generate(seed.parse().unwrap_or(1), shape);
    write_retort(&PathBuf::from(retort_dir), &revisions)?;
    if let Some(alembic_dir) = args.get(3) {
        write_alembic(&PathBuf::from(alembic_dir), &revisions)?;
    }
    Ok(())
}
