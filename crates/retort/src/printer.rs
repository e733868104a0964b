//! Output: data on stdout, everything else (progress, notes) on stderr.

use std::io::Write;

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub json: bool,
    pub quiet: bool,
}

impl Printer {
    pub fn new(json: bool, quiet: bool) -> Self {
        Self { json, quiet }
    }

    /// A line of data (stdout). Write errors (a closed pipe) end output quietly.
    #[allow(
        clippy::unused_self,
        reason = "data is printed in every mode; the receiver keeps call sites uniform"
    )]
    pub fn data(self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
    }

    /// A JSON document (stdout).
    pub fn json(self, value: &serde_json::Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        self.data(&text);
    }

    /// A status line for people (stderr), silenced by `-q`.
    pub fn status(self, text: &str) {
        if !self.quiet {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{text}");
        }
    }
}
