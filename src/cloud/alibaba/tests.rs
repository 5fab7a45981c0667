//! Unit tests of the Alibaba Cloud client against a local HTTP server that answers with
//! canned replies and keeps what it was asked: request shapes, paging, errors,
//! throttling, refusals before any call.

use super::credentials::Source;
use super::*;
use crate::cloud::credentials::{Credentials, Secret};
use crate::cloud::http::RetryPolicy;
use crate::cloud::test_server;
use std::time::Duration;

const SECRET: &str = "aliTestSecretValue0123456789abcd";
const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDdC3bpaChHIeicen1HuEXdD95JP8mFplzbXCrH+vJSeDy+vDSKKtCC+y4b52zuWIAXYkyDpmGxDHK81NaYd/p4UlC2Q9zM2uR2IrOT7DVzutnKxZO/yckEbPhOAJMtG/uM7vaWCjh6C3rZNaeWpG+Rcc58pDClnIlrdeM37xMVePC0HSMS9T4nFSmYL8alzJpw4wDJtT93UR4m6T1uQuABc0QZ69t4TqHf2w4K7hdmrU2GAbJ+jia1wX97ZxCGTeERvCjfTonFbGqzIIhgwT2tP3oCjprso7AOU4QEgDlot1Wpd/5sfBHZtXqdowqUJVK/GJ/1zOtr3lkl90bleW/x test@keyshelf";
/// `ssh-keygen -l -f` of [`RSA`].
const RSA_SHA256: &str = "SHA256:R60hpjeF6Hf0cTEYtD6f9v3BUBjso3X6W81Vs1R8VHc";
const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFc7UQGCDkrMdOFeeM24UMkRxCl1AVYbT0UcyZBiF3iK ed@keyshelf";

/// A local HTTP server that answers each request with the next canned reply; what it
/// was asked, each request's line and headers, then its body.
fn serve(replies: Vec<(u16, String)>) -> (String, test_server::Log) {
    test_server::serve_canned(replies.into_iter().map(|(status, body)| (status, body.into_bytes())).collect())
}

fn resolved(token: Option<&str>) -> Resolved {
    Resolved {
        credentials: Credentials {
            access_key_id: "LTAI5tTestKeyId".into(),
            secret: Secret::new(SECRET),
            session_token: token.map(Secret::new),
        },
        source: Source::Profile { name: "dev".into(), path: "/nowhere/.aliyun/config.json".into() },
        region: Some("cn-hangzhou".into()),
    }
}

fn client(url: &str) -> Alibaba {
    let retry = RetryPolicy { attempts: 3, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) };
    Alibaba::from_resolved(resolved(None), Some(url), Http::new(retry)).unwrap()
}

fn no_call() -> String {
    "http://127.0.0.1:9".to_string()
}

fn page(names: &[&str], total: usize, page: usize) -> String {
    let items: Vec<Value> = names
        .iter()
        .map(|n| {
            serde_json::json!({"KeyPairName": n, "KeyPairFingerPrint": "24c90a0087e73aa3a6207f6ac78133be",
                "CreationTime": "2024-01-01T00:00Z", "ResourceGroupId": "", "PublicKey": RSA,
                "Tags": {"Tag": [{"TagKey": "keyshelf:sha256", "TagValue": RSA_SHA256}]}})
        })
        .collect();
    serde_json::json!({"KeyPairs": {"KeyPair": items}, "TotalCount": total, "PageNumber": page,
        "PageSize": PAGE_SIZE, "RequestId": format!("req-{page}")})
    .to_string()
}

fn error(code: &str, message: &str) -> String {
    serde_json::json!({"Code": code, "Message": message, "RequestId": "6E4A1E1D-XYZ", "HostId": "ecs.aliyuncs.com"})
        .to_string()
}

fn query_of(request: &str) -> Vec<(String, String)> {
    let line = request.lines().next().unwrap();
    let target = line.split(' ').nth(1).unwrap();
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn list_pages_through_every_page_and_reads_each_key() {
    let names: Vec<String> = (0..120).map(|i| format!("key-{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (url, seen) = serve(vec![
        (200, page(&refs[..50], 120, 1)),
        (200, page(&refs[50..100], 120, 2)),
        (200, page(&refs[100..], 120, 3)),
    ]);
    let keys = client(&url).list("eu-central-1", &Cancel::default()).unwrap();
    assert_eq!(keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), refs);
    let k = &keys[7];
    assert_eq!(k.cloud_id, "key-007", "Alibaba has no id: the name");
    assert_eq!(k.cloud_fingerprint, "24c90a0087e73aa3a6207f6ac78133be");
    assert_eq!(k.public_key.as_deref(), Some(RSA));
    assert_eq!(k.fingerprint_sha256.as_deref(), Some(RSA_SHA256));
    assert_eq!(k.tags, [("keyshelf:sha256".to_string(), RSA_SHA256.to_string())]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (i, request) in seen.iter().enumerate() {
        assert!(request.starts_with("POST /?"), "{request}");
        let q = query_of(request);
        assert_eq!(param(&q, "RegionId"), Some("eu-central-1"));
        assert_eq!(param(&q, "PageNumber"), Some((i + 1).to_string().as_str()));
        assert_eq!(param(&q, "PageSize"), Some("50"));
        assert_eq!(param(&q, "IncludePublicKey"), Some("true"));
        let head = request.to_ascii_lowercase();
        assert!(head.contains("x-acs-action: describekeypairs") && head.contains("x-acs-version: 2014-05-26"));
        assert!(head.contains("authorization: acs3-hmac-sha256 credential=ltai5ttestkeyid,signedheaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,signature="), "{request}");
        assert!(!request.contains(SECRET));
    }
}

#[test]
fn an_empty_region_and_a_reply_without_total_end_the_paging() {
    let (url, seen) = serve(vec![(200, page(&[], 0, 1))]);
    assert!(client(&url).list("cn-hangzhou", &Cancel::default()).unwrap().is_empty());
    assert_eq!(seen.lock().unwrap().len(), 1);
    let body = serde_json::json!({"KeyPairs": {"KeyPair": {"KeyPairName": "solo"}}, "RequestId": "r"}).to_string();
    let (url, _) = serve(vec![(200, body)]);
    let keys = client(&url).list("cn-hangzhou", &Cancel::default()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!((keys[0].public_key.as_deref(), keys[0].fingerprint_sha256.as_deref()), (None, None));
}

#[test]
fn find_filters_by_exact_name() {
    let (url, seen) = serve(vec![(200, page(&["web", "web2"], 2, 1))]);
    let found = client(&url).find("cn-hangzhou", "web", &Cancel::default()).unwrap().unwrap();
    assert_eq!(found.name, "web");
    assert_eq!(param(&query_of(&seen.lock().unwrap()[0]), "KeyPairName"), Some("web"));
    let (url, _) = serve(vec![(200, page(&["webby"], 1, 1))]);
    assert_eq!(client(&url).find("cn-hangzhou", "web", &Cancel::default()).unwrap(), None);
}

#[test]
fn import_sends_name_key_and_tags_in_the_query_with_an_empty_body() {
    let body = serde_json::json!({"KeyPairName": "laptop", "KeyPairFingerPrint": "24c90a00", "RequestId": "r"});
    let (url, seen) = serve(vec![(200, body.to_string())]);
    let tags = [("keyshelf:sha256".to_string(), RSA_SHA256.to_string())];
    let id = client(&url).import("us-west-1", "laptop", RSA, &tags, &Cancel::default()).unwrap();
    assert_eq!(id, "laptop");
    let request = seen.lock().unwrap()[0].clone();
    let q = query_of(&request);
    assert_eq!(param(&q, "RegionId"), Some("us-west-1"));
    assert_eq!(param(&q, "KeyPairName"), Some("laptop"));
    assert_eq!(param(&q, "PublicKeyBody"), Some(RSA));
    assert_eq!(param(&q, "Tag.1.Key"), Some("keyshelf:sha256"));
    assert_eq!(param(&q, "Tag.1.Value"), Some(RSA_SHA256));
    assert!(request.ends_with("\r\n\n"), "empty body: {request:?}");
    assert!(request
        .to_ascii_lowercase()
        .contains("x-acs-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

#[test]
fn delete_names_the_key_pair_in_a_json_array() {
    let (url, seen) = serve(vec![(200, r#"{"RequestId": "r"}"#.to_string())]);
    client(&url).delete("cn-hangzhou", "old:key_1", "old:key_1", &Cancel::default()).unwrap();
    let q = query_of(&seen.lock().unwrap()[0]);
    assert_eq!(param(&q, "KeyPairNames"), Some(r#"["old:key_1"]"#));
    assert_eq!(param(&q, "RegionId"), Some("cn-hangzhou"));
}

#[test]
fn ed25519_keys_bad_names_and_bad_regions_are_refused_before_any_call() {
    let api = client(&no_call());
    let err = api.import("cn-hangzhou", "laptop", ED25519, &[], &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::Refused(_)), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("does not import ed25519"), "{err}");
    for bad in ["a", "1key", "-key", "has space", "slash/no", "http://x", &"k".repeat(129), "", "ключ!"] {
        let err = api.import("cn-hangzhou", bad, RSA, &[], &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::Refused(_)), "{bad}: {err:?}");
        assert!(err.to_string().contains("2 to 128 characters"), "{err}");
    }
    for good in ["ab", "Key:1_a.b-c", "密钥test", &"k".repeat(128)] {
        assert_eq!(check_key_name(good), Ok(()), "{good}");
    }
    let err = api.list("cn-hangzhou/../x", &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::Config(_)), "{err:?}");
}

#[test]
fn a_throttled_call_is_tried_again() {
    let (url, seen) = serve(vec![
        (400, error("Throttling.User", "Request was denied due to user flow control.")),
        (200, page(&["a1"], 1, 1)),
    ]);
    let keys = client(&url).list("cn-hangzhou", &Cancel::default()).unwrap();
    assert_eq!(keys.len(), 1);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let nonce =
        |r: &str| r.lines().find(|l| l.to_ascii_lowercase().starts_with("x-acs-signature-nonce:")).unwrap().to_string();
    assert_ne!(nonce(&seen[0]), nonce(&seen[1]), "each try signs afresh");
}

#[test]
fn throttling_that_never_ends_is_reported_with_its_code_and_request() {
    let (url, seen) = serve(vec![(400, error("Throttling.Api", "slow down")); 3]);
    let err = client(&url).list("cn-hangzhou", &Cancel::default()).unwrap_err();
    assert_eq!(seen.lock().unwrap().len(), 3);
    assert_eq!(err.code(), Some("Throttling.Api"));
    assert!(err.to_string().contains("request 6E4A1E1D-XYZ"), "{err}");
}

#[test]
fn credential_errors_are_auth_other_errors_api_and_unknown_codes_shown_as_they_came() {
    for code in [
        "InvalidAccessKeyId.NotFound",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.Inactive",
        "InvalidSecurityToken.Expired",
    ] {
        let (url, _) = serve(vec![(400, error(code, "Specified signature is not matched with our calculation."))]);
        let err = client(&url).list("cn-hangzhou", &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::Auth { .. }), "{code}: {err:?}");
        let shown = err.to_string();
        assert!(
            shown.contains("Alibaba Cloud refused the credentials of profile 'dev'") && shown.contains(code),
            "{shown}"
        );
        assert!(!format!("{err} {err:?}").contains(SECRET));
    }
    let body = serde_json::json!({"Code": "InvalidKeyPair.Duplicate", "Message": "The key pair already exists.",
        "RequestId": "R-1", "Recommend": "https://api.aliyun.com/troubleshoot?q=InvalidKeyPair.Duplicate"});
    let (url, _) = serve(vec![(400, body.to_string())]);
    let err = client(&url).import("cn-hangzhou", "laptop", RSA, &[], &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::Api { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Alibaba Cloud error InvalidKeyPair.Duplicate: The key pair already exists. (diagnosis: https://api.aliyun.com/troubleshoot?q=InvalidKeyPair.Duplicate) (request R-1)"
    );
    let (url, _) = serve(vec![(404, error("Some.New.Code", "never seen before"))]);
    let err = client(&url).list("cn-hangzhou", &Cancel::default()).unwrap_err();
    assert_eq!(err.code(), Some("Some.New.Code"));
    assert!(err.to_string().contains("never seen before"));
}

#[test]
fn malformed_replies_are_bad_replies_never_panics() {
    let bodies = [
        "",
        "not json",
        "[1,2]",
        r#"{"KeyPairs": {"KeyPair": "x"}}"#,
        r#"{"KeyPairs": {"KeyPair": [{"KeyPairFingerPrint": "x"}]}}"#,
        r#"{"KeyPairs": {"KeyPair": [3]}}"#,
        r#"{"KeyPairs": 5}"#,
        "\u{7f}\u{0}",
    ];
    for body in bodies {
        let (url, _) = serve(vec![(200, body.to_string())]);
        let err = client(&url).list("cn-hangzhou", &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::BadReply { .. }), "{body:?}: {err:?}");
    }
    let (url, _) = serve(vec![(500, "<html>oops</html>".to_string())]);
    let err = client(&url).list("cn-hangzhou", &Cancel::default()).unwrap_err();
    assert!(err.to_string().contains("HTTP 500 without an Alibaba Cloud error code"), "{err}");
    let (url, _) = serve(vec![(200, r#"{"RequestId": "r"}"#.to_string())]);
    let err = client(&url).identity(&Cancel::default()).unwrap_err();
    assert!(err.to_string().contains("no AccountId"), "{err}");
    let (url, _) = serve(vec![(200, r#"{"Regions": {"Region": []}}"#.to_string())]);
    assert!(matches!(client(&url).regions(&Cancel::default()), Err(CloudError::BadReply { .. })));
    let err = client("http://127.0.0.1:9").list("cn-hangzhou", &Cancel::default()).unwrap_err();
    assert!(matches!(err, CloudError::Network { .. }), "{err:?}");
}

#[test]
fn identity_and_regions() {
    let identity = serde_json::json!({"IdentityType": "RAMUser", "AccountId": "1234567890123456",
        "Arn": "acs:ram::1234567890123456:user/keyshelf", "PrincipalId": "2xx", "UserId": "2xx", "RequestId": "r"});
    let regions = serde_json::json!({"Regions": {"Region": [
        {"RegionId": "cn-hangzhou", "LocalName": "华东1（杭州）", "RegionEndpoint": "ecs.cn-hangzhou.aliyuncs.com", "Status": "available"},
        {"RegionId": "ap-southeast-1", "Status": "available"},
        {"RegionId": "cn-beijing", "Status": "soldOut"}]}, "RequestId": "r"});
    let (url, seen) = serve(vec![(200, identity.to_string()), (200, regions.to_string())]);
    let api = client(&url);
    let who = api.identity(&Cancel::default()).unwrap();
    assert_eq!(who.account_id, "1234567890123456");
    assert_eq!(who.arn.as_deref(), Some("acs:ram::1234567890123456:user/keyshelf"));
    assert_eq!(who.access_key_id, "LTAI5tTestKeyId");
    assert_eq!(who.source, "profile 'dev' in /nowhere/.aliyun/config.json");
    assert_eq!(api.regions(&Cancel::default()).unwrap(), ["ap-southeast-1", "cn-beijing", "cn-hangzhou"]);
    let seen = seen.lock().unwrap();
    let sts = seen[0].to_ascii_lowercase();
    assert!(sts.contains("x-acs-action: getcalleridentity") && sts.contains("x-acs-version: 2015-04-01"), "{sts}");
    assert!(seen[1].to_ascii_lowercase().contains("x-acs-action: describeregions"));
}

#[test]
fn sts_credentials_send_their_token() {
    let retry = RetryPolicy { attempts: 1, ..RetryPolicy::default() };
    let (url, seen) = serve(vec![(200, page(&[], 0, 1))]);
    let api = Alibaba::from_resolved(resolved(Some("CAIS-token")), Some(&url), Http::new(retry)).unwrap();
    api.list("cn-hangzhou", &Cancel::default()).unwrap();
    let request = seen.lock().unwrap()[0].to_ascii_lowercase();
    assert!(request.contains("x-acs-security-token: cais-token"), "{request}");
    assert!(request.contains(";x-acs-security-token;"), "signed: {request}");
}

#[test]
fn endpoints_default_to_the_region_and_plain_http_only_on_loopback() {
    let api = Alibaba::from_resolved(resolved(None), None, Http::default()).unwrap();
    assert_eq!(api.ecs_endpoint(Some("eu-central-1")).unwrap().url(), "https://ecs.eu-central-1.aliyuncs.com/");
    assert_eq!(api.ecs_endpoint(None).unwrap().url(), "https://ecs.aliyuncs.com/");
    assert_eq!(api.sts_endpoint().unwrap().url(), "https://sts.aliyuncs.com/");
    assert_eq!(api.default_region(), Some("cn-hangzhou"));
    let err = Alibaba::from_resolved(resolved(None), Some("http://ecs.example.com"), Http::default()).unwrap_err();
    assert!(matches!(err, CloudError::Config(_)), "{err:?}");
    let api = Alibaba::from_resolved(resolved(None), Some("  "), Http::default()).unwrap();
    assert!(api.endpoint.is_none());
    let shown = format!("{api:?}");
    assert!(shown.contains("LTAI5tTestKeyId") && !shown.contains(SECRET), "{shown}");
}

#[test]
fn connect_takes_the_accounts_profile_region_and_endpoint() {
    use crate::cloud::env::FixedEnv;
    let account = Account {
        id: 1,
        name: "a".into(),
        provider: Provider::Alibaba,
        note: String::new(),
        created_at: 0,
        profile: None,
        region: "cn-shenzhen".into(),
        endpoint: Some("http://127.0.0.1:9".into()),
    };
    let vars = [("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)];
    let env = FixedEnv::new(&vars, None);
    let api = connect(&account, None, &env, Http::default()).unwrap();
    assert_eq!((api.provider(), api.default_region()), (Provider::Alibaba, Some("cn-shenzhen")));
    let api = connect(&account, Some("ap-northeast-1"), &env, Http::default()).unwrap();
    assert_eq!(api.default_region(), Some("ap-northeast-1"));
    let err = connect(&account, None, &FixedEnv::default(), Http::default()).err().unwrap();
    assert!(matches!(err, CloudError::Credentials(_)), "{err:?}");
}

#[test]
fn error_code_classes() {
    for c in
        ["InvalidAccessKeyId", "InvalidAccessKeyId.NotFound", "InvalidSecurityToken.Malformed", "SignatureDoesNotMatch"]
    {
        assert!(is_auth_code(c), "{c}");
    }
    for c in ["InvalidAccessKeyIdX", "Forbidden.RAM", "InvalidKeyPair.Duplicate", "Throttling.User"] {
        assert!(!is_auth_code(c), "{c}");
    }
    for c in ["Throttling", "Throttling.User", "Throttling.Api", "Throttling.Resource"] {
        assert!(is_throttling_code(c), "{c}");
    }
    assert!(!is_throttling_code("ThrottlingX") && !is_throttling_code("ServiceUnavailable"));
}
