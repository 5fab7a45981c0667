//! Every input the fuzzers (see FUZZING.md) ever failed on, and the committed corpus,
//! replayed through the fuzz targets' own checks (`fuzz/invariants.rs`) in the
//! ordinary `cargo test`, without cargo fuzz or a nightly toolchain. A new crash is
//! added by copying its artifact to `fuzz/regressions/<target>/` under a name that
//! says what it was; the tests below also pin down the behaviour each fix chose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

#[path = "../fuzz/invariants.rs"]
mod invariants;

use std::path::{Path, PathBuf};

use keyshelf::keys::{export_public, parse_bulk, parse_key, PublicFormat};
use keyshelf::known_hosts::HostQuery;

/// The files of `fuzz/<kind>/<target>/`, sorted (none if the folder is missing).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.expect("read_dir entry").path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Runs `check` over every saved crash and corpus file of `target`; returns how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let mut n = 0;
    for kind in ["regressions", "corpus"] {
        for file in inputs(kind, target) {
            let data = std::fs::read(&file).expect("read fuzz input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails the {target} checks again", file.display());
            n += 1;
        }
    }
    eprintln!("{target}: {n} inputs replayed");
    n
}

#[test]
fn parse_key_crashes_and_corpus_replay_clean() {
    assert!(replay("parse_key", invariants::check_parse_key) >= 2);
}

#[test]
fn parse_bulk_crashes_and_corpus_replay_clean() {
    assert!(replay("parse_bulk", invariants::check_parse_bulk) >= 1);
}

#[test]
fn known_hosts_plan_corpus_replays_clean() {
    replay("known_hosts_plan", invariants::check_known_hosts_plan);
}

#[test]
fn host_query_crashes_and_corpus_replay_clean() {
    assert!(replay("host_query", invariants::check_host_query) >= 1);
}

const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

/// fuzz/regressions/parse_key/rfc4716-comment-with-spaces-inside-quotes: an RFC 4716
/// `Comment: " x "` kept its spaces, which the OpenSSH line cannot hold, so the key
/// read back from its own export had another comment.
#[test]
fn rfc4716_comments_lose_the_spaces_an_openssh_line_cannot_keep() {
    let block = format!(
        "---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"  made by  PuTTYgen \"\n{ED}\n---- END SSH2 PUBLIC KEY ----\n"
    );
    let k = parse_key(block.as_bytes()).unwrap();
    assert_eq!(k.info.comment, "made by  PuTTYgen");
    assert_eq!(k.info.openssh, format!("ssh-ed25519 {ED} made by  PuTTYgen"));
}

/// fuzz/regressions/parse_key/rfc4716-fold-before-a-space: a long comment folded just
/// before a space started the continuation line with it, and readers trim lines.
#[test]
fn rfc4716_export_never_starts_a_continuation_line_with_a_space() {
    for pad in 0..80 {
        let comment =
            format!("x{} {}  two spaces and one \\ backslash {}", "a".repeat(pad), "b".repeat(60), "c".repeat(70));
        let k = parse_key(format!("ssh-ed25519 {ED} {comment}").as_bytes()).unwrap();
        let text = export_public(&k.key, PublicFormat::Rfc4716).unwrap();
        for line in text.lines().skip(2) {
            assert!(!line.starts_with(char::is_whitespace), "pad {pad}: continuation line {line:?}");
        }
        assert_eq!(parse_key(text.as_bytes()).unwrap().info.comment, comment, "pad {pad}:\n{text}");
    }
}

/// fuzz/regressions/parse_bulk/control-characters-in-comment: bulk import took a line
/// whose comment held NUL and other control characters (single import refuses them),
/// and would have stored them.
#[test]
fn bulk_import_refuses_lines_with_control_characters_and_keeps_the_rest() {
    let input = format!("ssh-ed25519 {ED} ok\nssh-ed25519 {ED} bad\u{1}\0comment\nssh-ed25519 {ED} esc\u{1b}[31m\n");
    let (ok, bad) = parse_bulk(input.as_bytes()).unwrap();
    assert_eq!(ok.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1]);
    assert_eq!(bad.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
    assert!(bad[0].message.contains("control character"), "{}", bad[0]);
    // A tab inside a comment is text, and is kept.
    let (ok, bad) = parse_bulk(format!("ssh-ed25519 {ED} a\tb\r\n").as_bytes()).unwrap();
    assert!(bad.is_empty());
    assert_eq!(ok[0].info.comment, "a\tb");
}

/// A private key file's comment is binary data: a newline in it must not split the
/// OpenSSH line Keyshelf stores and exports (an `authorized_keys` line injection).
#[test]
fn comments_from_any_format_become_one_clean_line() {
    let mut private = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519).unwrap();
    private.set_comment(format!(" me\nssh-ed25519 {ED} intruder\r\n"));
    let pem = private.to_openssh(ssh_key::LineEnding::LF).unwrap();
    let k = parse_key(pem.as_bytes()).unwrap();
    assert_eq!(k.info.comment, format!("me ssh-ed25519 {ED} intruder"));
    assert_eq!(k.info.openssh.lines().count(), 1, "{:?}", k.info.openssh);
    let k = parse_key(format!("ssh-ed25519 {ED} a\rb").as_bytes()).unwrap();
    assert_eq!(k.info.comment, "a b");
}

/// fuzz/regressions/host_query/bracketed-host-with-one-colon: `[a:7]:22` was host
/// `a:7` on port 22, shown as `a:7`, which reads back as host `a` on port 7.
#[test]
fn a_host_with_a_single_colon_is_refused_and_ipv6_still_works() {
    for bad in ["[a:7]:22", "[200d1:7]", "[host:]:2222"] {
        let e = HostQuery::parse(bad).expect_err(bad).to_string();
        assert!(e.contains("cannot contain ':'"), "{bad}: {e}");
    }
    for (ok, shown) in [("[::1]:22", "::1"), ("[fe80::1]:2222", "[fe80::1]:2222"), ("host:2222", "[host]:2222")] {
        let q = HostQuery::parse(ok).expect(ok);
        assert_eq!(q.to_string(), shown);
        assert_eq!(HostQuery::parse(shown).expect(shown), q);
    }
}
