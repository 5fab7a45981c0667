//! How the app starts work on servers and takes its results: one run at a time, the
//! inventory reloaded when it ends (the run wrote through its own connection), and the
//! known_hosts cleanup offered after a reset, as before it was real.

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
        let Some(db) = self.db_path.clone() else {
            self.error("There is no inventory file to work with");
            return;
        };
        if action.hosts().is_empty() {
            self.error("Choose at least one host");
            return;
        }
        let title = self.remote_title(&action);
        self.close_dialog(ctx);
        let askpass = self.askpass_program.clone();
        self.remote = Some(RemoteRun::start(ctx, db, action, title, accept_new, askpass));
    }

    /// Takes progress; when a run ends, reloads the inventory and says how it went.
    pub(crate) fn poll_remote(&mut self) {
        let Some(run) = &mut self.remote else { return };
        if !run.poll() {
            return;
        }
        let (_, failed) = run.counts();
        let title = run.title.clone();
        let error = run.error.clone();
        let reset_host = match &run.action {
            RemoteAction::ResetKey { host, .. } if failed == 0 && error.is_none() => Some(host.clone()),
            _ => None,
        };
        if matches!(run.action, RemoteAction::AgentAdd { .. }) {
            // Nothing in the inventory changed; what the agent holds did.
            let failed = if failed == 0 { None } else { Some(format!("{title}: it failed")) };
            if let Some(e) = error.or(failed) {
                self.error(e);
            } else {
                self.info(format!("{title}: done"));
            }
            self.agent_run(None);
            return;
        }
        self.write_all(
            |_| Ok(()),
            move |app, _| {
                match (&error, failed) {
                    (Some(e), _) => app.error(format!("{title}: {e}")),
                    (None, 0) => app.info(format!("{title}: done")),
                    (None, f) => app.error(format!("{title}: {} failed", n(f))),
                }
                if let Some(h) = reset_host {
                    let names = app.model.hosts.iter().find(|x| x.name == h).map(|x| x.known_hosts_names());
                    app.dialog = Some(Dialog::Notice(Notice::reset(&h, names.unwrap_or_default())));
                }
            },
        );
    }
}
