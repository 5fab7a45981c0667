//! The known_hosts view's background work and what it leaves behind: the file dialog,
//! planning (preview), applying (remove) and restoring (undo) run off the UI thread,
//! one at a time, and their results move the view from one state to the next. The view
//! only asks ([`Work`], collected by the app as a command); the app runs it as one of its
//! jobs and hands the result back ([`KnownHostsView::on_done`]). Every decision (what
//! matches, whether a file changed, whether undo would lose lines) is the core's,
//! `crate::known_hosts`; this file only describes the work and reads answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::known_hosts::{self, HostQuery, KnownHostsError, Plan, RestoreMode, Restored};

use crate::ui::known_hosts::known_hosts_tables::{kept_rows, KeptRow};
use crate::ui::known_hosts::known_hosts_view::{capitalise, lines, KnownHostsView, StatusMessage};
use crate::ui::platform::{ssh_dir, Picked, Platform};

/// What a preview was made for. A preview only stands while these are unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inputs {
    pub(crate) file: PathBuf,
    pub(crate) hosts: Vec<String>,
}

#[derive(Clone)]
pub(crate) struct Preview {
    pub(crate) inputs: Inputs,
    pub(crate) plan: Arc<Plan>,
    /// Where `apply` will put the backup (next to the symlink's target, if any).
    pub(crate) backup: PathBuf,
    pub(crate) kept_rows: Arc<Vec<KeptRow>>,
}

/// The last removal, kept so it can be undone.
#[derive(Clone)]
pub(crate) struct Applied {
    pub(crate) inputs: Inputs,
    pub(crate) plan: Arc<Plan>,
    pub(crate) backup: PathBuf,
    /// Undo was refused because the file has lines added since the removal; offer
    /// "Restore anyway" and "Restore and keep new lines".
    pub(crate) blocked: bool,
}

/// The one write-or-read job that may run at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Task {
    Planning,
    Applying,
    Restoring,
}

/// What a background job sends back.
pub(crate) enum Done {
    Picked(Picked<Vec<PathBuf>>),
    Planned {
        inputs: Inputs,
        result: Result<(Plan, PathBuf, Vec<KeptRow>), KnownHostsError>,
    },
    Applied {
        preview: Preview,
        result: Result<Option<PathBuf>, KnownHostsError>,
    },
    Restored {
        mode: RestoreMode,
        result: Result<Restored, KnownHostsError>,
    },
    /// The work itself failed unexpectedly (a panic): nothing runs any more.
    Failed(String),
}

/// Work the view asks for; the app runs it off the UI thread ([`Work::run`]).
pub(crate) enum Work {
    Choose { folder: Option<PathBuf> },
    Plan { inputs: Inputs, queries: Vec<HostQuery> },
    Apply { preview: Preview },
    Restore { path: PathBuf, mode: RestoreMode },
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Work::Choose { .. } => "known_hosts: choose a file",
            Work::Plan { .. } => "known_hosts: preview",
            Work::Apply { .. } => "known_hosts: remove",
            Work::Restore { .. } => "known_hosts: undo",
        })
    }
}

impl Work {
    /// Does the work (slow: file dialogs, reading and writing files). A panic comes back
    /// as [`Done::Failed`], so the view never waits for an answer that cannot come.
    pub(crate) fn run(self, platform: &dyn Platform) -> Done {
        let work = std::panic::AssertUnwindSafe(move || match self {
            Work::Choose { folder } => {
                Done::Picked(platform.open_files("Choose a known_hosts file", folder.as_deref()))
            }
            Work::Plan { inputs, queries } => {
                let result = known_hosts::plan_file(&inputs.file, &queries).map(|plan| {
                    let backup = known_hosts::backup_for(&inputs.file);
                    let rows = kept_rows(&plan);
                    (plan, backup, rows)
                });
                Done::Planned { inputs, result }
            }
            Work::Apply { preview } => {
                let result = preview.plan.apply();
                Done::Applied { preview, result }
            }
            Work::Restore { path, mode } => Done::Restored { mode, result: known_hosts::restore_with(&path, mode) },
        });
        std::panic::catch_unwind(work).unwrap_or_else(|p| Done::Failed(crate::ui::worker::panic_message(p.as_ref())))
    }
}

impl KnownHostsView {
    pub(crate) fn choose_file(&mut self) {
        let folder = self.file.as_deref().and_then(Path::parent).map(Path::to_path_buf).or_else(ssh_dir);
        self.choosing = true;
        self.file_note = None;
        self.outbox.push(Work::Choose { folder });
    }

    pub(crate) fn start_preview(&mut self) {
        let Some(inputs) = self.inputs() else { return };
        self.error = None;
        self.confirming = false;
        let queries: Result<Vec<HostQuery>, KnownHostsError> =
            inputs.hosts.iter().map(|h| HostQuery::parse(h)).collect();
        let queries = match queries {
            Ok(q) => q,
            Err(e) => {
                self.error = Some(capitalise(&e.to_string()));
                return;
            }
        };
        self.task = Some((Task::Planning, inputs.file.clone()));
        self.outbox.push(Work::Plan { inputs, queries });
    }

    pub(crate) fn start_apply(&mut self) {
        let Some(preview) = self.preview.clone() else { return };
        self.confirming = false;
        self.error = None;
        self.task = Some((Task::Applying, preview.plan.path.clone()));
        self.outbox.push(Work::Apply { preview });
    }

    /// Puts the backup back. The core refuses when that would lose lines added to the
    /// file since the removal, unless `mode` says to force or to merge.
    pub(crate) fn start_undo(&mut self, mode: RestoreMode) {
        let Some(applied) = self.applied.clone() else { return };
        self.error = None;
        self.task = Some((Task::Restoring, applied.plan.path.clone()));
        self.outbox.push(Work::Restore { path: applied.plan.path.clone(), mode });
    }

    /// Runs the work asked for on this thread, as the app runs it on a job, and applies
    /// what it found: for embedding the view without the app (its tests).
    pub fn run_work_here(&mut self, platform: &dyn Platform) -> Vec<StatusMessage> {
        let mut said = Vec::new();
        while !self.outbox.is_empty() {
            for work in self.take_work() {
                said.extend(self.on_done(work.run(platform)));
            }
        }
        said
    }

    /// The work the view asked for since the last call, for the app to run.
    pub(crate) fn take_work(&mut self) -> Vec<Work> {
        std::mem::take(&mut self.outbox)
    }

    /// Applies what a finished job found; a message for the status bar, if any.
    pub(crate) fn on_done(&mut self, done: Done) -> Option<StatusMessage> {
        match done {
            Done::Failed(msg) => {
                self.task = None;
                self.choosing = false;
                Some(self.failed(msg))
            }
            Done::Picked(picked) => {
                self.choosing = false;
                match picked {
                    Picked::Chosen(paths) => {
                        if let Some(path) = paths.into_iter().next() {
                            self.file = Some(path);
                        }
                    }
                    Picked::Cancelled => {}
                    Picked::Unavailable => {
                        self.file_note =
                            Some("No file dialog is available on this system; type the path instead.".to_string());
                    }
                }
                None
            }
            Done::Planned { inputs, result } => {
                self.task = None;
                if self.inputs().as_ref() != Some(&inputs) {
                    return None; // asked for something else meanwhile; that needs its own preview
                }
                match result {
                    Ok((plan, backup, rows)) => {
                        let (plan, kept_rows) = (Arc::new(plan), Arc::new(rows));
                        self.preview = Some(Preview { inputs, plan, backup, kept_rows });
                        None
                    }
                    Err(e) => Some(self.failed(capitalise(&e.to_string()))),
                }
            }
            Done::Applied { preview, result } => {
                self.task = None;
                match result {
                    Ok(Some(backup)) => {
                        let n = preview.plan.removed.len();
                        let msg = format!("Removed {}; backup at {}", lines(n), backup.display());
                        self.applied =
                            Some(Applied { inputs: preview.inputs, plan: preview.plan, backup, blocked: false });
                        self.preview = None;
                        self.notice = None;
                        Some(StatusMessage::info(msg))
                    }
                    Ok(None) => Some(StatusMessage::info("Nothing matched; nothing was written")),
                    Err(e) => {
                        if matches!(e, KnownHostsError::Changed { .. }) {
                            self.preview = None;
                        }
                        Some(self.failed(capitalise(&e.to_string())))
                    }
                }
            }
            Done::Restored { mode, result } => {
                self.task = None;
                match result {
                    Ok(restored) => {
                        let applied = self.applied.take();
                        let file = applied.as_ref().map(|a| a.plan.path.display().to_string()).unwrap_or_default();
                        let msg = restored_message(&file, &restored, mode);
                        self.notice = Some(msg.clone());
                        if applied.is_some_and(|a| self.inputs() == Some(a.inputs)) {
                            self.start_preview();
                        }
                        Some(StatusMessage::info(msg))
                    }
                    Err(KnownHostsError::AddedSinceRemoval { path, backup, count, first }) => {
                        if let Some(a) = &mut self.applied {
                            a.blocked = true;
                        }
                        Some(self.failed(undo_refused_message(&path, &backup, count, &first)))
                    }
                    Err(e) => Some(self.failed(capitalise(&e.to_string()))),
                }
            }
        }
    }

    /// Shows `msg` as the view's error and returns it for the status bar.
    fn failed(&mut self, msg: String) -> StatusMessage {
        self.error = Some(msg.clone());
        StatusMessage::error(msg)
    }
}

/// "Restored FILE from BACKUP", and what became of the lines added since the removal.
fn restored_message(file: &str, restored: &Restored, mode: RestoreMode) -> String {
    let done = format!("Restored {file} from {}", restored.backup.display());
    match (restored.added, mode) {
        (0, _) => done,
        (n, RestoreMode::Merge) => format!("{done}, keeping {} added since the removal at the end", lines(n)),
        (n, _) => format!("{done}; {} added since the removal dropped", lines(n)),
    }
}

/// The core's refusal, worded for the buttons this view offers instead of CLI flags.
fn undo_refused_message(path: &Path, backup: &Path, count: usize, first: &[known_hosts::AddedLine]) -> String {
    let them = if count == 1 { "it" } else { "them" };
    let mut shown: Vec<String> = first.iter().map(ToString::to_string).collect();
    if count > first.len() {
        shown.push(format!("and {} more", count - first.len()));
    }
    format!(
        "{} changed since the removal: it has {} that the backup does not have ({}). Nothing was changed; the backup \
         is still at {}. \"Restore and keep new lines\" puts the backup back and adds {them} after it; \
         \"Restore anyway\" loses {them}.",
        path.display(),
        lines(count),
        shown.join("; "),
        backup.display()
    )
}
