//! Nothing lost: every acquisition made before a flush returns is in what the flush emitted,
//! whatever the thread that made it is doing then: parked alive (a pool or runtime worker),
//! just ended (scoped or joined), or exiting during the flush. The ground truth is what each
//! test counts itself.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use common::{events, install, sum};
use lockprof::event;

/// Acquisitions and contended acquisitions of lock `lock_id`, over every summary so far.
fn totals(lock_id: u64) -> (u64, u64) {
    let summaries = events(lock_id, event::SUMMARY);
    (
        sum(&summaries, event::ACQUISITIONS),
        sum(&summaries, event::CONTENDED),
    )
}

/// The calling thread's kernel task id (Linux), to watch its scheduling state.
fn task_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Waits until task `tid` of this process is asleep (parked on the lock it was about to take),
/// so the holder knows the waiter's first attempt failed. Without /proc, a generous pause.
fn wait_until_asleep(tid: Option<u32>) {
    let Some(tid) = tid else {
        thread::sleep(Duration::from_millis(50));
        return;
    };
    let path = format!("/proc/self/task/{tid}/stat");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let stat = std::fs::read_to_string(&path).unwrap_or_default();
        // The state follows the command name, which is in parentheses.
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next());
        if state == Some('S') {
            return;
        }
        thread::sleep(Duration::from_micros(100));
    }
    panic!("the waiter never blocked");
}

const POOL_ACQUISITIONS: u64 = 10_000;
const POOL_CONTENDED: u64 = 100;

/// A pool thread: takes `lock` 10 000 times, 100 of them while the caller holds it, then parks,
/// alive, until the returned sender is dropped.
fn run_pool_thread(lock: &Arc<lockprof::Mutex<u64>>) -> (mpsc::Sender<()>, thread::JoinHandle<()>) {
    let (want_tx, want_rx) = mpsc::channel::<()>();
    let (held_tx, held_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel::<Option<u32>>();
    let (park_tx, park_rx) = mpsc::channel::<()>();
    let worker = {
        let lock = Arc::clone(lock);
        thread::Builder::new()
            .name("pool-worker".into())
            .spawn(move || {
                let tid = task_id();
                let every = POOL_ACQUISITIONS / POOL_CONTENDED;
                for i in 0..POOL_ACQUISITIONS {
                    if i % every == 0 {
                        // Ask for the lock to be held, and take it once it is: contended.
                        want_tx.send(()).unwrap();
                        held_rx.recv().unwrap();
                        done_tx.send(tid).unwrap();
                    }
                    *lock.lock() += 1;
                }
                drop((want_tx, done_tx));
                // Alive and idle, as a pool's worker between jobs.
                let _ = park_rx.recv();
            })
            .unwrap()
    };
    while want_rx.recv().is_ok() {
        let guard = lock.lock();
        held_tx.send(()).unwrap();
        let tid = done_rx.recv().unwrap();
        wait_until_asleep(tid);
        drop(guard);
    }
    // The worker has made all its acquisitions once its channels are closed.
    while done_rx.recv().is_ok() {}
    (park_tx, worker)
}

#[test]
fn an_idle_pool_threads_counts_reach_the_trace_at_a_flush_on_another_thread() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("idle-pool", 0u64));
    let (park, worker) = run_pool_thread(&lock);
    assert_eq!(*lock.lock(), POOL_ACQUISITIONS);
    // The worker is alive and parked; only this thread flushes.
    lockprof::flush();
    // The 100 acquisitions of this thread (holding for the worker) and the one just above count
    // too: they are this thread's, flushed here.
    let (acquisitions, contended) = totals(lock.id());
    assert_eq!(
        (acquisitions, contended),
        (POOL_ACQUISITIONS + POOL_CONTENDED + 1, POOL_CONTENDED),
        "an idle, live thread's counts are missing"
    );
    // And nothing twice: once the worker exits, a flush finds nothing more.
    drop(park);
    worker.join().unwrap();
    lockprof::flush();
    assert_eq!(
        totals(lock.id()),
        (POOL_ACQUISITIONS + POOL_CONTENDED + 1, POOL_CONTENDED)
    );
}

#[test]
fn an_idle_pool_threads_counts_reach_the_trace_within_a_flush_interval() {
    install();
    let lock = Arc::new(lockprof::Mutex::named("idle-pool-periodic", 0u64));
    let (park, worker) = run_pool_thread(&lock);
    let (acquisitions_here, contended_here) = (POOL_CONTENDED, 0);
    // Nobody calls `flush`: another thread, busy with a lock of its own, flushes periodically
    // (its sampled holds take the recording path), and that collects every thread's counts.
    let stop = Arc::new(AtomicBool::new(false));
    let busy = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let other = lockprof::Mutex::named("idle-pool-busy", 0u64);
            while !stop.load(SeqCst) {
                for _ in 0..1_000 {
                    *other.lock() += 1;
                }
                thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let want = (
        POOL_ACQUISITIONS + acquisitions_here,
        POOL_CONTENDED + contended_here,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while totals(lock.id()) != want && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, SeqCst);
    busy.join().unwrap();
    assert_eq!(
        totals(lock.id()),
        want,
        "an idle, live thread's counts did not reach the trace within a flush interval"
    );
    drop(park);
    worker.join().unwrap();
}

/// Four scoped threads take a lock 5 000 times each; the flush right after the scope must find
/// all 20 000. Many runs, each with its own lock: a loss in one run of twelve cannot pass.
#[test]
fn scoped_threads_that_just_ended_lose_nothing() {
    install();
    const RUNS: usize = 80;
    const THREADS: u64 = 4;
    const EACH: u64 = 5_000;
    let mut lost = Vec::new();
    for run in 0..RUNS {
        let lock = lockprof::Mutex::named("scoped", 0u64);
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    for _ in 0..EACH {
                        *lock.lock() += 1;
                    }
                });
            }
        });
        lockprof::flush();
        let (acquisitions, _) = totals(lock.id());
        if acquisitions != THREADS * EACH {
            lost.push((run, acquisitions));
        }
    }
    assert!(
        lost.is_empty(),
        "runs whose acquisitions were not {}: {lost:?}",
        THREADS * EACH
    );
}

/// Threads that report their work done and then exit, racing the flush their report triggers.
#[test]
fn threads_exiting_during_the_flush_lose_nothing() {
    install();
    const RUNS: usize = 50;
    const THREADS: u64 = 4;
    const EACH: u64 = 3_000;
    let mut lost = Vec::new();
    for run in 0..RUNS {
        let lock = Arc::new(lockprof::Mutex::named("exiting", 0u64));
        let (done_tx, done_rx) = mpsc::channel();
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (lock, done_tx) = (Arc::clone(&lock), done_tx.clone());
                thread::spawn(move || {
                    for _ in 0..EACH {
                        *lock.lock() += 1;
                    }
                    done_tx.send(()).unwrap();
                    // ...and exits: its thread-locals go while the flush below runs.
                })
            })
            .collect();
        for _ in 0..THREADS {
            done_rx.recv().unwrap();
        }
        lockprof::flush();
        let (acquisitions, _) = totals(lock.id());
        if acquisitions != THREADS * EACH {
            lost.push((run, acquisitions));
        }
        for worker in workers {
            worker.join().unwrap();
        }
        // Whatever the exits left after the flush must not count again.
        lockprof::flush();
        let (again, _) = totals(lock.id());
        if again != THREADS * EACH {
            lost.push((run, again));
        }
    }
    assert!(
        lost.is_empty(),
        "runs whose acquisitions were not {}: {lost:?}",
        THREADS * EACH
    );
}

/// One thread takes many locks in turn, so its 64 counter slots are reassigned all the time,
/// while another thread flushes as fast as it can: every acquisition is counted exactly once.
#[test]
fn slot_reassignment_racing_collection_neither_loses_nor_double_counts() {
    install();
    const LOCKS: usize = 200;
    const ROUNDS: u64 = 300;
    let locks: Arc<Vec<lockprof::Mutex<u64>>> = Arc::new(
        (0..LOCKS)
            .map(|_| lockprof::Mutex::named("reassigned", 0))
            .collect(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let flushes = Arc::new(AtomicU64::new(0));
    let start = Arc::new(Barrier::new(2));
    let flusher = {
        let (stop, flushes, start) = (Arc::clone(&stop), Arc::clone(&flushes), Arc::clone(&start));
        thread::spawn(move || {
            start.wait();
            while !stop.load(SeqCst) {
                lockprof::flush();
                flushes.fetch_add(1, SeqCst);
            }
        })
    };
    let worker = {
        let (locks, start, flushes) =
            (Arc::clone(&locks), Arc::clone(&start), Arc::clone(&flushes));
        thread::spawn(move || {
            start.wait();
            // At least ROUNDS, and on until a flush has raced them (a flush can take a while
            // when another test's is emitting).
            for round in 0.. {
                if round >= ROUNDS && flushes.load(SeqCst) > 0 {
                    break;
                }
                for (i, lock) in locks.iter().enumerate() {
                    // Two sites, and a varying number of acquisitions per visit.
                    for _ in 0..1 + (round as usize + i) % 3 {
                        *lock.lock() += 1;
                    }
                    if i % 2 == 0 {
                        *lock.lock() += 1;
                    }
                }
            }
        })
    };
    worker.join().unwrap();
    stop.store(true, SeqCst);
    flusher.join().unwrap();
    lockprof::flush();
    assert!(flushes.load(SeqCst) > 0);
    let locks = Arc::into_inner(locks).expect("the threads are done with the locks");
    for lock in locks {
        // `into_inner` reads the count without an acquisition of this thread's, which another
        // test's flush could collect at any time.
        let id = lock.id();
        let made = lock.into_inner();
        let (acquisitions, _) = totals(id);
        assert_eq!(acquisitions, made, "lock {id}");
    }
}
