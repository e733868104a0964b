//! The `retort` binary: parse the command line, resolve settings, run one command, map the
//! outcome to an exit code.

mod args;
mod commands;
mod diagnostics;
mod display;
mod printer;
mod progress;
mod settings;
mod signals;

use clap::Parser;

use args::{Cli, Command};
use diagnostics::{CliError, ExitCode};
use settings::GlobalSettings;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let outcome =
        GlobalSettings::resolve(&cli.global).and_then(|settings| run(&settings, &cli.command));
    match outcome {
        Ok(code) => std::process::ExitCode::from(code as u8),
        Err(error) => {
            eprint!("{}", error.render());
            std::process::ExitCode::from(error.exit_code as u8)
        }
    }
}

fn run(settings: &GlobalSettings, command: &Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Init(args) => commands::init::run(settings, args),
        Command::ListTemplates => commands::list_templates::run(settings),
        Command::Revision(args) => commands::revision::run(settings, args),
        Command::Merge(args) => commands::merge::run(settings, args),
        Command::Heads(args) => commands::heads::run(settings, args),
        Command::Branches(args) => commands::branches::run(settings, args),
        Command::History(args) => commands::history::run(settings, args),
        Command::Show(args) => commands::show::run(settings, args),
        Command::Edit(args) => commands::edit::run(settings, args),
        Command::Upgrade(args) => commands::migrate::upgrade(settings, args),
        Command::Downgrade(args) => commands::migrate::downgrade(settings, args),
        Command::Current(args) => commands::current::run(settings, args),
        Command::Stamp(args) => commands::migrate::stamp(settings, args),
        Command::EnsureVersion(args) => commands::migrate::ensure_version(settings, args),
        Command::Unlock => commands::unlock::run(settings),
        Command::Check => commands::check::run(settings),
        Command::Fleet(command) => commands::fleet::run(settings, command),
        Command::Completions(args) => commands::completions::run(args),
        Command::Import(args::ImportCommand::Alembic(args)) => {
            commands::import::alembic(settings, args)
        }
    }
}
