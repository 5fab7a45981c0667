//! Hosts (servers, instances) and their bindings to key pairs. A host may trust several
//! key pairs (a laptop key and a CI key), as a real server does.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::rules::check_label;
use super::{
    account_id, log, now, Host, Inventory, InventoryError, LastCheck, NewHost, Result, DEFAULT_AUTHORIZED_KEYS,
};

const SELECT_HOSTS: &str = "SELECT h.id, h.name, h.port, h.user, a.name, h.region, h.authorized_keys,
        h.check_status, h.check_message, h.checked_at
    FROM hosts h LEFT JOIN accounts a ON a.id = h.account_id";

/// The authorized_keys path to store: the default when empty.
pub(super) fn authorized_keys_path(h: &NewHost) -> Result<String> {
    let p = h.authorized_keys.trim();
    if p.is_empty() {
        return Ok(DEFAULT_AUTHORIZED_KEYS.to_string());
    }
    // It travels to the server as one line of the script's input: no line breaks.
    if p.chars().any(|c| c.is_control()) {
        return Err(InventoryError::Rule(
            "The authorized_keys path cannot contain line breaks or control characters".into(),
        ));
    }
    if p.ends_with('/') {
        return Err(InventoryError::Rule(format!("The authorized_keys path '{p}' names a folder, not a file")));
    }
    Ok(p.to_string())
}

/// A host address reaches `ssh` as its destination and, through `%h` in a user's
/// `ProxyCommand`, a shell: only what DNS names and IP addresses are made of (letters,
/// digits, `.`, `-`, `_`, `:` and an IPv6 zone's `%`), never a leading `-` (it would be
/// read as an option).
pub(crate) fn check_address(a: &str) -> Result<()> {
    let ok = !a.is_empty()
        && a.len() <= 253
        && !a.starts_with('-')
        && a.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%'));
    if ok {
        Ok(())
    } else {
        Err(InventoryError::Rule(format!(
            "Host address '{}' is not valid: use a DNS name or an IP address (letters, digits, '.', '-', ':'), one per field, not starting with '-'",
            a.escape_debug()
        )))
    }
}

/// A login user name reaches `ssh -l` and, through `%r`, a shell: letters, digits,
/// `.`, `_`, `-` and `@` (directory users), never a leading `-`. Empty means ssh's default.
pub(crate) fn check_user(u: &str) -> Result<()> {
    let ok = u.is_empty()
        || (u.len() <= 64
            && !u.starts_with('-')
            && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')));
    if ok {
        Ok(())
    } else {
        Err(InventoryError::Rule(format!(
            "User '{}' is not valid: use letters, digits, '.', '_', '-' and '@', not starting with '-'",
            u.escape_debug()
        )))
    }
}

pub(super) fn check_host(h: &NewHost) -> Result<()> {
    check_label("Host name", &h.name)?;
    if h.addresses.is_empty() {
        return Err(InventoryError::Rule("A host needs at least one address (a DNS name or an IP address)".into()));
    }
    for a in &h.addresses {
        check_address(a)?;
    }
    check_user(&h.user)?;
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
        let ak = authorized_keys_path(h)?;
        tx.execute(
            "INSERT INTO hosts (name, port, user, account_id, region, authorized_keys, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![h.name, h.port, h.user, account, h.region, ak, at],
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

    /// Replaces a host's details (its bindings stay).
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
        let ak = authorized_keys_path(h)?;
        tx.execute(
            "UPDATE hosts SET name = ?1, port = ?2, user = ?3, account_id = ?4, region = ?5, authorized_keys = ?6,
                 updated_at = ?7 WHERE id = ?8",
            params![h.name, h.port, h.user, account, h.region, ak, now(), id],
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
            let status: Option<String> = r.get(7)?;
            let message: String = r.get(8)?;
            let at: Option<i64> = r.get(9)?;
            Ok(Host {
                id: r.get(0)?,
                name: r.get(1)?,
                addresses: Vec::new(),
                port: r.get(2)?,
                user: r.get(3)?,
                account: r.get(4)?,
                region: r.get(5)?,
                key: None,
                bound_at: None,
                keys: Vec::new(),
                authorized_keys: r.get(6)?,
                last_check: status.zip(at).map(|(status, at)| LastCheck { status, message, at }),
            })
        };
        let mut hosts: Vec<Host> = match arg {
            Some(a) => st.query_map([a], map)?.collect::<std::result::Result<_, _>>()?,
            None => st.query_map([], map)?.collect::<std::result::Result<_, _>>()?,
        };
        let mut st = self.conn.prepare("SELECT address FROM host_addresses WHERE host_id = ?1 ORDER BY position")?;
        let mut bound: HashMap<i64, Vec<(i64, String, i64)>> = HashMap::new();
        {
            let mut b = self.conn.prepare(
                "SELECT b.host_id, k.id, k.name, b.bound_at FROM bindings b JOIN key_pairs k ON k.id = b.key_pair_id
                 ORDER BY b.bound_at, k.name",
            )?;
            let mut rows = b.query([])?;
            while let Some(r) = rows.next()? {
                bound.entry(r.get(0)?).or_default().push((r.get(1)?, r.get(2)?, r.get(3)?));
            }
        }
        for h in &mut hosts {
            h.addresses = st.query_map([h.id], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
            if let Some(keys) = bound.remove(&h.id) {
                h.key = keys.first().map(|k| (k.0, k.1.clone()));
                h.bound_at = keys.first().map(|k| k.2);
                h.keys = keys.into_iter().map(|k| (k.0, k.1)).collect();
            }
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

    /// Binds a key pair to hosts in one transaction; a host keeps the key pairs it
    /// already trusts. Returns the hosts that were not bound to it yet.
    pub fn bind(&mut self, key_id: i64, hosts: &[String]) -> Result<Vec<String>> {
        let tx = self.write()?;
        let key = self.key(key_id)?;
        let targets: Vec<Host> = hosts.iter().map(|h| self.host(h)).collect::<Result<_>>()?;
        let mut added = Vec::new();
        let at = now();
        for h in &targets {
            if h.keys.iter().any(|k| k.0 == key_id) || added.contains(&h.name) {
                continue;
            }
            tx.execute(
                "INSERT INTO bindings (host_id, key_pair_id, bound_at) VALUES (?1, ?2, ?3)",
                params![h.id, key_id, at],
            )?;
            log(&tx, "bind", &key.name, &format!("to {}", h.name))?;
            added.push(h.name.clone());
        }
        tx.commit()?;
        Ok(added)
    }

    /// Unbinds a key pair from hosts in one transaction; a host not bound to this key
    /// pair is an error and nothing changes.
    pub fn unbind(&mut self, key_id: i64, hosts: &[String]) -> Result<Vec<Host>> {
        let tx = self.write()?;
        let key = self.key(key_id)?;
        let targets: Vec<Host> = hosts.iter().map(|h| self.host(h)).collect::<Result<_>>()?;
        if let Some(h) = targets.iter().find(|h| !h.keys.iter().any(|k| k.0 == key_id)) {
            return Err(InventoryError::Rule(format!("Host '{}' is not bound to key pair '{}'", h.name, key.name)));
        }
        for h in &targets {
            tx.execute("DELETE FROM bindings WHERE host_id = ?1 AND key_pair_id = ?2", [h.id, key_id])?;
            log(&tx, "unbind", &key.name, &format!("from {}", h.name))?;
        }
        tx.commit()?;
        Ok(targets)
    }

    /// Makes `key_id` the only key pair bound to `host` (Reset key): returns the names of
    /// the key pairs it replaced.
    pub fn replace_bindings(&mut self, host: &str, key_id: i64) -> Result<Vec<String>> {
        let tx = self.write()?;
        let key = self.key(key_id)?;
        let h = self.host(host)?;
        let previous: Vec<String> = h.keys.iter().filter(|k| k.0 != key_id).map(|k| k.1.clone()).collect();
        tx.execute("DELETE FROM bindings WHERE host_id = ?1 AND key_pair_id != ?2", [h.id, key_id])?;
        tx.execute(
            "INSERT OR IGNORE INTO bindings (host_id, key_pair_id, bound_at) VALUES (?1, ?2, ?3)",
            params![h.id, key_id, now()],
        )?;
        let detail = if previous.is_empty() {
            format!("to {}", h.name)
        } else {
            format!("to {} (replaces {})", h.name, previous.join(", "))
        };
        log(&tx, "reset key", &key.name, &detail)?;
        tx.commit()?;
        Ok(previous)
    }

    /// Remembers the result of a login check of a host.
    pub fn record_check(&mut self, host: &str, status: &str, message: &str) -> Result<()> {
        let tx = self.write()?;
        let n = tx.execute(
            "UPDATE hosts SET check_status = ?1, check_message = ?2, checked_at = ?3 WHERE name = ?4",
            params![status, message, now(), host],
        )?;
        if n == 0 {
            return Err(InventoryError::NotFound(format!("no host named '{host}' (see `keyshelf host list`)")));
        }
        tx.commit()?;
        Ok(())
    }

    /// The names of the key pairs holding this public key (in any account), as
    /// "account/region/name" when they are in an account.
    pub fn key_pair_names_with_fingerprint(&self, fingerprint_sha256: &str) -> Result<Vec<String>> {
        let mut st = self.conn.prepare(
            "SELECT k.name FROM key_pairs k LEFT JOIN accounts a ON a.id = k.account_id
             WHERE k.fingerprint_sha256 = ?1 ORDER BY a.name, k.region, k.name",
        )?;
        let names = st.query_map([fingerprint_sha256], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        Ok(names)
    }

    /// Logs something done on a server (deployed, removed) in the activity log.
    pub fn log_remote(&mut self, action: &str, subject: &str, detail: &str) -> Result<()> {
        let tx = self.write()?;
        log(&tx, action, subject, detail)?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_users_that_would_reach_ssh_as_options_or_shell_text_are_refused() {
        for good in ["web-1.example.com", "10.0.0.1", "fe80::1%eth0", "2001:db8::1", "my_host"] {
            assert!(check_address(good).is_ok(), "{good}");
        }
        for bad in
            ["-oProxyCommand=touch /tmp/x", "a b", "$(x)", "`x`", "a;b", "a|b", "x\n", "", "a'b", "a\"b", "h\u{7f}"]
        {
            let err = check_address(bad).unwrap_err().to_string();
            assert!(err.contains("not valid"), "{bad}: {err}");
        }
        for good in ["", "root", "ec2-user", "first.last", "alice@corp.example"] {
            assert!(check_user(good).is_ok(), "{good}");
        }
        for bad in ["-oProxyCommand=x", "a b", "$(x)", "a;b", "x\ny", "%r"] {
            assert!(check_user(bad).is_err(), "{bad}");
        }
    }
}
