//! What Keyshelf does on servers: deploy, undeploy, check, reset key and rotate (the
//! audit, which changes nothing, is in [`super::audit`]).
//!
//! Each operation runs in three phases, so that the ssh work never holds the inventory:
//! a [`Plan`] read from the inventory (key pairs, hosts, their addresses and bound key
//! pairs: plain data), the ssh work over the plan ([`execute`], on whichever thread the
//! caller likes, with progress and cancel), and the results written back ([`record`],
//! host by host as each finishes, then [`finish`]). [`deploy`], [`check`] and the others
//! do all three in one call, for the CLI.
//!
//! The rule that runs through all of it: nothing is removed from a server until another
//! login is proved to work, so no host ever ends with neither the old key nor the new.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use super::authorized_keys;
use super::outcome::{HostOutcome, HostStatus, Progress};
use super::session::{LoginKey, Session};
use super::ssh::{Endpoint, Failure, FailureKind, Identities, Ssh};
use super::RemoteError;
use crate::inventory::{Host, Inventory, KeyPair};

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

// Phase one: the plan, read from the inventory.

/// One host of a run: where it is and the key pairs bound to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPlan {
    pub host: Host,
    /// The key pairs bound to the host, in the order the inventory lists them.
    pub bound: Vec<KeyPair>,
}

impl HostPlan {
    /// Reads a host and the key pairs bound to it.
    pub fn read(inv: &Inventory, host: &str) -> Result<HostPlan, RemoteError> {
        let host = inv.host(host)?;
        let bound = host.keys.iter().filter_map(|(id, _)| inv.key(*id).ok()).collect();
        Ok(HostPlan { host, bound })
    }

    pub fn endpoint(&self) -> Endpoint {
        endpoint(&self.host)
    }
}

/// What a run does on each host of its plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Deploy { key: KeyPair },
    Undeploy { key: KeyPair, force: bool },
    Check,
    ResetKey { new: KeyPair },
    Rotate { old: Box<KeyPair>, new: Box<KeyPair>, delete_old: bool },
}

/// Everything the ssh work needs from the inventory, read beforehand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub operation: Operation,
    /// Each host once, in the order asked for.
    pub hosts: Vec<HostPlan>,
}

impl Plan {
    fn new(inv: &Inventory, operation: Operation, host_names: &[String]) -> Result<Plan, RemoteError> {
        let mut hosts: Vec<HostPlan> = Vec::new();
        for n in host_names {
            let hp = HostPlan::read(inv, n)?;
            if !hosts.iter().any(|x| x.host.id == hp.host.id) {
                hosts.push(hp);
            }
        }
        Ok(Plan { operation, hosts })
    }

    /// Deploy `key` to hosts.
    pub fn deploy(inv: &Inventory, key: &KeyPair, host_names: &[String]) -> Result<Plan, RemoteError> {
        Plan::new(inv, Operation::Deploy { key: key.clone() }, host_names)
    }

    /// Remove `key` from hosts.
    pub fn undeploy(inv: &Inventory, key: &KeyPair, host_names: &[String], force: bool) -> Result<Plan, RemoteError> {
        Plan::new(inv, Operation::Undeploy { key: key.clone(), force }, host_names)
    }

    /// Log in to hosts with each bound key pair.
    pub fn check(inv: &Inventory, host_names: &[String]) -> Result<Plan, RemoteError> {
        Plan::new(inv, Operation::Check, host_names)
    }

    /// Make `new` the only key pair of `host`.
    pub fn reset_key(inv: &Inventory, host: &str, new: &KeyPair) -> Result<Plan, RemoteError> {
        Plan::new(inv, Operation::ResetKey { new: new.clone() }, &[host.to_string()])
    }

    /// Move every host `old` is bound to (`old.hosts`) to `new`.
    pub fn rotate(inv: &Inventory, old: &KeyPair, new: &KeyPair, delete_old: bool) -> Result<Plan, RemoteError> {
        if old.id == new.id || old.fingerprint_sha256 == new.fingerprint_sha256 {
            return Err(RemoteError::SameKey { old: old.name.clone(), new: new.name.clone() });
        }
        Plan::new(
            inv,
            Operation::Rotate { old: Box::new(old.clone()), new: Box::new(new.clone()), delete_old },
            &old.hosts,
        )
    }
}

// Phase two: the ssh work, over the plan only.

/// What the ssh work did on one host: the outcome to show, and what the inventory must
/// follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostResult {
    pub outcome: HostOutcome,
    pub change: Change,
}

/// What changed on a server that the inventory must learn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing (a failure, a cancelled host).
    Nothing,
    /// The key is on the server; `proof` is the login tried with it, if one was.
    OnServer { proof: Option<(HostStatus, String)> },
    /// The key is no longer on the server.
    Gone,
    /// A check's result, to remember as the host's last check.
    Checked,
    /// The new key pair replaced the old ones.
    Replaced,
}

impl HostResult {
    fn unchanged(outcome: HostOutcome) -> HostResult {
        HostResult { outcome, change: Change::Nothing }
    }
}

/// Runs `work` on every host, `parallel` at a time, handing each result to `done` on the
/// caller's thread as the host finishes (so the inventory can follow the servers host by
/// host, even if the run is killed half-way); what `done` returns is the host's outcome.
fn for_hosts(
    remote: &Remote,
    hosts: &[HostPlan],
    work: &(dyn Fn(&HostPlan) -> HostResult + Sync),
    done: &mut dyn FnMut(usize, HostResult) -> HostOutcome,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<HostOutcome> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, HostResult)>();
    let mut out: Vec<Option<HostOutcome>> = vec![None; hosts.len()];
    std::thread::scope(|s| {
        for _ in 0..remote.parallel.clamp(1, hosts.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(hp) = hosts.get(i) else { break };
                if remote.cancel.load(Ordering::SeqCst) {
                    let o = HostOutcome::not_ok(
                        &hp.host,
                        HostStatus::Cancelled,
                        "cancelled before it started; nothing was changed",
                    );
                    let _ = tx.send((i, HostResult::unchanged(o)));
                    continue;
                }
                progress(Progress::Started(hp.host.name.clone()));
                if tx.send((i, work(hp))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, r) in rx {
            let o = done(i, r);
            progress(Progress::Finished(o.clone()));
            out[i] = Some(o);
        }
    });
    out.into_iter().flatten().collect()
}

/// Does the ssh work of a plan, reporting each host as it starts and finishes. The
/// inventory is not touched: `done` gets each host's result (with its index in
/// `plan.hosts`) and returns the outcome to report, typically after [`record`].
pub fn execute(
    plan: &Plan,
    remote: &Remote,
    progress: &(dyn Fn(Progress) + Sync),
    done: &mut dyn FnMut(usize, HostResult) -> HostOutcome,
) -> Result<Vec<HostOutcome>, RemoteError> {
    if let Operation::Rotate { new, .. } = &plan.operation {
        if private_key(new).is_none() {
            return Err(missing_private_key(new));
        }
    }
    let work = |hp: &HostPlan| match &plan.operation {
        Operation::Deploy { key } => deploy_on(remote, hp, key),
        Operation::Undeploy { key, force } => undeploy_on(remote, hp, key, *force),
        Operation::Check => HostResult { outcome: check_on(remote, hp), change: Change::Checked },
        Operation::ResetKey { new } => {
            replaced(hp, replace_on_host(remote, &hp.host, new, &hp.bound, &login_identities(remote, hp, None)), |n| {
                format!("{} logs in; {} of the old key pairs removed", new.name, lines(n))
            })
        }
        Operation::Rotate { old, new, .. } => {
            let ids = login_identities(remote, hp, Some(&**old));
            replaced(hp, replace_on_host(remote, &hp.host, new, std::slice::from_ref(&**old), &ids), |n| {
                format!("{} logs in; {} of {} removed", new.name, lines(n), old.name)
            })
        }
    };
    Ok(for_hosts(remote, &plan.hosts, &work, done, progress))
}

fn replaced(hp: &HostPlan, r: Result<usize, Failure>, message: impl Fn(usize) -> String) -> HostResult {
    match r {
        Ok(n) => {
            HostResult { outcome: HostOutcome::ok(&hp.host, HostStatus::Rotated, message(n)), change: Change::Replaced }
        }
        Err(f) => HostResult::unchanged(HostOutcome::failed(&hp.host, &f)),
    }
}

/// How to log in to manage a host: `--identity`, else the private key files of its bound
/// key pairs (then whatever the user's ssh setup offers): `first` (the key pair the run
/// is about) first, then those without a passphrase, so that ssh does not stop to ask
/// for an unrelated key's passphrase.
pub fn login_identities(remote: &Remote, hp: &HostPlan, first: Option<&KeyPair>) -> Identities {
    if let Some(i) = &remote.identity {
        return Identities::Prefer(vec![i.clone()]);
    }
    let mut files: Vec<PathBuf> = hp.bound.iter().filter_map(private_key).collect();
    files.sort_by_cached_key(|p| has_passphrase(p));
    if let Some(f) = first.and_then(private_key) {
        files.retain(|p| *p != f);
        files.insert(0, f);
    }
    Identities::Prefer(files)
}

/// Adds the key to the file unless it is already there.
fn add_key(remote: &Remote, h: &Host, ids: &Identities, key: &KeyPair) -> Result<HostStatus, Failure> {
    let (session, file) = Session::open(&remote.ssh, &endpoint(h), ids, &h.authorized_keys)?;
    if authorized_keys::contains(&file.content, &key.fingerprint_sha256) {
        session.keep()?;
        return Ok(HostStatus::AlreadyPresent);
    }
    let line = authorized_keys::key_line(&key.public_key);
    session.write(&authorized_keys::append(&file.content, &line))?;
    Ok(HostStatus::Deployed)
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

fn missing_private_key(key: &KeyPair) -> RemoteError {
    RemoteError::NoPrivateKey { key: key.name.clone(), path: key.private_key_path.clone() }
}

fn no_private_key(key: &KeyPair) -> Failure {
    Failure { kind: FailureKind::Remote, message: missing_private_key(key).to_string() }
}

fn deploy_on(remote: &Remote, hp: &HostPlan, key: &KeyPair) -> HostResult {
    let h = &hp.host;
    let status = match add_key(remote, h, &login_identities(remote, hp, None), key) {
        Err(f) => return HostResult::unchanged(HostOutcome::failed(h, &f)),
        Ok(status) => status,
    };
    let mut proof = None;
    let outcome = match private_key(key) {
        None => HostOutcome::ok(
            h,
            status,
            format!("in {}; not proved: Keyshelf does not know the private key file", h.authorized_keys),
        ),
        Some(_) => match prove(remote, h, key) {
            Ok(()) => {
                proof = Some((HostStatus::Ok, "logs in".to_string()));
                HostOutcome::ok(h, status, format!("in {}; a login with it works", h.authorized_keys))
            }
            Err(f) => {
                proof = Some((HostStatus::from(f.kind), f.message.clone()));
                HostOutcome::not_ok(
                    h,
                    HostStatus::Failed,
                    format!(
                        "the key is in {}, but a login with it failed: {}. Check the server's AuthorizedKeysFile and StrictModes",
                        h.authorized_keys, f.message
                    ),
                )
            }
        },
    };
    HostResult { outcome, change: Change::OnServer { proof } }
}

fn undeploy_on(remote: &Remote, hp: &HostPlan, key: &KeyPair, force: bool) -> HostResult {
    let h = &hp.host;
    // Other key pairs that could prove a login.
    let others: Vec<KeyPair> = hp.bound.iter().filter(|k| k.id != key.id).cloned().collect();
    match remove_keys(remote, h, &login_identities(remote, hp, None), &[key], &others, force) {
        Ok(0) => HostResult {
            outcome: HostOutcome::ok(h, HostStatus::NotPresent, format!("{} did not hold it", h.authorized_keys)),
            change: Change::Gone,
        },
        Ok(n) => HostResult {
            outcome: HostOutcome::ok(
                h,
                HostStatus::Removed,
                format!("{} removed from {}", lines(n), h.authorized_keys),
            ),
            change: Change::Gone,
        },
        Err(f) => HostResult::unchanged(HostOutcome::failed(h, &f)),
    }
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

/// Logs in to a host with each bound key pair, alone. The worst result wins; the
/// message names each key pair's.
fn check_on(remote: &Remote, hp: &HostPlan) -> HostOutcome {
    let (h, keys) = (&hp.host, &hp.bound);
    if keys.is_empty() {
        return HostOutcome::not_ok(h, HostStatus::NoPrivateKey, "no key pair is bound to this host");
    }
    let rank = |s: HostStatus| match s {
        HostStatus::Ok => 0,
        HostStatus::NoPrivateKey => 1,
        HostStatus::Refused => 2,
        _ => 3,
    };
    let mut worst: Option<(HostStatus, String)> = None;
    let mut parts = Vec::new();
    for k in keys {
        let (status, msg) = match private_key(k) {
            None => (HostStatus::NoPrivateKey, no_private_key(k).message),
            Some(p) => match prove_file(remote, h, &p, k) {
                Ok(()) => (HostStatus::Ok, "logs in".to_string()),
                Err(f) => (HostStatus::from(f.kind), f.message),
            },
        };
        parts.push(format!("{}: {msg}", k.name));
        if worst.as_ref().is_none_or(|(w, _)| rank(status) > rank(*w)) {
            worst = Some((status, msg));
        }
        // No point in trying the other keys of a host that cannot be reached.
        if status.host_not_reached() {
            break;
        }
    }
    let (status, message) = worst.unwrap_or((HostStatus::NoPrivateKey, String::new()));
    let message = if keys.len() == 1 { message } else { parts.join("; ") };
    HostOutcome { host: h.name.clone(), ok: status == HostStatus::Ok, status, message }
}

// Phase three: the results, written to the inventory.

/// Writes what one host's ssh work changed: bindings, the last check, the activity log.
/// Returns the host's outcome, which says so when the inventory could not follow.
pub fn record(inv: &mut Inventory, plan: &Plan, index: usize, result: HostResult) -> HostOutcome {
    let HostResult { outcome: mut o, change } = result;
    let Some(hp) = plan.hosts.get(index) else { return o };
    let h = &hp.host;
    let name = std::slice::from_ref(&h.name);
    match (&plan.operation, change) {
        (_, Change::Nothing) => {}
        (Operation::Deploy { key }, Change::OnServer { proof }) => {
            // A proof is a check of this key pair: remember it (when it is the host's only one).
            if let Some((status, message)) = proof {
                if h.keys.iter().all(|(id, _)| *id == key.id) {
                    let _ = inv.record_check(&h.name, status.word(), &format!("{}: {message}", key.name));
                }
            }
            if let Err(e) = inv.bind(key.id, name) {
                o.inventory_failed("the binding was not saved", e);
            }
            if o.status == HostStatus::Deployed {
                let _ = inv.log_remote("deploy", &key.name, &format!("to {} ({})", h.name, h.authorized_keys));
            }
        }
        (Operation::Undeploy { key, .. }, Change::Gone) => {
            if h.keys.iter().any(|(id, _)| *id == key.id) {
                if let Err(e) = inv.unbind(key.id, name) {
                    o.inventory_failed("the binding was not removed", e);
                }
            }
            if o.status == HostStatus::Removed {
                let _ = inv.log_remote("undeploy", &key.name, &format!("from {} ({})", h.name, h.authorized_keys));
            }
        }
        (Operation::Check, Change::Checked) => {
            if let Err(e) = inv.record_check(&h.name, o.status.word(), &o.message) {
                o.message = format!("{}; the result was not saved: {e}", o.message);
            }
        }
        (Operation::ResetKey { new }, Change::Replaced) => match inv.replace_bindings(&h.name, new.id) {
            Ok(_) => {
                let _ = inv.log_remote("reset key", &new.name, &format!("on {}", h.name));
            }
            Err(e) => o.inventory_failed("the bindings were not saved", e),
        },
        (Operation::Rotate { old, new, .. }, Change::Replaced) => {
            match inv.bind(new.id, name).and_then(|_| inv.unbind(old.id, name)) {
                Ok(_) => {
                    let _ = inv.log_remote("rotate", &old.name, &format!("to {} on {}", new.name, h.name));
                }
                Err(e) => o.inventory_failed("the bindings were not saved", e),
            }
        }
        // A change another operation makes: nothing of this one's to record.
        (_, Change::OnServer { .. } | Change::Gone | Change::Checked | Change::Replaced) => {}
    }
    o
}

/// What is left once every host is recorded: a rotation with `delete_old` deletes the
/// old key pair when every host succeeded and none is bound to it any more. True when
/// it was deleted.
pub fn finish(inv: &mut Inventory, plan: &Plan, outcomes: &[HostOutcome]) -> Result<bool, RemoteError> {
    let Operation::Rotate { old, delete_old: true, .. } = &plan.operation else { return Ok(false) };
    if !outcomes.iter().all(|o| o.ok) || !inv.key(old.id)?.hosts.is_empty() {
        return Ok(false);
    }
    inv.delete_keys(&[old.id], crate::inventory::DeleteHow::default())?;
    Ok(true)
}

// The three phases in one call, for the CLI.

/// Plans, works and records in one go: each host is recorded as it finishes.
fn perform(
    inv: &mut Inventory,
    remote: &Remote,
    plan: &Plan,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<HostOutcome>, RemoteError> {
    execute(plan, remote, progress, &mut |i, r| record(inv, plan, i, r))
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
    let plan = Plan::deploy(inv, key, host_names)?;
    perform(inv, remote, &plan, progress)
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
    let plan = Plan::undeploy(inv, key, host_names, force)?;
    perform(inv, remote, &plan, progress)
}

/// Logs in to each host with each bound key pair, alone, and remembers the result.
pub fn check(
    inv: &mut Inventory,
    remote: &Remote,
    host_names: &[String],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<HostOutcome>, RemoteError> {
    let plan = Plan::check(inv, host_names)?;
    perform(inv, remote, &plan, progress)
}

/// Reset key on one host: `new` becomes the only key pair bound to it.
pub fn reset_key(
    inv: &mut Inventory,
    remote: &Remote,
    host: &str,
    new: &KeyPair,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<HostOutcome>, RemoteError> {
    let plan = Plan::reset_key(inv, host, new)?;
    perform(inv, remote, &plan, progress)
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
    let plan = Plan::rotate(inv, old, new, delete_old)?;
    let outcomes = perform(inv, remote, &plan, progress)?;
    let deleted = finish(inv, &plan, &outcomes)?;
    Ok((outcomes, deleted))
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

/// "1 line", "2 lines".
fn lines(n: usize) -> String {
    if n == 1 {
        "1 line".into()
    } else {
        format!("{n} lines")
    }
}

#[cfg(test)]
mod tests;
