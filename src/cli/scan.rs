//! `keyshelf scan`: list the keys of an SSH folder (`~/.ssh` by default) and, with
//! `--import`, add them to the inventory. The work is [`crate::local::ssh_dir`]'s; here are the
//! arguments and the output.
//!
//! `scan --json` prints an array, one object per key found:
//!
//! ```text
//! {"path": "/home/u/.ssh/id_ed25519.pub", "line": null, "private_key_path": "/home/u/.ssh/id_ed25519" | null,
//!  "fingerprint_sha256": "SHA256:...", "type": "ED25519", "algorithm": "ssh-ed25519",
//!  "bits": 256, "comment": "u@laptop", "public_key": "ssh-ed25519 AAAA... u@laptop",
//!  "encrypted": false, "weak": false, "mode": "0600" | null, "mode_ok": true,
//!  "also_in_files": [], "in_inventory": ["u-laptop"],
//!  "imported": "u-laptop" | null, "import_status": "imported" | "present" | "failed",
//!  "import_error": "..." | null}
//! ```
//!
//! `line` is the line of `path` for a key of `authorized_keys` (with
//! `--include-authorized-keys`). `imported`, `import_status` and `import_error` are
//! there with `--import` only;
//! `in_inventory` is read after the import.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::commands::{print_json, shell_word, CliError, Result};
use super::output::table;
use crate::inventory::Inventory;
use crate::local::ssh_dir::{self, FoundKey, ImportOutcome, Scan, ScanOptions};

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// The folder to scan (default: ~/.ssh); subfolders are not scanned
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Add the keys found to the inventory, remembering where their private keys are
    #[arg(long)]
    pub import: bool,
    /// With --import: put the new key pairs in this account
    #[arg(long, requires = "import")]
    pub account: Option<String>,
    /// Also list the keys of authorized_keys and authorized_keys2 (keys that may log in here)
    #[arg(long)]
    pub include_authorized_keys: bool,
    #[arg(long)]
    pub json: bool,
}

/// The folder to scan: `--dir` with `~` expanded, else `~/.ssh`.
fn folder(dir: Option<PathBuf>) -> Result<PathBuf> {
    match dir {
        Some(d) => Ok(match d.to_str() {
            Some(typed) => crate::paths::expand_home(typed),
            None => d,
        }),
        None => ssh_dir::default_dir()
            .ok_or_else(|| CliError::Usage("cannot find your home folder; say which folder to scan with --dir".into())),
    }
}

pub fn run(inv: &mut Inventory, a: ScanArgs, out: &mut dyn Write) -> Result<()> {
    let dir = folder(a.dir)?;
    let options = ScanOptions { authorized_keys: a.include_authorized_keys };
    let mut scan = ssh_dir::scan(&dir, &options)?;
    let outcomes = if a.import { Some(ssh_dir::import(inv, &scan.keys, a.account.as_deref())?) } else { None };
    scan.look_up(inv)?;
    if a.json {
        let rows: Vec<ScanJson> = scan
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| ScanJson::new(k, outcomes.as_ref().and_then(|o| o.get(i))))
            .collect();
        print_json(out, &rows)?;
    } else {
        let mut again = String::new();
        if Some(&dir) != ssh_dir::default_dir().as_ref() {
            again = format!(" --dir {}", shell_word(&dir.to_string_lossy()));
        }
        if options.authorized_keys {
            again.push_str(" --include-authorized-keys");
        }
        print_text(&scan, outcomes.as_deref(), &again, out)?;
    }
    let failed = outcomes.iter().flatten().filter(|o| matches!(o, ImportOutcome::Failed { .. })).count();
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {} key(s) could not be imported; see above",
            scan.keys.len()
        )));
    }
    Ok(())
}

/// One element of `scan --json`.
#[derive(Serialize)]
struct ScanJson<'a> {
    path: String,
    line: Option<usize>,
    private_key_path: Option<String>,
    fingerprint_sha256: &'a str,
    #[serde(rename = "type")]
    type_label: String,
    algorithm: &'a str,
    bits: u32,
    comment: &'a str,
    public_key: &'a str,
    encrypted: bool,
    weak: bool,
    /// Octal, `"0600"`; null without a private key.
    mode: Option<String>,
    mode_ok: bool,
    also_in_files: Vec<String>,
    in_inventory: &'a [String],
    /// Only with `--import`: the new key pair's name, or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    imported: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_error: Option<Option<&'a str>>,
}

fn lossy(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

impl<'a> ScanJson<'a> {
    fn new(k: &'a FoundKey, outcome: Option<&'a ImportOutcome>) -> ScanJson<'a> {
        ScanJson {
            path: lossy(&k.path),
            line: k.line,
            private_key_path: k.private_key_path.as_deref().map(lossy),
            fingerprint_sha256: k.fingerprint_sha256(),
            type_label: k.type_label(),
            algorithm: &k.info.algorithm,
            bits: k.info.bits,
            comment: &k.info.comment,
            public_key: &k.info.openssh,
            encrypted: k.encrypted,
            weak: k.weak(),
            mode: k.private_key_mode.map(|m| format!("{m:04o}")),
            mode_ok: k.mode_ok,
            also_in_files: k.also_in_files.iter().map(|p| lossy(p)).collect(),
            in_inventory: &k.in_inventory,
            imported: outcome.map(ImportOutcome::imported_name),
            import_status: outcome.map(ImportOutcome::status),
            import_error: outcome.map(|o| match o {
                ImportOutcome::Failed { reason } => Some(reason.as_str()),
                _ => None,
            }),
        }
    }
}

/// A file's name as a table shows it: relative to the scanned folder, control characters
/// (a file name may hold any) replaced so they cannot reach the terminal.
fn shown(p: &Path, dir: &Path) -> String {
    let rel = p.strip_prefix(dir).unwrap_or(p);
    rel.to_string_lossy().chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// `again`: the arguments that scan the same way (` --dir DIR`), for the hint to import.
fn print_text(scan: &Scan, outcomes: Option<&[ImportOutcome]>, again: &str, out: &mut dyn Write) -> Result<()> {
    let dir = &scan.dir;
    if scan.keys.is_empty() {
        writeln!(out, "No keys in {}.", dir.display())?;
    } else {
        writeln!(out, "Keys in {}:", dir.display())?;
        let rows: Vec<Vec<String>> = scan
            .keys
            .iter()
            .map(|k| {
                let mut private = match &k.private_key_path {
                    Some(p) => shown(p, dir),
                    None => "-".into(),
                };
                if k.encrypted {
                    private.push_str(" (passphrase)");
                }
                if let (false, Some(m)) = (k.mode_ok, k.private_key_mode) {
                    private.push_str(&format!(" (mode {m:04o}!)"));
                }
                let weak = if k.weak() { " (weak)" } else { "" };
                vec![
                    shown(&k.path, dir),
                    format!("{}{weak}", k.type_label()),
                    k.fingerprint_sha256().to_string(),
                    if k.info.comment.is_empty() { "-".into() } else { k.info.comment.clone() },
                    private,
                    if k.in_inventory.is_empty() { "-".into() } else { k.in_inventory.join(", ") },
                ]
            })
            .collect();
        write!(out, "{}", table(&["FILE", "TYPE", "FINGERPRINT", "COMMENT", "PRIVATE KEY", "IN INVENTORY"], &rows))?;
    }
    for k in &scan.keys {
        if let Some(m) = &k.mismatched_pub {
            writeln!(
                out,
                "Note: {} holds another key than the private key {}.",
                shown(m, dir),
                k.private_key_path.as_deref().map(|p| shown(p, dir)).unwrap_or_default()
            )?;
        }
    }
    if !scan.skipped.is_empty() {
        writeln!(out, "Skipped:")?;
        for s in &scan.skipped {
            match s.reason.cli_hint() {
                Some(hint) => writeln!(out, "  {}: {} ({hint})", shown(&s.path, dir), s.reason)?,
                None => writeln!(out, "  {}: {}", shown(&s.path, dir), s.reason)?,
            }
        }
    }
    let loose: Vec<String> = scan
        .keys
        .iter()
        .filter(|k| !k.mode_ok)
        .filter_map(|k| k.private_key_path.as_deref())
        .map(|p| shell_word(&p.to_string_lossy()))
        .collect();
    if !loose.is_empty() {
        writeln!(out, "Others can read these private keys, and ssh refuses to use them. Fix it with:")?;
        writeln!(out, "  chmod 600 {}", loose.join(" "))?;
    }
    match outcomes {
        Some(outcomes) => {
            for (k, o) in scan.keys.iter().zip(outcomes) {
                writeln!(out, "{}: {o}", shown(&k.path, dir))?;
            }
            let n = outcomes.iter().filter(|o| o.imported_name().is_some()).count();
            writeln!(out, "Imported {n} key pair(s).")?;
        }
        None => {
            let new = scan.keys.iter().filter(|k| k.in_inventory.is_empty()).count();
            if new > 0 {
                writeln!(out, "{new} key(s) not in the inventory; add them with: keyshelf scan{again} --import")?;
            }
        }
    }
    Ok(())
}
