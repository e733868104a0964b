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

/// A piece of a definition, as far as names go.
enum Piece<'a> {
    /// A quoted identifier: its quote character, its name (doubled quotes undone) and its text.
    Quoted {
        quote: char,
        name: String,
        text: &'a str,
    },
    /// A bare word: a keyword, a bare identifier or a number.
    Word(&'a str),
    /// Anything else: a string literal, punctuation, white space.
    Other(&'a str),
}

/// `text` in pieces: string literals (`'…'`, quotes doubled inside) are never names; quoted
/// identifiers (`"…"` or `` `…` ``) and bare words may be.
fn pieces(text: &str) -> impl Iterator<Item = Piece<'_>> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        // Where the piece starting with `first` ends (a byte offset into `rest`), and what it is.
        let closing = |quote: char| {
            let mut chars = rest.char_indices().skip(1).peekable();
            while let Some((at, c)) = chars.next() {
                if c == quote {
                    if chars.peek().is_some_and(|(_, next)| *next == quote) {
                        chars.next();
                        continue;
                    }
                    return at + c.len_utf8();
                }
            }
            rest.len()
        };
        let (end, piece): (usize, fn(&str, char) -> Piece<'_>) = match first {
            '\'' => (closing('\''), |text, _| Piece::Other(text)),
            '"' | '`' => (closing(first), |text, quote| {
                let inner = text.strip_prefix(quote).unwrap_or(text);
                let inner = inner.strip_suffix(quote).unwrap_or(inner);
                Piece::Quoted {
                    quote,
                    name: inner.replace(&format!("{quote}{quote}"), &quote.to_string()),
                    text,
                }
            }),
            c if is_word(c) => (
                rest.find(|c: char| !is_word(c)).unwrap_or(rest.len()),
                |text, _| Piece::Word(text),
            ),
            c => (c.len_utf8(), |text, _| Piece::Other(text)),
        };
        let (taken, left) = rest.split_at(end);
        rest = left;
        Some(piece(taken, first))
    })
}

/// The name `text` starts with, unquoted, and for a qualified one (`s."a b"`) its last part:
/// `"line items" (` gives `line items`.
pub fn leading_name(text: &str) -> Option<String> {
    let mut name = None;
    let mut expect_part = true;
    for piece in pieces(text) {
        match piece {
            Piece::Quoted { name: part, .. } if expect_part => name = Some(part),
            Piece::Word(word) if expect_part => name = Some(word.to_owned()),
            Piece::Other(".") if !expect_part => {}
            _ => break,
        }
        expect_part = !expect_part;
    }
    name
}

/// Whether `text` holds the string literal `'value'` (quotes doubled inside), as a whole
/// literal: `'it''s'` holds `it's`, not `it`.
pub fn holds_string_literal(text: &str, value: &str) -> bool {
    let literal = format!("'{}'", value.replace('\'', "''"));
    pieces(text).any(|piece| matches!(piece, Piece::Other(other) if other == literal))
}

/// `text` with every identifier `old` replaced by `new`, in the quoting it was found in; a bare
/// occurrence stays bare when `new` needs no quotes.
pub fn substitute_identifier(text: &str, old: &str, new: &str) -> String {
    let mut output = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Quoted { quote, name, .. } if name == old => {
                output.push(quote);
                output.push_str(&new.replace(quote, &format!("{quote}{quote}")));
                output.push(quote);
            }
            Piece::Word(word) if word == old => {
                if needs_no_quotes(new) {
                    output.push_str(new);
                } else {
                    output.push('"');
                    output.push_str(&new.replace('"', "\"\""));
                    output.push('"');
                }
            }
            Piece::Quoted { text, .. } | Piece::Word(text) | Piece::Other(text) => {
                output.push_str(text);
            }
        }
    }
    output
}

/// `text` as two definitions spelled in different case are compared (SQLite, whose names
/// ignore case): words lower-cased, a name of `names` (lower case) double-quoted unquoted and
/// lower-cased, a backtick-quoted token lower-cased; string literals and any other
/// double-quoted token (a string to SQLite) kept as written.
pub fn folded_names(text: &str, names: &[String]) -> String {
    pieces(text)
        .map(|piece| match piece {
            Piece::Quoted {
                quote: '"', name, ..
            } if names.contains(&name.to_lowercase()) => name.to_lowercase(),
            Piece::Quoted {
                quote: '"', text, ..
            }
            | Piece::Other(text) => text.to_owned(),
            Piece::Quoted { text, .. } | Piece::Word(text) => text.to_ascii_lowercase(),
        })
        .collect()
}

/// A name in a definition: whether it is called (a `(` follows it: a function), what qualifies
/// it (`s` in `s.t`: a schema, or a table whose column it is), and whether it follows `AS` (an
/// alias, or the type of a cast).
#[derive(Debug, PartialEq, Eq)]
pub struct NameInText {
    pub name: String,
    pub called: bool,
    pub qualifier: Option<String>,
    pub after_as: bool,
}

/// Every identifier `text` names, bare or quoted, outside string literals, in order.
pub fn names_in(text: &str) -> Vec<NameInText> {
    /// What came last, white space aside.
    enum Last {
        Other,
        Name,
        As,
        Dot(Option<String>),
    }
    let mut names: Vec<NameInText> = Vec::new();
    let mut last = Last::Other;
    for piece in pieces(text) {
        let (name, quoted) = match piece {
            Piece::Quoted { name, .. } => (name, true),
            Piece::Word(word) => (word.to_owned(), false),
            Piece::Other(other) if other.trim().is_empty() => continue,
            Piece::Other(other) => {
                last = match (other, &last) {
                    ("(", Last::Name | Last::As) => {
                        if let Some(called) = names.last_mut() {
                            called.called = true;
                        }
                        Last::Other
                    }
                    (".", Last::Name | Last::As) => {
                        Last::Dot(names.last().map(|qualifier| qualifier.name.clone()))
                    }
                    _ => Last::Other,
                };
                continue;
            }
        };
        let is_as = !quoted && name.eq_ignore_ascii_case("AS");
        names.push(NameInText {
            name,
            called: false,
            qualifier: match &last {
                Last::Dot(qualifier) => qualifier.clone(),
                _ => None,
            },
            after_as: matches!(last, Last::As),
        });
        last = if is_as { Last::As } else { Last::Name };
    }
    names
}

/// `text` with PostgreSQL's dollar quotes (`$function$`, `$$`, `$body$`) turned into spaces: the
/// body between them is code, whose names count (`FROM t$function$` reads table `t`), and a
/// `$` may also be part of a name, so the quotes would otherwise glue to the words they touch.
pub fn without_dollar_quotes(text: &str) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < characters.len() {
        if characters[index] == '$' {
            let tag_end = characters[index + 1..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                .map(|offset| index + 1 + offset);
            if let Some(end) = tag_end.filter(|end| characters[*end] == '$') {
                let tag_starts_well = characters
                    .get(index + 1)
                    .is_none_or(|c| *c == '$' || c.is_ascii_alphabetic() || *c == '_');
                if tag_starts_well {
                    output.extend(std::iter::repeat_n(' ', end - index + 1));
                    index = end + 1;
                    continue;
                }
            }
        }
        output.push(characters[index]);
        index += 1;
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
    use super::{names_in, substitute_identifier, NameInText};

    #[test]
    fn names_say_whether_called_qualified_or_after_as() {
        let names = names_in("SELECT t.id AS stats, f (x), 'v' FROM s.\"V w\"");
        let shown: Vec<(&str, bool, Option<&str>, bool)> = names
            .iter()
            .map(
                |NameInText {
                     name,
                     called,
                     qualifier,
                     after_as,
                 }| { (name.as_str(), *called, qualifier.as_deref(), *after_as) },
            )
            .collect();
        assert_eq!(
            shown,
            [
                ("SELECT", false, None, false),
                ("t", false, None, false),
                ("id", false, Some("t"), false),
                ("AS", false, None, false),
                ("stats", false, None, true),
                ("f", true, None, false),
                ("x", false, None, false),
                ("FROM", false, None, false),
                ("s", false, None, false),
                ("V w", false, Some("s"), false),
            ]
        );
    }

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
