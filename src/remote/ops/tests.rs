//! The plan and record phases against a real inventory in a temporary folder, and the
//! ssh phase where it needs no server (a cancelled run, a refused rotation). The ssh work
//! itself is covered end to end by tests/remote_hosts.rs against a real sshd.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::*;
use crate::inventory::{NewHost, NewKeyPair, Origin};
use crate::keys::{GeneratedKey, KeyKind, KeySpec, PrivateFormat};
use crate::remote::{Prompts, SshCommand};

struct Fixture {
    dir: tempfile::TempDir,
    inv: Inventory,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::open(&dir.path().join("inv.sqlite3")).unwrap();
        Fixture { dir, inv }
    }

    /// A key pair; with `private`, its private key file is written (with `passphrase`).
    fn key(&mut self, name: &str, private: bool, passphrase: Option<&str>) -> KeyPair {
        let spec = KeySpec::new(KeyKind::Ed25519, None).unwrap();
        let g = GeneratedKey::generate(spec, name).unwrap();
        let path = self.dir.path().join(name);
        if private {
            g.write_private(&path, PrivateFormat::OpenSsh, passphrase, false).unwrap();
        }
        self.inv
            .add_key(&NewKeyPair {
                name: name.into(),
                description: String::new(),
                account: None,
                region: String::new(),
                info: g.info().clone(),
                origin: Origin::Imported,
                private_key_path: Some(path.to_string_lossy().into_owned()),
                tags: Vec::new(),
            })
            .unwrap()
    }

    fn host(&mut self, name: &str, addresses: &[&str], user: &str, port: u16) {
        let h = NewHost {
            name: name.into(),
            addresses: addresses.iter().map(|a| a.to_string()).collect(),
            port,
            user: user.into(),
            ..Default::default()
        };
        self.inv.add_host(&h).unwrap();
    }

    fn bind(&mut self, key: &KeyPair, host: &str) {
        self.inv.bind(key.id, &[host.to_string()]).unwrap();
    }

    /// A key pair as the inventory has it now (with its hosts).
    fn reread(&self, key: &KeyPair) -> KeyPair {
        self.inv.key(key.id).unwrap()
    }

    fn bound_names(&self, host: &str) -> Vec<String> {
        self.inv.host(host).unwrap().keys.into_iter().map(|(_, n)| n).collect()
    }

    /// The activity log, oldest first, as `action subject: detail`.
    fn activity(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .inv
            .activity(100, None)
            .unwrap()
            .into_iter()
            .filter(|a| ["deploy", "undeploy", "reset key", "rotate"].contains(&a.action.as_str()))
            .map(|a| format!("{} {}: {}", a.action, a.subject, a.detail))
            .collect();
        v.reverse();
        v
    }
}

fn hosts(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn remote() -> Remote {
    // Never run by these tests: ssh is not reached.
    let command = SshCommand::parse("ssh-that-is-never-run").unwrap();
    Remote::new(Ssh { command, prompts: Prompts::Never, accept_new: false })
}

fn result(plan: &Plan, i: usize, status: HostStatus, change: Change) -> HostResult {
    let h = &plan.hosts[i].host;
    let outcome = HostOutcome {
        host: h.name.clone(),
        ok: status.tone() == crate::remote::Tone::Good,
        status,
        message: "m".into(),
    };
    HostResult { outcome, change }
}

fn prefer(ids: Identities) -> Vec<PathBuf> {
    match ids {
        Identities::Prefer(v) => v,
        Identities::Only(p) => panic!("a login to manage a host never offers one key only: {}", p.display()),
    }
}

fn file_of(k: &KeyPair) -> PathBuf {
    PathBuf::from(k.private_key_path.as_deref().unwrap())
}

#[test]
fn a_plan_lists_each_host_once_in_order_with_its_address_and_bound_key_pairs() {
    let mut f = Fixture::new();
    let a = f.key("ka", true, None);
    let b = f.key("kb", false, None);
    f.host("web", &["10.0.0.1", "web.example"], "deploy", 2222);
    f.host("db", &["db.example"], "", 22);
    f.bind(&a, "web");
    f.bind(&b, "web");

    let plan = Plan::deploy(&f.inv, &a, &hosts(&["web", "db", "web"])).unwrap();
    assert_eq!(plan.operation, Operation::Deploy { key: a.clone() });
    let planned: Vec<&str> = plan.hosts.iter().map(|h| h.host.name.as_str()).collect();
    assert_eq!(planned, ["web", "db"], "each host once, in the order asked for");
    let web = &plan.hosts[0];
    let bound: Vec<&str> = web.bound.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(bound, ["ka", "kb"]);
    assert!(plan.hosts[1].bound.is_empty());
    let e = web.endpoint();
    assert_eq!((e.destination.as_str(), e.port, e.name.as_str()), ("deploy@10.0.0.1", 2222, "web"), "first address");
    let e = plan.hosts[1].endpoint();
    assert_eq!(e.destination, "db.example", "no user: ssh's config chooses it");
}

#[test]
fn a_plan_for_a_host_the_inventory_does_not_know_is_refused_before_any_ssh() {
    let mut f = Fixture::new();
    let a = f.key("ka", false, None);
    f.host("web", &["web.example"], "", 22);
    let err = Plan::deploy(&f.inv, &a, &hosts(&["web", "nowhere"])).unwrap_err();
    assert!(matches!(err, RemoteError::Inventory(_)), "{err:?}");
    assert!(err.to_string().contains("nowhere"), "{err}");
    assert!(HostPlan::read(&f.inv, "nowhere").is_err());
}

#[test]
fn a_rotation_is_planned_over_the_old_key_pairs_hosts_and_refuses_the_same_key() {
    let mut f = Fixture::new();
    let old = f.key("old", true, None);
    let new = f.key("new", true, None);
    f.host("h1", &["h1.example"], "", 22);
    f.host("h2", &["h2.example"], "", 22);
    f.host("h3", &["h3.example"], "", 22);
    f.bind(&old, "h1");
    f.bind(&old, "h3");
    let old = f.reread(&old);

    let plan = Plan::rotate(&f.inv, &old, &new, true).unwrap();
    let planned: Vec<&str> = plan.hosts.iter().map(|h| h.host.name.as_str()).collect();
    assert_eq!(planned, ["h1", "h3"]);

    let err = Plan::rotate(&f.inv, &old, &old, false).unwrap_err();
    assert!(matches!(err, RemoteError::SameKey { .. }), "{err:?}");
    assert_eq!(err.to_string(), "'old' and 'old' are the same key");
}

#[test]
fn managing_a_host_logs_in_with_identity_else_its_bound_keys_the_runs_key_first_then_no_passphrase_first() {
    let mut f = Fixture::new();
    let locked = f.key("locked", true, Some("secret words"));
    let plain = f.key("plain", true, None);
    let public_only = f.key("public-only", false, None);
    let first = f.key("first", true, Some("more words"));
    f.host("web", &["web.example"], "", 22);
    for k in [&locked, &public_only, &plain, &first] {
        f.bind(k, "web");
    }
    let hp = HostPlan::read(&f.inv, "web").unwrap();
    let r = remote();

    let ids = prefer(login_identities(&r, &hp, None));
    // Bound in the inventory's order (by name): first, locked, plain, public-only.
    assert_eq!(ids, [file_of(&plain), file_of(&first), file_of(&locked)], "no passphrase first; no file, not offered");

    let ids = prefer(login_identities(&r, &hp, Some(&locked)));
    assert_eq!(ids, [file_of(&locked), file_of(&plain), file_of(&first)], "the run's own key pair first");

    let mut r = remote();
    r.identity = Some(PathBuf::from("/keys/admin"));
    assert_eq!(prefer(login_identities(&r, &hp, Some(&first))), [Path::new("/keys/admin")], "--identity wins");
}

#[test]
fn a_deploy_is_recorded_as_a_binding_its_proof_as_the_last_check_and_a_new_line_in_the_log() {
    let mut f = Fixture::new();
    let a = f.key("ka", true, None);
    f.host("web", &["web.example"], "", 22);
    f.host("db", &["db.example"], "", 22);
    f.host("down", &["down.example"], "", 22);
    let plan = Plan::deploy(&f.inv, &a, &hosts(&["web", "db", "down"])).unwrap();

    let proof = Some((HostStatus::Ok, "logs in".to_string()));
    let o = record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::Deployed, Change::OnServer { proof }));
    assert!(o.ok && o.status == HostStatus::Deployed, "{o:?}");
    let o =
        record(&mut f.inv, &plan, 1, result(&plan, 1, HostStatus::AlreadyPresent, Change::OnServer { proof: None }));
    assert!(o.ok, "{o:?}");
    let o = record(&mut f.inv, &plan, 2, result(&plan, 2, HostStatus::Unreachable, Change::Nothing));
    assert_eq!(o.status, HostStatus::Unreachable);

    assert_eq!(f.reread(&a).hosts, ["db", "web"], "bound where it is on the server, not where it failed");
    let check = f.inv.host("web").unwrap().last_check.unwrap();
    assert_eq!((check.status.as_str(), check.message.as_str()), ("ok", "ka: logs in"));
    assert!(f.inv.host("db").unwrap().last_check.is_none(), "no proof, no check");
    assert_eq!(f.activity(), ["deploy ka: to web (.ssh/authorized_keys)"], "only a line that was added is logged");
}

#[test]
fn a_proof_is_the_last_check_only_of_a_host_with_no_other_key_pair() {
    let mut f = Fixture::new();
    let a = f.key("ka", true, None);
    let other = f.key("other", true, None);
    f.host("web", &["web.example"], "", 22);
    f.bind(&other, "web");
    let plan = Plan::deploy(&f.inv, &a, &hosts(&["web"])).unwrap();
    let proof = Some((HostStatus::Refused, "Permission denied".to_string()));
    let o = record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::Failed, Change::OnServer { proof }));
    assert!(!o.ok);
    assert!(f.inv.host("web").unwrap().last_check.is_none(), "a check of ka alone says nothing of other");
    assert_eq!(f.bound_names("web"), ["ka", "other"], "on the server, so bound, even though the proof failed");
    assert!(f.activity().is_empty(), "a failed deploy is not logged as one");
}

#[test]
fn an_undeploy_is_recorded_as_an_unbinding_and_logged_only_when_lines_went() {
    let mut f = Fixture::new();
    let a = f.key("ka", true, None);
    for h in ["web", "db", "ci"] {
        f.host(h, &[&format!("{h}.example")], "", 22);
        f.bind(&a, h);
    }
    let a = f.reread(&a);
    let plan = Plan::undeploy(&f.inv, &a, &hosts(&["web", "db", "ci"]), false).unwrap();
    record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::Removed, Change::Gone));
    record(&mut f.inv, &plan, 1, result(&plan, 1, HostStatus::NotPresent, Change::Gone));
    record(&mut f.inv, &plan, 2, result(&plan, 2, HostStatus::Failed, Change::Nothing));
    assert_eq!(f.reread(&a).hosts, ["ci"], "still bound where it could not be removed");
    assert_eq!(f.activity(), ["undeploy ka: from web (.ssh/authorized_keys)"]);
}

#[test]
fn a_check_is_recorded_as_each_hosts_last_check_in_its_word() {
    let mut f = Fixture::new();
    f.host("web", &["web.example"], "", 22);
    f.host("db", &["db.example"], "", 22);
    let plan = Plan::check(&f.inv, &hosts(&["web", "db"])).unwrap();
    assert_eq!(plan.operation, Operation::Check);
    record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::HostKeyChanged, Change::Checked));
    record(&mut f.inv, &plan, 1, result(&plan, 1, HostStatus::Cancelled, Change::Nothing));
    let web = f.inv.host("web").unwrap().last_check.unwrap();
    assert_eq!((web.status.as_str(), web.message.as_str()), ("host key changed", "m"));
    assert!(f.inv.host("db").unwrap().last_check.is_none(), "a cancelled host was not checked");
}

#[test]
fn a_reset_and_a_rotation_are_recorded_as_new_bindings_and_logged() {
    let mut f = Fixture::new();
    let old = f.key("old", true, None);
    let extra = f.key("extra", true, None);
    let new = f.key("new", true, None);
    for h in ["h1", "h2"] {
        f.host(h, &[&format!("{h}.example")], "", 22);
        f.bind(&old, h);
    }
    f.bind(&extra, "h1");

    let plan = Plan::reset_key(&f.inv, "h1", &new).unwrap();
    let bound: Vec<&str> = plan.hosts[0].bound.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(bound, ["extra", "old"], "every key pair bound to the host is an old one");
    record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::Rotated, Change::Replaced));
    assert_eq!(f.bound_names("h1"), ["new"]);

    let old = f.reread(&old);
    let plan = Plan::rotate(&f.inv, &old, &new, true).unwrap();
    assert_eq!(plan.hosts.len(), 1, "h2 only: h1 was reset");
    let o = record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::Rotated, Change::Replaced));
    assert_eq!(f.bound_names("h2"), ["new"]);
    assert_eq!(
        f.activity(),
        ["reset key new: to h1 (replaces extra, old)", "reset key new: on h1", "rotate old: to new on h2"]
    );

    assert!(finish(&mut f.inv, &plan, &[o]).unwrap(), "bound nowhere and every host moved: deleted");
    assert!(f.inv.key(old.id).is_err());
}

#[test]
fn a_rotation_keeps_the_old_key_pair_while_a_host_failed() {
    let mut f = Fixture::new();
    let old = f.key("old", true, None);
    let new = f.key("new", true, None);
    for h in ["h1", "h2"] {
        f.host(h, &[&format!("{h}.example")], "", 22);
        f.bind(&old, h);
    }
    let old = f.reread(&old);
    let plan = Plan::rotate(&f.inv, &old, &new, true).unwrap();
    let a = record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::Rotated, Change::Replaced));
    let b = record(&mut f.inv, &plan, 1, result(&plan, 1, HostStatus::Refused, Change::Nothing));
    assert!(!finish(&mut f.inv, &plan, &[a, b]).unwrap());
    assert_eq!(f.reread(&old).hosts, ["h2"]);
    assert_eq!(f.reread(&new).hosts, ["h1"]);
}

#[test]
fn a_host_the_inventory_lost_during_the_run_is_reported_not_ok_with_why() {
    let mut f = Fixture::new();
    let a = f.key("ka", true, None);
    f.host("web", &["web.example"], "", 22);
    let plan = Plan::deploy(&f.inv, &a, &hosts(&["web"])).unwrap();
    // Another window removes the host while ssh works on it.
    f.inv.remove_host("web").unwrap();
    let o = record(&mut f.inv, &plan, 0, result(&plan, 0, HostStatus::Deployed, Change::OnServer { proof: None }));
    assert!(!o.ok, "{o:?}");
    assert_eq!(o.status, HostStatus::Deployed, "the server side went through");
    assert!(o.message.starts_with("m; but the binding was not saved: "), "{}", o.message);
}

#[test]
fn a_cancelled_run_reaches_no_server_and_hands_every_host_back_unchanged() {
    let mut f = Fixture::new();
    let a = f.key("ka", true, None);
    f.host("web", &["web.example"], "", 22);
    f.host("db", &["db.example"], "", 22);
    let plan = Plan::deploy(&f.inv, &a, &hosts(&["web", "db"])).unwrap();
    let r = remote();
    r.cancel.store(true, Ordering::SeqCst);
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |p: Progress| seen.lock().unwrap().push(p);
    let mut handed = Vec::new();
    let outcomes = execute(&plan, &r, &progress, &mut |i, res| {
        handed.push((i, res.change.clone()));
        res.outcome
    })
    .unwrap();
    handed.sort_by_key(|(i, _)| *i);
    assert_eq!(handed, [(0, Change::Nothing), (1, Change::Nothing)]);
    assert!(outcomes.iter().all(|o| o.status == HostStatus::Cancelled && !o.ok), "{outcomes:?}");
    assert_eq!(outcomes.iter().map(|o| o.host.as_str()).collect::<Vec<_>>(), ["web", "db"], "in plan order");
    let seen = seen.into_inner().unwrap();
    assert!(seen.iter().all(|p| matches!(p, Progress::Finished(_))), "no host was started: {seen:?}");
    assert_eq!(seen.len(), 2);
    assert!(f.reread(&a).hosts.is_empty());
}

#[test]
fn a_rotation_to_a_key_pair_without_its_private_key_file_is_refused_before_any_host() {
    let mut f = Fixture::new();
    let old = f.key("old", true, None);
    let new = f.key("new", false, None);
    f.host("web", &["web.example"], "", 22);
    f.bind(&old, "web");
    let old = f.reread(&old);
    let plan = Plan::rotate(&f.inv, &old, &new, false).unwrap();
    let mut called = false;
    let err = execute(&plan, &remote(), &|_| {}, &mut |_, r| {
        called = true;
        r.outcome
    })
    .unwrap_err();
    assert!(!called);
    assert!(matches!(&err, RemoteError::NoPrivateKey { key, .. } if key == "new"), "{err:?}");
    assert!(err.to_string().contains("its private key file") && err.to_string().contains("is missing"), "{err}");
}
