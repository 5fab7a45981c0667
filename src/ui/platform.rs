//! What the app needs from the desktop: native file dialogs. Behind a trait so tests can
//! answer with a temporary path instead of a real dialog. Calls block: the app runs them
//! on a worker thread, never on the UI thread.

use std::path::{Path, PathBuf};

/// The answer of a file dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked<T> {
    Chosen(T),
    Cancelled,
    /// No dialog service (no XDG portal, no zenity): the app falls back to a typed path.
    Unavailable,
}

pub trait Platform: Send + Sync {
    /// Asks where to save a file, suggesting a folder and a name.
    fn save_file(&self, title: &str, folder: Option<&Path>, name: &str) -> Picked<PathBuf>;
    /// Asks for one or more files to open.
    fn open_files(&self, title: &str, folder: Option<&Path>) -> Picked<Vec<PathBuf>>;
}

/// Native dialogs through rfd (XDG portal, else zenity, on Linux).
pub struct NativePlatform;

/// rfd returns `None` both for "cancelled" and for "no dialog could be shown". On Linux
/// we can tell the second case apart: neither a portal on the session bus nor zenity.
fn dialogs_available() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let has_zenity = crate::paths::find_program("zenity", None).is_some();
    has_bus || has_zenity
}

impl Platform for NativePlatform {
    fn save_file(&self, title: &str, folder: Option<&Path>, name: &str) -> Picked<PathBuf> {
        if !dialogs_available() {
            return Picked::Unavailable;
        }
        let mut d = rfd::FileDialog::new().set_title(title).set_file_name(name);
        if let Some(f) = folder.filter(|f| f.is_dir()) {
            d = d.set_directory(f);
        }
        d.save_file().map_or(Picked::Cancelled, Picked::Chosen)
    }

    fn open_files(&self, title: &str, folder: Option<&Path>) -> Picked<Vec<PathBuf>> {
        if !dialogs_available() {
            return Picked::Unavailable;
        }
        let mut d = rfd::FileDialog::new().set_title(title);
        if let Some(f) = folder.filter(|f| f.is_dir()) {
            d = d.set_directory(f);
        }
        d.pick_files().map_or(Picked::Cancelled, Picked::Chosen)
    }
}

/// `~/.ssh`, where key files usually go.
pub fn ssh_dir() -> Option<PathBuf> {
    crate::local::ssh_dir::default_dir()
}
