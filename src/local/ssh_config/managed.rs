//! The managed ssh config: `keyshelf.conf` next to the user's config, one `Host` block
//! per inventory host with a usable key pair (`IdentityFile` + `IdentitiesOnly yes`, so
//! `ssh ALIAS` offers exactly that key and never ends in "Too many authentication
//! failures"), and one `Include` line at the top of the user's config.
//!
//! The Include goes first because ssh keeps the first value it obtains for each option:
//! later, the user's own `Host *` defaults still fill in what the managed block does not
//! say. It is absolute because ssh takes a relative Include from `~/.ssh`, not from the
//! including file's folder. An alias the user's config already defines is left to it,
//! never shadowed. The user's config is changed once (the Include line, nothing else,
//! after a one-time backup); afterwards only the managed file is rewritten.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::parse::{self, Alias};
use super::{Result, SshConfigError};
use crate::inventory::{Host, Inventory};
use crate::known_hosts::{resolve_target, KnownHostsError};
use crate::secure_file::replace_like as write_atomic;

/// The managed file's name, in the folder of the user's config.
pub const MANAGED_FILE_NAME: &str = "keyshelf.conf";
/// Setting: `"1"` once the user enabled the managed config, `"0"` once switched off.
pub const SETTING_ENABLED: &str = "ssh_config.enabled";
/// Setting: the user's config the managed file is included from (absolute).
pub const SETTING_USER_CONFIG: &str = "ssh_config.user_config";
/// The one-time backup of the user's config, next to it: `config.keyshelf-backup`.
const BACKUP_SUFFIX: &str = ".keyshelf-backup";

/// `~/.ssh/config`.
pub fn default_user_config() -> Result<PathBuf> {
    crate::paths::home_dir().map(|h| h.join(".ssh").join("config")).ok_or(SshConfigError::NoHome)
}

/// Where the managed file of `config` lives: `keyshelf.conf` in the (absolute) folder
/// of `config` as given; a symlinked config does not move it into the link's target.
pub(crate) fn managed_path_for(config: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(config).map_err(|source| SshConfigError::Read { path: config.into(), source })?;
    let dir = abs.parent().unwrap_or(Path::new("/"));
    Ok(fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()).join(MANAGED_FILE_NAME))
}

fn target_of(path: &Path) -> Result<PathBuf> {
    resolve_target(path).map_err(|e| match e {
        KnownHostsError::Read { path, source } => SshConfigError::Read { path, source },
        _ => SshConfigError::SymlinkLoop { path: path.to_path_buf() },
    })
}

/// A host the managed file has a block for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedHost {
    pub name: String,
    pub hostname: String,
    /// `None` when the inventory has no user for it (ssh's own choice then applies).
    pub user: Option<String>,
    pub port: u16,
    /// The bound key pair's private key file (absolute).
    pub identity_file: PathBuf,
    pub key_pair: String,
}

/// An inventory host whose alias the user's config defines: left to that config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftToUser {
    pub name: String,
    pub file: PathBuf,
    pub line: usize,
}

/// An inventory host without a block, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// What happens to the user's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeChange {
    /// It already includes the managed file: it is not touched.
    AlreadyPresent,
    /// The Include line goes at its top (after a one-time backup).
    Insert,
    /// It does not exist: it is created (mode 0600) with the Include line only.
    Create,
}

/// A preview of the managed config: what would be written, and the Include change.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The user's config as given.
    pub user_config: PathBuf,
    /// The file that holds its bytes (symlinks followed).
    pub target: PathBuf,
    pub managed_path: PathBuf,
    /// The managed file's content.
    pub text: String,
    /// The Include line for the user's config (without its line ending).
    pub include_line: String,
    pub include: IncludeChange,
    /// Where the user's config is backed up before its first change.
    pub backup_path: PathBuf,
    pub managed: Vec<ManagedHost>,
    pub left_to_user: Vec<LeftToUser>,
    pub skipped: Vec<Skipped>,
    /// The user's config as it was read, to refuse applying over a later edit.
    original: Option<Vec<u8>>,
}

/// What [`Plan::apply`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub managed_path: PathBuf,
    /// Whether the Include line was added to the user's config now.
    pub include_added: bool,
    /// The backup written now (only before the first change ever).
    pub backup: Option<PathBuf>,
}

/// What [`refresh_managed_config`] did.
#[derive(Debug, Clone)]
pub struct Report {
    pub plan: Plan,
    /// Whether the managed file changed (it is not rewritten when it already says this).
    pub written: bool,
}

/// What [`disable`] undid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disabled {
    pub user_config: PathBuf,
    pub include_removed: bool,
    pub managed_removed: Option<PathBuf>,
}

/// A value as ssh's config reader takes it back: quoted when it has blanks or quotes.
fn quoted(s: &str) -> String {
    if !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '#')) {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// What an alias must not contain: ssh refuses such destinations ("hostname contains
/// invalid characters") or reads them as patterns.
fn bad_alias(name: &str) -> bool {
    name.starts_with('-')
        || name.chars().any(|c| c.is_whitespace() || c.is_control() || "'\"`$\\;&<>|(){}*?!#,=%".contains(c))
}

/// The block for one host, or why there is none.
fn managed_host(inv: &Inventory, h: &Host) -> Result<std::result::Result<ManagedHost, String>> {
    if bad_alias(&h.name) {
        return Ok(Err("its name cannot be an ssh alias (blanks, quotes, patterns or shell characters)".into()));
    }
    let Some(address) = h.addresses.first() else { return Ok(Err("it has no address".into())) };
    if h.user.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '%')) {
        return Ok(Err(format!("its user '{}' cannot be written in an ssh config", h.user)));
    }
    if h.keys.is_empty() {
        return Ok(Err("no key pair is bound to it".into()));
    }
    for (id, name) in &h.keys {
        let k = inv.key(*id)?;
        let Some(p) = k.private_key_path.filter(|p| Path::new(p).is_file()) else { continue };
        if p.contains(|c: char| c.is_control()) || p.contains("${") {
            continue;
        }
        return Ok(Ok(ManagedHost {
            name: h.name.clone(),
            hostname: address.clone(),
            user: Some(h.user.clone()).filter(|u| !u.is_empty()),
            port: h.port,
            identity_file: PathBuf::from(p),
            key_pair: name.clone(),
        }));
    }
    let names: Vec<&str> = h.keys.iter().map(|k| k.1.as_str()).collect();
    Ok(Err(format!("no bound key pair has its private key file on this machine ({})", names.join(", "))))
}

fn render(p: &Plan) -> String {
    let mut s = format!(
        "# Written by Keyshelf from its inventory: one block per host with a usable key pair.\n\
         # Keyshelf rewrites this file whenever hosts or key pairs change; edits here are lost.\n\
         # Included from {}; `keyshelf ssh-config off` takes it out.\n",
        p.user_config.display()
    );
    for m in &p.managed {
        s.push_str(&format!("\nHost {}\n    HostName {}\n", m.name, m.hostname.replace('%', "%%")));
        if let Some(u) = &m.user {
            s.push_str(&format!("    User {u}\n"));
        }
        if m.port != 22 {
            s.push_str(&format!("    Port {}\n", m.port));
        }
        let file = m.identity_file.to_string_lossy().replace('%', "%%");
        s.push_str(&format!("    IdentityFile {}\n    IdentitiesOnly yes\n", quoted(&file)));
    }
    for l in &p.left_to_user {
        s.push_str(&format!("\n# {}: left to {}", l.name, l.file.display()));
    }
    for k in &p.skipped {
        s.push_str(&format!("\n# {}: skipped, {}", k.name, k.reason));
    }
    if !p.left_to_user.is_empty() || !p.skipped.is_empty() {
        s.push('\n');
    }
    s
}

/// Whether a config line is an Include of `managed`; `only` asks for a line naming
/// nothing else.
fn is_our_include(line: &str, managed: &Path, home: Option<&Path>, only: bool) -> bool {
    let Some(d) = parse::directive(line) else { return false };
    let ours = |a: &String| {
        let p = parse::include_path(a, home);
        p == managed || fs::canonicalize(&p).ok().is_some_and(|c| Some(c) == fs::canonicalize(managed).ok())
    };
    d.keyword.eq_ignore_ascii_case("include")
        && if only { d.args.len() == 1 && ours(&d.args[0]) } else { d.args.iter().any(ours) }
}

/// Plans the managed config for the user's config `user_config` (which may not exist
/// yet). Reads files only; quick, so the app may call it on every change it previews.
pub fn plan(inv: &Inventory, user_config: &Path) -> Result<Plan> {
    let user_config =
        std::path::absolute(user_config).map_err(|source| SshConfigError::Read { path: user_config.into(), source })?;
    let managed_path = managed_path_for(&user_config)?;
    let target = target_of(&user_config)?;
    let original = match fs::read(&target) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => return Err(SshConfigError::Read { path: target, source }),
    };
    let home = crate::paths::home_dir();
    let mut defined: HashMap<String, Alias> = HashMap::new();
    if original.is_some() {
        for a in parse::aliases(&target, Some(&managed_path))?.0 {
            defined.entry(a.name.clone()).or_insert(a);
        }
    }
    let include = match &original {
        None => IncludeChange::Create,
        Some(b)
            if String::from_utf8_lossy(b).lines().any(|l| is_our_include(l, &managed_path, home.as_deref(), false)) =>
        {
            IncludeChange::AlreadyPresent
        }
        Some(_) => IncludeChange::Insert,
    };
    let mut backup = target.as_os_str().to_owned();
    backup.push(BACKUP_SUFFIX);
    let mut p = Plan {
        include_line: format!("Include {}", quoted(&managed_path.to_string_lossy())),
        user_config,
        target,
        managed_path,
        text: String::new(),
        include,
        backup_path: PathBuf::from(backup),
        managed: Vec::new(),
        left_to_user: Vec::new(),
        skipped: Vec::new(),
        original,
    };
    for h in inv.hosts()? {
        if let Some(a) = defined.get(&h.name) {
            p.left_to_user.push(LeftToUser { name: h.name, file: a.file.clone(), line: a.line });
            continue;
        }
        match managed_host(inv, &h)? {
            Ok(m) => p.managed.push(m),
            Err(reason) => p.skipped.push(Skipped { name: h.name, reason }),
        }
    }
    p.text = render(&p);
    Ok(p)
}

/// Creates `path` empty with mode 0600 if it does not exist (never over anything).
fn create_private(path: &Path) -> io::Result<()> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Replaces the file at `path` (its symlink target) atomically, keeping its mode; a new
/// file gets mode 0600.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = target_of(path)?;
    let write_err = |source| SshConfigError::Write { path: target.clone(), source };
    create_private(&target).map_err(write_err)?;
    let meta = fs::metadata(&target).map_err(write_err)?;
    write_atomic(&target, bytes, &meta).map_err(write_err)
}

/// The line ending the file uses (that of its first line), `\n` for an empty one.
fn line_ending(bytes: &[u8]) -> &'static str {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && bytes[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

impl Plan {
    /// Writes the managed file, then (when needed) backs the user's config up once and
    /// puts the Include line at its top; every other byte of it stays as it was, and its
    /// mode too. Refused, with nothing written, if the user's config changed since the
    /// plan was made.
    pub fn apply(&self) -> Result<Applied> {
        let now = match fs::read(&self.target) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(source) => return Err(SshConfigError::Read { path: self.target.clone(), source }),
        };
        if now != self.original {
            return Err(SshConfigError::Changed { path: self.user_config.clone() });
        }
        if let Some(dir) = self.managed_path.parent() {
            let mut b = fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir).map_err(|source| SshConfigError::Write { path: dir.to_path_buf(), source })?;
        }
        write_file(&self.managed_path, self.text.as_bytes())?;
        let mut applied = Applied { managed_path: self.managed_path.clone(), include_added: false, backup: None };
        match (&self.original, self.include) {
            (_, IncludeChange::AlreadyPresent) => {}
            (Some(original), _) => {
                let meta = fs::metadata(&self.target)
                    .map_err(|source| SshConfigError::Read { path: self.target.clone(), source })?;
                if fs::symlink_metadata(&self.backup_path).is_err() {
                    write_atomic(&self.backup_path, original, &meta).map_err(|source| SshConfigError::Backup {
                        path: self.backup_path.clone(),
                        config: self.user_config.clone(),
                        source,
                    })?;
                    applied.backup = Some(self.backup_path.clone());
                }
                let mut bytes = format!("{}{}", self.include_line, line_ending(original)).into_bytes();
                bytes.extend_from_slice(original);
                write_atomic(&self.target, &bytes, &meta)
                    .map_err(|source| SshConfigError::Write { path: self.target.clone(), source })?;
                applied.include_added = true;
            }
            (None, _) => {
                write_file(&self.target, format!("{}\n", self.include_line).as_bytes())?;
                applied.include_added = true;
            }
        }
        Ok(applied)
    }
}

/// Applies `plan` and remembers that the managed config is on, for its user config, so
/// that [`refresh_managed_config`] keeps it up to date from now on.
pub fn apply_and_enable(inv: &mut Inventory, plan: &Plan) -> Result<Applied> {
    let applied = plan.apply()?;
    enable(inv, plan)?;
    Ok(applied)
}

/// Remembers that the managed config of an applied `plan` is on (the inventory's half
/// of [`apply_and_enable`]; the app applies the plan's files as a job first).
pub fn enable(inv: &mut Inventory, plan: &Plan) -> Result<()> {
    inv.set_setting(SETTING_USER_CONFIG, &plan.user_config.to_string_lossy())?;
    inv.set_setting(SETTING_ENABLED, "1")?;
    inv.log_remote(
        "write ssh config",
        &plan.managed_path.to_string_lossy(),
        &format!("{} host(s)", plan.managed.len()),
    )?;
    Ok(())
}

/// The user's config the managed file is on for; `None` when it is off or was never
/// turned on.
pub fn enabled_config(inv: &Inventory) -> Result<Option<PathBuf>> {
    if inv.setting(SETTING_ENABLED)?.as_deref() != Some("1") {
        return Ok(None);
    }
    Ok(inv.setting(SETTING_USER_CONFIG)?.map(PathBuf::from))
}

/// Rewrites the managed file from the inventory, if the user enabled it; call after
/// hosts, bindings or private key paths change. `None` (and nothing read or written
/// outside the inventory) when it was never enabled or was switched off. Only the
/// managed file is written: the user's config is left as it is, even if its Include
/// line was taken out (the report says whether it is there).
pub fn refresh_managed_config(inv: &Inventory) -> Result<Option<Report>> {
    let Some(config) = enabled_config(inv)? else { return Ok(None) };
    Ok(Some(plan(inv, &config)?.write_managed()?))
}

impl Plan {
    /// Writes the managed file when it differs from the plan's text (the user's config
    /// is left as it is): the file work of a refresh, which the app does off the
    /// inventory's thread.
    pub fn write_managed(self) -> Result<Report> {
        let written = fs::read(&self.managed_path).ok().as_deref() != Some(self.text.as_bytes());
        if written {
            write_file(&self.managed_path, self.text.as_bytes())?;
        }
        Ok(Report { plan: self, written })
    }
}

/// The setting the inventory's triggers set when a change may have made the managed
/// config stale (schema migration 7).
pub const SETTING_STALE: &str = "ssh_config.stale";

/// Rewrites the managed config if a change since the last rewrite may have made it stale
/// (and it is enabled), then marks it current. The one place the CLI and the app call
/// after their work, so no command can forget it. `Ok(None)`: nothing to do.
pub fn refresh_if_stale(inv: &mut Inventory) -> Result<Option<Report>> {
    match take_stale(inv)? {
        Some(plan) => match plan.write_managed() {
            Ok(report) => Ok(Some(report)),
            Err(e) => {
                // Still stale: the next piece of work tries again.
                inv.set_setting(SETTING_STALE, "1")?;
                Err(e)
            }
        },
        None => Ok(None),
    }
}

/// When a change since the last rewrite may have made the managed config stale (and it
/// is on): the plan to write ([`Plan::write_managed`]), the config marked current. The
/// app writes the plan as a job; a failed write marks it stale again ([`mark_stale`]).
pub fn take_stale(inv: &mut Inventory) -> Result<Option<Plan>> {
    if inv.setting(SETTING_STALE)?.as_deref() != Some("1") {
        return Ok(None);
    }
    let plan = match enabled_config(inv)? {
        Some(config) => Some(plan(inv, &config)?),
        None => None,
    };
    inv.set_setting(SETTING_STALE, "0")?;
    Ok(plan)
}

/// Marks the managed config stale (a write of it failed), so the next piece of work
/// rewrites it.
pub fn mark_stale(inv: &mut Inventory) -> Result<()> {
    Ok(inv.set_setting(SETTING_STALE, "1")?)
}

/// Switches the managed config off: the Include line Keyshelf added is taken out of
/// the user's config (every other byte stays), the managed file is removed, and the
/// setting says off. `None` when it was never enabled.
pub fn disable(inv: &mut Inventory) -> Result<Option<Disabled>> {
    let Some(user_config) = configured(inv)? else { return Ok(None) };
    let done = remove_files(&user_config)?;
    disabled(inv, &done)?;
    Ok(Some(done))
}

/// The user's config the managed file was ever turned on for (on or off now).
pub fn configured(inv: &Inventory) -> Result<Option<PathBuf>> {
    Ok(inv.setting(SETTING_USER_CONFIG)?.map(PathBuf::from))
}

/// The file half of [`disable`]: the Include line out of `user_config` (every other
/// byte stays) and the managed file removed.
pub fn remove_files(user_config: &Path) -> Result<Disabled> {
    let user_config = user_config.to_path_buf();
    let managed = managed_path_for(&user_config)?;
    let target = target_of(&user_config)?;
    let home = crate::paths::home_dir();
    let mut done = Disabled { user_config: user_config.clone(), include_removed: false, managed_removed: None };
    if let Ok(bytes) = fs::read(&target) {
        let kept: Vec<u8> = bytes
            .split_inclusive(|&b| b == b'\n')
            .filter(|l| !is_our_include(&String::from_utf8_lossy(l), &managed, home.as_deref(), true))
            .flatten()
            .copied()
            .collect();
        if kept.len() != bytes.len() {
            let meta = fs::metadata(&target).map_err(|source| SshConfigError::Read { path: target.clone(), source })?;
            write_atomic(&target, &kept, &meta)
                .map_err(|source| SshConfigError::Write { path: target.clone(), source })?;
            done.include_removed = true;
        }
    }
    match fs::remove_file(&managed) {
        Ok(()) => done.managed_removed = Some(managed),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(SshConfigError::Write { path: managed, source }),
    }
    Ok(done)
}

/// The inventory half of [`disable`]: off, and said in the activity log.
pub fn disabled(inv: &mut Inventory, done: &Disabled) -> Result<()> {
    inv.set_setting(SETTING_ENABLED, "0")?;
    inv.log_remote("ssh config off", &done.user_config.to_string_lossy(), "")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_when_ssh_would_split_them() {
        assert_eq!(quoted("/home/u/.ssh/id"), "/home/u/.ssh/id");
        assert_eq!(quoted("/a b/id"), "\"/a b/id\"");
        assert_eq!(quoted("/a\"b"), "\"/a\\\"b\"");
        let d = parse::directive(&format!("IdentityFile {}", quoted("/x y/a\"b\\c"))).unwrap();
        assert_eq!(d.args, ["/x y/a\"b\\c"]);
    }

    #[test]
    fn line_endings_follow_the_first_line() {
        assert_eq!(line_ending(b"Host a\r\n"), "\r\n");
        assert_eq!(line_ending(b"Host a\n"), "\n");
        assert_eq!(line_ending(b""), "\n");
    }

    #[test]
    fn unusable_aliases_are_told() {
        assert!(!bad_alias("web-01.example"));
        for b in ["two words", "-oProxyCommand", "a*", "a;b", "x\"y", "%h"] {
            assert!(bad_alias(b), "{b}");
        }
    }
}
