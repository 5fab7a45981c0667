//! known_hosts cleanup: a line-preserving reader, host matching (hashed entries too),
//! a removal plan, atomic apply with backup, and restore. No egui, no SQL.
//!
//! It does what `ssh-keygen -R` does, with these differences on purpose:
//!
//! - every line that is not removed is written back byte for byte (CRLF, tabs, a
//!   missing final newline, lines it does not understand);
//! - a malformed line is reported and kept; it never makes the whole file refused;
//! - lines with wildcard (`*`, `?`) or negated (`!`) patterns are never removed, only
//!   reported, because they usually cover more than the host being cleaned up;
//! - a symlinked file stays a symlink (its target is rewritten) and keeps its mode;
//! - a plan can be previewed first, and applying refuses if the file changed since.
//!
//! Like `ssh-keygen -R`, `@cert-authority` and `@revoked` lines are kept, and a line
//! whose host list names the host is removed whole.
//!
//! Restoring the backup refuses to lose lines added to the file since the removal
//! (by `ssh`, say) unless asked to force or to merge; see [`restore_with`].
//!
//! ```no_run
//! use keyshelf::known_hosts::{plan_file, HostQuery};
//! # fn main() -> Result<(), keyshelf::known_hosts::KnownHostsError> {
//! let path = keyshelf::known_hosts::default_path().expect("a home directory");
//! let queries = [HostQuery::parse("old.example.com")?, HostQuery::parse("[10.0.0.5]:2222")?];
//! let plan = plan_file(&path, &queries)?;
//! for r in &plan.removed {
//!     println!("line {}: {} {}", r.line, r.hosts, r.key_type);
//! }
//! let backup = plan.apply()?; // None when nothing matched: nothing written
//! # let _ = backup; Ok(()) }
//! ```

mod apply;
mod matching;
mod parse;
mod plan;
mod query;
mod restore;

use std::io;
use std::path::{Path, PathBuf};

/// The atomic, mode-keeping, symlink-following write, shared with the managed ssh config.
pub(crate) use apply::resolve_target;
pub use plan::{plan_bytes, plan_file, Kept, Malformed, Plan, Removal};
pub use query::HostQuery;
pub use restore::{restore, restore_with, AddedLine, RestoreMode, Restored};

/// Everything that can go wrong while reading, planning, applying or restoring.
#[derive(Debug, thiserror::Error)]
pub enum KnownHostsError {
    /// The host given on the command line or in the UI cannot be a host.
    #[error("invalid host \"{input}\": {reason}")]
    InvalidHost { input: String, reason: String },
    /// The known_hosts file (or its backup) cannot be read.
    #[error("cannot read {}: {}", .path.display(), io_reason(.source))]
    Read { path: PathBuf, source: io::Error },
    /// The known_hosts file cannot be replaced.
    #[error("cannot write {}: {}", .path.display(), io_reason(.source))]
    Write { path: PathBuf, source: io::Error },
    /// The backup `FILE.old` cannot be written; the file itself was left alone.
    #[error("cannot write the backup {}: {}; the known_hosts file was not changed", .path.display(), io_reason(.source))]
    Backup { path: PathBuf, source: io::Error },
    /// The file changed between the preview and the apply.
    #[error("{} changed since the preview was made; nothing was written, preview again", .path.display())]
    Changed { path: PathBuf },
    /// Restoring would lose lines of the file that its backup does not have: added
    /// (or edited) since the removal. Nothing was written.
    #[error("{}", added_since_message(.path, .backup, *.count, .first))]
    AddedSinceRemoval {
        /// The known_hosts file as given.
        path: PathBuf,
        /// Its backup, left as it was.
        backup: PathBuf,
        /// How many lines the backup does not have.
        count: usize,
        /// The first of them (up to three), shortened for display.
        first: Vec<AddedLine>,
    },
    /// `restore` found no `FILE.old`.
    #[error("no backup to restore: {} does not exist", .backup.display())]
    NoBackup { backup: PathBuf },
    /// Too many symlinks (a loop) between the given path and a real file.
    #[error("cannot resolve {}: too many levels of symbolic links", .path.display())]
    SymlinkLoop { path: PathBuf },
    /// No home directory, so no default `~/.ssh/known_hosts`.
    #[error("cannot find your home directory to locate ~/.ssh/known_hosts; give the file explicitly")]
    NoDefaultPath,
    /// Writing the report (CLI output) failed.
    #[error("cannot write output: {0}")]
    Output(#[source] io::Error),
}

/// A short, lower-case reason for an I/O error, e.g. "permission denied".
fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// The refusal of a restore that would lose lines: which file, how many lines, the
/// first of them, that nothing changed, and the two ways on.
fn added_since_message(path: &Path, backup: &Path, count: usize, first: &[AddedLine]) -> String {
    let (lines, them) = if count == 1 { ("1 line".to_string(), "it") } else { (format!("{count} lines"), "them") };
    let mut s = format!(
        "cannot restore {}: it has {lines} that the backup {} does not have (added or changed since the removal):\n",
        path.display(),
        backup.display()
    );
    for line in first {
        s.push_str(&format!("  {line}\n"));
    }
    if count > first.len() {
        s.push_str(&format!("  and {} more\n", count - first.len()));
    }
    s.push_str(&format!(
        "Nothing was changed and the backup is untouched. To restore and keep {them} after the backup's lines, \
         run the restore again with --merge; to restore anyway and lose {them}, with --force."
    ));
    s
}

/// The user's `~/.ssh/known_hosts`, or `None` when there is no home directory.
pub fn default_path() -> Option<PathBuf> {
    crate::paths::home_dir().map(|home| home.join(".ssh").join("known_hosts"))
}

/// Where the backup of `path` goes: the same name with `.old` appended (`FILE.old`),
/// as `ssh-keygen -R` does. [`Plan::apply`] and [`restore`] use the backup of the
/// file a symlink points to, i.e. `backup_path` of the resolved target.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".old");
    PathBuf::from(name)
}

/// The backup that [`Plan::apply`] writes for `path`: next to the file a symlink at
/// `path` points to. Falls back to [`backup_path`] of `path` when the link cannot be read.
pub fn backup_for(path: &Path) -> PathBuf {
    backup_path(&apply::resolve_target(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_path_appends_old() {
        assert_eq!(backup_path(Path::new("/home/u/.ssh/known_hosts")), PathBuf::from("/home/u/.ssh/known_hosts.old"));
    }

    #[test]
    fn read_error_names_the_file_and_the_cause() {
        let e = KnownHostsError::Read {
            path: PathBuf::from("/home/u/.ssh/known_hosts"),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(e.to_string(), "cannot read /home/u/.ssh/known_hosts: permission denied");
    }
}
