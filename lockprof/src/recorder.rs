//! Per-thread recording off the fast path: exact counts per (lock, site), histograms of waits and
//! holds too short to be events, and events waiting for their lock's release.
//!
//! Events about a wait or a hold are emitted by the thread that waited or held, after it released
//! the lock: the wait is noted here while the thread is inside the critical section and emitted by
//! [`after_release`].
//!
//! Each thread's recorder is shared (an `Arc` in a registry of threads), so that any thread can
//! collect it: summaries are flushed about once per `FLUSH_INTERVAL_NS`, by the thread itself or
//! by another thread's periodic sweep of every registered thread, and by [`crate::flush`], which
//! sweeps them all. A thread that exits only folds its counters into its recorder (nothing is
//! emitted from a thread-local destructor); the next sweep emits the rest and forgets it.

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2Serializer};

use crate::config;
use crate::emit::{self, HoldFields, Subject, SummaryFields, WaitFields};
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::rate_limit::RateLimit;
use crate::stacks::{self, StackId};
use crate::thread::{self, Counters, SLOTS, SiteKey, Wait};
use crate::{LockKind, clock};

type Key = (u64, SiteKey);

/// A multiply-rotate hasher for the recorder's small integer keys: SipHash's DoS resistance buys
/// nothing for lock ids and code addresses, and costs on every contended acquisition.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// Significant figures of the summary histograms (the reports quote 3).
const SIGFIGS: u8 = 3;

#[derive(Debug)]
struct SiteStats {
    lock: LockName,
    kind: LockKind,
    acquisitions: u64,
    contended: u64,
    timeouts: u64,
    waits: u64,
    wait_ns: u64,
    wait_hist: Option<Box<Histogram<u64>>>,
    holds: u64,
    hold_ns: u64,
    hold_hist: Option<Box<Histogram<u64>>>,
    blame_ns: u64,
    /// The part of `blame_ns` that is estimated.
    blame_estimated_ns: u64,
    /// Waiting on the lock, by any thread, that this thread passed over without charging it to a
    /// hold: a hand-off between two holds (no hold's doing), or in a storm the waiting during
    /// holds whose releases went unmeasured (which the samples estimate).
    unattributed_ns: u64,
    /// The stack of one of the waits in `wait_ns`, drawn in proportion to their lengths (see
    /// [`drawn`]; 0: none).
    wait_stack: StackId,
    /// The stack of one of the holds in `blame_ns`, drawn in proportion to their blame.
    blame_stack: StackId,
    /// Stacks captured for the two draws since the last summary (at most `MAX_DRAWS`).
    draws: u32,
}

impl SiteStats {
    fn new(lock: LockName, kind: LockKind) -> SiteStats {
        SiteStats {
            lock,
            kind,
            acquisitions: 0,
            contended: 0,
            timeouts: 0,
            waits: 0,
            wait_ns: 0,
            wait_hist: None,
            holds: 0,
            hold_ns: 0,
            hold_hist: None,
            blame_ns: 0,
            blame_estimated_ns: 0,
            unattributed_ns: 0,
            wait_stack: 0,
            blame_stack: 0,
            draws: 0,
        }
    }

    fn is_idle(&self) -> bool {
        self.acquisitions == 0
            && self.contended == 0
            && self.timeouts == 0
            && self.waits == 0
            && self.holds == 0
            && self.blame_ns == 0
            && self.unattributed_ns == 0
    }

    fn take_summary(&mut self, at_ns: u64) -> SummaryFields {
        let fields = SummaryFields {
            at_ns,
            acquisitions: self.acquisitions,
            contended: self.contended,
            timeouts: self.timeouts,
            waits: self.waits,
            wait_ns: self.wait_ns,
            wait_hist: encode(self.wait_hist.as_deref()),
            holds: self.holds,
            hold_ns: self.hold_ns,
            hold_hist: encode(self.hold_hist.as_deref()),
            blame_ns: self.blame_ns,
            blame_estimated_ns: self.blame_estimated_ns,
            unattributed_ns: self.unattributed_ns,
            wait_stack: self.wait_stack,
            blame_stack: self.blame_stack,
        };
        let (lock, kind) = (self.lock, self.kind);
        let (wait_hist, hold_hist) = (self.wait_hist.take(), self.hold_hist.take());
        *self = SiteStats::new(lock, kind);
        // Keep the allocations: a site that was busy once is likely busy again.
        self.wait_hist = wait_hist.map(|mut h| {
            h.reset();
            h
        });
        self.hold_hist = hold_hist.map(|mut h| {
            h.reset();
            h
        });
        fields
    }
}

fn record(hist: &mut Option<Box<Histogram<u64>>>, value: u64, count: u64) {
    let hist = hist.get_or_insert_with(|| {
        let mut h = Histogram::new(SIGFIGS).expect("3 significant figures is a valid precision");
        h.auto(true);
        Box::new(h)
    });
    let _ = hist.record_n(value.max(1), count);
}

/// Whether an item of weight `weight`, the last of a running total `total` (itself included),
/// replaces the one kept so far: a weighted reservoir of one, so that each item ends up kept with
/// a chance in proportion to its weight, and the kept one is replaced about ln(n) times for n
/// items of similar weights (a few stack captures a second where thousands of waits go by).
fn drawn(weight: u64, total: u64) -> bool {
    total != 0 && (u128::from(thread::random()) * u128::from(total)) >> 32 < u128::from(weight)
}

/// Stack captures a summary's draws may take (outside the stack budget): about 2 ln(n) are
/// expected for n waits and holds, so this bounds the cost without biasing the draw but for a
/// summary of billions.
const MAX_DRAWS: u32 = 64;

impl SiteStats {
    /// The stack for a draw: `known` if the wait or hold has one, else a capture while the
    /// summary's captures last (0: none).
    fn draw_stack(&mut self, known: StackId) -> StackId {
        if known != 0 || self.draws >= MAX_DRAWS {
            return known;
        }
        self.draws += 1;
        stacks::capture_drawn()
    }
}

/// Base64 of HdrHistogram's V2 serialization; empty when there is nothing to send.
fn encode(hist: Option<&Histogram<u64>>) -> String {
    let Some(hist) = hist.filter(|h| !h.is_empty()) else {
        return String::new();
    };
    let mut bytes = Vec::new();
    match V2Serializer::new().serialize(hist, &mut bytes) {
        Ok(_) => base64::engine::general_purpose::STANDARD.encode(bytes),
        Err(_) => String::new(),
    }
}

/// An event noted inside a critical section, emitted after the lock's release.
#[derive(Debug)]
enum Pending {
    Wait {
        lock_addr: usize,
        subject: OwnedSubject,
        holder_id: u64,
        wait_ns: u64,
        at_ns: u64,
        timed_out: bool,
        /// The waiter's stack (0: none).
        stack: StackId,
        /// The stack of the hold it waited for, once paired (0: not known).
        holder_stack: StackId,
    },
    Hold {
        lock_addr: usize,
        subject: OwnedSubject,
        fields: HoldFields,
    },
}

impl Pending {
    fn lock_addr(&self) -> usize {
        match self {
            Pending::Wait { lock_addr, .. } | Pending::Hold { lock_addr, .. } => *lock_addr,
        }
    }
}

/// A [`Subject`] minus the thread (always the recording thread).
#[derive(Clone, Copy, Debug)]
struct OwnedSubject {
    lock: LockName,
    lock_id: u64,
    kind: LockKind,
    site: SiteKey,
}

impl OwnedSubject {
    fn of(meta: &LockMeta, site: SiteKey) -> OwnedSubject {
        OwnedSubject {
            lock: meta.name,
            lock_id: meta.id(),
            kind: meta.kind,
            site,
        }
    }

    fn with_thread<'a>(&self, thread: &'a str, thread_id: u64) -> Subject<'a> {
        let (site, mode) = self.site.parts();
        Subject {
            lock: self.lock,
            lock_id: self.lock_id,
            kind: self.kind,
            mode,
            thread,
            thread_id,
            site,
        }
    }
}

#[derive(Debug)]
struct Recorder {
    thread_id: u64,
    thread_name: Arc<str>,
    stats: HashMap<Key, SiteStats, BuildHasherDefault<KeyHasher>>,
    pending: Vec<Pending>,
    last_flush_ns: u64,
    /// This thread's reserve of events ([`RESERVE_PER_SECOND`]), starting full.
    reserve: RateLimit,
    /// This thread's reserve of long events ([`LONG_EVENTS_PER_SECOND`]), starting full.
    long_reserve: RateLimit,
    /// The thread's fast-path counters, while it is alive (`None` once it has exited).
    counters: Option<Counters>,
    /// How much of each counter slot's count is already in `stats`.
    taken: [u64; SLOTS],
    /// Whether sweeps collect it while its thread is alive (see [`flush_only_on_this_thread`]).
    swept: bool,
}

/// Individual events a thread may emit per second even when the process-wide budget
/// (`config::set_event_rate_limit`) is spent: a storm of events from other threads cannot take
/// every event of a thread that waits or holds long only now and then.
const RESERVE_PER_SECOND: u32 = 100;

/// Waits and holds of this much waiting or more are what a profile is read for: a thread may emit
/// [`LONG_EVENTS_PER_SECOND`] of them when both budgets above are spent (a thread cannot wait a
/// millisecond more than a thousand times a second, so this bounds nothing a thread could do
/// with waits; it bounds holds that make hundreds of threads wait).
const LONG_EVENT_NS: u64 = 1_000_000;
const LONG_EVENTS_PER_SECOND: u32 = 1_000;

impl Recorder {
    fn new(thread_id: u64, thread_name: Arc<str>, counters: Option<Counters>) -> Recorder {
        Recorder {
            thread_id,
            thread_name,
            stats: HashMap::with_hasher(BuildHasherDefault::new()),
            pending: Vec::new(),
            last_flush_ns: clock::now_ns(),
            reserve: RateLimit::new(RESERVE_PER_SECOND),
            long_reserve: RateLimit::new(LONG_EVENTS_PER_SECOND),
            counters,
            taken: [0; SLOTS],
            swept: true,
        }
    }

    /// One individual event's worth at `now`: from the process-wide budget, else this thread's
    /// reserve.
    fn take_event(&mut self, now: u64, waiting_ns: u64) -> bool {
        config::take_event(now)
            || self.reserve.take(now)
            || waiting_ns >= LONG_EVENT_NS && self.long_reserve.take(now)
    }

    fn entry(&mut self, meta: &LockMeta, site: SiteKey) -> &mut SiteStats {
        self.stats
            .entry((meta.id(), site))
            .or_insert_with(|| SiteStats::new(meta.name, meta.kind))
    }

    fn due_for_flush(&self, now: u64) -> bool {
        now.saturating_sub(self.last_flush_ns) >= config::FLUSH_INTERVAL_NS
    }

    /// Tells the fast thread state until when releases have nothing to emit: the next flush, if
    /// no event is pending. Only the recorder's own thread may call it.
    fn publish_quiet(&self) {
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

    /// Moves what the fast path counted since the last look into the stats; returns the keys
    /// the counter slots hold now (their stats must stay, even idle: the slots keep counting
    /// into them).
    fn take_counts(&mut self) -> Vec<Key> {
        let Some(counters) = &self.counters else {
            return Vec::new();
        };
        let mut held = Vec::new();
        for index in 0..SLOTS {
            // SAFETY: `counters` is set only while its thread is alive: the thread clears it (in
            // `ThreadRecord::exit`, with this recorder locked, as it is now) before it is gone.
            let (lock, site, count) = unsafe { counters.read(index) };
            if lock == 0 {
                continue;
            }
            let new = count.saturating_sub(self.taken[index]);
            self.taken[index] = count;
            if new != 0
                && let Some(stats) = self.stats.get_mut(&(lock, site))
            {
                stats.acquisitions += new;
            }
            held.push((lock, site));
        }
        held
    }

    /// Everything there is to emit at `now`: the summaries, and the pending events too if
    /// `with_pending`. Counts as in flight until emitted (see [`in_flight::settle`]).
    fn take(&mut self, now: u64, with_pending: bool) -> Batch {
        let in_flight = in_flight::InFlight::new();
        let pending = if with_pending {
            std::mem::take(&mut self.pending)
        } else {
            Vec::new()
        };
        Batch {
            thread_name: self.thread_name.clone(),
            thread_id: self.thread_id,
            pending,
            summaries: collect_summaries(self, now),
            _in_flight: in_flight,
        }
    }
}

/// One thread's recording state. The thread records into it; any thread may collect it.
#[derive(Debug)]
struct ThreadRecord {
    recorder: Mutex<Recorder>,
}

impl ThreadRecord {
    /// Never held while emitting, nor by two threads for long: the owner records a wait or a
    /// hold, a collector takes the summaries.
    fn lock(&self) -> MutexGuard<'_, Recorder> {
        self.recorder.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The thread is exiting: what its counters hold goes into its stats, and the counters,
    /// which are about to go away, are forgotten. The next sweep emits the rest.
    fn exit(&self) {
        let mut r = self.lock();
        r.take_counts();
        r.counters = None;
        let id = r.thread_id;
        drop(r);
        thread::unregister(id);
    }
}

/// What was taken from one thread's recorder, to be emitted after its lock is released.
struct Batch {
    thread_name: Arc<str>,
    thread_id: u64,
    pending: Vec<Pending>,
    summaries: Summaries,
    _in_flight: in_flight::InFlight,
}

impl Batch {
    fn emit(self) {
        emit_all(
            &self.thread_name,
            self.thread_id,
            self.pending,
            self.summaries,
        );
        // Dropping `_in_flight` marks it emitted.
    }
}

/// Every thread's recorder, alive or exited and not yet swept.
mod registry {
    use std::sync::{Arc, Mutex, PoisonError};

    use super::ThreadRecord;

    static RECORDS: Mutex<Vec<Arc<ThreadRecord>>> = Mutex::new(Vec::new());

    pub(super) fn add(record: Arc<ThreadRecord>) {
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    pub(super) fn all() -> Vec<Arc<ThreadRecord>> {
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets records of exited threads that have been swept since they exited.
    pub(super) fn remove(gone: &[Arc<ThreadRecord>]) {
        if gone.is_empty() {
            return;
        }
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|record| !gone.iter().any(|g| Arc::ptr_eq(g, record)));
    }
}

/// Batches taken from recorders and not yet emitted: a flush waits for them (see `settle`).
mod in_flight {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::{Duration, Instant};

    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

    /// One batch in flight. Made with the recorder locked, before anything is taken: a flush that
    /// locks the recorder after that and finds it empty then also finds this batch in flight.
    #[derive(Debug)]
    pub(super) struct InFlight(());

    impl InFlight {
        pub(super) fn new() -> InFlight {
            IN_FLIGHT.fetch_add(1, SeqCst);
            InFlight(())
        }
    }

    impl Drop for InFlight {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, SeqCst);
        }
    }

    /// Waits until batches other threads took have been emitted, so that what happened before a
    /// flush has reached the subscriber when the flush returns. Bounded: a subscriber stuck in
    /// another thread must not hang the caller.
    pub(super) fn settle() {
        let deadline = Instant::now() + Duration::from_secs(1);
        while IN_FLIGHT.load(SeqCst) != 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

/// This thread's recorder, and whether this thread holds a recorder's lock now (its own, or
/// another's while collecting it): a profiled lock taken meanwhile (by an allocator, say) must
/// not try to lock its own recorder again.
struct Local {
    record: OnceCell<Arc<ThreadRecord>>,
    inside: Cell<bool>,
    /// Set by [`flush_only_on_this_thread`] for the recorder to come.
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
fn with_recorder<R>(f: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
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
fn with_record<R>(record: &ThreadRecord, f: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
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

pub(crate) fn register_thread(id: u64, name: Arc<str>) {
    let _ = LOCAL.try_with(|local| {
        let mut recorder = Recorder::new(id, name, Counters::of_this_thread());
        recorder.swept = !local.not_swept.get();
        let record = Arc::new(ThreadRecord {
            recorder: Mutex::new(recorder),
        });
        if local.record.set(Arc::clone(&record)).is_ok() {
            record.lock().publish_quiet();
            registry::add(record);
        }
    });
}

/// Marks the calling thread as lockprof's own trace writer, before it takes any profiled lock:
/// sweeps leave its recorder alone while it runs, and it flushes itself as threads did before
/// sweeps existed. A sweep makes it write, and writing may take a profiled lock of the program's
/// (a writer that locks its output): swept, it would give every sweep something new to collect,
/// and a quiet program's trace would grow at every flush.
pub(crate) fn flush_only_on_this_thread() {
    let _ = LOCAL.try_with(|local| local.not_swept.set(true));
}

/// Gives this thread's counter slot `index` to (`meta`, `site`) with this acquisition counted,
/// after moving what it counted for its previous key into that key's stats. With the recorder
/// locked, so a collector sees the slot either before or after, never halfway.
pub(crate) fn claim_slot(index: usize, meta: &LockMeta, site: SiteKey) {
    with_recorder(|r| {
        if let Some(counters) = &r.counters {
            // SAFETY: these are this thread's own counters, alive while it runs.
            let (lock, old_site, count) = unsafe { counters.read(index) };
            let new = count.saturating_sub(r.taken[index]);
            if lock != 0
                && new != 0
                && let Some(stats) = r.stats.get_mut(&(lock, old_site))
            {
                stats.acquisitions += new;
            }
        }
        r.entry(meta, site);
        thread::assign_slot(index, meta.id(), site);
        r.taken[index] = 0;
    });
}

/// Makes sure (lock, site) has stats, so its counts can be summarised later.
#[allow(
    dead_code,
    reason = "an entry point for the acquire paths; slots use `claim_slot`"
)]
pub(crate) fn track(meta: &LockMeta, site: SiteKey) {
    with_recorder(|r| {
        r.entry(meta, site);
    });
}

/// Adds `count` acquisitions of (lock, site) made outside the counter slots.
#[allow(
    dead_code,
    reason = "an entry point for the acquire paths; slots use `claim_slot`"
)]
pub(crate) fn add_acquisitions(lock_id: u64, site: SiteKey, count: u64) {
    with_recorder(|r| {
        if let Some(stats) = r.stats.get_mut(&(lock_id, site)) {
            stats.acquisitions += count;
        }
    });
}

/// A wait that ended with the lock acquired, recorded (and the acquisition counted) after the
/// lock's release.
pub(crate) fn on_contended(meta: &LockMeta, wait: &Wait) {
    record_wait(meta, wait, false);
}

/// A timed acquisition that gave up. The caller holds nothing of this lock, so the event goes out
/// now.
pub(crate) fn on_timeout(meta: &LockMeta, wait: &Wait) {
    record_wait(meta, wait, true);
    after_release(meta, wait.end, meta.blamed.load(Relaxed));
}

/// Counts the wait, and keeps it as an event if it is long enough and the budget allows, else
/// in the summary histogram.
fn record_wait(meta: &LockMeta, wait: &Wait, timed_out: bool) {
    let wait_ns = wait.end - wait.start;
    with_recorder(|r| {
        let as_event = wait_ns >= config::event_threshold_ns() && r.take_event(wait.end, wait_ns);
        let stats = r.entry(meta, wait.site);
        if timed_out {
            stats.timeouts += 1;
        } else {
            // Counted here rather than in the fast path's slot: this acquisition took no part in
            // the hold sampling, and the stats are at hand.
            stats.acquisitions += 1;
            stats.contended += 1;
        }
        stats.unattributed_ns += wait.unattributed_ns;
        if !as_event {
            stats.waits += 1;
            stats.wait_ns += wait_ns;
            record(&mut stats.wait_hist, wait_ns, 1);
            // After the release: the stack is where the wait was (a guard is almost always
            // released in the function that took it).
            if drawn(wait_ns, stats.wait_ns) {
                // None when captures are off or spent: the earlier draw stands.
                let stack = stats.draw_stack(wait.stack);
                if stack != 0 {
                    stats.wait_stack = stack;
                }
            }
        } else {
            r.push(Pending::Wait {
                lock_addr: wait.lock,
                subject: OwnedSubject::of(meta, wait.site),
                holder_id: wait.holder,
                wait_ns,
                at_ns: wait.start,
                timed_out,
                stack: wait.stack,
                holder_stack: 0,
            });
        }
    });
}

/// Whether a measured hold is long enough, or made others wait long enough, to be a hold event
/// (rather than part of a summary), budget permitting. Only a hold's own blame makes it one.
pub(crate) fn is_event_sized(hold: &HoldFields) -> bool {
    let threshold = config::event_threshold_ns();
    hold.exact && hold.hold_ns >= threshold || hold.blame_ns >= threshold
}

/// A measured hold of `meta`, ended at `now`. Called after the raw unlock, or (for a condition
/// variable wait) while parked-to-be, when nothing may be emitted: then `defer` is set and the
/// event waits for the next release of the lock.
pub(crate) fn on_hold(meta: &LockMeta, site: SiteKey, hold: HoldFields, defer: bool) {
    let lock_addr = std::ptr::from_ref(meta) as usize;
    with_recorder(|r| {
        let big = is_event_sized(&hold);
        let now = hold.at_ns + hold.hold_ns;
        // A long hold stands for itself (weight 1) even when it was also the sample: every long
        // hold that is measured is reported, so counting it N times would count it twice.
        let weight = if big { 1 } else { hold.weight };
        // Estimated and unattributed waiting never go into a hold event: the summary takes them.
        if hold.blame_extra_ns > 0 || hold.unattributed_ns > 0 {
            let stats = r.entry(meta, site);
            stats.blame_ns += hold.blame_extra_ns;
            stats.blame_estimated_ns += hold.blame_extra_ns;
            stats.unattributed_ns += hold.unattributed_ns;
        }
        if (big || defer && hold.blame_ns > 0) && r.take_event(now, hold.blame_ns) {
            r.push(Pending::Hold {
                lock_addr,
                subject: OwnedSubject::of(meta, site),
                fields: HoldFields { weight, ..hold },
            });
            return;
        }
        let stats = r.entry(meta, site);
        stats.blame_ns += hold.blame_ns;
        // Not while a condition variable's wait is parking (`defer`): nothing slow runs there.
        let blame = hold.blame_ns + hold.blame_extra_ns;
        if blame > 0 && drawn(blame, stats.blame_ns) {
            let stack = match hold.stack {
                0 if defer => 0,
                stack => stats.draw_stack(stack),
            };
            if stack != 0 {
                stats.blame_stack = stack;
            }
        }
        // The histogram is of sampled holds (which stand for all holds) and of long ones that
        // found no room in the event budget; other measured holds (measured because others
        // waited) are already represented by the sample.
        if big || hold.sampled {
            stats.holds += weight;
            stats.hold_ns += hold.hold_ns * weight;
            record(&mut stats.hold_hist, hold.hold_ns, weight);
        }
    });
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
    // Released inside lockprof's own emission (a subscriber's lock): nothing could be emitted
    // now, so take nothing; the next release or flush emits it.
    if thread::is_busy() {
        return;
    }
    let lock_addr = std::ptr::from_ref(meta) as usize;
    let work = with_recorder(|r| {
        let due = r.due_for_flush(now);
        // Events pending for other locks only: leave before touching anything.
        if !due && !r.pending.iter().any(|p| p.lock_addr() == lock_addr) {
            return None;
        }
        let in_flight = in_flight::InFlight::new();
        let mut ready = Vec::new();
        let mut i = 0;
        while i < r.pending.len() {
            if r.pending[i].lock_addr() == lock_addr {
                let mut event = r.pending.swap_remove(i);
                pair(&mut event, blamed);
                ready.push(event);
            } else {
                i += 1;
            }
        }
        let summaries = if due {
            collect_summaries(r, now)
        } else {
            Vec::new()
        };
        r.publish_quiet();
        let batch = Batch {
            thread_name: r.thread_name.clone(),
            thread_id: r.thread_id,
            pending: ready,
            summaries,
            _in_flight: in_flight,
        };
        Some((batch, due))
    })
    .flatten();
    if let Some((batch, due)) = work {
        thread::while_busy(|| {
            batch.emit();
            // Periodic flushes also collect the other threads, idle or exited, once per
            // interval for the whole process.
            if due && sweep_due(now) {
                sweep(now, false);
            }
        });
    }
}

/// When the last periodic sweep of every thread was.
static LAST_SWEEP_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether a periodic sweep is due at `now`; if so, the caller is the one to do it.
fn sweep_due(now: u64) -> bool {
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
fn sweep(now: u64, flush: bool) {
    let me = LOCAL
        .try_with(|local| local.record.get().cloned())
        .ok()
        .flatten();
    let mut gone = Vec::new();
    for record in registry::all() {
        if !flush && me.as_ref().is_some_and(|me| Arc::ptr_eq(me, &record)) {
            continue;
        }
        let taken = with_record(&record, |r| {
            let exited = r.counters.is_none();
            (r.swept || exited).then(|| (r.take(now, flush || exited), exited))
        });
        let Some((batch, exited)) = taken.flatten() else {
            continue;
        };
        if exited {
            gone.push(record);
        }
        batch.emit();
    }
    registry::remove(&gone);
}

/// Emits every thread's summaries and pending events now (see [`crate::flush`]).
pub(crate) fn flush() {
    let now = clock::now_ns();
    thread::while_busy(|| {
        sweep(now, true);
        with_recorder(|r| r.publish_quiet());
        in_flight::settle();
        // Whatever stack definitions are still owed, resolved here if need be (see
        // `stacks::emit_owed`): a flush leaves nothing undefined.
        let (name, id) = with_recorder(|r| (r.thread_name.clone(), r.thread_id))
            .unwrap_or_else(|| ("".into(), 0));
        stacks::emit_owed(&name, id, true);
    });
}

/// Attaches the holder's stack to a wait if the lock's published one is that holder's.
fn pair(event: &mut Pending, blamed: u64) {
    if let Pending::Wait {
        holder_id,
        wait_ns,
        at_ns,
        holder_stack,
        ..
    } = event
        && *holder_stack == 0
    {
        *holder_stack =
            stacks::holder_stack_for(blamed, *holder_id, *at_ns, at_ns.saturating_add(*wait_ns));
    }
}

type Summaries = Vec<(OwnedSubject, SummaryFields)>;

/// Moves the fast path's counters into the stats and takes a summary of every active key.
fn collect_summaries(r: &mut Recorder, now: u64) -> Summaries {
    r.last_flush_ns = now;
    let held = r.take_counts();
    let wanted = emit::wanted();
    let mut out = Vec::new();
    r.stats.retain(|&(lock_id, site), s| {
        if s.is_idle() {
            // Quiet since the last flush: forget it, unless a counter slot still counts into it
            // (a new acquisition of a forgotten key claims a slot, which re-creates it).
            return held.contains(&(lock_id, site));
        }
        let fields = s.take_summary(now);
        if wanted {
            let subject = OwnedSubject {
                lock: s.lock,
                lock_id,
                kind: s.kind,
                site,
            };
            out.push((subject, fields));
        }
        true
    });
    out
}

fn emit_all(thread_name: &str, thread_id: u64, pending: Vec<Pending>, summaries: Summaries) {
    for event in pending {
        match event {
            Pending::Wait {
                subject,
                holder_id,
                wait_ns,
                at_ns,
                timed_out,
                stack,
                holder_stack,
                ..
            } => {
                let holder = thread::name_of(holder_id);
                stacks::define_for_subscriber(stack, thread_name, thread_id);
                stacks::define_for_subscriber(holder_stack, thread_name, thread_id);
                emit::wait(
                    &subject.with_thread(thread_name, thread_id),
                    &WaitFields {
                        holder: &holder,
                        holder_id,
                        wait_ns,
                        at_ns,
                        timed_out,
                        stack,
                        holder_stack,
                    },
                );
            }
            Pending::Hold {
                subject, fields, ..
            } => {
                stacks::define_for_subscriber(fields.stack, thread_name, thread_id);
                emit::hold(&subject.with_thread(thread_name, thread_id), &fields);
            }
        }
    }
    for (subject, fields) in summaries {
        stacks::define_for_subscriber(fields.wait_stack, thread_name, thread_id);
        stacks::define_for_subscriber(fields.blame_stack, thread_name, thread_id);
        emit::summary(&subject.with_thread(thread_name, thread_id), &fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A measured hold at the default threshold (10 µs).
    fn hold(hold_ns: u64, blame_ns: u64, exact: bool) -> HoldFields {
        HoldFields {
            hold_ns,
            blame_ns,
            blame_extra_ns: 0,
            unattributed_ns: 0,
            waiters: 1,
            at_ns: 1_000_000,
            weight: 1,
            exact,
            sampled: false,
            stack: 0,
        }
    }

    #[test]
    fn a_hold_is_an_event_for_its_length_or_its_blame() {
        assert_eq!(config::event_threshold_ns(), 10_000, "default threshold");
        // A short hold that made others wait 50 µs is an event...
        assert!(is_event_sized(&hold(50, 50_000, true)));
        // ...one that made them wait 5 µs is not, nor is a long untimed one (its length is a
        // bound, not a measurement)...
        assert!(!is_event_sized(&hold(50, 5_000, true)));
        assert!(!is_event_sized(&hold(80_000, 5_000, false)));
        // ...and a hold that was itself long, timed, is.
        assert!(is_event_sized(&hold(20_000, 0, true)));
    }
}
