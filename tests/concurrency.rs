//! Two writers on one inventory at once: two connections in one process (1,000 writes
//! each, plus a reader), two processes of the real `keyshelf` binary importing keys
//! side by side into a file that does not exist yet, and two processes creating the
//! same new inventory. No write may be lost, and no "database is locked" (or any other
//! error) may reach the user: a writer waits for the other instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Instant;

use common::*;
use keyshelf::inventory::{Inventory, KeyEdit, KeyFilter, NewKeyPair, Origin};
use keyshelf::keys::{GeneratedKey, KeyInfo, KeyKind, KeySpec};

/// Writes per writer in the in-process test.
const OPS: usize = 1000;
/// Of those: keys added, edits of those keys, edits of the one key both writers share.
const ADDS: usize = 400;
const OWN_EDITS: usize = 400;
const SHARED_EDITS: usize = OPS - ADDS - OWN_EDITS;

fn infos(n: usize, comment: &str) -> Vec<KeyInfo> {
    let spec = KeySpec::new(KeyKind::Ed25519, None).unwrap();
    (0..n).map(|i| GeneratedKey::generate(spec, &format!("{comment}{i}")).unwrap().info().clone()).collect()
}

fn new_key(name: &str, info: KeyInfo) -> NewKeyPair {
    NewKeyPair {
        name: name.to_string(),
        description: String::new(),
        account: None,
        region: String::new(),
        info,
        origin: Origin::Imported,
        private_key_path: None,
        tags: Vec::new(),
    }
}

fn shared_edit(description: &str, seq: String) -> KeyEdit {
    KeyEdit {
        description: Some(description.to_string()),
        set_tags: vec![("seq".to_string(), seq)],
        ..KeyEdit::default()
    }
}

/// One writer: adds its keys, edits them, and edits the shared key, interleaved so
/// both kinds of write overlap the other writer's. Returns the number of writes.
fn writer(db: PathBuf, who: char, keys: Vec<KeyInfo>, shared: i64, start: Arc<Barrier>) -> usize {
    let mut inv = Inventory::open(&db).unwrap_or_else(|e| panic!("writer {who}: open: {e}"));
    start.wait();
    let mut ids = Vec::with_capacity(ADDS);
    let mut ops = 0;
    let description = if who == 'a' { "written by a" } else { "written by b" };
    for (i, info) in keys.into_iter().enumerate() {
        let k = inv.add_key(&new_key(&format!("{who}-key-{i}"), info)).unwrap_or_else(|e| panic!("{who} add {i}: {e}"));
        ids.push(k.id);
        ops += 1;
        let edit = KeyEdit {
            description: Some(format!("{who} #{i}")),
            set_tags: vec![("owner".to_string(), who.to_string())],
            ..KeyEdit::default()
        };
        inv.edit_key(k.id, &edit).unwrap_or_else(|e| panic!("{who} edit {i}: {e}"));
        ops += 1;
        if i % 2 == 0 {
            inv.edit_key(shared, &shared_edit(description, format!("{who}{i}")))
                .unwrap_or_else(|e| panic!("{who} shared edit {i}: {e}"));
            ops += 1;
        }
    }
    assert_eq!(ids.len(), ADDS);
    ops
}

#[test]
fn two_connections_writing_1000_times_each_lose_nothing_and_never_see_locked() {
    assert_eq!(ADDS / 2, SHARED_EDITS, "the writer loop edits the shared key every other add");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inv.sqlite3");
    let mut setup = Inventory::open(&db).unwrap();
    let mut all = infos(2 * ADDS + 1, "c");
    let shared = setup.add_key(&new_key("shared", all.pop().unwrap())).unwrap();
    let before = setup.activity(usize::MAX >> 1, None).unwrap().len();
    drop(setup);
    let b_keys = all.split_off(ADDS);
    let a_keys = all;

    let start = Arc::new(Barrier::new(3));
    let done = Arc::new(AtomicBool::new(false));
    // A reader that lists the whole inventory while the writers run: WAL readers
    // never wait, and must never fail either.
    let reader = {
        let (db, start, done) = (db.clone(), start.clone(), done.clone());
        std::thread::spawn(move || {
            let inv = Inventory::open(&db).unwrap();
            start.wait();
            let mut reads = 0usize;
            let mut last = 0usize;
            while !done.load(Ordering::Relaxed) {
                let n = inv.list_keys(&KeyFilter::default()).unwrap_or_else(|e| panic!("reader: {e}")).len();
                assert!(n >= last, "the key count went down: {last} -> {n}");
                last = n;
                reads += 1;
            }
            reads
        })
    };
    let t0 = Instant::now();
    let spawn = |who: char, keys: Vec<KeyInfo>| {
        let (db, start) = (db.clone(), start.clone());
        std::thread::spawn(move || writer(db, who, keys, shared.id, start))
    };
    let a = spawn('a', a_keys);
    let b = spawn('b', b_keys);
    let ops = a.join().expect("writer a failed") + b.join().expect("writer b failed");
    done.store(true, Ordering::Relaxed);
    let reads = reader.join().expect("the reader failed");
    eprintln!("{ops} writes by two connections and {reads} full listings in {:?}", t0.elapsed());
    assert_eq!(ops, 2 * OPS);

    let inv = Inventory::open(&db).unwrap();
    let keys = inv.list_keys(&KeyFilter::default()).unwrap();
    assert_eq!(keys.len(), 1 + 2 * ADDS, "keys were lost");
    for who in ['a', 'b'] {
        for i in 0..ADDS {
            let name = format!("{who}-key-{i}");
            let k = keys.iter().find(|k| k.name == name).unwrap_or_else(|| panic!("{name} is missing"));
            assert_eq!(k.description, format!("{who} #{i}"), "{name}: its edit was lost");
            assert_eq!(k.tags, vec![("owner".to_string(), who.to_string())], "{name}: its tag was lost");
        }
    }
    // Every write is in the activity log, in commit order.
    let mut log = inv.activity(usize::MAX >> 1, None).unwrap();
    assert_eq!(log.len(), before + 2 * OPS, "activity entries were lost");
    log.reverse();
    check_shared_history(&log[before..], &inv.key(shared.id).unwrap());
}

/// Replays the shared key's edits in commit order. Each edit sets a `seq` tag (always
/// logged) and a description that is logged only when it differs from the one before:
/// an edit that compared against a stale description shows up as a missing (or extra)
/// "description changed". The final state must be the last commit's.
fn check_shared_history(log: &[keyshelf::inventory::Activity], shared: &keyshelf::inventory::KeyPair) {
    let mut description = String::new();
    let mut last_seq = String::new();
    let mut edits = 0;
    for entry in log.iter().filter(|e| e.subject == "shared") {
        assert_eq!(entry.action, "edit", "{entry:?}");
        let seq = entry.detail.split("tagged seq=").nth(1).unwrap_or_else(|| panic!("no seq in {entry:?}"));
        let wanted = if seq.starts_with('a') { "written by a" } else { "written by b" };
        let changed = entry.detail.contains("description changed");
        assert_eq!(
            changed,
            wanted != description,
            "edit {seq} (commit #{edits}) was judged against a stale description: it wanted {wanted:?} over \
             {description:?}, and the log says {:?}",
            entry.detail
        );
        description = wanted.to_string();
        last_seq = seq.to_string();
        edits += 1;
    }
    assert_eq!(edits, 2 * SHARED_EDITS, "edits of the shared key were lost");
    assert_eq!(shared.description, description, "the shared key does not hold the last committed description");
    assert_eq!(shared.tags, vec![("seq".to_string(), last_seq)]);
}

/// Runs `keyshelf --db DB key import NAME --file F` for each file in turn; returns
/// every failure's stderr.
fn import_loop(db: &Path, dir: &Path, prefix: &str, lines: &[String], start: &Barrier) -> Vec<String> {
    let files: Vec<PathBuf> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let f = dir.join(format!("{prefix}{i}.pub"));
            std::fs::write(&f, format!("{l}\n")).unwrap();
            f
        })
        .collect();
    start.wait();
    let mut failures = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyshelf"))
            .arg("--db")
            .arg(db)
            .args(["key", "import", &format!("{prefix}{i}"), "--file"])
            .arg(f)
            .env_remove("KEYSHELF_DB")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run keyshelf");
        if !out.status.success() || !out.stderr.is_empty() {
            failures.push(format!("{prefix}{i}: {:?}: {}", out.status, text(&out.stderr)));
        }
    }
    failures
}

#[test]
fn two_processes_importing_side_by_side_into_a_new_inventory_lose_nothing() {
    const PER_PROCESS: usize = 100;
    let dir = tempfile::tempdir().unwrap();
    // The inventory does not exist yet: both first commands race to create it.
    let db = dir.path().join("new").join("inv.sqlite3");
    let all: Vec<String> = infos(2 * PER_PROCESS, "p").into_iter().map(|i| i.openssh).collect();
    let start = Arc::new(Barrier::new(2));
    let t0 = Instant::now();
    let handles: Vec<_> = [("x-", 0), ("y-", PER_PROCESS)]
        .into_iter()
        .map(|(prefix, from)| {
            let (db, dir, start) = (db.clone(), dir.path().to_path_buf(), start.clone());
            let lines = all[from..from + PER_PROCESS].to_vec();
            std::thread::spawn(move || import_loop(&db, &dir, prefix, &lines, &start))
        })
        .collect();
    let failures: Vec<String> = handles.into_iter().flat_map(|h| h.join().expect("import loop")).collect();
    eprintln!("{} imports by two processes in {:?}", 2 * PER_PROCESS, t0.elapsed());
    assert!(failures.is_empty(), "{} imports failed; first: {}", failures.len(), failures[0]);

    let env = Env::at(&db);
    let listed = env.list();
    assert_eq!(listed.len(), 2 * PER_PROCESS, "imports were lost");
    for prefix in ["x-", "y-"] {
        for i in 0..PER_PROCESS {
            let name = format!("{prefix}{i}");
            assert!(listed.iter().any(|k| field(k, "name") == name), "{name} is missing");
        }
    }
    assert_eq!(env.activity_count(), 2 * PER_PROCESS);
}

#[test]
fn two_processes_creating_the_same_new_inventory_both_succeed() {
    const ROUNDS: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let db = dir.path().join(format!("round{round}.sqlite3"));
        let spawn = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_keyshelf"))
                .arg("--db")
                .arg(&db)
                .args(["account", "list", "--json"])
                .env_remove("KEYSHELF_DB")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn keyshelf")
        };
        let (a, b) = (spawn(), spawn());
        for out in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
            if !out.status.success() || !out.stderr.is_empty() {
                failures.push(format!("round {round}: {}", text(&out.stderr)));
            }
        }
        assert_eq!(
            db_version(&db),
            keyshelf::inventory::SCHEMA_VERSION,
            "round {round}: the schema was not created once"
        );
    }
    assert!(failures.is_empty(), "{} of {} openings failed; first: {}", failures.len(), 2 * ROUNDS, failures[0]);
}

fn db_version(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
}

/// One writer binds key i to host i while the other deletes key i (without unbinding),
/// for many i, in lockstep. Whatever the order, a key pair still bound may not be
/// deleted: the bind wins (and the delete is refused) or the delete wins (and the bind
/// finds no key). Checking "is it bound?" before taking the write lock let both win.
#[test]
fn a_key_being_bound_is_never_deleted_by_another_writer() {
    use keyshelf::inventory::{InventoryError, NewHost};
    const N: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inv.sqlite3");
    let mut setup = Inventory::open(&db).unwrap();
    let mut ids = Vec::new();
    for (i, info) in infos(N, "race").into_iter().enumerate() {
        ids.push(setup.add_key(&new_key(&format!("k{i}"), info)).unwrap().id);
        let host =
            NewHost { name: format!("h{i}"), addresses: vec![format!("10.0.0.{i}")], port: 22, ..NewHost::default() };
        setup.add_host(&host).unwrap();
    }
    drop(setup);
    let step = Arc::new(Barrier::new(2));
    let binder = {
        let (db, ids, step) = (db.clone(), ids.clone(), step.clone());
        std::thread::spawn(move || {
            let mut inv = Inventory::open(&db).unwrap();
            let mut bound = Vec::new();
            for (i, id) in ids.into_iter().enumerate() {
                step.wait();
                match inv.bind(id, &[format!("h{i}")]) {
                    Ok(_) => bound.push(true),
                    Err(InventoryError::NotFound(_)) => bound.push(false),
                    Err(e) => panic!("bind {i}: {e}"),
                }
            }
            bound
        })
    };
    let deleter = {
        let (db, ids, step) = (db.clone(), ids.clone(), step.clone());
        std::thread::spawn(move || {
            let mut inv = Inventory::open(&db).unwrap();
            let mut deleted = Vec::new();
            for (i, id) in ids.into_iter().enumerate() {
                step.wait();
                match inv.delete_keys(&[id], Default::default()) {
                    Ok(_) => deleted.push(true),
                    Err(InventoryError::KeyBound { .. }) => deleted.push(false),
                    Err(e) => panic!("delete {i}: {e}"),
                }
            }
            deleted
        })
    };
    let bound = binder.join().expect("binder");
    let deleted = deleter.join().expect("deleter");
    let both = (0..N).filter(|i| bound[*i] && deleted[*i]).count();
    let bind_won = (0..N).filter(|i| bound[*i] && !deleted[*i]).count();
    eprintln!("{N} races: the bind won {bind_won}, the delete won {}", N - bind_won - both);
    assert_eq!(both, 0, "{both} key pairs were deleted while another writer bound them");
    let inv = Inventory::open(&db).unwrap();
    let hosts = inv.hosts().unwrap();
    for (i, id) in ids.iter().enumerate() {
        let key = inv.key(*id);
        let host = hosts.iter().find(|h| h.name == format!("h{i}")).unwrap();
        assert_eq!(key.is_ok(), bound[i], "k{i}: exists = {}, bound = {}", key.is_ok(), bound[i]);
        assert_eq!(host.key.as_ref().map(|k| k.0), bound[i].then_some(*id), "h{i}");
    }
}
