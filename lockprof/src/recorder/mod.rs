//! Per-thread recording off the fast path: exact counts per (lock, site), histograms of waits and
//! holds too short to be events, and events waiting for their lock's release. These are the entry
//! points the rest of the crate calls; each runs on the calling thread's recorder.
//!
//! Events about a wait or a hold are emitted by the thread that waited or held, after it released
//! the lock: the wait is noted here while the thread is inside the critical section and emitted by
//! [`after_release`].
//!
//! Each thread's recorder is shared, so that any thread can collect it: summaries are flushed
//! about once per `FLUSH_INTERVAL_NS`, by the thread itself or by another thread's periodic sweep
//! of every registered thread, and by [`crate::flush`], which sweeps them all. A thread that
//! exits only folds its counters into its recorder (nothing is emitted from a thread-local
//! destructor); the next sweep emits the rest and forgets it.
//!
//! - [`per_thread`]: one thread's recorder, and what recording a wait or a hold does to it;
//! - [`policy`]: which waits and holds are events, and which go into the summary;
//! - [`summary`]: the statistics per (lock, site) that summaries are taken from;
//! - [`counts`]: the fast path's counter slots, brought into those statistics;
//! - [`pending`]: events kept until their lock's release; [`subject`]: what they are about;
//! - [`batch`]: what is taken from a recorder to emit once its lock is let go;
//! - [`this_thread`]: the calling thread's recorder, and thread exit;
//! - [`sweep`]: the registry of every thread's recorder, and the sweeps that collect them.
//!
//! What a wait or a hold runs through across these files is `#[inline(always)]`, so that each
//! entry point here compiles into one function, as it would from one file: rustc compiles the
//! modules in separate units, and LLVM inlines only within a unit (a call at each step cost a
//! wait about a hundred instructions more, `scripts/instructions.py`).

mod batch;
mod counts;
mod histogram;
mod pending;
mod per_thread;
mod policy;
mod subject;
mod summary;
mod sweep;
mod this_thread;

use std::sync::atomic::Ordering::Relaxed;

use per_thread::Recorder;
pub(crate) use policy::is_event_sized;
use this_thread::with_recorder;

use crate::emit::HoldFields;
use crate::meta::LockMeta;
use crate::task::Task;
use crate::thread::{self, NewThread, SiteKey, Wait};
use crate::{clock, emit, stacks};

/// Gives the calling thread, new to lockprof, its recorder.
pub(crate) fn register_thread(thread: NewThread) {
    let NewThread { id, name } = thread;
    if let Some(record) = this_thread::set_record(|swept| Recorder::new(id, name, swept)) {
        record.lock().publish_quiet();
        sweep::register(record);
    }
}

#[cfg(feature = "subscriber")]
/// Marks the calling thread as lockprof's own trace writer, before it takes any profiled lock:
/// sweeps leave its recorder alone while it runs, and it flushes itself as threads did before
/// sweeps existed. A sweep makes it write, and writing may take a profiled lock of the program's
/// (a writer that locks its output): swept, it would give every sweep something new to collect,
/// and a quiet program's trace would grow at every flush.
pub(crate) fn flush_only_on_this_thread() {
    this_thread::leave_out_of_sweeps();
}

/// Gives this thread's counter slot `index` to (`meta`, `site`) with this acquisition counted,
/// after moving what it counted for its previous key into that key's stats. With the recorder
/// locked, so a collector sees the slot either before or after, never halfway.
pub(crate) fn claim_slot(index: usize, meta: &LockMeta, site: SiteKey) {
    with_recorder(|r| r.claim_slot(index, meta, site));
}

/// Makes sure (lock, site) has stats, so its counts can be summarised later.
#[allow(
    dead_code,
    reason = "an entry point for the acquire paths; slots use `claim_slot`"
)]
pub(crate) fn track(meta: &LockMeta, site: SiteKey) {
    with_recorder(|r| r.track(meta, site));
}

/// Adds `count` acquisitions of (lock, site) made outside the counter slots.
#[allow(
    dead_code,
    reason = "an entry point for the acquire paths; slots use `claim_slot`"
)]
pub(crate) fn add_acquisitions(lock_id: u64, site: SiteKey, count: u64) {
    with_recorder(|r| r.add_acquisitions((lock_id, site), count));
}

/// A wait that ended with the lock acquired, recorded (and the acquisition counted) after the
/// lock's release.
pub(crate) fn on_contended(meta: &LockMeta, wait: &Wait) {
    record_wait(meta, wait, false, true);
}

/// [`on_contended`] while the thread still holds the lock (its notes of waits to record after
/// the release are full): nothing slow, so no stack is captured for the summary's draw.
pub(crate) fn on_contended_holding(meta: &LockMeta, wait: &Wait) {
    record_wait(meta, wait, false, false);
}

/// A timed acquisition that gave up. The caller holds nothing of this lock, so the event goes out
/// now.
pub(crate) fn on_timeout(meta: &LockMeta, wait: &Wait) {
    record_wait(meta, wait, true, true);
    after_release(meta, wait.end, meta.blamed.load(Relaxed));
}

fn record_wait(meta: &LockMeta, wait: &Wait, timed_out: bool, may_capture: bool) {
    with_recorder(|r| r.record_wait(meta, wait, timed_out, may_capture, Task::None));
}

/// A wait of an async lock by `task`, once the lock is released (or, `timed_out`, once the
/// waiting future was dropped without the lock): the acquisition counted and the wait recorded
/// as [`on_contended`] does, keyed by the task as well.
#[cfg(feature = "tokio")]
pub(crate) fn on_task_wait(meta: &LockMeta, wait: &Wait, timed_out: bool, task: Task) {
    with_recorder(|r| r.record_wait(meta, wait, timed_out, true, task));
}

/// A measured hold of an async lock by `task`, after its release (see [`on_hold`]).
#[cfg(feature = "tokio")]
pub(crate) fn on_task_hold(meta: &LockMeta, site: SiteKey, hold: HoldFields, task: Task) {
    with_recorder(|r| r.record_hold(meta, site, hold, false, task));
}

/// A measured hold of `meta`, ended at `now`. Called after the raw unlock, or (for a condition
/// variable wait) while parked-to-be, when nothing may be emitted: then `defer` is set and the
/// event waits for the next release of the lock.
pub(crate) fn on_hold(meta: &LockMeta, site: SiteKey, hold: HoldFields, defer: bool) {
    with_recorder(|r| r.record_hold(meta, site, hold, defer, Task::None));
}

/// Emits what waited for the release of `meta` (its wait and hold events), and this thread's
/// summaries when they are due. Called after the raw unlock. `blamed` is the lock's published
/// holder stack as it was right after the unlock (`LockMeta::blamed`), for pairing the waits.
#[inline]
pub(crate) fn after_release(meta: &LockMeta, now: u64, blamed: u64) {
    // The common case under contention: nothing to emit.
    if !thread::is_quiet(now) {
        emit_after_release(meta, now, blamed);
    }
}

#[cold]
#[inline(never)]
fn emit_after_release(meta: &LockMeta, now: u64, blamed: u64) {
    // Released inside lockprof's own emission (a subscriber's lock), or on a thread without a
    // subscriber: nothing could be emitted now, so take nothing; the next release, a sweep or a
    // flush by a thread that has one emits it (`emit::subscriber_here`).
    if thread::is_busy() || !emit::subscriber_here() {
        return;
    }
    let lock_addr = std::ptr::from_ref(meta) as usize;
    let work = with_recorder(|r| r.take_released(lock_addr, now, blamed)).flatten();
    if let Some((batch, due)) = work {
        thread::while_busy(|| {
            batch.emit();
            // Periodic flushes also collect the other threads, idle or exited, once per
            // interval for the whole process.
            if due && sweep::is_due(now) {
                sweep::sweep(now, false);
            }
        });
    }
}

/// Emits every thread's summaries and pending events now (see [`crate::flush`]).
pub(crate) fn flush() {
    // A thread without a subscriber emits nothing (`emit::subscriber_here`): what is recorded
    // stays for one that has a subscriber.
    if !emit::subscriber_here() {
        batch::settle();
        return;
    }
    let now = clock::now_ns();
    thread::while_busy(|| {
        sweep::sweep(now, true);
        with_recorder(|r| r.publish_quiet());
        batch::settle();
        // Whatever stack definitions are still owed, resolved here if need be (see
        // `stacks::emit_owed`): a flush leaves nothing undefined.
        let (name, id) = with_recorder(|r| r.thread()).unwrap_or_else(|| ("".into(), 0));
        stacks::emit_owed(&name, id, true);
    });
}
