//! How the app applies `Command`s and background results through the core, then
//! refreshes its model. Kept apart from `app.rs`, which owns state and layout.

use super::app::{Command, JobResult, KeyshelfApp, View};
use super::create::{CreateDialog, CreateRequest, PrivateKeyDialog};
use super::dialogs::{AccountDialog, BindDialog, Confirm, DeleteDialog, Dialog, HostDialog, Notice, ResetKeyDialog};
use super::import::{ImportDialog, ImportItem};
use super::model::ScopeSel;
use super::platform::Picked;
use crate::inventory::{Inventory, NewKeyPair, Origin};
use crate::keys::GeneratedKey;

impl KeyshelfApp {
    pub(super) fn record_private_path(&mut self, id: i64, path: &std::path::Path) {
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

    pub(super) fn on_job(&mut self, ctx: &egui::Context, r: JobResult) {
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
                self.dialog =
                    Some(Dialog::PrivateKey(PrivateKeyDialog::new(k.id, &k.name, *key, self.private_key_lifetime)));
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
        // The native dialog has asked before replacing a file.
        match crate::secure_file::write_public(path, text.as_bytes(), true) {
            Ok(()) => self.info(format!("Saved the public key to {}", path.display())),
            Err(e) => self.error(e.to_string()),
        }
    }

    pub(super) fn apply(&mut self, ctx: &egui::Context, c: Command) {
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
