//! Which names each cloud takes for a key pair, and a close name it takes when the
//! inventory's does not fit. A key pair pushed under another name keeps that name per
//! account (`Inventory::set_cloud_name`), so the next push and delete use it again.

use crate::inventory::Provider;

/// What the provider's documentation says its key pair names may be, for messages.
pub fn rule(provider: Provider) -> Option<&'static str> {
    match provider {
        // "Constraints: Up to 255 ASCII characters" (ImportKeyPair, KeyName).
        Provider::Aws => Some("1 to 255 ASCII characters"),
        // ImportKeyPair, KeyPairName: "2 to 128 characters in length. It must start with a
        // letter and cannot start with http:// or https://. It can contain letters,
        // digits, colons (:), underscores (_), and hyphens (-)." (and periods, as the
        // console takes them).
        Provider::Alibaba => {
            Some("2 to 128 characters, starting with a letter; letters, digits, ':', '_', '.' and '-'")
        }
        // ImportKeyPair, KeyName: "up to 25 characters: letters, digits and underscores".
        Provider::Tencent => Some("at most 25 characters: letters, digits and '_'"),
        _ => None,
    }
}

/// Why `name` cannot be a key pair's name in `provider`'s cloud (`None`: it can).
pub fn problem(provider: Provider, name: &str) -> Option<String> {
    let rule = rule(provider)?;
    let count = name.chars().count();
    let fits = match provider {
        Provider::Aws => (1..=255).contains(&count) && name.is_ascii() && name.trim() == name,
        Provider::Alibaba => {
            (2..=128).contains(&count)
                && name.chars().next().is_some_and(char::is_alphabetic)
                && name.chars().all(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '.' | '-'))
        }
        Provider::Tencent => (1..=25).contains(&count) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        _ => true,
    };
    (!fits).then(|| format!("{} key pair names have {rule}", provider.display_name()))
}

/// A name `provider` takes, as close to `name` as it can be: characters it does not take
/// become `_` (or `-`), the name is cut to its length, and never empty.
pub fn suggest(provider: Provider, name: &str) -> String {
    if problem(provider, name).is_none() {
        return name.to_string();
    }
    let (max, keep): (usize, fn(char) -> bool) = match provider {
        Provider::Aws => (255, |c| c.is_ascii() && !c.is_ascii_control()),
        Provider::Alibaba => (128, |c| c.is_alphanumeric() || matches!(c, ':' | '_' | '.' | '-')),
        Provider::Tencent => (25, |c| c.is_ascii_alphanumeric() || c == '_'),
        _ => return name.to_string(),
    };
    let mut s: String = name.trim().chars().map(|c| if keep(c) { c } else { '_' }).collect();
    if provider == Provider::Alibaba && !s.chars().next().is_some_and(char::is_alphabetic) {
        s.insert_str(0, "key-");
    }
    let min = if provider == Provider::Alibaba { 2 } else { 1 };
    if s.chars().count() < min {
        s.push_str("key");
    }
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tencent_takes_25_letters_digits_and_underscores() {
        assert_eq!(problem(Provider::Tencent, "web_prod_2024"), None);
        assert!(problem(Provider::Tencent, "web-prod").unwrap().contains("at most 25 characters"));
        assert!(problem(Provider::Tencent, &"a".repeat(26)).is_some());
        assert_eq!(suggest(Provider::Tencent, "deploy-key-for-the-web-servers-2024"), "deploy_key_for_the_web_se");
        assert_eq!(suggest(Provider::Tencent, "ключ"), "____");
        assert_eq!(suggest(Provider::Tencent, "ok_name"), "ok_name");
        for name in ["", "-", "é", "a b", &"x-".repeat(40)] {
            let s = suggest(Provider::Tencent, name);
            assert_eq!(problem(Provider::Tencent, &s), None, "{name:?} -> {s:?}");
        }
    }

    #[test]
    fn alibaba_names_start_with_a_letter() {
        assert_eq!(problem(Provider::Alibaba, "laptop:key_1.a-b"), None);
        assert!(problem(Provider::Alibaba, "1key").is_some());
        assert!(problem(Provider::Alibaba, "a").is_some());
        assert!(problem(Provider::Alibaba, "a b").is_some());
        assert_eq!(suggest(Provider::Alibaba, "2024 laptop"), "key-2024_laptop");
        for name in ["", "1", "_", "a", "€€€", &"z".repeat(200)] {
            let s = suggest(Provider::Alibaba, name);
            assert_eq!(problem(Provider::Alibaba, &s), None, "{name:?} -> {s:?}");
        }
    }

    #[test]
    fn aws_takes_ascii_and_other_providers_anything() {
        assert_eq!(problem(Provider::Aws, "laptop 2024 (old)"), None);
        assert!(problem(Provider::Aws, "schlüssel").is_some());
        assert_eq!(suggest(Provider::Aws, "schlüssel"), "schl_ssel");
        assert_eq!(problem(Provider::Hetzner, "any name at all ✓"), None);
        assert_eq!(suggest(Provider::Hetzner, "any ✓"), "any ✓");
    }
}
