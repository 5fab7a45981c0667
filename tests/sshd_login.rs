//! Real logins: a private `sshd` on 127.0.0.1 trusts the public keys Keyshelf exports, and
//! `ssh` logs in with the private key files Keyshelf wrote, for every key type and file
//! format OpenSSH can load. Keys that are not authorized must not get in.
//!
//! Needs `/usr/sbin/sshd` (Debian: `openssh-server`); set `KEYSHELF_SKIP_SSHD=1` to skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test
#![cfg(unix)]

mod common;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

const SSHD: &str = "/usr/sbin/sshd";

/// A running `sshd -D`, killed when dropped.
struct Sshd {
    child: Child,
    port: u16,
    log: PathBuf,
    authorized_keys: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sshd {
    /// Starts sshd with its own host key and config in `dir`, trusting only the keys in
    /// `dir/authorized_keys`, on a free port of 127.0.0.1.
    fn start(dir: &Path) -> Sshd {
        if is_root() {
            // sshd refuses to start as root without its privilege separation folder.
            fs::create_dir_all("/run/sshd").expect("create /run/sshd");
        }
        let host_key = dir.join("ssh_host_ed25519_key");
        ssh_keygen_generate(&host_key, "ed25519", None, "", "test host key");
        let authorized_keys = dir.join("authorized_keys");
        fs::write(&authorized_keys, "").unwrap();
        let log = dir.join("sshd.log");
        let mut last_log = String::new();
        // The port is free when we pick it, but another process could take it before sshd
        // binds it: try a few.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let config = dir.join("sshd_config");
            fs::write(
                &config,
                format!(
                    "ListenAddress 127.0.0.1:{port}\n\
                     HostKey {}\n\
                     AuthorizedKeysFile {}\n\
                     PubkeyAuthentication yes\n\
                     PasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\n\
                     PermitRootLogin prohibit-password\n\
                     UsePAM no\n\
                     StrictModes no\n\
                     PidFile none\n\
                     LogLevel VERBOSE\n",
                    host_key.display(),
                    authorized_keys.display()
                ),
            )
            .unwrap();
            let check = tool(SSHD, ["-t", "-f", s(&config)]);
            assert!(check.status.success(), "sshd -t rejects the test config: {}", text(&check.stderr));
            let child = Command::new(SSHD)
                .args(["-D", "-e", "-f", s(&config)])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(fs::File::create(&log).unwrap())
                .spawn()
                .expect("start sshd");
            let mut sshd = Sshd { child, port, log: log.clone(), authorized_keys: authorized_keys.clone() };
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if let Ok(Some(status)) = sshd.child.try_wait() {
                    last_log = fs::read_to_string(&log).unwrap_or_default();
                    eprintln!("sshd exited ({status}) on port {port}: {last_log}");
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return sshd;
                }
                if Instant::now() > deadline {
                    panic!("sshd did not listen on port {port} within 15 s: {}", sshd.log_text());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("sshd would not start: {last_log}");
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Replaces authorized_keys.
    fn authorize(&self, lines: &[String]) {
        fs::write(&self.authorized_keys, lines.join("")).unwrap();
    }

    /// `ssh -i KEY USER@127.0.0.1 echo logged-in-OK`, non-interactive. With a passphrase,
    /// it is given through SSH_ASKPASS (BatchMode would refuse to ask for it).
    fn login(&self, dir: &Path, key: &Path, passphrase: Option<&str>) -> Output {
        let user = tool_ok("id", ["-un"]).trim().to_string();
        let mut c = Command::new("ssh");
        c.args(["-F", "/dev/null", "-i", s(key), "-p", &self.port.to_string()]);
        c.args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-o",
            "PasswordAuthentication=no",
            "-o",
            "KbdInteractiveAuthentication=no",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "LogLevel=ERROR",
        ]);
        match passphrase {
            None => {
                c.args(["-o", "BatchMode=yes"]);
            }
            Some(p) => {
                let askpass = dir.join(format!("askpass-{}", rand::random::<u32>()));
                fs::write(&askpass, format!("#!/bin/sh\nprintf '%s\\n' '{p}'\n")).unwrap();
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&askpass, fs::Permissions::from_mode(0o700)).unwrap();
                c.args(["-o", "BatchMode=no"]).env("SSH_ASKPASS", &askpass).env("SSH_ASKPASS_REQUIRE", "force");
            }
        }
        c.arg(format!("{user}@127.0.0.1")).args(["echo", "logged-in-OK"]);
        c.stdin(Stdio::null()).output().expect("run ssh")
    }

    /// Asserts a login worked and that sshd says it accepted exactly this key.
    fn assert_login(&self, dir: &Path, what: &str, key: &Path, passphrase: Option<&str>, fingerprint: &str) {
        let out = self.login(dir, key, passphrase);
        assert!(
            out.status.success() && text(&out.stdout).contains("logged-in-OK"),
            "{what}: login with {} failed (exit {:?}): stdout {:?}, stderr {:?}\nsshd log:\n{}",
            key.display(),
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr),
            self.log_text()
        );
        // sshd logs the accepted key's fingerprint; give it a moment to flush.
        let deadline = Instant::now() + Duration::from_secs(5);
        let needle = "Accepted publickey for ";
        loop {
            let log = self.log_text();
            if log.lines().any(|l| l.starts_with(needle) && l.contains(fingerprint)) {
                return;
            }
            if Instant::now() > deadline {
                panic!("{what}: sshd did not log accepting {fingerprint}:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn assert_refused(&self, dir: &Path, what: &str, key: &Path, passphrase: Option<&str>) {
        let out = self.login(dir, key, passphrase);
        assert!(
            !out.status.success() && !text(&out.stdout).contains("logged-in-OK"),
            "{what}: {} must NOT log in: stdout {:?}",
            key.display(),
            text(&out.stdout)
        );
        assert!(text(&out.stderr).contains("Permission denied"), "{what}: {}", text(&out.stderr));
    }
}

/// Whether the test can run here; fails loudly when sshd is missing unless told to skip.
fn sshd_available() -> bool {
    if Path::new(SSHD).exists() {
        return true;
    }
    if std::env::var("KEYSHELF_SKIP_SSHD").as_deref() == Ok("1") {
        eprintln!("note: {SSHD} is missing and KEYSHELF_SKIP_SSHD=1: real login tests skipped");
        return false;
    }
    panic!(
        "{SSHD} is missing: install openssh-server (Debian/Ubuntu: apt-get install openssh-server) \
         to run the real login tests, or set KEYSHELF_SKIP_SSHD=1 to skip them"
    );
}

struct Made {
    what: String,
    file: PathBuf,
    passphrase: Option<&'static str>,
    fingerprint: String,
    /// The public key as Keyshelf exports it from the inventory.
    exported: String,
}

#[test]
fn real_sshd_accepts_keys_keyshelf_wrote() {
    if !sshd_available() {
        return;
    }
    let env = Env::new();
    let dir = env.dir.path().to_path_buf();
    let sshd = Sshd::start(&dir);
    let pass = "login passphrase 42";
    let passfile = env.write("pass.txt", format!("{pass}\n"));

    let plan: Vec<(&str, Option<u32>, &str, bool)> = vec![
        ("ed25519", None, "openssh", false),
        ("ecdsa", Some(256), "openssh", false),
        ("ecdsa", Some(384), "openssh", false),
        ("ecdsa", Some(521), "openssh", false),
        ("rsa", Some(2048), "openssh", false),
        ("rsa", Some(2048), "pkcs1", false),
        ("rsa", Some(2048), "pkcs8", false),
        ("ecdsa", Some(256), "pkcs8", false),
        ("ecdsa", Some(521), "pkcs8", false),
        ("ed25519", None, "openssh", true),
        ("rsa", Some(2048), "openssh", true),
    ];
    let mut made = Vec::new();
    for (i, (kind, bits, format, with_pass)) in plan.into_iter().enumerate() {
        let name = format!("login{i}-{kind}{}-{format}{}", bits.unwrap_or(256), if with_pass { "-pass" } else { "" });
        let file = env.path(&if format == "openssh" { name.clone() } else { format!("{name}.pem") });
        let bits_s = bits.map(|b| b.to_string()).unwrap_or_default();
        let mut args = vec!["key", "create", &name, "--type", kind, "--format", format, "--out", s(&file)];
        if bits.is_some() {
            args.extend(["--bits", &bits_s]);
        }
        if with_pass {
            args.extend(["--passphrase-file", s(&passfile)]);
        }
        env.ok(&args);
        let k = env.show(&name, &[]);
        made.push(Made {
            what: name.clone(),
            file,
            passphrase: with_pass.then_some(pass),
            fingerprint: field(&k, "fingerprint_sha256").to_string(),
            exported: env.ok(["key", "export", &name]),
        });
    }
    // A key made by ssh-keygen, imported from its RFC 4716 form: the stored key must
    // still be the one its private key signs with.
    let theirs = env.path("id_theirs");
    ssh_keygen_generate(&theirs, "rsa", Some(2048), "", "theirs");
    let rfc = env.write("theirs.rfc", tool_ok("ssh-keygen", ["-e", "-m", "RFC4716", "-f", s(&pub_of(&theirs))]));
    env.ok(["key", "import", "theirs", "--file", s(&rfc)]);
    made.push(Made {
        what: "ssh-keygen RSA imported from RFC 4716".into(),
        file: theirs.clone(),
        passphrase: None,
        fingerprint: field(&env.show("theirs", &[]), "fingerprint_sha256").to_string(),
        exported: env.ok(["key", "export", "theirs"]),
    });

    // Negative control first: nothing authorized, nobody gets in.
    sshd.authorize(&[]);
    sshd.assert_refused(&dir, "empty authorized_keys", &made[0].file, None);

    // Every key but the last authorized, from Keyshelf's exports.
    let (outsider, insiders) = made.split_last().unwrap();
    sshd.authorize(&insiders.iter().map(|m| m.exported.clone()).collect::<Vec<_>>());
    for m in insiders {
        sshd.assert_login(&dir, &m.what, &m.file, m.passphrase, &m.fingerprint);
    }
    sshd.assert_refused(&dir, "a key that is not in authorized_keys", &outsider.file, None);
    let with_pass = insiders.iter().find(|m| m.passphrase.is_some()).unwrap();
    sshd.assert_refused(&dir, "wrong passphrase", &with_pass.file, Some("not the passphrase"));

    // Now only the outsider, behind authorized_keys options as users write them.
    sshd.authorize(&[format!("no-pty,no-port-forwarding {}", outsider.exported)]);
    sshd.assert_login(&dir, &outsider.what, &outsider.file, None, &outsider.fingerprint);
    sshd.assert_refused(&dir, "a key removed from authorized_keys", &insiders[0].file, None);

    // Ed25519 in PKCS#8: OpenSSH 9.2 cannot load it at all; report rather than fail, so a
    // newer OpenSSH that can is checked for real.
    let ed8 = env.path("ed-pkcs8.pem");
    env.ok(["key", "create", "ed-pkcs8", "--format", "pkcs8", "--out", s(&ed8)]);
    sshd.authorize(&[env.ok(["key", "export", "ed-pkcs8"])]);
    let out = sshd.login(&dir, &ed8, None);
    if out.status.success() {
        assert!(text(&out.stdout).contains("logged-in-OK"));
    } else {
        eprintln!("note: this OpenSSH cannot use a PKCS#8 Ed25519 key: {}", text(&out.stderr).trim());
    }
}
