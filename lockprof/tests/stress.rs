//! Many threads hammering one lock: the protected data is exact, and the recorded counts are
//! conserved (every acquisition counted once, every contended one too, all waiting charged or
//! passed over).

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use common::{Captured, events, install, sum};

const THREADS: usize = 16;
const ITERATIONS: u64 = if cfg!(miri) { 50 } else { 20_000 };

/// Decodes a summary's base64 V2 histogram and returns its count.
fn hist_count(event: &Captured, field: &str) -> u64 {
    use base64::Engine as _;
    use hdrhistogram::serialization::Deserializer;
    let text = event.str(field);
    if text.is_empty() {
        return 0;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("valid base64");
    let hist: hdrhistogram::Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .expect("valid V2 histogram");
    hist.len()
}

#[test]
fn sixteen_threads_exact_counter_and_conserved_counts() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("stress", 0u64));
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (lock, start) = (Arc::clone(&lock), Arc::clone(&start));
            thread::Builder::new()
                .name(format!("stress-{i}"))
                .spawn(move || {
                    start.wait();
                    for n in 0..ITERATIONS {
                        let mut guard = lock.lock();
                        *guard += 1;
                        std::hint::black_box(&mut *guard);
                        // Now and then a pause while holding, so that the others really
                        // contend: on 2 cores busy with the other tests, a thread could
                        // otherwise run all its iterations within one time slice.
                        if n % 2_000 == 0 {
                            thread::sleep(std::time::Duration::from_micros(50));
                        }
                    }
                })
                .unwrap()
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let total = THREADS as u64 * ITERATIONS;
    assert_eq!(*lock.lock(), total);
    lockprof::flush();

    let summaries = events(lock.id(), "summary");
    let waits = events(lock.id(), "wait");
    let holds = events(lock.id(), "hold");
    // Every acquisition is counted exactly once: the workers' plus the final check's.
    assert_eq!(sum(&summaries, "acquisitions"), total + 1);
    // Every contended acquisition appears exactly once as a wait event or in a histogram.
    let contended = sum(&summaries, "contended");
    let short_waits: u64 = summaries.iter().map(|s| hist_count(s, "wait_hist")).sum();
    assert_eq!(sum(&summaries, "waits"), short_waits);
    assert_eq!(waits.len() as u64 + short_waits, contended);
    assert!(contended > 0, "16 threads on one lock must contend");
    // Every thread's counts reached the trace (they flushed at exit).
    for i in 0..THREADS {
        let name = format!("stress-{i}");
        let acquisitions: u64 = summaries
            .iter()
            .filter(|s| s.str("thread") == name)
            .map(|s| s.u64("acquisitions"))
            .sum();
        assert_eq!(acquisitions, ITERATIONS, "{name}");
    }
    // Waiting is conserved: charged exactly to a hold, or passed over as no hold's (hand-offs,
    // a storm's unmeasured holds), nothing else.
    let wait_total = sum(&waits, "wait_ns") + sum(&summaries, "wait_ns");
    let accounted = common::exact_blame(&holds, &summaries) + sum(&summaries, "unattributed_ns");
    let diff = wait_total.abs_diff(accounted);
    assert!(
        diff <= wait_total / 20 + 1_000_000,
        "Σ wait {wait_total} ns vs Σ exact blame + unattributed {accounted} ns"
    );
}

#[test]
fn rwlock_readers_and_writers_conserve_counts() {
    install();
    let lock = Arc::new(lockprof::RwLock::named("stress-rw", 0u64));
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (lock, start) = (Arc::clone(&lock), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let mut seen = 0;
                for n in 0..ITERATIONS / 4 {
                    if (n + i as u64).is_multiple_of(4) {
                        *lock.write() += 1;
                    } else {
                        seen = seen.max(*lock.read());
                    }
                }
                seen
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let writes: u64 = (0..THREADS as u64)
        .map(|i| {
            (0..ITERATIONS / 4)
                .filter(|n| (n + i).is_multiple_of(4))
                .count() as u64
        })
        .sum();
    assert_eq!(*lock.read(), writes);
    lockprof::flush();
    let summaries = events(lock.id(), "summary");
    let by_mode = |mode: &str| -> u64 {
        summaries
            .iter()
            .filter(|s| s.str("mode") == mode)
            .map(|s| s.u64("acquisitions"))
            .sum()
    };
    assert_eq!(by_mode("exclusive"), writes);
    assert_eq!(
        by_mode("shared"),
        THREADS as u64 * (ITERATIONS / 4) - writes + 1
    );
}

#[test]
fn upgradable_readers_and_condvar_handoffs_stay_exact() {
    install();
    let lock = Arc::new(lockprof::RwLock::named("stress-upgradable", 0u64));
    let rounds = ITERATIONS / 20;
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                for _ in 0..rounds {
                    let upgradable = lock.upgradable_read();
                    let mut writer = lockprof::RwLockUpgradableReadGuard::upgrade(upgradable);
                    *writer += 1;
                    let reader = lockprof::RwLockWriteGuard::downgrade(writer);
                    std::hint::black_box(*reader);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(*lock.read(), THREADS as u64 * rounds);
    lockprof::flush();
    let summaries = events(lock.id(), "summary");
    let upgradable: u64 = summaries
        .iter()
        .filter(|s| s.str("mode") == "upgradable")
        .map(|s| s.u64("acquisitions"))
        .sum();
    assert_eq!(upgradable, THREADS as u64 * rounds);

    // A token passed around a ring of threads with a Condvar: every handoff is exact.
    let ring = Arc::new((
        lockprof::Mutex::named("stress-ring", 0u64),
        lockprof::Condvar::new(),
    ));
    let laps = if cfg!(miri) { 2 } else { 50 };
    let players: Vec<_> = (0..THREADS as u64)
        .map(|me| {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                let (turn, changed) = &*ring;
                for lap in 0..laps {
                    let mut turn = turn.lock();
                    changed.wait_while(&mut turn, |t| *t != lap * THREADS as u64 + me);
                    *turn += 1;
                    changed.notify_all();
                }
            })
        })
        .collect();
    for player in players {
        player.join().unwrap();
    }
    assert_eq!(*ring.0.lock(), laps * THREADS as u64);
}
