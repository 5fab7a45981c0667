//! The records the inventory hands out. Plain data: no database handles inside.

use serde::Serialize;

/// The clouds whose key-pair pages Keyshelf mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Alibaba,
    Aws,
    Tencent,
    Twcc,
    Apiculus,
    DigitalOcean,
    Hetzner,
    OpenStack,
    Other,
}

impl Provider {
    pub const ALL: [Provider; 9] = [
        Provider::Alibaba,
        Provider::Aws,
        Provider::Tencent,
        Provider::Twcc,
        Provider::Apiculus,
        Provider::DigitalOcean,
        Provider::Hetzner,
        Provider::OpenStack,
        Provider::Other,
    ];

    /// The CLI spelling, also what the database stores.
    pub fn slug(self) -> &'static str {
        match self {
            Provider::Alibaba => "alibaba",
            Provider::Aws => "aws",
            Provider::Tencent => "tencent",
            Provider::Twcc => "twcc",
            Provider::Apiculus => "apiculus",
            Provider::DigitalOcean => "digitalocean",
            Provider::Hetzner => "hetzner",
            Provider::OpenStack => "openstack",
            Provider::Other => "other",
        }
    }

    /// The name people know it by.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Alibaba => "Alibaba Cloud",
            Provider::Aws => "AWS",
            Provider::Tencent => "Tencent Cloud",
            Provider::Twcc => "TWCC",
            Provider::Apiculus => "Apiculus",
            Provider::DigitalOcean => "DigitalOcean",
            Provider::Hetzner => "Hetzner",
            Provider::OpenStack => "OpenStack",
            Provider::Other => "Other",
        }
    }

    /// Whether Keyshelf reaches this provider's key pair API (cloud sync: check, status,
    /// pull, push, delete); the others' key pairs are kept in the inventory only.
    pub fn has_cloud_sync(self) -> bool {
        matches!(self, Provider::Aws | Provider::Tencent | Provider::Alibaba)
    }

    /// Where this provider's command line keeps its profiles, for the account form:
    /// `(field label, placeholder, note)`.
    pub fn profile_hint(self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            Provider::Aws => Some((
                "AWS profile",
                "default (from ~/.aws)",
                "Keyshelf stores only the profile's name: the credentials stay in ~/.aws.",
            )),
            Provider::Tencent => Some((
                "tccli profile",
                "default (from ~/.tccli), or TENCENTCLOUD_SECRET_ID",
                "Keyshelf stores only the profile's name: the credentials stay in ~/.tccli or the environment.",
            )),
            Provider::Alibaba => Some((
                "aliyun profile",
                "current (from ~/.aliyun/config.json), or ALIBABA_CLOUD_ACCESS_KEY_ID",
                "Keyshelf stores only the profile's name: the credentials stay in ~/.aliyun or the environment.",
            )),
            _ => None,
        }
    }

    /// Accepts the slug or the display name, in any case.
    pub fn parse(s: &str) -> Option<Provider> {
        let s = s.trim();
        Provider::ALL.into_iter().find(|p| p.slug().eq_ignore_ascii_case(s) || p.display_name().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub provider: Provider,
    pub note: String,
    pub created_at: i64,
    /// The provider CLI's profile whose credentials reach it (`None`: the default ones).
    pub profile: Option<String>,
    /// The region used when a cloud command names none (empty: the profile's).
    pub region: String,
    /// An API endpoint override (a private deployment, a proxy, an emulator).
    pub endpoint: Option<String>,
}

/// Whether Keyshelf made the key pair or it was brought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Generated,
    Imported,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Generated => "generated",
            Origin::Imported => "imported",
        }
    }
}

/// A key pair as stored: the public half and what is known about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub account_id: Option<i64>,
    pub account: Option<String>,
    pub region: String,
    pub algorithm: String,
    pub bits: u32,
    pub comment: String,
    pub public_key: String,
    pub fingerprint_sha256: String,
    pub fingerprint_md5: String,
    pub aws_fingerprint: Option<String>,
    pub origin: Origin,
    pub private_key_path: Option<String>,
    pub weak: bool,
    /// Who answers for it (free text, empty when nobody was named).
    pub owner: String,
    /// The date it should be replaced by, if one was set.
    pub rotate_by: Option<time::Date>,
    pub created_at: i64,
    pub updated_at: i64,
    /// `(key, value)`, sorted by key.
    pub tags: Vec<(String, String)>,
    /// Names of the hosts bound to this key pair, sorted.
    pub hosts: Vec<String>,
}

impl KeyPair {
    /// "account / region" for messages, with placeholders for the empty parts.
    pub fn scope_label(&self) -> String {
        scope_label(self.account.as_deref(), &self.region)
    }

    pub fn type_label(&self) -> String {
        crate::keys::type_label(&self.algorithm, self.bits)
    }
}

#[cfg(test)]
impl KeyPair {
    /// An Ed25519 key pair with nothing set, for tests that change a field or two.
    pub(crate) fn blank() -> KeyPair {
        KeyPair {
            id: 1,
            name: "k".into(),
            description: String::new(),
            account_id: None,
            account: None,
            region: String::new(),
            algorithm: "ssh-ed25519".into(),
            bits: 256,
            comment: String::new(),
            public_key: String::new(),
            fingerprint_sha256: String::new(),
            fingerprint_md5: String::new(),
            aws_fingerprint: None,
            origin: Origin::Imported,
            private_key_path: None,
            weak: false,
            owner: String::new(),
            rotate_by: None,
            created_at: 0,
            updated_at: 0,
            tags: Vec::new(),
            hosts: Vec::new(),
        }
    }
}

pub fn scope_label(account: Option<&str>, region: &str) -> String {
    let a = account.unwrap_or("no account");
    if region.is_empty() {
        a.to_string()
    } else {
        format!("{a} / {region}")
    }
}

/// Where a key pair lives: its account and region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    pub account: Option<String>,
    pub region: Option<String>,
}

/// Which key pairs to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    pub account: Option<String>,
    pub region: Option<String>,
    /// Matches name, comment, description and tags as text, and any fingerprint form;
    /// `owner:`, `expires:` and `expired` filter as [`SearchQuery`](super::SearchQuery) says.
    pub search: Option<String>,
}

/// A server or instance keys are bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub id: i64,
    pub name: String,
    pub addresses: Vec<String>,
    pub port: u16,
    pub user: String,
    pub account: Option<String>,
    pub region: String,
    /// The first key pair bound to it: `(id, name)` (the oldest binding).
    pub key: Option<(i64, String)>,
    /// When that first binding was made.
    pub bound_at: Option<i64>,
    /// Every key pair bound to it, oldest binding first: `(id, name)`.
    pub keys: Vec<(i64, String)>,
    /// Where its authorized_keys file is: relative to the login user's home, or absolute.
    pub authorized_keys: String,
    /// The last login check, if any.
    pub last_check: Option<LastCheck>,
}

/// The result of the last login check of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastCheck {
    /// The check words: `ok`, `refused`, `unreachable`, `host key changed`, ...
    pub status: String,
    /// ssh's own reason, or what Keyshelf saw.
    pub message: String,
    /// Unix seconds.
    pub at: i64,
}

/// The authorized_keys path a host gets when none is given.
pub const DEFAULT_AUTHORIZED_KEYS: &str = ".ssh/authorized_keys";

impl Host {
    /// Every name a known_hosts file may know this host by.
    pub fn known_hosts_names(&self) -> Vec<String> {
        let fmt = |h: &str| if self.port == 22 { h.to_string() } else { format!("[{h}]:{}", self.port) };
        let mut v = vec![fmt(&self.name)];
        v.extend(self.addresses.iter().map(|a| fmt(a)));
        v.dedup();
        v
    }
}

/// Details of a new host.
#[derive(Debug, Clone, Default)]
pub struct NewHost {
    pub name: String,
    pub addresses: Vec<String>,
    pub port: u16,
    pub user: String,
    pub account: Option<String>,
    pub region: String,
    /// Empty means [`DEFAULT_AUTHORIZED_KEYS`].
    pub authorized_keys: String,
}

/// One entry of the activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub id: i64,
    pub at: i64,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// What deleting a key pair left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedKey {
    pub name: String,
    pub origin: Origin,
    /// Where its private key file still is, if Keyshelf knows.
    pub private_key_path: Option<String>,
    /// Hosts it was unbound from (when deleting with "unbind and delete").
    pub unbound_hosts: Vec<String>,
}
