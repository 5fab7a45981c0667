//! Keyshelf: a local inventory of SSH key pairs for people who run servers on several
//! clouds. The library holds the whole product; `main.rs` only picks CLI or desktop app.
//!
//! Which room owns what (each module's own doc says more):
//!
//! | room | owns |
//! |---|---|
//! | [`keys`] | the key engine: generate, parse every format, write private keys, fingerprints |
//! | [`inventory`] | the SQLite store and every rule users rely on (names, quota, delete-while-bound) |
//! | [`known_hosts`] | known_hosts cleanup: matching, removal plan, atomic apply, restore |
//! | [`local`] | the user's own OpenSSH setup: agent, connect, ~/.ssh scan, ssh config |
//! | [`remote`] | changing servers through the user's `ssh`: deploy, check, audit, reset, rotate |
//! | [`cloud`] | the clouds' key-pair APIs: AWS (then Tencent, Alibaba), drift, per-region push/delete |
//! | [`cli`] | the command line: clap over the core, `--json` |
//! | `ui` | the desktop app (the `gui` feature): views emit commands, the app applies them |
//! | [`secure_file`], [`paths`], [`desktop`] | small shared pieces: 0600 writes, paths, the launcher entry |
//! | [`doctor`] | what works on this machine: OpenSSH tools, agent, inventory, ssh config, AWS profiles, launcher |
//!
//! Data flows one way: a view or a command asks, the core decides, the inventory stores;
//! slow work (ssh, cloud calls, file dialogs) runs off the UI and inventory threads.

pub mod cli;
pub mod cloud;
pub mod desktop;
pub mod doctor;
pub mod inventory;
pub mod keys;
pub mod known_hosts;
pub mod local;
pub mod paths;
pub mod remote;
pub mod secure_file;
#[cfg(feature = "gui")]
pub mod ui;
