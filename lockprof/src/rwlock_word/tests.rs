//! The lock word on its own, without the profiler: exclusion, the clock's reading, deadlines,
//! fair hand-offs, recursive reads and upgrades.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::*;

const NO_WATCH: Option<fn()> = None;

/// A lock word guarding a pair that writers keep equal, shared between threads.
struct Guarded {
    word: RwLockWord,
    pair: UnsafeCell<(u64, u64)>,
}

// SAFETY: `pair` is written only under the exclusive lock and read under a shared one.
unsafe impl Sync for Guarded {}

fn read(word: &RwLockWord) {
    if !(word.lock_shared_fast(false) || word.lock_shared_busy(false)) {
        word.lock_shared_slow(false, None, || 0, NO_WATCH)
            .expect("no deadline");
    }
}

fn write(word: &RwLockWord) {
    if !word.lock_exclusive_fast() {
        word.lock_exclusive_slow(None, || 0, NO_WATCH)
            .expect("no deadline");
    }
}

/// Waits until a thread is parked on the word (its main queue, or the writer's).
fn wait_parked(word: &RwLockWord) {
    while word.state() & (PARKED_BIT | WRITER_PARKED_BIT) == 0 {
        std::thread::yield_now();
    }
    std::thread::sleep(Duration::from_millis(5));
}

#[test]
fn readers_share_and_writers_exclude() {
    let shared = Arc::new(Guarded {
        word: RwLockWord::new(),
        pair: UnsafeCell::new((0, 0)),
    });
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for i in 0..20_000u64 {
                    if (i + t) % 4 == 0 {
                        write(&shared.word);
                        // SAFETY: the exclusive lock is held.
                        unsafe {
                            let pair = &mut *shared.pair.get();
                            pair.0 += 1;
                            if i % 1000 == 0 {
                                // Long enough for the others to park.
                                std::thread::sleep(Duration::from_micros(200));
                            }
                            pair.1 += 1;
                        }
                        // SAFETY: held by this thread.
                        unsafe { shared.word.unlock_exclusive(|| ()) };
                    } else {
                        read(&shared.word);
                        // SAFETY: a shared lock is held.
                        let (a, b) = unsafe { *shared.pair.get() };
                        assert_eq!(a, b, "a reader saw a write half done");
                        // SAFETY: held by this thread.
                        unsafe { shared.word.unlock_shared() };
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    // SAFETY: every thread has finished.
    assert_eq!(unsafe { *shared.pair.get() }, (20_000, 20_000));
    assert_eq!(shared.word.state(), 0, "no bit left");
}

#[test]
fn the_clock_is_read_before_the_attempt_that_acquires() {
    for exclusive in [false, true] {
        let word = Arc::new(RwLockWord::new());
        assert!(word.lock_exclusive_fast());
        let released = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (word, released) = (Arc::clone(&word), Arc::clone(&released));
            std::thread::spawn(move || {
                // The reading says whether the release had happened when the clock was read.
                let clock = || u64::from(released.load(Ordering::Acquire));
                if exclusive {
                    let saw = word.lock_exclusive_slow(None, clock, NO_WATCH);
                    // SAFETY: acquired above.
                    unsafe { word.unlock_exclusive(|| ()) };
                    saw
                } else {
                    let saw = word.lock_shared_slow(false, None, clock, NO_WATCH);
                    // SAFETY: acquired above.
                    unsafe { word.unlock_shared() };
                    saw
                }
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        released.store(true, Ordering::Release);
        // SAFETY: held since `lock_exclusive_fast` above.
        unsafe { word.unlock_exclusive(|| ()) };
        assert_eq!(waiter.join().unwrap(), Some(1), "exclusive: {exclusive}");
    }
}

#[test]
fn a_writer_waiting_for_readers_reads_the_clock_before_the_last_one_leaves() {
    let word = Arc::new(RwLockWord::new());
    read(&word);
    let released = Arc::new(AtomicBool::new(false));
    let writer = {
        let (word, released) = (Arc::clone(&word), Arc::clone(&released));
        std::thread::spawn(move || {
            let clock = || u64::from(released.load(Ordering::Acquire));
            let saw = word.lock_exclusive_slow(None, clock, NO_WATCH);
            // SAFETY: acquired above.
            unsafe { word.unlock_exclusive(|| ()) };
            saw
        })
    };
    // The writer holds WRITER_BIT and parks in the second queue.
    while word.state() & WRITER_PARKED_BIT == 0 {
        std::thread::yield_now();
    }
    released.store(true, Ordering::Release);
    // SAFETY: held since `read` above.
    unsafe { word.unlock_shared() };
    assert_eq!(writer.join().unwrap(), Some(1));
    assert_eq!(word.state(), 0);
}

#[test]
fn deadlines_give_up_and_leave_no_bits() {
    let word = RwLockWord::new();
    // A writer waiting for a reader gives WRITER_BIT back.
    read(&word);
    let deadline = Instant::now() + Duration::from_millis(20);
    assert_eq!(
        word.lock_exclusive_slow(Some(deadline), || 1, NO_WATCH),
        None
    );
    assert!(Instant::now() >= deadline);
    assert_eq!(word.state(), ONE_READER);
    // SAFETY: held since `read` above.
    unsafe { word.unlock_shared() };
    // A reader waiting for a writer.
    write(&word);
    let deadline = Instant::now() + Duration::from_millis(20);
    assert_eq!(
        word.lock_shared_slow(false, Some(deadline), || 1, NO_WATCH),
        None
    );
    assert_eq!(word.state(), WRITER_BIT);
    // SAFETY: held since `write` above.
    unsafe { word.unlock_exclusive(|| ()) };
    assert_eq!(word.state(), 0);
}

#[test]
fn a_fair_unlock_hands_the_lock_to_the_parked_thread() {
    let word = Arc::new(RwLockWord::new());
    write(&word);
    let waiter = {
        let word = Arc::clone(&word);
        std::thread::spawn(move || {
            let got = word.lock_exclusive_slow(None, || 7, NO_WATCH);
            std::thread::sleep(Duration::from_millis(20));
            // SAFETY: acquired above.
            unsafe { word.unlock_exclusive(|| ()) };
            got
        })
    };
    wait_parked(&word);
    // SAFETY: held since `write` above.
    unsafe { word.unlock_exclusive_fair() };
    // Handed over, not released.
    assert!(!word.try_lock_shared(false));
    assert_eq!(waiter.join().unwrap(), Some(7));
    assert_eq!(word.state(), 0);
}

#[test]
fn a_recursive_read_passes_a_waiting_writer_and_a_plain_one_does_not() {
    let word = Arc::new(RwLockWord::new());
    read(&word);
    let writer = {
        let word = Arc::clone(&word);
        std::thread::spawn(move || {
            write(&word);
            // SAFETY: acquired above.
            unsafe { word.unlock_exclusive(|| ()) };
        })
    };
    // The writer has WRITER_BIT and waits for this reader.
    while word.state() & WRITER_BIT == 0 {
        std::thread::yield_now();
    }
    assert!(
        !word.try_lock_shared(false),
        "a plain read queues behind the writer"
    );
    assert!(word.try_lock_shared(true), "a recursive one gets in");
    // SAFETY: both shared locks are held by this thread.
    unsafe {
        word.unlock_shared();
        word.unlock_shared();
    }
    writer.join().unwrap();
    assert_eq!(word.state(), 0);
}

#[test]
fn an_upgrade_waits_for_the_other_readers_and_a_timed_out_one_stays_upgradable() {
    let word = Arc::new(RwLockWord::new());
    assert!(word.try_lock_upgradable());
    read(&word);
    // SAFETY: held upgradable.
    assert!(!unsafe { word.try_upgrade() }, "another reader is inside");
    let deadline = Instant::now() + Duration::from_millis(10);
    // SAFETY: held upgradable.
    assert_eq!(
        unsafe { word.upgrade_slow(Some(deadline), || 1, NO_WATCH) },
        None
    );
    assert_eq!(word.state(), (2 * ONE_READER) | UPGRADABLE_BIT);
    let reader = {
        let word = Arc::clone(&word);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            // SAFETY: the shared lock taken by `read` above, released on its behalf.
            unsafe { word.unlock_shared() };
        })
    };
    // SAFETY: held upgradable.
    assert_eq!(unsafe { word.upgrade_slow(None, || 2, NO_WATCH) }, Some(2));
    assert!(word.is_locked_exclusive());
    reader.join().unwrap();
    // SAFETY: held exclusively since the upgrade.
    unsafe { word.downgrade() };
    assert_eq!(word.state(), ONE_READER);
    // SAFETY: held shared since the downgrade.
    unsafe { word.unlock_shared() };
    assert_eq!(word.state(), 0);
}

#[test]
fn waiting_is_told_before_a_park() {
    let word = Arc::new(RwLockWord::new());
    write(&word);
    let told = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (word, told) = (Arc::clone(&word), Arc::clone(&told));
        std::thread::spawn(move || {
            let waiting = || told.store(true, Ordering::Relaxed);
            word.lock_shared_slow(false, None, || 0, Some(waiting))
                .expect("no deadline");
            // SAFETY: acquired above.
            unsafe { word.unlock_shared() };
        })
    };
    wait_parked(&word);
    assert!(told.load(Ordering::Relaxed));
    let woke = AtomicBool::new(false);
    // SAFETY: held since `write` above.
    unsafe { word.unlock_exclusive(|| woke.store(true, Ordering::Relaxed)) };
    assert!(
        woke.load(Ordering::Relaxed),
        "the unlock woke the parked reader"
    );
    waiter.join().unwrap();
}

/// Every operation at once, from threads that each pick them in turn: plain, recursive and timed
/// reads, writes with normal and fair unlocks, upgradable reads with upgrades (timed too),
/// downgrades of every kind. Writers keep the pair equal, readers check it, and the counts of
/// completed writes add up; at the end no bit is left.
#[test]
fn every_operation_at_once_keeps_exclusion_and_leaves_no_bit() {
    const THREADS: u64 = 6;
    const ROUNDS: u64 = if cfg!(miri) { 50 } else { 4_000 };
    let shared = Arc::new(Guarded {
        word: RwLockWord::new(),
        pair: UnsafeCell::new((0, 0)),
    });
    let timeout = || Some(Instant::now() + Duration::from_micros(50));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let word = &shared.word;
                let check = || {
                    // SAFETY: at least a shared lock is held.
                    let (a, b) = unsafe { *shared.pair.get() };
                    assert_eq!(a, b, "a write half done was seen");
                };
                let bump = || {
                    // SAFETY: the exclusive lock is held.
                    unsafe {
                        let pair = &mut *shared.pair.get();
                        pair.0 += 1;
                        std::hint::spin_loop();
                        pair.1 += 1;
                    }
                };
                let mut writes = 0u64;
                for i in 0..ROUNDS {
                    // SAFETY (every unlock, upgrade and downgrade below): the lock is held in
                    // the mode the call needs, as acquired just before.
                    unsafe {
                        match (i + t) % 8 {
                            0 => {
                                read(word);
                                check();
                                word.unlock_shared();
                            }
                            1 => {
                                if word.try_lock_shared(true)
                                    || word
                                        .lock_shared_slow(true, timeout(), || 0, NO_WATCH)
                                        .is_some()
                                {
                                    check();
                                    word.unlock_shared();
                                }
                            }
                            2 => {
                                write(word);
                                bump();
                                writes += 1;
                                word.unlock_exclusive(|| ());
                            }
                            3 => {
                                if word.try_lock_exclusive()
                                    || word
                                        .lock_exclusive_slow(timeout(), || 0, NO_WATCH)
                                        .is_some()
                                {
                                    bump();
                                    writes += 1;
                                    word.unlock_exclusive_fair();
                                }
                            }
                            4 => {
                                if !(word.lock_upgradable_fast() || word.lock_upgradable_busy()) {
                                    word.lock_upgradable_slow(None, || 0, NO_WATCH)
                                        .expect("no deadline");
                                }
                                check();
                                if word.try_upgrade()
                                    || word.upgrade_slow(timeout(), || 0, NO_WATCH).is_some()
                                {
                                    bump();
                                    writes += 1;
                                    word.downgrade_to_upgradable();
                                    check();
                                }
                                if i % 2 == 0 {
                                    word.unlock_upgradable(|| ());
                                } else {
                                    word.unlock_upgradable_fair();
                                }
                            }
                            5 => {
                                write(word);
                                bump();
                                writes += 1;
                                word.downgrade();
                                check();
                                word.unlock_shared();
                            }
                            6 => {
                                if word.try_lock_upgradable() {
                                    word.downgrade_upgradable();
                                    check();
                                    word.unlock_shared();
                                }
                            }
                            _ => {
                                if word.try_lock_shared(false) {
                                    check();
                                    word.unlock_shared();
                                }
                            }
                        }
                    }
                }
                writes
            })
        })
        .collect();
    let writes: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    // SAFETY: every thread has finished.
    assert_eq!(unsafe { *shared.pair.get() }, (writes, writes));
    assert_eq!(shared.word.state(), 0, "no bit left");
}
