//! Aggregation throughput: native records in memory (the aggregator alone), native trace bytes
//! (reader + aggregator, borrowing and owning), and tracing JSON lines (parser + aggregator). One
//! core.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lockprof::trace::{HistogramBuckets, TraceReader};
use lockprof_cli::{Aggregator, JsonInput, TraceInput};

#[path = "../tests/common/mod.rs"]
mod common;

/// Events per iteration.
const EVENTS: usize = 1_000_000;
/// JSON lines per iteration.
const LINES: usize = 200_000;

fn native(c: &mut Criterion) {
    for (name, locks, threads, sites) in [("typical", 4, 8, 8), ("wide", 32, 16, 64)] {
        native_shape(c, name, locks, threads, sites);
    }
}

/// `locks × threads × sites` distinct cells: 256 is a typical service, 32,768 a wide one whose
/// tables no longer fit in L2.
fn native_shape(c: &mut Criterion, name: &str, locks: u64, threads: u64, sites: u32) {
    let records = common::synthetic_records(EVENTS, locks, threads, sites);
    let bytes = common::native(&records);
    let mut g = c.benchmark_group(format!("native_{name}"));
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("records", |b| {
        b.iter(|| {
            let mut agg = Aggregator::new();
            let mut input = TraceInput::new(&mut agg);
            for r in &records {
                input.record(r);
            }
            drop(input);
            black_box(agg.finish())
        })
    });
    // What `lockprof report` does: records borrowed from the reader, no allocation per record,
    // summaries' histograms as their buckets.
    g.bench_function("trace_bytes", |b| {
        b.iter(|| {
            let mut agg = Aggregator::new();
            let mut input = TraceInput::new(&mut agg);
            let mut reader =
                TraceReader::<_, HistogramBuckets>::with_histograms(&bytes[..]).unwrap();
            while let Some(r) = reader.next_ref().unwrap() {
                input.record_ref(r);
            }
            drop(input);
            black_box(agg.finish())
        })
    });
    // The owning iterator, for library users that keep records.
    g.bench_function("trace_bytes_owned", |b| {
        b.iter(|| {
            let mut agg = Aggregator::new();
            let mut input = TraceInput::new(&mut agg);
            for r in TraceReader::new(&bytes[..]).unwrap() {
                input.record(&r.unwrap());
            }
            drop(input);
            black_box(agg.finish())
        })
    });
    g.finish();
}

fn json(c: &mut Criterion) {
    // One unrelated log line per 10 events, like an application log with profiling on.
    let records = common::synthetic_records(LINES * 10 / 11, 32, 16, 64);
    let bytes = common::json_lines(&records, false, 10, None);
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let mut g = c.benchmark_group("json_lines");
    g.throughput(Throughput::Elements(lines as u64));
    g.bench_function("nested", |b| {
        b.iter(|| {
            let mut agg = Aggregator::new();
            let stats = JsonInput::new(&mut agg).read(&bytes[..]).unwrap();
            black_box((stats, agg.finish()))
        })
    });
    let flat = common::json_lines(&records, true, 10, None);
    g.bench_function("flattened", |b| {
        b.iter(|| {
            let mut agg = Aggregator::new();
            let stats = JsonInput::new(&mut agg).read(&flat[..]).unwrap();
            black_box((stats, agg.finish()))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = native, json
}
criterion_main!(benches);
