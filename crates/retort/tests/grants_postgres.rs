//! Grants on a real PostgreSQL (`[autogenerate] compare_grants`): left alone unless compared
//! (and a declared `GRANT` then says how to compare it), a missing role named, what is never
//! modeled refused by name, and an upgrade and downgrade that leave the catalog's ACLs exactly
//! as they were, rows kept. The fixture cases `grants_*` cover the generated SQL per kind.
//!
//! Roles are cluster-wide and tests run in parallel: each test makes its own, named after its
//! database, and drops them at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::database::{Server, TestDatabase};
use retort_test::{snapshot_settings, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

/// Roles made for one test, dropped (with what they were granted) when it ends.
struct Roles<'a> {
    database: &'a TestDatabase,
    names: Vec<String>,
}

impl<'a> Roles<'a> {
    /// `<database>_<suffix>` for each suffix.
    fn create(database: &'a TestDatabase, suffixes: &[&str]) -> Self {
        let names: Vec<String> = suffixes
            .iter()
            .map(|suffix| format!("{}_{suffix}", database.name))
            .collect();
        for name in &names {
            database.query(&format!("CREATE ROLE {name}"));
        }
        Self { database, names }
    }

    fn name(&self, index: usize) -> &str {
        &self.names[index]
    }
}

impl Drop for Roles<'_> {
    fn drop(&mut self) {
        let names = self.names.join(", ");
        // Their privileges in the test database first; scratch databases are gone already.
        let _ = self
            .database
            .run_script(&format!("DROP OWNED BY {names};\nDROP ROLE {names};\n"));
    }
}

fn compare_grants(project: &Project) {
    project.write(
        "retort.toml",
        &project.read("retort.toml").replace(
            "[autogenerate]\n",
            "[autogenerate]\ncompare_grants = true\n",
        ),
    );
}

/// Every ACL of the public schema's objects, as the catalog holds it (the default spelled out
/// where none was set), items sorted: what a downgrade must give back.
const ACLS: &str = "SELECT string_agg(entry, E'\\n' ORDER BY entry) FROM ( \
    SELECT 'relation ' || c.relname || ' ' || array(SELECT i::text FROM unnest(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))) i ORDER BY 1)::text \
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S') \
    UNION ALL SELECT 'column ' || c.relname || '.' || a.attname || ' ' || array(SELECT i::text FROM unnest(a.attacl) i ORDER BY 1)::text \
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace AND a.attacl IS NOT NULL AND NOT a.attisdropped \
    UNION ALL SELECT 'routine ' || p.proname || ' ' || array(SELECT i::text FROM unnest(coalesce(p.proacl, acldefault('f'::\"char\", p.proowner))) i ORDER BY 1)::text \
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace \
    UNION ALL SELECT 'schema ' || n.nspname || ' ' || array(SELECT i::text FROM unnest(coalesce(n.nspacl, acldefault('n'::\"char\", n.nspowner))) i ORDER BY 1)::text \
    FROM pg_namespace n WHERE n.nspname = 'public') acls(entry)";

#[test]
fn grants_are_left_alone_unless_compared_and_a_declared_grant_says_how() {
    let database = TestDatabase::create(Server::Postgres);
    let roles = Roles::create(&database, &["reader"]);
    let reader = roles.name(0);
    let schema = "CREATE TABLE accounts (id int PRIMARY KEY);\n";
    let project = Project::migrated_to(RETORT, &database.url(), schema);
    database.query(&format!("GRANT SELECT ON accounts TO {reader}"));
    // Off (the default): the live ACL is not looked at.
    let output = project.run(&["check"]);
    assert_eq!(output.code, 0, "{output}");
    // ... and a declared grant is not silently passed over.
    let declared = format!("{schema}GRANT SELECT ON accounts TO {reader};\n");
    project.write("schema/schema.sql", &declared);
    let output = project.run(&["check"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("schema/schema.sql:2: GRANT compares privileges, which autogenerate leaves alone unless [autogenerate] compare_grants is on"),
        "{output}"
    );
    assert!(
        output
            .stderr
            .contains("hint: set `compare_grants = true` under [autogenerate] in retort.toml"),
        "{output}"
    );
    // On: the declared grant is the live one; without it, `check` lists its revocation.
    compare_grants(&project);
    let output = project.run(&["check"]);
    assert_eq!(output.code, 0, "{output}");
    project.write("schema/schema.sql", schema);
    let output = project.run(&["check"]);
    assert_eq!(output.code, 1, "{output}");
    assert!(
        output.stdout.contains(&format!(
            "revoke SELECT on table public.accounts from {reader}"
        )),
        "{output}"
    );
}

/// Grants not compared (the default): a view, a materialized view and a function the plan
/// drops and creates again (a renamed column, a changed query, a changed result type) get their
/// live privileges back — the drop took them silently before: the reader lost the view, and
/// `PUBLIC` could run the function again. A view that gains a column at its end is replaced in
/// place, and the downgrade, which drops it to take the column away, gives them back. Upgrade
/// and downgrade both leave the ACLs as they were.
#[test]
fn privileges_of_objects_a_plan_recreates_are_kept_when_grants_are_not_compared() {
    let database = TestDatabase::create(Server::Postgres);
    let roles = Roles::create(&database, &["reader"]);
    let reader = roles.name(0);
    let project = Project::migrated_to(
        RETORT,
        &database.url(),
        "CREATE TABLE items (id int PRIMARY KEY, name text, active boolean);\n\
         CREATE VIEW active_items AS SELECT id, name FROM items WHERE active;\n\
         CREATE VIEW item_ids AS SELECT id FROM items;\n\
         CREATE MATERIALIZED VIEW item_names AS SELECT name FROM items;\n\
         CREATE FUNCTION bump(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 1 $$;\n",
    );
    database.query(&format!(
        "GRANT SELECT ON active_items TO {reader}; GRANT SELECT (name) ON active_items TO PUBLIC; \
         GRANT SELECT ON item_ids TO {reader}; \
         GRANT SELECT ON item_names TO {reader}; \
         REVOKE EXECUTE ON FUNCTION bump(int) FROM PUBLIC; GRANT EXECUTE ON FUNCTION bump(int) TO {reader}"
    ));
    let acls_before = database.query(ACLS);
    project.write(
        "schema/schema.sql",
        "CREATE TABLE items (id int PRIMARY KEY, name text, active boolean);\n\
         CREATE VIEW active_items AS SELECT id, name, active FROM items WHERE active;\n\
         CREATE VIEW item_ids AS SELECT id AS item_id FROM items;\n\
         CREATE MATERIALIZED VIEW item_names AS SELECT name FROM items WHERE name IS NOT NULL;\n\
         CREATE FUNCTION bump(x int) RETURNS bigint LANGUAGE sql AS $$ SELECT x + 1 $$;\n",
    );
    let revision = project.autogenerate("next0001", "next");
    for grant in [
        format!("GRANT SELECT ON TABLE \"item_ids\" TO \"{reader}\";"),
        format!("GRANT SELECT ON TABLE \"item_names\" TO \"{reader}\";"),
        "REVOKE EXECUTE ON ROUTINE \"bump\"(integer) FROM PUBLIC;".to_owned(),
    ] {
        assert_eq!(revision.matches(&grant).count(), 2, "{grant}\n{revision}");
    }
    assert!(
        revision.contains("CREATE OR REPLACE VIEW \"active_items\""),
        "{revision}"
    );
    for grant in [
        format!("GRANT SELECT ON TABLE \"active_items\" TO \"{reader}\";"),
        "GRANT SELECT (\"name\") ON TABLE \"active_items\" TO PUBLIC;".to_owned(),
    ] {
        let downgrade = &revision[revision.find("-- retort:downgrade").unwrap()..];
        assert_eq!(revision.matches(&grant).count(), 1, "{grant}\n{revision}");
        assert!(downgrade.contains(&grant), "{grant}\n{revision}");
    }
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(database.query(ACLS), acls_before);
    assert_eq!(project.run(&["check"]).code, 0);
    let output = project.run(&["downgrade", "-1"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(database.query(ACLS), acls_before);
}

#[test]
fn a_grant_to_a_missing_role_names_it() {
    let database = TestDatabase::create(Server::Postgres);
    let schema = "CREATE TABLE accounts (id int PRIMARY KEY);\n";
    let project = Project::migrated_to(RETORT, &database.url(), schema);
    compare_grants(&project);
    let missing = format!("{}_nobody", database.name);
    project.write(
        "schema/schema.sql",
        &format!("{schema}GRANT SELECT ON accounts TO {missing};\n"),
    );
    let output = project.run(&["check"]);
    assert_ne!(output.code, 0, "{output}");
    assert!(
        output
            .stderr
            .contains(&format!("role \"{missing}\" does not exist")),
        "{output}"
    );
    assert!(
        output.stderr.contains(&format!(
            "hint: retort never creates roles (they differ between environments): create role {missing} on the server first"
        )),
        "{output}"
    );
}

#[test]
fn role_membership_and_default_privileges_are_refused_by_name() {
    let database = TestDatabase::create(Server::Postgres);
    let roles = Roles::create(&database, &["reader", "app"]);
    let schema = "CREATE TABLE accounts (id int PRIMARY KEY);\n";
    let project = Project::migrated_to(RETORT, &database.url(), schema);
    compare_grants(&project);
    for (statement, named) in [
        (
            format!("GRANT {} TO {};", roles.name(0), roles.name(1)),
            "GRANT role TO role (role membership: roles are never created or changed by retort)",
        ),
        (
            format!(
                "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {};",
                roles.name(0)
            ),
            "ALTER DEFAULT PRIVILEGES",
        ),
        (
            format!(
                "GRANT CONNECT ON DATABASE {} TO {};",
                database.name,
                roles.name(0)
            ),
            "GRANT … ON DATABASE",
        ),
    ] {
        project.write("schema/schema.sql", &format!("{schema}{statement}\n"));
        let output = project.run(&["check"]);
        assert_eq!(output.code, 2, "{statement}: {output}");
        assert!(
            output
                .stderr
                .contains(&format!("schema/schema.sql:2: {named}")),
            "{statement}: {output}"
        );
    }
}

#[test]
fn upgrade_then_downgrade_gives_back_the_acls_exactly() {
    let database = TestDatabase::create(Server::Postgres);
    let roles = Roles::create(&database, &["reader", "writer"]);
    let (reader, writer) = (roles.name(0), roles.name(1));
    let from = format!(
        "CREATE TABLE accounts (id serial PRIMARY KEY, email text, legacy text);\n\
         CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42';\n\
         GRANT SELECT, INSERT ON accounts TO {reader};\n\
         GRANT UPDATE (legacy) ON accounts TO {writer};\n\
         GRANT USAGE ON SEQUENCE accounts_id_seq TO {writer};\n\
         GRANT USAGE ON SCHEMA public TO {reader};\n"
    );
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", &database.url());
    compare_grants(&project);
    project.write("schema/schema.sql", &from);
    project.autogenerate("from0001", "from");
    assert_eq!(project.run(&["upgrade", "head"]).code, 0);
    assert_eq!(project.run(&["check"]).code, 0);
    database.query("INSERT INTO accounts (email, legacy) VALUES ('a@example.com', 'x'), ('b@example.com', NULL)");
    let rows = "SELECT string_agg(id || ':' || email, ' ' ORDER BY id) FROM accounts";
    let rows_before = database.query(rows);
    let acls_before = database.query(ACLS);

    // The grant option given, INSERT taken away, a dropped column's grant gone with it, the
    // function recreated (its result type changes) and run by the reader only.
    project.write(
        "schema/schema.sql",
        &format!(
            "CREATE TABLE accounts (id serial PRIMARY KEY, email text);\n\
             CREATE FUNCTION answer() RETURNS bigint LANGUAGE sql AS 'SELECT 42::bigint';\n\
             REVOKE EXECUTE ON FUNCTION answer() FROM PUBLIC;\n\
             GRANT EXECUTE ON FUNCTION answer() TO {reader};\n\
             GRANT SELECT ON accounts TO {reader} WITH GRANT OPTION;\n\
             GRANT UPDATE (email) ON accounts TO {writer};\n\
             GRANT USAGE, SELECT ON SEQUENCE accounts_id_seq TO {writer};\n"
        ),
    );
    let check = project.run(&["check"]);
    assert_eq!(check.code, 1, "{check}");
    let revision = project.autogenerate("next0001", "next");
    snapshot_settings(&project).bind(|| {
        insta::assert_snapshot!("grants_check", check.stdout);
        insta::assert_snapshot!("grants_revision", revision);
    });
    let output = project.run(&["upgrade", "head"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(project.run(&["check"]).code, 0);
    assert_ne!(database.query(ACLS), acls_before);
    assert!(
        database
            .query("SELECT has_function_privilege('public', 'answer()', 'EXECUTE')")
            .starts_with('f'),
        "PUBLIC still runs answer()"
    );

    let output = project.run(&["downgrade", "-1"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(database.query(ACLS), acls_before);
    assert_eq!(database.query(rows), rows_before);
}
