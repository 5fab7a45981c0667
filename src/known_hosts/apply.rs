//! Writing: applies a plan (backup `FILE.old` first, then an atomic replace that
//! keeps the mode and follows symlinks). The same atomic write puts a backup back
//! (see `restore`).

use std::fs;
use std::path::{Path, PathBuf};

use super::plan::Plan;
use super::{backup_path, KnownHostsError};
use crate::secure_file::replace_like as write_atomic;

/// Symlink hops followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

impl Plan {
    /// Writes the plan: `FILE.old` gets the original bytes, then the file is replaced
    /// atomically by [`Plan::remaining_bytes`]. Returns the backup path, or `None`
    /// when nothing matched (then nothing at all is written, not even a backup).
    ///
    /// The file is read again first: if it changed since the plan was made, nothing
    /// is written and [`KnownHostsError::Changed`] is returned. A symlink stays a
    /// symlink: the file it points to is rewritten, and its backup sits next to it.
    /// Both files keep the original permission mode.
    pub fn apply(&self) -> Result<Option<PathBuf>, KnownHostsError> {
        if self.removed.is_empty() {
            return Ok(None);
        }
        let target = resolve_target(&self.path)?;
        let read_err = |source| KnownHostsError::Read { path: target.clone(), source };
        let current = fs::read(&target).map_err(read_err)?;
        if current != self.original_bytes() {
            return Err(KnownHostsError::Changed { path: self.path.clone() });
        }
        let meta = fs::metadata(&target).map_err(read_err)?;
        let backup = backup_path(&target);
        write_atomic(&backup, self.original_bytes(), &meta)
            .map_err(|source| KnownHostsError::Backup { path: backup.clone(), source })?;
        write_atomic(&target, &self.remaining_bytes(), &meta)
            .map_err(|source| KnownHostsError::Write { path: target.clone(), source })?;
        Ok(Some(backup))
    }
}

/// Follows symlinks from `path` to the file that holds the bytes. A path that does
/// not exist (or a dangling link's target) is returned as is.
pub(crate) fn resolve_target(path: &Path) -> Result<PathBuf, KnownHostsError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&current)
                    .map_err(|source| KnownHostsError::Read { path: current.clone(), source })?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(KnownHostsError::SymlinkLoop { path: path.to_path_buf() })
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use crate::known_hosts::{plan_file, restore, HostQuery};
    use std::os::unix::fs::{symlink, PermissionsExt};

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK";

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).expect("meta").permissions().mode() & 0o7777
    }

    #[test]
    fn apply_backs_up_keeps_mode_and_refuses_a_changed_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        let original = format!("a {KEY}\nb {KEY}\n");
        fs::write(&file, &original).expect("write");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).expect("chmod");
        let plan = plan_file(&file, &[HostQuery::new("a")]).expect("plan");

        fs::write(&file, format!("{original}c {KEY}\n")).expect("write");
        let err = plan.apply().expect_err("stale plan must be refused");
        assert!(matches!(err, KnownHostsError::Changed { .. }), "{err}");
        assert!(!backup_path(&file).exists());

        fs::write(&file, &original).expect("write");
        let backup = plan.apply().expect("apply").expect("backup");
        assert_eq!(fs::read_to_string(&backup).expect("read"), original);
        assert_eq!(fs::read_to_string(&file).expect("read"), format!("b {KEY}\n"));
        assert_eq!(mode(&file), 0o640);
        assert_eq!(mode(&backup), 0o640);

        assert_eq!(restore(&file).expect("restore"), backup);
        assert_eq!(fs::read_to_string(&file).expect("read"), original);
        assert_eq!(mode(&file), 0o640);
    }

    #[test]
    fn symlinks_stay_symlinks_and_relative_links_resolve() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real_kh");
        fs::write(&real, format!("a {KEY}\nb {KEY}\n")).expect("write");
        let link = dir.path().join("known_hosts");
        symlink("real_kh", &link).expect("symlink");
        let plan = plan_file(&link, &[HostQuery::new("b")]).expect("plan");
        let backup = plan.apply().expect("apply").expect("backup");
        assert_eq!(backup, dir.path().join("real_kh.old"));
        assert!(fs::symlink_metadata(&link).expect("meta").file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).expect("read"), format!("a {KEY}\n"));
    }

    #[test]
    fn restore_without_backup_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        let err = restore(&file).expect_err("no backup");
        assert!(err.to_string().contains("known_hosts.old does not exist"), "{err}");
    }

    #[test]
    fn symlink_loops_are_an_error_not_a_hang() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        symlink("b", &a).expect("symlink");
        symlink("a", dir.path().join("b")).expect("symlink");
        assert!(matches!(resolve_target(&a), Err(KnownHostsError::SymlinkLoop { .. })));
    }
}
