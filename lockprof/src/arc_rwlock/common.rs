//! What the three `Arc` guards of an `RwLock` share, differing only in the raw lock's methods
//! for their mode: taking them apart and back, `rwlock`, `into_arc`, `unlocked`, the fair
//! unlocks, `bump`, and `Deref`, `Drop`, `Debug` and `Display`.

/// Implements the shared part of `$guard<R, T>`, a struct with fields
/// `token: ManuallyDrop<R::$token>` and `rwlock: Arc<R::RwLock<T>>`, whose mode's raw methods
/// are `$unlock`, `$unlock_fair`, `$lock` and `$bump`.
macro_rules! arc_guard_common {
    ($guard:ident, $token:ident, $unlock:ident, $unlock_fair:ident, $lock:ident, $bump:ident) => {
        impl<R: $crate::arc_raw::ArcRwLockRaw, T: ?Sized> $guard<R, T> {
            /// # Safety
            ///
            /// `rwlock` must be held in this guard's mode with the acquisition state `token`,
            /// which no other guard stands for.
            pub(crate) unsafe fn new(
                rwlock: ::std::sync::Arc<R::RwLock<T>>,
                token: R::$token,
            ) -> $guard<R, T> {
                $guard {
                    token: ::std::mem::ManuallyDrop::new(token),
                    rwlock,
                }
            }

            /// The guard's `Arc` and acquisition state, without unlocking: the caller takes on
            /// the unlocking.
            pub(super) fn into_parts(s: Self) -> (::std::sync::Arc<R::RwLock<T>>, R::$token) {
                let mut s = ::std::mem::ManuallyDrop::new(s);
                // SAFETY: `s` is never dropped, so each field is moved out once.
                unsafe {
                    (
                        ::std::ptr::read(&s.rwlock),
                        ::std::mem::ManuallyDrop::take(&mut s.token),
                    )
                }
            }

            pub(super) fn raw(rwlock: &::std::sync::Arc<R::RwLock<T>>) -> &R {
                // SAFETY: the guard's raw operations each keep the guard valid: it holds the
                // lock whenever it is used or dropped.
                unsafe { R::raw_of(rwlock) }
            }

            /// The `Arc` of the lock this guard holds.
            #[inline]
            pub fn rwlock(s: &Self) -> &::std::sync::Arc<R::RwLock<T>> {
                &s.rwlock
            }

            /// Unlocks the lock and returns the `Arc` the guard held.
            #[inline]
            pub fn into_arc(s: Self) -> ::std::sync::Arc<R::RwLock<T>> {
                let (rwlock, token) = Self::into_parts(s);
                // SAFETY: the token is this guard's acquisition.
                unsafe { Self::raw(&rwlock).$unlock(token) };
                rwlock
            }

            /// Unlocks the lock while `f` runs, then locks it again in the same mode (at the
            /// caller's site). Aborts if locking it again panics.
            #[inline]
            #[track_caller]
            pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
                let raw = Self::raw(&s.rwlock);
                // SAFETY: put back below, or by `relock` if anything unwinds, before the guard
                // is used or dropped again.
                let token = unsafe { ::std::mem::ManuallyDrop::take(&mut s.token) };
                let relock = $crate::relock::Relock::new(|| {
                    s.token = ::std::mem::ManuallyDrop::new(raw.$lock())
                });
                // SAFETY: the token is this guard's acquisition.
                unsafe { raw.$unlock(token) };
                let result = f();
                relock.disarm();
                let bomb = $crate::relock::AbortOnUnwind;
                s.token = ::std::mem::ManuallyDrop::new(raw.$lock());
                bomb.disarm();
                result
            }

            /// Unlocks the lock fairly: a thread waiting for it gets it next.
            #[inline]
            pub fn unlock_fair(s: Self) {
                drop(Self::into_arc_fair(s));
            }

            /// Unlocks the lock fairly and returns the `Arc` the guard held.
            #[inline]
            pub fn into_arc_fair(s: Self) -> ::std::sync::Arc<R::RwLock<T>> {
                let (rwlock, token) = Self::into_parts(s);
                // SAFETY: the token is this guard's acquisition.
                unsafe { Self::raw(&rwlock).$unlock_fair(token) };
                rwlock
            }

            /// As [`unlocked`](Self::unlocked), unlocking fairly.
            #[inline]
            #[track_caller]
            pub fn unlocked_fair<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
                let raw = Self::raw(&s.rwlock);
                // SAFETY: as in `unlocked`.
                let token = unsafe { ::std::mem::ManuallyDrop::take(&mut s.token) };
                let relock = $crate::relock::Relock::new(|| {
                    s.token = ::std::mem::ManuallyDrop::new(raw.$lock())
                });
                // SAFETY: as in `unlocked`.
                unsafe { raw.$unlock_fair(token) };
                let result = f();
                relock.disarm();
                let bomb = $crate::relock::AbortOnUnwind;
                s.token = ::std::mem::ManuallyDrop::new(raw.$lock());
                bomb.disarm();
                result
            }

            /// Lets a waiting thread have the lock, if there is one, and takes it back in the
            /// same mode: `unlock_fair` then lock, cheaper when nobody waits.
            #[inline]
            pub fn bump(s: &mut Self) {
                let raw = Self::raw(&s.rwlock);
                // SAFETY: the token is this guard's acquisition; `bump` leaves the lock held
                // again, with the new state in the token.
                unsafe { raw.$bump(&mut s.token) };
            }
        }

        impl<R: $crate::arc_raw::ArcRwLockRaw, T: ?Sized> ::std::ops::Deref for $guard<R, T> {
            type Target = T;

            #[inline]
            fn deref(&self) -> &T {
                // SAFETY: the guard holds the lock.
                unsafe { &*R::data_of(&*self.rwlock) }
            }
        }

        impl<R: $crate::arc_raw::ArcRwLockRaw, T: ?Sized> Drop for $guard<R, T> {
            #[inline]
            fn drop(&mut self) {
                // SAFETY: the token is this guard's acquisition, taken once.
                let token = unsafe { ::std::mem::ManuallyDrop::take(&mut self.token) };
                // SAFETY: as above.
                unsafe { Self::raw(&self.rwlock).$unlock(token) };
            }
        }

        /// The data's, as the other guards'.
        impl<R: $crate::arc_raw::ArcRwLockRaw, T: ?Sized + ::std::fmt::Debug> ::std::fmt::Debug
            for $guard<R, T>
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&**self, f)
            }
        }

        /// The data's, as the other guards'.
        impl<R: $crate::arc_raw::ArcRwLockRaw, T: ?Sized + ::std::fmt::Display> ::std::fmt::Display
            for $guard<R, T>
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}

pub(super) use arc_guard_common;
