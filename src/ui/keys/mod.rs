//! The key pair views: the table, the details pane, and the create, import, convert and
//! "Import from ~/.ssh" dialogs.

pub(crate) mod convert;
pub(crate) mod create;
pub(crate) mod details;
pub(crate) mod import;
pub(crate) mod key_table;
pub(crate) mod ssh_import;
