//! Autogenerate on a real MariaDB: the fixture round trips of
//! `tests/fixtures/diff/mariadb/<case>` (see `retort_test::round_trip`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use retort_test::database::Server;
use retort_test::round_trip::{round_trip_all, Backend};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

#[test]
fn every_fixture_round_trips() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff/mariadb");
    let (count, failures) =
        round_trip_all(RETORT, &directory, || Backend::for_server(Server::MariaDb));
    assert!(count >= 12, "the corpus has {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
