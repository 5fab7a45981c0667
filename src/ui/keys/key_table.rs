//! The key pair table: search box, sortable columns, virtualised rows (only visible rows
//! are laid out, so 100,000 key pairs scroll smoothly), multi-select.

use std::collections::BTreeSet;

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use crate::ui::app::{SHORTCUT_CREATE, SHORTCUT_IMPORT, SHORTCUT_SEARCH};
use crate::ui::command::Command;
use crate::ui::model::{Model, SortColumn};

/// The search box; returns true when the filter changed.
pub fn search_bar(ui: &mut Ui, model: &mut Model, focus: bool) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label("Search");
        let hint = format!(
            "name, comment, tag, any fingerprint, owner:NAME, expires:<30d   {}",
            ui.ctx().format_shortcut(&SHORTCUT_SEARCH)
        );
        let r = ui
            .add(egui::TextEdit::singleline(&mut model.search).hint_text(hint).desired_width(f32::INFINITY))
            .labelled_by(l.id);
        if focus {
            r.request_focus();
        }
        if r.changed() {
            changed = true;
        }
    });
    if changed {
        model.refilter();
    }
    ui.horizontal(|ui| {
        let shown = model.visible.len();
        let total = model.total();
        if let Some(p) = &model.search_problem {
            crate::ui::widgets::error_text(ui, p);
        } else if shown == total {
            ui.weak(format!("{total} key pairs"));
        } else {
            ui.weak(format!("{shown} of {total} key pairs"));
        }
    });
    changed
}

pub fn empty_state(ui: &mut Ui, cmds: &mut Vec<Command>) {
    ui.add_space(80.0);
    ui.vertical_centered(|ui| {
        ui.label(RichText::new("No key pairs yet").size(22.0).strong());
        ui.add_space(8.0);
        ui.label("You probably have keys already: Keyshelf can find them in your SSH folder and import them.");
        ui.add_space(10.0);
        let b = egui::Button::new(RichText::new("Import your keys from ~/.ssh…").strong())
            .fill(ui.visuals().selection.bg_fill);
        if ui.add_sized([2.0 * 190.0 + ui.spacing().item_spacing.x, 36.0], b).clicked() {
            cmds.push(Command::OpenSshImport);
        }
        ui.add_space(18.0);
        ui.label("Or create a key pair here (you save its private key once), or import the public keys you use.");
        ui.label("You can also drop .pub files or an authorized_keys file anywhere on this window.");
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            let w = 2.0 * 190.0 + ui.spacing().item_spacing.x;
            ui.add_space(((ui.available_width() - w) / 2.0).max(0.0));
            let c = format!("Create key pair ({})", ui.ctx().format_shortcut(&SHORTCUT_CREATE));
            if ui.add_sized([190.0, 32.0], egui::Button::new(c)).clicked() {
                cmds.push(Command::OpenCreate);
            }
            let i = format!("Import public key ({})", ui.ctx().format_shortcut(&SHORTCUT_IMPORT));
            if ui.add_sized([190.0, 32.0], egui::Button::new(i)).clicked() {
                cmds.push(Command::OpenImport(Vec::new()));
            }
        });
    });
}

fn header(ui: &mut Ui, model: &Model, col: SortColumn, title: &str, cmds: &mut Vec<Command>) {
    let arrow = match model.sort {
        Some((c, true)) if c == col => " ▲",
        Some((c, false)) if c == col => " ▼",
        _ => "",
    };
    let r = ui.add(egui::Button::new(RichText::new(format!("{title}{arrow}")).strong()).frame(false));
    if r.on_hover_text("Sort").clicked() {
        cmds.push(Command::Sort(col));
    }
}

/// `reveal`: a key pair to scroll into view (once, after it was chosen elsewhere).
/// The key pair table. `compact` (the details pane is open beside it): the fingerprint
/// column gives way, since the details show every form of it, so that account, region,
/// hosts and date stay readable; the widths of each layout are remembered apart.
pub fn show(
    ui: &mut Ui,
    model: &Model,
    selected: &BTreeSet<i64>,
    reveal: Option<i64>,
    compact: bool,
    cmds: &mut Vec<Command>,
) {
    if model.visible.is_empty() {
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.label("No key pair matches.");
            ui.weak("Clear the search or choose \"All key pairs\" in the sidebar.");
        });
        return;
    }
    let row_height = ui.spacing().interact_size.y;
    let mut table = TableBuilder::new(ui);
    if let Some(row) = reveal.and_then(|id| model.visible.iter().position(|&i| model.rows[i].key.id == id)) {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
    }
    table = table
        .id_salt(if compact { "keys-compact" } else { "keys" })
        .striped(true)
        .sense(egui::Sense::click())
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    if compact {
        table = table
            .column(Column::initial(140.0).at_least(80.0).clip(true))
            .column(Column::initial(80.0).at_least(55.0).clip(true))
            .column(Column::initial(90.0).at_least(50.0).clip(true))
            .column(Column::initial(85.0).at_least(50.0).clip(true))
            .column(Column::initial(60.0).at_least(40.0).clip(true));
    } else {
        table = table
            .column(Column::initial(170.0).at_least(90.0).clip(true))
            .column(Column::initial(85.0).at_least(60.0).clip(true))
            .column(Column::initial(185.0).at_least(90.0).clip(true))
            .column(Column::initial(105.0).at_least(60.0).clip(true))
            .column(Column::initial(100.0).at_least(50.0).clip(true))
            .column(Column::initial(80.0).at_least(50.0).clip(true));
    }
    table
        .column(Column::remainder().at_least(120.0).clip(true))
        .header(row_height, |mut h| {
            h.col(|ui| header(ui, model, SortColumn::Name, "Name", cmds));
            h.col(|ui| header(ui, model, SortColumn::Type, "Type", cmds));
            if !compact {
                h.col(|ui| header(ui, model, SortColumn::Fingerprint, "Fingerprint", cmds));
            }
            h.col(|ui| header(ui, model, SortColumn::Account, "Account", cmds));
            h.col(|ui| header(ui, model, SortColumn::Region, "Region", cmds));
            h.col(|ui| header(ui, model, SortColumn::Hosts, "Hosts", cmds));
            h.col(|ui| header(ui, model, SortColumn::Created, "Created (UTC)", cmds));
        })
        .body(|body| {
            body.rows(row_height, model.visible.len(), |mut row| {
                let r = &model.rows[model.visible[row.index()]];
                let k = &r.key;
                row.set_selected(selected.contains(&k.id));
                row.col(|ui| {
                    ui.add(egui::Label::new(&k.name).selectable(false).truncate());
                    if k.weak {
                        ui.colored_label(ui.visuals().warn_fg_color, "weak")
                            .on_hover_text("RSA under 2048 bits or DSA");
                    }
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&r.type_label).selectable(false));
                });
                if !compact {
                    row.col(|ui| {
                        ui.add(egui::Label::new(RichText::new(&r.fp_short).monospace()).selectable(false))
                            .on_hover_text(&k.fingerprint_sha256);
                    });
                }
                row.col(|ui| {
                    ui.add(egui::Label::new(&r.account).selectable(false).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&k.region).selectable(false).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&r.hosts).selectable(false).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&r.created).selectable(false));
                });
                let resp = row.response();
                if resp.clicked() {
                    let m = resp.ctx.input(|i| i.modifiers);
                    cmds.push(Command::SelectKey { id: k.id, toggle: m.command, range: m.shift });
                }
                resp.context_menu(|ui| {
                    if ui.button("Copy fingerprint").clicked() {
                        cmds.push(Command::Copy { text: k.fingerprint_sha256.clone(), what: "fingerprint".into() });
                        ui.close();
                    }
                    if ui.button("Copy public key").clicked() {
                        cmds.push(Command::Copy { text: k.public_key.clone(), what: "public key".into() });
                        ui.close();
                    }
                    if ui.button("Bind to hosts…").clicked() {
                        cmds.push(Command::OpenBind(k.id));
                        ui.close();
                    }
                    ui.separator();
                    let ids: Vec<i64> =
                        if selected.contains(&k.id) { selected.iter().copied().collect() } else { vec![k.id] };
                    let label =
                        if ids.len() > 1 { format!("Delete {} key pairs…", ids.len()) } else { "Delete…".into() };
                    if ui.button(label).clicked() {
                        cmds.push(Command::OpenDelete(ids));
                        ui.close();
                    }
                });
            });
        });
}
