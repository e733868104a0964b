//! The fleet's scheduler: N workers take the next target in order, each with its own
//! connection; the calling thread hears every event, in the order they happen, and decides
//! when to stop (a canary failed, the failure budget is spent, an interruption).
//!
//! Memory stays flat however many targets there are: a worker holds one target's connection,
//! and outcomes go to the caller as they come, not into a list.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Outcome, Target, TargetOutcome, WarmConnection};

/// How many failures a run tolerates before it stops starting targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailureBudget {
    /// Every target is tried (`--on-error continue`).
    Unlimited,
    /// Stop once this many targets failed (`--on-error stop` is 1).
    Count(usize),
    /// Stop once this share of all targets failed, in percent.
    Percent(f64),
}

impl FailureBudget {
    /// The number of failures that stops a run over `total` targets.
    pub fn limit(self, total: usize) -> Option<usize> {
        match self {
            Self::Unlimited => None,
            Self::Count(count) => Some(count.max(1)),
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "a share of a target count, rounded up: small positive numbers"
            )]
            Self::Percent(percent) => {
                Some(((total as f64 * percent / 100.0).ceil() as usize).max(1))
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Targets migrated at once (at least 1).
    pub parallel: usize,
    /// Migrate this many targets first; if any fails, start no other.
    pub canary: usize,
    pub budget: FailureBudget,
}

/// What the caller hears, in order.
pub enum ScheduleEvent<'a> {
    /// A worker is about to change `target`, which stood at `from`.
    Started {
        target: &'a Target,
        from: &'a [String],
    },
    Finished {
        outcome: &'a TargetOutcome,
    },
}

/// Why a run stopped before trying every target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    CanaryFailed { failures: usize },
    FailureBudget { failures: usize, limit: usize },
    Interrupted,
}

/// How the run went, counted (the outcomes themselves went to the caller).
#[derive(Debug, Clone, Copy, Default)]
pub struct FleetSummary {
    pub migrated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Targets never started (the run stopped first).
    pub not_started: usize,
    pub stopped: Option<StopReason>,
    pub elapsed: Duration,
}

/// What a worker runs on one target, with the worker's connection: it calls the callback with
/// the target's version rows before it changes anything, and returns how the target's run
/// ended.
pub type TargetJob<'a> =
    dyn Fn(&Target, &mut WarmConnection, &mut dyn FnMut(&[String])) -> TargetOutcome + Sync + 'a;

enum Message {
    Started(usize, Vec<String>),
    Finished(Box<TargetOutcome>),
}

/// Run `job` on every target under `policy`. `job` gets the target and a callback to call with
/// the target's version rows before it changes anything. `interrupted` stops the run between
/// targets (set by a signal handler); targets in flight finish.
pub fn run_fleet(
    targets: &[Target],
    policy: &Policy,
    interrupted: &AtomicBool,
    job: &TargetJob<'_>,
    observer: &mut dyn FnMut(ScheduleEvent<'_>),
) -> FleetSummary {
    let clock = Instant::now();
    let mut summary = FleetSummary::default();
    let limit = policy.budget.limit(targets.len());
    let canary = policy.canary.min(targets.len());
    let phases: [(Range<usize>, bool); 2] = [(0..canary, true), (canary..targets.len(), false)];
    for (range, is_canary) in phases {
        if range.is_empty() || summary.stopped.is_some() {
            continue;
        }
        let stop = AtomicBool::new(false);
        let next = AtomicUsize::new(range.start);
        let (sender, receiver) = mpsc::channel::<Message>();
        std::thread::scope(|scope| {
            for _ in 0..policy.parallel.max(1).min(range.len()) {
                let sender = sender.clone();
                let (next, stop, range) = (&next, &stop, range.clone());
                scope.spawn(move || {
                    let mut warm = WarmConnection::default();
                    loop {
                        if stop.load(Ordering::SeqCst) || interrupted.load(Ordering::SeqCst) {
                            break;
                        }
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        if index >= range.end {
                            break;
                        }
                        let outcome = job(&targets[index], &mut warm, &mut |from| {
                            let _ = sender.send(Message::Started(index, from.to_vec()));
                        });
                        let _ = sender.send(Message::Finished(Box::new(outcome)));
                    }
                });
            }
            drop(sender);
            for message in receiver {
                match message {
                    Message::Started(index, from) => observer(ScheduleEvent::Started {
                        target: &targets[index],
                        from: &from,
                    }),
                    Message::Finished(outcome) => {
                        match outcome.outcome {
                            Outcome::Migrated { .. } => summary.migrated += 1,
                            Outcome::Unchanged => summary.unchanged += 1,
                            Outcome::Failed(_) => summary.failed += 1,
                        }
                        observer(ScheduleEvent::Finished { outcome: &outcome });
                        if let Some(limit) = limit.filter(|&l| summary.failed >= l) {
                            if summary.stopped.is_none() {
                                summary.stopped = Some(StopReason::FailureBudget {
                                    failures: summary.failed,
                                    limit,
                                });
                            }
                            stop.store(true, Ordering::SeqCst);
                        }
                    }
                }
            }
        });
        if is_canary && summary.failed > 0 {
            summary.stopped = Some(StopReason::CanaryFailed {
                failures: summary.failed,
            });
        }
        if interrupted.load(Ordering::SeqCst) && summary.stopped.is_none() {
            summary.stopped = Some(StopReason::Interrupted);
        }
    }
    summary.not_started = targets.len() - summary.migrated - summary.unchanged - summary.failed;
    summary.elapsed = clock.elapsed();
    summary
}

/// `read` on every target, `parallel` at a time, the results in the targets' order (for
/// `fleet status`, `current` and `check`, which print a table; a row is small).
pub fn map_targets<T: Send>(
    targets: &[Target],
    parallel: usize,
    read: &(dyn Fn(&Target) -> T + Sync),
) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(usize, T)>();
    let mut slots: Vec<Option<T>> = std::iter::repeat_with(|| None)
        .take(targets.len())
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..parallel.max(1).min(targets.len()) {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(target) = targets.get(index) else {
                    break;
                };
                let _ = sender.send((index, read(target)));
            });
        }
        drop(sender);
        for (index, value) in receiver {
            slots[index] = Some(value);
        }
    });
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_budget_in_percent_rounds_up_and_is_never_zero() {
        assert_eq!(FailureBudget::Percent(5.0).limit(100), Some(5));
        assert_eq!(FailureBudget::Percent(10.0).limit(15), Some(2));
        assert_eq!(FailureBudget::Percent(1.0).limit(3), Some(1));
        assert_eq!(FailureBudget::Count(0).limit(10), Some(1));
        assert_eq!(FailureBudget::Unlimited.limit(10), None);
    }
}
