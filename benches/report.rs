//! The "prove it" benchmark: Keyshelf against the OpenSSH tool doing the same job,
//! measured side by side in one run, plus the inventory at 100,000 key pairs. Prints
//! Markdown tables (the ones in BENCHMARKS.md) and saves them to
//! `target/bench-results/report.md`.
//!
//! ```text
//! cargo bench --bench report                    # everything, default run counts
//! cargo bench --bench report -- keygen import   # some sections
//! cargo bench --bench report -- --quick         # 5 runs each, to try things out
//! cargo bench --bench report -- --runs 51 keygen
//! cargo bench --bench report -- keygen --only RSA   # rows whose label has "RSA"
//! ```
//!
//! Sections: `keygen`, `import`, `known_hosts`, `scale`, `memory` (headless proxy; the
//! real window is measured by `scripts/bench-vs-openssh.sh`).
//!
//! Contenders run interleaved (A B A B ..., rotating who goes first) so that a burst of
//! load on a shared machine hits both; each figure is the median of its runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: a failed step stops it

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use common::{fmt_time, stats, Stats};
use egui_kittest::kittest::Queryable;
use keyshelf::inventory::{Inventory, KeyFilter};
use keyshelf::keys::{GeneratedKey, KeyKind, KeySpec, PrivateFormat};
use rand::rngs::OsRng;

const KEYSHELF: &str = env!("CARGO_BIN_EXE_keyshelf");

/// Debian's `eatmydata` package: makes fsync a no-op, to show what fsync costs.
const EATMYDATA: &str = "/usr/lib/x86_64-linux-gnu/libeatmydata.so";

struct Opts {
    runs: Option<usize>,
    quick: bool,
    sections: Vec<String>,
    /// `--only WORD`: within a section, only the rows whose label contains WORD
    /// (e.g. `--only Ed25519`, `--only RSA`).
    only: Option<String>,
}

impl Opts {
    fn parse() -> Opts {
        let mut o = Opts { runs: None, quick: false, sections: Vec::new(), only: None };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--quick" => o.quick = true,
                "--runs" => o.runs = args.next().and_then(|n| n.parse().ok()),
                "--only" => o.only = args.next(),
                "--bench" => {} // passed by `cargo bench`
                s if s.starts_with('-') => {}
                s => o.sections.push(s.to_string()),
            }
        }
        o
    }

    fn wants(&self, section: &str) -> bool {
        self.sections.is_empty() || self.sections.iter().any(|s| s == section || s == "all")
    }

    /// Runs per contender: `--runs`, else 5 with `--quick`, else `default`.
    fn runs(&self, default: usize) -> usize {
        self.runs.unwrap_or(if self.quick { 5 } else { default })
    }
}

/// One table of results, printed as Markdown.
struct Table {
    title: String,
    rows: Vec<String>,
}

impl Table {
    fn new(title: &str, header: &[&str]) -> Table {
        let mut rows = vec![format!("| {} |", header.join(" | "))];
        rows.push(format!("|{}", header.iter().map(|_| "---|").collect::<String>()));
        Table { title: title.to_string(), rows }
    }

    fn row(&mut self, cells: &[String]) {
        let line = format!("| {} |", cells.join(" | "));
        println!("{line}");
        self.rows.push(line);
    }

    fn render(&self) -> String {
        format!("### {}\n\n{}\n", self.title, self.rows.join("\n"))
    }
}

/// Runs a command to completion, stdout discarded; panics with its stderr on failure.
fn run(cmd: &mut Command) {
    let out = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("spawn");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Wall time of `f`, in seconds.
fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// A contender: a name and one timed run (`i` = run number); `prepare` runs untimed
/// before each run.
struct Contender<'a> {
    name: String,
    prepare: Box<dyn FnMut(usize) + 'a>,
    run: Box<dyn FnMut(usize) + 'a>,
}

impl<'a> Contender<'a> {
    fn new(name: impl Into<String>, run: impl FnMut(usize) + 'a) -> Contender<'a> {
        Contender { name: name.into(), prepare: Box::new(|_| {}), run: Box::new(run) }
    }

    fn with_prepare(mut self, prepare: impl FnMut(usize) + 'a) -> Contender<'a> {
        self.prepare = Box::new(prepare);
        self
    }
}

/// Runs every contender `runs` times, interleaved, and returns each one's statistics.
fn race(runs: usize, contenders: &mut [Contender<'_>]) -> Vec<Stats> {
    let n = contenders.len();
    let mut samples = vec![Vec::with_capacity(runs); n];
    for i in 0..runs {
        for j in 0..n {
            let c = &mut contenders[(i + j) % n];
            (c.prepare)(i);
            let t = time(|| (c.run)(i));
            samples[(i + j) % n].push(t);
        }
    }
    let out: Vec<Stats> = samples.iter().map(|s| stats(s)).collect();
    for (c, s) in contenders.iter().zip(&out) {
        eprintln!(
            "  {:<48} median {:>9}  min {:>9}  max {:>9}  (n={})",
            c.name,
            fmt_time(s.median),
            fmt_time(s.min),
            fmt_time(s.max),
            s.n
        );
    }
    out
}

fn ratio(a: &Stats, b: &Stats) -> String {
    format!("{:.2}x", a.median / b.median)
}

fn met(ok: bool) -> String {
    if ok { "**yes**" } else { "**no**" }.to_string()
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("keyshelf-bench-").tempdir().expect("tempdir")
}

// ---------------------------------------------------------------------------------
// Key generation

fn keygen(o: &Opts) -> Vec<Table> {
    let mut e2e = Table::new(
        "Key generation, process to process: `keyshelf key create` vs `ssh-keygen -t ... -N ''`",
        &["key", "keyshelf (median)", "ssh-keygen (median)", "ratio", "goal", "met?", "runs"],
    );
    let mut inproc = Table::new(
        "Key generation in process (generate + encode as OpenSSH) vs the `ssh-keygen` process",
        &["key", "keyshelf in-process", "old serial RSA path", "ssh-keygen", "ratio (keyshelf / ssh-keygen)", "runs"],
    );
    let kinds: [(&str, KeyKind, u32, usize); 5] = [
        ("Ed25519", KeyKind::Ed25519, 256, 41),
        ("ECDSA P-256", KeyKind::Ecdsa, 256, 41),
        ("RSA 2048", KeyKind::Rsa, 2048, 41),
        ("RSA 3072", KeyKind::Rsa, 3072, 31),
        ("RSA 4096", KeyKind::Rsa, 4096, 21),
    ];
    for (label, kind, bits, default_runs) in kinds {
        if o.only.as_ref().is_some_and(|w| !label.contains(w.as_str())) {
            continue;
        }
        let runs = o.runs(default_runs);
        eprintln!("keygen {label}: {runs} runs per contender");
        let dir = scratch();
        let d = dir.path();
        let db = d.join("inv.sqlite3");
        let t = match kind {
            KeyKind::Ed25519 => "ed25519",
            KeyKind::Ecdsa => "ecdsa",
            KeyKind::Rsa => "rsa",
        };
        let bits_s = bits.to_string();
        // An inventory that already exists, as it would for a user.
        run(Command::new(KEYSHELF).arg("--db").arg(&db).args(["account", "list"]));
        let spec = KeySpec::new(kind, Some(bits)).unwrap();
        let mut contenders = vec![
            Contender::new("ssh-keygen", |i| {
                run(Command::new("ssh-keygen")
                    .args(["-q", "-t", t, "-b", &bits_s, "-N", "", "-C", "bench"])
                    .arg("-f")
                    .arg(d.join(format!("s{i}"))))
            }),
            Contender::new("keyshelf key create", |i| {
                run(Command::new(KEYSHELF)
                    .arg("--db")
                    .arg(&db)
                    .args(["key", "create", &format!("k{i}"), "--type", t, "--bits", &bits_s, "--out"])
                    .arg(d.join(format!("k{i}"))))
            }),
            Contender::new("keyshelf in-process", |_| {
                let k = GeneratedKey::generate(spec, "bench").unwrap();
                std::hint::black_box(k.encode_private(PrivateFormat::OpenSsh, None).unwrap());
            }),
        ];
        let diagnose = kind == KeyKind::Ed25519;
        if diagnose {
            // Where the end-to-end time goes: process start-up alone, and the same command
            // with every fsync turned into a no-op (libeatmydata), when installed.
            contenders
                .push(Contender::new("keyshelf --help (start-up only)", |_| run(Command::new(KEYSHELF).arg("--help"))));
            if Path::new(EATMYDATA).exists() {
                contenders.push(Contender::new("keyshelf key create, fsync disabled (eatmydata)", |i| {
                    run(Command::new(KEYSHELF)
                        .env("LD_PRELOAD", EATMYDATA)
                        .arg("--db")
                        .arg(&db)
                        .args(["key", "create", &format!("e{i}"), "--type", t, "--bits", &bits_s, "--out"])
                        .arg(d.join(format!("e{i}"))))
                }));
            }
        }
        if kind == KeyKind::Rsa {
            contenders.push(Contender::new("old serial path (ssh-key RsaKeypair::random)", |_| {
                let kp = ssh_key::private::RsaKeypair::random(&mut OsRng, bits as usize).unwrap();
                let k = ssh_key::PrivateKey::new(ssh_key::private::KeypairData::from(kp), "bench").unwrap();
                std::hint::black_box(k.to_openssh(ssh_key::LineEnding::LF).unwrap());
            }));
        }
        let s = race(runs, &mut contenders);
        // The same job: the key keyshelf wrote is one ssh-keygen reads back.
        let y = Command::new("ssh-keygen").arg("-y").arg("-f").arg(d.join("k0")).output().unwrap();
        let pubf = std::fs::read_to_string(d.join("k0.pub")).unwrap();
        assert!(y.status.success(), "ssh-keygen -y on keyshelf's key");
        let blob = |l: &str| l.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        assert_eq!(blob(&String::from_utf8_lossy(&y.stdout)), blob(&pubf), "ssh-keygen -y agrees");
        let (goal, ok) = match kind {
            KeyKind::Ed25519 => ("≤ 1.5x", s[1].median <= 1.5 * s[0].median),
            KeyKind::Rsa => ("≤ 1.0x", s[1].median <= s[0].median),
            KeyKind::Ecdsa => ("(none)", true),
        };
        let met_cell = if kind == KeyKind::Ecdsa { "-".to_string() } else { met(ok) };
        e2e.row(&[
            label.into(),
            fmt_time(s[1].median),
            fmt_time(s[0].median),
            ratio(&s[1], &s[0]),
            goal.into(),
            met_cell,
            runs.to_string(),
        ]);
        if diagnose {
            let mut cells = vec![
                format!("{label}: where the time goes"),
                format!("start-up only (`keyshelf --help`): {}", fmt_time(s[3].median)),
            ];
            if let Some(x) = s.get(4) {
                cells.push(format!("`key create` with fsync disabled (eatmydata): {}", fmt_time(x.median)));
                cells.push(format!("so fsync costs {}", fmt_time(s[1].median - x.median)));
            }
            cells.resize(7, String::new());
            e2e.row(&cells);
        }
        inproc.row(&[
            label.into(),
            fmt_time(s[2].median),
            if kind == KeyKind::Rsa { fmt_time(s[3].median) } else { "-".into() },
            fmt_time(s[0].median),
            ratio(&s[2], &s[0]),
            runs.to_string(),
        ]);
    }
    vec![e2e, inproc]
}

// ---------------------------------------------------------------------------------
// Bulk import

fn import(o: &Opts) -> Vec<Table> {
    let file = common::authorized_keys();
    let runs = o.runs(21);
    eprintln!("import: {runs} runs per contender, {}", file.display());
    let dir = scratch();
    let d = dir.path();
    let db = |i: usize| d.join(format!("imp{i}.sqlite3"));
    let fresh = |i: usize| {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db(i).display()));
        }
    };
    // An inventory as a user has one: created (by the app's first start, say) and empty.
    let existing = |i: usize| {
        fresh(i);
        drop(Inventory::open(&db(i)).unwrap());
    };
    let bytes = std::fs::read(&file).unwrap();
    let points = ec_points(&bytes);
    assert_eq!(points.len(), common::AUTHORIZED_KEYS * 6 / 20);
    let mut contenders = vec![
        Contender::new("ssh-keygen -l -f", |_| run(Command::new("ssh-keygen").arg("-l").arg("-f").arg(&file))),
        Contender::new("keyshelf key import --all", |i| import_all(&db(i), &file)).with_prepare(fresh),
        Contender::new("keyshelf key import --all (existing inventory)", |i| import_all(&db(i), &file))
            .with_prepare(existing),
        Contender::new("in-process: parse_bulk only", |_| {
            std::hint::black_box(keyshelf::keys::parse_bulk(&bytes).unwrap());
        }),
        Contender::new("in-process: parse_bulk + import_bulk", |i| {
            let (entries, errors) = keyshelf::keys::parse_bulk(&bytes).unwrap();
            let list: Vec<keyshelf::inventory::ImportKey> = entries.into_iter().map(Into::into).collect();
            let mut inv = Inventory::open(&d.join(format!("inproc{i}.sqlite3"))).unwrap();
            let scope = keyshelf::inventory::Scope::default();
            inv.import_bulk(&list, &scope, None, errors).unwrap();
        }),
        Contender::new("in-process: ECDSA on-curve checks", |_| {
            std::hint::black_box(ec_points_on_curve(&points));
        }),
    ];
    let s = race(runs, &mut contenders);
    // Same job: every key in, and ssh-keygen printed one line per key.
    let inv = Inventory::open(&db(0)).unwrap();
    assert_eq!(inv.key_count().unwrap(), common::AUTHORIZED_KEYS as i64);
    let l = Command::new("ssh-keygen").arg("-l").arg("-f").arg(&file).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&l.stdout).lines().count(), common::AUTHORIZED_KEYS);
    let mut t = Table::new(
        "Bulk import of an `authorized_keys` with 10,000 mixed keys vs `ssh-keygen -l -f` (fingerprints only)",
        &["what", "time (median)", "ratio to ssh-keygen -l", "goal", "met?", "runs"],
    );
    t.row(&[
        "`ssh-keygen -l -f authorized_keys`".into(),
        fmt_time(s[0].median),
        "1.00x".into(),
        "".into(),
        "".into(),
        runs.to_string(),
    ]);
    t.row(&[
        "`keyshelf key import --all --file authorized_keys` (new inventory)".into(),
        fmt_time(s[1].median),
        ratio(&s[1], &s[0]),
        "≤ 1.0x".into(),
        met(s[1].median <= s[0].median),
        runs.to_string(),
    ]);
    t.row(&[
        "`keyshelf key import --all --file authorized_keys` (existing, empty inventory)".into(),
        fmt_time(s[2].median),
        ratio(&s[2], &s[0]),
        "≤ 1.0x".into(),
        met(s[2].median <= s[0].median),
        runs.to_string(),
    ]);
    for (k, name) in [
        (3, "in process: parse + fingerprint (`parse_bulk`)"),
        (4, "in process: parse + store (`parse_bulk` + `import_bulk`, new inventory)"),
    ] {
        t.row(&[name.into(), fmt_time(s[k].median), ratio(&s[k], &s[0]), "".into(), "".into(), runs.to_string()]);
    }
    t.row(&[
        "in process: of which the on-curve check of the 3,000 ECDSA points (`ssh-keygen -l` does it too)".into(),
        fmt_time(s[5].median),
        ratio(&s[5], &s[0]),
        "".into(),
        "".into(),
        runs.to_string(),
    ]);
    // The same comparison per key type: ssh-keygen's time depends mostly on the ECDSA
    // keys (it checks each point, with a multiplication by the group order).
    let mut by_type = Table::new(
        "Bulk import by key type: the lines of the same file, one type at a time",
        &[
            "lines",
            "keys",
            "keyshelf, new inventory",
            "keyshelf, existing inventory",
            "ssh-keygen -l",
            "ratio (new)",
            "ratio (existing)",
            "runs",
        ],
    );
    let text = String::from_utf8(bytes.clone()).unwrap();
    type Subset = (&'static str, fn(&str) -> bool);
    let subsets: [Subset; 6] = [
        ("Ed25519 only", |l| l.contains("ssh-ed25519 ")),
        ("RSA only", |l| l.contains("ssh-rsa ")),
        ("ECDSA P-256 only", |l| l.contains("ecdsa-sha2-nistp256 ")),
        ("ECDSA P-384 only", |l| l.contains("ecdsa-sha2-nistp384 ")),
        ("ECDSA P-521 only", |l| l.contains("ecdsa-sha2-nistp521 ")),
        ("all but ECDSA (Ed25519 + RSA)", |l| !l.contains("ecdsa-sha2-") && !l.starts_with('#')),
    ];
    let sub_runs = o.runs(9);
    for (label, keep) in subsets {
        let lines: Vec<&str> = text.lines().filter(|l| keep(l)).collect();
        let sub = d.join("subset");
        std::fs::write(&sub, lines.join("\n") + "\n").unwrap();
        eprintln!("import {label}: {} keys", lines.len());
        let mut c = vec![
            Contender::new("ssh-keygen -l -f", |_| run(Command::new("ssh-keygen").arg("-l").arg("-f").arg(&sub))),
            Contender::new("keyshelf key import --all", |i| import_all(&db(i), &sub)).with_prepare(fresh),
            Contender::new("keyshelf key import --all (existing inventory)", |i| import_all(&db(i), &sub))
                .with_prepare(existing),
        ];
        let s = race(sub_runs, &mut c);
        by_type.row(&[
            label.into(),
            lines.len().to_string(),
            fmt_time(s[1].median),
            fmt_time(s[2].median),
            fmt_time(s[0].median),
            ratio(&s[1], &s[0]),
            ratio(&s[2], &s[0]),
            sub_runs.to_string(),
        ]);
    }
    vec![t, by_type]
}

/// `keyshelf --db DB key import --all --file FILE`.
fn import_all(db: &Path, file: &Path) {
    run(Command::new(KEYSHELF).arg("--db").arg(db).args(["key", "import", "--all", "--file"]).arg(file))
}

/// The ECDSA points of an authorized_keys file.
fn ec_points(bytes: &[u8]) -> Vec<ssh_key::public::EcdsaPublicKey> {
    let (entries, _) = keyshelf::keys::parse_bulk(bytes).unwrap();
    entries
        .into_iter()
        .filter_map(|e| match e.key.key_data() {
            ssh_key::public::KeyData::Ecdsa(k) => Some(*k),
            _ => None,
        })
        .collect()
}

/// Checks every point is on its curve, as OpenSSH does when it reads a key.
fn ec_points_on_curve(points: &[ssh_key::public::EcdsaPublicKey]) -> usize {
    use ssh_key::public::EcdsaPublicKey;
    for k in points {
        let ok = match k {
            EcdsaPublicKey::NistP256(p) => p256::PublicKey::from_sec1_bytes(p.as_bytes()).is_ok(),
            EcdsaPublicKey::NistP384(p) => p384::PublicKey::from_sec1_bytes(p.as_bytes()).is_ok(),
            EcdsaPublicKey::NistP521(p) => p521::PublicKey::from_sec1_bytes(p.as_bytes()).is_ok(),
        };
        assert!(ok);
    }
    points.len()
}

// ---------------------------------------------------------------------------------
// known_hosts

fn known_hosts(o: &Opts) -> Vec<Table> {
    let fixture = common::known_hosts_hashed();
    let dir = scratch();
    let d = dir.path();
    let work = d.join("known_hosts");
    let copy = |_: usize| {
        std::fs::copy(&fixture, &work).unwrap();
        let _ = std::fs::remove_file(d.join("known_hosts.old"));
    };
    let mut t = Table::new(
        "known_hosts: 100,000 hosts hashed by `ssh-keygen -H` (200,000 lines)",
        &["job", "keyshelf (median)", "ssh-keygen (median)", "ratio", "goal", "met?", "runs"],
    );

    // One host.
    let (one, _) = common::known_host(54_321);
    let runs = o.runs(21);
    eprintln!("known_hosts remove 1: {runs} runs per contender");
    let mut results: Vec<Vec<u8>> = vec![Vec::new(), Vec::new()];
    let s = {
        let results = std::cell::RefCell::new(&mut results);
        let mut c = vec![
            Contender::new("ssh-keygen -R host", |_| {
                run(Command::new("ssh-keygen").arg("-R").arg(&one).arg("-f").arg(&work));
                results.borrow_mut()[0] = std::fs::read(&work).unwrap();
            })
            .with_prepare(copy),
            Contender::new("keyshelf known-hosts remove host", |_| {
                run(Command::new(KEYSHELF).args(["known-hosts", "remove", &one, "--file"]).arg(&work));
                results.borrow_mut()[1] = std::fs::read(&work).unwrap();
            })
            .with_prepare(copy),
        ];
        race(runs, &mut c)
    };
    assert_eq!(results[0], results[1], "both tools leave the same file");
    assert_eq!(String::from_utf8_lossy(&results[0]).lines().count(), 2 * common::KNOWN_HOSTS - 1);
    t.row(&[
        "remove 1 host".into(),
        fmt_time(s[1].median),
        fmt_time(s[0].median),
        ratio(&s[1], &s[0]),
        "≤ 1.0x".into(),
        met(s[1].median <= s[0].median),
        runs.to_string(),
    ]);

    // Ten hosts with their addresses: 20 names.
    let names: Vec<String> = (0..10)
        .flat_map(|k| {
            let (n, a) = common::known_host(k * 9_973 + 17);
            [n, a]
        })
        .collect();
    let runs = o.runs(11);
    eprintln!("known_hosts remove 10 + addresses: {runs} runs per contender");
    let mut results: Vec<Vec<u8>> = vec![Vec::new(), Vec::new()];
    let s = {
        let results = std::cell::RefCell::new(&mut results);
        let mut c = vec![
            Contender::new("20 x ssh-keygen -R", |_| {
                for n in &names {
                    run(Command::new("ssh-keygen").arg("-R").arg(n).arg("-f").arg(&work));
                }
                results.borrow_mut()[0] = std::fs::read(&work).unwrap();
            })
            .with_prepare(copy),
            Contender::new("keyshelf known-hosts remove (20 names)", |_| {
                run(Command::new(KEYSHELF).args(["known-hosts", "remove"]).args(&names).arg("--file").arg(&work));
                results.borrow_mut()[1] = std::fs::read(&work).unwrap();
            })
            .with_prepare(copy),
        ];
        race(runs, &mut c)
    };
    assert_eq!(results[0], results[1], "both tools leave the same file");
    assert_eq!(String::from_utf8_lossy(&results[0]).lines().count(), 2 * common::KNOWN_HOSTS - 20);
    t.row(&[
        "remove 10 hosts + their addresses (20 `ssh-keygen -R` calls vs 1 keyshelf call)".into(),
        fmt_time(s[1].median),
        fmt_time(s[0].median),
        format!("{} ({:.1}x faster)", ratio(&s[1], &s[0]), s[0].median / s[1].median),
        "≥ 4x faster".into(),
        met(s[0].median >= 4.0 * s[1].median),
        runs.to_string(),
    ]);
    vec![t]
}

// ---------------------------------------------------------------------------------
// The inventory at scale

/// The app on `db` in a headless egui_kittest harness, first frames done.
fn harness(db: &Path) -> egui_kittest::Harness<'static, keyshelf::ui::KeyshelfApp> {
    let mut app = keyshelf::ui::KeyshelfApp::new(Some(db.to_path_buf()), Arc::new(keyshelf::ui::NativePlatform));
    assert!(app.wait_idle(std::time::Duration::from_secs(120)) && app.is_loaded(), "the inventory loads");
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut keyshelf::ui::KeyshelfApp| app.ui_root(ui), app);
    h.run_steps(3);
    h
}

/// A private copy of the 100k inventory (opening in WAL mode writes next to it).
fn inventory_copy(dir: &Path) -> PathBuf {
    let db = dir.join("inv100k.sqlite3");
    std::fs::copy(common::inventory_100k(), &db).unwrap();
    db
}

fn scale(o: &Opts) -> Vec<Table> {
    let dir = scratch();
    let db = inventory_copy(dir.path());
    let mut t = Table::new(
        "Inventory at scale: 100,000 key pairs (no OpenSSH counterpart: absolute goals)",
        &["what", "median", "max", "goal", "met?", "runs"],
    );
    let runs = o.runs(11);
    eprintln!("scale: open + list_keys, {runs} runs");
    // What was loaded is freed untimed, before the next run.
    let loaded = std::cell::RefCell::new(None);
    let app = std::cell::RefCell::new(None);
    let mut c = vec![
        Contender::new("Inventory::open + list_keys (all)", |_| {
            let inv = Inventory::open(&db).unwrap();
            let keys = inv.list_keys(&KeyFilter::default()).unwrap();
            assert_eq!(keys.len(), common::INVENTORY_KEYS);
            *loaded.borrow_mut() = Some((inv, keys));
        })
        .with_prepare(|_| drop(loaded.borrow_mut().take())),
        Contender::new("KeyshelfApp::new (open + load + table model)", |_| {
            let mut a = keyshelf::ui::KeyshelfApp::new(Some(db.clone()), Arc::new(keyshelf::ui::NativePlatform));
            assert!(a.wait_idle(std::time::Duration::from_secs(120)) && a.is_loaded());
            *app.borrow_mut() = Some(a);
        })
        .with_prepare(|_| drop(app.borrow_mut().take())),
    ];
    let s = race(runs, &mut c);
    drop(c);
    if let Some(a) = app.borrow_mut().take() {
        assert_eq!(a.visible_key_names().len(), common::INVENTORY_KEYS);
    }
    t.row(&[
        "open the inventory + load all key pairs (`Inventory::open` + `list_keys`)".into(),
        fmt_time(s[0].median),
        fmt_time(s[0].max),
        "< 0.5 s".into(),
        met(s[0].median < 0.5),
        runs.to_string(),
    ]);
    t.row(&[
        "open + load into the app's table model (`KeyshelfApp::new`)".into(),
        fmt_time(s[1].median),
        fmt_time(s[1].max),
        "< 0.5 s".into(),
        met(s[1].median < 0.5),
        runs.to_string(),
    ]);

    let mut h = harness(&db);
    // A frame with nothing happening, and the same frame plus tessellation (what the
    // window does before painting).
    let frames = o.runs(200).max(20);
    let mut plain = Vec::new();
    let mut tess = Vec::new();
    for _ in 0..frames {
        plain.push(time(|| h.step()));
        let shapes = h.output().shapes.clone();
        let ppp = h.ctx.pixels_per_point();
        tess.push(time(|| {
            std::hint::black_box(h.ctx.tessellate(shapes, ppp));
        }));
    }
    let frame = stats(&plain);
    let tess_s = stats(&tess);
    eprintln!("  frame: median {} max {}", fmt_time(frame.median), fmt_time(frame.max));
    eprintln!("  tessellate: median {}", fmt_time(tess_s.median));

    // Keystrokes in the search field: type "deploy-4" and delete it again, one frame per
    // key, each filtering all 100,000 rows.
    h.get_by_label("Search").focus();
    h.run_steps(2);
    let mut keys = Vec::new();
    let rounds = (o.runs(10) / 2).max(2);
    for _ in 0..rounds {
        for ch in "deploy-4".chars() {
            h.event(egui::Event::Text(ch.to_string()));
            keys.push(time(|| h.step()));
        }
        assert!(h.state().visible_key_names().len() < common::INVENTORY_KEYS, "the search filtered");
        for _ in 0.."deploy-4".len() {
            h.event(common::backspace(true));
            keys.push(time(|| h.step()));
            h.event(common::backspace(false));
            h.step();
        }
        assert_eq!(h.state().visible_key_names().len(), common::INVENTORY_KEYS, "the search was cleared");
    }
    let key_s = stats(&keys);
    eprintln!("  keystroke frame: median {} max {}", fmt_time(key_s.median), fmt_time(key_s.max));

    // Rename one key pair, until the next frame shows the new name: the write runs on
    // the inventory's thread, and the model is updated for that one row.
    let id = h.state().visible_key_ids()[0];
    let mut renames = Vec::new();
    for i in 0..o.runs(40).max(10) {
        let name = format!("renamed-{i}");
        let edit = keyshelf::inventory::KeyEdit { name: Some(name.clone()), ..Default::default() };
        renames.push(time(|| {
            h.state_mut().queue(keyshelf::ui::Command::EditKey { id, edit });
            let start = Instant::now();
            loop {
                h.step();
                if h.state().key_name(id) == Some(name.as_str()) {
                    break;
                }
                assert!(start.elapsed().as_secs() < 30, "the rename never showed");
            }
        }));
    }
    let rename_s = stats(&renames);
    eprintln!("  rename until shown: median {} max {}", fmt_time(rename_s.median), fmt_time(rename_s.max));
    t.row(&[
        "search keystroke: one frame that filters all 100,000 rows (type or delete one character)".into(),
        fmt_time(key_s.median),
        fmt_time(key_s.max),
        "well under 16 ms (median < 8, max < 16 ms)".into(),
        met(key_s.median < 8e-3 && key_s.max < 16e-3),
        key_s.n.to_string(),
    ]);
    t.row(&[
        "rename one key pair, until the next frame shows it (write on the inventory's thread, one row updated)".into(),
        fmt_time(rename_s.median),
        fmt_time(rename_s.max),
        "median < 16 ms".into(),
        met(rename_s.median < 16e-3),
        rename_s.n.to_string(),
    ]);
    t.row(&[
        "one frame of the key table (egui layout + accessibility tree, headless)".into(),
        fmt_time(frame.median),
        fmt_time(frame.max),
        "well under 16 ms (median < 8, max < 16 ms)".into(),
        met(frame.median < 8e-3 && frame.max < 16e-3),
        frame.n.to_string(),
    ]);
    t.row(&[
        "the same frame's tessellation (`Context::tessellate`, done before painting)".into(),
        fmt_time(tess_s.median),
        fmt_time(tess_s.max),
        "".into(),
        "".into(),
        tess_s.n.to_string(),
    ]);
    vec![t]
}

// ---------------------------------------------------------------------------------
// Memory (headless proxy)

/// `VmHWM` (peak RSS) and `VmRSS` of this process, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Child mode: load the app on `db` in the headless harness, idle for some frames,
/// print `peak_kib rss_kib`.
fn memory_child(db: &Path) {
    let mut h = harness(db);
    for _ in 0..60 {
        h.step();
    }
    let (peak, rss) = rss_kib();
    println!("{peak} {rss}");
}

fn memory(_o: &Opts) -> Vec<Table> {
    let dir = scratch();
    let big = inventory_copy(dir.path());
    let empty = dir.path().join("empty.sqlite3");
    let me = std::env::current_exe().unwrap();
    let measure = |db: &Path| -> (f64, f64) {
        let out = Command::new(&me).arg("--memory-child").arg(db).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<f64> = text.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        (v[0] / 1024.0, v[1] / 1024.0)
    };
    let (e_peak, e_rss) = measure(&empty);
    let (b_peak, b_rss) = measure(&big);
    eprintln!("memory: empty peak {e_peak:.0} MiB rss {e_rss:.0}; 100k peak {b_peak:.0} MiB rss {b_rss:.0}");
    let mut t = Table::new(
        "Memory, headless proxy: the app in an egui_kittest harness (no window, no GPU), after 60 idle frames",
        &["inventory", "peak RSS (VmHWM)", "RSS when idle"],
    );
    t.row(&["empty".into(), format!("{e_peak:.0} MiB"), format!("{e_rss:.0} MiB")]);
    t.row(&["100,000 key pairs".into(), format!("{b_peak:.0} MiB"), format!("{b_rss:.0} MiB")]);
    t.row(&[
        "difference (what 100,000 key pairs cost)".into(),
        format!("{:.0} MiB", b_peak - e_peak),
        format!("{:.0} MiB", b_rss - e_rss),
    ]);
    vec![t]
}

// ---------------------------------------------------------------------------------

/// The 1-minute load average.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().next().unwrap_or("?").to_string()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let ssh = Command::new("ssh").arg("-V").output().map(|o| String::from_utf8_lossy(&o.stderr).trim().to_string());
    format!(
        "Machine: {cores} cores ({cpu}); {}; load average at the end: {}",
        ssh.unwrap_or_default(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory-child") {
        memory_child(Path::new(&args[i + 1]));
        return;
    }
    let o = Opts::parse();
    let mut tables = Vec::new();
    type Section = fn(&Opts) -> Vec<Table>;
    let sections: [(&str, Section); 5] =
        [("keygen", keygen), ("import", import), ("known_hosts", known_hosts), ("scale", scale), ("memory", memory)];
    for (name, f) in sections {
        if o.wants(name) {
            println!("\n## {name}\n");
            let before = loadavg();
            let started = Instant::now();
            let mut made = f(&o);
            let note = format!(
                "\n_Section `{name}`: {:.0} s; load average (1 min) {} at the start, {} at the end._\n",
                started.elapsed().as_secs_f64(),
                before,
                loadavg()
            );
            if let Some(last) = made.last_mut() {
                last.rows.push(note);
            }
            tables.extend(made);
        }
    }
    let mut md = String::new();
    for t in &tables {
        let _ = writeln!(md, "{}", t.render());
    }
    let _ = writeln!(md, "{}", machine());
    println!("\n{md}");
    let out = common::data_dir().parent().unwrap().join("bench-results");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.md"), md).unwrap();
    eprintln!("saved {}", out.join("report.md").display());
}
