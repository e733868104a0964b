//! Which statements of a declared schema the MySQL/MariaDB model covers (the output of
//! `mysqldump --no-data` included). A whitelist: anything else is refused by name.

use retort_core::autogenerate::screen::{leading, tokens, DeclaredStatement};

/// Words of a `CREATE` head before its kind: `CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`a`@`%`
/// SQL SECURITY INVOKER VIEW` or `CREATE DEFINER=CURRENT_USER TRIGGER`.
fn create_kind(words: &[&str]) -> Option<usize> {
    let mut index = 1;
    while index < words.len() {
        match words[index] {
            "OR" | "REPLACE" | "SQL" | "SECURITY" | "DEFINER" | "INVOKER" | "=" | "@"
            | "ALGORITHM" | "UNDEFINED" | "MERGE" | "TEMPTABLE" | "CURRENT_USER" | "(" | ")" => {
                index += 1;
            }
            // The definer's user and host, quoted or not.
            word if index > 1 && matches!(words[index - 1], "=" | "@") && word != "VIEW" => {
                index += 1;
            }
            _ => return Some(index),
        }
    }
    None
}

/// A `CREATE TABLE` that declares a foreign key on an engine other than InnoDB: MariaDB takes
/// the statement and drops the key without a word (MyISAM, Aria and the others keep none),
/// so the declared key would never be compared nor created. Refused, with the way out.
fn foreign_keys_dropped_by_engine(sql: &str, words: &[&str]) -> Option<String> {
    let mut depth = 0_usize;
    let mut opened = false;
    let mut references = false;
    let mut engine = None;
    for (index, &word) in words.iter().enumerate() {
        match word {
            "(" => {
                depth += 1;
                opened = true;
            }
            ")" => depth = depth.saturating_sub(1),
            "REFERENCES" if depth > 0 => references = true,
            // The table options, after the column list: `ENGINE [=] name`.
            "ENGINE" if opened && depth == 0 => {
                let name = match words.get(index + 1) {
                    Some(&"=") => words.get(index + 2),
                    other => other,
                };
                engine = name.map(|name| name.trim_matches(|c| c == '`' || c == '\'' || c == '"'));
            }
            _ => {}
        }
    }
    let engine = engine.filter(|engine| !engine.eq_ignore_ascii_case("InnoDB"))?;
    if !references {
        return None;
    }
    let table = table_as_written(sql, words);
    let engine = as_written(sql, engine, "ENGINE", true);
    Some(format!(
        "a foreign key in CREATE TABLE {table} … ENGINE={engine} ({engine} keeps no foreign keys: MariaDB would drop the key without a word; declare the table ENGINE=InnoDB, or leave the key out)"
    ))
}

/// An application-time period (`PERIOD FOR p (s, e)`, and a key's `p WITHOUT OVERLAPS`):
/// `information_schema` shows the period as a CHECK `s < e` and the key as one on the period's
/// columns, so it would be created as those, without the period. `PERIOD FOR SYSTEM_TIME` is
/// system versioning, which the catalog names (`unmodeled_objects`).
fn application_time_period(sql: &str, words: &[&str]) -> Option<String> {
    let at = words.windows(3).position(|window| {
        window[0] == "PERIOD" && window[1] == "FOR" && window[2] != "SYSTEM_TIME"
    })?;
    let period = as_written(sql, words[at + 2], "PERIOD FOR", false);
    let table = table_as_written(sql, words);
    Some(format!(
        "the application-time period PERIOD FOR {period} of table {table} (retort would create its columns and a CHECK without the period; keep it in a hand-written revision)"
    ))
}

/// A FULLTEXT key's `WITH PARSER`, which `information_schema` does not show: the key would be
/// created with the built-in parser. (An index's own `KEY_BLOCK_SIZE` is not refused: MyISAM
/// rewrites it to its own block size, InnoDB ignores it, and a dump prints one on every key of
/// a table with the table option, which is modeled.)
fn index_option_not_in_catalog(words: &[&str]) -> Option<String> {
    words
        .windows(2)
        .any(|pair| pair[0] == "WITH" && pair[1] == "PARSER")
        .then(|| {
            "a FULLTEXT key's WITH PARSER (information_schema does not show it: retort would create the key with the built-in parser; keep the key in a hand-written revision)"
                .to_owned()
        })
}

/// The table a `CREATE|ALTER TABLE [IF NOT EXISTS]` statement names, as `sql` spells it.
fn table_as_written(sql: &str, words: &[&str]) -> String {
    let table = words
        .iter()
        .skip(2)
        .find(|word| !matches!(**word, "IF" | "NOT" | "EXISTS" | "OR" | "REPLACE"))
        .unwrap_or(&"");
    as_written(sql, table, "TABLE", false)
}

/// `word` (a token, upper-cased) as `sql` spells it, looked for after the first (or the
/// `last`) keyword `after`; the token itself when it is not found.
fn as_written(sql: &str, word: &str, after: &str, last: bool) -> String {
    // ASCII upper-casing keeps every byte where it was.
    let upper = sql.to_ascii_uppercase();
    let keyword = if last {
        upper.rfind(after)
    } else {
        upper.find(after)
    };
    let start = keyword.map_or(0, |at| at + after.len());
    upper[start..]
        .find(word)
        .and_then(|at| sql.get(start + at..start + at + word.len()))
        .unwrap_or(word)
        .to_owned()
}

pub fn classify(sql: &str) -> DeclaredStatement {
    let tokens = tokens(sql, true);
    let words: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match words.as_slice() {
        // mysqldump's session settings (`SET NAMES`, `SET @OLD_…`, `SET character_set_client`),
        // its `DROP TABLE|FUNCTION|PROCEDURE|EVENT IF EXISTS` before each table, routine and event
        // (nothing to drop in a declared schema),
        // and its table locks. (A `DELIMITER` command is the splitter's: it never gets here.)
        []
        | [";" | "DELIMITER"]
        | ["SET", ..]
        | ["DROP", "TABLE" | "FUNCTION" | "PROCEDURE" | "EVENT", "IF", "EXISTS", ..]
        | ["LOCK" | "UNLOCK", "TABLES", ..] => DeclaredStatement::Setting,
        // `DELIMITER` with its delimiter on another line: the client takes none there either.
        ["DELIMITER", ..] => {
            let upper = sql.to_ascii_uppercase();
            let line = upper
                .find("DELIMITER")
                .and_then(|start| sql[start..].lines().next())
                .unwrap_or("DELIMITER");
            DeclaredStatement::Refused(format!(
                "{} (the delimiter goes on the same line: `DELIMITER //`)",
                line.trim_end()
            ))
        }
        // mysqldump declares each view twice: a stand-in first (for views that read views), then
        // `DROP VIEW IF EXISTS` and the real one. The scratch database runs both, in order.
        ["CREATE" | "ALTER", "TABLE", ..] => match application_time_period(sql, &words)
            .or_else(|| index_option_not_in_catalog(&words))
            .or_else(|| foreign_keys_dropped_by_engine(sql, &words))
        {
            Some(refused) => DeclaredStatement::Refused(refused),
            None => DeclaredStatement::Modeled,
        },
        ["CREATE", "INDEX", ..] | ["CREATE", "UNIQUE" | "FULLTEXT" | "SPATIAL", "INDEX", ..] => {
            match index_option_not_in_catalog(&words) {
                Some(refused) => DeclaredStatement::Refused(refused),
                None => DeclaredStatement::Modeled,
            }
        }
        ["DROP", "VIEW", "IF", "EXISTS", ..] => DeclaredStatement::Modeled,
        // MariaDB's `CREATE OR REPLACE TABLE` (the declared schema loads into an empty database,
        // where `CREATE TABLE` says the same).
        ["CREATE", "OR", "REPLACE", "TABLE", ..] => DeclaredStatement::Refused(
            "CREATE OR REPLACE TABLE (write CREATE TABLE: the declared schema describes the tables, replacing none)"
                .to_owned(),
        ),
        ["CREATE", ..] => match create_kind(&words).map(|index| words[index]) {
            // A loadable function (`SONAME 'lib.so'`) belongs to the server, not the database.
            Some("FUNCTION") if words.contains(&"SONAME") => DeclaredStatement::Refused(
                "CREATE FUNCTION … SONAME (a loadable function)".to_owned(),
            ),
            Some("VIEW" | "TRIGGER" | "FUNCTION" | "PROCEDURE" | "EVENT") => {
                DeclaredStatement::Modeled
            }
            Some(kind) => DeclaredStatement::Refused(format!("CREATE {kind}")),
            None => DeclaredStatement::Refused(leading(&tokens, 2)),
        },
        _ => DeclaredStatement::Refused(leading(&tokens, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::classify;
    use retort_core::autogenerate::screen::DeclaredStatement;

    #[test]
    fn views_triggers_routines_and_events_in_every_spelling() {
        for sql in [
            "CREATE VIEW v AS SELECT 1",
            "CREATE OR REPLACE VIEW v AS SELECT 1",
            "CREATE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1",
            "CREATE DEFINER=CURRENT_USER VIEW v AS SELECT 1",
            "CREATE DEFINER=root@localhost TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
            "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END",
            "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`127.0.0.1`*/ /*!50003 TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW SET NEW.n = 5 */",
            "/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`127.0.0.1` SQL SECURITY DEFINER */ /*!50001 VIEW `v` AS select 1 AS `a` */",
            "/*!50001 DROP VIEW IF EXISTS `v`*/",
            "CREATE DEFINER=`root`@`%` FUNCTION f() RETURNS int RETURN 1",
            "CREATE OR REPLACE FUNCTION f(a int) RETURNS int DETERMINISTIC RETURN a",
            "CREATE PROCEDURE p() BEGIN END",
            "CREATE DEFINER=`root`@`127.0.0.1` PROCEDURE `p`(in a int)\n    READS SQL DATA\nbegin select a; end",
            "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t",
            "/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`127.0.0.1`*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY STARTS '2026-12-02 06:51:28' ON COMPLETION NOT PRESERVE ENABLE DO delete from t */",
        ] {
            assert_eq!(classify(sql), DeclaredStatement::Modeled, "{sql}");
        }
        for sql in [
            "/*!50003 DROP FUNCTION IF EXISTS `f` */",
            "/*!50003 DROP PROCEDURE IF EXISTS `p` */",
            "/*!50106 DROP EVENT IF EXISTS `e` */",
            "/*!50003 SET sql_mode = 'STRICT_TRANS_TABLES' */",
        ] {
            assert_eq!(classify(sql), DeclaredStatement::Setting, "{sql}");
        }
        assert_eq!(classify("DELIMITER"), DeclaredStatement::Setting);
        let DeclaredStatement::Refused(what) = classify("CREATE OR REPLACE TABLE t (id int)")
        else {
            panic!("CREATE OR REPLACE TABLE was not refused");
        };
        assert!(
            what.starts_with("CREATE OR REPLACE TABLE (write CREATE TABLE"),
            "{what}"
        );
        assert!(matches!(
            classify("DELIMITER //\nCREATE TRIGGER a"),
            DeclaredStatement::Refused(_)
        ));
        for sql in [
            "CREATE TABLE c (id int, p int, FOREIGN KEY (p) REFERENCES p (id)) ENGINE=InnoDB",
            "CREATE TABLE c (id int, engine int) ENGINE MyISAM",
            "CREATE TABLE c (id int, p int REFERENCES p (id))",
        ] {
            assert_eq!(classify(sql), DeclaredStatement::Modeled, "{sql}");
        }
        for sql in [
            "CREATE TABLE `c` (id int, p int, CONSTRAINT f FOREIGN KEY (p) REFERENCES p (id)) ENGINE=MyISAM",
            "CREATE TABLE IF NOT EXISTS `c` (id int, p int REFERENCES p (id)) ENGINE Aria ROW_FORMAT=PAGE",
        ] {
            let DeclaredStatement::Refused(what) = classify(sql) else {
                panic!("{sql} was not refused");
            };
            assert!(
                what.contains("CREATE TABLE `c`") && what.contains("keeps no foreign keys"),
                "{what}"
            );
        }
        for sql in [
            "CREATE TABLE `r` (id int, s date, e date, PERIOD FOR `p` (s, e), PRIMARY KEY (id, p WITHOUT OVERLAPS))",
            "ALTER TABLE `r` ADD PERIOD FOR `p` (s, e)",
        ] {
            let DeclaredStatement::Refused(what) = classify(sql) else {
                panic!("{sql} was not refused");
            };
            assert!(
                what.contains("PERIOD FOR `p` of table `r`"),
                "{what}"
            );
        }
        assert!(matches!(
            classify("CREATE TABLE k (id int PRIMARY KEY, c text, FULLTEXT KEY k_c (c) WITH PARSER ngram)"),
            DeclaredStatement::Refused(what) if what.contains("WITH PARSER")
        ));
        for sql in [
            "CREATE TABLE k (id int PRIMARY KEY, v int, KEY k_v (v) KEY_BLOCK_SIZE=1024) ENGINE=MyISAM KEY_BLOCK_SIZE=8",
            "CREATE INDEX k_v ON k (v) KEY_BLOCK_SIZE 8",
            "CREATE FULLTEXT INDEX k_c ON k (c)",
        ] {
            assert_eq!(classify(sql), DeclaredStatement::Modeled, "{sql}");
        }
        assert_eq!(
            classify("CREATE TABLE v (id int, s timestamp(6) AS ROW START, e timestamp(6) AS ROW END, PERIOD FOR SYSTEM_TIME (s, e)) WITH SYSTEM VERSIONING"),
            DeclaredStatement::Modeled
        );
        for (sql, what) in [
            (
                "CREATE FUNCTION metaphon RETURNS STRING SONAME 'udf_example.so'",
                "CREATE FUNCTION … SONAME (a loadable function)",
            ),
            (
                "CREATE AGGREGATE FUNCTION f(x int) RETURNS int BEGIN RETURN 1; END",
                "CREATE AGGREGATE",
            ),
            ("ALTER EVENT e DISABLE", "ALTER"),
        ] {
            assert_eq!(
                classify(sql),
                DeclaredStatement::Refused(what.to_owned()),
                "{sql}"
            );
        }
    }
}
