//! The desktop app driven through its widgets (egui_kittest) on a temporary inventory,
//! with a fake file dialog; results are checked on disk, in the inventory and with
//! ssh-keygen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use keyshelf::cloud::aws::profile::FixedEnv;
use keyshelf::inventory::{Inventory, KeyFilter, NewHost};
use keyshelf::ui::{KeyshelfApp, Picked, Platform};

/// A file dialog that answers with a fixed path (or panics, to stand for a job that dies).
#[derive(Default)]
struct FakeDialogs {
    save_to: Mutex<Option<PathBuf>>,
    open: Mutex<Vec<PathBuf>>,
    panic_on_save: std::sync::atomic::AtomicBool,
}

impl Platform for FakeDialogs {
    fn save_file(&self, _title: &str, _folder: Option<&Path>, _name: &str) -> Picked<PathBuf> {
        if self.panic_on_save.load(std::sync::atomic::Ordering::SeqCst) {
            panic!("the file dialog fell over");
        }
        match self.save_to.lock().unwrap().clone() {
            Some(p) => Picked::Chosen(p),
            None => Picked::Unavailable,
        }
    }
    fn open_files(&self, _title: &str, _folder: Option<&Path>) -> Picked<Vec<PathBuf>> {
        Picked::Chosen(self.open.lock().unwrap().clone())
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    db: PathBuf,
    dialogs: Arc<FakeDialogs>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("inventory.sqlite3");
        Fixture { db, dir, dialogs: Arc::new(FakeDialogs::default()) }
    }

    fn inventory(&self) -> Inventory {
        Inventory::open(&self.db).unwrap()
    }

    fn harness(&self) -> Harness<'static, KeyshelfApp> {
        self.harness_of(KeyshelfApp::new(Some(self.db.clone()), self.dialogs.clone()))
    }

    /// The test's own known_hosts file (the cleanup view starts with it).
    fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// AWS files looked for in the test's folder, never the machine's `~/.aws`.
    fn aws_env(&self) -> Arc<FixedEnv> {
        Arc::new(FixedEnv { home: Some(self.dir.path().to_path_buf()), ..Default::default() })
    }

    fn harness_of(&self, app: KeyshelfApp) -> Harness<'static, KeyshelfApp> {
        let app = app.with_cloud_env(self.aws_env()).with_known_hosts_file(self.known_hosts());
        // Comments in any script reach the table; characters egui's fonts lack are drawn
        // as boxes in the app, as here.
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .allow_missing_glyphs()
            .build_ui_state(|ui, app: &mut KeyshelfApp| app.ui_root(ui), app);
        step_until(&mut h, "the inventory to open", |a| (a.is_loaded() || a.open_error().is_some()) && !a.busy());
        h
    }

    /// Imports an OpenSSH public key made by ssh-keygen under `name`; returns the .pub path.
    fn ssh_keygen_key(&self, name: &str) -> PathBuf {
        let key = self.dir.path().join(name);
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", &format!("{name}@test"), "-f"])
            .arg(&key)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ssh-keygen failed");
        key.with_extension("pub")
    }
}

/// Steps the app until `done` holds (background work lands on other threads).
fn step_until(h: &mut Harness<'_, KeyshelfApp>, what: &str, done: impl Fn(&KeyshelfApp) -> bool) {
    let start = Instant::now();
    h.run_steps(1);
    while !done(h.state()) {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(3);
}

/// Steps until background work (the inventory's thread, jobs) is done.
fn settle(h: &mut Harness<'_, KeyshelfApp>) {
    step_until(h, "background work", |a| !a.busy());
}

/// Focuses the field named `label` and types into it, as a person would.
fn type_into(h: &mut Harness<'_, KeyshelfApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_steps(1);
    h.get_by_label(label).type_text(text);
    h.run_steps(2);
}

/// Opens Create key pair (Ctrl+N), names it and creates it; returns once the
/// "save the private key" dialog is up.
fn create_key_pair(h: &mut Harness<'_, KeyshelfApp>, name: &str) {
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), Some("create"));
    type_into(h, "Key pair name", name);
    h.get_by_role_and_label(Role::Button, "Create").click();
    step_until(h, "generation", |a| a.open_dialog() == Some("private-key"));
}

fn ssh_keygen_fingerprint(args: &[&str], file: &Path) -> String {
    let out = Command::new("ssh-keygen").args(args).arg("-f").arg(file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split_whitespace().nth(1).unwrap().to_string()
}

#[test]
fn create_key_pair_and_save_private_key_through_file_dialog() {
    let f = Fixture::new();
    let target = f.dir.path().join("web-prod");
    *f.dialogs.save_to.lock().unwrap() = Some(target.clone());
    let mut h = f.harness();
    assert!(h.query_by_label_contains("No key pairs yet").is_some());

    create_key_pair(&mut h, "web-prod");
    assert!(h.state().holds_private_key());

    // The key pair is in the inventory already, marked as not saved.
    let keys = f.inventory().list_keys(&KeyFilter::default()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, "web-prod");
    assert_eq!(keys[0].private_key_path, None);

    h.get_by_label("Save private key…").click();
    step_until(&mut h, "saving", |a| !a.busy());
    let pubkey = f.inventory().list_keys(&KeyFilter::default()).unwrap().remove(0);
    assert_eq!(pubkey.private_key_path.as_deref(), Some(target.to_str().unwrap()));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let derived = Command::new("ssh-keygen").arg("-y").arg("-f").arg(&target).output().unwrap();
    assert!(derived.status.success());
    let derived = String::from_utf8(derived.stdout).unwrap();
    let stored: Vec<&str> = pubkey.public_key.split_whitespace().take(2).collect();
    let derived: Vec<&str> = derived.split_whitespace().take(2).collect();
    assert_eq!(stored, derived, "the saved private key belongs to the stored public key");
    // Its public half beside it, as the CLI and ssh-keygen write it.
    let beside = std::fs::read_to_string(target.with_extension("pub")).unwrap();
    assert_eq!(beside.split_whitespace().take(2).collect::<Vec<_>>(), stored);

    h.get_by_label("Done").click();
    h.run_steps(3);
    assert_eq!(h.state().open_dialog(), None);
    assert!(!h.state().holds_private_key(), "closing the dialog wipes the key");
    assert_eq!(h.state().visible_key_names(), vec!["web-prod".to_string()]);
}

#[test]
fn invalid_name_in_create_dialog_is_explained_and_blocks_create() {
    let f = Fixture::new();
    let mut h = f.harness();
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(2);
    type_into(&mut h, "Key pair name", "1web");
    assert!(h.query_by_label_contains("must start with a letter").is_some());
    h.get_by_role_and_label(Role::Button, "Create").click();
    h.run_steps(3);
    assert_eq!(h.state().open_dialog(), Some("create"));
    assert_eq!(f.inventory().key_count().unwrap(), 0);
}

#[test]
fn closing_private_key_dialog_without_saving_asks_first() {
    let f = Fixture::new();
    let mut h = f.harness();
    create_key_pair(&mut h, "temp-key");
    h.get_by_role_and_label(Role::Button, "Close").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("Close without saving?").is_some());
    assert!(h.state().holds_private_key());
    h.get_by_label("Discard private key").click();
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), None);
    assert!(!h.state().holds_private_key());
    let k = f.inventory().list_keys(&KeyFilter::default()).unwrap().remove(0);
    assert_eq!(k.private_key_path, None, "stays in the inventory as not saved");
    // The status says what was kept, and the Report lists the key pair.
    let status = h.state().status.clone().unwrap();
    assert!(status.text.contains("stays with its public key only"), "{status:?}");
    assert!(!status.text.contains("save its private key"), "{status:?}");
    h.get_by_label("Report").click();
    settle(&mut h);
    assert!(h.query_by_label_contains("Key pairs made here whose private key was not saved").is_some());
    assert!(h
        .query_by_label_contains("temp-key (no account): was made here and its private key was not saved")
        .is_some());
}

#[test]
fn an_unsaved_private_key_is_wiped_when_its_time_is_up() {
    let f = Fixture::new();
    let lifetime = Duration::from_secs(3);
    let app = KeyshelfApp::new(Some(f.db.clone()), f.dialogs.clone()).with_private_key_lifetime(lifetime);
    let mut h = f.harness_of(app);
    create_key_pair(&mut h, "short-lived");
    let shown = Instant::now();
    assert!(h.state().holds_private_key());
    assert!(h.query_by_label_contains("Held in memory for 0:0").is_some(), "the countdown is shown");
    assert!(h.query_by_label("Save private key…").is_some());

    step_until(&mut h, "the wipe", |a| !a.holds_private_key());
    assert!(shown.elapsed() >= lifetime - Duration::from_millis(500), "wiped early: {:?}", shown.elapsed());
    assert!(h.query_by_label_contains("wiped from memory after 3 seconds").is_some());
    assert!(h.query_by_label("Save private key…").is_none(), "nothing left to save");
    // Nothing is left to lose, so closing does not ask.
    h.get_by_role_and_label(Role::Button, "Close").click();
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), None);
    let k = f.inventory().list_keys(&KeyFilter::default()).unwrap().remove(0);
    assert_eq!((k.name.as_str(), k.private_key_path), ("short-lived", None), "stays in the inventory as not saved");
}

#[test]
fn import_by_paste_shows_preview_and_stores_the_key() {
    let f = Fixture::new();
    let pubfile = f.ssh_keygen_key("alice");
    let line = std::fs::read_to_string(&pubfile).unwrap();
    let mut h = f.harness();
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), Some("import"));
    type_into(&mut h, "Public key text", line.trim());
    settle(&mut h);
    assert!(h.query_by_label_contains("ED25519").is_some(), "preview shows the type");
    h.get_by_role_and_label(Role::Button, "Import").click();
    settle(&mut h);
    assert_eq!(h.state().open_dialog(), None);
    let keys = f.inventory().list_keys(&KeyFilter::default()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, "alice-test", "named after the comment");
    assert_eq!(keys[0].fingerprint_sha256, ssh_keygen_fingerprint(&["-l"], &pubfile));
}

#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropped_files_open_import_with_every_key() {
    let f = Fixture::new();
    let a = f.ssh_keygen_key("bob");
    let b = f.ssh_keygen_key("carol");
    let mut h = f.harness();
    h.input_mut().dropped_files.push(Arc::new(DroppedPath(a.clone())));
    h.input_mut().dropped_files.push(Arc::new(DroppedPath(b.clone())));
    settle(&mut h);
    assert_eq!(h.state().open_dialog(), Some("import"));
    h.get_by_role_and_label(Role::Button, "Import 2 keys").click();
    settle(&mut h);
    let mut fps: Vec<String> =
        f.inventory().list_keys(&KeyFilter::default()).unwrap().into_iter().map(|k| k.fingerprint_md5).collect();
    fps.sort();
    let mut want =
        vec![ssh_keygen_fingerprint(&["-l", "-E", "md5"], &a), ssh_keygen_fingerprint(&["-l", "-E", "md5"], &b)];
    want.sort();
    assert_eq!(fps, want);
}

#[test]
fn import_of_garbage_says_what_is_wrong_and_imports_nothing() {
    let f = Fixture::new();
    let mut h = f.harness();
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run_steps(2);
    type_into(&mut h, "Public key text", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkV");
    settle(&mut h);
    assert!(h.query_by_label_contains("truncated or corrupted").is_some());
    assert!(h.query_by_role_and_label(Role::Button, "Import").is_some_and(|b| b.accesskit_node().is_disabled()));
    assert_eq!(f.inventory().key_count().unwrap(), 0);
}

/// An inventory with two imported keys, one bound to a host.
fn populated() -> (Fixture, String) {
    let f = Fixture::new();
    let mut inv = f.inventory();
    for name in ["alice", "bob"] {
        let p = f.ssh_keygen_key(name);
        let parsed = keyshelf::keys::parse_key(&std::fs::read(&p).unwrap()).unwrap();
        inv.add_key(&keyshelf::inventory::NewKeyPair {
            name: name.into(),
            description: String::new(),
            account: None,
            region: String::new(),
            info: parsed.info,
            origin: keyshelf::inventory::Origin::Imported,
            private_key_path: None,
            tags: vec![("env".into(), if name == "alice" { "prod" } else { "dev" }.into())],
        })
        .unwrap();
    }
    inv.add_host(&NewHost {
        name: "web01".into(),
        addresses: vec!["203.0.113.10".into()],
        port: 22,
        ..Default::default()
    })
    .unwrap();
    let alice = inv.resolve_key("alice", &Default::default()).unwrap();
    inv.bind(alice.id, &["web01".to_string()]).unwrap();
    let md5 = alice.fingerprint_md5;
    (f, md5)
}

#[test]
fn search_narrows_the_table_by_tag_and_by_fingerprint() {
    let (f, md5) = populated();
    let mut h = f.harness();
    assert_eq!(h.state().visible_key_names(), vec!["alice", "bob"]);
    type_into(&mut h, "Search", "env=dev");
    assert_eq!(h.state().visible_key_names(), vec!["bob"]);
    h.get_by_label("Search").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Search").type_text(md5.trim_start_matches("MD5:"));
    h.run_steps(2);
    assert_eq!(h.state().visible_key_names(), vec!["alice"]);
}

fn select(h: &mut Harness<'_, KeyshelfApp>, name: &str) {
    // The row's name cell: clicking anywhere on the row selects it.
    let rect = h.get_all_by_value(name).next().expect("row visible").rect();
    click_at(h, rect);
    h.run_steps(1);
}

/// A press and release of the pointer at the middle of `rect`, as a person clicks.
fn click_at(h: &mut Harness<'_, KeyshelfApp>, rect: egui::Rect) {
    h.hover_at(rect.center());
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: rect.center(),
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.run_steps(2);
}

#[test]
fn rename_with_invalid_name_shows_the_rule_and_changes_nothing() {
    let (f, _) = populated();
    let mut h = f.harness();
    select(&mut h, "bob");
    assert_eq!(h.state().selected_ids().len(), 1);
    let name = h.get_by_role_and_label(Role::TextInput, "Name");
    name.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Name").type_text("9lives");
    h.run_steps(2);
    assert!(h.query_by_label_contains("must start with a letter").is_some());
    assert!(h.get_by_role_and_label(Role::Button, "Rename").accesskit_node().is_disabled());
    assert!(f.inventory().resolve_key("bob", &Default::default()).is_ok());
    // A valid name is accepted.
    h.get_by_role_and_label(Role::TextInput, "Name").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Name").type_text("bob-2");
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Rename").click();
    settle(&mut h);
    assert!(f.inventory().resolve_key("bob-2", &Default::default()).is_ok());
    assert_eq!(h.state().visible_key_names(), vec!["alice", "bob-2"], "the table shows the new name");
}

#[test]
fn delete_is_refused_while_bound_then_unbind_and_delete_works() {
    let (f, _) = populated();
    let mut h = f.harness();
    select(&mut h, "alice");
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), Some("delete"));
    assert!(h.query_by_label_contains("is bound to web01").is_some());
    // No Delete that can only fail: the ways that work are offered instead.
    assert!(h.query_by_role_and_label(Role::Button, "Delete").is_none());
    assert!(f.inventory().resolve_key("alice", &Default::default()).is_ok());
    h.get_by_label("Unbind and delete").click();
    settle(&mut h);
    assert!(f.inventory().resolve_key("alice", &Default::default()).is_err());
    // Deleting a bound key offers the known_hosts cleanup for its host.
    assert_eq!(h.state().open_dialog(), Some("notice"));
    let kh = f.known_hosts();
    let web01 = "203.0.113.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMOdS1X28pmCMQoCd6/C9nZVcd48zd637+CpuPItSgS3\n";
    let other = "198.51.100.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIENiHkjXRD+vpiBelnudJl7QxZzKykJYmZp1sNIyWX11\n";
    std::fs::write(&kh, format!("{web01}{other}")).unwrap();
    h.get_by_label("Clean known_hosts…").click();
    h.run_steps(2);
    assert_eq!(h.state().view(), keyshelf::ui::View::KnownHosts);
    // The preview runs as one of the app's jobs, on the test's file.
    settle(&mut h);
    assert!(h.query_by_label("Lines to remove").is_some(), "the preview shows what would go");
    assert!(h.query_all_by_label_contains("203.0.113.10").next().is_some());
    // Remove, confirmed: the file loses web01's line only, and a backup holds it.
    h.get_by_role_and_label(Role::Button, "Remove 1 line").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Remove").click();
    settle(&mut h);
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), other);
    assert_eq!(std::fs::read_to_string(f.dir.path().join("known_hosts.old")).unwrap(), format!("{web01}{other}"));
}

#[test]
fn copy_fingerprint_puts_it_on_the_clipboard() {
    let (f, md5) = populated();
    let mut h = f.harness();
    select(&mut h, "alice");
    let alice = f.inventory().resolve_key("alice", &Default::default()).unwrap();
    let copies: Vec<_> = h.get_all_by_label("Copy").collect();
    assert!(copies.len() >= 3, "SHA256, MD5, AWS and public key each have Copy");
    copies[1].click();
    h.step();
    let copied: Vec<String> = h
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(copied, vec![md5.clone()]);
    assert_eq!(alice.fingerprint_md5, md5);
}

#[test]
fn an_inventory_that_cannot_be_opened_gets_a_clear_screen_and_stays_untouched() {
    let f = Fixture::new();
    std::fs::write(&f.db, b"this is not a database, but my notes").unwrap();
    let before = std::fs::read(&f.db).unwrap();
    let mut h = f.harness();
    h.run_steps(2);
    assert!(h.query_by_label_contains("cannot open its inventory").is_some());
    assert!(h.query_by_label_contains("not a Keyshelf inventory").is_some());
    assert_eq!(std::fs::read(&f.db).unwrap(), before);
}

#[test]
fn a_job_that_panics_is_reported_and_the_dialog_can_still_be_closed() {
    let f = Fixture::new();
    f.dialogs.panic_on_save.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut h = f.harness();
    create_key_pair(&mut h, "doomed");
    h.get_by_label("Save private key…").click();
    settle(&mut h);
    assert!(h.query_all_by_label_contains("Internal error").next().is_some(), "the failure is shown");
    assert!(h.query_all_by_label_contains("the file dialog fell over").next().is_some());
    assert!(h.state().holds_private_key(), "the key can still be saved another way");
    // Not stuck: the dialog closes (after the usual question).
    h.get_by_role_and_label(Role::Button, "Close").click();
    h.run_steps(2);
    h.get_by_label("Discard private key").click();
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), None);
}

/// An authorized_keys file: keys with the same comment, keys without one, and a bad line.
fn bulk_file(f: &Fixture, n: usize) -> PathBuf {
    let mut text = String::new();
    for i in 0..n {
        let k = keyshelf::keys::GeneratedKey::generate(
            keyshelf::keys::KeySpec::new(keyshelf::keys::KeyKind::Ed25519, None).unwrap(),
            "",
        )
        .unwrap();
        let line = k.info().openssh.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        match i % 3 {
            0 => text.push_str(&format!("{line} deploy@ci\n")),
            1 => text.push_str(&format!("{line}\n")),
            _ => text.push_str(&format!("no-pty {line} 鍵-{i}@ホスト\n")),
        }
        if i == 1 {
            text.push_str("this line is not a key\n");
        }
    }
    let p = f.dir.path().join("authorized_keys");
    std::fs::write(&p, text).unwrap();
    p
}

fn keyshelf_cli(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keyshelf")).arg("--db").arg(db).args(args).output().unwrap()
}

fn names_and_fingerprints(inv: &Inventory) -> Vec<(String, String)> {
    let mut v: Vec<_> =
        inv.list_keys(&KeyFilter::default()).unwrap().into_iter().map(|k| (k.name, k.fingerprint_sha256)).collect();
    v.sort();
    v
}

#[test]
fn the_app_imports_a_file_exactly_as_the_cli_does() {
    let f = Fixture::new();
    let file = bulk_file(&f, 9);
    let cli_db = f.dir.path().join("cli.sqlite3");
    let out = keyshelf_cli(&cli_db, &["key", "import", "--all", "--skip-invalid", "--file", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    *f.dialogs.open.lock().unwrap() = vec![file.clone()];
    let mut h = f.harness();
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run_steps(2);
    h.get_by_label("Choose files…").click();
    settle(&mut h);
    assert!(h.query_all_by_label_contains("line 3: ").next().is_some(), "the bad line is shown");
    assert_eq!(h.state().open_dialog(), Some("import"));
    // Through accessibility: the dialog re-centres itself as the preview grows, and a
    // pointer click at the previous frame's position would land beside the button.
    h.get_by_role_and_label(Role::Button, "Import 9 keys").click_accesskit();
    settle(&mut h);
    assert_eq!(h.state().open_dialog(), None, "{:?}", h.state().status);
    let app_keys = names_and_fingerprints(&f.inventory());
    assert_eq!(app_keys.len(), 9, "{:?} {:?}", h.state().status, app_keys);
    assert_eq!(app_keys, names_and_fingerprints(&Inventory::open(&cli_db).unwrap()), "same names as the CLI");
    assert!(app_keys.iter().any(|(n, _)| n == "deploy-ci-2"), "{app_keys:?}");
}

#[test]
fn an_import_the_core_refuses_changes_nothing_and_says_what_the_cli_says() {
    let f = Fixture::new();
    {
        let mut inv = f.inventory();
        inv.add_account("acct", keyshelf::inventory::Provider::Alibaba, "").unwrap();
        let spec = keyshelf::keys::KeySpec::new(keyshelf::keys::KeyKind::Ed25519, None).unwrap();
        let keys: Vec<keyshelf::inventory::ImportKey> = (0..keyshelf::inventory::MAX_KEYS_PER_SCOPE as usize - 1)
            .map(|i| {
                let k = keyshelf::keys::GeneratedKey::generate(spec, &format!("k{i}")).unwrap();
                keyshelf::inventory::ImportKey::new(i + 1, k.info().clone())
            })
            .collect();
        let scope = keyshelf::inventory::Scope { account: Some("acct".into()), region: Some(String::new()) };
        inv.import_bulk(&keys, &scope, None, Vec::new()).unwrap();
    }
    let file = bulk_file(&f, 3);
    let cli_db = f.dir.path().join("cli.sqlite3");
    std::fs::copy(&f.db, &cli_db).unwrap();
    let out = keyshelf_cli(
        &cli_db,
        &["key", "import", "--all", "--skip-invalid", "--account", "acct", "--file", file.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let cli_error = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(cli_error.contains("past 500"), "{cli_error}");

    *f.dialogs.open.lock().unwrap() = vec![file];
    let mut h = f.harness();
    h.get_by_label_contains("acct · ").click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run_steps(2);
    h.get_by_label("Choose files…").click();
    settle(&mut h);
    h.get_by_role_and_label(Role::Button, "Import 3 keys").click_accesskit();
    settle(&mut h);
    assert_eq!(h.state().open_dialog(), Some("import"), "the dialog stays, with the reason");
    // The same words as the CLI's (which prefixes them with "keyshelf: ").
    let core_message = cli_error.trim().trim_start_matches("keyshelf: ").trim_start_matches("error: ");
    assert!(core_message.contains("past 500"), "{cli_error}");
    assert!(
        h.query_all_by_label_contains(&format!("Nothing was imported: {core_message}")).next().is_some(),
        "the app shows the CLI's message: {core_message}"
    );
    assert_eq!(f.inventory().key_count().unwrap(), keyshelf::inventory::MAX_KEYS_PER_SCOPE - 1, "nothing was added");
}

#[test]
fn a_locked_inventory_never_freezes_the_window() {
    let (f, _) = populated();
    let mut h = f.harness();
    select(&mut h, "bob");
    // Another process holds the write lock (as a long CLI import would).
    let locker = rusqlite::Connection::open(&f.db).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    h.get_by_role_and_label(Role::TextInput, "Name").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Name").type_text("bob-renamed");
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Rename").click();
    h.run_steps(2);
    assert!(h.state().busy(), "the rename waits for the lock");
    // Meanwhile the window answers: the search still filters the table.
    type_into(&mut h, "Search", "env=prod");
    assert_eq!(h.state().visible_key_names(), vec!["alice"]);
    assert!(h.state().busy(), "still waiting");
    locker.execute_batch("COMMIT").unwrap();
    settle(&mut h);
    assert!(f.inventory().resolve_key("bob-renamed", &Default::default()).is_ok());
}

#[test]
fn a_change_made_by_another_program_shows_without_a_restart() {
    let f = Fixture::new();
    let mut h = f.harness();
    assert!(h.state().visible_key_names().is_empty());
    let public = f.ssh_keygen_key("from-cli");
    let out = Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .arg("--db")
        .arg(&f.db)
        .args(["key", "import", "from-cli", "--file"])
        .arg(&public)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    step_until(&mut h, "the key pair the CLI imported", |a| a.visible_key_names() == ["from-cli"]);
    assert!(h.query_by_label("from-cli").is_some(), "the table shows it");
}

#[test]
fn settings_show_the_ssh_command_and_the_inventory_file() {
    let f = Fixture::new();
    let mut h = f.harness();
    h.get_by_label("Settings").click();
    h.run_steps(2);
    assert!(h.query_by_label("ssh command").is_some());
    // The command the host work runs: KEYSHELF_SSH_COMMAND when this process has it.
    let expected = match std::env::var("KEYSHELF_SSH_COMMAND") {
        Ok(v) if !v.trim().is_empty() => keyshelf::remote::SshCommand::parse(&v).unwrap().display(),
        _ => "ssh".to_string(),
    };
    assert!(h.query_by_label(&expected).is_some(), "shows {expected}");
    // The status bar names it too, and About.
    let db = f.db.display().to_string();
    assert_eq!(h.query_all_by_label(&db).count(), 3, "the settings show the inventory file");
}

/// `ssh-keygen -t ed25519` in `dir`, returning the private key path.
fn keygen_in(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let key = dir.join(name);
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-C", &format!("{name}@laptop"), "-f"])
        .arg(&key)
        .args(extra)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen failed");
    key
}

#[test]
fn the_first_run_offers_the_ssh_folder_and_imports_what_is_ticked() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    let ssh = f.dir.path().join("dot-ssh");
    std::fs::create_dir(&ssh).unwrap();
    let work = keygen_in(&ssh, "id_work", &["-N", ""]);
    let locked = keygen_in(&ssh, "id_locked", &["-N", "secret words"]);
    // Without its .pub: the public half comes from the passphrase-protected file itself.
    std::fs::remove_file(locked.with_extension("pub")).unwrap();
    let loose = keygen_in(&ssh, "id_loose", &["-N", ""]);
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = format!(
        "Host box\n  HostName 127.0.0.1\n  User deploy\n  Port 2222\n  IdentityFile {}\nHost *.internal\n  User x\n",
        work.display()
    );
    std::fs::write(ssh.join("config"), config).unwrap();
    let app = KeyshelfApp::new(Some(f.db.clone()), f.dialogs.clone()).with_ssh_dir(Some(ssh.clone()));
    let mut h = f.harness_of(app);

    // An empty inventory opens on the offer.
    h.get_by_label("Import your keys from ~/.ssh…").click_accesskit();
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), Some("ssh-import"));
    settle(&mut h);
    // The comment of a passphrase-protected key is inside its encrypted part: the file
    // name stands for it.
    // Each key under the name the import gives it, its comment beside it.
    for (name, comment) in
        [("id_work-laptop", Some("id_work@laptop")), ("id_locked", None), ("id_loose-laptop", Some("id_loose@laptop"))]
    {
        assert!(h.query_by_label(name).is_some(), "{name} is listed");
        if let Some(c) = comment {
            assert!(h.query_by_label(c).is_some(), "{c} is shown");
        }
    }
    assert!(h.query_by_label("id_locked  (passphrase)").is_some());
    assert!(h.query_by_label_contains("others can read it (mode 644)").is_some());
    assert!(h.query_by_label("1 other file skipped").is_some(), "config is skipped and said so");
    // Untick the loose one; import the other two.
    h.get_by_label("Import id_loose-laptop").click();
    h.run_steps(1);
    // The config's one concrete alias (not the pattern) comes along, bound to its key.
    assert!(h.query_by_label_contains("Also add the 1 host of").is_some());
    h.get_by_role_and_label(Role::Button, "Import 2 key pairs and the hosts").click_accesskit();
    settle(&mut h);
    assert!(h.query_by_label_contains("Imported 2 key pairs from the SSH folder, and added 1 host").is_some());
    h.get_by_role_and_label(Role::Button, "Close").click_accesskit();
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), None);

    let inv = f.inventory();
    let keys = inv.list_keys(&KeyFilter::default()).unwrap();
    let mut got: Vec<(String, String, Option<String>)> =
        keys.iter().map(|k| (k.name.clone(), k.comment.clone(), k.private_key_path.clone())).collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("id_locked".to_string(), String::new(), Some(locked.display().to_string())),
            ("id_work-laptop".to_string(), "id_work@laptop".to_string(), Some(work.display().to_string())),
        ],
        "the names the dialog showed"
    );
    let hosts = inv.hosts().unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!((hosts[0].name.as_str(), hosts[0].port, hosts[0].user.as_str()), ("box", 2222, "deploy"));
    assert_eq!(hosts[0].addresses, ["127.0.0.1"]);
    let work_pair = keys.iter().find(|k| k.private_key_path.as_deref() == Some(&*work.display().to_string()));
    assert_eq!(hosts[0].keys.iter().map(|k| k.0).collect::<Vec<_>>(), [work_pair.unwrap().id]);
    // The fingerprints are ssh-keygen's own.
    for k in &keys {
        let file = PathBuf::from(k.private_key_path.as_ref().unwrap());
        let fp = if file == work {
            ssh_keygen_fingerprint(&["-l"], &work.with_extension("pub"))
        } else {
            ssh_keygen_fingerprint(&["-l"], &locked)
        };
        assert_eq!(k.fingerprint_sha256, fp);
    }
}

#[test]
fn copy_ssh_command_gives_the_bound_key_alone_as_a_shell_line() {
    let f = Fixture::new();
    let key = keygen_in(f.dir.path(), "id work", &["-N", ""]);
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_keyshelf")).arg("--db").arg(&f.db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    cli(&["key", "import", "work", "--file", key.to_str().unwrap()]);
    cli(&["host", "add", "box", "--address", "10.0.0.5", "--port", "2222", "--user", "deploy"]);
    cli(&["key", "bind", "work", "box"]);
    let mut h = f.harness();
    h.get_by_label_contains("Hosts  (").click();
    h.run_steps(2);
    select(&mut h, "box");
    h.get_by_label("More").click();
    h.run_steps(2);
    h.get_by_label("Copy ssh command").click();
    let start = Instant::now();
    let line = loop {
        h.step();
        let copied = h.output().platform_output.commands.iter().find_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        });
        if let Some(t) = copied {
            break t;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "nothing was copied");
        std::thread::sleep(Duration::from_millis(10));
    };
    // A shell splits it back into the words ssh gets: the key (its path has a space)
    // alone, the port, the user and the address.
    let out = Command::new("sh").arg("-c").arg(format!("printf '%s\\n' {line}")).output().unwrap();
    let words: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    let key_at = words.iter().position(|w| w == "-i").expect("-i");
    assert_eq!(words[key_at + 1], key.display().to_string());
    let joined = words.join(" ");
    assert!(joined.contains("-o IdentitiesOnly=yes"), "{joined}");
    assert!(joined.contains("-p 2222"), "{joined}");
    assert_eq!(words.last().unwrap(), "deploy@10.0.0.5", "{joined}");
}

#[test]
fn owner_and_rotate_by_are_set_in_the_details_and_searched() {
    let (f, _) = populated();
    let mut h = f.harness();
    select(&mut h, "alice");
    settle(&mut h);
    type_into(&mut h, "Owner", "Ops Team");
    h.get_by_role_and_label(Role::Button, "Save owner").click();
    settle(&mut h);
    h.get_by_role_and_label(Role::Button, "In 90 days").click();
    settle(&mut h);
    let alice = f.inventory().resolve_key("alice", &Default::default()).unwrap();
    assert_eq!(alice.owner, "Ops Team");
    let want = time::OffsetDateTime::now_utc().date() + time::Duration::days(90);
    assert_eq!(alice.rotate_by, Some(want));
    assert!(h.query_by_label("Due in 90 days").is_some());

    // A date typed badly is said, and not saved.
    h.get_by_label("Rotate by").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Rotate by").type_text("next spring");
    h.run_steps(2);
    assert!(h.query_by_label_contains("is not a date").is_some());
    assert!(h.get_by_role_and_label(Role::Button, "Set").accesskit_node().is_disabled());

    // The search box reads the same filters as the CLI.
    type_into(&mut h, "Search", "owner:ops");
    assert_eq!(h.state().visible_key_names(), vec!["alice"]);
    h.get_by_label("Search").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Search").type_text("expires:<30d");
    h.run_steps(2);
    assert!(h.state().visible_key_names().is_empty(), "due in 90 days is not within 30");
    h.get_by_label("Search").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Search").type_text("expires:<100d");
    h.run_steps(2);
    assert_eq!(h.state().visible_key_names(), vec!["alice"]);
    h.get_by_label("Search").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Search").type_text("expires:<soon");
    h.run_steps(2);
    assert!(h.query_by_label_contains("expires:").is_some(), "the unreadable filter is explained");
}

#[test]
fn importing_a_type_the_accounts_cloud_refuses_warns_but_imports() {
    let f = Fixture::new();
    let out = Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .arg("--db")
        .arg(&f.db)
        .args(["account", "add", "cloud", "--provider", "aws"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = f.dir.path().join("ec");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ecdsa", "-N", "", "-C", "ec@test", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(ok.success());
    let mut h = f.harness();
    h.get_by_label_contains("cloud · AWS").click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run_steps(2);
    type_into(&mut h, "Public key text", &std::fs::read_to_string(key.with_extension("pub")).unwrap());
    settle(&mut h);
    assert!(h.query_by_label_contains("AWS does not import ECDSA 256 keys").is_some(), "the warning shows");
    h.get_by_role_and_label(Role::Button, "Import").click();
    settle(&mut h);
    let keys = f.inventory().list_keys(&KeyFilter::default()).unwrap();
    assert_eq!(keys.iter().map(|k| k.account.clone()).collect::<Vec<_>>(), [Some("cloud".to_string())]);
}

#[test]
fn convert_writes_a_ppk_copy_puttygen_reads_and_leaves_the_original() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    let key = keygen_in(f.dir.path(), "id_conv", &["-N", ""]);
    let before = std::fs::read(&key).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .arg("--db")
        .arg(&f.db)
        .args(["key", "import", "conv", "--file", key.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut h = f.harness();
    select(&mut h, "conv");
    settle(&mut h);
    h.get_by_role_and_label(Role::Button, "Convert…").click_accesskit();
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), Some("convert"));
    h.run_steps(2);
    assert!(h.query_by_label("Save to").is_some(), "the dialog shows");
    h.get_by_role_and_label(Role::Button, "Convert").click_accesskit();
    step_until(&mut h, "the conversion", |a| !a.busy());
    let ppk = f.dir.path().join("conv.ppk");
    assert_eq!(h.query_all_by_label_contains("Wrote ").count(), 2, "the dialog and the status line say where");
    assert_eq!(std::fs::metadata(&ppk).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read(&key).unwrap(), before, "the original is untouched");
    let want = ssh_keygen_fingerprint(&["-l"], &key.with_extension("pub"));
    let parsed = keyshelf::keys::parse_key(&std::fs::read(&ppk).unwrap()).unwrap();
    assert_eq!(parsed.info.fingerprint_sha256, want);
    if let Ok(o) = Command::new("puttygen").arg(&ppk).args(["-l", "-E", "sha256"]).output() {
        assert!(String::from_utf8_lossy(&o.stdout).contains(&want), "puttygen reads it");
    }
}

#[test]
fn settings_preview_then_turn_on_the_managed_ssh_config_and_ssh_g_agrees() {
    let f = Fixture::new();
    let ssh = f.dir.path().join("dot-ssh");
    std::fs::create_dir(&ssh).unwrap();
    let key = keygen_in(&ssh, "id_box", &["-N", ""]);
    let config = ssh.join("config");
    std::fs::write(&config, "Host mine\n  User me\n").unwrap();
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_keyshelf")).arg("--db").arg(&f.db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    cli(&["key", "import", "box-key", "--file", key.to_str().unwrap()]);
    cli(&["host", "add", "box", "--address", "192.0.2.7", "--port", "2200", "--user", "deploy"]);
    cli(&["key", "bind", "box-key", "box"]);
    let app = KeyshelfApp::new(Some(f.db.clone()), f.dialogs.clone()).with_ssh_dir(Some(ssh.clone()));
    let mut h = f.harness_of(app);
    h.get_by_label("Settings").click();
    step_until(&mut h, "the settings", |a| !a.busy());
    h.get_by_role_and_label(Role::Button, "Preview and turn on…").click_accesskit();
    step_until(&mut h, "the preview", |a| !a.busy());
    assert_eq!(h.state().open_dialog(), Some("ssh-config"));
    assert!(h.query_by_label_contains("with a block for 1 host").is_some());
    assert!(h.query_by_label_contains("One line goes at the top of").is_some());
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "Host mine\n  User me\n", "a preview writes nothing");
    h.get_by_role_and_label(Role::Button, "Write and turn on").click_accesskit();
    h.run_steps(2);
    step_until(&mut h, "the write", |a| !a.busy());
    assert!(h.query_by_label_contains("It is now kept up to date").is_some());
    let g = Command::new("ssh").arg("-G").arg("-F").arg(&config).arg("box").output().unwrap();
    let g = String::from_utf8_lossy(&g.stdout).to_string();
    for line in ["hostname 192.0.2.7", "user deploy", "port 2200", "identitiesonly yes"] {
        assert!(g.lines().any(|l| l == line), "ssh -G lacks {line}: {g}");
    }
    assert!(g.lines().any(|l| l == format!("identityfile {}", key.display())), "{g}");
    // Turned on, the Settings section says so and offers the off switch.
    h.get_by_role_and_label(Role::Button, "Close").click_accesskit();
    step_until(&mut h, "the status", |a| !a.busy());
    assert!(h.query_by_role_and_label(Role::Button, "Turn off…").is_some());

    // A host edited in the app: the managed config follows (written as a job).
    h.get_by_label_contains("Hosts  (").click();
    h.run_steps(2);
    select(&mut h, "box");
    h.get_by_role_and_label(Role::Button, "Edit…").click();
    assert_eq!(h.state().open_dialog(), None);
    // The dialog appears within a few frames (egui lays a new window out first).
    for _ in 0..10 {
        h.step();
        if h.query_by_role_and_label(Role::TextInput, "Port").is_some() {
            break;
        }
    }
    let port = h.get_by_role_and_label(Role::TextInput, "Port");
    port.focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Port").type_text("2222");
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Save").click();
    step_until(&mut h, "the edit and the config's rewrite", |a| !a.busy());
    let g = Command::new("ssh").arg("-G").arg("-F").arg(&config).arg("box").output().unwrap();
    let g = String::from_utf8_lossy(&g.stdout).to_string();
    assert!(g.lines().any(|l| l == "port 2222"), "ssh -G follows the edit: {g}");

    // Turned off from Settings: the user's config is as it was, the managed file gone.
    assert!(ssh.join("keyshelf.conf").exists());
    h.get_by_label("Settings").click();
    step_until(&mut h, "the settings", |a| !a.busy());
    h.get_by_role_and_label(Role::Button, "Turn off…").click_accesskit();
    for _ in 0..10 {
        h.step();
        if h.query_by_role_and_label(Role::Button, "Turn off").is_some() {
            break;
        }
    }
    h.get_by_role_and_label(Role::Button, "Turn off").click_accesskit();
    h.run_steps(2);
    step_until(&mut h, "the files and the setting", |a| !a.busy());
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "Host mine\n  User me\n");
    assert!(!ssh.join("keyshelf.conf").exists());
    assert!(h.query_by_role_and_label(Role::Button, "Preview and turn on…").is_some());
}

fn cli_ok(db: &Path, args: &[&str]) -> String {
    let out = keyshelf_cli(db, args);
    assert!(out.status.success(), "keyshelf {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_report_lists_a_weak_key_and_its_button_selects_it() {
    let (f, _) = populated();
    // A weak key on purpose: ssh-keygen takes the last -t it is given.
    let weak = keygen_in(f.dir.path(), "old-rsa", &["-t", "rsa", "-b", "1024", "-N", ""]).with_extension("pub");
    cli_ok(&f.db, &["key", "import", "old-rsa", "--file", weak.to_str().unwrap()]);
    let weak_id = f.inventory().resolve_key("old-rsa", &Default::default()).unwrap().id;
    let mut h = f.harness();
    // A search that hides it: the button shows it anyway.
    type_into(&mut h, "Search", "env=prod");
    assert_eq!(h.state().visible_key_names(), vec!["alice"]);

    h.get_by_label("Report").click();
    settle(&mut h);
    assert_eq!(h.state().view(), keyshelf::ui::View::Report);
    assert!(h.query_by_label_contains("Weak keys  (1)").is_some(), "the group and its count");
    assert!(h.query_by_label_contains("old-rsa (no account): RSA 1024 is weak").is_some());
    // bob and old-rsa are bound to no host: worth knowing, not urgent, so that group
    // comes last and folded; opening it shows them, folding it again hides them.
    assert!(h.query_by_label_contains("bob (no account): is bound to no host").is_none(), "folded at first");
    h.get_by_label_contains("Key pairs bound to no host  (2)").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("bob (no account): is bound to no host").is_some(), "unfolded");
    h.get_by_label_contains("Key pairs bound to no host  (2)").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("bob (no account): is bound to no host").is_none(), "folded");
    let buttons: Vec<_> = h.get_all_by_label("Show key pair").collect();
    assert_eq!(buttons.len(), 1, "one line left with a key pair");
    buttons[0].click();
    h.run_steps(3);
    assert_eq!(h.state().view(), keyshelf::ui::View::Keys);
    assert_eq!(h.state().selected_ids(), vec![weak_id]);
    assert!(h.state().visible_key_names().contains(&"old-rsa".to_string()), "the search that hid it is cleared");
}

#[test]
fn export_from_settings_writes_a_document_the_cli_imports() {
    let (f, _) = populated();
    let target = f.dir.path().join("backup.json");
    *f.dialogs.save_to.lock().unwrap() = Some(target.clone());
    let mut h = f.harness();
    h.get_by_label("Settings").click();
    settle(&mut h);
    h.get_by_label("Export…").click_accesskit();
    settle(&mut h);
    let status = h.state().status.clone().unwrap();
    assert!(!status.is_error && status.text.contains("2 key pairs, 1 host and 1 binding"), "{status:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The CLI reads it, and would bring everything into an empty inventory.
    let fresh = f.dir.path().join("fresh.sqlite3");
    let json = cli_ok(&fresh, &["import-inventory", target.to_str().unwrap(), "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((v["key_pairs_added"].as_u64(), v["hosts_added"].as_u64()), (Some(2), Some(1)), "{json}");
    assert_eq!(v["bindings_added"].as_u64(), Some(1), "{json}");
    assert_eq!(v["conflicts"].as_array().map(Vec::len), Some(0), "{json}");
}

#[test]
fn import_inventory_previews_refuses_a_clash_until_rename_then_merges() {
    let (f, _) = populated();
    // Another machine's inventory, exported with the CLI: its own "alice" and a "carol".
    let other = f.dir.path().join("other.sqlite3");
    let mut theirs = Vec::new();
    for name in ["alice", "carol"] {
        let public = keygen_in(f.dir.path(), &format!("{name}-there"), &["-N", ""]).with_extension("pub");
        cli_ok(&other, &["key", "import", name, "--file", public.to_str().unwrap()]);
        theirs.push(ssh_keygen_fingerprint(&["-l"], &public));
    }
    let doc = f.dir.path().join("other.json");
    cli_ok(&other, &["export", "--out", doc.to_str().unwrap()]);
    let not_ours = f.dir.path().join("notes.json");
    std::fs::write(&not_ours, "{\"format\": \"something-else\", \"version\": 1}\n").unwrap();

    let mut h = f.harness();
    h.get_by_label("Settings").click();
    settle(&mut h);
    // A JSON file of something else: said plainly, nothing to import.
    *f.dialogs.open.lock().unwrap() = vec![not_ours];
    h.get_by_label("Import inventory…").click_accesskit();
    settle(&mut h);
    assert_eq!(h.state().open_dialog(), Some("inventory-import"));
    assert!(h.query_by_label_contains("not a Keyshelf inventory export").is_some());
    assert!(h.get_by_role_and_label(Role::Button, "Import").accesskit_node().is_disabled());
    h.get_by_role_and_label(Role::Button, "Cancel").click_accesskit();
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), None);

    *f.dialogs.open.lock().unwrap() = vec![doc];
    h.get_by_label("Import inventory…").click_accesskit();
    settle(&mut h);
    assert_eq!(h.state().open_dialog(), Some("inventory-import"));
    assert!(h.query_by_label("• 1 key pair to add").is_some(), "carol");
    assert!(h.query_by_label_contains("1 conflict with the inventory").is_some());
    assert!(h.query_all_by_label_contains("'alice'").next().is_some(), "the conflict names the key pair");
    assert!(h.get_by_role_and_label(Role::Button, "Import").accesskit_node().is_disabled());
    assert_eq!(f.inventory().key_count().unwrap(), 2, "a preview changes nothing");

    h.get_by_label("Rename clashing key pairs").click_accesskit();
    settle(&mut h);
    assert!(h.query_by_label_contains("conflict").is_none(), "renaming resolves it");
    assert!(h.query_by_label_contains("'alice' (no account) is imported as '").is_some());
    assert!(h.query_by_label("• 2 key pairs to add").is_some(), "alice under a new name, and carol");
    let import = h.get_by_role_and_label(Role::Button, "Import");
    assert!(!import.accesskit_node().is_disabled());
    import.click_accesskit();
    settle(&mut h);
    assert_eq!(h.state().open_dialog(), None, "{:?}", h.state().status);
    let status = h.state().status.clone().unwrap();
    assert!(status.text.starts_with("Imported 2 key pairs"), "{status:?}");

    let inv = f.inventory();
    let keys = inv.list_keys(&KeyFilter::default()).unwrap();
    assert_eq!(keys.len(), 4);
    for fp in &theirs {
        assert!(keys.iter().any(|k| &k.fingerprint_sha256 == fp), "{fp} (ssh-keygen's) was imported");
    }
    assert!(keys.iter().any(|k| k.name == "carol"));
    let mine = keys.iter().find(|k| k.name == "alice").unwrap();
    assert!(!theirs.contains(&mine.fingerprint_sha256), "this inventory's alice is untouched");
    assert_eq!(h.state().visible_key_names().len(), 4, "the table shows them");
}

#[test]
fn the_first_keys_typed_right_after_ctrl_n_reach_the_name() {
    let f = Fixture::new();
    let mut h = f.harness();
    // Typed in the same frame as Ctrl+N, then before the name field had the focus.
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.event(egui::Event::Text("aws".into()));
    h.run_steps(1);
    h.event(egui::Event::Text("-ecdsa".into()));
    h.run_steps(2);
    assert_eq!(h.get_by_label("Key pair name").value().as_deref(), Some("aws-ecdsa"));
}

#[test]
fn the_passphrase_mismatch_shows_only_once_the_second_is_typed_and_the_dialog_holds_still() {
    let f = Fixture::new();
    let mut h = f.harness();
    create_key_pair(&mut h, "holds-still");
    let before = h.get_by_role_and_label(Role::Button, "Save private key…").rect();
    type_into(&mut h, "Passphrase", "one");
    assert!(h.query_by_label("The two passphrases differ").is_none(), "not while the second is empty");
    type_into(&mut h, "Repeat passphrase", "two");
    assert!(h.query_by_label("The two passphrases differ").is_some());
    assert_eq!(h.get_by_role_and_label(Role::Button, "Save private key…").rect(), before, "the message had its room");
    h.get_by_label("Repeat passphrase").focus();
    h.key_press(Key::Backspace);
    h.key_press(Key::Backspace);
    h.key_press(Key::Backspace);
    h.run_steps(1);
    h.get_by_label("Repeat passphrase").type_text("one");
    h.run_steps(2);
    assert!(h.query_by_label("The two passphrases differ").is_none(), "gone once they match");
}

#[test]
fn the_table_keeps_its_key_columns_beside_the_details_which_close_and_follow_the_search() {
    let (f, _) = populated();
    let mut h = f.harness();
    select(&mut h, "bob");
    assert_eq!(h.state().selected_ids().len(), 1);
    let close = h.get_by_role_and_label(Role::Button, "Close details").rect();
    for column in ["Account", "Region", "Hosts", "Created (UTC)"] {
        // The table's header (the details have an "Account" field too, lower down).
        let r = h.get_all_by_label(column).map(|n| n.rect()).min_by(|a, b| a.top().total_cmp(&b.top())).unwrap();
        assert!(r.left() < close.left() - 300.0, "the {column} column stays in view beside the details");
    }
    // Escape closes the details, as does the Close button.
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert!(h.state().selected_ids().is_empty());
    assert!(h.query_by_role_and_label(Role::Button, "Close details").is_none());
    select(&mut h, "bob");
    h.get_by_role_and_label(Role::Button, "Close details").click();
    h.run_steps(2);
    assert!(h.state().selected_ids().is_empty());
    // A search that hides the selected key pair unselects it: nothing hidden is acted on.
    select(&mut h, "bob");
    type_into(&mut h, "Search", "alice");
    assert!(h.state().selected_ids().is_empty(), "the hidden row is no longer selected");
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert_eq!(h.state().open_dialog(), None, "Delete has nothing to act on");
}

#[test]
fn the_create_dialog_keeps_its_place_and_width_when_a_provider_warning_appears() {
    let f = Fixture::new();
    f.inventory().add_account("aws-prod", keyshelf::inventory::Provider::Aws, "").unwrap();
    let mut h = f.harness();
    h.get_by_label("aws-prod · AWS  (0)").click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(2);
    // RSA: AWS imports it (and it has sizes to choose, as ECDSA does).
    h.get_by_label("RSA").click();
    h.run_steps(3);
    let create = h.get_by_role_and_label(Role::Button, "Create").rect();
    let name = h.get_by_label("Key pair name").rect();
    assert!(h.query_by_label_contains("does not import").is_none());
    h.get_by_label("ECDSA").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("AWS does not import ECDSA").is_some(), "the warning is shown");
    assert_eq!(h.get_by_label("Key pair name").rect(), name, "the form did not move or widen");
    let moved = h.get_by_role_and_label(Role::Button, "Create").rect();
    assert_eq!((moved.left(), moved.right()), (create.left(), create.right()), "the buttons stay under the pointer");
}

#[test]
fn add_to_agent_is_offered_only_when_an_agent_answers() {
    let f = Fixture::new();
    let key = f.dir.path().join("laptop");
    cli_ok(&f.db, &["key", "create", "laptop", "--out", key.to_str().unwrap()]);
    // An agent socket where nothing listens: as with no agent running.
    let app = KeyshelfApp::new(Some(f.db.clone()), f.dialogs.clone())
        .with_agent_socket(Some(f.dir.path().join("no-agent.sock")));
    let mut h = f.harness_of(app);
    settle(&mut h);
    select(&mut h, "laptop");
    let add = h.get_by_role_and_label(Role::Button, "Add to agent");
    assert!(add.accesskit_node().is_disabled(), "a control that cannot work is not offered");
    assert!(!h.get_by_role_and_label(Role::Button, "Convert…").accesskit_node().is_disabled());
}

#[test]
fn the_details_say_whether_a_private_key_file_has_a_passphrase() {
    let f = Fixture::new();
    let pass = f.dir.path().join("pass.txt");
    std::fs::write(&pass, "correct horse\n").unwrap();
    let locked = f.dir.path().join("locked");
    let open = f.dir.path().join("open");
    cli_ok(
        &f.db,
        &["key", "create", "locked", "--out", locked.to_str().unwrap(), "--passphrase-file", pass.to_str().unwrap()],
    );
    cli_ok(&f.db, &["key", "create", "open", "--out", open.to_str().unwrap()]);
    let mut h = f.harness();
    select(&mut h, "locked");
    step_until(&mut h, "the details", |a| !a.busy());
    assert!(h.query_by_label_contains("protected by a passphrase").is_some());
    select(&mut h, "open");
    step_until(&mut h, "the details", |a| !a.busy());
    assert!(h.query_by_label_contains("no passphrase").is_some());
}

/// Settings lists what works on this machine (the checks of `keyshelf doctor`, found by a
/// job) and says which version this is, under which licence, and where the inventory is.
#[test]
fn settings_show_what_works_here_and_about() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.dir.path().join(".aws")).unwrap();
    std::fs::write(f.dir.path().join(".aws/config"), "[default]\nregion = eu-west-1\n[profile ops-team]\n").unwrap();
    let mut h = f.harness();
    h.get_by_label("Settings").click();
    settle(&mut h);
    assert!(h.query_by_label("This machine").is_some());
    // The profiles of the test's AWS files (names only), and the inventory the app has open.
    assert!(h.query_by_label("AWS profiles").is_some());
    assert!(h.query_by_label("2: default, ops-team").is_some(), "the AWS check names the profiles found");
    assert!(h.query_by_label("Inventory file").is_some());
    let checks = keyshelf::doctor::run_with(
        Some(&f.db),
        &keyshelf::doctor::Machine::current(),
        &FixedEnv { home: Some(f.dir.path().to_path_buf()), ..Default::default() },
    );
    let ssh = checks.iter().find(|c| c.name == "ssh").unwrap();
    assert!(h.query_by_label(&ssh.detail).is_some(), "the ssh check as doctor words it: {}", ssh.detail);
    // About: the version, the licence, the inventory's place and schema.
    assert!(h.query_by_label("About Keyshelf").is_some());
    assert!(h.query_by_label(env!("CARGO_PKG_VERSION")).is_some());
    assert!(h.query_by_label("MIT OR Apache-2.0 (LICENSE-MIT, LICENSE-APACHE)").is_some());
    assert!(h.query_all_by_label(&f.db.display().to_string()).count() >= 1);
    let schema = format!("schema version {}", keyshelf::inventory::SCHEMA_VERSION);
    assert!(h.query_by_label(&schema).is_some());
    // Check again runs the checks again (the button is disabled while they run).
    h.get_by_label("Check again").click_accesskit();
    h.run_steps(1);
    settle(&mut h);
    assert!(!h.get_by_label("Check again").accesskit_node().is_disabled());
}

/// A key pair kept outside any account moves into one from its details: the account
/// chosen, a region typed, Move; a name already there is said and Move is off.
#[test]
fn a_key_pair_moves_into_an_account_from_its_details() {
    let f = Fixture::new();
    cli_ok(&f.db, &["account", "add", "prod", "--provider", "aws"]);
    let laptop = f.ssh_keygen_key("laptop");
    cli_ok(&f.db, &["key", "import", "laptop", "--file", laptop.to_str().unwrap()]);
    let other = f.ssh_keygen_key("other");
    cli_ok(
        &f.db,
        &["key", "import", "laptop", "--file", other.to_str().unwrap(), "--account", "prod", "--region", "eu-west-1"],
    );
    let mut h = f.harness();
    h.get_by_label("All key pairs  (2)").click();
    h.run_steps(2);
    let rows: Vec<egui::Rect> = h.get_all_by_value("laptop").map(|n| n.rect()).collect();
    let no_account = rows.into_iter().min_by(|a, b| a.top().total_cmp(&b.top())).unwrap();
    click_at(&mut h, no_account);
    settle(&mut h);
    assert!(h.query_by_label("Account and region").is_some());
    let moved = || f.inventory().list_keys(&KeyFilter::default()).unwrap();
    // The account: opened, then chosen.
    h.get_by_role_and_label(Role::ComboBox, "Account").click_accesskit();
    h.run_steps(2);
    h.get_by_label("prod · AWS").click_accesskit();
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "Region").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Region").type_text("eu-west-1");
    h.run_steps(2);
    assert!(h.query_by_label_contains("A key pair named 'laptop' is already there").is_some());
    assert!(h.get_by_role_and_label(Role::Button, "Move").accesskit_node().is_disabled());
    h.get_by_role_and_label(Role::TextInput, "Region").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Region").type_text("us-east-1");
    h.run_steps(2);
    assert!(h.query_by_label("Moves it to prod / us-east-1.").is_some());
    h.get_by_role_and_label(Role::Button, "Move").click_accesskit();
    settle(&mut h);
    let keys = moved();
    let k = keys.iter().find(|k| k.fingerprint_sha256 == ssh_keygen_fingerprint(&["-l"], &laptop)).unwrap();
    assert_eq!((k.account.as_deref(), k.region.as_str()), (Some("prod"), "us-east-1"));
}

/// The SSH folder's keys go into an account made right there in the scan dialog.
#[test]
fn the_scan_dialog_makes_a_new_account_and_imports_into_it() {
    let f = Fixture::new();
    let ssh = f.dir.path().join("dot-ssh");
    std::fs::create_dir(&ssh).unwrap();
    keygen_in(&ssh, "id_ops", &["-N", ""]);
    let app = KeyshelfApp::new(Some(f.db.clone()), f.dialogs.clone()).with_ssh_dir(Some(ssh.clone()));
    let mut h = f.harness_of(app);
    h.get_by_label("Import your keys from ~/.ssh…").click_accesskit();
    h.run_steps(2);
    settle(&mut h);
    assert!(h.query_by_label("id_ops-laptop").is_some());
    h.get_by_role_and_label(Role::Button, "New account…").click_accesskit();
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "New account").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "New account").type_text("ops-aws");
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Add account").click_accesskit();
    settle(&mut h);
    assert_eq!(f.inventory().accounts().unwrap().iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["ops-aws"]);
    h.get_by_role_and_label(Role::Button, "Import 1 key pair").click_accesskit();
    settle(&mut h);
    let keys = f.inventory().list_keys(&KeyFilter::default()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!((keys[0].name.as_str(), keys[0].account.as_deref()), ("id_ops-laptop", Some("ops-aws")));
}
