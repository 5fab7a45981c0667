//! A local stand-in for Tencent Cloud's CVM and STS APIs on 127.0.0.1, for the CLI's
//! end-to-end tests (no Tencent emulator exists): it checks every request's
//! TC3-HMAC-SHA256 signature with its own implementation, keeps key pairs per region,
//! pages `DescribeKeyPairs`, and answers in the documented JSON shapes (`Response`,
//! `Response.Error.Code/Message`, `RequestId`). The tests read its state as the oracle of
//! what the cloud holds.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::tc3::expected_authorization;

/// The account the stand-in's STS names.
pub const ACCOUNT_ID: &str = "100000000001";

/// One key pair the stand-in holds.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub id: String,
    pub name: String,
    pub public_key: String,
    pub tags: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, Vec<StoredKey>>,
    next_id: u32,
    /// The actions asked, in order.
    actions: Vec<String>,
}

/// The stand-in, serving until the test process ends; its credentials are the only ones
/// it takes.
pub struct TencentServer {
    /// `http://127.0.0.1:PORT`, for an account's `--endpoint`.
    pub endpoint: String,
    pub secret_id: String,
    pub secret_key: String,
    state: Arc<Mutex<State>>,
}

impl TencentServer {
    pub fn start() -> TencentServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().expect("local address"));
        let server = TencentServer {
            endpoint,
            secret_id: "AKIDkeyshelfTestSecretId01".into(),
            secret_key: "kstestSecretKeyValue0123456789ab".into(),
            state: Arc::default(),
        };
        let (state, id, key) = (server.state.clone(), server.secret_id.clone(), server.secret_key.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (state, id, key) = (state.clone(), id.clone(), key.clone());
                // One thread per connection: the CLI works on regions in parallel.
                std::thread::spawn(move || serve_one(stream, &state, &id, &key));
            }
        });
        server
    }

    /// Writes `~/.tccli/PROFILE.credential` (and `.configure` with `region`) under `home`,
    /// as `tccli configure --profile PROFILE` would, with `secret_key` as the key.
    pub fn write_profile(&self, home: &Path, profile: &str, secret_key: &str, region: &str) {
        let dir = home.join(".tccli");
        std::fs::create_dir_all(&dir).expect("create .tccli");
        let credential = json!({"secretId": self.secret_id, "secretKey": secret_key});
        std::fs::write(dir.join(format!("{profile}.credential")), credential.to_string()).expect("write credential");
        let configure = json!({"_sys_param": {"region": region, "output": "json"},
            "cvm": {"endpoint": "cvm.tencentcloudapi.com", "version": "2017-03-12"}});
        std::fs::write(dir.join(format!("{profile}.configure")), configure.to_string()).expect("write configure");
    }

    /// The key pairs of `region`, in the order they came.
    pub fn keys(&self, region: &str) -> Vec<StoredKey> {
        self.state.lock().unwrap().keys.get(region).cloned().unwrap_or_default()
    }

    /// Adds a key pair as a console user would.
    pub fn console_import(&self, region: &str, name: &str, line: &str) {
        let mut st = self.state.lock().unwrap();
        st.next_id += 1;
        let id = format!("skey-{:08x}", st.next_id);
        let key = StoredKey { id, name: name.into(), public_key: line.into(), tags: Vec::new() };
        st.keys.entry(region.to_string()).or_default().push(key);
    }

    /// The actions asked so far, in order.
    pub fn actions(&self) -> Vec<String> {
        self.state.lock().unwrap().actions.clone()
    }
}

fn serve_one(stream: std::net::TcpStream, state: &Mutex<State>, id: &str, key: &str) {
    let Ok(clone) = stream.try_clone() else { return };
    let mut reader = BufReader::new(clone);
    let mut headers = HashMap::new();
    let mut first = true;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if std::mem::take(&mut first) {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let reply = answer(state, &headers, &body, id, key);
    let mut s = stream;
    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", reply.len());
    let _ = s.write_all(reply.as_bytes());
}

fn error(code: &str, message: &str) -> String {
    json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "ts-req-error"}}).to_string()
}

fn ok(mut response: Value) -> String {
    response["RequestId"] = json!("ts-req-ok");
    json!({ "Response": response }).to_string()
}

fn answer(state: &Mutex<State>, headers: &HashMap<String, String>, body: &[u8], id: &str, key: &str) -> String {
    let action = headers.get("x-tc-action").cloned().unwrap_or_default();
    state.lock().unwrap().actions.push(action.clone());
    let sent = headers.get("authorization").cloned().unwrap_or_default();
    if !sent.contains(&format!("Credential={id}/")) {
        return error("AuthFailure.SecretIdNotFound", "The SecretId is not found.");
    }
    let service = if action == "GetCallerIdentity" { "sts" } else { "cvm" };
    if expected_authorization(headers, body, id, key, service).as_deref() != Some(sent.as_str()) {
        return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.");
    }
    let p: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut st = state.lock().unwrap();
    let region = headers.get("x-tc-region").cloned();
    match (action.as_str(), region) {
        ("GetCallerIdentity", _) => ok(json!({"Arn": format!("qcs::cam::uin/{ACCOUNT_ID}:uin/100000000011"),
            "AccountId": ACCOUNT_ID, "UserId": "100000000011", "PrincipalId": "100000000011", "Type": "CAMUser"})),
        ("DescribeRegions", _) => ok(json!({"TotalCount": 3, "RegionSet": [
            {"Region": "ap-singapore", "RegionName": "Southeast Asia(Singapore)", "RegionState": "AVAILABLE"},
            {"Region": "ap-guangzhou", "RegionName": "South China(Guangzhou)", "RegionState": "AVAILABLE"},
            {"Region": "eu-frankfurt", "RegionName": "Europe(Frankfurt)", "RegionState": "AVAILABLE"}]})),
        (_, None) => error("MissingParameter", "The request is missing a required parameter `Region`."),
        ("DescribeKeyPairs", Some(region)) => {
            let offset = p["Offset"].as_u64().unwrap_or(0) as usize;
            let limit = p["Limit"].as_u64().unwrap_or(20) as usize;
            if limit > 100 {
                return error("InvalidParameterValue", "Limit must be at most 100.");
            }
            let names: Vec<&str> = p["Filters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["Name"] == "key-name")
                .flat_map(|f| f["Values"].as_array().into_iter().flatten().filter_map(Value::as_str))
                .collect();
            let matching: Vec<&StoredKey> = st
                .keys
                .get(&region)
                .into_iter()
                .flatten()
                .filter(|k| names.is_empty() || names.iter().any(|n| k.name.contains(n)))
                .collect();
            let set: Vec<Value> = matching
                .iter()
                .skip(offset)
                .take(limit)
                .map(|k| {
                    let tags: Vec<Value> = k.tags.iter().map(|(t, v)| json!({"Key": t, "Value": v})).collect();
                    json!({"KeyId": k.id, "KeyName": k.name, "ProjectId": 0, "Description": "",
                        "PublicKey": k.public_key, "AssociatedInstanceIds": [],
                        "CreatedTime": "2024-05-01T08:00:00Z", "Tags": tags})
                })
                .collect();
            ok(json!({"TotalCount": matching.len(), "KeyPairSet": set}))
        }
        ("ImportKeyPair", Some(region)) => {
            let name = p["KeyName"].as_str().unwrap_or_default().to_string();
            let fits = !name.is_empty()
                && name.chars().count() <= 25
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let Some(line) = p["PublicKey"].as_str().filter(|_| fits && p["ProjectId"] == 0) else {
                return error("InvalidParameterValue", "KeyName, ProjectId or PublicKey is invalid.");
            };
            let line = line.to_string();
            if st.keys.get(&region).into_iter().flatten().any(|k| k.name == name) {
                return error("InvalidKeyPair.Duplicate", "The key pair name already exists.");
            }
            let tags = p["TagSpecification"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["ResourceType"] == "keypair")
                .flat_map(|s| s["Tags"].as_array().cloned().unwrap_or_default())
                .filter_map(|t| Some((t["Key"].as_str()?.to_string(), t["Value"].as_str()?.to_string())))
                .collect();
            st.next_id += 1;
            let id = format!("skey-{:08x}", st.next_id);
            st.keys.entry(region).or_default().push(StoredKey { id: id.clone(), name, public_key: line, tags });
            ok(json!({ "KeyId": id }))
        }
        ("DeleteKeyPairs", Some(region)) => {
            let ids: Vec<String> =
                p["KeyIds"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
            let keys = st.keys.entry(region).or_default();
            if ids.is_empty() || !ids.iter().all(|id| keys.iter().any(|k| &k.id == id)) {
                return error("InvalidKeyPair.NotFound", "The key pair does not exist.");
            }
            keys.retain(|k| !ids.contains(&k.id));
            ok(json!({}))
        }
        _ => error("InvalidAction", "The action requested does not exist."),
    }
}
