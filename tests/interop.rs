//! Interoperability, end to end through the `keyshelf` binary: every private key Keyshelf
//! writes is read back by `ssh-keygen` and `openssl`, every key those tools write (in every
//! common format) imports with the fingerprints `ssh-keygen -l` prints, and the exports,
//! AWS fingerprints and searches agree with the same oracles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const PASS: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    OpenSsh,
    OpenSshPass,
    Pkcs8,
    Pkcs1,
}

impl Fmt {
    fn cli(self) -> &'static str {
        match self {
            Fmt::OpenSsh | Fmt::OpenSshPass => "openssh",
            Fmt::Pkcs8 => "pkcs8",
            Fmt::Pkcs1 => "pkcs1",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Fmt::OpenSsh => "openssh",
            Fmt::OpenSshPass => "openssh-pass",
            Fmt::Pkcs8 => "pkcs8",
            Fmt::Pkcs1 => "pkcs1",
        }
    }

    fn pem_label(self) -> &'static str {
        match self {
            Fmt::OpenSsh | Fmt::OpenSshPass => "-----BEGIN OPENSSH PRIVATE KEY-----\n",
            Fmt::Pkcs8 => "-----BEGIN PRIVATE KEY-----\n",
            Fmt::Pkcs1 => "-----BEGIN RSA PRIVATE KEY-----\n",
        }
    }
}

fn expected_algorithm(kind: &str, bits: u32) -> String {
    match kind {
        "ed25519" => "ssh-ed25519".into(),
        "ecdsa" => format!("ecdsa-sha2-nistp{bits}"),
        _ => "ssh-rsa".into(),
    }
}

/// The raw 32-byte Ed25519 public key at the end of an SSH blob or an SPKI DER.
fn last32(b: &[u8]) -> Vec<u8> {
    b[b.len() - 32..].to_vec()
}

/// `openssl pkey -in F -pubout`: the public key OpenSSL reads from a private key file.
fn openssl_pubout(file: &Path, der: bool) -> Vec<u8> {
    let mut args = vec!["pkey", "-in", s(file), "-pubout"];
    if der {
        args.extend(["-outform", "DER"]);
    }
    let out = tool("openssl", &args);
    assert!(out.status.success(), "openssl pkey -pubout -in {}: {}", file.display(), text(&out.stderr));
    out.stdout
}

/// Creates keys of one type in every format Keyshelf writes and checks each file with
/// `ssh-keygen` and `openssl`.
fn check_generated(kind: &str, bits: u32) {
    let env = Env::new();
    let passfile = env.write("pass.txt", format!("{PASS}\n"));
    let mut formats = vec![Fmt::OpenSsh, Fmt::OpenSshPass, Fmt::Pkcs8];
    if kind == "rsa" {
        formats.push(Fmt::Pkcs1);
    }
    for fmt in formats {
        let name = format!("{kind}{bits}-{}", fmt.slug());
        let file = env.path(&if fmt == Fmt::OpenSsh || fmt == Fmt::OpenSshPass {
            name.clone()
        } else {
            format!("{name}.pem")
        });
        let bits_s = bits.to_string();
        let mut args = vec!["key", "create", &name, "--type", kind, "--out", s(&file), "--format", fmt.cli()];
        if kind != "ed25519" {
            args.extend(["--bits", &bits_s]);
        }
        if fmt == Fmt::OpenSshPass {
            args.extend(["--passphrase-file", s(&passfile)]);
        }
        let out = env.ok(&args);
        assert!(out.contains(&format!("Created key pair {name}")), "{out}");
        let what = format!("{kind} {bits} {}", fmt.slug());

        // The record.
        let k = env.show(&name, &[]);
        let public_key = field(&k, "public_key");
        assert_eq!(field(&k, "algorithm"), expected_algorithm(kind, bits), "{what}");
        assert_eq!(k["bits"], bits, "{what}");
        assert_eq!(field(&k, "origin"), "generated", "{what}");
        assert_eq!(field(&k, "comment"), name, "{what}: the comment defaults to the name");
        assert_eq!(k["weak"], false, "{what}");
        assert_eq!(public_key, format!("{} {name}", type_and_blob(public_key)), "{what}");
        let canonical = fs::canonicalize(&file).unwrap();
        assert_eq!(field(&k, "private_key_path"), s(&canonical), "{what}: absolute path of the private key");

        // The files: private 0600, FILE.pub is the stored line.
        assert_eq!(mode(&file), 0o600, "{what}: private key mode");
        let pub_file = pub_of(&file);
        assert_eq!(fs::read_to_string(&pub_file).unwrap(), format!("{public_key}\n"), "{what}: FILE.pub");
        assert_eq!(ssh_keygen_fingerprint(&pub_file, false), field(&k, "fingerprint_sha256"), "{what}");
        assert_eq!(ssh_keygen_fingerprint(&pub_file, true), field(&k, "fingerprint_md5"), "{what}");
        let content = fs::read_to_string(&file).unwrap();
        assert!(content.starts_with(fmt.pem_label()), "{what}: file starts with {:?}", &content[..40]);

        // ssh-keygen derives the same public key from the private file.
        let pw = if fmt == Fmt::OpenSshPass { PASS } else { "" };
        let y = tool("ssh-keygen", ["-y", "-P", pw, "-f", s(&file)]);
        if kind == "ed25519" && fmt == Fmt::Pkcs8 && !y.status.success() {
            // OpenSSH 9.2 cannot read PKCS#8 Ed25519 files at all (its own or OpenSSL's);
            // OpenSSL is the oracle for this one below.
            eprintln!(
                "note: this ssh-keygen cannot read PKCS#8 Ed25519 ({}); checked with openssl",
                text(&y.stderr).trim()
            );
        } else {
            assert!(y.status.success(), "{what}: ssh-keygen -y failed: {}", text(&y.stderr));
            let derived = text(&y.stdout);
            assert_eq!(type_and_blob(&derived), type_and_blob(public_key), "{what}: ssh-keygen -y");
            if fmt == Fmt::OpenSsh || fmt == Fmt::OpenSshPass {
                assert_eq!(derived.trim(), public_key, "{what}: ssh-keygen -y prints the comment too");
            }
        }

        match fmt {
            Fmt::OpenSsh | Fmt::OpenSshPass => {
                let raw = b64decode(&pem_body(&content));
                assert!(raw.starts_with(b"openssh-key-v1\0"), "{what}: OpenSSH magic");
                let contains = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
                if fmt == Fmt::OpenSshPass {
                    assert!(contains(b"\0\0\0\x0aaes256-ctr"), "{what}: cipher is aes256-ctr");
                    assert!(contains(b"\0\0\0\x06bcrypt"), "{what}: kdf is bcrypt");
                    assert!(!contains(name.as_bytes()), "{what}: the comment is inside the encrypted part");
                    for wrong in ["", "wrong passphrase"] {
                        let y = tool("ssh-keygen", ["-y", "-P", wrong, "-f", s(&file)]);
                        assert!(!y.status.success(), "{what}: ssh-keygen -y -P {wrong:?} must fail");
                    }
                } else {
                    assert!(contains(b"\0\0\0\x04none\0\0\0\x04none"), "{what}: unencrypted");
                }
            }
            Fmt::Pkcs8 | Fmt::Pkcs1 => {
                let check = tool("openssl", ["pkey", "-in", s(&file), "-noout", "-check"]);
                assert!(
                    check.status.success(),
                    "{what}: openssl pkey -check: {}{}",
                    text(&check.stdout),
                    text(&check.stderr)
                );
                // What OpenSSL derives from the private key is exactly the stored public
                // key (exported as SubjectPublicKeyInfo).
                let spki = openssl_pubout(&file, false);
                let exported = env.ok(["key", "export", &name, "--format", "pkcs8"]);
                assert_eq!(text(&spki), exported, "{what}: openssl pkey -pubout vs key export --format pkcs8");
                if kind == "ed25519" {
                    let der = openssl_pubout(&file, true);
                    let blob = b64decode(public_key.split_whitespace().nth(1).unwrap());
                    assert_eq!(last32(&der), last32(&blob), "{what}: raw Ed25519 public key");
                }
                if fmt == Fmt::Pkcs1 {
                    let rsa = tool("openssl", ["rsa", "-in", s(&file), "-noout", "-check"]);
                    assert!(text(&rsa.stdout).contains("RSA key ok"), "{what}: openssl rsa -check");
                }
            }
        }
    }
    // Nothing else was written next to the keys (no stray temp files).
    let files = listing(env.dir.path());
    assert!(files.iter().all(|f| !f.starts_with(".keyshelf-")), "temp files left: {files:?}");
}

#[test]
fn generated_ed25519_is_read_by_ssh_keygen_and_openssl() {
    check_generated("ed25519", 256);
}

#[test]
fn generated_ecdsa_p256_is_read_by_ssh_keygen_and_openssl() {
    check_generated("ecdsa", 256);
}

#[test]
fn generated_ecdsa_p384_is_read_by_ssh_keygen_and_openssl() {
    check_generated("ecdsa", 384);
}

#[test]
fn generated_ecdsa_p521_is_read_by_ssh_keygen_and_openssl() {
    check_generated("ecdsa", 521);
}

#[test]
fn generated_rsa_2048_is_read_by_ssh_keygen_and_openssl() {
    check_generated("rsa", 2048);
}

#[test]
fn generated_rsa_3072_is_read_by_ssh_keygen_and_openssl() {
    check_generated("rsa", 3072);
}

#[test]
fn create_refuses_bad_choices_without_writing_anything() {
    let env = Env::new();
    let passfile = env.write("pass.txt", "secret\n");
    let before = env.snapshot();
    let out = env.path("k.pem");

    let err =
        env.fails(["key", "create", "kp", "--format", "pkcs8", "--passphrase-file", s(&passfile), "--out", s(&out)]);
    assert!(err.contains("passphrase") && err.contains("openssh"), "{err}");
    let err = env.fails([
        "key",
        "create",
        "kp",
        "--type",
        "rsa",
        "--bits",
        "2048",
        "--format",
        "pkcs1",
        "--passphrase-file",
        s(&passfile),
        "--out",
        s(&out),
    ]);
    assert!(err.contains("passphrase"), "{err}");
    let err = env.fails(["key", "create", "kp", "--type", "ed25519", "--format", "pkcs1", "--out", s(&out)]);
    assert!(err.contains("PKCS#1") && err.contains("RSA"), "{err}");
    let err = env.fails(["key", "create", "kp", "--type", "ecdsa", "--format", "pkcs1", "--out", s(&out)]);
    assert!(err.contains("PKCS#1"), "{err}");
    let err = env.fails(["key", "create", "kp", "--type", "rsa", "--bits", "1024", "--out", s(&out)]);
    assert!(err.contains("2048") && err.contains("1024"), "{err}");
    let err = env.fails(["key", "create", "kp", "--type", "ecdsa", "--bits", "512", "--out", s(&out)]);
    assert!(err.contains("521"), "{err}");
    let err = env.fails(["key", "create", "kp", "--type", "dsa", "--out", s(&out)]);
    assert!(err.contains("dsa"), "{err}");
    let err = env.fails(["key", "create", "kp", "--format", "putty", "--out", s(&out)]);
    assert!(err.contains("putty") && err.contains("ppk"), "{err}");
    let empty = env.write("empty-pass.txt", "\n");
    let err = env.fails(["key", "create", "kp", "--passphrase-file", s(&empty), "--out", s(&out)]);
    assert!(err.contains("empty"), "{err}");
    let err = env.fails(["key", "create", "kp", "--out", s(&env.path("no-such-folder/k"))]);
    assert!(err.contains("no-such-folder"), "{err}");
    assert!(!out.exists() && !pub_of(&out).exists(), "a refused create wrote {}", out.display());
    assert_eq!(listing(env.dir.path()), vec!["empty-pass.txt", "inv.sqlite3", "pass.txt"]);

    // An existing --out (or --out.pub) is never replaced without --force.
    let existing = env.write("id_existing", "precious\n");
    let err = env.fails(["key", "create", "kp", "--out", s(&existing)]);
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    assert_eq!(fs::read_to_string(&existing).unwrap(), "precious\n");
    assert!(!pub_of(&existing).exists());
    let lone_pub = env.write("id_other.pub", "precious pub\n");
    let err = env.fails(["key", "create", "kp", "--out", s(&env.path("id_other"))]);
    assert!(err.contains("id_other.pub") && err.contains("already exists"), "{err}");
    assert_eq!(fs::read_to_string(&lone_pub).unwrap(), "precious pub\n");
    assert!(!env.path("id_other").exists());
    assert_eq!(env.snapshot(), before, "refused creates changed the inventory");

    // With --force it is replaced, still 0600, and the key is usable.
    env.ok(["key", "create", "kp", "--out", s(&existing), "--force"]);
    assert_eq!(mode(&existing), 0o600);
    let y = tool_ok("ssh-keygen", ["-y", "-P", "", "-f", s(&existing)]);
    assert_eq!(type_and_blob(&y), type_and_blob(field(&env.show("kp", &[]), "public_key")));

    // A name that is taken is refused before the file is written.
    let err = env.fails(["key", "create", "kp", "--out", s(&env.path("second"))]);
    assert!(err.contains("kp") && err.contains("already exists"), "{err}");
    assert!(!env.path("second").exists());
}

#[test]
fn aws_fingerprints_match_openssl() {
    let env = Env::new();
    // Generated RSA, PKCS#1 file: SHA-1 of the PKCS#8 DER private key.
    let f = env.path("gen.pem");
    env.ok(["key", "create", "gen-rsa", "--type", "rsa", "--bits", "2048", "--format", "pkcs1", "--out", s(&f)]);
    let der = tool("openssl", ["pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in", s(&f)]);
    assert!(der.status.success(), "{}", text(&der.stderr));
    let expected = openssl_digest_colon("sha1", &der.stdout);
    assert_eq!(expected.len(), 59, "{expected}");
    assert_eq!(field(&env.show("gen-rsa", &[]), "aws_fingerprint"), expected);

    // Generated RSA in OpenSSH format: convert a copy to PKCS#8 with ssh-keygen first.
    let f2 = env.path("gen2");
    env.ok(["key", "create", "gen-rsa-ossh", "--type", "rsa", "--bits", "2048", "--out", s(&f2)]);
    let copy = env.path("gen2-copy");
    fs::copy(&f2, &copy).unwrap();
    tool_ok("ssh-keygen", ["-p", "-q", "-P", "", "-N", "", "-m", "PKCS8", "-f", s(&copy)]);
    let der = tool("openssl", ["pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in", s(&copy)]);
    assert!(der.status.success(), "{}", text(&der.stderr));
    assert_eq!(field(&env.show("gen-rsa-ossh", &[]), "aws_fingerprint"), openssl_digest_colon("sha1", &der.stdout));

    // Imported RSA: MD5 of the DER SubjectPublicKeyInfo.
    let r = env.path("imp_rsa");
    ssh_keygen_generate(&r, "rsa", Some(2048), "", "imported");
    env.ok(["key", "import", "imp-rsa", "--file", s(&pub_of(&r))]);
    let spki = tool_ok("ssh-keygen", ["-e", "-m", "PKCS8", "-f", s(&pub_of(&r))]);
    let der = tool_stdin("openssl", ["pkey", "-pubin", "-outform", "DER"], spki.as_bytes());
    assert!(der.status.success(), "{}", text(&der.stderr));
    let expected = openssl_digest_colon("md5", &der.stdout);
    assert_eq!(expected.len(), 47);
    assert_eq!(field(&env.show("imp-rsa", &[]), "aws_fingerprint"), expected);
    // The private key file of that key gives the imported form too: Keyshelf did not make it.
    env.ok(["key", "import", "imp-rsa-priv", "--file", s(&r)]);
    assert_eq!(field(&env.show("imp-rsa-priv", &[]), "aws_fingerprint"), expected);

    // Ed25519, generated and imported: the SHA-256 in padded base64.
    for (name, pub_file) in [
        ("gen-ed", {
            let p = env.path("gen-ed");
            env.ok(["key", "create", "gen-ed", "--out", s(&p)]);
            pub_of(&p)
        }),
        ("imp-ed", {
            let p = env.path("imp_ed");
            ssh_keygen_generate(&p, "ed25519", None, "", "x");
            env.ok(["key", "import", "imp-ed", "--file", s(&pub_of(&p))]);
            pub_of(&p)
        }),
    ] {
        let sha = ssh_keygen_fingerprint(&pub_file, false);
        let b64 = sha.strip_prefix("SHA256:").unwrap();
        assert_eq!(b64.len(), 43);
        assert_eq!(field(&env.show(name, &[]), "aws_fingerprint"), format!("{b64}="), "{name}");
    }

    // AWS does not take ECDSA keys: no AWS fingerprint.
    env.ok(["key", "create", "gen-ec", "--type", "ecdsa", "--out", s(&env.path("gen-ec"))]);
    assert_eq!(env.show("gen-ec", &[])["aws_fingerprint"], Value::Null);
}

/// What `ssh-keygen -l` says about a public key: the oracle for imports.
#[derive(Debug, Clone)]
struct Oracle {
    bits: u64,
    sha256: String,
    md5: String,
    /// `TYPE BASE64`
    key: String,
}

fn oracle(pub_file: &Path) -> Oracle {
    let l = tool_ok("ssh-keygen", ["-l", "-f", s(pub_file)]);
    let bits = l.split_whitespace().next().unwrap().parse().unwrap();
    Oracle {
        bits,
        sha256: ssh_keygen_fingerprint(pub_file, false),
        md5: ssh_keygen_fingerprint(pub_file, true),
        key: type_and_blob(&fs::read_to_string(pub_file).unwrap()),
    }
}

/// Imports files into one inventory under fresh names and checks each against its oracle.
struct Importer {
    env: Env,
    n: usize,
    checked: Vec<String>,
}

impl Importer {
    fn new() -> Importer {
        Importer { env: Env::new(), n: 0, checked: Vec::new() }
    }

    /// Imports `file` (given relative to the scratch folder, as a user in that folder
    /// would) and checks the record.
    fn import(&mut self, what: &str, file: &Path, o: &Oracle, private: bool) -> Value {
        self.n += 1;
        let name = format!("k{}", self.n);
        let rel = file.strip_prefix(self.env.dir.path()).unwrap_or(file);
        let out = self.env.run(["key", "import", &name, "--file", s(rel)]);
        assert!(out.status.success(), "import of {what} ({}) failed: {}", file.display(), text(&out.stderr));
        let k = self.env.show(&name, &[]);
        assert_eq!(field(&k, "fingerprint_sha256"), o.sha256, "{what}: SHA256");
        assert_eq!(field(&k, "fingerprint_md5"), o.md5, "{what}: MD5");
        assert_eq!(type_and_blob(field(&k, "public_key")), o.key, "{what}: public key");
        assert_eq!(k["bits"].as_u64(), Some(o.bits), "{what}: bits");
        assert_eq!(field(&k, "origin"), "imported", "{what}");
        if private {
            let abs = fs::canonicalize(file).unwrap();
            assert_eq!(k["private_key_path"].as_str(), Some(s(&abs)), "{what}: private_key_path");
        } else {
            assert_eq!(k["private_key_path"], Value::Null, "{what}: a public key has no private_key_path");
        }
        self.checked.push(what.to_string());
        k
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        self.env.write(name, bytes)
    }
}

/// A PuTTYgen-style RFC 4716 block: CRLF, a Comment header continued with `\`, another
/// header, 64-column base64.
fn putty_block(key: &str, comment: &str) -> String {
    let b64 = key.split_whitespace().nth(1).unwrap();
    let mut s = String::from("---- BEGIN SSH2 PUBLIC KEY ----\r\n");
    let (a, b) = comment.split_at(comment.len() / 2);
    s.push_str(&format!("Comment: \"{a}\\\r\n{b}\"\r\n"));
    s.push_str("x-Private-Note: a header keyshelf should ignore\r\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push_str("\r\n");
    }
    s.push_str("---- END SSH2 PUBLIC KEY ----\r\n");
    s
}

/// Every public form of one key: the .pub line and its variants, RFC 4716, PEM.
fn import_public_forms(imp: &mut Importer, tag: &str, pub_file: &Path, o: &Oracle, is_rsa: bool, is_dsa: bool) {
    let line = fs::read_to_string(pub_file).unwrap();
    let line = line.trim_end();
    let k = imp.import(&format!("{tag} .pub"), pub_file, o, false);
    assert_eq!(field(&k, "public_key"), line, "{tag}: the .pub line is kept with its comment");

    let f = imp.write(&format!("{tag}-ak"), format!("command=\"echo hi there\",no-pty,from=\"10.0.0.*\" {line}\n"));
    let k = imp.import(&format!("{tag} authorized_keys line with options"), &f, o, false);
    assert_eq!(field(&k, "public_key"), line, "{tag}: options are dropped, comment kept");

    let f = imp.write(&format!("{tag}-crlf"), format!("\r\n\r\n{line}\r\n\r\n"));
    imp.import(&format!("{tag} CRLF and blank lines"), &f, o, false);
    let f = imp.write(&format!("{tag}-bom"), format!("\u{feff}{line}\n"));
    imp.import(&format!("{tag} UTF-8 BOM"), &f, o, false);
    let f = imp.write(&format!("{tag}-bom-crlf"), format!("\u{feff}\r\n  \r\n{line}\r\n\r\n\r\n"));
    imp.import(&format!("{tag} BOM, CRLF, blank lines"), &f, o, false);
    let f = imp.write(&format!("{tag}-commented"), format!("# my key\n\n{line}\n# end\n"));
    imp.import(&format!("{tag} with # comment lines"), &f, o, false);

    let rfc = tool_ok("ssh-keygen", ["-e", "-m", "RFC4716", "-f", s(pub_file)]);
    let f = imp.write(&format!("{tag}.rfc4716"), &rfc);
    imp.import(&format!("{tag} ssh-keygen -e -m RFC4716"), &f, o, false);
    let f = imp.write(&format!("{tag}.rfc4716-crlf"), format!("\u{feff}\r\n{}\r\n\r\n", rfc.replace('\n', "\r\n")));
    imp.import(&format!("{tag} RFC4716 with BOM, CRLF"), &f, o, false);
    let f = imp.write(&format!("{tag}.putty"), putty_block(line, "rsa-key-20240101 from PuTTYgen"));
    let k = imp.import(&format!("{tag} PuTTY-style RFC4716"), &f, o, false);
    assert_eq!(field(&k, "comment"), "rsa-key-20240101 from PuTTYgen", "{tag}: the continued Comment header");

    if !is_dsa {
        let pkcs8 = tool("ssh-keygen", ["-e", "-m", "PKCS8", "-f", s(pub_file)]);
        if pkcs8.status.success() {
            let f = imp.write(&format!("{tag}.pkcs8.pub.pem"), &pkcs8.stdout);
            assert!(text(&pkcs8.stdout).starts_with("-----BEGIN PUBLIC KEY-----"));
            imp.import(&format!("{tag} ssh-keygen -e -m PKCS8"), &f, o, false);
            // The same SPKI through OpenSSL.
            let o2 = tool_stdin("openssl", ["pkey", "-pubin"], &pkcs8.stdout);
            assert!(o2.status.success(), "{}", text(&o2.stderr));
            let f = imp.write(&format!("{tag}.openssl.pub.pem"), &o2.stdout);
            imp.import(&format!("{tag} openssl pkey -pubin (SPKI)"), &f, o, false);
        } else {
            // OpenSSH 9.2 cannot export Ed25519 as PKCS#8.
            assert!(o.key.starts_with("ssh-ed25519"), "{tag}: ssh-keygen -e -m PKCS8 failed: {}", text(&pkcs8.stderr));
        }
    }
    if is_rsa {
        let pem = tool_ok("ssh-keygen", ["-e", "-m", "PEM", "-f", s(pub_file)]);
        assert!(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----"), "{pem}");
        let f = imp.write(&format!("{tag}.pkcs1.pub.pem"), &pem);
        imp.import(&format!("{tag} ssh-keygen -e -m PEM"), &f, o, false);
    }
}

/// Keys made by ssh-keygen: every public form, the private key files (plain, with a
/// passphrase, and converted to PKCS#8 / PEM by ssh-keygen itself).
#[test]
fn import_matches_ssh_keygen_for_ssh_keygen_keys() {
    let mut imp = Importer::new();
    let mut kinds: Vec<(&str, Option<u32>)> = vec![
        ("ed25519", None),
        ("ecdsa", Some(256)),
        ("ecdsa", Some(384)),
        ("ecdsa", Some(521)),
        ("rsa", Some(2048)),
        ("rsa", Some(1024)),
    ];
    let dsa = tool("ssh-keygen", ["-q", "-t", "dsa", "-N", "", "-f", s(&imp.env.path("dsa-probe"))]);
    if dsa.status.success() {
        kinds.push(("dsa", Some(1024)));
    } else {
        eprintln!("note: this ssh-keygen cannot make DSA keys ({}); DSA import not tested", text(&dsa.stderr).trim());
    }
    for (kind, bits) in kinds {
        let tag = format!("{kind}{}", bits.unwrap_or(256));
        let file = imp.env.path(&format!("id_{tag}"));
        ssh_keygen_generate(&file, kind, bits, "", &format!("{tag}@test host"));
        let o = oracle(&pub_of(&file));
        let weak = kind == "dsa" || bits == Some(1024);
        import_public_forms(&mut imp, &tag, &pub_of(&file), &o, kind == "rsa", kind == "dsa");

        let k = imp.import(&format!("{tag} OpenSSH private key"), &file, &o, true);
        assert_eq!(k["weak"], weak, "{tag}: weak");
        assert_eq!(field(&k, "comment"), format!("{tag}@test host"), "{tag}: comment from the private key");

        // Passphrase-protected: the public half imports without the passphrase.
        let enc = imp.env.path(&format!("id_{tag}_enc"));
        ssh_keygen_generate(&enc, kind, bits, "a passphrase", "enc");
        let oe = oracle(&pub_of(&enc));
        imp.import(&format!("{tag} OpenSSH private key with passphrase"), &enc, &oe, true);

        // ssh-keygen's own PKCS#8 and PEM (PKCS#1 / SEC1) private key files.
        if kind == "rsa" || kind == "ecdsa" {
            for (m, label) in [("PKCS8", "-----BEGIN PRIVATE KEY-----"), ("PEM", "")] {
                let conv = imp.env.path(&format!("id_{tag}_{m}"));
                fs::copy(&file, &conv).unwrap();
                tool_ok("ssh-keygen", ["-p", "-q", "-P", "", "-N", "", "-m", m, "-f", s(&conv)]);
                let content = fs::read_to_string(&conv).unwrap();
                let label = if m == "PEM" {
                    if kind == "rsa" {
                        "-----BEGIN RSA PRIVATE KEY-----"
                    } else {
                        "-----BEGIN EC PRIVATE KEY-----"
                    }
                } else {
                    label
                };
                assert!(content.starts_with(label), "{tag} -m {m}: {}", &content[..40]);
                let k = imp.import(&format!("{tag} ssh-keygen -m {m} private key"), &conv, &o, true);
                assert_eq!(k["weak"], weak, "{tag}: weak");
            }
        }
        let all = imp.env.list();
        for k in all.iter().filter(|k| k["fingerprint_sha256"] == o.sha256.as_str()) {
            assert_eq!(k["weak"], weak, "{tag}: every import of the key has weak = {weak}: {k}");
        }
    }
    // A private key piped in has no path to record.
    let file = imp.env.path("id_ed25519256");
    let o = oracle(&pub_of(&file));
    let out = imp.env.run_stdin(["key", "import", "piped", "--stdin"], &fs::read(&file).unwrap());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let k = imp.env.show("piped", &[]);
    assert_eq!(field(&k, "fingerprint_sha256"), o.sha256);
    assert_eq!(k["private_key_path"], Value::Null);
    assert!(imp.checked.len() > 60, "only {} imports checked", imp.checked.len());
}

/// The length of the private scalar in an unencrypted OpenSSH ECDSA private key file.
fn openssh_ecdsa_scalar_len(content: &str) -> usize {
    fn take<'a>(r: &mut &'a [u8]) -> &'a [u8] {
        let len = u32::from_be_bytes(r[..4].try_into().unwrap()) as usize;
        let s = &r[4..4 + len];
        *r = &r[4 + len..];
        s
    }
    let raw = b64decode(&pem_body(content));
    let mut r = &raw["openssh-key-v1\0".len()..];
    for _ in 0..3 {
        take(&mut r); // cipher, kdf, kdf options
    }
    r = &r[4..]; // number of keys
    take(&mut r); // public key
    let mut private = take(&mut r);
    private = &private[8..]; // check ints
    for _ in 0..3 {
        take(&mut private); // type, curve, public point
    }
    take(&mut private).len()
}

/// OpenSSH writes the private scalar as a minimal mpint, so about half of all P-521 keys
/// have a 65-byte (or shorter) scalar. Those must import like any other.
#[test]
fn import_p521_private_key_with_short_scalar() {
    let mut imp = Importer::new();
    let mut found = 0;
    for i in 0..60 {
        let file = imp.env.path(&format!("p521_{i}"));
        ssh_keygen_generate(&file, "ecdsa", Some(521), "", &format!("short{i}"));
        let content = fs::read_to_string(&file).unwrap();
        let len = openssh_ecdsa_scalar_len(&content);
        assert!(len <= 66, "{len}");
        if len == 66 {
            continue;
        }
        let o = oracle(&pub_of(&file));
        let k = imp.import(&format!("P-521 with a {len}-byte scalar"), &file, &o, true);
        assert_eq!(field(&k, "comment"), format!("short{i}"));
        found += 1;
        if found == 2 {
            return;
        }
    }
    panic!("60 P-521 keys from ssh-keygen and fewer than 2 with a short scalar: the helper is wrong");
}

/// Keys made by OpenSSL: PKCS#8, PKCS#1 and SEC1 private keys and their public halves.
#[test]
fn import_matches_ssh_keygen_for_openssl_keys() {
    let mut imp = Importer::new();
    let dir = imp.env.dir.path().to_path_buf();
    let p = |n: &str| dir.join(n);
    let files: Vec<(&str, Vec<&str>)> = vec![
        ("rsa-pkcs8.pem", vec!["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"]),
        ("rsa-genrsa.pem", vec!["genrsa", "-traditional", "-out"]),
        ("p256-pkcs8.pem", vec!["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"]),
        ("p384-pkcs8.pem", vec!["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out"]),
        ("p521-pkcs8.pem", vec!["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out"]),
        ("p256-sec1.pem", vec!["ecparam", "-genkey", "-name", "prime256v1", "-out"]),
        ("p384-sec1.pem", vec!["ecparam", "-genkey", "-name", "secp384r1", "-noout", "-out"]),
        ("p521-sec1.pem", vec!["ecparam", "-genkey", "-name", "secp521r1", "-noout", "-out"]),
        ("ed25519-pkcs8.pem", vec!["genpkey", "-algorithm", "ed25519", "-out"]),
    ];
    for (name, args) in &files {
        let f = p(name);
        let mut a = args.clone();
        a.push(s(&f));
        if name.starts_with("rsa-genrsa") {
            a.push("2048");
        }
        tool_ok("openssl", &a);
    }
    // PKCS#1 from `openssl rsa -traditional` too.
    tool_ok("openssl", ["rsa", "-in", s(&p("rsa-pkcs8.pem")), "-traditional", "-out", s(&p("rsa-trad.pem"))]);

    let mut all: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    all.push("rsa-trad.pem");
    for name in all {
        let f = p(name);
        let content = fs::read_to_string(&f).unwrap();
        let expected_label = if name.contains("pkcs8") {
            "-----BEGIN PRIVATE KEY-----"
        } else if name.starts_with("rsa") {
            "-----BEGIN RSA PRIVATE KEY-----"
        } else if name == "p256-sec1.pem" {
            "-----BEGIN EC PARAMETERS-----" // then the EC PRIVATE KEY, as ecparam writes by default
        } else {
            "-----BEGIN EC PRIVATE KEY-----"
        };
        assert!(content.starts_with(expected_label), "{name}: {}", &content[..40]);

        // The oracle: ssh-keygen -y on the private key, or, for Ed25519 (which OpenSSH 9.2
        // cannot read as PKCS#8), the SSH blob built from OpenSSL's raw public key.
        let pub_file = p(&format!("{name}.pub"));
        let y = tool("ssh-keygen", ["-y", "-f", s(&f)]);
        if y.status.success() {
            fs::write(&pub_file, &y.stdout).unwrap();
        } else {
            assert!(name.starts_with("ed25519"), "ssh-keygen -y {name}: {}", text(&y.stderr));
            let der = openssl_pubout(&f, true);
            let mut blob = Vec::new();
            blob.extend_from_slice(&11u32.to_be_bytes());
            blob.extend_from_slice(b"ssh-ed25519");
            blob.extend_from_slice(&32u32.to_be_bytes());
            blob.extend_from_slice(&last32(&der));
            fs::write(&pub_file, format!("ssh-ed25519 {}\n", b64encode(&blob))).unwrap();
        }
        let o = oracle(&pub_file);
        let k = imp.import(&format!("openssl {name} private key"), &f, &o, true);
        assert_eq!(k["weak"], false);

        let spki = imp.write(&format!("{name}.spki.pem"), openssl_pubout(&f, false));
        imp.import(&format!("openssl {name} pkey -pubout"), &spki, &o, false);
        if name.starts_with("rsa") {
            let pkcs1 = tool_ok("openssl", ["rsa", "-in", s(&f), "-RSAPublicKey_out"]);
            assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
            let f = imp.write(&format!("{name}.pkcs1.pub.pem"), pkcs1);
            imp.import(&format!("openssl {name} -RSAPublicKey_out"), &f, &o, false);
        }
        // CRLF line endings and a BOM on a PEM file.
        let crlf = imp.write(&format!("{name}.crlf"), format!("\u{feff}\r\n{}", content.replace('\n', "\r\n")));
        imp.import(&format!("openssl {name} with BOM and CRLF"), &crlf, &o, true);
    }
}

/// An authorized_keys file with a mix of key types, options, comments and blank lines.
struct BulkFile {
    text: String,
    /// Line number (1-based) of each key, in order.
    key_lines: Vec<usize>,
}

fn mixed_keys(env: &Env) -> Vec<String> {
    use keyshelf::keys::{GeneratedKey, KeyKind, KeySpec};
    let mut keys = Vec::new();
    let specs: Vec<(KeyKind, Option<u32>, usize)> = vec![
        (KeyKind::Ed25519, None, 20),
        (KeyKind::Ecdsa, Some(256), 6),
        (KeyKind::Ecdsa, Some(384), 6),
        (KeyKind::Ecdsa, Some(521), 6),
        (KeyKind::Rsa, Some(2048), 4),
    ];
    for (kind, bits, n) in specs {
        for i in 0..n {
            let k = GeneratedKey::generate(KeySpec::new(kind, bits).unwrap(), &format!("user{i}@{kind}")).unwrap();
            keys.push(k.info().openssh.clone());
        }
    }
    // A few from ssh-keygen itself, including weak ones.
    let mut extra: Vec<(&str, Option<u32>)> = vec![("ed25519", None), ("ecdsa", Some(384)), ("rsa", Some(1024))];
    if tool("ssh-keygen", ["-q", "-t", "dsa", "-N", "", "-f", s(&env.path("dsa-probe"))]).status.success() {
        extra.push(("dsa", None));
    }
    for (i, (kind, bits)) in extra.into_iter().enumerate() {
        let f = env.path(&format!("bulk_{i}"));
        ssh_keygen_generate(&f, kind, bits, "", "");
        keys.push(fs::read_to_string(pub_of(&f)).unwrap().trim().to_string());
    }
    keys
}

fn bulk_file(keys: &[String], bad_after: Option<usize>) -> BulkFile {
    let options = [
        "",
        "command=\"echo \\\"hi there\\\"\",no-pty ",
        "restrict ",
        "from=\"10.0.0.*,!10.0.0.5\",no-agent-forwarding ",
        "environment=\"A=b c\" ",
    ];
    let mut text = String::from("# team keys\n\n");
    let mut line = 2;
    let mut key_lines = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        if i % 7 == 3 {
            text.push_str("\n# -- next group --\n");
            line += 2;
        }
        if Some(i) == bad_after {
            text.push_str("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBROKEN!! broken@line\n");
            line += 1;
        }
        text.push_str(options[i % options.len()]);
        text.push_str(k);
        text.push('\n');
        line += 1;
        key_lines.push(line);
    }
    BulkFile { text, key_lines }
}

#[test]
fn bulk_import_of_authorized_keys() {
    let env = Env::new();
    let keys = mixed_keys(&env);
    assert!(keys.len() >= 45, "{}", keys.len());
    let good = bulk_file(&keys, None);
    let ak = env.write("authorized_keys", &good.text);
    // The oracle: ssh-keygen -l reads authorized_keys files (options and all).
    let l = tool_ok("ssh-keygen", ["-l", "-f", s(&ak)]);
    let sha: Vec<String> = l.lines().map(|l| l.split_whitespace().nth(1).unwrap().to_string()).collect();
    let l = tool_ok("ssh-keygen", ["-l", "-E", "md5", "-f", s(&ak)]);
    let md5: Vec<String> = l.lines().map(|l| l.split_whitespace().nth(1).unwrap().to_string()).collect();
    assert_eq!(sha.len(), keys.len(), "ssh-keygen -l read every line");

    // One bad line in the middle: nothing is imported and the line is named.
    let bad_at = 25;
    let bad = bulk_file(&keys, Some(bad_at));
    let bad_line = bad.key_lines[bad_at] - 1;
    let bad_file = env.write("authorized_keys.bad", &bad.text);
    assert_eq!(
        bad.text.lines().nth(bad_line - 1).unwrap(),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBROKEN!! broken@line"
    );
    let err = env.fails(["key", "import", "--all", "--file", s(&bad_file), "--name-prefix", "team-"]);
    assert!(err.contains(&format!("line {bad_line}:")), "error must name line {bad_line}: {err}");
    assert!(err.contains("--skip-invalid"), "{err}");
    assert!(env.list().is_empty(), "a refused bulk import must import nothing");
    assert_eq!(env.activity_count(), 0);

    // --skip-invalid imports the rest and reports the line.
    let out = env.ok(["key", "import", "--all", "--file", s(&bad_file), "--name-prefix", "team-", "--skip-invalid"]);
    assert!(out.contains(&format!("Imported {} key pair(s)", keys.len())), "{out}");
    assert!(out.contains(&format!("Skipped line {bad_line}:")), "{out}");
    let list = env.list();
    assert_eq!(list.len(), keys.len());
    for (i, (sha, md5)) in sha.iter().zip(&md5).enumerate() {
        let name = format!("team-{}", i + 1);
        let k = list.iter().find(|k| k["name"] == name.as_str()).unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(field(k, "fingerprint_sha256"), sha, "{name} (line {})", bad.key_lines[i]);
        assert_eq!(field(k, "fingerprint_md5"), md5, "{name}");
        assert_eq!(type_and_blob(field(k, "public_key")), type_and_blob(&keys[i]), "{name}");
        assert_eq!(k["private_key_path"], Value::Null);
        let weak = keys[i].starts_with("ssh-dss") || (keys[i].starts_with("ssh-rsa") && k["bits"] == 1024);
        assert_eq!(k["weak"], weak, "{name}");
    }

    // The clean file into a region: every key, prefixed names, one transaction.
    let out = env.ok(["key", "import", "--all", "--file", s(&ak), "--name-prefix", "ak-", "--region", "eu-west-1"]);
    assert!(out.contains(&format!("Imported {} key pair(s)", keys.len())), "{out}");
    let region: Vec<Value> = env.list().into_iter().filter(|k| k["region"] == "eu-west-1").collect();
    assert_eq!(region.len(), keys.len());
    for (i, sha) in sha.iter().enumerate() {
        let k = region.iter().find(|k| k["name"] == format!("ak-{}", i + 1).as_str()).unwrap();
        assert_eq!(field(k, "fingerprint_sha256"), sha);
    }

    // Without a prefix, names come from the comments, made unique.
    let small = format!("{}\n{}\n{}\n", keys[0], keys[1], keys[2]);
    let f = env.write("small", small.replace("user1@Ed25519", "user0@Ed25519"));
    env.ok(["key", "import", "--all", "--file", s(&f), "--region", "r2"]);
    let names: Vec<String> = env
        .list()
        .into_iter()
        .filter(|k| k["region"] == "r2")
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["user0-Ed25519", "user0-Ed25519-2", "user2-Ed25519"], "names from comments");

    // Standard input works the same.
    let out = env.run_stdin(["key", "import", "--all", "--stdin", "--region", "r3"], good.text.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(env.list().iter().filter(|k| k["region"] == "r3").count(), keys.len());
}

#[test]
fn export_is_read_back_by_ssh_keygen_and_openssl() {
    let env = Env::new();
    let mut keys: Vec<(String, PathBuf)> = Vec::new();
    for (kind, bits) in
        [("ed25519", None), ("ecdsa", Some(256)), ("ecdsa", Some(384)), ("ecdsa", Some(521)), ("rsa", Some(2048))]
    {
        let name = format!("exp-{kind}{}", bits.unwrap_or(256));
        let f = env.path(&name);
        ssh_keygen_generate(&f, kind, bits, "", &format!("{name} comment with spaces"));
        env.ok(["key", "import", &name, "--file", s(&pub_of(&f))]);
        keys.push((name, pub_of(&f)));
    }
    let f = env.path("made-here");
    env.ok(["key", "create", "made-here", "--type", "rsa", "--bits", "2048", "--out", s(&f)]);
    keys.push(("made-here".into(), pub_of(&f)));

    for (name, pub_file) in &keys {
        let line = fs::read_to_string(pub_file).unwrap();
        let expected = type_and_blob(&line);
        let is_ed = expected.starts_with("ssh-ed25519");

        let openssh = env.ok(["key", "export", name, "--format", "openssh"]);
        assert_eq!(openssh, line, "{name}: --format openssh is the .pub line");
        assert_eq!(env.ok(["key", "export", name]), line, "{name}: openssh is the default");

        let rfc = env.ok(["key", "export", name, "--format", "rfc4716"]);
        assert!(rfc.starts_with("---- BEGIN SSH2 PUBLIC KEY ----\n"), "{rfc}");
        assert!(rfc.lines().all(|l| l.len() <= 72), "RFC 4716 lines are at most 72 bytes: {rfc}");
        let rf = env.write(&format!("{name}.rfc"), &rfc);
        let back = tool_ok("ssh-keygen", ["-i", "-m", "RFC4716", "-f", s(&rf)]);
        assert_eq!(type_and_blob(&back), expected, "{name}: ssh-keygen -i -m RFC4716");

        let pkcs8 = env.ok(["key", "export", name, "--format", "pkcs8"]);
        assert!(pkcs8.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pkcs8}");
        let pf = env.write(&format!("{name}.pkcs8"), &pkcs8);
        let der = tool("openssl", ["pkey", "-pubin", "-in", s(&pf), "-outform", "DER"]);
        assert!(der.status.success(), "{name}: openssl pkey -pubin: {}", text(&der.stderr));
        if is_ed {
            let blob = b64decode(expected.split_whitespace().nth(1).unwrap());
            assert_eq!(last32(&der.stdout), last32(&blob), "{name}: raw Ed25519 key");
        } else {
            let back = tool_ok("ssh-keygen", ["-i", "-m", "PKCS8", "-f", s(&pf)]);
            assert_eq!(type_and_blob(&back), expected, "{name}: ssh-keygen -i -m PKCS8");
            // Same DER as ssh-keygen's own PKCS#8 export.
            let theirs = tool_ok("ssh-keygen", ["-e", "-m", "PKCS8", "-f", s(pub_file)]);
            let theirs = tool_stdin("openssl", ["pkey", "-pubin", "-outform", "DER"], theirs.as_bytes());
            assert_eq!(der.stdout, theirs.stdout, "{name}: SPKI DER equals ssh-keygen -e -m PKCS8");
        }
    }

    // --out: written once, refused when present, replaced with --force.
    let (name, _) = &keys[0];
    let out = env.path("exported.pub");
    env.ok(["key", "export", name, "--out", s(&out)]);
    let first = fs::read_to_string(&out).unwrap();
    assert_eq!(type_and_blob(&first), type_and_blob(&fs::read_to_string(&keys[0].1).unwrap()));
    let err = env.fails(["key", "export", name, "--format", "rfc4716", "--out", s(&out)]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(fs::read_to_string(&out).unwrap(), first, "a refused export must not touch the file");
    env.ok(["key", "export", name, "--format", "rfc4716", "--out", s(&out), "--force"]);
    assert!(fs::read_to_string(&out).unwrap().starts_with("---- BEGIN SSH2"));

    let err = env.fails(["key", "export", name, "--format", "ppk"]);
    assert!(err.contains("ppk"), "{err}");
    let err = env.fails(["key", "export", "no-such-key"]);
    assert!(err.contains("no-such-key"), "{err}");
}

#[test]
fn search_finds_keys_by_every_fingerprint_form() {
    let env = Env::new();
    let f = env.path("web");
    env.ok([
        "key",
        "create",
        "web-prod-01",
        "--type",
        "rsa",
        "--bits",
        "2048",
        "--out",
        s(&f),
        "--tag",
        "env=prod",
        "--tag",
        "team=ops",
    ]);
    let g = env.path("ed");
    env.ok(["key", "create", "laptop", "--out", s(&g), "--tag", "env=dev"]);
    let other = env.path("other");
    ssh_keygen_generate(&other, "ecdsa", Some(256), "", "someone@else");
    env.ok(["key", "import", "unrelated", "--file", s(&pub_of(&other))]);

    for (name, file) in [("web-prod-01", &f), ("laptop", &g)] {
        let pub_file = pub_of(file);
        let sha = ssh_keygen_fingerprint(&pub_file, false);
        let md5 = ssh_keygen_fingerprint(&pub_file, true);
        let k = env.show(name, &[]);
        let aws = field(&k, "aws_fingerprint").to_string();
        let sha_plain = sha.strip_prefix("SHA256:").unwrap().to_string();
        let md5_hex = md5.strip_prefix("MD5:").unwrap().to_string();
        let queries = [
            sha.clone(),
            sha_plain.clone(),
            format!("sha256:{sha_plain}"),
            format!("{sha_plain}="),
            md5.clone(),
            md5_hex.clone(),
            md5_hex.replace(':', ""),
            md5_hex.to_ascii_uppercase(),
            format!("MD5:{}", md5_hex.replace(':', "")),
            aws.clone(),
            format!("  {sha}  "),
        ];
        for q in &queries {
            assert_eq!(env.search(q), vec![name.to_string()], "search {q:?}");
            let shown = env.show(q, &[]);
            assert_eq!(shown["name"], name, "key show {q:?}");
        }
        if name == "web-prod-01" {
            assert_eq!(aws.len(), 59, "generated RSA: SHA-1 colon hex");
            assert_eq!(env.search(&aws.replace(':', "")), vec![name.to_string()]);
        }
    }
    assert_eq!(env.search("env=prod"), vec!["web-prod-01"]);
    assert_eq!(env.search("env="), vec!["laptop", "web-prod-01"]);
    assert_eq!(env.search("team=ops"), vec!["web-prod-01"]);
    assert_eq!(env.search("prod-0"), vec!["web-prod-01"]);
    assert_eq!(env.search("PROD-0"), vec!["web-prod-01"], "name search ignores case");
    assert_eq!(env.search("someone@else"), vec!["unrelated"], "by comment");
    for q in [
        "nothing-like-this",
        "env=staging",
        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "MD5:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
        "%",
        "_",
    ] {
        assert!(env.search(q).is_empty(), "search {q:?} found {:?}", env.search(q));
    }
    assert_eq!(env.search("").len(), 3, "an empty search lists everything");
}
