//! "Convert…" (PuTTYgen's main use): write a copy of a key pair's private key file in
//! another format (OpenSSH, PKCS#8, PKCS#1, PuTTY PPK), optionally with a new
//! passphrase. The original is only read. The work runs on a job: a PPK passphrase goes
//! through Argon2, which takes a moment.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::inventory::KeyPair;
use crate::keys::PrivateFormat;
use crate::ui::command::Command;
use crate::ui::widgets::{error_text, grid_password, grid_text, submitted, warn_text};

/// What the user asked for.
#[derive(Clone)]
pub struct ConvertRequest {
    pub source: PathBuf,
    pub fingerprint: String,
    pub comment: String,
    pub format: PrivateFormat,
    pub passphrase: Option<Zeroizing<String>>,
    pub new_passphrase: Option<Zeroizing<String>>,
    pub out: PathBuf,
}

impl std::fmt::Debug for ConvertRequest {
    /// Never the passphrases.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvertRequest").field("source", &self.source).field("out", &self.out).finish()
    }
}

/// Runs a conversion (on a job).
pub fn convert(req: &ConvertRequest) -> Result<String, String> {
    let c = crate::keys::Conversion {
        source: &req.source,
        passphrase: req.passphrase.as_deref().map(String::as_str),
        fingerprint: &req.fingerprint,
        comment: &req.comment,
        format: req.format,
        new_passphrase: req.new_passphrase.as_deref().map(String::as_str),
        out: &req.out,
    };
    c.run()
        .map(|done| format!("Wrote {} ({}, from {})", req.out.display(), req.format.label(), done.from_format))
        .map_err(|e| e.to_string())
}

pub struct ConvertDialog {
    name: String,
    source: PathBuf,
    fingerprint: String,
    comment: String,
    format: PrivateFormat,
    passphrase: String,
    new1: String,
    new2: String,
    out: String,
    pub running: bool,
    pub result: Option<Result<String, String>>,
}

fn suggested_out(source: &Path, name: &str, format: PrivateFormat) -> String {
    let dir = source.parent().unwrap_or(Path::new("."));
    let file = match format {
        PrivateFormat::OpenSsh => format!("{name}-openssh"),
        f => format!("{name}.{}", f.extension()),
    };
    dir.join(file).display().to_string()
}

impl ConvertDialog {
    pub fn new(k: &KeyPair) -> Option<ConvertDialog> {
        let source = PathBuf::from(k.private_key_path.as_ref()?);
        let format = PrivateFormat::Ppk;
        Some(ConvertDialog {
            out: suggested_out(&source, &k.name, format),
            name: k.name.clone(),
            source,
            fingerprint: k.fingerprint_sha256.clone(),
            comment: k.comment.clone(),
            format,
            passphrase: String::new(),
            new1: String::new(),
            new2: String::new(),
            running: false,
            result: None,
        })
    }

    /// The fields' texts wiped (the passphrases).
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        self.passphrase.zeroize();
        self.new1.zeroize();
        self.new2.zeroize();
    }

    fn request(&self) -> Result<ConvertRequest, String> {
        let secret = |s: &str| (!s.is_empty()).then(|| Zeroizing::new(s.to_string()));
        if self.new1 != self.new2 {
            return Err("The two new passphrases differ".into());
        }
        if !self.new1.is_empty() && !self.format.takes_passphrase() {
            return Err(format!("{} files cannot hold a passphrase: choose OpenSSH or PPK", self.format.label()));
        }
        if self.out.trim().is_empty() {
            return Err("Say where to write the copy".into());
        }
        Ok(ConvertRequest {
            source: self.source.clone(),
            fingerprint: self.fingerprint.clone(),
            comment: self.comment.clone(),
            format: self.format,
            passphrase: secret(&self.passphrase),
            new_passphrase: secret(&self.new1),
            out: crate::paths::expand_home(self.out.trim()),
        })
    }

    /// Draws the dialog; returns true when it should close.
    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let modal = crate::ui::widgets::modal("convert-dialog").show(ctx, |ui| {
            ui.set_width(600.0);
            ui.heading(format!("Convert the private key of {}", self.name));
            ui.label(format!("Writes a copy of {}; the original is only read.", self.source.display()));
            ui.add_space(6.0);
            let mut submit = false;
            egui::Grid::new("convert-form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                let l = ui.label("Format");
                let before = self.format;
                egui::ComboBox::from_id_salt("convert-format")
                    .selected_text(self.format.label())
                    .show_ui(ui, |ui| {
                        for f in PrivateFormat::ALL {
                            ui.selectable_value(&mut self.format, f, f.label());
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                if self.format != before {
                    self.out = suggested_out(&self.source, &self.name, self.format);
                }
                grid_password(ui, "Current passphrase", &mut self.passphrase);
                if self.format.takes_passphrase() {
                    grid_password(ui, "New passphrase", &mut self.new1);
                    grid_password(ui, "Repeat new passphrase", &mut self.new2);
                }
                let r = grid_text(ui, "Save to", &mut self.out, "a new file");
                submit |= submitted(ui, &r);
            });
            ui.weak("Current passphrase: only if the file has one. New passphrase: leave empty for none.");
            if self.format == PrivateFormat::Ppk {
                warn_text(ui, "ssh cannot read .ppk files: keep the original for ssh, the agent and deploys.");
            }
            let req = self.request();
            match (&req, &self.result) {
                (_, Some(Ok(done))) => {
                    ui.colored_label(crate::ui::remote::remote_view::status_color(ui, "ok"), done);
                }
                (_, Some(Err(e))) => error_text(ui, e),
                (Err(e), None) if !self.new1.is_empty() || !self.new2.is_empty() => error_text(ui, e),
                _ => {}
            }
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let done = matches!(self.result, Some(Ok(_)));
                if !done {
                    let go = ui.add_enabled(req.is_ok() && !self.running, egui::Button::new("Convert"));
                    if go.clicked() || (submit && req.is_ok() && !self.running) {
                        if let Ok(r) = req {
                            self.running = true;
                            self.result = None;
                            cmds.push(Command::ConvertKey(Box::new(r)));
                        }
                    }
                }
                if ui.add_enabled(!self.running, egui::Button::new(if done { "Close" } else { "Cancel" })).clicked() {
                    close = true;
                }
                if self.running {
                    ui.spinner();
                    ui.label("Converting…");
                }
            });
        });
        (modal.should_close() && !self.running) || close
    }
}
