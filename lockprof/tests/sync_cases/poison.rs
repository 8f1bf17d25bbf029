// Poisoning cases, run against `std::sync` and `lockprof::sync` (see `sync_poison.rs`): std's
// poison tests (library/std/tests/sync/{mutex,rwlock}.rs, named alike where one corresponds)
// and the rules std's docs give. `locks` is the module under test.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use locks::{
    Condvar, LockResult, Mutex, PoisonError, RwLock, RwLockWriteGuard, TryLockError,
    TryLockResult,
};

#[derive(Debug, PartialEq, Eq)]
struct NonCopy(i32);

/// A mutex poisoned by a panic while it was held.
fn new_poisoned_mutex<T>(value: T) -> Mutex<T> {
    let mutex = Mutex::new(value);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let _guard = mutex.lock().unwrap();
        panic!("test panic to poison the mutex");
    }));
    assert!(caught.is_err());
    assert!(mutex.is_poisoned());
    mutex
}

/// An RwLock poisoned by a panic while it was write-locked.
fn new_poisoned_rwlock<T>(value: T) -> RwLock<T> {
    let lock = RwLock::new(value);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let _guard = lock.write().unwrap();
        panic!("test panic to poison the RwLock");
    }));
    assert!(caught.is_err());
    assert!(lock.is_poisoned());
    lock
}

#[test]
fn mutex_test_into_inner_poison() {
    match new_poisoned_mutex(NonCopy(10)).into_inner() {
        Err(e) => assert_eq!(e.into_inner(), NonCopy(10)),
        Ok(x) => panic!("into_inner of a poisoned Mutex is Ok: {x:?}"),
    }
}

#[test]
fn mutex_test_get_mut_poison() {
    let mut m = new_poisoned_mutex(NonCopy(10));
    match m.get_mut() {
        Err(e) => assert_eq!(*e.into_inner(), NonCopy(10)),
        Ok(x) => panic!("get_mut of a poisoned Mutex is Ok: {x:?}"),
    }
}

#[test]
fn test_mutex_arc_poison() {
    let arc = Arc::new(Mutex::new(1));
    assert!(!arc.is_poisoned());
    let arc2 = Arc::clone(&arc);
    let _ = thread::spawn(move || {
        let lock = arc2.lock().unwrap();
        assert_eq!(*lock, 2, "deliberate assertion failure to poison the mutex");
    })
    .join();
    assert!(arc.lock().is_err());
    assert!(arc.is_poisoned());
}

#[test]
fn a_poisoned_mutex_still_locks_and_try_locks() {
    let m = new_poisoned_mutex(5);
    let mut guard = m.lock().unwrap_err().into_inner();
    *guard += 1;
    // The guard inside the error holds the lock.
    assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
    drop(guard);
    match m.try_lock() {
        Err(TryLockError::Poisoned(e)) => assert_eq!(**e.get_ref(), 6),
        other => panic!("expected Poisoned, got {:?}", other.map(|g| *g)),
    }
}

#[test]
fn clear_poison_recovers_the_mutex() {
    let m = new_poisoned_mutex(0);
    let guard = m.lock().unwrap_or_else(|mut e| {
        **e.get_mut() = 1;
        m.clear_poison();
        e.into_inner()
    });
    assert!(!m.is_poisoned());
    drop(guard);
    assert_eq!(*m.lock().unwrap(), 1);
    assert_eq!(m.into_inner().unwrap(), 1);
}

#[test]
fn a_panic_that_began_before_the_lock_does_not_poison() {
    // The guard is taken and dropped during one unwinding: it saw the panic begin before it.
    let m = Arc::new(Mutex::new(0));
    struct LocksOnDrop(Arc<Mutex<i32>>);
    impl Drop for LocksOnDrop {
        fn drop(&mut self) {
            let mut g = self.0.lock().unwrap();
            *g += 1;
        }
    }
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let _d = LocksOnDrop(Arc::clone(&m));
        panic!("unwinds through a destructor that locks");
    }));
    assert!(caught.is_err());
    assert!(!m.is_poisoned());
    assert_eq!(*m.lock().unwrap(), 1);
}

#[test]
fn a_guard_dropped_before_the_panic_does_not_poison() {
    let m = Mutex::new(0);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        *m.lock().unwrap() += 1;
        panic!("after the guard is gone");
    }));
    assert!(caught.is_err());
    assert!(!m.is_poisoned());
}

#[test]
fn rwlock_test_into_inner_poison() {
    match new_poisoned_rwlock(NonCopy(10)).into_inner() {
        Err(e) => assert_eq!(e.into_inner(), NonCopy(10)),
        Ok(x) => panic!("into_inner of a poisoned RwLock is Ok: {x:?}"),
    }
}

#[test]
fn rwlock_test_get_mut_poison() {
    let mut m = new_poisoned_rwlock(NonCopy(10));
    match m.get_mut() {
        Err(e) => assert_eq!(*e.into_inner(), NonCopy(10)),
        Ok(x) => panic!("get_mut of a poisoned RwLock is Ok: {x:?}"),
    }
}

/// Panics on another thread while holding `arc` for writing (`write`) or reading.
fn panic_while(arc: &Arc<RwLock<i32>>, write: bool) {
    let arc2 = Arc::clone(arc);
    let joined = thread::spawn(move || {
        if write {
            let _lock = arc2.write().unwrap();
            panic!("panic while write-locked");
        } else {
            let _lock = arc2.read().unwrap();
            panic!("panic while read-locked");
        }
    })
    .join();
    assert!(joined.is_err());
}

#[test]
fn test_rw_arc_poison_wr() {
    let arc = Arc::new(RwLock::new(1));
    panic_while(&arc, true);
    assert!(arc.read().is_err());
}

#[test]
fn test_rw_arc_poison_ww() {
    let arc = Arc::new(RwLock::new(1));
    assert!(!arc.is_poisoned());
    panic_while(&arc, true);
    assert!(arc.write().is_err());
    assert!(arc.is_poisoned());
    assert!(matches!(arc.try_read(), Err(TryLockError::Poisoned(_))));
    assert!(matches!(arc.try_write(), Err(TryLockError::Poisoned(_))));
}

#[test]
fn test_rw_arc_no_poison_rr() {
    let arc = Arc::new(RwLock::new(1));
    panic_while(&arc, false);
    assert_eq!(*arc.read().unwrap(), 1);
}

#[test]
fn test_rw_arc_no_poison_rw() {
    let arc = Arc::new(RwLock::new(1));
    panic_while(&arc, false);
    assert_eq!(*arc.write().unwrap(), 1);
    assert!(!arc.is_poisoned());
}

#[test]
fn rwlock_clear_poison() {
    let lock = new_poisoned_rwlock(0);
    let guard = lock.write().unwrap_or_else(|mut e| {
        **e.get_mut() = 1;
        lock.clear_poison();
        e.into_inner()
    });
    assert!(!lock.is_poisoned());
    assert_eq!(*guard, 1);
}

#[test]
fn downgrading_a_poisoned_write_guard_gives_a_read_guard() {
    let lock = new_poisoned_rwlock(3);
    let w = lock.write().unwrap_err().into_inner();
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!(*r, 3);
    drop(r);
    assert!(lock.is_poisoned());
}

#[test]
fn a_panic_under_a_downgraded_guard_does_not_poison() {
    let lock = RwLock::new(1);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let r = RwLockWriteGuard::downgrade(lock.write().unwrap());
        assert_eq!(*r, 2, "deliberate failure while read-locked");
    }));
    assert!(caught.is_err());
    assert!(!lock.is_poisoned());
}

#[test]
fn condvar_wait_reports_a_mutex_poisoned_meanwhile() {
    // The waiter sleeps; another thread poisons the mutex, then notifies.
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let pair2 = Arc::clone(&pair);
    let (lock, cvar) = &*pair;
    let guard = lock.lock().unwrap();
    let poisoner = thread::spawn(move || {
        let (lock, cvar) = &*pair2;
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut g = lock.lock().unwrap();
            *g = true;
            cvar.notify_one();
            panic!("poisons the mutex the other thread waits with");
        }));
        assert!(caught.is_err());
    });
    let mut result = cvar.wait(guard);
    loop {
        match result {
            Err(e) => {
                assert!(*e.into_inner());
                break;
            }
            // std may wake spuriously before the notify.
            Ok(g) => result = cvar.wait(g),
        }
    }
    poisoner.join().unwrap();
}

#[test]
fn condvar_timed_waits_on_a_poisoned_mutex() {
    let m = new_poisoned_mutex(0);
    let c = Condvar::new();
    let guard = m.lock().unwrap_err().into_inner();
    // A wait that re-locks reports the poison, with the guard and the result.
    let (guard, result) = c
        .wait_timeout(guard, Duration::from_millis(1))
        .unwrap_err()
        .into_inner();
    assert_eq!(*guard, 0);
    let _ = result;
    // A `_while` whose condition is already false does not wait, and so does not look.
    let guard = c.wait_while(guard, |_| false).unwrap();
    let (guard, result) = c
        .wait_timeout_while(guard, Duration::from_millis(1), |_| false)
        .unwrap();
    assert!(!result.timed_out());
    // One that waits does.
    let (_guard, result) = c
        .wait_timeout_while(guard, Duration::from_millis(1), |_| true)
        .unwrap_err()
        .into_inner();
    assert!(result.timed_out());
}

#[test]
fn the_error_types_are_std_s() {
    // Functions written against std's types take the results unchanged.
    fn std_lock_result<T>(r: std::sync::LockResult<T>) -> bool {
        r.is_err()
    }
    fn std_try_lock_result<T>(r: std::sync::TryLockResult<T>) -> bool {
        matches!(r, Err(std::sync::TryLockError::Poisoned(_)))
    }
    let m = new_poisoned_mutex(1);
    let r: LockResult<_> = m.lock();
    let e: &PoisonError<_> = r.as_ref().unwrap_err();
    assert_eq!(e.to_string(), "poisoned lock: another task failed inside");
    assert_eq!(format!("{e:?}"), "PoisonError { .. }");
    assert!(std_lock_result(r));
    let t: TryLockResult<_> = m.try_lock();
    assert!(std_try_lock_result(t));
}
