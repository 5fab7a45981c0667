//! `keyshelf ssh-config write|show|off` and `keyshelf host import-ssh-config`: argument
//! handling and output only; the rules live in [`crate::local::ssh_config`].

use std::io::Write;
use std::path::PathBuf;

use super::commands::{print_json, CliError, Result};
use super::output::table;
use crate::inventory::Inventory;
use crate::local::ssh_config::{self, ImportStatus, IncludeChange, Plan};
use crate::remote::SshCommand;

#[derive(clap::Subcommand, Debug)]
pub enum SshConfigCommand {
    /// Write keyshelf.conf next to your ssh config and Include it (once) at its top
    Write {
        /// The ssh config to Include it from (default: ~/.ssh/config)
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        /// Print what would be written and the Include change; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the managed file as it would be written now, and the hosts left out
    Show {
        /// The ssh config it is included from (default: the one `write` used, else ~/.ssh/config)
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Stop managing it: take the Include line out, remove keyshelf.conf
    Off,
}

fn user_config(file: Option<PathBuf>) -> Result<PathBuf> {
    Ok(match file {
        Some(f) => f,
        None => ssh_config::default_user_config()?,
    })
}

/// The hosts without a managed block, after the file or the summary.
fn left_out(p: &Plan, out: &mut dyn Write) -> Result<()> {
    for l in &p.left_to_user {
        writeln!(out, "Left to your own config: {} (defined in {} line {})", l.name, l.file.display(), l.line)?;
    }
    for s in &p.skipped {
        writeln!(out, "Skipped: {}: {}", s.name, s.reason)?;
    }
    Ok(())
}

pub fn run(inv: &mut Inventory, c: SshConfigCommand, out: &mut dyn Write) -> Result<()> {
    match c {
        SshConfigCommand::Write { file, dry_run } => {
            let p = ssh_config::plan(inv, &user_config(file)?)?;
            let config = p.user_config.display();
            if dry_run {
                writeln!(out, "Would write {} ({} host(s)):", p.managed_path.display(), p.managed.len())?;
                write!(out, "{}", p.text)?;
                match p.include {
                    IncludeChange::AlreadyPresent => {
                        writeln!(out, "{config} already includes it; it would not change.")?
                    }
                    IncludeChange::Insert => writeln!(out, "Would add at the top of {config}: {}", p.include_line)?,
                    IncludeChange::Create => {
                        writeln!(out, "Would create {config} (mode 0600) with: {}", p.include_line)?
                    }
                }
                return left_out(&p, out);
            }
            let applied = ssh_config::apply_and_enable(inv, &p)?;
            writeln!(out, "Wrote {} ({} host(s)).", applied.managed_path.display(), p.managed.len())?;
            if let Some(b) = &applied.backup {
                writeln!(out, "Backed up {config} to {}.", b.display())?;
            }
            if applied.include_added {
                writeln!(out, "Added at the top of {config}: {}", p.include_line)?;
            } else {
                writeln!(out, "{config} already includes it; left as it is.")?;
            }
            left_out(&p, out)?;
            writeln!(out, "Keyshelf keeps it up to date from now on; `keyshelf ssh-config off` stops that.")?;
            Ok(())
        }
        SshConfigCommand::Show { file } => {
            let file = match file {
                Some(f) => f,
                None => match inv.setting(ssh_config::SETTING_USER_CONFIG)? {
                    Some(f) => PathBuf::from(f),
                    None => ssh_config::default_user_config()?,
                },
            };
            let p = ssh_config::plan(inv, &file)?;
            write!(out, "{}", p.text)?;
            left_out(&p, out)
        }
        SshConfigCommand::Off => {
            match ssh_config::disable(inv)? {
                None => writeln!(out, "No managed ssh config was ever written; nothing to do.")?,
                Some(d) => {
                    if d.include_removed {
                        writeln!(out, "Took the Include of keyshelf.conf out of {}.", d.user_config.display())?;
                    }
                    if let Some(m) = &d.managed_removed {
                        writeln!(out, "Removed {}.", m.display())?;
                    }
                    writeln!(out, "Keyshelf no longer manages an ssh config.")?;
                }
            }
            Ok(())
        }
    }
}

/// `host import-ssh-config`: exits 1 when any alias failed.
pub fn import(inv: &mut Inventory, file: Option<PathBuf>, json: bool, out: &mut dyn Write) -> Result<()> {
    let config = user_config(file)?;
    let ssh = SshCommand::from_env().map_err(|e| CliError::Usage(e.to_string()))?;
    // The caller refreshes the managed config afterwards, as after any host command.
    let (entries, problems) = ssh_config::import_hosts(inv, &ssh, &config)?;
    for p in &problems {
        let _ = writeln!(std::io::stderr(), "keyshelf: warning: an included file was not read: {p}");
    }
    if json {
        print_json(out, &entries)?;
    } else {
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                vec![
                    e.alias.clone(),
                    e.status.as_str().to_string(),
                    e.hostname.clone().unwrap_or_else(|| "-".into()),
                    e.user.clone().unwrap_or_else(|| "-".into()),
                    e.port.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    e.bound_key.clone().unwrap_or_else(|| "-".into()),
                    e.message.clone(),
                ]
            })
            .collect();
        write!(out, "{}", table(&["ALIAS", "STATUS", "HOSTNAME", "USER", "PORT", "KEY PAIR", "DETAIL"], &rows))?;
    }
    let failed = entries.iter().filter(|e| e.status == ImportStatus::Failed).count();
    if failed > 0 {
        return Err(CliError::Failed(format!("{failed} of {} alias(es) failed; see above", entries.len())));
    }
    if entries.is_empty() && !json {
        writeln!(out, "{} defines no concrete Host alias.", config.display())?;
    }
    Ok(())
}
