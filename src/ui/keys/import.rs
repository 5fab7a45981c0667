//! "Import public key": paste text, choose files, or drop them on the window. Files and
//! pasted text are read and parsed on a job (`read_files`, `read_text`); the dialog shows
//! what will be imported (type, fingerprint, weak keys, the names the core will give)
//! before anything is stored, and the app imports through the same core call as the
//! CLI's `key import --all`.

use std::collections::HashMap;
use std::path::PathBuf;

use egui::RichText;
use zeroize::Zeroizing;

use crate::inventory::{check_key_name, import_names, ImportKey};
use crate::keys::{parse_bulk, parse_key, BulkLineError, KeyError, KeySource, MAX_SINGLE_KEY_BYTES};
use crate::ui::command::Command;
use crate::ui::keys::create::account_row;
use crate::ui::model::{shorten_fingerprint, Model};
use crate::ui::widgets::{error_text, warn_text};

/// What the user confirmed: the keys (with a name only where the user typed one) and
/// the unreadable lines skipped, for the activity log.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub keys: Vec<ImportKey>,
    pub account: Option<String>,
    pub region: String,
    pub skipped: Vec<BulkLineError>,
}

/// One input read: a file or the pasted text.
pub struct ReadInput {
    /// "name.pub" or "pasted text".
    from: String,
    /// The pasted text this was read from (it may be a private key: wiped when dropped).
    pasted: Option<Zeroizing<String>>,
    keys: Vec<ImportKey>,
    /// Lines that could not be read, or why the whole input could not be.
    bad_lines: Vec<BulkLineError>,
    error: Option<String>,
}

fn input(from: String, pasted: Option<Zeroizing<String>>) -> ReadInput {
    ReadInput { from, pasted, keys: Vec::new(), bad_lines: Vec::new(), error: None }
}

/// Reads one input (a file's bytes or pasted text): one key, or an `authorized_keys`
/// file of many.
fn parse_input(bytes: &[u8], path: Option<&PathBuf>, mut out: ReadInput) -> ReadInput {
    let bulk = |out: &mut ReadInput| match parse_bulk(bytes) {
        Ok((entries, errors)) => {
            out.keys = entries.into_iter().map(ImportKey::from).collect();
            out.bad_lines = errors;
        }
        Err(e) => out.error = Some(e.to_string()),
    };
    if bytes.len() > MAX_SINGLE_KEY_BYTES {
        bulk(&mut out);
        return out;
    }
    match parse_key(bytes) {
        Ok(k) => {
            let mut key = ImportKey::new(1, k.info);
            key.name_hint = path.and_then(|p| p.file_stem()).map(|s| s.to_string_lossy().into_owned());
            if let (KeySource::PrivateKey { .. }, Some(p)) = (k.source, path) {
                key.private_key_path = Some(p.to_string_lossy().into_owned());
            }
            out.keys.push(key);
        }
        Err(KeyError::MultipleKeys { .. }) => bulk(&mut out),
        Err(e) => out.error = Some(e.to_string()),
    }
    out
}

/// Reads and parses files for the preview (on a job: a file can hold 100,000 keys).
pub fn read_files(paths: &[PathBuf]) -> Vec<ReadInput> {
    paths
        .iter()
        .map(|p| {
            let from =
                p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string());
            let mut out = input(from, None);
            match crate::keys::read_secret_file(p, crate::keys::MAX_KEY_INPUT_BYTES) {
                Ok(bytes) => return parse_input(&bytes, Some(p), out),
                Err(crate::keys::KeyError::Read { source, .. }) => {
                    out.error = Some(format!("cannot read it: {source}"))
                }
                Err(e) => out.error = Some(e.to_string()),
            }
            out
        })
        .collect()
}

/// Parses pasted text for the preview.
pub fn read_text(text: Zeroizing<String>) -> ReadInput {
    let out = input("pasted text".into(), None);
    let mut out = parse_input(text.as_bytes(), None, out);
    out.pasted = Some(text);
    out
}

struct Entry {
    key: ImportKey,
    from: String,
    include: bool,
    /// The name shown; typed by the user when it differs from `suggested`.
    name: String,
    suggested: String,
}

pub struct ImportDialog {
    /// Pasted text: it may be a private key, so it is wiped when dropped.
    pub text: Zeroizing<String>,
    /// The pasted text last sent for parsing, and the one the entries show.
    sent_text: Option<Zeroizing<String>>,
    files: Vec<PathBuf>,
    pub account: Option<String>,
    pub region: String,
    entries: Vec<Entry>,
    problems: Vec<String>,
    skipped: Vec<BulkLineError>,
    /// Inputs being read on jobs.
    pub reading: usize,
    pub importing: bool,
    error: Option<String>,
    pub dialog_unavailable: bool,
    pub typed_file: String,
    /// Per entry: what is wrong with its name. Worked out again only when names, ticks
    /// or the scope change, not every frame.
    name_problems: Vec<Option<String>>,
    checked_for: Option<(Option<String>, String, u64)>,
    edits: u64,
}

impl Default for ImportDialog {
    fn default() -> Self {
        ImportDialog::new()
    }
}

impl ImportDialog {
    pub fn new() -> ImportDialog {
        ImportDialog {
            text: Zeroizing::new(String::new()),
            sent_text: None,
            files: Vec::new(),
            account: None,
            region: String::new(),
            entries: Vec::new(),
            problems: Vec::new(),
            skipped: Vec::new(),
            reading: 0,
            importing: false,
            error: None,
            dialog_unavailable: false,
            typed_file: String::new(),
            name_problems: Vec::new(),
            checked_for: None,
            edits: 0,
        }
    }

    /// Files not yet in the dialog, now counted as being read.
    pub fn start_reading(&mut self, files: Vec<PathBuf>) -> Vec<PathBuf> {
        let new: Vec<PathBuf> = files.into_iter().filter(|f| !self.files.contains(f)).collect();
        self.files.extend(new.iter().cloned());
        if !new.is_empty() {
            self.reading += 1;
        }
        new
    }

    /// Inputs read on a job arrive.
    pub fn add_read(&mut self, inputs: Vec<ReadInput>) {
        self.reading = self.reading.saturating_sub(1);
        for r in inputs {
            if let Some(text) = &r.pasted {
                // Only the answer for the text as it is now counts; the pasted text's
                // earlier entries go.
                if self.sent_text.as_ref() != Some(text) {
                    continue;
                }
                self.entries.retain(|e| !e.from.starts_with("pasted text"));
                self.problems.retain(|p| !p.starts_with("pasted text"));
                self.skipped.clear();
            }
            if let Some(e) = r.error {
                self.problems.push(format!("{}: {e}", r.from));
            }
            let many = r.keys.len() > 1;
            for key in r.keys {
                let from = if many { format!("{}, line {}", r.from, key.line) } else { r.from.clone() };
                self.entries.push(Entry { key, from, include: true, name: String::new(), suggested: String::new() });
            }
            self.problems.extend(r.bad_lines.iter().map(|e| format!("{}: {e}", r.from)));
            self.skipped.extend(r.bad_lines);
        }
        self.edits += 1;
    }

    pub fn reading_failed(&mut self, e: String) {
        self.reading = 0;
        self.importing = false;
        self.error = Some(e);
    }

    /// The import was refused: nothing was stored; say why and let the user fix it.
    pub fn import_failed(&mut self, e: String) {
        self.importing = false;
        self.error = Some(e);
    }

    /// The names the core will give, for the ticked keys in this account and region,
    /// and what is wrong with any of them. Redone only when something changed.
    fn check_names(&mut self, model: &Model) {
        let now = (self.account.clone(), self.region.trim().to_string(), self.edits);
        if self.checked_for.as_ref() == Some(&now) {
            return;
        }
        let (account, region) = (self.account.as_deref(), self.region.trim());
        let ticked: Vec<usize> = (0..self.entries.len()).filter(|&i| self.entries[i].include).collect();
        let keys: Vec<ImportKey> = ticked
            .iter()
            .map(|&i| {
                let e = &self.entries[i];
                let mut k = e.key.clone();
                k.name = (!e.name.is_empty() && e.name != e.suggested).then(|| e.name.clone());
                k
            })
            .collect();
        let names = import_names(&keys, None, |n| model.name_taken(n, account, region, None));
        let mut count: HashMap<&str, usize> = HashMap::new();
        for n in &names {
            *count.entry(n).or_default() += 1;
        }
        self.name_problems = vec![None; self.entries.len()];
        for (&i, name) in ticked.iter().zip(&names) {
            let problem = if let Err(e) = check_key_name(name) {
                Some(e)
            } else if model.name_taken(name, account, region, None) {
                Some("this name is taken in this account and region".into())
            } else if count.get(name.as_str()).copied().unwrap_or(0) > 1 {
                Some("two keys have this name".into())
            } else {
                None
            };
            self.name_problems[i] = problem;
        }
        for (&i, name) in ticked.iter().zip(names) {
            let e = &mut self.entries[i];
            let typed = !e.name.is_empty() && e.name != e.suggested;
            if !typed {
                e.name = name.clone();
            }
            e.suggested = name;
        }
        self.checked_for = Some(now);
    }

    fn request(&self) -> ImportRequest {
        let keys = self
            .entries
            .iter()
            .filter(|e| e.include)
            .map(|e| {
                let mut k = e.key.clone();
                k.name = (e.name != e.suggested).then(|| e.name.clone());
                k
            })
            .collect();
        ImportRequest {
            keys,
            account: self.account.clone(),
            region: self.region.trim().to_string(),
            skipped: self.skipped.clone(),
        }
    }

    /// Draws the dialog; returns true when it should close.
    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        if self.sent_text.as_ref().map(|t| t.as_str()) != Some(self.text.as_str()) {
            self.sent_text = Some(self.text.clone());
            if self.text.trim().is_empty() {
                self.entries.retain(|e| !e.from.starts_with("pasted text"));
                self.problems.retain(|p| !p.starts_with("pasted text"));
                self.edits += 1;
            } else {
                cmds.push(Command::ParseImportText(self.text.clone()));
            }
        }
        self.check_names(model);
        let mut close = false;
        let modal = crate::ui::widgets::modal("import-dialog").show(ctx, |ui| {
            ui.set_width(720.0);
            ui.heading("Import public key");
            ui.weak("Paste a public key, choose .pub files, or drop files on the window. OpenSSH, RFC 4716 (PuTTY), PEM and authorized_keys files work; from a private key file only the public half is read.");
            ui.add_space(6.0);
            let l = ui.label("Public key text");
            let r = ui
                .add(
                    egui::TextEdit::multiline(&mut *self.text)
                        .hint_text("ssh-ed25519 AAAA… you@laptop")
                        .font(egui::TextStyle::Monospace)
                        .desired_rows(3)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(l.id);
            if self.text.contains("PRIVATE KEY") {
                // A pasted private key: keep no copies of it in the field's undo history.
                crate::ui::widgets::forget_history(ui, &r);
            }
            ui.horizontal(|ui| {
                if ui.button("Choose files…").clicked() {
                    cmds.push(Command::PickImportFiles);
                }
                if self.dialog_unavailable {
                    let l = ui.label("File path");
                    let r = ui.add(egui::TextEdit::singleline(&mut self.typed_file).desired_width(260.0)).labelled_by(l.id);
                    if ui.button("Add file").clicked() || crate::ui::widgets::submitted(ui, &r) {
                        let p = crate::paths::expand_home(self.typed_file.trim());
                        cmds.push(Command::OpenImport(vec![p]));
                        self.typed_file.clear();
                    }
                }
                if self.reading > 0 {
                    ui.spinner();
                    ui.label("Reading…");
                }
            });
            if self.dialog_unavailable {
                warn_text(ui, "No file dialog is available on this system: type a file path instead.");
            }
            ui.add_space(6.0);
            egui::Grid::new("import-scope").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                account_row(ui, model, &mut self.account);
                crate::ui::widgets::grid_text(ui, "Region", &mut self.region, "optional");
            });
            ui.add_space(6.0);
            ui.separator();
            if self.entries.is_empty() && self.problems.is_empty() && self.reading == 0 {
                ui.weak("Nothing to import yet.");
            }
            self.entries_table(ui);
            if !self.problems.is_empty() {
                let n = self.problems.len();
                let shown = n.min(200);
                egui::ScrollArea::vertical().id_salt("import-problems").max_height(72.0).auto_shrink([false, true]).show(ui, |ui| {
                    for p in &self.problems[..shown] {
                        error_text(ui, p);
                    }
                    if n > shown {
                        ui.weak(format!("… and {} more unreadable lines", n - shown));
                    }
                });
            }
            if let Some(e) = &self.error {
                error_text(ui, &format!("Nothing was imported: {e}"));
            }
            let refused: Vec<String> = self
                .entries
                .iter()
                .filter(|e| e.include)
                .filter_map(|e| {
                    let i = &e.key.info;
                    crate::ui::keys::create::provider_warning(model, self.account.as_deref(), &i.algorithm, i.bits)
                })
                .collect();
            if let Some(first) = refused.first() {
                let more = if refused.len() > 1 { format!(" ({} keys)", refused.len()) } else { String::new() };
                warn_text(ui, &format!("{first}{more}"));
            }
            let count = self.entries.iter().filter(|e| e.include).count();
            let valid = count > 0 && self.name_problems.iter().all(Option::is_none) && self.reading == 0 && !self.importing;
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let label = if count <= 1 { "Import".to_string() } else { format!("Import {count} keys") };
                if ui.add_enabled(valid, egui::Button::new(label)).clicked() {
                    self.error = None;
                    cmds.push(Command::ImportKeys(self.request()));
                }
                if ui.add_enabled(!self.importing, egui::Button::new("Cancel")).clicked() {
                    close = true;
                }
                if self.importing {
                    ui.label(format!("Importing {count} keys…"));
                    ui.spinner();
                } else if !self.problems.is_empty() && count > 0 {
                    ui.weak("Unreadable lines are skipped.");
                }
            });
        });
        (modal.should_close() && !self.importing) || close
    }

    /// One line per key, drawn only for the rows in view (a file can hold 100,000).
    fn entries_table(&mut self, ui: &mut egui::Ui) {
        let row_h = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
        let mut edited = false;
        // The list takes what the window leaves, so the dialog never outgrows the window.
        let room = (ui.ctx().content_rect().height() - 560.0).clamp(90.0, 260.0);
        egui::ScrollArea::vertical().id_salt("import-entries").max_height(room).auto_shrink([false, true]).show_rows(
            ui,
            row_h,
            self.entries.len(),
            |ui, range| {
                for i in range {
                    let e = &mut self.entries[i];
                    ui.horizontal(|ui| {
                        edited |= ui.checkbox(&mut e.include, "").on_hover_text("Import this key").changed();
                        let l = ui.label("Name");
                        edited |= ui
                            .add(egui::TextEdit::singleline(&mut e.name).desired_width(170.0))
                            .labelled_by(l.id)
                            .changed();
                        ui.label(RichText::new(e.key.info.type_label()).strong());
                        ui.label(RichText::new(shorten_fingerprint(&e.key.info.fingerprint_sha256)).monospace())
                            .on_hover_text(&e.key.info.fingerprint_sha256);
                        if e.key.info.weak {
                            ui.colored_label(ui.visuals().warn_fg_color, "weak").on_hover_text(format!(
                                "{} is weak: replace it with an Ed25519 key when you can",
                                e.key.info.type_label()
                            ));
                        }
                        if e.key.private_key_path.is_some() {
                            ui.weak("private key file")
                                .on_hover_text("Only the public half is stored; the file's location is remembered.");
                        }
                        match self.name_problems.get(i).cloned().flatten() {
                            Some(p) if e.include => error_text(ui, &format!("Name: {p}")),
                            _ => {
                                ui.add(egui::Label::new(RichText::new(&e.from).weak()).truncate());
                            }
                        }
                    });
                }
            },
        );
        if edited {
            self.edits += 1;
        }
    }
}
