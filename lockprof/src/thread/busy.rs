//! Whether lockprof itself is at work on this thread, and whether the recorder has anything to
//! emit.

use super::state::FAST;

/// Runs `f` with this thread marked busy, unless it already is (then returns `None`): lockprof's
/// own recording must not recurse through a subscriber that takes a profiled lock.
pub(crate) fn while_busy<R>(f: impl FnOnce() -> R) -> Option<R> {
    let entered = FAST.try_with(|t| !t.busy.replace(true)).unwrap_or(false);
    if !entered {
        return None;
    }
    struct Exit;
    impl Drop for Exit {
        fn drop(&mut self) {
            let _ = FAST.try_with(|t| t.busy.set(false));
        }
    }
    let _exit = Exit;
    Some(f())
}

/// Whether the recorder has nothing to emit at `now` (see `FastThread::quiet_until_ns`).
#[inline]
pub(crate) fn is_quiet(now: u64) -> bool {
    FAST.try_with(|t| now < t.quiet_until_ns.get())
        .unwrap_or(false)
}

/// Notes until when the recorder has nothing to emit (0: it may have now).
pub(crate) fn set_quiet_until(until_ns: u64) {
    let _ = FAST.try_with(|t| t.quiet_until_ns.set(until_ns));
}

/// Whether lockprof is recording or emitting on this thread right now.
pub(crate) fn is_busy() -> bool {
    FAST.try_with(|t| t.busy.get()).unwrap_or(true)
}
