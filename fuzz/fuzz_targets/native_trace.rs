//! Native trace files: `lockprof::trace::TraceReader`, then the CLI's aggregation and outputs.
#![no_main]

#[allow(dead_code)]
mod harness {
    include!("../harness.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::native_trace(data));
