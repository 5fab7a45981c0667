//! The text of an `authorized_keys` file as Keyshelf edits it: which lines carry a key
//! (by the key itself, whatever the options or comment), appending a key, removing
//! keys. Every other byte of the file is kept as it was, line endings included; a line
//! that is not a key (a comment, text in another encoding, a certificate authority with
//! odd options) is never touched.

use crate::keys::{parse_authorized_line, sha256_fingerprint};

/// One key line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: usize,
    /// The options field as written (empty when none).
    pub options: String,
    /// The algorithm word, e.g. `ssh-ed25519`.
    pub algorithm: String,
    pub fingerprint_sha256: String,
    pub comment: String,
    /// `TYPE BASE64 COMMENT`, without the options.
    pub openssh: String,
}

/// A non-blank, non-comment line that is not a key Keyshelf can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub line: usize,
    pub message: String,
}

/// The lines of `text`, each with its terminator (`\n`, `\r\n`, or none for a last
/// line without one), so that joining them gives `text` back byte for byte.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split_inclusive(|&b| b == b'\n')
}

/// Reads one line: `None` for blank lines and `#` comments.
fn entry(number: usize, raw: &[u8]) -> Option<Result<Entry, Unreadable>> {
    let bad = |message: String| Some(Err(Unreadable { line: number, message }));
    let Ok(text) = std::str::from_utf8(raw) else {
        return bad("the line is not UTF-8 text".into());
    };
    let t = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    match parse_authorized_line(t) {
        Err(m) => bad(m),
        Ok((options, key)) => match sha256_fingerprint(&key) {
            Err(e) => bad(e.to_string()),
            Ok(fp) => Some(Ok(Entry {
                line: number,
                options,
                algorithm: key.algorithm().as_str().to_string(),
                fingerprint_sha256: fp,
                comment: key.comment().to_string(),
                openssh: key.to_openssh().unwrap_or_default(),
            })),
        },
    }
}

/// Every key line of the file, and every line that is neither a key nor blank nor a
/// comment.
pub fn entries(text: &[u8]) -> (Vec<Entry>, Vec<Unreadable>) {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in lines(text).enumerate() {
        match entry(i + 1, raw) {
            Some(Ok(e)) => found.push(e),
            Some(Err(u)) => bad.push(u),
            None => {}
        }
    }
    (found, bad)
}

/// Whether a line of the file carries the key with this SHA-256 fingerprint.
fn carries(raw: &[u8], fingerprints: &[&str]) -> bool {
    matches!(entry(0, raw), Some(Ok(e)) if fingerprints.contains(&e.fingerprint_sha256.as_str()))
}

/// Whether the file holds the key (with any options or comment).
pub fn contains(text: &[u8], fingerprint: &str) -> bool {
    lines(text).any(|l| carries(l, &[fingerprint]))
}

/// The file with `key_line` added as a new last line. A last line without a line
/// break keeps its bytes: the break is added before the new line, never inside it.
pub fn append(text: &[u8], key_line: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + key_line.len() + 2);
    out.extend_from_slice(text);
    if !text.is_empty() && !text.ends_with(b"\n") {
        // Follow the file's own line ending.
        if text.windows(2).any(|w| w == b"\r\n") {
            out.push(b'\r');
        }
        out.push(b'\n');
    }
    out.extend_from_slice(key_line.trim_end().as_bytes());
    out.push(b'\n');
    out
}

/// The file without every line carrying one of the keys; returns the new text and how
/// many lines went.
pub fn remove(text: &[u8], fingerprints: &[&str]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(text.len());
    let mut removed = 0;
    for l in lines(text) {
        if carries(l, fingerprints) {
            removed += 1;
        } else {
            out.extend_from_slice(l);
        }
    }
    (out, removed)
}

/// The one line Keyshelf writes for a key: `TYPE BASE64 COMMENT`, the comment without
/// control characters so that it stays one line.
pub fn key_line(openssh: &str) -> String {
    let clean: String = openssh.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    clean.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    fn fp_of(line: &str) -> String {
        let (e, _) = entries(line.as_bytes());
        e[0].fingerprint_sha256.clone()
    }

    #[test]
    fn the_same_key_is_found_whatever_its_options_and_comment() {
        let fp = fp_of(ED);
        let file = format!("# mine\r\nrestrict,command=\"echo \\\"a b\\\"\" {ED} other comment\r\n");
        assert!(contains(file.as_bytes(), &fp));
        let (e, bad) = entries(file.as_bytes());
        assert!(bad.is_empty());
        assert_eq!(e[0].line, 2);
        assert_eq!(e[0].options, "restrict,command=\"echo \\\"a b\\\"\"");
        assert_eq!(e[0].comment, "other comment");
        assert!(!contains(b"# only a comment\n", &fp));
    }

    #[test]
    fn append_keeps_a_last_line_without_a_break() {
        assert_eq!(append(b"", ED), format!("{ED}\n").into_bytes());
        assert_eq!(append(b"x y\n", ED), format!("x y\n{ED}\n").into_bytes());
        assert_eq!(append(b"x y", ED), format!("x y\n{ED}\n").into_bytes());
        assert_eq!(append(b"a\r\nx y", ED), format!("a\r\nx y\r\n{ED}\n").into_bytes());
    }

    #[test]
    fn remove_takes_every_line_of_the_key_and_keeps_the_rest_byte_for_byte() {
        let fp = fp_of(ED);
        let other = "\u{feff}garbage line \u{1F511}\r\n";
        let file = format!("{other}no-pty {ED} a\n#c\n\n{ED}\n");
        let mut bytes = file.into_bytes();
        bytes.extend_from_slice(b"\xff\xfe tail");
        let (out, n) = remove(&bytes, &[&fp]);
        assert_eq!(n, 2);
        let mut want = format!("{other}#c\n\n").into_bytes();
        want.extend_from_slice(b"\xff\xfe tail");
        assert_eq!(out, want);
        let (again, n) = remove(&out, &[&fp]);
        assert_eq!((again, n), (out, 0));
    }

    #[test]
    fn a_comment_cannot_break_the_line() {
        assert_eq!(key_line(&format!("{ED} a\nb\r")), format!("{ED} a b"));
        assert!(fp_of(ED).starts_with("SHA256:"));
    }
}
