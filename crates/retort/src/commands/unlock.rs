//! `retort unlock`: who holds the migration lock, and since when; with `lock_mode = "table"`,
//! clear it at once (a lease whose holder died expires by itself, but a deploy should not have
//! to wait for it).

use retort_core::config::LockMode;
use retort_core::runner::lease::clear_lease;

use super::migrate::open_database;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings) -> Result<ExitCode, CliError> {
    let config = settings.config()?;
    let (_, mut connection) = open_database(settings, &config)?;
    let table = config.version_table();
    let database_error = |action: &str, error: retort_core::runner::connection::DatabaseError| {
        let mut cli = CliError::usage(format!("cannot {action}: {}", error.message));
        cli.exit_code = ExitCode::Database;
        cli.hints.extend(error.hint);
        cli
    };
    if config.lock_mode != LockMode::Table {
        // A session or transaction lock ends with the session that holds it: say whose it is.
        let holder = connection
            .lock_holder(&table)
            .map_err(|e| database_error("read the migration lock", e))?;
        return match holder {
            None => {
                settings.printer.data("no run holds the migration lock");
                Ok(ExitCode::Success)
            }
            Some(holder) => Err(CliError {
                message: format!("the migration lock is held by {holder}"),
                hints: vec![format!(
                    "lock_mode = \"{}\" holds a lock that ends with the session holding it; end that run (or that session), or use lock_mode = \"table\", whose lease `retort unlock` can clear",
                    match config.lock_mode {
                        LockMode::Transaction => "transaction",
                        LockMode::Session | LockMode::Table => "session",
                    }
                )],
                exit_code: ExitCode::Database,
            }),
        };
    }
    match clear_lease(connection.as_mut(), &table)
        .map_err(|e| database_error("clear the migration lock", e))?
    {
        None => settings.printer.data("no run holds the migration lock"),
        Some(holder) => settings.printer.data(&format!(
            "cleared the migration lock held by {}",
            holder.describe()
        )),
    }
    Ok(ExitCode::Success)
}
