//! The ssh-agent in the app: which key pairs it holds (Settings), add a key pair's key
//! for a while (key details, and right after creating one), remove one or all. Listing
//! and removing are quick `ssh-add` runs on the inventory's thread (it names the keys);
//! adding may ask for a passphrase, so it runs in the run window, which asks.

use egui::{RichText, Ui};

use crate::local::agent::AgentKey;
use crate::ui::command::Command;
use crate::ui::model::shorten_fingerprint;

/// How long "Add to agent" keeps a key, as the menu offers it (seconds; None: until
/// removed).
pub const LIFETIMES: [(Option<u32>, &str); 3] =
    [(Some(3600), "For 1 hour"), (Some(8 * 3600), "For 8 hours"), (None, "Until removed")];

/// "1 hour", "8 hours", "90 minutes", "45 seconds".
pub fn spoken_seconds(s: u32) -> String {
    let (n, unit) = if s % 3600 == 0 {
        (s / 3600, "hour")
    } else if s % 60 == 0 {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// What the app knows of the agent, read on demand.
#[derive(Default)]
pub struct AgentState {
    /// The keys it holds, or why it cannot be asked.
    pub keys: Option<Result<Vec<AgentKey>, String>>,
    pub loading: bool,
}

impl AgentState {
    /// Whether the agent held the key of this fingerprint when last asked.
    pub fn holds(&self, fingerprint_sha256: &str) -> bool {
        matches!(&self.keys, Some(Ok(k)) if k.iter().any(|k| k.fingerprint_sha256 == fingerprint_sha256))
    }
}

/// The "Add to agent" menu for a key pair whose private key file is known.
pub fn add_menu(ui: &mut Ui, key: i64, confirm: &mut bool, cmds: &mut Vec<Command>) {
    ui.menu_button("Add to agent", |ui| {
        for (lifetime, label) in LIFETIMES {
            if ui.button(label).clicked() {
                cmds.push(Command::AgentAdd { key, lifetime, confirm: *confirm });
                ui.close();
            }
        }
        ui.separator();
        ui.checkbox(confirm, "Ask before each use")
            .on_hover_text("The agent asks you to confirm every time something signs with the key (ssh-add -c)");
    })
    .response
    .on_hover_text("Let ssh use it without asking for its passphrase again (ssh-add)");
}

/// The Agent section of Settings.
pub fn section(ui: &mut Ui, st: &AgentState, cmds: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        if ui.add_enabled(!st.loading, egui::Button::new("Refresh")).clicked() {
            cmds.push(Command::AgentRefresh);
        }
        let has_keys = matches!(&st.keys, Some(Ok(k)) if !k.is_empty());
        if ui.add_enabled(has_keys && !st.loading, egui::Button::new("Remove all")).clicked() {
            cmds.push(Command::Confirm {
                title: "Remove every key from the agent?".into(),
                text: "The agent forgets all its keys (ssh-add -D), including those Keyshelf does not know. Key files \
                       are not touched."
                    .into(),
                confirm: "Remove all".into(),
                command: Box::new(Command::AgentRemove(None)),
            });
        }
        if st.loading {
            ui.spinner();
        }
    });
    match &st.keys {
        None => {
            ui.weak("Not asked yet.");
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().warn_fg_color, e);
        }
        Some(Ok(keys)) if keys.is_empty() => {
            ui.label("The agent holds no keys.");
        }
        Some(Ok(keys)) => {
            egui::Grid::new("agent-keys").num_columns(4).spacing([12.0, 6.0]).striped(true).show(ui, |ui| {
                for t in ["Key pair", "Type", "Fingerprint", ""] {
                    ui.strong(t);
                }
                ui.end_row();
                for k in keys {
                    if k.key_pairs.is_empty() {
                        ui.label(RichText::new(format!("{} (not in the inventory)", k.comment)).weak());
                    } else {
                        ui.label(k.key_pairs.join(", "));
                    }
                    let t = if matches!(k.key_type.as_str(), "RSA" | "DSA") {
                        format!("{} {}", k.key_type, k.bits)
                    } else {
                        k.key_type.clone()
                    };
                    ui.label(t);
                    ui.label(RichText::new(shorten_fingerprint(&k.fingerprint_sha256)).monospace())
                        .on_hover_text(&k.fingerprint_sha256);
                    // ssh-add -d needs the public key: the inventory has it for its own keys.
                    if !k.key_pairs.is_empty() && ui.small_button("Remove").on_hover_text("ssh-add -d").clicked() {
                        cmds.push(Command::AgentRemove(Some(k.fingerprint_sha256.clone())));
                    }
                    ui.end_row();
                }
            });
        }
    }
}
