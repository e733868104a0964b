//! Pieces of the "is this type change a widening" rules that several dialects share: the
//! arguments of a parameterized type (`varchar(20)`, `numeric(10,2)`).

/// The arguments of `name(a, b)` when `text` is that type, e.g. `numeric(10,2)` → `[10, 2]`;
/// `Some(empty)` for the bare name, `None` for another type. Trailing words (`unsigned`) are
/// compared separately by the caller.
pub fn type_arguments(text: &str, name: &str) -> Option<Vec<u64>> {
    let rest = text.strip_prefix(name)?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    rest.strip_prefix('(')?
        .strip_suffix(')')?
        .split(',')
        .map(|argument| argument.trim().parse().ok())
        .collect()
}

/// Whether `numeric(p, s)` → `numeric(p2, s2)` keeps every value: as many digits after the point
/// and as many before it. An empty argument list is the unconstrained type, which holds any.
pub fn decimal_widens(from: &[u64], to: &[u64]) -> bool {
    let split = |arguments: &[u64]| match arguments {
        [] => None,
        [precision] => Some((*precision, 0)),
        [precision, scale, ..] => Some((precision.saturating_sub(*scale), *scale)),
    };
    match (split(from), split(to)) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some((before_a, scale_a)), Some((before_b, scale_b))) => {
            before_b >= before_a && scale_b >= scale_a
        }
    }
}

/// Whether a length limit grows or goes away (`varchar(20)` → `varchar(30)` or `varchar`).
pub fn length_widens(from: &[u64], to: &[u64]) -> bool {
    match (from.first(), to.first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => b >= a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_rules() {
        assert_eq!(
            type_arguments("numeric(10,2)", "numeric"),
            Some(vec![10, 2])
        );
        assert_eq!(type_arguments("numeric", "numeric"), Some(vec![]));
        assert_eq!(type_arguments("numeric_x", "numeric"), None);
        assert!(decimal_widens(&[10, 2], &[12, 2]));
        assert!(decimal_widens(&[10, 2], &[11, 3]));
        assert!(!decimal_widens(&[10, 4], &[10, 2]));
        assert!(!decimal_widens(&[10, 2], &[9, 2]));
        assert!(decimal_widens(&[10, 2], &[]));
        assert!(!decimal_widens(&[], &[10, 2]));
        assert!(length_widens(&[20], &[30]));
        assert!(!length_widens(&[30], &[20]));
        assert!(length_widens(&[30], &[]));
    }
}
