//! Drift between the inventory and one region of a cloud account, as a pure function
//! over two lists. Keys are compared by type and key blob (the SHA-256 fingerprint of
//! the blob), never by the text of the line: clouds rewrite the comment.

use std::collections::HashMap;

use serde::Serialize;

use super::CloudKey;

/// How a key pair stands between the inventory and the cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum DriftState {
    /// The name holds another key in the cloud than in the inventory.
    NameConflict,
    /// The same key under several names in the cloud.
    Duplicate,
    /// In the cloud, not in the inventory.
    OnlyCloud,
    /// In the inventory (in this account and region, or pushed there), not in the cloud.
    OnlyLocal,
    /// The same key on both sides.
    InSync,
}

impl DriftState {
    pub const ALL: [DriftState; 5] = [
        DriftState::NameConflict,
        DriftState::Duplicate,
        DriftState::OnlyCloud,
        DriftState::OnlyLocal,
        DriftState::InSync,
    ];

    /// The word scripts see (`--json`).
    pub fn as_str(self) -> &'static str {
        match self {
            DriftState::InSync => "in-sync",
            DriftState::OnlyCloud => "only-cloud",
            DriftState::OnlyLocal => "only-local",
            DriftState::NameConflict => "name-conflict",
            DriftState::Duplicate => "duplicate",
        }
    }

    /// Whether the two sides disagree.
    pub fn is_drift(self) -> bool {
        self != DriftState::InSync
    }
}

impl std::fmt::Display for DriftState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key pair of the inventory as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalKey {
    pub id: i64,
    pub name: String,
    pub fingerprint_sha256: String,
    pub aws_fingerprint: Option<String>,
    /// The name it was last seen under in this region, when the inventory links it to a
    /// cloud key pair (it may differ from `name`).
    pub cloud_name: Option<String>,
    /// Whether it belongs to this account and region (kept there, or linked there). A key
    /// pair kept elsewhere with a key the cloud holds only keeps that cloud key from
    /// being called `only-cloud`: it is neither `only-local` nor a name's owner here.
    pub in_scope: bool,
}

/// One line of the drift table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftRow {
    pub region: String,
    /// The cloud's name for it, or the inventory's for `only-local`.
    pub name: String,
    pub state: DriftState,
    pub fingerprint_sha256: Option<String>,
    /// The cloud's id; `None` when it is not in the cloud.
    pub cloud_id: Option<String>,
    /// The inventory's key pair, if there is one.
    pub key_pair: Option<(i64, String)>,
}

fn same_key(local: &LocalKey, cloud: &CloudKey) -> bool {
    match &cloud.fingerprint_sha256 {
        Some(fp) => *fp == local.fingerprint_sha256,
        // Only a fingerprint came back: compare in the cloud's own form.
        None => {
            !cloud.cloud_fingerprint.is_empty()
                && local.aws_fingerprint.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(&cloud.cloud_fingerprint))
        }
    }
}

/// Compares the inventory's key pairs of one region with the cloud's list of it. Rows
/// come in the cloud's order, then the inventory's key pairs the cloud lacks.
pub fn compare(region: &str, local: &[LocalKey], cloud: &[CloudKey]) -> Vec<DriftRow> {
    let mut per_key: HashMap<&str, usize> = HashMap::new();
    for c in cloud {
        if let Some(fp) = &c.fingerprint_sha256 {
            *per_key.entry(fp).or_default() += 1;
        }
    }
    let mut matched = vec![false; local.len()];
    let mut rows = Vec::with_capacity(cloud.len() + local.len());
    for c in cloud {
        let by_name = local.iter().position(|l| l.in_scope && l.cloud_name.as_deref().unwrap_or(&l.name) == c.name);
        let by_key = local
            .iter()
            .position(|l| l.in_scope && same_key(l, c))
            .or_else(|| local.iter().position(|l| same_key(l, c)));
        let (state, at) = match (by_name, by_key) {
            (Some(i), _) if same_key(&local[i], c) => (DriftState::InSync, Some(i)),
            (Some(i), _) => (DriftState::NameConflict, Some(i)),
            (None, Some(i)) => (DriftState::InSync, Some(i)),
            (None, None) => (DriftState::OnlyCloud, None),
        };
        let duplicated = c.fingerprint_sha256.as_deref().is_some_and(|fp| per_key.get(fp).copied().unwrap_or(0) > 1);
        let state = if duplicated && state != DriftState::NameConflict { DriftState::Duplicate } else { state };
        if let Some(i) = at {
            if state != DriftState::NameConflict {
                matched[i] = true;
            }
        }
        rows.push(DriftRow {
            region: region.to_string(),
            name: c.name.clone(),
            state,
            fingerprint_sha256: c.fingerprint_sha256.clone(),
            cloud_id: Some(c.cloud_id.clone()),
            key_pair: at.map(|i| (local[i].id, local[i].name.clone())),
        });
    }
    // A key pair whose name is taken by another key is reported once, as the conflict.
    let conflicted: Vec<i64> = rows
        .iter()
        .filter(|r| r.state == DriftState::NameConflict)
        .filter_map(|r| r.key_pair.as_ref().map(|k| k.0))
        .collect();
    for (l, m) in local.iter().zip(&matched) {
        if !m && l.in_scope && !conflicted.contains(&l.id) {
            rows.push(DriftRow {
                region: region.to_string(),
                name: l.name.clone(),
                state: DriftState::OnlyLocal,
                fingerprint_sha256: Some(l.fingerprint_sha256.clone()),
                cloud_id: None,
                key_pair: Some((l.id, l.name.clone())),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(id: i64, name: &str, fp: &str) -> LocalKey {
        LocalKey {
            id,
            name: name.into(),
            fingerprint_sha256: fp.into(),
            aws_fingerprint: None,
            cloud_name: None,
            in_scope: true,
        }
    }

    fn cloud(name: &str, fp: Option<&str>) -> CloudKey {
        CloudKey {
            name: name.into(),
            cloud_id: format!("key-{name}"),
            public_key: None,
            cloud_fingerprint: String::new(),
            fingerprint_sha256: fp.map(String::from),
            tags: Vec::new(),
        }
    }

    fn states(rows: &[DriftRow]) -> Vec<(String, DriftState, Option<String>)> {
        rows.iter().map(|r| (r.name.clone(), r.state, r.key_pair.as_ref().map(|k| k.1.clone()))).collect()
    }

    #[test]
    fn every_state_is_found() {
        let l = [
            local(1, "web", "SHA256:a"),
            local(2, "db", "SHA256:b"),
            local(3, "old", "SHA256:c"),
            local(4, "ci", "SHA256:e"),
        ];
        let c = [
            cloud("web", Some("SHA256:a")),
            cloud("db", Some("SHA256:x")),
            cloud("console-made", Some("SHA256:d")),
            cloud("ci-1", Some("SHA256:e")),
            cloud("ci-2", Some("SHA256:e")),
        ];
        let rows = compare("us-east-1", &l, &c);
        assert_eq!(
            states(&rows),
            vec![
                ("web".into(), DriftState::InSync, Some("web".into())),
                ("db".into(), DriftState::NameConflict, Some("db".into())),
                ("console-made".into(), DriftState::OnlyCloud, None),
                ("ci-1".into(), DriftState::Duplicate, Some("ci".into())),
                ("ci-2".into(), DriftState::Duplicate, Some("ci".into())),
                ("old".into(), DriftState::OnlyLocal, Some("old".into())),
            ]
        );
        assert!(rows.iter().all(|r| r.region == "us-east-1"));
        assert_eq!(rows[5].cloud_id, None);
        assert_eq!(rows[0].cloud_id.as_deref(), Some("key-web"));
    }

    #[test]
    fn a_linked_key_under_another_cloud_name_is_in_sync() {
        let mut l = local(1, "laptop-2024", "SHA256:a");
        l.cloud_name = Some("laptop_2024".into());
        let rows = compare("r", &[l], &[cloud("laptop_2024", Some("SHA256:a"))]);
        assert_eq!(states(&rows), vec![("laptop_2024".into(), DriftState::InSync, Some("laptop-2024".into()))]);
    }

    #[test]
    fn a_key_kept_outside_the_account_is_known_but_never_only_local_or_a_names_owner() {
        let mut laptop = local(1, "web", "SHA256:a");
        laptop.in_scope = false;
        let rows =
            compare("r", &[laptop.clone()], &[cloud("laptop", Some("SHA256:a")), cloud("web", Some("SHA256:z"))]);
        assert_eq!(
            states(&rows),
            vec![
                ("laptop".into(), DriftState::InSync, Some("web".into())),
                ("web".into(), DriftState::OnlyCloud, None)
            ]
        );
        assert!(compare("r", &[laptop], &[]).is_empty());
    }

    #[test]
    fn without_a_public_key_the_clouds_fingerprint_is_compared() {
        let mut l = local(1, "k", "SHA256:a");
        l.aws_fingerprint = Some("1f:51:AE".into());
        let mut c = cloud("k", None);
        c.cloud_fingerprint = "1f:51:ae".into();
        assert_eq!(compare("r", std::slice::from_ref(&l), &[c.clone()])[0].state, DriftState::InSync);
        c.cloud_fingerprint = "00:00".into();
        assert_eq!(compare("r", &[l], &[c])[0].state, DriftState::NameConflict);
    }

    #[test]
    fn empty_sides() {
        assert!(compare("r", &[], &[]).is_empty());
        assert_eq!(compare("r", &[local(1, "a", "x")], &[])[0].state, DriftState::OnlyLocal);
        assert_eq!(compare("r", &[], &[cloud("a", Some("x"))])[0].state, DriftState::OnlyCloud);
    }
}
