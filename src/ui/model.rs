//! The app's copy of the inventory: every key pair loaded once (one query, not one per
//! frame), with the text each table cell shows and a lower-case search haystack
//! precomputed, so filtering 100,000 rows on a keystroke stays well inside a frame.

use std::collections::{BTreeMap, HashMap};

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
    /// The name as people read it ([`natural_key`]): the table's order.
    sort_name: String,
}

/// The small tables the sidebar, the forms and the Hosts view draw from. Re-read after
/// every change: they hold a few hundred rows at most.
#[derive(Default)]
pub struct Side {
    pub accounts: Vec<Account>,
    pub scopes: Vec<ScopeCount>,
    pub hosts: Vec<Host>,
}

impl Side {
    pub fn load(inv: &Inventory) -> Result<Side> {
        Ok(Side { accounts: inv.accounts()?, scopes: inv.scope_counts()?, hosts: inv.hosts()? })
    }
}

/// Everything the model shows, read (and its rows and lookups prepared) on the
/// inventory thread, so installing it on the UI thread is a few moves.
pub struct Snapshot {
    rows: Vec<Row>,
    index: HashMap<i64, usize>,
    names: HashMap<(Option<String>, String, String), i64>,
    side: Side,
}

impl Snapshot {
    pub fn load(inv: &Inventory) -> Result<Snapshot> {
        let keys = inv.list_keys(&KeyFilter::default())?;
        let mut rows: Vec<Row> = keys.into_iter().map(Row::new).collect();
        // Names as people read them (user2 before user10), also when no column is sorted.
        sort_by_name(&mut rows);
        let (index, names) = lookups(&rows);
        Ok(Snapshot { rows, index, names, side: Side::load(inv)? })
    }
}

/// Rows in name order as people read it; stable, so equal names keep their order.
fn sort_by_name(rows: &mut [Row]) {
    rows.sort_by(|a, b| a.sort_name.cmp(&b.sort_name));
}

type Lookups = (HashMap<i64, usize>, HashMap<(Option<String>, String, String), i64>);

/// Id -> row, and (account, region, name) -> id.
fn lookups(rows: &[Row]) -> Lookups {
    let index = rows.iter().enumerate().map(|(i, r)| (r.key.id, i)).collect();
    let names =
        rows.iter().map(|r| ((r.key.account.clone(), r.key.region.clone(), r.key.name.clone()), r.key.id)).collect();
    (index, names)
}

#[derive(Default)]
pub struct Model {
    /// Whether the inventory has been read once (until then the table says "Loading").
    pub loaded: bool,
    pub rows: Vec<Row>,
    /// Key pair id -> index in `rows`.
    index: HashMap<i64, usize>,
    /// (account, region, name) -> key pair id, for the forms' live name checks.
    names: HashMap<(Option<String>, String, String), i64>,
    /// Indices into `rows` that pass the scope and search filters, in sort order.
    pub visible: Vec<usize>,
    pub accounts: Vec<Account>,
    pub scopes: Vec<ScopeCount>,
    pub hosts: Vec<Host>,
    pub scope: ScopeSel,
    pub search: String,
    /// A search filter that could not be read (`expires:<soon`), said under the box.
    pub search_problem: Option<String>,
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
            sort_name: natural_key(&key.name),
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
    /// Takes everything from a snapshot and re-applies filter and sort.
    pub fn install(&mut self, s: Snapshot) {
        self.rows = s.rows;
        self.index = s.index;
        self.names = s.names;
        self.loaded = true;
        self.set_side(s.side);
    }

    pub fn set_side(&mut self, side: Side) {
        self.accounts = side.accounts;
        self.scopes = side.scopes;
        self.hosts = side.hosts;
        self.refilter();
    }

    /// Puts changed or new key pairs in place without reading the rest again; call
    /// [`Model::set_side`] or [`Model::refilter`] afterwards.
    pub fn upsert(&mut self, keys: Vec<KeyPair>) {
        let mut moved = false;
        for k in keys {
            let named = (k.account.clone(), k.region.clone(), k.name.clone());
            let id = k.id;
            match self.index.get(&k.id) {
                Some(&i) => {
                    let old = &self.rows[i].key;
                    moved |= old.name != k.name;
                    self.names.remove(&(old.account.clone(), old.region.clone(), old.name.clone()));
                    self.rows[i] = Row::new(k);
                }
                None => {
                    moved = true;
                    self.index.insert(k.id, self.rows.len());
                    self.rows.push(Row::new(k));
                }
            }
            self.names.insert(named, id);
        }
        // A new or renamed key pair takes its place by name (the rows are nearly sorted:
        // one pass).
        if moved {
            sort_by_name(&mut self.rows);
            self.reindex();
        }
    }

    /// Drops deleted key pairs; call [`Model::set_side`] or [`Model::refilter`] afterwards.
    pub fn remove(&mut self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        let gone: std::collections::HashSet<i64> = ids.iter().copied().collect();
        self.rows.retain(|r| !gone.contains(&r.key.id));
        self.reindex();
    }

    fn reindex(&mut self) {
        (self.index, self.names) = lookups(&self.rows);
    }

    /// Recomputes `visible` after the scope, search or sort changed.
    pub fn refilter(&mut self) {
        // `owner:` and `expires:` filters, as the CLI's search reads them; the rest is text.
        let today = time::OffsetDateTime::now_utc().date();
        let query = crate::inventory::SearchQuery::parse(&self.search, today);
        let text = query.text.trim().to_lowercase();
        let fp = normalize_fingerprint(query.text.trim());
        let rows = &self.rows;
        self.visible = (0..rows.len())
            .filter(|&i| {
                self.scope.matches(&rows[i].key)
                    && rows[i].matches(&text, fp.as_ref())
                    && query.matches_filters(&rows[i].key)
            })
            .collect();
        self.search_problem = query.invalid;
        if let Some((col, ascending)) = self.sort {
            let key = |r: &Row| -> String {
                match col {
                    SortColumn::Name => r.sort_name.clone(),
                    SortColumn::Type => format!("{}{:06}", r.key.algorithm, r.key.bits),
                    SortColumn::Fingerprint => r.key.fingerprint_sha256.clone(),
                    SortColumn::Account => natural_key(&r.account),
                    SortColumn::Region => natural_key(&r.key.region),
                    SortColumn::Hosts => natural_key(&r.hosts),
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
        self.index.get(&id).map(|&i| &self.rows[i])
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

    /// The id of the key pair with this name in this account and region.
    pub fn id_by_name(&self, account: Option<&str>, region: &str, name: &str) -> Option<i64> {
        self.names.get(&(account.map(str::to_string), region.to_string(), name.to_string())).copied()
    }

    /// Whether a name is taken in an account and region (for live checks in forms).
    pub fn name_taken(&self, name: &str, account: Option<&str>, region: &str, except: Option<i64>) -> bool {
        let key = (account.map(str::to_string), region.to_string(), name.to_string());
        self.names.get(&key).is_some_and(|id| Some(*id) != except)
    }
}

/// A sort key that orders names as people read them: case aside, and numbers by value
/// (`user2` before `user10`), by padding every run of digits to one width.
pub fn natural_key(s: &str) -> String {
    const WIDTH: usize = 20;
    let mut out = String::with_capacity(s.len() + 8);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            let n = if trimmed.is_empty() { "0" } else { trimmed };
            for _ in n.len()..WIDTH {
                out.push('0');
            }
            out.push_str(n);
            digits.clear();
        }
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.extend(c.to_lowercase());
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod natural_tests {
    use super::natural_key;

    #[test]
    fn names_with_numbers_sort_as_people_read_them() {
        let mut names = vec!["user100", "User10", "user1", "user2", "web-10.b", "web-9.b", "a007", "a7x", "b"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(names, ["a007", "a7x", "b", "user1", "user2", "User10", "user100", "web-9.b", "web-10.b"]);
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;
    use crate::inventory::{NewKeyPair, Origin};

    const KEYS: [&str; 4] = crate::keys::TEST_ED25519;

    fn add(inv: &mut Inventory, name: &str, line: &str) -> KeyPair {
        let info = crate::keys::parse_key(line.as_bytes()).unwrap().info;
        let new = NewKeyPair {
            name: name.into(),
            description: String::new(),
            account: None,
            region: String::new(),
            info,
            origin: Origin::Imported,
            private_key_path: None,
            tags: vec![],
        };
        inv.add_key(&new).unwrap()
    }

    fn shown(m: &Model) -> Vec<&str> {
        m.visible.iter().map(|&i| m.rows[i].key.name.as_str()).collect()
    }

    /// With no column sorted, the table is in name order as people read it, and a new
    /// or renamed key pair takes its place there.
    #[test]
    fn the_table_is_in_natural_name_order_before_any_sort_and_after_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        for (name, line) in ["user10", "user1", "user100"].iter().zip(KEYS) {
            add(&mut inv, name, line);
        }
        let mut m = Model::default();
        m.install(Snapshot::load(&inv).unwrap());
        assert_eq!(shown(&m), ["user1", "user10", "user100"]);
        let new = add(&mut inv, "user2", KEYS[3]);
        m.upsert(vec![new]);
        m.refilter();
        assert_eq!(shown(&m), ["user1", "user2", "user10", "user100"]);
        let first = m.rows[0].key.clone();
        let renamed = KeyPair { name: "user99".into(), ..first };
        m.upsert(vec![renamed.clone()]);
        m.refilter();
        assert_eq!(shown(&m), ["user2", "user10", "user99", "user100"]);
        assert_eq!(m.row_by_id(renamed.id).unwrap().key.name, "user99", "the index follows the rows");
    }
}
