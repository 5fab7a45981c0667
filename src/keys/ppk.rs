//! PuTTY private key files (`.ppk`), versions 2 and 3, exactly as PuTTY's `sshpubk.c`
//! reads and writes them (the "PPK file format" appendix of the PuTTY manual):
//!
//! ```text
//! PuTTY-User-Key-File-3: ssh-ed25519
//! Encryption: none | aes256-cbc
//! Comment: ...
//! Public-Lines: N           (the public key blob, base64, 64 characters a line)
//! Key-Derivation: Argon2id  (v3 with a passphrase: the Argon2 parameters and salt)
//! Argon2-Memory: 8192 / Argon2-Passes / Argon2-Parallelism / Argon2-Salt
//! Private-Lines: N          (the private blob, encrypted when there is a passphrase)
//! Private-MAC: hex
//! ```
//!
//! The public half is readable without the passphrase, so importing a `.ppk` needs none.
//! The MAC (HMAC-SHA-256 in v3, HMAC-SHA-1 in v2) covers the algorithm, encryption,
//! comment, public blob and padded private blob; with a passphrase its key comes from
//! the passphrase, so a wrong one is told apart from a damaged file. Every buffer that
//! holds the private blob, the passphrase or derived keys is wiped on drop.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use ssh_key::private::{Ed25519Keypair, KeypairData, RsaKeypair};
use ssh_key::public::{EcdsaPublicKey, KeyData};
use ssh_key::{PrivateKey, PublicKey};
use zeroize::Zeroizing;

use super::wire::{put_positive_mpint, put_string, Reader};
use super::KeyError;

/// The first line's tag, followed by the version number.
pub(crate) const MAGIC: &str = "PuTTY-User-Key-File-";

/// PuTTY refuses blobs larger than this (its agent's message limit), and so do we.
const MAX_BLOB: usize = 262_144;
/// Base64 characters on a full line, as PuTTY writes them (48 bytes).
const LINE_CHARS: usize = 64;

/// The Argon2 cost Keyshelf writes: PuTTY's defaults of 8 MiB and one lane. PuTTY
/// calibrates the passes to about 0.1 s of its own (slower) implementation; a fixed 13
/// passes costs about as much here and more than PuTTY picks on a fast machine.
const ARGON2_MEMORY_KIB: u32 = 8192;
const ARGON2_PASSES: u32 = 13;
const ARGON2_PARALLELISM: u32 = 1;
/// Limits on what a file may ask of us: enough for anything PuTTYgen writes (its
/// `memory=` and `passes=` options included), not enough to stall the machine.
const ARGON2_MAX_MEMORY_KIB: u32 = 1024 * 1024;
const ARGON2_MAX_PASSES: u32 = 1000;
const ARGON2_MAX_PARALLELISM: u32 = 64;

/// AES-256-CBC: key, IV and block sizes.
const KEY_LEN: usize = 32;
const IV_LEN: usize = 16;
const BLOCK: usize = 16;
/// The v3 MAC key length (HMAC-SHA-256).
const MAC_KEY_LEN: usize = 32;

fn bad(what: impl std::fmt::Display) -> KeyError {
    KeyError::Import(format!("the PuTTY .ppk file is not valid: {what}"))
}

/// The Argon2 flavour and cost of a v3 file with a passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Argon2Params {
    pub flavour: argon2::Algorithm,
    pub memory_kib: u32,
    pub passes: u32,
    pub parallelism: u32,
    pub salt: Vec<u8>,
}

impl Argon2Params {
    /// What Keyshelf writes: Argon2id with PuTTY's defaults and a fresh 16-byte salt.
    fn fresh() -> Argon2Params {
        let mut salt = vec![0u8; 16];
        OsRng.fill_bytes(&mut salt);
        Argon2Params {
            flavour: argon2::Algorithm::Argon2id,
            memory_kib: ARGON2_MEMORY_KIB,
            passes: ARGON2_PASSES,
            parallelism: ARGON2_PARALLELISM,
            salt,
        }
    }

    fn flavour_name(&self) -> &'static str {
        match self.flavour {
            argon2::Algorithm::Argon2d => "Argon2d",
            argon2::Algorithm::Argon2i => "Argon2i",
            argon2::Algorithm::Argon2id => "Argon2id",
        }
    }

    /// Cipher key, IV and MAC key, in one buffer (32 + 16 + 32 bytes).
    fn derive(&self, passphrase: &str) -> Result<Zeroizing<[u8; KEY_LEN + IV_LEN + MAC_KEY_LEN]>, KeyError> {
        if self.memory_kib > ARGON2_MAX_MEMORY_KIB
            || self.passes > ARGON2_MAX_PASSES
            || self.parallelism > ARGON2_MAX_PARALLELISM
        {
            return Err(bad(format!(
                "its passphrase hash asks for {} KiB of memory, {} passes and {} lanes (at most {ARGON2_MAX_MEMORY_KIB} KiB, {ARGON2_MAX_PASSES} passes and {ARGON2_MAX_PARALLELISM} lanes are allowed)",
                self.memory_kib, self.passes, self.parallelism
            )));
        }
        let mut out = Zeroizing::new([0u8; KEY_LEN + IV_LEN + MAC_KEY_LEN]);
        let params = argon2::Params::new(self.memory_kib, self.passes, self.parallelism, Some(out.len()))
            .map_err(|e| bad(format!("its Argon2 parameters are unusable ({e})")))?;
        argon2::Argon2::new(self.flavour, argon2::Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), &self.salt, out.as_mut_slice())
            .map_err(|e| bad(format!("its Argon2 parameters are unusable ({e})")))?;
        Ok(out)
    }
}

/// The fields of a `.ppk` file, as read; the private blob as stored (encrypted or not).
struct PpkFile<'a> {
    version: u8,
    algorithm: &'a str,
    encrypted: bool,
    comment: &'a str,
    public: Vec<u8>,
    argon2: Option<Argon2Params>,
    private: Zeroizing<Vec<u8>>,
    mac: Vec<u8>,
}

/// Whether `text` (after any blank lines) looks like a PuTTY key file.
pub(crate) fn is_ppk(text: &str) -> bool {
    text.trim_start().starts_with(MAGIC)
}

/// The next header line, `Name: value`, whose name must be `name`. A value may be empty
/// (`Comment: `), and an editor that trimmed the space after the colon is forgiven.
fn header<'a>(lines: &mut impl Iterator<Item = &'a str>, name: &str) -> Result<&'a str, KeyError> {
    let line = lines.next().ok_or_else(|| bad(format!("it ends before its {name} line")))?;
    match line.split_once(':') {
        Some((n, v)) if n == name => Ok(v.strip_prefix(' ').unwrap_or(v)),
        _ => Err(bad(format!("expected a {name} line, found '{}'", line.chars().take(40).collect::<String>()))),
    }
}

fn number(value: &str, name: &str) -> Result<u32, KeyError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("{name} is not a number")));
    }
    value.parse().map_err(|_| bad(format!("{name} is too large")))
}

/// Reads a `*-Lines: N` header and the N base64 lines after it, into a wiped buffer.
fn blob<'a>(lines: &mut impl Iterator<Item = &'a str>, name: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let count = number(header(lines, name)?, name)? as usize;
    if count > MAX_BLOB / 48 {
        return Err(bad(format!("{name} is {count}; no key is that large")));
    }
    let mut b64 = Zeroizing::new(String::with_capacity(count * LINE_CHARS));
    for i in 0..count {
        let line = lines.next().ok_or_else(|| bad(format!("it ends after {i} of its {count} {name}")))?;
        if line.len() > LINE_CHARS || line.len() % 4 != 0 {
            return Err(bad(format!("a line of its {name} is not a whole base64 line of at most 64 characters")));
        }
        b64.push_str(line);
    }
    Base64::decode_vec(&b64).map(Zeroizing::new).map_err(|_| bad(format!("its {name} are not valid base64")))
}

fn hex(value: &str, name: &str) -> Result<Vec<u8>, KeyError> {
    let bytes = value.as_bytes();
    if bytes.len() % 2 != 0 {
        return Err(bad(format!("{name} is not hexadecimal")));
    }
    bytes
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| bad(format!("{name} is not hexadecimal")))
        })
        .collect()
}

fn parse(text: &str) -> Result<PpkFile<'_>, KeyError> {
    let mut lines = text.trim_start().lines();
    let first = lines.next().unwrap_or("");
    let (tag, algorithm) =
        first.split_once(": ").ok_or_else(|| bad("the first line is not PuTTY-User-Key-File-N: TYPE"))?;
    let version = match tag.strip_prefix(MAGIC) {
        Some("3") => 3,
        Some("2") => 2,
        Some("1") => {
            return Err(KeyError::Import(
                "this is a PuTTY key file of the old version 1: load it in PuTTYgen and save it again".into(),
            ))
        }
        Some(v) => {
            return Err(KeyError::Import(format!(
                "this PuTTY key file has version {v}, newer than the versions 2 and 3 Keyshelf reads"
            )))
        }
        None => return Err(bad("the first line is not PuTTY-User-Key-File-N: TYPE")),
    };
    let encrypted = match header(&mut lines, "Encryption")? {
        "none" => false,
        "aes256-cbc" => true,
        other => return Err(KeyError::Import(format!("unsupported PuTTY key encryption '{other}'"))),
    };
    let comment = header(&mut lines, "Comment")?;
    let public = blob(&mut lines, "Public-Lines")?.to_vec();
    let argon2 = if version == 3 && encrypted {
        let flavour = match header(&mut lines, "Key-Derivation")? {
            "Argon2id" => argon2::Algorithm::Argon2id,
            "Argon2i" => argon2::Algorithm::Argon2i,
            "Argon2d" => argon2::Algorithm::Argon2d,
            other => return Err(KeyError::Import(format!("unsupported PuTTY key derivation '{other}'"))),
        };
        Some(Argon2Params {
            flavour,
            memory_kib: number(header(&mut lines, "Argon2-Memory")?, "Argon2-Memory")?,
            passes: number(header(&mut lines, "Argon2-Passes")?, "Argon2-Passes")?,
            parallelism: number(header(&mut lines, "Argon2-Parallelism")?, "Argon2-Parallelism")?,
            salt: hex(header(&mut lines, "Argon2-Salt")?, "Argon2-Salt")?,
        })
    } else {
        None
    };
    let private = blob(&mut lines, "Private-Lines")?;
    let mac = hex(header(&mut lines, "Private-MAC")?, "Private-MAC")?;
    if mac.len() != if version == 3 { 32 } else { 20 } {
        return Err(bad("its Private-MAC has the wrong length"));
    }
    if encrypted && private.len() % BLOCK != 0 {
        return Err(bad("its encrypted private part is not a whole number of AES blocks"));
    }
    Ok(PpkFile { version, algorithm, encrypted, comment, public, argon2, private, mac })
}

/// The data the MAC covers: string(algorithm), string(encryption), string(comment),
/// string(public blob), string(padded private blob, decrypted).
fn mac_data(algorithm: &str, encrypted: bool, comment: &str, public: &[u8], private: &[u8]) -> Zeroizing<Vec<u8>> {
    let encryption = if encrypted { "aes256-cbc" } else { "none" };
    let mut data = Zeroizing::new(Vec::with_capacity(
        20 + algorithm.len() + encryption.len() + comment.len() + public.len() + private.len(),
    ));
    for field in [algorithm.as_bytes(), encryption.as_bytes(), comment.as_bytes(), public, private] {
        put_string(&mut data, field);
    }
    data
}

/// Keys for a v2 file: AES key from two SHA-1 rounds, an all-zero IV, and a MAC key that
/// depends on the passphrase (the empty one when unencrypted).
fn v2_keys(passphrase: &str) -> (Zeroizing<[u8; KEY_LEN]>, Zeroizing<[u8; 20]>) {
    let mut key = Zeroizing::new([0u8; 40]);
    for (counter, half) in key.chunks_mut(20).enumerate() {
        let mut h = Sha1::new();
        h.update((counter as u32).to_be_bytes());
        h.update(passphrase.as_bytes());
        half.copy_from_slice(&h.finalize());
    }
    let mut cipher_key = Zeroizing::new([0u8; KEY_LEN]);
    cipher_key.copy_from_slice(&key[..KEY_LEN]);
    let mut h = Sha1::new();
    h.update(b"putty-private-key-file-mac-key");
    h.update(passphrase.as_bytes());
    let mut mac_key = Zeroizing::new([0u8; 20]);
    mac_key.copy_from_slice(&h.finalize());
    (cipher_key, mac_key)
}

/// Decrypts (when encrypted) and checks the MAC; returns the padded private blob.
/// An encrypted file without a passphrase, or with the wrong one, is its own error.
fn open(file: &PpkFile<'_>, passphrase: Option<&str>) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let pass = match (file.encrypted, passphrase) {
        (true, None) => return Err(KeyError::NeedsPassphrase),
        (true, Some(p)) => p,
        (false, _) => "",
    };
    let mut private = file.private.clone();
    let mac_ok = match file.version {
        3 => {
            let keys = match &file.argon2 {
                Some(params) => Some(params.derive(pass)?),
                None => None,
            };
            let mac_key: &[u8] = match &keys {
                Some(k) => {
                    decrypt(&k[..KEY_LEN], &k[KEY_LEN..KEY_LEN + IV_LEN], &mut private)?;
                    &k[KEY_LEN + IV_LEN..]
                }
                None => &[],
            };
            let data = mac_data(file.algorithm, file.encrypted, file.comment, &file.public, &private);
            hmac_check::<Hmac<Sha256>>(mac_key, &data, &file.mac)
        }
        _ => {
            let (cipher_key, mac_key) = v2_keys(pass);
            if file.encrypted {
                decrypt(cipher_key.as_slice(), &[0u8; IV_LEN], &mut private)?;
            }
            let data = mac_data(file.algorithm, file.encrypted, file.comment, &file.public, &private);
            hmac_check::<Hmac<Sha1>>(mac_key.as_slice(), &data, &file.mac)
        }
    };
    match (mac_ok, file.encrypted) {
        (true, _) => Ok(private),
        (false, true) => Err(KeyError::WrongPassphrase),
        (false, false) => Err(bad("its Private-MAC does not match: the file was changed or damaged")),
    }
}

fn hmac_check<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8], expected: &[u8]) -> bool {
    match <M as Mac>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.verify_slice(expected).is_ok()
        }
        Err(_) => false,
    }
}

fn hmac_tag<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let mut mac = <M as Mac>::new_from_slice(key).map_err(|e| KeyError::Encode(e.to_string()))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn decrypt(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), KeyError> {
    cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
        .map_err(bad)?
        .decrypt_padded_mut::<NoPadding>(buf)
        .map_err(|_| bad("its encrypted private part is not a whole number of AES blocks"))?;
    Ok(())
}

/// The public half of a `.ppk` file and whether a passphrase protects the private half.
/// No passphrase is needed; an unencrypted file's MAC is checked (as PuTTY does).
pub(crate) fn read_public(text: &str) -> Result<(PublicKey, bool, u8), KeyError> {
    let file = parse(text)?;
    let mut key = public_key(&file)?;
    if !file.encrypted {
        open(&file, None)?;
    }
    key.set_comment(file.comment);
    Ok((key, file.encrypted, file.version))
}

fn public_key(file: &PpkFile<'_>) -> Result<PublicKey, KeyError> {
    let key = PublicKey::from_bytes(&file.public).map_err(|e| bad(format!("its public key does not decode ({e})")))?;
    if key.algorithm().as_str() != file.algorithm {
        return Err(bad(format!(
            "the first line says {} but the public key is {}",
            file.algorithm,
            key.algorithm().as_str()
        )));
    }
    if let KeyData::Other(_) = key.key_data() {
        return Err(KeyError::Import(format!("unsupported key algorithm '{}'", file.algorithm)));
    }
    Ok(key)
}

/// Reads a `.ppk` file whole: decrypts it with `passphrase` when it has one, checks its
/// MAC and that the private half belongs to the public one. Returns the version and
/// whether the file was encrypted too.
pub(crate) fn read_private(text: &str, passphrase: Option<&str>) -> Result<(PrivateKey, u8, bool), KeyError> {
    let file = parse(text)?;
    let public = public_key(&file)?;
    let blob = open(&file, passphrase)?;
    let data = keypair(public.key_data(), &blob)?;
    let key = PrivateKey::new(data, file.comment).map_err(bad)?;
    Ok((key, file.version, file.encrypted))
}

fn mismatch() -> KeyError {
    bad("its private key does not belong to its public key")
}

/// Builds the key pair from the public key and the private blob (trailing padding is
/// ignored, as PuTTY does).
fn keypair(public: &KeyData, blob: &[u8]) -> Result<KeypairData, KeyError> {
    let mut r = Reader(blob);
    let truncated = || bad("its private part is truncated");
    match public {
        KeyData::Ed25519(pk) => {
            let seed: &[u8; 32] = r
                .string()
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| bad("its Ed25519 private key is not 32 bytes"))?;
            let kp = Ed25519Keypair::from_seed(seed);
            if kp.public != *pk {
                return Err(mismatch());
            }
            Ok(KeypairData::from(kp))
        }
        KeyData::Ecdsa(pk) => {
            let scalar = r.positive_mpint().ok_or_else(truncated)?;
            let kp = super::private::ecdsa_keypair(pk, scalar)?;
            if EcdsaPublicKey::from(&kp) != *pk {
                return Err(mismatch());
            }
            Ok(KeypairData::from(kp))
        }
        KeyData::Rsa(pk) => {
            let mut next = || r.positive_mpint().ok_or_else(truncated);
            let (d, p, q) = (next()?, next()?, next()?);
            // iqmp follows; it is recomputed from p and q rather than trusted.
            next()?;
            let n = pk.n.as_positive_bytes().ok_or_else(mismatch)?;
            let e = pk.e.as_positive_bytes().ok_or_else(mismatch)?;
            let kp = super::private::rsa_keypair(n, e, d, p, q).map_err(|_| mismatch())?;
            Ok(KeypairData::from(kp))
        }
        KeyData::Dsa(pk) => {
            let x = r.positive_mpint().ok_or_else(truncated)?;
            super::private::dsa_keypair(pk, x)
        }
        _ => Err(KeyError::Unsupported("a PuTTY key of this type")),
    }
}

/// The private blob PuTTY keeps for each key type (mpints are SSH `mpint`s):
/// RSA d, p, q, iqmp; DSA x; ECDSA the private scalar; Ed25519 string(32-byte seed).
fn private_blob(key: &KeypairData) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut out = Zeroizing::new(Vec::with_capacity(4096));
    match key {
        KeypairData::Ed25519(kp) => put_string(&mut out, kp.private.as_ref()),
        KeypairData::Ecdsa(kp) => put_positive_mpint(&mut out, kp.private_key_bytes()),
        KeypairData::Rsa(kp) => {
            let RsaKeypair { private: p, .. } = kp;
            for m in [&p.d, &p.p, &p.q, &p.iqmp] {
                put_string(&mut out, m.as_bytes());
            }
        }
        KeypairData::Dsa(kp) => put_string(&mut out, kp.private.as_bytes()),
        _ => return Err(KeyError::Unsupported("a PuTTY .ppk file")),
    }
    Ok(out)
}

/// Writes `key` as a PPK version 3 file: unencrypted, or with `passphrase` (AES-256-CBC,
/// Argon2id with 8 MiB, 13 passes, one lane and a fresh 16-byte salt).
pub(crate) fn encode(key: &PrivateKey, passphrase: Option<&str>) -> Result<Zeroizing<String>, KeyError> {
    match passphrase {
        Some(p) => encode_with(key, Some((p, &Argon2Params::fresh()))),
        None => encode_with(key, None),
    }
}

/// [`encode`] with chosen Argon2 parameters (tests compare with PuTTYgen's output).
fn encode_with(key: &PrivateKey, encryption: Option<(&str, &Argon2Params)>) -> Result<Zeroizing<String>, KeyError> {
    let enc = |e: &dyn std::fmt::Display| KeyError::Encode(e.to_string());
    let algorithm = key.algorithm();
    let algorithm = algorithm.as_str();
    let public = key.public_key().to_bytes().map_err(|e| enc(&e))?;
    // A comment is one line in the file: line breaks would end it early.
    let comment: String = key.comment().chars().map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c }).collect();
    let blob = private_blob(key.key_data())?;

    // Padded to the cipher block with the SHA-1 of the unpadded blob, as PuTTY does;
    // unencrypted files have a block of one byte, so no padding.
    let block = if encryption.is_some() { BLOCK } else { 1 };
    let padded_len = blob.len().div_ceil(block) * block;
    let mut private = Zeroizing::new(Vec::with_capacity(padded_len));
    private.extend_from_slice(&blob);
    let digest = Zeroizing::new(Sha1::digest(blob.as_slice()));
    private.extend_from_slice(&digest[..padded_len - blob.len()]);

    let keys = match encryption {
        Some((pass, params)) => Some(params.derive(pass)?),
        None => None,
    };
    let mac_key: &[u8] = keys.as_ref().map_or(&[], |k| &k[KEY_LEN + IV_LEN..]);
    let mac = hmac_tag::<Hmac<Sha256>>(mac_key, &mac_data(algorithm, keys.is_some(), &comment, &public, &private))?;
    if let Some(k) = &keys {
        let len = private.len();
        cbc::Encryptor::<aes::Aes256>::new_from_slices(&k[..KEY_LEN], &k[KEY_LEN..KEY_LEN + IV_LEN])
            .map_err(|e| enc(&e))?
            .encrypt_padded_mut::<NoPadding>(&mut private, len)
            .map_err(|e| enc(&e))?;
    }

    let mut out = Zeroizing::new(String::with_capacity(1024 + 2 * (public.len() + private.len())));
    let encryption_name = if keys.is_some() { "aes256-cbc" } else { "none" };
    out.push_str(&format!("{MAGIC}3: {algorithm}\nEncryption: {encryption_name}\nComment: {comment}\n"));
    push_lines(&mut out, "Public-Lines", &public);
    if let Some((_, params)) = encryption {
        out.push_str(&format!(
            "Key-Derivation: {}\nArgon2-Memory: {}\nArgon2-Passes: {}\nArgon2-Parallelism: {}\nArgon2-Salt: {}\n",
            params.flavour_name(),
            params.memory_kib,
            params.passes,
            params.parallelism,
            to_hex(&params.salt)
        ));
    }
    push_lines(&mut out, "Private-Lines", &private);
    out.push_str("Private-MAC: ");
    out.push_str(&to_hex(&mac));
    out.push('\n');
    Ok(out)
}

/// `NAME: count` and the base64 of `data`, 64 characters (48 bytes) a line. The base64
/// of an unencrypted private blob is secret: each line is wiped after it is copied.
fn push_lines(out: &mut String, name: &str, data: &[u8]) {
    let chunks = data.chunks(48);
    out.push_str(&format!("{name}: {}\n", chunks.len()));
    for chunk in chunks {
        let line = Zeroizing::new(Base64::encode_string(chunk));
        out.push_str(&line);
        out.push('\n');
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::HashAlg;

    /// Written by PuTTYgen 0.78: `puttygen -t ed25519 -C test-ed --new-passphrase EMPTY`.
    const ED25519_PLAIN: &str = "PuTTY-User-Key-File-3: ssh-ed25519
Encryption: none
Comment: test-ed
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAIFyJKBuas+jHN71SuS0nbBtDndouWY3JL3H5ryQQ
F9Dl
Private-Lines: 1
AAAAIDd/OS3tb0KjPnzJqW3DfEt8E5QpH2N2fLiZQ9EFmOdx
Private-MAC: 07cfa08bee94e5bfc76e20301212a6dd45f3e9d8db9c21f87ec733af56e30bb0
";
    /// The same key saved with the passphrase `secret1` and
    /// `--ppk-param passes=1,memory=64` (so the test is quick).
    const ED25519_V3: &str = "PuTTY-User-Key-File-3: ssh-ed25519
Encryption: aes256-cbc
Comment: test-ed
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAIFyJKBuas+jHN71SuS0nbBtDndouWY3JL3H5ryQQ
F9Dl
Key-Derivation: Argon2id
Argon2-Memory: 64
Argon2-Passes: 1
Argon2-Parallelism: 1
Argon2-Salt: b2e16bfe149c069abc97254d5d3b23e2
Private-Lines: 1
RES2stPE51uAXFR7/tKRXAcxVO0/qq4fdwa0isqT7oIjsctrxFpGQi3am7JgsyFi
Private-MAC: 4e8bb7fbebfc750e58d3d8d7dce8e86c8cde43cb7b26535a60938e05ecd086cf
";
    /// The same key as version 2 with the passphrase `secret1`.
    const ED25519_V2: &str = "PuTTY-User-Key-File-2: ssh-ed25519
Encryption: aes256-cbc
Comment: test-ed
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAIFyJKBuas+jHN71SuS0nbBtDndouWY3JL3H5ryQQ
F9Dl
Private-Lines: 1
Wn9Dd5N+ZbpJKPXVitUPfCLBjHeiFwPHjJbkeTnWQSuBG+PY++smzUQy4hbvyXTe
Private-MAC: 44caebee5bb6512671279f6aa8fd09ce09744cba
";
    /// `puttygen -l -E sha256` of the key above.
    const ED25519_FP: &str = "SHA256:vWjiIkfcNY75gA5rXeXHArtICBUtUqxAzmv3Qi5G/2g";
    /// The seed, as `puttygen --dump` shows it (little-endian `private_exponent`).
    const ED25519_SEED_HEX: &str = "377f392ded6f42a33e7cc9a96dc37c4b7c1394291f63767cb89943d10598e771";

    fn seed_of(key: &PrivateKey) -> String {
        match key.key_data() {
            KeypairData::Ed25519(kp) => to_hex(kp.private.as_ref()),
            _ => panic!("not Ed25519"),
        }
    }

    #[test]
    fn putty_files_read_with_their_mac_checked() {
        for (text, pass, version) in
            [(ED25519_PLAIN, None, 3), (ED25519_V3, Some("secret1"), 3), (ED25519_V2, Some("secret1"), 2)]
        {
            let (public, encrypted, v) = read_public(text).unwrap();
            assert_eq!((encrypted, v), (pass.is_some(), version));
            assert_eq!(public.fingerprint(HashAlg::Sha256).to_string(), ED25519_FP);
            assert_eq!(public.comment(), "test-ed");
            let (key, ..) = read_private(text, pass).unwrap();
            assert_eq!(seed_of(&key), ED25519_SEED_HEX, "version {version}");
            assert_eq!(key.comment(), "test-ed");
            assert_eq!(key.fingerprint(HashAlg::Sha256).to_string(), ED25519_FP);
        }
    }

    #[test]
    fn wrong_or_missing_passphrase_and_tampering_are_told_apart() {
        for text in [ED25519_V3, ED25519_V2] {
            assert!(matches!(read_private(text, Some("secret2")), Err(KeyError::WrongPassphrase)));
            assert!(matches!(read_private(text, None), Err(KeyError::NeedsPassphrase)));
            // The public half needs no passphrase.
            assert!(read_public(text).is_ok());
            // The comment is covered by the MAC: with it changed, even the right
            // passphrase fails (PuTTY says "wrong passphrase" too).
            let changed = text.replace("Comment: test-ed", "Comment: test-ee");
            assert!(matches!(read_private(&changed, Some("secret1")), Err(KeyError::WrongPassphrase)));
        }
        // Unencrypted: a changed byte anywhere is a damaged file, also for import.
        let changed = ED25519_PLAIN.replace("Comment: test-ed", "Comment: test-ee");
        let err = read_public(&changed).unwrap_err().to_string();
        assert!(err.contains("MAC does not match"), "{err}");
        let changed = ED25519_PLAIN.replace("AAAAIDd/", "AAAAIDe/");
        assert!(read_private(&changed, None).unwrap_err().to_string().contains("MAC"));
    }

    #[test]
    fn padding_is_the_sha1_of_the_unpadded_blob() {
        // Decrypt the v3 vector by hand: its 36-byte blob is padded to 48 bytes with the
        // first 12 bytes of SHA-1(blob), and the MAC covers the padded blob.
        let file = parse(ED25519_V3).unwrap();
        let blob = open(&file, Some("secret1")).unwrap();
        assert_eq!(blob.len(), 48);
        let (unpadded, padding) = blob.split_at(36);
        assert_eq!(to_hex(&unpadded[4..]), ED25519_SEED_HEX);
        assert_eq!(padding, &Sha1::digest(unpadded)[..12]);
    }

    #[test]
    fn writing_matches_puttygen_byte_for_byte() {
        // With PuTTYgen's salt and cost, Keyshelf's file is PuTTYgen's file: same
        // padding, key derivation, encryption and MAC.
        let (key, ..) = read_private(ED25519_PLAIN, None).unwrap();
        assert_eq!(*encode(&key, None).unwrap(), ED25519_PLAIN);
        let params = Argon2Params {
            flavour: argon2::Algorithm::Argon2id,
            memory_kib: 64,
            passes: 1,
            parallelism: 1,
            salt: hex("b2e16bfe149c069abc97254d5d3b23e2", "salt").unwrap(),
        };
        assert_eq!(*encode_with(&key, Some(("secret1", &params))).unwrap(), ED25519_V3);
    }

    #[test]
    fn keyshelf_files_read_back_with_default_cost() {
        let (key, ..) = read_private(ED25519_PLAIN, None).unwrap();
        let text = encode(&key, Some("pass phrase")).unwrap();
        assert!(
            text.contains("Key-Derivation: Argon2id\nArgon2-Memory: 8192\nArgon2-Passes: 13\nArgon2-Parallelism: 1\n")
        );
        let salt = text.lines().find_map(|l| l.strip_prefix("Argon2-Salt: ")).unwrap();
        assert_eq!(salt.len(), 32);
        let (back, version, _) = read_private(&text, Some("pass phrase")).unwrap();
        assert_eq!((seed_of(&back), version), (ED25519_SEED_HEX.to_string(), 3));
        // Two encryptions of one key differ (fresh salt, so fresh key and IV).
        assert_ne!(*encode(&key, Some("pass phrase")).unwrap(), *text);
    }

    #[test]
    fn malformed_files_are_errors_not_panics() {
        let cases = [
            ("PuTTY-User-Key-File-1: ssh-rsa\n", "version 1"),
            ("PuTTY-User-Key-File-4: ssh-rsa\n", "version 4"),
            ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: des\n", "encryption"),
            ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", "Comment"),
            ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: x\nPublic-Lines: 99999\n", "large"),
            ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: x\nPublic-Lines: 2\nAAAA\n", "ends"),
        ];
        for (text, expected) in cases {
            let err = read_public(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
        // The first line's type must be the key's.
        let err = read_public(&ED25519_PLAIN.replace("File-3: ssh-ed25519", "File-3: ssh-rsa")).unwrap_err();
        assert!(err.to_string().contains("says ssh-rsa"), "{err}");
        // An Argon2 cost beyond the limits is refused before any work.
        let greedy = ED25519_V3.replace("Argon2-Memory: 64", "Argon2-Memory: 4194304");
        assert!(read_private(&greedy, Some("secret1")).unwrap_err().to_string().contains("memory"));
        // Truncated anywhere: an error each time.
        for end in 0..ED25519_V3.len() - 1 {
            assert!(read_private(&ED25519_V3[..end], Some("secret1")).is_err(), "cut at {end}");
        }
    }
}
