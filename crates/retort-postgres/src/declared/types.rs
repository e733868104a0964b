//! Column types spelled as PostgreSQL's `format_type` prints them (`int4` → `integer`,
//! `varchar(20)` → `character varying(20)`, `timestamptz` → `timestamp with time zone`).

use sqlparser::ast::{
    ArrayElemTypeDef, CharacterLength, DataType, ExactNumberInfo, ObjectName, TimezoneInfo,
};

use super::Declined;

/// What a column holds, which decides how literals compared with it or defaulting it print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeClass {
    /// smallint, integer, bigint (and their serial forms).
    Integer,
    Numeric,
    /// real, double precision.
    Float,
    Text,
    Varchar,
    /// `character(n)`: PostgreSQL's bpchar.
    Character,
    Boolean,
    Date,
    Timestamp,
    Uuid,
    Json,
    Array,
    Other,
    /// An enum type declared earlier in the schema, with its labels.
    Enum(Vec<String>),
}

/// A column type as `format_type` prints it, and its class. `enums` are the enum types declared
/// so far, by name.
pub fn column_type(
    data_type: &DataType,
    enums: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Result<(String, TypeClass), Declined> {
    let declined = || Declined(format!("column type {data_type}"));
    let plain = |name: &str, class: TypeClass| Ok((name.to_owned(), class));
    match data_type {
        DataType::SmallInt(None) | DataType::Int2(None) => plain("smallint", TypeClass::Integer),
        DataType::Int(None) | DataType::Integer(None) | DataType::Int4(None) => {
            plain("integer", TypeClass::Integer)
        }
        DataType::BigInt(None) | DataType::Int8(None) => plain("bigint", TypeClass::Integer),
        DataType::Real | DataType::Float4 => plain("real", TypeClass::Float),
        DataType::DoublePrecision | DataType::Float8 | DataType::Float(ExactNumberInfo::None) => {
            plain("double precision", TypeClass::Float)
        }
        DataType::Numeric(info) | DataType::Decimal(info) => {
            let text = match info {
                ExactNumberInfo::None => "numeric".to_owned(),
                ExactNumberInfo::Precision(p) => format!("numeric({p},0)"),
                ExactNumberInfo::PrecisionAndScale(p, s) if *s >= 0 => format!("numeric({p},{s})"),
                ExactNumberInfo::PrecisionAndScale(..) => return Err(declined()),
            };
            Ok((text, TypeClass::Numeric))
        }
        DataType::Varchar(length) | DataType::CharacterVarying(length) => {
            let text = match length {
                None => "character varying".to_owned(),
                Some(CharacterLength::IntegerLength { length, unit: None }) => {
                    format!("character varying({length})")
                }
                Some(_) => return Err(declined()),
            };
            Ok((text, TypeClass::Varchar))
        }
        DataType::Char(length) | DataType::Character(length) => {
            let length = match length {
                None => 1,
                Some(CharacterLength::IntegerLength { length, unit: None }) => *length,
                Some(_) => return Err(declined()),
            };
            Ok((format!("character({length})"), TypeClass::Character))
        }
        DataType::Text => plain("text", TypeClass::Text),
        DataType::Boolean | DataType::Bool => plain("boolean", TypeClass::Boolean),
        DataType::Date => plain("date", TypeClass::Date),
        DataType::Timestamp(precision, zone) => {
            let precision = precision.map(|p| format!("({p})")).unwrap_or_default();
            let zone = match zone {
                TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => "without",
                TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => "with",
            };
            Ok((
                format!("timestamp{precision} {zone} time zone"),
                TypeClass::Timestamp,
            ))
        }
        DataType::Uuid => plain("uuid", TypeClass::Uuid),
        DataType::JSONB => plain("jsonb", TypeClass::Json),
        DataType::JSON => plain("json", TypeClass::Other),
        DataType::Bytea => plain("bytea", TypeClass::Other),
        DataType::Array(ArrayElemTypeDef::SquareBracket(element, _)) => {
            // PostgreSQL keeps no number of dimensions nor sizes: `int[][]` and `int[3][3]`
            // are `integer[]` in its catalog (and take arrays of any dimensions and sizes).
            let mut element = element.as_ref();
            while let DataType::Array(ArrayElemTypeDef::SquareBracket(inner, _)) = element {
                element = inner.as_ref();
            }
            let (element, _) = column_type(element, enums)?;
            Ok((format!("{element}[]"), TypeClass::Array))
        }
        DataType::Custom(name, modifiers) if modifiers.is_empty() => {
            let name = custom_name(name).ok_or_else(declined)?;
            match name.as_str() {
                "int2" => plain("smallint", TypeClass::Integer),
                "int4" => plain("integer", TypeClass::Integer),
                "int8" => plain("bigint", TypeClass::Integer),
                "serial" | "serial4" => plain("serial", TypeClass::Integer),
                "bigserial" | "serial8" => plain("bigserial", TypeClass::Integer),
                "smallserial" | "serial2" => plain("smallserial", TypeClass::Integer),
                "float4" => plain("real", TypeClass::Float),
                "float8" => plain("double precision", TypeClass::Float),
                "timestamptz" => plain("timestamp with time zone", TypeClass::Timestamp),
                "bool" => plain("boolean", TypeClass::Boolean),
                other => match enums(other) {
                    Some(labels) => Ok((other.to_owned(), TypeClass::Enum(labels))),
                    None => Err(declined()),
                },
            }
        }
        _ => Err(declined()),
    }
}

/// A one-part (or `public.`) unquoted name, folded to lower case.
fn custom_name(name: &ObjectName) -> Option<String> {
    let parts: Vec<String> = name.0.iter().map(ToString::to_string).collect();
    let last = match parts.as_slice() {
        [only] => only,
        [schema, last] if schema == "public" => last,
        _ => return None,
    };
    (!last.contains('"')).then(|| last.to_ascii_lowercase())
}

/// Is this a serial type (an integer with a sequence behind it)?
pub fn is_serial(data_type: &str) -> bool {
    crate::serial::serial_storage(data_type).is_some()
}
