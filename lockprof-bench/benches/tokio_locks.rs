//! `lockprof::tokio::Mutex` against `tokio::sync::Mutex`: uncontended lock+unlock on a
//! current-thread runtime (the fast path, where lockprof's budget is the sync locks': no clock
//! reading, no `tracing` call, no allocation), and a contended increment by 4 tasks on a
//! 2-worker multi-thread runtime; lockprof with recording on (its Layer installed, writing a
//! trace) and off.
//!
//! ```text
//! cargo bench -p lockprof-bench --bench tokio_locks [-- uncontended]
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use lockprof_bench::GlobalTrace;

/// Increments done per task in one contended iteration.
const PER_TASK: u64 = 2_000;
const TASKS: u64 = 4;

/// The two mutexes, as the cases use them.
trait AsyncMutex: Send + Sync + 'static {
    fn create() -> Self;
    fn increment(&self) -> impl Future<Output = ()> + Send;
}

impl AsyncMutex for tokio::sync::Mutex<u64> {
    fn create() -> Self {
        tokio::sync::Mutex::new(0)
    }
    async fn increment(&self) {
        *self.lock().await += 1;
    }
}

impl AsyncMutex for lockprof::tokio::Mutex<u64> {
    fn create() -> Self {
        lockprof::tokio::Mutex::new(0)
    }
    async fn increment(&self) {
        *self.lock().await += 1;
    }
}

/// `iters` uncontended lock+unlock pairs on one task.
fn uncontended<M: AsyncMutex>(rt: &tokio::runtime::Runtime, iters: u64) -> Duration {
    let lock = M::create();
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            lock.increment().await;
        }
        start.elapsed()
    })
}

/// `iters` rounds of `TASKS` tasks each incrementing `PER_TASK` times.
fn contended<M: AsyncMutex>(rt: &tokio::runtime::Runtime, iters: u64) -> Duration {
    let lock = Arc::new(M::create());
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let lock = Arc::clone(&lock);
                    tokio::spawn(async move {
                        for _ in 0..PER_TASK {
                            lock.increment().await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("a task panicked");
            }
        }
        start.elapsed()
    })
}

/// Runs `f` with lockprof's recording switched as `on` says, then switches it back on.
fn recording<R>(on: bool, f: impl FnOnce() -> R) -> R {
    lockprof::config::set_enabled(on);
    let r = f();
    lockprof::config::set_enabled(true);
    r
}

fn main() {
    let trace = GlobalTrace::install().expect("install lockprof's Layer");
    let mut c = Criterion::default().configure_from_args();
    let single = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");

    let mut group = c.benchmark_group("uncontended");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| uncontended::<tokio::sync::Mutex<u64>>(&single, iters))
    });
    group.bench_function("lockprof_off", |b| {
        b.iter_custom(|iters| {
            recording(false, || {
                uncontended::<lockprof::tokio::Mutex<u64>>(&single, iters)
            })
        })
    });
    group.bench_function("lockprof_default", |b| {
        b.iter_custom(|iters| uncontended::<lockprof::tokio::Mutex<u64>>(&single, iters))
    });
    group.finish();

    let mut group = c.benchmark_group("contended_4_tasks_2_workers");
    group.throughput(Throughput::Elements(TASKS * PER_TASK));
    group.sample_size(20);
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| contended::<tokio::sync::Mutex<u64>>(&multi, iters))
    });
    group.bench_function("lockprof_off", |b| {
        b.iter_custom(|iters| {
            recording(false, || {
                contended::<lockprof::tokio::Mutex<u64>>(&multi, iters)
            })
        })
    });
    group.bench_function("lockprof_default", |b| {
        b.iter_custom(|iters| contended::<lockprof::tokio::Mutex<u64>>(&multi, iters))
    });
    group.finish();

    c.final_summary();
    drop(trace);
}
