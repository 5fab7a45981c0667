//! How the CLI prints records: the `--json` objects scripts rely on, and plain tables.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use unicode_width::UnicodeWidthStr;

use crate::inventory::{
    format_date, Account, Activity, CloudLink, Finding, FindingKind, Host, KeyPair, Origin, Provider,
};

/// RFC 3339 in UTC, e.g. `2026-11-22T12:00:00Z`.
pub fn rfc3339(t: i64) -> String {
    crate::inventory::rfc3339(t).unwrap_or_else(|| t.to_string())
}

/// Writes a Unix time as [`rfc3339`] prints it.
fn time<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn optional_time<S: Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => time(t, s),
        None => s.serialize_none(),
    }
}

fn optional_date<S: Serializer>(d: &Option<time::Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format_date(*d)),
        None => s.serialize_none(),
    }
}

/// Tags as one object, `{"env": "prod"}`, keys in byte order.
fn tag_object<S: Serializer>(tags: &&[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    if tags.windows(2).all(|w| w[0].0 < w[1].0) {
        s.collect_map(tags.iter().map(|(k, v)| (k, v)))
    } else {
        // Not sorted or not unique: sort them, and the last value of a key wins.
        s.collect_map(tags.iter().map(|(k, v)| (k, v)).collect::<BTreeMap<_, _>>())
    }
}

// The `--json` objects. Scripts rely on every field name, on which fields are null
// rather than missing, and on the value forms (RFC 3339 UTC times, `"generated"`,
// provider slugs); tests/cli.rs checks the names. Fields are in alphabetical order,
// the order these objects have always been printed in.

/// The `key show --json` object; `key list --json` prints an array of these, without
/// `also_in`.
#[derive(Serialize)]
pub struct KeyJson<'a> {
    account: Option<&'a str>,
    algorithm: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    also_in: Option<&'a [String]>,
    aws_fingerprint: Option<&'a str>,
    bits: u32,
    /// `key show` only: the cloud regions it was last seen in.
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud: Option<Vec<CloudLinkJson<'a>>>,
    comment: &'a str,
    #[serde(serialize_with = "time")]
    created_at: i64,
    description: &'a str,
    fingerprint_md5: &'a str,
    fingerprint_sha256: &'a str,
    hosts: &'a [String],
    id: i64,
    name: &'a str,
    origin: Origin,
    owner: &'a str,
    private_key_path: Option<&'a str>,
    public_key: &'a str,
    region: &'a str,
    /// `YYYY-MM-DD`, or null.
    #[serde(serialize_with = "optional_date")]
    rotate_by: Option<time::Date>,
    #[serde(serialize_with = "tag_object")]
    tags: &'a [(String, String)],
    #[serde(rename = "type")]
    type_label: String,
    #[serde(serialize_with = "time")]
    updated_at: i64,
    weak: bool,
}

impl<'a> KeyJson<'a> {
    pub fn new(k: &'a KeyPair, also_in: Option<&'a [String]>) -> KeyJson<'a> {
        KeyJson {
            account: k.account.as_deref(),
            algorithm: &k.algorithm,
            also_in,
            aws_fingerprint: k.aws_fingerprint.as_deref(),
            bits: k.bits,
            cloud: None,
            comment: &k.comment,
            created_at: k.created_at,
            description: &k.description,
            fingerprint_md5: &k.fingerprint_md5,
            fingerprint_sha256: &k.fingerprint_sha256,
            hosts: &k.hosts,
            id: k.id,
            name: &k.name,
            origin: k.origin,
            owner: &k.owner,
            private_key_path: k.private_key_path.as_deref(),
            public_key: &k.public_key,
            region: &k.region,
            rotate_by: k.rotate_by,
            tags: &k.tags,
            type_label: k.type_label(),
            updated_at: k.updated_at,
            weak: k.weak,
        }
    }
}

impl<'a> KeyJson<'a> {
    /// Adds the `cloud` array of `key show --json`.
    pub fn with_cloud(mut self, links: &'a [CloudLink]) -> KeyJson<'a> {
        self.cloud = Some(links.iter().map(CloudLinkJson::from).collect());
        self
    }
}

/// Where a key pair is in a cloud (`key show --json`'s `cloud`).
#[derive(Serialize)]
pub struct CloudLinkJson<'a> {
    account: &'a str,
    cloud_id: &'a str,
    name: &'a str,
    region: &'a str,
    #[serde(serialize_with = "time")]
    seen_at: i64,
}

impl<'a> From<&'a CloudLink> for CloudLinkJson<'a> {
    fn from(l: &'a CloudLink) -> Self {
        CloudLinkJson {
            account: &l.account,
            cloud_id: &l.cloud_id,
            name: &l.name,
            region: &l.region,
            seen_at: l.seen_at,
        }
    }
}

/// One element of `host list --json`.
#[derive(Serialize)]
pub struct HostJson<'a> {
    account: Option<&'a str>,
    addresses: &'a [String],
    #[serde(serialize_with = "optional_time")]
    bound_at: Option<i64>,
    id: i64,
    /// The name of the first bound key pair (the oldest binding).
    key: Option<&'a str>,
    /// Every bound key pair, oldest binding first.
    keys: Vec<&'a str>,
    authorized_keys: &'a str,
    last_check: Option<CheckJson<'a>>,
    name: &'a str,
    port: u16,
    region: &'a str,
    user: &'a str,
}

/// `last_check` in `host list --json`.
#[derive(Serialize)]
pub struct CheckJson<'a> {
    status: &'a str,
    #[serde(serialize_with = "time")]
    at: i64,
    message: &'a str,
}

impl<'a> From<&'a Host> for HostJson<'a> {
    fn from(h: &'a Host) -> HostJson<'a> {
        HostJson {
            account: h.account.as_deref(),
            addresses: &h.addresses,
            bound_at: h.bound_at,
            id: h.id,
            key: h.key.as_ref().map(|k| k.1.as_str()),
            keys: h.keys.iter().map(|k| k.1.as_str()).collect(),
            authorized_keys: &h.authorized_keys,
            last_check: h.last_check.as_ref().map(|c| CheckJson { status: &c.status, at: c.at, message: &c.message }),
            name: &h.name,
            port: h.port,
            region: &h.region,
            user: &h.user,
        }
    }
}

/// One element of `account list --json`.
#[derive(Serialize)]
pub struct AccountJson<'a> {
    #[serde(serialize_with = "time")]
    created_at: i64,
    /// The API endpoint override, or null.
    endpoint: Option<&'a str>,
    id: i64,
    name: &'a str,
    note: &'a str,
    /// The provider CLI's profile its credentials come from, or null (the default ones).
    profile: Option<&'a str>,
    /// The slug (`digitalocean`).
    provider: Provider,
    provider_name: &'static str,
    /// The default region for cloud commands, or null.
    region: Option<&'a str>,
}

impl<'a> From<&'a Account> for AccountJson<'a> {
    fn from(a: &'a Account) -> AccountJson<'a> {
        AccountJson {
            created_at: a.created_at,
            endpoint: a.endpoint.as_deref(),
            id: a.id,
            name: &a.name,
            note: &a.note,
            profile: a.profile.as_deref(),
            provider: a.provider,
            provider_name: a.provider.display_name(),
            region: (!a.region.is_empty()).then_some(a.region.as_str()),
        }
    }
}

/// One element of `activity --json`.
#[derive(Serialize)]
pub struct ActivityJson<'a> {
    action: &'a str,
    #[serde(serialize_with = "time")]
    at: i64,
    detail: &'a str,
    id: i64,
    subject: &'a str,
}

impl<'a> From<&'a Activity> for ActivityJson<'a> {
    fn from(a: &'a Activity) -> ActivityJson<'a> {
        ActivityJson { action: &a.action, at: a.at, detail: &a.detail, id: a.id, subject: &a.subject }
    }
}

/// One element of `report --json`.
#[derive(Serialize)]
pub struct FindingJson<'a> {
    /// What to do, as the commands that do it.
    action: String,
    host: Option<&'a str>,
    key_pair: Option<&'a str>,
    key_pair_id: Option<i64>,
    kind: FindingKind,
    message: &'a str,
}

impl<'a> From<&'a Finding> for FindingJson<'a> {
    fn from(f: &'a Finding) -> FindingJson<'a> {
        FindingJson {
            action: super::report::action(f),
            host: f.host.as_deref(),
            key_pair: f.key_pair.as_deref(),
            key_pair_id: f.key_pair_id,
            kind: f.kind,
            message: &f.message,
        }
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
/// Widths are display widths, as a terminal shows them: a CJK character takes two
/// columns, a combining accent none.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i != last {
                let pad = widths.get(i).map_or(0, |w| w.saturating_sub(c.width()));
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push('\n');
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// The plain `key show` text.
pub fn key_text(k: &KeyPair, also_in: &[String], cloud: &[CloudLink]) -> String {
    let mut s = String::new();
    let mut field = |name: &str, value: &str| {
        if !value.is_empty() {
            s.push_str(&format!("{name:<16}{value}\n"));
        }
    };
    field("Name:", &k.name);
    field("Id:", &k.id.to_string());
    field("Account:", k.account.as_deref().unwrap_or("(none)"));
    field("Region:", &k.region);
    let weak = if k.weak { "  (weak: replace this key)" } else { "" };
    field("Type:", &format!("{}{weak}", k.type_label()));
    field("Comment:", &k.comment);
    field("Description:", &k.description);
    field("Owner:", &k.owner);
    field("Rotate by:", &k.rotate_by.map(format_date).unwrap_or_default());
    field("SHA256:", k.fingerprint_sha256.trim_start_matches("SHA256:"));
    field("MD5:", k.fingerprint_md5.trim_start_matches("MD5:"));
    field("AWS:", k.aws_fingerprint.as_deref().unwrap_or(""));
    field("Origin:", k.origin.as_str());
    let private = match (&k.private_key_path, k.origin) {
        (Some(p), _) => p.clone(),
        (None, crate::inventory::Origin::Generated) => "(private key not saved)".into(),
        (None, _) => String::new(),
    };
    field("Private key:", &private);
    let tags: Vec<String> = k.tags.iter().map(|(a, b)| format!("{a}={b}")).collect();
    field("Tags:", &tags.join(", "));
    field("Hosts:", &k.hosts.join(", "));
    field("Also in:", &also_in.join(", "));
    let places: Vec<String> = cloud
        .iter()
        .map(|l| format!("{} / {} as '{}' (seen {})", l.account, l.region, l.name, rfc3339(l.seen_at)))
        .collect();
    field("In the cloud:", &places.join("; "));
    field("Created:", &rfc3339(k.created_at));
    field("Public key:", &k.public_key);
    s
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::{table, KeyJson};
    use crate::inventory::{KeyPair, Origin, Provider};

    #[test]
    fn table_columns_line_up_by_display_width() {
        let rows = vec![
            vec!["鍵ペア".to_string(), "東京".to_string(), "one".to_string()],
            // "é" written as e + a combining acute accent: two chars, one column.
            vec!["cafe\u{301}-key".to_string(), "e\u{301}u-west-1".to_string(), "two".to_string()],
            vec!["plain".to_string(), "us-east-1".to_string(), "three".to_string()],
        ];
        let text = table(&["NAME", "REGION", "NOTE"], &rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        // Where each column starts, in terminal columns, must be the same on every line.
        let starts = |line: &str, cells: [&str; 3]| -> Vec<usize> {
            cells.iter().map(|c| line[..line.find(c).unwrap()].width()).collect()
        };
        let expected = starts(lines[0], ["NAME", "REGION", "NOTE"]);
        for (line, r) in lines[1..].iter().zip(&rows) {
            assert_eq!(starts(line, [r[0].as_str(), r[1].as_str(), r[2].as_str()]), expected, "{text}");
        }
        // The widest NAME is "cafe\u{301}-key" (8 columns), the widest REGION 9.
        assert_eq!(expected, vec![0, 10, 21], "{text}");
        assert!(lines[1].starts_with("鍵ペア    東京"), "{text}");
    }

    /// `provider` and `origin` are written by the core types' own serde derives: they
    /// must stay the slugs the CLI accepts and the words `key show` prints.
    #[test]
    fn providers_and_origins_serialize_as_their_cli_words() {
        for p in Provider::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.slug(), "{p:?}");
        }
        for o in [Origin::Generated, Origin::Imported] {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str(), "{o:?}");
        }
    }

    #[test]
    fn tags_are_one_object_in_key_order_whatever_order_they_come_in() {
        let mut k = KeyPair {
            updated_at: 1_795_000_000,
            tags: vec![("team".into(), "web".into()), ("env".into(), "old".into()), ("env".into(), "prod".into())],
            ..KeyPair::blank()
        };
        let json = serde_json::to_string(&KeyJson::new(&k, None)).unwrap();
        assert!(json.contains(r#""tags":{"env":"prod","team":"web"}"#), "{json}");
        assert!(json.contains(r#""created_at":"1970-01-01T00:00:00Z""#), "{json}");
        assert!(!json.contains("also_in"), "{json}");
        assert!(json.contains(r#""owner":"""#) && json.contains(r#""rotate_by":null"#), "{json}");
        k.rotate_by = Some(time::macros::date!(2027 - 01 - 05));
        let json = serde_json::to_string(&KeyJson::new(&k, None)).unwrap();
        assert!(json.contains(r#""rotate_by":"2027-01-05""#), "{json}");
        k.tags.clear();
        let json = serde_json::to_string(&KeyJson::new(&k, Some(&[]))).unwrap();
        assert!(json.contains(r#""tags":{}"#) && json.contains(r#""also_in":[]"#), "{json}");
    }
}
