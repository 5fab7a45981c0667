//! The Activity view: the log of every change, newest first, filterable. It draws the
//! rows the app read for it; it asks for them again (`wanted`) when the filter or the
//! inventory changed.

use egui::Ui;
use egui_extras::{Column, TableBuilder};

use crate::inventory::Activity;
use crate::ui::model::short_time;

#[derive(Default)]
pub struct ActivityState {
    pub filter: String,
    /// The filter and inventory generation the rows are for, or were asked for.
    asked: Option<(String, u64)>,
    rows: Vec<Activity>,
    error: Option<String>,
}

impl ActivityState {
    /// The filter to read the log with, when the shown rows are stale (and marks it
    /// asked, so one read is queued per change).
    pub fn wanted(&mut self, generation: u64) -> Option<String> {
        let now = (self.filter.clone(), generation);
        if self.asked.as_ref() == Some(&now) {
            return None;
        }
        self.asked = Some(now);
        Some(self.filter.clone())
    }

    /// Rows read for `filter` at `generation`; stale answers (the user typed on) are dropped.
    pub fn loaded(&mut self, filter: String, generation: u64, rows: Result<Vec<Activity>, String>) {
        if self.asked.as_ref() != Some(&(filter, generation)) {
            return;
        }
        match rows {
            Ok(r) => {
                self.rows = r;
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

pub fn show(ui: &mut Ui, st: &mut ActivityState) {
    ui.heading("Activity");
    ui.weak("Every change to the inventory, newest first. Secrets are never logged.");
    ui.horizontal(|ui| {
        let l = ui.label("Filter");
        ui.add(egui::TextEdit::singleline(&mut st.filter).hint_text("name, action or detail").desired_width(280.0))
            .labelled_by(l.id);
    });
    ui.add_space(4.0);
    if let Some(e) = &st.error {
        crate::ui::widgets::error_text(ui, &format!("Could not read the activity log: {e}"));
    }
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
