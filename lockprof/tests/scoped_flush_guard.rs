//! The Layer installed on some threads only (`with_default`) and the guard dropped on a thread
//! that has no subscriber: the guard flushes through the Layer's own dispatcher, so the trace
//! has every thread's counts, a live idle thread's and an exited thread's. (A test binary of
//! its own: no global subscriber may be installed in it.)

use std::sync::{Arc, Barrier, mpsc};
use std::thread;

use lockprof::trace::{Record, TraceReader};
use tracing_subscriber::prelude::*;

const PER_THREAD: u64 = 1_000;

#[test]
fn a_guard_dropped_where_no_subscriber_is_still_writes_every_threads_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scoped.lptrace");
    let (layer, guard) = lockprof::layer().with_path(&path).build().unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let lock = Arc::new(lockprof::Mutex::named("scoped-guard", 0u64));
    let counted = Arc::new(Barrier::new(3));
    let (stop, stopped) = mpsc::channel::<()>();
    let worker = |idle: Option<mpsc::Receiver<()>>| {
        let (lock, dispatch, counted) = (Arc::clone(&lock), dispatch.clone(), Arc::clone(&counted));
        thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                for _ in 0..PER_THREAD {
                    *lock.lock() += 1;
                }
            });
            counted.wait();
            // A pool's worker, parked and alive while the program ends.
            if let Some(idle) = idle {
                let _ = idle.recv();
            }
        })
    };
    let exits = worker(None);
    let idles = worker(Some(stopped));
    counted.wait();
    exits.join().unwrap();
    drop(dispatch);
    // Dropped on a thread without a subscriber, while the dispatcher lives (the idle worker
    // holds a clone).
    drop(guard);
    stop.send(()).unwrap();
    idles.join().unwrap();

    let bytes = std::fs::read(&path).unwrap();
    let mut reader = TraceReader::new(bytes.as_slice()).unwrap();
    let records = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    assert!(reader.complete(), "the guard closes the trace");
    let acquisitions: u64 = records
        .iter()
        .filter_map(|r| match r {
            Record::Summary(s) => Some(s.acquisitions),
            _ => None,
        })
        .sum();
    assert_eq!(acquisitions, 2 * PER_THREAD, "{records:?}");
}
