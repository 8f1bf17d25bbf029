// RwLock cases, run against `std::sync` and `lockprof::sync` (see `sync_parity.rs`): each is
// named after the test in std's own suite (library/std/tests/sync/rwlock.rs) whose behaviour it
// checks. `locks` is the module under test.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use locks::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

#[derive(Debug, PartialEq, Eq)]
struct NonCopy(i32);

#[test]
fn smoke() {
    let l = RwLock::new(());
    drop(l.read().unwrap());
    drop(l.write().unwrap());
    drop((l.read().unwrap(), l.read().unwrap()));
    drop(l.write().unwrap());
}

#[test]
fn frob() {
    // Threads mixing reads and (one in ten) writes, with a small generator of their own.
    const THREADS: u64 = 10;
    const OPS: usize = 1000;
    let r = Arc::new(RwLock::new(()));
    let threads: Vec<_> = (0..THREADS)
        .map(|seed| {
            let r = Arc::clone(&r);
            thread::spawn(move || {
                let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                for _ in 0..OPS {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if x % THREADS == 0 {
                        drop(r.write().unwrap());
                    } else {
                        drop(r.read().unwrap());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn test_rw_arc() {
    // Readers must never see the writer's intermediate -1.
    let arc = Arc::new(RwLock::new(0));
    let arc2 = Arc::clone(&arc);
    let writer = thread::spawn(move || {
        let mut lock = arc2.write().unwrap();
        for _ in 0..10 {
            let tmp = *lock;
            *lock = -1;
            thread::yield_now();
            *lock = tmp + 1;
        }
    });
    let readers: Vec<_> = (0..5)
        .map(|_| {
            let arc = Arc::clone(&arc);
            thread::spawn(move || assert!(*arc.read().unwrap() >= 0))
        })
        .collect();
    for r in readers {
        r.join().unwrap();
    }
    writer.join().unwrap();
    assert_eq!(*arc.read().unwrap(), 10);
}

#[test]
fn test_rw_arc_access_in_unwind() {
    let arc = Arc::new(RwLock::new(1));
    let arc2 = Arc::clone(&arc);
    let joined = thread::spawn(move || {
        struct Unwinder {
            i: Arc<RwLock<isize>>,
        }
        impl Drop for Unwinder {
            fn drop(&mut self) {
                *self.i.write().unwrap() += 1;
            }
        }
        let _u = Unwinder { i: arc2 };
        panic!("unwinding with a destructor that write-locks");
    })
    .join();
    assert!(joined.is_err());
    assert!(!arc.is_poisoned());
    assert_eq!(*arc.read().unwrap(), 2);
}

#[test]
fn test_rwlock_unsized() {
    let rw: &RwLock<[i32]> = &RwLock::new([1, 2, 3]);
    {
        let b = &mut *rw.write().unwrap();
        b[0] = 4;
        b[2] = 5;
    }
    let expected: &[i32] = &[4, 2, 5];
    assert_eq!(&*rw.read().unwrap(), expected);
}

#[test]
fn test_into_inner() {
    let m = RwLock::new(NonCopy(10));
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
    let m = RwLock::new(Foo(Arc::clone(&drops)));
    {
        let _inner = m.into_inner().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 0);
    }
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn test_get_mut() {
    let mut m = RwLock::new(NonCopy(10));
    *m.get_mut().unwrap() = NonCopy(20);
    assert_eq!(m.into_inner().unwrap(), NonCopy(20));
}

#[test]
fn test_read_guard_covariance() {
    // Compiles only if a read guard of `&'long i32` can stand for one of `&'short i32`.
    fn do_stuff<'a>(_: RwLockReadGuard<'_, &'a i32>, _: &'a i32) {}
    let j: i32 = 5;
    let lock = RwLock::new(&j);
    {
        let i = 6;
        do_stuff(lock.read().unwrap(), &i);
    }
}

#[test]
fn test_downgrade_basic() {
    let r = RwLock::new(());
    let write_guard = r.write().unwrap();
    let _read_guard = RwLockWriteGuard::downgrade(write_guard);
}

#[test]
fn test_downgrade_observe() {
    // Writers each increment, downgrade, and must still read what they wrote.
    const WRITERS: usize = 20;
    const ROUNDS: usize = 100;
    let rw = Arc::new(RwLock::new(0));
    let threads: Vec<_> = (0..WRITERS)
        .map(|_| {
            let rw = Arc::clone(&rw);
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let mut w = rw.write().unwrap();
                    *w += 1;
                    let written = *w;
                    let r = RwLockWriteGuard::downgrade(w);
                    assert_eq!(written, *r);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*rw.read().unwrap(), WRITERS * ROUNDS);
}

#[test]
fn test_downgrade_atomic() {
    // Writers queue up behind the main thread's write lock; once it downgrades, none of them may
    // change the value before the main thread has read it.
    const WRITERS: usize = 20;
    const NEW_VALUE: i32 = -1;
    let rw = Arc::new(RwLock::new(0));
    let mut main_write = rw.write().unwrap();
    let threads: Vec<_> = (0..WRITERS)
        .map(|_| {
            let rw = Arc::clone(&rw);
            thread::spawn(move || *rw.write().unwrap() += 1)
        })
        .collect();
    thread::sleep(Duration::from_millis(40));
    *main_write = NEW_VALUE;
    let main_read = RwLockWriteGuard::downgrade(main_write);
    assert_eq!(*main_read, NEW_VALUE, "`downgrade` was not atomic");
    drop(main_read);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*rw.read().unwrap(), WRITERS as i32 + NEW_VALUE);
}

#[test]
fn test_rwlock_try_write() {
    let lock = RwLock::new(0isize);
    let read_guard = lock.read().unwrap();
    match lock.try_write() {
        Err(TryLockError::WouldBlock) => {}
        Ok(_) => panic!("try_write should not succeed while read_guard is in scope"),
        Err(_) => panic!("unexpected error"),
    }
    drop(read_guard);
    assert!(lock.try_write().is_ok());
}

#[test]
fn try_read_would_block_under_a_writer() {
    let lock = RwLock::new(1);
    let w = lock.write().unwrap();
    assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
    drop(w);
    assert_eq!(*lock.try_read().unwrap(), 1);
}

#[test]
fn readers_share_across_threads() {
    // Two threads hold read guards at once: each waits until the other has its guard.
    let lock = RwLock::new(7);
    let both = std::sync::Barrier::new(2);
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let g = lock.read().unwrap();
                both.wait();
                assert_eq!(*g, 7);
            });
        }
    });
}

#[test]
fn const_new_from_and_default() {
    static CONFIG: RwLock<u32> = RwLock::new(5);
    assert_eq!(*CONFIG.read().unwrap(), 5);
    let from: RwLock<u8> = RwLock::from(3);
    let default: RwLock<String> = RwLock::default();
    assert_eq!(*from.read().unwrap(), 3);
    assert!(default.read().unwrap().is_empty());
    let w = from.write().unwrap();
    assert_eq!((format!("{w}"), format!("{w:?}")), ("3".to_owned(), "3".to_owned()));
    drop(w);
    let r = from.read().unwrap();
    assert_eq!((format!("{r}"), format!("{r:?}")), ("3".to_owned(), "3".to_owned()));
}
