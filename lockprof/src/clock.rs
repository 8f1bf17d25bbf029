//! The profiler's clock: monotonic nanoseconds since the process's lockprof epoch.
//!
//! `quanta` reads the TSC (≈ 11 ns here) where `Instant::now()` costs ≈ 28 ns; only slow paths and
//! sampled holds read it.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

struct Epoch {
    clock: quanta::Clock,
    /// The clock's raw reading (TSC ticks) at the epoch.
    start: u64,
    unix_ns: u64,
}

/// Under Miri, `std`'s clock: quanta calibrates the TSC with `cpuid`, inline assembly Miri
/// cannot run, and that would stop Miri at the first contended acquisition.
#[cfg(miri)]
mod quanta {
    use std::sync::OnceLock;
    use std::time::Instant;

    pub(super) struct Clock;

    impl Clock {
        pub(super) fn new() -> Clock {
            Clock
        }

        /// Nanoseconds since the first reading: the raw unit is the nanosecond here.
        pub(super) fn raw(&self) -> u64 {
            static BASE: OnceLock<Instant> = OnceLock::new();
            let elapsed = BASE.get_or_init(Instant::now).elapsed().as_nanos();
            u64::try_from(elapsed).unwrap_or(u64::MAX)
        }

        pub(super) fn delta_as_nanos(&self, start: u64, end: u64) -> u64 {
            end.saturating_sub(start)
        }
    }
}

static EPOCH: OnceLock<Epoch> = OnceLock::new();

fn epoch() -> &'static Epoch {
    EPOCH.get_or_init(|| {
        let clock = quanta::Clock::new();
        let start = clock.raw();
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
    // A raw reading scaled once (one multiply and shift), not an `Instant` and a `Duration`.
    epoch
        .clock
        .delta_as_nanos(epoch.start, epoch.clock.raw())
        .max(1)
}

/// Wall-clock time of the lockprof epoch (`at_ns == 0`), nanoseconds since the Unix epoch.
///
/// The trace header records it so readers can turn `at_ns` into wall-clock time.
pub(crate) fn epoch_unix_ns() -> u64 {
    epoch().unix_ns
}

/// Calibrates the clock now rather than during the first contended wait it would distort.
pub(crate) fn warm_up() {
    epoch();
}
