//! The two atomic writers (private/public key files, known_hosts rewrites) clean up the
//! temp files a killed run left behind, touching nothing else; and their errors name the
//! file the user asked for, never the temp file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;

use common::Tmpfs;
use keyshelf::known_hosts::{plan_file, HostQuery, KnownHostsError};
use keyshelf::secure_file::{write_public, write_secret};

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK";

fn two_hours_ago() -> SystemTime {
    SystemTime::now() - Duration::from_secs(2 * 60 * 60)
}

/// Sets the modification time of a file or folder (following symlinks) to two hours ago.
fn make_old(path: &Path) {
    let f = if path.is_dir() { fs::File::open(path) } else { fs::File::options().write(true).open(path) };
    f.and_then(|f| f.set_modified(two_hours_ago())).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Writes `bytes` to `dir/name` with mode 0600 and makes it two hours old.
fn old_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
    make_old(&p);
    p
}

/// Makes `link` (pointing to `target`) itself two hours old, with `touch -h`; false if
/// that is not possible here (std cannot set a symlink's own time).
fn old_symlink(target: &Path, link: &Path) -> bool {
    symlink(target, link).unwrap();
    let secs = two_hours_ago().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let touched = Command::new("touch").args(["-h", "-d", &format!("@{secs}")]).arg(link).status();
    let old = fs::symlink_metadata(link).unwrap().modified().unwrap() < SystemTime::now() - Duration::from_secs(3600);
    if !(matches!(touched, Ok(s) if s.success()) && old) {
        eprintln!("note: cannot age a symlink here (touch -h -d @SECS); its part of the test is weaker");
        return false;
    }
    true
}

/// Gives `path` (a file of ours) to another user; false when not allowed (not root).
fn give_away(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let me = fs::metadata(path).unwrap().uid();
    let other = if me == 65534 { 65533 } else { 65534 };
    std::os::unix::fs::chown(path, Some(other), None).is_ok() && fs::metadata(path).unwrap().uid() == other
}

fn names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Files in `dir` that must survive any sweep: old, but not one of the writer's temp
/// names (or not a regular file of ours). Returns their names.
fn bystanders(dir: &Path, outside: &Path, own_pattern_link: &str, own_pattern_dir: &str, other: &str) -> Vec<String> {
    let mut kept = vec![];
    for name in [
        ".keyshelf-notes.txt",
        "id_ed25519",
        "known_hosts.old",
        ".keyshelf-AbC12.tmp",
        ".keyshelf-AbC1234.tmp",
        ".keyshelf-AbC-12.tmp",
        ".keyshelf-AbC123.tmp.bak",
        ".keyshelf-space-AbC123",
        ".known_hosts.AbC12.keyshelf-tmp",
        ".known_hosts.AbC1234.keyshelf-tmp",
        ".known_hosts.AbC123.keyshelf-tmp~",
        ".authorized_keys.AbC123.keyshelf-tmp",
        "known_hosts.AbC123.keyshelf-tmp",
        other,
    ] {
        old_file(dir, name, b"not ours to delete\n");
        kept.push(name.to_string());
    }
    // A folder with a matching name.
    fs::create_dir(dir.join(own_pattern_dir)).unwrap();
    make_old(&dir.join(own_pattern_dir));
    kept.push(own_pattern_dir.to_string());
    // A symlink with a matching name, to an old file elsewhere.
    let target = old_file(outside, "target", b"the link's target\n");
    old_symlink(&target, &dir.join(own_pattern_link));
    kept.push(own_pattern_link.to_string());
    kept
}

fn assert_link_kept(dir: &Path, outside: &Path, link: &str) {
    let meta = fs::symlink_metadata(dir.join(link)).expect("the symlink is still there");
    assert!(meta.file_type().is_symlink());
    let target = outside.join("target");
    assert_eq!(fs::read(&target).unwrap(), b"the link's target\n", "the symlink's target changed");
    assert!(fs::metadata(&target).unwrap().modified().unwrap() <= two_hours_ago() + Duration::from_secs(60));
}

#[test]
fn a_key_write_sweeps_only_its_own_stale_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stale = old_file(d, ".keyshelf-AbC123.tmp", b"-----BEGIN OPENSSH PRIVATE KEY-----\npart");
    old_file(d, ".keyshelf-0a9Z8y.tmp", b"another stale one");
    fs::write(d.join(".keyshelf-XyZ789.tmp"), b"a write in progress").unwrap();
    let mut kept = bystanders(d, outside.path(), ".keyshelf-LnK123.tmp", ".keyshelf-DiR123.tmp", ".pub-AbC123.tmp");
    kept.push(".keyshelf-XyZ789.tmp".into());
    let someone_elses = old_file(d, ".keyshelf-OtH123.tmp", b"another user's");
    if give_away(&someone_elses) {
        kept.push(".keyshelf-OtH123.tmp".into());
    } else {
        eprintln!("note: not root, so no file of another user can be made; that case is skipped");
        fs::remove_file(&someone_elses).unwrap();
    }

    write_secret(&d.join("id_new"), b"secret", false).unwrap();

    assert!(!stale.exists(), "the stale private-key temp file is still there");
    let mut expected: BTreeSet<String> = kept.into_iter().collect();
    expected.insert("id_new".into());
    assert_eq!(names(d), expected);
    assert_link_kept(d, outside.path(), ".keyshelf-LnK123.tmp");
    assert_eq!(fs::read(d.join(".keyshelf-XyZ789.tmp")).unwrap(), b"a write in progress");

    // A .pub write sweeps the same way.
    old_file(d, ".keyshelf-PuB123.tmp", b"ssh-ed25519 AAAA");
    write_public(&d.join("id_new.pub"), b"ssh-ed25519 AAAA x\n", false).unwrap();
    expected.insert("id_new.pub".into());
    assert_eq!(names(d), expected);
}

#[test]
fn a_known_hosts_rewrite_sweeps_only_its_own_stale_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("known_hosts");
    fs::write(&file, format!("a {KEY}\nb {KEY}\n")).unwrap();
    // Left by killed rewrites: of the file itself, and of its backup.
    old_file(d, ".known_hosts.AbC123.keyshelf-tmp", b"a {KEY}\n");
    old_file(d, ".known_hosts.old.QwE456.keyshelf-tmp", b"a {KEY}\n");
    fs::write(d.join(".known_hosts.FrS123.keyshelf-tmp"), b"a write in progress").unwrap();
    let mut kept = bystanders(
        d,
        outside.path(),
        ".known_hosts.LnK123.keyshelf-tmp",
        ".known_hosts.DiR123.keyshelf-tmp",
        ".keyshelf-AbC123.tmp",
    );
    kept.push(".known_hosts.FrS123.keyshelf-tmp".into());

    let plan = plan_file(&file, &[HostQuery::parse("a").unwrap()]).unwrap();
    plan.apply().unwrap().expect("a backup");

    let mut expected: BTreeSet<String> = kept.into_iter().collect();
    expected.extend(["known_hosts".to_string(), "known_hosts.old".to_string()]);
    // "known_hosts.old" was one of the bystanders; now it is the backup.
    assert_eq!(names(d), expected);
    assert_eq!(fs::read_to_string(&file).unwrap(), format!("b {KEY}\n"));
    assert_link_kept(d, outside.path(), ".known_hosts.LnK123.keyshelf-tmp");
}

/// Asserts that an error names `file` and says `reason`, and mentions no temp file.
fn assert_clean(err: &dyn std::fmt::Display, file: &str, reason: &str) {
    let msg = err.to_string();
    eprintln!("{msg}");
    for noise in [".tmp\"", "keyshelf-tmp", "at path"] {
        assert!(!msg.contains(noise), "the error mentions the temp file ({noise}): {msg}");
    }
    assert!(msg.contains(file), "the error does not name {file}: {msg}");
    assert!(msg.to_lowercase().contains(&reason.to_lowercase()), "the error does not say {reason}: {msg}");
}

/// A known_hosts file in `dir` and the plan that removes one of its two lines.
fn known_hosts_plan(dir: &Path) -> keyshelf::known_hosts::Plan {
    let file = dir.join("known_hosts");
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!("host{i}.example.com {KEY}\n"));
    }
    fs::write(&file, text).unwrap();
    plan_file(&file, &[HostQuery::parse("host7.example.com").unwrap()]).unwrap()
}

#[test]
fn write_errors_in_a_read_only_folder_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let plan = known_hosts_plan(dir.path());
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    if fs::File::create(dir.path().join("probe")).is_ok() {
        eprintln!("note: running as root, a read-only folder does not stop writes; see the tmpfs test");
        return;
    }
    let err = write_secret(&dir.path().join("id_ro"), b"secret", false).unwrap_err();
    assert_clean(&err, "id_ro", "permission denied");
    let err = plan.apply().unwrap_err();
    assert!(matches!(err, KnownHostsError::Backup { .. }), "{err}");
    assert_clean(&err, "known_hosts.old", "permission denied");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn write_errors_on_a_read_only_or_full_file_system_name_the_file() {
    // Read-only: creating the temp file fails (even as root).
    let Some(ro) = Tmpfs::mount("256k") else { return };
    let plan = known_hosts_plan(ro.path());
    ro.remount_read_only();
    let err = write_secret(&ro.path().join("id_ro"), b"secret", false).unwrap_err();
    assert_clean(&err, "id_ro", "read-only file system");
    let err = plan.apply().unwrap_err();
    assert!(matches!(err, KnownHostsError::Backup { .. }), "{err}");
    assert_clean(&err, "known_hosts.old", "read-only file system");
    drop(ro);

    // Full: the temp file is made, writing to it fails.
    let Some(full) = Tmpfs::mount("256k") else { return };
    let plan = known_hosts_plan(full.path());
    full.fill(0);
    let err = write_secret(&full.path().join("id_full"), &[7u8; 64 * 1024], false).unwrap_err();
    assert_clean(&err, "id_full", "no space left on device");
    let err = write_public(&full.path().join("id_full.pub"), &[7u8; 64 * 1024], false).unwrap_err();
    assert_clean(&err, "id_full.pub", "no space left on device");
    let err = plan.apply().unwrap_err();
    assert!(matches!(err, KnownHostsError::Backup { .. }), "{err}");
    assert_clean(&err, "known_hosts.old", "no space left on device");
    assert_eq!(names(full.path()), set(&["filler", "known_hosts"]), "files left behind on the full disk");
}
