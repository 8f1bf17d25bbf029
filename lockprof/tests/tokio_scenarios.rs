//! The async locks' API as tokio's users call it, and what each path records: read and write
//! locks, downgrades, mapped and owned guards, `try_*`, `blocking_*`, a semaphore closed under a
//! waiter, permits forgotten, merged and split.
#![cfg(feature = "tokio")]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{assert_between, assert_close, events, install, sum};
use lockprof::tokio::{
    Mutex, MutexGuard, OwnedMutexGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockWriteGuard, Semaphore,
};
use tracing::Instrument as _;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn a_writer_waiting_for_a_reader_blames_the_reader() {
    install();
    let lock = Arc::new(RwLock::named("tokio-rwlock", vec![1u32]));
    // The writer's start and wait, and the reader's release bracketed by two readings.
    let ((start, waited), (released_from, released_by)) = runtime().block_on(async {
        let read = Arc::clone(&lock).read_owned().await;
        let writer = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                let start = Instant::now();
                let mut guard = lock.write().await;
                let waited = start.elapsed();
                guard.push(2);
                (start, waited)
            }
            .instrument(tracing::info_span!("writer"))
        });
        let reader = async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let released_from = Instant::now();
            drop(read);
            (released_from, Instant::now())
        };
        let released = tokio::spawn(reader.instrument(tracing::info_span!("reader")))
            .await
            .unwrap();
        (writer.await.unwrap(), released)
    });
    lockprof::flush();
    assert_eq!(*lock.blocking_read(), [1, 2]);
    let waits = events(lock.id(), "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].str("mode"), "exclusive");
    assert_eq!(waits[0].str("task"), "writer");
    assert_eq!(waits[0].str("lock_kind"), "rwlock");
    assert_close("wait_ns", waits[0].u64("wait_ns"), waited.as_nanos() as u64);
    let holds = events(lock.id(), "hold");
    let reader: Vec<_> = holds.iter().filter(|h| h.str("task") == "reader").collect();
    assert_eq!(reader.len(), 1, "{holds:?}");
    assert_eq!(reader[0].str("mode"), "shared");
    // The reader is blamed for the writer's wait up to the release, not for the time the
    // writer's task took to run after it (milliseconds on a loaded machine).
    let during = |until: Instant| until.saturating_duration_since(start).as_nanos() as u64;
    assert_between(
        "the reader's blame",
        reader[0].u64("blame_ns"),
        during(released_from),
        during(released_by),
    );
}

#[test]
fn guards_map_downgrade_and_own_as_tokios() {
    install();
    let mutex = Arc::new(Mutex::new((1u32, String::from("a"))));
    let rwlock = Arc::new(RwLock::with_max_readers((1u32, 2u32), 4));
    runtime().block_on(async {
        let guard = mutex.lock().await;
        assert!(mutex.try_lock().is_err());
        let mut name = MutexGuard::map(guard, |(_, name)| name);
        name.push('b');
        drop(name);
        let owned = Arc::clone(&mutex).lock_owned().await;
        assert!(Arc::clone(&mutex).try_lock_owned().is_err());
        let mut count = OwnedMutexGuard::map(owned, |(count, _)| count);
        *count += 1;
        drop(count);
        assert_eq!(*mutex.lock().await, (2, String::from("ab")));

        let write = rwlock.write().await;
        assert!(rwlock.try_read().is_err());
        let read = RwLockWriteGuard::downgrade(write);
        let other = rwlock.try_read().expect("readers share a downgraded lock");
        assert!(rwlock.try_write().is_err());
        let first = RwLockReadGuard::map(read, |(first, _)| first);
        assert_eq!((*first, other.1), (1, 2));
        drop((first, other));
        let write = Arc::clone(&rwlock).write_owned().await;
        let mut second = OwnedRwLockWriteGuard::map(write, |(_, second)| second);
        *second += 1;
        drop(second);
        let owned = Arc::clone(&rwlock).try_write_owned().unwrap();
        let read = OwnedRwLockWriteGuard::downgrade(owned);
        assert_eq!(*read, (1, 3));
    });
    // From synchronous code, as tokio's.
    mutex.blocking_lock().0 += 1;
    assert_eq!(Arc::clone(&mutex).blocking_lock_owned().0, 3);
    assert_eq!(rwlock.blocking_write().1, 3);
    lockprof::flush();
    // Every acquisition counted, none waited.
    let summaries = events(mutex.id(), "summary");
    assert_eq!(sum(&summaries, "acquisitions"), 5, "{summaries:?}");
    assert!(events(mutex.id(), "wait").is_empty());
    assert!(
        mutex.name().contains("tokio_scenarios.rs:"),
        "{}",
        mutex.name()
    );
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_lock_inside_a_runtime_panics_as_tokios() {
    let mutex = Mutex::new(0);
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let _ = mutex.blocking_lock();
        });
}

#[test]
fn a_semaphore_closed_under_a_waiter_records_a_wait_that_gave_up() {
    install();
    let sem = Arc::new(Semaphore::named("tokio-closed", 1));
    runtime().block_on(async {
        let permit = sem.acquire().await.unwrap();
        let waiter = tokio::spawn({
            let sem = Arc::clone(&sem);
            async move { sem.acquire_owned().await.is_err() }
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
        sem.close();
        assert!(
            waiter.await.unwrap(),
            "a closed semaphore fails its waiters"
        );
        // Acquiring a closed semaphore fails at once: no wait.
        assert!(sem.acquire().await.is_err());
        drop(permit);
    });
    lockprof::flush();
    let waits = events(sem.id(), "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(waits[0].bool("timed_out"));
    assert_eq!(waits[0].str("lock_kind"), "semaphore");
}

#[test]
fn permits_forgotten_merged_and_split_keep_the_count() {
    let sem = Arc::new(Semaphore::new(5));
    runtime().block_on(async {
        let mut two = sem.acquire_many(2).await.unwrap();
        let one = sem.try_acquire().unwrap();
        two.merge(one);
        assert_eq!(two.num_permits(), 3);
        let split = two.split(1).unwrap();
        assert!(two.split(3).is_none());
        assert_eq!(sem.available_permits(), 2);
        split.forget();
        drop(two);
        assert_eq!(sem.available_permits(), 4);
        let owned = Arc::clone(&sem).acquire_many_owned(4).await.unwrap();
        assert!(Arc::clone(&sem).try_acquire_owned().is_err());
        drop(owned);
        sem.add_permits(1);
        assert_eq!(sem.available_permits(), 5);
    });
}
