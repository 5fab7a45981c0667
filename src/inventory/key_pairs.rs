//! Key pairs one at a time: add (generated or imported), look up by id or by a user's
//! reference, edit, delete (refused while bound), and "also in". Listing is in
//! `listing`, bulk import in `bulk`.

use rusqlite::{params, Connection, OptionalExtension};

use super::dates::format_date;
use super::listing::{attach_details, key_from_row, SELECT_KEYS};
use super::rules::{check_key_name, check_owner, check_tag, rule, MAX_TAGS};
use super::{
    account_id, log, now, scope_label, DeletedKey, Inventory, InventoryError, KeyPair, Origin, Provider, Result, Scope,
};
use crate::keys::{normalize_fingerprint, FingerprintQuery, KeyInfo};

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

/// How [`Inventory::delete_keys`] treats a key pair that is still in use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteHow {
    /// Unbind it from its hosts first (else a bound key pair is refused).
    pub unbind: bool,
    /// Delete it here although a cloud account still holds it (else refused, so the
    /// user can delete it there first).
    pub keep_in_cloud: bool,
}

/// Changes to a key pair; `None` and empty lists leave things as they are.
#[derive(Debug, Clone, Default)]
pub struct KeyEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    pub set_tags: Vec<(String, String)>,
    pub remove_tags: Vec<String>,
    /// A new owner (`Some("")` clears it).
    pub owner: Option<String>,
    /// `Some(Some(date))` sets the rotate-by date, `Some(None)` removes it.
    pub rotate_by: Option<Option<time::Date>>,
    /// Moves it to another account (`None`: no account) and region (empty: none), with
    /// the same checks as a new key pair there: the name free, the account's quota.
    pub move_to: Option<(Option<String>, String)>,
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

/// The most key pairs the account may hold in one region, by its provider's rules;
/// `None` (no limit) outside any account.
pub(super) fn scope_quota(conn: &Connection, account: Option<i64>) -> Result<Option<(i64, Provider)>> {
    let Some(id) = account else { return Ok(None) };
    let slug: String = conn.query_row("SELECT provider FROM accounts WHERE id = ?1", [id], |r| r.get(0))?;
    let provider = Provider::parse(&slug).unwrap_or(Provider::Other);
    Ok(Some((provider.rules().quota, provider)))
}

fn quota_error(account: Option<&str>, region: &str, quota: i64, provider: Provider) -> InventoryError {
    InventoryError::Rule(format!(
        "{} already has {quota} key pairs, the most one {provider} account may have in a region; delete some or use another region",
        scope_label(account, region)
    ))
}

pub(super) fn insert_key(
    tx: &rusqlite::Transaction<'_>,
    new: &NewKeyPair,
    account: Option<i64>,
    at: i64,
) -> Result<i64> {
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
pub(super) fn check_new(
    conn: &Connection,
    name: &str,
    account_name: Option<&str>,
    region: &str,
) -> Result<Option<i64>> {
    rule(check_key_name(name))?;
    let account = account_id(conn, account_name)?;
    if name_taken(conn, account, region, name, 0)? {
        return Err(InventoryError::Rule(format!(
            "A key pair named '{name}' already exists in {}; names must be unique within an account and region",
            scope_label(account_name, region)
        )));
    }
    // The quota mirrors the account's cloud's per-region limit; key pairs kept outside
    // any account are a local collection and have no such limit.
    if let Some((quota, provider)) = scope_quota(conn, account)? {
        if scope_count(conn, account, region)? >= quota {
            return Err(quota_error(account_name, region, quota, provider));
        }
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

    /// Renames, re-describes, re-tags, re-owns and re-dates a key pair in one transaction.
    pub fn edit_key(&mut self, id: i64, edit: &KeyEdit) -> Result<KeyPair> {
        if let Some(n) = &edit.name {
            rule(check_key_name(n))?;
        }
        let owner = edit.owner.as_deref().map(str::trim);
        if let Some(o) = owner {
            rule(check_owner(o))?;
        }
        check_tags(&edit.set_tags)?;
        let tx = self.write()?;
        let old = self.key(id)?;
        let mut changes = Vec::new();
        // Where it ends up, and under which name: both must be free there.
        let (to_account, to_region) = match &edit.move_to {
            Some((a, r)) => (a.as_deref().map(str::trim).filter(|a| !a.is_empty()), r.trim()),
            None => (old.account.as_deref(), old.region.as_str()),
        };
        let moving = to_account != old.account.as_deref() || to_region != old.region;
        let to_account_id = if moving { account_id(&tx, to_account)? } else { old.account_id };
        if moving && !to_region.is_empty() {
            super::rules::check_region(to_region)?;
        }
        let to_name = edit.name.as_deref().unwrap_or(&old.name);
        if (to_name != old.name || moving) && name_taken(&tx, to_account_id, to_region, to_name, id)? {
            return Err(InventoryError::Rule(format!(
                "A key pair named '{to_name}' already exists in {}; names must be unique within an account and region",
                scope_label(to_account, to_region)
            )));
        }
        if let Some(n) = edit.name.as_ref().filter(|n| **n != old.name) {
            tx.execute("UPDATE key_pairs SET name = ?1 WHERE id = ?2", params![n, id])?;
            changes.push(format!("renamed from '{}'", old.name));
        }
        if moving {
            if let Some((quota, provider)) = scope_quota(&tx, to_account_id)? {
                if scope_count(&tx, to_account_id, to_region)? >= quota {
                    return Err(quota_error(to_account, to_region, quota, provider));
                }
            }
            tx.execute(
                "UPDATE key_pairs SET account_id = ?1, region = ?2 WHERE id = ?3",
                params![to_account_id, to_region, id],
            )?;
            changes.push(format!("moved from {} to {}", old.scope_label(), scope_label(to_account, to_region)));
        }
        if let Some(d) = edit.description.as_ref().filter(|d| **d != old.description) {
            tx.execute("UPDATE key_pairs SET description = ?1 WHERE id = ?2", params![d, id])?;
            changes.push("description changed".to_string());
        }
        if let Some(o) = owner.filter(|o| *o != old.owner) {
            tx.execute("UPDATE key_pairs SET owner = ?1 WHERE id = ?2", params![o, id])?;
            changes.push(if o.is_empty() { "owner removed".to_string() } else { format!("owner {o}") });
        }
        if let Some(d) = edit.rotate_by.filter(|d| *d != old.rotate_by) {
            tx.execute("UPDATE key_pairs SET rotate_by = ?1 WHERE id = ?2", params![d.map(format_date), id])?;
            changes.push(match d {
                Some(d) => format!("rotate by {}", format_date(d)),
                None => "rotate-by date removed".to_string(),
            });
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
    pub fn delete_keys(&mut self, ids: &[i64], how: DeleteHow) -> Result<Vec<DeletedKey>> {
        let tx = self.write()?;
        let keys: Vec<KeyPair> = ids.iter().map(|id| self.key(*id)).collect::<Result<_>>()?;
        if !how.unbind {
            if let Some(k) = keys.iter().find(|k| !k.hosts.is_empty()) {
                return Err(InventoryError::KeyBound { name: k.name.clone(), hosts: k.hosts.clone() });
            }
        }
        if !how.keep_in_cloud {
            for k in &keys {
                let places: Vec<String> = self
                    .cloud_links_of_key(k.id)?
                    .into_iter()
                    .map(|l| {
                        if l.name == k.name {
                            scope_label(Some(&l.account), &l.region)
                        } else {
                            format!("{} as '{}'", scope_label(Some(&l.account), &l.region), l.name)
                        }
                    })
                    .collect();
                if !places.is_empty() {
                    return Err(InventoryError::KeyInCloud { name: k.name.clone(), places });
                }
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

    /// The key pairs holding this public key, in `account` when one is given (else in
    /// any account), in `list_keys` order. One indexed query; tags and hosts are not read.
    pub fn keys_with_fingerprint(&self, fingerprint_sha256: &str, account: Option<&str>) -> Result<Vec<KeyPair>> {
        let mut st = self.conn.prepare(&format!(
            "{SELECT_KEYS} WHERE k.fingerprint_sha256 = ?1 AND (?2 IS NULL OR a.name = ?2) ORDER BY k.name, k.id"
        ))?;
        let keys =
            st.query_map(params![fingerprint_sha256, account], key_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }

    /// Number of key pairs in the inventory.
    pub fn key_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM key_pairs", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::name_from_comment;
    use crate::inventory::{Inventory, KeyEdit, NewKeyPair, Origin, Provider};

    const KEYS: [&str; 4] = crate::keys::TEST_ED25519;

    fn add(inv: &mut Inventory, name: &str, account: Option<&str>, region: &str) -> i64 {
        let n = inv.key_count().unwrap() as usize;
        let info = crate::keys::parse_key(KEYS[n].as_bytes()).unwrap().info;
        let new = NewKeyPair {
            name: name.into(),
            description: String::new(),
            account: account.map(String::from),
            region: region.into(),
            info,
            origin: Origin::Imported,
            private_key_path: None,
            tags: vec![],
        };
        inv.add_key(&new).unwrap().id
    }

    #[test]
    fn a_key_pair_moves_into_an_account_with_the_checks_of_a_new_one_there() {
        let dir = tempfile::tempdir().unwrap();
        let mut inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        inv.add_account("prod", Provider::Aws, "").unwrap();
        let laptop = add(&mut inv, "laptop", None, "");
        add(&mut inv, "taken", Some("prod"), "us-east-1");
        let to =
            |a: Option<&str>, r: &str| KeyEdit { move_to: Some((a.map(String::from), r.into())), ..Default::default() };

        let k = inv.edit_key(laptop, &to(Some("prod"), "us-east-1")).unwrap();
        assert_eq!((k.account.as_deref(), k.region.as_str()), (Some("prod"), "us-east-1"));
        let log = inv.activity(1, None).unwrap();
        assert!(log[0].detail.contains("moved from no account to prod / us-east-1"), "{:?}", log[0]);

        // A name taken there, an unknown account, a bad region: refused, nothing moved.
        let other = add(&mut inv, "taken", None, "");
        let e = inv.edit_key(other, &to(Some("prod"), "us-east-1")).unwrap_err();
        assert!(e.to_string().contains("already exists in prod / us-east-1"), "{e}");
        let renamed = KeyEdit { name: Some("taken-2".into()), ..to(Some("prod"), "us-east-1") };
        assert_eq!(inv.edit_key(other, &renamed).unwrap().name, "taken-2", "renamed and moved at once");
        assert!(inv.edit_key(laptop, &to(Some("nobody"), "")).is_err());
        assert!(inv.edit_key(laptop, &to(Some("prod"), "US East")).is_err());
        assert_eq!(inv.key(laptop).unwrap().region, "us-east-1");
        // Back out of any account.
        let k = inv.edit_key(laptop, &to(None, "")).unwrap();
        assert_eq!((k.account, k.region.as_str()), (None, ""));
    }

    #[test]
    fn comments_become_valid_names() {
        assert_eq!(name_from_comment("alice@laptop").as_deref(), Some("alice-laptop"));
        assert_eq!(name_from_comment("  9 lives ").as_deref(), Some("lives"));
        assert_eq!(name_from_comment("@@").as_deref(), None);
    }
}
