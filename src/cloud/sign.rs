//! Request signing for the cloud APIs: the [`Signer`] trait that each provider's scheme
//! implements, and AWS Signature Version 4 ([`SigV4`]). Signing is a pure function of the
//! request, the credentials and the time: no I/O here, and the secret key never leaves
//! this module (only the access key id, the session token and the signature go out).

use hmac::digest::generic_array::GenericArray;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use zeroize::Zeroizing;

use crate::cloud::credentials::Credentials;

/// A request as the signer sees it.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// `"POST"`, `"GET"`.
    pub method: &'a str,
    /// The Host header's value; includes `:port` when the URL has a non-default port.
    pub host: &'a str,
    /// The URL path, `/` when empty, already as sent (unreserved characters and `/` only
    /// in our use: SigV4 signs it as it is, without encoding it again).
    pub path: &'a str,
    /// The raw (not yet encoded) query pairs, in any order.
    pub query: &'a [(String, String)],
    /// The other headers that will be sent and must be signed (`content-type`). Not `host`
    /// nor the headers a signer adds: [`SigV4`] ignores `host`, `authorization` and its own
    /// `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` if they are here.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Signs requests for one provider's scheme: [`SigV4`] here, the Tencent (TC3-HMAC-SHA256)
/// and Alibaba (ACS3-HMAC-SHA256) signers in their modules. The pieces the schemes share
/// (hashing, HMAC, hex, URI encoding, the canonical query and headers) live in this module.
pub trait Signer: Send + Sync {
    /// The headers to add to the request (name, value), Authorization included, for a
    /// request sent at `at` (UTC).
    fn sign(&self, req: &SignableRequest<'_>, at: OffsetDateTime) -> Vec<(String, String)>;
}

/// The SigV4 algorithm's name, first in the Authorization header and the string to sign.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Headers that [`SigV4`] sets itself; the same names in [`SignableRequest::headers`] are
/// ignored.
const OWN_HEADERS: [&str; 5] = ["host", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"];

/// AWS Signature Version 4 with one set of credentials, for one region and one service
/// (`ec2`, `sts`). Its `Debug` shows the access key id, never the secret or the token.
#[derive(Debug, Clone)]
pub struct SigV4 {
    credentials: Credentials,
    region: String,
    service: String,
}

/// Every step of one signature (SigV4, TC3, ACS3), kept so that tests can compare each
/// with the provider's published intermediate results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureParts {
    pub(crate) canonical_request: String,
    pub(crate) string_to_sign: String,
    /// The signature, lowercase hex.
    pub(crate) signature: String,
    /// The Authorization header's value.
    pub(crate) authorization: String,
}

impl SigV4 {
    pub fn new(credentials: Credentials, region: impl Into<String>, service: impl Into<String>) -> SigV4 {
        SigV4 { credentials, region: region.into(), service: service.into() }
    }

    /// The core of SigV4 on exactly the headers given: `headers` is every header to sign,
    /// `host` and `x-amz-date` included (the x-amz-date value must be [`amz_date`] of
    /// `at`); `payload_hash` is [`sha256_hex`] of the body. Nothing is added here, so the
    /// published test suite, whose requests have no `x-amz-content-sha256`, applies as it
    /// is.
    pub(crate) fn compute(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        headers: &[(&str, &str)],
        payload_hash: &str,
        at: OffsetDateTime,
    ) -> SignatureParts {
        let at = utc(at);
        let scope = format!("{}/{}/{}/aws4_request", date_stamp(at), self.region, self.service);
        let (canonical_request, signed_headers) = canonical_request(method, path, query, headers, payload_hash);
        let string_to_sign = string_to_sign(&amz_date(at), &scope, &canonical_request);
        let key = signing_key(self.credentials.secret.expose(), &date_stamp(at), &self.region, &self.service);
        let signature = hex(&hmac_sha256(&key[..], string_to_sign.as_bytes()));
        let authorization = format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            self.credentials.access_key_id
        );
        SignatureParts { canonical_request, string_to_sign, signature, authorization }
    }
}

impl Signer for SigV4 {
    /// Adds `x-amz-date`, `x-amz-content-sha256` (always: S3 and moto want it signed),
    /// `x-amz-security-token` for temporary credentials (signed too), and `authorization`.
    /// Signed: `host`, every header of the request, and those added before `authorization`.
    fn sign(&self, req: &SignableRequest<'_>, at: OffsetDateTime) -> Vec<(String, String)> {
        let at = utc(at);
        let payload_hash = sha256_hex(req.body);
        let mut added =
            vec![("x-amz-date".to_string(), amz_date(at)), ("x-amz-content-sha256".to_string(), payload_hash.clone())];
        if let Some(token) = self.credentials.session_token.as_ref().filter(|t| !t.is_empty()) {
            added.push(("x-amz-security-token".to_string(), token.expose().to_string()));
        }
        let to_sign = headers_to_sign(req, &OWN_HEADERS, |_| true, &added);
        let parts = self.compute(req.method, req.path, req.query, &to_sign, &payload_hash, at);
        added.push(("authorization".to_string(), parts.authorization));
        added
    }
}

/// The canonical request, and the signed headers list (`host;x-amz-date`) it ends with.
///
/// Header names are lowercased and sorted; values are trimmed, with runs of spaces inside
/// made one; a name given more than once has its values joined with commas, in the order
/// given. The query pairs are [`uri_encode`]d, then sorted by name, then value. The path
/// is taken as it is (`/` when empty).
pub(crate) fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(&str, &str)],
    payload_hash: &str,
) -> (String, String) {
    let (canonical_headers, signed_headers) = canonical_headers(headers, trim_all);
    let uri = if path.is_empty() { "/" } else { path };
    let query = canonical_query(query);
    let request = format!("{method}\n{uri}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}");
    (request, signed_headers)
}

/// The string to sign: the algorithm, the request time (`amz_date`), the credential scope
/// (`20150830/us-east-1/iam/aws4_request`) and the canonical request's hash.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The signing key for one day (`YYYYMMDD`), region and service:
/// HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
/// Every step is held in memory that is wiped when dropped.
pub(crate) fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Zeroizing<[u8; 32]> {
    // Sized up front so that the secret is never copied by a reallocation.
    let mut k_secret = Zeroizing::new(String::with_capacity(4 + secret.len()));
    k_secret.push_str("AWS4");
    k_secret.push_str(secret);
    let k_date = Zeroizing::new(hmac_sha256(k_secret.as_bytes(), date.as_bytes()));
    let k_region = Zeroizing::new(hmac_sha256(&k_date[..], region.as_bytes()));
    let k_service = Zeroizing::new(hmac_sha256(&k_region[..], service.as_bytes()));
    Zeroizing::new(hmac_sha256(&k_service[..], b"aws4_request"))
}

/// The request time as SigV4 writes it: `20150830T123600Z` (UTC).
pub(crate) fn amz_date(at: OffsetDateTime) -> String {
    let at = utc(at);
    format!("{}T{:02}{:02}{:02}Z", date_stamp(at), at.hour(), at.minute(), at.second())
}

/// The day of the request, `20150830` (UTC), as in the credential scope.
fn date_stamp(at: OffsetDateTime) -> String {
    let at = utc(at);
    format!("{:04}{:02}{:02}", at.year(), u8::from(at.month()), at.day())
}

/// `at` in UTC. (Only a time at the very edge of the representable range has no UTC form;
/// it is then taken as it is rather than panicking.)
pub(crate) fn utc(at: OffsetDateTime) -> OffsetDateTime {
    at.checked_to_offset(UtcOffset::UTC).unwrap_or(at)
}

/// What a signature covers of a request's headers: `host`, then the request's own headers
/// that `signs` takes and that are not among the signer's `own` (which it sets itself, so
/// they are neither sent twice nor signed with another value), then the ones the signer
/// `added`.
pub(crate) fn headers_to_sign<'a>(
    req: &SignableRequest<'a>,
    own: &[&str],
    signs: impl Fn(&str) -> bool,
    added: &'a [(String, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut to_sign: Vec<(&str, &str)> = Vec::with_capacity(1 + req.headers.len() + added.len());
    to_sign.push(("host", req.host));
    to_sign.extend(
        req.headers
            .iter()
            .filter(|(name, _)| signs(name) && !own.iter().any(|own| name.trim().eq_ignore_ascii_case(own)))
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    to_sign.extend(added.iter().map(|(name, value)| (name.as_str(), value.as_str())));
    to_sign
}

/// The canonical headers block (`name:value\n` each) and the signed headers list: names
/// lowercased and sorted, values made canonical by `value` (the schemes differ there:
/// SigV4 folds inner runs of spaces, ACS3 only trims), a repeated name's values joined
/// with commas in the order given.
pub(crate) fn canonical_headers(headers: &[(&str, &str)], value: fn(&str) -> String) -> (String, String) {
    let mut named: Vec<(String, String)> =
        headers.iter().map(|(name, v)| (name.trim().to_ascii_lowercase(), value(v))).collect();
    // A stable sort: the values of a repeated name keep the order they were given in.
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(String, String)> = Vec::with_capacity(named.len());
    for (name, value) in named {
        match merged.last_mut() {
            Some((last, values)) if *last == name => {
                values.push(',');
                values.push_str(&value);
            }
            _ => merged.push((name, value)),
        }
    }
    let block = merged.iter().map(|(name, value)| format!("{name}:{value}\n")).collect();
    let signed = merged.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(";");
    (block, signed)
}

/// A header value trimmed, with each run of spaces inside made one space (SigV4).
fn trim_all(value: &str) -> String {
    value.trim().split(' ').filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The canonical query string of SigV4 and ACS3: `name=value` pairs, both
/// [`uri_encode`]d (a space is `%20`, `*` is `%2A`, `~` stays), sorted by name then value,
/// joined with `&`.
pub(crate) fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (uri_encode(k), uri_encode(v))).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// RFC 3986 percent-encoding as SigV4 wants it: the unreserved characters `A-Z a-z 0-9 -
/// _ . ~` are kept, every other byte (of the UTF-8 form) becomes `%XX`, uppercase. Also
/// used to build form bodies.
pub fn uri_encode(s: &str) -> String {
    const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(UPPER_HEX[usize::from(b >> 4)]));
            out.push(char::from(UPPER_HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// The SHA-256 of `data`, lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// HMAC-SHA256 of `data` under `key`.
///
/// HMAC takes a key of any length (RFC 2104 §2): a key longer than the hash's 64-byte
/// block is hashed first, a shorter one is padded with zeros to the block. That is done
/// here, in a buffer wiped afterwards, so that the key reaches the constructor that takes
/// exactly one block and has no error to handle.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let block = block_key(key);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(GenericArray::from_slice(&block[..]));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// SHA-256's block size, the length of an HMAC-SHA256 key after RFC 2104's padding.
const SHA256_BLOCK: usize = 64;

/// `key` as one SHA-256 block, per RFC 2104: hashed first if longer, then zero-padded.
fn block_key(key: &[u8]) -> Zeroizing<[u8; SHA256_BLOCK]> {
    let mut block = Zeroizing::new([0u8; SHA256_BLOCK]);
    if key.len() > SHA256_BLOCK {
        Sha256::new().chain_update(key).finalize_into(GenericArray::from_mut_slice(&mut block[..32]));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    block
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(LOWER_HEX[usize::from(b >> 4)]));
        out.push(char::from(LOWER_HEX[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::credentials::Secret;
    use time::macros::datetime;

    // The credentials, scope and time of AWS's SigV4 test suite and of the IAM examples
    // in the SigV4 documentation.
    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const AT: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);
    /// The session token of the suite's post-sts-token cases (post-sts-token/readme.txt).
    const SUITE_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    fn credentials(token: Option<&str>) -> Credentials {
        Credentials { access_key_id: AKID.into(), secret: Secret::new(SECRET), session_token: token.map(Secret::new) }
    }

    fn suite_signer() -> SigV4 {
        SigV4::new(credentials(None), "us-east-1", "service")
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// One case of the suite, run through [`SigV4::compute`] on exactly its headers.
    struct Case<'a> {
        method: &'a str,
        query: &'a [(&'a str, &'a str)],
        headers: &'a [(&'a str, &'a str)],
        body: &'a [u8],
        creq: &'a str,
        sts: &'a str,
        authz: &'a str,
    }

    fn check(signer: &SigV4, case: Case<'_>) {
        let parts = signer.compute(case.method, "/", &pairs(case.query), case.headers, &sha256_hex(case.body), AT);
        assert_eq!(parts.canonical_request, case.creq);
        assert_eq!(parts.string_to_sign, case.sts);
        assert_eq!(parts.authorization, case.authz);
    }

    // Source: the AWS SigV4 test suite as vendored in smithy-lang/smithy-rs,
    // aws/rust-runtime/aws-sigv4/aws-sig-v4-test-suite/get-vanilla/get-vanilla.{req,creq,sts,authz}
    // (commit e478e3128c4a96d23f19895d444a9f9142690a56; the folder was replaced later). The
    // same values are in awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/get-vanilla/.
    #[test]
    fn suite_get_vanilla() {
        check(
            &suite_signer(),
            Case {
                method: "GET",
                query: &[],
                headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                body: b"",
                creq: concat!(
                    "GET\n",
                    "/\n",
                    "\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "host;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            },
        );
    }

    // Source: smithy-lang/smithy-rs, aws/rust-runtime/aws-sigv4/aws-sig-v4-test-suite/
    // get-vanilla-query-order-key-case/get-vanilla-query-order-key-case.{req,creq,sts,authz}
    // (commit e478e3128c4a96d23f19895d444a9f9142690a56).
    #[test]
    fn suite_get_vanilla_query_order_key_case() {
        check(
            &suite_signer(),
            Case {
                method: "GET",
                query: &[("Param2", "value2"), ("Param1", "value1")],
                headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                body: b"",
                creq: concat!(
                    "GET\n",
                    "/\n",
                    "Param1=value1&Param2=value2\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "host;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            },
        );
    }

    // Source: smithy-lang/smithy-rs, aws/rust-runtime/aws-sigv4/aws-sig-v4-test-suite/
    // get-vanilla-utf8-query/get-vanilla-utf8-query.{req,creq,authz} (commit
    // e478e3128c4a96d23f19895d444a9f9142690a56); the string to sign, which that copy lacks,
    // from awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/get-vanilla-utf8-query/
    // header-string-to-sign.txt (commit 495329c2433034bd8fd53fc6ba9e0202d3fac876).
    #[test]
    fn suite_get_vanilla_utf8_query() {
        check(
            &suite_signer(),
            Case {
                method: "GET",
                query: &[("ሴ", "bar")],
                headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                body: b"",
                creq: concat!(
                    "GET\n",
                    "/\n",
                    "%E1%88%B4=bar\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "host;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
            },
        );
    }

    // Source: smithy-lang/smithy-rs, aws/rust-runtime/aws-sigv4/aws-sig-v4-test-suite/
    // post-vanilla/post-vanilla.{req,creq,sts,authz} (commit e478e3128c4a96d23f19895d444a9f9142690a56).
    #[test]
    fn suite_post_vanilla() {
        check(
            &suite_signer(),
            Case {
                method: "POST",
                query: &[],
                headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                body: b"",
                creq: concat!(
                    "POST\n",
                    "/\n",
                    "\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "host;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            },
        );
    }

    // Source: smithy-lang/smithy-rs, aws/rust-runtime/aws-sigv4/aws-sig-v4-test-suite/
    // post-sts-token/post-sts-header-before/post-sts-header-before.{req,creq,sts,authz}
    // (commit e478e3128c4a96d23f19895d444a9f9142690a56): the token is signed, as SigV4::sign
    // does.
    #[test]
    fn suite_post_sts_header_before() {
        check(
            &suite_signer(),
            Case {
                method: "POST",
                query: &[],
                headers: &[
                    ("Host", "example.amazonaws.com"),
                    ("X-Amz-Date", "20150830T123600Z"),
                    ("X-Amz-Security-Token", SUITE_TOKEN),
                ],
                body: b"",
                creq: concat!(
                    "POST\n",
                    "/\n",
                    "\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-date:20150830T123600Z\n",
                    "x-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n",
                    "\n",
                    "host;x-amz-date;x-amz-security-token\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
            },
        );
    }

    // Source: smithy-lang/smithy-rs, aws/rust-runtime/aws-sigv4/aws-sig-v4-test-suite/
    // post-sts-token/post-sts-header-after/post-sts-header-after.{req,creq,sts,authz}
    // (commit e478e3128c4a96d23f19895d444a9f9142690a56): the token is added after signing,
    // so the signed part is post-vanilla's. (SigV4::sign always signs the token; this case
    // only checks the core on the published inputs.)
    #[test]
    fn suite_post_sts_header_after() {
        check(
            &suite_signer(),
            Case {
                method: "POST",
                query: &[],
                headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                body: b"",
                creq: concat!(
                    "POST\n",
                    "/\n",
                    "\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "host;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            },
        );
    }

    // Source: awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/post-x-www-form-urlencoded/
    // {request,header-canonical-request,header-string-to-sign,header-signed-request}.txt
    // (commit 495329c2433034bd8fd53fc6ba9e0202d3fac876). This version of the case signs the
    // body's hash as x-amz-content-sha256, and content-length.
    #[test]
    fn suite_post_x_www_form_urlencoded() {
        check(
            &suite_signer(),
            Case {
                method: "POST",
                query: &[],
                headers: &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Host", "example.amazonaws.com"),
                    ("Content-Length", "13"),
                    ("X-Amz-Date", "20150830T123600Z"),
                    ("x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
                ],
                body: b"Param1=value1",
                creq: concat!(
                    "POST\n",
                    "/\n",
                    "\n",
                    "content-length:13\n",
                    "content-type:application/x-www-form-urlencoded\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "content-length;content-type;host;x-amz-content-sha256;x-amz-date\n",
                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
            },
        );
    }

    // Source: the original suite's post-x-www-form-urlencoded case as AWS's JavaScript SDK
    // carries it: aws/aws-sdk-js-v3, packages/signature-v4/src/suite.fixture.ts (commit
    // 0574f9a135c97b2cd989a2fb6f3e9effdc236696), headers content-type, host, x-amz-date and
    // body "Param1=value1" (whose hash that SDK signs). It gives the Authorization only.
    // (The smithy-rs copy of this case is not used: its .creq lists content-type among the
    // headers but not in SignedHeaders, and hashes an empty body.)
    #[test]
    fn suite_post_x_www_form_urlencoded_as_in_aws_sdk_js_v3() {
        let parts = suite_signer().compute(
            "POST",
            "/",
            &[],
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("host", "example.amazonaws.com"),
                ("x-amz-date", "20150830T123600Z"),
            ],
            &sha256_hex(b"Param1=value1"),
            AT,
        );
        assert_eq!(
            parts.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    // Source: awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/post-x-www-form-urlencoded-parameters/
    // {request,header-canonical-request,header-string-to-sign,header-signed-request}.txt
    // (commit 495329c2433034bd8fd53fc6ba9e0202d3fac876): a content type with a parameter,
    // as Keyshelf's AWS calls send it.
    #[test]
    fn suite_post_x_www_form_urlencoded_parameters() {
        check(
            &suite_signer(),
            Case {
                method: "POST",
                query: &[],
                headers: &[
                    ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                    ("Host", "example.amazonaws.com"),
                    ("Content-Length", "13"),
                    ("X-Amz-Date", "20150830T123600Z"),
                    ("x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
                ],
                body: b"Param1=value1",
                creq: concat!(
                    "POST\n",
                    "/\n",
                    "\n",
                    "content-length:13\n",
                    "content-type:application/x-www-form-urlencoded; charset=utf-8\n",
                    "host:example.amazonaws.com\n",
                    "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "content-length;content-type;host;x-amz-content-sha256;x-amz-date\n",
                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "a89f1a5b53e37702ee6363ce1da3ce8f54386f3c8f352ae652153c2982a0bc4d",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422",
            },
        );
    }

    // Source: awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/get-header-value-trim/
    // {request,header-canonical-request,header-string-to-sign,header-signed-request}.txt
    // (commit 495329c2433034bd8fd53fc6ba9e0202d3fac876): values trimmed, runs of spaces made one.
    #[test]
    fn suite_get_header_value_trim() {
        check(
            &suite_signer(),
            Case {
                method: "GET",
                query: &[],
                headers: &[
                    ("Host", "example.amazonaws.com"),
                    ("My-Header1", " value1"),
                    ("My-Header2", " \"a   b   c\""),
                    ("X-Amz-Date", "20150830T123600Z"),
                ],
                body: b"",
                creq: concat!(
                    "GET\n",
                    "/\n",
                    "\n",
                    "host:example.amazonaws.com\n",
                    "my-header1:value1\n",
                    "my-header2:\"a b c\"\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "host;my-header1;my-header2;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            },
        );
    }

    // Source: awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/get-header-key-duplicate/
    // {request,header-canonical-request,header-string-to-sign,header-signed-request}.txt
    // (commit 495329c2433034bd8fd53fc6ba9e0202d3fac876): a repeated name's values are joined
    // in the order given.
    #[test]
    fn suite_get_header_key_duplicate() {
        check(
            &suite_signer(),
            Case {
                method: "GET",
                query: &[],
                headers: &[
                    ("Host", "example.amazonaws.com"),
                    ("My-Header1", "value2"),
                    ("My-Header1", "value2"),
                    ("My-Header1", "value1"),
                    ("X-Amz-Date", "20150830T123600Z"),
                ],
                body: b"",
                creq: concat!(
                    "GET\n",
                    "/\n",
                    "\n",
                    "host:example.amazonaws.com\n",
                    "my-header1:value2,value2,value1\n",
                    "x-amz-date:20150830T123600Z\n",
                    "\n",
                    "host;my-header1;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                sts: concat!(
                    "AWS4-HMAC-SHA256\n",
                    "20150830T123600Z\n",
                    "20150830/us-east-1/service/aws4_request\n",
                    "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
                ),
                authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
            },
        );
    }

    // Sources, for the IAM ListUsers example of the SigV4 documentation (GET
    // https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08):
    // - the hash of the canonical request, f536975d…: AWS General Reference, "Task 1: Create
    //   a canonical request" (sigv4-create-canonical-request.html, "Example hashed canonical
    //   request"); the page's text is not in the stored corpus, the value is quoted from it
    //   in the gist Leigh-/fcd1be0744a10fd4ea12a477d7e982d0 and is the last line of the
    //   string to sign below;
    // - the string to sign and the signature: smithy-lang/smithy-rs,
    //   aws/rust-runtime/aws-sigv4/src/sign/v4.rs, test_signature_calculation (commit
    //   56ee88c5c6edd967967656f1e29f46b229105e79);
    // - the Authorization header: AWS General Reference, "Task 4: Add the signature to the
    //   HTTP request" (https://docs.aws.amazon.com/general/latest/gr/sigv4-add-signature-to-request.html).
    #[test]
    fn iam_list_users_example() {
        let signer = SigV4::new(credentials(None), "us-east-1", "iam");
        let parts = signer.compute(
            "GET",
            "/",
            &pairs(&[("Action", "ListUsers"), ("Version", "2010-05-08")]),
            &[
                ("Host", "iam.amazonaws.com"),
                ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            &sha256_hex(b""),
            AT,
        );
        assert_eq!(
            sha256_hex(parts.canonical_request.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            parts.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(parts.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
        assert_eq!(
            parts.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    // Source: AWS General Reference, "Examples of how to derive a signing key for Signature
    // Version 4" (signature-v4-examples.html): secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
    // 20120215, us-east-1, iam. The page is not in the stored corpus; the value is quoted
    // from it, with the page named, by several public repositories' tests.
    #[test]
    fn signing_key_derivation_example() {
        let key = signing_key(SECRET, "20120215", "us-east-1", "iam");
        assert_eq!(hex(&key[..]), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    // Source: awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/post-x-www-form-urlencoded/
    // header-signed-request.txt (commit 495329c2433034bd8fd53fc6ba9e0202d3fac876): the headers
    // SigV4::sign adds for this request (x-amz-date, x-amz-content-sha256, authorization) are
    // exactly those of the published signed request.
    #[test]
    fn sign_matches_the_published_signed_request() {
        let headers = pairs(&[("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "13")]);
        let req = SignableRequest {
            method: "POST",
            host: "example.amazonaws.com",
            path: "/",
            query: &[],
            headers: &headers,
            body: b"Param1=value1",
        };
        assert_eq!(
            suite_signer().sign(&req, AT),
            pairs(&[
                ("x-amz-date", "20150830T123600Z"),
                ("x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"
                ),
            ])
        );
    }

    fn authorization_of(added: &[(String, String)]) -> &str {
        added.iter().find(|(k, _)| k == "authorization").map(|(_, v)| v.as_str()).unwrap()
    }

    fn get_root<'a>(headers: &'a [(String, String)]) -> SignableRequest<'a> {
        SignableRequest { method: "GET", host: "example.amazonaws.com", path: "/", query: &[], headers, body: b"" }
    }

    #[test]
    fn a_session_token_is_sent_and_signed() {
        let signer = SigV4::new(credentials(Some("token-value-123")), "us-east-1", "sts");
        let added = signer.sign(&get_root(&[]), AT);
        assert!(added.contains(&("x-amz-security-token".into(), "token-value-123".into())), "{added:?}");
        assert!(
            authorization_of(&added)
                .contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "),
            "{added:?}"
        );
        // An empty token is no token.
        let signer = SigV4::new(credentials(Some("")), "us-east-1", "sts");
        let added = signer.sign(&get_root(&[]), AT);
        assert!(added.iter().all(|(k, _)| k != "x-amz-security-token"), "{added:?}");
        assert!(authorization_of(&added).contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date, "));
    }

    #[test]
    fn the_secret_never_appears_in_what_is_returned_or_shown() {
        let signer = SigV4::new(credentials(Some(SUITE_TOKEN)), "us-east-1", "ec2");
        let headers = pairs(&[("content-type", "application/x-www-form-urlencoded; charset=utf-8")]);
        let query = pairs(&[("Action", "DescribeKeyPairs")]);
        let req = SignableRequest { query: &query, body: b"Action=DescribeKeyPairs", ..get_root(&headers) };
        let added = signer.sign(&req, AT);
        assert_eq!(added.len(), 4, "{added:?}");
        for (name, value) in &added {
            assert!(!name.contains(SECRET) && !value.contains(SECRET), "{name}: {value}");
            assert!(!value.contains("wJalrXUtnFEMI"), "{name}: {value}");
        }
        let shown = format!("{signer:?}");
        assert!(shown.contains(AKID) && !shown.contains("wJalrXUtnFEMI") && !shown.contains("AQoDYXdz"), "{shown}");
    }

    #[test]
    fn headers_the_signer_sets_are_not_taken_from_the_request() {
        let plain = suite_signer().sign(&get_root(&[]), AT);
        let clashing = pairs(&[
            ("Host", "elsewhere.example"),
            ("X-Amz-Date", "19700101T000000Z"),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
            ("Authorization", "Bearer x"),
            ("X-Amz-Security-Token", "t"),
        ]);
        assert_eq!(suite_signer().sign(&get_root(&clashing), AT), plain);
    }

    #[test]
    fn the_time_is_taken_in_utc() {
        let local = datetime!(2015-08-30 14:36:00 +02:00);
        assert_eq!(amz_date(local), "20150830T123600Z");
        let late = datetime!(2015-08-30 23:30:00 -05:00);
        assert_eq!(amz_date(late), "20150831T043000Z");
        assert_eq!(suite_signer().sign(&get_root(&[]), local), suite_signer().sign(&get_root(&[]), AT));
    }

    #[test]
    fn an_empty_path_is_signed_as_slash() {
        let headers = [("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")];
        let empty = suite_signer().compute("GET", "", &[], &headers, &sha256_hex(b""), AT);
        let slash = suite_signer().compute("GET", "/", &[], &headers, &sha256_hex(b""), AT);
        assert_eq!(empty, slash);
    }

    #[test]
    fn uri_encode_keeps_only_the_unreserved_characters() {
        assert_eq!(uri_encode("a b/c~*"), "a%20b%2Fc~%2A");
        assert_eq!(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(uri_encode("ssh-ed25519 AAAA+/=="), "ssh-ed25519%20AAAA%2B%2F%3D%3D");
        assert_eq!(uri_encode(""), "");
    }

    #[test]
    fn canonical_query_sorts_by_encoded_name_then_value() {
        let q = pairs(&[("b", "2"), ("a", "z"), ("a", "y"), ("A", "1"), ("c d", "")]);
        assert_eq!(canonical_query(&q), "A=1&a=y&a=z&b=2&c%20d=");
    }

    // The empty-body hash is the last line of every suite case without a body (above).
    #[test]
    fn sha256_hex_of_nothing() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    /// The one-block construction gives what the hmac crate gives for a key of any length,
    /// on both sides of the block size.
    #[test]
    fn hmac_takes_keys_of_any_length() {
        for len in [0, 1, 31, 32, 44, 63, 64, 65, 100, 131, 200] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
            mac.update(b"what do ya want for nothing?");
            let expected: [u8; 32] = mac.finalize().into_bytes().into();
            assert_eq!(hmac_sha256(&key, b"what do ya want for nothing?"), expected, "key of {len} bytes");
        }
    }
}
