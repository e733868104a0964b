//! `retort completions SHELL`.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::diagnostics::{CliError, ExitCode};

pub fn run(args: &CompletionsArgs) -> Result<ExitCode, CliError> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "retort", &mut std::io::stdout());
    Ok(ExitCode::Success)
}
