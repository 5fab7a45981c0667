//! The smaller modal dialogs: delete confirmation, bind, account, host, reset key, and
//! notices that follow a change (private key files left on disk, known_hosts cleanup).

use egui::RichText;

use crate::inventory::{Account, DeleteHow, Host, KeyPair, NewHost, Provider};
use crate::ui::command::Command;
use crate::ui::keys::create::{account_row, CreateDialog, PrivateKeyDialog};
use crate::ui::keys::import::ImportDialog;
use crate::ui::model::Model;
use crate::ui::widgets::{error_text, grid_text, warn_text};

/// One modal at a time.
pub enum Dialog {
    Create(CreateDialog),
    PrivateKey(PrivateKeyDialog),
    Import(ImportDialog),
    Delete(DeleteDialog),
    Bind(BindDialog),
    Account(AccountDialog),
    Host(HostDialog),
    ResetKey(ResetKeyDialog),
    Rotate(crate::ui::remote::remote_view::RotateDialog),
    SshImport(crate::ui::keys::ssh_import::SshImportDialog),
    SshConfig(crate::ui::settings::ssh_config_view::SshConfigDialog),
    Convert(crate::ui::keys::convert::ConvertDialog),
    Notice(Notice),
    Confirm(Confirm),
    InventoryImport(crate::ui::settings::inventory_transfer::InventoryImportDialog),
}

/// "Are you sure?" before a destructive action; runs `command` on confirm.
pub struct Confirm {
    pub title: String,
    pub text: String,
    pub confirm: String,
    pub command: Command,
}

impl Confirm {
    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let m = crate::ui::widgets::modal("confirm").show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(&self.title);
            ui.add_space(6.0);
            ui.label(&self.text);
            ui.add_space(8.0);
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let ok = ui.button(RichText::new(&self.confirm).color(ui.visuals().error_fg_color));
                if ok.clicked() || enter(ui) {
                    cmds.push(self.command.clone());
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        m.should_close() || close
    }
}

/// Buttons at the bottom right: returns (confirm clicked, cancel clicked).
fn buttons(ui: &mut egui::Ui, confirm: &str, enabled: bool) -> (bool, bool) {
    ui.add_space(8.0);
    ui.separator();
    let mut out = (false, false);
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        out.0 = ui.add_enabled(enabled, egui::Button::new(confirm)).clicked();
        out.1 = ui.button("Cancel").clicked();
    });
    out
}

fn enter(ui: &egui::Ui) -> bool {
    ui.input(|i| i.key_pressed(egui::Key::Enter))
}

pub struct DeleteDialog {
    keys: Vec<KeyPair>,
    pub error: Option<String>,
    /// Set when the inventory refused because a cloud account still holds a key pair:
    /// then "Delete here only" is offered.
    pub in_cloud: bool,
}

impl DeleteDialog {
    pub fn new(keys: Vec<KeyPair>) -> DeleteDialog {
        DeleteDialog { keys, error: None, in_cloud: false }
    }

    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let ids: Vec<i64> = self.keys.iter().map(|k| k.id).collect();
        let bound: Vec<&KeyPair> = self.keys.iter().filter(|k| !k.hosts.is_empty()).collect();
        let m = crate::ui::widgets::modal("delete-dialog").show(ctx, |ui| {
            ui.set_width(480.0);
            let title = if self.keys.len() == 1 {
                format!("Delete key pair {}?", self.keys[0].name)
            } else {
                format!("Delete {} key pairs?", self.keys.len())
            };
            ui.heading(title);
            ui.add_space(6.0);
            egui::ScrollArea::vertical().max_height(200.0).show(ui, |ui| {
                for k in &self.keys {
                    ui.label(format!("• {}  ({}, {})", k.name, k.type_label(), k.scope_label()));
                    if let Some(p) = &k.private_key_path {
                        ui.weak(format!("    private key file stays on disk: {p}"));
                    }
                }
            });
            ui.label("Only the inventory entries are deleted; no file and no cloud console is changed.");
            if self.in_cloud {
                ui.add_space(6.0);
                warn_text(
                    ui,
                    "A cloud account still holds it: delete it there first (its details → In the cloud → the \
                     account's Cloud sync page), or delete it here only and keep it in the cloud.",
                );
            }
            if !bound.is_empty() {
                ui.add_space(6.0);
                for k in &bound {
                    warn_text(ui, &format!("{} is bound to {}", k.name, k.hosts.join(", ")));
                }
                ui.label(
                    "A key pair bound to a host cannot be deleted. Unbind it first, or unbind and delete in one step. \
                     If the key is on those servers, remove it from them first: deleting the entry does not stop it \
                     from logging in.",
                );
            }
            if let Some(e) = &self.error {
                error_text(ui, e);
            }
            ui.add_space(8.0);
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let how = DeleteHow { unbind: false, keep_in_cloud: self.in_cloud };
                if bound.is_empty() {
                    let label = if self.in_cloud { "Delete here only" } else { "Delete" };
                    let del = ui.button(RichText::new(label).color(ui.visuals().error_fg_color));
                    if del.clicked() || enter(ui) {
                        cmds.push(Command::DeleteKeys { ids: ids.clone(), how });
                    }
                } else {
                    if ui.button(RichText::new("Unbind and delete").color(ui.visuals().error_fg_color)).clicked() {
                        cmds.push(Command::DeleteKeys { ids: ids.clone(), how: DeleteHow { unbind: true, ..how } });
                    }
                    if bound.len() == 1 {
                        let k = bound[0];
                        let b = ui.button("Remove it from its hosts first…");
                        if b.on_hover_text("Takes the key off each host's authorized_keys over ssh, then unbinds it")
                            .clicked()
                        {
                            cmds.push(Command::Remote(crate::ui::remote::remote_run::RemoteAction::Undeploy {
                                key: k.id,
                                hosts: k.hosts.clone(),
                                force: false,
                            }));
                        }
                    }
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        m.should_close() || close
    }
}

pub struct BindDialog {
    key_id: i64,
    key_name: String,
    chosen: Vec<String>,
    /// Put the key on the servers (not only in the inventory).
    deploy: bool,
}

impl BindDialog {
    pub fn new(k: &KeyPair) -> BindDialog {
        BindDialog { key_id: k.id, key_name: k.name.clone(), chosen: Vec::new(), deploy: false }
    }

    pub fn deploy(k: &KeyPair) -> BindDialog {
        BindDialog { deploy: true, ..BindDialog::new(k) }
    }

    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let m = crate::ui::widgets::modal("bind-dialog").show(ctx, |ui| {
            ui.set_width(480.0);
            if self.deploy {
                ui.heading(format!("Deploy {} to hosts", self.key_name));
                ui.weak(
                    "Adds the key to each host's authorized_keys over ssh (other keys stay), binds it, and \
                     logs in with it to prove it works.",
                );
            } else {
                ui.heading(format!("Bind {} to hosts", self.key_name));
                ui.weak(
                    "A host may trust several key pairs: binding adds this one and keeps the others. This changes \
                     the inventory only; Deploy puts the key on the server.",
                );
            }
            ui.add_space(6.0);
            if model.hosts.is_empty() {
                ui.label("There are no hosts yet. Add them in the Hosts view.");
                if ui.button("Go to Hosts").clicked() {
                    cmds.push(Command::ShowView(crate::ui::command::View::Hosts));
                    close = true;
                }
            }
            egui::ScrollArea::vertical().max_height(280.0).show(ui, |ui| {
                for h in &model.hosts {
                    let already = h.keys.iter().any(|k| k.0 == self.key_id);
                    let on = already || self.chosen.contains(&h.name);
                    let mut text = format!("{}  ({})", h.name, h.addresses.join(", "));
                    if already {
                        text.push_str("  — already bound");
                    } else if !h.keys.is_empty() {
                        let names: Vec<&str> = h.keys.iter().map(|k| k.1.as_str()).collect();
                        text.push_str(&format!("  — also trusts {}", names.join(", ")));
                    }
                    let mut on = on && (!self.deploy || self.chosen.contains(&h.name));
                    let r = ui.add_enabled(self.deploy || !already, egui::Checkbox::new(&mut on, text));
                    if r.changed() {
                        if on {
                            self.chosen.push(h.name.clone());
                        } else {
                            self.chosen.retain(|n| n != &h.name);
                        }
                    }
                }
            });
            let verb = if self.deploy { "Deploy" } else { "Bind" };
            let label = format!("{verb} to {}", crate::ui::remote::remote_view::hosts(self.chosen.len()));
            let (ok, cancel) = buttons(ui, &label, !self.chosen.is_empty());
            if ok {
                if self.deploy {
                    let hosts = self.chosen.clone();
                    cmds.push(Command::Remote(crate::ui::remote::remote_run::RemoteAction::Deploy {
                        key: self.key_id,
                        hosts,
                    }));
                } else {
                    cmds.push(Command::Bind { key: self.key_id, hosts: self.chosen.clone() });
                }
                close = true;
            }
            close |= cancel;
        });
        m.should_close() || close
    }
}

pub struct AccountDialog {
    old: Option<String>,
    name: String,
    provider: Provider,
    note: String,
    profile: String,
    region: String,
    endpoint: String,
    pub error: Option<String>,
}

impl AccountDialog {
    pub fn new(existing: Option<Account>) -> AccountDialog {
        match existing {
            Some(a) => AccountDialog {
                old: Some(a.name.clone()),
                name: a.name,
                provider: a.provider,
                note: a.note,
                profile: a.profile.unwrap_or_default(),
                region: a.region,
                endpoint: a.endpoint.unwrap_or_default(),
                error: None,
            },
            None => AccountDialog {
                old: None,
                name: String::new(),
                provider: Provider::Aws,
                note: String::new(),
                profile: String::new(),
                region: String::new(),
                endpoint: String::new(),
                error: None,
            },
        }
    }

    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let m = crate::ui::widgets::modal("account-dialog").show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(if self.old.is_some() { "Edit account" } else { "Add account" });
            ui.add_space(6.0);
            let mut submit = false;
            egui::Grid::new("account-form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                let r = grid_text(ui, "Account name", &mut self.name, "e.g. prod-aws");
                submit |= crate::ui::widgets::submitted(ui, &r);
                let l = ui.label("Provider");
                egui::ComboBox::from_id_salt("provider")
                    .selected_text(self.provider.display_name())
                    .show_ui(ui, |ui| {
                        for p in Provider::ALL {
                            ui.selectable_value(&mut self.provider, p, p.display_name());
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                grid_text(ui, "Note", &mut self.note, "optional");
                if let Some((label, hint, _)) = self.provider.profile_hint() {
                    grid_text(ui, label, &mut self.profile, hint);
                    let region = match self.provider {
                        Provider::Tencent => "the profile's, e.g. ap-guangzhou",
                        Provider::Alibaba => "the profile's, e.g. cn-hangzhou",
                        _ => "the profile's, e.g. us-east-1",
                    };
                    grid_text(ui, "Default region", &mut self.region, region);
                    grid_text(ui, "Endpoint", &mut self.endpoint, "the provider's own (for a private cloud or proxy)");
                }
            });
            if let Some((_, _, note)) = self.provider.profile_hint() {
                ui.weak(note);
            }
            if let Some(e) = &self.error {
                error_text(ui, e);
            }
            let valid = !self.name.trim().is_empty();
            let (ok, cancel) = buttons(ui, "Save", valid);
            if (ok || submit) && valid {
                cmds.push(Command::SaveAccount {
                    old: self.old.clone(),
                    name: self.name.trim().to_string(),
                    provider: self.provider,
                    note: self.note.trim().to_string(),
                    cloud: [&self.profile, &self.region, &self.endpoint].map(|s| s.trim().to_string()),
                });
            }
            close |= cancel;
        });
        m.should_close() || close
    }
}

pub struct HostDialog {
    old: Option<String>,
    name: String,
    addresses: String,
    port: String,
    user: String,
    account: Option<String>,
    region: String,
    authorized_keys: String,
    pub error: Option<String>,
}

impl HostDialog {
    pub fn new(existing: Option<Host>) -> HostDialog {
        match existing {
            Some(h) => HostDialog {
                old: Some(h.name.clone()),
                name: h.name,
                addresses: h.addresses.join(", "),
                port: h.port.to_string(),
                user: h.user,
                account: h.account,
                region: h.region,
                authorized_keys: h.authorized_keys,
                error: None,
            },
            None => HostDialog {
                old: None,
                name: String::new(),
                addresses: String::new(),
                port: "22".into(),
                user: String::new(),
                account: None,
                region: String::new(),
                authorized_keys: crate::inventory::DEFAULT_AUTHORIZED_KEYS.into(),
                error: None,
            },
        }
    }

    fn parsed(&self) -> Result<NewHost, String> {
        let port: u16 = self.port.trim().parse().map_err(|_| "Port must be a number from 1 to 65535".to_string())?;
        let addresses: Vec<String> =
            self.addresses.split([',', ' ', '\n']).map(str::trim).filter(|a| !a.is_empty()).map(String::from).collect();
        if self.name.trim().is_empty() {
            return Err("Give the host a name".into());
        }
        if addresses.is_empty() {
            return Err("Give at least one address (DNS name or IP)".into());
        }
        Ok(NewHost {
            name: self.name.trim().to_string(),
            addresses,
            port,
            user: self.user.trim().to_string(),
            account: self.account.clone(),
            region: self.region.trim().to_string(),
            authorized_keys: self.authorized_keys.trim().to_string(),
        })
    }

    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let m = crate::ui::widgets::modal("host-dialog").show(ctx, |ui| {
            ui.set_width(460.0);
            ui.heading(if self.old.is_some() { "Edit host" } else { "Add host" });
            ui.add_space(6.0);
            egui::Grid::new("host-form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                grid_text(ui, "Host name", &mut self.name, "e.g. web01");
                grid_text(ui, "Addresses", &mut self.addresses, "203.0.113.10, web01.example.com");
                grid_text(ui, "Port", &mut self.port, "22");
                grid_text(ui, "User", &mut self.user, "e.g. ubuntu (optional)");
                account_row(ui, model, &mut self.account);
                grid_text(ui, "Region", &mut self.region, "optional");
                grid_text(ui, "authorized_keys", &mut self.authorized_keys, ".ssh/authorized_keys");
            });
            let parsed = self.parsed();
            if let Err(e) = &parsed {
                if !self.name.is_empty() || !self.addresses.is_empty() {
                    error_text(ui, e);
                }
            }
            if let Some(e) = &self.error {
                error_text(ui, e);
            }
            let (ok, cancel) = buttons(ui, "Save", parsed.is_ok());
            if let (true, Ok(h)) = (ok, parsed) {
                cmds.push(Command::SaveHost { old: self.old.clone(), host: h });
            }
            close |= cancel;
        });
        m.should_close() || close
    }
}

/// "Reset key": re-associates a host with another key pair.
pub struct ResetKeyDialog {
    host: Host,
    key: Option<i64>,
    filter: String,
    /// Deploy the chosen key pair (adds it) instead of resetting (replaces them all).
    deploy: bool,
}

impl ResetKeyDialog {
    pub fn new(host: Host) -> ResetKeyDialog {
        ResetKeyDialog { host, key: None, filter: String::new(), deploy: false }
    }

    pub fn deploy(host: Host) -> ResetKeyDialog {
        ResetKeyDialog { deploy: true, ..ResetKeyDialog::new(host) }
    }

    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let m = crate::ui::widgets::modal("reset-dialog").show(ctx, |ui| {
            ui.set_width(480.0);
            if self.deploy {
                ui.heading(format!("Deploy a key pair to {}", self.host.name));
                ui.label("Adds it to the host's authorized_keys (the keys there stay), binds it and proves a login.");
            } else {
                ui.heading(format!("Reset the key pair of {}", self.host.name));
                ui.weak(
                    "The new key pair is added and a login with it alone is proved; only then are the key pairs \
                     bound now removed from the server. Keys the inventory does not know stay.",
                );
            }
            if self.host.keys.is_empty() {
                ui.label("Not bound yet. Choose a key pair.");
            } else {
                let names: Vec<&str> = self.host.keys.iter().map(|k| k.1.as_str()).collect();
                ui.label(format!("Now bound to {}. Choose the key pair that replaces them.", names.join(", ")));
            }
            ui.horizontal(|ui| {
                let l = ui.label("Find");
                ui.add(egui::TextEdit::singleline(&mut self.filter).desired_width(240.0)).labelled_by(l.id);
            });
            let f = self.filter.to_lowercase();
            egui::ScrollArea::vertical().max_height(240.0).show(ui, |ui| {
                for r in model.rows.iter().filter(|r| f.is_empty() || r.key.name.to_lowercase().contains(&f)).take(200)
                {
                    let current = if self.deploy {
                        self.host.keys.iter().any(|k| k.0 == r.key.id)
                    } else {
                        self.host.keys.len() == 1 && self.host.keys[0].0 == r.key.id
                    };
                    let text = format!("{}  ({}, {})", r.key.name, r.type_label, r.key.scope_label());
                    if ui.add_enabled(!current, egui::Button::selectable(self.key == Some(r.key.id), text)).clicked() {
                        self.key = Some(r.key.id);
                    }
                }
            });
            let (ok, cancel) = buttons(ui, if self.deploy { "Deploy" } else { "Reset key" }, self.key.is_some());
            if let (true, Some(k)) = (ok, self.key) {
                let host = self.host.name.clone();
                cmds.push(if self.deploy {
                    Command::Remote(crate::ui::remote::remote_run::RemoteAction::Deploy { key: k, hosts: vec![host] })
                } else {
                    Command::ResetKey { host, key: k }
                });
            }
            close |= cancel;
        });
        m.should_close() || close
    }
}

/// A message after a change, with an optional known_hosts cleanup offer.
pub struct Notice {
    title: String,
    lines: Vec<String>,
    known_hosts: Vec<String>,
}

impl Notice {
    pub fn deleted(names: &[String], leftovers: Vec<String>, known_hosts: Vec<String>) -> Notice {
        let mut lines = vec![format!("Deleted {}.", names.join(", "))];
        for p in leftovers {
            lines.push(format!(
                "Its private key file is still on disk: {p}. Delete it yourself if you no longer need it."
            ));
        }
        Notice { title: "Key pair deleted".into(), lines, known_hosts }
    }

    pub fn unbound(hosts: &[String], known_hosts: Vec<String>) -> Notice {
        Notice { title: "Unbound".into(), lines: vec![format!("Unbound from {}.", hosts.join(", "))], known_hosts }
    }

    pub fn reset(host: &str, known_hosts: Vec<String>) -> Notice {
        Notice {
            title: "Key reset".into(),
            lines: vec![
                format!(
                    "{host} now trusts only the new key pair: it was added, a login with it alone worked, and the old \
                     key pairs were removed from its authorized_keys."
                ),
                "If the server was rebuilt, its host key changed too: ssh will warn until the old lines are gone."
                    .into(),
            ],
            known_hosts,
        }
    }

    pub fn host_removed(h: &Host) -> Notice {
        Notice {
            title: "Host removed".into(),
            lines: vec![format!("Removed {}.", h.name)],
            known_hosts: h.known_hosts_names(),
        }
    }

    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let m = crate::ui::widgets::modal("notice").show(ctx, |ui| {
            ui.set_width(480.0);
            ui.heading(&self.title);
            ui.add_space(6.0);
            for l in &self.lines {
                ui.label(l);
            }
            if !self.known_hosts.is_empty() {
                ui.add_space(6.0);
                ui.label(format!("Also forget its host keys in known_hosts ({})?", self.known_hosts.join(", ")));
            }
            ui.add_space(8.0);
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if !self.known_hosts.is_empty() && ui.button("Clean known_hosts…").clicked() {
                    cmds.push(Command::CleanKnownHosts(self.known_hosts.clone()));
                }
                if ui.button("OK").clicked() {
                    close = true;
                }
            });
        });
        m.should_close() || close
    }
}
