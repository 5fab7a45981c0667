//! Key pairs: add (generated or imported), bulk import, list and search, resolve a
//! user's reference, edit, delete (refused while bound), and "also in".

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::rules::{check_key_name, check_tag, rule, MAX_KEYS_PER_SCOPE, MAX_TAGS};
use super::{
    account_id, like_pattern, log, now, scope_label, DeletedKey, Inventory, InventoryError, KeyFilter, KeyPair, Origin,
    Result, Scope,
};
use crate::keys::{normalize_fingerprint, BulkLineError, FingerprintQuery, KeyInfo};

/// A key pair to add.
#[derive(Debug, Clone)]
pub struct NewKeyPair {
    pub name: String,
    pub description: String,
    pub account: Option<String>,
    pub region: String,
    pub info: KeyInfo,
    pub origin: Origin,
    pub private_key_path: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// Changes to a key pair; `None` and empty lists leave things as they are.
#[derive(Debug, Clone, Default)]
pub struct KeyEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    pub set_tags: Vec<(String, String)>,
    pub remove_tags: Vec<String>,
}

/// What a bulk import did.
#[derive(Debug, Clone, Default)]
pub struct BulkImportReport {
    /// `(line, name given)` for every key imported.
    pub imported: Vec<(usize, String)>,
    /// Lines that were skipped (only with skip-invalid).
    pub skipped: Vec<BulkLineError>,
}

const SELECT_KEYS: &str = "SELECT k.id, k.name, k.description, k.account_id, a.name, k.region, k.algorithm, k.bits,
        k.comment, k.public_key, k.fingerprint_sha256, k.fingerprint_md5, k.aws_fingerprint, k.origin,
        k.private_key_path, k.weak, k.created_at, k.updated_at
    FROM key_pairs k LEFT JOIN accounts a ON a.id = k.account_id";

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<KeyPair> {
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
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
        tags: Vec::new(),
        hosts: Vec::new(),
    })
}

/// Fills in tags and bound hosts with two queries for the whole list, not two per key.
fn attach_details(conn: &Connection, keys: &mut [KeyPair]) -> Result<()> {
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

fn check_tags(tags: &[(String, String)]) -> Result<()> {
    for (k, v) in tags {
        rule(check_tag(k, v))?;
    }
    Ok(())
}

fn scope_count(conn: &Connection, account: Option<i64>, region: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM key_pairs WHERE ifnull(account_id, 0) = ifnull(?1, 0) AND region = ?2",
        params![account, region],
        |r| r.get(0),
    )?)
}

fn name_taken(conn: &Connection, account: Option<i64>, region: &str, name: &str, except: i64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM key_pairs WHERE ifnull(account_id, 0) = ifnull(?1, 0) AND region = ?2 AND name = ?3 AND id != ?4",
            params![account, region, name, except],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn quota_error(account: Option<&str>, region: &str) -> InventoryError {
    InventoryError::Rule(format!(
        "{} already has {MAX_KEYS_PER_SCOPE} key pairs, the most one account may have in a region; delete some or use another region",
        scope_label(account, region)
    ))
}

fn insert_key(tx: &rusqlite::Transaction<'_>, new: &NewKeyPair, account: Option<i64>, at: i64) -> Result<i64> {
    let i = &new.info;
    tx.prepare_cached(
        "INSERT INTO key_pairs (name, description, account_id, region, algorithm, bits, comment, public_key,
            fingerprint_sha256, fingerprint_md5, aws_fingerprint, origin, private_key_path, weak, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)",
    )?
    .execute(params![
        new.name,
        new.description,
        account,
        new.region,
        i.algorithm,
        i.bits,
        i.comment,
        i.openssh,
        i.fingerprint_sha256,
        i.fingerprint_md5,
        i.aws_fingerprint,
        new.origin.as_str(),
        new.private_key_path.as_deref().map(|p| super::private_key_location(std::path::Path::new(p))),
        i.weak,
        at,
    ])?;
    let id = tx.last_insert_rowid();
    for (k, v) in &new.tags {
        tx.prepare_cached("INSERT OR REPLACE INTO tags (key_pair_id, key, value) VALUES (?1, ?2, ?3)")?
            .execute(params![id, k, v])?;
    }
    Ok(id)
}

/// Turns a comment such as `alice@laptop` into a valid key pair name (`alice-laptop`).
pub fn name_from_comment(comment: &str) -> Option<String> {
    let mut s: String = comment
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':') { c } else { '-' })
        .collect();
    s = s.trim_start_matches(|c: char| !c.is_ascii_alphabetic()).trim_end_matches('-').to_string();
    s.truncate(120);
    (s.len() >= 2).then_some(s)
}

/// Checks that a new key pair may take this name in this scope; returns the account id.
fn check_new(conn: &Connection, name: &str, account_name: Option<&str>, region: &str) -> Result<Option<i64>> {
    rule(check_key_name(name))?;
    let account = account_id(conn, account_name)?;
    if name_taken(conn, account, region, name, 0)? {
        return Err(InventoryError::Rule(format!(
            "A key pair named '{name}' already exists in {}; names must be unique within an account and region",
            scope_label(account_name, region)
        )));
    }
    // The quota mirrors the clouds' per-account, per-region limit; key pairs kept
    // outside any account are a local collection and have no such limit.
    if account.is_some() && scope_count(conn, account, region)? >= MAX_KEYS_PER_SCOPE {
        return Err(quota_error(account_name, region));
    }
    Ok(account)
}

impl Inventory {
    /// Checks, without changing anything, that a key pair could be added under this
    /// name: lets callers refuse before slow work such as RSA generation.
    pub fn check_new_key(&self, name: &str, account: Option<&str>, region: &str) -> Result<()> {
        check_new(&self.conn, name, account, region).map(|_| ())
    }

    /// Adds one key pair after checking the name rules, uniqueness within its account
    /// and region, the per-region quota and the tags.
    pub fn add_key(&mut self, new: &NewKeyPair) -> Result<KeyPair> {
        rule(check_key_name(&new.name))?;
        check_tags(&new.tags)?;
        if new.tags.len() > MAX_TAGS {
            return Err(InventoryError::Rule(format!("A key pair can have at most {MAX_TAGS} tags")));
        }
        let tx = self.write()?;
        let account = check_new(&tx, &new.name, new.account.as_deref(), &new.region)?;
        let id = insert_key(&tx, new, account, now())?;
        let what = if new.origin == Origin::Generated { "create" } else { "import" };
        let detail = format!(
            "{} {} in {}",
            crate::keys::type_label(&new.info.algorithm, new.info.bits),
            new.info.fingerprint_sha256,
            scope_label(new.account.as_deref(), &new.region)
        );
        log(&tx, what, &new.name, &detail)?;
        tx.commit()?;
        self.key(id)
    }

    /// Imports many keys in one transaction: all of them or, on any error, none.
    /// Names are chosen by [`super::import_names`] (a chosen name, the comment, or
    /// `name_prefix` + a number), unique within the scope; quota and name rules apply.
    pub fn import_bulk(
        &mut self,
        keys: &[super::ImportKey],
        scope: &Scope,
        name_prefix: Option<&str>,
        skipped: Vec<BulkLineError>,
    ) -> Result<BulkImportReport> {
        let region = scope.region.clone().unwrap_or_default();
        if let Some(p) = name_prefix {
            rule(check_key_name(&format!("{p}1")).map_err(|e| format!("Name prefix: {e}")))?;
        }
        let _cache = BulkCache::new(&self.conn)?;
        let tx = self.write()?;
        let account = account_id(&tx, scope.account.as_deref())?;
        let mut taken: HashSet<String> = {
            let mut st =
                tx.prepare("SELECT name FROM key_pairs WHERE ifnull(account_id, 0) = ifnull(?1, 0) AND region = ?2")?;
            let names = st.query_map(params![account, region], |r| r.get::<_, String>(0))?;
            names.collect::<std::result::Result<_, _>>()?
        };
        if account.is_some() && taken.len() as i64 + keys.len() as i64 > MAX_KEYS_PER_SCOPE {
            return Err(InventoryError::Rule(format!(
                "importing {} key pairs would take {} past {MAX_KEYS_PER_SCOPE}, the most one account may have in a region (it has {})",
                keys.len(),
                scope_label(scope.account.as_deref(), &region),
                taken.len()
            )));
        }
        let names = super::import_names(keys, name_prefix, |n| taken.contains(n));
        let deferred = DeferredIndexes::drop_if_worth_it(&tx, keys.len())?;
        let at = now();
        let mut report = BulkImportReport { imported: Vec::with_capacity(keys.len()), skipped };
        for (key, name) in keys.iter().zip(names) {
            let line = key.line;
            rule(check_key_name(&name).map_err(|e| format!("line {line}: {e}")))?;
            if !taken.insert(name.clone()) {
                return Err(InventoryError::Rule(format!(
                    "line {line}: a key pair named '{name}' already exists in {}; names must be unique within an account and region",
                    scope_label(scope.account.as_deref(), &region)
                )));
            }
            let new = NewKeyPair {
                name: name.clone(),
                description: String::new(),
                account: scope.account.clone(),
                region: region.clone(),
                info: key.info.clone(),
                origin: Origin::Imported,
                private_key_path: key.private_key_path.clone(),
                tags: Vec::new(),
            };
            insert_key(&tx, &new, account, at)?;
            report.imported.push((line, name));
        }
        let detail = format!(
            "{} key pairs into {}{}",
            report.imported.len(),
            scope_label(scope.account.as_deref(), &region),
            if report.skipped.is_empty() { String::new() } else { format!(", {} lines skipped", report.skipped.len()) }
        );
        log(&tx, "bulk import", &scope_label(scope.account.as_deref(), &region), &detail)?;
        deferred.recreate(&tx)?;
        tx.commit()?;
        Ok(report)
    }

    /// One key pair by id, with its tags and hosts.
    pub fn key(&self, id: i64) -> Result<KeyPair> {
        let mut k = self
            .conn
            .query_row(&format!("{SELECT_KEYS} WHERE k.id = ?1"), [id], key_from_row)
            .optional()?
            .ok_or_else(|| InventoryError::NotFound(format!("no key pair with id {id}")))?;
        attach_details(&self.conn, std::slice::from_mut(&mut k))?;
        Ok(k)
    }

    /// Key pairs matching the filter, ordered by name, with tags and hosts.
    pub fn list_keys(&self, f: &KeyFilter) -> Result<Vec<KeyPair>> {
        let search = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let like = search.map(like_pattern);
        let (sha, hex) = match search.and_then(normalize_fingerprint) {
            Some(FingerprintQuery::Sha256(s)) => (Some(format!("SHA256:{s}")), None),
            Some(FingerprintQuery::Hex(h)) => (None, Some(h)),
            None => (None, None),
        };
        let md5 = hex.as_ref().map(|h| format!("MD5:{h}"));
        let sql = format!(
            "{SELECT_KEYS} WHERE (?1 IS NULL OR a.name = ?1) AND (?2 IS NULL OR k.region = ?2)
             AND (?3 IS NULL
                  OR k.name LIKE ?3 ESCAPE '\\' OR k.comment LIKE ?3 ESCAPE '\\' OR k.description LIKE ?3 ESCAPE '\\'
                  OR k.fingerprint_sha256 LIKE ?3 ESCAPE '\\' OR k.fingerprint_md5 LIKE ?3 ESCAPE '\\'
                  OR k.fingerprint_sha256 = ?4 OR k.fingerprint_md5 = ?5 OR k.aws_fingerprint = ?6
                  OR EXISTS (SELECT 1 FROM tags t WHERE t.key_pair_id = k.id AND (t.key || '=' || t.value) LIKE ?3 ESCAPE '\\'))
             ORDER BY k.name, k.id"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(params![f.account, f.region, like, sha, md5, hex], key_from_row)?;
        let mut keys: Vec<KeyPair> = rows.collect::<std::result::Result<_, _>>()?;
        attach_details(&self.conn, &mut keys)?;
        Ok(keys)
    }

    /// Finds the one key pair a user means by `query`: an id, a name (narrowed by the
    /// scope where it is not unique) or any fingerprint form.
    pub fn resolve_key(&self, query: &str, scope: &Scope) -> Result<KeyPair> {
        let q = query.trim();
        if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(id) = q.parse::<i64>() {
                return self.key(id);
            }
        }
        let in_scope = |k: &KeyPair| {
            scope.account.as_ref().is_none_or(|a| k.account.as_ref() == Some(a))
                && scope.region.as_ref().is_none_or(|r| &k.region == r)
        };
        let mut st = self.conn.prepare(&format!("{SELECT_KEYS} WHERE k.name = ?1 ORDER BY k.id"))?;
        let mut found: Vec<KeyPair> = st.query_map([q], key_from_row)?.collect::<std::result::Result<Vec<_>, _>>()?;
        found.retain(in_scope);
        if found.is_empty() {
            if let Some(fp) = normalize_fingerprint(q) {
                let (col, val) = match fp {
                    FingerprintQuery::Sha256(s) => ("k.fingerprint_sha256 = ?1", format!("SHA256:{s}")),
                    FingerprintQuery::Hex(h) => ("(k.fingerprint_md5 = 'MD5:' || ?1 OR k.aws_fingerprint = ?1)", h),
                };
                let mut st = self.conn.prepare(&format!("{SELECT_KEYS} WHERE {col} ORDER BY k.id"))?;
                found = st.query_map([val], key_from_row)?.collect::<std::result::Result<Vec<_>, _>>()?;
                found.retain(in_scope);
            }
        }
        match found.len() {
            0 => Err(InventoryError::NotFound(format!(
                "no key pair '{q}'{} (see `keyshelf key list`)",
                if scope.account.is_some() || scope.region.is_some() {
                    format!(" in {}", scope_label(scope.account.as_deref(), scope.region.as_deref().unwrap_or("")))
                } else {
                    String::new()
                }
            ))),
            1 => {
                let mut k = found.remove(0);
                attach_details(&self.conn, std::slice::from_mut(&mut k))?;
                Ok(k)
            }
            _ => Err(InventoryError::Ambiguous {
                query: q.to_string(),
                candidates: found.iter().map(|k| format!("{} (id {}, {})", k.name, k.id, k.scope_label())).collect(),
            }),
        }
    }

    /// Renames, re-describes and re-tags a key pair in one transaction.
    pub fn edit_key(&mut self, id: i64, edit: &KeyEdit) -> Result<KeyPair> {
        if let Some(n) = &edit.name {
            rule(check_key_name(n))?;
        }
        check_tags(&edit.set_tags)?;
        let tx = self.write()?;
        let old = self.key(id)?;
        let mut changes = Vec::new();
        if let Some(n) = edit.name.as_ref().filter(|n| **n != old.name) {
            if name_taken(&tx, old.account_id, &old.region, n, id)? {
                return Err(InventoryError::Rule(format!(
                    "A key pair named '{n}' already exists in {}; names must be unique within an account and region",
                    old.scope_label()
                )));
            }
            tx.execute("UPDATE key_pairs SET name = ?1 WHERE id = ?2", params![n, id])?;
            changes.push(format!("renamed from '{}'", old.name));
        }
        if let Some(d) = edit.description.as_ref().filter(|d| **d != old.description) {
            tx.execute("UPDATE key_pairs SET description = ?1 WHERE id = ?2", params![d, id])?;
            changes.push("description changed".to_string());
        }
        for k in &edit.remove_tags {
            if tx.execute("DELETE FROM tags WHERE key_pair_id = ?1 AND key = ?2", params![id, k])? > 0 {
                changes.push(format!("untagged {k}"));
            }
        }
        for (k, v) in &edit.set_tags {
            tx.execute("INSERT OR REPLACE INTO tags (key_pair_id, key, value) VALUES (?1, ?2, ?3)", params![id, k, v])?;
            changes.push(format!("tagged {k}={v}"));
        }
        let tags: i64 = tx.query_row("SELECT count(*) FROM tags WHERE key_pair_id = ?1", [id], |r| r.get(0))?;
        if tags as usize > MAX_TAGS {
            return Err(InventoryError::Rule(format!("A key pair can have at most {MAX_TAGS} tags")));
        }
        if !changes.is_empty() {
            tx.execute("UPDATE key_pairs SET updated_at = ?1 WHERE id = ?2", params![now(), id])?;
            let name = edit.name.as_deref().unwrap_or(&old.name);
            log(&tx, "edit", name, &changes.join(", "))?;
        }
        tx.commit()?;
        self.key(id)
    }

    /// Records where a key pair's private key was saved.
    pub fn set_private_key_path(&mut self, id: i64, path: &str) -> Result<()> {
        let path = &super::private_key_location(std::path::Path::new(path));
        let tx = self.write()?;
        let name: String = tx
            .query_row("SELECT name FROM key_pairs WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| InventoryError::NotFound(format!("no key pair with id {id}")))?;
        tx.execute(
            "UPDATE key_pairs SET private_key_path = ?1, updated_at = ?2 WHERE id = ?3",
            params![path, now(), id],
        )?;
        log(&tx, "save private key", &name, path)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes key pairs in one transaction. A key pair bound to a host is refused
    /// (naming the hosts) unless `unbind` is set, in which case it is unbound first.
    pub fn delete_keys(&mut self, ids: &[i64], unbind: bool) -> Result<Vec<DeletedKey>> {
        let tx = self.write()?;
        let keys: Vec<KeyPair> = ids.iter().map(|id| self.key(*id)).collect::<Result<_>>()?;
        if !unbind {
            if let Some(k) = keys.iter().find(|k| !k.hosts.is_empty()) {
                return Err(InventoryError::KeyBound { name: k.name.clone(), hosts: k.hosts.clone() });
            }
        }
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            tx.execute("DELETE FROM bindings WHERE key_pair_id = ?1", [k.id])?;
            let n = tx.execute("DELETE FROM key_pairs WHERE id = ?1", [k.id])?;
            if n == 0 {
                return Err(InventoryError::NotFound(format!("key pair '{}' was deleted meanwhile", k.name)));
            }
            let mut detail = format!("{} {} from {}", k.type_label(), k.fingerprint_sha256, k.scope_label());
            if !k.hosts.is_empty() {
                detail.push_str(&format!("; unbound from {}", k.hosts.join(", ")));
            }
            log(&tx, "delete", &k.name, &detail)?;
            out.push(DeletedKey {
                name: k.name,
                origin: k.origin,
                private_key_path: k.private_key_path,
                unbound_hosts: k.hosts,
            });
        }
        tx.commit()?;
        Ok(out)
    }

    /// Other key pairs holding the same public key: `name (account / region)`.
    pub fn also_in(&self, key: &KeyPair) -> Result<Vec<String>> {
        let mut st = self.conn.prepare(&format!(
            "{SELECT_KEYS} WHERE k.fingerprint_sha256 = ?1 AND k.id != ?2 ORDER BY a.name, k.region, k.name"
        ))?;
        let rows = st.query_map(params![key.fingerprint_sha256, key.id], key_from_row)?;
        let mut v = Vec::new();
        for k in rows {
            let k = k?;
            v.push(format!("{} ({})", k.name, k.scope_label()));
        }
        Ok(v)
    }

    /// Number of key pairs in the inventory.
    pub fn key_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM key_pairs", [], |r| r.get(0))?)
    }
}

/// The secondary indexes of `key_pairs`, dropped for a large bulk import and created
/// again before its commit, all inside its transaction (so a failure or a crash
/// leaves them as they were). Inserting thousands of random fingerprints and names
/// into five B-trees one by one costs more than sorting them once: `CREATE INDEX`
/// sorts. Worth it when the import brings at least as many rows as the table has.
/// The unique name index stays, so the constraint is checked as usual.
struct DeferredIndexes(Vec<String>);

impl DeferredIndexes {
    /// Fewer rows than this are cheaper to index one by one.
    const MIN_ROWS: usize = 1000;

    fn drop_if_worth_it(tx: &rusqlite::Transaction<'_>, incoming: usize) -> Result<DeferredIndexes> {
        if incoming < Self::MIN_ROWS {
            return Ok(DeferredIndexes(Vec::new()));
        }
        let existing: i64 = tx.query_row("SELECT count(*) FROM key_pairs", [], |r| r.get(0))?;
        if existing > incoming as i64 {
            return Ok(DeferredIndexes(Vec::new()));
        }
        // Their definitions come from the schema itself, so they cannot drift from
        // the migrations.
        let mut st = tx.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'key_pairs'
             AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
        )?;
        let indexes = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut sqls = Vec::with_capacity(indexes.len());
        for (name, sql) in indexes {
            tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
            sqls.push(sql);
        }
        Ok(DeferredIndexes(sqls))
    }

    fn recreate(self, tx: &rusqlite::Transaction<'_>) -> Result<()> {
        for sql in &self.0 {
            tx.execute_batch(sql)?;
        }
        Ok(())
    }
}

/// A page cache large enough for a bulk import's transaction, for its duration.
/// With SQLite's default (2 MB) the inserts into the table and its indexes spill
/// pages to the WAL mid-transaction and read them back: about a third of the
/// import's time for 10,000 keys. The pages are freed when the default returns.
struct BulkCache<'c> {
    conn: &'c rusqlite::Connection,
    before: i64,
}

impl<'c> BulkCache<'c> {
    /// 256 MiB at most; SQLite only allocates the pages it uses.
    const KIB: i64 = 256 * 1024;

    fn new(conn: &'c rusqlite::Connection) -> Result<BulkCache<'c>> {
        let before = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "cache_size", -Self::KIB)?;
        Ok(BulkCache { conn, before })
    }
}

impl Drop for BulkCache<'_> {
    fn drop(&mut self) {
        let _ = self.conn.pragma_update(None, "cache_size", self.before);
    }
}

#[cfg(test)]
mod tests {
    use super::name_from_comment;
    use crate::inventory::{Inventory, KeyFilter, Scope};
    use crate::keys::KeyInfo;

    fn fake_keys(from: usize, n: usize) -> Vec<super::super::ImportKey> {
        (from..from + n)
            .map(|i| {
                let info = KeyInfo {
                    algorithm: "ssh-ed25519".into(),
                    bits: 256,
                    comment: format!("user{i}@host"),
                    openssh: format!("ssh-ed25519 AAAA{i} user{i}@host"),
                    fingerprint_sha256: format!("SHA256:{i:043}"),
                    fingerprint_md5: format!("MD5:{i:032x}"),
                    aws_fingerprint: Some(format!("{i:043}=")),
                    weak: false,
                };
                super::super::ImportKey::new(i + 1, info)
            })
            .collect()
    }

    fn indexes(inv: &Inventory) -> Vec<(String, String)> {
        let mut st = inv
            .conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0).unwrap(), r.get(1).unwrap()))).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn large_bulk_imports_rebuild_the_indexes_they_drop() {
        let dir = tempfile::tempdir().unwrap();
        let mut inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        let before = indexes(&inv);
        assert!(before.len() >= 6, "{before:?}");
        // Large (the indexes are dropped and made again), then small (kept as they are).
        inv.import_bulk(&fake_keys(0, 1500), &Scope::default(), None, Vec::new()).unwrap();
        assert_eq!(indexes(&inv), before);
        inv.import_bulk(&fake_keys(1500, 10), &Scope::default(), None, Vec::new()).unwrap();
        assert_eq!(indexes(&inv), before);
        let all = inv.list_keys(&KeyFilter::default()).unwrap();
        assert_eq!(all.len(), 1510);
        // The rebuilt indexes hold every row: lookups through each of them find them.
        let n: i64 = inv
            .conn
            .query_row(
                "SELECT count(*) FROM key_pairs INDEXED BY key_pairs_md5 WHERE fingerprint_md5 >= 'MD5:'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1510);
        let found = inv.resolve_key("user777-host", &Scope::default()).unwrap();
        assert_eq!(found.fingerprint_md5, format!("MD5:{:032x}", 777));
        let found = inv.resolve_key(&format!("SHA256:{:043}", 1234), &Scope::default()).unwrap();
        assert_eq!(found.name, "user1234-host");
        let ok: String = inv.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
    }

    #[test]
    fn comments_become_valid_names() {
        assert_eq!(name_from_comment("alice@laptop").as_deref(), Some("alice-laptop"));
        assert_eq!(name_from_comment("  9 lives ").as_deref(), Some("lives"));
        assert_eq!(name_from_comment("@@").as_deref(), None);
    }
}
