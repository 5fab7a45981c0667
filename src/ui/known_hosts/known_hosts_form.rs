//! Drawing the known_hosts view: the form (file, hosts to forget), the action row, the
//! outcome of the last removal with its Undo, and the preview with its confirmation.
//! Clicks only change the view's state or start a job (`known_hosts_jobs`); nothing
//! here reads or writes a file.

use egui::{Button, Color32, Frame, Label, Margin, RichText, Stroke, TextEdit, UiBuilder};

use crate::inventory::Host;
use crate::known_hosts::{HostQuery, KnownHostsError, RestoreMode};

use crate::ui::known_hosts::known_hosts_jobs::{Preview, Task};
use crate::ui::known_hosts::known_hosts_tables::{form_row, host_chip, kept_table, removed_table};
use crate::ui::known_hosts::known_hosts_view::{capitalise, lines, typed_path, KnownHostsView};

impl KnownHostsView {
    pub(crate) fn file_row(&mut self, ui: &mut egui::Ui) {
        form_row(ui, "known_hosts file", |ui, label| {
            ui.horizontal(|ui| {
                let width = (ui.available_width() - 100.0).clamp(220.0, 640.0);
                let field = ui
                    .add(
                        TextEdit::singleline(&mut self.file_text)
                            .font(egui::TextStyle::Monospace)
                            .hint_text("~/.ssh/known_hosts")
                            .desired_width(width),
                    )
                    .labelled_by(label);
                if field.changed() {
                    self.file = typed_path(&self.file_text);
                    self.shown_file = self.file.clone();
                    self.file_note = None;
                    self.error = None;
                }
                let choose = ui
                    .add_enabled(!self.choosing, Button::new("Choose…"))
                    .on_hover_text("Pick the file in a file dialog");
                if choose.clicked() {
                    self.choose_file();
                }
                if self.choosing {
                    ui.spinner();
                }
            });
            if let Some(note) = &self.file_note {
                ui.label(RichText::new(note).color(ui.visuals().warn_fg_color));
            } else if self.file.is_none() {
                ui.label(RichText::new("Type the path of a known_hosts file.").weak());
            }
        });
    }

    pub(crate) fn hosts_row(&mut self, ui: &mut egui::Ui, inventory: &[Host]) {
        form_row(ui, "Hosts to forget", |ui, _| {
            if self.hosts.is_empty() {
                ui.label(RichText::new("No hosts yet: type one below or pick one from the inventory.").weak());
            } else {
                let mut remove = None;
                ui.horizontal_wrapped(|ui| {
                    ui.spacing_mut().item_spacing = egui::vec2(6.0, 6.0);
                    for (i, host) in self.hosts.iter().enumerate() {
                        if host_chip(ui, host) {
                            remove = Some(i);
                        }
                    }
                });
                if let Some(i) = remove {
                    self.hosts.remove(i);
                    self.error = None;
                }
            }
            ui.add_space(2.0);
            ui.horizontal(|ui| {
                let field = ui
                    .add(
                        TextEdit::singleline(&mut self.add_text)
                            .hint_text("name, address or [host]:port")
                            .desired_width(260.0),
                    )
                    .accessible_name("Add host");
                if field.changed() {
                    self.add_error = None;
                }
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let add = ui.add_enabled(!self.add_text.trim().is_empty(), Button::new("Add"));
                if enter || add.clicked() {
                    self.add_typed();
                }
                if enter {
                    field.request_focus();
                }
                ui.add_enabled_ui(!inventory.is_empty(), |ui| {
                    ui.menu_button("From inventory…", |ui| {
                        egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                            for host in inventory {
                                let names = host.known_hosts_names();
                                let list = names.join(", ");
                                let item = ui
                                    .add(Button::new(&host.name).right_text(RichText::new(&list).weak()))
                                    .on_hover_text(format!("Adds {list}"))
                                    .accessible_name(&host.name);
                                if item.clicked() {
                                    self.add_names(&names);
                                    ui.close();
                                }
                            }
                        });
                    })
                    .response
                    .on_hover_text("Add all the names and addresses of a host in the inventory")
                    .on_disabled_hover_text("The inventory has no hosts yet");
                });
                let clear = ui.add_enabled(!self.hosts.is_empty(), Button::new("Clear"));
                if clear.on_hover_text("Empty the list").clicked() {
                    self.hosts.clear();
                    self.add_error = None;
                    self.error = None;
                }
            });
            if let Some(err) = &self.add_error {
                ui.colored_label(ui.visuals().error_fg_color, err);
            }
        });
    }

    /// Adds what is typed in "Add host": one host, or several separated by commas or
    /// spaces (a known_hosts host list pastes as is). Nothing is added if one is invalid.
    pub(crate) fn add_typed(&mut self) {
        let parts: Vec<String> =
            self.add_text.split([',', ' ', '\t', '\n']).filter(|s| !s.is_empty()).map(str::to_string).collect();
        if parts.is_empty() {
            return;
        }
        if self.add_names(&parts) {
            self.add_text.clear();
        }
    }

    /// Adds every name (normalised, without duplicates) if all are valid hosts;
    /// otherwise adds none and shows why.
    pub(crate) fn add_names(&mut self, names: &[String]) -> bool {
        let parsed: Result<Vec<HostQuery>, KnownHostsError> = names.iter().map(|n| HostQuery::parse(n)).collect();
        match parsed {
            Ok(queries) => {
                for q in queries {
                    let name = q.to_string();
                    if !self.hosts.contains(&name) {
                        self.hosts.push(name);
                    }
                }
                self.add_error = None;
                self.error = None;
                true
            }
            Err(e) => {
                self.add_error = Some(capitalise(&e.to_string()));
                false
            }
        }
    }

    pub(crate) fn action_row(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let ready = !self.hosts.is_empty() && self.file.is_some();
            let preview = ui
                .add_enabled(ready && self.task.is_none(), Button::new("Preview").min_size(egui::vec2(90.0, 0.0)))
                .on_hover_text("Read the file and show which lines would go; nothing is written yet")
                .on_disabled_hover_text(if self.hosts.is_empty() {
                    "Add a host to forget first"
                } else if self.file.is_none() {
                    "Choose a known_hosts file first"
                } else {
                    "Busy…"
                });
            if preview.clicked() {
                self.start_preview();
            }
            if let Some((task, file)) = &self.task {
                ui.spinner();
                let file = file.display();
                let what = match task {
                    Task::Planning => format!("Reading {file}…"),
                    Task::Applying => format!("Writing {file}…"),
                    Task::Restoring => format!("Restoring {file} from its backup…"),
                };
                ui.label(RichText::new(what).weak());
            }
        });
        if let Some(err) = &self.error {
            ui.add(Label::new(RichText::new(err).color(ui.visuals().error_fg_color)).wrap());
        }
    }

    /// The last removal (with Undo) or the last restore.
    pub(crate) fn outcome(&mut self, ui: &mut egui::Ui) {
        if let Some(applied) = &self.applied {
            let n = applied.plan.removed.len();
            let text = format!("Removed {}; backup at {}", lines(n), applied.backup.display());
            let blocked = applied.blocked;
            let mut undo = None;
            ui.add_space(4.0);
            Frame::group(ui.style()).inner_margin(Margin::symmetric(10, 8)).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(text).strong());
                    let idle = self.task.is_none();
                    let b =
                        ui.add_enabled(idle, Button::new("Undo")).on_hover_text("Put the backup back over the file");
                    if b.clicked() {
                        undo = Some(RestoreMode::Safe);
                    }
                    if blocked {
                        let keep = ui
                            .add_enabled(idle, Button::new("Restore and keep new lines"))
                            .on_hover_text("Put the backup back, then add the lines that came since after it");
                        if keep.clicked() {
                            undo = Some(RestoreMode::Merge);
                        }
                        let force = ui
                            .add_enabled(idle, Button::new("Restore anyway"))
                            .on_hover_text("Put the backup back; the lines that came since are lost");
                        if force.clicked() {
                            undo = Some(RestoreMode::Force);
                        }
                    }
                });
            });
            if let Some(mode) = undo {
                self.start_undo(mode);
            }
        } else if let Some(notice) = &self.notice {
            ui.label(RichText::new(notice.as_str()).strong());
        }
    }

    pub(crate) fn preview_area(&mut self, ui: &mut egui::Ui) {
        let Some(p) = self.preview.clone() else { return };
        let file = p.plan.path.display().to_string();
        ui.add_space(8.0);
        ui.separator();
        ui.add_space(4.0);
        let n = p.plan.removed.len();
        if n == 0 {
            ui.add(
                Label::new(
                    RichText::new(format!("Nothing in {file} matches these hosts; nothing will be written.")).strong(),
                )
                .wrap(),
            );
        } else {
            let summary = format!("{} will be removed from {file}; a backup goes to {}", lines(n), p.backup.display());
            ui.add(Label::new(RichText::new(summary).strong()).wrap());
            ui.add_space(4.0);
            self.remove_controls(ui, &p, &file);
            ui.add_space(6.0);
            let tint = ui.visuals().error_fg_color.gamma_multiply(0.10);
            ui.scope_builder(UiBuilder::new().accessibility_label("Lines to remove"), |ui| {
                removed_table(ui, &p.plan, tint);
            });
        }
        let kept = p.kept_rows.len();
        if kept > 0 {
            ui.add_space(10.0);
            ui.label(RichText::new(format!("Kept ({kept})")).strong());
            ui.label(
                RichText::new(
                    "These lines stay as they are: patterns and markers that cover the hosts, and lines that \
                     could not be read.",
                )
                .weak(),
            );
            ui.scope_builder(UiBuilder::new().accessibility_label("Lines kept"), |ui| {
                kept_table(ui, &p.plan, &p.kept_rows);
            });
        }
    }

    pub(crate) fn remove_controls(&mut self, ui: &mut egui::Ui, p: &Preview, file: &str) {
        let n = p.plan.removed.len();
        let idle = self.task.is_none();
        if !self.confirming {
            let b = ui
                .add_enabled(idle, Button::new(format!("Remove {}", lines(n))))
                .on_hover_text("Asks for confirmation first");
            if b.clicked() {
                self.confirming = true;
            }
            return;
        }
        let error = ui.visuals().error_fg_color;
        let mut answer = None;
        Frame::group(ui.style())
            .fill(error.gamma_multiply(0.08))
            .stroke(Stroke::new(1.0, error.gamma_multiply(0.6)))
            .inner_margin(Margin::symmetric(10, 8))
            .show(ui, |ui| {
                ui.add(
                    Label::new(format!(
                        "Remove {} from {file}? A backup is written to {}.",
                        lines(n),
                        p.backup.display()
                    ))
                    .wrap(),
                );
                ui.horizontal(|ui| {
                    // A fixed dark red: readable white text on it in both themes.
                    let danger = Color32::from_rgb(0xb0, 0x2a, 0x22);
                    let remove = Button::new(RichText::new("Remove").strong().color(Color32::WHITE)).fill(danger);
                    if ui.add_enabled(idle, remove).clicked() {
                        answer = Some(true);
                    }
                    if ui.button("Cancel").clicked() {
                        answer = Some(false);
                    }
                });
            });
        match answer {
            Some(true) => self.start_apply(),
            Some(false) => self.confirming = false,
            None => {}
        }
    }
}
