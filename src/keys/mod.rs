//! The key engine: generate key pairs, read public and private keys in every common
//! format, write private keys, export public keys, and compute every fingerprint form a
//! cloud console shows. No SQL and no egui here.

mod generate;
mod info;
mod parse;
mod pem;
mod ppk;
mod private;
mod rfc4716;
mod rsa_parallel;
mod wire;

pub use generate::{GeneratedKey, PrivateFormat};
pub use info::{
    export_public, normalize_fingerprint, sha256_fingerprint, type_label, FingerprintQuery, KeyInfo, PublicFormat,
};
pub use parse::{
    parse_authorized_line, parse_bulk, parse_key, read_key_file, read_secret_file, BulkEntry, BulkLineError, KeySource,
    ParsedKey, MAX_KEY_INPUT_BYTES, MAX_SINGLE_KEY_BYTES,
};
pub use private::{convert, Conversion, Converted, PrivateKeyFile};

use std::fmt;

/// Four distinct Ed25519 public keys (type and base64), for unit tests that need keys
/// but not their private halves.
#[cfg(test)]
pub(crate) const TEST_ED25519: [&str; 4] = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMOdS1X28pmCMQoCd6/C9nZVcd48zd637+CpuPItSgS3",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMyknfFUneKgW1r7qYjPqakiVOQpa9/SLVPlQthqnhpm",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJKoHabVzkhWcTXlt07Wf19RgfX8B2ARqWe9CncJYZLQ",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIENiHkjXRD+vpiBelnudJl7QxZzKykJYmZp1sNIyWX11",
];

/// The kinds of key pair Keyshelf can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Ed25519,
    Ecdsa,
    Rsa,
}

impl KeyKind {
    pub const ALL: [KeyKind; 3] = [KeyKind::Ed25519, KeyKind::Ecdsa, KeyKind::Rsa];

    /// Parses the CLI spelling (`ed25519`, `ecdsa`, `rsa`).
    pub fn parse(s: &str) -> Result<KeyKind, KeyError> {
        match s.to_ascii_lowercase().as_str() {
            "ed25519" => Ok(KeyKind::Ed25519),
            "ecdsa" => Ok(KeyKind::Ecdsa),
            "rsa" => Ok(KeyKind::Rsa),
            _ => Err(KeyError::UnknownType(s.to_string())),
        }
    }

    /// Sizes a user can choose, default first.
    pub fn sizes(self) -> &'static [u32] {
        match self {
            KeyKind::Ed25519 => &[256],
            KeyKind::Ecdsa => &[256, 384, 521],
            KeyKind::Rsa => &[3072, 2048, 4096],
        }
    }

    pub fn default_bits(self) -> u32 {
        self.sizes()[0]
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "Ed25519",
            KeyKind::Ecdsa => "ECDSA",
            KeyKind::Rsa => "RSA",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A validated choice of key type and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub kind: KeyKind,
    pub bits: u32,
}

impl KeySpec {
    /// Checks the size against what the type allows (RSA 2048/3072/4096, ECDSA
    /// 256/384/521, Ed25519 fixed). `None` picks the default, as `ssh-keygen` does.
    pub fn new(kind: KeyKind, bits: Option<u32>) -> Result<KeySpec, KeyError> {
        let bits = bits.unwrap_or(kind.default_bits());
        if kind == KeyKind::Rsa && bits < 2048 {
            return Err(KeyError::RsaTooSmall(bits));
        }
        if !kind.sizes().contains(&bits) {
            let allowed: Vec<String> = kind.sizes().iter().map(|b| b.to_string()).collect();
            return Err(KeyError::BadSize { kind, bits, allowed: allowed.join(", ") });
        }
        Ok(KeySpec { kind, bits })
    }

    /// The usual file name stem for this type (`id_ed25519`, `id_ecdsa`, `id_rsa`).
    pub fn default_file_stem(self) -> &'static str {
        match self.kind {
            KeyKind::Ed25519 => "id_ed25519",
            KeyKind::Ecdsa => "id_ecdsa",
            KeyKind::Rsa => "id_rsa",
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            KeyKind::Ed25519 => f.write_str("Ed25519"),
            k => write!(f, "{} {}", k.label(), self.bits),
        }
    }
}

/// Everything that can go wrong in the key engine, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("unknown key type '{0}': use ed25519, ecdsa or rsa")]
    UnknownType(String),
    #[error("RSA keys must be at least 2048 bits (got {0}); use 2048, 3072 or 4096")]
    RsaTooSmall(u32),
    #[error("{kind} keys cannot be {bits} bits; choose one of {allowed}")]
    BadSize { kind: KeyKind, bits: u32, allowed: String },
    #[error("unknown private key format '{0}': use openssh, pkcs8, pkcs1 or ppk")]
    UnknownFormat(String),
    #[error("the PKCS#1 format holds RSA keys only; choose openssh or pkcs8 for {0} keys")]
    Pkcs1NeedsRsa(KeyKind),
    #[error("a passphrase can only protect OpenSSH and PuTTY PPK private keys; {0} files would be written unencrypted. Choose the openssh or ppk format or leave the passphrase empty")]
    PassphraseNeedsOpenssh(&'static str),
    /// The private key file is protected by a passphrase and none was given.
    #[error("the private key file is protected by a passphrase; give its passphrase to read it")]
    NeedsPassphrase,
    /// The passphrase given does not open the private key file.
    #[error("wrong passphrase: it does not open the private key file")]
    WrongPassphrase,
    /// A private key file holds another key than the key pair it was read for.
    #[error("the private key file holds the key {found}, not {expected}")]
    KeyMismatch { expected: String, found: String },
    #[error("{} already exists; a converted key is never written over a file: choose another name", .0.display())]
    OutExists(std::path::PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: std::path::PathBuf, source: std::io::Error },
    /// A file larger than any key input: refused before it is loaded.
    #[error("{} is {} MB; key files are never that large (the limit is {} MB)", path.display(), size / 1_000_000, limit / 1_000_000)]
    TooLarge { path: std::path::PathBuf, size: u64, limit: u64 },
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("this key type cannot be written as {0}")]
    Unsupported(&'static str),
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("could not encode the key: {0}")]
    Encode(String),
    #[error(transparent)]
    Write(#[from] crate::secure_file::SecureFileError),
    /// Single-key import got a file with several keys: the caller may offer bulk
    /// import instead. Lines are 1-based.
    #[error("the input holds more than one key (lines {first_line} and {second_line}); import one key, or use bulk import for a whole authorized_keys file")]
    MultipleKeys { first_line: usize, second_line: usize },
    #[error("{0}")]
    Import(String),
}
