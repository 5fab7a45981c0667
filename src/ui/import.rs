//! "Import public key": paste text, choose files, or drop them on the window. Shows what
//! will be imported (type, size, fingerprint, weak keys) before anything is stored.

use std::path::PathBuf;

use egui::RichText;

use super::app::Command;
use super::create::account_row;
use super::model::{shorten_fingerprint, Model};
use super::widgets::{error_text, warn_text};
use crate::inventory::{check_key_name, name_from_comment};
use crate::keys::{parse_bulk, parse_key, KeyInfo, KeySource};

/// One key to import, as the user confirmed it.
#[derive(Debug, Clone)]
pub struct ImportItem {
    pub name: String,
    pub account: Option<String>,
    pub region: String,
    pub info: KeyInfo,
    pub private_key_path: Option<String>,
}

struct Preview {
    name: String,
    info: KeyInfo,
    from: String,
    private_key_path: Option<String>,
    include: bool,
    error: Option<String>,
}

pub struct ImportDialog {
    pub text: String,
    files: Vec<PathBuf>,
    pub account: Option<String>,
    pub region: String,
    previews: Vec<Preview>,
    problems: Vec<String>,
    parsed_text: Option<String>,
    pub dialog_unavailable: bool,
    pub typed_file: String,
}

/// Reads one input (pasted text or a file's bytes) into previews or problems.
fn read_input(bytes: &[u8], from: &str, path: Option<&PathBuf>, out: &mut Vec<Preview>, problems: &mut Vec<String>) {
    match parse_key(bytes) {
        Ok(k) => {
            let private_key_path = match (k.source, path) {
                (KeySource::PrivateKey { .. }, Some(p)) => {
                    Some(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string())
                }
                _ => None,
            };
            let stem = path.and_then(|p| p.file_stem()).map(|s| s.to_string_lossy().into_owned());
            let name = name_from_comment(&k.info.comment)
                .or_else(|| stem.as_deref().and_then(name_from_comment))
                .unwrap_or_else(|| "imported-key".into());
            out.push(Preview { name, info: k.info, from: from.into(), private_key_path, include: true, error: None });
        }
        Err(single) if single.to_string().contains("more than one key") => match parse_bulk(bytes) {
            Ok((entries, errors)) => {
                for e in entries {
                    let name = name_from_comment(&e.info.comment).unwrap_or_else(|| format!("key-{}", e.line));
                    let from = format!("{from}, line {}", e.line);
                    out.push(Preview { name, info: e.info, from, private_key_path: None, include: true, error: None });
                }
                problems.extend(errors.iter().map(|e| format!("{from}: {e}")));
            }
            Err(e) => problems.push(format!("{from}: {e}")),
        },
        Err(e) => problems.push(format!("{from}: {e}")),
    }
}

impl ImportDialog {
    pub fn new(files: Vec<PathBuf>) -> ImportDialog {
        let mut d = ImportDialog {
            text: String::new(),
            files: Vec::new(),
            account: None,
            region: String::new(),
            previews: Vec::new(),
            problems: Vec::new(),
            parsed_text: None,
            dialog_unavailable: false,
            typed_file: String::new(),
        };
        d.add_files(files);
        d
    }

    pub fn add_files(&mut self, files: Vec<PathBuf>) {
        for f in files {
            if self.files.contains(&f) {
                continue;
            }
            let from =
                f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| f.display().to_string());
            match std::fs::read(&f) {
                Ok(bytes) => read_input(&bytes, &from, Some(&f), &mut self.previews, &mut self.problems),
                Err(e) => self.problems.push(format!("{}: cannot read: {e}", f.display())),
            }
            self.files.push(f);
        }
        self.dedupe_names();
    }

    /// After a partial failure: keep only what failed, with the reason, for another try.
    pub fn keep_failed(&mut self, failed: Vec<(ImportItem, String)>) {
        let failed_names: Vec<(String, String)> = failed.into_iter().map(|(i, e)| (i.name, e)).collect();
        self.previews.retain(|p| p.include && failed_names.iter().any(|(n, _)| *n == p.name));
        for p in &mut self.previews {
            p.error = failed_names.iter().find(|(n, _)| *n == p.name).map(|(_, e)| e.clone());
        }
        self.text.clear();
        self.parsed_text = Some(String::new());
    }

    fn dedupe_names(&mut self) {
        let mut seen = std::collections::HashSet::new();
        for p in &mut self.previews {
            let base = p.name.clone();
            let mut n = 2;
            while !seen.insert(p.name.clone()) {
                p.name = format!("{base}-{n}");
                n += 1;
            }
        }
    }

    fn reparse_text(&mut self) {
        if self.parsed_text.as_deref() == Some(self.text.as_str()) {
            return;
        }
        self.previews.retain(|p| p.from != "pasted text" && !p.from.starts_with("pasted text,"));
        self.problems.retain(|p| !p.starts_with("pasted text"));
        if !self.text.trim().is_empty() {
            let bytes = self.text.clone().into_bytes();
            read_input(&bytes, "pasted text", None, &mut self.previews, &mut self.problems);
            self.dedupe_names();
        }
        self.parsed_text = Some(self.text.clone());
    }

    fn name_problem(&self, i: usize, model: &Model) -> Option<String> {
        let p = &self.previews[i];
        if let Err(e) = check_key_name(&p.name) {
            return Some(e);
        }
        if model.name_taken(&p.name, self.account.as_deref(), self.region.trim(), None) {
            return Some("this name is taken in this account and region".into());
        }
        if self.previews.iter().enumerate().any(|(j, q)| j != i && q.include && q.name == p.name) {
            return Some("two keys have this name".into());
        }
        None
    }

    /// Draws the dialog; returns true when it should close.
    pub fn show(&mut self, ctx: &egui::Context, model: &Model, cmds: &mut Vec<Command>) -> bool {
        self.reparse_text();
        let mut close = false;
        let modal = egui::Modal::new(egui::Id::unique("import-dialog")).show(ctx, |ui| {
            ui.set_width(680.0);
            ui.heading("Import public key");
            ui.weak("Paste a public key, choose .pub files, or drop files on the window. OpenSSH, RFC 4716 (PuTTY), PEM and authorized_keys files work; from a private key file only the public half is read.");
            ui.add_space(6.0);
            let l = ui.label("Public key text");
            ui.add(
                egui::TextEdit::multiline(&mut self.text)
                    .hint_text("ssh-ed25519 AAAA… you@laptop")
                    .font(egui::TextStyle::Monospace)
                    .desired_rows(4)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
            ui.horizontal(|ui| {
                if ui.button("Choose files…").clicked() {
                    cmds.push(Command::PickImportFiles);
                }
                if self.dialog_unavailable {
                    let l = ui.label("File path");
                    let r = ui.add(egui::TextEdit::singleline(&mut self.typed_file).desired_width(260.0)).labelled_by(l.id);
                    if ui.button("Add file").clicked() || super::widgets::submitted(ui, &r) {
                        let p = super::create::expand_home(self.typed_file.trim());
                        self.add_files(vec![p]);
                        self.typed_file.clear();
                    }
                }
            });
            if self.dialog_unavailable {
                warn_text(ui, "No file dialog is available on this system: type a file path instead.");
            }
            ui.add_space(6.0);
            egui::Grid::new("import-scope").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                account_row(ui, model, &mut self.account);
                super::widgets::grid_text(ui, "Region", &mut self.region, "optional");
            });
            ui.add_space(6.0);
            ui.separator();
            let mut valid = !self.previews.is_empty();
            if self.previews.is_empty() && self.problems.is_empty() {
                ui.weak("Nothing to import yet.");
            }
            let problems: Vec<Option<String>> = (0..self.previews.len()).map(|i| self.name_problem(i, model)).collect();
            egui::ScrollArea::vertical().max_height(260.0).show(ui, |ui| {
                for (i, p) in self.previews.iter_mut().enumerate() {
                    ui.horizontal(|ui| {
                        ui.checkbox(&mut p.include, "").on_hover_text("Import this key");
                        let l = ui.label("Name");
                        ui.add(egui::TextEdit::singleline(&mut p.name).desired_width(170.0)).labelled_by(l.id);
                        ui.label(RichText::new(p.info.type_label()).strong());
                        ui.label(RichText::new(shorten_fingerprint(&p.info.fingerprint_sha256)).monospace())
                            .on_hover_text(&p.info.fingerprint_sha256);
                        ui.weak(&p.from);
                    });
                    if p.info.weak {
                        warn_text(ui, &format!("{} is weak: replace it with an Ed25519 key when you can", p.info.type_label()));
                    }
                    if p.private_key_path.is_some() {
                        ui.weak("From a private key file: only the public half is stored; the file's location is remembered.");
                    }
                    if let Some(e) = &p.error {
                        error_text(ui, e);
                    }
                    if p.include {
                        if let Some(e) = &problems[i] {
                            error_text(ui, &format!("Name: {e}"));
                            valid = false;
                        }
                    }
                }
                for e in &self.problems {
                    error_text(ui, e);
                }
            });
            let count = self.previews.iter().filter(|p| p.include).count();
            valid &= count > 0;
            ui.separator();
            ui.horizontal(|ui| {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let label = if count <= 1 { "Import".to_string() } else { format!("Import {count} keys") };
                    if ui.add_enabled(valid, egui::Button::new(label)).clicked() {
                        let items = self
                            .previews
                            .iter()
                            .filter(|p| p.include)
                            .map(|p| ImportItem {
                                name: p.name.clone(),
                                account: self.account.clone(),
                                region: self.region.trim().to_string(),
                                info: p.info.clone(),
                                private_key_path: p.private_key_path.clone(),
                            })
                            .collect();
                        cmds.push(Command::ImportKeys(items));
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        });
        modal.should_close() || close
    }
}
