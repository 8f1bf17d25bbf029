//! The reader-writer lock's word: parking_lot's `RawRwLock` algorithm (parking_lot 0.13,
//! MIT/Apache-2.0; parking_lot's is based on Boost's `upgrade_mutex`), ported for the reasons the
//! mutex's was (`lock_word`): a contended acquisition reads the clock just *before* the attempt
//! that acquires, not once it holds the lock, and the profiler is told when a wait starts yielding
//! its thread, before each park, and when an unlock wakes a waiter.
//!
//! The state, spinning, parking, unparking and the deadlock detector's resources are parking_lot
//! 0.13's, bit for bit: one word with a reader count, `WRITER_BIT`, `UPGRADABLE_BIT`, `PARKED_BIT`
//! and `WRITER_PARKED_BIT`; two queues, the word's address for every new waiter and the address
//! plus one for the writer that holds `WRITER_BIT` and waits for the last readers to leave;
//! readers queue behind a waiting writer; an unlock wakes every queued reader and one writer or
//! upgradable reader; a fair unlock hands the lock over. A shared acquisition may be *recursive*
//! (parking_lot 0.12's `lock_shared_recursive`, parking_lot 0.13's `RawRwLockRecursive`
//! condition taken per call): it passes a waiting writer while other readers hold the lock.
//!
//! One file per side: [`acquire`] (the blocking acquisitions) and [`release`] (who an unlock or
//! a downgrade wakes); the fast paths and the state are here.

use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot_core::{ParkToken, SpinWait, UnparkToken};

use crate::deadlock;

mod acquire;
mod release;

/// There is at least one thread in the main queue.
const PARKED_BIT: usize = 0b0001;
/// There is a parked thread holding `WRITER_BIT`. `WRITER_BIT` must be set.
const WRITER_PARKED_BIT: usize = 0b0010;
/// A reader is holding an upgradable lock. The reader count must be non-zero and `WRITER_BIT`
/// must not be set.
const UPGRADABLE_BIT: usize = 0b0100;
/// If the reader count is zero: a writer holds the lock exclusively. Otherwise: a writer waits
/// for the remaining readers to leave.
const WRITER_BIT: usize = 0b1000;
/// The bits that count readers.
const READERS_MASK: usize = !0b1111;
/// One reader.
const ONE_READER: usize = 0b10000;

/// What a queued thread is waiting to acquire.
const TOKEN_SHARED: ParkToken = ParkToken(ONE_READER);
const TOKEN_EXCLUSIVE: ParkToken = ParkToken(WRITER_BIT);
const TOKEN_UPGRADABLE: ParkToken = ParkToken(ONE_READER | UPGRADABLE_BIT);

/// The unlocking thread released the lock; the woken threads compete for it.
const TOKEN_NORMAL: UnparkToken = UnparkToken(0);
/// The unlocking thread handed the lock over directly (a fair unlock).
const TOKEN_HANDOFF: UnparkToken = UnparkToken(1);

/// Rounds of `SpinWait::spin` that spin on the processor before it starts yielding the thread
/// (parking_lot_core's).
const BUSY_SPINS: u32 = 3;

/// Whether a shared acquisition must wait in state `state`: a writer holds the lock or waits for
/// it, unless the acquisition is recursive and other readers hold it.
#[inline(always)]
fn shared_blocked(state: usize, recursive: bool) -> bool {
    state & WRITER_BIT != 0 && (!recursive || state & READERS_MASK == 0)
}

/// A reader-writer lock's state; threads park in `parking_lot_core` under its address (and its
/// address plus one, for a writer waiting for the last readers).
pub(crate) struct RwLockWord {
    state: AtomicUsize,
}

impl RwLockWord {
    pub(crate) const fn new() -> RwLockWord {
        RwLockWord {
            state: AtomicUsize::new(0),
        }
    }

    /// parking_lot's `lock_shared` fast path: one load and one compare-and-swap. Fails when a
    /// writer holds or waits for the lock, or when the compare-and-swap loses a race (then
    /// [`lock_shared_busy`](Self::lock_shared_busy)).
    #[inline]
    pub(crate) fn lock_shared_fast(&self, recursive: bool) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        if shared_blocked(state, recursive) {
            return false;
        }
        let Some(new_state) = state.checked_add(ONE_READER) else {
            return false;
        };
        let acquired = self
            .state
            .compare_exchange_weak(state, new_state, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if acquired {
            self.deadlock_acquire_secondary();
        }
        acquired
    }

    /// What parking_lot's `lock_shared` does next when its fast path fails, up to the point
    /// where it would spin for a writer: retries the compare-and-swap, backing off between
    /// attempts so that readers racing for the count let each other through. Fails only when a
    /// writer holds or waits for the lock: the acquisition then waits
    /// ([`lock_shared_slow`](Self::lock_shared_slow)).
    #[cold]
    #[inline(never)]
    pub(crate) fn lock_shared_busy(&self, recursive: bool) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        let acquired = self
            .try_lock_shared_spinning(&mut state, recursive, || 0)
            .is_some();
        if acquired {
            self.deadlock_acquire_secondary();
        }
        acquired
    }

    /// One attempt, as parking_lot's `try_lock_shared`: succeeds unless a writer holds or waits
    /// for the lock.
    #[inline]
    pub(crate) fn try_lock_shared(&self, recursive: bool) -> bool {
        // The fast path's acquisition has told the detector already.
        self.lock_shared_fast(recursive) || self.try_lock_shared_slow(recursive)
    }

    #[cold]
    fn try_lock_shared_slow(&self, recursive: bool) -> bool {
        let acquired = self
            .state
            .try_update(Ordering::Acquire, Ordering::Relaxed, |state| {
                (!shared_blocked(state, recursive)).then(|| {
                    state
                        .checked_add(ONE_READER)
                        .expect("RwLock reader count overflow")
                })
            })
            .is_ok();
        if acquired {
            self.deadlock_acquire_secondary();
        }
        acquired
    }

    /// parking_lot's shared `try_lock` loop: adds a reader unless a shared acquisition must wait
    /// in the state read, leaving time between attempts when other threads change the count.
    /// `state` is the last state read. Returns `clock`'s reading before the attempt that
    /// acquired.
    #[inline]
    fn try_lock_shared_spinning(
        &self,
        state: &mut usize,
        recursive: bool,
        clock: impl Fn() -> u64,
    ) -> Option<u64> {
        let mut spinwait_shared = SpinWait::new();
        loop {
            if shared_blocked(*state, recursive) {
                return None;
            }
            let now = clock();
            if self
                .state
                .compare_exchange_weak(
                    *state,
                    state
                        .checked_add(ONE_READER)
                        .expect("RwLock reader count overflow"),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return Some(now);
            }
            // Under contention on the reader count, leave some time between attempts so that
            // other threads make progress.
            spinwait_shared.spin_no_yield();
            *state = self.state.load(Ordering::Relaxed);
        }
    }

    /// parking_lot's `lock_exclusive` fast path: one compare-and-swap from the free state.
    #[inline]
    pub(crate) fn lock_exclusive_fast(&self) -> bool {
        let acquired = self
            .state
            .compare_exchange_weak(0, WRITER_BIT, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if acquired {
            self.deadlock_acquire_all();
        }
        acquired
    }

    /// One attempt, as parking_lot's `try_lock_exclusive`: succeeds whenever the lock is free.
    #[inline]
    pub(crate) fn try_lock_exclusive(&self) -> bool {
        let acquired = self
            .state
            .compare_exchange(0, WRITER_BIT, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if acquired {
            self.deadlock_acquire_all();
        }
        acquired
    }

    /// parking_lot's `lock_upgradable` fast path: one load and one compare-and-swap.
    #[inline]
    pub(crate) fn lock_upgradable_fast(&self) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        // Not with a writer or another upgradable reader.
        if state & (WRITER_BIT | UPGRADABLE_BIT) != 0 {
            return false;
        }
        let Some(new_state) = state.checked_add(ONE_READER | UPGRADABLE_BIT) else {
            return false;
        };
        let acquired = self
            .state
            .compare_exchange_weak(state, new_state, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if acquired {
            self.deadlock_acquire_all();
        }
        acquired
    }

    /// As [`lock_shared_busy`](Self::lock_shared_busy), for an upgradable read: fails only when
    /// a writer or another upgradable reader holds the lock.
    #[cold]
    #[inline(never)]
    pub(crate) fn lock_upgradable_busy(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        let acquired = self
            .try_lock_upgradable_spinning(&mut state, || 0)
            .is_some();
        if acquired {
            self.deadlock_acquire_all();
        }
        acquired
    }

    /// One attempt, as parking_lot's `try_lock_upgradable`.
    #[inline]
    pub(crate) fn try_lock_upgradable(&self) -> bool {
        self.lock_upgradable_fast() || self.try_lock_upgradable_slow()
    }

    #[cold]
    fn try_lock_upgradable_slow(&self) -> bool {
        let acquired = self
            .state
            .try_update(Ordering::Acquire, Ordering::Relaxed, |state| {
                (state & (WRITER_BIT | UPGRADABLE_BIT) == 0).then(|| {
                    state
                        .checked_add(ONE_READER | UPGRADABLE_BIT)
                        .expect("RwLock reader count overflow")
                })
            })
            .is_ok();
        if acquired {
            self.deadlock_acquire_all();
        }
        acquired
    }

    /// parking_lot's upgradable `try_lock` loop (see
    /// [`try_lock_shared_spinning`](Self::try_lock_shared_spinning)).
    #[inline]
    fn try_lock_upgradable_spinning(
        &self,
        state: &mut usize,
        clock: impl Fn() -> u64,
    ) -> Option<u64> {
        let mut spinwait_shared = SpinWait::new();
        loop {
            if *state & (WRITER_BIT | UPGRADABLE_BIT) != 0 {
                return None;
            }
            let now = clock();
            if self
                .state
                .compare_exchange_weak(
                    *state,
                    state
                        .checked_add(ONE_READER | UPGRADABLE_BIT)
                        .expect("RwLock reader count overflow"),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return Some(now);
            }
            spinwait_shared.spin_no_yield();
            *state = self.state.load(Ordering::Relaxed);
        }
    }

    /// Upgrades an upgradable read without waiting, as parking_lot's `try_upgrade`.
    ///
    /// # Safety
    ///
    /// The lock must be held upgradable by the caller.
    #[inline]
    pub(crate) unsafe fn try_upgrade(&self) -> bool {
        self.state
            .compare_exchange_weak(
                ONE_READER | UPGRADABLE_BIT,
                WRITER_BIT,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_ok()
            || self.try_upgrade_slow()
    }

    #[cold]
    fn try_upgrade_slow(&self) -> bool {
        self.state
            .try_update(Ordering::Acquire, Ordering::Relaxed, |state| {
                (state & READERS_MASK == ONE_READER)
                    .then_some(state - (ONE_READER | UPGRADABLE_BIT) + WRITER_BIT)
            })
            .is_ok()
    }

    pub(crate) fn is_locked(&self) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        state & (WRITER_BIT | READERS_MASK) != 0
    }

    pub(crate) fn is_locked_exclusive(&self) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        state & (WRITER_BIT | READERS_MASK) == WRITER_BIT
    }

    /// The key the main queue parks under in `parking_lot_core`, and the primary resource of
    /// the deadlock detector; the key plus one is the writer's queue and the secondary resource.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    #[inline(always)]
    fn deadlock_acquire_primary(&self) {
        // SAFETY: not inside a parking_lot_core callback; released by the same thread (lock_api's
        // guards are released where they were taken unless `send_guard`, which is refused with
        // `deadlock_detection`).
        unsafe { deadlock::acquire_resource(self.key()) }
    }

    #[inline(always)]
    fn deadlock_release_primary(&self) {
        // SAFETY: as above; acquired by this thread.
        unsafe { deadlock::release_resource(self.key()) }
    }

    #[inline(always)]
    fn deadlock_acquire_secondary(&self) {
        // SAFETY: as for the primary.
        unsafe { deadlock::acquire_resource(self.key() + 1) }
    }

    #[inline(always)]
    fn deadlock_release_secondary(&self) {
        // SAFETY: as for the primary.
        unsafe { deadlock::release_resource(self.key() + 1) }
    }

    #[inline(always)]
    fn deadlock_acquire_all(&self) {
        self.deadlock_acquire_primary();
        self.deadlock_acquire_secondary();
    }

    #[inline(always)]
    fn deadlock_release_all(&self) {
        self.deadlock_release_primary();
        self.deadlock_release_secondary();
    }

    #[cfg(test)]
    fn state(&self) -> usize {
        self.state.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests;
