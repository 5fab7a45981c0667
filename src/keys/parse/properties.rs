//! Properties of bulk import over large generated files: any UTF-8 (multibyte, U+FEFF,
//! CJK, emoji, combining marks, control characters), any line endings (`\n`, `\r\n`, a
//! lone `\r`, none at the end), from a few bytes to several MB, so that the parallel
//! path (from [`PARALLEL_FROM`]) cuts the text with every number of runs, anywhere.
//! Big files are made by repeating a few generated lines in a generated order, not
//! generated character by character, so a case costs about what parsing it costs.
//!
//! `PROPTEST_CASES=500 cargo test --lib keys::parse::properties` runs more cases.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

use super::*;

/// Throwaway keys made with `ssh-keygen` for these tests, comments removed.
const KEYS: &[&str] = &[
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXO7psk2Y+cth2NwiieCqNEMFS4kL4yqZs8uGwZyxH1",
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLJa0fNPI/a51EwDBkQaCPd+5xOVjQNvkVRi95aYd7mNbljtVFoKUi4Xbf7oXu8fCyFMQlw/cHG14fytG+kA0Cc=",
    "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAEkva/5LHJTdvLrkVEobHDWWNg3/pkUuZRYYp0Bo+lOM+OkGW7QZMUJfODgN/eV8wa3no5usNugXJ+1q7gmEqWrGwAtcp9d+ZfYsmbvAFHDeAaM3DJ4icFiayX24EGFSv7TI6ZKCDe0cI8AmW5tWFGp0ATQmZm+CClv8z7U6nUExrtXZg==",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDa72mL/8Nild3Qx+B521en9uDuOHXWNaj9rTefGDe+5cYfIsiQfPmGM5+Hn69DG6fjlGIPz29U02Y5Gt2IQwevAq+7XeDr4kFPya7hrZ87NkZHiXk0p2kfYWMunktcHbLiv2LwHJuGHJzKeVhID1P1neYa+8a/eeq52RZaEFwnuNI1qW4dXmmbfswd0Qbb3O28WtcTjV9jar+HJNJCbqr2O2fpbUv30HOtMRwY4YjDQwDSlL8s6us56jWeMtUJDBpG6P9uFk6QG5K/RGOb1Jytoq8pYfnF2V1hBhARApGt2nzkePXEMG9gw0lsm7RFOjk+RRz6qc4cBRvzvKD6AjNB",
];

/// `authorized_keys` options in front of a key, quoted values with spaces included.
const OPTIONS: &[&str] = &[
    "",
    "no-pty ",
    "restrict,command=\"echo \\\"hi there\\\"\" ",
    "from=\"10.0.0.0/8,東京.example\",no-agent-forwarding\t",
    "environment=\"NAME=värde 🔑\" ",
    "command=\"unclosed ",
];

/// `PROPTEST_CASES` if set, else `cases`: few by default (the suite runs on 2 shared
/// cores in a debug build), more on demand.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config { cases, ..Config::default() }
}

fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range(' ', '~'),
        2 => proptest::char::range('\u{3040}', '\u{30ff}'),   // kana
        2 => proptest::char::range('\u{4e00}', '\u{9fff}'),   // CJK
        1 => proptest::char::range('\u{1f300}', '\u{1faff}'), // emoji
        1 => proptest::char::range('\u{300}', '\u{36f}'),     // combining marks
        1 => prop_oneof![Just('\u{feff}'), Just('\t'), Just('\u{a0}'), Just('\u{3000}'), Just('#'), Just('"')],
        1 => any::<char>(),
    ]
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any_char(), 0..max).prop_map(String::from_iter)
}

/// One line, without its terminator.
fn line() -> impl Strategy<Value = String> {
    let sep = prop_oneof![Just(" "), Just("\t"), Just("  ")];
    prop_oneof![
        4 => (0..KEYS.len(), 0..OPTIONS.len(), sep, text(40))
            .prop_map(|(k, o, sep, c)| format!("{}{}{sep}{c}", OPTIONS[o], KEYS[k])),
        // A key with a long comment, so that big files do not need many keys.
        1 => (0..KEYS.len(), text(30), 10..60usize).prop_map(|(k, c, n)| format!("{} {}", KEYS[k], c.repeat(n))),
        1 => (0..KEYS.len(), 1..40usize).prop_map(|(k, cut)| KEYS[k][..KEYS[k].len() - cut].to_string()),
        2 => (prop_oneof![Just("#"), Just("  # "), Just("\t#")], text(80)).prop_map(|(h, t)| format!("{h}{t}")),
        2 => prop_oneof![Just(""), Just("   "), Just("\t"), Just("\u{feff}"), Just("\u{3000}")].prop_map(String::from),
        2 => text(120),
    ]
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![5 => Just("\n"), 3 => Just("\r\n"), 1 => Just("\r")]
}

/// Small, around the parallel threshold, or several MB.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        1 => 0..4096usize,
        2 => PARALLEL_FROM - 16 * 1024..PARALLEL_FROM + 64 * 1024,
        2 => 1_000_000..5_000_000usize,
    ]
}

/// A file: a few generated lines (with their terminators) repeated in a generated
/// order up to a generated size, maybe a byte order mark first, maybe no terminator
/// at the end.
fn file() -> impl Strategy<Value = String> {
    let lines = proptest::collection::vec((line(), ending()), 1..40);
    let order = proptest::collection::vec(any::<Index>(), 1..64);
    (prop::bool::weighted(0.2), lines, order, size(), prop::bool::weighted(0.7)).prop_map(
        |(bom, lines, order, size, final_ending)| {
            let mut s = String::with_capacity(size + 8192);
            if bom {
                s.push('\u{feff}');
            }
            for i in 0.. {
                if i > 0 && s.len() >= size {
                    break;
                }
                let (l, e) = &lines[order[i % order.len()].index(lines.len())];
                s.push_str(l);
                s.push_str(e);
            }
            if !final_ending {
                s.truncate(s.trim_end_matches(['\n', '\r']).len());
            }
            s
        },
    )
}

/// 1-based numbers of the lines bulk import must report: non-blank, not `#`.
fn key_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .map(|(i, _)| i + 1)
        .collect()
}

fn same(a: &Parsed, b: &Parsed) -> bool {
    let entries = |p: &Parsed| p.0.iter().map(|e| (e.line, e.info.clone())).collect::<Vec<_>>();
    entries(a) == entries(b) && a.1 == b.1
}

/// What `parse_bulk_on` returned, as the parts it is built from, for comparison.
fn as_parsed(r: Result<(Vec<BulkEntry>, Vec<BulkLineError>), KeyError>, what: &str) -> Parsed {
    match r {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(e.to_string(), "the file holds no keys", "{what}");
            (Vec::new(), Vec::new())
        }
    }
}

proptest! {
    #![proptest_config(config(12))]

    /// Never panics; on any number of threads, and on this machine's, the result is
    /// the single-thread one, line numbers included; every line that must be reported
    /// is, once; and each key is reported at the line that holds it.
    #[test]
    fn bulk_import_on_threads_reads_like_one_thread(text in file(), threads in 2..=MAX_THREADS) {
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let single = parse_lines(body, 0);
        let many = as_parsed(parse_bulk_on(text.as_bytes(), threads), "threads");
        prop_assert!(same(&many, &single), "{threads} threads differ from one");
        let public = as_parsed(parse_bulk(text.as_bytes()), "parse_bulk");
        prop_assert!(same(&public, &single), "parse_bulk differs from one thread");

        let mut reported: Vec<usize> = single.0.iter().map(|e| e.line).chain(single.1.iter().map(|e| e.line)).collect();
        reported.sort_unstable();
        prop_assert_eq!(reported, key_lines(body));
        let lines: Vec<&str> = body.lines().collect();
        for e in &single.0 {
            let data = e.info.openssh.split(' ').nth(1).unwrap_or("?");
            prop_assert!(lines[e.line - 1].contains(data), "line {} does not hold {}", e.line, data);
        }
    }

    /// The runs of whole lines cover the text exactly, each but the last ends with a
    /// line feed, and each knows how many lines come before it.
    #[test]
    fn runs_are_whole_lines_numbered_from_the_file(text in file()) {
        let newlines: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
        for n in 1..=MAX_THREADS {
            let runs = split_at_lines(&text, n);
            prop_assert!(!runs.is_empty() && runs.len() <= n);
            let mut at = 0;
            for (i, (first, run)) in runs.iter().enumerate() {
                prop_assert_eq!(*first, newlines.partition_point(|&p| p < at), "n = {}, run {}", n, i);
                prop_assert!(i + 1 == runs.len() || run.ends_with('\n'), "n = {}: run {} ends inside a line", n, i);
                prop_assert!(i + 1 == runs.len() || !run.is_empty());
                at += run.len();
            }
            prop_assert_eq!(at, text.len());
            prop_assert!(runs.iter().map(|r| r.1).collect::<String>() == text);
        }
    }
}
