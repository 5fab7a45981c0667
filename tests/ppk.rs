//! PuTTY `.ppk` files and private key conversion, with PuTTYgen (Debian's `putty-tools`)
//! and `ssh-keygen` as the oracles: PuTTYgen reads every `.ppk` Keyshelf writes (every
//! key type, with and without a passphrase) and finds the same key; Keyshelf imports and
//! converts every `.ppk` PuTTYgen writes (versions 2 and 3, with and without a
//! passphrase); and `key convert` writes files the other tools read, refuses what it
//! must, and never touches the original.
//!
//! Without `puttygen` these tests fail, saying to install putty-tools, unless
//! `KEYSHELF_SKIP_PUTTY=1` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// Whether PuTTYgen is here; panics with what to install unless skipping is asked for.
fn puttygen_present() -> bool {
    if std::process::Command::new("puttygen").arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var("KEYSHELF_SKIP_PUTTY").as_deref() == Ok("1") {
        eprintln!("note: puttygen is missing and KEYSHELF_SKIP_PUTTY=1: PuTTY tests skipped");
        return false;
    }
    panic!("these tests need puttygen: install putty-tools (apt-get install putty-tools), or set KEYSHELF_SKIP_PUTTY=1 to skip them");
}

/// A scratch folder with passphrase files, or `None` when the PuTTY tests are skipped.
fn setup() -> Option<Files> {
    puttygen_present().then(Files::new)
}

/// `args` as owned strings, then `FLAG BITS` when the type takes a size.
fn with_size(args: &[&str], flag: &str, bits: Option<u32>) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    if let Some(b) = bits {
        v.extend([flag.to_string(), b.to_string()]);
    }
    v
}

/// The key types both tools make: (keyshelf/puttygen type, bits).
const TYPES: [(&str, Option<u32>); 5] =
    [("ed25519", None), ("ecdsa", Some(256)), ("ecdsa", Some(384)), ("ecdsa", Some(521)), ("rsa", Some(2048))];

const PASSPHRASE: &str = "correct horse battery";

struct Files {
    env: Env,
    /// The passphrase, on one line.
    pass: PathBuf,
    /// An empty file: "no passphrase" for puttygen.
    empty: PathBuf,
}

impl Files {
    fn new() -> Files {
        let env = Env::new();
        let pass = env.write("pass.txt", format!("{PASSPHRASE}\n"));
        let empty = env.write("empty.txt", "");
        Files { env, pass, empty }
    }

    /// The passphrase file for puttygen: the real one or the empty one.
    fn putty_pass(&self, encrypted: bool) -> &str {
        s(if encrypted { &self.pass } else { &self.empty })
    }

    /// `puttygen FILE -O public-openssh` (with the passphrase when there is one).
    fn putty_public(&self, file: &Path, encrypted: bool) -> String {
        let out = self.env.path("putty-public.pub");
        let _ = fs::remove_file(&out);
        tool_ok(
            "puttygen",
            [s(file), "--old-passphrase", self.putty_pass(encrypted), "-O", "public-openssh", "-o", s(&out)],
        );
        fs::read_to_string(&out).unwrap()
    }
}

fn key_fingerprint(env: &Env, name: &str) -> String {
    field(&env.show(name, &[]), "fingerprint_sha256").to_string()
}

/// `ssh-keygen -l` of an OpenSSH public key line.
fn ssh_keygen_fp_of_line(env: &Env, line: &str) -> String {
    ssh_keygen_fingerprint(&env.write("line.pub", line), false)
}

#[test]
fn puttygen_reads_every_ppk_keyshelf_writes() {
    let Some(f) = setup() else { return };
    let env = &f.env;
    for (i, (kind, bits)) in TYPES.iter().enumerate() {
        for encrypted in [false, true] {
            let what = format!("{kind} {bits:?} encrypted={encrypted}");
            let name = format!("k{i}-{encrypted}");
            let out = env.path(&format!("{name}.ppk"));
            let mut args = with_size(
                &["key", "create", &name, "--type", kind, "--format", "ppk", "--out", s(&out)],
                "--bits",
                *bits,
            );
            if encrypted {
                args.extend(["--passphrase-file".to_string(), s(&f.pass).to_string()]);
            }
            env.ok(&args);
            assert_eq!(mode(&out), 0o600, "{what}");
            let text = fs::read_to_string(&out).unwrap();
            assert!(text.starts_with("PuTTY-User-Key-File-3: "), "{what}: {text}");
            assert_eq!(text.contains("Encryption: aes256-cbc\n"), encrypted, "{what}");
            assert_eq!(text.contains("Key-Derivation: Argon2id\nArgon2-Memory: 8192\n"), encrypted, "{what}");

            // PuTTYgen derives the same public key as Keyshelf and ssh-keygen.
            let expected = key_fingerprint(env, &name);
            assert_eq!(ssh_keygen_fingerprint(&pub_of(&out), false), expected, "{what}: .pub");
            let putty = f.putty_public(&out, encrypted);
            assert_eq!(ssh_keygen_fp_of_line(env, &putty), expected, "{what}: puttygen -O public-openssh");
            assert_eq!(putty.split_whitespace().nth(2), Some(name.as_str()), "{what}: the comment");

            // Its private half, exported by PuTTYgen to OpenSSH, is the same key for ssh-keygen.
            let exported = env.path(&format!("{name}.openssh"));
            tool_ok(
                "puttygen",
                [
                    s(&out),
                    "--old-passphrase",
                    f.putty_pass(encrypted),
                    "--new-passphrase",
                    s(&f.empty),
                    "-O",
                    "private-openssh",
                    "-o",
                    s(&exported),
                ],
            );
            let derived = tool_ok("ssh-keygen", ["-y", "-P", "", "-f", s(&exported)]);
            assert_eq!(ssh_keygen_fp_of_line(env, &derived), expected, "{what}: ssh-keygen -y of puttygen's export");

            if encrypted {
                // The passphrase really protects it.
                let wrong = env.write("wrong.txt", "not it\n");
                let o = tool(
                    "puttygen",
                    [s(&out), "--old-passphrase", s(&wrong), "-O", "private-openssh", "-o", s(&env.path("x"))],
                );
                assert!(!o.status.success(), "{what}: puttygen opened it with a wrong passphrase");
            }
        }
    }
}

#[test]
fn keyshelf_imports_and_converts_what_puttygen_writes() {
    let Some(f) = setup() else { return };
    let env = &f.env;
    for (i, (kind, bits)) in TYPES.iter().enumerate() {
        // One key per type, saved by PuTTYgen as v3 and v2, with and without a passphrase.
        let comment = format!("{kind}-from-puttygen");
        let original = env.path(&format!("p{i}.ppk"));
        let args = with_size(
            &["-q", "-t", kind, "-C", &comment, "--new-passphrase", s(&f.empty), "-o", s(&original)],
            "-b",
            *bits,
        );
        tool_ok("puttygen", &args);
        let public = tool_ok("puttygen", [s(&original), "--old-passphrase", s(&f.empty), "-L"]);
        let expected = ssh_keygen_fp_of_line(env, &public);
        for version in [3, 2] {
            for encrypted in [false, true] {
                let what = format!("{kind} {bits:?} v{version} encrypted={encrypted}");
                let name = format!("p{i}-v{version}-{encrypted}");
                let file = env.path(&format!("{name}.ppk"));
                tool_ok(
                    "puttygen",
                    [
                        s(&original),
                        "--old-passphrase",
                        s(&f.empty),
                        "--new-passphrase",
                        f.putty_pass(encrypted),
                        "--ppk-param",
                        &format!("version={version}"),
                        "-C",
                        &comment,
                        "-O",
                        "private",
                        "-o",
                        s(&file),
                    ],
                );
                let text = fs::read_to_string(&file).unwrap();
                assert!(text.starts_with(&format!("PuTTY-User-Key-File-{version}: ")), "{what}: {text}");
                assert_eq!(text.contains("aes256-cbc"), encrypted, "{what}");

                // Import needs no passphrase: the public half is readable.
                let out = env.ok(["key", "import", &name, "--file", s(&file)]);
                assert!(out.contains(&format!("PuTTY PPK v{version} private key")), "{what}: {out}");
                let shown = env.show(&name, &[]);
                assert_eq!(field(&shown, "fingerprint_sha256"), expected, "{what}");
                assert_eq!(field(&shown, "comment"), comment, "{what}");
                let l =
                    tool_ok("puttygen", ["-l", "-E", "sha256", "--old-passphrase", f.putty_pass(encrypted), s(&file)]);
                assert!(l.contains(&expected), "{what}: puttygen -l says {l}");
                assert_eq!(
                    field(&shown, "private_key_path"),
                    s(&fs::canonicalize(&file).unwrap()),
                    "{what}: the private key file is remembered"
                );

                // Conversion decrypts and checks the MAC: ssh-keygen reads the result.
                let converted = env.path(&format!("{name}.openssh"));
                let mut args = vec!["key", "convert", &name, "--format", "openssh", "--out", s(&converted)];
                if encrypted {
                    args.extend(["--passphrase-file", s(&f.pass)]);
                }
                env.ok(&args);
                assert_eq!(mode(&converted), 0o600, "{what}");
                let derived = tool_ok("ssh-keygen", ["-y", "-P", "", "-f", s(&converted)]);
                assert_eq!(type_and_blob(&derived), type_and_blob(&public), "{what}: ssh-keygen -y");
                assert!(derived.trim_end().ends_with(&comment), "{what}: the comment is kept: {derived}");
            }
        }
    }
}

/// Bytes and mode of a file, to prove it was left alone.
fn snapshot(p: &Path) -> (Vec<u8>, u32) {
    (fs::read(p).unwrap(), mode(p))
}

#[test]
fn key_convert_writes_what_other_tools_read_and_refuses_cleanly() {
    let Some(f) = setup() else { return };
    let env = &f.env;
    let new_pass = env.write("new-pass.txt", "a new one\n");
    let wrong = env.write("wrong.txt", "not it\n");

    // An OpenSSH key with a passphrase, made by ssh-keygen and imported.
    let original = env.path("id_ecdsa");
    ssh_keygen_generate(&original, "ecdsa", Some(384), PASSPHRASE, "me@laptop");
    env.ok(["key", "import", "laptop", "--file", s(&original)]);
    let expected = key_fingerprint(env, "laptop");
    let before = snapshot(&original);
    let listing_before = listing(env.dir.path());

    // Refusals leave no file behind and say what to do.
    let ppk = env.path("laptop.ppk");
    let convert = |extra: &[&str]| {
        let mut args = vec!["key", "convert", "laptop", "--format", "ppk", "--out", s(&ppk)];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let err = env.fails(convert(&[]));
    assert!(err.contains("passphrase") && err.contains("--passphrase-file"), "{err}");
    let err = env.fails(convert(&["--passphrase-file", s(&wrong)]));
    assert!(err.contains("wrong passphrase"), "{err}");
    let err = env.fails([
        "key",
        "convert",
        "laptop",
        "--format",
        "pkcs8",
        "--out",
        s(&ppk),
        "--new-passphrase-file",
        s(&new_pass),
    ]);
    assert!(err.contains("passphrase") && err.contains("PKCS#8"), "{err}");
    let err =
        env.fails(["key", "convert", "laptop", "--format", "der", "--out", s(&ppk), "--passphrase-file", s(&f.pass)]);
    assert!(err.contains("der") && err.contains("ppk"), "{err}");
    assert_eq!(listing(env.dir.path()), listing_before, "a refused convert wrote a file");

    // OpenSSH to PPK with a new passphrase: PuTTYgen reads it with that passphrase.
    let out = env.ok(convert(&["--passphrase-file", s(&f.pass), "--new-passphrase-file", s(&new_pass)]));
    assert!(out.contains("PuTTY PPK") && out.contains(&expected), "{out}");
    assert_eq!(mode(&ppk), 0o600);
    let putty = tool_ok("puttygen", [s(&ppk), "--old-passphrase", s(&new_pass), "-L"]);
    assert_eq!(ssh_keygen_fp_of_line(env, &putty), expected);
    assert_eq!(putty.split_whitespace().nth(2), Some("me@laptop"), "the comment travels");
    let o =
        tool("puttygen", [s(&ppk), "--old-passphrase", s(&f.pass), "-O", "private-openssh", "-o", s(&env.path("x"))]);
    assert!(!o.status.success(), "the old passphrase does not open the new file");
    assert_eq!(snapshot(&original), before, "the original is untouched");

    // Never over an existing file, not even the original.
    let kept = snapshot(&ppk);
    let err = env.fails(convert(&["--passphrase-file", s(&f.pass)]));
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(snapshot(&ppk), kept);
    let err = env.fails([
        "key",
        "convert",
        "laptop",
        "--format",
        "openssh",
        "--out",
        s(&original),
        "--passphrase-file",
        s(&f.pass),
    ]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(snapshot(&original), before);

    // A Keyshelf PPK (RSA) to PKCS#1 and PKCS#8, which ssh-keygen reads.
    let rsa = env.path("rsa.ppk");
    env.ok(["key", "create", "rsa", "--type", "rsa", "--bits", "2048", "--format", "ppk", "--out", s(&rsa)]);
    let rsa_fp = key_fingerprint(env, "rsa");
    for (format, head) in [("pkcs1", "-----BEGIN RSA PRIVATE KEY-----"), ("pkcs8", "-----BEGIN PRIVATE KEY-----")] {
        let pem = env.path(&format!("rsa.{format}.pem"));
        env.ok(["key", "convert", "rsa", "--format", format, "--out", s(&pem)]);
        assert!(fs::read_to_string(&pem).unwrap().starts_with(head), "{format}");
        let derived = tool_ok("ssh-keygen", ["-y", "-f", s(&pem)]);
        assert_eq!(ssh_keygen_fp_of_line(env, &derived), rsa_fp, "{format}");
    }
    // PPK with a passphrase to OpenSSH with another: ssh-keygen needs the new one.
    let ed = env.path("ed.ppk");
    env.ok(["key", "create", "ed", "--format", "ppk", "--passphrase-file", s(&f.pass), "--out", s(&ed)]);
    let ed_before = snapshot(&ed);
    let ed_openssh = env.path("ed.openssh");
    let to_openssh = ["key", "convert", "ed", "--format", "openssh", "--out", s(&ed_openssh), "--passphrase-file"];
    let err = env.fails(to_openssh.iter().chain(&[s(&wrong)]));
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(!ed_openssh.exists());
    env.ok(to_openssh.iter().chain(&[s(&f.pass), "--new-passphrase-file", s(&new_pass)]));
    let derived = tool_ok("ssh-keygen", ["-y", "-P", "a new one", "-f", s(&ed_openssh)]);
    assert_eq!(ssh_keygen_fp_of_line(env, &derived), key_fingerprint(env, "ed"));
    assert!(!tool("ssh-keygen", ["-y", "-P", "", "-f", s(&ed_openssh)]).status.success(), "it is encrypted");
    assert_eq!(snapshot(&ed), ed_before, "the PPK is untouched");

    // A private key file that no longer holds the key pair's key is refused.
    fs::copy(&ed, &rsa).unwrap();
    let other = env.path("other.pem");
    let err =
        env.fails(["key", "convert", "rsa", "--format", "pkcs8", "--out", s(&other), "--passphrase-file", s(&f.pass)]);
    assert!(err.contains(&rsa_fp) && err.contains(&key_fingerprint(env, "ed")), "{err}");
    assert!(!other.exists());

    // A key pair whose private key file is unknown cannot be converted.
    let lone = env.path("id_lone");
    ssh_keygen_generate(&lone, "ed25519", None, "", "lone");
    env.ok(["key", "import", "pub-only", "--file", s(&pub_of(&lone))]);
    let err = env.fails(["key", "convert", "pub-only", "--format", "ppk", "--out", s(&env.path("x.ppk"))]);
    assert!(err.contains("does not know where"), "{err}");
}
