//! Helpers shared by the end-to-end tests: a scratch folder with its own inventory, the
//! `keyshelf` binary, and the real `ssh-keygen` / `openssl` used as oracles.

#![allow(dead_code)]
// Test helpers: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod alibaba_server;
pub mod moto;
pub mod tc3;
pub mod tencent_server;

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64ct::{Base64, Encoding};
use serde_json::Value;
use tempfile::TempDir;

/// A scratch folder with its own inventory file (`inv.sqlite3`).
pub struct Env {
    pub dir: TempDir,
    pub db: PathBuf,
    /// Extra environment for every keyshelf run (e.g. `KEYSHELF_SSH_COMMAND`).
    pub vars: Vec<(String, String)>,
    /// Variables removed from every keyshelf run's environment.
    pub unset: Vec<String>,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("inv.sqlite3");
        Env { dir, db, vars: Vec::new(), unset: Vec::new() }
    }

    /// A scratch folder whose commands use the inventory at `db` instead.
    pub fn at(db: &Path) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        Env { dir, db: db.to_path_buf(), vars: Vec::new(), unset: Vec::new() }
    }

    /// A path inside the scratch folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the scratch folder and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = Command::new(env!("CARGO_BIN_EXE_keyshelf"));
        c.arg("--db").arg(&self.db).args(args).current_dir(self.dir.path()).env_remove("KEYSHELF_DB");
        for k in &self.unset {
            c.env_remove(k);
        }
        c.envs(self.vars.iter().map(|(k, v)| (k, v)));
        c
    }

    /// Runs `keyshelf --db DB ARGS...` in the scratch folder, stdin empty.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command(args).stdin(Stdio::null()).output().expect("run keyshelf")
    }

    /// Runs keyshelf with `input` on standard input.
    pub fn run_stdin<I, S>(&self, args: I, input: &[u8]) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_with_stdin(self.command(args), input)
    }

    /// Runs keyshelf, asserts exit 0, returns stdout.
    pub fn ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let shown = show_args(&args);
        let out = self.run(args);
        assert!(out.status.success(), "keyshelf {shown} failed: {}", text(&out.stderr));
        text(&out.stdout)
    }

    /// Runs keyshelf, asserts it fails with exit code 1 and prints one error on stderr;
    /// returns stderr.
    pub fn fails<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let shown = show_args(&args);
        let out = self.run(args);
        expect_failure(&out, &shown)
    }

    /// `key list --json`, as parsed JSON (an array).
    pub fn list(&self) -> Vec<Value> {
        let out = self.ok(["key", "list", "--json"]);
        match serde_json::from_str::<Value>(&out).expect("key list --json is JSON") {
            Value::Array(v) => v,
            other => panic!("key list --json is not an array: {other}"),
        }
    }

    /// `key list --search Q --json`: the names found.
    pub fn search(&self, q: &str) -> Vec<String> {
        let out = self.ok(["key", "list", "--search", q, "--json"]);
        let v: Value = serde_json::from_str(&out).expect("JSON");
        v.as_array().expect("array").iter().map(|k| k["name"].as_str().unwrap().to_string()).collect()
    }

    /// `key show KEY --json` (plus extra args such as `--region r`).
    pub fn show(&self, key: &str, extra: &[&str]) -> Value {
        let mut args = vec!["key", "show", key, "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(args)).expect("key show --json is JSON")
    }

    /// Number of entries in the activity log.
    pub fn activity_count(&self) -> usize {
        let out = self.ok(["activity", "--json", "--limit", "100000"]);
        serde_json::from_str::<Value>(&out).expect("JSON").as_array().expect("array").len()
    }

    /// Everything a failed command must leave as it was: the key list and the log.
    pub fn snapshot(&self) -> (String, usize) {
        (self.ok(["key", "list", "--json"]), self.activity_count())
    }

    /// The bytes of the inventory file and its WAL/SHM companions, if any.
    pub fn db_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.db.as_os_str().to_owned();
            p.push(suffix);
            if let Ok(b) = std::fs::read(PathBuf::from(p)) {
                all.extend_from_slice(&b);
            }
        }
        all
    }
}

fn show_args<S: AsRef<OsStr>>(args: &[S]) -> String {
    args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
}

/// Asserts a keyshelf run failed cleanly (exit 1, one `keyshelf: ` message, nothing on
/// stdout, no panic) and returns its stderr.
pub fn expect_failure(out: &Output, shown: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "keyshelf {shown} should fail with exit 1; stdout: {}; stderr: {err}",
        text(&out.stdout)
    );
    assert!(err.starts_with("keyshelf: "), "keyshelf {shown}: error should start with 'keyshelf: ': {err}");
    assert!(!err.contains("panicked"), "keyshelf {shown} panicked: {err}");
    err
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run_with_stdin(mut c: Command, input: &[u8]) -> Output {
    let mut child = c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Write from another thread so a child that stops reading cannot deadlock us.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

/// Runs a tool (ssh-keygen, openssl, ...) and returns its output, whatever the status.
pub fn tool<I, S>(program: &str, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); install it (openssh-client, openssl)"))
}

/// Runs a tool with `input` on standard input.
pub fn tool_stdin<I, S>(program: &str, args: I, input: &[u8]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(program);
    c.args(args);
    run_with_stdin(c, input)
}

/// Runs a tool, asserts success, returns stdout as text.
pub fn tool_ok<I, S>(program: &str, args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<S> = args.into_iter().collect();
    let shown = show_args(&args);
    let out = tool(program, args);
    assert!(out.status.success(), "{program} {shown} failed: {}", text(&out.stderr));
    text(&out.stdout)
}

/// `ssh-keygen -q -t TYPE -b BITS -N PASS -C COMMENT -f FILE`.
pub fn ssh_keygen_generate(file: &Path, kind: &str, bits: Option<u32>, passphrase: &str, comment: &str) {
    let mut args: Vec<String> = vec!["-q".into(), "-t".into(), kind.into()];
    if let Some(b) = bits {
        args.push("-b".into());
        args.push(b.to_string());
    }
    args.extend(["-N".into(), passphrase.into(), "-C".into(), comment.into(), "-f".into()]);
    args.push(file.to_string_lossy().into_owned());
    tool_ok("ssh-keygen", &args);
}

/// `TYPE BASE64` of an OpenSSH public key line (the comment dropped).
pub fn type_and_blob(line: &str) -> String {
    line.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// Field 2 of `ssh-keygen -l [-E md5] -f FILE`: `SHA256:...` or `MD5:...`.
pub fn ssh_keygen_fingerprint(pub_file: &Path, md5: bool) -> String {
    let mut args: Vec<&OsStr> = vec![OsStr::new("-l")];
    if md5 {
        args.extend([OsStr::new("-E"), OsStr::new("md5")]);
    }
    args.extend([OsStr::new("-f"), pub_file.as_os_str()]);
    let out = tool_ok("ssh-keygen", &args);
    out.split_whitespace().nth(1).unwrap_or_else(|| panic!("ssh-keygen -l printed {out:?}")).to_string()
}

/// The hex digest of `openssl DIGEST -c` over `input` (`SHA1(stdin)= aa:bb:..`).
pub fn openssl_digest_colon(digest: &str, input: &[u8]) -> String {
    let out = tool_stdin("openssl", [digest, "-c"], input);
    assert!(out.status.success(), "openssl {digest} failed: {}", text(&out.stderr));
    let s = text(&out.stdout);
    s.rsplit("= ").next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// Decodes standard padded base64, ignoring whitespace.
pub fn b64decode(s: &str) -> Vec<u8> {
    let joined: String = s.split_whitespace().collect();
    Base64::decode_vec(&joined).unwrap_or_else(|e| panic!("not base64 ({e}): {joined}"))
}

/// Encodes standard base64 with padding.
pub fn b64encode(b: &[u8]) -> String {
    Base64::encode_string(b)
}

/// The base64 body of a PEM-style block (lines between BEGIN and END, minus headers).
pub fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':') && !l.trim().is_empty())
        .map(str::trim)
        .collect::<String>()
}

/// Whether running as root (where file modes do not stop writes).
pub fn is_root() -> bool {
    tool_ok("id", ["-u"]).trim() == "0"
}

/// File mode bits (permissions only).
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

/// `PATH.pub`.
pub fn pub_of(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// The file names in a folder, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A string field of a JSON object, panicking with the object if missing.
pub fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("no string field {name} in {v}"))
}

/// A path as `&str` (scratch paths are always UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A command's `--json` output, parsed; a test fails on anything else.
pub fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The rows of a cloud command's `--json` output (push, delete): region, result, ok.
pub fn region_results(out: &str) -> Vec<(String, String, bool)> {
    json(out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["region"].as_str().unwrap().into(), r["result"].as_str().unwrap().into(), r["ok"].as_bool().unwrap())
        })
        .collect()
}

/// A small tmpfs mounted for one test, unmounted when dropped.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. `1m`), or says why not and returns `None`.
    pub fn mount(size: &str) -> Option<Tmpfs> {
        if !is_root() {
            eprintln!("note: not root, so no tmpfs can be mounted; the test is skipped");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "keyshelf-test"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            other => {
                eprintln!("note: cannot mount a tmpfs here ({other:?}); the test is skipped");
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Makes the file system read-only.
    pub fn remount_read_only(&self) {
        let st = Command::new("mount").args(["-o", "remount,ro"]).arg(self.path()).status().unwrap();
        assert!(st.success(), "remount read-only failed");
    }

    /// Fills the file system, then frees `leave` bytes (rounded to whole pages by the
    /// file system). Returns the filler file.
    pub fn fill(&self, leave: u64) -> PathBuf {
        let filler = self.path().join("filler");
        let mut f = fs::File::create(&filler).unwrap();
        let chunk = vec![0xa5u8; 64 * 1024];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(28) => break,
                Err(e) => panic!("filling the tmpfs: {e}"),
            }
        }
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(leave)).unwrap();
        // Check that it is full (within `leave`).
        let mut probe = fs::File::create(self.path().join("probe")).unwrap();
        let room = (0..).take_while(|_| probe.write_all(&[0u8; 4096]).is_ok()).count() as u64 * 4096;
        drop(probe);
        fs::remove_file(self.path().join("probe")).unwrap();
        assert!(room <= leave + 8192, "the tmpfs still has {room} bytes free");
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// Clicks the middle of `rect` with the pointer, as a person would (table rows, menus):
/// an accessibility click would not move the pointer.
#[cfg(feature = "gui")]
pub fn pointer_click<S>(h: &mut egui_kittest::Harness<'_, S>, rect: egui::Rect) {
    h.hover_at(rect.center());
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: rect.center(),
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.run_steps(2);
}
