//! How the app starts work on servers and takes its results: one run at a time, its plan
//! read and each host's result written on the inventory's thread (the run's own thread
//! only talks to servers), the inventory reloaded when it ends, and the known_hosts
//! cleanup offered after a reset.

use std::sync::Arc;

use crate::remote;
use crate::ui::app::KeyshelfApp;
use crate::ui::dialogs::{Dialog, Notice};
use crate::ui::remote::remote_run::{RemoteAction, RemoteRun};
use crate::ui::remote::remote_view::hosts as n;

impl KeyshelfApp {
    fn remote_title(&self, a: &RemoteAction) -> String {
        let key = |id: &i64| self.model.row_by_id(*id).map(|r| r.key.name.clone()).unwrap_or_else(|| format!("#{id}"));
        match a {
            RemoteAction::Deploy { key: k, hosts } => format!("Deploy {} to {}", key(k), n(hosts.len())),
            RemoteAction::Undeploy { key: k, hosts, .. } => format!("Remove {} from {}", key(k), n(hosts.len())),
            RemoteAction::Check { hosts } => format!("Check login on {}", n(hosts.len())),
            RemoteAction::Audit { host, .. } => format!("Audit {host}"),
            RemoteAction::ResetKey { host, key: k } => format!("Reset the key of {host} to {}", key(k)),
            RemoteAction::Rotate { old, new, hosts, .. } => {
                format!("Rotate {} to {} on {}", key(old), key(new), n(hosts.len()))
            }
            RemoteAction::AgentAdd { key: k, lifetime, .. } => match lifetime {
                Some(s) => {
                    format!("Add {} to the agent for {}", key(k), crate::ui::settings::agent_view::spoken_seconds(*s))
                }
                None => format!("Add {} to the agent", key(k)),
            },
        }
    }

    pub(crate) fn start_remote(&mut self, ctx: &egui::Context, action: RemoteAction, accept_new: bool) {
        if self.remote.as_ref().is_some_and(|r| r.running()) {
            self.error("Work on servers is already running: wait for it to finish, or cancel it");
            return;
        }
        if !self.is_loaded() {
            self.error("The inventory is not open");
            return;
        }
        if action.hosts().is_empty() {
            self.error("Choose at least one host");
            return;
        }
        let title = self.remote_title(&action);
        self.close_dialog(ctx);
        let askpass = self.askpass_program.clone();
        let run = RemoteRun::start(ctx, action.clone(), title, accept_new, askpass);
        let id = run.id;
        self.remote = Some(run);
        self.db_run(move |inv| {
            let planned = action.plan(inv);
            Box::new(move |app: &mut KeyshelfApp| {
                if let Some(run) = app.remote.as_mut().filter(|r| r.id == id) {
                    run.begin(planned);
                }
            })
        });
    }

    /// Takes progress; hands each host's result to the inventory as it lands; when a
    /// run ends, reloads the inventory and says how it went.
    pub(crate) fn poll_remote(&mut self) {
        let Some(run) = &mut self.remote else { return };
        run.poll();
        let id = run.id;
        let records = run.take_records();
        let fetched = run.take_fetched();
        let plan = run.plan.clone();
        let audited = match &run.action {
            RemoteAction::Audit { host, import } => Some((host.clone(), *import)),
            _ => None,
        };
        if let Some(plan) = plan.as_ref().filter(|_| !records.is_empty()) {
            for (i, result) in records {
                let plan = Arc::clone(plan);
                self.db_run(move |inv| {
                    let o = remote::record(inv, &plan, i, result);
                    Box::new(move |app: &mut KeyshelfApp| {
                        if let Some(run) = app.remote.as_mut().filter(|r| r.id == id) {
                            run.set_outcome(o);
                        }
                    })
                });
            }
        }
        if let (Some(file), Some((host, import))) = (fetched, audited) {
            self.db_run(move |inv| {
                let r = remote::audit::name_entries(inv, &file).and_then(|mut a| {
                    let imported = if import { remote::audit::import_unknown(inv, &mut a, &host)? } else { Vec::new() };
                    Ok((a, imported))
                });
                Box::new(move |app: &mut KeyshelfApp| {
                    if let Some(run) = app.remote.as_mut().filter(|r| r.id == id) {
                        run.audited(r);
                    }
                })
            });
        }
        let Some(run) = &mut self.remote else { return };
        if !run.finished || run.reported {
            return;
        }
        run.reported = true;
        let title = run.title.clone();
        let error = run.error.clone();
        let outcomes = run.outcomes();
        let failed_then = outcomes.iter().filter(|o| !o.ok).count();
        let reset = match &run.action {
            RemoteAction::ResetKey { host, .. } => Some(host.clone()),
            _ => None,
        };
        if matches!(run.action, RemoteAction::AgentAdd { .. }) {
            // Nothing in the inventory changed; what the agent holds did.
            let failed = if failed_then == 0 { None } else { Some(format!("{title}: it failed")) };
            if let Some(e) = error.or(failed) {
                self.error(e);
            } else {
                self.info(format!("{title}: done"));
            }
            self.agent_run(None);
            return;
        }
        self.write_all(
            move |inv| {
                // The hosts' results are in (written before this, in order); what is
                // left is the run's own end (a rotation deleting the old key pair).
                let finished = match plan.as_deref().filter(|_| error.is_none()) {
                    Some(p) => remote::finish(inv, p, &outcomes).err(),
                    None => None,
                };
                Ok((error, finished))
            },
            move |app, r| {
                let Ok((error, finished)) = r else { return };
                // The inventory may have amended outcomes since the run ended.
                let failed = app.remote.as_ref().filter(|r| r.id == id).map_or(failed_then, |r| r.counts().1);
                match (&error, failed) {
                    (Some(e), _) => app.error(format!("{title}: {e}")),
                    (None, 0) => app.info(format!("{title}: done")),
                    (None, f) => app.error(format!("{title}: {} failed", n(f))),
                }
                if let Some(e) = finished {
                    app.error(format!("{title}: {e}"));
                }
                if let Some(h) = reset.filter(|_| failed == 0 && error.is_none()) {
                    let names = app.model.hosts.iter().find(|x| x.name == h).map(|x| x.known_hosts_names());
                    app.dialog = Some(Dialog::Notice(Notice::reset(&h, names.unwrap_or_default())));
                }
            },
        );
    }
}
