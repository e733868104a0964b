//! `${VAR}` and `${VAR:-default}` in configuration values.

use super::environment::Environment;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InterpolationError {
    #[error("environment variable {name} is not set (used by `{key}`)")]
    Unset { name: String, key: String },
    #[error("unterminated `${{` in `{key}`")]
    Unterminated { key: String },
}

/// Expand variables in `value`, the value of configuration key `key` (named in errors).
/// `$$` is a literal `$`.
pub fn interpolate(
    key: &str,
    value: &str,
    environment: &Environment,
) -> Result<String, InterpolationError> {
    let mut output = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        output.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            output.push('$');
            rest = tail;
            continue;
        }
        let Some(inner) = after.strip_prefix('{') else {
            output.push('$');
            rest = after;
            continue;
        };
        let Some(close) = inner.find('}') else {
            return Err(InterpolationError::Unterminated {
                key: key.to_owned(),
            });
        };
        let expression = &inner[..close];
        let (name, default) = match expression.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (expression, None),
        };
        match environment
            .get(name)
            .filter(|v| !v.is_empty() || default.is_none())
        {
            Some(found) => output.push_str(&found),
            None => match default {
                Some(default) => output.push_str(default),
                None => {
                    return Err(InterpolationError::Unset {
                        name: name.to_owned(),
                        key: key.to_owned(),
                    })
                }
            },
        }
        rest = &inner[close + 1..];
    }
    output.push_str(rest);
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands() {
        let env = Environment::from_pairs([
            ("A".to_owned(), "x".to_owned()),
            ("E".to_owned(), String::new()),
        ]);
        assert_eq!(
            interpolate("k", "${A}/${B:-d}/$${A}/${E:-e}", &env).unwrap(),
            "x/d/${A}/e"
        );
        assert_eq!(
            interpolate("k", "${B}", &env).unwrap_err(),
            InterpolationError::Unset {
                name: "B".into(),
                key: "k".into()
            }
        );
    }
}
