//! Every contender's lock gets 128-byte-aligned memory of its own, so no case measures where the
//! allocator happened to put a lock.
//!
//! Measured before this (BENCHMARKS.md): the 2-thread contended ratio moved from
//! 0.89× to 0.82× when one unrelated allocation was added to the harness before the locks were
//! created. x86 cores fetch cache lines in 128-byte pairs (the adjacent-line prefetcher), so a lock
//! whose line pairs with a line other threads write slows down with nothing in the lock changed.
//! Alone in an aligned 128-byte block, each lock (parking_lot's 16 bytes or lockprof's 128) sits
//! at the start of its block with nothing else in it: the best placement for each.

use std::ops::Deref;

use crate::{BenchMutex, BenchRwLock};

/// A lock alone in a 128-byte-aligned block (its size rounds up to a multiple of 128).
#[derive(Debug)]
#[repr(align(128))]
pub struct Isolated<L>(L);

impl<L> Deref for Isolated<L> {
    type Target = L;

    fn deref(&self) -> &L {
        &self.0
    }
}

impl<L: BenchMutex> BenchMutex for Isolated<L> {
    fn create() -> Self {
        Isolated(L::create())
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        self.0.with(f);
    }
    fn enter() {
        L::enter();
    }
    fn exit() {
        L::exit();
    }
}

impl<L: BenchRwLock> BenchRwLock for Isolated<L> {
    fn create() -> Self {
        Isolated(L::create())
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        self.0.read(f)
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        self.0.write(f);
    }
    fn enter() {
        L::enter();
    }
    fn exit() {
        L::exit();
    }
}

impl<L> Isolated<L> {
    /// `lock`, isolated.
    pub fn new(lock: L) -> Isolated<L> {
        Isolated(lock)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_lock_starts_its_own_block_and_nothing_shares_it() {
        let locks: Vec<Arc<Isolated<parking_lot::Mutex<u64>>>> =
            (0..8).map(|_| Arc::new(BenchMutex::create())).collect();
        for lock in &locks {
            let at = std::ptr::from_ref::<parking_lot::Mutex<u64>>(lock) as usize;
            assert_eq!(at % 128, 0);
        }
        assert_eq!(size_of::<Isolated<parking_lot::Mutex<u64>>>(), 128);
    }
}
