//! Acquiring permits of a [`Semaphore`], borrowed and owned: `acquire`, `acquire_many`,
//! `try_acquire*`, `acquire*_owned`, and [`SemaphorePermit`] and [`OwnedSemaphorePermit`],
//! whose drop gives the permits back and records the hold.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::ptr;
use std::sync::Arc;

use tokio::sync::{AcquireError, TryAcquireError};

use super::acquire;
use super::hold::Hold;
use super::semaphore::Semaphore;
use crate::Mode;

/// A permit is one task's, as a lock's hold is: exclusive.
const MODE: Mode = Mode::Exclusive;

impl Semaphore {
    /// Acquires one permit, waiting in the queue until one is free; `Err` if the semaphore is
    /// closed. The wait, if any, is timed from the first poll until the permit is returned.
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> {
        self.acquire_at(1, Location::caller())
    }

    /// Acquires `n` permits at once, as [`acquire`](Self::acquire).
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> {
        self.acquire_at(n, Location::caller())
    }

    async fn acquire_at(
        &self,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<SemaphorePermit<'_>, AcquireError> {
        let hold = self.hold_of(n, site).await?;
        Ok(SemaphorePermit::new(self, n, hold))
    }

    /// Acquires one permit if one is free now.
    #[track_caller]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_at(1, Location::caller())
    }

    /// Acquires `n` permits if they are free now.
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_at(n, Location::caller())
    }

    fn try_acquire_at(
        &self,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire_many(n)?.forget();
        let hold = acquire::acquired(&self.meta, site, MODE);
        Ok(SemaphorePermit::new(self, n, hold))
    }

    /// [`acquire`](Self::acquire) for a permit that keeps the semaphore alive through its `Arc`.
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        Semaphore::acquire_owned_at(self, 1, Location::caller())
    }

    /// [`acquire_many`](Self::acquire_many) for an owned permit.
    #[track_caller]
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        Semaphore::acquire_owned_at(self, n, Location::caller())
    }

    async fn acquire_owned_at(
        this: Arc<Self>,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        let hold = this.hold_of(n, site).await?;
        Ok(OwnedSemaphorePermit::new(this, n, hold))
    }

    /// [`try_acquire`](Self::try_acquire) for an owned permit.
    #[track_caller]
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        Semaphore::try_acquire_owned_at(self, 1, Location::caller())
    }

    /// [`try_acquire_many`](Self::try_acquire_many) for an owned permit.
    #[track_caller]
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        Semaphore::try_acquire_owned_at(self, n, Location::caller())
    }

    fn try_acquire_owned_at(
        this: Arc<Self>,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        this.inner.try_acquire_many(n)?.forget();
        let hold = acquire::acquired(&this.meta, site, MODE);
        Ok(OwnedSemaphorePermit::new(this, n, hold))
    }

    /// Takes `n` permits, waiting if need be, and begins their hold. A closed semaphore fails
    /// at once, with no wait recorded: that is no contention.
    async fn hold_of(
        &self,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<Hold, AcquireError> {
        match self.inner.try_acquire_many(n) {
            Ok(permit) => {
                permit.forget();
                Ok(acquire::acquired(&self.meta, site, MODE))
            }
            Err(TryAcquireError::Closed) => {
                self.inner.acquire_many(n).await?.forget();
                Ok(acquire::acquired(&self.meta, site, MODE))
            }
            Err(TryAcquireError::NoPermits) => {
                acquire::wait_for(&self.meta, &self.inner, n, site, MODE).await
            }
        }
    }
}

/// Permits of a [`Semaphore`], given back when dropped.
#[must_use]
#[clippy::has_significant_drop]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
    hold: Hold,
}

impl<'a> SemaphorePermit<'a> {
    fn new(sem: &'a Semaphore, permits: u32, hold: Hold) -> Self {
        SemaphorePermit { sem, permits, hold }
    }

    /// Keeps the permits from going back: the semaphore has that many fewer. The hold ends
    /// here.
    pub fn forget(self) {
        let this = ManuallyDrop::new(self);
        this.hold.end(&this.sem.meta);
    }

    /// How many permits this is.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Adds `other`'s permits to these; `other`'s hold ends here.
    ///
    /// # Panics
    ///
    /// When the permits are of different semaphores, as tokio's.
    pub fn merge(&mut self, other: Self) {
        assert!(
            ptr::eq(self.sem, other.sem),
            "merging permits from different semaphore instances"
        );
        let other = ManuallyDrop::new(other);
        other.hold.end(&other.sem.meta);
        self.permits += other.permits;
    }

    /// Splits `n` of these permits off into a permit of their own, with a hold of its own from
    /// now; `None` when this permit has fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        let hold = Hold::untimed(self.hold.site, MODE);
        Some(SemaphorePermit::new(self.sem, n, hold))
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        let (inner, permits) = (&self.sem.inner, self.permits as usize);
        self.hold
            .release(&self.sem.meta, || inner.add_permits(permits));
    }
}

/// Permits of a [`Semaphore`] acquired through an `Arc`, given back when dropped.
#[must_use]
#[clippy::has_significant_drop]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: u32,
    hold: Hold,
}

impl OwnedSemaphorePermit {
    fn new(sem: Arc<Semaphore>, permits: u32, hold: Hold) -> Self {
        OwnedSemaphorePermit { sem, permits, hold }
    }

    /// Keeps the permits from going back: the semaphore has that many fewer. The hold ends
    /// here.
    pub fn forget(self) {
        let this = ManuallyDrop::new(self);
        this.hold.end(&this.sem.meta);
        // SAFETY: `this` is never dropped, so its `Arc` is moved out (and dropped) once.
        drop(unsafe { ptr::read(&this.sem) });
    }

    /// How many permits this is.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Adds `other`'s permits to these; `other`'s hold ends here.
    ///
    /// # Panics
    ///
    /// When the permits are of different semaphores, as tokio's.
    pub fn merge(&mut self, other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphore instances"
        );
        let permits = other.permits;
        other.forget();
        self.permits += permits;
    }

    /// Splits `n` of these permits off into a permit of their own, with a hold of its own from
    /// now; `None` when this permit has fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        let hold = Hold::untimed(self.hold.site, MODE);
        Some(OwnedSemaphorePermit::new(Arc::clone(&self.sem), n, hold))
    }

    /// The semaphore the permits are of.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        let (inner, permits) = (&self.sem.inner, self.permits as usize);
        self.hold
            .release(&self.sem.meta, || inner.add_permits(permits));
    }
}
