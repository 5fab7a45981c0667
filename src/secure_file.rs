//! Writing files that hold secrets: mode 0600 from the first byte, atomically (a temp
//! file in the same folder, fsync, rename), and never over an existing file unless the
//! caller says so. Used for private keys; it never logs what it writes.
//!
//! Also the two helpers both atomic writers (this one and known_hosts') share: the
//! sweep of temp files left behind by a killed write, and the removal of tempfile's
//! temp-path decoration from I/O errors.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Our temp files are `.keyshelf-XXXXXX.tmp`.
const TEMP_PREFIX: &str = ".keyshelf-";
const TEMP_SUFFIX: &str = ".tmp";
/// How many random characters (ASCII letters and digits) tempfile puts in a temp
/// file's name. Set explicitly on every Builder, so the sweep's pattern stays exact.
pub(crate) const TEMP_RAND_LEN: usize = 6;
/// A temp file untouched for this long was left by a write that never finished (the
/// process was killed between creating it and the rename); a live write touches its
/// temp file within moments.
const STALE_TEMP_AGE: Duration = Duration::from_secs(60 * 60);

/// Why a secret could not be written. Messages name the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SecureFileError {
    #[error("{} already exists: choose another file name, or replace it", .0.display())]
    Exists(PathBuf),
    #[error("the folder {} does not exist", .0.display())]
    NoFolder(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// Whether permission bits keep a private key private: no bit for the group or others,
/// as ssh requires ("UNPROTECTED PRIVATE KEY FILE"); 0600, 0400 and 0700 are all fine.
pub fn is_private_mode(mode: u32) -> bool {
    mode & 0o077 == 0
}

/// A private key file as it stands on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateFileState {
    /// Not there (moved or deleted).
    Missing,
    /// There, readable by its owner alone; the permission bits.
    Private(u32),
    /// There, and the group or others may read it; the permission bits.
    Open(u32),
    /// It cannot be told (an unreadable folder, or no Unix modes here).
    Unknown,
}

/// The one check of a private key file's state, for the report, the details and the
/// scan alike.
pub fn private_file_state(path: &Path) -> PrivateFileState {
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => PrivateFileState::Missing,
        Err(_) => PrivateFileState::Unknown,
        #[cfg(unix)]
        Ok(meta) => {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if is_private_mode(mode) {
                PrivateFileState::Private(mode)
            } else {
                PrivateFileState::Open(mode)
            }
        }
        #[cfg(not(unix))]
        Ok(_) => PrivateFileState::Unknown,
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SecureFileError + '_ {
    move |source| SecureFileError::Io { path: path.to_path_buf(), source: without_temp_path(source) }
}

/// tempfile wraps some I/O errors with the temp file's path (`No space left on device
/// (os error 28) at path "/dir/.keyshelf-AbC123.tmp"`). Our errors name the file the
/// user asked for, so this gives back the plain OS error (or, if the reason is not an
/// OS error, its message without the path). Other errors are returned unchanged.
pub(crate) fn without_temp_path(e: io::Error) -> io::Error {
    if e.raw_os_error().is_some() || e.get_ref().is_none() {
        return e;
    }
    let message = e.to_string();
    let Some(at) = message.find(" at path \"") else { return e };
    let reason = &message[..at];
    let os_code = reason.strip_suffix(')').and_then(|r| r.rsplit_once("(os error ")).and_then(|(_, n)| n.parse().ok());
    match os_code {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), reason.to_string()),
    }
}

/// Whether `name` is `prefix` + [`TEMP_RAND_LEN`] ASCII letters or digits + `suffix`:
/// exactly the names tempfile gives our temp files, nothing else.
fn is_temp_name(name: &OsStr, prefix: &str, suffix: &str) -> bool {
    name.to_str()
        .and_then(|n| n.strip_prefix(prefix))
        .and_then(|n| n.strip_suffix(suffix))
        .is_some_and(|random| random.len() == TEMP_RAND_LEN && random.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Best effort: removes, from `dir`, temp files left behind by an earlier write that was
/// killed before its rename (a private key's may hold part of the key). Called right
/// after `ours`, the new temp file, was created: its owner is the uid this process
/// creates files as (std has no getuid). Removes only entries that
///
/// - are named `prefix` + random part + `suffix` (see [`is_temp_name`]), other than `ours`;
/// - are regular files themselves (`symlink_metadata`: a symlink is never followed, and
///   neither it nor what it points to is touched);
/// - belong to the same user as `ours` (the user this process creates files as);
/// - were last modified more than [`STALE_TEMP_AGE`] ago.
///
/// The folder is read once and only matching names are looked at. Every error is
/// ignored: the sweep never makes a write fail. Unix only (ownership is checked by uid).
pub(crate) fn sweep_stale_temps(dir: &Path, prefix: &str, suffix: &str, ours: &tempfile::NamedTempFile) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        use std::time::SystemTime;
        let Ok(mine) = ours.as_file().metadata() else { return };
        let our_name = ours.path().file_name();
        let Ok(entries) = fs::read_dir(dir) else { return };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let name = entry.file_name();
            if Some(name.as_os_str()) == our_name || !is_temp_name(&name, prefix, suffix) {
                continue;
            }
            let path = entry.path();
            let Ok(meta) = fs::symlink_metadata(&path) else { continue };
            let stale =
                meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > STALE_TEMP_AGE);
            if meta.file_type().is_file() && meta.uid() == mine.uid() && stale {
                // unlink removes the name only; it never follows a symlink.
                let _ = fs::remove_file(&path);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, prefix, suffix, ours, is_temp_name);
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

/// Writes a private key and its `.pub` together: both files are written and synced
/// before either name appears, and their folder is synced once, so a key pair costs
/// three fsyncs instead of four (on a disk other programs keep busy each one waits for
/// their data too). The private key is 0600 from creation, the public key 0644. With
/// `overwrite == false` neither file may exist; if the `.pub` cannot be put in place,
/// the private key just written is removed again.
pub fn write_key_files(
    private: &Path,
    private_bytes: &[u8],
    public: &Path,
    public_bytes: &[u8],
    overwrite: bool,
) -> Result<(), SecureFileError> {
    let private_tmp = prepare(private, private_bytes, overwrite, None)?;
    let public_tmp = prepare(public, public_bytes, overwrite, Some(0o644))?;
    let (a, b) = (folder_of(private), folder_of(public));
    let one_folder = fs::canonicalize(&a).ok() == fs::canonicalize(&b).ok();
    // One sweep per folder: the fresh temp file of the other key is not stale.
    sweep_stale_temps(&a, TEMP_PREFIX, TEMP_SUFFIX, &private_tmp);
    if !one_folder {
        sweep_stale_temps(&b, TEMP_PREFIX, TEMP_SUFFIX, &public_tmp);
    }
    put_in_place(private_tmp, private, overwrite)?;
    if let Err(e) = put_in_place(public_tmp, public, overwrite) {
        if !overwrite {
            let _ = fs::remove_file(private);
        }
        return Err(e);
    }
    sync_dir(&a);
    if !one_folder {
        sync_dir(&b);
    }
    Ok(())
}

fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool, mode: Option<u32>) -> Result<(), SecureFileError> {
    let tmp = prepare(path, bytes, overwrite, mode)?;
    let dir = folder_of(path);
    sweep_stale_temps(&dir, TEMP_PREFIX, TEMP_SUFFIX, &tmp);
    put_in_place(tmp, path, overwrite)?;
    sync_dir(&dir);
    Ok(())
}

/// Writes `bytes` to a synced temp file next to `path`. The temp file starts private
/// (0600); `mode`, if given, widens it afterwards. The caller sweeps the folder's
/// stale temp files (once per folder) and puts the file in place.
fn prepare(
    path: &Path,
    bytes: &[u8],
    overwrite: bool,
    mode: Option<u32>,
) -> Result<tempfile::NamedTempFile, SecureFileError> {
    let dir = folder_of(path);
    if !dir.is_dir() {
        return Err(SecureFileError::NoFolder(dir));
    }
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(SecureFileError::Exists(path.to_path_buf()));
    }
    // tempfile creates the file with O_EXCL and mode 0600 on Unix, so no other user can
    // ever open it, not even between creation and the rename.
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RAND_LEN)
        .tempfile_in(&dir)
        .map_err(io_err(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = tmp.as_file().metadata().map_err(io_err(path))?.permissions().mode();
        if !is_private_mode(mode) {
            return Err(SecureFileError::Io {
                path: path.to_path_buf(),
                source: io::Error::other("temporary file was not created private (mode 0600)"),
            });
        }
    }
    // Through the File, not NamedTempFile's Write, which adds the temp path to errors.
    tmp.as_file_mut().write_all(bytes).map_err(io_err(path))?;
    #[cfg(unix)]
    if let Some(m) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(fs::Permissions::from_mode(m)).map_err(io_err(path))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file().sync_all().map_err(io_err(path))?;
    Ok(tmp)
}

/// Renames a prepared temp file to `path` (never over an existing file unless
/// `overwrite`). The folder is not synced here.
fn put_in_place(tmp: tempfile::NamedTempFile, path: &Path, overwrite: bool) -> Result<(), SecureFileError> {
    let persisted = if overwrite {
        tmp.persist(path).map_err(|e| e.error)
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)
    };
    match persisted {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(SecureFileError::Exists(path.to_path_buf())),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Temp files of [`replace_like`] are `.NAME.XXXXXX.keyshelf-tmp`, NAME being the file
/// they will replace.
const REPLACE_SUFFIX: &str = ".keyshelf-tmp";

/// Replaces `target` with `bytes`: a temp file in the same directory gets the owner
/// and mode of `like`, the bytes, an fsync, then is renamed over `target`, and the
/// directory is fsynced. A reader sees the old file or the new one, never half.
///
/// Stale temp files for the same `target` (left by a killed run) are swept once the new
/// temp file exists, and errors never mention the temp file: the caller names `target`.
pub fn replace_like(target: &Path, bytes: &[u8], like: &fs::Metadata) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(REPLACE_SUFFIX)
        .rand_bytes(TEMP_RAND_LEN)
        .tempfile_in(dir)
        .map_err(without_temp_path)?;
    sweep_stale_temps(dir, &prefix, REPLACE_SUFFIX, &tmp);
    copy_attributes(tmp.as_file(), like)?;
    // Through the File, not NamedTempFile's Write, which adds the temp path to errors.
    tmp.as_file_mut().write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| without_temp_path(e.error))?;
    File::open(dir)?.sync_all()
}

fn copy_attributes(file: &File, like: &fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mine = file.metadata()?;
        if mine.uid() != like.uid() || mine.gid() != like.gid() {
            // Best effort: only root may give a file to someone else (say, when
            // cleaning another user's file); the mode below is kept either way.
            let _ = std::os::unix::fs::fchown(file, Some(like.uid()), Some(like.gid()));
        }
    }
    // Set explicitly (fchmod), so the umask does not narrow the mode.
    file.set_permissions(like.permissions())
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
    fn key_files_are_written_together_and_never_half() {
        let dir = tempfile::tempdir().unwrap();
        let (k, p) = (dir.path().join("id"), dir.path().join("id.pub"));
        write_key_files(&k, b"secret", &p, b"ssh-ed25519 AAAA x\n", false).unwrap();
        assert_eq!(fs::read(&k).unwrap(), b"secret");
        assert_eq!(fs::read(&p).unwrap(), b"ssh-ed25519 AAAA x\n");
        #[cfg(unix)]
        {
            assert_eq!(fs::metadata(&k).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o644);
        }
        // Either file existing refuses the pair, and nothing is written.
        let (k2, p2) = (dir.path().join("id2"), dir.path().join("id2.pub"));
        fs::write(&p2, b"precious").unwrap();
        let err = write_key_files(&k2, b"secret", &p2, b"pub", false).unwrap_err();
        assert!(matches!(err, SecureFileError::Exists(ref f) if f == &p2), "{err}");
        assert!(!k2.exists());
        assert_eq!(fs::read(&p2).unwrap(), b"precious");
        // With overwrite both are replaced.
        write_key_files(&k, b"secret 2", &p, b"pub 2", true).unwrap();
        assert_eq!((fs::read(&k).unwrap(), fs::read(&p).unwrap()), (b"secret 2".to_vec(), b"pub 2".to_vec()));
        let mut names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["id", "id.pub", "id2.pub"], "no temp files left");
    }

    #[test]
    fn temp_names_match_exactly() {
        let m = |n: &str| is_temp_name(OsStr::new(n), TEMP_PREFIX, TEMP_SUFFIX);
        assert!(m(".keyshelf-AbC123.tmp"));
        assert!(m(".keyshelf-000000.tmp"));
        for other in [
            ".keyshelf-notes.txt",
            ".keyshelf-AbC12.tmp",
            ".keyshelf-AbC1234.tmp",
            ".keyshelf-AbC-12.tmp",
            ".keyshelf-AbC12\u{e9}.tmp",
            ".keyshelf-AbC123.tmp.bak",
            "x.keyshelf-AbC123.tmp",
            ".keyshelf-space-AbC123",
            "id_ed25519",
        ] {
            assert!(!m(other), "{other}");
        }
        let kh = |n: &str| is_temp_name(OsStr::new(n), ".known_hosts.", ".keyshelf-tmp");
        assert!(kh(".known_hosts.AbC123.keyshelf-tmp"));
        assert!(!kh(".known_hosts.old.AbC123.keyshelf-tmp"));
        assert!(!kh("known_hosts.old"));
    }

    #[test]
    fn the_temp_path_is_taken_out_of_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone");
        let e = tempfile::Builder::new().prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX).tempfile_in(&missing).unwrap_err();
        assert!(e.to_string().contains("at path"), "tempfile no longer adds the path? {e}");
        let clean = without_temp_path(e);
        assert_eq!(clean.kind(), io::ErrorKind::NotFound);
        assert!(clean.raw_os_error().is_some(), "{clean:?}");
        assert!(!clean.to_string().contains("at path") && !clean.to_string().contains(".tmp"), "{clean}");
        // Not an OS error: the message without the path, the same kind.
        let e = io::Error::new(io::ErrorKind::AlreadyExists, "too many temporary files exist at path \"/x\"");
        let clean = without_temp_path(e);
        assert_eq!(
            (clean.kind(), clean.to_string().as_str()),
            (io::ErrorKind::AlreadyExists, "too many temporary files exist")
        );
        // Other errors pass unchanged.
        let e = without_temp_path(io::Error::from_raw_os_error(28));
        assert_eq!(e.raw_os_error(), Some(28));
        assert_eq!(without_temp_path(io::Error::other("plain")).to_string(), "plain");
    }

    #[test]
    fn missing_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("key");
        let err = write_secret(&p, b"x", false).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
