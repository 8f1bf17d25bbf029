//! Every setting and its default: whether the locks record, which waits and holds become events,
//! how holds are sampled, native stacks, and the trace file the Layer writes.
//!
//! | setting | default | changed by |
//! |---------|---------|------------|
//! | recording | on | [`set_enabled`] ([`is_enabled`]) |
//! | waits and holds that are events, not summaries | from [`DEFAULT_EVENT_THRESHOLD`] (10 µs) | [`set_event_threshold`] |
//! | events per second, whole process | [`DEFAULT_EVENT_RATE_LIMIT`] (5 000) | [`set_event_rate_limit`] |
//! | uncontended holds timed | one in [`DEFAULT_HOLD_SAMPLE_INTERVAL`] (1 024) | [`set_hold_sample_interval`] |
//! | native stack capture | on, off if [`STACKS_ENV`] (`LOCKPROF_STACKS`) is `0`, `off` or `false` | [`set_stack_capture`] ([`stack_capture`]) |
//! | stack captures per second, whole process | [`DEFAULT_STACK_CAPTURE_RATE`] (2 000) | [`set_stack_capture_rate`] |
//! | distinct stacks kept | [`MAX_STACKS`] (16 384) | fixed |
//! | the Layer's trace file | [`default_path()`]: [`OUT_ENV`] (`$LOCKPROF_OUT`), or `lockprof-<pid>.lptrace` | [`LayerBuilder::with_path`](crate::LayerBuilder::with_path) |
//! | the Layer's queue, in events | [`DEFAULT_BUFFER_EVENTS`] (4 096) | [`LayerBuilder::with_buffer_events`](crate::LayerBuilder::with_buffer_events) |
//! | how often the Layer flushes | [`DEFAULT_FLUSH_INTERVAL`] (1 s) | [`LayerBuilder::with_flush_interval`](crate::LayerBuilder::with_flush_interval) |
//! | how long the guard waits for the trace at exit | [`DEFAULT_SHUTDOWN_TIMEOUT`] (5 s) | [`LayerBuilder::with_shutdown_timeout`](crate::LayerBuilder::with_shutdown_timeout) |
//!
//! The Layer's settings (feature `subscriber`) belong to each Layer, given to its builder. The
//! others are process-wide, one relaxed atomic each, read only on slow paths (and
//! [`is_enabled`] on the fast path), so changing them at run time is cheap and safe:
//!
//! ```
//! use std::time::Duration;
//!
//! lockprof::config::set_event_threshold(Duration::from_micros(100));
//! lockprof::config::set_stack_capture(false);
//! ```

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use crate::rate_limit::RateLimit;

#[cfg(feature = "subscriber")]
pub use crate::layer::{
    DEFAULT_BUFFER_EVENTS, DEFAULT_FLUSH_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT, OUT_ENV, default_path,
};
pub use crate::stacks::{
    DEFAULT_STACK_CAPTURE_RATE, MAX_STACKS, STACKS_ENV, set_stack_capture, set_stack_capture_rate,
    stack_capture,
};

/// Waits and holds at least this long are individual events by default; shorter ones are
/// aggregated into per-thread summary histograms.
pub const DEFAULT_EVENT_THRESHOLD: Duration = Duration::from_micros(10);

/// One uncontended hold in this many (on average) is timed by default.
pub const DEFAULT_HOLD_SAMPLE_INTERVAL: u32 = 1024;

/// After a long wait (one at least the event threshold), a lock times this many following holds
/// exactly (adaptive timing: a lock that has recently made threads wait is worth measuring; one
/// that never has pays nothing, and storms of short waits do not switch it on).
pub(crate) const HOT_HOLDS: u16 = 256;

/// Summaries are flushed about this often: each thread's own, and a sweep of every thread (and on
/// `flush()`).
pub(crate) const FLUSH_INTERVAL_NS: u64 = 1_000_000_000;

/// The process emits at most this many individual wait and hold events per second by default,
/// across all its threads. One costs its thread about 3 000 instructions and the Layer's writer
/// thread about 4 500 more (callgrind, BENCHMARKS.md), so this bounds the profiler's own event
/// cost at about 40 million instructions a second, 1–2 % of one core, however many threads
/// contend.
pub const DEFAULT_EVENT_RATE_LIMIT: u32 = 5_000;

static EVENT_BUDGET: RateLimit = RateLimit::new(DEFAULT_EVENT_RATE_LIMIT);

static ENABLED: AtomicBool = AtomicBool::new(true);
static EVENT_THRESHOLD_NS: AtomicU64 = AtomicU64::new(DEFAULT_EVENT_THRESHOLD.as_nanos() as u64);
static HOLD_SAMPLE_INTERVAL: AtomicU32 = AtomicU32::new(DEFAULT_HOLD_SAMPLE_INTERVAL);

/// Turns recording on or off at run time (on by default).
///
/// When off, the locks behave exactly like `parking_lot`'s: the fast path skips all bookkeeping
/// and the slow path reads no clock. Holds already in progress finish their recording.
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether recording is on (see [`set_enabled`]).
#[inline]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Sets the duration from which a wait or hold is emitted as an individual event rather than
/// aggregated into a summary histogram. Defaults to [`DEFAULT_EVENT_THRESHOLD`].
pub fn set_event_threshold(threshold: Duration) {
    let ns = u64::try_from(threshold.as_nanos()).unwrap_or(u64::MAX);
    EVENT_THRESHOLD_NS.store(ns, Ordering::Relaxed);
}

pub(crate) fn event_threshold_ns() -> u64 {
    EVENT_THRESHOLD_NS.load(Ordering::Relaxed)
}

/// Times one uncontended hold in `interval` on average (randomised, with the weight carried in
/// the events so histograms stay unbiased). `1` times every hold. Defaults to
/// [`DEFAULT_HOLD_SAMPLE_INTERVAL`]. `0` is treated as `1`.
pub fn set_hold_sample_interval(interval: u32) {
    HOLD_SAMPLE_INTERVAL.store(interval.max(1), Ordering::Relaxed);
}

pub(crate) fn hold_sample_interval() -> u32 {
    HOLD_SAMPLE_INTERVAL.load(Ordering::Relaxed)
}

/// Caps the individual wait and hold events the process emits per second, across all its threads
/// (a token bucket with a burst of a tenth of a second's worth). Waits and holds past the cap are
/// still counted and go to the summary histograms, so totals stay exact; only their individual
/// detail is lost. Each thread may emit a few events past the cap (100 a second, and up to 1 000
/// a second of waits and holds with a millisecond of waiting or more), so that a storm elsewhere
/// cannot take them all. Defaults to [`DEFAULT_EVENT_RATE_LIMIT`].
pub fn set_event_rate_limit(events_per_second: u32) {
    EVENT_BUDGET.set_rate(events_per_second);
}

/// Takes one individual event's worth of the budget at `now` (lockprof ns), if there is one.
pub(crate) fn take_event(now: u64) -> bool {
    EVENT_BUDGET.take(now)
}
