//! Bulk import: many keys into one scope in one transaction, named after their comments
//! or a prefix, with the index and page-cache tuning that keeps 10,000 keys fast.

use std::collections::HashSet;

use rusqlite::params;

use super::key_pairs::{insert_key, scope_quota, NewKeyPair};
use super::rules::{check_key_name, rule};
use super::{account_id, log, now, scope_label, Inventory, InventoryError, Origin, Result, Scope};
use crate::keys::BulkLineError;

/// What a bulk import did.
#[derive(Debug, Clone, Default)]
pub struct BulkImportReport {
    /// `(line, name given)` for every key imported.
    pub imported: Vec<(usize, String)>,
    /// Lines that were skipped (only with skip-invalid).
    pub skipped: Vec<BulkLineError>,
}

impl Inventory {
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
        if let Some((quota, provider)) = scope_quota(&tx, account)? {
            if taken.len() as i64 + keys.len() as i64 > quota {
                return Err(InventoryError::Rule(format!(
                    "importing {} key pairs would take {} past {quota}, the most one {provider} account may have in a region (it has {})",
                    keys.len(),
                    scope_label(scope.account.as_deref(), &region),
                    taken.len()
                )));
            }
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
}

/// The secondary indexes of `key_pairs`, dropped for a large bulk import and created
/// again before its commit, all inside its transaction (so a failure or a crash
/// leaves them as they were). Inserting thousands of random fingerprints and names
/// into five B-trees one by one costs more than sorting them once: `CREATE INDEX`
/// sorts. Worth it when the import brings at least as many rows as the table has.
/// The unique name index stays, so the constraint is checked as usual.
pub(super) struct DeferredIndexes(Vec<String>);

impl DeferredIndexes {
    /// Fewer rows than this are cheaper to index one by one.
    const MIN_ROWS: usize = 1000;

    pub(super) fn drop_if_worth_it(tx: &rusqlite::Transaction<'_>, incoming: usize) -> Result<DeferredIndexes> {
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

    pub(super) fn recreate(self, tx: &rusqlite::Transaction<'_>) -> Result<()> {
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
pub(super) struct BulkCache<'c> {
    conn: &'c rusqlite::Connection,
    before: i64,
}

impl<'c> BulkCache<'c> {
    /// 256 MiB at most; SQLite only allocates the pages it uses.
    const KIB: i64 = 256 * 1024;

    pub(super) fn new(conn: &'c rusqlite::Connection) -> Result<BulkCache<'c>> {
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
    use crate::inventory::{Inventory, KeyFilter, Scope};
    use crate::keys::KeyInfo;

    fn fake_keys(from: usize, n: usize) -> Vec<crate::inventory::ImportKey> {
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
                crate::inventory::ImportKey::new(i + 1, info)
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
}
