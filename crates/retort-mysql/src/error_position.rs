//! Where in a statement MariaDB's error points, as a 1-based character position, so that a
//! broken schema file is reported with its line and column. The server sends no offset: a
//! syntax error quotes the text from where it stopped (`near 'nosuchtype\n)' at line 3`), and
//! some other errors quote the name they refuse (`Unknown data type: 'nosuchtype'`).

/// ER_PARSE_ERROR.
const SYNTAX_ERROR: u16 = 1064;
/// ER_KEY_COLUMN_DOES_NOT_EXITS.
const NO_SUCH_KEY_COLUMN: u16 = 1072;
/// ER_DUP_FIELDNAME.
const DUPLICATE_COLUMN: u16 = 1060;
/// ER_TABLE_EXISTS_ERROR.
const TABLE_EXISTS: u16 = 1050;
/// ER_UNKNOWN_DATA_TYPE.
const UNKNOWN_TYPE: u16 = 4161;

pub fn position(sql: &str, code: u16, message: &str) -> Option<usize> {
    let offset = match code {
        SYNTAX_ERROR => {
            let near = message.split_once("near '")?.1;
            let (quoted, line) = near.rsplit_once("' at line ")?;
            let line: usize = line.trim().parse().ok()?;
            let line_start: usize = sql
                .split_inclusive('\n')
                .take(line.checked_sub(1)?)
                .map(str::len)
                .sum();
            // The quoted text runs from the failing token on (cut after 80 characters).
            let start = line_start
                + sql
                    .get(line_start..)?
                    .find(quoted)
                    .filter(|_| !quoted.is_empty())?;
            // Text opening with blanks follows the token the parser choked on: point at that.
            if quoted.starts_with(char::is_whitespace) {
                sql[..start].trim_end().char_indices().next_back()?.0
            } else {
                start
            }
        }
        NO_SUCH_KEY_COLUMN | UNKNOWN_TYPE | TABLE_EXISTS => {
            word_offsets(sql, quoted_name(message)?).next()?
        }
        // The second declaration is the wrong one.
        DUPLICATE_COLUMN => word_offsets(sql, quoted_name(message)?).nth(1)?,
        _ => return None,
    };
    Some(sql[..offset].chars().count() + 1)
}

fn quoted_name(message: &str) -> Option<&str> {
    message.split('\'').nth(1).filter(|name| !name.is_empty())
}

/// Byte offsets where `word` stands alone (case-insensitively, backticks allowed around it).
fn word_offsets<'a>(sql: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let lower = sql.to_ascii_lowercase();
    let word_lower = word.to_ascii_lowercase();
    let starts: Vec<usize> = lower.match_indices(&word_lower).map(|(i, _)| i).collect();
    starts.into_iter().filter(move |&start| {
        let before = sql[..start].chars().next_back();
        let after = sql[start + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn syntax_errors_point_at_the_quoted_text() {
        let sql = "CREATE TABLE t (\n  id int,\n  name varchar(10) DEFAULT,\n  x int\n)";
        let message = "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '\n  x int\n)' at line 3";
        // The quoted text starts after the comma MariaDB choked on.
        let comma = sql.find(",\n  x").unwrap();
        assert_eq!(position(sql, 1064, message), Some(comma + 1));
    }

    #[test]
    fn refused_names_point_at_their_use() {
        let sql = "CREATE TABLE t (\n  id int,\n  x nosuchtype\n)";
        assert_eq!(
            position(sql, 4161, "Unknown data type: 'nosuchtype'"),
            Some(sql.find("nosuchtype").unwrap() + 1)
        );
        let sql = "CREATE TABLE t (id int, `id` text)";
        assert_eq!(
            position(sql, 1060, "Duplicate column name 'id'"),
            Some(sql.find("`id`").unwrap() + 2)
        );
        assert_eq!(position(sql, 1146, "Table 'x' doesn't exist"), None);
    }
}
