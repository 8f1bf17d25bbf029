//! Pairing a wait with the stack of the hold that made it wait, in the process.
//!
//! A holder that made others wait captures its stack after its unlock and publishes it in the
//! lock's [`LockMeta::blamed`](crate::meta::LockMeta) word, together with (the low bits of) its
//! thread id and the time its hold ended. A waiter emits its wait event after its own release,
//! usually later, and takes the published stack only if it is from the thread that held the lock
//! when the wait began and the hold ended within the wait — so a stale or foreign stack is never
//! attached. When the holder has not published yet (its capture still running, or the budget
//! refused it), the wait carries no holder stack and readers pair it with the holder's hold
//! event by time (docs/EVENTS.md).
//!
//! Word layout: stack id (24 bits) | holder thread id mod 2^16 | hold end in µs mod 2^24 (≈ 16.7 s).

use super::table::StackId;

const STACK_BITS: u32 = 24;
const THREAD_BITS: u32 = 16;
const TIME_BITS: u32 = 24;
const TIME_MASK: u64 = (1 << TIME_BITS) - 1;
const THREAD_MASK: u64 = (1 << THREAD_BITS) - 1;
const STACK_MASK: u64 = (1 << STACK_BITS) - 1;
/// Differences of times mod 2^24 µs above this are "before", not "after".
const HALF: u64 = 1 << (TIME_BITS - 1);

/// The word a holder publishes: stack `stack` of thread `thread`, whose hold ended at `end_ns`.
pub(crate) fn pack_blamed(stack: StackId, thread: u64, end_ns: u64) -> u64 {
    let stack = u64::from(stack);
    if stack == 0 || stack > STACK_MASK {
        return 0;
    }
    (stack << (THREAD_BITS + TIME_BITS))
        | ((thread & THREAD_MASK) << TIME_BITS)
        | ((end_ns / 1_000) & TIME_MASK)
}

/// The holder stack for a wait of `[start_ns, end_ns]` on a lock held by `holder` when it began,
/// if the published `word` is from that holder and its hold ended within the wait; else 0.
pub(crate) fn holder_stack_for(word: u64, holder: u64, start_ns: u64, end_ns: u64) -> StackId {
    if word == 0 || holder == 0 {
        return 0;
    }
    let stack = (word >> (THREAD_BITS + TIME_BITS)) & STACK_MASK;
    let thread = (word >> TIME_BITS) & THREAD_MASK;
    let hold_end = word & TIME_MASK;
    if thread != holder & THREAD_MASK {
        return 0;
    }
    // µs resolution: widen the wait by one tick at each end.
    let start = (start_ns / 1_000).wrapping_sub(1) & TIME_MASK;
    let end = (end_ns / 1_000 + 1) & TIME_MASK;
    let after_start = hold_end.wrapping_sub(start) & TIME_MASK;
    let before_end = end.wrapping_sub(hold_end) & TIME_MASK;
    if after_start < HALF && before_end < HALF {
        stack as StackId
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_holder_whose_hold_ended_within_the_wait_pairs() {
        let word = pack_blamed(42, 7, 30_000_000);
        assert_eq!(holder_stack_for(word, 7, 5_000_000, 30_010_000), 42);
        // Another thread.
        assert_eq!(holder_stack_for(word, 8, 5_000_000, 30_010_000), 0);
        // An earlier hold of the same thread, ended before this wait began.
        assert_eq!(holder_stack_for(word, 7, 31_000_000, 40_000_000), 0);
        // A later hold, ended after this wait.
        assert_eq!(holder_stack_for(word, 7, 1_000_000, 20_000_000), 0);
        assert_eq!(holder_stack_for(0, 7, 0, u64::MAX), 0);
        assert_eq!(pack_blamed(0, 7, 1), 0);
    }

    #[test]
    fn times_past_the_wrap_still_compare() {
        let wrap = (1u64 << 24) * 1_000;
        let word = pack_blamed(3, 1, wrap + 500_000);
        assert_eq!(holder_stack_for(word, 1, wrap - 200_000, wrap + 600_000), 3);
    }
}
