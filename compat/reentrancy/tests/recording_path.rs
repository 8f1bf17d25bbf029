//! lockprof's events pass through a subscriber that takes profiled locks of its own: with
//! tracing-subscriber's `parking_lot` feature and the compat crate, the `reload` layer takes a
//! profiled `RwLock` for every event (and a writer thread keeps re-taking it for writing), the
//! registry a profiled `RwLock` for each span's extensions, and the `fmt` layer's output a
//! profiled `Mutex` that another thread contends for. Recording must neither deadlock nor feed
//! itself: once the program is quiet, the log stops growing. A watchdog turns a deadlock into a
//! failure instead of a hung test.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{fmt, reload};

/// Runs `f` on its own thread and fails if it has not finished within a minute.
fn within_a_minute<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(value) => {
            handle.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(handle.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: deadlocked (no end in 60 s)"),
    }
}

fn spin(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// Where the JSON lines go: a parking_lot mutex, so a profiled one here.
static LOG: parking_lot::Mutex<Vec<u8>> = parking_lot::const_mutex(Vec::new());

/// Lines written to `LOG`, counted outside it (reading `LOG` would be an acquisition).
static LINES: AtomicUsize = AtomicUsize::new(0);

/// The `fmt` layer's output: each write takes `LOG`.
struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        LOG.lock().extend_from_slice(buf);
        let lines = buf.iter().filter(|&&b| b == b'\n').count();
        LINES.fetch_add(lines, Ordering::SeqCst);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Starts a thread named `name` that runs `f` until `stop`, then flushes its counts.
fn until_stopped(
    name: &str,
    stop: &Arc<AtomicBool>,
    mut f: impl FnMut() + Send + 'static,
) -> thread::JoinHandle<()> {
    let stop = Arc::clone(stop);
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                f();
            }
            lockprof::flush();
        })
        .unwrap()
}

#[test]
fn lockprof_events_through_a_subscriber_that_takes_profiled_parking_lot_locks() {
    let (fmt_layer, reload) = reload::Layer::new(
        fmt::layer()
            .json()
            .with_writer(|| LogWriter)
            .with_ansi(false),
    );
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(fmt_layer))
        .unwrap();

    let work = Arc::new(parking_lot::Mutex::new(0u64));
    const WORK_LINE: u32 = line!() - 1;
    let done = within_a_minute("the workload", {
        let work = Arc::clone(&work);
        move || {
            let stop = Arc::new(AtomicBool::new(false));
            let background = [
                // Takes reload's lock for writing while the other threads' events read it.
                until_stopped("reloader", &stop, move || {
                    reload.modify(|_| spin(Duration::from_micros(50))).unwrap();
                    thread::sleep(Duration::from_micros(200));
                }),
                // Holds the log's lock, so the threads writing their events wait for it.
                until_stopped("log-reader", &stop, || {
                    let log = LOG.lock();
                    spin(Duration::from_micros(100));
                    drop(log);
                }),
            ];
            let workers: Vec<_> = (0..3)
                .map(|i| {
                    let work = Arc::clone(&work);
                    thread::Builder::new()
                        .name(format!("worker-{i}"))
                        .spawn(move || {
                            // A span, so that formatting each event reads its extensions.
                            tracing::info_span!("worker", i).in_scope(|| {
                                for _ in 0..1_000 {
                                    let mut w = work.lock();
                                    *w += 1;
                                    spin(Duration::from_micros(20));
                                }
                            });
                            lockprof::flush();
                        })
                        .unwrap()
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            stop.store(true, Ordering::Relaxed);
            for t in background {
                t.join().unwrap();
            }
            *work.lock()
        }
    });
    assert_eq!(done, 3_000);

    // Quiet program, quiet log: once nothing locks, nothing is written, so no event makes another
    // (past the periodic flush, about a second).
    within_a_minute("a flush", lockprof::flush);
    let settled = LINES.load(Ordering::SeqCst);
    thread::sleep(Duration::from_millis(1_200));
    assert_eq!(
        LINES.load(Ordering::SeqCst),
        settled,
        "the log grows on its own"
    );
    // A flush asked for writes what the one before counted: lockprof counts the locks a subscriber
    // takes while it emits (without timing them: every acquisition is counted once), so that is a
    // summary per lock of the previous flush's own writes. Never more than it wrote: no feedback.
    let mut written = vec![];
    for _ in 0..4 {
        let before = LINES.load(Ordering::SeqCst);
        lockprof::flush();
        written.push(LINES.load(Ordering::SeqCst) - before);
    }
    assert!(
        written.windows(2).all(|w| w[1] <= w[0]) && written.iter().all(|&n| n <= 4),
        "each flush writes more: {written:?} lines"
    );

    let log = String::from_utf8(LOG.lock().clone()).unwrap();
    // For a report on it (`.ci/run` runs `lockprof report` on this file).
    if let Some(path) = std::env::var_os("LOCKPROF_JSON_OUT") {
        std::fs::write(path, &log).unwrap();
    }
    let events: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .filter(|e: &serde_json::Value| e["target"] == "lockprof")
        .collect();
    let summaries: Vec<&serde_json::Value> = events
        .iter()
        .map(|e| &e["fields"])
        .filter(|f| f["event"] == "summary")
        .collect();
    let of = |name: &dyn Fn(&str) -> bool| -> (u64, u64) {
        summaries
            .iter()
            .filter(|f| f["lock"].as_str().is_some_and(name))
            .map(|f| {
                (
                    f["acquisitions"].as_u64().unwrap(),
                    f["contended"].as_u64().unwrap(),
                )
            })
            .fold((0, 0), |(a, c), (sa, sc)| (a + sa, c + sc))
    };
    // The program's lock, named by this file's line, every acquisition counted.
    let work_line = format!("{}:{}", file!(), WORK_LINE);
    assert_eq!(of(&|n| n == work_line).0, 3_001, "{summaries:?}");
    // tracing-subscriber's own locks, named by its source's lines, and the reloader did make the
    // recording path wait for them (a run has had 8 to 22 such waits).
    let (acquisitions, contended) = of(&|n| n.contains("tracing-subscriber-"));
    assert!(
        acquisitions > 0 && contended > 0,
        "tracing-subscriber's locks: {acquisitions} acquisitions, {contended} contended"
    );
}
