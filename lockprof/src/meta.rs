//! Per-lock bookkeeping that lives next to the raw lock: identity, current holder, adaptive timing
//! and the waiting integral ([`crate::integral`]) that makes blame exact.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use crate::LockKind;
use crate::integral::WaitIntegral;
use crate::name::LockName;

static NEXT_LOCK_ID: AtomicU64 = AtomicU64::new(1);

/// Bookkeeping of one profiled lock. Every field is touched only by slow paths, except `holder`,
/// `id`, `hot` and the waiter count, which the fast path reads (and `holder` it writes) in the cache
/// line the lock word already brought in.
#[derive(Debug)]
pub(crate) struct LockMeta {
    pub(crate) name: LockName,
    pub(crate) kind: LockKind,
    /// Process-unique id, assigned on first use so `const` construction stays possible.
    id: AtomicU64,
    /// lockprof thread id of the last thread to acquire the lock (0: none yet).
    pub(crate) holder: AtomicU64,
    /// Holds left to time exactly after a recent long wait (one at least the event threshold).
    pub(crate) hot: AtomicU32,
    /// Who waited, for how long, and how much of it is charged to holders.
    pub(crate) integral: WaitIntegral,
    /// When the last measured release happened: an untimed hold began after it.
    last_release: AtomicU64,
    /// The stack of the latest hold that made others wait, for its waiters to pair with
    /// (`stacks::pack_blamed`; 0: none). Written after that hold's unlock.
    pub(crate) blamed: AtomicU64,
}

impl LockMeta {
    pub(crate) const fn new(name: LockName, kind: LockKind) -> LockMeta {
        LockMeta {
            name,
            kind,
            id: AtomicU64::new(0),
            holder: AtomicU64::new(0),
            hot: AtomicU32::new(0),
            integral: WaitIntegral::new(),
            last_release: AtomicU64::new(0),
            blamed: AtomicU64::new(0),
        }
    }

    /// Whether to measure this release, which has waiters. Under a storm of short contended
    /// holds, measuring every release would cost more than the holds: after the first few
    /// releases of an episode of contention (waiters present without a break), only one in
    /// several is measured, and it is charged all the waiting since the last measured one.
    /// Totals stay exact; the split among holders becomes statistical. The count is kept per
    /// thread so a storm's releases do not also write to the lock's cache line.
    #[inline]
    pub(crate) fn measure_this_release(&self) -> bool {
        crate::thread::measure_in_episode(self.addr(), self.integral.contention_since())
    }

    /// When the last measured release happened.
    #[inline]
    pub(crate) fn last_release(&self) -> u64 {
        self.last_release.load(Relaxed)
    }

    /// Notes a measured release at `now`.
    #[inline]
    pub(crate) fn set_last_release(&self, now: u64) {
        self.last_release.store(now, Relaxed);
    }

    /// Whether this thread sees the lock in a storm (see `measure_this_release`).
    #[inline]
    pub(crate) fn in_storm(&self) -> bool {
        crate::thread::in_storm(self.addr(), self.integral.contention_since())
    }

    /// The lock's process-unique id.
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        match self.id.load(Relaxed) {
            0 => self.assign_id(),
            id => id,
        }
    }

    /// The id if assigned yet, else 0 (one load, for the fast path).
    #[inline(always)]
    pub(crate) fn id_if_assigned(&self) -> u64 {
        self.id.load(Relaxed)
    }

    /// Whether a recent long wait asks for exact hold times (one load on the lock's line).
    #[inline(always)]
    pub(crate) fn is_hot(&self) -> bool {
        self.hot.load(Relaxed) != 0
    }

    /// Times the next `HOT_HOLDS` holds exactly.
    #[inline]
    pub(crate) fn make_hot(&self) {
        self.hot.store(crate::config::HOT_HOLDS, Relaxed);
    }

    /// The lock's address: identifies it among the events a thread has pending.
    #[inline]
    pub(crate) fn addr(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    #[cold]
    fn assign_id(&self) -> u64 {
        let fresh = NEXT_LOCK_ID.fetch_add(1, Relaxed);
        match self.id.compare_exchange(0, fresh, Relaxed, Relaxed) {
            Ok(_) => fresh,
            Err(existing) => existing,
        }
    }

    /// Whether any thread is waiting now (one relaxed load; the fast unlock path asks this).
    #[inline]
    pub(crate) fn has_waiters(&self) -> bool {
        self.integral.has_waiters()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_stable() {
        let a = LockMeta::new(LockName::Given("a"), LockKind::Mutex);
        let b = LockMeta::new(LockName::Given("b"), LockKind::Mutex);
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id(), a.id());
    }
}
