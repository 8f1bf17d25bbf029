//! What the lock words tell parking_lot_core's deadlock detector (feature `deadlock_detection`):
//! which resources the thread holds, under the keys its waiters park on, at the points where
//! parking_lot 0.13's locks tell it. Without the feature these compile to nothing.

/// The calling thread now holds the resource its waiters park under `key`.
///
/// # Safety
///
/// Not from inside a callback passed to a `parking_lot_core` function; paired with a
/// [`release_resource`] of the same key on the same thread.
#[inline(always)]
pub(crate) unsafe fn acquire_resource(key: usize) {
    #[cfg(feature = "deadlock_detection")]
    // SAFETY: this function's contract is parking_lot_core's.
    unsafe {
        parking_lot_core::deadlock::acquire_resource(key);
    }
    #[cfg(not(feature = "deadlock_detection"))]
    let _ = key;
}

/// The calling thread no longer holds the resource under `key`.
///
/// # Safety
///
/// Not from inside a callback passed to a `parking_lot_core` function; the thread recorded the
/// resource with [`acquire_resource`].
#[inline(always)]
pub(crate) unsafe fn release_resource(key: usize) {
    #[cfg(feature = "deadlock_detection")]
    // SAFETY: this function's contract is parking_lot_core's.
    unsafe {
        parking_lot_core::deadlock::release_resource(key);
    }
    #[cfg(not(feature = "deadlock_detection"))]
    let _ = key;
}
