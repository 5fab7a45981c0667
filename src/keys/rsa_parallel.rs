//! RSA key generation on every core. Nearly all the time of RSA generation goes into
//! finding two large primes; here a pool of threads (at least two) searches at once and
//! the first two primes found make the key, so the wall time on a multi-core machine is
//! about that of finding one prime on one core. Primality is decided by the same test
//! the `rsa` crate uses (`num_bigint_dig::prime::probably_prime` with 20 rounds: Miller-
//! Rabin plus Baillie-PSW), and the key is assembled and validated by
//! `rsa::RsaPrivateKey::from_p_q`. What is ours is only the candidate search, which,
//! as OpenSSL does, sieves a window of odd numbers after a random start by many small
//! primes (up to 2^16..2^20 depending on the size) before any expensive test, where
//! the `rsa` crate tries each random candidate against the primes up to 53 only. That
//! halves the number of costly Miller-Rabin tests on composites.
//!
//! Not for: anything but two-prime keys with e = 65537.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use num_bigint_dig::prime::probably_prime;
use rand::rngs::OsRng;
use rand::RngCore;
use rsa::{BigUint, RsaPrivateKey};
use zeroize::{Zeroize, Zeroizing};

use super::KeyError;

/// The public exponent every Keyshelf (and OpenSSH) RSA key uses.
pub(crate) const E: u32 = 65537;

/// Rounds of Miller-Rabin, as in the `rsa` crate's own `gen_prime`.
const MR_ROUNDS: usize = 20;

/// The largest sieving bound: candidates are sieved by odd primes below at most this.
const SIEVE_MAX: u32 = 1 << 20;

/// Odd offsets from one random start that are sieved at once: 2 * 16384 consecutive
/// integers, which near 2^2048 hold about 23 primes on average.
const WINDOW: usize = 1 << 14;

/// How far to sieve for primes of `bits` bits. Computing the remainders of a start costs
/// about (number of small primes) x (bits / 32) divisions; a larger bound pays off only
/// when each Miller-Rabin test it saves is expensive (about 1 ms at 1024 bits, 8 ms at
/// 2048 bits on the 2-core benchmark machine).
fn sieve_bound(bits: usize) -> u32 {
    match bits {
        0..=1024 => 1 << 16,
        1025..=1536 => 1 << 18,
        _ => SIEVE_MAX,
    }
}

/// Tries at assembling a key before giving up; each failure is astronomically rare.
const ATTEMPTS: usize = 8;

/// The odd primes below `bound` (at most [`SIEVE_MAX`]), ascending.
fn small_primes(bound: u32) -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    let all = PRIMES.get_or_init(|| {
        let n = SIEVE_MAX as usize;
        let mut composite = vec![false; n];
        let mut out = Vec::new();
        for i in 2..n {
            if !composite[i] {
                if i > 2 {
                    out.push(i as u32);
                }
                let mut j = i * i;
                while j < n {
                    composite[j] = true;
                    j += i;
                }
            }
        }
        out
    });
    &all[..all.partition_point(|&p| p < bound)]
}

/// How many threads search: every core, and at least two so that p and q are looked
/// for at the same time even where the OS reports one core.
pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 16)
}

/// A fresh RSA private key of exactly `bits` bits with e = 65537, using
/// [`default_threads`] threads.
pub(crate) fn generate(bits: usize) -> Result<RsaPrivateKey, KeyError> {
    generate_with_threads(bits, default_threads())
}

/// Same as [`generate`] on `threads` threads (at least one).
pub(crate) fn generate_with_threads(bits: usize, threads: usize) -> Result<RsaPrivateKey, KeyError> {
    if bits < 1024 || bits % 2 != 0 {
        return Err(KeyError::Generate(format!("cannot make a {bits}-bit RSA key: use 2048, 3072 or 4096")));
    }
    let half = bits / 2;
    for _ in 0..ATTEMPTS {
        let mut primes = find_primes(half, 2, threads.max(1));
        let (Some(q), Some(p)) = (primes.pop(), primes.pop()) else { continue };
        if let Some(key) = assemble(p, q, bits) {
            return Ok(key);
        }
    }
    Err(KeyError::Generate("no valid RSA key came out of the prime search; try again".into()))
}

/// Builds and checks the key. `None` (try again) when p = q, when p and q are too
/// close (FIPS 186-4: |p - q| > 2^(bits/2 - 100)), when the modulus is not exactly
/// `bits` long, or when `rsa` refuses the components.
fn assemble(p: BigUint, q: BigUint, bits: usize) -> Option<RsaPrivateKey> {
    if p == q {
        return None;
    }
    let diff = if p > q { &p - &q } else { &q - &p };
    if diff.bits() <= bits / 2 - 100 {
        return None;
    }
    let key = RsaPrivateKey::from_p_q(p, q, BigUint::from(E)).ok()?;
    use rsa::traits::PublicKeyParts;
    (key.n().bits() == bits && *key.e() == BigUint::from(E)).then_some(key)
}

/// Finds `count` distinct-by-search primes of exactly `bits` bits (top two bits set)
/// with p - 1 prime to e, on `threads` threads; the first `count` found win and the
/// other threads stop at their next candidate.
pub(crate) fn find_primes(bits: usize, count: usize, threads: usize) -> Vec<BigUint> {
    let found: Mutex<Vec<BigUint>> = Mutex::new(Vec::with_capacity(count + threads));
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some(p) = search_prime(bits, &stop) {
                    let mut all = found.lock().unwrap_or_else(|e| e.into_inner());
                    all.push(p);
                    if all.len() >= count {
                        stop.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            });
        }
    });
    let mut all = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // A prime found at the same moment by another thread is not used: wipe it.
    for extra in all.iter_mut().skip(count) {
        extra.zeroize();
    }
    all.truncate(count);
    all
}

/// Searches for one prime of exactly `bits` bits; `None` once `stop` is set.
///
/// Draws a random odd start with its top two bits set, sieves the window of odd
/// numbers after it by the small primes, and runs the full probabilistic test on
/// what survives, in order. A window with no prime (about one in 100,000) is
/// replaced by a fresh random start.
fn search_prime(bits: usize, stop: &AtomicBool) -> Option<BigUint> {
    let primes = small_primes(sieve_bound(bits));
    let bytes_len = bits.div_ceil(8);
    let top = bits - (bytes_len - 1) * 8; // bits used in the first byte, 1..=8
    let mut bytes = Zeroizing::new(vec![0u8; bytes_len]);
    let mut sieve = Zeroizing::new(vec![false; WINDOW]);
    while !stop.load(Ordering::Relaxed) {
        OsRng.fill_bytes(&mut bytes);
        bytes[0] &= ((1u32 << top) - 1) as u8;
        if top >= 2 {
            bytes[0] |= 3 << (top - 2);
        } else {
            bytes[0] |= 1;
            bytes[1] |= 0x80;
        }
        bytes[bytes_len - 1] |= 1;
        sieve.fill(false);
        for &sp in primes {
            let r = rem(&bytes, sp);
            // The first k with start + 2k = 0 (mod sp): k = -r / 2 = (sp - r) * (sp + 1) / 2.
            let inv2 = sp as u64 / 2 + 1; // 2^-1 mod sp, sp odd
            let mut k = (((sp - r) % sp) as u64 * inv2 % sp as u64) as usize;
            while k < WINDOW {
                sieve[k] = true;
                k += sp as usize;
            }
        }
        let r_e = rem(&bytes, E);
        let start = Zeroizing::new(BigUint::from_bytes_be(&bytes));
        for k in 0..WINDOW {
            if sieve[k] {
                continue;
            }
            // gcd(e, p - 1) = 1 for the prime e exactly when p != 1 (mod e).
            if (r_e as u64 + 2 * k as u64) % E as u64 == 1 {
                continue;
            }
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let mut candidate = &*start + BigUint::from(2 * k as u64);
            if candidate.bits() != bits {
                break;
            }
            if probably_prime(&candidate, MR_ROUNDS) {
                return Some(candidate);
            }
            // Failed candidates lie next to the prime this window may still give.
            candidate.zeroize();
        }
    }
    None
}

/// `bytes` (big-endian) modulo a small `m`, 32 bits at a time (r < m < 2^32, so
/// `r << 32 | word` fits in a u64).
fn rem(bytes: &[u8], m: u32) -> u32 {
    let m = m as u64;
    let (head, words) = bytes.split_at(bytes.len() % 4);
    let r = head.iter().fold(0u64, |r, &b| (r << 8) | b as u64) % m;
    words.chunks_exact(4).fold(r, |r, w| ((r << 32) | u32::from_be_bytes([w[0], w[1], w[2], w[3]]) as u64) % m) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};

    #[test]
    fn small_primes_are_the_odd_primes_below_the_bound() {
        let p = small_primes(1 << 14);
        assert_eq!(&p[..6], &[3, 5, 7, 11, 13, 17]);
        assert_eq!(p.len(), 1899, "there are 1900 primes below 16384, 2 excluded");
        assert!(p.iter().all(|&x| x < 1 << 14 && x % 2 == 1));
        assert_eq!(*p.last().unwrap(), 16381);
        assert_eq!(small_primes(SIEVE_MAX).len(), 82_024, "82,025 primes below 2^20, 2 excluded");
    }

    #[test]
    fn remainder_matches_bigint_arithmetic() {
        let n = BigUint::parse_bytes(b"123456789012345678901234567890123456789", 10).unwrap();
        for m in [3u32, 7, 16381, 65537] {
            let expected = &n % BigUint::from(m);
            assert_eq!(BigUint::from(rem(&n.to_bytes_be(), m)), expected, "mod {m}");
        }
    }

    #[test]
    fn primes_found_have_exact_size_top_bits_and_pass_the_rsa_test() {
        let found = find_primes(256, 3, 2);
        assert_eq!(found.len(), 3);
        for p in &found {
            assert_eq!(p.bits(), 256);
            assert!(p >= &(BigUint::from(3u32) << 254), "top two bits set");
            assert!(probably_prime(p, MR_ROUNDS));
            assert_ne!(p % BigUint::from(E), BigUint::from(1u32), "gcd(e, p - 1) = 1");
        }
    }

    #[test]
    fn set_stop_ends_the_search() {
        let stop = AtomicBool::new(true);
        assert!(search_prime(1024, &stop).is_none());
    }

    #[test]
    fn keys_have_exact_bits_e_65537_and_validate() {
        for threads in [1, 2, 3] {
            let key = generate_with_threads(2048, threads).unwrap();
            assert_eq!(key.n().bits(), 2048);
            assert_eq!(key.e(), &BigUint::from(65537u32));
            let primes = key.primes();
            assert_eq!(primes.len(), 2);
            assert_ne!(primes[0], primes[1]);
            assert_eq!(&primes[0] * &primes[1], *key.n());
            key.validate().unwrap();
            // What ssh-key stores as iqmp (OpenSSH's q^-1 mod p) is rsa's CRT coefficient.
            let iqmp = key.crt_coefficient().unwrap();
            assert_eq!((&iqmp * &primes[1]) % &primes[0], BigUint::from(1u32));
        }
    }

    #[test]
    fn odd_or_tiny_sizes_are_refused() {
        assert!(generate_with_threads(2047, 2).is_err());
        assert!(generate_with_threads(512, 2).is_err());
    }
}

#[cfg(test)]
mod timing {
    //! `cargo test --release --lib rsa_parallel::timing -- --ignored --nocapture`
    use super::*;
    use std::time::Instant;

    #[test]
    #[ignore]
    fn compare_threads_and_rsa_crate() {
        for bits in [2048usize, 3072, 4096] {
            let n = 9;
            let mut t = [Vec::new(), Vec::new(), Vec::new()];
            for _ in 0..n {
                let s = Instant::now();
                generate_with_threads(bits, 1).unwrap();
                t[0].push(s.elapsed().as_secs_f64());
                let s = Instant::now();
                generate_with_threads(bits, 2).unwrap();
                t[1].push(s.elapsed().as_secs_f64());
                let s = Instant::now();
                RsaPrivateKey::new(&mut OsRng, bits).unwrap();
                t[2].push(s.elapsed().as_secs_f64());
            }
            let med = |v: &mut Vec<f64>| {
                v.sort_by(|a, b| a.partial_cmp(b).unwrap());
                v[v.len() / 2]
            };
            println!(
                "{bits}: 1 thread {:.0} ms, 2 threads {:.0} ms, rsa crate {:.0} ms",
                med(&mut t[0]) * 1e3,
                med(&mut t[1]) * 1e3,
                med(&mut t[2]) * 1e3
            );
        }
    }
}
