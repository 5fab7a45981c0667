//! The process environment as the clouds' credential lookups see it, behind a trait, so
//! tests and an embedding app never touch the real one (and never read the machine's
//! real `~/.aws`, `~/.tccli` or `~/.aliyun`).

use std::path::{Path, PathBuf};

/// The process environment as a lookup, so tests never touch the real one (and never read
/// the machine's real ~/.aws).
pub trait Env {
    /// A variable's value; `None` when it is unset (or empty).
    fn var(&self, name: &str) -> Option<String>;
    /// The user's home directory, where `~/.aws`, `~/.tccli` and `~/.aliyun` live.
    fn home(&self) -> Option<PathBuf>;
}

/// The real environment of this process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn home(&self) -> Option<PathBuf> {
        directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
    }
}

/// A fixed environment: these variables and this home, nothing of the process's. For an
/// app embedded elsewhere, and for tests that must never read the machine's ~/.aws.
#[derive(Debug, Clone, Default)]
pub struct FixedEnv {
    pub vars: std::collections::HashMap<String, String>,
    pub home: Option<PathBuf>,
}

impl FixedEnv {
    /// These variables (name, value) and this home.
    pub fn new(vars: &[(&str, &str)], home: Option<&Path>) -> FixedEnv {
        FixedEnv {
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            home: home.map(Path::to_path_buf),
        }
    }
}

impl Env for FixedEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).filter(|v| !v.is_empty()).cloned()
    }

    fn home(&self) -> Option<PathBuf> {
        self.home.clone()
    }
}
