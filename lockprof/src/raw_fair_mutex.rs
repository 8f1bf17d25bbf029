//! The raw mutex under [`FairMutex`](crate::FairMutex): lockprof's raw mutex, unlocked fairly
//! every time, as parking_lot's `RawFairMutex` is its `RawMutex` unlocked fairly.

use std::panic::Location;
use std::time::{Duration, Instant};

use lock_api::RawMutexFair as _;

use crate::acquire::HoldToken;
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::raw_mutex::RawProfiledMutex;

/// A raw mutex that records contention and always unlocks fairly: a release with threads parked
/// hands the lock to one of them instead of letting the releasing thread take it straight back.
/// Its acquisitions, waits and holds are recorded as [`RawMutex`](crate::raw::RawMutex)'s; the
/// lock's events say `mutex`. Use it through [`FairMutex`](crate::FairMutex).
#[derive(Debug)]
#[repr(transparent)]
pub struct RawFairMutex(RawProfiledMutex);

impl RawFairMutex {
    pub(crate) const fn new(name: LockName) -> RawFairMutex {
        RawFairMutex(RawProfiledMutex::new(name))
    }

    /// The lock's bookkeeping.
    #[inline(always)]
    pub(crate) fn meta(&self) -> &LockMeta {
        self.0.meta()
    }

    /// This raw lock, named after `site` if it has no name (made by `INIT`), for `from_raw`.
    pub(crate) const fn or_named_at(self, site: &'static Location<'static>) -> RawFairMutex {
        RawFairMutex(self.0.or_named_at(site))
    }
}

// SAFETY: every method is the profiled raw mutex's, whose unlock is only ever replaced by its fair
// unlock, which gives the same exclusion and release ordering.
unsafe impl lock_api::RawMutex for RawFairMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawFairMutex = RawFairMutex::new(LockName::UNNAMED);

    type Guard = HoldToken;

    #[inline]
    #[track_caller]
    fn lock(&self) -> HoldToken {
        self.0.lock()
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> Option<HoldToken> {
        self.0.try_lock()
    }

    #[inline]
    unsafe fn unlock(&self, token: HoldToken) {
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.0.unlock_fair(token) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.is_locked()
    }
}

// SAFETY: as above.
unsafe impl lock_api::RawMutexFair for RawFairMutex {
    #[inline]
    unsafe fn unlock_fair(&self, token: HoldToken) {
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.0.unlock_fair(token) }
    }

    #[inline]
    #[track_caller]
    unsafe fn bump(&self, token: &mut HoldToken) {
        // SAFETY: forwarded from lock_api's contract.
        unsafe { self.0.bump(token) }
    }
}

// SAFETY: as above.
unsafe impl lock_api::RawMutexTimed for RawFairMutex {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_for(&self, timeout: Duration) -> Option<HoldToken> {
        self.0.try_lock_for(timeout)
    }

    #[inline]
    #[track_caller]
    fn try_lock_until(&self, deadline: Instant) -> Option<HoldToken> {
        self.0.try_lock_until(deadline)
    }
}
