//! The known_hosts cleanup view, driven like a user would with egui_kittest: type a
//! file and hosts, preview, remove with confirmation, undo. The file is a real one made
//! with `ssh-keygen` (a hashed line from `ssh-keygen -H` included), checked on disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use keyshelf::inventory::Host;
use keyshelf::ui::{KnownHostsView, Picked, Platform, StatusMessage};

/// Answers the file dialog with whatever the test put in `open`.
struct FakePlatform {
    open: Mutex<Picked<Vec<PathBuf>>>,
}

fn fake_platform(open: Picked<Vec<PathBuf>>) -> Arc<dyn Platform> {
    Arc::new(FakePlatform { open: Mutex::new(open) })
}

impl Platform for FakePlatform {
    fn save_file(&self, _title: &str, _folder: Option<&Path>, _name: &str) -> Picked<PathBuf> {
        Picked::Unavailable
    }

    fn open_files(&self, _title: &str, _folder: Option<&Path>) -> Picked<Vec<PathBuf>> {
        self.open.lock().expect("lock").clone()
    }
}

struct State {
    view: KnownHostsView,
    hosts: Vec<Host>,
    platform: Arc<dyn Platform>,
    /// Every status message the view returned, in order.
    status: Vec<StatusMessage>,
}

fn harness(hosts: Vec<Host>, platform: Arc<dyn Platform>) -> Harness<'static, State> {
    let state = State { view: KnownHostsView::default(), hosts, platform, status: Vec::new() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 1000.0)).build_ui_state(
        |ui, s: &mut State| {
            s.view.show(ui, &s.hosts);
            // What the app does on its jobs, here on the test's thread.
            let said = s.view.run_work_here(s.platform.as_ref());
            s.status.extend(said);
        },
        state,
    );
    h.run();
    h
}

/// Steps until the view's background job is done (`run()` refuses while a spinner
/// repaints), then settles the UI with `run()`, which also checks accessibility.
fn wait_idle(h: &mut Harness<'_, State>) {
    let start = Instant::now();
    h.step();
    while h.state().view.busy() {
        assert!(start.elapsed() < Duration::from_secs(20), "the background job did not finish");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run();
}

/// Replaces the text of a field as a user would: focus, select all, type.
fn replace_text(h: &mut Harness<'_, State>, field: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, field).focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, field).type_text(text);
    h.run();
}

/// Clicks a button and waits for whatever job it started (a dialog, a preview, ...).
fn click(h: &mut Harness<'_, State>, button: &str) {
    h.get_by_role_and_label(Role::Button, button).click();
    wait_idle(h);
}

fn host(name: &str, addresses: &[&str], port: u16) -> Host {
    Host {
        id: 1,
        name: name.to_string(),
        addresses: addresses.iter().map(|a| a.to_string()).collect(),
        port,
        user: "root".to_string(),
        account: None,
        region: String::new(),
        key: None,
        bound_at: None,
        keys: Vec::new(),
        authorized_keys: keyshelf::inventory::DEFAULT_AUTHORIZED_KEYS.to_string(),
        last_check: None,
    }
}

/// A fresh ed25519 public key, `type base64`, from ssh-keygen.
fn new_key(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("run ssh-keygen");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
    let public = std::fs::read_to_string(path.with_extension("pub")).expect("read .pub");
    public.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// `host key` hashed by `ssh-keygen -H`, as OpenSSH writes with HashKnownHosts.
fn hashed_line(dir: &Path, host: &str, key: &str) -> String {
    let file = dir.join("to_hash");
    std::fs::write(&file, format!("{host} {key}\n")).expect("write");
    let out = Command::new("ssh-keygen").arg("-H").arg("-f").arg(&file).output().expect("run ssh-keygen -H");
    assert!(out.status.success(), "ssh-keygen -H: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&file).expect("read hashed");
    let line = text.lines().find(|l| l.starts_with("|1|")).expect("a hashed line").to_string();
    assert!(!line.contains(host));
    line
}

/// A known_hosts file: removed for `old.example.com` + `192.0.2.10` are lines 2, 6
/// (hashed) and 7; line 4 is a wildcard that covers the host and stays; line 5 is the
/// same name on another port; the rest is unrelated.
fn known_hosts(dir: &Path) -> (PathBuf, String) {
    let keys: Vec<String> = (1..=7).map(|i| new_key(dir, &format!("k{i}"))).collect();
    let text = [
        "# managed by hand".to_string(),
        format!("old.example.com,192.0.2.10 {}", keys[0]),
        format!("other.example.com {}", keys[1]),
        format!("*.example.com {}", keys[2]),
        format!("[old.example.com]:2222 {}", keys[3]),
        hashed_line(dir, "old.example.com", &keys[4]),
        format!("192.0.2.10 {}", keys[5]),
        format!("unrelated.org {}", keys[6]),
    ]
    .join("\n")
        + "\n";
    let path = dir.join("known_hosts");
    std::fs::write(&path, &text).expect("write known_hosts");
    (path, text)
}

fn without_lines(text: &str, gone: &[usize]) -> String {
    text.lines().enumerate().filter(|(i, _)| !gone.contains(&(i + 1))).map(|(_, l)| format!("{l}\n")).collect()
}

/// Texts shown in a part of the view (a named container), e.g. the removed table.
/// (AccessKit keeps a `Label`'s text in its value.)
fn labels_in(h: &Harness<'_, State>, container: &str) -> Vec<String> {
    h.get_by_label(container).query_all_by_role(Role::Label).filter_map(|n| n.accesskit_node().value()).collect()
}

#[test]
fn preview_remove_and_undo_a_hosts_lines_with_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, original) = known_hosts(dir.path());
    let backup = dir.path().join("known_hosts.old");
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));

    // Nothing to preview without hosts.
    assert!(h.get_by_role_and_label(Role::Button, "Preview").accesskit_node().is_disabled());

    replace_text(&mut h, "known_hosts file", &file.display().to_string());
    assert_eq!(h.state().view.file.as_deref(), Some(file.as_path()));
    h.get_by_role_and_label(Role::TextInput, "Add host").focus();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Add host").type_text("Old.Example.com");
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(h.get_by_role_and_label(Role::TextInput, "Add host").is_focused(), "Enter keeps the field for the next");
    h.get_by_role_and_label(Role::TextInput, "Add host").type_text("192.0.2.10");
    click(&mut h, "Add");
    assert_eq!(h.state().view.hosts, vec!["old.example.com", "192.0.2.10"]);
    assert!(h.query_by_role_and_label(Role::Button, "Remove 3 lines").is_none(), "no preview yet");

    click(&mut h, "Preview");

    let f = file.display().to_string();
    h.get_by_label(&format!("3 lines will be removed from {f}; a backup goes to {f}.old"));
    let removed = labels_in(&h, "Lines to remove");
    for (line, host) in [("2", "old.example.com,192.0.2.10"), ("6", "hashed"), ("7", "192.0.2.10")] {
        assert!(removed.iter().any(|l| l == line), "line {line} listed: {removed:?}");
        assert!(removed.iter().any(|l| l == host), "{host} shown: {removed:?}");
    }
    for line in ["1", "3", "4", "5", "8"] {
        assert!(!removed.iter().any(|l| l == line), "line {line} must not be listed as removed: {removed:?}");
    }
    assert!(removed.iter().any(|l| l.starts_with("SHA256:")), "fingerprints shown: {removed:?}");
    let kept = labels_in(&h, "Lines kept");
    assert!(kept.iter().any(|l| l == "4"), "the wildcard line is listed as kept: {kept:?}");
    assert!(kept.iter().any(|l| l.starts_with("covers this host, kept")), "{kept:?}");

    // Remove asks first; Cancel writes nothing.
    click(&mut h, "Remove 3 lines");
    h.get_by_label(&format!("Remove 3 lines from {f}? A backup is written to {f}.old."));
    click(&mut h, "Cancel");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    assert!(!backup.exists());

    click(&mut h, "Remove 3 lines");
    click(&mut h, "Remove");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), without_lines(&original, &[2, 6, 7]));
    assert_eq!(std::fs::read_to_string(&backup).expect("backup"), original);
    let done = format!("Removed 3 lines; backup at {}", backup.display());
    assert_eq!(h.state().status.last(), Some(&StatusMessage { text: done.clone(), is_error: false }));
    h.get_by_label(&done);
    assert!(h.query_by_role_and_label(Role::Button, "Remove 3 lines").is_none(), "the old preview is gone");

    click(&mut h, "Undo");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    let last = h.state().status.last().expect("a status").clone();
    assert!(!last.is_error && last.text.starts_with("Restored"), "{last:?}");
    // Same file and hosts: the view previews again, so the lines show up again.
    h.get_by_role_and_label(Role::Button, "Remove 3 lines");
    assert!(h.query_by_role_and_label(Role::Button, "Undo").is_none());
}

#[test]
fn nothing_matched_says_so_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, original) = known_hosts(dir.path());
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    replace_text(&mut h, "known_hosts file", &file.display().to_string());

    h.state_mut().view.prefill(vec!["nothing.example.net".to_string()]);
    h.run();
    click(&mut h, "Preview");
    let f = file.display().to_string();
    h.get_by_label(&format!("Nothing in {f} matches these hosts; nothing will be written."));
    assert!(h.query_by_label_contains("Remove 0").is_none());
    assert!(h.query_by_label("Lines to remove").is_none());
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
}

#[test]
fn changing_the_hosts_drops_the_preview_until_previewed_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, _) = known_hosts(dir.path());
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    replace_text(&mut h, "known_hosts file", &file.display().to_string());
    h.state_mut().view.prefill(vec!["192.0.2.10".to_string()]);
    h.run();
    click(&mut h, "Preview");
    h.get_by_role_and_label(Role::Button, "Remove 2 lines");

    click(&mut h, "Remove 192.0.2.10 from the list");
    assert!(h.state().view.hosts.is_empty());
    assert!(h.query_by_role_and_label(Role::Button, "Remove 2 lines").is_none());
    assert!(h.get_by_role_and_label(Role::Button, "Preview").accesskit_node().is_disabled());
}

#[test]
fn apply_refuses_when_the_file_changed_since_the_preview() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, original) = known_hosts(dir.path());
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    replace_text(&mut h, "known_hosts file", &file.display().to_string());
    h.state_mut().view.prefill(vec!["old.example.com".to_string()]);
    h.run();
    click(&mut h, "Preview");

    let changed = original.clone()
        + "new.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK\n";
    std::fs::write(&file, &changed).expect("write");
    click(&mut h, "Remove 2 lines");
    click(&mut h, "Remove");

    assert_eq!(std::fs::read_to_string(&file).expect("read"), changed, "nothing written");
    let last = h.state().status.last().expect("a status").clone();
    assert!(last.is_error && last.text.contains("changed since the preview"), "{last:?}");
    h.get_by_label(&last.text);
    assert!(h.query_by_role_and_label(Role::Button, "Remove 2 lines").is_none(), "stale preview dropped");
}

#[test]
fn an_invalid_host_shows_why_and_is_not_added() {
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    h.get_by_role_and_label(Role::TextInput, "Add host").focus();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Add host").type_text("*.example.com");
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(h.state().view.hosts.is_empty());
    h.get_by_label_contains("wildcards and negations are patterns");
    assert_eq!(h.get_by_role_and_label(Role::TextInput, "Add host").value().as_deref(), Some("*.example.com"));

    // Typing again clears the error; a valid pasted host list adds every host.
    replace_text(&mut h, "Add host", "web-1,[10.0.0.5]:2222");
    assert!(h.query_by_label_contains("wildcards").is_none());
    click(&mut h, "Add");
    assert_eq!(h.state().view.hosts, vec!["web-1", "[10.0.0.5]:2222"]);

    click(&mut h, "Clear");
    assert!(h.state().view.hosts.is_empty());
}

#[test]
fn from_inventory_adds_all_names_and_addresses_of_a_host() {
    let hosts = vec![host("db-1", &["10.1.0.7", "db-1.internal"], 22), host("bastion", &["203.0.113.9"], 2222)];
    let mut h = harness(hosts, fake_platform(Picked::Cancelled));
    click(&mut h, "From inventory…");
    click(&mut h, "bastion");
    assert_eq!(h.state().view.hosts, vec!["[bastion]:2222", "[203.0.113.9]:2222"]);
    click(&mut h, "From inventory…");
    click(&mut h, "db-1");
    click(&mut h, "From inventory…");
    click(&mut h, "db-1"); // twice: no duplicates
    assert_eq!(h.state().view.hosts, vec!["[bastion]:2222", "[203.0.113.9]:2222", "db-1", "10.1.0.7", "db-1.internal"]);
}

#[test]
fn from_inventory_is_disabled_without_hosts() {
    let h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    assert!(h.get_by_role_and_label(Role::Button, "From inventory…").accesskit_node().is_disabled());
}

#[test]
fn choose_uses_the_dialog_and_says_so_when_there_is_none() {
    let picked = PathBuf::from("/somewhere/known_hosts");
    let mut h = harness(Vec::new(), fake_platform(Picked::Chosen(vec![picked.clone()])));
    click(&mut h, "Choose…");
    assert_eq!(h.state().view.file.as_deref(), Some(picked.as_path()));
    assert_eq!(
        h.get_by_role_and_label(Role::TextInput, "known_hosts file").value().as_deref(),
        Some("/somewhere/known_hosts")
    );

    let mut h = harness(Vec::new(), fake_platform(Picked::Unavailable));
    replace_text(&mut h, "known_hosts file", "/typed/known_hosts");
    click(&mut h, "Choose…");
    h.get_by_label_contains("No file dialog is available");
    assert_eq!(h.state().view.file.as_deref(), Some(Path::new("/typed/known_hosts")), "the typed path stays");
}

#[test]
fn a_missing_file_is_an_error_inline_and_in_the_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    replace_text(&mut h, "known_hosts file", &missing.display().to_string());
    h.state_mut().view.prefill(vec!["a.example.com".to_string()]);
    h.run();
    click(&mut h, "Preview");
    let last = h.state().status.last().expect("a status").clone();
    assert!(last.is_error, "{last:?}");
    assert_eq!(last.text, format!("Cannot read {}: no such file or directory", missing.display()));
    h.get_by_label(&last.text);
}

#[test]
fn undo_refuses_to_drop_lines_added_since_the_removal_unless_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, original) = known_hosts(dir.path());
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    replace_text(&mut h, "known_hosts file", &file.display().to_string());
    h.state_mut().view.prefill(vec!["192.0.2.10".to_string()]);
    h.run();
    click(&mut h, "Preview");
    click(&mut h, "Remove 2 lines");
    click(&mut h, "Remove");
    let after = without_lines(&original, &[2, 7]);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), after);

    // ssh adds a line meanwhile: a plain undo would lose it.
    let added = after + &format!("new.example.com {}\n", new_key(dir.path(), "k9"));
    std::fs::write(&file, &added).expect("write");
    click(&mut h, "Undo");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), added, "nothing restored");
    let last = h.state().status.last().expect("a status").clone();
    assert!(last.is_error && last.text.contains("changed since the removal"), "{last:?}");

    click(&mut h, "Restore anyway");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    assert!(h.query_by_role_and_label(Role::Button, "Undo").is_none());
}

#[test]
fn undo_can_keep_the_lines_added_since_the_removal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, original) = known_hosts(dir.path());
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    replace_text(&mut h, "known_hosts file", &file.display().to_string());
    h.state_mut().view.prefill(vec!["other.example.com".to_string()]);
    h.run();
    click(&mut h, "Preview");
    click(&mut h, "Remove 1 line");
    click(&mut h, "Remove");
    assert!(h.query_by_role_and_label(Role::Button, "Restore and keep new lines").is_none(), "only once refused");

    let new_line = hashed_line(dir.path(), "new.example.com", &new_key(dir.path(), "k9")) + "\n";
    let added = without_lines(&original, &[3]) + &new_line;
    std::fs::write(&file, &added).expect("write");
    click(&mut h, "Undo");
    let last = h.state().status.last().expect("a status").clone();
    assert!(last.is_error, "{last:?}");
    assert!(last.text.contains("it has 1 line that the backup does not have (line 8: |1|"), "{last:?}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), added, "nothing restored");

    click(&mut h, "Restore and keep new lines");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original + &new_line);
    let last = h.state().status.last().expect("a status").clone();
    assert!(!last.is_error && last.text.ends_with("keeping 1 line added since the removal at the end"), "{last:?}");
    assert!(h.query_by_role_and_label(Role::Button, "Undo").is_none());
}

#[test]
fn undo_after_more_lines_went_loses_nothing_and_restores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, original) = known_hosts(dir.path());
    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    replace_text(&mut h, "known_hosts file", &file.display().to_string());
    h.state_mut().view.prefill(vec!["other.example.com".to_string()]);
    h.run();
    click(&mut h, "Preview");
    click(&mut h, "Remove 1 line");
    click(&mut h, "Remove");
    // Another line removed since (by hand, or ssh-keygen -R): the backup has it.
    std::fs::write(&file, without_lines(&original, &[3, 8])).expect("write");
    click(&mut h, "Undo");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    let last = h.state().status.last().expect("a status").clone();
    assert!(!last.is_error && last.text.starts_with("Restored"), "{last:?}");
}

#[test]
fn a_symlinked_file_names_the_backup_next_to_its_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real_dir = dir.path().join("dotfiles");
    std::fs::create_dir(&real_dir).expect("mkdir");
    let (real, original) = known_hosts(&real_dir);
    let link = dir.path().join("known_hosts_link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");

    let mut h = harness(Vec::new(), fake_platform(Picked::Cancelled));
    h.state_mut().view.file = Some(link.clone());
    h.state_mut().view.prefill(vec!["other.example.com".to_string()]);
    h.state_mut().view.request_preview();
    wait_idle(&mut h);
    let (l, r) = (link.display(), real.display());
    h.get_by_label(&format!("1 line will be removed from {l}; a backup goes to {r}.old"));
    assert_eq!(h.get_by_role_and_label(Role::TextInput, "known_hosts file").value().as_deref(), Some(&*l.to_string()));

    click(&mut h, "Remove 1 line");
    click(&mut h, "Remove");
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&real).expect("read"), without_lines(&original, &[3]));
    assert_eq!(std::fs::read_to_string(real_dir.join("known_hosts.old")).expect("backup"), original);
}
