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
    /// Nanoseconds per TSC tick, times 2^32, when quanta's raw reading is the TSC (0: it is not,
    /// and quanta scales its own readings).
    tsc_scale: u64,
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
            tsc_scale: tsc_scale(&clock),
            clock,
            start,
            unix_ns,
        }
    })
}

/// quanta's scale from TSC ticks to nanoseconds (times 2^32), if its raw readings are TSC ticks:
/// one read between two `rdtsc` lies between them. quanta falls back to the OS clock where the
/// TSC is not to be trusted, and its readings are nanoseconds then.
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn tsc_scale(clock: &quanta::Clock) -> u64 {
    let before = rdtsc();
    let raw = clock.raw();
    let after = rdtsc();
    if (before..=after).contains(&raw) {
        clock.delta_as_nanos(0, 1 << 32)
    } else {
        0
    }
}

/// `ticks` of the TSC in nanoseconds, by a [`tsc_scale`].
#[inline(always)]
fn tsc_ns(ticks: u64, scale: u64) -> u64 {
    ((u128::from(ticks) * u128::from(scale)) >> 32) as u64
}

#[cfg(not(all(target_arch = "x86_64", not(miri))))]
fn tsc_scale(_clock: &quanta::Clock) -> u64 {
    0
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` has no preconditions on x86_64, and quanta reads the TSC the same way.
    unsafe { std::arch::x86_64::_rdtsc() }
}

/// Nanoseconds since the lockprof epoch; never 0, so 0 can mean "not timed".
#[inline]
pub(crate) fn now_ns() -> u64 {
    let epoch = epoch();
    // The TSC read and scaled here, in a dozen instructions inlined: quanta's `raw` and
    // `delta_as_nanos` are calls that match on its clock's kind each time (about 50
    // instructions a reading, several of them inside critical sections on contended paths).
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if epoch.tsc_scale != 0 {
        return tsc_ns(rdtsc().saturating_sub(epoch.start), epoch.tsc_scale).max(1);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inlined_scaling_agrees_with_quantas() {
        let epoch = epoch();
        if epoch.tsc_scale == 0 {
            return; // quanta reads the OS clock here: nothing of ours to compare.
        }
        for ticks in [1, 1_000, 1_000_000, 1_000_000_000, 1_000_000_000_000] {
            let ours = tsc_ns(ticks, epoch.tsc_scale);
            let quantas = epoch.clock.delta_as_nanos(0, ticks);
            // Both truncate their scale factors: a nanosecond per 2^30 ticks covers either.
            assert!(
                ours.abs_diff(quantas) <= ticks / (1 << 30) + 1,
                "{ticks} ticks: {ours} ns here, {quantas} ns by quanta"
            );
        }
    }

    #[test]
    fn readings_follow_the_os_clock() {
        let (start, os_start) = (now_ns(), std::time::Instant::now());
        std::thread::sleep(std::time::Duration::from_millis(20));
        let (end, os) = (now_ns(), os_start.elapsed());
        let ours = end - start;
        let os = u64::try_from(os.as_nanos()).unwrap();
        // Read a few instructions apart, so they differ by little more than the calibration's
        // error (quanta's: well under 1 %) or a preemption between the two readings.
        assert!(
            ours.abs_diff(os) < os / 100 + 2_000_000,
            "{ours} ns here, {os} ns by std"
        );
    }
}
