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

#[cfg(test)]
mod tests {
    /// Every view and dialog, as text: the words the app can show.
    const SOURCES: &[(&str, &str)] = &[
        ("activity.rs", include_str!("activity.rs")),
        ("agent_view.rs", include_str!("agent_view.rs")),
        ("app.rs", include_str!("app.rs")),
        ("cloud_commands.rs", include_str!("cloud_commands.rs")),
        ("cloud_view.rs", include_str!("cloud_view.rs")),
        ("command_handling.rs", include_str!("command_handling.rs")),
        ("convert.rs", include_str!("convert.rs")),
        ("create.rs", include_str!("create.rs")),
        ("details.rs", include_str!("details.rs")),
        ("dialogs.rs", include_str!("dialogs.rs")),
        ("hosts.rs", include_str!("hosts.rs")),
        ("import.rs", include_str!("import.rs")),
        ("inventory_transfer.rs", include_str!("inventory_transfer.rs")),
        ("key_table.rs", include_str!("key_table.rs")),
        ("known_hosts_form.rs", include_str!("known_hosts_form.rs")),
        ("known_hosts_tables.rs", include_str!("known_hosts_tables.rs")),
        ("known_hosts_view.rs", include_str!("known_hosts_view.rs")),
        ("remote_commands.rs", include_str!("remote_commands.rs")),
        ("remote_view.rs", include_str!("remote_view.rs")),
        ("report_view.rs", include_str!("report_view.rs")),
        ("settings.rs", include_str!("settings.rs")),
        ("sidebar.rs", include_str!("sidebar.rs")),
        ("ssh_config_view.rs", include_str!("ssh_config_view.rs")),
        ("ssh_import.rs", include_str!("ssh_import.rs")),
    ];

    /// The string literals of a source file outside comments and tests.
    fn literals(src: &str) -> Vec<String> {
        let code = src.split("#[cfg(test)]").next().unwrap_or(src);
        let mut out = Vec::new();
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("//") || line.starts_with("eprintln!") {
                continue;
            }
            let mut rest = line;
            while let Some(start) = rest.find('"') {
                let after = &rest[start + 1..];
                let Some(end) = after.find('"') else { break };
                out.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
        }
        out
    }

    #[test]
    fn no_string_the_app_shows_speaks_of_command_line_flags_or_commands() {
        for (file, src) in SOURCES {
            for lit in literals(src) {
                let flag = lit.split_whitespace().any(|w| {
                    w.starts_with("--") && w.len() > 2 && w[2..].starts_with(|c: char| c.is_ascii_lowercase())
                });
                assert!(!flag && !lit.contains("keyshelf "), "{file}: {lit:?}");
            }
        }
    }
}
