//! The distortion test: the same contended workload run unprofiled (parking_lot) and profiled
//! (lockprof's default recording into its real Layer, with a trace file of its own), comparing
//! throughput, and comparing the total wait lockprof reports with an independent measurement.
//!
//! The independent measurement: each worker first tries the lock; only when that fails does it
//! read `Instant::now()`, call `lock()`, and add the elapsed time to its own total. Both runs carry
//! this instrumentation, so it does not bias the throughput comparison. The same run also gives
//! the trace's bytes per contended acquisition and the profiler's CPU per contended acquisition
//! (process CPU time, writer thread included, minus the unprofiled run's).

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tracing_subscriber::layer::SubscriberExt;

use crate::global::scratch_dir;
use crate::workload::run_threads;
use crate::{Isolated, TraceStats, process_cpu_time};

/// One workload of the distortion test.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Label for the table.
    pub name: &'static str,
    /// Threads sharing the lock.
    pub threads: usize,
    /// Acquisitions per thread.
    pub per_thread: u64,
    /// What each hold does.
    pub hold: fn(&mut u64),
    /// Work each thread does between two acquisitions, outside the lock (on a local value).
    pub between: fn(&mut u64),
}

/// One run of a workload.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// Wall time from release of the workers to the last one's end.
    pub wall: Duration,
    /// Process CPU time over the run (for the profiled run, until its trace is complete).
    pub cpu: Duration,
    /// Acquisitions whose `try_lock` failed, counted by the workload.
    pub contended: u64,
    /// Time those acquisitions spent in `lock()`, measured by the workload.
    pub wait: Duration,
    /// What lockprof's trace says (profiled runs only).
    pub trace: Option<TraceStats>,
}

impl Run {
    /// Acquisitions per second.
    pub fn throughput(&self, w: &Workload) -> f64 {
        (w.threads as u64 * w.per_thread) as f64 / self.wall.as_secs_f64()
    }
}

/// An unprofiled and a profiled run of one workload.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The workload.
    pub workload: Workload,
    /// parking_lot, no profiler.
    pub unprofiled: Run,
    /// lockprof, default recording into its Layer.
    pub profiled: Run,
}

impl Pair {
    /// Profiled throughput as a fraction of unprofiled.
    pub fn throughput_ratio(&self) -> f64 {
        self.profiled.throughput(&self.workload) / self.unprofiled.throughput(&self.workload)
    }

    /// lockprof's reported total wait divided by the workload's own measurement of it.
    pub fn reported_wait_ratio(&self) -> f64 {
        let reported = self.profiled.trace.as_ref().map_or(0, |t| t.wait_ns);
        reported as f64 / self.profiled.wait.as_nanos().max(1) as f64
    }

    /// Extra process CPU per contended acquisition of the profiled run, in ns.
    pub fn cpu_per_contention_ns(&self) -> f64 {
        let extra = self.profiled.cpu.as_nanos() as f64 - self.unprofiled.cpu.as_nanos() as f64;
        let contended = self.profiled.trace.as_ref().map_or(0, |t| t.contended);
        extra / contended.max(1) as f64
    }
}

/// Runs `workload` unprofiled then profiled, `rounds` times, and returns the pair whose profiled
/// throughput is the median (so one noisy round neither flatters nor damns it).
pub fn measure(workload: Workload, rounds: usize) -> io::Result<Pair> {
    let dir = scratch_dir(workload.name)?;
    let mut pairs = Vec::with_capacity(rounds);
    for round in 0..rounds.max(1) {
        let unprofiled = run_unprofiled(&workload);
        let profiled = run_profiled(&workload, dir.join(format!("round-{round}.lptrace")))?;
        pairs.push(Pair {
            workload,
            unprofiled,
            profiled,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    pairs.sort_by(|a, b| a.throughput_ratio().total_cmp(&b.throughput_ratio()));
    Ok(pairs.swap_remove(pairs.len() / 2))
}

/// The lock operations the workload needs.
trait TryLock: Send + Sync + 'static {
    fn try_with(&self, f: impl FnOnce(&mut u64)) -> bool;
    fn with(&self, f: impl FnOnce(&mut u64));
}

/// Both locks get memory of their own, as in the ratio table (see [`Isolated`]).
impl<L: TryLock> TryLock for Isolated<L> {
    fn try_with(&self, f: impl FnOnce(&mut u64)) -> bool {
        (**self).try_with(f)
    }
    fn with(&self, f: impl FnOnce(&mut u64)) {
        (**self).with(f);
    }
}

impl TryLock for parking_lot::Mutex<u64> {
    fn try_with(&self, f: impl FnOnce(&mut u64)) -> bool {
        self.try_lock().map(|mut g| f(&mut g)).is_some()
    }
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock())
    }
}

impl TryLock for lockprof::Mutex<u64> {
    fn try_with(&self, f: impl FnOnce(&mut u64)) -> bool {
        self.try_lock().map(|mut g| f(&mut g)).is_some()
    }
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock())
    }
}

fn run_unprofiled(w: &Workload) -> Run {
    let cpu = process_cpu_time();
    let mut run = run_workload(Arc::new(Isolated::new(parking_lot::Mutex::new(0))), w, None);
    run.cpu = process_cpu_time().saturating_sub(cpu);
    run
}

fn run_profiled(w: &Workload, path: PathBuf) -> io::Result<Run> {
    lockprof::config::set_enabled(true);
    lockprof::config::set_hold_sample_interval(lockprof::config::DEFAULT_HOLD_SAMPLE_INTERVAL);
    let cpu = process_cpu_time();
    let (layer, guard) = lockprof::layer().with_path(&path).build()?;
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let lock = Arc::new(Isolated::new(lockprof::Mutex::named("distortion", 0)));
    let mut run = run_workload(lock, w, Some(dispatch));
    // The trace is complete (and its writer's CPU spent) once the guard is gone.
    drop(guard);
    run.cpu = process_cpu_time().saturating_sub(cpu);
    run.trace = Some(TraceStats::read(&path)?);
    Ok(run)
}

fn run_workload<L: TryLock>(
    lock: Arc<L>,
    w: &Workload,
    dispatch: Option<tracing::Dispatch>,
) -> Run {
    let contended = Arc::new(AtomicU64::new(0));
    let wait_ns = Arc::new(AtomicU64::new(0));
    let (per_thread, hold, between) = (w.per_thread, w.hold, w.between);
    let wall = run_threads(w.threads, |_| {
        let (lock, contended, wait_ns) = (
            Arc::clone(&lock),
            Arc::clone(&contended),
            Arc::clone(&wait_ns),
        );
        let dispatch = dispatch.clone();
        move || {
            let work = || {
                let (mut my_contended, mut my_wait) = (0u64, Duration::ZERO);
                let mut local = 0u64;
                for _ in 0..per_thread {
                    between(&mut local);
                    if !lock.try_with(hold) {
                        let start = Instant::now();
                        let mut end = start;
                        lock.with(|v| {
                            // Read inside the hold: the end of the wait, not of the hold.
                            end = Instant::now();
                            hold(v)
                        });
                        my_wait += end - start;
                        my_contended += 1;
                    }
                }
                std::hint::black_box(local);
                contended.fetch_add(my_contended, Relaxed);
                wait_ns.fetch_add(my_wait.as_nanos() as u64, Relaxed);
                // Summaries go to this run's subscriber, before the thread leaves its scope.
                lockprof::flush();
            };
            match &dispatch {
                Some(dispatch) => tracing::dispatcher::with_default(dispatch, work),
                None => work(),
            }
        }
    });
    Run {
        wall,
        cpu: Duration::ZERO,
        contended: contended.load(Relaxed),
        wait: Duration::from_nanos(wait_ns.load(Relaxed)),
        trace: None,
    }
}
