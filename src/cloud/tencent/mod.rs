//! Tencent Cloud CVM key pairs through the CVM API 3.0 (version 2017-03-12) and STS
//! `GetCallerIdentity` (2018-08-13): JSON bodies `POST`ed to `cvm.tencentcloudapi.com`
//! and `sts.tencentcloudapi.com`, the action, version and region in `X-TC-*` headers,
//! signed with TC3-HMAC-SHA256 ([`sign::Tc3Signer`]). Credentials and region are found
//! as tccli finds them ([`credentials`]); `account.endpoint` replaces every API's address
//! (a test server, a proxy).
//!
//! Every reply is `{"Response": {...}}` with a `RequestId`; a failed call carries
//! `Response.Error.Code` and `.Message` (usually with HTTP 200). `AuthFailure.*` codes are
//! the credentials' ([`CloudError::Auth`]); `RequestLimitExceeded` (and its
//! sub-codes) is tried again with backoff; any other code is shown as it came, with the
//! request id.
//!
//! Key pairs: Tencent returns no fingerprint, so listed keys carry their public key and
//! are compared by the SHA-256 of its blob; [`CloudKey::cloud_id`] is the `KeyId`
//! (`skey-…`), which `DeleteKeyPairs` takes. Names are at most 25 letters, digits and
//! `_` ([`name_fits`]); a name that does not fit is refused before any call, and
//! [`suggest_name`] offers one that does for the caller to confirm.
//!
//! `DescribeRegions` is asked in the account's default region, or in [`HOME_REGION`]
//! when it has none (any region answers with the whole list).

pub mod credentials;
pub mod sign;

use serde_json::{json, Value};

use super::http::{Endpoint, Http, Reply, Request};
use super::json::{self, number, text, ApiError};
use super::{Cancel, CloudError, CloudKey, Identity, KeyPairApi, Result};
use crate::cloud::env::Env;
use crate::inventory::{Account, Provider};
use credentials::{AccountConfig, Resolved};
use sign::Tc3Signer;

/// The provider's name in errors.
pub const PROVIDER: &str = "Tencent Cloud";
pub const CVM_VERSION: &str = "2017-03-12";
pub const STS_VERSION: &str = "2018-08-13";
/// `DescribeKeyPairs`' largest page ("Limit: maximum value 100").
pub const PAGE_SIZE: usize = 100;
/// The longest key pair name `ImportKeyPair` takes.
pub const MAX_NAME_CHARS: usize = 25;
/// The region `DescribeRegions` is asked in when the account has no default one.
pub const HOME_REGION: &str = "ap-guangzhou";
/// More pages than this is a server that never stops.
const MAX_PAGES: usize = 200;
const CVM_ENDPOINT: &str = "https://cvm.tencentcloudapi.com";
const STS_ENDPOINT: &str = "https://sts.tencentcloudapi.com";

/// Whether an error code is one of the credentials' (`AuthFailure`,
/// `AuthFailure.SignatureFailure`, `AuthFailure.SecretIdNotFound`…): then
/// [`CloudError::Auth`].
pub fn is_auth_code(code: &str) -> bool {
    code == "AuthFailure" || code.starts_with("AuthFailure.")
}

/// Whether an error code asks the caller to slow down (`RequestLimitExceeded`,
/// `RequestLimitExceeded.UinLimitExceeded`…): such calls are tried again.
pub fn is_throttling_code(code: &str) -> bool {
    code == "RequestLimitExceeded" || code.starts_with("RequestLimitExceeded.")
}

/// Whether `ImportKeyPair` takes `name`: 1 to 25 characters, ASCII letters, digits and
/// `_` ("can contain numbers, letters, and underscores, with a maximum length of 25
/// characters"). The rule itself is [`crate::cloud::names`]'.
pub fn name_fits(name: &str) -> bool {
    super::names::problem(Provider::Tencent, name).is_none()
}

/// A name that fits ([`name_fits`]) made from `name`: every other character (`-`, `.`,
/// a space, a non-ASCII letter) becomes `_`, the result is cut to 25 characters, and an
/// empty name becomes `key`. For the caller to offer, never to use unasked.
pub fn suggest_name(name: &str) -> String {
    super::names::suggest(Provider::Tencent, name)
}

/// Refuses, before any call, a name `ImportKeyPair` would refuse.
pub fn check_key_name(name: &str) -> Result<()> {
    match super::names::problem(Provider::Tencent, name) {
        None => Ok(()),
        Some(why) => Err(CloudError::Refused(format!(
            "'{name}' cannot be pushed under that name: {why}; '{}' would fit",
            suggest_name(name)
        ))),
    }
}

/// A region id as Tencent Cloud spells them (`ap-guangzhou`, `na-siliconvalley`); it
/// travels in a header, so nothing else is let through.
fn check_region(region: &str) -> Result<&str> {
    super::check_region_id(region, 40, "a Tencent Cloud region id (such as ap-guangzhou)")
}

/// Reaches an account's Tencent Cloud CVM. Fails without any call when there are no
/// usable credentials or the endpoint is wrong.
pub fn connect(account: &Account, region: Option<&str>, env: &dyn Env, http: Http) -> Result<Box<dyn KeyPairApi>> {
    let resolved = credentials::resolve(AccountConfig::of(account), region, env)?;
    Ok(Box::new(Tencent::from_resolved(resolved, account.endpoint.as_deref(), http)?))
}

/// Which API a call goes to: its default address and the service its signature names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Cvm,
    Sts,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Cvm => "cvm",
            Service::Sts => "sts",
        }
    }

    fn version(self) -> &'static str {
        match self {
            Service::Cvm => CVM_VERSION,
            Service::Sts => STS_VERSION,
        }
    }
}

/// One Tencent Cloud account, as its credentials reach it. Its `Debug` shows no secret.
#[derive(Debug)]
pub struct Tencent {
    http: Http,
    resolved: Resolved,
    /// Replaces every API's address when set.
    endpoint: Option<Endpoint>,
}

impl Tencent {
    pub fn from_resolved(resolved: Resolved, endpoint: Option<&str>, http: Http) -> Result<Tencent> {
        let endpoint = Endpoint::parse_override(endpoint)?;
        Ok(Tencent { http, resolved, endpoint })
    }

    /// "tccli profile 'dev'" or "the TENCENTCLOUD_SECRET_ID environment variables".
    pub fn who(&self) -> String {
        self.resolved.who()
    }

    fn endpoint(&self, service: Service) -> Result<Endpoint> {
        match (&self.endpoint, service) {
            (Some(e), _) => Ok(e.clone()),
            (None, Service::Cvm) => Endpoint::parse(CVM_ENDPOINT),
            (None, Service::Sts) => Endpoint::parse(STS_ENDPOINT),
        }
    }

    /// CVM's address, for messages.
    fn cvm_url(&self) -> String {
        self.endpoint(Service::Cvm).map(|e| e.url()).unwrap_or_else(|_| CVM_ENDPOINT.to_string())
    }

    /// One call: `params` as the JSON body, signed; the reply's `Response` object, or
    /// the error it holds.
    fn call(
        &self,
        service: Service,
        action: &str,
        region: Option<&str>,
        params: Value,
        cancel: &Cancel,
    ) -> Result<Value> {
        let endpoint = self.endpoint(service)?;
        let mut headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("x-tc-action".to_string(), action.to_string()),
            ("x-tc-version".to_string(), service.version().to_string()),
        ];
        if let Some(r) = region {
            headers.push(("x-tc-region".to_string(), check_region(r)?.to_string()));
        }
        let req = Request { method: "POST", query: Vec::new(), headers, body: params.to_string().into_bytes() };
        let signer = Tc3Signer::new(self.resolved.credentials.clone(), service.name());
        let throttled = |r: &Reply| api_error(&r.body).is_some_and(|e| is_throttling_code(&e.code));
        let reply = self.http.send(&endpoint, &req, &signer, &throttled, cancel)?;
        let bad = |reason: String| CloudError::BadReply { endpoint: endpoint.url(), reason };
        // The error sits in the reply whatever its HTTP status (usually 200).
        if let Some(e) = api_error(&reply.body) {
            return Err(e.into_cloud_error(PROVIDER, is_auth_code, || self.who()));
        }
        if !(200..300).contains(&reply.status) {
            return Err(bad(format!("HTTP {} without a {PROVIDER} error code", reply.status)));
        }
        let v = json::parse(&endpoint, &reply.body)?;
        match v.get("Response") {
            Some(r) if r.get("Error").is_some() => Err(bad("the reply's Error has no Code".into())),
            Some(r @ Value::Object(_)) => Ok(r.clone()),
            _ => Err(bad("the reply has no Response object".into())),
        }
    }

    /// Every key pair of `region` (those named `name`, when given), every page.
    fn describe(&self, region: &str, name: Option<&str>, cancel: &Cancel) -> Result<Vec<CloudKey>> {
        let region = check_region(region)?;
        let endpoint = self.endpoint(Service::Cvm)?;
        let bad = |reason: String| CloudError::BadReply { endpoint: endpoint.url(), reason };
        json::all_pages(&endpoint, "DescribeKeyPairs", PAGE_SIZE, MAX_PAGES, |_, offset| {
            let mut params = json!({"Offset": offset, "Limit": PAGE_SIZE});
            if let Some(n) = name {
                params["Filters"] = json!([{"Name": "key-name", "Values": [n]}]);
            }
            let v = self.call(Service::Cvm, "DescribeKeyPairs", Some(region), params, cancel)?;
            let items = match v.get("KeyPairSet") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items.iter().collect(),
                Some(_) => return Err(bad("KeyPairSet is not a list".into())),
            };
            let keys = items.into_iter().map(|item| key_from(item).map_err(bad)).collect::<Result<Vec<_>>>()?;
            Ok((keys, number(&v, "TotalCount")))
        })
    }
}

/// The error of a reply, `Response.Error`, if it holds one.
fn api_error(body: &[u8]) -> Option<ApiError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let response = v.get("Response")?;
    let error = response.get("Error")?;
    let code = text(error, "Code")?;
    Some(ApiError {
        code,
        message: text(error, "Message").unwrap_or_default(),
        request_id: text(response, "RequestId"),
    })
}

fn key_from(item: &Value) -> std::result::Result<CloudKey, String> {
    if !item.is_object() {
        return Err("a key pair that is not a JSON object".into());
    }
    let name = text(item, "KeyName").ok_or("a key pair without KeyName")?;
    let tags = match item.get("Tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(tags)) => {
            tags.iter().filter_map(|t| Some((text(t, "Key")?, text(t, "Value").unwrap_or_default()))).collect()
        }
        Some(_) => return Err(format!("the Tags of key pair '{name}' are not a list")),
    };
    let public_key = text(item, "PublicKey").map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
    Ok(CloudKey {
        cloud_id: text(item, "KeyId").unwrap_or_default(),
        name,
        public_key: None,
        cloud_fingerprint: String::new(),
        fingerprint_sha256: None,
        tags,
    }
    .with_public_key(public_key))
}

/// The account id in a `GetCallerIdentity` reply: `AccountId`, else the owner's uin in
/// the `Arn` (`qcs::cam::uin/100000000001:uin/100000000011`).
fn account_of(v: &Value) -> Option<String> {
    text(v, "AccountId").or_else(|| {
        let arn = text(v, "Arn")?;
        let rest = arn.split("uin/").nth(1)?;
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!id.is_empty()).then_some(id)
    })
}

impl KeyPairApi for Tencent {
    fn provider(&self) -> Provider {
        Provider::Tencent
    }

    fn default_region(&self) -> Option<&str> {
        self.resolved.region.as_deref()
    }

    /// STS `GetCallerIdentity`. Where STS answers with an error that is not the
    /// credentials' (a sub-account without the STS permission), the credentials are
    /// proven by `DescribeRegions` instead and the account is named by its SecretId.
    fn identity(&self, cancel: &Cancel) -> Result<Identity> {
        let region = self.default_region().map(check_region).transpose()?;
        let credentials = &self.resolved.credentials;
        let (account_id, arn) = match self.call(Service::Sts, "GetCallerIdentity", region, json!({}), cancel) {
            Ok(v) => (account_of(&v).unwrap_or_else(|| credentials.access_key_id.clone()), text(&v, "Arn")),
            Err(CloudError::Api { .. }) => {
                self.regions(cancel)?;
                (credentials.access_key_id.clone(), None)
            }
            Err(e) => return Err(e),
        };
        Ok(Identity {
            account_id,
            arn,
            access_key_id: credentials.access_key_id.clone(),
            source: self.resolved.source_label(),
        })
    }

    fn regions(&self, cancel: &Cancel) -> Result<Vec<String>> {
        let home = self.default_region().map(check_region).transpose()?.unwrap_or(HOME_REGION);
        let v = self.call(Service::Cvm, "DescribeRegions", Some(home), json!({}), cancel)?;
        let bad = |reason: &str| CloudError::BadReply { endpoint: self.cvm_url(), reason: reason.to_string() };
        let Some(Value::Array(set)) = v.get("RegionSet") else { return Err(bad("RegionSet is not a list")) };
        let mut regions: Vec<String> = set
            .iter()
            .filter(|r| text(r, "RegionState").is_none_or(|s| s.eq_ignore_ascii_case("AVAILABLE")))
            .filter_map(|r| text(r, "Region"))
            .filter(|r| check_region(r).is_ok())
            .collect();
        if regions.is_empty() {
            return Err(bad("DescribeRegions listed no available region"));
        }
        regions.sort();
        regions.dedup();
        Ok(regions)
    }

    fn list(&self, region: &str, cancel: &Cancel) -> Result<Vec<CloudKey>> {
        self.describe(region, None, cancel)
    }

    fn find(&self, region: &str, name: &str, cancel: &Cancel) -> Result<Option<CloudKey>> {
        // The filter may match more than the exact name: the exact one is kept.
        Ok(self.describe(region, Some(name), cancel)?.into_iter().find(|k| k.name == name))
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
        super::check_key_type(Provider::Tencent, public_key)?;
        let region = check_region(region)?;
        let mut params = json!({"KeyName": name, "ProjectId": 0, "PublicKey": public_key.trim()});
        if !tags.is_empty() {
            let tags: Vec<Value> = tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
            params["TagSpecification"] = json!([{"ResourceType": "keypair", "Tags": tags}]);
        }
        let v = self.call(Service::Cvm, "ImportKeyPair", Some(region), params, cancel)?;
        text(&v, "KeyId").ok_or_else(|| CloudError::BadReply {
            endpoint: self.cvm_url(),
            reason: "no KeyId in the ImportKeyPair reply".into(),
        })
    }

    /// Deletes by `KeyId`; without one, the key pair is looked up by name first, and a
    /// name that is not there is nothing to delete.
    fn delete(&self, region: &str, name: &str, cloud_id: &str, cancel: &Cancel) -> Result<()> {
        let region = check_region(region)?;
        let id = match cloud_id.trim() {
            "" => match self.find(region, name, cancel)? {
                Some(k) if !k.cloud_id.is_empty() => k.cloud_id,
                _ => return Ok(()),
            },
            id => id.to_string(),
        };
        self.call(Service::Cvm, "DeleteKeyPairs", Some(region), json!({"KeyIds": [id]}), cancel).map(|_| ())
    }
}

#[cfg(test)]
mod tests;
