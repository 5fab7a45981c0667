//! The known_hosts cleanup view: choose a file, list the hosts to forget (picked from
//! the inventory or typed), preview the plan, remove, undo. Self-contained: it runs its
//! own background jobs and reports back a status line. This file holds the view's state
//! and its API to the app; the drawing is in `known_hosts_form` (and the preview tables
//! in `known_hosts_tables`), the jobs and their results in `known_hosts_jobs`. What
//! matches, what is kept, how the file is written and when undo is safe are decided by
//! `crate::known_hosts`; the view only asks and shows.

use std::path::PathBuf;

use egui::RichText;

use crate::inventory::Host;
use crate::known_hosts::{self, HostQuery};

use crate::ui::known_hosts::known_hosts_jobs::{Applied, Inputs, Preview, Task, Work};

/// Width of the label column of the form, so the fields line up.
pub(crate) const LABEL_WIDTH: f32 = 130.0;
/// Tables scroll on their own past this height; the page scrolls around them.
pub(crate) const TABLE_HEIGHT: f32 = 320.0;

/// A one-line message for the app's status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub is_error: bool,
}

impl StatusMessage {
    pub(crate) fn info(text: impl Into<String>) -> Self {
        StatusMessage { text: text.into(), is_error: false }
    }

    pub(crate) fn error(text: impl Into<String>) -> Self {
        StatusMessage { text: text.into(), is_error: true }
    }
}

/// The view's state: what the user asked for, the last preview and removal, and the
/// running job. Fields other than `file` and `hosts` belong to the view's own files.
#[derive(Default)]
pub struct KnownHostsView {
    /// The known_hosts file to clean; `~/.ssh/known_hosts` until the user picks another.
    pub file: Option<PathBuf>,
    /// The hosts to forget, in known_hosts form (`host` or `[host]:port`).
    pub hosts: Vec<String>,
    pub(crate) started: bool,
    /// What the file field shows, and the `file` it was last synced with.
    pub(crate) file_text: String,
    pub(crate) shown_file: Option<PathBuf>,
    /// A note under the file field (e.g. no file dialog on this system).
    pub(crate) file_note: Option<String>,
    pub(crate) add_text: String,
    pub(crate) add_error: Option<String>,
    pub(crate) preview: Option<Preview>,
    pub(crate) confirming: bool,
    pub(crate) applied: Option<Applied>,
    /// The last thing that finished well, shown where the undo area was.
    pub(crate) notice: Option<String>,
    /// The last thing that failed (planning, writing, restoring).
    pub(crate) error: Option<String>,
    /// The running job and the file it works on.
    pub(crate) task: Option<(Task, PathBuf)>,
    pub(crate) choosing: bool,
    /// Start a preview on the next frame (see [`KnownHostsView::request_preview`]).
    pub(crate) preview_requested: bool,
    /// Work asked for and not yet handed to the app ([`Self::take_work`]).
    pub(crate) outbox: Vec<Work>,
}

impl KnownHostsView {
    /// Replaces the host list (e.g. a host's names and addresses after "Reset key").
    pub fn prefill(&mut self, names: Vec<String>) {
        self.hosts.clear();
        for name in names.into_iter().filter(|n| !n.trim().is_empty()) {
            let name = HostQuery::parse(&name).map(|q| q.to_string()).unwrap_or(name);
            if !self.hosts.contains(&name) {
                self.hosts.push(name);
            }
        }
        self.add_error = None;
        self.error = None;
        self.invalidate_if_changed();
    }

    /// Previews as soon as the view is shown (e.g. right after [`Self::prefill`]), as if
    /// the user clicked Preview. Does nothing without hosts or a file.
    pub fn request_preview(&mut self) {
        self.preview_requested = true;
    }

    /// Whether a dialog, a preview, a removal or an undo is asked for or running.
    pub fn busy(&self) -> bool {
        self.task.is_some() || self.choosing || !self.outbox.is_empty()
    }

    /// Draws the view. `hosts` are the inventory's hosts, offered as quick picks.
    pub fn show(&mut self, ui: &mut egui::Ui, hosts: &[Host]) {
        if !self.started {
            self.started = true;
            if self.file.is_none() {
                self.file = known_hosts::default_path();
            }
        }
        if self.file != self.shown_file {
            self.file_text = self.file.as_ref().map(|f| f.display().to_string()).unwrap_or_default();
            self.shown_file = self.file.clone();
        }
        self.invalidate_if_changed();
        if std::mem::take(&mut self.preview_requested) && self.task.is_none() && !self.hosts.is_empty() {
            self.start_preview();
        }

        egui::ScrollArea::vertical().id_salt("known_hosts_page").auto_shrink([false, false]).show(ui, |ui| {
            ui.spacing_mut().item_spacing.y = 6.0;
            ui.heading("known_hosts cleanup");
            ui.label(
                RichText::new(
                    "Forget a server's old host keys after it was rebuilt or re-keyed: every line for all its \
                     names and addresses, with a backup and undo.",
                )
                .weak(),
            );
            ui.add_space(12.0);
            self.file_row(ui);
            ui.add_space(8.0);
            self.hosts_row(ui, hosts);
            self.invalidate_if_changed();
            ui.add_space(12.0);
            self.action_row(ui);
            self.outcome(ui);
            self.preview_area(ui);
        });
    }

    /// The preview no longer describes what the user asks for: drop it (and with it
    /// the Remove button) until they preview again.
    pub(crate) fn invalidate_if_changed(&mut self) {
        let stale = self
            .preview
            .as_ref()
            .is_some_and(|p| self.file.as_deref() != Some(p.inputs.file.as_path()) || self.hosts != p.inputs.hosts);
        if stale {
            self.preview = None;
            self.confirming = false;
        }
    }

    pub(crate) fn inputs(&self) -> Option<Inputs> {
        Some(Inputs { file: self.file.clone()?, hosts: self.hosts.clone() })
    }
}

/// The path typed in the file field; `~/` means the home directory.
pub(crate) fn typed_path(text: &str) -> Option<PathBuf> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(crate::paths::expand_home(text))
}

/// "1 line", "3 lines".
pub(crate) fn lines(n: usize) -> String {
    if n == 1 {
        "1 line".to_string()
    } else {
        format!("{n} lines")
    }
}

/// Engine errors start lower-case ("invalid host ..."); a sentence on screen does not.
pub(crate) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
