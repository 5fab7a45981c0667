//! The known_hosts view's background work and what it leaves behind: the file dialog,
//! planning (preview), applying (remove) and restoring (undo) run off the UI thread,
//! one at a time, and their results move the view from one state to the next. What
//! matches and whether a file changed since the preview is decided by the core,
//! `crate::known_hosts`; this file starts the work and reads the answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::known_hosts::{self, HostQuery, KnownHostsError, Plan};

use super::known_hosts_tables::{kept_rows, KeptRow};
use super::known_hosts_view::{capitalise, lines, KnownHostsView, StatusMessage};
use super::platform::{ssh_dir, Picked, Platform};

/// What a preview was made for. A preview only stands while these are unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Inputs {
    pub(super) file: PathBuf,
    pub(super) hosts: Vec<String>,
}

#[derive(Clone)]
pub(super) struct Preview {
    pub(super) inputs: Inputs,
    pub(super) plan: Arc<Plan>,
    /// Where `apply` will put the backup (next to the symlink's target, if any).
    pub(super) backup: PathBuf,
    pub(super) kept_rows: Arc<Vec<KeptRow>>,
}

/// The last removal, kept so it can be undone.
#[derive(Clone)]
pub(super) struct Applied {
    pub(super) inputs: Inputs,
    pub(super) plan: Arc<Plan>,
    pub(super) backup: PathBuf,
    /// Undo found the file changed since the removal; offer "Restore anyway".
    pub(super) blocked: bool,
}

/// The one write-or-read job that may run at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Task {
    Planning,
    Applying,
    Restoring,
}

/// What a background job sends back.
pub(super) enum Done {
    Picked(Picked<Vec<PathBuf>>),
    Planned { inputs: Inputs, result: Result<(Plan, PathBuf, Vec<KeptRow>), KnownHostsError> },
    Applied { preview: Preview, result: Result<Option<PathBuf>, KnownHostsError> },
    Restored { result: Result<PathBuf, UndoError> },
}

/// Why an undo did not happen.
pub(super) enum UndoError {
    /// The file changed since the removal; restoring would drop those changes.
    Changed(String),
    Failed(String),
}

impl KnownHostsView {
    pub(super) fn choose_file(&mut self, ctx: &egui::Context, platform: &Arc<dyn Platform>) {
        let platform = Arc::clone(platform);
        let folder = self.file.as_deref().and_then(Path::parent).map(Path::to_path_buf).or_else(ssh_dir);
        self.choosing = true;
        self.file_note = None;
        self.jobs.spawn(ctx, move || Done::Picked(platform.open_files("Choose a known_hosts file", folder.as_deref())));
    }

    pub(super) fn start_preview(&mut self, ctx: &egui::Context) {
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
        self.jobs.spawn(ctx, move || {
            let result = known_hosts::plan_file(&inputs.file, &queries).map(|plan| {
                let backup = known_hosts::backup_for(&inputs.file);
                let rows = kept_rows(&plan);
                (plan, backup, rows)
            });
            Done::Planned { inputs, result }
        });
    }

    pub(super) fn start_apply(&mut self, ctx: &egui::Context) {
        let Some(preview) = self.preview.clone() else { return };
        self.confirming = false;
        self.error = None;
        self.task = Some((Task::Applying, preview.plan.path.clone()));
        self.jobs.spawn(ctx, move || {
            let result = preview.plan.apply();
            Done::Applied { preview, result }
        });
    }

    /// Puts the backup back. Unless `force`, first checks that the file is still what
    /// the removal wrote, so undo cannot silently drop lines added since.
    pub(super) fn start_undo(&mut self, ctx: &egui::Context, force: bool) {
        let Some(applied) = self.applied.clone() else { return };
        self.error = None;
        self.task = Some((Task::Restoring, applied.plan.path.clone()));
        self.jobs.spawn(ctx, move || {
            let path = applied.plan.path.clone();
            if !force {
                match std::fs::read(&path) {
                    Ok(now) if now == applied.plan.remaining_bytes() => {}
                    Ok(_) => {
                        let msg = format!(
                            "{} changed since the removal; undoing would lose those changes. The backup is still at {}.",
                            path.display(),
                            applied.backup.display()
                        );
                        return Done::Restored { result: Err(UndoError::Changed(msg)) };
                    }
                    Err(e) => {
                        let msg = format!("Cannot read {}: {e}", path.display());
                        return Done::Restored { result: Err(UndoError::Failed(msg)) };
                    }
                }
            }
            // Checked above (or asked for): the core's own check must not refuse it again.
            let result = known_hosts::restore_with(&path, known_hosts::RestoreMode::Force)
                .map(|r| r.backup)
                .map_err(|e| UndoError::Failed(capitalise(&e.to_string())));
            Done::Restored { result }
        });
    }

    pub(super) fn on_done(&mut self, ctx: &egui::Context, done: Done) -> Option<StatusMessage> {
        match done {
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
            Done::Restored { result } => {
                self.task = None;
                match result {
                    Ok(backup) => {
                        let applied = self.applied.take();
                        let file = applied.as_ref().map(|a| a.plan.path.display().to_string()).unwrap_or_default();
                        let msg = format!("Restored {file} from {}", backup.display());
                        self.notice = Some(msg.clone());
                        if applied.is_some_and(|a| self.inputs() == Some(a.inputs)) {
                            self.start_preview(ctx);
                        }
                        Some(StatusMessage::info(msg))
                    }
                    Err(e) => {
                        let (msg, changed) = match e {
                            UndoError::Changed(m) => (m, true),
                            UndoError::Failed(m) => (m, false),
                        };
                        if let Some(a) = &mut self.applied {
                            a.blocked = changed;
                        }
                        self.error = Some(msg.clone());
                        Some(StatusMessage::error(msg))
                    }
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
