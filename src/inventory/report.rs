//! The hygiene report: what in the inventory needs attention (weak or old keys, rotations
//! due, private key files gone or readable by others, unused or shared keys, keys a
//! provider will not import, hosts whose last login check failed), each with what to do.
//! One read of the key pairs and one of the hosts; only key pairs with a private key
//! path cost a file system call each.

use std::collections::HashMap;

use serde::Serialize;
use time::{Date, Duration};

use super::dates::format_date;
use super::providers::KeyFamily;
use super::{scope_label, type_warning, Inventory, Provider, Result};

/// Rotate-by dates this close (in days) are reported as due soon.
pub const SOON_DAYS: i64 = 30;
/// Key pairs older than this (in days) without a rotate-by date are reported as old.
pub const OLD_DAYS: i64 = 365;

/// What a finding is about. The JSON and CLI spelling is [`FindingKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    // Declared most urgent first: the report lists kinds in this order.
    /// RSA under 2048 bits, or DSA.
    WeakKey,
    /// The private key file is open to group or others.
    PrivateKeyMode,
    /// A host whose last login check did not succeed.
    CheckFailed,
    /// Its rotate-by date is past.
    RotateOverdue,
    /// The account's provider does not import this key type.
    TypeNotAccepted,
    /// The private key file Keyshelf remembers is not there any more.
    PrivateKeyMissing,
    /// Made here, and its private key was never saved (discarded): nobody can log in
    /// with it.
    NoPrivateKey,
    /// Its rotate-by date is within [`SOON_DAYS`].
    RotateSoon,
    /// The same public key is in several accounts.
    DuplicateKey,
    /// Created more than [`OLD_DAYS`] ago, and no rotate-by date.
    OldKey,
    /// Bound to no host.
    Unbound,
}

impl FindingKind {
    /// Every kind, in the order the report lists them.
    pub const ALL: [FindingKind; 11] = [
        FindingKind::WeakKey,
        FindingKind::PrivateKeyMode,
        FindingKind::CheckFailed,
        FindingKind::RotateOverdue,
        FindingKind::TypeNotAccepted,
        FindingKind::PrivateKeyMissing,
        FindingKind::NoPrivateKey,
        FindingKind::RotateSoon,
        FindingKind::DuplicateKey,
        FindingKind::OldKey,
        FindingKind::Unbound,
    ];

    /// Worth knowing, not a problem by itself: the app folds these groups at first.
    pub fn informational(self) -> bool {
        matches!(self, FindingKind::Unbound | FindingKind::OldKey)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::WeakKey => "weak_key",
            FindingKind::RotateOverdue => "rotate_overdue",
            FindingKind::RotateSoon => "rotate_soon",
            FindingKind::OldKey => "old_key",
            FindingKind::PrivateKeyMissing => "private_key_missing",
            FindingKind::NoPrivateKey => "no_private_key",
            FindingKind::PrivateKeyMode => "private_key_mode",
            FindingKind::Unbound => "unbound",
            FindingKind::DuplicateKey => "duplicate_key",
            FindingKind::TypeNotAccepted => "type_not_accepted",
            FindingKind::CheckFailed => "check_failed",
        }
    }

    /// A heading for a group of findings of this kind.
    pub fn title(self) -> &'static str {
        match self {
            FindingKind::WeakKey => "Weak keys",
            FindingKind::RotateOverdue => "Rotation overdue",
            FindingKind::RotateSoon => "Rotation due soon",
            FindingKind::OldKey => "Old keys without a rotate-by date",
            FindingKind::PrivateKeyMissing => "Private key files missing",
            FindingKind::NoPrivateKey => "Key pairs made here whose private key was not saved",
            FindingKind::PrivateKeyMode => "Private key files others can read",
            FindingKind::Unbound => "Key pairs bound to no host",
            FindingKind::DuplicateKey => "The same key in several accounts",
            FindingKind::TypeNotAccepted => "Key types the provider does not import",
            FindingKind::CheckFailed => "Hosts whose last login check failed",
        }
    }
}

/// One thing that needs attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// The key pair it is about, if any (its name; names repeat across accounts, the id
    /// does not).
    pub key_pair: Option<String>,
    pub key_pair_id: Option<i64>,
    /// The host it is about, if any.
    pub host: Option<String>,
    /// The key pair's account and region (to name it where its name repeats).
    pub account: Option<String>,
    pub region: String,
    /// What is wrong, in a sentence.
    pub message: String,
    /// What to do about it, as data: the CLI says it as commands, the app as its buttons.
    pub fix: Fix,
}

/// What to do about a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Make an Ed25519 key pair and move the hosts to it.
    ReplaceWithEd25519,
    /// Move its hosts to a new key pair.
    Rotate,
    /// Rotate it, or plan it with a rotate-by date.
    RotateOrPlan,
    /// Put the private key file back; if it is lost, replace the key pair.
    RestoreOrReplace,
    /// Nobody holds its private key: replace it where it is used, else delete it.
    ReplaceOrDelete,
    /// Make the private key file readable by its owner alone.
    RestrictFile { path: String },
    /// Bind it to the hosts that trust it, or delete it if nothing uses it.
    BindOrDelete,
    /// Give each account its own key pair.
    OwnKeyPerAccount,
    /// Make a key pair of a type the account's cloud imports (`ed25519`, `rsa`,
    /// `ecdsa`) and move the hosts to it.
    CreateType { kind: &'static str },
    /// Fix what the check said, then check the host's login again.
    CheckHostAgain,
}

/// What the report needs of a key pair: one row of one query.
struct KeyRow {
    id: i64,
    name: String,
    account: Option<String>,
    provider: Option<Provider>,
    region: String,
    algorithm: String,
    bits: u32,
    weak: bool,
    private_key_path: Option<String>,
    generated: bool,
    created_at: i64,
    rotate_by: Option<Date>,
    fingerprint: String,
    bound: bool,
}

impl KeyRow {
    fn scope(&self) -> String {
        scope_label(self.account.as_deref(), &self.region)
    }

    fn finding(&self, kind: FindingKind, message: String, fix: Fix) -> Finding {
        Finding {
            kind,
            key_pair: Some(self.name.clone()),
            key_pair_id: Some(self.id),
            host: None,
            account: self.account.clone(),
            region: self.region.clone(),
            message: format!("{} ({}): {message}", self.name, self.scope()),
            fix,
        }
    }
}

/// Everything in the inventory that needs attention on `today`, ordered by kind (as in
/// [`FindingKind::ALL`]), then key pair or host name.
pub fn report(inv: &Inventory, today: Date) -> Result<Vec<Finding>> {
    // One snapshot for both reads.
    let _snapshot = if inv.conn.is_autocommit() { Some(inv.conn.unchecked_transaction()?) } else { None };
    let keys = key_rows(inv)?;
    let mut out = Vec::new();
    let soon = today + Duration::days(SOON_DAYS);
    let old = (today - Duration::days(OLD_DAYS)).midnight().assume_utc().unix_timestamp();
    // Key pairs in an account, by public key: the ones shared by several accounts.
    let mut by_fingerprint: HashMap<&str, Vec<&KeyRow>> = HashMap::new();
    for k in keys.iter().filter(|k| k.account.is_some()) {
        by_fingerprint.entry(k.fingerprint.as_str()).or_default().push(k);
    }
    by_fingerprint.retain(|_, same| same.iter().any(|o| o.account != same[0].account));
    for k in &keys {
        if k.weak {
            out.push(k.finding(
                FindingKind::WeakKey,
                format!(
                    "{} is weak: RSA under 2048 bits and DSA are below today's minimum, and many servers and clouds refuse them",
                    type_of(k)
                ),
                Fix::ReplaceWithEd25519,
            ));
        }
        match k.rotate_by {
            Some(d) if d < today => out.push(k.finding(
                FindingKind::RotateOverdue,
                format!("was to be rotated by {} ({} days ago)", format_date(d), (today - d).whole_days()),
                Fix::Rotate,
            )),
            Some(d) if d <= soon => out.push(k.finding(
                FindingKind::RotateSoon,
                match (d - today).whole_days() {
                    0 => format!("is to be rotated by today, {}", format_date(d)),
                    n => format!("is to be rotated by {} (in {n} days)", format_date(d)),
                },
                Fix::Rotate,
            )),
            Some(_) => {}
            None if k.created_at < old => out.push(k.finding(
                FindingKind::OldKey,
                format!("was created on {}, more than a year ago, and has no rotate-by date", created_on(k.created_at)),
                Fix::RotateOrPlan,
            )),
            None => {}
        }
        match &k.private_key_path {
            Some(p) => private_key_file(k, p, &mut out),
            None if k.generated => out.push(k.finding(
                FindingKind::NoPrivateKey,
                "was made here and its private key was not saved: nobody can log in with it".into(),
                Fix::ReplaceOrDelete,
            )),
            None => {}
        }
        if !k.bound {
            out.push(k.finding(FindingKind::Unbound, "is bound to no host".into(), Fix::BindOrDelete));
        }
        if let Some(same) = by_fingerprint.get(k.fingerprint.as_str()).filter(|_| k.account.is_some()) {
            out.push(duplicate(k, same));
        }
        if let Some(w) = k.provider.and_then(|p| type_warning(p, &k.algorithm, k.bits)) {
            out.push(k.finding(FindingKind::TypeNotAccepted, w, accepted_instead(k)));
        }
    }
    failed_checks(inv, &mut out)?;
    // Key pairs and hosts were read in name order: a stable sort by kind keeps it.
    out.sort_by_key(|f| f.kind);
    Ok(out)
}

/// At most this many other key pairs are named in a duplicate's message: a key shared
/// by thousands of key pairs would otherwise cost each of them a list of thousands.
const DUPLICATES_NAMED: usize = 3;

fn duplicate(k: &KeyRow, same: &[&KeyRow]) -> Finding {
    let others: Vec<String> = same
        .iter()
        .filter(|o| o.id != k.id)
        .take(DUPLICATES_NAMED)
        .map(|o| format!("{} ({})", o.name, o.scope()))
        .collect();
    let more = (same.len() - 1).saturating_sub(others.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    k.finding(
        FindingKind::DuplicateKey,
        format!("the same public key is also in {}{more}", others.join(", ")),
        Fix::OwnKeyPerAccount,
    )
}

fn key_rows(inv: &Inventory) -> Result<Vec<KeyRow>> {
    let mut st = inv.conn.prepare(
        "SELECT k.id, k.name, a.name, a.provider, k.region, k.algorithm, k.bits, k.weak, k.private_key_path,
                k.created_at, k.rotate_by, k.fingerprint_sha256,
                EXISTS (SELECT 1 FROM bindings b WHERE b.key_pair_id = k.id), k.origin = 'generated'
         FROM key_pairs k LEFT JOIN accounts a ON a.id = k.account_id ORDER BY k.name, k.id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(KeyRow {
            id: r.get(0)?,
            name: r.get(1)?,
            account: r.get(2)?,
            provider: r.get::<_, Option<String>>(3)?.map(|p| Provider::parse(&p).unwrap_or(Provider::Other)),
            region: r.get(4)?,
            algorithm: r.get(5)?,
            bits: r.get(6)?,
            weak: r.get(7)?,
            private_key_path: r.get(8)?,
            created_at: r.get(9)?,
            rotate_by: super::dates::date_column(r, 10)?,
            fingerprint: r.get(11)?,
            bound: r.get(12)?,
            generated: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn type_of(k: &KeyRow) -> String {
    crate::keys::type_label(&k.algorithm, k.bits)
}

fn created_on(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t).map(|d| format_date(d.date())).unwrap_or_else(|_| t.to_string())
}

/// The private key file's findings: gone, or open to group or others (what makes ssh
/// refuse it: "UNPROTECTED PRIVATE KEY FILE").
fn private_key_file(k: &KeyRow, path: &str, out: &mut Vec<Finding>) {
    use crate::secure_file::{private_file_state, PrivateFileState};
    match private_file_state(std::path::Path::new(path)) {
        PrivateFileState::Missing => out.push(k.finding(
            FindingKind::PrivateKeyMissing,
            format!("its private key file {path} is gone"),
            Fix::RestoreOrReplace,
        )),
        PrivateFileState::Open(mode) => out.push(k.finding(
            FindingKind::PrivateKeyMode,
            format!("its private key file {path} has mode {mode:04o}: others on this machine can read it, and ssh refuses it"),
            Fix::RestrictFile { path: path.to_string() },
        )),
        // Private, or nothing certain to report (an unreadable folder and the like).
        PrivateFileState::Private(_) | PrivateFileState::Unknown => {}
    }
}

/// What to make instead of a key type the provider does not import.
fn accepted_instead(k: &KeyRow) -> Fix {
    let accepts = k.provider.and_then(|p| p.rules().accepts).unwrap_or(&[]);
    let kind = [(KeyFamily::Ed25519, "ed25519"), (KeyFamily::Rsa, "rsa"), (KeyFamily::Ecdsa, "ecdsa")]
        .into_iter()
        .find(|(f, _)| accepts.contains(f))
        .map_or("ed25519", |(_, t)| t);
    Fix::CreateType { kind }
}

fn failed_checks(inv: &Inventory, out: &mut Vec<Finding>) -> Result<()> {
    let mut st = inv.conn.prepare(
        "SELECT name, check_status, check_message, checked_at FROM hosts
         WHERE check_status IS NOT NULL AND check_status != 'ok' ORDER BY name",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (host, status, message, at): (String, String, String, Option<i64>) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let when = at.map(created_on).map(|d| format!(" on {d}")).unwrap_or_default();
        let why = if message.is_empty() { String::new() } else { format!(": {message}") };
        out.push(Finding {
            kind: FindingKind::CheckFailed,
            key_pair: None,
            key_pair_id: None,
            account: None,
            region: String::new(),
            message: format!("{host}: the last login check{when} said {status}{why}"),
            fix: Fix::CheckHostAgain,
            host: Some(host),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{KeyEdit, NewHost, NewKeyPair, Origin};
    use crate::keys::{GeneratedKey, KeyKind, KeySpec};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 06 - 15);

    fn add(inv: &mut Inventory, name: &str, account: Option<&str>, region: &str, kind: KeyKind) -> i64 {
        let info = GeneratedKey::generate(KeySpec::new(kind, None).unwrap(), name).unwrap().info().clone();
        add_info(inv, name, account, region, info)
    }

    fn add_info(
        inv: &mut Inventory,
        name: &str,
        account: Option<&str>,
        region: &str,
        info: crate::keys::KeyInfo,
    ) -> i64 {
        let new = NewKeyPair {
            name: name.into(),
            description: String::new(),
            account: account.map(Into::into),
            region: region.into(),
            info,
            origin: Origin::Imported,
            private_key_path: None,
            tags: Vec::new(),
        };
        inv.add_key(&new).unwrap().id
    }

    fn kinds_of(findings: &[Finding], name: &str) -> Vec<FindingKind> {
        findings.iter().filter(|f| f.key_pair.as_deref() == Some(name)).map(|f| f.kind).collect()
    }

    #[test]
    fn dates_duplicates_and_checks_are_reported_at_their_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let mut inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        inv.add_account("prod", Provider::Aws, "").unwrap();
        inv.add_account("ali", Provider::Alibaba, "").unwrap();
        inv.add_host(&NewHost {
            name: "web".into(),
            addresses: vec!["web.example".into()],
            port: 22,
            ..Default::default()
        })
        .unwrap();
        inv.add_host(&NewHost {
            name: "db".into(),
            addresses: vec!["db.example".into()],
            port: 22,
            ..Default::default()
        })
        .unwrap();
        let dated = |inv: &mut Inventory, name: &str, d: Date| {
            let id = add(inv, name, Some("prod"), "r1", KeyKind::Ed25519);
            inv.bind(id, &["web".into()]).unwrap();
            inv.edit_key(id, &KeyEdit { rotate_by: Some(Some(d)), ..Default::default() }).unwrap();
            id
        };
        dated(&mut inv, "yesterday", date!(2026 - 06 - 14));
        dated(&mut inv, "today", TODAY);
        dated(&mut inv, "in-30", date!(2026 - 07 - 15));
        dated(&mut inv, "in-31", date!(2026 - 07 - 16));
        let old = add(&mut inv, "old", None, "", KeyKind::Ed25519);
        let young = add(&mut inv, "young", None, "", KeyKind::Ed25519);
        let year_ago = (TODAY - Duration::days(OLD_DAYS)).midnight().assume_utc().unix_timestamp();
        inv.conn.execute("UPDATE key_pairs SET created_at = ?1 WHERE id = ?2", [year_ago - 1, old]).unwrap();
        inv.conn.execute("UPDATE key_pairs SET created_at = ?1 WHERE id = ?2", [year_ago, young]).unwrap();
        // The same key in two regions of one account is how AWS works; in two accounts it is shared.
        let shared =
            GeneratedKey::generate(KeySpec::new(KeyKind::Rsa, Some(2048)).unwrap(), "s").unwrap().info().clone();
        add_info(&mut inv, "regional-a", Some("prod"), "r1", shared.clone());
        add_info(&mut inv, "regional-b", Some("prod"), "r2", shared.clone());
        add_info(&mut inv, "elsewhere", Some("ali"), "r1", shared);
        add(&mut inv, "ecdsa-in-aws", Some("prod"), "r1", KeyKind::Ecdsa);
        add(&mut inv, "ecdsa-in-alibaba", Some("ali"), "r1", KeyKind::Ecdsa);
        inv.record_check("web", "ok", "logs in").unwrap();
        inv.record_check("db", "refused", "Permission denied (publickey)").unwrap();

        let f = report(&inv, TODAY).unwrap();
        assert_eq!(kinds_of(&f, "yesterday"), [FindingKind::RotateOverdue]);
        assert_eq!(kinds_of(&f, "today"), [FindingKind::RotateSoon]);
        assert_eq!(kinds_of(&f, "in-30"), [FindingKind::RotateSoon]);
        assert_eq!(kinds_of(&f, "in-31"), []);
        assert_eq!(kinds_of(&f, "old"), [FindingKind::OldKey, FindingKind::Unbound]);
        assert_eq!(kinds_of(&f, "young"), [FindingKind::Unbound]);
        for name in ["regional-a", "regional-b", "elsewhere"] {
            assert_eq!(kinds_of(&f, name), [FindingKind::DuplicateKey, FindingKind::Unbound], "{name}");
        }
        let dup = f.iter().find(|x| x.kind == FindingKind::DuplicateKey && x.key_pair.as_deref() == Some("elsewhere"));
        let dup = dup.unwrap();
        assert!(
            dup.message.contains("regional-a (prod / r1)") && dup.message.contains("regional-b (prod / r2)"),
            "{dup:?}"
        );
        assert_eq!(kinds_of(&f, "ecdsa-in-aws"), [FindingKind::TypeNotAccepted, FindingKind::Unbound]);
        assert_eq!(kinds_of(&f, "ecdsa-in-alibaba"), [FindingKind::Unbound]);
        let checks: Vec<&Finding> = f.iter().filter(|x| x.kind == FindingKind::CheckFailed).collect();
        assert_eq!(checks.len(), 1);
        assert_eq!((checks[0].host.as_deref(), checks[0].key_pair.as_deref()), (Some("db"), None));
        assert!(checks[0].message.contains("refused") && checks[0].fix == Fix::CheckHostAgain);
        let overdue = f.iter().find(|x| x.kind == FindingKind::RotateOverdue).unwrap();
        assert_eq!(
            (overdue.fix.clone(), overdue.account.as_deref(), overdue.region.as_str()),
            (Fix::Rotate, Some("prod"), "r1"),
            "{overdue:?}"
        );
        let weak_first = f.iter().position(|x| x.kind == FindingKind::WeakKey);
        let unbound_first = f.iter().position(|x| x.kind == FindingKind::Unbound).unwrap();
        assert!(weak_first.is_none_or(|w| w < unbound_first), "the urgent kinds come first");
        assert_eq!(f.last().map(|x| x.kind), Some(FindingKind::Unbound), "bound to no host: last, informational");
        let mut kinds: Vec<FindingKind> = f.iter().map(|x| x.kind).collect();
        kinds.dedup();
        assert!(kinds.windows(2).all(|w| w[0] < w[1]), "grouped by kind: {kinds:?}");
    }

    #[test]
    fn a_key_pair_made_here_without_its_private_key_is_flagged_until_one_is_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        let info =
            GeneratedKey::generate(KeySpec::new(KeyKind::Ed25519, None).unwrap(), "made").unwrap().info().clone();
        let new = NewKeyPair {
            name: "made".into(),
            description: String::new(),
            account: None,
            region: String::new(),
            info,
            origin: Origin::Generated,
            private_key_path: None,
            tags: Vec::new(),
        };
        let id = inv.add_key(&new).unwrap().id;
        add(&mut inv, "theirs", None, "", KeyKind::Ed25519);
        let today = time::OffsetDateTime::now_utc().date();
        let findings = report(&inv, today).unwrap();
        assert!(kinds_of(&findings, "made").contains(&FindingKind::NoPrivateKey));
        assert!(
            !kinds_of(&findings, "theirs").contains(&FindingKind::NoPrivateKey),
            "an imported public key is normal"
        );
        let f = findings.iter().find(|f| f.kind == FindingKind::NoPrivateKey).unwrap();
        assert_eq!(f.fix, Fix::ReplaceOrDelete);
        let key = dir.path().join("made");
        std::fs::write(&key, "x").unwrap();
        inv.set_private_key_path(id, key.to_str().unwrap()).unwrap();
        assert!(!kinds_of(&report(&inv, today).unwrap(), "made").contains(&FindingKind::NoPrivateKey));
    }

    #[test]
    fn a_key_shared_by_many_names_a_few_and_counts_the_rest() {
        let row = |id: i64| KeyRow {
            id,
            name: format!("k{id}"),
            account: Some(format!("a{id}")),
            provider: None,
            region: String::new(),
            algorithm: "ssh-ed25519".into(),
            bits: 256,
            weak: false,
            private_key_path: None,
            generated: false,
            created_at: 0,
            rotate_by: None,
            fingerprint: "SHA256:x".into(),
            bound: true,
        };
        let rows: Vec<KeyRow> = (1..=1000).map(row).collect();
        let same: Vec<&KeyRow> = rows.iter().collect();
        let f = duplicate(&rows[0], &same);
        assert!(f.message.ends_with("k2 (a2), k3 (a3), k4 (a4) and 996 more"), "{}", f.message);
        let two = duplicate(&rows[0], &same[..2]);
        assert!(two.message.ends_with("also in k2 (a2)"), "{}", two.message);
    }
}
