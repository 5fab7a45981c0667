//! The details panel of the selected key pair: name and description editable in place,
//! fingerprints with Copy, the public key, tags, bound hosts, the private key file's
//! state, "also in", and the key pair's own activity.

use egui::{RichText, Ui};

use crate::inventory::{check_key_name, Activity, Inventory, KeyEdit, KeyPair, Origin};
use crate::ui::command::Command;
use crate::ui::model::{short_time, Model};
use crate::ui::widgets::{copy_button, error_text, field_name, parse_tags, warn_text};

/// What the panel reads besides the key pair itself: other places the same key is, its
/// activity, and the private key file's state. Read on the inventory's thread.
pub struct Extras {
    also_in: Vec<String>,
    cloud: Vec<crate::inventory::CloudLink>,
    activity: Vec<Activity>,
    private_state: Option<Result<String, String>>,
}

impl Extras {
    pub fn read(inv: &Inventory, k: &KeyPair) -> Extras {
        Extras {
            also_in: inv.also_in(k).unwrap_or_default(),
            cloud: inv.cloud_links_of_key(k.id).unwrap_or_default(),
            activity: inv.activity_for(&k.name, 20).unwrap_or_default(),
            private_state: k.private_key_path.as_deref().map(check_private_file),
        }
    }
}

/// What the panel keeps about the shown key pair: the fields being edited, and the
/// extras the app read for it (asked for again when the selection or the key pair
/// changes, never per frame).
#[derive(Default)]
pub struct DetailsState {
    /// (id, updated_at) of the key pair the fields and extras are for.
    for_key: Option<(i64, i64)>,
    pub name: String,
    pub description: String,
    pub owner: String,
    /// The rotate-by date as typed (`YYYY-MM-DD`, empty: none).
    pub rotate_by: String,
    pub new_tag: String,
    tag_error: Option<String>,
    extras: Option<Extras>,
    bind_host: Option<String>,
    /// "Ask before each use" in the Add to agent menu.
    pub agent_confirm: bool,
    /// Where "Move" would put it: account (None: no account) and region.
    pub move_account: Option<String>,
    pub move_region: String,
}

impl DetailsState {
    pub fn invalidate(&mut self) {
        self.for_key = None;
    }

    /// Whether the app should read the extras for `k` (the selection or `k` changed).
    pub fn wants(&self, k: &KeyPair) -> bool {
        self.for_key != Some((k.id, k.updated_at))
    }

    /// `k` is now shown: reset the fields, and wait for its extras.
    pub fn loading(&mut self, k: &KeyPair) {
        let same_key = self.for_key.map(|f| f.0) == Some(k.id);
        self.for_key = Some((k.id, k.updated_at));
        self.name = k.name.clone();
        self.description = k.description.clone();
        self.owner = k.owner.clone();
        self.rotate_by = k.rotate_by.map(crate::inventory::format_date).unwrap_or_default();
        self.move_account = k.account.clone();
        self.move_region = k.region.clone();
        if !same_key {
            self.new_tag.clear();
            self.tag_error = None;
            self.bind_host = None;
            self.extras = None;
        }
    }

    /// The extras read for `k` arrived; kept only if `k` is still what is shown.
    pub fn loaded(&mut self, k: &KeyPair, extras: Extras) {
        if self.for_key == Some((k.id, k.updated_at)) {
            self.extras = Some(extras);
        }
    }
}

/// Checks that a private key file is still there and private (mode 0600), and whether a
/// passphrase protects it.
fn check_private_file(path: &str) -> Result<String, String> {
    use crate::secure_file::{private_file_state, PrivateFileState};
    let path = std::path::Path::new(path);
    let mode = match private_file_state(path) {
        PrivateFileState::Missing => return Err("file not found: it was moved or deleted".into()),
        PrivateFileState::Open(mode) => {
            return Err(format!(
                "mode {mode:04o}: others can read it, and ssh refuses such keys: make it readable by you alone (0600)"
            ))
        }
        PrivateFileState::Private(mode) => format!(", mode {mode:04o}"),
        PrivateFileState::Unknown => String::new(),
    };
    // Through the one bounded reader that wipes what it read.
    let protection = match crate::keys::read_key_file(path).map(|k| k.source) {
        Some(crate::keys::KeySource::PrivateKey { encrypted: true }) => ", protected by a passphrase",
        Some(crate::keys::KeySource::PrivateKey { encrypted: false }) => ", no passphrase",
        _ => "",
    };
    Ok(format!("Present{mode}{protection}"))
}

/// Which account and region it belongs to, and moving it to another: checked here as a
/// new key pair there would be (the name free, a region name), the core checks again.
fn scope_section(ui: &mut Ui, k: &KeyPair, model: &Model, st: &mut DetailsState, cmds: &mut Vec<Command>) {
    section(ui, "Account and region");
    egui::Grid::new("details-scope").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        crate::ui::keys::create::account_row(ui, model, &mut st.move_account);
        let l = ui.label("Region");
        ui.add(egui::TextEdit::singleline(&mut st.move_region).hint_text("none").desired_width(240.0))
            .labelled_by(l.id);
        ui.end_row();
    });
    let region = st.move_region.trim();
    let changed = st.move_account != k.account || region != k.region;
    let problem = if !changed {
        None
    } else if !region.is_empty() && !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        Some("A region name has lower-case letters, digits and '-', such as us-east-1".to_string())
    } else if model.name_taken(&k.name, st.move_account.as_deref(), region, Some(k.id)) {
        Some(format!("A key pair named '{}' is already there: rename one of them first", k.name))
    } else {
        None
    };
    // Room for one line whether or not there is something to say, so nothing jumps.
    match (&problem, st.move_account.as_ref()) {
        (Some(p), _) => error_text(ui, p),
        (None, Some(a)) if changed => {
            let provider = model.accounts.iter().find(|x| &x.name == a).map(|x| x.provider);
            match provider.and_then(|p| crate::inventory::type_warning(p, &k.algorithm, k.bits)) {
                Some(w) => warn_text(ui, &w),
                None => {
                    ui.weak(format!("Moves it to {}.", crate::inventory::scope_label(Some(a), region)));
                }
            }
        }
        (None, None) if changed => {
            ui.weak(format!("Moves it out of {}.", k.scope_label()));
        }
        _ => {
            ui.weak("Moving changes where Keyshelf files it, not where it is deployed.");
        }
    }
    if ui.add_enabled(changed && problem.is_none(), egui::Button::new("Move")).clicked() {
        cmds.push(Command::EditKey {
            id: k.id,
            edit: KeyEdit { move_to: Some((st.move_account.clone(), region.to_string())), ..Default::default() },
        });
    }
}

fn section(ui: &mut Ui, title: &str) {
    ui.add_space(10.0);
    ui.label(RichText::new(title).strong());
    ui.separator();
}

/// How the ssh-agent stood when last asked, for the Private key section.
#[derive(Debug, Clone, Copy)]
pub struct AgentNote<'a> {
    /// The agent held this key pair's key.
    pub holds: bool,
    /// Why no agent can be asked (none runs, `ssh-add` is missing), if so.
    pub problem: Option<&'a str>,
}

pub fn show(
    ui: &mut Ui,
    k: &KeyPair,
    model: &Model,
    st: &mut DetailsState,
    agent: AgentNote<'_>,
    cmds: &mut Vec<Command>,
) {
    let no_extras = Extras { also_in: Vec::new(), cloud: Vec::new(), activity: Vec::new(), private_state: None };
    let extras = st.extras.take();
    let ex = extras.as_ref().unwrap_or(&no_extras);
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.label(RichText::new(&k.name).size(18.0).strong());
            ui.weak(k.type_label());
            if k.weak {
                warn_text(ui, "weak key");
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.small_button("Close details").on_hover_text("Esc").clicked() {
                    cmds.push(Command::ClearSelection);
                }
            });
        });
        ui.weak(k.scope_label());

        section(ui, "Name and description");
        let name_rule = check_key_name(st.name.trim()).err().or_else(|| {
            (st.name.trim() != k.name && model.name_taken(st.name.trim(), k.account.as_deref(), &k.region, Some(k.id)))
                .then(|| format!("A key pair named '{}' already exists here", st.name.trim()))
        });
        let mut rename = false;
        ui.horizontal(|ui| {
            let l = ui.label("Name");
            let r = ui.add(egui::TextEdit::singleline(&mut st.name).desired_width(220.0)).labelled_by(l.id);
            let changed = st.name.trim() != k.name;
            let ok = name_rule.is_none();
            if ui.add_enabled(changed && ok, egui::Button::new("Rename")).clicked()
                || (crate::ui::widgets::submitted(ui, &r) && changed && ok)
            {
                rename = true;
            }
        });
        if let Some(e) = &name_rule {
            error_text(ui, e);
        }
        if rename {
            cmds.push(Command::EditKey {
                id: k.id,
                edit: KeyEdit { name: Some(st.name.trim().to_string()), ..Default::default() },
            });
        }
        let l = ui.label("Description");
        ui.add(egui::TextEdit::multiline(&mut st.description).desired_rows(2).desired_width(f32::INFINITY))
            .labelled_by(l.id);
        if st.description != k.description && ui.button("Save description").clicked() {
            cmds.push(Command::EditKey {
                id: k.id,
                edit: KeyEdit { description: Some(st.description.clone()), ..Default::default() },
            });
        }

        section(ui, "Private key");
        match (&k.private_key_path, &ex.private_state) {
            (Some(p), state) => {
                ui.label(RichText::new(p).monospace());
                match state {
                    Some(Ok(s)) => ui.weak(s.as_str()),
                    Some(Err(e)) => ui.colored_label(ui.visuals().warn_fg_color, e.as_str()),
                    None => ui.spinner(),
                };
                ui.horizontal(|ui| {
                    if ui
                        .button("Convert…")
                        .on_hover_text("Write a copy in another format (PPK, PKCS#8, ...)")
                        .clicked()
                    {
                        cmds.push(Command::OpenConvert(k.id));
                    }
                    match agent.problem {
                        None => crate::ui::settings::agent_view::add_menu(ui, k.id, &mut st.agent_confirm, cmds),
                        Some(why) => {
                            ui.add_enabled(false, egui::Button::new("Add to agent"))
                                .on_disabled_hover_text(format!("No ssh-agent to add it to: {why}"));
                        }
                    }
                    if agent.holds {
                        ui.label("In the agent");
                        if ui.small_button("Remove from agent").clicked() {
                            cmds.push(Command::AgentRemove(Some(k.fingerprint_sha256.clone())));
                        }
                    }
                });
            }
            _ if k.origin == Origin::Generated => warn_text(ui, "Private key not saved (Keyshelf never stores it)"),
            _ => {
                ui.weak("Not known (imported from a public key)");
            }
        }

        owner_and_rotation(ui, k, st, cmds);

        section(ui, "Key");
        egui::Grid::new("fp").num_columns(3).spacing([8.0, 6.0]).show(ui, |ui| {
            field_name(ui, "Type");
            ui.label(format!("{} ({})", k.type_label(), k.algorithm));
            ui.end_row();
            field_name(ui, "Comment");
            ui.label(if k.comment.is_empty() { "—" } else { &k.comment });
            ui.end_row();
            field_name(ui, "Origin");
            ui.label(format!("{} {}", k.origin.as_str(), short_time(k.created_at)));
            ui.end_row();
        });
        // Each fingerprint on a line of its own, whole: the pane may be narrow.
        let aws_hint = "The fingerprint the AWS console shows (MD5 of the public key for imported RSA keys, \
                        SHA-1 of the private key for RSA keys Keyshelf generated, base64 SHA-256 for Ed25519)";
        let fps = [
            ("SHA256", Some(k.fingerprint_sha256.as_str()), "SHA256 fingerprint", None),
            ("MD5", Some(k.fingerprint_md5.as_str()), "MD5 fingerprint", None),
            ("AWS", k.aws_fingerprint.as_deref(), "AWS fingerprint", Some(aws_hint)),
        ];
        for (label, fp, what, hint) in fps {
            let Some(fp) = fp else { continue };
            ui.add_space(2.0);
            ui.horizontal(|ui| {
                let l = ui.label(RichText::new(label).weak());
                if let Some(h) = hint {
                    l.on_hover_text(h);
                }
                copy_button(ui, fp, what, cmds);
            });
            ui.add(egui::Label::new(RichText::new(fp).monospace()).wrap());
        }
        if k.aws_fingerprint.is_none() {
            ui.weak(format!("No AWS fingerprint: AWS does not import {} keys.", k.type_label()));
        }

        section(ui, "Public key");
        ui.add(egui::Label::new(RichText::new(&k.public_key).monospace()).wrap());
        ui.horizontal(|ui| {
            copy_button(ui, &k.public_key, "public key", cmds);
            if ui.small_button("Save .pub…").clicked() {
                cmds.push(Command::SavePublicKey(k.id));
            }
        });

        section(ui, "Tags");
        ui.horizontal_wrapped(|ui| {
            if k.tags.is_empty() {
                ui.weak("No tags");
            }
            for (tk, tv) in &k.tags {
                let text = if tv.is_empty() { tk.clone() } else { format!("{tk}={tv}") };
                ui.group(|ui| {
                    ui.label(text);
                    if ui.small_button("×").on_hover_text("Remove this tag").clicked() {
                        cmds.push(Command::EditKey {
                            id: k.id,
                            edit: KeyEdit { remove_tags: vec![tk.clone()], ..Default::default() },
                        });
                    }
                });
            }
        });
        ui.horizontal(|ui| {
            let l = ui.label("Add tag");
            let r = ui
                .add(egui::TextEdit::singleline(&mut st.new_tag).hint_text("key=value").desired_width(180.0))
                .labelled_by(l.id);
            if (ui.button("Add").clicked() || crate::ui::widgets::submitted(ui, &r)) && !st.new_tag.trim().is_empty() {
                match parse_tags(&st.new_tag) {
                    Ok(tags) => {
                        cmds.push(Command::EditKey {
                            id: k.id,
                            edit: KeyEdit { set_tags: tags, ..Default::default() },
                        });
                        st.new_tag.clear();
                        st.tag_error = None;
                    }
                    Err(e) => st.tag_error = Some(e),
                }
            }
        });
        if let Some(e) = &st.tag_error {
            error_text(ui, e);
        }

        section(ui, "Bound hosts");
        if k.hosts.is_empty() {
            ui.weak("Not bound to any host");
        }
        for h in &k.hosts {
            ui.horizontal(|ui| {
                ui.label(h);
                if ui.small_button("Unbind").clicked() {
                    cmds.push(Command::Unbind { key: k.id, hosts: vec![h.clone()] });
                }
            });
        }
        ui.horizontal_wrapped(|ui| {
            if ui.button("Deploy to hosts…").on_hover_text("Add it to the hosts' authorized_keys over ssh").clicked()
            {
                cmds.push(Command::OpenDeploy(k.id));
            }
            if ui.button("Bind to hosts…").on_hover_text("Record it in the inventory only").clicked() {
                cmds.push(Command::OpenBind(k.id));
            }
            if !k.hosts.is_empty()
                && ui.button("Rotate…").on_hover_text("Replace it by another key pair on every host").clicked()
            {
                cmds.push(Command::OpenRotate(k.id));
            }
        });

        section(ui, "In the cloud");
        if ex.cloud.is_empty() {
            ui.weak("Not seen in any cloud account yet.");
        }
        for l in &ex.cloud {
            ui.horizontal_wrapped(|ui| {
                if ui.link(format!("{} / {}", l.account, l.region)).clicked() {
                    cmds.push(Command::Cloud(crate::ui::cloud::cloud_view::CloudCommand::Open(l.account.clone())));
                }
                let named = if l.name == k.name { String::new() } else { format!(" as '{}'", l.name) };
                ui.weak(format!("{named} seen {}", short_time(l.seen_at)));
            });
        }
        if ui.button("Push to cloud…").on_hover_text("Import it into a cloud account's regions").clicked() {
            cmds.push(Command::OpenPushToCloud(k.id));
        }

        if !ex.also_in.is_empty() {
            section(ui, "Also in");
            ui.weak("The same public key is in the inventory under:");
            for a in &ex.also_in {
                ui.label(format!("• {a}"));
            }
        }

        scope_section(ui, k, model, st, cmds);

        section(ui, "Activity");
        if extras.is_none() {
            ui.spinner();
        }
        for a in &ex.activity {
            ui.horizontal_wrapped(|ui| {
                ui.weak(short_time(a.at));
                ui.label(format!("{} {}", a.action, a.detail));
            });
        }

        ui.add_space(16.0);
        let del = ui.add(egui::Button::new(RichText::new("Delete key pair…").color(ui.visuals().error_fg_color)));
        if del.clicked() {
            cmds.push(Command::OpenDelete(vec![k.id]));
        }
        ui.add_space(16.0);
    });
    st.extras = extras;
}

/// Who the key pair belongs to and when it is due for rotation (the report and the
/// `expires:` search read these).
fn owner_and_rotation(ui: &mut Ui, k: &KeyPair, st: &mut DetailsState, cmds: &mut Vec<Command>) {
    use crate::inventory::{days_from, format_date, parse_date};
    section(ui, "Owner and rotation");
    let edit = |edit: KeyEdit| Command::EditKey { id: k.id, edit };
    ui.horizontal(|ui| {
        let l = ui.label("Owner");
        let r = ui
            .add(egui::TextEdit::singleline(&mut st.owner).hint_text("a person or team").desired_width(220.0))
            .labelled_by(l.id);
        let changed = st.owner.trim() != k.owner;
        if ui.add_enabled(changed, egui::Button::new("Save owner")).clicked()
            || (crate::ui::widgets::submitted(ui, &r) && changed)
        {
            cmds.push(edit(KeyEdit { owner: Some(st.owner.trim().to_string()), ..Default::default() }));
        }
    });
    let today = time::OffsetDateTime::now_utc().date();
    let typed = st.rotate_by.trim().to_string();
    let parsed = (!typed.is_empty()).then(|| parse_date(&typed));
    ui.horizontal(|ui| {
        let l = ui.label("Rotate by");
        let r = ui
            .add(egui::TextEdit::singleline(&mut st.rotate_by).hint_text("YYYY-MM-DD").desired_width(110.0))
            .labelled_by(l.id);
        let current = k.rotate_by.map(format_date).unwrap_or_default();
        let valid = match &parsed {
            Some(Ok(_)) => typed != current,
            Some(Err(_)) => false,
            None => !current.is_empty(),
        };
        if ui.add_enabled(valid, egui::Button::new("Set")).clicked() || (crate::ui::widgets::submitted(ui, &r) && valid)
        {
            let date = parsed.clone().and_then(Result::ok);
            cmds.push(edit(KeyEdit { rotate_by: Some(date), ..Default::default() }));
        }
        for (label, days) in [("In 90 days", 90), ("In a year", 365)] {
            if ui.small_button(label).clicked() {
                if let Ok(d) = days_from(today, days) {
                    cmds.push(edit(KeyEdit { rotate_by: Some(Some(d)), ..Default::default() }));
                }
            }
        }
        if k.rotate_by.is_some() && ui.small_button("Clear").clicked() {
            cmds.push(edit(KeyEdit { rotate_by: Some(None), ..Default::default() }));
        }
    });
    match (&parsed, k.rotate_by) {
        (Some(Err(e)), _) => error_text(ui, e),
        (_, Some(d)) => {
            let days = (d - today).whole_days();
            match days {
                d if d < 0 => {
                    error_text(ui, &format!("Overdue by {} day{}: rotate it", -d, if d == -1 { "" } else { "s" }))
                }
                0 => warn_text(ui, "Due today"),
                d if d <= 30 => warn_text(ui, &format!("Due in {d} day{}", if d == 1 { "" } else { "s" })),
                d => {
                    ui.weak(format!("Due in {d} days"));
                }
            }
        }
        _ => {
            ui.weak("No date: the report flags key pairs older than a year without one.");
        }
    }
}
