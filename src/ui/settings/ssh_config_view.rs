//! The managed ssh config in the app: a section of Settings says whether it is on and
//! for which config; a dialog previews exactly what would be written (the managed file,
//! the one Include line, the hosts left to the user's own config and those skipped)
//! before anything is; "Turn off" takes the Include line out again.

use std::path::PathBuf;

use egui::{RichText, Ui};

use crate::local::ssh_config::{Applied, IncludeChange, Plan};
use crate::ui::command::Command;
use crate::ui::widgets::{error_text, warn_text};

/// The Settings section. `status`: the user's config it is on for (`None` inside: off),
/// read on the inventory's thread.
pub fn section(ui: &mut Ui, status: Option<&Result<Option<PathBuf>, String>>, cmds: &mut Vec<Command>) {
    ui.label(
        "Keyshelf can write its own ssh config with one Host block per host whose key pair's private key file it \
         knows (IdentityFile and IdentitiesOnly yes), so that `ssh HOST` offers exactly that key: no more \"Too \
         many authentication failures\". Your config gets one Include line; nothing else in it changes.",
    );
    ui.add_space(4.0);
    match status {
        None => {
            ui.spinner();
        }
        Some(Err(e)) => error_text(ui, e),
        Some(Ok(Some(config))) => {
            let config = config.display().to_string();
            ui.label(format!("On: kept up to date as hosts, bindings and key files change; included from {config}."));
            ui.horizontal(|ui| {
                if ui.button("Show what it says…").clicked() {
                    cmds.push(Command::OpenSshConfig);
                }
                if ui.button("Turn off…").clicked() {
                    cmds.push(Command::Confirm {
                        title: "Turn the managed ssh config off?".into(),
                        text: format!(
                            "The Include line Keyshelf added goes from {config} (every other byte stays) and \
                             keyshelf.conf is removed. ssh then uses only your own config again."
                        ),
                        confirm: "Turn off".into(),
                        command: Box::new(Command::SshConfigOff),
                    });
                }
            });
        }
        Some(Ok(_)) => {
            ui.label("Off: ssh uses only your own config.");
            if ui.button("Preview and turn on…").clicked() {
                cmds.push(Command::OpenSshConfig);
            }
        }
    }
}

#[derive(Default)]
pub struct SshConfigDialog {
    plan: Option<Result<Plan, String>>,
    enabled: bool,
    applying: bool,
    applied: Option<Result<Applied, String>>,
}

impl SshConfigDialog {
    /// The preview landed; `enabled`: the managed config is already on.
    pub fn planned(&mut self, enabled: bool, r: Result<Plan, String>) {
        self.enabled = enabled;
        self.plan = Some(r);
    }

    pub fn applied(&mut self, r: Result<Applied, String>) {
        self.applying = false;
        self.applied = Some(r);
    }

    /// Draws the dialog; returns true when it should close.
    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let modal = crate::ui::widgets::modal("ssh-config-dialog").show(ctx, |ui| {
            ui.set_width(780.0);
            ui.heading("Managed ssh config");
            match &self.plan {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the inventory and your ssh config…");
                    });
                }
                Some(Err(e)) => error_text(ui, e),
                Some(Ok(plan)) => plan_view(ui, plan, self.enabled),
            }
            match &self.applied {
                Some(Ok(a)) => {
                    let include = if a.include_added { "; the Include line was added" } else { "" };
                    let backup = a.backup.as_ref().map(|b| format!(" (backup: {})", b.display())).unwrap_or_default();
                    ui.colored_label(
                        crate::ui::remote::remote_view::status_color(ui, "ok"),
                        format!("Written to {}{include}{backup}. It is now kept up to date.", a.managed_path.display()),
                    );
                }
                Some(Err(e)) => error_text(ui, &format!("Nothing was written: {e}")),
                None => {}
            }
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let done = self.applied.as_ref().is_some_and(|a| a.is_ok());
                if !done && !self.enabled {
                    let can = matches!(self.plan, Some(Ok(_))) && !self.applying;
                    if ui.add_enabled(can, egui::Button::new("Write and turn on")).clicked() {
                        if let Some(Ok(p)) = &self.plan {
                            self.applying = true;
                            cmds.push(Command::ApplySshConfig(Box::new(p.clone())));
                        }
                    }
                }
                let label = if done || self.enabled { "Close" } else { "Cancel" };
                if ui.add_enabled(!self.applying, egui::Button::new(label)).clicked() {
                    close = true;
                }
                if self.applying {
                    ui.spinner();
                }
            });
        });
        (modal.should_close() && !self.applying) || close
    }
}

fn plan_view(ui: &mut Ui, plan: &Plan, enabled: bool) {
    let config = plan.user_config.display().to_string();
    let hosts = match plan.managed.len() {
        1 => "1 host".to_string(),
        n => format!("{n} hosts"),
    };
    ui.label(format!("{} with a block for {hosts}.", plan.managed_path.display()));
    if !enabled {
        match plan.include {
            IncludeChange::AlreadyPresent => {
                ui.label(format!("{config} already includes it: it is not touched."));
            }
            IncludeChange::Insert => {
                ui.label(format!(
                    "One line goes at the top of {config} (so that it applies), after a backup to {}:",
                    plan.backup_path.display()
                ));
                ui.label(RichText::new(&plan.include_line).monospace());
            }
            IncludeChange::Create => {
                ui.label(format!("{config} does not exist: it is created (mode 0600) with this line only:"));
                ui.label(RichText::new(&plan.include_line).monospace());
            }
        }
    }
    for l in &plan.left_to_user {
        warn_text(ui, &format!("{}: left to your config, which defines it ({}:{})", l.name, l.file.display(), l.line));
    }
    for s in &plan.skipped {
        ui.weak(format!("{}: no block ({})", s.name, s.reason));
    }
    ui.add_space(4.0);
    egui::ScrollArea::vertical().id_salt("ssh-config-text").max_height(260.0).show(ui, |ui| {
        ui.add(egui::Label::new(RichText::new(&plan.text).monospace()).wrap());
    });
}
