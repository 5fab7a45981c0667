//! Settings: ssh, the managed ssh config, the ssh-agent, the inventory file and its
//! export/import.

pub(crate) mod agent_view;
pub(crate) mod inventory_transfer;
pub(crate) mod settings_view;
pub(crate) mod ssh_config_view;
