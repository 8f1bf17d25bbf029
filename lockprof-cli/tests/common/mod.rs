//! Traces for tests and benches: a small sample with known numbers, a synthetic generator, and
//! writers for both input formats (native through `TraceWriter`, JSON lines through
//! `tracing_subscriber::fmt().json()`).
#![allow(dead_code, unreachable_pub)]

use hdrhistogram::Histogram;
use lockprof::trace::{Frame, Header, Hold, Record, Stack, Summary, TraceWriter, Wait};
use lockprof::{LockKind, Mode};

pub const MS: u64 = 1_000_000;
pub const US: u64 = 1_000;

/// A histogram of `(value, count)` pairs.
pub fn hist(values: &[(u64, u64)]) -> Histogram<u64> {
    let mut h = Histogram::new(3).unwrap();
    for &(v, n) in values {
        h.record_n(v, n).unwrap();
    }
    h
}

pub fn wait(lock: u64, thread: u64, site: u32, wait_ns: u64, at_ns: u64, weight: u64) -> Record {
    Record::Wait(Wait {
        lock,
        mode: Mode::Exclusive,
        thread,
        site,
        holder: 0,
        wait_ns,
        at_ns,
        weight,
        timed_out: false,
        stack: 0,
        holder_stack: 0,
        spans: 0,
        task: None,
    })
}

pub fn hold(lock: u64, thread: u64, site: u32, hold_ns: u64, blame_ns: u64, at_ns: u64) -> Record {
    Record::Hold(Hold {
        lock,
        mode: Mode::Exclusive,
        thread,
        site,
        hold_ns,
        blame_ns,
        waiters: 1,
        at_ns,
        weight: 1,
        hold_exact: true,
        stack: 0,
        spans: 0,
        task: None,
    })
}

#[allow(clippy::too_many_arguments)]
pub fn summary(
    lock: u64,
    thread: u64,
    site: u32,
    at_ns: u64,
    acquisitions: u64,
    contended: u64,
    short_waits: &[(u64, u64)],
    short_holds: &[(u64, u64)],
    blame_ns: u64,
) -> Record {
    let wait_hist = hist(short_waits);
    let hold_hist = hist(short_holds);
    Record::Summary(Box::new(Summary {
        lock,
        mode: Mode::Exclusive,
        thread,
        site,
        at_ns,
        acquisitions,
        contended,
        timeouts: 0,
        waits: wait_hist.len(),
        wait_ns: short_waits.iter().map(|(v, n)| v * n).sum(),
        wait_hist,
        holds: hold_hist.len(),
        hold_ns: short_holds.iter().map(|(v, n)| v * n).sum(),
        hold_hist,
        blame_ns,
        blame_estimated_ns: 0,
        unattributed_ns: 0,
        wait_stack: 0,
        blame_stack: 0,
        task: None,
    }))
}

/// `summary` with `ns` of waiting on the lock charged to no hold.
pub fn with_unattributed(mut summary: Record, ns: u64) -> Record {
    if let Record::Summary(s) = &mut summary {
        s.unattributed_ns = ns;
    }
    summary
}

/// `summary` with `estimated_ns` of its blame estimated from sampled holds.
pub fn with_blame_estimated(mut summary: Record, estimated_ns: u64) -> Record {
    if let Record::Summary(s) = &mut summary {
        s.blame_estimated_ns = estimated_ns;
    }
    summary
}

/// `wait` with the waiter's native stack and the thread that held the lock with its stack, as a
/// trace with stack capture records them (the wait is then paired with that hold).
pub fn with_holder(mut wait: Record, stack: u64, holder: u64, holder_stack: u64) -> Record {
    if let Record::Wait(w) = &mut wait {
        (w.stack, w.holder, w.holder_stack) = (stack, holder, holder_stack);
    }
    wait
}

/// `hold` with the holder's native stack.
pub fn with_stack(mut hold: Record, stack: u64) -> Record {
    if let Record::Hold(h) = &mut hold {
        h.stack = stack;
    }
    hold
}

/// The definitions of native stack `id`: one frame (also `id`), the function named by string
/// `function`, in no known file (string `no_file`, empty).
pub fn one_frame_stack(id: u64, function: u32, no_file: u32) -> [Record; 2] {
    [
        Record::Frame(Frame {
            id,
            function,
            file: no_file,
            line: 0,
            inlined: false,
            resolved: true,
        }),
        Record::Stack(Stack {
            id,
            frames: vec![id],
            truncated: false,
            unresolved: false,
        }),
    ]
}

/// Defines lock `id`, named by string `name`.
pub fn lock(id: u64, name: u32, kind: LockKind) -> Record {
    Record::Lock { id, name, kind }
}

/// The profile of `inputs`, each a trace's records, aggregated as `lockprof report` does (locks
/// as instances).
pub fn aggregate(inputs: &[Vec<Record>]) -> lockprof_cli::Profile {
    let mut agg = lockprof_cli::Aggregator::new();
    for records in inputs {
        let mut input = lockprof_cli::TraceInput::new(&mut agg);
        for r in records {
            input.record(r);
        }
    }
    agg.finish()
}

/// [`aggregate`], counting each lock class into one entry as the records are read
/// (`Aggregator::by_class`, what `lockprof` does unless `--by-instance`).
pub fn aggregate_by_class(inputs: &[Vec<Record>]) -> lockprof_cli::Profile {
    let mut agg = lockprof_cli::Aggregator::new().by_class();
    for records in inputs {
        let mut input = lockprof_cli::TraceInput::new(&mut agg);
        for r in records {
            input.record(r);
        }
    }
    agg.finish()
}

pub fn string(id: u32, value: &str) -> Record {
    Record::String {
        id,
        value: value.to_owned(),
    }
}

/// The sample every golden file is rendered from. Its numbers:
/// - `ledger` (mutex): worker-1 waits 10, 20, 30 ms at bank.rs:42; worker-2 waits 5 ms with
///   weight 2 at bank.rs:57; plus 10 short waits of 5 µs (worker-1). Holds: flusher 50 ms with
///   45 ms of blame at flush.rs:9, worker-1 2 ms with 20 ms of blame; short holds 990 × 1 µs
///   (worker-1, 300 µs of blame) and 400 × 2 µs (worker-2). 1,504 acquisitions, 16 contended.
/// - `cache` (rwlock): worker-2 waits 1 ms once; 100 acquisitions, 1 contended.
/// - `quiet` (mutex): 50 uncontended acquisitions.
/// - 7 dropped events; timestamps span 2 s.
pub fn sample_records() -> Vec<Record> {
    vec![
        string(0, "ledger"),
        string(1, "cache"),
        string(2, "quiet"),
        string(3, "worker-1"),
        string(4, "worker-2"),
        string(5, "flusher"),
        string(6, "src/bank.rs:42"),
        string(7, "src/bank.rs:57"),
        string(8, "src/flush.rs:9"),
        string(9, "src/cache.rs:7"),
        Record::Lock {
            id: 1,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Lock {
            id: 2,
            name: 1,
            kind: LockKind::RwLock,
        },
        Record::Lock {
            id: 3,
            name: 2,
            kind: LockKind::Mutex,
        },
        Record::Thread { id: 1, name: 3 },
        Record::Thread { id: 2, name: 4 },
        Record::Thread { id: 3, name: 5 },
        hold(1, 3, 8, 50 * MS, 45 * MS, MS),
        wait(1, 1, 6, 10 * MS, 2 * MS, 1),
        wait(1, 1, 6, 20 * MS, 60 * MS, 1),
        hold(1, 1, 6, 2 * MS, 20 * MS, 61 * MS),
        wait(1, 1, 6, 30 * MS, 100 * MS, 1),
        wait(1, 2, 7, 5 * MS, 200 * MS, 2),
        wait(2, 2, 9, MS, 300 * MS, 1),
        Record::Dropped { count: 7 },
        summary(
            1,
            1,
            6,
            2001 * MS,
            1000,
            13,
            &[(5 * US, 10)],
            &[(US, 990)],
            300 * US,
        ),
        summary(1, 2, 7, 2001 * MS, 500, 3, &[], &[(2 * US, 400)], 0),
        summary(1, 3, 8, 2001 * MS, 4, 0, &[], &[], 0),
        summary(2, 2, 9, 2001 * MS, 100, 1, &[], &[], 0),
        summary(3, 1, 6, 2001 * MS, 50, 0, &[], &[], 0),
    ]
}

/// A native trace of `records` (complete: with the end marker).
pub fn native(records: &[Record]) -> Vec<u8> {
    let mut w = TraceWriter::new(Vec::new(), &Header::new(42, 1_700_000_000_000_000_000)).unwrap();
    for r in records {
        w.write(r).unwrap();
    }
    w.finish().unwrap()
}

/// A synthetic trace: `events` waits and holds (one summary per 64) over `locks` locks, `threads`
/// threads and `sites` sites, with realistic value spreads.
pub fn synthetic_records(events: usize, locks: u64, threads: u64, sites: u32) -> Vec<Record> {
    let mut out = Vec::with_capacity(events + 64);
    let mut next_str = 0;
    let def = |out: &mut Vec<Record>, next_str: &mut u32, value: String| {
        out.push(string(*next_str, &value));
        *next_str += 1;
        *next_str - 1
    };
    for l in 1..=locks {
        let name = def(&mut out, &mut next_str, format!("lock-{l}"));
        out.push(Record::Lock {
            id: l,
            name,
            kind: LockKind::Mutex,
        });
    }
    for t in 1..=threads {
        let name = def(&mut out, &mut next_str, format!("worker-{t}"));
        out.push(Record::Thread { id: t, name });
    }
    let first_site = next_str;
    for s in 0..sites {
        def(
            &mut out,
            &mut next_str,
            format!("src/module_{s}.rs:{}", 10 + s),
        );
    }
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut at = 0;
    for i in 0..events {
        let r = rnd();
        let lock = 1 + r % locks;
        let thread = 1 + (r >> 8) % threads;
        let site = first_site + ((r >> 16) % u64::from(sites)) as u32;
        let ns = 10 * US + (r >> 24) % (5 * MS);
        at += 1 + (r >> 40) % 1000;
        if i % 100_000 == 99_999 {
            out.push(summary(
                lock,
                thread,
                site,
                at,
                1000,
                40,
                &[(ns / 100, 30)],
                &[(ns / 50, 900)],
                ns,
            ));
        } else if r & 1 == 0 {
            out.push(wait(lock, thread, site, ns, at, 1));
        } else {
            out.push(hold(lock, thread, site, ns, ns * 2, at));
        }
    }
    out
}

mod classes;
pub mod golden;
pub mod ground_truth;
pub mod html_page;
mod json;
pub mod trace_events;
mod variants;

// Each test file uses a different part of what is shared.
#[allow(unused_imports)]
pub use {
    classes::{ACCOUNT, class_records},
    json::{Buffer, b64, json_lines},
    variants::{rwlock_records, sample_after_records, with_mode},
};
