//! The known_hosts cleanup view: the form, the preview and kept-lines tables, and the
//! jobs that plan, apply and undo a removal.

pub(crate) mod known_hosts_form;
pub(crate) mod known_hosts_jobs;
pub(crate) mod known_hosts_tables;
pub(crate) mod known_hosts_view;
