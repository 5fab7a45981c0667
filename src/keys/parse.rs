//! Reading keys users bring: OpenSSH lines (with `authorized_keys` options), RFC 4716
//! blocks, PEM public keys (SubjectPublicKeyInfo, PKCS#1) and private key files
//! (OpenSSH, PKCS#8, PKCS#1, SEC1, PuTTY .ppk), of which only the public half is kept. Bulk input is
//! an `authorized_keys`-style file, one key per line.

use ssh_key::public::KeyData;
use ssh_key::PublicKey;

use zeroize::Zeroizing;

use super::wire::Reader;
use super::{pem, ppk, rfc4716, KeyError, KeyInfo};

/// Single-key inputs larger than this are refused: no key file is anywhere near 1 MiB.
pub const MAX_SINGLE_KEY_BYTES: usize = 1024 * 1024;

/// Key types OpenSSH accepts in `authorized_keys`.
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// Where an imported key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    PublicKey,
    /// A private key file; only its public half was read. `encrypted` means a passphrase
    /// protects it (the public half of an OpenSSH key is readable without one).
    PrivateKey {
        encrypted: bool,
    },
}

/// A key read from user input.
#[derive(Debug, Clone)]
pub struct ParsedKey {
    pub key: PublicKey,
    pub info: KeyInfo,
    pub source: KeySource,
    /// Human name of the input format, e.g. "OpenSSH public key", "PKCS#8 private key".
    pub format: &'static str,
}

fn err(msg: impl Into<String>) -> KeyError {
    KeyError::Import(msg.into())
}

/// The largest file read as key input (a bulk import of many keys included): a larger
/// one is refused before it is loaded. 100,000 RSA 4096 keys take ~75 MB.
pub const MAX_KEY_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a file that may hold private keys or a passphrase: refused when larger than
/// `limit` bytes (never loaded then), held in memory that is wiped on drop. The one way
/// Keyshelf reads such files (the CLI, the app, the core).
pub fn read_secret_file(path: &std::path::Path, limit: u64) -> Result<zeroize::Zeroizing<Vec<u8>>, KeyError> {
    use std::io::Read;
    let read_err = |source| KeyError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if meta.is_dir() {
        return Err(read_err(std::io::Error::other("it is a folder, not a file")));
    }
    if meta.len() > limit {
        return Err(KeyError::TooLarge { path: path.to_path_buf(), size: meta.len(), limit });
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(meta.len() as usize));
    // A file that grows while it is read stops at the limit too.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(read_err)?;
    if bytes.len() as u64 > limit {
        return Err(KeyError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// Reads a key file (it may hold a private key: the bytes are wiped once read) and
/// parses it; `None` when it cannot be read or is not one key. At most
/// [`MAX_SINGLE_KEY_BYTES`] are read, so a huge file is never loaded.
pub fn read_key_file(path: &std::path::Path) -> Option<ParsedKey> {
    let bytes = read_secret_file(path, MAX_SINGLE_KEY_BYTES as u64).ok()?;
    parse_key(&bytes).ok()
}

/// Reads exactly one key from `input` (a file's bytes or standard input). Anything that
/// is not exactly one valid key is an error that says what is wrong and, where it can,
/// on which line.
pub fn parse_key(input: &[u8]) -> Result<ParsedKey, KeyError> {
    if input.len() > MAX_SINGLE_KEY_BYTES {
        return Err(err(format!(
            "the input is {} bytes; a single key is never larger than 1 MiB (for a file with many keys, use bulk import)",
            input.len()
        )));
    }
    let text = skip_ec_parameters(as_text(input)?)?;
    let (first_no, first) = match text.lines().enumerate().find(|(_, l)| !l.trim().is_empty()) {
        Some((i, l)) => (i + 1, l.trim()),
        None => return Err(err("the input is empty: paste or choose a public key")),
    };
    let body = &text[text.find(first).unwrap_or(0)..];
    if first.starts_with("---- BEGIN SSH2 PUBLIC KEY") {
        let d = rfc4716::decode(body, first_no).map_err(err)?;
        let mut key = PublicKey::from_bytes(&d.blob)
            .map_err(|e| err(format!("the SSH2 block does not hold a valid key ({e}); it may be truncated")))?;
        check_algorithm(key.key_data())?;
        key.set_comment(d.comment.unwrap_or_default());
        return finish(key, KeySource::PublicKey, "RFC 4716 public key");
    }
    if first.starts_with("-----BEGIN ") {
        return parse_pem(body, first);
    }
    if ppk::is_ppk(first) {
        // The public half is readable without the passphrase, as with OpenSSH keys.
        let (key, encrypted, version) = ppk::read_public(body)?;
        let format = if version == 3 { "PuTTY PPK v3 private key" } else { "PuTTY PPK v2 private key" };
        return finish(key, KeySource::PrivateKey { encrypted }, format);
    }
    let mut keys = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let (n, line) = keys.next().ok_or_else(|| err("the input holds only comments, no key"))?;
    if let Some((m, _)) = keys.next() {
        return Err(KeyError::MultipleKeys { first_line: n + 1, second_line: m + 1 });
    }
    let key = parse_line(line).map_err(|e| err(format!("line {}: {e}", n + 1)))?;
    finish(key, KeySource::PublicKey, "OpenSSH public key")
}

fn as_text(input: &[u8]) -> Result<&str, KeyError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|_| err("the input is binary data, not a text key file"))?;
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(err("the input contains control characters: it is not a text key file"));
    }
    Ok(text)
}

/// `openssl ecparam -genkey` writes an `EC PARAMETERS` block before the `EC PRIVATE KEY`
/// unless given `-noout`; OpenSSH skips it, and so do we.
fn skip_ec_parameters(text: &str) -> Result<&str, KeyError> {
    const BEGIN: &str = "-----BEGIN EC PARAMETERS-----";
    const END: &str = "-----END EC PARAMETERS-----";
    let t = text.trim_start();
    if !t.starts_with(BEGIN) {
        return Ok(text);
    }
    let rest = match t.find(END) {
        Some(i) => &t[i + END.len()..],
        None => return Err(err("the EC PARAMETERS block is not closed: the file is truncated")),
    };
    if rest.trim().is_empty() {
        return Err(err("the file holds only EC parameters, no key (`openssl ecparam -genkey` writes the key)"));
    }
    Ok(rest)
}

fn finish(mut key: PublicKey, source: KeySource, format: &'static str) -> Result<ParsedKey, KeyError> {
    let comment = tidy_comment(key.comment());
    key.set_comment(comment);
    let info = KeyInfo::from_public(&key)?;
    Ok(ParsedKey { key, info, source, format })
}

/// A comment as it can be written back: one line (the `authorized_keys` form keeps it
/// on the key's line), no control characters (they would reach terminals from `key
/// show`), no spaces at the ends (an OpenSSH line cannot keep them). RFC 4716 headers
/// (`Comment: " x "`) and OpenSSH private key files can hold any of these. Tabs stay.
fn tidy_comment(comment: &str) -> String {
    let spaced: String = comment.chars().map(|c| if c.is_control() && c != '\t' { ' ' } else { c }).collect();
    // A zero-width no-break space (U+FEFF, a byte order mark) at an end goes too: a
    // key line is read with it trimmed, so a comment ending in one would not read back.
    spaced.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_string()
}

fn check_algorithm(k: &KeyData) -> Result<(), KeyError> {
    match k {
        KeyData::Other(_) => Err(err(format!("unknown key algorithm '{}'", k.algorithm().as_str()))),
        _ => Ok(()),
    }
}

fn parse_pem(body: &str, first: &str) -> Result<ParsedKey, KeyError> {
    let label = first.trim_start_matches("-----BEGIN ").trim_end_matches('-').trim();
    let private = |encrypted| KeySource::PrivateKey { encrypted };
    match label {
        "OPENSSH PRIVATE KEY" => {
            let (key, encrypted) = match ssh_key::PrivateKey::from_openssh(body.trim()) {
                Ok(k) => (k.public_key().clone(), k.is_encrypted()),
                Err(e) => (
                    openssh_ecdsa_public(body)
                        .ok_or_else(|| err(format!("the OpenSSH private key is truncated or corrupted ({e})")))?,
                    false,
                ),
            };
            check_algorithm(key.key_data())?;
            finish(key, private(encrypted), "OpenSSH private key")
        }
        "ENCRYPTED PRIVATE KEY" => Err(err(
            "this PKCS#8 private key is encrypted; import its .pub file instead, or decrypt a copy with `openssl pkey`",
        )),
        "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" if body.contains("Proc-Type:") => Err(err(
            "this PEM private key is encrypted with a legacy passphrase; import its .pub file instead, or convert it with `ssh-keygen -p -f FILE`",
        )),
        "DSA PRIVATE KEY" => Err(err("DSA private keys are not supported; import the .pub file instead")),
        "CERTIFICATE" => Err(err("this is an X.509 certificate, not an SSH key")),
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "PUBLIC KEY" | "RSA PUBLIC KEY" => {
            let (pem_label, der) = pem::decode_pem(body.trim())?;
            if pem_label != label {
                return Err(err(format!("the PEM block starts as {label} but ends as {pem_label}")));
            }
            let (data, source, format) = match label {
                "PRIVATE KEY" => (pem::key_data_from_pkcs8_private(&der)?, private(false), "PKCS#8 private key"),
                "RSA PRIVATE KEY" => (pem::key_data_from_pkcs1_private(&der)?, private(false), "PKCS#1 RSA private key"),
                "EC PRIVATE KEY" => (pem::key_data_from_sec1_private(&der)?, private(false), "SEC1 EC private key"),
                "PUBLIC KEY" => (pem::key_data_from_spki(&der)?, KeySource::PublicKey, "PEM public key"),
                _ => (pem::key_data_from_pkcs1_public(&der)?, KeySource::PublicKey, "PKCS#1 RSA public key"),
            };
            finish(PublicKey::new(data, ""), source, format)
        }
        other => Err(err(format!("unsupported PEM block '{other}': expected a public or private key"))),
    }
}

/// ssh-key 0.6.7 refuses unencrypted OpenSSH ECDSA private keys whose secret scalar has
/// leading zero bytes, which OpenSSH strips (an mpint is minimal): about half of the P-521
/// keys `ssh-keygen` makes, and 1 in 256 P-256/P-384 keys. For those, read the public half
/// from the file ourselves, after checking that the private scalar really belongs to it.
fn openssh_ecdsa_public(body: &str) -> Option<PublicKey> {
    openssh_ecdsa_parts(body).map(|(key, _)| key)
}

/// The public key (with its comment) and the private scalar (big-endian, wiped on drop)
/// of an unencrypted OpenSSH ECDSA private key, read without ssh-key (see
/// [`openssh_ecdsa_public`]); `None` unless the scalar belongs to the public key.
pub(crate) fn openssh_ecdsa_parts(body: &str) -> Option<(PublicKey, Zeroizing<Vec<u8>>)> {
    use base64ct::{Base64, Encoding};
    use ssh_key::public::EcdsaPublicKey;

    // The base64 of the private key file, secret scalar included: wiped on drop too.
    let b64: Zeroizing<String> = body
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .skip(1)
        .take_while(|l| !l.starts_with("-----END "))
        .collect::<String>()
        .into();
    let raw = Zeroizing::new(Base64::decode_vec(&b64).ok()?);
    let mut r = Reader(raw.strip_prefix(b"openssh-key-v1\0".as_slice())?);
    if r.string()? != b"none" || r.string()? != b"none" || !r.string()?.is_empty() {
        return None;
    }
    if r.u32()? != 1 {
        return None;
    }
    let public_blob = r.string()?;
    let mut private = Reader(r.string()?);
    if !r.rest().is_empty() || private.u32()? != private.u32()? {
        return None;
    }
    let mut key = PublicKey::from_bytes(public_blob).ok()?;
    let KeyData::Ecdsa(ec) = key.key_data() else { return None };
    // The private section repeats the key type, curve and public point, then the scalar.
    let mut public_fields = Reader(public_blob);
    for _ in 0..3 {
        if private.string()? != public_fields.string()? {
            return None;
        }
    }
    let d = private.positive_mpint()?;
    let kp = super::private::ecdsa_keypair(ec, d).ok()?;
    if EcdsaPublicKey::from(&kp) != *ec {
        return None;
    }
    let comment = std::str::from_utf8(private.string()?).ok()?.to_string();
    // Then padding 1, 2, 3, ... up to the cipher block size.
    let padding = private.rest();
    if padding.len() >= 16 || padding.iter().enumerate().any(|(i, b)| *b as usize != i + 1) {
        return None;
    }
    key.set_comment(comment);
    Some((key, Zeroizing::new(kp.private_key_bytes().to_vec())))
}

fn check_line_text(line: &str) -> Result<(), String> {
    match line.chars().find(|c| c.is_control() && *c != '\t') {
        Some(c) => Err(format!("the line contains a control character ({c:?}): it is not a key line")),
        None => Ok(()),
    }
}

/// Parses one `authorized_keys`-style line: `[options] TYPE BASE64 [COMMENT]`.
fn parse_line(line: &str) -> Result<PublicKey, String> {
    parse_authorized_line(line).map(|(_, key)| key)
}

/// Parses one `authorized_keys` line into its options field (empty when none, as
/// written) and its key (with the comment). The error says what is wrong in words.
pub fn parse_authorized_line(line: &str) -> Result<(String, PublicKey), String> {
    use base64ct::Encoding;
    let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let (first, _) = first_token(line);
    let has_options = !(is_key_type(first) || is_cert_type(first));
    let rest = if has_options { skip_options(line)? } else { line };
    let options = line[..line.len() - rest.len()].trim().to_string();
    let (ktype, rest) = first_token(rest);
    if is_cert_type(ktype) {
        return Err(format!("'{ktype}' is an SSH certificate, not a key pair; import the plain public key"));
    }
    if !is_key_type(ktype) {
        // `ssh-foo AAAA..`: the first word was not an options field but an unknown
        // algorithm; name it rather than the base64 after it.
        let named = if has_options && !looks_like_options(first) { first } else { ktype };
        let shown: String = named.chars().take(40).collect();
        return Err(format!(
            "unknown key type '{shown}' (expected ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa or ssh-dss)"
        ));
    }
    let (b64, comment) = first_token(rest);
    if b64.is_empty() {
        return Err(format!("'{ktype}' is not followed by the base64 key data"));
    }
    // The base64 is decoded once, and the type inside the data is compared with the
    // type word here, so a mismatch is named rather than reported as corruption.
    let corrupted =
        || format!("the {ktype} key data is truncated or corrupted (its base64 does not decode to a valid key)");
    let blob = base64ct::Base64::decode_vec(b64).map_err(|_| corrupted())?;
    let mut key = PublicKey::from_bytes(&blob).map_err(|_| corrupted())?;
    let inner = key.algorithm();
    if inner.as_str() != ktype {
        return Err(format!("the line says '{ktype}' but the key data is '{}'", inner.as_str()));
    }
    key.set_comment(tidy_comment(comment));
    Ok((options, key))
}

fn first_token(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

fn is_key_type(t: &str) -> bool {
    KEY_TYPES.contains(&t)
}

/// Whether an `authorized_keys` first field is an options list rather than a key type.
fn looks_like_options(field: &str) -> bool {
    const FLAGS: &[&str] = &[
        "agent-forwarding",
        "cert-authority",
        "no-agent-forwarding",
        "no-port-forwarding",
        "no-pty",
        "no-user-rc",
        "no-x11-forwarding",
        "port-forwarding",
        "pty",
        "restrict",
        "user-rc",
        "x11-forwarding",
        "no-touch-required",
        "verify-required",
    ];
    field.contains(['=', '"', ',']) || FLAGS.contains(&field.to_ascii_lowercase().as_str())
}

fn is_cert_type(t: &str) -> bool {
    t.ends_with("-cert-v01@openssh.com")
}

/// Skips an `authorized_keys` options field, which may contain quoted values with spaces
/// and escaped quotes (`command="echo \"hi\"",no-pty`).
fn skip_options(line: &str) -> Result<&str, String> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => return Ok(&line[i..]),
            _ => {}
        }
    }
    if in_quotes {
        return Err("an option has an unclosed quote".into());
    }
    let shown: String = line.chars().take(40).collect();
    Err(format!("'{shown}' is not a key: expected 'TYPE BASE64 [COMMENT]'"))
}

/// One key found by bulk import.
#[derive(Debug, Clone)]
pub struct BulkEntry {
    /// 1-based line number in the input.
    pub line: usize,
    pub key: PublicKey,
    pub info: KeyInfo,
}

/// A line bulk import could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkLineError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for BulkLineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads an `authorized_keys`-style file: every non-blank, non-`#` line must be a key.
/// Returns the keys read and every line that failed; the caller decides whether one bad
/// line refuses the whole file. No size cap: 100,000 keys is a normal case.
pub fn parse_bulk(input: &[u8]) -> Result<(Vec<BulkEntry>, Vec<BulkLineError>), KeyError> {
    // Large files are read on every core: each thread takes a run of whole lines.
    let threads = if input.len() < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS)
    };
    parse_bulk_on(input, threads)
}

/// [`parse_bulk`] on at most `threads` threads, whatever the size of the input, so
/// tests reach the parallel path with any number of runs on any machine.
fn parse_bulk_on(input: &[u8], threads: usize) -> Result<(Vec<BulkEntry>, Vec<BulkLineError>), KeyError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|_| err("the file is binary data, not a text key file"))?;
    let chunks = split_at_lines(text, threads);
    let parts = if chunks.len() <= 1 { vec![parse_lines(text, 0)] } else { parse_runs(&chunks, parse_lines)? };
    let mut entries = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    let mut errors = Vec::new();
    for (e, bad) in parts {
        entries.extend(e);
        errors.extend(bad);
    }
    if entries.is_empty() && errors.is_empty() {
        return Err(err("the file holds no keys"));
    }
    Ok((entries, errors))
}

/// What [`parse_lines`] returns for one run of lines.
type Parsed = (Vec<BulkEntry>, Vec<BulkLineError>);

/// Parses each run on a thread of its own, results in the order of the runs.
///
/// A worker that panics (a bug, whatever the input) becomes an error, so that a bulk
/// import fails with a message instead of taking the app or the CLI down with it. A
/// thread the system refuses to start leaves its run to the calling thread.
fn parse_runs<F>(runs: &[(usize, &str)], parse: F) -> Result<Vec<Parsed>, KeyError>
where
    F: Fn(&str, usize) -> Parsed + Sync,
{
    let parse = &parse;
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|&(first, run)| {
                std::thread::Builder::new()
                    .name("bulk-import".into())
                    .spawn_scoped(scope, move || parse(run, first))
                    .ok()
            })
            .collect();
        // Every worker is joined before any result is looked at: `scope` itself panics
        // at its end if a worker that panicked was left unjoined.
        let joined: Vec<_> = handles
            .into_iter()
            .zip(runs)
            .map(|(handle, &(first, run))| match handle {
                Some(h) => h.join().ok(),
                None => Some(parse(run, first)),
            })
            .collect();
        joined.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| {
            err("reading the file failed: a worker thread stopped unexpectedly (a bug in Keyshelf, please report it); nothing was imported")
        })
    })
}

/// Below this size one thread is quicker than starting others.
const PARALLEL_FROM: usize = 256 * 1024;
const MAX_THREADS: usize = 8;

/// Splits `text` into at most `n` runs of whole lines, each with the number of lines
/// before it.
fn split_at_lines(text: &str, n: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::with_capacity(n);
    let (mut rest, mut first) = (text, 0);
    for left in (1..=n).rev() {
        if rest.is_empty() && !out.is_empty() {
            break;
        }
        if left == 1 || rest.is_empty() {
            out.push((first, rest));
            break;
        }
        // `want` is a byte offset and may fall inside a multibyte character (a comment
        // in Japanese), where slicing the `str` panics; so the end of the line is
        // searched for in the bytes. A b'\n' byte is only ever a whole '\n' in UTF-8,
        // so the cut just after it is always on a character boundary.
        let want = rest.len() / left;
        let cut = match rest.as_bytes()[want..].iter().position(|&b| b == b'\n') {
            Some(i) => want + i + 1,
            None => rest.len(),
        };
        let (chunk, tail) = rest.split_at(cut);
        out.push((first, chunk));
        // A chunk before the last ends with its '\n', so it holds as many lines as '\n'
        // bytes, as `str::lines` counts them.
        first += chunk.bytes().filter(|&b| b == b'\n').count();
        rest = tail;
    }
    out
}

/// Parses the lines of `text`, numbering them from `first + 1`.
fn parse_lines(text: &str, first: usize) -> (Vec<BulkEntry>, Vec<BulkLineError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // As `parse_key` refuses a whole input with control characters, bulk import
        // refuses such a line: it is binary junk, or a comment that would reach the
        // inventory and terminals (`\r`, escape sequences).
        let parsed = check_line_text(line).and_then(|()| parse_line(line)).and_then(|key| {
            let info = KeyInfo::from_public(&key).map_err(|e| e.to_string())?;
            Ok((key, info))
        });
        let n = first + i + 1;
        match parsed {
            Ok((key, info)) => entries.push(BulkEntry { line: n, key, info }),
            Err(message) => errors.push(BulkLineError { line: n, message }),
        }
    }
    (entries, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_files_are_read_within_their_limit_and_never_loaded_beyond_it() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("pass");
        std::fs::write(&small, "correct horse\n").unwrap();
        assert_eq!(&**read_secret_file(&small, 64).unwrap(), b"correct horse\n");
        let big = dir.path().join("big");
        std::fs::File::create(&big).unwrap().set_len(65).unwrap();
        let e = read_secret_file(&big, 64).unwrap_err();
        assert!(matches!(e, KeyError::TooLarge { size: 65, limit: 64, .. }), "{e:?}");
        assert!(e.to_string().contains("never that large"), "{e}");
        let e = read_secret_file(dir.path(), 64).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
        let e = read_secret_file(&dir.path().join("none"), 64).unwrap_err();
        assert!(matches!(e, KeyError::Read { .. }), "{e:?}");
    }

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    #[test]
    fn options_with_quoted_spaces_and_crlf_bom() {
        let input = format!("\u{feff}\r\n\r\ncommand=\"echo \\\"hi there\\\"\",no-pty {ED} me@laptop\r\n\r\n");
        let k = parse_key(input.as_bytes()).unwrap();
        assert_eq!(k.info.comment, "me@laptop");
        assert_eq!(k.info.openssh, format!("{ED} me@laptop"));
    }

    #[test]
    fn certificates_and_unknown_types_are_rejected_with_line() {
        let e = parse_key(b"\n\nssh-ed25519-cert-v01@openssh.com AAAA x").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("certificate"), "{e}");
        let e = parse_key(b"ssh-foo AAAA").unwrap_err().to_string();
        assert!(e.contains("not a key") || e.contains("unknown"), "{e}");
    }

    #[test]
    fn unknown_algorithm_is_named() {
        let e = parse_key(b"ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIOMq x").unwrap_err().to_string();
        assert!(e.contains("unknown key type 'ssh-foo'"), "{e}");
        let e = parse_key(b"no-pty ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIOMq x").unwrap_err().to_string();
        assert!(e.contains("unknown key type 'ssh-foo'"), "{e}");
    }

    #[test]
    fn ec_parameters_block_is_skipped() {
        let e = parse_key(b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("only EC parameters"), "{e}");
    }

    #[test]
    fn truncated_key_data_is_rejected() {
        let cut = &ED[..ED.len() - 10];
        let e = parse_key(cut.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("truncated or corrupted"), "{e}");
    }

    #[test]
    fn mismatched_type_is_rejected() {
        let line = ED.replace("ssh-ed25519", "ssh-rsa");
        let e = parse_key(line.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("says 'ssh-rsa' but the key data is 'ssh-ed25519'"), "{e}");
    }

    #[test]
    fn binary_and_oversized_input_rejected() {
        assert!(parse_key(&[0u8, 159, 146, 150]).unwrap_err().to_string().contains("binary"));
        let big = vec![b'a'; MAX_SINGLE_KEY_BYTES + 1];
        assert!(parse_key(&big).unwrap_err().to_string().contains("1 MiB"));
    }

    #[test]
    fn bulk_reports_every_bad_line() {
        let input = format!("# keys\n{ED} a\nnot a key\n\n{ED} b\nssh-rsa AAAA\n");
        let (ok, bad) = parse_bulk(input.as_bytes()).unwrap();
        assert_eq!(ok.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(bad.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 6]);
    }

    #[test]
    fn line_runs_cover_the_text_and_count_lines() {
        let text = "a\r\nbb\n\nccc\ndddd\ne";
        for n in 1..=7 {
            let runs = split_at_lines(text, n);
            assert!(runs.len() <= n);
            assert_eq!(runs.iter().map(|r| r.1).collect::<String>(), text, "n = {n}");
            let mut at = 0;
            for (first, chunk) in &runs {
                assert!(!chunk.is_empty(), "n = {n}");
                assert_eq!(*first, text[..at].lines().count(), "n = {n}, chunk {chunk:?}");
                at += chunk.len();
            }
        }
    }

    /// Key lines whose comments are Japanese (and an emoji), then a last comment line
    /// padded so that the text is over [`PARALLEL_FROM`] and, for every thread count
    /// from 2 to 8, the byte offset where the first run should end falls inside a
    /// multibyte character. Returns the text and its number of key lines.
    fn japanese_file() -> (String, usize) {
        let mut text = String::new();
        let mut keys = 0;
        while text.len() < PARALLEL_FROM + 4096 {
            keys += 1;
            text.push_str(&format!("{ED} 鍵{keys}：開発チームの🔑{}\n", "東京オフィスのサーバー管理".repeat(20)));
        }
        text.push_str("# ");
        let inside = |t: &str| (2..=8).all(|n| !t.is_char_boundary(t.len() / n));
        while !inside(&text) {
            text.push('x');
        }
        (text, keys)
    }

    #[test]
    fn runs_cut_inside_a_multibyte_character_end_at_the_next_line() {
        let (text, _) = japanese_file();
        for n in 1..=8 {
            // Used to panic: `byte index .. is not a char boundary`.
            let runs = split_at_lines(&text, n);
            assert_eq!(runs.iter().map(|r| r.1).collect::<String>(), text, "n = {n}");
            let mut at = 0;
            for (first, run) in &runs {
                assert_eq!(*first, text[..at].lines().count(), "n = {n}");
                at += run.len();
                assert!(at == text.len() || run.ends_with('\n'), "n = {n}: a run ends inside a line");
            }
        }
    }

    #[test]
    fn a_large_file_with_multibyte_comments_reads_the_same_on_any_number_of_threads() {
        let (text, keys) = japanese_file();
        let lines = |v: &[BulkEntry]| v.iter().map(|e| (e.line, e.info.comment.clone())).collect::<Vec<_>>();
        let (one, bad) = parse_bulk_on(text.as_bytes(), 1).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(one.len(), keys);
        assert!(one
            .iter()
            .enumerate()
            .all(|(i, e)| e.line == i + 1 && e.info.comment.starts_with(&format!("鍵{}：", i + 1))));
        for n in 2..=8 {
            let (many, bad) = parse_bulk_on(text.as_bytes(), n).unwrap();
            assert!(bad.is_empty(), "n = {n}: {bad:?}");
            assert_eq!(lines(&many), lines(&one), "n = {n}");
        }
        // And through the public entry point, on however many cores this machine has.
        let (all, bad) = parse_bulk(text.as_bytes()).unwrap();
        assert!(bad.is_empty());
        assert_eq!(lines(&all), lines(&one));
    }

    #[test]
    fn a_worker_that_panics_is_an_error_not_a_crash() {
        let text = format!("{ED} a\n").repeat(6);
        let runs = split_at_lines(&text, 3);
        assert_eq!(runs.len(), 3);
        let parsed = parse_runs(&runs, |run, first| {
            if first > 0 {
                panic!("a bug in one worker");
            }
            parse_lines(run, first)
        });
        let e = parsed.unwrap_err().to_string();
        assert!(e.contains("worker thread stopped unexpectedly"), "{e}");
        // The other runs are still read when no worker fails.
        let parsed = parse_runs(&runs, parse_lines).unwrap();
        assert_eq!(parsed.iter().map(|p| p.0.len()).sum::<usize>(), 6);
    }

    #[test]
    fn several_keys_are_their_own_error_with_the_message_as_before() {
        let two = format!("# mine\n{ED} a\n\n{ED} b\n");
        let e = parse_key(two.as_bytes()).unwrap_err();
        assert!(matches!(e, KeyError::MultipleKeys { first_line: 2, second_line: 4 }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "the input holds more than one key (lines 2 and 4); import one key, or use bulk import for a whole authorized_keys file"
        );
    }

    #[test]
    fn a_large_file_read_in_parallel_matches_one_thread() {
        // Over the parallel threshold, with bad, blank, comment and CRLF lines spread
        // through it so some fall at the cuts.
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 3 * PARALLEL_FROM {
            match i % 7 {
                0 => text.push_str("not a key\n"),
                1 => text.push('\n'),
                2 => text.push_str("# comment\r\n"),
                _ => text.push_str(&format!("{ED} k{i}\r\n")),
            }
            i += 1;
        }
        let (ok, bad) = parse_bulk(text.as_bytes()).unwrap();
        let (ok1, bad1) = parse_lines(&text, 0);
        assert_eq!(bad, bad1);
        let lines = |v: &[BulkEntry]| v.iter().map(|e| (e.line, e.info.comment.clone())).collect::<Vec<_>>();
        assert_eq!(lines(&ok), lines(&ok1));
        assert_eq!(ok.len() + bad.len(), (0..i).filter(|j| j % 7 != 1 && j % 7 != 2).count());
        // Line numbers are those of the file.
        let nth = |n: usize| text.lines().nth(n - 1).unwrap().trim().to_string();
        assert!(bad.iter().all(|b| nth(b.line) == "not a key"));
        assert!(ok.iter().all(|e| nth(e.line).ends_with(&e.info.comment)));
    }
}

#[cfg(test)]
mod properties;
