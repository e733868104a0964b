//! Waiting at most so long for work that may block forever (a connection to a frozen server).

use std::sync::mpsc;
use std::time::Duration;

/// Run `work` on a helper thread and wait at most `limit` for it (`None`: run it here, without
/// a limit). `None` back: it did not finish in time; the helper is left to finish or block on
/// its own, and whatever it returns later is dropped.
pub fn within<T: Send + 'static>(
    limit: Option<Duration>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let Some(limit) = limit else {
        return Some(work());
    };
    let (answer, answered) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = answer.send(work());
    });
    answered.recv_timeout(limit).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_up_after_the_limit() {
        assert_eq!(within(Some(Duration::from_secs(5)), || 1), Some(1));
        assert_eq!(within(None, || 2), Some(2));
        let started = std::time::Instant::now();
        let late = within(Some(Duration::from_millis(50)), || {
            std::thread::sleep(Duration::from_secs(2));
        });
        assert!(late.is_none() && started.elapsed() < Duration::from_secs(1));
    }
}
