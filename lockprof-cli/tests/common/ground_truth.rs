//! A program with known ground truth, profiled for real: `holder` takes the `ground-truth` lock,
//! lets `waiter` start waiting for it, and holds it for `HOLD`; five times. Both threads measure
//! what they did themselves, for the tests to hold lockprof's numbers against.

use std::path::Path;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use tracing_subscriber::layer::SubscriberExt;

use super::Buffer;

/// The lock the two threads share.
pub static GT: lockprof::Mutex<u32> = lockprof::Mutex::named("ground-truth", 0);

/// Rounds: each one hold by `holder` and one wait by `waiter`.
pub const ROUNDS: u32 = 5;

/// How long `holder` sleeps holding the lock, once `waiter` is about to wait.
pub const HOLD: Duration = Duration::from_millis(30);

/// What the two threads measured themselves.
pub struct Truth {
    /// Each wait, from just before `lock()` to holding the guard.
    pub waits: Vec<Duration>,
    /// Each wait's part during the holder's hold: from its start to the holder's release. The
    /// rest of a wait (the waiter waking up after the release) is no hold's doing, and lockprof
    /// charges it to the next measured release instead.
    pub during_holds: Vec<Duration>,
}

/// Runs the two threads, their events going to `dispatch`.
pub fn workload(dispatch: &tracing::Dispatch) -> Truth {
    let start = Barrier::new(2);
    let locked = Barrier::new(2);
    let done = Barrier::new(2);
    let releases = std::sync::Mutex::new(Vec::new());
    let (starts, waits) = thread::scope(|s| {
        let holder = thread::Builder::new()
            .name("holder".into())
            .spawn_scoped(s, || {
                tracing::dispatcher::with_default(dispatch, || {
                    start.wait();
                    for _ in 0..ROUNDS {
                        let g = GT.lock();
                        locked.wait();
                        thread::sleep(HOLD);
                        releases.lock().unwrap().push(Instant::now());
                        drop(g);
                        done.wait();
                    }
                    lockprof::flush();
                })
            });
        let waiter = thread::Builder::new()
            .name("waiter".into())
            .spawn_scoped(s, || {
                tracing::dispatcher::with_default(dispatch, || {
                    start.wait();
                    let (mut starts, mut waits) = (Vec::new(), Vec::new());
                    for _ in 0..ROUNDS {
                        locked.wait();
                        let t = Instant::now();
                        starts.push(t);
                        let mut guard = GT.lock();
                        // The wait ends when the guard is ours: the release after it records
                        // and may emit (and, the first time, symbolize stacks), which is not
                        // waiting.
                        waits.push(t.elapsed());
                        *guard += 1;
                        drop(guard);
                        done.wait();
                    }
                    lockprof::flush();
                    (starts, waits)
                })
            });
        holder.unwrap().join().unwrap();
        waiter.unwrap().join().unwrap()
    });
    let releases = releases.into_inner().unwrap();
    let during_holds = releases.iter().zip(&starts).map(|(r, s)| *r - *s).collect();
    Truth {
        waits,
        during_holds,
    }
}

/// Runs the workload recorded at once into the trace file `trace` (lockprof's Layer) and into
/// tracing JSON lines (`fmt().json()`), which it returns with the truth.
pub fn record(trace: &Path) -> (Vec<u8>, Truth) {
    let json = Buffer::default();
    let (layer, guard) = lockprof::layer().with_path(trace).build().unwrap();
    let writer = json.clone();
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(move || writer.clone());
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer).with(fmt));
    let truth = workload(&dispatch);
    drop(dispatch);
    drop(guard);
    (json.take(), truth)
}

/// `d` in nanoseconds.
pub fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
