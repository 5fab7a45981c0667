//! RSA keys from the parallel prime search (what `GeneratedKey::generate` now uses),
//! checked by the real tools: `ssh-keygen -y` derives the same public key from every
//! private format, `openssl pkey -check` / `openssl rsa -check` accept the key, the
//! modulus has exactly the requested size and e = 65537, and OpenSSH's iqmp (q^-1 mod p)
//! survives a round trip through `ssh-keygen -p -m PEM` that OpenSSL then checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use std::path::Path;

use common::{s, text, tool, tool_ok, type_and_blob};
use keyshelf::keys::{GeneratedKey, KeyKind, KeySpec, PrivateFormat};

/// `openssl rsa -text` facts: (modulus bits, number of primes, public exponent line).
fn openssl_rsa_text(file: &Path) -> (u32, u32, String) {
    let t = tool_ok("openssl", ["rsa", "-in", s(file), "-noout", "-text"]);
    // "Private-Key: (2048 bit, 2 primes)"
    let head = t.lines().find(|l| l.contains("Private-Key:")).unwrap_or_default().to_string();
    let nums: Vec<u32> =
        head.split(|c: char| !c.is_ascii_digit()).filter(|w| !w.is_empty()).filter_map(|w| w.parse().ok()).collect();
    let exp = t.lines().find(|l| l.starts_with("publicExponent")).unwrap_or_default().trim().to_string();
    (nums.first().copied().unwrap_or(0), nums.get(1).copied().unwrap_or(0), exp)
}

fn check_key(bits: u32) {
    let dir = tempfile::tempdir().unwrap();
    let key = GeneratedKey::generate(KeySpec::new(KeyKind::Rsa, Some(bits)).unwrap(), "parallel@test").unwrap();
    let public = key.info().openssh.clone();
    assert_eq!(key.info().bits, bits);
    // ssh-keygen and openssl do not read PuTTY's .ppk: tests/ppk.rs checks it with PuTTYgen.
    for format in PrivateFormat::ALL.into_iter().filter(|f| *f != PrivateFormat::Ppk) {
        let what = format!("RSA {bits} {}", format.label());
        let file = dir.path().join(format!("k-{}", format.label().replace([' ', '#'], "")));
        key.write_private(&file, format, None, false).unwrap();

        let y = tool("ssh-keygen", ["-y", "-f", s(&file)]);
        assert!(y.status.success(), "{what}: ssh-keygen -y: {}", text(&y.stderr));
        assert_eq!(type_and_blob(&text(&y.stdout)), type_and_blob(&public), "{what}: ssh-keygen -y derives the key");

        if format != PrivateFormat::OpenSsh {
            let check = tool("openssl", ["pkey", "-in", s(&file), "-noout", "-check"]);
            assert!(
                check.status.success() && text(&check.stdout).contains("Key is valid"),
                "{what}: openssl pkey -check: {}{}",
                text(&check.stdout),
                text(&check.stderr)
            );
            let check = tool("openssl", ["rsa", "-in", s(&file), "-noout", "-check"]);
            assert!(
                check.status.success() && text(&check.stdout).contains("RSA key ok"),
                "{what}: openssl rsa -check: {}{}",
                text(&check.stdout),
                text(&check.stderr)
            );
            let (n_bits, primes, exp) = openssl_rsa_text(&file);
            assert_eq!(n_bits, bits, "{what}: modulus size");
            assert_eq!(primes, 2, "{what}: two primes");
            assert_eq!(exp, "publicExponent: 65537 (0x10001)", "{what}: e");
        } else {
            // OpenSSH reads p, q and iqmp from its own format and writes them as PKCS#1
            // with `-p -m PEM`; OpenSSL then checks iqmp = q^-1 mod p among the rest.
            let copy = dir.path().join("openssh-to-pem");
            std::fs::copy(&file, &copy).unwrap();
            tool_ok("ssh-keygen", ["-p", "-m", "PEM", "-N", "", "-P", "", "-f", s(&copy)]);
            let pem = std::fs::read_to_string(&copy).unwrap();
            assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{what}: ssh-keygen wrote PKCS#1");
            let check = tool("openssl", ["rsa", "-in", s(&copy), "-noout", "-check"]);
            assert!(
                check.status.success() && text(&check.stdout).contains("RSA key ok"),
                "{what}: openssl rsa -check after ssh-keygen -p -m PEM (iqmp convention): {}{}",
                text(&check.stdout),
                text(&check.stderr)
            );
            assert_eq!(openssl_rsa_text(&copy).0, bits, "{what}: modulus size");
        }
    }
}

#[test]
fn parallel_rsa_2048_keys_pass_ssh_keygen_and_openssl_checks() {
    for _ in 0..3 {
        check_key(2048);
    }
}

#[test]
fn parallel_rsa_3072_key_passes_ssh_keygen_and_openssl_checks() {
    check_key(3072);
}

#[test]
fn parallel_rsa_4096_key_passes_ssh_keygen_and_openssl_checks() {
    check_key(4096);
}

#[test]
fn parallel_rsa_keys_differ() {
    let spec = KeySpec::new(KeyKind::Rsa, Some(2048)).unwrap();
    let a = GeneratedKey::generate(spec, "").unwrap();
    let b = GeneratedKey::generate(spec, "").unwrap();
    assert_ne!(a.info().fingerprint_sha256, b.info().fingerprint_sha256);
}
