//! Keyshelf: a local inventory of SSH key pairs for people who run servers on several
//! clouds. The library holds the whole product; `main.rs` only picks CLI or desktop app.

pub mod agent;
pub mod cli;
pub mod cloud;
pub mod connect;
pub mod desktop;
pub mod inventory;
pub mod keys;
pub mod known_hosts;
pub mod paths;
pub mod remote;
pub mod secure_file;
pub mod ssh_config;
pub mod ssh_dir;
#[cfg(feature = "gui")]
pub mod ui;
