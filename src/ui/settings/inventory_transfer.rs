//! Export and import of the whole inventory, from Settings: the same document and merge
//! rules as `keyshelf export` and `keyshelf import-inventory`. Export builds the
//! document on the inventory's thread, then asks where on a job and writes it there
//! (atomically, mode 0600: it lists every host, user and key path). Import reads and
//! checks the file on a job, shows what merging it would change (planned on the
//! inventory's thread, again when "rename" is ticked), and merges it in one transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::RichText;

use crate::inventory::{apply_import, export_document, plan_import, scope_label, Document, ImportPlan};
use crate::ui::app::{JobResult, KeyshelfApp};
use crate::ui::command::Command;
use crate::ui::dialogs::Dialog;
use crate::ui::platform::Picked;
use crate::ui::widgets::{error_text, warn_text};

/// What the export and import jobs hand back.
pub(crate) enum TransferJob {
    /// Where the document went (or why not), and what it held.
    Exported { picked: Picked<(PathBuf, Result<(), String>)>, counts: String },
    /// The file chosen for import, read and checked.
    Read(Picked<(PathBuf, Result<Document, String>)>),
}

/// "3 key pairs", "1 host".
fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// "a, b and c".
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Where the save and open dialogs start: the documents folder, else home.
fn start_folder() -> Option<PathBuf> {
    let docs = directories::UserDirs::new().and_then(|u| u.document_dir().map(Path::to_path_buf));
    docs.or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
}

/// Reads and checks a document (the words the CLI uses for one it refuses).
fn read_document(path: &Path) -> Result<Document, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("Cannot read {}: {e}", path.display()))?;
    Document::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The import preview: the file, what merging it would change, the conflicts.
pub struct InventoryImportDialog {
    path: PathBuf,
    doc: Option<Result<Arc<Document>, String>>,
    /// Import a clashing key pair under a new name.
    pub rename: bool,
    planning: bool,
    plan: Option<Result<ImportPlan, String>>,
    /// The plan's renames and conflicts in words, made once per plan.
    renamed: Vec<String>,
    conflicts: Vec<String>,
    importing: bool,
    error: Option<String>,
}

impl InventoryImportDialog {
    fn new(path: PathBuf, doc: Result<Document, String>) -> InventoryImportDialog {
        InventoryImportDialog {
            path,
            doc: Some(doc.map(Arc::new)),
            rename: false,
            planning: false,
            plan: None,
            renamed: Vec::new(),
            conflicts: Vec::new(),
            importing: false,
            error: None,
        }
    }

    /// The document to plan with and the rename choice, marking the dialog busy.
    fn start_plan(&mut self) -> Option<(Arc<Document>, bool)> {
        let Some(Ok(doc)) = &self.doc else { return None };
        self.planning = true;
        Some((doc.clone(), self.rename))
    }

    /// A plan landed; one made for a rename choice since changed is dropped.
    fn planned(&mut self, rename: bool, plan: Result<ImportPlan, String>) {
        if rename != self.rename {
            return;
        }
        self.planning = false;
        let (renamed, conflicts) = match &plan {
            Ok(p) => (&p.renamed[..], &p.conflicts[..]),
            Err(_) => (&[][..], &[][..]),
        };
        self.renamed = renamed
            .iter()
            .map(|r| {
                format!("'{}' ({}) is imported as '{}'", r.from, scope_label(r.account.as_deref(), &r.region), r.to)
            })
            .collect();
        // The core speaks of the CLI's flag; here it is the checkbox.
        self.conflicts = conflicts
            .iter()
            .map(|c| c.replace("renaming clashing key pairs gives", "ticking \"Rename clashing key pairs\" gives"))
            .collect();
        self.plan = Some(plan);
    }

    /// A job died: stop waiting and say so.
    pub fn failed(&mut self, msg: String) {
        self.planning = false;
        self.importing = false;
        self.error = Some(msg);
    }

    fn can_import(&self) -> bool {
        let ready = matches!(&self.plan, Some(Ok(p)) if !p.has_conflicts() && !p.changes_nothing());
        ready && !self.planning && !self.importing
    }

    /// Draws the dialog; returns true when it should close.
    pub fn show(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) -> bool {
        let mut close = false;
        let modal = crate::ui::widgets::modal("inventory-import-dialog").show(ctx, |ui| {
            ui.set_width(620.0);
            ui.heading("Import an inventory");
            ui.label(RichText::new(self.path.display().to_string()).monospace());
            ui.add_space(6.0);
            match &self.doc {
                None => {}
                Some(Err(e)) => error_text(ui, e),
                Some(Ok(doc)) => {
                    ui.weak(format!(
                        "Exported {} (UTC), format version {}. Merged into this inventory: what it already has stays \
                         as it is, nothing is removed.",
                        crate::ui::model::short_time(doc.exported_at),
                        doc.version
                    ));
                    ui.add_space(6.0);
                    self.preview(ui, cmds);
                }
            }
            if let Some(e) = &self.error {
                error_text(ui, e);
            }
            ui.add_space(6.0);
            ui.separator();
            // A row of its own height: the dialog shrinks when the preview does.
            let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
            ui.allocate_ui_with_layout(row, egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.add_enabled(self.can_import(), egui::Button::new("Import")).clicked() {
                    self.importing = true;
                    self.error = None;
                    cmds.push(Command::ApplyInventoryImport);
                }
                if ui.add_enabled(!self.importing, egui::Button::new("Cancel")).clicked() {
                    close = true;
                }
                if self.importing || self.planning {
                    ui.spinner();
                    ui.label(if self.importing { "Importing…" } else { "Comparing with the inventory…" });
                }
            });
        });
        (modal.should_close() && !self.importing) || close
    }

    fn preview(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        match &self.plan {
            None => {}
            Some(Err(e)) => error_text(ui, &format!("The document cannot be compared with the inventory: {e}")),
            Some(Ok(p)) => {
                // Key pairs and hosts always; the rest when there are any.
                let rows = [
                    (p.key_pairs_added.len(), "key pair", "key pairs", Some(p.key_pairs_present.len())),
                    (p.hosts_added.len(), "host", "hosts", Some(p.hosts_present.len())),
                    (p.accounts_added.len(), "account", "accounts", None),
                    (p.bindings_added.len(), "binding", "bindings", None),
                    (p.activity_added, "activity entry", "activity entries", None),
                ];
                for (added, one, many, present) in rows {
                    let added_text = count(added, one, many);
                    match present {
                        Some(0) => ui.label(format!("• {added_text} to add")),
                        Some(n) => ui.label(format!("• {added_text} to add ({n} already here)")),
                        None if added > 0 => ui.label(format!("• {added_text} to add")),
                        None => continue,
                    };
                }
                if p.changes_nothing() && !p.has_conflicts() {
                    ui.add_space(4.0);
                    ui.label("Everything in this document is in the inventory already: importing changes nothing.");
                }
                if !self.renamed.is_empty() {
                    ui.add_space(6.0);
                    ui.label(format!("{}, since the name is taken:", count(self.renamed.len(), "rename", "renames")));
                    lines(ui, "inventory-import-renamed", &self.renamed, false);
                }
                if p.has_conflicts() {
                    ui.add_space(6.0);
                    warn_text(
                        ui,
                        &format!(
                            "{} with the inventory: nothing is imported until they are resolved.",
                            count(p.conflicts.len(), "conflict", "conflicts")
                        ),
                    );
                    lines(ui, "inventory-import-conflicts", &self.conflicts, true);
                }
            }
        }
        ui.add_space(6.0);
        let tick = egui::Checkbox::new(&mut self.rename, "Rename clashing key pairs");
        let r = ui.add_enabled(!self.importing, tick).on_hover_text(
            "A key pair whose name another key already has (same account and region) is imported under a new \
             name instead of being a conflict",
        );
        if r.changed() {
            cmds.push(Command::PlanInventoryImport);
        }
    }
}

/// How many renames or conflicts the preview lists; the rest are counted.
const LISTED: usize = 200;

/// A scrolled list of messages, wrapped; a document that clashes a lot lists the first
/// [`LISTED`] and says how many more.
fn lines(ui: &mut egui::Ui, id: &str, items: &[String], error: bool) {
    egui::ScrollArea::vertical().id_salt(id).max_height(160.0).auto_shrink([false, true]).show(ui, |ui| {
        for text in items.iter().take(LISTED) {
            let text = if error { RichText::new(text).color(ui.visuals().error_fg_color) } else { text.into() };
            ui.add(egui::Label::new(text).wrap());
        }
        if items.len() > LISTED {
            ui.weak(format!("… and {} more", items.len() - LISTED));
        }
    });
}

impl KeyshelfApp {
    /// Builds the document on the inventory's thread, then asks where and writes it on a
    /// job. The native dialog asks before replacing a file, so the write may replace one.
    pub(crate) fn export_inventory(&mut self, ctx: &egui::Context) {
        let ctx = ctx.clone();
        self.info("Exporting the inventory…");
        self.db_run(move |inv| {
            let doc = export_document(inv).map_err(|e| e.to_string()).and_then(|d| {
                let text = d.to_json().map_err(|e| e.to_string())?;
                let counts = and_list(&[
                    count(d.accounts.len(), "account", "accounts"),
                    count(d.key_pairs.len(), "key pair", "key pairs"),
                    count(d.hosts.len(), "host", "hosts"),
                    count(d.bindings.len(), "binding", "bindings"),
                ]);
                let date = crate::inventory::format_date(time::OffsetDateTime::now_utc().date());
                Ok((text, counts, format!("keyshelf-inventory-{date}.json")))
            });
            Box::new(move |app: &mut KeyshelfApp| {
                let (text, counts, name) = match doc {
                    Ok(d) => d,
                    Err(e) => return app.error(format!("The inventory could not be exported: {e}")),
                };
                let p = app.platform.clone();
                app.jobs.spawn(&ctx, move || {
                    let picked = match p.save_file("Export inventory", start_folder().as_deref(), &name) {
                        Picked::Chosen(path) => {
                            let written = crate::secure_file::write_secret(&path, text.as_bytes(), true);
                            Picked::Chosen((path, written.map_err(|e| e.to_string())))
                        }
                        Picked::Cancelled => Picked::Cancelled,
                        Picked::Unavailable => Picked::Unavailable,
                    };
                    JobResult::Transfer(TransferJob::Exported { picked, counts })
                });
            })
        });
    }

    /// Asks for a document and reads it, on a job.
    pub(crate) fn pick_inventory_import(&mut self, ctx: &egui::Context) {
        let p = self.platform.clone();
        self.jobs.spawn(ctx, move || {
            let picked = match p.open_files("Import inventory", start_folder().as_deref()) {
                Picked::Chosen(paths) => match paths.into_iter().next() {
                    Some(path) => {
                        let doc = read_document(&path);
                        Picked::Chosen((path, doc))
                    }
                    None => Picked::Cancelled,
                },
                Picked::Cancelled => Picked::Cancelled,
                Picked::Unavailable => Picked::Unavailable,
            };
            JobResult::Transfer(TransferJob::Read(picked))
        });
    }

    pub(crate) fn on_transfer_job(&mut self, r: TransferJob) {
        match r {
            TransferJob::Exported { picked, counts } => match picked {
                Picked::Chosen((path, Ok(()))) => self.info(format!("Exported {counts} to {}", path.display())),
                Picked::Chosen((_, Err(e))) => self.error(format!("The inventory was not exported: {e}")),
                Picked::Cancelled => self.info("Export cancelled"),
                Picked::Unavailable => {
                    self.error("No file dialog is available here: the command line's export writes the same document")
                }
            },
            TransferJob::Read(picked) => match picked {
                Picked::Chosen((path, doc)) => {
                    self.dialog = Some(Dialog::InventoryImport(InventoryImportDialog::new(path, doc)));
                    self.plan_inventory_import();
                }
                Picked::Cancelled => {}
                Picked::Unavailable => self.error(
                    "No file dialog is available here: the command line's import-inventory reads the same document",
                ),
            },
        }
    }

    /// Compares the open preview's document with the inventory, on its thread.
    pub(crate) fn plan_inventory_import(&mut self) {
        let Some(Dialog::InventoryImport(d)) = &mut self.dialog else { return };
        let Some((doc, rename)) = d.start_plan() else { return };
        self.db_run(move |inv| {
            let plan = plan_import(inv, &doc, rename).map_err(|e| e.to_string());
            Box::new(move |app: &mut KeyshelfApp| {
                if let Some(Dialog::InventoryImport(d)) = &mut app.dialog {
                    d.planned(rename, plan);
                }
            })
        });
    }

    /// Merges the previewed document in one transaction; the model is read again after.
    pub(crate) fn apply_inventory_import(&mut self) {
        let Some(Dialog::InventoryImport(d)) = &mut self.dialog else { return };
        let (Some(Ok(doc)), rename) = (&d.doc, d.rename) else { return };
        let (doc, source) = (doc.clone(), d.path.display().to_string());
        d.importing = true;
        self.write_all(
            move |inv| apply_import(inv, &doc, rename),
            move |app, r| match r {
                Ok(s) => {
                    app.dialog = None;
                    let mut parts = vec![count(s.key_pairs_added, "key pair", "key pairs")];
                    if s.accounts_added > 0 {
                        parts.push(count(s.accounts_added, "account", "accounts"));
                    }
                    parts.push(count(s.hosts_added, "host", "hosts"));
                    parts.push(count(s.bindings_added, "binding", "bindings"));
                    let renamed = match s.renamed.len() {
                        0 => String::new(),
                        n => format!(" ({} renamed)", count(n, "key pair", "key pairs")),
                    };
                    app.info(format!("Imported {}{renamed} from {source}", and_list(&parts)));
                }
                Err(e) => {
                    if let Some(Dialog::InventoryImport(d)) = &mut app.dialog {
                        d.importing = false;
                        d.error = Some(format!("Nothing was imported: {e}"));
                    }
                    // The inventory may have changed since the preview: show what holds now.
                    app.plan_inventory_import();
                }
            },
        );
    }
}
