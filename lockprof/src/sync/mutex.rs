//! `Mutex<T>`: `std::sync::Mutex` with its API and poisoning, on lockprof's profiled mutex.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{LockResult, TryLockError, TryLockResult};

use super::mutex_guard::MutexGuard;
use super::poison::{Flag, Panicking, Poisonable};
use crate::ProfiledLock;

/// A mutual-exclusion lock with `std::sync::Mutex`'s API and poisoning, whose contention
/// lockprof records: `use lockprof::sync::Mutex` in place of `use std::sync::Mutex` is the whole
/// change.
///
/// The data is reached only through the [`MutexGuard`] that [`lock`](Self::lock) and
/// [`try_lock`](Self::try_lock) return, which unlocks the mutex when dropped.
///
/// Underneath is lockprof's profiled mutex ([`lockprof::Mutex`](crate::Mutex), parking_lot's
/// algorithm): an uncontended lock reads no clock and emits nothing; a contended one is timed
/// and its wait, the hold that caused it and that hold's blame are recorded at the call site
/// of `lock`. The mutex is named in reports after the `file:line` that created it, or with
/// [`named`](Self::named).
///
/// # Poisoning
///
/// Exactly as std's: a mutex is poisoned when a thread panics while holding it (unless it was
/// already panicking when it took the lock). Afterwards [`lock`](Self::lock) and
/// [`try_lock`](Self::try_lock) still acquire it but return the guard inside a
/// [`PoisonError`](super::PoisonError) (std's own type), so that callers do not see data a panic
/// may have left half-updated without choosing to; [`clear_poison`](Self::clear_poison) marks it
/// recovered. As std says, poisoning is advice, not a guarantee `unsafe` code can rely on.
///
/// # Examples
///
/// Threads increment a shared counter; the last one tells the main thread:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::mpsc::channel;
/// use std::thread;
///
/// use lockprof::sync::Mutex; // was: use std::sync::Mutex;
///
/// const N: usize = 10;
///
/// let data = Arc::new(Mutex::new(0));
/// let (tx, rx) = channel();
/// for _ in 0..N {
///     let (data, tx) = (Arc::clone(&data), tx.clone());
///     thread::spawn(move || {
///         // Only the thread holding the lock touches the counter.
///         let mut data = data.lock().unwrap();
///         *data += 1;
///         if *data == N {
///             tx.send(()).unwrap();
///         }
///         // Unlocked here, as `data` goes out of scope.
///     });
/// }
/// rx.recv().unwrap();
/// ```
///
/// Recovering the data of a poisoned mutex:
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
///
/// use lockprof::sync::Mutex;
///
/// let lock = Arc::new(Mutex::new(0_u32));
/// let lock2 = Arc::clone(&lock);
///
/// let _ = thread::spawn(move || {
///     let _guard = lock2.lock().unwrap();
///     panic!("poisons the mutex: the guard is dropped while panicking");
/// })
/// .join();
///
/// // The guard is in both arms: `PoisonError::into_inner` hands it over.
/// let mut guard = match lock.lock() {
///     Ok(guard) => guard,
///     Err(poisoned) => poisoned.into_inner(),
/// };
/// *guard += 1;
/// assert_eq!(*guard, 1);
/// ```
///
/// A `static`, named for reports (`Mutex::new` in a static is named after its `file:line`):
///
/// ```
/// use lockprof::sync::Mutex;
///
/// static ORDERS: Mutex<Vec<u32>> = Mutex::named("orders", Vec::new());
///
/// ORDERS.lock().unwrap().push(7);
/// assert_eq!(*ORDERS.lock().unwrap(), [7]);
/// assert_eq!(ORDERS.name(), "orders");
/// ```
pub struct Mutex<T: ?Sized> {
    inner: ProfiledLock<Poisonable<T>>,
}

// `Send` and `Sync` come from the profiled lock: `T: Send` for both, as std's.

// As std's: a panic while the mutex is held poisons it, so observing it afterwards is safe.
impl<T: ?Sized> UnwindSafe for Mutex<T> {}
impl<T: ?Sized> RefUnwindSafe for Mutex<T> {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex, named in reports after the place it is created (`file:line`).
    /// `const`, so it can initialise a `static`.
    ///
    /// ```
    /// use lockprof::sync::Mutex;
    ///
    /// let mutex = Mutex::new(0);
    /// assert!(mutex.name().ends_with(&format!(":{}", line!() - 1)));
    /// ```
    #[inline]
    #[track_caller]
    pub const fn new(t: T) -> Mutex<T> {
        Mutex {
            inner: ProfiledLock::new(Poisonable::new(t)),
        }
    }

    /// Creates an unlocked mutex with a name for reports (`"orders"`, `"ledger"`); lockprof's
    /// addition to std's API. Mutexes given one name are one entry (a lock class) in reports.
    #[inline]
    pub const fn named(name: &'static str, t: T) -> Mutex<T> {
        Mutex {
            inner: ProfiledLock::named(name, Poisonable::new(t)),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, blocking the thread until it is free. Returns a guard that unlocks it
    /// when dropped. A wait is recorded, at the caller's `file:line`.
    ///
    /// Locking a mutex this thread already holds does not return (it deadlocks), as std
    /// allows.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the guard comes back inside the `Err`, once the mutex is
    /// acquired.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(0));
    /// let c_mutex = Arc::clone(&mutex);
    ///
    /// thread::spawn(move || {
    ///     *c_mutex.lock().unwrap() = 10;
    /// })
    /// .join()
    /// .expect("thread::spawn failed");
    /// assert_eq!(*mutex.lock().unwrap(), 10);
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        // Asked before locking (the answer is the same after, on this thread): asked between
        // the acquisition and the wrapping, a call that may unwind, it made the compiler keep
        // the profiled guard on the stack, stored in halves and reloaded whole, a
        // store-forwarding stall of about 7 ns per lock (1.67× std's time, 1.06× without).
        let panicking = Panicking::now();
        MutexGuard::new(self.inner.lock(), panicking)
    }

    /// Acquires the mutex if it is free now, without blocking.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if another guard holds it; [`TryLockError::Poisoned`], with
    /// the guard, if it was free but is poisoned.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(0));
    /// let c_mutex = Arc::clone(&mutex);
    ///
    /// thread::spawn(move || {
    ///     if let Ok(mut value) = c_mutex.try_lock() {
    ///         *value = 10;
    ///     } else {
    ///         println!("try_lock failed");
    ///     }
    /// })
    /// .join()
    /// .expect("thread::spawn failed");
    /// assert_eq!(*mutex.lock().unwrap(), 10);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let panicking = Panicking::now();
        match self.inner.try_lock() {
            Some(guard) => Ok(MutexGuard::new(guard, panicking)?),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether the mutex is poisoned. Another thread may poison it right after a `false`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(0));
    /// let c_mutex = Arc::clone(&mutex);
    ///
    /// let _ = thread::spawn(move || {
    ///     let _lock = c_mutex.lock().unwrap();
    ///     panic!(); // poisons the mutex
    /// })
    /// .join();
    /// assert!(mutex.is_poisoned());
    /// ```
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        self.flag().get()
    }

    /// Clears the poison: the mutex is poisoned until this is called, for example once the data
    /// has been checked or reset to a good value.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// use lockprof::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(0));
    /// let c_mutex = Arc::clone(&mutex);
    ///
    /// let _ = thread::spawn(move || {
    ///     let _lock = c_mutex.lock().unwrap();
    ///     panic!(); // poisons the mutex
    /// })
    /// .join();
    ///
    /// assert!(mutex.is_poisoned());
    /// let value = mutex.lock().unwrap_or_else(|mut e| {
    ///     **e.get_mut() = 1;
    ///     mutex.clear_poison();
    ///     e.into_inner()
    /// });
    /// assert!(!mutex.is_poisoned());
    /// assert_eq!(*value, 1);
    /// ```
    #[inline]
    pub fn clear_poison(&self) {
        self.flag().clear();
    }

    /// Consumes the mutex and returns its data.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the data comes back inside the `Err`.
    ///
    /// ```
    /// use lockprof::sync::Mutex;
    ///
    /// let mutex = Mutex::new(0);
    /// assert_eq!(mutex.into_inner().unwrap(), 0);
    /// ```
    pub fn into_inner(self) -> LockResult<T>
    where
        T: Sized,
    {
        self.inner.into_inner().into_result()
    }

    /// A mutable reference to the data, without locking: `&mut self` proves no guard exists.
    /// (A guard leaked with `mem::forget` leaves the mutex locked for good, as with std.)
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the reference comes back inside the `Err`.
    ///
    /// ```
    /// use lockprof::sync::Mutex;
    ///
    /// let mut mutex = Mutex::new(0);
    /// *mutex.get_mut().unwrap() = 10;
    /// assert_eq!(*mutex.lock().unwrap(), 10);
    /// ```
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut().get_mut()
    }

    /// The process-unique id of this mutex (the `lock_id` of its events); lockprof's addition.
    pub fn id(&self) -> u64 {
        self.inner.id()
    }

    /// The name of this mutex in events and reports: the one given to [`named`](Self::named),
    /// or where it was created (`file:line`); lockprof's addition.
    pub fn name(&self) -> String {
        self.inner.name()
    }

    #[inline]
    fn flag(&self) -> &Flag {
        // SAFETY: the data lives as long as the mutex.
        unsafe { Poisonable::flag(self.inner.data_ptr()) }
    }
}

impl<T> From<T> for Mutex<T> {
    /// A new unlocked mutex, as [`Mutex::new`] (named after the caller's `file:line`).
    #[inline]
    #[track_caller]
    fn from(t: T) -> Mutex<T> {
        Mutex::new(t)
    }
}

impl<T: Default> Default for Mutex<T> {
    /// A mutex holding `T::default()`, named after the caller's `file:line`.
    #[inline]
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    /// As std's: `Mutex { data: .., poisoned: false, .. }`, with `"<locked>"` for data held by a
    /// guard (never blocks).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            // Quoted, as std (1.95) prints it.
            Err(TryLockError::WouldBlock) => d.field("data", &"<locked>"),
        };
        d.field("poisoned", &self.is_poisoned());
        d.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The poison flag costs no space, and sits with the data on the line the lock word shares
    /// with it (see `LockMeta`).
    #[test]
    fn the_poison_flag_and_the_data_share_the_lock_words_line() {
        assert_eq!(size_of::<Mutex<u64>>(), 128);
        assert_eq!(size_of::<super::super::RwLock<u64>>(), 128);
        let mutex = Mutex::new(0u64);
        let base = std::ptr::from_ref(&mutex).addr();
        let data = mutex.inner.data_ptr();
        // SAFETY: `data` points into `mutex`, which is alive; only addresses are taken.
        let (flag, value) = unsafe { (Poisonable::flag(data), Poisonable::value(data)) };
        let flag = std::ptr::from_ref(flag).addr() - base;
        let value = value.addr() - base;
        for at in [flag, value, value + 7] {
            assert_eq!(at / 64, 1, "offset {at}");
        }
    }
}
