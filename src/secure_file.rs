//! Writing files that hold secrets: mode 0600 from the first byte, atomically (a temp
//! file in the same folder, fsync, rename), and never over an existing file unless the
//! caller says so. Used for private keys; it never logs what it writes.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a secret could not be written. Messages name the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SecureFileError {
    #[error("{} already exists; choose another file name (or use --force to replace it)", .0.display())]
    Exists(PathBuf),
    #[error("the folder {} does not exist", .0.display())]
    NoFolder(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SecureFileError + '_ {
    move |source| SecureFileError::Io { path: path.to_path_buf(), source }
}

/// The folder a file lives in (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `path` with mode 0600 from creation. The file appears whole or not
/// at all. With `overwrite == false` an existing file is an error and is left untouched,
/// even if it appears between the check and the write (the final step refuses to clobber).
pub fn write_secret(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), SecureFileError> {
    write_atomic(path, bytes, overwrite, None)
}

/// Writes a file that is not secret (a `.pub`), atomically, readable by all (0644);
/// never over an existing file unless `overwrite`.
pub fn write_public(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), SecureFileError> {
    write_atomic(path, bytes, overwrite, Some(0o644))
}

/// The temp file starts private (0600); `mode`, if given, widens it before the rename.
fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool, mode: Option<u32>) -> Result<(), SecureFileError> {
    let dir = folder_of(path);
    if !dir.is_dir() {
        return Err(SecureFileError::NoFolder(dir));
    }
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(SecureFileError::Exists(path.to_path_buf()));
    }
    // tempfile creates the file with O_EXCL and mode 0600 on Unix, so no other user can
    // ever open it, not even between creation and the rename.
    let mut tmp =
        tempfile::Builder::new().prefix(".keyshelf-").suffix(".tmp").tempfile_in(&dir).map_err(io_err(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = tmp.as_file().metadata().map_err(io_err(path))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(SecureFileError::Io {
                path: path.to_path_buf(),
                source: io::Error::other("temporary file was not created private (mode 0600)"),
            });
        }
    }
    tmp.write_all(bytes).map_err(io_err(path))?;
    #[cfg(unix)]
    if let Some(m) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(fs::Permissions::from_mode(m)).map_err(io_err(path))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file().sync_all().map_err(io_err(path))?;
    let persisted = if overwrite {
        tmp.persist(path).map_err(|e| e.error)
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)
    };
    match persisted {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(SecureFileError::Exists(path.to_path_buf())),
        Err(e) => return Err(io_err(path)(e)),
    }
    sync_dir(&dir);
    Ok(())
}

/// Flushes a folder entry so a rename survives a crash. Best effort: some file systems
/// refuse to open folders for syncing, and the data itself is already synced.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_private_file_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("id_test");
        write_secret(&p, b"secret one", false).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"secret one");
        #[cfg(unix)]
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        let err = write_secret(&p, b"secret two", false).unwrap_err();
        assert!(matches!(err, SecureFileError::Exists(_)), "{err}");
        assert_eq!(fs::read(&p).unwrap(), b"secret one");
        write_secret(&p, b"secret two", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"secret two");
        // no temp files left behind
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn public_files_are_world_readable_and_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("id_test.pub");
        write_public(&p, b"ssh-ed25519 AAAA x\n", false).unwrap();
        #[cfg(unix)]
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o644);
        assert!(matches!(write_public(&p, b"other", false), Err(SecureFileError::Exists(_))));
        assert_eq!(fs::read(&p).unwrap(), b"ssh-ed25519 AAAA x\n");
    }

    #[test]
    fn missing_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("key");
        let err = write_secret(&p, b"x", false).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
