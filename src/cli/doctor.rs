//! `keyshelf doctor [--json]`: prints the checks of [`crate::doctor`] as a table (each
//! failure's fix after it) or as JSON.

use std::io::Write;
use std::path::PathBuf;

use super::commands::{print_json, CliError, Result};
use super::output::table;
use crate::doctor::{self, Check};

pub fn run(db: Option<PathBuf>, json: bool, out: &mut dyn Write) -> Result<()> {
    let checks = doctor::run(db.as_deref());
    if json {
        print_json(out, &checks)?;
    } else {
        write!(out, "{}", text(&checks))?;
    }
    if !doctor::inventory_readable(&checks) {
        return Err(CliError::Failed("the inventory cannot be read (see the inventory check above)".into()));
    }
    Ok(())
}

/// The table, then "To fix:" with one line per failed check.
fn text(checks: &[Check]) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| vec![c.name.clone(), if c.ok { "ok" } else { "FAIL" }.to_string(), c.detail.clone()])
        .collect();
    let mut s = table(&["CHECK", "STATUS", "DETAIL"], &rows);
    let fixes: Vec<String> =
        checks.iter().filter_map(|c| c.fix.as_ref().map(|f| format!("  {}: {f}\n", c.name))).collect();
    if fixes.is_empty() {
        s.push_str("\nEverything Keyshelf uses works here.\n");
    } else {
        s.push_str("\nTo fix:\n");
        s.extend(fixes);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_checks_are_listed_with_their_fix_after_the_table() {
        let checks = vec![
            Check { name: "ssh".into(), ok: true, detail: "/usr/bin/ssh: OpenSSH_9".into(), fix: None },
            Check { name: "agent".into(), ok: false, detail: "no agent".into(), fix: Some("eval".into()) },
        ];
        let t = text(&checks);
        assert!(
            t.starts_with("CHECK  STATUS  DETAIL\nssh    ok      /usr/bin/ssh: OpenSSH_9\nagent  FAIL    no agent\n"),
            "{t}"
        );
        assert!(t.ends_with("\nTo fix:\n  agent: eval\n"), "{t}");
        let json = serde_json::to_value(&checks).unwrap();
        assert_eq!(json[1], serde_json::json!({"name": "agent", "ok": false, "detail": "no agent", "fix": "eval"}));
        assert_eq!(json[0]["fix"], serde_json::Value::Null);
    }
}
