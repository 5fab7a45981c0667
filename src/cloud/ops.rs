//! What Keyshelf does in a cloud account, region by region and in parallel: read every
//! region's key pairs, push one key pair, delete it. One region failing never stops the
//! others; each region gets its own result. The caller records what was learnt in the
//! inventory (this module has no SQL).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::{Cancel, CloudError, CloudKey, KeyPairApi};
use crate::inventory::KeyFamily;

/// How many regions are worked on at once: every region of a partition (AWS has about
/// 30), so "all regions" takes the wall time of one. Providers throttle per account *and
/// region*, so regions worked on together never draw on the same rate limit; the bound
/// only keeps the thread count sane.
pub const PARALLEL_REGIONS: usize = 32;

/// What happened in one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    #[serde(rename = "imported")]
    Imported,
    /// The same key was already there under that name.
    #[serde(rename = "present")]
    Present,
    /// The name held another key, which was deleted and this one imported.
    #[serde(rename = "replaced")]
    Replaced,
    /// The name holds another key; that region was left alone.
    #[serde(rename = "conflict")]
    Conflict,
    #[serde(rename = "deleted")]
    Deleted,
    #[serde(rename = "not present")]
    NotPresent,
    #[serde(rename = "failed")]
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Present => "present",
            Outcome::Replaced => "replaced",
            Outcome::Conflict => "conflict",
            Outcome::Deleted => "deleted",
            Outcome::NotPresent => "not present",
            Outcome::Failed => "failed",
        }
    }

    /// Whether the region ended as asked.
    pub fn ok(self) -> bool {
        !matches!(self, Outcome::Conflict | Outcome::Failed)
    }
}

/// One region's result.
#[derive(Debug, Clone)]
pub struct RegionOutcome {
    pub region: String,
    pub outcome: Outcome,
    /// What was done, or why not, in words.
    pub message: String,
    /// The cloud's key pair under the name after the run (`None` when there is none or
    /// the region failed), for the inventory to remember.
    pub cloud_key: Option<CloudKey>,
    /// The error, when the region failed.
    pub error: Option<CloudError>,
}

impl RegionOutcome {
    fn failed(region: &str, e: CloudError) -> RegionOutcome {
        RegionOutcome {
            region: region.to_string(),
            outcome: Outcome::Failed,
            message: e.to_string(),
            cloud_key: None,
            error: Some(e),
        }
    }
}

/// Runs `work` for every region, at most [`PARALLEL_REGIONS`] at a time, calling
/// `progress` as each region finishes. Results come back in the order of `regions`.
pub fn per_region<T: Send>(
    regions: &[String],
    work: impl Fn(&str) -> T + Sync,
    progress: &(dyn Fn(&str, &T) + Sync),
) -> Vec<(String, T)> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..regions.len()).map(|_| None).collect());
    let threads = PARALLEL_REGIONS.min(regions.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(region) = regions.get(i) else { break };
                let r = work(region);
                progress(region, &r);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    regions.iter().cloned().zip(results).filter_map(|(r, t)| Some((r, t?))).collect()
}

/// The key pair to push or delete, as the cloud will see it.
#[derive(Debug, Clone)]
pub struct KeyToSync {
    /// Its name in the cloud.
    pub name: String,
    /// The OpenSSH line sent to the cloud.
    pub public_key: String,
    pub algorithm: String,
    pub bits: u32,
    pub fingerprint_sha256: String,
    pub aws_fingerprint: Option<String>,
}

impl KeyToSync {
    fn is(&self, c: &CloudKey) -> bool {
        match &c.fingerprint_sha256 {
            Some(fp) => *fp == self.fingerprint_sha256,
            None => self.aws_fingerprint.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(&c.cloud_fingerprint)),
        }
    }
}

/// Refuses a key type the provider does not import, before any call.
pub fn check_importable(api: &dyn KeyPairApi, key: &KeyToSync) -> Result<(), CloudError> {
    match crate::inventory::type_warning(api.provider(), &key.algorithm, key.bits) {
        Some(why) => Err(CloudError::Refused(why)),
        None if KeyFamily::of(&key.algorithm).is_none() => {
            Err(CloudError::Refused(format!("{} keys cannot be pushed to a cloud", key.algorithm)))
        }
        None => Ok(()),
    }
}

/// Pushes `key` to one region: imported, present, conflict, or replaced with `replace`.
pub fn push_region(
    api: &dyn KeyPairApi,
    region: &str,
    key: &KeyToSync,
    replace: bool,
    cancel: &Cancel,
) -> RegionOutcome {
    let run = || -> Result<RegionOutcome, CloudError> {
        let existing = api.find(region, &key.name, cancel)?;
        let mut outcome = Outcome::Imported;
        if let Some(c) = existing {
            if key.is(&c) {
                return Ok(RegionOutcome {
                    region: region.to_string(),
                    outcome: Outcome::Present,
                    message: format!("already there as '{}'", c.name),
                    cloud_key: Some(c),
                    error: None,
                });
            }
            if !replace {
                return Ok(RegionOutcome {
                    region: region.to_string(),
                    outcome: Outcome::Conflict,
                    message: format!("'{}' holds another key in {region}; left alone", c.name),
                    cloud_key: Some(c),
                    error: None,
                });
            }
            api.delete(region, &c.name, &c.cloud_id, cancel)?;
            outcome = Outcome::Replaced;
        }
        cancel.check()?;
        let tags = vec![(super::aws::FINGERPRINT_TAG.to_string(), key.fingerprint_sha256.clone())];
        let id = api.import(region, &key.name, &key.public_key, &tags, cancel)?;
        let cloud_key = CloudKey {
            name: key.name.clone(),
            cloud_id: id,
            public_key: Some(key.public_key.clone()),
            cloud_fingerprint: String::new(),
            fingerprint_sha256: Some(key.fingerprint_sha256.clone()),
            tags,
        };
        let message = if outcome == Outcome::Replaced {
            format!("the old key was deleted, this one imported as '{}'", key.name)
        } else {
            format!("imported as '{}'", key.name)
        };
        Ok(RegionOutcome { region: region.to_string(), outcome, message, cloud_key: Some(cloud_key), error: None })
    };
    run().unwrap_or_else(|e| RegionOutcome::failed(region, e))
}

/// Deletes `key` from one region, only where the name holds this very key.
pub fn delete_region(api: &dyn KeyPairApi, region: &str, key: &KeyToSync, cancel: &Cancel) -> RegionOutcome {
    let run = || -> Result<RegionOutcome, CloudError> {
        let Some(c) = api.find(region, &key.name, cancel)? else {
            return Ok(RegionOutcome {
                region: region.to_string(),
                outcome: Outcome::NotPresent,
                message: format!("no key pair named '{}' in {region}", key.name),
                cloud_key: None,
                error: None,
            });
        };
        if !key.is(&c) {
            return Ok(RegionOutcome {
                region: region.to_string(),
                outcome: Outcome::Conflict,
                message: format!("'{}' in {region} holds another key; not deleted", c.name),
                cloud_key: Some(c),
                error: None,
            });
        }
        api.delete(region, &c.name, &c.cloud_id, cancel)?;
        Ok(RegionOutcome {
            region: region.to_string(),
            outcome: Outcome::Deleted,
            message: "deleted".into(),
            cloud_key: None,
            error: None,
        })
    };
    run().unwrap_or_else(|e| RegionOutcome::failed(region, e))
}

/// Every key pair of each region, or that region's error.
pub type Listing = Vec<(String, Result<Vec<CloudKey>, CloudError>)>;

/// Lists every region in parallel.
pub fn list_regions(
    api: &dyn KeyPairApi,
    regions: &[String],
    cancel: &Cancel,
    progress: &(dyn Fn(&str) + Sync),
) -> Listing {
    per_region(regions, |r| api.list(r, cancel), &|r, _| progress(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_gets_one_result_in_order() {
        let regions: Vec<String> = (0..40).map(|i| format!("r{i}")).collect();
        let seen = Mutex::new(Vec::new());
        let out = per_region(&regions, |r| r.len(), &|r, _| seen.lock().unwrap().push(r.to_string()));
        assert_eq!(out.len(), 40);
        assert!(out.iter().zip(&regions).all(|((r, n), want)| r == want && *n == want.len()));
        assert_eq!(seen.lock().unwrap().len(), 40);
        assert!(per_region(&[], |r| r.len(), &|_, _| ()).is_empty());
    }

    /// A cloud that keeps key pairs in memory, refuses one region, and counts calls.
    struct Fake {
        keys: Mutex<Vec<(String, CloudKey)>>,
        broken: &'static str,
        calls: AtomicUsize,
    }

    impl Fake {
        fn new(broken: &'static str) -> Fake {
            Fake { keys: Mutex::new(Vec::new()), broken, calls: AtomicUsize::new(0) }
        }
        fn put(&self, region: &str, name: &str, fp: &str) {
            let k = CloudKey {
                name: name.into(),
                cloud_id: format!("key-{region}-{name}"),
                public_key: None,
                cloud_fingerprint: String::new(),
                fingerprint_sha256: Some(fp.into()),
                tags: vec![],
            };
            self.keys.lock().unwrap().push((region.into(), k));
        }
        fn fps(&self, region: &str) -> Vec<String> {
            let keys = self.keys.lock().unwrap();
            keys.iter().filter(|(r, _)| r == region).filter_map(|(_, k)| k.fingerprint_sha256.clone()).collect()
        }
    }

    impl KeyPairApi for Fake {
        fn provider(&self) -> crate::inventory::Provider {
            crate::inventory::Provider::Aws
        }
        fn default_region(&self) -> Option<&str> {
            Some("r1")
        }
        fn identity(&self, _: &Cancel) -> Result<super::super::Identity, CloudError> {
            Err(CloudError::Cancelled)
        }
        fn regions(&self, _: &Cancel) -> Result<Vec<String>, CloudError> {
            Ok(vec!["r1".into(), "r2".into()])
        }
        fn list(&self, region: &str, _: &Cancel) -> Result<Vec<CloudKey>, CloudError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if region == self.broken {
                return Err(CloudError::Network { endpoint: "x".into(), reason: "down".into() });
            }
            Ok(self.keys.lock().unwrap().iter().filter(|(r, _)| r == region).map(|(_, k)| k.clone()).collect())
        }
        fn import(
            &self,
            region: &str,
            name: &str,
            _: &str,
            _: &[(String, String)],
            _: &Cancel,
        ) -> Result<String, CloudError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.put(region, name, "SHA256:ours");
            Ok(format!("key-{region}-{name}"))
        }
        fn delete(&self, region: &str, name: &str, _: &str, _: &Cancel) -> Result<(), CloudError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.keys.lock().unwrap().retain(|(r, k)| !(r == region && k.name == name));
            Ok(())
        }
    }

    fn ours() -> KeyToSync {
        KeyToSync {
            name: "web".into(),
            public_key: "ssh-ed25519 AAAA".into(),
            algorithm: "ssh-ed25519".into(),
            bits: 256,
            fingerprint_sha256: "SHA256:ours".into(),
            aws_fingerprint: None,
        }
    }

    #[test]
    fn push_imports_finds_present_leaves_a_conflict_alone_and_replaces_only_when_asked() {
        let cloud = Fake::new("r9");
        let c = Cancel::default();
        cloud.put("r2", "web", "SHA256:theirs");
        assert_eq!(push_region(&cloud, "r1", &ours(), false, &c).outcome, Outcome::Imported);
        assert_eq!(push_region(&cloud, "r1", &ours(), false, &c).outcome, Outcome::Present);
        let conflict = push_region(&cloud, "r2", &ours(), false, &c);
        assert_eq!(conflict.outcome, Outcome::Conflict);
        assert_eq!(cloud.fps("r2"), ["SHA256:theirs"], "left alone");
        let replaced = push_region(&cloud, "r2", &ours(), true, &c);
        assert_eq!(replaced.outcome, Outcome::Replaced);
        assert_eq!(cloud.fps("r2"), ["SHA256:ours"]);
        assert_eq!(replaced.cloud_key.unwrap().cloud_id, "key-r2-web");
        let failed = push_region(&cloud, "r9", &ours(), false, &c);
        assert_eq!((failed.outcome, failed.outcome.ok()), (Outcome::Failed, false));
        assert!(failed.message.contains("down"), "{}", failed.message);
    }

    #[test]
    fn delete_removes_only_this_key_and_a_missing_one_is_not_present() {
        let cloud = Fake::new("r9");
        let c = Cancel::default();
        cloud.put("r1", "web", "SHA256:ours");
        cloud.put("r2", "web", "SHA256:theirs");
        assert_eq!(delete_region(&cloud, "r1", &ours(), &c).outcome, Outcome::Deleted);
        assert!(cloud.fps("r1").is_empty());
        assert_eq!(delete_region(&cloud, "r1", &ours(), &c).outcome, Outcome::NotPresent);
        assert_eq!(delete_region(&cloud, "r2", &ours(), &c).outcome, Outcome::Conflict);
        assert_eq!(cloud.fps("r2"), ["SHA256:theirs"], "another key is never deleted");
    }

    #[test]
    fn a_key_type_the_provider_refuses_is_refused_before_any_call() {
        let cloud = Fake::new("r9");
        let ecdsa = KeyToSync { algorithm: "ecdsa-sha2-nistp256".into(), ..ours() };
        let err = check_importable(&cloud, &ecdsa).unwrap_err();
        assert!(err.to_string().contains("does not import ECDSA"), "{err}");
        assert_eq!(cloud.calls.load(Ordering::SeqCst), 0);
        assert!(check_importable(&cloud, &ours()).is_ok());
    }

    #[test]
    fn a_cancelled_run_stops_before_the_next_call() {
        let cloud = Fake::new("r9");
        let c = Cancel::default();
        c.cancel();
        let o = push_region(&cloud, "r1", &ours(), false, &c);
        // The fake's list does not look at the flag; the import after it must.
        assert_eq!(o.outcome, Outcome::Failed);
        assert!(matches!(o.error, Some(CloudError::Cancelled)));
        assert!(cloud.fps("r1").is_empty());
    }

    #[test]
    fn outcome_words_are_the_contract() {
        let words: Vec<String> = [
            Outcome::Imported,
            Outcome::Present,
            Outcome::Replaced,
            Outcome::Conflict,
            Outcome::Deleted,
            Outcome::NotPresent,
            Outcome::Failed,
        ]
        .iter()
        .map(|o| {
            let json = serde_json::to_string(o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
            o.as_str().to_string()
        })
        .collect();
        assert_eq!(words, ["imported", "present", "replaced", "conflict", "deleted", "not present", "failed"]);
    }
}
