//! The app: its state and the run loop that draws the views, then applies the
//! `Command`s they emitted (`command_handling.rs`) and what background work finished.
//! The inventory is read and written on its own thread (`db.rs`), never here.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::keys::GeneratedKey;
pub use crate::ui::command::{Command, View};
use crate::ui::db::Db;
use crate::ui::dialogs::Dialog;
use crate::ui::hosts;
use crate::ui::hosts::HostsState;
use crate::ui::keys::create::{CreateRequest, PRIVATE_KEY_LIFETIME};
use crate::ui::keys::details;
use crate::ui::keys::details::DetailsState;
use crate::ui::keys::import::ReadInput;
use crate::ui::keys::key_table;
use crate::ui::known_hosts::known_hosts_view::KnownHostsView;
use crate::ui::model::{Model, Snapshot};
use crate::ui::platform::{Picked, Platform};
use crate::ui::report::activity;
use crate::ui::settings::settings_view;
use crate::ui::settings::settings_view::SettingsState;
use crate::ui::sidebar;
use crate::ui::widgets;
use crate::ui::worker::Jobs;

pub const SHORTCUT_CREATE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
pub const SHORTCUT_IMPORT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::I);
pub const SHORTCUT_SEARCH: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);

/// Results of background jobs.
pub(crate) enum JobResult {
    Generated {
        request: CreateRequest,
        result: Result<Box<GeneratedKey>, String>,
    },
    PublicSavePicked {
        id: i64,
        picked: Picked<PathBuf>,
    },
    PublicSaved {
        path: PathBuf,
        result: Result<(), String>,
    },
    ImportPicked(Picked<Vec<PathBuf>>),
    /// Files or pasted text read and parsed for the import preview.
    ImportRead(Vec<ReadInput>),
    PrivateSavePicked(Picked<PathBuf>),
    PrivateWritten {
        key_id: i64,
        path: PathBuf,
        result: Result<(), String>,
    },
    Converted(Result<String, String>),
    /// Inventory export and import (`inventory_transfer.rs`).
    Transfer(crate::ui::settings::inventory_transfer::TransferJob),
    /// `ssh-add` ran: what a removal said, and what the agent holds (not yet named).
    Agent {
        removed: Result<Option<String>, String>,
        listed: Result<Vec<crate::local::agent::AgentKey>, String>,
    },
    /// The SSH folder's keys were imported (`keys`) and its config's aliases resolved
    /// by `ssh -G`: the hosts are added next.
    ConfigResolved {
        keys: Result<Vec<(String, crate::local::ssh_dir::ImportOutcome)>, String>,
        resolved: Result<crate::local::ssh_config::ResolvedConfig, String>,
    },
    /// The SSH folder was read (not yet compared with the inventory).
    SshDirScanned(Box<crate::ui::keys::ssh_import::Scanned>),
    /// What works on this machine (`doctor`), for Settings.
    Doctor(Vec<crate::doctor::Check>),
    /// The managed ssh config's files were written for `plan` (Settings' "Write and turn on").
    SshConfigApplied {
        plan: Box<crate::local::ssh_config::Plan>,
        result: Result<crate::local::ssh_config::Applied, String>,
    },
    /// The managed ssh config's files were taken away (Settings' "Turn off").
    SshConfigFilesRemoved(Result<crate::local::ssh_config::Disabled, String>),
    /// The managed ssh config was written (or why not).
    ManagedConfigWritten(Result<(), String>),
    /// The known_hosts view's work finished (`known_hosts_jobs.rs`).
    KnownHosts(crate::ui::known_hosts::known_hosts_jobs::Done),
    /// A terminal was opened (its name) for `what`, or why not.
    Opened {
        what: String,
        result: Result<String, String>,
    },
}

/// The status line: the last thing that happened.
#[derive(Debug, Clone)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

pub struct KeyshelfApp {
    pub(super) db_path: Option<PathBuf>,
    /// The inventory's thread; `None` when there is no path to open.
    pub(super) db: Option<Db>,
    pub(super) open_error: Option<String>,
    /// Bumped whenever the inventory changed, so views that read it on demand (the
    /// activity log, the details) know to ask again.
    pub(crate) generation: u64,
    pub(crate) model: Model,
    pub(super) view: View,
    pub(crate) selected: BTreeSet<i64>,
    pub(super) anchor: Option<i64>,
    pub(crate) details: DetailsState,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) hosts_state: HostsState,
    pub(crate) known_hosts: KnownHostsView,
    pub(crate) activity: activity::ActivityState,
    pub(crate) settings: SettingsState,
    pub(super) jobs: Jobs<JobResult>,
    pub(crate) platform: Arc<dyn Platform>,
    pub status: Option<Status>,
    pub(super) commands: Vec<Command>,
    pub(crate) focus_search: bool,
    pub(super) styled: bool,
    /// How long a generated private key is held for saving before it is wiped.
    pub(crate) private_key_lifetime: Duration,
    /// Work on servers, running or just finished (its window is open).
    pub(crate) remote: Option<crate::ui::remote::remote_run::RemoteRun>,
    /// The program ssh runs to ask its questions (this keyshelf binary), if any.
    pub(crate) askpass_program: Option<PathBuf>,
    /// The user's SSH folder (`~/.ssh`): where "Import from ~/.ssh" looks.
    pub(crate) ssh_dir: Option<PathBuf>,
    /// A key pair to scroll the table to on the next frame (chosen from the report).
    pub(crate) reveal_key: Option<i64>,
    /// The agent's socket; None: `SSH_AUTH_SOCK`.
    pub(crate) agent_socket: Option<PathBuf>,
    pub(crate) agent: crate::ui::settings::agent_view::AgentState,
    /// Whether the managed ssh config is on (None: not read yet).
    /// The user's config it is on for (`Ok(None)`: off).
    pub(crate) ssh_config_status: Option<Result<Option<PathBuf>, String>>,
    pub(crate) report: crate::ui::report::report_view::ReportState,
    /// The cloud page of an account, and its run.
    pub(crate) cloud: crate::ui::cloud::cloud_view::CloudState,
    /// "Push to cloud…" of a key pair, when open.
    pub(crate) push_form: Option<crate::ui::cloud::cloud_view::PushForm>,
    /// The managed ssh config: a write running, and the newest plan waiting for it.
    pub(crate) managed_writing: bool,
    pub(crate) managed_next: Option<crate::local::ssh_config::Plan>,
    /// Where cloud credentials are looked up: the process environment and home, or a
    /// test's own.
    pub(crate) cloud_env: Arc<dyn crate::cloud::env::Env + Send + Sync>,
    /// What was typed together with Ctrl+N, for the create dialog's name.
    pub(crate) create_prefill: String,
    /// The window's context, for jobs started outside drawing (they repaint it).
    pub(crate) egui_ctx: Option<egui::Context>,
    /// Set by SIGTERM/SIGINT: close the window as its close button would.
    terminate: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl KeyshelfApp {
    /// Opens the inventory at `db` (or the default path). A failure is shown in the
    /// window, never a crash, and the file is left untouched.
    pub fn new(db: Option<PathBuf>, platform: Arc<dyn Platform>) -> KeyshelfApp {
        let db_path = db.or_else(crate::inventory::default_path);
        let mut app = KeyshelfApp {
            db_path,
            db: None,
            open_error: None,
            generation: 0,
            model: Model::default(),
            view: View::Keys,
            selected: BTreeSet::new(),
            anchor: None,
            details: DetailsState::default(),
            dialog: None,
            hosts_state: HostsState::default(),
            known_hosts: KnownHostsView::default(),
            activity: activity::ActivityState::default(),
            settings: SettingsState::default(),
            jobs: Jobs::default(),
            platform,
            status: None,
            commands: Vec::new(),
            focus_search: false,
            styled: false,
            private_key_lifetime: PRIVATE_KEY_LIFETIME,
            remote: None,
            askpass_program: default_askpass(),
            ssh_dir: crate::ui::platform::ssh_dir(),
            agent_socket: None,
            reveal_key: None,
            agent: Default::default(),
            ssh_config_status: None,
            report: Default::default(),
            cloud: Default::default(),
            push_form: None,
            managed_writing: false,
            managed_next: None,
            cloud_env: Arc::new(crate::cloud::env::ProcessEnv),
            create_prefill: String::new(),
            egui_ctx: None,
            terminate: None,
        };
        app.open();
        app
    }

    /// Holds generated private keys for `lifetime` instead of ten minutes before they
    /// are wiped (tests use a few seconds).
    /// The program ssh runs to ask for passphrases and host key decisions (the keyshelf
    /// binary); `None`: ssh never asks.
    pub fn with_askpass_program(mut self, program: Option<PathBuf>) -> KeyshelfApp {
        self.askpass_program = program;
        self
    }

    /// Looks cloud credentials up in `env` instead of the process's environment and home
    /// (tests; never the real ~/.aws there).
    pub fn with_cloud_env(mut self, env: Arc<dyn crate::cloud::env::Env + Send + Sync>) -> KeyshelfApp {
        self.cloud_env = env;
        self
    }

    /// Talks to the agent on `socket` instead of `SSH_AUTH_SOCK`'s (tests).
    /// The known_hosts file the cleanup view starts with, instead of `~/.ssh/known_hosts`
    /// (tests; never the real one there).
    pub fn with_known_hosts_file(mut self, file: PathBuf) -> KeyshelfApp {
        self.known_hosts.file = Some(file);
        self
    }

    pub fn with_agent_socket(mut self, socket: Option<PathBuf>) -> KeyshelfApp {
        self.agent_socket = socket;
        self
    }

    /// Uses another SSH folder than `~/.ssh` (tests; never the real one there).
    pub fn with_ssh_dir(mut self, dir: Option<PathBuf>) -> KeyshelfApp {
        self.ssh_dir = dir;
        self
    }

    pub fn with_private_key_lifetime(mut self, lifetime: Duration) -> KeyshelfApp {
        self.private_key_lifetime = lifetime;
        self
    }

    fn open(&mut self) {
        self.open_error = None;
        let Some(path) = self.db_path.clone() else {
            self.open_error = Some("No data folder was found for the inventory: set KEYSHELF_DB to the file Keyshelf should use, then start it again.".into());
            return;
        };
        self.db = Some(Db::start(path, |opened| {
            let loaded =
                opened.map_err(|e| e.to_string()).and_then(|inv| Snapshot::load(inv).map_err(|e| e.to_string()));
            Box::new(move |app: &mut KeyshelfApp| match loaded {
                Ok(s) => app.install(s),
                Err(e) => {
                    app.db = None;
                    app.open_error = Some(e);
                }
            })
        }));
    }

    pub(super) fn install(&mut self, s: Snapshot) {
        self.model.install(s);
        self.changed();
    }

    /// After the model changed: drop selections of rows that are gone, and let views
    /// that read the inventory on demand read it again.
    pub(super) fn changed(&mut self) {
        let model = &self.model;
        self.selected.retain(|id| model.row_by_id(*id).is_some());
        self.generation += 1;
        self.details.invalidate();
    }

    /// Selection follows what is visible: a search or scope that hides selected rows
    /// unselects them, so Delete never acts on key pairs the user cannot see.
    pub(super) fn keep_visible_selection(&mut self) {
        if self.selected.is_empty() {
            return;
        }
        let model = &self.model;
        let visible: std::collections::HashSet<i64> = model.visible.iter().map(|&i| model.rows[i].key.id).collect();
        self.selected.retain(|id| visible.contains(id));
    }

    /// Queues work on the inventory's thread.
    pub(crate) fn db_run(
        &mut self,
        task: impl FnOnce(&mut crate::inventory::Inventory) -> crate::ui::db::Apply + Send + 'static,
    ) {
        match self.db.as_mut() {
            Some(db) => db.run(task),
            None => self.error("The inventory is not open"),
        }
    }

    /// Waits (blocking, up to `timeout`) until the inventory's thread and background jobs
    /// are idle, applying what they finished. For tests and benchmarks that drive the app
    /// without a window; the app itself never blocks.
    pub fn wait_idle(&mut self, timeout: Duration) -> bool {
        let start = std::time::Instant::now();
        loop {
            self.poll_background(None);
            if !self.busy() {
                return true;
            }
            if start.elapsed() >= timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Applies what the inventory's thread and background jobs finished.
    fn poll_background(&mut self, ctx: Option<&egui::Context>) {
        let landed = self.db.as_mut().map(Db::poll).unwrap_or_default();
        for apply in landed {
            apply(self);
        }
        for r in self.jobs.poll() {
            match r {
                Ok(r) => self.on_job(ctx, r),
                Err(panic) => self.on_job_panic(panic),
            }
        }
        self.poll_remote();
        self.poll_cloud();
    }

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status { text: text.into(), is_error: false });
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status { text: text.into(), is_error: true });
    }

    /// Closes the window once `flag` is set (by a termination signal).
    pub fn with_terminate_flag(mut self, flag: Arc<std::sync::atomic::AtomicBool>) -> KeyshelfApp {
        self.terminate = Some(flag);
        self
    }

    /// Looks cloud credentials up in `env` from now on (benchmarks, embedding).
    pub fn set_cloud_env(&mut self, env: Arc<dyn crate::cloud::env::Env + Send + Sync>) {
        self.cloud_env = env;
    }

    /// Opens an account's cloud page (which reads its default region), as its sidebar
    /// entry does.
    pub fn open_cloud_page(&mut self, account: &str) {
        self.send(Command::Cloud(crate::ui::cloud::cloud_view::CloudCommand::Open(account.to_string())));
    }

    /// Regions done and in all of the cloud run on the account's page, if one ran.
    pub fn cloud_progress(&self) -> Option<(usize, usize)> {
        self.cloud.run.as_ref().map(|r| r.progress())
    }

    pub fn view(&self) -> View {
        self.view
    }

    pub fn selected_ids(&self) -> Vec<i64> {
        self.selected.iter().copied().collect()
    }

    /// Whether the inventory is open and loaded.
    pub fn is_loaded(&self) -> bool {
        self.db.is_some() && self.model.loaded
    }

    /// Why the inventory could not be opened, if it could not.
    pub fn open_error(&self) -> Option<&str> {
        self.open_error.as_deref()
    }

    /// Whether background work (the inventory, key generation, dialogs, reading and
    /// writing files, known_hosts) is still running.
    pub fn busy(&self) -> bool {
        self.jobs.busy()
            || self.db.as_ref().is_some_and(Db::busy)
            || self.known_hosts.busy()
            || self.remote.as_ref().is_some_and(|r| r.running())
            || self.cloud.run.as_ref().is_some_and(|r| !r.finished || !r.recorded)
    }

    /// The question ssh is asking in the run window, if any (for tests).
    pub fn remote_question(&self) -> Option<&str> {
        self.remote.as_ref().and_then(|r| r.ask.as_ref()).map(|a| a.prompt.as_str())
    }

    /// Queues a command as if a view had sent it (for tests and benchmarks).
    pub fn queue(&mut self, c: Command) {
        self.commands.push(c);
    }

    /// Ids of the key pairs the table shows, in order.
    pub fn visible_key_ids(&self) -> Vec<i64> {
        self.model.visible.iter().map(|&i| self.model.rows[i].key.id).collect()
    }

    /// The name the app shows for a key pair.
    pub fn key_name(&self, id: i64) -> Option<&str> {
        self.model.row_by_id(id).map(|r| r.key.name.as_str())
    }

    /// Names of the key pairs the table shows, in order.
    pub fn visible_key_names(&self) -> Vec<String> {
        self.model.visible.iter().map(|&i| self.model.rows[i].key.name.clone()).collect()
    }

    /// Which dialog is open, if any: "create", "private-key", "import", "delete", "bind",
    /// "account", "host", "reset-key", "notice" or "inventory-import".
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
            Dialog::Rotate(_) => "rotate",
            Dialog::SshImport(_) => "ssh-import",
            Dialog::SshConfig(_) => "ssh-config",
            Dialog::Convert(_) => "convert",
            Dialog::Notice(_) => "notice",
            Dialog::Confirm(_) => "confirm",
            Dialog::InventoryImport(_) => "inventory-import",
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
        if self.terminate.as_ref().is_some_and(|t| t.load(std::sync::atomic::Ordering::SeqCst)) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        if self.egui_ctx.is_none() {
            self.egui_ctx = Some(ctx.clone());
            // What the agent holds (or that there is none), for the details' Add to agent.
            self.agent_run(None);
        }
        if !std::mem::replace(&mut self.styled, true) {
            widgets::style(&ctx);
        }
        if let Some(db) = &self.db {
            db.set_context(&ctx);
        }
        self.poll_background(Some(&ctx));
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
            sidebar::show(ui, &self.model, self.view, self.cloud.account.as_deref(), &mut cmds);
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
                egui::CentralPanel::default().show(ui, |ui| self.known_hosts.show(ui, &self.model.hosts));
            }
            View::Activity => {
                if let Some(filter) = self.activity.wanted(self.generation) {
                    self.load_activity(filter);
                }
                egui::CentralPanel::default().show(ui, |ui| activity::show(ui, &mut self.activity));
            }
            View::Settings => {
                let (db, askpass) = (self.db_path.as_deref(), self.askpass_program.as_deref());
                let mut cmds = Vec::new();
                let (agent, managed) = (&self.agent, self.ssh_config_status.as_ref());
                egui::CentralPanel::default()
                    .show(ui, |ui| settings_view::show(ui, &mut self.settings, db, askpass, agent, managed, &mut cmds));
                self.commands.extend(cmds);
            }
            View::Cloud => {
                let mut cmds = Vec::new();
                let account =
                    self.cloud.account.as_ref().and_then(|a| self.model.accounts.iter().find(|x| &x.name == a));
                match account {
                    Some(a) => {
                        let keys: Vec<crate::inventory::KeyPair> = self
                            .cloud
                            .rows
                            .iter()
                            .filter_map(|r| {
                                r.key_pair
                                    .as_ref()
                                    .and_then(|(id, _)| self.model.row_by_id(*id))
                                    .map(|row| row.key.clone())
                            })
                            .collect();
                        egui::CentralPanel::default().show(ui, |ui| {
                            crate::ui::cloud::cloud_view::show(ui, &mut self.cloud, a, &keys, &mut cmds)
                        });
                    }
                    None => {
                        egui::CentralPanel::default().show(ui, |ui| ui.label("This account is gone."));
                    }
                }
                self.commands.extend(cmds);
            }
            View::Report => {
                self.load_report_if_stale();
                let mut cmds = Vec::new();
                egui::CentralPanel::default()
                    .show(ui, |ui| crate::ui::report::report_view::show(ui, &mut self.report, &self.model, &mut cmds));
                self.commands.extend(cmds);
            }
        }
        self.dialogs(&ctx);
        // What the known_hosts view asked for runs as one of the app's jobs.
        for work in self.known_hosts.take_work() {
            let platform = self.platform.clone();
            self.jobs.spawn(&ctx, move || JobResult::KnownHosts(work.run(platform.as_ref())));
        }
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
                    "Nothing was changed. Move the file aside, fix its permissions, or open another \
                     inventory: start Keyshelf with KEYSHELF_DB set to its path.",
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
        let (create, import, search, delete, escape, select_all) = ctx.input_mut(|i| {
            let create = !modal_open && i.consume_shortcut(&SHORTCUT_CREATE);
            if create {
                // Typed in the same frame as Ctrl+N: meant for the new key pair's name.
                i.events.retain(|e| match e {
                    egui::Event::Text(t) => {
                        self.create_prefill.push_str(t);
                        false
                    }
                    _ => true,
                });
            }
            (
                create,
                i.consume_shortcut(&SHORTCUT_IMPORT),
                i.consume_shortcut(&SHORTCUT_SEARCH),
                !modal_open && i.key_pressed(Key::Delete),
                !modal_open && i.key_pressed(Key::Escape),
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
        if escape && !typing && self.view == View::Keys && !self.selected.is_empty() {
            self.send(Command::ClearSelection);
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
            let scan = ui
                .add(egui::Button::new("Import from ~/.ssh…"))
                .on_hover_text("Find the keys you already have in your SSH folder and import them");
            if scan.clicked() {
                self.send(Command::OpenSshImport);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                widgets::theme_switch(ui);
            });
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if self.busy() {
                ui.spinner();
            }
            let remote = self.remote.as_ref().filter(|r| r.running()).map(|r| {
                let (done, _) = r.counts();
                format!("{}: {done} of {} done", r.title, r.rows.len())
            });
            match &self.status {
                _ if remote.is_some() => {
                    ui.label(remote.unwrap_or_default());
                }
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
            if let Some(row) = self.model.row_by_id(id) {
                if self.details.wants(&row.key) {
                    let key = row.key.clone();
                    self.load_details(key);
                }
            }
            let mut cmds = Vec::new();
            egui::Panel::right("details").resizable(true).default_size(360.0).size_range(300.0..=720.0).show(
                ui,
                |ui| {
                    if let Some(row) = self.model.row_by_id(id) {
                        let agent = details::AgentNote {
                            holds: self.agent.holds(&row.key.fingerprint_sha256),
                            problem: match &self.agent.keys {
                                Some(Err(e)) => Some(e.as_str()),
                                _ => None,
                            },
                        };
                        details::show(ui, &row.key, &self.model, &mut self.details, agent, &mut cmds);
                    }
                },
            );
            self.commands.extend(cmds);
        }
        let mut cmds = Vec::new();
        egui::CentralPanel::default().show(ui, |ui| {
            let focus = std::mem::take(&mut self.focus_search);
            if key_table::search_bar(ui, &mut self.model, focus) {
                self.keep_visible_selection();
            }
            ui.add_space(4.0);
            if !self.model.loaded {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Opening the inventory…");
                });
            } else if self.model.total() == 0 {
                key_table::empty_state(ui, &mut cmds);
            } else {
                let reveal = self.reveal_key.take();
                key_table::show(ui, &self.model, &self.selected, reveal, primary.is_some(), &mut cmds);
            }
        });
        self.commands.extend(cmds);
    }

    fn dialogs(&mut self, ctx: &egui::Context) {
        if let Some(form) = &mut self.push_form {
            let mut cmds = Vec::new();
            if form.show(ctx, &self.model.accounts, &mut cmds) {
                self.push_form = None;
            }
            self.commands.extend(cmds);
        }
        if let Some(run) = &mut self.remote {
            let mut cmds = Vec::new();
            if crate::ui::remote::remote_view::show_run(ctx, run, &self.model, &mut cmds) {
                self.remote = None;
            }
            self.commands.extend(cmds);
            return;
        }
        let Some(dialog) = self.dialog.as_mut() else { return };
        let mut cmds = Vec::new();
        let close = match dialog {
            Dialog::Create(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::PrivateKey(d) => d.show(ctx, &mut cmds),
            Dialog::Import(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::Delete(d) => d.show(ctx, &mut cmds),
            Dialog::Bind(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::Account(d) => d.show(ctx, &mut cmds),
            Dialog::Host(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::ResetKey(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::Rotate(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::SshImport(d) => d.show(ctx, &self.model, &mut cmds),
            Dialog::SshConfig(d) => d.show(ctx, &mut cmds),
            Dialog::Convert(d) => d.show(ctx, &mut cmds),
            Dialog::Notice(d) => d.show(ctx, &mut cmds),
            Dialog::Confirm(d) => d.show(ctx, &mut cmds),
            Dialog::InventoryImport(d) => d.show(ctx, &mut cmds),
        };
        if close {
            self.close_dialog(ctx);
        }
        self.commands.extend(cmds);
    }

    /// Closes the open dialog, wiping what it held that must not linger (passphrases,
    /// and their copies in the text fields' undo history).
    pub(super) fn close_dialog(&mut self, ctx: &egui::Context) {
        match &mut self.dialog {
            Some(Dialog::PrivateKey(d)) => {
                if let Some(name) = d.discarding() {
                    // Said plainly: what stays, and that the Report keeps pointing at it.
                    self.status = Some(Status {
                        text: format!(
                            "The private key of {name} was discarded; the key pair stays with its public key only \
                             (the Report lists it)"
                        ),
                        is_error: false,
                    });
                }
                d.wipe(ctx)
            }
            Some(Dialog::Convert(d)) => d.wipe(),
            _ => {}
        }
        self.dialog = None;
    }
}

impl eframe::App for KeyshelfApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}

/// This binary, when it is keyshelf (not a test harness that hosts the app).
fn default_askpass() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let name = exe.file_stem()?.to_string_lossy().into_owned();
    (cfg!(unix) && name == "keyshelf").then_some(exe)
}
