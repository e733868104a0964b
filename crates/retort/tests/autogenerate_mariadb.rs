//! Autogenerate on a real MariaDB: the fixture round trips of
//! `tests/fixtures/diff/mariadb/<case>` (see `retort_test::round_trip`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use retort_test::database::Server;
use retort_test::round_trip::{round_trip_all, Backend};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

/// Every case round-trips, and what it generates is pinned: one snapshot per case
/// (`snapshots/autogenerate_mariadb__generated@<case>.snap`), so every change to the SQL users run
/// is a reviewed diff.
#[test]
fn every_fixture_round_trips() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff/mariadb");
    let trips = round_trip_all(RETORT, &directory, || Backend::for_server(Server::MariaDb));
    assert!(
        trips.count >= 12 || std::env::var("RETORT_FIXTURE").is_ok(),
        "the corpus has {} cases",
        trips.count
    );
    trips.assert_passed();
    insta::glob!("fixtures/diff/mariadb/*/to.sql", |path| {
        let case = path
            .parent()
            .and_then(Path::file_name)
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(generated) = trips.generated.get(&case) {
            insta::assert_snapshot!("generated", generated);
        }
    });
}

/// The test server's: MariaDB 10.10 and later make TIMESTAMP columns explicit.
const RULES: retort_mysql::declared::ServerRules = retort_mysql::declared::ServerRules {
    explicit_defaults_for_timestamp: true,
};

/// What MariaDB reports after running `sql` on a fresh database.
fn load_and_introspect(sql: &str) -> retort_core::schema::Schema {
    use retort_core::introspect::{Introspect, IntrospectFilter};
    use retort_mysql::MysqlConnection;
    use retort_test::database::TestDatabase;

    let database = TestDatabase::create(Server::MariaDb);
    database.run_script(sql).unwrap();
    let mut connection = MysqlConnection::connect(&database.url()).unwrap();
    connection.introspect(&IntrospectFilter::default()).unwrap()
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// parse(S) == introspect(load(S)): what the parser makes of a file is exactly what MariaDB
/// reports after running it.
#[test]
fn the_declared_schema_parser_matches_the_catalog() {
    let accepted = retort_test::declared_corpus::assert_parser_matches_catalog(
        &fixtures(),
        "mariadb",
        |path, sql| retort_mysql::declared::parse(&[(path.to_path_buf(), sql.to_owned())], RULES),
        load_and_introspect,
    );
    assert!(accepted >= 39, "the parser accepted only {accepted} files");
}

/// Autogenerate between random schemas (each pair: one seed's schema to another's, then back
/// by downgrade), on top of the hand-written cases.
#[test]
fn random_schema_pairs_round_trip() {
    retort_test::round_trip::assert_random_pairs_round_trip(
        RETORT,
        retort_test::schema_generator::Flavor::MariaDb,
        20,
        || Backend::for_server(Server::MariaDb),
    );
}

/// parse(S) == introspect(load(S)) on random schemas of every construct the parser claims.
#[test]
fn the_declared_schema_parser_matches_the_catalog_on_random_schemas() {
    retort_test::declared_corpus::assert_parser_matches_catalog_on_random_schemas(
        retort_test::schema_generator::Flavor::MariaDb,
        40,
        |path, sql| retort_mysql::declared::parse(&[(path.to_path_buf(), sql.to_owned())], RULES),
        load_and_introspect,
    );
}

/// What the parser does not take, or what MariaDB would refuse, is declined (and then goes
/// through the scratch database, which models it or names the error).
#[test]
fn the_declared_schema_parser_declines_what_it_does_not_know() {
    retort_test::declared_corpus::assert_parser_declines(&fixtures(), "mariadb", |path, sql| {
        retort_mysql::declared::parse(&[(path.to_path_buf(), sql.to_owned())], RULES)
    });
}

/// A schema file MariaDB refuses is named with its line and, from the text the server quotes,
/// the column.
#[test]
fn a_broken_schema_file_names_its_line_and_column_and_a_table_declared_twice_is_refused() {
    use retort_test::database::TestDatabase;
    use retort_test::Project;

    let database = TestDatabase::create(Server::MariaDb);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write(
        "schema/schema.sql",
        "-- the tables\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE t (\n  id int,\n  name varchar(10) DEFAULT,\n  x int\n);\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:5:27: You have an error in your SQL syntax"),
        "{output}"
    );
    project.write(
        "schema/schema.sql",
        "CREATE TABLE t (\n  id int,\n  x nosuchtype\n);\n",
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:3:5: Unknown data type: 'nosuchtype'"),
        "{output}"
    );
    // A table declared twice, in two files.
    project.write("schema/more.sql", "CREATE TABLE t (id int);\n");
    project.write("schema/schema.sql", "\nCREATE TABLE t (id int);\n");
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:2:14: Table 't' already exists (1050)"),
        "{output}"
    );
}
