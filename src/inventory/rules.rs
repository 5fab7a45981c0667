//! The rules on names and tags, taken from the strictest console (Alibaba Cloud ECS):
//! every error names the rule that was broken.

use super::{InventoryError, Result};

/// Key pairs per account and region where a provider documents no limit: Alibaba
/// Cloud's 500, the strictest documented one. Each provider's own limit is in
/// [`ProviderRules`](super::ProviderRules).
pub const MAX_KEYS_PER_SCOPE: i64 = 500;
/// The longest owner a key pair may have.
pub const MAX_OWNER_CHARS: usize = 128;
/// At most this many tags per key pair.
pub const MAX_TAGS: usize = 20;

/// Checks a key pair name: 2-128 characters, starting with a letter; letters, digits,
/// `.`, `_`, `-` and `:` only.
pub fn check_key_name(name: &str) -> std::result::Result<(), String> {
    let n = name.chars().count();
    if !(2..=128).contains(&n) {
        return Err(format!("Key pair name must be 2 to 128 characters long (it has {n})"));
    }
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err("Key pair name must start with a letter".into());
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))) {
        return Err(format!("Key pair name may contain only letters, digits, '.', '_', '-' and ':' (found {c:?})"));
    }
    Ok(())
}

/// Checks a tag: a key of 1-128 characters and a value of at most 256, no control
/// characters, and no `=` in the key.
pub fn check_tag(key: &str, value: &str) -> std::result::Result<(), String> {
    if key.trim().is_empty() {
        return Err("Tag key must not be empty".into());
    }
    if key.chars().count() > 128 {
        return Err("Tag key must be at most 128 characters".into());
    }
    if value.chars().count() > 256 {
        return Err("Tag value must be at most 256 characters".into());
    }
    if key.contains('=') {
        return Err("Tag key must not contain '='".into());
    }
    if key.chars().chain(value.chars()).any(char::is_control) {
        return Err("Tags must not contain control characters".into());
    }
    Ok(())
}

/// Parses `key=value` (a bare `key` means an empty value).
pub fn parse_tag(s: &str) -> std::result::Result<(String, String), String> {
    let (k, v) = s.split_once('=').unwrap_or((s, ""));
    let (k, v) = (k.trim().to_string(), v.trim().to_string());
    check_tag(&k, &v)?;
    Ok((k, v))
}

/// How a private key file's location is stored: absolute, with symlinks resolved when
/// the file exists, so the inventory still finds the file whatever folder Keyshelf is
/// started from next time. The app and the CLI both go through here.
pub fn private_key_location(path: &std::path::Path) -> String {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// A key to import, as bulk import (the CLI's `--all`) and the app's import both take it.
#[derive(Debug, Clone)]
pub struct ImportKey {
    /// Line in its input (1 for a file that holds one key), for messages.
    pub line: usize,
    pub info: crate::keys::KeyInfo,
    /// A name the user chose; `None` lets [`import_names`] choose.
    pub name: Option<String>,
    /// Where a name comes from when the comment gives none (a file's name).
    pub name_hint: Option<String>,
    /// The private key file the key was read from, if any.
    pub private_key_path: Option<String>,
}

impl From<crate::keys::BulkEntry> for ImportKey {
    fn from(e: crate::keys::BulkEntry) -> ImportKey {
        ImportKey::new(e.line, e.info)
    }
}

impl ImportKey {
    pub fn new(line: usize, info: crate::keys::KeyInfo) -> ImportKey {
        ImportKey { line, info, name: None, name_hint: None, private_key_path: None }
    }
}

/// The names an import gives its keys, in order: the name chosen, else one made from the
/// comment (or the hint) and made unique with `-2`, `-3`...; else `prefix` (default
/// `key-`) and the first free number. `taken` says whether a name is already used in
/// the target account and region. One function, so the app's preview, the app's import
/// and the CLI name the same file the same way.
pub fn import_names(keys: &[ImportKey], prefix: Option<&str>, taken: impl Fn(&str) -> bool) -> Vec<String> {
    let mut given: std::collections::HashSet<String> = std::collections::HashSet::with_capacity(keys.len());
    let free = |n: &str, given: &std::collections::HashSet<String>| !taken(n) && !given.contains(n);
    let mut counter = 0usize;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let base = match (&k.name, prefix) {
            (Some(n), _) => Some(n.clone()),
            (None, Some(_)) => None,
            (None, None) => super::name_from_comment(&k.info.comment)
                .or_else(|| k.name_hint.as_deref().and_then(super::name_from_comment)),
        };
        let name = match base {
            Some(b) if k.name.is_some() || free(&b, &given) => b,
            Some(b) => (2..).map(|n| format!("{b}-{n}")).find(|n| free(n, &given)).unwrap_or(b),
            None => {
                let p = prefix.unwrap_or("key-");
                loop {
                    counter += 1;
                    let n = format!("{p}{counter}");
                    if free(&n, &given) {
                        break n;
                    }
                }
            }
        };
        given.insert(name.clone());
        out.push(name);
    }
    out
}

/// Checks an owner: free text, possibly empty, of at most [`MAX_OWNER_CHARS`]
/// characters and without control characters.
pub fn check_owner(owner: &str) -> std::result::Result<(), String> {
    if owner.chars().count() > MAX_OWNER_CHARS {
        return Err(format!("Owner must be at most {MAX_OWNER_CHARS} characters"));
    }
    if owner.chars().any(char::is_control) {
        return Err("Owner must not contain control characters".into());
    }
    Ok(())
}

pub(crate) fn rule(r: std::result::Result<(), String>) -> Result<()> {
    r.map_err(InventoryError::Rule)
}

/// Checks free-text names (accounts, hosts): not empty, at most 128 characters, no
/// control characters.
pub(crate) fn check_label(what: &str, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(InventoryError::Rule(format!("{what} must not be empty")));
    }
    if s.chars().count() > 128 {
        return Err(InventoryError::Rule(format!("{what} must be at most 128 characters")));
    }
    if s.chars().any(char::is_control) || s != s.trim() {
        return Err(InventoryError::Rule(format!(
            "{what} must not contain control characters or leading/trailing spaces"
        )));
    }
    Ok(())
}

/// Whether `name` can be an account's name (the rule `add_account` checks).
pub fn check_account_name(name: &str) -> Result<()> {
    check_label("Account name", name)
}

/// Checks a cloud region name: lower-case letters, digits and `-` (`us-east-1`,
/// `cn-hangzhou`, `ap-guangzhou`), at most 64 characters.
pub(crate) fn check_region(region: &str) -> Result<()> {
    if region.is_empty()
        || region.len() > 64
        || !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(InventoryError::Rule(format!(
            "'{region}' is not a region name: use lower-case letters, digits and '-', such as us-east-1"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_name_rules_name_the_rule() {
        assert!(check_key_name("prod-web:01.a_b").is_ok());
        assert!(check_key_name("a").unwrap_err().contains("2 to 128"));
        assert!(check_key_name(&"a".repeat(129)).unwrap_err().contains("2 to 128"));
        assert!(check_key_name(&"a".repeat(128)).is_ok());
        assert!(check_key_name("1abc").unwrap_err().contains("start with a letter"));
        assert!(check_key_name("-abc").unwrap_err().contains("start with a letter"));
        assert!(check_key_name("ab c").unwrap_err().contains("only letters"));
        assert!(check_key_name("ab/c").unwrap_err().contains("only letters"));
        assert!(check_key_name("äbc").unwrap_err().contains("start with a letter"));
    }

    fn key(comment: &str) -> ImportKey {
        let info = crate::keys::KeyInfo {
            algorithm: "ssh-ed25519".into(),
            bits: 256,
            comment: comment.into(),
            openssh: String::new(),
            fingerprint_sha256: String::new(),
            fingerprint_md5: String::new(),
            aws_fingerprint: None,
            weak: false,
        };
        ImportKey::new(1, info)
    }

    #[test]
    fn import_names_follow_comments_then_numbers_and_never_clash() {
        let mut hinted = key("");
        hinted.name_hint = Some("id_ed25519".into());
        let mut chosen = key("alice@laptop");
        chosen.name = Some("mine".into());
        let keys = [key("alice@laptop"), key("alice@laptop"), key(""), key("鍵@ホスト"), hinted, chosen, key("")];
        let taken = ["alice-laptop-2", "key-1"];
        let names = import_names(&keys, None, |n| taken.contains(&n));
        assert_eq!(names, ["alice-laptop", "alice-laptop-3", "key-2", "key-3", "id_ed25519", "mine", "key-4"]);
        let prefixed = import_names(&keys[..3], Some("team-"), |_| false);
        assert_eq!(prefixed, ["team-1", "team-2", "team-3"]);
    }

    #[test]
    fn private_key_locations_are_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k");
        std::fs::write(&file, "x").unwrap();
        let relative = std::path::Path::new("some/where/k");
        assert!(std::path::Path::new(&private_key_location(relative)).is_absolute());
        let canonical = std::fs::canonicalize(&file).unwrap();
        assert_eq!(private_key_location(&dir.path().join("./k")), canonical.to_string_lossy());
    }

    #[test]
    fn tags_parse() {
        assert_eq!(parse_tag("env=prod").unwrap(), ("env".into(), "prod".into()));
        assert_eq!(parse_tag("team").unwrap(), ("team".into(), "".into()));
        assert!(parse_tag("=x").is_err());
    }
}
