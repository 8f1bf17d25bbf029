//! What a guard that gives its lock up for a while (`unlocked`, `bump`) relies on: it holds the
//! lock again before it is used or dropped, or the process aborts. A re-lock that unwound would
//! leave a guard standing for a lock it does not hold, whose drop would release another
//! thread's hold; lock_api's guards abort there too.

/// Aborts the process if dropped before [`disarm`](Self::disarm): a panic while unwinding is
/// an abort, and it is only ever dropped armed while unwinding.
pub(crate) struct AbortOnUnwind;

impl AbortOnUnwind {
    /// The step it guarded finished.
    #[inline(always)]
    pub(crate) fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        panic!("aborting: a guard's lock could not be taken back");
    }
}

/// Runs its closure, which takes the lock back for a guard, when dropped (aborting if that
/// unwinds), unless disarmed: so on return and on unwind alike, or, disarmed once nothing
/// unwound, on unwind only (the caller then takes the lock back itself, at its own site).
pub(crate) struct Relock<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Relock<F> {
    #[inline(always)]
    pub(crate) fn new(relock: F) -> Relock<F> {
        Relock(Some(relock))
    }

    /// Nothing unwound: the caller takes the lock back itself.
    #[cfg_attr(not(feature = "arc_lock"), allow(dead_code))] // the `Arc` guards' only
    #[inline(always)]
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl<F: FnOnce()> Drop for Relock<F> {
    fn drop(&mut self) {
        if let Some(relock) = self.0.take() {
            let bomb = AbortOnUnwind;
            relock();
            bomb.disarm();
        }
    }
}
