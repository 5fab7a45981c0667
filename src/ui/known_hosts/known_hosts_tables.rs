//! Pieces of the known_hosts view: form rows, host chips, badges, and the two virtualised
//! tables of the preview (lines to remove, lines kept).

use egui::{Align, Button, Color32, CornerRadius, Frame, Label, Layout, Margin, RichText, Stroke};
use egui_extras::{Column, TableBuilder};

use crate::known_hosts::{HostQuery, Plan};

use crate::ui::known_hosts::known_hosts_view::{capitalise, LABEL_WIDTH, TABLE_HEIGHT};

/// A label column of fixed width, then the row's content stacked vertically.
pub(crate) fn form_row(ui: &mut egui::Ui, label: &str, add: impl FnOnce(&mut egui::Ui, egui::Id)) {
    ui.horizontal_top(|ui| {
        let height = ui.spacing().interact_size.y;
        let label = ui
            .allocate_ui_with_layout(egui::vec2(LABEL_WIDTH, height), Layout::left_to_right(Align::Center), |ui| {
                ui.set_min_size(egui::vec2(LABEL_WIDTH, height));
                ui.label(RichText::new(label).strong())
            })
            .inner;
        ui.vertical(|ui| add(ui, label.id));
    });
}

/// A host as a rounded chip with a remove button. Returns true when × was clicked.
pub(crate) fn host_chip(ui: &mut egui::Ui, host: &str) -> bool {
    let invalid = HostQuery::parse(host).err();
    let visuals = ui.visuals();
    let (fill, stroke) = match invalid {
        Some(_) => (visuals.error_fg_color.gamma_multiply(0.12), visuals.error_fg_color),
        None => (visuals.widgets.inactive.weak_bg_fill, visuals.widgets.noninteractive.bg_stroke.color),
    };
    let mut clicked = false;
    Frame::new()
        .fill(fill)
        .stroke(Stroke::new(1.0, stroke))
        .corner_radius(CornerRadius::same(10))
        .inner_margin(Margin { left: 8, right: 4, top: 2, bottom: 2 })
        .show(ui, |ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            ui.horizontal(|ui| {
                let label = ui.label(RichText::new(host).monospace());
                if let Some(e) = &invalid {
                    label.on_hover_text(capitalise(&e.to_string()));
                }
                let x = ui
                    .add(Button::new("×").frame(false).small())
                    .on_hover_text("Remove from the list")
                    .accessible_name(format!("Remove {host} from the list"));
                clicked = x.clicked();
            });
        });
    clicked
}

/// A small rounded tag, e.g. "hashed".
pub(crate) fn badge(ui: &mut egui::Ui, text: &str) -> egui::Response {
    let color = ui.visuals().text_color();
    Frame::new()
        .fill(ui.visuals().widgets.inactive.weak_bg_fill)
        .stroke(Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color))
        .corner_radius(CornerRadius::same(4))
        .inner_margin(Margin::symmetric(5, 0))
        .show(ui, |ui| ui.label(RichText::new(text).small().color(color)))
        .inner
}

pub(crate) fn row_height(ui: &egui::Ui) -> f32 {
    ui.spacing().interact_size.y + 4.0
}

/// One tinted row per removed line: number, hosts (or "hashed"), key type,
/// fingerprint, and which of the hosts matched. The whole line shows on hover.
pub(crate) fn removed_table(ui: &mut egui::Ui, plan: &Plan, tint: Color32) {
    let row_x = ui.available_rect_before_wrap().x_range();
    let gap = ui.spacing().item_spacing * 0.5;
    let height = row_height(ui);
    TableBuilder::new(ui)
        .id_salt("known_hosts_removed")
        .resizable(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::auto().at_least(44.0))
        .column(Column::initial(220.0).at_least(80.0))
        .column(Column::auto().at_least(90.0))
        .column(Column::initial(400.0).at_least(120.0))
        .column(Column::remainder().at_least(120.0))
        .max_scroll_height(TABLE_HEIGHT)
        .header(height, |mut header| {
            for title in ["Line", "Hosts", "Key type", "Fingerprint", "Matched"] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(height, plan.removed.len(), |mut row| {
                let Some(r) = plan.removed.get(row.index()) else { return };
                row.col(|ui| {
                    let rect = egui::Rect::from_x_y_ranges(row_x, ui.max_rect().y_range()).expand2(gap);
                    ui.painter().rect_filled(rect, 0.0, tint);
                    ui.label(RichText::new(r.line.to_string()).monospace());
                });
                row.col(|ui| {
                    if r.hashed {
                        badge(ui, "hashed").on_hover_text(
                            "The host names on this line are hashed (HashKnownHosts); it is one of these hosts",
                        );
                    } else {
                        ui.add(Label::new(RichText::new(&r.hosts).monospace()).truncate());
                    }
                });
                row.col(|ui| {
                    ui.add(Label::new(RichText::new(&r.key_type).monospace()).truncate());
                });
                row.col(|ui| match &r.fingerprint {
                    Some(fp) => {
                        ui.add(Label::new(RichText::new(fp).monospace()).truncate());
                    }
                    None => {
                        ui.label(RichText::new("unreadable key").weak()).on_hover_text(
                            "The key on this line cannot be read; the line goes anyway because its host matched",
                        );
                    }
                });
                row.col(|ui| {
                    ui.add(Label::new(RichText::new(&r.matched).monospace()).truncate());
                });
                row.response().on_hover_text(RichText::new(&r.text).monospace());
            });
        });
}

/// A row of the kept table: an index into `Plan::kept` or `Plan::malformed`.
#[derive(Clone, Copy)]
pub(crate) enum KeptRow {
    Kept(usize),
    Malformed(usize),
}

/// Kept and unreadable lines merged in file order. Made once per preview, on the worker:
/// a wrong file can have a malformed line for each of its 200,000 lines.
pub(crate) fn kept_rows(plan: &Plan) -> Vec<KeptRow> {
    let mut rows: Vec<(usize, KeptRow)> =
        plan.kept.iter().enumerate().map(|(i, k)| (k.line, KeptRow::Kept(i))).collect();
    rows.extend(plan.malformed.iter().enumerate().map(|(i, m)| (m.line, KeptRow::Malformed(i))));
    rows.sort_by_key(|(line, _)| *line);
    rows.into_iter().map(|(_, r)| r).collect()
}

/// Kept lines (patterns, markers) and unreadable lines, in file order.
pub(crate) fn kept_table(ui: &mut egui::Ui, plan: &Plan, rows: &[KeptRow]) {
    let height = row_height(ui);
    TableBuilder::new(ui)
        .id_salt("known_hosts_kept")
        .resizable(true)
        .striped(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::auto().at_least(44.0))
        .column(Column::initial(360.0).at_least(120.0))
        .column(Column::initial(180.0).at_least(60.0))
        .column(Column::remainder().at_least(160.0))
        .max_scroll_height(TABLE_HEIGHT)
        .header(height, |mut header| {
            for title in ["Line", "Why it stays", "Host", "Text"] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(height, rows.len(), |mut row| {
                let item = rows.get(row.index()).and_then(|r| match *r {
                    KeptRow::Kept(i) => plan.kept.get(i).map(|k| {
                        let reason = match &k.pattern {
                            Some(p) => format!("{} ({p})", k.reason),
                            None => k.reason.clone(),
                        };
                        (k.line, reason, k.matched.as_str(), k.text.as_str())
                    }),
                    KeptRow::Malformed(i) => plan
                        .malformed
                        .get(i)
                        .map(|m| (m.line, format!("not understood: {}", m.reason), "", m.text.as_str())),
                });
                let Some((line, reason, host, text)) = item else { return };
                row.col(|ui| {
                    ui.label(RichText::new(line.to_string()).monospace());
                });
                row.col(|ui| {
                    ui.add(Label::new(&reason).truncate());
                });
                row.col(|ui| {
                    ui.add(Label::new(RichText::new(host).monospace()).truncate());
                });
                row.col(|ui| {
                    ui.add(Label::new(RichText::new(text).monospace().weak()).truncate());
                });
                row.response().on_hover_text(RichText::new(text).monospace());
            });
        });
}
