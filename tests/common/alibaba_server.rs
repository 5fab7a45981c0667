//! A small stand-in for Alibaba Cloud's ECS (2014-05-26) and STS (2015-04-01) RPC APIs on
//! 127.0.0.1, for end-to-end tests of the `alibaba` provider: every request's
//! ACS3-HMAC-SHA256 signature is checked with the signature code of this file (written
//! from Alibaba Cloud's "Request syntax and signature method V3" page, not Keyshelf's
//! signer), and the replies and errors have the JSON shapes of the API reference.
//!
//! State is kept per access key (one access key is one account, as moto keeps one state
//! per account): its key pairs region by region, the calls it made, and actions to
//! answer once with `Throttling.User`. So one server serves every test of a file, each
//! test with its own access key.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use md5::Md5;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const ECS_VERSION: &str = "2014-05-26";
pub const STS_VERSION: &str = "2015-04-01";
/// The regions DescribeRegions lists.
pub const REGIONS: [&str; 5] = ["ap-southeast-1", "cn-beijing", "cn-hangzhou", "cn-shanghai", "eu-central-1"];
/// DescribeKeyPairs' largest page.
pub const MAX_PAGE_SIZE: usize = 50;
/// How far `x-acs-date` may be from the server's clock.
const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// One key pair as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub name: String,
    /// The public key exactly as imported (`PublicKeyBody`).
    pub public_key: String,
    /// MD5 of the SSH key blob, lowercase hex.
    pub fingerprint: String,
    pub creation_time: String,
    pub tags: Vec<(String, String)>,
}

/// One request that reached the server with a known access key.
#[derive(Debug, Clone)]
pub struct Call {
    pub action: String,
    pub params: BTreeMap<String, String>,
    /// `None` when answered with success, else the error code sent back.
    pub error: Option<String>,
}

struct User {
    secret: String,
    /// The STS token this access key must come with, if it is a temporary one.
    token: Option<String>,
    account_id: String,
    keys: BTreeMap<String, Vec<KeyPair>>,
    calls: Vec<Call>,
    /// Actions whose next call is answered with `Throttling.User`.
    throttle: Vec<String>,
}

#[derive(Default)]
struct State {
    users: HashMap<String, User>,
    nonces: HashSet<String>,
    requests: u64,
    /// Requests whose access key the server did not know.
    unknown_key_requests: usize,
}

/// The server; it runs until the test process ends.
pub struct AlibabaServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl AlibabaServer {
    /// Listens on a free port of 127.0.0.1 and answers on a thread (one more per
    /// connection).
    pub fn start() -> AlibabaServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the Alibaba Cloud test server");
        let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                thread::spawn(move || serve_connection(stream, &state));
            }
        });
        AlibabaServer { endpoint, state }
    }

    /// Adds an access key (a new account with no key pairs); returns the account's id.
    pub fn add_user(&self, access_key_id: &str, secret: &str) -> String {
        let mut st = self.state.lock().unwrap();
        let account_id = format!("{}", 1_480_000_000_000_000u64 + st.users.len() as u64 * 7919 + 17);
        let user = User {
            secret: secret.to_string(),
            token: None,
            account_id: account_id.clone(),
            keys: BTreeMap::new(),
            calls: Vec::new(),
            throttle: Vec::new(),
        };
        assert!(st.users.insert(access_key_id.to_string(), user).is_none(), "access key {access_key_id} added twice");
        account_id
    }

    /// Makes an access key a temporary one: its requests must carry `token` in
    /// `x-acs-security-token` (signed, as every `x-acs-*` header is).
    pub fn require_token(&self, access_key_id: &str, token: &str) {
        let mut st = self.state.lock().unwrap();
        st.users.get_mut(access_key_id).expect("a known access key").token = Some(token.to_string());
    }

    /// The key pairs of `region`, in the order they were made.
    pub fn keys(&self, access_key_id: &str, region: &str) -> Vec<KeyPair> {
        let st = self.state.lock().unwrap();
        st.users[access_key_id].keys.get(region).cloned().unwrap_or_default()
    }

    /// Imports a key pair as the console would (no signature involved).
    pub fn console_import(&self, access_key_id: &str, region: &str, name: &str, public_key: &str) {
        let mut st = self.state.lock().unwrap();
        let user = st.users.get_mut(access_key_id).expect("a known access key");
        let keys = user.keys.entry(region.to_string()).or_default();
        assert!(keys.iter().all(|k| k.name != name), "{name} is already in {region}");
        keys.push(key_pair(name, public_key, Vec::new()).expect("a public key the server takes"));
    }

    /// Answers the next call of `action` with `Throttling.User`.
    pub fn throttle_once(&self, access_key_id: &str, action: &str) {
        let mut st = self.state.lock().unwrap();
        st.users.get_mut(access_key_id).expect("a known access key").throttle.push(action.to_string());
    }

    /// Every call made with this access key so far, signed well or not.
    pub fn calls(&self, access_key_id: &str) -> Vec<Call> {
        self.state.lock().unwrap().users[access_key_id].calls.clone()
    }

    /// Sends one request as written (`headers` as given, no signature added) and returns
    /// the HTTP status and the JSON reply: for tests of the server's own checks.
    pub fn raw(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let addr = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).expect("connect to the test server");
        let mut request = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n");
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).expect("send");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("read the reply");
        let (head, body) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
        (status, serde_json::from_str(body).expect("a JSON reply"))
    }

    /// How many requests named an access key the server does not know.
    pub fn unknown_key_requests(&self) -> usize {
        self.state.lock().unwrap().unknown_key_requests
    }
}

/// The parts of one HTTP request the server looks at.
struct HttpRequest {
    method: String,
    path: String,
    /// The raw query string (still percent-encoded).
    query: String,
    /// Lowercase names; a repeated header's values joined with commas.
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// Answers the requests of one connection until the client closes it (or asks for
/// `Connection: close`).
fn serve_connection(stream: TcpStream, state: &Mutex<State>) {
    let Ok(write_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    let mut out = write_half;
    while let Some(req) = read_request(&mut reader) {
        let (status, body) = answer(&req, state);
        let body = body.to_string();
        let close = req.headers.get("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let head = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: {}\r\n{}\r\n",
            if status == 200 { "OK" } else { "Error" },
            body.len(),
            if close { "Connection: close\r\n" } else { "" },
        );
        if out.write_all(head.as_bytes()).and_then(|()| out.write_all(body.as_bytes())).is_err() || close {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<HttpRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
        headers.entry(name).and_modify(|v| *v = format!("{v},{value}")).or_insert(value);
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(HttpRequest { method, path, query, headers, body })
}

/// Alibaba Cloud's error reply.
fn error(request_id: &str, status: u16, code: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({
            "RequestId": request_id,
            "HostId": "ecs.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={request_id}"),
        }),
    )
}

fn answer(req: &HttpRequest, state: &Mutex<State>) -> (u16, Value) {
    let mut st = state.lock().unwrap();
    st.requests += 1;
    let request_id = format!("5C3D1E2F-{:04X}-4A6B-8C9D-{:012X}", st.requests % 0xFFFF, st.requests * 7_777);
    let params = match parse_query(&req.query) {
        Ok(p) => p,
        Err(why) => return error(&request_id, 400, "InvalidParameter", &why),
    };
    let action = req.headers.get("x-acs-action").cloned().unwrap_or_default();

    // Who is asking.
    let Some(auth) = parse_authorization(req.headers.get("authorization").map(String::as_str)) else {
        return error(
            &request_id,
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.",
        );
    };
    let Some(user) = st.users.get(&auth.access_key_id) else {
        st.unknown_key_requests += 1;
        return error(&request_id, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    };
    let checked = check_signature(req, &auth, &user.secret);
    let nonce = req.headers.get("x-acs-signature-nonce").cloned().unwrap_or_default();
    let nonce_used = st.nonces.contains(&nonce);
    let token = req.headers.get("x-acs-security-token");
    let token_ok = user.token.as_ref() == token;
    let reply = match checked {
        Err((code, message)) => error(&request_id, 400, code, &message),
        Ok(()) if !token_ok && token.is_none() => {
            error(&request_id, 400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
        }
        Ok(()) if !token_ok => error(
            &request_id,
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        ),
        Ok(()) if nonce_used => {
            error(&request_id, 400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        }
        Ok(()) => {
            st.nonces.insert(nonce);
            let user = st.users.get_mut(&auth.access_key_id).expect("looked up above");
            if let Some(i) = user.throttle.iter().position(|a| *a == action) {
                user.throttle.remove(i);
                error(&request_id, 400, "Throttling.User", "Request was denied due to user flow control.")
            } else {
                let version = req.headers.get("x-acs-version").map(String::as_str).unwrap_or_default();
                dispatch(user, &action, version, &params, &request_id)
            }
        }
    };
    let user = st.users.get_mut(&auth.access_key_id).expect("looked up above");
    let error_code = (reply.0 != 200).then(|| reply.1["Code"].as_str().unwrap_or_default().to_string());
    user.calls.push(Call { action, params, error: error_code });
    reply
}

fn dispatch(
    user: &mut User,
    action: &str,
    version: &str,
    params: &BTreeMap<String, String>,
    request_id: &str,
) -> (u16, Value) {
    let missing = |name: &str| {
        error(
            request_id,
            400,
            "MissingParameter",
            &format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
        )
    };
    if version == STS_VERSION && action == "GetCallerIdentity" {
        let user_id = format!("2{}", &user.account_id[1..]);
        return (
            200,
            json!({
                "IdentityType": "RAMUser",
                "AccountId": user.account_id,
                "RequestId": request_id,
                "PrincipalId": user_id,
                "UserId": user_id,
                "Arn": format!("acs:ram::{}:user/keyshelf-test", user.account_id),
                "RoleId": "",
            }),
        );
    }
    if version != ECS_VERSION {
        return error(
            request_id,
            404,
            "InvalidVersion",
            &format!("Specified parameter Version is not valid: {version}."),
        );
    }
    if action == "DescribeRegions" {
        let regions: Vec<Value> = REGIONS
            .iter()
            .map(|r| json!({"RegionId": r, "LocalName": r, "RegionEndpoint": format!("ecs.{r}.aliyuncs.com"), "Status": "available"}))
            .collect();
        return (200, json!({"RequestId": request_id, "Regions": {"Region": regions}}));
    }
    if !matches!(action, "DescribeKeyPairs" | "ImportKeyPair" | "DeleteKeyPairs") {
        return error(
            request_id,
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        );
    }
    let Some(region) = params.get("RegionId") else { return missing("RegionId") };
    if !REGIONS.contains(&region.as_str()) {
        return error(request_id, 400, "InvalidRegionId.MalFormed", "The specified parameter RegionId is not valid.");
    }
    let keys = user.keys.entry(region.clone()).or_default();
    match action {
        "DescribeKeyPairs" => {
            let number = |name: &str, default: usize| params.get(name).map_or(Ok(default), |v| v.parse::<usize>());
            let (Ok(page), Ok(size)) = (number("PageNumber", 1), number("PageSize", 10)) else {
                return error(request_id, 400, "InvalidParameter", "PageNumber and PageSize are numbers.");
            };
            if page == 0 || size == 0 || size > MAX_PAGE_SIZE {
                return error(
                    request_id,
                    400,
                    "InvalidParameter.PageSize",
                    "The specified parameter PageSize is not valid.",
                );
            }
            let with_key = params.get("IncludePublicKey").is_some_and(|v| v == "true");
            let matching: Vec<&KeyPair> =
                keys.iter().filter(|k| params.get("KeyPairName").is_none_or(|p| name_matches(p, &k.name))).collect();
            let items: Vec<Value> = matching
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .map(|k| {
                    let tags: Vec<Value> =
                        k.tags.iter().map(|(key, v)| json!({"TagKey": key, "TagValue": v})).collect();
                    let mut item = json!({
                        "KeyPairName": k.name,
                        "KeyPairFingerPrint": k.fingerprint,
                        "CreationTime": k.creation_time,
                        "ResourceGroupId": "",
                        "Tags": {"Tag": tags},
                    });
                    if with_key {
                        item["PublicKey"] = Value::from(k.public_key.clone());
                    }
                    item
                })
                .collect();
            (
                200,
                json!({"RequestId": request_id, "TotalCount": matching.len(), "PageNumber": page, "PageSize": size,
                       "KeyPairs": {"KeyPair": items}}),
            )
        }
        "ImportKeyPair" => {
            let (Some(name), Some(body)) = (params.get("KeyPairName"), params.get("PublicKeyBody")) else {
                return missing("KeyPairName or PublicKeyBody");
            };
            if keys.iter().any(|k| k.name == *name) {
                return error(request_id, 400, "KeyPair.AlreadyExist", "The key pair already exist.");
            }
            let tags: Vec<(String, String)> = (1..=20)
                .filter_map(|i| {
                    let key = params.get(&format!("Tag.{i}.Key"))?;
                    Some((key.clone(), params.get(&format!("Tag.{i}.Value")).cloned().unwrap_or_default()))
                })
                .collect();
            match key_pair(name, body, tags) {
                Ok(k) => {
                    let reply =
                        json!({"RequestId": request_id, "KeyPairName": k.name, "KeyPairFingerPrint": k.fingerprint});
                    keys.push(k);
                    (200, reply)
                }
                Err(why) => error(request_id, 400, "InvalidPublicKeyBody.Malformed", &why),
            }
        }
        _ => {
            let Some(names) = params.get("KeyPairNames") else { return missing("KeyPairNames") };
            let Ok(names) = serde_json::from_str::<Vec<String>>(names) else {
                return error(request_id, 400, "InvalidParameter", "KeyPairNames is not a JSON array of names.");
            };
            keys.retain(|k| !names.contains(&k.name));
            (200, json!({"RequestId": request_id}))
        }
    }
}

/// `KeyPairName` as a filter: `*` matches any run of characters.
fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() >= head.len() && name.starts_with(head) && name_matches_tail(tail, &name[head.len()..])
        }
    }
}

fn name_matches_tail(pattern: &str, rest: &str) -> bool {
    (0..=rest.len()).filter(|i| rest.is_char_boundary(*i)).any(|i| name_matches(pattern, &rest[i..]))
}

/// A key pair from an imported public key: ECS takes RSA (and DSA, ECDSA) keys.
fn key_pair(name: &str, public_key: &str, tags: Vec<(String, String)>) -> Result<KeyPair, String> {
    let mut fields = public_key.split_whitespace();
    let kind = fields.next().unwrap_or_default();
    if !matches!(kind, "ssh-rsa" | "ssh-dss") && !kind.starts_with("ecdsa-sha2-") {
        return Err(format!("The public key type {kind} is not supported."));
    }
    let blob = fields.next().and_then(|b| Base64::decode_vec(b).ok()).ok_or("The public key is not valid.")?;
    Ok(KeyPair {
        name: name.to_string(),
        public_key: public_key.to_string(),
        fingerprint: hex(&Md5::digest(&blob)),
        creation_time: "2026-01-02T03:04Z".to_string(),
        tags,
    })
}

/// The Authorization header's parts.
struct Authorization {
    access_key_id: String,
    signed_headers: Vec<String>,
    signature: String,
}

/// `ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=HEX`.
fn parse_authorization(header: Option<&str>) -> Option<Authorization> {
    let rest = header?.strip_prefix("ACS3-HMAC-SHA256 ")?;
    let mut fields = HashMap::new();
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        fields.insert(k, v);
    }
    Some(Authorization {
        access_key_id: fields.get("Credential")?.to_string(),
        signed_headers: fields.get("SignedHeaders")?.split(';').map(str::to_string).collect(),
        signature: fields.get("Signature")?.to_string(),
    })
}

/// Checks a request's V3 signature with `secret`: which headers are signed, the payload
/// hash, the date, then the signature itself.
fn check_signature(req: &HttpRequest, auth: &Authorization, secret: &str) -> Result<(), (&'static str, String)> {
    let incomplete = |why: String| Err(("IncompleteSignature", why));
    let signed = &auth.signed_headers;
    let mut sorted = signed.clone();
    sorted.sort();
    sorted.dedup();
    if *signed != sorted || signed.iter().any(|h| *h != h.to_ascii_lowercase()) {
        return incomplete(format!("SignedHeaders are not lowercase, sorted and unique: {}", signed.join(";")));
    }
    for required in
        ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"]
    {
        if !signed.iter().any(|h| h == required) {
            return incomplete(format!("The header {required} is not signed."));
        }
    }
    for name in req.headers.keys().filter(|n| n.starts_with("x-acs-") || *n == "content-type") {
        if !signed.contains(name) {
            return incomplete(format!("The header {name} is sent but not signed."));
        }
    }
    if let Some(h) = signed.iter().find(|h| !req.headers.contains_key(*h)) {
        return incomplete(format!("The signed header {h} is not sent."));
    }
    let payload_hash = hex(&Sha256::digest(&req.body));
    if req.headers["x-acs-content-sha256"] != payload_hash {
        return Err(("SignatureDoesNotMatch", "x-acs-content-sha256 is not the SHA-256 of the body.".into()));
    }
    let date = &req.headers["x-acs-date"];
    let at = time::PrimitiveDateTime::parse(
        date.trim_end_matches('Z'),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    )
    .map_err(|_| {
        ("InvalidTimeStamp.Format", format!("Specified time stamp or date value is not well formatted: {date}."))
    })?;
    if !date.ends_with('Z') {
        return Err(("InvalidTimeStamp.Format", format!("Specified time stamp is not in UTC: {date}.")));
    }
    let skew = (time::OffsetDateTime::now_utc() - at.assume_utc()).whole_seconds().abs();
    if skew > MAX_SKEW_SECONDS {
        return Err(("InvalidTimeStamp.Expired", format!("Specified time stamp or date value is expired: {date}.")));
    }

    let headers: Vec<(&str, &str)> = signed.iter().map(|h| (h.as_str(), req.headers[h].as_str())).collect();
    let (signature, string_to_sign) = acs3_signature(secret, &req.method, &req.path, &req.query, &headers, &req.body);
    if signature != auth.signature {
        return Err((
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
            ),
        ));
    }
    Ok(())
}

/// The V3 signature (lowercase hex) of a request and its string to sign: `query` is the
/// raw query string as sent, `signed` the signed headers (lowercase names) with their
/// values as sent.
pub fn acs3_signature(
    secret: &str,
    method: &str,
    path: &str,
    query: &str,
    signed: &[(&str, &str)],
    body: &[u8],
) -> (String, String) {
    let mut signed = signed.to_vec();
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(h, v)| format!("{h}:{}\n", v.trim())).collect();
    let names: Vec<&str> = signed.iter().map(|(h, _)| *h).collect();
    let canonical_request = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{}\n{}",
        if path.is_empty() { "/" } else { path },
        canonical_query(query),
        names.join(";"),
        hex(&Sha256::digest(body)),
    );
    let string_to_sign = format!("ACS3-HMAC-SHA256\n{}", hex(&Sha256::digest(canonical_request.as_bytes())));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    (hex(&mac.finalize().into_bytes()), string_to_sign)
}

/// The query's pairs, decoded (`%XX`; a `+` is a plus, as the V3 encoding writes a space
/// as `%20`).
fn parse_query(query: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(percent_decode(k)?, percent_decode(v)?);
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let byte = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(byte.ok_or_else(|| format!("bad percent escape in {s}"))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("not UTF-8 once decoded: {s}"))
}

/// The canonical query string: every name and value decoded, then encoded again as
/// RFC 3986 says (unreserved characters kept, everything else `%XX` in upper case),
/// sorted by name, joined with `&`.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (rfc3986(&percent_decode(k).unwrap_or_default()), rfc3986(&percent_decode(v).unwrap_or_default()))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

fn rfc3986(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
