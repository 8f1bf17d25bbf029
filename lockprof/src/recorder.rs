//! Per-thread recording off the fast path: exact counts per (lock, site), histograms of waits and
//! holds too short to be events, and events waiting for their lock's release.
//!
//! Events about a wait or a hold are emitted by the thread that waited or held, after it released
//! the lock: the wait is noted here while the thread is inside the critical section and emitted by
//! [`after_release`]. Summaries are flushed at most once per `FLUSH_INTERVAL_NS`, at thread exit
//! and on [`crate::flush`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2Serializer};

use crate::config;
use crate::emit::{self, HoldFields, Subject, SummaryFields, WaitFields};
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::rate_limit::RateLimit;
use crate::stacks::{self, StackId};
use crate::thread::{self, SiteKey, Wait};
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
    thread_name: Option<Arc<str>>,
    stats: HashMap<Key, SiteStats, BuildHasherDefault<KeyHasher>>,
    pending: Vec<Pending>,
    last_flush_ns: u64,
    /// This thread's reserve of events ([`RESERVE_PER_SECOND`]), starting full.
    reserve: RateLimit,
}

/// Individual events a thread may emit per second even when the process-wide budget
/// (`config::set_event_rate_limit`) is spent: a storm of events from other threads cannot take
/// every event of a thread that waits or holds long only now and then.
const RESERVE_PER_SECOND: u32 = 100;

impl Recorder {
    const fn new() -> Recorder {
        Recorder {
            thread_id: 0,
            thread_name: None,
            stats: HashMap::with_hasher(BuildHasherDefault::new()),
            pending: Vec::new(),
            last_flush_ns: 0,
            reserve: RateLimit::new(RESERVE_PER_SECOND),
        }
    }

    /// One individual event's worth at `now`: from the process-wide budget, else this thread's
    /// reserve.
    fn take_event(&mut self, now: u64) -> bool {
        config::take_event(now) || self.reserve.take(now)
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
    /// no event is pending.
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
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // The thread is exiting: its counts and pending events must still reach the trace, but
        // not from here. Other thread-locals (a fmt layer's buffers) may already be gone, and a
        // subscriber that touches one would panic inside a thread-local destructor, which
        // aborts the process. The next flush on any thread, or the FlushGuard, emits them.
        let pending = std::mem::take(&mut self.pending);
        let summaries = collect_summaries(self, clock::now_ns());
        if let Some(name) = self.thread_name.clone() {
            orphans::adopt(name, self.thread_id, pending, summaries);
        }
        thread::unregister(self.thread_id);
    }
}

/// What exited threads left to emit, until another thread emits it for them (events name their
/// thread explicitly, so any thread can).
mod orphans {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::{Duration, Instant};

    use super::{Pending, Summaries};

    /// Exited threads kept at most; past it the oldest are dropped (a program that starts
    /// threads forever without ever flushing or recording on a surviving thread).
    const MAX: usize = 4096;

    type Orphan = (Arc<str>, u64, Vec<Pending>, Summaries);

    static ORPHANS: Mutex<Vec<Orphan>> = Mutex::new(Vec::new());
    static ANY: AtomicBool = AtomicBool::new(false);
    /// Orphans taken by some thread and not yet emitted: a flush waits for them (see `settle`).
    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn adopt(name: Arc<str>, id: u64, pending: Vec<Pending>, summaries: Summaries) {
        if pending.is_empty() && summaries.is_empty() {
            return;
        }
        let mut orphans = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        if orphans.len() >= MAX {
            orphans.remove(0);
        }
        orphans.push((name, id, pending, summaries));
        ANY.store(true, SeqCst);
    }

    /// Every orphan, taken to be emitted; they count as in flight until it is dropped.
    pub(super) struct Taken(Vec<Orphan>);

    impl Taken {
        pub(super) fn drain(&mut self) -> std::vec::Drain<'_, Orphan> {
            self.0.drain(..)
        }
    }

    impl Drop for Taken {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, SeqCst);
        }
    }

    /// Takes every orphan (cheap when there are none).
    pub(super) fn take() -> Option<Taken> {
        if !ANY.load(SeqCst) {
            return None;
        }
        // Counted before the flag is cleared: a flush that then finds the flag clear also finds
        // this emission in flight, and waits for it.
        IN_FLIGHT.fetch_add(1, SeqCst);
        ANY.store(false, SeqCst);
        let orphans = std::mem::take(&mut *ORPHANS.lock().unwrap_or_else(PoisonError::into_inner));
        Some(Taken(orphans))
    }

    /// Waits until orphans another thread took have been emitted, so that what exited before a
    /// flush has reached the subscriber when the flush returns. Bounded: a subscriber stuck in
    /// another thread must not hang the caller.
    pub(super) fn settle() {
        let deadline = Instant::now() + Duration::from_secs(1);
        while IN_FLIGHT.load(SeqCst) != 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

/// Emits what exited threads left behind.
fn emit_orphans() {
    let Some(mut taken) = orphans::take() else {
        return;
    };
    for (name, id, pending, summaries) in taken.drain() {
        emit_all(&name, id, pending, summaries);
    }
    // Dropping `taken` marks them emitted.
}

thread_local! {
    static RECORDER: RefCell<Recorder> = const { RefCell::new(Recorder::new()) };
}

/// Runs `f` on this thread's recorder, unless lockprof is already inside it on this thread (a
/// subscriber that takes a profiled lock) or the thread is exiting.
fn with_recorder<R>(f: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
    RECORDER
        .try_with(|r| r.try_borrow_mut().ok().map(|mut r| f(&mut r)))
        .ok()
        .flatten()
}

pub(crate) fn register_thread(id: u64, name: Arc<str>) {
    with_recorder(|r| {
        r.thread_id = id;
        r.thread_name = Some(name);
        r.last_flush_ns = clock::now_ns();
        r.publish_quiet();
    });
}

/// Makes sure (lock, site) has stats, so its counts can be summarised later.
pub(crate) fn track(meta: &LockMeta, site: SiteKey) {
    with_recorder(|r| {
        r.entry(meta, site);
    });
}

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
        let as_event = wait_ns >= config::event_threshold_ns() && r.take_event(wait.end);
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
        if (big || defer && hold.blame_ns > 0) && r.take_event(now) {
            r.push(Pending::Hold {
                lock_addr,
                subject: OwnedSubject::of(meta, site),
                fields: HoldFields { weight, ..hold },
            });
            return;
        }
        let stats = r.entry(meta, site);
        stats.blame_ns += hold.blame_ns;
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
    let lock_addr = std::ptr::from_ref(meta) as usize;
    let work = with_recorder(|r| {
        let due = r.due_for_flush(now);
        // Events pending for other locks only: leave before touching anything.
        if !due && !r.pending.iter().any(|p| p.lock_addr() == lock_addr) {
            return None;
        }
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
        Some((r.thread_name.clone(), r.thread_id, ready, summaries, due))
    })
    .flatten();
    if let Some((Some(name), thread_id, ready, summaries, due)) = work {
        thread::while_busy(|| {
            emit_all(&name, thread_id, ready, summaries);
            // Periodic flushes also emit what exited threads left.
            if due {
                emit_orphans();
            }
        });
    }
}

/// Emits this thread's summaries (and any events still pending) now.
pub(crate) fn flush_current_thread() {
    let now = clock::now_ns();
    let work = with_recorder(|r| {
        let pending = std::mem::take(&mut r.pending);
        let summaries = collect_summaries(r, now);
        r.publish_quiet();
        (r.thread_name.clone(), r.thread_id, pending, summaries)
    });
    thread::while_busy(|| {
        let mut me = None;
        if let Some((Some(name), thread_id, pending, summaries)) = work {
            emit_all(&name, thread_id, pending, summaries);
            me = Some((name, thread_id));
        }
        emit_orphans();
        orphans::settle();
        // Whatever stack definitions are still owed, resolved here if need be (see
        // `stacks::emit_owed`): a flush leaves nothing undefined.
        let (name, id) = me.unwrap_or_else(|| ("".into(), 0));
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
    let stats = &mut r.stats;
    thread::drain_counts(|lock, site, count| {
        if let Some(s) = stats.get_mut(&(lock, site)) {
            s.acquisitions += count;
        }
    });
    let wanted = emit::wanted();
    let mut out = Vec::new();
    stats.retain(|&(lock_id, site), s| {
        if s.is_idle() {
            // Quiet since the last flush: forget it (its fast-path slot was emptied above, so a
            // new acquisition re-creates it).
            return false;
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
