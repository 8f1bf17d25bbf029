//! The profiler's clock: monotonic nanoseconds since the process's lockprof epoch.
//!
//! `quanta` reads the TSC (≈ 11 ns here) where `Instant::now()` costs ≈ 28 ns; only slow paths and
//! sampled holds read it.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

struct Epoch {
    clock: quanta::Clock,
    start: quanta::Instant,
    unix_ns: u64,
}

/// Under Miri, `std`'s clock: quanta calibrates the TSC with `cpuid`, inline assembly Miri
/// cannot run, and that would stop Miri at the first contended acquisition.
#[cfg(miri)]
mod quanta {
    #[derive(Clone, Copy)]
    pub(super) struct Instant(std::time::Instant);

    impl Instant {
        pub(super) fn saturating_duration_since(self, earlier: Instant) -> std::time::Duration {
            self.0.saturating_duration_since(earlier.0)
        }
    }

    pub(super) struct Clock;

    impl Clock {
        pub(super) fn new() -> Clock {
            Clock
        }

        pub(super) fn now(&self) -> Instant {
            Instant(std::time::Instant::now())
        }
    }
}

static EPOCH: OnceLock<Epoch> = OnceLock::new();

fn epoch() -> &'static Epoch {
    EPOCH.get_or_init(|| {
        let clock = quanta::Clock::new();
        let start = clock.now();
        let unix_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Epoch {
            clock,
            start,
            unix_ns,
        }
    })
}

/// Nanoseconds since the lockprof epoch; never 0, so 0 can mean "not timed".
#[inline]
pub(crate) fn now_ns() -> u64 {
    let epoch = epoch();
    let ns = epoch
        .clock
        .now()
        .saturating_duration_since(epoch.start)
        .as_nanos();
    u64::try_from(ns).unwrap_or(u64::MAX).max(1)
}

/// Wall-clock time of the lockprof epoch (`at_ns == 0`), nanoseconds since the Unix epoch.
///
/// The trace header records it so readers can turn `at_ns` into wall-clock time.
pub fn epoch_unix_ns() -> u64 {
    epoch().unix_ns
}

/// Calibrates the clock now rather than during the first contended wait it would distort.
pub(crate) fn warm_up() {
    epoch();
}
