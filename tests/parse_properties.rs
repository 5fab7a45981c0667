//! Properties of the parsers of user input over large generated inputs, through the
//! public API: single-key import around and far past its 1 MiB cap, and the known_hosts
//! plan over files of megabytes (checked by the fuzz target's own invariants). Bulk
//! import's parallel path has its own properties next to it (`keys::parse::properties`).
//!
//! Inputs: any UTF-8 (multibyte, U+FEFF, CJK, emoji, combining marks) and, for
//! known_hosts, any bytes; `\n`, `\r\n`, lone `\r`, no terminator at the end. Big inputs
//! are a few generated lines repeated in a generated order, so a case is cheap to make.
//! `PROPTEST_CASES=200 cargo test --test parse_properties` runs more cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

#[path = "../fuzz/invariants.rs"]
mod invariants;

use keyshelf::keys::{parse_key, KeyError, MAX_SINGLE_KEY_BYTES};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

/// Throwaway keys made with `ssh-keygen` for these tests, with their `ssh-keygen -l`.
const KEYS: &[(&str, &str)] = &[
    (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXO7psk2Y+cth2NwiieCqNEMFS4kL4yqZs8uGwZyxH1",
        "SHA256:bnvIej8NcMR/dQ2euODzXt8tkkvBmlPrI/IunyF0gEo",
    ),
    (
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLJa0fNPI/a51EwDBkQaCPd+5xOVjQNvkVRi95aYd7mNbljtVFoKUi4Xbf7oXu8fCyFMQlw/cHG14fytG+kA0Cc=",
        "SHA256:5ZtJkhwmk0clqqTGPrh+SOITjbEdDfq/gqUz27zS0gc",
    ),
    (
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDa72mL/8Nild3Qx+B521en9uDuOHXWNaj9rTefGDe+5cYfIsiQfPmGM5+Hn69DG6fjlGIPz29U02Y5Gt2IQwevAq+7XeDr4kFPya7hrZ87NkZHiXk0p2kfYWMunktcHbLiv2LwHJuGHJzKeVhID1P1neYa+8a/eeq52RZaEFwnuNI1qW4dXmmbfswd0Qbb3O28WtcTjV9jar+HJNJCbqr2O2fpbUv30HOtMRwY4YjDQwDSlL8s6us56jWeMtUJDBpG6P9uFk6QG5K/RGOb1Jytoq8pYfnF2V1hBhARApGt2nzkePXEMG9gw0lsm7RFOjk+RRz6qc4cBRvzvKD6AjNB",
        "SHA256:DnTFncwEkbOLtPpZa8GaS9xfCTi1NEHrBY+U3vBVVC0",
    ),
];

/// Options that parse, in front of a key.
const OPTIONS: &[&str] =
    &["", "no-pty ", "restrict,command=\"echo \\\"hi there\\\"\" ", "from=\"10.0.0.0/8,東京.example\",no-pty\t"];

/// `PROPTEST_CASES` if set, else `cases`: few by default (the suite runs on 2 shared
/// cores in a debug build), more on demand.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config { cases, ..Config::default() }
}

/// Characters a text key file may hold anywhere: no control characters.
fn printable() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range(' ', '~'),
        2 => proptest::char::range('\u{3040}', '\u{30ff}'),
        2 => proptest::char::range('\u{4e00}', '\u{9fff}'),
        1 => proptest::char::range('\u{1f300}', '\u{1faff}'),
        1 => proptest::char::range('\u{300}', '\u{36f}'),
        1 => prop_oneof![Just('\u{feff}'), Just('\u{a0}'), Just('\u{3000}'), Just('\t')],
    ]
}

/// Any character at all, control characters and line breaks included.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![8 => printable(), 1 => any::<char>(), 1 => prop_oneof![Just('\r'), Just('\n'), Just('\0')]]
}

fn text_of(c: impl Strategy<Value = char>, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(c, 0..max).prop_map(String::from_iter)
}

/// A line single-key import skips: blank, or a `#` comment (never after a U+FEFF:
/// that is not white space, so such a line is not a comment).
fn skipped_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (prop_oneof![Just("#"), Just("  #"), Just("\t# ")], text_of(printable(), 100))
            .prop_map(|(h, t)| format!("{h}{t}")),
        1 => prop_oneof![Just(""), Just("  "), Just("\t"), Just("\u{3000}")].prop_map(String::from),
    ]
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n")]
}

/// Lines from `palette` in the order `order`, repeated until `size` bytes.
fn repeat_lines(palette: &[(String, &str)], order: &[Index], size: usize) -> String {
    let mut s = String::with_capacity(size + 4096);
    let mut i = 0;
    while s.len() < size {
        let (l, e) = &palette[order[i % order.len()].index(palette.len())];
        s.push_str(l);
        s.push_str(e);
        i += 1;
    }
    s
}

/// Sizes where the cap is: just under, just over, and far past it.
fn size_near_the_cap() -> impl Strategy<Value = usize> {
    prop_oneof![
        2 => MAX_SINGLE_KEY_BYTES - 4096..MAX_SINGLE_KEY_BYTES + 4096,
        1 => 0..MAX_SINGLE_KEY_BYTES,
        1 => MAX_SINGLE_KEY_BYTES..4 * MAX_SINGLE_KEY_BYTES,
    ]
}

fn is_cap_error(e: &KeyError) -> bool {
    e.to_string().contains("never larger than 1 MiB")
}

proptest! {
    #![proptest_config(config(12))]

    /// One key among comments and blank lines: read, with its comment, at any size up
    /// to the cap; refused for its size (and for nothing else) over it.
    #[test]
    fn one_key_among_comments_is_read_up_to_the_cap_and_refused_past_it(
        key in 0..KEYS.len(),
        options in 0..OPTIONS.len(),
        comment in text_of(printable(), 60),
        padding in proptest::collection::vec((skipped_line(), ending()), 1..20),
        order in proptest::collection::vec(any::<Index>(), 1..32),
        size in size_near_the_cap(),
        before in 0.0..1.0f64,
        bom in any::<bool>(),
    ) {
        let pad = repeat_lines(&padding, &order, size.saturating_sub(200));
        let mut at = (pad.len() as f64 * before) as usize;
        while !pad.is_char_boundary(at) || (at > 0 && !pad[..at].ends_with('\n')) {
            at -= 1;
        }
        let key_line = format!("{}{} {comment}", OPTIONS[options], KEYS[key].0);
        let mut input = if bom { "\u{feff}".to_string() } else { String::new() };
        input.push_str(&pad[..at]);
        input.push_str(&key_line);
        input.push('\n');
        input.push_str(&pad[at..]);
        let line = pad[..at].lines().count() + 1;

        match parse_key(input.as_bytes()) {
            Ok(k) => {
                prop_assert!(input.len() <= MAX_SINGLE_KEY_BYTES);
                prop_assert_eq!(k.info.fingerprint_sha256.as_str(), KEYS[key].1);
                let expected = comment.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
                prop_assert_eq!(k.info.comment.as_str(), expected);
            }
            Err(e) if input.len() > MAX_SINGLE_KEY_BYTES => prop_assert!(is_cap_error(&e), "{}", e),
            Err(e) => prop_assert!(false, "the key on line {} was refused: {}", line, e),
        }
    }

    /// Two keys among comments: the error names both lines, under the cap.
    #[test]
    fn two_keys_are_named_by_their_lines(
        padding in proptest::collection::vec((skipped_line(), ending()), 1..20),
        order in proptest::collection::vec(any::<Index>(), 1..32),
        size in size_near_the_cap(),
    ) {
        let pad = repeat_lines(&padding, &order, size.saturating_sub(400));
        let blank_lines = pad.lines().count();
        let input = format!("{pad}{}\n{pad}{} second\n", KEYS[0].0, KEYS[1].0);
        let (first, second) = (blank_lines + 1, 2 * blank_lines + 2);
        match parse_key(input.as_bytes()) {
            Err(KeyError::MultipleKeys { first_line, second_line }) => {
                prop_assert!(input.len() <= MAX_SINGLE_KEY_BYTES);
                prop_assert_eq!((first_line, second_line), (first, second));
            }
            Err(e) => prop_assert!(input.len() > MAX_SINGLE_KEY_BYTES && is_cap_error(&e), "{}", e),
            Ok(k) => prop_assert!(false, "two keys read as one: {:?}", k.info),
        }
    }

    /// Anything at all, of any size: an answer, never a panic, and past the cap the
    /// answer is the cap.
    #[test]
    fn any_text_of_any_size_is_an_answer_not_a_panic(
        lines in proptest::collection::vec(
            (prop_oneof![
                2 => text_of(any_char(), 80),
                1 => (0..KEYS.len(), text_of(any_char(), 40)).prop_map(|(k, c)| format!("{} {c}", KEYS[k].0)),
                1 => skipped_line(),
            ], prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("")]),
            1..30,
        ),
        order in proptest::collection::vec(any::<Index>(), 1..32),
        size in size_near_the_cap(),
    ) {
        let input = repeat_lines(&lines, &order, size);
        if let Err(e) = parse_key(input.as_bytes()) {
            prop_assert!(input.len() <= MAX_SINGLE_KEY_BYTES || is_cap_error(&e), "{}", e);
        }
    }
}

#[test]
fn the_keys_above_read_alone_with_ssh_keygen_s_fingerprints() {
    for (line, fingerprint) in KEYS {
        assert_eq!(parse_key(line.as_bytes()).unwrap().info.fingerprint_sha256, *fingerprint);
    }
}

/// known_hosts host fields: plain, bracketed with a port, wildcard, negated, hashed
/// (`foo.example.com`, from `ssh-keygen -H`), multibyte, and junk.
const HOSTS: &[&str] = &[
    "old.example.com",
    "old.example.com,192.0.2.7",
    "[old.example.com]:2222",
    "*.example.com,!bad.example.com",
    "|1|uiSGRE8iSeTfFeXW9Q9v0KFUc+0=|3s9Vu0xbbQ/T4Cm2sHKr5Lt3k1U=",
    "東京.example,old.example.com",
    "[10.0.0.5]:2200,10.0.0.5",
    "|1|not-base64|x",
];

/// One known_hosts line as bytes, without its terminator; invalid UTF-8 included.
fn known_hosts_line() -> impl Strategy<Value = Vec<u8>> {
    let marker =
        prop_oneof![4 => Just(""), 1 => Just("@cert-authority "), 1 => Just("@revoked "), 1 => Just("@bogus ")];
    let sep = prop_oneof![Just(" "), Just("\t"), Just(" \t ")];
    prop_oneof![
        5 => (marker, 0..HOSTS.len(), sep, 0..KEYS.len(), text_of(any_char(), 30))
            .prop_map(|(m, h, sep, k, c)| format!("{m}{}{sep}{} {c}", HOSTS[h], KEYS[k].0).into_bytes()),
        1 => text_of(printable(), 60).prop_map(|t| format!("# {t}").into_bytes()),
        1 => prop_oneof![Just(""), Just("  "), Just("\t")].prop_map(|s: &str| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..60),
    ]
}

proptest! {
    #![proptest_config(config(8))]

    /// known_hosts reading has no size-dependent path today; this pins that the plan's
    /// invariants (line numbers, the file minus the removed lines byte for byte,
    /// idempotence, reports) hold on files of megabytes too.
    #[test]
    fn known_hosts_plans_of_large_files_keep_every_other_byte(
        lines in proptest::collection::vec(
            (known_hosts_line(), prop_oneof![5 => Just(&b"\n"[..]), 3 => Just(&b"\r\n"[..]), 1 => Just(&b"\r"[..])]),
            1..30,
        ),
        order in proptest::collection::vec(any::<Index>(), 1..48),
        size in prop_oneof![1 => 0..4096usize, 2 => 256 * 1024..4 * 1024 * 1024usize],
        final_ending in any::<bool>(),
    ) {
        let mut data = b"old.example.com [old.example.com]:2222 foo.example.com 10.0.0.5:2200\n".to_vec();
        let mut i = 0;
        while data.len() < size || i == 0 {
            let (l, e) = &lines[order[i % order.len()].index(lines.len())];
            data.extend_from_slice(l);
            data.extend_from_slice(e);
            i += 1;
        }
        if !final_ending {
            while data.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                data.pop();
            }
        }
        invariants::check_known_hosts_plan(&data);
    }
}
