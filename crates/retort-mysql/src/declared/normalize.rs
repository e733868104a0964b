//! Column types, default values and CHECK expressions spelled exactly as MariaDB's
//! `information_schema` prints them back (`INT` → `int(11)`, `DEFAULT 2` on `decimal(8,3)` →
//! `2.000`, `CHECK (a > 0)` → `` `a` > 0 ``). Each rule was read off a MariaDB 10.11 server; what
//! is not covered here declines, and the declared schema takes the scratch-database path.

use retort_core::declared_sql::{comparison_operator, is_date, Literal};
use retort_core::dialect::Dialect;
use sqlparser::ast::{BinaryOperator, CharacterLength, DataType, ExactNumberInfo, Expr};

use super::{Declined, ServerRules};

/// What a column's values are, which decides how its default is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeClass {
    /// An integer type with its range.
    Integer {
        min: i128,
        max: i128,
    },
    Decimal {
        precision: u64,
        scale: u64,
    },
    /// `char`/`varchar`/`text`: `length` in characters (`None`: the text types).
    Text {
        length: Option<u64>,
    },
    Float,
    Date,
    /// `datetime` or `timestamp`; with fractional seconds, only `DEFAULT NULL` is taken.
    Datetime {
        fractional: bool,
    },
    Time,
}

impl TypeClass {
    /// May a key use this column whole (TEXT needs a prefix length)?
    pub fn indexable_whole(self) -> bool {
        !matches!(self, Self::Text { length: None })
    }

    /// The bytes an index entry takes for the column (utf8mb4 text: 4 bytes a character).
    pub fn key_bytes(self, prefix: Option<u64>) -> u64 {
        match (self, prefix) {
            (_, Some(prefix)) => prefix * 4,
            (
                Self::Text {
                    length: Some(length),
                },
                None,
            ) => length * 4,
            _ => 8,
        }
    }
}

/// The column type as `COLUMN_TYPE` prints it, and its class.
pub fn column_type(
    data_type: &DataType,
    rules: ServerRules,
) -> Result<(String, TypeClass), Declined> {
    let integer = |name: &str, width: Option<u64>, default_width: u64, bits: u32, unsigned| {
        let width = width.unwrap_or(default_width);
        let (min, max) = if unsigned {
            (0, (1_i128 << bits) - 1)
        } else {
            (-(1_i128 << (bits - 1)), (1_i128 << (bits - 1)) - 1)
        };
        let suffix = if unsigned { " unsigned" } else { "" };
        (
            format!("{name}({width}){suffix}"),
            TypeClass::Integer { min, max },
        )
    };
    let decimal = |info: &ExactNumberInfo| {
        let (precision, scale) = match info {
            ExactNumberInfo::None => (10, 0),
            ExactNumberInfo::Precision(p) => (*p, 0),
            ExactNumberInfo::PrecisionAndScale(p, s) => (*p, u64::try_from(*s).ok()?),
        };
        (precision <= 65 && scale <= 38 && scale <= precision).then(|| {
            (
                format!("decimal({precision},{scale})"),
                TypeClass::Decimal { precision, scale },
            )
        })
    };
    let text = |name: &str, length: Option<u64>| {
        let shown = length.map(|l| format!("({l})")).unwrap_or_default();
        (format!("{name}{shown}"), TypeClass::Text { length })
    };
    let declined = || Declined(format!("column type {data_type}"));
    let normalized = match data_type {
        DataType::TinyInt(w) => integer("tinyint", *w, 4, 8, false),
        DataType::TinyIntUnsigned(w) => integer("tinyint", *w, 3, 8, true),
        DataType::SmallInt(w) => integer("smallint", *w, 6, 16, false),
        DataType::SmallIntUnsigned(w) => integer("smallint", *w, 5, 16, true),
        DataType::MediumInt(w) => integer("mediumint", *w, 9, 24, false),
        DataType::MediumIntUnsigned(w) => integer("mediumint", *w, 8, 24, true),
        DataType::Int(w) | DataType::Integer(w) => integer("int", *w, 11, 32, false),
        DataType::IntUnsigned(w) | DataType::IntegerUnsigned(w) => {
            integer("int", *w, 10, 32, true)
        }
        DataType::BigInt(w) => integer("bigint", *w, 20, 64, false),
        DataType::BigIntUnsigned(w) => integer("bigint", *w, 20, 64, true),
        DataType::Bool | DataType::Boolean => integer("tinyint", Some(1), 1, 8, false),
        DataType::Decimal(info) | DataType::Numeric(info) | DataType::Dec(info) => {
            decimal(info).ok_or_else(declined)?
        }
        DataType::Float(ExactNumberInfo::None) => ("float".to_owned(), TypeClass::Float),
        DataType::Double(ExactNumberInfo::None) | DataType::DoublePrecision | DataType::Real => {
            ("double".to_owned(), TypeClass::Float)
        }
        DataType::Varchar(Some(CharacterLength::IntegerLength { length, unit: None }))
            // Longer would not fit a row in utf8mb4 (strict mode refuses, other modes make it text).
            if *length > 0 && *length <= 16_383 =>
        {
            text("varchar", Some(*length))
        }
        DataType::Char(None) => text("char", Some(1)),
        DataType::Char(Some(CharacterLength::IntegerLength { length, unit: None }))
            if *length <= 255 =>
        {
            text("char", Some(*length))
        }
        DataType::Text => text("text", None),
        DataType::TinyText => text("tinytext", None),
        DataType::MediumText => text("mediumtext", None),
        DataType::LongText => text("longtext", None),
        DataType::Date => ("date".to_owned(), TypeClass::Date),
        DataType::Datetime(precision) => moment("datetime", *precision).ok_or_else(declined)?,
        DataType::Timestamp(precision, sqlparser::ast::TimezoneInfo::None)
            if rules.explicit_defaults_for_timestamp =>
        {
            moment("timestamp", *precision).ok_or_else(declined)?
        }
        DataType::Time(None, sqlparser::ast::TimezoneInfo::None) => {
            ("time".to_owned(), TypeClass::Time)
        }
        // JSON becomes longtext plus a CHECK; ENUM and SET re-quote their values: the scratch
        // database knows those exactly.
        _ => return Err(declined()),
    };
    Ok(normalized)
}

/// `datetime(3)`, `timestamp`: fractional seconds up to 6 digits.
fn moment(name: &str, precision: Option<u64>) -> Option<(String, TypeClass)> {
    match precision {
        None | Some(0) => Some((name.to_owned(), TypeClass::Datetime { fractional: false })),
        Some(p @ 1..=6) => Some((
            format!("{name}({p})"),
            TypeClass::Datetime { fractional: true },
        )),
        Some(_) => None,
    }
}

/// The default as `COLUMN_DEFAULT` prints it (`None` for `DEFAULT NULL`).
pub fn default_value(expression: &Expr, class: TypeClass) -> Result<Option<String>, Declined> {
    let declined = || Declined(format!("default value {expression}"));
    let literal = Literal::of(expression).ok_or_else(declined)?;
    let printed = match (literal, class) {
        (Literal::Null, _) => return Ok(None),
        (Literal::Number(text) | Literal::Text(text), TypeClass::Integer { min, max }) => {
            let value: i128 = canonical_integer(&text).ok_or_else(declined)?;
            if value < min || value > max {
                return Err(declined());
            }
            value.to_string()
        }
        (Literal::Boolean(value), TypeClass::Integer { .. }) => u8::from(value).to_string(),
        (Literal::Number(text), TypeClass::Decimal { precision, scale }) => {
            fixed_point(&text, precision, scale).ok_or_else(declined)?
        }
        (Literal::Number(text) | Literal::Text(text), TypeClass::Text { length }) => {
            if text.contains(['\\', '\0'])
                || length.is_some_and(|l| text.chars().count() as u64 > l)
            {
                return Err(declined());
            }
            crate::dialect::MYSQL.string_literal(&text)
        }
        (literal, TypeClass::Datetime { fractional: false }) if is_current_timestamp(&literal) => {
            "current_timestamp()".to_owned()
        }
        (Literal::Text(text), TypeClass::Datetime { fractional: false }) if is_date(&text) => {
            format!("'{text} 00:00:00'")
        }
        (Literal::Text(text), TypeClass::Datetime { fractional: false }) if is_datetime(&text) => {
            format!("'{text}'")
        }
        (Literal::Text(text), TypeClass::Date) if is_date(&text) => format!("'{text}'"),
        _ => return Err(declined()),
    };
    Ok(Some(printed))
}

/// A CHECK expression as `CHECK_CLAUSE` prints it: comparisons of a column with a number,
/// joined by AND (`` `b` >= -5 and `b` < 10 ``).
/// `columns` are the table's: a clause naming another is refused by MariaDB.
pub fn check_clause(expression: &Expr, columns: &[String]) -> Result<String, Declined> {
    let declined = || Declined(format!("CHECK ({expression})"));
    match expression {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => Ok(format!(
            "{} and {}",
            check_clause(left, columns)?,
            check_clause(right, columns)?
        )),
        Expr::BinaryOp { left, op, right } => {
            let operator = comparison_operator(op).ok_or_else(declined)?;
            let Expr::Identifier(column) = left.as_ref() else {
                return Err(declined());
            };
            if !columns.contains(&column.value) {
                return Err(declined());
            }
            let Some(Literal::Number(number)) = Literal::of(right) else {
                return Err(declined());
            };
            let number = canonical_integer(&number).ok_or_else(declined)?;
            Ok(format!(
                "{} {operator} {number}",
                crate::render::quote(&column.value)
            ))
        }
        _ => Err(declined()),
    }
}

/// `CURRENT_TIMESTAMP`, `CURRENT_TIMESTAMP()` or `now()`.
fn is_current_timestamp(literal: &Literal) -> bool {
    matches!(literal, Literal::Call(name, parentheses)
        if name == "current_timestamp" || (name == "now" && *parentheses))
}

/// `-0012` → -12; anything but an optional sign and digits → `None`.
fn canonical_integer(text: &str) -> Option<i128> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `2` on `decimal(8,3)` → `2.000`. `None` when the value would be rounded or overflow.
fn fixed_point(text: &str, precision: u64, scale: u64) -> Option<String> {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() as u64 > scale
    {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() as u64 > precision - scale {
        return None;
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    let mut printed = format!("{sign}{whole}");
    if scale > 0 {
        printed.push('.');
        printed.push_str(fraction);
        let padding = scale - fraction.len() as u64;
        printed.extend((0..padding).map(|_| '0'));
    }
    // MariaDB prints a negative zero as zero.
    if printed
        .trim_start_matches('-')
        .bytes()
        .all(|b| b == b'0' || b == b'.')
    {
        printed = printed.trim_start_matches('-').to_owned();
    }
    Some(printed)
}

fn is_datetime(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() == 19
        && is_date(&text[..10])
        && bytes[10] == b' '
        && bytes[11..].iter().enumerate().all(|(i, b)| {
            if i == 2 || i == 5 {
                *b == b':'
            } else {
                b.is_ascii_digit()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::{column_type, fixed_point, ServerRules};
    use sqlparser::ast::{DataType, TimezoneInfo};

    #[test]
    fn timestamps_depend_on_explicit_defaults_for_timestamp() {
        let timestamp = DataType::Timestamp(None, TimezoneInfo::None);
        let explicit = ServerRules {
            explicit_defaults_for_timestamp: true,
        };
        let implicit = ServerRules {
            explicit_defaults_for_timestamp: false,
        };
        assert_eq!(column_type(&timestamp, explicit).unwrap().0, "timestamp");
        assert!(column_type(&timestamp, implicit).is_err());
    }

    #[test]
    fn decimals_are_printed_to_their_scale() {
        assert_eq!(fixed_point("2", 8, 3).as_deref(), Some("2.000"));
        assert_eq!(fixed_point("-0.5", 5, 1).as_deref(), Some("-0.5"));
        assert_eq!(fixed_point("007.25", 5, 2).as_deref(), Some("7.25"));
        assert_eq!(fixed_point("-0", 5, 1).as_deref(), Some("0.0"));
        assert_eq!(fixed_point("1.555", 5, 2), None, "would be rounded");
        assert_eq!(fixed_point("1000", 5, 2), None, "would overflow");
    }
}
