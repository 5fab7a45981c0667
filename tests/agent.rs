//! `keyshelf agent add|list|rm` against a real `ssh-agent` that this file starts on its
//! own socket (never the user's agent); `ssh-add -l` and `ssh-keygen -Y sign` through
//! that agent are the oracles. The tests share the agent one at a time.
//!
//! The agent runs with an askpass that answers "yes" and notes each confirmation it was
//! asked for, so a key added with `--confirm` shows as a noted question when it is used.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The agent of this test file. It is started through `sh`, which kills it (and removes
/// its folder) when this process ends and the pipe held here closes.
struct TestAgent {
    dir: PathBuf,
    sock: PathBuf,
    /// Where the agent's askpass notes the confirmations it was asked for.
    confirmed: PathBuf,
    _keeper: (Child, ChildStdin),
}

/// Environment that could point a child at a real agent or a real askpass.
const OUTSIDE: &[&str] = &[
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "SSH_ASKPASS",
    "SSH_ASKPASS_REQUIRE",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "KEYSHELF_DB",
];

fn script(path: &Path, body: &str) -> PathBuf {
    fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    path.to_path_buf()
}

fn start() -> TestAgent {
    let dir = tempfile::Builder::new().prefix("keyshelf-agent-test-").tempdir().unwrap().keep();
    let sock = dir.join("agent.sock");
    let confirmed = dir.join("confirmed");
    let yes = script(&dir.join("yes.sh"), &format!("echo \"$*\" >> '{}'\nexit 0", confirmed.display()));
    let mut c = Command::new("sh");
    c.args(["-c", r#"ssh-agent -D -a "$0" & p=$!; cat >/dev/null; kill $p; wait $p; rm -rf "$1""#, s(&sock), s(&dir)]);
    for v in OUTSIDE {
        c.env_remove(v);
    }
    let mut child = c
        .env("SSH_ASKPASS", &yes)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ssh-agent (install openssh-client)");
    let stdin = child.stdin.take().unwrap();
    let a = TestAgent { dir, sock, confirmed, _keeper: (child, stdin) };
    wait_for("the agent to listen", || a.oracle(&["-l"]).status.code() == Some(1));
    a
}

/// This file's agent, for one test at a time, emptied.
fn agent() -> MutexGuard<'static, TestAgent> {
    static A: OnceLock<Mutex<TestAgent>> = OnceLock::new();
    let a = A.get_or_init(|| Mutex::new(start())).lock().unwrap_or_else(|e| e.into_inner());
    assert!(a.oracle(&["-D"]).status.success());
    a
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl TestAgent {
    /// Plain `ssh-add ARGS` against this agent.
    fn oracle(&self, args: &[&str]) -> Output {
        let mut c = Command::new("ssh-add");
        for v in OUTSIDE {
            c.env_remove(v);
        }
        c.args(args).env("SSH_AUTH_SOCK", &self.sock).stdin(Stdio::null()).output().unwrap()
    }

    /// The fingerprints `ssh-add -l -E sha256` lists.
    fn held(&self) -> Vec<String> {
        let out = self.oracle(&["-l", "-E", "sha256"]);
        text(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|w| w.starts_with("SHA256:"))
            .map(str::to_string)
            .collect()
    }

    /// Signs with the agent's copy of the key whose public half is `pub_file`.
    fn sign(&self, pub_file: &Path) -> bool {
        let data = self.dir.join("data");
        fs::write(&data, b"to sign").unwrap();
        let _ = fs::remove_file(self.dir.join("data.sig"));
        let mut c = Command::new("ssh-keygen");
        for v in OUTSIDE {
            c.env_remove(v);
        }
        let out = c
            .args(["-Y", "sign", "-n", "test", "-f", s(pub_file), s(&data)])
            .env("SSH_AUTH_SOCK", &self.sock)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        out.status.success()
    }

    fn confirmations(&self) -> String {
        fs::read_to_string(&self.confirmed).unwrap_or_default()
    }
}

/// `keyshelf ARGS` with `SSH_AUTH_SOCK` = `sock` (unset when `None`) and nothing else
/// from outside; any passphrase question goes to an askpass that answers nothing,
/// unless `askpass` names another.
fn run(env: &Env, sock: Option<&Path>, askpass: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyshelf"));
    for v in OUTSIDE {
        c.env_remove(v);
    }
    if let Some(sock) = sock {
        c.env("SSH_AUTH_SOCK", sock);
    }
    c.env("SSH_ASKPASS", askpass.unwrap_or(Path::new("/bin/false"))).env("SSH_ASKPASS_REQUIRE", "force");
    c.arg("--db").arg(&env.db).args(args).current_dir(env.dir.path()).stdin(Stdio::null()).output().unwrap()
}

fn ok(env: &Env, a: &TestAgent, args: &[&str]) -> String {
    let out = run(env, Some(&a.sock), None, args);
    assert!(out.status.success(), "keyshelf {args:?} failed: {}", text(&out.stderr));
    text(&out.stdout)
}

fn fails(env: &Env, sock: Option<&Path>, args: &[&str]) -> String {
    expect_failure(&run(env, sock, None, args), &args.join(" "))
}

/// `key create NAME` (Ed25519, no passphrase) with its public half copied alone to
/// `pub/NAME.pub`, so that signing with it can only go through the agent.
fn create(env: &Env, name: &str) -> (PathBuf, String) {
    let file = env.path(name);
    env.ok(["key", "create", name, "--out", s(&file)]);
    fs::create_dir_all(env.path("pub")).unwrap();
    let alone = env.path(&format!("pub/{name}.pub"));
    fs::copy(pub_of(&file), &alone).unwrap();
    (alone, ssh_keygen_fingerprint(&pub_of(&file), false))
}

#[test]
fn add_with_a_lifetime_or_confirm_on_each_use() {
    let a = agent();
    let env = Env::new();
    let (web_pub, web) = create(&env, "web");
    let (ci_pub, ci) = create(&env, "ci");

    // A long lifetime: held, with the lifetime said back.
    let said = ok(&env, &a, &["agent", "add", "web", "--lifetime", "1h"]);
    assert!(said.contains("for 1h"), "{said}");
    assert_eq!(a.held(), std::slice::from_ref(&web));

    // A short one: held, then forgotten by the agent itself, while a key without a
    // lifetime stays.
    ok(&env, &a, &["agent", "rm", "--all"]);
    ok(&env, &a, &["agent", "add", "ci"]);
    let added = Instant::now();
    ok(&env, &a, &["agent", "add", "web", "--lifetime", "2s"]);
    let held = a.held();
    if added.elapsed() < Duration::from_millis(1500) {
        assert!(held.contains(&web), "{held:?}");
    }
    wait_for("the agent to forget the key with a 2s lifetime", || !a.held().contains(&web));
    assert_eq!(a.held(), std::slice::from_ref(&ci));

    // --confirm: the agent asks before each use of that key, and only that key.
    ok(&env, &a, &["agent", "add", "web", "--confirm"]);
    assert_eq!(a.confirmations(), "");
    assert!(a.sign(&ci_pub));
    assert_eq!(a.confirmations(), "", "a key added without --confirm was confirmed");
    assert!(a.sign(&web_pub));
    let asked = a.confirmations();
    assert!(asked.contains(&web), "the agent did not ask to confirm the use of web: {asked:?}");

    // A lifetime ssh-add would not take is refused before anything is added.
    ok(&env, &a, &["agent", "rm", "--all"]);
    for bad in ["0", "1x", "soon", "-5", "99999999999"] {
        let err = fails(&env, Some(&a.sock), &["agent", "add", "web", &format!("--lifetime={bad}")]);
        assert!(err.contains("is not a lifetime"), "{bad}: {err}");
    }
    assert_eq!(a.held(), Vec::<String>::new());
}

#[test]
fn a_key_with_a_passphrase_goes_in_through_askpass_and_a_wrong_one_is_refused() {
    let a = agent();
    let env = Env::new();
    let pass = env.write("pass.txt", "correct horse battery\n");
    let file = env.path("locked");
    env.ok(["key", "create", "locked", "--out", s(&file), "--passphrase-file", s(&pass)]);
    let fp = ssh_keygen_fingerprint(&pub_of(&file), false);

    // A wrong passphrase, then nothing (as a person giving up).
    let count = env.path("asked");
    let wrong = script(
        &env.path("wrong.sh"),
        &format!(
            "echo x >> '{}'\n[ $(wc -l < '{}') -le 1 ] && echo 'wrong horse' || exit 1",
            count.display(),
            count.display()
        ),
    );
    let out = run(&env, Some(&a.sock), Some(&wrong), &["agent", "add", "locked"]);
    let err = expect_failure(&out, "agent add locked (wrong passphrase)");
    assert!(err.contains("passphrase") && err.contains("not accepted"), "{err}");
    assert_eq!(fs::read_to_string(&count).unwrap().lines().count(), 2, "ssh-add asked once more, then gave up");
    assert!(a.held().is_empty());

    // The right one.
    let right = script(&env.path("right.sh"), "echo 'correct horse battery'");
    let out = run(&env, Some(&a.sock), Some(&right), &["agent", "add", "locked"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(a.held(), [fp]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("horse"), "the passphrase was printed: {all}");
}

#[test]
fn list_names_known_keys_shows_unknown_ones_and_rm_removes_one_or_all() {
    let a = agent();
    let env = Env::new();
    let (_, app) = create(&env, "app");
    // The same public key in an account too: both names.
    env.ok(["account", "add", "prod", "--provider", "aws"]);
    env.ok(["key", "import", "app-prod", "--account", "prod", "--file", s(&pub_of(&env.path("app")))]);
    create(&env, "other");
    // A key the inventory does not know, added with ssh-add itself.
    let stranger = env.path("stranger");
    ssh_keygen_generate(&stranger, "rsa", Some(2048), "", "a stranger's key");
    let stranger_fp = ssh_keygen_fingerprint(&pub_of(&stranger), false);
    assert!(a.oracle(&[s(&stranger)]).status.success());

    assert_eq!(ok(&env, &a, &["agent", "list", "--json"]).trim(), "[\n  {\n    \"fingerprint_sha256\": \"".to_string() + &stranger_fp + "\",\n    \"type\": \"RSA\",\n    \"bits\": 2048,\n    \"comment\": \"a stranger's key\",\n    \"key_pairs\": []\n  }\n]");
    ok(&env, &a, &["agent", "add", "app"]);
    ok(&env, &a, &["agent", "add", "other"]);
    let listed: Value = serde_json::from_str(&ok(&env, &a, &["agent", "list", "--json"])).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    let by_fp =
        |fp: &str| listed.iter().find(|k| k["fingerprint_sha256"] == fp).unwrap_or_else(|| panic!("{fp} not listed"));
    let mut names: Vec<&str> =
        by_fp(&app)["key_pairs"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["app", "app-prod"]);
    assert_eq!((by_fp(&app)["type"].as_str(), by_fp(&app)["bits"].as_u64()), (Some("ED25519"), Some(256)));
    assert_eq!(by_fp(&app)["comment"], "app");
    assert_eq!(by_fp(&stranger_fp)["key_pairs"], serde_json::json!([]));
    let table = ok(&env, &a, &["agent", "list"]);
    assert!(table.contains("a stranger's key") && table.contains(&app), "{table}");

    // One out, by any name of the key: the others stay.
    ok(&env, &a, &["agent", "rm", "app-prod"]);
    let mut held = a.held();
    held.sort();
    let mut expected = vec![stranger_fp.clone(), ssh_keygen_fingerprint(&pub_of(&env.path("other")), false)];
    expected.sort();
    assert_eq!(held, expected);
    let err = fails(&env, Some(&a.sock), &["agent", "rm", "app"]);
    assert!(err.contains("'app' is not in the agent"), "{err}");

    ok(&env, &a, &["agent", "rm", "--all"]);
    assert!(text(&a.oracle(&["-l"]).stdout).contains("no identities"));
    assert_eq!(ok(&env, &a, &["agent", "list", "--json"]).trim(), "[]");
    assert!(ok(&env, &a, &["agent", "list"]).contains("holds no keys"));
}

#[test]
fn clear_errors_without_an_agent_or_a_private_key() {
    let a = agent();
    let env = Env::new();
    create(&env, "web");

    let err = fails(&env, None, &["agent", "add", "web"]);
    assert!(err.contains("no ssh-agent is running") && err.contains("SSH_AUTH_SOCK"), "{err}");
    let err = fails(&env, None, &["agent", "list"]);
    assert!(err.contains("SSH_AUTH_SOCK is not set"), "{err}");
    // A socket nobody listens on any more, and one that is not there.
    let stale = env.path("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    for dead in [stale, env.path("missing.sock")] {
        for args in [&["agent", "list"][..], &["agent", "add", "web"], &["agent", "rm", "--all"]] {
            let err = fails(&env, Some(&dead), args);
            assert!(err.contains(&format!("no ssh-agent answers at {}", dead.display())), "{args:?}: {err}");
        }
    }

    // Key pairs the agent cannot get a private key for.
    let lone = env.path("lone");
    ssh_keygen_generate(&lone, "ed25519", None, "", "lone");
    env.ok(["key", "import", "lone", "--file", s(&pub_of(&lone))]);
    let err = fails(&env, Some(&a.sock), &["agent", "add", "lone"]);
    assert!(err.contains("does not know where the private key file of key pair 'lone' is"), "{err}");
    fs::remove_file(env.path("web")).unwrap();
    let err = fails(&env, Some(&a.sock), &["agent", "add", "web"]);
    assert!(err.contains("private key file of key pair 'web' is missing"), "{err}");
    // A file that now holds another key is not added in its place.
    fs::copy(&lone, env.path("web")).unwrap();
    let err = fails(&env, Some(&a.sock), &["agent", "add", "web"]);
    assert!(err.contains("holds another key"), "{err}");
    let err = fails(&env, Some(&a.sock), &["agent", "add", "nope"]);
    assert!(err.contains("no key pair 'nope'"), "{err}");
    assert!(a.held().is_empty());
}

/// Clicks the widget labelled `label` with the pointer (rows, menus).
fn click(h: &mut egui_kittest::Harness<'_, keyshelf::ui::KeyshelfApp>, label: &str) {
    use egui_kittest::kittest::Queryable;
    let rect = h.get_all_by_label(label).next().unwrap_or_else(|| panic!("{label} shows")).rect();
    pointer_click(h, rect);
}

fn step_until(
    h: &mut egui_kittest::Harness<'_, keyshelf::ui::KeyshelfApp>,
    what: &str,
    done: impl Fn(&mut egui_kittest::Harness<'_, keyshelf::ui::KeyshelfApp>) -> bool,
) {
    let start = Instant::now();
    while !done(h) {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
}

#[test]
fn the_app_adds_a_key_for_an_hour_lists_it_and_removes_it() {
    use egui_kittest::kittest::Queryable;
    let a = agent();
    let env = Env::new();
    let (_, fingerprint) = create(&env, "laptop");
    let app = keyshelf::ui::KeyshelfApp::new(Some(env.db.clone()), std::sync::Arc::new(keyshelf::ui::NativePlatform))
        .with_agent_socket(Some(a.sock.clone()))
        .with_cloud_env(std::sync::Arc::new(keyshelf::cloud::aws::profile::FixedEnv {
            home: Some(env.dir.path().to_path_buf()),
            ..Default::default()
        }));
    // The window size of the other app tests: the Private key section is in view.
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut keyshelf::ui::KeyshelfApp| app.ui_root(ui), app);
    step_until(&mut h, "the inventory", |h| h.state().is_loaded() && !h.state().busy());

    // Key details: Add to agent ▸ For 1 hour. It runs in the run window.
    click(&mut h, "laptop");
    step_until(&mut h, "the details", |h| !h.state().busy());
    h.get_by_label("Add to agent").click();
    h.run_steps(3);
    h.get_by_label("For 1 hour").click();
    h.run_steps(2);
    step_until(&mut h, "ssh-add", |h| !h.state().busy());
    assert!(h.query_by_label("added").is_some(), "the run window says it was added");
    assert!(h.query_by_label_contains("laptop is in the agent for 1 hour").is_some());
    assert_eq!(a.held(), std::slice::from_ref(&fingerprint));
    h.get_by_label("Close").click_accesskit();
    h.run_steps(2);
    // The details now say so, and Settings lists it by name.
    step_until(&mut h, "the agent list", |h| h.query_by_label("In the agent").is_some());
    click(&mut h, "Settings");
    step_until(&mut h, "the agent section", |h| !h.state().busy() && h.query_by_label("Remove all").is_some());
    assert!(h.query_by_label("laptop").is_some(), "the agent's key is named after its key pair");
    h.get_by_label("Remove").click_accesskit();
    step_until(&mut h, "ssh-add -d", |h| h.query_by_label_contains("Removed laptop from the agent").is_some());
    assert!(a.held().is_empty(), "removed from the agent");
    assert!(
        h.query_by_label("The agent holds no keys.").is_some(),
        "{:?}",
        h.query_all_by_label_contains("agent").map(|n| format!("{n:?}")).collect::<Vec<_>>()
    );
}
