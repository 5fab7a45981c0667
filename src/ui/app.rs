//! The app: its state, the `Command`s views emit, and the run loop that draws the views,
//! then applies the commands through the core and refreshes the model.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::create::{CreateRequest, PRIVATE_KEY_LIFETIME};
use super::details::DetailsState;
use super::dialogs::Dialog;
use super::hosts::HostsState;
use super::import::ImportItem;
use super::known_hosts_view::KnownHostsView;
use super::model::{Model, ScopeSel, SortColumn};
use super::platform::{Picked, Platform};
use super::worker::Jobs;
use super::{activity, details, hosts, key_table, sidebar, widgets};
use crate::inventory::{Inventory, KeyEdit, NewHost, Provider};
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
    Confirm {
        title: String,
        text: String,
        confirm: String,
        command: Box<Command>,
    },
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
    pub(super) db_path: Option<PathBuf>,
    pub(super) inv: Option<Inventory>,
    pub(super) open_error: Option<String>,
    pub(crate) model: Model,
    pub(super) view: View,
    pub(crate) selected: BTreeSet<i64>,
    pub(super) anchor: Option<i64>,
    pub(crate) details: DetailsState,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) hosts_state: HostsState,
    pub(crate) known_hosts: KnownHostsView,
    pub(crate) activity: activity::ActivityState,
    pub(super) jobs: Jobs<JobResult>,
    pub(crate) platform: Arc<dyn Platform>,
    pub status: Option<Status>,
    pub(super) commands: Vec<Command>,
    pub(crate) focus_search: bool,
    pub(super) styled: bool,
    /// How long a generated private key is held for saving before it is wiped.
    pub(crate) private_key_lifetime: Duration,
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
            private_key_lifetime: PRIVATE_KEY_LIFETIME,
        };
        app.open();
        app
    }

    /// Holds generated private keys for `lifetime` instead of ten minutes before they
    /// are wiped (tests use a few seconds).
    pub fn with_private_key_lifetime(mut self, lifetime: Duration) -> KeyshelfApp {
        self.private_key_lifetime = lifetime;
        self
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

    pub(super) fn reload(&mut self) {
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
}

impl eframe::App for KeyshelfApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}
