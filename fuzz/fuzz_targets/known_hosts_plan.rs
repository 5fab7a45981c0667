//! known_hosts reading, matching and the removal plan: see `check_known_hosts_plan` in ../invariants.rs.

#![no_main]

#[path = "../invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariants::check_known_hosts_plan(data));
