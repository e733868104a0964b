//! Reads the few module-level facts an Alembic revision file declares, without running Python:
//! the module docstring and the literal values assigned to chosen names.
//!
//! Why a hand-written tokenizer and no crate: `py_literal` parses one literal expression but not
//! a module (assignments, annotations, comments, the docstring) and has not been maintained
//! since 2021; `ruff_python_parser` is not published on crates.io; `rustpython-parser` is a
//! whole Python parser whose build would cost more than this file. Revision headers use a
//! handful of forms (strings, `None`, tuples and lists of strings), so a tokenizer that
//! understands Python's strings, brackets, comments and line joining is enough to find them
//! exactly, and anything else is reported, never guessed.

/// A literal value assigned at module level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonValue {
    None,
    String(String),
    /// A tuple or a list: its items, in order.
    Sequence(Vec<PythonValue>),
}

/// A module-level assignment to one of the names asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    /// 1-based line of the assignment.
    pub line: usize,
    /// The value, or the source text of an expression that is not a literal (a symbolic
    /// constant, a call) together with why it cannot be read.
    pub value: Result<PythonValue, String>,
}

/// What a module declares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleFacts {
    /// The module docstring, escapes processed (Python's `__doc__`).
    pub docstring: Option<String>,
    /// Module-level assignments to the names asked for, in file order (Python keeps the last).
    pub assignments: Vec<Assignment>,
    /// Bodies of module-level `def NAME(...)` for the functions asked for: the first statement's
    /// leading keyword or name, and whether the body is only `pass` or a docstring.
    pub functions: Vec<FunctionFacts>,
    /// The first line of every module-level statement, in order (where each function ends).
    pub statement_lines: Vec<usize>,
}

/// The shape of a module-level function's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionFacts {
    pub name: String,
    pub line: usize,
    /// True when the body holds nothing but `pass`, `...` and docstrings.
    pub only_pass: bool,
    /// True when the first statement (after docstrings) is a `raise`.
    pub starts_with_raise: bool,
}

/// A tokenizing error: the file is not Python this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TokenizeError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Name(String),
    /// A string literal: its value, and its prefix letters (lower-cased).
    String {
        value: String,
        prefix: String,
    },
    Number,
    Operator(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    line: usize,
    /// Source byte range, for quoting an unreadable expression.
    start: usize,
    end: usize,
}

/// One logical line: its indentation (columns of the first token) and its tokens.
#[derive(Debug)]
struct LogicalLine {
    indent: usize,
    tokens: Vec<Token>,
}

/// Split `source` into logical lines of tokens, as Python's tokenizer does: brackets and
/// backslashes join physical lines, comments are dropped.
fn logical_lines(source: &str) -> Result<Vec<LogicalLine>, TokenizeError> {
    let bytes = source.as_bytes();
    let mut lines = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut indent = 0;
    let mut depth: usize = 0;
    let mut line = 1;
    let mut index = 0;
    let mut at_line_start = true;
    let mut column = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        match byte {
            b'\n' => {
                line += 1;
                index += 1;
                if depth == 0 && !current.is_empty() {
                    lines.push(LogicalLine {
                        indent,
                        tokens: std::mem::take(&mut current),
                    });
                }
                if depth == 0 {
                    at_line_start = true;
                    column = 0;
                }
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => {
                if at_line_start {
                    column += if byte == b'\t' { 8 - column % 8 } else { 1 };
                }
                index += 1;
            }
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'\\'
                if bytes.get(index + 1) == Some(&b'\n')
                    || (bytes.get(index + 1) == Some(&b'\r')
                        && bytes.get(index + 2) == Some(&b'\n')) =>
            {
                index += if bytes[index + 1] == b'\r' { 3 } else { 2 };
                line += 1;
            }
            _ => {
                if at_line_start {
                    at_line_start = false;
                    if current.is_empty() {
                        indent = column;
                    }
                }
                let start = index;
                let start_line = line;
                let kind = if let Some((kind, next, newlines)) = read_string(source, index)? {
                    index = next;
                    line += newlines;
                    kind
                } else if byte == b'_' || byte.is_ascii_alphabetic() || byte >= 0x80 {
                    let end = source[index..]
                        .char_indices()
                        .find(|(_, c)| !(*c == '_' || c.is_alphanumeric()))
                        .map_or(source.len(), |(offset, _)| index + offset);
                    let name = source[index..end].to_owned();
                    index = end;
                    TokenKind::Name(name)
                } else if byte.is_ascii_digit()
                    || (byte == b'.' && bytes.get(index + 1).is_some_and(u8::is_ascii_digit))
                {
                    while index < bytes.len()
                        && (bytes[index].is_ascii_alphanumeric()
                            || bytes[index] == b'.'
                            || bytes[index] == b'_')
                    {
                        index += 1;
                    }
                    TokenKind::Number
                } else {
                    let character = source[index..].chars().next().unwrap_or(' ');
                    index += character.len_utf8();
                    match character {
                        '(' | '[' | '{' => depth += 1,
                        ')' | ']' | '}' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    // `:=`, `==`, `->` and friends only need to differ from `=` and `:`.
                    if matches!(
                        character,
                        '=' | '!' | '<' | '>' | ':' | '-' | '+' | '*' | '/'
                    ) && bytes.get(index) == Some(&b'=')
                        || (character == '-' && bytes.get(index) == Some(&b'>'))
                    {
                        index += 1;
                        TokenKind::Operator(source[start..index].to_owned())
                    } else if character == ';' && depth == 0 {
                        // `a = 1; b = 2`: two statements on one line.
                        if !current.is_empty() {
                            lines.push(LogicalLine {
                                indent,
                                tokens: std::mem::take(&mut current),
                            });
                        }
                        continue;
                    } else {
                        TokenKind::Operator(character.to_string())
                    }
                };
                current.push(Token {
                    kind,
                    line: start_line,
                    start,
                    end: index,
                });
            }
        }
    }
    if !current.is_empty() {
        lines.push(LogicalLine {
            indent,
            tokens: current,
        });
    }
    Ok(lines)
}

/// Read a string literal (with its prefix) starting at `index`, or `None` when none starts
/// there. Returns the token, the index after it and the newlines it spans.
fn read_string(
    source: &str,
    index: usize,
) -> Result<Option<(TokenKind, usize, usize)>, TokenizeError> {
    let bytes = source.as_bytes();
    let mut quote_at = index;
    while quote_at < bytes.len()
        && quote_at - index < 2
        && matches!(
            bytes[quote_at].to_ascii_lowercase(),
            b'u' | b'r' | b'b' | b'f'
        )
    {
        quote_at += 1;
    }
    let Some(&quote) = bytes.get(quote_at) else {
        return Ok(None);
    };
    if quote != b'\'' && quote != b'"' {
        return Ok(None);
    }
    let prefix = source[index..quote_at].to_ascii_lowercase();
    let raw = prefix.contains('r');
    let triple = bytes.get(quote_at + 1) == Some(&quote) && bytes.get(quote_at + 2) == Some(&quote);
    let delimiter_length = if triple { 3 } else { 1 };
    let body_start = quote_at + delimiter_length;
    let start_line = source[..index].matches('\n').count() + 1;
    let mut position = body_start;
    loop {
        let Some(&byte) = bytes.get(position) else {
            return Err(TokenizeError {
                line: start_line,
                message: "unterminated string literal".to_owned(),
            });
        };
        if byte == b'\\' {
            position += 2;
            continue;
        }
        if byte == b'\n' && !triple {
            return Err(TokenizeError {
                line: start_line,
                message: "unterminated string literal".to_owned(),
            });
        }
        if byte == quote
            && (!triple
                || (bytes.get(position + 1) == Some(&quote)
                    && bytes.get(position + 2) == Some(&quote)))
        {
            break;
        }
        position += 1;
    }
    let body = &source[body_start..position];
    let end = position + delimiter_length;
    let value = if raw { body.to_owned() } else { unescape(body) };
    Ok(Some((
        TokenKind::String { value, prefix },
        end,
        source[index..end].matches('\n').count(),
    )))
}

/// Python's escape sequences in a non-raw string. Unknown escapes stay as written, as in Python.
fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut characters = body.chars().peekable();
    while let Some(character) = characters.next() {
        if character != '\\' {
            out.push(character);
            continue;
        }
        let Some(next) = characters.next() else {
            out.push('\\');
            break;
        };
        match next {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            'x' | 'u' | 'U' => {
                let width = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits: String = (0..width).filter_map(|_| characters.next()).collect();
                if let Some(decoded) = u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
                {
                    out.push(decoded);
                } else {
                    out.push('\\');
                    out.push(next);
                    out.push_str(&digits);
                }
            }
            '0'..='7' => {
                let mut digits = next.to_string();
                while digits.len() < 3 && characters.peek().is_some_and(|c| c.is_digit(8)) {
                    digits.extend(characters.next());
                }
                match u32::from_str_radix(&digits, 8)
                    .ok()
                    .and_then(char::from_u32)
                {
                    Some(decoded) => out.push(decoded),
                    None => out.push_str(&digits),
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// Read the docstring, the module-level assignments to `names` and the shape of the module-level
/// functions `functions`.
pub fn read_module(
    source: &str,
    names: &[&str],
    functions: &[&str],
) -> Result<ModuleFacts, TokenizeError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let lines = logical_lines(source)?;
    let mut facts = ModuleFacts::default();
    if let Some(first) = lines.first() {
        if first.indent == 0 {
            facts.docstring = string_concatenation(&first.tokens);
        }
    }
    for (index, logical) in lines.iter().enumerate() {
        if logical.indent == 0 {
            if let Some(first) = logical.tokens.first() {
                facts.statement_lines.push(first.line);
            }
        }
        if logical.indent != 0 {
            continue;
        }
        let tokens = &logical.tokens;
        if let [Token {
            kind: TokenKind::Name(keyword),
            ..
        }, Token {
            kind: TokenKind::Name(function),
            line,
            ..
        }, ..] = tokens.as_slice()
        {
            if keyword == "def" && functions.contains(&function.as_str()) {
                facts
                    .functions
                    .push(function_facts(function, *line, &lines[index..]));
                continue;
            }
        }
        let Some(Token {
            kind: TokenKind::Name(name),
            line,
            ..
        }) = tokens.first()
        else {
            continue;
        };
        if !names.contains(&name.as_str()) {
            continue;
        }
        // `name = value` or `name: annotation = value`; a bare annotation assigns nothing.
        let value_start = match tokens.get(1).map(|token| &token.kind) {
            Some(TokenKind::Operator(operator)) if operator == "=" => 2,
            Some(TokenKind::Operator(operator)) if operator == ":" => {
                let mut depth = 0usize;
                let mut found = None;
                for (position, token) in tokens.iter().enumerate().skip(2) {
                    if let TokenKind::Operator(operator) = &token.kind {
                        match operator.as_str() {
                            "(" | "[" | "{" => depth += 1,
                            ")" | "]" | "}" => depth = depth.saturating_sub(1),
                            "=" if depth == 0 => {
                                found = Some(position + 1);
                                break;
                            }
                            _ => {}
                        }
                    }
                }
                match found {
                    Some(start) => start,
                    None => continue,
                }
            }
            _ => continue,
        };
        let expression = &tokens[value_start..];
        let value = parse_value(expression).and_then(|(value, used)| {
            if used == expression.len() {
                Ok(value)
            } else {
                Err(())
            }
        });
        let value = value.map_err(|()| {
            let text = match (expression.first(), expression.last()) {
                (Some(first), Some(last)) => source[first.start..last.end].to_owned(),
                _ => String::new(),
            };
            text
        });
        facts.assignments.push(Assignment {
            name: name.clone(),
            line: *line,
            value,
        });
    }
    Ok(facts)
}

/// A docstring-like logical line: one or more adjacent string literals and nothing else.
fn string_concatenation(tokens: &[Token]) -> Option<String> {
    let mut text = String::new();
    for token in tokens {
        match &token.kind {
            TokenKind::String { value, prefix }
                if !prefix.contains('b') && !prefix.contains('f') =>
            {
                text.push_str(value);
            }
            _ => return None,
        }
    }
    (!tokens.is_empty()).then_some(text)
}

/// Parse one literal at the start of `tokens`: returns it and how many tokens it used.
fn parse_value(tokens: &[Token]) -> Result<(PythonValue, usize), ()> {
    let first = tokens.first().ok_or(())?;
    match &first.kind {
        TokenKind::Name(name) if name == "None" => Ok((PythonValue::None, 1)),
        TokenKind::String { .. } => {
            let count = tokens
                .iter()
                .take_while(|token| matches!(token.kind, TokenKind::String { .. }))
                .count();
            let value = string_concatenation(&tokens[..count]).ok_or(())?;
            Ok((PythonValue::String(value), count))
        }
        TokenKind::Operator(open) if open == "(" || open == "[" => {
            let close = if open == "(" { ")" } else { "]" };
            let mut items = Vec::new();
            let mut position = 1;
            let mut saw_comma = false;
            loop {
                match tokens.get(position).map(|token| &token.kind) {
                    Some(TokenKind::Operator(operator)) if operator == close => {
                        position += 1;
                        break;
                    }
                    Some(_) => {}
                    None => return Err(()),
                }
                let (item, used) = parse_value(&tokens[position..])?;
                items.push(item);
                position += used;
                match tokens.get(position).map(|token| &token.kind) {
                    Some(TokenKind::Operator(operator)) if operator == "," => {
                        saw_comma = true;
                        position += 1;
                    }
                    Some(TokenKind::Operator(operator)) if operator == close => {
                        position += 1;
                        break;
                    }
                    _ => return Err(()),
                }
            }
            // `("a")` is a parenthesized string, `("a",)` a one-item tuple.
            if open == "(" && items.len() == 1 && !saw_comma {
                return Ok((items.remove(0), position));
            }
            Ok((PythonValue::Sequence(items), position))
        }
        _ => Err(()),
    }
}

/// The shape of the function starting at `lines[0]`: the logical lines after it that are
/// indented form its body (a one-line `def f(): pass` holds its body after the colon).
fn function_facts(name: &str, line: usize, lines: &[LogicalLine]) -> FunctionFacts {
    let header = &lines[0].tokens;
    // The statement after the signature's final `:` on the same logical line, if any.
    let mut depth = 0usize;
    let mut colon = None;
    for (position, token) in header.iter().enumerate() {
        if let TokenKind::Operator(operator) = &token.kind {
            match operator.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                ":" if depth == 0 => colon = Some(position),
                _ => {}
            }
        }
    }
    let mut statements: Vec<&[Token]> = Vec::new();
    if let Some(colon) = colon {
        if colon + 1 < header.len() {
            statements.push(&header[colon + 1..]);
        }
    }
    if statements.is_empty() {
        statements.extend(
            lines[1..]
                .iter()
                .take_while(|logical| logical.indent > 0)
                .map(|logical| logical.tokens.as_slice()),
        );
    }
    let is_docstring = |tokens: &[Token]| string_concatenation(tokens).is_some();
    let is_pass = |tokens: &[Token]| {
        matches!(tokens, [Token { kind: TokenKind::Name(word), .. }] if word == "pass")
            || matches!(tokens, [Token { kind: TokenKind::Operator(a), .. }, Token { kind: TokenKind::Operator(b), .. }, Token { kind: TokenKind::Operator(c), .. }] if a == "." && b == "." && c == ".")
    };
    let meaningful: Vec<&[Token]> = statements
        .iter()
        .copied()
        .filter(|tokens| !is_docstring(tokens))
        .collect();
    FunctionFacts {
        name: name.to_owned(),
        line,
        only_pass: meaningful.iter().all(|tokens| is_pass(tokens)),
        starts_with_raise: meaningful
            .first()
            .and_then(|tokens| tokens.first())
            .is_some_and(|token| matches!(&token.kind, TokenKind::Name(word) if word == "raise")),
    }
}
