//! AWS credentials, region and endpoints, found the way the AWS CLI finds them: the
//! environment, then the profile in `~/.aws/credentials` and `~/.aws/config` (static keys
//! or `credential_process`), read with a small INI parser of its own that never panics.
//! Secrets stay in wiped memory and never reach an error message.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

pub use crate::cloud::credentials::MAX_FILE_BYTES;
use crate::cloud::credentials::{read_bounded, Credentials, FileProblem, Secret};
/// How long a `credential_process` may run.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);
/// The most a `credential_process` may print on stdout.
pub const MAX_PROCESS_OUTPUT: usize = 64 * 1024;
/// How much of a failed `credential_process`'s stderr is shown, in characters.
const STDERR_SHOWN_CHARS: usize = 500;
/// How much of its stderr is kept while it runs (the rest is read and dropped).
const STDERR_KEPT_BYTES: usize = 8 * 1024;

pub use crate::cloud::env::{Env, FixedEnv, ProcessEnv};

/// What an account names (stored in the inventory): never a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsAccountConfig {
    /// The AWS CLI profile; `None` follows the CLI without `--profile`.
    pub profile: Option<String>,
    /// The account's default region.
    pub region: Option<String>,
}

/// Where the credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// Static keys in the shared credentials file.
    SharedFile { path: PathBuf },
    /// Static keys in the config file.
    ConfigFile { path: PathBuf },
    /// A `credential_process` named in `path`; `command` is its program and how many
    /// arguments it had, never the arguments themselves (they may hold a secret).
    Process { path: PathBuf, command: String },
}

/// Everything needed to call AWS, resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub credentials: Credentials,
    /// The profile used, or "environment" when the keys came from environment variables.
    pub profile: String,
    pub source: CredentialSource,
    pub region: Option<String>,
    /// An override; `None` means the default `https://ec2.REGION.amazonaws.com`.
    pub ec2_endpoint: Option<String>,
    /// An override; `None` means the default `https://sts.REGION.amazonaws.com`.
    pub sts_endpoint: Option<String>,
}

impl Resolved {
    /// "profile 'dev'" or "the AWS_ACCESS_KEY_ID environment variables": whose
    /// credentials these are, for messages.
    pub fn who(&self) -> String {
        match self.source {
            CredentialSource::Environment => "the AWS_ACCESS_KEY_ID environment variables".to_string(),
            _ => format!("profile '{}'", self.profile),
        }
    }

    /// Where the credentials came from, in words ("profile 'dev' in /home/me/.aws/credentials").
    pub fn source_label(&self) -> String {
        match &self.source {
            CredentialSource::Environment => {
                "the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables".to_string()
            }
            CredentialSource::SharedFile { path } | CredentialSource::ConfigFile { path } => {
                format!("profile '{}' in {}", self.profile, path.display())
            }
            CredentialSource::Process { path, command } => {
                format!("credential_process {command} of profile '{}' in {}", self.profile, path.display())
            }
        }
    }
}

/// Why no credentials could be found. Every message names the profile and the file to
/// look at, and none ever holds a secret: only names, paths, line numbers and, for a
/// failed `credential_process`, the start of its stderr.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// A profile that was named (by the account, `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`)
    /// is in neither file.
    #[error(
        "AWS profile '{profile}' is in neither {credentials_file} nor {config_file}: add it (`aws configure --profile {profile}`) or choose another profile"
    )]
    ProfileNotFound { profile: String, credentials_file: String, config_file: String },
    /// Nothing named a profile, the environment has no keys and there is no default profile.
    #[error(
        "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set, and there is no profile 'default' in {credentials_file} or {config_file}: run `aws configure`, set AWS_PROFILE, or give the account a profile"
    )]
    NoCredentialsFound { credentials_file: String, config_file: String },
    /// The profile exists but holds neither keys nor a `credential_process`.
    #[error(
        "AWS profile '{profile}' has no credentials: neither aws_access_key_id and aws_secret_access_key nor credential_process in {credentials_file} or {config_file}"
    )]
    NoCredentialsInProfile { profile: String, credentials_file: String, config_file: String },
    /// Half a key pair: an access key id without its secret.
    #[error("{place} has {present} but no {missing}: add the missing setting or remove both")]
    PartialCredentials { place: String, present: &'static str, missing: &'static str },
    /// A kind of profile Keyshelf cannot use yet (assume role, SSO, web identity).
    #[error(
        "AWS profile '{profile}' in {file} uses {feature}; Keyshelf cannot {cannot} yet: export credentials with `aws configure export-credentials --profile {profile} --format env` or use credential_process"
    )]
    Unsupported { profile: String, feature: String, cannot: &'static str, file: String },
    /// A file that exists but cannot be used (unreadable, too large, not UTF-8).
    #[error("cannot read AWS file {path}: {reason}")]
    File { path: String, reason: String },
    /// A line of a file is not INI.
    #[error("AWS file {path}, line {line}: {reason}")]
    Syntax { path: String, line: usize, reason: &'static str },
    /// The `credential_process` could not be run, failed or gave unusable output.
    #[error("credential_process {}of AWS profile '{profile}' (in {file}): {reason}", then_space(.program))]
    Process {
        profile: String,
        /// The program (its first word, quoted in backticks); empty when there is none.
        program: String,
        file: String,
        reason: String,
    },
}

/// `word ` or nothing, for a message with an optional word.
fn then_space(word: &str) -> String {
    if word.is_empty() {
        String::new()
    } else {
        format!("{word} ")
    }
}

/// Finds the credentials, region and endpoints for `account` as the AWS CLI would:
/// environment keys (unless the account names a profile, like `--profile`), else the
/// profile (the account's, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or `default`) with, in
/// order, keys in the credentials file, its `credential_process`, keys in the config file.
pub fn resolve(
    account: &AwsAccountConfig,
    region_override: Option<&str>,
    env: &dyn Env,
) -> Result<Resolved, ProfileError> {
    let files = Files::load(env)?;
    let explicit = non_empty(account.profile.as_deref().map(str::trim));
    let from_env = var(env, "AWS_PROFILE").or_else(|| var(env, "AWS_DEFAULT_PROFILE"));
    let named = explicit.map(str::to_string).or(from_env);
    let name = named.clone().unwrap_or_else(|| "default".to_string());
    let exists = files.credentials.contains_key(&name) || files.config.contains_key(&name);
    if named.is_some() && !exists {
        // The AWS CLI refuses a named profile it cannot find, even with keys in the environment.
        return Err(ProfileError::ProfileNotFound {
            profile: name,
            credentials_file: files.credentials_shown(),
            config_file: files.config_shown(),
        });
    }

    let env_credentials = if explicit.is_none() { credentials_from_env(env)? } else { None };
    let (credentials, source, profile) = match env_credentials {
        Some(c) => (c, CredentialSource::Environment, "environment".to_string()),
        None if !exists => {
            return Err(ProfileError::NoCredentialsFound {
                credentials_file: files.credentials_shown(),
                config_file: files.config_shown(),
            })
        }
        None => {
            let (c, s) = credentials_from_profile(&files, &name)?;
            (c, s, name.clone())
        }
    };

    let config = files.config.get(&name);
    let setting =
        |key: &str| config.and_then(|p| p.get(key)).and_then(|v| non_empty(Some(v.as_str()))).map(str::to_string);
    let region = non_empty(region_override.map(str::trim))
        .map(str::to_string)
        .or_else(|| non_empty(account.region.as_deref().map(str::trim)).map(str::to_string))
        .or_else(|| setting("region"))
        .or_else(|| var(env, "AWS_REGION"))
        .or_else(|| var(env, "AWS_DEFAULT_REGION"));

    let ignore_endpoints = match var(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
        Some(v) => v.trim().eq_ignore_ascii_case("true"),
        None => setting("ignore_configured_endpoint_urls").is_some_and(|v| v.eq_ignore_ascii_case("true")),
    };
    let endpoint = |service_var: &str| {
        if ignore_endpoints {
            None
        } else {
            var(env, service_var).or_else(|| var(env, "AWS_ENDPOINT_URL")).or_else(|| setting("endpoint_url"))
        }
    };
    let ec2_endpoint = endpoint("AWS_ENDPOINT_URL_EC2");
    let sts_endpoint = endpoint("AWS_ENDPOINT_URL_STS");

    Ok(Resolved { credentials, profile, source, region, ec2_endpoint, sts_endpoint })
}

/// Profile names found in the config and credentials files (names only), for `doctor`
/// and the app's profile picker: `default` first, then the others sorted. A file that
/// cannot be read adds no names.
pub fn profile_names(env: &dyn Env) -> Vec<String> {
    let mut names = BTreeSet::new();
    if let Some(path) = credentials_path(env) {
        if let Ok(Some(ini)) = read_ini(&path) {
            names.extend(credentials_profiles(ini).into_keys());
        }
    }
    if let Some(path) = config_path(env) {
        if let Ok(Some(ini)) = read_ini(&path) {
            names.extend(config_profiles(ini).into_keys());
        }
    }
    let default = names.remove("default");
    default.then(|| "default".to_string()).into_iter().chain(names).collect()
}

// ---------------------------------------------------------------------------------------
// Environment

/// A variable, `None` when unset or empty (whatever the `Env` does).
fn var(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name).filter(|v| !v.is_empty())
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`, or the older
/// `AWS_SECURITY_TOKEN`). An id without its secret is an error, as in the AWS CLI.
fn credentials_from_env(env: &dyn Env) -> Result<Option<Credentials>, ProfileError> {
    let Some(access_key_id) = var(env, "AWS_ACCESS_KEY_ID") else { return Ok(None) };
    let Some(secret) = var(env, "AWS_SECRET_ACCESS_KEY").map(Zeroizing::new) else {
        return Err(ProfileError::PartialCredentials {
            place: "the environment".to_string(),
            present: "AWS_ACCESS_KEY_ID",
            missing: "AWS_SECRET_ACCESS_KEY",
        });
    };
    let token = var(env, "AWS_SESSION_TOKEN").or_else(|| var(env, "AWS_SECURITY_TOKEN")).map(Zeroizing::new);
    Ok(Some(Credentials {
        access_key_id,
        secret: Secret::new(secret.as_str()),
        session_token: token.map(|t| Secret::new(t.as_str())),
    }))
}

// ---------------------------------------------------------------------------------------
// The two files

/// One file's profiles: name → (lowercase key → value). Values may be secrets.
type Profiles = BTreeMap<String, BTreeMap<String, Zeroizing<String>>>;

struct Files {
    credentials_path: Option<PathBuf>,
    config_path: Option<PathBuf>,
    credentials: Profiles,
    config: Profiles,
}

impl Files {
    /// Reads both files; a missing file is an empty one (as for the AWS CLI).
    fn load(env: &dyn Env) -> Result<Files, ProfileError> {
        let credentials_path = credentials_path(env);
        let config_path = config_path(env);
        let credentials = match &credentials_path {
            Some(p) => read_ini(p)?.map(credentials_profiles).unwrap_or_default(),
            None => Profiles::new(),
        };
        let config = match &config_path {
            Some(p) => read_ini(p)?.map(config_profiles).unwrap_or_default(),
            None => Profiles::new(),
        };
        Ok(Files { credentials_path, config_path, credentials, config })
    }

    fn credentials_shown(&self) -> String {
        shown(self.credentials_path.as_deref(), "~/.aws/credentials")
    }

    fn config_shown(&self) -> String {
        shown(self.config_path.as_deref(), "~/.aws/config")
    }
}

fn shown(path: Option<&Path>, fallback: &str) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => format!("{fallback} (no home directory)"),
    }
}

/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
fn credentials_path(env: &dyn Env) -> Option<PathBuf> {
    file_path(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

/// `AWS_CONFIG_FILE`, else `~/.aws/config`.
fn config_path(env: &dyn Env) -> Option<PathBuf> {
    file_path(env, "AWS_CONFIG_FILE", "config")
}

fn file_path(env: &dyn Env, variable: &str, name: &str) -> Option<PathBuf> {
    match var(env, variable) {
        // A leading `~` is the home directory, as the AWS CLI expands it.
        Some(v) if v == "~" => env.home(),
        Some(v) => match v.strip_prefix("~/") {
            Some(rest) => env.home().map(|h| h.join(rest)),
            None => Some(PathBuf::from(v)),
        },
        None => env.home().map(|h| h.join(".aws").join(name)),
    }
}

/// The credentials file's profiles: every section is a profile, by its name as written.
fn credentials_profiles(ini: Ini) -> Profiles {
    ini.sections
}

/// The config file's profiles: `[default]` and `[profile NAME]` (the name may be quoted);
/// other sections (`[sso-session x]`, `[services x]`) are not profiles. `[profile default]`
/// is accepted too and wins over `[default]` where both set a key.
fn config_profiles(ini: Ini) -> Profiles {
    let mut profiles = Profiles::new();
    // Kept aside so `[profile default]` overrides `[default]` whatever their order.
    let mut profile_default: Option<BTreeMap<String, Zeroizing<String>>> = None;
    for (section, values) in ini.sections {
        if section == "default" {
            profiles.entry(section).or_default().extend(values);
            continue;
        }
        let Some(rest) = section.strip_prefix("profile").filter(|r| r.starts_with([' ', '\t'])) else { continue };
        let name = match split_command(rest) {
            Ok(mut words) if words.len() == 1 => words.remove(0),
            _ => continue,
        };
        if name == "default" {
            profile_default.get_or_insert_with(BTreeMap::new).extend(values);
        } else {
            profiles.entry(name).or_default().extend(values);
        }
    }
    if let Some(values) = profile_default {
        profiles.entry("default".to_string()).or_default().extend(values);
    }
    profiles
}

// ---------------------------------------------------------------------------------------
// A profile's credentials

/// Keys that mean a kind of profile Keyshelf cannot use yet, with what it would need.
fn unsupported(key: &str) -> Option<(&'static str, &'static str)> {
    match key {
        "role_arn" => Some(("role_arn (assume role)", "assume roles")),
        "web_identity_token_file" => Some(("web_identity_token_file (web identity)", "assume roles")),
        k if k.starts_with("sso_") => Some(("sso_* (IAM Identity Center)", "sign in with SSO")),
        _ => None,
    }
}

fn credentials_from_profile(files: &Files, name: &str) -> Result<(Credentials, CredentialSource), ProfileError> {
    let in_credentials = files.credentials.get(name);
    let in_config = files.config.get(name);

    // Assume role, web identity and SSO come before static keys in the AWS CLI's chain:
    // a profile using them must not quietly fall back to keys it also holds.
    for (values, shown) in [(in_credentials, files.credentials_shown()), (in_config, files.config_shown())] {
        if let Some((feature, cannot)) = values.and_then(|v| v.keys().find_map(|k| unsupported(k))) {
            return Err(ProfileError::Unsupported {
                profile: name.to_string(),
                feature: feature.to_string(),
                cannot,
                file: shown,
            });
        }
    }

    // 1. Keys in the credentials file.
    if let Some(c) = static_keys(in_credentials, name, &files.credentials_shown())? {
        let path = files.credentials_path.clone().unwrap_or_default();
        return Ok((c, CredentialSource::SharedFile { path }));
    }
    // 2. credential_process, in either file (the credentials file wins).
    let process = in_credentials
        .and_then(|v| v.get("credential_process").map(|c| (c, &files.credentials_path)))
        .or_else(|| in_config.and_then(|v| v.get("credential_process").map(|c| (c, &files.config_path))))
        .filter(|(c, _)| !c.is_empty());
    if let Some((command, path)) = process {
        let path = path.clone().unwrap_or_default();
        let (credentials, summary) = run_credential_process(command, name, &path)?;
        return Ok((credentials, CredentialSource::Process { path, command: summary }));
    }
    // 3. Keys in the config file.
    if let Some(c) = static_keys(in_config, name, &files.config_shown())? {
        let path = files.config_path.clone().unwrap_or_default();
        return Ok((c, CredentialSource::ConfigFile { path }));
    }
    Err(ProfileError::NoCredentialsInProfile {
        profile: name.to_string(),
        credentials_file: files.credentials_shown(),
        config_file: files.config_shown(),
    })
}

/// `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`) from one file's
/// profile; an id without its secret is an error, as in the AWS CLI.
fn static_keys(
    values: Option<&BTreeMap<String, Zeroizing<String>>>,
    profile: &str,
    file: &str,
) -> Result<Option<Credentials>, ProfileError> {
    let Some(values) = values else { return Ok(None) };
    let get = |k: &str| values.get(k).filter(|v| !v.is_empty());
    let Some(id) = get("aws_access_key_id") else { return Ok(None) };
    let Some(secret) = get("aws_secret_access_key") else {
        return Err(ProfileError::PartialCredentials {
            place: format!("AWS profile '{profile}' in {file}"),
            present: "aws_access_key_id",
            missing: "aws_secret_access_key",
        });
    };
    let token = get("aws_session_token").or_else(|| get("aws_security_token"));
    Ok(Some(Credentials {
        access_key_id: id.to_string(),
        secret: Secret::new(secret.as_str()),
        session_token: token.map(|t| Secret::new(t.as_str())),
    }))
}

// ---------------------------------------------------------------------------------------
// Reading and parsing INI

/// A parsed INI file: section name (as written, trimmed) → lowercase key → value.
/// Repeated sections merge and a repeated key keeps its last value.
#[derive(Debug, Default)]
struct Ini {
    sections: Profiles,
}

/// Reads an INI file, bounded, into wiped memory. `Ok(None)` when it does not exist.
fn read_ini(path: &Path) -> Result<Option<Ini>, ProfileError> {
    let shown = || path.display().to_string();
    let file_error = |reason: String| ProfileError::File { path: shown(), reason };
    let mut bytes = match read_bounded(path, MAX_FILE_BYTES) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(None),
        Err(FileProblem::Io(e)) => return Err(file_error(e.to_string())),
        Err(FileProblem::Folder) => return Err(file_error("it is a directory".to_string())),
        Err(FileProblem::TooBig) => {
            return Err(file_error(format!("it is larger than {} KiB, which no AWS config is", MAX_FILE_BYTES / 1024)))
        }
    };
    let text = match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(s) => Zeroizing::new(s),
        Err(e) => {
            let mut raw = e.into_bytes();
            raw.zeroize();
            return Err(file_error("it is not UTF-8 text".to_string()));
        }
    };
    parse_ini(&text).map(Some).map_err(|(line, reason)| ProfileError::Syntax { path: shown(), line, reason })
}

/// Parses INI as the AWS CLI writes it: `[section]`, `key = value` (or `key: value`),
/// comments starting with `#` or `;`, blank lines, `\n` or `\r\n`. The indented lines
/// under a key with no value (`s3 =` and its nested settings) are skipped. On a line
/// that is none of these, the error is its number and why: never its text, which may
/// hold a secret.
fn parse_ini(text: &str) -> Result<Ini, (usize, &'static str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ini = Ini::default();
    let mut current: Option<String> = None;
    let mut nested = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if nested && indented {
            continue;
        }
        nested = false;
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some((name, _after)) = rest.split_once(']') else {
                return Err((line_no, "a section header without its closing ']'"));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err((line_no, "a section header with no name"));
            }
            ini.sections.entry(name.to_string()).or_default();
            current = Some(name.to_string());
            continue;
        }
        let Some((key, value)) = trimmed.split_once(['=', ':']) else {
            return Err((line_no, "expected `key = value`, a [section] or a comment"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err((line_no, "a setting with no name before its '='"));
        }
        let Some(section) = current.as_ref().and_then(|s| ini.sections.get_mut(s)) else {
            return Err((line_no, "a setting before any [section]"));
        };
        let value = value.trim();
        nested = value.is_empty();
        section.insert(key.to_ascii_lowercase(), Zeroizing::new(value.to_string()));
    }
    Ok(ini)
}

// ---------------------------------------------------------------------------------------
// credential_process

/// Why a command line could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SplitError {
    UnclosedQuote,
    TrailingBackslash,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitError::UnclosedQuote => "it has a quote that is never closed",
            SplitError::TrailingBackslash => "it ends with a lone backslash",
        })
    }
}

/// Splits a command line into words like a POSIX shell (Python's `shlex.split`, which
/// the AWS CLI uses), without running any shell: words are separated by blanks; single
/// quotes keep everything literally; double quotes keep everything but `\"` and `\\`;
/// outside quotes a backslash keeps the next character; `''` is an empty word.
fn split_command(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(SplitError::UnclosedQuote),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err(SplitError::UnclosedQuote),
                        },
                        Some(c) => w.push(c),
                        None => return Err(SplitError::UnclosedQuote),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err(SplitError::TrailingBackslash),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(w) = word {
        words.push(w);
    }
    Ok(words)
}

/// The JSON a `credential_process` prints. Its strings are wiped when it is dropped.
#[derive(serde::Deserialize, Default)]
struct ProcessOutput {
    #[serde(rename = "Version")]
    version: Option<serde_json::Value>,
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: Option<String>,
    #[serde(rename = "SessionToken")]
    session_token: Option<String>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

impl Drop for ProcessOutput {
    fn drop(&mut self) {
        for s in [&mut self.access_key_id, &mut self.secret_access_key, &mut self.session_token].into_iter().flatten() {
            s.zeroize();
        }
    }
}

/// Runs a profile's `credential_process` and reads its credentials; returns them with a
/// summary of the command that holds none of its arguments.
fn run_credential_process(command: &str, profile: &str, file: &Path) -> Result<(Credentials, String), ProfileError> {
    let error = |program: &str, reason: String| ProfileError::Process {
        profile: profile.to_string(),
        program: program.to_string(),
        file: file.display().to_string(),
        reason,
    };
    let argv =
        Zeroizing::new(split_command(command).map_err(|e| error("", format!("cannot be split into words: {e}")))?);
    let Some((program, args)) = argv.split_first() else {
        return Err(error("", "is empty".to_string()));
    };
    if program.is_empty() {
        return Err(error("", "is empty: its program name is ''".to_string()));
    }
    let shown_program = format!("`{program}`");
    let summary = match args.len() {
        0 => shown_program.clone(),
        1 => format!("{shown_program} (1 argument)"),
        n => format!("{shown_program} ({n} arguments)"),
    };
    let output =
        run_bounded(&argv, PROCESS_TIMEOUT, MAX_PROCESS_OUTPUT).map_err(|e| error(&shown_program, e.reason()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let excerpt: String = stderr.trim().chars().take(STDERR_SHOWN_CHARS).collect();
        let reason = if excerpt.is_empty() {
            format!("failed ({}) and printed nothing on stderr", output.status)
        } else {
            format!("failed ({}): {excerpt}", output.status)
        };
        return Err(error(&shown_program, reason));
    }
    let credentials = parse_process_output(&output.stdout, OffsetNow::now()).map_err(|r| error(&shown_program, r))?;
    Ok((credentials, summary))
}

/// The current time, passed in so tests can fix it.
struct OffsetNow(time::OffsetDateTime);

impl OffsetNow {
    fn now() -> OffsetNow {
        OffsetNow(time::OffsetDateTime::now_utc())
    }
}

/// Reads a `credential_process`'s stdout: JSON with `Version` 1, `AccessKeyId`,
/// `SecretAccessKey`, optionally `SessionToken` and an `Expiration` that has not passed.
/// The reason on error never quotes the output (it holds secrets).
fn parse_process_output(stdout: &[u8], now: OffsetNow) -> Result<Credentials, String> {
    let mut parsed: ProcessOutput = serde_json::from_slice(stdout).map_err(|e| {
        // serde_json's own messages can quote a value: only its kind and place are shown.
        let kind = match e.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Data => "JSON of the wrong shape",
            serde_json::error::Category::Eof => "cut-off JSON",
        };
        format!(
            "its output is {kind} (line {}, column {}); it must print {{\"Version\": 1, \"AccessKeyId\": …, \"SecretAccessKey\": …}}",
            e.line(),
            e.column()
        )
    })?;
    match parsed.version.as_ref() {
        Some(v) if v.as_u64() == Some(1) => {}
        Some(_) => return Err("its output has a Version other than 1, the only one Keyshelf understands".to_string()),
        None => return Err("its output has no Version (it must be 1)".to_string()),
    }
    let access_key_id = std::mem::take(&mut parsed.access_key_id).filter(|s| !s.is_empty());
    let Some(access_key_id) = access_key_id else { return Err("its output has no AccessKeyId".to_string()) };
    let secret = Zeroizing::new(std::mem::take(&mut parsed.secret_access_key).unwrap_or_default());
    if secret.is_empty() {
        return Err("its output has no SecretAccessKey".to_string());
    }
    if let Some(expiration) = parsed.expiration.as_deref() {
        let format = time::format_description::well_known::Rfc3339;
        let Ok(at) = time::OffsetDateTime::parse(expiration, &format) else {
            return Err(
                "its output has an Expiration that is not an RFC 3339 time (such as 2030-01-01T00:00:00Z)".to_string()
            );
        };
        if at <= now.0 {
            return Err(format!("the credentials it returned expired at {expiration}"));
        }
    }
    let token = Zeroizing::new(std::mem::take(&mut parsed.session_token).unwrap_or_default());
    Ok(Credentials {
        access_key_id,
        secret: Secret::new(secret.as_str()),
        session_token: (!token.is_empty()).then(|| Secret::new(token.as_str())),
    })
}

/// What a reader thread read: the bytes kept, and whether there was more.
type Captured = (Zeroizing<Vec<u8>>, bool);

/// What a bounded run produced.
struct RunOutput {
    status: ExitStatus,
    stdout: Zeroizing<Vec<u8>>,
    stderr: Zeroizing<Vec<u8>>,
}

/// Why a bounded run produced nothing usable.
#[derive(Debug)]
enum RunError {
    Start(std::io::Error),
    Wait(std::io::Error),
    Timeout(Duration),
    TooMuchOutput(usize),
    OutputHeldOpen,
}

impl RunError {
    fn reason(&self) -> String {
        match self {
            RunError::Start(e) if e.kind() == std::io::ErrorKind::NotFound => {
                "cannot be started: no such program (check the path, or give the full path)".to_string()
            }
            RunError::Start(e) => format!("cannot be started: {e}"),
            RunError::Wait(e) => format!("could not be waited for: {e}"),
            RunError::Timeout(t) => format!("did not finish within {} s and was stopped", t.as_secs()),
            RunError::TooMuchOutput(limit) => {
                format!("printed more than {} KiB, which no credentials are, and was stopped", limit / 1024)
            }
            RunError::OutputHeldOpen => {
                "exited, but a process it started kept its output open past the time limit".to_string()
            }
        }
    }
}

/// Runs `argv` (no shell) with no stdin, stops it after `timeout`, reads at most `limit`
/// bytes of stdout (more stops it), keeps the start of its stderr and drops the rest.
fn run_bounded(argv: &[String], timeout: Duration, limit: usize) -> Result<RunOutput, RunError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(RunError::Start(std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command")));
    };
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = spawn(&mut command).map_err(RunError::Start)?;
    let deadline = Instant::now() + timeout;
    let mut stdout = child.stdout.take().map(|out| std::thread::spawn(move || read_capped(out, limit, false)));
    let mut stderr =
        child.stderr.take().map(|err| std::thread::spawn(move || read_capped(err, STDERR_KEPT_BYTES, true)));
    let mut out_buf: Option<Captured> = None;
    let mut err_buf: Option<Captured> = None;

    let stop = |child: &mut std::process::Child| {
        // Already exited, or the kill fails for a reason nothing here can mend.
        let _ = child.kill();
        let _ = child.wait();
    };
    let mut pause = Duration::from_millis(1);
    let status = loop {
        collect(&mut stdout, &mut out_buf);
        if out_buf.as_ref().is_some_and(|(_, over)| *over) {
            stop(&mut child);
            return Err(RunError::TooMuchOutput(limit));
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                stop(&mut child);
                return Err(RunError::Wait(e));
            }
        }
        if Instant::now() >= deadline {
            stop(&mut child);
            return Err(RunError::Timeout(timeout));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    // The process is gone; its output may still be in the pipes (or held open by a
    // process it started, which gets the rest of the time).
    while stdout.is_some() || stderr.is_some() {
        collect(&mut stdout, &mut out_buf);
        collect(&mut stderr, &mut err_buf);
        if stdout.is_none() && stderr.is_none() {
            break;
        }
        if Instant::now() >= deadline {
            if stdout.is_some() {
                return Err(RunError::OutputHeldOpen);
            }
            // Only stderr is still open: go on without the rest of it.
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let (stdout, over) = out_buf.unwrap_or_default();
    if over {
        return Err(RunError::TooMuchOutput(limit));
    }
    let (stderr, _) = err_buf.unwrap_or_default();
    Ok(RunOutput { status, stdout, stderr })
}

/// Starts a command, trying again for a moment while the program file is still open for
/// writing somewhere (ETXTBSY: just written, or inherited by another fork in flight).
fn spawn(command: &mut Command) -> std::io::Result<std::process::Child> {
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 20 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(25));
            }
            result => return result,
        }
    }
}

/// Takes a reader thread's result once it has finished.
fn collect(handle: &mut Option<JoinHandle<Captured>>, into: &mut Option<Captured>) {
    if handle.as_ref().is_some_and(|h| h.is_finished()) {
        if let Some(h) = handle.take() {
            // A reader that panicked read nothing usable.
            *into = Some(h.join().unwrap_or_default());
        }
    }
}

/// Reads up to `limit` bytes into wiped memory; the flag says there was more. With
/// `drain`, the rest is read and dropped (so the writer never blocks); without, reading
/// stops at once.
fn read_capped(mut from: impl Read, limit: usize, drain: bool) -> Captured {
    let mut kept = Zeroizing::new(Vec::with_capacity(limit.saturating_add(1)));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    let mut over = false;
    loop {
        let n = match from.read(&mut chunk[..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let room = limit.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..n.min(room)]);
        if n > room {
            over = true;
            if !drain {
                break;
            }
        }
    }
    (kept, over)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY";
    const SECRET2: &str = "otherSECRETvalue/abcdefghijklmnopqrstuv";
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue";

    /// A fake environment: variables from a map, a home directory that is a fresh temp dir.
    struct MapEnv {
        vars: HashMap<String, String>,
        dir: tempfile::TempDir,
    }

    impl MapEnv {
        fn new() -> MapEnv {
            MapEnv { vars: HashMap::new(), dir: tempfile::tempdir().unwrap() }
        }

        fn set(mut self, name: &str, value: &str) -> MapEnv {
            self.vars.insert(name.to_string(), value.to_string());
            self
        }

        fn home_path(&self) -> PathBuf {
            self.dir.path().join("home")
        }

        /// Writes `~/.aws/NAME`.
        fn aws_file(self, name: &str, text: &str) -> MapEnv {
            let dir = self.home_path().join(".aws");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), text).unwrap();
            self
        }

        fn credentials(self, text: &str) -> MapEnv {
            self.aws_file("credentials", text)
        }

        fn config(self, text: &str) -> MapEnv {
            self.aws_file("config", text)
        }

        /// Writes an executable `#!/bin/sh` script into the temp dir; returns its path.
        #[cfg(unix)]
        fn script(&self, name: &str, body: &str) -> PathBuf {
            use std::os::unix::fs::PermissionsExt;
            let path = self.dir.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        }
    }

    impl Env for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).filter(|v| !v.is_empty()).cloned()
        }

        fn home(&self) -> Option<PathBuf> {
            Some(self.home_path())
        }
    }

    fn no_profile() -> AwsAccountConfig {
        AwsAccountConfig::default()
    }

    fn with_profile(name: &str) -> AwsAccountConfig {
        AwsAccountConfig { profile: Some(name.to_string()), region: None }
    }

    fn creds_file(profile: &str, id: &str, secret: &str) -> String {
        format!("[{profile}]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n")
    }

    fn resolve_err(account: &AwsAccountConfig, env: &MapEnv) -> String {
        let err = resolve(account, None, env).expect_err("expected an error");
        let text = format!("{err}");
        for secret in [SECRET, SECRET2, TOKEN] {
            assert!(!text.contains(secret), "a secret leaked: {text}");
            assert!(!format!("{err:?}").contains(secret), "a secret leaked in Debug: {err:?}");
        }
        text
    }

    // --- environment ------------------------------------------------------------------

    #[test]
    fn env_keys() {
        let env = MapEnv::new().set("AWS_ACCESS_KEY_ID", "AKIDENV").set("AWS_SECRET_ACCESS_KEY", SECRET);
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDENV");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert!(r.credentials.session_token.is_none());
        assert_eq!(r.source, CredentialSource::Environment);
        assert_eq!(r.profile, "environment");
        assert_eq!(r.region, None);
        assert_eq!((r.ec2_endpoint.as_deref(), r.sts_endpoint.as_deref()), (None, None));
        assert!(r.who().contains("AWS_ACCESS_KEY_ID"), "{}", r.who());
        assert!(!format!("{r:?}").contains(SECRET), "Debug shows no secret");
    }

    #[test]
    fn env_keys_with_session_token() {
        let env = MapEnv::new()
            .set("AWS_ACCESS_KEY_ID", "ASIAENV")
            .set("AWS_SECRET_ACCESS_KEY", SECRET)
            .set("AWS_SESSION_TOKEN", TOKEN);
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
        assert!(!format!("{r:?}").contains(TOKEN));
    }

    #[test]
    fn env_security_token_is_the_older_name_of_the_session_token() {
        let env = MapEnv::new()
            .set("AWS_ACCESS_KEY_ID", "ASIAENV")
            .set("AWS_SECRET_ACCESS_KEY", SECRET)
            .set("AWS_SECURITY_TOKEN", TOKEN);
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
    }

    #[test]
    fn env_key_id_without_its_secret_is_an_error() {
        let env =
            MapEnv::new().set("AWS_ACCESS_KEY_ID", "AKIDENV").credentials(&creds_file("default", "AKIDF", SECRET));
        let msg = resolve_err(&no_profile(), &env);
        assert!(msg.contains("AWS_SECRET_ACCESS_KEY"), "{msg}");
        // An empty variable counts as unset.
        let env = env.set("AWS_ACCESS_KEY_ID", "");
        assert_eq!(resolve(&no_profile(), None, &env).unwrap().credentials.access_key_id, "AKIDF");
    }

    #[test]
    fn env_keys_win_over_aws_profile_without_an_account_profile() {
        let env = MapEnv::new()
            .set("AWS_ACCESS_KEY_ID", "AKIDENV")
            .set("AWS_SECRET_ACCESS_KEY", SECRET)
            .set("AWS_PROFILE", "dev")
            .credentials(&creds_file("dev", "AKIDDEV", SECRET2))
            .config("[profile dev]\nregion = eu-west-3\n");
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDENV");
        assert_eq!(r.source, CredentialSource::Environment);
        assert_eq!(r.region.as_deref(), Some("eu-west-3"), "the profile still gives the region");
    }

    #[test]
    fn explicit_account_profile_wins_over_env_keys() {
        let env = MapEnv::new()
            .set("AWS_ACCESS_KEY_ID", "AKIDENV")
            .set("AWS_SECRET_ACCESS_KEY", SECRET)
            .set("AWS_PROFILE", "other")
            .credentials(&format!("{}{}", creds_file("dev", "AKIDDEV", SECRET2), creds_file("other", "AKIDO", SECRET)));
        let r = resolve(&with_profile("dev"), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDDEV");
        assert_eq!(r.credentials.secret.expose(), SECRET2);
        assert_eq!(r.profile, "dev");
        assert_eq!(r.who(), "profile 'dev'");
        assert_eq!(r.source, CredentialSource::SharedFile { path: env.home_path().join(".aws/credentials") });
    }

    #[test]
    fn an_empty_account_profile_is_no_profile() {
        let env = MapEnv::new().set("AWS_ACCESS_KEY_ID", "AKIDENV").set("AWS_SECRET_ACCESS_KEY", SECRET);
        let r = resolve(&with_profile("  "), None, &env).unwrap();
        assert_eq!(r.source, CredentialSource::Environment);
    }

    // --- profiles ---------------------------------------------------------------------

    #[test]
    fn default_profile_from_credentials_file() {
        let env = MapEnv::new().credentials(&format!(
            "{}aws_session_token = {TOKEN}\n\n{}",
            creds_file("default", "AKIDDEF", SECRET),
            creds_file("dev", "AKIDDEV", SECRET2)
        ));
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDDEF");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
        assert_eq!(r.profile, "default");
        let label = r.source_label();
        assert!(label.contains("profile 'default'") && label.contains(".aws/credentials"), "{label}");
        assert!(!label.contains(SECRET));
    }

    #[test]
    fn profile_from_config_only() {
        let env = MapEnv::new().config(&format!(
            "[default]\nregion = us-east-1\n\n[profile x]\naws_access_key_id = AKIDX\naws_secret_access_key = {SECRET}\nregion = ap-south-1\n"
        ));
        let r = resolve(&with_profile("x"), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDX");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert_eq!(r.source, CredentialSource::ConfigFile { path: env.home_path().join(".aws/config") });
        assert_eq!(r.region.as_deref(), Some("ap-south-1"));
        // `[x]` in the config file is not profile x.
        let env = MapEnv::new().config(&format!("[x]\naws_access_key_id = AKIDX\naws_secret_access_key = {SECRET}\n"));
        let msg = resolve_err(&with_profile("x"), &env);
        assert!(msg.contains("'x'"), "{msg}");
    }

    #[test]
    fn credentials_file_wins_over_config() {
        let env = MapEnv::new().credentials(&creds_file("dev", "AKIDCRED", SECRET)).config(&format!(
            "[profile dev]\naws_access_key_id = AKIDCONF\naws_secret_access_key = {SECRET2}\nregion = eu-north-1\n"
        ));
        let r = resolve(&with_profile("dev"), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDCRED");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert!(matches!(r.source, CredentialSource::SharedFile { .. }));
        assert_eq!(r.region.as_deref(), Some("eu-north-1"), "the region still comes from the config file");
    }

    #[test]
    fn aws_profile_then_aws_default_profile() {
        let files = format!("{}{}", creds_file("a", "AKIDA", SECRET), creds_file("b", "AKIDB", SECRET2));
        let env = MapEnv::new().credentials(&files).set("AWS_PROFILE", "a").set("AWS_DEFAULT_PROFILE", "b");
        assert_eq!(resolve(&no_profile(), None, &env).unwrap().credentials.access_key_id, "AKIDA");
        let env = env.set("AWS_PROFILE", "");
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!((r.credentials.access_key_id.as_str(), r.profile.as_str()), ("AKIDB", "b"));
    }

    #[test]
    fn the_files_named_by_the_environment_are_read_and_tilde_is_home() {
        let env = MapEnv::new();
        let dir = env.dir.path().to_path_buf();
        std::fs::write(dir.join("creds.ini"), creds_file("default", "AKIDELSEWHERE", SECRET)).unwrap();
        std::fs::create_dir_all(env.home_path()).unwrap();
        std::fs::write(env.home_path().join("conf.ini"), "[default]\nregion = sa-east-1\n").unwrap();
        let env = env
            .set("AWS_SHARED_CREDENTIALS_FILE", &dir.join("creds.ini").display().to_string())
            .set("AWS_CONFIG_FILE", "~/conf.ini")
            .credentials(&creds_file("default", "AKIDHOME", SECRET2));
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDELSEWHERE");
        assert_eq!(r.region.as_deref(), Some("sa-east-1"));
        assert_eq!(r.source, CredentialSource::SharedFile { path: dir.join("creds.ini") });
    }

    #[test]
    fn profile_default_section_in_config_is_accepted_and_wins_over_default() {
        let env = MapEnv::new().config(&format!(
            "[profile default]\nregion = us-west-2\naws_access_key_id = AKIDPD\naws_secret_access_key = {SECRET}\n[default]\nregion = us-east-2\n"
        ));
        let r = resolve(&no_profile(), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDPD");
        assert_eq!(r.region.as_deref(), Some("us-west-2"));
    }

    #[test]
    fn missing_profile_error_names_the_profile_and_both_files() {
        let env = MapEnv::new()
            .set("AWS_SECRET_ACCESS_KEY", SECRET)
            .credentials(&creds_file("default", "AKIDDEF", SECRET2))
            .config("[profile other]\nregion = us-east-1\n");
        let msg = resolve_err(&with_profile("prod"), &env);
        assert!(msg.contains("'prod'"), "{msg}");
        assert!(msg.contains(&env.home_path().join(".aws/credentials").display().to_string()), "{msg}");
        assert!(msg.contains(&env.home_path().join(".aws/config").display().to_string()), "{msg}");
        // Named by AWS_PROFILE: refused too, even with keys in the environment (as the CLI does).
        let env = env.set("AWS_PROFILE", "typo").set("AWS_ACCESS_KEY_ID", "AKIDENV");
        let msg = resolve_err(&no_profile(), &env);
        assert!(msg.contains("'typo'"), "{msg}");
    }

    #[test]
    fn no_credentials_anywhere_says_where_it_looked() {
        let env = MapEnv::new();
        let msg = resolve_err(&no_profile(), &env);
        assert!(msg.contains("AWS_ACCESS_KEY_ID") && msg.contains("'default'"), "{msg}");
        assert!(msg.contains(&env.home_path().join(".aws/credentials").display().to_string()), "{msg}");
    }

    #[test]
    fn a_profile_without_keys_says_so() {
        let env = MapEnv::new().config("[profile empty]\nregion = us-east-1\n").credentials("[empty]\n");
        let msg = resolve_err(&with_profile("empty"), &env);
        assert!(msg.contains("'empty'") && msg.contains("has no credentials"), "{msg}");
        assert!(msg.contains(".aws/credentials") && msg.contains(".aws/config"), "{msg}");
    }

    #[test]
    fn a_key_id_without_its_secret_in_a_file_is_an_error() {
        let env = MapEnv::new()
            .credentials("[dev]\naws_access_key_id = AKIDHALF\n")
            .config(&format!("[profile dev]\naws_access_key_id = AKIDCONF\naws_secret_access_key = {SECRET}\n"));
        let msg = resolve_err(&with_profile("dev"), &env);
        assert!(
            msg.contains("aws_secret_access_key") && msg.contains("'dev'") && msg.contains(".aws/credentials"),
            "{msg}"
        );
    }

    #[test]
    fn role_arn_is_unsupported_with_a_way_out() {
        let env = MapEnv::new().credentials(&creds_file("base", "AKIDBASE", SECRET)).config(&format!(
            "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\naws_access_key_id = AKIDA\naws_secret_access_key = {SECRET2}\n"
        ));
        let msg = resolve_err(&with_profile("admin"), &env);
        assert!(
            msg.contains("'admin'") && msg.contains("role_arn") && msg.contains("cannot assume roles yet"),
            "{msg}"
        );
        assert!(msg.contains("aws configure export-credentials --profile admin --format env"), "{msg}");
        assert!(msg.contains("credential_process"), "{msg}");
    }

    #[test]
    fn sso_is_unsupported_with_a_way_out() {
        let env = MapEnv::new().config(
            "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n",
        );
        let msg = resolve_err(&with_profile("sso"), &env);
        assert!(
            msg.contains("'sso'") && msg.contains("sso_") && msg.contains("export-credentials --profile sso"),
            "{msg}"
        );
        // An sso-session section is not a profile.
        assert_eq!(profile_names(&env), vec!["sso".to_string()]);
    }

    // --- credential_process -----------------------------------------------------------

    #[cfg(unix)]
    #[test]
    fn credential_process_success() {
        let env = MapEnv::new();
        let json = format!(
            r#"{{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}", "Expiration": "2999-01-01T00:00:00Z"}}"#
        );
        let script = env.script("creds.sh", &format!("echo '{json}'"));
        let env = env.config(&format!(
            "[profile proc]\ncredential_process = '{}' --token-arg {SECRET2}\nregion = eu-central-1\n",
            script.display()
        ));
        let r = resolve(&with_profile("proc"), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "ASIAPROC");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
        assert_eq!(r.region.as_deref(), Some("eu-central-1"));
        let CredentialSource::Process { path, command } = &r.source else { panic!("{:?}", r.source) };
        assert_eq!(path, &env.home_path().join(".aws/config"));
        assert!(command.contains("creds.sh") && command.contains("2 arguments"), "{command}");
        assert!(!command.contains(SECRET2), "the summary holds no argument: {command}");
        assert!(!r.source_label().contains(SECRET2));
    }

    #[cfg(unix)]
    #[test]
    fn credential_process_without_expiration_or_token() {
        let env = MapEnv::new();
        let script = env
            .script("c.sh", &format!(r#"echo '{{"Version":1,"AccessKeyId":"AKIDP","SecretAccessKey":"{SECRET}"}}'"#));
        let env = env.credentials(&format!("[p]\ncredential_process = {}\n", script.display()));
        let r = resolve(&with_profile("p"), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDP");
        assert!(r.credentials.session_token.is_none());
        assert!(matches!(&r.source, CredentialSource::Process { path, .. } if path.ends_with("credentials")));
    }

    #[cfg(unix)]
    #[test]
    fn credential_process_failure_shows_stderr_but_never_stdout() {
        let env = MapEnv::new();
        let script = env.script(
            "fail.sh",
            &format!(
                r#"echo '{{"Version":1,"AccessKeyId":"AKIDP","SecretAccessKey":"{SECRET}"}}'
echo "token expired: run sso login" >&2
exit 1"#
            ),
        );
        let env = env.config(&format!("[profile p]\ncredential_process = {} {SECRET2}\n", script.display()));
        let msg = resolve_err(&with_profile("p"), &env);
        assert!(msg.contains("token expired: run sso login"), "{msg}");
        assert!(msg.contains("'p'") && msg.contains("fail.sh") && msg.contains(".aws/config"), "{msg}");
        assert!(msg.contains("exit status: 1"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn credential_process_stderr_is_cut_to_500_characters() {
        let env = MapEnv::new();
        let script =
            env.script("long.sh", "i=0; while [ $i -lt 200 ]; do printf 'éééééééééé' >&2; i=$((i+1)); done; exit 3");
        let env = env.config(&format!("[profile p]\ncredential_process = {}\n", script.display()));
        let msg = resolve_err(&with_profile("p"), &env);
        assert_eq!(msg.matches('é').count(), 500, "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn credential_process_expired_credentials_are_refused() {
        let env = MapEnv::new();
        let script = env.script(
            "old.sh",
            &format!(
                r#"echo '{{"Version":1,"AccessKeyId":"AKIDP","SecretAccessKey":"{SECRET}","SessionToken":"{TOKEN}","Expiration":"2020-01-01T00:00:00Z"}}'"#
            ),
        );
        let env = env.config(&format!("[profile p]\ncredential_process = {}\n", script.display()));
        let msg = resolve_err(&with_profile("p"), &env);
        assert!(msg.contains("expired at 2020-01-01T00:00:00Z"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn credential_process_that_cannot_start_or_prints_too_much() {
        let env = MapEnv::new().config("[profile p]\ncredential_process = /nonexistent/keyshelf-creds --x\n");
        let msg = resolve_err(&with_profile("p"), &env);
        assert!(msg.contains("/nonexistent/keyshelf-creds") && msg.contains("no such program"), "{msg}");

        let env = MapEnv::new();
        let script = env.script("loud.sh", "exec yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        let env = env.config(&format!("[profile p]\ncredential_process = {}\n", script.display()));
        let started = Instant::now();
        let msg = resolve_err(&with_profile("p"), &env);
        assert!(msg.contains("more than 64 KiB"), "{msg}");
        assert!(started.elapsed() < Duration::from_secs(30), "stopped at once, not at the time limit");

        let env = MapEnv::new().config("[profile p]\ncredential_process = 'unclosed\n");
        let msg = resolve_err(&with_profile("p"), &env);
        assert!(msg.starts_with("credential_process of AWS profile 'p'") && msg.contains("never closed"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn a_process_that_runs_too_long_is_stopped() {
        let env = MapEnv::new();
        let script = env.script("slow.sh", "exec sleep 30");
        let started = Instant::now();
        let result = run_bounded(&[script.display().to_string()], Duration::from_millis(300), 1024);
        assert!(matches!(result, Err(RunError::Timeout(_))));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(RunError::Timeout(PROCESS_TIMEOUT).reason().contains("60 s"));
    }

    #[test]
    fn process_output_is_checked_without_quoting_it() {
        let now = || OffsetNow(time::OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let good = format!(
            r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}","Expiration":"2024-01-01T00:00:00+00:00"}}"#
        );
        assert_eq!(parse_process_output(good.as_bytes(), now()).unwrap().secret.expose(), SECRET);
        let cases = [
            (format!(r#"{{"Version":2,"AccessKeyId":"A","SecretAccessKey":"{SECRET}"}}"#), "Version other than 1"),
            (
                format!(r#"{{"Version":"{SECRET}","AccessKeyId":"A","SecretAccessKey":"{SECRET}"}}"#),
                "Version other than 1",
            ),
            (format!(r#"{{"AccessKeyId":"A","SecretAccessKey":"{SECRET}"}}"#), "no Version"),
            (format!(r#"{{"Version":1,"SecretAccessKey":"{SECRET}"}}"#), "no AccessKeyId"),
            (r#"{"Version":1,"AccessKeyId":"A"}"#.to_string(), "no SecretAccessKey"),
            (
                format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}","Expiration":"soon"}}"#),
                "RFC 3339",
            ),
            (
                format!(
                    r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}","Expiration":"2023-11-14T22:13:20Z"}}"#
                ),
                "expired at 2023-11-14T22:13:20Z",
            ),
            (format!(r#"{{"Version":1,"AccessKeyId":7,"SecretAccessKey":"{SECRET}"}}"#), "wrong shape"),
            (format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":{SECRET}}}"#), "not valid JSON"),
            (format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}""#), "cut-off"),
            (format!("Secret is {SECRET}"), "not valid JSON"),
            (String::new(), "cut-off"),
        ];
        for (output, expected) in cases {
            let err = parse_process_output(output.as_bytes(), now()).expect_err(&output);
            assert!(err.contains(expected), "{err} (wanted {expected})");
            assert!(!err.contains(SECRET), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn credentials_file_keys_beat_credential_process_which_beats_config_keys() {
        let env = MapEnv::new();
        let script = env.script(
            "c.sh",
            &format!(r#"echo '{{"Version":1,"AccessKeyId":"AKIDPROC","SecretAccessKey":"{SECRET}"}}'"#),
        );
        let config = format!(
            "[profile p]\ncredential_process = {}\naws_access_key_id = AKIDCONF\naws_secret_access_key = {SECRET2}\n",
            script.display()
        );
        let env = env.config(&config);
        assert_eq!(resolve(&with_profile("p"), None, &env).unwrap().credentials.access_key_id, "AKIDPROC");
        let env = env.credentials(&creds_file("p", "AKIDCRED", SECRET2));
        assert_eq!(resolve(&with_profile("p"), None, &env).unwrap().credentials.access_key_id, "AKIDCRED");
    }

    #[test]
    fn commands_split_like_a_shell() {
        let split = |s: &str| split_command(s).unwrap();
        assert_eq!(split("aws-vault export --format=json dev"), ["aws-vault", "export", "--format=json", "dev"]);
        assert_eq!(split("  a\t b\n"), ["a", "b"]);
        assert_eq!(split("'/opt/my tools/creds' \"two words\""), ["/opt/my tools/creds", "two words"]);
        assert_eq!(split(r#"a"b c"d e'f g'h"#), ["ab cd", "ef gh"]);
        assert_eq!(split(r#""say \"hi\" \\ \n""#), [r#"say "hi" \ \n"#]);
        assert_eq!(split(r"a\ b c\'d"), ["a b", "c'd"]);
        assert_eq!(split(r"'a\b'"), [r"a\b"]);
        assert_eq!(split("x '' \"\" y"), ["x", "", "", "y"]);
        assert_eq!(split("C:\\\\Tools\\\\creds.exe #notacomment"), ["C:\\Tools\\creds.exe", "#notacomment"]);
        assert!(split("").is_empty() && split("   ").is_empty());
        assert_eq!(split_command("'open"), Err(SplitError::UnclosedQuote));
        assert_eq!(split_command("\"open \\\""), Err(SplitError::UnclosedQuote));
        assert_eq!(split_command("trailing \\"), Err(SplitError::TrailingBackslash));
        let env = MapEnv::new().config("[profile p]\ncredential_process = ''\n");
        assert!(resolve_err(&with_profile("p"), &env).contains("is empty"));
    }

    // --- region and endpoints ---------------------------------------------------------

    #[test]
    fn region_order() {
        let base = || {
            MapEnv::new()
                .credentials(&creds_file("default", "AKID", SECRET))
                .config("[default]\nregion = profile-region\n")
                .set("AWS_REGION", "env-region")
                .set("AWS_DEFAULT_REGION", "env-default-region")
        };
        let account = AwsAccountConfig { profile: None, region: Some("account-region".into()) };
        let region = |account: &AwsAccountConfig, over: Option<&str>, env: &MapEnv| {
            resolve(account, over, env).unwrap().region.unwrap_or_default()
        };
        assert_eq!(region(&account, Some("flag-region"), &base()), "flag-region");
        assert_eq!(region(&account, None, &base()), "account-region");
        assert_eq!(region(&account, Some(""), &base()), "account-region", "an empty flag is no flag");
        assert_eq!(region(&no_profile(), None, &base()), "profile-region");
        let no_profile_region = || base().config("[default]\n");
        assert_eq!(region(&no_profile(), None, &no_profile_region()), "env-region");
        let env = no_profile_region().set("AWS_REGION", "");
        assert_eq!(region(&no_profile(), None, &env), "env-default-region");
        let env = env.set("AWS_DEFAULT_REGION", "");
        assert_eq!(resolve(&no_profile(), None, &env).unwrap().region, None);
        // The profile's region comes from the config file, not the credentials file.
        let env =
            MapEnv::new().credentials("[default]\naws_access_key_id = A\naws_secret_access_key = B\nregion = x\n");
        assert_eq!(resolve(&no_profile(), None, &env).unwrap().region, None);
    }

    #[test]
    fn endpoint_order() {
        let base = || {
            MapEnv::new()
                .credentials(&creds_file("default", "AKID", SECRET))
                .config("[default]\nendpoint_url = http://127.0.0.1:5000\n")
                .set("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
                .set("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:1111")
                .set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:2222")
        };
        let endpoints = |env: &MapEnv| {
            let r = resolve(&no_profile(), None, env).unwrap();
            (r.ec2_endpoint, r.sts_endpoint)
        };
        let some = |s: &str| Some(s.to_string());
        assert_eq!(endpoints(&base()), (some("http://127.0.0.1:1111"), some("http://127.0.0.1:2222")));
        let env = base().set("AWS_ENDPOINT_URL_EC2", "");
        assert_eq!(endpoints(&env), (some("http://127.0.0.1:4566"), some("http://127.0.0.1:2222")));
        let env = env.set("AWS_ENDPOINT_URL_STS", "");
        assert_eq!(endpoints(&env), (some("http://127.0.0.1:4566"), some("http://127.0.0.1:4566")));
        let env = env.set("AWS_ENDPOINT_URL", "");
        assert_eq!(endpoints(&env), (some("http://127.0.0.1:5000"), some("http://127.0.0.1:5000")));
        let env = env.config("[default]\n");
        assert_eq!(endpoints(&env), (None, None));
        // Ignoring configured endpoints: from the environment, or from the profile.
        let env = base().set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        assert_eq!(endpoints(&env), (None, None));
        let env = base().set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
        assert_eq!(endpoints(&env).0, some("http://127.0.0.1:1111"));
        let env = MapEnv::new()
            .credentials(&creds_file("default", "AKID", SECRET))
            .config("[default]\nendpoint_url = http://127.0.0.1:5000\nignore_configured_endpoint_urls = TRUE\n");
        assert_eq!(endpoints(&env), (None, None));
    }

    // --- the INI parser ---------------------------------------------------------------

    #[test]
    fn ini_with_comments_blank_lines_odd_spacing_and_crlf() {
        let config = format!(
            concat!(
                "\u{feff}# a comment\r\n",
                "; another\r\n",
                "\r\n",
                "  [ profile   dev ]  \r\n",
                "\tREGION=us-west-1\r\n",
                "  # indented comment\r\n",
                "aws_access_key_id:AKIDODD   \r\n",
                "  aws_secret_access_key   =   {}  \r\n",
                "s3 =\r\n",
                "    max_concurrent_requests = 20\r\n",
                "    region = nested-is-skipped\r\n",
                "\r\n",
                "endpoint_url = http://127.0.0.1:9000/a=b\r\n",
                "[sso-session x]\r\n",
                "sso_region = us-east-1\r\n",
            ),
            SECRET
        );
        let env = MapEnv::new().config(&config);
        let r = resolve(&with_profile("dev"), None, &env).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDODD");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert_eq!(r.region.as_deref(), Some("us-west-1"));
        assert_eq!(r.ec2_endpoint.as_deref(), Some("http://127.0.0.1:9000/a=b"));
    }

    #[test]
    fn ini_quoted_profile_names_repeated_sections_and_last_value_wins() {
        let ini = parse_ini("[profile \"my dev\"]\nregion = a\n[profile x]\nregion = b\n[profile x]\nregion = c\nk = v\n[profilex]\nregion = d\n[profile]\n").unwrap();
        let profiles = config_profiles(ini);
        assert_eq!(profiles.keys().collect::<Vec<_>>(), ["my dev", "x"]);
        assert_eq!(profiles["x"]["region"].as_str(), "c");
        assert_eq!(profiles["x"]["k"].as_str(), "v");
    }

    #[test]
    fn ini_syntax_errors_name_the_file_and_line_but_not_the_text() {
        let env = MapEnv::new().credentials(&format!("[default]\naws_access_key_id = AKID\n{SECRET}\n"));
        let msg = resolve_err(&no_profile(), &env);
        assert!(msg.contains(".aws/credentials") && msg.contains("line 3"), "{msg}");
        for (text, expected) in [
            ("key = value\n", "before any [section]"),
            ("[default\n", "closing ']'"),
            ("[ ]\n", "no name"),
            ("[default]\n= x\n", "no name before"),
        ] {
            let err = parse_ini(text).expect_err(text);
            assert!(err.1.contains(expected), "{err:?} for {text:?}");
        }
    }

    #[test]
    fn files_that_are_too_big_not_utf8_or_directories_are_clear_errors() {
        let big = format!("[default]\n{}", "# padding\n".repeat(110_000));
        let env = MapEnv::new().credentials(&big);
        let msg = resolve_err(&no_profile(), &env);
        assert!(msg.contains("larger than 1024 KiB") && msg.contains(".aws/credentials"), "{msg}");

        let env = MapEnv::new();
        std::fs::create_dir_all(env.home_path().join(".aws")).unwrap();
        std::fs::write(env.home_path().join(".aws/config"), b"[default]\nregion = \xff\xfe\n").unwrap();
        let msg = resolve_err(&no_profile(), &env);
        assert!(msg.contains("not UTF-8") && msg.contains(".aws/config"), "{msg}");

        let env = MapEnv::new();
        std::fs::create_dir_all(env.home_path().join(".aws/credentials")).unwrap();
        let msg = resolve_err(&no_profile(), &env);
        assert!(msg.contains(".aws/credentials"), "{msg}");
    }

    #[test]
    fn garbage_never_panics() {
        // A fixed xorshift stream: the same "random" inputs on every run.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const PIECES: &[&str] = &[
            "[",
            "]",
            "=",
            ":",
            "\n",
            "\r\n",
            " ",
            "\t",
            "#",
            ";",
            "profile",
            "default",
            "'",
            "\"",
            "\\",
            "é",
            "\u{feff}",
            "aws_access_key_id",
            "credential_process",
            "role_arn",
            "s3 =",
            "\n  ",
            "x",
            "[profile ",
            "\0",
            "\u{10ffff}",
        ];
        for _ in 0..3000 {
            let len = (next() % 64) as usize;
            let mut text = String::new();
            for _ in 0..len {
                let r = next();
                if r % 3 == 0 {
                    let bytes: Vec<u8> = (0..(r % 7)).map(|_| next() as u8).collect();
                    text.push_str(&String::from_utf8_lossy(&bytes));
                } else {
                    text.push_str(PIECES[(r as usize / 3) % PIECES.len()]);
                }
            }
            if let Ok(ini) = parse_ini(&text) {
                let _ = config_profiles(Ini { sections: ini.sections.clone() });
            }
            let _ = split_command(&text);
            let _ = parse_process_output(text.as_bytes(), OffsetNow::now());
        }
        // Whole files of raw bytes, through resolve and profile_names.
        for _ in 0..20 {
            let bytes: Vec<u8> = (0..(next() % 512)).map(|_| next() as u8).collect();
            let env = MapEnv::new();
            std::fs::create_dir_all(env.home_path().join(".aws")).unwrap();
            std::fs::write(env.home_path().join(".aws/config"), &bytes).unwrap();
            std::fs::write(env.home_path().join(".aws/credentials"), &bytes).unwrap();
            let _ = resolve(&no_profile(), None, &env);
            let _ = resolve(&with_profile("x"), Some("r"), &env);
            let _ = profile_names(&env);
        }
    }

    #[test]
    fn profile_names_from_both_files() {
        let env = MapEnv::new()
            .credentials(&format!("{}{}", creds_file("zeta", "A", SECRET), creds_file("dev", "B", SECRET2)))
            .config("[default]\nregion = x\n[profile dev]\n[profile alpha]\n[services s]\n[sso-session y]\n");
        assert_eq!(profile_names(&env), ["default", "alpha", "dev", "zeta"]);
        assert!(profile_names(&MapEnv::new()).is_empty());
        let names = profile_names(&env).join(" ");
        assert!(!names.contains(SECRET) && !names.contains(SECRET2));
    }
}
