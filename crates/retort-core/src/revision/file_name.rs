//! New revision file names: Alembic's `file_template` tokens and slug rules.

use chrono::{DateTime, Datelike, TimeZone, Timelike};

/// Why a `file_template` cannot be expanded.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FileTemplateError {
    #[error("file_template: unknown token `%({0})`")]
    UnknownToken(String),
    #[error("file_template: malformed `%` at byte {0} (write `%%` for a literal percent sign)")]
    Malformed(usize),
}

impl FileTemplateError {
    pub fn hint(&self) -> String {
        "file_template tokens are %(rev)s %(slug)s %(epoch)s %(year)d %(month).2d %(day).2d %(hour).2d %(minute).2d %(second).2d".to_owned()
    }
}

/// Alembic's slug: the message's words joined by `_`, lower-cased; when longer than
/// `truncate_length` characters, cut there, back to the last `_`, and ended with `_`.
pub fn slugify(message: &str, truncate_length: usize) -> String {
    let words: Vec<&str> = message
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect();
    let slug = words.join("_").to_lowercase();
    if slug.chars().count() <= truncate_length {
        return slug;
    }
    let cut: String = slug.chars().take(truncate_length).collect();
    let kept = cut
        .rsplit_once('_')
        .map_or(cut.as_str(), |(before, _)| before);
    format!("{kept}_")
}

/// Expand `template` (without extension) for a new revision.
pub fn expand_file_template<Tz: TimeZone>(
    template: &str,
    revision_id: &str,
    slug: &str,
    created: &DateTime<Tz>,
) -> Result<String, FileTemplateError> {
    let mut output = String::with_capacity(template.len() + 32);
    let mut rest = template;
    let mut offset = 0;
    while let Some(at) = rest.find('%') {
        output.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            output.push('%');
            offset += at + 2;
            rest = tail;
            continue;
        }
        let malformed = FileTemplateError::Malformed(offset + at);
        let Some(inner) = after.strip_prefix('(') else {
            return Err(malformed);
        };
        let Some(close) = inner.find(')') else {
            return Err(malformed);
        };
        let name = &inner[..close];
        let spec_and_rest = &inner[close + 1..];
        let conversion_at = spec_and_rest
            .find(|c: char| c.is_ascii_alphabetic())
            .ok_or(malformed.clone())?;
        let spec = &spec_and_rest[..conversion_at];
        let conversion = &spec_and_rest[conversion_at..=conversion_at];
        if !spec.chars().all(|c| c.is_ascii_digit() || c == '.') || !matches!(conversion, "s" | "d")
        {
            return Err(malformed);
        }
        let value = token_value(name, revision_id, slug, created)?;
        output.push_str(&apply_spec(&value, spec));
        let consumed = 1 + 1 + close + 1 + conversion_at + 1;
        offset += at + consumed;
        rest = &rest[at + consumed..];
    }
    output.push_str(rest);
    Ok(output)
}

fn token_value<Tz: TimeZone>(
    name: &str,
    revision_id: &str,
    slug: &str,
    created: &DateTime<Tz>,
) -> Result<String, FileTemplateError> {
    Ok(match name {
        "rev" => revision_id.to_owned(),
        "slug" => slug.to_owned(),
        "epoch" => created.timestamp().to_string(),
        "year" => created.year().to_string(),
        "month" => created.month().to_string(),
        "day" => created.day().to_string(),
        "hour" => created.hour().to_string(),
        "minute" => created.minute().to_string(),
        "second" => created.second().to_string(),
        other => return Err(FileTemplateError::UnknownToken(other.to_owned())),
    })
}

/// `%.2d` pads an integer with zeros to two digits; a width pads with spaces.
fn apply_spec(value: &str, spec: &str) -> String {
    let (width, precision) = match spec.split_once('.') {
        Some((width, precision)) => (width, precision),
        None => (spec, ""),
    };
    let mut text = value.to_owned();
    if let Ok(precision) = precision.parse::<usize>() {
        if text.len() < precision {
            text = format!("{}{text}", "0".repeat(precision - text.len()));
        }
    }
    if let Ok(width) = width.parse::<usize>() {
        if text.len() < width {
            text = format!("{}{text}", " ".repeat(width - text.len()));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn slug_rules_match_alembic() {
        assert_eq!(
            slugify("Add the Ünicode-column, to table \"users\"!! (part 2) and more words that go on and on", 40),
            "add_the_ünicode_column_to_table_users_"
        );
        assert_eq!(
            slugify("Add the Ünicode-column, to table users and more words", 10),
            "add_the_"
        );
        assert_eq!(slugify("create account table", 40), "create_account_table");
    }

    #[test]
    fn file_template_tokens() {
        let created = Utc.with_ymd_and_hms(2026, 11, 2, 9, 5, 7).unwrap();
        assert_eq!(
            expand_file_template(
                "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
                "abc",
                "x_y",
                &created
            )
            .unwrap(),
            "2026_11_02_0905-abc_x_y"
        );
        assert_eq!(
            expand_file_template("%(rev)s_%(nope)s", "a", "b", &created),
            Err(FileTemplateError::UnknownToken("nope".into()))
        );
        assert_eq!(
            expand_file_template("100%%_%(rev)s", "a", "b", &created).unwrap(),
            "100%_a"
        );
    }
}
