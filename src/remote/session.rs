//! One ssh connection that edits a host's `authorized_keys`: the server sends the file,
//! Keyshelf decides, and the server replaces the file atomically or leaves it alone.
//!
//! The remote side is one fixed POSIX `sh` script. Nothing that comes from the user
//! (paths, key text, comments) is ever part of the remote command line: the file's path
//! and the new content travel on ssh's standard input. The protocol:
//!
//! 1. Keyshelf writes the path (relative to the login user's home, or absolute) and `\n`.
//! 2. The server answers `KEYSHELF-FILE present SIZE` or `KEYSHELF-FILE missing 0`, then
//!    SIZE bytes of the file. A symbolic link is followed: its target is what is read and
//!    replaced, so a link is never turned into a file.
//! 3. Keyshelf writes `keep` or `write SIZE` and SIZE bytes, then closes its end.
//! 4. For `write`: the new file is written next to the old one (same folder, a copy of its
//!    mode and owner, 0600 for a new file, the folder created 0700 when missing), its size
//!    is checked, the old file is checked unchanged since step 2, and only then renamed
//!    over it. The server says `KEYSHELF-WRITTEN`. A cut connection at any point leaves
//!    the old file or the new one, never a part.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::ssh::{spawn_failure, Endpoint, Failure, FailureKind, Identities, Said, Ssh};

/// The script the server runs (sent as [`remote_command`], through whatever login shell
/// the account has). It needs nothing beyond POSIX `sh`, `cat`,
/// `cp`, `mv`, `mkdir`, `chmod`, `wc`, `cksum`, `dirname` and `readlink`.
pub(crate) const SCRIPT: &str = r#"umask 077
fail() { echo "keyshelf: $*" >&2; exit 90; }
IFS= read -r f || fail "no path received"
case $f in /*) ;; *) f=$HOME/$f ;; esac
t=$f
n=0
while [ -h "$t" ]; do
  n=$((n + 1)); [ $n -le 20 ] || fail "too many symbolic links at $f"
  l=$(readlink -- "$t") || fail "cannot read the link $t"
  case $l in /*) t=$l ;; *) t=$(dirname -- "$t")/$l ;; esac
done
if [ -f "$t" ]; then
  [ -r "$t" ] || fail "$t is not readable"
  c0=$(cksum < "$t") || fail "cannot read $t"
  printf "KEYSHELF-FILE present %s\n" "$(wc -c < "$t" | tr -d " ")"
  cat -- "$t" || exit 90
elif [ -e "$t" ]; then
  fail "$t is not a regular file"
else
  c0=missing
  printf "KEYSHELF-FILE missing 0\n"
fi
IFS= read -r a || exit 0
case $a in
  keep) exit 0 ;;
  "write "*) want=${a#write } ;;
  *) fail "unknown request" ;;
esac
d=$(dirname -- "$t")
if [ ! -d "$d" ]; then mkdir -p -- "$d" && chmod 700 -- "$d" || fail "cannot create the folder $d"; fi
tmp=$d/.keyshelf-new.$$
trap "rm -f -- \"\$tmp\"" EXIT
trap "exit 1" HUP INT TERM PIPE
if [ "$c0" = missing ]; then
  : > "$tmp" && chmod 600 -- "$tmp" || fail "cannot write in $d"
else
  cp -p -- "$t" "$tmp" || fail "cannot write in $d"
fi
cat > "$tmp" || fail "cannot write $tmp"
got=$(wc -c < "$tmp" | tr -d " ")
[ "$got" = "$want" ] || fail "received $got of $want bytes; nothing was changed"
if [ "$c0" = missing ]; then
  [ ! -e "$t" ] || fail "$t was created by someone else meanwhile; nothing was changed, try again"
else
  c1=$(cksum < "$t") || fail "cannot read $t"
  [ "$c1" = "$c0" ] || fail "$t was changed by someone else meanwhile; nothing was changed, try again"
fi
mv -f -- "$tmp" "$t" || fail "cannot replace $t"
trap - EXIT
echo KEYSHELF-WRITTEN
"#;

/// The command line the server's login shell runs: `SCRIPT` for `sh`, on one line. The
/// login shell may be csh or tcsh (FreeBSD's root, some old accounts), which refuse a
/// newline inside quotes, or fish; so the script travels inside `printf` with every
/// character any of them (or the double quotes around it) could take for its own
/// written as an octal escape, and `sh` rebuilds and runs it.
pub(crate) fn remote_command() -> &'static str {
    static COMMAND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COMMAND.get_or_init(|| {
        let mut encoded = String::with_capacity(SCRIPT.len() * 2);
        for b in SCRIPT.bytes() {
            if b.is_ascii_alphanumeric() || b" _-=:;,.()[]{}<>|&*+/?@#~^".contains(&b) {
                encoded.push(b as char);
            } else {
                encoded.push_str(&format!("\\{b:03o}"));
            }
        }
        format!("sh -c 'eval \"$(printf \"{encoded}\")\"'")
    })
}

/// The file as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// `false` when the file does not exist yet.
    pub present: bool,
    pub content: Vec<u8>,
}

/// How a connection logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginKey {
    /// With the key of this SHA-256 fingerprint.
    Key(String),
    /// With a key ssh did not name.
    UnknownKey,
    /// Another way (a password).
    NotAKey,
}

/// A connection waiting for Keyshelf's decision.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    program: String,
}

/// The largest authorized_keys file Keyshelf will edit (a sanity bound, not a quota).
const MAX_FILE: usize = 64 << 20;

impl Session {
    /// Connects, sends the path and reads the file.
    pub fn open(ssh: &Ssh, at: &Endpoint, ids: &Identities, path: &str) -> Result<(Session, RemoteFile), Failure> {
        let mut c = ssh.command_for(at, ids);
        c.arg(remote_command());
        let mut child = c.spawn().map_err(|e| spawn_failure(&ssh.command, &e))?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let stderr_reader = child.stderr.take().map(|mut e| {
            let buf = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = e.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut b) = buf.lock() {
                        b.extend_from_slice(&chunk[..n]);
                    }
                }
            })
        });
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(Failure { kind: FailureKind::Unreachable, message: "ssh started without its pipes".into() });
        };
        let mut s = Session {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            stderr,
            stderr_reader,
            program: ssh.command.program.clone(),
        };
        // ssh may ask for a passphrase before it reads this: the pipe holds it meanwhile.
        let sent = s.stdin.as_mut().map(|w| w.write_all(format!("{path}\n").as_bytes()).and_then(|_| w.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(s.fail());
        }
        match s.read_file() {
            Some(f) => Ok((s, f)),
            None => Err(s.fail()),
        }
    }

    fn read_file(&mut self) -> Option<RemoteFile> {
        // A login script may print text before ours starts: skip to the header.
        let mut line = Vec::new();
        let (present, size) = loop {
            line.clear();
            if self.stdout.read_until(b'\n', &mut line).ok()? == 0 {
                return None;
            }
            if let Some(rest) = line.strip_prefix(b"KEYSHELF-FILE ") {
                let rest = std::str::from_utf8(rest).ok()?.trim();
                let (state, size) = rest.split_once(' ')?;
                break (state == "present", size.parse::<usize>().ok()?);
            }
        };
        if size > MAX_FILE {
            return None;
        }
        let mut content = vec![0u8; size];
        self.stdout.read_exact(&mut content).ok()?;
        Some(RemoteFile { present, content })
    }

    /// Waits for ssh to end and explains why the session failed.
    fn fail(mut self) -> Failure {
        drop(self.stdin.take());
        let status = self.child.wait();
        let text = self.stderr_text();
        let said = Said::new(&text);
        match status {
            Ok(st) if st.success() => Failure {
                kind: FailureKind::Remote,
                message: format!("the server's answer could not be read ({} ended early)", self.program),
            },
            Ok(st) => said.failure(st.code()),
            Err(e) => Failure { kind: FailureKind::Unreachable, message: e.to_string() },
        }
    }

    fn stderr_text(&mut self) -> Vec<u8> {
        if let Some(h) = self.stderr_reader.take() {
            let _ = h.join();
        }
        self.stderr.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// How this connection logged in.
    pub fn login_key(&self) -> LoginKey {
        // ssh wrote these lines before the server's first byte reached us; the reader
        // thread may still be copying them.
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let text = self.stderr.lock().map(|b| b.clone()).unwrap_or_default();
            let said = Said::new(&text);
            if text.windows(17).any(|w| w == b"Authenticated to ") || Instant::now() > deadline {
                return match said.accepted_key() {
                    Some(fp) => LoginKey::Key(fp),
                    None if said.used_publickey() => LoginKey::UnknownKey,
                    None => LoginKey::NotAKey,
                };
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Leaves the file as it is.
    pub fn keep(mut self) -> Result<(), Failure> {
        if let Some(mut w) = self.stdin.take() {
            let _ = w.write_all(b"keep\n");
        }
        match self.child.wait() {
            Ok(st) if st.success() => {
                let _ = self.stderr_text();
                Ok(())
            }
            _ => Err(self.fail()),
        }
    }

    /// Replaces the file with `content`, atomically on the server.
    pub fn write(mut self, content: &[u8]) -> Result<(), Failure> {
        let sent = match self.stdin.take() {
            Some(mut w) => w
                .write_all(format!("write {}\n", content.len()).as_bytes())
                .and_then(|_| w.write_all(content))
                .and_then(|_| w.flush()),
            None => Err(std::io::Error::other("closed")),
        };
        let mut rest = Vec::new();
        let _ = self.stdout.read_to_end(&mut rest);
        let written = rest.windows(16).any(|w| w == b"KEYSHELF-WRITTEN");
        match self.child.wait() {
            Ok(st) if st.success() && written && sent.is_ok() => {
                let _ = self.stderr_text();
                Ok(())
            }
            _ => Err(self.fail()),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // An abandoned session (an error on our side) must not leave ssh waiting.
        drop(self.stdin.take());
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the remote command as a login shell would (`SHELL -c COMMAND`) on a file,
    /// answering "keep": what comes back is the protocol's first line and the file.
    fn through(shell: &str, file: &std::path::Path) -> std::process::Output {
        use std::io::Write as _;
        let mut child = std::process::Command::new(shell)
            .args(["-c", remote_command()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}\nkeep", file.display()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    }

    #[test]
    fn the_remote_command_is_one_line_that_sh_bash_and_tcsh_run_as_the_script() {
        let command = remote_command();
        assert!(!command.contains('\n'), "csh and tcsh refuse a newline inside quotes");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("authorized_keys");
        std::fs::write(&file, "ssh-ed25519 AAAA $HOME 'quoted' \"double\" %s !x\n").unwrap();
        let content = std::fs::read_to_string(&file).unwrap();
        let want = format!("KEYSHELF-FILE present {}\n{content}", content.len());
        // tcsh stands for the csh family; CI installs it, elsewhere it is tried if present.
        let tcsh = std::path::Path::new("/usr/bin/tcsh").exists() || std::env::var_os("CI").is_some();
        for shell in ["sh", "bash", "tcsh"].into_iter().filter(|s| *s != "tcsh" || tcsh) {
            let out = through(shell, &file);
            assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{shell}");
        }
    }

    #[test]
    fn the_script_passes_through_single_quotes_and_sh_accepts_it() {
        assert!(!SCRIPT.contains('\''), "the script is sent inside single quotes");
        let out = std::process::Command::new("sh").args(["-n", "-c", SCRIPT]).output().unwrap();
        assert!(out.status.success(), "sh -n: {}", String::from_utf8_lossy(&out.stderr));
    }
}
