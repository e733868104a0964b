//! The syntax of revision ids and of the identifiers users type (`head`, `ae10+2`, `feature@-1`).

/// Why: `version_num` is `VARCHAR(32)` in Alembic's version table, so a longer id could be
/// applied but never recorded.
pub const MAX_REVISION_ID_LENGTH: usize = 32;

/// Characters that the identifier grammar gives a meaning to (Alembic refuses the same four),
/// plus separators that the file header uses, and quotes (ids are written into SQL).
const FORBIDDEN_CHARACTERS: [char; 9] = ['@', '-', '+', ':', ',', '\'', '"', '\\', ';'];

/// Check that `id` can be a revision id. Returns the reason when it cannot.
pub fn validate_revision_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the id is empty".to_owned());
    }
    if id.chars().count() > MAX_REVISION_ID_LENGTH {
        return Err(format!(
            "'{id}' is longer than {MAX_REVISION_ID_LENGTH} characters"
        ));
    }
    let mut forbidden: Vec<char> = id
        .chars()
        .filter(|c| FORBIDDEN_CHARACTERS.contains(c) || c.is_whitespace())
        .collect();
    forbidden.sort_unstable();
    forbidden.dedup();
    if !forbidden.is_empty() {
        let list: Vec<String> = forbidden.iter().map(|c| format!("{c:?}")).collect();
        return Err(format!(
            "character(s) {} not allowed in revision identifier '{id}'",
            list.join(", ")
        ));
    }
    Ok(())
}

/// A relative identifier: `[label@][symbol](+|-)N`, as in `+2`, `-1`, `head-1`, `ae10+2`,
/// `feature@+1`, `feature@head-1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelativeIdentifier<'a> {
    pub branch_label: Option<&'a str>,
    pub symbol: Option<&'a str>,
    pub steps: i64,
}

/// Parse `text` as a relative identifier, or `None` when it is an absolute one.
pub fn parse_relative(text: &str) -> Option<RelativeIdentifier<'_>> {
    let (branch_label, rest) = match text.split_once('@') {
        Some((label, rest)) if !label.is_empty() => (Some(label), rest),
        _ => (None, text),
    };
    let sign_at = rest.find(['+', '-'])?;
    let (symbol, number) = rest.split_at(sign_at);
    if !symbol.chars().all(is_word_character) {
        return None;
    }
    let digits = &number[1..];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = digits.parse().ok()?;
    let steps = if number.starts_with('-') {
        -magnitude
    } else {
        magnitude
    };
    Some(RelativeIdentifier {
        branch_label,
        symbol: (!symbol.is_empty()).then_some(symbol),
        steps,
    })
}

fn is_word_character(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_forms() {
        assert_eq!(
            parse_relative("+2"),
            Some(RelativeIdentifier {
                branch_label: None,
                symbol: None,
                steps: 2
            })
        );
        assert_eq!(
            parse_relative("head-1"),
            Some(RelativeIdentifier {
                branch_label: None,
                symbol: Some("head"),
                steps: -1
            })
        );
        assert_eq!(
            parse_relative("feature@+1"),
            Some(RelativeIdentifier {
                branch_label: Some("feature"),
                symbol: None,
                steps: 1
            })
        );
        assert_eq!(parse_relative("ae10"), None);
        assert_eq!(parse_relative("feature@head"), None);
        assert_eq!(parse_relative("a+b"), None);
    }

    #[test]
    fn ids() {
        assert!(validate_revision_id("kilo").is_ok());
        assert!(validate_revision_id("abc-def").unwrap_err().contains("'-'"));
        assert!(validate_revision_id(&"a".repeat(33)).is_err());
        assert!(validate_revision_id("").is_err());
    }
}
