//! The calling thread's recorder, found through a thread-local, and the guard that keeps a thread
//! from entering a recorder twice: a profiled lock taken while lockprof holds a recorder's lock
//! on this thread (by an allocator, say) must not try to lock its own recorder again.
//!
//! A thread that exits hands its recorder over: it only folds its counters into it (nothing is
//! emitted from a thread-local destructor), and the next sweep emits the rest.

use std::cell::{Cell, OnceCell};
use std::sync::Arc;

use super::per_thread::{Recorder, ThreadRecord};

/// This thread's recorder, and whether this thread holds a recorder's lock now (its own, or
/// another's while collecting it).
struct Local {
    record: OnceCell<Arc<ThreadRecord>>,
    inside: Cell<bool>,
    /// Set by [`leave_out_of_sweeps`] for the recorder to come.
    not_swept: Cell<bool>,
}

impl Drop for Local {
    fn drop(&mut self) {
        // The thread is exiting: its counts and pending events must still reach the trace, but
        // not from here. Other thread-locals (a fmt layer's buffers) may already be gone, and a
        // subscriber that touches one would panic inside a thread-local destructor, which
        // aborts the process. The next sweep on any thread, or the FlushGuard, emits them.
        if let Some(record) = self.record.get() {
            record.exit();
        }
    }
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            record: OnceCell::new(),
            inside: Cell::new(false),
            not_swept: Cell::new(false),
        }
    };
}

/// Clears `Local::inside` when dropped.
struct Outside<'a>(&'a Local);

impl Drop for Outside<'_> {
    fn drop(&mut self) {
        self.0.inside.set(false);
    }
}

/// Runs `f` on this thread's recorder, unless lockprof is already inside a recorder on this thread
/// (a subscriber or allocator that takes a profiled lock), the thread is not registered or it is
/// exiting.
#[inline(always)]
pub(super) fn with_recorder<R>(f: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
    LOCAL
        .try_with(|local| {
            let record = local.record.get()?;
            if local.inside.replace(true) {
                return None;
            }
            let _outside = Outside(local);
            Some(f(&mut record.lock()))
        })
        .ok()
        .flatten()
}

/// Runs `f` on another thread's recorder (or this thread's), marking this thread inside.
pub(super) fn with_record<R>(
    record: &ThreadRecord,
    f: impl FnOnce(&mut Recorder) -> R,
) -> Option<R> {
    let mut f = Some(f);
    let entered = LOCAL.try_with(|local| {
        if local.inside.replace(true) {
            return None;
        }
        let _outside = Outside(local);
        f.take().map(|f| f(&mut record.lock()))
    });
    match entered {
        Ok(result) => result,
        // This thread's thread-locals are gone (a flush from a thread-local destructor): it has
        // no recorder of its own to lock again.
        Err(_) => f.take().map(|f| f(&mut record.lock())),
    }
}

/// This thread's recorder, if it has one.
pub(super) fn record() -> Option<Arc<ThreadRecord>> {
    LOCAL
        .try_with(|local| local.record.get().cloned())
        .ok()
        .flatten()
}

/// Gives this thread the recorder `new(swept)` makes, `swept` saying whether sweeps are to
/// collect it; returns it, or `None` if the thread has one already or its thread-locals are gone.
pub(super) fn set_record(new: impl FnOnce(bool) -> Recorder) -> Option<Arc<ThreadRecord>> {
    LOCAL
        .try_with(|local| {
            let record = Arc::new(ThreadRecord::new(new(!local.not_swept.get())));
            local.record.set(Arc::clone(&record)).ok()?;
            Some(record)
        })
        .ok()
        .flatten()
}

/// Makes the recorder this thread is yet to get one that sweeps leave alone.
#[cfg(feature = "subscriber")]
pub(super) fn leave_out_of_sweeps() {
    let _ = LOCAL.try_with(|local| local.not_swept.set(true));
}
