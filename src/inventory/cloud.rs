//! What the inventory remembers of clouds: per account and region, the key pairs a
//! cloud held when last read, each linked to the inventory's key pair of the same key.
//! A pull adds the cloud's unknown key pairs through the same insert path (names,
//! quota) as every other way in.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::key_pairs::{check_new, insert_key};
use super::listing::key_from_row;
use super::{log, name_from_comment, now, scope_label, Inventory, InventoryError, KeyPair, NewKeyPair, Origin, Result};

/// A key pair as a cloud region showed it; what the inventory keeps of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudSeen {
    pub name: String,
    pub cloud_id: String,
    /// `SHA256:…` of the key blob, when the cloud gave the public key.
    pub fingerprint_sha256: Option<String>,
    /// The OpenSSH line, when the cloud gave it (needed to add it in a pull).
    pub public_key: Option<String>,
}

/// A key pair the inventory knows to be in a cloud region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudLink {
    pub account: String,
    pub region: String,
    /// Its name in the cloud.
    pub name: String,
    pub cloud_id: String,
    pub fingerprint_sha256: Option<String>,
    /// The inventory's key pair with this key: `(id, name)`.
    pub key_pair: Option<(i64, String)>,
    /// When it was last seen there (Unix seconds).
    pub seen_at: i64,
}

/// What a pull did in one region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Key pairs added to the inventory: `(region, name)`.
    pub added: Vec<(String, String)>,
    /// Cloud key pairs now linked to a key pair the inventory already held.
    pub linked: Vec<(String, String)>,
    /// `(region, cloud name, why)`: not added, nothing overwritten.
    pub conflicts: Vec<(String, String, String)>,
}

const SELECT_LINKS: &str =
    "SELECT a.name, c.region, c.name, c.cloud_id, c.fingerprint_sha256, c.key_pair_id, k.name, c.seen_at
     FROM cloud_keys c JOIN accounts a ON a.id = c.account_id LEFT JOIN key_pairs k ON k.id = c.key_pair_id";

fn link_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CloudLink> {
    let id: Option<i64> = r.get(5)?;
    let name: Option<String> = r.get(6)?;
    Ok(CloudLink {
        account: r.get(0)?,
        region: r.get(1)?,
        name: r.get(2)?,
        cloud_id: r.get(3)?,
        fingerprint_sha256: r.get(4)?,
        key_pair: id.zip(name),
        seen_at: r.get(7)?,
    })
}

fn account_of(tx: &rusqlite::Connection, account: &str) -> Result<i64> {
    tx.query_row("SELECT id FROM accounts WHERE name = ?1", [account], |r| r.get(0))
        .optional()?
        .ok_or_else(|| InventoryError::NotFound(format!("no account named '{account}'")))
}

/// The key pair a cloud key is: the one already linked under this name, else one with
/// the same key in this account and region, in this account, anywhere.
fn key_pair_for(tx: &Transaction<'_>, account_id: i64, region: &str, seen: &CloudSeen) -> Result<Option<i64>> {
    let Some(fp) = &seen.fingerprint_sha256 else { return Ok(None) };
    let linked: Option<i64> = tx
        .query_row(
            "SELECT c.key_pair_id FROM cloud_keys c JOIN key_pairs k ON k.id = c.key_pair_id
             WHERE c.account_id = ?1 AND c.region = ?2 AND c.name = ?3 AND k.fingerprint_sha256 = ?4",
            params![account_id, region, seen.name, fp],
            |r| r.get(0),
        )
        .optional()?;
    if linked.is_some() {
        return Ok(linked);
    }
    Ok(tx
        .query_row(
            "SELECT id FROM key_pairs WHERE fingerprint_sha256 = ?1
             ORDER BY (ifnull(account_id, 0) = ?2 AND region = ?3) DESC, ifnull(account_id, 0) = ?2 DESC,
                      (account_id IS NULL) DESC, id
             LIMIT 1",
            params![fp, account_id, region],
            |r| r.get(0),
        )
        .optional()?)
}

fn upsert(
    tx: &Transaction<'_>,
    account_id: i64,
    region: &str,
    seen: &CloudSeen,
    key_pair: Option<i64>,
    at: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO cloud_keys (account_id, region, name, cloud_id, fingerprint_sha256, key_pair_id, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (account_id, region, name) DO UPDATE SET cloud_id = excluded.cloud_id,
             fingerprint_sha256 = excluded.fingerprint_sha256, key_pair_id = excluded.key_pair_id, seen_at = excluded.seen_at",
    )?
    .execute(params![account_id, region, seen.name, seen.cloud_id, seen.fingerprint_sha256, key_pair, at])?;
    Ok(())
}

/// The local name of a pulled key pair whose cloud name keeps no ASCII letter.
const PULLED_NAME: &str = "cloud-key";

/// A key pair name the inventory takes for a cloud name it may not (AWS allows spaces
/// and most ASCII, Alibaba Cloud names of Chinese characters only), unique in its
/// scope: the name made ASCII, else [`PULLED_NAME`]. The cloud's link keeps the cloud's
/// name.
fn local_name(tx: &Transaction<'_>, account: &str, region: &str, cloud_name: &str) -> Result<Option<String>> {
    if super::check_key_name(cloud_name).is_ok() {
        return Ok(Some(cloud_name.to_string()));
    }
    let base = name_from_comment(cloud_name).unwrap_or_else(|| PULLED_NAME.to_string());
    for n in 0..1000 {
        let candidate = if n == 0 { base.clone() } else { format!("{base}-{n}") };
        if check_new(tx, &candidate, Some(account), region).is_ok() {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

impl Inventory {
    /// What the inventory knows to be in this account's region (as last read).
    pub fn cloud_links(&self, account: &str, region: &str) -> Result<Vec<CloudLink>> {
        let mut st =
            self.conn.prepare(&format!("{SELECT_LINKS} WHERE a.name = ?1 AND c.region = ?2 ORDER BY c.name"))?;
        let rows = st.query_map(params![account, region], link_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every cloud region a key pair was last seen in.
    pub fn cloud_links_of_key(&self, key_pair_id: i64) -> Result<Vec<CloudLink>> {
        let mut st =
            self.conn.prepare(&format!("{SELECT_LINKS} WHERE c.key_pair_id = ?1 ORDER BY a.name, c.region, c.name"))?;
        let rows = st.query_map([key_pair_id], link_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The inventory's side of a region: the account's key pairs in that region, and
    /// the key pairs linked to a cloud key pair there (pushed from elsewhere), each once.
    pub fn keys_for_cloud_region(&self, account: &str, region: &str) -> Result<Vec<(KeyPair, Option<String>)>> {
        let mut st = self.conn.prepare(&format!(
            "{} WHERE (a.name = ?1 AND k.region = ?2)
                OR k.id IN (SELECT c.key_pair_id FROM cloud_keys c JOIN accounts ca ON ca.id = c.account_id
                            WHERE ca.name = ?1 AND c.region = ?2)
             ORDER BY k.name, k.id",
            super::listing::SELECT_KEYS
        ))?;
        let keys: Vec<KeyPair> =
            st.query_map(params![account, region], key_from_row)?.collect::<rusqlite::Result<_>>()?;
        let names: HashMap<i64, String> = self
            .cloud_links(account, region)?
            .into_iter()
            .filter_map(|l| l.key_pair.map(|(id, _)| (id, l.name)))
            .collect();
        Ok(keys
            .into_iter()
            .map(|k| {
                let n = names.get(&k.id).cloned();
                (k, n)
            })
            .collect())
    }

    /// Remembers one cloud key pair after a push (`Some`) or that the name is gone after
    /// a delete (`None`), linked to `key_pair`.
    pub fn record_cloud_key(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
        seen: Option<&CloudSeen>,
        key_pair: Option<i64>,
        action: &str,
    ) -> Result<()> {
        let tx = self.write()?;
        let account_id = account_of(&tx, account)?;
        match seen {
            Some(s) => upsert(&tx, account_id, region, s, key_pair, now())?,
            None => {
                tx.execute(
                    "DELETE FROM cloud_keys WHERE account_id = ?1 AND region = ?2 AND name = ?3",
                    params![account_id, region, name],
                )?;
            }
        }
        log(&tx, action, name, &scope_label(Some(account), region))?;
        tx.commit()?;
        Ok(())
    }

    /// The name `key_pair` was given in `account`'s cloud because its own did not fit
    /// there (`None`: it goes by its own name).
    pub fn cloud_name(&self, account: &str, key_pair: i64) -> Result<Option<String>> {
        let account_id = account_of(&self.conn, account)?;
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM cloud_names WHERE account_id = ?1 AND key_pair_id = ?2",
                params![account_id, key_pair],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every name `key_pair` was given in an account's cloud: `(account, name)`.
    pub fn cloud_names_of_key(&self, key_pair: i64) -> Result<Vec<(String, String)>> {
        let mut st = self.conn.prepare(
            "SELECT a.name, c.name FROM cloud_names c JOIN accounts a ON a.id = c.account_id
             WHERE c.key_pair_id = ?1 ORDER BY a.name",
        )?;
        let rows = st.query_map(params![key_pair], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Remembers the name `key_pair` goes by in `account`'s cloud (`None`: its own again).
    pub fn set_cloud_name(&mut self, account: &str, key_pair: i64, name: Option<&str>) -> Result<()> {
        let tx = self.write()?;
        let account_id = account_of(&tx, account)?;
        let key_name: String = tx
            .query_row("SELECT name FROM key_pairs WHERE id = ?1", params![key_pair], |r| r.get(0))
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => InventoryError::NotFound(format!("no key pair {key_pair}")),
                e => e.into(),
            })?;
        match name.filter(|n| *n != key_name) {
            Some(n) => {
                tx.execute(
                    "INSERT OR REPLACE INTO cloud_names (account_id, key_pair_id, name) VALUES (?1, ?2, ?3)",
                    params![account_id, key_pair, n],
                )?;
                log(&tx, &format!("goes by '{n}' in the cloud"), &key_name, &scope_label(Some(account), ""))?;
            }
            None => {
                tx.execute(
                    "DELETE FROM cloud_names WHERE account_id = ?1 AND key_pair_id = ?2",
                    params![account_id, key_pair],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Brings what one region of a cloud account holds into the inventory: a key the
    /// inventory holds is linked, an unknown key is added under its cloud name in
    /// (account, region), a name taken by another key is reported and nothing is
    /// overwritten. What the region held replaces what was remembered of it. Running it
    /// again with the same list changes nothing.
    pub fn pull_cloud_region(&mut self, account: &str, region: &str, listing: &[CloudSeen]) -> Result<PullReport> {
        super::rules::check_region(region)?;
        let tx = self.write()?;
        let account_id = account_of(&tx, account)?;
        let at = now();
        let mut report = PullReport::default();
        let before: HashMap<String, Option<i64>> = {
            let mut st =
                tx.prepare("SELECT name, key_pair_id FROM cloud_keys WHERE account_id = ?1 AND region = ?2")?;
            let rows = st.query_map(params![account_id, region], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        tx.execute("DELETE FROM cloud_keys WHERE account_id = ?1 AND region = ?2", params![account_id, region])?;
        for seen in listing {
            if let Some(id) = key_pair_for(&tx, account_id, region, seen)? {
                if before.get(&seen.name).copied().flatten() != Some(id) {
                    report.linked.push((region.to_string(), seen.name.clone()));
                }
                upsert(&tx, account_id, region, seen, Some(id), at)?;
                continue;
            }
            upsert(&tx, account_id, region, seen, None, at)?;
            let conflict = |why: String| (region.to_string(), seen.name.clone(), why);
            let Some(line) = &seen.public_key else {
                report.conflicts.push(conflict("the cloud did not give its public key".into()));
                continue;
            };
            let info = match crate::keys::parse_key(line.as_bytes()) {
                Ok(p) => p.info,
                Err(e) => {
                    report.conflicts.push(conflict(format!("its public key cannot be read: {e}")));
                    continue;
                }
            };
            let Some(name) = local_name(&tx, account, region, &seen.name)? else {
                report.conflicts.push(conflict("no valid key pair name can be made from it".into()));
                continue;
            };
            if let Err(e) = check_new(&tx, &name, Some(account), region) {
                report.conflicts.push(conflict(e.to_string()));
                continue;
            }
            let new = NewKeyPair {
                name: name.clone(),
                description: String::new(),
                account: Some(account.to_string()),
                region: region.to_string(),
                info,
                origin: Origin::Imported,
                private_key_path: None,
                tags: Vec::new(),
            };
            let id = insert_key(&tx, &new, Some(account_id), at)?;
            upsert(&tx, account_id, region, seen, Some(id), at)?;
            log(&tx, "pull", &name, &format!("from {} as '{}'", scope_label(Some(account), region), seen.name))?;
            report.added.push((region.to_string(), name));
        }
        tx.commit()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Provider;

    fn seen(name: &str, line: &str) -> CloudSeen {
        let fp = crate::keys::parse_key(line.as_bytes()).unwrap().info.fingerprint_sha256;
        CloudSeen {
            name: name.into(),
            cloud_id: format!("key-{name}"),
            fingerprint_sha256: Some(fp),
            public_key: Some(line.into()),
        }
    }

    const A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMOdS1X28pmCMQoCd6/C9nZVcd48zd637+CpuPItSgS3 a@x";
    const C: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMyknfFUneKgW1r7qYjPqakiVOQpa9/SLVPlQthqnhpm c@x";
    const D: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJKoHabVzkhWcTXlt07Wf19RgfX8B2ARqWe9CncJYZLQ d@x";
    const B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIENiHkjXRD+vpiBelnudJl7QxZzKykJYmZp1sNIyWX11 b@x";

    #[test]
    fn a_name_chosen_for_a_cloud_is_remembered_per_account_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let mut inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        inv.add_account("tc", Provider::Tencent, "").unwrap();
        inv.add_account("other", Provider::Tencent, "").unwrap();
        let id = inv
            .add_key(&NewKeyPair {
                name: "deploy-key-2024".into(),
                description: String::new(),
                account: None,
                region: String::new(),
                info: crate::keys::parse_key(A.as_bytes()).unwrap().info,
                origin: Origin::Imported,
                private_key_path: None,
                tags: vec![],
            })
            .unwrap()
            .id;
        assert_eq!(inv.cloud_name("tc", id).unwrap(), None);
        inv.set_cloud_name("tc", id, Some("deploy_key_2024")).unwrap();
        assert_eq!(inv.cloud_name("tc", id).unwrap().as_deref(), Some("deploy_key_2024"));
        assert_eq!(inv.cloud_name("other", id).unwrap(), None, "per account");
        // Its own name again, or no name: forgotten.
        inv.set_cloud_name("tc", id, Some("deploy-key-2024")).unwrap();
        assert_eq!(inv.cloud_name("tc", id).unwrap(), None);
        inv.set_cloud_name("tc", id, Some("dk")).unwrap();
        inv.delete_keys(&[id], Default::default()).unwrap();
        let n: i64 = inv.conn.query_row("SELECT count(*) FROM cloud_names", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "gone with the key pair");
        assert!(inv.cloud_name("nobody", id).is_err());
    }

    #[test]
    fn a_pull_adds_links_reports_conflicts_and_a_second_pull_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        inv.add_account("prod", Provider::Aws, "").unwrap();
        // The inventory holds key A outside any account, and a key pair named "web"
        // in us-east-1 with key A too.
        let info_a = crate::keys::parse_key(A.as_bytes()).unwrap().info;
        let laptop = inv
            .add_key(&NewKeyPair {
                name: "laptop".into(),
                description: String::new(),
                account: None,
                region: String::new(),
                info: info_a.clone(),
                origin: Origin::Imported,
                private_key_path: None,
                tags: vec![],
            })
            .unwrap();
        let listing = [seen("laptop key", A), seen("console", B)];
        let r = inv.pull_cloud_region("prod", "us-east-1", &listing).unwrap();
        assert_eq!(r.linked, [("us-east-1".to_string(), "laptop key".to_string())]);
        assert_eq!(r.added, [("us-east-1".to_string(), "console".to_string())]);
        assert!(r.conflicts.is_empty());
        let again = inv.pull_cloud_region("prod", "us-east-1", &listing).unwrap();
        assert_eq!(again, PullReport::default(), "a second pull changes nothing");
        let links = inv.cloud_links_of_key(laptop.id).unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(
            (links[0].account.as_str(), links[0].region.as_str(), links[0].name.as_str()),
            ("prod", "us-east-1", "laptop key")
        );
        // A key the inventory already holds (B, pulled above) is linked in another region.
        let r = inv.pull_cloud_region("prod", "eu-west-1", &[seen("console", B), seen("web", C)]).unwrap();
        assert_eq!((r.added.len(), r.linked.len()), (1, 1), "{r:?}");
        // A name the inventory holds in that region with another key is a conflict, not an overwrite.
        let clash = inv.pull_cloud_region("prod", "eu-west-1", &[seen("web", D)]).unwrap();
        assert!(clash.added.is_empty() && clash.linked.is_empty(), "{clash:?}");
        assert_eq!(clash.conflicts.len(), 1, "{clash:?}");
        assert!(clash.conflicts[0].2.contains("already exists"), "{clash:?}");
        let web = inv.resolve_key("web", &Default::default()).unwrap();
        assert_eq!(web.fingerprint_sha256, seen("x", C).fingerprint_sha256.unwrap(), "left as it was");
        // A name with no ASCII letter (Alibaba Cloud takes Chinese characters) gets one.
        let r = inv.pull_cloud_region("prod", "cn-hangzhou", &[seen("运维密钥", D)]).unwrap();
        assert_eq!(r.added, [("cn-hangzhou".to_string(), "cloud-key".to_string())], "{r:?}");
        assert_eq!(inv.cloud_links("prod", "cn-hangzhou").unwrap()[0].name, "运维密钥");
    }
}
