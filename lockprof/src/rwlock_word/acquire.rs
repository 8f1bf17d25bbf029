//! The blocking acquisitions: parking_lot 0.13's `lock_common` (spin, then park in the main
//! queue) and `wait_for_readers` (a writer that holds `WRITER_BIT` spins, then parks in the
//! second queue until the last reader leaves), with the profiler's hooks.
//!
//! Each takes `clock`, read just before every attempt that may acquire (the compare-and-swap that
//! takes the lock, or the load that finds the last reader gone), and returns the reading before
//! the one that did, or, for a fair hand-off, the reading on waking; `None` when `deadline`
//! passed. `waiting`, if given, is called when the wait starts yielding its thread (it may then
//! not run again for a while) and before each park, before the parked bit is set (from then on
//! an unlock goes to wake a thread).

use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::time::Instant;

use parking_lot_core::{ParkResult, ParkToken, SpinWait};

use super::{
    BUSY_SPINS, ONE_READER, PARKED_BIT, READERS_MASK, RwLockWord, TOKEN_EXCLUSIVE, TOKEN_HANDOFF,
    TOKEN_NORMAL, TOKEN_SHARED, TOKEN_UPGRADABLE, UPGRADABLE_BIT, WRITER_BIT, WRITER_PARKED_BIT,
    shared_blocked,
};

impl RwLockWord {
    /// Acquires the lock shared (recursively: past a waiting writer while other readers hold
    /// it), spinning and then parking while a writer holds or waits for it.
    // Never inlined, as the mutex's `lock_slow`: `scripts/instructions.py` tells the blocking
    // apart from the bookkeeping around it by the names of the functions it calls.
    #[cold]
    #[inline(never)]
    pub(crate) fn lock_shared_slow(
        &self,
        recursive: bool,
        deadline: Option<Instant>,
        clock: impl Fn() -> u64,
        waiting: Option<impl Fn()>,
    ) -> Option<u64> {
        let acquired = self.lock_common(
            deadline,
            TOKEN_SHARED,
            |state| self.try_lock_shared_spinning(state, recursive, &clock),
            |state| shared_blocked(state, recursive),
            &clock,
            waiting.as_ref(),
        );
        if acquired.is_some() {
            self.deadlock_acquire_secondary();
        }
        acquired
    }

    /// Acquires the lock upgradable, spinning and then parking while a writer or another
    /// upgradable reader holds it.
    #[cold]
    #[inline(never)]
    pub(crate) fn lock_upgradable_slow(
        &self,
        deadline: Option<Instant>,
        clock: impl Fn() -> u64,
        waiting: Option<impl Fn()>,
    ) -> Option<u64> {
        let acquired = self.lock_common(
            deadline,
            TOKEN_UPGRADABLE,
            |state| self.try_lock_upgradable_spinning(state, &clock),
            |state| state & (WRITER_BIT | UPGRADABLE_BIT) != 0,
            &clock,
            waiting.as_ref(),
        );
        if acquired.is_some() {
            self.deadlock_acquire_all();
        }
        acquired
    }

    /// Acquires the lock exclusively: first `WRITER_BIT` (which keeps new readers out), then,
    /// holding it, waits for the readers inside to leave.
    #[cold]
    #[inline(never)]
    pub(crate) fn lock_exclusive_slow(
        &self,
        deadline: Option<Instant>,
        clock: impl Fn() -> u64,
        waiting: Option<impl Fn()>,
    ) -> Option<u64> {
        // The readers still inside when `WRITER_BIT` was taken (unknown after a hand-off).
        let readers_left = Cell::new(None);
        let try_lock = |state: &mut usize| {
            loop {
                if *state & (WRITER_BIT | UPGRADABLE_BIT) != 0 {
                    return None;
                }
                // Grab WRITER_BIT if it isn't set, even if there are parked threads.
                let now = clock();
                match self.state.compare_exchange_weak(
                    *state,
                    *state | WRITER_BIT,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        readers_left.set(Some(*state & READERS_MASK));
                        return Some(now);
                    }
                    Err(x) => *state = x,
                }
            }
        };
        let waiting = waiting.as_ref();
        // Step 1: grab exclusive ownership of WRITER_BIT.
        let taken = self.lock_common(
            deadline,
            TOKEN_EXCLUSIVE,
            try_lock,
            |state| state & (WRITER_BIT | UPGRADABLE_BIT) != 0,
            &clock,
            waiting,
        )?;
        // WRITER_BIT keeps new writers and upgradable readers out, so it stands for the primary
        // resource.
        self.deadlock_acquire_primary();
        // Step 2: wait for the remaining readers to leave. None left when WRITER_BIT was taken:
        // that attempt acquired the lock.
        let acquired = if readers_left.get() == Some(0) {
            taken
        } else {
            self.wait_for_readers(deadline, 0, &clock, waiting)?
        };
        self.deadlock_acquire_secondary();
        Some(acquired)
    }

    /// Upgrades an upgradable read: takes `WRITER_BIT` in place of the upgradable reader, then
    /// waits for the other readers to leave. On timeout the lock is held upgradable again.
    ///
    /// # Safety
    ///
    /// The lock must be held upgradable by the caller.
    #[cold]
    #[inline(never)]
    pub(crate) unsafe fn upgrade_slow(
        &self,
        deadline: Option<Instant>,
        clock: impl Fn() -> u64,
        waiting: Option<impl Fn()>,
    ) -> Option<u64> {
        // Stop owning the reader stage before replacing it with WRITER_BIT.
        self.deadlock_release_secondary();
        let now = clock();
        let state = self.state.fetch_sub(
            (ONE_READER | UPGRADABLE_BIT) - WRITER_BIT,
            Ordering::Acquire,
        );
        let acquired = if state & READERS_MASK == ONE_READER {
            Some(now)
        } else {
            self.wait_for_readers(
                deadline,
                ONE_READER | UPGRADABLE_BIT,
                &clock,
                waiting.as_ref(),
            )
        };
        // Exclusive, or upgradable again after a timeout: both own the secondary resource.
        self.deadlock_acquire_secondary();
        acquired
    }

    /// Waits, holding `WRITER_BIT`, for the readers still inside to leave: spins, then parks in
    /// the second queue, which the last reader's unlock wakes. On timeout, gives `WRITER_BIT`
    /// back for `prev_value` (0 for a writer, an upgradable read for an upgrade) and wakes the
    /// threads that waited for it.
    #[inline]
    fn wait_for_readers(
        &self,
        deadline: Option<Instant>,
        prev_value: usize,
        clock: &impl Fn() -> u64,
        waiting: Option<&impl Fn()>,
    ) -> Option<u64> {
        let mut spinwait = SpinWait::new();
        let mut spins = 0u32;
        let mut now = clock();
        let mut state = self.state.load(Ordering::Acquire);
        while state & READERS_MASK != 0 {
            // Spin a few times for the readers to leave. Past its first few busy rounds
            // SpinWait yields the thread, which may then not run again for a while.
            spins += 1;
            if spins == BUSY_SPINS + 1
                && let Some(waiting) = waiting
            {
                waiting();
            }
            if spinwait.spin() {
                now = clock();
                state = self.state.load(Ordering::Acquire);
                continue;
            }

            // Told before the parked bit is set (see the module docs).
            if let Some(waiting) = waiting {
                waiting();
            }

            // Set the parked bit.
            if state & WRITER_PARKED_BIT == 0 {
                now = clock();
                if let Err(x) = self.state.compare_exchange_weak(
                    state,
                    state | WRITER_PARKED_BIT,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    state = x;
                    continue;
                }
            }

            // Park until the last reader's unlock wakes us, in the second queue.
            let validate = || {
                let state = self.state.load(Ordering::Relaxed);
                state & READERS_MASK != 0 && state & WRITER_PARKED_BIT != 0
            };
            let before_sleep = || {};
            let timed_out = |_, was_last_thread: bool| {
                // Clear the parked bit while holding the queue lock. There can only be one
                // thread parked (this one).
                debug_assert!(was_last_thread);
                self.state.fetch_and(!WRITER_PARKED_BIT, Ordering::Relaxed);
            };
            // SAFETY: the key is this word's own (plus one); the callbacks neither panic nor
            // call into parking_lot_core.
            let parked = unsafe {
                parking_lot_core::park(
                    self.key() + 1,
                    validate,
                    before_sleep,
                    timed_out,
                    TOKEN_EXCLUSIVE,
                    deadline,
                )
            };
            match parked {
                // Re-check the state even when woken: a writer timing out before we parked
                // could have let another reader in.
                ParkResult::Unparked(_) | ParkResult::Invalid => {
                    now = clock();
                    state = self.state.load(Ordering::Acquire);
                    continue;
                }
                ParkResult::TimedOut => {
                    // Give WRITER_BIT back for our previous value, and wake the threads that
                    // may wait on WRITER_BIT.
                    if prev_value == 0 {
                        // A fresh writer no longer owns WRITER_BIT after the rollback; an
                        // upgrading reader keeps the primary resource with its upgradable lock.
                        self.deadlock_release_primary();
                    }
                    let state = self
                        .state
                        .fetch_add(prev_value.wrapping_sub(WRITER_BIT), Ordering::Relaxed);
                    if state & PARKED_BIT != 0 {
                        let callback = |_, result: parking_lot_core::UnparkResult| {
                            // Clear the parked bit if no thread is parked any more.
                            if !result.have_more_threads {
                                self.state.fetch_and(!PARKED_BIT, Ordering::Relaxed);
                            }
                            TOKEN_NORMAL
                        };
                        // SAFETY: the callback neither panics nor calls into parking_lot_core.
                        unsafe { self.wake_parked_threads(prev_value, callback) };
                    }
                    return None;
                }
            }
        }
        Some(now)
    }

    /// parking_lot's `lock_common`: `try_lock` (given the last state read, returning the clock's
    /// reading before the attempt that acquired), spinning while nobody is parked, then parking
    /// in the main queue with `token` while `should_park` says the state still blocks.
    #[inline]
    fn lock_common(
        &self,
        deadline: Option<Instant>,
        token: ParkToken,
        mut try_lock: impl FnMut(&mut usize) -> Option<u64>,
        should_park: impl Fn(usize) -> bool,
        clock: &impl Fn() -> u64,
        waiting: Option<&impl Fn()>,
    ) -> Option<u64> {
        let mut spinwait = SpinWait::new();
        let mut spins = 0u32;
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if let Some(now) = try_lock(&mut state) {
                return Some(now);
            }

            // Nobody parked: spin a little first (see `wait_for_readers`).
            if state & (PARKED_BIT | WRITER_PARKED_BIT) == 0 {
                spins += 1;
                if spins == BUSY_SPINS + 1
                    && let Some(waiting) = waiting
                {
                    waiting();
                }
                if spinwait.spin() {
                    state = self.state.load(Ordering::Relaxed);
                    continue;
                }
            }

            // Told before the parked bit is set (see the module docs).
            if let Some(waiting) = waiting {
                waiting();
            }

            // Set the parked bit.
            if state & PARKED_BIT == 0
                && let Err(x) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED_BIT,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
            {
                state = x;
                continue;
            }

            // Park until an unlock wakes us, unless the state changed since it was read.
            let validate = || {
                let state = self.state.load(Ordering::Relaxed);
                state & PARKED_BIT != 0 && should_park(state)
            };
            let before_sleep = || {};
            let timed_out = |_, was_last_thread| {
                // Clear the parked bit if we were the last parked thread.
                if was_last_thread {
                    self.state.fetch_and(!PARKED_BIT, Ordering::Relaxed);
                }
            };
            // SAFETY: the key is this word's own; the callbacks neither panic nor call into
            // parking_lot_core.
            let parked = unsafe {
                parking_lot_core::park(
                    self.key(),
                    validate,
                    before_sleep,
                    timed_out,
                    token,
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
            state = self.state.load(Ordering::Relaxed);
        }
    }
}
