//! `lockprof::sync`'s types have the traits std's have, for every kind of data: the auto traits
//! (`Send`, `Sync`, `Unpin`, `UnwindSafe`, `RefUnwindSafe`) and the formatting ones, compared
//! type by type against `std::sync`; and their `Debug` output is std's.

use std::cell::Cell;
use std::fmt::{Debug, Display};
use std::marker::PhantomPinned;
use std::panic::{self, AssertUnwindSafe, RefUnwindSafe, UnwindSafe};
use std::rc::Rc;

/// Whether `$ty` implements `$bound`, decided at compile time: an inherent method exists only
/// when the bound holds, and method resolution prefers it to the trait's fallback.
macro_rules! implements {
    ($ty:ty: $bound:path) => {{
        struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
        #[allow(dead_code)] // unused where the bound holds
        trait Fallback {
            fn implemented(&self) -> bool {
                false
            }
        }
        impl<T: ?Sized> Fallback for Probe<T> {}
        #[allow(dead_code)]
        impl<T: ?Sized + $bound> Probe<T> {
            fn implemented(&self) -> bool {
                true
            }
        }
        Probe::<$ty>(std::marker::PhantomData).implemented()
    }};
}

/// Asserts that `$ours` implements each bound exactly when `$std` does.
macro_rules! same_traits {
    ($std:ty, $ours:ty; $($bound:path),+) => {
        $(
            assert_eq!(
                implements!($std: $bound),
                implements!($ours: $bound),
                "{} vs {}: {}",
                stringify!($std),
                stringify!($ours),
                stringify!($bound),
            );
        )+
    };
}

/// Every lock and guard over data `$t`, std's against lockprof's.
macro_rules! same_traits_over {
    ($t:ty) => {
        same_traits!(std::sync::Mutex<$t>, lockprof::sync::Mutex<$t>;
            Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Debug);
        same_traits!(std::sync::MutexGuard<'static, $t>, lockprof::sync::MutexGuard<'static, $t>;
            Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Debug, Display);
        same_traits!(std::sync::RwLock<$t>, lockprof::sync::RwLock<$t>;
            Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Debug);
        same_traits!(
            std::sync::RwLockReadGuard<'static, $t>,
            lockprof::sync::RwLockReadGuard<'static, $t>;
            Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Debug, Display);
        same_traits!(
            std::sync::RwLockWriteGuard<'static, $t>,
            lockprof::sync::RwLockWriteGuard<'static, $t>;
            Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Debug, Display);
    };
}

/// `Sync` but not `Send` (std's own guard is one).
type SyncNotSend = std::sync::MutexGuard<'static, u32>;

#[test]
fn the_probe_tells_implemented_from_not() {
    assert!(implements!(u32: Send));
    assert!(!implements!(Rc<u32>: Send));
    assert!(!implements!(Cell<u32>: Sync));
    assert!(!implements!(PhantomPinned: Unpin));
    assert!(!implements!(Vec<u8>: Display));
    assert!(implements!(std::sync::MutexGuard<'static, u32>: Sync));
    assert!(!implements!(std::sync::MutexGuard<'static, u32>: Send));
}

#[test]
fn auto_and_formatting_traits_match_std_for_every_kind_of_data() {
    same_traits_over!(u32);
    same_traits_over!(String);
    same_traits_over!(Vec<u8>); // no Display
    same_traits_over!(Cell<u32>); // Send, not Sync, not RefUnwindSafe
    same_traits_over!(Rc<u32>); // neither Send nor Sync
    same_traits_over!(SyncNotSend);
    same_traits_over!(&'static mut u32); // not UnwindSafe
    same_traits_over!(AssertUnwindSafe<Cell<u32>>);
    same_traits_over!(PhantomPinned); // not Unpin
    same_traits_over!([u8]);
    same_traits_over!(dyn Debug + Send);
    same_traits!(std::sync::Condvar, lockprof::sync::Condvar;
        Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Debug, Default);
}

#[test]
fn the_result_and_error_types_are_std_s() {
    fn same<T: 'static, U: 'static>() -> bool {
        std::any::TypeId::of::<T>() == std::any::TypeId::of::<U>()
    }
    assert!(same::<
        lockprof::sync::PoisonError<u8>,
        std::sync::PoisonError<u8>,
    >());
    assert!(same::<
        lockprof::sync::TryLockError<u8>,
        std::sync::TryLockError<u8>,
    >());
    assert!(same::<
        lockprof::sync::LockResult<u8>,
        std::sync::LockResult<u8>,
    >());
    assert!(same::<
        lockprof::sync::TryLockResult<u8>,
        std::sync::TryLockResult<u8>,
    >());
    assert!(same::<
        lockprof::sync::WaitTimeoutResult,
        std::sync::WaitTimeoutResult,
    >());
}

/// Formats a std mutex and a lockprof one holding `value` in the same state.
fn mutex_debug(value: Vec<u8>, state: &str) -> (String, String) {
    let std_m = std::sync::Mutex::new(value.clone());
    let ours = lockprof::sync::Mutex::new(value);
    if state == "poisoned" {
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            let _a = std_m.lock();
            let _b = ours.lock();
            panic!("poison both");
        }));
    }
    let (_a, _b) = if state == "locked" {
        (Some(std_m.lock()), Some(ours.lock()))
    } else {
        (None, None)
    };
    (
        format!("{std_m:?} {std_m:#?}"),
        format!("{ours:?} {ours:#?}"),
    )
}

/// Formats a std RwLock and a lockprof one holding `value` in the same state.
fn rwlock_debug(value: Vec<u8>, state: &str) -> (String, String) {
    let std_l = std::sync::RwLock::new(value.clone());
    let ours = lockprof::sync::RwLock::new(value);
    if state == "poisoned" {
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            let _a = std_l.write();
            let _b = ours.write();
            panic!("poison both");
        }));
    }
    let (_a, _b) = match state {
        "written" => (Some(Ok(std_l.write())), Some(Ok(ours.write()))),
        "read" => (Some(Err(std_l.read())), Some(Err(ours.read()))),
        _ => (None, None),
    };
    (
        format!("{std_l:?} {std_l:#?}"),
        format!("{ours:?} {ours:#?}"),
    )
}

#[test]
fn debug_output_is_std_s() {
    for state in ["free", "locked", "poisoned"] {
        let (std_out, ours) = mutex_debug(vec![1, 2], state);
        assert_eq!(std_out, ours, "Mutex, {state}");
    }
    for state in ["free", "written", "read", "poisoned"] {
        let (std_out, ours) = rwlock_debug(vec![1, 2], state);
        assert_eq!(std_out, ours, "RwLock, {state}");
    }
    assert_eq!(
        format!("{:?}", std::sync::Condvar::new()),
        format!("{:?}", lockprof::sync::Condvar::new())
    );
}

#[test]
fn unwind_safety_lets_locks_cross_catch_unwind_as_std_s_do() {
    // Compiles only with std's unwind-safety: a lock over data that is not `RefUnwindSafe`
    // may be captured by reference in `catch_unwind`.
    fn assert_unwind_safe<T: UnwindSafe>(_: T) {}
    let m = lockprof::sync::Mutex::new(Cell::new(0));
    let l = lockprof::sync::RwLock::new(Cell::new(0));
    assert_unwind_safe(&m);
    assert_unwind_safe(&l);
    let caught = panic::catch_unwind(|| {
        m.lock().unwrap().set(1);
        l.write().unwrap().set(1);
    });
    assert!(caught.is_ok());
    fn assert_ref_unwind_safe<T: RefUnwindSafe + ?Sized>() {}
    assert_ref_unwind_safe::<lockprof::sync::Mutex<Cell<u8>>>();
}
