//! Work on servers from the app: the run window (per-host progress, ssh's questions,
//! cancel) and the commands that start deploy, check, audit, reset and rotate.

pub(crate) mod remote_commands;
pub(crate) mod remote_run;
pub(crate) mod remote_view;
