//! Fleets: one migration run over many targets — tenant schemas, tenant databases, shards on
//! several servers — as one deploy.
//!
//! ```text
//! [fleet] / --target ──► targets ──► schedule (N workers, canary, failure budget) ──► outcomes
//!                                        │ each target: connect, core runner (its own lock)  │
//!                                        └──────────── journal (one line per event) ◄────────┘
//! ```
//!
//! Every target goes through the same core runner as `retort upgrade`: its own connection, its
//! own lock (keyed by the schema or database it migrates, so two fleet runs never migrate one
//! target at once) and its own transactions. The journal records when each target started and
//! how it ended, so `--resume` after a crash continues where the run stopped.

pub mod error;
pub mod journal;
pub mod schedule;
pub mod target;
pub mod target_run;

pub use error::FleetError;
pub use journal::{Journal, Recorded};
pub use schedule::{
    map_targets, run_fleet, FailureBudget, FleetSummary, Policy, ScheduleEvent, StopReason,
};
pub use target::{resolve_targets, Target, TargetSelection};
pub use target_run::{migrate_target, Outcome, TargetFailure, TargetOutcome, WarmConnection};
