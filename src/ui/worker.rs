//! Background jobs: anything slow (key generation, file dialogs, reading and writing
//! files, known_hosts planning) runs on its own thread and reports back over a channel;
//! the UI polls the channel each frame and asks for a repaint when a result lands.
//!
//! A job that panics still reports back, as an error the user sees: a spinner that
//! never stops and a dialog that cannot be closed are worse than any message.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};

/// Runs closures off the UI thread and collects their results.
pub struct Jobs<T: Send + 'static> {
    tx: Sender<Result<T, String>>,
    rx: Receiver<Result<T, String>>,
    running: usize,
}

impl<T: Send + 'static> Default for Jobs<T> {
    fn default() -> Self {
        let (tx, rx) = channel();
        Jobs { tx, rx, running: 0 }
    }
}

/// The message a caught panic carries, phrased for the status line.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    format!("Internal error ({what}). Nothing was saved by the step that failed; please report this.")
}

impl<T: Send + 'static> Jobs<T> {
    /// Starts `work` on a new thread; `ctx` is repainted when it finishes. A panic in
    /// `work` arrives as `Err(message)`.
    pub fn spawn(&mut self, ctx: &egui::Context, work: impl FnOnce() -> T + Send + 'static) {
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        self.running += 1;
        std::thread::spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(work)).map_err(|p| panic_message(p.as_ref()));
            let _ = tx.send(result);
            ctx.request_repaint();
        });
    }

    /// Results that arrived since the last call.
    pub fn poll(&mut self) -> Vec<Result<T, String>> {
        let v: Vec<Result<T, String>> = self.rx.try_iter().collect();
        self.running = self.running.saturating_sub(v.len());
        v
    }

    /// Whether any job is still running.
    pub fn busy(&self) -> bool {
        self.running > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_job_reports_an_error_and_is_no_longer_busy() {
        let ctx = egui::Context::default();
        let mut jobs: Jobs<u32> = Jobs::default();
        jobs.spawn(&ctx, || panic!("boom"));
        jobs.spawn(&ctx, || 7);
        let mut got = Vec::new();
        let start = std::time::Instant::now();
        while got.len() < 2 {
            assert!(start.elapsed().as_secs() < 10, "jobs never reported");
            got.extend(jobs.poll());
            std::thread::yield_now();
        }
        assert!(!jobs.busy());
        assert!(got.contains(&Ok(7)));
        let err = got.iter().find_map(|r| r.clone().err()).unwrap();
        assert!(err.contains("boom") && err.starts_with("Internal error"), "{err}");
    }
}
