//! The sidebar: "All key pairs", the account/region tree with counts (scrolling), and
//! the other views (hosts, known_hosts cleanup, activity, report, settings) pinned below
//! it, so twenty accounts never push them out of sight.

use egui::{RichText, Ui};

use crate::ui::command::{Command, View};
use crate::ui::model::{Model, ScopeSel};

fn item(ui: &mut Ui, selected: bool, text: String, count: Option<usize>) -> egui::Response {
    let label = match count {
        Some(n) => format!("{text}  ({n})"),
        None => text,
    };
    ui.add(
        egui::Button::selectable(selected, label)
            .frame_when_inactive(false)
            .min_size(egui::vec2(ui.available_width(), 0.0)),
    )
}

pub fn show(ui: &mut Ui, model: &Model, view: View, cloud_account: Option<&str>, cmds: &mut Vec<Command>) {
    ui.add_space(6.0);
    // Room for the pinned views: five rows and a separator.
    let row = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
    let pinned = 5.0 * row + 20.0;
    let tree_height = (ui.available_height() - pinned).max(row * 3.0);
    egui::ScrollArea::vertical().max_height(tree_height).auto_shrink([false, false]).show(ui, |ui| {
        let keys_view = view == View::Keys;
        if item(ui, keys_view && model.scope == ScopeSel::All, "All key pairs".into(), Some(model.total())).clicked() {
            cmds.push(Command::SelectScope(ScopeSel::All));
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            ui.label(RichText::new("ACCOUNTS").small().weak());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.small_button("+").on_hover_text("Add an account").clicked() {
                    cmds.push(Command::OpenAccount(None));
                }
            });
        });
        for (account, regions) in model.tree() {
            let total: i64 = regions.iter().map(|r| r.1).sum();
            let label = match &account {
                Some(a) => {
                    let provider = model.accounts.iter().find(|x| &x.name == a).map(|x| x.provider.display_name());
                    format!("{a} · {}", provider.unwrap_or("Other"))
                }
                None => "No account".to_string(),
            };
            let selected = keys_view && model.scope == ScopeSel::Account(account.clone());
            let r = item(ui, selected, label, Some(total as usize));
            if r.clicked() {
                cmds.push(Command::SelectScope(ScopeSel::Account(account.clone())));
            }
            if let Some(a) = &account {
                r.context_menu(|ui| {
                    if ui.button("Edit account…").clicked() {
                        cmds.push(Command::OpenAccount(Some(a.clone())));
                        ui.close();
                    }
                    let empty = total == 0 && !model.hosts.iter().any(|h| h.account.as_ref() == Some(a));
                    let rm = ui.add_enabled(empty, egui::Button::new("Remove account"));
                    let rm = rm.on_disabled_hover_text("Delete or move its key pairs and hosts first");
                    if rm.clicked() {
                        cmds.push(Command::Confirm {
                            title: format!("Remove account {a}?"),
                            text: "It has no key pairs or hosts left; only its name and note are removed.".into(),
                            confirm: "Remove account".into(),
                            command: Box::new(Command::RemoveAccount(a.clone())),
                        });
                        ui.close();
                    }
                });
            }
            let cloud = account
                .as_ref()
                .filter(|a| model.accounts.iter().any(|x| &x.name == *a && x.provider.has_cloud_sync()));
            if let Some(a) = cloud {
                ui.indent(("cloud", a), |ui| {
                    let sel = view == View::Cloud && cloud_account == Some(a.as_str());
                    if item(ui, sel, "Cloud sync".into(), None)
                        .on_hover_text("Compare, pull and push with the cloud")
                        .clicked()
                    {
                        cmds.push(Command::Cloud(crate::ui::cloud::cloud_view::CloudCommand::Open(a.clone())));
                    }
                });
            }
            if regions.iter().all(|r| r.0.is_empty()) {
                continue;
            }
            ui.indent(("regions", &account), |ui| {
                for (region, n) in regions.iter().filter(|r| !r.0.is_empty()) {
                    let sel = keys_view && model.scope == ScopeSel::Region(account.clone(), region.clone());
                    if item(ui, sel, region.clone(), Some(*n as usize)).clicked() {
                        cmds.push(Command::SelectScope(ScopeSel::Region(account.clone(), region.clone())));
                    }
                }
            });
        }
        if model.accounts.is_empty() {
            ui.weak("No accounts yet: add one to group key pairs by cloud.");
        }
    });
    ui.separator();
    if item(ui, view == View::Hosts, "Hosts".into(), Some(model.hosts.len())).clicked() {
        cmds.push(Command::ShowView(View::Hosts));
    }
    if item(ui, view == View::KnownHosts, "known_hosts cleanup".into(), None).clicked() {
        cmds.push(Command::ShowView(View::KnownHosts));
    }
    if item(ui, view == View::Activity, "Activity".into(), None).clicked() {
        cmds.push(Command::ShowView(View::Activity));
    }
    if item(ui, view == View::Report, "Report".into(), None).clicked() {
        cmds.push(Command::ShowView(View::Report));
    }
    if item(ui, view == View::Settings, "Settings".into(), None).clicked() {
        cmds.push(Command::ShowView(View::Settings));
    }
}
