// Mutex cases, run against `std::sync` and `lockprof::sync` (see `sync_parity.rs`): each is
// named after the test in std's own suite (library/std/tests/sync/mutex.rs) whose behaviour it
// checks. `locks` is the module under test.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use locks::{Mutex, MutexGuard, TryLockError};

#[derive(Debug, PartialEq, Eq)]
struct NonCopy(i32);

#[test]
fn smoke() {
    let m = Mutex::new(());
    drop(m.lock().unwrap());
    drop(m.lock().unwrap());
}

#[test]
fn lots_and_lots() {
    const ROUNDS: u32 = 1000;
    const THREADS: u32 = 6;
    let m = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let m = Arc::clone(&m);
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    *m.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.lock().unwrap(), ROUNDS * THREADS);
}

#[test]
fn try_lock() {
    let m = Mutex::new(());
    *m.try_lock().unwrap() = ();
}

#[test]
fn try_lock_would_block_while_held() {
    let m = Mutex::new(1);
    let held = m.lock().unwrap();
    assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
    thread::scope(|s| {
        s.spawn(|| assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock))));
    });
    drop(held);
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn test_into_inner() {
    let m = Mutex::new(NonCopy(10));
    assert_eq!(m.into_inner().unwrap(), NonCopy(10));
}

#[test]
fn test_into_inner_drop() {
    struct Foo(Arc<AtomicUsize>);
    impl Drop for Foo {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let m = Mutex::new(Foo(Arc::clone(&drops)));
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    {
        let _inner = m.into_inner().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 0);
    }
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn test_get_mut() {
    let mut m = Mutex::new(NonCopy(10));
    *m.get_mut().unwrap() = NonCopy(20);
    assert_eq!(m.into_inner().unwrap(), NonCopy(20));
}

#[test]
fn test_mutex_arc_nested() {
    // A mutex inside a mutex, locked through both on another thread.
    let inner = Arc::new(Mutex::new(1));
    let outer = Arc::new(Mutex::new(inner));
    let t = thread::spawn(move || {
        let outer_guard = outer.lock().unwrap();
        let inner_guard = outer_guard.lock().unwrap();
        assert_eq!(*inner_guard, 1);
    });
    t.join().unwrap();
}

#[test]
fn test_mutex_unsized() {
    let mutex: &Mutex<[i32]> = &Mutex::new([1, 2, 3]);
    {
        let b = &mut *mutex.lock().unwrap();
        b[0] = 4;
        b[2] = 5;
    }
    let expected: &[i32] = &[4, 2, 5];
    assert_eq!(&*mutex.lock().unwrap(), expected);
}

#[test]
fn test_panics() {
    // Each panic while holding the guard unwinds through it and leaves the mutex usable
    // (poisoned, which `into_inner` on the error sets aside).
    let mutex = Mutex::new(42);
    for round in 0..3 {
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            let _guard = mutex.lock().unwrap_or_else(|e| e.into_inner());
            panic!("test panic with mutex, round {round}");
        }));
        assert!(caught.is_err());
        assert!(mutex.is_poisoned());
    }
    assert_eq!(*mutex.lock().unwrap_or_else(|e| e.into_inner()), 42);
}

#[test]
fn test_mutex_arc_access_in_unwind() {
    // A lock taken by a destructor while the thread unwinds: it works, and does not poison
    // (the thread was already panicking when it took the lock).
    let arc = Arc::new(Mutex::new(1));
    let arc2 = Arc::clone(&arc);
    let joined = thread::spawn(move || {
        struct Unwinder {
            i: Arc<Mutex<i32>>,
        }
        impl Drop for Unwinder {
            fn drop(&mut self) {
                *self.i.lock().unwrap() += 1;
            }
        }
        let _u = Unwinder { i: arc2 };
        panic!("unwinding with a destructor that locks");
    })
    .join();
    assert!(joined.is_err());
    assert!(!arc.is_poisoned());
    assert_eq!(*arc.lock().unwrap(), 2);
}

#[test]
fn const_new_in_a_static() {
    static COUNT: Mutex<u32> = Mutex::new(0);
    *COUNT.lock().unwrap() += 1;
    assert!(*COUNT.lock().unwrap() >= 1);
}

#[test]
fn from_and_default() {
    let from: Mutex<u8> = Mutex::from(3);
    let into: Mutex<u8> = 4.into();
    let default: Mutex<Vec<u8>> = Mutex::default();
    assert_eq!(*from.lock().unwrap(), 3);
    assert_eq!(*into.lock().unwrap(), 4);
    assert!(default.lock().unwrap().is_empty());
}

#[test]
fn guards_deref_and_format_as_their_data() {
    let m = Mutex::new(String::from("abc"));
    let mut g = m.lock().unwrap();
    g.push('d');
    assert_eq!(g.len(), 4);
    assert_eq!(format!("{g}"), "abcd");
    assert_eq!(format!("{g:?}"), "\"abcd\"");
    let g: MutexGuard<'_, String> = g;
    drop(g);
    assert_eq!(m.into_inner().unwrap(), "abcd");
}

#[test]
fn a_guard_is_released_on_drop_for_other_threads() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let m = Arc::clone(&m);
            thread::spawn(move || m.lock().unwrap().push(i))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut v = m.lock().unwrap().clone();
    v.sort();
    assert_eq!(v, [0, 1, 2, 3]);
}
