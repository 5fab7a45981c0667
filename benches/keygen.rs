//! In-process key generation with criterion: every type Keyshelf makes, and for RSA the
//! parallel prime search Keyshelf uses against the single-threaded path it replaced
//! (`ssh_key::private::RsaKeypair::random`, i.e. `rsa::RsaPrivateKey::new`).
//!
//! `cargo bench --bench keygen` (add `-- rsa` for RSA only, `-- --quick` to try it out).
//! RSA times vary a lot from key to key (the prime search is a lottery): compare medians.
//! The side-by-side comparison with `ssh-keygen` is `cargo bench --bench report -- keygen`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: a failed step stops it

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use keyshelf::keys::{GeneratedKey, KeyKind, KeySpec};
use rand::rngs::OsRng;

fn fast_kinds(c: &mut Criterion) {
    let mut g = c.benchmark_group("keygen");
    for (name, kind, bits) in [("ed25519", KeyKind::Ed25519, 256), ("ecdsa-p256", KeyKind::Ecdsa, 256)] {
        let spec = KeySpec::new(kind, Some(bits)).unwrap();
        g.bench_function(name, |b| b.iter(|| GeneratedKey::generate(spec, "bench").unwrap()));
    }
    g.finish();
}

fn rsa(c: &mut Criterion) {
    let mut g = c.benchmark_group("keygen-rsa");
    g.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(20));
    for bits in [2048u32, 3072, 4096] {
        let spec = KeySpec::new(KeyKind::Rsa, Some(bits)).unwrap();
        g.bench_with_input(BenchmarkId::new("parallel", bits), &spec, |b, spec| {
            b.iter(|| GeneratedKey::generate(*spec, "bench").unwrap())
        });
        g.bench_with_input(BenchmarkId::new("serial-rsa-crate", bits), &bits, |b, bits| {
            b.iter(|| ssh_key::private::RsaKeypair::random(&mut OsRng, *bits as usize).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, fast_kinds, rsa);
criterion_main!(benches);
