//! An account's page: where its cloud is reached (provider, profile, default region),
//! **Check connection**, the drift table by region with its actions (pull, push,
//! replace, delete from the cloud), and the run in progress with per-region progress
//! and Cancel. Cloud calls run on a thread of their own; what they learnt goes to the
//! inventory through the app (`command_handling.rs`), like every other change.

use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use crate::cloud::drift::{DriftRow, DriftState};
use crate::cloud::env::Env;
use crate::cloud::ops::{self, KeyToSync, Outcome, RegionOutcome};
use crate::cloud::{self, Cancel, CloudKey, Identity};
use crate::inventory::{Account, KeyPair};
use crate::ui::command::Command;
use crate::ui::widgets::error_text;

/// What to do in which regions.
#[derive(Debug, Clone)]
pub enum CloudAction {
    Check,
    /// Read the regions for the drift table (and pull them into the inventory with `pull`).
    Read {
        pull: bool,
    },
    /// `name`: what the key pair goes by in this account's cloud (its own name, or the
    /// one chosen there); `names`: what it was seen as per region.
    Push {
        key: Box<KeyPair>,
        name: String,
        names: Vec<(String, String)>,
        replace: bool,
    },
    Delete {
        key: Box<KeyPair>,
        name: String,
        names: Vec<(String, String)>,
    },
}

impl CloudAction {
    fn title(&self) -> String {
        match self {
            CloudAction::Check => "Checking the connection".into(),
            CloudAction::Read { pull: false } => "Reading key pairs".into(),
            CloudAction::Read { pull: true } => "Pulling key pairs".into(),
            CloudAction::Push { key, .. } => format!("Pushing {}", key.name),
            CloudAction::Delete { key, .. } => format!("Deleting {} from the cloud", key.name),
        }
    }
}

/// Which regions a run covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regions {
    Default,
    All,
    These(Vec<String>),
}

/// How one region of a run stands.
#[derive(Debug, Clone)]
pub enum RegionState {
    Waiting,
    Listed(Result<Vec<CloudKey>, String>),
    Done(Box<RegionOutcome>),
}

enum Msg {
    Regions(Vec<String>),
    Region(String, RegionState),
    Checked(Box<Identity>, Vec<String>),
    Failed(String),
    Finished,
}

/// A run in progress or just finished.
pub struct CloudRun {
    pub account: String,
    pub action: CloudAction,
    pub rows: Vec<(String, RegionState)>,
    pub error: Option<String>,
    pub finished: bool,
    pub cancelled: bool,
    /// Set once the app has handed the results to the inventory.
    pub recorded: bool,
    pub checked: Option<Checked>,
    cancel: Cancel,
    rx: Receiver<Msg>,
}

impl CloudRun {
    /// Starts the run on its own thread.
    pub fn start(
        ctx: &egui::Context,
        account: Account,
        action: CloudAction,
        regions: Regions,
        env: Arc<dyn Env + Send + Sync>,
    ) -> CloudRun {
        let (tx, rx) = channel();
        let cancel = Cancel::default();
        let run = CloudRun {
            account: account.name.clone(),
            action: action.clone(),
            rows: Vec::new(),
            error: None,
            finished: false,
            cancelled: false,
            recorded: false,
            checked: None,
            cancel: cancel.clone(),
            rx,
        };
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let send = |m: Msg| {
                let _ = tx.send(m);
                ctx.request_repaint();
            };
            let work = std::panic::AssertUnwindSafe(|| work(&account, &action, &regions, env.as_ref(), &cancel, &send));
            if let Err(e) =
                std::panic::catch_unwind(work).unwrap_or_else(|p| Err(crate::ui::worker::panic_message(p.as_ref())))
            {
                send(Msg::Failed(e));
            }
            send(Msg::Finished);
        });
        run
    }

    /// Takes what arrived; true when the run has just finished.
    pub fn poll(&mut self) -> bool {
        let was = self.finished;
        for m in self.rx.try_iter() {
            match m {
                Msg::Regions(rs) => self.rows = rs.into_iter().map(|r| (r, RegionState::Waiting)).collect(),
                Msg::Region(r, s) => match self.rows.iter_mut().find(|(x, _)| *x == r) {
                    Some(row) => row.1 = s,
                    None => self.rows.push((r, s)),
                },
                Msg::Checked(who, regions) => self.checked = Some((who, regions)),
                Msg::Failed(e) => self.error = Some(e),
                Msg::Finished => self.finished = true,
            }
        }
        self.finished && !was
    }

    pub fn cancel(&mut self) {
        self.cancel.cancel();
        self.cancelled = true;
    }

    /// Regions done so far, of all.
    pub fn progress(&self) -> (usize, usize) {
        let done = self.rows.iter().filter(|(_, s)| !matches!(s, RegionState::Waiting)).count();
        (done, self.rows.len())
    }

    /// The listings that came back, by region (a failed region is left out).
    pub fn listings(&self) -> Vec<(String, Vec<CloudKey>)> {
        self.rows
            .iter()
            .filter_map(|(r, s)| match s {
                RegionState::Listed(Ok(keys)) => Some((r.clone(), keys.clone())),
                _ => None,
            })
            .collect()
    }

    /// Per-region results of a push or delete.
    pub fn outcomes(&self) -> Vec<RegionOutcome> {
        self.rows
            .iter()
            .filter_map(|(_, s)| match s {
                RegionState::Done(o) => Some((**o).clone()),
                _ => None,
            })
            .collect()
    }

    /// Regions that failed, with why.
    pub fn failures(&self) -> Vec<(String, String)> {
        self.rows
            .iter()
            .filter_map(|(r, s)| match s {
                RegionState::Listed(Err(e)) => Some((r.clone(), e.clone())),
                RegionState::Done(o) if o.outcome == Outcome::Failed => Some((r.clone(), o.message.clone())),
                _ => None,
            })
            .collect()
    }
}

fn work(
    account: &Account,
    action: &CloudAction,
    regions: &Regions,
    env: &dyn Env,
    cancel: &Cancel,
    send: &(dyn Fn(Msg) + Sync),
) -> Result<(), String> {
    let api = cloud::connect(account, None, env, cloud::http::Http::default()).map_err(|e| e.to_string())?;
    if let CloudAction::Check = action {
        let who = api.identity(cancel).map_err(|e| e.to_string())?;
        let regions = api.regions(cancel).map_err(|e| e.to_string())?;
        send(Msg::Checked(Box::new(who), regions));
        return Ok(());
    }
    let (named, all) = match regions {
        Regions::Default => (Vec::new(), false),
        Regions::All => (Vec::new(), true),
        Regions::These(v) => (v.clone(), false),
    };
    let regions = cloud::target_regions(api.as_ref(), &named, all, cancel).map_err(|e| e.to_string())?;
    send(Msg::Regions(regions.clone()));
    let api = api.as_ref();
    match action {
        CloudAction::Check => {}
        CloudAction::Read { .. } => {
            ops::per_region(&regions, |r| api.list(r, cancel).map_err(|e| e.to_string()), &|r,
                                                                                            got: &Result<
                Vec<CloudKey>,
                String,
            >| {
                send(Msg::Region(r.to_string(), RegionState::Listed(got.clone())))
            });
        }
        CloudAction::Push { key, name, names, replace } => {
            let base = cloud::key_to_sync(key, name);
            ops::check_importable(api, &base).map_err(|e| e.to_string())?;
            ops::per_region(
                &regions,
                |r| {
                    let k: KeyToSync = cloud::key_to_sync(key, cloud::name_in_region(names, r, name));
                    ops::push_region(api, r, &k, *replace, cancel)
                },
                &|r, o: &RegionOutcome| send(Msg::Region(r.to_string(), RegionState::Done(Box::new(o.clone())))),
            );
        }
        CloudAction::Delete { key, name, names } => {
            ops::per_region(
                &regions,
                |r| ops::delete_region(api, r, &cloud::key_to_sync(key, cloud::name_in_region(names, r, name)), cancel),
                &|r, o: &RegionOutcome| send(Msg::Region(r.to_string(), RegionState::Done(Box::new(o.clone())))),
            );
        }
    }
    Ok(())
}

/// Who the credentials are, and the account's regions.
pub type Checked = (Box<Identity>, Vec<String>);

/// The page's state.
#[derive(Default)]
pub struct CloudState {
    pub account: Option<String>,
    pub regions: Option<Regions>,
    /// The last connection check: who, and the regions.
    pub checked: Option<Result<Checked, String>>,
    /// The drift table (computed by the app once a read lands).
    pub rows: Vec<DriftRow>,
    /// When the table was read (Unix seconds), and the regions that failed then.
    pub read_at: Option<i64>,
    pub failed: Vec<(String, String)>,
    pub only_drift: bool,
    pub run: Option<CloudRun>,
}

impl CloudState {
    /// Shows another account: what was read of the previous one is dropped.
    pub fn open(&mut self, account: &str) {
        if self.account.as_deref() != Some(account) {
            *self = CloudState { account: Some(account.to_string()), ..CloudState::default() };
        }
    }

    pub fn busy(&self) -> bool {
        self.run.as_ref().is_some_and(|r| !r.finished)
    }
}

fn state_text(s: DriftState) -> &'static str {
    match s {
        DriftState::InSync => "In sync",
        DriftState::OnlyCloud => "Only in the cloud",
        DriftState::OnlyLocal => "Only in Keyshelf",
        DriftState::NameConflict => "Name holds another key",
        DriftState::Duplicate => "Same key under several names",
    }
}

fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Imported => "imported",
        Outcome::Present => "already there",
        Outcome::Replaced => "replaced",
        Outcome::Conflict => "name holds another key",
        Outcome::Deleted => "deleted",
        Outcome::NotPresent => "not there",
        Outcome::Failed => "failed",
    }
}

/// Draws the page of `account`.
pub fn show(ui: &mut Ui, state: &mut CloudState, account: &Account, keys: &[KeyPair], cmds: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading(&account.name);
        ui.label(RichText::new(account.provider.display_name()).weak());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Edit account…").clicked() {
                cmds.push(Command::OpenAccount(Some(account.name.clone())));
            }
        });
    });
    egui::Grid::new("cloud-account").num_columns(2).spacing([16.0, 4.0]).show(ui, |ui| {
        ui.label(RichText::new("Credentials").weak());
        ui.label(match &account.profile {
            Some(p) => format!("profile '{p}'"),
            None => "the default ones (environment, else profile 'default')".into(),
        });
        ui.end_row();
        ui.label(RichText::new("Default region").weak());
        ui.label(if account.region.is_empty() { "the profile's" } else { account.region.as_str() });
        ui.end_row();
        if let Some(e) = &account.endpoint {
            ui.label(RichText::new("Endpoint").weak());
            ui.label(e);
            ui.end_row();
        }
    });
    ui.add_space(4.0);
    let busy = state.busy();
    ui.horizontal(|ui| {
        if ui.add_enabled(!busy, egui::Button::new("Check connection")).clicked() {
            cmds.push(Command::Cloud(CloudCommand::Run { action: CloudAction::Check, regions: Regions::Default }));
        }
        match &state.checked {
            Some(Ok((who, regions))) => {
                ui.label(format!(
                    "Connected: account {}{} · {} regions",
                    who.account_id,
                    who.arn.as_deref().map(|a| format!(" as {a}")).unwrap_or_default(),
                    regions.len()
                ));
            }
            Some(Err(e)) => error_text(ui, e),
            None => {}
        }
    });
    ui.separator();
    let mut regions = state.regions.clone().unwrap_or(Regions::Default);
    ui.horizontal(|ui| {
        ui.label("Regions:");
        let default = if account.region.is_empty() { "Default region".to_string() } else { account.region.clone() };
        ui.radio_value(&mut regions, Regions::Default, default);
        ui.radio_value(&mut regions, Regions::All, "All regions");
        ui.add_space(12.0);
        if ui
            .add_enabled(!busy, egui::Button::new("Read key pairs"))
            .on_hover_text("Compare the cloud with Keyshelf; changes nothing")
            .clicked()
        {
            cmds.push(Command::Cloud(CloudCommand::Run {
                action: CloudAction::Read { pull: false },
                regions: regions.clone(),
            }));
        }
        if ui
            .add_enabled(!busy, egui::Button::new("Pull all"))
            .on_hover_text("Add the cloud's key pairs Keyshelf does not hold; nothing is overwritten")
            .clicked()
        {
            cmds.push(Command::Cloud(CloudCommand::Run {
                action: CloudAction::Read { pull: true },
                regions: regions.clone(),
            }));
        }
        ui.checkbox(&mut state.only_drift, "Only differences");
    });
    state.regions = Some(regions);
    if let Some(run) = &state.run {
        run_panel(ui, run, cmds);
    }
    for (region, why) in &state.failed {
        error_text(ui, &format!("{region}: {why}"));
    }
    ui.add_space(4.0);
    drift_table(ui, state, keys, cmds);
}

fn run_panel(ui: &mut Ui, run: &CloudRun, cmds: &mut Vec<Command>) {
    let (done, total) = run.progress();
    ui.horizontal(|ui| {
        if run.finished {
            ui.label(RichText::new(format!("{}: finished", run.action.title())).strong());
        } else {
            ui.spinner();
            ui.label(format!("{}… {done} of {total} regions", run.action.title()));
            if ui.button("Cancel").clicked() {
                cmds.push(Command::Cloud(CloudCommand::Cancel));
            }
        }
    });
    if let Some(e) = &run.error {
        error_text(ui, e);
    }
    if matches!(run.action, CloudAction::Push { .. } | CloudAction::Delete { .. }) && !run.rows.is_empty() {
        egui::Grid::new("cloud-run").num_columns(3).striped(true).show(ui, |ui| {
            for (region, s) in &run.rows {
                ui.label(region);
                match s {
                    RegionState::Waiting => {
                        ui.label(RichText::new(if run.finished { "not started" } else { "working…" }).weak());
                        ui.label("");
                    }
                    RegionState::Listed(_) => {
                        ui.label("read");
                        ui.label("");
                    }
                    RegionState::Done(o) if o.outcome.ok() => {
                        ui.label(outcome_text(o.outcome));
                        ui.label(RichText::new(&o.message).weak());
                    }
                    RegionState::Done(o) => {
                        ui.colored_label(ui.visuals().error_fg_color, outcome_text(o.outcome));
                        ui.label(&o.message);
                    }
                }
                ui.end_row();
            }
        });
    }
}

fn drift_table(ui: &mut Ui, state: &CloudState, keys: &[KeyPair], cmds: &mut Vec<Command>) {
    if state.read_at.is_none() {
        ui.weak("Read key pairs to compare this account's regions with Keyshelf.");
        return;
    }
    let rows: Vec<&DriftRow> = state.rows.iter().filter(|r| !state.only_drift || r.state.is_drift()).collect();
    if rows.is_empty() {
        ui.weak(if state.rows.is_empty() { "No key pairs on either side." } else { "Everything is in sync." });
        return;
    }
    let busy = state.busy();
    let key_of = |r: &DriftRow| r.key_pair.as_ref().and_then(|(id, _)| keys.iter().find(|k| k.id == *id)).cloned();
    TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(110.0))
        .column(Column::auto().at_least(140.0).clip(true))
        .column(Column::auto().at_least(170.0))
        .column(Column::auto().at_least(120.0).clip(true))
        .column(Column::remainder().at_least(200.0))
        .header(22.0, |mut h| {
            for t in ["Region", "Name in the cloud", "State", "Key pair", "Actions"] {
                h.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(26.0, rows.len(), |mut row| {
                let r = rows[row.index()];
                row.col(|ui| {
                    ui.label(&r.region);
                });
                row.col(|ui| {
                    ui.label(&r.name).on_hover_text(r.fingerprint_sha256.as_deref().unwrap_or(""));
                });
                row.col(|ui| {
                    let text = state_text(r.state);
                    if r.state.is_drift() {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                    } else {
                        ui.label(text);
                    }
                });
                row.col(|ui| {
                    match &r.key_pair {
                        Some((id, name)) => {
                            if ui.link(name).clicked() {
                                cmds.push(Command::ShowKey(*id));
                            }
                        }
                        None => {
                            ui.weak("—");
                        }
                    };
                });
                row.col(|ui| {
                    ui.add_enabled_ui(!busy, |ui| row_actions(ui, r, key_of(r), cmds));
                });
            });
        });
}

fn row_actions(ui: &mut Ui, r: &DriftRow, key: Option<KeyPair>, cmds: &mut Vec<Command>) {
    let region = Regions::These(vec![r.region.clone()]);
    let Some(k) = key else {
        if r.state == DriftState::OnlyCloud && ui.small_button("Pull").on_hover_text("Add it to Keyshelf").clicked() {
            cmds.push(Command::Cloud(CloudCommand::Run { action: CloudAction::Read { pull: true }, regions: region }));
        }
        return;
    };
    let push = |replace| {
        Command::Cloud(CloudCommand::Push { key_id: k.id, regions: region.clone(), replace, cloud_name: None })
    };
    let clicked = match r.state {
        DriftState::OnlyCloud => None,
        DriftState::OnlyLocal => {
            ui.small_button("Push").on_hover_text(format!("Import it into {}", r.region)).clicked().then(|| push(false))
        }
        DriftState::NameConflict => {
            let rename = ui
                .small_button("Rename in Keyshelf")
                .on_hover_text("Give Keyshelf's key pair another name, then push it")
                .clicked();
            if rename {
                cmds.push(Command::ShowKey(k.id));
            }
            ui.small_button("Replace in cloud…").clicked().then(|| Command::Confirm {
                title: format!("Replace '{}' in {}?", r.name, r.region),
                text: format!(
                    "The cloud's key pair '{}' holds another key. It is deleted there and {} is imported under that name; servers launched with the old key keep it.",
                    r.name, k.name
                ),
                confirm: "Replace in cloud".into(),
                command: Box::new(push(true)),
            })
        }
        DriftState::InSync | DriftState::Duplicate => ui.small_button("Delete from cloud…").clicked().then(|| Command::Confirm {
            title: format!("Delete '{}' from {}?", r.name, r.region),
            text: "The key pair is deleted from the cloud in this region (servers already launched with it keep it). Keyshelf keeps its key pair.".into(),
            confirm: "Delete from cloud".into(),
            command: Box::new(Command::Cloud(CloudCommand::Delete {
                key_id: k.id,
                regions: region.clone(),
                cloud_name: Some(r.name.clone()),
            })),
        }),
    };
    cmds.extend(clicked);
}

/// What the page (and a key pair's details) ask the app to do.
#[derive(Debug, Clone)]
pub enum CloudCommand {
    /// Shows an account's page.
    Open(String),
    Run {
        action: CloudAction,
        regions: Regions,
    },
    /// Pushes a key pair to the open account's regions; under `cloud_name` there when
    /// given (remembered for the next push and delete), else under the name it goes by.
    Push {
        key_id: i64,
        regions: Regions,
        replace: bool,
        cloud_name: Option<String>,
    },
    Delete {
        key_id: i64,
        regions: Regions,
        /// The cloud's name for it, when a row of the table names it (a duplicate).
        cloud_name: Option<String>,
    },
    Cancel,
}

/// The push dialog of a key pair's details: which account, which regions, and the name
/// in that account's cloud when the key pair's own does not fit there.
pub struct PushForm {
    pub key_id: i64,
    pub key_name: String,
    pub account: Option<String>,
    pub all_regions: bool,
    pub regions: String,
    pub replace: bool,
    /// Names chosen before in accounts' clouds: `(account, name)`.
    pub remembered: Vec<(String, String)>,
    /// The name typed for the account `name_for` (shown only when needed).
    pub cloud_name: String,
    pub name_for: Option<String>,
}

impl PushForm {
    /// The name the key pair goes by in `account` before anything is typed.
    fn default_name(&self, account: &str) -> &str {
        self.remembered.iter().find(|(a, _)| a == account).map_or(self.key_name.as_str(), |(_, n)| n.as_str())
    }
}

impl PushForm {
    /// Draws the dialog; `true` when it is to be closed.
    pub fn show(&mut self, ctx: &egui::Context, accounts: &[Account], cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let clouds: Vec<&Account> = accounts.iter().filter(|a| a.provider.has_cloud_sync()).collect();
        crate::ui::widgets::modal("push-to-cloud").show(ctx, |ui| {
            ui.set_width(460.0);
            ui.heading(format!("Push {} to the cloud", self.key_name));
            if clouds.is_empty() {
                ui.label(
                    "No AWS, Tencent Cloud or Alibaba Cloud account yet: add one (sidebar, +) with its profile and \
                     region first.",
                );
            }
            egui::Grid::new("push-form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                ui.label("Account");
                egui::ComboBox::from_id_salt("push-account")
                    .selected_text(self.account.clone().unwrap_or_else(|| "Choose…".into()))
                    .show_ui(ui, |ui| {
                        for a in &clouds {
                            ui.selectable_value(&mut self.account, Some(a.name.clone()), &a.name);
                        }
                    });
                ui.end_row();
                ui.label("Regions");
                ui.vertical(|ui| {
                    ui.checkbox(&mut self.all_regions, "All regions");
                    ui.add_enabled_ui(!self.all_regions, |ui| {
                        let l = ui.weak("Or these (space separated; empty: the account's region)");
                        ui.add(egui::TextEdit::singleline(&mut self.regions).hint_text("us-east-1 eu-west-1"))
                            .labelled_by(l.id);
                    });
                });
                ui.end_row();
                ui.label("");
                ui.checkbox(&mut self.replace, "Replace a key pair of the same name that holds another key");
                ui.end_row();
            });
            // A name the chosen cloud does not take: one it takes, for the person to confirm.
            let provider = self.account.as_ref().and_then(|a| clouds.iter().find(|x| &x.name == a)).map(|a| a.provider);
            let mut name_ok = true;
            let mut chosen = None;
            if let (Some(account), Some(provider)) = (self.account.clone(), provider) {
                let default = self.default_name(&account).to_string();
                if let Some(why) = crate::cloud::names::problem(provider, &default) {
                    if self.name_for.as_deref() != Some(account.as_str()) {
                        self.cloud_name = crate::cloud::names::suggest(provider, &default);
                        self.name_for = Some(account.clone());
                    }
                    ui.add_space(6.0);
                    ui.label(format!("'{default}' does not fit there: {why}."));
                    ui.horizontal(|ui| {
                        let l = ui.label("Name in the cloud");
                        ui.add(egui::TextEdit::singleline(&mut self.cloud_name).desired_width(240.0)).labelled_by(l.id);
                    });
                    let problem = crate::cloud::names::problem(provider, self.cloud_name.trim());
                    // Room for the line whether or not it shows, so the buttons hold still.
                    match &problem {
                        Some(p) => ui.colored_label(ui.visuals().error_fg_color, p),
                        None => ui.weak("Keyshelf remembers this name for the next push and delete."),
                    };
                    name_ok = problem.is_none();
                    chosen = Some(self.cloud_name.trim().to_string());
                }
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let ok = self.account.is_some() && name_ok;
                if ui.add_enabled(ok, egui::Button::new("Push")).clicked() {
                    let regions = if self.all_regions {
                        Regions::All
                    } else {
                        let v: Vec<String> = self.regions.split_whitespace().map(String::from).collect();
                        if v.is_empty() {
                            Regions::Default
                        } else {
                            Regions::These(v)
                        }
                    };
                    if let Some(a) = &self.account {
                        cmds.push(Command::Cloud(CloudCommand::Open(a.clone())));
                        cmds.push(Command::Cloud(CloudCommand::Push {
                            key_id: self.key_id,
                            regions,
                            replace: self.replace,
                            cloud_name: chosen.clone(),
                        }));
                    }
                    close = true;
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    close = true;
                }
            });
        });
        close
    }
}
