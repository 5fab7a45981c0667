//! Logging in to a host with its bound key pair: the ssh command line (to run, to copy,
//! or to open in the user's terminal).
//!
//! The command is the user's own ssh (`KEYSHELF_SSH_COMMAND` honoured) with the key
//! pair's private key file alone (`-i FILE -o IdentitiesOnly=yes`), the host's user and
//! port, then the caller's extra arguments after the destination (ssh reads options
//! there too, and the rest is the remote command). Only the key's path is on the
//! command line, never the key.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::inventory::{Host, Inventory, InventoryError, KeyPair};
use crate::remote::ssh::shell_line;
use crate::remote::{endpoint, SshCommand};

/// Why no command could be made, or no terminal opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "host '{host}' has no bound key pair whose private key file Keyshelf has{}; bind one (`keyshelf key bind`), \
         or log in with your own ssh setup (--any-key)",
        if why.is_empty() { String::new() } else { format!(" ({})", why.join("; ")) }
    )]
    NoKey { host: String, why: Vec<String> },
    #[error(transparent)]
    Key(#[from] crate::local::agent::AgentError),
    #[error("host '{host}': its destination '{destination}' starts with '-', which ssh would read as an option")]
    BadDestination { host: String, destination: String },
    #[error(
        "no terminal found: set TERMINAL to your terminal program (or install x-terminal-emulator, gnome-terminal, \
         konsole, xfce4-terminal or xterm)"
    )]
    NoTerminal,
    #[error("cannot start the terminal '{program}': {source}")]
    Terminal { program: String, source: std::io::Error },
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

/// Which key the login uses.
#[derive(Debug, Clone, Default)]
pub enum KeyChoice {
    /// The first key pair bound to the host (oldest binding) whose private key file is
    /// there; an error when there is none.
    #[default]
    Bound,
    /// The same, but with none, ssh uses the user's own setup (agent, config).
    BoundOrOwnSetup,
    /// This key pair, bound or not.
    Pair(Box<KeyPair>),
}

/// An ssh command line that logs in to one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectCommand {
    /// The host's name in the inventory.
    pub host: String,
    /// The key pair logged in with; `None`: the user's own ssh setup.
    pub key_pair: Option<String>,
    /// Its private key file.
    pub identity: Option<PathBuf>,
    /// The program and its arguments.
    pub argv: Vec<String>,
}

impl ConnectCommand {
    /// The command as one line a POSIX shell splits back into [`ConnectCommand::argv`]
    /// (the app's "Copy ssh command").
    pub fn shell(&self) -> String {
        shell_line(self.argv.iter().map(String::as_str))
    }

    /// A process for it; its standard streams are the caller's to set.
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.argv[0]);
        c.args(&self.argv[1..]);
        c
    }
}

/// The command that logs in to host `host` with `choice`; `extra` comes after the
/// destination (ssh options, then the remote command).
pub fn connect_command(
    inv: &Inventory,
    ssh: &SshCommand,
    host: &str,
    choice: &KeyChoice,
    extra: &[String],
) -> Result<ConnectCommand, ConnectError> {
    let h = inv.host(host)?;
    let key = match choice {
        KeyChoice::Pair(k) => Some(((**k).clone(), crate::local::agent::private_key_file(k)?)),
        KeyChoice::Bound | KeyChoice::BoundOrOwnSetup => match bound_key(inv, &h)? {
            Ok(found) => Some(found),
            Err(_) if matches!(choice, KeyChoice::BoundOrOwnSetup) => None,
            Err(why) => return Err(ConnectError::NoKey { host: h.name.clone(), why }),
        },
    };
    let at = endpoint(&h);
    if at.destination.starts_with('-') {
        return Err(ConnectError::BadDestination { host: h.name.clone(), destination: at.destination });
    }
    let mut argv = vec![ssh.program.clone()];
    argv.extend(ssh.args.iter().cloned());
    if let Some((_, file)) = &key {
        argv.extend(["-i".into(), file.to_string_lossy().into_owned(), "-o".into(), "IdentitiesOnly=yes".into()]);
    }
    argv.extend(["-p".into(), at.port.to_string(), at.destination]);
    argv.extend(extra.iter().cloned());
    let (key_pair, identity) = match key {
        Some((k, file)) => (Some(k.name), Some(file)),
        None => (None, None),
    };
    Ok(ConnectCommand { host: h.name, key_pair, identity, argv })
}

/// The first bound key pair with its private key file, or why each bound one cannot
/// be used.
fn bound_key(inv: &Inventory, h: &Host) -> Result<Result<(KeyPair, PathBuf), Vec<String>>, ConnectError> {
    let mut why = Vec::new();
    for (id, _) in &h.keys {
        let k = inv.key(*id)?;
        match crate::local::agent::private_key_file(&k) {
            Ok(file) => return Ok(Ok((k, file))),
            Err(e) => why.push(e.to_string()),
        }
    }
    Ok(Err(why))
}

/// Opens the user's terminal running `cmd`; returns the terminal program started. When
/// ssh fails, the window stays open until Enter so that its message can be read.
pub fn open_in_terminal(cmd: &ConnectCommand) -> Result<String, ConnectError> {
    let script = format!(
        "{}; s=$?; if [ $s -ne 0 ]; then printf '\\n[ssh exited with status %s; press Enter to close]' $s; read -r _; \
         fi; exit $s",
        cmd.shell()
    );
    #[cfg(target_os = "macos")]
    {
        let file = mac_script(&script)?;
        let argv = vec!["open".to_string(), "-a".into(), "Terminal".into(), file.to_string_lossy().into_owned()];
        spawn_detached(&argv)
    }
    #[cfg(not(target_os = "macos"))]
    {
        let inner = ["sh".to_string(), "-c".into(), script];
        let terminal = std::env::var("TERMINAL").ok();
        let argv = terminal_argv(terminal.as_deref(), in_path, &inner).ok_or(ConnectError::NoTerminal)?;
        spawn_detached(&argv)
    }
}

/// How to run `inner` in a terminal: `$TERMINAL -e` (its words split at blanks, so it
/// may carry options), else `x-terminal-emulator -e`, else the first common terminal
/// found by `found` (each with its own way to take a command).
pub fn terminal_argv(terminal: Option<&str>, found: impl Fn(&str) -> bool, inner: &[String]) -> Option<Vec<String>> {
    let known = [
        ("x-terminal-emulator", "-e"),
        ("gnome-terminal", "--"),
        ("konsole", "-e"),
        ("xfce4-terminal", "-x"),
        ("xterm", "-e"),
    ];
    let mut argv: Vec<String> = terminal.unwrap_or("").split_whitespace().map(str::to_string).collect();
    if argv.is_empty() {
        let (program, flag) = known.into_iter().find(|(p, _)| found(p))?;
        argv.push(program.to_string());
        argv.push(flag.to_string());
    } else {
        argv.push("-e".into());
    }
    argv.extend(inner.iter().cloned());
    Some(argv)
}

/// Whether an executable file with this name is in a folder of `PATH`.
fn in_path(program: &str) -> bool {
    !program.contains('/') && crate::paths::find_program(program, None).is_some()
}

/// Starts the terminal without waiting for it (a thread reaps it when it ends).
fn spawn_detached(argv: &[String]) -> Result<String, ConnectError> {
    let program = argv.first().cloned().unwrap_or_default();
    let mut child = Command::new(&program)
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| ConnectError::Terminal { program: program.clone(), source })?;
    std::thread::spawn(move || child.wait());
    Ok(program)
}

/// Terminal.app runs a `.command` file it is given: one that removes itself, then runs
/// the script.
#[cfg(target_os = "macos")]
fn mac_script(script: &str) -> Result<PathBuf, ConnectError> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let fail = |source| ConnectError::Terminal { program: "open".into(), source };
    let mut f = tempfile::Builder::new().prefix("keyshelf-connect-").suffix(".command").tempfile().map_err(fail)?;
    write!(f, "#!/bin/sh\nrm -f \"$0\"\n{script}\n").map_err(fail)?;
    f.as_file().set_permissions(std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    let (_, path) = f.keep().map_err(|e| fail(e.error))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner() -> Vec<String> {
        vec!["sh".into(), "-c".into(), "ssh x".into()]
    }

    #[test]
    fn the_terminal_is_the_users_then_the_debian_default_then_a_common_one() {
        let all = |_: &str| true;
        let none = |_: &str| false;
        assert_eq!(terminal_argv(Some("alacritty"), none, &inner()).unwrap(), ["alacritty", "-e", "sh", "-c", "ssh x"]);
        assert_eq!(
            terminal_argv(Some("kitty  --single-instance"), none, &inner()).unwrap()[..3],
            ["kitty", "--single-instance", "-e"]
        );
        assert_eq!(terminal_argv(Some(" "), all, &inner()).unwrap()[..2], ["x-terminal-emulator", "-e"]);
        assert_eq!(terminal_argv(None, |p| p == "gnome-terminal", &inner()).unwrap()[..2], ["gnome-terminal", "--"]);
        assert_eq!(terminal_argv(None, |p| p == "konsole", &inner()).unwrap()[..2], ["konsole", "-e"]);
        assert_eq!(terminal_argv(None, |p| p == "xfce4-terminal", &inner()).unwrap()[..2], ["xfce4-terminal", "-x"]);
        assert_eq!(terminal_argv(None, |p| p == "xterm", &inner()).unwrap()[..2], ["xterm", "-e"]);
        assert_eq!(terminal_argv(None, none, &inner()), None);
    }
}
