//! Re-entrancy through user code that lockprof calls or that runs while it records:
//!
//! - the trace *writer* given to `lockprof::layer().with_writer(..)` takes a profiled mutex that
//!   other threads contend for, so the writer thread itself waits on profiled locks and its waits
//!   become events for the writer to write;
//! - a `Debug` impl of a value inside a profiled mutex takes another profiled mutex, and is
//!   formatted by a `fmt` layer while lockprof records.
//!
//! Neither may deadlock, recurse without bound, or keep generating events once the program is
//! quiet. A watchdog turns a deadlock into a failure instead of a hung test.
//!
//! The writer test installs the global subscriber (the writer thread it starts has no scoped
//! one), so it is the only test here that does; the `Debug` test scopes its subscriber.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex as StdMutex};
use std::thread;
use std::time::{Duration, Instant};

use lockprof::trace::{Record, TraceReader};
use tracing_subscriber::layer::SubscriberExt as _;

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
            // It panicked: show that panic, not a timeout.
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

/// Where the trace goes: a profiled mutex, contended by the `contender` thread below.
static SINK: lockprof::Mutex<Vec<u8>> = lockprof::Mutex::named("sink", Vec::new());

/// The trace output: every write takes `SINK`, and holds it a little, as a logging pipeline
/// guarded by the program's own (profiled) lock would.
struct LockingWriter;

impl Write for LockingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut sink = SINK.lock();
        sink.extend_from_slice(buf);
        WRITTEN.fetch_add(buf.len(), Ordering::SeqCst);
        spin(Duration::from_micros(50));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        drop(SINK.lock());
        Ok(())
    }
}

/// Bytes written to `SINK`, counted outside it: reading `SINK`'s length would be an acquisition
/// of its own, and a summary of it for the next flush to write.
static WRITTEN: AtomicUsize = AtomicUsize::new(0);

fn sink_len() -> usize {
    WRITTEN.load(Ordering::SeqCst)
}

#[test]
fn a_trace_writer_that_takes_a_contended_profiled_lock() {
    let (layer, guard) = lockprof::layer()
        .with_writer(LockingWriter)
        .with_flush_interval(Duration::from_millis(2))
        .build()
        .unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();

    let guard = within_a_minute("the workload", move || {
        let stop = Arc::new(AtomicBool::new(false));
        // Takes SINK as the program's other code would, so the writer waits for it.
        let contender = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name("contender".to_owned())
                .spawn(move || {
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let _sink = SINK.lock();
                        spin(Duration::from_micros(100));
                        n += 1;
                    }
                    lockprof::flush();
                    n
                })
                .unwrap()
        };
        // Contention elsewhere keeps the writer busy writing.
        let work = Arc::new(lockprof::Mutex::named("work", 0u64));
        let workers: Vec<_> = (0..2)
            .map(|i| {
                let work = Arc::clone(&work);
                thread::Builder::new()
                    .name(format!("worker-{i}"))
                    .spawn(move || {
                        for _ in 0..2_000 {
                            let mut w = work.lock();
                            *w += 1;
                            spin(Duration::from_micros(20));
                        }
                        lockprof::flush();
                    })
                    .unwrap()
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        assert!(contender.join().unwrap() > 0);
        assert_eq!(*work.lock(), 4_000);
        guard
    });

    // Quiet program, quiet trace: once nothing contends, writing the last events must not cause
    // events of its own without end. A feedback loop would grow the trace at every flush.
    let mut sizes = vec![sink_len()];
    for _ in 0..5 {
        guard.flush();
        thread::sleep(Duration::from_millis(20));
        sizes.push(sink_len());
        if sizes[sizes.len() - 1] == sizes[sizes.len() - 2] {
            break;
        }
    }
    let n = sizes.len();
    assert_eq!(
        sizes[n - 1],
        sizes[n - 2],
        "the trace keeps growing: {sizes:?}"
    );
    assert_eq!(guard.dropped_events(), 0);
    within_a_minute("closing the trace", move || drop(guard));

    let trace = SINK.lock().clone();
    let mut reader = TraceReader::new(trace.as_slice()).unwrap();
    let records: Vec<Record> = (&mut reader).map(Result::unwrap).collect();
    assert!(reader.complete(), "the trace was closed properly");
    let sink_id = SINK.id();
    let sink_events = records
        .iter()
        .filter(|r| match r {
            Record::Wait(w) => w.lock == sink_id,
            Record::Hold(h) => h.lock == sink_id,
            Record::Summary(s) => s.lock == sink_id,
            _ => false,
        })
        .count();
    assert!(
        sink_events > 0,
        "contention on the writer's lock was recorded"
    );
}

/// Taken by `Order`'s `Debug` impl.
static NAMES: lockprof::Mutex<Vec<&'static str>> = lockprof::Mutex::named("names", Vec::new());

struct Order(u64);

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = NAMES.lock();
        spin(Duration::from_micros(30));
        write!(f, "Order({}, {} names)", self.0, names.len())
    }
}

/// What the `fmt` layer printed.
#[derive(Clone, Default)]
struct Printed(Arc<StdMutex<Vec<u8>>>);

impl Write for Printed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_debug_impl_that_takes_a_profiled_lock_formatted_while_recording() {
    const THREADS: u64 = 3;
    const ORDERS: u64 = 200;
    let trace = Printed::default();
    let printed = Printed::default();
    let (layer, guard) = lockprof::layer()
        .with_writer(trace.clone())
        .build()
        .unwrap();
    let for_fmt = printed.clone();
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::registry().with(layer).with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || for_fmt.clone())
                .with_ansi(false),
        ),
    );
    let orders = Arc::new(lockprof::Mutex::named("orders", Order(0)));
    let guard = within_a_minute("formatting", {
        let orders = Arc::clone(&orders);
        move || {
            let mut threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (orders, dispatch) = (Arc::clone(&orders), dispatch.clone());
                    thread::spawn(move || {
                        tracing::dispatcher::with_default(&dispatch, || {
                            for _ in 0..ORDERS {
                                let mut order = orders.lock();
                                order.0 += 1;
                                // Formats `Order` (taking NAMES) with `orders` held.
                                tracing::info!(order = ?*order, "placed");
                                drop(order);
                                // Debug of the profiled mutex itself (it try-locks).
                                let shown = format!("{:?}", &*orders);
                                assert!(shown.contains("Mutex"), "{shown}");
                            }
                            lockprof::flush();
                        })
                    })
                })
                .collect();
            // Contends for NAMES while the others format.
            threads.push({
                let dispatch = dispatch.clone();
                thread::spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for _ in 0..ORDERS {
                            let mut names = NAMES.lock();
                            names.push("x");
                            spin(Duration::from_micros(30));
                        }
                        lockprof::flush();
                    })
                })
            });
            for t in threads {
                t.join().unwrap();
            }
            guard
        }
    });
    drop(guard);
    assert_eq!(orders.lock().0, THREADS * ORDERS);
    let printed = String::from_utf8(printed.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        printed
            .lines()
            .filter(|l| l.contains("placed") && l.contains("Order("))
            .count() as u64,
        THREADS * ORDERS,
        "{printed}"
    );
    let trace = trace.0.lock().unwrap().clone();
    let mut reader = TraceReader::new(trace.as_slice()).unwrap();
    let records: Vec<Record> = (&mut reader).map(Result::unwrap).collect();
    assert!(reader.complete());
    // Both locks were recorded, with user formatting in between, and the threads did contend
    // (which lock they collide on is up to the scheduler, so only one is required).
    let summary_of = |lock: u64| {
        records
            .iter()
            .filter_map(move |r| match r {
                Record::Summary(s) if s.lock == lock => Some((s.acquisitions, s.contended)),
                _ => None,
            })
            .fold((0, 0), |(a, c), (sa, sc)| (a + sa, c + sc))
    };
    let (names, orders_seen) = (summary_of(NAMES.id()), summary_of(orders.id()));
    assert!(
        names.0 > 0 && orders_seen.0 > 0,
        "{names:?} {orders_seen:?}"
    );
    assert!(
        names.1 + orders_seen.1 > 0,
        "no contention recorded: {names:?} {orders_seen:?}"
    );
}
