//! The inventory's own thread. Every read and write of the SQLite file runs there, one
//! task after another in the order they were asked for, so the UI thread never waits on
//! the disk or on another Keyshelf process that holds the lock (up to the 10 s busy
//! timeout). A task is a closure over the open [`Inventory`]; what it returns is a
//! closure applied to the app on the UI thread, which updates the model and the views.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::inventory::Inventory;
use crate::ui::app::KeyshelfApp;
use crate::ui::worker::panic_message;

/// How often the thread looks for changes other processes made (the CLI, another
/// window): one cheap `PRAGMA` while idle.
const EXTERNAL_CHANGE_POLL: Duration = Duration::from_secs(2);

/// What a task hands back to the UI thread.
pub(crate) type Apply = Box<dyn FnOnce(&mut KeyshelfApp) + Send>;
type Task = Box<dyn FnOnce(&mut Inventory) -> Apply + Send>;

/// The handle the app keeps: send tasks, poll what they applied.
pub(crate) struct Db {
    tx: Sender<Task>,
    /// The thread, joined on drop: the inventory is closed (its WAL checkpointed and
    /// removed) before the process ends.
    thread: Option<std::thread::JoinHandle<()>>,
    rx: Receiver<Apply>,
    /// Reloads after another process changed the file, applied like task results.
    reloads: Receiver<Apply>,
    pending: usize,
    repaint: Arc<OnceLock<egui::Context>>,
}

impl Db {
    /// Starts the thread: it opens the inventory at `path` and runs `on_open` with the
    /// result (then waits for tasks, or stops when the open failed).
    pub fn start(
        path: PathBuf,
        on_open: impl FnOnce(crate::inventory::Result<&mut Inventory>) -> Apply + Send + 'static,
    ) -> Db {
        let (tx, tasks) = channel::<Task>();
        let (done, rx) = channel::<Apply>();
        let (reload_tx, reloads) = channel::<Apply>();
        let repaint: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
        let wake = repaint.clone();
        let deliver = move |to: &Sender<Apply>, a: Apply| {
            let _ = to.send(a);
            if let Some(ctx) = wake.get() {
                ctx.request_repaint();
            }
        };
        let thread = std::thread::Builder::new()
            .name("keyshelf-inventory".into())
            .spawn(move || {
                let send = |a: Apply| deliver(&done, a);
                let mut inv = match Inventory::open(&path) {
                    Ok(inv) => inv,
                    Err(e) => {
                        send(guarded(|| on_open(Err(e))));
                        return;
                    }
                };
                send(guarded(|| on_open(Ok(&mut inv))));
                let mut seen = inv.data_version().ok();
                loop {
                    match tasks.recv_timeout(EXTERNAL_CHANGE_POLL) {
                        Ok(task) => {
                            let applied = guarded(|| task(&mut inv));
                            // The one place the app brings the managed ssh config up to
                            // date: after any task whose changes made it stale. Only the
                            // plan is made here; the file is written as a job.
                            let refresh = stale_managed_config(&mut inv);
                            send(Box::new(move |app: &mut KeyshelfApp| {
                                applied(app);
                                refresh(app);
                            }));
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            let now = inv.data_version().ok();
                            if now != seen {
                                seen = now;
                                // Not counted as pending: nobody asked for it.
                                deliver(&reload_tx, guarded(|| reload(&mut inv)));
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })
            .map_err(|e| eprintln!("keyshelf: cannot start the inventory thread: {e}"))
            .ok();
        // The open counts as pending work until it lands.
        Db { tx, thread, rx, reloads, pending: 1, repaint }
    }

    /// Lets the thread wake the UI when a result lands.
    pub fn set_context(&self, ctx: &egui::Context) {
        let _ = self.repaint.set(ctx.clone());
    }

    /// Queues `task`; its result is applied by [`Db::poll`] on a later frame.
    pub fn run(&mut self, task: impl FnOnce(&mut Inventory) -> Apply + Send + 'static) {
        if self.tx.send(Box::new(task)).is_ok() {
            self.pending += 1;
        }
    }

    /// What finished since the last call, in the order it was asked for.
    pub fn poll(&mut self) -> Vec<Apply> {
        let mut v: Vec<Apply> = self.rx.try_iter().collect();
        self.pending = self.pending.saturating_sub(v.len());
        v.extend(self.reloads.try_iter());
        v
    }

    /// Whether a task is queued or running.
    pub fn busy(&self) -> bool {
        self.pending > 0
    }
}

/// When a change made the managed ssh config stale (and it is on): its new text, for
/// the app to write as a job; a warning for the status line when it cannot be made (the
/// change itself is saved).
fn stale_managed_config(inv: &mut Inventory) -> Apply {
    match crate::local::ssh_config::take_stale(inv) {
        Ok(None) => Box::new(|_: &mut KeyshelfApp| {}),
        Ok(Some(plan)) => Box::new(move |app: &mut KeyshelfApp| app.write_managed_config(plan)),
        Err(e) => {
            let text = format!("Saved, but the managed ssh config was not updated: {e}");
            Box::new(move |app: &mut KeyshelfApp| app.error(text))
        }
    }
}

impl Drop for Db {
    /// Lets the thread finish its task, close the inventory and end.
    fn drop(&mut self) {
        let (orphan, _) = channel();
        drop(std::mem::replace(&mut self.tx, orphan));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads the whole inventory again after another process changed it.
fn reload(inv: &mut Inventory) -> Apply {
    let snapshot = crate::ui::model::Snapshot::load(inv);
    Box::new(move |app: &mut KeyshelfApp| match snapshot {
        Ok(s) => app.install(s),
        Err(e) => app.error(format!("Could not read the inventory after another program changed it: {e}")),
    })
}

/// Runs a task; a panic becomes an error in the status line instead of a task that
/// never reports. SQLite rolls back the transaction the panic left open.
fn guarded(f: impl FnOnce() -> Apply) -> Apply {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(a) => a,
        Err(p) => {
            let msg = panic_message(p.as_ref());
            Box::new(move |app: &mut KeyshelfApp| app.error(msg))
        }
    }
}
