//! `agent add|list|rm` (the user's ssh-agent) and `connect` (ssh to a host with its
//! bound key pair).

use std::io::Write;

use super::commands::{print_json, scope, CliError, Result};
use super::output::table;
use super::{AgentCommand, ConnectArgs};
use crate::inventory::Inventory;
use crate::local::agent::{AddOptions, Agent, Lifetime};
use crate::local::connect::{connect_command, open_in_terminal, ConnectCommand, KeyChoice};
use crate::remote::{Prompts, SshCommand};

pub fn agent(inv: Inventory, c: AgentCommand, out: &mut dyn Write) -> Result<()> {
    // ssh-add asks for a passphrase on the terminal, as it always does.
    let agent = Agent::new(Prompts::Terminal);
    match c {
        AgentCommand::Add { key, scope: s, lifetime, confirm } => {
            let lifetime = lifetime.as_deref().map(Lifetime::parse).transpose()?;
            let k = inv.resolve_key(&key, &scope(&s))?;
            agent.add(&k, &AddOptions { lifetime, confirm })?;
            let mut how = Vec::new();
            if let Some(l) = lifetime {
                how.push(format!("for {l}"));
            }
            if confirm {
                how.push("each use to be confirmed".into());
            }
            let how = if how.is_empty() { String::new() } else { format!(", {}", how.join(", ")) };
            writeln!(out, "Added key pair {} to the agent ({}{how})", k.name, k.fingerprint_sha256)?;
        }
        AgentCommand::List { json } => {
            let keys = agent.list(&inv)?;
            if json {
                return print_json(out, &keys);
            }
            if keys.is_empty() {
                writeln!(out, "The agent holds no keys.")?;
                return Ok(());
            }
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    vec![
                        if k.key_pairs.is_empty() { "-".into() } else { k.key_pairs.join(",") },
                        format!("{} {}", k.key_type, k.bits),
                        k.fingerprint_sha256.clone(),
                        k.comment.clone(),
                    ]
                })
                .collect();
            write!(out, "{}", table(&["KEY PAIRS", "TYPE", "FINGERPRINT", "COMMENT"], &rows))?;
        }
        AgentCommand::Rm { all: true, .. } => {
            agent.remove_all()?;
            writeln!(out, "Removed every key from the agent")?;
        }
        AgentCommand::Rm { key, scope: s, all: false } => {
            let key = key.ok_or_else(|| CliError::Usage("name the key pair to remove, or use --all".into()))?;
            let k = inv.resolve_key(&key, &scope(&s))?;
            agent.remove(&k)?;
            writeln!(out, "Removed key pair {} from the agent", k.name)?;
        }
    }
    Ok(())
}

/// `connect --print --json`.
#[derive(serde::Serialize)]
struct ConnectJson<'a> {
    argv: &'a [String],
    command: String,
    host: &'a str,
    identity: Option<String>,
    key_pair: Option<&'a str>,
}

pub fn connect(inv: Inventory, a: ConnectArgs, out: &mut dyn Write) -> Result<()> {
    let ssh = SshCommand::from_env()?;
    let choice = match (&a.key, a.any_key) {
        (Some(key), _) => KeyChoice::Pair(Box::new(inv.resolve_key(key, &scope(&a.scope))?)),
        (None, true) => KeyChoice::BoundOrOwnSetup,
        (None, false) => KeyChoice::Bound,
    };
    let cmd = connect_command(&inv, &ssh, &a.host, &choice, &a.ssh_args)?;
    // ssh may run for hours: the inventory is closed first.
    drop(inv);
    if a.print {
        if a.json {
            return print_json(
                out,
                &ConnectJson {
                    argv: &cmd.argv,
                    command: cmd.shell(),
                    host: &cmd.host,
                    identity: cmd.identity.as_ref().map(|p| p.to_string_lossy().into_owned()),
                    key_pair: cmd.key_pair.as_deref(),
                },
            );
        }
        writeln!(out, "{}", cmd.shell())?;
        return Ok(());
    }
    if a.terminal {
        let terminal = open_in_terminal(&cmd)?;
        writeln!(out, "Opened {} in {terminal}", cmd.host)?;
        return Ok(());
    }
    out.flush()?;
    run_interactive(&cmd)
}

/// Becomes ssh: its terminal, its streams, its exit status.
#[cfg(unix)]
fn run_interactive(cmd: &ConnectCommand) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let e = cmd.command().exec();
    Err(CliError::Usage(format!("cannot run '{}': {e} (set KEYSHELF_SSH_COMMAND to your ssh program)", cmd.argv[0])))
}

#[cfg(not(unix))]
fn run_interactive(cmd: &ConnectCommand) -> Result<()> {
    let status = cmd.command().status().map_err(|e| {
        CliError::Usage(format!("cannot run '{}': {e} (set KEYSHELF_SSH_COMMAND to your ssh program)", cmd.argv[0]))
    })?;
    std::process::exit(status.code().unwrap_or(1));
}
