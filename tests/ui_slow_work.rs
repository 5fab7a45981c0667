//! Slow OS work never holds up an edit: while `ssh -G` resolves the hosts of an
//! "Import from ~/.ssh" (here an ssh that takes seconds to answer, as over a slow
//! ProxyCommand or DNS), a rename made in the window shows in the table at once. In a
//! file of its own: it points `KEYSHELF_SSH_COMMAND` of this test process at that ssh.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use keyshelf::inventory::Inventory;
use keyshelf::ui::{KeyshelfApp, Picked, Platform};

struct NoDialogs;

impl Platform for NoDialogs {
    fn save_file(&self, _: &str, _: Option<&Path>, _: &str) -> Picked<PathBuf> {
        Picked::Unavailable
    }
    fn open_files(&self, _: &str, _: Option<&Path>) -> Picked<Vec<PathBuf>> {
        Picked::Unavailable
    }
}

fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", &format!("{name}@laptop"), "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    key
}

fn step_until(h: &mut Harness<'_, KeyshelfApp>, what: &str, done: impl Fn(&mut Harness<'_, KeyshelfApp>) -> bool) {
    let start = Instant::now();
    while !done(h) {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
}

#[test]
fn a_slow_ssh_g_does_not_delay_a_rename_showing_in_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let ssh_dir = dir.path().join("dot-ssh");
    std::fs::create_dir(&ssh_dir).unwrap();
    let work = keygen(&ssh_dir, "id_work");
    std::fs::write(
        ssh_dir.join("config"),
        format!("Host box\n  HostName 127.0.0.1\n  IdentityFile {}\n", work.display()),
    )
    .unwrap();
    // An ssh whose -G takes three seconds, then says it is done (the marker file).
    let marker = dir.path().join("ssh-g-finished");
    let fake = dir.path().join("slow-ssh");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\ncase \"$*\" in\n  *keyshelf-defaults.invalid*) printf 'user u\\nhostname x\\nport 22\\n' ;;\n  \
             *) sleep 3; printf 'user deploy\\nhostname 127.0.0.1\\nport 22\\nidentityfile {}\\n'; touch {} ;;\nesac\n",
            work.display(),
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // SAFETY of the shared environment: this file holds one test, so nothing else reads it.
    std::env::set_var("KEYSHELF_SSH_COMMAND", &fake);

    let db = dir.path().join("inv.sqlite3");
    {
        let mut inv = Inventory::open(&db).unwrap();
        let other = keygen(dir.path(), "other");
        let info = keyshelf::keys::parse_key(&std::fs::read(other.with_extension("pub")).unwrap()).unwrap().info;
        inv.add_key(&keyshelf::inventory::NewKeyPair {
            name: "other".into(),
            description: String::new(),
            account: None,
            region: String::new(),
            info,
            origin: keyshelf::inventory::Origin::Imported,
            private_key_path: None,
            tags: vec![],
        })
        .unwrap();
    }
    let app = KeyshelfApp::new(Some(db.clone()), Arc::new(NoDialogs)).with_ssh_dir(Some(ssh_dir));
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_ui_state(|ui, app: &mut KeyshelfApp| app.ui_root(ui), app);
    step_until(&mut h, "the inventory", |h| h.state().is_loaded() && !h.state().busy());

    h.get_by_label("Import from ~/.ssh…").click_accesskit();
    step_until(&mut h, "the scan", |h| h.query_by_label("id_work@laptop").is_some() && !h.state().busy());
    h.get_by_role_and_label(Role::Button, "Import 1 key pair and the hosts").click_accesskit();
    // The keys land; ssh -G is now working on the host.
    step_until(&mut h, "the keys", |h| h.state().visible_key_names().len() == 2);
    assert!(!marker.exists(), "ssh -G is still answering");
    h.get_by_role_and_label(Role::Button, "Close").click_accesskit();
    h.run_steps(2);

    // Rename "other" in its details while ssh -G still works.
    let rect = h.get_all_by_value("other").next().expect("row visible").rect();
    common::pointer_click(&mut h, rect);
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "Name").focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Name").type_text("renamed");
    h.run_steps(1);
    h.get_by_role_and_label(Role::Button, "Rename").click();
    step_until(&mut h, "the rename", |h| h.state().visible_key_names().contains(&"renamed".to_string()));
    assert!(!marker.exists(), "the rename showed while ssh -G was still answering: it did not wait behind it");

    // The host comes in once ssh -G answers.
    step_until(&mut h, "the hosts", |h| !h.state().busy() && marker.exists());
    let inv = Inventory::open(&db).unwrap();
    let hosts = inv.hosts().unwrap();
    assert_eq!(hosts.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["box"]);
}
