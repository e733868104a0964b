//! The exactness check of the declared-schema parsers: for every declared file a parser takes,
//! `parse(S) == introspect(load(S))`. The files are the round-trip fixtures' `from.sql` and
//! `to.sql` (which a parser may decline) and `tests/fixtures/declared/<dialect>/accepted` (which
//! it must take: they cover every construct it claims); `declared/<dialect>/declined` holds what
//! it must leave to the scratch database.

use std::fmt::{Debug, Display};
use std::path::{Path, PathBuf};

/// Check `parse` against `load` (run the file on a fresh database and introspect it) and return
/// how many files the parser took. Panics with every difference and unexpected decline.
pub fn assert_parser_matches_catalog<S: PartialEq + Debug, E: Display>(
    fixtures: &Path,
    dialect: &str,
    parse: impl Fn(&Path, &str) -> Result<S, E>,
    load: impl Fn(&str) -> S,
) -> usize {
    let must_accept = sql_files(&fixtures.join("declared").join(dialect).join("accepted"));
    let mut files: Vec<PathBuf> = crate::round_trip::cases(&fixtures.join("diff").join(dialect))
        .into_iter()
        .flat_map(|case| [case.join("from.sql"), case.join("to.sql")])
        .collect();
    files.extend(must_accept.iter().cloned());
    let mut accepted = 0;
    let mut failures = Vec::new();
    for file in &files {
        let sql = fs_err::read_to_string(file).unwrap();
        match compare(file, &sql, &parse, &load) {
            Ok(difference) => {
                accepted += 1;
                if let Some(difference) = difference {
                    failures.push(format!("{}:\n{difference}", file.display()));
                }
            }
            Err(declined) if must_accept.contains(file) => {
                failures.push(format!("{} was declined: {declined}", file.display()));
            }
            Err(declined) => eprintln!("parser declines {}: {declined}", file.display()),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files fail:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    accepted
}

/// The same property on the random schemas of `schema_generator` (seeds `0..count`), which use
/// only constructs the parser claims: each must be taken, and equal the catalog.
pub fn assert_parser_matches_catalog_on_random_schemas<S: PartialEq + Debug, E: Display>(
    flavor: crate::schema_generator::Flavor,
    count: u64,
    parse: impl Fn(&Path, &str) -> Result<S, E>,
    load: impl Fn(&str) -> S,
) {
    let mut failures = Vec::new();
    for seed in 0..count {
        let sql = crate::schema_generator::random_schema(flavor, seed);
        let path = PathBuf::from(format!("random-{seed}.sql"));
        match compare(&path, &sql, &parse, &load) {
            Ok(None) => {}
            Ok(Some(difference)) => failures.push(format!("seed {seed}:\n{sql}\n{difference}")),
            Err(declined) => failures.push(format!("seed {seed} was declined: {declined}\n{sql}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} random schemas fail:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Parse `sql` and, when the parser takes it, load it and compare: `Ok(None)` when equal,
/// `Ok(Some(difference))` when not, `Err` with the parser's reason when it declines.
fn compare<S: PartialEq + Debug, E>(
    path: &Path,
    sql: &str,
    parse: &impl Fn(&Path, &str) -> Result<S, E>,
    load: &impl Fn(&str) -> S,
) -> Result<Option<String>, E> {
    let parsed = parse(path, sql)?;
    let loaded = load(sql);
    Ok((parsed != loaded)
        .then(|| first_difference(&format!("{parsed:#?}"), &format!("{loaded:#?}"))))
}

/// Every file of `declared/<dialect>/declined` must be declined.
pub fn assert_parser_declines<S: Debug, E>(
    fixtures: &Path,
    dialect: &str,
    parse: impl Fn(&Path, &str) -> Result<S, E>,
) {
    let files = sql_files(&fixtures.join("declared").join(dialect).join("declined"));
    assert!(!files.is_empty());
    for file in files {
        let sql = fs_err::read_to_string(&file).unwrap();
        if let Ok(parsed) = parse(&file, &sql) {
            panic!(
                "{} should be declined, parsed as {parsed:#?}",
                file.display()
            );
        }
    }
}

fn sql_files(directory: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs_err::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// The two pretty-printed values around the first line where they part.
pub fn first_difference(parsed: &str, loaded: &str) -> String {
    let (parsed, loaded): (Vec<&str>, Vec<&str>) =
        (parsed.lines().collect(), loaded.lines().collect());
    let at = parsed
        .iter()
        .zip(&loaded)
        .position(|(a, b)| a != b)
        .unwrap_or(parsed.len().min(loaded.len()));
    let window = |lines: &[&str]| lines[at.saturating_sub(8)..(at + 4).min(lines.len())].join("\n");
    format!(
        "  parsed (line {at}):\n{}\n  loaded:\n{}",
        window(&parsed),
        window(&loaded)
    )
}
