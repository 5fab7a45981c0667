//! Background jobs: anything slow (key generation, file dialogs, writing keys, known_hosts
//! planning) runs on its own thread and reports back over a channel; the UI polls the
//! channel each frame and asks for a repaint when a result lands.

use std::sync::mpsc::{channel, Receiver, Sender};

/// Runs closures off the UI thread and collects their results.
pub struct Jobs<T: Send + 'static> {
    tx: Sender<T>,
    rx: Receiver<T>,
    running: usize,
}

impl<T: Send + 'static> Default for Jobs<T> {
    fn default() -> Self {
        let (tx, rx) = channel();
        Jobs { tx, rx, running: 0 }
    }
}

impl<T: Send + 'static> Jobs<T> {
    /// Starts `work` on a new thread; `ctx` is repainted when it finishes.
    pub fn spawn(&mut self, ctx: &egui::Context, work: impl FnOnce() -> T + Send + 'static) {
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        self.running += 1;
        std::thread::spawn(move || {
            let result = work();
            let _ = tx.send(result);
            ctx.request_repaint();
        });
    }

    /// Results that arrived since the last call.
    pub fn poll(&mut self) -> Vec<T> {
        let v: Vec<T> = self.rx.try_iter().collect();
        self.running = self.running.saturating_sub(v.len());
        v
    }

    /// Whether any job is still running.
    pub fn busy(&self) -> bool {
        self.running > 0
    }
}
