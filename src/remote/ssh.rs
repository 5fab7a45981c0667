//! Running the user's own OpenSSH client: the program and its fixed options
//! (`KEYSHELF_SSH_COMMAND`, as git's `GIT_SSH_COMMAND`, else `ssh`), how prompts are
//! answered, and reading what ssh said: which key it logged in with and, when it failed,
//! why, in the words of the check (`refused`, `unreachable`, `host key changed`...).
//!
//! Host key checking is never turned off: the only thing Keyshelf may add is
//! `StrictHostKeyChecking=accept-new` when the user asked for it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::RemoteError;

/// The environment variable that replaces `ssh` and its fixed options.
pub const SSH_COMMAND_VAR: &str = "KEYSHELF_SSH_COMMAND";

/// The ssh program and the options that always come first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshCommand {
    pub program: String,
    pub args: Vec<String>,
}

impl SshCommand {
    /// `KEYSHELF_SSH_COMMAND` when set and not blank, else `ssh`.
    pub fn from_env() -> Result<SshCommand, RemoteError> {
        match std::env::var(SSH_COMMAND_VAR) {
            Ok(v) if !v.trim().is_empty() => SshCommand::parse(&v),
            _ => Ok(SshCommand { program: "ssh".into(), args: Vec::new() }),
        }
    }

    /// Splits a command line into words as a POSIX shell would (`shell_words`): blanks
    /// separate words, single quotes keep everything, double quotes keep everything but
    /// `\"`, `\\`, `\$` and `` \` ``, a backslash outside quotes escapes the next
    /// character. No variables or globs are expanded.
    pub fn parse(line: &str) -> Result<SshCommand, RemoteError> {
        let bad = |why: &'static str| RemoteError::SshCommand { line: line.to_string(), why };
        let words = shell_words::split(line).map_err(|_| bad("a quote is not closed, or it ends with a backslash"))?;
        let mut it = words.into_iter();
        let program = it.next().ok_or_else(|| bad("it names no program"))?;
        Ok(SshCommand { program, args: it.collect() })
    }

    /// The command as the user would type it.
    pub fn display(&self) -> String {
        shell_line(std::iter::once(self.program.as_str()).chain(self.args.iter().map(String::as_str)))
    }
}

/// Words joined into one command line that `sh -c` splits back into the same words.
pub fn shell_line<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words.into_iter().map(crate::paths::shell_word).collect::<Vec<_>>().join(" ")
}

/// How ssh asks for a passphrase, a password or whether to trust a new host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompts {
    /// On the terminal, as ssh always does (the CLI).
    Terminal,
    /// Through an askpass program (the app): `SSH_ASKPASS` with `SSH_ASKPASS_REQUIRE=force`,
    /// and the app's socket for Keyshelf's own helper (see `askpass`).
    Askpass { program: PathBuf, socket: PathBuf },
    /// Never ask (`BatchMode=yes`): tests and scripts.
    Never,
}

impl Prompts {
    /// Points the questions of an OpenSSH program (ssh, ssh-add) at the askpass helper
    /// when these prompts are [`Prompts::Askpass`]; the other kinds leave `c` as it is.
    pub fn set_askpass_env(&self, c: &mut Command) {
        if let Prompts::Askpass { program, socket } = self {
            c.env("SSH_ASKPASS", program).env("SSH_ASKPASS_REQUIRE", "force").env("KEYSHELF_ASKPASS_SOCKET", socket);
        }
    }
}

/// Where to connect: what ssh takes as destination and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `user@address`, or `address` to let the user's config choose the user.
    pub destination: String,
    pub port: u16,
    /// The host's name in the inventory, for the questions ssh asks through the app.
    pub name: String,
}

/// Everything that shapes one ssh invocation apart from the remote command.
#[derive(Debug, Clone)]
pub struct Ssh {
    pub command: SshCommand,
    pub prompts: Prompts,
    /// `StrictHostKeyChecking=accept-new`: trust a host seen for the first time.
    pub accept_new: bool,
}

/// Which keys a connection may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identities {
    /// These files first, then whatever the user's setup offers (agent, config).
    Prefer(Vec<PathBuf>),
    /// This key only (`IdentitiesOnly=yes`, no multiplexed connection): a proof.
    Only(PathBuf),
}

impl Ssh {
    /// The command up to and including the destination; the caller adds the remote
    /// command. Runs with `-v` so that the key ssh logged in with can be read back.
    pub fn command_for(&self, at: &Endpoint, ids: &Identities) -> Command {
        let mut c = Command::new(&self.command.program);
        c.args(&self.command.args);
        let o = |c: &mut Command, opt: &str| {
            c.arg("-o").arg(opt);
        };
        if self.accept_new {
            o(&mut c, "StrictHostKeyChecking=accept-new");
        }
        o(&mut c, "ConnectTimeout=20");
        o(&mut c, "ServerAliveInterval=15");
        o(&mut c, "ServerAliveCountMax=2");
        let proof = matches!(ids, Identities::Only(_));
        match &self.prompts {
            Prompts::Askpass { .. } => {
                o(&mut c, "BatchMode=no");
                self.prompts.set_askpass_env(&mut c);
            }
            // A proof never waits on a question: a key that needs a passphrase the agent
            // does not hold is reported, not asked for on the terminal.
            Prompts::Never => o(&mut c, "BatchMode=yes"),
            Prompts::Terminal if proof => o(&mut c, "BatchMode=yes"),
            Prompts::Terminal => {}
        }
        match ids {
            Identities::Prefer(files) => {
                for f in files {
                    c.arg("-i").arg(f);
                }
            }
            Identities::Only(f) => {
                o(&mut c, "IdentitiesOnly=yes");
                o(&mut c, "PreferredAuthentications=publickey");
                // A login proved over someone else's multiplexed connection proves nothing.
                o(&mut c, "ControlPath=none");
                o(&mut c, "ControlMaster=no");
                c.arg("-i").arg(f);
            }
        }
        // The askpass helper (a child of ssh) passes it on with each question.
        c.env("KEYSHELF_ASKPASS_HOST", &at.name);
        c.arg("-p").arg(at.port.to_string());
        c.args(["-v", "-T", "--"]).arg(&at.destination);
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    }

    /// Logs in with `key` only and runs nothing. `Ok` only when the server accepted
    /// exactly the key with this fingerprint.
    pub fn prove(&self, at: &Endpoint, key: &Path, fingerprint: &str) -> Result<(), Failure> {
        let mut c = self.command_for(at, &Identities::Only(key.to_path_buf()));
        c.arg("exit 0").stdin(Stdio::null());
        let out = c.output().map_err(|e| spawn_failure(&self.command, &e))?;
        let said = Said::new(&out.stderr);
        if !out.status.success() {
            return Err(said.failure(out.status.code()));
        }
        match said.accepted_key() {
            Some(fp) if fp == fingerprint => Ok(()),
            Some(other) => Err(Failure {
                kind: FailureKind::Refused,
                message: format!(
                    "the server did not accept {} ({fingerprint}); ssh got in with another key ({other}) from its own setup",
                    key.display()
                ),
            }),
            None => Err(Failure {
                kind: FailureKind::Refused,
                message: format!("ssh logged in without the key {} (another method was used)", key.display()),
            }),
        }
    }
}

/// Why an ssh connection did not do its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The server refused every key offered.
    Refused,
    /// No connection: name, network, port, timeout.
    Unreachable,
    /// The host key differs from the one in known_hosts.
    HostKeyChanged,
    /// The host key is not in known_hosts and ssh may not ask (or the user said no).
    HostKeyUnknown,
    /// The connection worked but the work on the server failed.
    Remote,
}

impl FailureKind {
    /// The check word for it.
    pub fn word(self) -> &'static str {
        super::HostStatus::from(self).word()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// ssh's own reason, or the server-side script's.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub(crate) fn spawn_failure(cmd: &SshCommand, e: &std::io::Error) -> Failure {
    Failure {
        kind: FailureKind::Unreachable,
        message: format!("cannot run '{}': {e} (set {SSH_COMMAND_VAR} to your ssh program)", cmd.program),
    }
}

/// What ssh wrote on its standard error with `-v`.
pub struct Said<'a> {
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Said<'a> {
    pub fn new(stderr: &'a [u8]) -> Said<'a> {
        Said { text: String::from_utf8_lossy(stderr) }
    }

    /// The SHA-256 fingerprint of the key the server accepted, when ssh logged in with
    /// a key: `debug1: Server accepts key: PATH TYPE SHA256:... ...`.
    pub fn accepted_key(&self) -> Option<String> {
        self.text
            .lines()
            .filter(|l| l.contains("Server accepts key:"))
            .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("SHA256:")).map(str::to_string))
            .next_back()
    }

    /// Whether ssh logged in by public key (as opposed to password or another method).
    pub fn used_publickey(&self) -> bool {
        self.text.lines().any(|l| l.starts_with("Authenticated to ") && l.contains("\"publickey\""))
    }

    /// The lines a person should see: ssh's messages without its debug output.
    pub fn reason(&self) -> String {
        let keep: Vec<&str> = self
            .text
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("debug")
                    && !l.starts_with("OpenSSH_")
                    && !l.starts_with("Authenticated to ")
                    && !l.starts_with("Transferred: ")
                    && !l.starts_with("Bytes per second")
                    && !l.starts_with("Warning: Permanently added")
                    && !l.starts_with('@')
            })
            .collect();
        // Two messages stay two: "a. b" or "a; b", never "a b" run together.
        let tail = &keep[keep.len().saturating_sub(2)..];
        let mut out = String::new();
        for line in tail {
            if !out.is_empty() {
                out.push_str(if out.ends_with(['.', ':', ';', '!', '?']) { " " } else { "; " });
            }
            out.push_str(line);
        }
        out
    }

    /// Classifies a failed run. ssh exits 255 for its own errors; anything else is the
    /// remote command's status.
    pub fn failure(&self, code: Option<i32>) -> Failure {
        let t = &self.text;
        let kind = if t.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
            || t.contains("has changed and you have requested")
        {
            FailureKind::HostKeyChanged
        } else if t.contains("Host key verification failed") {
            FailureKind::HostKeyUnknown
        } else if t.contains("Permission denied") || t.contains("Too many authentication failures") {
            FailureKind::Refused
        } else if code == Some(255) || code.is_none() {
            FailureKind::Unreachable
        } else {
            FailureKind::Remote
        };
        let reason = self.reason();
        let message = match kind {
            FailureKind::HostKeyChanged => format!(
                "the host's key has changed since it was saved in known_hosts; this may be an attack, or the server was \
                 rebuilt. If you know why, clean its known_hosts lines and try again. ({})",
                if reason.is_empty() { "Host key verification failed." } else { &reason }
            ),
            FailureKind::HostKeyUnknown => format!(
                "the host's key is not in known_hosts yet; connect once with ssh to check and accept it, or trust it on \
                 first use ({reason})"
            ),
            _ if reason.is_empty() => match code {
                Some(c) => format!("ssh exited with status {c}"),
                None => "ssh was stopped by a signal".into(),
            },
            _ => reason,
        };
        Failure { kind, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_command_splits_like_a_shell() {
        let c = SshCommand::parse(r#"ssh -F /dev/null -o 'UserKnownHostsFile=/tmp/a b' -o "X=\"y\"" a\ b"#).unwrap();
        assert_eq!(c.program, "ssh");
        assert_eq!(c.args, ["-F", "/dev/null", "-o", "UserKnownHostsFile=/tmp/a b", "-o", "X=\"y\"", "a b"]);
        assert_eq!(SshCommand::parse(&c.display()).unwrap(), c);
        assert!(SshCommand::parse("ssh 'open").is_err());
        assert!(SshCommand::parse("   ").is_err());
    }

    #[test]
    fn what_ssh_said_is_read_back() {
        let s = "OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.11\n\
                 debug1: Server accepts key: /k/a ED25519 SHA256:abc explicit\n\
                 Authenticated to 127.0.0.1 ([127.0.0.1]:2222) using \"publickey\".\n";
        let said = Said::new(s.as_bytes());
        assert_eq!(said.accepted_key().as_deref(), Some("SHA256:abc"));
        assert!(said.used_publickey());
        let denied = "debug1: Next authentication method: publickey\nuser@127.0.0.1: Permission denied (publickey).\n";
        let f = Said::new(denied.as_bytes()).failure(Some(255));
        assert_eq!(f.kind, FailureKind::Refused);
        assert_eq!(f.message, "user@127.0.0.1: Permission denied (publickey).");
        let gone = "ssh: connect to host 127.0.0.1 port 1: Connection refused\n";
        assert_eq!(Said::new(gone.as_bytes()).failure(Some(255)).kind, FailureKind::Unreachable);
        let remote = "keyshelf: received 3 of 9 bytes; nothing changed\n";
        let f = Said::new(remote.as_bytes()).failure(Some(91));
        assert_eq!((f.kind, f.message.as_str()), (FailureKind::Remote, remote.trim()));
        // Two messages stay two, not one run-on line.
        let two = "Load key \"/k\": bad permissions\nuser@h: Permission denied (publickey).\n";
        assert_eq!(
            Said::new(two.as_bytes()).reason(),
            "Load key \"/k\": bad permissions; user@h: Permission denied (publickey)."
        );
        let dotted = "Connection closed by 10.0.0.1 port 22.\nKex error.\n";
        assert_eq!(Said::new(dotted.as_bytes()).reason(), "Connection closed by 10.0.0.1 port 22. Kex error.");
    }
}
