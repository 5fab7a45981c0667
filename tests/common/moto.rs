//! moto's server (an AWS emulator, `pip install 'moto[server]'`, pinned in `.ci/run`) for
//! the cloud tests, with signature checking on; and a proxy that delays every request, for
//! benchmarks that need a network's latency on 127.0.0.1.
//!
//! moto checks signatures only when started with `INITIAL_NO_AUTH_ACTION_COUNT=N`: its
//! first N requests pass unsigned, every later one must be signed with a key that moto's
//! IAM knows. [`Moto::start`] spends exactly those N requests on making an IAM user, its
//! access key and an allow-all policy, so everything a test sends afterwards is checked (a
//! wrong secret answers `AuthFailure`). Everything here uses std only (plain HTTP/1.1 over
//! `TcpStream`), so it builds before the project's HTTP client does.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The unsigned requests [`Moto::start`] needs: CreateUser, CreateAccessKey, PutUserPolicy.
const BOOTSTRAP_REQUESTS: u32 = 3;
/// The IAM user whose access key the tests use.
pub const USER: &str = "keyshelf-test";
const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// A moto server on 127.0.0.1 with signature checking on, and an IAM user's access key
/// made for the test. The server is killed when this is dropped; its state (key pairs in
/// every region, account `123456789012`) belongs to this test alone.
pub struct Moto {
    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    addr: SocketAddr,
    child: Child,
    /// Holds `moto.log`, the server's output (shown when it fails to start).
    dir: TempDir,
}

impl Moto {
    /// Starts `moto_server` on a free port and makes the test's access key; returns None
    /// (after printing "skipped: moto_server not installed") when moto_server is not
    /// installed, so tests can skip with a printed reason. Panics when it is installed but
    /// does not come up.
    pub fn start() -> Option<Moto> {
        if !installed() {
            // CI installs moto (.ci/run): there a missing emulator is a failure, not a skip.
            assert!(std::env::var_os("CI").is_none(), "moto_server is not installed, although .ci/run installs it");
            println!("skipped: moto_server not installed (python3 -m pip install 'moto[server]', see .ci/run)");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir for moto's log");
        let log_path = dir.path().join("moto.log");
        // The free port is only free until moto binds it: try again if something else won.
        let mut tries = 0;
        let (child, addr) = loop {
            tries += 1;
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("bind 127.0.0.1:0 to find a free port")
                .port();
            let log = std::fs::File::create(&log_path).expect("create moto.log");
            let mut child = Command::new("moto_server")
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("INITIAL_NO_AUTH_ACTION_COUNT", BOOTSTRAP_REQUESTS.to_string())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone moto.log handle"))
                .stderr(log)
                .spawn()
                .expect("spawn moto_server");
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            match wait_for_port(&mut child, addr, Duration::from_secs(20)) {
                Ok(()) => break (child, addr),
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    if tries >= 3 {
                        panic!("moto_server did not start on {addr}: {why}\n--- moto.log ---\n{log}");
                    }
                }
            }
        };
        let mut moto = Moto {
            endpoint: format!("http://{addr}"),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            addr,
            child,
            dir,
        };
        moto.bootstrap();
        Some(moto)
    }

    /// The three unsigned requests moto lets through: user, access key, allow-all policy.
    fn bootstrap(&mut self) {
        let call = |body: String| {
            let (status, reply) = self.post_unsigned("iam", &body);
            assert_eq!(status, 200, "moto bootstrap {body}: {reply}\n{}", self.log());
            reply
        };
        call(format!("Action=CreateUser&Version=2010-05-08&UserName={USER}"));
        let key = call(format!("Action=CreateAccessKey&Version=2010-05-08&UserName={USER}"));
        call(format!(
            "Action=PutUserPolicy&Version=2010-05-08&UserName={USER}&PolicyName=allow-all&PolicyDocument={}",
            form_encode(ALLOW_ALL)
        ));
        let tag = |name: &str| {
            between(&key, &format!("<{name}>"), &format!("</{name}>"))
                .unwrap_or_else(|| panic!("no {name} in moto's CreateAccessKey reply: {key}"))
                .to_string()
        };
        self.access_key_id = tag("AccessKeyId");
        self.secret_access_key = tag("SecretAccessKey");
    }

    /// POSTs a form `body` (`Action=...&Version=...`) to the server's root without a
    /// signature and returns (HTTP status, body). The `Authorization` header carries a
    /// made-up credential only so that moto routes the request to `service` (`iam`, `ec2`,
    /// `sts`): moto picks the service from its credential scope, and a `Host` of
    /// `iam.amazonaws.com` alone does not work (500). After [`Moto::start`] moto refuses
    /// these (status 4xx), which shows that signatures are checked.
    pub fn post_unsigned(&self, service: &str, body: &str) -> (u16, String) {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=unsigned/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        http_post(self.addr, &[("Authorization", &auth)], body)
    }

    /// Environment for a Keyshelf process pointed at this server and at nothing of the
    /// real machine: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` name files in
    /// `dir/.aws` holding profile `profile` (this access key, region us-east-1),
    /// `AWS_ENDPOINT_URL` is this server, `HOME` is `dir`. Returns the (name, value) pairs
    /// to set and the names to remove (`AWS_PROFILE`, `AWS_REGION`, the key variables,
    /// per-service endpoints...); a test that wants `AWS_ACCESS_KEY_ID` sets it itself.
    pub fn write_profile(&self, dir: &Path, profile: &str) -> (Vec<(String, String)>, Vec<String>) {
        let aws = dir.join(".aws");
        std::fs::create_dir_all(&aws).expect("create .aws in the test folder");
        let config = aws.join("config");
        let credentials = aws.join("credentials");
        let section = if profile == "default" { "default".to_string() } else { format!("profile {profile}") };
        std::fs::write(&config, format!("[{section}]\nregion = us-east-1\n")).expect("write .aws/config");
        std::fs::write(
            &credentials,
            format!(
                "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                self.access_key_id, self.secret_access_key
            ),
        )
        .expect("write .aws/credentials");
        let set = vec![
            ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE".to_string(), credentials.display().to_string()),
            ("AWS_ENDPOINT_URL".to_string(), self.endpoint.clone()),
            ("HOME".to_string(), dir.display().to_string()),
        ];
        let unset = [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL_EC2",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_IAM",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CA_BUNDLE",
        ]
        .map(String::from)
        .to_vec();
        (set, unset)
    }

    /// The server's output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `moto_server` runs (checked once per test binary). `--help` rather than a look
/// on PATH: pyenv leaves a `moto_server` shim behind that fails when moto is gone.
fn installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        Command::new("moto_server")
            .arg("--help")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Connects every 50 ms until `addr` accepts, the child exits, or `limit` passes.
fn wait_for_port(child: &mut Child, addr: SocketAddr, limit: Duration) -> Result<(), String> {
    let start = Instant::now();
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("moto_server exited: {status}"));
        }
        if start.elapsed() > limit {
            return Err(format!("not listening after {limit:?}"));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// One HTTP/1.1 POST of a form body to `/` with `Connection: close`; (status, body).
fn http_post(addr: SocketAddr, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("set read timeout");
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("send to {addr}: {e}"));
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap_or_else(|e| panic!("read from {addr}: {e}"));
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((reply.as_str(), ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP reply from {addr}: {reply}"));
    (status, body.to_string())
}

/// The text between the first `open` and the `close` after it.
fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

/// `application/x-www-form-urlencoded` value encoding (unreserved characters kept).
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A TCP proxy on 127.0.0.1 that holds back every request for `delay` before passing it
/// on, so a client pointed at `endpoint` sees one network round trip per request on top
/// of the upstream's own time.
///
/// The latency it models is **added once per request**, whether the client opens a new
/// connection for each request or keeps one alive: on every connection, the first bytes
/// from the client, and the first client bytes after each answer from upstream, wait
/// `delay`; the rest of a request and every answer pass at once. (It assumes a client
/// that waits for an answer before its next request on the same connection, as HTTP/1.1
/// clients do; connection set-up itself adds nothing.) Connections are served in
/// parallel, so N concurrent requests take about one `delay`, not N.
///
/// Dropping it stops the listener and cuts the connections still open.
pub struct DelayProxy {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// The connections still open (client and upstream sides), to cut them on drop.
    open: Arc<Mutex<HashMap<u64, [TcpStream; 2]>>>,
    listener: Option<JoinHandle<()>>,
}

impl DelayProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream`
    /// (`http://HOST:PORT` or `HOST:PORT`).
    pub fn start(upstream: &str, delay: Duration) -> DelayProxy {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the delay proxy");
        let addr = listener.local_addr().expect("delay proxy address");
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(HashMap::new()));
        let (stop2, open2) = (stop.clone(), open.clone());
        let handle = thread::spawn(move || {
            let next_id = AtomicU64::new(0);
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let upstream = upstream.clone();
                let open = open2.clone();
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                thread::spawn(move || {
                    proxy_connection(client, &upstream, delay, id, &open);
                    open.lock().expect("delay proxy connections").remove(&id);
                });
            }
        });
        DelayProxy { endpoint: format!("http://{addr}"), addr, stop, open, listener: Some(handle) }
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so that the listener thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.listener.take() {
            let _ = h.join();
        }
        for [client, server] in self.open.lock().expect("delay proxy connections").drain().map(|(_, v)| v) {
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
    }
}

/// Pipes one client connection to a new upstream connection until either side closes,
/// holding back the start of each request for `delay`.
fn proxy_connection(
    client: TcpStream,
    upstream: &str,
    delay: Duration,
    id: u64,
    open: &Mutex<HashMap<u64, [TcpStream; 2]>>,
) {
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(client2), Ok(server2), Ok(client3), Ok(server3)) =
        (client.try_clone(), server.try_clone(), client.try_clone(), server.try_clone())
    else {
        return;
    };
    open.lock().expect("delay proxy connections").insert(id, [client3, server3]);
    // True when the next bytes from the client start a new request.
    let new_request = Arc::new(AtomicBool::new(true));
    let answered = new_request.clone();
    let down = thread::spawn(move || {
        // upstream -> client; every answer makes the client's next bytes a new request.
        let (mut from, mut to) = (server2, client2);
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
            answered.store(true, Ordering::SeqCst);
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    // client -> upstream.
    let (mut from, mut to) = (client, server);
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        if new_request.swap(false, Ordering::SeqCst) {
            thread::sleep(delay);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = down.join();
}
