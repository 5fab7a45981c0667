//! An independent TC3-HMAC-SHA256 check for the Tencent Cloud stand-ins: the CLI's
//! end-to-end one (tests/common/tencent_server.rs) and the client's unit tests
//! (src/cloud/tencent/tests.rs, which include this file). Written from the "Signature v3"
//! page of Tencent's documentation, sharing no code with the signer it checks.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Authorization a correct signer sends for this `POST /` (headers by lowercase
/// name, as received) with SecretId `id` and SecretKey `key` to `service` (`cvm`, `sts`);
/// `None` without a usable `X-TC-Timestamp`.
pub fn expected_authorization(
    headers: &HashMap<String, String>,
    body: &[u8],
    id: &str,
    key: &str,
    service: &str,
) -> Option<String> {
    let get = |k: &str| headers.get(k).cloned().unwrap_or_default();
    let timestamp: i64 = get("x-tc-timestamp").parse().ok()?;
    let day = time::OffsetDateTime::from_unix_timestamp(timestamp).ok()?.date();
    let date = format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day());
    let canonical = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
        get("content-type"),
        get("host"),
        hex(&Sha256::digest(body))
    );
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let k = hmac(format!("TC3{key}").as_bytes(), date.as_bytes());
    let k = hmac(&k, service.as_bytes());
    let k = hmac(&k, b"tc3_request");
    Some(format!(
        "TC3-HMAC-SHA256 Credential={id}/{date}/{service}/tc3_request, SignedHeaders=content-type;host, Signature={}",
        hex(&hmac(&k, to_sign.as_bytes()))
    ))
}
