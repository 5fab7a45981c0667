//! Reaching servers through the user's own `ssh`: deploy a key pair to hosts, check that
//! it logs in, audit what a host trusts, remove a key, reset a host's key and rotate a
//! key pair everywhere, without ever locking anyone out.
//!
//! `ssh` is the user's OpenSSH client, so their config (bastions, ports, users, agent,
//! hardware keys) and known_hosts apply. Nothing here knows about egui; the app and the
//! CLI call the functions of [`ops`] and show the per-host outcomes.

#[cfg(unix)]
pub mod askpass;
pub mod authorized_keys;
pub mod ops;
pub mod outcome;
pub mod session;
pub mod ssh;

pub use ops::{
    audit, check, deploy, endpoint, execute, finish, record, reset_key, rotate, undeploy, Audit, AuditEntry, Change,
    HostPlan, HostResult, Operation, Plan, Remote,
};
pub use outcome::{HostOutcome, HostStatus, Progress, Tone};
pub use ssh::{Endpoint, Failure, FailureKind, Prompts, Ssh, SshCommand, SSH_COMMAND_VAR};

/// Errors that stop a whole run (a host's own failure is a [`HostOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{0}")]
    Setup(String),
    #[error("'{old}' and '{new}' are the same key")]
    SameKey { old: String, new: String },
    /// A key pair the run must log in with has no usable private key file.
    #[error("{0}")]
    CannotLogIn(String),
    #[error("{host}: {failure}")]
    Host { host: String, failure: Failure },
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
}
