//! The user's ssh config, both ways: hosts imported from it (`import`), and a managed
//! file, `keyshelf.conf` next to it, with one `Host` block per inventory host that makes
//! `ssh ALIAS` use exactly the bound key pair (`managed`).
//!
//! ssh is the authority on what a config means: aliases are listed by reading the files,
//! but what each one resolves to is what `ssh -G` prints. Nothing here ever touches the
//! user's files unless asked: the managed file is rewritten only once the user enabled
//! it (see [`refresh_managed_config`]).

mod import;
mod managed;
mod parse;

use std::io;
use std::path::PathBuf;

pub use import::{
    import_hosts, import_resolved, resolve, resolve_config, ImportStatus, ImportedAlias, Resolved, ResolvedConfig,
};
pub use managed::{
    apply_and_enable, configured, default_user_config, disable, disabled, enable, enabled_config, mark_stale, plan,
    refresh_if_stale, refresh_managed_config, remove_files, take_stale, Applied, Disabled, IncludeChange, LeftToUser,
    ManagedHost, Plan, Report, Skipped, MANAGED_FILE_NAME, SETTING_ENABLED, SETTING_USER_CONFIG,
};
pub use parse::{aliases, include_path, is_concrete_alias, Alias};

/// What can go wrong reading configs, running `ssh -G` or writing the managed files.
#[derive(Debug, thiserror::Error)]
pub enum SshConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot write the backup {}: {source}; {} was not changed", path.display(), config.display())]
    Backup { path: PathBuf, config: PathBuf, source: io::Error },
    #[error("{} changed since the preview was made; nothing was written, preview again", path.display())]
    Changed { path: PathBuf },
    #[error("{}: too many levels of symbolic links", path.display())]
    SymlinkLoop { path: PathBuf },
    #[error("cannot find your home folder, so there is no ~/.ssh/config; give the file with --file")]
    NoHome,
    #[error("{0}")]
    Ssh(String),
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
}

pub type Result<T> = std::result::Result<T, SshConfigError>;
