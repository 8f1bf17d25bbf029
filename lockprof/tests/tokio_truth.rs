//! Ground truth for the async locks (`lockprof::tokio`): tasks on a 2-worker runtime hold and
//! wait for known times, measured by the program itself with `Instant`; the wait, hold and
//! blame lockprof reports, and the tasks it names, must match.
#![cfg(feature = "tokio")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Captured, assert_close, events, install, sum};
use lockprof::tokio::{Mutex, Semaphore};
use tokio::sync::mpsc;
use tracing::Instrument as _;

const HOLD: Duration = Duration::from_millis(30);
const ROUNDS: usize = 5;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

/// One round as the program measured it.
#[derive(Clone, Copy, Debug)]
struct Round {
    /// The holder has the lock.
    acquired: Instant,
    /// The holder drops its guard.
    released: Instant,
    /// The waiter calls `lock()`, and has the guard.
    wait_start: Instant,
    wait_end: Instant,
}

/// Checks a hold event against the program's hold from `acquired` to `released`. A hold that
/// began without a wait on a lock that was not hot is untimed (`hold_exact = false`): it is then
/// measured from the first waiter's arrival, which the program knows too.
#[track_caller]
fn check_hold(hold: &Captured, acquired: Instant, released: Instant, first_waiter: Instant) {
    let held = ns(released - acquired);
    if hold.bool("hold_exact") {
        assert_close("hold_ns", hold.u64("hold_ns"), held);
    } else {
        let lower = ns(released.saturating_duration_since(first_waiter));
        assert!(hold.u64("hold_ns") <= held + 1_000_000, "{hold:?} > {held}");
        assert_close(
            "hold_ns (from the first waiter)",
            hold.u64("hold_ns"),
            lower,
        );
    }
}

#[test]
fn a_task_holding_across_an_await_is_blamed_for_the_task_that_waits() {
    install();
    let lock = Arc::new(Mutex::named("tokio-ground-truth", 0u64));
    let rt = runtime();
    let (rounds, waiter_id) = rt.block_on(async {
        let (go_tx, mut go_rx) = mpsc::unbounded_channel::<()>();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(Instant, Instant)>();
        let waiter = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                while go_rx.recv().await.is_some() {
                    let start = Instant::now();
                    let mut guard = lock.lock().await;
                    let end = Instant::now();
                    *guard += 1;
                    drop(guard);
                    done_tx.send((start, end)).unwrap();
                }
                tokio::task::id().to_string()
            }
        });
        let holder = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                let mut rounds = Vec::new();
                for _ in 0..ROUNDS {
                    let mut guard = lock.lock().await;
                    let acquired = Instant::now();
                    go_tx.send(()).unwrap();
                    tokio::time::sleep(HOLD).await;
                    *guard += 1;
                    let released = Instant::now();
                    drop(guard);
                    let (wait_start, wait_end) = done_rx.recv().await.unwrap();
                    rounds.push(Round {
                        acquired,
                        released,
                        wait_start,
                        wait_end,
                    });
                }
                rounds
            }
            .instrument(tracing::info_span!("holder_task"))
        });
        let rounds = holder.await.unwrap();
        (rounds, waiter.await.unwrap())
    });
    lockprof::flush();
    assert_eq!(*lock.blocking_lock(), 2 * ROUNDS as u64);

    let waits = events(lock.id(), "wait");
    let holds: Vec<_> = events(lock.id(), "hold")
        .into_iter()
        .filter(|h| h.str("task") == "holder_task")
        .collect();
    assert_eq!(waits.len(), ROUNDS, "{waits:?}");
    assert_eq!(holds.len(), ROUNDS, "{holds:?}");
    for ((wait, hold), round) in waits.iter().zip(&holds).zip(&rounds) {
        assert_eq!(wait.str("task"), format!("task-{waiter_id}"), "{wait:?}");
        assert_eq!(wait.str("lock_kind"), "mutex");
        assert!(!wait.bool("timed_out"));
        assert!(wait.str("site").contains("tokio_truth.rs:"), "{wait:?}");
        assert_close(
            "wait_ns",
            wait.u64("wait_ns"),
            ns(round.wait_end - round.wait_start),
        );
        check_hold(hold, round.acquired, round.released, round.wait_start);
        // The waiter waited from its call until the holder's release, during the hold.
        assert_close(
            "blame_ns",
            hold.u64("blame_ns"),
            ns(round.released - round.wait_start),
        );
    }
    // After the first long wait, the lock is hot: the holds are timed from their start.
    assert!(holds[1..].iter().all(|h| h.bool("hold_exact")), "{holds:?}");
    // The waiter's own holds made nobody wait: none of its holds carries blame.
    let others: Vec<_> = events(lock.id(), "hold")
        .into_iter()
        .filter(|h| h.str("task") != "holder_task")
        .collect();
    assert_eq!(sum(&others, "blame_ns"), 0, "{others:?}");
}

#[test]
fn a_lock_future_dropped_while_waiting_is_a_wait_that_gave_up() {
    install();
    let lock = Arc::new(Mutex::named("tokio-cancelled", ()));
    let rt = runtime();
    let (gave_up_after, held) = rt.block_on(async {
        let guard = Arc::clone(&lock).lock_owned().await;
        let acquired = Instant::now();
        let waiter = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                let start = Instant::now();
                let result = tokio::time::timeout(Duration::from_millis(10), lock.lock()).await;
                assert!(result.is_err(), "the lock was held");
                start.elapsed()
            }
            .instrument(tracing::info_span!("impatient"))
        });
        let gave_up_after = waiter.await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let released = Instant::now();
        drop(guard);
        (gave_up_after, released - acquired)
    });
    lockprof::flush();

    let waits = events(lock.id(), "wait");
    assert_eq!(waits.len(), 1, "{waits:?}");
    let wait = &waits[0];
    assert!(wait.bool("timed_out"), "{wait:?}");
    assert_eq!(wait.str("task"), "impatient");
    assert_close("wait_ns", wait.u64("wait_ns"), ns(gave_up_after));
    // The task that gave up never held the lock; the holder (`block_on`'s future, in no task or
    // span: no `task` field) is blamed for the waiting.
    let holds = events(lock.id(), "hold");
    assert!(holds.iter().all(|h| !h.0.contains_key("task")), "{holds:?}");
    assert_eq!(holds.len(), 1, "{holds:?}");
    assert_close("blame_ns", holds[0].u64("blame_ns"), ns(gave_up_after));
    assert!(holds[0].u64("hold_ns") <= ns(held) + 1_000_000);
    let summaries = events(lock.id(), "summary");
    assert_eq!(sum(&summaries, "timeouts"), 1, "{summaries:?}");
    assert_eq!(sum(&summaries, "contended"), 0, "{summaries:?}");
}

/// One task's turn at the semaphore, as the program measured it.
#[derive(Clone, Copy, Debug)]
struct Turn {
    task: usize,
    asked: Instant,
    got: Instant,
    released: Instant,
}

#[test]
fn a_semaphore_of_two_permits_shared_by_six_tasks() {
    install();
    const HOLDS_MS: [u64; 6] = [12, 24, 18, 30, 15, 21];
    let sem = Arc::new(Semaphore::named("tokio-permits", 2));
    let rt = runtime();
    let turns: Vec<Turn> = rt.block_on(async {
        let start = Arc::new(tokio::sync::Barrier::new(HOLDS_MS.len()));
        // Tasks that have asked for a permit. A holder keeps its permit for its time and until
        // all six have asked, so that four of them wait, in one spell of contention, however
        // late a busy machine runs them.
        let asking = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = HOLDS_MS
            .iter()
            .enumerate()
            .map(|(task, &hold_ms)| {
                let (sem, start, asking) =
                    (Arc::clone(&sem), Arc::clone(&start), Arc::clone(&asking));
                tokio::spawn(
                    async move {
                        start.wait().await;
                        let asked = Instant::now();
                        asking.fetch_add(1, Ordering::SeqCst);
                        let permit = sem.acquire().await.unwrap();
                        let got = Instant::now();
                        tokio::time::sleep(Duration::from_millis(hold_ms)).await;
                        while asking.load(Ordering::SeqCst) < HOLDS_MS.len() {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                        let released = Instant::now();
                        drop(permit);
                        Turn {
                            task,
                            asked,
                            got,
                            released,
                        }
                    }
                    .instrument(tracing::info_span!("db_call", task)),
                )
            })
            .collect();
        let mut turns = Vec::new();
        for task in tasks {
            turns.push(task.await.unwrap());
        }
        turns
    });
    lockprof::flush();
    assert_eq!(sem.available_permits(), 2);

    // Every task's span is named `db_call`: tell them apart by when they held the permit.
    let holds = events(sem.id(), "hold");
    let waits = events(sem.id(), "wait");
    assert!(
        holds.iter().all(|h| h.str("task") == "db_call"),
        "{holds:?}"
    );
    assert!(
        waits.iter().all(|w| w.str("task") == "db_call"),
        "{waits:?}"
    );
    assert!(holds.iter().all(|h| h.str("lock_kind") == "semaphore"));
    // The first two got a permit at once; the four others waited.
    assert_eq!(waits.len(), 4, "{waits:?}");
    // The untimed holds (the first two) are measured from the first waiter's arrival.
    let first_waiter = turns
        .iter()
        .filter(|t| t.got - t.asked > Duration::from_millis(1))
        .map(|t| t.asked)
        .min()
        .expect("four tasks waited");
    // Truth for blame: each release is charged the waiting since the previous release (or
    // since its own start if later), as the documentation defines it for permits held together.
    let mut releases: Vec<Instant> = turns.iter().map(|t| t.released).collect();
    releases.sort();
    let waiting_between = |from: Instant, to: Instant| -> u64 {
        turns
            .iter()
            .map(|t| {
                let (a, b) = (t.asked.max(from), t.got.min(to));
                ns(b.saturating_duration_since(a))
            })
            .sum()
    };
    let mut total_blame = 0;
    for turn in &turns {
        let at = |e: &Captured| e.u64("at_ns");
        // Match the turn's hold by its length and its end's order among the releases.
        let order = releases.iter().position(|&r| r == turn.released).unwrap();
        let mut by_end: Vec<_> = holds.iter().collect();
        by_end.sort_by_key(|h| at(h) + h.u64("hold_ns"));
        let previous = if order == 0 {
            turn.got
        } else {
            releases[order - 1].max(turn.got)
        };
        let truth = waiting_between(previous, turn.released);
        // The last releases, once nobody waits any more, are no events: holds that made nobody
        // wait are only sampled.
        let Some(hold) = by_end.get(order) else {
            assert!(
                truth <= 1_000_000,
                "task {}: {truth} ns unreported",
                turn.task
            );
            continue;
        };
        check_hold(hold, turn.got, turn.released, first_waiter);
        assert_close(
            &format!("blame_ns of task {}", turn.task),
            hold.u64("blame_ns"),
            truth,
        );
        total_blame += hold.u64("blame_ns");
    }
    let waited: u64 = turns.iter().map(|t| ns(t.got - t.asked)).sum();
    assert_close("Σ wait_ns", sum(&waits, "wait_ns"), waited);
    assert!(total_blame <= sum(&waits, "wait_ns") + 1_000_000);
    for wait in &waits {
        let turn = turns
            .iter()
            .min_by_key(|t| ns(t.got - t.asked).abs_diff(wait.u64("wait_ns")))
            .unwrap();
        assert_close("wait_ns", wait.u64("wait_ns"), ns(turn.got - turn.asked));
    }
}
