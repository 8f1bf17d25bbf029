//! One thread's recorder: its statistics per (lock, site), the events it keeps until their
//! locks' releases, its reserves of events and what it has taken of the fast path's counts.
//! The thread records into it; it is shared ([`ThreadRecord`]) so that any thread can collect it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::batch::{Batch, InFlight};
use super::counts::SlotCounts;
use super::pending::Pending;
use super::policy::{HoldGoes, Reserves};
use super::subject::OwnedSubject;
use super::summary::{Key, Stats, Summaries};
use crate::emit::HoldFields;
use crate::meta::LockMeta;
use crate::task::Task;
use crate::thread::{self, SiteKey, Wait};
use crate::{clock, config, emit, stacks};

/// One thread's recorder (see the module documentation).
#[derive(Debug)]
pub(super) struct Recorder {
    thread_id: u64,
    thread_name: Arc<str>,
    stats: Stats,
    pending: Vec<Pending>,
    last_flush_ns: u64,
    reserves: Reserves,
    counts: SlotCounts,
    /// Whether sweeps collect it while its thread is alive (see
    /// [`super::flush_only_on_this_thread`]).
    swept: bool,
}

impl Recorder {
    /// The calling thread's, lockprof's thread `thread_id`.
    pub(super) fn new(thread_id: u64, thread_name: Arc<str>, swept: bool) -> Recorder {
        Recorder {
            thread_id,
            thread_name,
            stats: Stats::new(),
            pending: Vec::new(),
            last_flush_ns: clock::now_ns(),
            reserves: Reserves::new(),
            counts: SlotCounts::of_this_thread(),
            swept,
        }
    }

    /// The thread's name and lockprof id.
    pub(super) fn thread(&self) -> (Arc<str>, u64) {
        (self.thread_name.clone(), self.thread_id)
    }

    /// Whether sweeps collect it: while its thread is alive, unless it flushes only itself, and
    /// once its thread has exited.
    pub(super) fn is_swept(&self) -> bool {
        self.swept || self.thread_exited()
    }

    pub(super) fn thread_exited(&self) -> bool {
        self.counts.thread_exited()
    }

    /// Counts the wait, and keeps it as an event if it is long enough and the budget allows, else
    /// in the summary histogram.
    #[inline(always)]
    pub(super) fn record_wait(
        &mut self,
        meta: &LockMeta,
        wait: &Wait,
        timed_out: bool,
        may_capture: bool,
        task: Task,
    ) {
        let wait_ns = wait.end - wait.start;
        // A wait that ended acquired took a stack if it is event-sized, budget permitting (see
        // `acquire::WaiterStack`); one that timed out takes none.
        let stackless = wait.stack == 0 && !timed_out && stacks::stack_capture();
        // A thread without a subscriber makes no events: they would wait here for a thread that
        // has one to flush them, without bound; its summary takes them (`emit::subscriber_here`).
        let as_event =
            self.reserves.wait_is_event(wait_ns, wait.end, stackless) && emit::subscriber_here();
        let stats = self.stats.entry(meta, wait.site, task);
        stats.count_wait(timed_out, wait.unattributed_ns);
        if !as_event {
            stats.add_wait(wait_ns, wait.stack, may_capture);
        } else {
            self.push(Pending::Wait {
                lock_addr: wait.lock,
                subject: OwnedSubject::of(meta, wait.site, task),
                holder_id: wait.holder,
                wait_ns,
                at_ns: wait.start,
                timed_out,
                stack: wait.stack,
                holder_stack: 0,
            });
        }
    }

    /// A measured hold: an event or part of the summary (see [`Reserves::place_hold`]).
    #[inline(always)]
    pub(super) fn record_hold(
        &mut self,
        meta: &LockMeta,
        site: SiteKey,
        hold: HoldFields,
        defer: bool,
        task: Task,
    ) {
        // Estimated and unattributed waiting never go into a hold event: the summary takes them.
        if hold.blame_extra_ns > 0 || hold.unattributed_ns > 0 {
            self.stats
                .entry(meta, site, task)
                .add_estimates(hold.blame_extra_ns, hold.unattributed_ns);
        }
        let goes = match self.reserves.place_hold(&hold, defer) {
            // As for waits: no events on a thread without a subscriber.
            HoldGoes::Event { weight } if !emit::subscriber_here() => HoldGoes::Summary {
                histogram_weight: Some(weight),
            },
            goes => goes,
        };
        match goes {
            HoldGoes::Event { weight } => self.push(Pending::Hold {
                lock_addr: std::ptr::from_ref(meta) as usize,
                subject: OwnedSubject::of(meta, site, task),
                fields: HoldFields { weight, ..hold },
            }),
            HoldGoes::Summary { histogram_weight } => {
                let stats = self.stats.entry(meta, site, task);
                stats.add_blame(hold.blame_ns, hold.blame_extra_ns, hold.stack, !defer);
                if let Some(weight) = histogram_weight {
                    stats.add_hold(hold.hold_ns, weight);
                }
            }
        }
    }

    /// Gives the thread's counter slot `index` to (`meta`, `site`) (see [`SlotCounts::claim`]).
    /// Only the recorder's own thread may call it.
    pub(super) fn claim_slot(&mut self, index: usize, meta: &LockMeta, site: SiteKey) {
        self.counts.claim(index, &mut self.stats, meta, site);
    }

    /// Makes sure (lock, site) has statistics, so its counts can be summarised later.
    pub(super) fn track(&mut self, meta: &LockMeta, site: SiteKey) {
        self.stats.entry(meta, site, Task::None);
    }

    /// Adds `count` acquisitions of `key` made outside the counter slots.
    pub(super) fn add_acquisitions(&mut self, key: Key, count: u64) {
        self.stats.add_acquisitions(key, count);
    }

    /// Tells the fast thread state until when releases have nothing to emit: the next flush, if
    /// no event is pending. Only the recorder's own thread may call it.
    pub(super) fn publish_quiet(&self) {
        let until = if self.pending.is_empty() {
            self.last_flush_ns.saturating_add(config::FLUSH_INTERVAL_NS)
        } else {
            0
        };
        thread::set_quiet_until(until);
    }

    fn push(&mut self, event: Pending) {
        self.pending.push(event);
        thread::set_quiet_until(0);
    }

    fn due_for_flush(&self, now: u64) -> bool {
        now.saturating_sub(self.last_flush_ns) >= config::FLUSH_INTERVAL_NS
    }

    /// What the release of the lock at `lock_addr` at `now` has to emit: the events waiting for
    /// it (their waits paired with `blamed`, the lock's published holder stack), and the
    /// summaries if they are due; with whether they were. `None` when there is nothing. Only the
    /// recorder's own thread may call it.
    #[inline]
    pub(super) fn take_released(
        &mut self,
        lock_addr: usize,
        now: u64,
        blamed: u64,
    ) -> Option<(Batch, bool)> {
        let due = self.due_for_flush(now);
        // Events pending for other locks only: leave before touching anything.
        if !due && !self.pending.iter().any(|p| p.lock_addr() == lock_addr) {
            return None;
        }
        let in_flight = InFlight::new();
        let mut ready = Vec::new();
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].lock_addr() == lock_addr {
                let mut event = self.pending.swap_remove(i);
                event.pair(blamed);
                ready.push(event);
            } else {
                i += 1;
            }
        }
        let summaries = if due {
            self.take_summaries(now)
        } else {
            Vec::new()
        };
        self.publish_quiet();
        let batch = Batch {
            thread_name: self.thread_name.clone(),
            thread_id: self.thread_id,
            pending: ready,
            summaries,
            in_flight,
        };
        Some((batch, due))
    }

    /// Everything there is to emit at `now`: the summaries, and the pending events too if
    /// `with_pending`. Counts as in flight until emitted (see [`super::batch::settle`]).
    pub(super) fn take(&mut self, now: u64, with_pending: bool) -> Batch {
        let in_flight = InFlight::new();
        let pending = if with_pending {
            std::mem::take(&mut self.pending)
        } else {
            Vec::new()
        };
        Batch {
            thread_name: self.thread_name.clone(),
            thread_id: self.thread_id,
            pending,
            summaries: self.take_summaries(now),
            in_flight,
        }
    }

    /// Moves the fast path's counts into the statistics and takes a summary of every active key.
    fn take_summaries(&mut self, now: u64) -> Summaries {
        self.last_flush_ns = now;
        let counting = self.counts.take(&mut self.stats);
        self.stats.take_summaries(now, &counting)
    }
}

/// One thread's recording state. The thread records into it; any thread may collect it.
#[derive(Debug)]
pub(super) struct ThreadRecord {
    recorder: Mutex<Recorder>,
}

impl ThreadRecord {
    pub(super) fn new(recorder: Recorder) -> ThreadRecord {
        ThreadRecord {
            recorder: Mutex::new(recorder),
        }
    }

    /// Never held while emitting, nor by two threads for long: the owner records a wait or a
    /// hold, a collector takes the summaries.
    pub(super) fn lock(&self) -> MutexGuard<'_, Recorder> {
        self.recorder.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The thread is exiting: what its counters hold goes into its stats, and the counters,
    /// which are about to go away, are forgotten. The next sweep emits the rest.
    pub(super) fn exit(&self) {
        let mut guard = self.lock();
        let r = &mut *guard;
        r.counts.take_last(&mut r.stats);
        let id = r.thread_id;
        drop(guard);
        thread::unregister(id);
    }
}
