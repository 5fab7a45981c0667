//! known_hosts cleanup, end to end: OpenSSH's `ssh-keygen -R` is the oracle for every
//! case both handle; the rest checks where Keyshelf differs on purpose (wildcards,
//! symlinks, malformed lines, modes, backups, dry runs) and drives the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use keyshelf::cli::known_hosts::{run, KnownHostsCommand};
use keyshelf::known_hosts::{backup_path, plan_file, restore, restore_with, HostQuery, Plan, RestoreMode};
use tempfile::TempDir;

/// Public keys made by `ssh-keygen` (ed25519, ecdsa, rsa), as "type base64".
fn keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let specs = [("ed25519", "256"), ("ed25519", "256"), ("ecdsa", "256"), ("rsa", "2048")];
        specs
            .iter()
            .enumerate()
            .map(|(i, (kind, bits))| {
                let f = dir.path().join(format!("k{i}"));
                let st = Command::new("ssh-keygen")
                    .args(["-q", "-t", kind, "-b", bits, "-N", "", "-C", "", "-f"])
                    .arg(&f)
                    .status()
                    .expect("ssh-keygen must be installed");
                assert!(st.success(), "ssh-keygen -t {kind} failed");
                let text = fs::read_to_string(f.with_extension("pub")).expect("read .pub");
                text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
            })
            .collect()
    })
}

fn key(i: usize) -> &'static str {
    &keys()[i % keys().len()]
}

fn ssh_keygen(args: &[&str], file: &Path) -> Output {
    Command::new("ssh-keygen").args(args).arg("-f").arg(file).output().expect("ssh-keygen runs")
}

/// Writes `content` as `known_hosts` in a fresh temp dir.
fn file_with(content: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("known_hosts");
    fs::write(&f, content).expect("write");
    (dir, f)
}

/// `ssh-keygen -R` once per host, in order; the file afterwards, and the line
/// numbers it reported ("# Host h found: line N") for each call.
fn oracle_remove(content: &[u8], hosts: &[&str]) -> (Vec<u8>, Vec<Vec<usize>>) {
    let (_dir, f) = file_with(content);
    let mut found = Vec::new();
    for h in hosts {
        let out = ssh_keygen(&["-R", h], &f);
        assert!(out.status.success(), "ssh-keygen -R {h} failed: {}", String::from_utf8_lossy(&out.stderr));
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.rsplit_once("found: line ").map(|(_, n)| n.trim().parse().ok()))
            .flatten()
            .collect();
        found.push(lines);
    }
    (fs::read(&f).expect("read"), found)
}

fn queries(hosts: &[&str]) -> Vec<HostQuery> {
    hosts.iter().map(|h| HostQuery::parse(h).expect(h)).collect()
}

/// Keyshelf's removal of all `hosts` in one pass: the file afterwards and the plan.
fn keyshelf_remove(content: &[u8], hosts: &[&str]) -> (Vec<u8>, Plan) {
    let (_dir, f) = file_with(content);
    let plan = plan_file(&f, &queries(hosts)).expect("plan");
    let backup = plan.apply().expect("apply");
    assert_eq!(backup.is_some(), !plan.removed.is_empty());
    (fs::read(&f).expect("read"), plan)
}

fn hash_with_ssh_keygen(content: &[u8]) -> Vec<u8> {
    let (_dir, f) = file_with(content);
    let out = ssh_keygen(&["-H"], &f);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    fs::read(&f).expect("read")
}

/// A small xorshift generator, so every run tests the same files.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const POOL: &[&str] =
    &["web1.example.com", "db.example.org", "10.0.0.5", "2001:db8::5", "git.internal", "Mixed.Case.Net", "bastion"];

/// How `ssh` writes a host: `name` on port 22, `[name]:port` otherwise.
fn token(rng: &mut Rng) -> String {
    let name = POOL[rng.below(POOL.len())];
    match rng.below(10) {
        0..=1 => format!("[{name}]:2222"),
        2 => format!("[{name}]:2200"),
        _ => name.to_string(),
    }
}

/// Lines both tools handle the same way: no wildcards or negations, no `[h]:22`,
/// no malformed lines, no blank CRLF line (OpenSSH calls "\r" an invalid line).
fn generate(rng: &mut Rng, count: usize, crlf: bool, markers: bool) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..count {
        let line = match rng.below(12) {
            0 => format!("# comment {i}"),
            1 => String::new(),
            2 if markers => {
                let m = if rng.chance(50) { "@cert-authority" } else { "@revoked" };
                format!("{m} {} {}", token(rng), key(rng.below(4)))
            }
            _ => {
                let hosts: Vec<String> = (0..1 + rng.below(3)).map(|_| token(rng)).collect();
                let sep = if rng.chance(25) { "\t" } else { " " };
                let comment = if rng.chance(30) { " some comment" } else { "" };
                format!("{}{sep}{}{comment}", hosts.join(","), key(rng.below(4)))
            }
        };
        let end = if crlf && !line.is_empty() && rng.chance(50) { "\r\n" } else { "\n" };
        out.push_str(&line);
        out.push_str(end);
    }
    out.into_bytes()
}

/// Query strings in the form `ssh-keygen -R` takes (lower-case, `[h]:port`).
fn pick_queries(rng: &mut Rng) -> Vec<String> {
    (0..1 + rng.below(3))
        .map(|_| match rng.below(8) {
            0 => "absent.example".to_string(),
            _ => token(rng).to_ascii_lowercase(),
        })
        .collect()
}

#[test]
fn generated_files_lose_the_same_lines_as_with_ssh_keygen_r() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut total_removed, mut hashed_removed) = (0, 0);
    for round in 0..40 {
        let crlf = round % 3 == 1;
        let count = 12 + rng.below(20);
        let mut content = generate(&mut rng, count, crlf, true);
        if round % 2 == 0 {
            let count = 10 + rng.below(10);
            let hashed = generate(&mut rng, count, crlf, false);
            content.extend(hash_with_ssh_keygen(&hashed));
        }
        let hosts = pick_queries(&mut rng);
        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
        let (expected, found) = oracle_remove(&content, &hosts);
        let (actual, plan) = keyshelf_remove(&content, &hosts);
        assert_eq!(
            String::from_utf8_lossy(&actual),
            String::from_utf8_lossy(&expected),
            "round {round}, hosts {hosts:?}, file:\n{}",
            String::from_utf8_lossy(&content)
        );
        if hosts.len() == 1 {
            let ours: Vec<usize> = plan.removed.iter().map(|r| r.line).collect();
            assert_eq!(ours, found[0], "line numbers, round {round}");
        }
        assert!(plan.malformed.is_empty(), "round {round}: {:?}", plan.malformed);
        for r in &plan.removed {
            assert!(r.fingerprint.as_deref().is_some_and(|f| f.starts_with("SHA256:")));
            assert!(hosts.contains(&r.matched.as_str()), "{} not in {hosts:?}", r.matched);
        }
        total_removed += plan.removed.len();
        hashed_removed += plan.removed.iter().filter(|r| r.hashed).count();
    }
    // The comparison above means little if nothing was ever removed.
    assert!(total_removed > 40, "only {total_removed} lines removed in all rounds");
    assert!(hashed_removed > 5, "only {hashed_removed} hashed lines removed");
}

#[test]
fn several_hosts_in_one_call_equal_a_sequence_of_ssh_keygen_r() {
    let content = format!(
        "web1.example.com,10.0.0.5 {k0}\n[web1.example.com]:2222 {k1}\r\ndb.example.org {k2}\n\
         # keep me\n[2001:db8::5]:2200\t{k3} c\n2001:db8::5 {k0}\nbastion {k1}\n",
        k0 = key(0),
        k1 = key(1),
        k2 = key(2),
        k3 = key(3)
    );
    let hosts = ["10.0.0.5", "[web1.example.com]:2222", "[2001:db8::5]:2200", "db.example.org"];
    let (expected, _) = oracle_remove(content.as_bytes(), &hosts);
    let (actual, plan) = keyshelf_remove(content.as_bytes(), &hosts);
    assert_eq!(String::from_utf8_lossy(&actual), String::from_utf8_lossy(&expected));
    let lines: Vec<usize> = plan.removed.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![1, 2, 3, 5]);
    assert_eq!(plan.removed[1].matched, "[web1.example.com]:2222");
    // Our parser accepts host:port too, and it means the same.
    let (again, _) = keyshelf_remove(
        content.as_bytes(),
        &["10.0.0.5", "web1.example.com:2222", "[2001:db8::5]:2200", "DB.example.org"],
    );
    assert_eq!(again, actual);
}

#[test]
fn fingerprints_match_ssh_keygen_l() {
    let content = format!("a {}\na {}\na {}\n", key(0), key(2), key(3));
    let (_, plan) = keyshelf_remove(content.as_bytes(), &["a"]);
    for (r, i) in plan.removed.iter().zip([0, 2, 3]) {
        let (_dir, f) = file_with(format!("{}\n", key(i)).as_bytes());
        let out = ssh_keygen(&["-l", "-E", "sha256"], &f);
        let expected = String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).map(str::to_string);
        assert_eq!(r.fingerprint, expected);
        assert_eq!(r.key_type, key(i).split(' ').next().unwrap_or(""));
    }
}

#[test]
fn wildcard_and_negated_lines_are_kept_where_ssh_keygen_removes_some() {
    let content = format!(
        "*.example.com {k}\nweb.example.com {k}\nweb.example.com,*.corp {k}\n\
         *.example.com,!web.example.com {k}\n@cert-authority *.example.com {k}\n",
        k = key(0)
    );
    let (theirs, _) = oracle_remove(content.as_bytes(), &["web.example.com"]);
    // The oracle shows the danger: the wildcard lines are gone with ssh-keygen -R.
    let wildcard_line = format!("*.example.com {}", key(0));
    assert!(!String::from_utf8_lossy(&theirs).lines().any(|l| l == wildcard_line));
    let (ours, plan) = keyshelf_remove(content.as_bytes(), &["web.example.com"]);
    let expected: String =
        content.lines().enumerate().filter(|(i, _)| *i != 1).map(|(_, l)| format!("{l}\n")).collect();
    assert_eq!(String::from_utf8_lossy(&ours), expected);
    let kept: Vec<(usize, &str)> = plan.kept.iter().map(|k| (k.line, k.reason.as_str())).collect();
    assert_eq!(kept[0], (1, "covers this host, kept"));
    assert_eq!(kept[1].0, 3);
    assert!(kept[1].1.contains("wildcard or negated"), "{}", kept[1].1);
    assert_eq!(kept[2].0, 4);
    assert!(kept[2].1.contains("negated"), "{}", kept[2].1);
    assert_eq!(kept[3].0, 5);
    assert!(kept[3].1.contains("@cert-authority"), "{}", kept[3].1);
}

#[test]
fn malformed_lines_are_kept_where_ssh_keygen_refuses_the_file() {
    let content = format!(
        "old {k}\ntruncated-line\nhost ssh-ed25519\n@bogus h {k}\n|1|bad|hash {k}\n\r\nother {k}\nold {k}",
        k = key(1)
    );
    let (_dir, f) = file_with(content.as_bytes());
    let out = ssh_keygen(&["-R", "old"], &f);
    assert!(!out.status.success(), "ssh-keygen -R was expected to refuse this file");
    assert_eq!(fs::read(&f).expect("read"), content.as_bytes());

    let (ours, plan) = keyshelf_remove(content.as_bytes(), &["old"]);
    let expected = content.replacen(&format!("old {}\n", key(1)), "", 1);
    let expected = expected.strip_suffix(&format!("old {}", key(1))).unwrap_or("");
    assert_eq!(String::from_utf8_lossy(&ours), expected);
    let bad: Vec<usize> = plan.malformed.iter().map(|m| m.line).collect();
    assert_eq!(bad, vec![2, 3, 4, 5]);
}

#[test]
fn crlf_tabs_and_a_missing_final_newline_survive_byte_for_byte() {
    let content = format!("a\t{k}\r\n\t# c\r\n\nb {k}\r\nc {k}  trailing text\td", k = key(0));
    let (ours, _) = keyshelf_remove(content.as_bytes(), &["b"]);
    assert_eq!(ours, format!("a\t{k}\r\n\t# c\r\n\nc {k}  trailing text\td", k = key(0)).as_bytes());
}

#[test]
fn a_symlinked_file_stays_a_symlink_and_its_target_is_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real_dir = dir.path().join("dotfiles");
    fs::create_dir(&real_dir).expect("mkdir");
    let real = real_dir.join("known_hosts");
    let content = format!("a {k}\nb {k}\n", k = key(0));
    fs::write(&real, &content).expect("write");
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).expect("chmod");
    let link = dir.path().join("known_hosts");
    symlink(&real, &link).expect("symlink");

    let plan = plan_file(&link, &queries(&["a"])).expect("plan");
    let backup = plan.apply().expect("apply").expect("a backup");
    assert!(fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink());
    assert_eq!(fs::read_link(&link).expect("readlink"), real);
    assert_eq!(fs::read_to_string(&real).expect("read"), format!("b {}\n", key(0)));
    assert_eq!(backup, backup_path(&real));
    assert_eq!(fs::read_to_string(&backup).expect("read"), content);
    assert_eq!(mode(&real), 0o600);

    restore(&link).expect("restore");
    assert!(fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink());
    assert_eq!(fs::read_to_string(&real).expect("read"), content);
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).expect("stat").permissions().mode() & 0o7777
}

#[test]
fn mode_is_kept_and_the_backup_is_the_original_byte_for_byte() {
    for wanted in [0o644, 0o600, 0o664] {
        let content = format!("# c\r\nx {k}\ny {k}", k = key(2));
        let (_dir, f) = file_with(content.as_bytes());
        fs::set_permissions(&f, fs::Permissions::from_mode(wanted)).expect("chmod");
        let plan = plan_file(&f, &queries(&["x"])).expect("plan");
        let backup = plan.apply().expect("apply").expect("a backup");
        assert_eq!(backup, backup_path(&f));
        assert_eq!(fs::read(&backup).expect("read"), content.as_bytes());
        assert_eq!(mode(&f), wanted, "file mode");
        assert_eq!(mode(&backup), wanted, "backup mode");

        // A line the backup does not have: only a forced restore drops it.
        fs::write(&f, "edited by hand\n").expect("write");
        assert!(restore(&f).is_err(), "a plain restore would lose the edited line");
        assert_eq!(restore_with(&f, RestoreMode::Force).expect("restore").backup, backup);
        assert_eq!(fs::read(&f).expect("read"), content.as_bytes());
        assert_eq!(mode(&f), wanted, "restored mode");
    }
}

fn run_cli(cmd: KnownHostsCommand) -> String {
    let mut out = Vec::new();
    run(cmd, &mut out).expect("command succeeds");
    String::from_utf8(out).expect("utf8 output")
}

fn remove_cmd(f: &Path, hosts: &[&str], dry_run: bool, json: bool) -> KnownHostsCommand {
    KnownHostsCommand::Remove {
        hosts: hosts.iter().map(|h| h.to_string()).collect(),
        file: Some(f.to_path_buf()),
        dry_run,
        json,
    }
}

#[test]
fn a_dry_run_writes_nothing() {
    let content = format!("a {k}\n*.x {k}\n", k = key(0));
    let (_dir, f) = file_with(content.as_bytes());
    let before = fs::metadata(&f).expect("stat").modified().expect("mtime");
    let text = run_cli(remove_cmd(&f, &["a", "b.x"], true, false));
    assert!(text.contains("Would remove line 1: a ssh-ed25519 SHA256:"), "{text}");
    assert!(text.contains("Kept line 2: covers this host, kept"), "{text}");
    assert_eq!(fs::read(&f).expect("read"), content.as_bytes());
    assert_eq!(fs::metadata(&f).expect("stat").modified().expect("mtime"), before);
    assert!(!backup_path(&f).exists());
    let json: serde_json::Value = serde_json::from_str(&run_cli(remove_cmd(&f, &["a"], true, true))).expect("json");
    assert_eq!(json["removed"][0]["line"], 1);
    assert_eq!(json["backup"], serde_json::Value::Null);
    assert!(!backup_path(&f).exists());
}

#[test]
fn nothing_is_written_when_nothing_matches() {
    let content = format!("a {k}\n*.x {k}\n", k = key(0));
    let (_dir, f) = file_with(content.as_bytes());
    let before = fs::metadata(&f).expect("stat").modified().expect("mtime");
    let text = run_cli(remove_cmd(&f, &["zz", "y.x"], false, false));
    assert!(text.ends_with("Nothing matched; nothing written.\n"), "{text}");
    assert_eq!(fs::metadata(&f).expect("stat").modified().expect("mtime"), before);
    assert!(!backup_path(&f).exists());
    assert_eq!(plan_file(&f, &queries(&["zz"])).expect("plan").apply().expect("apply"), None);
}

#[test]
fn cli_restore_puts_the_backup_back_and_says_where_from() {
    let content = format!("a {k}\nb {k}\n", k = key(1));
    let (_dir, f) = file_with(content.as_bytes());
    let text = run_cli(remove_cmd(&f, &["a"], false, false));
    assert!(text.contains(&format!("Backup: {}", backup_path(&f).display())), "{text}");
    let text = run_cli(KnownHostsCommand::Restore { file: Some(f.clone()), force: false, merge: false });
    assert!(text.contains("Restored"), "{text}");
    assert_eq!(fs::read(&f).expect("read"), content.as_bytes());
}

#[test]
fn errors_name_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let err = plan_file(&missing, &queries(&["a"])).expect_err("missing file");
    assert_eq!(err.to_string(), format!("cannot read {}: no such file or directory", missing.display()));
    let err = restore(&missing).expect_err("no backup");
    assert!(err.to_string().contains("nope.old does not exist"), "{err}");
    let mut out = Vec::new();
    let err = run(remove_cmd(&missing, &["bad host"], false, false), &mut out).expect_err("bad host");
    assert!(err.to_string().starts_with("invalid host \"bad host\""), "{err}");
}

#[test]
fn cli_binary_removes_and_prints_json() {
    let content = format!("web.example.com {k}\n*.example.com {k}\nbroken\n[web.example.com]:2222 {k}\n", k = key(0));
    let (_dir, f) = file_with(content.as_bytes());
    let out = Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .args(["known-hosts", "remove", "--file"])
        .arg(&f)
        .args(["--json", "web.example.com"])
        .output()
        .expect("run keyshelf");
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["removed"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["removed"][0]["line"], 1);
    assert_eq!(v["removed"][0]["text"], format!("web.example.com {}", key(0)));
    assert_eq!(v["kept"][0]["line"], 2);
    assert_eq!(v["kept"][0]["reason"], "covers this host, kept");
    assert_eq!(v["kept"][1]["line"], 3);
    assert_eq!(v["kept"][1]["malformed"], true);
    assert_eq!(v["backup"], backup_path(&f).display().to_string());
    assert_eq!(fs::read(backup_path(&f)).expect("backup"), content.as_bytes());
}

/// Runs the real `keyshelf` binary with `args`; always on a `--file` in a temp dir.
fn keyshelf(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .args(["known-hosts"])
        .args(args)
        .arg("--file")
        .arg(file)
        .output()
        .expect("run keyshelf")
}

/// A known_hosts file after `keyshelf known-hosts remove --file F old.example.com`.
fn removed_with_the_binary() -> (TempDir, PathBuf, String) {
    let content = format!(
        "old.example.com {}
web.example.com {}
",
        key(0),
        key(1)
    );
    let (dir, f) = file_with(content.as_bytes());
    let out = keyshelf(&["remove", "old.example.com"], &f);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read_to_string(&f).expect("read"), format!("web.example.com {}\n", key(1)));
    (dir, f, content)
}

/// The line `ssh` appends with `HashKnownHosts yes`, made by `ssh-keygen -H`.
fn hashed_line(host: &str, key: &str) -> String {
    let hashed = hash_with_ssh_keygen(format!("{host} {key}\n").as_bytes());
    let text = String::from_utf8(hashed).expect("utf8");
    let line = text.lines().find(|l| l.starts_with("|1|")).expect("a hashed line").to_string();
    line + "\n"
}

#[test]
fn cli_restore_refuses_to_lose_a_line_ssh_added_since_the_removal() {
    let (_dir, f, original) = removed_with_the_binary();
    let added = hashed_line("new.example.com", key(2));
    let after = format!("web.example.com {}\n{added}", key(1));
    fs::write(&f, &after).expect("ssh appends");

    let out = keyshelf(&["restore"], &f);
    assert_eq!(out.status.code(), Some(1), "refused");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    let file = f.display();
    assert!(
        err.starts_with(&format!("keyshelf: cannot restore {file}: it has 1 line that the backup {file}.old")),
        "{err}"
    );
    let shown: String = added.trim_end().chars().take(40).collect();
    assert!(err.contains(&format!("line 2: {shown}")), "the added line is shown: {err}");
    assert!(err.contains("--force") && err.contains("--merge"), "{err}");
    assert_eq!(fs::read_to_string(&f).expect("read"), after, "the file is untouched");
    assert_eq!(fs::read_to_string(backup_path(&f)).expect("read"), original, "the backup is untouched");

    let out = keyshelf(&["restore", "--force"], &f);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("Restored {file} from {file}.old; 1 line added since the removal dropped")),
        "{said}"
    );
    assert_eq!(fs::read_to_string(&f).expect("read"), original);
    assert_eq!(fs::read_to_string(backup_path(&f)).expect("read"), original, "the backup stays");
}

#[test]
fn cli_restore_merge_keeps_the_added_line_after_the_backup() {
    let (_dir, f, original) = removed_with_the_binary();
    let added = hashed_line("new.example.com", key(2));
    fs::write(&f, format!("web.example.com {}\n{added}", key(1))).expect("ssh appends");

    let out = keyshelf(&["restore", "--merge"], &f);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("keeping 1 line added since the removal at the end"), "{said}");
    assert_eq!(fs::read_to_string(&f).expect("read"), original + &added);

    let out = keyshelf(&["restore", "--merge", "--force"], &f);
    assert_eq!(out.status.code(), Some(2), "--merge and --force do not go together");
}

#[test]
fn cli_restore_of_an_unchanged_removal_just_restores() {
    let (_dir, f, original) = removed_with_the_binary();
    let out = keyshelf(&["restore"], &f);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let file = f.display();
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("Restored {file} from {file}.old\n"));
    assert_eq!(fs::read_to_string(&f).expect("read"), original);

    // Removing more lines (say with ssh-keygen -R) loses nothing a restore would drop.
    let out = ssh_keygen(&["-R", "web.example.com"], &f);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read_to_string(backup_path(&f)).expect("read"), original, "ssh-keygen -R backs up too");
    assert!(keyshelf(&["restore"], &f).status.success());
    assert_eq!(fs::read_to_string(&f).expect("read"), original);
}

#[test]
fn a_200k_line_file_is_cleaned_quickly_and_like_ssh_keygen() {
    let mut plain = String::new();
    for i in 0..100_000 {
        plain.push_str(&format!("h{i}.example.com,10.{}.{}.{} {}\n", i / 65536, i / 256 % 256, i % 256, key(i)));
    }
    let mut to_hash = String::new();
    for i in 0..100_000 {
        to_hash.push_str(&format!("g{i}.example.com {}\n", key(i)));
    }
    to_hash.push_str(&format!("[g42.example.com]:2222 {}\n", key(0)));
    let mut content = plain.into_bytes();
    content.extend(hash_with_ssh_keygen(to_hash.as_bytes()));
    let hosts = ["h7.example.com", "10.1.17.112", "g99999.example.com", "[g42.example.com]:2222"];
    let (_dir, f) = file_with(&content);
    let start = Instant::now();
    let plan = plan_file(&f, &queries(&hosts)).expect("plan");
    plan.apply().expect("apply");
    let elapsed = start.elapsed();
    eprintln!("planned and applied 200,001 lines in {elapsed:?}");
    assert_eq!(plan.removed.len(), 4);
    let (expected, _) = oracle_remove(&content, &hosts);
    assert!(fs::read(&f).expect("read") == expected, "differs from ssh-keygen -R");
}
