//! Alibaba Cloud credentials and region, found as the `aliyun` CLI and Alibaba's SDKs
//! find them: `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (and
//! `ALIBABA_CLOUD_SECURITY_TOKEN`), else a profile of `~/.aliyun/config.json` (modes `AK`
//! and `StsToken`). Secrets stay in wiped memory and never reach an error message: the
//! file's parse errors are told by line and column only.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroize;

use crate::cloud::credentials::{
    check_both_halves, keys_from_env, read_json, trimmed, trimmed_var, Credentials, EnvKeys, Secret, SecretText,
};
pub use crate::cloud::credentials::{AccountConfig, Source, MAX_FILE_BYTES};
use crate::cloud::env::Env;
use crate::cloud::CloudError;

pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// The profile to use when the account names none (as the SDKs' CLI-profile provider).
pub const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
/// The last fallback for the default region.
pub const ENV_REGION: &str = "ALIBABA_CLOUD_REGION_ID";

/// The environment's keys.
const ENV_KEYS: EnvKeys = EnvKeys { id: ENV_ACCESS_KEY_ID, secret: ENV_ACCESS_KEY_SECRET, token: ENV_SECURITY_TOKEN };

/// Everything needed to call Alibaba Cloud, resolved. Its `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub credentials: Credentials,
    pub source: Source,
    /// The default region (explicit, the account's, the profile's `region_id`, or
    /// `ALIBABA_CLOUD_REGION_ID`).
    pub region: Option<String>,
}

impl Resolved {
    /// Whose credentials these are, for messages.
    pub fn who(&self) -> String {
        self.source.who(ENV_KEYS, "profile")
    }

    /// Where the credentials came from, in words.
    pub fn source_label(&self) -> String {
        self.source.label(ENV_KEYS, "profile")
    }
}

/// Finds the credentials and default region. A profile named by the account is used
/// even when the environment has keys (as `aliyun --profile` does); otherwise the
/// environment's keys come first, then the profile named by `ALIBABA_CLOUD_PROFILE`, else
/// the config file's `current` one (`default` when it names none).
pub fn resolve(
    account: AccountConfig<'_>,
    region_override: Option<&str>,
    env: &dyn Env,
) -> Result<Resolved, CloudError> {
    let explicit = trimmed(account.profile);
    // Alibaba's secret and token are taken exactly as given.
    let from_env = if explicit.is_none() { keys_from_env(env, ENV_KEYS, SecretText::AsGiven)? } else { None };
    let (credentials, source, profile_region) = match from_env {
        Some(c) => (c, Source::Environment, None),
        None => {
            let path = config_path(env)?;
            let file = read_config(&path)?;
            let file = match (file, explicit) {
                (Some(f), _) => f,
                (None, Some(p)) => {
                    return Err(CloudError::Credentials(format!(
                        "Alibaba Cloud profile '{p}' not found: {} does not exist; run `aliyun configure --profile {p}` or choose another profile",
                        path.display()
                    )))
                }
                (None, None) => {
                    return Err(CloudError::Credentials(format!(
                        "no Alibaba Cloud credentials: {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET} are not set and {} does not exist; run `aliyun configure`, set them, or give the account a profile",
                        path.display()
                    )))
                }
            };
            let name = explicit
                .map(str::to_string)
                .or_else(|| trimmed_var(env, ENV_PROFILE))
                .or_else(|| trimmed(Some(file.current.as_str())).map(str::to_string))
                .unwrap_or_else(|| "default".to_string());
            let (c, region) = credentials_from_profile(file, &name, &path)?;
            (c, Source::Profile { name, path }, region)
        }
    };
    let region = trimmed(region_override)
        .or(trimmed(account.region))
        .map(str::to_string)
        .or(profile_region)
        .or_else(|| trimmed_var(env, ENV_REGION));
    Ok(Resolved { credentials, source, region })
}

/// `~/.aliyun/config.json`.
pub fn config_path(env: &dyn Env) -> Result<PathBuf, CloudError> {
    env.home().map(|h| h.join(".aliyun").join("config.json")).ok_or_else(|| {
        CloudError::Credentials(format!(
            "no Alibaba Cloud credentials: {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET} are not set, and there is no home folder to find ~/.aliyun/config.json in"
        ))
    })
}

/// The aliyun CLI's config file, as far as Keyshelf reads it.
#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    current: String,
    #[serde(default)]
    profiles: Vec<RawProfile>,
}

/// One profile. No `Debug`: it holds secrets, wiped when it is dropped.
#[derive(Deserialize, Default)]
struct RawProfile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    region_id: String,
}

impl Drop for RawProfile {
    fn drop(&mut self) {
        self.access_key_secret.zeroize();
        self.sts_token.zeroize();
    }
}

/// The profile `name`'s credentials and region.
fn credentials_from_profile(
    mut file: ConfigFile,
    name: &str,
    path: &Path,
) -> Result<(Credentials, Option<String>), CloudError> {
    let shown = path.display();
    let Some(profile) = file.profiles.iter_mut().find(|p| p.name == name) else {
        let mut names: Vec<&str> = file.profiles.iter().map(|p| p.name.as_str()).filter(|n| !n.is_empty()).collect();
        names.sort_unstable();
        let known = if names.is_empty() { "none".to_string() } else { names.join(", ") };
        return Err(CloudError::Credentials(format!(
            "Alibaba Cloud profile '{name}' is not in {shown} (its profiles: {known}): run `aliyun configure --profile {name}` or choose another profile"
        )));
    };
    let place = format!("Alibaba Cloud profile '{name}' in {shown}");
    let mode = profile.mode.trim().to_string();
    let with_token = match mode.as_str() {
        "AK" | "" => false,
        "StsToken" => true,
        other => {
            return Err(CloudError::Credentials(format!(
                "{place} uses mode {other}, which Keyshelf cannot use yet (it reads AK and StsToken profiles): set {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET} (and {ENV_SECURITY_TOKEN}), or give the account an AK profile"
            )))
        }
    };
    let id = profile.access_key_id.trim().to_string();
    let secret = Secret::new(std::mem::take(&mut profile.access_key_secret));
    let configure = format!("aliyun configure --profile {name}");
    check_both_halves(&place, ("access_key_id", id.is_empty()), ("access_key_secret", secret.is_empty()), &configure)?;
    let token = Secret::new(std::mem::take(&mut profile.sts_token));
    if with_token && token.is_empty() {
        return Err(CloudError::Credentials(format!(
            "{place} is a StsToken profile without sts_token: run `aliyun configure --profile {name} --mode StsToken`"
        )));
    }
    let region = trimmed(Some(profile.region_id.as_str())).map(str::to_string);
    let session_token = (with_token && !token.is_empty()).then_some(token);
    Ok((Credentials { access_key_id: id, secret, session_token }, region))
}

/// Reads and parses the config file. `Ok(None)` when it does not exist.
fn read_config(path: &Path) -> Result<Option<ConfigFile>, CloudError> {
    read_json(path, "aliyun config", "aliyun configure")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::env::FixedEnv;

    const SECRET: &str = "aliSECRETvalue0123456789abcdefghij";
    const TOKEN: &str = "CAISstsTOKENvalue";

    fn env(vars: &[(&str, &str)], home: Option<&Path>) -> FixedEnv {
        FixedEnv::new(vars, home)
    }

    fn home_with(config: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".aliyun")).unwrap();
        std::fs::write(dir.path().join(".aliyun/config.json"), config).unwrap();
        dir
    }

    fn config() -> String {
        format!(
            r#"{{"current": "dev", "profiles": [
              {{"name": "default", "mode": "AK", "access_key_id": "LTAIdefault", "access_key_secret": "{SECRET}", "sts_token": "", "region_id": "cn-beijing", "output_format": "json", "expired_seconds": 0}},
              {{"name": "dev", "mode": "AK", "access_key_id": "LTAIdev", "access_key_secret": "{SECRET}", "region_id": "eu-central-1"}},
              {{"name": "sts", "mode": "StsToken", "access_key_id": "STS.id", "access_key_secret": "{SECRET}", "sts_token": "{TOKEN}", "region_id": ""}},
              {{"name": "role", "mode": "RamRoleArn", "access_key_id": "LTAIrole", "access_key_secret": "{SECRET}", "ram_role_arn": "acs:ram::1:role/x"}},
              {{"name": "half", "mode": "AK", "access_key_id": "LTAIhalf", "access_key_secret": ""}},
              {{"name": "stsless", "mode": "StsToken", "access_key_id": "STS.x", "access_key_secret": "{SECRET}"}}
            ], "meta_path": ""}}"#
        )
    }

    fn account<'a>(profile: Option<&'a str>, region: Option<&'a str>) -> AccountConfig<'a> {
        AccountConfig { profile, region }
    }

    fn no_secret(e: &CloudError) {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    }

    #[test]
    fn the_environment_comes_first_unless_the_account_names_a_profile() {
        let home = home_with(&config());
        let vars = [(ENV_ACCESS_KEY_ID, "LTAIenv"), (ENV_ACCESS_KEY_SECRET, SECRET), (ENV_SECURITY_TOKEN, TOKEN)];
        let r = resolve(account(None, None), None, &env(&vars, Some(home.path()))).unwrap();
        assert_eq!(r.source, Source::Environment);
        assert_eq!(r.credentials.access_key_id, "LTAIenv");
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
        assert_eq!(r.region, None, "the profile's region is not read for environment keys");
        assert!(r.source_label().contains("ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
        let shown = format!("{r:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");

        let r = resolve(account(Some("default"), None), None, &env(&vars, Some(home.path()))).unwrap();
        assert_eq!(r.credentials.access_key_id, "LTAIdefault");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert_eq!(r.credentials.session_token, None);
        assert_eq!(r.region.as_deref(), Some("cn-beijing"));
        assert_eq!(r.who(), "profile 'default'");
    }

    #[test]
    fn current_then_alibaba_cloud_profile_pick_the_profile_and_regions_fall_back_in_order() {
        let home = home_with(&config());
        let r = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap();
        assert_eq!((r.credentials.access_key_id.as_str(), r.region.as_deref()), ("LTAIdev", Some("eu-central-1")));
        assert!(r.source_label().starts_with("profile 'dev' in ") && r.source_label().ends_with("config.json"));
        let e = env(&[(ENV_PROFILE, "sts"), (ENV_REGION, "ap-southeast-1")], Some(home.path()));
        let r = resolve(account(None, None), None, &e).unwrap();
        assert_eq!(r.credentials.access_key_id, "STS.id");
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
        assert_eq!(r.region.as_deref(), Some("ap-southeast-1"), "the profile has none: the variable");
        let r = resolve(account(None, Some("cn-shanghai")), None, &e).unwrap();
        assert_eq!(r.region.as_deref(), Some("cn-shanghai"));
        let r = resolve(account(None, Some("cn-shanghai")), Some("us-west-1"), &e).unwrap();
        assert_eq!(r.region.as_deref(), Some("us-west-1"));
        // No `current`: the profile "default".
        let home = home_with(&config().replacen(r#""current": "dev""#, r#""current": """#, 1));
        let r = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap();
        assert_eq!(r.credentials.access_key_id, "LTAIdefault");
    }

    #[test]
    fn unusable_profiles_and_files_are_clear_errors_without_secrets() {
        let home = home_with(&config());
        let e = env(&[], Some(home.path()));
        let cases = [
            ("role", "uses mode RamRoleArn, which Keyshelf cannot use yet"),
            ("half", "has access_key_id but no access_key_secret"),
            ("stsless", "StsToken profile without sts_token"),
            ("nope", "profile 'nope' is not in"),
        ];
        for (profile, want) in cases {
            let err = resolve(account(Some(profile), None), None, &e).unwrap_err();
            assert!(matches!(err, CloudError::Credentials(_)), "{err:?}");
            assert!(err.to_string().contains(want), "{profile}: {err}");
            no_secret(&err);
        }
        let err = resolve(account(Some("nope"), None), None, &e).unwrap_err();
        assert!(err.to_string().contains("default, dev, half, role, sts, stsless"), "{err}");

        let half_env = env(&[(ENV_ACCESS_KEY_ID, "LTAIenv")], Some(home.path()));
        let err = resolve(account(None, None), None, &half_env).unwrap_err();
        assert!(
            err.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_ID but no ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            "{err}"
        );
        let half_env = env(&[(ENV_ACCESS_KEY_SECRET, SECRET)], Some(home.path()));
        let err = resolve(account(None, None), None, &half_env).unwrap_err();
        no_secret(&err);

        let empty = tempfile::tempdir().unwrap();
        let err = resolve(account(None, None), None, &env(&[], Some(empty.path()))).unwrap_err();
        assert!(
            err.to_string().contains("no Alibaba Cloud credentials") && err.to_string().contains("aliyun configure")
        );
        let err = resolve(account(Some("dev"), None), None, &env(&[], Some(empty.path()))).unwrap_err();
        assert!(err.to_string().contains("profile 'dev' not found"), "{err}");
        let err = resolve(account(None, None), None, &env(&[], None)).unwrap_err();
        assert!(err.to_string().contains("no home folder"), "{err}");

        // Broken files: told by line and column, never by their text.
        for (text, want) in [
            (
                format!(r#"{{"current": "dev", "profiles": [{{"name": "dev", "access_key_secret": "{SECRET}""#),
                "ends too early",
            ),
            (format!(r#"{{"profiles": [{{"name": "dev", "access_key_secret": "{SECRET}" x}}]}}"#), "not valid JSON"),
            (format!(r#"{{"profiles": [{{"name": 5, "access_key_secret": "{SECRET}"}}]}}"#), "wrong type"),
            (format!(r#"{{"profiles": {{"access_key_secret": "{SECRET}"}}}}"#), "wrong type"),
        ] {
            let home = home_with(&text);
            let err = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap_err();
            assert!(err.to_string().contains(want) && err.to_string().contains("line 1"), "{err}");
            no_secret(&err);
        }
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aliyun/config.json")).unwrap();
        let err = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap_err();
        assert!(err.to_string().contains("it is a folder"), "{err}");
        let home = home_with(&" ".repeat(MAX_FILE_BYTES as usize + 1));
        let err = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_and_a_profile_without_mode_are_taken() {
        let home = home_with(&format!(
            "\u{feff}{{\"current\": \"old\", \"profiles\": [{{\"name\": \"old\", \"access_key_id\": \"LTAIold\", \"access_key_secret\": \"{SECRET}\"}}]}}"
        ));
        let r = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap();
        assert_eq!(r.credentials.access_key_id, "LTAIold");
        assert_eq!(r.region, None);
    }
}
