//! What each cloud's key-pair page allows: how many key pairs one account may hold in a
//! region, and which key types its import takes. One table, each row with its source,
//! so a number is changed in one place when a provider changes its documentation.

use super::{Provider, MAX_KEYS_PER_SCOPE};

/// A family of SSH key types, as a console's import sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    Rsa,
    Dsa,
    Ecdsa,
    Ed25519,
    /// FIDO security keys (`sk-ssh-ed25519@openssh.com`, `sk-ecdsa-sha2-nistp256@openssh.com`).
    SecurityKey,
}

impl KeyFamily {
    /// The family of an OpenSSH algorithm name; `None` for one Keyshelf does not know.
    pub fn of(algorithm: &str) -> Option<KeyFamily> {
        match algorithm {
            "ssh-rsa" => Some(KeyFamily::Rsa),
            "ssh-dss" => Some(KeyFamily::Dsa),
            "ssh-ed25519" => Some(KeyFamily::Ed25519),
            a if a.starts_with("sk-") => Some(KeyFamily::SecurityKey),
            a if a.starts_with("ecdsa-sha2-") => Some(KeyFamily::Ecdsa),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyFamily::Rsa => "RSA",
            KeyFamily::Dsa => "DSA",
            KeyFamily::Ecdsa => "ECDSA",
            KeyFamily::Ed25519 => "Ed25519",
            KeyFamily::SecurityKey => "security key (sk-)",
        }
    }
}

/// One provider's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderRules {
    pub provider: Provider,
    /// Key pairs one account may hold in one region.
    pub quota: i64,
    /// Whether the provider documents `quota`; if not, it is Keyshelf's default
    /// ([`MAX_KEYS_PER_SCOPE`], the strictest documented limit).
    pub quota_documented: bool,
    /// The key types its import takes; `None` when that is not documented, and then
    /// every type is taken as accepted.
    pub accepts: Option<&'static [KeyFamily]>,
    /// Where these numbers come from.
    pub source: &'static str,
}

const NOT_DOCUMENTED: &str = "not documented";

/// One row per [`Provider`], in the order of [`Provider::ALL`].
const RULES: [ProviderRules; 9] = [
    // "You can have a maximum of 500 key pairs in a region" (the ECS console's "Create an
    // SSH key pair", as in ../shared/seeds/003_4f328b5faab88e8e.txt and
    // 004_98ef2ec54f44b83d.txt). Import: "rsa, dsa, ssh-rsa, ssh-dss, ecdsa" and their
    // certificates, no Ed25519:
    // https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-importkeypair
    ProviderRules {
        provider: Provider::Alibaba,
        quota: 500,
        quota_documented: true,
        accepts: Some(&[KeyFamily::Rsa, KeyFamily::Dsa, KeyFamily::Ecdsa]),
        source: "https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-importkeypair",
    },
    // "You can create up to 5,000 key pairs per Region"; "Supported types: RSA and
    // ED25519" for imported public keys:
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-key-pairs.html
    ProviderRules {
        provider: Provider::Aws,
        quota: 5000,
        quota_documented: true,
        accepts: Some(&[KeyFamily::Rsa, KeyFamily::Ed25519]),
        source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-key-pairs.html",
    },
    // ../shared/seeds/000_ca3fdfa9127915eb.txt (the CVM console's SSH key page) names
    // neither a limit nor the accepted types.
    ProviderRules {
        provider: Provider::Tencent,
        quota: MAX_KEYS_PER_SCOPE,
        quota_documented: false,
        accepts: None,
        source: NOT_DOCUMENTED,
    },
    // ../shared/seeds/002_b92d1fc2c7d1b69b.txt (TWCC's key pair guide): neither.
    ProviderRules {
        provider: Provider::Twcc,
        quota: MAX_KEYS_PER_SCOPE,
        quota_documented: false,
        accepts: None,
        source: NOT_DOCUMENTED,
    },
    // ../shared/seeds/001_eb61e81a75554940.txt (Apiculus CloudConsole): neither.
    ProviderRules {
        provider: Provider::Apiculus,
        quota: MAX_KEYS_PER_SCOPE,
        quota_documented: false,
        accepts: None,
        source: NOT_DOCUMENTED,
    },
    ProviderRules {
        provider: Provider::DigitalOcean,
        quota: MAX_KEYS_PER_SCOPE,
        quota_documented: false,
        accepts: None,
        source: NOT_DOCUMENTED,
    },
    ProviderRules {
        provider: Provider::Hetzner,
        quota: MAX_KEYS_PER_SCOPE,
        quota_documented: false,
        accepts: None,
        source: NOT_DOCUMENTED,
    },
    // Each OpenStack cloud sets its own key pair quota; none is assumed here.
    ProviderRules {
        provider: Provider::OpenStack,
        quota: MAX_KEYS_PER_SCOPE,
        quota_documented: false,
        accepts: None,
        source: NOT_DOCUMENTED,
    },
    ProviderRules {
        provider: Provider::Other,
        quota: MAX_KEYS_PER_SCOPE,
        quota_documented: false,
        accepts: None,
        source: NOT_DOCUMENTED,
    },
];

impl Provider {
    /// This provider's row of the table.
    pub fn rules(self) -> &'static ProviderRules {
        &RULES[self as usize]
    }
}

/// Why `provider` would refuse to import a key of this type, or `None` when it takes it
/// (or does not say). A warning to show, never a reason to refuse: the key pair may be
/// kept for other uses.
pub fn type_warning(provider: Provider, algorithm: &str, bits: u32) -> Option<String> {
    let accepts = provider.rules().accepts?;
    let family = KeyFamily::of(algorithm)?;
    if accepts.contains(&family) {
        return None;
    }
    let names: Vec<&str> = accepts.iter().map(|f| f.label()).collect();
    Some(format!(
        "{provider} does not import {} keys (it takes {}): this key pair cannot be uploaded to its console",
        crate::keys::type_label(algorithm, bits),
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_row_per_provider_in_order() {
        for p in Provider::ALL {
            assert_eq!(p.rules().provider, p);
            assert!(p.rules().quota >= MAX_KEYS_PER_SCOPE);
            assert_eq!(p.rules().quota_documented, p.rules().source != NOT_DOCUMENTED, "{p:?}");
        }
        assert_eq!(Provider::Aws.rules().quota, 5000);
        assert_eq!(Provider::Alibaba.rules().quota, 500);
    }

    #[test]
    fn type_warnings_follow_each_providers_import() {
        let aws = |alg: &str, bits| type_warning(Provider::Aws, alg, bits);
        assert_eq!(aws("ssh-ed25519", 256), None);
        assert_eq!(aws("ssh-rsa", 4096), None);
        let w = aws("ecdsa-sha2-nistp256", 256).unwrap();
        assert!(w.contains("AWS does not import ECDSA 256") && w.contains("RSA, Ed25519"), "{w}");
        assert!(aws("ssh-dss", 1024).is_some());
        assert!(aws("sk-ssh-ed25519@openssh.com", 256).is_some());
        assert!(type_warning(Provider::Alibaba, "ssh-ed25519", 256).is_some());
        assert_eq!(type_warning(Provider::Alibaba, "ecdsa-sha2-nistp384", 384), None);
        // Not documented: everything is accepted.
        for alg in ["ssh-ed25519", "ecdsa-sha2-nistp521", "ssh-dss", "sk-ssh-ed25519@openssh.com"] {
            assert_eq!(type_warning(Provider::Hetzner, alg, 256), None, "{alg}");
        }
        assert_eq!(aws("unknown-type", 1), None);
    }
}
