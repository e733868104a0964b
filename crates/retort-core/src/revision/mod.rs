//! Revision files, the directory that holds them, and the graph they form.

pub mod ancestry;
pub mod directory;
pub mod error;
pub mod file_name;
pub mod graph;
pub mod identifier;
pub mod new_revision;
pub mod resolve;
pub mod script;
pub mod suggest;
pub mod template;
pub mod walk;
