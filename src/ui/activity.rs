//! The Activity view: the log of every change, newest first, filterable.

use egui::Ui;
use egui_extras::{Column, TableBuilder};

use super::model::short_time;
use crate::inventory::{Activity, Inventory};

#[derive(Default)]
pub struct ActivityState {
    pub filter: String,
    loaded: Option<(String, i64)>,
    rows: Vec<Activity>,
}

pub fn show(ui: &mut Ui, inv: &Inventory, st: &mut ActivityState) {
    ui.heading("Activity");
    ui.weak("Every change to the inventory, newest first. Secrets are never logged.");
    ui.horizontal(|ui| {
        let l = ui.label("Filter");
        ui.add(egui::TextEdit::singleline(&mut st.filter).hint_text("name, action or detail").desired_width(280.0))
            .labelled_by(l.id);
    });
    // Re-query only when the filter or the log changed, not every frame.
    let newest = inv.activity(1, None).ok().and_then(|v| v.first().map(|a| a.id)).unwrap_or(0);
    if st.loaded.as_ref() != Some(&(st.filter.clone(), newest)) {
        st.rows = inv.activity(5000, Some(st.filter.trim())).unwrap_or_default();
        st.loaded = Some((st.filter.clone(), newest));
    }
    ui.add_space(4.0);
    if st.rows.is_empty() {
        ui.weak("Nothing yet.");
        return;
    }
    let h = ui.spacing().interact_size.y;
    TableBuilder::new(ui)
        .id_salt("activity")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(140.0))
        .column(Column::initial(110.0))
        .column(Column::initial(170.0).clip(true))
        .column(Column::remainder())
        .header(h, |mut r| {
            for t in ["When", "Action", "Subject", "Detail"] {
                r.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(h, st.rows.len(), |mut row| {
                let a = &st.rows[row.index()];
                row.col(|ui| {
                    ui.label(short_time(a.at));
                });
                row.col(|ui| {
                    ui.label(&a.action);
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&a.subject).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&a.detail).truncate());
                });
            });
        });
}
