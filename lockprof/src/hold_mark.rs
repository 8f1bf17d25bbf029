//! A mark a waiter leaves on the hold it waits for, so that the release can tell the hold made
//! someone wait long (see `LockMeta::hold_mark`).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::integral::{CLOSE_NS, WaitIntegral};

/// Where a lock keeps the mark on its current hold (the word of a [`HoldMark`]; 0: none).
#[derive(Debug)]
pub(crate) struct MarkSlot(AtomicU64);

impl MarkSlot {
    pub(crate) const fn new() -> MarkSlot {
        MarkSlot(AtomicU64::new(0))
    }

    /// Marks the current hold now, by `clock`, for a thread that does not hold the lock, unless
    /// it is marked already. W is read between two clock readings, as such a thread must (see
    /// `WaitIntegral::integral_outside`), and a mark stored long after them is taken back: the
    /// hold it was for may have ended meanwhile, and the next one would be charged from before
    /// it began.
    pub(crate) fn mark(&self, integral: &WaitIntegral, clock: fn() -> u64) {
        if self.0.load(Relaxed) != 0 {
            return;
        }
        let now = clock();
        if let Some(w) = integral.integral_outside(now, clock) {
            let word = HoldMark::pack(now, w);
            self.0.store(word, Relaxed);
            if clock().saturating_sub(now) > CLOSE_NS {
                let _ = self.0.compare_exchange(word, 0, Relaxed, Relaxed);
            }
        }
    }

    /// Takes the current hold's mark, if there is one (one load beside the lock word).
    #[inline]
    pub(crate) fn take(&self) -> Option<HoldMark> {
        match self.0.load(Relaxed) {
            0 => None,
            word => {
                self.0.store(0, Relaxed);
                Some(HoldMark(word))
            }
        }
    }

    /// Whether the current hold is marked (one load beside the lock word).
    #[inline(always)]
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Relaxed) != 0
    }
}

/// A mark on a hold (`LockMeta::hold_mark`): when, in µs modulo 2^16 (the top 16 bits; a hold
/// of over 65 ms may be taken for a short one, once in three thousand), and W then, modulo 2^48
/// like W itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HoldMark(u64);

impl HoldMark {
    const W_BITS: u32 = 48;

    /// The word of a mark left at `now` with W at `integral`.
    fn pack(now: u64, integral: u64) -> u64 {
        // Never 0, which means no mark: W one nanosecond off instead.
        ((now / 1_000) << Self::W_BITS | integral & ((1 << Self::W_BITS) - 1)).max(1)
    }

    /// W when the mark was left.
    pub(crate) fn integral(self) -> u64 {
        self.0 & ((1 << Self::W_BITS) - 1)
    }

    /// Whether the mark was left [`LONG_WAIT_NS`] or more before `now`.
    pub(crate) fn is_old(self, now: u64) -> bool {
        self.age_us(now) >= LONG_WAIT_NS / 1_000
    }

    /// When the mark was left, to the µs, seen from `now` (less than 65 ms later).
    pub(crate) fn at(self, now: u64) -> u64 {
        now.saturating_sub(self.age_us(now) * 1_000)
    }

    fn age_us(self, now: u64) -> u64 {
        let marked_us = (self.0 >> Self::W_BITS) as u16;
        u64::from(((now / 1_000) as u16).wrapping_sub(marked_us))
    }
}

/// A wait this long is a long one: the hold it waits for is measured, even in a storm (its blame
/// is at least this), and the waiter's stack is worth its capture. Shorter ones, most of a
/// storm's, cost the lock nothing more.
pub(crate) const LONG_WAIT_NS: u64 = 20_000;
