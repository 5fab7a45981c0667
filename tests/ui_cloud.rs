//! The app's cloud page, driven through its widgets (egui_kittest) against moto's
//! server on 127.0.0.1: check the connection, read the drift table, push from a row,
//! push to every region from a key pair's details, and cancel a slow run. Credentials
//! come from the test's own files: never the machine's ~/.aws.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::moto::{DelayProxy, Moto};
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use keyshelf::cloud::aws::profile::FixedEnv;
use keyshelf::inventory::{Inventory, NewKeyPair, Origin, Provider};
use keyshelf::ui::{KeyshelfApp, Picked, Platform};

struct NoDialogs;

impl Platform for NoDialogs {
    fn save_file(&self, _: &str, _: Option<&std::path::Path>, _: &str) -> Picked<PathBuf> {
        Picked::Unavailable
    }
    fn open_files(&self, _: &str, _: Option<&std::path::Path>) -> Picked<Vec<PathBuf>> {
        Picked::Unavailable
    }
}

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

fn settle(h: &mut Harness<'_, KeyshelfApp>) {
    step_until(h, "background work", |a| !a.busy());
}

struct Setup {
    _dir: tempfile::TempDir,
    db: PathBuf,
    env: FixedEnv,
    laptop_fp: String,
}

/// An inventory with account `prod` (profile `test`, us-east-1) holding key pair
/// `laptop` in us-east-1, and credentials for `endpoint` in the test's own files.
fn setup(moto: &Moto, endpoint: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (set, _unset) = moto.write_profile(dir.path(), "test");
    let mut env = FixedEnv { home: Some(dir.path().to_path_buf()), ..Default::default() };
    env.vars.extend(set);
    env.vars.insert("AWS_ENDPOINT_URL".into(), endpoint.into());
    let db = dir.path().join("inv.sqlite3");
    let mut inv = Inventory::open(&db).unwrap();
    inv.add_account("prod", Provider::Aws, "").unwrap();
    inv.set_account_cloud("prod", Some("test"), Some("us-east-1"), None).unwrap();
    let key = dir.path().join("laptop");
    let ok = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "laptop@test", "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let line = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let info = keyshelf::keys::parse_key(line.as_bytes()).unwrap().info;
    let laptop_fp = info.fingerprint_sha256.clone();
    inv.add_key(&NewKeyPair {
        name: "laptop".into(),
        description: String::new(),
        account: Some("prod".into()),
        region: "us-east-1".into(),
        info,
        origin: Origin::Imported,
        private_key_path: None,
        tags: vec![],
    })
    .unwrap();
    Setup { _dir: dir, db, env, laptop_fp }
}

fn harness(s: &Setup) -> Harness<'static, KeyshelfApp> {
    let app = KeyshelfApp::new(Some(s.db.clone()), Arc::new(NoDialogs)).with_cloud_env(Arc::new(s.env.clone()));
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 1400.0))
        .build_ui_state(|ui, app: &mut KeyshelfApp| app.ui_root(ui), app);
    step_until(&mut h, "the inventory to open", |a| a.is_loaded() && !a.busy());
    h.get_by_label("Cloud sync").click();
    // The page reads the default region as it opens.
    settle(&mut h);
    h
}

fn links(s: &Setup) -> Vec<String> {
    let inv = Inventory::open(&s.db).unwrap();
    let k = inv.resolve_key("laptop", &Default::default()).unwrap();
    inv.cloud_links_of_key(k.id).unwrap().into_iter().map(|l| l.region).collect()
}

#[test]
fn check_read_and_push_from_the_drift_table() {
    let Some(moto) = Moto::start() else { return };
    let s = setup(&moto, &moto.endpoint);
    let mut h = harness(&s);

    h.get_by_role_and_label(Role::Button, "Check connection").click();
    settle(&mut h);
    let connected = h.query_by_label_contains("Connected: account 123456789012");
    assert!(connected.is_some(), "the page says which account the credentials reach");

    assert!(h.query_by_label("Only in Keyshelf").is_some(), "read on opening: laptop is not in the cloud yet");
    h.get_by_role_and_label(Role::Button, "Push").click();
    settle(&mut h);
    assert_eq!(links(&s), ["us-east-1"], "the push was recorded");

    h.get_by_role_and_label(Role::Button, "Read key pairs").click();
    settle(&mut h);
    assert!(h.query_by_label("In sync").is_some());
    assert!(h.query_by_label("Only in Keyshelf").is_none());
    // The cloud itself holds the key: a fresh read through the CLI's core agrees.
    let inv = Inventory::open(&s.db).unwrap();
    let account = inv.account("prod").unwrap();
    let api = keyshelf::cloud::connect(&account, None, &s.env, Default::default()).unwrap();
    let there = api.list("us-east-1", &Default::default()).unwrap();
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].fingerprint_sha256.as_deref(), Some(s.laptop_fp.as_str()));
}

/// Key pairs view, select laptop, details, Push to cloud…, All regions, Push: as a person would.
fn push_to_all_regions(h: &mut Harness<'static, KeyshelfApp>) {
    h.get_by_label("All key pairs  (1)").click();
    h.run_steps(2);
    let rect = h.get_all_by_value("laptop").next().expect("row visible").rect();
    common::pointer_click(h, rect);
    h.run_steps(3);
    let push = h.get_by_role_and_label(Role::Button, "Push to cloud…").rect();
    common::pointer_click(h, push);
    settle(h);
    h.run_steps(1);
    h.get_by_label("All regions").click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::Button, "Push").click();
}

#[test]
fn a_push_to_all_regions_from_the_details_shows_progress_and_cancel_stops_it() {
    let Some(moto) = Moto::start() else { return };
    // Every request waits, as over a real network: the run is still going when Cancel comes.
    let slow = DelayProxy::start(&moto.endpoint, Duration::from_millis(400));
    let s = setup(&moto, &slow.endpoint);
    let mut h = harness(&s);

    push_to_all_regions(&mut h);
    step_until(&mut h, "the push to start on every region", |a| a.cloud_progress().is_some_and(|(_, total)| total > 1));
    let (_, total) = h.state().cloud_progress().unwrap();
    assert!(total >= 15, "every enabled region: {total}");
    assert!(h.query_by_label_contains("Pushing laptop").is_some(), "progress is shown");
    h.get_by_role_and_label(Role::Button, "Cancel").click();
    settle(&mut h);
    let pushed = links(&s);
    assert!(pushed.len() < total, "cancel stopped the run: {} of {total} regions pushed", pushed.len());
    assert!(h.query_by_label_contains("finished").is_some());

    // Running it again finishes every region; those done before are found present.
    push_to_all_regions(&mut h);
    settle(&mut h);
    assert_eq!(h.state().cloud_progress(), Some((total, total)));
    assert_eq!(links(&s).len(), total, "every region now holds the key");
    let count = |h: &Harness<'_, KeyshelfApp>, word: &str| h.query_all_by_label(word).count();
    assert_eq!(count(&h, "already there"), pushed.len(), "the regions done before the cancel");
    assert_eq!(count(&h, "imported"), total - pushed.len());
}

/// A Tencent Cloud account, against the local stand-in of its API: a key pair whose name
/// Tencent does not take is not pushed under it; the push dialog offers a name that fits,
/// refuses one that does not, and the name given is used and remembered.
#[test]
fn a_name_the_cloud_does_not_take_is_asked_for_and_remembered() {
    use common::tencent_server::TencentServer;
    let server = TencentServer::start();
    let dir = tempfile::tempdir().unwrap();
    server.write_profile(dir.path(), "test", &server.secret_key, "ap-singapore");
    let env = FixedEnv { home: Some(dir.path().to_path_buf()), ..Default::default() };
    let db = dir.path().join("inv.sqlite3");
    let mut inv = Inventory::open(&db).unwrap();
    inv.add_account("tc", Provider::Tencent, "").unwrap();
    inv.set_account_cloud("tc", Some("test"), Some("ap-singapore"), Some(&server.endpoint)).unwrap();
    let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMOdS1X28pmCMQoCd6/C9nZVcd48zd637+CpuPItSgS3 me@laptop";
    let info = keyshelf::keys::parse_key(line.as_bytes()).unwrap().info;
    let id = inv
        .add_key(&NewKeyPair {
            name: "my-laptop".into(),
            description: String::new(),
            account: Some("tc".into()),
            region: "ap-singapore".into(),
            info,
            origin: Origin::Imported,
            private_key_path: None,
            tags: vec![],
        })
        .unwrap()
        .id;
    drop(inv);
    let s = Setup { _dir: dir, db: db.clone(), env, laptop_fp: String::new() };
    let mut h = harness(&s);
    assert!(h.query_by_label("Only in Keyshelf").is_some(), "read on opening");

    // The row's Push: the name does not fit, so the dialog asks for one.
    let row_push = h.get_by_role_and_label(Role::Button, "Push").rect();
    h.get_by_role_and_label(Role::Button, "Push").click();
    settle(&mut h);
    assert!(h.query_by_label_contains("'my-laptop' does not fit there").is_some());
    assert_eq!(
        h.get_by_role_and_label(Role::TextInput, "Name in the cloud").value().as_deref(),
        Some("my_laptop"),
        "a suggestion"
    );
    assert!(!server.actions().iter().any(|a| a == "ImportKeyPair"), "nothing pushed yet");
    // A name that does not fit either: said, and Push is off.
    h.get_by_role_and_label(Role::TextInput, "Name in the cloud").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Name in the cloud").type_text("-x");
    h.run_steps(2);
    assert_eq!(h.get_by_role_and_label(Role::TextInput, "Name in the cloud").value().as_deref(), Some("my_laptop-x"));
    let said = h.query_all_by_label_contains("key pair names have at most 25 characters").count();
    assert_eq!(said, 2, "why the key pair's name and the typed one do not fit");
    let disabled = |h: &Harness<'static, KeyshelfApp>| {
        let b = h.query_all_by_role_and_label(Role::Button, "Push").find(|b| b.rect() != row_push);
        b.expect("the dialog's Push").accesskit_node().is_disabled()
    };
    assert!(disabled(&h));
    h.key_press(egui::Key::Backspace);
    h.key_press(egui::Key::Backspace);
    h.run_steps(2);
    assert_eq!(h.get_by_role_and_label(Role::TextInput, "Name in the cloud").value().as_deref(), Some("my_laptop"));
    assert!(!disabled(&h));
    let rect = h.query_all_by_role_and_label(Role::Button, "Push").find(|b| b.rect() != row_push).unwrap().rect();
    common::pointer_click(&mut h, rect);
    settle(&mut h);
    let there = server.keys("ap-singapore");
    assert_eq!(there.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["my_laptop"]);
    let inv = Inventory::open(&db).unwrap();
    assert_eq!(inv.cloud_name("tc", id).unwrap().as_deref(), Some("my_laptop"), "remembered");
    assert_eq!(
        inv.cloud_links_of_key(id).unwrap().into_iter().map(|l| (l.region, l.name)).collect::<Vec<_>>(),
        [("ap-singapore".to_string(), "my_laptop".to_string())]
    );
}
