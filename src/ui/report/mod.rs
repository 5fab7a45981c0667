//! What happened and what needs attention: the activity log and the report.

pub(crate) mod activity;
pub(crate) mod report_view;
