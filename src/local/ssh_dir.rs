//! Finding the keys a person already has: scan an SSH folder (`~/.ssh`) for private keys
//! and public keys, pair each private key with its `.pub`, say what is wrong with them
//! (weak, readable by others), which the inventory already holds, and import the rest.
//!
//! The scan reads only the folder itself, never subfolders, and each file at most once.
//! Private key files are read into memory that is wiped afterwards and only their public
//! halves are kept; nothing secret is in the results. Files that are not keys (sockets,
//! `config`, `known_hosts`, junk, huge or unreadable files) are reported with a reason
//! and never fail the scan.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::inventory::{import_names, ImportKey, Inventory, InventoryError, KeyFilter, NewKeyPair, Origin};
use crate::keys::{self, KeyError, KeyInfo, KeySource};

/// Files larger than this are skipped unread: no key file comes near it.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The folder a scan looks at when none is given: `~/.ssh`.
pub fn default_dir() -> Option<PathBuf> {
    crate::paths::home_dir().map(|h| h.join(".ssh"))
}

/// What to look at besides key files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// List the keys of `authorized_keys` and `authorized_keys2` too. Off by default:
    /// they are the keys that may log in to this machine, usually other people's.
    pub authorized_keys: bool,
}

/// One key found in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundKey {
    /// The file the public key was read from: the `.pub` when there is one, else the
    /// private key file (or `authorized_keys`).
    pub path: PathBuf,
    /// The line of `path` the key is on, for a file of several keys (`authorized_keys`).
    pub line: Option<usize>,
    /// The private key file, if there is one.
    pub private_key_path: Option<PathBuf>,
    /// The permission bits of the private key file (e.g. `0o600`).
    pub private_key_mode: Option<u32>,
    /// The public key: type, size, comment, fingerprints, and whether it is weak.
    pub info: KeyInfo,
    /// A passphrase protects the private key.
    pub encrypted: bool,
    /// Nobody but the owner can read the private key file (no group or other bits);
    /// true when there is no private key. ssh refuses keys readable by others.
    pub mode_ok: bool,
    /// Other files in the folder holding the same public key (a second `.pub`, a line
    /// of `authorized_keys`).
    pub also_in_files: Vec<PathBuf>,
    /// A `.pub` named after this private key that holds another key (it is listed as a
    /// key of its own).
    pub mismatched_pub: Option<PathBuf>,
    /// Names of the inventory's key pairs holding this key, in any account; filled in
    /// by [`Scan::look_up`].
    pub in_inventory: Vec<String>,
}

impl FoundKey {
    pub fn fingerprint_sha256(&self) -> &str {
        &self.info.fingerprint_sha256
    }

    /// "ED25519", "RSA 3072", as `key list` prints it.
    pub fn type_label(&self) -> String {
        self.info.type_label()
    }

    /// RSA under 2048 bits, or DSA.
    pub fn weak(&self) -> bool {
        self.info.weak
    }

    /// The name an import falls back to when the comment gives none: the private key
    /// file's name, else the public key file's without `.pub` (not `authorized_keys`:
    /// it names no key).
    pub fn name_hint(&self) -> Option<String> {
        let file = match (&self.private_key_path, self.line) {
            (Some(p), _) => p,
            (None, None) => &self.path,
            (None, Some(_)) => return None,
        };
        let name = file.file_name()?.to_string_lossy().into_owned();
        Some(name.strip_suffix(".pub").map(str::to_string).unwrap_or(name))
    }
}

/// Why a file of the folder gave no key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Folder,
    /// A socket (an ssh control master's, an agent's), a FIFO or a device.
    NotAFile(&'static str),
    TooLarge(u64),
    Unreadable(String),
    KnownHosts,
    SshConfig,
    /// `authorized_keys` or `authorized_keys2`, not asked for.
    AuthorizedKeys,
    /// Several keys in one file other than `authorized_keys`.
    SeveralKeys(usize),
    /// A PEM private key whose public half cannot be read (`encrypted`: without its
    /// passphrase; else a PEM DSA key) and that has no `.pub` of its name next to it.
    NoPublicHalf {
        encrypted: bool,
    },
    NotAKey(String),
}

impl SkipReason {
    /// What the command line can do about it, as its own commands (the app offers its
    /// own ways: known_hosts cleanup, Import public key); `None` where nothing helps.
    pub fn cli_hint(&self) -> Option<&'static str> {
        match self {
            SkipReason::KnownHosts => Some("see `keyshelf known-hosts`"),
            SkipReason::AuthorizedKeys => Some("scan with --include-authorized-keys to list them"),
            SkipReason::SeveralKeys(_) => Some("import them with `keyshelf key import --all --file FILE`"),
            _ => None,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Folder => f.write_str("a folder (subfolders are not scanned)"),
            SkipReason::NotAFile(kind) => write!(f, "a {kind}, not a file"),
            SkipReason::TooLarge(n) => write!(f, "{n} bytes: larger than any key file (the limit is 1 MiB)"),
            SkipReason::Unreadable(e) => write!(f, "cannot read it: {e}"),
            SkipReason::KnownHosts => f.write_str("a known_hosts file (the servers' keys, not yours)"),
            SkipReason::SshConfig => f.write_str("ssh's configuration"),
            SkipReason::AuthorizedKeys => f.write_str("the keys that may log in to this machine"),
            SkipReason::SeveralKeys(n) => write!(f, "holds {n} keys: a list of keys, for a bulk import"),
            SkipReason::NoPublicHalf { encrypted } => write!(
                f,
                "{}, and no .pub of its name is next to it (make one with `ssh-keygen -y -f FILE > FILE.pub`)",
                if *encrypted {
                    "a PEM private key whose public key cannot be read without its passphrase"
                } else {
                    "a PEM DSA private key Keyshelf cannot read"
                }
            ),
            SkipReason::NotAKey(e) => write!(f, "not a key file ({e})"),
        }
    }
}

/// A file of the folder that gave no key, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: SkipReason,
}

/// What a scan found: keys sorted by path, and the files that gave none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The folder scanned, made absolute.
    pub dir: PathBuf,
    pub keys: Vec<FoundKey>,
    pub skipped: Vec<SkippedFile>,
}

impl Scan {
    /// Fills in [`FoundKey::in_inventory`] for every key (again, after an import).
    pub fn look_up(&mut self, inv: &Inventory) -> Result<(), InventoryError> {
        for k in &mut self.keys {
            k.in_inventory = inv.key_pair_names_with_fingerprint(&k.info.fingerprint_sha256)?;
        }
        Ok(())
    }
}

/// A folder that cannot be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{} is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("cannot read the folder {}: {source}", path.display())]
    ReadDir { path: PathBuf, source: std::io::Error },
}

/// Scans `dir` (not its subfolders). Only a folder that cannot be listed is an error;
/// every file that gives no key is in [`Scan::skipped`].
pub fn scan(dir: &Path, options: &ScanOptions) -> Result<Scan, ScanError> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let read_err = |source| ScanError::ReadDir { path: dir.clone(), source };
    match std::fs::metadata(&dir) {
        Ok(m) if !m.is_dir() => return Err(ScanError::NotAFolder(dir)),
        Ok(_) => {}
        Err(e) => return Err(read_err(e)),
    }
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(read_err)? {
        paths.push(entry.map_err(read_err)?.path());
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    let mut skipped = Vec::new();
    for path in paths {
        match read_file(&path, options) {
            Ok(found) => files.push((path, found)),
            Err(reason) => skipped.push(SkippedFile { path, reason }),
        }
    }
    let (keys, more_skipped) = pair_up(files);
    skipped.extend(more_skipped);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Scan { dir, keys, skipped })
}

/// What one file turned out to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileKeys {
    /// A private key. `info` is `None` when its public half cannot be read from the
    /// file; then only a `.pub` of the same name can give it.
    Private { info: Option<KeyInfo>, encrypted: bool, mode: Option<u32> },
    /// One public key (a `.pub`).
    Public(KeyInfo),
    /// The keys of an `authorized_keys` file, with their line numbers.
    Authorized(Vec<(usize, KeyInfo)>),
}

/// Skips by name what is never a key file of one's own.
fn skip_by_name(name: &str, options: &ScanOptions) -> Option<SkipReason> {
    match name {
        "config" => Some(SkipReason::SshConfig),
        "authorized_keys" | "authorized_keys2" if !options.authorized_keys => Some(SkipReason::AuthorizedKeys),
        n if n.starts_with("known_hosts") => Some(SkipReason::KnownHosts),
        _ => None,
    }
}

/// The words for a file type that is not a regular file or folder.
fn special_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_socket() {
            return "socket";
        }
        if t.is_fifo() {
            return "named pipe";
        }
        if t.is_block_device() || t.is_char_device() {
            return "device";
        }
    }
    let _ = t;
    "special file"
}

/// Reads and parses one file of the folder.
fn read_file(path: &Path, options: &ScanOptions) -> Result<FileKeys, SkipReason> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(r) = skip_by_name(&name, options) {
        return Err(r);
    }
    // The type is checked before opening: opening a named pipe would wait for a writer.
    let meta = std::fs::metadata(path).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
    if meta.is_dir() {
        return Err(SkipReason::Folder);
    }
    if !meta.is_file() {
        return Err(SkipReason::NotAFile(special_kind(&meta.file_type())));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(SkipReason::TooLarge(meta.len()));
    }
    let bytes = read_small(path, meta.len())?;
    if name.starts_with("authorized_keys") {
        return parse_authorized(&bytes);
    }
    match keys::parse_key(&bytes) {
        Ok(k) => match k.source {
            KeySource::PublicKey => Ok(FileKeys::Public(k.info)),
            KeySource::PrivateKey { encrypted } => {
                Ok(FileKeys::Private { info: Some(k.info), encrypted, mode: file_mode(&meta) })
            }
        },
        Err(KeyError::MultipleKeys { .. }) => match keys::parse_bulk(&bytes) {
            Ok((found, _)) => Err(SkipReason::SeveralKeys(found.len())),
            Err(e) => Err(SkipReason::NotAKey(e.to_string())),
        },
        Err(e) => match sealed_pem(&bytes) {
            Some(encrypted) => Ok(FileKeys::Private { info: None, encrypted, mode: file_mode(&meta) }),
            None => Err(SkipReason::NotAKey(e.to_string())),
        },
    }
}

/// Reads a file of at most [`MAX_FILE_BYTES`] into memory that is wiped when dropped (it
/// may be a private key). The buffer is sized up front so that it never grows, which
/// would leave copies of the key behind in freed memory.
fn read_small(path: &Path, len: u64) -> Result<Zeroizing<Vec<u8>>, SkipReason> {
    let unreadable = |e: std::io::Error| SkipReason::Unreadable(e.to_string());
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(len.min(MAX_FILE_BYTES) as usize + 1));
    // One byte more than the limit tells a file that grew since it was measured.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SkipReason::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

fn parse_authorized(bytes: &[u8]) -> Result<FileKeys, SkipReason> {
    match keys::parse_bulk(bytes) {
        Ok((found, _)) if !found.is_empty() => {
            Ok(FileKeys::Authorized(found.into_iter().map(|e| (e.line, e.info)).collect()))
        }
        Ok((_, bad)) => Err(SkipReason::NotAKey(
            bad.first().map_or_else(|| "no key in it".to_string(), |b| format!("no readable key ({b})")),
        )),
        Err(e) => Err(SkipReason::NotAKey(e.to_string())),
    }
}

/// The permission bits of a file, where the system has them.
fn file_mode(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Whether a private key file with these permission bits is private: no bit for the
/// group or others, as ssh requires (0600, 0400 and 0700 are all fine).
pub fn mode_ok(mode: u32) -> bool {
    crate::secure_file::is_private_mode(mode)
}

/// A PEM private key whose public half cannot be read from the file: `Some(true)` when
/// a passphrase encrypts it (PKCS#8 `ENCRYPTED PRIVATE KEY`, or a legacy `Proc-Type:
/// 4,ENCRYPTED` PKCS#1/SEC1/DSA block), `Some(false)` for an unencrypted PEM DSA key.
fn sealed_pem(bytes: &[u8]) -> Option<bool> {
    let text = std::str::from_utf8(bytes).ok()?;
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let label = first.strip_prefix("-----BEGIN ")?.strip_suffix("-----")?;
    match label {
        "ENCRYPTED PRIVATE KEY" => Some(true),
        "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" if text.contains("Proc-Type:") => Some(true),
        "DSA PRIVATE KEY" => Some(false),
        _ => None,
    }
}

/// `PATH.pub`.
pub(crate) fn pub_of(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// A public key read from a file, waiting to be paired.
struct PublicFile {
    path: PathBuf,
    /// Its line, in a file of several keys.
    line: Option<usize>,
    info: KeyInfo,
    /// A `.pub`-style file of one key (an `authorized_keys` line never is the `.pub` of a
    /// private key: it only counts as another file holding it).
    single: bool,
    claimed: bool,
}

/// Pairs private keys with their public keys, by public key: a private key gets the
/// `.pub` of the same name when it holds the same key, else any `.pub` holding the same
/// key. A private key whose public half is unreadable (an encrypted PEM key) can only
/// get the `.pub` of its name; without one it is skipped. The public keys left over are
/// keys of their own, one per fingerprint. Returns keys sorted by path.
fn pair_up(files: Vec<(PathBuf, FileKeys)>) -> (Vec<FoundKey>, Vec<SkippedFile>) {
    let mut publics = Vec::new();
    let mut privates = Vec::new();
    for (path, found) in files {
        match found {
            FileKeys::Public(info) => publics.push(PublicFile { path, line: None, info, single: true, claimed: false }),
            FileKeys::Authorized(infos) => publics.extend(infos.into_iter().map(|(line, info)| PublicFile {
                path: path.clone(),
                line: Some(line),
                info,
                single: false,
                claimed: false,
            })),
            FileKeys::Private { info, encrypted, mode } => privates.push((path, info, encrypted, mode)),
        }
    }
    let private_key = |path: &Path, info: KeyInfo, encrypted: bool, mode: Option<u32>| FoundKey {
        path: path.to_path_buf(),
        line: None,
        private_key_path: Some(path.to_path_buf()),
        private_key_mode: mode,
        info,
        encrypted,
        mode_ok: mode.is_none_or(mode_ok),
        also_in_files: Vec::new(),
        mismatched_pub: None,
        in_inventory: Vec::new(),
    };
    let mut keys: Vec<FoundKey> = Vec::new();
    let mut skipped = Vec::new();
    // Pass 1: the `.pub` of the same name.
    let mut unpaired = Vec::new();
    for (path, info, encrypted, mode) in privates {
        let named = publics.iter().position(|p| p.single && !p.claimed && p.path == pub_of(&path));
        match (info, named) {
            (Some(info), Some(i)) if publics[i].info.fingerprint_sha256 == info.fingerprint_sha256 => {
                publics[i].claimed = true;
                keys.push(with_public(private_key(&path, info, encrypted, mode), &publics[i]));
            }
            (Some(info), named) => {
                let mut k = private_key(&path, info, encrypted, mode);
                k.mismatched_pub = named.map(|i| publics[i].path.clone());
                unpaired.push(keys.len());
                keys.push(k);
            }
            (None, Some(i)) => {
                publics[i].claimed = true;
                let k = private_key(&path, publics[i].info.clone(), encrypted, mode);
                keys.push(with_public(k, &publics[i]));
            }
            (None, None) => skipped.push(SkippedFile { path, reason: SkipReason::NoPublicHalf { encrypted } }),
        }
    }
    // Pass 2: any `.pub` holding the same key.
    for i in unpaired {
        let fp = &keys[i].info.fingerprint_sha256;
        if let Some(p) = publics.iter_mut().find(|p| p.single && !p.claimed && &p.info.fingerprint_sha256 == fp) {
            p.claimed = true;
            keys[i] = with_public(keys[i].clone(), p);
        }
    }
    // The rest: another file holding a key already found, or a key of its own. A `.pub`
    // comes before an `authorized_keys` line holding the same key, and gives its path.
    let (singles, lines): (Vec<_>, Vec<_>) = publics.into_iter().filter(|p| !p.claimed).partition(|p| p.single);
    for p in singles.into_iter().chain(lines) {
        match keys.iter_mut().find(|k| k.info.fingerprint_sha256 == p.info.fingerprint_sha256) {
            Some(k) => {
                if k.path != p.path && !k.also_in_files.contains(&p.path) {
                    k.also_in_files.push(p.path);
                }
            }
            None => keys.push(FoundKey {
                path: p.path,
                line: p.line,
                private_key_path: None,
                private_key_mode: None,
                info: p.info,
                encrypted: false,
                mode_ok: true,
                also_in_files: Vec::new(),
                mismatched_pub: None,
                in_inventory: Vec::new(),
            }),
        }
    }
    keys.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    (keys, skipped)
}

/// A private key paired with its `.pub`: the `.pub` gives the path, and its comment when
/// it has one (PEM private keys have none; an encrypted OpenSSH key hides its own).
fn with_public(mut k: FoundKey, p: &PublicFile) -> FoundKey {
    k.path = p.path.clone();
    if !p.info.comment.is_empty() {
        k.info.comment = p.info.comment.clone();
        k.info.openssh = p.info.openssh.clone();
    }
    k
}

/// What importing one found key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Added as a new key pair with this name.
    Imported {
        name: String,
    },
    /// The inventory already holds it under these names; `private_key_saved` names those
    /// that did not know their private key file and now do.
    AlreadyPresent {
        names: Vec<String>,
        private_key_saved: Vec<String>,
    },
    Failed {
        reason: String,
    },
}

impl ImportOutcome {
    /// The name of the new key pair, if one was added.
    pub fn imported_name(&self) -> Option<&str> {
        match self {
            ImportOutcome::Imported { name } => Some(name),
            _ => None,
        }
    }

    /// One word for scripts: `imported`, `present` or `failed`.
    pub fn status(&self) -> &'static str {
        match self {
            ImportOutcome::Imported { .. } => "imported",
            ImportOutcome::AlreadyPresent { .. } => "present",
            ImportOutcome::Failed { .. } => "failed",
        }
    }
}

impl fmt::Display for ImportOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportOutcome::Imported { name } => write!(f, "imported as {name}"),
            ImportOutcome::AlreadyPresent { names, private_key_saved } => {
                write!(f, "already in the inventory as {}", names.join(", "))?;
                if !private_key_saved.is_empty() {
                    write!(f, " (its private key file is now remembered)")?;
                }
                Ok(())
            }
            ImportOutcome::Failed { reason } => write!(f, "failed: {reason}"),
        }
    }
}

/// Imports found keys, one result per key in the same order. A key the inventory
/// already holds (in `account` when one is given, else in any account) is not added
/// again; those of its key pairs that do not know a private key file learn this one.
/// New key pairs are named after the comment, else the file name, made unique in the
/// target scope as every import does, and remember their private key file (only its
/// path: the key itself never enters the inventory). Each key is added on its own: one
/// refused key does not stop the others. The error is for an unknown account or an
/// inventory that cannot be read.
pub fn import(
    inv: &mut Inventory,
    keys: &[FoundKey],
    account: Option<&str>,
) -> Result<Vec<ImportOutcome>, InventoryError> {
    if let Some(a) = account {
        inv.account(a)?;
    }
    let taken = names_in_scope(inv, account)?;
    let candidates = candidates(keys);
    let names = import_names(&candidates, None, |n| taken.contains(n));
    let mut out = Vec::with_capacity(keys.len());
    for (c, name) in candidates.into_iter().zip(names) {
        out.push(import_one(inv, c, name, account).unwrap_or_else(|e| ImportOutcome::Failed { reason: e.to_string() }));
    }
    Ok(out)
}

fn candidates(keys: &[FoundKey]) -> Vec<ImportKey> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let mut c = ImportKey::new(i + 1, k.info.clone());
            c.name_hint = k.name_hint();
            c.private_key_path = k.private_key_path.as_ref().map(|p| p.to_string_lossy().into_owned());
            c
        })
        .collect()
}

/// The names [`import`] gives `keys` when `taken` says which names the target scope
/// already holds: for a preview of the import.
pub fn import_names_for(keys: &[FoundKey], taken: impl Fn(&str) -> bool) -> Vec<String> {
    import_names(&candidates(keys), None, taken)
}

/// The key pair names taken in the scope new key pairs go to (the account, no region).
fn names_in_scope(inv: &Inventory, account: Option<&str>) -> Result<HashSet<String>, InventoryError> {
    let filter = KeyFilter { account: account.map(str::to_string), region: Some(String::new()), search: None };
    let mut taken = HashSet::new();
    inv.for_each_key(&filter, |k| {
        if k.account.as_deref() == account {
            taken.insert(k.name);
        }
        Ok::<_, InventoryError>(())
    })?;
    Ok(taken)
}

fn import_one(
    inv: &mut Inventory,
    c: ImportKey,
    name: String,
    account: Option<&str>,
) -> Result<ImportOutcome, InventoryError> {
    let fp = c.info.fingerprint_sha256.clone();
    // Read again for every key: an earlier one of this import may be the same key.
    let present = inv.keys_with_fingerprint(&fp, account)?;
    if !present.is_empty() {
        let mut private_key_saved = Vec::new();
        if let Some(p) = &c.private_key_path {
            for k in present.iter().filter(|k| k.private_key_path.is_none()) {
                inv.set_private_key_path(k.id, p)?;
                private_key_saved.push(k.name.clone());
            }
        }
        return Ok(ImportOutcome::AlreadyPresent {
            names: present.into_iter().map(|k| k.name).collect(),
            private_key_saved,
        });
    }
    let new = NewKeyPair {
        name,
        description: String::new(),
        account: account.map(str::to_string),
        region: String::new(),
        info: c.info,
        origin: Origin::Imported,
        private_key_path: c.private_key_path,
        tags: Vec::new(),
    };
    let k = inv.add_key(&new)?;
    Ok(ImportOutcome::Imported { name: k.name })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const ED_B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK";

    fn info(line: &str, comment: &str) -> KeyInfo {
        let k = ssh_key::PublicKey::from_openssh(&format!("{line} {comment}")).unwrap();
        KeyInfo::from_public(&k).unwrap()
    }

    fn private(info: Option<KeyInfo>, mode: u32) -> FileKeys {
        let encrypted = info.is_none();
        FileKeys::Private { info, encrypted, mode: Some(mode) }
    }

    fn p(name: &str) -> PathBuf {
        PathBuf::from("/s").join(name)
    }

    #[test]
    fn modes_without_group_or_other_bits_are_private() {
        for m in [0o600, 0o400, 0o700, 0o100600] {
            assert!(mode_ok(m), "{m:o}");
        }
        for m in [0o644, 0o640, 0o604, 0o660, 0o601, 0o100644] {
            assert!(!mode_ok(m), "{m:o}");
        }
    }

    #[test]
    fn names_that_are_never_key_files_are_skipped_unread() {
        let plain = ScanOptions::default();
        let with = ScanOptions { authorized_keys: true };
        assert_eq!(skip_by_name("config", &plain), Some(SkipReason::SshConfig));
        for n in ["known_hosts", "known_hosts.old", "known_hosts2"] {
            assert_eq!(skip_by_name(n, &with), Some(SkipReason::KnownHosts), "{n}");
        }
        for n in ["authorized_keys", "authorized_keys2"] {
            assert_eq!(skip_by_name(n, &plain), Some(SkipReason::AuthorizedKeys), "{n}");
            assert_eq!(skip_by_name(n, &with), None, "{n}");
        }
        for n in ["id_ed25519", "id_rsa.pub", "config.pub", "my_known_hosts_key"] {
            assert_eq!(skip_by_name(n, &plain), None, "{n}");
        }
    }

    #[test]
    fn pem_keys_whose_public_half_is_sealed_are_recognised() {
        assert_eq!(sealed_pem(b"\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nMII\n"), Some(true));
        let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nx\n";
        assert_eq!(sealed_pem(legacy), Some(true));
        assert_eq!(sealed_pem(b"-----BEGIN DSA PRIVATE KEY-----\nMII\n"), Some(false));
        for readable in [
            &b"-----BEGIN RSA PRIVATE KEY-----\nMII\n"[..],
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n",
            b"-----BEGIN PRIVATE KEY-----\nMC4\n",
            b"junk",
            b"\xff\xfe",
        ] {
            assert_eq!(sealed_pem(readable), None, "{}", String::from_utf8_lossy(readable));
        }
    }

    #[test]
    fn a_private_key_and_its_pub_are_one_key_matched_by_public_key() {
        let a = info(ED_A, "alice@laptop");
        let b = info(ED_B, "bob@desk");
        let files = vec![
            // m1's .pub holds another key (m2's); m2 has no .pub of its own name.
            (p("m1"), private(Some(info(ED_A, "")), 0o600)),
            (p("m1.pub"), FileKeys::Public(b.clone())),
            (p("m2"), private(Some(info(ED_B, "")), 0o644)),
            // m1's key in a .pub of another name, and m2's in authorized_keys.
            (p("copy.pub"), FileKeys::Public(a.clone())),
            (p("authorized_keys"), FileKeys::Authorized(vec![(1, b.clone())])),
        ];
        let (keys, skipped) = pair_up(files);
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(keys.len(), 2, "{keys:#?}");
        // Sorted by path.
        let (k1, k2) = (&keys[0], &keys[1]);
        assert_eq!(
            (k1.path.as_path(), k1.private_key_path.as_deref()),
            (p("copy.pub").as_path(), Some(p("m1").as_path()))
        );
        assert_eq!(k1.mismatched_pub, Some(p("m1.pub")));
        assert!(k1.also_in_files.is_empty());
        assert_eq!(k1.info.comment, "alice@laptop");
        assert!(k1.mode_ok);
        assert_eq!(
            (k2.path.as_path(), k2.private_key_path.as_deref()),
            (p("m1.pub").as_path(), Some(p("m2").as_path()))
        );
        assert_eq!(k2.info.comment, "bob@desk", "the .pub's comment wins over the empty one");
        assert_eq!(k2.info.fingerprint_sha256, b.fingerprint_sha256);
        assert_eq!(k2.also_in_files, vec![p("authorized_keys")]);
        assert_eq!((k2.private_key_mode, k2.mode_ok), (Some(0o644), false));
        assert_eq!(k2.name_hint().as_deref(), Some("m2"));
    }

    #[test]
    fn a_sealed_private_key_needs_the_pub_of_its_name() {
        let a = info(ED_A, "alice@laptop");
        let other = KeyInfo::from_public(&ssh_key::PublicKey::new(
            ssh_key::public::KeyData::Ed25519(ssh_key::public::Ed25519PublicKey([7; 32])),
            "carol",
        ))
        .unwrap();
        let files = vec![
            (p("sealed.pem"), private(None, 0o600)),
            (p("sealed.pem.pub"), FileKeys::Public(a.clone())),
            (p("lost.pem"), private(None, 0o600)),
            (p("lone.pub"), FileKeys::Public(info(ED_B, "b"))),
            // Before lone.pub in path order, but the .pub gives the key its path.
            (
                p("authorized_keys"),
                FileKeys::Authorized(vec![
                    (2, info(ED_B, "b")),
                    (3, info(ED_A, "x")),
                    (4, other.clone()),
                    (5, info(ED_B, "y")),
                ]),
            ),
        ];
        let (keys, skipped) = pair_up(files);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!(skipped[0].path, p("lost.pem"));
        assert_eq!(skipped[0].reason, SkipReason::NoPublicHalf { encrypted: true });
        let paths: Vec<_> = keys.iter().map(|k| (k.path.clone(), k.line)).collect();
        assert_eq!(paths, vec![(p("authorized_keys"), Some(4)), (p("lone.pub"), None), (p("sealed.pem.pub"), None)]);
        assert_eq!(keys[0].info, other);
        assert_eq!(keys[0].name_hint(), None);
        assert_eq!(keys[1].private_key_path, None);
        assert!(keys[1].mode_ok);
        assert_eq!(keys[1].also_in_files, vec![p("authorized_keys")], "one entry, however many lines");
        assert_eq!(keys[1].name_hint().as_deref(), Some("lone"));
        assert_eq!(keys[2].private_key_path, Some(p("sealed.pem")));
        assert!(keys[2].encrypted);
        assert_eq!(keys[2].info, a);
        assert_eq!(keys[2].also_in_files, vec![p("authorized_keys")]);
    }
}
