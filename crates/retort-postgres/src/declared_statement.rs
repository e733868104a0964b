//! Which statements of a declared schema the PostgreSQL model covers. A whitelist: what is not
//! named here is refused by name (see `retort_core::autogenerate::screen`).

use retort_core::autogenerate::screen::{clauses_after_name, leading, tokens, DeclaredStatement};

/// Session settings pg_dump opens with; they shape nothing in the schema.
const HARMLESS_SETTINGS: [&str; 12] = [
    "STATEMENT_TIMEOUT",
    "LOCK_TIMEOUT",
    "IDLE_IN_TRANSACTION_SESSION_TIMEOUT",
    "TRANSACTION_TIMEOUT",
    "CLIENT_ENCODING",
    "STANDARD_CONFORMING_STRINGS",
    "XMLOPTION",
    "CLIENT_MIN_MESSAGES",
    "ROW_SECURITY",
    "DEFAULT_TABLESPACE",
    "DEFAULT_TABLE_ACCESS_METHOD",
    "DEFAULT_WITH_OIDS",
];

pub fn classify(sql: &str) -> DeclaredStatement {
    let tokens = tokens(sql, false);
    let words: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match words.as_slice() {
        // An extension's comment is the extension's own (pg_dump writes it back).
        [] | [";"] | ["COMMENT", "ON", "EXTENSION", ..] => DeclaredStatement::Setting,
        // pg_dump turns off the checking of SQL function bodies, as a function may read a table
        // dumped after it (a table whose default calls the function): the scratch database
        // loads the schema the same way. (A revision creates them in an order that holds.)
        ["SET", "CHECK_FUNCTION_BODIES", ..] => DeclaredStatement::Modeled,
        ["SET", name, ..] if HARMLESS_SETTINGS.contains(name) => {
            // `standard_conforming_strings = off` would change how every later string reads.
            if *name == "STANDARD_CONFORMING_STRINGS" && !words.contains(&"ON") {
                return refused("SET standard_conforming_strings other than on");
            }
            DeclaredStatement::Setting
        }
        // pg_dump empties the search path and qualifies every name; any other path would put
        // unqualified names elsewhere than the model reads them.
        ["SELECT", "PG_CATALOG.SET_CONFIG", "(", "'search_path'", ",", "''", ",", "FALSE", ")", ..]
        | ["SET", "SEARCH_PATH", "=" | "TO", "''" | "PUBLIC" | "\"public\"", ..] => {
            DeclaredStatement::Setting
        }
        ["CREATE", "INDEX", "CONCURRENTLY", ..] | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..] => {
            DeclaredStatement::BuildOption {
                word: "CONCURRENTLY",
                note: "CONCURRENTLY says how to build the index, not what it is: it is compared like any index, and the revision creates it inside its transaction; for a large live table, move that CREATE INDEX to a section of its own with `transaction=false` and write CONCURRENTLY there",
            }
        }
        ["CREATE", "TABLE" | "INDEX" | "SCHEMA" | "SEQUENCE" | "VIEW" | "EXTENSION" | "FUNCTION"
        | "PROCEDURE" | "TRIGGER" | "DOMAIN", ..]
        | ["CREATE", "UNIQUE", "INDEX", ..]
        // `RECURSIVE VIEW`: sugar for `CREATE VIEW v (cols) AS WITH RECURSIVE …`, which the
        // server stores.
        | ["CREATE", "MATERIALIZED" | "RECURSIVE", "VIEW", ..]
        | ["COMMENT", "ON", "TABLE" | "COLUMN" | "VIEW" | "DOMAIN" | "TYPE" | "FUNCTION" | "PROCEDURE", ..]
        | ["COMMENT", "ON", "MATERIALIZED", "VIEW", ..]
        | ["CREATE", "OR", "REPLACE", "VIEW" | "FUNCTION" | "PROCEDURE" | "TRIGGER", ..]
        | ["CREATE", "OR", "REPLACE", "RECURSIVE", "VIEW", ..]
        | ["CREATE", "OR", "REPLACE", "CONSTRAINT", "TRIGGER", ..]
        | ["CREATE", "CONSTRAINT", "TRIGGER", ..]
        | ["CREATE" | "ALTER", "POLICY", ..] => DeclaredStatement::Modeled,
        // Enum and composite types are modeled; range and base types are not.
        ["CREATE", "TYPE", ..]
            if words
                .windows(2)
                .any(|w| w == ["AS", "ENUM"] || w == ["AS", "("]) =>
        {
            DeclaredStatement::Modeled
        }
        ["GRANT" | "REVOKE", ..] => privilege(&words),
        ["ALTER", "DEFAULT", "PRIVILEGES", ..] => refused(
            "ALTER DEFAULT PRIVILEGES (roles and their defaults are the server's, never changed by retort)",
        ),
        ["ALTER", "TABLE", ..] => alter_table(&tokens),
        ["ALTER", "SEQUENCE", ..] => alter_sequence(&tokens),
        ["ALTER", "TYPE" | "SCHEMA" | "VIEW" | "FUNCTION" | "PROCEDURE" | "EXTENSION", ..]
        | ["ALTER", "MATERIALIZED", "VIEW", ..]
            if ends_with_owner(&words) =>
        {
            DeclaredStatement::Setting
        }
        ["ALTER", "DOMAIN", ..] => alter_domain(&words),
        // A domain's constraints carry no comment in the model (its checks are compared whole).
        ["COMMENT", "ON", "CONSTRAINT", _, "ON", "DOMAIN", ..] => {
            refused("COMMENT ON CONSTRAINT … ON DOMAIN")
        }
        ["COMMENT", "ON", "INDEX" | "CONSTRAINT" | "TRIGGER" | "POLICY" | "SEQUENCE", ..] => {
            DeclaredStatement::Modeled
        }
        // Comments on schemas, rules, roles and the rest: not modeled.
        ["COMMENT", "ON", ..] => refused(&leading(&tokens, 3)),
        _ => refused(&leading(
            &tokens,
            if words.first() == Some(&"CREATE") {
                2
            } else {
                1
            },
        )),
    }
}

/// `GRANT`/`REVOKE` on a schema, table, view, column, sequence, function or procedure: a
/// privilege (modeled with `compare_grants`). Role membership (`GRANT role TO role`), other
/// kinds of objects and another grantor are refused by name.
fn privilege(words: &[&str]) -> DeclaredStatement {
    let verb = words.first().copied().unwrap_or_default();
    let mut depth = 0usize;
    let mut target = None;
    for (index, word) in words.iter().enumerate() {
        match *word {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "ON" if depth == 0 => {
                target = Some(&words[index + 1..]);
                break;
            }
            "TO" | "FROM" if depth == 0 => break,
            _ => {}
        }
    }
    let Some(target) = target else {
        return refused(&format!(
            "{verb} role TO role (role membership: roles are never created or changed by retort)"
        ));
    };
    if words.windows(2).any(|w| w == ["GRANTED", "BY"]) {
        return refused(&format!(
            "{verb} … GRANTED BY (privileges are compared as the owner grants them)"
        ));
    }
    match target.first().copied().unwrap_or_default() {
        kind @ ("DATABASE" | "DOMAIN" | "FOREIGN" | "LANGUAGE" | "LARGE" | "PARAMETER"
        | "TABLESPACE" | "TYPE") => refused(&format!("{verb} … ON {kind}")),
        _ => DeclaredStatement::Privilege(verb.to_owned()),
    }
}

fn refused(what: &str) -> DeclaredStatement {
    DeclaredStatement::Refused(what.to_owned())
}

/// `… OWNER TO role`: ownership belongs to whoever deploys, and is not compared.
fn ends_with_owner(words: &[&str]) -> bool {
    let words: Vec<&&str> = words.iter().filter(|w| **w != ";").collect();
    words.len() >= 3 && *words[words.len() - 3] == "OWNER" && *words[words.len() - 2] == "TO"
}

/// `ALTER DOMAIN`: its owner is not compared; what else it changes (default, NOT NULL, checks,
/// name) is read back from the catalog.
fn alter_domain(words: &[&str]) -> DeclaredStatement {
    if ends_with_owner(words) {
        DeclaredStatement::Setting
    } else {
        DeclaredStatement::Modeled
    }
}

/// `ALTER TABLE`: each sub-command must be one the model covers.
fn alter_table(tokens: &[String]) -> DeclaredStatement {
    let clauses = clauses_after_name(tokens, 2);
    let mut all_owner = !clauses.is_empty();
    for clause in &clauses {
        let words: Vec<&str> = clause.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["OWNER", "TO", ..] => continue,
            ["ENABLE" | "DISABLE" | "FORCE", "ROW", "LEVEL", "SECURITY"]
            | ["NO", "FORCE", "ROW", "LEVEL", "SECURITY"] => {}
            ["ADD" | "DROP" | "ALTER" | "RENAME" | "VALIDATE", ..] => {
                let refused_alteration = words.first() == Some(&"ALTER")
                    && ["STORAGE", "COMPRESSION", "OPTIONS"]
                        .iter()
                        .any(|w| words.contains(w));
                if refused_alteration {
                    return refused(&format!("ALTER TABLE … {}", clause.join(" ")));
                }
            }
            _ => {
                return refused(&format!(
                    "ALTER TABLE … {}",
                    clause.iter().take(4).cloned().collect::<Vec<_>>().join(" ")
                ))
            }
        }
        all_owner = false;
    }
    if all_owner {
        DeclaredStatement::Setting
    } else {
        DeclaredStatement::Modeled
    }
}

/// `ALTER SEQUENCE … OWNED BY t.c` ties a sequence to its serial column (pg_dump writes it).
fn alter_sequence(tokens: &[String]) -> DeclaredStatement {
    let words: Vec<&str> = tokens.iter().map(String::as_str).collect();
    if ends_with_owner(&words) {
        return DeclaredStatement::Setting;
    }
    let clauses = clauses_after_name(tokens, 2);
    if clauses
        .iter()
        .flatten()
        .any(|w| w == "RESTART" || w == "OWNER")
    {
        return refused("ALTER SEQUENCE … RESTART");
    }
    DeclaredStatement::Modeled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(sql: &str) -> Option<String> {
        match classify(sql) {
            DeclaredStatement::Refused(what) => Some(what),
            _ => None,
        }
    }

    #[test]
    fn what_is_modeled_what_is_a_setting_what_is_refused() {
        assert_eq!(
            classify("CREATE TABLE t (id int)"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id)"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("ALTER TABLE public.t OWNER TO postgres"),
            DeclaredStatement::Setting
        );
        assert_eq!(
            classify("SET client_encoding = 'UTF8'"),
            DeclaredStatement::Setting
        );
        assert_eq!(
            classify("SELECT pg_catalog.set_config('search_path', '', false)"),
            DeclaredStatement::Setting
        );
        assert_eq!(
            classify("ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("ALTER TABLE ONLY accounts ENABLE ROW LEVEL SECURITY"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("CREATE POLICY tenant ON accounts USING (true)"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("GRANT SELECT ON accounts TO app"),
            DeclaredStatement::Privilege("GRANT".to_owned())
        );
        assert_eq!(
            classify("REVOKE UPDATE (email) ON TABLE accounts FROM app"),
            DeclaredStatement::Privilege("REVOKE".to_owned())
        );
        assert_eq!(
            classify("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO app"),
            DeclaredStatement::Privilege("GRANT".to_owned())
        );
        assert_eq!(
            refusal("GRANT reader TO app").as_deref(),
            Some("GRANT role TO role (role membership: roles are never created or changed by retort)")
        );
        assert_eq!(
            refusal("GRANT CONNECT ON DATABASE app TO reader").as_deref(),
            Some("GRANT … ON DATABASE")
        );
        assert_eq!(
            refusal("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reader").as_deref(),
            Some("ALTER DEFAULT PRIVILEGES (roles and their defaults are the server's, never changed by retort)")
        );
        assert_eq!(
            refusal("GRANT SELECT ON t TO app GRANTED BY admin").as_deref(),
            Some("GRANT … GRANTED BY (privileges are compared as the owner grants them)")
        );
        assert_eq!(
            classify("CREATE VIEW v AS SELECT 1"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("CREATE MATERIALIZED VIEW v AS SELECT 1 WITH NO DATA"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            refusal("REFRESH MATERIALIZED VIEW v").as_deref(),
            Some("REFRESH")
        );
        assert_eq!(
            classify("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("COMMENT ON EXTENSION pg_trgm IS 'trigrams'"),
            DeclaredStatement::Setting
        );
        assert_eq!(
            classify("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("ALTER FUNCTION public.f() OWNER TO postgres"),
            DeclaredStatement::Setting
        );
        assert_eq!(
            refusal("CREATE AGGREGATE a (int) (sfunc = int4pl, stype = int)").as_deref(),
            Some("CREATE AGGREGATE")
        );
        assert_eq!(
            classify("CREATE OR REPLACE CONSTRAINT TRIGGER t AFTER INSERT ON a DEFERRABLE FOR EACH ROW EXECUTE FUNCTION f()"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            refusal("ALTER TABLE a DISABLE TRIGGER t").as_deref(),
            Some("ALTER TABLE … DISABLE TRIGGER T")
        );
        assert_eq!(
            classify("CREATE DOMAIN positive AS int CHECK (VALUE > 0)"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("ALTER DOMAIN positive SET DEFAULT 1"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("ALTER DOMAIN public.positive OWNER TO postgres"),
            DeclaredStatement::Setting
        );
        assert_eq!(
            classify("CREATE TYPE \"My Schema\".\"Pt\" AS (x float8, y float8)"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            refusal("CREATE TYPE span AS RANGE (subtype = int4)").as_deref(),
            Some("CREATE TYPE")
        );
        assert_eq!(
            classify("COMMENT ON MATERIALIZED VIEW big IS 'x'"),
            DeclaredStatement::Modeled
        );
        assert_eq!(
            classify("COMMENT ON FUNCTION f(integer) IS 'x'"),
            DeclaredStatement::Modeled
        );
        for modeled in [
            "COMMENT ON INDEX t_name IS 'x'",
            "COMMENT ON CONSTRAINT t_pkey ON t IS 'x'",
            "COMMENT ON CONSTRAINT \"On domain\" ON \"S\".\"T\" IS NULL",
            "COMMENT ON TRIGGER audit ON t IS 'x'",
            "COMMENT ON POLICY tenant ON t IS 'x'",
            "COMMENT ON SEQUENCE numbers IS 'x'",
        ] {
            assert_eq!(classify(modeled), DeclaredStatement::Modeled, "{modeled}");
        }
        assert_eq!(
            refusal("COMMENT ON CONSTRAINT positive_check ON DOMAIN positive IS 'x'").as_deref(),
            Some("COMMENT ON CONSTRAINT … ON DOMAIN")
        );
        assert_eq!(
            refusal("COMMENT ON SCHEMA billing IS 'x'").as_deref(),
            Some("COMMENT ON SCHEMA")
        );
        assert_eq!(refusal("SET search_path = tenant").as_deref(), Some("SET"));
        assert_eq!(
            refusal("INSERT INTO t VALUES (1)").as_deref(),
            Some("INSERT")
        );
    }
}
