//! The guard that completes the trace when the program is done with it.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;
use std::thread::JoinHandle;
use std::time::Duration;

use super::shared::{Msg, Shared};

/// Keeps the trace writer running; dropping it writes the queued events, the drop count and the
/// end marker, and closes the trace. Its flush emits every thread's records through the calling
/// thread's subscriber, or, on a thread that has none (the Layer installed with
/// `tracing::dispatcher::with_default` on other threads), through the Layer's own dispatcher
/// while that lives.
///
/// Waiting is bounded by the builder's shutdown timeout (5 s by default): a stuck output cannot
/// hang the program, at the cost of an incomplete trace. If the output fails instead, the events
/// it did not take are counted lost, and since the trace cannot hold the count, one line on
/// stderr gives the number of events lost in all. Dropping never panics.
#[must_use = "dropping the guard immediately closes the trace; keep it alive until the program ends"]
pub struct FlushGuard {
    inner: Option<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    /// Used only to wake the writer thread early; the guard's copy also keeps the thread alive
    /// after the subscriber is dropped, until the guard itself goes.
    wake: SyncSender<Msg>,
    handle: Option<JoinHandle<()>>,
    timeout: Duration,
}

impl fmt::Debug for FlushGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlushGuard")
            .field("active", &self.inner.is_some())
            .field("dropped_events", &self.dropped_events())
            .finish()
    }
}

impl FlushGuard {
    pub(crate) fn new(
        shared: Arc<Shared>,
        wake: SyncSender<Msg>,
        handle: JoinHandle<()>,
        timeout: Duration,
    ) -> Self {
        FlushGuard {
            inner: Some(Inner {
                shared,
                wake,
                handle: Some(handle),
                timeout,
            }),
        }
    }

    /// A guard with no writer behind it (what [`init`](super::init::init) returns when it could not
    /// install the subscriber).
    pub(crate) fn inactive() -> Self {
        FlushGuard { inner: None }
    }

    /// Emits every thread's pending summaries ([`crate::flush`]) and waits (up to the shutdown
    /// timeout) until everything queued so far is written and the output flushed.
    pub fn flush(&self) {
        let Some(inner) = &self.inner else {
            crate::flush();
            return;
        };
        inner.shared.flush_recorded();
        let ticket = inner.shared.flush_requested.fetch_add(1, Ordering::AcqRel) + 1;
        inner.wake();
        inner
            .shared
            .wait_for(inner.timeout, |p| p.flushed >= ticket);
    }

    /// Events lost so far: the queue was full, the output failed, or an event was malformed.
    /// The trace records them too, as `Dropped` records. Events written but still buffered when
    /// the output fails are not lost yet: they go out if it recovers, and are counted when the
    /// trace is closed if it does not.
    pub fn dropped_events(&self) -> u64 {
        self.inner
            .as_ref()
            .map_or(0, |inner| inner.shared.dropped.load(Ordering::Relaxed))
    }
}

impl Inner {
    /// Gets the writer thread to look at the shared flags now, whether it is napping between
    /// polls (unpark) or blocked on the channel (a `Wake` message; if the queue is full the
    /// thread is busy and sees the flags soon anyway).
    fn wake(&self) {
        if let Some(handle) = &self.handle {
            handle.thread().unpark();
        }
        let _ = self.wake.try_send(Msg::Wake);
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        let Some(mut inner) = self.inner.take() else {
            return;
        };
        // Every thread's pending summaries go into the queue before the writer is told to finish.
        inner.shared.flush_recorded();
        inner.shared.finish.store(true, Ordering::Release);
        inner.wake();
        if inner.shared.wait_for(inner.timeout, |p| p.exited) {
            if let Some(handle) = inner.handle.take() {
                // The thread has already finished its work; a panic inside it (there should be
                // none) must not become a second panic here.
                let _ = handle.join();
            }
        } else {
            eprintln!(
                "lockprof: the trace writer did not finish within {:?}; the trace may be incomplete",
                inner.timeout
            );
        }
    }
}
