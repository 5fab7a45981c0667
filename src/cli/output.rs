//! How the CLI prints records: the `--json` objects scripts rely on, and plain tables.

use serde_json::{json, Map, Value};
use unicode_width::UnicodeWidthStr;

use crate::inventory::{Account, Activity, Host, KeyPair};

/// RFC 3339 in UTC, e.g. `2026-11-22T12:00:00Z`.
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

/// The `key show --json` object; `key list --json` prints an array of these.
pub fn key_json(k: &KeyPair, also_in: Option<&[String]>) -> Value {
    let tags: Map<String, Value> = k.tags.iter().map(|(a, b)| (a.clone(), Value::String(b.clone()))).collect();
    let mut v = json!({
        "id": k.id,
        "name": k.name,
        "account": k.account,
        "region": k.region,
        "algorithm": k.algorithm,
        "bits": k.bits,
        "type": k.type_label(),
        "comment": k.comment,
        "description": k.description,
        "tags": tags,
        "public_key": k.public_key,
        "fingerprint_sha256": k.fingerprint_sha256,
        "fingerprint_md5": k.fingerprint_md5,
        "aws_fingerprint": k.aws_fingerprint,
        "origin": k.origin.as_str(),
        "private_key_path": k.private_key_path,
        "created_at": rfc3339(k.created_at),
        "updated_at": rfc3339(k.updated_at),
        "hosts": k.hosts,
        "weak": k.weak,
    });
    if let (Some(a), Some(obj)) = (also_in, v.as_object_mut()) {
        obj.insert("also_in".into(), json!(a));
    }
    v
}

pub fn host_json(h: &Host) -> Value {
    json!({
        "id": h.id,
        "name": h.name,
        "addresses": h.addresses,
        "port": h.port,
        "user": h.user,
        "account": h.account,
        "region": h.region,
        "key": h.key.as_ref().map(|k| &k.1),
        "bound_at": h.bound_at.map(rfc3339),
    })
}

pub fn account_json(a: &Account) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "provider": a.provider.slug(),
        "provider_name": a.provider.display_name(),
        "note": a.note,
        "created_at": rfc3339(a.created_at),
    })
}

pub fn activity_json(a: &Activity) -> Value {
    json!({ "id": a.id, "at": rfc3339(a.at), "action": a.action, "subject": a.subject, "detail": a.detail })
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
pub fn key_text(k: &KeyPair, also_in: &[String]) -> String {
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
    field("Created:", &rfc3339(k.created_at));
    field("Public key:", &k.public_key);
    s
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::table;

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
}
