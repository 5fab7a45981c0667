//! Cloud credentials as they travel through Keyshelf: read from where the provider's own
//! CLI keeps them, held in memory that is wiped on drop, and never printed. Nothing here
//! is ever written to the inventory.
//!
//! Also the pieces the providers' resolvers share: the environment's keys, a bounded read
//! of a credentials file into wiped memory, a JSON file's errors told by line and column
//! only. Where to look, and in which order, stays in each provider's module.

use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::cloud::env::Env;
use crate::cloud::CloudError;

/// The largest credentials or config file read: a bigger one is no CLI's.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A secret string (a secret access key, a session token). Its `Debug` and `Display`
/// never show the value, so it cannot leak through a log line or an error message;
/// its memory is wiped when it is dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(value.into()))
    }

    /// The value, for the one place that needs it: the signer.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One set of credentials: a public access key id (shown to the user, to say which
/// credentials were used), its secret and, for temporary credentials, a session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret: Secret,
    pub session_token: Option<Secret>,
}

/// Where a provider's credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The provider's access key variables in the environment.
    Environment,
    /// A profile of the provider CLI's files, in the file at `path`.
    Profile { name: String, path: PathBuf },
}

impl Source {
    /// Whose credentials these are, for messages: "the `ID` environment variables" or
    /// "`profile_kind` 'NAME'" (`profile_kind`: how the provider's CLI calls a profile).
    pub fn who(&self, vars: EnvKeys, profile_kind: &str) -> String {
        match self {
            Source::Environment => format!("the {} environment variables", vars.id),
            Source::Profile { name, .. } => format!("{profile_kind} '{name}'"),
        }
    }

    /// Where the credentials came from, in words: [`Source::who`], with both variables'
    /// names or the profile's file.
    pub fn label(&self, vars: EnvKeys, profile_kind: &str) -> String {
        match self {
            Source::Environment => format!("the {} and {} environment variables", vars.id, vars.secret),
            Source::Profile { name, path } => format!("{profile_kind} '{name}' in {}", path.display()),
        }
    }
}

/// What an account names: never a secret.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountConfig<'a> {
    /// The profile of the provider's CLI; `None` follows the provider's own order.
    pub profile: Option<&'a str>,
    /// The account's default region.
    pub region: Option<&'a str>,
}

impl<'a> AccountConfig<'a> {
    /// The profile and default region an inventory account names.
    pub fn of(account: &'a crate::inventory::Account) -> AccountConfig<'a> {
        AccountConfig { profile: account.profile.as_deref(), region: Some(account.region.as_str()) }
    }
}

/// The environment variables that hold a provider's access key.
#[derive(Debug, Clone, Copy)]
pub struct EnvKeys {
    pub id: &'static str,
    pub secret: &'static str,
    pub token: &'static str,
}

/// How the secret and token values are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretText {
    /// Without the spaces around them.
    Trimmed,
    /// Exactly as given.
    AsGiven,
}

impl SecretText {
    fn secret(self, value: &str) -> Secret {
        Secret::new(if self == SecretText::Trimmed { value.trim() } else { value })
    }
}

/// A variable, trimmed; `None` when unset or blank.
pub fn trimmed_var(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A setting, trimmed; `None` when absent or blank.
pub fn trimmed(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The environment's keys (`Ok(None)` when neither the id nor the secret is set); an id
/// without its secret (or the reverse) is an error.
pub fn keys_from_env(env: &dyn Env, vars: EnvKeys, text: SecretText) -> Result<Option<Credentials>, CloudError> {
    let id = trimmed_var(env, vars.id);
    let secret = env.var(vars.secret).filter(|s| !s.is_empty()).map(Zeroizing::new);
    match (id, secret) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(partial("the environment", vars.id, vars.secret)),
        (None, Some(_)) => Err(partial("the environment", vars.secret, vars.id)),
        (Some(access_key_id), Some(secret)) => {
            let token = env.var(vars.token).filter(|t| !t.is_empty()).map(Zeroizing::new);
            Ok(Some(Credentials {
                access_key_id,
                secret: text.secret(&secret),
                session_token: token.map(|t| text.secret(&t)),
            }))
        }
    }
}

/// The error of a place (`the environment`, a profile) that has one half of a key.
pub fn partial(place: &str, present: &str, missing: &str) -> CloudError {
    CloudError::Credentials(format!("{place} has {present} but no {missing}: add the missing setting or remove both"))
}

/// Refuses a profile's key with a missing half: `id_name` and `secret_name` are the
/// settings' names in the file, `configure` the command that writes them.
pub fn check_both_halves(
    place: &str,
    (id_name, id_empty): (&str, bool),
    (secret_name, secret_empty): (&str, bool),
    configure: &str,
) -> Result<(), CloudError> {
    match (id_empty, secret_empty) {
        (true, true) => {
            Err(CloudError::Credentials(format!("{place} has no {id_name} and {secret_name}: run `{configure}`")))
        }
        (false, true) => Err(partial(place, id_name, secret_name)),
        (true, false) => Err(partial(place, secret_name, id_name)),
        (false, false) => Ok(()),
    }
}

/// Why a file could not be read; never its text.
#[derive(Debug)]
pub enum FileProblem {
    Io(std::io::Error),
    /// The path is a folder.
    Folder,
    /// Larger than the limit asked for.
    TooBig,
}

/// Reads a file of at most `max_bytes`, bounded, into wiped memory. `Ok(None)` when it
/// does not exist.
pub fn read_bounded(path: &Path, max_bytes: u64) -> Result<Option<Zeroizing<Vec<u8>>>, FileProblem> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileProblem::Io(e)),
    };
    let metadata = file.metadata().map_err(FileProblem::Io)?;
    if metadata.is_dir() {
        return Err(FileProblem::Folder);
    }
    if metadata.len() > max_bytes {
        return Err(FileProblem::TooBig);
    }
    // Room for the whole file and one byte more, so reading it never reallocates (and
    // leaves no unwiped copy behind).
    let capacity = usize::try_from(metadata.len().min(max_bytes)).unwrap_or(0).saturating_add(1);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(FileProblem::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(FileProblem::TooBig);
    }
    Ok(Some(bytes))
}

/// Reads and parses a JSON file of a provider's CLI ([`read_bounded`], at most
/// [`MAX_FILE_BYTES`]; a byte order mark is skipped). `Ok(None)` when it does not exist.
/// Errors name the file and, for a parse error, the line and column: never the parser's
/// message, which may quote the file's text, secrets included. `what` names the files
/// ("tccli file"), `configure` the command that writes them.
pub fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
    configure: &str,
) -> Result<Option<T>, CloudError> {
    let error = |reason: String| CloudError::Credentials(format!("cannot read {}: {reason}", path.display()));
    let bytes = match read_bounded(path, MAX_FILE_BYTES) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(None),
        Err(FileProblem::Io(e)) => return Err(error(e.to_string())),
        Err(FileProblem::Folder) => return Err(error("it is a folder".into())),
        Err(FileProblem::TooBig) => {
            return Err(error(format!("it is larger than {} KiB, which no {what} is", MAX_FILE_BYTES / 1024)))
        }
    };
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    serde_json::from_slice::<T>(text).map(Some).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "a setting of the wrong type",
            serde_json::error::Category::Eof => "it ends too early",
            _ => "it is not valid JSON",
        };
        error(format!("{what} (line {}, column {}); fix it or run `{configure}`", e.line(), e.column()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let c = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: Some(Secret::new("token-value-123")),
        };
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("token-value-123"), "{shown}");
        assert_eq!(c.secret.expose(), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }
}
