//! Generating key pairs and writing their private halves. The private key lives only in
//! a [`GeneratedKey`] (wiped on drop) and in the file the user chooses; it is never
//! returned as a plain `String` and never logged.

use std::path::Path;

use pkcs8::EncodePrivateKey;
use rand::rngs::OsRng;
use ssh_key::private::{EcdsaKeypair, Ed25519Keypair, KeypairData, RsaKeypair};
use ssh_key::{LineEnding, PrivateKey, PublicKey};
use zeroize::Zeroizing;

use super::info::sha1_colon_hex;
use super::{KeyError, KeyInfo, KeyKind, KeySpec};

/// Private key file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrivateFormat {
    /// `BEGIN OPENSSH PRIVATE KEY`, optionally passphrase-protected (aes256-ctr, bcrypt).
    OpenSsh,
    /// PEM `BEGIN PRIVATE KEY` (what Alibaba Cloud hands out), all key types.
    Pkcs8,
    /// PEM `BEGIN RSA PRIVATE KEY` (what AWS and Tencent Cloud hand out), RSA only.
    Pkcs1,
    /// PuTTY's `.ppk` version 3 (PuTTY, WinSCP, FileZilla), optionally
    /// passphrase-protected (aes256-cbc, Argon2id).
    Ppk,
}

impl PrivateFormat {
    pub const ALL: [PrivateFormat; 4] =
        [PrivateFormat::OpenSsh, PrivateFormat::Pkcs8, PrivateFormat::Pkcs1, PrivateFormat::Ppk];

    pub fn parse(s: &str) -> Result<PrivateFormat, KeyError> {
        match s.to_ascii_lowercase().as_str() {
            "openssh" => Ok(PrivateFormat::OpenSsh),
            "pkcs8" => Ok(PrivateFormat::Pkcs8),
            "pkcs1" => Ok(PrivateFormat::Pkcs1),
            "ppk" => Ok(PrivateFormat::Ppk),
            _ => Err(KeyError::UnknownFormat(s.to_string())),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PrivateFormat::OpenSsh => "OpenSSH",
            PrivateFormat::Pkcs8 => "PKCS#8 PEM",
            PrivateFormat::Pkcs1 => "PKCS#1 PEM",
            PrivateFormat::Ppk => "PuTTY PPK",
        }
    }

    /// The usual file extension: none for OpenSSH (`id_ed25519`), `.pem` for PEM,
    /// `.ppk` for PuTTY.
    pub fn extension(self) -> &'static str {
        match self {
            PrivateFormat::OpenSsh => "",
            PrivateFormat::Ppk => "ppk",
            _ => "pem",
        }
    }

    /// Whether files of this format can be protected by a passphrase.
    pub fn takes_passphrase(self) -> bool {
        matches!(self, PrivateFormat::OpenSsh | PrivateFormat::Ppk)
    }

    /// Checks a format and passphrase choice before any slow work happens.
    pub fn check(self, kind: KeyKind, passphrase: Option<&str>) -> Result<(), KeyError> {
        if self == PrivateFormat::Pkcs1 && kind != KeyKind::Rsa {
            return Err(KeyError::Pkcs1NeedsRsa(kind));
        }
        self.check_passphrase(passphrase)
    }

    /// Checks a passphrase choice: not empty, and only for formats that take one.
    pub fn check_passphrase(self, passphrase: Option<&str>) -> Result<(), KeyError> {
        match passphrase {
            Some("") => Err(KeyError::EmptyPassphrase),
            Some(_) if !self.takes_passphrase() => Err(KeyError::PassphraseNeedsOpenssh(self.label())),
            _ => Ok(()),
        }
    }
}

/// A freshly generated key pair. Dropping it wipes the private key.
pub struct GeneratedKey {
    /// Boxed so that the secret stays in one place: a `GeneratedKey` is moved around
    /// (out of the worker's `Box`, into the dialog's `Arc`, across threads), and a move
    /// copies the value and leaves the old bytes behind, unwiped. Ed25519 and ECDSA
    /// secrets are stored inline in a `PrivateKey`; here a move copies only a pointer.
    private: Box<PrivateKey>,
    spec: KeySpec,
    info: KeyInfo,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey").field("spec", &self.spec).field("info", &self.info).finish_non_exhaustive()
    }
}

impl GeneratedKey {
    /// Generates a key pair from the OS random source. RSA takes from a fraction of a
    /// second to several seconds, on every core: never call this on a UI thread.
    pub fn generate(spec: KeySpec, comment: &str) -> Result<GeneratedKey, KeyError> {
        let spec = KeySpec::new(spec.kind, Some(spec.bits))?;
        let gen_err = |e: ssh_key::Error| KeyError::Generate(e.to_string());
        let data = match spec.kind {
            KeyKind::Ed25519 => KeypairData::from(Ed25519Keypair::random(&mut OsRng)),
            KeyKind::Ecdsa => {
                let curve = match spec.bits {
                    384 => ssh_key::EcdsaCurve::NistP384,
                    521 => ssh_key::EcdsaCurve::NistP521,
                    _ => ssh_key::EcdsaCurve::NistP256,
                };
                KeypairData::from(EcdsaKeypair::random(&mut OsRng, curve).map_err(gen_err)?)
            }
            // The primes are searched for on every core (see `rsa_parallel`); ssh-key's
            // conversion stores p, q and iqmp = q^-1 mod p, as OpenSSH expects.
            KeyKind::Rsa => {
                let key = super::rsa_parallel::generate(spec.bits as usize)?;
                KeypairData::from(RsaKeypair::try_from(&key).map_err(gen_err)?)
            }
        };
        let private = Box::new(PrivateKey::new(data, comment).map_err(gen_err)?);
        let mut info = KeyInfo::from_public(private.public_key())?;
        if let KeypairData::Rsa(kp) = private.key_data() {
            // AWS fingerprints keys it generated by the SHA-1 of the PKCS#8 DER private
            // key, which only exists now: compute it once and let the inventory keep it.
            let der = rsa_private(kp)?.to_pkcs8_der().map_err(|e| KeyError::Encode(e.to_string()))?;
            info.aws_fingerprint = Some(sha1_colon_hex(der.as_bytes()));
        }
        Ok(GeneratedKey { private, spec, info })
    }

    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    pub fn info(&self) -> &KeyInfo {
        &self.info
    }

    pub fn public_key(&self) -> &PublicKey {
        self.private.public_key()
    }

    /// The private key in the chosen format, in a buffer wiped on drop.
    pub fn encode_private(
        &self,
        format: PrivateFormat,
        passphrase: Option<&str>,
    ) -> Result<Zeroizing<String>, KeyError> {
        format.check(self.spec.kind, passphrase)?;
        encode_private(&self.private, format, passphrase)
    }

    /// Writes the private key to `path` with mode 0600 from creation, atomically, and
    /// refuses to replace an existing file unless `overwrite`.
    pub fn write_private(
        &self,
        path: &Path,
        format: PrivateFormat,
        passphrase: Option<&str>,
        overwrite: bool,
    ) -> Result<(), KeyError> {
        let text = self.encode_private(format, passphrase)?;
        crate::secure_file::write_secret(path, text.as_bytes(), overwrite)?;
        Ok(())
    }

    /// Writes the private key to `path` (as [`GeneratedKey::write_private`]) and the
    /// OpenSSH public key line to `public`, together: both files appear or neither.
    pub fn write_files(
        &self,
        path: &Path,
        public: &Path,
        format: PrivateFormat,
        passphrase: Option<&str>,
        overwrite: bool,
    ) -> Result<(), KeyError> {
        let text = self.encode_private(format, passphrase)?;
        let line = format!("{}\n", self.info().openssh);
        crate::secure_file::write_key_files(path, text.as_bytes(), public, line.as_bytes(), overwrite)?;
        Ok(())
    }
}

/// Any private key (generated or read from a file) in `format`, protected by
/// `passphrase` where the format allows one, in a buffer wiped on drop.
pub(crate) fn encode_private(
    key: &PrivateKey,
    format: PrivateFormat,
    passphrase: Option<&str>,
) -> Result<Zeroizing<String>, KeyError> {
    format.check_passphrase(passphrase)?;
    let enc = |e: &dyn std::fmt::Display| KeyError::Encode(e.to_string());
    match format {
        PrivateFormat::OpenSsh => match passphrase {
            Some(p) => key.encrypt(&mut OsRng, p).map_err(|e| enc(&e))?.to_openssh(LineEnding::LF).map_err(|e| enc(&e)),
            None => key.to_openssh(LineEnding::LF).map_err(|e| enc(&e)),
        },
        PrivateFormat::Pkcs8 => pkcs8_pem(key.key_data()),
        PrivateFormat::Pkcs1 => match key.key_data() {
            KeypairData::Rsa(kp) => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                rsa_private(kp)?.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).map_err(|e| enc(&e))
            }
            KeypairData::Ed25519(_) => Err(KeyError::Pkcs1NeedsRsa(KeyKind::Ed25519)),
            KeypairData::Ecdsa(_) => Err(KeyError::Pkcs1NeedsRsa(KeyKind::Ecdsa)),
            _ => Err(KeyError::Unsupported("PKCS#1")),
        },
        PrivateFormat::Ppk => super::ppk::encode(key, passphrase),
    }
}

fn pkcs8_pem(key: &KeypairData) -> Result<Zeroizing<String>, KeyError> {
    let enc = |e: &dyn std::fmt::Display| KeyError::Encode(e.to_string());
    let lf = pkcs8::LineEnding::LF;
    match key {
        KeypairData::Rsa(kp) => rsa_private(kp)?.to_pkcs8_pem(lf).map_err(|e| enc(&e)),
        KeypairData::Ecdsa(kp) => {
            let secret = kp.private_key_bytes();
            match kp {
                EcdsaKeypair::NistP256 { .. } => {
                    p256::SecretKey::from_slice(secret).map_err(|e| enc(&e))?.to_pkcs8_pem(lf)
                }
                EcdsaKeypair::NistP384 { .. } => {
                    p384::SecretKey::from_slice(secret).map_err(|e| enc(&e))?.to_pkcs8_pem(lf)
                }
                EcdsaKeypair::NistP521 { .. } => {
                    p521::SecretKey::from_slice(secret).map_err(|e| enc(&e))?.to_pkcs8_pem(lf)
                }
            }
            .map_err(|e| enc(&e))
        }
        KeypairData::Ed25519(kp) => {
            // PKCS#8 v1 (no embedded public key): OpenSSL 3.0 refuses the v2 form.
            // `to_bytes` copies the secret out of ssh-key's (self-wiping) key: that
            // copy is wiped on drop, and so is the one in `KeypairBytes` (the
            // `ed25519` crate's `zeroize` feature, see Cargo.toml), which also wipes
            // the DER it builds on the way to the (zeroizing) PEM.
            let secret = Zeroizing::new(kp.private.to_bytes());
            let bytes = ed25519_dalek::pkcs8::KeypairBytes { secret_key: *secret, public_key: None };
            bytes.to_pkcs8_pem(lf).map_err(|e| enc(&e))
        }
        _ => Err(KeyError::Unsupported("PKCS#8")),
    }
}

/// Builds the `rsa` crate's private key from the SSH key's components. ssh-key 0.6.7's
/// own conversion passes `p` twice, which rsa >= 0.9.7 rightly rejects.
fn rsa_private(kp: &RsaKeypair) -> Result<rsa::RsaPrivateKey, KeyError> {
    let big = |m: &ssh_key::Mpint| -> Result<rsa::BigUint, KeyError> {
        let b = m.as_positive_bytes().ok_or_else(|| KeyError::Encode("negative RSA component".into()))?;
        Ok(rsa::BigUint::from_bytes_be(b))
    };
    rsa::RsaPrivateKey::from_components(
        big(&kp.public.n)?,
        big(&kp.public.e)?,
        big(&kp.private.d)?,
        vec![big(&kp.private.p)?, big(&kp.private.q)?],
    )
    .map_err(|e| KeyError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_rules() {
        assert!(matches!(PrivateFormat::Pkcs1.check(KeyKind::Ed25519, None), Err(KeyError::Pkcs1NeedsRsa(_))));
        assert!(matches!(
            PrivateFormat::Pkcs8.check(KeyKind::Rsa, Some("pw")),
            Err(KeyError::PassphraseNeedsOpenssh(_))
        ));
        assert!(PrivateFormat::OpenSsh.check(KeyKind::Rsa, Some("pw")).is_ok());
    }

    #[test]
    fn ed25519_all_formats_encode() {
        let k = GeneratedKey::generate(KeySpec::new(KeyKind::Ed25519, None).unwrap(), "c").unwrap();
        assert!(k.encode_private(PrivateFormat::OpenSsh, None).unwrap().contains("BEGIN OPENSSH PRIVATE KEY"));
        assert!(k.encode_private(PrivateFormat::Pkcs8, None).unwrap().contains("BEGIN PRIVATE KEY"));
        assert!(k.encode_private(PrivateFormat::Pkcs1, None).is_err());
        // Debug output never shows private material.
        assert!(!format!("{k:?}").contains("private:"));
    }
}
