//! What each CLI command does, in terms of the core.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use zeroize::Zeroizing;

use super::output::{key_text, rfc3339, table, AccountJson, ActivityJson, HostJson, KeyJson};
use super::{AccountCommand, Command, ConvertArgs, CreateArgs, HostCommand, ImportArgs, KeyCommand, ScopeArgs};
use crate::inventory::{
    days_from, parse_date, parse_days, parse_tag, type_warning, Inventory, InventoryError, KeyEdit, KeyFilter, NewHost,
    NewKeyPair, Origin, Provider, Scope,
};
use crate::keys::{self, GeneratedKey, KeyError, KeyKind, KeySpec, PrivateFormat, PublicFormat};

/// Any failure of a CLI command; printed as one line on stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Agent(#[from] crate::local::agent::AgentError),
    #[error(transparent)]
    Cloud(#[from] crate::cloud::CloudError),
    #[error(transparent)]
    Connect(#[from] crate::local::connect::ConnectError),
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
    /// Some hosts failed; the per-host results were printed.
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    File(#[from] crate::secure_file::SecureFileError),
    #[error("{}{}", .0, inventory_hint(.0))]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    KnownHosts(#[from] crate::known_hosts::KnownHostsError),
    #[error(transparent)]
    Scan(#[from] crate::local::ssh_dir::ScanError),
    #[error(transparent)]
    SshConfig(#[from] crate::local::ssh_config::SshConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
    #[error("cannot install the launcher under {}: {source}", dir.display())]
    Install { dir: PathBuf, source: io::Error },
}

pub(super) type Result<T> = std::result::Result<T, CliError>;

/// What the command line adds to an inventory error: its own way out (the core's
/// message speaks of no flag, as the app shows it too).
fn inventory_hint(e: &InventoryError) -> &'static str {
    match e {
        InventoryError::NotADatabase { .. } | InventoryError::ReadOnly { .. } => " (--db PATH opens another)",
        _ => "",
    }
}

pub(super) fn open(db: Option<PathBuf>) -> Result<Inventory> {
    let path = db.or_else(crate::inventory::default_path).ok_or_else(|| {
        CliError::Usage("cannot find a data folder for the inventory; pass --db PATH or set KEYSHELF_DB".into())
    })?;
    Ok(Inventory::open(&path)?)
}

pub(super) fn scope(s: &ScopeArgs) -> Scope {
    Scope { account: s.account.clone(), region: s.region.clone() }
}

fn tags(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter().map(|t| parse_tag(t).map_err(|e| CliError::Usage(format!("--tag {t}: {e}")))).collect()
}

pub(super) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| CliError::Read { path: path.to_path_buf(), source })
}

/// Output goes through a buffer: the JSON serializer writes a few bytes at a time, and
/// standard output would make each line a system call.
pub(super) fn buffered(out: &mut dyn Write) -> io::BufWriter<&mut dyn Write> {
    io::BufWriter::with_capacity(64 * 1024, out)
}

/// Prints `v` as indented JSON and a newline.
pub(super) fn print_json(out: &mut dyn Write, v: &(impl Serialize + ?Sized)) -> Result<()> {
    let mut w = buffered(out);
    serde_json::to_writer_pretty(&mut w, v).map_err(io::Error::from)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}

/// `key list --json`: the array is written as the key pairs are read, so 100,000 of
/// them are never all in memory, as records or as JSON.
fn print_keys_json(inv: &Inventory, filter: &KeyFilter, out: &mut dyn Write) -> Result<()> {
    let mut w = buffered(out);
    let mut json = serde_json::Serializer::pretty(&mut w);
    let mut array = json.serialize_seq(None).map_err(io::Error::from)?;
    inv.for_each_key(filter, |k| {
        array.serialize_element(&KeyJson::new(&k, None)).map_err(|e| CliError::Output(e.into()))
    })?;
    array.end().map_err(io::Error::from)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}

/// Runs one parsed command against the inventory at `db`, then brings the managed ssh
/// config up to date if the command changed what it is made of (the inventory marks
/// that itself, whatever the command): the one place the CLI does it.
pub fn run_command(db: Option<PathBuf>, command: Command, input: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    // A report and generated text: no managed ssh config refresh after them (doctor
    // reports on the config as it finds it).
    if matches!(command, Command::Doctor { .. } | Command::Completions(_) | Command::Man(_)) {
        return run(db, command, input, out);
    }
    let path = db.clone().or_else(crate::inventory::default_path);
    let result = run(db, command, input, out);
    if let Some(path) = path.filter(|p| p.exists()) {
        let refreshed = Inventory::open(&path)
            .map_err(|e| e.to_string())
            .and_then(|mut inv| crate::local::ssh_config::refresh_if_stale(&mut inv).map_err(|e| e.to_string()));
        if let Err(e) = refreshed {
            let _ = writeln!(io::stderr(), "keyshelf: warning: the managed ssh config was not updated: {e}");
        }
    }
    result
}

fn run(db: Option<PathBuf>, command: Command, input: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    match command {
        Command::Account(c) => account(open(db)?, c, out),
        Command::Cloud(c) => super::cloud::run(&mut open(db)?, c, out),
        Command::Key(c) => key(db, c, input, out),
        Command::Host(c) => host(&mut open(db)?, c, out),
        Command::SshConfig(c) => super::ssh_config::run(&mut open(db)?, c, out),
        Command::KnownHosts(c) => Ok(super::known_hosts::run(c, out)?),
        Command::Scan(a) => super::scan::run(&mut open(db)?, a, out),
        Command::Agent(c) => super::agent::agent(open(db)?, c, out),
        Command::Export(a) => super::inventory_file::export(&open(db)?, a, out),
        Command::ImportInventory(a) => super::inventory_file::import(&mut open(db)?, a, input, out),
        Command::Connect(a) => super::agent::connect(open(db)?, a, out),
        Command::Desktop(super::DesktopCommand::Install) => {
            let home =
                crate::desktop::data_home().ok_or_else(|| CliError::Usage("cannot find your home folder".into()))?;
            let exe = std::env::current_exe()
                .map_err(|e| CliError::Usage(format!("cannot find where this keyshelf binary is: {e}")))?;
            let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
            let files = crate::desktop::install(&home, &exe)
                .map_err(|source| CliError::Install { dir: home.clone(), source })?;
            writeln!(out, "Installed the Keyshelf launcher ({} files under {}).", files.len(), home.display())?;
            writeln!(out, "It runs {}; run this again if you move the binary.", exe.display())?;
            Ok(())
        }
        Command::Report { json } => super::report::run(&open(db)?, json, out),
        Command::Doctor { json } => super::doctor::run(db, json, out),
        Command::Completions(a) => super::install::completions(a, out),
        Command::Man(a) => super::install::man(a, out),
        Command::Activity { filter, limit, json } => {
            let inv = open(db)?;
            let log = inv.activity(limit, filter.as_deref())?;
            if json {
                return print_json(out, &log.iter().map(ActivityJson::from).collect::<Vec<_>>());
            }
            let rows: Vec<Vec<String>> = log
                .iter()
                .map(|a| vec![rfc3339(a.at), a.action.clone(), a.subject.clone(), a.detail.clone()])
                .collect();
            write!(out, "{}", table(&["WHEN", "ACTION", "SUBJECT", "DETAIL"], &rows))?;
            Ok(())
        }
    }
}

fn account(mut inv: Inventory, c: AccountCommand, out: &mut dyn Write) -> Result<()> {
    match c {
        AccountCommand::Add { name, provider, note, cloud } => {
            let p = Provider::parse(&provider).ok_or_else(|| {
                let all: Vec<&str> = Provider::ALL.iter().map(|p| p.slug()).collect();
                CliError::Usage(format!("unknown provider '{provider}': use one of {}", all.join(", ")))
            })?;
            let mut a = inv.add_account(&name, p, &note)?;
            if cloud.any() {
                a = inv.set_account_cloud(
                    &name,
                    cloud.profile.as_deref(),
                    cloud.region.as_deref(),
                    cloud.endpoint.as_deref(),
                )?;
            }
            writeln!(out, "Added account {} ({})", a.name, a.provider)?;
        }
        AccountCommand::Edit { name, new_name, note, cloud } => {
            let mut a = inv.account(&name)?;
            if new_name.is_some() || note.is_some() {
                let n = new_name.unwrap_or_else(|| a.name.clone());
                a = inv.update_account(&name, &n, a.provider, note.as_deref().unwrap_or(&a.note))?;
            }
            if cloud.any() {
                a = inv.set_account_cloud(
                    &a.name,
                    cloud.profile.as_deref(),
                    cloud.region.as_deref(),
                    cloud.endpoint.as_deref(),
                )?;
            }
            writeln!(out, "Saved account {}", a.name)?;
        }
        AccountCommand::List { json } => {
            let accounts = inv.accounts()?;
            if json {
                return print_json(out, &accounts.iter().map(AccountJson::from).collect::<Vec<_>>());
            }
            let rows: Vec<Vec<String>> = accounts
                .iter()
                .map(|a| vec![a.name.clone(), a.provider.display_name().into(), a.note.clone()])
                .collect();
            write!(out, "{}", table(&["NAME", "PROVIDER", "NOTE"], &rows))?;
        }
        AccountCommand::Rm { name } => {
            inv.remove_account(&name)?;
            writeln!(out, "Removed account {name}")?;
        }
    }
    Ok(())
}

fn host(inv: &mut Inventory, c: HostCommand, out: &mut dyn Write) -> Result<()> {
    match c {
        HostCommand::Add { name, addresses, port, user, account, region, authorized_keys } => {
            let h = inv.add_host(&NewHost { name, addresses, port, user, account, region, authorized_keys })?;
            writeln!(out, "Added host {} ({})", h.name, h.addresses.join(", "))?;
        }
        HostCommand::Edit { name, new_name, addresses, port, user, account, region, authorized_keys } => {
            let h = inv.host(&name)?;
            let new = NewHost {
                name: new_name.unwrap_or_else(|| h.name.clone()),
                addresses: if addresses.is_empty() { h.addresses.clone() } else { addresses },
                port: port.unwrap_or(h.port),
                user: user.unwrap_or_else(|| h.user.clone()),
                // An empty --account takes the host out of its account.
                account: match account {
                    Some(a) if a.is_empty() => None,
                    Some(a) => Some(a),
                    None => h.account.clone(),
                },
                region: region.unwrap_or_else(|| h.region.clone()),
                authorized_keys: authorized_keys.unwrap_or_else(|| h.authorized_keys.clone()),
            };
            let h = inv.update_host(&name, &new)?;
            writeln!(out, "Saved host {} ({}, authorized_keys {})", h.name, h.addresses.join(", "), h.authorized_keys)?;
        }
        HostCommand::Check { hosts, remote } => return super::remote::check(inv, &hosts, &remote, out),
        HostCommand::Audit { host, import, remote } => return super::remote::audit(inv, &host, import, &remote, out),
        HostCommand::ImportSshConfig { file, json } => return super::ssh_config::import(inv, file, json, out),
        HostCommand::ResetKey { host, key, scope: s, remote } => {
            let k = inv.resolve_key(&key, &scope(&s))?;
            return super::remote::reset_key(inv, &host, &k, &remote, out);
        }
        HostCommand::List { json } => {
            let hosts = inv.hosts()?;
            if json {
                return print_json(out, &hosts.iter().map(HostJson::from).collect::<Vec<_>>());
            }
            let rows: Vec<Vec<String>> = hosts
                .iter()
                .map(|h| {
                    vec![
                        h.name.clone(),
                        h.addresses.join(","),
                        h.port.to_string(),
                        h.user.clone(),
                        crate::inventory::scope_label(h.account.as_deref(), &h.region),
                        if h.keys.is_empty() {
                            "-".into()
                        } else {
                            h.keys.iter().map(|k| k.1.as_str()).collect::<Vec<_>>().join(",")
                        },
                        h.last_check.as_ref().map(|c| c.status.clone()).unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            write!(
                out,
                "{}",
                table(&["NAME", "ADDRESSES", "PORT", "USER", "ACCOUNT", "KEY PAIRS", "LAST CHECK"], &rows)
            )?;
        }
        HostCommand::Rm { name } => {
            let h = inv.remove_host(&name)?;
            writeln!(out, "Removed host {name}")?;
            known_hosts_hint(out, &h.known_hosts_names())?;
        }
    }
    Ok(())
}

pub(super) fn known_hosts_hint(out: &mut dyn Write, names: &[String]) -> Result<()> {
    if !names.is_empty() {
        writeln!(
            out,
            "To forget its host keys as well: keyshelf known-hosts remove {}",
            names.iter().map(|n| shell_word(n)).collect::<Vec<_>>().join(" ")
        )?;
    }
    Ok(())
}

pub(super) use crate::paths::shell_word;

fn key(db: Option<PathBuf>, c: KeyCommand, input: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    match c {
        KeyCommand::Create(a) => create(open(db)?, a, out),
        KeyCommand::Import(a) => import(open(db)?, a, input, out),
        KeyCommand::Convert(a) => convert(open(db)?, a, out),
        KeyCommand::List { scope: s, search, json } => {
            let inv = open(db)?;
            let filter = KeyFilter { account: s.account, region: s.region, search };
            if json {
                return print_keys_json(&inv, &filter, out);
            }
            let keys = inv.list_keys(&filter)?;
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    vec![
                        k.id.to_string(),
                        k.name.clone(),
                        k.type_label(),
                        k.fingerprint_sha256.clone(),
                        k.scope_label(),
                        if k.hosts.is_empty() { "-".into() } else { k.hosts.join(",") },
                        rfc3339(k.created_at),
                    ]
                })
                .collect();
            write!(out, "{}", table(&["ID", "NAME", "TYPE", "FINGERPRINT", "ACCOUNT", "HOSTS", "CREATED"], &rows))?;
            Ok(())
        }
        KeyCommand::Show { key, scope: s, json } => {
            let inv = open(db)?;
            let k = inv.resolve_key(&key, &scope(&s))?;
            let also = inv.also_in(&k)?;
            let cloud = inv.cloud_links_of_key(k.id)?;
            if json {
                return print_json(out, &KeyJson::new(&k, Some(&also)).with_cloud(&cloud));
            }
            write!(out, "{}", key_text(&k, &also, &cloud))?;
            Ok(())
        }
        KeyCommand::Edit {
            key,
            scope: s,
            name,
            description,
            tags: t,
            untags,
            owner,
            rotate_by,
            rotate_in,
            no_rotate_by,
            to_account,
            to_region,
        } => {
            let mut inv = open(db)?;
            let k = inv.resolve_key(&key, &scope(&s))?;
            let rotate_by = rotate_by_arg(&inv, rotate_by, rotate_in, no_rotate_by)?;
            let move_to = (to_account.is_some() || to_region.is_some()).then(|| {
                let account = match to_account {
                    Some(a) => Some(a).filter(|a| !a.trim().is_empty()),
                    None => k.account.clone(),
                };
                (account, to_region.unwrap_or_else(|| k.region.clone()))
            });
            let edit =
                KeyEdit { name, description, set_tags: tags(&t)?, remove_tags: untags, owner, rotate_by, move_to };
            let k = inv.edit_key(k.id, &edit)?;
            writeln!(out, "Updated key pair {}", k.name)?;
            Ok(())
        }
        KeyCommand::Rm { keys, scope: s, unbind, keep_in_cloud } => {
            let mut inv = open(db)?;
            let sc = scope(&s);
            let mut ids = Vec::new();
            for q in &keys {
                let id = inv.resolve_key(q, &sc)?.id;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            let deleted = inv.delete_keys(&ids, crate::inventory::DeleteHow { unbind, keep_in_cloud }).map_err(|e| {
                match e {
                    InventoryError::KeyInCloud { name, places } => CliError::Usage(format!(
                        "key pair '{name}' is still in the cloud: {}. Delete it there first (keyshelf cloud delete {name} --account ACCOUNT --region REGION), or pass --keep-in-cloud to delete it here only",
                        places.join(", ")
                    )),
                    e => e.into(),
                }
            })?;
            for d in deleted {
                writeln!(out, "Deleted key pair {}", d.name)?;
                if let Some(p) = &d.private_key_path {
                    if Path::new(p).exists() {
                        writeln!(
                            out,
                            "  Its private key file is still at {p}; delete it yourself if you no longer need it."
                        )?;
                    }
                }
                if !d.unbound_hosts.is_empty() {
                    writeln!(out, "  Unbound from {}.", d.unbound_hosts.join(", "))?;
                }
            }
            Ok(())
        }
        KeyCommand::Export { key, scope: s, format, out: file, force } => {
            let inv = open(db)?;
            let k = inv.resolve_key(&key, &scope(&s))?;
            let public = ssh_key::PublicKey::from_openssh(&k.public_key)
                .map_err(|e| CliError::Usage(format!("the stored public key of '{}' is unreadable: {e}", k.name)))?;
            let text = keys::export_public(&public, PublicFormat::parse(&format)?)?;
            match file {
                None => write!(out, "{text}")?,
                Some(f) => {
                    write_public(&f, &text, force)?;
                    writeln!(out, "Saved the public key of {} to {}", k.name, f.display())?;
                }
            }
            Ok(())
        }
        KeyCommand::Bind { key, hosts, scope: s } => {
            let mut inv = open(db)?;
            let k = inv.resolve_key(&key, &scope(&s))?;
            let added = inv.bind(k.id, &hosts)?;
            writeln!(out, "Bound {} to {}", k.name, hosts.join(", "))?;
            if added.len() < hosts.len() {
                let already: Vec<&String> = hosts.iter().filter(|h| !added.contains(h)).collect();
                writeln!(
                    out,
                    "  (already bound to {})",
                    already.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")
                )?;
            }
            writeln!(out, "  This changes the inventory only; `keyshelf key deploy` puts the key on the servers.")?;
            Ok(())
        }
        KeyCommand::Deploy(on) => {
            let mut inv = open(db)?;
            let k = inv.resolve_key(&on.key, &scope(&on.scope))?;
            super::remote::deploy(&mut inv, &k, &on.hosts, &on.remote, out)
        }
        KeyCommand::Undeploy { on, force } => {
            let mut inv = open(db)?;
            let k = inv.resolve_key(&on.key, &scope(&on.scope))?;
            super::remote::undeploy(&mut inv, &k, &on.hosts, force, &on.remote, out)
        }
        KeyCommand::Rotate { old, to, scope: s, remote, delete_old } => {
            let mut inv = open(db)?;
            let old = inv.resolve_key(&old, &scope(&s))?;
            let new = inv.resolve_key(&to, &scope(&s))?;
            super::remote::rotate(&mut inv, &old, &new, delete_old, &remote, out)
        }
        KeyCommand::Unbind { key, hosts, scope: s } => {
            let mut inv = open(db)?;
            let k = inv.resolve_key(&key, &scope(&s))?;
            let unbound = inv.unbind(k.id, &hosts)?;
            writeln!(out, "Unbound {} from {}", k.name, hosts.join(", "))?;
            let names: Vec<String> = unbound.iter().flat_map(|h| h.known_hosts_names()).collect();
            known_hosts_hint(out, &names)?;
            Ok(())
        }
    }
}

/// The rotate-by change `key edit` asks for: `--rotate-by DATE`, `--rotate-in 90d`
/// (from today) or `--no-rotate-by` (clap lets only one through).
fn rotate_by_arg(
    inv: &Inventory,
    date: Option<String>,
    days: Option<String>,
    clear: bool,
) -> Result<Option<Option<time::Date>>> {
    if clear {
        return Ok(Some(None));
    }
    if let Some(d) = date {
        return parse_date(&d).map(|d| Some(Some(d))).map_err(|e| CliError::Usage(format!("--rotate-by: {e}")));
    }
    let Some(days) = days else { return Ok(None) };
    let n = parse_days(&days).ok_or_else(|| {
        CliError::Usage(format!("--rotate-in: '{days}' is not a number of days: write it such as 90d"))
    })?;
    let d = days_from(inv.today()?, n).map_err(|e| CliError::Usage(format!("--rotate-in: {e}")))?;
    Ok(Some(Some(d)))
}

/// Warns on standard error when the account's provider does not import some of these
/// key types. Only a warning: the key pairs were stored, and may serve elsewhere.
fn warn_types_not_imported<'a>(
    inv: &Inventory,
    account: Option<&str>,
    keys: impl IntoIterator<Item = &'a keys::KeyInfo>,
) -> Result<()> {
    let Some(account) = account else { return Ok(()) };
    let provider = inv.account(account)?.provider;
    let mut warnings: std::collections::BTreeMap<String, usize> = Default::default();
    for k in keys {
        if let Some(w) = type_warning(provider, &k.algorithm, k.bits) {
            *warnings.entry(w).or_default() += 1;
        }
    }
    let mut err = io::stderr().lock();
    for (w, n) in warnings {
        let count = if n > 1 { format!(" ({n} key pairs)") } else { String::new() };
        writeln!(err, "keyshelf: warning: account {account}: {w}{count}")?;
    }
    Ok(())
}

/// Public keys are not secret, but a half-written file is still wrong: written atomically.
fn write_public(path: &Path, text: &str, force: bool) -> Result<()> {
    Ok(crate::secure_file::write_public(path, text.as_bytes(), force)?)
}

/// A passphrase file is one line; anything this large is not one.
const MAX_PASSPHRASE_FILE_BYTES: u64 = 64 * 1024;

/// The first line of a passphrase file, in memory wiped on drop.
fn read_passphrase(file: Option<&Path>) -> Result<Option<Zeroizing<String>>> {
    let Some(f) = file else { return Ok(None) };
    let raw = keys::read_secret_file(f, MAX_PASSPHRASE_FILE_BYTES)?;
    let text = std::str::from_utf8(&raw).map_err(|_| CliError::Usage(format!("{} is not text", f.display())))?;
    let first = text.lines().next().unwrap_or("");
    Ok(Some(Zeroizing::new(first.to_string())))
}

fn create(mut inv: Inventory, a: CreateArgs, out: &mut dyn Write) -> Result<()> {
    // Everything that can be refused is checked before the (possibly slow) generation.
    let kind = KeyKind::parse(&a.key_type)?;
    let spec = KeySpec::new(kind, a.bits)?;
    let format = PrivateFormat::parse(&a.format)?;
    let passphrase = read_passphrase(a.passphrase_file.as_deref())?;
    format.check(kind, passphrase.as_deref().map(String::as_str))?;
    let tag_list = tags(&a.tags)?;
    inv.check_new_key(&a.name, a.account.as_deref(), &a.region)?;
    let pub_file = crate::paths::pub_path(&a.out);
    if !a.force {
        for p in [&a.out, &pub_file] {
            if std::fs::symlink_metadata(p).is_ok() {
                return Err(CliError::Usage(format!(
                    "{} already exists; choose another --out or use --force",
                    p.display()
                )));
            }
        }
    }
    let comment = a.comment.clone().unwrap_or_else(|| a.name.clone());
    let key = GeneratedKey::generate(spec, &comment)?;
    key.write_files(&a.out, &pub_file, format, passphrase.as_deref().map(String::as_str), a.force)?;
    let saved = std::fs::canonicalize(&a.out).unwrap_or_else(|_| a.out.clone());
    let new = NewKeyPair {
        name: a.name.clone(),
        description: a.description.clone(),
        account: a.account.clone(),
        region: a.region.clone(),
        info: key.info().clone(),
        origin: Origin::Generated,
        private_key_path: Some(saved.to_string_lossy().into_owned()),
        tags: tag_list,
    };
    let k = match inv.add_key(&new) {
        Ok(k) => k,
        Err(e) => {
            // Nothing refers to the new key: do not leave an orphan secret behind.
            let _ = std::fs::remove_file(&a.out);
            let _ = std::fs::remove_file(&pub_file);
            return Err(e.into());
        }
    };
    warn_types_not_imported(&inv, k.account.as_deref(), [key.info()])?;
    writeln!(out, "Created key pair {} ({})", k.name, k.type_label())?;
    writeln!(out, "  Fingerprint: {}", k.fingerprint_sha256)?;
    writeln!(out, "  Private key: {} ({}, mode 0600)", saved.display(), format.label())?;
    writeln!(out, "  Public key:  {}", pub_file.display())?;
    if format == PrivateFormat::Ppk {
        writeln!(
            out,
            "  Note: ssh cannot read .ppk files; `keyshelf key convert {} --format openssh --out FILE` makes a copy it can.",
            shell_word(&k.name)
        )?;
    }
    if format == PrivateFormat::Pkcs8 && kind == KeyKind::Ed25519 {
        writeln!(
            out,
            "  Note: OpenSSH 9.2 and older cannot read Ed25519 keys in PKCS#8; use --format openssh for ssh."
        )?;
    }
    Ok(())
}

/// `key convert`: a copy of the key pair's private key file in another format.
fn convert(inv: Inventory, a: ConvertArgs, out: &mut dyn Write) -> Result<()> {
    let k = inv.resolve_key(&a.key, &scope(&a.scope))?;
    let format = PrivateFormat::parse(&a.format)?;
    let source = k.private_key_path.as_deref().map(PathBuf::from).ok_or_else(|| {
        CliError::Usage(format!(
            "Keyshelf does not know where the private key file of '{}' is (import it with `key import --file`)",
            k.name
        ))
    })?;
    let passphrase = read_passphrase(a.passphrase_file.as_deref())?;
    let new_passphrase = read_passphrase(a.new_passphrase_file.as_deref())?;
    let conversion = keys::Conversion {
        source: &source,
        passphrase: passphrase.as_deref().map(String::as_str),
        fingerprint: &k.fingerprint_sha256,
        comment: if k.comment.is_empty() { &k.name } else { &k.comment },
        format,
        new_passphrase: new_passphrase.as_deref().map(String::as_str),
        out: &a.out,
    };
    let done = conversion.run().map_err(|e| match e {
        KeyError::NeedsPassphrase => CliError::Usage(format!(
            "{} is protected by a passphrase: give it with --passphrase-file F",
            source.display()
        )),
        e => e.into(),
    })?;
    let saved = std::fs::canonicalize(&a.out).unwrap_or_else(|_| a.out.clone());
    writeln!(out, "Converted the private key of {} to {}", k.name, format.label())?;
    writeln!(
        out,
        "  From: {} ({}{})",
        source.display(),
        done.from_format,
        if done.was_encrypted { ", with a passphrase" } else { "" }
    )?;
    let protected = if new_passphrase.is_some() { ", with a passphrase" } else { "" };
    writeln!(out, "  To:   {} ({}{protected}, mode 0600)", saved.display(), format.label())?;
    writeln!(out, "  Fingerprint: {}", k.fingerprint_sha256)?;
    Ok(())
}

fn import(mut inv: Inventory, a: ImportArgs, input: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    let bytes = match (&a.file, a.stdin) {
        (Some(_), true) => return Err(CliError::Usage("use either --file or --stdin, not both".into())),
        (Some(f), false) => keys::read_secret_file(f, keys::MAX_KEY_INPUT_BYTES)?,
        (None, true) => {
            let mut v = Zeroizing::new(Vec::new());
            input.take(keys::MAX_KEY_INPUT_BYTES + 1).read_to_end(&mut v)?;
            if v.len() as u64 > keys::MAX_KEY_INPUT_BYTES {
                return Err(CliError::Usage(format!(
                    "standard input holds more than {} MB; key input is never that large",
                    keys::MAX_KEY_INPUT_BYTES / 1_000_000
                )));
            }
            v
        }
        (None, false) => return Err(CliError::Usage("say where the key is: --file F or --stdin".into())),
    };
    let region = a.region.clone();
    if a.all {
        if a.name.is_some() {
            return Err(CliError::Usage("--all names keys itself; drop the NAME (or use --name-prefix)".into()));
        }
        let (entries, errors) = keys::parse_bulk(&bytes)?;
        if !errors.is_empty() && !a.skip_invalid {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            return Err(CliError::Usage(format!(
                "nothing imported: {} bad line(s) (use --skip-invalid to import the rest):\n  {}",
                errors.len(),
                lines.join("\n  ")
            )));
        }
        let list: Vec<crate::inventory::ImportKey> = entries.into_iter().map(Into::into).collect();
        let sc = Scope { account: a.account.clone(), region: Some(region) };
        let report = inv.import_bulk(&list, &sc, a.name_prefix.as_deref(), errors)?;
        warn_types_not_imported(&inv, a.account.as_deref(), list.iter().map(|k| &k.info))?;
        writeln!(out, "Imported {} key pair(s)", report.imported.len())?;
        for s in &report.skipped {
            writeln!(out, "  Skipped {s}")?;
        }
        return Ok(());
    }
    let name = a
        .name
        .clone()
        .ok_or_else(|| CliError::Usage("give the key pair a NAME (or use --all for a whole file)".into()))?;
    if a.name_prefix.is_some() || a.skip_invalid {
        return Err(CliError::Usage("--name-prefix and --skip-invalid go with --all".into()));
    }
    let parsed = keys::parse_key(&bytes)?;
    let private_key_path = match (parsed.source, &a.file) {
        (keys::KeySource::PrivateKey { .. }, Some(f)) => {
            Some(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()).to_string_lossy().into_owned())
        }
        _ => None,
    };
    let new = NewKeyPair {
        name,
        description: a.description.clone(),
        account: a.account.clone(),
        region,
        info: parsed.info.clone(),
        origin: Origin::Imported,
        private_key_path,
        tags: tags(&a.tags)?,
    };
    let k = inv.add_key(&new)?;
    warn_types_not_imported(&inv, k.account.as_deref(), [&parsed.info])?;
    writeln!(out, "Imported key pair {} ({}, from {})", k.name, k.type_label(), parsed.format)?;
    writeln!(out, "  Fingerprint: {}", k.fingerprint_sha256)?;
    if let Some(p) = &k.private_key_path {
        writeln!(out, "  Private key: {p} (only the public half was stored)")?;
    }
    if k.weak {
        writeln!(out, "  Warning: this key is weak ({}); replace it with an Ed25519 key.", k.type_label())?;
    }
    let also = inv.also_in(&k)?;
    if !also.is_empty() {
        writeln!(out, "  Also in: {}", also.join(", "))?;
    }
    Ok(())
}
