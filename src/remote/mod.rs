//! Reaching servers through the user's own `ssh`: deploy a key pair to hosts, check that
//! it logs in, audit what a host trusts, remove a key, reset a host's key and rotate a
//! key pair everywhere, without ever locking anyone out.
//!
//! `ssh` is the user's OpenSSH client, so their config (bastions, ports, users, agent,
//! hardware keys) and known_hosts apply. Nothing here knows about egui. Each operation is
//! a plan read from the inventory, ssh work over the plan alone, and its results recorded
//! in the inventory ([`ops`]); the CLI calls the three in one go, the app runs the ssh
//! work on a thread of its own and reads and writes on its inventory thread.

#[cfg(unix)]
pub mod askpass;
pub mod audit;
pub mod authorized_keys;
pub mod ops;
pub mod outcome;
pub mod session;
pub mod ssh;

pub use audit::{audit, Audit, AuditEntry};
pub use ops::{
    check, deploy, endpoint, execute, finish, record, reset_key, rotate, undeploy, Change, HostPlan, HostResult,
    Operation, Plan, Remote,
};
pub use outcome::{HostOutcome, HostStatus, Progress, Tone};
pub use ssh::{Endpoint, Failure, FailureKind, Prompts, Ssh, SshCommand, SSH_COMMAND_VAR};

/// Errors that stop a whole run (a host's own failure is a [`HostOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// `KEYSHELF_SSH_COMMAND` is not a command line.
    #[error("{SSH_COMMAND_VAR} '{line}' cannot be read: {why}")]
    SshCommand { line: String, why: &'static str },
    #[error("'{old}' and '{new}' are the same key")]
    SameKey { old: String, new: String },
    /// A key pair the run must log in with has no private key file Keyshelf can use.
    #[error("cannot log in with key pair '{key}': {}", missing_private_key(path.as_deref()))]
    NoPrivateKey { key: String, path: Option<String> },
    #[error("{host}: {failure}")]
    Host { host: String, failure: Failure },
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
}

fn missing_private_key(path: Option<&str>) -> String {
    match path {
        Some(p) => format!("its private key file {p} is missing"),
        None => "Keyshelf does not know where its private key file is (set it in the key's details)".into(),
    }
}
