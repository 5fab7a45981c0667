//! Unit tests of the Tencent Cloud client against a local CVM/STS stand-in on 127.0.0.1:
//! it checks every request's TC3 signature with its own implementation, keeps key pairs
//! per region, pages lists, and answers in the documented JSON shapes (errors and
//! throttling included). Canned replies can be queued ahead of it for malformed answers.

use super::credentials::Source;
use super::*;
use crate::cloud::credentials::{Credentials, Secret};
use crate::cloud::http::RetryPolicy;
use crate::cloud::test_server;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The independent TC3 check the CLI's end-to-end stand-in uses too.
#[path = "../../../tests/common/tc3.rs"]
mod tc3;

const SECRET_ID: &str = "AKIDtencentTestSecretId";
const SECRET: &str = "tcTestSecretKeyValue0123456789ab";
const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDdC3bpaChHIeicen1HuEXdD95JP8mFplzbXCrH+vJSeDy+vDSKKtCC+y4b52zuWIAXYkyDpmGxDHK81NaYd/p4UlC2Q9zM2uR2IrOT7DVzutnKxZO/yckEbPhOAJMtG/uM7vaWCjh6C3rZNaeWpG+Rcc58pDClnIlrdeM37xMVePC0HSMS9T4nFSmYL8alzJpw4wDJtT93UR4m6T1uQuABc0QZ69t4TqHf2w4K7hdmrU2GAbJ+jia1wX97ZxCGTeERvCjfTonFbGqzIIhgwT2tP3oCjprso7AOU4QEgDlot1Wpd/5sfBHZtXqdowqUJVK/GJ/1zOtr3lkl90bleW/x test@keyshelf";
/// `ssh-keygen -l -f` of [`RSA`].
const RSA_SHA256: &str = "SHA256:R60hpjeF6Hf0cTEYtD6f9v3BUBjso3X6W81Vs1R8VHc";

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
struct Seen {
    action: String,
    version: String,
    region: Option<String>,
    /// Header names lowercased.
    headers: HashMap<String, String>,
    body: Value,
}

#[derive(Debug, Clone)]
struct StoredKey {
    id: String,
    name: String,
    public_key: String,
    tags: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, Vec<StoredKey>>,
    next_id: u32,
    /// This many requests are answered `RequestLimitExceeded` first.
    throttle: usize,
    /// Raw replies (status, body) given instead of the stand-in's own, in order.
    canned: VecDeque<(u16, String)>,
    /// STS refuses `GetCallerIdentity` (a sub-account without the permission).
    sts_denied: bool,
    seen: Vec<Seen>,
}

type Shared = Arc<Mutex<State>>;

/// Starts the stand-in; its URL and its state.
fn server() -> (String, Shared) {
    let state: Shared = Arc::default();
    let shared = state.clone();
    let url = test_server::serve(None, move |r| {
        let (status, reply) = answer(&shared, r.headers, &r.body);
        (status, reply.into_bytes())
    });
    (url, state)
}

fn error_reply(code: &str, message: &str) -> String {
    json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "req-err-1"}}).to_string()
}

fn ok_reply(mut response: Value) -> String {
    response["RequestId"] = json!("req-ok-1");
    json!({ "Response": response }).to_string()
}

/// The stand-in's own check of a TC3-HMAC-SHA256 signature: `None` when it holds.
fn signature_error(headers: &HashMap<String, String>, body: &[u8], service: &str) -> Option<(&'static str, String)> {
    let get = |k: &str| headers.get(k).cloned().unwrap_or_default();
    let auth = get("authorization");
    let Some(rest) = auth.strip_prefix("TC3-HMAC-SHA256 Credential=") else {
        return Some(("AuthFailure.SignatureFailure", "not a TC3-HMAC-SHA256 Authorization".into()));
    };
    let id = rest.split('/').next().unwrap_or_default();
    if id != SECRET_ID {
        return Some((
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.".into(),
        ));
    }
    let Ok(timestamp) = get("x-tc-timestamp").parse::<i64>() else {
        return Some(("AuthFailure.SignatureFailure", "no X-TC-Timestamp".into()));
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if (now - timestamp).abs() > 300 {
        return Some(("AuthFailure.SignatureExpire", "Signature expired.".into()));
    }
    let want = tc3::expected_authorization(headers, body, SECRET_ID, SECRET, service);
    (want.as_deref() != Some(auth.as_str())).then(|| {
        (
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.".into(),
        )
    })
}

fn answer(shared: &Shared, headers: HashMap<String, String>, body: &[u8]) -> (u16, String) {
    let mut st = shared.lock().unwrap();
    let action = headers.get("x-tc-action").cloned().unwrap_or_default();
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    st.seen.push(Seen {
        action: action.clone(),
        version: headers.get("x-tc-version").cloned().unwrap_or_default(),
        region: headers.get("x-tc-region").cloned(),
        headers: headers.clone(),
        body: parsed.clone(),
    });
    let service = if action == "GetCallerIdentity" { "sts" } else { "cvm" };
    if let Some((code, message)) = signature_error(&headers, body, service) {
        return (200, error_reply(code, &message));
    }
    if let Some(canned) = st.canned.pop_front() {
        return canned;
    }
    if st.throttle > 0 {
        st.throttle -= 1;
        return (200, error_reply("RequestLimitExceeded", "Your current request times equals to `11` in a second."));
    }
    let region = headers.get("x-tc-region").cloned();
    let reply = match (action.as_str(), region) {
        ("GetCallerIdentity", _) if st.sts_denied => {
            error_reply("UnauthorizedOperation", "you are not authorized to perform operation (sts:GetCallerIdentity)")
        }
        ("GetCallerIdentity", _) => ok_reply(json!({"Arn": "qcs::cam::uin/100000000001:uin/100000000011",
            "AccountId": "100000000001", "UserId": "100000000011", "PrincipalId": "100000000011", "Type": "CAMUser"})),
        ("DescribeRegions", Some(_)) => ok_reply(json!({"TotalCount": 4, "RegionSet": [
            {"Region": "ap-singapore", "RegionName": "Southeast Asia(Singapore)", "RegionState": "AVAILABLE"},
            {"Region": "ap-guangzhou", "RegionName": "South China(Guangzhou)", "RegionState": "AVAILABLE"},
            {"Region": "ap-retired", "RegionName": "gone", "RegionState": "UNAVAILABLE"},
            {"Region": "na-ashburn", "RegionName": "US East(Virginia)", "RegionState": "AVAILABLE"}]})),
        (_, None) => error_reply("MissingParameter", "The request is missing a required parameter `Region`."),
        ("DescribeKeyPairs", Some(region)) => {
            let offset = parsed["Offset"].as_u64().unwrap_or(0) as usize;
            let limit = parsed["Limit"].as_u64().unwrap_or(20) as usize;
            if limit > 100 {
                return (200, error_reply("InvalidParameterValue", "Limit must be at most 100."));
            }
            let names: Vec<String> = parsed["Filters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["Name"] == "key-name")
                .flat_map(|f| f["Values"].as_array().cloned().unwrap_or_default())
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            // As a fuzzy filter would: a name containing the value matches.
            let matching: Vec<&StoredKey> = st
                .keys
                .get(&region)
                .into_iter()
                .flatten()
                .filter(|k| names.is_empty() || names.iter().any(|n| k.name.contains(n.as_str())))
                .collect();
            let set: Vec<Value> = matching
                .iter()
                .skip(offset)
                .take(limit)
                .map(|k| {
                    let tags: Vec<Value> = k.tags.iter().map(|(t, v)| json!({"Key": t, "Value": v})).collect();
                    json!({"KeyId": k.id, "KeyName": k.name, "ProjectId": 0, "Description": "",
                        "PublicKey": k.public_key, "PrivateKey": "", "AssociatedInstanceIds": [],
                        "CreatedTime": "2024-05-01T08:00:00Z", "Tags": tags})
                })
                .collect();
            ok_reply(json!({"TotalCount": matching.len(), "KeyPairSet": set}))
        }
        ("ImportKeyPair", Some(region)) => {
            let name = parsed["KeyName"].as_str().unwrap_or_default().to_string();
            if !(name_fits(&name) && parsed["ProjectId"] == 0 && parsed["PublicKey"].as_str().is_some()) {
                return (200, error_reply("InvalidParameterValue", "KeyName, ProjectId or PublicKey is invalid."));
            }
            if st.keys.get(&region).into_iter().flatten().any(|k| k.name == name) {
                return (200, error_reply("InvalidKeyPair.Duplicate", "The key pair name already exists."));
            }
            let tags = parsed["TagSpecification"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["ResourceType"] == "keypair")
                .flat_map(|s| s["Tags"].as_array().cloned().unwrap_or_default())
                .map(|t| (t["Key"].as_str().unwrap().to_string(), t["Value"].as_str().unwrap().to_string()))
                .collect();
            st.next_id += 1;
            let id = format!("skey-{:08x}", st.next_id);
            let public_key = parsed["PublicKey"].as_str().unwrap().to_string();
            st.keys.entry(region).or_default().push(StoredKey { id: id.clone(), name, public_key, tags });
            ok_reply(json!({ "KeyId": id }))
        }
        ("DeleteKeyPairs", Some(region)) => {
            let ids: Vec<String> = parsed["KeyIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let keys = st.keys.entry(region).or_default();
            if ids.is_empty() || !ids.iter().all(|id| keys.iter().any(|k| &k.id == id)) {
                return (200, error_reply("InvalidKeyPair.NotFound", "The key pair does not exist."));
            }
            keys.retain(|k| !ids.contains(&k.id));
            ok_reply(json!({}))
        }
        _ => error_reply("InvalidAction", "The action requested does not exist."),
    };
    (200, reply)
}

fn seed(state: &Shared, region: &str, names: &[String]) {
    let mut st = state.lock().unwrap();
    for name in names {
        st.next_id += 1;
        let id = format!("skey-{:08x}", st.next_id);
        let tags = vec![("keyshelf:sha256".to_string(), RSA_SHA256.to_string())];
        st.keys.entry(region.to_string()).or_default().push(StoredKey {
            id,
            name: name.clone(),
            public_key: RSA.to_string(),
            tags,
        });
    }
}

fn seen(state: &Shared) -> Vec<Seen> {
    state.lock().unwrap().seen.clone()
}

fn resolved_with(secret_id: &str, secret: &str, token: Option<&str>, region: Option<&str>) -> Resolved {
    Resolved {
        credentials: Credentials {
            access_key_id: secret_id.into(),
            secret: Secret::new(secret),
            session_token: token.map(Secret::new),
        },
        source: Source::Profile { name: "dev".into(), path: "/nowhere/.tccli/dev.credential".into() },
        region: region.map(str::to_string),
    }
}

fn fast_http() -> Http {
    Http::new(RetryPolicy { attempts: 3, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) })
}

fn client(url: &str) -> Tencent {
    Tencent::from_resolved(resolved_with(SECRET_ID, SECRET, None, Some("ap-singapore")), Some(url), fast_http())
        .unwrap()
}

/// An address where nothing listens: a call there would be a network error.
fn no_call() -> String {
    "http://127.0.0.1:9".to_string()
}

#[test]
fn list_pages_through_more_than_a_hundred_keys_of_one_region() {
    let (url, state) = server();
    let names: Vec<String> = (0..250).map(|i| format!("key_{i:03}")).collect();
    seed(&state, "ap-singapore", &names);
    seed(&state, "ap-guangzhou", &["elsewhere".to_string()]);
    let keys = client(&url).list("ap-singapore", &Cancel::default()).unwrap();
    assert_eq!(keys.iter().map(|k| k.name.clone()).collect::<Vec<_>>(), names);
    let k = &keys[7];
    assert!(k.cloud_id.starts_with("skey-") && k.cloud_id.len() == 13, "{}", k.cloud_id);
    assert_eq!(k.cloud_fingerprint, "", "Tencent gives no fingerprint");
    assert_eq!(k.public_key.as_deref(), Some(RSA));
    assert_eq!(k.fingerprint_sha256.as_deref(), Some(RSA_SHA256));
    assert_eq!(k.tags, [("keyshelf:sha256".to_string(), RSA_SHA256.to_string())]);
    let seen = seen(&state);
    assert_eq!(seen.len(), 3);
    for (i, s) in seen.iter().enumerate() {
        assert_eq!((s.action.as_str(), s.version.as_str()), ("DescribeKeyPairs", "2017-03-12"));
        assert_eq!(s.region.as_deref(), Some("ap-singapore"));
        assert_eq!(s.body, json!({"Offset": i * 100, "Limit": 100}));
        assert_eq!(s.headers["content-type"], "application/json");
        assert!(!format!("{:?}", s.headers).contains(SECRET));
    }
    assert_eq!(client(&url).list("ap-guangzhou", &Cancel::default()).unwrap().len(), 1);
    assert!(client(&url).list("na-ashburn", &Cancel::default()).unwrap().is_empty());
}

#[test]
fn import_find_and_delete_a_key_pair() {
    let (url, state) = server();
    seed(&state, "ap-singapore", &["laptop_old".to_string()]);
    let api = client(&url);
    let tags = [("keyshelf:sha256".to_string(), RSA_SHA256.to_string())];
    let id = api.import("ap-singapore", "laptop", &format!("  {RSA}\n"), &tags, &Cancel::default()).unwrap();
    assert!(id.starts_with("skey-"), "{id}");
    let import = seen(&state).pop().unwrap();
    assert_eq!(import.action, "ImportKeyPair");
    assert_eq!(
        import.body,
        json!({"KeyName": "laptop", "ProjectId": 0, "PublicKey": RSA,
            "TagSpecification": [{"ResourceType": "keypair", "Tags": [{"Key": "keyshelf:sha256", "Value": RSA_SHA256}]}]})
    );
    let found = api.find("ap-singapore", "laptop", &Cancel::default()).unwrap().unwrap();
    assert_eq!((found.cloud_id.as_str(), found.fingerprint_sha256.as_deref()), (id.as_str(), Some(RSA_SHA256)));
    let query = seen(&state).pop().unwrap();
    assert_eq!(query.body["Filters"], json!([{"Name": "key-name", "Values": ["laptop"]}]));
    assert_eq!(api.find("ap-singapore", "lapto", &Cancel::default()).unwrap(), None, "only the exact name");
    assert_eq!(api.find("ap-guangzhou", "laptop", &Cancel::default()).unwrap(), None);

    // A second import under the same name: the cloud's error, with its request id.
    let err = api.import("ap-singapore", "laptop", RSA, &[], &Cancel::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Tencent Cloud error InvalidKeyPair.Duplicate: The key pair name already exists. (request req-err-1)"
    );

    api.delete("ap-singapore", "laptop", &id, &Cancel::default()).unwrap();
    assert_eq!(seen(&state).pop().unwrap().body, json!({"KeyIds": [id]}));
    let names: Vec<String> =
        api.list("ap-singapore", &Cancel::default()).unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["laptop_old"]);
    // Without its id, the key pair is found by name; a missing name is nothing to delete.
    api.delete("ap-singapore", "laptop_old", "", &Cancel::default()).unwrap();
    assert!(api.list("ap-singapore", &Cancel::default()).unwrap().is_empty());
    let before = seen(&state).len();
    api.delete("ap-singapore", "laptop_old", "", &Cancel::default()).unwrap();
    assert_eq!(seen(&state).len(), before + 1, "one lookup, no delete");
    let err = api.delete("ap-singapore", "gone", "skey-deadbeef", &Cancel::default()).unwrap_err();
    assert_eq!(err.code(), Some("InvalidKeyPair.NotFound"));
}

#[test]
fn names_that_do_not_fit_are_refused_before_any_call() {
    let api = client(&no_call());
    for bad in ["my-key", "has space", "dot.ted", "", "ключ", "密钥", &"k".repeat(26), "a/b"] {
        let err = api.import("ap-singapore", bad, RSA, &[], &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::Refused(_)), "{bad}: {err:?}");
        let shown = err.to_string();
        assert!(shown.contains("at most 25 characters: letters, digits and '_'"), "{shown}");
        assert!(shown.contains(&format!("'{}' would fit", suggest_name(bad))), "{shown}");
        assert!(!name_fits(bad), "{bad}");
    }
    for good in ["a", "laptop_2024", "K_1", &"k".repeat(25)] {
        assert!(name_fits(good) && check_key_name(good).is_ok(), "{good}");
    }
    assert_eq!(suggest_name("my-laptop.key"), "my_laptop_key");
    assert_eq!(suggest_name("ключ-1"), "_____1");
    assert_eq!(suggest_name("a-very-long-key-pair-name-for-work"), "a_very_long_key_pair_name");
    assert_eq!(suggest_name(""), "key");
    assert_eq!(suggest_name("  "), "key");
    for name in ["x-y", "", "ключ", &"z".repeat(40), "ok_name"] {
        assert!(name_fits(&suggest_name(name)), "{name}");
    }
    assert_eq!(suggest_name("ok_name"), "ok_name", "a fitting name stays as it is");
    let err = api.list("ap-singapore\r\nX: y", &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::Config(_)), "{err:?}");
}

#[test]
fn a_throttled_call_is_tried_again_and_endless_throttling_is_reported() {
    let (url, state) = server();
    seed(&state, "ap-singapore", &["a1".to_string()]);
    state.lock().unwrap().throttle = 1;
    let keys = client(&url).list("ap-singapore", &Cancel::default()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(seen(&state).len(), 2, "the throttled try and the good one");

    state.lock().unwrap().throttle = 10;
    let err = client(&url).list("ap-singapore", &Cancel::default()).unwrap_err();
    assert_eq!(seen(&state).len(), 5, "three tries in all");
    assert_eq!(err.code(), Some("RequestLimitExceeded"));
    assert!(err.to_string().contains("(request req-err-1)"), "{err}");
    let (url, state) = server();
    state.lock().unwrap().canned.push_back((200, error_reply("RequestLimitExceeded.UinLimitExceeded", "slow")));
    assert!(client(&url).list("ap-singapore", &Cancel::default()).unwrap().is_empty());
}

#[test]
fn refused_credentials_are_auth_errors_without_the_secret() {
    let (url, _) = server();
    let wrong = Tencent::from_resolved(
        resolved_with(SECRET_ID, "wrongSecretValue987654321", None, None),
        Some(&url),
        fast_http(),
    )
    .unwrap();
    let unknown =
        Tencent::from_resolved(resolved_with("AKIDunknown", SECRET, None, None), Some(&url), fast_http()).unwrap();
    for (api, code) in [(&wrong, "AuthFailure.SignatureFailure"), (&unknown, "AuthFailure.SecretIdNotFound")] {
        let err = api.list("ap-singapore", &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::Auth { .. }), "{err:?}");
        assert_eq!(err.code(), Some(code));
        let shown = err.to_string();
        assert!(shown.starts_with("Tencent Cloud refused the credentials of tccli profile 'dev': "), "{shown}");
        let all = format!("{err} {err:?} {api:?}");
        assert!(!all.contains(SECRET) && !all.contains("wrongSecretValue"), "{all}");
        // An identity check fails the same way (STS refuses first).
        assert!(matches!(api.identity(&Cancel::default()), Err(CloudError::Auth { .. })));
    }
    for code in ["AuthFailure", "AuthFailure.TokenFailure", "AuthFailure.UnauthorizedOperation"] {
        assert!(is_auth_code(code), "{code}");
    }
    for code in ["AuthFailureX", "UnauthorizedOperation", "RequestLimitExceeded"] {
        assert!(!is_auth_code(code), "{code}");
    }
    assert!(
        is_throttling_code("RequestLimitExceeded")
            && is_throttling_code("RequestLimitExceeded.GlobalRegionUinLimitExceeded")
    );
    assert!(!is_throttling_code("RequestLimitExceededX") && !is_throttling_code("LimitExceeded"));
}

#[test]
fn unknown_codes_are_shown_as_they_came() {
    let (url, state) = server();
    let body = json!({"Response": {"Error": {"Code": "ResourceUnavailable.SomethingNew", "Message": "never seen before"},
        "RequestId": "6EF60BEC-0242-43AF-BB20-270359FB54A7"}});
    state.lock().unwrap().canned.push_back((200, body.to_string()));
    let err = client(&url).list("ap-singapore", &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::Api { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Tencent Cloud error ResourceUnavailable.SomethingNew: never seen before (request 6EF60BEC-0242-43AF-BB20-270359FB54A7)"
    );
    // An error with a non-2xx status is still read as the error it holds.
    state.lock().unwrap().canned.push_back((400, error_reply("InvalidParameter", "bad")));
    let err = client(&url).list("ap-singapore", &Cancel::default()).unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter"));
}

#[test]
fn malformed_or_oversized_replies_are_bad_replies_never_panics() {
    let bodies = [
        "",
        "not json",
        "[1,2]",
        r#"{"Response": 5}"#,
        r#"{"NoResponse": {}}"#,
        r#"{"Response": {"KeyPairSet": "x", "RequestId": "r"}}"#,
        r#"{"Response": {"KeyPairSet": [{"KeyId": "skey-1"}], "RequestId": "r"}}"#,
        r#"{"Response": {"KeyPairSet": [3], "RequestId": "r"}}"#,
        r#"{"Response": {"KeyPairSet": [{"KeyName": "a", "Tags": 7}], "RequestId": "r"}}"#,
        r#"{"Response": {"Error": "x", "RequestId": "r"}}"#,
        "\u{7f}\u{0}",
    ];
    let (url, state) = server();
    for body in bodies {
        state.lock().unwrap().canned.push_back((200, body.to_string()));
        let err = client(&url).list("ap-singapore", &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::BadReply { .. }), "{body:?}: {err:?}");
    }
    state.lock().unwrap().canned.push_back((500, "<html>oops</html>".to_string()));
    let err = client(&url).list("ap-singapore", &Cancel::default()).unwrap_err();
    assert!(err.to_string().contains("HTTP 500 without a Tencent Cloud error code"), "{err}");
    state.lock().unwrap().canned.push_back((200, ok_reply(json!({}))));
    let err = client(&url).import("ap-singapore", "k", RSA, &[], &Cancel::default()).unwrap_err();
    assert!(err.to_string().contains("no KeyId"), "{err}");
    state.lock().unwrap().canned.push_back((200, ok_reply(json!({"RegionSet": []}))));
    assert!(matches!(client(&url).regions(&Cancel::default()), Err(CloudError::BadReply { .. })));
    let huge = "x".repeat(crate::cloud::http::MAX_REPLY_BYTES as usize + 1);
    state.lock().unwrap().canned.push_back((200, huge));
    let err = client(&url).list("ap-singapore", &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::BadReply { .. }) && err.to_string().contains("larger than"), "{err}");
    let err = client(&no_call()).list("ap-singapore", &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::Network { .. }), "{err:?}");
}

#[test]
fn identity_names_the_account_and_falls_back_to_the_secret_id() {
    let (url, state) = server();
    let api = client(&url);
    let who = api.identity(&Cancel::default()).unwrap();
    assert_eq!(who.account_id, "100000000001");
    assert_eq!(who.arn.as_deref(), Some("qcs::cam::uin/100000000001:uin/100000000011"));
    assert_eq!(who.access_key_id, SECRET_ID);
    assert_eq!(who.source, "tccli profile 'dev' in /nowhere/.tccli/dev.credential");
    let s = seen(&state).pop().unwrap();
    assert_eq!((s.action.as_str(), s.version.as_str()), ("GetCallerIdentity", "2018-08-13"));
    assert!(s.headers["authorization"].contains("/sts/tc3_request"), "{:?}", s.headers);

    // Only an Arn: its owner uin.
    state.lock().unwrap().canned.push_back((200, ok_reply(json!({"Arn": "qcs::cam::uin/200000000002:roleName/r"}))));
    assert_eq!(api.identity(&Cancel::default()).unwrap().account_id, "200000000002");

    // STS refuses the call: the credentials are proven by DescribeRegions instead.
    state.lock().unwrap().sts_denied = true;
    let who = api.identity(&Cancel::default()).unwrap();
    assert_eq!((who.account_id.as_str(), who.arn.as_deref()), (SECRET_ID, None));
    assert_eq!(seen(&state).pop().unwrap().action, "DescribeRegions");
}

#[test]
fn regions_are_the_available_ones_sorted_asked_in_the_default_region() {
    let (url, state) = server();
    assert_eq!(client(&url).regions(&Cancel::default()).unwrap(), ["ap-guangzhou", "ap-singapore", "na-ashburn"]);
    assert_eq!(seen(&state).pop().unwrap().region.as_deref(), Some("ap-singapore"));
    let api = Tencent::from_resolved(resolved_with(SECRET_ID, SECRET, None, None), Some(&url), fast_http()).unwrap();
    assert_eq!(api.regions(&Cancel::default()).unwrap().len(), 3);
    assert_eq!(seen(&state).pop().unwrap().region.as_deref(), Some(HOME_REGION));
    assert_eq!(api.default_region(), None);
}

#[test]
fn temporary_credentials_send_their_token() {
    let (url, state) = server();
    let api =
        Tencent::from_resolved(resolved_with(SECRET_ID, SECRET, Some("tmp-token"), None), Some(&url), fast_http())
            .unwrap();
    api.list("ap-singapore", &Cancel::default()).unwrap();
    assert_eq!(seen(&state)[0].headers.get("x-tc-token").map(String::as_str), Some("tmp-token"));
    let shown = format!("{api:?}");
    assert!(shown.contains(SECRET_ID) && !shown.contains(SECRET) && !shown.contains("tmp-token"), "{shown}");
}

#[test]
fn endpoints_default_to_tencents_and_plain_http_only_on_loopback() {
    let api = Tencent::from_resolved(resolved_with(SECRET_ID, SECRET, None, None), None, Http::default()).unwrap();
    assert_eq!(api.endpoint(Service::Cvm).unwrap().url(), "https://cvm.tencentcloudapi.com/");
    assert_eq!(api.endpoint(Service::Sts).unwrap().url(), "https://sts.tencentcloudapi.com/");
    let err = Tencent::from_resolved(
        resolved_with(SECRET_ID, SECRET, None, None),
        Some("http://cvm.example.com"),
        Http::default(),
    )
    .unwrap_err();
    assert!(matches!(err, CloudError::Config(_)), "{err:?}");
    let api = Tencent::from_resolved(resolved_with(SECRET_ID, SECRET, None, None), Some(" "), Http::default()).unwrap();
    assert!(api.endpoint.is_none());
}

#[test]
fn connect_takes_the_accounts_profile_region_and_endpoint() {
    use crate::cloud::env::FixedEnv;
    let account = Account {
        id: 1,
        name: "t".into(),
        provider: Provider::Tencent,
        note: String::new(),
        created_at: 0,
        profile: None,
        region: "ap-shanghai".into(),
        endpoint: Some("http://127.0.0.1:9".into()),
    };
    let vars = [("TENCENTCLOUD_SECRET_ID", "AKIDenv"), ("TENCENTCLOUD_SECRET_KEY", SECRET)];
    let env = FixedEnv::new(&vars, None);
    let api = connect(&account, None, &env, Http::default()).unwrap();
    assert_eq!((api.provider(), api.default_region()), (Provider::Tencent, Some("ap-shanghai")));
    let api = connect(&account, Some("ap-tokyo"), &env, Http::default()).unwrap();
    assert_eq!(api.default_region(), Some("ap-tokyo"));
    let err = connect(&account, None, &FixedEnv::default(), Http::default()).err().unwrap();
    assert!(matches!(err, CloudError::Credentials(_)), "{err:?}");
    let mut regionless = account.clone();
    regionless.region = String::new();
    let api = connect(&regionless, None, &env, Http::default()).unwrap();
    let err = crate::cloud::target_regions(api.as_ref(), &[], false, &Cancel::default()).unwrap_err();
    assert!(err.to_string().contains("no region"), "{err}");
}

#[test]
fn a_cancelled_run_makes_no_call() {
    let (url, state) = server();
    let cancel = Cancel::default();
    cancel.cancel();
    assert_eq!(client(&url).list("ap-singapore", &cancel).unwrap_err(), CloudError::Cancelled);
    assert_eq!(client(&url).import("ap-singapore", "k", RSA, &[], &cancel).unwrap_err(), CloudError::Cancelled);
    assert!(seen(&state).is_empty());
}
