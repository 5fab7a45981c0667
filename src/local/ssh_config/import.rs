//! `host import-ssh-config`: every concrete alias of the user's ssh config becomes an
//! inventory host, resolved by `ssh -G` (ssh is the authority on what its config means),
//! and bound to the key pair its IdentityFile is, when the inventory knows it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::{parse, Result};
use crate::inventory::{Inventory, KeyFilter, NewHost};
use crate::remote::{SshCommand, SSH_COMMAND_VAR};

/// How many `ssh -G` run at once: each takes a few milliseconds of one core, so a few
/// at a time make a config of hundreds of aliases quick without flooding the machine.
const PARALLEL: usize = 8;

/// What `ssh -G` says one alias resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub alias: String,
    pub hostname: String,
    pub user: String,
    pub port: u16,
    /// The IdentityFile values the config gives it (`~` and `%` tokens expanded); empty
    /// when it gives none and ssh would only try its default files.
    pub identity_files: Vec<PathBuf>,
}

/// What happened to one alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportStatus {
    /// Added as a new inventory host.
    Added,
    /// A host of that name was already in the inventory; it was left as it is.
    Exists,
    /// ssh could not resolve it, or the inventory refused it.
    Failed,
}

impl ImportStatus {
    /// The word `--json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Added => "added",
            ImportStatus::Exists => "exists",
            ImportStatus::Failed => "failed",
        }
    }
}

/// One alias of the config and what the import did with it (`--json` prints these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedAlias {
    pub alias: String,
    pub hostname: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_files: Vec<PathBuf>,
    pub status: ImportStatus,
    /// The key pair the new host was bound to.
    pub bound_key: Option<String>,
    pub message: String,
}

fn ssh_g(ssh: &SshCommand, config: &Path, alias: &str) -> std::result::Result<String, String> {
    let out = Command::new(&ssh.program)
        .args(&ssh.args)
        .arg("-G")
        .arg("-F")
        .arg(config)
        .arg("--")
        .arg(alias)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run '{}': {e} (set {SSH_COMMAND_VAR} to your ssh program)", ssh.program))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let said = said.lines().filter(|l| !l.starts_with("Pseudo-terminal")).collect::<Vec<_>>().join(" ");
        return Err(format!("ssh -G refused it: {}", said.trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The values of `key` in `ssh -G` output, in order.
fn values<'a>(text: &'a str, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    text.lines().filter_map(move |l| l.split_once(' ').filter(|(k, _)| *k == key).map(|(_, v)| v))
}

/// Expands what ssh expands in an IdentityFile: `~`, and the `%` tokens an identity
/// path usually holds (`%d` home, `%u` local user, `%h` host name, `%r` remote user,
/// `%p` port, `%n` alias, `%%`). Other tokens are left as written.
fn expand_identity(raw: &str, r: &Resolved) -> PathBuf {
    let home = crate::paths::home_dir().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default();
    let mut s = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            s.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => s.push('%'),
            Some('d') => s.push_str(&home),
            Some('u') => s.push_str(&std::env::var("USER").unwrap_or_default()),
            Some('h') => s.push_str(&r.hostname),
            Some('r') => s.push_str(&r.user),
            Some('p') => s.push_str(&r.port.to_string()),
            Some('n') => s.push_str(&r.alias),
            Some(o) => {
                s.push('%');
                s.push(o);
            }
            None => s.push('%'),
        }
    }
    crate::paths::expand_home(&s)
}

fn parse_g(alias: &str, text: &str, defaults: &[&str]) -> std::result::Result<Resolved, String> {
    let one = |k: &str| values(text, k).next().map(str::to_string).ok_or_else(|| format!("ssh -G printed no {k}"));
    let port = one("port")?;
    let mut r = Resolved {
        alias: alias.to_string(),
        hostname: one("hostname")?,
        user: one("user")?,
        port: port.parse().map_err(|_| format!("ssh -G printed port '{port}'"))?,
        identity_files: Vec::new(),
    };
    let raw: Vec<&str> = values(text, "identityfile").collect();
    if raw != defaults {
        r.identity_files = raw.iter().map(|f| expand_identity(f, &r)).collect();
    }
    Ok(r)
}

/// Resolves aliases with `ssh -G -F CONFIG ALIAS`, a few at a time; one result per
/// alias, in their order. `KEYSHELF_SSH_COMMAND` applies (through `ssh`), with `-F` last
/// so that this config is the one read.
pub fn resolve(ssh: &SshCommand, config: &Path, aliases: &[String]) -> Vec<std::result::Result<Resolved, String>> {
    // ssh lists its default identity files when a config gives none; those are not the
    // config's choice, so they are told apart by asking ssh with no config at all.
    let defaults_text = ssh_g(ssh, Path::new("/dev/null"), "keyshelf-defaults.invalid").unwrap_or_default();
    let defaults: Vec<&str> = values(&defaults_text, "identityfile").collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<std::result::Result<Resolved, String>>>> = Mutex::new(vec![None; aliases.len()]);
    std::thread::scope(|s| {
        for _ in 0..PARALLEL.min(aliases.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(alias) = aliases.get(i) else { break };
                let r = ssh_g(ssh, config, alias).and_then(|t| parse_g(alias, &t, &defaults));
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
            });
        }
    });
    let all = results.into_inner().unwrap_or_else(|p| p.into_inner());
    all.into_iter().map(|r| r.unwrap_or_else(|| Err("not resolved".into()))).collect()
}

/// The key pairs a file may be, by canonical private key path and by fingerprint.
struct KnownKeys {
    by_path: HashMap<PathBuf, (i64, String)>,
    by_fingerprint: HashMap<String, (i64, String)>,
}

fn fingerprint_of(path: &Path) -> Option<String> {
    crate::keys::read_key_file(path).map(|k| k.info.fingerprint_sha256)
}

impl KnownKeys {
    fn load(inv: &Inventory) -> Result<KnownKeys> {
        let mut k = KnownKeys { by_path: HashMap::new(), by_fingerprint: HashMap::new() };
        for key in inv.list_keys(&KeyFilter::default())? {
            let id = (key.id, key.name.clone());
            if let Some(p) = &key.private_key_path {
                let p = std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p));
                k.by_path.entry(p).or_insert_with(|| id.clone());
            }
            k.by_fingerprint.entry(key.fingerprint_sha256.clone()).or_insert(id);
        }
        Ok(k)
    }

    /// The key pair an IdentityFile is: its private key path, else the fingerprint of
    /// `FILE.pub`, else of the public half of FILE itself.
    fn find(&self, file: &Path) -> Option<&(i64, String)> {
        if let Some(k) = std::fs::canonicalize(file).ok().and_then(|c| self.by_path.get(&c)) {
            return Some(k);
        }
        [crate::local::ssh_dir::pub_of(file), file.to_path_buf()]
            .iter()
            .find_map(|f| fingerprint_of(f).and_then(|fp| self.by_fingerprint.get(&fp)))
    }
}

/// Adds every concrete alias of `config` (and its includes, but not Keyshelf's own
/// managed file next to it) as an inventory host named after the alias, with ssh's
/// HostName, User and Port, bound to the key pair of its first IdentityFile the
/// inventory knows. An alias that already is a host is reported and left as it is: the
/// inventory may hold details the config does not (other addresses, bindings), and an
/// import never takes them away. Returns one entry per alias, and the included files
/// that could not be read.
pub fn import_hosts(inv: &mut Inventory, ssh: &SshCommand, config: &Path) -> Result<(Vec<ImportedAlias>, Vec<String>)> {
    let resolved = resolve_config(ssh, config)?;
    let problems = resolved.problems.clone();
    Ok((import_resolved(inv, resolved)?, problems))
}

/// A config's concrete aliases as `ssh -G` resolves them: the slow half of an import,
/// which needs no inventory (the app runs it as a job).
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    pub names: Vec<String>,
    pub resolved: Vec<std::result::Result<Resolved, String>>,
    /// What could not be read in the config.
    pub problems: Vec<String>,
}

/// Reads the config's aliases and asks `ssh -G` about each (a few at a time).
pub fn resolve_config(ssh: &SshCommand, config: &Path) -> Result<ResolvedConfig> {
    let managed = super::managed::managed_path_for(config)?;
    let (aliases, problems) = parse::aliases(config, Some(&managed))?;
    let names: Vec<String> = aliases.into_iter().map(|a| a.name).collect();
    let resolved = resolve(ssh, config, &names);
    Ok(ResolvedConfig { names, resolved, problems })
}

/// Adds resolved aliases as hosts, each bound to the key pair of its `IdentityFile`
/// when the inventory holds it: the inventory half of an import.
pub fn import_resolved(inv: &mut Inventory, config: ResolvedConfig) -> Result<Vec<ImportedAlias>> {
    let ResolvedConfig { names, resolved, .. } = config;
    let existing: HashSet<String> = inv.hosts()?.into_iter().map(|h| h.name).collect();
    let keys = KnownKeys::load(inv)?;
    let mut out = Vec::with_capacity(names.len());
    for (alias, r) in names.iter().zip(resolved) {
        let mut e = ImportedAlias {
            alias: alias.clone(),
            hostname: None,
            user: None,
            port: None,
            identity_files: Vec::new(),
            status: ImportStatus::Failed,
            bound_key: None,
            message: String::new(),
        };
        let r = match r {
            Ok(r) => r,
            Err(m) => {
                e.message = m;
                out.push(e);
                continue;
            }
        };
        e.hostname = Some(r.hostname.clone());
        e.user = Some(r.user.clone());
        e.port = Some(r.port);
        e.identity_files = r.identity_files.clone();
        if existing.contains(alias) {
            e.status = ImportStatus::Exists;
            e.message = "already a host in the inventory; left as it is".into();
            out.push(e);
            continue;
        }
        let new = NewHost {
            name: alias.clone(),
            addresses: vec![r.hostname.clone()],
            port: r.port,
            user: r.user.clone(),
            ..NewHost::default()
        };
        if let Err(err) = inv.add_host(&new) {
            e.message = err.to_string();
            out.push(e);
            continue;
        }
        e.status = ImportStatus::Added;
        e.message = "added".into();
        if let Some((file, (id, name))) = r.identity_files.iter().find_map(|f| keys.find(f).map(|k| (f, k))) {
            match inv.bind(*id, std::slice::from_ref(alias)) {
                Ok(_) => {
                    e.bound_key = Some(name.clone());
                    e.message = format!("added; bound to key pair {name} (IdentityFile {})", file.display());
                }
                Err(err) => e.message = format!("added, but not bound to key pair {name}: {err}"),
            }
        }
        out.push(e);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_g_output_is_read_and_defaults_are_not_choices() {
        let defaults = ["~/.ssh/id_rsa", "~/.ssh/id_ed25519"];
        let text =
            "user ubuntu\nhostname 10.0.0.1\nport 2222\nidentityfile ~/.ssh/id_rsa\nidentityfile ~/.ssh/id_ed25519\n";
        let r = parse_g("web", text, &defaults).unwrap();
        assert_eq!((r.hostname.as_str(), r.user.as_str(), r.port), ("10.0.0.1", "ubuntu", 2222));
        assert!(r.identity_files.is_empty());
        let text = "user u\nhostname h.example\nport 22\nidentityfile /k/%n-%r@%h:%p%%\n";
        let r = parse_g("web", text, &defaults).unwrap();
        assert_eq!(r.identity_files, [PathBuf::from("/k/web-u@h.example:22%")]);
        assert!(parse_g("web", "user u\n", &defaults).is_err());
    }
}
