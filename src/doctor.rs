//! `keyshelf doctor`: what works on this machine, as a list of checks a person can act
//! on: the OpenSSH tools and their version, the ssh-agent, the inventory (path, mode,
//! schema), the managed ssh config, the AWS profiles (names only, never a secret) and the
//! launcher entry. Each failed check carries a one-line fix. The CLI prints the list as a
//! table or JSON; the app can show the same [`Check`]s.
//!
//! The checks read; they change nothing, except that an existing inventory is opened the
//! way every command opens it (an older schema is brought up to date).

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cloud::aws::profile::profile_names;
use crate::cloud::env::{Env, ProcessEnv};
use crate::inventory::{Inventory, InventoryError, Provider, SCHEMA_VERSION};
use crate::paths::shell_word;

/// The check of the inventory file itself: when it fails, the inventory cannot be read
/// (and `keyshelf doctor` exits 1).
pub const INVENTORY: &str = "inventory";

/// The command that turns the managed ssh config on or rewrites it (the app says its
/// button instead).
pub const SSH_CONFIG_WRITE: &str = "keyshelf ssh-config write";

/// How long `ssh -V` (or any version question) may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(5);

const INSTALL_OPENSSH: &str =
    "install the OpenSSH client: sudo apt install openssh-client (Debian, Ubuntu) or sudo dnf install openssh-clients (Fedora)";

/// One thing checked, and what to do when it is not right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A short stable name: `ssh`, `ssh-keygen`, `ssh-agent`, `ssh-add`, `agent`,
    /// `inventory`, `inventory-mode`, `inventory-schema`, `ssh-config`, `aws-profiles`,
    /// `cloud-credentials`, `desktop-entry`, `keyshelf`.
    pub name: String,
    /// Whether it works (an informational check is ok).
    pub ok: bool,
    /// What was found, in words.
    pub detail: String,
    /// One line to fix it; `None` when it is fine.
    pub fix: Option<String>,
}

impl Check {
    fn pass(name: &str, detail: impl Into<String>) -> Check {
        Check { name: name.into(), ok: true, detail: detail.into(), fix: None }
    }

    fn fail(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name: name.into(), ok: false, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// Whether the inventory could be read: false when its check failed (a file that is
/// not an inventory, a newer schema, no permission, no place for it at all).
pub fn inventory_readable(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.name != INVENTORY || c.ok)
}

/// What the checks look at, so tests can point them at a made-up machine.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    /// `PATH`.
    pub path: Option<OsString>,
    /// `KEYSHELF_SSH_COMMAND`: the ssh Keyshelf runs instead of `ssh`.
    pub ssh_command: Option<String>,
    /// `SSH_AUTH_SOCK`.
    pub auth_sock: Option<PathBuf>,
    /// Where launcher entries are looked for: `$XDG_DATA_HOME/applications` (that is,
    /// `~/.local/share/applications`), then those of `$XDG_DATA_DIRS` (`/usr/local/share`,
    /// `/usr/share`).
    pub application_dirs: Vec<PathBuf>,
}

impl Machine {
    /// This process's environment.
    pub fn current() -> Machine {
        let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
        let mut application_dirs: Vec<PathBuf> =
            crate::desktop::data_home().map(|h| h.join("applications")).into_iter().collect();
        let data_dirs = var("XDG_DATA_DIRS").unwrap_or_else(|| OsString::from("/usr/local/share:/usr/share"));
        application_dirs.extend(std::env::split_paths(&data_dirs).map(|d| d.join("applications")));
        Machine {
            path: var("PATH"),
            ssh_command: var(crate::remote::SSH_COMMAND_VAR).and_then(|v| v.into_string().ok()),
            auth_sock: var(crate::local::agent::SOCKET_VAR).map(PathBuf::from),
            application_dirs,
        }
    }
}

/// Every check, on this machine, for the inventory at `db_path` (default: `KEYSHELF_DB`,
/// else the user's data folder).
pub fn run(db_path: Option<&Path>) -> Vec<Check> {
    let db = db_path.map(Path::to_path_buf).or_else(crate::inventory::default_path);
    run_with(db.as_deref(), &Machine::current(), &ProcessEnv)
}

/// Every check, for the inventory at `db` (`None`: there is no place for one) on
/// `machine`, with the AWS files `aws` points at.
pub fn run_with(db: Option<&Path>, machine: &Machine, aws: &dyn Env) -> Vec<Check> {
    let mut checks = vec![keyshelf()];
    let ssh = ssh_check(machine);
    let ssh_dir = ssh.1.as_ref().and_then(|(p, _)| p.parent().map(Path::to_path_buf));
    let ssh_version = ssh.1.as_ref().and_then(|(_, v)| v.clone());
    checks.push(ssh.0);
    for tool in ["ssh-keygen", "ssh-agent", "ssh-add"] {
        checks.push(tool_check(tool, machine, ssh_dir.as_deref(), ssh_version.as_deref()));
    }
    checks.push(agent_check(machine));
    let (inventory_checks, inv) = inventory_checks(db);
    checks.extend(inventory_checks);
    checks.push(ssh_config_check(inv.as_ref()));
    checks.push(aws_check(inv.as_ref(), aws));
    checks.push(cloud_credentials_check(inv.as_ref(), aws));
    checks.push(desktop_check(machine));
    checks
}

fn keyshelf() -> Check {
    let exe = std::env::current_exe().map(|p| format!(", running {}", p.display())).unwrap_or_default();
    Check::pass(
        "keyshelf",
        format!("version {}, licence {}{exe}", env!("CARGO_PKG_VERSION"), env!("CARGO_PKG_LICENSE")),
    )
}

/// `name` as the shell finds it in `path` (none: not found, unless it is a path).
fn find_in_path(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    crate::paths::find_program(name, Some(path.unwrap_or_default()))
}

/// The first line `program -V` prints (OpenSSH prints its version on standard error),
/// or `None` if it prints nothing within a few seconds.
fn version_of(program: &Path) -> Option<String> {
    let mut child = Command::new(program)
        .arg("-V")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < VERSION_TIMEOUT => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut said = String::new();
    if let Some(err) = child.stderr.take() {
        let _ = err.take(4096).read_to_string(&mut said);
    }
    if let Some(out) = child.stdout.take() {
        let _ = out.take(4096).read_to_string(&mut said);
    }
    said.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

/// The `ssh` check, and where ssh is with its version (for the tools beside it).
fn ssh_check(machine: &Machine) -> (Check, Option<(PathBuf, Option<String>)>) {
    const NAME: &str = "ssh";
    let var = crate::remote::SSH_COMMAND_VAR;
    let (program, via) = match &machine.ssh_command {
        Some(line) if !line.trim().is_empty() => match crate::remote::SshCommand::parse(line) {
            Ok(c) => (c.program, format!(" ({var})")),
            Err(e) => return (Check::fail(NAME, e.to_string(), format!("fix {var} or unset it")), None),
        },
        _ => ("ssh".to_string(), String::new()),
    };
    let Some(found) = find_in_path(&program, machine.path.as_deref()) else {
        let fix = if via.is_empty() { INSTALL_OPENSSH.to_string() } else { format!("fix {var} or unset it") };
        return (Check::fail(NAME, format!("{program}{via} is not found in PATH"), fix), None);
    };
    let version = version_of(&found);
    let detail = match &version {
        Some(v) => format!("{}{via}: {v}", found.display()),
        None => format!("{}{via} (it printed no version for -V)", found.display()),
    };
    (Check::pass(NAME, detail), Some((found, version)))
}

/// `ssh-keygen`, `ssh-agent`, `ssh-add`: they have no version flag; one in the folder of
/// ssh comes with it.
fn tool_check(tool: &str, machine: &Machine, ssh_dir: Option<&Path>, ssh_version: Option<&str>) -> Check {
    let Some(found) = find_in_path(tool, machine.path.as_deref()) else {
        return Check::fail(tool, format!("{tool} is not found in PATH"), INSTALL_OPENSSH);
    };
    let beside_ssh = found.parent().is_some_and(|d| Some(d) == ssh_dir);
    match ssh_version {
        Some(v) if beside_ssh => Check::pass(tool, format!("{} (beside ssh: {v})", found.display())),
        _ => Check::pass(tool, found.display().to_string()),
    }
}

fn agent_check(machine: &Machine) -> Check {
    const NAME: &str = "agent";
    let start = "start one: eval \"$(ssh-agent)\" (your desktop session usually starts one)";
    let Some(sock) = &machine.auth_sock else {
        return Check::fail(NAME, "no ssh-agent: SSH_AUTH_SOCK is not set", start);
    };
    let ssh_add = match find_in_path("ssh-add", machine.path.as_deref()) {
        Some(p) => p,
        None => {
            return Check::fail(
                NAME,
                format!("SSH_AUTH_SOCK is {}, but ssh-add is not found to ask it", sock.display()),
                INSTALL_OPENSSH,
            )
        }
    };
    let mut agent = crate::local::agent::Agent::at(sock.clone(), crate::remote::Prompts::Never);
    agent.program = ssh_add.to_string_lossy().into_owned();
    match agent.identities() {
        Ok(keys) => Check::pass(NAME, format!("reachable at {}, holding {} key(s)", sock.display(), keys.len())),
        Err(e) => Check::fail(NAME, e.to_string(), start),
    }
}

/// `inventory`, `inventory-mode` and `inventory-schema` (always these three), and the
/// open inventory. A missing file is not created.
fn inventory_checks(db: Option<&Path>) -> (Vec<Check>, Option<Inventory>) {
    const MODE: &str = "inventory-mode";
    const SCHEMA: &str = "inventory-schema";
    let Some(path) = db else {
        let fix = "set KEYSHELF_DB=PATH or pass --db PATH";
        return (
            vec![
                Check::fail(INVENTORY, "there is no data folder for the inventory (no home folder?)", fix),
                Check::pass(MODE, "no file"),
                Check::fail(SCHEMA, "unknown: there is no inventory", fix),
            ],
            None,
        );
    };
    if !path.exists() {
        return (
            vec![
                Check::pass(
                    INVENTORY,
                    format!("{} (not created yet: Keyshelf creates it when first used)", path.display()),
                ),
                Check::pass(MODE, "no file yet (it is created with mode 0600)"),
                Check::pass(SCHEMA, format!("none yet; this Keyshelf writes schema {SCHEMA_VERSION}")),
            ],
            None,
        );
    }
    match Inventory::open(path) {
        Ok(inv) => {
            let schema = match inv.schema_version() {
                Ok(v) => Check::pass(SCHEMA, format!("schema {v} (this Keyshelf writes schema {SCHEMA_VERSION})")),
                Err(e) => Check::fail(SCHEMA, e.to_string(), inventory_fix(&e, path)),
            };
            (vec![Check::pass(INVENTORY, path.display().to_string()), mode_check(path), schema], Some(inv))
        }
        Err(e) => {
            let fix = inventory_fix(&e, path);
            let schema = match &e {
                InventoryError::NewerSchema { found, supported, .. } => Check::fail(
                    SCHEMA,
                    format!("schema {found}, newer than this Keyshelf's ({supported})"),
                    fix.clone(),
                ),
                _ => Check::fail(SCHEMA, "unknown: the inventory cannot be opened", fix.clone()),
            };
            (vec![Check::fail(INVENTORY, e.to_string(), fix), mode_check(path), schema], None)
        }
    }
}

fn inventory_fix(e: &InventoryError, path: &Path) -> String {
    let p = shell_word(&path.to_string_lossy());
    match e {
        InventoryError::NewerSchema { .. } => "update Keyshelf to the version that wrote it (or newer)".into(),
        InventoryError::ReadOnly { .. } => format!("chmod u+rw {p} (and check its folder is writable)"),
        InventoryError::DiskFull { .. } => "free some space on its disk".into(),
        InventoryError::NotADatabase { .. } => format!("move {p} aside, or pass --db with another file"),
        _ => format!("check {p} and its folder, or pass --db with another file"),
    }
}

/// `inventory-mode`: readable by its owner alone (it lists hosts, users and key paths).
fn mode_check(path: &Path) -> Check {
    const NAME: &str = "inventory-mode";
    use crate::secure_file::{private_file_state, PrivateFileState};
    match private_file_state(path) {
        PrivateFileState::Private(mode) => Check::pass(NAME, format!("{mode:04o} (yours alone)")),
        PrivateFileState::Open(mode) => Check::fail(
            NAME,
            format!("{mode:04o}: the group or others can read it (0600 expected)"),
            format!("chmod 600 {}", shell_word(&path.to_string_lossy())),
        ),
        PrivateFileState::Missing => Check::pass(NAME, "no file yet"),
        PrivateFileState::Unknown => Check::pass(NAME, "cannot be told here"),
    }
}

/// `ssh-config`: off, or on and in place (the managed file current, the Include there).
fn ssh_config_check(inv: Option<&Inventory>) -> Check {
    const NAME: &str = "ssh-config";
    use crate::local::ssh_config::{enabled_config, plan, IncludeChange};
    let write = SSH_CONFIG_WRITE;
    let Some(inv) = inv else { return Check::pass(NAME, "off (no inventory yet)") };
    let config = match enabled_config(inv) {
        Ok(None) => return Check::pass(NAME, format!("off ({write} turns it on)")),
        Ok(Some(c)) => c,
        Err(e) => return Check::fail(NAME, e.to_string(), "see the inventory check"),
    };
    let p = match plan(inv, &config) {
        Ok(p) => p,
        Err(e) => return Check::fail(NAME, e.to_string(), format!("fix that, then run {write}")),
    };
    let managed = p.managed_path.display();
    let about = format!("on: {managed} ({} host(s)), included from {}", p.managed.len(), config.display());
    if p.include != IncludeChange::AlreadyPresent {
        return Check::fail(NAME, format!("{about}, but its Include line is gone"), format!("{write} puts it back"));
    }
    match std::fs::read(&p.managed_path) {
        Ok(text) if text == p.text.as_bytes() => Check::pass(NAME, about),
        Ok(_) => Check::fail(NAME, format!("{about}; out of date"), format!("{write} rewrites it")),
        Err(e) => Check::fail(NAME, format!("{about}; cannot read {managed}: {e}"), format!("{write} rewrites it")),
    }
}

/// `aws-profiles`: the names in `~/.aws`, and whether the AWS accounts' profiles are
/// among them.
fn aws_check(inv: Option<&Inventory>, aws: &dyn Env) -> Check {
    const NAME: &str = "aws-profiles";
    let names = profile_names(aws);
    let found = if names.is_empty() {
        "no AWS profiles in ~/.aws (needed only for AWS accounts)".to_string()
    } else {
        format!("{}: {}", names.len(), names.join(", "))
    };
    let accounts = inv.and_then(|i| i.accounts().ok()).unwrap_or_default();
    let missing: Vec<(String, String)> = accounts
        .into_iter()
        .filter(|a| a.provider == Provider::Aws)
        .filter_map(|a| a.profile.filter(|p| !p.is_empty() && !names.contains(p)).map(|p| (a.name, p)))
        .collect();
    match missing.first() {
        None => Check::pass(NAME, found),
        Some((account, profile)) => {
            let said: Vec<String> = missing.iter().map(|(a, p)| format!("account {a} names profile {p}")).collect();
            Check::fail(
                NAME,
                format!("{found}; missing: {}", said.join(", ")),
                format!(
                    "aws configure --profile {}, or keyshelf account edit {} --profile NAME",
                    shell_word(profile),
                    shell_word(account)
                ),
            )
        }
    }
}

/// `cloud-credentials`: whether each Tencent Cloud and Alibaba Cloud account's
/// credentials are found (the environment or its CLI's profile), by where they are,
/// never what they are. Nothing is sent anywhere.
fn cloud_credentials_check(inv: Option<&Inventory>, env: &dyn Env) -> Check {
    use crate::cloud::credentials::{AccountConfig, Source};
    const NAME: &str = "cloud-credentials";
    let accounts = inv.and_then(|i| i.accounts().ok()).unwrap_or_default();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for a in accounts.iter().filter(|a| matches!(a.provider, Provider::Tencent | Provider::Alibaba)) {
        let config = AccountConfig::of(a);
        let (source, configure) = match a.provider {
            Provider::Tencent => {
                (crate::cloud::tencent::credentials::resolve(config, None, env).map(|r| r.source), "tccli configure")
            }
            _ => (crate::cloud::alibaba::credentials::resolve(config, None, env).map(|r| r.source), "aliyun configure"),
        };
        match source {
            Ok(Source::Environment) => found.push(format!("{} (environment)", a.name)),
            Ok(Source::Profile { name, .. }) => found.push(format!("{} (profile {name})", a.name)),
            Err(e) => missing.push((a.name.clone(), e.to_string(), configure)),
        }
    }
    if found.is_empty() && missing.is_empty() {
        return Check::pass(NAME, "no Tencent Cloud or Alibaba Cloud accounts");
    }
    let mut detail = if found.is_empty() { String::new() } else { format!("found for {}", found.join(", ")) };
    match missing.first() {
        None => Check::pass(NAME, detail),
        Some((_, _, configure)) => {
            // The same reason once, with every account it holds for (twenty accounts
            // without credentials are one line, not twenty).
            let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
            for (a, e, _) in &missing {
                match by_reason.iter_mut().find(|(r, _)| *r == e.as_str()) {
                    Some((_, names)) => names.push(a),
                    None => by_reason.push((e, vec![a])),
                }
            }
            let said: Vec<String> = by_reason.iter().map(|(e, names)| format!("{}: {e}", names.join(", "))).collect();
            if !detail.is_empty() {
                detail.push_str("; ");
            }
            detail.push_str(&said.join("; "));
            Check::fail(NAME, detail, format!("{configure} (in a terminal), or set the account's profile"))
        }
    }
}

/// `desktop-entry`: the launcher entry, and whether the program it runs is there.
fn desktop_check(machine: &Machine) -> Check {
    const NAME: &str = "desktop-entry";
    if !cfg!(feature = "gui") {
        return Check::pass(NAME, "not needed: this keyshelf is the command line alone (no `gui` feature)");
    }
    let install = "keyshelf desktop install (or install the keyshelf .deb package)";
    let Some(entry) = machine.application_dirs.iter().map(|d| d.join("keyshelf.desktop")).find(|p| p.is_file()) else {
        let looked: Vec<String> = machine.application_dirs.iter().map(|d| d.display().to_string()).collect();
        return Check::fail(NAME, format!("not installed (looked in {})", looked.join(", ")), install);
    };
    let text = match std::fs::read_to_string(&entry) {
        Ok(t) => t,
        Err(e) => return Check::fail(NAME, format!("cannot read {}: {e}", entry.display()), install),
    };
    let Some(program) = text.lines().find_map(|l| l.strip_prefix("Exec=")).and_then(exec_program) else {
        return Check::fail(NAME, format!("{} has no Exec line Keyshelf can read", entry.display()), install);
    };
    match find_in_path(&program, machine.path.as_deref()) {
        Some(p) => Check::pass(NAME, format!("{} (runs {})", entry.display(), p.display())),
        None => Check::fail(NAME, format!("{} runs {program}, which is not there", entry.display()), install),
    }
}

/// The program an `Exec` value runs: the first word, its string escapes, quoting and
/// `%%` undone (what [`crate::desktop::exec_line`] writes, and a plain `keyshelf`).
fn exec_program(value: &str) -> Option<String> {
    let mut unescaped = String::new();
    let mut chars = value.trim().chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            unescaped.push(c);
            continue;
        }
        unescaped.push(match chars.next()? {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            's' => ' ',
            other => other,
        });
    }
    let word = match unescaped.strip_prefix('"') {
        Some(quoted) => {
            let mut word = String::new();
            let mut chars = quoted.chars();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => word.push(chars.next()?),
                    c => word.push(c),
                }
            }
            word
        }
        None => unescaped.split_whitespace().next()?.to_string(),
    };
    let word = word.replace("%%", "%");
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use crate::cloud::env::FixedEnv;

    fn by_name<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name} check in {checks:?}"))
    }

    fn fake_tool(dir: &Path, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn every_check_is_there_once_and_every_failure_has_a_fix() {
        let d = tempfile::tempdir().unwrap();
        let machine = Machine { path: Some(d.path().as_os_str().to_owned()), ..Machine::default() };
        let checks = run_with(Some(&d.path().join("inv.sqlite3")), &machine, &FixedEnv::default());
        let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "keyshelf",
                "ssh",
                "ssh-keygen",
                "ssh-agent",
                "ssh-add",
                "agent",
                "inventory",
                "inventory-mode",
                "inventory-schema",
                "ssh-config",
                "aws-profiles",
                "cloud-credentials",
                "desktop-entry"
            ]
        );
        for c in &checks {
            assert_eq!(c.ok, c.fix.is_none(), "{c:?}");
        }
        // Nothing in that PATH: every tool is missing, with the package to install.
        assert!(!by_name(&checks, "ssh").ok);
        assert!(by_name(&checks, "ssh-keygen").fix.as_deref().unwrap().contains("openssh-client"));
        assert!(by_name(&checks, "agent").detail.contains("SSH_AUTH_SOCK is not set"));
        // A missing inventory is fine (and is not created).
        assert!(by_name(&checks, INVENTORY).ok, "{checks:?}");
        assert!(inventory_readable(&checks));
        assert!(!d.path().join("inv.sqlite3").exists());
    }

    #[test]
    fn ssh_version_comes_from_stderr_and_the_tools_beside_it_share_it() {
        let d = tempfile::tempdir().unwrap();
        fake_tool(d.path(), "ssh", "echo 'OpenSSH_9.9p1 Test, OpenSSL 3' >&2");
        fake_tool(d.path(), "ssh-keygen", "exit 1");
        let machine = Machine { path: Some(d.path().as_os_str().to_owned()), ..Machine::default() };
        let checks = run_with(None, &machine, &FixedEnv::default());
        let ssh = by_name(&checks, "ssh");
        assert!(ssh.ok && ssh.detail.ends_with(": OpenSSH_9.9p1 Test, OpenSSL 3"), "{ssh:?}");
        let keygen = by_name(&checks, "ssh-keygen");
        assert!(keygen.ok && keygen.detail.contains("beside ssh: OpenSSH_9.9p1"), "{keygen:?}");
        assert!(!by_name(&checks, "ssh-agent").ok);
        // No place for an inventory at all: it cannot be read.
        assert!(!by_name(&checks, INVENTORY).ok);
        assert!(!inventory_readable(&checks));
    }

    #[test]
    fn keyshelf_ssh_command_is_the_ssh_checked() {
        let d = tempfile::tempdir().unwrap();
        fake_tool(d.path(), "my-ssh", "echo 'wrapped ssh 1.0'");
        let machine = Machine {
            path: Some(d.path().as_os_str().to_owned()),
            ssh_command: Some("my-ssh -F /dev/null".into()),
            ..Machine::default()
        };
        let ssh = run_with(None, &machine, &FixedEnv::default()).remove(1);
        assert!(
            ssh.ok && ssh.detail.contains("KEYSHELF_SSH_COMMAND") && ssh.detail.ends_with("wrapped ssh 1.0"),
            "{ssh:?}"
        );
        let machine = Machine { ssh_command: Some("nowhere-ssh".into()), ..machine };
        let ssh = run_with(None, &machine, &FixedEnv::default()).remove(1);
        assert!(!ssh.ok && ssh.fix.as_deref() == Some("fix KEYSHELF_SSH_COMMAND or unset it"), "{ssh:?}");
    }

    #[cfg(unix)]
    #[test]
    fn an_inventory_others_can_read_is_flagged_with_chmod() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("my inv.sqlite3");
        drop(Inventory::open(&path).unwrap());
        let checks = run_with(Some(&path), &Machine::default(), &FixedEnv::default());
        assert!(by_name(&checks, "inventory-mode").ok, "{checks:?}");
        let schema = by_name(&checks, "inventory-schema");
        assert!(schema.ok && schema.detail.contains(&SCHEMA_VERSION.to_string()), "{schema:?}");
        assert_eq!(by_name(&checks, "ssh-config").detail, "off (keyshelf ssh-config write turns it on)");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let checks = run_with(Some(&path), &Machine::default(), &FixedEnv::default());
        let mode = by_name(&checks, "inventory-mode");
        assert!(!mode.ok && mode.detail.starts_with("0644"), "{mode:?}");
        assert_eq!(mode.fix.as_deref(), Some(format!("chmod 600 '{}'", path.display()).as_str()));
        assert!(inventory_readable(&checks));
    }

    #[test]
    fn a_file_that_is_not_an_inventory_cannot_be_read() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("notes.txt");
        std::fs::write(&path, "not a database, just some text that is long enough to be a header".repeat(20)).unwrap();
        let checks = run_with(Some(&path), &Machine::default(), &FixedEnv::default());
        let inv = by_name(&checks, INVENTORY);
        assert!(!inv.ok && inv.fix.as_deref().unwrap().starts_with("move"), "{inv:?}");
        assert!(!inventory_readable(&checks));
    }

    #[test]
    fn aws_profiles_are_names_only_and_a_missing_one_is_named() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join(".aws")).unwrap();
        std::fs::write(
            d.path().join(".aws/credentials"),
            "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n[dev]\naws_access_key_id = AKIA2\naws_secret_access_key = s3cr3t2\n",
        )
        .unwrap();
        let env = FixedEnv { home: Some(d.path().to_path_buf()), ..FixedEnv::default() };
        let path = d.path().join("inv.sqlite3");
        let mut inv = Inventory::open(&path).unwrap();
        inv.add_account("prod", Provider::Aws, "").unwrap();
        inv.set_account_cloud("prod", Some("prod"), None, None).unwrap();
        drop(inv);
        let checks = run_with(Some(&path), &Machine::default(), &env);
        let aws = by_name(&checks, "aws-profiles");
        assert!(!aws.ok, "{aws:?}");
        assert!(aws.detail.starts_with("2: default, dev; missing: account prod names profile prod"), "{aws:?}");
        assert_eq!(
            aws.fix.as_deref(),
            Some("aws configure --profile prod, or keyshelf account edit prod --profile NAME")
        );
        let clouds = by_name(&checks, "cloud-credentials");
        assert!(clouds.ok && clouds.detail == "no Tencent Cloud or Alibaba Cloud accounts", "{clouds:?}");
        // A Tencent account whose profile is there, an Alibaba one with none: said by name.
        std::fs::create_dir(d.path().join(".tccli")).unwrap();
        std::fs::write(d.path().join(".tccli/work.credential"), r#"{"secretId": "AKIDx", "secretKey": "tcs3cr3t"}"#)
            .unwrap();
        let mut inv = Inventory::open(&path).unwrap();
        inv.add_account("tc", Provider::Tencent, "").unwrap();
        inv.set_account_cloud("tc", Some("work"), Some("ap-singapore"), None).unwrap();
        inv.add_account("ali", Provider::Alibaba, "").unwrap();
        inv.add_account("ali2", Provider::Alibaba, "").unwrap();
        drop(inv);
        let checks = run_with(Some(&path), &Machine::default(), &env);
        let clouds = by_name(&checks, "cloud-credentials");
        assert!(!clouds.ok, "{clouds:?}");
        assert!(
            clouds.detail.starts_with("found for tc (profile work); ali, ali2: "),
            "one reason, both accounts: {clouds:?}"
        );
        assert!(clouds.fix.as_deref().unwrap().starts_with("aliyun configure"), "{clouds:?}");
        let json = serde_json::to_string(&checks).unwrap();
        assert!(!json.contains("tcs3cr3t"), "no secret in the checks");
        assert!(!json.contains("s3cr3t") && !json.contains("AKIA"), "{json}");
    }

    #[test]
    fn the_desktop_entry_is_found_and_its_program_checked() {
        let d = tempfile::tempdir().unwrap();
        let apps = d.path().join("applications");
        let machine = Machine { application_dirs: vec![apps.clone()], ..Machine::default() };
        let entry = by_name(&run_with(None, &machine, &FixedEnv::default()), "desktop-entry").clone();
        if !cfg!(feature = "gui") {
            assert!(entry.ok);
            return;
        }
        assert!(!entry.ok && entry.fix.as_deref().unwrap().starts_with("keyshelf desktop install"), "{entry:?}");
        let exe = d.path().join("my \"bin\" 100%/keyshelf");
        crate::desktop::install(d.path(), &exe).unwrap();
        let entry = by_name(&run_with(None, &machine, &FixedEnv::default()), "desktop-entry").clone();
        assert!(
            !entry.ok && entry.detail.ends_with(&format!("runs {}, which is not there", exe.display())),
            "{entry:?}"
        );
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        fake_tool(exe.parent().unwrap(), "keyshelf", "true");
        let entry = by_name(&run_with(None, &machine, &FixedEnv::default()), "desktop-entry").clone();
        assert!(entry.ok, "{entry:?}");
    }

    #[test]
    fn exec_program_reads_what_desktop_install_writes() {
        assert_eq!(exec_program("keyshelf").as_deref(), Some("keyshelf"));
        assert_eq!(exec_program("keyshelf %U").as_deref(), Some("keyshelf"));
        for exe in [r#"/opt/my "key" `shelf` $HOME\bin 100%/keyshelf"#, "/a b/keyshelf"] {
            let line = crate::desktop::exec_line(Path::new(exe)).unwrap();
            assert_eq!(exec_program(line.trim_start_matches("Exec=")).as_deref(), Some(exe), "{line}");
        }
        assert_eq!(exec_program("\"unclosed"), None);
        assert_eq!(exec_program(""), None);
    }
}
