//! Poisoning as `std::sync` does it: a flag set when a thread panics while holding a lock
//! exclusively, and each exclusive guard's note of whether its thread was already panicking
//! when it took the lock (a panic that began before the lock was taken poisons nothing).
//!
//! The flag lives in [`Poisonable`], the value a std-style lock hands its profiled lock to
//! protect, so that it sits on the lock's own cache line beside the data and costs no bytes
//! (a `lockprof::sync::Mutex<u64>` is 128 bytes, as a `lockprof::Mutex<u64>`).

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{LockResult, PoisonError};
use std::thread;

/// What a `lockprof::sync` lock protects: its poison flag, then the user's value.
///
/// The flag is read without holding the lock (`is_poisoned`) while another thread may hold a
/// `&mut` to the value, so the two are only ever reached through [`flag`](Self::flag) and
/// [`value`](Self::value), which project the raw pointer field by field: no reference to the
/// whole struct is made while the lock is shared.
// `repr(C)`: the flag first, so that the value keeps the place the data has in a profiled lock
// and an unsized value can follow it.
#[repr(C)]
pub(super) struct Poisonable<T: ?Sized> {
    failed: Flag,
    value: T,
}

impl<T> Poisonable<T> {
    pub(super) const fn new(value: T) -> Poisonable<T> {
        Poisonable {
            failed: Flag(AtomicBool::new(false)),
            value,
        }
    }

    /// The value, `Err` if the lock was poisoned (std's `into_inner`).
    pub(super) fn into_result(self) -> LockResult<T> {
        result(self.failed.get(), self.value)
    }
}

impl<T: ?Sized> Poisonable<T> {
    /// The value, `Err` if the lock was poisoned (std's `get_mut`).
    pub(super) fn get_mut(&mut self) -> LockResult<&mut T> {
        result(self.failed.get(), &mut self.value)
    }

    /// The poison flag of the `Poisonable` at `this`.
    ///
    /// # Safety
    ///
    /// `this` must point to a `Poisonable` that stays alive for `'a`.
    #[inline]
    pub(super) unsafe fn flag<'a>(this: *const Poisonable<T>) -> &'a Flag {
        // SAFETY: `this` is live for 'a (the contract). The flag is atomic, and nobody holds a
        // `&mut` to it or to the whole struct while the lock is shared (see the type's docs).
        unsafe { &(*this).failed }
    }

    /// A pointer to the value of the `Poisonable` at `this`, made without reading either field.
    ///
    /// # Safety
    ///
    /// `this` must point to a live `Poisonable`.
    #[inline]
    pub(super) unsafe fn value(this: *mut Poisonable<T>) -> *mut T {
        // SAFETY: `this` points to a live `Poisonable` (the contract); only the place is taken.
        unsafe { &raw mut (*this).value }
    }
}

/// The poison flag (std's `poison::Flag`). Relaxed, as std's: the lock's own acquire and
/// release order it whenever it matters, and otherwise it is only advice.
pub(super) struct Flag(AtomicBool);

impl Flag {
    #[inline]
    pub(super) fn get(&self) -> bool {
        self.0.load(Relaxed)
    }

    #[inline]
    pub(super) fn clear(&self) {
        self.0.store(false, Relaxed);
    }

    /// The end of an exclusive hold: poisons the lock if the thread began panicking during it.
    #[inline]
    pub(super) fn done(&self, taken: Panicking) {
        if !taken.0 && thread::panicking() {
            self.0.store(true, Relaxed);
        }
    }
}

/// Whether the thread was already panicking when it took the lock (std's `poison::Guard`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Panicking(bool);

impl Panicking {
    #[inline]
    pub(super) fn now() -> Panicking {
        Panicking(thread::panicking())
    }
}

/// `Ok(value)`, or `value` inside a [`PoisonError`] if `poisoned`.
#[inline]
pub(super) fn result<T>(poisoned: bool, value: T) -> LockResult<T> {
    if poisoned {
        Err(PoisonError::new(value))
    } else {
        Ok(value)
    }
}
