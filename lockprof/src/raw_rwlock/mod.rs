//! The raw profiled reader-writer lock: parking_lot's raw rwlock plus the lock's bookkeeping,
//! implementing lock_api's raw traits (shared, exclusive, upgradable, timed, fair, downgrade).

use std::panic::Location;
use std::time::{Duration, Instant};

use lock_api::{
    RawRwLock as _, RawRwLockTimed as _, RawRwLockUpgrade as _, RawRwLockUpgradeTimed as _,
};

use crate::acquire::{self, HoldToken, WaiterStack};
use crate::meta::LockMeta;
use crate::name::LockName;
use crate::{LockKind, Mode};

mod upgrade;

/// A raw reader-writer lock that records contention: `parking_lot::RawRwLock` plus lockprof's
/// per-lock bookkeeping. Use it through [`crate::RwLock`]; it is public because guard types
/// name it.
#[repr(C)]
pub struct RawProfiledRwLock {
    /// First, so its busiest fields end next to the raw lock word (see `LockMeta`).
    pub(crate) meta: LockMeta,
    raw: parking_lot::RawRwLock,
}

impl std::fmt::Debug for RawProfiledRwLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawProfiledRwLock")
            .field("locked", &self.raw.is_locked())
            .field("meta", &self.meta)
            .finish()
    }
}

/// A raw acquisition attempt that may block: `None` deadline blocks until acquired.
type Deadline = Option<Instant>;

fn deadline_after(timeout: Duration) -> Deadline {
    // A timeout too far away to represent is no timeout.
    Instant::now().checked_add(timeout)
}

/// The guard state `parking_lot::RawRwLock` takes back at unlock: its `GuardMarker`, which is
/// `GuardNoSend` or, where anything in the build turns on parking_lot's `send_guard` feature,
/// `GuardSend` (lockprof's own `send_guard` is about its own guards, not parking_lot's), so it is
/// named by inference rather than spelled.
#[inline(always)]
fn marker<M: Default>() -> M {
    M::default()
}

impl RawProfiledRwLock {
    pub(crate) const fn new(name: LockName) -> RawProfiledRwLock {
        RawProfiledRwLock {
            raw: parking_lot::RawRwLock::INIT,
            meta: LockMeta::new(name, LockKind::RwLock),
        }
    }

    /// The lock's bookkeeping.
    #[inline(always)]
    pub(crate) fn meta(&self) -> &LockMeta {
        &self.meta
    }

    /// This raw lock, named after `site` if it has no name (made by `INIT`), for `from_raw`.
    pub(crate) const fn or_named_at(self, site: &'static Location<'static>) -> RawProfiledRwLock {
        let mut raw = self;
        raw.meta.name = raw.meta.name.or_created_at(site);
        raw
    }

    #[cold]
    #[inline(never)]
    fn shared_contended(
        &self,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        acquire::contended(
            &self.meta,
            site,
            Mode::Shared,
            WaiterStack::AtStart,
            |clock, _watch| match deadline {
                None => {
                    self.raw.lock_shared();
                    Some(clock())
                }
                Some(deadline) => self.raw.try_lock_shared_until(deadline).map(|_| clock()),
            },
        )
    }

    #[cold]
    #[inline(never)]
    fn exclusive_contended(
        &self,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        acquire::contended(
            &self.meta,
            site,
            Mode::Exclusive,
            WaiterStack::AtStart,
            |clock, _watch| match deadline {
                None => {
                    self.raw.lock_exclusive();
                    Some(clock())
                }
                Some(deadline) => self.raw.try_lock_exclusive_until(deadline).map(|_| clock()),
            },
        )
    }

    #[cold]
    #[inline(never)]
    fn upgradable_contended(
        &self,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        acquire::contended(
            &self.meta,
            site,
            Mode::Upgradable,
            WaiterStack::AtStart,
            |clock, _watch| match deadline {
                None => {
                    self.raw.lock_upgradable();
                    Some(clock())
                }
                Some(deadline) => self
                    .raw
                    .try_lock_upgradable_until(deadline)
                    .map(|_| clock()),
            },
        )
    }

    #[inline]
    fn shared(&self, site: &'static Location<'static>, deadline: Deadline) -> Option<HoldToken> {
        if self.raw.try_lock_shared().is_some() {
            return Some(acquire::acquired(&self.meta, site, Mode::Shared));
        }
        self.shared_contended(site, deadline)
    }

    #[inline]
    fn exclusive(&self, site: &'static Location<'static>, deadline: Deadline) -> Option<HoldToken> {
        if self.raw.try_lock_exclusive().is_some() {
            return Some(acquire::acquired(&self.meta, site, Mode::Exclusive));
        }
        self.exclusive_contended(site, deadline)
    }

    #[inline]
    fn upgradable(
        &self,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Option<HoldToken> {
        if self.raw.try_lock_upgradable().is_some() {
            return Some(acquire::acquired(&self.meta, site, Mode::Upgradable));
        }
        self.upgradable_contended(site, deadline)
    }

    /// Upgrades, waiting for readers to leave if needed (recorded as an exclusive wait at the
    /// upgrade's site). Gives the upgradable token back if the deadline passes.
    ///
    /// # Safety
    ///
    /// The lock must be held upgradable with acquisition state `token`.
    unsafe fn upgrade_until(
        &self,
        token: HoldToken,
        site: &'static Location<'static>,
        deadline: Deadline,
    ) -> Result<HoldToken, HoldToken> {
        // SAFETY: the caller holds the lock upgradable (this function's contract).
        if unsafe { self.raw.try_upgrade(marker()) }.is_ok() {
            return Ok(token);
        }
        let upgraded =
            acquire::upgrade_contended(&self.meta, site, |clock, _watch| match deadline {
                None => {
                    // SAFETY: as above; the lock is still held upgradable.
                    unsafe { self.raw.upgrade(marker()) };
                    Some(clock())
                }
                // SAFETY: as above.
                Some(deadline) => unsafe { self.raw.try_upgrade_until(marker(), deadline) }
                    .ok()
                    .map(|_| clock()),
            });
        upgraded.ok_or(token)
    }
}

/// Unwraps the result of an acquisition without a deadline.
fn acquired(token: Option<HoldToken>) -> HoldToken {
    token.expect("a lock without a deadline always ends acquired")
}

// SAFETY: reader-writer exclusion and memory ordering come from parking_lot's RawRwLock, which
// every method delegates to; the bookkeeping neither unlocks nor re-locks and does not unwind
// between a successful raw acquisition and returning its token.
unsafe impl lock_api::RawRwLock for RawProfiledRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawProfiledRwLock = RawProfiledRwLock::new(LockName::UNNAMED);

    type SharedGuard = HoldToken;
    type ExclusiveGuard = HoldToken;

    #[inline]
    #[track_caller]
    fn lock_shared(&self) -> HoldToken {
        // Spelled out rather than through `shared()`: the inlined part stays one attempt and
        // one flag test, with no `Option` to unwrap.
        let site = Location::caller();
        if self.raw.try_lock_shared().is_some() {
            return acquire::acquired(&self.meta, site, Mode::Shared);
        }
        acquired(self.shared_contended(site, None))
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared(&self) -> Option<HoldToken> {
        let site = Location::caller();
        self.raw.try_lock_shared()?;
        Some(acquire::acquired(&self.meta, site, Mode::Shared))
    }

    #[inline]
    unsafe fn unlock_shared(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Shared, || {
            // SAFETY: the caller holds a shared lock (lock_api's contract).
            unsafe { self.raw.unlock_shared(marker()) }
        });
    }

    #[inline]
    #[track_caller]
    fn lock_exclusive(&self) -> HoldToken {
        // Spelled out rather than through `exclusive()`: the inlined part stays one attempt and
        // one flag test, with no `Option` to unwrap.
        let site = Location::caller();
        if self.raw.try_lock_exclusive().is_some() {
            return acquire::acquired(&self.meta, site, Mode::Exclusive);
        }
        acquired(self.exclusive_contended(site, None))
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive(&self) -> Option<HoldToken> {
        let site = Location::caller();
        self.raw.try_lock_exclusive()?;
        Some(acquire::acquired(&self.meta, site, Mode::Exclusive))
    }

    #[inline]
    unsafe fn unlock_exclusive(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Exclusive, || {
            // SAFETY: the caller holds the exclusive lock.
            unsafe { self.raw.unlock_exclusive(marker()) }
        });
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        self.raw.is_locked_exclusive()
    }
}

// SAFETY: as above; fair unlocking is parking_lot's.
unsafe impl lock_api::RawRwLockFair for RawProfiledRwLock {
    #[inline]
    unsafe fn unlock_shared_fair(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Shared, || {
            // SAFETY: the caller holds a shared lock.
            unsafe { self.raw.unlock_shared_fair(marker()) }
        });
    }

    #[inline]
    unsafe fn unlock_exclusive_fair(&self, token: HoldToken) {
        acquire::release(&self.meta, token, Mode::Exclusive, || {
            // SAFETY: the caller holds the exclusive lock.
            unsafe { self.raw.unlock_exclusive_fair(marker()) }
        });
    }
}

// SAFETY: as above; the hold continues through the downgrade under the same token.
unsafe impl lock_api::RawRwLockDowngrade for RawProfiledRwLock {
    #[inline]
    unsafe fn downgrade(&self, token: HoldToken) -> HoldToken {
        // SAFETY: the caller holds the exclusive lock.
        unsafe { self.raw.downgrade(marker()) };
        token
    }
}

// SAFETY: as above; a timed-out attempt holds nothing.
unsafe impl lock_api::RawRwLockTimed for RawProfiledRwLock {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_shared_for(&self, timeout: Duration) -> Option<HoldToken> {
        let site = Location::caller();
        if self.raw.try_lock_shared().is_some() {
            return Some(acquire::acquired(&self.meta, site, Mode::Shared));
        }
        self.shared_contended(site, deadline_after(timeout))
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared_until(&self, deadline: Instant) -> Option<HoldToken> {
        self.shared(Location::caller(), Some(deadline))
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive_for(&self, timeout: Duration) -> Option<HoldToken> {
        let site = Location::caller();
        if self.raw.try_lock_exclusive().is_some() {
            return Some(acquire::acquired(&self.meta, site, Mode::Exclusive));
        }
        self.exclusive_contended(site, deadline_after(timeout))
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive_until(&self, deadline: Instant) -> Option<HoldToken> {
        self.exclusive(Location::caller(), Some(deadline))
    }
}
