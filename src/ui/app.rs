//! The app: its state, the `Command`s views emit, and the run loop that draws the views,
//! then applies the commands through the core and refreshes the model.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::create::{CreateDialog, CreateRequest, PrivateKeyDialog};
use super::details::DetailsState;
use super::dialogs::{AccountDialog, BindDialog, Confirm, DeleteDialog, Dialog, HostDialog, Notice, ResetKeyDialog};
use super::hosts::HostsState;
use super::import::{ImportDialog, ImportItem};
use super::known_hosts_view::KnownHostsView;
use super::model::{Model, ScopeSel, SortColumn};
use super::platform::{Picked, Platform};
use super::worker::Jobs;
use super::{activity, details, hosts, key_table, sidebar, widgets};
use crate::inventory::{Inventory, KeyEdit, NewHost, NewKeyPair, Origin, Provider};
use crate::keys::GeneratedKey;

pub const SHORTCUT_CREATE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
pub const SHORTCUT_IMPORT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::I);
pub const SHORTCUT_SEARCH: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);

/// The main area's content, chosen in the sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Keys,
    Hosts,
    KnownHosts,
    Activity,
}

/// Everything a view can ask the app to do.
#[derive(Debug, Clone)]
pub enum Command {
    ShowView(View),
    SelectScope(ScopeSel),
    Sort(SortColumn),
    SelectKey {
        id: i64,
        toggle: bool,
        range: bool,
    },
    SelectAll,
    OpenCreate,
    OpenImport(Vec<PathBuf>),
    PickImportFiles,
    OpenDelete(Vec<i64>),
    OpenBind(i64),
    OpenAccount(Option<String>),
    OpenHost(Option<String>),
    OpenResetKey(String),
    /// Asks "are you sure?" and then runs the command.
    Confirm { title: String, text: String, confirm: String, command: Box<Command> },
    CloseDialog,
    CreateKey(CreateRequest),
    ImportKeys(Vec<ImportItem>),
    EditKey {
        id: i64,
        edit: KeyEdit,
    },
    DeleteKeys {
        ids: Vec<i64>,
        unbind: bool,
    },
    Bind {
        key: i64,
        hosts: Vec<String>,
    },
    Unbind {
        key: i64,
        hosts: Vec<String>,
    },
    SaveAccount {
        old: Option<String>,
        name: String,
        provider: Provider,
        note: String,
    },
    RemoveAccount(String),
    SaveHost {
        old: Option<String>,
        host: NewHost,
    },
    RemoveHost(String),
    ResetKey {
        host: String,
        key: i64,
    },
    /// Opens the known_hosts view with these names and addresses filled in.
    CleanKnownHosts(Vec<String>),
    Copy {
        text: String,
        what: String,
    },
    SavePublicKey(i64),
}

/// Results of background jobs.
pub(crate) enum JobResult {
    Generated { request: CreateRequest, result: Result<Box<GeneratedKey>, String> },
    PublicSavePicked { id: i64, picked: Picked<PathBuf> },
    ImportPicked(Picked<Vec<PathBuf>>),
}

/// The status line: the last thing that happened.
#[derive(Debug, Clone)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

pub struct KeyshelfApp {
    db_path: Option<PathBuf>,
    inv: Option<Inventory>,
    open_error: Option<String>,
    pub(crate) model: Model,
    view: View,
    pub(crate) selected: BTreeSet<i64>,
    anchor: Option<i64>,
    pub(crate) details: DetailsState,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) hosts_state: HostsState,
    pub(crate) known_hosts: KnownHostsView,
    pub(crate) activity: activity::ActivityState,
    jobs: Jobs<JobResult>,
    pub(crate) platform: Arc<dyn Platform>,
    pub status: Option<Status>,
    commands: Vec<Command>,
    pub(crate) focus_search: bool,
    styled: bool,
}

impl KeyshelfApp {
    /// Opens the inventory at `db` (or the default path). A failure is shown in the
    /// window, never a crash, and the file is left untouched.
    pub fn new(db: Option<PathBuf>, platform: Arc<dyn Platform>) -> KeyshelfApp {
        let db_path = db.or_else(crate::inventory::default_path);
        let mut app = KeyshelfApp {
            db_path,
            inv: None,
            open_error: None,
            model: Model::default(),
            view: View::Keys,
            selected: BTreeSet::new(),
            anchor: None,
            details: DetailsState::default(),
            dialog: None,
            hosts_state: HostsState::default(),
            known_hosts: KnownHostsView::default(),
            activity: activity::ActivityState::default(),
            jobs: Jobs::default(),
            platform,
            status: None,
            commands: Vec::new(),
            focus_search: false,
            styled: false,
        };
        app.open();
        app
    }

    fn open(&mut self) {
        self.open_error = None;
        let Some(path) = self.db_path.clone() else {
            self.open_error = Some("No data folder was found for the inventory. Start Keyshelf with --db PATH.".into());
            return;
        };
        match Inventory::open(&path) {
            Ok(inv) => {
                self.inv = Some(inv);
                self.reload();
            }
            Err(e) => self.open_error = Some(e.to_string()),
        }
    }

    fn reload(&mut self) {
        if let Some(inv) = &self.inv {
            if let Err(e) = self.model.reload(inv) {
                self.error(format!("Could not read the inventory: {e}"));
            }
        }
        let ids: BTreeSet<i64> = self.model.rows.iter().map(|r| r.key.id).collect();
        self.selected.retain(|id| ids.contains(id));
        self.details.invalidate();
    }

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status { text: text.into(), is_error: false });
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status { text: text.into(), is_error: true });
    }

    pub fn view(&self) -> View {
        self.view
    }

    pub fn selected_ids(&self) -> Vec<i64> {
        self.selected.iter().copied().collect()
    }

    pub fn inventory(&self) -> Option<&Inventory> {
        self.inv.as_ref()
    }

    /// Whether background work (key generation, dialogs, saving) is still running.
    pub fn busy(&self) -> bool {
        self.jobs.busy() || matches!(&self.dialog, Some(Dialog::PrivateKey(d)) if d.busy())
    }

    /// Names of the key pairs the table shows, in order.
    pub fn visible_key_names(&self) -> Vec<String> {
        self.model.visible.iter().map(|&i| self.model.rows[i].key.name.clone()).collect()
    }

    /// Which dialog is open, if any: "create", "private-key", "import", "delete", "bind",
    /// "account", "host", "reset-key" or "notice".
    pub fn open_dialog(&self) -> Option<&'static str> {
        self.dialog.as_ref().map(|d| match d {
            Dialog::Create(_) => "create",
            Dialog::PrivateKey(_) => "private-key",
            Dialog::Import(_) => "import",
            Dialog::Delete(_) => "delete",
            Dialog::Bind(_) => "bind",
            Dialog::Account(_) => "account",
            Dialog::Host(_) => "host",
            Dialog::ResetKey(_) => "reset-key",
            Dialog::Notice(_) => "notice",
            Dialog::Confirm(_) => "confirm",
        })
    }

    /// Whether a generated private key is still held in memory, waiting to be saved.
    pub fn holds_private_key(&self) -> bool {
        matches!(&self.dialog, Some(Dialog::PrivateKey(d)) if d.holds_key())
    }

    /// The primary selected key pair: the one the details panel shows.
    pub(crate) fn primary(&self) -> Option<i64> {
        match self.anchor {
            Some(a) if self.selected.contains(&a) => Some(a),
            _ => self.selected.iter().next().copied(),
        }
    }

    pub(crate) fn send(&mut self, c: Command) {
        self.commands.push(c);
    }

    /// Draws the whole window and applies what the user did. Used by eframe and by tests.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !std::mem::replace(&mut self.styled, true) {
            widgets::style(&ctx);
        }
        for r in self.jobs.poll() {
            self.on_job(&ctx, r);
        }
        if let Some(err) = self.open_error.clone() {
            self.open_error_screen(ui, &err);
            return;
        }
        self.shortcuts(&ctx);
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()).collect()
        });
        if !dropped.is_empty() {
            self.send(Command::OpenImport(dropped));
        }
        egui::Panel::top("top").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::Panel::left("sidebar").resizable(true).default_size(230.0).size_range(170.0..=400.0).show(ui, |ui| {
            let mut cmds = Vec::new();
            sidebar::show(ui, &self.model, self.view, &mut cmds);
            self.commands.extend(cmds);
        });
        match self.view {
            View::Keys => self.keys_view(ui),
            View::Hosts => {
                let mut cmds = Vec::new();
                egui::CentralPanel::default()
                    .show(ui, |ui| hosts::show(ui, &self.model, &mut self.hosts_state, &mut cmds));
                self.commands.extend(cmds);
            }
            View::KnownHosts => {
                let platform = self.platform.clone();
                let msg = egui::CentralPanel::default()
                    .show(ui, |ui| self.known_hosts.show(ui, &self.model.hosts, &platform))
                    .inner;
                if let Some(m) = msg {
                    self.status = Some(Status { text: m.text, is_error: m.is_error });
                }
            }
            View::Activity => {
                if let Some(inv) = &self.inv {
                    egui::CentralPanel::default().show(ui, |ui| activity::show(ui, inv, &mut self.activity));
                }
            }
        }
        self.dialogs(&ctx);
        let commands = std::mem::take(&mut self.commands);
        for c in commands {
            self.apply(&ctx, c);
        }
    }

    fn open_error_screen(&mut self, ui: &mut egui::Ui, err: &str) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(60.0);
            ui.vertical_centered(|ui| {
                ui.set_max_width(620.0);
                ui.heading("Keyshelf cannot open its inventory");
                ui.add_space(12.0);
                if let Some(p) = &self.db_path {
                    ui.label(egui::RichText::new(p.display().to_string()).monospace());
                }
                ui.add_space(8.0);
                ui.colored_label(ui.visuals().error_fg_color, err);
                ui.add_space(12.0);
                ui.label(
                    "Nothing was changed. Move the file aside, fix its permissions, or start Keyshelf \
                     with another inventory: keyshelf --db PATH",
                );
                ui.add_space(12.0);
                if ui.button("Try again").clicked() {
                    self.open();
                }
            });
        });
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let modal_open = self.dialog.is_some();
        let (create, import, search, delete, select_all) = ctx.input_mut(|i| {
            (
                i.consume_shortcut(&SHORTCUT_CREATE),
                i.consume_shortcut(&SHORTCUT_IMPORT),
                i.consume_shortcut(&SHORTCUT_SEARCH),
                !modal_open && i.key_pressed(Key::Delete),
                i.modifiers.command && i.key_pressed(Key::A),
            )
        });
        let typing = ctx.memory(|m| m.focused().is_some()) && ctx.egui_wants_keyboard_input();
        if modal_open {
            return;
        }
        if create {
            self.send(Command::OpenCreate);
        }
        if import {
            self.send(Command::OpenImport(Vec::new()));
        }
        if search {
            self.view = View::Keys;
            self.focus_search = true;
        }
        if delete && !typing && self.view == View::Keys && !self.selected.is_empty() {
            self.send(Command::OpenDelete(self.selected_ids()));
        }
        if select_all && !typing && self.view == View::Keys {
            self.send(Command::SelectAll);
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.add_space(4.0);
            ui.label(egui::RichText::new("Keyshelf").strong().size(18.0));
            ui.add_space(16.0);
            let create = ui
                .add(egui::Button::new("Create key pair"))
                .on_hover_text(format!("Generate a new key pair ({})", ui.ctx().format_shortcut(&SHORTCUT_CREATE)));
            if create.clicked() {
                self.send(Command::OpenCreate);
            }
            let import = ui.add(egui::Button::new("Import public key")).on_hover_text(format!(
                "Paste, choose or drop .pub files ({})",
                ui.ctx().format_shortcut(&SHORTCUT_IMPORT)
            ));
            if import.clicked() {
                self.send(Command::OpenImport(Vec::new()));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                widgets::theme_switch(ui);
            });
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if self.jobs.busy() {
                ui.spinner();
            }
            match &self.status {
                Some(s) if s.is_error => {
                    ui.colored_label(ui.visuals().error_fg_color, s.text.clone());
                }
                Some(s) => {
                    ui.label(&s.text);
                }
                None => {
                    ui.weak("Ready");
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(p) = &self.db_path {
                    ui.weak(p.display().to_string()).on_hover_text("The inventory file");
                }
                ui.weak(format!("{} key pairs", self.model.total()));
            });
        });
    }

    fn keys_view(&mut self, ui: &mut egui::Ui) {
        let primary = self.primary();
        if let Some(id) = primary {
            let mut cmds = Vec::new();
            egui::Panel::right("details").resizable(true).default_size(420.0).size_range(320.0..=720.0).show(
                ui,
                |ui| {
                    if let (Some(inv), Some(row)) = (&self.inv, self.model.row_by_id(id)) {
                        details::show(ui, inv, &row.key, &self.model, &mut self.details, &mut cmds);
                    }
                },
            );
            self.commands.extend(cmds);
        }
        let mut cmds = Vec::new();
        egui::CentralPanel::default().show(ui, |ui| {
            let focus = std::mem::take(&mut self.focus_search);
            if key_table::search_bar(ui, &mut self.model, focus) {
                self.selected.retain(|_| true);
            }
            ui.add_space(4.0);
            if self.model.total() == 0 {
                key_table::empty_state(ui, &mut cmds);
            } else {
                key_table::show(ui, &self.model, &self.selected, &mut cmds);
            }
        });
        self.commands.extend(cmds);
    }

    fn dialogs(&mut self, ctx: &egui::Context) {
        let Some(dialog) = self.dialog.as_mut() else { return };
        let mut cmds = Vec::new();
        let platform = self.platform.clone();
        let close = match dialog {
            Dialog::Create(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::PrivateKey(d) => d.show(ctx, &platform, &mut cmds),
            Dialog::Import(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::Delete(d) => d.show(ctx, &mut cmds),
            Dialog::Bind(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::Account(d) => d.show(ctx, &mut cmds),
            Dialog::Host(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::ResetKey(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::Notice(d) => d.show(ctx, &mut cmds),
            Dialog::Confirm(d) => d.show(ctx, &mut cmds),
        };
        if close {
            self.dialog = None;
        }
        self.commands.extend(cmds);
        // The private key dialog may have saved: record where.
        if let Some(Dialog::PrivateKey(d)) = &mut self.dialog {
            if let Some((id, path)) = d.take_saved() {
                self.record_private_path(id, &path);
            }
        }
    }

    fn record_private_path(&mut self, id: i64, path: &std::path::Path) {
        let Some(inv) = self.inv.as_mut() else { return };
        match inv.set_private_key_path(id, &path.to_string_lossy()) {
            Ok(()) => {
                self.info(format!("Private key saved to {}", path.display()));
                self.reload();
            }
            Err(e) => self
                .error(format!("The key was saved to {}, but the inventory could not record it: {e}", path.display())),
        }
    }

    fn on_job(&mut self, ctx: &egui::Context, r: JobResult) {
        match r {
            JobResult::Generated { request, result } => self.on_generated(request, result),
            JobResult::PublicSavePicked { id, picked } => match picked {
                Picked::Chosen(path) => self.save_public(id, &path),
                Picked::Cancelled => {}
                Picked::Unavailable => self.error(
                    "No file dialog is available here: copy the public key instead, or use `keyshelf key export`",
                ),
            },
            JobResult::ImportPicked(picked) => match picked {
                Picked::Chosen(paths) => {
                    if let Some(Dialog::Import(d)) = &mut self.dialog {
                        d.add_files(paths);
                    } else {
                        self.dialog = Some(Dialog::Import(ImportDialog::new(paths)));
                    }
                }
                Picked::Cancelled => {}
                Picked::Unavailable => {
                    if let Some(Dialog::Import(d)) = &mut self.dialog {
                        d.dialog_unavailable = true;
                    }
                }
            },
        }
        ctx.request_repaint();
    }

    fn on_generated(&mut self, request: CreateRequest, result: Result<Box<GeneratedKey>, String>) {
        let key = match result {
            Ok(k) => k,
            Err(e) => {
                if let Some(Dialog::Create(d)) = &mut self.dialog {
                    d.failed(e.clone());
                }
                self.error(format!("Key generation failed: {e}"));
                return;
            }
        };
        let Some(inv) = self.inv.as_mut() else { return };
        let new = NewKeyPair {
            name: request.name.clone(),
            description: request.description.clone(),
            account: request.account.clone(),
            region: request.region.clone(),
            info: key.info().clone(),
            origin: Origin::Generated,
            private_key_path: None,
            tags: request.tags.clone(),
        };
        match inv.add_key(&new) {
            Ok(k) => {
                self.reload();
                self.selected = [k.id].into();
                self.anchor = Some(k.id);
                self.info(format!("Created key pair {} — save its private key now", k.name));
                self.dialog = Some(Dialog::PrivateKey(PrivateKeyDialog::new(k.id, &k.name, *key)));
            }
            Err(e) => {
                if let Some(Dialog::Create(d)) = &mut self.dialog {
                    d.failed(e.to_string());
                }
                self.error(e.to_string());
            }
        }
    }

    fn save_public(&mut self, id: i64, path: &std::path::Path) {
        let Some(row) = self.model.row_by_id(id) else { return };
        let text = format!("{}\n", row.key.public_key);
        match std::fs::write(path, text) {
            Ok(()) => self.info(format!("Saved the public key to {}", path.display())),
            Err(e) => self.error(format!("Cannot write {}: {e}", path.display())),
        }
    }

    fn apply(&mut self, ctx: &egui::Context, c: Command) {
        match c {
            Command::ShowView(v) => self.view = v,
            Command::SelectScope(s) => {
                self.view = View::Keys;
                self.model.scope = s;
                self.model.refilter();
            }
            Command::Sort(col) => {
                self.model.sort = match self.model.sort {
                    Some((c, asc)) if c == col => Some((col, !asc)),
                    _ => Some((col, true)),
                };
                self.model.refilter();
            }
            Command::SelectKey { id, toggle, range } => self.select(id, toggle, range),
            Command::SelectAll => {
                self.selected = self.model.visible.iter().map(|&i| self.model.rows[i].key.id).collect();
            }
            Command::OpenCreate => {
                let scope = self.model.scope.clone();
                self.dialog = Some(Dialog::Create(CreateDialog::new(&scope)));
            }
            Command::OpenImport(files) => match &mut self.dialog {
                Some(Dialog::Import(d)) => d.add_files(files),
                Some(_) => {}
                None => {
                    let mut d = ImportDialog::new(files);
                    if let ScopeSel::Account(a) | ScopeSel::Region(a, _) = &self.model.scope {
                        d.account = a.clone();
                    }
                    if let ScopeSel::Region(_, r) = &self.model.scope {
                        d.region = r.clone();
                    }
                    self.dialog = Some(Dialog::Import(d));
                }
            },
            Command::PickImportFiles => {
                let p = self.platform.clone();
                self.jobs.spawn(ctx, move || {
                    JobResult::ImportPicked(p.open_files("Import public keys", super::platform::ssh_dir().as_deref()))
                });
            }
            Command::OpenDelete(ids) => {
                let keys: Vec<_> =
                    ids.iter().filter_map(|id| self.model.row_by_id(*id)).map(|r| r.key.clone()).collect();
                if !keys.is_empty() {
                    self.dialog = Some(Dialog::Delete(DeleteDialog::new(keys)));
                }
            }
            Command::OpenBind(id) => {
                if let Some(r) = self.model.row_by_id(id) {
                    self.dialog = Some(Dialog::Bind(BindDialog::new(&r.key)));
                }
            }
            Command::OpenAccount(name) => {
                let existing = name.and_then(|n| self.model.accounts.iter().find(|a| a.name == n).cloned());
                self.dialog = Some(Dialog::Account(AccountDialog::new(existing)));
            }
            Command::OpenHost(name) => {
                let existing = name.and_then(|n| self.model.hosts.iter().find(|h| h.name == n).cloned());
                self.dialog = Some(Dialog::Host(HostDialog::new(existing)));
            }
            Command::OpenResetKey(host) => {
                if let Some(h) = self.model.hosts.iter().find(|h| h.name == host) {
                    self.dialog = Some(Dialog::ResetKey(ResetKeyDialog::new(h.clone())));
                }
            }
            Command::Confirm { title, text, confirm, command } => {
                self.dialog = Some(Dialog::Confirm(Confirm { title, text, confirm, command: *command }));
            }
            Command::CloseDialog => self.dialog = None,
            Command::CreateKey(req) => self.create_key(ctx, req),
            Command::ImportKeys(items) => self.import_keys(items),
            Command::EditKey { id, edit } => {
                let r = self.inv_mut(|inv| inv.edit_key(id, &edit).map(|k| format!("Saved key pair {}", k.name)));
                self.after_change(r);
            }
            Command::DeleteKeys { ids, unbind } => self.delete_keys(ids, unbind),
            Command::Bind { key, hosts } => {
                let r = self.inv_mut(|inv| {
                    let rebound = inv.bind(key, &hosts)?;
                    let mut msg = format!("Bound to {}", hosts.join(", "));
                    for r in rebound {
                        msg.push_str(&format!("; {} was re-associated (was {})", r.host, r.previous_key));
                    }
                    Ok(msg)
                });
                self.after_change(r);
            }
            Command::Unbind { key, hosts } => {
                let r = self.inv_mut(|inv| inv.unbind(key, &hosts));
                match r {
                    Ok(unbound) => {
                        self.reload();
                        let names: Vec<String> = unbound.iter().flat_map(|h| h.known_hosts_names()).collect();
                        self.dialog = Some(Dialog::Notice(Notice::unbound(&hosts, names)));
                    }
                    Err(e) => self.error(e),
                }
            }
            Command::SaveAccount { old, name, provider, note } => {
                let r = self.inv_mut(|inv| {
                    match &old {
                        Some(o) => inv.update_account(o, &name, provider, &note)?,
                        None => inv.add_account(&name, provider, &note)?,
                    };
                    Ok(format!("Saved account {name}"))
                });
                if r.is_ok() {
                    self.dialog = None;
                }
                self.after_change_in_dialog(r);
            }
            Command::RemoveAccount(name) => {
                let r = self.inv_mut(|inv| inv.remove_account(&name).map(|_| format!("Removed account {name}")));
                if r.is_ok()
                    && matches!(&self.model.scope, ScopeSel::Account(Some(a)) | ScopeSel::Region(Some(a), _) if *a == name)
                {
                    self.model.scope = ScopeSel::All;
                }
                self.after_change(r);
            }
            Command::SaveHost { old, host } => {
                let r = self.inv_mut(|inv| {
                    match &old {
                        Some(o) => inv.update_host(o, &host)?,
                        None => inv.add_host(&host)?,
                    };
                    Ok(format!("Saved host {}", host.name))
                });
                if r.is_ok() {
                    self.dialog = None;
                }
                self.after_change_in_dialog(r);
            }
            Command::RemoveHost(name) => {
                let r = self.inv_mut(|inv| inv.remove_host(&name));
                match r {
                    Ok(h) => {
                        self.reload();
                        self.info(format!("Removed host {name}"));
                        self.dialog = Some(Dialog::Notice(Notice::host_removed(&h)));
                    }
                    Err(e) => self.error(e),
                }
            }
            Command::ResetKey { host, key } => {
                let r = self.inv_mut(|inv| inv.bind(key, std::slice::from_ref(&host)));
                match r {
                    Ok(_) => {
                        self.reload();
                        let names = self.model.hosts.iter().find(|h| h.name == host).map(|h| h.known_hosts_names());
                        self.info(format!("Host {host} now uses the new key pair"));
                        self.dialog = Some(Dialog::Notice(Notice::reset(&host, names.unwrap_or_default())));
                    }
                    Err(e) => self.error(e),
                }
            }
            Command::CleanKnownHosts(names) => {
                self.dialog = None;
                self.known_hosts.prefill(names);
                self.view = View::KnownHosts;
            }
            Command::Copy { text, what } => {
                ctx.copy_text(text);
                self.info(format!("Copied {what} to the clipboard"));
            }
            Command::SavePublicKey(id) => {
                let Some(row) = self.model.row_by_id(id) else { return };
                let name = format!("{}.pub", row.key.name);
                let p = self.platform.clone();
                self.jobs.spawn(ctx, move || JobResult::PublicSavePicked {
                    id,
                    picked: p.save_file("Save public key", super::platform::ssh_dir().as_deref(), &name),
                });
            }
        }
    }

    fn inv_mut<T>(&mut self, f: impl FnOnce(&mut Inventory) -> crate::inventory::Result<T>) -> Result<T, String> {
        match self.inv.as_mut() {
            Some(inv) => f(inv).map_err(|e| e.to_string()),
            None => Err("The inventory is not open".into()),
        }
    }

    fn after_change(&mut self, r: Result<String, String>) {
        match r {
            Ok(msg) => {
                self.reload();
                self.info(msg);
            }
            Err(e) => self.error(e),
        }
    }

    /// Like `after_change`, but an error also shows inside the open dialog.
    fn after_change_in_dialog(&mut self, r: Result<String, String>) {
        if let Err(e) = &r {
            match &mut self.dialog {
                Some(Dialog::Account(d)) => d.error = Some(e.clone()),
                Some(Dialog::Host(d)) => d.error = Some(e.clone()),
                _ => {}
            }
        }
        self.after_change(r);
    }

    fn select(&mut self, id: i64, toggle: bool, range: bool) {
        if range {
            if let Some(a) = self.anchor {
                let ids: Vec<i64> = self.model.visible.iter().map(|&i| self.model.rows[i].key.id).collect();
                if let (Some(x), Some(y)) = (ids.iter().position(|&i| i == a), ids.iter().position(|&i| i == id)) {
                    let (lo, hi) = (x.min(y), x.max(y));
                    self.selected.extend(&ids[lo..=hi]);
                    return;
                }
            }
        }
        if toggle {
            if !self.selected.remove(&id) {
                self.selected.insert(id);
            }
        } else {
            self.selected = [id].into();
        }
        self.anchor = Some(id);
        self.details.invalidate();
    }

    fn create_key(&mut self, ctx: &egui::Context, req: CreateRequest) {
        let Some(inv) = &self.inv else { return };
        if let Err(e) = inv.check_new_key(&req.name, req.account.as_deref(), &req.region) {
            if let Some(Dialog::Create(d)) = &mut self.dialog {
                d.failed(e.to_string());
            }
            return;
        }
        if let Some(Dialog::Create(d)) = &mut self.dialog {
            d.generating = true;
        }
        let spec = req.spec;
        let comment = req.comment.clone();
        self.jobs.spawn(ctx, move || JobResult::Generated {
            result: GeneratedKey::generate(spec, &comment).map(Box::new).map_err(|e| e.to_string()),
            request: req,
        });
    }

    fn import_keys(&mut self, items: Vec<ImportItem>) {
        let mut done = Vec::new();
        let mut failed = Vec::new();
        let Some(inv) = self.inv.as_mut() else { return };
        for item in items {
            let new = NewKeyPair {
                name: item.name.clone(),
                description: String::new(),
                account: item.account.clone(),
                region: item.region.clone(),
                info: item.info.clone(),
                origin: Origin::Imported,
                private_key_path: item.private_key_path.clone(),
                tags: Vec::new(),
            };
            match inv.add_key(&new) {
                Ok(k) => done.push(k),
                Err(e) => failed.push((item, e.to_string())),
            }
        }
        self.reload();
        if let Some(k) = done.last() {
            self.selected = done.iter().map(|k| k.id).collect();
            self.anchor = Some(k.id);
        }
        if failed.is_empty() {
            self.dialog = None;
            self.info(match done.len() {
                1 => format!("Imported key pair {}", done[0].name),
                n => format!("Imported {n} key pairs"),
            });
        } else {
            let n = failed.len();
            if let Some(Dialog::Import(d)) = &mut self.dialog {
                d.keep_failed(failed);
            }
            self.error(format!("Imported {} key pair(s); {n} could not be imported (see the dialog)", done.len()));
        }
    }

    fn delete_keys(&mut self, ids: Vec<i64>, unbind: bool) {
        let r = self.inv_mut(|inv| inv.delete_keys(&ids, unbind));
        match r {
            Ok(deleted) => {
                self.reload();
                let names: Vec<String> = deleted.iter().map(|d| d.name.clone()).collect();
                self.info(format!("Deleted {}", names.join(", ")));
                let unbound: Vec<String> = deleted.iter().flat_map(|d| d.unbound_hosts.clone()).collect();
                let kh_names: Vec<String> = self
                    .model
                    .hosts
                    .iter()
                    .filter(|h| unbound.contains(&h.name))
                    .flat_map(|h| h.known_hosts_names())
                    .collect();
                let leftovers: Vec<String> = deleted
                    .iter()
                    .filter_map(|d| d.private_key_path.clone())
                    .filter(|p| std::path::Path::new(p).exists())
                    .collect();
                self.dialog = if leftovers.is_empty() && kh_names.is_empty() {
                    None
                } else {
                    Some(Dialog::Notice(Notice::deleted(&names, leftovers, kh_names)))
                };
            }
            Err(e) => {
                if let Some(Dialog::Delete(d)) = &mut self.dialog {
                    d.error = Some(e.clone());
                }
                self.error(e);
            }
        }
    }
}

impl eframe::App for KeyshelfApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}
