//! The command line's rules, end to end through the `keyshelf` binary: bad input of every
//! kind is refused with a message naming the problem and leaves the inventory as it was;
//! names, quotas, tags, bindings and ambiguous names follow the README's rules; inventory
//! files Keyshelf cannot use are reported and left untouched; the inventory never
//! holds private key material; and an exported inventory imports back as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use keyshelf::keys::{GeneratedKey, KeyKind, KeySpec};
use serde_json::Value;

/// `n` distinct Ed25519 public key lines, made by the library (fast).
fn ed25519_lines(n: usize, comment: &str) -> Vec<String> {
    let spec = KeySpec::new(KeyKind::Ed25519, None).unwrap();
    (0..n).map(|i| GeneratedKey::generate(spec, &format!("{comment}{i}")).unwrap().info().openssh.clone()).collect()
}

/// An inventory with one key already in it, so "unchanged" means something.
fn env_with_a_key() -> Env {
    let env = Env::new();
    let f = env.write("seed.pub", format!("{}\n", ed25519_lines(1, "seed")[0]));
    env.ok(["key", "import", "seed", "--file", s(&f), "--tag", "env=prod"]);
    env
}

#[test]
fn bad_input_is_rejected_and_changes_nothing() {
    let env = env_with_a_key();
    let before = env.snapshot();
    assert_eq!(before.1, 1);

    let user = env.path("user");
    ssh_keygen_generate(&user, "ed25519", None, "", "user@host");
    let ca = env.path("ca");
    ssh_keygen_generate(&ca, "ed25519", None, "", "ca");
    tool_ok("ssh-keygen", ["-q", "-s", s(&ca), "-I", "id", "-n", "u", s(&pub_of(&user))]);
    let cert = env.path("user-cert.pub");
    assert!(cert.exists(), "ssh-keygen -s made no certificate");
    let line = fs::read_to_string(pub_of(&user)).unwrap().trim().to_string();
    let b64 = line.split_whitespace().nth(1).unwrap().to_string();

    let rsa = env.path("rsa.pem");
    tool_ok("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", s(&rsa)]);
    let enc8 = env.path("enc8.pem");
    tool_ok("openssl", ["pkcs8", "-topk8", "-v2", "aes256", "-passout", "pass:x", "-in", s(&rsa), "-out", s(&enc8)]);
    let legacy = env.path("legacy.pem");
    tool_ok("openssl", ["rsa", "-aes256", "-traditional", "-passout", "pass:x", "-in", s(&rsa), "-out", s(&legacy)]);
    assert!(fs::read_to_string(&legacy).unwrap().contains("Proc-Type: 4,ENCRYPTED"));
    let x509 = env.path("cert.pem");
    tool_ok("openssl", ["req", "-x509", "-key", s(&rsa), "-subj", "/CN=test", "-days", "1", "-out", s(&x509)]);
    let ecparams = tool_ok("openssl", ["ecparam", "-name", "prime256v1"]);
    let rsa_text = fs::read_to_string(&rsa).unwrap();

    let mut junk: Vec<u8> = (0..4096).map(|_| rand::random::<u8>()).collect();
    junk[0] = 0xff; // never valid UTF-8
    let mut big = format!("{line}\n").into_bytes();
    big.resize(1024 * 1024 + 1, b'\n');
    let mut corrupted = b64.clone().into_bytes();
    for i in (20..40).step_by(3) {
        corrupted[i] = if corrupted[i] == b'A' { b'B' } else { b'A' };
    }
    let corrupted = String::from_utf8(corrupted).unwrap();
    let other = ed25519_lines(1, "other")[0].clone();
    let rfc = env.ok(["key", "export", "seed", "--format", "rfc4716"]);

    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("certificate", fs::read(&cert).unwrap(), vec!["certificate", "ssh-ed25519-cert-v01@openssh.com"]),
        ("unknown algorithm", format!("ssh-foo {b64} x\n").into_bytes(), vec!["unknown key type 'ssh-foo'"]),
        ("unknown algorithm after options", format!("no-pty ssh-foo {b64}\n").into_bytes(), vec!["'ssh-foo'"]),
        ("truncated base64", line.as_bytes()[..60].to_vec(), vec!["truncated or corrupted"]),
        ("corrupted base64", format!("ssh-ed25519 {corrupted} x").into_bytes(), vec!["truncated or corrupted"]),
        (
            "invalid base64 characters",
            format!("ssh-ed25519 {}!!{} x", &b64[..30], &b64[32..]).into_bytes(),
            vec!["corrupted"],
        ),
        ("type does not match data", format!("ssh-rsa {b64} x").into_bytes(), vec!["says 'ssh-rsa'", "'ssh-ed25519'"]),
        ("binary junk", junk.clone(), vec!["binary"]),
        ("control characters", format!("{line}\u{7}\n").into_bytes(), vec!["control characters"]),
        ("over 1 MiB", big, vec!["1 MiB"]),
        ("empty file", Vec::new(), vec!["empty"]),
        ("only blank lines", b"\n \r\n\t\n".to_vec(), vec!["empty"]),
        ("only comments", b"# nothing here\n".to_vec(), vec!["comments"]),
        ("two keys", format!("{line}\n\n{other}\n").into_bytes(), vec!["more than one key", "lines 1 and 3"]),
        ("encrypted PKCS#8", fs::read(&enc8).unwrap(), vec!["encrypted"]),
        ("legacy encrypted PEM", fs::read(&legacy).unwrap(), vec!["encrypted", "legacy"]),
        ("X.509 certificate", fs::read(&x509).unwrap(), vec!["X.509 certificate"]),
        ("EC parameters only", ecparams.into_bytes(), vec!["EC parameters"]),
        (
            "truncated PEM private key",
            rsa_text.as_bytes()[..rsa_text.len() / 2].to_vec(),
            vec!["truncated or corrupted"],
        ),
        (
            "truncated RFC 4716 block",
            rfc.lines().take(3).collect::<Vec<_>>().join("\n").into_bytes(),
            vec!["truncated"],
        ),
        (
            "PuTTY private key",
            b"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: x\n".to_vec(),
            vec!["PuTTY", "ppk"],
        ),
        ("unclosed option quote", format!("command=\"echo hi {line}").into_bytes(), vec!["unclosed quote"]),
    ];
    for (what, bytes, expected) in &cases {
        let f = env.write("bad-input", bytes);
        let err = env.fails(["key", "import", "newkey", "--file", s(&f)]);
        for e in expected {
            assert!(err.contains(e), "{what} (--file): expected {e:?} in: {err}");
        }
        assert_eq!(err.lines().count(), 1, "{what}: one line of error: {err}");
        let out = env.run_stdin(["key", "import", "newkey", "--stdin"], bytes);
        let err2 = expect_failure(&out, &format!("key import --stdin ({what})"));
        assert_eq!(err, err2, "{what}: --file and --stdin give the same error");
        assert_eq!(env.snapshot(), before, "{what}: the inventory changed");
    }

    // Bulk import refuses unreadable files whole, too.
    for (what, bytes, expected) in [
        ("binary junk", junk.clone(), "binary"),
        ("empty file", Vec::new(), "no keys"),
        ("only comments", b"# a\n\n# b\n".to_vec(), "no keys"),
        ("certificate", fs::read(&cert).unwrap(), "certificate"),
    ] {
        let f = env.write("bad-bulk", &bytes);
        let err = env.fails(["key", "import", "--all", "--file", s(&f)]);
        assert!(err.contains(expected), "bulk {what}: {err}");
        assert_eq!(env.snapshot(), before, "bulk {what}: the inventory changed");
    }

    // Usage mistakes.
    let good = env.write("good.pub", format!("{line}\n"));
    let err = env.fails(["key", "import", "newkey"]);
    assert!(err.contains("--file") && err.contains("--stdin"), "{err}");
    let err = env.fails(["key", "import", "newkey", "--file", s(&good), "--stdin"]);
    assert!(err.contains("not both"), "{err}");
    let missing = env.path("no-such-file.pub");
    let err = env.fails(["key", "import", "newkey", "--file", s(&missing)]);
    assert!(err.contains(s(&missing)), "the error names the missing file: {err}");
    let err = env.fails(["key", "import", "--file", s(&good)]);
    assert!(err.contains("NAME"), "{err}");
    let err = env.fails(["key", "import", "newkey", "--file", s(&good), "--tag", "=x"]);
    assert!(err.contains("Tag key"), "{err}");
    let err = env.fails(["key", "import", "newkey", "--file", s(&good), "--account", "nobody"]);
    assert!(err.contains("nobody"), "{err}");
    let err = env.fails(["key", "show", "nothing-like-this"]);
    assert!(err.contains("nothing-like-this"), "{err}");
    assert_eq!(env.snapshot(), before, "usage mistakes changed the inventory");

    // And the good key still imports after all that.
    env.ok(["key", "import", "newkey", "--file", s(&good)]);
    assert_eq!(env.list().len(), 2);
}

#[test]
fn key_names_follow_the_rules() {
    let env = Env::new();
    let lines = ed25519_lines(8, "n");
    let f = env.write("k.pub", &lines[0]);
    let before = env.snapshot();
    let long129 = format!("a{}", "b".repeat(128));
    for (name, expected) in [
        ("a", "2 to 128"),
        ("", "2 to 128"),
        (long129.as_str(), "2 to 128"),
        ("1abc", "start with a letter"),
        ("-abc", "start with a letter"),
        ("ab c", "only letters"),
        ("ab/c", "only letters"),
        ("ab@c", "only letters"),
        ("äbc", "start with a letter"),
    ] {
        let err = env.fails(["key", "import", "--file", s(&f), "--", name]);
        assert!(err.contains(expected), "name {name:?}: expected {expected:?} in {err}");
        let err = env.fails(["key", "create", "--out", s(&env.path("never-written")), "--", name]);
        assert!(err.contains(expected), "create {name:?}: {err}");
        assert!(!env.path("never-written").exists());
    }
    assert_eq!(env.snapshot(), before);

    let long128 = format!("a{}", "b".repeat(127));
    for name in [long128.as_str(), "ab", "a.b_c-d:e9"] {
        env.ok(["key", "import", name, "--file", s(&f)]);
        assert_eq!(env.show(name, &[])["name"], name);
    }

    // Unique within an account and region; the same name elsewhere is fine.
    env.ok(["account", "add", "acme", "--provider", "aws"]);
    env.ok(["account", "add", "other", "--provider", "alibaba"]);
    let g = env.write("g.pub", &lines[1]);
    env.ok(["key", "import", "dup", "--file", s(&g), "--account", "acme", "--region", "us-east-1"]);
    let before = env.snapshot();
    let err = env.fails(["key", "import", "dup", "--file", s(&f), "--account", "acme", "--region", "us-east-1"]);
    assert!(err.contains("'dup' already exists") && err.contains("acme"), "{err}");
    let err =
        env.fails(["key", "create", "dup", "--account", "acme", "--region", "us-east-1", "--out", s(&env.path("x"))]);
    assert!(err.contains("already exists"), "{err}");
    assert!(!env.path("x").exists());
    assert_eq!(env.snapshot(), before);
    env.ok(["key", "import", "dup", "--file", s(&f), "--account", "acme", "--region", "eu-west-1"]);
    env.ok(["key", "import", "dup", "--file", s(&f), "--account", "other", "--region", "us-east-1"]);
    env.ok(["key", "import", "dup", "--file", s(&f)]);
    let err = env.fails(["key", "import", "dup", "--file", s(&g)]);
    assert!(err.contains("already exists"), "outside any account names are unique too: {err}");
    assert_eq!(env.list().iter().filter(|k| k["name"] == "dup").count(), 4);

    // Renames follow the same rules.
    let err = env.fails(["key", "edit", "ab", "--name", "9lives"]);
    assert!(err.contains("start with a letter"), "{err}");
    let err = env.fails(["key", "edit", "ab", "--name", "dup"]);
    assert!(err.contains("already exists"), "{err}");
    env.ok(["key", "edit", "ab", "--name", "renamed"]);
    assert_eq!(env.search("renamed").len(), 1);
}

/// Alibaba Cloud allows 500 key pairs per account and region (AWS more: see
/// `the_quota_is_each_providers`).
#[test]
fn quota_of_500_key_pairs_per_account_and_region() {
    let env = Env::new();
    env.ok(["account", "add", "acme", "--provider", "alibaba"]);
    let lines = ed25519_lines(502, "q");
    let first500 = env.write("500", lines[..500].join("\n") + "\n");
    let out = env.ok([
        "key",
        "import",
        "--all",
        "--file",
        s(&first500),
        "--account",
        "acme",
        "--region",
        "r1",
        "--name-prefix",
        "q-",
    ]);
    assert!(out.contains("Imported 500 key pair(s)"), "{out}");
    let before = env.snapshot();

    let one = env.write("501", &lines[500]);
    let err = env.fails(["key", "import", "extra", "--file", s(&one), "--account", "acme", "--region", "r1"]);
    assert!(err.contains("500"), "{err}");
    let err = env.fails(["key", "import", "--all", "--file", s(&one), "--account", "acme", "--region", "r1"]);
    assert!(err.contains("500"), "{err}");
    let out = env.path("never");
    let err = env.fails(["key", "create", "extra", "--account", "acme", "--region", "r1", "--out", s(&out)]);
    assert!(err.contains("500"), "{err}");
    assert!(!out.exists(), "a refused create must not write the private key");
    assert_eq!(env.snapshot(), before);

    // 501 at once into an empty region: refused whole.
    let all501 = env.write("all501", lines[..501].join("\n"));
    let err = env.fails(["key", "import", "--all", "--file", s(&all501), "--account", "acme", "--region", "r2"]);
    assert!(err.contains("500") && err.contains("501"), "{err}");
    assert_eq!(env.snapshot(), before);

    // Other regions and key pairs outside any account are not affected.
    env.ok(["key", "import", "extra", "--file", s(&one), "--account", "acme", "--region", "r3"]);
    let out = env.ok(["key", "import", "--all", "--file", s(&all501), "--region", "r1"]);
    assert!(out.contains("Imported 501 key pair(s)"), "{out}");

    // After deleting one, there is room for one more.
    env.ok(["key", "rm", "q-1", "--account", "acme", "--region", "r1"]);
    env.ok(["key", "import", "extra", "--file", s(&one), "--account", "acme", "--region", "r1"]);
    let err = env.fails([
        "key",
        "import",
        "extra2",
        "--file",
        s(&env.write("502", &lines[501])),
        "--account",
        "acme",
        "--region",
        "r1",
    ]);
    assert!(err.contains("500"), "{err}");
    let in_r1 = env.ok(["key", "list", "--account", "acme", "--region", "r1", "--json"]);
    assert_eq!(serde_json::from_str::<Value>(&in_r1).unwrap().as_array().unwrap().len(), 500);
}

#[test]
fn at_most_20_tags() {
    let env = Env::new();
    let lines = ed25519_lines(2, "t");
    let f = env.write("k.pub", &lines[0]);
    let tags: Vec<String> = (0..21).map(|i| format!("t{i}=v{i}")).collect();
    let mut args: Vec<String> = ["key", "import", "tagged", "--file", s(&f)].map(String::from).to_vec();
    for t in &tags {
        args.extend(["--tag".to_string(), t.clone()]);
    }
    let err = env.fails(&args);
    assert!(err.contains("20 tags"), "{err}");
    assert!(env.list().is_empty());
    args.truncate(args.len() - 2);
    env.ok(&args);
    let k = env.show("tagged", &[]);
    assert_eq!(k["tags"].as_object().unwrap().len(), 20);
    let err = env.fails(["key", "edit", "tagged", "--tag", "one=too-many"]);
    assert!(err.contains("20 tags"), "{err}");
    assert_eq!(env.show("tagged", &[])["tags"], k["tags"], "a refused edit changed the tags");
    // Replacing a tag's value or swapping one tag for another stays within the limit.
    env.ok(["key", "edit", "tagged", "--tag", "t0=new", "--untag", "t1", "--tag", "fresh=1"]);
    let tags = env.show("tagged", &[])["tags"].clone();
    assert_eq!(tags.as_object().unwrap().len(), 20);
    assert_eq!(tags["t0"], "new");
    assert_eq!(tags["fresh"], "1");
    assert!(tags.get("t1").is_none());
}

#[test]
fn delete_while_bound_and_rebinding() {
    let env = Env::new();
    let web_key = env.path("web-key");
    env.ok(["key", "create", "web-key", "--out", s(&web_key)]);
    let lines = ed25519_lines(2, "b");
    env.ok(["key", "import", "other-key", "--file", s(&env.write("o.pub", &lines[0]))]);
    env.ok(["key", "import", "third-key", "--file", s(&env.write("t.pub", &lines[1]))]);
    env.ok(["host", "add", "web01", "--address", "203.0.113.10", "--address", "web01.example.com", "--user", "ubuntu"]);
    env.ok(["host", "add", "db01", "--address", "10.0.0.2"]);
    env.ok(["key", "bind", "web-key", "web01", "db01"]);
    assert_eq!(env.show("web-key", &[])["hosts"], serde_json::json!(["db01", "web01"]));

    let before = env.snapshot();
    let err = env.fails(["key", "rm", "web-key"]);
    assert!(err.contains("bound") && err.contains("web01") && err.contains("db01"), "{err}");
    // Deleting several at once is all or nothing.
    let err = env.fails(["key", "rm", "other-key", "web-key"]);
    assert!(err.contains("web01"), "{err}");
    assert_eq!(env.snapshot(), before, "a refused delete changed the inventory");

    let out = env.ok(["key", "rm", "web-key", "--unbind"]);
    let canonical = fs::canonicalize(&web_key).unwrap();
    assert!(out.contains("Deleted key pair web-key"), "{out}");
    assert!(out.contains(&format!("still at {}", canonical.display())), "names the private key left on disk: {out}");
    assert!(out.contains("db01") && out.contains("web01"), "{out}");
    assert!(web_key.exists(), "deleting the record never deletes the private key file");
    assert!(env.search("web-key").is_empty());
    let hosts: Value = serde_json::from_str(&env.ok(["host", "list", "--json"])).unwrap();
    assert!(hosts.as_array().unwrap().iter().all(|h| h["key"].is_null()), "{hosts}");

    // A host trusts several key pairs: binding another one adds it; `key` stays the
    // first bound (for scripts written when a host had one), `keys` lists them all.
    env.ok(["key", "bind", "other-key", "web01"]);
    let out = env.ok(["key", "bind", "third-key", "web01"]);
    assert!(out.contains("Bound third-key to web01"), "{out}");
    let out = env.ok(["key", "bind", "third-key", "web01"]);
    assert!(out.contains("already bound to web01"), "{out}");
    let hosts: Value = serde_json::from_str(&env.ok(["host", "list", "--json"])).unwrap();
    let web01 = hosts.as_array().unwrap().iter().find(|h| h["name"] == "web01").unwrap();
    assert_eq!(web01["key"], "other-key", "{hosts}");
    assert_eq!(web01["keys"], serde_json::json!(["other-key", "third-key"]), "{hosts}");
    assert_eq!(env.show("other-key", &[])["hosts"], serde_json::json!(["web01"]));
    assert_eq!(env.show("third-key", &[])["hosts"], serde_json::json!(["web01"]));
    env.ok(["key", "unbind", "other-key", "web01"]);
    assert_eq!(env.show("third-key", &[])["hosts"], serde_json::json!(["web01"]), "unbinding one keeps the other");
    env.ok(["key", "rm", "other-key"]);
    let err = env.fails(["key", "rm", "third-key"]);
    assert!(err.contains("web01"), "{err}");
    env.ok(["key", "unbind", "third-key", "web01"]);
    env.ok(["key", "rm", "third-key"]);
    assert!(env.list().is_empty());
    assert!(env.ok(["activity"]).contains("delete"));
}

#[test]
fn ambiguous_names_list_every_candidate() {
    let env = Env::new();
    let lines = ed25519_lines(2, "a");
    env.ok(["key", "import", "shared", "--file", s(&env.write("1.pub", &lines[0])), "--region", "r1"]);
    env.ok(["key", "import", "shared", "--file", s(&env.write("2.pub", &lines[1])), "--region", "r2"]);
    let ids: Vec<i64> = env.list().iter().map(|k| k["id"].as_i64().unwrap()).collect();
    let err = env.fails(["key", "show", "shared"]);
    assert!(err.contains("more than one"), "{err}");
    for (id, region) in ids.iter().zip(["r1", "r2"]) {
        assert!(err.contains(&format!("id {id}")) && err.contains(region), "candidate {id} in {region}: {err}");
    }
    let before = env.snapshot();
    let err = env.fails(["key", "rm", "shared"]);
    assert!(err.contains("more than one"), "{err}");
    assert_eq!(env.snapshot(), before);
    let k = env.show("shared", &["--region", "r2"]);
    assert_eq!(k["region"], "r2");
    assert_eq!(type_and_blob(field(&k, "public_key")), type_and_blob(&lines[1]));
    assert_eq!(env.show(&ids[0].to_string(), &[])["region"], "r1", "an id is never ambiguous");
    env.ok(["key", "rm", "shared", "--region", "r1"]);
    assert_eq!(env.show("shared", &[])["region"], "r2", "unique again after the other was deleted");
}

/// Runs a few commands against `db`; each must fail naming the file, and leave it (and
/// its folder) exactly as it was.
fn refused_untouched(db: &Path, expected: &str) {
    let dir = db.parent().unwrap();
    let bytes = fs::read(db).unwrap();
    let files = listing(dir);
    let env = Env::at(db);
    let key = env.write("k.pub", &ed25519_lines(1, "r")[0]);
    for args in [
        vec!["key", "list", "--json"],
        vec!["key", "import", "newkey", "--file", s(&key)],
        vec!["account", "add", "acme", "--provider", "aws"],
    ] {
        let err = env.fails(&args);
        assert!(err.contains(s(db)), "the error names the file: {err}");
        assert!(err.contains(expected), "expected {expected:?}: {err}");
        assert_eq!(fs::read(db).unwrap(), bytes, "{} was modified", db.display());
        assert_eq!(listing(dir), files, "files appeared next to {}", db.display());
    }
}

#[test]
fn inventory_files_it_cannot_use_are_left_untouched() {
    let dir = tempfile::tempdir().unwrap();

    // A fresh path (in folders that do not exist yet) becomes an inventory at the latest schema.
    let fresh = dir.path().join("new/nested/inv.sqlite3");
    let out = Env::at(&fresh).ok(["key", "list", "--json"]);
    assert_eq!(out.trim(), "[]");
    let conn = rusqlite::Connection::open(&fresh).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, keyshelf::inventory::SCHEMA_VERSION);
    let mode_: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode_, "wal");
    for table in ["accounts", "key_pairs", "tags", "hosts", "bindings", "activity", "settings"] {
        let n: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = ?1", [table], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "table {table}");
    }
    drop(conn);
    // KEYSHELF_DB is honoured when --db is not given.
    let via_env = dir.path().join("via-env.sqlite3");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .args(["account", "list", "--json"])
        .env("KEYSHELF_DB", &via_env)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(via_env.exists());

    // Random bytes.
    let junk = dir.path().join("junk/inv.sqlite3");
    fs::create_dir_all(junk.parent().unwrap()).unwrap();
    fs::write(&junk, (0..8192).map(|_| rand::random::<u8>()).collect::<Vec<u8>>()).unwrap();
    refused_untouched(&junk, "not a Keyshelf inventory");

    // A text file.
    let textfile = dir.path().join("text/notes.txt");
    fs::create_dir_all(textfile.parent().unwrap()).unwrap();
    fs::write(&textfile, "these are my notes, not a database\n".repeat(200)).unwrap();
    refused_untouched(&textfile, "not a Keyshelf inventory");

    // Another program's SQLite database.
    let foreign = dir.path().join("foreign/other.db");
    fs::create_dir_all(foreign.parent().unwrap()).unwrap();
    let c = rusqlite::Connection::open(&foreign).unwrap();
    c.execute_batch("CREATE TABLE foo (x TEXT); INSERT INTO foo VALUES ('precious');").unwrap();
    drop(c);
    refused_untouched(&foreign, "another program");

    // A newer Keyshelf's inventory.
    let newer = dir.path().join("newer/inv.sqlite3");
    fs::create_dir_all(newer.parent().unwrap()).unwrap();
    fs::copy(&fresh, &newer).unwrap();
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.execute_batch("PRAGMA journal_mode=DELETE; PRAGMA user_version = 99;").unwrap();
    drop(c);
    refused_untouched(&newer, "newer Keyshelf");
    assert!(Env::at(&newer).fails(["key", "list"]).contains("schema 99"));

    // A folder.
    let folder = dir.path().join("a-folder");
    fs::create_dir_all(&folder).unwrap();
    let err = Env::at(&folder).fails(["key", "list"]);
    assert!(err.contains(s(&folder)) && err.contains("folder"), "{err}");

    // Read-only: a 0444 inventory in a folder anyone may write to, and a writable
    // inventory in a read-only folder (its WAL files cannot be made).
    let ro = tempfile::tempdir().unwrap();
    fs::set_permissions(ro.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let Some(runner) = Unprivileged::new() else { return };
    for (case, file_mode, dir_mode) in [("read-only file", 0o444, 0o777), ("read-only folder", 0o666, 0o555)] {
        let folder = ro.path().join(case.replace(' ', "-"));
        fs::create_dir(&folder).unwrap();
        let db = folder.join("inv.sqlite3");
        fs::copy(&fresh, &db).unwrap();
        fs::set_permissions(&db, fs::Permissions::from_mode(file_mode)).unwrap();
        fs::set_permissions(&folder, fs::Permissions::from_mode(dir_mode)).unwrap();
        let bytes = fs::read(&db).unwrap();
        for args in [vec!["key", "list"], vec!["account", "add", "acme", "--provider", "aws"]] {
            let out = runner.run(&db, &args);
            let err = expect_failure(&out, &format!("{case}: {}", args.join(" ")));
            assert!(err.contains("read-only") && err.contains(s(&db)), "{case}: {err}");
            assert_eq!(fs::read(&db).unwrap(), bytes, "{case}: the inventory was modified");
            assert_eq!(listing(&folder), vec!["inv.sqlite3"], "{case}: files appeared next to the inventory");
        }
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Runs keyshelf as a user that file modes apply to: ourselves, or `nobody` (through
/// `setpriv`) when running as root, for whom a 0444 file is still writable.
struct Unprivileged {
    prefix: Vec<String>,
}

impl Unprivileged {
    fn new() -> Option<Unprivileged> {
        let bin = env!("CARGO_BIN_EXE_keyshelf").to_string();
        if !is_root() {
            return Some(Unprivileged { prefix: vec![bin] });
        }
        let prefix: Vec<String> =
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"].iter().map(|a| a.to_string()).collect();
        let runner = Unprivileged { prefix: [prefix, vec![bin]].concat() };
        match runner.command(&["--version"]).output() {
            Ok(o) if o.status.success() => Some(runner),
            other => {
                eprintln!(
                    "note: running as root and cannot run keyshelf as nobody ({other:?}); read-only cases skipped"
                );
                None
            }
        }
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(&self.prefix[0]);
        c.args(&self.prefix[1..]).args(args).current_dir("/").env_remove("KEYSHELF_DB");
        c.stdin(std::process::Stdio::null());
        c
    }

    fn run(&self, db: &Path, args: &[&str]) -> std::process::Output {
        let mut full = vec!["--db", s(db)];
        full.extend_from_slice(args);
        self.command(&full).output().expect("run keyshelf")
    }
}

/// Every `len`-byte window of `hay`, for fast "does this appear anywhere" checks.
fn windows(hay: &[u8], len: usize) -> HashSet<&[u8]> {
    hay.windows(len).collect()
}

#[test]
fn the_inventory_never_holds_private_key_material() {
    let env = Env::new();
    let pass = "a passphrase nobody else uses 7f3a";
    let passfile = env.write("pass.txt", format!("{pass}\n"));
    let mut private_files = Vec::new();
    let plan: Vec<(&str, Option<u32>, &str, bool)> = vec![
        ("ed25519", None, "openssh", false),
        ("ed25519", None, "openssh", true),
        ("ed25519", None, "pkcs8", false),
        ("ecdsa", Some(256), "openssh", false),
        ("ecdsa", Some(384), "pkcs8", false),
        ("ecdsa", Some(521), "openssh", true),
        ("ecdsa", Some(521), "pkcs8", false),
        ("rsa", Some(2048), "openssh", false),
        ("rsa", Some(2048), "openssh", true),
        ("rsa", Some(2048), "pkcs8", false),
        ("rsa", Some(2048), "pkcs1", false),
    ];
    for (i, (kind, bits, format, with_pass)) in plan.into_iter().enumerate() {
        let name = format!("k{i}-{kind}-{format}");
        let file = env.path(&name);
        let bits_s = bits.map(|b| b.to_string()).unwrap_or_default();
        let mut args = vec!["key", "create", &name, "--type", kind, "--format", format, "--out", s(&file)];
        if bits.is_some() {
            args.extend(["--bits", &bits_s]);
        }
        if with_pass {
            args.extend(["--passphrase-file", s(&passfile)]);
        }
        env.ok(&args);
        private_files.push(file);
    }
    // Private key files brought by the user: only their public half may be kept.
    for (i, (kind, bits)) in [("ed25519", None), ("ecdsa", Some(384)), ("rsa", Some(2048))].into_iter().enumerate() {
        let f = env.path(&format!("brought{i}"));
        ssh_keygen_generate(&f, kind, bits, "", "brought");
        env.ok(["key", "import", &format!("brought{i}"), "--file", s(&f)]);
        private_files.push(f);
    }
    let rsa = env.path("openssl.pem");
    tool_ok("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", s(&rsa)]);
    env.ok(["key", "import", "from-openssl", "--file", s(&rsa)]);
    private_files.push(rsa);
    // Some edits, so the database has been rewritten a few times.
    env.ok(["key", "edit", "k0-ed25519-openssh", "--tag", "env=prod", "--description", "edited"]);

    let db = env.db_bytes();
    assert!(db.len() > 4096, "the inventory file is empty?");
    let db40 = windows(&db, 40);
    let db24 = windows(&db, 24);
    let stored: Vec<String> = env.list().iter().map(|k| field(k, "public_key").to_string()).collect();

    // Positive control: the scan does find public keys, which are stored.
    for p in &stored {
        let b64 = p.split_whitespace().nth(1).unwrap();
        assert!(db40.contains(&b64.as_bytes()[..40]), "the scan cannot see stored public keys");
    }
    assert!(!db.windows(pass.len()).any(|w| w == pass.as_bytes()), "the passphrase is in the inventory");

    for file in &private_files {
        let content = fs::read_to_string(file).unwrap();
        let body = pem_body(&content);
        let public_b64: Vec<&str> = stored.iter().map(|p| p.split_whitespace().nth(1).unwrap()).collect();
        let mut checked = 0;
        for start in (0..body.len().saturating_sub(40)).step_by(2) {
            let chunk = &body[start..start + 40];
            if public_b64.iter().any(|p| p.contains(chunk)) {
                continue; // the public key embedded in an OpenSSH private key file
            }
            checked += 1;
            assert!(!db40.contains(chunk.as_bytes()), "{}: base64 chunk {chunk} is in the inventory", file.display());
        }
        assert!(checked >= 10, "{}: only {checked} chunks checked", file.display());
        let raw = b64decode(&body);
        let public_raw: Vec<Vec<u8>> = public_b64.iter().map(|p| b64decode(p)).collect();
        for start in (0..raw.len().saturating_sub(24)).step_by(4) {
            let chunk = &raw[start..start + 24];
            if public_raw.iter().any(|p| p.windows(24).any(|w| w == chunk)) {
                continue;
            }
            assert!(!db24.contains(chunk), "{}: raw bytes at {start} are in the inventory", file.display());
        }
    }
}

/// The field names of every `--json` object, sorted. Scripts read these: renaming,
/// dropping or adding one must be a deliberate change to this list.
const KEY_FIELDS: &[&str] = &[
    "account",
    "algorithm",
    "aws_fingerprint",
    "bits",
    "comment",
    "created_at",
    "description",
    "fingerprint_md5",
    "fingerprint_sha256",
    "hosts",
    "id",
    "name",
    "origin",
    "owner",
    "private_key_path",
    "public_key",
    "region",
    "rotate_by",
    "tags",
    "type",
    "updated_at",
    "weak",
];
const HOST_FIELDS: &[&str] = &[
    "account",
    "addresses",
    "authorized_keys",
    "bound_at",
    "id",
    "key",
    "keys",
    "last_check",
    "name",
    "port",
    "region",
    "user",
];
const ACCOUNT_FIELDS: &[&str] =
    &["created_at", "endpoint", "id", "name", "note", "profile", "provider", "provider_name", "region"];
const ACTIVITY_FIELDS: &[&str] = &["action", "at", "detail", "id", "subject"];

fn field_names(v: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = v.as_object().expect("a JSON object").keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

fn json_array(out: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(out).expect("JSON") {
        Value::Array(v) => v,
        other => panic!("expected a JSON array: {other}"),
    }
}

fn is_rfc3339_utc(v: &Value) -> bool {
    let t = v.as_str().unwrap_or("");
    let shape = "0000-00-00T00:00:00Z";
    t.len() == shape.len()
        && t.bytes().zip(shape.bytes()).all(|(c, s)| if s == b'0' { c.is_ascii_digit() } else { c == s })
}

#[test]
fn json_field_names_and_forms_stay_as_scripts_expect() {
    let env = Env::new();
    env.ok(["account", "add", "acme", "--provider", "digitalocean", "--note", "team"]);
    let lines = ed25519_lines(2, "j");
    env.ok([
        "key",
        "import",
        "web-key",
        "--file",
        s(&env.write("w.pub", &lines[0])),
        "--account",
        "acme",
        "--region",
        "fra1",
        "--tag",
        "env=prod",
    ]);
    env.ok(["key", "import", "loose-key", "--file", s(&env.write("l.pub", &lines[1]))]);
    env.ok(["host", "add", "web01", "--address", "203.0.113.10"]);
    env.ok(["host", "add", "spare", "--address", "203.0.113.11"]);
    env.ok(["key", "bind", "web-key", "web01"]);

    let show = env.show("web-key", &[]);
    let mut with_also_in = KEY_FIELDS.to_vec();
    with_also_in.extend(["also_in", "cloud"]);
    with_also_in.sort_unstable();
    assert_eq!(field_names(&show), with_also_in, "key show --json");
    assert_eq!(show["also_in"], serde_json::json!([]));
    assert_eq!(show["cloud"], serde_json::json!([]), "in no cloud region yet");
    assert_eq!(show["account"], "acme");
    assert_eq!(show["tags"], serde_json::json!({"env": "prod"}));
    assert_eq!(show["hosts"], serde_json::json!(["web01"]));
    assert_eq!(show["origin"], "imported");
    assert_eq!(show["type"], "ED25519");
    assert_eq!(show["private_key_path"], Value::Null);
    assert_eq!((&show["owner"], &show["rotate_by"]), (&Value::from(""), &Value::Null), "no owner, no date");
    assert!(is_rfc3339_utc(&show["created_at"]) && is_rfc3339_utc(&show["updated_at"]), "{show}");

    let keys = env.list();
    assert_eq!(keys.len(), 2);
    for k in &keys {
        assert_eq!(field_names(k), KEY_FIELDS, "key list --json: {k}");
    }
    let loose = keys.iter().find(|k| k["name"] == "loose-key").expect("loose-key listed");
    assert_eq!(loose["account"], Value::Null, "no account is null, not missing");
    assert_eq!(loose["tags"], serde_json::json!({}));
    assert_eq!(loose["hosts"], serde_json::json!([]));

    let hosts = json_array(&env.ok(["host", "list", "--json"]));
    assert_eq!(hosts.len(), 2);
    for h in &hosts {
        assert_eq!(field_names(h), HOST_FIELDS, "host list --json: {h}");
    }
    let web01 = hosts.iter().find(|h| h["name"] == "web01").expect("web01 listed");
    assert_eq!(web01["key"], "web-key");
    assert_eq!(web01["keys"], serde_json::json!(["web-key"]));
    assert_eq!(web01["authorized_keys"], ".ssh/authorized_keys");
    assert_eq!(web01["last_check"], Value::Null, "never checked");
    assert!(is_rfc3339_utc(&web01["bound_at"]), "{web01}");
    let spare = hosts.iter().find(|h| h["name"] == "spare").expect("spare listed");
    assert_eq!((&spare["key"], &spare["bound_at"]), (&Value::Null, &Value::Null));
    assert_eq!(spare["keys"], serde_json::json!([]));

    let accounts = json_array(&env.ok(["account", "list", "--json"]));
    assert_eq!(accounts.len(), 1);
    assert_eq!(field_names(&accounts[0]), ACCOUNT_FIELDS, "account list --json");
    assert_eq!(accounts[0]["provider"], "digitalocean");
    assert_eq!(accounts[0]["provider_name"], "DigitalOcean");
    assert_eq!((&accounts[0]["profile"], &accounts[0]["region"]), (&Value::Null, &Value::Null), "none set");
    assert!(is_rfc3339_utc(&accounts[0]["created_at"]));

    let activity = json_array(&env.ok(["activity", "--json"]));
    assert!(activity.len() >= 3, "two imports and a binding at least: {activity:?}");
    for a in &activity {
        assert_eq!(field_names(a), ACTIVITY_FIELDS, "activity --json: {a}");
        assert!(is_rfc3339_utc(&a["at"]), "{a}");
    }
}

/// Appends a last comment line so that, for every thread count bulk import may use
/// (2 to 8), the byte offset where the first thread's share of the file should end
/// falls inside a multibyte character.
fn pad_so_every_cut_is_inside_a_character(text: &mut String) {
    text.push_str("# ");
    while !(2..=8).all(|n| !text.is_char_boundary(text.len() / n)) {
        text.push('x');
    }
    text.push('\n');
}

/// Bulk import of a file over 256 KiB, the size from which it is read on several
/// threads, whose comments are Japanese: the process used to panic (exit 101) when a
/// thread's share ended inside a character. Line numbers stay those of the file.
#[test]
fn bulk_import_of_a_large_file_with_multibyte_comments() {
    let keys: Vec<String> =
        ed25519_lines(4, "k").iter().map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect();
    let mut lines: Vec<String> = Vec::new();
    let mut size = 0;
    while size < 320 * 1024 {
        let i = lines.len();
        let line = format!("{} 鍵{i}：東京オフィスの🔑{}", keys[i % keys.len()], "サーバー管理チーム".repeat(25));
        size += line.len() + 1;
        lines.push(line);
    }
    let n = lines.len();
    let file = |lines: &[String]| {
        let mut text = lines.join("\n") + "\n";
        pad_so_every_cut_is_inside_a_character(&mut text);
        text
    };

    let env = Env::new();
    let good = env.write("japanese.pub", file(&lines));
    let out = env.run(["key", "import", "--all", "--file", s(&good)]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("Imported {n} key pair(s)")), "{}", text(&out.stdout));
    let listed = env.list();
    assert_eq!(listed.len(), n);
    let comments: HashSet<&str> = listed.iter().filter_map(|k| k["comment"].as_str()).collect();
    for i in [0, n / 2, n - 1] {
        assert!(comments.contains(lines[i].split(' ').nth(2).unwrap()), "comment of line {}", i + 1);
    }

    // A bad line in the second half is reported with its number in the file.
    let mut with_bad = lines.clone();
    let bad = n * 3 / 4;
    with_bad.insert(bad, "これは鍵ではありません".to_string());
    let env = Env::new();
    let f = env.write("with-bad.pub", file(&with_bad));
    let err = env.fails(["key", "import", "--all", "--file", s(&f)]);
    assert!(err.contains(&format!("line {}: ", bad + 1)), "{err}");
    assert!(err.contains("1 bad line"), "{err}");
    let out = env.ok(["key", "import", "--all", "--file", s(&f), "--skip-invalid"]);
    assert!(out.contains(&format!("Imported {n} key pair(s)")), "{out}");
    assert!(out.contains(&format!("line {}", bad + 1)), "{out}");
}

/// AWS documents 5,000 key pairs per region: 501 at once go into an AWS account's
/// region, while an Alibaba Cloud one stops at 500 (its 501st is refused).
#[test]
fn the_quota_is_each_providers() {
    let env = Env::new();
    env.ok(["account", "add", "amazon", "--provider", "aws"]);
    env.ok(["account", "add", "ali", "--provider", "alibaba"]);
    let lines = ed25519_lines(501, "p");
    let all = env.write("all", lines.join("\n") + "\n");
    let out = env.ok(["key", "import", "--all", "--file", s(&all), "--account", "amazon", "--region", "us-east-1"]);
    assert!(out.contains("Imported 501 key pair(s)"), "{out}");
    let first500 = env.write("first500", lines[..500].join("\n") + "\n");
    env.ok(["key", "import", "--all", "--file", s(&first500), "--account", "ali", "--region", "cn-hangzhou"]);
    let last = env.write("last", &lines[500]);
    let err = env.fails(["key", "import", "--all", "--file", s(&last), "--account", "ali", "--region", "cn-hangzhou"]);
    assert!(err.contains("past 500") && err.contains("Alibaba Cloud"), "{err}");
    let err =
        env.fails(["key", "import", "one-more", "--file", s(&last), "--account", "ali", "--region", "cn-hangzhou"]);
    assert!(err.contains("already has 500"), "{err}");
    assert_eq!(env.list().len(), 1001);
}

/// `date` (GNU coreutils) as the oracle for "today + N days" in the local time zone.
fn date_in(days: i64) -> String {
    tool_ok("date", ["-d", &format!("{days} days"), "+%F"]).trim().to_string()
}

#[test]
fn owner_and_rotate_by_are_edited_shown_and_searched() {
    let env = Env::new();
    let lines = ed25519_lines(3, "o");
    for (name, line) in ["alpha", "bravo", "charlie"].iter().zip(&lines) {
        env.ok(["key", "import", name, "--file", s(&env.write(name, line))]);
    }
    env.ok(["key", "edit", "alpha", "--owner", "Platform Ops", "--rotate-in", "10d"]);
    env.ok(["key", "edit", "bravo", "--owner", "dev", "--rotate-by", "2020-01-01"]);
    env.ok(["key", "edit", "charlie", "--rotate-by", "2999-12-31"]);
    let alpha = env.show("alpha", &[]);
    assert_eq!(
        (alpha["owner"].as_str(), alpha["rotate_by"].as_str()),
        (Some("Platform Ops"), Some(date_in(10).as_str()))
    );
    let listed = env.list();
    let bravo = listed.iter().find(|k| k["name"] == "bravo").unwrap();
    assert_eq!((&bravo["owner"], &bravo["rotate_by"]), (&Value::from("dev"), &Value::from("2020-01-01")));
    let text = env.ok(["key", "show", "alpha"]);
    assert!(text.contains("Platform Ops") && text.contains(&date_in(10)), "{text}");

    assert_eq!(env.search("owner:ops"), ["alpha"], "case-insensitive, part of the owner");
    assert_eq!(env.search("owner:DEV"), ["bravo"]);
    assert_eq!(env.search("expires:<30d"), ["alpha", "bravo"], "within 30 days or past");
    assert_eq!(env.search("expires:<9d"), ["bravo"]);
    assert_eq!(env.search("expires:<10d"), ["alpha", "bravo"]);
    assert_eq!(env.search("expired"), ["bravo"]);
    assert_eq!(env.search("expires:past"), ["bravo"]);
    assert_eq!(env.search("expires:<2999-12-31"), ["alpha", "bravo"], "before the date, not on it");
    assert_eq!(env.search("expires:<3000-01-01"), ["alpha", "bravo", "charlie"]);
    assert_eq!(env.search("owner:ops expires:<30d"), ["alpha"]);
    assert_eq!(env.search("rav"), ["bravo"], "plain text searches as before");
    assert_eq!(env.search("rav expired"), ["bravo"]);
    assert!(env.search("harl expired").is_empty());
    let err = env.fails(["key", "list", "--search", "expires:<soon"]);
    assert!(err.contains("expires:") && err.contains("<30d"), "{err}");

    let before = env.snapshot();
    for (args, expected) in [
        (["--rotate-by", "2027-02-30"], "YYYY-MM-DD"),
        (["--rotate-by", "next week"], "YYYY-MM-DD"),
        (["--rotate-in", "90"], "90d"),
        (["--rotate-in", "3w"], "90d"),
    ] {
        let err = env.fails(["key", "edit", "alpha", args[0], args[1]]);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let out = env.run(["key", "edit", "alpha", "--rotate-by", "2030-01-01", "--no-rotate-by"]);
    assert!(!out.status.success(), "--rotate-by and --no-rotate-by together are refused");
    assert_eq!(env.snapshot(), before);

    env.ok(["key", "edit", "bravo", "--no-rotate-by"]);
    env.ok(["key", "edit", "alpha", "--owner", ""]);
    assert_eq!(env.show("bravo", &[])["rotate_by"], Value::Null);
    assert_eq!(env.show("alpha", &[])["owner"], "");
    assert!(env.search("expired").is_empty());
    assert!(env.search("owner:ops").is_empty());
}

/// One of each finding, each from a real file, key or check, and nothing about a
/// clean key pair; the suggested `chmod` really clears its finding.
#[test]
fn report_finds_one_of_each_kind_and_nothing_for_a_clean_key() {
    let env = Env::new();
    env.ok(["account", "add", "prod", "--provider", "aws"]);
    env.ok(["account", "add", "stage", "--provider", "hetzner"]);
    env.ok(["host", "add", "web01", "--address", "203.0.113.10"]);
    env.ok(["host", "add", "db01", "--address", "203.0.113.11"]);

    let weak = env.path("weak");
    ssh_keygen_generate(&weak, "rsa", Some(1024), "", "weak");
    env.ok(["key", "import", "weak", "--file", s(&pub_of(&weak))]);
    let open_key = env.path("open");
    ssh_keygen_generate(&open_key, "ed25519", None, "", "open");
    fs::set_permissions(&open_key, fs::Permissions::from_mode(0o644)).unwrap();
    env.ok(["key", "import", "open", "--file", s(&open_key)]);
    let gone = env.path("gone");
    ssh_keygen_generate(&gone, "ed25519", None, "", "gone");
    env.ok(["key", "import", "gone", "--file", s(&gone)]);
    fs::remove_file(&gone).unwrap();
    let shared = env.write("shared.pub", &ed25519_lines(1, "shared")[0]);
    env.ok(["key", "import", "shared", "--file", s(&shared), "--account", "prod", "--region", "r1"]);
    env.ok(["key", "import", "shared", "--file", s(&shared), "--account", "stage", "--region", "fsn1"]);
    let ecdsa = env.path("ecdsa");
    ssh_keygen_generate(&ecdsa, "ecdsa", Some(256), "", "ecdsa");
    let out = env.run(["key", "import", "ecdsa", "--file", s(&pub_of(&ecdsa)), "--account", "prod", "--region", "r1"]);
    assert!(out.status.success(), "a type AWS does not import is kept: {}", text(&out.stderr));
    let warning = text(&out.stderr);
    assert!(warning.starts_with("keyshelf: warning:") && warning.contains("AWS does not import ECDSA"), "{warning}");
    let lines = ed25519_lines(4, "d");
    for (name, line) in ["overdue", "soon", "ancient"].iter().zip(&lines) {
        env.ok(["key", "import", name, "--file", s(&env.write(name, line))]);
    }
    env.ok(["key", "edit", "overdue", "--rotate-by", "2020-01-01"]);
    env.ok(["key", "edit", "soon", "--rotate-in", "5d"]);
    {
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        let two_years_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 2 * 365 * 86400;
        assert_eq!(
            conn.execute("UPDATE key_pairs SET created_at = ?1 WHERE name = 'ancient'", [two_years_ago]).unwrap(),
            1
        );
    }
    keyshelf::inventory::Inventory::open(&env.db)
        .unwrap()
        .record_check("db01", "refused", "Permission denied")
        .unwrap();

    // The clean one: generated (its private key 0600), in an account whose provider
    // takes Ed25519, bound, with a rotate-by date far enough away.
    env.ok(["key", "create", "clean", "--out", s(&env.path("clean")), "--account", "prod", "--region", "r1"]);
    env.ok(["key", "edit", "clean", "--rotate-in", "200d", "--account", "prod"]);
    for k in ["clean", "weak", "open", "gone", "ecdsa", "overdue", "soon", "ancient"] {
        env.ok(["key", "bind", k, "web01"]);
    }

    let findings = json_array(&env.ok(["report", "--json"]));
    let of = |kind: &str| -> Vec<(Value, Value)> {
        findings.iter().filter(|f| f["kind"] == kind).map(|f| (f["key_pair"].clone(), f["host"].clone())).collect()
    };
    let key = |name: &str| (Value::from(name), Value::Null);
    assert_eq!(of("weak_key"), [key("weak")]);
    assert_eq!(of("rotate_overdue"), [key("overdue")]);
    assert_eq!(of("rotate_soon"), [key("soon")]);
    assert_eq!(of("old_key"), [key("ancient")]);
    assert_eq!(of("private_key_missing"), [key("gone")]);
    assert_eq!(of("private_key_mode"), [key("open")]);
    assert_eq!(of("unbound"), [key("shared"), key("shared")]);
    assert_eq!(of("duplicate_key"), [key("shared"), key("shared")]);
    assert_eq!(of("type_not_accepted"), [key("ecdsa")]);
    assert_eq!(of("check_failed"), [(Value::Null, Value::from("db01"))]);
    assert_eq!(findings.len(), 12, "{findings:#?}");
    for f in &findings {
        assert!(f["key_pair"] != "clean" && f["host"] != "web01", "nothing about the clean key or host: {f}");
        assert!(!f["message"].as_str().unwrap().is_empty() && !f["action"].as_str().unwrap().is_empty(), "{f}");
    }
    let overdue = findings.iter().find(|f| f["kind"] == "rotate_overdue").unwrap();
    assert!(overdue["action"].as_str().unwrap().contains("keyshelf key rotate overdue --to NEW"), "{overdue}");

    let mode = findings.iter().find(|f| f["kind"] == "private_key_mode").unwrap();
    let real = fs::canonicalize(&open_key).unwrap();
    assert_eq!(mode["action"], format!("chmod 600 {}", real.display()));
    let sh = tool("sh", ["-c", mode["action"].as_str().unwrap()]);
    assert!(sh.status.success());
    assert_eq!(common::mode(&open_key), 0o600);

    let text_report = env.ok(["report"]);
    assert!(
        text_report.contains("Weak keys (1)") && text_report.contains("weak (no account): RSA 1024"),
        "{text_report}"
    );
    assert!(!text_report.contains("Private key files others can read"), "fixed by the chmod: {text_report}");
    assert!(text_report.contains("Hosts whose last login check failed (1)"), "{text_report}");
}

/// `export` as parsed JSON.
fn export(env: &Env) -> Value {
    serde_json::from_str(&env.ok(["export"])).expect("export is JSON")
}

/// A document without `exported_at` and without the activity entries that imports
/// added: what must come back unchanged from a round trip.
fn without_time_and_imports(mut doc: Value) -> Value {
    doc.as_object_mut().unwrap().remove("exported_at");
    doc["activity"].as_array_mut().unwrap().retain(|a| a["action"] != "import inventory");
    doc
}

/// `import-inventory ARGS --json`, whatever its exit code, as (exit code, parsed summary).
fn import_inventory(env: &Env, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["import-inventory"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = env.run(&all);
    let summary = serde_json::from_str(&text(&out.stdout))
        .unwrap_or_else(|e| panic!("import-inventory --json printed no JSON ({e}): {}", text(&out.stderr)));
    (out.status.code(), summary)
}

/// The counts of an import summary, in the order of the contract.
fn counts(v: &Value) -> [u64; 5] {
    ["accounts_added", "key_pairs_added", "key_pairs_present", "hosts_added", "bindings_added"]
        .map(|f| v[f].as_u64().unwrap_or_else(|| panic!("no count {f} in {v}")))
}

/// An inventory with a bit of everything: accounts, generated and imported key pairs
/// (with private key files), tags, hosts with several addresses, a login check,
/// bindings and activity.
fn env_with_everything() -> Env {
    let env = Env::new();
    env.ok(["account", "add", "acme", "--provider", "aws", "--note", "production"]);
    env.ok(["account", "add", "spare", "--provider", "hetzner"]);
    env.ok(["key", "create", "web", "--out", s(&env.path("web")), "--account", "acme", "--region", "fra1"]);
    env.ok(["key", "edit", "web", "--tag", "env=prod", "--tag", "team=ops", "--description", "web tier"]);
    let rsa = env.path("legacy");
    ssh_keygen_generate(&rsa, "rsa", Some(2048), "", "legacy@old");
    env.ok(["key", "import", "legacy", "--file", s(&rsa), "--account", "acme", "--region", "fra1"]);
    let line = &ed25519_lines(1, "laptop")[0];
    env.ok(["key", "import", "laptop", "--file", s(&env.write("laptop.pub", line))]);
    env.ok(["host", "add", "web01", "--address", "203.0.113.10", "--address", "web01.example", "--port", "2222"]);
    env.ok(["host", "add", "db01", "--address", "203.0.113.20", "--user", "admin", "--account", "acme"]);
    env.ok(["key", "bind", "web", "web01", "db01"]);
    env.ok(["key", "bind", "laptop", "web01"]);
    let mut inv = keyshelf::inventory::Inventory::open(&env.db).unwrap();
    inv.record_check("web01", "refused", "Permission denied (publickey)").unwrap();
    env
}

#[test]
fn export_then_import_into_an_empty_inventory_gives_the_same_document() {
    let a = env_with_everything();
    a.ok(["key", "edit", "web", "--account", "acme", "--owner", "ops team", "--rotate-by", "2027-03-01"]);
    let doc_text = a.ok(["export"]);
    assert!(!doc_text.contains("PRIVATE KEY"), "the document holds private key material");
    let doc: Value = serde_json::from_str(&doc_text).unwrap();
    let schema = keyshelf::inventory::Inventory::open(&a.db).unwrap().schema_version().unwrap();
    assert_eq!(
        (&doc["format"], &doc["version"], &doc["schema_version"]),
        (&"keyshelf-inventory".into(), &1.into(), &schema.into())
    );
    assert!(is_rfc3339_utc(&doc["exported_at"]), "{}", doc["exported_at"]);
    // Every key's private key stays a path: the files are named, their content is not in.
    let keys = doc["key_pairs"].as_array().unwrap();
    let names: Vec<&str> = keys.iter().map(|k| field(k, "name")).collect();
    assert_eq!(names, ["laptop", "legacy", "web"], "no account first, then by account, region and name");
    for (name, file) in [("web", a.path("web")), ("legacy", a.path("legacy"))] {
        let k = keys.iter().find(|k| k["name"] == name).unwrap();
        assert_eq!(field(k, "private_key_path"), s(&fs::canonicalize(&file).unwrap()));
        let body = pem_body(&fs::read_to_string(&file).unwrap());
        for chunk in body.as_bytes().chunks(40).skip(3).take(5) {
            assert!(!doc_text.contains(std::str::from_utf8(chunk).unwrap()), "{name}: private key text in the export");
        }
    }
    // ssh-keygen reads every public key of the document and agrees on its fingerprint.
    for k in keys {
        let f = a.write("check.pub", format!("{}\n", field(k, "public_key")));
        assert_eq!(ssh_keygen_fingerprint(&f, false), field(k, "fingerprint_sha256"), "{k}");
        assert_eq!(ssh_keygen_fingerprint(&f, true), field(k, "fingerprint_md5"), "{k}");
    }
    let web = keys.iter().find(|k| k["name"] == "web").unwrap();
    assert_eq!(
        (&web["account"], &web["region"], &web["origin"]),
        (&"acme".into(), &"fra1".into(), &"generated".into())
    );
    assert_eq!(web["tags"], serde_json::json!({"env": "prod", "team": "ops"}));
    assert_eq!((&web["owner"], &web["rotate_by"]), (&"ops team".into(), &"2027-03-01".into()));
    let hosts = doc["hosts"].as_array().unwrap();
    assert_eq!(hosts[1]["addresses"], serde_json::json!(["203.0.113.10", "web01.example"]));
    assert_eq!((&hosts[1]["check_status"], &hosts[1]["port"]), (&"refused".into(), &2222.into()));
    assert_eq!(doc["bindings"].as_array().unwrap().len(), 3);

    // --out: mode 0600, never over an existing file unless --force.
    let file = a.path("inventory.json");
    a.ok(["export", "--out", s(&file)]);
    assert_eq!(mode(&file), 0o600);
    fs::write(&file, "precious").unwrap();
    let err = a.fails(["export", "--out", s(&file)]);
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "precious");
    a.ok(["export", "--out", s(&file), "--force"]);
    let from_file: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(without_time_and_imports(from_file), without_time_and_imports(doc.clone()));

    // Into an empty inventory: a dry run first changes nothing, then the import.
    let b = Env::new();
    let (code, dry) = import_inventory(&b, &[s(&file), "--dry-run"]);
    assert_eq!((code, counts(&dry)), (Some(0), [2, 3, 0, 2, 3]), "{dry}");
    assert_eq!(b.activity_count(), 0, "a dry run changes nothing");
    let (code, done) = import_inventory(&b, &[s(&file)]);
    assert_eq!(code, Some(0), "{done}");
    assert_eq!(
        (counts(&done), &done["renamed"], &done["conflicts"]),
        ([2, 3, 0, 2, 3], &serde_json::json!([]), &serde_json::json!([]))
    );
    let again = export(&b);
    let added: Vec<&Value> =
        again["activity"].as_array().unwrap().iter().filter(|e| e["action"] == "import inventory").collect();
    assert_eq!(added.len(), 1, "one entry says the import happened");
    assert_eq!(without_time_and_imports(again), without_time_and_imports(doc.clone()));
    assert_eq!(b.show("web", &[])["hosts"], serde_json::json!(["db01", "web01"]));

    // A second import changes nothing.
    let before = b.db_bytes();
    let (code, twice) = import_inventory(&b, &[s(&file)]);
    assert_eq!((code, counts(&twice)), (Some(0), [0, 0, 3, 0, 0]), "{twice}");
    assert_eq!(twice["activity_added"], 0);
    assert_eq!(b.db_bytes(), before, "the second import wrote to the inventory");
    // And from standard input, the same.
    let out = b.run_stdin(["import-inventory", "-", "--json"], doc_text.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(counts(&serde_json::from_str(&text(&out.stdout)).unwrap()), [0, 0, 3, 0, 0]);
}

#[test]
fn import_inventory_conflicts_change_nothing_until_resolved() {
    let a = env_with_everything();
    let file = a.path("inventory.json");
    a.ok(["export", "--out", s(&file)]);

    // Another key under the name `web` in acme / fra1.
    let c = Env::new();
    c.ok(["account", "add", "acme", "--provider", "aws"]);
    c.ok([
        "key",
        "import",
        "web",
        "--account",
        "acme",
        "--region",
        "fra1",
        "--file",
        s(&c.write("w.pub", &ed25519_lines(1, "other")[0])),
    ]);
    let before = c.db_bytes();
    for extra in [None, Some("--dry-run")] {
        let mut args = vec![s(&file)];
        args.extend(extra);
        let (code, refused) = import_inventory(&c, &args);
        assert_eq!(code, Some(1), "{refused}");
        let conflicts = refused["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{refused}");
        assert!(conflicts[0].as_str().unwrap().contains("'web' (acme / fra1)"), "{refused}");
        assert_eq!(c.db_bytes(), before, "a refused import changed the inventory");
    }
    let err = c.fails(["import-inventory", s(&file)]);
    assert!(err.contains("nothing was imported: 1 conflict"), "{err}");
    assert_eq!(c.db_bytes(), before);

    let (code, done) = import_inventory(&c, &[s(&file), "--rename"]);
    assert_eq!(code, Some(0), "{done}");
    assert_eq!(
        done["renamed"],
        serde_json::json!([{"account": "acme", "region": "fra1", "from": "web", "to": "web-2"}])
    );
    assert_eq!(counts(&done), [1, 3, 0, 2, 3]);
    let original = a.show("web", &[]);
    let renamed = c.show("web-2", &[]);
    assert_eq!(renamed["fingerprint_sha256"], original["fingerprint_sha256"]);
    assert_eq!((&renamed["tags"], &renamed["hosts"]), (&original["tags"], &original["hosts"]));
    let (code, twice) = import_inventory(&c, &[s(&file), "--rename"]);
    assert_eq!(
        (code, counts(&twice), &twice["renamed"]),
        (Some(0), [0, 0, 3, 0, 0], &serde_json::json!([])),
        "{twice}"
    );

    // An account of another provider and a host elsewhere are conflicts --rename does
    // not resolve; every conflict is listed.
    let d = Env::new();
    d.ok(["account", "add", "acme", "--provider", "hetzner"]);
    d.ok(["host", "add", "db01", "--address", "198.51.100.7"]);
    let before = d.db_bytes();
    let (code, refused) = import_inventory(&d, &[s(&file), "--rename"]);
    assert_eq!(code, Some(1), "{refused}");
    let conflicts: Vec<&str> = refused["conflicts"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    assert!(
        conflicts[0].contains("'acme'") && conflicts[0].contains("Hetzner") && conflicts[0].contains("AWS"),
        "{conflicts:?}"
    );
    assert!(conflicts[1].contains("'db01'") && conflicts[1].contains("198.51.100.7"), "{conflicts:?}");
    assert_eq!(d.db_bytes(), before);

    // Documents this version cannot read are refused, naming why.
    let doc: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    for (what, edit, expected) in [
        ("another format", ("format", Value::from("something-else")), "not a Keyshelf inventory export"),
        ("a newer version", ("version", Value::from(2)), "version 2"),
    ] {
        let mut bad = doc.clone();
        bad[edit.0] = edit.1;
        let f = d.write("bad.json", serde_json::to_vec(&bad).unwrap());
        let err = d.fails(["import-inventory", s(&f)]);
        assert!(err.contains(expected) && err.contains(s(&f)), "{what}: {err}");
        assert_eq!(d.db_bytes(), before, "{what}");
    }
}

/// 2,000 key pairs (the bulk path: one transaction, indexes rebuilt once), imported
/// in far less time than it takes to read about it.
#[test]
fn import_inventory_of_2000_key_pairs_is_quick() {
    let a = Env::new();
    let lines = ed25519_lines(2000, "bulk");
    a.ok(["key", "import", "--all", "--file", s(&a.write("all.pub", lines.join("\n")))]);
    let file = a.path("inventory.json");
    a.ok(["export", "--out", s(&file)]);
    let b = Env::new();
    let started = std::time::Instant::now();
    let (code, done) = import_inventory(&b, &[s(&file)]);
    let took = started.elapsed();
    assert_eq!((code, counts(&done)), (Some(0), [0, 2000, 0, 0, 0]), "{done}");
    assert!(took < std::time::Duration::from_secs(10), "2,000 key pairs took {took:?}");
    assert_eq!(b.list().len(), 2000);
    assert_eq!(
        without_time_and_imports(export(&b)),
        without_time_and_imports(serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap())
    );
}
