//! The known_hosts cleanup view: choose a file, list the hosts to forget (picked from
//! the inventory or typed), preview the plan, remove, undo. Self-contained: it runs its
//! own background jobs (file dialog, planning, writing, restoring) and reports back a
//! status line. What matches, what is kept and how the file is written are decided by
//! `crate::known_hosts`; this file only asks and shows.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Button, Color32, Frame, Label, Margin, RichText, Stroke, TextEdit, UiBuilder};

use crate::inventory::Host;
use crate::known_hosts::{self, HostQuery, KnownHostsError, Plan};

use super::known_hosts_tables::{form_row, host_chip, kept_rows, kept_table, removed_table, KeptRow};
use super::platform::{ssh_dir, Picked, Platform};
use super::worker::Jobs;

/// Width of the label column of the form, so the fields line up.
pub(super) const LABEL_WIDTH: f32 = 130.0;
/// Tables scroll on their own past this height; the page scrolls around them.
pub(super) const TABLE_HEIGHT: f32 = 320.0;

/// A one-line message for the app's status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub is_error: bool,
}

impl StatusMessage {
    fn info(text: impl Into<String>) -> Self {
        StatusMessage { text: text.into(), is_error: false }
    }

    fn error(text: impl Into<String>) -> Self {
        StatusMessage { text: text.into(), is_error: true }
    }
}

/// What a preview was made for. A preview only stands while these are unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Inputs {
    file: PathBuf,
    hosts: Vec<String>,
}

#[derive(Clone)]
struct Preview {
    inputs: Inputs,
    plan: Arc<Plan>,
    /// Where `apply` will put the backup (next to the symlink's target, if any).
    backup: PathBuf,
    kept_rows: Arc<Vec<KeptRow>>,
}

/// The last removal, kept so it can be undone.
#[derive(Clone)]
struct Applied {
    inputs: Inputs,
    plan: Arc<Plan>,
    backup: PathBuf,
    /// Undo found the file changed since the removal; offer "Restore anyway".
    blocked: bool,
}

/// The one write-or-read job that may run at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Planning,
    Applying,
    Restoring,
}

/// What a background job sends back.
enum Done {
    Picked(Picked<Vec<PathBuf>>),
    Planned { inputs: Inputs, result: Result<(Plan, PathBuf, Vec<KeptRow>), KnownHostsError> },
    Applied { preview: Preview, result: Result<Option<PathBuf>, KnownHostsError> },
    Restored { result: Result<PathBuf, UndoError> },
}

/// Why an undo did not happen.
enum UndoError {
    /// The file changed since the removal; restoring would drop those changes.
    Changed(String),
    Failed(String),
}

#[derive(Default)]
pub struct KnownHostsView {
    /// The known_hosts file to clean; `~/.ssh/known_hosts` until the user picks another.
    pub file: Option<PathBuf>,
    /// The hosts to forget, in known_hosts form (`host` or `[host]:port`).
    pub hosts: Vec<String>,
    started: bool,
    /// What the file field shows, and the `file` it was last synced with.
    file_text: String,
    shown_file: Option<PathBuf>,
    /// A note under the file field (e.g. no file dialog on this system).
    file_note: Option<String>,
    add_text: String,
    add_error: Option<String>,
    preview: Option<Preview>,
    confirming: bool,
    applied: Option<Applied>,
    /// The last thing that finished well, shown where the undo area was.
    notice: Option<String>,
    /// The last thing that failed (planning, writing, restoring).
    error: Option<String>,
    /// The running job and the file it works on.
    task: Option<(Task, PathBuf)>,
    choosing: bool,
    /// Start a preview on the next frame (see [`KnownHostsView::request_preview`]).
    preview_requested: bool,
    jobs: Jobs<Done>,
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

    /// Whether a dialog, a preview, a removal or an undo is running.
    pub fn busy(&self) -> bool {
        self.jobs.busy()
    }

    /// Collects finished background jobs. [`Self::show`] calls it; the app may call it
    /// too while the view is hidden, so a finished removal still reaches the status bar.
    pub fn poll(&mut self, ctx: &egui::Context) -> Option<StatusMessage> {
        let mut status = None;
        for done in self.jobs.poll() {
            if let Some(s) = self.on_done(ctx, done) {
                status = Some(s);
            }
        }
        status
    }

    /// Draws the view. `hosts` are the inventory's hosts, offered as quick picks.
    pub fn show(&mut self, ui: &mut egui::Ui, hosts: &[Host], platform: &Arc<dyn Platform>) -> Option<StatusMessage> {
        if !self.started {
            self.started = true;
            if self.file.is_none() {
                self.file = known_hosts::default_path();
            }
        }
        let status = self.poll(ui.ctx());
        if self.file != self.shown_file {
            self.file_text = self.file.as_ref().map(|f| f.display().to_string()).unwrap_or_default();
            self.shown_file = self.file.clone();
        }
        self.invalidate_if_changed();
        if std::mem::take(&mut self.preview_requested) && self.task.is_none() && !self.hosts.is_empty() {
            self.start_preview(ui.ctx());
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
            self.file_row(ui, platform);
            ui.add_space(8.0);
            self.hosts_row(ui, hosts);
            self.invalidate_if_changed();
            ui.add_space(12.0);
            self.action_row(ui);
            self.outcome(ui);
            self.preview_area(ui);
        });
        status
    }

    /// The preview no longer describes what the user asks for: drop it (and with it
    /// the Remove button) until they preview again.
    fn invalidate_if_changed(&mut self) {
        let stale = self
            .preview
            .as_ref()
            .is_some_and(|p| self.file.as_deref() != Some(p.inputs.file.as_path()) || self.hosts != p.inputs.hosts);
        if stale {
            self.preview = None;
            self.confirming = false;
        }
    }

    fn inputs(&self) -> Option<Inputs> {
        Some(Inputs { file: self.file.clone()?, hosts: self.hosts.clone() })
    }

    fn file_row(&mut self, ui: &mut egui::Ui, platform: &Arc<dyn Platform>) {
        form_row(ui, "known_hosts file", |ui, label| {
            ui.horizontal(|ui| {
                let width = (ui.available_width() - 100.0).clamp(220.0, 640.0);
                let field = ui
                    .add(
                        TextEdit::singleline(&mut self.file_text)
                            .font(egui::TextStyle::Monospace)
                            .hint_text("~/.ssh/known_hosts")
                            .desired_width(width),
                    )
                    .labelled_by(label);
                if field.changed() {
                    self.file = typed_path(&self.file_text);
                    self.shown_file = self.file.clone();
                    self.file_note = None;
                    self.error = None;
                }
                let choose = ui
                    .add_enabled(!self.choosing, Button::new("Choose…"))
                    .on_hover_text("Pick the file in a file dialog");
                if choose.clicked() {
                    self.choose_file(ui.ctx(), platform);
                }
                if self.choosing {
                    ui.spinner();
                }
            });
            if let Some(note) = &self.file_note {
                ui.label(RichText::new(note).color(ui.visuals().warn_fg_color));
            } else if self.file.is_none() {
                ui.label(RichText::new("Type the path of a known_hosts file.").weak());
            }
        });
    }

    fn hosts_row(&mut self, ui: &mut egui::Ui, inventory: &[Host]) {
        form_row(ui, "Hosts to forget", |ui, _| {
            if self.hosts.is_empty() {
                ui.label(RichText::new("No hosts yet: type one below or pick one from the inventory.").weak());
            } else {
                let mut remove = None;
                ui.horizontal_wrapped(|ui| {
                    ui.spacing_mut().item_spacing = egui::vec2(6.0, 6.0);
                    for (i, host) in self.hosts.iter().enumerate() {
                        if host_chip(ui, host) {
                            remove = Some(i);
                        }
                    }
                });
                if let Some(i) = remove {
                    self.hosts.remove(i);
                    self.error = None;
                }
            }
            ui.add_space(2.0);
            ui.horizontal(|ui| {
                let field = ui
                    .add(
                        TextEdit::singleline(&mut self.add_text)
                            .hint_text("name, address or [host]:port")
                            .desired_width(260.0),
                    )
                    .accessible_name("Add host");
                if field.changed() {
                    self.add_error = None;
                }
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let add = ui.add_enabled(!self.add_text.trim().is_empty(), Button::new("Add"));
                if enter || add.clicked() {
                    self.add_typed();
                }
                if enter {
                    field.request_focus();
                }
                ui.add_enabled_ui(!inventory.is_empty(), |ui| {
                    ui.menu_button("From inventory…", |ui| {
                        egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                            for host in inventory {
                                let names = host.known_hosts_names();
                                let list = names.join(", ");
                                let item = ui
                                    .add(Button::new(&host.name).right_text(RichText::new(&list).weak()))
                                    .on_hover_text(format!("Adds {list}"))
                                    .accessible_name(&host.name);
                                if item.clicked() {
                                    self.add_names(&names);
                                    ui.close();
                                }
                            }
                        });
                    })
                    .response
                    .on_hover_text("Add all the names and addresses of a host in the inventory")
                    .on_disabled_hover_text("The inventory has no hosts yet");
                });
                let clear = ui.add_enabled(!self.hosts.is_empty(), Button::new("Clear"));
                if clear.on_hover_text("Empty the list").clicked() {
                    self.hosts.clear();
                    self.add_error = None;
                    self.error = None;
                }
            });
            if let Some(err) = &self.add_error {
                ui.colored_label(ui.visuals().error_fg_color, err);
            }
        });
    }

    /// Adds what is typed in "Add host": one host, or several separated by commas or
    /// spaces (a known_hosts host list pastes as is). Nothing is added if one is invalid.
    fn add_typed(&mut self) {
        let parts: Vec<String> =
            self.add_text.split([',', ' ', '\t', '\n']).filter(|s| !s.is_empty()).map(str::to_string).collect();
        if parts.is_empty() {
            return;
        }
        if self.add_names(&parts) {
            self.add_text.clear();
        }
    }

    /// Adds every name (normalised, without duplicates) if all are valid hosts;
    /// otherwise adds none and shows why.
    fn add_names(&mut self, names: &[String]) -> bool {
        let parsed: Result<Vec<HostQuery>, KnownHostsError> = names.iter().map(|n| HostQuery::parse(n)).collect();
        match parsed {
            Ok(queries) => {
                for q in queries {
                    let name = q.to_string();
                    if !self.hosts.contains(&name) {
                        self.hosts.push(name);
                    }
                }
                self.add_error = None;
                self.error = None;
                true
            }
            Err(e) => {
                self.add_error = Some(capitalise(&e.to_string()));
                false
            }
        }
    }

    fn action_row(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let ready = !self.hosts.is_empty() && self.file.is_some();
            let preview = ui
                .add_enabled(ready && self.task.is_none(), Button::new("Preview").min_size(egui::vec2(90.0, 0.0)))
                .on_hover_text("Read the file and show which lines would go; nothing is written yet")
                .on_disabled_hover_text(if self.hosts.is_empty() {
                    "Add a host to forget first"
                } else if self.file.is_none() {
                    "Choose a known_hosts file first"
                } else {
                    "Busy…"
                });
            if preview.clicked() {
                self.start_preview(ui.ctx());
            }
            if let Some((task, file)) = &self.task {
                ui.spinner();
                let file = file.display();
                let what = match task {
                    Task::Planning => format!("Reading {file}…"),
                    Task::Applying => format!("Writing {file}…"),
                    Task::Restoring => format!("Restoring {file} from its backup…"),
                };
                ui.label(RichText::new(what).weak());
            }
        });
        if let Some(err) = &self.error {
            ui.add(Label::new(RichText::new(err).color(ui.visuals().error_fg_color)).wrap());
        }
    }

    /// The last removal (with Undo) or the last restore.
    fn outcome(&mut self, ui: &mut egui::Ui) {
        if let Some(applied) = &self.applied {
            let n = applied.plan.removed.len();
            let text = format!("Removed {}; backup at {}", lines(n), applied.backup.display());
            let blocked = applied.blocked;
            let mut undo = None;
            ui.add_space(4.0);
            Frame::group(ui.style()).inner_margin(Margin::symmetric(10, 8)).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(text).strong());
                    let idle = self.task.is_none();
                    let b =
                        ui.add_enabled(idle, Button::new("Undo")).on_hover_text("Put the backup back over the file");
                    if b.clicked() {
                        undo = Some(false);
                    }
                    if blocked && ui.add_enabled(idle, Button::new("Restore anyway")).clicked() {
                        undo = Some(true);
                    }
                });
            });
            if let Some(force) = undo {
                self.start_undo(ui.ctx(), force);
            }
        } else if let Some(notice) = &self.notice {
            ui.label(RichText::new(notice.as_str()).strong());
        }
    }

    fn preview_area(&mut self, ui: &mut egui::Ui) {
        let Some(p) = self.preview.clone() else { return };
        let file = p.plan.path.display().to_string();
        ui.add_space(8.0);
        ui.separator();
        ui.add_space(4.0);
        let n = p.plan.removed.len();
        if n == 0 {
            ui.add(
                Label::new(
                    RichText::new(format!("Nothing in {file} matches these hosts; nothing will be written.")).strong(),
                )
                .wrap(),
            );
        } else {
            let summary = format!("{} will be removed from {file}; a backup goes to {}", lines(n), p.backup.display());
            ui.add(Label::new(RichText::new(summary).strong()).wrap());
            ui.add_space(4.0);
            self.remove_controls(ui, &p, &file);
            ui.add_space(6.0);
            let tint = ui.visuals().error_fg_color.gamma_multiply(0.10);
            ui.scope_builder(UiBuilder::new().accessibility_label("Lines to remove"), |ui| {
                removed_table(ui, &p.plan, tint);
            });
        }
        let kept = p.kept_rows.len();
        if kept > 0 {
            ui.add_space(10.0);
            ui.label(RichText::new(format!("Kept ({kept})")).strong());
            ui.label(
                RichText::new(
                    "These lines stay as they are: patterns and markers that cover the hosts, and lines that \
                     could not be read.",
                )
                .weak(),
            );
            ui.scope_builder(UiBuilder::new().accessibility_label("Lines kept"), |ui| {
                kept_table(ui, &p.plan, &p.kept_rows);
            });
        }
    }

    fn remove_controls(&mut self, ui: &mut egui::Ui, p: &Preview, file: &str) {
        let n = p.plan.removed.len();
        let idle = self.task.is_none();
        if !self.confirming {
            let b = ui
                .add_enabled(idle, Button::new(format!("Remove {}", lines(n))))
                .on_hover_text("Asks for confirmation first");
            if b.clicked() {
                self.confirming = true;
            }
            return;
        }
        let error = ui.visuals().error_fg_color;
        let mut answer = None;
        Frame::group(ui.style())
            .fill(error.gamma_multiply(0.08))
            .stroke(Stroke::new(1.0, error.gamma_multiply(0.6)))
            .inner_margin(Margin::symmetric(10, 8))
            .show(ui, |ui| {
                ui.add(
                    Label::new(format!(
                        "Remove {} from {file}? A backup is written to {}.",
                        lines(n),
                        p.backup.display()
                    ))
                    .wrap(),
                );
                ui.horizontal(|ui| {
                    // A fixed dark red: readable white text on it in both themes.
                    let danger = Color32::from_rgb(0xb0, 0x2a, 0x22);
                    let remove = Button::new(RichText::new("Remove").strong().color(Color32::WHITE)).fill(danger);
                    if ui.add_enabled(idle, remove).clicked() {
                        answer = Some(true);
                    }
                    if ui.button("Cancel").clicked() {
                        answer = Some(false);
                    }
                });
            });
        match answer {
            Some(true) => self.start_apply(ui.ctx()),
            Some(false) => self.confirming = false,
            None => {}
        }
    }

    fn choose_file(&mut self, ctx: &egui::Context, platform: &Arc<dyn Platform>) {
        let platform = Arc::clone(platform);
        let folder = self.file.as_deref().and_then(Path::parent).map(Path::to_path_buf).or_else(ssh_dir);
        self.choosing = true;
        self.file_note = None;
        self.jobs.spawn(ctx, move || Done::Picked(platform.open_files("Choose a known_hosts file", folder.as_deref())));
    }

    fn start_preview(&mut self, ctx: &egui::Context) {
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

    fn start_apply(&mut self, ctx: &egui::Context) {
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
    fn start_undo(&mut self, ctx: &egui::Context, force: bool) {
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

    fn on_done(&mut self, ctx: &egui::Context, done: Done) -> Option<StatusMessage> {
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
                    Err(e) => {
                        let msg = capitalise(&e.to_string());
                        self.error = Some(msg.clone());
                        Some(StatusMessage::error(msg))
                    }
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
                        let msg = capitalise(&e.to_string());
                        self.error = Some(msg.clone());
                        Some(StatusMessage::error(msg))
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
}

/// The path typed in the file field; `~/` means the home directory.
fn typed_path(text: &str) -> Option<PathBuf> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let home = || directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    if text == "~" {
        return home();
    }
    if let Some(rest) = text.strip_prefix("~/") {
        if let Some(h) = home() {
            return Some(h.join(rest));
        }
    }
    Some(PathBuf::from(text))
}

/// "1 line", "3 lines".
fn lines(n: usize) -> String {
    if n == 1 {
        "1 line".to_string()
    } else {
        format!("{n} lines")
    }
}

/// Engine errors start lower-case ("invalid host ..."); a sentence on screen does not.
pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
