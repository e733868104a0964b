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

/// The declared files the MariaDB parser must take: the round-trip fixtures' (where it takes
/// them) and `tests/fixtures/declared/mariadb/accepted`, which covers every construct it knows.
fn declared_corpus() -> Vec<std::path::PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<std::path::PathBuf> =
        retort_test::round_trip::cases(&fixtures.join("diff/mariadb"))
            .into_iter()
            .flat_map(|case| [case.join("from.sql"), case.join("to.sql")])
            .collect();
    files.extend(sql_files(&fixtures.join("declared/mariadb/accepted")));
    files
}

fn sql_files(directory: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs_err::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// parse(S) == introspect(load(S)): what the parser makes of a file is exactly what MariaDB
/// reports after running it.
#[test]
fn the_declared_schema_parser_matches_the_catalog() {
    use retort_core::runner::connection::{Connection, IntrospectFilter};
    use retort_mysql::MysqlConnection;
    use retort_test::database::TestDatabase;

    let mut accepted = Vec::new();
    let mut mismatches = Vec::new();
    for file in declared_corpus() {
        let sql = fs_err::read_to_string(&file).unwrap();
        let parsed = match retort_mysql::declared::parse(&[(file.clone(), sql.clone())]) {
            Ok(parsed) => parsed,
            Err(declined) => {
                let must_accept = file.starts_with(
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/declared"),
                );
                if must_accept {
                    mismatches.push(format!("{} was declined: {declined}", file.display()));
                }
                eprintln!("parser declines {}: {declined}", file.display());
                continue;
            }
        };
        accepted.push(file.clone());
        let database = TestDatabase::create(Server::MariaDb);
        database.run_script(&sql).unwrap();
        let mut connection = MysqlConnection::connect(&database.url()).unwrap();
        let loaded = connection.introspect(&IntrospectFilter::default()).unwrap();
        if parsed != loaded {
            mismatches.push(difference(&file, &parsed, &loaded));
        }
    }
    assert!(
        accepted.len() >= 30,
        "the parser accepted only {accepted:?}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        accepted.len(),
        mismatches.join("\n")
    );
}

/// The tables whose parsed and loaded forms differ, side by side.
fn difference(
    file: &Path,
    parsed: &retort_core::schema::Schema,
    loaded: &retort_core::schema::Schema,
) -> String {
    let mut text = format!("{}:", file.display());
    let names: std::collections::BTreeSet<_> =
        parsed.tables.keys().chain(loaded.tables.keys()).collect();
    for name in names {
        let (p, l) = (parsed.tables.get(name), loaded.tables.get(name));
        if p != l {
            text.push_str(&format!("\n  parsed: {p:#?}\n  loaded: {l:#?}"));
        }
    }
    text
}

/// What the parser does not take, or what MariaDB would refuse, is declined (and then goes
/// through the scratch database, which models it or names the error).
#[test]
fn the_declared_schema_parser_declines_what_it_does_not_know() {
    let directory =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/declared/mariadb/declined");
    for file in sql_files(&directory) {
        let sql = fs_err::read_to_string(&file).unwrap();
        let result = retort_mysql::declared::parse(&[(file.clone(), sql)]);
        assert!(
            result.is_err(),
            "{} should be declined, parsed as {result:?}",
            file.display()
        );
    }
}

/// A schema file MariaDB refuses is named with its line and, from the text the server quotes,
/// the column.
#[test]
fn a_broken_schema_file_names_its_line_and_column() {
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
}
