//! `CREATE SEQUENCE` with PostgreSQL's defaults filled in, as `pg_sequence` reports it.

use retort_core::schema::Sequence;
use sqlparser::ast::{Expr, SequenceOptions};

use super::types::{self, TypeClass};

/// `CREATE SEQUENCE` options with PostgreSQL's defaults filled in.
pub fn sequence(options: &[SequenceOptions]) -> Option<Sequence> {
    let number = |expression: &Expr| -> Option<i64> {
        let text = expression.to_string().replace(' ', "");
        text.parse().ok()
    };
    let mut data_type = "bigint".to_owned();
    let mut increment = 1;
    let (mut minimum, mut maximum, mut start, mut cycle) = (None, None, None, false);
    for option in options {
        match option {
            SequenceOptions::DataType(declared) => {
                let (name, class) = types::column_type(declared, &|_| None).ok()?;
                if class != TypeClass::Integer || types::is_serial(&name) {
                    return None;
                }
                data_type = name;
            }
            SequenceOptions::IncrementBy(value, _) => increment = number(value)?,
            SequenceOptions::MinValue(value) => {
                minimum = match value {
                    Some(value) => Some(number(value)?),
                    None => None,
                };
            }
            SequenceOptions::MaxValue(value) => {
                maximum = match value {
                    Some(value) => Some(number(value)?),
                    None => None,
                };
            }
            SequenceOptions::StartWith(value, _) => start = Some(number(value)?),
            SequenceOptions::Cycle(no_cycle) => cycle = !no_cycle,
            // The model keeps no cache size: any other than the default goes to the scratch
            // database, whose catalog names it. An owned sequence belongs to its column.
            SequenceOptions::Cache(value) if number(value)? == 1 => {}
            SequenceOptions::Cache(_) | SequenceOptions::OwnedBy(_) => return None,
        }
    }
    let (type_min, type_max) = match data_type.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    if increment == 0 {
        return None;
    }
    let minimum = minimum.unwrap_or(if increment > 0 { 1 } else { type_min });
    let maximum = maximum.unwrap_or(if increment > 0 { type_max } else { -1 });
    let start = start.unwrap_or(if increment > 0 { minimum } else { maximum });
    let valid = type_min <= minimum
        && minimum < maximum
        && maximum <= type_max
        && (minimum..=maximum).contains(&start);
    valid.then_some(Sequence {
        comment: None,
        data_type,
        start,
        increment,
        minimum,
        maximum,
        cycle,
    })
}
