//! One hold of an async lock, from its acquisition to its release: what a guard or permit
//! carries (a plain `Copy` value, since the guard moves between threads and tasks), and the
//! release that measures it, records it and the wait that began it, and emits their events.
//!
//! The sync locks keep this state in thread-locals until the release (`acquire::release`); an
//! async hold cannot: its task may be polled on another worker by then, and other tasks take
//! locks on this thread meanwhile. The measurement is the sync locks' own, without their storm
//! sampling: an async hand-off wakes and schedules a task, microseconds that dwarf a clock
//! reading, so every release with waiters is measured and blame is exact hold by hold.

use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;

use super::task_label;
use crate::emit::HoldFields;
use crate::hold_mark::LONG_WAIT_NS;
use crate::meta::LockMeta;
use crate::task::Task;
use crate::thread::{self, SiteKey};
use crate::{Mode, acquire, clock, config, recorder, stacks};

/// A hold: where and how it was acquired, whether and since when it is timed, and the wait
/// that began it, to record at the release (outside the hold).
#[derive(Clone, Copy, Debug)]
pub(super) struct Hold {
    pub(super) site: &'static Location<'static>,
    pub(super) mode: Mode,
    /// When the hold began; 0 when it is not timed.
    pub(super) start_ns: u64,
    /// W of the lock's waiting integral when the timed hold began, to charge it its own blame.
    pub(super) integral: Option<u64>,
    /// The sample's weight (`config::hold_sample_interval`); 0 when it is not the sample.
    pub(super) weight: u32,
    /// The task, known when the hold began with a wait; else named at the release.
    pub(super) task: Task,
    /// The wait that began it, if it had to wait.
    pub(super) wait: Option<EndedWait>,
}

/// A wait that ended with the lock, recorded once the hold it began is released.
#[derive(Clone, Copy, Debug)]
pub(super) struct EndedWait {
    pub(super) start: u64,
    pub(super) end: u64,
    /// lockprof id of the thread that last acquired the lock when the wait began (0: unknown).
    pub(super) holder: u64,
}

impl Hold {
    /// A hold that is not timed (nothing to measure at its release unless others wait).
    #[inline(always)]
    pub(super) fn untimed(site: &'static Location<'static>, mode: Mode) -> Hold {
        Hold {
            site,
            mode,
            start_ns: 0,
            integral: None,
            weight: 0,
            task: Task::None,
            wait: None,
        }
    }

    /// Releases the hold with `unlock`; measures and records it first if it was timed, began
    /// with a wait, or others are waiting (or their waiting is uncharged).
    #[inline]
    pub(super) fn release(self, meta: &LockMeta, unlock: impl FnOnce()) {
        if self.start_ns == 0 && self.wait.is_none() && !meta.has_waiters() {
            unlock();
            return;
        }
        self.release_slow(meta, unlock);
    }

    /// Ends the hold without giving anything back to the lock (a permit forgotten or merged
    /// into another): measured and recorded as a release.
    pub(super) fn end(self, meta: &LockMeta) {
        self.release(meta, || {});
    }

    #[cold]
    #[inline(never)]
    fn release_slow(self, meta: &LockMeta, unlock: impl FnOnce()) {
        let recording = acquire::recording();
        // Measured while the lock is still held, so that the next holder cannot take this
        // hold's waiting for its own (see `acquire::release`).
        let measured = recording.then(|| {
            let now = clock::now_ns();
            (now, self.measure(meta, now))
        });
        unlock();
        let Some((now, hold)) = measured else {
            return;
        };
        register_this_thread();
        let blamed = meta.blamed.load(Relaxed);
        let task = match self.task {
            Task::None => task_label::current(),
            task => task,
        };
        let site = SiteKey::new(self.site, self.mode);
        if let Some(wait) = self.wait {
            record_wait(meta, site, wait, task, false);
        }
        if let Some(mut hold) = hold {
            if hold.blame_ns > 0 && recorder::is_event_sized(&hold) {
                hold.stack = holder_stack(meta, now);
            }
            recorder::on_task_hold(meta, site, hold, task);
        }
        recorder::after_release(meta, now, blamed);
    }

    /// The hold's figures at its release at `now`, still holding, if there is anything to say
    /// about it: the sync locks' `measure` without storms. A timed hold is charged from W at
    /// its start; an untimed one from the last measured release, which, with every release that
    /// others waited for measured, is where it began, or before it while a permit's holders
    /// overlap (their waiters' waiting is then charged to the holder that releases first, as a
    /// reader's in `RwLock`).
    fn measure(&self, meta: &LockMeta, now: u64) -> Option<HoldFields> {
        let for_waiters = meta.has_waiters();
        // A timed hold that made nobody wait is reported only as the sample, which stands for
        // it (as the sync locks': reporting it too would count it twice).
        if !for_waiters && self.weight == 0 {
            return None;
        }
        let waiters = meta.integral.waiters();
        let (blame_ns, unattributed_ns) = match self.integral {
            Some(start) => meta.integral.charge_hold(start, now),
            None if for_waiters => (meta.integral.charge(now), 0),
            None => (0, 0),
        };
        let (at_ns, exact, weight) = if self.start_ns != 0 {
            let weight = if self.weight != 0 {
                config::hold_sample_interval()
            } else {
                1
            };
            (self.start_ns, true, weight)
        } else if blame_ns + unattributed_ns > 0 {
            // Untimed, and others waited: it began before the first of them arrived, since a
            // hold that begins while others wait is timed (docs/EVENTS.md, `hold_exact`). Not
            // after the last measured release, as a sync mutex's: permits and read locks are
            // held together, and another holder's release says nothing of this one's start.
            (meta.integral.contention_since().min(now), false, 1)
        } else {
            (0, false, 0)
        };
        if for_waiters {
            meta.set_checkpoint();
            meta.set_last_release(now);
        }
        if weight == 0 {
            return None;
        }
        Some(HoldFields {
            hold_ns: now.saturating_sub(at_ns),
            blame_ns,
            blame_extra_ns: 0,
            unattributed_ns,
            waiters,
            at_ns,
            weight: u64::from(weight),
            exact,
            sampled: self.weight != 0,
            stack: 0,
        })
    }
}

/// Records a wait of `task` for the lock, once the hold it began is released or, `gave_up`,
/// once it ended without the lock. A long wait's stack is captured here, outside the hold: an
/// async guard is nearly always released in the function that took it.
pub(super) fn record_wait(
    meta: &LockMeta,
    site: SiteKey,
    wait: EndedWait,
    task: Task,
    gave_up: bool,
) {
    let long = LONG_WAIT_NS.min(config::event_threshold_ns());
    let stack = if !gave_up && wait.end - wait.start >= long && stacks::stack_capture() {
        stacks::capture(wait.end)
    } else {
        0
    };
    let wait = thread::Wait {
        lock: meta.addr(),
        site,
        start: wait.start,
        end: wait.end,
        holder: wait.holder,
        unattributed_ns: 0,
        stack,
    };
    recorder::on_task_wait(meta, &wait, gave_up, task);
}

/// Gives the calling thread a recorder if it has none yet. A sync lock is released on the thread
/// that took it, which its acquisition registered; an async guard may be dropped, and a waiting
/// future dropped, on a worker that has never taken a profiled lock.
pub(super) fn register_this_thread() {
    if let Some(new) = thread::ensure_registered() {
        recorder::register_thread(new);
    }
}

/// The stack of a hold that made others wait, ended at `now` and released, published in the lock
/// for its waiters to pair with (as `acquire::release`'s `holder_stack`).
#[cold]
#[inline(never)]
fn holder_stack(meta: &LockMeta, now: u64) -> stacks::StackId {
    let stack = if stacks::stack_capture() {
        stacks::capture(now)
    } else {
        0
    };
    if stack != 0 {
        let word = stacks::pack_blamed(stack, thread::id_if_registered(), now);
        meta.blamed.store(word, Relaxed);
    }
    stack
}
