//! The running integral of waiting that makes blame exact.
//!
//! Blame: let W(t) be the total time all threads have spent waiting for this lock up to time t.
//! With n threads waiting now, W(t) = n·t + C, where C = Σ(ends of finished waits) − Σ(starts of
//! all waits). Each measured release charges the holder W(now) − W(last measured release), so the
//! waiting that happened during a hold is charged to it, and totals stay exact even when only a
//! sample of releases is measured. n and C share one atomic word (15 + 48 bits, C and W modulo
//! 2^48 ns ≈ 78 h) so W is never read torn: a torn read would be off by a whole timestamp.
//! A timed hold is charged from W at its start (`charge_hold`): the waiting before it that no
//! measured release took (hand-offs, a storm's unmeasured holds) is then passed over, no hold's.
//! A storm's waits enter W only once they yield or park (`defer_wait`).
//!
//! Two approximations remain, for reader-writer locks only. A waiter that has acquired the lock
//! (read its end time) but not yet finished its wait here still counts as waiting for a reader
//! that releases in between, which may then be charged up to that gap (nanoseconds, unless the
//! waiter is preempted there) too much; later charges absorb it. A mutex cannot see this: its
//! waiter ends its wait by acquiring the lock, so no other hold ends meanwhile. And a read hold
//! taken at the first attempt is measured just after its unlock (`acquire::release_shared`): a
//! reader preempted between its unlock and its clock reading for the whole of the hold of a
//! writer that took the lock meanwhile is charged waiting from after its own hold.

use crate::primitive::{AtomicU64, Ordering::Relaxed};

const C_BITS: u32 = 48;
const C_MASK: u64 = (1 << C_BITS) - 1;
/// Set when a wait ends and cleared when the waiting is charged: the release of the next hold is
/// then measured even if nobody waits any more, so the last hand-off of an episode and waits
/// that timed out are charged to the hold during which they happened, not to a later one.
const UNCHARGED: u64 = 1 << 63;
const N_MASK: u64 = !UNCHARGED & !C_MASK;
const MAX_WAITERS: u64 = N_MASK >> C_BITS;
/// Differences of W modulo 2^48 above this are reorderings (a concurrent release measured a
/// moment later got there first), not waiting.
const HALF_RANGE: u64 = 1 << (C_BITS - 1);

/// Two clock readings of a thread that does not hold the lock further apart than this mean it
/// was preempted between them: what it read in between may be out of date.
pub(crate) const CLOSE_NS: u64 = 2_000;

/// One lock's waiting integral and the point up to which it has been charged to holders.
/// `waiting`, which the fast path reads, comes last: it begins the lock's second cache line, with
/// the raw lock word (see `LockMeta`).
#[derive(Debug)]
#[repr(C)]
pub(crate) struct WaitIntegral {
    /// Start of the oldest wait of the current episode of contention (set when n goes 0 → 1).
    contention_since: AtomicU64,
    /// W (mod 2^48) up to which waiting has been charged to holders.
    charged: AtomicU64,
    /// `UNCHARGED` (bit 63), n (15 bits) and C mod 2^48 (low 48 bits); see the module docs.
    waiting: AtomicU64,
}

/// A wait begun in the integral, to be finished by [`WaitIntegral::end_wait`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaitTicket {
    start: u64,
    entry: Entry,
}

impl WaitTicket {
    /// When the wait entered the integral (or would have).
    pub(crate) fn start(&self) -> u64 {
        self.start
    }
}

/// How a wait enters the integral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// Counted among the n waiters from its start ([`WaitIntegral::begin_wait`]).
    Registered,
    /// Not seen by the integral ([`WaitIntegral::defer_wait`]).
    Deferred,
    /// Not at all: the waiter count was full.
    Untracked,
}

impl WaitIntegral {
    pub(crate) const fn new() -> WaitIntegral {
        WaitIntegral {
            waiting: AtomicU64::new(0),
            charged: AtomicU64::new(0),
            contention_since: AtomicU64::new(0),
        }
    }

    /// Whether any thread is waiting now (one relaxed load; the fast unlock path asks this).
    #[inline]
    pub(crate) fn has_waiters(&self) -> bool {
        // Also true while waiting is left uncharged, so that release gets measured.
        self.waiting.load(Relaxed) >> C_BITS != 0
    }

    /// Whether any thread is waiting now, not counting waiting left uncharged (one load).
    #[inline]
    pub(crate) fn has_live_waiters(&self) -> bool {
        self.waiting.load(Relaxed) & N_MASK != 0
    }

    /// Number of threads waiting now.
    #[inline]
    pub(crate) fn waiters(&self) -> u32 {
        ((self.waiting.load(Relaxed) & N_MASK) >> C_BITS) as u32
    }

    /// Start of the current contention episode, for the lower bound of an untimed hold's length.
    #[inline]
    pub(crate) fn contention_since(&self) -> u64 {
        self.contention_since.load(Relaxed)
    }

    /// Registers a wait that began at `start`: n += 1, C −= start.
    pub(crate) fn begin_wait(&self, start: u64) -> WaitTicket {
        let mut first = false;
        let updated = self.waiting.fetch_update(Relaxed, Relaxed, |word| {
            let n = (word & N_MASK) >> C_BITS;
            (n < MAX_WAITERS).then(|| {
                first = n == 0;
                (word & UNCHARGED)
                    | ((n + 1) << C_BITS)
                    | ((word & C_MASK).wrapping_sub(start) & C_MASK)
            })
        });
        if first {
            self.contention_since.store(start, Relaxed);
        }
        WaitTicket {
            start,
            entry: if updated.is_ok() {
                Entry::Registered
            } else {
                Entry::Untracked
            },
        }
    }

    /// Registers, for a thread that does not hold the lock, a wait that began at `start`, read by
    /// `clock` just before: [`begin_wait`](Self::begin_wait), bracketed by a second reading. A
    /// waiter preempted between its reading and the update would charge the hold that began
    /// meanwhile (which read W without it) its waiting from before that hold began; so if the two
    /// readings are apart, the registration is withdrawn and made again from a new reading (a
    /// few times at most: under Miri every reading is far from the last). The ticket's start is
    /// the reading it was registered from; the caller passes over what came before it.
    pub(crate) fn begin_wait_outside(&self, start: u64, clock: fn() -> u64) -> WaitTicket {
        let mut ticket = self.begin_wait(start);
        for _ in 0..3 {
            if ticket.entry != Entry::Registered || clock().saturating_sub(ticket.start) <= CLOSE_NS
            {
                break;
            }
            self.withdraw(ticket);
            ticket = self.begin_wait(clock());
        }
        ticket
    }

    /// Undoes [`begin_wait`](Self::begin_wait) of `ticket` (n −= 1, C += its start), as if it had
    /// not been made.
    fn withdraw(&self, ticket: WaitTicket) {
        let _ = self.waiting.fetch_update(Relaxed, Relaxed, |word| {
            let n = (word & N_MASK) >> C_BITS;
            Some(
                (word & UNCHARGED)
                    | ((n - 1) << C_BITS)
                    | ((word & C_MASK).wrapping_add(ticket.start) & C_MASK),
            )
        });
    }

    /// Registers up to `count` waits that all began at `start`, for threads a condition variable
    /// has just moved onto the lock's queue; returns how many it registered (the waiter count
    /// may be full). Each of them ends with [`end_wait`](Self::end_wait) and a
    /// [`requeued_ticket`](Self::requeued_ticket), by whichever thread is woken.
    pub(crate) fn begin_waits(&self, start: u64, count: u64) -> u64 {
        let mut registered = 0;
        let mut first = false;
        let _ = self.waiting.fetch_update(Relaxed, Relaxed, |word| {
            let n = (word & N_MASK) >> C_BITS;
            registered = count.min(MAX_WAITERS - n);
            first = n == 0;
            (registered != 0).then(|| {
                (word & UNCHARGED)
                    | ((n + registered) << C_BITS)
                    | ((word & C_MASK).wrapping_sub(start.wrapping_mul(registered)) & C_MASK)
            })
        });
        if first && registered != 0 {
            self.contention_since.store(start, Relaxed);
        }
        registered
    }

    /// The ticket of one of the waits [`begin_waits`](Self::begin_waits) registered, taken to
    /// have begun at `start`. Which one a thread ends does not matter to W: each adds its end.
    pub(crate) fn requeued_ticket(start: u64) -> WaitTicket {
        WaitTicket {
            start,
            entry: Entry::Registered,
        }
    }

    /// Begins a wait at `start` that the integral does not see, for a storm: most of a storm's
    /// waits end while the waiter spins, and they then cost the lock's line no update at all
    /// (registering every wait at its start held 2 threads at 0.5–0.7× of parking_lot's
    /// throughput, where not registering the short ones gave 0.8–0.9×: BENCHMARKS.md). A wait
    /// that outlasts busy spinning is registered then ([`WaitIntegral::begin_wait`] from that
    /// moment); what it waited before, and the whole of a wait never registered, is no hold's
    /// blame (the caller counts it as unattributed).
    pub(crate) fn defer_wait(&self, start: u64) -> WaitTicket {
        WaitTicket {
            start,
            entry: Entry::Deferred,
        }
    }

    /// Finishes a wait begun by `begin_wait` (n −= 1, C += end); one begun by `defer_wait` is
    /// none of the integral's. Returns W(end) as of this update (mod 2^48), for a registered
    /// wait: read with the update, it counts no wait that began after `end` but registered before
    /// a later read of the word would (see [`WaitIntegral::charge_up_to`]).
    pub(crate) fn end_wait(&self, ticket: WaitTicket, end: u64) -> Option<u64> {
        debug_assert!(end >= ticket.start);
        if ticket.entry != Entry::Registered {
            return None;
        }
        let previous = self.waiting.fetch_update(Relaxed, Relaxed, |word| {
            let n = (word & N_MASK) >> C_BITS;
            Some(UNCHARGED | ((n - 1) << C_BITS) | ((word & C_MASK).wrapping_add(end) & C_MASK))
        });
        let word = previous.unwrap_or_else(|word| word);
        Some(Self::integral_of(word, end))
    }

    /// Whether the wait is one the integral does not see (see [`WaitIntegral::defer_wait`]).
    pub(crate) fn is_deferred(ticket: &WaitTicket) -> bool {
        ticket.entry == Entry::Deferred
    }

    /// W(now) mod 2^48: all waiting on this lock up to `now`.
    fn integral(&self, now: u64) -> u64 {
        Self::integral_of(self.waiting.load(Relaxed), now)
    }

    /// W(now) mod 2^48 for the waiting word `word`.
    fn integral_of(word: u64, now: u64) -> u64 {
        (((word & N_MASK) >> C_BITS).wrapping_mul(now)).wrapping_add(word & C_MASK) & C_MASK
    }

    /// Charges the waiting accumulated since the last measured release to the caller (a release
    /// at `now`) and returns it, in ns.
    pub(crate) fn charge(&self, now: u64) -> u64 {
        // Cleared before W is read: a wait ending after this point sets it again.
        if self.waiting.load(Relaxed) & UNCHARGED != 0 {
            self.waiting.fetch_and(!UNCHARGED, Relaxed);
        }
        self.charge_up_to(self.integral(now))
    }

    /// W mod 2^48 at `before`, for a thread that does not hold the lock (a waiter), or `None` if
    /// it was preempted while reading it. A holder's clock reading and its read of W agree (no
    /// wait can end while it holds the lock), but a waiter preempted between the two would see
    /// waits that ended after its reading as if they had gone on until then: the read of W is
    /// bracketed by `before` and a reading of `clock` after it, which must be close.
    pub(crate) fn integral_outside(&self, before: u64, clock: fn() -> u64) -> Option<u64> {
        let word = self.waiting.load(Relaxed);
        (clock().saturating_sub(before) <= CLOSE_NS).then(|| Self::integral_of(word, before))
    }

    /// W(now) mod 2^48, for a hold beginning at `now` to be charged from with
    /// [`WaitIntegral::charge_hold`].
    pub(crate) fn integral_at(&self, now: u64) -> u64 {
        self.integral(now)
    }

    /// Charges a hold that began when W was `start` (from [`WaitIntegral::integral_at`] or
    /// [`WaitIntegral::end_wait`], or a later point of it: a parked waiter's mark) and ends at
    /// `now`. Returns its own blame, W(now) − W(start) (less any part charged meanwhile), and
    /// the waiting before it that was not charged yet, W(start) − charged, which is no hold's.
    pub(crate) fn charge_hold(&self, start: u64, now: u64) -> (u64, u64) {
        if self.waiting.load(Relaxed) & UNCHARGED != 0 {
            self.waiting.fetch_and(!UNCHARGED, Relaxed);
        }
        let end = self.integral(now);
        // Whether W value `a` comes after `b` (differences of half the range or more are
        // reorderings, as in `charge_up_to`).
        let after = |a: u64, b: u64| {
            let d = a.wrapping_sub(b) & C_MASK;
            d != 0 && d < HALF_RANGE
        };
        let mut charged = self.charged.load(Relaxed);
        loop {
            let from = if after(start, charged) {
                start
            } else {
                charged
            };
            let blame = if after(end, from) {
                end.wrapping_sub(from) & C_MASK
            } else {
                0
            };
            let passed_over = if after(start, charged) {
                start.wrapping_sub(charged) & C_MASK
            } else {
                0
            };
            if !after(end, charged) {
                return (blame, passed_over);
            }
            match self
                .charged
                .compare_exchange_weak(charged, end, Relaxed, Relaxed)
            {
                Ok(_) => return (blame, passed_over),
                Err(current) => charged = current,
            }
        }
    }

    /// Charges the waiting up to the point where W was `integral` (from [`WaitIntegral::end_wait`])
    /// and returns it, in ns.
    pub(crate) fn charge_up_to(&self, integral: u64) -> u64 {
        let mut charged = self.charged.load(Relaxed);
        loop {
            let blame = integral.wrapping_sub(charged) & C_MASK;
            if blame == 0 || blame >= HALF_RANGE {
                return 0;
            }
            match self
                .charged
                .compare_exchange_weak(charged, integral, Relaxed, Relaxed)
            {
                Ok(_) => return blame,
                Err(current) => charged = current,
            }
        }
    }
}

// The unit tests use std atomics; under loom, lockprof-loom/tests/integral.rs explores the interleavings.
#[cfg(all(test, not(lockprof_loom)))]
mod tests {
    use super::*;

    fn meta() -> WaitIntegral {
        WaitIntegral::new()
    }

    #[test]
    fn one_wait_during_a_hold_is_charged_to_that_hold() {
        let meta = meta();
        let wait = meta.begin_wait(1_000);
        assert!(meta.has_waiters());
        // The holder releases at 21_000: the waiter has waited 20_000 ns.
        assert_eq!(meta.charge(21_000), 20_000);
        meta.end_wait(wait, 21_500);
        assert_eq!(meta.waiters(), 0);
        // Nobody waits, but the 500 ns hand-off is not charged yet: the next release must be
        // measured, and it is charged the hand-off.
        assert!(meta.has_waiters());
        assert_eq!(meta.charge(30_000), 500);
        assert!(!meta.has_waiters());
        assert_eq!(meta.charge(40_000), 0);
    }

    #[test]
    fn overlapping_waits_sum_exactly_over_several_releases() {
        let meta = meta();
        let a = meta.begin_wait(100);
        let b = meta.begin_wait(200);
        let first = meta.charge(1_100); // a: 1000, b: 900
        meta.end_wait(a, 1_100);
        let second = meta.charge(2_000); // b: 800 more
        meta.end_wait(b, 2_000);
        assert_eq!(first, 1_900);
        assert_eq!(second, 900);
        assert_eq!(first + second, (1_100 - 100) + (2_000 - 200));
    }

    #[test]
    fn a_hold_is_charged_from_its_own_start() {
        let meta = meta();
        // A waiter since 1 000; the hold begins at 5 000 (4 000 of waiting before it, no
        // hold's) and ends at 9 000.
        let _w = meta.begin_wait(1_000);
        let start = meta.integral_at(5_000);
        assert_eq!(meta.charge_hold(start, 9_000), (4_000, 4_000));
        // Nothing charged twice: the next hold, from 9 000 to 10 000, is charged its own.
        let next = meta.integral_at(9_000);
        assert_eq!(meta.charge_hold(next, 10_000), (1_000, 0));
    }

    #[test]
    fn a_registration_preempted_after_its_reading_is_made_again_from_a_new_one() {
        static NOW: AtomicU64 = AtomicU64::new(0);
        fn clock() -> u64 {
            NOW.load(Relaxed)
        }
        let meta = meta();
        // Read close to the update: registered from the reading.
        NOW.store(2_500, Relaxed);
        let close = meta.begin_wait_outside(1_000, clock);
        assert_eq!(close.start(), 1_000);
        meta.end_wait(close, 3_000);
        meta.charge(3_000);
        // A waiter read 4 000, then was preempted until 50 000; a hold began at 10 000 and
        // ends at 60 000. It made the waiter wait from 50 000 for lockprof, never from 4 000.
        let hold = meta.integral_at(10_000);
        NOW.store(50_000, Relaxed);
        let late = meta.begin_wait_outside(4_000, clock);
        assert_eq!((late.start(), meta.waiters()), (50_000, 1));
        assert_eq!(meta.charge_hold(hold, 60_000), (10_000, 0));
    }

    #[test]
    fn waits_registered_together_are_charged_like_waits_registered_one_by_one() {
        let meta = meta();
        assert_eq!(meta.begin_waits(1_000, 3), 3);
        assert_eq!(meta.waiters(), 3);
        assert_eq!(meta.contention_since(), 1_000);
        // The hold they wait for ends at 6 000: 3 × 5 000.
        assert_eq!(meta.charge(6_000), 15_000);
        for end in [6_000, 7_000, 9_000] {
            meta.end_wait(WaitIntegral::requeued_ticket(1_000), end);
        }
        assert_eq!(meta.waiters(), 0);
        // The second waited 1 000 more, the third 3 000 more.
        assert_eq!(meta.charge(9_000), 4_000);
    }

    #[test]
    fn a_late_measurement_of_an_earlier_time_is_not_negative_blame() {
        let meta = meta();
        let _a = meta.begin_wait(0);
        assert_eq!(meta.charge(5_000), 5_000);
        assert_eq!(meta.charge(4_000), 0);
        assert_eq!(meta.charge(6_000), 1_000);
    }

    #[test]
    fn timestamps_beyond_48_bits_still_give_exact_differences() {
        let meta = meta();
        let base = (1u64 << 50) + 12_345;
        let wait = meta.begin_wait(base);
        assert_eq!(meta.charge(base + 7_000), 7_000);
        meta.end_wait(wait, base + 7_000);
        assert_eq!(meta.charge(base + 9_000), 0);
    }
}
