//! Stacks where the time is, in a storm: three threads take one lock with short holds, from two
//! code paths that meet in one function (so one acquire site). Nearly all of their waits are too
//! short to be events, so the time is in summaries; each summary carries the stack of one of its
//! waits, drawn in proportion to their lengths. Through the Layer, the trace file and the CLI,
//! the wait view must show ≥ 90 % of the waiting under a stack, and each path's share of it
//! within 0.1 of the share its threads measured themselves (`Instant` around `lock()`).
//!
//! One test per file on purpose: it installs the process-wide subscriber.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lockprof::trace::Record;
use lockprof_cli::flame::{Frames, View, folded_with};
use lockprof_cli::{LoadOptions, Source, load};
use tracing_subscriber::layer::SubscriberExt as _;

static COUNTER: lockprof::Mutex<u64> = lockprof::Mutex::named("counter", 0);

/// The one acquire site both paths go through; returns how long `lock()` took.
#[inline(never)]
fn bump() -> Duration {
    let asked = Instant::now();
    let mut counter = COUNTER.lock();
    let waited = asked.elapsed();
    *counter = black_box(*counter + 1);
    // A short critical section: a few hundred nanoseconds.
    for _ in 0..50 {
        *counter = black_box(counter.wrapping_mul(31).wrapping_add(7));
    }
    waited
}

#[inline(never)]
fn path_a() -> Duration {
    black_box(bump())
}

#[inline(never)]
fn path_b() -> Duration {
    black_box(bump())
}

/// Whether `frame` is the function `name` of this test (its full path with full debug info, its
/// bare name with line-tables-only).
fn is_fn(frame: &str, name: &str) -> bool {
    frame == name || frame.ends_with(&format!("storm_stacks::{name}"))
}

#[test]
fn a_storms_waiting_is_shown_under_its_stacks_in_proportion() {
    lockprof::config::set_stack_capture(true);
    // Waits long enough to be events take a capture each, from a budget (2 000 a second) that
    // a loaded machine's preempted threads can spend in a burst; the summaries' draws do not
    // take from it. This test is about where the time goes, not about that budget.
    lockprof::config::set_stack_capture_rate(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("storm.lptrace");
    let (layer, guard) = lockprof::layer().with_path(&path).build().unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();

    // Thread 0 takes the lock through `path_a`, threads 1 and 2 through `path_b`.
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..3)
        .map(|i| {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut waited = Duration::ZERO;
                while !stop.load(Ordering::Relaxed) {
                    waited += if i == 0 { path_a() } else { path_b() };
                }
                lockprof::flush();
                (i, waited)
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(600));
    stop.store(true, Ordering::Relaxed);
    let mut measured = [Duration::ZERO; 2];
    for t in threads {
        let (i, waited) = t.join().unwrap();
        measured[usize::from(i != 0)] += waited;
    }
    drop(guard);

    // The summaries' waiting (the storm's short waits) is under the stacks they drew.
    let (mut drawn, mut summarized) = (0, 0);
    let file = std::fs::File::open(&path).unwrap();
    let reader = lockprof::trace::TraceReader::new(std::io::BufReader::new(file)).unwrap();
    for record in reader {
        if let Record::Summary(s) = record.unwrap() {
            summarized += s.wait_ns;
            if s.wait_stack != 0 {
                drawn += s.wait_ns;
            }
        }
    }
    assert!(
        drawn as f64 >= 0.99 * summarized as f64,
        "{drawn} of the summaries' {summarized} ns of waiting under a drawn stack"
    );
    let profile = load(&[Source::File(path)], &LoadOptions::default())
        .expect("the trace loads")
        .profile;
    let wait = folded_with(&profile, View::Wait, Frames::Native);
    let total: u64 = wait.iter().map(|(_, ns)| ns).sum();
    let under = |name: &str| -> u64 {
        wait.iter()
            .filter(|(stack, _)| stack.split(';').any(|f| is_fn(f, name)))
            .map(|(_, ns)| ns)
            .sum()
    };
    let (a, b) = (under("path_a"), under("path_b"));
    assert!(total > 0, "the threads must have waited: {wait:#?}");
    assert!(
        (a + b) as f64 >= 0.9 * total as f64,
        "{a} + {b} ns of {total} ns under a stack: {wait:#?}"
    );
    let share = a as f64 / (a + b) as f64;
    let truth = measured[0].as_secs_f64() / (measured[0] + measured[1]).as_secs_f64();
    assert!(
        (share - truth).abs() <= 0.1,
        "path_a has {share:.3} of the waiting under a stack, its thread measured {truth:.3}"
    );
}
