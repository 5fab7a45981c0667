//! Small shared pieces of UI: labelled fields, copy buttons, inline errors, the theme
//! switch and the app's style.

use egui::{Response, RichText, TextEdit, Ui};

use crate::ui::command::Command;

/// Slightly roomier spacing than egui's default, for a desktop tool.
pub fn style(ctx: &egui::Context) {
    ctx.all_styles_mut(|s| {
        s.spacing.item_spacing = egui::vec2(8.0, 6.0);
        s.spacing.button_padding = egui::vec2(8.0, 4.0);
        s.spacing.interact_size.y = 24.0;
    });
}

/// A label and a single-line text field in a `Grid` row; the field is named by the label
/// (screen readers and tests find it by that name).
pub fn grid_text(ui: &mut Ui, label: &str, value: &mut String, hint: &str) -> Response {
    let l = ui.label(label);
    let r = ui.add(TextEdit::singleline(value).hint_text(hint).desired_width(f32::INFINITY)).labelled_by(l.id);
    ui.end_row();
    r
}

/// A password field in a `Grid` row, keeping no history ([`forget_history`]).
pub fn grid_password(ui: &mut Ui, label: &str, value: &mut String) -> Response {
    let l = ui.label(label);
    let r = ui.add(TextEdit::singleline(value).password(true).desired_width(f32::INFINITY)).labelled_by(l.id);
    forget_history(ui, &r);
    ui.end_row();
    r
}

/// egui's text fields keep every state of their text in an undo history: the field of a
/// secret (a passphrase, a password, a pasted private key) has it emptied every frame,
/// so it holds no copies. The one place that does it.
pub fn forget_history(ui: &Ui, field: &Response) {
    if let Some(mut state) = egui::text_edit::TextEditState::load(ui.ctx(), field.id) {
        state.clear_undoer();
        state.store(ui.ctx(), field.id);
    }
}

pub fn error_text(ui: &mut Ui, text: &str) {
    ui.colored_label(ui.visuals().error_fg_color, text);
}

pub fn warn_text(ui: &mut Ui, text: &str) {
    ui.colored_label(ui.visuals().warn_fg_color, text);
}

/// A small "Copy" button that copies `text` through the app (system clipboard).
pub fn copy_button(ui: &mut Ui, text: &str, what: &str, cmds: &mut Vec<Command>) {
    let b = ui.small_button("Copy").on_hover_text(format!("Copy the {what}"));
    if b.clicked() {
        cmds.push(Command::Copy { text: text.to_string(), what: what.to_string() });
    }
}

/// A field name in the details panel.
pub fn field_name(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).weak());
}

/// System / Light / Dark.
pub fn theme_switch(ui: &mut Ui) {
    let mut pref = ui.ctx().options(|o| o.theme_preference);
    let before = pref;
    egui::ComboBox::from_id_salt("theme")
        .selected_text(match pref {
            egui::ThemePreference::System => "Theme: system",
            egui::ThemePreference::Light => "Theme: light",
            egui::ThemePreference::Dark => "Theme: dark",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut pref, egui::ThemePreference::System, "Follow the system");
            ui.selectable_value(&mut pref, egui::ThemePreference::Light, "Light");
            ui.selectable_value(&mut pref, egui::ThemePreference::Dark, "Dark");
        })
        .response
        .accessible_name("Theme");
    if pref != before {
        ui.ctx().set_theme(pref);
    }
}

/// Enter pressed while `r` had focus (single-line fields lose focus on Enter).
pub fn submitted(ui: &Ui, r: &Response) -> bool {
    r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
}

/// Parses `k=v, k2=v2` tag text.
pub fn parse_tags(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| crate::inventory::parse_tag(t).map_err(|e| format!("{t}: {e}")))
        .collect()
}

/// A dialog: modal, at a fixed place near the top of the window, so that a message
/// appearing or a section growing extends it downwards and nothing above moves under
/// the pointer (a centred dialog shifts whenever its height changes).
pub fn modal(id: &str) -> egui::Modal {
    let id = egui::Id::unique(id);
    egui::Modal::new(id).area(egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 72.0)))
}
