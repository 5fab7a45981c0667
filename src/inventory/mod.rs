//! The SQLite inventory: accounts, key pairs, tags, hosts, bindings and the activity
//! log, with every rule users rely on (names, quota, delete-while-bound) in one place so
//! the CLI and the app cannot disagree. Never stores private key material.

mod accounts;
mod bulk;
mod cloud;
mod dates;
mod document;
mod hosts;
mod key_pairs;
mod listing;
mod merge;
mod providers;
mod report;
mod rules;
mod schema;
mod search;
mod settings;
mod types;

pub use accounts::ScopeCount;
pub use bulk::BulkImportReport;
pub use cloud::{CloudLink, CloudSeen, PullReport};
pub use dates::{days_from, format_date, parse_date, parse_days};
pub(crate) use document::rfc3339;
pub use document::{
    export_document, AccountEntry, ActivityEntry, BindingEntry, Document, DocumentError, HostColumns, HostEntry,
    KeyPairColumns, KeyPairEntry,
};
pub use key_pairs::{name_from_comment, DeleteHow, KeyEdit, NewKeyPair};
pub use merge::{apply_import, plan_import, ImportPlan, ImportSummary, KeyRef, Renamed};
pub use providers::{type_warning, KeyFamily, ProviderRules};
pub use report::{report, Finding, FindingKind, Fix};
pub use rules::{
    check_account_name, check_key_name, check_owner, check_tag, import_names, parse_tag, private_key_location,
    ImportKey, MAX_KEYS_PER_SCOPE, MAX_OWNER_CHARS, MAX_TAGS,
};
pub use search::SearchQuery;
pub use types::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

/// Errors from the inventory, phrased for the person who has to fix them.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot open the inventory {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    #[error("{} is not a Keyshelf inventory (not an SQLite database, or it is corrupt). It was left untouched: move it aside or use another inventory file", path.display())]
    NotADatabase { path: PathBuf },
    #[error("{} was written by a newer Keyshelf (schema {found}; this version understands up to {supported}). It was left untouched: update Keyshelf to open it", path.display())]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("{} is read-only: check its permissions (or its folder's), or use another inventory file", path.display())]
    ReadOnly { path: PathBuf },
    #[error("the disk holding {} is full: free some space and try again. Nothing was changed", path.display())]
    DiskFull { path: PathBuf },
    #[error("{0}")]
    Rule(String),
    #[error("{0}")]
    NotFound(String),
    #[error("'{query}' matches more than one key pair: {}. Narrow it with --account/--region, or use the id", candidates.join("; "))]
    Ambiguous { query: String, candidates: Vec<String> },
    #[error("cannot delete key pair '{name}': it is bound to {}. Unbind it first", hosts.join(", "))]
    KeyBound { name: String, hosts: Vec<String> },
    /// A cloud account still holds the key pair: delete it there first, or keep it there
    /// and delete it here only.
    #[error("key pair '{name}' is still in the cloud: {}. Delete it there first, or keep it there and delete it here only", places.join(", "))]
    KeyInCloud { name: String, places: Vec<String> },
    /// An inventory document conflicts with the inventory; nothing was imported. The
    /// summary lists every conflict.
    #[error("nothing was imported: {} conflict(s) with the inventory: {}", .0.conflicts.len(), .0.conflicts.join("; "))]
    ImportConflicts(Box<ImportSummary>),
    #[error("inventory error: {0}")]
    Sql(#[from] rusqlite::Error),
}

pub type Result<T> = std::result::Result<T, InventoryError>;

/// The schema version this build writes (`PRAGMA user_version` of a new inventory).
pub const SCHEMA_VERSION: i64 = schema::LATEST;

/// An open inventory. One per thread: clone the path and open another for a worker.
pub struct Inventory {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Inventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inventory").field("path", &self.path).finish()
    }
}

/// Where the inventory lives: `KEYSHELF_DB` if set, else the user's data folder
/// (`~/.local/share/keyshelf/keyshelf.sqlite3` on Linux).
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KEYSHELF_DB").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "keyshelf").map(|d| d.data_dir().join("keyshelf.sqlite3"))
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Whether an SQLite error while opening `path` means its disk is full. SQLite says so
/// for a write that does not fit (SQLITE_FULL), but reports a WAL index (`-shm`) it
/// cannot make as a plain "disk I/O error"; then a small write next to the file tells.
fn is_disk_full(e: &rusqlite::Error, path: &Path) -> bool {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => true,
        Some(rusqlite::ErrorCode::SystemIoFailure) => folder_is_full(path),
        _ => false,
    }
}

fn folder_is_full(path: &Path) -> bool {
    use std::io::{ErrorKind, Write};
    let full = |e: std::io::Error| e.kind() == ErrorKind::StorageFull;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // The probe is removed when dropped, whatever happens.
    match tempfile::Builder::new().prefix(".keyshelf-space-").tempfile_in(dir) {
        Ok(mut probe) => probe.write_all(&[0u8; 64 * 1024]).and_then(|()| probe.as_file().sync_all()).is_err_and(full),
        Err(e) => full(e),
    }
}

/// Creates the folders missing on the way to `dir`, readable by their owner only (the
/// inventory lists hosts, addresses, users and key paths). Existing folders keep their mode.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates an empty inventory file with mode 0600 from the first byte (SQLite gives its
/// `-wal` and `-shm` files the same mode). Another process creating it at the same
/// moment is fine: then it exists and is left as it is.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// How long a connection waits for another one's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// `PRAGMA journal_mode=WAL`. Switching a new file to WAL needs it alone, and when
/// another process opens it at that moment SQLite answers "database is locked" at once,
/// without the busy timeout (tests/concurrency.rs): retry for as long as that would wait.
fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other.map(|_| ()),
        }
    }
}

fn is_not_a_db(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

impl Inventory {
    /// Opens (creating if missing) the inventory at `path` and brings its schema up to
    /// date. A file that is not an inventory, is newer than this build, or cannot be
    /// written is reported and never modified.
    pub fn open(path: &Path) -> Result<Inventory> {
        let open_err = |reason: String| InventoryError::Open { path: path.to_path_buf(), reason };
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(dir)
                    .map_err(|e| open_err(format!("cannot create folder {}: {e}", dir.display())))?;
            }
            create_private_file(path).map_err(|e| open_err(format!("cannot create it: {e}")))?;
        } else if path.is_dir() {
            return Err(open_err("it is a folder, not a file".into()));
        } else if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(path) {
            // Ask the OS before SQLite does: on a read-only inventory in WAL mode, SQLite
            // would leave fresh -wal and -shm files next to it before finding out.
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                return Err(InventoryError::ReadOnly { path: path.to_path_buf() });
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| {
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
                InventoryError::ReadOnly { path: path.to_path_buf() }
            } else {
                open_err(e.to_string())
            }
        })?;
        let classify = |e: rusqlite::Error| -> InventoryError {
            if is_not_a_db(&e) {
                InventoryError::NotADatabase { path: path.to_path_buf() }
            } else if is_disk_full(&e, path) {
                InventoryError::DiskFull { path: path.to_path_buf() }
            } else if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::CannotOpen)
            ) {
                InventoryError::ReadOnly { path: path.to_path_buf() }
            } else {
                open_err(e.to_string())
            }
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(classify)?;
        // Reading the header first tells a foreign file apart before anything is written.
        // One statement, so one snapshot: another process may be creating this inventory
        // right now, and two reads could see its version 0, then its tables ("foreign").
        let (version, foreign): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version),
                        (SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(classify)?;
        if version > schema::LATEST {
            return Err(InventoryError::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                supported: schema::LATEST,
            });
        }
        if version == 0 && foreign > 0 {
            return Err(open_err(
                "it is an SQLite database of another program, not a Keyshelf inventory; it was left untouched".into(),
            ));
        }
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(classify)? {
            return Err(InventoryError::ReadOnly { path: path.to_path_buf() });
        }
        set_wal(&conn).map_err(classify)?;
        // The last connection to close checkpoints and deletes the WAL (SQLite's
        // default). Leaving it for the next process (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE)
        // would save a CLI command its four SQLite fsyncs, but a user who restores the
        // inventory by copying the one file back would get the stale `-wal` applied.
        conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;").map_err(classify)?;
        let mut inv = Inventory { conn, path: path.to_path_buf() };
        inv.migrate(version).map_err(|e| match e {
            InventoryError::Sql(e) => classify(e),
            other => other,
        })?;
        Ok(inv)
    }

    fn migrate(&mut self, from: i64) -> Result<()> {
        if from == schema::LATEST {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read inside the write lock: another process may have migrated meanwhile.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, script) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(script)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// A number that changes whenever *another* connection (another Keyshelf process,
    /// a CLI run, a run on servers) committed a change to the file; this connection's
    /// own commits leave it as it is (`PRAGMA data_version`).
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// A write transaction that takes the lock up front, so two processes never
    /// deadlock upgrading read locks (busy_timeout then retries for us).
    ///
    /// It borrows the connection shared, so a method reads what it is about to change
    /// (`self.key(id)`, `self.host(name)`) *after* taking it, under the lock: a copy read
    /// before could be stale by then, and an edit judged against it would be lost
    /// (tests/concurrency.rs). Methods never nest transactions, which is what `new`
    /// would check.
    fn write(&self) -> Result<rusqlite::Transaction<'_>> {
        Ok(rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?)
    }

    /// The activity log, newest first.
    pub fn activity(&self, limit: usize, filter: Option<&str>) -> Result<Vec<Activity>> {
        let like = filter.filter(|f| !f.is_empty()).map(like_pattern);
        let mut st = self.conn.prepare(
            "SELECT id, at, action, subject, detail FROM activity
             WHERE ?1 IS NULL OR action LIKE ?1 ESCAPE '\\' OR subject LIKE ?1 ESCAPE '\\' OR detail LIKE ?1 ESCAPE '\\'
             ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = st.query_map(rusqlite::params![like, limit as i64], |r| {
            Ok(Activity { id: r.get(0)?, at: r.get(1)?, action: r.get(2)?, subject: r.get(3)?, detail: r.get(4)? })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Activity about one subject (a key pair's or host's name), newest first.
    pub fn activity_for(&self, subject: &str, limit: usize) -> Result<Vec<Activity>> {
        let mut st = self.conn.prepare(
            "SELECT id, at, action, subject, detail FROM activity WHERE subject = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = st.query_map(rusqlite::params![subject, limit as i64], |r| {
            Ok(Activity { id: r.get(0)?, at: r.get(1)?, action: r.get(2)?, subject: r.get(3)?, detail: r.get(4)? })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// Records one change. Called inside the transaction that makes the change, so the log
/// and the data never disagree. Never pass secrets here.
fn log(tx: &rusqlite::Transaction<'_>, action: &str, subject: &str, detail: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO activity (at, action, subject, detail) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![now(), action, subject, detail],
    )?;
    Ok(())
}

/// `%text%` for LIKE, with `%`, `_` and `\` escaped.
pub(crate) fn like_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Looks up an account id by name; `None` name means "no account".
fn account_id(conn: &Connection, name: Option<&str>) -> Result<Option<i64>> {
    match name {
        None => Ok(None),
        Some(n) => conn
            .query_row("SELECT id FROM accounts WHERE name = ?1", [n], |r| r.get(0))
            .optional()?
            .map(Some)
            .ok_or_else(|| InventoryError::NotFound(format!("no account named '{n}' (see `keyshelf account list`)"))),
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_inventory_and_its_folders_are_private_and_an_existing_one_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.path().join("a/b/keyshelf.sqlite3");
        let mut inv = Inventory::open(&db).unwrap();
        inv.add_account("acct", Provider::Aws, "").unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&db.with_extension("sqlite3-wal")), 0o600, "the WAL holds the same data");
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        assert_eq!(mode(dir.path()), 0o755, "a folder that existed keeps its mode");
        drop(inv);

        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).unwrap();
        Inventory::open(&db).unwrap();
        assert_eq!(mode(&db), 0o640, "the user's choice stands");
    }
}
