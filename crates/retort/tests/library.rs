//! Retort as a library: migrating at application start.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

#[test]
fn an_application_migrates_at_start_from_several_threads() {
    let project = Project::init(RETORT);
    project.write(
        "migrations/versions/a.sql",
        "-- users\n-- Revision ID: a1\n-- retort:upgrade\nCREATE TABLE users (id integer);\n-- retort:downgrade\nDROP TABLE users;\n",
    );
    project.write(
        "migrations/versions/b.sql",
        "-- email\n-- Revision ID: b1\n-- Revises: a1\n-- retort:upgrade\nALTER TABLE users ADD COLUMN email text;\n",
    );
    let url = format!("sqlite:///{}", project.path("app.db").display());
    let versions = project.versions();
    let results: Vec<_> = (0..4)
        .map(|_| {
            let (url, versions) = (url.clone(), versions.clone());
            std::thread::spawn(move || {
                let migrations = retort::Migrations::from_directory(versions).unwrap();
                migrations.upgrade(&url, "head").unwrap()
            })
        })
        .map(|handle| handle.join().unwrap())
        .collect();
    // Exactly one of them applied the two revisions; all end at the head.
    assert_eq!(results.iter().map(|r| r.steps.len()).sum::<usize>(), 2);
    assert!(results.iter().all(|r| r.heads == ["b1"]));
    let error = retort::Migrations::from_directory(project.versions())
        .unwrap()
        .downgrade(&url, "base")
        .unwrap_err();
    assert!(
        error.to_string().contains("has no downgrade section"),
        "{error}"
    );
}

/// The library reads `retort.toml` like the CLI: `check` plans against the declared schema,
/// `autogenerate` writes the revision `retort revision --autogenerate` would.
#[test]
fn the_library_checks_and_autogenerates_from_retort_toml() {
    let project = Project::init(RETORT);
    project.write(
        "schema/schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    let url = format!("sqlite:///{}", project.path("app.db").display());
    let config = project.path("retort.toml");
    let migrations = retort::Migrations::from_config(&config, None).unwrap();
    let plan = migrations.check(&url).unwrap();
    assert_eq!(
        plan.changes
            .iter()
            .map(retort::retort_core::diff::operation::Operation::summary)
            .collect::<Vec<_>>(),
        ["create table users"]
    );
    let path = migrations
        .autogenerate(&url, "create users")
        .unwrap()
        .unwrap();
    assert!(fs_err::read_to_string(&path)
        .unwrap()
        .contains("CREATE TABLE \"users\""));
    // A new revision is a new graph: load again, then migrate.
    let migrations = retort::Migrations::from_config(&config, None).unwrap();
    migrations.upgrade(&url, "head").unwrap();
    assert!(migrations.check(&url).unwrap().is_empty());
    assert!(migrations.autogenerate(&url, "nothing").unwrap().is_none());
    // From a directory alone there is no declared schema to compare with.
    let error = retort::Migrations::from_directory(project.versions())
        .unwrap()
        .check(&url)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("check needs the project's retort.toml: load the migrations with `Migrations::from_config`")
    );
}
