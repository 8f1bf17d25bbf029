//! `tracing_subscriber::fmt().json()` lines: the CLI's JSON-lines reader, aggregation and outputs.
#![no_main]

#[allow(dead_code)]
mod harness {
    include!("../harness.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::json_lines(data));
