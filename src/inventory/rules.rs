//! The rules on names and tags, taken from the strictest console (Alibaba Cloud ECS):
//! every error names the rule that was broken.

use super::{InventoryError, Result};

/// At most this many key pairs per account and region, as Alibaba Cloud allows.
pub const MAX_KEYS_PER_SCOPE: i64 = 500;
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

    #[test]
    fn tags_parse() {
        assert_eq!(parse_tag("env=prod").unwrap(), ("env".into(), "prod".into()));
        assert_eq!(parse_tag("team").unwrap(), ("team".into(), "".into()));
        assert!(parse_tag("=x").is_err());
    }
}
