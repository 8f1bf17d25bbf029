//! The methods of lockprof's two mutex types, [`Mutex`](crate::Mutex) and
//! [`FairMutex`](crate::FairMutex): parking_lot's (which are lock_api's `Mutex`), plus the lock's
//! name and id. One macro, so that the two cannot drift apart; each type's own file holds its
//! struct, its docs and its guards.

/// Implements the mutex API for `$lock<T>`, a `#[repr(align(128))]` struct whose only field is
/// `inner: lock_api::Mutex<$raw, T>`, with guards `$guard<'a, T>`.
macro_rules! mutex_api {
    ($lock:ident, $raw:ty, $guard:ident) => {
        impl<T> $lock<T> {
            /// Creates an unlocked mutex named after the place it is created (`file:line`).
            #[inline]
            #[track_caller]
            pub const fn new(value: T) -> $lock<T> {
                $lock::with_name(
                    $crate::name::LockName::CreatedAt(::std::panic::Location::caller()),
                    value,
                )
            }

            /// Creates an unlocked mutex with a name for reports (`"orders"`, `"ledger"`).
            #[inline]
            pub const fn named(name: &'static str, value: T) -> $lock<T> {
                $lock::with_name($crate::name::LockName::Given(name), value)
            }

            const fn with_name(name: $crate::name::LockName, value: T) -> $lock<T> {
                $lock {
                    inner: lock_api::Mutex::from_raw(<$raw>::new(name), value),
                }
            }

            /// Creates a mutex on an existing raw mutex, as lock_api's `from_raw`. The lock is
            /// the raw mutex's: its name and id go with it (a raw mutex from
            /// [`into_inner_with_raw`](Self::into_inner_with_raw) is the same lock in reports);
            /// one made by lock_api's `INIT`, which has no name, is named after this call's
            /// `file:line`, as [`new`](Self::new) would.
            #[inline]
            #[track_caller]
            pub const fn from_raw(raw_mutex: $raw, value: T) -> $lock<T> {
                $lock {
                    inner: lock_api::Mutex::from_raw(
                        raw_mutex.or_named_at(::std::panic::Location::caller()),
                        value,
                    ),
                }
            }

            /// Consumes the mutex and returns the protected value.
            #[inline]
            pub fn into_inner(self) -> T {
                self.inner.into_inner()
            }

            /// Consumes the mutex and returns its raw mutex (with the lock's name and id) and
            /// the protected value.
            #[inline]
            pub fn into_inner_with_raw(self) -> ($raw, T) {
                self.inner.into_inner_with_raw()
            }
        }

        impl<T: ?Sized> $lock<T> {
            /// Makes a guard for a lock the current context already holds, as lock_api's
            /// `make_guard_unchecked`.
            ///
            /// # Safety
            ///
            /// The mutex must be held with the acquisition state `token` (from `raw().lock()`),
            /// with no other guard for that acquisition (unless forgotten with `mem::forget`),
            /// and existing references to the data must stay valid while the guard is used.
            #[inline]
            pub unsafe fn make_guard_unchecked(
                &self,
                token: $crate::raw::HoldToken,
            ) -> $guard<'_, T> {
                // SAFETY: forwarded from this function's contract.
                unsafe { self.inner.make_guard_unchecked(token) }
            }

            /// Acquires the mutex, blocking until it is available; the wait is recorded if there
            /// is one.
            #[inline]
            #[track_caller]
            pub fn lock(&self) -> $guard<'_, T> {
                self.inner.lock()
            }

            /// Acquires the mutex if it is free now.
            #[inline]
            #[track_caller]
            pub fn try_lock(&self) -> Option<$guard<'_, T>> {
                self.inner.try_lock()
            }

            /// Acquires the mutex, waiting at most `timeout`. A wait that gives up is recorded
            /// with `timed_out = true`.
            #[inline]
            #[track_caller]
            pub fn try_lock_for(&self, timeout: ::std::time::Duration) -> Option<$guard<'_, T>> {
                self.inner.try_lock_for(timeout)
            }

            /// Acquires the mutex, waiting until `deadline` at most.
            #[inline]
            #[track_caller]
            pub fn try_lock_until(&self, deadline: ::std::time::Instant) -> Option<$guard<'_, T>> {
                self.inner.try_lock_until(deadline)
            }

            /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
            #[inline]
            pub const fn get_mut(&mut self) -> &mut T {
                self.inner.get_mut()
            }

            /// Whether the mutex is locked now (a momentary snapshot).
            #[inline]
            pub fn is_locked(&self) -> bool {
                self.inner.is_locked()
            }

            /// A raw pointer to the protected data.
            #[inline]
            pub const fn data_ptr(&self) -> *mut T {
                self.inner.data_ptr()
            }

            /// Unlocks the mutex held through raw acquisition state, as lock_api's
            /// `force_unlock`.
            ///
            /// # Safety
            ///
            /// The current context must hold the lock with the acquisition state `token` (from
            /// `raw().lock()`), with no live guard responsible for unlocking it, and unlocking
            /// must not invalidate references to the data still in use.
            #[inline]
            pub unsafe fn force_unlock(&self, token: $crate::raw::HoldToken) {
                // SAFETY: forwarded from this function's contract.
                unsafe { self.inner.force_unlock(token) }
            }

            /// Like [`force_unlock`](Self::force_unlock), with parking_lot's fair unlocking.
            ///
            /// # Safety
            ///
            /// As for [`force_unlock`](Self::force_unlock).
            #[inline]
            pub unsafe fn force_unlock_fair(&self, token: $crate::raw::HoldToken) {
                // SAFETY: forwarded from this function's contract.
                unsafe { self.inner.force_unlock_fair(token) }
            }

            /// The raw mutex, for use with lock_api's raw traits.
            ///
            /// # Safety
            ///
            /// As lock_api's `Mutex::raw`: operations on the raw lock must keep every live guard
            /// and reference to the data valid.
            #[inline]
            pub unsafe fn raw(&self) -> &$raw {
                // SAFETY: forwarded from this function's contract.
                unsafe { self.inner.raw() }
            }

            /// The process-unique id of this lock (the `lock_id` of its events).
            pub fn id(&self) -> u64 {
                // SAFETY: reading the bookkeeping does not touch the lock state.
                unsafe { self.inner.raw() }.meta().id()
            }

            /// The name of this lock in events and reports.
            pub fn name(&self) -> String {
                // SAFETY: as in `id`.
                unsafe { self.inner.raw() }.meta().name.to_string()
            }

            /// The lock_api mutex inside, for APIs generic over `lock_api::Mutex`; what its
            /// guards' `mutex()` returns too. Acquisitions through it are this lock's.
            #[inline]
            pub fn as_lock_api(&self) -> &lock_api::Mutex<$raw, T> {
                &self.inner
            }

            /// Acquires the mutex through an `Arc`, blocking until it is available: the guard
            /// holds a clone of the `Arc` instead of borrowing the lock.
            #[cfg(feature = "arc_lock")]
            #[inline]
            #[track_caller]
            pub fn lock_arc(
                self: &::std::sync::Arc<Self>,
            ) -> $crate::arc_mutex::ArcMutexGuard<$raw, T> {
                // SAFETY: locking the raw mutex invalidates no guard or reference.
                let token = lock_api::RawMutex::lock(unsafe { self.inner.raw() });
                // SAFETY: `token` is this acquisition's, which no other guard stands for.
                unsafe {
                    $crate::arc_mutex::ArcMutexGuard::new(::std::sync::Arc::clone(self), token)
                }
            }

            /// Acquires the mutex through an `Arc` if it is free now.
            #[cfg(feature = "arc_lock")]
            #[inline]
            #[track_caller]
            pub fn try_lock_arc(
                self: &::std::sync::Arc<Self>,
            ) -> Option<$crate::arc_mutex::ArcMutexGuard<$raw, T>> {
                // SAFETY: as in `lock_arc`.
                let token = lock_api::RawMutex::try_lock(unsafe { self.inner.raw() })?;
                // SAFETY: as in `lock_arc`.
                Some(unsafe {
                    $crate::arc_mutex::ArcMutexGuard::new(::std::sync::Arc::clone(self), token)
                })
            }

            /// Acquires the mutex through an `Arc`, waiting at most `timeout`.
            #[cfg(feature = "arc_lock")]
            #[inline]
            #[track_caller]
            pub fn try_lock_arc_for(
                self: &::std::sync::Arc<Self>,
                timeout: ::std::time::Duration,
            ) -> Option<$crate::arc_mutex::ArcMutexGuard<$raw, T>> {
                // SAFETY: as in `lock_arc`.
                let raw = unsafe { self.inner.raw() };
                let token = lock_api::RawMutexTimed::try_lock_for(raw, timeout)?;
                // SAFETY: as in `lock_arc`.
                Some(unsafe {
                    $crate::arc_mutex::ArcMutexGuard::new(::std::sync::Arc::clone(self), token)
                })
            }

            /// Acquires the mutex through an `Arc`, waiting until `deadline` at most.
            #[cfg(feature = "arc_lock")]
            #[inline]
            #[track_caller]
            pub fn try_lock_arc_until(
                self: &::std::sync::Arc<Self>,
                deadline: ::std::time::Instant,
            ) -> Option<$crate::arc_mutex::ArcMutexGuard<$raw, T>> {
                // SAFETY: as in `lock_arc`.
                let raw = unsafe { self.inner.raw() };
                let token = lock_api::RawMutexTimed::try_lock_until(raw, deadline)?;
                // SAFETY: as in `lock_arc`.
                Some(unsafe {
                    $crate::arc_mutex::ArcMutexGuard::new(::std::sync::Arc::clone(self), token)
                })
            }
        }

        impl<T: Default> Default for $lock<T> {
            #[inline]
            #[track_caller]
            fn default() -> $lock<T> {
                $lock::new(T::default())
            }
        }

        impl<T> From<T> for $lock<T> {
            #[inline]
            #[track_caller]
            fn from(value: T) -> $lock<T> {
                $lock::new(value)
            }
        }

        /// As parking_lot's: `Mutex { data: … }`, or `Mutex { data: <locked> }` when the lock
        /// is held (formatting never blocks). The name is `name()`'s.
        impl<T: ?Sized + ::std::fmt::Debug> ::std::fmt::Debug for $lock<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.inner, f)
            }
        }

        /// As parking_lot's: the data, serialized with the lock held.
        #[cfg(feature = "serde")]
        impl<T: ?Sized + ::serde::Serialize> ::serde::Serialize for $lock<T> {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.lock().serialize(serializer)
            }
        }

        /// As parking_lot's: a new unlocked mutex of the data. Named `deserialized` (a
        /// deserializer's call site says nothing of the program's).
        #[cfg(feature = "serde")]
        impl<'de, T: ::serde::Deserialize<'de>> ::serde::Deserialize<'de> for $lock<T> {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                T::deserialize(deserializer).map(|value| $lock::named("deserialized", value))
            }
        }

        #[cfg(feature = "arc_lock")]
        impl $crate::arc_raw::Sealed for $raw {}

        #[cfg(feature = "arc_lock")]
        impl $crate::arc_raw::ArcMutexRaw for $raw {
            type Mutex<T: ?Sized> = $lock<T>;

            #[inline]
            unsafe fn raw_of<T: ?Sized>(mutex: &$lock<T>) -> &$raw {
                // SAFETY: forwarded from the trait's contract.
                unsafe { mutex.inner.raw() }
            }

            #[inline]
            fn data_of<T: ?Sized>(mutex: &$lock<T>) -> *mut T {
                mutex.inner.data_ptr()
            }
        }
    };
}

pub(crate) use mutex_api;
