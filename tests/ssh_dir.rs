//! `keyshelf scan` over a real SSH folder made by `ssh-keygen`: every kind of key file it
//! writes (OpenSSH, PEM, PKCS#8, with and without passphrase and `.pub`), and what else
//! lives in `~/.ssh` (authorized_keys, known_hosts, config, sockets, subfolders, junk).
//! `ssh-keygen -l` is the oracle for every fingerprint; the import is checked through
//! `key show --json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A folder like `~/.ssh` and the fingerprint `ssh-keygen -l` gave each key when it was
/// made (before any file was moved or removed).
struct SshDir {
    env: Env,
    dir: PathBuf,
    fp: BTreeMap<&'static str, String>,
    dsa: bool,
}

/// What the scan must report for one key, by the file name of `path`.
struct Expect {
    key: &'static str,
    private: Option<&'static str>,
    type_label: &'static str,
    bits: u64,
    encrypted: bool,
    weak: bool,
    mode_ok: bool,
}

const fn e(key: &'static str, private: Option<&'static str>, type_label: &'static str, bits: u64) -> Expect {
    Expect { key, private, type_label, bits, encrypted: false, weak: false, mode_ok: true }
}

impl SshDir {
    fn new() -> SshDir {
        let env = Env::new();
        let dir = env.path("dot-ssh");
        fs::create_dir(&dir).unwrap();
        let mut d = SshDir { env, dir, fp: BTreeMap::new(), dsa: false };
        d.keygen("id_ed25519", "ed25519", None, &["-C", "ed@test"]);
        d.keygen("id_ecdsa_256", "ecdsa", Some(256), &[]);
        d.keygen("id_ecdsa_384", "ecdsa", Some(384), &[]);
        d.keygen("id_ecdsa_521", "ecdsa", Some(521), &[]);
        d.keygen("id_rsa", "rsa", Some(2048), &[]);
        d.keygen("weak_rsa", "rsa", Some(1024), &[]);
        // OpenSSH 9.8 and later no longer make DSA keys.
        let probe = tool("ssh-keygen", ["-q", "-t", "dsa", "-N", "", "-f", s(&d.env.path("dsa-probe"))]);
        if probe.status.success() {
            d.keygen("id_dsa", "dsa", None, &[]);
            d.dsa = true;
        } else {
            eprintln!("note: this ssh-keygen cannot make DSA keys; the DSA case is skipped");
        }
        d.keygen("locked", "ed25519", None, &["-N", "correct horse"]);
        fs::remove_file(d.file("locked.pub")).unwrap();
        d.keygen("legacy.pem", "rsa", Some(2048), &["-m", "PEM", "-C", "legacy"]);
        d.keygen("p8", "ecdsa", Some(384), &["-m", "PKCS8"]);
        fs::remove_file(d.file("p8.pub")).unwrap();
        d.keygen("lone", "ed25519", None, &[]);
        fs::remove_file(d.file("lone")).unwrap();
        d.keygen("loose", "ed25519", None, &[]);
        fs::set_permissions(d.file("loose"), fs::Permissions::from_mode(0o644)).unwrap();
        // m1.pub holds m2's key: pairs are matched by key, not by name.
        d.keygen("m1", "ed25519", None, &[]);
        d.keygen("m2", "ed25519", None, &[]);
        fs::rename(d.file("m2.pub"), d.file("m1.pub")).unwrap();
        // An encrypted PEM key without its .pub: its public key cannot be known.
        d.keygen("sealed.pem", "rsa", Some(2048), &["-m", "PEM", "-N", "correct horse"]);
        fs::remove_file(d.file("sealed.pem.pub")).unwrap();

        let visitor = d.env.path("visitor");
        ssh_keygen_generate(&visitor, "ed25519", None, "", "visitor@elsewhere");
        d.fp.insert("visitor", ssh_keygen_fingerprint(&pub_of(&visitor), false));
        let lone = fs::read_to_string(d.file("lone.pub")).unwrap();
        let visitor_line = fs::read_to_string(pub_of(&visitor)).unwrap();
        fs::write(d.file("authorized_keys"), format!("{visitor_line}no-pty {lone}")).unwrap();
        let host_key = fs::read_to_string(pub_of(&visitor)).unwrap();
        fs::write(d.file("known_hosts"), format!("127.0.0.1 {}", type_and_blob(&host_key))).unwrap();
        fs::write(d.file("config"), "Host *\n  IdentityFile ~/.ssh/id_ed25519\n").unwrap();
        fs::write(d.file("junk"), "hello, this is not a key\n").unwrap();
        fs::write(d.file("big"), vec![b'a'; 1024 * 1024 + 1]).unwrap();
        fs::create_dir(d.file("sub")).unwrap();
        ssh_keygen_generate(&d.file("sub").join("hidden"), "ed25519", None, "", "hidden");
        // A control master's socket, and a named pipe (opening it would wait forever).
        drop(std::os::unix::net::UnixListener::bind(d.file("cm-socket")).unwrap());
        tool_ok("mkfifo", [s(&d.file("fifo"))]);
        if !is_root() {
            fs::write(d.file("unreadable"), "x").unwrap();
            fs::set_permissions(d.file("unreadable"), fs::Permissions::from_mode(0o000)).unwrap();
        }
        d
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `ssh-keygen -t KIND [-b BITS] -f DIR/NAME` (no passphrase unless `extra` gives one),
    /// and its fingerprint.
    fn keygen(&mut self, name: &'static str, kind: &str, bits: Option<u32>, extra: &[&str]) {
        let file = self.file(name);
        let mut args: Vec<String> = vec!["-q".into(), "-t".into(), kind.into()];
        if let Some(b) = bits {
            args.extend(["-b".into(), b.to_string()]);
        }
        if !extra.contains(&"-N") {
            args.extend(["-N".into(), String::new()]);
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        args.extend(["-f".into(), s(&file).into()]);
        tool_ok("ssh-keygen", &args);
        self.fp.insert(name, ssh_keygen_fingerprint(&pub_of(&file), false));
    }

    /// Every key the scan must find, by the file name of its `path`.
    fn expected(&self) -> BTreeMap<&'static str, Expect> {
        let mut m = BTreeMap::from([
            ("id_ed25519.pub", e("id_ed25519", Some("id_ed25519"), "ED25519", 256)),
            ("id_ecdsa_256.pub", e("id_ecdsa_256", Some("id_ecdsa_256"), "ECDSA 256", 256)),
            ("id_ecdsa_384.pub", e("id_ecdsa_384", Some("id_ecdsa_384"), "ECDSA 384", 384)),
            ("id_ecdsa_521.pub", e("id_ecdsa_521", Some("id_ecdsa_521"), "ECDSA 521", 521)),
            ("id_rsa.pub", e("id_rsa", Some("id_rsa"), "RSA 2048", 2048)),
            ("weak_rsa.pub", Expect { weak: true, ..e("weak_rsa", Some("weak_rsa"), "RSA 1024", 1024) }),
            ("locked", Expect { encrypted: true, ..e("locked", Some("locked"), "ED25519", 256) }),
            ("legacy.pem.pub", e("legacy.pem", Some("legacy.pem"), "RSA 2048", 2048)),
            ("p8", e("p8", Some("p8"), "ECDSA 384", 384)),
            ("lone.pub", e("lone", None, "ED25519", 256)),
            ("loose.pub", Expect { mode_ok: false, ..e("loose", Some("loose"), "ED25519", 256) }),
            ("m1", e("m1", Some("m1"), "ED25519", 256)),
            ("m1.pub", e("m2", Some("m2"), "ED25519", 256)),
        ]);
        if self.dsa {
            m.insert("id_dsa.pub", Expect { weak: true, ..e("id_dsa", Some("id_dsa"), "DSA 1024", 1024) });
        }
        m
    }

    /// `keyshelf scan --dir DIR --json EXTRA...`, by the file name of each key's `path`
    /// (and `:LINE` for a key of `authorized_keys`).
    fn scan_json(&self, extra: &[&str]) -> BTreeMap<String, Value> {
        let mut args = vec!["scan", "--dir", s(&self.dir), "--json"];
        args.extend_from_slice(extra);
        by_file(&self.env.ok(args))
    }
}

fn by_file(json: &str) -> BTreeMap<String, Value> {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("scan --json is not JSON ({e}): {json}"));
    let mut m = BTreeMap::new();
    for k in v.as_array().unwrap_or_else(|| panic!("not an array: {v}")) {
        let mut name = Path::new(field(k, "path")).file_name().unwrap().to_string_lossy().into_owned();
        if let Some(line) = k["line"].as_u64() {
            name = format!("{name}:{line}");
        }
        assert!(m.insert(name, k.clone()).is_none(), "two keys with one path: {v}");
    }
    m
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}")).iter().map(|n| n.as_str().unwrap().into()).collect()
}

#[test]
fn scan_finds_every_key_once_with_ssh_keygens_fingerprint_and_reports_the_rest() {
    let d = SshDir::new();
    let before = listing(&d.dir);
    let found = d.scan_json(&[]);
    let expected = d.expected();
    assert_eq!(
        found.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected.keys().copied().collect::<BTreeSet<_>>(),
        "{found:#?}"
    );
    for (file, x) in &expected {
        let k = &found[*file];
        assert_eq!(field(k, "fingerprint_sha256"), d.fp[x.key], "{file}: {k}");
        assert_eq!(field(k, "path"), s(&d.file(file)), "{file}");
        let private = x.private.map(|p| Value::String(s(&d.file(p)).into())).unwrap_or(Value::Null);
        assert_eq!(k["private_key_path"], private, "{file}");
        assert_eq!(field(k, "type"), x.type_label, "{file}");
        assert_eq!(k["bits"], x.bits, "{file}");
        assert_eq!(k["encrypted"], x.encrypted, "{file}");
        assert_eq!(k["weak"], x.weak, "{file}");
        assert_eq!(k["mode_ok"], x.mode_ok, "{file}");
        let want_mode = x.private.map(|p| Value::String(format!("{:04o}", mode(&d.file(p))))).unwrap_or(Value::Null);
        assert_eq!(k["mode"], want_mode, "{file}");
        assert_eq!(k["in_inventory"], serde_json::json!([]), "{file}");
        assert!(k.get("imported").is_none(), "no import was asked for: {k}");
    }
    assert_eq!(field(&found["id_ed25519.pub"], "comment"), "ed@test");
    assert_eq!(field(&found["legacy.pem.pub"], "comment"), "legacy", "a PEM key's comment is its .pub's");

    // authorized_keys only when asked: its new key, and a line holding lone.pub's key.
    let with = d.scan_json(&["--include-authorized-keys"]);
    assert_eq!(with.len(), found.len() + 1, "{with:#?}");
    assert_eq!(field(&with["authorized_keys:1"], "fingerprint_sha256"), d.fp["visitor"]);
    assert_eq!(with["authorized_keys:1"]["private_key_path"], Value::Null);
    assert_eq!(names(&with["lone.pub"]["also_in_files"]), [s(&d.file("authorized_keys"))]);

    let text = d.env.ok(["scan", "--dir", s(&d.dir)]);
    let mut skipped = vec![
        ("authorized_keys", "--include-authorized-keys"),
        ("big", "1 MiB"),
        ("cm-socket", "socket"),
        ("config", "configuration"),
        ("fifo", "named pipe"),
        ("junk", "not a key"),
        ("known_hosts", "known_hosts"),
        ("sealed.pem", "without its passphrase"),
        ("sub", "folder"),
    ];
    if !is_root() {
        skipped.push(("unreadable", "cannot read"));
    }
    for (file, why) in skipped {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("  {file}: ")))
            .unwrap_or_else(|| panic!("{file} not reported skipped:\n{text}"));
        assert!(line.contains(why), "{file}: {line}");
    }
    assert!(!text.contains("hidden"), "subfolders are not scanned:\n{text}");
    assert!(text.contains(&format!("chmod 600 {}\n", s(&d.file("loose")))), "{text}");
    assert!(text.contains("m1.pub holds another key than the private key m1"), "{text}");
    assert!(text.contains(&format!("keyshelf scan --dir {} --import", s(&d.dir))), "{text}");
    assert_eq!(listing(&d.dir), before, "a scan changes nothing in the folder");
    assert_eq!(d.env.list().len(), 0, "a scan without --import imports nothing");

    let missing = d.env.fails(["scan", "--dir", s(&d.env.path("no-such-folder"))]);
    assert!(missing.contains("no-such-folder"), "{missing}");
    let not_a_folder = d.env.fails(["scan", "--dir", s(&d.file("junk"))]);
    assert!(not_a_folder.contains("not a folder"), "{not_a_folder}");
}

#[test]
fn import_adds_each_key_once_and_remembers_its_private_key_file() {
    let mut d = SshDir::new();
    let expected = d.expected();
    // Already known, without its private key: the scan must not add it again, but
    // teach it where its private key is.
    d.env.ok(["key", "import", "known-ed", "--file", s(&d.file("id_ed25519.pub"))]);
    let unknown_account = d.env.fails(["scan", "--dir", s(&d.dir), "--import", "--account", "nope"]);
    assert!(unknown_account.contains("no account named 'nope'"), "{unknown_account}");
    assert_eq!(d.env.list().len(), 1);

    let first = d.scan_json(&["--import"]);
    assert_eq!(first.len(), expected.len());
    let mut given = BTreeMap::new();
    for (file, x) in &expected {
        let k = &first[*file];
        let name = if *file == "id_ed25519.pub" {
            assert_eq!((k["imported"].clone(), field(k, "import_status")), (Value::Null, "present"), "{k}");
            "known-ed".to_string()
        } else {
            assert_eq!(field(k, "import_status"), "imported", "{k}");
            field(k, "imported").to_string()
        };
        assert_eq!(names(&k["in_inventory"]), [name.as_str()], "{file}");
        let shown = d.env.show(&name, &[]);
        assert_eq!(field(&shown, "fingerprint_sha256"), d.fp[x.key], "{file}");
        let private =
            x.private.map(|p| Value::String(s(&fs::canonicalize(d.file(p)).unwrap()).into())).unwrap_or(Value::Null);
        assert_eq!(shown["private_key_path"], private, "{file}");
        assert_eq!(shown["account"], Value::Null, "{file}");
        given.insert(*file, name);
    }
    // Names come from comments, else from the file name.
    assert_eq!(given["locked"], "locked");
    assert_eq!(given["legacy.pem.pub"], "legacy");
    assert_eq!(given["p8"], "p8");
    assert_eq!(d.env.list().len(), expected.len(), "one key pair per key found");
    let db = d.env.db_bytes();
    assert!(!db.windows(11).any(|w| w == b"PRIVATE KEY"), "private key material in the inventory");

    // Again: nothing new, and every key is named.
    let activity = d.env.activity_count();
    let second = d.scan_json(&["--import"]);
    for (file, name) in &given {
        let k = &second[*file];
        assert_eq!((k["imported"].clone(), field(k, "import_status")), (Value::Null, "present"), "{k}");
        assert_eq!(names(&k["in_inventory"]), [name.as_str()], "{file}");
    }
    assert_eq!(d.env.list().len(), expected.len());
    assert_eq!(d.env.activity_count(), activity, "a second import changes nothing");
    let text = d.env.ok(["scan", "--dir", s(&d.dir)]);
    assert!(!text.contains("not in the inventory"), "{text}");

    // Without --dir: ~/.ssh, with ~ meaning $HOME.
    let home = d.env.path("home");
    fs::create_dir_all(home.join(".ssh")).unwrap();
    for f in ["id_ecdsa_521", "id_ecdsa_521.pub"] {
        fs::copy(d.file(f), home.join(".ssh").join(f)).unwrap();
    }
    d.env.vars.push(("HOME".into(), s(&home).into()));
    for args in [vec!["scan", "--json"], vec!["scan", "--dir", "~/.ssh", "--json"]] {
        let found = by_file(&d.env.ok(&args));
        assert_eq!(found.keys().collect::<Vec<_>>(), ["id_ecdsa_521.pub"], "{args:?}");
        let k = &found["id_ecdsa_521.pub"];
        assert_eq!(field(k, "path"), s(&home.join(".ssh/id_ecdsa_521.pub")), "{args:?}");
        assert_eq!(names(&k["in_inventory"]), [given["id_ecdsa_521.pub"].clone()], "{args:?}");
    }
}
