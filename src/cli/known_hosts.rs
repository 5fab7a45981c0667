//! `keyshelf known-hosts ...`: remove hosts from a known_hosts file (safer than
//! `ssh-keygen -R`) and restore the backup. Only argument handling and output here;
//! the rules (what matches, when a restore would lose lines) live in
//! [`crate::known_hosts`].
//!
//! `remove --json` prints one object:
//!
//! ```text
//! {"removed": [{"line": 3, "text": "...", "hosts": "host,1.2.3.4" | "hashed",
//!               "hashed": false, "key_type": "ssh-ed25519",
//!               "fingerprint": "SHA256:..." | null, "matched": "host"}],
//!  "kept":    [{"line": 7, "text": "...", "reason": "covers this host, kept",
//!               "pattern": "*.example.com" | null, "matched": "host", "malformed": false}],
//!  "backup":  "/home/u/.ssh/known_hosts.old" | null}
//! ```
//!
//! Malformed lines (always kept) are listed in `"kept"` with `"malformed": true`, a
//! reason starting with `"malformed: "`, and `"pattern"`/`"matched"` null. `"kept"`
//! is in line order. `"backup"` is null on a dry run and when nothing matched.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::known_hosts::{self, HostQuery, KnownHostsError, Plan, RestoreMode, Restored};

#[derive(clap::Subcommand, Debug)]
pub enum KnownHostsCommand {
    /// Remove every line for the given hosts (names, addresses, host:port)
    Remove {
        /// Hosts to remove: `name`, `1.2.3.4`, `host:2222`, `[host]:2222`, `::1`
        #[arg(required = true)]
        hosts: Vec<String>,
        /// known_hosts file to edit (default: ~/.ssh/known_hosts)
        #[arg(long)]
        file: Option<PathBuf>,
        /// Show what would be removed; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Put FILE.old back (refused if FILE has lines added since the removal)
    Restore {
        /// known_hosts file to restore (default: ~/.ssh/known_hosts)
        #[arg(long)]
        file: Option<PathBuf>,
        /// Restore even if FILE has lines FILE.old does not have; they are lost
        #[arg(long, conflicts_with = "merge")]
        force: bool,
        /// Restore and keep the lines added since, after the backup's lines
        #[arg(long)]
        merge: bool,
    },
}

/// Runs one `known-hosts` subcommand, writing its report to `out`.
pub fn run(cmd: KnownHostsCommand, out: &mut dyn Write) -> Result<(), KnownHostsError> {
    match cmd {
        KnownHostsCommand::Remove { hosts, file, dry_run, json } => {
            let path = file_or_default(file)?;
            let queries = hosts.iter().map(|h| HostQuery::parse(h)).collect::<Result<Vec<_>, _>>()?;
            let plan = known_hosts::plan_file(&path, &queries)?;
            let backup = if dry_run { None } else { plan.apply()? };
            let text = if json {
                let mut s = json_report(&plan, backup.as_deref()).to_string();
                s.push('\n');
                s
            } else {
                text_report(&plan, backup.as_deref(), dry_run)
            };
            out.write_all(text.as_bytes()).map_err(KnownHostsError::Output)
        }
        KnownHostsCommand::Restore { file, force, merge } => {
            let path = file_or_default(file)?;
            let mode = match (force, merge) {
                (_, true) => RestoreMode::Merge,
                (true, false) => RestoreMode::Force,
                (false, false) => RestoreMode::Safe,
            };
            let restored = known_hosts::restore_with(&path, mode)?;
            writeln!(out, "{}", restore_report(&path, &restored, mode)).map_err(KnownHostsError::Output)
        }
    }
}

/// "Restored FILE from FILE.old", and what became of the lines added since.
fn restore_report(path: &Path, restored: &Restored, mode: RestoreMode) -> String {
    let done = format!("Restored {} from {}", path.display(), restored.backup.display());
    let n = restored.added;
    let lines = if n == 1 { "1 line".to_string() } else { format!("{n} lines") };
    match mode {
        _ if n == 0 => done,
        RestoreMode::Merge => format!("{done}, keeping {lines} added since the removal at the end"),
        RestoreMode::Force | RestoreMode::Safe => format!("{done}; {lines} added since the removal dropped"),
    }
}

fn file_or_default(file: Option<PathBuf>) -> Result<PathBuf, KnownHostsError> {
    match file {
        Some(f) => Ok(f),
        None => known_hosts::default_path().ok_or(KnownHostsError::NoDefaultPath),
    }
}

/// The JSON report described in the module docs.
pub fn json_report(plan: &Plan, backup: Option<&Path>) -> Value {
    let removed: Vec<Value> = plan
        .removed
        .iter()
        .map(|r| {
            json!({
                "line": r.line,
                "text": r.text,
                "hosts": r.hosts,
                "hashed": r.hashed,
                "key_type": r.key_type,
                "fingerprint": r.fingerprint,
                "matched": r.matched,
            })
        })
        .collect();
    let mut kept: Vec<(usize, Value)> = plan
        .kept
        .iter()
        .map(|k| {
            let v = json!({
                "line": k.line,
                "text": k.text,
                "reason": k.reason,
                "pattern": k.pattern,
                "matched": k.matched,
                "malformed": false,
            });
            (k.line, v)
        })
        .chain(plan.malformed.iter().map(|m| {
            let v = json!({
                "line": m.line,
                "text": m.text,
                "reason": format!("malformed: {}", m.reason),
                "pattern": null,
                "matched": null,
                "malformed": true,
            });
            (m.line, v)
        }))
        .collect();
    kept.sort_by_key(|(line, _)| *line);
    json!({
        "removed": removed,
        "kept": kept.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "backup": backup.map(|b| b.display().to_string()),
    })
}

/// The same report in words, one line per finding.
pub fn text_report(plan: &Plan, backup: Option<&Path>, dry_run: bool) -> String {
    let verb = if dry_run { "Would remove" } else { "Removed" };
    let mut lines: Vec<(usize, String)> = Vec::new();
    for r in &plan.removed {
        let hosts = if r.hashed { format!("hashed entry for {}", r.matched) } else { r.hosts.clone() };
        let fp = r.fingerprint.as_deref().unwrap_or("(key not readable)");
        lines.push((r.line, format!("{verb} line {}: {hosts} {} {fp}", r.line, r.key_type)));
    }
    for k in &plan.kept {
        let pattern = k.pattern.as_deref().map(|p| format!(" (pattern {p})")).unwrap_or_default();
        lines.push((k.line, format!("Kept line {}: {}{pattern} [{}]", k.line, k.reason, k.matched)));
    }
    for m in &plan.malformed {
        lines.push((m.line, format!("Kept line {}: malformed: {}", m.line, m.reason)));
    }
    lines.sort_by_key(|(line, _)| *line);
    let mut s: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
    let file = plan.path.display();
    if plan.removed.is_empty() {
        s.push_str("Nothing matched; nothing written.\n");
    } else if dry_run {
        s.push_str(&format!("Dry run: {file} not changed.\n"));
    } else if let Some(b) = backup {
        s.push_str(&format!("Backup: {}\n", b.display()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known_hosts::plan_bytes;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK";

    fn sample() -> Plan {
        let text = format!("old {KEY}\n*.example.com {KEY}\nbroken\n");
        let q = [HostQuery::new("old"), HostQuery::new("a.example.com")];
        plan_bytes(Path::new("kh"), text.into_bytes(), &q)
    }

    #[test]
    fn json_has_the_documented_shape() {
        let v = json_report(&sample(), Some(Path::new("kh.old")));
        assert_eq!(v["backup"], "kh.old");
        assert_eq!(v["removed"][0]["line"], 1);
        assert_eq!(v["removed"][0]["text"], format!("old {KEY}"));
        assert!(v["removed"][0]["fingerprint"].as_str().unwrap_or("").starts_with("SHA256:"));
        assert_eq!(v["kept"][0]["line"], 2);
        assert_eq!(v["kept"][0]["reason"], "covers this host, kept");
        assert_eq!(v["kept"][1]["line"], 3);
        assert_eq!(v["kept"][1]["malformed"], true);
        assert!(v["kept"][1]["reason"].as_str().unwrap_or("").starts_with("malformed: "));
        assert_eq!(json_report(&sample(), None)["backup"], Value::Null);
    }

    #[test]
    fn text_report_says_it_in_words() {
        let s = text_report(&sample(), Some(Path::new("kh.old")), false);
        assert!(s.contains("Removed line 1: old ssh-ed25519 SHA256:"), "{s}");
        assert!(s.contains("Kept line 2: covers this host, kept (pattern *.example.com)"), "{s}");
        assert!(s.contains("Kept line 3: malformed: no key after the host list"), "{s}");
        assert!(s.ends_with("Backup: kh.old\n"), "{s}");
        let dry = text_report(&sample(), None, true);
        assert!(dry.contains("Would remove line 1") && dry.contains("Dry run"), "{dry}");
        let none = plan_bytes(Path::new("kh"), Vec::new(), &[HostQuery::new("x")]);
        assert!(text_report(&none, None, false).contains("nothing written"));
    }
}
