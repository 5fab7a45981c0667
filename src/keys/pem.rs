//! Conversions between SSH public key data and the DER/PEM structures OpenSSL uses:
//! SubjectPublicKeyInfo, PKCS#1, PKCS#8 and SEC1. Only public halves leave this module;
//! decoded private material lives in zeroizing buffers and is dropped at once.

use pkcs8::der::Decode;
use pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey};
use ssh_key::Mpint;
use zeroize::Zeroizing;

use super::KeyError;

/// rsaEncryption, 1.2.840.113549.1.1.1
const RSA_OID: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey, 1.2.840.10045.2.1
const EC_OID: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// id-Ed25519, 1.3.101.112
const ED25519_OID: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");

/// The largest RSA modulus we convert (OpenSSH itself stops at 16384 bits).
const RSA_MAX_BITS: usize = 16384;

fn bad(what: &str, e: impl std::fmt::Display) -> KeyError {
    KeyError::Import(format!("{what}: {e}"))
}

pub(crate) fn rsa_key_data(n: &[u8], e: &[u8]) -> Result<KeyData, KeyError> {
    let n = Mpint::from_positive_bytes(n).map_err(|e| bad("RSA modulus", e))?;
    let e = Mpint::from_positive_bytes(e).map_err(|e| bad("RSA exponent", e))?;
    Ok(KeyData::Rsa(RsaPublicKey { e, n }))
}

/// Decodes a DER SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`): RSA, ECDSA P-256/384/521, Ed25519.
pub(crate) fn key_data_from_spki(der: &[u8]) -> Result<KeyData, KeyError> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|e| bad("not a valid PUBLIC KEY block (SubjectPublicKeyInfo)", e))?;
    let oid = spki.algorithm.oid;
    if oid == RSA_OID {
        let raw = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| KeyError::Import("RSA public key bit string is malformed".into()))?;
        return key_data_from_pkcs1_public(raw);
    }
    if oid == EC_OID {
        if let Ok(k) = p256::PublicKey::from_public_key_der(der) {
            return ecdsa_key_data(k.to_sec1_bytes().as_ref());
        }
        if let Ok(k) = p384::PublicKey::from_public_key_der(der) {
            return ecdsa_key_data(k.to_sec1_bytes().as_ref());
        }
        if let Ok(k) = p521::PublicKey::from_public_key_der(der) {
            return ecdsa_key_data(k.to_sec1_bytes().as_ref());
        }
        return Err(KeyError::Import("unsupported elliptic curve: SSH supports NIST P-256, P-384 and P-521".into()));
    }
    if oid == ED25519_OID {
        let k = ed25519_dalek::VerifyingKey::from_public_key_der(der).map_err(|e| bad("Ed25519 public key", e))?;
        return Ok(KeyData::Ed25519(Ed25519PublicKey(k.to_bytes())));
    }
    Err(KeyError::Import(format!("unsupported public key algorithm (OID {oid}); SSH keys are RSA, ECDSA or Ed25519")))
}

fn ecdsa_key_data(sec1: &[u8]) -> Result<KeyData, KeyError> {
    let k = EcdsaPublicKey::from_sec1_bytes(sec1).map_err(|e| bad("ECDSA public key", e))?;
    Ok(KeyData::Ecdsa(k))
}

/// Decodes a DER PKCS#1 `RSAPublicKey` (`BEGIN RSA PUBLIC KEY`).
pub(crate) fn key_data_from_pkcs1_public(der: &[u8]) -> Result<KeyData, KeyError> {
    let k = pkcs1::RsaPublicKey::from_der(der).map_err(|e| bad("not a valid RSA public key", e))?;
    rsa_key_data(k.modulus.as_bytes(), k.public_exponent.as_bytes())
}

/// The public half of a DER PKCS#1 `RSAPrivateKey` (`BEGIN RSA PRIVATE KEY`).
pub(crate) fn key_data_from_pkcs1_private(der: &[u8]) -> Result<KeyData, KeyError> {
    let k = pkcs1::RsaPrivateKey::from_der(der).map_err(|e| bad("not a valid RSA private key", e))?;
    rsa_key_data(k.modulus.as_bytes(), k.public_exponent.as_bytes())
}

/// The public half of a DER PKCS#8 `PrivateKeyInfo` (`BEGIN PRIVATE KEY`).
pub(crate) fn key_data_from_pkcs8_private(der: &[u8]) -> Result<KeyData, KeyError> {
    let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| bad("not a valid PKCS#8 private key", e))?;
    let oid = info.algorithm.oid;
    if oid == RSA_OID {
        return key_data_from_pkcs1_private(info.private_key);
    }
    if oid == EC_OID {
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
            return ecdsa_key_data(k.public_key().to_sec1_bytes().as_ref());
        }
        if let Ok(k) = p384::SecretKey::from_pkcs8_der(der) {
            return ecdsa_key_data(k.public_key().to_sec1_bytes().as_ref());
        }
        if let Ok(k) = p521::SecretKey::from_pkcs8_der(der) {
            return ecdsa_key_data(k.public_key().to_sec1_bytes().as_ref());
        }
        return Err(KeyError::Import("unsupported elliptic curve: SSH supports NIST P-256, P-384 and P-521".into()));
    }
    if oid == ED25519_OID {
        let k = ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|e| bad("Ed25519 private key", e))?;
        return Ok(KeyData::Ed25519(Ed25519PublicKey(k.verifying_key().to_bytes())));
    }
    Err(KeyError::Import(format!("unsupported private key algorithm (OID {oid}); SSH keys are RSA, ECDSA or Ed25519")))
}

/// The public half of a DER SEC1 `ECPrivateKey` (`BEGIN EC PRIVATE KEY`, as `openssl ecparam` writes).
pub(crate) fn key_data_from_sec1_private(der: &[u8]) -> Result<KeyData, KeyError> {
    if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
        return ecdsa_key_data(k.public_key().to_sec1_bytes().as_ref());
    }
    if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
        return ecdsa_key_data(k.public_key().to_sec1_bytes().as_ref());
    }
    if let Ok(k) = p521::SecretKey::from_sec1_der(der) {
        return ecdsa_key_data(k.public_key().to_sec1_bytes().as_ref());
    }
    Err(KeyError::Import("not a valid EC private key on NIST P-256, P-384 or P-521".into()))
}

/// DER SubjectPublicKeyInfo for RSA, ECDSA and Ed25519 keys (what `openssl pkey -pubin`
/// reads, and what AWS hashes for imported RSA keys).
pub(crate) fn spki_der(key: &KeyData) -> Result<Vec<u8>, KeyError> {
    let enc = |e: &dyn std::fmt::Display| KeyError::Encode(e.to_string());
    match key {
        KeyData::Rsa(k) => {
            let n = rsa::BigUint::from_bytes_be(k.n.as_positive_bytes().unwrap_or(&[]));
            let e = rsa::BigUint::from_bytes_be(k.e.as_positive_bytes().unwrap_or(&[]));
            let pk = rsa::RsaPublicKey::new_with_max_size(n, e, RSA_MAX_BITS).map_err(|e| enc(&e))?;
            Ok(pk.to_public_key_der().map_err(|e| enc(&e))?.into_vec())
        }
        KeyData::Ecdsa(k) => {
            let sec1 = k.as_sec1_bytes();
            let doc = match k {
                EcdsaPublicKey::NistP256(_) => {
                    p256::PublicKey::from_sec1_bytes(sec1).map_err(|e| enc(&e))?.to_public_key_der()
                }
                EcdsaPublicKey::NistP384(_) => {
                    p384::PublicKey::from_sec1_bytes(sec1).map_err(|e| enc(&e))?.to_public_key_der()
                }
                EcdsaPublicKey::NistP521(_) => {
                    p521::PublicKey::from_sec1_bytes(sec1).map_err(|e| enc(&e))?.to_public_key_der()
                }
            };
            Ok(doc.map_err(|e| enc(&e))?.into_vec())
        }
        KeyData::Ed25519(k) => {
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&k.0).map_err(|e| enc(&e))?;
            Ok(vk.to_public_key_der().map_err(|e| enc(&e))?.into_vec())
        }
        _ => Err(KeyError::Unsupported("a PEM public key (only RSA, ECDSA and Ed25519)")),
    }
}

/// Decodes a PEM block into its label and bytes; the bytes are wiped on drop because the
/// block may be a private key.
pub(crate) fn decode_pem(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let (label, der) =
        pkcs8::der::pem::decode_vec(text.as_bytes()).map_err(|e| bad("the PEM block is truncated or corrupted", e))?;
    Ok((label.to_string(), Zeroizing::new(der)))
}

/// Wraps DER in a PEM block with 64-column lines.
pub(crate) fn encode_pem(label: &str, der: &[u8]) -> Result<String, KeyError> {
    pkcs8::der::pem::encode_string(label, pkcs8::LineEnding::LF, der).map_err(|e| KeyError::Encode(e.to_string()))
}
