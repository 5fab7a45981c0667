//! The commands that reach servers: `key deploy|undeploy|rotate` and
//! `host check|audit|reset-key`. Each prints one line (or one JSON object) per host and
//! exits 0 only when every host succeeded.

use std::io::Write;

use super::commands::{print_json, CliError, Result};
use super::output::table;
use super::RemoteArgs;
use crate::inventory::{Inventory, KeyPair};
use crate::remote::{self, HostOutcome, HostStatus, Prompts, Remote, Ssh, SshCommand};

fn remote_for(a: &RemoteArgs) -> Result<Remote> {
    let command = SshCommand::from_env().map_err(|e| CliError::Usage(e.to_string()))?;
    let mut r = Remote::new(Ssh { command, prompts: Prompts::Terminal, accept_new: a.accept_new });
    if let Some(i) = &a.identity {
        if !i.is_file() {
            return Err(CliError::Usage(format!("--identity {}: no such file", i.display())));
        }
        r.identity = Some(std::fs::canonicalize(i).unwrap_or_else(|_| i.clone()));
    }
    Ok(r)
}

fn quiet(_: remote::Progress) {}

/// Prints the outcomes; an error when any host failed, so the exit status says so. A
/// changed host key gets the known_hosts cleanup for all the host's names.
fn report(inv: &Inventory, out: &mut dyn Write, outcomes: &[HostOutcome], json: bool) -> Result<()> {
    if json {
        print_json(out, outcomes)?;
    } else {
        let rows: Vec<Vec<String>> =
            outcomes.iter().map(|o| vec![o.host.clone(), o.status.word().to_string(), o.message.clone()]).collect();
        write!(out, "{}", table(&["HOST", "STATUS", "DETAIL"], &rows))?;
        for o in outcomes.iter().filter(|o| o.status == HostStatus::HostKeyChanged) {
            if let Ok(h) = inv.host(&o.host) {
                let names: Vec<String> = h.known_hosts_names().iter().map(|n| super::commands::shell_word(n)).collect();
                writeln!(
                    out,
                    "{}'s host key changed. If you know why (the server was rebuilt), remove its old lines with\n  \
                     keyshelf known-hosts remove {}\nand run this command again.",
                    o.host,
                    names.join(" ")
                )?;
            }
        }
        if outcomes.iter().any(|o| o.status == HostStatus::HostKeyUnknown) {
            writeln!(out, "To trust a new host's key on first use, run this command again with --accept-new.")?;
        }
    }
    let failed = outcomes.iter().filter(|o| !o.ok).count();
    if failed > 0 {
        return Err(CliError::Failed(format!("{failed} of {} host(s) failed; see above", outcomes.len())));
    }
    Ok(())
}

pub fn deploy(inv: &mut Inventory, key: &KeyPair, hosts: &[String], a: &RemoteArgs, out: &mut dyn Write) -> Result<()> {
    let r = remote_for(a)?;
    let outcomes = remote::deploy(inv, &r, key, hosts, &quiet)?;
    report(inv, out, &outcomes, a.json)
}

pub fn undeploy(
    inv: &mut Inventory,
    key: &KeyPair,
    hosts: &[String],
    force: bool,
    a: &RemoteArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let r = remote_for(a)?;
    let outcomes = remote::undeploy(inv, &r, key, hosts, force, &quiet)?;
    report(inv, out, &outcomes, a.json)
}

pub fn rotate(
    inv: &mut Inventory,
    old: &KeyPair,
    new: &KeyPair,
    delete_old: bool,
    a: &RemoteArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let r = remote_for(a)?;
    if old.hosts.is_empty() {
        return Err(CliError::Usage(format!(
            "key pair '{}' is bound to no host: nothing to rotate (bind it, or deploy '{}' with `keyshelf key deploy`)",
            old.name, new.name
        )));
    }
    let (outcomes, deleted) = remote::rotate(inv, &r, old, new, delete_old, &quiet)?;
    let res = report(inv, out, &outcomes, a.json);
    if deleted && !a.json {
        writeln!(out, "Every host moved to {}; deleted key pair {}.", new.name, old.name)?;
    }
    res
}

pub fn reset_key(inv: &mut Inventory, host: &str, key: &KeyPair, a: &RemoteArgs, out: &mut dyn Write) -> Result<()> {
    let r = remote_for(a)?;
    let outcomes = remote::reset_key(inv, &r, host, key, &quiet)?;
    let res = report(inv, out, &outcomes, a.json);
    if res.is_ok() && !a.json {
        let h = inv.host(host)?;
        super::commands::known_hosts_hint(out, &h.known_hosts_names())?;
    }
    res
}

pub fn check(inv: &mut Inventory, hosts: &[String], a: &RemoteArgs, out: &mut dyn Write) -> Result<()> {
    if a.identity.is_some() {
        return Err(CliError::Usage(
            "host check logs in with each bound key pair alone; --identity does not apply (bind the key pair instead)"
                .into(),
        ));
    }
    let r = remote_for(a)?;
    let outcomes = remote::check(inv, &r, hosts, &quiet)?;
    report(inv, out, &outcomes, a.json)
}

pub fn audit(inv: &mut Inventory, host: &str, import: bool, a: &RemoteArgs, out: &mut dyn Write) -> Result<()> {
    let r = remote_for(a)?;
    let mut audit = remote::audit(inv, &r, host)?;
    let imported = if import { remote::audit::import_unknown(inv, &mut audit, host)? } else { Vec::new() };
    if a.json {
        return print_json(out, &audit.entries);
    }
    if !audit.file_present {
        writeln!(out, "{host} has no {} yet.", inv.host(host)?.authorized_keys)?;
    }
    let rows: Vec<Vec<String>> = audit
        .entries
        .iter()
        .map(|e| {
            vec![
                e.line.to_string(),
                e.key_pair.clone().unwrap_or_else(|| "unknown".into()),
                e.key_type.clone(),
                e.fingerprint_sha256.clone(),
                e.comment.clone(),
                e.options.clone(),
            ]
        })
        .collect();
    write!(out, "{}", table(&["LINE", "KEY PAIR", "TYPE", "FINGERPRINT", "COMMENT", "OPTIONS"], &rows))?;
    for u in &audit.unreadable {
        writeln!(out, "line {}: not a key Keyshelf can read ({}); left as it is", u.line, u.message)?;
    }
    for (line, name) in &imported {
        writeln!(out, "Imported line {line} as key pair {name}")?;
    }
    Ok(())
}
