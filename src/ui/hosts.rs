//! The Hosts view: servers and instances with their addresses and bound key pair; add,
//! edit, remove, unbind, and "Reset key" (re-associate with another key pair).

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::command::Command;
use super::model::{short_time, Model};

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
    });
    ui.weak("The servers and instances your key pairs are bound to. A host has one key pair at a time.");
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
    if let Some(h) = selected {
        ui.horizontal(|ui| {
            ui.label(RichText::new(&h.name).strong());
            if ui.button("Edit…").clicked() {
                cmds.push(Command::OpenHost(Some(h.name.clone())));
            }
            if ui.button("Reset key…").on_hover_text("Re-associate this host with another key pair").clicked() {
                cmds.push(Command::OpenResetKey(h.name.clone()));
            }
            if let Some((id, _)) = &h.key {
                if ui.button("Unbind").clicked() {
                    cmds.push(Command::Unbind { key: *id, hosts: vec![h.name.clone()] });
                }
            }
            if ui.button("Clean known_hosts…").clicked() {
                cmds.push(Command::CleanKnownHosts(h.known_hosts_names()));
            }
            if ui.button(RichText::new("Remove").color(ui.visuals().error_fg_color)).clicked() {
                cmds.push(Command::Confirm {
                    title: format!("Remove host {}?", h.name),
                    text: "The host and its binding leave the inventory. The server itself is not touched.".into(),
                    confirm: "Remove".into(),
                    command: Box::new(Command::RemoveHost(h.name.clone())),
                });
            }
        });
        ui.add_space(4.0);
    } else {
        ui.weak("Select a host to edit it, reset its key or remove it.");
    }
    let row_height = ui.spacing().interact_size.y;
    TableBuilder::new(ui)
        .id_salt("hosts")
        .striped(true)
        .sense(egui::Sense::click())
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(150.0).at_least(80.0).clip(true))
        .column(Column::initial(230.0).at_least(100.0).clip(true))
        .column(Column::initial(50.0))
        .column(Column::initial(90.0).clip(true))
        .column(Column::initial(150.0).clip(true))
        .column(Column::initial(160.0).clip(true))
        .column(Column::remainder().at_least(110.0))
        .header(row_height, |mut h| {
            for t in ["Name", "Addresses", "Port", "User", "Account", "Key pair", "Bound"] {
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
                    let k = h.key.as_ref().map(|k| k.1.clone()).unwrap_or_else(|| "—".into());
                    ui.add(egui::Label::new(k).selectable(false).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(h.bound_at.map(short_time).unwrap_or_default()).selectable(false));
                });
                if row.response().clicked() {
                    st.selected = Some(h.name.clone());
                }
            });
        });
}
