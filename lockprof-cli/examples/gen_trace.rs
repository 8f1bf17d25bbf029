//! Writes a synthetic native trace of any length, for measuring the CLI on big inputs (peak memory
//! must stay flat as the trace grows; see BENCHMARKS.md):
//!
//! ```text
//! cargo run --release -p lockprof-cli --example gen_trace -- OUT.lptrace EVENTS [LOCKS THREADS SITES]
//! /usr/bin/time -v target/release/lockprof report OUT.lptrace > /dev/null
//! ```
//!
//! The events are those of the criterion bench (`tests/common`): one block of at most a million
//! waits and holds, written again and again with later timestamps, so that the generator's own
//! memory does not grow with `EVENTS` either.

use std::fs::File;
use std::io::BufWriter;
use std::process::ExitCode;

use lockprof::trace::{Header, Record, TraceWriter};

#[path = "../tests/common/mod.rs"]
mod common;

/// Events per generated block.
const BLOCK: usize = 1_000_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_trace: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(out), Some(events)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: gen_trace OUT EVENTS [LOCKS THREADS SITES]");
    };
    let events: usize = events.parse()?;
    let arg = |i: usize, default: u64| -> anyhow::Result<u64> {
        Ok(args
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let (locks, threads, sites) = (arg(2, 4)?, arg(3, 8)?, arg(4, 8)?);
    let block = common::synthetic_records(
        events.min(BLOCK),
        locks.max(1),
        threads.max(1),
        u32::try_from(sites.max(1))?,
    );
    let span = block.iter().filter_map(at_ns).max().unwrap_or(0) + 1;
    let file = BufWriter::with_capacity(1 << 20, File::create(out)?);
    let mut w = TraceWriter::new(file, &Header::new(1, 1_700_000_000_000_000_000))?;
    // The first block carries the definitions; later ones repeat only its events.
    let mut written = 0;
    for record in &block {
        w.write(record)?;
        written += usize::from(at_ns(record).is_some());
    }
    let mut shift = 0;
    while written < events {
        shift += span;
        for record in &block {
            if written == events {
                break;
            }
            let mut record = match record {
                Record::Wait(_) | Record::Hold(_) | Record::Summary(_) => record.clone(),
                _ => continue,
            };
            match &mut record {
                Record::Wait(wait) => wait.at_ns += shift,
                Record::Hold(hold) => hold.at_ns += shift,
                Record::Summary(summary) => summary.at_ns += shift,
                _ => {}
            }
            w.write(&record)?;
            written += 1;
        }
    }
    w.finish()?;
    eprintln!("gen_trace: wrote {written} events to {out}");
    Ok(())
}

/// The timestamp of an event record.
fn at_ns(record: &Record) -> Option<u64> {
    match record {
        Record::Wait(wait) => Some(wait.at_ns),
        Record::Hold(hold) => Some(hold.at_ns),
        Record::Summary(summary) => Some(summary.at_ns),
        _ => None,
    }
}
