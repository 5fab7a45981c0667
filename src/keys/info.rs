//! What Keyshelf knows about a public key: type, size, comment, the OpenSSH line, every
//! fingerprint form consoles show, and the public export formats.

use base64ct::{Base64, Base64Unpadded, Encoding};
use md5::{Digest, Md5};
use sha2::Sha256;
use ssh_key::public::KeyData;
use ssh_key::PublicKey;

use super::{pem, rfc4716, KeyError};

/// A public key and everything derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The algorithm as in the OpenSSH line, e.g. `ssh-ed25519`.
    pub algorithm: String,
    pub bits: u32,
    pub comment: String,
    /// `TYPE BASE64 [COMMENT]`, as in a `.pub` file.
    pub openssh: String,
    /// `SHA256:...`, exactly as `ssh-keygen -l` prints it.
    pub fingerprint_sha256: String,
    /// `MD5:aa:bb:...`, exactly as `ssh-keygen -l -E md5` prints it.
    pub fingerprint_md5: String,
    /// The form AWS shows; for RSA it depends on whether AWS (here: Keyshelf) generated
    /// the key, so generation overrides it.
    pub aws_fingerprint: Option<String>,
    /// RSA under 2048 bits or DSA: still usable, but no console should accept it.
    pub weak: bool,
}

fn colon_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

fn mpint_bits(m: &ssh_key::Mpint) -> u32 {
    let bytes = m.as_positive_bytes().unwrap_or(&[]);
    match bytes.iter().position(|b| *b != 0) {
        None => 0,
        Some(i) => ((bytes.len() - i) * 8) as u32 - bytes[i].leading_zeros(),
    }
}

impl KeyInfo {
    /// Derives everything from a parsed public key. Fails for algorithms SSH servers do
    /// not use as plain keys (unknown names).
    pub fn from_public(key: &PublicKey) -> Result<KeyInfo, KeyError> {
        let (bits, weak) = match key.key_data() {
            KeyData::Ed25519(_) | KeyData::SkEd25519(_) => (256, false),
            KeyData::Ecdsa(k) => {
                // ssh-key does not check that the point is on the curve; OpenSSH refuses
                // such keys, and so do we.
                let sec1 = k.as_sec1_bytes();
                let (bits, on_curve) = match k.curve() {
                    ssh_key::EcdsaCurve::NistP256 => (256, p256::PublicKey::from_sec1_bytes(sec1).is_ok()),
                    ssh_key::EcdsaCurve::NistP384 => (384, p384::PublicKey::from_sec1_bytes(sec1).is_ok()),
                    ssh_key::EcdsaCurve::NistP521 => (521, p521::PublicKey::from_sec1_bytes(sec1).is_ok()),
                };
                if !on_curve {
                    return Err(KeyError::Import(
                        "the ECDSA key data is corrupted: its point is not on the curve".into(),
                    ));
                }
                (bits, false)
            }
            KeyData::SkEcdsaSha2NistP256(_) => (256, false),
            KeyData::Rsa(k) => {
                let b = mpint_bits(&k.n);
                (b, b < 2048)
            }
            KeyData::Dsa(k) => (mpint_bits(&k.p), true),
            _ => return Err(KeyError::Import(format!("unknown key algorithm '{}'", key.algorithm().as_str()))),
        };
        // The key blob is encoded once; every fingerprint and the OpenSSH line come
        // from it (bulk imports derive this for 100,000 keys).
        let blob = key.to_bytes().map_err(|e| KeyError::Encode(e.to_string()))?;
        let md5 = Md5::digest(&blob);
        let sha256 = sha256_of_blob(&blob);
        let aws_fingerprint = match key.key_data() {
            KeyData::Rsa(_) => {
                let der = pem::spki_der(key.key_data())?;
                Some(colon_hex(&Md5::digest(&der)))
            }
            KeyData::Ed25519(_) => Some(aws_ed25519(&sha256)),
            _ => None,
        };
        let comment = key.comment().to_string();
        let algorithm = key.algorithm().as_str().to_string();
        let mut openssh = String::with_capacity(algorithm.len() + blob.len() * 4 / 3 + comment.len() + 6);
        openssh.push_str(&algorithm);
        openssh.push(' ');
        openssh.push_str(&Base64::encode_string(&blob));
        if !comment.is_empty() {
            openssh.push(' ');
            openssh.push_str(&comment);
        }
        Ok(KeyInfo {
            algorithm,
            bits,
            comment,
            openssh,
            fingerprint_sha256: sha256,
            fingerprint_md5: format!("MD5:{}", colon_hex(&md5)),
            aws_fingerprint,
            weak,
        })
    }

    /// A short human label such as "ED25519", "RSA 3072", "ECDSA 384".
    pub fn type_label(&self) -> String {
        type_label(&self.algorithm, self.bits)
    }
}

/// The SHA-256 fingerprint of a public key, `SHA256:` and unpadded base64, exactly as
/// `ssh-keygen -l` prints it and the inventory stores it. The comment plays no part.
pub fn sha256_fingerprint(key: &PublicKey) -> Result<String, KeyError> {
    let blob = key.to_bytes().map_err(|e| KeyError::Encode(e.to_string()))?;
    Ok(sha256_of_blob(&blob))
}

/// [`sha256_fingerprint`] of an already encoded key blob.
fn sha256_of_blob(blob: &[u8]) -> String {
    format!("SHA256:{}", Base64Unpadded::encode_string(&Sha256::digest(blob)))
}

/// A short human label for an algorithm and size.
pub fn type_label(algorithm: &str, bits: u32) -> String {
    match algorithm {
        "ssh-ed25519" => "ED25519".into(),
        "sk-ssh-ed25519@openssh.com" => "ED25519-SK".into(),
        "ssh-rsa" => format!("RSA {bits}"),
        "ssh-dss" => format!("DSA {bits}"),
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA-SK 256".into(),
        a if a.starts_with("ecdsa-sha2-") => format!("ECDSA {bits}"),
        a => a.to_string(),
    }
}

/// AWS shows Ed25519 fingerprints as the SHA-256 in padded base64, without a prefix.
fn aws_ed25519(sha256: &str) -> String {
    let b64 = sha256.trim_start_matches("SHA256:");
    let pad = (4 - b64.len() % 4) % 4;
    format!("{b64}{}", "=".repeat(pad))
}

/// SHA-1 of DER bytes as colon hex: the AWS fingerprint of a key pair AWS generated.
pub(crate) fn sha1_colon_hex(der: &[u8]) -> String {
    colon_hex(&sha1::Sha1::digest(der))
}

/// The public key formats Keyshelf can export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicFormat {
    /// One `TYPE BASE64 COMMENT` line, as in `id_ed25519.pub`.
    OpenSsh,
    /// RFC 4716 `---- BEGIN SSH2 PUBLIC KEY ----` block, as `ssh-keygen -e` writes.
    Rfc4716,
    /// PEM `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo), as `ssh-keygen -e -m PKCS8` writes.
    Pkcs8,
}

impl PublicFormat {
    pub fn parse(s: &str) -> Result<PublicFormat, KeyError> {
        match s.to_ascii_lowercase().as_str() {
            "openssh" => Ok(PublicFormat::OpenSsh),
            "rfc4716" | "ssh2" => Ok(PublicFormat::Rfc4716),
            "pkcs8" | "pem" => Ok(PublicFormat::Pkcs8),
            _ => Err(KeyError::UnknownFormat(s.to_string())),
        }
    }
}

/// Renders a public key in the chosen format; the result ends with a newline.
pub fn export_public(key: &PublicKey, format: PublicFormat) -> Result<String, KeyError> {
    match format {
        PublicFormat::OpenSsh => Ok(format!("{}\n", KeyInfo::from_public(key)?.openssh)),
        PublicFormat::Rfc4716 => {
            let blob = key.to_bytes().map_err(|e| KeyError::Encode(e.to_string()))?;
            Ok(rfc4716::encode(&blob, key.comment()))
        }
        PublicFormat::Pkcs8 => pem::encode_pem("PUBLIC KEY", &pem::spki_der(key.key_data())?),
    }
}

/// What a search string means when it looks like a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerprintQuery {
    /// Base64 SHA-256 without prefix or padding.
    Sha256(String),
    /// Lowercase colon hex: MD5 (16 bytes) or SHA-1 (20 bytes, the AWS form).
    Hex(String),
}

/// Recognises any fingerprint form (`SHA256:..`, padded AWS base64, `MD5:aa:..`, colon or
/// plain hex) and returns it in the form Keyshelf stores, or `None` for ordinary text.
pub fn normalize_fingerprint(q: &str) -> Option<FingerprintQuery> {
    let q = q.trim();
    let lower = q.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("sha256:") {
        let b64 = q[q.len() - rest.len()..].trim_end_matches('=');
        return (!b64.is_empty()).then(|| FingerprintQuery::Sha256(b64.to_string()));
    }
    let hex_part = lower.strip_prefix("md5:").unwrap_or(&lower);
    let digits: String = hex_part.chars().filter(|c| *c != ':').collect();
    let colons_ok = hex_part.contains(':') && hex_part.split(':').all(|p| p.len() == 2) || !hex_part.contains(':');
    if colons_ok && (digits.len() == 32 || digits.len() == 40) && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        let bytes: Vec<&str> = (0..digits.len()).step_by(2).map(|i| &digits[i..i + 2]).collect();
        return Some(FingerprintQuery::Hex(bytes.join(":")));
    }
    let b64 = q.trim_end_matches('=');
    if b64.len() == 43 && Base64::decode_vec(&format!("{b64}=")).is_ok() {
        return Some(FingerprintQuery::Sha256(b64.to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl demo@host";

    #[test]
    fn openssh_line_and_fingerprints() {
        let k = PublicKey::from_openssh(ED).unwrap();
        let i = KeyInfo::from_public(&k).unwrap();
        assert_eq!(i.algorithm, "ssh-ed25519");
        assert_eq!(i.bits, 256);
        assert_eq!(i.openssh, ED);
        assert!(i.fingerprint_sha256.starts_with("SHA256:"));
        assert_eq!(i.fingerprint_md5.len(), "MD5:".len() + 47);
        let aws = i.aws_fingerprint.unwrap();
        assert_eq!(aws.len(), 44);
        assert!(aws.ends_with('='));
        assert!(!i.weak);
    }

    #[test]
    fn sha256_fingerprint_is_the_ssh_keygen_form_and_ignores_the_comment() {
        // `ssh-keygen -l` of this key.
        let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK";
        let expected = "SHA256:56BskBtr6AK/iogC+CAIskhgJVyLKYHClzyy2S6T0+4";
        let k = PublicKey::from_openssh(line).unwrap();
        assert_eq!(sha256_fingerprint(&k).unwrap(), expected);
        let commented = PublicKey::from_openssh(&format!("{line} someone@somewhere")).unwrap();
        assert_eq!(sha256_fingerprint(&commented).unwrap(), expected);
        assert_eq!(KeyInfo::from_public(&commented).unwrap().fingerprint_sha256, expected);
        assert_eq!(expected, k.fingerprint(ssh_key::HashAlg::Sha256).to_string());
    }

    #[test]
    fn ecdsa_point_off_the_curve_is_refused() {
        use ssh_key::public::EcdsaPublicKey;
        let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let mut point = secret.public_key().to_sec1_bytes().to_vec();
        let good = PublicKey::new(KeyData::Ecdsa(EcdsaPublicKey::from_sec1_bytes(&point).unwrap()), "");
        assert!(KeyInfo::from_public(&good).is_ok());
        let last = point.len() - 1;
        point[last] ^= 1;
        let bad = PublicKey::new(KeyData::Ecdsa(EcdsaPublicKey::from_sec1_bytes(&point).unwrap()), "");
        let err = KeyInfo::from_public(&bad).unwrap_err().to_string();
        assert!(err.contains("not on the curve"), "{err}");
    }

    #[test]
    fn fingerprint_queries_normalise() {
        assert_eq!(
            normalize_fingerprint("MD5:AB:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd"),
            Some(FingerprintQuery::Hex("ab:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd".into()))
        );
        assert_eq!(
            normalize_fingerprint("abcd00112233445566778899aabbccdd"),
            Some(FingerprintQuery::Hex("ab:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd".into()))
        );
        let b = "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
        assert_eq!(normalize_fingerprint(&format!("SHA256:{b}")), Some(FingerprintQuery::Sha256(b.into())));
        assert_eq!(normalize_fingerprint(&format!("{b}=")), Some(FingerprintQuery::Sha256(b.into())));
        assert_eq!(normalize_fingerprint("prod-key"), None);
        assert_eq!(normalize_fingerprint("ab:cd"), None);
    }
}
