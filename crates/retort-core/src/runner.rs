//! Applying revisions to a database: the one code path that touches it.
//!
//! ```text
//! lock ─► ensure version table ─► read applied heads ─► plan steps ─► for each step:
//!     begin ─► run the section's statements ─► update the version table ─► commit
//! ─► unlock (on every path: the lock is a guard)
//! ```
//!
//! Offline `--sql` runs the same loop against [`offline::OfflineScript`], a connection that
//! writes SQL instead of executing it.

pub mod connection;
pub mod lease;
pub mod offline;
pub mod plan;
pub mod progress;
pub mod run;
pub mod split;
