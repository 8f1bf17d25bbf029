//! A mark a waiter leaves on the hold it waits for, so that the release can tell the hold made
//! someone wait long (see `LockMeta::mark_hold`).

/// A mark on a hold (`LockMeta::hold_mark`): when, in µs modulo 2^16 (the top 16 bits; a hold
/// of over 65 ms may be taken for a short one, once in three thousand), and W then, modulo 2^48
/// like W itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HoldMark(u64);

impl HoldMark {
    const W_BITS: u32 = 48;

    /// The word of a mark left at `now` with W at `integral`.
    pub(crate) fn pack(now: u64, integral: u64) -> u64 {
        // Never 0, which means no mark: W one nanosecond off instead.
        ((now / 1_000) << Self::W_BITS | integral & ((1 << Self::W_BITS) - 1)).max(1)
    }

    /// The mark `pack` made.
    pub(crate) fn from_word(word: u64) -> HoldMark {
        HoldMark(word)
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
