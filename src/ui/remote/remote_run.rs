//! Work on servers from the app (deploy, remove, check, audit, reset key, rotate): one run
//! at a time, in three phases. The plan is read on the inventory's thread; the ssh work
//! runs on the run's own thread over that plan and never touches the inventory, so a
//! rotation over twenty hosts never holds up the app's other reads and writes; each
//! host's result is written back on the inventory's thread as it lands. Each host
//! reports when it starts and when it is done; the window shows it live and can cancel
//! (hosts not started yet are skipped; a host being changed finishes, since each change
//! on a server is atomic).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::inventory::{Inventory, KeyPair};
use crate::local::agent::AgentError;
use crate::remote::session::RemoteFile;
use crate::remote::{
    self, Audit, HostOutcome, HostPlan, HostResult, HostStatus, Plan, Progress, Prompts, Remote, RemoteError, Ssh,
    SshCommand,
};

/// What to do on servers. Key pairs by id, hosts by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteAction {
    Deploy {
        key: i64,
        hosts: Vec<String>,
    },
    Undeploy {
        key: i64,
        hosts: Vec<String>,
        force: bool,
    },
    Check {
        hosts: Vec<String>,
    },
    Audit {
        host: String,
        import: bool,
    },
    ResetKey {
        host: String,
        key: i64,
    },
    Rotate {
        old: i64,
        new: i64,
        hosts: Vec<String>,
        delete_old: bool,
    },
    /// Adds a key pair's private key to the ssh-agent (`socket`: None for
    /// `SSH_AUTH_SOCK`). Not a server, but ssh-add asks for the passphrase the same way
    /// ssh does, so it runs (and asks) in the same window, as one row.
    AgentAdd {
        key: i64,
        lifetime: Option<u32>,
        confirm: bool,
        socket: Option<PathBuf>,
    },
}

/// The one row of an agent run.
pub const AGENT_ROW: &str = "ssh-agent";

impl RemoteAction {
    /// The hosts it works on, in the order shown.
    pub fn hosts(&self) -> Vec<String> {
        match self {
            RemoteAction::Deploy { hosts, .. }
            | RemoteAction::Undeploy { hosts, .. }
            | RemoteAction::Check { hosts }
            | RemoteAction::Rotate { hosts, .. } => hosts.clone(),
            RemoteAction::Audit { host, .. } | RemoteAction::ResetKey { host, .. } => vec![host.clone()],
            RemoteAction::AgentAdd { .. } => vec![AGENT_ROW.to_string()],
        }
    }

    /// The same action restricted to some hosts (for a retry).
    pub fn only(&self, hosts: Vec<String>) -> RemoteAction {
        let mut a = self.clone();
        match &mut a {
            RemoteAction::Deploy { hosts: h, .. }
            | RemoteAction::Undeploy { hosts: h, .. }
            | RemoteAction::Check { hosts: h }
            | RemoteAction::Rotate { hosts: h, .. } => *h = hosts,
            RemoteAction::Audit { .. } | RemoteAction::ResetKey { .. } | RemoteAction::AgentAdd { .. } => {}
        }
        a
    }

    /// The first phase, on the inventory's thread: what the run works on, read from the
    /// inventory (SQL only; nothing here reaches a server or reads a key file).
    pub(crate) fn plan(&self, inv: &Inventory) -> Result<Planned, RemoteError> {
        let hosts = |p: Plan| Ok(Planned::Hosts(Arc::new(p)));
        match self {
            RemoteAction::Deploy { key, hosts: h } => hosts(Plan::deploy(inv, &inv.key(*key)?, h)?),
            RemoteAction::Undeploy { key, hosts: h, force } => hosts(Plan::undeploy(inv, &inv.key(*key)?, h, *force)?),
            RemoteAction::Check { hosts: h } => hosts(Plan::check(inv, h)?),
            RemoteAction::ResetKey { host, key } => hosts(Plan::reset_key(inv, host, &inv.key(*key)?)?),
            RemoteAction::Rotate { old, new, hosts: h, delete_old } => {
                let mut o = inv.key(*old)?;
                let n = inv.key(*new)?;
                // Only the hosts chosen (a retry), among those the old key is bound to.
                o.hosts.retain(|x| h.contains(x));
                hosts(Plan::rotate(inv, &o, &n, *delete_old)?)
            }
            RemoteAction::Audit { host, .. } => Ok(Planned::Audit { host: HostPlan::read(inv, host)? }),
            RemoteAction::AgentAdd { key, .. } => Ok(Planned::Agent { key: inv.key(*key)? }),
        }
    }
}

/// What a run works on, read from the inventory before any ssh starts.
pub(crate) enum Planned {
    Hosts(Arc<Plan>),
    Audit { host: HostPlan },
    Agent { key: KeyPair },
}

/// Why a whole run failed (a host's own failure is its outcome).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("{0}")]
    Panicked(String),
}

/// Where one host is in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostState {
    Waiting,
    Running,
    Done(HostOutcome),
}

/// A question ssh asked (through the askpass helper), waiting for the person.
pub struct Ask {
    /// The host whose ssh asks.
    pub host: String,
    pub prompt: String,
    /// A secret to type, a yes/no question (trust a new host key), or a notice.
    pub kind: crate::remote::askpass::PromptKind,
    reply: Sender<Option<Zeroizing<String>>>,
}

enum Msg {
    Progress(Progress),
    /// A host is done on the server; the inventory has to follow.
    Record(usize, HostResult),
    Outcomes(Result<Vec<HostOutcome>, RunError>),
    /// The audited host's authorized_keys, to be named from the inventory.
    AuditRead(Result<RemoteFile, RunError>),
}

/// Tells runs apart, so that a late answer from the inventory never lands in a newer run.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// A run in progress or just finished, as the window shows it.
pub struct RemoteRun {
    pub action: RemoteAction,
    pub title: String,
    pub accept_new: bool,
    pub rows: Vec<(String, HostState)>,
    pub audit: Option<Audit>,
    pub imported: Vec<(usize, String)>,
    /// A failure of the whole run (its plan could not be read, ssh could not start, ...).
    pub error: Option<String>,
    pub finished: bool,
    pub cancelled: bool,
    /// The question on screen, and what is typed in answer (wiped once sent).
    pub ask: Option<Ask>,
    pub answer: Zeroizing<String>,
    /// Set once the app has taken the end of the run (reloaded, said how it went).
    pub reported: bool,
    pub(crate) id: u64,
    /// The plan of a run over hosts, for recording each host's result.
    pub(crate) plan: Option<Arc<Plan>>,
    /// Hosts done on their servers and not yet handed to the inventory.
    records: Vec<(usize, HostResult)>,
    /// The audited file, not yet named from the inventory.
    fetched: Option<RemoteFile>,
    asks: Option<Receiver<Ask>>,
    #[cfg(unix)]
    _askpass: Option<crate::remote::askpass::AskpassServer>,
    cancel: Arc<AtomicBool>,
    /// Until the plan arrives: how ssh may ask, and where the run's thread reports.
    waiting: Option<(Prompts, Sender<Msg>)>,
    ctx: egui::Context,
    rx: Receiver<Msg>,
}

impl RemoteRun {
    /// Opens the run, waiting for its plan ([`RemoteRun::begin`]). With `askpass` (the
    /// keyshelf binary), ssh's questions come to the window; without, ssh never asks
    /// (`BatchMode`).
    pub fn start(
        ctx: &egui::Context,
        action: RemoteAction,
        title: String,
        accept_new: bool,
        askpass: Option<PathBuf>,
    ) -> RemoteRun {
        let (tx, rx) = channel();
        let rows = action.hosts().into_iter().map(|h| (h, HostState::Waiting)).collect();
        let (asks, server, prompts) = ask_bridge(ctx, askpass);
        RemoteRun {
            action,
            title,
            accept_new,
            rows,
            audit: None,
            imported: Vec::new(),
            error: None,
            finished: false,
            cancelled: false,
            ask: None,
            answer: Zeroizing::new(String::new()),
            reported: false,
            id: RUNS.fetch_add(1, Ordering::Relaxed),
            plan: None,
            records: Vec::new(),
            fetched: None,
            asks,
            #[cfg(unix)]
            _askpass: server,
            cancel: Arc::new(AtomicBool::new(false)),
            waiting: Some((prompts, tx)),
            ctx: ctx.clone(),
            rx,
        }
    }

    /// Starts the ssh work over the plan, on the run's own thread (or ends the run when
    /// the plan could not be made).
    pub(crate) fn begin(&mut self, planned: Result<Planned, RemoteError>) {
        let Some((prompts, tx)) = self.waiting.take() else { return };
        let planned = match planned {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(e.to_string());
                self.finished = true;
                self.ctx.request_repaint();
                return;
            }
        };
        if let Planned::Hosts(plan) = &planned {
            self.plan = Some(Arc::clone(plan));
        }
        let (action, accept_new, cancel, ctx) =
            (self.action.clone(), self.accept_new, Arc::clone(&self.cancel), self.ctx.clone());
        std::thread::spawn(move || {
            let work = std::panic::AssertUnwindSafe(|| work(planned, &action, accept_new, prompts, cancel, &tx, &ctx));
            if let Err(p) = std::panic::catch_unwind(work) {
                let _ = tx.send(Msg::Outcomes(Err(RunError::Panicked(crate::ui::worker::panic_message(p.as_ref())))));
            }
            ctx.request_repaint();
        });
    }

    /// Takes what arrived.
    pub fn poll(&mut self) {
        // A notice (touch the security key) gives way to the next question.
        let notice = self.ask.as_ref().is_some_and(|a| a.kind == crate::remote::askpass::PromptKind::Notify);
        if self.ask.is_none() || notice {
            if let Some(next) = self.asks.as_ref().and_then(|r| r.try_recv().ok()) {
                self.ask = Some(next);
            }
        }
        for m in self.rx.try_iter() {
            match m {
                Msg::Progress(Progress::Started(h)) => set(&mut self.rows, &h, HostState::Running),
                Msg::Progress(Progress::Finished(o)) => {
                    let h = o.host.clone();
                    set(&mut self.rows, &h, HostState::Done(o));
                }
                Msg::Record(i, r) => self.records.push((i, r)),
                Msg::Outcomes(r) => {
                    match r {
                        // Each host reported already, and may since have been amended by
                        // the inventory: only hosts never reported are filled in.
                        Ok(outcomes) => {
                            for o in outcomes {
                                let h = o.host.clone();
                                if let Some(r) = self.rows.iter_mut().find(|r| r.0 == h) {
                                    if !matches!(r.1, HostState::Done(_)) {
                                        r.1 = HostState::Done(o);
                                    }
                                }
                            }
                        }
                        Err(e) => self.error = Some(e.to_string()),
                    }
                    self.finished = true;
                }
                Msg::AuditRead(r) => match r {
                    Ok(file) => self.fetched = Some(file),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        self.finished = true;
                    }
                },
            }
        }
    }

    /// Hosts done on their servers since the last call, for the inventory to follow.
    pub(crate) fn take_records(&mut self) -> Vec<(usize, HostResult)> {
        std::mem::take(&mut self.records)
    }

    /// The audited file, once read, for the inventory to name its keys.
    pub(crate) fn take_fetched(&mut self) -> Option<RemoteFile> {
        self.fetched.take()
    }

    /// A host's outcome once the inventory followed (or said why it could not).
    pub(crate) fn set_outcome(&mut self, o: HostOutcome) {
        let h = o.host.clone();
        set(&mut self.rows, &h, HostState::Done(o));
    }

    /// The audit, named from the inventory (and its unknown keys imported, if asked):
    /// the end of an audit run.
    pub(crate) fn audited(&mut self, r: Result<(Audit, Vec<(usize, String)>), RemoteError>) {
        match r {
            Ok((a, imported)) => {
                let host = self.rows.first().map(|r| r.0.clone()).unwrap_or_default();
                let unknown = a.entries.iter().filter(|e| e.key_pair.is_none()).count();
                let keys = if a.entries.len() == 1 { "1 key".to_string() } else { format!("{} keys", a.entries.len()) };
                let message = format!(
                    "{keys} in the file, {unknown} not in the inventory{}",
                    if imported.is_empty() { String::new() } else { format!("; {} imported", imported.len()) }
                );
                let o = HostOutcome { host: host.clone(), ok: true, status: HostStatus::Ok, message };
                set(&mut self.rows, &host, HostState::Done(o));
                self.audit = Some(a);
                self.imported = imported;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        self.finished = true;
    }

    /// The outcomes shown so far, in the order of the rows.
    pub fn outcomes(&self) -> Vec<HostOutcome> {
        self.rows
            .iter()
            .filter_map(|(_, s)| match s {
                HostState::Done(o) => Some(o.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn cancel(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
        self.cancelled = true;
        self.reply(None);
    }

    /// Answers the question on screen (`None`: cancel it) and wipes the typed answer.
    pub fn reply(&mut self, answer: Option<Zeroizing<String>>) {
        if let Some(a) = self.ask.take() {
            let _ = a.reply.send(answer);
        }
        self.answer = Zeroizing::new(String::new());
    }

    pub fn running(&self) -> bool {
        !self.finished
    }

    /// Hosts whose outcome has this status.
    pub fn hosts_with(&self, status: HostStatus) -> Vec<String> {
        self.rows
            .iter()
            .filter(|(_, s)| matches!(s, HostState::Done(o) if o.status == status))
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// How many hosts are done, and how many failed.
    pub fn counts(&self) -> (usize, usize) {
        let done = self.rows.iter().filter(|(_, s)| matches!(s, HostState::Done(_))).count();
        let failed = self.rows.iter().filter(|(_, s)| matches!(s, HostState::Done(o) if !o.ok)).count();
        (done, failed)
    }
}

fn set(rows: &mut [(String, HostState)], host: &str, state: HostState) {
    if let Some(r) = rows.iter_mut().find(|r| r.0 == host) {
        // A late "started" never hides a result.
        if !(matches!(r.1, HostState::Done(_)) && state == HostState::Running) {
            r.1 = state;
        }
    }
}

#[cfg(unix)]
type Bridge = (Option<Receiver<Ask>>, Option<crate::remote::askpass::AskpassServer>, Prompts);

/// The askpass socket for a run, and how ssh is told to use it.
#[cfg(unix)]
fn ask_bridge(ctx: &egui::Context, program: Option<PathBuf>) -> Bridge {
    let Some(program) = program else { return (None, None, Prompts::Never) };
    let (tx, rx) = channel::<Ask>();
    let tx = std::sync::Mutex::new(tx);
    let ctx = ctx.clone();
    let server = crate::remote::askpass::AskpassServer::start(move |host, prompt, kind| {
        let (reply, answer) = channel();
        tx.lock().ok()?.send(Ask { host, prompt, kind, reply }).ok()?;
        ctx.request_repaint();
        if kind == crate::remote::askpass::PromptKind::Notify {
            // Nothing to answer: ssh goes on (and ends the notice) on its own.
            return Some(Zeroizing::new(String::new()));
        }
        // A question nobody answers for ten minutes is cancelled, as ssh would time out.
        answer.recv_timeout(std::time::Duration::from_secs(600)).ok().flatten()
    });
    match server {
        Ok(s) => {
            let prompts = Prompts::Askpass { program, socket: s.socket().to_path_buf() };
            (Some(rx), Some(s), prompts)
        }
        Err(_) => (None, None, Prompts::Never),
    }
}

#[cfg(not(unix))]
fn ask_bridge(_: &egui::Context, _: Option<PathBuf>) -> (Option<Receiver<Ask>>, Option<()>, Prompts) {
    (None, None, Prompts::Never)
}

/// The ssh work of a run, on its own thread: over the plan only, never the inventory.
fn work(
    planned: Planned,
    action: &RemoteAction,
    accept_new: bool,
    prompts: Prompts,
    cancel: Arc<AtomicBool>,
    tx: &Sender<Msg>,
    ctx: &egui::Context,
) {
    let command = match SshCommand::from_env() {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Msg::Outcomes(Err(e.into())));
            return;
        }
    };
    // The app has no terminal: ssh's questions come to the window through askpass, or,
    // without it, ssh never asks (an unknown host key is then offered as "Trust and retry").
    let mut r = Remote::new(Ssh { command, prompts, accept_new });
    r.cancel = cancel;
    let tx_p = std::sync::Mutex::new(tx.clone());
    let progress = move |p: Progress| {
        if let Ok(t) = tx_p.lock() {
            let _ = t.send(Msg::Progress(p));
        }
        ctx.request_repaint();
    };
    match planned {
        Planned::Hosts(plan) => {
            let mut done = |i: usize, result: HostResult| {
                let outcome = result.outcome.clone();
                let _ = tx.send(Msg::Record(i, result));
                outcome
            };
            let res = remote::execute(&plan, &r, &progress, &mut done).map_err(RunError::from);
            let _ = tx.send(Msg::Outcomes(res));
        }
        Planned::Audit { host } => {
            progress(Progress::Started(host.host.name.clone()));
            let res = remote::audit::read_authorized_keys(&r, &host).map_err(RunError::from);
            let _ = tx.send(Msg::AuditRead(res));
        }
        Planned::Agent { key } => {
            let RemoteAction::AgentAdd { lifetime, confirm, socket, .. } = action else { return };
            progress(Progress::Started(AGENT_ROW.to_string()));
            let outcome = match agent_add(&r, &key, *lifetime, *confirm, socket.as_deref()) {
                Ok(message) => HostOutcome { host: AGENT_ROW.into(), ok: true, status: HostStatus::Added, message },
                Err(e) => HostOutcome {
                    host: AGENT_ROW.into(),
                    ok: false,
                    status: HostStatus::Failed,
                    message: e.to_string(),
                },
            };
            let _ = tx.send(Msg::Outcomes(Ok(vec![outcome])));
        }
    }
}

/// Adds a key pair's private key to the agent; says for how long.
fn agent_add(
    r: &Remote,
    k: &KeyPair,
    lifetime: Option<u32>,
    confirm: bool,
    socket: Option<&std::path::Path>,
) -> Result<String, AgentError> {
    let agent = match socket {
        Some(s) => crate::local::agent::Agent::at(s, r.ssh.prompts.clone()),
        None => crate::local::agent::Agent::new(r.ssh.prompts.clone()),
    };
    let lifetime = lifetime.map(crate::local::agent::Lifetime::from_seconds).transpose()?;
    let options = crate::local::agent::AddOptions { lifetime, confirm };
    agent.add(k, &options)?;
    let until = match lifetime {
        Some(l) => format!("for {}", crate::ui::settings::agent_view::spoken_seconds(l.seconds())),
        None => "until it is removed or the agent stops".to_string(),
    };
    let ask = if confirm { "; each use asks first" } else { "" };
    Ok(format!("{} is in the agent {until}{ask}", k.name))
}
