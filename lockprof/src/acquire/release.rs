//! The release: unlocking, and measuring and recording the hold when it was timed, made others
//! wait, or has events pending.

use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;

use super::fast::recording_cached;
use super::token::HoldToken;
use crate::emit::HoldFields;
use crate::hold_mark::{HoldMark, LONG_WAIT_NS};
use crate::meta::LockMeta;
use crate::thread::{self, SiteKey};
use crate::{Mode, clock, config, recorder, stacks};

/// Releases the lock with `unlock`, then measures and records the hold if it was timed, made
/// others wait, or has events pending. In a storm, only releases of holds marked long ago (see
/// [`waiting`](mod@super::contended)), of long timed holds and the storm's samples are measured.
#[inline(always)]
pub(crate) fn release(meta: &LockMeta, token: HoldToken, mode: Mode, unlock: impl FnOnce()) {
    let waiters = meta.has_waiters();
    let for_waiters = waiters && meta.storm_shift() == 0;
    // Untimed, no events pending, and either nobody waits or this is one of a storm's releases
    // that go unmeasured, not marked: just unlock. (Whoever marks a hold is a registered
    // waiter or wakes one, so `waiters` covers the mark.)
    if token.start_ns == 0
        && !token.is_deferred()
        && !(waiters && (for_waiters || meta.hold_mark.is_set()))
    {
        if waiters {
            meta.lose_checkpoint();
        }
        unlock();
        return;
    }
    release_slow(meta, token, mode, for_waiters, unlock);
}

/// Releases a read lock with `unlock`, which releases it and calls its argument if the lock's
/// state showed a thread in another mode (see `RwLockWord::unlock_shared_then`). A read hold taken
/// at the first attempt, not timed, is unlocked first and measured after, only if that state
/// says it may have made someone wait: its release reads nothing of the lock's line (see
/// `released_read`). Any other goes through [`release`].
#[inline(always)]
pub(crate) fn release_shared(meta: &LockMeta, token: HoldToken, unlock: impl FnOnce(&dyn Fn())) {
    if token.start_ns == 0 && !token.is_deferred() {
        let site = token.site();
        unlock(&|| released_read(meta, site));
        return;
    }
    release(meta, token, Mode::Shared, || unlock(&|| ()));
}

/// [`release_shared`] of an untimed read hold at whose unlock a writer, an upgradable reader or
/// parked threads held or waited for the lock: what [`release`] decides and measures before the
/// unlock, done just after it, before a parked writer waiting for the last reader is woken. A
/// writer that was spinning instead may take the lock meanwhile: its hold notes W at its start,
/// so it is charged none of this hold's blame. Only if this thread is preempted between its
/// unlock and its clock reading for the whole of that writer's hold is it charged waiting from
/// after its hold (docs/EVENTS.md).
#[cold]
#[inline(never)]
fn released_read(meta: &LockMeta, site: &'static Location<'static>) {
    if !meta.has_waiters() {
        return;
    }
    let for_waiters = meta.storm_shift() == 0;
    if !(for_waiters || meta.hold_mark.is_set()) {
        meta.lose_checkpoint();
        return;
    }
    let token = HoldToken::untimed(site);
    let measured = measure_release(meta, &token, for_waiters, recording_cached());
    recorded(meta, token, Mode::Shared, measured);
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
    let measured = measure_release(meta, &token, for_waiters, recording_cached());
    unlock();
    recorded(meta, token, mode, measured);
}

/// What a release records once the lock is released: the waits noted since the hold began and
/// the hold `measure_release` measured.
fn recorded(
    meta: &LockMeta,
    token: HoldToken,
    mode: Mode,
    measured: Option<(u64, Option<HoldFields>)>,
) {
    // A thread that took no lock yet has no recorder for what this release records: one that
    // releases a guard another thread took (`send_guard`).
    if thread::id_if_registered() == 0 {
        super::contended::register_thread();
    }
    // The holder stack our own waits may pair with, read before this release publishes its own.
    let blamed = meta.blamed.load(Relaxed);
    let acquired_at = if token.is_deferred() {
        record_waits(meta)
    } else {
        0
    };
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

/// Records the waits this thread noted for `meta` (its contended acquisitions of it since its
/// last release), once it has let the lock go; returns the stack the last of them captured.
fn record_waits(meta: &LockMeta) -> stacks::StackId {
    let mut acquired_at = 0;
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
    acquired_at
}

/// What a release does while it still holds the lock: decides whether to measure the hold (see
/// [`release`](fn@release); `for_waiters`: because others wait) and measures it. Returns when,
/// and the hold's figures if there is anything to say about it, if it was measured. Measured
/// while still holding: once unlocked, the next holder could charge the waiting this hold caused
/// to itself before this thread gets to it.
fn measure_release(
    meta: &LockMeta,
    token: &HoldToken,
    for_waiters: bool,
    recording: bool,
) -> Option<(u64, Option<HoldFields>)> {
    let hold_start = if token.is_deferred() {
        thread::take_hold_start(meta.addr(), token.start_ns)
    } else {
        None
    };
    let storm_sample = hold_start.filter(|start| start.storm_weight != 0);
    let mut now = 0;
    // A hold marked long ago has made a waiter wait long: it is measured, charged from the mark
    // unless it noted W at its own start. One clock reading, beside the wake-up this release is
    // about to make or the waiter's yields.
    let mut from_mark = None;
    if let Some(mark) = meta.hold_mark.take()
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
    if measure_it {
        if now == 0 {
            now = clock::now_ns();
        }
        let hold = measure(meta, token, now, for_waiters, hold_start, from_mark);
        // A release measured only for waiting that ended before it (the hand-off to this hold,
        // see `WaitIntegral::has_waiters`) is no sign of a storm: a writer that waited briefly
        // for a reader now and then would otherwise make two measured releases in a row, the
        // reader's and its own, and put the lock into a storm that samples the readers.
        if storm_sample.is_some()
            || for_waiters && meta.storm_shift() == 0 && meta.integral.has_live_waiters()
        {
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
    }
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

/// Releases the lock for a condition-variable wait: measures the hold as any release would but
/// emits nothing (the thread is about to park, and parking_lot forbids anything that could park
/// in between): the hold and the waits before it are recorded, and their events go out at the
/// next release, which the caller marks with [`HoldToken::set_deferred`].
pub(crate) fn release_for_wait(
    meta: &LockMeta,
    token: HoldToken,
    mode: Mode,
    record: bool,
    unlock: impl FnOnce(),
) {
    let for_waiters = meta.has_waiters() && meta.storm_shift() == 0;
    let measured = measure_release(meta, &token, for_waiters, record);
    unlock();
    // The waits go to the recorder now, not at the next release: a thread woken to find its
    // condition still false waits again, and would fill its notes of waits, after which it would
    // record the next ones while holding the lock.
    if token.is_deferred() {
        record_waits(meta);
    }
    if let Some((_, Some(hold))) = measured {
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
