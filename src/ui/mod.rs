//! The desktop app (egui/eframe). Views draw from the app's model and emit `Command`s;
//! the app applies them through the core (`keys`, `inventory`, `known_hosts`): the
//! inventory on its own thread (`db.rs`), files and dialogs on jobs (`worker.rs`), and
//! updates the model with what changed. Views never touch the database or the file
//! system, and the UI thread never waits on either.

mod activity;
mod agent_view;
mod app;
mod cloud_commands;
pub(crate) mod cloud_view;
mod command;
mod command_handling;
mod convert;
mod create;
mod db;
mod details;
mod dialogs;
mod hosts;
mod import;
mod inventory_transfer;
mod key_table;
mod known_hosts_form;
mod known_hosts_jobs;
mod known_hosts_tables;
mod known_hosts_view;
mod model;
mod platform;
mod remote_commands;
mod remote_run;
mod remote_view;
mod report_view;
mod settings;
mod sidebar;
mod ssh_config_view;
mod ssh_import;
mod widgets;
mod worker;

pub use app::KeyshelfApp;
pub use command::{Command, View};
pub use known_hosts_view::{KnownHostsView, StatusMessage};
pub use platform::{NativePlatform, Picked, Platform};

use std::path::PathBuf;
use std::sync::Arc;

/// The app icon, embedded so the binary needs no files next to it.
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icons/keyshelf-256.png");

/// Opens the window on the inventory at `db` (or the default one) and runs until it is
/// closed. Returns the process exit code.
pub fn run(db: Option<PathBuf>) -> i32 {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Keyshelf")
        .with_app_id("keyshelf")
        .with_inner_size([1200.0, 760.0])
        .with_min_inner_size([760.0, 480.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions { viewport, ..Default::default() };
    let result = eframe::run_native(
        "Keyshelf",
        options,
        Box::new(move |_cc| Ok(Box::new(KeyshelfApp::new(db, Arc::new(NativePlatform))))),
    );
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("keyshelf: cannot open the window: {e}");
            eprintln!("(the app needs a graphical session; the command line works anywhere: keyshelf --help)");
            1
        }
    }
}
