//! SIGINT and SIGTERM during a run: the first stops it cleanly (the running statement is
//! cancelled, the open transaction rolled back, the lock released, what was applied said); a
//! second one exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use retort_core::runner::connection::Interrupter;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

/// Watches for the signals while alive.
pub struct SignalWatch {
    handle: Handle,
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        self.handle.close();
    }
}

/// Set `flag` and call `interrupter` on the first SIGINT or SIGTERM.
pub fn watch(
    flag: Arc<AtomicBool>,
    interrupter: Option<Interrupter>,
) -> std::io::Result<SignalWatch> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            if flag.swap(true, Ordering::SeqCst) {
                eprintln!("{name} again: exiting now");
                std::process::exit(128 + signal);
            }
            eprintln!(
                "{name}: stopping: rolling back the running revision and releasing the lock ({name} again exits at once)"
            );
            if let Some(interrupter) = &interrupter {
                interrupter();
            }
        }
    });
    Ok(SignalWatch { handle })
}
