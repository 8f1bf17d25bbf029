//! The raw profiled mutex: parking_lot's mutex algorithm ([`LockWord`]) plus the lock's
//! bookkeeping, implementing lock_api's raw traits so `lock_api::Mutex` provides guards, mapping
//! and the rest.

use std::panic::Location;
use std::time::{Duration, Instant};

use crate::acquire::{self, HoldToken, WaiterStack};
use crate::lock_word::LockWord;
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::requeued::RequeuedWaits;
use crate::{LockKind, Mode};

/// A raw mutex that records contention: parking_lot's mutex algorithm plus lockprof's per-lock
/// bookkeeping. Use it through [`crate::Mutex`]; it is public because guard types name it.
#[repr(C)]
pub struct RawProfiledMutex {
    /// First, so its busiest fields end next to the raw lock word (see `LockMeta`).
    pub(crate) meta: LockMeta,
    raw: LockWord,
}

impl RawProfiledMutex {
    pub(crate) const fn new(name: LockName) -> RawProfiledMutex {
        RawProfiledMutex {
            raw: LockWord::new(),
            meta: LockMeta::new(name, LockKind::Mutex),
        }
    }

    /// The lock's bookkeeping.
    #[inline(always)]
    pub(crate) fn meta(&self) -> &LockMeta {
        &self.meta
    }

    /// This raw lock, named after `site` if it has no name (made by `INIT`), for `from_raw`.
    pub(crate) const fn or_named_at(self, site: &'static Location<'static>) -> RawProfiledMutex {
        let mut raw = self;
        raw.meta.name = raw.meta.name.or_created_at(site);
        raw
    }

    /// Acquires the lock as if at `site` (the condition variable re-locks on behalf of the
    /// original acquire site).
    #[inline(always)]
    pub(crate) fn lock_at(&self, site: &'static Location<'static>) -> HoldToken {
        if self.raw.lock_fast() || self.raw.try_lock() {
            return acquire::acquired(&self.meta, site, Mode::Exclusive);
        }
        self.lock_contended(site, None)
            .expect("a lock without a deadline always ends acquired")
    }

    #[cold]
    #[inline(never)]
    fn lock_contended(
        &self,
        site: &'static Location<'static>,
        deadline: Option<Instant>,
    ) -> Option<HoldToken> {
        acquire::contended(
            &self.meta,
            site,
            Mode::Exclusive,
            WaiterStack::WhenLong,
            |clock, watch| {
                self.raw.lock_slow(
                    deadline,
                    clock,
                    watch.map(|waiting| move || waiting(&self.meta)),
                )
            },
        )
    }

    /// Unlocks without emitting anything, for a condition-variable wait (see
    /// [`acquire::release_for_wait`]).
    ///
    /// # Safety
    ///
    /// The mutex must be held, with `token` the state of that acquisition.
    /// The deadlock detector is not told (this runs inside `parking_lot_core::park`): the wait
    /// tells it first, with [`deadlock_release`](Self::deadlock_release).
    pub(crate) unsafe fn unlock_for_wait(&self, token: HoldToken, record: bool) {
        acquire::release_for_wait(&self.meta, token, Mode::Exclusive, record, || {
            // SAFETY: the caller holds the mutex (this function's contract).
            unsafe { self.raw.unlock_inner(|| acquire::woke_waiter(&self.meta)) }
        });
    }

    /// Tells the deadlock detector this thread no longer holds the mutex, before a condition
    /// variable's wait queues it (and the mutex is unlocked inside the park).
    pub(crate) fn deadlock_release(&self) {
        self.raw.deadlock_release();
    }

    /// Tells the deadlock detector this thread holds the mutex again, without having locked it:
    /// a condition variable's wait that failed before unlocking.
    pub(crate) fn deadlock_acquire(&self) {
        self.raw.deadlock_acquire();
    }
}

/// What a condition variable needs of its mutex to move its notified waiters onto the mutex's
/// queue, as parking_lot's condition variable does with its mutex.
impl RawProfiledMutex {
    /// The address the waiters of the mutex at `mutex` park on in `parking_lot_core`, computed
    /// without reading it (the mutex may be gone: the key is then only compared).
    pub(crate) fn park_key_of(mutex: *const RawProfiledMutex) -> usize {
        mutex.addr() + std::mem::offset_of!(RawProfiledMutex, raw)
    }

    /// Sets the parked bit if the mutex is held, and says whether it is (with its queue locked).
    pub(crate) fn mark_parked_if_locked(&self) -> bool {
        self.raw.mark_parked_if_locked()
    }

    /// Sets the parked bit (with its queue locked).
    pub(crate) fn mark_parked(&self) {
        self.raw.mark_parked();
    }

    /// A condition variable has just moved `count` threads whose re-lock is recorded onto this
    /// mutex's queue (see [`acquire::requeued`]; inside `parking_lot_core`'s requeue).
    pub(crate) fn requeued(&self, pending: &RequeuedWaits, count: usize) {
        acquire::requeued(&self.meta, pending, count);
    }

    /// Acquires the mutex as if at `site` for a thread a condition variable moved onto its queue
    /// and that this mutex's unlock has now woken, handing it the lock (`handed_over`, a fair
    /// unlock) or not (see [`acquire::requeued_wake`]).
    pub(crate) fn relock_requeued(
        &self,
        site: &'static Location<'static>,
        pending: &RequeuedWaits,
        registered: bool,
        handed_over: bool,
    ) -> HoldToken {
        acquire::requeued_wake(
            &self.meta,
            site,
            pending,
            registered,
            handed_over,
            |clock, watch| {
                if handed_over {
                    self.raw.deadlock_acquire();
                    return Some(clock());
                }
                self.raw.lock_slow(
                    None,
                    clock,
                    watch.map(|waiting| move || waiting(&self.meta)),
                )
            },
        )
    }
}

impl std::fmt::Debug for RawProfiledMutex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawProfiledMutex")
            .field("locked", &self.raw.is_locked())
            .field("meta", &self.meta)
            .finish()
    }
}

// SAFETY: mutual exclusion, acquire and release ordering all come from the lock word
// (parking_lot's algorithm), which every method delegates to; the bookkeeping around it neither
// unlocks nor re-locks, and does not unwind between a successful raw acquisition and returning
// the token.
unsafe impl lock_api::RawMutex for RawProfiledMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawProfiledMutex = RawProfiledMutex::new(LockName::UNNAMED);

    type Guard = HoldToken;

    #[inline]
    #[track_caller]
    fn lock(&self) -> HoldToken {
        self.lock_at(Location::caller())
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> Option<HoldToken> {
        let site = Location::caller();
        if !self.raw.try_lock() {
            return None;
        }
        Some(acquire::acquired(&self.meta, site, Mode::Exclusive))
    }

    #[inline]
    unsafe fn unlock(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Exclusive, || {
            // SAFETY: the caller holds the mutex (lock_api's contract for `unlock`).
            unsafe { self.raw.unlock(|| acquire::woke_waiter(&self.meta)) }
        });
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }
}

// SAFETY: as for RawMutex; fair unlocking is parking_lot's.
unsafe impl lock_api::RawMutexFair for RawProfiledMutex {
    #[inline]
    unsafe fn unlock_fair(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Exclusive, || {
            // SAFETY: the caller holds the mutex.
            unsafe { self.raw.unlock_fair() }
        });
    }
}

// SAFETY: as for RawMutex; timeouts are parking_lot's (a timed-out attempt holds nothing).
unsafe impl lock_api::RawMutexTimed for RawProfiledMutex {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_for(&self, timeout: Duration) -> Option<HoldToken> {
        let site = Location::caller();
        if self.raw.try_lock() {
            return Some(acquire::acquired(&self.meta, site, Mode::Exclusive));
        }
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.lock_contended(site, Some(deadline)),
            // A timeout too far away to represent is no timeout.
            None => self.lock_contended(site, None),
        }
    }

    #[inline]
    #[track_caller]
    fn try_lock_until(&self, deadline: Instant) -> Option<HoldToken> {
        let site = Location::caller();
        if self.raw.try_lock() {
            return Some(acquire::acquired(&self.meta, site, Mode::Exclusive));
        }
        self.lock_contended(site, Some(deadline))
    }
}
#[cfg(test)]
mod tests {
    /// Where a field is, relative to the start of the lock.
    fn offset<T, F>(lock: &T, field: &F) -> usize {
        std::ptr::from_ref(field) as usize - std::ptr::from_ref(lock) as usize
    }

    /// The lock word, the fields every acquisition and release touches, and the start of the data
    /// share the lock's second cache line (see `LockMeta`), wherever the lock is.
    #[test]
    fn the_lock_word_its_busiest_fields_and_the_data_share_a_cache_line() {
        let locks: Vec<crate::Mutex<u64>> = (0..4).map(crate::Mutex::new).collect();
        for lock in &locks {
            assert_eq!(std::ptr::from_ref(lock) as usize % 128, 0);
            // SAFETY: only the address of the raw lock's fields is read.
            let raw = unsafe { lock.raw() };
            let line = |at: usize| at / 64;
            let data = lock.data_ptr() as usize - std::ptr::from_ref(lock) as usize;
            for at in [
                offset(lock, &raw.raw),
                offset(lock, &raw.meta.holder),
                offset(lock, &raw.meta.hot),
                // `waiting`, the integral's third and last field.
                offset(lock, &raw.meta.integral) + 16,
                data,
                data + 7,
            ] {
                assert_eq!(line(at), 1, "offset {at}");
            }
        }
        // As documented on the lock types.
        assert_eq!(size_of::<crate::Mutex<u64>>(), 128);
        assert_eq!(size_of::<crate::RwLock<u64>>(), 128);
        let rwlock = crate::RwLock::new(0u64);
        // SAFETY: as above.
        let raw = unsafe { rwlock.raw() };
        let data = rwlock.data_ptr() as usize - std::ptr::from_ref(&rwlock) as usize;
        assert_eq!(offset(&rwlock, &raw.meta.holder) / 64, 1);
        assert_eq!(data / 64, 1);
    }
}
