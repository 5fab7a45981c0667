//! What Keyshelf does on servers: deploy, undeploy, check, audit, reset key and rotate,
//! each as a function over hosts that returns one outcome per host and keeps the
//! inventory in step (bindings, last check, activity) as each host finishes.
//!
//! The rule that runs through all of it: nothing is removed from a server until another
//! login is proved to work, so no host ever ends with neither the old key nor the new.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use serde::Serialize;

use super::authorized_keys::{self, Entry};
use super::session::{LoginKey, Session};
use super::ssh::{Endpoint, Failure, FailureKind, Identities, Ssh};
use super::RemoteError;
use crate::inventory::{Host, ImportKey, Inventory, KeyPair, Scope};

/// One host's result. `status` is one of the check words (`ok`, `refused`,
/// `unreachable`, `host key changed`, `host key unknown`, `no private key`) or an
/// operation's (`deployed`, `already present`, `removed`, `not present`, `rotated`,
/// `failed`, `cancelled`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostOutcome {
    pub host: String,
    pub ok: bool,
    pub status: String,
    pub message: String,
}

impl HostOutcome {
    fn ok(host: &Host, status: &str, message: impl Into<String>) -> HostOutcome {
        HostOutcome { host: host.name.clone(), ok: true, status: status.into(), message: message.into() }
    }

    fn failed(host: &Host, f: &Failure) -> HostOutcome {
        HostOutcome { host: host.name.clone(), ok: false, status: f.kind.word().into(), message: f.message.clone() }
    }

    fn not_ok(host: &Host, status: &str, message: impl Into<String>) -> HostOutcome {
        HostOutcome { host: host.name.clone(), ok: false, status: status.into(), message: message.into() }
    }

    /// The server side went through but the inventory did not follow.
    fn inventory_failed(&mut self, what: &str, e: impl std::fmt::Display) {
        self.ok = false;
        self.message = format!("{}; but {what}: {e}", self.message);
    }
}

/// Progress of a run over several hosts, for a view or a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Started(String),
    Finished(HostOutcome),
}

/// How Keyshelf reaches servers for one run.
#[derive(Clone)]
pub struct Remote {
    pub ssh: Ssh,
    /// `--identity FILE`: the key to manage hosts with.
    pub identity: Option<PathBuf>,
    /// Hosts worked on at once.
    pub parallel: usize,
    /// Set to stop starting new hosts; hosts already running finish (each is atomic).
    pub cancel: Arc<AtomicBool>,
}

impl Remote {
    /// Hosts worked on at once unless told otherwise: enough to hide network latency,
    /// few enough not to trip sshd's `MaxStartups` on a shared bastion.
    pub const DEFAULT_PARALLEL: usize = 8;

    pub fn new(ssh: Ssh) -> Remote {
        Remote { ssh, identity: None, parallel: Self::DEFAULT_PARALLEL, cancel: Arc::new(AtomicBool::new(false)) }
    }
}

/// Where a host is reached: its first address, its user and port.
pub fn endpoint(h: &Host) -> Endpoint {
    let addr = h.addresses.first().cloned().unwrap_or_else(|| h.name.clone());
    let destination = if h.user.is_empty() { addr } else { format!("{}@{addr}", h.user) };
    Endpoint { destination, port: h.port, name: h.name.clone() }
}

/// The private key file of a key pair, when Keyshelf knows it and it exists.
fn private_key(k: &KeyPair) -> Option<PathBuf> {
    k.private_key_path.as_deref().map(PathBuf::from).filter(|p| p.is_file())
}

/// What a worker found on one host (given with its index in the run, for per-host data
/// prepared beforehand), applied to the inventory by the caller's thread.
type Work<'a, T> = &'a (dyn Fn(usize, &Host) -> (HostOutcome, T) + Sync);

/// Runs `work` on every host, `parallel` at a time, calling `apply` on the caller's
/// thread as each host finishes (so the inventory follows the servers host by host,
/// even if the run is killed half-way).
fn for_hosts<T: Send>(
    remote: &Remote,
    hosts: &[Host],
    work: Work<'_, T>,
    mut apply: impl FnMut(&Host, &mut HostOutcome, T),
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<HostOutcome> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, HostOutcome, Option<T>)>();
    let mut out: Vec<Option<HostOutcome>> = vec![None; hosts.len()];
    std::thread::scope(|s| {
        for _ in 0..remote.parallel.clamp(1, hosts.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(h) = hosts.get(i) else { break };
                if remote.cancel.load(Ordering::SeqCst) {
                    let o = HostOutcome::not_ok(h, "cancelled", "cancelled before it started; nothing was changed");
                    let _ = tx.send((i, o, None));
                    continue;
                }
                progress(Progress::Started(h.name.clone()));
                let (o, t) = work(i, h);
                if tx.send((i, o, Some(t))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, mut o, t) in rx {
            if let Some(t) = t {
                apply(&hosts[i], &mut o, t);
            }
            progress(Progress::Finished(o.clone()));
            out[i] = Some(o);
        }
    });
    out.into_iter().flatten().collect()
}

fn resolve_hosts(inv: &Inventory, names: &[String]) -> Result<Vec<Host>, RemoteError> {
    let mut v: Vec<Host> = Vec::new();
    for n in names {
        let h = inv.host(n)?;
        if !v.iter().any(|x| x.id == h.id) {
            v.push(h);
        }
    }
    Ok(v)
}

/// How to log in to manage a host: `--identity`, else the private key files of its bound
/// key pairs (then whatever the user's ssh setup offers).
fn management_for(inv: &Inventory, remote: &Remote, h: &Host, first: Option<&KeyPair>) -> Identities {
    match &remote.identity {
        Some(i) => Identities::Prefer(vec![i.clone()]),
        None => Identities::Prefer(bound_private_keys(inv, h, first)),
    }
}

fn management(inv: &Inventory, remote: &Remote, hosts: &[Host], first: Option<&KeyPair>) -> Vec<Identities> {
    hosts.iter().map(|h| management_for(inv, remote, h, first)).collect()
}

/// The private key files of the key pairs bound to a host (for logging in to manage it),
/// `first` (the key pair the run is about) first, then those without a passphrase, so
/// that ssh does not stop to ask for an unrelated key's passphrase.
fn bound_private_keys(inv: &Inventory, h: &Host, first: Option<&KeyPair>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        h.keys.iter().filter_map(|(id, _)| inv.key(*id).ok()).filter_map(|k| private_key(&k)).collect();
    files.sort_by_cached_key(|p| has_passphrase(p));
    if let Some(f) = first.and_then(private_key) {
        files.retain(|p| *p != f);
        files.insert(0, f);
    }
    files
}

/// Adds the key to the file unless it is already there.
fn add_key(remote: &Remote, h: &Host, ids: &Identities, key: &KeyPair) -> Result<&'static str, Failure> {
    let (session, file) = Session::open(&remote.ssh, &endpoint(h), ids, &h.authorized_keys)?;
    if authorized_keys::contains(&file.content, &key.fingerprint_sha256) {
        session.keep()?;
        return Ok("already present");
    }
    let line = authorized_keys::key_line(&key.public_key);
    session.write(&authorized_keys::append(&file.content, &line))?;
    Ok("deployed")
}

/// Proves that `key` logs in to `h` on its own.
fn prove(remote: &Remote, h: &Host, key: &KeyPair) -> Result<(), Failure> {
    match private_key(key) {
        Some(p) => prove_file(remote, h, &p, key),
        None => Err(no_private_key(key)),
    }
}

/// A proof with a known private key file; a refusal of a passphrase-protected key that
/// ssh could not ask about says so.
fn prove_file(remote: &Remote, h: &Host, p: &std::path::Path, key: &KeyPair) -> Result<(), Failure> {
    remote.ssh.prove(&endpoint(h), p, &key.fingerprint_sha256).map_err(|mut f| {
        if f.kind == FailureKind::Refused
            && !matches!(remote.ssh.prompts, super::Prompts::Askpass { .. })
            && has_passphrase(p)
        {
            f.message.push_str(
                " (its private key file has a passphrase and ssh may not ask for it here: add the key to your agent \
                 with ssh-add, or check from the app)",
            );
        }
        f
    })
}

/// Whether a private key file is protected by a passphrase. The file is read into
/// memory that is wiped afterwards; only its public half is parsed.
fn has_passphrase(p: &std::path::Path) -> bool {
    matches!(
        crate::keys::read_key_file(p).map(|k| k.source),
        Some(crate::keys::KeySource::PrivateKey { encrypted: true })
    )
}

fn no_private_key(key: &KeyPair) -> Failure {
    let why = match &key.private_key_path {
        Some(p) => format!("its private key file {p} is missing"),
        None => "Keyshelf does not know where its private key file is (set it in the key's details)".into(),
    };
    Failure { kind: FailureKind::Remote, message: format!("cannot log in with key pair '{}': {why}", key.name) }
}

/// Deploys a key pair to hosts: appends it to each host's authorized_keys unless it is
/// there, binds it, and proves a login with it when its private key file is known.
pub fn deploy(
    inv: &mut Inventory,
    remote: &Remote,
    key: &KeyPair,
    host_names: &[String],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<HostOutcome>, RemoteError> {
    let hosts = resolve_hosts(inv, host_names)?;
    let ids = management(inv, remote, &hosts, None);
    let work = |i: usize, h: &Host| match add_key(remote, h, &ids[i], key) {
        Err(f) => (HostOutcome::failed(h, &f), (false, None)),
        Ok(status) => {
            let mut proof = None;
            let o = match private_key(key) {
                None => HostOutcome::ok(
                    h,
                    status,
                    format!("in {}; not proved: Keyshelf does not know the private key file", h.authorized_keys),
                ),
                Some(_) => match prove(remote, h, key) {
                    Ok(()) => {
                        proof = Some(("ok", "logs in".to_string()));
                        HostOutcome::ok(h, status, format!("in {}; a login with it works", h.authorized_keys))
                    }
                    Err(f) => {
                        proof = Some((f.kind.word(), f.message.clone()));
                        HostOutcome::not_ok(
                            h,
                            "failed",
                            format!(
                                "the key is in {}, but a login with it failed: {}. Check the server's AuthorizedKeysFile and StrictModes",
                                h.authorized_keys, f.message
                            ),
                        )
                    }
                },
            };
            (o, (true, proof))
        }
    };
    let apply = |h: &Host, o: &mut HostOutcome, (on_server, proof): (bool, Option<(&str, String)>)| {
        if !on_server {
            return;
        }
        // A proof is a check of this key pair: remember it (when it is the host's only one).
        if let Some((status, message)) = proof {
            if h.keys.iter().all(|(id, _)| *id == key.id) {
                let _ = inv.record_check(&h.name, status, &format!("{}: {message}", key.name));
            }
        }
        if let Err(e) = inv.bind(key.id, std::slice::from_ref(&h.name)) {
            o.inventory_failed("the binding was not saved", e);
        }
        if o.status == "deployed" {
            let _ = inv.log_remote("deploy", &key.name, &format!("to {} ({})", h.name, h.authorized_keys));
        }
    };
    Ok(for_hosts(remote, &hosts, &work, apply, progress))
}

/// Removes a key pair from hosts: every line carrying the key goes, the rest stays
/// byte for byte; then it is unbound. Refuses to remove the key Keyshelf is logged in
/// with unless another login is proved, or `force`.
pub fn undeploy(
    inv: &mut Inventory,
    remote: &Remote,
    key: &KeyPair,
    host_names: &[String],
    force: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<HostOutcome>, RemoteError> {
    let hosts = resolve_hosts(inv, host_names)?;
    // Other key pairs that could prove a login, per host.
    let others: Vec<Vec<KeyPair>> = hosts
        .iter()
        .map(|h| h.keys.iter().filter(|(id, _)| *id != key.id).filter_map(|(id, _)| inv.key(*id).ok()).collect())
        .collect();
    let ids = management(inv, remote, &hosts, None);
    let work = |i: usize, h: &Host| {
        let r = remove_keys(remote, h, &ids[i], &[key], &others[i], force);
        match r {
            Ok(0) => (HostOutcome::ok(h, "not present", format!("{} did not hold it", h.authorized_keys)), true),
            Ok(n) => (HostOutcome::ok(h, "removed", format!("{} removed from {}", lines(n), h.authorized_keys)), true),
            Err(f) => (HostOutcome::failed(h, &f), false),
        }
    };
    let apply = |h: &Host, o: &mut HostOutcome, gone: bool| {
        if !gone {
            return;
        }
        if h.keys.iter().any(|(id, _)| *id == key.id) {
            if let Err(e) = inv.unbind(key.id, std::slice::from_ref(&h.name)) {
                o.inventory_failed("the binding was not removed", e);
            }
        }
        if o.status == "removed" {
            let _ = inv.log_remote("undeploy", &key.name, &format!("from {} ({})", h.name, h.authorized_keys));
        }
    };
    Ok(for_hosts(remote, &hosts, &work, apply, progress))
}

/// Removes the lines of `remove` from a host's file. When Keyshelf is logged in with
/// one of them (or cannot tell), another login must be proved first: with one of
/// `others`, or `force`.
fn remove_keys(
    remote: &Remote,
    h: &Host,
    ids: &Identities,
    remove: &[&KeyPair],
    others: &[KeyPair],
    force: bool,
) -> Result<usize, Failure> {
    let (session, file) = Session::open(&remote.ssh, &endpoint(h), ids, &h.authorized_keys)?;
    let fps: Vec<&str> = remove.iter().map(|k| k.fingerprint_sha256.as_str()).collect();
    let (new, n) = authorized_keys::remove(&file.content, &fps);
    if n == 0 {
        session.keep()?;
        return Ok(0);
    }
    let risky = match session.login_key() {
        LoginKey::Key(fp) => fps.contains(&fp.as_str()),
        LoginKey::UnknownKey => true,
        LoginKey::NotAKey => false,
    };
    if risky && !force {
        let mut tried = Vec::new();
        let mut proved = false;
        for k in others.iter().filter(|k| !fps.contains(&k.fingerprint_sha256.as_str())) {
            if !authorized_keys::contains(&new, &k.fingerprint_sha256) {
                continue;
            }
            match prove(remote, h, k) {
                Ok(()) => {
                    proved = true;
                    break;
                }
                Err(f) => tried.push(format!("{}: {}", k.name, f.message)),
            }
        }
        if !proved {
            drop(session);
            let tried = if tried.is_empty() { String::new() } else { format!(" (tried {})", tried.join("; ")) };
            return Err(Failure {
                kind: FailureKind::Remote,
                message: format!(
                    "Keyshelf is logged in to {} with this key and no other login was proved to work{tried}; removing it \
                     could lock you out. Deploy another key pair first, or remove it anyway. Nothing was changed",
                    h.name
                ),
            });
        }
    }
    session.write(&new)?;
    Ok(n)
}

/// Logs in to each host with each bound key pair, alone, and remembers the result.
pub fn check(
    inv: &mut Inventory,
    remote: &Remote,
    host_names: &[String],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<HostOutcome>, RemoteError> {
    let hosts = resolve_hosts(inv, host_names)?;
    let keys: Vec<Vec<KeyPair>> =
        hosts.iter().map(|h| h.keys.iter().filter_map(|(id, _)| inv.key(*id).ok()).collect()).collect();
    let work = |i: usize, h: &Host| (check_one(remote, h, &keys[i]), ());
    let apply = |h: &Host, o: &mut HostOutcome, (): ()| {
        if let Err(e) = inv.record_check(&h.name, &o.status, &o.message) {
            o.message = format!("{}; the result was not saved: {e}", o.message);
        }
    };
    Ok(for_hosts(remote, &hosts, &work, apply, progress))
}

fn check_one(remote: &Remote, h: &Host, keys: &[KeyPair]) -> HostOutcome {
    if keys.is_empty() {
        return HostOutcome::not_ok(h, "no private key", "no key pair is bound to this host");
    }
    // The worst result wins; the message names each key pair's.
    let rank = |s: &str| match s {
        "ok" => 0,
        "no private key" => 1,
        "refused" => 2,
        _ => 3,
    };
    let mut worst: (&str, String) = ("", String::new());
    let mut parts = Vec::new();
    for k in keys {
        let (status, msg) = match private_key(k) {
            None => ("no private key", no_private_key(k).message),
            Some(p) => match prove_file(remote, h, &p, k) {
                Ok(()) => ("ok", "logs in".to_string()),
                Err(f) => (f.kind.word(), f.message),
            },
        };
        parts.push(format!("{}: {msg}", k.name));
        if worst.0.is_empty() || rank(status) > rank(worst.0) {
            worst = (status, msg);
        }
        // No point in trying the other keys of a host that cannot be reached.
        if matches!(status, "unreachable" | "host key changed" | "host key unknown") {
            break;
        }
    }
    let message = if keys.len() == 1 { worst.1 } else { parts.join("; ") };
    HostOutcome { host: h.name.clone(), ok: worst.0 == "ok", status: worst.0.into(), message }
}

/// One line of a host's authorized_keys as the audit shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub line: usize,
    pub fingerprint_sha256: String,
    #[serde(rename = "type")]
    pub key_type: String,
    pub comment: String,
    pub options: String,
    /// The inventory key pair it is (in any account), or `None`: unknown.
    pub key_pair: Option<String>,
    /// Every inventory key pair with this key, when there are several.
    pub key_pairs: Vec<String>,
    /// The whole key line without options, for importing it.
    #[serde(skip)]
    pub openssh: String,
}

/// What a host's authorized_keys holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub entries: Vec<AuditEntry>,
    /// Lines that are not keys Keyshelf can read (kept on the server as they are).
    pub unreadable: Vec<authorized_keys::Unreadable>,
    pub file_present: bool,
}

/// Reads a host's authorized_keys and names each key.
pub fn audit(inv: &Inventory, remote: &Remote, host: &str) -> Result<Audit, RemoteError> {
    let h = inv.host(host)?;
    let ids = management_for(inv, remote, &h, None);
    let (session, file) = Session::open(&remote.ssh, &endpoint(&h), &ids, &h.authorized_keys)
        .map_err(|f| RemoteError::Host { host: h.name.clone(), failure: f })?;
    session.keep().map_err(|f| RemoteError::Host { host: h.name.clone(), failure: f })?;
    let (found, unreadable) = authorized_keys::entries(&file.content);
    let mut entries = Vec::with_capacity(found.len());
    for Entry { line, options, algorithm, fingerprint_sha256, comment, openssh } in found {
        let key_pairs = inv.key_pair_names_with_fingerprint(&fingerprint_sha256)?;
        entries.push(AuditEntry {
            line,
            key_pair: key_pairs.first().cloned(),
            key_pairs,
            fingerprint_sha256,
            key_type: algorithm,
            comment,
            options,
            openssh,
        });
    }
    Ok(Audit { entries, unreadable, file_present: file.present })
}

/// Adds the audited keys the inventory does not know (as key pairs outside any
/// account, named from their comments or after the host); returns `(line, name)` for
/// each and marks them in `audit`.
pub fn import_unknown(inv: &mut Inventory, audit: &mut Audit, host: &str) -> Result<Vec<(usize, String)>, RemoteError> {
    let unknown: Vec<ImportKey> = audit
        .entries
        .iter()
        .filter(|e| e.key_pair.is_none())
        .filter_map(|e| {
            let key = ssh_key::PublicKey::from_openssh(&e.openssh).ok()?;
            let info = crate::keys::KeyInfo::from_public(&key).ok()?;
            let mut k = ImportKey::new(e.line, info);
            k.name_hint = Some(host.to_string());
            Some(k)
        })
        .collect();
    if unknown.is_empty() {
        return Ok(Vec::new());
    }
    let rep = inv.import_bulk(&unknown, &Scope::default(), None, Vec::new())?;
    for (line, name) in &rep.imported {
        if let Some(e) = audit.entries.iter_mut().find(|e| e.line == *line) {
            e.key_pair = Some(name.clone());
            e.key_pairs = vec![name.clone()];
        }
    }
    Ok(rep.imported)
}

/// Replaces the key pairs a host trusts with `new` (the console's "Reset SSH Key"):
/// deploy `new`, prove it logs in, only then remove `old` (every key pair bound to the
/// host but `new`, or the given ones), and rebind. Keys the inventory does not know
/// stay on the server.
fn replace_on_host(
    remote: &Remote,
    h: &Host,
    new: &KeyPair,
    old: &[KeyPair],
    ids: &Identities,
) -> Result<usize, Failure> {
    let Some(new_private) = private_key(new) else {
        return Err(no_private_key(new));
    };
    add_key(remote, h, ids, new)?;
    let unproved = |f: Failure| Failure {
        kind: f.kind,
        message: format!(
            "{} was added but a login with it failed ({}); the old key pairs were left in place",
            new.name, f.message
        ),
    };
    // Logging in with the new key alone is the proof, and that same connection then
    // removes the old lines: one connection fewer per host than a separate proof.
    let (session, file) = Session::open(&remote.ssh, &endpoint(h), &Identities::Only(new_private), &h.authorized_keys)
        .map_err(unproved)?;
    match session.login_key() {
        LoginKey::Key(fp) if fp == new.fingerprint_sha256 => {}
        other => {
            drop(session);
            let how = match other {
                LoginKey::Key(fp) => format!("ssh got in with another key ({fp})"),
                _ => "ssh got in without that key".to_string(),
            };
            return Err(unproved(Failure { kind: FailureKind::Refused, message: how }));
        }
    }
    let old: Vec<&str> = old
        .iter()
        .filter(|k| k.fingerprint_sha256 != new.fingerprint_sha256)
        .map(|k| k.fingerprint_sha256.as_str())
        .collect();
    let (content, n) = authorized_keys::remove(&file.content, &old);
    if n == 0 {
        session.keep()?;
        return Ok(0);
    }
    session.write(&content)?;
    Ok(n)
}

/// Reset key on one host: `new` becomes the only key pair bound to it.
pub fn reset_key(
    inv: &mut Inventory,
    remote: &Remote,
    host: &str,
    new: &KeyPair,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<HostOutcome>, RemoteError> {
    let hosts = resolve_hosts(inv, &[host.to_string()])?;
    let old: Vec<KeyPair> = hosts[0].keys.iter().filter_map(|(id, _)| inv.key(*id).ok()).collect();
    let ids = management(inv, remote, &hosts, None);
    let work = |i: usize, h: &Host| match replace_on_host(remote, h, new, &old, &ids[i]) {
        Ok(n) => (
            HostOutcome::ok(h, "rotated", format!("{} logs in; {} of the old key pairs removed", new.name, lines(n))),
            true,
        ),
        Err(f) => (HostOutcome::failed(h, &f), false),
    };
    let apply = |h: &Host, o: &mut HostOutcome, done: bool| {
        if !done {
            return;
        }
        match inv.replace_bindings(&h.name, new.id) {
            Ok(_) => {
                let _ = inv.log_remote("reset key", &new.name, &format!("on {}", h.name));
            }
            Err(e) => {
                o.inventory_failed("the bindings were not saved", e);
            }
        }
    };
    Ok(for_hosts(remote, &hosts, &work, apply, progress))
}

/// Rotates `old` to `new` on every host `old` is bound to, in parallel: each host gets
/// `new` (proved) before `old` is removed; a host that fails keeps `old` and is
/// reported; running it again finishes what is left. With `delete_old`, the old key
/// pair is deleted from the inventory once no host uses it.
pub fn rotate(
    inv: &mut Inventory,
    remote: &Remote,
    old: &KeyPair,
    new: &KeyPair,
    delete_old: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(Vec<HostOutcome>, bool), RemoteError> {
    if old.id == new.id || old.fingerprint_sha256 == new.fingerprint_sha256 {
        return Err(RemoteError::Setup(format!("'{}' and '{}' are the same key", old.name, new.name)));
    }
    if private_key(new).is_none() {
        return Err(RemoteError::Setup(no_private_key(new).message));
    }
    let hosts = resolve_hosts(inv, &old.hosts)?;
    let ids = management(inv, remote, &hosts, Some(old));
    let work = |i: usize, h: &Host| match replace_on_host(remote, h, new, std::slice::from_ref(old), &ids[i]) {
        Ok(n) => {
            (HostOutcome::ok(h, "rotated", format!("{} logs in; {} of {} removed", new.name, lines(n), old.name)), true)
        }
        Err(f) => (HostOutcome::failed(h, &f), false),
    };
    let apply = |h: &Host, o: &mut HostOutcome, done: bool| {
        if !done {
            return;
        }
        let r = inv
            .bind(new.id, std::slice::from_ref(&h.name))
            .and_then(|_| inv.unbind(old.id, std::slice::from_ref(&h.name)));
        match r {
            Ok(_) => {
                let _ = inv.log_remote("rotate", &old.name, &format!("to {} on {}", new.name, h.name));
            }
            Err(e) => {
                o.inventory_failed("the bindings were not saved", e);
            }
        }
    };
    let outcomes = for_hosts(remote, &hosts, &work, apply, progress);
    let mut deleted = false;
    if delete_old && outcomes.iter().all(|o| o.ok) {
        let still = inv.key(old.id)?;
        if still.hosts.is_empty() {
            inv.delete_keys(&[old.id], crate::inventory::DeleteHow::default())?;
            deleted = true;
        }
    }
    Ok((outcomes, deleted))
}

/// "1 line", "2 lines".
fn lines(n: usize) -> String {
    if n == 1 {
        "1 line".into()
    } else {
        format!("{n} lines")
    }
}
