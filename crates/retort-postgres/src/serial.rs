//! PostgreSQL's serial types: not types of their own, but an integer column with an owned
//! sequence and a `nextval` default.

/// PostgreSQL's serial types and the integer each stores: `serial` is `integer` with an owned
/// sequence and a `nextval` default.
const SERIAL_TYPES: [(&str, &str); 3] = [
    ("smallserial", "smallint"),
    ("serial", "integer"),
    ("bigserial", "bigint"),
];

/// The integer type a serial type stores, or `None` for any other type.
pub fn serial_storage(data_type: &str) -> Option<&'static str> {
    SERIAL_TYPES
        .iter()
        .find(|(serial, _)| *serial == data_type)
        .map(|(_, stored)| *stored)
}

/// The serial type that stores `integer_type`, or `None` for a type no serial stores.
pub fn serial_for(integer_type: &str) -> Option<&'static str> {
    SERIAL_TYPES
        .iter()
        .find(|(_, stored)| *stored == integer_type)
        .map(|(serial, _)| *serial)
}
