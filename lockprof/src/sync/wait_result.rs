//! std's own [`WaitTimeoutResult`], so that code naming `std::sync::WaitTimeoutResult` keeps
//! compiling against `lockprof::sync::Condvar`.
//!
//! std gives the type no public constructor, only the values its condition variable returns.
//! Its `wait_timeout_while` returns both without sleeping or waiting for anyone: not timed out
//! when the condition is already false, timed out when the condition holds and no time was
//! given. Each is taken once per process, from a `std::sync::Condvar` nobody else can reach, and
//! copied afterwards (the type is `Copy`).

use std::sync::{Condvar, Mutex, OnceLock, WaitTimeoutResult};
use std::time::Duration;

/// A [`WaitTimeoutResult`] whose `timed_out()` is `timed_out`.
pub(super) fn wait_result(timed_out: bool) -> WaitTimeoutResult {
    static RESULTS: OnceLock<[WaitTimeoutResult; 2]> = OnceLock::new();
    RESULTS.get_or_init(|| [from_std(false), from_std(true)])[usize::from(timed_out)]
}

/// Asks std's own condition variable for each value.
#[cold]
fn from_std(timed_out: bool) -> WaitTimeoutResult {
    let mutex = Mutex::new(());
    let condvar = Condvar::new();
    // Nothing else can notify or poison these: the lock and the wait cannot fail, and with no
    // time to wait std's loop returns as soon as its clock has moved.
    let guard = mutex.lock().unwrap_or_else(|e| e.into_inner());
    let (_guard, result) = condvar
        .wait_timeout_while(guard, Duration::ZERO, |_| timed_out)
        .unwrap_or_else(|e| e.into_inner());
    debug_assert_eq!(result.timed_out(), timed_out);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_values_are_std_s() {
        assert!(!wait_result(false).timed_out());
        assert!(wait_result(true).timed_out());
        assert_eq!(
            format!("{:?}", wait_result(true)),
            "WaitTimeoutResult(true)"
        );
    }
}
