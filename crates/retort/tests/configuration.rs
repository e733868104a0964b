//! Configuration that never guesses (issue 9, finding 5): empty variables, the SQLite
//! fallback, a missing script_location, `.env` expansion and `env_file`.

use retort_test::project::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn notes(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("note:")).collect()
}

/// Finding 5: `${DATABASE_URL:-sqlite:///app.db}` with DATABASE_URL empty (docker compose
/// passes unset variables as empty) migrated a local SQLite file without a word.
#[test]
fn empty_database_url_falls_back_to_sqlite_with_one_note() {
    let mut project = Project::init(RETORT);
    project.write_revision("aaaa1111", &[], "one");
    project.set_env("DATABASE_URL", "");
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        notes(&output.stderr),
        ["note: DATABASE_URL is empty; using sqlite:///app.db (the default in retort.toml)"],
        "{output}"
    );
    // `-q` does not hide it, and `current -v` (which shows the URL twice) says it once.
    let output = project.run(&["-q", "current", "-v"]);
    assert_eq!(notes(&output.stderr).len(), 1, "{output}");
}

#[test]
fn unset_database_url_falls_back_to_sqlite_with_one_note() {
    let project = Project::init(RETORT);
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        notes(&output.stderr),
        ["note: DATABASE_URL is not set; using sqlite:///app.db (the default in retort.toml)"],
        "{output}"
    );
    // With a URL there is nothing to note.
    let output = project.run(&["--url", "sqlite:///other.db", "upgrade", "head"]);
    assert!(notes(&output.stderr).is_empty(), "{output}");
}

/// Finding 5: an empty variable was taken as a value.
#[test]
fn empty_variable_is_an_error_naming_it() {
    let mut project = Project::init(RETORT);
    project.write("retort.toml", "database_url = \"${APP_DB}\"\n");
    project.set_env("APP_DB", "");
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output
            .stderr
            .contains("environment variable APP_DB is empty (used by `database_url`)"),
        "{output}"
    );
    assert!(
        output.stderr.contains("hint: give APP_DB a value"),
        "{output}"
    );
    // `${VAR-default}` falls back only when VAR is unset: empty is still an error.
    project.write(
        "retort.toml",
        "database_url = \"${APP_DB-sqlite:///x.db}\"\n",
    );
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(output.stderr.contains("APP_DB is empty"), "{output}");
}

/// Finding 5: a misspelled script_location silently applied nothing and exited 0.
#[test]
fn missing_script_location_is_an_error() {
    let project = Project::init(RETORT);
    project.write(
        "retort.toml",
        "script_location = \"migration\"\ndatabase_url = \"sqlite:///app.db\"\n",
    );
    for args in [&["upgrade", "head"][..], &["heads"], &["current"]] {
        let output = project.run(args);
        assert_eq!(output.code, 2, "{args:?}: {output}");
        assert!(
            output.stderr.contains("script_location")
                && output.stderr.contains("migration is not a directory"),
            "{output}"
        );
        assert!(
            output.stderr.contains("hint: fix script_location"),
            "{output}"
        );
    }
    assert!(!project.path("app.db").exists());
    // `init` makes it.
    let fresh = Project::empty(RETORT);
    assert_eq!(fresh.run(&["init"]).code, 0);
}

/// Finding 5: `${VAR}` inside `.env` was not expanded (python-dotenv and docker compose do).
#[test]
fn dotenv_values_expand_variables() {
    let mut project = Project::init(RETORT);
    project.write_revision("aaaa1111", &[], "one");
    project.write(
        ".env",
        "DB_DIR=data\nDATABASE_URL=sqlite:///${DB_DIR}/${DB_NAME:-app}.db\n",
    );
    fs_err::create_dir(project.path("data")).unwrap();
    project.set_env("DB_NAME", "from_process");
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(project.path("data/from_process.db").exists(), "{output}");
    assert!(notes(&output.stderr).is_empty(), "{output}");
}

/// Finding 5: a `.env` elsewhere than beside retort.toml (`backend/.env` in the seed
/// projects) could not be named.
#[test]
fn env_file_names_other_dotenv_files() {
    let mut project = Project::init(RETORT);
    project.write_revision("aaaa1111", &[], "one");
    project.write(
        "retort.toml",
        "env_file = [\"backend/.env\"]\ndatabase_url = \"${DATABASE_URL}\"\n",
    );
    project.write("backend/.env", "DATABASE_URL=sqlite:///backend.db\n");
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(project.path("backend.db").exists(), "{output}");
    // The process environment still wins.
    project.set_env("DATABASE_URL", "sqlite:///process.db");
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(project.path("process.db").exists(), "{output}");
}

/// Finding 5: an unreadable `.env` was skipped without a word. A named `env_file` must exist.
#[test]
fn unreadable_env_file_is_an_error() {
    let project = Project::init(RETORT);
    project.write("retort.toml", "env_file = [\"backend/.env\"]\n");
    let output = project.run(&["heads"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(output.stderr.contains("backend/.env"), "{output}");
    fs_err::create_dir_all(project.path("backend/.env")).unwrap();
    let output = project.run(&["heads"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(output.stderr.contains("backend/.env"), "{output}");
}

/// An empty value that a `.env` line produced from an unset variable names both.
#[test]
fn empty_value_from_dotenv_names_its_line() {
    let project = Project::init(RETORT);
    project.write("retort.toml", "database_url = \"${DATABASE_URL}\"\n");
    project.write(".env", "DATABASE_URL=${PRIMARY_URL}\n");
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("DATABASE_URL is empty")
            && output
                .stderr
                .contains(".env:1, which refers to ${PRIMARY_URL} (not set)"),
        "{output}"
    );
}
