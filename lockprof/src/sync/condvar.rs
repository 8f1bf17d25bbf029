//! `Condvar`: `std::sync::Condvar`'s API and poisoning over lockprof's condition variable.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{LockResult, WaitTimeoutResult};
use std::time::{Duration, Instant};

use super::mutex_guard::MutexGuard;
use super::poison;
use super::wait_result::wait_result;

/// A condition variable for [`lockprof::sync::Mutex`](super::Mutex), with
/// `std::sync::Condvar`'s API: a thread waits, the mutex released meanwhile, until another
/// notifies it.
///
/// Underneath is [`lockprof::Condvar`](crate::Condvar) (parking_lot's algorithm): waiting for a
/// notification is not contention and is not recorded; the wait for the mutex afterwards is, a
/// contended acquisition like any other at the site where the guard was first taken. It has
/// no spurious wake-ups, which std allows but does not promise, so loops written for std's work
/// unchanged. Like std's, it may panic if used with two mutexes at once.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
///
/// use lockprof::sync::{Condvar, Mutex}; // was: use std::sync::{Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = Arc::clone(&pair);
///
/// // A thread that says when it has started.
/// thread::spawn(move || {
///     let (lock, cvar) = &*pair2;
///     let mut started = lock.lock().unwrap();
///     *started = true;
///     cvar.notify_one();
/// });
///
/// // Wait for it.
/// let (lock, cvar) = &*pair;
/// let mut started = lock.lock().unwrap();
/// while !*started {
///     started = cvar.wait(started).unwrap();
/// }
/// ```
pub struct Condvar {
    inner: crate::Condvar,
}

// As std's (the profiled condition variable holds only atomics).
impl UnwindSafe for Condvar {}
impl RefUnwindSafe for Condvar {}

impl Condvar {
    /// Creates a condition variable; `const`, so it can initialise a `static`.
    ///
    /// ```
    /// use lockprof::sync::Condvar;
    ///
    /// let condvar = Condvar::new();
    /// ```
    #[must_use]
    #[inline]
    pub const fn new() -> Condvar {
        Condvar {
            inner: crate::Condvar::new(),
        }
    }

    /// Releases the mutex `guard` holds and blocks until notified, then re-locks the mutex and
    /// returns the guard. Release and sleep are atomic: a notify sent after the release wakes
    /// this thread.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is re-locked, the guard comes back inside the `Err`.
    ///
    /// # Panics
    ///
    /// If threads wait on this condition variable with another mutex meanwhile.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::{Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let pair2 = Arc::clone(&pair);
    ///
    /// thread::spawn(move || {
    ///     let (lock, cvar) = &*pair2;
    ///     *lock.lock().unwrap() = true;
    ///     cvar.notify_one();
    /// });
    ///
    /// let (lock, cvar) = &*pair;
    /// let mut started = lock.lock().unwrap();
    /// // As long as the value is `false`, wait.
    /// while !*started {
    ///     started = cvar.wait(started).unwrap();
    /// }
    /// ```
    pub fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.inner.wait(guard.inner_mut());
        let poisoned = guard.is_poisoned();
        poison::result(poisoned, guard)
    }

    /// Waits until `condition` of the data is false: checks it, and while it is true, waits
    /// for a notification and checks again, the mutex held at every check.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is re-locked, the guard comes back inside the `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::{Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(true), Condvar::new()));
    /// let pair2 = Arc::clone(&pair);
    ///
    /// thread::spawn(move || {
    ///     let (lock, cvar) = &*pair2;
    ///     *lock.lock().unwrap() = false;
    ///     cvar.notify_one();
    /// });
    ///
    /// // Wait while the value is `true`.
    /// let (lock, cvar) = &*pair;
    /// let pending = cvar.wait_while(lock.lock().unwrap(), |pending| *pending).unwrap();
    /// assert!(!*pending);
    /// ```
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// As [`wait`](Self::wait), for at most `ms` milliseconds; the `bool` is whether it was
    /// notified (not timed out). Deprecated in std since 1.6, kept so that code still calling
    /// it compiles unchanged.
    ///
    /// # Errors
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    #[deprecated(
        since = "1.6.0",
        note = "replaced by `lockprof::sync::Condvar::wait_timeout`"
    )]
    pub fn wait_timeout_ms<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        ms: u32,
    ) -> LockResult<(MutexGuard<'a, T>, bool)> {
        match self.wait_timeout(guard, Duration::from_millis(u64::from(ms))) {
            Ok((guard, result)) => Ok((guard, !result.timed_out())),
            Err(e) => {
                let (guard, result) = e.into_inner();
                poison::result(true, (guard, !result.timed_out()))
            }
        }
    }

    /// As [`wait`](Self::wait), giving up after about `dur`. The [`WaitTimeoutResult`] (std's
    /// own type) says whether the time ran out. A `dur` too large to add to the clock waits
    /// without a limit.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is re-locked, the guard and the result come back inside
    /// the `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    /// use std::time::Duration;
    ///
    /// use lockprof::sync::{Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let pair2 = Arc::clone(&pair);
    ///
    /// thread::spawn(move || {
    ///     let (lock, cvar) = &*pair2;
    ///     *lock.lock().unwrap() = true;
    ///     cvar.notify_one();
    /// });
    ///
    /// let (lock, cvar) = &*pair;
    /// let mut started = lock.lock().unwrap();
    /// loop {
    ///     let result = cvar.wait_timeout(started, Duration::from_millis(10)).unwrap();
    ///     started = result.0;
    ///     if *started {
    ///         break;
    ///     }
    ///     // Timed out (or, with std, woken spuriously): check again.
    /// }
    /// ```
    pub fn wait_timeout<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let timed_out = self.inner.wait_for(guard.inner_mut(), dur).timed_out();
        let poisoned = guard.is_poisoned();
        poison::result(poisoned, (guard, wait_result(timed_out)))
    }

    /// Waits while `condition` of the data is true, for about `dur` at most in all. The
    /// [`WaitTimeoutResult`] says whether the time ran out with the condition still true; a
    /// condition false at the first check returns at once, not timed out, even with no time
    /// given.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is re-locked, the guard and the result come back inside
    /// the `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    /// use std::time::Duration;
    ///
    /// use lockprof::sync::{Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(true), Condvar::new()));
    /// let pair2 = Arc::clone(&pair);
    ///
    /// thread::spawn(move || {
    ///     let (lock, cvar) = &*pair2;
    ///     *lock.lock().unwrap() = false;
    ///     cvar.notify_one();
    /// });
    ///
    /// // Wait while the value is `true`, for 100 ms at most.
    /// let (lock, cvar) = &*pair;
    /// let (pending, result) = cvar
    ///     .wait_timeout_while(lock.lock().unwrap(), Duration::from_millis(100), |&mut p| p)
    ///     .unwrap();
    /// if result.timed_out() {
    ///     assert!(*pending); // still pending after 100 ms (a very busy machine)
    /// } else {
    ///     assert!(!*pending);
    /// }
    /// ```
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        // The time left is measured from here, across every wake-up, as std does.
        let start = Instant::now();
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, wait_result(false)));
            }
            let Some(left) = dur.checked_sub(start.elapsed()) else {
                return Ok((guard, wait_result(true)));
            };
            guard = self.wait_timeout(guard, left)?.0;
        }
    }

    /// Wakes one thread waiting on this condition variable, if any. (parking_lot's algorithm
    /// moves it onto the mutex's queue when the mutex is held, rather than waking it to block
    /// at once.)
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::{Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let pair2 = Arc::clone(&pair);
    ///
    /// thread::spawn(move || {
    ///     let (lock, cvar) = &*pair2;
    ///     *lock.lock().unwrap() = true;
    ///     cvar.notify_one();
    /// });
    ///
    /// let (lock, cvar) = &*pair;
    /// let mut started = lock.lock().unwrap();
    /// while !*started {
    ///     started = cvar.wait(started).unwrap();
    /// }
    /// ```
    #[inline]
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every thread waiting on this condition variable. (They get the mutex one after the
    /// other: parking_lot's algorithm wakes one and queues the rest on the mutex.)
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::{Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let waiters: Vec<_> = (0..3)
    ///     .map(|_| {
    ///         let pair = Arc::clone(&pair);
    ///         thread::spawn(move || {
    ///             let (lock, cvar) = &*pair;
    ///             let _go = cvar.wait_while(lock.lock().unwrap(), |go| !*go).unwrap();
    ///         })
    ///     })
    ///     .collect();
    ///
    /// let (lock, cvar) = &*pair;
    /// *lock.lock().unwrap() = true;
    /// cvar.notify_all();
    /// for waiter in waiters {
    ///     waiter.join().unwrap();
    /// }
    /// ```
    #[inline]
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

impl fmt::Debug for Condvar {
    /// As std's: `Condvar { .. }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

impl Default for Condvar {
    /// As [`Condvar::new`].
    fn default() -> Condvar {
        Condvar::new()
    }
}
