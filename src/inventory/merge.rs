//! Bringing a [`Document`] into an inventory: [`plan_import`] says what would change and
//! what conflicts, [`apply_import`] does it in one transaction, or nothing at all.
//!
//! What is the same is recognised, so importing a document twice changes nothing the
//! second time: an account by name (and provider), a key pair by account, region, name
//! and public key, a host by name (and addresses and port), a binding by host and key
//! pair, an activity entry by time, action, subject and detail. A name clash (another
//! key under the same name in the same account and region), an account of another
//! provider, a host at other addresses, a broken rule or an unreadable key in the
//! document is a conflict, and a document with conflicts is not imported. With
//! `rename`, a clashing key pair is imported under a new name instead, chosen as every
//! import chooses one ([`import_names`]).

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::bulk::{BulkCache, DeferredIndexes};
use super::document::{Document, HostColumns, KeyPairColumns};
use super::hosts::{authorized_keys_path, check_host};
use super::rules::{check_key_name, check_label, check_tag, import_names, ImportKey, MAX_TAGS};
use super::{log, scope_label, Inventory, InventoryError, NewHost, Provider, Result};
use crate::keys::KeyInfo;

/// A key pair by where it lives and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct KeyRef {
    pub account: Option<String>,
    pub region: String,
    pub name: String,
}

impl std::fmt::Display for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}' ({})", self.name, scope_label(self.account.as_deref(), &self.region))
    }
}

/// A key pair of the document imported under a new name (with `rename`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renamed {
    pub account: Option<String>,
    pub region: String,
    pub from: String,
    pub to: String,
}

/// What an import did, or would do: the counts `import-inventory --json` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub accounts_added: usize,
    pub key_pairs_added: usize,
    /// Key pairs of the document the inventory already has (not added again).
    pub key_pairs_present: usize,
    pub hosts_added: usize,
    /// Hosts of the document the inventory already has, at the same addresses.
    pub hosts_present: usize,
    pub bindings_added: usize,
    pub activity_added: usize,
    pub renamed: Vec<Renamed>,
    /// Why the document cannot be imported; empty when it can.
    pub conflicts: Vec<String>,
}

/// What importing a document would change. Nothing is changed by making one.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// Accounts to create.
    pub accounts_added: Vec<String>,
    /// Key pairs to add, under the names they will have.
    pub key_pairs_added: Vec<KeyRef>,
    pub key_pairs_present: Vec<KeyRef>,
    pub hosts_added: Vec<String>,
    pub hosts_present: Vec<String>,
    /// `(key pair, host)`, the key pair under the name it will have.
    pub bindings_added: Vec<(KeyRef, String)>,
    pub activity_added: usize,
    pub renamed: Vec<Renamed>,
    pub conflicts: Vec<String>,
    ops: Ops,
}

impl ImportPlan {
    pub fn has_conflicts(&self) -> bool {
        !self.conflicts.is_empty()
    }

    /// Whether importing would leave the inventory exactly as it is.
    pub fn changes_nothing(&self) -> bool {
        self.accounts_added.is_empty()
            && self.key_pairs_added.is_empty()
            && self.hosts_added.is_empty()
            && self.bindings_added.is_empty()
            && self.activity_added == 0
    }

    pub fn summary(&self) -> ImportSummary {
        ImportSummary {
            accounts_added: self.accounts_added.len(),
            key_pairs_added: self.key_pairs_added.len(),
            key_pairs_present: self.key_pairs_present.len(),
            hosts_added: self.hosts_added.len(),
            hosts_present: self.hosts_present.len(),
            bindings_added: self.bindings_added.len(),
            activity_added: self.activity_added,
            renamed: self.renamed.clone(),
            conflicts: self.conflicts.clone(),
        }
    }
}

/// The writes an import makes, by index into the document.
#[derive(Debug, Clone, Default)]
struct Ops {
    accounts: Vec<usize>,
    keys: Vec<NewKey>,
    hosts: Vec<usize>,
    bindings: Vec<(KeyTarget, HostTarget, i64)>,
    activity: Vec<usize>,
}

#[derive(Debug, Clone)]
struct NewKey {
    doc: usize,
    name: String,
    info: KeyInfo,
}

/// A key pair a binding names: one the import adds (index into `Ops::keys`) or one the
/// inventory has (its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyTarget {
    New(usize),
    Existing(i64),
}

/// A host a binding names: one the import adds (index into the document's hosts) or
/// one the inventory has (its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum HostTarget {
    New(usize),
    Existing(i64),
}

/// (account, region, name) as the document spells a key pair.
type Identity<'d> = (Option<&'d str>, &'d str, &'d str);
/// (account, region) as the document spells them.
type DocScope<'d> = (Option<&'d str>, &'d str);

/// Says what importing `doc` would change and what conflicts, changing nothing.
pub fn plan_import(inv: &Inventory, doc: &Document, rename: bool) -> Result<ImportPlan> {
    let _snapshot = if inv.conn.is_autocommit() { Some(inv.conn.unchecked_transaction()?) } else { None };
    plan_in(&inv.conn, doc, rename)
}

/// Imports `doc` in one transaction. With conflicts nothing is changed and the error is
/// [`InventoryError::ImportConflicts`], which carries the summary. An import that would
/// add nothing writes nothing (not even to the activity log); any other adds one
/// activity entry saying what it brought.
pub fn apply_import(inv: &mut Inventory, doc: &Document, rename: bool) -> Result<ImportSummary> {
    let _cache = BulkCache::new(&inv.conn)?;
    // The plan is made again under the write lock: what it found is what is written.
    let tx = inv.write()?;
    let plan = plan_in(&tx, doc, rename)?;
    let summary = plan.summary();
    if plan.has_conflicts() {
        return Err(InventoryError::ImportConflicts(Box::new(summary)));
    }
    if plan.changes_nothing() {
        return Ok(summary);
    }
    let ops = &plan.ops;
    for &i in &ops.accounts {
        let a = &doc.accounts[i];
        let provider = Provider::parse(&a.provider).unwrap_or(Provider::Other);
        tx.execute(
            "INSERT INTO accounts (name, provider, note, created_at, profile, default_region, endpoint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![a.name, provider.slug(), a.note, a.created_at, a.profile, a.default_region, a.endpoint],
        )?;
    }
    let accounts = account_ids(&tx)?;
    let account = |name: &Option<String>| name.as_ref().and_then(|n| accounts.get(n).copied());

    let deferred = DeferredIndexes::drop_if_worth_it(&tx, ops.keys.len())?;
    let mut key_ids = Vec::with_capacity(ops.keys.len());
    {
        let sql = insert_sql(
            "key_pairs",
            &["name", "account_id", "region", "algorithm", "bits", "fingerprint_sha256", "fingerprint_md5", "weak"],
            KeyPairColumns::COLUMNS,
        );
        let mut insert = tx.prepare_cached(&sql)?;
        let mut tag = tx.prepare_cached("INSERT INTO tags (key_pair_id, key, value) VALUES (?1, ?2, ?3)")?;
        for k in &ops.keys {
            let e = &doc.key_pairs[k.doc];
            let i = &k.info;
            let mut columns = e.columns.clone();
            columns.public_key = i.openssh.clone();
            if columns.aws_fingerprint.is_none() {
                columns.aws_fingerprint = i.aws_fingerprint.clone();
            }
            let account_id = account(&e.account);
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![
                &k.name,
                &account_id,
                &e.region,
                &i.algorithm,
                &i.bits,
                &i.fingerprint_sha256,
                &i.fingerprint_md5,
                &i.weak,
            ];
            values.extend(columns.values());
            insert.execute(values.as_slice())?;
            let id = tx.last_insert_rowid();
            for (key, value) in &e.tags {
                tag.execute(params![id, key, value])?;
            }
            key_ids.push(id);
        }
    }
    deferred.recreate(&tx)?;

    let mut host_ids: HashMap<usize, i64> = HashMap::with_capacity(ops.hosts.len());
    {
        let mut insert = tx.prepare_cached(&insert_sql("hosts", &["name", "account_id"], HostColumns::COLUMNS))?;
        let mut address =
            tx.prepare_cached("INSERT INTO host_addresses (host_id, position, address) VALUES (?1, ?2, ?3)")?;
        for &i in &ops.hosts {
            let h = &doc.hosts[i];
            let mut columns = h.columns.clone();
            columns.authorized_keys = authorized_keys_path(&new_host(h))?;
            let account_id = account(&h.account);
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![&h.name, &account_id];
            values.extend(columns.values());
            insert.execute(values.as_slice())?;
            let id = tx.last_insert_rowid();
            for (position, a) in h.addresses.iter().enumerate() {
                address.execute(params![id, position as i64, a])?;
            }
            host_ids.insert(i, id);
        }
    }
    {
        let mut insert =
            tx.prepare_cached("INSERT INTO bindings (host_id, key_pair_id, bound_at) VALUES (?1, ?2, ?3)")?;
        for (key, host, at) in &ops.bindings {
            let key_id = match *key {
                KeyTarget::New(i) => key_ids[i],
                KeyTarget::Existing(id) => id,
            };
            let host_id = match *host {
                HostTarget::New(i) => host_ids[&i],
                HostTarget::Existing(id) => id,
            };
            insert.execute(params![host_id, key_id, at])?;
        }
    }
    {
        let mut insert =
            tx.prepare_cached("INSERT INTO activity (at, action, subject, detail) VALUES (?1, ?2, ?3, ?4)")?;
        for &i in &ops.activity {
            let a = &doc.activity[i];
            insert.execute(params![a.at, a.action, a.subject, a.detail])?;
        }
    }
    let mut detail = format!(
        "{} accounts, {} key pairs ({} already present), {} hosts, {} bindings added; exported {}",
        summary.accounts_added,
        summary.key_pairs_added,
        summary.key_pairs_present,
        summary.hosts_added,
        summary.bindings_added,
        super::document::rfc3339(doc.exported_at).unwrap_or_else(|| doc.exported_at.to_string())
    );
    if !summary.renamed.is_empty() {
        let renamed: Vec<String> = summary.renamed.iter().map(|r| format!("{} to {}", r.from, r.to)).collect();
        detail.push_str(&format!("; renamed {}", renamed.join(", ")));
    }
    log(&tx, "import inventory", "inventory", &detail)?;
    tx.commit()?;
    Ok(summary)
}

/// The cloud fields of a document's account, by the rules `set_account_cloud` checks.
fn account_cloud_fields(a: &super::document::AccountEntry) -> Result<()> {
    if let Some(p) = a.profile.as_deref() {
        check_label("Profile name", p)?;
    }
    if let Some(e) = a.endpoint.as_deref() {
        check_label("Endpoint", e)?;
    }
    if !a.default_region.is_empty() {
        super::rules::check_region(&a.default_region)?;
    }
    Ok(())
}

/// `INSERT INTO table (first..., columns...) VALUES (?1, ?2, ...)`.
fn insert_sql(table: &str, first: &[&str], columns: &[&str]) -> String {
    let names: Vec<&str> = first.iter().chain(columns).copied().collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), marks.join(", "))
}

fn account_ids(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut st = conn.prepare("SELECT name, id FROM accounts")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn new_host(h: &super::document::HostEntry) -> NewHost {
    NewHost {
        name: h.name.clone(),
        addresses: h.addresses.clone(),
        port: h.columns.port,
        user: h.columns.user.clone(),
        account: h.account.clone(),
        region: h.columns.region.clone(),
        authorized_keys: h.columns.authorized_keys.clone(),
    }
}

/// Reads a key pair's public key as the document has it: one OpenSSH line, no options.
fn read_public_key(line: &str) -> std::result::Result<KeyInfo, String> {
    let (options, key) = crate::keys::parse_authorized_line(line)?;
    if !options.is_empty() {
        return Err("it carries authorized_keys options; give the plain `TYPE BASE64 [COMMENT]` line".into());
    }
    KeyInfo::from_public(&key).map_err(|e| e.to_string())
}

fn plan_in(conn: &Connection, doc: &Document, rename: bool) -> Result<ImportPlan> {
    let mut p = ImportPlan::default();

    // Accounts. `known` holds every account a key pair or host may name: the
    // inventory's and the document's; `refused` those already reported.
    let mut existing_accounts: HashMap<String, (i64, Provider)> = HashMap::new();
    {
        let mut st = conn.prepare("SELECT name, id, provider FROM accounts")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let provider: String = r.get(2)?;
            existing_accounts.insert(r.get(0)?, (r.get(1)?, Provider::parse(&provider).unwrap_or(Provider::Other)));
        }
    }
    let mut listed: HashSet<&str> = HashSet::new();
    let mut refused_accounts: HashSet<&str> = HashSet::new();
    for (i, a) in doc.accounts.iter().enumerate() {
        if !listed.insert(&a.name) {
            p.conflicts.push(format!("the document lists account '{}' twice", a.name));
            continue;
        }
        let Some(provider) = Provider::parse(&a.provider) else {
            p.conflicts.push(format!("account '{}': unknown provider '{}'", a.name, a.provider));
            refused_accounts.insert(&a.name);
            continue;
        };
        match existing_accounts.get(&a.name) {
            Some((_, had)) if *had != provider => {
                p.conflicts.push(format!(
                    "account '{}' is on {} here but on {} in the document",
                    a.name,
                    had.display_name(),
                    provider.display_name()
                ));
                refused_accounts.insert(&a.name);
            }
            Some(_) => {}
            None => match check_label("Account name", &a.name).and_then(|()| account_cloud_fields(a)) {
                Ok(()) => {
                    p.accounts_added.push(a.name.clone());
                    p.ops.accounts.push(i);
                }
                Err(e) => {
                    p.conflicts.push(format!("account '{}': {e}", a.name));
                    refused_accounts.insert(&a.name);
                }
            },
        }
    }
    // An account the document names but neither it nor the inventory has is reported
    // once; one already refused is not reported again for each key pair or host in it.
    let mut missing_reported: HashSet<String> = HashSet::new();
    let mut account_usable = |account: &Option<String>, what: &str, conflicts: &mut Vec<String>| -> bool {
        let Some(a) = account.as_deref() else { return true };
        if refused_accounts.contains(a) {
            return false;
        }
        if existing_accounts.contains_key(a) || listed.contains(a) {
            return true;
        }
        if missing_reported.insert(a.to_string()) {
            conflicts.push(format!("{what} is in account '{a}', which neither the document nor the inventory has"));
        }
        false
    };

    // Key pairs.
    let mut by_identity: HashMap<Identity<'_>, KeyTarget> = HashMap::new();
    let mut refused_keys: HashSet<Identity<'_>> = HashSet::new();
    let mut doc_names: HashMap<DocScope<'_>, HashSet<&str>> = HashMap::new();
    let mut clashes: Vec<(usize, KeyInfo)> = Vec::new();
    let mut lookup = conn.prepare_cached(
        "SELECT id, fingerprint_sha256 FROM key_pairs WHERE ifnull(account_id, 0) = ifnull(?1, 0) AND region = ?2 AND name = ?3",
    )?;
    let mut same_key = conn.prepare_cached(
        "SELECT id, name FROM key_pairs WHERE ifnull(account_id, 0) = ifnull(?1, 0) AND region = ?2
         AND fingerprint_sha256 = ?3 ORDER BY id LIMIT 1",
    )?;
    for (i, k) in doc.key_pairs.iter().enumerate() {
        let id: Identity<'_> = (k.account.as_deref(), &k.region, &k.name);
        let label = k.label();
        if !doc_names.entry((id.0, id.1)).or_default().insert(id.2) {
            p.conflicts.push(format!("the document lists key pair {label} twice"));
            continue;
        }
        let problem = key_problem(k);
        let info = match (&problem, read_public_key(&k.columns.public_key)) {
            (None, Ok(info)) if k.fingerprint_sha256.is_empty() || k.fingerprint_sha256 == info.fingerprint_sha256 => {
                Some(info)
            }
            (Some(e), _) => {
                p.conflicts.push(format!("key pair {label}: {e}"));
                None
            }
            (None, Ok(info)) => {
                p.conflicts.push(format!(
                    "key pair {label}: the document gives the fingerprint {} but its public key is {}",
                    k.fingerprint_sha256, info.fingerprint_sha256
                ));
                None
            }
            (None, Err(e)) => {
                p.conflicts.push(format!("key pair {label}: its public key cannot be read: {e}"));
                None
            }
        };
        let (Some(info), true) = (info, account_usable(&k.account, &format!("key pair {label}"), &mut p.conflicts))
        else {
            refused_keys.insert(id);
            continue;
        };
        let account_id = match &k.account {
            None => Some(None),
            Some(a) => existing_accounts.get(a).map(|e| Some(e.0)),
        };
        // A key pair in an account the import creates cannot be in the inventory yet.
        let existing: Option<(i64, String)> = match account_id {
            Some(account_id) => {
                lookup.query_row(params![account_id, k.region, k.name], |r| Ok((r.get(0)?, r.get(1)?))).optional()?
            }
            None => None,
        };
        // On a clash, the same key under another name in the same account and region
        // is this key pair, imported under a new name before: present, not renamed again.
        let renamed_before: Option<(i64, String)> = match (&existing, account_id) {
            (Some((_, fp)), Some(account_id)) if *fp != info.fingerprint_sha256 => same_key
                .query_row(params![account_id, k.region, info.fingerprint_sha256], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?,
            _ => None,
        };
        let key_ref = KeyRef { account: k.account.clone(), region: k.region.clone(), name: k.name.clone() };
        if let Some((id_here, name_here)) = renamed_before {
            by_identity.insert(id, KeyTarget::Existing(id_here));
            p.key_pairs_present.push(KeyRef { name: name_here, ..key_ref });
            continue;
        }
        match existing {
            Some((id_here, fp)) if fp == info.fingerprint_sha256 => {
                by_identity.insert(id, KeyTarget::Existing(id_here));
                p.key_pairs_present.push(key_ref);
            }
            Some((_, fp)) if !rename => {
                p.conflicts.push(format!(
                    "key pair {label}: the inventory has another key under that name ({fp}, the document's is {}); \
                     renaming clashing key pairs gives the document's a new name",
                    info.fingerprint_sha256
                ));
                refused_keys.insert(id);
            }
            Some(_) => clashes.push((i, info)),
            None => {
                by_identity.insert(id, KeyTarget::New(p.ops.keys.len()));
                p.ops.keys.push(NewKey { doc: i, name: k.name.clone(), info });
                p.key_pairs_added.push(key_ref);
            }
        }
    }
    drop((lookup, same_key));
    rename_clashes(conn, doc, clashes, &doc_names, &existing_accounts, &mut p, &mut by_identity)?;
    check_quotas(conn, doc, &existing_accounts, &mut p)?;

    // Hosts.
    let mut existing_hosts: HashMap<String, (i64, u16, Vec<String>)> = HashMap::new();
    {
        let mut st = conn.prepare(
            "SELECT h.name, h.id, h.port, a.address FROM hosts h LEFT JOIN host_addresses a ON a.host_id = h.id
             ORDER BY h.id, a.position",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let e = existing_hosts.entry(r.get(0)?).or_insert((r.get(1)?, r.get(2)?, Vec::new()));
            if let Some(a) = r.get::<_, Option<String>>(3)? {
                e.2.push(a);
            }
        }
    }
    let mut host_targets: HashMap<&str, HostTarget> = HashMap::new();
    let mut refused_hosts: HashSet<&str> = HashSet::new();
    for (i, h) in doc.hosts.iter().enumerate() {
        let name = h.name.as_str();
        if host_targets.contains_key(name) || refused_hosts.contains(name) {
            p.conflicts.push(format!("the document lists host '{name}' twice"));
            continue;
        }
        let checked = check_host(&new_host(h)).and_then(|()| authorized_keys_path(&new_host(h)));
        if let Err(e) = checked {
            p.conflicts.push(format!("host '{name}': {e}"));
            refused_hosts.insert(name);
            continue;
        }
        // A host elsewhere is reported even in a refused account: it is a conflict of
        // its own.
        let elsewhere = existing_hosts
            .get(name)
            .filter(|(_, port, addresses)| *port != h.columns.port || !same_set(addresses, &h.addresses));
        if elsewhere.is_none() && !account_usable(&h.account, &format!("host '{name}'"), &mut p.conflicts) {
            refused_hosts.insert(name);
            continue;
        }
        match existing_hosts.get(name) {
            Some((id, port, addresses)) if *port == h.columns.port && same_set(addresses, &h.addresses) => {
                host_targets.insert(name, HostTarget::Existing(*id));
                p.hosts_present.push(h.name.clone());
            }
            Some((_, port, addresses)) => {
                p.conflicts.push(format!(
                    "host '{name}' is {} (port {port}) here but {} (port {}) in the document",
                    addresses.join(", "),
                    h.addresses.join(", "),
                    h.columns.port
                ));
                refused_hosts.insert(name);
            }
            None => {
                host_targets.insert(name, HostTarget::New(i));
                p.ops.hosts.push(i);
                p.hosts_added.push(h.name.clone());
            }
        }
    }

    // Bindings.
    let mut bound: HashSet<(i64, i64)> = HashSet::new();
    {
        let mut st = conn.prepare("SELECT host_id, key_pair_id FROM bindings")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            bound.insert((r.get(0)?, r.get(1)?));
        }
    }
    let mut planned: HashSet<(KeyTarget, HostTarget)> = HashSet::new();
    // Built the first time a binding names its key pair by fingerprint.
    let doc_fps = std::cell::OnceCell::new();
    for b in &doc.bindings {
        let host = match host_targets.get(b.host.as_str()) {
            Some(t) => *t,
            None if refused_hosts.contains(b.host.as_str()) => continue,
            None => match existing_hosts.get(&b.host) {
                Some(h) => HostTarget::Existing(h.0),
                None => {
                    p.conflicts.push(format!(
                        "a binding names host '{}', which neither the document nor the inventory has",
                        b.host
                    ));
                    continue;
                }
            },
        };
        let key = match binding_key(conn, doc, &doc_fps, b, &by_identity, &refused_keys, &existing_accounts)? {
            Ok(Some(k)) => k,
            Ok(None) => continue,
            Err(e) => {
                p.conflicts.push(format!("the binding to host '{}': {e}", b.host));
                continue;
            }
        };
        if let (KeyTarget::Existing(k), HostTarget::Existing(h)) = (key, host) {
            if bound.contains(&(h, k)) {
                continue;
            }
        }
        if planned.insert((key, host)) {
            p.ops.bindings.push((key, host, b.bound_at));
            p.bindings_added.push((key_ref_of(conn, doc, &p.ops, key)?, b.host.clone()));
        }
    }

    plan_activity(conn, doc, &mut p)?;
    Ok(p)
}

/// What breaks a rule in a key pair of the document, before its key is read.
fn key_problem(k: &super::document::KeyPairEntry) -> Option<String> {
    if let Err(e) = check_key_name(&k.name) {
        return Some(e);
    }
    if !matches!(k.columns.origin.as_str(), "generated" | "imported") {
        return Some(format!("origin must be \"generated\" or \"imported\", not \"{}\"", k.columns.origin));
    }
    if k.tags.len() > MAX_TAGS {
        return Some(format!("A key pair can have at most {MAX_TAGS} tags (it has {})", k.tags.len()));
    }
    k.tags.iter().find_map(|(key, value)| check_tag(key, value).err())
}

/// Gives the key pairs that clash with another key of the inventory new names, per
/// account and region, avoiding every name the inventory and the document use there.
fn rename_clashes<'d>(
    conn: &Connection,
    doc: &'d Document,
    clashes: Vec<(usize, KeyInfo)>,
    doc_names: &HashMap<DocScope<'_>, HashSet<&str>>,
    accounts: &HashMap<String, (i64, Provider)>,
    p: &mut ImportPlan,
    by_identity: &mut HashMap<Identity<'d>, KeyTarget>,
) -> Result<()> {
    let mut by_scope: HashMap<DocScope<'_>, Vec<(usize, KeyInfo)>> = HashMap::new();
    for (i, info) in clashes {
        let k = &doc.key_pairs[i];
        by_scope.entry((k.account.as_deref(), &k.region)).or_default().push((i, info));
    }
    let mut scopes: Vec<_> = by_scope.into_iter().collect();
    scopes.sort_by(|a, b| a.0.cmp(&b.0));
    for ((account, region), keys) in scopes {
        let account_id = account.and_then(|a| accounts.get(a)).map(|a| a.0);
        let mut st =
            conn.prepare("SELECT name FROM key_pairs WHERE ifnull(account_id, 0) = ifnull(?1, 0) AND region = ?2")?;
        let here: HashSet<String> =
            st.query_map(params![account_id, region], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        let in_doc = doc_names.get(&(account, region));
        // Named after the old name: `web` becomes `web-2` (or `-3`, ...), as imports do.
        let wanted: Vec<ImportKey> = keys
            .iter()
            .map(|(i, info)| {
                let mut info = info.clone();
                info.comment.clear();
                let mut k = ImportKey::new(0, info);
                k.name_hint = Some(doc.key_pairs[*i].name.clone());
                k
            })
            .collect();
        let names = import_names(&wanted, None, |n| here.contains(n) || in_doc.is_some_and(|d| d.contains(n)));
        for ((i, info), name) in keys.into_iter().zip(names) {
            let k = &doc.key_pairs[i];
            p.renamed.push(Renamed {
                account: k.account.clone(),
                region: k.region.clone(),
                from: k.name.clone(),
                to: name.clone(),
            });
            p.key_pairs_added.push(KeyRef { account: k.account.clone(), region: k.region.clone(), name: name.clone() });
            by_identity.insert((k.account.as_deref(), &k.region, &k.name), KeyTarget::New(p.ops.keys.len()));
            p.ops.keys.push(NewKey { doc: i, name, info });
        }
    }
    Ok(())
}

/// The per-account, per-region limit of each account's provider (the provider table's,
/// as for every other way in), for the key pairs the import adds.
fn check_quotas(
    conn: &Connection,
    doc: &Document,
    accounts: &HashMap<String, (i64, Provider)>,
    p: &mut ImportPlan,
) -> Result<()> {
    let mut adding: HashMap<(&str, &str), i64> = HashMap::new();
    for k in &p.ops.keys {
        let e = &doc.key_pairs[k.doc];
        if let Some(a) = &e.account {
            *adding.entry((a, &e.region)).or_default() += 1;
        }
    }
    let mut scopes: Vec<_> = adding.into_iter().collect();
    scopes.sort();
    for ((account, region), n) in scopes {
        // An account the import adds has the document's provider.
        let provider = accounts
            .get(account)
            .map(|(_, p)| *p)
            .or_else(|| doc.accounts.iter().find(|a| a.name == account).and_then(|a| Provider::parse(&a.provider)));
        let quota = provider.unwrap_or(Provider::Other).rules().quota;
        let has: i64 = match accounts.get(account) {
            Some((id, _)) => conn.query_row(
                "SELECT count(*) FROM key_pairs WHERE account_id = ?1 AND region = ?2",
                params![id, region],
                |r| r.get(0),
            )?,
            None => 0,
        };
        if has + n > quota {
            p.conflicts.push(format!(
                "importing {n} key pairs would take {} past {quota}, the most one {} account may have in a region (it has {has})",
                scope_label(Some(account), region),
                provider.unwrap_or(Provider::Other).display_name(),
            ));
        }
    }
    Ok(())
}

/// The document's key pairs by fingerprint, both the one it gives and the one its public
/// key has, in document order: each public key is read once, not once per binding.
fn doc_fingerprints(doc: &Document) -> HashMap<String, Vec<usize>> {
    let mut by_fp: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, k) in doc.key_pairs.iter().enumerate() {
        let read = read_public_key(&k.columns.public_key).ok().map(|info| info.fingerprint_sha256);
        for fp in std::iter::once(k.fingerprint_sha256.clone()).chain(read) {
            let at = by_fp.entry(fp).or_default();
            if at.last() != Some(&i) {
                at.push(i);
            }
        }
    }
    by_fp
}

/// The key pair a binding names: by account, region and name (the document's key
/// pairs first, then the inventory's), else by fingerprint. `Ok(None)`: a key pair
/// already refused, so the binding is left out without a second message.
fn binding_key(
    conn: &Connection,
    doc: &Document,
    doc_fps: &std::cell::OnceCell<HashMap<String, Vec<usize>>>,
    b: &super::document::BindingEntry,
    by_identity: &HashMap<Identity<'_>, KeyTarget>,
    refused: &HashSet<Identity<'_>>,
    accounts: &HashMap<String, (i64, Provider)>,
) -> Result<std::result::Result<Option<KeyTarget>, String>> {
    let scope = scope_label(b.account.as_deref(), &b.region);
    if let Some(name) = &b.key_pair {
        let id: Identity<'_> = (b.account.as_deref(), &b.region, name);
        if let Some(t) = by_identity.get(&id) {
            return Ok(Ok(Some(*t)));
        }
        if refused.contains(&id) {
            return Ok(Ok(None));
        }
        let account_id = match &b.account {
            None => None,
            Some(a) => match accounts.get(a) {
                Some(e) => Some(e.0),
                None => return Ok(Err(format!("no key pair '{name}' ({scope}) in the document or the inventory"))),
            },
        };
        let found: Option<i64> = conn
            .query_row(
                "SELECT id FROM key_pairs WHERE ifnull(account_id, 0) = ifnull(?1, 0) AND region = ?2 AND name = ?3",
                params![account_id, b.region, name],
                |r| r.get(0),
            )
            .optional()?;
        return Ok(found
            .map(|id| Some(KeyTarget::Existing(id)))
            .ok_or_else(|| format!("no key pair '{name}' ({scope}) in the document or the inventory")));
    }
    if b.fingerprint_sha256.is_empty() {
        return Ok(Err("it names no key pair (give key_pair, or fingerprint_sha256)".into()));
    }
    let fp = &b.fingerprint_sha256;
    let in_doc: Vec<&super::document::KeyPairEntry> = match doc_fps.get_or_init(|| doc_fingerprints(doc)).get(fp) {
        Some(at) => at.iter().map(|&i| &doc.key_pairs[i]).collect(),
        None => Vec::new(),
    };
    match in_doc.as_slice() {
        [k] => {
            let id: Identity<'_> = (k.account.as_deref(), &k.region, &k.name);
            return Ok(Ok(by_identity.get(&id).copied()));
        }
        [] => {}
        many => {
            let names: Vec<String> = many.iter().map(|k| k.label()).collect();
            return Ok(Err(format!("{fp} is more than one key pair of the document: {}", names.join(", "))));
        }
    }
    let mut st = conn.prepare_cached("SELECT id FROM key_pairs WHERE fingerprint_sha256 = ?1 LIMIT 2")?;
    let ids: Vec<i64> = st.query_map([fp], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
    Ok(match ids.as_slice() {
        [id] => Ok(Some(KeyTarget::Existing(*id))),
        [] => Err(format!("no key pair with fingerprint {fp} in the document or the inventory")),
        _ => Err(format!("{fp} is more than one key pair of the inventory; name the key pair instead")),
    })
}

/// A key target as [`KeyRef`], for the plan's list of bindings.
fn key_ref_of(conn: &Connection, doc: &Document, ops: &Ops, key: KeyTarget) -> Result<KeyRef> {
    match key {
        KeyTarget::New(i) => {
            let k = &doc.key_pairs[ops.keys[i].doc];
            Ok(KeyRef { account: k.account.clone(), region: k.region.clone(), name: ops.keys[i].name.clone() })
        }
        KeyTarget::Existing(id) => Ok(conn
            .prepare_cached(
                "SELECT a.name, k.region, k.name FROM key_pairs k LEFT JOIN accounts a ON a.id = k.account_id WHERE k.id = ?1",
            )?
            .query_row([id], |r| Ok(KeyRef { account: r.get(0)?, region: r.get(1)?, name: r.get(2)? }))?),
    }
}

/// The document's activity entries the inventory does not have yet. Entries are
/// counted, not just looked up: two identical entries of the document (the same
/// change twice in one second) are both kept, and a second import adds neither.
fn plan_activity(conn: &Connection, doc: &Document, p: &mut ImportPlan) -> Result<()> {
    let (Some(lo), Some(hi)) = (doc.activity.iter().map(|a| a.at).min(), doc.activity.iter().map(|a| a.at).max())
    else {
        return Ok(());
    };
    let mut have: HashMap<(i64, String, String, String), usize> = HashMap::new();
    let mut st = conn.prepare("SELECT at, action, subject, detail FROM activity WHERE at BETWEEN ?1 AND ?2")?;
    let mut rows = st.query([lo, hi])?;
    while let Some(r) = rows.next()? {
        *have.entry((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)).or_default() += 1;
    }
    let mut order: Vec<usize> = (0..doc.activity.len()).collect();
    order.sort_by_key(|&i| doc.activity[i].at);
    for i in order {
        let a = &doc.activity[i];
        match have.get_mut(&(a.at, a.action.clone(), a.subject.clone(), a.detail.clone())) {
            Some(n) if *n > 0 => *n -= 1,
            _ => p.ops.activity.push(i),
        }
    }
    p.activity_added = p.ops.activity.len();
    Ok(())
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    b.sort();
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{export_document, ActivityEntry, BindingEntry, NewKeyPair, Origin};
    use crate::keys::{GeneratedKey, KeyKind, KeySpec};

    fn open(dir: &tempfile::TempDir, name: &str) -> Inventory {
        Inventory::open(&dir.path().join(name)).unwrap()
    }

    fn add_key(inv: &mut Inventory, name: &str, account: Option<&str>) -> KeyInfo {
        let spec = KeySpec::new(KeyKind::Ed25519, None).unwrap();
        let info = GeneratedKey::generate(spec, name).unwrap().info().clone();
        inv.add_key(&NewKeyPair {
            name: name.into(),
            description: String::new(),
            account: account.map(str::to_string),
            region: "fra1".into(),
            info: info.clone(),
            origin: Origin::Imported,
            private_key_path: None,
            tags: Vec::new(),
        })
        .unwrap();
        info
    }

    fn add_host(inv: &mut Inventory, name: &str) {
        let host =
            NewHost { name: name.into(), addresses: vec![format!("{name}.example")], port: 22, ..Default::default() };
        inv.add_host(&host).unwrap();
    }

    /// The export without its time: what must not change when nothing is imported.
    fn content(inv: &Inventory) -> Document {
        Document { exported_at: 0, ..export_document(inv).unwrap() }
    }

    #[test]
    fn an_accounts_cloud_settings_travel_with_it_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut from = open(&dir, "from.sqlite3");
        from.add_account("tc", Provider::Tencent, "").unwrap();
        from.set_account_cloud("tc", Some("work"), Some("ap-singapore"), Some("https://proxy.example")).unwrap();
        let doc = export_document(&from).unwrap();
        assert_eq!(doc.accounts[0].profile.as_deref(), Some("work"));
        let mut to = open(&dir, "to.sqlite3");
        apply_import(&mut to, &doc, false).unwrap();
        let a = to.account("tc").unwrap();
        assert_eq!(
            (a.profile.as_deref(), a.region.as_str(), a.endpoint.as_deref()),
            (Some("work"), "ap-singapore", Some("https://proxy.example"))
        );
        let mut bad = doc.clone();
        bad.accounts[0].name = "tc2".into();
        bad.accounts[0].default_region = "Not A Region".into();
        let e = apply_import(&mut to, &bad, false).unwrap_err();
        assert!(e.to_string().contains("conflict") || matches!(e, InventoryError::ImportConflicts(_)), "{e}");
        assert!(to.account("tc2").is_err());
    }

    #[test]
    fn a_clash_changes_nothing_and_rename_takes_the_next_free_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut from = open(&dir, "from.sqlite3");
        from.add_account("acme", Provider::Aws, "").unwrap();
        let theirs = add_key(&mut from, "web", Some("acme"));
        add_host(&mut from, "h1");
        let id = from.resolve_key("web", &Default::default()).unwrap().id;
        from.bind(id, &["h1".into()]).unwrap();
        let doc = export_document(&from).unwrap();

        let mut to = open(&dir, "to.sqlite3");
        to.add_account("acme", Provider::Aws, "").unwrap();
        add_key(&mut to, "web", Some("acme"));
        add_key(&mut to, "web-2", Some("acme"));
        let before = content(&to);
        let plan = plan_import(&to, &doc, false).unwrap();
        assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
        assert!(
            plan.conflicts[0].contains("'web' (acme / fra1)")
                && plan.conflicts[0].contains("renaming clashing key pairs")
        );
        match apply_import(&mut to, &doc, false) {
            Err(InventoryError::ImportConflicts(s)) => assert_eq!(s.conflicts, plan.conflicts),
            other => panic!("expected the conflict, got {other:?}"),
        }
        assert_eq!(content(&to), before, "a refused import changes nothing");

        let planned = plan_import(&to, &doc, true).unwrap();
        let done = apply_import(&mut to, &doc, true).unwrap();
        assert_eq!(planned.summary(), done, "the plan says what the import does");
        let renamed =
            Renamed { account: Some("acme".into()), region: "fra1".into(), from: "web".into(), to: "web-3".into() };
        assert_eq!(done.renamed, vec![renamed]);
        assert_eq!((done.key_pairs_added, done.hosts_added, done.bindings_added, done.accounts_added), (1, 1, 1, 0));
        let k = to.resolve_key("web-3", &Default::default()).unwrap();
        assert_eq!((k.fingerprint_sha256, k.hosts), (theirs.fingerprint_sha256, vec!["h1".to_string()]));
        // Again, with or without --rename: the renamed key pair is recognised by its key.
        let after = content(&to);
        for rename in [true, false] {
            let again = apply_import(&mut to, &doc, rename).unwrap();
            assert_eq!((again.key_pairs_added, again.key_pairs_present, again.bindings_added), (0, 1, 0), "{again:?}");
            assert!(again.renamed.is_empty() && again.conflicts.is_empty(), "{again:?}");
            assert_eq!(content(&to), after, "a second import changes nothing");
        }
    }

    #[test]
    fn twin_activity_entries_are_both_kept_and_a_binding_may_name_a_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let mut from = open(&dir, "from.sqlite3");
        let info = add_key(&mut from, "solo", None);
        let mut doc = export_document(&from).unwrap();
        let twin =
            ActivityEntry { at: 1_700_000_000, action: "edit".into(), subject: "solo".into(), detail: "x".into() };
        doc.activity = vec![twin.clone(), twin];
        doc.hosts = Vec::new();
        doc.bindings = vec![BindingEntry {
            host: "h1".into(),
            account: None,
            region: String::new(),
            key_pair: None,
            fingerprint_sha256: info.fingerprint_sha256.clone(),
            bound_at: 1_700_000_100,
        }];

        let mut to = open(&dir, "to.sqlite3");
        add_host(&mut to, "h1");
        let done = apply_import(&mut to, &doc, false).unwrap();
        assert_eq!((done.key_pairs_added, done.bindings_added, done.activity_added), (1, 1, 2), "{done:?}");
        let h1 = to.host("h1").unwrap();
        assert_eq!((h1.keys.len(), h1.bound_at), (1, Some(1_700_000_100)));
        let edits = to.activity(100, Some("edit")).unwrap();
        assert_eq!(edits.iter().filter(|a| a.at == 1_700_000_000).count(), 2, "both twins: {edits:?}");

        // Nothing new: nothing written, not even the activity entry of an import.
        let logged = to.activity(1000, None).unwrap().len();
        let again = apply_import(&mut to, &doc, false).unwrap();
        assert_eq!(again, ImportSummary { key_pairs_present: 1, ..Default::default() });
        assert_eq!(to.activity(1000, None).unwrap().len(), logged);

        // A fingerprint nobody has is a conflict, as is a host nobody has.
        doc.bindings[0].fingerprint_sha256 = "SHA256:nothing".into();
        doc.bindings.push(BindingEntry { host: "h9".into(), key_pair: Some("solo".into()), ..doc.bindings[0].clone() });
        let plan = plan_import(&to, &doc, false).unwrap();
        assert_eq!(plan.conflicts.len(), 2, "{:?}", plan.conflicts);
        assert!(plan.conflicts[0].contains("no key pair with fingerprint SHA256:nothing"), "{:?}", plan.conflicts);
        assert!(plan.conflicts[1].contains("host 'h9'"), "{:?}", plan.conflicts);
    }

    #[test]
    fn the_quota_is_the_providers_600_aws_key_pairs_merge_and_a_501st_alibaba_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut from = open(&dir, "from.sqlite3");
        from.add_account("big", Provider::Aws, "").unwrap();
        for i in 0..600 {
            add_key(&mut from, &format!("k{i}"), Some("big"));
        }
        let doc = export_document(&from).unwrap();
        let mut to = open(&dir, "to.sqlite3");
        let done = apply_import(&mut to, &doc, false).unwrap();
        assert_eq!(done.key_pairs_added, 600, "AWS allows 5,000 per region: {:?}", done.conflicts);

        // The same document for an Alibaba Cloud account: 500 at most.
        let mut ali = doc.clone();
        ali.accounts[0].provider = "alibaba".into();
        ali.key_pairs.truncate(501);
        let mut other = open(&dir, "other.sqlite3");
        let plan = plan_import(&other, &ali, false).unwrap();
        assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
        assert!(
            plan.conflicts[0].contains("past 500") && plan.conflicts[0].contains("Alibaba Cloud"),
            "{:?}",
            plan.conflicts
        );
        ali.key_pairs.truncate(500);
        assert_eq!(apply_import(&mut other, &ali, false).unwrap().key_pairs_added, 500);
    }
}
