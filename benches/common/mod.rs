//! Benchmark fixtures, made once and kept in `target/bench-data/` so that a bench run
//! measures the work, not the making of its input: a pool of real RSA public keys, an
//! `authorized_keys` file of 10,000 mixed keys, a `known_hosts` of 100,000 hosts hashed
//! by `ssh-keygen -H`, and an inventory of 100,000 key pairs.
//!
//! Delete `target/bench-data/` to make them again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: a failed step stops it
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use keyshelf::inventory::{Inventory, KeyEdit, NewHost, Provider, Scope};
use keyshelf::keys::{GeneratedKey, KeyKind, KeySpec};
use rand::rngs::OsRng;
use rand::{Rng, SeedableRng};
use ssh_key::private::{EcdsaKeypair, Ed25519Keypair, KeypairData};
use ssh_key::{EcdsaCurve, PrivateKey};

/// Number of key pairs in the large inventory.
pub const INVENTORY_KEYS: usize = 100_000;
/// Lines in the bulk-import file.
pub const AUTHORIZED_KEYS: usize = 10_000;
/// Hosts in the known_hosts file (two hashed lines each: name and address).
pub const KNOWN_HOSTS: usize = 100_000;

/// `target/bench-data/`, created if missing.
pub fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    dir
}

/// Writes `path` through `make` unless it exists; the file appears only when complete.
fn cached(path: &Path, make: impl FnOnce(&Path)) -> PathBuf {
    if !path.exists() {
        eprintln!("making fixture {} (once)...", path.display());
        let tmp = path.with_extension("partial");
        let _ = std::fs::remove_file(&tmp);
        make(&tmp);
        std::fs::rename(&tmp, path).expect("finish fixture");
    }
    path.to_path_buf()
}

/// One public key line without comment (`TYPE BASE64`) from a fresh key pair.
fn public_line(data: KeypairData) -> String {
    let k = PrivateKey::new(data, "").expect("key");
    k.public_key().to_openssh().expect("encode")
}

fn ed25519_line() -> String {
    public_line(KeypairData::from(Ed25519Keypair::random(&mut OsRng)))
}

fn ecdsa_line(curve: EcdsaCurve) -> String {
    public_line(KeypairData::from(EcdsaKeypair::random(&mut OsRng, curve).expect("ecdsa")))
}

/// 60 real RSA public keys (30 of 2048 bits, 20 of 3072, 10 of 4096), one per line.
/// Distinct RSA keys are costly to make, so the bulk files reuse these; both tools do
/// the same work per line whether a key repeats or not.
pub fn rsa_pool() -> Vec<String> {
    let path = cached(&data_dir().join("rsa-pool.txt"), |tmp| {
        let mut out = String::new();
        for (bits, n) in [(2048, 30), (3072, 20), (4096, 10)] {
            for _ in 0..n {
                let k = GeneratedKey::generate(KeySpec::new(KeyKind::Rsa, Some(bits)).unwrap(), "").unwrap();
                let line = k.public_key().to_openssh().unwrap();
                out.push_str(line.trim());
                out.push('\n');
            }
        }
        std::fs::write(tmp, out).unwrap();
    });
    std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
}

/// A key line of a realistic mix: 50% Ed25519, 20% RSA (2048/3072/4096), 20% ECDSA
/// P-256, 5% P-384, 5% P-521.
fn mixed_line(i: usize, rsa: &[String]) -> String {
    match i % 20 {
        0..=9 => ed25519_line(),
        // The k-th RSA line takes pool key k (mod 60), so neighbours differ.
        k @ 10..=13 => rsa[(i / 20 * 4 + k - 10) % rsa.len()].clone(),
        14..=17 => ecdsa_line(EcdsaCurve::NistP256),
        18 => ecdsa_line(EcdsaCurve::NistP384),
        _ => ecdsa_line(EcdsaCurve::NistP521),
    }
}

/// `authorized_keys` with 10,000 distinct-comment keys of mixed types; one line in 20
/// carries options (`from="10.0.0.0/8",no-pty`), as real files do.
pub fn authorized_keys() -> PathBuf {
    cached(&data_dir().join("authorized_keys-10k"), |tmp| {
        let rsa = rsa_pool();
        let mut out = String::with_capacity(AUTHORIZED_KEYS * 200);
        out.push_str("# bench fixture: 10,000 keys of mixed types\n");
        for i in 0..AUTHORIZED_KEYS {
            if i % 20 == 7 {
                out.push_str("from=\"10.0.0.0/8\",no-pty ");
            }
            let _ = writeln!(out, "{} user{i}@host{}", mixed_line(i, &rsa), i % 97);
        }
        std::fs::write(tmp, out).unwrap();
    })
}

/// Host name and address of host `i` in the known_hosts fixture.
pub fn known_host(i: usize) -> (String, String) {
    (format!("host{i}.bench.example.com"), format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255))
}

/// `known_hosts` with 100,000 hosts written as `name,address KEY` and then hashed by
/// `ssh-keygen -H`, which splits each into two hashed lines: 200,000 lines.
pub fn known_hosts_hashed() -> PathBuf {
    cached(&data_dir().join("known_hosts-100k-hashed"), |tmp| {
        let rsa = rsa_pool();
        let mut out = String::with_capacity(KNOWN_HOSTS * 160);
        for i in 0..KNOWN_HOSTS {
            let (name, addr) = known_host(i);
            // Host keys: mostly Ed25519, some ECDSA P-256, a few RSA.
            let key = match i % 20 {
                0..=15 => ed25519_line(),
                16..=18 => ecdsa_line(EcdsaCurve::NistP256),
                _ => rsa[i % rsa.len()].clone(),
            };
            let _ = writeln!(out, "{name},{addr} {key}");
        }
        std::fs::write(tmp, out).unwrap();
        let st = Command::new("ssh-keygen")
            .arg("-H")
            .arg("-f")
            .arg(tmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run ssh-keygen -H");
        assert!(st.success(), "ssh-keygen -H failed");
        let mut old = tmp.as_os_str().to_owned();
        old.push(".old");
        let _ = std::fs::remove_file(PathBuf::from(old));
        let lines = std::fs::read_to_string(tmp).unwrap().lines().count();
        assert_eq!(lines, 2 * KNOWN_HOSTS, "ssh-keygen -H writes one line per name");
    })
}

/// An inventory of 100,000 key pairs: 20 accounts x 10 regions x 500 (the per-region
/// quota), mixed key types, 1,000 of them tagged and 200 bound to hosts.
pub fn inventory_100k() -> PathBuf {
    let path = data_dir().join("inventory-100k.sqlite3");
    if path.exists() {
        return path;
    }
    eprintln!("making fixture {} (once, about a minute)...", path.display());
    let tmp = data_dir().join("inventory-100k.partial.sqlite3");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", tmp.display()));
    }
    {
        let rsa = rsa_pool();
        let mut inv = Inventory::open(&tmp).unwrap();
        let regions = [
            "us-east-1",
            "us-west-2",
            "eu-west-1",
            "eu-central-1",
            "ap-southeast-1",
            "ap-northeast-1",
            "sa-east-1",
            "ca-central-1",
            "cn-hangzhou",
            "fra1",
        ];
        let per_scope = INVENTORY_KEYS / (20 * regions.len());
        let mut n = 0usize;
        for a in 0..20 {
            let account = format!("account-{a:02}");
            let provider = [Provider::Aws, Provider::Alibaba, Provider::Hetzner, Provider::DigitalOcean][a % 4];
            inv.add_account(&account, provider, "bench").unwrap();
            for region in regions {
                let mut text = String::with_capacity(per_scope * 200);
                for _ in 0..per_scope {
                    let _ = writeln!(text, "{} deploy-{n}@ci-{}", mixed_line(n, &rsa), n % 113);
                    n += 1;
                }
                let (entries, errors) = keyshelf::keys::parse_bulk(text.as_bytes()).unwrap();
                assert!(errors.is_empty(), "{errors:?}");
                let list: Vec<keyshelf::inventory::ImportKey> = entries.into_iter().map(Into::into).collect();
                let scope = Scope { account: Some(account.clone()), region: Some(region.to_string()) };
                inv.import_bulk(&list, &scope, None, Vec::new()).unwrap();
            }
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let ids: Vec<i64> = (0..1000).map(|_| rng.gen_range(1..=INVENTORY_KEYS as i64)).collect();
        for (i, id) in ids.iter().enumerate() {
            let edit = KeyEdit {
                set_tags: vec![
                    ("env".into(), ["prod", "staging", "dev"][i % 3].into()),
                    ("team".into(), format!("t{}", i % 17)),
                ],
                ..KeyEdit::default()
            };
            inv.edit_key(*id, &edit).unwrap();
        }
        for (i, id) in ids.iter().take(200).enumerate() {
            let name = format!("web{i:03}");
            let (_, addr) = known_host(i);
            let host = NewHost {
                name: name.clone(),
                addresses: vec![addr],
                port: 22,
                user: "ubuntu".into(),
                ..NewHost::default()
            };
            inv.add_host(&host).unwrap();
            inv.bind(*id, &[name]).unwrap();
        }
        assert_eq!(inv.key_count().unwrap(), INVENTORY_KEYS as i64);
    }
    // Fold the WAL into the file so the fixture is one self-contained file.
    {
        let conn = rusqlite::Connection::open(&tmp).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    std::fs::rename(&tmp, &path).unwrap();
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", tmp.display()));
    }
    path
}

/// Statistics of a set of timings, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

pub fn stats(samples: &[f64]) -> Stats {
    let mut v = samples.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    Stats { median, min: v[0], max: v[n - 1], n }
}

/// A duration for a table: `812 µs`, `43.1 ms`, `1.27 s`.
pub fn fmt_time(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.2} s", s)
    }
}

/// A Backspace key event, pressed or released, as the Search field receives it.
#[cfg(feature = "gui")]
pub fn backspace(pressed: bool) -> egui::Event {
    egui::Event::Key {
        key: egui::Key::Backspace,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    }
}
