//! Cost of native stack capture: a contended acquisition with stacks off, at the default
//! budget, and with every acquisition captured; and one raw capture-and-intern.
//!
//! Two threads take turns on one lock with a short critical section, so nearly every acquisition
//! is contended; recording is on (a subscriber that wants lockprof events and drops them) and the
//! event threshold is 0, so every wait and hold is an event, as under heavy contention.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lockprof::config;
use tracing_subscriber::layer::SubscriberExt;

/// The deepest stack lockprof captures, in raw frames (`MAX_STACK_FRAMES` in
/// lockprof/src/stacks/capture.rs): the raw unwind below fills an array as lockprof's capture does.
const MAX_STACK_FRAMES: usize = 64;

struct Sink;
impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Sink {}

fn install_sink() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Sink);
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    });
}

/// Two threads, `iters` acquisitions each; returns the time per acquisition (of both threads)
/// and the fraction that waited.
fn ping_pong(lock: &Arc<lockprof::Mutex<u64>>, iters: u64) -> Duration {
    let barrier = Arc::new(Barrier::new(2));
    let start = Instant::now();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (lock, barrier) = (Arc::clone(lock), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for _ in 0..iters {
                    let mut g = lock.lock();
                    // ~1 µs of work inside, so the other thread is waiting when this one
                    // releases.
                    let t = Instant::now();
                    while t.elapsed() < Duration::from_micros(1) {
                        *g = black_box(*g + 1);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    start.elapsed() / 2
}

fn contended(c: &mut Criterion) {
    install_sink();
    config::set_event_threshold(Duration::ZERO);
    config::set_event_rate_limit(u32::MAX);
    let mut group = c.benchmark_group("stacks/contended");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    let lock = Arc::new(lockprof::Mutex::named("bench", 0u64));
    for (name, on, rate) in [
        ("off", false, 0),
        ("default_budget", true, config::DEFAULT_STACK_CAPTURE_RATE),
        ("every_acquisition", true, u32::MAX),
    ] {
        group.bench_function(name, |b| {
            config::set_stack_capture(on);
            config::set_stack_capture_rate(rate);
            b.iter_custom(|iters| ping_pong(&lock, iters))
        });
    }
    config::set_stack_capture(true);
    config::set_stack_capture_rate(config::DEFAULT_STACK_CAPTURE_RATE);
    group.finish();
    let stats = lockprof::stack_stats();
    eprintln!("stack stats after the contended benchmarks: {stats:?}");
}

/// One raw unwind into a fixed array (what a capture costs before interning), at the depth of a
/// benchmark closure (≈ 15 frames).
fn raw_capture(c: &mut Criterion) {
    c.bench_function("stacks/raw_unwind", |b| {
        b.iter(|| {
            let mut ips = [0usize; MAX_STACK_FRAMES + 1];
            let mut n = 0;
            // SAFETY: Linux's unwinder is thread-safe; the callback does not panic.
            unsafe {
                backtrace::trace_unsynchronized(|f| {
                    ips[n] = f.ip() as usize;
                    n += 1;
                    n < ips.len()
                })
            };
            black_box((ips, n))
        })
    });
}

criterion_group!(benches, raw_capture, contended);
criterion_main!(benches);
