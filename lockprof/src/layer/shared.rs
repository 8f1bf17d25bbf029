//! What the Layer, the guard and the writer thread have in common: the message the channel
//! carries, and the state beside it (drop count, flush tickets, shutdown) that must be seen even
//! when the channel is full.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use super::visitor::EventMsg;

/// What travels through the channel.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "events travel inline on purpose: boxing them would allocate on the profiled thread"
)]
pub(crate) enum Msg {
    Event(EventMsg),
    /// Nothing to write: look at the shared flags (flush, finish) now rather than at the next tick.
    Wake,
}

/// State shared by the layer, the guard and the thread.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Events lost so far (channel full, writer gone, malformed, output failing, or left in the
    /// output's buffer when the trace is closed on a failing output).
    pub(crate) dropped: AtomicU64,
    /// Set by the guard: write what is queued, close the trace and exit.
    pub(crate) finish: AtomicBool,
    /// Flush tickets handed out; the thread answers every ticket up to this number.
    pub(crate) flush_requested: AtomicU64,
    /// Highest flush ticket answered, and whether the thread has exited.
    pub(crate) progress: Mutex<Progress>,
    pub(crate) progressed: Condvar,
    /// The dispatcher the Layer was registered in (the first, if several), for the guard to
    /// flush through from a thread that has no subscriber (see [`Shared::flush_recorded`]).
    pub(crate) dispatch: OnceLock<tracing_core::dispatcher::WeakDispatch>,
}

/// What the thread has done, for the guard to wait on.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub(crate) flushed: u64,
    pub(crate) exited: bool,
}

impl Shared {
    /// Emits every thread's records ([`crate::flush`]) through the calling thread's subscriber,
    /// or, on a thread that has none (the Layer installed with
    /// `tracing::dispatcher::with_default` on other threads), through the Layer's own
    /// dispatcher: a thread without a subscriber emits nothing (`emit::subscriber_here`).
    pub(crate) fn flush_recorded(&self) {
        let own = (!crate::emit::subscriber_here())
            .then(|| self.dispatch.get().and_then(|weak| weak.upgrade()))
            .flatten();
        match own {
            Some(dispatch) => tracing_core::dispatcher::with_default(&dispatch, crate::flush),
            None => crate::flush(),
        }
    }

    pub(crate) fn count_dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// Waits until `done(progress)` or the thread exits, for at most `timeout`. Returns whether
    /// `done` became true.
    pub(crate) fn wait_for(&self, timeout: Duration, done: impl Fn(&Progress) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut progress = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if done(&progress) {
                return true;
            }
            if progress.exited {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            progress = self
                .progressed
                .wait_timeout(progress, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Changes the progress and wakes whoever waits for it.
    pub(crate) fn update(&self, f: impl FnOnce(&mut Progress)) {
        f(&mut self.progress.lock().unwrap_or_else(PoisonError::into_inner));
        self.progressed.notify_all();
    }
}
