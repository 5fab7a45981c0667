//! The Hosts view: servers and instances with their addresses, the key pairs they trust
//! and their last login check; add, edit, remove, and the work on the server itself:
//! deploy a key, check login, audit, reset key, remove a key from the server.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use crate::ui::command::Command;
use crate::ui::model::{short_time, Model};
use crate::ui::remote::remote_run::RemoteAction;

#[derive(Default)]
pub struct HostsState {
    pub selected: Option<String>,
}

pub fn show(ui: &mut Ui, model: &Model, st: &mut HostsState, cmds: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading("Hosts");
        ui.add_space(12.0);
        if ui.button("Add host…").clicked() {
            cmds.push(Command::OpenHost(None));
        }
        if !model.hosts.is_empty()
            && ui.button("Check all").on_hover_text("Log in to every host with each bound key pair alone").clicked()
        {
            cmds.push(Command::Remote(RemoteAction::Check {
                hosts: model.hosts.iter().map(|h| h.name.clone()).collect(),
            }));
        }
    });
    ui.label(
        "The servers your key pairs are bound to. Keyshelf reaches them with your own ssh, so your ssh config, agent \
         and known_hosts apply (see Settings).",
    );
    ui.add_space(6.0);
    if model.hosts.is_empty() {
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.label("No hosts yet.");
            ui.weak("Add a host, then bind a key pair to it from here or from the key pair's details.");
        });
        return;
    }
    let selected = st.selected.as_ref().and_then(|n| model.hosts.iter().find(|h| &h.name == n));
    // The action bar and the hint that replaces it are the same height, so the table
    // does not jump when a host is selected.
    let bar_height = ui.spacing().interact_size.y + 2.0;
    if let Some(h) = selected {
        ui.horizontal(|ui| {
            ui.set_min_height(bar_height);
            ui.label(RichText::new(&h.name).strong());
            if ui.button("Edit…").clicked() {
                cmds.push(Command::OpenHost(Some(h.name.clone())));
            }
            let connectable = !h.keys.is_empty();
            let c = ui
                .add_enabled(connectable, egui::Button::new("Connect"))
                .on_hover_text("Open a terminal logged in with the bound key pair alone")
                .on_disabled_hover_text("Bind a key pair whose private key file is known first");
            if c.clicked() {
                cmds.push(Command::Connect { host: h.name.clone(), copy: false });
            }
            if ui.button("Check login").on_hover_text("Log in with each bound key pair alone").clicked() {
                cmds.push(Command::Remote(RemoteAction::Check { hosts: vec![h.name.clone()] }));
            }
            if ui.button("Deploy key…").on_hover_text("Add a key pair to the host's authorized_keys").clicked() {
                cmds.push(Command::OpenDeployToHost(h.name.clone()));
            }
            if ui.button("Reset key…").on_hover_text("Replace the host's key pairs by another, proved first").clicked()
            {
                cmds.push(Command::OpenResetKey(h.name.clone()));
            }
            if !h.keys.is_empty() {
                ui.menu_button("Remove key…", |ui| {
                    for (id, name) in &h.keys {
                        if ui.button(format!("Remove {name} from the server")).clicked() {
                            cmds.push(Command::Confirm {
                                title: format!("Remove {name} from {}?", h.name),
                                text: format!(
                                    "Every line of {name} goes from {} on the server (other lines stay byte for byte), \
                                     and it is unbound. Keyshelf refuses if it is the only login it can prove.",
                                    h.authorized_keys
                                ),
                                confirm: "Remove from server".into(),
                                command: Box::new(Command::Remote(RemoteAction::Undeploy {
                                    key: *id,
                                    hosts: vec![h.name.clone()],
                                    force: false,
                                })),
                            });
                        }
                        if ui.button(format!("Unbind {name} (inventory only)")).clicked() {
                            cmds.push(Command::Unbind { key: *id, hosts: vec![h.name.clone()] });
                        }
                    }
                });
            }
            // The less frequent ones, so that the bar fits a 1280-pixel window.
            ui.menu_button("More", |ui| {
                let copy = ui
                    .add_enabled(connectable, egui::Button::new("Copy ssh command"))
                    .on_hover_text("The Connect command line, for your own terminal");
                if copy.clicked() {
                    cmds.push(Command::Connect { host: h.name.clone(), copy: true });
                }
                let audit = ui.button("Audit").on_hover_text("List every key the host's authorized_keys holds");
                if audit.clicked() {
                    cmds.push(Command::Remote(RemoteAction::Audit { host: h.name.clone(), import: false }));
                }
                if ui.button("Clean known_hosts…").clicked() {
                    cmds.push(Command::CleanKnownHosts(h.known_hosts_names()));
                }
                ui.separator();
                if ui.button(RichText::new("Remove host…").color(ui.visuals().error_fg_color)).clicked() {
                    cmds.push(Command::Confirm {
                        title: format!("Remove host {}?", h.name),
                        text: "The host and its bindings leave the inventory. The server itself is not touched.".into(),
                        confirm: "Remove".into(),
                        command: Box::new(Command::RemoveHost(h.name.clone())),
                    });
                }
            });
        });
        ui.add_space(4.0);
    } else {
        ui.horizontal(|ui| {
            ui.set_min_height(bar_height);
            ui.label("Select a host to check it, deploy or remove keys, audit it, reset its key, edit or remove it.");
        });
        ui.add_space(4.0);
    }
    let row_height = ui.spacing().interact_size.y;
    TableBuilder::new(ui)
        .id_salt("hosts")
        .striped(true)
        .sense(egui::Sense::click())
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(120.0).at_least(80.0).clip(true))
        .column(Column::initial(150.0).at_least(80.0).clip(true))
        .column(Column::initial(50.0))
        .column(Column::initial(70.0).clip(true))
        .column(Column::initial(120.0).clip(true))
        .column(Column::initial(150.0).clip(true))
        .column(Column::remainder().at_least(170.0).clip(true))
        .header(row_height, |mut h| {
            for t in ["Name", "Addresses", "Port", "User", "Account", "Key pairs", "Last check"] {
                h.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, model.hosts.len(), |mut row| {
                let h = &model.hosts[row.index()];
                row.set_selected(st.selected.as_ref() == Some(&h.name));
                row.col(|ui| {
                    ui.add(egui::Label::new(&h.name).selectable(false).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(h.addresses.join(", ")).selectable(false).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(h.port.to_string()).selectable(false));
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&h.user).selectable(false).truncate());
                });
                row.col(|ui| {
                    let scope = crate::inventory::scope_label(h.account.as_deref(), &h.region);
                    ui.add(egui::Label::new(scope).selectable(false).truncate());
                });
                row.col(|ui| {
                    let k = if h.keys.is_empty() {
                        "—".to_string()
                    } else {
                        h.keys.iter().map(|k| k.1.as_str()).collect::<Vec<_>>().join(", ")
                    };
                    ui.add(egui::Label::new(k).selectable(false).truncate());
                });
                row.col(|ui| match &h.last_check {
                    None => {
                        ui.add(egui::Label::new(RichText::new("not checked").weak()).selectable(false));
                    }
                    Some(c) => {
                        // On the selected row the selection's own text colour: red or green
                        // on its blue cannot be read.
                        let color = if st.selected.as_ref() == Some(&h.name) {
                            ui.visuals().selection.stroke.color
                        } else {
                            crate::ui::remote::remote_view::status_color(ui, &c.status)
                        };
                        let text = RichText::new(format!("{} · {}", c.status, short_time(c.at))).color(color);
                        ui.add(egui::Label::new(text).selectable(false).wrap_mode(egui::TextWrapMode::Extend))
                            .on_hover_text(&c.message);
                    }
                });
                if row.response().clicked() {
                    st.selected = Some(h.name.clone());
                }
            });
        });
}
