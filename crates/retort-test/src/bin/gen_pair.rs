//! Write one random schema pair as a diff fixture, to reproduce a failing pair of
//! `random_schema_pairs_round_trip` by hand:
//! `retort-gen-pair postgres|mariadb|sqlite PAIR DIRECTORY` writes `DIRECTORY/{from,to}.sql`.

use std::path::PathBuf;

use retort_test::schema_generator::{related_pair, Flavor};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flavor = match args.first().map(String::as_str) {
        Some("postgres") => Some(Flavor::Postgres),
        Some("mariadb") => Some(Flavor::MariaDb),
        Some("sqlite") => Some(Flavor::Sqlite),
        _ => None,
    };
    let (Some(flavor), Some(Ok(pair)), Some(directory)) =
        (flavor, args.get(1).map(|n| n.parse::<u64>()), args.get(2))
    else {
        eprintln!("usage: retort-gen-pair postgres|mariadb|sqlite PAIR DIRECTORY");
        std::process::exit(2);
    };
    let directory = PathBuf::from(directory);
    fs_err::create_dir_all(&directory)?;
    let (from, to) = related_pair(flavor, pair);
    fs_err::write(directory.join("from.sql"), from)?;
    fs_err::write(directory.join("to.sql"), to)?;
    Ok(())
}
