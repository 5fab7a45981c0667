//! The clouds' key-pair APIs: one small trait ([`KeyPairApi`]: who am I, regions, list,
//! import, delete) with one module per provider, the request signers behind
//! [`sign::Signer`], credentials found where the provider's own CLI finds them (never
//! stored), the drift comparison as a pure function, and the per-region operations
//! (status, push, delete) that run regions in parallel. No SQL and no egui here: what a
//! run learnt is handed to the inventory by the caller.

pub mod alibaba;
pub mod aws;
pub mod credentials;
pub mod drift;
pub mod env;
pub mod http;
pub mod json;
pub mod names;
pub mod ops;
#[cfg(test)]
mod python_oracle;
pub mod sign;
pub mod tencent;
#[cfg(test)]
mod test_server;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::inventory::Provider;

/// A key pair as a cloud lists it in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudKey {
    /// The key pair's name in the cloud (unique per region).
    pub name: String,
    /// The cloud's id for it (`key-0123…` on AWS); empty when the cloud gives none.
    pub cloud_id: String,
    /// The public key as an OpenSSH line, when the cloud returns it.
    pub public_key: Option<String>,
    /// The fingerprint in the cloud's own form (AWS: MD5 or SHA-1 colon hex, or base64
    /// SHA-256 for Ed25519).
    pub cloud_fingerprint: String,
    /// `SHA256:…` of the key blob, computed here from `public_key` (so `None` without it):
    /// what Keyshelf compares, never the text of the line.
    pub fingerprint_sha256: Option<String>,
    pub tags: Vec<(String, String)>,
}

impl CloudKey {
    /// Fills [`CloudKey::fingerprint_sha256`] from the public key line, if it parses.
    pub fn with_public_key(mut self, line: Option<String>) -> CloudKey {
        self.fingerprint_sha256 =
            line.as_deref().and_then(|l| crate::keys::parse_key(l.as_bytes()).ok().map(|p| p.info.fingerprint_sha256));
        self.public_key = line;
        self
    }
}

/// Who the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The cloud account's id (AWS: the 12-digit account number).
    pub account_id: String,
    /// The caller's full name where the cloud has one (AWS: the ARN).
    pub arn: Option<String>,
    /// The public part of the credentials used (the access key id).
    pub access_key_id: String,
    /// Where the credentials came from, in words ("profile 'dev' in ~/.aws/credentials").
    pub source: String,
}

/// A cloud error, phrased for the person who has to act on it. Never holds a secret:
/// only the provider's code and message, the profile's name, the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// No usable credentials (not found, unreadable, unsupported kind).
    #[error("{0}")]
    Credentials(String),
    /// The cloud refused the credentials (wrong, expired, disabled).
    #[error("{provider} refused the credentials of {who}: {code}: {message}")]
    Auth { provider: &'static str, who: String, code: String, message: String },
    /// The cloud answered with an error.
    #[error("{provider} error {code}: {message}{}", request_id.as_deref().map(|r| format!(" (request {r})")).unwrap_or_default())]
    Api { provider: &'static str, code: String, message: String, request_id: Option<String> },
    /// The request never got an answer.
    #[error("cannot reach {endpoint}: {reason}")]
    Network { endpoint: String, reason: String },
    /// The answer could not be read.
    #[error("unreadable reply from {endpoint}: {reason}")]
    BadReply { endpoint: String, reason: String },
    /// The provider does not take this (a key type, a name), refused before any call.
    #[error("{0}")]
    Refused(String),
    /// A setting is wrong (an endpoint URL, a region).
    #[error("{0}")]
    Config(String),
    #[error("cancelled")]
    Cancelled,
}

impl CloudError {
    /// The provider's error code, if the cloud answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CloudError::Auth { code, .. } | CloudError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, CloudError>;

/// A cancel flag shared by a long run and the button that stops it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once cancelled.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(CloudError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// One cloud account's key-pair pages, region by region. Implementations are cheap to
/// share between threads: every method is one or a few HTTPS calls.
pub trait KeyPairApi: Send + Sync {
    fn provider(&self) -> Provider;
    /// The region used when none is named.
    fn default_region(&self) -> Option<&str>;
    /// Who the credentials belong to ("check connection").
    fn identity(&self, cancel: &Cancel) -> Result<Identity>;
    /// The regions this account can use (the enabled ones of its partition), sorted.
    fn regions(&self, cancel: &Cancel) -> Result<Vec<String>>;
    /// Every key pair of one region, every page of it.
    fn list(&self, region: &str, cancel: &Cancel) -> Result<Vec<CloudKey>>;
    /// The key pair named `name` in `region`, if there is one.
    fn find(&self, region: &str, name: &str, cancel: &Cancel) -> Result<Option<CloudKey>> {
        Ok(self.list(region, cancel)?.into_iter().find(|k| k.name == name))
    }
    /// Imports a public key (an OpenSSH line) under `name`; returns the cloud's id.
    fn import(
        &self,
        region: &str,
        name: &str,
        public_key: &str,
        tags: &[(String, String)],
        cancel: &Cancel,
    ) -> Result<String>;
    /// Deletes the key pair `name` (whose id is `cloud_id`, when known) from `region`.
    fn delete(&self, region: &str, name: &str, cloud_id: &str, cancel: &Cancel) -> Result<()>;
}

/// Reaches the cloud of an inventory account: its provider's API with credentials found
/// where that provider's CLI finds them. `region` overrides the account's default.
pub fn connect(
    account: &crate::inventory::Account,
    region: Option<&str>,
    env: &dyn env::Env,
    http: http::Http,
) -> Result<Box<dyn KeyPairApi>> {
    match account.provider {
        Provider::Aws => {
            let config = aws::profile::AwsAccountConfig {
                profile: account.profile.clone(),
                region: (!account.region.is_empty()).then(|| account.region.clone()),
            };
            let mut resolved =
                aws::profile::resolve(&config, region, env).map_err(|e| CloudError::Credentials(e.to_string()))?;
            if let Some(e) = &account.endpoint {
                resolved.ec2_endpoint = Some(e.clone());
                resolved.sts_endpoint = Some(e.clone());
            }
            Ok(Box::new(aws::Aws::from_resolved(resolved, http)?))
        }
        Provider::Tencent => tencent::connect(account, region, env, http),
        Provider::Alibaba => alibaba::connect(account, region, env, http),
        p => Err(CloudError::Config(format!(
            "Keyshelf cannot reach {} accounts yet: their key pairs are kept in the inventory only",
            p.display_name()
        ))),
    }
}

/// A region id (`us-east-1`, `ap-guangzhou`, `cn-hangzhou`): 1 to `max_len` lowercase
/// ASCII letters, digits and `-`. It ends up in a header or a host name, so nothing else
/// is let through; `not_one` says what it should have been ("an AWS region name (such as
/// us-east-1)").
pub fn check_region_id<'a>(region: &'a str, max_len: usize, not_one: &str) -> Result<&'a str> {
    if !region.is_empty()
        && region.len() <= max_len
        && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(region)
    } else {
        Err(CloudError::Config(format!("'{region}' is not {not_one}")))
    }
}

/// Refuses, before any call, a key type the provider table says `provider` does not
/// import (a line that does not parse is judged by its first word).
pub fn check_key_type(provider: Provider, public_key: &str) -> Result<()> {
    let (algorithm, bits) = match crate::keys::parse_key(public_key.as_bytes()) {
        Ok(p) => (p.info.algorithm, p.info.bits),
        Err(_) => (public_key.split_whitespace().next().unwrap_or_default().to_string(), 0),
    };
    match crate::inventory::type_warning(provider, &algorithm, bits) {
        Some(why) => Err(CloudError::Refused(why)),
        None => Ok(()),
    }
}

/// The regions a command works on: the ones named, every enabled region, or the
/// default region.
pub fn target_regions(api: &dyn KeyPairApi, named: &[String], all: bool, cancel: &Cancel) -> Result<Vec<String>> {
    if all {
        return api.regions(cancel);
    }
    if !named.is_empty() {
        let mut v = named.to_vec();
        v.dedup();
        return Ok(v);
    }
    match api.default_region() {
        Some(r) => Ok(vec![r.to_string()]),
        None => Err(CloudError::Config(
            "no region: name one, choose all regions, or give the account (or its profile) a default region".into(),
        )),
    }
}

impl From<&CloudKey> for crate::inventory::CloudSeen {
    fn from(k: &CloudKey) -> Self {
        crate::inventory::CloudSeen {
            name: k.name.clone(),
            cloud_id: k.cloud_id.clone(),
            fingerprint_sha256: k.fingerprint_sha256.clone(),
            public_key: k.public_key.clone(),
        }
    }
}

/// The inventory's side of a region, for [`drift::compare`]: the key pairs of the
/// account's region (and those linked there), then the inventory's other key pairs
/// with a key the cloud's list holds.
pub fn local_keys(
    inv: &crate::inventory::Inventory,
    account: &str,
    region: &str,
    cloud: &[CloudKey],
) -> crate::inventory::Result<Vec<drift::LocalKey>> {
    let local = |k: &crate::inventory::KeyPair, cloud_name: Option<String>, in_scope: bool| drift::LocalKey {
        id: k.id,
        name: k.name.clone(),
        fingerprint_sha256: k.fingerprint_sha256.clone(),
        aws_fingerprint: k.aws_fingerprint.clone(),
        cloud_name,
        in_scope,
    };
    let mut keys: Vec<drift::LocalKey> =
        inv.keys_for_cloud_region(account, region)?.iter().map(|(k, n)| local(k, n.clone(), true)).collect();
    for fp in cloud.iter().filter_map(|c| c.fingerprint_sha256.as_deref()) {
        if keys.iter().any(|k| k.fingerprint_sha256 == fp) {
            continue;
        }
        if let Some(k) = inv.keys_with_fingerprint(fp, None)?.first() {
            keys.push(local(k, None, false));
        }
    }
    Ok(keys)
}

/// A key pair's name in `region`: the one it was seen under there (`names`: region,
/// cloud name), else `default` (its inventory name).
pub fn name_in_region<'a>(names: &'a [(String, String)], region: &str, default: &'a str) -> &'a str {
    names.iter().find(|(r, _)| r == region).map_or(default, |(_, n)| n.as_str())
}

/// A key pair as a push or delete sends it, under `name` in the cloud.
pub fn key_to_sync(k: &crate::inventory::KeyPair, name: &str) -> ops::KeyToSync {
    ops::KeyToSync {
        name: name.to_string(),
        public_key: k.public_key.clone(),
        algorithm: k.algorithm.clone(),
        bits: k.bits,
        fingerprint_sha256: k.fingerprint_sha256.clone(),
        aws_fingerprint: k.aws_fingerprint.clone(),
    }
}
