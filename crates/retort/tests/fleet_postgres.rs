//! `retort fleet` on real PostgreSQL servers: a thousand tenant schemas in one run, a broken
//! tenant that fails alone, a failure budget that stops early, a canary, kill -9 then
//! `--resume`, two runs at once, and targets on two servers. Issue 12.
//!
//! Every revision writes a row into its tenant's `revision_log`: a revision applied twice
//! would leave two rows, which is how each test proves "applied once".

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use retort_test::database::{Server, TestDatabase, SECOND_POSTGRES_PORT};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

/// A database holding `count` tenant schemas (`tenant_0001`, …) listed in `tenants`, and a
/// project whose `[fleet]` selects them with a query. `extra_upgrade` slows or breaks r1.
fn tenants(count: usize, first_revision_extra: &str) -> (TestDatabase, Project) {
    let database = TestDatabase::create(Server::Postgres);
    database.query(&format!(
        "CREATE TABLE tenants (name text PRIMARY KEY); \
         INSERT INTO tenants SELECT format('tenant_%s', lpad(g::text, 4, '0')) FROM generate_series(1, {count}) g; \
         DO $$ DECLARE t record; BEGIN FOR t IN SELECT name FROM tenants LOOP EXECUTE format('CREATE SCHEMA %I', t.name); END LOOP; END $$"
    ));
    let project = Project::init(RETORT);
    project.write(
        "retort.toml",
        &format!(
            "database_url = \"{}\"\n\n[fleet]\ntargets_query = \"SELECT name FROM tenants ORDER BY name\"\nparallel = 8\n",
            database.url()
        ),
    );
    project.write_sql_revision(
        "r1",
        "",
        &format!("CREATE TABLE revision_log (revision text);\nINSERT INTO revision_log VALUES ('r1');\nCREATE TABLE items (id int PRIMARY KEY);\n{first_revision_extra}"),
        Some("DROP TABLE items;\nDROP TABLE revision_log;"),
    );
    project.write_sql_revision(
        "r2",
        "r1",
        "ALTER TABLE items ADD COLUMN name text;\nCREATE INDEX items_name ON items (name);\nINSERT INTO revision_log VALUES ('r2');",
        Some("DROP INDEX items_name;\nALTER TABLE items DROP COLUMN name;\nDELETE FROM revision_log WHERE revision = 'r2';"),
    );
    (database, project)
}

/// Per tenant: its version row (or `-`) and how many times each revision ran (`r1:1 r2:1`).
fn tenant_states(database: &TestDatabase) -> Vec<(String, String)> {
    let rows = database.query(
        "SELECT t.name, \
           CASE WHEN to_regclass(format('%I.alembic_version', t.name)) IS NULL THEN '-' ELSE \
             coalesce((xpath('/row/v/text()', query_to_xml(format('SELECT string_agg(version_num, '','') AS v FROM %I.alembic_version', t.name), false, true, '')))[1]::text, '-') END \
           || ' ' || \
           CASE WHEN to_regclass(format('%I.revision_log', t.name)) IS NULL THEN '' ELSE \
             coalesce((xpath('/row/v/text()', query_to_xml(format('SELECT string_agg(revision || '':'' || n, '' '' ORDER BY revision) AS v FROM (SELECT revision, count(*) AS n FROM %I.revision_log GROUP BY revision) c', t.name), false, true, '')))[1]::text, '') END \
         FROM tenants t ORDER BY t.name",
    );
    rows.lines()
        .map(|line| {
            let (name, state) = line.split_once('|').unwrap();
            (name.to_owned(), state.trim().to_owned())
        })
        .collect()
}

const AT_HEAD: &str = "r2 r1:1 r2:1";
const UNTOUCHED: &str = "-";

fn count_in(states: &[(String, String)], state: &str) -> usize {
    states.iter().filter(|(_, s)| s == state).count()
}

#[test]
fn a_thousand_tenant_schemas_upgrade_in_one_run() {
    let (database, project) = tenants(1000, "");
    let output = project.run(&["fleet", "upgrade"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(
        output
            .stderr
            .contains("1000 upgraded, 0 at head, 0 failed in"),
        "{output}"
    );
    let states = tenant_states(&database);
    assert_eq!(count_in(&states, AT_HEAD), 1000, "{states:?}");
    // Each tenant's objects are in its own schema, nothing in public.
    assert_eq!(
        database.query(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tenants'"
        ),
        "0"
    );
    let again = project.run(&["fleet", "upgrade"]);
    assert!(
        again.stderr.contains("0 upgraded, 1000 at head, 0 failed"),
        "{again}"
    );
    let report = project.run(&["fleet", "status", "--json"]);
    assert_eq!(report.code, 0, "{report}");
    assert_eq!(report.stdout.lines().count(), 1000);
    assert!(report
        .stdout
        .lines()
        .all(|line| line.contains("\"current\":[\"r2\"]")
            && line.contains("\"pending\":0")
            && line.contains("\"last\":\"unchanged\"")));
}

#[test]
fn one_broken_tenant_fails_alone_and_the_run_exits_3() {
    let (database, project) = tenants(40, "");
    database.query("CREATE TABLE tenant_0013.items (id int)");
    let output = project.run(&["fleet", "upgrade", "--parallel", "4"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("39 upgraded, 0 at head, 1 failed in"),
        "{output}"
    );
    assert!(
        output
            .stderr
            .contains("failed: schema tenant_0013: revision r1")
            && output
                .stderr
                .contains("statement: CREATE TABLE items (id int PRIMARY KEY)")
            && output.stderr.contains("already exists"),
        "{output}"
    );
    let states = tenant_states(&database);
    assert_eq!(count_in(&states, AT_HEAD), 39, "{states:?}");
    // The failed revision rolled back whole: no version row, no log row.
    let broken = states
        .iter()
        .find(|(name, _)| name == "tenant_0013")
        .unwrap();
    assert_eq!(broken.1, UNTOUCHED, "{states:?}");
}

#[test]
fn max_failures_stops_the_run_early() {
    let (database, project) = tenants(100, "");
    for n in (10..=100).step_by(10) {
        database.query(&format!("CREATE TABLE tenant_{n:04}.items (id int)"));
    }
    let output = project.run(&[
        "fleet",
        "upgrade",
        "--parallel",
        "2",
        "--max-failures",
        "5%",
    ]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output.stderr.contains("stopped: 5 targets failed"),
        "{output}"
    );
    let states = tenant_states(&database);
    let migrated = count_in(&states, AT_HEAD);
    assert!(
        (40..90).contains(&migrated),
        "the run went on after five failures: {migrated} migrated\n{output}"
    );
    assert_eq!(count_in(&states, UNTOUCHED), 100 - migrated);
}

#[test]
fn a_failing_canary_keeps_the_rest_untouched() {
    let (database, project) = tenants(30, "");
    database.query("CREATE TABLE tenant_0002.items (id int)");
    let output = project.run(&["fleet", "upgrade", "--canary", "3"]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("1 canary target(s) failed, so the other 27 were not started"),
        "{output}"
    );
    let states = tenant_states(&database);
    assert_eq!(count_in(&states, AT_HEAD), 2, "{states:?}");
    assert_eq!(count_in(&states, UNTOUCHED), 28, "{states:?}");
}

#[test]
fn killed_half_way_then_resumed_applies_each_revision_once() {
    let (database, project) = tenants(200, "SELECT pg_sleep(0.02);");
    let journal = project.path(".retort/fleet-journal.jsonl");
    let mut child = Command::new(RETORT)
        .args(["fleet", "upgrade", "--parallel", "4"])
        .current_dir(project.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let finished = fs_err::read_to_string(&journal)
            .unwrap_or_default()
            .matches("\"event\":\"finished\"")
            .count();
        if finished >= 60 {
            break;
        }
        assert!(Instant::now() < deadline, "the run made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let states = tenant_states(&database);
    let before = count_in(&states, AT_HEAD);
    assert!(before < 200, "killed too late: {before}");
    // Nothing half-done: each revision committed whole with its version row, or not at all.
    let between = count_in(&states, "r1 r1:1");
    assert_eq!(
        before + between + count_in(&states, UNTOUCHED),
        200,
        "{states:?}"
    );

    let resumed = project.run(&["fleet", "upgrade", "--resume"]);
    assert_eq!(resumed.code, 0, "{resumed}");
    assert!(
        resumed.stderr.contains("finished before --resume"),
        "{resumed}"
    );
    let states = tenant_states(&database);
    assert_eq!(count_in(&states, AT_HEAD), 200, "{states:?}");
}

#[test]
fn two_fleet_runs_at_once_migrate_each_tenant_once() {
    let (database, project) = tenants(150, "SELECT pg_sleep(0.005);");
    let outputs: Vec<_> = std::thread::scope(|scope| {
        ["a.jsonl", "b.jsonl"]
            .map(|journal| {
                let project = &project;
                scope.spawn(move || project.run(&["fleet", "upgrade", "--journal", journal]))
            })
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    let mut upgraded = 0;
    for output in &outputs {
        assert_eq!(output.code, 0, "{output}");
        let count: usize = output
            .stderr
            .split(" upgraded")
            .next()
            .and_then(|head| head.rsplit(['\n', ' ']).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no summary line: {output}"));
        upgraded += count;
    }
    assert_eq!(upgraded, 150, "{outputs:?}");
    assert_eq!(count_in(&tenant_states(&database), AT_HEAD), 150);
    // One journal is one run's: a second run on it is refused while the first holds it.
}

#[test]
fn downgrade_and_stamp_run_on_every_tenant() {
    let (database, project) = tenants(20, "");
    assert_eq!(project.run(&["fleet", "upgrade"]).code, 0);
    let output = project.run(&["fleet", "downgrade", "-1"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(
        output
            .stderr
            .contains("20 downgraded, 0 already at -1, 0 failed"),
        "{output}"
    );
    let states = tenant_states(&database);
    assert_eq!(count_in(&states, "r1 r1:1"), 20, "{states:?}");
    let stamped = project.run(&["fleet", "stamp", "r2"]);
    assert_eq!(stamped.code, 0, "{stamped}");
    let current = project.run(&["fleet", "current"]);
    assert_eq!(current.code, 0, "{current}");
    assert_eq!(
        current
            .stdout
            .lines()
            .filter(|l| l.ends_with(": r2"))
            .count(),
        20,
        "{current}"
    );
}

#[test]
fn targets_on_two_servers_and_in_environments() {
    let first = TestDatabase::create(Server::Postgres);
    let second = TestDatabase::create_on_port(Server::Postgres, SECOND_POSTGRES_PORT);
    let third = TestDatabase::create_on_port(Server::Postgres, SECOND_POSTGRES_PORT);
    let project = Project::init(RETORT);
    project.write(
        "retort.toml",
        &format!(
            "database_url = \"{}\"\n\n[env.eu]\ndatabase_url = \"{}\"\n\n[fleet]\ntargets = [\"{}\", \"{}\"]\nenvironments = [\"eu\"]\n",
            first.url(),
            third.url(),
            first.url(),
            second.url()
        ),
    );
    project.write_sql_revision(
        "r1",
        "",
        "CREATE TABLE items (id int);",
        Some("DROP TABLE items;"),
    );
    let output = project.run(&["fleet", "upgrade"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(output.stderr.contains("3 upgraded"), "{output}");
    for database in [&first, &second, &third] {
        assert_eq!(
            database.query("SELECT version_num FROM alembic_version"),
            "r1"
        );
    }
    let status = project.run(&["fleet", "status"]);
    assert_eq!(status.code, 0, "{status}");
    assert!(
        status.stdout.contains(":5434/") && status.stdout.contains("env eu"),
        "{status}"
    );
}

#[test]
fn a_failed_target_is_reported_with_its_password_masked() {
    let project = Project::init(RETORT);
    project.write_sql_revision("r1", "", "SELECT 1;", None);
    let output = project.run(&[
        "fleet",
        "upgrade",
        "--target",
        "postgres://postgres:s3cret@127.0.0.1:5432/retort_no_such_database",
    ]);
    assert_eq!(output.code, 3, "{output}");
    assert!(
        output
            .stderr
            .contains("failed: postgres://postgres:***@127.0.0.1:5432/retort_no_such_database"),
        "{output}"
    );
    assert!(
        !output.stderr.contains("s3cret") && !output.stdout.contains("s3cret"),
        "{output}"
    );
}

#[test]
fn fleet_configuration_mistakes_are_errors_that_say_how_to_fix() {
    let database = TestDatabase::create(Server::Postgres);
    database.query("CREATE TABLE tenants (name text); INSERT INTO tenants VALUES ('bad name')");
    let project = Project::init(RETORT);
    project.write_sql_revision("r1", "", "SELECT 1;", None);
    let url = database.url();
    for (config, expected) in [
        (
            "[fleet]\nparalel = 4\n".to_owned(),
            "unknown key `paralel` in [fleet]",
        ),
        (
            format!("database_url = \"{url}\"\n"),
            "no fleet targets",
        ),
        (
            format!("database_url = \"{url}\"\n[env.x.fleet]\nparallel = 2\n"),
            "unknown key `fleet` in [env.x]",
        ),
        (
            format!("database_url = \"{url}\"\n[fleet]\ntargets_query = \"SELECT name FROM tenants\"\n"),
            "returned \"bad name\"",
        ),
        (
            format!("database_url = \"{url}\"\nversion_table_schema = \"public\"\n[fleet]\ntargets_query = \"SELECT 'tenant_1'\"\n"),
            "would put every tenant's version rows in one table",
        ),
        (
            format!("database_url = \"{url}\"\n[fleet]\ntargets_query = \"SELECT nope FROM nowhere\"\n"),
            "the fleet's targets_query failed",
        ),
        (
            format!("database_url = \"{url}\"\nlock_mode = \"transaction\"\n[fleet]\ntargets_query = \"SELECT 'tenant_1'\"\n"),
            "need a connection that keeps its session",
        ),
    ] {
        project.write("retort.toml", &config);
        let output = project.run(&["fleet", "upgrade"]);
        assert_ne!(output.code, 0, "{config}\n{output}");
        assert!(output.stderr.contains(expected), "{config}\n{output}");
        assert!(output.stderr.contains("hint: "), "{config}\n{output}");
    }
}

#[test]
fn fleet_check_and_status_show_which_tenants_drifted() {
    let (database, project) = tenants(3, "");
    assert_eq!(project.run(&["fleet", "upgrade"]).code, 0);
    project.write(
        "schema/schema.sql",
        "CREATE TABLE revision_log (revision text);\nCREATE TABLE items (id int PRIMARY KEY, name text);\nCREATE INDEX items_name ON items (name);\n",
    );
    let clean = project.run(&["fleet", "check"]);
    assert_eq!(clean.code, 0, "{clean}");
    database.query("CREATE TABLE tenant_0002.stray (id int)");
    let drift = project.run(&["fleet", "check"]);
    assert_eq!(drift.code, 1, "{drift}");
    assert!(
        drift
            .stdout
            .contains("schema tenant_0002: 1 differences from the declared schema:")
            && drift.stdout.contains("drop table tenant_0002.stray")
            && !drift.stdout.contains("tenant_0001")
            && !drift.stdout.contains("tenant_0003"),
        "{drift}"
    );
    let status = project.run(&["fleet", "status", "--check"]);
    assert_eq!(status.code, 0, "{status}");
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.starts_with("schema tenant_0002") && l.ends_with("1 differences"))
            && status
                .stdout
                .lines()
                .any(|l| l.starts_with("schema tenant_0001") && l.ends_with("none")),
        "{status}"
    );
}

/// A declared view goes to a scratch database, loaded on a second connection while the first
/// reads the tenant's catalog: the second follows the first to each tenant's schema (a worker
/// moves one connection from tenant to tenant), or every tenant would seem to have drifted.
#[test]
fn fleet_check_compares_declared_views_in_each_tenants_schema() {
    let (database, project) = tenants(3, "CREATE VIEW item_ids AS SELECT id FROM items;");
    assert_eq!(project.run(&["fleet", "upgrade"]).code, 0);
    project.write(
        "schema/schema.sql",
        "CREATE TABLE revision_log (revision text);\nCREATE TABLE items (id int PRIMARY KEY, name text);\nCREATE INDEX items_name ON items (name);\nCREATE VIEW item_ids AS SELECT id FROM items;\n",
    );
    let clean = project.run(&["fleet", "check", "--parallel", "1"]);
    assert_eq!(clean.code, 0, "{clean}");
    database.query("CREATE OR REPLACE VIEW tenant_0002.item_ids AS SELECT id FROM tenant_0002.items WHERE id > 0");
    let drift = project.run(&["fleet", "check", "--parallel", "1"]);
    assert_eq!(drift.code, 1, "{drift}");
    assert!(
        drift.stdout.contains("schema tenant_0002: ")
            && drift.stdout.contains("item_ids")
            && !drift.stdout.contains("tenant_0001")
            && !drift.stdout.contains("tenant_0003"),
        "{drift}"
    );
}

/// A worker moves its connection from tenant to tenant: nothing of one tenant's session
/// reaches the next (a temporary table that stayed would make the next tenant's r1 fail).
#[test]
fn a_tenant_never_sees_the_previous_tenants_session() {
    let (database, project) = tenants(6, "CREATE TEMPORARY TABLE per_run (x int);");
    let output = project.run(&["fleet", "upgrade", "--parallel", "1"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(count_in(&tenant_states(&database), AT_HEAD), 6);
}
