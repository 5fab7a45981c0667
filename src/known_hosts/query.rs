//! Host queries: what the user asks to remove (a name, an address, `host:port`,
//! `[host]:port`), and the names OpenSSH would have written for it.

use std::fmt;

use super::KnownHostsError;

/// One host to remove: a lower-case name or address and a port (22 by default).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostQuery {
    /// Lower-case host name or address, without brackets.
    pub host: String,
    /// TCP port; 22 unless given.
    pub port: u16,
}

impl HostQuery {
    /// A query for `host` on port 22.
    pub fn new(host: impl Into<String>) -> Self {
        HostQuery { host: host.into().to_ascii_lowercase(), port: 22 }
    }

    /// Parses `name`, `1.2.3.4`, `host:port`, `[host]:port`, `::1` or `[::1]:2222`.
    ///
    /// An IPv6 literal alone (two or more colons) is an address on port 22; a port
    /// with an IPv6 address needs brackets. Names are compared without case, so
    /// they are lower-cased here, as `ssh` does before it hashes or matches.
    pub fn parse(input: &str) -> Result<HostQuery, KnownHostsError> {
        let text = input.trim();
        let bad = |reason: &str| KnownHostsError::InvalidHost { input: input.to_string(), reason: reason.to_string() };
        if text.is_empty() {
            return Err(bad("the host is empty"));
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let Some((host, after)) = rest.split_once(']') else {
                return Err(bad("missing ']' after the bracketed host"));
            };
            let port = match after {
                "" => 22,
                _ => match after.strip_prefix(':') {
                    Some(p) => parse_port(p).ok_or_else(|| bad(PORT_REASON))?,
                    None => return Err(bad("expected ':port' after ']'")),
                },
            };
            (host, port)
        } else {
            match text.matches(':').count() {
                0 => (text, 22),
                1 => {
                    let (host, p) = text.split_once(':').unwrap_or((text, ""));
                    (host, parse_port(p).ok_or_else(|| bad(PORT_REASON))?)
                }
                // An IPv6 literal such as `::1` or `fe80::1`: an address, not host:port.
                _ => (text, 22),
            }
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("a host cannot contain spaces or control characters"));
        }
        if host.contains(['*', '?', '!']) {
            return Err(bad("wildcards and negations are patterns, not hosts; give a host name or address"));
        }
        if host.contains([',', '[', ']', '|', '#', '@']) {
            return Err(bad("a host cannot contain , [ ] | # or @"));
        }
        // Only an IPv6 address holds colons, and it holds at least two. `[a:7]` would be
        // shown (and written by ssh) as `a:7`, which reads back as host `a`, port 7.
        if host.matches(':').count() == 1 {
            return Err(bad("a host name cannot contain ':'; give a port as host:port or [host]:port"));
        }
        Ok(HostQuery { host: host.to_ascii_lowercase(), port })
    }

    /// The names `ssh` looks up (and hashes) for this host: `host` for port 22
    /// (plus the harmless `[host]:22`), `[host]:port` otherwise.
    pub(crate) fn candidates(&self) -> Vec<String> {
        if self.port == 22 {
            vec![self.host.clone(), format!("[{}]:22", self.host)]
        } else {
            vec![format!("[{}]:{}", self.host, self.port)]
        }
    }
}

const PORT_REASON: &str = "the port must be a number from 1 to 65535";

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|p| *p != 0)
}

impl fmt::Display for HostQuery {
    /// `host` for port 22, `[host]:port` otherwise: the form known_hosts uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.port == 22 {
            f.write_str(&self.host)
        } else {
            write!(f, "[{}]:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> (String, u16) {
        let q = HostQuery::parse(s).expect(s);
        (q.host, q.port)
    }

    #[test]
    fn names_and_addresses_are_port_22_and_lower_case() {
        assert_eq!(q("Example.COM"), ("example.com".into(), 22));
        assert_eq!(q("192.0.2.7"), ("192.0.2.7".into(), 22));
        assert_eq!(q("  host  "), ("host".into(), 22));
    }

    #[test]
    fn host_colon_port_and_brackets_give_the_port() {
        assert_eq!(q("host:2222"), ("host".into(), 2222));
        assert_eq!(q("[host]:2222"), ("host".into(), 2222));
        assert_eq!(q("[host]"), ("host".into(), 22));
        assert_eq!(q("10.0.0.1:22"), ("10.0.0.1".into(), 22));
    }

    #[test]
    fn ipv6_alone_is_an_address_and_brackets_carry_the_port() {
        assert_eq!(q("::1"), ("::1".into(), 22));
        assert_eq!(q("fe80::1:2"), ("fe80::1:2".into(), 22));
        assert_eq!(q("[::1]:2222"), ("::1".into(), 2222));
        assert_eq!(q("[2001:db8::7]"), ("2001:db8::7".into(), 22));
    }

    #[test]
    fn bad_inputs_are_refused_with_a_reason() {
        for bad in [
            "",
            "host:",
            "host:0",
            "host:65536",
            "host:x",
            "[host",
            "[host]x",
            "[]:22",
            "*.example.com",
            "!host",
            "a b",
            "a,b",
            "h|x",
            "[a:7]:22",
            "[a:]",
        ] {
            let err = HostQuery::parse(bad).expect_err(bad);
            assert!(err.to_string().starts_with("invalid host"), "{bad}: {err}");
        }
    }

    #[test]
    fn candidates_follow_openssh_naming() {
        assert_eq!(HostQuery::new("h").candidates(), vec!["h", "[h]:22"]);
        assert_eq!(q_full("[::1]:2222").candidates(), vec!["[::1]:2222"]);
        assert_eq!(q_full("[::1]:2222").to_string(), "[::1]:2222");
        assert_eq!(q_full("h:22").to_string(), "h");
    }

    fn q_full(s: &str) -> HostQuery {
        HostQuery::parse(s).expect(s)
    }
}
