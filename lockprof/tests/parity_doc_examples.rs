//! The examples in parking_lot 0.13's docs of the types lockprof replaces (src/mutex.rs,
//! src/rwlock.rs, src/fair_mutex.rs, src/remutex.rs, src/condvar.rs; MIT/Apache-2.0), each as a
//! test of its own, on lockprof's types: only `use parking_lot::…` differs.
#![allow(missing_docs, clippy::all)]

/// From the docs of `parking_lot::Mutex`.
#[test]
fn mutex_doc_example() {
    use lockprof::Mutex;
    use std::sync::{Arc, mpsc::channel};
    use std::thread;

    const N: usize = 10;

    // Spawn a few threads to increment a shared variable (non-atomically), and
    // let the main thread know once all increments are done.
    //
    // Here we're using an Arc to share memory among threads, and the data inside
    // the Arc is protected with a mutex.
    let data = Arc::new(Mutex::new(0));

    let (tx, rx) = channel();
    for _ in 0..N {
        let (data, tx) = (Arc::clone(&data), tx.clone());
        thread::spawn(move || {
            // The shared state can only be accessed once the lock is held.
            // Our non-atomic increment is safe because we're the only thread
            // which can access the shared state when the lock is held.
            let mut data = data.lock();
            *data += 1;
            if *data == N {
                tx.send(()).unwrap();
            }
            // the lock is unlocked here when `data` goes out of scope.
        });
    }

    rx.recv().unwrap();
}

/// From the docs of `parking_lot::RwLock`.
#[test]
fn rwlock_doc_example() {
    use lockprof::RwLock;

    let lock = RwLock::new(5);

    // Multiple readers can access the data concurrently.
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                let reader = lock.read();
                assert_eq!(*reader, 5);
            });
        }
    });

    // All reader threads have finished. Only one write lock may be held.
    {
        let mut writer = lock.write();
        *writer += 1;
        assert_eq!(*writer, 6);
    } // Write lock is released.
}

/// From the docs of `parking_lot::FairMutex`.
#[test]
fn fair_mutex_doc_example() {
    use lockprof::FairMutex;
    use std::sync::{Arc, mpsc::channel};
    use std::thread;

    const N: usize = 10;

    // Spawn a few threads to increment a shared variable (non-atomically), and
    // let the main thread know once all increments are done.
    //
    // Here we're using an Arc to share memory among threads, and the data inside
    // the Arc is protected with a mutex.
    let data = Arc::new(FairMutex::new(0));

    let (tx, rx) = channel();
    for _ in 0..N {
        let (data, tx) = (Arc::clone(&data), tx.clone());
        thread::spawn(move || {
            // The shared state can only be accessed once the lock is held.
            // Our non-atomic increment is safe because we're the only thread
            // which can access the shared state when the lock is held.
            let mut data = data.lock();
            *data += 1;
            if *data == N {
                tx.send(()).unwrap();
            }
            // the lock is unlocked here when `data` goes out of scope.
        });
    }

    rx.recv().unwrap();
}

/// From the docs of `parking_lot::ReentrantMutex`.
#[test]
fn reentrant_mutex_doc_example() {
    use lockprof::ReentrantMutex;
    use std::cell::RefCell;

    let lock = ReentrantMutex::new(RefCell::new(0));
    let first = lock.lock();
    let second = lock.lock();
    *first.borrow_mut() += 1;
    *second.borrow_mut() += 1;
    assert_eq!(*lock.lock().borrow(), 2);
}

/// From the docs of `parking_lot::Condvar`.
#[test]
fn condvar_doc_example() {
    use lockprof::{Condvar, Mutex};
    use std::sync::Arc;
    use std::thread;

    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let pair2 = pair.clone();

    // Inside of our lock, spawn a new thread, and then wait for it to start
    thread::spawn(move || {
        let &(ref lock, ref cvar) = &*pair2;
        let mut started = lock.lock();
        *started = true;
        cvar.notify_one();
    });

    // wait for the thread to start up
    let &(ref lock, ref cvar) = &*pair;
    let mut started = lock.lock();
    if !*started {
        cvar.wait(&mut started);
    }
    // In this single-waiter example an `if` is sufficient because
    // parking_lot's Condvar never spuriously wakes: wait() only returns after
    // notify_one or notify_all is called. Code with multiple waiters or multiple
    // predicates may still need a loop to re-check the predicate.
}
