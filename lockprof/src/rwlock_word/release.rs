//! The unlocks and downgrades: parking_lot 0.13's, each a single atomic update unless threads are
//! parked, then who to wake (every queued reader and one writer or upgradable reader, in queue
//! order) and, for a fair unlock, the hand-over.

use std::cell::Cell;
use std::sync::atomic::Ordering;

use parking_lot_core::{FilterOp, ParkToken, UnparkResult, UnparkToken};

use super::{
    ONE_READER, PARKED_BIT, READERS_MASK, RwLockWord, TOKEN_HANDOFF, TOKEN_NORMAL, UPGRADABLE_BIT,
    WRITER_BIT, WRITER_PARKED_BIT,
};

impl RwLockWord {
    /// Releases a shared lock; the last reader out wakes a writer waiting for it. Shared unlocks
    /// are always fair in this algorithm.
    ///
    /// # Safety
    ///
    /// The lock must be held shared by the caller.
    #[cfg(test)]
    pub(crate) unsafe fn unlock_shared(&self) {
        // SAFETY: the caller's contract.
        unsafe { self.unlock_shared_then(|| ()) }
    }

    /// Releases a shared lock, as `unlock_shared`, and calls `others` once it is released, before
    /// the writer waiting for the last reader is woken, if the state it released showed threads
    /// in another mode: a writer holding `WRITER_BIT` (waiting for the readers), an upgradable
    /// reader, or parked threads. Otherwise no thread was waiting for the lock, since readers
    /// wait only behind those. The profiler decides from this whether the hold may have made
    /// anyone wait, so that it reads nothing of the lock's line between the acquisition's
    /// update and the unlock's, while other readers take the line (BENCHMARKS.md, "RwLock").
    ///
    /// # Safety
    ///
    /// The lock must be held shared by the caller.
    #[inline]
    pub(crate) unsafe fn unlock_shared_then(&self, others: impl FnOnce()) {
        self.deadlock_release_secondary();
        let state = self.state.fetch_sub(ONE_READER, Ordering::Release);
        if state & (WRITER_BIT | UPGRADABLE_BIT | PARKED_BIT | WRITER_PARKED_BIT) != 0 {
            others();
        }
        if state & (READERS_MASK | WRITER_PARKED_BIT) == (ONE_READER | WRITER_PARKED_BIT) {
            self.unlock_shared_slow();
        }
    }

    /// Releases the exclusive lock, waking parked threads if there are any (they compete for the
    /// lock). `woke` is called when a thread was woken: it (and any still parked) may wait
    /// through the next hold (for the profiler; called with parking_lot_core's queue locked, it
    /// must not park).
    ///
    /// # Safety
    ///
    /// The lock must be held exclusively by the caller.
    #[inline]
    pub(crate) unsafe fn unlock_exclusive(&self, woke: impl Fn()) {
        self.deadlock_release_all();
        let state = self.state.fetch_sub(WRITER_BIT, Ordering::Release);
        if state & PARKED_BIT != 0 {
            self.unlock_exclusive_or_upgradable_slow(woke);
        }
    }

    /// Releases the exclusive lock, handing it directly to the parked threads it wakes.
    ///
    /// # Safety
    ///
    /// The lock must be held exclusively by the caller.
    #[inline]
    pub(crate) unsafe fn unlock_exclusive_fair(&self) {
        self.deadlock_release_all();
        if self
            .state
            .compare_exchange(WRITER_BIT, 0, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        self.unlock_exclusive_fair_slow();
    }

    /// Releases an upgradable lock (see [`unlock_exclusive`](Self::unlock_exclusive) for
    /// `woke`).
    ///
    /// # Safety
    ///
    /// The lock must be held upgradable by the caller.
    #[inline]
    pub(crate) unsafe fn unlock_upgradable(&self, woke: impl Fn()) {
        self.deadlock_release_all();
        let state = self
            .state
            .fetch_sub(ONE_READER | UPGRADABLE_BIT, Ordering::Release);
        if state & PARKED_BIT != 0 {
            self.unlock_exclusive_or_upgradable_slow(woke);
        }
    }

    /// Releases an upgradable lock, handing it directly to the parked threads it wakes.
    ///
    /// # Safety
    ///
    /// The lock must be held upgradable by the caller.
    #[inline]
    pub(crate) unsafe fn unlock_upgradable_fair(&self) {
        self.deadlock_release_all();
        let state = self.state.load(Ordering::Relaxed);
        if state & PARKED_BIT == 0
            && self
                .state
                .compare_exchange_weak(
                    state,
                    state - (ONE_READER | UPGRADABLE_BIT),
                    Ordering::Release,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            return;
        }
        self.unlock_upgradable_fair_slow();
    }

    /// Turns the exclusive lock into a shared one, waking the parked readers and upgradable
    /// readers that may now enter.
    ///
    /// # Safety
    ///
    /// The lock must be held exclusively by the caller.
    #[inline]
    pub(crate) unsafe fn downgrade(&self) {
        self.deadlock_release_primary();
        let state = self
            .state
            .fetch_add(ONE_READER - WRITER_BIT, Ordering::Release);
        if state & PARKED_BIT != 0 {
            self.downgrade_slow();
        }
    }

    /// Turns an upgradable lock into a shared one, waking a parked upgradable reader or writer
    /// that may now proceed.
    ///
    /// # Safety
    ///
    /// The lock must be held upgradable by the caller.
    #[inline]
    pub(crate) unsafe fn downgrade_upgradable(&self) {
        self.deadlock_release_primary();
        let state = self.state.fetch_sub(UPGRADABLE_BIT, Ordering::Relaxed);
        if state & PARKED_BIT != 0 {
            self.downgrade_slow();
        }
    }

    /// Turns the exclusive lock into an upgradable one, waking the parked readers.
    ///
    /// # Safety
    ///
    /// The lock must be held exclusively by the caller.
    #[inline]
    pub(crate) unsafe fn downgrade_to_upgradable(&self) {
        let state = self.state.fetch_add(
            (ONE_READER | UPGRADABLE_BIT) - WRITER_BIT,
            Ordering::Release,
        );
        if state & PARKED_BIT != 0 {
            self.downgrade_to_upgradable_slow();
        }
    }

    #[cold]
    fn unlock_shared_slow(&self) {
        // WRITER_PARKED_BIT is set and no reader is left: wake the writer parked in the second
        // queue (there is only ever one).
        let callback = |_result: UnparkResult| {
            self.state.fetch_and(!WRITER_PARKED_BIT, Ordering::Relaxed);
            TOKEN_NORMAL
        };
        // SAFETY: the key is this word's own (plus one); the callback neither panics nor calls
        // into parking_lot_core.
        unsafe {
            parking_lot_core::unpark_one(self.key() + 1, callback);
        }
    }

    #[cold]
    #[inline(never)]
    fn unlock_exclusive_or_upgradable_slow(&self, woke: impl Fn()) {
        let callback = |_, result: UnparkResult| {
            // The lock is released already: keep any readers and bits taken meanwhile.
            if !result.have_more_threads {
                self.state.fetch_and(!PARKED_BIT, Ordering::Relaxed);
            }
            if result.unparked_threads != 0 {
                woke();
            }
            TOKEN_NORMAL
        };
        // SAFETY: the callback neither panics nor calls into parking_lot_core (nor does `woke`,
        // this function's contract).
        unsafe {
            self.wake_parked_threads(0, callback);
        }
    }

    #[cold]
    fn unlock_exclusive_fair_slow(&self) {
        let callback = |mut new_state, result: UnparkResult| {
            // A fair unlock keeps the lock locked and hands it to the woken threads.
            if result.unparked_threads != 0 {
                if result.have_more_threads {
                    new_state |= PARKED_BIT;
                }
                self.state.store(new_state, Ordering::Release);
                TOKEN_HANDOFF
            } else {
                // Nobody was woken: unlock, keeping the parked bit if threads are still parked.
                if result.have_more_threads {
                    self.state.store(PARKED_BIT, Ordering::Release);
                } else {
                    self.state.store(0, Ordering::Release);
                }
                TOKEN_NORMAL
            }
        };
        // SAFETY: the callback neither panics nor calls into parking_lot_core.
        unsafe {
            self.wake_parked_threads(0, callback);
        }
    }

    #[cold]
    fn unlock_upgradable_fair_slow(&self) {
        // Just release the lock if there are no parked threads.
        let mut state = self.state.load(Ordering::Relaxed);
        while state & PARKED_BIT == 0 {
            match self.state.compare_exchange_weak(
                state,
                state - (ONE_READER | UPGRADABLE_BIT),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(x) => state = x,
            }
        }

        let callback = |new_state: usize, result: UnparkResult| {
            // A fair unlock keeps the lock locked and hands it to the woken threads.
            let mut state = self.state.load(Ordering::Relaxed);
            // Fall back to a normal unpark on overflow: no panics in parking_lot_core callbacks.
            while let Some(mut new_state) =
                (state - (ONE_READER | UPGRADABLE_BIT)).checked_add(new_state)
            {
                if result.have_more_threads {
                    new_state |= PARKED_BIT;
                } else {
                    new_state &= !PARKED_BIT;
                }
                match self.state.compare_exchange_weak(
                    state,
                    new_state,
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return TOKEN_HANDOFF,
                    Err(x) => state = x,
                }
            }

            // Otherwise just release the upgradable lock and update PARKED_BIT.
            loop {
                let mut new_state = state - (ONE_READER | UPGRADABLE_BIT);
                if result.have_more_threads {
                    new_state |= PARKED_BIT;
                } else {
                    new_state &= !PARKED_BIT;
                }
                match self.state.compare_exchange_weak(
                    state,
                    new_state,
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return TOKEN_NORMAL,
                    Err(x) => state = x,
                }
            }
        };
        // SAFETY: the callback neither panics nor calls into parking_lot_core.
        unsafe {
            self.wake_parked_threads(0, callback);
        }
    }

    #[cold]
    fn downgrade_slow(&self) {
        // Only reached with PARKED_BIT set.
        let callback = |_, result: UnparkResult| {
            if !result.have_more_threads {
                self.state.fetch_and(!PARKED_BIT, Ordering::Relaxed);
            }
            TOKEN_NORMAL
        };
        // SAFETY: the callback neither panics nor calls into parking_lot_core.
        unsafe {
            self.wake_parked_threads(ONE_READER, callback);
        }
    }

    #[cold]
    fn downgrade_to_upgradable_slow(&self) {
        // Only reached with PARKED_BIT set.
        let callback = |_, result: UnparkResult| {
            if !result.have_more_threads {
                self.state.fetch_and(!PARKED_BIT, Ordering::Relaxed);
            }
            TOKEN_NORMAL
        };
        // SAFETY: the callback neither panics nor calls into parking_lot_core.
        unsafe {
            self.wake_parked_threads(ONE_READER | UPGRADABLE_BIT, callback);
        }
    }

    /// Wakes parked threads after `WRITER_BIT` or `UPGRADABLE_BIT` was released, the lock's state
    /// then being `new_state` as far as the woken threads go: every queued reader and at most
    /// one writer or upgradable reader (which must be woken if there is one: readers' unlocks do
    /// not wake the main queue).
    ///
    /// # Safety
    ///
    /// `callback` must neither unwind nor call into parking_lot_core
    /// (`parking_lot_core::unpark_filter`'s contract).
    #[inline]
    pub(super) unsafe fn wake_parked_threads(
        &self,
        new_state: usize,
        callback: impl FnOnce(usize, UnparkResult) -> UnparkToken,
    ) {
        let new_state = Cell::new(new_state);
        let filter = |ParkToken(token)| {
            let s = new_state.get();
            // Stop after selecting a writer.
            if s & WRITER_BIT != 0 {
                return FilterOp::Stop;
            }
            if token & (UPGRADABLE_BIT | WRITER_BIT) != 0 && s & (UPGRADABLE_BIT | WRITER_BIT) != 0
            {
                // Skip writers and upgradable readers if one is woken already.
                FilterOp::Skip
            } else {
                new_state.set(s + token);
                FilterOp::Unpark
            }
        };
        let callback = |result| callback(new_state.get(), result);
        // SAFETY: the key is this word's own; `filter` neither panics nor calls into
        // parking_lot_core, and `callback` does neither (this function's contract).
        unsafe { parking_lot_core::unpark_filter(self.key(), filter, callback) };
    }
}
