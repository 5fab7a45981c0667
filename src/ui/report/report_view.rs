//! The Report view: what in the inventory needs attention (`inventory::report`), grouped
//! by kind, each finding with what to do and a button to the flow that fixes it. The
//! report is computed on the inventory's thread when the view opens and after every
//! change; the list draws only the rows on screen, so a report of 100,000 findings
//! scrolls as smoothly as one of ten.

use std::collections::HashSet;

use egui::{Align, Layout, RichText, Ui, UiBuilder};

use crate::inventory::{Finding, FindingKind, Fix};
use crate::ui::command::Command;
use crate::ui::model::Model;

/// One row of the list: a group's heading or one of its findings.
#[derive(Debug, Clone, Copy)]
enum Line {
    Header {
        kind: FindingKind,
        count: usize,
    },
    /// Index into the findings, and whether it is an odd row of its group (striped).
    Finding(usize, bool),
}

#[derive(Default)]
pub struct ReportState {
    /// The inventory generation the findings are for, or were asked for.
    asked: Option<u64>,
    loading: bool,
    /// The last report (None: none has landed yet).
    findings: Option<Vec<Finding>>,
    error: Option<String>,
    /// Groups the user folded.
    collapsed: HashSet<FindingKind>,
    /// What the list shows, rebuilt when findings land or a group folds (never per frame).
    lines: Vec<Line>,
    /// Whether the informational groups were folded (once, when the first report landed).
    folded_at_first: bool,
}

impl ReportState {
    /// Whether the report must be computed (again) for `generation`; marks it asked, so
    /// one computation is queued per change.
    pub fn wanted(&mut self, generation: u64) -> bool {
        if self.asked == Some(generation) {
            return false;
        }
        self.asked = Some(generation);
        self.loading = true;
        true
    }

    /// Forgets which generation the findings are for: the next frame of the view
    /// computes them again (files on disk may have changed without the inventory).
    pub fn refresh(&mut self) {
        self.asked = None;
    }

    /// A report computed at `generation`; an answer overtaken by a newer question is
    /// dropped (the newer one is on its way).
    pub fn loaded(&mut self, generation: u64, findings: Result<Vec<Finding>, String>) {
        if self.asked != Some(generation) {
            return;
        }
        self.loading = false;
        match findings {
            Ok(f) => {
                if !std::mem::replace(&mut self.folded_at_first, true) {
                    self.collapsed.extend(FindingKind::ALL.into_iter().filter(|k| k.informational()));
                }
                self.findings = Some(f);
                self.error = None;
                self.rebuild();
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn toggle(&mut self, kind: FindingKind) {
        if !self.collapsed.remove(&kind) {
            self.collapsed.insert(kind);
        }
        self.rebuild();
    }

    /// The findings arrive ordered by kind: one pass makes the headings and the rows.
    fn rebuild(&mut self) {
        self.lines.clear();
        let Some(findings) = &self.findings else { return };
        let mut start = 0;
        while start < findings.len() {
            let kind = findings[start].kind;
            let end = start + findings[start..].iter().take_while(|f| f.kind == kind).count();
            self.lines.push(Line::Header { kind, count: end - start });
            if !self.collapsed.contains(&kind) {
                self.lines.extend((start..end).map(|i| Line::Finding(i, (i - start) % 2 == 1)));
            }
            start = end;
        }
    }
}

/// Whether a finding of this kind is fixed by moving the key pair's hosts to another one.
fn fixed_by_rotation(kind: FindingKind) -> bool {
    matches!(kind, FindingKind::WeakKey | FindingKind::RotateOverdue | FindingKind::RotateSoon | FindingKind::OldKey)
}

pub fn show(ui: &mut Ui, st: &mut ReportState, model: &Model, cmds: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading("Report");
        ui.add_space(12.0);
        let again = ui.add_enabled(!st.loading, egui::Button::new("Check again"));
        if again.on_hover_text("Look at the inventory and the private key files again").clicked() {
            st.refresh();
            // Asked for before the next frame draws the view: make sure there is one.
            ui.ctx().request_repaint();
        }
        if st.loading {
            ui.spinner();
            ui.label("Checking…");
        }
    });
    ui.weak(
        "What needs attention: weak or old keys, rotations due, private key files gone or readable by others, key \
         pairs bound to no host or shared between accounts, key types a provider refuses, failed login checks.",
    );
    ui.add_space(6.0);
    if let Some(e) = &st.error {
        crate::ui::widgets::error_text(ui, &format!("The report could not be made: {e}"));
    }
    let Some(findings) = &st.findings else {
        if st.error.is_none() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Checking the inventory…");
            });
        }
        return;
    };
    if findings.is_empty() {
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.label(RichText::new("Nothing to report").size(17.0));
            ui.weak(
                "Every key pair is strong, in date, bound and where Keyshelf expects it; every host checked logs in.",
            );
        });
        return;
    }
    let groups = st.lines.iter().filter(|l| matches!(l, Line::Header { .. })).count();
    ui.label(match (findings.len(), groups) {
        (1, _) => "1 finding".to_string(),
        (n, 1) => format!("{n} findings of one kind"),
        (n, g) => format!("{n} findings of {g} kinds"),
    });
    ui.add_space(4.0);
    let line_h = ui.text_style_height(&egui::TextStyle::Body);
    let row_h = (2.0 * line_h + 2.0).max(ui.spacing().interact_size.y) + 10.0;
    let mut toggled = None;
    egui::ScrollArea::vertical().id_salt("report").auto_shrink([false, false]).show_rows(
        ui,
        row_h,
        st.lines.len(),
        |ui, range| {
            for i in range {
                let (rect, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), row_h), egui::Sense::hover());
                match st.lines[i] {
                    Line::Header { kind, count } => {
                        if header(ui, rect, kind, count, st.collapsed.contains(&kind)) {
                            toggled = Some(kind);
                        }
                    }
                    Line::Finding(f, odd) => {
                        if odd {
                            ui.painter().rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
                        }
                        finding_row(ui, rect, line_h, &findings[f], model, cmds);
                    }
                }
            }
        },
    );
    if let Some(kind) = toggled {
        st.toggle(kind);
        ui.ctx().request_repaint();
    }
}

/// A group's heading, which folds it; returns true when clicked.
fn header(ui: &mut Ui, rect: egui::Rect, kind: FindingKind, count: usize, collapsed: bool) -> bool {
    let mut child = ui.new_child(UiBuilder::new().max_rect(rect).layout(Layout::left_to_right(Align::Max)));
    let arrow = if collapsed { "▶" } else { "▼" };
    let text = RichText::new(format!("{arrow}  {}  ({count})", kind.title())).strong().size(15.0);
    let hover = if collapsed { "Show these findings" } else { "Hide these findings" };
    let clicked = child.add(egui::Button::new(text).frame(false)).on_hover_text(hover).clicked();
    let y = rect.bottom() - 1.0;
    ui.painter().hline(rect.x_range(), y, ui.visuals().widgets.noninteractive.bg_stroke);
    clicked
}

/// One finding: the message and what to do on two lines, the buttons that lead to the
/// fix on the right.
fn finding_row(ui: &mut Ui, rect: egui::Rect, line_h: f32, f: &Finding, model: &Model, cmds: &mut Vec<Command>) {
    let inner = rect.shrink2(egui::vec2(8.0, 4.0));
    let mut buttons = ui.new_child(UiBuilder::new().max_rect(inner).layout(Layout::right_to_left(Align::Center)));
    // Right to left: the button that shows the subject is always the rightmost, so they
    // line up in a column.
    if let Some(host) = &f.host {
        if buttons.button("Show host").on_hover_text(format!("Select {host} in the Hosts view")).clicked() {
            cmds.push(Command::ShowHost(host.clone()));
        }
    }
    if let Some(id) = f.key_pair_id {
        let key = model.row_by_id(id).map(|r| &r.key);
        let name = f.key_pair.as_deref().unwrap_or("it");
        let show = buttons.add_enabled(key.is_some(), egui::Button::new("Show key pair"));
        if show.on_hover_text(format!("Select {name} in the key pair table")).clicked() {
            cmds.push(Command::ShowKey(id));
        }
        if let Some(k) = key.filter(|k| fixed_by_rotation(f.kind) && !k.hosts.is_empty()) {
            let hover = format!("Move {} to another key pair on {}", k.name, k.hosts.join(", "));
            if buttons.button("Rotate…").on_hover_text(hover).clicked() {
                cmds.push(Command::OpenRotate(id));
            }
        }
    }
    let used = buttons.min_rect().width();
    let block_h = 2.0 * line_h + 2.0;
    let top = inner.center().y - block_h / 2.0;
    let right = if used > 0.0 { inner.right() - used - 16.0 } else { inner.right() };
    let text_rect = egui::Rect::from_min_max(egui::pos2(inner.left(), top), egui::pos2(right, top + block_h));
    let mut text = ui.new_child(UiBuilder::new().max_rect(text_rect).layout(Layout::top_down(Align::Min)));
    text.spacing_mut().item_spacing.y = 2.0;
    // What is wrong stands out; what to do stays readable (weak text is too faint for
    // a line people copy commands from).
    text.add(egui::Label::new(RichText::new(&f.message).strong()).truncate());
    let fix = fix_text(f);
    text.add(egui::Label::new(&fix).truncate()).on_hover_text(&fix);
}

/// What to do, in words about this window (its buttons and views), never commands.
pub fn fix_text(f: &Finding) -> String {
    let scope = crate::inventory::scope_label(f.account.as_deref(), &f.region);
    match &f.fix {
        Fix::ReplaceWithEd25519 => {
            "Create an Ed25519 key pair (Create key pair), then Rotate… moves its hosts to it".into()
        }
        Fix::Rotate => "Rotate… moves its hosts to a new key pair".into(),
        Fix::RotateOrPlan => "Rotate… moves its hosts to a new key pair; or plan it: Rotate by, in its details".into(),
        Fix::RestoreOrReplace => {
            "If the file was moved, put it back; if it is lost, replace the key pair (Rotate…)".into()
        }
        Fix::ReplaceOrDelete => {
            "Delete it (Show key pair, then Delete…); where hosts trust it, Rotate… moves them to a new key pair first"
                .into()
        }
        Fix::RestrictFile { path } => format!("Make {path} readable by you alone (file mode 0600)"),
        Fix::BindOrDelete => {
            "Bind it to the hosts that trust it (Show key pair, then Bind to hosts…), or delete it if nothing uses it"
                .into()
        }
        Fix::OwnKeyPerAccount => format!("Give each account its own key pair: create one for {scope}, then Rotate…"),
        Fix::CreateType { kind } => format!(
            "Create a key pair of a type this cloud imports ({}) in {scope}, then Rotate… moves the hosts to it",
            match *kind {
                "rsa" => "RSA",
                "ecdsa" => "ECDSA",
                _ => "Ed25519",
            }
        ),
        Fix::CheckHostAgain => "Fix what it says, then Check login again (Show host)".into(),
    }
}

impl crate::ui::app::KeyshelfApp {
    /// Computes the report again now (the view opens: files may have changed without
    /// the inventory), not a frame later.
    pub(crate) fn refresh_report(&mut self) {
        self.report.refresh();
        self.load_report_if_stale();
    }

    /// Computes the report if the inventory changed since the last one.
    pub(crate) fn load_report_if_stale(&mut self) {
        if self.report.wanted(self.generation) {
            self.load_report();
        }
    }

    /// Computes the report on the inventory's thread, for the current generation.
    fn load_report(&mut self) {
        let generation = self.generation;
        self.db_run(move |inv| {
            let r = inv.today().and_then(|today| crate::inventory::report(inv, today)).map_err(|e| e.to_string());
            Box::new(move |app: &mut crate::ui::app::KeyshelfApp| app.report.loaded(generation, r))
        });
    }

    /// The Keys view with this key pair selected (and shown: a search or scope that
    /// hides it is cleared).
    pub(crate) fn show_key(&mut self, id: i64) {
        if self.model.row_by_id(id).is_none() {
            return;
        }
        let rows = &self.model.rows;
        if !self.model.visible.iter().any(|&i| rows[i].key.id == id) {
            self.model.scope = crate::ui::model::ScopeSel::All;
            self.model.search.clear();
            self.model.refilter();
        }
        self.view = crate::ui::command::View::Keys;
        self.selected = [id].into();
        self.anchor = Some(id);
        self.reveal_key = Some(id);
        self.details.invalidate();
    }

    /// The Hosts view with this host selected.
    pub(crate) fn show_host(&mut self, name: String) {
        self.view = crate::ui::command::View::Hosts;
        self.hosts_state.selected = Some(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_fixes_speak_of_the_window_never_of_commands() {
        let fixes = [
            Fix::ReplaceWithEd25519,
            Fix::Rotate,
            Fix::RotateOrPlan,
            Fix::RestoreOrReplace,
            Fix::RestrictFile { path: "/home/me/.ssh/id".into() },
            Fix::BindOrDelete,
            Fix::OwnKeyPerAccount,
            Fix::CreateType { kind: "rsa" },
            Fix::CheckHostAgain,
        ];
        for fix in fixes {
            let f = Finding {
                kind: FindingKind::Unbound,
                key_pair: Some("web".into()),
                key_pair_id: Some(1),
                host: Some("db".into()),
                account: Some("prod".into()),
                region: "r1".into(),
                message: String::new(),
                fix: fix.clone(),
            };
            let text = fix_text(&f);
            assert!(!text.contains("keyshelf ") && !text.contains("--") && !text.contains("chmod"), "{fix:?}: {text}");
        }
    }
}
