//! The providers' own Python SDKs as an oracle for the signers' tests, where they are
//! installed: a test asks whether the SDK imports (and is skipped, saying why, when not),
//! then has a small script sign the same request. Tests only.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether `python3 -c "import MODULES"` works (`import` is the statement's list of
/// modules); when not, says on stderr that the test is skipped, naming the pip `package`.
pub fn imports(import: &str, package: &str) -> bool {
    match Command::new("python3").args(["-c", &format!("import {import}")]).output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            eprintln!(
                "skipped: {package} is not importable ({})",
                String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("")
            );
            false
        }
        Err(e) => {
            eprintln!("skipped: no python3 ({e})");
            false
        }
    }
}

/// Runs `script` with `case` as JSON on its stdin; what it prints, trimmed. A script that
/// fails fails the test.
pub fn run(script: &str, case: &serde_json::Value) -> String {
    let mut child =
        Command::new("python3").args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(case.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{case}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
