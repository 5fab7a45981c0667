//! What each fuzz target checks, shared by the targets (`fuzz_targets/*.rs`) and by
//! `tests/fuzz_regressions.rs`, which replays every saved crash and the committed
//! corpus through the same checks in the ordinary `cargo test`.
//!
//! Each function takes the raw input, must not panic for any input other than through
//! an invariant that does not hold, and uses only Keyshelf's public API.

#![allow(dead_code)] // each fuzz target uses one of these checks

use std::collections::HashSet;
use std::path::Path;

use keyshelf::cli::known_hosts::{json_report, text_report};
use keyshelf::keys::{export_public, parse_bulk, parse_key, PublicFormat};
use keyshelf::known_hosts::{plan_bytes, HostQuery};

/// Single-key import: every format `keyshelf key import` and the app's import dialog
/// accept (OpenSSH lines with options, RFC 4716, PEM public keys, OpenSSH / PKCS#8 /
/// PKCS#1 / SEC1 private keys) goes through `parse_key`.
///
/// A key that is accepted must survive its own export: each public format Keyshelf
/// writes reads back as the same key (same SHA-256 fingerprint), and the OpenSSH and
/// RFC 4716 forms keep the comment, which is one line without control characters.
pub fn check_parse_key(data: &[u8]) {
    let Ok(parsed) = parse_key(data) else { return };
    let info = &parsed.info;
    assert!(info.fingerprint_sha256.starts_with("SHA256:"), "{info:?}");
    assert!(info.fingerprint_md5.starts_with("MD5:"), "{info:?}");
    assert!(!info.openssh.chars().any(|c| c.is_control() && c != '\t'), "control characters in {:?}", info.openssh);
    assert_eq!(info.comment, info.comment.trim(), "the comment has spaces at its ends");
    for format in [PublicFormat::OpenSsh, PublicFormat::Rfc4716, PublicFormat::Pkcs8] {
        let Ok(text) = export_public(&parsed.key, format) else { continue };
        let back = parse_key(text.as_bytes())
            .unwrap_or_else(|e| panic!("{format:?} export does not read back ({e}):\n{text}"));
        assert_eq!(back.info.fingerprint_sha256, info.fingerprint_sha256, "{format:?} export:\n{text}");
        if format != PublicFormat::Pkcs8 {
            assert_eq!(back.info.comment, info.comment, "{format:?} export changed the comment:\n{text}");
        }
    }
}

/// Bulk import (`keyshelf key import --all`, the app's "import a whole file"): an
/// `authorized_keys`-style file, one key per line, read by `parse_bulk`.
///
/// Every reported line number is a real, non-blank, non-comment line of the input; no
/// line is both imported and rejected; lines come in file order; and an imported key's
/// OpenSSH line reads back alone (through `parse_key`) as the same key.
pub fn check_parse_bulk(data: &[u8]) {
    let Ok((entries, errors)) = parse_bulk(data) else { return };
    let text =
        std::str::from_utf8(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)).expect("accepted input is UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let mut seen = HashSet::new();
    for line in entries.iter().map(|e| e.line).chain(errors.iter().map(|e| e.line)) {
        assert!(line >= 1 && line <= lines.len(), "line {line} of {}", lines.len());
        let l = lines[line - 1].trim();
        assert!(!l.is_empty() && !l.starts_with('#'), "line {line} is blank or a comment: {l:?}");
        assert!(seen.insert(line), "line {line} reported twice");
    }
    assert!(entries.windows(2).all(|w| w[0].line < w[1].line), "entries out of order");
    assert!(errors.windows(2).all(|w| w[0].line < w[1].line), "errors out of order");
    for e in &errors {
        assert!(!e.message.is_empty(), "empty message for line {}", e.line);
    }
    for e in entries.iter().take(8) {
        let again = parse_key(e.info.openssh.as_bytes())
            .unwrap_or_else(|err| panic!("line {}: {:?} does not read back: {err}", e.line, e.info.openssh));
        assert_eq!(again.info.fingerprint_sha256, e.info.fingerprint_sha256);
        assert_eq!(again.info.comment, e.info.comment, "line {}: the comment does not read back", e.line);
    }
}

/// Lines of `bytes`, each with its `\n` (a last line without one counts too).
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|b| *b == b'\n').collect()
}

/// The queries of a `known_hosts_plan` input: up to 4 words of its first line, plus
/// the host patterns of the file's first 3 lines (so that matches are likely).
fn queries(head: &[u8], file: &[u8]) -> Vec<HostQuery> {
    let mut words: Vec<String> =
        String::from_utf8_lossy(head).split(' ').filter(|w| !w.is_empty()).take(4).map(str::to_string).collect();
    for line in lines(file).into_iter().take(3) {
        let text = String::from_utf8_lossy(line);
        let mut fields = text.split([' ', '\t']).filter(|f| !f.is_empty());
        let hosts = match fields.next() {
            Some(m) if m.starts_with('@') => fields.next(),
            other => other,
        };
        words.extend(hosts.into_iter().flat_map(|h| h.split(',')).take(3).map(str::to_string));
    }
    words.iter().filter_map(|w| HostQuery::parse(w).ok()).collect()
}

fn check_order(what: &str, numbers: &[usize], total: usize) {
    assert!(numbers.iter().all(|n| (1..=total).contains(n)), "{what}: {numbers:?} out of 1..={total}");
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{what}: {numbers:?} not distinct and in order");
}

/// known_hosts reading and matching (`keyshelf known-hosts remove`, the app's
/// known_hosts view): `plan_bytes` over arbitrary file bytes. The input's first line
/// holds host queries separated by spaces (as a user types them); the rest is the file.
///
/// Removed, kept and malformed line numbers are in range, distinct and in file order,
/// and no line is both removed and kept; `remaining_bytes` is exactly the original with
/// the removed lines (terminators included) cut out; planning the result again removes
/// nothing (a line's verdict depends on that line alone); the reports render.
pub fn check_known_hosts_plan(data: &[u8]) {
    let (head, file) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let queries = queries(head, file);
    let plan = plan_bytes(Path::new("known_hosts"), file.to_vec(), &queries);
    assert_eq!(plan.original_bytes(), file);

    let all = lines(file);
    let removed: Vec<usize> = plan.removed.iter().map(|r| r.line).collect();
    let kept: Vec<usize> = plan.kept.iter().map(|k| k.line).collect();
    let malformed: Vec<usize> = plan.malformed.iter().map(|m| m.line).collect();
    check_order("removed", &removed, all.len());
    check_order("kept", &kept, all.len());
    check_order("malformed", &malformed, all.len());
    // Sets, not `Vec::contains`: a file of megabytes has tens of thousands of lines.
    let removed_set: HashSet<usize> = removed.iter().copied().collect();
    for n in kept.iter().chain(&malformed) {
        assert!(!removed_set.contains(n), "line {n} is removed and kept");
    }
    if queries.is_empty() {
        assert!(plan.removed.is_empty() && plan.kept.is_empty(), "no query, yet lines concern a host");
    }

    let expected: Vec<u8> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !removed_set.contains(&(i + 1)))
        .flat_map(|(_, l)| l.iter().copied())
        .collect();
    let remaining = plan.remaining_bytes();
    assert_eq!(remaining, expected, "remaining bytes are not the original minus the removed lines");
    let cut: usize = removed.iter().map(|n| all[n - 1].len()).sum();
    assert_eq!(remaining.len(), file.len() - cut);

    let again = plan_bytes(Path::new("known_hosts"), remaining, &queries);
    assert!(again.removed.is_empty(), "a second pass removes more: {:?}", again.removed);
    assert_eq!(again.kept.len(), plan.kept.len());
    assert_eq!(again.malformed.len(), plan.malformed.len());

    let _ = json_report(&plan, None).to_string();
    let _ = text_report(&plan, Some(Path::new("known_hosts.old")), false);
    let _ = text_report(&plan, None, true);
}

/// Host queries as users type them (`keyshelf known-hosts remove HOST...`, the app's
/// host field): `HostQuery::parse`.
///
/// An accepted host is non-empty, lower case, free of spaces, control characters and
/// the characters known_hosts gives a meaning to, with a port in 1..=65535; and its
/// known_hosts form (`to_string`, which the reports show) parses back to the same query.
pub fn check_host_query(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let Ok(q) = HostQuery::parse(input) else { return };
    assert!(!q.host.is_empty(), "{input:?}");
    assert_ne!(q.port, 0, "{input:?}");
    assert_eq!(q.host, q.host.to_ascii_lowercase(), "{input:?}");
    assert!(!q.host.chars().any(|c| c.is_whitespace() || c.is_control()), "{input:?} -> {q:?}");
    assert!(!q.host.contains(['*', '?', '!', ',', '[', ']', '|', '#', '@']), "{input:?} -> {q:?}");
    let shown = q.to_string();
    let back = HostQuery::parse(&shown).unwrap_or_else(|e| panic!("{input:?} -> {shown:?} does not parse back: {e}"));
    assert_eq!(back, q, "{input:?} -> {shown:?}");
}
