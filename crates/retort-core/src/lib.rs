//! Retort's core: everything that does not need a database client, a terminal or clap.
//!
//! ```text
//!  retort.toml ──► config::Config ──► version locations
//!                                         │
//!  migrations/versions/*.sql ──► revision::directory::load_scripts
//!                                         │
//!                                 revision::graph::RevisionGraph  (Alembic's RevisionMap)
//!                                         │
//!            identifiers ("head", "ae10+2") ──► revision::resolve / revision::walk
//!                                         │
//!                            ordered list of revisions to apply or revert
//! ```
//!
//! Autogenerate goes through three seams, each a trait a dialect crate implements once:
//!
//! ```text
//!  declared files ──► autogenerate::screen (every statement modeled or refused by name)
//!                        │                                 live database
//!                        ▼                                       │
//!   introspect::Introspect::parse_declared / scratch database    │ Introspect::introspect
//!                        │                                       │
//!                        └──────────► diff (renames first) ◄──────┘
//!                                        │ neutral operations
//!                                        ▼
//!            dialect::Dialect::adapt (upgrade), and adapt(reverse(...)) (downgrade)
//!                                        │
//!            dialect::Dialect::render ──► autogenerate::plan::Plan ──► revision file
//! ```
//!
//! [`dialect::Dialect`] renders (no connection needed), [`introspect::Introspect`] reads
//! catalogs, [`runner::connection::Connection`] executes; a live database is all three
//! ([`introspect::Database`]).
//!
//! The core never prints: it returns values and errors, and each error has a `hint()` saying
//! how to fix it.

pub mod alembic;
pub mod autogenerate;
pub mod config;
pub mod deadline;
pub mod declared_sql;
pub mod dialect;
pub mod diff;
pub mod error_chain;
pub mod glob;
pub mod introspect;
pub mod project_template;
pub mod revision;
pub mod runner;
pub mod schema;
