//! Bulk import of authorized_keys-style files: see `check_parse_bulk` in ../invariants.rs.

#![no_main]

#[path = "../invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariants::check_parse_bulk(data));
