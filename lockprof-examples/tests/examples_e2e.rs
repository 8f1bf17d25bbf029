//! End to end, on a workload whose ground truth the test measures itself: profiled lock →
//! `tracing` event → lockprof Layer installed as the global subscriber → trace file →
//! `TraceReader`.
//!
//! Thread "slow" holds the `ledger` lock while three waiters queue up behind it for 30 ms. The
//! trace must hold their three waits (each as long as the waiter itself measured), the slow
//! thread's hold with the blame for all of that waiting, and exact counts.
//!
//! This file has a single test on purpose: it installs the process-wide default subscriber, and
//! each file under tests/ is its own process.

use std::collections::HashMap;
use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use lockprof::trace::{Hold, Record, StrId, Summary, TraceReader, Wait};
use lockprof::{LockKind, Mode};
use tracing_subscriber::layer::SubscriberExt as _;

/// A static, as most hot locks in real programs are.
static LEDGER: lockprof::Mutex<u64> = lockprof::Mutex::named("ledger", 0);

/// How long "slow" holds the lock once every waiter is about to ask for it.
const HOLD: Duration = Duration::from_millis(30);
const WAITERS: usize = 3;

/// What the workload's threads measured themselves.
#[derive(Debug)]
struct Truth {
    /// When "slow" got the lock and when it let go.
    slow_acquired: Instant,
    slow_released: Instant,
    waiters: Vec<Waiter>,
}

/// What one waiter measured.
#[derive(Debug)]
struct Waiter {
    name: String,
    /// When it called `lock()`.
    arrived: Instant,
    /// When `lock()` returned.
    acquired: Instant,
}

impl Waiter {
    fn waited(&self) -> Duration {
        self.acquired - self.arrived
    }
}

fn run_workload() -> Truth {
    let barrier = Arc::new(Barrier::new(WAITERS + 1));
    // Waiters about to call `lock()`: "slow" holds on until all are, so all of them really wait
    // even when the machine is too busy to run them promptly.
    let asking = Arc::new(AtomicUsize::new(0));
    let slow = {
        let (barrier, asking) = (Arc::clone(&barrier), Arc::clone(&asking));
        thread::Builder::new()
            .name("slow".into())
            .spawn(move || {
                let mut ledger = LEDGER.lock();
                let acquired = Instant::now();
                barrier.wait();
                while asking.load(Ordering::Acquire) < WAITERS {
                    thread::sleep(Duration::from_micros(100));
                }
                thread::sleep(HOLD);
                *ledger += 1;
                let released = Instant::now();
                drop(ledger);
                (acquired, released)
            })
            .expect("spawn slow")
    };
    let waiters: Vec<_> = (1..=WAITERS)
        .map(|i| {
            let (barrier, asking) = (Arc::clone(&barrier), Arc::clone(&asking));
            let name = format!("waiter-{i}");
            thread::Builder::new()
                .name(name.clone())
                .spawn(move || {
                    barrier.wait();
                    asking.fetch_add(1, Ordering::Release);
                    let arrived = Instant::now();
                    let mut ledger = LEDGER.lock();
                    let acquired = Instant::now();
                    *ledger += 1;
                    drop(ledger);
                    Waiter {
                        name,
                        arrived,
                        acquired,
                    }
                })
                .expect("spawn waiter")
        })
        .collect();
    let (slow_acquired, slow_released) = slow.join().expect("slow panicked");
    Truth {
        slow_acquired,
        slow_released,
        waiters: waiters
            .into_iter()
            .map(|w| w.join().expect("waiter panicked"))
            .collect(),
    }
}

/// Everything the trace says, with names resolved.
#[derive(Debug, Default)]
struct Trace {
    strings: HashMap<StrId, String>,
    threads: HashMap<u64, String>,
    locks: HashMap<u64, (String, LockKind)>,
    waits: Vec<Wait>,
    holds: Vec<Hold>,
    summaries: Vec<Summary>,
    dropped: u64,
}

impl Trace {
    fn read(path: &std::path::Path) -> Trace {
        let mut reader = TraceReader::new(File::open(path).expect("open trace")).expect("header");
        assert_eq!(reader.header().pid, std::process::id());
        let mut trace = Trace::default();
        for record in reader.by_ref() {
            match record.expect("every record reads back") {
                Record::String { id, value } => {
                    trace.strings.insert(id, value);
                }
                Record::Thread { id, name } => {
                    let name = trace.string(name).to_owned();
                    trace.threads.insert(id, name);
                }
                Record::Lock { id, name, kind } => {
                    let name = trace.string(name).to_owned();
                    trace.locks.insert(id, (name, kind));
                }
                Record::Wait(wait) => trace.waits.push(wait),
                Record::Hold(hold) => trace.holds.push(hold),
                Record::Summary(summary) => trace.summaries.push(*summary),
                Record::Dropped { count } => trace.dropped += count,
                // Stack definitions: not what these tests check.
                Record::Frame(_) | Record::Stack(_) | Record::Spans(_) => {}
            }
        }
        assert!(!reader.truncated(), "the trace was cut off");
        assert!(reader.complete(), "the trace has no end marker");
        trace
    }

    fn string(&self, id: StrId) -> &str {
        self.strings
            .get(&id)
            .unwrap_or_else(|| panic!("string {id} used before its definition"))
    }

    fn thread(&self, id: u64) -> &str {
        self.threads
            .get(&id)
            .unwrap_or_else(|| panic!("thread {id} used before its definition"))
    }

    fn thread_id(&self, name: &str) -> u64 {
        let ids: Vec<_> = self
            .threads
            .iter()
            .filter(|(_, n)| *n == name)
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            ids.len(),
            1,
            "thread {name:?} defined once: {:?}",
            self.threads
        );
        ids[0]
    }
}

/// Within 10% of the truth, or 1 ms for short ones: clock reads and wake-up latency, not errors.
#[track_caller]
fn assert_close(what: &str, measured: u64, truth: Duration) {
    let truth = u64::try_from(truth.as_nanos()).expect("short");
    let tolerance = (truth / 10).max(1_000_000);
    assert!(
        measured.abs_diff(truth) <= tolerance,
        "{what}: lockprof says {measured} ns, the program measured {truth} ns"
    );
}

#[test]
fn a_slow_hold_and_its_three_waiters_reach_the_trace_file_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("e2e.lptrace");
    let (layer, guard) = lockprof::layer()
        .with_path(&path)
        .build()
        .expect("build layer");
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .expect("this test is the only one in its process");

    let truth = run_workload();
    assert_eq!(*LEDGER.lock(), 1 + WAITERS as u64);
    // Completes the trace: this thread's summaries, the writer's queue, the end marker.
    drop(guard);

    let trace = Trace::read(&path);
    assert_eq!(
        trace.dropped, 0,
        "no events may be lost in a run this small"
    );
    let ledger = LEDGER.id();
    assert_eq!(
        trace.locks.get(&ledger),
        Some(&("ledger".to_owned(), LockKind::Mutex)),
        "lock definitions: {:?}",
        trace.locks
    );
    let slow = trace.thread_id("slow");

    // One wait event per waiter, each as long as the waiter measured, all behind "slow".
    let waits: Vec<_> = trace.waits.iter().filter(|w| w.lock == ledger).collect();
    assert_eq!(waits.len(), WAITERS, "wait records: {waits:?}");
    for waiter in &truth.waiters {
        let name = &waiter.name;
        let wait = waits
            .iter()
            .find(|w| trace.thread(w.thread) == name)
            .unwrap_or_else(|| panic!("no wait record of {name}: {waits:?}"));
        assert_close(&format!("wait of {name}"), wait.wait_ns, waiter.waited());
        assert_eq!(wait.holder, slow, "{name} waited behind slow");
        assert_eq!(wait.mode, Mode::Exclusive);
        assert!(!wait.timed_out);
        assert_eq!(wait.weight, 1);
        let site = trace.string(wait.site);
        // The acquire site is this file, as the compiler names it (relative to the workspace).
        assert!(site.starts_with(concat!(file!(), ":")), "site {site}");
    }

    // The slow hold carries the blame for all the waiting it caused.
    let slow_holds: Vec<_> = trace
        .holds
        .iter()
        .filter(|h| h.lock == ledger && h.thread == slow)
        .collect();
    assert_eq!(slow_holds.len(), 1, "hold records: {:?}", trace.holds);
    let hold = slow_holds[0];
    // Never contended before, so the hold began untimed (the fast path reads no clock): its length
    // is measured from the first waiter's arrival, a lower bound, and the record says so.
    assert!(!hold.hold_exact, "{hold:?}");
    let first_arrival = truth
        .waiters
        .iter()
        .map(|w| w.arrived)
        .min()
        .expect("waiters");
    assert_close(
        "slow hold (from the first arrival)",
        hold.hold_ns,
        truth.slow_released - first_arrival,
    );
    let held = truth.slow_released - truth.slow_acquired;
    assert!(
        Duration::from_nanos(hold.hold_ns) <= held + Duration::from_millis(1),
        "a lower bound: {} ns > {held:?}",
        hold.hold_ns
    );
    let waited_during_hold: Duration = truth
        .waiters
        .iter()
        .map(|w| truth.slow_released - w.arrived)
        .sum();
    assert_close("blame of the slow hold", hold.blame_ns, waited_during_hold);
    assert_eq!(hold.waiters, WAITERS as u32);

    // Totals: all the waiting is in the trace, and blame accounts for it but for the hand-offs
    // between holds (each waiter being handed the lock and getting to run), which are no hold's
    // and are counted as unattributed: the two together are the waiting, exactly.
    let summaries: Vec<_> = trace
        .summaries
        .iter()
        .filter(|s| s.lock == ledger)
        .collect();
    let total_wait: u64 = waits.iter().map(|w| w.wait_ns).sum::<u64>()
        + summaries.iter().map(|s| s.wait_ns).sum::<u64>();
    let truth_wait: Duration = truth.waiters.iter().map(Waiter::waited).sum();
    assert_close("total wait", total_wait, truth_wait);
    let total_blame: u64 = trace
        .holds
        .iter()
        .filter(|h| h.lock == ledger)
        .map(|h| h.blame_ns)
        .sum::<u64>()
        + summaries.iter().map(|s| s.blame_ns).sum::<u64>();
    let unattributed: u64 = summaries.iter().map(|s| s.unattributed_ns).sum();
    assert!(
        total_blame <= total_wait,
        "blame {total_blame} ns > wait {total_wait} ns"
    );
    assert!(
        (total_blame + unattributed).abs_diff(total_wait) <= 1_000_000,
        "blame {total_blame} ns + unattributed {unattributed} ns vs wait {total_wait} ns"
    );
    let hand_offs: Duration = truth
        .waiters
        .iter()
        .map(|w| w.acquired.saturating_duration_since(truth.slow_released))
        .sum();
    assert!(
        Duration::from_nanos(unattributed) <= hand_offs + Duration::from_millis(1),
        "unattributed {unattributed} ns is more than the hand-offs ({hand_offs:?})"
    );

    // Exact counts: slow, the three waiters and the main thread's check acquired the lock once each.
    let acquisitions: u64 = summaries.iter().map(|s| s.acquisitions).sum();
    let contended: u64 = summaries.iter().map(|s| s.contended).sum();
    let timeouts: u64 = summaries.iter().map(|s| s.timeouts).sum();
    assert_eq!(acquisitions, 1 + WAITERS as u64 + 1, "{summaries:?}");
    assert_eq!(contended, WAITERS as u64, "{summaries:?}");
    assert_eq!(timeouts, 0);
    for Waiter { name, .. } in &truth.waiters {
        let own: u64 = summaries
            .iter()
            .filter(|s| trace.thread(s.thread) == *name)
            .map(|s| s.contended)
            .sum();
        assert_eq!(own, 1, "{name} waited once");
    }
}
