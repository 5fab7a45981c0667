//! Hosts (servers, instances) and their bindings to key pairs. A host has at most one
//! key pair, as in the consoles: binding it again re-associates it.

use rusqlite::{params, OptionalExtension};

use super::rules::check_label;
use super::{account_id, log, now, Host, Inventory, InventoryError, NewHost, Rebound, Result};

const SELECT_HOSTS: &str = "SELECT h.id, h.name, h.port, h.user, a.name, h.region, k.id, k.name, b.bound_at
    FROM hosts h LEFT JOIN accounts a ON a.id = h.account_id
    LEFT JOIN bindings b ON b.host_id = h.id LEFT JOIN key_pairs k ON k.id = b.key_pair_id";

fn check_host(h: &NewHost) -> Result<()> {
    check_label("Host name", &h.name)?;
    if h.addresses.is_empty() {
        return Err(InventoryError::Rule("A host needs at least one address (a DNS name or an IP address)".into()));
    }
    for a in &h.addresses {
        if a.is_empty() || a.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',') {
            return Err(InventoryError::Rule(format!(
                "Host address '{a}' is not valid: use a DNS name or an IP address, one per field"
            )));
        }
    }
    if h.port == 0 {
        return Err(InventoryError::Rule("Port must be between 1 and 65535".into()));
    }
    Ok(())
}

impl Inventory {
    pub fn add_host(&mut self, h: &NewHost) -> Result<Host> {
        check_host(h)?;
        let tx = self.write()?;
        let account = account_id(&tx, h.account.as_deref())?;
        if tx.query_row("SELECT 1 FROM hosts WHERE name = ?1", [&h.name], |_| Ok(())).optional()?.is_some() {
            return Err(InventoryError::Rule(format!("A host named '{}' already exists", h.name)));
        }
        let at = now();
        tx.execute(
            "INSERT INTO hosts (name, port, user, account_id, region, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![h.name, h.port, h.user, account, h.region, at],
        )?;
        let id = tx.last_insert_rowid();
        for (i, a) in h.addresses.iter().enumerate() {
            tx.execute(
                "INSERT INTO host_addresses (host_id, position, address) VALUES (?1, ?2, ?3)",
                params![id, i as i64, a],
            )?;
        }
        log(&tx, "add host", &h.name, &h.addresses.join(", "))?;
        tx.commit()?;
        self.host(&h.name)
    }

    /// Replaces a host's details (its binding stays).
    pub fn update_host(&mut self, old_name: &str, h: &NewHost) -> Result<Host> {
        check_host(h)?;
        let tx = self.write()?;
        let account = account_id(&tx, h.account.as_deref())?;
        let id: i64 = tx
            .query_row("SELECT id FROM hosts WHERE name = ?1", [old_name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| InventoryError::NotFound(format!("no host named '{old_name}'")))?;
        if h.name != old_name
            && tx.query_row("SELECT 1 FROM hosts WHERE name = ?1", [&h.name], |_| Ok(())).optional()?.is_some()
        {
            return Err(InventoryError::Rule(format!("A host named '{}' already exists", h.name)));
        }
        tx.execute(
            "UPDATE hosts SET name = ?1, port = ?2, user = ?3, account_id = ?4, region = ?5, updated_at = ?6 WHERE id = ?7",
            params![h.name, h.port, h.user, account, h.region, now(), id],
        )?;
        tx.execute("DELETE FROM host_addresses WHERE host_id = ?1", [id])?;
        for (i, a) in h.addresses.iter().enumerate() {
            tx.execute(
                "INSERT INTO host_addresses (host_id, position, address) VALUES (?1, ?2, ?3)",
                params![id, i as i64, a],
            )?;
        }
        log(&tx, "edit host", &h.name, &h.addresses.join(", "))?;
        tx.commit()?;
        self.host(&h.name)
    }

    pub fn host(&self, name: &str) -> Result<Host> {
        self.hosts_where("WHERE h.name = ?1", Some(name))?
            .pop()
            .ok_or_else(|| InventoryError::NotFound(format!("no host named '{name}' (see `keyshelf host list`)")))
    }

    pub fn hosts(&self) -> Result<Vec<Host>> {
        self.hosts_where("", None)
    }

    fn hosts_where(&self, clause: &str, arg: Option<&str>) -> Result<Vec<Host>> {
        let mut st = self.conn.prepare(&format!("{SELECT_HOSTS} {clause} ORDER BY h.name"))?;
        let map = |r: &rusqlite::Row<'_>| {
            let key_id: Option<i64> = r.get(6)?;
            let key_name: Option<String> = r.get(7)?;
            Ok(Host {
                id: r.get(0)?,
                name: r.get(1)?,
                addresses: Vec::new(),
                port: r.get(2)?,
                user: r.get(3)?,
                account: r.get(4)?,
                region: r.get(5)?,
                key: key_id.zip(key_name),
                bound_at: r.get(8)?,
            })
        };
        let mut hosts: Vec<Host> = match arg {
            Some(a) => st.query_map([a], map)?.collect::<std::result::Result<_, _>>()?,
            None => st.query_map([], map)?.collect::<std::result::Result<_, _>>()?,
        };
        let mut st = self.conn.prepare("SELECT address FROM host_addresses WHERE host_id = ?1 ORDER BY position")?;
        for h in &mut hosts {
            h.addresses = st.query_map([h.id], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        }
        Ok(hosts)
    }

    /// Removes a host (and its binding). Returns it, so the caller can offer to clean
    /// its known_hosts lines.
    pub fn remove_host(&mut self, name: &str) -> Result<Host> {
        let tx = self.write()?;
        let host = self.host(name)?;
        tx.execute("DELETE FROM hosts WHERE id = ?1", [host.id])?;
        log(&tx, "remove host", name, &host.addresses.join(", "))?;
        tx.commit()?;
        Ok(host)
    }

    /// Binds a key pair to hosts in one transaction. A host bound to another key pair is
    /// re-associated; those replacements are returned.
    pub fn bind(&mut self, key_id: i64, hosts: &[String]) -> Result<Vec<Rebound>> {
        let tx = self.write()?;
        let key = self.key(key_id)?;
        let targets: Vec<Host> = hosts.iter().map(|h| self.host(h)).collect::<Result<_>>()?;
        let mut rebound = Vec::new();
        let at = now();
        for h in &targets {
            match &h.key {
                Some((id, _)) if *id == key_id => continue,
                Some((_, prev)) => rebound.push(Rebound { host: h.name.clone(), previous_key: prev.clone() }),
                None => {}
            }
            tx.execute(
                "INSERT OR REPLACE INTO bindings (host_id, key_pair_id, bound_at) VALUES (?1, ?2, ?3)",
                params![h.id, key_id, at],
            )?;
            let detail = match &h.key {
                Some((_, prev)) => format!("to {} (was {prev})", h.name),
                None => format!("to {}", h.name),
            };
            log(&tx, "bind", &key.name, &detail)?;
        }
        tx.commit()?;
        Ok(rebound)
    }

    /// Unbinds a key pair from hosts in one transaction; a host not bound to this key
    /// pair is an error and nothing changes.
    pub fn unbind(&mut self, key_id: i64, hosts: &[String]) -> Result<Vec<Host>> {
        let tx = self.write()?;
        let key = self.key(key_id)?;
        let targets: Vec<Host> = hosts.iter().map(|h| self.host(h)).collect::<Result<_>>()?;
        if let Some(h) = targets.iter().find(|h| h.key.as_ref().map(|k| k.0) != Some(key_id)) {
            return Err(InventoryError::Rule(format!("Host '{}' is not bound to key pair '{}'", h.name, key.name)));
        }
        for h in &targets {
            tx.execute("DELETE FROM bindings WHERE host_id = ?1", [h.id])?;
            log(&tx, "unbind", &key.name, &format!("from {}", h.name))?;
        }
        tx.commit()?;
        Ok(targets)
    }
}
