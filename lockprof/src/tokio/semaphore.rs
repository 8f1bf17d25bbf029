//! [`Semaphore`]: `tokio::sync::Semaphore` profiled. The type and what needs no permit;
//! acquiring is in `permit.rs` (borrowed permits) and `owned_permit.rs`.

use std::fmt;
use std::panic::Location;

use crate::LockKind;
use crate::meta::LockMeta;
use crate::name::LockName;

/// A counting semaphore that records contention: `tokio::sync::Semaphore` with the same
/// methods, plus a name and an id.
///
/// It is tokio's semaphore (fair: permits go to waiters in the order they asked) with
/// lockprof's bookkeeping around each acquisition. A wait for permits is measured as a lock's
/// (from the first poll that finds too few permits until the permit is returned; a future
/// dropped meanwhile, or a semaphore closed meanwhile, records a wait that gave up); a permit's
/// hold is its life; the time tasks spent waiting while permits were held is charged to the
/// holders, each release taking the waiting since the previous one.
///
/// ```
/// use lockprof::tokio::Semaphore;
///
/// static DB: Semaphore = Semaphore::named("db connections", 2);
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let permit = DB.acquire().await.unwrap();
/// assert_eq!(DB.available_permits(), 1);
/// drop(permit);
/// # });
/// ```
pub struct Semaphore {
    pub(super) meta: LockMeta,
    pub(super) inner: tokio::sync::Semaphore,
}

impl Semaphore {
    /// The most permits a semaphore holds, as tokio's.
    pub const MAX_PERMITS: usize = tokio::sync::Semaphore::MAX_PERMITS;

    /// Creates a semaphore with `permits` permits, named after the place it is created
    /// (`file:line`); `const`.
    ///
    /// # Panics
    ///
    /// When `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS), as tokio's.
    #[track_caller]
    pub const fn new(permits: usize) -> Semaphore {
        Semaphore::with_name(LockName::CreatedAt(Location::caller()), permits)
    }

    /// [`new`](Self::new), as tokio names it for `static`s.
    #[track_caller]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore::with_name(LockName::CreatedAt(Location::caller()), permits)
    }

    /// Creates a semaphore with `permits` permits and a name for reports; `const`.
    pub const fn named(name: &'static str, permits: usize) -> Semaphore {
        Semaphore::with_name(LockName::Given(name), permits)
    }

    const fn with_name(name: LockName, permits: usize) -> Semaphore {
        Semaphore {
            meta: LockMeta::new(name, LockKind::Semaphore),
            inner: tokio::sync::Semaphore::const_new(permits),
        }
    }

    /// The permits available now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits, waking waiters they suffice for.
    ///
    /// # Panics
    ///
    /// When the semaphore would exceed [`MAX_PERMITS`](Self::MAX_PERMITS), as tokio's.
    pub fn add_permits(&self, n: usize) {
        self.inner.add_permits(n);
    }

    /// Takes up to `n` available permits away for good; returns how many it took.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.inner.forget_permits(n)
    }

    /// Closes the semaphore: waiting and later acquisitions fail; permits held stay valid.
    /// A wait ended this way is recorded as one that gave up.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether the semaphore is closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The process-unique id of this semaphore (the `lock_id` of its events).
    pub fn id(&self) -> u64 {
        self.meta.id()
    }

    /// The name of this semaphore in events and reports.
    pub fn name(&self) -> String {
        self.meta.name.to_string()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("name", &format_args!("{}", self.meta.name))
            .field("permits", &self.inner.available_permits())
            .finish()
    }
}
