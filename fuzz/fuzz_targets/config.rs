//! Fuzzes the config loader; the entry lives in `config_entry.rs`.
#![no_main]

#[path = "config_entry.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::run(data));
