//! `keyshelf export` and `keyshelf import-inventory`: the whole inventory as one JSON
//! document and back. Arguments and output only; the document and the merge rules are
//! [`crate::inventory`]'s (`export_document`, `plan_import`, `apply_import`).
//!
//! `import-inventory --json` prints one object: `accounts_added`, `key_pairs_added`,
//! `key_pairs_present`, `hosts_added`, `hosts_present`, `bindings_added`,
//! `activity_added`, `renamed` (objects with `account`, `region`, `from`, `to`),
//! `conflicts` (messages) and `dry_run`.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::commands::{print_json, read_file, CliError, Result};
use crate::inventory::{
    apply_import, export_document, plan_import, Document, ImportSummary, Inventory, InventoryError,
};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write it to FILE (mode 0600) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace --out if it exists
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ImportInventoryArgs {
    /// A document written by `keyshelf export` (`-` for standard input)
    pub file: PathBuf,
    /// Report what would change; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Import a key pair whose name is taken by another key (same account and region) under a new name
    #[arg(long)]
    pub rename: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn export(inv: &Inventory, a: ExportArgs, out: &mut dyn Write) -> Result<()> {
    let doc = export_document(inv)?;
    let text = doc.to_json().map_err(std::io::Error::from)?;
    let Some(file) = a.out else {
        out.write_all(text.as_bytes())?;
        return Ok(());
    };
    // Not secret, but it lists every host, user and key path: readable by the owner only.
    crate::secure_file::write_secret(&file, text.as_bytes(), a.force)?;
    writeln!(
        out,
        "Exported {} account(s), {} key pair(s), {} host(s) and {} binding(s) to {}",
        doc.accounts.len(),
        doc.key_pairs.len(),
        doc.hosts.len(),
        doc.bindings.len(),
        file.display()
    )?;
    Ok(())
}

/// The `--json` object: the summary and whether it was a dry run.
#[derive(Serialize)]
struct ImportJson<'a> {
    #[serde(flatten)]
    summary: &'a ImportSummary,
    dry_run: bool,
}

pub fn import(inv: &mut Inventory, a: ImportInventoryArgs, input: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    let stdin = a.file.as_os_str() == "-";
    let bytes = if stdin {
        let mut v = Vec::new();
        input.read_to_end(&mut v)?;
        v
    } else {
        read_file(&a.file)?
    };
    let source = if stdin { "standard input".to_string() } else { a.file.display().to_string() };
    let doc = Document::from_json(&bytes).map_err(|e| CliError::Usage(format!("{source}: {e}")))?;
    let summary = if a.dry_run {
        plan_import(inv, &doc, a.rename)?.summary()
    } else {
        match apply_import(inv, &doc, a.rename) {
            Ok(s) => s,
            Err(InventoryError::ImportConflicts(s)) => *s,
            Err(e) => return Err(e.into()),
        }
    };
    let s = &summary;
    if a.json {
        print_json(out, &ImportJson { summary: s, dry_run: a.dry_run })?;
    } else if s.conflicts.is_empty() {
        let what = if a.dry_run { "Would import" } else { "Imported" };
        writeln!(
            out,
            "{what} {} account(s), {} key pair(s), {} host(s), {} binding(s) and {} activity entries from {source}",
            s.accounts_added, s.key_pairs_added, s.hosts_added, s.bindings_added, s.activity_added
        )?;
        writeln!(out, "  Already here: {} key pair(s), {} host(s)", s.key_pairs_present, s.hosts_present)?;
        for r in &s.renamed {
            let scope = crate::inventory::scope_label(r.account.as_deref(), &r.region);
            writeln!(out, "  Renamed {} ({scope}) to {}", r.from, r.to)?;
        }
        if a.dry_run {
            writeln!(out, "Dry run: nothing was changed.")?;
        }
    } else {
        writeln!(out, "Conflicts with the inventory:")?;
        for c in &s.conflicts {
            writeln!(out, "  {c}")?;
        }
        if s.conflicts.iter().any(|c| c.contains("renaming clashing key pairs")) && !a.rename {
            writeln!(out, "Import with --rename to give clashing key pairs new names.")?;
        }
    }
    if !s.conflicts.is_empty() {
        return Err(CliError::Failed(format!(
            "nothing was imported: {} conflict(s) with the inventory",
            s.conflicts.len()
        )));
    }
    Ok(())
}
