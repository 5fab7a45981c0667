//! "Import from ~/.ssh": the first thing a new user is offered. The folder is scanned on
//! the inventory's thread (a few small files); the dialog shows every key found with
//! what the inventory already holds, weak keys and private key files others can read,
//! and imports what the user ticks through the same core call as `keyshelf scan
//! --import`, remembering each private key file's path.

use std::path::PathBuf;

use egui::RichText;

use crate::local::ssh_config::{Alias, ImportedAlias};
use crate::local::ssh_dir::{FoundKey, ImportOutcome, Scan};
use crate::ui::command::Command;
use crate::ui::keys::create::account_row;
use crate::ui::model::{shorten_fingerprint, Model};
use crate::ui::widgets::{error_text, warn_text};

/// What the scan found: the keys, and the concrete host aliases of the folder's `config`
/// (with the inventory's host names, to say which are there already).
pub struct Scanned {
    pub scan: Result<Scan, String>,
    pub config: PathBuf,
    pub aliases: Result<Vec<Alias>, String>,
}

pub struct SshImportDialog {
    /// The folder to scan, as typed.
    pub dir: String,
    scanning: bool,
    scan: Option<Result<Scan, String>>,
    ticks: Vec<bool>,
    account: Option<String>,
    /// The names the import would give the scanned keys, for the account and inventory
    /// size they were worked out for (not again every frame).
    names: Option<(Option<String>, usize, Vec<String>)>,
    /// The inline "New account" form: its name and provider, when open.
    new_account: Option<(String, crate::inventory::Provider)>,
    show_skipped: bool,
    importing: bool,
    /// The keys are in; `ssh -G` still resolves the hosts (the dialog may be closed).
    hosts_pending: bool,
    /// What the last import did, per ticked key.
    outcomes: Option<Vec<(String, ImportOutcome)>>,
    /// The folder's ssh config and its aliases (None: not read yet).
    config: Option<(PathBuf, Result<Vec<Alias>, String>)>,
    /// Add the config's hosts too.
    pub with_hosts: bool,
    /// What the host import did.
    host_outcomes: Option<Result<Vec<ImportedAlias>, String>>,
}

/// What the user confirmed.
#[derive(Debug, Clone)]
pub struct SshImportRequest {
    pub keys: Vec<FoundKey>,
    pub account: Option<String>,
    /// The ssh config whose hosts to add (after the keys, so that they can be bound).
    pub hosts_from: Option<PathBuf>,
}

impl SshImportDialog {
    pub fn new(dir: Option<PathBuf>) -> SshImportDialog {
        SshImportDialog {
            dir: dir.map(|d| d.display().to_string()).unwrap_or_default(),
            scanning: false,
            scan: None,
            ticks: Vec::new(),
            account: None,
            names: None,
            new_account: None,
            show_skipped: false,
            importing: false,
            hosts_pending: false,
            outcomes: None,
            config: None,
            with_hosts: true,
            host_outcomes: None,
        }
    }

    /// "New account…": a name and a provider, added to the inventory and chosen here.
    fn new_account_form(&mut self, ui: &mut egui::Ui, model: &Model, cmds: &mut Vec<Command>) {
        let Some((name, provider)) = &mut self.new_account else { return };
        let mut done = None;
        ui.horizontal(|ui| {
            let l = ui.label("New account");
            ui.add(egui::TextEdit::singleline(name).hint_text("e.g. prod-aws").desired_width(160.0)).labelled_by(l.id);
            egui::ComboBox::from_id_salt("ssh-import-provider").selected_text(provider.display_name()).show_ui(
                ui,
                |ui| {
                    for p in crate::inventory::Provider::ALL {
                        ui.selectable_value(provider, p, p.display_name());
                    }
                },
            );
            let trimmed = name.trim().to_string();
            let taken = model.accounts.iter().any(|a| a.name == trimmed);
            let ok = crate::inventory::check_account_name(&trimmed).is_ok() && !taken;
            if ui.add_enabled(ok, egui::Button::new("Add account")).clicked() {
                done = Some(Some((trimmed, *provider)));
            }
            if ui.button("Cancel").clicked() {
                done = Some(None);
            }
        });
        match done {
            Some(Some((name, provider))) => {
                cmds.push(Command::SaveAccount {
                    old: None,
                    name: name.clone(),
                    provider,
                    note: String::new(),
                    cloud: Default::default(),
                });
                self.account = Some(name);
                self.new_account = None;
            }
            Some(None) => self.new_account = None,
            None => {}
        }
    }

    /// The folder to scan now (the command the app runs), marking the dialog busy.
    pub fn start_scan(&mut self) -> Option<PathBuf> {
        let dir = self.dir.trim();
        if dir.is_empty() {
            return None;
        }
        self.scanning = true;
        Some(crate::paths::expand_home(dir))
    }

    /// A scan landed: keys not in the inventory yet are ticked.
    pub fn scanned(&mut self, s: Scanned) {
        self.scanning = false;
        self.ticks = match &s.scan {
            Ok(s) => s.keys.iter().map(|k| k.in_inventory.is_empty()).collect(),
            Err(_) => Vec::new(),
        };
        self.scan = Some(s.scan);
        self.names = None;
        self.with_hosts = matches!(&s.aliases, Ok(a) if !a.is_empty());
        self.config = Some((s.config, s.aliases));
    }

    /// The import landed (`Err`: nothing was imported).
    /// The keys are imported; the hosts follow once `ssh -G` has resolved them.
    pub fn keys_imported(&mut self, keys: Vec<(String, ImportOutcome)>) {
        self.importing = false;
        self.hosts_pending = true;
        self.outcomes = Some(keys);
    }

    pub fn imported(
        &mut self,
        keys: Result<Vec<(String, ImportOutcome)>, String>,
        hosts: Option<Result<Vec<ImportedAlias>, String>>,
    ) {
        self.importing = false;
        self.hosts_pending = false;
        match keys {
            Ok(o) => self.outcomes = Some(o),
            Err(e) => self.scan = Some(Err(format!("Nothing was imported: {e}"))),
        }
        self.host_outcomes = hosts;
    }

    pub fn busy(&self) -> bool {
        self.scanning || self.importing
    }

    fn hosts_to_add(&self) -> Option<PathBuf> {
        match &self.config {
            Some((config, Ok(a))) if self.with_hosts && !a.is_empty() => Some(config.clone()),
            _ => None,
        }
    }

    fn request(&self) -> Option<SshImportRequest> {
        let Some(Ok(scan)) = &self.scan else { return None };
        let keys: Vec<FoundKey> =
            scan.keys.iter().zip(&self.ticks).filter(|(_, t)| **t).map(|(k, _)| k.clone()).collect();
        let hosts_from = self.hosts_to_add();
        (!keys.is_empty() || hosts_from.is_some()).then(|| SshImportRequest {
            keys,
            account: self.account.clone(),
            hosts_from,
        })
    }

    /// Draws the dialog; returns true when it should close.
    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let modal = crate::ui::widgets::modal("ssh-import-dialog").show(ctx, |ui| {
            ui.set_width(860.0);
            ui.heading("Import your keys from an SSH folder");
            ui.label(
                "Keyshelf reads the public half of every key it finds (a passphrase is never needed for that) and \
                 remembers where each private key file is. Private keys stay where they are and never enter the \
                 inventory.",
            );
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let l = ui.label("Folder");
                let r = ui.add(egui::TextEdit::singleline(&mut self.dir).desired_width(360.0)).labelled_by(l.id);
                let scan = ui.add_enabled(!self.busy(), egui::Button::new("Scan"));
                if scan.clicked() || crate::ui::widgets::submitted(ui, &r) {
                    self.outcomes = None;
                    cmds.push(Command::ScanSshDir);
                }
                if self.scanning {
                    ui.spinner();
                    ui.label("Scanning…");
                }
            });
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                egui::Grid::new("ssh-import-scope").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                    account_row(ui, model, &mut self.account);
                });
                if self.new_account.is_none() && ui.button("New account…").clicked() {
                    self.new_account = Some((String::new(), crate::inventory::Provider::Aws));
                }
            });
            self.new_account_form(ui, model, cmds);
            ui.separator();
            match &self.scan {
                None => {
                    ui.weak("Nothing scanned yet.");
                }
                Some(Err(e)) => error_text(ui, e),
                Some(Ok(scan)) => {
                    if scan.keys.is_empty() {
                        ui.label(format!("No keys in {}.", scan.dir.display()));
                    } else {
                        // Once imported, the names stay as they were given.
                        let current =
                            matches!(&self.names, Some((a, n, _)) if *a == self.account && *n == model.total());
                        let stale = self.names.is_none() || (self.outcomes.is_none() && !current);
                        if stale {
                            let account = self.account.as_deref();
                            let names = crate::local::ssh_dir::import_names_for(&scan.keys, |n| {
                                model.name_taken(n, account, "", None)
                            });
                            self.names = Some((self.account.clone(), model.total(), names));
                        }
                        let names = self.names.as_ref().map_or(&[][..], |(_, _, n)| n.as_slice());
                        keys_table(ui, scan, names, &mut self.ticks, self.outcomes.as_deref());
                    }
                    if !scan.skipped.is_empty() {
                        let n = scan.skipped.len();
                        let label = format!("{n} other {} skipped", if n == 1 { "file" } else { "files" });
                        ui.toggle_value(&mut self.show_skipped, label);
                        if self.show_skipped {
                            egui::ScrollArea::vertical().id_salt("ssh-import-skipped").max_height(110.0).show(
                                ui,
                                |ui| {
                                    for s in &scan.skipped {
                                        let name = s.path.file_name().map(|n| n.to_string_lossy().into_owned());
                                        ui.horizontal_wrapped(|ui| {
                                            ui.label(RichText::new(name.unwrap_or_default()).monospace());
                                            ui.weak(s.reason.to_string());
                                        });
                                    }
                                },
                            );
                        }
                    }
                }
            }
            self.hosts_section(ui);
            ui.separator();
            let count = self.ticks.iter().filter(|t| **t).count();
            let hosts = self.hosts_to_add().is_some();
            let bar = egui::vec2(ui.available_width(), ui.spacing().interact_size.y + 4.0);
            ui.allocate_ui_with_layout(bar, egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let label = match (count, hosts) {
                    (0, true) => "Add the hosts".to_string(),
                    (1, false) => "Import 1 key pair".to_string(),
                    (1, true) => "Import 1 key pair and the hosts".to_string(),
                    (n, false) => format!("Import {n} key pairs"),
                    (n, true) => format!("Import {n} key pairs and the hosts"),
                };
                let can = (count > 0 || hosts) && !self.busy() && self.outcomes.is_none();
                if ui.add_enabled(can, egui::Button::new(label)).clicked() {
                    if let Some(req) = self.request() {
                        self.importing = true;
                        cmds.push(Command::ImportScanned(req));
                    }
                }
                let done = if self.outcomes.is_some() { "Close" } else { "Cancel" };
                if ui.add_enabled(!self.importing, egui::Button::new(done)).clicked() {
                    close = true;
                }
                if self.importing {
                    ui.spinner();
                    ui.label("Importing…");
                } else if self.hosts_pending {
                    ui.spinner();
                    ui.label("Adding the hosts as ssh resolves them (you may close this)…");
                }
            });
        });
        (modal.should_close() && !self.importing) || close
    }
}

impl SshImportDialog {
    /// The hosts of the folder's ssh config: how many, and, once added, what happened.
    fn hosts_section(&mut self, ui: &mut egui::Ui) {
        let Some((config, aliases)) = &self.config else { return };
        ui.add_space(6.0);
        match aliases {
            Err(e) => warn_text(ui, &format!("The hosts of {} cannot be read: {e}", config.display())),
            Ok(a) if a.is_empty() => {
                ui.weak(format!("{} names no hosts (Host lines without patterns).", config.display()));
            }
            Ok(a) => {
                let names: Vec<&str> = a.iter().map(|x| x.name.as_str()).collect();
                let label = format!(
                    "Also add the {} host{} of {}",
                    a.len(),
                    if a.len() == 1 { "" } else { "s" },
                    config.display()
                );
                ui.add_enabled(self.outcomes.is_none(), egui::Checkbox::new(&mut self.with_hosts, label));
                let about = format!(
                    "{}: resolved as ssh -G does, each bound to the key pair of its IdentityFile",
                    names.join(", ")
                );
                ui.add(egui::Label::new(RichText::new(about).weak()).wrap());
            }
        }
        match &self.host_outcomes {
            None => {}
            Some(Err(e)) => error_text(ui, &format!("The hosts were not added: {e}")),
            Some(Ok(done)) => {
                egui::ScrollArea::vertical().id_salt("ssh-import-hosts").max_height(120.0).show(ui, |ui| {
                    for h in done {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new(&h.alias).strong());
                            let text =
                                if h.message.is_empty() { h.status.as_str().to_string() } else { h.message.clone() };
                            if h.status == crate::local::ssh_config::ImportStatus::Failed {
                                error_text(ui, &text);
                            } else {
                                ui.label(text);
                            }
                        });
                    }
                });
            }
        }
    }
}

/// One row per key found: tick, name it will get or has, type, fingerprint, private key
/// file and what to know about it.
fn keys_table(
    ui: &mut egui::Ui,
    scan: &Scan,
    names: &[String],
    ticks: &mut [bool],
    outcomes: Option<&[(String, ImportOutcome)]>,
) {
    let room = (ui.ctx().content_rect().height() - 420.0).clamp(120.0, 340.0);
    egui::ScrollArea::vertical().id_salt("ssh-import-keys").max_height(room).auto_shrink([false, true]).show(
        ui,
        |ui| {
            egui::Grid::new("ssh-import-grid").num_columns(5).spacing([12.0, 6.0]).striped(true).show(ui, |ui| {
                for t in ["", "Key pair name", "Type", "Fingerprint", "Private key file"] {
                    ui.strong(t);
                }
                ui.end_row();
                for ((k, tick), name) in scan.keys.iter().zip(ticks.iter_mut()).zip(names) {
                    let file = k.private_key_path.as_ref().unwrap_or(&k.path);
                    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    let known = !k.in_inventory.is_empty();
                    // The name it has in the inventory, else the one the import gives it.
                    let title = k.in_inventory.first().cloned().unwrap_or_else(|| name.clone());
                    ui.add_enabled(outcomes.is_none(), egui::Checkbox::new(tick, ""))
                        .on_hover_text(format!("Import {title}"));
                    let cell = egui::vec2(170.0, ui.spacing().interact_size.y);
                    ui.allocate_ui_with_layout(cell, egui::Layout::top_down(egui::Align::Min), |ui| {
                        ui.add(egui::Label::new(RichText::new(&title).strong()).truncate());
                        if !k.info.comment.is_empty() && k.info.comment != title {
                            ui.add(egui::Label::new(RichText::new(&k.info.comment).weak().small()).truncate());
                        }
                    });
                    ui.label(RichText::new(k.type_label()).strong());
                    ui.label(RichText::new(shorten_fingerprint(k.fingerprint_sha256())).monospace())
                        .on_hover_text(k.fingerprint_sha256());
                    ui.vertical(|ui| {
                        match &k.private_key_path {
                            Some(p) => {
                                let lock = if k.encrypted { "  (passphrase)" } else { "" };
                                ui.label(format!("{file_name}{lock}")).on_hover_text(p.display().to_string());
                            }
                            None => {
                                ui.weak("public key only");
                            }
                        }
                        let outcome = outcomes.and_then(|o| o.iter().find(|(fp, _)| fp == k.fingerprint_sha256()));
                        if let Some((_, o)) = outcome {
                            match o {
                                ImportOutcome::Failed { .. } => error_text(ui, &o.to_string()),
                                _ => {
                                    ui.colored_label(
                                        crate::ui::remote::remote_view::status_color(ui, "ok"),
                                        o.to_string(),
                                    );
                                }
                            }
                        } else if known {
                            ui.weak(format!("already in the inventory as {}", k.in_inventory.join(", ")));
                        }
                        if k.weak() {
                            warn_text(ui, &format!("{} is weak: replace it with an Ed25519 key", k.type_label()));
                        }
                        if !k.mode_ok {
                            let mode = k.private_key_mode.map(|m| format!("{:o}", m & 0o777)).unwrap_or_default();
                            warn_text(
                                ui,
                                &format!("others can read it (mode {mode}); ssh refuses it: chmod 600 {file_name}"),
                            );
                        }
                    });
                    ui.end_row();
                }
            });
        },
    );
}
