//! Host queries as users type them: see `check_host_query` in ../invariants.rs.

#![no_main]

#[path = "../invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariants::check_host_query(data));
