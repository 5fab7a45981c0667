//! Work on servers against what a user does by hand: rotating a key pair on 20 hosts
//! (`keyshelf key rotate`) against a loop of `ssh-copy-id` plus a removal per host, and
//! one `keyshelf key deploy` against one `ssh-copy-id`. The hosts are one private `sshd`
//! on 20 ports of 127.0.0.1, each port with its own home (`SetEnv HOME`) and
//! authorized_keys, so ssh-copy-id writes where Keyshelf does.
//!
//! ```text
//! cargo bench --bench hosts                # needs root and /usr/sbin/sshd
//! cargo bench --bench hosts -- --runs 9
//! ```
//!
//! The baseline is the cheap way: `ssh-copy-id -f` (no check for keys already there) and
//! no login with the new key before the old one is removed; Keyshelf proves every new
//! key before it removes anything. Contenders run interleaved; figures are medians.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: a failed step stops it

mod common;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fmt_time, stats};

const KEYSHELF: &str = env!("CARGO_BIN_EXE_keyshelf");
const SSHD: &str = "/usr/sbin/sshd";
const HOSTS: usize = 20;

struct Lab {
    base: PathBuf,
    ports: Vec<u16>,
    sshd: Vec<Child>,
    ssh_opts: Vec<String>,
    db: PathBuf,
    template: PathBuf,
    old_line: String,
    new_pub: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.sshd {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = fs::remove_dir_all(&self.base);
    }
}

fn run(c: &mut Command) -> String {
    let out = c.stdin(Stdio::null()).output().expect("run");
    assert!(
        out.status.success(),
        "{c:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn keygen(path: &Path, comment: &str) {
    run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"]).arg(path));
}

fn setup() -> Lab {
    fs::create_dir_all("/run/sshd").unwrap();
    // /run: sshd's StrictModes refuses authorized_keys under world-writable folders (/tmp).
    let base = tempfile::Builder::new().prefix("keyshelf-bench-hosts-").tempdir_in("/run").unwrap().keep();
    fs::set_permissions(&base, fs::Permissions::from_mode(0o755)).unwrap();
    keygen(&base.join("host_key"), "host");
    keygen(&base.join("admin"), "admin");
    fs::copy(base.join("admin.pub"), base.join("bootstrap_keys")).unwrap();
    let listeners: Vec<TcpListener> = (0..HOSTS).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().unwrap().port()).collect();
    drop(listeners);
    // sshd listens on at most 16 sockets: 10 ports per sshd.
    let mut sshd = Vec::new();
    for (chunk_no, chunk) in ports.chunks(10).enumerate() {
        let offset = chunk_no * 10;
        let mut cfg: String = chunk.iter().map(|p| format!("ListenAddress 127.0.0.1:{p}\n")).collect();
        cfg.push_str(&format!(
            "HostKey {b}/host_key\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
         PermitRootLogin prohibit-password\nUsePAM no\nStrictModes yes\nPidFile none\nMaxStartups 200\n\
         AuthorizedKeysFile {b}/bootstrap_keys\n",
            b = base.display()
        ));
        for (j, p) in chunk.iter().enumerate() {
            let i = offset + j;
            let home = base.join(format!("h{i}"));
            fs::create_dir(&home).unwrap();
            fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();
            cfg.push_str(&format!(
            "Match LocalPort {p}\n  AuthorizedKeysFile {b}/bootstrap_keys {h}/.ssh/authorized_keys\n  SetEnv HOME={h}\n",
            b = base.display(),
            h = home.display()
        ));
        }
        let cfg_path = base.join(format!("sshd_config_{chunk_no}"));
        fs::write(&cfg_path, cfg).unwrap();
        sshd.push(
            Command::new(SSHD)
                .args(["-D", "-f"])
                .arg(&cfg_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for p in &ports {
        while TcpStream::connect(("127.0.0.1", *p)).is_err() {
            assert!(Instant::now() < deadline, "sshd does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let kh = base.join("known_hosts");
    // Every host's key is known before timing starts (the same key on every port).
    let host_pub = fs::read_to_string(base.join("host_key.pub")).unwrap();
    let host_pub: Vec<&str> = host_pub.split_whitespace().take(2).collect();
    let lines: String = ports.iter().map(|p| format!("[127.0.0.1]:{p} {}\n", host_pub.join(" "))).collect();
    fs::write(&kh, lines).unwrap();
    let ssh_opts: Vec<String> = [
        "-F",
        "/dev/null",
        "-o",
        &format!("UserKnownHostsFile={}", kh.display()),
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "IdentityAgent=none",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    fs::create_dir_all(base.join("local/.ssh")).unwrap();

    // The inventory: old bound to every host, new created; saved as a template.
    let db = base.join("inv.sqlite3");
    let ks = |args: &[&str]| run(Command::new(KEYSHELF).arg("--db").arg(&db).args(args));
    ks(&["key", "create", "old", "--out", &base.join("old").display().to_string()]);
    ks(&["key", "create", "new", "--out", &base.join("new").display().to_string()]);
    for (i, p) in ports.iter().enumerate() {
        ks(&["host", "add", &format!("h{i}"), "--address", "127.0.0.1", "--port", &p.to_string(), "--user", "root"]);
        ks(&["key", "bind", "old", &format!("h{i}")]);
    }
    let template = base.join("template.sqlite3");
    fs::copy(&db, &template).unwrap();
    let old_line = fs::read_to_string(base.join("old.pub")).unwrap().trim().to_string();
    let new_pub = base.join("new.pub");
    Lab { base, ports, sshd, ssh_opts, db, template, old_line, new_pub }
}

impl Lab {
    /// Every host trusts only `old`; the inventory says so.
    fn reset(&self) {
        for i in 0..HOSTS {
            let d = self.base.join(format!("h{i}/.ssh"));
            fs::create_dir_all(&d).unwrap();
            fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
            let f = d.join("authorized_keys");
            fs::write(&f, format!("{}\n", self.old_line)).unwrap();
            fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
        }
        for ext in ["", "-wal", "-shm"] {
            let _ = fs::remove_file(format!("{}{ext}", self.db.display()));
        }
        fs::copy(&self.template, &self.db).unwrap();
    }

    fn keyshelf(&self, args: &[&str]) -> f64 {
        let t = Instant::now();
        run(Command::new(KEYSHELF)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("KEYSHELF_SSH_COMMAND", format!("ssh {}", self.ssh_opts.join(" "))));
        t.elapsed().as_secs_f64()
    }

    fn copy_id(&self, i: usize, identity: &Path) {
        run(Command::new("ssh-copy-id")
            .env("HOME", self.base.join("local"))
            .args(["-f", "-i"])
            .arg(&self.new_pub)
            .args(&self.ssh_opts)
            .arg("-o")
            .arg(format!("IdentityFile={}", identity.display()))
            .args(["-p", &self.ports[i].to_string(), "root@127.0.0.1"]));
    }

    /// What a user runs per host: ssh-copy-id the new key, then remove the old line.
    fn by_hand(&self) -> f64 {
        let blob = self.old_line.split_whitespace().nth(1).unwrap().to_string();
        let t = Instant::now();
        for i in 0..HOSTS {
            self.copy_id(i, &self.base.join("old"));
            run(Command::new("ssh")
                .args(&self.ssh_opts)
                .arg("-i")
                .arg(self.base.join("new"))
                .args(["-p", &self.ports[i].to_string(), "root@127.0.0.1"])
                .arg(format!("sed -i '\\|{blob}|d' ~/.ssh/authorized_keys")));
        }
        t.elapsed().as_secs_f64()
    }

    fn check_rotated(&self) {
        for i in 0..HOSTS {
            let f = fs::read_to_string(self.base.join(format!("h{i}/.ssh/authorized_keys"))).unwrap();
            assert!(!f.contains(&self.old_line), "host {i} still has the old key");
            let new = fs::read_to_string(&self.new_pub).unwrap();
            let blob = new.split_whitespace().nth(1).unwrap();
            assert!(f.contains(blob), "host {i} lacks the new key");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok());
    let runs: usize = runs.unwrap_or(5);
    let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    if !Path::new(SSHD).exists() || !is_root {
        eprintln!("hosts bench: needs root and {SSHD}; skipped");
        return;
    }
    let lab = setup();
    let (mut ks_rot, mut hand_rot, mut ks_dep, mut copy) = (vec![], vec![], vec![], vec![]);
    for r in 0..runs {
        let keyshelf_first = r % 2 == 0;
        for turn in 0..2 {
            lab.reset();
            if (turn == 0) == keyshelf_first {
                ks_rot.push(lab.keyshelf(&["key", "rotate", "old", "--to", "new"]));
            } else {
                hand_rot.push(lab.by_hand());
            }
            lab.check_rotated();
        }
        for turn in 0..2 {
            lab.reset();
            let admin = lab.base.join("admin").display().to_string();
            if (turn == 0) == keyshelf_first {
                ks_dep.push(lab.keyshelf(&["key", "deploy", "new", "h0", "--identity", &admin]));
            } else {
                let t = Instant::now();
                lab.copy_id(0, &lab.base.join("admin"));
                copy.push(t.elapsed().as_secs_f64());
            }
        }
    }
    let (a, b, c, d) = (stats(&ks_rot), stats(&hand_rot), stats(&ks_dep), stats(&copy));
    let row = |what: &str, k: f64, o: f64, goal: f64| {
        let ratio = k / o;
        format!(
            "| {what} | {} | {} | {ratio:.2}x | ≤ {goal}x | {} | {runs} |\n",
            fmt_time(k),
            fmt_time(o),
            if ratio <= goal { "**yes**" } else { "**no**" }
        )
    };
    let mut out = String::from(
        "| task | keyshelf (median) | by hand (median) | ratio | goal | met? | runs |\n|---|---|---|---|---|---|---|\n",
    );
    out.push_str(&row(
        &format!("rotate a key pair on {HOSTS} hosts vs `ssh-copy-id -f` + `ssh sed -i` per host"),
        a.median,
        b.median,
        0.25,
    ));
    out.push_str(&row("deploy one key pair to one host (proved) vs one `ssh-copy-id -f`", c.median, d.median, 1.2));
    println!("{out}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-results");
    let _ = fs::create_dir_all(&dir);
    let _ = fs::write(dir.join("hosts.md"), &out);
}
