//! Lock cost against parking_lot in the same run: uncontended lock+unlock (recording on and off)
//! and contended throughput at 2, 4 and 8 threads with a ~50 ns critical section.
//!
//! Recording "on" installs a subscriber that wants lockprof events (so the slow paths time and
//! record, as in production); the events themselves go to a sink.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tracing_subscriber::layer::SubscriberExt;

/// A Layer that wants every lockprof event and drops it: the cost of producing events without
/// the cost of a particular writer.
struct Sink;
impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Sink {}

fn install_sink() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Sink);
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    });
}

trait Lock: Send + Sync + 'static {
    fn with(&self, f: impl FnOnce(&mut u64));
}

impl Lock for parking_lot::Mutex<u64> {
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock())
    }
}

impl Lock for lockprof::Mutex<u64> {
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock())
    }
}

fn uncontended(c: &mut Criterion) {
    install_sink();
    let mut group = c.benchmark_group("uncontended");
    group.throughput(Throughput::Elements(1));
    let pl = parking_lot::Mutex::new(0u64);
    let lp = lockprof::Mutex::named("bench", 0u64);
    group.bench_function("parking_lot", |b| b.iter(|| pl.with(|v| *v += 1)));
    group.bench_function("lockprof/on", |b| {
        lockprof::set_enabled(true);
        b.iter(|| lp.with(|v| *v += 1))
    });
    group.bench_function("lockprof/off", |b| {
        lockprof::set_enabled(false);
        b.iter(|| lp.with(|v| *v += 1));
        lockprof::set_enabled(true);
    });
    group.finish();
}

/// ~50 ns of work inside the critical section.
#[inline]
fn critical_section(v: &mut u64) {
    let mut x = *v;
    for _ in 0..20 {
        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    *v = x;
}

/// Runs `threads` threads taking the lock `iters / threads` times each; returns the wall time.
fn contended_run<L: Lock>(lock: &Arc<L>, threads: usize, iters: u64) -> Duration {
    let per_thread = (iters / threads as u64).max(1);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (lock, barrier) = (Arc::clone(lock), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for _ in 0..per_thread {
                    lock.with(critical_section);
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for worker in workers {
        worker.join().unwrap();
    }
    start.elapsed()
}

fn contended(c: &mut Criterion) {
    install_sink();
    let mut group = c.benchmark_group("contended");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(20);
    for threads in [2usize, 4, 8] {
        let pl = Arc::new(parking_lot::Mutex::new(0u64));
        let lp = Arc::new(lockprof::Mutex::named("bench-contended", 0u64));
        group.bench_with_input(BenchmarkId::new("parking_lot", threads), &threads, |b, &t| {
            b.iter_custom(|iters| contended_run(&pl, t, iters))
        });
        group.bench_with_input(BenchmarkId::new("lockprof", threads), &threads, |b, &t| {
            b.iter_custom(|iters| contended_run(&lp, t, iters))
        });
    }
    group.finish();
}

criterion_group!(benches, uncontended, contended);
criterion_main!(benches);
