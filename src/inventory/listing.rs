//! Listing key pairs: the one SELECT every read of a key pair uses, the filtered and
//! searched list, and filling in tags and hosts for many key pairs at once.

use std::collections::HashMap;

use rusqlite::{params_from_iter, types::Value, Connection, Row};

use super::dates::format_date;
use super::{like_pattern, Inventory, InventoryError, KeyFilter, KeyPair, Origin, Result, SearchQuery};
use crate::keys::{normalize_fingerprint, FingerprintQuery};

pub(super) const SELECT_KEYS: &str =
    "SELECT k.id, k.name, k.description, k.account_id, a.name, k.region, k.algorithm, k.bits,
        k.comment, k.public_key, k.fingerprint_sha256, k.fingerprint_md5, k.aws_fingerprint, k.origin,
        k.private_key_path, k.weak, k.created_at, k.updated_at, k.owner, k.rotate_by
    FROM key_pairs k LEFT JOIN accounts a ON a.id = k.account_id";

pub(super) fn key_from_row(r: &Row<'_>) -> rusqlite::Result<KeyPair> {
    let origin: String = r.get(13)?;
    Ok(KeyPair {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        account_id: r.get(3)?,
        account: r.get(4)?,
        region: r.get(5)?,
        algorithm: r.get(6)?,
        bits: r.get(7)?,
        comment: r.get(8)?,
        public_key: r.get(9)?,
        fingerprint_sha256: r.get(10)?,
        fingerprint_md5: r.get(11)?,
        aws_fingerprint: r.get(12)?,
        origin: if origin == "generated" { Origin::Generated } else { Origin::Imported },
        private_key_path: r.get(14)?,
        weak: r.get(15)?,
        owner: r.get(18)?,
        rotate_by: super::dates::date_column(r, 19)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
        tags: Vec::new(),
        hosts: Vec::new(),
    })
}

/// Fills in tags and bound hosts with two queries for the whole list, not two per key.
pub(super) fn attach_details(conn: &Connection, keys: &mut [KeyPair]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let index: HashMap<i64, usize> = keys.iter().enumerate().map(|(i, k)| (k.id, i)).collect();
    let one = (keys.len() == 1).then(|| keys[0].id);
    let mut st = conn.prepare(
        "SELECT key_pair_id, key, value FROM tags WHERE ?1 IS NULL OR key_pair_id = ?1 ORDER BY key_pair_id, key",
    )?;
    let mut rows = st.query([one])?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
            keys[i].tags.push((r.get(1)?, r.get(2)?));
        }
    }
    let mut st = conn.prepare(
        "SELECT b.key_pair_id, h.name FROM bindings b JOIN hosts h ON h.id = b.host_id
         WHERE ?1 IS NULL OR b.key_pair_id = ?1 ORDER BY h.name",
    )?;
    let mut rows = st.query([one])?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
            keys[i].hosts.push(r.get(1)?);
        }
    }
    Ok(())
}

impl Inventory {
    /// Key pairs matching the filter, ordered by name, with tags and hosts.
    pub fn list_keys(&self, f: &KeyFilter) -> Result<Vec<KeyPair>> {
        let mut keys = Vec::new();
        self.for_each_key(f, |k| {
            keys.push(k);
            Ok::<_, InventoryError>(())
        })?;
        Ok(keys)
    }

    /// Hands `each` the key pairs [`list_keys`](Self::list_keys) would return, in the
    /// same order, one at a time: a caller that prints them (`key list --json` over
    /// 100,000 key pairs) never holds them all. Three queries in all, in one snapshot
    /// of the inventory: every tag, every binding, then the key pairs. Stops at the
    /// first error `each` returns.
    pub fn for_each_key<E: From<InventoryError>>(
        &self,
        f: &KeyFilter,
        mut each: impl FnMut(KeyPair) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        // Reads outside a transaction see one snapshot each; a key pair tagged or bound
        // between them would come out half updated.
        let _snapshot = if self.conn.is_autocommit() {
            Some(self.conn.unchecked_transaction().map_err(InventoryError::from)?)
        } else {
            None
        };
        let mut details = Details::load(&self.conn)?;
        let query = match f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => SearchQuery::parse(s, self.today()?),
            None => SearchQuery::default(),
        };
        if let Some(e) = &query.invalid {
            return Err(InventoryError::Rule(format!("cannot search: {e}")).into());
        }
        let search = Some(query.text.as_str()).filter(|s| !s.is_empty());
        let like = search.map(like_pattern);
        let (sha, hex) = match search.and_then(normalize_fingerprint) {
            Some(FingerprintQuery::Sha256(s)) => (Some(format!("SHA256:{s}")), None),
            Some(FingerprintQuery::Hex(h)) => (None, Some(h)),
            None => (None, None),
        };
        let md5 = hex.as_ref().map(|h| format!("MD5:{h}"));
        let mut args: Vec<Value> = [f.account.clone(), f.region.clone(), like, sha, md5, hex]
            .into_iter()
            .map(|v| v.map_or(Value::Null, Value::Text))
            .collect();
        args.push(query.rotate_before.map_or(Value::Null, |d| Value::Text(format_date(d))));
        let mut owners = String::new();
        for o in &query.owners {
            args.push(Value::Text(like_pattern(o)));
            owners.push_str(&format!(" AND k.owner LIKE ?{} ESCAPE '\\'", args.len()));
        }
        let sql = format!(
            "{SELECT_KEYS} WHERE (?1 IS NULL OR a.name = ?1) AND (?2 IS NULL OR k.region = ?2)
             AND (?3 IS NULL
                  OR k.name LIKE ?3 ESCAPE '\\' OR k.comment LIKE ?3 ESCAPE '\\' OR k.description LIKE ?3 ESCAPE '\\'
                  OR k.fingerprint_sha256 LIKE ?3 ESCAPE '\\' OR k.fingerprint_md5 LIKE ?3 ESCAPE '\\'
                  OR k.fingerprint_sha256 = ?4 OR k.fingerprint_md5 = ?5 OR k.aws_fingerprint = ?6
                  OR EXISTS (SELECT 1 FROM tags t WHERE t.key_pair_id = k.id AND (t.key || '=' || t.value) LIKE ?3 ESCAPE '\\'))
             AND (?7 IS NULL OR k.rotate_by < ?7){owners}
             ORDER BY k.name, k.id"
        );
        let mut st = self.conn.prepare(&sql).map_err(InventoryError::from)?;
        let mut rows = st.query(params_from_iter(args)).map_err(InventoryError::from)?;
        while let Some(r) = rows.next().map_err(InventoryError::from)? {
            let mut k = key_from_row(r).map_err(InventoryError::from)?;
            details.fill(&mut k);
            each(k)?;
        }
        Ok(())
    }
}

/// Every key pair's tags (sorted by key) and bound hosts (sorted by name), by id.
#[derive(Default)]
struct Details {
    tags: HashMap<i64, Vec<(String, String)>>,
    hosts: HashMap<i64, Vec<String>>,
}

impl Details {
    fn load(conn: &Connection) -> Result<Details> {
        let mut d = Details::default();
        let mut st = conn.prepare("SELECT key_pair_id, key, value FROM tags ORDER BY key_pair_id, key")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            d.tags.entry(r.get(0)?).or_default().push((r.get(1)?, r.get(2)?));
        }
        let mut st = conn
            .prepare("SELECT b.key_pair_id, h.name FROM bindings b JOIN hosts h ON h.id = b.host_id ORDER BY h.name")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            d.hosts.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
        Ok(d)
    }

    /// Moves this key pair's tags and hosts into it.
    fn fill(&mut self, k: &mut KeyPair) {
        k.tags = self.tags.remove(&k.id).unwrap_or_default();
        k.hosts = self.hosts.remove(&k.id).unwrap_or_default();
    }
}
