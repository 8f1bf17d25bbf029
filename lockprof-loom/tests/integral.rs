//! Model checks of the waiting integral behind blame: every interleaving of waiters registering
//! and finishing their waits with holders charging blame (loom explores them all).
//!
//! Run with `RUSTFLAGS="--cfg lockprof_loom" LOOM_MAX_PREEMPTIONS=3 cargo test -p lockprof-loom
//! --release` (`.ci/run` does).
#![cfg(lockprof_loom)]
#![allow(dead_code, unreachable_pub)]

/// `crate::primitive` for `integral.rs`: loom's atomics behind std's `const fn new` signature
/// (loom's own cannot be built in a const context; each is created on first use, inside the
/// model).
mod primitive {
    use std::fmt;
    use std::sync::OnceLock;

    pub(crate) use loom::sync::atomic::Ordering;

    pub(crate) struct AtomicU64 {
        initial: u64,
        cell: OnceLock<loom::sync::atomic::AtomicU64>,
    }

    impl AtomicU64 {
        pub(crate) const fn new(initial: u64) -> AtomicU64 {
            AtomicU64 {
                initial,
                cell: OnceLock::new(),
            }
        }

        fn atomic(&self) -> &loom::sync::atomic::AtomicU64 {
            self.cell
                .get_or_init(|| loom::sync::atomic::AtomicU64::new(self.initial))
        }

        pub(crate) fn load(&self, order: Ordering) -> u64 {
            self.atomic().load(order)
        }

        pub(crate) fn store(&self, value: u64, order: Ordering) {
            self.atomic().store(value, order)
        }

        pub(crate) fn fetch_update(
            &self,
            set: Ordering,
            fetch: Ordering,
            f: impl FnMut(u64) -> Option<u64>,
        ) -> Result<u64, u64> {
            self.atomic().fetch_update(set, fetch, f)
        }

        pub(crate) fn fetch_and(&self, value: u64, order: Ordering) -> u64 {
            self.atomic().fetch_and(value, order)
        }

        pub(crate) fn compare_exchange_weak(
            &self,
            current: u64,
            new: u64,
            success: Ordering,
            failure: Ordering,
        ) -> Result<u64, u64> {
            self.atomic()
                .compare_exchange_weak(current, new, success, failure)
        }
    }

    impl fmt::Debug for AtomicU64 {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("AtomicU64")
        }
    }
}

#[path = "../../lockprof/src/integral.rs"]
mod integral;

use integral::WaitIntegral;
use loom::sync::Arc;
use loom::thread;

/// A new integral whose (lazily created) loom atomics all exist before any thread is spawned, so
/// their creation happens-before every other access.
fn fresh() -> Arc<WaitIntegral> {
    let integral = WaitIntegral::new();
    assert!(!integral.has_waiters());
    assert_eq!(integral.charge(0), 0);
    assert_eq!(integral.contention_since(), 0);
    Arc::new(integral)
}

/// Two waiters (logical times: waits [0, 100] and [10, 90]) register while the holder of a mutex
/// charges at t = 50; they finish after it released (a mutex's waiter ends its wait by acquiring
/// the lock, so never during someone else's hold). Whatever the interleaving, the charge at
/// t = 50 is at most the waiting that can have happened by then, and once both waits are over
/// a final charge brings the total to exactly Σ wait = 180.
#[test]
fn blame_charged_while_waiters_arrive_sums_to_the_total_wait() {
    loom::model(|| {
        let integral = fresh();
        let waiter = |start: u64| {
            let integral = Arc::clone(&integral);
            thread::spawn(move || integral.begin_wait(start))
        };
        let a = waiter(0);
        let b = waiter(10);
        let holder = {
            let integral = Arc::clone(&integral);
            thread::spawn(move || integral.charge(50))
        };
        let during = holder.join().unwrap();
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        assert!(during <= 50 + 40, "charged {during} at t = 50");
        integral.end_wait(b, 90);
        integral.end_wait(a, 100);
        let after = integral.charge(200);
        assert_eq!(during + after, 180);
        assert!(!integral.has_waiters());
    });
}

/// Two holders (readers of an RwLock) charge concurrently at t = 60 and t = 70 while one wait
/// [0, 80] is in progress: the waiting is split between them, never counted twice.
#[test]
fn concurrent_charges_split_the_waiting_without_double_counting() {
    loom::model(|| {
        let integral = fresh();
        let ticket = integral.begin_wait(0);
        let charge_at = |now: u64| {
            let integral = Arc::clone(&integral);
            thread::spawn(move || integral.charge(now))
        };
        let first = charge_at(60);
        let second = charge_at(70);
        let (first, second) = (first.join().unwrap(), second.join().unwrap());
        // Whichever measured later got there first, the two sum to the waiting up to t = 70.
        assert!(
            first + second == 70 || first + second == 60,
            "{first} + {second}"
        );
        integral.end_wait(ticket, 80);
        let rest = integral.charge(100);
        assert_eq!(first + second + rest, 80);
    });
}

/// The waiter count a releaser reads is never torn from the integral it charges.
#[test]
fn waiter_count_returns_to_zero() {
    loom::model(|| {
        let integral = fresh();
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let integral = Arc::clone(&integral);
                thread::spawn(move || {
                    let ticket = integral.begin_wait(i * 10);
                    assert!(integral.waiters() >= 1);
                    integral.end_wait(ticket, i * 10 + 5);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(integral.waiters(), 0);
        assert_eq!(integral.charge(100), 10);
    });
}
