//! The mutex's lock word: parking_lot's `RawMutex` algorithm (parking_lot 0.13, MIT/Apache-2.0),
//! ported so that a contended acquisition reads the clock *before* it acquires, not after.
//!
//! Why: with parking_lot's raw mutex as a black box, the end of a wait can only be read once
//! `lock()` has returned, that is inside the critical section, where the clock read (≈ 10 ns)
//! lengthens every contended hold and so makes the next hand-off collide more. Read before, it
//! lengthens the wait instead, which is already waiting. (Measured: with 2 threads the share of
//! acquisitions that waited went from 17 ‰ to 7 ‰; BENCHMARKS.md.) It is read before each load
//! of the state, not between the load that finds the lock free and the compare-and-swap: there
//! it would hold the waiter back while the thread that just unlocked takes the lock again
//! (`paired` at 4 threads: 0.92× → 0.96×; BENCHMARKS.md).
//!
//! The state, spinning, parking and unparking are parking_lot's, bit for bit: a locked bit, a
//! parked bit, `SpinWait` before parking, an unlock that wakes one parked thread without handing
//! the lock over, a fair unlock that does, and the condvar's requeue. While recording, the profiler
//! is told when the wait starts yielding and before each park, before the parked bit is set.
//! With the `deadlock_detection` feature it tells parking_lot_core's deadlock detector what the
//! thread holds where parking_lot's `RawMutex` does: after each acquisition and before each
//! release, under the key its waiters park on (`crate::deadlock`).

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use parking_lot_core::{DEFAULT_PARK_TOKEN, ParkResult, SpinWait, UnparkResult, UnparkToken};

use crate::deadlock;

const LOCKED_BIT: u8 = 0b01;
const PARKED_BIT: u8 = 0b10;

/// Rounds of `SpinWait::spin` that spin on the processor before it starts yielding the thread
/// (parking_lot_core's).
const BUSY_SPINS: u32 = 3;

/// The unlocking thread released the lock; the woken thread competes for it.
const TOKEN_NORMAL: UnparkToken = UnparkToken(0);
/// The unlocking thread handed the lock over directly (a fair unlock).
pub(crate) const TOKEN_HANDOFF: UnparkToken = UnparkToken(1);

/// A mutex's state: locked and parked bits, threads parked in `parking_lot_core` under its address.
pub(crate) struct LockWord {
    state: AtomicU8,
}

impl LockWord {
    pub(crate) const fn new() -> LockWord {
        LockWord {
            state: AtomicU8::new(0),
        }
    }

    /// parking_lot's `lock` fast path: one compare-and-swap from the free, unparked state, with no
    /// load before it. Fails whenever another thread holds the lock or is parked on it (then
    /// [`try_lock`](Self::try_lock) still takes a free lock). A load first, as `try_lock` does,
    /// fetches the lock's line shared while another core spins on it and the compare-and-swap
    /// then fetches it again exclusive. Measured at 2 threads with 23 ns holds (20 processes, on
    /// builds that also forced `lock()` inline): 0.918× → 0.939× parking_lot with recording on,
    /// 0.968× → 0.981× with it off; with 50 ns holds the difference is within the noise
    /// (BENCHMARKS.md).
    #[inline]
    pub(crate) fn lock_fast(&self) -> bool {
        let acquired = self
            .state
            .compare_exchange_weak(0, LOCKED_BIT, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if acquired {
            self.deadlock_acquire();
        }
        acquired
    }

    /// One attempt, as parking_lot's `try_lock`: succeeds whenever the lock is free.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        let acquired = self
            .state
            .try_update(Ordering::Acquire, Ordering::Relaxed, |state| {
                (state & LOCKED_BIT == 0).then_some(state | LOCKED_BIT)
            })
            .is_ok();
        if acquired {
            self.deadlock_acquire();
        }
        acquired
    }

    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED_BIT != 0
    }

    /// Acquires the lock, spinning and then parking while it is held, or gives up at `deadline`.
    /// `clock` is read before each load of the state (and after a failed attempt to set the parked
    /// bit, which may follow the profiler's `waiting`); returns its reading before the load that
    /// found the lock free and led to the acquisition (for a fair hand-off, its reading on
    /// waking), or `None` on timeout.
    /// `waiting`, if given, is called when the wait starts yielding its thread (it may then not
    /// run again for a while) and before each park.
    // Never inlined: `scripts/instructions.py` tells the blocking apart from the bookkeeping
    // around it by this function's name.
    #[cold]
    #[inline(never)]
    pub(crate) fn lock_slow(
        &self,
        deadline: Option<Instant>,
        clock: impl Fn() -> u64,
        waiting: Option<impl Fn()>,
    ) -> Option<u64> {
        let acquired = self.lock_blocking(deadline, clock, waiting);
        if acquired.is_some() {
            self.deadlock_acquire();
        }
        acquired
    }

    /// [`lock_slow`](Self::lock_slow)'s loop.
    #[inline(always)]
    fn lock_blocking(
        &self,
        deadline: Option<Instant>,
        clock: impl Fn() -> u64,
        waiting: Option<impl Fn()>,
    ) -> Option<u64> {
        let mut spinwait = SpinWait::new();
        let mut spins = 0u32;
        let mut now = clock();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            // Grab the lock if it is free, even if there is a queue (barging, as parking_lot). A
            // failed attempt keeps `now`: it took nanoseconds.
            if state & LOCKED_BIT == 0 {
                match self.state.compare_exchange_weak(
                    state,
                    state | LOCKED_BIT,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Some(now),
                    Err(x) => state = x,
                }
                continue;
            }

            // Nobody parked yet: spin a little first. Past its first few busy rounds SpinWait
            // yields the thread, which may then not run again for a while.
            if state & PARKED_BIT == 0 {
                spins += 1;
                if spins == BUSY_SPINS + 1
                    && let Some(waiting) = &waiting
                {
                    waiting();
                }
            }
            if state & PARKED_BIT == 0 && spinwait.spin() {
                now = clock();
                state = self.state.load(Ordering::Relaxed);
                continue;
            }

            // Told before the parked bit is set: from then on each unlock goes to wake a thread,
            // and finds none (and clears the bit, failing the park) until this one is queued.
            if let Some(waiting) = &waiting {
                waiting();
            }

            // Set the parked bit, so the unlocking thread knows to wake someone.
            if state & PARKED_BIT == 0
                && let Err(x) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED_BIT,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
            {
                state = x;
                // Read again: `waiting` may have registered the wait in the integral since.
                now = clock();
                continue;
            }

            // Park until an unlock wakes us, unless the state changed since it was read.
            let validate = || self.state.load(Ordering::Relaxed) == LOCKED_BIT | PARKED_BIT;
            let before_sleep = || {};
            let timed_out = |_, was_last_thread| {
                // Clear the parked bit if we were the last parked thread.
                if was_last_thread {
                    self.state.fetch_and(!PARKED_BIT, Ordering::Relaxed);
                }
            };
            // SAFETY: the callbacks neither panic nor call into parking_lot_core.
            let parked = unsafe {
                parking_lot_core::park(
                    self.key(),
                    validate,
                    before_sleep,
                    timed_out,
                    DEFAULT_PARK_TOKEN,
                    deadline,
                )
            };
            match parked {
                // A fair unlock handed the lock to us: it is ours already.
                ParkResult::Unparked(TOKEN_HANDOFF) => return Some(clock()),
                ParkResult::Unparked(_) | ParkResult::Invalid => (),
                ParkResult::TimedOut => return None,
            }

            spinwait.reset();
            now = clock();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Releases the lock, waking one parked thread if there is one (it competes for the lock).
    /// `woke` is called when a thread was woken: it (and any still parked) may wait through the
    /// next hold (for the profiler; called with parking_lot_core's queue locked, it must not
    /// park).
    ///
    /// # Safety
    ///
    /// The lock must be held by the caller.
    #[inline]
    pub(crate) unsafe fn unlock(&self, woke: impl Fn()) {
        self.deadlock_release();
        // SAFETY: the caller holds the lock (this function's contract).
        unsafe { self.unlock_inner(woke) };
    }

    /// [`unlock`](Self::unlock) without telling the deadlock detector, for a condition
    /// variable's wait: it stops recording ownership before the thread is queued
    /// ([`deadlock_release`](Self::deadlock_release)) and unlocks once it is, where
    /// parking_lot_core may not be called.
    ///
    /// # Safety
    ///
    /// The lock must be held by the caller.
    #[inline]
    pub(crate) unsafe fn unlock_inner(&self, woke: impl Fn()) {
        let state = self.state.fetch_sub(LOCKED_BIT, Ordering::Release);
        if state & PARKED_BIT != 0 {
            self.unlock_slow(woke);
        }
    }

    /// Releases the lock, handing it directly to a parked thread if there is one.
    ///
    /// # Safety
    ///
    /// The lock must be held by the caller.
    #[inline]
    pub(crate) unsafe fn unlock_fair(&self) {
        self.deadlock_release();
        if self
            .state
            .compare_exchange(LOCKED_BIT, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_fair_slow();
        }
    }

    /// The key threads park under in `parking_lot_core` (see `RawProfiledMutex::park_key_of`),
    /// and the lock's resource for the deadlock detector.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Tells the deadlock detector this thread holds the lock: after an acquisition, and for a
    /// lock a fair unlock handed to a thread that a condition variable had moved onto its queue.
    #[inline(always)]
    pub(crate) fn deadlock_acquire(&self) {
        // SAFETY: never called inside a parking_lot_core callback; released by the thread that
        // acquired (guards move between threads only with `send_guard`, refused with
        // `deadlock_detection`).
        unsafe { deadlock::acquire_resource(self.key()) }
    }

    /// Tells the deadlock detector this thread no longer holds the lock.
    #[inline(always)]
    pub(crate) fn deadlock_release(&self) {
        // SAFETY: as above; the thread told it of the acquisition.
        unsafe { deadlock::release_resource(self.key()) }
    }

    /// Sets the parked bit if held, and says whether it was (a condvar requeues onto a held lock).
    pub(crate) fn mark_parked_if_locked(&self) -> bool {
        self.state
            .try_update(Ordering::Relaxed, Ordering::Relaxed, |state| {
                (state & LOCKED_BIT != 0).then_some(state | PARKED_BIT)
            })
            .is_ok()
    }

    /// Sets the parked bit: a condition variable moved threads onto this lock's queue.
    pub(crate) fn mark_parked(&self) {
        self.state.fetch_or(PARKED_BIT, Ordering::Relaxed);
    }

    #[cold]
    #[inline(never)]
    fn unlock_slow(&self, woke: impl Fn()) {
        let callback = |result: UnparkResult| {
            // Clear the parked bit if no thread is parked any more.
            if !result.have_more_threads {
                self.state.fetch_and(!PARKED_BIT, Ordering::Relaxed);
            }
            if result.unparked_threads != 0 {
                woke();
            }
            TOKEN_NORMAL
        };
        // SAFETY: the callback neither panics nor calls into parking_lot_core.
        unsafe {
            parking_lot_core::unpark_one(self.key(), callback);
        }
    }

    #[cold]
    fn unlock_fair_slow(&self) {
        let callback = |result: UnparkResult| {
            if result.unparked_threads != 0 {
                // Hand the lock over without unlocking it; keep the parked bit if others remain.
                if !result.have_more_threads {
                    self.state.store(LOCKED_BIT, Ordering::Relaxed);
                }
                return TOKEN_HANDOFF;
            }
            // Nobody was woken: unlock, keeping the parked bit if threads are still parked.
            if result.have_more_threads {
                self.state.store(PARKED_BIT, Ordering::Release);
            } else {
                self.state.store(0, Ordering::Release);
            }
            TOKEN_NORMAL
        };
        // SAFETY: the callback neither panics nor calls into parking_lot_core.
        unsafe {
            parking_lot_core::unpark_one(self.key(), callback);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::UnsafeCell;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;
    use std::time::Duration;

    use super::*;

    const NO_WATCH: Option<fn()> = None;

    /// A lock word guarding a plain counter, shared between threads.
    struct Guarded {
        word: LockWord,
        count: UnsafeCell<u64>,
    }

    // SAFETY: `count` is only touched while `word` is held.
    unsafe impl Sync for Guarded {}

    fn lock(word: &LockWord) {
        if !word.try_lock() {
            word.lock_slow(None, || 0, NO_WATCH).expect("no deadline");
        }
    }

    #[test]
    fn it_excludes_and_parks() {
        let shared = Arc::new(Guarded {
            word: LockWord::new(),
            count: UnsafeCell::new(0),
        });
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        lock(&shared.word);
                        // SAFETY: the lock is held.
                        unsafe { *shared.count.get() += 1 };
                        if i % 1000 == 0 {
                            // Long enough for the others to park.
                            std::thread::sleep(Duration::from_micros(200));
                        }
                        // SAFETY: held by this thread.
                        unsafe { shared.word.unlock(|| ()) };
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        // SAFETY: every thread has finished.
        assert_eq!(unsafe { *shared.count.get() }, 80_000);
        assert!(!shared.word.is_locked());
        assert_eq!(
            shared.word.state.load(Ordering::Relaxed),
            0,
            "no parked bit left"
        );
    }

    #[test]
    fn the_wait_ends_at_the_latest_reading() {
        let word = Arc::new(LockWord::new());
        assert!(word.try_lock());
        let readings = Arc::new(AtomicU64::new(0));
        let waiter = {
            let (word, readings) = (Arc::clone(&word), Arc::clone(&readings));
            std::thread::spawn(move || {
                // Each reading is the count of readings so far.
                let ended = word
                    .lock_slow(
                        None,
                        || readings.fetch_add(1, Ordering::Relaxed) + 1,
                        NO_WATCH,
                    )
                    .expect("no deadline");
                // SAFETY: acquired above.
                unsafe { word.unlock(|| ()) };
                ended
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        // SAFETY: held since the `try_lock` above.
        unsafe { word.unlock(|| ()) };
        let ended = waiter.join().unwrap();
        // Read again after spinning, yielding or parking, and none older than the last.
        assert!(ended >= 2, "{ended}");
        assert_eq!(ended, readings.load(Ordering::Relaxed));
    }

    #[test]
    fn a_deadline_gives_up_and_leaves_no_parked_bit() {
        let word = LockWord::new();
        assert!(word.try_lock());
        let deadline = Instant::now() + Duration::from_millis(20);
        assert_eq!(word.lock_slow(Some(deadline), || 1, NO_WATCH), None);
        assert!(Instant::now() >= deadline);
        assert_eq!(word.state.load(Ordering::Relaxed), LOCKED_BIT);
        // SAFETY: held since the `try_lock` above.
        unsafe { word.unlock(|| ()) };
        assert!(word.try_lock());
    }

    #[test]
    fn a_fair_unlock_hands_the_lock_to_the_parked_thread() {
        let word = Arc::new(LockWord::new());
        assert!(word.try_lock());
        let waiter = {
            let word = Arc::clone(&word);
            std::thread::spawn(move || {
                let got = word.lock_slow(None, || 7, NO_WATCH);
                std::thread::sleep(Duration::from_millis(20));
                // SAFETY: acquired above.
                unsafe { word.unlock(|| ()) };
                got
            })
        };
        // Wait for the waiter to park (the parked bit is set just before).
        while word.state.load(Ordering::Relaxed) & PARKED_BIT == 0 {
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_millis(5));
        // SAFETY: held since the `try_lock` above.
        unsafe { word.unlock_fair() };
        // Handed over, not released: the lock stays locked until the waiter unlocks.
        assert!(!word.try_lock());
        assert_eq!(waiter.join().unwrap(), Some(7));
        assert!(word.try_lock());
    }
}
