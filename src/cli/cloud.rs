//! `keyshelf cloud …`: check an account's credentials, list its regions, and compare,
//! pull, push and delete key pairs region by region (the core is `crate::cloud`).

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::commands::{print_json, CliError, Result};
use super::output::table;
use crate::cloud::drift::{compare, DriftRow};
use crate::cloud::env::ProcessEnv;
use crate::cloud::ops::{self, Outcome, RegionOutcome};
use crate::cloud::{self, Cancel, CloudError, KeyPairApi};
use crate::inventory::{Account, CloudSeen, Inventory, Scope};

#[derive(Subcommand, Debug)]
pub enum CloudCommand {
    /// Which cloud account and identity the account's credentials are, and its regions
    Check {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// The regions the account can use
    Regions {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Compare the cloud's key pairs with the inventory, region by region (changes nothing)
    Status {
        account: String,
        #[command(flatten)]
        regions: RegionArgs,
        #[arg(long)]
        json: bool,
    },
    /// Bring the cloud's key pairs into the inventory (nothing is overwritten)
    Pull {
        account: String,
        #[command(flatten)]
        regions: RegionArgs,
        #[arg(long)]
        json: bool,
    },
    /// Import a key pair into the account's regions
    Push {
        /// The key pair: name, id or any fingerprint form
        key: String,
        #[arg(long)]
        account: String,
        #[command(flatten)]
        regions: RegionArgs,
        /// Where the name holds another key: delete it there, then import this one
        #[arg(long)]
        replace: bool,
        /// The name in this account's cloud, when the key pair's own does not fit its rules
        /// (Tencent Cloud: at most 25 letters, digits and _); remembered for the next push
        /// and delete
        #[arg(long, value_name = "NAME")]
        cloud_name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Delete a key pair from the account's regions (only where the cloud's key is this key)
    Delete {
        key: String,
        #[arg(long)]
        account: String,
        #[command(flatten)]
        regions: RegionArgs,
        #[arg(long)]
        json: bool,
    },
}

/// Which regions: the ones named, all, or (neither) the account's default.
#[derive(Args, Debug, Clone, Default)]
pub struct RegionArgs {
    /// A region (repeat for several); default: the account's region
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Every region enabled for the account
    #[arg(long, conflicts_with = "regions")]
    pub all_regions: bool,
}

fn api_for(account: &Account) -> Result<Box<dyn KeyPairApi>> {
    Ok(cloud::connect(account, None, &ProcessEnv, cloud::http::Http::default())?)
}

fn regions_for(api: &dyn KeyPairApi, r: &RegionArgs, cancel: &Cancel) -> Result<Vec<String>> {
    Ok(cloud::target_regions(api, &r.regions, r.all_regions, cancel)?)
}

#[derive(Serialize)]
struct CheckJson<'a> {
    access_key_id: &'a str,
    account_id: &'a str,
    arn: Option<&'a str>,
    credentials: &'a str,
    regions: &'a [String],
}

#[derive(Serialize)]
struct StatusJson<'a> {
    cloud_id: Option<&'a str>,
    fingerprint_sha256: Option<&'a str>,
    key_pair: Option<&'a str>,
    name: &'a str,
    region: &'a str,
    state: &'static str,
}

impl<'a> From<&'a DriftRow> for StatusJson<'a> {
    fn from(r: &'a DriftRow) -> Self {
        StatusJson {
            cloud_id: r.cloud_id.as_deref(),
            fingerprint_sha256: r.fingerprint_sha256.as_deref(),
            key_pair: r.key_pair.as_ref().map(|k| k.1.as_str()),
            name: &r.name,
            region: &r.region,
            state: r.state.as_str(),
        }
    }
}

#[derive(Serialize)]
struct PlaceJson {
    name: String,
    region: String,
}

#[derive(Serialize)]
struct ConflictJson {
    name: String,
    reason: String,
    region: String,
}

#[derive(Serialize)]
struct FailedJson {
    message: String,
    region: String,
}

#[derive(Serialize)]
struct PullJson {
    added: usize,
    added_keys: Vec<PlaceJson>,
    conflicts: Vec<ConflictJson>,
    failed: Vec<FailedJson>,
    linked: usize,
    linked_keys: Vec<PlaceJson>,
}

#[derive(Serialize)]
struct RegionJson<'a> {
    cloud_id: Option<&'a str>,
    message: &'a str,
    ok: bool,
    region: &'a str,
    result: Outcome,
}

/// A region that could not be read: one line on stderr, and the command fails at the end.
fn region_failed(region: &str, e: &CloudError) {
    let _ = writeln!(std::io::stderr(), "keyshelf: {region}: {e}");
}

fn failed_count(n: usize, of: usize) -> Result<()> {
    if n == 0 {
        Ok(())
    } else {
        Err(CliError::Failed(format!("{n} of {of} region(s) failed")))
    }
}

pub fn run(inv: &mut Inventory, c: CloudCommand, out: &mut dyn Write) -> Result<()> {
    let cancel = Cancel::default();
    match c {
        CloudCommand::Check { account, json } => {
            let a = inv.account(&account)?;
            let api = api_for(&a)?;
            let who = api.identity(&cancel)?;
            let regions = api.regions(&cancel)?;
            if json {
                return print_json(
                    out,
                    &CheckJson {
                        access_key_id: &who.access_key_id,
                        account_id: &who.account_id,
                        arn: who.arn.as_deref(),
                        credentials: &who.source,
                        regions: &regions,
                    },
                );
            }
            writeln!(out, "Account:      {}", who.account_id)?;
            if let Some(arn) = &who.arn {
                writeln!(out, "Identity:     {arn}")?;
            }
            writeln!(out, "Access key:   {} ({})", who.access_key_id, who.source)?;
            writeln!(out, "Regions:      {} ({})", regions.len(), regions.join(", "))?;
            Ok(())
        }
        CloudCommand::Regions { account, json } => {
            let a = inv.account(&account)?;
            let regions = api_for(&a)?.regions(&cancel)?;
            if json {
                return print_json(out, &regions);
            }
            for r in regions {
                writeln!(out, "{r}")?;
            }
            Ok(())
        }
        CloudCommand::Status { account, regions, json } => {
            let a = inv.account(&account)?;
            let api = api_for(&a)?;
            let regions = regions_for(api.as_ref(), &regions, &cancel)?;
            let listing = ops::list_regions(api.as_ref(), &regions, &cancel, &|_| ());
            let mut rows = Vec::new();
            let mut failed = 0;
            for (region, got) in &listing {
                match got {
                    Ok(keys) => {
                        let local = cloud::local_keys(inv, &a.name, region, keys)?;
                        rows.extend(compare(region, &local, keys));
                    }
                    Err(e) => {
                        failed += 1;
                        region_failed(region, e);
                    }
                }
            }
            if json {
                print_json(out, &rows.iter().map(StatusJson::from).collect::<Vec<_>>())?;
            } else {
                let t: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.region.clone(),
                            r.name.clone(),
                            r.state.as_str().into(),
                            r.key_pair.as_ref().map(|k| k.1.clone()).unwrap_or_else(|| "-".into()),
                            r.fingerprint_sha256.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                write!(out, "{}", table(&["REGION", "NAME", "STATE", "KEY PAIR", "FINGERPRINT"], &t))?;
            }
            failed_count(failed, listing.len())
        }
        CloudCommand::Pull { account, regions, json } => {
            let a = inv.account(&account)?;
            let api = api_for(&a)?;
            let regions = regions_for(api.as_ref(), &regions, &cancel)?;
            let listing = ops::list_regions(api.as_ref(), &regions, &cancel, &|_| ());
            let mut report = PullJson {
                added: 0,
                added_keys: vec![],
                conflicts: vec![],
                failed: vec![],
                linked: 0,
                linked_keys: vec![],
            };
            for (region, got) in &listing {
                match got {
                    Ok(keys) => {
                        let seen: Vec<CloudSeen> = keys.iter().map(CloudSeen::from).collect();
                        let r = inv.pull_cloud_region(&a.name, region, &seen)?;
                        let place = |(region, name): (String, String)| PlaceJson { name, region };
                        report.added_keys.extend(r.added.into_iter().map(place));
                        report.linked_keys.extend(r.linked.into_iter().map(place));
                        report.conflicts.extend(r.conflicts.into_iter().map(|(region, name, reason)| ConflictJson {
                            name,
                            reason,
                            region,
                        }));
                    }
                    Err(e) => {
                        region_failed(region, e);
                        report.failed.push(FailedJson { message: e.to_string(), region: region.clone() });
                    }
                }
            }
            report.added = report.added_keys.len();
            report.linked = report.linked_keys.len();
            if json {
                print_json(out, &report)?;
            } else {
                writeln!(
                    out,
                    "Pulled {} region(s): {} key pair(s) added, {} linked, {} conflict(s)",
                    listing.len() - report.failed.len(),
                    report.added,
                    report.linked,
                    report.conflicts.len()
                )?;
                for p in &report.added_keys {
                    writeln!(out, "  added   {} / {}", p.region, p.name)?;
                }
                for p in &report.linked_keys {
                    writeln!(out, "  linked  {} / {}", p.region, p.name)?;
                }
                for c in &report.conflicts {
                    writeln!(out, "  conflict {} / {}: {}", c.region, c.name, c.reason)?;
                }
            }
            failed_count(report.failed.len(), listing.len())
        }
        CloudCommand::Push { key, account, regions, replace, cloud_name, json } => {
            let a = inv.account(&account)?;
            let k = inv.resolve_key(&key, &Scope::default())?;
            let own = name_in_cloud(inv, &a, &k, cloud_name.as_deref())?;
            let api = api_for(&a)?;
            let base = cloud::key_to_sync(&k, &own);
            ops::check_importable(api.as_ref(), &base)?;
            let regions = regions_for(api.as_ref(), &regions, &cancel)?;
            if cloud_name.is_some() {
                inv.set_cloud_name(&a.name, k.id, Some(&own))?;
            }
            let names = cloud_names(inv, &a, k.id)?;
            let results = ops::per_region(
                &regions,
                |r| {
                    let name = cloud::name_in_region(&names, r, &own);
                    ops::push_region(api.as_ref(), r, &cloud::key_to_sync(&k, name), replace, &cancel)
                },
                &|_, _| (),
            );
            let results: Vec<RegionOutcome> = results.into_iter().map(|(_, o)| o).collect();
            for o in &results {
                if matches!(o.outcome, Outcome::Imported | Outcome::Present | Outcome::Replaced) {
                    if let Some(c) = &o.cloud_key {
                        inv.record_cloud_key(
                            &a.name,
                            &o.region,
                            &c.name,
                            Some(&CloudSeen::from(c)),
                            Some(k.id),
                            "push to cloud",
                        )?;
                    }
                }
            }
            print_outcomes(out, &results, json)
        }
        CloudCommand::Delete { key, account, regions, json } => {
            let a = inv.account(&account)?;
            let k = inv.resolve_key(&key, &Scope::default())?;
            let own = inv.cloud_name(&a.name, k.id)?.unwrap_or_else(|| k.name.clone());
            let api = api_for(&a)?;
            let regions = regions_for(api.as_ref(), &regions, &cancel)?;
            let names = cloud_names(inv, &a, k.id)?;
            let results = ops::per_region(
                &regions,
                |r| {
                    let name = cloud::name_in_region(&names, r, &own);
                    ops::delete_region(api.as_ref(), r, &cloud::key_to_sync(&k, name), &cancel)
                },
                &|_, _| (),
            );
            let results: Vec<RegionOutcome> = results.into_iter().map(|(_, o)| o).collect();
            for o in &results {
                if matches!(o.outcome, Outcome::Deleted | Outcome::NotPresent) {
                    let name = cloud::name_in_region(&names, &o.region, &own);
                    inv.record_cloud_key(&a.name, &o.region, name, None, None, "delete from cloud")?;
                }
            }
            print_outcomes(out, &results, json)
        }
    }
}

/// The name `k` goes by in `a`'s cloud: `chosen`, else the one chosen before, else its
/// own; refused before any call when that cloud would not take it, with a name it takes.
fn name_in_cloud(inv: &Inventory, a: &Account, k: &crate::inventory::KeyPair, chosen: Option<&str>) -> Result<String> {
    let name = match chosen {
        Some(n) => n.to_string(),
        None => inv.cloud_name(&a.name, k.id)?.unwrap_or_else(|| k.name.clone()),
    };
    match cloud::names::problem(a.provider, &name) {
        None => Ok(name),
        Some(why) => {
            let suggestion = cloud::names::suggest(a.provider, &name);
            Err(CliError::Cloud(CloudError::Refused(format!(
                "'{name}' cannot be its name in account {}: {why}. Push it under a name that fits: --cloud-name {}",
                a.name,
                crate::paths::shell_word(&suggestion)
            ))))
        }
    }
}

/// `(region, cloud name)` of a key pair in an account, where it was seen.
fn cloud_names(inv: &Inventory, account: &Account, key_pair: i64) -> Result<Vec<(String, String)>> {
    Ok(inv
        .cloud_links_of_key(key_pair)?
        .into_iter()
        .filter(|l| l.account == account.name)
        .map(|l| (l.region, l.name))
        .collect())
}

fn print_outcomes(out: &mut dyn Write, results: &[RegionOutcome], json: bool) -> Result<()> {
    if json {
        let rows: Vec<RegionJson> = results
            .iter()
            .map(|o| RegionJson {
                cloud_id: o.cloud_key.as_ref().map(|c| c.cloud_id.as_str()).filter(|id| !id.is_empty()),
                message: &o.message,
                ok: o.outcome.ok(),
                region: &o.region,
                result: o.outcome,
            })
            .collect();
        print_json(out, &rows)?;
    } else {
        let t: Vec<Vec<String>> =
            results.iter().map(|o| vec![o.region.clone(), o.outcome.as_str().into(), o.message.clone()]).collect();
        write!(out, "{}", table(&["REGION", "RESULT", "MESSAGE"], &t))?;
    }
    let bad = results.iter().filter(|o| !o.outcome.ok()).count();
    failed_count(bad, results.len())
}
