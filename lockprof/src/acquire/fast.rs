//! The fast path's bookkeeping after an acquisition that did not wait, and when it times the
//! hold.

use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;

use super::token::HoldToken;
use crate::meta::LockMeta;
use crate::thread::{self, Sampled, SiteKey};
use crate::{Mode, clock, config, emit, recorder};

/// Whether the slow paths should time and record right now. May run subscriber code (see
/// `emit::wanted`): only where this thread does not hold the lock, before it blocks.
#[inline]
pub(crate) fn recording() -> bool {
    config::is_enabled() && !thread::is_busy() && emit::wanted()
}

/// [`recording`] without running subscriber code, for the paths that hold the lock or run inside
/// its unlock: a subscriber may take that very lock (its own, profiled through
/// compat/parking_lot) in `enabled`, and would deadlock.
#[inline]
pub(crate) fn recording_cached() -> bool {
    config::is_enabled() && !thread::is_busy() && emit::wanted_cached()
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
            // So is one that begins with the hold already marked: the mark was left before
            // this hold began (for the hold before, or by an unlock that woke a waiter), and
            // charging from it would take the hand-off's waiting too.
            if meta.integral.has_live_waiters()
                && (meta.holder.load(Relaxed) != thread::id_if_registered()
                    || meta.hold_mark.is_set())
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
        Sampled::Yes { weight } if recording_cached() => {
            timed_from_here(meta, site, key, weight, 0)
        }
        _ => HoldToken::untimed(site),
    }
}

/// Counts an acquisition the fast path could not ([`thread::on_acquire`]), and tells the recorder
/// what it has to know of: a thread new to lockprof, a counter slot changing hands. Also the
/// async locks' (`crate::tokio`), whose fast path counts as this one does.
pub(crate) fn count_acquisition(meta: &LockMeta, key: SiteKey) -> Sampled {
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
            at: now,
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
    if !recording_cached() {
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
    // not wait. Counted the fast way when it can be: this runs inside the critical section of
    // every storm hold taken over from another thread (see `acquired_recording`).
    let lock_id = meta.id_if_assigned();
    let weight = if lock_id != 0 && thread::count_fast(meta, lock_id, key) {
        0
    } else {
        count_acquisition(meta, key).weight()
    };
    if !recording_cached() {
        return HoldToken::untimed(site);
    }
    timed_from_here(meta, site, key, weight, 0)
}
