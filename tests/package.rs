//! Installing Keyshelf like a desktop app: the generated man pages and completions kept
//! in `assets/` are current, the pages render without warnings, the completion scripts
//! load in their shells, the launcher entry validates, `keyshelf doctor --json` has its
//! fields, and the Debian package (`cargo deb`) holds all of it with the right modes,
//! installs, and removes cleanly.
//!
//! Building the package is a release build (10+ minutes on two cores), so that test runs
//! only with `KEYSHELF_PACKAGE_TEST=1` (and `cargo deb` installed: `cargo install
//! cargo-deb`); `.ci/run` sets it with `KEYSHELF_PACKAGE_PROFILE=dev`, which packs the
//! binary the tests already built. Installing the package needs root. Every check whose tool is missing here (man,
//! zsh, fish, desktop-file-validate, dpkg) prints why it was skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use keyshelf::cli::install::{completion_script, man_pages};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The completion scripts the package installs: (shell, file in assets/completions, path
/// in the package).
const COMPLETIONS: &[(clap_complete::Shell, &str, &str)] = &[
    (clap_complete::Shell::Bash, "keyshelf.bash", "usr/share/bash-completion/completions/keyshelf"),
    (clap_complete::Shell::Zsh, "_keyshelf", "usr/share/zsh/vendor-completions/_keyshelf"),
    (clap_complete::Shell::Fish, "keyshelf.fish", "usr/share/fish/vendor_completions.d/keyshelf.fish"),
];

const ICON_SIZES: &[u32] = &[16, 24, 32, 48, 64, 128, 256, 512];

fn root() -> PathBuf {
    PathBuf::from(ROOT)
}

/// Runs `program args`; `None` when the program is not installed.
fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Option<Output> {
    let mut c = Command::new(program);
    c.args(args).stdin(Stdio::null());
    for (k, v) in envs {
        c.env(k, v);
    }
    match c.output() {
        Ok(o) => Some(o),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

fn have(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("skipped: {program} is not installed");
    }
    found
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `man -l` renders `page` (plain or gzipped) with no warning at all.
fn assert_man_renders(page: &Path) {
    let o = run("man", &["--warnings", "-l", &page.to_string_lossy()], &[("MANWIDTH", "80")]).unwrap();
    assert!(o.status.success(), "man -l {}: {}", page.display(), text(&o.stderr));
    assert!(o.stderr.is_empty(), "man -l {} warned:\n{}", page.display(), text(&o.stderr));
    assert!(text(&o.stdout).contains("NAME"), "man -l {} printed no page", page.display());
}

/// Each shell parses the script for it; bash and fish also complete a subcommand with it.
fn assert_completions_load(scripts: &[(clap_complete::Shell, PathBuf)]) {
    for (shell, path) in scripts {
        let p = path.to_string_lossy();
        let (program, args) = match shell {
            clap_complete::Shell::Bash => ("bash", vec!["-n", &*p]),
            clap_complete::Shell::Zsh => ("zsh", vec!["-n", &*p]),
            clap_complete::Shell::Fish => ("fish", vec!["--no-execute", &*p]),
            other => panic!("no check for {other}"),
        };
        if !have(program) {
            continue;
        }
        let o = run(program, &args, &[]).unwrap();
        assert!(o.status.success() && o.stderr.is_empty(), "{program} -n {p}: {}", text(&o.stderr));
        let completed = match shell {
            clap_complete::Shell::Bash => {
                let script = format!(
                    "source '{p}'; COMP_WORDS=(keyshelf doc); COMP_CWORD=1; COMP_LINE='keyshelf doc'; \
                     COMP_POINT=12; _keyshelf keyshelf doc keyshelf; echo \"${{COMPREPLY[@]}}\""
                );
                run("bash", &["-c", &script], &[]).unwrap()
            }
            clap_complete::Shell::Fish => {
                run("fish", &["-c", &format!("source '{p}'; complete -C 'keyshelf doc'")], &[]).unwrap()
            }
            _ => continue,
        };
        assert!(text(&completed.stdout).starts_with("doctor"), "{program} completes 'keyshelf doc' as: {completed:?}");
    }
}

/// `desktop-file-validate` has nothing to say about `entry`: no error, warning or hint.
fn assert_desktop_entry_valid(entry: &Path) {
    if !have("desktop-file-validate") {
        return;
    }
    let o = run("desktop-file-validate", &[&entry.to_string_lossy()], &[]).unwrap();
    let said = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(o.status.success() && said.is_empty(), "desktop-file-validate {}:\n{said}", entry.display());
}

#[test]
fn committed_man_pages_and_completions_are_what_the_cli_generates() {
    let refresh = "refresh them with scripts/generate-assets.sh (or: rm -r assets/man && \
        cargo run -- man --dir assets/man; cargo run -- completions bash > assets/completions/keyshelf.bash; \
        the same for zsh > _keyshelf and fish > keyshelf.fish)";
    let generated: BTreeMap<String, Vec<u8>> = man_pages().unwrap().into_iter().collect();
    let dir = root().join("assets/man");
    let committed: BTreeMap<String, Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}; {refresh}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    let missing: Vec<&String> = generated.keys().filter(|n| !committed.contains_key(*n)).collect();
    let extra: Vec<&String> = committed.keys().filter(|n| !generated.contains_key(*n)).collect();
    let stale: Vec<&String> =
        generated.iter().filter(|(n, t)| committed.get(*n).is_some_and(|c| c != *t)).map(|(n, _)| n).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && stale.is_empty(),
        "assets/man is not what `keyshelf man` generates (missing {missing:?}, not generated {extra:?}, \
         different {stale:?}); {refresh}"
    );
    for (shell, file, _) in COMPLETIONS {
        let path = root().join("assets/completions").join(file);
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == completion_script(*shell),
            "{} is not what `keyshelf completions {shell}` prints; {refresh}",
            path.display()
        );
    }
}

#[test]
fn every_man_page_renders_without_warnings() {
    if !have("man") {
        return;
    }
    let mut pages: Vec<PathBuf> =
        std::fs::read_dir(root().join("assets/man")).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    assert!(pages.len() > 10, "{pages:?}");
    for page in &pages {
        assert_man_renders(page);
    }
}

#[test]
fn completion_scripts_load_in_their_shells() {
    let scripts: Vec<(clap_complete::Shell, PathBuf)> =
        COMPLETIONS.iter().map(|(shell, file, _)| (*shell, root().join("assets/completions").join(file))).collect();
    assert_completions_load(&scripts);
}

#[test]
fn the_desktop_entry_validates_cleanly() {
    assert_desktop_entry_valid(&root().join("assets/keyshelf.desktop"));
}

/// The files `[package.metadata.deb]` names are in the repository (a glob at least once).
#[test]
fn every_package_asset_source_exists() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let section = manifest.split("[package.metadata.deb]").nth(1).expect("Cargo.toml has [package.metadata.deb]");
    let assets = section.split("assets = [").nth(1).and_then(|s| s.split("\n]").next()).expect("an assets list");
    let mut sources = 0;
    for line in assets.lines().map(str::trim).filter(|l| l.starts_with("[\"")) {
        let source = line.trim_start_matches("[\"").split('"').next().unwrap();
        sources += 1;
        if source.starts_with("target/release/") {
            continue;
        }
        let found = match source.strip_suffix("*.1") {
            Some(dir) => std::fs::read_dir(root().join(dir))
                .unwrap()
                .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "1")),
            None => root().join(source).is_file(),
        };
        assert!(found, "the package asset {source} is not in the repository");
    }
    assert!(sources >= 18, "{sources} assets in:\n{assets}");
}

#[test]
fn doctor_json_lists_checks_with_name_ok_detail_and_fix() {
    let home = tempfile::tempdir().unwrap();
    let keyshelf = |db: &Path| {
        Command::new(env!("CARGO_BIN_EXE_keyshelf"))
            .args(["doctor", "--json"])
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("share"))
            .env("KEYSHELF_DB", db)
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("KEYSHELF_SSH_COMMAND")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let db = home.path().join("inv.sqlite3");
    let o = keyshelf(&db);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for want in [
        "ssh",
        "ssh-keygen",
        "ssh-agent",
        "agent",
        "inventory",
        "inventory-mode",
        "inventory-schema",
        "ssh-config",
        "aws-profiles",
        "cloud-credentials",
        "desktop-entry",
    ] {
        assert!(names.contains(&want), "no {want} in {names:?}");
    }
    for c in &checks {
        let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["detail", "fix", "name", "ok"], "{c}");
        assert!(c["detail"].is_string() && c["ok"].is_boolean(), "{c}");
        assert_eq!(c["ok"].as_bool().unwrap(), c["fix"].is_null(), "a failed check has a fix, a good one none: {c}");
    }
    let agent = checks.iter().find(|c| c["name"] == "agent").unwrap();
    assert_eq!(agent["ok"], false, "{agent}");
    assert!(!db.exists(), "doctor created the inventory");

    // A file that is not an inventory: still the whole report, then exit 1.
    std::fs::write(&db, "these are notes, not an inventory\n".repeat(50)).unwrap();
    let o = keyshelf(&db);
    assert_eq!(o.status.code(), Some(1));
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let inventory = checks.iter().find(|c| c["name"] == "inventory").unwrap();
    assert_eq!(inventory["ok"], false, "{inventory}");
    assert!(text(&o.stderr).contains("the inventory cannot be read"), "{}", text(&o.stderr));
}

/// One line of `dpkg-deb -c`: mode, owner and path (without the leading `./`).
struct Entry {
    mode: String,
    owner: String,
    path: String,
}

fn contents(deb: &Path) -> Vec<Entry> {
    let o = run("dpkg-deb", &["-c", &deb.to_string_lossy()], &[]).unwrap();
    assert!(o.status.success(), "dpkg-deb -c: {}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(f.len() >= 6, "odd dpkg-deb -c line: {l}");
            let path = f[5..].join(" ");
            Entry { mode: f[0].into(), owner: f[1].into(), path: path.trim_start_matches("./").into() }
        })
        .collect()
}

/// Every file the package must hold, with its mode.
fn expected_files() -> Vec<(String, &'static str)> {
    let mut files = vec![
        ("usr/bin/keyshelf".to_string(), "-rwxr-xr-x"),
        ("usr/share/applications/keyshelf.desktop".into(), "-rw-r--r--"),
        ("usr/share/icons/hicolor/scalable/apps/keyshelf.svg".into(), "-rw-r--r--"),
        ("usr/share/doc/keyshelf/README.md".into(), "-rw-r--r--"),
        ("usr/share/doc/keyshelf/LICENSE-MIT".into(), "-rw-r--r--"),
        ("usr/share/doc/keyshelf/LICENSE-APACHE".into(), "-rw-r--r--"),
        ("usr/share/doc/keyshelf/copyright".into(), "-rw-r--r--"),
    ];
    files.extend(
        ICON_SIZES.iter().map(|n| (format!("usr/share/icons/hicolor/{n}x{n}/apps/keyshelf.png"), "-rw-r--r--")),
    );
    files.extend(COMPLETIONS.iter().map(|(_, _, dest)| (dest.to_string(), "-rw-r--r--")));
    for (name, _) in man_pages().unwrap() {
        files.push((format!("usr/share/man/man1/{name}.gz"), "-rw-r--r--"));
    }
    files
}

fn control_field(info: &str, field: &str) -> String {
    info.lines()
        .find_map(|l| l.trim_start().strip_prefix(&format!("{field}: ")))
        .unwrap_or_else(|| panic!("no {field} in:\n{info}"))
        .to_string()
}

#[test]
fn the_debian_package_holds_everything_installs_and_removes_cleanly() {
    if std::env::var("KEYSHELF_PACKAGE_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: building the .deb is a release build; run with KEYSHELF_PACKAGE_TEST=1");
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if !run(&cargo, &["deb", "--version"], &[]).is_some_and(|o| o.status.success()) {
        eprintln!("skipped: cargo-deb not installed (cargo install cargo-deb)");
        return;
    }
    if !have("dpkg-deb") {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    // KEYSHELF_PACKAGE_PROFILE=dev (as .ci/run sets it) packs the binary the tests were
    // built with instead of a release build: the same files, in minutes less.
    let profile = std::env::var("KEYSHELF_PACKAGE_PROFILE").unwrap_or_else(|_| "release".into());
    let built = Command::new(&cargo)
        .args(["deb", "--locked", "--profile", &profile, "--output"])
        .arg(out.path())
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(built.status.success(), "cargo deb failed:\n{}{}", text(&built.stdout), text(&built.stderr));
    let deb: PathBuf = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("cargo deb wrote a .deb");
    eprintln!("built {}", deb.display());

    // The control file: name, a version that follows Cargo.toml, what a package manager shows.
    let info = text(&run("dpkg-deb", &["-I", &deb.to_string_lossy()], &[]).unwrap().stdout);
    assert_eq!(control_field(&info, "Package"), "keyshelf");
    let version = control_field(&info, "Version");
    assert!(version.starts_with(env!("CARGO_PKG_VERSION")), "{version}");
    assert!(control_field(&info, "Maintainer").contains('<'), "{info}");
    assert_eq!(control_field(&info, "Section"), "utils");
    assert_eq!(control_field(&info, "Priority"), "optional");
    assert!(control_field(&info, "Depends").contains("libc6"), "{info}");
    assert!(control_field(&info, "Recommends").starts_with("openssh-client"), "{info}");
    assert!(info.contains(" Keyshelf keeps a local inventory"), "no extended description:\n{info}");

    // The files, their modes and owners; nothing outside /usr.
    let entries = contents(&deb);
    for (path, mode) in expected_files() {
        let e = entries.iter().find(|e| e.path == path).unwrap_or_else(|| panic!("{path} is not in the package"));
        assert_eq!(e.mode, mode, "{path}");
    }
    for e in &entries {
        assert!(e.owner == "root/root" || e.owner == "0/0", "{} is owned by {}", e.path, e.owner);
        assert!(e.path.is_empty() || e.path.starts_with("usr/"), "{} is outside /usr", e.path);
    }

    // What was packed works: the entry validates, each page renders, each script loads.
    let unpacked = tempfile::tempdir().unwrap();
    let x = run("dpkg-deb", &["-x", &deb.to_string_lossy(), &unpacked.path().to_string_lossy()], &[]).unwrap();
    assert!(x.status.success(), "{}", text(&x.stderr));
    let u = unpacked.path();
    assert_desktop_entry_valid(&u.join("usr/share/applications/keyshelf.desktop"));
    if have("man") {
        for (name, _) in man_pages().unwrap() {
            assert_man_renders(&u.join(format!("usr/share/man/man1/{name}.gz")));
        }
    }
    assert_completions_load(&COMPLETIONS.iter().map(|(s, _, dest)| (*s, u.join(dest))).collect::<Vec<_>>());
    let v = run(&u.join("usr/bin/keyshelf").to_string_lossy(), &["--version"], &[]).unwrap();
    assert_eq!(text(&v.stdout).trim(), format!("keyshelf {}", env!("CARGO_PKG_VERSION")));

    install_and_remove(&deb, &entries);
}

/// Whether dpkg is set to leave files under `dir` out (`path-exclude`, as slim container
/// images do for the man pages).
fn dpkg_excludes(dir: &str) -> bool {
    let Ok(files) = std::fs::read_dir("/etc/dpkg/dpkg.cfg.d") else { return false };
    files.filter_map(|f| std::fs::read_to_string(f.ok()?.path()).ok()).any(|config| {
        config.lines().any(|l| {
            l.trim().strip_prefix("path-exclude").is_some_and(|p| p.trim_start_matches([' ', '=']).starts_with(dir))
        })
    })
}

/// As root: `dpkg -i`, the installed command and man page, then `dpkg -r` leaves nothing
/// of the package, and the user's inventory as it was.
fn install_and_remove(deb: &Path, entries: &[Entry]) {
    let uid = run("id", &["-u"], &[]).map(|o| text(&o.stdout).trim().to_string());
    if uid.as_deref() != Some("0") {
        eprintln!("skipped: installing the package needs root (dpkg -i)");
        return;
    }
    if !have("dpkg") {
        return;
    }
    let status = run("dpkg-query", &["-W", "-f=${Status}", "keyshelf"], &[]).unwrap();
    if text(&status.stdout).contains("installed") {
        eprintln!("skipped: keyshelf is already installed here; not replacing it (dpkg -r keyshelf first)");
        return;
    }
    let i = run("dpkg", &["-i", &deb.to_string_lossy()], &[]).unwrap();
    assert!(i.status.success(), "dpkg -i:\n{}{}", text(&i.stdout), text(&i.stderr));
    let removed = std::panic::catch_unwind(|| {
        let v = run("/usr/bin/keyshelf", &["--version"], &[]).expect("/usr/bin/keyshelf once installed");
        assert_eq!(text(&v.stdout).trim(), format!("keyshelf {}", env!("CARGO_PKG_VERSION")));
        let page = Path::new("/usr/share/man/man1/keyshelf.1.gz");
        if !page.exists() && dpkg_excludes("/usr/share/man") {
            eprintln!("skipped: man -w keyshelf (dpkg's path-exclude here keeps /usr/share/man out)");
        } else if have("man") {
            let w = run("man", &["-w", "keyshelf"], &[]).unwrap();
            assert_eq!(text(&w.stdout).trim(), page.to_string_lossy(), "{}", text(&w.stderr));
        }
        // The user's data, made by the installed binary.
        let home = tempfile::tempdir().unwrap();
        let made = Command::new("/usr/bin/keyshelf")
            .args(["account", "add", "prod", "--provider", "aws"])
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join(".local/share"))
            .env_remove("KEYSHELF_DB")
            .output()
            .unwrap();
        assert!(made.status.success(), "{}", text(&made.stderr));
        let inventory = home.path().join(".local/share/keyshelf/keyshelf.sqlite3");
        let before = std::fs::read(&inventory).unwrap();
        (home, inventory, before)
    });
    let r = run("dpkg", &["-r", "keyshelf"], &[]).unwrap();
    let (home, inventory, before) = match removed {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e),
    };
    assert!(r.status.success(), "dpkg -r:\n{}{}", text(&r.stdout), text(&r.stderr));
    let left: Vec<&str> = entries
        .iter()
        .filter(|e| !e.mode.starts_with('d'))
        .map(|e| e.path.as_str())
        .filter(|p| Path::new("/").join(p).exists())
        .collect();
    assert!(left.is_empty(), "left behind by dpkg -r: {left:?}");
    // Its own folders go too (the shared ones, such as /usr/share/man/man1, stay).
    let own_dirs: Vec<&str> = entries
        .iter()
        .filter(|e| e.mode.starts_with('d') && e.path.contains("keyshelf"))
        .map(|e| e.path.as_str())
        .collect();
    assert!(!own_dirs.is_empty());
    for own in own_dirs {
        assert!(!Path::new("/").join(own).exists(), "/{own} is left behind by dpkg -r");
    }
    let status = run("dpkg-query", &["-W", "-f=${Status}", "keyshelf"], &[]).unwrap();
    assert!(!text(&status.stdout).contains(" installed"), "{}", text(&status.stdout));
    assert_eq!(std::fs::read(&inventory).unwrap(), before, "removing the package changed the inventory");
    drop(home);
}
