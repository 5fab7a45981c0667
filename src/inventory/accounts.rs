//! Cloud accounts, and the account/region tree the app's sidebar shows.

use rusqlite::{params, OptionalExtension};

use super::rules::check_label;
use super::{log, now, Account, Inventory, InventoryError, Provider, Result};

/// Key pair counts per account and region, for the sidebar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCount {
    pub account: Option<String>,
    pub region: String,
    pub count: i64,
}

impl Inventory {
    pub fn add_account(&mut self, name: &str, provider: Provider, note: &str) -> Result<Account> {
        super::rules::check_account_name(name)?;
        let tx = self.write()?;
        let exists = tx.query_row("SELECT 1 FROM accounts WHERE name = ?1", [name], |_| Ok(())).optional()?;
        if exists.is_some() {
            return Err(InventoryError::Rule(format!("An account named '{name}' already exists")));
        }
        tx.execute(
            "INSERT INTO accounts (name, provider, note, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, provider.slug(), note, now()],
        )?;
        log(&tx, "add account", name, provider.display_name())?;
        tx.commit()?;
        self.account(name)
    }

    pub fn account(&self, name: &str) -> Result<Account> {
        self.accounts()?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| InventoryError::NotFound(format!("no account named '{name}' (see `keyshelf account list`)")))
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut st = self.conn.prepare(
            "SELECT id, name, provider, note, created_at, profile, default_region, endpoint FROM accounts ORDER BY name",
        )?;
        let rows = st.query_map([], |r| {
            let p: String = r.get(2)?;
            Ok(Account {
                id: r.get(0)?,
                name: r.get(1)?,
                provider: Provider::parse(&p).unwrap_or(Provider::Other),
                note: r.get(3)?,
                created_at: r.get(4)?,
                profile: r.get(5)?,
                region: r.get(6)?,
                endpoint: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Changes an account's name, provider and note.
    pub fn update_account(&mut self, old_name: &str, name: &str, provider: Provider, note: &str) -> Result<Account> {
        check_label("Account name", name)?;
        let tx = self.write()?;
        if name != old_name
            && tx.query_row("SELECT 1 FROM accounts WHERE name = ?1", [name], |_| Ok(())).optional()?.is_some()
        {
            return Err(InventoryError::Rule(format!("An account named '{name}' already exists")));
        }
        let n = tx.execute(
            "UPDATE accounts SET name = ?1, provider = ?2, note = ?3 WHERE name = ?4",
            params![name, provider.slug(), note, old_name],
        )?;
        if n == 0 {
            return Err(InventoryError::NotFound(format!("no account named '{old_name}'")));
        }
        let detail =
            if name == old_name { "details changed".to_string() } else { format!("renamed from '{old_name}'") };
        log(&tx, "edit account", name, &detail)?;
        tx.commit()?;
        self.account(name)
    }

    /// Sets where an account's cloud is reached: `None` leaves a field as it is,
    /// `Some("")` clears it. Only names are stored here, never a credential.
    pub fn set_account_cloud(
        &mut self,
        name: &str,
        profile: Option<&str>,
        region: Option<&str>,
        endpoint: Option<&str>,
    ) -> Result<Account> {
        if let Some(p) = profile.filter(|p| !p.is_empty()) {
            check_label("Profile name", p)?;
        }
        if let Some(r) = region.filter(|r| !r.is_empty()) {
            super::rules::check_region(r)?;
        }
        if let Some(e) = endpoint.filter(|e| !e.is_empty()) {
            check_label("Endpoint", e)?;
            if !(e.starts_with("https://") || e.starts_with("http://")) {
                return Err(InventoryError::Rule(format!("Endpoint '{e}' must be an https:// address")));
            }
        }
        let tx = self.write()?;
        let id: i64 = tx
            .query_row("SELECT id FROM accounts WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| InventoryError::NotFound(format!("no account named '{name}'")))?;
        let none_if_empty = |v: &str| (!v.is_empty()).then(|| v.to_string());
        let mut changed = Vec::new();
        if let Some(p) = profile {
            tx.execute("UPDATE accounts SET profile = ?1 WHERE id = ?2", params![none_if_empty(p), id])?;
            changed.push(if p.is_empty() { "profile cleared".to_string() } else { format!("profile {p}") });
        }
        if let Some(r) = region {
            tx.execute("UPDATE accounts SET default_region = ?1 WHERE id = ?2", params![r, id])?;
            changed.push(if r.is_empty() { "region cleared".to_string() } else { format!("region {r}") });
        }
        if let Some(e) = endpoint {
            tx.execute("UPDATE accounts SET endpoint = ?1 WHERE id = ?2", params![none_if_empty(e), id])?;
            changed.push(if e.is_empty() { "endpoint cleared".to_string() } else { format!("endpoint {e}") });
        }
        if !changed.is_empty() {
            log(&tx, "edit account", name, &changed.join(", "))?;
        }
        tx.commit()?;
        self.account(name)
    }

    /// Removes an account that no key pair or host uses any more.
    pub fn remove_account(&mut self, name: &str) -> Result<()> {
        let tx = self.write()?;
        let id: i64 = tx
            .query_row("SELECT id FROM accounts WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| InventoryError::NotFound(format!("no account named '{name}'")))?;
        let keys: i64 = tx.query_row("SELECT count(*) FROM key_pairs WHERE account_id = ?1", [id], |r| r.get(0))?;
        let hosts: i64 = tx.query_row("SELECT count(*) FROM hosts WHERE account_id = ?1", [id], |r| r.get(0))?;
        if keys > 0 || hosts > 0 {
            return Err(InventoryError::Rule(format!(
                "Account '{name}' still has {keys} key pair(s) and {hosts} host(s); delete or move them first"
            )));
        }
        tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        log(&tx, "remove account", name, "")?;
        tx.commit()?;
        Ok(())
    }

    /// Key pair counts per (account, region), accounts without keys included with
    /// region "" and count 0.
    pub fn scope_counts(&self) -> Result<Vec<ScopeCount>> {
        let mut st = self.conn.prepare(
            "SELECT a.name, k.region, count(k.id) FROM key_pairs k LEFT JOIN accounts a ON a.id = k.account_id
             GROUP BY k.account_id, k.region
             UNION ALL
             SELECT a.name, '', 0 FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM key_pairs k WHERE k.account_id = a.id)
             ORDER BY 1, 2",
        )?;
        let rows = st.query_map([], |r| Ok(ScopeCount { account: r.get(0)?, region: r.get(1)?, count: r.get(2)? }))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
