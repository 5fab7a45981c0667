//! Hosts for real: `key deploy|undeploy|rotate` and `host check|audit|reset-key` against
//! one private `sshd` on 127.0.0.1 that listens on several ports, each port a "host" with
//! its own authorized_keys file (sshd's `Match LocalPort`). A bootstrap key (the admin
//! key, in a root-owned file every port reads) lets Keyshelf manage a host before any of
//! its keys is there. `StrictModes yes` when running as root, so every login proved here
//! also proves that sshd accepts the folder and file modes deploy creates.
//!
//! Nothing touches the real `~/.ssh`: ssh runs with `-F /dev/null`, its own known_hosts
//! per test, no agent, and only the key files given (`IdentitiesOnly=yes`).
//!
//! Needs `/usr/sbin/sshd` (Debian: `openssh-server`); set `KEYSHELF_SKIP_SSHD=1` to skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use keyshelf::ui::{KeyshelfApp, NativePlatform};
use serde_json::Value;
use std::sync::Arc;

const SSHD: &str = "/usr/sbin/sshd";
const PORTS: usize = 16;

/// The shared sshd. It is started through `sh`, which kills it when this test process
/// ends (its standard input, held here, closes), so no sshd outlives the tests.
struct Server {
    base: PathBuf,
    ports: Vec<u16>,
    admin: PathBuf,
    user: String,
    strict: bool,
    _keeper: Mutex<(Child, ChildStdin)>,
}

fn server() -> Option<&'static Server> {
    static S: OnceLock<Option<Server>> = OnceLock::new();
    S.get_or_init(start).as_ref()
}

fn start() -> Option<Server> {
    if !Path::new(SSHD).exists() {
        if std::env::var("KEYSHELF_SKIP_SSHD").as_deref() == Ok("1") {
            eprintln!("note: {SSHD} is missing and KEYSHELF_SKIP_SSHD=1: host tests skipped");
            return None;
        }
        panic!("{SSHD} is missing: install openssh-server, or set KEYSHELF_SKIP_SSHD=1 to skip");
    }
    if is_root() {
        // sshd refuses to start as root without its privilege separation folder.
        fs::create_dir_all("/run/sshd").expect("create /run/sshd");
    }
    // StrictModes checks every folder above an authorized_keys file: none may be group or
    // world writable, which rules out /tmp. /run is root's and 0755; elsewhere (not root,
    // or /run not writable) the test runs with StrictModes off.
    let make = |parent: &Path| tempfile::Builder::new().prefix("keyshelf-hosts-").tempdir_in(parent);
    let (base, strict) = match make(Path::new("/run")) {
        Ok(d) if is_root() => (d.keep(), true),
        _ => (make(Path::new(env!("CARGO_TARGET_TMPDIR"))).expect("tempdir").keep(), false),
    };
    fs::set_permissions(&base, fs::Permissions::from_mode(0o755)).unwrap();
    let host_key = base.join("ssh_host_ed25519_key");
    ssh_keygen_generate(&host_key, "ed25519", None, "", "test host key");
    let admin = base.join("admin");
    ssh_keygen_generate(&admin, "ed25519", None, "", "admin");
    let bootstrap = base.join("bootstrap_keys");
    fs::copy(pub_of(&admin), &bootstrap).unwrap();
    fs::set_permissions(&bootstrap, fs::Permissions::from_mode(0o644)).unwrap();
    let user = tool_ok("id", ["-un"]).trim().to_string();

    let listeners: Vec<TcpListener> = (0..PORTS).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().unwrap().port()).collect();
    drop(listeners);
    let mut config = String::new();
    for p in &ports {
        config.push_str(&format!("ListenAddress 127.0.0.1:{p}\n"));
    }
    config.push_str(&format!(
        "HostKey {}\nPubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
         PermitRootLogin prohibit-password\nUsePAM no\nStrictModes {}\nPidFile none\nLogLevel VERBOSE\n\
         MaxStartups 100\nAuthorizedKeysFile {}\n",
        host_key.display(),
        if strict { "yes" } else { "no" },
        bootstrap.display()
    ));
    for (i, p) in ports.iter().enumerate() {
        let home = base.join(format!("h{i}"));
        fs::create_dir(&home).unwrap();
        fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();
        config.push_str(&format!(
            "Match LocalPort {p}\n  AuthorizedKeysFile {} {}\n",
            bootstrap.display(),
            home.join(".ssh/authorized_keys").display()
        ));
    }
    let cfg = base.join("sshd_config");
    fs::write(&cfg, config).unwrap();
    let t = tool(SSHD, ["-t", "-f", s(&cfg)]);
    assert!(t.status.success(), "sshd -t: {}", text(&t.stderr));
    let log = fs::File::create(base.join("sshd.log")).unwrap();
    let mut child = Command::new("sh")
        .args([
            "-c",
            r#""$0" -D -e -f "$1" & p=$!; cat >/dev/null; kill $p; wait $p; rm -rf "$2""#,
            SSHD,
            s(&cfg),
            s(&base),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start sshd");
    let stdin = child.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    for p in &ports {
        while TcpStream::connect(("127.0.0.1", *p)).is_err() {
            assert!(Instant::now() < deadline, "sshd does not listen on {p}: {}", sshd_log(&base));
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    Some(Server { base, ports, admin, user, strict, _keeper: Mutex::new((child, stdin)) })
}

fn sshd_log(base: &Path) -> String {
    fs::read_to_string(base.join("sshd.log")).unwrap_or_default()
}

impl Server {
    /// The authorized_keys file of the host on port `i`.
    fn file(&self, i: usize) -> PathBuf {
        self.base.join(format!("h{i}/.ssh/authorized_keys"))
    }

    /// An Env whose keyshelf runs ssh without the user's config, agent or known_hosts.
    fn env(&self) -> Env {
        let mut env = Env::new();
        let kh = env.path("known_hosts");
        env.vars.push((
            "KEYSHELF_SSH_COMMAND".into(),
            format!(
                "ssh -F /dev/null -o UserKnownHostsFile={} -o GlobalKnownHostsFile=/dev/null -o IdentityAgent=none \
                 -o IdentitiesOnly=yes -o BatchMode=yes",
                kh.display()
            ),
        ));
        env
    }

    /// Adds host `name` for port `i`.
    fn add_host(&self, env: &Env, name: &str, i: usize) {
        env.ok([
            "host",
            "add",
            name,
            "--address",
            "127.0.0.1",
            "--port",
            &self.ports[i].to_string(),
            "--user",
            &self.user,
            "--authorized-keys",
            s(&self.file(i)),
        ]);
    }

    fn admin(&self) -> &str {
        s(&self.admin)
    }

    /// Whether `key` alone logs in on port `i` (the oracle: plain ssh, not Keyshelf).
    fn logs_in(&self, env: &Env, i: usize, key: &Path) -> bool {
        let out = Command::new("ssh")
            .args(["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o"])
            .arg(format!("UserKnownHostsFile={}", env.path("oracle_known_hosts").display()))
            .args(["-o", "GlobalKnownHostsFile=/dev/null", "-o", "IdentityAgent=none", "-o", "IdentitiesOnly=yes"])
            .args(["-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-i", s(key), "-p", &self.ports[i].to_string()])
            .arg(format!("{}@127.0.0.1", self.user))
            .args(["echo", "logged-in-OK"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        out.status.success() && text(&out.stdout).contains("logged-in-OK")
    }
}

/// `keyshelf key create NAME --out DIR/NAME` (Ed25519, fast), returning the private key path.
fn create(env: &Env, name: &str, comment: Option<&str>) -> PathBuf {
    let out = env.path(name);
    let mut args = vec!["key", "create", name, "--out", s(&out)];
    if let Some(c) = comment {
        args.extend(["--comment", c]);
    }
    env.ok(args);
    out
}

fn public_line(env: &Env, name: &str) -> String {
    env.ok(["key", "export", name]).trim().to_string()
}

/// Runs keyshelf with `--json` and returns (exit ok, the outcomes by host).
fn run_json(env: &Env, args: &[&str]) -> (bool, Vec<Value>) {
    let mut a = args.to_vec();
    a.push("--json");
    let out = env.run(&a);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("keyshelf {a:?}: not JSON ({e}): {} / {}", text(&out.stdout), text(&out.stderr)));
    (out.status.success(), v.as_array().unwrap().clone())
}

fn status_of(v: &[Value], host: &str) -> String {
    let o = v.iter().find(|o| o["host"] == host).unwrap_or_else(|| panic!("no outcome for {host}: {v:?}"));
    o["status"].as_str().unwrap().to_string()
}

fn host_json(env: &Env, name: &str) -> Value {
    let v: Value = serde_json::from_str(&env.ok(["host", "list", "--json"])).unwrap();
    v.as_array().unwrap().iter().find(|h| h["name"] == name).unwrap().clone()
}

#[test]
fn deploy_creates_the_file_dedupes_and_keeps_every_other_byte() {
    let Some(srv) = server() else { return };
    let env = srv.env();
    srv.add_host(&env, "web", 0);
    let k1 = create(&env, "k1", None);

    let (ok, v) = run_json(&env, &["key", "deploy", "k1", "web", "--identity", srv.admin(), "--accept-new"]);
    assert!(ok, "{v:?}\n{}", sshd_log(&srv.base));
    assert_eq!(status_of(&v, "web"), "deployed");
    assert!(v[0]["message"].as_str().unwrap().contains("login with it works"), "{v:?}");
    let file = srv.file(0);
    assert_eq!(mode(&file) & 0o777, 0o600);
    assert_eq!(mode(file.parent().unwrap()) & 0o777, 0o700);
    assert!(srv.logs_in(&env, 0, &k1), "sshd (StrictModes {}) accepts what deploy created", srv.strict);
    assert_eq!(fs::read_to_string(&file).unwrap(), format!("{}\n", public_line(&env, "k1")));

    // Again: nothing to do, the file is untouched.
    let before = fs::read(&file).unwrap();
    let (ok, v) = run_json(&env, &["key", "deploy", "k1", "web", "--identity", srv.admin()]);
    assert!(ok && status_of(&v, "web") == "already present", "{v:?}");
    assert_eq!(fs::read(&file).unwrap(), before);

    // The same key with options and another comment counts as present; other lines,
    // CRLF and a last line without a break stay byte for byte.
    let k1_blob = public_line(&env, "k1").split(' ').take(2).collect::<Vec<_>>().join(" ");
    let foreign = env.path("foreign");
    ssh_keygen_generate(&foreign, "ecdsa", Some(256), "", "someone else");
    let foreign_line = fs::read_to_string(pub_of(&foreign)).unwrap().trim().to_string();
    let hand = format!("# kept\r\nno-pty,command=\"echo \\\"x y\\\"\" {k1_blob} other comment\r\n\n{foreign_line}");
    fs::write(&file, &hand).unwrap();
    let (ok, v) = run_json(&env, &["key", "deploy", "k1", "web", "--identity", srv.admin()]);
    assert!(ok && status_of(&v, "web") == "already present", "{v:?}");
    assert_eq!(fs::read_to_string(&file).unwrap(), hand);

    // A comment full of shell metacharacters travels as data and stays inert.
    let pwned = env.path("pwned");
    let evil = format!("$(touch {p}) `touch {p}`; touch {p} \"'\\ | & > {p}", p = pwned.display());
    let k2 = create(&env, "k2", Some(&evil));
    let (ok, v) = run_json(&env, &["key", "deploy", "k2", "web", "--identity", srv.admin()]);
    assert!(ok && status_of(&v, "web") == "deployed", "{v:?}\n{}", sshd_log(&srv.base));
    assert!(!pwned.exists(), "the comment was run as a command");
    let after = fs::read_to_string(&file).unwrap();
    assert_eq!(after, format!("{hand}\r\n{}\n", public_line(&env, "k2")));
    assert!(after.contains(&evil));
    assert!(srv.logs_in(&env, 0, &k2));

    // The host trusts both key pairs now; `key` stays the first for older scripts.
    let h = host_json(&env, "web");
    assert_eq!(h["key"], "k1");
    assert_eq!(h["keys"], serde_json::json!(["k1", "k2"]));

    // A symbolic link (a file managed elsewhere) stays a link: its target is rewritten.
    let real = file.with_file_name("keys.managed");
    fs::rename(&file, &real).unwrap();
    std::os::unix::fs::symlink("keys.managed", &file).unwrap();
    create(&env, "k3", None);
    let (ok, v) = run_json(&env, &["key", "deploy", "k3", "web", "--identity", srv.admin()]);
    assert!(ok && status_of(&v, "web") == "deployed", "{v:?}");
    assert!(fs::symlink_metadata(&file).unwrap().file_type().is_symlink(), "the link was replaced by a file");
    assert_eq!(fs::read_link(&file).unwrap(), Path::new("keys.managed"));
    assert!(fs::read_to_string(&real).unwrap().ends_with(&format!("{}\n", public_line(&env, "k3"))));
    assert_eq!(mode(&real) & 0o777, 0o600);
}

#[test]
fn undeploy_removes_every_line_of_the_key_and_never_locks_out() {
    let Some(srv) = server() else { return };
    let env = srv.env();
    srv.add_host(&env, "db", 1);
    let k1 = create(&env, "k1", None);
    let k2 = create(&env, "k2", None);
    for k in ["k1", "k2"] {
        let (ok, v) = run_json(&env, &["key", "deploy", k, "db", "--identity", srv.admin(), "--accept-new"]);
        assert!(ok, "{v:?}");
    }
    let file = srv.file(1);
    let k1_line = public_line(&env, "k1");
    let k2_line = public_line(&env, "k2");
    let k1_blob: String = k1_line.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let kept_head = "# ops team\r\n";
    let kept_tail = "\n#tail without break";
    fs::write(&file, format!("{kept_head}{k1_line}\nrestrict {k1_blob} again\n{k2_line}\n{kept_tail}")).unwrap();

    let (ok, v) = run_json(&env, &["key", "undeploy", "k1", "db", "--identity", srv.admin()]);
    assert!(ok && status_of(&v, "db") == "removed", "{v:?}");
    assert_eq!(fs::read_to_string(&file).unwrap(), format!("{kept_head}{k2_line}\n{kept_tail}"));
    assert_eq!(mode(&file) & 0o777, 0o600, "the new file keeps the old one's mode");
    assert!(!srv.logs_in(&env, 1, &k1));
    assert!(srv.logs_in(&env, 1, &k2));
    assert_eq!(host_json(&env, "db")["keys"], serde_json::json!(["k2"]));

    // Removing it again: nothing there, nothing changed.
    let before = fs::read(&file).unwrap();
    env.ok(["key", "bind", "k1", "db"]);
    let (ok, v) = run_json(&env, &["key", "undeploy", "k1", "db", "--identity", srv.admin()]);
    assert!(ok && status_of(&v, "db") == "not present", "{v:?}");
    assert_eq!(fs::read(&file).unwrap(), before);

    // Without --identity Keyshelf logs in with k2 itself (the bound key pair): removing
    // it would lock Keyshelf out, and nothing else is proved to work, so it refuses.
    let (ok, v) = run_json(&env, &["key", "undeploy", "k2", "db"]);
    assert!(!ok, "{v:?}");
    assert_eq!(status_of(&v, "db"), "failed");
    assert!(v[0]["message"].as_str().unwrap().contains("lock you out"), "{v:?}");
    assert_eq!(fs::read(&file).unwrap(), before, "nothing changed");
    assert!(srv.logs_in(&env, 1, &k2));
    // --force does it.
    let (ok, v) = run_json(&env, &["key", "undeploy", "k2", "db", "--force"]);
    assert!(ok && status_of(&v, "db") == "removed", "{v:?}");
    assert_eq!(fs::read_to_string(&file).unwrap(), format!("{kept_head}{kept_tail}"));
}

#[test]
fn check_tells_ok_refused_unreachable_no_private_key_and_a_changed_host_key() {
    let Some(srv) = server() else { return };
    let env = srv.env();
    srv.add_host(&env, "app", 2);
    create(&env, "k3", None);
    let (ok, v) = run_json(&env, &["key", "deploy", "k3", "app", "--identity", srv.admin(), "--accept-new"]);
    assert!(ok, "{v:?}");
    // The deploy's proof counts as a check of the host's only key pair.
    assert_eq!(host_json(&env, "app")["last_check"]["status"], "ok");
    let (ok, v) = run_json(&env, &["host", "check", "app"]);
    assert!(ok && status_of(&v, "app") == "ok", "{v:?}");
    assert_eq!(v[0]["message"], "logs in", "{v:?}");
    let h = host_json(&env, "app");
    assert_eq!(h["last_check"]["status"], "ok");
    assert!(h["last_check"]["at"].as_str().unwrap().starts_with("20"), "{h}");

    // Taken off the server behind Keyshelf's back: refused, with ssh's reason.
    fs::write(srv.file(2), "").unwrap();
    let (ok, v) = run_json(&env, &["host", "check", "app"]);
    assert!(!ok);
    assert_eq!(status_of(&v, "app"), "refused", "{v:?}");
    assert!(v[0]["message"].as_str().unwrap().contains("Permission denied"), "{v:?}");
    assert_eq!(host_json(&env, "app")["last_check"]["status"], "refused");

    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    env.ok(["host", "add", "gone", "--address", "127.0.0.1", "--port", &closed.to_string(), "--user", &srv.user]);
    env.ok(["key", "bind", "k3", "gone"]);
    let (_, v) = run_json(&env, &["host", "check", "gone"]);
    assert_eq!(status_of(&v, "gone"), "unreachable", "{v:?}");
    assert!(v[0]["message"].as_str().unwrap().contains("Connection refused"), "{v:?}");

    // A key pair whose private key Keyshelf does not have.
    let lone = env.path("lone");
    ssh_keygen_generate(&lone, "ed25519", None, "", "lone");
    env.ok(["key", "import", "lone", "--file", s(&pub_of(&lone))]);
    srv.add_host(&env, "pubonly", 3);
    env.ok(["key", "bind", "lone", "pubonly"]);
    let (_, v) = run_json(&env, &["host", "check", "pubonly"]);
    assert_eq!(status_of(&v, "pubonly"), "no private key", "{v:?}");

    // The host's key changed (a rebuilt server, or an attack): refused, never accepted,
    // and the message says what to do.
    let kh = env.path("known_hosts");
    let other = env.path("other_host_key");
    ssh_keygen_generate(&other, "ed25519", None, "", "");
    let fake = fs::read_to_string(pub_of(&other)).unwrap();
    let fake: Vec<&str> = fake.split_whitespace().take(2).collect();
    fs::write(&kh, format!("[127.0.0.1]:{} {}\n", srv.ports[2], fake.join(" "))).unwrap();
    let (ok, v) = run_json(&env, &["host", "check", "app"]);
    assert!(!ok);
    assert_eq!(status_of(&v, "app"), "host key changed", "{v:?}");
    assert!(v[0]["message"].as_str().unwrap().contains("known_hosts"), "{v:?}");
    // In text, the cleanup for all its names comes with it.
    let out = env.run(["host", "check", "app"]);
    let said = text(&out.stdout);
    let p = srv.ports[2];
    assert!(said.contains(&format!("keyshelf known-hosts remove '[app]:{p}' '[127.0.0.1]:{p}'")), "{said}");
    // --accept-new does not accept a changed key either.
    let before = fs::read(srv.file(2)).unwrap();
    let (ok, v) = run_json(&env, &["key", "deploy", "k3", "app", "--identity", srv.admin(), "--accept-new"]);
    assert!(!ok);
    assert_eq!(status_of(&v, "app"), "host key changed", "{v:?}");
    assert_eq!(fs::read(srv.file(2)).unwrap(), before);
}

#[test]
fn audit_names_each_key_and_imports_the_unknown_ones() {
    let Some(srv) = server() else { return };
    let env = srv.env();
    srv.add_host(&env, "ci", 4);
    create(&env, "known", None);
    let (ok, v) = run_json(&env, &["key", "deploy", "known", "ci", "--identity", srv.admin(), "--accept-new"]);
    assert!(ok, "{v:?}");
    let foreign = env.path("laptop");
    ssh_keygen_generate(&foreign, "ed25519", None, "", "alice@laptop");
    let foreign_line = fs::read_to_string(pub_of(&foreign)).unwrap();
    let mut f = fs::OpenOptions::new().append(true).open(srv.file(4)).unwrap();
    writeln!(f, "from=\"10.0.0.0/8\",no-pty {foreign_line}not a key at all").unwrap();
    drop(f);
    let foreign_fp = ssh_keygen_fingerprint(&pub_of(&foreign), false);

    let (ok, v) = run_json(&env, &["host", "audit", "ci", "--identity", srv.admin()]);
    assert!(ok, "{v:?}");
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(v[0]["key_pair"], "known");
    assert_eq!(v[1]["key_pair"], Value::Null);
    assert_eq!(v[1]["fingerprint_sha256"], foreign_fp.as_str());
    assert_eq!(v[1]["type"], "ssh-ed25519");
    assert_eq!(v[1]["comment"], "alice@laptop");
    assert_eq!(v[1]["options"], "from=\"10.0.0.0/8\",no-pty");

    let text = env.ok(["host", "audit", "ci", "--identity", srv.admin(), "--import"]);
    assert!(text.contains("Imported line 2"), "{text}");
    let k = env.show(&foreign_fp, &[]);
    assert_eq!(field(&k, "fingerprint_sha256"), foreign_fp);
    let (_, v) = run_json(&env, &["host", "audit", "ci", "--identity", srv.admin()]);
    assert!(v.iter().all(|e| e["key_pair"].is_string()), "{v:?}");

    // A key with a passphrase, from a terminal-less CLI: ssh may not ask, and says so.
    let pass = env.write("pass.txt", "pw words\n");
    env.ok(["key", "create", "locked", "--out", s(&env.path("locked")), "--passphrase-file", s(&pass)]);
    let (ok, v) = run_json(&env, &["key", "deploy", "locked", "ci", "--identity", srv.admin()]);
    assert!(!ok);
    assert_eq!(status_of(&v, "ci"), "failed", "{v:?}");
    assert!(v[0]["message"].as_str().unwrap().contains("has a passphrase"), "{v:?}");
}

#[test]
fn reset_key_and_rotate_prove_the_new_key_first_and_a_rerun_finishes() {
    let Some(srv) = server() else { return };
    let env = srv.env();
    let old = create(&env, "old", None);
    let new = create(&env, "new", None);
    for (name, i) in [("r5", 5), ("r6", 6), ("r7", 7), ("r8", 8)] {
        srv.add_host(&env, name, i);
        let (ok, v) = run_json(&env, &["key", "deploy", "old", name, "--identity", srv.admin(), "--accept-new"]);
        assert!(ok, "{v:?}");
    }

    // Reset key on one host, managing it with its own (old) key: new in, proved, old out.
    let (ok, v) = run_json(&env, &["host", "reset-key", "r5", "new"]);
    assert!(ok && status_of(&v, "r5") == "rotated", "{v:?}");
    assert!(srv.logs_in(&env, 5, &new));
    assert!(!srv.logs_in(&env, 5, &old));
    assert_eq!(host_json(&env, "r5")["keys"], serde_json::json!(["new"]));

    // Rotate the rest; r8's record points at a file sshd does not read, so the new key
    // cannot be proved there: r8 must keep the old key.
    let wrong = srv.base.join("h8/.ssh/elsewhere");
    env.ok(["host", "edit", "r8", "--authorized-keys", s(&wrong)]);
    let r8_before = fs::read(srv.file(8)).unwrap();
    let (ok, v) = run_json(&env, &["key", "rotate", "old", "--to", "new", "--delete-old"]);
    assert!(!ok, "one host failed: {v:?}");
    assert_eq!(status_of(&v, "r6"), "rotated", "{v:?}");
    assert_eq!(status_of(&v, "r7"), "rotated", "{v:?}");
    assert_ne!(status_of(&v, "r8"), "rotated", "{v:?}");
    for i in [6, 7] {
        assert!(srv.logs_in(&env, i, &new) && !srv.logs_in(&env, i, &old), "host {i}");
    }
    assert_eq!(fs::read(srv.file(8)).unwrap(), r8_before, "r8 keeps its old key");
    assert!(srv.logs_in(&env, 8, &old));
    assert_eq!(host_json(&env, "r8")["keys"], serde_json::json!(["old"]));
    assert!(env.run(["key", "show", "old"]).status.success(), "old is kept while a host uses it");

    // Fix the host and run again: only r8 is left, and then the old key pair goes.
    env.ok(["host", "edit", "r8", "--authorized-keys", s(&srv.file(8))]);
    let (ok, v) = run_json(&env, &["key", "rotate", "old", "--to", "new", "--delete-old"]);
    assert!(ok, "{v:?}");
    assert_eq!(v.len(), 1, "only what was left: {v:?}");
    assert_eq!(status_of(&v, "r8"), "rotated");
    assert!(srv.logs_in(&env, 8, &new) && !srv.logs_in(&env, 8, &old));
    assert!(!env.run(["key", "show", "old"]).status.success(), "--delete-old deleted it");
}

/// Steps the app until `done` holds (the run works on other threads).
fn step_until(h: &mut Harness<'_, KeyshelfApp>, what: &str, done: impl Fn(&KeyshelfApp) -> bool) {
    let start = Instant::now();
    h.run_steps(1);
    while !done(h.state()) {
        assert!(start.elapsed() < Duration::from_secs(90), "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(3);
}

/// Steps the app until a widget labelled `label` shows.
fn wait_for_label(h: &mut Harness<'_, KeyshelfApp>, label: &str) {
    let start = Instant::now();
    while h.query_by_label(label).is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {label} to show");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(2);
}

fn settle(h: &mut Harness<'_, KeyshelfApp>) {
    step_until(h, "background work", |a| !a.busy());
}

/// Clicks a table row by the text of one of its cells.
fn click_row(h: &mut Harness<'_, KeyshelfApp>, cell: &str) {
    let rect = h.get_all_by_value(cell).next().unwrap_or_else(|| panic!("row {cell} visible")).rect();
    pointer_click(h, rect);
}

/// Clicks a button through accessibility (a pointer click that opens a modal would
/// land on the modal's backdrop on release and close it).
fn button(h: &mut Harness<'_, KeyshelfApp>, label: &str) {
    h.get_by_role_and_label(Role::Button, label).click_accesskit();
    h.run_steps(2);
}

#[test]
fn the_app_checks_trusts_a_new_host_and_rotates_with_progress_per_host() {
    let Some(srv) = server() else { return };
    let env = srv.env();
    let a = create(&env, "ua", None);
    let b = create(&env, "ub", None);
    for (name, i) in [("u9", 9), ("u10", 10)] {
        srv.add_host(&env, name, i);
        let (ok, v) = run_json(&env, &["key", "deploy", "ua", name, "--identity", srv.admin(), "--accept-new"]);
        assert!(ok, "{v:?}");
    }
    // A host this known_hosts has never seen, bound in the inventory only.
    srv.add_host(&env, "u11", 11);
    env.ok(["key", "bind", "ub", "u11"]);
    // u13: a host never seen, trusting a key with a passphrase.
    let pass = env.write("pass.txt", "correct horse\n");
    let pk = env.path("pk");
    env.ok(["key", "create", "pk", "--out", s(&pk), "--passphrase-file", s(&pass)]);
    let dir = srv.file(13).parent().unwrap().to_path_buf();
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(srv.file(13), format!("{}\n", public_line(&env, "pk"))).unwrap();
    fs::set_permissions(srv.file(13), fs::Permissions::from_mode(0o600)).unwrap();
    srv.add_host(&env, "u13", 13);
    env.ok(["key", "bind", "pk", "u13"]);
    // The app runs ssh like the CLI above: the same private known_hosts, no user config.
    // (Set once for this process; the CLI runs of other tests pass their own.)
    let (_, cmd) = env.vars.iter().find(|(k, _)| k == "KEYSHELF_SSH_COMMAND").unwrap();
    // Without BatchMode: the app decides whether ssh may ask.
    std::env::set_var("KEYSHELF_SSH_COMMAND", cmd.replace(" -o BatchMode=yes", ""));

    // ssh's questions come to the window through keyshelf as SSH_ASKPASS.
    let app = KeyshelfApp::new(Some(env.db.clone()), Arc::new(NativePlatform))
        .with_askpass_program(Some(PathBuf::from(env!("CARGO_BIN_EXE_keyshelf"))));
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .allow_missing_glyphs()
        .build_ui_state(|ui, app: &mut KeyshelfApp| app.ui_root(ui), app);
    step_until(&mut h, "the inventory to open", |a| a.is_loaded() && !a.busy());

    // Hosts: check the new host. ssh asks whether to trust its key, in the window; "No"
    // leaves it unknown, said so, and "Trust and retry" is offered.
    h.get_by_label_contains("Hosts  (").click();
    h.run_steps(2);
    click_row(&mut h, "u11");
    button(&mut h, "Check login");
    step_until(&mut h, "ssh's host key question", |a| a.remote_question().is_some());
    assert!(h.state().remote_question().unwrap().contains("continue connecting"));
    button(&mut h, "No");
    settle(&mut h);
    assert!(h.query_by_label("host key unknown").is_some(), "the run window names the unknown host key");
    button(&mut h, "Trust new host keys and retry");
    settle(&mut h);
    // Trusted now; ub is only bound, not on the server: refused, in ssh's words.
    assert!(h.query_by_label("refused").is_some());
    assert!(h.query_by_label_contains("Permission denied").is_some());
    button(&mut h, "Close");
    assert!(h.query_by_label_contains("refused ·").is_some(), "the Hosts table shows the last check");

    // Keys: rotate ua to ub on its two hosts, from the key's details.
    h.get_by_label_contains("All key pairs  (").click();
    h.run_steps(2);
    click_row(&mut h, "ua");
    button(&mut h, "Rotate…");
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), Some("rotate"));
    h.get_by_label_contains("ub  (").click_accesskit();
    h.run_steps(2);
    button(&mut h, "Rotate on 2 hosts");
    settle(&mut h);
    assert!(h.query_by_label("Done: 2 hosts, all succeeded.").is_some());
    assert_eq!(h.query_all_by_label("rotated").count(), 2);
    for i in [9, 10] {
        assert!(srv.logs_in(&env, i, &b) && !srv.logs_in(&env, i, &a), "host {i} moved to ub");
    }
    button(&mut h, "Close");
    assert_eq!(host_json(&env, "u9")["keys"], serde_json::json!(["ub"]));

    // A key with a passphrase on a host never seen: both questions come to the window.
    h.get_by_label_contains("Hosts  (").click();
    h.run_steps(2);
    click_row(&mut h, "u13");
    button(&mut h, "Check login");
    step_until(&mut h, "the host key question", |a| a.remote_question().is_some());
    button(&mut h, "Yes, trust this host key");
    step_until(&mut h, "the passphrase question", |a| a.remote_question().is_some_and(|q| q.contains("passphrase")));
    h.get_by_label("Passphrase").type_text("correct horse");
    h.run_steps(1);
    button(&mut h, "OK");
    settle(&mut h);
    assert!(h.query_by_label("ok").is_some(), "the login with the passphrase key worked");
    button(&mut h, "Close");
    assert_eq!(host_json(&env, "u13")["last_check"]["status"], "ok");

    // Cancel while ssh waits for an answer: the question goes away, ssh is told no, the
    // run ends and nothing was trusted.
    srv.add_host(&env, "u15", 15);
    env.ok(["key", "bind", "ub", "u15"]);
    // Added by another process (the CLI): the app notices and shows it by itself.
    h.get_by_label_contains("Hosts  (").click();
    wait_for_label(&mut h, "u15");
    click_row(&mut h, "u15");
    button(&mut h, "Check login");
    step_until(&mut h, "the host key question", |a| a.remote_question().is_some());
    button(&mut h, "Cancel");
    settle(&mut h);
    assert!(h.state().remote_question().is_none());
    assert!(h.query_by_label("host key unknown").is_some(), "the cancelled question left the host unknown");
    let port = format!("]:{}", srv.ports[15]);
    assert!(!fs::read_to_string(env.path("known_hosts")).unwrap().contains(&port), "nothing was trusted");
    button(&mut h, "Close");

    // Deleting a deployed key pair offers to take it off its hosts first, over ssh.
    let c = create(&env, "uc", None);
    let (ok, v) = run_json(&env, &["key", "deploy", "uc", "u9"]);
    assert!(ok, "{v:?}");
    assert!(srv.logs_in(&env, 9, &c));
    h.get_by_label_contains("All key pairs  (").click();
    wait_for_label(&mut h, "uc");
    click_row(&mut h, "uc");
    h.key_press(egui::Key::Delete);
    step_until(&mut h, "the delete dialog", |a| a.open_dialog() == Some("delete"));
    button(&mut h, "Remove it from its hosts first…");
    settle(&mut h);
    assert!(h.query_by_label("removed").is_some(), "uc came off u9");
    button(&mut h, "Close");
    assert!(!srv.logs_in(&env, 9, &c) && srv.logs_in(&env, 9, &b), "uc is gone from u9, ub still logs in");
    assert_eq!(host_json(&env, "u9")["keys"], serde_json::json!(["ub"]));

    // Audit from the app: u9's keys named from the inventory, and the one it does not
    // know imported on request.
    let stranger = env.path("stranger");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "stranger@laptop", "-f", s(&stranger)])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let line = fs::read_to_string(stranger.with_extension("pub")).unwrap();
    let mut file = fs::read_to_string(srv.file(9)).unwrap();
    file.push_str(&line);
    fs::write(srv.file(9), file).unwrap();
    h.get_by_label_contains("Hosts  (").click();
    h.run_steps(2);
    click_row(&mut h, "u9");
    button(&mut h, "More");
    button(&mut h, "Audit");
    settle(&mut h);
    assert!(h.query_by_label_contains("1 not in the inventory").is_some(), "the audit names what it knows");
    button(&mut h, "Import 1 unknown key");
    settle(&mut h);
    assert!(h.query_by_label_contains("1 imported").is_some(), "the unknown key was imported");
    button(&mut h, "Close");
    let (ok, v) = run_json(&env, &["host", "audit", "u9", "--identity", srv.admin()]);
    assert!(
        ok && v.len() >= 2 && v.iter().all(|e| !e["key_pair"].is_null()),
        "every key of u9 is in the inventory now: {v:?}"
    );
}

/// Waits until the server side of an interrupted run is gone: its temporary file next to
/// `file` is removed by the script's own trap when the connection drops.
fn wait_for_server_side(file: &Path) {
    let dir = file.parent().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let leftovers: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".keyshelf-new."))
            .collect();
        if leftovers.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "temporary files left on the server: {leftovers:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs keyshelf in its own process group and kills the group (keyshelf and its ssh)
/// with SIGKILL after `after`, as a crash or a closed laptop lid would.
fn run_killed(env: &Env, args: &[&str], after: Duration) {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyshelf"));
    c.arg("--db").arg(&env.db).args(args).envs(env.vars.iter().map(|(k, v)| (k, v)));
    c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    let mut child = c.spawn().unwrap();
    std::thread::sleep(after);
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
    let _ = child.wait();
}

#[test]
fn cut_connections_and_killed_runs_leave_the_old_or_the_new_file_never_a_part() {
    let Some(srv) = server() else { return };
    let mut env = srv.env();
    srv.add_host(&env, "f", 12);
    create(&env, "k1", None);
    create(&env, "k2", None);
    let (ok, v) = run_json(&env, &["key", "deploy", "k1", "f", "--identity", srv.admin(), "--accept-new"]);
    assert!(ok, "{v:?}");
    let file = srv.file(12);
    // A file of some size, so that the new content travels in several pieces.
    let filler: String = (0..400).map(|i| format!("# line {i} of notes about who may log in here\n")).collect();
    let old = format!("{filler}{}\n", public_line(&env, "k1"));
    let with_k2 = format!("{old}{}\n", public_line(&env, "k2"));
    let k2_only = format!("{filler}{}\n", public_line(&env, "k2"));
    let reset = |env: &Env| {
        fs::write(&file, &old).unwrap();
        let _ = env.run(["key", "unbind", "k2", "f"]);
        let _ = env.run(["key", "bind", "k1", "f"]);
    };

    // 1. The connection ends after N bytes of what Keyshelf sends (the path, the request,
    //    the new file): at every point the server keeps the old file, or has the new one.
    let cut = env.path("cut.sh");
    let (_, ssh) = env.vars.iter().find(|(k, _)| k == "KEYSHELF_SSH_COMMAND").unwrap().clone();
    // dd, not head: head's output is buffered, so it would hold back what it let through.
    fs::write(&cut, format!("#!/bin/sh\ndd bs=1 count=\"$KS_CUT\" 2>/dev/null | exec {ssh} \"$@\"\n")).unwrap();
    fs::set_permissions(&cut, fs::Permissions::from_mode(0o755)).unwrap();
    env.vars.retain(|(k, _)| k != "KEYSHELF_SSH_COMMAND");
    env.vars.push(("KEYSHELF_SSH_COMMAND".into(), s(&cut).to_string()));
    let sent = s(&file).len() + 1 + format!("write {}\n", with_k2.len()).len() + with_k2.len();
    let mut points: Vec<usize> = vec![0, 1, s(&file).len(), s(&file).len() + 1, s(&file).len() + 4];
    points.extend((1..12).map(|i| sent * i / 12));
    points.extend([sent - 1, sent]);
    let mut saw_new = 0;
    for n in points {
        reset(&env);
        env.vars.retain(|(k, _)| k != "KS_CUT");
        env.vars.push(("KS_CUT".into(), n.to_string()));
        let out = env.run(["key", "deploy", "k2", "f", "--identity", srv.admin(), "--json"]);
        wait_for_server_side(&file);
        let now = fs::read_to_string(&file).unwrap();
        assert!(now == old || now == with_k2, "cut after {n} of {sent} bytes left a third state:\n{now}");
        if now == with_k2 {
            saw_new += 1;
            assert_eq!(n, sent, "the new file landed although only {n} of {sent} bytes arrived");
        } else {
            assert!(!out.status.success(), "cut after {n} bytes: not deployed, and said so");
        }
    }
    assert_eq!(saw_new, 1, "the uncut run deploys");
    env.vars.retain(|(k, _)| k != "KS_CUT" && k != "KEYSHELF_SSH_COMMAND");
    env.vars.push(("KEYSHELF_SSH_COMMAND".into(), ssh));

    // 2. Keyshelf (and its ssh) killed at points during a deploy.
    for ms in [5, 20, 40, 60, 80, 100, 130, 160, 200, 300] {
        reset(&env);
        run_killed(&env, &["key", "deploy", "k2", "f", "--identity", srv.admin()], Duration::from_millis(ms));
        wait_for_server_side(&file);
        let now = fs::read_to_string(&file).unwrap();
        assert!(now == old || now == with_k2, "killed after {ms} ms, deploy left a third state:\n{now}");
    }

    // 3. ... and during a rotation: old key, both, or new key; never neither, never a part.
    for ms in [10, 40, 80, 120, 160, 200, 250, 300, 400, 500, 700] {
        reset(&env);
        run_killed(&env, &["key", "rotate", "k1", "--to", "k2"], Duration::from_millis(ms));
        wait_for_server_side(&file);
        let now = fs::read_to_string(&file).unwrap();
        assert!(
            now == old || now == with_k2 || now == k2_only,
            "killed after {ms} ms, rotate left a third state:\n{now}"
        );
    }
    // A finished rotation from any of those states ends with only the new key.
    reset(&env);
    let (ok, v) = run_json(&env, &["key", "rotate", "k1", "--to", "k2"]);
    assert!(ok, "{v:?}");
    assert_eq!(fs::read_to_string(&file).unwrap(), k2_only);
}

/// The key ssh logged in with, from its `-v` output (`Server accepts key: ... SHA256:...`).
fn accepted_key(stderr: &[u8]) -> Option<String> {
    keyshelf::remote::ssh::Said::new(stderr).accepted_key()
}

#[test]
fn connect_logs_in_with_the_bound_key_alone_and_its_command_line_round_trips() {
    let Some(srv) = server() else { return };
    let mut env = srv.env();
    srv.add_host(&env, "term", 14);
    // A key file whose path a shell must quote.
    let dir = env.path("it's here");
    fs::create_dir(&dir).unwrap();
    let key = dir.join("bound key");
    env.ok(["key", "create", "bound", "--out", s(&key)]);
    let bound = ssh_keygen_fingerprint(&pub_of(&key), false);
    let admin = ssh_keygen_fingerprint(&pub_of(&srv.admin), false);
    let err = env.fails(["connect", "term", "--", "true"]);
    assert!(err.contains("host 'term' has no bound key pair") && err.contains("--any-key"), "{err}");
    let (ok, v) = run_json(&env, &["key", "deploy", "bound", "term", "--identity", srv.admin(), "--accept-new"]);
    assert!(ok, "{v:?}");

    // An agent of this test's own holds the admin key, which every port trusts; ssh as
    // the user has it (agent on, no IdentitiesOnly) offers that key first.
    let agent_dir = tempfile::tempdir().unwrap();
    let sock = agent_dir.path().join("agent.sock");
    let mut agent = Command::new("sh")
        .args(["-c", r#"ssh-agent -D -a "$0" & p=$!; cat >/dev/null; kill $p; wait $p"#, s(&sock)])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ssh_add = |args: &[&str]| Command::new("ssh-add").args(args).env("SSH_AUTH_SOCK", &sock).output().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while ssh_add(&["-l"]).status.code() != Some(1) {
        assert!(Instant::now() < deadline, "the test's ssh-agent does not answer");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ssh_add(&[srv.admin()]).status.success());
    let kh = env.path("known_hosts");
    let user_ssh = format!(
        "ssh -F /dev/null -o UserKnownHostsFile='{}' -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes",
        kh.display()
    );
    env.vars.retain(|(k, _)| k != "KEYSHELF_SSH_COMMAND");
    env.vars.push(("KEYSHELF_SSH_COMMAND".into(), user_ssh.clone()));
    env.vars.push(("SSH_AUTH_SOCK".into(), s(&sock).into()));
    let port = srv.ports[14].to_string();
    let plain = Command::new("sh")
        .args(["-c", &format!("{user_ssh} -v -p {port} {}@127.0.0.1 true", srv.user)])
        .env("SSH_AUTH_SOCK", &sock)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(accepted_key(&plain.stderr), Some(admin.clone()), "the oracle: plain ssh uses the agent's key");

    // connect: the bound key alone; ssh options after the destination, then the command,
    // and ssh's exit status.
    let out = env.run(["connect", "term", "--", "-v", "echo", "connected-MARKER"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "connected-MARKER");
    assert_eq!(accepted_key(&out.stderr), Some(bound.clone()), "{}", text(&out.stderr));
    assert_eq!(env.run(["connect", "term", "--", "exit", "7"]).status.code(), Some(7));

    // The command line, as argv and as one shell string that sh splits back into it.
    let extra = ["echo", "two  words", "it's", "$HOME", "a\\b"];
    let mut args = vec!["connect", "term", "--print", "--json", "--"];
    args.extend(extra);
    let printed: Value = serde_json::from_str(&env.ok(&args)).unwrap();
    let argv: Vec<&str> = printed["argv"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(argv.ends_with(&extra), "{argv:?}");
    assert!(argv.windows(2).any(|w| w == ["-i", s(&key)]) && argv.contains(&"IdentitiesOnly=yes"), "{argv:?}");
    assert_eq!(printed["key_pair"], "bound");
    let line = field(&printed, "command");
    let split = Command::new("sh").args(["-c", &format!("printf '%s\\0' {line}")]).output().unwrap();
    let words: Vec<String> = text(&split.stdout).split_terminator('\0').map(str::to_string).collect();
    assert_eq!(words, argv);
    let copied = env.ok(["connect", "term", "--print", "--", "-v", "echo", "via-sh-MARKER"]);
    let out = Command::new("sh").args(["-c", copied.trim_end()]).env("SSH_AUTH_SOCK", &sock).output().unwrap();
    assert_eq!(text(&out.stdout).trim(), "via-sh-MARKER", "{}", text(&out.stderr));
    assert_eq!(accepted_key(&out.stderr), Some(bound.clone()));

    // In a terminal: $TERMINAL -e runs it (here a stand-in that writes what it shows).
    let shown = env.path("terminal.out");
    let terminal = env.path("terminal.sh");
    fs::write(&terminal, format!("#!/bin/sh\n[ \"$1\" = -e ] && shift\nexec \"$@\" > '{}' 2>&1\n", shown.display()))
        .unwrap();
    fs::set_permissions(&terminal, fs::Permissions::from_mode(0o755)).unwrap();
    env.vars.push(("TERMINAL".into(), s(&terminal).into()));
    let said = env.ok(["connect", "term", "--terminal", "--", "echo", "terminal-MARKER"]);
    assert!(said.contains("Opened term in"), "{said}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !fs::read_to_string(&shown).unwrap_or_default().contains("terminal-MARKER") {
        assert!(Instant::now() < deadline, "the terminal showed: {:?}", fs::read_to_string(&shown));
        std::thread::sleep(Duration::from_millis(20));
    }

    // Without a usable bound key, --any-key leaves the choice to the user's setup.
    fs::rename(&key, dir.join("moved")).unwrap();
    let err = env.fails(["connect", "term", "--", "true"]);
    assert!(err.contains("is missing"), "{err}");
    let out = env.run(["connect", "term", "--any-key", "--", "-v", "true"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(accepted_key(&out.stderr), Some(admin));
    drop(agent.stdin.take());
    let _ = agent.wait();
}
