//! Keyshelf as ssh's `SSH_ASKPASS`, so that the questions ssh asks (a passphrase, a
//! password, "are you sure you want to continue connecting?") reach the app as dialogs.
//!
//! The app listens on a Unix socket in a private folder (0700) and starts ssh with
//! `SSH_ASKPASS` = the keyshelf binary, `SSH_ASKPASS_REQUIRE=force` and the socket's
//! path in [`SOCKET_VAR`]. ssh runs `keyshelf PROMPT`; that process ([`helper_main`])
//! sends the prompt over the socket, waits for the answer and prints it for ssh. An
//! answer is only ever in memory (wiped) and on that socket; it is never logged.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use zeroize::Zeroizing;

/// Where the helper finds the app's socket.
pub const SOCKET_VAR: &str = "KEYSHELF_ASKPASS_SOCKET";

/// The longest prompt read (ssh's are one or two lines).
const MAX_PROMPT: u64 = 16 * 1024;

/// Whether this process was started by ssh as the askpass helper.
pub fn is_helper() -> bool {
    std::env::var_os(SOCKET_VAR).is_some_and(|v| !v.is_empty())
}

/// What ssh wants from a prompt. ssh says so in the helper's environment
/// (`SSH_ASKPASS_PROMPT`), which only the helper sees: it travels to the app with the
/// prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// A passphrase or password, typed and hidden.
    Secret,
    /// A yes/no question (trust a new host key, allow an agent key's use).
    Confirm,
    /// A notice with nothing to answer, such as "Confirm user presence for key …" while
    /// a FIDO security key waits to be touched.
    Notify,
}

impl PromptKind {
    /// The kind ssh asked for: `SSH_ASKPASS_PROMPT` (`confirm`, `none`), else a question
    /// that offers `(yes/no` is one.
    pub fn of(askpass_prompt: Option<&str>, prompt: &str) -> PromptKind {
        match askpass_prompt {
            Some("confirm") => PromptKind::Confirm,
            Some("none") => PromptKind::Notify,
            _ if prompt.to_ascii_lowercase().contains("(yes/no") => PromptKind::Confirm,
            _ => PromptKind::Secret,
        }
    }

    fn word(self) -> &'static str {
        match self {
            PromptKind::Secret => "secret",
            PromptKind::Confirm => "confirm",
            PromptKind::Notify => "notify",
        }
    }

    fn from_word(w: &str) -> PromptKind {
        match w {
            "confirm" => PromptKind::Confirm,
            "notify" => PromptKind::Notify,
            _ => PromptKind::Secret,
        }
    }
}

/// What the helper sends: the host (set by Keyshelf on the ssh it starts), the kind of
/// prompt, each on a line of its own, then the prompt.
fn request(host: &str, kind: PromptKind, prompt: &str) -> Vec<u8> {
    format!("{}\n{}\n{prompt}", host.replace('\n', " "), kind.word()).into_bytes()
}

/// The helper: asks the app and prints the answer. Exit 0 with the answer, 1 when the
/// person cancelled or the app is gone (ssh then treats it as "no answer").
pub fn helper_main(prompt: &str) -> i32 {
    let Some(path) = std::env::var_os(SOCKET_VAR) else { return 1 };
    let Ok(mut s) = UnixStream::connect(PathBuf::from(path)) else { return 1 };
    let host = std::env::var("KEYSHELF_ASKPASS_HOST").unwrap_or_default();
    let kind = PromptKind::of(std::env::var("SSH_ASKPASS_PROMPT").ok().as_deref(), prompt);
    if s.write_all(&request(&host, kind, prompt)).is_err() || s.shutdown(std::net::Shutdown::Write).is_err() {
        return 1;
    }
    let mut answer = Zeroizing::new(Vec::new());
    if s.read_to_end(&mut answer).is_err() {
        return 1;
    }
    match answer.split_first() {
        Some((b'Y', text)) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(text).and_then(|_| out.write_all(b"\n")).and_then(|_| out.flush()).is_err() {
                return 1;
            }
            0
        }
        _ => 1,
    }
}

/// The app's end: a socket whose questions go to `ask` (which blocks until the person
/// answered; `None` is "cancel"). Closed and removed when dropped.
pub struct AskpassServer {
    dir: tempfile::TempDir,
    socket: PathBuf,
    stop: Arc<AtomicBool>,
}

impl AskpassServer {
    /// `ask(host, prompt, kind)`.
    pub fn start(
        ask: impl Fn(String, String, PromptKind) -> Option<Zeroizing<String>> + Send + Sync + 'static,
    ) -> std::io::Result<AskpassServer> {
        let dir = tempfile::Builder::new().prefix("keyshelf-askpass-").tempdir()?;
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        let socket = dir.path().join("socket");
        let listener = UnixListener::bind(&socket)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let ask = Arc::new(ask);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let ask = Arc::clone(&ask);
                // One thread per question: ssh processes of a parallel run may ask at once.
                std::thread::spawn(move || {
                    let mut prompt = Vec::new();
                    if (&mut conn).take(MAX_PROMPT).read_to_end(&mut prompt).is_err() {
                        return;
                    }
                    let text = String::from_utf8_lossy(&prompt);
                    let mut parts = text.splitn(3, '\n');
                    let (host, kind, prompt) =
                        (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    let kind = PromptKind::from_word(kind.trim());
                    let reply: Zeroizing<Vec<u8>> = match ask(host.trim().to_string(), prompt.trim().to_string(), kind)
                    {
                        Some(a) => {
                            let mut v = Zeroizing::new(Vec::with_capacity(a.len() + 1));
                            v.push(b'Y');
                            v.extend_from_slice(a.as_bytes());
                            v
                        }
                        None => Zeroizing::new(b"N".to_vec()),
                    };
                    let _ = conn.write_all(&reply);
                });
            }
        });
        Ok(AskpassServer { dir, socket, stop })
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The folder that holds the socket (0700).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for AskpassServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the stop flag.
        let _ = UnixStream::connect(&self.socket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_goes_to_the_app_and_the_answer_comes_back() {
        let server = AskpassServer::start(|host, p, kind| {
            assert_eq!(host, "web-01");
            if kind == PromptKind::Notify {
                return Some(Zeroizing::new("notified".into()));
            }
            if p.contains("passphrase") {
                Some(Zeroizing::new("s3cret words".into()))
            } else {
                None
            }
        })
        .unwrap();
        let mode = std::fs::metadata(server.dir()).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o700);
        let ask = |prompt: &str| {
            let mut s = UnixStream::connect(server.socket()).unwrap();
            s.write_all(&request("web-01", PromptKind::of(None, prompt), prompt)).unwrap();
            s.shutdown(std::net::Shutdown::Write).unwrap();
            let mut v = Vec::new();
            s.read_to_end(&mut v).unwrap();
            v
        };
        assert_eq!(ask("Enter passphrase for key '/k':"), b"Ys3cret words");
        assert_eq!(ask("Are you sure you want to continue connecting (yes/no/[fingerprint])?"), b"N");
        // ssh's word for the kind, which only the helper's environment holds, reaches the app.
        let mut s = UnixStream::connect(server.socket()).unwrap();
        let touch = "Confirm user presence for key ED25519-SK SHA256:abc";
        s.write_all(&request("web-01", PromptKind::of(Some("none"), touch), touch)).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut v = Vec::new();
        s.read_to_end(&mut v).unwrap();
        assert_eq!(v, b"Ynotified", "a FIDO touch notice is not a secret to type");
    }

    #[test]
    fn the_prompt_kind_is_what_ssh_says_it_is() {
        let host_key = "Are you sure you want to continue connecting (yes/no/[fingerprint])?";
        assert_eq!(PromptKind::of(None, host_key), PromptKind::Confirm);
        assert_eq!(PromptKind::of(None, "Enter passphrase for key '/k':"), PromptKind::Secret);
        assert_eq!(PromptKind::of(Some("confirm"), "Allow use of key x?"), PromptKind::Confirm);
        assert_eq!(PromptKind::of(Some("none"), "Confirm user presence for key x"), PromptKind::Notify);
        for k in [PromptKind::Secret, PromptKind::Confirm, PromptKind::Notify] {
            assert_eq!(PromptKind::from_word(k.word()), k);
        }
    }
}
