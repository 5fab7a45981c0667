//! Alibaba Cloud ECS key pairs through the ECS RPC API (version 2014-05-26, JSON
//! replies) and STS `GetCallerIdentity` (2015-04-01), signed with ACS3-HMAC-SHA256
//! ([`sign::Acs3Signer`]). Credentials and region are found as the `aliyun` CLI finds
//! them ([`credentials`]); `account.endpoint` replaces every API's address (an emulator,
//! a proxy).
//!
//! As the V3 signature documentation says for RPC APIs, every parameter travels in the
//! query string (signed there), the action and version in `x-acs-action` and
//! `x-acs-version`, and the body is empty: a `POST`, as Alibaba's SDKs send ECS calls.
//!
//! Fingerprints: `KeyPairFingerPrint` is, per the ECS API reference, "the public key
//! fingerprint format defined in RFC 4716", that is MD5 of the SSH key blob (the
//! base64-decoded middle of the OpenSSH line); Keyshelf keeps it as it came in
//! [`CloudKey::cloud_fingerprint`]. `DescribeKeyPairs` is asked for the public key
//! (`IncludePublicKey=true`), so listed keys are compared by their SHA-256 like AWS's.
//! Alibaba has no key pair id: [`CloudKey::cloud_id`] is the name, unless a reply ever
//! carries a `KeyPairId`.

pub mod credentials;
pub mod sign;

use serde_json::Value;

use super::http::{Endpoint, Http, Reply, Request};
use super::json::{self, number, text, ApiError};
use super::{Cancel, CloudError, CloudKey, Identity, KeyPairApi, Result};
use crate::cloud::env::Env;
use crate::inventory::{Account, Provider};
use credentials::{AccountConfig, Resolved};
use sign::Acs3Signer;

/// The provider's name in errors.
pub const PROVIDER: &str = "Alibaba Cloud";
pub const ECS_VERSION: &str = "2014-05-26";
pub const STS_VERSION: &str = "2015-04-01";
/// `DescribeKeyPairs`' largest page ("Maximum value: 50").
pub const PAGE_SIZE: usize = 50;
/// More pages than this is a server that never stops (a region holds at most 500 key
/// pairs: 10 pages).
const MAX_PAGES: usize = 200;
/// The most tags `ImportKeyPair` takes (`Tag.N`, N from 1 to 20).
const MAX_TAGS: usize = 20;
/// Where STS answers for every region.
const STS_ENDPOINT: &str = "https://sts.aliyuncs.com";
/// ECS's central endpoint, for `DescribeRegions` when no region is known.
const ECS_CENTRAL_ENDPOINT: &str = "https://ecs.aliyuncs.com";

/// Error codes that mean "the credentials are not good" rather than "this call failed".
const AUTH_CODES: &[&str] = &["SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeySecret"];
/// Prefixes of such codes (`InvalidAccessKeyId.NotFound`, `InvalidSecurityToken.Expired`…).
const AUTH_PREFIXES: &[&str] = &["InvalidAccessKeyId", "InvalidSecurityToken"];

/// Whether an error code is one of the credentials' (then [`CloudError::Auth`]).
pub fn is_auth_code(code: &str) -> bool {
    AUTH_CODES.contains(&code) || AUTH_PREFIXES.iter().any(|p| code == *p || code.starts_with(&format!("{p}.")))
}

/// Whether an error code asks the caller to slow down (`Throttling`, `Throttling.User`,
/// `Throttling.Api`…): such calls are tried again.
pub fn is_throttling_code(code: &str) -> bool {
    code == "Throttling" || code.starts_with("Throttling.")
}

/// Reaches an account's Alibaba Cloud ECS. Fails without any call when there are no
/// usable credentials or the endpoint is wrong.
pub fn connect(account: &Account, region: Option<&str>, env: &dyn Env, http: Http) -> Result<Box<dyn KeyPairApi>> {
    let resolved = credentials::resolve(AccountConfig::of(account), region, env)?;
    Ok(Box::new(Alibaba::from_resolved(resolved, account.endpoint.as_deref(), http)?))
}

/// One Alibaba Cloud account, as its credentials reach it. Its `Debug` shows no secret.
#[derive(Debug)]
pub struct Alibaba {
    http: Http,
    resolved: Resolved,
    /// Replaces every API's address when set.
    endpoint: Option<Endpoint>,
}

impl Alibaba {
    pub fn from_resolved(resolved: Resolved, endpoint: Option<&str>, http: Http) -> Result<Alibaba> {
        let endpoint = Endpoint::parse_override(endpoint)?;
        Ok(Alibaba { http, resolved, endpoint })
    }

    /// "profile 'dev'" or "the ALIBABA_CLOUD_ACCESS_KEY_ID environment variables".
    pub fn who(&self) -> String {
        self.resolved.who()
    }

    fn ecs_endpoint(&self, region: Option<&str>) -> Result<Endpoint> {
        match (&self.endpoint, region) {
            (Some(e), _) => Ok(e.clone()),
            (None, Some(r)) => Endpoint::parse(&format!("https://ecs.{}.aliyuncs.com", check_region(r)?)),
            (None, None) => Endpoint::parse(ECS_CENTRAL_ENDPOINT),
        }
    }

    fn sts_endpoint(&self) -> Result<Endpoint> {
        match &self.endpoint {
            Some(e) => Ok(e.clone()),
            None => Endpoint::parse(STS_ENDPOINT),
        }
    }

    /// One RPC call: `params` in the query, signed; the reply's JSON object, or the
    /// error it holds.
    fn call(
        &self,
        endpoint: &Endpoint,
        action: &str,
        version: &str,
        params: Vec<(String, String)>,
        cancel: &Cancel,
    ) -> Result<Value> {
        let req = Request {
            method: "POST",
            query: params,
            headers: vec![
                ("x-acs-action".into(), action.into()),
                ("x-acs-version".into(), version.into()),
                ("accept".into(), "application/json".into()),
            ],
            body: Vec::new(),
        };
        let signer = Acs3Signer::new(self.resolved.credentials.clone());
        let throttled = |r: &Reply| {
            r.status == 429 || r.status >= 400 && api_error(&r.body).is_some_and(|e| is_throttling_code(&e.code))
        };
        let reply = self.http.send(endpoint, &req, &signer, &throttled, cancel)?;
        let bad = |reason: String| CloudError::BadReply { endpoint: endpoint.url(), reason };
        // An error comes with an HTTP error status; a 2xx reply is the answer.
        if !(200..300).contains(&reply.status) {
            return Err(match api_error(&reply.body) {
                Some(e) => e.into_cloud_error(PROVIDER, is_auth_code, || self.who()),
                None => bad(format!("HTTP {} without an {PROVIDER} error code", reply.status)),
            });
        }
        let v = json::parse(endpoint, &reply.body)?;
        if v.is_object() {
            Ok(v)
        } else {
            Err(bad("the reply is not a JSON object".into()))
        }
    }

    /// Every key pair of `region` (named `name`, when given), every page.
    fn describe(&self, region: &str, name: Option<&str>, cancel: &Cancel) -> Result<Vec<CloudKey>> {
        let region = check_region(region)?;
        let endpoint = self.ecs_endpoint(Some(region))?;
        let bad = |reason: String| CloudError::BadReply { endpoint: endpoint.url(), reason };
        json::all_pages(&endpoint, "DescribeKeyPairs", PAGE_SIZE, MAX_PAGES, |page, _| {
            let mut params = vec![
                ("RegionId".to_string(), region.to_string()),
                ("IncludePublicKey".to_string(), "true".to_string()),
                ("PageNumber".to_string(), page.to_string()),
                ("PageSize".to_string(), PAGE_SIZE.to_string()),
            ];
            if let Some(n) = name {
                params.push(("KeyPairName".to_string(), n.to_string()));
            }
            let v = self.call(&endpoint, "DescribeKeyPairs", ECS_VERSION, params, cancel)?;
            let items = nested_list(&v, "KeyPairs", "KeyPair").map_err(bad)?;
            let keys = items.into_iter().map(|item| key_from(item).map_err(bad)).collect::<Result<Vec<_>>>()?;
            Ok((keys, number(&v, "TotalCount")))
        })
    }
}

/// A region name as Alibaba Cloud spells them (`cn-hangzhou`); anything else would end
/// up in a host name.
fn check_region(region: &str) -> Result<&str> {
    super::check_region_id(region, 40, "an Alibaba Cloud region id (such as cn-hangzhou)")
}

/// Refuses, before any call, a name `ImportKeyPair` would refuse: 2 to 128 characters,
/// starting with a letter, then letters, digits, `:`, `_`, `.` and `-` ("letters" as
/// Unicode has them, Chinese characters included).
pub fn check_key_name(name: &str) -> Result<()> {
    match super::names::problem(Provider::Alibaba, name) {
        Some(why) => Err(CloudError::Refused(format!("'{name}' cannot be pushed under that name: {why}"))),
        None => Ok(()),
    }
}

/// The error of a reply (`Code`, `Message`, `RequestId` at the top), if it holds one.
fn api_error(body: &[u8]) -> Option<ApiError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let code = text(&v, "Code")?;
    let mut message = text(&v, "Message").unwrap_or_default();
    // Alibaba's diagnosis page for this very request, when it gives one.
    if let Some(url) = text(&v, "Recommend").filter(|u| u.starts_with("https://")) {
        message = format!("{message} (diagnosis: {url})");
    }
    Some(ApiError { code, message, request_id: text(&v, "RequestId") })
}

/// `v[outer][inner]` as a list (`{"KeyPairs": {"KeyPair": [...]}}`); one object stands
/// for a list of one, a missing level for an empty list.
fn nested_list<'a>(v: &'a Value, outer: &str, inner: &str) -> std::result::Result<Vec<&'a Value>, String> {
    let Some(o) = v.get(outer).filter(|o| !o.is_null()) else { return Ok(Vec::new()) };
    match o.get(inner) {
        None | Some(Value::Null) if o.is_object() => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.iter().collect()),
        Some(item @ Value::Object(_)) => Ok(vec![item]),
        _ => Err(format!("{outer}.{inner} is not a list")),
    }
}

fn key_from(item: &Value) -> std::result::Result<CloudKey, String> {
    if !item.is_object() {
        return Err("a key pair that is not a JSON object".into());
    }
    let name = text(item, "KeyPairName").ok_or("a key pair without KeyPairName")?;
    let tags = nested_list(item, "Tags", "Tag")?
        .into_iter()
        .filter_map(|t| Some((text(t, "TagKey")?, text(t, "TagValue").unwrap_or_default())))
        .collect();
    let public_key = text(item, "PublicKey").map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
    Ok(CloudKey {
        cloud_id: text(item, "KeyPairId").unwrap_or_else(|| name.clone()),
        name,
        public_key: None,
        cloud_fingerprint: text(item, "KeyPairFingerPrint").unwrap_or_default(),
        fingerprint_sha256: None,
        tags,
    }
    .with_public_key(public_key))
}

fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_string(), v.into())
}

impl KeyPairApi for Alibaba {
    fn provider(&self) -> Provider {
        Provider::Alibaba
    }

    fn default_region(&self) -> Option<&str> {
        self.resolved.region.as_deref()
    }

    fn identity(&self, cancel: &Cancel) -> Result<Identity> {
        let endpoint = self.sts_endpoint()?;
        let v = self.call(&endpoint, "GetCallerIdentity", STS_VERSION, Vec::new(), cancel)?;
        let account_id = text(&v, "AccountId").ok_or_else(|| CloudError::BadReply {
            endpoint: endpoint.url(),
            reason: "no AccountId in the GetCallerIdentity reply".into(),
        })?;
        Ok(Identity {
            account_id,
            arn: text(&v, "Arn"),
            access_key_id: self.resolved.credentials.access_key_id.clone(),
            source: self.resolved.source_label(),
        })
    }

    fn regions(&self, cancel: &Cancel) -> Result<Vec<String>> {
        let home = self.default_region().map(check_region).transpose()?;
        let endpoint = self.ecs_endpoint(home)?;
        let v = self.call(&endpoint, "DescribeRegions", ECS_VERSION, Vec::new(), cancel)?;
        let bad = |reason: String| CloudError::BadReply { endpoint: endpoint.url(), reason };
        let mut regions: Vec<String> = nested_list(&v, "Regions", "Region")
            .map_err(bad)?
            .into_iter()
            .filter_map(|r| text(r, "RegionId"))
            .collect();
        if regions.is_empty() {
            return Err(bad("DescribeRegions listed no region".into()));
        }
        regions.sort();
        regions.dedup();
        Ok(regions)
    }

    fn list(&self, region: &str, cancel: &Cancel) -> Result<Vec<CloudKey>> {
        self.describe(region, None, cancel)
    }

    fn find(&self, region: &str, name: &str, cancel: &Cancel) -> Result<Option<CloudKey>> {
        // KeyPairName filters by pattern (`*` is a wildcard): exact names only, and the
        // answer is checked name by name.
        let filter = (!name.is_empty() && !name.contains('*')).then_some(name);
        Ok(self.describe(region, filter, cancel)?.into_iter().find(|k| k.name == name))
    }

    fn import(
        &self,
        region: &str,
        name: &str,
        public_key: &str,
        tags: &[(String, String)],
        cancel: &Cancel,
    ) -> Result<String> {
        check_key_name(name)?;
        // ECS imports neither Ed25519 nor security keys.
        super::check_key_type(Provider::Alibaba, public_key)?;
        let region = check_region(region)?;
        let mut params =
            vec![pair("RegionId", region), pair("KeyPairName", name), pair("PublicKeyBody", public_key.trim())];
        for (i, (k, v)) in tags.iter().take(MAX_TAGS).enumerate() {
            params.push(pair(&format!("Tag.{}.Key", i + 1), k.as_str()));
            params.push(pair(&format!("Tag.{}.Value", i + 1), v.as_str()));
        }
        let endpoint = self.ecs_endpoint(Some(region))?;
        let v = self.call(&endpoint, "ImportKeyPair", ECS_VERSION, params, cancel)?;
        Ok(text(&v, "KeyPairId").or_else(|| text(&v, "KeyPairName")).unwrap_or_else(|| name.to_string()))
    }

    fn delete(&self, region: &str, name: &str, _cloud_id: &str, cancel: &Cancel) -> Result<()> {
        let region = check_region(region)?;
        // "A JSON array of SSH key pair names".
        let names = Value::from(vec![name]).to_string();
        let params = vec![pair("RegionId", region), pair("KeyPairNames", names)];
        let endpoint = self.ecs_endpoint(Some(region))?;
        self.call(&endpoint, "DeleteKeyPairs", ECS_VERSION, params, cancel).map(|_| ())
    }
}

#[cfg(test)]
mod tests;
