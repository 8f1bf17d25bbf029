//! parking_lot 0.12.5's own tests of `RwLock` (its src/rwlock.rs, the second half), run against
//! this crate with only the `use` lines changed (`crate::` is `parking_lot::`): the API and
//! behaviour that code written for parking_lot 0.12 relies on. parking_lot is MIT OR
//! Apache-2.0, by Amanieu d'Antras.
// Upstream's code, kept as written.
#![allow(clippy::missing_const_for_thread_local)]

use parking_lot::{RwLock, RwLockWriteGuard};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

#[cfg(feature = "serde")]
use bincode::{deserialize, serialize};

#[derive(Eq, PartialEq, Debug)]
struct NonCopy(i32);

#[test]
fn test_rwlock_try_read() {
    let lock = RwLock::new(0isize);
    {
        let read_guard = lock.read();

        let read_result = lock.try_read();
        assert!(
            read_result.is_some(),
            "try_read should succeed while read_guard is in scope"
        );

        drop(read_guard);
    }
    {
        let upgrade_guard = lock.upgradable_read();

        let read_result = lock.try_read();
        assert!(
            read_result.is_some(),
            "try_read should succeed while upgrade_guard is in scope"
        );

        drop(upgrade_guard);
    }
    {
        let write_guard = lock.write();

        let read_result = lock.try_read();
        assert!(
            read_result.is_none(),
            "try_read should fail while write_guard is in scope"
        );

        drop(write_guard);
    }
}

#[test]
fn test_rwlock_try_write() {
    let lock = RwLock::new(0isize);
    {
        let read_guard = lock.read();

        let write_result = lock.try_write();
        assert!(
            write_result.is_none(),
            "try_write should fail while read_guard is in scope"
        );
        assert!(lock.is_locked());
        assert!(!lock.is_locked_exclusive());

        drop(read_guard);
    }
    {
        let upgrade_guard = lock.upgradable_read();

        let write_result = lock.try_write();
        assert!(
            write_result.is_none(),
            "try_write should fail while upgrade_guard is in scope"
        );
        assert!(lock.is_locked());
        assert!(!lock.is_locked_exclusive());

        drop(upgrade_guard);
    }
    {
        let write_guard = lock.write();

        let write_result = lock.try_write();
        assert!(
            write_result.is_none(),
            "try_write should fail while write_guard is in scope"
        );
        assert!(lock.is_locked());
        assert!(lock.is_locked_exclusive());

        drop(write_guard);
    }
}

#[test]
fn test_rwlock_try_upgrade() {
    let lock = RwLock::new(0isize);
    {
        let read_guard = lock.read();

        let upgrade_result = lock.try_upgradable_read();
        assert!(
            upgrade_result.is_some(),
            "try_upgradable_read should succeed while read_guard is in scope"
        );

        drop(read_guard);
    }
    {
        let upgrade_guard = lock.upgradable_read();

        let upgrade_result = lock.try_upgradable_read();
        assert!(
            upgrade_result.is_none(),
            "try_upgradable_read should fail while upgrade_guard is in scope"
        );

        drop(upgrade_guard);
    }
    {
        let write_guard = lock.write();

        let upgrade_result = lock.try_upgradable_read();
        assert!(
            upgrade_result.is_none(),
            "try_upgradable should fail while write_guard is in scope"
        );

        drop(write_guard);
    }
}

#[test]
fn test_into_inner() {
    let m = RwLock::new(NonCopy(10));
    assert_eq!(m.into_inner(), NonCopy(10));
}

#[test]
fn test_into_inner_drop() {
    struct Foo(Arc<AtomicUsize>);
    impl Drop for Foo {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let num_drops = Arc::new(AtomicUsize::new(0));
    let m = RwLock::new(Foo(num_drops.clone()));
    assert_eq!(num_drops.load(Ordering::SeqCst), 0);
    {
        let _inner = m.into_inner();
        assert_eq!(num_drops.load(Ordering::SeqCst), 0);
    }
    assert_eq!(num_drops.load(Ordering::SeqCst), 1);
}

#[test]
fn test_get_mut() {
    let mut m = RwLock::new(NonCopy(10));
    *m.get_mut() = NonCopy(20);
    assert_eq!(m.into_inner(), NonCopy(20));
}

#[test]
fn test_rwlockguard_sync() {
    fn sync<T: Sync>(_: T) {}

    let rwlock = RwLock::new(());
    sync(rwlock.read());
    sync(rwlock.write());
}

#[test]
fn test_rwlock_downgrade() {
    let x = Arc::new(RwLock::new(0));
    let mut handles = Vec::new();
    for _ in 0..8 {
        let x = x.clone();
        handles.push(thread::spawn(move || {
            for _ in 0..100 {
                let mut writer = x.write();
                *writer += 1;
                let cur_val = *writer;
                let reader = RwLockWriteGuard::downgrade(writer);
                assert_eq!(cur_val, *reader);
            }
        }));
    }
    for handle in handles {
        handle.join().unwrap()
    }
    assert_eq!(*x.read(), 800);
}

#[test]
fn test_rwlock_recursive() {
    let arc = Arc::new(RwLock::new(1));
    let arc2 = arc.clone();
    let lock1 = arc.read();
    let t = thread::spawn(move || {
        let _lock = arc2.write();
    });

    if cfg!(not(all(target_env = "sgx", target_vendor = "fortanix"))) {
        thread::sleep(Duration::from_millis(100));
    } else {
        // FIXME: https://github.com/fortanix/rust-sgx/issues/31
        for _ in 0..100 {
            thread::yield_now();
        }
    }

    // A normal read would block here since there is a pending writer
    let lock2 = arc.read_recursive();

    // Unblock the thread and join it.
    drop(lock1);
    drop(lock2);
    t.join().unwrap();
}

#[test]
fn test_rwlock_debug() {
    let x = RwLock::new(vec![0u8, 10]);

    assert_eq!(format!("{:?}", x), "RwLock { data: [0, 10] }");
    let _lock = x.write();
    assert_eq!(format!("{:?}", x), "RwLock { data: <locked> }");
}

#[test]
fn test_clone() {
    let rwlock = RwLock::new(Arc::new(1));
    let a = rwlock.read_recursive();
    let b = a.clone();
    assert_eq!(Arc::strong_count(&b), 2);
}

#[cfg(feature = "serde")]
#[test]
fn test_serde() {
    let contents: Vec<u8> = vec![0, 1, 2];
    let mutex = RwLock::new(contents.clone());

    let serialized = serialize(&mutex).unwrap();
    let deserialized: RwLock<Vec<u8>> = deserialize(&serialized).unwrap();

    assert_eq!(*(mutex.read()), *(deserialized.read()));
    assert_eq!(contents, *(deserialized.read()));
}

#[test]
fn test_issue_203() {
    struct Bar(RwLock<()>);

    impl Drop for Bar {
        fn drop(&mut self) {
            let _n = self.0.write();
        }
    }

    thread_local! {
        static B: Bar = Bar(RwLock::new(()));
    }

    thread::spawn(|| {
        B.with(|_| ());

        let a = RwLock::new(());
        let _a = a.read();
    })
    .join()
    .unwrap();
}

#[test]
fn test_rw_write_is_locked() {
    let lock = RwLock::new(0isize);
    {
        let _read_guard = lock.read();

        assert!(lock.is_locked());
        assert!(!lock.is_locked_exclusive());
    }

    {
        let _write_guard = lock.write();

        assert!(lock.is_locked());
        assert!(lock.is_locked_exclusive());
    }
}

#[test]
#[cfg(feature = "arc_lock")]
fn test_issue_430() {
    let lock = std::sync::Arc::new(RwLock::new(0));

    let mut rl = lock.upgradable_read_arc();

    rl.with_upgraded(|_| {
        println!("lock upgrade");
    });

    rl.with_upgraded(|_| {
        println!("lock upgrade");
    });

    drop(lock);
}
