//! The bookkeeping of an async acquisition. One that did not wait is counted in its thread's
//! counter slots, as a sync lock's is, and timed only if the lock is hot, others are waiting, or
//! it is the thread's sampled hold. One that waits is timed from the first poll that found the
//! lock taken, registered in the lock's waiting integral, and, if its future is dropped before
//! it has the lock, recorded as a wait that gave up.

use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;

use super::block_on::{block_on, forbid_in_runtime};
use super::hold::{self, EndedWait, Hold};
use super::task_label;
use crate::integral::WaitTicket;
use crate::meta::LockMeta;
use crate::task::Task;
use crate::thread::{self, Sampled, SiteKey};
use crate::{Mode, acquire, clock, config, recorder};

/// Bookkeeping after an acquisition that did not wait: count it, note the holder, and decide
/// whether to time the hold. No clock read unless the hold is timed: the sync fast path's
/// rules (`acquire::acquired`), without storms.
#[inline(always)]
pub(super) fn acquired(meta: &LockMeta, site: &'static Location<'static>, mode: Mode) -> Hold {
    if !config::is_enabled() {
        return Hold::untimed(site, mode);
    }
    let key = SiteKey::new(site, mode);
    // A reader that got in finds no writer waiting (tokio's queue is fair), as with `RwLock`.
    if mode != Mode::Shared && (meta.is_hot() || meta.integral.has_live_waiters()) {
        return acquired_timed(meta, site, key);
    }
    let lock_id = meta.id_if_assigned();
    if lock_id != 0 && thread::count_fast(meta, lock_id, key) {
        return Hold::untimed(site, mode);
    }
    acquired_slow(meta, site, key)
}

/// The first acquisition of a thread or of a (lock, site) in a while, or the sampled hold.
#[cold]
#[inline(never)]
fn acquired_slow(meta: &LockMeta, site: &'static Location<'static>, key: SiteKey) -> Hold {
    match acquire::count_acquisition(meta, key) {
        Sampled::Yes { weight } if acquire::recording() => timed_from_here(meta, site, key, weight),
        _ => Hold::untimed(site, key.parts().1),
    }
}

/// The lock saw a long wait recently, or others are waiting now: this hold is timed, so the
/// holds that make others wait have exact lengths.
#[cold]
#[inline(never)]
fn acquired_timed(meta: &LockMeta, site: &'static Location<'static>, key: SiteKey) -> Hold {
    let hot = meta.hot.load(Relaxed);
    if hot != 0 {
        meta.hot.store(hot - 1, Relaxed);
    }
    let sampled = acquire::count_acquisition(meta, key);
    if !acquire::recording() {
        return Hold::untimed(site, key.parts().1);
    }
    timed_from_here(meta, site, key, sampled.weight())
}

/// A hold timed from now, charged from W now at its release (its own blame only).
fn timed_from_here(
    meta: &LockMeta,
    site: &'static Location<'static>,
    key: SiteKey,
    weight: u32,
) -> Hold {
    let now = clock::now_ns();
    Hold {
        start_ns: now,
        integral: Some(meta.integral.integral_at(now)),
        weight,
        ..Hold::untimed(site, key.parts().1)
    }
}

/// A contended acquisition in progress: begun when an attempt found the lock taken, ended by
/// [`Waiting::acquired`], or by its drop if the lock never came (the future was dropped, or a
/// semaphore closed): a wait that gave up, recorded at once since nothing is held.
#[derive(Debug)]
pub(super) struct Waiting<'a> {
    meta: &'a LockMeta,
    site: &'static Location<'static>,
    mode: Mode,
    /// `None` when not recording: the wait is not timed, only its acquisition counted.
    timed: Option<Timed>,
}

#[derive(Debug)]
struct Timed {
    start: u64,
    ticket: WaitTicket,
    holder: u64,
    task: Task,
}

impl<'a> Waiting<'a> {
    /// The first attempt failed: the wait begins now, in the caller's task.
    #[cold]
    #[inline(never)]
    pub(super) fn begin(meta: &'a LockMeta, site: &'static Location<'static>, mode: Mode) -> Self {
        let timed = acquire::recording().then(|| {
            let start = clock::now_ns();
            hold::register_this_thread();
            let holder = match meta.holder.load(Relaxed) {
                // This thread acquired last: another task on it may hold the lock, but which
                // thread holds it now is not known.
                own if own == thread::id_if_registered() => 0,
                holder => holder,
            };
            Timed {
                start,
                ticket: meta.integral.begin_wait(start),
                holder,
                // Named where the caller waits, in its own task and spans.
                task: task_label::current(),
            }
        });
        Waiting {
            meta,
            site,
            mode,
            timed,
        }
    }

    /// The wait ended with the lock: the hold begins, timed, with the wait to record at its
    /// release.
    pub(super) fn acquired(mut self) -> Hold {
        let Some(timed) = self.timed.take() else {
            return acquired(self.meta, self.site, self.mode);
        };
        let meta = self.meta;
        let end = clock::now_ns();
        let integral = meta
            .integral
            .end_wait(timed.ticket, end)
            .unwrap_or_else(|| meta.integral.integral_at(end));
        meta.holder.store(thread::id_if_registered(), Relaxed);
        if end - timed.start >= config::event_threshold_ns() {
            meta.make_hot();
        }
        Hold {
            start_ns: end,
            integral: Some(integral),
            task: timed.task,
            wait: Some(EndedWait {
                start: timed.start,
                end,
                holder: timed.holder,
            }),
            ..Hold::untimed(self.site, self.mode)
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(timed) = self.timed.take() else {
            return;
        };
        let end = clock::now_ns();
        self.meta.integral.end_wait(timed.ticket, end);
        hold::register_this_thread();
        let wait = EndedWait {
            start: timed.start,
            end,
            holder: timed.holder,
        };
        let site = SiteKey::new(self.site, self.mode);
        hold::record_wait(self.meta, site, wait, timed.task, true);
        recorder::after_release(self.meta, end, self.meta.blamed.load(Relaxed));
    }
}

/// Takes `permits` of a lock's semaphore if they are free now (the caller's guard gives them
/// back), and begins the hold; `None` when they are not.
#[inline(always)]
pub(super) fn try_lock(
    meta: &LockMeta,
    sem: &tokio::sync::Semaphore,
    permits: u32,
    site: &'static Location<'static>,
    mode: Mode,
) -> Option<Hold> {
    let permit = sem.try_acquire_many(permits).ok()?;
    permit.forget();
    Some(acquired(meta, site, mode))
}

/// Takes `permits` of a lock's semaphore, waiting in its queue if need be, and begins the hold.
pub(super) async fn lock(
    meta: &LockMeta,
    sem: &tokio::sync::Semaphore,
    permits: u32,
    site: &'static Location<'static>,
    mode: Mode,
) -> Hold {
    match try_lock(meta, sem, permits, site, mode) {
        Some(hold) => hold,
        None => match wait_for(meta, sem, permits, site, mode).await {
            Ok(hold) => hold,
            Err(_) => unreachable!("a lock's semaphore is never closed"),
        },
    }
}

/// [`lock`] from synchronous code, blocking the thread.
///
/// # Panics
///
/// Inside an asynchronous execution context, as tokio's `blocking_lock`.
#[track_caller]
pub(super) fn blocking_lock(
    meta: &LockMeta,
    sem: &tokio::sync::Semaphore,
    permits: u32,
    site: &'static Location<'static>,
    mode: Mode,
) -> Hold {
    forbid_in_runtime();
    match try_lock(meta, sem, permits, site, mode) {
        Some(hold) => hold,
        None => block_on(lock(meta, sem, permits, site, mode)),
    }
}

/// The contended path of every async lock: the wait for `permits` of the lock's semaphore,
/// timed and registered, whose future is the caller's (so dropping it drops the wait, which
/// then records that it gave up). `Err` when the semaphore was closed meanwhile (a
/// [`Semaphore`](super::Semaphore)'s; a lock's never is).
pub(super) async fn wait_for(
    meta: &LockMeta,
    sem: &tokio::sync::Semaphore,
    permits: u32,
    site: &'static Location<'static>,
    mode: Mode,
) -> Result<Hold, tokio::sync::AcquireError> {
    let waiting = Waiting::begin(meta, site, mode);
    sem.acquire_many(permits).await?.forget();
    Ok(waiting.acquired())
}
