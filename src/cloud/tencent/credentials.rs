//! Tencent Cloud credentials and region, found as `tccli` and Tencent's SDKs find them:
//! `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` (and
//! `TENCENTCLOUD_SESSION_TOKEN`), else a tccli profile: `~/.tccli/PROFILE.credential`
//! (JSON: `secretId`, `secretKey`, `token`) and `~/.tccli/PROFILE.configure` (JSON, the
//! region in `_sys_param.region`). Secrets stay in wiped memory and never reach an error
//! message: a file's parse errors are told by line and column only.
//!
//! Which profile: the account's, else `TCCLI_PROFILE`, else `default` (as tccli without
//! `--profile`). A profile named by the account is used even when the environment has
//! keys (as `tccli --profile` does).
//!
//! Which region: the one asked for, the account's, the profile's `.configure` (read for
//! environment keys too: it holds no secret), then `TENCENTCLOUD_REGION`. With none, a
//! command that needs one asks for it ([`crate::cloud::target_regions`]).

use std::path::Path;

use serde::Deserialize;
use zeroize::Zeroize;

use crate::cloud::credentials::{
    check_both_halves, keys_from_env, read_json, trimmed, trimmed_var, Credentials, EnvKeys, Secret, SecretText,
};
pub use crate::cloud::credentials::{AccountConfig, Source, MAX_FILE_BYTES};
use crate::cloud::env::Env;
use crate::cloud::CloudError;

pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// The profile tccli uses without `--profile`.
pub const ENV_PROFILE: &str = "TCCLI_PROFILE";
/// The last fallback for the default region (the SDKs' and Terraform's variable).
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";

/// The environment's keys.
const ENV_KEYS: EnvKeys = EnvKeys { id: ENV_SECRET_ID, secret: ENV_SECRET_KEY, token: ENV_SESSION_TOKEN };

/// Everything needed to call Tencent Cloud, resolved. Its `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub credentials: Credentials,
    pub source: Source,
    /// The default region, if one is known.
    pub region: Option<String>,
}

impl Resolved {
    /// Whose credentials these are, for messages.
    pub fn who(&self) -> String {
        self.source.who(ENV_KEYS, "tccli profile")
    }

    /// Where the credentials came from, in words.
    pub fn source_label(&self) -> String {
        self.source.label(ENV_KEYS, "tccli profile")
    }
}

/// Finds the credentials and default region (see the module's documentation for the
/// order; an account without a profile follows tccli: environment, then
/// `TCCLI_PROFILE`, then `default`).
pub fn resolve(
    account: AccountConfig<'_>,
    region_override: Option<&str>,
    env: &dyn Env,
) -> Result<Resolved, CloudError> {
    let explicit = trimmed(account.profile);
    let profile =
        explicit.map(str::to_string).or_else(|| trimmed_var(env, ENV_PROFILE)).unwrap_or_else(|| "default".to_string());
    check_profile_name(&profile)?;
    // Tencent's keys are taken without the spaces around them.
    let from_env = if explicit.is_none() { keys_from_env(env, ENV_KEYS, SecretText::Trimmed)? } else { None };
    let folder = env.home().map(|h| h.join(".tccli"));
    let (credentials, source) = match from_env {
        Some(c) => (c, Source::Environment),
        None => {
            let Some(folder) = &folder else {
                return Err(CloudError::Credentials(format!(
                    "no Tencent Cloud credentials: {ENV_SECRET_ID} and {ENV_SECRET_KEY} are not set, and there is no home folder to find ~/.tccli in"
                )));
            };
            let path = folder.join(format!("{profile}.credential"));
            let c = credentials_from_profile(&profile, &path, explicit.is_some())?;
            (c, Source::Profile { name: profile.clone(), path })
        }
    };
    let configured = match &folder {
        Some(f) => region_from_configure(&f.join(format!("{profile}.configure")))?,
        None => None,
    };
    let region = trimmed(region_override)
        .or(trimmed(account.region))
        .map(str::to_string)
        .or(configured)
        .or_else(|| trimmed_var(env, ENV_REGION));
    Ok(Resolved { credentials, source, region })
}

/// A profile name becomes a file name: no path in it.
fn check_profile_name(name: &str) -> Result<(), CloudError> {
    if name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')) && !name.starts_with('.') {
        Ok(())
    } else {
        Err(CloudError::Credentials(format!(
            "'{name}' is not a tccli profile name (letters, digits, '-', '_' and '.', not first)"
        )))
    }
}

/// A `.credential` file, as far as Keyshelf reads it. No `Debug`: it holds secrets,
/// wiped when it is dropped.
#[derive(Deserialize, Default)]
struct CredentialFile {
    #[serde(default, rename = "secretId")]
    secret_id: String,
    #[serde(default, rename = "secretKey")]
    secret_key: String,
    #[serde(default)]
    token: String,
    /// `cvm-role` for an instance role (tccli's `use-cvm-role`).
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default, rename = "role-arn")]
    role_arn: String,
}

impl Drop for CredentialFile {
    fn drop(&mut self) {
        self.secret_key.zeroize();
        self.token.zeroize();
    }
}

/// A `.configure` file: the region in `_sys_param` (older tccli wrote it at the top).
#[derive(Deserialize, Default)]
struct ConfigureFile {
    #[serde(default, rename = "_sys_param")]
    sys_param: Option<SysParam>,
    #[serde(default)]
    region: Option<String>,
}

#[derive(Deserialize, Default)]
struct SysParam {
    #[serde(default)]
    region: Option<String>,
}

/// The profile's region, if its `.configure` file names one.
fn region_from_configure(path: &Path) -> Result<Option<String>, CloudError> {
    let Some(file) = read_tccli::<ConfigureFile>(path)? else { return Ok(None) };
    let from_sys = file.sys_param.and_then(|s| s.region);
    Ok(trimmed(from_sys.as_deref()).or(trimmed(file.region.as_deref())).map(str::to_string))
}

/// The profile's credentials from its `.credential` file.
fn credentials_from_profile(name: &str, path: &Path, explicit: bool) -> Result<Credentials, CloudError> {
    let shown = path.display();
    let Some(mut file) = read_tccli::<CredentialFile>(path)? else {
        return Err(CloudError::Credentials(if explicit {
            format!(
                "tccli profile '{name}' not found: {shown} does not exist; run `tccli configure --profile {name}` or choose another profile"
            )
        } else {
            format!(
                "no Tencent Cloud credentials: {ENV_SECRET_ID} and {ENV_SECRET_KEY} are not set and {shown} does not exist; run `tccli configure`, set them, or give the account a profile"
            )
        }));
    };
    let place = format!("tccli profile '{name}' in {shown}");
    if file.kind.trim() == "cvm-role" || !file.role_arn.trim().is_empty() {
        return Err(CloudError::Credentials(format!(
            "{place} uses a role ({}), which Keyshelf cannot use yet: set {ENV_SECRET_ID} and {ENV_SECRET_KEY} (and {ENV_SESSION_TOKEN}), or give the account a profile with secretId and secretKey",
            if file.kind.trim() == "cvm-role" { "the CVM instance role" } else { "role-arn" }
        )));
    }
    let id = file.secret_id.trim().to_string();
    let secret = Secret::new(std::mem::take(&mut file.secret_key).trim());
    let configure = format!("tccli configure --profile {name}");
    check_both_halves(&place, ("secretId", id.is_empty()), ("secretKey", secret.is_empty()), &configure)?;
    let token = Secret::new(std::mem::take(&mut file.token).trim());
    let session_token = (!token.is_empty()).then_some(token);
    Ok(Credentials { access_key_id: id, secret, session_token })
}

/// A tccli file, parsed.
fn read_tccli<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, CloudError> {
    read_json(path, "tccli file", "tccli configure")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::env::FixedEnv;

    const SECRET: &str = "tcSECRETkeyValue0123456789abcdef";
    const TOKEN: &str = "tcTOKENvalue-temporary";

    fn env(vars: &[(&str, &str)], home: Option<&Path>) -> FixedEnv {
        FixedEnv::new(vars, home)
    }

    /// A home with tccli files: (file name under ~/.tccli, text).
    fn home_with(files: &[(&str, String)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".tccli")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(".tccli").join(name), text).unwrap();
        }
        dir
    }

    fn credential(id: &str, extra: &str) -> String {
        format!(r#"{{"secretId": "{id}", "secretKey": "{SECRET}"{extra}}}"#)
    }

    /// As `tccli configure` writes it: `_sys_param`, then one entry per service.
    fn configure(region: &str) -> String {
        format!(
            r#"{{"_sys_param": {{"region": "{region}", "output": "json", "arrayCount": 10, "warning": "off"}},
               "cvm": {{"endpoint": "cvm.tencentcloudapi.com", "version": "2017-03-12"}},
               "sts": {{"endpoint": "sts.tencentcloudapi.com", "version": "2018-08-13"}}}}"#
        )
    }

    fn standard_home() -> tempfile::TempDir {
        home_with(&[
            ("default.credential", credential("AKIDdefault", "")),
            ("default.configure", configure("ap-guangzhou")),
            ("dev.credential", credential("AKIDdev", &format!(r#", "token": "{TOKEN}""#))),
            ("dev.configure", configure("ap-singapore")),
            ("old.credential", credential("AKIDold", "")),
            ("old.configure", r#"{"region": "na-ashburn", "output": "json"}"#.to_string()),
            ("role.credential", format!(r#"{{"type": "cvm-role", "secretKey": "{SECRET}"}}"#)),
            ("arn.credential", credential("AKIDarn", r#", "role-arn": "qcs::cam::uin/1:roleName/x""#)),
            ("half.credential", r#"{"secretId": "AKIDhalf", "secretKey": ""}"#.to_string()),
        ])
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
        let home = standard_home();
        let vars = [(ENV_SECRET_ID, "AKIDenv"), (ENV_SECRET_KEY, SECRET), (ENV_SESSION_TOKEN, TOKEN)];
        let r = resolve(account(None, None), None, &env(&vars, Some(home.path()))).unwrap();
        assert_eq!(r.source, Source::Environment);
        assert_eq!(r.credentials.access_key_id, "AKIDenv");
        assert_eq!(r.credentials.secret.expose(), SECRET);
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
        assert_eq!(r.region.as_deref(), Some("ap-guangzhou"), "the default profile's configure still gives the region");
        assert!(r.source_label().contains("TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"));
        let shown = format!("{r:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");

        let r = resolve(account(Some("dev"), None), None, &env(&vars, Some(home.path()))).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDdev");
        assert_eq!(r.credentials.session_token.as_ref().map(Secret::expose), Some(TOKEN));
        assert_eq!(r.region.as_deref(), Some("ap-singapore"));
        assert_eq!(r.who(), "tccli profile 'dev'");
        assert!(
            r.source_label().starts_with("tccli profile 'dev' in ") && r.source_label().ends_with("dev.credential")
        );
    }

    #[test]
    fn profiles_come_from_the_account_then_tccli_profile_then_default_and_regions_fall_back_in_order() {
        let home = standard_home();
        let r = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap();
        assert_eq!((r.credentials.access_key_id.as_str(), r.region.as_deref()), ("AKIDdefault", Some("ap-guangzhou")));
        assert_eq!(r.credentials.session_token, None);
        let e = env(&[(ENV_PROFILE, "old"), (ENV_REGION, "eu-frankfurt")], Some(home.path()));
        let r = resolve(account(None, None), None, &e).unwrap();
        assert_eq!(r.credentials.access_key_id, "AKIDold");
        assert_eq!(r.region.as_deref(), Some("na-ashburn"), "an older configure with the region at the top");
        let r = resolve(account(None, Some("ap-tokyo")), None, &e).unwrap();
        assert_eq!(r.region.as_deref(), Some("ap-tokyo"));
        let r = resolve(account(None, Some("ap-tokyo")), Some("ap-seoul"), &e).unwrap();
        assert_eq!(r.region.as_deref(), Some("ap-seoul"));
        // No configure file: the variable, else none.
        let home = home_with(&[("default.credential", credential("AKIDx", ""))]);
        let r = resolve(account(None, None), None, &env(&[(ENV_REGION, "eu-frankfurt")], Some(home.path()))).unwrap();
        assert_eq!(r.region.as_deref(), Some("eu-frankfurt"));
        let r = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap();
        assert_eq!(r.region, None);
    }

    #[test]
    fn unusable_profiles_and_files_are_clear_errors_without_secrets() {
        let home = standard_home();
        let e = env(&[], Some(home.path()));
        let cases = [
            ("role", "uses a role (the CVM instance role), which Keyshelf cannot use yet"),
            ("arn", "uses a role (role-arn)"),
            ("half", "has secretId but no secretKey"),
            ("nope", "tccli profile 'nope' not found"),
            ("../x", "is not a tccli profile name"),
        ];
        for (profile, want) in cases {
            let err = resolve(account(Some(profile), None), None, &e).unwrap_err();
            assert!(matches!(err, CloudError::Credentials(_)), "{err:?}");
            assert!(err.to_string().contains(want), "{profile}: {err}");
            no_secret(&err);
        }
        let err = resolve(account(Some("half"), None), None, &e).unwrap_err();
        assert!(err.to_string().contains("half.credential"), "the file is named: {err}");

        let err =
            resolve(account(None, None), None, &env(&[(ENV_SECRET_ID, "AKIDenv")], Some(home.path()))).unwrap_err();
        assert!(err.to_string().contains("TENCENTCLOUD_SECRET_ID but no TENCENTCLOUD_SECRET_KEY"), "{err}");
        let err = resolve(account(None, None), None, &env(&[(ENV_SECRET_KEY, SECRET)], Some(home.path()))).unwrap_err();
        no_secret(&err);

        let empty = tempfile::tempdir().unwrap();
        let err = resolve(account(None, None), None, &env(&[], Some(empty.path()))).unwrap_err();
        assert!(
            err.to_string().contains("no Tencent Cloud credentials") && err.to_string().contains("tccli configure")
        );
        let err = resolve(account(None, None), None, &env(&[], None)).unwrap_err();
        assert!(err.to_string().contains("no home folder"), "{err}");

        // Broken files: told by line and column, never by their text.
        for (text, want) in [
            (format!(r#"{{"secretId": "AKIDx", "secretKey": "{SECRET}""#), "ends too early"),
            (format!(r#"{{"secretId": "AKIDx", "secretKey": "{SECRET}" x}}"#), "not valid JSON"),
            (format!(r#"{{"secretId": 5, "secretKey": "{SECRET}"}}"#), "wrong type"),
        ] {
            let home = home_with(&[("default.credential", text)]);
            let err = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap_err();
            assert!(err.to_string().contains(want) && err.to_string().contains("line 1"), "{err}");
            assert!(err.to_string().contains("default.credential"), "{err}");
            no_secret(&err);
        }
        let home = home_with(&[
            ("default.credential", credential("AKIDx", "")),
            ("default.configure", r#"{"_sys_param": {"region": 5}}"#.into()),
        ]);
        let err = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap_err();
        assert!(err.to_string().contains("default.configure") && err.to_string().contains("wrong type"), "{err}");
        let home = home_with(&[("default.credential", "x".repeat(MAX_FILE_BYTES as usize + 1))]);
        let err = resolve(account(None, None), None, &env(&[], Some(home.path()))).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }
}
