//! The check written before a narrowing type change: it fails the revision, before anything
//! changes, when a value would not survive the change unchanged. `USING column::type` is an
//! explicit cast, and an explicit cast truncates text and rounds numbers without a word.

use retort_core::schema::QualifiedName;

use super::{quote, table_name};

/// How a value is compared with itself cast to the new type and back to the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    /// By the old type's equality, which sees every change of value and nothing else: integers,
    /// `numeric` (`10` and `10.00` are one value: `numeric(12,2)` keeps it, only the digits
    /// shown change), `money`. As text, `10` → `10.00` would count as lost.
    Values,
    /// By the old type's equality and as text: floating point. Equality calls `-0` and `0` the
    /// same, and text hides digits when `extra_float_digits` is below 1; together they miss
    /// nothing.
    ValuesAndText,
    /// As text, which every type has: where equality is absent (`json`, `point`) or looser than
    /// the value (`citext` ignores case, `interval` calls `1 day` and `24 hours` equal, a
    /// domain or an enum may be anything).
    Text,
}

/// The comparison for a column of type `old` (as `format_type` prints it; an array of one of
/// these compares element by element the same way).
fn comparison(old: &str) -> Comparison {
    let element = old.trim_end_matches("[]");
    let base = element.split('(').next().unwrap_or(element).trim();
    match base {
        "smallint" | "integer" | "bigint" | "numeric" | "money" => Comparison::Values,
        "real" | "double precision" => Comparison::ValuesAndText,
        _ => Comparison::Text,
    }
}

/// The condition that holds for a row of `column` whose value does not come back unchanged
/// from `to` to `from`.
fn lost_condition(column: &str, from: &str, to: &str) -> String {
    let value = quote(column);
    let back = format!("({value}::{to})::{from}");
    let as_values = format!("{back} IS DISTINCT FROM {value}");
    let as_text = format!("({back})::text IS DISTINCT FROM {value}::text");
    match comparison(from) {
        Comparison::Values => as_values,
        Comparison::ValuesAndText => format!("({as_values} OR {as_text})"),
        Comparison::Text => as_text,
    }
}

/// A statement that fails, before the type of `table.column` changes from `from` to `to`,
/// when a value of it would not survive the change unchanged: casting it to the new type and
/// back does not give it again (see [`Comparison`] for what "again" means per type).
pub(super) fn narrowing_guard(table: &QualifiedName, column: &str, from: &str, to: &str) -> String {
    let value = quote(column);
    let shown = |text: &str| text.replace('\'', "''").replace('%', "%%");
    format!(
        "DO $retort$\nDECLARE\n    lost bigint;\nBEGIN\n    SELECT count(*) INTO lost FROM {table} WHERE {value} IS NOT NULL AND {lost};\n    IF lost > 0 THEN\n        RAISE EXCEPTION 'retort: % row(s) of {table_shown} hold a value of column {column_shown} that {to_shown} cannot hold unchanged; nothing was changed', lost\n            USING HINT = 'convert or delete those rows in an earlier revision, or write the conversion into this one in place of this check';\n    END IF;\nEND\n$retort$",
        table = table_name(table),
        lost = lost_condition(column, from, to),
        table_shown = shown(&table.to_string()),
        column_shown = shown(column),
        to_shown = shown(to),
    )
}

#[cfg(test)]
mod tests {
    use super::{comparison, lost_condition, Comparison};

    #[test]
    fn numbers_compare_as_values_and_the_rest_as_text() {
        assert_eq!(comparison("numeric"), Comparison::Values);
        assert_eq!(comparison("numeric(12,4)"), Comparison::Values);
        assert_eq!(comparison("bigint"), Comparison::Values);
        assert_eq!(comparison("integer[]"), Comparison::Values);
        assert_eq!(comparison("money"), Comparison::Values);
        assert_eq!(comparison("double precision"), Comparison::ValuesAndText);
        assert_eq!(comparison("real"), Comparison::ValuesAndText);
        assert_eq!(comparison("text"), Comparison::Text);
        assert_eq!(comparison("json"), Comparison::Text);
        assert_eq!(comparison("citext"), Comparison::Text);
        assert_eq!(comparison("interval"), Comparison::Text);
        assert_eq!(
            comparison("timestamp(3) without time zone"),
            Comparison::Text
        );
    }

    #[test]
    fn conditions() {
        assert_eq!(
            lost_condition("amount", "numeric", "numeric(12,2)"),
            "(\"amount\"::numeric(12,2))::numeric IS DISTINCT FROM \"amount\""
        );
        assert_eq!(
            lost_condition("x", "double precision", "real"),
            "((\"x\"::real)::double precision IS DISTINCT FROM \"x\" OR ((\"x\"::real)::double precision)::text IS DISTINCT FROM \"x\"::text)"
        );
        assert_eq!(
            lost_condition("n", "text", "integer"),
            "((\"n\"::integer)::text)::text IS DISTINCT FROM \"n\"::text"
        );
    }
}
