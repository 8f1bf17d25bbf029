//! Capturing a native stack on the lock's slow paths: the switch, the process-wide budget, and the
//! unwind into a fixed array of return addresses, interned in the table.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use super::table::{self, StackId};
use crate::rate_limit::RateLimit;

/// Deepest stack captured, in raw frames (before inlined frames are expanded and lockprof's own
/// frames trimmed). Deeper stacks keep their leaf-most frames and are marked truncated.
pub(crate) const MAX_STACK_FRAMES: usize = 64;

/// Stack captures allowed per second by default, across the whole process.
///
/// One capture costs ≈ 2–3 µs here (see BENCHMARKS.md), so this keeps the events' stack cost
/// under 1% of one core under the heaviest contention; past the budget, waits and holds go to
/// their summaries, whose drawn stacks stand for them (those of 1 ms or more stay events,
/// without a stack).
pub const DEFAULT_STACK_CAPTURE_RATE: u32 = 2_000;

static CAPTURE_BUDGET: RateLimit = RateLimit::new(DEFAULT_STACK_CAPTURE_RATE);

static ENABLED: AtomicBool = AtomicBool::new(true);
static ENV_READ: std::sync::Once = std::sync::Once::new();

/// Environment variable that turns stack capture off when set to `0`, `off` or `false` (read once,
/// at the first contended acquisition; [`set_stack_capture`] overrides it).
pub const STACKS_ENV: &str = "LOCKPROF_STACKS";

fn read_env() {
    ENV_READ.call_once(|| {
        if let Some(v) = std::env::var_os(STACKS_ENV)
            && matches!(v.to_str(), Some("0" | "off" | "false"))
        {
            ENABLED.store(false, Relaxed);
        }
    });
}

/// Turns native stack capture on or off at run time (on by default).
///
/// Off, contended acquisitions and blamed releases capture nothing and events carry no stack ids;
/// span context (recorded by the Layer) is unaffected.
pub fn set_stack_capture(enabled: bool) {
    read_env();
    ENABLED.store(enabled, Relaxed);
}

/// Whether native stack capture is on (see [`set_stack_capture`] and [`STACKS_ENV`]).
#[inline]
pub fn stack_capture() -> bool {
    // Miri cannot run the unwinder or the symbolizer (raw frame addresses, FFI); it checks the
    // lock code, which does not depend on stacks.
    if cfg!(miri) {
        return false;
    }
    if !ENV_READ.is_completed() {
        read_env();
    }
    ENABLED.load(Relaxed)
}

/// Caps native stack captures at `per_second` for the whole process (a token bucket holding a
/// tenth of a second's worth). `0` stops capturing, like `set_stack_capture(false)`. Defaults to
/// [`DEFAULT_STACK_CAPTURE_RATE`].
pub fn set_stack_capture_rate(per_second: u32) {
    CAPTURE_BUDGET.set_rate(per_second);
}

/// Counters of the stack machinery since the process started.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StackStats {
    /// Stacks captured (each costs one unwind).
    pub captured: u64,
    /// Captures skipped because the budget ([`set_stack_capture_rate`]) was spent.
    pub skipped_budget: u64,
    /// Captured stacks not recorded because the table of distinct stacks was full
    /// ([`MAX_STACKS`](super::MAX_STACKS)).
    pub dropped_table_full: u64,
    /// Distinct stacks in the table.
    pub distinct: u64,
}

static CAPTURED: AtomicU64 = AtomicU64::new(0);
static SKIPPED_BUDGET: AtomicU64 = AtomicU64::new(0);

/// The stack machinery's counters (see [`StackStats`]).
pub fn stack_stats() -> StackStats {
    let (distinct, dropped) = table::counts();
    StackStats {
        captured: CAPTURED.load(Relaxed),
        skipped_budget: SKIPPED_BUDGET.load(Relaxed),
        dropped_table_full: dropped,
        distinct,
    }
}

/// Captures the calling thread's stack if capture is on and the budget allows, and returns its
/// id (0: not captured). `now` is the current lockprof time, for the budget.
///
/// Must not be called while the caller holds the lock the stack is about: a capture
/// costs microseconds.
#[cold]
#[inline(never)]
pub(crate) fn capture(now: u64) -> StackId {
    if !stack_capture() {
        return 0;
    }
    if !CAPTURE_BUDGET.take(now) {
        SKIPPED_BUDGET.fetch_add(1, Relaxed);
        return 0;
    }
    capture_unbudgeted()
}

/// [`capture`] outside the budget, for a summary's drawn stack: each stands for much of the
/// summary's time, and the recorder bounds how many a summary draws.
#[cold]
#[inline(never)]
pub(crate) fn capture_drawn() -> StackId {
    if !stack_capture() {
        return 0;
    }
    capture_unbudgeted()
}

fn capture_unbudgeted() -> StackId {
    CAPTURED.fetch_add(1, Relaxed);
    let mut ips = [0usize; MAX_STACK_FRAMES + 1];
    let mut n = 0;
    trace(|ip| {
        // The outermost frame of a thread can report a null return address.
        if ip != 0 {
            ips[n] = ip;
            n += 1;
        }
        n < ips.len()
    });
    let truncated = n > MAX_STACK_FRAMES;
    table::intern(&ips[..n.min(MAX_STACK_FRAMES)], truncated)
}

/// Walks the calling thread's stack, leaf first, handing each instruction pointer to `f` until it
/// returns `false`.
#[inline(always)]
fn trace(mut f: impl FnMut(usize) -> bool) {
    let cb = |frame: &backtrace::Frame| f(frame.ip() as usize);
    #[cfg(unix)]
    // SAFETY: `trace_unsynchronized` is unsafe because some platforms' unwinders are not
    // thread-safe (Windows' dbghelp). On Unix it is `_Unwind_Backtrace`, which is: it only reads
    // this thread's stack and the loaded objects' unwind tables (under the loader's own lock).
    // The callback does not panic and does not re-enter the unwinder.
    unsafe {
        backtrace::trace_unsynchronized(cb)
    };
    #[cfg(not(unix))]
    backtrace::trace(cb);
}
