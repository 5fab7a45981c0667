//! A cloud account's page: check connection, the drift table, pull, push and delete,
//! run on their own thread.

pub(crate) mod cloud_commands;
pub(crate) mod cloud_view;
