//! One module per verb. Each resolves its arguments, calls the core and prints.

pub mod autogenerate;
pub mod branches;
pub mod check;
pub mod completions;
pub mod current;
pub mod edit;
pub mod fleet;
pub mod heads;
pub mod history;
pub mod import;
pub mod init;
pub mod list_templates;
pub mod merge;
pub mod migrate;
pub mod revision;
pub mod show;
pub mod unlock;
