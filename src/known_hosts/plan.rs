//! The removal plan: one pass over the file says which lines go (with their key
//! type and fingerprint), which lines concern the hosts but stay, and which lines
//! are not understood. Nothing is written here; see [`Plan::apply`].

use std::ops::Range;
use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, PublicKey};

use super::matching::{Matcher, Verdict};
use super::parse::{content, parse_line, split_lines, Hosts, Line};
use super::query::HostQuery;
use super::KnownHostsError;

/// A line that will be removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// 1-based line number.
    pub line: usize,
    /// The whole line, without its terminator (lossy UTF-8).
    pub text: String,
    /// The host list as written, or `"hashed"`.
    pub hosts: String,
    /// The host list is a `|1|salt|hash` entry.
    pub hashed: bool,
    /// Key type as written, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// `SHA256:...` as `ssh-keygen -l` prints it; `None` when the key does not parse
    /// (the line is removed anyway: its host matched).
    pub fingerprint: Option<String>,
    /// The query that matched, in known_hosts form (`host` or `[host]:port`).
    pub matched: String,
}

/// A line that concerns one of the hosts but stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// 1-based line number.
    pub line: usize,
    /// The whole line, without its terminator (lossy UTF-8).
    pub text: String,
    /// Why it stays, e.g. "covers this host, kept".
    pub reason: String,
    /// The pattern responsible, e.g. `*.example.com`, when there is one.
    pub pattern: Option<String>,
    /// The query concerned, in known_hosts form.
    pub matched: String,
}

/// A line the reader does not understand. It is always kept as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line number.
    pub line: usize,
    /// The whole line, without its terminator (lossy UTF-8).
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// What removing the queried hosts from one file would do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The file as given (possibly a symlink).
    pub path: PathBuf,
    /// Lines to remove, in file order.
    pub removed: Vec<Removal>,
    /// Lines that concern a host but stay, in file order.
    pub kept: Vec<Kept>,
    /// Lines not understood, in file order; kept byte for byte.
    pub malformed: Vec<Malformed>,
    original: Vec<u8>,
    /// Byte range of every line (terminator included) and whether it stays.
    lines: Vec<(Range<usize>, bool)>,
}

/// Reads `path` once and plans the removal of every query.
pub fn plan_file(path: &Path, queries: &[HostQuery]) -> Result<Plan, KnownHostsError> {
    let bytes = std::fs::read(path).map_err(|source| KnownHostsError::Read { path: path.to_path_buf(), source })?;
    Ok(plan_bytes(path, bytes, queries))
}

/// Plans the removal from `bytes`, the content of `path`. Pure: reads no file.
pub fn plan_bytes(path: &Path, bytes: Vec<u8>, queries: &[HostQuery]) -> Plan {
    let matcher = Matcher::new(queries);
    let names: Vec<String> = queries.iter().map(HostQuery::to_string).collect();
    let mut plan = Plan {
        path: path.to_path_buf(),
        removed: Vec::new(),
        kept: Vec::new(),
        malformed: Vec::new(),
        original: Vec::new(),
        lines: Vec::new(),
    };
    for (index, range) in split_lines(&bytes).into_iter().enumerate() {
        let line = index + 1;
        let raw = content(&bytes[range.clone()]);
        let text = || String::from_utf8_lossy(raw).into_owned();
        let mut stays = true;
        match parse_line(raw) {
            Line::Blank => {}
            Line::Malformed(reason) => plan.malformed.push(Malformed { line, text: text(), reason }),
            Line::Entry(entry) => match matcher.judge(&entry) {
                Verdict::NoMatch => {}
                Verdict::Remove { query } => {
                    stays = false;
                    let hashed = matches!(entry.hosts, Hosts::Hashed { .. });
                    plan.removed.push(Removal {
                        line,
                        text: text(),
                        hosts: if hashed { "hashed".to_string() } else { entry.hosts_text.to_string() },
                        hashed,
                        key_type: entry.key_type.to_string(),
                        fingerprint: fingerprint(entry.key_type, entry.key_data),
                        matched: names.get(query).cloned().unwrap_or_default(),
                    });
                }
                Verdict::Keep { query, reason, pattern } => plan.kept.push(Kept {
                    line,
                    text: text(),
                    reason,
                    pattern,
                    matched: names.get(query).cloned().unwrap_or_default(),
                }),
            },
        }
        plan.lines.push((range, stays));
    }
    plan.original = bytes;
    plan
}

/// The SHA-256 fingerprint of `key_type key_data`, if ssh-key can read it.
fn fingerprint(key_type: &str, key_data: &str) -> Option<String> {
    PublicKey::from_openssh(&format!("{key_type} {key_data}")).ok().map(|k| k.fingerprint(HashAlg::Sha256).to_string())
}

impl Plan {
    /// True when nothing would be removed (applying writes nothing).
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty()
    }

    /// The file as it was read when the plan was made.
    pub fn original_bytes(&self) -> &[u8] {
        &self.original
    }

    /// The file after removal: every other line byte for byte, terminators included.
    pub fn remaining_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.original.len());
        for (range, stays) in &self.lines {
            if *stays {
                out.extend_from_slice(&self.original[range.clone()]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK";
    /// `ssh-keygen -l` of KEY.
    const FP: &str = "SHA256:56BskBtr6AK/iogC+CAIskhgJVyLKYHClzyy2S6T0+4";

    fn plan(text: &str, queries: &[&str]) -> Plan {
        let q: Vec<HostQuery> = queries.iter().map(|q| HostQuery::parse(q).expect(q)).collect();
        plan_bytes(Path::new("kh"), text.as_bytes().to_vec(), &q)
    }

    fn remaining(p: &Plan) -> String {
        String::from_utf8(p.remaining_bytes()).expect("utf8")
    }

    #[test]
    fn removes_whole_lines_and_keeps_everything_else_byte_for_byte() {
        let text = format!("# top\r\n\nold,10.0.0.1 {KEY} c\r\n\tother\t{KEY}\nold\t{KEY}\n  \nlast {KEY}");
        let p = plan(&text, &["old"]);
        assert_eq!(p.removed.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(remaining(&p), format!("# top\r\n\n\tother\t{KEY}\n  \nlast {KEY}"));
        let r = &p.removed[0];
        assert_eq!(r.hosts, "old,10.0.0.1");
        assert_eq!(r.key_type, "ssh-ed25519");
        assert_eq!(r.fingerprint.as_deref(), Some(FP));
        assert_eq!(r.matched, "old");
        assert_eq!(r.text, format!("old,10.0.0.1 {KEY} c"));
        assert!(p.kept.is_empty() && p.malformed.is_empty());
    }

    #[test]
    fn a_missing_final_newline_is_kept_and_the_last_line_can_go() {
        let p = plan(&format!("a {KEY}\nb {KEY}"), &["b"]);
        assert_eq!(remaining(&p), format!("a {KEY}\n"));
        let p = plan(&format!("a {KEY}\nb {KEY}"), &["a"]);
        assert_eq!(remaining(&p), format!("b {KEY}"));
    }

    #[test]
    fn crlf_lines_match_and_fingerprint() {
        let p = plan(&format!("a {KEY}\r\nb {KEY}\r\n"), &["a"]);
        assert_eq!(remaining(&p), format!("b {KEY}\r\n"));
        assert!(p.removed[0].fingerprint.is_some());
    }

    #[test]
    fn malformed_lines_are_reported_and_kept() {
        let text = format!("broken\nx ssh-ed25519\n@weird a {KEY}\n|1|x|y {KEY}\nold {KEY}\n");
        let p = plan(&text, &["old", "broken", "x"]);
        assert_eq!(p.malformed.iter().map(|m| m.line).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert_eq!(remaining(&p), "broken\nx ssh-ed25519\n@weird a ".to_string() + KEY + "\n|1|x|y " + KEY + "\n");
    }

    #[test]
    fn an_unparsable_key_is_removed_without_fingerprint() {
        let p = plan("old ssh-ed25519 notbase64!!\nold 1024 35 12345\n", &["old"]);
        assert_eq!(p.removed.len(), 2);
        assert!(p.removed.iter().all(|r| r.fingerprint.is_none()));
        assert_eq!(p.remaining_bytes(), b"");
    }

    #[test]
    fn kept_lines_carry_reason_and_query() {
        let text = format!("*.example.com {KEY}\n@cert-authority a.example.com {KEY}\n");
        let p = plan(&text, &["a.example.com:22"]);
        assert!(p.removed.is_empty());
        assert_eq!(p.kept.len(), 2);
        assert_eq!(p.kept[0].reason, "covers this host, kept");
        assert_eq!(p.kept[0].pattern.as_deref(), Some("*.example.com"));
        assert_eq!(p.kept[0].matched, "a.example.com");
        assert!(p.kept[1].reason.contains("@cert-authority"));
        assert_eq!(p.remaining_bytes(), text.as_bytes());
    }

    #[test]
    fn hashed_removal_is_labelled_hashed() {
        let text = format!("|1|uiSGRE8iSeTfFeXW9Q9v0KFUc+0=|3s9Vu0xbbQ/T4Cm2sHKr5Lt3k1U= {KEY}\n");
        let p = plan(&text, &["foo.example.com"]);
        assert_eq!(p.removed.len(), 1);
        assert_eq!(p.removed[0].hosts, "hashed");
        assert!(p.removed[0].hashed);
    }

    #[test]
    fn empty_file_and_no_queries_plan_nothing() {
        assert!(plan("", &["a"]).is_empty());
        let p = plan(&format!("a {KEY}\n"), &[]);
        assert!(p.is_empty());
        assert_eq!(remaining(&p), format!("a {KEY}\n"));
    }
}
