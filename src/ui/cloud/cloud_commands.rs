//! The app's side of cloud work: starts runs on their own thread (never on the UI or
//! the inventory thread), and hands what they learnt to the inventory thread, which
//! only runs SQL.

use crate::cloud::drift::compare;
use crate::cloud::ops::Outcome;
use crate::inventory::{CloudSeen, KeyPair};
use crate::ui::app::{KeyshelfApp, View};
use crate::ui::cloud::cloud_view::{CloudAction, CloudCommand, CloudRun, PushForm, Regions};

/// What a read (and pull) of regions gives the page: the drift rows, key pairs added,
/// linked, and the conflicts in words.
type ReadResult = (Vec<crate::cloud::drift::DriftRow>, usize, usize, Vec<String>);

impl KeyshelfApp {
    pub(crate) fn cloud_command(&mut self, ctx: &egui::Context, c: CloudCommand) {
        match c {
            CloudCommand::Open(account) => {
                self.cloud.open(&account);
                self.view = View::Cloud;
                // A page first opened compares its default region at once (a read changes
                // nothing); afterwards the table stays as last read until asked again.
                if self.cloud.read_at.is_none() && self.cloud.run.is_none() {
                    self.start_cloud_run(ctx, CloudAction::Read { pull: false }, Regions::Default);
                }
            }
            CloudCommand::Run { action, regions } => self.start_cloud_run(ctx, action, regions),
            CloudCommand::Push { key_id, regions, replace, cloud_name } => {
                self.with_cloud_names(ctx, key_id, cloud_name, move |app, ctx, key, name, names| {
                    // A name this cloud does not take: the push dialog asks for one it takes.
                    let provider = app.cloud_account().map(|a| a.provider);
                    if provider.is_some_and(|p| crate::cloud::names::problem(p, &name).is_some()) {
                        app.open_push_to_cloud(key.id);
                        return;
                    }
                    let action = CloudAction::Push { key: Box::new(key), name, names, replace };
                    app.start_cloud_run(ctx, action, regions)
                })
            }
            CloudCommand::Delete { key_id, regions, cloud_name } => {
                self.with_cloud_names(ctx, key_id, None, move |app, ctx, key, name, mut names| {
                    // A row of the table names the cloud's key pair itself (a duplicate).
                    if let (Some(n), Regions::These(rs)) = (cloud_name, &regions) {
                        names = rs.iter().map(|r| (r.clone(), n.clone())).collect();
                    }
                    app.start_cloud_run(ctx, CloudAction::Delete { key: Box::new(key), name, names }, regions)
                })
            }
            CloudCommand::Cancel => {
                if let Some(run) = &mut self.cloud.run {
                    run.cancel();
                }
            }
        }
    }

    pub(crate) fn open_push_to_cloud(&mut self, key_id: i64) {
        let Some(row) = self.model.row_by_id(key_id) else { return };
        let account =
            self.cloud.account.clone().filter(|a| self.model.accounts.iter().any(|x| &x.name == a)).or_else(|| {
                row.key
                    .account
                    .clone()
                    .filter(|a| self.model.accounts.iter().any(|x| &x.name == a && x.provider.has_cloud_sync()))
            });
        let key_name = row.key.name.clone();
        // The names chosen before in accounts' clouds, read on the inventory's thread.
        self.db_run(move |inv| {
            let remembered = inv.cloud_names_of_key(key_id);
            Box::new(move |app: &mut KeyshelfApp| match remembered {
                Ok(remembered) => {
                    app.push_form = Some(PushForm {
                        key_id,
                        key_name,
                        account,
                        all_regions: false,
                        regions: String::new(),
                        replace: false,
                        remembered,
                        cloud_name: String::new(),
                        name_for: None,
                    })
                }
                Err(e) => app.error(e.to_string()),
            })
        });
    }

    /// Reads, on the inventory's thread, a key pair, the name it goes by in the open
    /// account's cloud (`chosen` first becomes that name) and what it was seen as per
    /// region there; then `then` runs with them.
    fn with_cloud_names(
        &mut self,
        ctx: &egui::Context,
        key_id: i64,
        chosen: Option<String>,
        then: impl FnOnce(&mut KeyshelfApp, &egui::Context, KeyPair, String, Vec<(String, String)>) + Send + 'static,
    ) {
        let Some(account) = self.cloud.account.clone() else { return };
        let ctx = ctx.clone();
        self.db_run(move |inv| {
            let r = inv.key(key_id).and_then(|k| {
                if let Some(n) = &chosen {
                    inv.set_cloud_name(&account, key_id, Some(n))?;
                }
                let name = inv.cloud_name(&account, key_id)?.unwrap_or_else(|| k.name.clone());
                let names = inv
                    .cloud_links_of_key(key_id)?
                    .into_iter()
                    .filter(|l| l.account == account)
                    .map(|l| (l.region, l.name))
                    .collect();
                Ok((k, name, names))
            });
            Box::new(move |app: &mut KeyshelfApp| match r {
                Ok((k, name, names)) => then(app, &ctx, k, name, names),
                Err(e) => app.error(e.to_string()),
            })
        });
    }

    /// The account whose cloud page is open.
    fn cloud_account(&self) -> Option<&crate::inventory::Account> {
        self.cloud.account.as_ref().and_then(|a| self.model.accounts.iter().find(|x| &x.name == a))
    }

    fn start_cloud_run(&mut self, ctx: &egui::Context, action: CloudAction, regions: Regions) {
        if self.cloud.busy() {
            self.error("A cloud run is still going: wait for it or cancel it first");
            return;
        }
        let Some(account) = self.cloud.account.as_ref().and_then(|a| self.model.accounts.iter().find(|x| &x.name == a))
        else {
            self.error("Choose an account first");
            return;
        };
        self.cloud.run = Some(CloudRun::start(ctx, account.clone(), action, regions, self.cloud_env.clone()));
    }

    /// Applies a run that just finished.
    pub(crate) fn poll_cloud(&mut self) {
        let Some(run) = &mut self.cloud.run else { return };
        if !run.poll() || run.recorded {
            return;
        }
        run.recorded = true;
        let account = run.account.clone();
        if let Some(e) = &run.error {
            let e = e.clone();
            if matches!(run.action, CloudAction::Check) {
                self.cloud.checked = Some(Err(e));
            } else {
                self.error(e);
            }
            return;
        }
        match run.action.clone() {
            CloudAction::Check => {
                self.cloud.checked = run.checked.take().map(Ok);
                if let Some(Ok((who, regions))) = &self.cloud.checked {
                    let provider = self
                        .model
                        .accounts
                        .iter()
                        .find(|a| a.name == account)
                        .map_or("cloud", |a| a.provider.display_name());
                    let msg = format!(
                        "{account}: connected to {provider} account {} ({} regions)",
                        who.account_id,
                        regions.len()
                    );
                    self.info(msg);
                }
            }
            CloudAction::Read { pull } => {
                let listings = run.listings();
                let failed = run.failures();
                let cancelled = run.cancelled;
                let task = move |inv: &mut crate::inventory::Inventory| -> crate::inventory::Result<ReadResult> {
                    let mut added = 0;
                    let mut linked = 0;
                    let mut conflicts: Vec<String> = Vec::new();
                    if pull {
                        for (region, keys) in &listings {
                            let seen: Vec<CloudSeen> = keys.iter().map(CloudSeen::from).collect();
                            let r = inv.pull_cloud_region(&account, region, &seen)?;
                            added += r.added.len();
                            linked += r.linked.len();
                            conflicts.extend(r.conflicts.into_iter().map(|(r, n, why)| format!("{r} / {n}: {why}")));
                        }
                    }
                    let mut rows = Vec::new();
                    for (region, keys) in &listings {
                        let local = crate::cloud::local_keys(inv, &account, region, keys)?;
                        rows.extend(compare(region, &local, keys));
                    }
                    Ok((rows, added, linked, conflicts))
                };
                let done = move |app: &mut KeyshelfApp, r: Result<ReadResult, String>| match r {
                    Ok((rows, added, linked, conflicts)) => {
                        app.cloud.rows = rows;
                        app.cloud.read_at = Some(crate::inventory::now());
                        app.cloud.failed = failed;
                        let mut msg = if pull {
                            format!(
                                "Pulled: {added} key pair(s) added, {linked} linked, {} conflict(s)",
                                conflicts.len()
                            )
                        } else {
                            "Compared with the cloud".to_string()
                        };
                        if cancelled {
                            msg.push_str(" (cancelled: some regions were not read)");
                        }
                        app.info(msg);
                    }
                    Err(e) => app.error(e),
                };
                if pull {
                    self.write_all(task, done);
                } else {
                    self.db_run(move |inv| {
                        let r = task(inv).map_err(|e| e.to_string());
                        Box::new(move |app: &mut KeyshelfApp| done(app, r))
                    });
                }
            }
            CloudAction::Push { key, .. } | CloudAction::Delete { key, .. } => {
                let outcomes = run.outcomes();
                let ok = outcomes.iter().filter(|o| o.outcome.ok()).count();
                let total = outcomes.len();
                let key_id = key.id;
                self.write_all(
                    move |inv| {
                        for o in &outcomes {
                            match (o.outcome, &o.cloud_key) {
                                (Outcome::Imported | Outcome::Present | Outcome::Replaced, Some(c)) => inv
                                    .record_cloud_key(
                                        &account,
                                        &o.region,
                                        &c.name,
                                        Some(&CloudSeen::from(c)),
                                        Some(key_id),
                                        "push to cloud",
                                    )?,
                                (Outcome::Deleted | Outcome::NotPresent, _) => {
                                    let name = inv
                                        .cloud_links_of_key(key_id)?
                                        .into_iter()
                                        .find(|l| l.account == account && l.region == o.region)
                                        .map(|l| l.name);
                                    if let Some(n) = name {
                                        inv.record_cloud_key(&account, &o.region, &n, None, None, "delete from cloud")?;
                                    }
                                }
                                _ => {}
                            }
                        }
                        Ok(())
                    },
                    move |app, r| {
                        if r.is_ok() {
                            let text = format!("{ok} of {total} region(s) done");
                            if ok == total {
                                app.info(text);
                            } else {
                                app.error(format!("{text}; see the failed regions on the account's page"));
                            }
                        }
                    },
                );
            }
        }
    }
}
