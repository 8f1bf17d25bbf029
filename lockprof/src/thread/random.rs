//! The thread's random numbers: the sampling intervals, and the storm's sampling countdown.

use super::state::{FAST, FastThread};

/// A random number from this thread's generator (0 before the thread is registered).
pub(crate) fn random() -> u32 {
    FAST.try_with(next_random).unwrap_or(0)
}

/// The thread's next xorshift number (randomises sampling, so periodic programs don't alias).
pub(super) fn next_random(t: &FastThread) -> u32 {
    let mut x = t.rng.get();
    if x == 0 {
        // Not registered yet (a seed is never 0).
        x = 0x9E37_79B9;
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    t.rng.set(x);
    x
}

/// Whether to sample this exclusive acquisition of a lock in a storm, which samples one in
/// `2^shift` of them (`shift > 0`) for their blame: a countdown of this thread's, restarted at
/// random in [2^shift / 2, 1.5 · 2^shift) after each sample (so threads that take turns do not
/// alias with the interval). A countdown left longer by a sparser lock's interval restarts at
/// this lock's, so each lock is sampled at its own rate. Returns the sample's weight: the mean of
/// the interval it ends (0: not sampled).
#[inline]
pub(crate) fn storm_sample_due(shift: u32) -> u32 {
    FAST.try_with(|t| {
        let left = t.storm_countdown.get();
        if left != 0 && left < 3 << (shift - 1) {
            t.storm_countdown.set(left - 1);
            return 0;
        }
        let weight = if left == 0 { t.storm_interval.get() } else { 0 };
        restart_storm_countdown(t, shift);
        weight
    })
    .unwrap_or(0)
}

/// Out of line: it runs once per sample (and when another lock's countdown is cut short), and
/// inlined it made the guard's drop too big to inline.
#[cold]
#[inline(never)]
fn restart_storm_countdown(t: &FastThread, shift: u32) {
    let interval = 1u32 << shift;
    t.storm_interval.set(interval);
    t.storm_countdown
        .set(interval / 2 + (next_random(t) & (interval - 1)));
}
