//! Work on servers from the app (deploy, remove, check, audit, reset key, rotate): one run
//! at a time on its own thread, with its own inventory connection so that a rotation
//! over twenty hosts never holds up the app's other reads and writes. Each host reports
//! when it starts and when it is done; the window shows it live and can cancel (hosts
//! not started yet are skipped; a host being changed finishes, since each change on a
//! server is atomic).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::inventory::Inventory;
use crate::remote::{self, Audit, HostOutcome, Progress, Prompts, Remote, Ssh, SshCommand};

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
    Outcomes(Result<Vec<HostOutcome>, String>),
    Audit(Result<(Audit, Vec<(usize, String)>), String>),
}

/// A run in progress or just finished, as the window shows it.
pub struct RemoteRun {
    pub action: RemoteAction,
    pub title: String,
    pub accept_new: bool,
    pub rows: Vec<(String, HostState)>,
    pub audit: Option<Audit>,
    pub imported: Vec<(usize, String)>,
    /// A failure of the whole run (the inventory could not be opened, ...).
    pub error: Option<String>,
    pub finished: bool,
    pub cancelled: bool,
    /// The question on screen, and what is typed in answer (wiped once sent).
    pub ask: Option<Ask>,
    pub answer: Zeroizing<String>,
    asks: Option<Receiver<Ask>>,
    #[cfg(unix)]
    _askpass: Option<crate::remote::askpass::AskpassServer>,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Msg>,
}

impl RemoteRun {
    /// Starts the run. With `askpass` (the keyshelf binary), ssh's questions come to the
    /// window; without, ssh never asks (`BatchMode`).
    pub fn start(
        ctx: &egui::Context,
        db: PathBuf,
        action: RemoteAction,
        title: String,
        accept_new: bool,
        askpass: Option<PathBuf>,
    ) -> RemoteRun {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let rows = action.hosts().into_iter().map(|h| (h, HostState::Waiting)).collect();
        let (asks, server, prompts) = ask_bridge(ctx, askpass);
        let run = RemoteRun {
            action: action.clone(),
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
            asks,
            #[cfg(unix)]
            _askpass: server,
            cancel: Arc::clone(&cancel),
            rx,
        };
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let work = std::panic::AssertUnwindSafe(|| work(&db, &action, accept_new, prompts, cancel, &tx, &ctx));
            if let Err(p) = std::panic::catch_unwind(work) {
                let _ = tx.send(Msg::Outcomes(Err(crate::ui::worker::panic_message(p.as_ref()))));
            }
            ctx.request_repaint();
        });
        run
    }

    /// Takes what arrived; true when the run has just finished.
    pub fn poll(&mut self) -> bool {
        let was = self.finished;
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
                Msg::Outcomes(r) => {
                    match r {
                        Ok(outcomes) => {
                            for o in outcomes {
                                let h = o.host.clone();
                                set(&mut self.rows, &h, HostState::Done(o));
                            }
                        }
                        Err(e) => self.error = Some(e),
                    }
                    self.finished = true;
                }
                Msg::Audit(r) => {
                    match r {
                        Ok((a, imported)) => {
                            let host = self.rows.first().map(|r| r.0.clone()).unwrap_or_default();
                            let unknown = a.entries.iter().filter(|e| e.key_pair.is_none()).count();
                            let keys = if a.entries.len() == 1 {
                                "1 key".to_string()
                            } else {
                                format!("{} keys", a.entries.len())
                            };
                            let message = format!(
                                "{keys} in the file, {unknown} not in the inventory{}",
                                if imported.is_empty() {
                                    String::new()
                                } else {
                                    format!("; {} imported", imported.len())
                                }
                            );
                            let o = HostOutcome { host: host.clone(), ok: true, status: "ok".into(), message };
                            set(&mut self.rows, &host, HostState::Done(o));
                            self.audit = Some(a);
                            self.imported = imported;
                        }
                        Err(e) => self.error = Some(e),
                    }
                    self.finished = true;
                }
            }
        }
        self.finished && !was
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
    pub fn hosts_with(&self, status: &str) -> Vec<String> {
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

fn work(
    db: &std::path::Path,
    action: &RemoteAction,
    accept_new: bool,
    prompts: Prompts,
    cancel: Arc<AtomicBool>,
    tx: &Sender<Msg>,
    ctx: &egui::Context,
) {
    let fail = |e: String| {
        let _ = tx.send(Msg::Outcomes(Err(e)));
    };
    let mut inv = match Inventory::open(db) {
        Ok(i) => i,
        Err(e) => return fail(e.to_string()),
    };
    let command = match SshCommand::from_env() {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
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
    let key = |inv: &Inventory, id: i64| inv.key(id).map_err(|e| e.to_string());
    let res: Result<Vec<HostOutcome>, String> =
        match action {
            RemoteAction::Deploy { key: k, hosts } => key(&inv, *k)
                .and_then(|k| remote::deploy(&mut inv, &r, &k, hosts, &progress).map_err(|e| e.to_string())),
            RemoteAction::Undeploy { key: k, hosts, force } => key(&inv, *k)
                .and_then(|k| remote::undeploy(&mut inv, &r, &k, hosts, *force, &progress).map_err(|e| e.to_string())),
            RemoteAction::Check { hosts } => remote::check(&mut inv, &r, hosts, &progress).map_err(|e| e.to_string()),
            RemoteAction::ResetKey { host, key: k } => key(&inv, *k)
                .and_then(|k| remote::reset_key(&mut inv, &r, host, &k, &progress).map_err(|e| e.to_string())),
            RemoteAction::Rotate { old, new, hosts, delete_old } => key(&inv, *old).and_then(|mut o| {
                let n = key(&inv, *new)?;
                // Only the hosts chosen (a retry), among those the old key is bound to.
                o.hosts.retain(|h| hosts.contains(h));
                remote::rotate(&mut inv, &r, &o, &n, *delete_old, &progress).map(|(v, _)| v).map_err(|e| e.to_string())
            }),
            RemoteAction::AgentAdd { key: k, lifetime, confirm, socket } => {
                progress(Progress::Started(AGENT_ROW.to_string()));
                let agent = match socket {
                    Some(s) => crate::local::agent::Agent::at(s, r.ssh.prompts.clone()),
                    None => crate::local::agent::Agent::new(r.ssh.prompts.clone()),
                };
                let lifetime = lifetime.map(crate::local::agent::Lifetime::from_seconds).transpose();
                let o = key(&inv, *k).and_then(|k| {
                    let lifetime = lifetime.map_err(|e| e.to_string())?;
                    let options = crate::local::agent::AddOptions { lifetime, confirm: *confirm };
                    agent.add(&k, &options).map_err(|e| e.to_string())?;
                    let until = match lifetime {
                        Some(l) => format!("for {}", crate::ui::settings::agent_view::spoken_seconds(l.seconds())),
                        None => "until it is removed or the agent stops".to_string(),
                    };
                    let ask = if *confirm { "; each use asks first" } else { "" };
                    Ok(format!("{} is in the agent {until}{ask}", k.name))
                });
                let outcome = match o {
                    Ok(message) => HostOutcome { host: AGENT_ROW.into(), ok: true, status: "added".into(), message },
                    Err(message) => HostOutcome { host: AGENT_ROW.into(), ok: false, status: "failed".into(), message },
                };
                Ok(vec![outcome])
            }
            RemoteAction::Audit { host, import } => {
                progress(Progress::Started(host.clone()));
                let res = remote::audit(&inv, &r, host).map_err(|e| e.to_string()).and_then(|mut a| {
                    let imported = if *import {
                        remote::ops::import_unknown(&mut inv, &mut a, host).map_err(|e| e.to_string())?
                    } else {
                        Vec::new()
                    };
                    Ok((a, imported))
                });
                let _ = tx.send(Msg::Audit(res));
                return;
            }
        };
    let _ = tx.send(Msg::Outcomes(res));
}
