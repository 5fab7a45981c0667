//! "Create key pair": the form, generation off the UI thread, and the one-time offer to
//! save the private key (native save dialog or a typed path), held in memory for at most
//! ten minutes and wiped afterwards, as the consoles do.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{RichText, Ui};
use zeroize::Zeroizing;

use crate::inventory::check_key_name;
use crate::keys::{GeneratedKey, KeyKind, KeySpec, PrivateFormat};
use crate::ui::command::Command;
use crate::ui::model::{Model, ScopeSel};
use crate::ui::platform::ssh_dir;
use crate::ui::widgets::{error_text, grid_password, grid_text, parse_tags, submitted, warn_text};

/// How long a generated private key stays in memory waiting to be saved.
pub const PRIVATE_KEY_LIFETIME: Duration = Duration::from_secs(600);

/// What the form asks the app to create.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub name: String,
    pub account: Option<String>,
    pub region: String,
    pub spec: KeySpec,
    pub comment: String,
    pub description: String,
    pub tags: Vec<(String, String)>,
}

pub struct CreateDialog {
    pub name: String,
    pub account: Option<String>,
    pub region: String,
    pub kind: KeyKind,
    pub bits: u32,
    pub comment: String,
    pub description: String,
    pub tags: String,
    pub generating: bool,
    pub error: Option<String>,
    focus_name: bool,
}

fn hint(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Ed25519 => "Recommended: short, fast and strong. Accepted by OpenSSH, AWS and most clouds.",
        KeyKind::Ecdsa => "NIST curves. Choose it only where a system asks for ECDSA.",
        KeyKind::Rsa => "For older systems and consoles that take RSA only. 4096 bits takes a few seconds.",
    }
}

impl CreateDialog {
    pub fn new(scope: &ScopeSel) -> CreateDialog {
        let (account, region) = match scope {
            ScopeSel::All => (None, String::new()),
            ScopeSel::Account(a) => (a.clone(), String::new()),
            ScopeSel::Region(a, r) => (a.clone(), r.clone()),
        };
        CreateDialog {
            name: String::new(),
            account,
            region,
            kind: KeyKind::Ed25519,
            bits: KeyKind::Ed25519.default_bits(),
            comment: String::new(),
            description: String::new(),
            tags: String::new(),
            generating: false,
            error: None,
            focus_name: true,
        }
    }

    pub fn failed(&mut self, e: String) {
        self.generating = false;
        self.error = Some(e);
    }

    fn name_problem(&self, model: &Model) -> Option<String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Some(String::new());
        }
        if let Err(e) = check_key_name(name) {
            return Some(e);
        }
        model
            .name_taken(name, self.account.as_deref(), self.region.trim(), None)
            .then(|| format!("A key pair named '{name}' already exists in this account and region"))
    }

    /// Draws the form; returns true when the dialog should close.
    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let modal = crate::ui::widgets::modal("create-dialog").show(ctx, |ui| {
            // One width whatever it says: a warning wraps instead of moving the buttons.
            ui.set_width(520.0);
            ui.set_max_width(520.0);
            ui.heading("Create key pair");
            ui.weak("Keyshelf generates the key on this computer. You save the private key once, right after.");
            ui.add_space(8.0);
            let problem = self.name_problem(model);
            let tags = parse_tags(&self.tags);
            let mut submit = false;
            ui.add_enabled_ui(!self.generating, |ui| {
                egui::Grid::new("create-form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                    // Focus lands a frame late: what was typed meanwhile (right after Ctrl+N)
                    // goes into the name instead of being lost.
                    if self.focus_name {
                        ui.input(|i| {
                            for e in &i.events {
                                if let egui::Event::Text(t) = e {
                                    self.name.push_str(t);
                                }
                            }
                        });
                    }
                    let r = grid_text(ui, "Key pair name", &mut self.name, "e.g. web-prod-2026");
                    if std::mem::take(&mut self.focus_name) {
                        r.request_focus();
                    }
                    submit |= submitted(ui, &r);
                    ui.label("");
                    match &problem {
                        Some(p) if !p.is_empty() => error_text(ui, p),
                        _ => {
                            ui.weak("2–128 characters, starting with a letter: letters, digits and . _ - :");
                        }
                    }
                    ui.end_row();
                    account_row(ui, model, &mut self.account);
                    grid_text(ui, "Region", &mut self.region, "e.g. us-east-1 (optional)");
                    ui.label("Type");
                    ui.vertical(|ui| {
                        ui.horizontal(|ui| {
                            for k in KeyKind::ALL {
                                if ui.radio(self.kind == k, k.label()).clicked() && self.kind != k {
                                    self.kind = k;
                                    self.bits = k.default_bits();
                                }
                            }
                        });
                        ui.weak(hint(self.kind));
                    });
                    ui.end_row();
                    if self.kind != KeyKind::Ed25519 {
                        let l = ui.label("Size");
                        egui::ComboBox::from_id_salt("bits")
                            .selected_text(format!("{} bits", self.bits))
                            .show_ui(ui, |ui| {
                                for b in self.kind.sizes() {
                                    ui.selectable_value(&mut self.bits, *b, format!("{b} bits"));
                                }
                            })
                            .response
                            .labelled_by(l.id);
                        ui.end_row();
                    }
                    let algorithm = match self.kind {
                        KeyKind::Ed25519 => "ssh-ed25519".to_string(),
                        KeyKind::Ecdsa => format!("ecdsa-sha2-nistp{}", self.bits),
                        KeyKind::Rsa => "ssh-rsa".to_string(),
                    };
                    // Two lines kept for the account's cloud's warning, shown or not, so the
                    // dialog neither grows nor moves when the type or account changes.
                    let warning = provider_warning(model, self.account.as_deref(), &algorithm, self.bits);
                    let room = 2.0 * ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
                    ui.label("");
                    ui.allocate_ui_with_layout(
                        egui::vec2(ui.available_width(), room),
                        egui::Layout::top_down(egui::Align::Min),
                        |ui| {
                            ui.set_min_height(room);
                            if let Some(w) = warning {
                                ui.add(egui::Label::new(RichText::new(w).color(ui.visuals().warn_fg_color)).wrap());
                            }
                        },
                    );
                    ui.end_row();
                    grid_text(ui, "Comment", &mut self.comment, "defaults to the name");
                    grid_text(ui, "Description", &mut self.description, "optional");
                    grid_text(ui, "Tags", &mut self.tags, "env=prod, team=web");
                    if let Err(e) = &tags {
                        ui.label("");
                        error_text(ui, e);
                        ui.end_row();
                    }
                });
            });
            if let Some(e) = &self.error {
                error_text(ui, e);
            }
            ui.add_space(8.0);
            ui.separator();
            let valid = problem.is_none() && tags.is_ok();
            ui.horizontal(|ui| {
                if self.generating {
                    ui.spinner();
                    ui.label(format!("Generating {}…", KeySpec { kind: self.kind, bits: self.bits }));
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let create = ui.add_enabled(valid && !self.generating, egui::Button::new("Create"));
                    if (create.clicked() || (submit && valid)) && !self.generating {
                        match KeySpec::new(self.kind, Some(self.bits)) {
                            Ok(spec) => {
                                self.error = None;
                                let name = self.name.trim().to_string();
                                let comment = if self.comment.trim().is_empty() {
                                    name.clone()
                                } else {
                                    self.comment.trim().to_string()
                                };
                                cmds.push(Command::CreateKey(CreateRequest {
                                    name,
                                    account: self.account.clone(),
                                    region: self.region.trim().to_string(),
                                    spec,
                                    comment,
                                    description: self.description.trim().to_string(),
                                    tags: tags.clone().unwrap_or_default(),
                                }));
                            }
                            Err(e) => self.error = Some(e.to_string()),
                        }
                    }
                    if ui.add_enabled(!self.generating, egui::Button::new("Cancel")).clicked() {
                        close = true;
                    }
                });
            });
        });
        (modal.should_close() && !self.generating) || close
    }
}

/// The account picker row of a form grid.
/// Why the account's cloud would refuse to import this key type (shown, never refused:
/// the key pair may be kept for other uses).
pub fn provider_warning(model: &Model, account: Option<&str>, algorithm: &str, bits: u32) -> Option<String> {
    let a = model.accounts.iter().find(|a| Some(a.name.as_str()) == account)?;
    crate::inventory::type_warning(a.provider, algorithm, bits)
}

pub fn account_row(ui: &mut Ui, model: &Model, account: &mut Option<String>) {
    let l = ui.label("Account");
    egui::ComboBox::from_id_salt("account")
        .selected_text(account.clone().unwrap_or_else(|| "No account".into()))
        .width(240.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(account, None, "No account");
            for a in &model.accounts {
                ui.selectable_value(account, Some(a.name.clone()), format!("{} · {}", a.name, a.provider));
            }
        })
        .response
        .labelled_by(l.id);
    ui.end_row();
}

/// "10 minutes", "1 minute", "5 seconds".
fn spoken(d: Duration) -> String {
    let (n, unit) = if d.as_secs() >= 60 { (d.as_secs() / 60, "minute") } else { (d.as_secs(), "second") };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// What writing the held private key takes.
pub struct SaveRequest {
    pub key_id: i64,
    pub key: Arc<GeneratedKey>,
    pub format: PrivateFormat,
    pub passphrase: Option<Zeroizing<String>>,
}

/// The one-time "save your private key" step after a key pair was created. It holds
/// the key and draws the form; the app writes the file (`Command::SavePrivateKey`) and
/// reports back through `saving`, `saved_to` and `error`.
pub struct PrivateKeyDialog {
    key_id: i64,
    name: String,
    key: Option<Arc<GeneratedKey>>,
    created: Instant,
    lifetime: Duration,
    pub format: PrivateFormat,
    pub pass1: Zeroizing<String>,
    pub pass2: Zeroizing<String>,
    /// The passphrase fields, whose egui state is wiped with the dialog.
    pass_ids: Vec<egui::Id>,
    pub typed_path: String,
    pub saving: bool,
    pub saved_to: Option<PathBuf>,
    /// The inventory knows where it was saved (the agent loads it from there).
    pub path_recorded: bool,
    pub error: Option<String>,
    confirm_discard: bool,
    pub dialog_unavailable: bool,
}

impl PrivateKeyDialog {
    pub fn new(key_id: i64, name: &str, key: GeneratedKey, lifetime: Duration) -> PrivateKeyDialog {
        let typed = ssh_dir().map(|d| d.join(name).display().to_string()).unwrap_or_default();
        PrivateKeyDialog {
            key_id,
            name: name.to_string(),
            key: Some(Arc::new(key)),
            created: Instant::now(),
            lifetime,
            format: PrivateFormat::OpenSsh,
            pass1: Zeroizing::new(String::new()),
            pass2: Zeroizing::new(String::new()),
            pass_ids: Vec::new(),
            typed_path: typed,
            saving: false,
            saved_to: None,
            path_recorded: false,
            error: None,
            confirm_discard: false,
            dialog_unavailable: false,
        }
    }

    /// Whether the private key is still in memory.
    pub fn holds_key(&self) -> bool {
        self.key.is_some()
    }

    pub fn suggested_name(&self) -> String {
        match self.format.extension() {
            "" => self.name.clone(),
            ext => format!("{}.{ext}", self.name),
        }
    }

    fn passphrase(&self) -> Result<Option<Zeroizing<String>>, String> {
        if self.pass1.is_empty() && self.pass2.is_empty() {
            return Ok(None);
        }
        if *self.pass1 != *self.pass2 {
            return Err("The two passphrases differ".into());
        }
        Ok(Some(self.pass1.clone()))
    }

    /// What the app needs to write the key: the key pair's id, the key, the format and
    /// the passphrase. `None` (with the reason shown) when the key is gone or the
    /// passphrases differ.
    pub fn save_request(&mut self) -> Option<SaveRequest> {
        let key = self.key.clone()?;
        match self.passphrase() {
            Ok(p) => Some(SaveRequest {
                key_id: self.key_id,
                key,
                format: self.format,
                passphrase: p.filter(|_| self.format.takes_passphrase()),
            }),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    /// Wipes the key, the passphrases and the passphrase fields' egui state (which
    /// would otherwise keep their text, undo history included, after the dialog).
    pub fn wipe(&mut self, ctx: &egui::Context) {
        self.key = None;
        self.pass1 = Zeroizing::new(String::new());
        self.pass2 = Zeroizing::new(String::new());
        for id in self.pass_ids.drain(..) {
            ctx.data_mut(|d| d.remove::<egui::text_edit::TextEditState>(id));
        }
    }

    /// Draws the dialog; returns true when it should close.
    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        if self.key.is_some() && self.created.elapsed() >= self.lifetime {
            self.wipe(ctx); // dropping the last Arc wipes the key
        }
        let mut close = false;
        let modal = crate::ui::widgets::modal("private-key-dialog").show(ctx, |ui| {
            ui.set_width(540.0);
            ui.heading(format!("Save the private key of {}", self.name));
            if self.key.is_none() {
                ui.add_space(8.0);
                warn_text(ui, &format!("The private key was wiped from memory after {}.", spoken(self.lifetime)));
                ui.label("The key pair stays in the inventory, marked \"private key not saved\". Create a new key pair if you need one.");
                ui.add_space(8.0);
                if ui.button("Close").clicked() {
                    close = true;
                }
                return;
            }
            let left = self.lifetime.saturating_sub(self.created.elapsed());
            ui.label("This is the only time the private key can be saved: Keyshelf never stores it.");
            ui.label(
                RichText::new(format!("Held in memory for {}:{:02} more, then wiped.", left.as_secs() / 60, left.as_secs() % 60))
                    .color(ui.visuals().warn_fg_color),
            );
            // The countdown shows whole seconds: one repaint a second is enough.
            ctx.request_repaint_after(Duration::from_millis(1000 - (self.created.elapsed().subsec_millis() as u64)));
            ui.add_space(8.0);
            let rsa = self.key.as_ref().is_some_and(|k| k.spec().kind == KeyKind::Rsa);
            egui::Grid::new("save-form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                let l = ui.label("Format");
                ui.horizontal(|ui| {
                    for f in PrivateFormat::ALL {
                        if f == PrivateFormat::Pkcs1 && !rsa {
                            continue;
                        }
                        ui.radio_value(&mut self.format, f, f.label());
                    }
                })
                .response
                .labelled_by(l.id);
                ui.end_row();
                ui.label("");
                ui.weak(match self.format {
                    PrivateFormat::OpenSsh => "What ssh-keygen writes; can be protected with a passphrase.",
                    PrivateFormat::Pkcs8 => "PEM \"BEGIN PRIVATE KEY\", as Alibaba Cloud hands out. No passphrase.",
                    PrivateFormat::Pkcs1 => "PEM \"BEGIN RSA PRIVATE KEY\", as AWS and Tencent Cloud hand out. No passphrase.",
                    PrivateFormat::Ppk => "PuTTY's .ppk (version 3), for PuTTY, WinSCP and FileZilla; can be protected with a passphrase. ssh cannot read it.",
                });
                ui.end_row();
                if self.format == PrivateFormat::Pkcs8 && self.key.as_ref().is_some_and(|k| k.spec().kind == KeyKind::Ed25519) {
                    ui.label("");
                    warn_text(ui, "OpenSSH 9.2 and older cannot read Ed25519 keys in PKCS#8: use the OpenSSH format for ssh.");
                    ui.end_row();
                }
                if self.format.takes_passphrase() {
                    let ids = [
                        grid_password(ui, "Passphrase", &mut self.pass1).id,
                        grid_password(ui, "Repeat passphrase", &mut self.pass2).id,
                    ];
                    for id in ids {
                        if !self.pass_ids.contains(&id) {
                            self.pass_ids.push(id);
                        }
                    }
                    // Room kept for the message, so the dialog does not move; it is
                    // shown once the second passphrase is being typed, not before.
                    ui.label("");
                    match self.passphrase() {
                        Err(e) if !self.pass2.is_empty() => error_text(ui, &e),
                        _ => {
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let enabled = !self.saving && self.passphrase().is_ok();
                if ui.add_enabled(enabled, egui::Button::new(RichText::new("Save private key…").strong())).clicked() {
                    self.error = None;
                    cmds.push(Command::SavePrivateKey { path: None, overwrite: true });
                }
                let agent = ui
                    .add_enabled(self.path_recorded, egui::Button::new("Add to agent for 1 hour"))
                    .on_hover_text("ssh can then use it without asking for its passphrase for an hour")
                    .on_disabled_hover_text("Save the private key first: the agent loads it from its file");
                if agent.clicked() {
                    cmds.push(Command::AgentAdd { key: self.key_id, lifetime: Some(3600), confirm: false });
                }
                if self.saving {
                    ui.spinner();
                }
            });
            if self.dialog_unavailable {
                warn_text(ui, "No file dialog is available on this system: type the path below.");
            }
            ui.horizontal(|ui| {
                let l = ui.label("Or save to");
                let r = ui
                    .add(egui::TextEdit::singleline(&mut self.typed_path).desired_width(300.0))
                    .labelled_by(l.id);
                let go = ui.add_enabled(!self.saving && !self.typed_path.trim().is_empty(), egui::Button::new("Save"));
                if go.clicked() || (submitted(ui, &r) && !self.typed_path.trim().is_empty()) {
                    self.error = None;
                    cmds.push(Command::SavePrivateKey { path: Some(crate::paths::expand_home(self.typed_path.trim())), overwrite: false });
                }
            });
            if let Some(p) = &self.saved_to {
                ui.colored_label(egui::Color32::from_rgb(0x2e, 0x9e, 0x4f), format!("Saved to {} (mode 0600)", p.display()));
            }
            if let Some(e) = &self.error {
                error_text(ui, e);
            }
            ui.add_space(8.0);
            ui.separator();
            if self.confirm_discard {
                warn_text(ui, "Close without saving? The private key is wiped and cannot be shown again.");
                ui.horizontal(|ui| {
                    if ui.button("Discard private key").clicked() {
                        close = true;
                    }
                    if ui.button("Go back").clicked() {
                        self.confirm_discard = false;
                    }
                });
            } else {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let label = if self.saved_to.is_some() { "Done" } else { "Close" };
                    if ui.add_enabled(!self.saving, egui::Button::new(label)).clicked() {
                        if self.saved_to.is_some() {
                            close = true;
                        } else {
                            self.confirm_discard = true;
                        }
                    }
                });
            }
        });
        if modal.should_close() && !self.saving && !close {
            if self.saved_to.is_some() || self.key.is_none() {
                close = true;
            } else {
                self.confirm_discard = true;
            }
        }
        close
    }

    /// When the dialog closes now: the name of a key pair whose private key is being
    /// discarded unsaved (`None`: it was saved, or had already timed out and been wiped).
    pub fn discarding(&self) -> Option<&str> {
        (self.saved_to.is_none() && self.key.is_some()).then_some(self.name.as_str())
    }
}
