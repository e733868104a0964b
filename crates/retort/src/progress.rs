//! What a run prints while it applies revisions: one line per revision on stderr, or, when
//! stderr is a terminal and many revisions run, one progress bar redrawn in place.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use retort_core::revision::graph::RevisionGraph;
use retort_core::runner::plan::{describe_step, Step};
use retort_core::runner::run::Reporter;

use crate::printer::Printer;

/// From this many revisions on, a terminal gets a bar instead of a line per revision.
const BAR_THRESHOLD: usize = 20;
const BAR_WIDTH: usize = 30;

pub struct StepReporter {
    printer: Printer,
    bar: bool,
    position: usize,
    total: usize,
    /// The bar is drawn and its line not ended: any other message ends it first.
    line_open: bool,
}

impl StepReporter {
    pub fn new(printer: Printer) -> Self {
        Self {
            printer,
            bar: false,
            position: 0,
            total: 0,
            line_open: false,
        }
    }

    /// End the bar's line, so that what comes next starts on a line of its own.
    fn end_line(&mut self) {
        if std::mem::take(&mut self.line_open) {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr);
            let _ = stderr.flush();
        }
    }
}

/// An error is printed after the run returns, when the reporter is gone: the bar's line is
/// ended by then (issue 9: the progress bar did not end its line before an error).
impl Drop for StepReporter {
    fn drop(&mut self) {
        self.end_line();
    }
}

impl Reporter for StepReporter {
    fn note(&mut self, text: &str) {
        self.end_line();
        // Even with -q: it says what the run decided on the database's word.
        eprintln!("note: {text}");
    }

    fn waiting_for_lock(&mut self, holder: Option<&str>) {
        self.end_line();
        self.printer.status(&format!(
            "waiting for the migration lock held by {}",
            holder.unwrap_or("another run (the database does not say which)")
        ));
    }

    fn step_started(
        &mut self,
        _graph: &RevisionGraph,
        _step: &Step,
        position: usize,
        total: usize,
    ) {
        if position == 0 {
            self.bar =
                !self.printer.quiet && total >= BAR_THRESHOLD && std::io::stderr().is_terminal();
        }
        self.position = position;
        self.total = total;
    }

    fn step_finished(&mut self, graph: &RevisionGraph, step: &Step, elapsed: Duration) {
        let line = format!(
            "Running {} {}",
            step.direction.keyword(),
            describe_step(graph, step)
        );
        if !self.bar {
            self.printer.status(&format!(
                "{line} ({:.1} ms)",
                elapsed.as_secs_f64() * 1000.0
            ));
            return;
        }
        let done = self.position + 1;
        let filled = done * BAR_WIDTH / self.total.max(1);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r\x1b[2K[{}{}] {done}/{} {}",
            "#".repeat(filled),
            " ".repeat(BAR_WIDTH - filled),
            self.total,
            line.chars().take(60).collect::<String>()
        );
        if done == self.total {
            let _ = writeln!(stderr);
        }
        self.line_open = done != self.total;
        let _ = stderr.flush();
    }
}
