//! What every command runs with, resolved once from the global flags: the configuration file,
//! the `[env.NAME]` choice, the URL override and the output mode.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use retort_core::config::environment::Environment;
use retort_core::config::{find_config, Config};
use retort_core::revision::directory::load_graph;
use retort_core::revision::graph::RevisionGraph;

use crate::args::GlobalArgs;
use crate::diagnostics::CliError;
use crate::printer::Printer;

#[derive(Debug)]
pub struct GlobalSettings {
    pub working_directory: PathBuf,
    pub config_path: Option<PathBuf>,
    pub env_name: Option<String>,
    pub url: Option<String>,
    pub extra: BTreeMap<String, String>,
    pub printer: Printer,
}

impl GlobalSettings {
    pub fn resolve(args: &GlobalArgs) -> Result<Self, CliError> {
        let working_directory = std::env::current_dir()?;
        let mut extra = BTreeMap::new();
        for pair in &args.extra {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(CliError::usage(format!(
                    "-x expects KEY=VALUE, got '{pair}'"
                )));
            };
            extra.insert(key.to_owned(), value.to_owned());
        }
        Ok(Self {
            config_path: args
                .config
                .as_ref()
                .map(|path| working_directory.join(path)),
            working_directory,
            env_name: args.env.clone(),
            url: args.url.clone(),
            extra,
            printer: Printer::new(args.json, args.quiet),
        })
    }

    /// Find and load `retort.toml`.
    pub fn config(&self) -> Result<Config, CliError> {
        let path = match &self.config_path {
            Some(path) => path.clone(),
            None => find_config(&self.working_directory)?,
        };
        Ok(Config::load(
            &path,
            self.env_name.as_deref(),
            Environment::process(),
        )?)
    }

    /// Load the project's configuration and revision graph.
    pub fn config_and_graph(&self) -> Result<(Config, RevisionGraph), CliError> {
        let config = self.config()?;
        let graph = load_graph(&config.version_locations)?;
        Ok((config, graph))
    }

    /// `path` as shown to the user: relative to the working directory when it is inside it.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.working_directory)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}
