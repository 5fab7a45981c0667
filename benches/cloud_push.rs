//! Pushing one key pair to every region of an AWS account, as `keyshelf cloud push
//! --all-regions` does (regions in parallel, bounded), against the same calls made one
//! region after another. The cloud is moto's server on 127.0.0.1 behind a small proxy
//! that delays every request by 50 ms, as a real network would.
//!
//! ```text
//! cargo bench --bench cloud_push              # needs moto_server (see .ci/run)
//! cargo bench --bench cloud_push -- --runs 5 --delay-ms 50
//! ```
//!
//! Each run pushes a fresh key name (so every region imports), then deletes it again
//! outside the timing. Contenders run interleaved; figures are medians.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: a failed step stops it

mod common;
#[path = "../tests/common/moto.rs"]
mod moto;

use std::time::{Duration, Instant};

use common::{fmt_time, stats};
use keyshelf::cloud::aws::profile::FixedEnv;
use keyshelf::cloud::ops::{self, KeyToSync, Outcome};
use keyshelf::cloud::{self, Cancel, KeyPairApi};
use keyshelf::inventory::{Account, Provider};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn key(name: &str) -> KeyToSync {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k");
    let ok = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
        .arg(&file)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen");
    let line = std::fs::read_to_string(file.with_extension("pub")).unwrap();
    let info = keyshelf::keys::parse_key(line.as_bytes()).unwrap().info;
    KeyToSync {
        name: name.into(),
        public_key: info.openssh.clone(),
        algorithm: info.algorithm,
        bits: info.bits,
        fingerprint_sha256: info.fingerprint_sha256,
        aws_fingerprint: info.aws_fingerprint,
    }
}

fn clean(api: &dyn KeyPairApi, regions: &[String], k: &KeyToSync) {
    ops::per_region(regions, |r| ops::delete_region(api, r, k, &Cancel::default()), &|_, _| ());
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(server) = moto::Moto::start() else { return };
    let runs = arg("--runs", 3) as usize;
    let delay = Duration::from_millis(arg("--delay-ms", 50));
    let proxy = moto::DelayProxy::start(&server.endpoint, delay);
    let dir = tempfile::tempdir().unwrap();
    let (set, _) = server.write_profile(dir.path(), "bench");
    let mut env = FixedEnv { home: Some(dir.path().to_path_buf()), ..Default::default() };
    env.vars.extend(set);
    env.vars.insert("AWS_ENDPOINT_URL".into(), proxy.endpoint.clone());
    let account = Account {
        id: 1,
        name: "bench".into(),
        provider: Provider::Aws,
        note: String::new(),
        created_at: 0,
        profile: Some("bench".into()),
        region: "us-east-1".into(),
        endpoint: None,
    };
    let api = cloud::connect(&account, None, &env, Default::default()).expect("connect");
    let api = api.as_ref();
    let regions = api.regions(&Cancel::default()).expect("regions");
    // moto answers its first EC2 call slowly (~0.9 s): warm it up outside the timing.
    api.list("us-east-1", &Cancel::default()).expect("warm-up");
    println!("push one key pair to {} regions, {} ms added per request, {runs} runs", regions.len(), delay.as_millis());

    let (mut parallel, mut sequential) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let k = key(&format!("bench-par-{run}"));
        let t = Instant::now();
        let out = ops::per_region(&regions, |r| ops::push_region(api, r, &k, false, &Cancel::default()), &|_, _| ());
        parallel.push(t.elapsed().as_secs_f64());
        assert!(out.iter().all(|(_, o)| o.outcome == Outcome::Imported), "every region imports");
        clean(api, &regions, &k);

        let k = key(&format!("bench-seq-{run}"));
        let t = Instant::now();
        for r in &regions {
            let o = ops::push_region(api, r, &k, false, &Cancel::default());
            assert_eq!(o.outcome, Outcome::Imported);
        }
        sequential.push(t.elapsed().as_secs_f64());
        clean(api, &regions, &k);
    }
    let (p, s) = (stats(&parallel), stats(&sequential));
    println!("| contender | median | min | max |");
    println!("|---|---|---|---|");
    println!(
        "| Keyshelf, regions in parallel ({} at a time) | {} | {} | {} |",
        ops::PARALLEL_REGIONS,
        fmt_time(p.median),
        fmt_time(p.min),
        fmt_time(p.max)
    );
    println!(
        "| the same calls, one region after another | {} | {} | {} |",
        fmt_time(s.median),
        fmt_time(s.min),
        fmt_time(s.max)
    );
    println!("ratio: {:.2}x of the one-by-one wall time (goal <= 0.15x)", p.median / s.median);
}
