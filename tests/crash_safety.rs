//! Crash safety, end to end through the `keyshelf` binary:
//!
//! - a bulk import killed (SIGKILL) at random moments leaves an inventory that passes
//!   `PRAGMA integrity_check` and holds all of the import or none of it;
//! - a known_hosts rewrite killed at random moments leaves the file either as it was or
//!   as intended, never a mix, with the backup (when there is one) equal to the original;
//! - on a full disk (a small tmpfs, when running as root where mounting works), writing
//!   the inventory, a private key or a known_hosts file fails with a clear error and
//!   leaves the original files intact and no temporary files behind.
//!
//! Corrupt, foreign, newer and read-only inventories are covered by `tests/cli.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use keyshelf::keys::{GeneratedKey, KeyKind, KeySpec};
use rand::Rng;

/// Kills per scenario: a third at moments spread evenly over a full run (plus a little
/// past its end), with jitter, so kills land in every phase (start-up, reading,
/// writing, committing, exiting); the rest right after a write is seen to begin, so
/// that kills land inside the writes however fast or loaded the machine is.
const ROUNDS: usize = 30;
const TIMED_ROUNDS: usize = ROUNDS / 3;

fn ed25519_lines(n: usize, comment: &str) -> Vec<String> {
    let spec = KeySpec::new(KeyKind::Ed25519, None).unwrap();
    (0..n).map(|i| GeneratedKey::generate(spec, &format!("{comment}{i}")).unwrap().info().openssh.clone()).collect()
}

fn keyshelf(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyshelf"));
    c.arg("--db").arg(db).args(args).env_remove("KEYSHELF_DB");
    c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// Runs a command to the end, asserting success; returns how long it took.
fn timed_run(mut c: Command) -> Duration {
    let t = Instant::now();
    let status = c.status().expect("run keyshelf");
    assert!(status.success(), "{c:?} failed: {status}");
    t.elapsed()
}

/// The fastest of three full runs (each made by `make`): a loaded machine only slows
/// runs down, which moves timed kills earlier, never past the end.
fn calibrate(make: impl Fn() -> Command) -> Duration {
    (0..3).map(|_| timed_run(make())).min().unwrap()
}

fn jitter(max: Duration) -> Duration {
    max.mul_f64(rand::thread_rng().gen::<f64>())
}

/// When to kill a run.
enum Moment {
    /// This long after the start.
    After(Duration),
    /// As soon as the condition holds (polled every 100 µs), plus up to this much.
    When(Box<dyn Fn() -> bool>, Duration),
}

/// The moment of timed round `round`: stratified over `0 .. 1.1 * full`.
fn timed(round: usize, full: Duration) -> Moment {
    let slot = full.mul_f64(1.1) / TIMED_ROUNDS as u32;
    Moment::After(slot * round as u32 + jitter(slot))
}

/// Lets the child run until `moment`, then kills it with SIGKILL (`Child::kill` on
/// Unix). Returns whether the kill interrupted it (false: it had finished).
fn kill_at(mut child: Child, moment: Moment) -> bool {
    match moment {
        Moment::After(d) => std::thread::sleep(d),
        Moment::When(seen, more) => {
            while !seen() && child.try_wait().expect("try_wait").is_none() {
                std::thread::sleep(Duration::from_micros(100));
            }
            std::thread::sleep(jitter(more));
        }
    }
    let _ = child.kill();
    let status = child.wait().expect("wait");
    match status.signal() {
        Some(9) => true,
        None if status.success() => false,
        _ => panic!("keyshelf ended with {status} before it was killed"),
    }
}

fn db_counts(db: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(db).expect("the inventory opens after a kill");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok", "integrity_check after a kill");
    let fk: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(fk, 0, "foreign key violations after a kill");
    let keys: i64 = conn.query_row("SELECT count(*) FROM key_pairs", [], |r| r.get(0)).unwrap();
    let log: i64 = conn.query_row("SELECT count(*) FROM activity", [], |r| r.get(0)).unwrap();
    (keys, log)
}

fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

fn wal_len(db: &Path) -> u64 {
    fs::metadata(wal_path(db)).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn a_bulk_import_killed_at_any_moment_is_all_or_nothing() {
    const KEYS: usize = 3000;
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("authorized_keys");
    fs::write(&keys, ed25519_lines(KEYS, "bulk").join("\n") + "\n").unwrap();
    let seed = dir.path().join("seed.pub");
    fs::write(&seed, ed25519_lines(1, "seed")[0].clone() + "\n").unwrap();
    // A base inventory holding one key; every round starts from a copy of it.
    let base = dir.path().join("base.sqlite3");
    timed_run(keyshelf(&base, &["key", "import", "seed", "--file", s(&seed)]));
    assert_eq!(db_counts(&base), (1, 1));
    let import = ["key", "import", "--all", "--file", s(&keys), "--name-prefix", "bulk-"];

    let calibration = dir.path().join("calibration.sqlite3");
    let full = calibrate(|| {
        fs::copy(&base, &calibration).unwrap();
        keyshelf(&calibration, &import)
    });
    assert_eq!(db_counts(&calibration), (1 + KEYS as i64, 2));
    eprintln!("a full import of {KEYS} keys takes {full:?}");

    let (mut none, mut all, mut interrupted, mut in_commit) = (0, 0, 0, 0);
    for round in 0..ROUNDS {
        let db = dir.path().join(format!("round{round}.sqlite3"));
        fs::copy(&base, &db).unwrap();
        let moment = if round < TIMED_ROUNDS {
            timed(round, full)
        } else {
            // The WAL gets its first bytes when the import's pages are written out.
            let db = db.clone();
            Moment::When(Box::new(move || wal_len(&db) > 0), Duration::from_millis(2))
        };
        let child = keyshelf(&db, &import).spawn().expect("spawn keyshelf");
        let killed = kill_at(child, moment);
        interrupted += usize::from(killed);
        in_commit += usize::from(killed && wal_len(&db) > 0);
        let (keys, log) = db_counts(&db);
        match keys {
            1 => {
                assert_eq!(log, 1, "round {round}: no key imported, yet the import was logged");
                none += 1;
            }
            n if n == 1 + KEYS as i64 => {
                assert_eq!(log, 2, "round {round}: the import is in, but not in the log");
                all += 1;
            }
            n => panic!("round {round}: {} of {KEYS} keys imported: not all or nothing", n - 1),
        }
        // The binary itself still opens and lists it.
        let out = Env::at(&db).ok(["key", "list", "--json"]);
        let listed = serde_json::from_str::<serde_json::Value>(&out).unwrap().as_array().unwrap().len();
        assert_eq!(listed as i64, keys, "round {round}: key list disagrees with the database");
        fs::remove_file(&db).unwrap();
    }
    eprintln!(
        "{ROUNDS} rounds: {interrupted} killed mid-run ({in_commit} of them with the import's pages in the WAL); \
         outcome nothing {none} times, everything {all} times"
    );
    assert!(interrupted >= ROUNDS / 2, "only {interrupted} of {ROUNDS} kills interrupted the import");
    assert!(in_commit >= 1, "no kill landed while the import was being written");
}

/// A known_hosts file of `lines` lines in which `target` appears on a few of them,
/// and the same file without those lines.
fn big_known_hosts(lines: usize, target: &str) -> (Vec<u8>, Vec<u8>) {
    let keys: Vec<String> = ed25519_lines(4, "kh").iter().map(|l| type_and_blob(l)).collect();
    let hits = [7, lines / 3, lines / 2, lines - 2];
    let (mut original, mut expected) = (Vec::new(), Vec::new());
    for i in 0..lines {
        let line = if hits.contains(&i) {
            format!("{target},10.9.9.{} {}\n", i % 250, keys[i % 4])
        } else {
            format!("host{i}.example.com,10.{}.{}.{} {}\n", i / 65536, (i / 256) % 256, i % 256, keys[i % 4])
        };
        original.extend_from_slice(line.as_bytes());
        if !hits.contains(&i) {
            expected.extend_from_slice(line.as_bytes());
        }
    }
    (original, expected)
}

/// Names of the temporary files a known_hosts rewrite leaves in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    listing(dir).into_iter().filter(|n| n.ends_with(".keyshelf-tmp")).collect()
}

#[test]
fn a_known_hosts_rewrite_killed_at_any_moment_leaves_old_or_new_never_a_mix() {
    const LINES: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.sqlite3");
    let kh_dir = dir.path().join("ssh");
    fs::create_dir(&kh_dir).unwrap();
    let file = kh_dir.join("known_hosts");
    let backup = kh_dir.join("known_hosts.old");
    let (original, expected) = big_known_hosts(LINES, "target.example.com");
    let remove = ["known-hosts", "remove", "target.example.com", "--file", s(&file)];
    let reset = || {
        fs::write(&file, &original).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let _ = fs::remove_file(&backup);
    };

    let full = calibrate(|| {
        reset();
        keyshelf(&db, &remove)
    });
    assert!(fs::read(&file).unwrap() == expected, "a full run did not give the expected file");
    assert!(fs::read(&backup).unwrap() == original, "a full run did not back up the original");
    eprintln!("a full rewrite of {LINES} lines ({} bytes) takes {full:?}", original.len());

    let (mut old, mut new, mut interrupted, mut backup_only) = (0, 0, 0, 0);
    let mut strays = 0;
    for round in 0..ROUNDS {
        reset();
        let moment = if round < TIMED_ROUNDS {
            timed(round, full)
        } else if round < 2 * TIMED_ROUNDS {
            // While the backup is being written: its temporary file exists.
            let dir = kh_dir.clone();
            let writing = move || listing(&dir).iter().any(|n| n.starts_with(".known_hosts.old."));
            Moment::When(Box::new(writing), Duration::from_millis(5))
        } else {
            // While the new file is being written: the backup is in place.
            let backup = backup.clone();
            Moment::When(Box::new(move || backup.exists()), Duration::from_millis(5))
        };
        let before = temp_files(&kh_dir).len();
        let child = keyshelf(&db, &remove).spawn().expect("spawn keyshelf");
        interrupted += usize::from(kill_at(child, moment));
        let now = fs::read(&file).unwrap();
        let has_backup = backup.exists();
        if has_backup {
            assert!(fs::read(&backup).unwrap() == original, "round {round}: the backup is not the original");
        }
        if now == original {
            old += 1;
            backup_only += usize::from(has_backup);
        } else if now == expected {
            assert!(has_backup, "round {round}: the file was rewritten before its backup was written");
            new += 1;
        } else {
            panic!("round {round}: known_hosts is neither the old nor the new content ({} bytes)", now.len());
        }
        assert_eq!(mode(&file), 0o600, "round {round}: the mode changed");
        strays += temp_files(&kh_dir).len() - before;
    }
    eprintln!(
        "{ROUNDS} rounds: {interrupted} killed mid-run; old content {old} times ({backup_only} with the backup \
         already written), new content {new} times; {strays} temporary files left behind by the kills"
    );
    assert!(interrupted >= ROUNDS / 2, "only {interrupted} of {ROUNDS} kills interrupted the rewrite");
    assert!(backup_only >= 1, "no kill landed between the backup and the replacement");
    // Leftover temporary files from killed runs get in the way of nothing: a run to the
    // end still gives the expected result, and restore still works.
    let left = temp_files(&kh_dir).len();
    reset();
    timed_run(keyshelf(&db, &remove));
    assert!(fs::read(&file).unwrap() == expected);
    timed_run(keyshelf(&db, &["known-hosts", "restore", "--file", s(&file)]));
    assert!(fs::read(&file).unwrap() == original);
    assert_eq!(temp_files(&kh_dir).len(), left, "a run that was not killed left a temporary file");
}

/// Asserts a clean failure (exit 1, one `keyshelf:` line, no panic) that mentions
/// the full disk; returns stderr.
fn fails_full(db: &Path, args: &[&str]) -> String {
    let mut c = keyshelf(db, args);
    let out = c.stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("run keyshelf");
    let err = expect_failure(&out, &args.join(" "));
    assert!(err.to_lowercase().contains("full") || err.contains("No space left"), "not a clear full-disk error: {err}");
    err
}

/// Files in `dir` besides the filler.
fn files_besides_filler(dir: &Path) -> Vec<String> {
    listing(dir).into_iter().filter(|n| n != "filler").collect()
}

#[test]
fn a_full_disk_gives_a_clear_error_and_destroys_nothing() {
    let Some(disk) = Tmpfs::mount("1m") else { return };
    let elsewhere = tempfile::tempdir().unwrap();
    let lines = ed25519_lines(2000, "full");
    let keys = elsewhere.path().join("authorized_keys");
    fs::write(&keys, lines[1..].join("\n") + "\n").unwrap();
    let seed = elsewhere.path().join("seed.pub");
    fs::write(&seed, lines[0].clone() + "\n").unwrap();

    // 1. The inventory lives on the full disk.
    let db = disk.path().join("inv.sqlite3");
    timed_run(keyshelf(&db, &["key", "import", "seed", "--file", s(&seed)]));
    let before = fs::read(&db).unwrap();
    let writes = [
        vec!["key", "import", "--all", "--file", s(&keys)],
        vec!["account", "add", "acme", "--provider", "aws"],
        vec!["key", "edit", "seed", "--description", "changed on a full disk"],
    ];
    // a. Alone: the command cannot even make the inventory's WAL index (`-shm`).
    let filler = disk.fill(0);
    for args in &writes {
        let err = fails_full(&db, args);
        eprintln!("inventory on a full disk, {}: {err}", args[..2].join(" "));
        assert_eq!(fs::read(&db).unwrap(), before, "{}: the inventory file changed", args.join(" "));
    }
    fs::remove_file(&filler).unwrap();
    // b. With another connection open (the app running), the WAL files exist already,
    //    so opening works and the write itself finds the disk full.
    let app = rusqlite::Connection::open(&db).unwrap();
    let _: i64 = app.query_row("SELECT count(*) FROM key_pairs", [], |r| r.get(0)).unwrap();
    let filler = disk.fill(0);
    for args in &writes {
        let err = fails_full(&db, args);
        eprintln!("inventory on a full disk, app open, {}: {err}", args[..2].join(" "));
    }
    let (keys_now, log_now): (i64, i64) = app
        .query_row("SELECT (SELECT count(*) FROM key_pairs), (SELECT count(*) FROM activity)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((keys_now, log_now), (1, 1), "a write on the full disk went (partly) in");
    fs::remove_file(&filler).unwrap();
    drop(app);
    let filler = disk.fill(0);
    // A private key made while the inventory cannot take the key pair is not left behind.
    let out = elsewhere.path().join("id_orphan");
    let err = fails_full(&db, &["key", "create", "orphan", "--out", s(&out)]);
    eprintln!("key create with the inventory on a full disk: {err}");
    assert!(!out.exists() && !pub_of(&out).exists(), "key create left key files behind: {err}");
    fs::remove_file(&filler).unwrap();
    assert_eq!(db_counts(&db), (1, 1), "the inventory lost or gained data");
    assert_eq!(files_besides_filler(disk.path()), vec!["inv.sqlite3"], "files were left next to the inventory");
    let listed = Env::at(&db).list();
    assert_eq!(listed.len(), 1);
    assert_eq!(field(&listed[0], "description"), "");

    // 2. A private key written to the full disk (the inventory elsewhere).
    let db2 = elsewhere.path().join("inv.sqlite3");
    timed_run(keyshelf(&db2, &["account", "list"]));
    let filler = disk.fill(0);
    for (name, kind, format) in [("ed", "ed25519", "openssh"), ("rsa", "rsa", "pkcs8")] {
        let key = disk.path().join(format!("id_{name}"));
        let mut args = vec!["key", "create", name, "--type", kind, "--format", format, "--out", s(&key)];
        if kind == "rsa" {
            args.extend(["--bits", "2048"]);
        }
        let err = fails_full(&db2, &args);
        eprintln!("private key on a full disk: {err}");
        assert!(err.contains(s(&key)), "the error names the file: {err}");
        assert_eq!(files_besides_filler(disk.path()), vec!["inv.sqlite3"], "files left on the full disk");
    }
    assert_eq!(db_counts(&db2).0, 0, "a key pair was recorded although its private key was not saved");
    fs::remove_file(&filler).unwrap();

    // 3. known_hosts on the full disk: with no room for the backup, then with room for
    //    the backup but not for the new file.
    let kh = disk.path().join("known_hosts");
    let backup = disk.path().join("known_hosts.old");
    let (original, _) = big_known_hosts(2000, "gone.example.com");
    let remove = ["known-hosts", "remove", "gone.example.com", "--file", s(&kh)];
    for (case, leave) in [("no room for the backup", 0), ("room for the backup only", original.len() as u64 * 3 / 2)] {
        fs::write(&kh, &original).unwrap();
        let _ = fs::remove_file(&backup);
        let filler = disk.fill(leave);
        let err = fails_full(&db2, &remove);
        eprintln!("known_hosts on a full disk, {case}: {err}");
        assert!(fs::read(&kh).unwrap() == original, "{case}: known_hosts changed");
        if backup.exists() {
            assert!(fs::read(&backup).unwrap() == original, "{case}: the backup is not the original");
        }
        let expected_files: Vec<&str> = if leave == 0 {
            assert!(err.contains("was not changed"), "{case}: {err}");
            vec!["inv.sqlite3", "known_hosts"]
        } else {
            vec!["inv.sqlite3", "known_hosts", "known_hosts.old"]
        };
        assert_eq!(files_besides_filler(disk.path()), expected_files, "{case}: temporary files left behind");
        fs::remove_file(&filler).unwrap();
    }
    // Restore onto a full disk fails the same way and keeps both files (forced: the
    // file was changed since the removal, which a plain restore refuses first).
    fs::write(&kh, b"changed\n").unwrap();
    let filler = disk.fill(0);
    let err = fails_full(&db2, &["known-hosts", "restore", "--force", "--file", s(&kh)]);
    eprintln!("known-hosts restore on a full disk: {err}");
    assert_eq!(fs::read(&kh).unwrap(), b"changed\n");
    assert!(fs::read(&backup).unwrap() == original);
    assert_eq!(files_besides_filler(disk.path()), vec!["inv.sqlite3", "known_hosts", "known_hosts.old"]);
    drop(filler);
}
