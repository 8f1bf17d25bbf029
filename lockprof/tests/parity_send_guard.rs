//! parking_lot 0.13's `send_guard` test (src/lib.rs, `test_send_guards`, MIT/Apache-2.0), on
//! lockprof's types: the `use` line differs, and the `RecursiveRwLock` guards' lines are left out
//! (lockprof has no `RecursiveRwLock`). Run with `--features send_guard`.
#![allow(missing_docs, clippy::all)]

#[cfg(feature = "send_guard")]
use lockprof::{
    FairMutexGuard, MappedFairMutexGuard, MappedMutexGuard, MappedRwLockReadGuard,
    MappedRwLockWriteGuard, MutexGuard, RwLockReadGuard, RwLockUpgradableReadGuard,
    RwLockWriteGuard,
};

#[cfg(feature = "send_guard")]
#[test]
fn test_send_guards() {
    fn assert_send<T: Send>() {}

    assert_send::<MutexGuard<'static, ()>>();
    assert_send::<MappedMutexGuard<'static, ()>>();
    assert_send::<FairMutexGuard<'static, ()>>();
    assert_send::<MappedFairMutexGuard<'static, ()>>();
    assert_send::<RwLockReadGuard<'static, ()>>();
    assert_send::<RwLockWriteGuard<'static, ()>>();
    assert_send::<RwLockUpgradableReadGuard<'static, ()>>();
    assert_send::<MappedRwLockReadGuard<'static, ()>>();
    assert_send::<MappedRwLockWriteGuard<'static, ()>>();
}
