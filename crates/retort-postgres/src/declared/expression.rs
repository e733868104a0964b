//! Defaults and boolean expressions (CHECK constraints, partial-index predicates) printed as
//! PostgreSQL's `pg_get_expr` / `pg_get_constraintdef` print them back: every operator in
//! parentheses, literals with the casts the server's type resolution adds (`n > 0` on a numeric
//! column → `(n > (0)::numeric)`, `DEFAULT -1` → `'-1'::integer`). Each rule was read off a
//! PostgreSQL 15 server; what is not covered declines.

use std::collections::BTreeMap;

use retort_core::declared_sql::{comparison_operator, is_date, Literal};
use retort_core::dialect::Dialect;
use sqlparser::ast::{BinaryOperator, Expr, InTarget, UnaryOperator};

use super::names::{is_plain, plain_identifier};
use super::types::TypeClass;
use super::Declined;

/// The largest integer literal PostgreSQL types `integer`; larger ones are `bigint`.
const INT4_MAX: i128 = i32::MAX as i128;
const INT8_MAX: i128 = i64::MAX as i128;

/// The functions a default may call, as PostgreSQL prints them.
fn known_function(literal: &Literal) -> Option<&'static str> {
    let Literal::Call(name, parentheses) = literal else {
        return None;
    };
    match (name.as_str(), parentheses) {
        ("current_timestamp", false) => Some("CURRENT_TIMESTAMP"),
        ("current_date", false) => Some("CURRENT_DATE"),
        ("now", true) => Some("now()"),
        ("gen_random_uuid", true) => Some("gen_random_uuid()"),
        _ => None,
    }
}

/// Digits with at most one `.` inside: no exponent, no leading `.`, no leading zeros.
fn is_plain_number(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
}

/// A number as PostgreSQL types the literal: `integer`, `bigint` or `numeric`, and whether the
/// printed constant needs its type spelled (`'-1'::integer`) because it is negative or not an
/// `integer`.
fn constant(number: &str) -> String {
    let negative = number.starts_with('-');
    let magnitude: Option<i128> = number
        .trim_start_matches('-')
        .parse()
        .ok()
        .filter(|_| !number.contains('.'));
    match magnitude {
        Some(m) if m <= INT4_MAX && !negative => number.to_owned(),
        Some(m) if m <= INT4_MAX + 1 && negative => format!("'{number}'::integer"),
        Some(m) if m <= INT8_MAX => format!("'{number}'::bigint"),
        _ if negative => format!("'{number}'::numeric"),
        _ => number.to_owned(),
    }
}

fn quoted(text: &str, cast: &str) -> String {
    format!("{}::{cast}", crate::dialect::POSTGRES.string_literal(text))
}

/// A column default as `pg_get_expr` prints it (`None` for `DEFAULT NULL`).
pub fn default_value(
    expression: &Expr,
    data_type: &str,
    class: &TypeClass,
) -> Result<Option<String>, Declined> {
    let declined = || Declined(format!("default value {expression}"));
    let literal = Literal::of(expression).ok_or_else(declined)?;
    if let Some(function) = known_function(&literal) {
        let fits = match function {
            "CURRENT_TIMESTAMP" | "now()" => *class == TypeClass::Timestamp,
            "CURRENT_DATE" => *class == TypeClass::Date,
            _ => *class == TypeClass::Uuid,
        };
        return if fits {
            Ok(Some(function.to_owned()))
        } else {
            Err(declined())
        };
    }
    let printed = match (literal, class) {
        (Literal::Null, _) => return Ok(None),
        (Literal::Number(n), TypeClass::Integer | TypeClass::Numeric | TypeClass::Float)
            if is_plain_number(n.trim_start_matches('-')) =>
        {
            if n.contains('.') && *class == TypeClass::Integer {
                return Err(declined());
            }
            constant(&n)
        }
        (Literal::Text(t), TypeClass::Integer)
            if is_plain_number(&t) && !t.contains('.') && t.parse::<i32>().is_ok() =>
        {
            t
        }
        (Literal::Text(t), TypeClass::Text) => quoted(&t, "text"),
        (Literal::Text(t), TypeClass::Varchar) => quoted(&t, "character varying"),
        (Literal::Text(t), TypeClass::Character) => quoted(&t, "bpchar"),
        (Literal::Text(t), TypeClass::Json) => quoted(&t, data_type),
        (Literal::Text(t), TypeClass::Date) if is_date(&t) => quoted(&t, "date"),
        (Literal::Text(t), TypeClass::Enum(labels)) if labels.contains(&t) => quoted(&t, data_type),
        (Literal::Boolean(b), TypeClass::Boolean) => b.to_string(),
        _ => return Err(declined()),
    };
    Ok(Some(printed))
}

/// The sequence a `nextval('name')` default draws from (`public.` dropped, as PostgreSQL
/// prints it within the search path).
pub fn nextval_sequence(expression: &Expr) -> Option<String> {
    let Expr::Function(function) = expression else {
        return None;
    };
    if !function.name.to_string().eq_ignore_ascii_case("nextval") {
        return None;
    }
    let argument = function.args.to_string();
    let argument = argument.strip_prefix("('")?.strip_suffix("')")?;
    let name = argument.strip_prefix("public.").unwrap_or(argument);
    is_plain(name).then(|| name.to_owned())
}

/// A stored generated column's expression as `pg_get_expr` prints it: `+ - * /` on integer and
/// numeric columns and literals, `||` on text, with the casts to numeric PostgreSQL adds. Returns
/// the printed expression, its class and the columns it names.
pub fn generated(
    expression: &Expr,
    columns: &Columns,
) -> Result<(String, TypeClass, Vec<String>), Declined> {
    let mut named = Vec::new();
    let (printed, operand) = Printer {
        columns,
        named: &mut named,
    }
    .value(expression)?;
    match operand {
        Operand::Typed(class) => Ok((printed, class, named)),
        _ => Err(Printer::declined(expression)),
    }
}

/// An operand of arithmetic: typed (a column or a computed value), or a literal whose type the
/// other side decides.
enum Operand {
    Typed(TypeClass),
    Integer,
    Decimal,
    Text,
}

/// The columns an expression may name, with their classes.
pub type Columns = BTreeMap<String, TypeClass>;

/// A boolean expression as `pg_get_constraintdef` / `pg_get_indexdef` print it, and the
/// columns it names (in order of appearance, for the generated CHECK name).
pub fn boolean(expression: &Expr, columns: &Columns) -> Result<(String, Vec<String>), Declined> {
    let mut named = Vec::new();
    let text = Printer {
        columns,
        named: &mut named,
    }
    .boolean(expression)?;
    Ok((text, named))
}

struct Printer<'a> {
    columns: &'a Columns,
    named: &'a mut Vec<String>,
}

impl Printer<'_> {
    fn declined(expression: &Expr) -> Declined {
        Declined(format!("the expression {expression}"))
    }

    fn boolean(&mut self, expression: &Expr) -> Result<String, Declined> {
        match expression {
            Expr::Nested(inner) => self.boolean(inner),
            Expr::BinaryOp {
                op: op @ (BinaryOperator::And | BinaryOperator::Or),
                ..
            } => {
                // PostgreSQL flattens `a AND b AND c` (left-nested) into one list.
                let mut operands = Vec::new();
                flatten(expression, op, &mut operands);
                let word = if *op == BinaryOperator::And {
                    "AND"
                } else {
                    "OR"
                };
                let printed = operands
                    .into_iter()
                    .map(|operand| self.boolean(operand))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(format!("({})", printed.join(&format!(" {word} "))))
            }
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => Ok(format!("(NOT {})", self.boolean(expr)?)),
            Expr::In {
                expr,
                target: InTarget::List(list),
                negated: false,
                global: false,
            } => self.in_list(expression, expr, list),
            Expr::IsNull(inner) => Ok(format!("({} IS NULL)", self.column(inner)?.0)),
            Expr::IsNotNull(inner) => Ok(format!("({} IS NOT NULL)", self.column(inner)?.0)),
            Expr::Identifier(_) => {
                let (name, class) = self.column(expression)?;
                if class == TypeClass::Boolean {
                    Ok(name)
                } else {
                    Err(Self::declined(expression))
                }
            }
            Expr::BinaryOp { left, op, right } => {
                let operator = comparison_operator(op).ok_or_else(|| Self::declined(expression))?;
                let (column, class) = self.column(left)?;
                let right = self
                    .compared(&column, &class, right)
                    .ok_or_else(|| Self::declined(expression))??;
                Ok(format!("({} {operator} {})", right.0, right.1))
            }
            _ => Err(Self::declined(expression)),
        }
    }

    fn value(&mut self, expression: &Expr) -> Result<(String, Operand), Declined> {
        use Operand::{Decimal, Integer, Text, Typed};
        let declined = || Self::declined(expression);
        match expression {
            Expr::Nested(inner) => self.value(inner),
            Expr::Identifier(_) => {
                let (name, class) = self.column(expression)?;
                Ok((name, Operand::Typed(class)))
            }
            Expr::BinaryOp { left, op, right } => {
                let symbol = match op {
                    BinaryOperator::Plus => "+",
                    BinaryOperator::Minus => "-",
                    BinaryOperator::Multiply => "*",
                    BinaryOperator::Divide => "/",
                    BinaryOperator::StringConcat => "||",
                    _ => return Err(declined()),
                };
                let (left, left_kind) = self.value(left)?;
                let (right, right_kind) = self.value(right)?;
                let numeric = |text: String| format!("({text})::numeric");
                let text_literal = |text: String| quoted(&text, "text");
                let (left, right, class) = match (symbol, left_kind, right_kind) {
                    ("||", Typed(TypeClass::Text), Typed(TypeClass::Text)) => {
                        (left, right, TypeClass::Text)
                    }
                    ("||", Typed(TypeClass::Text), Text) => {
                        (left, text_literal(right), TypeClass::Text)
                    }
                    ("||", Text, Typed(TypeClass::Text)) => {
                        (text_literal(left), right, TypeClass::Text)
                    }
                    ("||", ..) => return Err(declined()),
                    (_, Typed(TypeClass::Integer), Typed(TypeClass::Integer) | Integer)
                    | (_, Integer, Typed(TypeClass::Integer)) => (left, right, TypeClass::Integer),
                    (_, Typed(TypeClass::Numeric), Typed(TypeClass::Numeric) | Decimal)
                    | (_, Decimal, Typed(TypeClass::Numeric)) => (left, right, TypeClass::Numeric),
                    (_, Typed(TypeClass::Numeric), Typed(TypeClass::Integer) | Integer) => {
                        (left, numeric(right), TypeClass::Numeric)
                    }
                    (_, Typed(TypeClass::Integer) | Integer, Typed(TypeClass::Numeric))
                    | (_, Typed(TypeClass::Integer), Decimal) => {
                        (numeric(left), right, TypeClass::Numeric)
                    }
                    _ => return Err(declined()),
                };
                Ok((format!("({left} {symbol} {right})"), Typed(class)))
            }
            _ => match Literal::of(expression) {
                Some(Literal::Number(n)) if is_plain_number(&n) && !n.contains('.') => {
                    let fits = n.parse::<i32>().is_ok();
                    if fits {
                        Ok((n, Operand::Integer))
                    } else {
                        Err(declined())
                    }
                }
                Some(Literal::Number(n)) if is_plain_number(&n) => Ok((n, Operand::Decimal)),
                Some(Literal::Text(t)) => Ok((t, Operand::Text)),
                _ => Err(declined()),
            },
        }
    }

    /// `column IN (…)`: PostgreSQL turns a one-item list into `=`, and a longer one into
    /// `= ANY (ARRAY[…])`.
    fn in_list(
        &mut self,
        expression: &Expr,
        column: &Expr,
        list: &[Expr],
    ) -> Result<String, Declined> {
        let declined = || Self::declined(expression);
        let (name, class) = self.column(column)?;
        if let [only] = list {
            let (left, right) = self.compared(&name, &class, only).ok_or_else(declined)??;
            return Ok(format!("({left} = {right})"));
        }
        let items = list
            .iter()
            .map(|item| match (Literal::of(item), &class) {
                (Some(Literal::Text(t)), TypeClass::Text) => Some(quoted(&t, "text")),
                (Some(Literal::Number(n)), TypeClass::Integer)
                    if is_plain_number(&n) && n.parse::<i32>().is_ok() =>
                {
                    Some(n)
                }
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(declined)?;
        Ok(format!("({name} = ANY (ARRAY[{}]))", items.join(", ")))
    }

    /// A column reference: its printed name and class.
    fn column(&mut self, expression: &Expr) -> Result<(String, TypeClass), Declined> {
        let declined = || Self::declined(expression);
        let Expr::Identifier(ident) = expression else {
            return Err(declined());
        };
        let name = plain_identifier(ident).ok_or_else(declined)?;
        let class = self.columns.get(&name).cloned().ok_or_else(declined)?;
        if !self.named.contains(&name) {
            self.named.push(name.clone());
        }
        Ok((name, class))
    }

    /// Both sides of `column <op> right` as printed, with the casts type resolution adds.
    /// `None` when the pair is outside the rules.
    fn compared(
        &mut self,
        column: &str,
        class: &TypeClass,
        right: &Expr,
    ) -> Option<Result<(String, String), Declined>> {
        if let Expr::Identifier(_) = right {
            return Some(self.column(right).and_then(|(other, other_class)| {
                let same = other_class == *class
                    && matches!(
                        class,
                        TypeClass::Integer | TypeClass::Text | TypeClass::Numeric
                    );
                if same {
                    Ok((column.to_owned(), other))
                } else {
                    Err(Self::declined(right))
                }
            }));
        }
        let printed = match (Literal::of(right)?, class) {
            (Literal::Number(n), _) if !is_plain_number(n.trim_start_matches('-')) => return None,
            (Literal::Number(n), TypeClass::Integer) if !n.contains('.') => constant(&n),
            (Literal::Number(n), TypeClass::Numeric) if !n.starts_with('-') => {
                if n.contains('.') {
                    n
                } else {
                    format!("({})::numeric", constant(&n))
                }
            }
            (Literal::Number(n), TypeClass::Float) if !n.starts_with('-') => {
                format!("({n})::double precision")
            }
            (Literal::Text(t), TypeClass::Text) => quoted(&t, "text"),
            (Literal::Text(t), TypeClass::Varchar) => {
                return Some(Ok((format!("({column})::text"), quoted(&t, "text"))));
            }
            (Literal::Text(t), TypeClass::Date) if is_date(&t) => quoted(&t, "date"),
            _ => return None,
        };
        Some(Ok((column.to_owned(), printed)))
    }
}

/// The operands of a left-nested chain of one boolean operator.
fn flatten<'e>(expression: &'e Expr, operator: &BinaryOperator, operands: &mut Vec<&'e Expr>) {
    match expression {
        Expr::BinaryOp { left, op, right } if op == operator => {
            flatten(left, operator, operands);
            operands.push(right);
        }
        Expr::Nested(inner)
            if matches!(inner.as_ref(), Expr::BinaryOp { op, .. } if op == operator)
                && operands.is_empty() =>
        {
            flatten(inner, operator, operands);
        }
        other => operands.push(other),
    }
}

#[cfg(test)]
mod tests {
    use super::constant;

    #[test]
    fn literals_are_typed_as_postgresql_types_them() {
        assert_eq!(constant("5"), "5");
        assert_eq!(constant("-1"), "'-1'::integer");
        assert_eq!(constant("3000000000"), "'3000000000'::bigint");
        assert_eq!(constant("-3000000000"), "'-3000000000'::bigint");
        assert_eq!(constant("1.5"), "1.5");
        assert_eq!(constant("-0.5"), "'-0.5'::numeric");
    }
}
