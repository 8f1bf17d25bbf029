//! The lock interface every case is written against, and the contenders that need no peer crate:
//! parking_lot, std, lockprof in each of its recording modes, and `lockprof::sync` (lockprof's
//! std-style locks, the contender to read against std).
//!
//! Each contender is a newtype holding a `u64`, so a peer's wrapper (a foreign type) can implement
//! the traits in the benches, and so lockprof's modes can share one lock type while differing in
//! the global settings their [`enter`](BenchMutex::enter) applies.

use crate::QueueLocks;

/// A mutex protecting a `u64`, as the cases use it.
pub trait BenchMutex: Send + Sync + 'static {
    /// Creates the lock (with 0 inside).
    fn create() -> Self;

    /// Locks, runs `f` on the value, unlocks.
    fn with(&self, f: impl FnOnce(&mut u64));

    /// Applies the global settings this contender is measured under (called before each
    /// measurement, on the measuring thread, before any worker starts).
    fn enter() {}

    /// Undoes [`enter`](Self::enter).
    fn exit() {}
}

/// A reader-writer lock protecting a `u64`, as the cases use it.
pub trait BenchRwLock: Send + Sync + 'static {
    /// Creates the lock (with 0 inside).
    fn create() -> Self;

    /// Takes a read lock and returns `f` of the value.
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64;

    /// Takes the write lock and runs `f` on the value.
    fn write(&self, f: impl FnOnce(&mut u64));

    /// As [`BenchMutex::enter`].
    fn enter() {}

    /// As [`BenchMutex::exit`].
    fn exit() {}
}

// The baseline, `parking_lot` 0.13 (the lock lockprof wraps), and `std::sync` (futex-based on
// Linux) implement the traits directly.

impl BenchMutex for parking_lot::Mutex<u64> {
    fn create() -> Self {
        parking_lot::Mutex::new(0)
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock())
    }
}

impl BenchRwLock for parking_lot::RwLock<u64> {
    fn create() -> Self {
        parking_lot::RwLock::new(0)
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&parking_lot::RwLock::read(self))
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut parking_lot::RwLock::write(self))
    }
}

impl BenchMutex for std::sync::Mutex<u64> {
    fn create() -> Self {
        std::sync::Mutex::new(0)
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl BenchRwLock for std::sync::RwLock<u64> {
    fn create() -> Self {
        std::sync::RwLock::new(0)
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&std::sync::RwLock::read(self).unwrap_or_else(|e| e.into_inner()))
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut std::sync::RwLock::write(self).unwrap_or_else(|e| e.into_inner()))
    }
}

/// Defines a lockprof contender: the same locks, measured under different global settings.
macro_rules! lockprof_contender {
    ($(#[$doc:meta])* $name:ident, $lock_name:literal, enter: $enter:expr) => {
        $(#[$doc])*
        ///
        /// Use it as `<lockprof::Mutex<u64>>` or `<lockprof::RwLock<u64>>`, or as
        /// `<lockprof::Condvar>` for the queue cases ([`QueueLocks`]).
        #[derive(Debug)]
        pub struct $name<L>(L);

        impl BenchMutex for $name<lockprof::Mutex<u64>> {
            fn create() -> Self {
                $name(lockprof::Mutex::named($lock_name, 0))
            }
            #[inline]
            fn with(&self, f: impl FnOnce(&mut u64)) {
                f(&mut self.0.lock())
            }
            fn enter() {
                $enter
            }
            fn exit() {
                restore_lockprof_defaults();
            }
        }

        impl BenchRwLock for $name<lockprof::RwLock<u64>> {
            fn create() -> Self {
                $name(lockprof::RwLock::named($lock_name, 0))
            }
            #[inline]
            fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
                f(&self.0.read())
            }
            #[inline]
            fn write(&self, f: impl FnOnce(&mut u64)) {
                f(&mut self.0.write())
            }
            fn enter() {
                $enter
            }
            fn exit() {
                restore_lockprof_defaults();
            }
        }

        impl QueueLocks for $name<lockprof::Condvar> {
            type Raw = lockprof::raw::RawMutex;
            type Cv = lockprof::raw::RawCondvar;
            type Lock<T: Send + 'static> = lockprof::Mutex<T>;

            fn mutex<T: Send + 'static>(value: T) -> lockprof::Mutex<T> {
                lockprof::Mutex::named($lock_name, value)
            }
            fn lock_api<T: Send + 'static>(
                lock: &lockprof::Mutex<T>,
            ) -> &lockprof::lock_api::Mutex<lockprof::raw::RawMutex, T> {
                lock.as_lock_api()
            }
            fn enter() {
                $enter
            }
            fn exit() {
                restore_lockprof_defaults();
            }
        }
    };
}

lockprof_contender!(
    /// lockprof with recording switched off at run time (`set_enabled(false)`).
    LockprofOff,
    "bench-off",
    enter: lockprof::config::set_enabled(false)
);

lockprof_contender!(
    /// lockprof as shipped: recording on, holds sampled 1 in 1024, native stacks captured on
    /// contention (rate-capped), events into the real Layer (a
    /// [`GlobalTrace`](crate::GlobalTrace) must be installed).
    LockprofDefault,
    "bench-default",
    enter: restore_lockprof_defaults()
);

lockprof_contender!(
    /// lockprof timing every hold (`set_hold_sample_interval(1)`), events into the real Layer.
    LockprofEveryHold,
    "bench-every-hold",
    enter: {
        restore_lockprof_defaults();
        lockprof::config::set_hold_sample_interval(1);
    }
);

lockprof_contender!(
    /// lockprof as shipped but with native stack capture switched off
    /// (`set_stack_capture(false)`), to show what stacks cost.
    LockprofNoStacks,
    "bench-no-stacks",
    enter: {
        restore_lockprof_defaults();
        lockprof::config::set_stack_capture(false);
    }
);

/// `lockprof::sync`'s std-style locks as shipped (recording on, as [`LockprofDefault`]), used as
/// std's are: `lock()` and `read()`/`write()` return a `LockResult`, unwrapped the same way as in
/// std's contender, so the two differ only in the lock. Use it as
/// `<lockprof::sync::Mutex<u64>>` or `<lockprof::sync::RwLock<u64>>`.
#[derive(Debug)]
pub struct LockprofSync<L>(L);

impl BenchMutex for LockprofSync<lockprof::sync::Mutex<u64>> {
    fn create() -> Self {
        LockprofSync(lockprof::sync::Mutex::named("bench-sync", 0))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
    fn enter() {
        restore_lockprof_defaults();
    }
    fn exit() {
        restore_lockprof_defaults();
    }
}

impl BenchRwLock for LockprofSync<lockprof::sync::RwLock<u64>> {
    fn create() -> Self {
        LockprofSync(lockprof::sync::RwLock::named("bench-sync", 0))
    }
    #[inline]
    fn read(&self, f: impl FnOnce(&u64) -> u64) -> u64 {
        f(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write().unwrap_or_else(|e| e.into_inner()))
    }
    fn enter() {
        restore_lockprof_defaults();
    }
    fn exit() {
        restore_lockprof_defaults();
    }
}

fn restore_lockprof_defaults() {
    lockprof::config::set_enabled(true);
    lockprof::config::set_hold_sample_interval(lockprof::config::DEFAULT_HOLD_SAMPLE_INTERVAL);
    lockprof::config::set_stack_capture(true);
}
