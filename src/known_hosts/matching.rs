//! Host matching: decides, for one parsed line and all queries, whether the line is
//! removed, kept with a reason, or not concerned. This is the one place that says
//! what counts as a match, for the CLI and the GUI alike.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::parse::{Entry, Hosts};
use super::query::HostQuery;

type HmacSha1 = Hmac<Sha1>;

/// Why a line that concerns a host is kept.
pub(crate) const COVERS: &str = "covers this host, kept";
pub(crate) const NEGATED: &str = "a negated pattern excludes this host, kept";
pub(crate) const MIXED: &str = "names this host but also holds wildcard or negated patterns, kept; edit it by hand";

/// The outcome for one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The line does not concern any query.
    NoMatch,
    /// Remove the whole line; `query` is the index of the first query that matched.
    Remove { query: usize },
    /// The line concerns `query` but stays.
    Keep { query: usize, reason: String, pattern: Option<String> },
}

/// The queries, prepared once for a whole file.
pub(crate) struct Matcher {
    /// Lower-case candidate names per query (`host`, `[host]:22` or `[host]:port`).
    candidates: Vec<Vec<String>>,
}

impl Matcher {
    pub(crate) fn new(queries: &[HostQuery]) -> Self {
        Matcher { candidates: queries.iter().map(HostQuery::candidates).collect() }
    }

    /// Judges one entry against every query.
    pub(crate) fn judge(&self, entry: &Entry<'_>) -> Verdict {
        let marker_reason = entry.marker.map(|m| format!("{} line, kept (ssh-keygen -R keeps it too)", m.as_str()));
        match &entry.hosts {
            Hosts::Hashed { salt, hash } => {
                let Some(query) = self.hashed_match(salt, hash) else {
                    return Verdict::NoMatch;
                };
                match marker_reason {
                    Some(reason) => Verdict::Keep { query, reason, pattern: None },
                    None => Verdict::Remove { query },
                }
            }
            Hosts::Plain(list) => self.judge_plain(list, marker_reason),
        }
    }

    /// The first query whose candidate name hashes to `hash` with `salt`.
    fn hashed_match(&self, salt: &[u8], hash: &[u8]) -> Option<usize> {
        // The HMAC key schedule is done once per line, then cloned per candidate.
        let keyed = HmacSha1::new_from_slice(salt).ok()?;
        self.candidates.iter().position(|names| {
            names.iter().any(|name| {
                let mut mac = keyed.clone();
                mac.update(name.as_bytes());
                mac.verify_slice(hash).is_ok()
            })
        })
    }

    fn judge_plain(&self, list: &str, marker_reason: Option<String>) -> Verdict {
        let special = list.split(',').find(|p| is_special(p));
        let mut first_keep = None;
        for (query, names) in self.candidates.iter().enumerate() {
            let (mut exact, mut wild, mut negated) = (false, None, None);
            for pattern in list.split(',') {
                let (is_negated, body) = match pattern.strip_prefix('!') {
                    Some(b) => (true, b),
                    None => (false, pattern),
                };
                let is_wild = body.contains(['*', '?']);
                let hit = names.iter().any(|name| {
                    if is_wild {
                        glob(body.as_bytes(), name.as_bytes())
                    } else {
                        body.eq_ignore_ascii_case(name)
                    }
                });
                match (hit, is_negated, is_wild) {
                    (false, _, _) => {}
                    (true, true, _) => negated = negated.or(Some(pattern)),
                    (true, false, true) => wild = wild.or(Some(pattern)),
                    (true, false, false) => exact = true,
                }
            }
            // Same precedence as OpenSSH: a negated match wins over any positive one.
            let verdict = if let Some(neg) = negated {
                Some(keep(query, NEGATED, Some(neg)))
            } else if exact {
                match (&marker_reason, special) {
                    (Some(reason), _) => Some(keep(query, reason, None)),
                    (None, Some(pattern)) => Some(keep(query, MIXED, Some(pattern))),
                    (None, None) => return Verdict::Remove { query },
                }
            } else if let Some(pattern) = wild {
                let reason = marker_reason.as_deref().unwrap_or(COVERS);
                Some(keep(query, reason, Some(pattern)))
            } else {
                None
            };
            if first_keep.is_none() {
                first_keep = verdict;
            }
        }
        first_keep.unwrap_or(Verdict::NoMatch)
    }
}

fn is_special(pattern: &str) -> bool {
    pattern.starts_with('!') || pattern.contains(['*', '?'])
}

fn keep(query: usize, reason: &str, pattern: Option<&str>) -> Verdict {
    Verdict::Keep { query, reason: reason.to_string(), pattern: pattern.map(str::to_string) }
}

/// OpenSSH's `match_pattern`: `*` matches any run of bytes (also none), `?` one
/// byte, anything else itself, without ASCII case (`s` is lower-case already).
/// Iterative with one backtrack point, so a pattern like `*a*a*a*b` cannot blow up.
pub(crate) fn glob(pattern: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, i));
                p += 1;
            }
            Some(&c) if c == b'?' || c.to_ascii_lowercase() == s[i] => {
                p += 1;
                i += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    star = Some((sp, si + 1));
                    p = sp + 1;
                    i = si + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known_hosts::parse::{parse_line, Line};

    /// Made by `ssh-keygen -H` for `foo.example.com` (port 22).
    const HASHED_FOO: &str = "|1|uiSGRE8iSeTfFeXW9Q9v0KFUc+0=|3s9Vu0xbbQ/T4Cm2sHKr5Lt3k1U=";
    /// Made by `ssh-keygen -H` for `[foo.example.com]:2222`.
    const HASHED_FOO_2222: &str = "|1|+rTvx5dv0ad8xIlZVLc/UX+jOms=|/NHYFqeApJi2MJqClKnefl/o87s=";

    fn judge(hosts: &str, queries: &[&str]) -> Verdict {
        let queries: Vec<HostQuery> = queries.iter().map(|q| HostQuery::parse(q).expect(q)).collect();
        let line = format!("{hosts} ssh-ed25519 AAAA");
        let Line::Entry(entry) = parse_line(line.as_bytes()) else {
            panic!("not an entry: {line}");
        };
        Matcher::new(&queries).judge(&entry)
    }

    fn reason(v: Verdict) -> String {
        match v {
            Verdict::Keep { reason, .. } => reason,
            other => panic!("expected keep, got {other:?}"),
        }
    }

    #[test]
    fn glob_follows_openssh() {
        assert!(glob(b"*", b""));
        assert!(glob(b"*.example.com", b"a.example.com"));
        assert!(!glob(b"*.example.com", b"example.com"));
        assert!(glob(b"h?st", b"host"));
        assert!(!glob(b"h?st", b"hst"));
        assert!(glob(b"a*b*c", b"axxbyyc"));
        assert!(!glob(b"a*b*c", b"axxbyy"));
        assert!(glob(b"10.0.*.1", b"10.0.200.1"));
        assert!(glob(b"[*]:2222", b"[host]:2222"));
        let long = vec![b'a'; 5000];
        assert!(!glob(b"*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn plain_names_match_exactly_without_case() {
        assert_eq!(judge("Host.Example.com", &["host.example.com"]), Verdict::Remove { query: 0 });
        assert_eq!(judge("other,host,1.2.3.4", &["1.2.3.4"]), Verdict::Remove { query: 0 });
        assert_eq!(judge("hostx", &["host"]), Verdict::NoMatch);
        assert_eq!(judge("host.example.com", &["host"]), Verdict::NoMatch);
    }

    #[test]
    fn ports_need_the_bracketed_form() {
        assert_eq!(judge("[host]:2222", &["host:2222"]), Verdict::Remove { query: 0 });
        assert_eq!(judge("[host]:2222", &["host"]), Verdict::NoMatch);
        assert_eq!(judge("host", &["host:2222"]), Verdict::NoMatch);
        assert_eq!(judge("[host]:2223", &["[host]:2222"]), Verdict::NoMatch);
        assert_eq!(judge("[host]:22", &["host"]), Verdict::Remove { query: 0 });
        assert_eq!(judge("host", &["host:22"]), Verdict::Remove { query: 0 });
    }

    #[test]
    fn ipv6_addresses() {
        assert_eq!(judge("::1", &["::1"]), Verdict::Remove { query: 0 });
        assert_eq!(judge("[::1]:2222", &["[::1]:2222"]), Verdict::Remove { query: 0 });
        assert_eq!(judge("[::1]:2222", &["::1"]), Verdict::NoMatch);
        assert_eq!(judge("fe80::1,host", &["FE80::1"]), Verdict::Remove { query: 0 });
    }

    #[test]
    fn hashed_entries_match_by_hmac() {
        assert_eq!(judge(HASHED_FOO, &["foo.example.com"]), Verdict::Remove { query: 0 });
        assert_eq!(judge(HASHED_FOO, &["FOO.example.com"]), Verdict::Remove { query: 0 });
        assert_eq!(judge(HASHED_FOO, &["bar.example.com"]), Verdict::NoMatch);
        assert_eq!(judge(HASHED_FOO, &["foo.example.com:2222"]), Verdict::NoMatch);
        assert_eq!(judge(HASHED_FOO_2222, &["foo.example.com:2222"]), Verdict::Remove { query: 0 });
        assert_eq!(judge(HASHED_FOO_2222, &["foo.example.com"]), Verdict::NoMatch);
        assert_eq!(judge(HASHED_FOO_2222, &["x", "y", "[foo.example.com]:2222"]), Verdict::Remove { query: 2 });
    }

    #[test]
    fn wildcards_are_kept_and_reported() {
        let v = judge("*.example.com", &["foo.example.com"]);
        assert_eq!(reason(v.clone()), COVERS);
        assert!(matches!(v, Verdict::Keep { pattern: Some(p), .. } if p == "*.example.com"));
        assert_eq!(reason(judge("h?st", &["host"])), COVERS);
        assert_eq!(reason(judge("[*]:2222", &["host:2222"])), COVERS);
        assert_eq!(judge("*.example.com", &["example.org"]), Verdict::NoMatch);
        assert_eq!(reason(judge("host,*.example.com", &["host"])), MIXED);
    }

    #[test]
    fn negations_are_kept_and_reported() {
        assert_eq!(reason(judge("*.example.com,!bad.example.com", &["bad.example.com"])), NEGATED);
        assert_eq!(reason(judge("host,!host", &["host"])), NEGATED);
        assert_eq!(reason(judge("host,!other", &["host"])), MIXED);
        assert_eq!(judge("!other", &["host"]), Verdict::NoMatch);
    }

    #[test]
    fn marker_lines_are_kept() {
        let r = reason(judge("@cert-authority host", &["host"]));
        assert!(r.starts_with("@cert-authority line, kept"), "{r}");
        let r = reason(judge("@revoked *.example.com", &["a.example.com"]));
        assert!(r.starts_with("@revoked line, kept"), "{r}");
        let r = reason(judge(&format!("@revoked {HASHED_FOO}"), &["foo.example.com"]));
        assert!(r.starts_with("@revoked line, kept"), "{r}");
        assert_eq!(judge("@revoked other", &["host"]), Verdict::NoMatch);
    }

    #[test]
    fn a_removing_query_wins_over_an_earlier_keeping_one() {
        assert_eq!(judge("a,b", &["c", "b"]), Verdict::Remove { query: 1 });
    }
}
