//! The user's own OpenSSH setup on this machine, which Keyshelf works with rather than
//! replaces: the running ssh-agent ([`agent`]), logging in to a host with the user's own
//! `ssh` ([`connect`]), the SSH folder and its keys ([`ssh_dir`], "Import from ~/.ssh"),
//! and the ssh config: hosts imported from it and the managed file that follows the
//! inventory ([`ssh_config`]). Reaching servers to change them is `remote`; this room
//! only reads and writes what is on this machine.

pub mod agent;
pub mod connect;
pub mod ssh_config;
pub mod ssh_dir;
