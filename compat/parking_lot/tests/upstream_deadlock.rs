//! parking_lot 0.12.5's own deadlock-detection tests (its src/deadlock.rs), run against this
//! crate with only the `use` lines changed (`crate::` is `parking_lot::`, and the detector is
//! reached through `parking_lot::deadlock`): cycles through `Mutex`, `ReentrantMutex` and
//! `RwLock` are reported, each once; and parking_lot 0.13's two tests of which of the
//! reader-writer lock's two resources a reader and a waiting writer own, with its private
//! `has_parked_threads` replaced by waiting for what a parked thread shows. parking_lot is MIT OR
//! Apache-2.0, by Amanieu d'Antras.
#![cfg(feature = "deadlock_detection")]
// Upstream's code, kept as written (`let _ = m.lock();` blocks, which is the point).
#![allow(clippy::let_underscore_lock)]

use parking_lot::{Mutex, ReentrantMutex, RwLock};
use std::sync::{Arc, Barrier, mpsc};
use std::thread::{self, sleep};
use std::time::Duration;

// We need to serialize these tests since deadlock detection uses global state
static DEADLOCK_DETECTION_LOCK: Mutex<()> = parking_lot::const_mutex(());

fn check_deadlock() -> bool {
    use parking_lot::deadlock::check_deadlock;
    !check_deadlock().is_empty()
}

#[test]
fn test_mutex_deadlock() {
    let _guard = DEADLOCK_DETECTION_LOCK.lock();

    let m1: Arc<Mutex<()>> = Default::default();
    let m2: Arc<Mutex<()>> = Default::default();
    let m3: Arc<Mutex<()>> = Default::default();
    let b = Arc::new(Barrier::new(4));

    let m1_ = m1.clone();
    let m2_ = m2.clone();
    let m3_ = m3.clone();
    let b1 = b.clone();
    let b2 = b.clone();
    let b3 = b.clone();

    assert!(!check_deadlock());

    let _t1 = thread::spawn(move || {
        let _g = m1.lock();
        b1.wait();
        let _ = m2_.lock();
    });

    let _t2 = thread::spawn(move || {
        let _g = m2.lock();
        b2.wait();
        let _ = m3_.lock();
    });

    let _t3 = thread::spawn(move || {
        let _g = m3.lock();
        b3.wait();
        let _ = m1_.lock();
    });

    assert!(!check_deadlock());

    b.wait();
    sleep(Duration::from_millis(50));
    assert!(check_deadlock());

    assert!(!check_deadlock());
}

#[test]
fn test_mutex_deadlock_reentrant() {
    let _guard = DEADLOCK_DETECTION_LOCK.lock();

    let m1: Arc<Mutex<()>> = Default::default();

    assert!(!check_deadlock());

    let _t1 = thread::spawn(move || {
        let _g = m1.lock();
        let _ = m1.lock();
    });

    sleep(Duration::from_millis(50));
    assert!(check_deadlock());

    assert!(!check_deadlock());
}

#[test]
fn test_remutex_deadlock() {
    let _guard = DEADLOCK_DETECTION_LOCK.lock();

    let m1: Arc<ReentrantMutex<()>> = Default::default();
    let m2: Arc<ReentrantMutex<()>> = Default::default();
    let m3: Arc<ReentrantMutex<()>> = Default::default();
    let b = Arc::new(Barrier::new(4));

    let m1_ = m1.clone();
    let m2_ = m2.clone();
    let m3_ = m3.clone();
    let b1 = b.clone();
    let b2 = b.clone();
    let b3 = b.clone();

    assert!(!check_deadlock());

    let _t1 = thread::spawn(move || {
        let _g = m1.lock();
        let _g = m1.lock();
        b1.wait();
        let _ = m2_.lock();
    });

    let _t2 = thread::spawn(move || {
        let _g = m2.lock();
        let _g = m2.lock();
        b2.wait();
        let _ = m3_.lock();
    });

    let _t3 = thread::spawn(move || {
        let _g = m3.lock();
        let _g = m3.lock();
        b3.wait();
        let _ = m1_.lock();
    });

    assert!(!check_deadlock());

    b.wait();
    sleep(Duration::from_millis(50));
    assert!(check_deadlock());

    assert!(!check_deadlock());
}

#[test]
fn test_rwlock_deadlock() {
    let _guard = DEADLOCK_DETECTION_LOCK.lock();

    let m1: Arc<RwLock<()>> = Default::default();
    let m2: Arc<RwLock<()>> = Default::default();
    let m3: Arc<RwLock<()>> = Default::default();
    let b = Arc::new(Barrier::new(4));

    let m1_ = m1.clone();
    let m2_ = m2.clone();
    let m3_ = m3.clone();
    let b1 = b.clone();
    let b2 = b.clone();
    let b3 = b.clone();

    assert!(!check_deadlock());

    let _t1 = thread::spawn(move || {
        let _g = m1.read();
        b1.wait();
        let _g = m2_.write();
    });

    let _t2 = thread::spawn(move || {
        let _g = m2.read();
        b2.wait();
        let _g = m3_.write();
    });

    let _t3 = thread::spawn(move || {
        let _g = m3.read();
        b3.wait();
        let _ = m1_.write();
    });

    assert!(!check_deadlock());

    b.wait();
    sleep(Duration::from_millis(50));
    assert!(check_deadlock());

    assert!(!check_deadlock());
}

// parking_lot 0.12 left this one out (`#[cfg(rwlock_deadlock_detection_not_supported)]`);
// parking_lot 0.13, whose reader-writer lock lockprof's follows, runs it.
#[test]
fn test_rwlock_deadlock_reentrant() {
    let _guard = DEADLOCK_DETECTION_LOCK.lock();

    let m1: Arc<RwLock<()>> = Default::default();

    assert!(!check_deadlock());

    let _t1 = thread::spawn(move || {
        let _g = m1.read();
        let _ = m1.write();
    });

    sleep(Duration::from_millis(50));
    assert!(check_deadlock());

    assert!(!check_deadlock());
}

#[track_caller]
fn assert_deadlock(thread_count: usize) {
    let deadlocks = parking_lot::deadlock::check_deadlock();
    assert_eq!(deadlocks.len(), 1);
    assert_eq!(deadlocks[0].len(), thread_count);
}

// parking_lot 0.13's (its src/deadlock.rs).
#[test]
fn test_rwlock_shared_reader_does_not_own_primary_key() {
    let _guard = DEADLOCK_DETECTION_LOCK.lock();

    let rwlock: Arc<RwLock<()>> = Default::default();
    let mutex: Arc<Mutex<()>> = Default::default();
    let (upgradable_ready_tx, upgradable_ready_rx) = mpsc::channel();
    let (release_upgradable_tx, release_upgradable_rx) = mpsc::channel();
    let (reader_ready_tx, reader_ready_rx) = mpsc::channel();

    let rwlock1 = Arc::clone(&rwlock);
    let upgradable = thread::spawn(move || {
        let _guard = rwlock1.upgradable_read();
        upgradable_ready_tx.send(()).unwrap();
        release_upgradable_rx.recv().unwrap();
    });
    upgradable_ready_rx.recv().unwrap();

    let rwlock2 = Arc::clone(&rwlock);
    let mutex1 = Arc::clone(&mutex);
    let blocked_upgradable = thread::spawn(move || {
        let _guard = mutex1.lock();
        let _blocked = rwlock2.upgradable_read();
    });
    // Upstream waits for `has_parked_threads()`: here, for the thread to hold the mutex, then
    // long enough for it to park on the reader-writer lock.
    while !mutex.is_locked() {
        thread::yield_now();
    }
    sleep(Duration::from_millis(50));

    let rwlock3 = Arc::clone(&rwlock);
    let mutex2 = Arc::clone(&mutex);
    let reader = thread::spawn(move || {
        let _guard = rwlock3.read();
        reader_ready_tx.send(()).unwrap();
        let _blocked = mutex2.lock();
    });
    reader_ready_rx.recv().unwrap();

    sleep(Duration::from_millis(50));
    assert!(!check_deadlock());

    release_upgradable_tx.send(()).unwrap();
    upgradable.join().unwrap();
    blocked_upgradable.join().unwrap();
    reader.join().unwrap();
}

// parking_lot 0.13's (its src/deadlock.rs).
#[test]
fn test_rwlock_pending_writer_owns_primary_key() {
    let _guard = DEADLOCK_DETECTION_LOCK.lock();

    let rwlock: Arc<RwLock<()>> = Default::default();
    let mutex: Arc<Mutex<()>> = Default::default();
    let (reader_ready_tx, reader_ready_rx) = mpsc::channel();
    let (block_reader_tx, block_reader_rx) = mpsc::channel();
    let (mutex_ready_tx, mutex_ready_rx) = mpsc::channel();

    let rwlock1 = Arc::clone(&rwlock);
    let mutex1 = Arc::clone(&mutex);
    let _reader = thread::spawn(move || {
        let _guard = rwlock1.read();
        reader_ready_tx.send(()).unwrap();
        block_reader_rx.recv().unwrap();
        let _blocked = mutex1.lock();
    });
    reader_ready_rx.recv().unwrap();

    let rwlock2 = Arc::clone(&rwlock);
    let _writer = thread::spawn(move || {
        let _blocked = rwlock2.write();
    });
    // Upstream waits for `has_parked_threads()`: here, for the writer to hold WRITER_BIT (new
    // readers are then kept out), then long enough for it to park waiting for the reader.
    while rwlock.try_read().is_some() {
        thread::yield_now();
    }
    sleep(Duration::from_millis(50));

    let rwlock3 = Arc::clone(&rwlock);
    let _blocked_reader = thread::spawn(move || {
        let _guard = mutex.lock();
        mutex_ready_tx.send(()).unwrap();
        let _blocked = rwlock3.read();
    });
    mutex_ready_rx.recv().unwrap();
    block_reader_tx.send(()).unwrap();

    sleep(Duration::from_millis(50));
    assert_deadlock(3);
    assert!(!check_deadlock());
}
