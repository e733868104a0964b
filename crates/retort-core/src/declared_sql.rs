//! What the dialects' declared-schema parsers share: why a parser declines, the literals it
//! reads out of sqlparser's expressions, and the forms of CREATE TABLE none of them take.

use sqlparser::ast::{
    BinaryOperator, CreateTable, Expr, ReferentialAction, Statement, UnaryOperator, Value,
};

/// Why a dialect's parser left a declared schema to the scratch database: the construct it does
/// not take, or the statement the database would refuse (and then names with its position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined(pub String);

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Declined {
    /// A statement no parser takes, by its first two words (`CREATE VIEW`).
    pub fn statement(statement: &Statement) -> Self {
        let text = statement.to_string();
        let words: Vec<&str> = text.split_whitespace().take(2).collect();
        Self(format!("the statement {}", words.join(" ")))
    }
}

/// A literal in a default or a comparison, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Null,
    Boolean(bool),
    /// As written, with a leading `-` for a negated number.
    Number(String),
    /// A quoted string without backslashes (whose meaning depends on server settings).
    Text(String),
    /// A function called without arguments: its lower-case name and whether parentheses
    /// followed (`now()` against `CURRENT_TIMESTAMP`).
    Call(String, bool),
}

impl Literal {
    pub fn of(expression: &Expr) -> Option<Self> {
        match expression {
            Expr::Value(value) => match &value.value {
                Value::Null => Some(Self::Null),
                Value::Boolean(b) => Some(Self::Boolean(*b)),
                Value::Number(n, false) => Some(Self::Number(n.clone())),
                Value::SingleQuotedString(s) | Value::DoubleQuotedString(s)
                    if !s.contains('\\') =>
                {
                    Some(Self::Text(s.clone()))
                }
                _ => None,
            },
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => match Self::of(expr)? {
                Self::Number(n) if !n.starts_with('-') => Some(Self::Number(format!("-{n}"))),
                _ => None,
            },
            Expr::Identifier(name) if name.quote_style.is_none() => {
                Some(Self::Call(name.value.to_ascii_lowercase(), false))
            }
            Expr::Function(function) => {
                let parentheses = match function.args.to_string().as_str() {
                    "" => false,
                    "()" => true,
                    _ => return None,
                };
                let name = function.name.to_string().to_ascii_lowercase();
                Some(Self::Call(name, parentheses))
            }
            _ => None,
        }
    }
}

/// A comparison as both servers print it back (`!=` becomes `<>`).
pub fn comparison_operator(operator: &BinaryOperator) -> Option<&'static str> {
    Some(match operator {
        BinaryOperator::Eq => "=",
        BinaryOperator::NotEq => "<>",
        BinaryOperator::Lt => "<",
        BinaryOperator::LtEq => "<=",
        BinaryOperator::Gt => ">",
        BinaryOperator::GtEq => ">=",
        _ => return None,
    })
}

/// A foreign key action as the catalogs spell it (`SET NULL`); a missing one is the caller's
/// default (`NO ACTION` on PostgreSQL, `RESTRICT` on MariaDB).
pub fn referential_action(
    action: Option<&ReferentialAction>,
    default: &'static str,
) -> &'static str {
    match action {
        None => default,
        Some(ReferentialAction::NoAction) => "NO ACTION",
        Some(ReferentialAction::Restrict) => "RESTRICT",
        Some(ReferentialAction::Cascade) => "CASCADE",
        Some(ReferentialAction::SetNull) => "SET NULL",
        Some(ReferentialAction::SetDefault) => "SET DEFAULT",
    }
}

/// `YYYY-MM-DD`, a date every server reads the same way (days up to 28, so every month has it).
pub fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
        && ("01"..="12").contains(&&text[5..7])
        && ("01"..="28").contains(&&text[8..10])
}

/// A plain `CREATE TABLE name (…)`: not temporary, not `AS SELECT`, `LIKE`, a clone, or
/// partitioned, and not `IF NOT EXISTS` (which would hide a table declared twice).
pub fn is_plain_create_table(create: &CreateTable) -> bool {
    !(create.or_replace
        || create.temporary
        || create.unlogged
        || create.if_not_exists
        || create.query.is_some()
        || create.like.is_some()
        || create.clone.is_some()
        || create.partition_by.is_some()
        || create.inherits.is_some())
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates_are_plain_and_valid_in_every_month() {
        assert!(is_date("2024-02-28"));
        assert!(!is_date("2024-02-30"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("2024-1-01"));
    }
}
