//! `keyshelf report`: the hygiene report, grouped by kind as text, or as a JSON array.
//! Findings are not failures: the command exits 0 whatever it finds.

use std::io::Write;

use super::commands::{buffered, print_json, Result};
use super::output::FindingJson;
use crate::inventory::{report, Finding, Fix, Inventory};
use crate::paths::shell_word;

/// How to name a finding's key pair in a command: with its account and region, since a
/// name may repeat across them.
fn reference(f: &Finding) -> String {
    format!("{}{}", shell_word(f.key_pair.as_deref().unwrap_or("KEY")), scope_flags(f))
}

/// ` --account A --region R`, for the parts it has.
fn scope_flags(f: &Finding) -> String {
    let mut s = String::new();
    if let Some(a) = &f.account {
        s.push_str(&format!(" --account {}", shell_word(a)));
    }
    if !f.region.is_empty() {
        s.push_str(&format!(" --region {}", shell_word(&f.region)));
    }
    s
}

/// What to do about a finding, as the commands that do it.
pub(super) fn action(f: &Finding) -> String {
    let r = reference(f);
    let rotate = format!("Rotate it: keyshelf key rotate {r} --to NEW");
    match &f.fix {
        Fix::ReplaceWithEd25519 => format!(
            "Replace it with an Ed25519 key pair: keyshelf key create NEW{} --out FILE, then keyshelf key rotate {r} --to NEW",
            scope_flags(f)
        ),
        Fix::Rotate => rotate,
        Fix::RotateOrPlan => format!("{rotate}; or plan it: keyshelf key edit {r} --rotate-in 90d"),
        Fix::RestoreOrReplace => format!("If it was moved, put it back; if it is lost, replace the key pair. {rotate}"),
        Fix::ReplaceOrDelete => format!(
            "Delete it (keyshelf key rm {r}); where hosts trust it, rotate them to a new key pair first: keyshelf key rotate {r} --to NEW"
        ),
        Fix::RestrictFile { path } => format!("chmod 600 {}", shell_word(path)),
        Fix::BindOrDelete => format!(
            "Bind it to the hosts that trust it (keyshelf key bind {r} HOST), or delete it if nothing uses it (keyshelf key rm {r})"
        ),
        Fix::OwnKeyPerAccount => format!(
            "Give each account its own key pair: create one for {} and rotate: keyshelf key rotate {r} --to NEW",
            crate::inventory::scope_label(f.account.as_deref(), &f.region)
        ),
        Fix::CreateType { kind } => format!(
            "Create a key pair of a type it imports (keyshelf key create NEW --type {kind}{} --out FILE), then keyshelf key rotate {r} --to NEW",
            scope_flags(f)
        ),
        Fix::CheckHostAgain => format!(
            "Fix what it says, then check again: keyshelf host check {}",
            shell_word(f.host.as_deref().unwrap_or("HOST"))
        ),
    }
}

pub(super) fn run(inv: &Inventory, json: bool, out: &mut dyn Write) -> Result<()> {
    let findings = report(inv, inv.today()?)?;
    if json {
        return print_json(out, &findings.iter().map(FindingJson::from).collect::<Vec<_>>());
    }
    let mut w = buffered(out);
    if findings.is_empty() {
        writeln!(w, "Nothing to report: no weak, old or shared keys, no rotation due, no failed checks.")?;
    }
    // The report comes ordered by kind.
    for group in findings.chunk_by(|a, b| a.kind == b.kind) {
        writeln!(w, "{} ({})", group[0].kind.title(), group.len())?;
        for f in group {
            writeln!(w, "  {}", f.message)?;
            writeln!(w, "    {}", action(f))?;
        }
        writeln!(w)?;
    }
    if !findings.is_empty() {
        writeln!(w, "{} finding(s).", findings.len())?;
    }
    w.flush()?;
    Ok(())
}
