//! `retort fleet` on MariaDB: fifty tenant databases chosen by a query on a control database
//! (a schema is a database there), one broken, and a run that resumes. Issue 12.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::database::{Server, TestDatabase};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

/// `count` tenant databases named after the control database, dropped with it.
struct Tenants {
    control: TestDatabase,
    names: Vec<String>,
}

impl Tenants {
    fn create(count: usize) -> Self {
        let control = TestDatabase::create(Server::MariaDb);
        let names: Vec<String> = (1..=count)
            .map(|n| format!("{}_t{n:03}", control.name))
            .collect();
        let statements: Vec<String> = names
            .iter()
            .map(|name| format!("CREATE DATABASE {name};"))
            .collect();
        control.query(&statements.join(" "));
        Self { control, names }
    }

    /// Per tenant: its version row (`-` when it has none) and its log rows.
    fn states(&self) -> Vec<String> {
        self.names
            .iter()
            .map(|name| {
                let tables = self.control.query(&format!(
                    "SELECT group_concat(table_name ORDER BY table_name) FROM information_schema.tables WHERE table_schema = '{name}'"
                ));
                if !tables.contains("alembic_version") {
                    return "-".to_owned();
                }
                let version = self
                    .control
                    .query(&format!("SELECT version_num FROM {name}.alembic_version"));
                let log = if tables.contains("revision_log") {
                    self.control.query(&format!(
                        "SELECT group_concat(revision ORDER BY revision SEPARATOR ' ') FROM {name}.revision_log"
                    ))
                } else {
                    String::new()
                };
                format!("{version} {log}")
            })
            .collect()
    }
}

impl Drop for Tenants {
    fn drop(&mut self) {
        let statements: Vec<String> = self
            .names
            .iter()
            .map(|name| format!("DROP DATABASE IF EXISTS {name};"))
            .collect();
        self.control.query(&statements.join(" "));
    }
}

fn project(tenants: &Tenants) -> Project {
    let project = Project::init(RETORT);
    project.write(
        "retort.toml",
        &format!(
            "database_url = \"{}\"\n\n[fleet]\ntargets_query = \"SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{}\\\\_t%' ORDER BY 1\"\n",
            tenants.control.url(),
            tenants.control.name
        ),
    );
    project.write_sql_revision(
        "r1",
        "",
        "CREATE TABLE revision_log (revision varchar(10));\nINSERT INTO revision_log VALUES ('r1');\nCREATE TABLE items (id int PRIMARY KEY);",
        Some("DROP TABLE items;\nDROP TABLE revision_log;"),
    );
    project.write_sql_revision(
        "r2",
        "r1",
        "ALTER TABLE items ADD COLUMN name varchar(50);\nCREATE INDEX items_name ON items (name);\nINSERT INTO revision_log VALUES ('r2');",
        Some("DROP INDEX items_name ON items;\nALTER TABLE items DROP COLUMN name;\nDELETE FROM revision_log WHERE revision = 'r2';"),
    );
    project
}

#[test]
fn fifty_tenant_databases_upgrade_in_one_run() {
    let tenants = Tenants::create(50);
    let project = project(&tenants);
    let output = project.run(&["fleet", "upgrade", "--parallel", "4"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(
        output
            .stderr
            .contains("50 upgraded, 0 at head, 0 failed in"),
        "{output}"
    );
    let states = tenants.states();
    assert!(states.iter().all(|s| s == "r2 r1 r2"), "{states:?}");
    let report = project.run(&["fleet", "status"]);
    assert_eq!(report.code, 0, "{report}");
    assert_eq!(
        report.stdout.lines().filter(|l| l.contains(" r2 ")).count(),
        50,
        "{report}"
    );
}

#[test]
fn a_broken_tenant_database_fails_alone_and_the_resumed_run_finishes_it() {
    let tenants = Tenants::create(12);
    let project = project(&tenants);
    let broken = &tenants.names[4];
    tenants
        .control
        .query(&format!("CREATE TABLE {broken}.items (id int)"));
    let output = project.run(&["fleet", "upgrade"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("11 upgraded, 0 at head, 1 failed in"),
        "{output}"
    );
    assert!(
        output
            .stderr
            .contains(&format!("failed: schema {broken}: revision r1")),
        "{output}"
    );
    // Fixed by hand, the same run is resumed: the eleven are left alone, the broken one is
    // migrated (MariaDB commits DDL as it goes: --resume also continues its half-done r1).
    tenants.control.query(&format!("DROP TABLE {broken}.items"));
    let resumed = project.run(&["fleet", "upgrade", "--resume"]);
    assert_eq!(resumed.code, 0, "{resumed}");
    assert!(
        resumed.stderr.contains("1 upgraded, 0 at head, 0 failed")
            && resumed.stderr.contains("11 finished before --resume"),
        "{resumed}"
    );
    let states = tenants.states();
    assert!(states.iter().all(|s| s == "r2 r1 r2"), "{states:?}");
}
