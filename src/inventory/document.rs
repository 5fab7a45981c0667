//! The inventory as one versioned JSON document, for backups and for moving to another
//! machine: [`export_document`] reads it, [`Document::from_json`] reads a file back
//! (refusing other formats and newer versions), and `merge` brings one into an
//! inventory. The format is described field by field in `docs/inventory-format.md`.
//!
//! Only public data goes in: public keys, names, hosts, paths. A private key file's
//! *path* is kept (it tells the user where the key was), its content never is.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{now, Inventory, Provider, Result};

/// Declares the columns of one table that a document copies as they are: the struct
/// (fields in document order, each named as its column), the column list, reading
/// them from a row and the values to insert. A new column of the table is one line
/// here and nothing else; a field added after version 1 of the format needs
/// `#[serde(default)]`, so documents written before it still load.
macro_rules! copied_columns {
    ($(#[$sm:meta])* pub struct $name:ident { $( $(#[$fm:meta])* pub $field:ident : $ty:ty, )* }) => {
        $(#[$sm])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name { $( $(#[$fm])* pub $field: $ty, )* }

        impl $name {
            /// The column names, in field order.
            pub(super) const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Reads the fields from `row`, the first from column `first`.
            pub(super) fn from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<$name> {
                let mut i = first;
                let mut next = || {
                    i += 1;
                    i - 1
                };
                Ok($name { $( $field: row.get(next())?, )* })
            }

            /// The values to insert, in [`Self::COLUMNS`] order.
            pub(super) fn values(&self) -> Vec<&dyn rusqlite::ToSql> {
                vec![$( &self.$field as &dyn rusqlite::ToSql ),*]
            }
        }
    };
}

copied_columns! {
    /// The columns of a key pair copied as they are; name, account and region identify
    /// it and are in [`KeyPairEntry`].
    pub struct KeyPairColumns {
        pub description: String,
        pub comment: String,
        /// `TYPE BASE64 [COMMENT]`. On import the key is read from it and its type, size
        /// and fingerprints are computed again.
        pub public_key: String,
        /// The form AWS shows (for an RSA key AWS generated it cannot be computed from
        /// the public key, so it travels).
        pub aws_fingerprint: Option<String>,
        /// `generated` or `imported`.
        pub origin: String,
        /// Where the private key file was on the machine exported from: a path only.
        pub private_key_path: Option<String>,
        #[serde(with = "unix_time")]
        pub created_at: i64,
        #[serde(with = "unix_time")]
        pub updated_at: i64,
        /// Who the key pair belongs to (free text; empty: not said).
        #[serde(default)]
        pub owner: String,
        /// `YYYY-MM-DD`: when it should be rotated (null: no date).
        #[serde(default)]
        pub rotate_by: Option<String>,
    }
}

copied_columns! {
    /// The columns of a host copied as they are; its name, account and addresses are in
    /// [`HostEntry`].
    pub struct HostColumns {
        pub port: u16,
        pub user: String,
        pub region: String,
        /// Relative to the login user's home, or absolute.
        pub authorized_keys: String,
        /// The last login check: `ok`, `refused`, ... or null if never checked.
        #[serde(default)]
        pub check_status: Option<String>,
        #[serde(default)]
        pub check_message: String,
        #[serde(default, with = "unix_time::option")]
        pub checked_at: Option<i64>,
        #[serde(with = "unix_time")]
        pub created_at: i64,
        #[serde(with = "unix_time")]
        pub updated_at: i64,
    }
}

/// The whole inventory, as `keyshelf export` writes it. Field order is the order in
/// the file; every list is sorted (see [`export_document`]), so two exports of the same
/// inventory differ only in `exported_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Always [`Document::FORMAT`].
    pub format: String,
    /// The format version, [`Document::VERSION`] for what this build writes.
    pub version: u32,
    #[serde(with = "unix_time")]
    pub exported_at: i64,
    /// The schema version of the inventory it was exported from (for information).
    pub schema_version: i64,
    #[serde(default)]
    pub accounts: Vec<AccountEntry>,
    #[serde(default)]
    pub key_pairs: Vec<KeyPairEntry>,
    #[serde(default)]
    pub hosts: Vec<HostEntry>,
    #[serde(default)]
    pub bindings: Vec<BindingEntry>,
    #[serde(default)]
    pub activity: Vec<ActivityEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub name: String,
    /// The slug: `aws`, `digitalocean`, ...
    pub provider: String,
    #[serde(default)]
    pub note: String,
    #[serde(with = "unix_time")]
    pub created_at: i64,
    /// Where its cloud's credentials are (a profile name, never a secret), its default
    /// region and API endpoint; absent in documents written before cloud sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub default_region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPairEntry {
    pub name: String,
    /// Null for a key pair kept outside any account.
    pub account: Option<String>,
    pub region: String,
    #[serde(flatten)]
    pub columns: KeyPairColumns,
    // What the public key says, for people and scripts reading the file; an import
    // computes them again from `public_key` (and refuses a fingerprint that disagrees).
    #[serde(default)]
    pub algorithm: String,
    #[serde(default)]
    pub bits: u32,
    #[serde(default)]
    pub fingerprint_sha256: String,
    #[serde(default)]
    pub fingerprint_md5: String,
    #[serde(default)]
    pub weak: bool,
    /// `{"env": "prod"}`, keys in byte order.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl KeyPairEntry {
    /// "name (account / region)" for messages.
    pub fn label(&self) -> String {
        format!("'{}' ({})", self.name, super::scope_label(self.account.as_deref(), &self.region))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEntry {
    pub name: String,
    pub account: Option<String>,
    /// DNS names or IP addresses, in the order ssh tries them.
    pub addresses: Vec<String>,
    #[serde(flatten)]
    pub columns: HostColumns,
}

/// A key pair bound to a host. The key pair is named by account, region and name; a
/// document written by hand may give only its fingerprint instead (`key_pair` null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingEntry {
    pub host: String,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub key_pair: Option<String>,
    #[serde(default)]
    pub fingerprint_sha256: String,
    #[serde(with = "unix_time")]
    pub bound_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    #[serde(with = "unix_time")]
    pub at: i64,
    pub action: String,
    pub subject: String,
    #[serde(default)]
    pub detail: String,
}

/// Why a file is not a document this build can import.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("not a JSON document: {0}")]
    NotJson(serde_json::Error),
    #[error("not a Keyshelf inventory export ({}); `keyshelf export` writes one with \"format\": \"{}\"", found.as_deref().map_or("it has no \"format\"".to_string(), |f| format!("its format is \"{f}\"")), Document::FORMAT)]
    WrongFormat { found: Option<String> },
    #[error("the document is version {found} of the inventory format; this Keyshelf reads up to version {supported}. Update Keyshelf to import it")]
    NewerVersion { found: u64, supported: u32 },
    #[error("the document is not a valid inventory export: {0}")]
    Invalid(String),
}

impl Document {
    /// The value of `format`.
    pub const FORMAT: &'static str = "keyshelf-inventory";
    /// The format version this build writes, and the newest it reads.
    pub const VERSION: u32 = 1;

    /// Reads a document, checking `format` and `version` before anything else: a file
    /// of another program or of a newer format is refused with a message saying so,
    /// not with whatever field happens to be missing.
    pub fn from_json(bytes: &[u8]) -> std::result::Result<Document, DocumentError> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(DocumentError::NotJson)?;
        let format = value.get("format").and_then(serde_json::Value::as_str);
        if format != Some(Self::FORMAT) {
            return Err(DocumentError::WrongFormat { found: format.map(str::to_string) });
        }
        match value.get("version").and_then(serde_json::Value::as_u64) {
            None | Some(0) => return Err(DocumentError::Invalid("\"version\" must be a positive whole number".into())),
            Some(v) if v > u64::from(Self::VERSION) => {
                return Err(DocumentError::NewerVersion { found: v, supported: Self::VERSION })
            }
            Some(_) => {}
        }
        // Parsed again as a whole so an error names its line and column.
        serde_json::from_slice(bytes).map_err(|e| DocumentError::Invalid(e.to_string()))
    }

    /// The document as indented JSON with a final newline, as `keyshelf export` writes it.
    pub fn to_json(&self) -> serde_json::Result<String> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }
}

/// Reads the whole inventory into a [`Document`], in one snapshot. Lists are sorted:
/// accounts by name; key pairs by account (none first), region and name; hosts by
/// name; bindings by host, then key pair; activity by time, then the order it was
/// written in.
pub fn export_document(inv: &Inventory) -> Result<Document> {
    let conn = &inv.conn;
    // Several reads, one snapshot: a change committed meanwhile is all in or all out.
    let _snapshot = if conn.is_autocommit() { Some(conn.unchecked_transaction()?) } else { None };
    let schema_version = inv.schema_version()?;

    let mut st = conn.prepare(
        "SELECT name, provider, note, created_at, profile, default_region, endpoint FROM accounts ORDER BY name",
    )?;
    let accounts = st
        .query_map([], |r| {
            let provider: String = r.get(1)?;
            Ok(AccountEntry {
                name: r.get(0)?,
                provider: Provider::parse(&provider).unwrap_or(Provider::Other).slug().to_string(),
                note: r.get(2)?,
                created_at: r.get(3)?,
                profile: r.get(4)?,
                default_region: r.get(5)?,
                endpoint: r.get(6)?,
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;

    let mut tags: HashMap<i64, BTreeMap<String, String>> = HashMap::new();
    let mut st = conn.prepare("SELECT key_pair_id, key, value FROM tags")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        tags.entry(r.get(0)?).or_default().insert(r.get(1)?, r.get(2)?);
    }
    let mut st = conn.prepare(&format!(
        "SELECT k.id, k.name, a.name, k.region, k.algorithm, k.bits, k.fingerprint_sha256, k.fingerprint_md5, k.weak, {}
         FROM key_pairs k LEFT JOIN accounts a ON a.id = k.account_id ORDER BY a.name, k.region, k.name",
        prefixed("k", KeyPairColumns::COLUMNS)
    ))?;
    let key_pairs = st
        .query_map([], |r| {
            Ok(KeyPairEntry {
                name: r.get(1)?,
                account: r.get(2)?,
                region: r.get(3)?,
                columns: KeyPairColumns::from_row(r, 9)?,
                algorithm: r.get(4)?,
                bits: r.get(5)?,
                fingerprint_sha256: r.get(6)?,
                fingerprint_md5: r.get(7)?,
                weak: r.get(8)?,
                tags: tags.remove(&r.get::<_, i64>(0)?).unwrap_or_default(),
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;

    let mut addresses: HashMap<i64, Vec<String>> = HashMap::new();
    let mut st = conn.prepare("SELECT host_id, address FROM host_addresses ORDER BY host_id, position")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        addresses.entry(r.get(0)?).or_default().push(r.get(1)?);
    }
    let mut st = conn.prepare(&format!(
        "SELECT h.id, h.name, a.name, {} FROM hosts h LEFT JOIN accounts a ON a.id = h.account_id ORDER BY h.name",
        prefixed("h", HostColumns::COLUMNS)
    ))?;
    let hosts = st
        .query_map([], |r| {
            Ok(HostEntry {
                name: r.get(1)?,
                account: r.get(2)?,
                addresses: addresses.remove(&r.get::<_, i64>(0)?).unwrap_or_default(),
                columns: HostColumns::from_row(r, 3)?,
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;

    let mut st = conn.prepare(
        "SELECT h.name, a.name, k.region, k.name, k.fingerprint_sha256, b.bound_at
         FROM bindings b JOIN hosts h ON h.id = b.host_id JOIN key_pairs k ON k.id = b.key_pair_id
         LEFT JOIN accounts a ON a.id = k.account_id
         ORDER BY h.name, a.name, k.region, k.name",
    )?;
    let bindings = st
        .query_map([], |r| {
            Ok(BindingEntry {
                host: r.get(0)?,
                account: r.get(1)?,
                region: r.get(2)?,
                key_pair: Some(r.get(3)?),
                fingerprint_sha256: r.get(4)?,
                bound_at: r.get(5)?,
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;

    let mut st = conn.prepare("SELECT at, action, subject, detail FROM activity ORDER BY at, id")?;
    let activity = st
        .query_map([], |r| {
            Ok(ActivityEntry { at: r.get(0)?, action: r.get(1)?, subject: r.get(2)?, detail: r.get(3)? })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;

    Ok(Document {
        format: Document::FORMAT.to_string(),
        version: Document::VERSION,
        exported_at: now(),
        schema_version,
        accounts,
        key_pairs,
        hosts,
        bindings,
        activity,
    })
}

/// A Unix time in RFC 3339, UTC; `None` for a time it cannot express.
pub(crate) fn rfc3339(t: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(t).ok()?.format(&time::format_description::well_known::Rfc3339).ok()
}

/// `t.a, t.b, ...` for a SELECT over a join.
fn prefixed(table: &str, columns: &[&str]) -> String {
    columns.iter().map(|c| format!("{table}.{c}")).collect::<Vec<_>>().join(", ")
}

/// Times in a document: RFC 3339 in UTC (`2026-11-22T12:00:00Z`), as the CLI prints
/// them; any RFC 3339 offset is read.
mod unix_time {
    use serde::{de::Error as _, ser::Error as _, Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
        let text = super::rfc3339(*t)
            .ok_or_else(|| S::Error::custom(format!("the time {t} cannot be written in RFC 3339")))?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        time::OffsetDateTime::parse(&text, &Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|e| D::Error::custom(format!("'{text}' is not an RFC 3339 time ({e})")))
    }

    /// The same for a time that may be null.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
            #[derive(Deserialize)]
            struct Time(#[serde(with = "super")] i64);
            Ok(Option::<Time>::deserialize(d)?.map(|t| t.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_json(format: &str, version: &str) -> String {
        format!(
            r#"{{"format": {format}, "version": {version}, "exported_at": "2026-01-02T03:04:05Z", "schema_version": 4}}"#
        )
    }

    #[test]
    fn the_header_is_checked_first_and_named() {
        let ok = Document::from_json(doc_json("\"keyshelf-inventory\"", "1").as_bytes()).unwrap();
        assert_eq!((ok.version, ok.exported_at, ok.key_pairs.len()), (1, 1_767_323_045, 0));
        let e = Document::from_json(doc_json("\"other-tool\"", "1").as_bytes()).unwrap_err().to_string();
        assert!(e.contains("\"other-tool\"") && e.contains("keyshelf export"), "{e}");
        let e = Document::from_json(b"[1, 2]").unwrap_err().to_string();
        assert!(e.contains("no \"format\""), "{e}");
        let e = Document::from_json(doc_json("\"keyshelf-inventory\"", "2").as_bytes()).unwrap_err().to_string();
        assert!(e.contains("version 2") && e.contains("up to version 1"), "{e}");
        let e = Document::from_json(doc_json("\"keyshelf-inventory\"", "\"1\"").as_bytes()).unwrap_err();
        assert!(matches!(e, DocumentError::Invalid(_)), "{e}");
        let e = Document::from_json(b"{\"format\": ").unwrap_err();
        assert!(matches!(e, DocumentError::NotJson(_)), "{e}");
    }

    #[test]
    fn a_bad_field_is_named_with_its_line() {
        let text = r#"{
  "format": "keyshelf-inventory", "version": 1, "exported_at": "2026-01-02T03:04:05Z", "schema_version": 4,
  "activity": [{"at": "yesterday", "action": "x", "subject": "y"}]
}"#;
        let e = Document::from_json(text.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("'yesterday' is not an RFC 3339 time") && e.contains("line 3"), "{e}");
    }

    #[test]
    fn times_are_rfc3339_utc_and_read_back_with_any_offset() {
        let a = ActivityEntry { at: 1_700_000_000, action: "a".into(), subject: "s".into(), detail: String::new() };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"at":"2023-11-14T22:13:20Z","action":"a","subject":"s","detail":""}"#);
        assert_eq!(serde_json::from_str::<ActivityEntry>(&json).unwrap(), a);
        let shifted = json.replace("22:13:20Z", "23:13:20+01:00");
        assert_eq!(serde_json::from_str::<ActivityEntry>(&shifted).unwrap().at, a.at);
    }

    /// The guard for "a new column is one line": every column of `key_pairs` and
    /// `hosts` is in the document, either copied or written from the row another way.
    #[test]
    fn every_column_is_in_the_document() {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        let columns = |table: &str| -> Vec<String> {
            let mut st = inv.conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')")).unwrap();
            st.query_map([], |r| r.get(0)).unwrap().map(|c| c.unwrap()).collect()
        };
        let key_pair_others = [
            "id",
            "name",
            "account_id",
            "region",
            "algorithm",
            "bits",
            "fingerprint_sha256",
            "fingerprint_md5",
            "weak",
        ];
        for c in columns("key_pairs") {
            assert!(
                KeyPairColumns::COLUMNS.contains(&c.as_str()) || key_pair_others.contains(&c.as_str()),
                "key_pairs.{c} is not exported: add it to KeyPairColumns"
            );
        }
        for c in columns("hosts") {
            assert!(
                HostColumns::COLUMNS.contains(&c.as_str()) || ["id", "name", "account_id"].contains(&c.as_str()),
                "hosts.{c} is not exported: add it to HostColumns"
            );
        }
    }
}
