//! The waits a condition variable has moved onto its mutex and that have not ended yet: how
//! many, and when, on average, they were moved.
//!
//! A notify that requeues its waiters onto a locked mutex registers their waits in the mutex's
//! waiting integral from that moment (`acquire::requeued`); each of those threads, when the mutex
//! wakes it, ends one of them. `parking_lot_core` tells a notify how many threads it moved, not
//! which, so a woken thread cannot tell which notify moved it: it takes the mean of the moves
//! still pending as its wait's start. When every pending thread was moved by one notify (one
//! `notify_all`, or waits that end before the next notify moves more), that is its own start
//! exactly; otherwise it is an estimate whose sum over the threads is exact (each takes the
//! mean, which taking leaves unchanged, so the n takers of a pending set take its sum).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const AT_BITS: u32 = 48;
const AT_MASK: u64 = (1 << AT_BITS) - 1;
/// Most waits pending at once (the count's 16 bits).
const MAX_PENDING: u64 = u16::MAX as u64;

/// Pending requeued waits of one condition variable: the count (top 16 bits) and the mean time
/// they were moved, modulo 2^48 ns (≈ 78 h, as the waiting integral's W; a thread left in a
/// mutex's queue longer than that would take a start 78 h off).
#[derive(Debug)]
pub(crate) struct RequeuedWaits {
    word: AtomicU64,
}

impl RequeuedWaits {
    pub(crate) const fn new() -> RequeuedWaits {
        RequeuedWaits {
            word: AtomicU64::new(0),
        }
    }

    /// How many more waits can be pending. Only [`add`](Self::add) lowers it, and the notifies
    /// that add do so one at a time (with the condition variable's queue locked).
    pub(crate) fn room(&self) -> u64 {
        MAX_PENDING - (self.word.load(Relaxed) >> AT_BITS)
    }

    /// Notes `count` waits moved at `at`, no earlier than any pending one (at most
    /// [`room`](Self::room)).
    pub(crate) fn add(&self, at: u64, count: u64) {
        if count == 0 {
            return;
        }
        let _ = self.word.fetch_update(Relaxed, Relaxed, |word| {
            let pending = word >> AT_BITS;
            let mean = word & AT_MASK;
            // The new mean, from the old one and the distance to `at` (non-negative modulo 2^48).
            let mean = match pending {
                0 => at & AT_MASK,
                _ => {
                    let ahead = at.wrapping_sub(mean) & AT_MASK;
                    mean.wrapping_add(ahead * count / (pending + count)) & AT_MASK
                }
            };
            Some(((pending + count).min(MAX_PENDING) << AT_BITS) | mean)
        });
    }

    /// One pending wait ends; returns the time, no later than `now`, it is taken to have begun
    /// (see the module docs), or `None` if none is pending. A thread that read `now` before a
    /// later notify moved more threads may find their mean ahead of it: it then takes `now` (a
    /// wait of nothing so far, rather than one since the clock's zero).
    pub(crate) fn take(&self, now: u64) -> Option<u64> {
        let word = self
            .word
            .fetch_update(Relaxed, Relaxed, |word| {
                let pending = word >> AT_BITS;
                (pending != 0).then(|| match pending {
                    1 => 0,
                    _ => word - (1 << AT_BITS),
                })
            })
            .ok()?;
        let since = now.wrapping_sub(word) & AT_MASK;
        let mean_is_ahead = since > AT_MASK / 2;
        Some(if mean_is_ahead {
            now
        } else {
            now.saturating_sub(since)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_move_gives_every_thread_its_own_start() {
        let waits = RequeuedWaits::new();
        assert_eq!(waits.take(5), None);
        waits.add(1_000, 3);
        assert_eq!(waits.take(9_000), Some(1_000));
        assert_eq!(waits.take(9_500), Some(1_000));
        assert_eq!(waits.take(9_900), Some(1_000));
        assert_eq!(waits.take(10_000), None);
    }

    #[test]
    fn overlapping_moves_share_the_mean_and_keep_the_sum() {
        let waits = RequeuedWaits::new();
        waits.add(1_000, 1);
        waits.add(4_000, 3);
        let starts: Vec<u64> = (0..4).map(|_| waits.take(10_000).unwrap()).collect();
        assert_eq!(starts, [3_250; 4]);
        assert_eq!(starts.iter().sum::<u64>(), 1_000 + 3 * 4_000);
        // Emptied: the next move starts afresh.
        waits.add(20_000, 1);
        assert_eq!(waits.take(21_000), Some(20_000));
    }

    #[test]
    fn a_mean_moved_past_the_takers_clock_reading_is_no_start_before_it() {
        let waits = RequeuedWaits::new();
        waits.add(1_000, 1);
        // The moved thread reads its clock at 2_000; a notify moves another at 5_000.
        waits.add(5_000, 1);
        assert_eq!(waits.take(2_000), Some(2_000));
        assert_eq!(waits.take(6_000), Some(3_000));
    }

    #[test]
    fn times_beyond_48_bits_still_come_back_whole() {
        let waits = RequeuedWaits::new();
        let base = (5u64 << 48) + 123;
        waits.add(base, 2);
        assert_eq!(waits.take(base + 50), Some(base));
        assert_eq!(waits.room(), MAX_PENDING - 1);
    }
}
