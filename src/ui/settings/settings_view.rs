//! The Settings view: how Keyshelf reaches servers (the ssh command, where it comes
//! from, how ssh's questions are asked), where the inventory lives, what works on this
//! machine (the checks of `keyshelf doctor`, run as a job) and About. What it shows is
//! read once when the view opens, never per frame.

use std::path::{Path, PathBuf};

use egui::{RichText, Ui};

use crate::remote::SshCommand;

/// What the view shows, read once.
#[derive(Default)]
pub struct SettingsState {
    loaded: Option<Loaded>,
    /// The last `doctor` checks (None: not run yet).
    pub doctor: Option<Vec<crate::doctor::Check>>,
    pub doctor_running: bool,
}

struct Loaded {
    /// The command line Keyshelf runs, or why it cannot run one.
    ssh: Result<String, String>,
    /// Whether it comes from `KEYSHELF_SSH_COMMAND`.
    from_env: bool,
    /// The ssh program found in PATH (None: not found).
    program: Option<PathBuf>,
}

impl SettingsState {
    /// Forgets what was read, so the next time the view shows reads it again.
    pub fn refresh(&mut self) {
        self.loaded = None;
    }
}

fn load() -> Loaded {
    let from_env = std::env::var_os(crate::remote::SSH_COMMAND_VAR).is_some_and(|v| !v.is_empty());
    match SshCommand::from_env() {
        Ok(c) => {
            let program = find_program(&c.program);
            Loaded { ssh: Ok(c.display()), from_env, program }
        }
        Err(e) => Loaded { ssh: Err(e.to_string()), from_env, program: None },
    }
}

/// `program` as the shell would find it: a path as is, a bare name in PATH.
fn find_program(program: &str) -> Option<PathBuf> {
    crate::paths::find_program(program, None)
}

fn section(ui: &mut Ui, title: &str) {
    ui.add_space(14.0);
    ui.label(RichText::new(title).strong().size(15.0));
    ui.separator();
}

/// A label column, then the value, which wraps within its own column.
fn row(ui: &mut Ui, label: &str, add: impl FnOnce(&mut Ui)) {
    ui.horizontal_top(|ui| {
        let cell = egui::vec2(170.0, ui.spacing().interact_size.y.min(18.0));
        ui.allocate_ui_with_layout(cell, egui::Layout::left_to_right(egui::Align::Min), |ui| {
            ui.set_min_width(cell.x);
            ui.label(RichText::new(label).weak());
        });
        ui.vertical(|ui| add(ui));
    });
}

pub fn show(
    ui: &mut Ui,
    st: &mut SettingsState,
    db_path: Option<&Path>,
    askpass: Option<&Path>,
    agent: &crate::ui::settings::agent_view::AgentState,
    ssh_config: Option<&Result<Option<PathBuf>, String>>,
    cmds: &mut Vec<crate::ui::command::Command>,
) {
    st.loaded.get_or_insert_with(load);
    let st = &*st;
    let Some(loaded) = &st.loaded else { return };
    ui.heading("Settings");
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        ui.set_max_width(760.0);
        section(ui, "Servers");
        row(ui, "ssh command", |ui| match &loaded.ssh {
            Ok(c) => {
                ui.label(RichText::new(c).monospace());
            }
            Err(e) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        });
        row(ui, "", |ui| {
            if loaded.from_env {
                ui.label("From KEYSHELF_SSH_COMMAND.");
            } else {
                ui.label(
                    "Your own OpenSSH client, so your ssh config, agent and known_hosts apply. To run another \
                     program or add options, start Keyshelf with KEYSHELF_SSH_COMMAND set (like git's \
                     GIT_SSH_COMMAND).",
                );
            }
        });
        if loaded.ssh.is_ok() {
            row(ui, "Program", |ui| match &loaded.program {
                Some(p) => {
                    ui.label(RichText::new(p.display().to_string()).monospace());
                }
                None => {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        "Not found in PATH: install OpenSSH's client to work on servers.",
                    );
                }
            });
        }
        row(ui, "Questions from ssh", |ui| {
            if askpass.is_some() {
                ui.label("Passphrases, passwords and new host keys are asked in Keyshelf's own dialogs.");
            } else {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "Keyshelf cannot answer ssh's questions here: logins that need a passphrase or a password fail \
                     with a message saying so.",
                );
            }
        });
        row(ui, "Host keys", |ui| {
            ui.label(
                "Never trusted blindly: a new host is a question, a changed host key is refused with the known_hosts \
                 cleanup offered.",
            );
        });
        row(ui, "Hosts at a time", |ui| {
            ui.label(format!("{}", crate::remote::Remote::DEFAULT_PARALLEL));
        });
        section(ui, "Managed ssh config");
        crate::ui::settings::ssh_config_view::section(ui, ssh_config, cmds);
        section(ui, "ssh-agent");
        crate::ui::settings::agent_view::section(ui, agent, cmds);
        section(ui, "Inventory");
        row(ui, "File", |ui| match db_path {
            Some(p) => {
                ui.label(RichText::new(p.display().to_string()).monospace());
            }
            None => {
                ui.weak("none");
            }
        });
        row(ui, "", |ui| {
            ui.label(
                "Public keys, names, tags, hosts and the activity log. Private keys never enter it: only where you \
                 saved them. To use another file, start Keyshelf with KEYSHELF_DB set to its path.",
            );
        });
        row(ui, "Backup and move", |ui| {
            ui.horizontal(|ui| {
                let export =
                    ui.button("Export…").on_hover_text("Write the whole inventory to one JSON file (mode 0600)");
                if export.clicked() {
                    cmds.push(crate::ui::command::Command::ExportInventory);
                }
                let import =
                    ui.button("Import inventory…").on_hover_text("Merge a file written by Export into this one");
                if import.clicked() {
                    cmds.push(crate::ui::command::Command::PickInventoryImport);
                }
            });
        });
        row(ui, "", |ui| {
            ui.label(
                "The same document the command line exports and imports: public keys, accounts, hosts, bindings \
                 and the activity log, never a private key. An import shows what it would change first.",
            );
        });
        section(ui, "This machine");
        doctor_section(ui, st, cmds);
        section(ui, "About Keyshelf");
        about_section(ui, db_path);
    });
}

/// The checks of `keyshelf doctor`: a mark, what was found, and the fix of each problem.
fn doctor_section(ui: &mut Ui, st: &SettingsState, cmds: &mut Vec<crate::ui::command::Command>) {
    ui.horizontal(|ui| {
        let again = ui.add_enabled(!st.doctor_running, egui::Button::new("Check again"));
        if again
            .on_hover_text("Look again for ssh, the agent, the inventory, AWS profiles and the launcher entry")
            .clicked()
        {
            cmds.push(crate::ui::command::Command::RunDoctor);
        }
        if st.doctor_running {
            ui.spinner();
            ui.weak("Checking…");
        } else if let Some(checks) = &st.doctor {
            let problems = checks.iter().filter(|c| !c.ok).count();
            match problems {
                0 => ui.label("Everything Keyshelf uses works here."),
                1 => ui.colored_label(ui.visuals().warn_fg_color, "1 problem"),
                n => ui.colored_label(ui.visuals().warn_fg_color, format!("{n} problems")),
            };
        }
    });
    let Some(checks) = &st.doctor else { return };
    ui.add_space(4.0);
    for c in checks {
        let (detail, fix) = in_app_words(c);
        row(ui, &doctor_label(&c.name), |ui| {
            ui.horizontal_wrapped(|ui| {
                if c.ok {
                    ui.colored_label(egui::Color32::from_rgb(0x2e, 0x9e, 0x4f), RichText::new("OK").strong());
                } else {
                    ui.colored_label(ui.visuals().warn_fg_color, RichText::new("Problem").strong());
                }
                ui.label(&detail);
            });
            if let Some(fix) = &fix {
                ui.label(RichText::new(format!("To fix: {fix}")).weak());
            }
        });
    }
}

/// A check's detail and fix in words about this window where the command line's
/// words would not help (the shell commands that install or configure other tools stay).
fn in_app_words(c: &crate::doctor::Check) -> (String, Option<String>) {
    let swap = |s: &str| s.replace(crate::doctor::SSH_CONFIG_WRITE, "Preview and turn on… (Managed ssh config, above)");
    let fix = match c.name.as_str() {
        "aws-profiles" => c.fix.as_ref().map(|_| {
            "make that profile (aws configure, in a terminal), or choose another one for the account: right-click \
             it in the sidebar, Edit account…"
                .to_string()
        }),
        "desktop-entry" => c
            .fix
            .as_ref()
            .map(|_| "install Keyshelf's .deb package, which adds it to your desktop's launcher".to_string()),
        _ => c.fix.as_deref().map(swap),
    };
    (swap(&c.detail), fix)
}

/// A check's name in words for the window.
fn doctor_label(name: &str) -> String {
    match name {
        "keyshelf" => "Keyshelf".into(),
        "agent" => "Running agent".into(),
        "inventory" => "Inventory file".into(),
        "inventory-mode" => "Inventory permissions".into(),
        "inventory-schema" => "Inventory schema".into(),
        "ssh-config" => "Managed ssh config".into(),
        "aws-profiles" => "AWS profiles".into(),
        "cloud-credentials" => "Tencent and Alibaba".into(),
        "desktop-entry" => "Launcher entry".into(),
        other => other.to_string(),
    }
}

/// The version, the licence, and where the inventory lives.
fn about_section(ui: &mut Ui, db_path: Option<&Path>) {
    row(ui, "Version", |ui| {
        ui.label(env!("CARGO_PKG_VERSION"));
    });
    row(ui, "Licence", |ui| {
        ui.label(format!("{} (LICENSE-MIT, LICENSE-APACHE)", env!("CARGO_PKG_LICENSE")));
    });
    row(ui, "Inventory", |ui| {
        match db_path {
            Some(p) => ui.label(RichText::new(p.display().to_string()).monospace()),
            None => ui.weak("none"),
        };
        ui.weak(format!("schema version {}", crate::inventory::SCHEMA_VERSION));
    });
}
