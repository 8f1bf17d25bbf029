//! [`RwLock`]: `tokio::sync::RwLock` profiled. The type, its construction and what needs no
//! lock; acquiring is in `rwlock_read.rs`, `rwlock_write.rs` and, for owned guards,
//! `rwlock_owned.rs`.

use std::cell::UnsafeCell;
use std::fmt;
use std::panic::Location;

use crate::LockKind;
use crate::meta::LockMeta;
use crate::name::LockName;

/// Most readers at once, as tokio's `RwLock` allows by default.
const MAX_READS: u32 = u32::MAX >> 3;

/// An asynchronous reader-writer lock that records contention: `tokio::sync::RwLock` with the
/// same methods, plus a name and an id.
///
/// As tokio's, it is fair and write-preferring, built on tokio's semaphore: a reader takes one
/// permit, a writer all of them, in the order they asked. Waits, holds and blame are measured
/// and attributed to tasks as for [`Mutex`](super::Mutex); a write wait's blame goes to the
/// readers (or writer) holding the lock meanwhile, a reader's release being charged the
/// waiting since the previous measured release, as lockprof's sync `RwLock` does.
///
/// ```
/// use lockprof::tokio::RwLock;
///
/// static CONFIG: RwLock<u32> = RwLock::named("config", 1);
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// *CONFIG.write().await += 1;
/// assert_eq!(*CONFIG.read().await, 2);
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    pub(super) meta: LockMeta,
    pub(super) sem: tokio::sync::Semaphore,
    /// The permits a writer takes: every reader's.
    pub(super) max_readers: u32,
    pub(super) value: UnsafeCell<T>,
}

// SAFETY: as `tokio::sync::RwLock`: readers share `&T` across threads (`T: Sync`), a writer
// moves `&mut T` between them (`T: Send`).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock named after the place it is created (`file:line`); `const`.
    #[track_caller]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock::with_name(LockName::CreatedAt(Location::caller()), value, MAX_READS)
    }

    /// [`new`](Self::new), as tokio names it for `static`s.
    #[track_caller]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock::with_name(LockName::CreatedAt(Location::caller()), value, MAX_READS)
    }

    /// Creates an unlocked lock that lets at most `max_reads` readers in at once.
    ///
    /// # Panics
    ///
    /// When `max_reads` is 0 or more than `u32::MAX >> 3`, as tokio's.
    #[track_caller]
    pub const fn with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert!(
            max_reads != 0 && max_reads <= MAX_READS,
            "a RwLock takes from 1 to u32::MAX >> 3 readers"
        );
        RwLock::with_name(LockName::CreatedAt(Location::caller()), value, max_reads)
    }

    /// [`with_max_readers`](Self::with_max_readers), as tokio names it for `static`s.
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        RwLock::with_max_readers(value, max_reads)
    }

    /// Creates an unlocked lock with a name for reports; `const`, for `static`s too.
    pub const fn named(name: &'static str, value: T) -> RwLock<T> {
        RwLock::with_name(LockName::Given(name), value, MAX_READS)
    }

    const fn with_name(name: LockName, value: T, max_readers: u32) -> RwLock<T> {
        RwLock {
            meta: LockMeta::new(name, LockKind::RwLock),
            sem: tokio::sync::Semaphore::const_new(max_readers as usize),
            max_readers,
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the protected value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The process-unique id of this lock (the `lock_id` of its events).
    pub fn id(&self) -> u64 {
        self.meta.id()
    }

    /// The name of this lock in events and reports.
    pub fn name(&self) -> String {
        self.meta.name.to_string()
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        d.field("name", &format_args!("{}", self.meta.name));
        // A read permit taken and given back around lockprof: formatting is no acquisition of
        // the program's, and never waits.
        match self.sem.try_acquire() {
            Ok(permit) => {
                // SAFETY: a read permit lets no writer in until it is dropped.
                d.field("data", &unsafe { &*self.value.get() });
                drop(permit);
            }
            Err(_) => {
                d.field("data", &format_args!("<locked>"));
            }
        }
        d.finish()
    }
}
