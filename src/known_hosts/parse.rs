//! The line-preserving reader: splits a known_hosts file into lines that keep their
//! exact terminators, and reads the fields of one line the way OpenSSH's
//! `hostkeys_foreach` does (spaces or tabs between fields, optional marker).

use std::ops::Range;

use base64ct::{Base64, Encoding};

/// Byte ranges of each line, terminator (`\n`) included, so that concatenating the
/// ranges gives back the input exactly. A last line without `\n` is a line too.
pub(crate) fn split_lines(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            lines.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < bytes.len() {
        lines.push(start..bytes.len());
    }
    lines
}

/// The text of a line without its `\n` and without one `\r` before it.
pub(crate) fn content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A `@` marker in front of the host list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    CertAuthority,
    Revoked,
}

impl Marker {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Marker::CertAuthority => "@cert-authority",
            Marker::Revoked => "@revoked",
        }
    }
}

/// The host part of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hosts<'a> {
    /// A comma-separated pattern list, as written.
    Plain(&'a str),
    /// `|1|salt|hash`: HMAC-SHA1 of one host name keyed by the salt (both 20 bytes).
    Hashed { salt: [u8; 20], hash: [u8; 20] },
}

/// One host key line, split into its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    pub marker: Option<Marker>,
    pub hosts: Hosts<'a>,
    /// The host field as written (the pattern list or the `|1|..` text).
    pub hosts_text: &'a str,
    pub key_type: &'a str,
    pub key_data: &'a str,
}

/// What one line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// Empty, only spaces or tabs, or a `#` comment.
    Blank,
    Entry(Entry<'a>),
    /// Not understood; the reason says why. Such a line is always kept.
    Malformed(String),
}

fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn skip_sep(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| is_sep(**b)).count();
    &s[n..]
}

/// Splits off the first field (up to a space or tab) and returns it with the rest,
/// separators after the field skipped.
fn field(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|b| !is_sep(**b)).count();
    (&s[..n], skip_sep(&s[n..]))
}

fn ends_here(rest: &[u8]) -> bool {
    rest.is_empty() || rest[0] == b'#'
}

/// Reads one line (as returned by [`content`]).
pub(crate) fn parse_line(line: &[u8]) -> Line<'_> {
    let s = skip_sep(line);
    if ends_here(s) {
        return Line::Blank;
    }
    let mut s = s;
    let mut marker = None;
    if s[0] == b'@' {
        let (word, rest) = field(s);
        marker = match word {
            b"@cert-authority" => Some(Marker::CertAuthority),
            b"@revoked" => Some(Marker::Revoked),
            _ => {
                return Line::Malformed(format!(
                    "unknown marker \"{}\" (known: @cert-authority, @revoked)",
                    String::from_utf8_lossy(word)
                ))
            }
        };
        if rest.is_empty() {
            return Line::Malformed("nothing after the marker".to_string());
        }
        if rest[0] == b'@' {
            return Line::Malformed("more than one marker".to_string());
        }
        s = rest;
    }
    let (hosts_raw, rest) = field(s);
    if ends_here(rest) {
        return Line::Malformed("no key after the host list".to_string());
    }
    let (key_type_raw, rest) = field(rest);
    if ends_here(rest) {
        return Line::Malformed("no key data after the key type".to_string());
    }
    let (key_data_raw, _comment) = field(rest);
    let (Ok(hosts_text), Ok(key_type), Ok(key_data)) =
        (std::str::from_utf8(hosts_raw), std::str::from_utf8(key_type_raw), std::str::from_utf8(key_data_raw))
    else {
        return Line::Malformed("host list or key is not valid UTF-8".to_string());
    };
    let hosts = if hosts_text.starts_with('|') {
        match parse_hashed(hosts_text) {
            Some((salt, hash)) => Hosts::Hashed { salt, hash },
            None => {
                return Line::Malformed(
                    "bad hashed host entry (expected |1|salt|hash, 20-byte base64 each)".to_string(),
                )
            }
        }
    } else {
        Hosts::Plain(hosts_text)
    };
    Line::Entry(Entry { marker, hosts, hosts_text, key_type, key_data })
}

/// `|1|base64salt|base64hash` with a 20-byte salt and a 20-byte SHA-1 HMAC, as
/// OpenSSH's `extract_salt` requires.
fn parse_hashed(text: &str) -> Option<([u8; 20], [u8; 20])> {
    let rest = text.strip_prefix("|1|")?;
    let (salt, hash) = rest.split_once('|')?;
    Some((decode20(salt)?, decode20(hash)?))
}

fn decode20(b64: &str) -> Option<[u8; 20]> {
    let mut out = [0u8; 20];
    let len = Base64::decode(b64, &mut out).ok()?.len();
    (len == 20).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASHED: &str = "|1|uiSGRE8iSeTfFeXW9Q9v0KFUc+0=|3s9Vu0xbbQ/T4Cm2sHKr5Lt3k1U=";

    fn entry(line: &str) -> Entry<'_> {
        match parse_line(line.as_bytes()) {
            Line::Entry(e) => e,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn malformed(line: &str) -> String {
        match parse_line(line.as_bytes()) {
            Line::Malformed(r) => r,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    #[test]
    fn split_keeps_every_byte_and_terminator() {
        let input = b"a\r\n\nb\tc\nlast";
        let lines = split_lines(input);
        assert_eq!(lines, vec![0..3, 3..4, 4..8, 8..12]);
        let joined: Vec<u8> = lines.iter().flat_map(|r| input[r.clone()].to_vec()).collect();
        assert_eq!(joined, input);
        assert!(split_lines(b"").is_empty());
        assert_eq!(content(b"x y\r\n"), b"x y");
        assert_eq!(content(b"x y"), b"x y");
    }

    #[test]
    fn blank_and_comment_lines() {
        for l in ["", "   ", "\t", "# c", "  \t# indented comment"] {
            assert_eq!(parse_line(l.as_bytes()), Line::Blank, "{l:?}");
        }
    }

    #[test]
    fn fields_split_on_tabs_and_spaces() {
        let e = entry("\thost,1.2.3.4\t ssh-ed25519  AAAA  a comment");
        assert_eq!(e.hosts, Hosts::Plain("host,1.2.3.4"));
        assert_eq!(e.key_type, "ssh-ed25519");
        assert_eq!(e.key_data, "AAAA");
        assert_eq!(e.marker, None);
    }

    #[test]
    fn markers_are_read() {
        let e = entry("@cert-authority *.example.com ssh-ed25519 AAAA");
        assert_eq!(e.marker, Some(Marker::CertAuthority));
        assert_eq!(e.hosts_text, "*.example.com");
        let e = entry("@revoked\thost ssh-rsa AAAA");
        assert_eq!(e.marker, Some(Marker::Revoked));
        assert!(malformed("@bogus host ssh-rsa AAAA").contains("unknown marker"));
        assert!(malformed("@revoked @revoked host ssh-rsa AAAA").contains("more than one"));
        assert!(malformed("@revoked").contains("nothing after"));
    }

    #[test]
    fn hashed_hosts_are_decoded() {
        let line = format!("{HASHED} ssh-ed25519 AAAA");
        let e = entry(&line);
        match e.hosts {
            Hosts::Hashed { salt, hash } => {
                assert_eq!(salt.len(), 20);
                assert_eq!(hash.len(), 20);
            }
            other => panic!("{other:?}"),
        }
        assert!(malformed("|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAA").contains("hashed"));
        assert!(malformed("|2|abc|def ssh-ed25519 AAAA").contains("hashed"));
        assert!(malformed("|1|nobase64!|x ssh-ed25519 AAAA").contains("hashed"));
    }

    #[test]
    fn truncated_lines_are_malformed() {
        assert!(malformed("host").contains("no key"));
        assert!(malformed("host # comment").contains("no key"));
        assert!(malformed("host ssh-ed25519").contains("no key data"));
        assert!(malformed("host ssh-ed25519   ").contains("no key data"));
        assert!(malformed("host\tssh-ed25519 #c").contains("no key data"));
    }

    #[test]
    fn invalid_utf8_in_fields_is_malformed_but_comments_may_be_anything() {
        assert!(matches!(parse_line(b"h\xff ssh-ed25519 AAAA"), Line::Malformed(_)));
        assert_eq!(parse_line(b"# caf\xe9"), Line::Blank);
        assert!(matches!(parse_line(b"h ssh-ed25519 AAAA caf\xe9"), Line::Entry(_)));
    }
}
