//! `lockprof demo`'s workload: a small contended program recorded with lockprof's own locks and
//! Layer. `app` reads the trace back and renders it like any other.
//!
//! The workload: three `worker-N` threads move money between accounts under one `hot` lock
//! (short holds, heavy contention), now and then append to a `mild` journal lock, and a
//! `flusher` thread holds `hot` for a long stretch every few milliseconds (it should top the blame
//! view). A `reporter` thread is the only user of `uncontended`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use tracing_subscriber::layer::SubscriberExt;

/// Default run time of the workload.
pub(crate) const DEFAULT_DURATION_MS: u64 = 1500;

/// Number of `worker-N` threads.
const WORKERS: usize = 3;

static HOT: lockprof::Mutex<[u64; 16]> = lockprof::Mutex::named("hot", [100; 16]);
static MILD: lockprof::Mutex<Vec<u64>> = lockprof::Mutex::named("mild", Vec::new());
static QUIET: lockprof::Mutex<u64> = lockprof::Mutex::named("uncontended", 0);

/// What the demo writes.
#[derive(Clone, Debug)]
pub(crate) struct DemoPaths {
    /// The trace file.
    pub(crate) trace: PathBuf,
    /// The text report.
    pub(crate) report: PathBuf,
    /// The wait-view flamegraph.
    pub(crate) wait_svg: PathBuf,
    /// The blame-view flamegraph.
    pub(crate) blame_svg: PathBuf,
    /// The HTML page.
    pub(crate) html: PathBuf,
    /// The wait-view pprof profile (Go's block profile).
    pub(crate) wait_pprof: PathBuf,
    /// The blame-view pprof profile (Go's mutex profile).
    pub(crate) blame_pprof: PathBuf,
}

impl DemoPaths {
    /// The files of a demo in `dir`.
    pub(crate) fn in_dir(dir: &Path) -> DemoPaths {
        DemoPaths {
            trace: dir.join("trace.lptrace"),
            report: dir.join("report.txt"),
            wait_svg: dir.join("wait.svg"),
            blame_svg: dir.join("blame.svg"),
            html: dir.join("report.html"),
            wait_pprof: dir.join("wait.pb.gz"),
            blame_pprof: dir.join("blame.pb.gz"),
        }
    }

    /// Prints where everything is, and how to look further.
    ///
    /// # Errors
    /// Only errors of `out`.
    pub(crate) fn print(&self, mut out: impl Write) -> io::Result<()> {
        writeln!(out, "lockprof demo: profiled a contended workload")?;
        writeln!(out, "  trace       {}", self.trace.display())?;
        writeln!(out, "  report      {}", self.report.display())?;
        writeln!(
            out,
            "  html        {}  (all of it on one page: open it in a browser)",
            self.html.display()
        )?;
        writeln!(
            out,
            "  wait view   {}  (where threads waited)",
            self.wait_svg.display()
        )?;
        writeln!(
            out,
            "  blame view  {}  (who made them wait)",
            self.blame_svg.display()
        )?;
        writeln!(
            out,
            "  pprof       {} and {}  (go tool pprof -http=localhost:8080 {})",
            self.wait_pprof.display(),
            self.blame_pprof.display(),
            self.blame_pprof.display()
        )?;
        writeln!(out, "next: lockprof report {}", self.trace.display())
    }
}

/// Runs the workload with the lockprof Layer writing `trace`.
pub(crate) fn record(trace: &Path, duration: Duration) -> io::Result<()> {
    let (layer, guard) = lockprof::layer().with_path(trace).build()?;
    // A scoped dispatcher, handed to each thread: the demo must not take over the process's
    // global subscriber.
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let stop = AtomicBool::new(false);
    let deadline = Instant::now() + duration;
    thread::scope(|s| -> io::Result<()> {
        let spawn = |name: String, work: &'static (dyn Fn(&AtomicBool, usize) + Sync), i| {
            let dispatch = dispatch.clone();
            let stop = &stop;
            thread::Builder::new().name(name).spawn_scoped(s, move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    work(stop, i);
                    // Summaries are flushed while the dispatcher is still this thread's.
                    lockprof::flush();
                });
            })
        };
        for i in 0..WORKERS {
            spawn(format!("worker-{}", i + 1), &worker, i)?;
        }
        spawn("flusher".to_owned(), &flusher, 0)?;
        spawn("reporter".to_owned(), &reporter, 0)?;
        while Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        stop.store(true, Ordering::Relaxed);
        Ok(())
    })?;
    drop(dispatch);
    guard.flush();
    drop(guard);
    Ok(())
}

/// Busy work for about `d` (a hold that does CPU work, like real code under a lock).
fn spin(d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        std::hint::spin_loop();
    }
}

/// A small deterministic pseudo-random sequence per thread (xorshift).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn worker(stop: &AtomicBool, i: usize) {
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ (i as u64 + 1);
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        transfer(&mut rng);
        if n.is_multiple_of(8) {
            audit();
        }
        if n.is_multiple_of(4) {
            journal(n);
        }
        spin(Duration::from_micros(80 + next(&mut rng) % 120));
    }
}

/// Appends to the `mild` journal: a 20 µs hold, now and then in another worker's way.
fn journal(n: u64) {
    let mut journal = MILD.lock();
    if journal.len() >= 1024 {
        journal.clear();
    }
    journal.push(n);
    spin(Duration::from_micros(20));
}

/// Short holds from one site.
fn transfer(rng: &mut u64) {
    let from = (next(rng) % 16) as usize;
    let to = (next(rng) % 16) as usize;
    let mut accounts = HOT.lock();
    accounts[from] = accounts[from].wrapping_sub(1);
    accounts[to] = accounts[to].wrapping_add(1);
    spin(Duration::from_micros(5));
}

/// Longer holds from a second site.
fn audit() {
    let accounts = HOT.lock();
    let total = accounts.iter().fold(0u64, |a, b| a.wrapping_add(*b));
    std::hint::black_box(total);
    spin(Duration::from_micros(50));
}

/// Holds `hot` for 3 ms every 20 ms: the thread the blame view should single out.
fn flusher(stop: &AtomicBool, _: usize) {
    while !stop.load(Ordering::Relaxed) {
        {
            let accounts = HOT.lock();
            std::hint::black_box(&*accounts);
            thread::sleep(Duration::from_millis(3));
        }
        thread::sleep(Duration::from_millis(17));
    }
}

/// The only user of `uncontended`.
fn reporter(stop: &AtomicBool, _: usize) {
    while !stop.load(Ordering::Relaxed) {
        *QUIET.lock() += 1;
        thread::sleep(Duration::from_millis(1));
    }
}
