//! Tencent Cloud's API 3.0 request signature, TC3-HMAC-SHA256 ([`Tc3Signer`]), as the
//! "Signature v3" page of the Tencent Cloud API documentation describes it. A pure
//! function of the request, the credentials, the service and the time: no I/O, and the
//! secret never leaves this module (only the SecretId, the session token and the
//! signature go out).
//!
//! Signed, as the documentation's example and Tencent's SDKs do: `content-type` and
//! `host`. The action, version, region and timestamp travel in `X-TC-*` headers that the
//! scheme does not sign (the timestamp is bound by the credential scope and the string to
//! sign).

use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::cloud::credentials::Credentials;
use crate::cloud::sign::{hex, hmac_sha256, sha256_hex, uri_encode, utc, SignableRequest, SignatureParts, Signer};

/// The algorithm's name, first in the Authorization header and the string to sign.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The headers signed, in their canonical order.
pub const SIGNED_HEADERS: &str = "content-type;host";

/// TC3-HMAC-SHA256 with one set of credentials for one service (`cvm`, `sts`: the first
/// label of the service's domain, which the credential scope names). Its `Debug` shows
/// the SecretId, never the SecretKey or the token.
#[derive(Debug, Clone)]
pub struct Tc3Signer {
    credentials: Credentials,
    service: String,
}

/// What a TC3 signature covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signed<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    /// The query as sent (empty for a POST).
    pub(crate) canonical_query: &'a str,
    /// The `Content-Type` and `Host` values sent.
    pub(crate) content_type: &'a str,
    pub(crate) host: &'a str,
    /// [`sha256_hex`] of the body.
    pub(crate) payload_hash: &'a str,
}

impl Tc3Signer {
    pub fn new(credentials: Credentials, service: impl Into<String>) -> Tc3Signer {
        Tc3Signer { credentials, service: service.into() }
    }

    /// The core of the signature on what is signed (see [`Signed`]); `at` gives both
    /// the timestamp and the scope's date.
    pub(crate) fn compute(&self, signed: &Signed<'_>, at: OffsetDateTime) -> SignatureParts {
        let Signed { method, path, canonical_query, content_type, host, payload_hash } = *signed;
        let uri = if path.is_empty() { "/" } else { path };
        let canonical_request = format!(
            "{}\n{uri}\n{canonical_query}\ncontent-type:{}\nhost:{}\n\n{SIGNED_HEADERS}\n{payload_hash}",
            method.to_ascii_uppercase(),
            content_type.trim().to_ascii_lowercase(),
            host.trim().to_ascii_lowercase(),
        );
        let date = date_of(at);
        let scope = format!("{date}/{}/tc3_request", self.service);
        let string_to_sign =
            format!("{ALGORITHM}\n{}\n{scope}\n{}", utc(at).unix_timestamp(), sha256_hex(canonical_request.as_bytes()));
        let key = signing_key(self.credentials.secret.expose(), &date, &self.service);
        let signature = hex(&hmac_sha256(&key[..], string_to_sign.as_bytes()));
        let authorization = format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}",
            self.credentials.access_key_id
        );
        SignatureParts { canonical_request, string_to_sign, signature, authorization }
    }
}

impl Signer for Tc3Signer {
    /// Adds `x-tc-timestamp`, `x-tc-token` for temporary credentials, and
    /// `authorization`. The request's own `content-type` is signed (empty when it has
    /// none, which the API refuses: every call here sends one).
    fn sign(&self, req: &SignableRequest<'_>, at: OffsetDateTime) -> Vec<(String, String)> {
        let content_type = req
            .headers
            .iter()
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.as_str())
            .unwrap_or("");
        let query = req.query.iter().map(|(k, v)| format!("{}={}", uri_encode(k), uri_encode(v))).collect::<Vec<_>>();
        let (canonical_query, payload_hash) = (query.join("&"), sha256_hex(req.body));
        let signed = Signed {
            method: req.method,
            path: req.path,
            canonical_query: &canonical_query,
            content_type,
            host: req.host,
            payload_hash: &payload_hash,
        };
        let parts = self.compute(&signed, at);
        let mut added = vec![("x-tc-timestamp".to_string(), utc(at).unix_timestamp().to_string())];
        if let Some(token) = self.credentials.session_token.as_ref().filter(|t| !t.is_empty()) {
            added.push(("x-tc-token".to_string(), token.expose().to_string()));
        }
        added.push(("authorization".to_string(), parts.authorization));
        added
    }
}

/// The signing key for one day (`YYYY-MM-DD`, UTC) and service:
/// HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request"), every step in
/// memory wiped when dropped.
fn signing_key(secret: &str, date: &str, service: &str) -> Zeroizing<[u8; 32]> {
    // Sized up front so that the secret is never copied by a reallocation.
    let mut k_secret = Zeroizing::new(String::with_capacity(3 + secret.len()));
    k_secret.push_str("TC3");
    k_secret.push_str(secret);
    let k_date = Zeroizing::new(hmac_sha256(k_secret.as_bytes(), date.as_bytes()));
    let k_service = Zeroizing::new(hmac_sha256(&k_date[..], service.as_bytes()));
    Zeroizing::new(hmac_sha256(&k_service[..], b"tc3_request"))
}

/// The day of the request in UTC, `2019-02-25`: the documentation warns that a local
/// date fails every call made between local and UTC midnight.
fn date_of(at: OffsetDateTime) -> String {
    let at = utc(at);
    format!("{:04}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::credentials::Secret;
    use crate::cloud::python_oracle;
    use time::UtcOffset;

    // The worked example of the "Signature v3" page of the Tencent Cloud API documentation
    // (https://www.tencentcloud.com/document/product/267/37447; every product's API
    // reference carries the same page, CVM's among them): SecretId
    // AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE, SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE,
    // CVM DescribeInstances 2017-03-12 in ap-guangzhou, POST to cvm.tencentcloudapi.com at
    // X-TC-Timestamp 1551113065 (2019-02-25T16:44:25Z), content type
    // `application/json; charset=utf-8`, the body below. The page gives the payload hash
    // 35e9c5b0…, the canonical request, the hashed canonical request 5ffe6a04…, the string
    // to sign, the signature 72e494ea… and the Authorization header quoted here.
    const DOC_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const DOC_SECRET: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    const DOC_TIMESTAMP: i64 = 1551113065;
    const DOC_CONTENT_TYPE: &str = "application/json; charset=utf-8";
    const DOC_HOST: &str = "cvm.tencentcloudapi.com";
    const DOC_BODY: &str = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    const DOC_PAYLOAD_HASH: &str = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064";
    const DOC_AUTHORIZATION: &str = "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168";

    fn doc_at() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(DOC_TIMESTAMP).unwrap()
    }

    fn doc_signer(token: Option<&str>) -> Tc3Signer {
        Tc3Signer::new(
            Credentials {
                access_key_id: DOC_ID.into(),
                secret: Secret::new(DOC_SECRET),
                session_token: token.map(Secret::new),
            },
            "cvm",
        )
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn doc_headers() -> Vec<(String, String)> {
        pairs(&[
            ("Content-Type", DOC_CONTENT_TYPE),
            ("X-TC-Action", "DescribeInstances"),
            ("X-TC-Version", "2017-03-12"),
            ("X-TC-Region", "ap-guangzhou"),
        ])
    }

    fn doc_request<'a>(headers: &'a [(String, String)], body: &'a [u8]) -> SignableRequest<'a> {
        SignableRequest { method: "POST", host: DOC_HOST, path: "/", query: &[], headers, body }
    }

    fn authorization_of(added: &[(String, String)]) -> &str {
        added.iter().find(|(k, _)| k == "authorization").map(|(_, v)| v.as_str()).unwrap()
    }

    #[test]
    fn the_documented_example_step_by_step() {
        assert_eq!(sha256_hex(DOC_BODY.as_bytes()), DOC_PAYLOAD_HASH);
        let signed = Signed {
            method: "POST",
            path: "/",
            canonical_query: "",
            content_type: DOC_CONTENT_TYPE,
            host: DOC_HOST,
            payload_hash: DOC_PAYLOAD_HASH,
        };
        let parts = doc_signer(None).compute(&signed, doc_at());
        assert_eq!(
            parts.canonical_request,
            concat!(
                "POST\n",
                "/\n",
                "\n",
                "content-type:application/json; charset=utf-8\n",
                "host:cvm.tencentcloudapi.com\n",
                "\n",
                "content-type;host\n",
                "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064",
            )
        );
        assert_eq!(
            parts.string_to_sign,
            concat!(
                "TC3-HMAC-SHA256\n",
                "1551113065\n",
                "2019-02-25/cvm/tc3_request\n",
                "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031",
            )
        );
        assert_eq!(parts.signature, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
        assert_eq!(parts.authorization, DOC_AUTHORIZATION);
    }

    /// What `Signer::sign` adds for the documented request: the timestamp and exactly the
    /// documented Authorization header.
    #[test]
    fn sign_adds_the_documented_timestamp_and_authorization() {
        let headers = doc_headers();
        let added = doc_signer(None).sign(&doc_request(&headers, DOC_BODY.as_bytes()), doc_at());
        assert_eq!(added, pairs(&[("x-tc-timestamp", "1551113065"), ("authorization", DOC_AUTHORIZATION)]));
        // The same instant in another offset signs the same (2019-02-26 00:44:25 in
        // UTC+8 is still the 25th in the scope).
        let local = doc_at().to_offset(UtcOffset::from_hms(8, 0, 0).unwrap());
        assert_eq!(doc_signer(None).sign(&doc_request(&headers, DOC_BODY.as_bytes()), local), added);
    }

    #[test]
    fn a_session_token_is_sent_and_only_content_type_and_host_are_signed() {
        let headers = doc_headers();
        let added = doc_signer(Some("tmp-token-value")).sign(&doc_request(&headers, DOC_BODY.as_bytes()), doc_at());
        assert!(added.contains(&("x-tc-token".into(), "tmp-token-value".into())), "{added:?}");
        assert_eq!(authorization_of(&added), DOC_AUTHORIZATION, "the token is not signed");
        let added = doc_signer(Some("")).sign(&doc_request(&headers, DOC_BODY.as_bytes()), doc_at());
        assert!(!added.iter().any(|(k, _)| k == "x-tc-token"), "an empty token is no token");
        let mut noisy = headers.clone();
        noisy.extend(pairs(&[("Accept", "application/json"), ("X-TC-Language", "en-US"), ("User-Agent", "x")]));
        let added = doc_signer(None).sign(&doc_request(&noisy, DOC_BODY.as_bytes()), doc_at());
        assert_eq!(authorization_of(&added), DOC_AUTHORIZATION);
        // Another body, host or content type is another signature.
        for (h, body, host) in [
            (headers.clone(), &b"{}"[..], DOC_HOST),
            (headers.clone(), DOC_BODY.as_bytes(), "127.0.0.1:8080"),
            (pairs(&[("Content-Type", "application/json")]), DOC_BODY.as_bytes(), DOC_HOST),
        ] {
            let req = SignableRequest { method: "POST", host, path: "/", query: &[], headers: &h, body };
            assert_ne!(authorization_of(&doc_signer(None).sign(&req, doc_at())), DOC_AUTHORIZATION);
        }
    }

    #[test]
    fn the_secret_never_shows() {
        let signer = doc_signer(Some("tmp-token-value"));
        let headers = doc_headers();
        let added = signer.sign(&doc_request(&headers, DOC_BODY.as_bytes()), doc_at());
        for (name, value) in &added {
            assert!(!value.contains(DOC_SECRET), "{name}: {value}");
        }
        let shown = format!("{signer:?}");
        assert!(shown.contains(DOC_ID) && !shown.contains(DOC_SECRET) && !shown.contains("tmp-token"), "{shown}");
    }

    /// Tencent Cloud's own Python SDK as a second oracle: `AbstractClient._get_tc3_signature`
    /// of `tencentcloud-sdk-python-common` (PyPI), which builds the canonical request and
    /// the string to sign and calls `tencentcloud.common.sign.Sign.sign_tc3`, on requests
    /// with non-ASCII text, a local host with a port, and the documented example. Skipped,
    /// with the reason printed, where `python3` or the package is missing
    /// (`pip install tencentcloud-sdk-python-common`).
    #[test]
    fn matches_the_python_sdk_where_it_is_installed() {
        let sdk = "tencentcloud.common.sign, tencentcloud.common.abstract_client";
        if !python_oracle::imports(sdk, "tencentcloud-sdk-python-common") {
            return;
        }
        let script = r#"
import json, sys, datetime
from tencentcloud.common.abstract_client import AbstractClient
from tencentcloud.common.sign import Sign
case = json.loads(sys.stdin.read())
class R: pass
r = R()
r.method = "POST"; r.uri = "/"; r.data = case["body"]
r.header = {"Content-Type": case["content_type"], "Host": case["host"], "X-TC-Timestamp": str(case["timestamp"])}
date = datetime.datetime.fromtimestamp(case["timestamp"], datetime.timezone.utc).strftime("%Y-%m-%d")
signature = AbstractClient._get_tc3_signature(None, None, r, date, case["service"], case["secret"])
assert len(Sign.sign_tc3(case["secret"], date, case["service"], "x")) == 64
print("TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, SignedHeaders=content-type;host, Signature=%s"
      % (case["id"], date, case["service"], signature))
"#;
        let cases: [(&str, &str, &str, &str, &str, &str, i64); 4] = [
            (DOC_ID, DOC_SECRET, "cvm", DOC_HOST, DOC_CONTENT_TYPE, DOC_BODY, DOC_TIMESTAMP),
            (
                "AKIDtestSecretId",
                "test/Secret+Key=",
                "cvm",
                "127.0.0.1:8080",
                "application/json",
                r#"{"KeyName":"laptop_1","ProjectId":0,"PublicKey":"ssh-rsa AAAA+/= me@host","TagSpecification":[{"ResourceType":"keypair","Tags":[{"Key":"k","Value":"密钥 ~*"}]}]}"#,
                1_764_950_400,
            ),
            ("AKIDtestSecretId", "s", "sts", "sts.tencentcloudapi.com", "application/json", "{}", 1_700_000_000),
            ("AKIDtestSecretId", "s", "cvm", "cvm.tencentcloudapi.com", "application/json", "", 86_399),
        ];
        for (id, secret, service, host, content_type, body, timestamp) in cases {
            let signer = Tc3Signer::new(
                Credentials { access_key_id: id.into(), secret: Secret::new(secret), session_token: None },
                service,
            );
            let headers = pairs(&[("Content-Type", content_type), ("X-TC-Action", "ImportKeyPair")]);
            let req = SignableRequest {
                method: "POST",
                host,
                path: "/",
                query: &[],
                headers: &headers,
                body: body.as_bytes(),
            };
            let added = signer.sign(&req, OffsetDateTime::from_unix_timestamp(timestamp).unwrap());
            let case = serde_json::json!({
                "id": id, "secret": secret, "service": service, "host": host,
                "content_type": content_type, "body": body, "timestamp": timestamp,
            });
            assert_eq!(python_oracle::run(script, &case), authorization_of(&added), "{case}");
        }
    }
}
