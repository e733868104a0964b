//! Errors as the user sees them: one `error:` line with the cause chain, `hint:` lines, and an
//! exit code.

use std::error::Error as StdError;
use std::fmt::Write as _;

use retort_core::config::ConfigError;
use retort_core::project_template::InitError;
use retort_core::revision::directory::LoadError;
use retort_core::revision::error::RevisionError;
use retort_core::revision::new_revision::NewRevisionError;

/// The process exit codes (product contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "Findings and Database arrive with check and the runner"
)]
pub enum ExitCode {
    Success = 0,
    /// `check` or `lint` found something.
    Findings = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// The database refused or failed.
    Database = 3,
}

/// An error ready to print.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hints: Vec<String>,
    pub exit_code: ExitCode,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hints: Vec::new(),
            exit_code: ExitCode::Usage,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub(crate) fn from_error(
        error: &dyn StdError,
        hint: Option<String>,
        exit_code: ExitCode,
    ) -> Self {
        Self {
            message: retort_core::error_chain::error_chain(error),
            hints: hint.into_iter().collect(),
            exit_code,
        }
    }

    /// The text printed on stderr.
    pub fn render(&self) -> String {
        let mut text = format!("error: {}\n", self.message);
        for hint in &self.hints {
            let _ = writeln!(text, "hint: {hint}");
        }
        text
    }
}

macro_rules! usage_error_from {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for CliError {
            fn from(error: $error) -> Self {
                let hint = error.hint();
                CliError::from_error(&error, hint, ExitCode::Usage)
            }
        }
    )*};
}

usage_error_from!(
    ConfigError,
    InitError,
    LoadError,
    RevisionError,
    NewRevisionError
);

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::from_error(&error, None, ExitCode::Usage)
    }
}

/// Opening a database: a bad URL is a usage error (exit 2), a refusal a database error (exit 3).
impl From<retort::database::OpenError> for CliError {
    fn from(error: retort::database::OpenError) -> Self {
        let exit_code = match error {
            retort::database::OpenError::BadUrl { .. } => ExitCode::Usage,
            retort::database::OpenError::Connect(_) => ExitCode::Database,
        };
        let hint = error.hint();
        CliError::from_error(&error, hint, exit_code)
    }
}
