//! HTTPS for the cloud APIs: one blocking client with a connect timeout, a bounded
//! reply, and retries of throttled calls with capped exponential backoff and jitter.
//! Every attempt is signed afresh (a signature holds the time it was made).

use std::time::Duration;

use super::sign::{SignableRequest, Signer};
use super::{Cancel, CloudError, Result};

/// The most of a reply that is read: key pair lists are small, and a reply larger than
/// this is not one of ours.
pub const MAX_REPLY_BYTES: u64 = 16 * 1024 * 1024;
/// How long a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one call may take in all.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Where an API is reached: `scheme://host[:port]`, plus a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub https: bool,
    /// The host as in the URL (`[::1]` keeps its brackets).
    pub host: String,
    pub port: Option<u16>,
    /// `/` or a prefix such as `/aws/`.
    pub path: String,
}

impl Endpoint {
    /// Parses an endpoint URL. Plain `http://` is taken only for a loopback address
    /// (an emulator or a test server): anything else would send signed requests, and
    /// what they reveal, in clear text.
    pub fn parse(url: &str) -> Result<Endpoint> {
        let bad = |why: &str| CloudError::Config(format!("endpoint '{url}' {why}"));
        let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(bad("must start with https://"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') || path.contains(['?', '#']) {
            return Err(bad("is not a plain https://HOST[:PORT][/PATH] address"));
        }
        let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
            let (h, after) = inner.split_once(']').ok_or_else(|| bad("has an unclosed '['"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad("has text after the IPv6 address")),
            };
            (format!("[{h}]"), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        let port = match port {
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad("has a port that is not a number from 1 to 65535"))?),
            None => None,
        };
        if host.is_empty()
            || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'))
        {
            return Err(bad("has an invalid host name"));
        }
        let e = Endpoint { https, host, port, path: path.to_string() };
        if !https && !e.is_loopback() {
            return Err(bad(
                "uses plain http://, which is allowed only for a loopback address (127.0.0.1, localhost, [::1])",
            ));
        }
        Ok(e)
    }

    /// An account's endpoint override: `None` when it is absent or blank, else parsed as
    /// [`Endpoint::parse`] does.
    pub fn parse_override(url: Option<&str>) -> Result<Option<Endpoint>> {
        url.map(str::trim).filter(|e| !e.is_empty()).map(Endpoint::parse).transpose()
    }

    fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The `Host` header's value: the host, and the port when it is not the scheme's.
    pub fn host_header(&self) -> String {
        match self.port {
            Some(p) if !(self.https && p == 443 || !self.https && p == 80) => format!("{}:{p}", self.host),
            _ => self.host.clone(),
        }
    }

    /// The URL without a query.
    pub fn url(&self) -> String {
        format!("{}://{}{}", if self.https { "https" } else { "http" }, self.host_header(), self.path)
    }
}

/// A request to send: always to the endpoint's path, with a body.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub query: Vec<(String, String)>,
    /// Headers sent and signed (content type, provider headers); the signer adds its own.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// How throttled calls are tried again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The first wait; each next one doubles, up to `max_delay`, then a random part of
    /// it is taken ("full jitter").
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 5, base_delay: Duration::from_millis(300), max_delay: Duration::from_secs(8) }
    }
}

impl RetryPolicy {
    /// The wait before try `attempt + 1` (attempt counts from 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        // Half fixed, half random: never zero, never in step with other clients.
        let half = cap / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// The blocking client, shared by every call of a run.
#[derive(Debug, Clone)]
pub struct Http {
    agent: ureq::Agent,
    pub retry: RetryPolicy,
}

impl Default for Http {
    fn default() -> Self {
        Http::new(RetryPolicy::default())
    }
}

impl Http {
    pub fn new(retry: RetryPolicy) -> Http {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(CALL_TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("keyshelf/", env!("CARGO_PKG_VERSION")))
            .build();
        Http { agent: config.new_agent(), retry }
    }

    /// Sends `req`, signed by `signer`, trying again while `throttled` says the reply
    /// asks to slow down (and on HTTP 503). Returns the last reply, whatever its status:
    /// the provider module reads its errors.
    pub fn send(
        &self,
        endpoint: &Endpoint,
        req: &Request,
        signer: &dyn Signer,
        throttled: &dyn Fn(&Reply) -> bool,
        cancel: &Cancel,
    ) -> Result<Reply> {
        let mut attempt = 1;
        loop {
            cancel.check()?;
            let reply = self.send_once(endpoint, req, signer)?;
            if !(reply.status == 503 || throttled(&reply)) || attempt >= self.retry.attempts {
                return Ok(reply);
            }
            let wait = self.retry.delay(attempt);
            // Sleep in small steps so that Cancel is heard.
            let until = std::time::Instant::now() + wait;
            while std::time::Instant::now() < until {
                cancel.check()?;
                std::thread::sleep(Duration::from_millis(50).min(until - std::time::Instant::now()));
            }
            attempt += 1;
        }
    }

    fn send_once(&self, endpoint: &Endpoint, req: &Request, signer: &dyn Signer) -> Result<Reply> {
        let host = endpoint.host_header();
        let signable = SignableRequest {
            method: req.method,
            host: &host,
            path: &endpoint.path,
            query: &req.query,
            headers: &req.headers,
            body: &req.body,
        };
        let added = signer.sign(&signable, time::OffsetDateTime::now_utc());
        let mut url = endpoint.url();
        if !req.query.is_empty() {
            let q: Vec<String> = req
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", super::sign::uri_encode(k), super::sign::uri_encode(v)))
                .collect();
            url.push('?');
            url.push_str(&q.join("&"));
        }
        let network = |e: ureq::Error| CloudError::Network { endpoint: endpoint.url(), reason: describe(&e) };
        let mut builder = match req.method {
            "GET" => ureq::http::Request::get(&url),
            _ => ureq::http::Request::post(&url),
        };
        for (k, v) in req.headers.iter().chain(added.iter()) {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder
            .body(req.body.clone())
            .map_err(|e| CloudError::Config(format!("cannot build a request to {}: {e}", endpoint.url())))?;
        let mut response = self.agent.run(request).map_err(network)?;
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(MAX_REPLY_BYTES).read_to_vec().map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => CloudError::BadReply {
                endpoint: endpoint.url(),
                reason: format!("the reply is larger than {} MiB", MAX_REPLY_BYTES / 1024 / 1024),
            },
            e => network(e),
        })?;
        Ok(Reply { status, body })
    }
}

/// A network failure in words, without ureq's debug forms.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t:?})"),
        ureq::Error::HostNotFound => "host not found (check the endpoint and your network)".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is the endpoint right, and the service up?)".into()
        }
        e => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_and_plain_http_is_only_for_loopback() {
        let e = Endpoint::parse("https://ec2.us-east-1.amazonaws.com").unwrap();
        assert_eq!(
            (e.https, e.host.as_str(), e.port, e.path.as_str()),
            (true, "ec2.us-east-1.amazonaws.com", None, "/")
        );
        assert_eq!(e.url(), "https://ec2.us-east-1.amazonaws.com/");
        let local = Endpoint::parse("http://127.0.0.1:5000").unwrap();
        assert_eq!(local.host_header(), "127.0.0.1:5000");
        assert!(Endpoint::parse("http://localhost:80/x/").is_ok());
        assert_eq!(Endpoint::parse("http://[::1]:9/").unwrap().host_header(), "[::1]:9");
        assert_eq!(Endpoint::parse("https://h:443").unwrap().host_header(), "h");
        for bad in [
            "http://example.com",
            "http://10.0.0.1:80",
            "ftp://x",
            "ec2.amazonaws.com",
            "https://",
            "https://u:p@host",
            "https://h:99999",
            "https://h/?a=b",
            "https://h o",
        ] {
            let err = Endpoint::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy { attempts: 10, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        for attempt in 1..40 {
            let d = p.delay(attempt);
            let cap = Duration::from_millis(100 * (1u64 << (attempt - 1).min(20))).min(Duration::from_secs(1));
            assert!(d >= cap / 2 && d <= cap, "attempt {attempt}: {d:?} (cap {cap:?})");
        }
    }
}
