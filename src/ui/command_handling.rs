//! How the app applies `Command`s and background results: every inventory read and write
//! goes to the inventory's thread (`db.rs`), every file and dialog to a job
//! (`worker.rs`); what comes back updates the model for what changed. Kept apart from
//! `app.rs`, which owns state and layout.

use std::path::{Path, PathBuf};

use crate::inventory::{Inventory, KeyPair, NewKeyPair, Origin, Scope};
use crate::keys::GeneratedKey;
use crate::local::ssh_dir::ImportOutcome;
use crate::ui::app::{JobResult, KeyshelfApp};
use crate::ui::command::{Command, View};
use crate::ui::db::Apply;
use crate::ui::dialogs::{
    AccountDialog, BindDialog, Confirm, DeleteDialog, Dialog, HostDialog, Notice, ResetKeyDialog,
};
use crate::ui::keys::create::{CreateDialog, CreateRequest, PrivateKeyDialog};
use crate::ui::keys::import::{read_files, read_text, ImportDialog, ImportRequest};
use crate::ui::keys::ssh_import::SshImportDialog;
use crate::ui::model::{ScopeSel, Side};
use crate::ui::platform::Picked;

/// What a write hands back: the key pairs it changed, the ones it removed, and the
/// small tables read again.
struct Changed {
    keys: Vec<KeyPair>,
    removed: Vec<i64>,
    side: SideChange,
}

/// Which of the small tables a write can have changed.
enum SideChange {
    /// Only the hosts (they show their key pair's name): an edit.
    Hosts(Vec<crate::inventory::Host>),
    /// Counts per account and region too: a key pair came or went.
    All(Side),
}

impl Changed {
    /// Reads back the key pairs `ids` after an edit (which moves no key pair between
    /// accounts, so the counts per region stay as they are).
    fn edited(inv: &Inventory, ids: &[i64]) -> crate::inventory::Result<Changed> {
        let keys = ids.iter().map(|id| inv.key(*id)).collect::<crate::inventory::Result<Vec<_>>>()?;
        Ok(Changed { keys, removed: Vec::new(), side: SideChange::Hosts(inv.hosts()?) })
    }

    /// Reads back after key pairs were added (`ids`) or removed.
    fn read(inv: &Inventory, ids: &[i64], removed: Vec<i64>) -> crate::inventory::Result<Changed> {
        let keys = ids.iter().map(|id| inv.key(*id)).collect::<crate::inventory::Result<Vec<_>>>()?;
        Ok(Changed { keys, removed, side: SideChange::All(Side::load(inv)?) })
    }
}

impl KeyshelfApp {
    /// Puts what a write changed into the model without reading the rest again.
    fn apply_changed(&mut self, c: Changed) {
        self.model.remove(&c.removed);
        self.model.upsert(c.keys);
        match c.side {
            SideChange::Hosts(hosts) => {
                self.model.hosts = hosts;
                self.model.refilter();
            }
            SideChange::All(side) => self.model.set_side(side),
        }
        self.changed();
    }

    /// Runs an edit on the inventory's thread: `write` returns the ids of the key pairs
    /// it changed (read back afterwards) and a message; the model is updated for those
    /// alone. `done` then runs on the UI thread with the outcome.
    fn write_keys(
        &mut self,
        write: impl FnOnce(&mut Inventory) -> crate::inventory::Result<(Vec<i64>, String)> + Send + 'static,
        done: impl FnOnce(&mut KeyshelfApp, Result<(), String>) + Send + 'static,
    ) {
        self.db_run(move |inv| {
            let r = write(inv).and_then(|(ids, msg)| Ok((Changed::edited(inv, &ids)?, msg)));
            Box::new(move |app: &mut KeyshelfApp| match r {
                Ok((c, msg)) => {
                    app.apply_changed(c);
                    app.info(msg);
                    done(app, Ok(()));
                }
                Err(e) => {
                    let e = e.to_string();
                    app.error(e.clone());
                    done(app, Err(e));
                }
            })
        });
    }

    /// Runs a write that can touch many key pairs (bindings, hosts, accounts): the model
    /// is read again whole, on the inventory's thread.
    pub(super) fn write_all<T: Send + 'static>(
        &mut self,
        write: impl FnOnce(&mut Inventory) -> crate::inventory::Result<T> + Send + 'static,
        done: impl FnOnce(&mut KeyshelfApp, Result<T, String>) + Send + 'static,
    ) {
        self.db_run(move |inv| {
            let r = write(inv).map_err(|e| e.to_string());
            let snapshot = r.is_ok().then(|| crate::ui::model::Snapshot::load(inv));
            Box::new(move |app: &mut KeyshelfApp| {
                match snapshot {
                    Some(Ok(s)) => app.install(s),
                    Some(Err(e)) => app.error(format!("Could not read the inventory: {e}")),
                    None => {}
                }
                if let Err(e) = &r {
                    app.error(e.clone());
                }
                done(app, r);
            })
        });
    }

    pub(super) fn on_job(&mut self, ctx: Option<&egui::Context>, r: JobResult) {
        match r {
            JobResult::Generated { request, result } => self.on_generated(request, result),
            JobResult::PublicSavePicked { id, picked } => match picked {
                Picked::Chosen(path) => self.save_public(ctx, id, path),
                Picked::Cancelled => {}
                Picked::Unavailable => {
                    self.error("No file dialog is available here: copy the public key instead (Copy, beside it)")
                }
            },
            JobResult::PublicSaved { path, result } => match result {
                Ok(()) => self.info(format!("Saved the public key to {}", path.display())),
                Err(e) => self.error(e),
            },
            JobResult::ImportPicked(picked) => match picked {
                Picked::Chosen(paths) => self.open_import(ctx, paths),
                Picked::Cancelled => {}
                Picked::Unavailable => {
                    if let Some(Dialog::Import(d)) = &mut self.dialog {
                        d.dialog_unavailable = true;
                    }
                }
            },
            JobResult::ImportRead(inputs) => {
                if let Some(Dialog::Import(d)) = &mut self.dialog {
                    d.add_read(inputs);
                }
            }
            JobResult::PrivateSavePicked(picked) => match picked {
                Picked::Chosen(path) => self.write_private(ctx, path, true),
                Picked::Cancelled => {
                    if let Some(Dialog::PrivateKey(d)) = &mut self.dialog {
                        d.saving = false;
                    }
                }
                Picked::Unavailable => {
                    if let Some(Dialog::PrivateKey(d)) = &mut self.dialog {
                        d.saving = false;
                        d.dialog_unavailable = true;
                    }
                }
            },
            JobResult::PrivateWritten { key_id, path, result } => self.on_private_written(key_id, path, result),
            JobResult::Converted(r) => {
                match &r {
                    Ok(m) => self.info(m.clone()),
                    Err(e) => self.error(format!("Nothing was written: {e}")),
                }
                if let Some(Dialog::Convert(d)) = &mut self.dialog {
                    d.running = false;
                    d.result = Some(r);
                }
            }
            JobResult::Transfer(t) => self.on_transfer_job(t),
            JobResult::Agent { removed, listed } => self.on_agent_listed(removed, listed),
            JobResult::ConfigResolved { keys, resolved } => self.on_config_resolved(keys, resolved),
            JobResult::SshDirScanned(scanned) => self.on_ssh_dir_scanned(*scanned),
            JobResult::SshConfigApplied { plan, result } => self.on_ssh_config_applied(*plan, result),
            JobResult::SshConfigFilesRemoved(Err(e)) => self.on_ssh_config_off(Err(e)),
            JobResult::SshConfigFilesRemoved(Ok(done)) => self.db_run(move |inv| {
                let r = crate::local::ssh_config::disabled(inv, &done).map_err(|e| e.to_string());
                Box::new(move |app: &mut KeyshelfApp| app.on_ssh_config_off(r))
            }),
            JobResult::ManagedConfigWritten(r) => {
                self.managed_writing = false;
                if let Err(e) = r {
                    self.error(format!("Saved, but the managed ssh config was not updated: {e}"));
                    // Still stale: the next change tries again.
                    self.db_run(|inv| {
                        let _ = crate::local::ssh_config::mark_stale(inv);
                        Box::new(|_: &mut KeyshelfApp| {})
                    });
                }
                if let Some(plan) = self.managed_next.take() {
                    self.write_managed_config(plan);
                }
            }
            JobResult::KnownHosts(done) => {
                if let Some(m) = self.known_hosts.on_done(done) {
                    self.status = Some(crate::ui::app::Status { text: m.text, is_error: m.is_error });
                }
            }
            JobResult::Doctor(checks) => {
                self.settings.doctor = Some(checks);
                self.settings.doctor_running = false;
            }
            JobResult::Opened { what, result } => match result {
                Ok(terminal) => self.info(format!("Opened {terminal}: {what}")),
                Err(e) => self.error(format!("Cannot open a terminal for {what}: {e}")),
            },
        }
        if let Some(ctx) = ctx {
            ctx.request_repaint();
        }
    }

    /// A job panicked: whatever was waiting for it stops waiting and says so.
    pub(super) fn on_job_panic(&mut self, msg: String) {
        match &mut self.dialog {
            Some(Dialog::Create(d)) if d.generating => d.failed(msg.clone()),
            Some(Dialog::PrivateKey(d)) => {
                d.saving = false;
                d.error = Some(msg.clone());
            }
            Some(Dialog::Import(d)) => d.reading_failed(msg.clone()),
            Some(Dialog::InventoryImport(d)) => d.failed(msg.clone()),
            _ => {}
        }
        self.settings.doctor_running = false;
        self.error(msg);
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
        let lifetime = self.private_key_lifetime;
        self.db_run(move |inv| {
            let r = inv.add_key(&new).and_then(|k| Ok((Changed::read(inv, &[k.id], Vec::new())?, k)));
            Box::new(move |app: &mut KeyshelfApp| match r {
                Ok((changed, k)) => {
                    app.apply_changed(changed);
                    app.selected = [k.id].into();
                    app.anchor = Some(k.id);
                    app.info(format!("Created key pair {} — save its private key now", k.name));
                    app.dialog = Some(Dialog::PrivateKey(PrivateKeyDialog::new(k.id, &k.name, *key, lifetime)));
                }
                Err(e) => {
                    // The generated key is dropped (and wiped) here.
                    if let Some(Dialog::Create(d)) = &mut app.dialog {
                        d.failed(e.to_string());
                    }
                    app.error(e.to_string());
                }
            })
        });
    }

    fn save_public(&mut self, ctx: Option<&egui::Context>, id: i64, path: PathBuf) {
        let (Some(row), Some(ctx)) = (self.model.row_by_id(id), ctx) else { return };
        let text = format!("{}\n", row.key.public_key);
        // The native dialog has asked before replacing a file.
        self.jobs.spawn(ctx, move || {
            let result = crate::secure_file::write_public(&path, text.as_bytes(), true).map_err(|e| e.to_string());
            JobResult::PublicSaved { path, result }
        });
    }

    /// Writes the private key the open dialog holds, in the format and with the
    /// passphrase it shows, on a job; the inventory records where when that is done.
    fn write_private(&mut self, ctx: Option<&egui::Context>, path: PathBuf, overwrite: bool) {
        let Some(ctx) = ctx else { return };
        let Some(Dialog::PrivateKey(d)) = &mut self.dialog else { return };
        let Some(crate::ui::keys::create::SaveRequest { key_id, key, format, passphrase: pass }) = d.save_request()
        else {
            return;
        };
        d.saving = true;
        d.error = None;
        self.jobs.spawn(ctx, move || {
            // The public half beside it, as the CLI and ssh-keygen write it.
            let public = crate::paths::pub_path(&path);
            let r = key.write_files(&path, &public, format, pass.as_deref().map(String::as_str), overwrite);
            JobResult::PrivateWritten { key_id, path, result: r.map_err(|e| e.to_string()) }
        });
    }

    fn on_private_written(&mut self, key_id: i64, path: PathBuf, result: Result<(), String>) {
        if let Some(Dialog::PrivateKey(d)) = &mut self.dialog {
            d.saving = false;
            match &result {
                Ok(()) => d.saved_to = Some(path.clone()),
                Err(e) => d.error = Some(e.clone()),
            }
        }
        let Ok(()) = result else { return };
        let shown = path.display().to_string();
        self.write_keys(
            move |inv| {
                inv.set_private_key_path(key_id, &path.to_string_lossy())?;
                Ok((vec![key_id], format!("Private key saved to {shown}")))
            },
            |app, r| match r {
                Err(e) => app.error(format!("The key was saved, but the inventory could not record where: {e}")),
                Ok(_) => {
                    if let Some(Dialog::PrivateKey(d)) = &mut app.dialog {
                        d.path_recorded = true;
                    }
                }
            },
        );
    }

    fn open_import(&mut self, ctx: Option<&egui::Context>, files: Vec<PathBuf>) {
        if self.dialog.is_none() {
            let mut d = ImportDialog::new();
            if let ScopeSel::Account(a) | ScopeSel::Region(a, _) = &self.model.scope {
                d.account = a.clone();
            }
            if let ScopeSel::Region(_, r) = &self.model.scope {
                d.region = r.clone();
            }
            self.dialog = Some(Dialog::Import(d));
        } else if !matches!(self.dialog, Some(Dialog::Import(_))) {
            // Another dialog is open: files dropped now are not for it.
            return;
        }
        let (Some(Dialog::Import(d)), Some(ctx)) = (&mut self.dialog, ctx) else { return };
        let files = d.start_reading(files);
        if !files.is_empty() {
            self.jobs.spawn(ctx, move || JobResult::ImportRead(read_files(&files)));
        }
    }

    pub(super) fn apply(&mut self, ctx: &egui::Context, c: Command) {
        match c {
            Command::ShowView(v) => {
                if v == View::Settings && self.view != View::Settings {
                    self.settings.refresh();
                    self.agent_run(None);
                    self.load_ssh_config_status();
                    self.run_doctor(ctx);
                }
                if v == View::Report && self.view != View::Report {
                    self.refresh_report();
                }
                self.view = v;
            }
            Command::SelectScope(s) => {
                self.view = View::Keys;
                self.model.scope = s;
                self.model.refilter();
                self.keep_visible_selection();
            }
            Command::Sort(col) => {
                self.model.sort = match self.model.sort {
                    Some((c, asc)) if c == col => Some((col, !asc)),
                    _ => Some((col, true)),
                };
                self.model.refilter();
            }
            Command::SelectKey { id, toggle, range } => self.select(id, toggle, range),
            Command::ClearSelection => {
                self.selected.clear();
                self.anchor = None;
            }
            Command::SelectAll => {
                self.selected = self.model.visible.iter().map(|&i| self.model.rows[i].key.id).collect();
            }
            Command::OpenCreate => {
                let scope = self.model.scope.clone();
                let mut d = CreateDialog::new(&scope);
                d.name = std::mem::take(&mut self.create_prefill);
                self.dialog = Some(Dialog::Create(d));
            }
            Command::OpenImport(files) => self.open_import(Some(ctx), files),
            Command::PickImportFiles => {
                let p = self.platform.clone();
                self.jobs.spawn(ctx, move || {
                    JobResult::ImportPicked(
                        p.open_files("Import public keys", crate::ui::platform::ssh_dir().as_deref()),
                    )
                });
            }
            Command::ParseImportText(text) => {
                if let Some(Dialog::Import(d)) = &mut self.dialog {
                    d.reading += 1;
                }
                self.jobs.spawn(ctx, move || JobResult::ImportRead(vec![read_text(text)]));
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
            Command::CloseDialog => self.close_dialog(ctx),
            Command::CreateKey(req) => self.create_key(ctx, req),
            Command::SavePrivateKey { path: Some(path), overwrite } => self.write_private(Some(ctx), path, overwrite),
            Command::SavePrivateKey { path: None, .. } => {
                let Some(Dialog::PrivateKey(d)) = &mut self.dialog else { return };
                d.saving = true;
                let name = d.suggested_name();
                let p = self.platform.clone();
                self.jobs.spawn(ctx, move || {
                    JobResult::PrivateSavePicked(p.save_file(
                        "Save private key",
                        crate::ui::platform::ssh_dir().as_deref(),
                        &name,
                    ))
                });
            }
            Command::ImportKeys(req) => self.import_keys(req),
            Command::OpenSshImport => {
                self.dialog = Some(Dialog::SshImport(SshImportDialog::new(self.ssh_dir.clone())));
                self.scan_ssh_dir();
            }
            Command::ScanSshDir => self.scan_ssh_dir(),
            Command::AgentAdd { key, lifetime, confirm } => {
                let socket = self.agent_socket.clone();
                let action = crate::ui::remote::remote_run::RemoteAction::AgentAdd { key, lifetime, confirm, socket };
                self.start_remote(ctx, action, false);
            }
            Command::AgentRefresh => self.agent_run(None),
            Command::RunDoctor => self.run_doctor(ctx),
            Command::OpenConvert(id) => {
                if let Some(d) =
                    self.model.row_by_id(id).and_then(|r| crate::ui::keys::convert::ConvertDialog::new(&r.key))
                {
                    self.dialog = Some(Dialog::Convert(d));
                }
            }
            Command::ConvertKey(req) => {
                self.jobs.spawn(ctx, move || JobResult::Converted(crate::ui::keys::convert::convert(&req)));
            }
            Command::Connect { host, copy } => self.connect(host, copy),
            Command::OpenSshConfig => self.open_ssh_config(),
            Command::ApplySshConfig(plan) => {
                // The files as a job, then the inventory remembers it is on.
                self.jobs.spawn(ctx, move || {
                    let r = plan.apply().map_err(|e| e.to_string());
                    JobResult::SshConfigApplied { plan, result: r }
                });
            }
            Command::SshConfigOff => {
                // Which config (the inventory), its files (a job), then off (the inventory).
                let ctx = ctx.clone();
                self.db_run(move |inv| {
                    let configured = crate::local::ssh_config::configured(inv).map_err(|e| e.to_string());
                    Box::new(move |app: &mut KeyshelfApp| match configured {
                        Ok(Some(config)) => app.jobs.spawn(&ctx, move || {
                            JobResult::SshConfigFilesRemoved(
                                crate::local::ssh_config::remove_files(&config).map_err(|e| e.to_string()),
                            )
                        }),
                        Ok(None) => app.on_ssh_config_off(Ok(())),
                        Err(e) => app.on_ssh_config_off(Err(e)),
                    })
                });
            }
            Command::AgentRemove(which) => self.agent_run(Some(which)),
            Command::ImportScanned(req) => self.import_scanned(req),
            Command::EditKey { id, edit } => self.write_keys(
                move |inv| {
                    let k = inv.edit_key(id, &edit)?;
                    Ok((vec![k.id], format!("Saved key pair {}", k.name)))
                },
                |_, _| {},
            ),
            Command::DeleteKeys { ids, how } => self.delete_keys(ids, how),
            Command::Bind { key, hosts } => {
                let names = hosts.clone();
                self.write_all(
                    move |inv| inv.bind(key, &hosts),
                    move |app, r| {
                        if r.is_ok() {
                            app.info(format!("Bound to {}", names.join(", ")));
                        }
                    },
                );
            }
            Command::Unbind { key, hosts } => {
                let names = hosts.clone();
                self.write_all(
                    move |inv| inv.unbind(key, &hosts),
                    move |app, r| {
                        if let Ok(unbound) = r {
                            let kh: Vec<String> = unbound.iter().flat_map(|h| h.known_hosts_names()).collect();
                            app.info(format!("Unbound {}", names.join(", ")));
                            app.dialog = Some(Dialog::Notice(Notice::unbound(&names, kh)));
                        }
                    },
                );
            }
            Command::SaveAccount { old, name, provider, note, cloud } => self.write_all(
                move |inv| {
                    match &old {
                        Some(o) => inv.update_account(o, &name, provider, &note)?,
                        None => inv.add_account(&name, provider, &note)?,
                    };
                    let [profile, region, endpoint] = &cloud;
                    inv.set_account_cloud(&name, Some(profile), Some(region), Some(endpoint))?;
                    Ok(name)
                },
                |app, r| app.after_dialog_write(r.map(|name| format!("Saved account {name}"))),
            ),
            Command::RemoveAccount(name) => {
                let gone = name.clone();
                self.write_all(
                    move |inv| inv.remove_account(&name),
                    move |app, r| {
                        if r.is_ok() {
                            if matches!(&app.model.scope, ScopeSel::Account(Some(a)) | ScopeSel::Region(Some(a), _) if *a == gone)
                            {
                                app.model.scope = ScopeSel::All;
                                app.model.refilter();
                            }
                            app.info(format!("Removed account {gone}"));
                        }
                    },
                );
            }
            Command::SaveHost { old, host } => self.write_all(
                move |inv| {
                    match &old {
                        Some(o) => inv.update_host(o, &host)?,
                        None => inv.add_host(&host)?,
                    };
                    Ok(host.name)
                },
                |app, r| app.after_dialog_write(r.map(|name| format!("Saved host {name}"))),
            ),
            Command::RemoveHost(name) => self.write_all(
                move |inv| inv.remove_host(&name),
                |app, r| {
                    if let Ok(h) = r {
                        app.info(format!("Removed host {}", h.name));
                        app.dialog = Some(Dialog::Notice(Notice::host_removed(&h)));
                    }
                },
            ),
            Command::ResetKey { host, key } => {
                self.start_remote(ctx, crate::ui::remote::remote_run::RemoteAction::ResetKey { host, key }, false)
            }
            Command::OpenDeploy(id) => {
                if let Some(r) = self.model.row_by_id(id) {
                    self.dialog = Some(Dialog::Bind(BindDialog::deploy(&r.key)));
                }
            }
            Command::OpenDeployToHost(host) => {
                if let Some(h) = self.model.hosts.iter().find(|h| h.name == host) {
                    self.dialog = Some(Dialog::ResetKey(ResetKeyDialog::deploy(h.clone())));
                }
            }
            Command::OpenRotate(id) => {
                if let Some(r) = self.model.row_by_id(id) {
                    self.dialog = Some(Dialog::Rotate(crate::ui::remote::remote_view::RotateDialog::new(&r.key)));
                }
            }
            Command::Remote(a) => self.start_remote(ctx, a, false),
            Command::RetryRemote { hosts, accept_new } => {
                if let Some(a) = self.remote.as_ref().map(|r| r.action.only(hosts)) {
                    self.start_remote(ctx, a, accept_new);
                }
            }
            Command::CancelRemote => {
                if let Some(r) = &mut self.remote {
                    r.cancel();
                }
            }
            Command::CloseRemote => {
                if !self.remote.as_ref().is_some_and(|r| r.running()) {
                    self.remote = None;
                }
            }
            Command::CleanKnownHosts(names) => {
                self.close_dialog(ctx);
                self.known_hosts.prefill(names);
                self.known_hosts.request_preview();
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
                    picked: p.save_file("Save public key", crate::ui::platform::ssh_dir().as_deref(), &name),
                });
            }
            Command::ShowKey(id) => self.show_key(id),
            Command::Cloud(c) => self.cloud_command(ctx, c),
            Command::OpenPushToCloud(id) => self.open_push_to_cloud(id),
            Command::ShowHost(name) => self.show_host(name),
            Command::ExportInventory => self.export_inventory(ctx),
            Command::PickInventoryImport => self.pick_inventory_import(ctx),
            Command::PlanInventoryImport => self.plan_inventory_import(),
            Command::ApplyInventoryImport => self.apply_inventory_import(),
        }
    }

    /// After a dialog's write: close it when it worked, show the error in it otherwise.
    fn after_dialog_write(&mut self, r: Result<String, String>) {
        match r {
            Ok(msg) => {
                // The account or host dialog that asked; another dialog (the scan's own
                // "New account") stays open.
                if matches!(self.dialog, Some(Dialog::Account(_) | Dialog::Host(_))) {
                    self.dialog = None;
                }
                self.info(msg);
            }
            Err(e) => match &mut self.dialog {
                Some(Dialog::Account(d)) => d.error = Some(e),
                Some(Dialog::Host(d)) => d.error = Some(e),
                _ => {}
            },
        }
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

    /// Checks the name and quota on the inventory's thread, then generates the key on a
    /// job (RSA takes seconds), then stores it (`on_generated`).
    fn create_key(&mut self, ctx: &egui::Context, req: CreateRequest) {
        if let Some(Dialog::Create(d)) = &mut self.dialog {
            d.generating = true;
        }
        let ctx = ctx.clone();
        self.db_run(move |inv| {
            let checked = inv.check_new_key(&req.name, req.account.as_deref(), &req.region).map_err(|e| e.to_string());
            Box::new(move |app: &mut KeyshelfApp| {
                if let Err(e) = checked {
                    if let Some(Dialog::Create(d)) = &mut app.dialog {
                        d.failed(e);
                    }
                    return;
                }
                let spec = req.spec;
                let comment = req.comment.clone();
                app.jobs.spawn(&ctx, move || JobResult::Generated {
                    result: GeneratedKey::generate(spec, &comment).map(Box::new).map_err(|e| e.to_string()),
                    request: req,
                });
            })
        });
    }

    fn on_ssh_config_off(&mut self, r: Result<(), String>) {
        match r {
            Ok(()) => self.info("Managed ssh config turned off; your config is as it was"),
            Err(e) => self.error(format!("The managed ssh config could not be turned off: {e}")),
        }
        self.load_ssh_config_status();
    }

    fn on_ssh_config_applied(
        &mut self,
        plan: crate::local::ssh_config::Plan,
        result: Result<crate::local::ssh_config::Applied, String>,
    ) {
        let done = move |app: &mut KeyshelfApp, r: Result<crate::local::ssh_config::Applied, String>| {
            match &r {
                Ok(a) => app.info(format!("Managed ssh config written to {}", a.managed_path.display())),
                Err(e) => app.error(format!("The managed ssh config was not written: {e}")),
            }
            if let Some(Dialog::SshConfig(d)) = &mut app.dialog {
                d.applied(r);
            }
            app.load_ssh_config_status();
        };
        match result {
            Err(e) => done(self, Err(e)),
            Ok(applied) => self.db_run(move |inv| {
                let r = crate::local::ssh_config::enable(inv, &plan).map(|()| applied).map_err(|e| e.to_string());
                Box::new(move |app: &mut KeyshelfApp| done(app, r))
            }),
        }
    }

    /// Writes the managed ssh config's new text as a job, one write at a time: a plan
    /// made while one is being written waits and replaces any older waiting one.
    pub(crate) fn write_managed_config(&mut self, plan: crate::local::ssh_config::Plan) {
        if self.managed_writing {
            self.managed_next = Some(plan);
            return;
        }
        let Some(ctx) = self.egui_ctx.clone() else {
            // No window yet to report to: the next change writes it.
            self.db_run(|inv| {
                let _ = crate::local::ssh_config::mark_stale(inv);
                Box::new(|_: &mut KeyshelfApp| {})
            });
            return;
        };
        self.managed_writing = true;
        self.jobs.spawn(&ctx, move || {
            // A panic still answers, so the next write is not held back forever.
            let write = std::panic::AssertUnwindSafe(|| plan.write_managed().map(|_| ()).map_err(|e| e.to_string()));
            let r =
                std::panic::catch_unwind(write).unwrap_or_else(|p| Err(crate::ui::worker::panic_message(p.as_ref())));
            JobResult::ManagedConfigWritten(r)
        });
    }

    /// Checks what works on this machine (`ssh -V` and the other tools, the agent, the
    /// inventory file, the AWS profiles, the launcher entry) in a job: the tools may be
    /// slow to answer.
    pub(crate) fn run_doctor(&mut self, ctx: &egui::Context) {
        if self.settings.doctor_running {
            return;
        }
        self.settings.doctor_running = true;
        let (db, env) = (self.db_path.clone(), self.cloud_env.clone());
        let mut machine = crate::doctor::Machine::current();
        if let Some(socket) = &self.agent_socket {
            machine.auth_sock = Some(socket.clone());
        }
        self.jobs.spawn(ctx, move || JobResult::Doctor(crate::doctor::run_with(db.as_deref(), &machine, &*env)));
    }

    /// Lists the agent's keys, after removing one (`Some(Some(fingerprint))`) or all
    /// (`Some(None)`) first. The inventory's thread finds the key pair to remove; a job
    /// runs `ssh-add` (never the inventory's thread: an agent that hangs must not stall
    /// edits); the inventory's thread then names the keys it holds.
    pub(crate) fn agent_run(&mut self, remove: Option<Option<String>>) {
        use crate::local::agent::Agent;
        use crate::remote::Prompts;
        let Some(ctx) = self.egui_ctx.clone() else { return };
        let agent = match &self.agent_socket {
            Some(s) => Agent::at(s, Prompts::Never),
            None => Agent::new(Prompts::Never),
        };
        self.agent.loading = true;
        self.db_run(move |inv| {
            let target = match &remove {
                Some(Some(fp)) => {
                    let filter = crate::inventory::KeyFilter { search: Some(fp.clone()), ..Default::default() };
                    inv.list_keys(&filter)
                        .map(|v| v.into_iter().find(|k| &k.fingerprint_sha256 == fp))
                        .map_err(|e| e.to_string())
                }
                _ => Ok(None),
            };
            Box::new(move |app: &mut KeyshelfApp| {
                app.jobs.spawn(&ctx, move || {
                    let removed = match (remove, target) {
                        (None, _) => Ok(None),
                        (Some(None), _) => {
                            agent.remove_all().map(|_| Some("Removed every key from the agent".to_string()))
                        }
                        (Some(Some(_)), Ok(Some(k))) => {
                            agent.remove(&k).map(|_| Some(format!("Removed {} from the agent", k.name)))
                        }
                        (Some(Some(_)), Ok(None)) => {
                            Ok(Some("That key is not in the inventory; use ssh-add -d".into()))
                        }
                        (Some(Some(_)), Err(e)) => Ok(Some(e)),
                    }
                    .map_err(|e| e.to_string());
                    JobResult::Agent { removed, listed: agent.identities().map_err(|e| e.to_string()) }
                });
            })
        });
    }

    /// What the agent holds, named by the key pairs holding each key (on the
    /// inventory's thread).
    fn on_agent_listed(
        &mut self,
        removed: Result<Option<String>, String>,
        listed: Result<Vec<crate::local::agent::AgentKey>, String>,
    ) {
        match removed {
            Ok(Some(text)) => self.info(text),
            Ok(None) => {}
            Err(e) => self.error(e),
        }
        self.db_run(move |inv| {
            let named = listed.map(|mut keys| {
                for k in &mut keys {
                    k.key_pairs = inv.key_pair_names_with_fingerprint(&k.fingerprint_sha256).unwrap_or_default();
                }
                keys
            });
            Box::new(move |app: &mut KeyshelfApp| {
                app.agent.loading = false;
                app.agent.keys = Some(named);
            })
        });
    }

    /// Builds the host's ssh command line (on the inventory's thread, which knows its key),
    /// then copies it, or opens a terminal with it on a job.
    fn connect(&mut self, host: String, copy: bool) {
        let Some(ctx) = self.egui_ctx.clone() else { return };
        self.db_run(move |inv| {
            let cmd = crate::remote::SshCommand::from_env().map_err(|e| e.to_string()).and_then(|ssh| {
                crate::local::connect::connect_command(inv, &ssh, &host, &Default::default(), &[])
                    .map_err(|e| e.to_string())
            });
            Box::new(move |app: &mut KeyshelfApp| match cmd {
                Err(e) => app.error(format!("Cannot connect to {host}: {e}")),
                Ok(c) if copy => app.send(Command::Copy { text: c.shell(), what: "ssh command".into() }),
                Ok(c) => app.jobs.spawn(&ctx, move || {
                    let opened = crate::local::connect::open_in_terminal(&c).map_err(|e| e.to_string());
                    let with = c.key_pair.map(|k| format!(" with {k}")).unwrap_or_default();
                    JobResult::Opened { what: format!("ssh to {host}{with}"), result: opened }
                }),
            })
        });
    }

    /// Reads whether the managed ssh config is on, for Settings.
    pub(super) fn load_ssh_config_status(&mut self) {
        self.db_run(move |inv| {
            let r = crate::local::ssh_config::enabled_config(inv).map_err(|e| e.to_string());
            Box::new(move |app: &mut KeyshelfApp| app.ssh_config_status = Some(r))
        });
    }

    /// Opens the managed ssh config preview: for the config it is on for, else the SSH
    /// folder's `config`.
    fn open_ssh_config(&mut self) {
        let default = self.ssh_dir.as_ref().map(|d| d.join("config"));
        self.dialog = Some(Dialog::SshConfig(crate::ui::settings::ssh_config_view::SshConfigDialog::default()));
        self.db_run(move |inv| {
            let on = crate::local::ssh_config::enabled_config(inv).map_err(|e| e.to_string());
            let enabled = matches!(on, Ok(Some(_)));
            let r = on.and_then(|on| {
                let config = on.or(default).ok_or_else(|| "cannot find your home folder".to_string())?;
                crate::local::ssh_config::plan(inv, &config).map_err(|e| e.to_string())
            });
            Box::new(move |app: &mut KeyshelfApp| {
                if let Some(Dialog::SshConfig(d)) = &mut app.dialog {
                    d.planned(enabled, r);
                }
            })
        });
    }

    /// Scans the folder the SSH import dialog names, on the inventory's thread (it also
    /// looks every key up there).
    fn scan_ssh_dir(&mut self) {
        let Some(ctx) = self.egui_ctx.clone() else { return };
        let Some(Dialog::SshImport(d)) = &mut self.dialog else { return };
        let Some(dir) = d.start_scan() else { return };
        // Reading the folder is file work: a job. Which keys the inventory holds is SQL:
        // the inventory's thread, afterwards.
        self.jobs.spawn(&ctx, move || {
            let scan = crate::local::ssh_dir::scan(&dir, &crate::local::ssh_dir::ScanOptions::default())
                .map_err(|e| e.to_string());
            let config = dir.join("config");
            let aliases = if config.exists() {
                crate::local::ssh_config::aliases(&config, None).map(|(a, _)| a).map_err(|e| e.to_string())
            } else {
                Ok(Vec::new())
            };
            JobResult::SshDirScanned(Box::new(crate::ui::keys::ssh_import::Scanned { scan, config, aliases }))
        });
    }

    fn on_ssh_dir_scanned(&mut self, mut scanned: crate::ui::keys::ssh_import::Scanned) {
        self.db_run(move |inv| {
            if let Ok(s) = &mut scanned.scan {
                if let Err(e) = s.look_up(inv) {
                    scanned.scan = Err(e.to_string());
                }
            }
            Box::new(move |app: &mut KeyshelfApp| {
                if let Some(Dialog::SshImport(d)) = &mut app.dialog {
                    d.scanned(scanned);
                }
            })
        });
    }

    /// Imports the ticked keys through the same core call as `keyshelf scan --import`,
    /// then the config's hosts: `ssh -G` resolves their aliases on a job (it can be slow,
    /// and edits must not wait behind it), and the inventory's thread adds them.
    fn import_scanned(&mut self, req: crate::ui::keys::ssh_import::SshImportRequest) {
        let Some(ctx) = self.egui_ctx.clone() else { return };
        let fingerprints: Vec<String> = req.keys.iter().map(|k| k.fingerprint_sha256().to_string()).collect();
        let (keys, account, hosts_from) = (req.keys, req.account, req.hosts_from);
        self.write_all(
            move |inv| crate::local::ssh_dir::import(inv, &keys, account.as_deref()),
            move |app, r| {
                let r = r.map(|o| fingerprints.into_iter().zip(o).collect::<Vec<_>>());
                match hosts_from {
                    Some(config) if r.is_ok() => {
                        if let (Some(Dialog::SshImport(d)), Ok(keys)) = (&mut app.dialog, &r) {
                            d.keys_imported(keys.clone());
                        }
                        app.jobs.spawn(&ctx, move || {
                            let resolved =
                                crate::remote::SshCommand::from_env().map_err(|e| e.to_string()).and_then(|ssh| {
                                    crate::local::ssh_config::resolve_config(&ssh, &config).map_err(|e| e.to_string())
                                });
                            JobResult::ConfigResolved { keys: r, resolved }
                        })
                    }
                    _ => app.ssh_import_done(r, None),
                }
            },
        );
    }

    /// The config's aliases are resolved: the inventory's thread adds them as hosts.
    fn on_config_resolved(
        &mut self,
        keys: Result<Vec<(String, ImportOutcome)>, String>,
        resolved: Result<crate::local::ssh_config::ResolvedConfig, String>,
    ) {
        match resolved {
            Err(e) => self.ssh_import_done(keys, Some(Err(e))),
            Ok(resolved) => self.write_all(
                move |inv| {
                    crate::local::ssh_config::import_resolved(inv, resolved).map_err(|e| match e {
                        crate::local::ssh_config::SshConfigError::Inventory(e) => e,
                        e => crate::inventory::InventoryError::Rule(e.to_string()),
                    })
                },
                move |app, hosts| app.ssh_import_done(keys, Some(hosts)),
            ),
        }
    }

    fn ssh_import_done(
        &mut self,
        r: Result<Vec<(String, ImportOutcome)>, String>,
        hosts: Option<Result<Vec<crate::local::ssh_config::ImportedAlias>, String>>,
    ) {
        if let Ok(o) = &r {
            let new = o.iter().filter(|(_, x)| x.imported_name().is_some()).count();
            let failed = o.iter().filter(|(_, x)| matches!(x, ImportOutcome::Failed { .. })).count();
            let mut text = match (new, failed) {
                (1, 0) => "Imported 1 key pair from the SSH folder".to_string(),
                (n, 0) => format!("Imported {n} key pairs from the SSH folder"),
                (n, f) => format!("Imported {n} key pairs from the SSH folder; {f} failed (see the dialog)"),
            };
            if let Some(Ok(h)) = &hosts {
                let added = h.iter().filter(|x| x.status == crate::local::ssh_config::ImportStatus::Added).count();
                text.push_str(&format!(", and added {added} host{}", if added == 1 { "" } else { "s" }));
            }
            if failed > 0 {
                self.error(text);
            } else {
                self.info(text);
            }
        }
        if let Some(Dialog::SshImport(d)) = &mut self.dialog {
            d.imported(r, hosts);
        }
    }

    /// Imports through the same core call as `keyshelf key import --all`: one
    /// transaction, the same names, quota and report; a failure changes nothing.
    fn import_keys(&mut self, req: ImportRequest) {
        if let Some(Dialog::Import(d)) = &mut self.dialog {
            d.importing = true;
        }
        let scope = Scope { account: req.account.clone(), region: Some(req.region.clone()) };
        let (account, region) = (req.account, req.region);
        let (keys, skipped) = (req.keys, req.skipped);
        self.write_all(
            move |inv| inv.import_bulk(&keys, &scope, None, skipped),
            move |app, r| match r {
                Ok(report) => {
                    let ids: std::collections::BTreeSet<i64> = report
                        .imported
                        .iter()
                        .filter_map(|(_, name)| app.model.id_by_name(account.as_deref(), &region, name))
                        .collect();
                    app.anchor = ids.iter().next_back().copied();
                    app.selected = ids;
                    app.dialog = None;
                    let skipped = match report.skipped.len() {
                        0 => String::new(),
                        n => format!(" ({n} unreadable line(s) skipped)"),
                    };
                    app.info(match report.imported.as_slice() {
                        [(_, one)] => format!("Imported key pair {one}{skipped}"),
                        all => format!("Imported {} key pairs{skipped}", all.len()),
                    });
                }
                Err(e) => {
                    if let Some(Dialog::Import(d)) = &mut app.dialog {
                        d.import_failed(e.clone());
                    }
                    app.error(format!("Nothing was imported: {e}"));
                }
            },
        );
    }

    fn delete_keys(&mut self, ids: Vec<i64>, how: crate::inventory::DeleteHow) {
        self.db_run(move |inv| {
            let r = inv.delete_keys(&ids, how).and_then(|deleted| {
                // All of them or none: the core deletes in one transaction.
                let gone = ids.clone();
                let leftovers: Vec<String> = deleted
                    .iter()
                    .filter_map(|d| d.private_key_path.clone())
                    .filter(|p| Path::new(p).exists())
                    .collect();
                Ok((deleted, leftovers, Changed::read(inv, &[], gone)?))
            });
            Box::new(move |app: &mut KeyshelfApp| match r {
                Ok((deleted, leftovers, changed)) => {
                    let unbound: Vec<String> = deleted.iter().flat_map(|d| d.unbound_hosts.clone()).collect();
                    let kh_names: Vec<String> = app
                        .model
                        .hosts
                        .iter()
                        .filter(|h| unbound.contains(&h.name))
                        .flat_map(|h| h.known_hosts_names())
                        .collect();
                    app.apply_changed(changed);
                    let names: Vec<String> = deleted.iter().map(|d| d.name.clone()).collect();
                    app.info(format!("Deleted {}", names.join(", ")));
                    app.dialog = if leftovers.is_empty() && kh_names.is_empty() {
                        None
                    } else {
                        Some(Dialog::Notice(Notice::deleted(&names, leftovers, kh_names)))
                    };
                }
                Err(e) => {
                    let in_cloud = matches!(e, crate::inventory::InventoryError::KeyInCloud { .. });
                    let e = e.to_string();
                    if let Some(Dialog::Delete(d)) = &mut app.dialog {
                        d.error = Some(e.clone());
                        d.in_cloud |= in_cloud;
                    }
                    app.error(e);
                }
            })
        });
    }

    /// Reads the details panel's extras (other accounts with the same key, the key
    /// pair's activity, the private key file's state) on the inventory's thread.
    pub(super) fn load_details(&mut self, key: KeyPair) {
        self.details.loading(&key);
        self.db_run(move |inv| {
            let extras = crate::ui::keys::details::Extras::read(inv, &key);
            Box::new(move |app: &mut KeyshelfApp| app.details.loaded(&key, extras))
        });
    }

    pub(super) fn load_activity(&mut self, filter: String) {
        let generation = self.generation;
        self.db_run(move |inv| {
            let rows = inv.activity(5000, Some(filter.trim())).map_err(|e| e.to_string());
            Box::new(move |app: &mut KeyshelfApp| app.activity.loaded(filter, generation, rows)) as Apply
        });
    }
}
