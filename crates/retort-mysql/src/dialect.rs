//! MySQL's and MariaDB's [`Dialect`]: rendering and the type-change rules, on types as
//! `information_schema.COLUMNS.COLUMN_TYPE` prints them (`int(11)`, `bigint(20) unsigned`,
//! `decimal(10,2)`, `varchar(20)`).

use retort_core::autogenerate::screen::DeclaredStatement;
use retort_core::dialect::widening::{decimal_widens, length_widens, type_arguments};
use retort_core::dialect::Dialect;
use retort_core::diff::operation::Operation;
use retort_core::runner::connection::DatabaseError;
use retort_core::runner::split::Escapes;

pub struct Mysql;

/// The one instance, handed out by every MySQL connection.
pub static MYSQL: Mysql = Mysql;

impl Dialect for Mysql {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn escapes(&self) -> Escapes {
        Escapes::Backslash
    }

    fn classify_declared(&self, sql: &str) -> DeclaredStatement {
        crate::declared_statement::classify(sql)
    }

    fn render(&self, operation: &Operation) -> Result<Vec<String>, DatabaseError> {
        crate::render::render(operation)
    }

    fn adapt(
        &self,
        operations: Vec<Operation>,
        from: &retort_core::schema::Schema,
        to: &retort_core::schema::Schema,
    ) -> Vec<Operation> {
        let operations = crate::auto_increment_keys::pair_with_keys(operations);
        // Outside a column's check: the key's drop first, its addition last.
        let operations = crate::foreign_keys_around_retyped_columns::dropped_around_column_changes(
            operations, from,
        );
        let operations = crate::column_checks::kept_through_column_changes(&operations, from, to);
        let operations = crate::replaced_indexes::drop_after_replacement(operations);
        // Last: a column's place names the columns there when it is added, in the final order.
        crate::column_positions::placed_as_declared(operations, to)
    }

    fn widens(&self, from: &str, to: &str) -> bool {
        widens(from, to)
    }

    fn quote_identifier(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    /// Backslashes escape in MySQL's strings (unless `NO_BACKSLASH_ESCAPES`): doubled too.
    fn string_literal(&self, text: &str) -> String {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    }

    fn foreign_keys_renamed_with_table(&self) -> Option<&'static str> {
        Some("_ibfk_")
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn now_milliseconds(&self) -> &'static str {
        "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)"
    }

    fn insert_or_ignore(&self, table: &str, columns: &str, values: &str, _key: &str) -> String {
        format!("INSERT IGNORE INTO {table} {columns} VALUES {values}")
    }

    fn insert_or_replace(
        &self,
        table: &str,
        columns: &str,
        values: &str,
        _key: &str,
        _updated: &[&str],
    ) -> String {
        format!("REPLACE INTO {table} {columns} VALUES {values}")
    }
}

/// Integer types by rank.
const INTEGERS: [&str; 5] = ["tinyint", "smallint", "mediumint", "int", "bigint"];

/// Text types by the bytes they hold.
const TEXTS: [&str; 4] = ["tinytext", "text", "mediumtext", "longtext"];

/// A type without its display width and with its `unsigned` flag apart: `int(10) unsigned` →
/// (`int`, true). The display width changes nothing a column stores.
fn integer(text: &str) -> Option<(usize, bool)> {
    let (base, unsigned) = match text.strip_suffix(" unsigned") {
        Some(base) => (base, true),
        None => (text, false),
    };
    let name = base.split('(').next().unwrap_or(base);
    let rank = INTEGERS.iter().position(|t| *t == name)?;
    type_arguments(base, name)?;
    Some((rank, unsigned))
}

/// Whether every value of `from` is kept unchanged in `to`.
pub fn widens(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    if let (Some((a, a_unsigned)), Some((b, b_unsigned))) = (integer(from), integer(to)) {
        // Unsigned to signed needs a larger type; signed never fits unsigned.
        return match (a_unsigned, b_unsigned) {
            (false, false) | (true, true) => a <= b,
            (true, false) => a < b,
            (false, true) => false,
        };
    }
    if let (Some(a), Some(b)) = (
        type_arguments(from, "decimal"),
        type_arguments(to, "decimal"),
    ) {
        return decimal_widens(&a, &b);
    }
    if let Some(before) = type_arguments(from, "varchar") {
        if let Some(after) = type_arguments(to, "varchar") {
            return length_widens(&before, &after);
        }
        // `text` holds 65,535 bytes: any varchar of up to 16,383 four-byte characters.
        return match TEXTS.iter().position(|t| *t == to) {
            Some(0) | None => false,
            Some(1) => before.first().is_some_and(|n| *n <= 16_383),
            Some(_) => true,
        };
    }
    if let (Some(a), Some(b)) = (
        TEXTS.iter().position(|t| *t == from),
        TEXTS.iter().position(|t| *t == to),
    ) {
        return a <= b;
    }
    from == "float" && to == "double"
}

#[cfg(test)]
mod tests {
    use super::widens;

    #[test]
    fn literals_and_lists() {
        use retort_core::dialect::Dialect;
        assert_eq!(super::MYSQL.string_literal("it's \\ ok"), "'it''s \\\\ ok'");
        assert_eq!(
            super::MYSQL.quote_list(&["a".into(), "b`c".into()]),
            "`a`, `b``c`"
        );
    }

    #[test]
    fn widening_is_not_destructive() {
        assert!(widens("int(11)", "bigint(20)"));
        assert!(widens("int", "bigint"));
        assert!(widens("int(10) unsigned", "bigint(20) unsigned"));
        assert!(widens("int(10) unsigned", "bigint(20)"));
        assert!(!widens("int(10) unsigned", "int(11)"));
        assert!(!widens("int(11)", "int(10) unsigned"));
        assert!(!widens("bigint(20)", "int(11)"));
        assert!(widens("varchar(20)", "varchar(255)"));
        assert!(!widens("varchar(255)", "varchar(20)"));
        assert!(widens("varchar(255)", "text"));
        assert!(widens("text", "longtext"));
        assert!(!widens("longtext", "text"));
        assert!(widens("decimal(10,2)", "decimal(12,2)"));
        assert!(!widens("decimal(10,4)", "decimal(10,2)"));
        assert!(!widens("varchar(20)", "int(11)"));
    }
}
