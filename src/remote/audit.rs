//! The audit of a host's authorized_keys, in the same three phases as the other
//! operations: the host read from the inventory ([`HostPlan::read`]), its file read over
//! ssh without changing it ([`read_authorized_keys`]), each key named from the inventory
//! ([`name_entries`]) and, on request, the unknown ones imported ([`import_unknown`]).

use serde::Serialize;

use super::authorized_keys::{self, Entry};
use super::ops::{login_identities, HostPlan, Remote};
use super::session::{RemoteFile, Session};
use super::RemoteError;
use crate::inventory::{ImportKey, Inventory, Scope};

/// One line of a host's authorized_keys as the audit shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub line: usize,
    pub fingerprint_sha256: String,
    #[serde(rename = "type")]
    pub key_type: String,
    pub comment: String,
    pub options: String,
    /// The inventory key pair it is (in any account), or `None`: unknown.
    pub key_pair: Option<String>,
    /// Every inventory key pair with this key, when there are several.
    pub key_pairs: Vec<String>,
    /// The whole key line without options, for importing it.
    #[serde(skip)]
    pub openssh: String,
}

/// What a host's authorized_keys holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub entries: Vec<AuditEntry>,
    /// Lines that are not keys Keyshelf can read (kept on the server as they are).
    pub unreadable: Vec<authorized_keys::Unreadable>,
    pub file_present: bool,
}

/// Reads a host's authorized_keys, changing nothing: the audit's ssh work.
pub fn read_authorized_keys(remote: &Remote, hp: &HostPlan) -> Result<RemoteFile, RemoteError> {
    let host_failed = |failure| RemoteError::Host { host: hp.host.name.clone(), failure };
    let ids = login_identities(remote, hp, None);
    let (session, file) =
        Session::open(&remote.ssh, &hp.endpoint(), &ids, &hp.host.authorized_keys).map_err(host_failed)?;
    session.keep().map_err(host_failed)?;
    Ok(file)
}

/// Names each key of a host's authorized_keys from the inventory.
pub fn name_entries(inv: &Inventory, file: &RemoteFile) -> Result<Audit, RemoteError> {
    let (found, unreadable) = authorized_keys::entries(&file.content);
    let mut entries = Vec::with_capacity(found.len());
    for Entry { line, options, algorithm, fingerprint_sha256, comment, openssh } in found {
        let key_pairs = inv.key_pair_names_with_fingerprint(&fingerprint_sha256)?;
        entries.push(AuditEntry {
            line,
            key_pair: key_pairs.first().cloned(),
            key_pairs,
            fingerprint_sha256,
            key_type: algorithm,
            comment,
            options,
            openssh,
        });
    }
    Ok(Audit { entries, unreadable, file_present: file.present })
}

/// Reads a host's authorized_keys and names each key.
pub fn audit(inv: &Inventory, remote: &Remote, host: &str) -> Result<Audit, RemoteError> {
    let hp = HostPlan::read(inv, host)?;
    let file = read_authorized_keys(remote, &hp)?;
    name_entries(inv, &file)
}

/// Adds the audited keys the inventory does not know (as key pairs outside any
/// account, named from their comments or after the host); returns `(line, name)` for
/// each and marks them in `audit`.
pub fn import_unknown(inv: &mut Inventory, audit: &mut Audit, host: &str) -> Result<Vec<(usize, String)>, RemoteError> {
    let unknown: Vec<ImportKey> = audit
        .entries
        .iter()
        .filter(|e| e.key_pair.is_none())
        .filter_map(|e| {
            let key = ssh_key::PublicKey::from_openssh(&e.openssh).ok()?;
            let info = crate::keys::KeyInfo::from_public(&key).ok()?;
            let mut k = ImportKey::new(e.line, info);
            k.name_hint = Some(host.to_string());
            Some(k)
        })
        .collect();
    if unknown.is_empty() {
        return Ok(Vec::new());
    }
    let rep = inv.import_bulk(&unknown, &Scope::default(), None, Vec::new())?;
    for (line, name) in &rep.imported {
        if let Some(e) = audit.entries.iter_mut().find(|e| e.line == *line) {
            e.key_pair = Some(name.clone());
            e.key_pairs = vec![name.clone()];
        }
    }
    Ok(rep.imported)
}
