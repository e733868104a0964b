//! A table's engine and create options (`ENGINE=MyISAM ROW_FORMAT=COMPRESSED`): read from
//! `information_schema.TABLES`, written into `CREATE TABLE` and changed by `ALTER TABLE`.
//!
//! Both sides of a comparison are read from the server (the declared schema goes through a
//! scratch database whenever it names an engine or an option: the parser declines them), so
//! the server's own spelling and the defaults it fills in (Aria's `transactional=1`) are alike
//! on both. What is normalized here is what the server keeps but the engine ignores, and the
//! values a table has whether they are named or not (see [`from_information_schema`]).

use retort_core::diff::operation::Operation;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{QualifiedName, TableStorage};

/// The engines whose tables the model describes whole. The others carry what
/// `information_schema` does not show (MERGE's `UNION=`, FEDERATED's and CONNECT's
/// `CONNECTION=`), or are not tables of rows (SEQUENCE): refused by name.
pub const MODELED_ENGINES: [&str; 7] = [
    "InnoDB",
    "MyISAM",
    "Aria",
    "MEMORY",
    "CSV",
    "ARCHIVE",
    "BLACKHOLE",
];

/// Options only Aria reads. The server keeps them when a table moves to another engine (a
/// table that was Aria shows `page_checksum=1` as InnoDB), where they mean nothing, and
/// another engine refuses them in an `ALTER TABLE` ("Unknown option").
const ARIA_OPTIONS: [&str; 2] = ["PAGE_CHECKSUM", "TRANSACTIONAL"];

/// InnoDB's own options (MariaDB prints them quoted: `` `PAGE_COMPRESSED`='1' ``), kept by the
/// server and meaningless on another engine, like Aria's.
const INNODB_OPTIONS: [&str; 4] = [
    "PAGE_COMPRESSED",
    "PAGE_COMPRESSION_LEVEL",
    "ENCRYPTED",
    "ENCRYPTION_KEY_ID",
];

/// Whether `engine` reads the option `name`.
fn engine_reads(engine: &str, name: &str) -> bool {
    if ARIA_OPTIONS.contains(&name) {
        engine.eq_ignore_ascii_case("Aria")
    } else if INNODB_OPTIONS.contains(&name) {
        engine.eq_ignore_ascii_case("InnoDB")
    } else {
        true
    }
}

/// What the server gives a table that names no value for an option.
#[derive(Debug, Clone, Default)]
pub struct ServerDefaults {
    /// `@@aria_page_checksum`: `1` or `0` (empty on MySQL, which has no Aria).
    pub aria_page_checksum: String,
    /// `@@innodb_default_row_format`: `dynamic`, `compact` or `redundant`.
    pub innodb_row_format: String,
}

/// The storage of a table from `ENGINE` and `CREATE_OPTIONS` (`row_format=DYNAMIC
/// stats_persistent=1 `PAGE_COMPRESSED`='1'`). `partitioned` is left out: partitioning is
/// refused by name (see `unmodeled_objects`).
///
/// Where a named value and none give the same table, both read alike:
/// - an InnoDB table's `ROW_FORMAT` that is the server's default (Rails and mysqldump write
///   `ROW_FORMAT=DYNAMIC`, a table created without has it too) is left out;
/// - an Aria table without `page_checksum` has the server's `aria_page_checksum`, which SHOW
///   CREATE TABLE (and so a dump) writes out: always written here, so that the option is never
///   unset either (MariaDB keeps it through `PAGE_CHECKSUM=DEFAULT`).
pub fn from_information_schema(
    engine: Option<&str>,
    create_options: &str,
    defaults: &ServerDefaults,
) -> TableStorage {
    let engine = engine
        .filter(|engine| !engine.is_empty() && !engine.eq_ignore_ascii_case("InnoDB"))
        .map(str::to_owned);
    let engine_name = engine.as_deref().unwrap_or("InnoDB");
    let innodb = engine.is_none();
    let mut options: Vec<String> = words(create_options)
        .into_iter()
        .filter_map(|word| {
            let (name, value) = word.split_once('=')?;
            let name = name.trim_matches('`').to_ascii_uppercase();
            let server_default = innodb
                && name == "ROW_FORMAT"
                && value.eq_ignore_ascii_case(&defaults.innodb_row_format);
            (engine_reads(engine_name, &name) && !server_default).then(|| format!("{name}={value}"))
        })
        .collect();
    if engine_name.eq_ignore_ascii_case("Aria")
        && !options.iter().any(|o| o.starts_with("PAGE_CHECKSUM="))
    {
        options.push(format!("PAGE_CHECKSUM={}", defaults.aria_page_checksum));
    }
    options.sort();
    TableStorage { engine, options }
}

/// The words of `CREATE_OPTIONS`, split at spaces outside quotes.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for character in text.chars() {
        match character {
            '\'' => {
                quoted = !quoted;
                word.push(character);
            }
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// What unsets an option in `ALTER TABLE`: `DEFAULT` where the server takes it, 0 where it
/// takes only a number (and records 0 as unset).
fn unset(name: &str) -> &'static str {
    match name {
        "KEY_BLOCK_SIZE" | "MIN_ROWS" | "MAX_ROWS" | "AVG_ROW_LENGTH" | "CHECKSUM"
        | "DELAY_KEY_WRITE" => "0",
        _ => "DEFAULT",
    }
}

/// `ALTER TABLE t ENGINE=…, ROW_FORMAT=…`: the engine when it changes, every option that is
/// new or changes, and every option that goes away and the new engine reads, unset — all in
/// one statement, since one engine may refuse what the other had (InnoDB refuses MyISAM's
/// `ROW_FORMAT=FIXED`).
pub fn alter(
    table: &QualifiedName,
    from: &TableStorage,
    to: &TableStorage,
) -> Result<String, DatabaseError> {
    let engine = to.engine_name();
    let engine_changes = !from.engine_name().eq_ignore_ascii_case(engine);
    let mut clauses = Vec::new();
    if engine_changes {
        clauses.push(format!("ENGINE={engine}"));
    }
    for name in from.option_names() {
        if to.option(name).is_some() || !engine_reads(engine, name) {
            continue;
        }
        clauses.push(format!("{name}={}", unset(name)));
    }
    // Back on InnoDB, the InnoDB options the table kept from before (hidden while another
    // engine ignored them) would come back into force: unset unless declared.
    if engine_changes && to.engine.is_none() {
        for name in INNODB_OPTIONS {
            if to.option(name).is_none() && from.option(name).is_none() {
                clauses.push(format!("{name}={}", unset(name)));
            }
        }
    }
    for option in &to.options {
        if !from.options.contains(option) {
            clauses.push(option.clone());
        }
    }
    if clauses.is_empty() {
        return Err(DatabaseError::new(format!(
            "retort found no clause to {}: please report this",
            Operation::SetTableStorage {
                table: table.clone(),
                from: from.clone(),
                to: to.clone(),
            }
            .summary()
        )));
    }
    Ok(format!(
        "ALTER TABLE {} {}",
        crate::render::quote(&table.name),
        clauses.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(engine: Option<&str>, options: &[&str]) -> TableStorage {
        TableStorage {
            engine: engine.map(str::to_owned),
            options: options.iter().map(|&o| o.to_owned()).collect(),
        }
    }

    fn defaults() -> ServerDefaults {
        ServerDefaults {
            aria_page_checksum: "1".to_owned(),
            innodb_row_format: "dynamic".to_owned(),
        }
    }

    #[test]
    fn create_options_are_read_as_the_server_prints_them_without_what_the_engine_ignores() {
        assert_eq!(
            from_information_schema(
                Some("InnoDB"),
                "stats_persistent=1 `PAGE_COMPRESSED`='1' row_format=COMPACT",
                &defaults()
            ),
            storage(
                None,
                &[
                    "PAGE_COMPRESSED='1'",
                    "ROW_FORMAT=COMPACT",
                    "STATS_PERSISTENT=1"
                ]
            )
        );
        // The server's default row format, named or not.
        assert_eq!(
            from_information_schema(Some("InnoDB"), "row_format=DYNAMIC", &defaults()),
            storage(None, &[])
        );
        assert_eq!(
            from_information_schema(Some("MyISAM"), "row_format=DYNAMIC", &defaults()),
            storage(Some("MyISAM"), &["ROW_FORMAT=DYNAMIC"])
        );
        // Left from an earlier engine: Aria's page checksum on InnoDB, InnoDB's compression on
        // MyISAM; and partitioning, which is refused elsewhere.
        assert_eq!(
            from_information_schema(Some("InnoDB"), "page_checksum=1 partitioned", &defaults()),
            storage(None, &[])
        );
        assert_eq!(
            from_information_schema(
                Some("MyISAM"),
                "`PAGE_COMPRESSED`='1' checksum=1",
                &defaults()
            ),
            storage(Some("MyISAM"), &["CHECKSUM=1"])
        );
        assert_eq!(
            from_information_schema(Some("Aria"), "page_checksum=0 transactional=1", &defaults()),
            storage(Some("Aria"), &["PAGE_CHECKSUM=0", "TRANSACTIONAL=1"])
        );
        // The server's default, which a dump writes out.
        assert_eq!(
            from_information_schema(Some("Aria"), "transactional=1", &defaults()),
            storage(Some("Aria"), &["PAGE_CHECKSUM=1", "TRANSACTIONAL=1"])
        );
    }

    #[test]
    fn one_alter_sets_the_engine_and_unsets_what_the_new_engine_reads() {
        let table = QualifiedName {
            schema: String::new(),
            name: "t".to_owned(),
        };
        let fixed = storage(Some("MyISAM"), &["CHECKSUM=1", "ROW_FORMAT=FIXED"]);
        assert_eq!(
            alter(&table, &fixed, &storage(None, &["STATS_PERSISTENT=1"])).unwrap(),
            "ALTER TABLE `t` ENGINE=InnoDB, CHECKSUM=0, ROW_FORMAT=DEFAULT, PAGE_COMPRESSED=DEFAULT, PAGE_COMPRESSION_LEVEL=DEFAULT, ENCRYPTED=DEFAULT, ENCRYPTION_KEY_ID=DEFAULT, STATS_PERSISTENT=1"
        );
        let aria = storage(Some("Aria"), &["PAGE_CHECKSUM=1", "TRANSACTIONAL=1"]);
        assert_eq!(
            alter(&table, &aria, &storage(None, &["PAGE_COMPRESSED='1'"])).unwrap(),
            "ALTER TABLE `t` ENGINE=InnoDB, PAGE_COMPRESSION_LEVEL=DEFAULT, ENCRYPTED=DEFAULT, ENCRYPTION_KEY_ID=DEFAULT, PAGE_COMPRESSED='1'"
        );
        // Within InnoDB, only what changes.
        assert_eq!(
            alter(
                &table,
                &storage(None, &["ROW_FORMAT=COMPACT"]),
                &storage(None, &[])
            )
            .unwrap(),
            "ALTER TABLE `t` ROW_FORMAT=DEFAULT"
        );
    }
}
