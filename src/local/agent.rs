//! The user's running ssh-agent, driven through OpenSSH's own `ssh-add`: add a key
//! pair's private key (with a lifetime, or to be confirmed on each use), list what the
//! agent holds with the inventory's names for it, and remove one key or all.
//!
//! Keyshelf never reads a passphrase or a private key for this: `ssh-add` reads the key
//! file and asks for its passphrase itself, on the terminal (the CLI) or through
//! Keyshelf's askpass helper (the app, see [`crate::remote::askpass`]). The agent's
//! socket is `SSH_AUTH_SOCK` unless the caller names one ([`Agent::at`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Serialize;

use crate::inventory::{Inventory, InventoryError, KeyPair};
use crate::remote::Prompts;

/// The environment variable that names the agent's socket.
pub const SOCKET_VAR: &str = "SSH_AUTH_SOCK";

/// The longest lifetime `ssh-add -t` takes (OpenSSH keeps it in an `int`).
const MAX_LIFETIME: u64 = i32::MAX as u64;

const START_AGENT: &str = "start one with `eval \"$(ssh-agent)\"`";

/// Why an agent operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("no ssh-agent is running: {SOCKET_VAR} is not set ({START_AGENT})")]
    NoAgent,
    #[error("no ssh-agent answers at {} ({reason}); it may have stopped: {START_AGENT}", socket.display())]
    DeadAgent { socket: PathBuf, reason: String },
    #[error(
        "Keyshelf does not know where the private key file of key pair '{0}' is (set it in the key's details, or \
         import the key pair from its private key file)"
    )]
    NoPrivateKeyPath(String),
    #[error("the private key file of key pair '{name}' is missing: {}", path.display())]
    KeyFileMissing { name: String, path: PathBuf },
    #[error("{} holds another key ({found}) than key pair '{name}' ({expected}); nothing was added", path.display())]
    KeyFileMismatch { name: String, path: PathBuf, expected: String, found: String },
    #[error("the passphrase of {} was not accepted (or none was given); nothing was added", path.display())]
    WrongPassphrase { path: PathBuf },
    #[error("{} is protected by a passphrase and nobody can be asked for it here", path.display())]
    NeedsPassphrase { path: PathBuf },
    #[error(
        "'{0}' is not a lifetime: give seconds (90) or numbers with s, m, h, d or w (90s, 1h30m, 2d), more than 0 \
         and at most 68 years"
    )]
    BadLifetime(String),
    #[error("key pair '{0}' is not in the agent")]
    NotInAgent(String),
    #[error("cannot run '{program}': {source} (install OpenSSH's ssh-add)")]
    Spawn { program: String, source: std::io::Error },
    #[error("cannot write the public key for ssh-add: {0}")]
    Temp(std::io::Error),
    #[error("ssh-add {what} failed: {message}")]
    Failed { what: &'static str, message: String },
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

/// How long the agent keeps a key, as `ssh-add -t` takes it: seconds, or numbers with
/// units (`90s`, `1h30m`, `2d`, `1w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime(u32);

impl Lifetime {
    /// Reads a duration written as `ssh-add -t` (OpenSSH's `convtime`) takes it; zero is
    /// refused (to `ssh-add` it means no lifetime at all).
    pub fn parse(text: &str) -> Result<Lifetime, AgentError> {
        let bad = || AgentError::BadLifetime(text.to_string());
        let mut total: u64 = 0;
        let mut number: Option<u64> = None;
        for c in text.trim().chars() {
            if let Some(d) = c.to_digit(10) {
                number =
                    Some(number.unwrap_or(0).checked_mul(10).and_then(|n| n.checked_add(d.into())).ok_or_else(bad)?);
                continue;
            }
            let unit = match c.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(bad()),
            };
            let n = number.take().ok_or_else(bad)?;
            total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        }
        if let Some(n) = number {
            total = total.checked_add(n).ok_or_else(bad)?;
        }
        match u32::try_from(total) {
            Ok(s) if s > 0 && u64::from(s) <= MAX_LIFETIME => Ok(Lifetime(s)),
            _ => Err(bad()),
        }
    }

    pub fn from_seconds(seconds: u32) -> Result<Lifetime, AgentError> {
        Lifetime::parse(&seconds.to_string())
    }

    pub fn seconds(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for Lifetime {
    /// The largest units that add up to it exactly: `90s` is `1m30s`, `7200` is `2h`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut left = self.0;
        for (unit, name) in [(604_800, 'w'), (86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
            if left >= unit {
                write!(f, "{}{name}", left / unit)?;
                left %= unit;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Lifetime {
    type Err = AgentError;
    fn from_str(s: &str) -> Result<Lifetime, AgentError> {
        Lifetime::parse(s)
    }
}

/// How a key is added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddOptions {
    /// The agent forgets the key after this long (`ssh-add -t`); `None`: until it stops.
    pub lifetime: Option<Lifetime>,
    /// The agent asks before each use of the key (`ssh-add -c`).
    pub confirm: bool,
}

/// One key the agent holds, and the inventory's key pairs with the same public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentKey {
    pub fingerprint_sha256: String,
    /// As ssh-add names it: `ED25519`, `RSA`, `ECDSA`, `ED25519-SK`, `ED25519-CERT`...
    #[serde(rename = "type")]
    pub key_type: String,
    pub bits: u32,
    pub comment: String,
    /// Names of the key pairs (in any account) holding this key; empty when unknown.
    pub key_pairs: Vec<String>,
}

/// The user's ssh-agent, reached through `ssh-add`.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The agent's socket; `None`: `SSH_AUTH_SOCK` as it is at each call.
    pub socket: Option<PathBuf>,
    /// How ssh-add asks for a passphrase: on the terminal (the CLI), through Keyshelf's
    /// askpass (the app; the question comes with the key pair's name where ssh's come
    /// with the host's), or never (a key with a passphrase is refused before ssh-add
    /// runs). A person who cancels the question ends the add.
    pub prompts: Prompts,
    /// The ssh-add program.
    pub program: String,
}

impl Agent {
    /// The agent of `SSH_AUTH_SOCK`.
    pub fn new(prompts: Prompts) -> Agent {
        Agent { socket: None, prompts, program: "ssh-add".into() }
    }

    /// The agent listening on `socket`, whatever `SSH_AUTH_SOCK` says.
    pub fn at(socket: impl Into<PathBuf>, prompts: Prompts) -> Agent {
        Agent { socket: Some(socket.into()), ..Agent::new(prompts) }
    }

    /// The socket to use: the one given, else a non-empty `SSH_AUTH_SOCK`.
    pub fn socket_path(&self) -> Result<PathBuf, AgentError> {
        match &self.socket {
            Some(s) if !s.as_os_str().is_empty() => Ok(s.clone()),
            Some(_) => Err(AgentError::NoAgent),
            None => match std::env::var_os(SOCKET_VAR) {
                Some(s) if !s.is_empty() => Ok(PathBuf::from(s)),
                _ => Err(AgentError::NoAgent),
            },
        }
    }

    /// `ssh-add` talking to this agent. Its questions go where `prompts` says; `asker`
    /// names what the askpass dialog is about.
    fn ssh_add(&self, asker: &str) -> Result<Command, AgentError> {
        let socket = self.socket_path()?;
        let mut c = Command::new(&self.program);
        c.env(SOCKET_VAR, &socket).env_remove("SSH_AGENT_PID");
        match &self.prompts {
            Prompts::Terminal => {
                c.stdin(Stdio::inherit());
            }
            Prompts::Askpass { .. } => {
                self.prompts.set_askpass_env(&mut c);
                c.env("KEYSHELF_ASKPASS_HOST", asker).stdin(Stdio::null());
            }
            Prompts::Never => {
                c.env("SSH_ASKPASS_REQUIRE", "never").stdin(Stdio::null());
            }
        }
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        Ok(c)
    }

    fn run(&self, mut c: Command) -> Result<Output, AgentError> {
        let out = c.output().map_err(|source| AgentError::Spawn { program: self.program.clone(), source })?;
        // ssh-add exits 2 when it cannot reach the agent.
        if out.status.code() == Some(2) {
            return Err(AgentError::DeadAgent { socket: self.socket_path()?, reason: said(&out) });
        }
        Ok(out)
    }

    /// Adds a key pair's private key file to the agent. `ssh-add` reads the file and asks
    /// for its passphrase if it has one; the file must hold this key pair's key.
    pub fn add(&self, key: &KeyPair, options: &AddOptions) -> Result<(), AgentError> {
        let path = private_key_file(key)?;
        let encrypted = match file_key(&path) {
            Some((fingerprint, _)) if fingerprint != key.fingerprint_sha256 => {
                return Err(AgentError::KeyFileMismatch {
                    name: key.name.clone(),
                    path,
                    expected: key.fingerprint_sha256.clone(),
                    found: fingerprint,
                })
            }
            Some((_, encrypted)) => encrypted,
            None => false,
        };
        if encrypted && self.prompts == Prompts::Never {
            return Err(AgentError::NeedsPassphrase { path });
        }
        let mut c = self.ssh_add(&key.name)?;
        if let Some(l) = options.lifetime {
            c.arg("-t").arg(l.seconds().to_string());
        }
        if options.confirm {
            c.arg("-c");
        }
        c.arg("--").arg(&path);
        let out = self.run(c)?;
        if out.status.success() {
            return Ok(());
        }
        let message = said(&out);
        // A refused passphrase (or none given) ends ssh-add with status 1 and no message.
        if encrypted && !message.contains("Error loading key") {
            return Err(AgentError::WrongPassphrase { path });
        }
        Err(AgentError::Failed { what: "add", message })
    }

    /// The keys the agent holds (`ssh-add -l -E sha256`), without inventory names.
    pub fn identities(&self) -> Result<Vec<AgentKey>, AgentError> {
        let mut c = self.ssh_add("")?;
        c.args(["-l", "-E", "sha256"]).stdin(Stdio::null());
        let out = self.run(c)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        match out.status.code() {
            Some(0) => Ok(parse_list(&stdout)),
            // Status 1 with this message is an empty agent, not a failure.
            Some(1) if stdout.contains("no identities") => Ok(Vec::new()),
            _ => Err(AgentError::Failed { what: "-l", message: said(&out) }),
        }
    }

    /// The keys the agent holds, each with the names of the key pairs holding it.
    pub fn list(&self, inv: &Inventory) -> Result<Vec<AgentKey>, AgentError> {
        let mut keys = self.identities()?;
        for k in &mut keys {
            k.key_pairs = inv.key_pair_names_with_fingerprint(&k.fingerprint_sha256)?;
        }
        Ok(keys)
    }

    /// Removes one key pair's key from the agent. Only its public key is needed: it is
    /// written to a temporary file for `ssh-add -d`.
    pub fn remove(&self, key: &KeyPair) -> Result<(), AgentError> {
        let dir = tempfile::Builder::new().prefix("keyshelf-agent-").tempdir().map_err(AgentError::Temp)?;
        let file = dir.path().join("key.pub");
        std::fs::write(&file, format!("{}\n", key.public_key.trim())).map_err(AgentError::Temp)?;
        let mut c = self.ssh_add(&key.name)?;
        c.args(["-d", "--"]).arg(&file).stdin(Stdio::null());
        let out = self.run(c)?;
        if out.status.success() {
            return Ok(());
        }
        if !self.identities()?.iter().any(|k| k.fingerprint_sha256 == key.fingerprint_sha256) {
            return Err(AgentError::NotInAgent(key.name.clone()));
        }
        Err(AgentError::Failed { what: "-d", message: said(&out) })
    }

    /// Removes every key from the agent (`ssh-add -D`).
    pub fn remove_all(&self) -> Result<(), AgentError> {
        let mut c = self.ssh_add("")?;
        c.arg("-D").stdin(Stdio::null());
        let out = self.run(c)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(AgentError::Failed { what: "-D", message: said(&out) })
        }
    }
}

/// The private key file of a key pair, when Keyshelf knows it and it is there.
pub fn private_key_file(key: &KeyPair) -> Result<PathBuf, AgentError> {
    let path =
        PathBuf::from(key.private_key_path.as_deref().ok_or_else(|| AgentError::NoPrivateKeyPath(key.name.clone()))?);
    if !path.is_file() {
        return Err(AgentError::KeyFileMissing { name: key.name.clone(), path });
    }
    Ok(path)
}

/// The fingerprint of the key in a private key file and whether a passphrase protects
/// it, when Keyshelf can read its public half. The bytes read are wiped afterwards.
fn file_key(path: &Path) -> Option<(String, bool)> {
    let parsed = crate::keys::read_key_file(path)?;
    let encrypted = matches!(parsed.source, crate::keys::KeySource::PrivateKey { encrypted: true });
    Some((parsed.info.fingerprint_sha256, encrypted))
}

/// What ssh-add said, on one line: its error output, else its standard output.
fn said(out: &Output) -> String {
    let pick = if out.stderr.iter().any(|b| !b.is_ascii_whitespace()) { &out.stderr } else { &out.stdout };
    let text = String::from_utf8_lossy(pick);
    let line = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        format!("ssh-add exited with {}", out.status)
    } else {
        line
    }
}

/// Reads `ssh-add -l -E sha256`: `BITS SHA256:... COMMENT (TYPE)` per line (the comment
/// may hold spaces or be empty). Lines of another shape are skipped.
pub fn parse_list(text: &str) -> Vec<AgentKey> {
    text.lines()
        .filter_map(|line| {
            let (bits, rest) = line.trim().split_once(' ')?;
            let bits = bits.parse().ok()?;
            let (fingerprint, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            if !fingerprint.starts_with("SHA256:") {
                return None;
            }
            let rest = rest.trim_end();
            let open = rest.rfind('(').filter(|_| rest.ends_with(')'))?;
            Some(AgentKey {
                fingerprint_sha256: fingerprint.to_string(),
                key_type: rest[open + 1..rest.len() - 1].to_string(),
                bits,
                comment: rest[..open].trim().to_string(),
                key_pairs: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_read_as_ssh_add_reads_them() {
        let secs = |s: &str| Lifetime::parse(s).map(Lifetime::seconds).ok();
        assert_eq!(secs("90"), Some(90));
        assert_eq!(secs("90s"), Some(90));
        assert_eq!(secs("1h"), Some(3600));
        assert_eq!(secs("1h30m"), Some(5400));
        assert_eq!(secs("2d"), Some(172_800));
        assert_eq!(secs("1W"), Some(604_800));
        assert_eq!(secs("1m5"), Some(65));
        assert_eq!(secs("2147483647"), Some(2_147_483_647));
        for bad in ["", "0", "0s", "h", "1x", "1 h", "-5", "1.5h", "2147483648", "99999999999999999999", "4000w"] {
            assert!(Lifetime::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(Lifetime::parse("90s").map(|l| l.to_string()).ok().as_deref(), Some("1m30s"));
        assert_eq!(Lifetime::parse("7200").map(|l| l.to_string()).ok().as_deref(), Some("2h"));
    }

    #[test]
    fn the_agent_listing_is_read_with_any_comment() {
        let text = "256 SHA256:ioNlc0ANu2SUBokoKAWQZhv/ni5fCEaN9H8SAsYlpsM my comment (with) spaces (ED25519)\n\
                    2048 SHA256:AAojNPRf/TDGLH3BHmwa8alBCjHCoDDlF+wWjr2gf0A  (RSA)\n\
                    The agent has no identities.\n";
        let keys = parse_list(text);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].bits, 256);
        assert_eq!(keys[0].fingerprint_sha256, "SHA256:ioNlc0ANu2SUBokoKAWQZhv/ni5fCEaN9H8SAsYlpsM");
        assert_eq!(keys[0].comment, "my comment (with) spaces");
        assert_eq!(keys[0].key_type, "ED25519");
        assert_eq!((keys[1].comment.as_str(), keys[1].key_type.as_str(), keys[1].bits), ("", "RSA", 2048));
    }

    #[test]
    fn no_socket_is_no_agent() {
        let a = Agent::at("", Prompts::Never);
        assert!(matches!(a.identities(), Err(AgentError::NoAgent)));
    }
}
