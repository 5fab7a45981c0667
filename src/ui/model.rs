//! The app's copy of the inventory: every key pair loaded once (one query, not one per
//! frame), with the text each table cell shows and a lower-case search haystack
//! precomputed, so filtering 100,000 rows on a keystroke stays well inside a frame.

use std::collections::BTreeMap;

use crate::inventory::{Account, Host, Inventory, KeyFilter, KeyPair, Result, ScopeCount};
use crate::keys::{normalize_fingerprint, FingerprintQuery};

/// Which part of the inventory the sidebar has selected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ScopeSel {
    #[default]
    All,
    /// An account (`None`: key pairs without an account).
    Account(Option<String>),
    Region(Option<String>, String),
}

impl ScopeSel {
    fn matches(&self, k: &KeyPair) -> bool {
        match self {
            ScopeSel::All => true,
            ScopeSel::Account(a) => &k.account == a,
            ScopeSel::Region(a, r) => &k.account == a && &k.region == r,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Name,
    Type,
    Fingerprint,
    Account,
    Region,
    Hosts,
    Created,
}

/// What a table row shows, computed once per load.
pub struct Row {
    pub key: KeyPair,
    pub type_label: String,
    pub fp_short: String,
    pub account: String,
    pub hosts: String,
    pub created: String,
    /// name, comment, description, tags and fingerprints, lower-cased.
    hay: String,
}

#[derive(Default)]
pub struct Model {
    pub rows: Vec<Row>,
    /// Indices into `rows` that pass the scope and search filters, in sort order.
    pub visible: Vec<usize>,
    pub accounts: Vec<Account>,
    pub scopes: Vec<ScopeCount>,
    pub hosts: Vec<Host>,
    pub scope: ScopeSel,
    pub search: String,
    pub sort: Option<(SortColumn, bool)>,
}

/// Date and time (UTC) in a short, sortable form.
pub fn short_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]")).ok())
        .unwrap_or_default()
}

/// `SHA256:abcdefgh…wxyz` for narrow columns; the full form is shown on hover.
pub fn shorten_fingerprint(fp: &str) -> String {
    let body = fp.trim_start_matches("SHA256:");
    if body.len() <= 16 {
        return fp.to_string();
    }
    format!("SHA256:{}…{}", &body[..10], &body[body.len() - 4..])
}

impl Row {
    fn new(key: KeyPair) -> Row {
        let mut hay = String::with_capacity(256);
        for part in [&key.name, &key.comment, &key.description, &key.fingerprint_sha256, &key.fingerprint_md5] {
            hay.push_str(&part.to_lowercase());
            hay.push('\n');
        }
        for (k, v) in &key.tags {
            hay.push_str(&format!("{k}={v}\n").to_lowercase());
        }
        Row {
            type_label: key.type_label(),
            fp_short: shorten_fingerprint(&key.fingerprint_sha256),
            account: key.account.clone().unwrap_or_default(),
            hosts: key.hosts.join(", "),
            created: short_time(key.created_at),
            hay,
            key,
        }
    }

    fn matches(&self, text: &str, fp: Option<&FingerprintQuery>) -> bool {
        if let Some(fp) = fp {
            let k = &self.key;
            let hit = match fp {
                FingerprintQuery::Sha256(s) => k.fingerprint_sha256.strip_prefix("SHA256:") == Some(s.as_str()),
                FingerprintQuery::Hex(h) => {
                    k.fingerprint_md5.strip_prefix("MD5:") == Some(h.as_str())
                        || k.aws_fingerprint.as_deref() == Some(h)
                }
            };
            if hit {
                return true;
            }
        }
        text.is_empty() || self.hay.contains(text)
    }
}

impl Model {
    /// Reloads everything from the inventory and re-applies filter and sort.
    pub fn reload(&mut self, inv: &Inventory) -> Result<()> {
        let keys = inv.list_keys(&KeyFilter::default())?;
        self.rows = keys.into_iter().map(Row::new).collect();
        self.accounts = inv.accounts()?;
        self.scopes = inv.scope_counts()?;
        self.hosts = inv.hosts()?;
        self.refilter();
        Ok(())
    }

    /// Recomputes `visible` after the scope, search or sort changed.
    pub fn refilter(&mut self) {
        let text = self.search.trim().to_lowercase();
        let fp = normalize_fingerprint(self.search.trim());
        let rows = &self.rows;
        self.visible = (0..rows.len())
            .filter(|&i| self.scope.matches(&rows[i].key) && rows[i].matches(&text, fp.as_ref()))
            .collect();
        if let Some((col, ascending)) = self.sort {
            let key = |r: &Row| -> String {
                match col {
                    SortColumn::Name => r.key.name.to_lowercase(),
                    SortColumn::Type => format!("{}{:06}", r.key.algorithm, r.key.bits),
                    SortColumn::Fingerprint => r.key.fingerprint_sha256.clone(),
                    SortColumn::Account => r.account.to_lowercase(),
                    SortColumn::Region => r.key.region.to_lowercase(),
                    SortColumn::Hosts => r.hosts.to_lowercase(),
                    SortColumn::Created => format!("{:020}", r.key.created_at),
                }
            };
            let mut keyed: Vec<(String, usize)> = self.visible.iter().map(|&i| (key(&rows[i]), i)).collect();
            keyed.sort();
            if !ascending {
                keyed.reverse();
            }
            self.visible = keyed.into_iter().map(|(_, i)| i).collect();
        }
    }

    pub fn row_by_id(&self, id: i64) -> Option<&Row> {
        self.rows.iter().find(|r| r.key.id == id)
    }

    /// Accounts with their regions and counts, for the sidebar tree; "no account" last.
    pub fn tree(&self) -> BTreeMap<Option<String>, Vec<(String, i64)>> {
        let mut t: BTreeMap<Option<String>, Vec<(String, i64)>> = BTreeMap::new();
        for a in &self.accounts {
            t.entry(Some(a.name.clone())).or_default();
        }
        for s in &self.scopes {
            let e = t.entry(s.account.clone()).or_default();
            if s.count > 0 {
                e.push((s.region.clone(), s.count));
            }
        }
        t
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// Whether a name is taken in an account and region (for live checks in forms).
    pub fn name_taken(&self, name: &str, account: Option<&str>, region: &str, except: Option<i64>) -> bool {
        self.rows.iter().any(|r| {
            r.key.name == name
                && r.key.account.as_deref() == account
                && r.key.region == region
                && Some(r.key.id) != except
        })
    }
}
