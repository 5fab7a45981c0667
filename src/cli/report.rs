//! `keyshelf report`: the hygiene report, grouped by kind as text, or as a JSON array.
//! Findings are not failures: the command exits 0 whatever it finds.

use std::io::Write;

use super::commands::{buffered, print_json, Result};
use super::output::FindingJson;
use crate::inventory::{report, Inventory};

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
            writeln!(w, "    {}", f.action)?;
        }
        writeln!(w)?;
    }
    if !findings.is_empty() {
        writeln!(w, "{} finding(s).", findings.len())?;
    }
    w.flush()?;
    Ok(())
}
