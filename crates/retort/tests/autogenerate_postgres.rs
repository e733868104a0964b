//! Autogenerate round trips on a real PostgreSQL, one per fixture in `tests/fixtures/diff/<case>`
//! (`from.sql`, `to.sql`, optionally `rows.sql` inserted after `from` and `rows.check`, a query
//! whose answer must survive the upgrade):
//! apply `from` → insert rows → declare `to` → `check` exits 1 → autogenerate → upgrade →
//! `check` exits 0 (the catalog equals `to` loaded directly) → the rows survive →
//! `downgrade -1` → (the new revision set aside) `check` against `from` exits 0.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use retort_test::database::{Server, TestDatabase};
use retort_test::{snapshot_settings, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff");
    let mut cases: Vec<PathBuf> = fs_err::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    cases
}

fn round_trip(case: &Path) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let read = |file: &str| fs_err::read_to_string(case.join(file)).ok();
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    let step = |args: &[&str], expected: i32| -> Result<String, String> {
        let output = project.run(args);
        if output.code == expected {
            Ok(output.stdout)
        } else {
            Err(format!(
                "{name}: `retort {}` exited {} (expected {expected}):\n{output}",
                args.join(" "),
                output.code
            ))
        }
    };
    project.write("schema/schema.sql", &read("from.sql").unwrap_or_default());
    step(
        &[
            "revision",
            "--autogenerate",
            "-m",
            "from",
            "--rev-id",
            "from0001",
        ],
        0,
    )?;
    step(&["upgrade", "head"], 0)?;
    if let Some(rows) = read("rows.sql") {
        database.query(&rows);
    }
    let before = read("rows.check").map(|query| database.query(&query));

    project.write("schema/schema.sql", &read("to.sql").unwrap_or_default());
    step(&["check"], 1)?;
    step(
        &[
            "revision",
            "--autogenerate",
            "-m",
            "to",
            "--rev-id",
            "to000001",
        ],
        0,
    )?;
    step(&["upgrade", "head"], 0)?;
    step(&["check"], 0)?;
    if let (Some(query), Some(before)) = (read("rows.check"), before) {
        let after = database.query(&query);
        if after != before {
            return Err(format!(
                "{name}: rows changed: {before} before, {after} after"
            ));
        }
    }
    step(&["downgrade", "-1"], 0)?;
    // Back at `from`: without the new revision, the database is at head again.
    fs_err::remove_file(project.path("migrations/versions/to000001_to.sql"))
        .map_err(|e| e.to_string())?;
    project.write("schema/schema.sql", &read("from.sql").unwrap_or_default());
    step(&["check"], 0).map_err(|e| format!("{e}\n(downgrade did not give back `from`)"))?;
    Ok(())
}

#[test]
fn every_fixture_round_trips() {
    let cases = fixtures();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|case| round_trip(case).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn generated_file_marks_destructive_operations() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write("schema/schema.sql", "CREATE TABLE users (id bigint PRIMARY KEY, legacy text, n bigint);\nCREATE TABLE old (id int);\n");
    assert_eq!(
        project
            .run(&[
                "revision",
                "--autogenerate",
                "-m",
                "one",
                "--rev-id",
                "aaaa0001"
            ])
            .code,
        0
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    project.write(
        "schema/schema.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, n integer);\n",
    );
    let output = project.run(&[
        "revision",
        "--autogenerate",
        "-m",
        "two",
        "--rev-id",
        "aaaa0002",
    ]);
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        insta::assert_snapshot!("autogenerate_destructive_output", output);
        insta::assert_snapshot!(
            "autogenerate_destructive_file",
            project.read("migrations/versions/aaaa0002_two.sql")
        );
        assert_eq!(project.run(&["upgrade", "head"]).code, 0);
        project.write("schema/schema.sql", "CREATE TABLE users (id bigint PRIMARY KEY, n integer, email text);\n");
        insta::assert_snapshot!("autogenerate_check_json", project.run(&["--json", "check"]));
    });
}

#[test]
fn autogenerate_refuses_a_database_behind_head_and_bad_schema_files() {
    let database = TestDatabase::create(Server::Postgres);
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    project.write("schema/schema.sql", "CREATE TABLE t (id int);\n");
    assert_eq!(
        project
            .run(&[
                "revision",
                "--autogenerate",
                "-m",
                "one",
                "--rev-id",
                "aaaa0001"
            ])
            .code,
        0
    );
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("Target database is not up to date."),
        "{output}"
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    // Nothing changed: no file unless asked.
    let output = project.run(&["revision", "--autogenerate", "-m", "none"]);
    assert_eq!(output.code, 0);
    assert!(
        output.stderr.contains("No changes in schema detected"),
        "{output}"
    );
    assert_eq!(fs_err::read_dir(project.versions()).unwrap().count(), 1);
    assert_eq!(
        project
            .run(&["revision", "--autogenerate", "--allow-empty", "-m", "none"])
            .code,
        0
    );
    assert_eq!(fs_err::read_dir(project.versions()).unwrap().count(), 2);
    // A schema file that does not run names the file and line.
    project.write(
        "schema/schema.sql",
        "CREATE TABLE t (id int);\n\nCREATE TABLE u (id nosuchtype);\n",
    );
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("schema/schema.sql:3: type \"nosuchtype\" does not exist"),
        "{output}"
    );
    // A table declared twice.
    project.write("schema/more.sql", "CREATE TABLE t (id int);\n");
    project.write("schema/schema.sql", "CREATE TABLE t (id int);\n");
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("relation \"t\" already exists"),
        "{output}"
    );
}
