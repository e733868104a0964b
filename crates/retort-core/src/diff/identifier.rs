//! Renaming an identifier inside a definition the database printed (a check expression, an
//! index definition), the way the database itself rewrites them when a table or column is
//! renamed. Only whole identifiers change — bare or quoted with `"` or `` ` `` — never text
//! inside string literals or a longer name that contains the old one.

/// Whether a type as the catalog prints it (`format_type`) is the type `name` (an enum, a
/// domain): bare in the default schema, qualified elsewhere, quoted where the name needs it.
/// (An array of an enum is not converted by a rebuild: the old type's drop then fails on it,
/// loudly.)
pub fn is_type_named(data_type: &str, name: &crate::schema::QualifiedName) -> bool {
    let element = data_type;
    let unquote = |part: &str| part.trim_matches('"').replace("\"\"", "\"");
    match element.rsplit_once('.') {
        Some((schema, type_name)) if !schema.ends_with('"') || schema.starts_with('"') => {
            unquote(schema) == name.schema && unquote(type_name) == name.name
        }
        _ => (name.schema.is_empty() || name.schema == "public") && unquote(element) == name.name,
    }
}

/// `text` with every identifier `old` replaced by `new`, in the quoting it was found in; a bare
/// occurrence stays bare when `new` needs no quotes.
pub fn substitute_identifier(text: &str, old: &str, new: &str) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    while index < characters.len() {
        let c = characters[index];
        if c == '\'' {
            let start = index;
            index += 1;
            while index < characters.len() {
                if characters[index] == '\'' {
                    if characters.get(index + 1) == Some(&'\'') {
                        index += 2;
                        continue;
                    }
                    break;
                }
                index += 1;
            }
            index = (index + 1).min(characters.len());
            output.extend(&characters[start..index]);
        } else if c == '"' || c == '`' {
            let start = index;
            let mut name = String::new();
            index += 1;
            while index < characters.len() {
                if characters[index] == c {
                    if characters.get(index + 1) == Some(&c) {
                        name.push(c);
                        index += 2;
                        continue;
                    }
                    break;
                }
                name.push(characters[index]);
                index += 1;
            }
            index = (index + 1).min(characters.len());
            if name == old {
                let doubled = new.replace(c, &format!("{c}{c}"));
                output.push(c);
                output.push_str(&doubled);
                output.push(c);
            } else {
                output.extend(&characters[start..index]);
            }
        } else if is_word(c) {
            let start = index;
            while index < characters.len() && is_word(characters[index]) {
                index += 1;
            }
            let word: String = characters[start..index].iter().collect();
            if word == old {
                if needs_no_quotes(new) {
                    output.push_str(new);
                } else {
                    output.push('"');
                    output.push_str(&new.replace('"', "\"\""));
                    output.push('"');
                }
            } else {
                output.push_str(&word);
            }
        } else {
            output.push(c);
            index += 1;
        }
    }
    output
}

/// Whether `text` names the identifier `name` (bare or quoted), outside string literals.
pub fn mentions_identifier(text: &str, name: &str) -> bool {
    // A marker no definition holds: where the substitution changed something, the name was there.
    substitute_identifier(text, name, "\u{1}retort\u{1}") != text
}

fn needs_no_quotes(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::substitute_identifier;

    #[test]
    fn whole_identifiers_only() {
        assert_eq!(
            substitute_identifier(
                "CHECK ((length(name) > 0) AND (name <> 'name'))",
                "name",
                "title"
            ),
            "CHECK ((length(title) > 0) AND (title <> 'name'))"
        );
        assert_eq!(
            substitute_identifier(
                "CREATE INDEX tags_name_idx ON public.tags USING btree (name)",
                "tags",
                "labels"
            ),
            "CREATE INDEX tags_name_idx ON public.labels USING btree (name)"
        );
        assert_eq!(
            substitute_identifier("CHECK (`n` >= 0 and `n2` < 5)", "n", "m"),
            "CHECK (`m` >= 0 and `n2` < 5)"
        );
        assert_eq!(
            substitute_identifier("(\"Name\" IS NOT NULL)", "Name", "Title"),
            "(\"Title\" IS NOT NULL)"
        );
        assert_eq!(
            substitute_identifier("(a > 0)", "a", "Big"),
            "(\"Big\" > 0)"
        );
    }
}
