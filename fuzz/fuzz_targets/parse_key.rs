//! Single-key import in every format: see `check_parse_key` in ../invariants.rs.

#![no_main]

#[path = "../invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariants::check_parse_key(data));
