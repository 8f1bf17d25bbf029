//! Every thread's recorder in one registry, and the sweeps that collect them: a thread that
//! records nothing now still has summaries to send, and one that has exited has handed over the
//! rest of what it recorded (see [`super::this_thread`]) for a sweep to emit. About once per
//! `config::FLUSH_INTERVAL_NS` a thread that flushes its own summaries also sweeps the others;
//! [`crate::flush`] sweeps every thread, pending events included.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use super::per_thread::ThreadRecord;
use super::this_thread;
use crate::config;

/// Every thread's recorder, alive or exited and not yet swept.
static RECORDS: Mutex<Vec<Arc<ThreadRecord>>> = Mutex::new(Vec::new());

/// When the last periodic sweep of every thread was.
static LAST_SWEEP_NS: AtomicU64 = AtomicU64::new(0);

/// Adds a new thread's recorder to the sweeps.
pub(super) fn register(record: Arc<ThreadRecord>) {
    RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(record);
}

/// Whether a periodic sweep is due at `now`; if so, the caller is the one to do it.
pub(super) fn is_due(now: u64) -> bool {
    let last = LAST_SWEEP_NS.load(Relaxed);
    now.saturating_sub(last) >= config::FLUSH_INTERVAL_NS
        && LAST_SWEEP_NS
            .compare_exchange(last, now, Relaxed, Relaxed)
            .is_ok()
}

/// Collects and emits every registered thread's summaries; on `flush`, this thread's and every
/// thread's pending events too, else only those of threads that have exited (a live thread
/// emits its own after the lock's release, with its span context) and not this thread's own
/// recorder (its caller has just flushed it). Forgets the exited threads it swept.
pub(super) fn sweep(now: u64, flush: bool) {
    let me = this_thread::record();
    let mut gone = Vec::new();
    for record in all() {
        if !flush && me.as_ref().is_some_and(|me| Arc::ptr_eq(me, &record)) {
            continue;
        }
        let taken = this_thread::with_record(&record, |r| {
            let exited = r.thread_exited();
            r.is_swept().then(|| (r.take(now, flush || exited), exited))
        });
        let Some((batch, exited)) = taken.flatten() else {
            continue;
        };
        if exited {
            gone.push(record);
        }
        batch.emit();
    }
    remove(&gone);
}

fn all() -> Vec<Arc<ThreadRecord>> {
    RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Forgets records of exited threads that have been swept since they exited.
fn remove(gone: &[Arc<ThreadRecord>]) {
    if gone.is_empty() {
        return;
    }
    RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|record| !gone.iter().any(|g| Arc::ptr_eq(g, record)));
}
