//! What every profiled lock does around its raw lock, whatever the lock type: the fast path's
//! bookkeeping after a successful attempt, the timed contended path, and the release.

use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;

use lock_api::GuardNoSend;

use crate::emit::{self, HoldFields};
use crate::integral::WaitIntegral;
use crate::meta::{HoldMark, LONG_WAIT_NS, LockMeta};
use crate::site::TaggedSite;
use crate::thread::{self, Sampled, SiteKey};
use crate::{Mode, clock, config, recorder, stacks};

/// Per-acquisition state a profiled lock keeps in its guard: where the lock was taken and, when
/// this hold is timed, since when.
///
/// You never make or use one: it is the `Guard` associated type of the raw locks, which
/// `lock_api` stores inside `MutexGuard` and friends. Like parking_lot's guards, it is not `Send`.
pub struct HoldToken {
    /// The acquire site, tagged `DEFERRED` and `SAMPLED`. Two words in all, so the token travels
    /// in registers.
    tagged_site: TaggedSite,
    /// When the hold began; 0 when it is not timed.
    start_ns: u64,
    _not_send: GuardNoSend,
}

/// Events for this lock wait in the thread's recorder: release must take the slow path.
const DEFERRED: usize = 1;
/// The hold is the thread's sampled one; it stands for `hold_sample_interval()` holds (the mean
/// of the randomised intervals, so the weighted counts are unbiased).
const SAMPLED: usize = 2;

impl std::fmt::Debug for HoldToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HoldToken")
            .field("site", &crate::name::Site(self.site()))
            .field("start_ns", &self.start_ns)
            .field("sampled", &self.is_sampled())
            .finish_non_exhaustive()
    }
}

impl HoldToken {
    #[inline(always)]
    fn untimed(site: &'static Location<'static>) -> HoldToken {
        HoldToken {
            tagged_site: TaggedSite::new(site, 0),
            start_ns: 0,
            _not_send: GuardNoSend::new(),
        }
    }

    /// A hold timed from `start_ns`; `weight` is non-zero when it is the sampled one.
    fn timed(site: &'static Location<'static>, start_ns: u64, weight: u32) -> HoldToken {
        let sampled = if weight != 0 { SAMPLED } else { 0 };
        HoldToken {
            tagged_site: TaggedSite::new(site, sampled),
            start_ns,
            _not_send: GuardNoSend::new(),
        }
    }

    /// Where the lock was acquired.
    pub(crate) fn site(&self) -> &'static Location<'static> {
        self.tagged_site.site()
    }

    /// Makes the next release take the slow path (events for the lock are pending).
    pub(crate) fn set_deferred(&mut self) {
        self.tagged_site = self.tagged_site.with_tag(DEFERRED);
    }

    fn is_deferred(&self) -> bool {
        self.tagged_site.tags() & DEFERRED != 0
    }

    fn is_sampled(&self) -> bool {
        self.tagged_site.tags() & SAMPLED != 0
    }

    /// How many holds this one stands for: the sampling interval when it is the sample, else 0.
    fn weight(&self) -> u32 {
        if self.is_sampled() {
            config::hold_sample_interval()
        } else {
            0
        }
    }
}

/// Whether the slow paths should time and record right now.
#[inline]
pub(crate) fn recording() -> bool {
    config::is_enabled() && !thread::is_busy() && emit::wanted()
}

/// Bookkeeping after an acquisition that did not wait: count it, note the holder, and decide
/// whether to time the hold. No clock read unless the lock is hot or this hold is the sample.
#[inline(always)]
pub(crate) fn acquired(meta: &LockMeta, site: &'static Location<'static>, mode: Mode) -> HoldToken {
    if !config::is_enabled() {
        return HoldToken::untimed(site);
    }
    acquired_recording(meta, site, mode)
}

/// [`acquired`] with recording on: a few loads on the lock's line and a thread-local counter,
/// inlined into `lock()` (out of line, the call cost a tenth of parking_lot's throughput at 4
/// contending threads: BENCHMARKS.md). Its unusual cases are calls.
#[inline(always)]
fn acquired_recording(meta: &LockMeta, site: &'static Location<'static>, mode: Mode) -> HoldToken {
    let key = SiteKey::new(site, mode);
    // Not asked for a read lock: a reader got in, so no writer is waiting for it yet (parking_lot
    // lets no reader in past a waiting writer), and readers do not make readers wait. Its hold
    // is measured, with its blame exact, if a writer comes to wait for it. Every load of the
    // lock's line between a reader's compare-and-swap and its unlock costs while other cores are
    // taking read locks too (BENCHMARKS.md).
    if mode != Mode::Shared {
        if meta.is_hot() {
            return acquired_hot(meta, site, key);
        }
        let shift = meta.storm_shift();
        if shift != 0 {
            // A storm of short contended holds: one acquisition in 2^shift is sampled for its
            // blame, whether it waited or not.
            let weight = thread::storm_sample_due(shift);
            if weight != 0 {
                return acquired_storm_sample(meta, site, key, weight);
            }
            // A hold that begins with waiters registered is timed if the thread takes the lock
            // from another without waiting itself, as one that comes to it now and then does:
            // a long hold is then measured however late its waiters get to run to mark it (see
            // `release_slow`). A storm's threads taking the lock back from themselves cost
            // nothing more.
            if meta.integral.has_live_waiters()
                && meta.holder.load(Relaxed) != thread::id_if_registered()
            {
                return acquired_timed(meta, site, key);
            }
        } else if meta.integral.has_live_waiters() {
            return acquired_hot(meta, site, key);
        }
    }
    let lock_id = meta.id_if_assigned();
    if lock_id != 0 && thread::count_fast(meta, lock_id, key) {
        return HoldToken::untimed(site);
    }
    acquired_slow(meta, site, key)
}

/// The fast path's unusual cases: first acquisition by this thread or of this (lock, site) in a
/// while, or the sampled hold.
#[cold]
#[inline(never)]
fn acquired_slow(meta: &LockMeta, site: &'static Location<'static>, key: SiteKey) -> HoldToken {
    match count_acquisition(meta, key) {
        Sampled::Yes { weight } if recording() => timed_from_here(meta, site, key, weight, 0),
        _ => HoldToken::untimed(site),
    }
}

/// Counts an acquisition the fast path could not ([`thread::on_acquire`]), and tells the recorder
/// what it has to know of: a thread new to lockprof, a counter slot changing hands.
fn count_acquisition(meta: &LockMeta, key: SiteKey) -> Sampled {
    let counted = thread::on_acquire(meta, key);
    if let Some(new) = counted.new_thread {
        recorder::register_thread(new);
    }
    if let Some(index) = counted.slot_to_claim {
        recorder::claim_slot(index, meta, key);
    }
    counted.sampled
}

/// A timed hold beginning now (the sample of `weight`, the storm's of `storm_weight`, or
/// neither). An exclusive one notes W now (one load of the lock's line, which this thread has
/// just written), so that its blame, if its release is measured, is its own: not the hand-off
/// to it, nor a storm's waiting (see `WaitIntegral::charge_hold`). The clock is read last, so
/// that the bookkeeping before, which untimed holds do not do, is not part of the hold it
/// measures.
fn timed_from_here(
    meta: &LockMeta,
    site: &'static Location<'static>,
    key: SiteKey,
    weight: u32,
    storm_weight: u32,
) -> HoldToken {
    let now = clock::now_ns();
    let mut token = HoldToken::timed(site, now, weight);
    if key.parts().1 == Mode::Exclusive {
        thread::note_hold_start(thread::HoldStart {
            lock: meta.addr(),
            storm_weight,
            integral: meta.integral.integral_at(now),
        });
        token.set_deferred();
    }
    token
}

/// A storm's acquisition sampled for its blame, standing for `weight` acquisitions: timed, and
/// with the waiting integral charged up to its start, so its release is charged exactly its own
/// blame (see `WaitIntegral::charge_hold`).
#[cold]
#[inline(never)]
fn acquired_storm_sample(
    meta: &LockMeta,
    site: &'static Location<'static>,
    key: SiteKey,
    weight: u32,
) -> HoldToken {
    let sampled = count_acquisition(meta, key);
    if !recording() {
        return HoldToken::untimed(site);
    }
    timed_from_here(meta, site, key, sampled.weight(), weight)
}

/// The lock saw a long wait recently, or others are waiting now: time this hold exactly, so the
/// holds that make others wait have exact lengths. In a storm of short contended holds (see
/// `LockMeta::storm_shift`) only the hot lock's holds and the storm's samples are timed, not
/// every one that begins with waiters.
#[cold]
#[inline(never)]
fn acquired_hot(meta: &LockMeta, site: &'static Location<'static>, key: SiteKey) -> HoldToken {
    let hot = meta.hot.load(Relaxed);
    if hot != 0 {
        meta.hot.store(hot - 1, Relaxed);
    }
    acquired_timed(meta, site, key)
}

/// An acquisition that did not wait, timed from here.
#[cold]
#[inline(never)]
fn acquired_timed(meta: &LockMeta, site: &'static Location<'static>, key: SiteKey) -> HoldToken {
    // The sampling countdown runs over these too, so the sample stands for every hold that did
    // not wait.
    let sampled = count_acquisition(meta, key);
    if !recording() {
        return HoldToken::untimed(site);
    }
    timed_from_here(meta, site, key, sampled.weight(), 0)
}

/// What a raw lock's blocking loop is given: a clock to read when the wait ends...
pub(crate) type Clock = fn() -> u64;
/// ...and, while recording, [`waiting`], to call with the lock's bookkeeping as the wait goes on:
/// when it starts yielding its thread and before each park. Locks that cannot tell ignore it.
pub(crate) type Watch = Option<fn(&LockMeta)>;

/// When a contended acquisition captures the waiter's native stack; also whether the lock's
/// blocking loop calls [`waiting`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaiterStack {
    /// Before blocking (locks whose blocking loop does not call [`waiting`]).
    AtStart,
    /// After the hold that follows, if the wait was long ([`LONG_WAIT_NS`], or the event
    /// threshold if lower): only waits long enough to be events take the capture's microseconds
    /// and its share of the budget (a guard is almost always dropped in the function that took
    /// it, so the stack is the same); the shorter ones, in summaries, draw one stack for all of
    /// them (`recorder::summary`). Such a
    /// lock's blocking loop calls [`waiting`], and its waits in a storm are registered in its
    /// integral only when they grow long (`WaitIntegral::defer_wait`).
    WhenLong,
    /// Never (an upgrade: the thread holds the lock already, and nothing slow runs under it).
    Never,
}

/// The first attempt failed: time the wait, register it in the lock's waiting integral, block in
/// `block`, and note the wait for recording after the release. `block(clock, waiting)` returns
/// `None` if it gave up (timed locks may), else `clock`'s reading when the wait ended: the mutex
/// reads it just before its acquiring attempt, outside the critical section (see `lock_word`).
/// Inside the critical section this costs one update of the integral and a few thread-local
/// stores.
#[cold]
#[inline(never)]
pub(crate) fn contended(
    meta: &LockMeta,
    site: &'static Location<'static>,
    mode: Mode,
    stack: WaiterStack,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> Option<HoldToken> {
    contended_capturing(meta, site, mode, stack, block)
}

/// [`contended`] for an upgrade: the thread already holds the lock (upgradable), so its stack is
/// not captured (nothing slow may run while a profiled lock is held).
#[cold]
#[inline(never)]
pub(crate) fn upgrade_contended(
    meta: &LockMeta,
    site: &'static Location<'static>,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> Option<HoldToken> {
    contended_capturing(meta, site, Mode::Exclusive, WaiterStack::Never, block)
}

#[inline(always)]
fn contended_capturing(
    meta: &LockMeta,
    site: &'static Location<'static>,
    mode: Mode,
    capture: WaiterStack,
    block: impl FnOnce(Clock, Watch) -> Option<u64>,
) -> Option<HoldToken> {
    if !recording() {
        return block(|| 0, None).map(|_| acquired(meta, site, mode));
    }
    // The wait is counted from here, first thing, as the caller counts it from its call.
    let start = clock::now_ns();
    meta.note_waiter(start);
    let deferred = capture == WaiterStack::WhenLong && meta.storm_shift() != 0;
    let mut ticket = if deferred {
        thread::defer_wait(start);
        meta.integral.defer_wait(start)
    } else {
        meta.integral.begin_wait(start)
    };
    // The hold this wait is for is marked (see `waiting`): in a storm, now if the lock's
    // blocking loop tells nothing as the wait goes on (an `RwLock`'s); outside one, where every
    // release with waiters is measured from the last measured release, if a storm's unmeasured
    // releases have lost that (it has just ended).
    let marks = match meta.storm_shift() {
        0 => !meta.has_checkpoint(),
        _ => capture == WaiterStack::AtStart,
    };
    if marks {
        meta.mark_hold(clock::now_ns);
    }
    if thread::id_if_registered() == 0 {
        register_thread();
    }
    let key = SiteKey::new(site, mode);
    let holder = match meta.holder.load(Relaxed) {
        // This thread was the last to acquire and the lock has changed hands since without the
        // new holder having written its id yet (parking_lot hands the lock over directly):
        // the holder is unknown, not this thread.
        own if own == thread::id_if_registered() => 0,
        holder => holder,
    };
    // Inside the timed wait: the capture is time spent in `lock()` like the rest (a few µs),
    // and if the unwinder itself has to wait (its loader lock held by a thread printing a
    // backtrace, say) the wait still reads what the caller saw.
    let stack = if capture == WaiterStack::AtStart && stacks::stack_capture() {
        stacks::capture(start)
    } else {
        0
    };
    let acquired_at = block(clock::now_ns, Some(waiting));
    if deferred && let Some(registered) = thread::take_late_registration() {
        ticket = registered;
    }
    // A wait that timed out ends now.
    let end = acquired_at.unwrap_or_else(clock::now_ns);
    let integral_at_end = meta.integral.end_wait(ticket, end);
    // A wait the integral never saw is no hold's blame.
    let never_seen = if WaitIntegral::is_deferred(&ticket) {
        end - start
    } else {
        0
    };
    let wait = thread::Wait {
        lock: meta.addr(),
        site: key,
        start,
        end,
        holder,
        unattributed_ns: thread::take_passed_over() + never_seen,
        stack,
    };
    if acquired_at.is_none() {
        recorder::on_timeout(meta, &wait);
        return None;
    }
    // Inside the critical section only what must happen at acquisition: the holder's id for the
    // next waiter, and the checkpoint below. Counting the acquisition waits for the release,
    // with the wait itself.
    meta.holder.store(thread::id_if_registered(), Relaxed);
    let shift = meta.storm_shift();
    if shift == 0 && end - start >= config::event_threshold_ns() {
        meta.make_hot();
    }
    if mode == Mode::Exclusive {
        // A storm samples contended acquisitions as it does the others (`acquired_recording`).
        let storm_weight = if shift != 0 {
            thread::storm_sample_due(shift)
        } else {
            0
        };
        // The hold notes W at its start, from the update that ended the wait or one load of a
        // line this thread has just written: the waiting so far was during earlier holds,
        // charged at their measured releases, or was the hand-off to this thread, or a storm's,
        // which no hold takes. So if this release is measured, as after any hold others waited
        // long for, its blame is its own from the start, however late its waiters get to run
        // on a loaded machine.
        thread::note_hold_start(thread::HoldStart {
            lock: meta.addr(),
            storm_weight,
            integral: integral_at_end.unwrap_or_else(|| meta.integral.integral_at(end)),
        });
    }
    if !thread::note_wait(&wait) {
        recorder::on_contended_holding(meta, &wait);
    }
    let mut token = HoldToken::timed(site, end, 0);
    token.set_deferred();
    Some(token)
}

/// Registers the calling thread, new to lockprof, with its fast state and its recorder (the first
/// lock operation of a thread may be a wait that fails, which never reaches the fast path's
/// registration).
#[cold]
#[inline(never)]
fn register_thread() {
    if let Some(new) = thread::ensure_registered() {
        recorder::register_thread(new);
    }
}

/// The mutex's blocking loop calls this as its wait goes on. A wait the integral does not see yet
/// is registered when the waiter starts yielding its thread or parks: it may then run no code
/// for a while, and the hold it waits for would be charged nothing of it. In a storm, the first
/// waiter to start yielding or to park during a hold marks it, so that the release finds out
/// whether the hold made it wait long (a thread that yields or parks may run no code to say so)
/// and measures it from the mark (see [`release`]).
fn waiting(meta: &LockMeta) {
    if let Some(start) = thread::take_deferred_start() {
        let now = clock::now_ns();
        // What it waited before is no hold's.
        thread::registered_late(meta.integral.begin_wait(now));
        thread::add_passed_over(now.saturating_sub(start));
    }
    if meta.storm_shift() != 0 {
        meta.mark_hold(clock::now_ns);
    }
}

/// The mutex's unlock calls this when it has woken a parked waiter: the waiter (and any still
/// parked) may wait through the next hold, if the waiter does not get to run and take the lock
/// first, as on a loaded machine; so in a storm that hold is marked for them (see [`waiting`]),
/// as a waiter parking during it would mark it.
#[cold]
pub(crate) fn woke_waiter(meta: &LockMeta) {
    if meta.storm_shift() != 0 && recording() {
        meta.mark_hold(clock::now_ns);
    }
}

/// Releases the lock with `unlock`, then measures and records the hold if it was timed, made
/// others wait, or has events pending. In a storm, only releases of holds marked long ago (see
/// [`waiting`]), of long timed holds and the storm's samples are measured.
#[inline(always)]
pub(crate) fn release(meta: &LockMeta, token: HoldToken, mode: Mode, unlock: impl FnOnce()) {
    let waiters = meta.has_waiters();
    let for_waiters = waiters && meta.storm_shift() == 0;
    // Untimed, no events pending, and either nobody waits or this is one of a storm's releases
    // that go unmeasured, not marked: just unlock. (Whoever marks a hold is a registered
    // waiter or wakes one, so `waiters` covers the mark.)
    if token.start_ns == 0
        && !token.is_deferred()
        && !(waiters && (for_waiters || meta.has_hold_mark()))
    {
        if waiters {
            meta.lose_checkpoint();
        }
        unlock();
        return;
    }
    release_slow(meta, token, mode, for_waiters, unlock);
}

/// [`release`] when there is something to measure or record; `for_waiters` says the release is
/// to be measured because others wait.
#[cold]
#[inline(never)]
fn release_slow(
    meta: &LockMeta,
    token: HoldToken,
    mode: Mode,
    for_waiters: bool,
    unlock: impl FnOnce(),
) {
    let hold_start = if token.is_deferred() {
        thread::take_hold_start(meta.addr())
    } else {
        None
    };
    let storm_sample = hold_start.filter(|start| start.storm_weight != 0);
    let recording = recording();
    let mut now = 0;
    // A hold marked long ago has made a waiter wait long: it is measured, charged from the mark
    // unless it noted W at its own start. One clock reading, beside the wake-up this release is
    // about to make or the waiter's yields.
    let mut from_mark = None;
    if let Some(mark) = meta.take_hold_mark()
        && recording
    {
        now = clock::now_ns();
        from_mark = mark.is_old(now).then_some(mark);
    }
    // In a storm, a hold that began with a contended acquisition (timed, and noting W at its
    // start) is measured when it turns out long: its blame may be large, and on a loaded machine
    // its waiters may not have run to park. One clock reading beside the recording of the
    // wait that began the hold.
    let for_waiters = for_waiters
        || from_mark.is_some()
        || recording && token.start_ns != 0 && meta.has_waiters() && {
            if now == 0 {
                now = clock::now_ns();
            }
            now.saturating_sub(token.start_ns) >= LONG_WAIT_NS
        };
    // A timed hold that made nobody wait needs no clock read unless it is a sample.
    let measure_it = (for_waiters || storm_sample.is_some() || token.is_sampled()) && recording;
    // Measured while still holding: once unlocked, the next holder could charge the waiting
    // this hold caused to itself before this thread gets to it.
    let measured = if measure_it {
        if now == 0 {
            now = clock::now_ns();
        }
        let hold = measure(meta, &token, now, for_waiters, hold_start, from_mark);
        if storm_sample.is_some() || for_waiters && meta.storm_shift() == 0 {
            meta.adapt_sampling(now);
        }
        if for_waiters || storm_sample.is_some() {
            meta.set_last_release(now);
        }
        Some((now, hold))
    } else {
        if meta.has_waiters() {
            meta.lose_checkpoint();
        }
        None
    };
    unlock();
    // The holder stack our own waits may pair with, read before this release publishes its own.
    let blamed = meta.blamed.load(Relaxed);
    let mut acquired_at = 0;
    if token.is_deferred() {
        thread::take_waits(meta.addr(), |mut wait| {
            // A long wait of a lock that captures after the hold (`WaiterStack::WhenLong`), or
            // one that will be an event: a summary's waits draw a stack of their own.
            let long = LONG_WAIT_NS.min(config::event_threshold_ns());
            if wait.stack == 0 && wait.end - wait.start >= long && stacks::stack_capture() {
                wait.stack = stacks::capture(wait.end);
            }
            acquired_at = wait.stack;
            recorder::on_contended(meta, &wait);
        });
    }
    let now = match measured {
        Some((now, hold)) => {
            if let Some(mut hold) = hold {
                if hold.blame_ns > 0 && recorder::is_event_sized(&hold) {
                    hold.stack = holder_stack(meta, acquired_at, now);
                }
                recorder::on_hold(meta, SiteKey::new(token.site(), mode), hold, false);
            }
            now
        }
        None if token.is_deferred() => token.start_ns,
        None => return,
    };
    recorder::after_release(meta, now, blamed);
}

/// The stack of a hold that made others wait, ended at `now` and already unlocked: the stack its
/// contended acquisition captured if there is one (the guard is almost always released in the
/// function that took it), else a capture now. Published in the lock for the waiters to pair with.
#[cold]
#[inline(never)]
fn holder_stack(meta: &LockMeta, acquired_at: stacks::StackId, now: u64) -> stacks::StackId {
    let stack = match acquired_at {
        0 if stacks::stack_capture() => stacks::capture(now),
        stack => stack,
    };
    if stack != 0 {
        let word = stacks::pack_blamed(stack, thread::id_if_registered(), now);
        meta.blamed.store(word, Relaxed);
    }
    stack
}

/// Releases the lock for a condition-variable wait: measures the hold but emits nothing (the
/// thread is about to park, and parking_lot forbids anything that could park in between). The
/// events go out at the next release, which the caller marks with [`HoldToken::set_deferred`].
pub(crate) fn release_for_wait(
    meta: &LockMeta,
    token: HoldToken,
    mode: Mode,
    record: bool,
    unlock: impl FnOnce(),
) {
    let hold = record
        .then(|| {
            let hold_start = thread::take_hold_start(meta.addr());
            measure(meta, &token, clock::now_ns(), true, hold_start, None)
        })
        .flatten();
    unlock();
    if let Some(hold) = hold {
        recorder::on_hold(meta, SiteKey::new(token.site(), mode), hold, true);
    }
}

/// The hold's figures, if there is anything to say about it. `for_waiters`: measured because
/// others wait; `hold_start`: how the hold began, if it noted it; `from_mark`: the mark of a
/// waiter that waited long during it, if that is what got it measured.
fn measure(
    meta: &LockMeta,
    token: &HoldToken,
    now: u64,
    for_waiters: bool,
    hold_start: Option<thread::HoldStart>,
    from_mark: Option<HoldMark>,
) -> Option<HoldFields> {
    let waiters = meta.integral.waiters();
    let (storm_weight, start) = hold_start
        .map_or((0, from_mark.map(HoldMark::integral)), |start| {
            (start.storm_weight, Some(start.integral))
        });
    // A hold that noted W at its start is charged from there: its own blame; one that a parked
    // waiter marked, from the mark. Another one (untimed) is charged from the lock's checkpoint
    // if there is one (the last measured release); without one, a release measured for its
    // waiters takes waiting a storm left uncharged, which is no hold's, and a hold timed only
    // as the length sample takes nothing.
    let (blame_ns, unattributed_ns, charged) = match start {
        Some(start) => {
            let (blame, passed) = meta.integral.charge_hold(start, now);
            (blame, passed, blame + passed)
        }
        None if meta.has_checkpoint() => {
            let blame = meta.integral.charge(now);
            (blame, 0, blame)
        }
        None if for_waiters => {
            let passed = meta.integral.charge(now);
            (0, passed, passed)
        }
        None => (0, 0, 0),
    };
    if start.is_some() || for_waiters || meta.has_checkpoint() {
        meta.set_checkpoint();
    }
    // The storm's sample stands for the unsampled holds that made others wait without a waiter
    // waiting long (those are all measured, so they are not estimated twice).
    let blame_extra_ns = if storm_weight > 1 && !for_waiters {
        blame_ns.saturating_mul(u64::from(storm_weight) - 1)
    } else {
        0
    };
    let (at_ns, exact, weight) = if token.start_ns != 0 {
        (token.start_ns, true, token.weight().max(1))
    } else if charged > 0 {
        // An untimed hold that made others wait (the lock was cold, or in a storm): it began
        // after the last measured release and, on a cold lock, before the first waiter arrived;
        // in a storm, a moment before its mark (a waiter registers or parks within
        // microseconds of finding the lock taken).
        let since = match from_mark {
            Some(mark) => mark.at(now),
            None => meta.integral.contention_since().max(meta.last_release()),
        };
        (since.min(now), false, 1)
    } else {
        return None;
    };
    Some(HoldFields {
        hold_ns: now.saturating_sub(at_ns),
        blame_ns,
        blame_extra_ns,
        unattributed_ns,
        waiters,
        at_ns,
        weight: u64::from(weight),
        exact,
        sampled: token.is_sampled(),
        stack: 0,
    })
}
