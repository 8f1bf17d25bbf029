//! Long run at full contention: memory stays bounded.
//!
//! `#[ignore]`d because it runs for `LOCKPROF_SOAK_SECS` seconds (default 600):
//!
//! ```sh
//! LOCKPROF_SOAK_SECS=600 cargo test --release -p lockprof --test soak -- --ignored --nocapture
//! ```
//!
//! The whole recording path runs: locks → events → the Layer → the background writer → a trace
//! output (a byte counter, so the disk does not fill). The workload keeps every kind of state
//! lockprof keeps growing if it could: a storm on one hot mutex, an `RwLock`, a `Condvar`, and a
//! churn of short-lived, uniquely named threads contending on fresh locks (new thread ids, thread
//! names, lock ids and sites for the writer's tables, exiting threads' summaries handed over).
//! The process's resident set (`VmRSS` in /proc/self/status) is sampled every second; after a
//! warm-up it must stay below twice its warm-up value plus 16 MiB.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use tracing_subscriber::layer::SubscriberExt as _;

const DEFAULT_SECS: u64 = 600;
const SLACK_KIB: u64 = 16 * 1024;

/// The trace output: counts bytes, keeps none.
#[derive(Clone)]
struct Counter(Arc<AtomicU64>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

fn spin(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// Starts the workload's threads; they run until `stop`.
fn workload(stop: &Arc<AtomicBool>) -> Vec<thread::JoinHandle<u64>> {
    let mut threads = Vec::new();
    let hot = Arc::new(lockprof::Mutex::named("hot", 0u64));
    for i in 0..2 {
        let (hot, stop) = (Arc::clone(&hot), Arc::clone(stop));
        threads.push(thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let mut g = hot.lock();
                *g += 1;
                // Now and then a long hold, so that waits and holds are events, not just counts.
                if n % 512 == i {
                    spin(Duration::from_micros(200));
                }
                n += 1;
            }
            n
        }));
    }
    let table = Arc::new(lockprof::RwLock::named("table", vec![0u64; 64]));
    for i in 0..2 {
        let (table, stop) = (Arc::clone(&table), Arc::clone(stop));
        threads.push(thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                if n % 8 == i {
                    table.write()[(n % 64) as usize] += 1;
                } else {
                    std::hint::black_box(table.read().iter().sum::<u64>());
                }
                n += 1;
            }
            n
        }));
    }
    {
        let stop = Arc::clone(stop);
        threads.push(thread::spawn(move || {
            let pair = Arc::new((
                lockprof::Mutex::named("queue", 0u64),
                lockprof::Condvar::new(),
            ));
            let consumer = {
                let (pair, stop) = (Arc::clone(&pair), Arc::clone(&stop));
                thread::spawn(move || {
                    let (queue, ready) = &*pair;
                    let mut q = queue.lock();
                    while !stop.load(Ordering::Relaxed) {
                        if *q == 0 {
                            ready.wait_for(&mut q, Duration::from_millis(10));
                        } else {
                            *q -= 1;
                        }
                    }
                })
            };
            let (queue, ready) = &*pair;
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                *queue.lock() += 1;
                ready.notify_one();
                n += 1;
            }
            consumer.join().unwrap();
            n
        }));
    }
    // Churn: short-lived, uniquely named threads in pairs, contending on a fresh lock each.
    {
        let stop = Arc::clone(stop);
        threads.push(thread::spawn(move || {
            let mut generation = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let fresh = Arc::new(lockprof::Mutex::new(0u64));
                let start = Arc::new(Barrier::new(2));
                let pair: Vec<_> = (0..2)
                    .map(|k| {
                        let (fresh, start) = (Arc::clone(&fresh), Arc::clone(&start));
                        thread::Builder::new()
                            .name(format!("churn-{generation}-{k}"))
                            .spawn(move || {
                                start.wait();
                                for _ in 0..20 {
                                    let mut g = fresh.lock();
                                    *g += 1;
                                    spin(Duration::from_micros(30));
                                }
                            })
                            .unwrap()
                    })
                    .collect();
                for t in pair {
                    t.join().unwrap();
                }
                assert_eq!(*fresh.lock(), 40);
                generation += 1;
            }
            generation
        }));
    }
    threads
}

#[test]
#[ignore = "a long soak: LOCKPROF_SOAK_SECS=600 cargo test --release -p lockprof --test soak -- --ignored --nocapture"]
fn memory_stays_bounded_at_full_contention() {
    let secs = std::env::var("LOCKPROF_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECS);
    let duration = Duration::from_secs(secs);
    let warm_up = (duration / 5).min(Duration::from_secs(60));

    let written = Arc::new(AtomicU64::new(0));
    let (layer, guard) = lockprof::layer()
        .with_writer(Counter(Arc::clone(&written)))
        .build()
        .unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let threads = workload(&stop);
    let start = Instant::now();
    let mut baseline = None;
    let mut max_after_warm_up = 0;
    let mut last_print = Duration::ZERO;
    println!("soak: {secs} s, warm-up {} s", warm_up.as_secs());
    while start.elapsed() < duration {
        thread::sleep(Duration::from_secs(1));
        let t = start.elapsed();
        let rss = rss_kib();
        match baseline {
            None if t >= warm_up => baseline = Some(rss),
            Some(_) => max_after_warm_up = max_after_warm_up.max(rss),
            None => {}
        }
        if t - last_print >= duration / 20 || baseline == Some(rss) && t < warm_up * 2 {
            last_print = t;
            println!(
                "soak: t={:>4} s  rss={rss:>7} KiB  trace={:>6} MiB  dropped={}",
                t.as_secs(),
                written.load(Ordering::Relaxed) >> 20,
                guard.dropped_events(),
            );
        }
    }
    let final_rss = rss_kib();
    stop.store(true, Ordering::Relaxed);
    let counts: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    drop(guard);
    let baseline = baseline.expect("the run outlasts its warm-up");
    println!(
        "soak: rss after warm-up {baseline} KiB, max after {max_after_warm_up} KiB, final \
         {final_rss} KiB; trace {} MiB; iterations {counts:?}",
        written.load(Ordering::Relaxed) >> 20
    );
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
    let bound = 2 * baseline + SLACK_KIB;
    assert!(
        final_rss < bound && max_after_warm_up < bound,
        "RSS grew: {baseline} KiB after warm-up, max {max_after_warm_up} KiB, final \
         {final_rss} KiB (bound {bound} KiB)"
    );
}
