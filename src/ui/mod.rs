//! The desktop app (egui/eframe). Views draw from the app's model and emit `Command`s;
//! the app applies them through the core (`keys`, `inventory`, `known_hosts`): the
//! inventory on its own thread (`db.rs`), files and dialogs on jobs (`worker.rs`), and
//! updates the model with what changed. Views never touch the database or the file
//! system, and the UI thread never waits on either.
//!
//! The shell is here (`app`, `command`, `command_handling`, `db`, `worker`, `model`,
//! `dialogs`, `sidebar`, `widgets`, `platform`, and `hosts`, the Hosts table); each view
//! has its room: `keys` (table, details, create, import, convert, ~/.ssh import),
//! `remote` (work on servers), `known_hosts` (cleanup), `cloud` (an account's page),
//! `settings`, and `report` (report and activity).

mod app;
mod cloud;
mod command;
mod command_handling;
mod db;
mod dialogs;
mod hosts;
mod keys;
mod known_hosts;
mod model;
mod platform;
mod remote;
mod report;
mod settings;
mod sidebar;
mod widgets;
mod worker;

pub use app::KeyshelfApp;
pub use command::{Command, View};
pub use known_hosts::known_hosts_view::{KnownHostsView, StatusMessage};
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
    // SIGTERM (a logout, `kill`) and SIGINT close the window as its close button does,
    // so the inventory is closed properly instead of the process dying mid-way.
    let terminate = Arc::new(std::sync::atomic::AtomicBool::new(false));
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&terminate)) {
            eprintln!("keyshelf: cannot listen for signal {signal}: {e}");
        }
    }
    let result = eframe::run_native(
        "Keyshelf",
        options,
        Box::new(move |cc| {
            // A signal arrives while the window may be idle: wake it to notice.
            let (ctx, flag) = (cc.egui_ctx.clone(), Arc::clone(&terminate));
            std::thread::spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                ctx.request_repaint();
            });
            Ok(Box::new(KeyshelfApp::new(db, Arc::new(NativePlatform)).with_terminate_flag(terminate)))
        }),
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
        ("report/activity.rs", include_str!("report/activity.rs")),
        ("settings/agent_view.rs", include_str!("settings/agent_view.rs")),
        ("app.rs", include_str!("app.rs")),
        ("cloud/cloud_commands.rs", include_str!("cloud/cloud_commands.rs")),
        ("cloud/cloud_view.rs", include_str!("cloud/cloud_view.rs")),
        ("command_handling.rs", include_str!("command_handling.rs")),
        ("keys/convert.rs", include_str!("keys/convert.rs")),
        ("keys/create.rs", include_str!("keys/create.rs")),
        ("keys/details.rs", include_str!("keys/details.rs")),
        ("dialogs.rs", include_str!("dialogs.rs")),
        ("hosts.rs", include_str!("hosts.rs")),
        ("keys/import.rs", include_str!("keys/import.rs")),
        ("settings/inventory_transfer.rs", include_str!("settings/inventory_transfer.rs")),
        ("keys/key_table.rs", include_str!("keys/key_table.rs")),
        ("known_hosts/known_hosts_form.rs", include_str!("known_hosts/known_hosts_form.rs")),
        ("known_hosts/known_hosts_tables.rs", include_str!("known_hosts/known_hosts_tables.rs")),
        ("known_hosts/known_hosts_view.rs", include_str!("known_hosts/known_hosts_view.rs")),
        ("remote/remote_commands.rs", include_str!("remote/remote_commands.rs")),
        ("remote/remote_view.rs", include_str!("remote/remote_view.rs")),
        ("report/report_view.rs", include_str!("report/report_view.rs")),
        ("settings/settings_view.rs", include_str!("settings/settings_view.rs")),
        ("sidebar.rs", include_str!("sidebar.rs")),
        ("settings/ssh_config_view.rs", include_str!("settings/ssh_config_view.rs")),
        ("keys/ssh_import.rs", include_str!("keys/ssh_import.rs")),
    ];

    /// The string literals of a source file outside comments and tests, a literal
    /// continued over several lines (`\` at a line's end) read as one.
    fn literals(src: &str) -> Vec<String> {
        let code = src.split("#[cfg(test)]").next().unwrap_or(src);
        let kept: Vec<&str> = code
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !l.starts_with("//") && !l.starts_with("eprintln!")
            })
            .collect();
        // A quote as a char literal is not the start of a string.
        let code = kept.join("\n").replace("'\"'", "' '");
        let mut out = Vec::new();
        let mut chars = code.chars();
        while let Some(c) = chars.next() {
            if c != '"' {
                continue;
            }
            let mut lit = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        // A continued line: the newline and the next line's indent go.
                        Some('\n') => {
                            let rest: String = chars.clone().collect();
                            let skip = rest.len() - rest.trim_start().len();
                            for _ in 0..rest[..skip].chars().count() {
                                chars.next();
                            }
                        }
                        Some(e) => {
                            lit.push('\\');
                            lit.push(e);
                        }
                        None => break,
                    },
                    c => lit.push(c),
                }
            }
            out.push(lit);
        }
        out
    }

    #[test]
    fn no_string_the_app_shows_speaks_of_command_line_flags_or_commands() {
        let mut found = Vec::new();
        for (file, src) in SOURCES {
            for lit in literals(src) {
                let flag = lit.split_whitespace().any(|w| {
                    w.starts_with("--") && w.len() > 2 && w[2..].starts_with(|c: char| c.is_ascii_lowercase())
                });
                if flag || lit.contains("keyshelf ") {
                    found.push(format!("{file}: {lit:?}"));
                }
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
