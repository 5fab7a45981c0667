//! The windows of work on servers: the run window (each host's progress, then its result
//! in words a person can act on, with Cancel, "Trust and retry", the known_hosts cleanup
//! and, for an audit, the keys found) and the rotation dialog.

use egui::{RichText, Ui};

use crate::remote::{HostStatus, Tone};
use crate::ui::command::Command;
use crate::ui::model::Model;
use crate::ui::remote::remote_run::{HostState, RemoteAction, RemoteRun};

/// The colour of a status word (a host's last check as the inventory remembers it, or
/// a word that means done: "ok").
pub fn status_color(ui: &Ui, status: &str) -> egui::Color32 {
    tone_color(ui, HostStatus::from_word(status).map_or(Tone::Bad, HostStatus::tone))
}

/// The colour of a host's status in a run.
pub fn host_status_color(ui: &Ui, status: HostStatus) -> egui::Color32 {
    tone_color(ui, status.tone())
}

fn tone_color(ui: &Ui, tone: Tone) -> egui::Color32 {
    match tone {
        Tone::Good => {
            if ui.visuals().dark_mode {
                egui::Color32::from_rgb(120, 200, 120)
            } else {
                egui::Color32::from_rgb(30, 120, 40)
            }
        }
        Tone::Warning => ui.visuals().warn_fg_color,
        Tone::Bad => ui.visuals().error_fg_color,
    }
}

/// Shows the run window; true when the user closed it.
pub fn show_run(ctx: &egui::Context, run: &mut RemoteRun, model: &Model, cmds: &mut Vec<Command>) -> bool {
    let mut close = false;
    crate::ui::widgets::modal("remote-run").show(ctx, |ui| {
        // Wide enough for an audit's fingerprints; a steady height so that the window does
        // not move under the pointer as questions and results come and go.
        ui.set_width(if run.audit.is_some() { 820.0 } else { 640.0 });
        ui.set_min_height(300.0);
        ui.heading(&run.title);
        let (done, failed) = run.counts();
        let total = run.rows.len();
        if run.ask.is_some() {
            ui.colored_label(ui.visuals().warn_fg_color, "ssh is waiting for your answer below.");
        } else if run.running() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("{done} of {} done", hosts(total)));
            });
        } else if let Some(e) = &run.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        } else if failed == 0 {
            ui.label(if total == 1 { "Done.".to_string() } else { format!("Done: {}, all succeeded.", hosts(total)) });
        } else {
            let mut text = match (total, failed == total) {
                (1, _) => "It failed; the reason is below.".to_string(),
                (_, true) => format!("All {} failed; the reasons are below.", hosts(total)),
                _ => format!("{failed} of {} failed; the others succeeded.", hosts(total)),
            };
            // Only these remove keys: say that a failure never did.
            if matches!(
                run.action,
                RemoteAction::Undeploy { .. } | RemoteAction::ResetKey { .. } | RemoteAction::Rotate { .. }
            ) {
                text.push_str(" Nothing was removed from a host that failed.");
            }
            ui.colored_label(ui.visuals().error_fg_color, text);
        }
        ui.add_space(6.0);
        egui::ScrollArea::vertical().max_height(300.0).id_salt("run-rows").show(ui, |ui| {
            // Fixed columns, the message filling the rest: rows keep their place and their
            // stripes span the window while hosts finish.
            let message_width = (ui.available_width() - 120.0 - 130.0 - 24.0).max(200.0);
            egui::Grid::new("run-grid").num_columns(3).spacing([12.0, 6.0]).min_col_width(120.0).striped(true).show(
                ui,
                |ui| {
                    for (host, state) in &run.rows {
                        ui.add(egui::Label::new(RichText::new(host).strong()).truncate());
                        let (status, message): (egui::WidgetText, String) = match state {
                            HostState::Waiting => (
                                RichText::new(if run.cancelled { "cancelled" } else { "waiting" }).weak().into(),
                                String::new(),
                            ),
                            HostState::Running => ("working…".into(), String::new()),
                            HostState::Done(o) => (
                                RichText::new(o.status.word()).color(host_status_color(ui, o.status)).into(),
                                o.message.clone(),
                            ),
                        };
                        ui.horizontal(|ui| {
                            ui.set_min_width(130.0);
                            if matches!(state, HostState::Running) {
                                ui.spinner();
                            }
                            ui.label(status);
                        });
                        ui.horizontal(|ui| {
                            ui.set_min_width(message_width);
                            ui.set_max_width(message_width);
                            ui.add(egui::Label::new(message).wrap());
                        });
                        ui.end_row();
                    }
                },
            );
        });
        if let Some(a) = &run.audit {
            audit_table(ui, a);
        }
        if run.ask.is_some() {
            ask_panel(ui, run);
        }
        ui.add_space(8.0);
        ui.separator();
        ui.horizontal(|ui| {
            if run.running() {
                let b = ui.add_enabled(!run.cancelled, egui::Button::new("Cancel"));
                if b.on_hover_text("Hosts not started are skipped; a host being changed finishes").clicked() {
                    cmds.push(Command::CancelRemote);
                }
                return;
            }
            if ui.button("Close").on_hover_text("Esc").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                close = true;
            }
            let unknown = run.hosts_with(HostStatus::HostKeyUnknown);
            if !unknown.is_empty()
                && ui
                    .button("Trust new host keys and retry")
                    .on_hover_text(
                        "Accepts the key of each host seen for the first time (StrictHostKeyChecking=accept-new)",
                    )
                    .clicked()
            {
                cmds.push(Command::RetryRemote { hosts: unknown, accept_new: true });
            }
            let changed = run.hosts_with(HostStatus::HostKeyChanged);
            if !changed.is_empty() && ui.button("Clean known_hosts…").clicked() {
                let names: Vec<String> = model
                    .hosts
                    .iter()
                    .filter(|h| changed.contains(&h.name))
                    .flat_map(|h| h.known_hosts_names())
                    .collect();
                cmds.push(Command::CloseRemote);
                cmds.push(Command::CleanKnownHosts(names));
            }
            let failed: Vec<String> = run
                .rows
                .iter()
                .filter(|(_, s)| matches!(s, HostState::Done(o) if !o.ok) || matches!(s, HostState::Waiting))
                .map(|(h, _)| h.clone())
                .collect();
            let retry = match run.action {
                RemoteAction::AgentAdd { .. } => "Try again".to_string(),
                _ => format!("Retry {}", hosts(failed.len())),
            };
            if !failed.is_empty() && !matches!(run.action, RemoteAction::Audit { .. }) && ui.button(retry).clicked() {
                cmds.push(Command::RetryRemote { hosts: failed, accept_new: run.accept_new });
            }
            if let (Some(a), RemoteAction::Audit { host, import: false }) = (&run.audit, &run.action) {
                let unknown = a.entries.iter().filter(|e| e.key_pair.is_none()).count();
                let label =
                    if unknown == 1 { "Import 1 unknown key".into() } else { format!("Import {unknown} unknown keys") };
                if unknown > 0 && ui.add(egui::Button::new(label).fill(ui.visuals().selection.bg_fill)).clicked() {
                    cmds.push(Command::Remote(RemoteAction::Audit { host: host.clone(), import: true }));
                }
            }
        });
    });
    close
}

fn audit_table(ui: &mut Ui, a: &crate::remote::Audit) {
    ui.add_space(8.0);
    if !a.file_present {
        ui.weak("The host has no authorized_keys file yet.");
        return;
    }
    ui.strong("Keys in authorized_keys");
    egui::ScrollArea::vertical().max_height(220.0).id_salt("audit-rows").show(ui, |ui| {
        egui::Grid::new("audit-grid").num_columns(5).spacing([10.0, 4.0]).striped(true).show(ui, |ui| {
            for h in ["Line", "Key pair", "Type", "Fingerprint", "Comment and options"] {
                ui.strong(h);
            }
            ui.end_row();
            for e in &a.entries {
                ui.label(e.line.to_string());
                match &e.key_pair {
                    Some(n) => ui.label(n),
                    None => ui.colored_label(ui.visuals().warn_fg_color, "unknown"),
                };
                ui.label(&e.key_type);
                ui.add(egui::Label::new(RichText::new(&e.fingerprint_sha256).monospace()).extend());
                let mut t = e.comment.clone();
                if !e.options.is_empty() {
                    t.push_str(&format!("\noptions: {}", e.options));
                }
                ui.add(egui::Label::new(t).wrap());
                ui.end_row();
            }
        });
        for u in &a.unreadable {
            ui.weak(format!("Line {}: {} (left as it is)", u.line, u.message));
        }
    });
}

/// Rotate a key pair: choose the new one, see the hosts, run.
pub struct RotateDialog {
    old: i64,
    old_name: String,
    hosts: Vec<String>,
    new: Option<i64>,
    filter: String,
    delete_old: bool,
}

impl RotateDialog {
    pub fn new(k: &crate::inventory::KeyPair) -> RotateDialog {
        RotateDialog {
            old: k.id,
            old_name: k.name.clone(),
            hosts: k.hosts.clone(),
            new: None,
            filter: String::new(),
            delete_old: false,
        }
    }

    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let m = crate::ui::widgets::modal("rotate-dialog").show(ctx, |ui| {
            ui.set_width(520.0);
            ui.heading(format!("Rotate {}", self.old_name));
            if self.hosts.is_empty() {
                ui.label("This key pair is bound to no host, so there is nothing to rotate.");
                ui.weak("Bind it to its hosts (or deploy it) first.");
                if ui.button("Close").clicked() {
                    close = true;
                }
                return;
            }
            ui.label(format!(
                "On each of its {}: the new key pair is added and a login with it alone is proved; only then is {} \
                 removed. A host that fails keeps {}.",
                hosts(self.hosts.len()),
                self.old_name,
                self.old_name
            ));
            ui.weak(format!("Hosts: {}", self.hosts.join(", ")));
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let l = ui.label("New key pair");
                ui.add(egui::TextEdit::singleline(&mut self.filter).hint_text("find by name").desired_width(260.0))
                    .labelled_by(l.id);
                if ui.button("Create one…").clicked() {
                    cmds.push(Command::OpenCreate);
                    close = true;
                }
            });
            let f = self.filter.to_lowercase();
            egui::ScrollArea::vertical().max_height(220.0).id_salt("rotate-keys").show(ui, |ui| {
                let candidates = model
                    .rows
                    .iter()
                    .filter(|r| r.key.id != self.old && (f.is_empty() || r.key.name.to_lowercase().contains(&f)))
                    .take(200);
                for r in candidates {
                    let has_private = r.key.private_key_path.is_some();
                    let text = format!(
                        "{}  ({}, {}){}",
                        r.key.name,
                        r.type_label,
                        r.key.scope_label(),
                        if has_private { "" } else { "  — private key file unknown" }
                    );
                    let b = ui.add_enabled(has_private, egui::Button::selectable(self.new == Some(r.key.id), text));
                    if b.clicked() {
                        self.new = Some(r.key.id);
                    }
                }
            });
            ui.checkbox(
                &mut self.delete_old,
                format!("Delete {} from the inventory when every host has moved", self.old_name),
            );
            ui.add_space(8.0);
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let go = ui.add_enabled(
                    self.new.is_some(),
                    egui::Button::new(format!("Rotate on {}", hosts(self.hosts.len()))),
                );
                if let (true, Some(new)) = (go.clicked(), self.new) {
                    cmds.push(Command::Remote(RemoteAction::Rotate {
                        old: self.old,
                        new,
                        hosts: self.hosts.clone(),
                        delete_old: self.delete_old,
                    }));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        m.should_close() || close
    }
}

/// "1 host", "6 hosts".
pub fn hosts(n: usize) -> String {
    if n == 1 {
        "1 host".into()
    } else {
        format!("{n} hosts")
    }
}

/// A question ssh asked: a passphrase or password (masked, no undo history), or whether
/// to trust a host key seen for the first time.
fn ask_panel(ui: &mut Ui, run: &mut RemoteRun) {
    let Some(ask) = &run.ask else { return };
    let (prompt, kind, host) = (ask.prompt.clone(), ask.kind, ask.host.clone());
    ui.add_space(8.0);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.strong(if host.is_empty() { "ssh asks".to_string() } else { format!("ssh asks, for {host}") });
        ui.add(egui::Label::new(RichText::new(&prompt).monospace()).wrap());
        if kind == crate::remote::askpass::PromptKind::Notify {
            ui.label("Nothing to type: do what it says (touch the security key); ssh goes on by itself.");
            if ui.button("OK").clicked() {
                run.reply(None);
            }
            return;
        }
        if kind == crate::remote::askpass::PromptKind::Confirm {
            ui.label("Say yes only if this fingerprint is the one the server's console (or its admin) shows.");
            ui.horizontal(|ui| {
                if ui.button("Yes, trust this host key").clicked() {
                    run.reply(Some(zeroize::Zeroizing::new("yes".into())));
                }
                if ui.button("No").clicked() {
                    run.reply(Some(zeroize::Zeroizing::new("no".into())));
                }
            });
            return;
        }
        let mut send = false;
        ui.horizontal(|ui| {
            let lower = prompt.to_lowercase();
            let what = if lower.contains("passphrase") {
                "Passphrase"
            } else if lower.contains("password") {
                "Password"
            } else {
                "Answer"
            };
            let l = ui.label(what);
            let r = ui
                .add(egui::TextEdit::singleline(&mut *run.answer).password(true).desired_width(280.0))
                .labelled_by(l.id);
            crate::ui::widgets::forget_history(ui, &r);
            r.request_focus();
            send = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            send |= ui.button("OK").clicked();
            if ui.button("Decline").on_hover_text("Do not answer: ssh goes on without it").clicked() {
                run.reply(None);
            }
        });
        if send && run.ask.is_some() {
            let answer = std::mem::replace(&mut run.answer, zeroize::Zeroizing::new(String::new()));
            run.reply(Some(answer));
        }
    });
}
