//! Ground truth for the async locks (`lockprof::tokio`): tasks on a 2-worker runtime hold and
//! wait for known times, measured by the program itself with `Instant`; the wait, hold and
//! blame lockprof reports, and the tasks it names, must match.
#![cfg(feature = "tokio")]

mod common;

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Captured, assert_between, assert_close, check_between, events, install, sum};
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

/// An acquisition as the program saw it from outside the future. lockprof reads its clock
/// inside the polls: a wait begins between `called` and `pending` (the first poll found the
/// lock taken) and ends between `last_poll` and `ready`. A busy machine may preempt a thread
/// anywhere, so the program's truth is this bracket, not one reading.
#[derive(Clone, Copy, Debug)]
struct Polled {
    called: Instant,
    /// When the first poll returned `Pending`; `None` if the lock was had at once.
    pending: Option<Instant>,
    /// When the poll that returned the lock began.
    last_poll: Instant,
    ready: Instant,
}

impl Polled {
    /// The shortest and the longest the wait can have been.
    fn wait_ns(&self) -> (u64, u64) {
        let shortest = self.pending.map_or(0, |pending| {
            ns(self.last_poll.saturating_duration_since(pending))
        });
        (shortest, ns(self.ready - self.called))
    }
}

/// Awaits `acquisition`, noting when each of its polls began and ended.
async fn polled<F: Future>(acquisition: F) -> (F::Output, Polled) {
    let mut acquisition = pin!(acquisition);
    let called = Instant::now();
    let mut pending = None;
    let mut last_poll = called;
    let output = poll_fn(|cx| {
        last_poll = Instant::now();
        let poll = acquisition.as_mut().poll(cx);
        if poll.is_pending() {
            pending.get_or_insert_with(Instant::now);
        }
        poll
    })
    .await;
    let ready = Instant::now();
    let polled = Polled {
        called,
        pending,
        last_poll,
        ready,
    };
    (output, polled)
}

/// One round as the program measured it.
#[derive(Clone, Copy, Debug)]
struct Round {
    /// The holder's `lock()`.
    acquisition: Polled,
    /// Just before and just after the holder dropped its guard.
    released: (Instant, Instant),
    /// The waiter's `lock()`.
    wait: Polled,
}

/// Checks a hold event against the program's hold, which began between `acquired.0` and
/// `acquired.1` and ended between `released.0` and `released.1`. A hold that began without a
/// wait on a lock that was not hot is untimed (`hold_exact = false`): it is then measured from
/// the first waiter's arrival, which the program brackets too (`first_waiter`).
fn check_hold(
    hold: &Captured,
    acquired: (Instant, Instant),
    released: (Instant, Instant),
    first_waiter: (Instant, Instant),
) -> Result<(), String> {
    let since = |from: Instant, to: Instant| ns(to.saturating_duration_since(from));
    let longest = since(acquired.0, released.1);
    if hold.bool("hold_exact") {
        let shortest = since(acquired.1, released.0);
        return check_between("hold_ns", hold.u64("hold_ns"), shortest, longest);
    }
    check_between("hold_ns (untimed)", hold.u64("hold_ns"), 0, longest)?;
    check_between(
        "hold_ns (from the first waiter)",
        hold.u64("hold_ns"),
        since(first_waiter.1, released.0),
        since(first_waiter.0, released.1),
    )
}

#[test]
fn a_task_holding_across_an_await_is_blamed_for_the_task_that_waits() {
    install();
    let lock = Arc::new(Mutex::named("tokio-ground-truth", 0u64));
    let rt = runtime();
    let (rounds, waiter_id) = rt.block_on(async {
        let (go_tx, mut go_rx) = mpsc::unbounded_channel::<()>();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Polled>();
        let waiter = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                while go_rx.recv().await.is_some() {
                    let (mut guard, wait) = polled(lock.lock()).await;
                    *guard += 1;
                    drop(guard);
                    done_tx.send(wait).unwrap();
                }
                tokio::task::id().to_string()
            }
        });
        let holder = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                let mut rounds = Vec::new();
                for _ in 0..ROUNDS {
                    let (mut guard, acquisition) = polled(lock.lock()).await;
                    go_tx.send(()).unwrap();
                    tokio::time::sleep(HOLD).await;
                    *guard += 1;
                    let releasing = Instant::now();
                    drop(guard);
                    let released = (releasing, Instant::now());
                    let wait = done_rx.recv().await.unwrap();
                    rounds.push(Round {
                        acquisition,
                        released,
                        wait,
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
        let (shortest, longest) = round.wait.wait_ns();
        assert_between("wait_ns", wait.u64("wait_ns"), shortest, longest);
        let began = round.wait.pending.expect("the holder held the lock");
        let first_waiter = (round.wait.called, began);
        let acquired = (round.acquisition.last_poll, round.acquisition.ready);
        check_hold(hold, acquired, round.released, first_waiter).unwrap();
        // The waiter waited from its call until the holder's release, during the hold.
        assert_between(
            "blame_ns",
            hold.u64("blame_ns"),
            ns(round.released.0 - began),
            ns(round.released.1 - round.wait.called),
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
    acquisition: Polled,
    /// Just before and just after the permit was dropped.
    releasing: Instant,
    released: Instant,
}

impl Turn {
    fn waited(&self) -> bool {
        self.acquisition.pending.is_some()
    }
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
                        asking.fetch_add(1, Ordering::SeqCst);
                        let (permit, acquisition) = polled(sem.acquire()).await;
                        let permit = permit.unwrap();
                        tokio::time::sleep(Duration::from_millis(hold_ms)).await;
                        while asking.load(Ordering::SeqCst) < HOLDS_MS.len() {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                        let releasing = Instant::now();
                        drop(permit);
                        Turn {
                            task,
                            acquisition,
                            releasing,
                            released: Instant::now(),
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
    assert_eq!(turns.iter().filter(|t| t.waited()).count(), 4, "{turns:?}");
    assert_eq!(waits.len(), 4, "{waits:?}");
    // The untimed holds (the first two) are measured from the first waiter's arrival.
    let waiters = || turns.iter().filter(|t| t.waited()).map(|t| t.acquisition);
    let first_waiter = (
        waiters().map(|a| a.called).min().unwrap(),
        waiters().filter_map(|a| a.pending).min().unwrap(),
    );
    let mut by_end: Vec<&Captured> = holds.iter().collect();
    by_end.sort_by_key(|h| h.u64("at_ns") + h.u64("hold_ns"));
    // Releases that came close together may have reached lockprof's clock in either order: the
    // holds must match the turns in one of the orders the program's readings allow.
    let orders = release_orders(turns.iter().collect());
    let checked: Vec<_> = orders
        .iter()
        .map(|order| check_releases(&turns, order, &by_end, first_waiter))
        .collect();
    let Some(total_blame) = checked.iter().find_map(|c| c.as_ref().ok()) else {
        panic!("{checked:?}\n{turns:?}\n{holds:?}");
    };
    let (least, most) = turns
        .iter()
        .filter(|t| t.waited())
        .map(|t| t.acquisition.wait_ns())
        .fold((0, 0), |(least, most), (shortest, longest)| {
            (least + shortest, most + longest)
        });
    assert_between("Σ wait_ns", sum(&waits, "wait_ns"), least, most);
    assert!(*total_blame <= sum(&waits, "wait_ns") + 1_000_000);
    for wait in &waits {
        let turn = turns
            .iter()
            .filter(|t| t.waited())
            .min_by_key(|t| {
                ns(t.acquisition.ready - t.acquisition.called).abs_diff(wait.u64("wait_ns"))
            })
            .unwrap();
        let (shortest, longest) = turn.acquisition.wait_ns();
        assert_between("wait_ns", wait.u64("wait_ns"), shortest, longest);
    }
}

/// Every order of the turns' releases that their readings allow: a turn can come before
/// another unless it began to release after the other had released.
fn release_orders(turns: Vec<&Turn>) -> Vec<Vec<&Turn>> {
    if turns.is_empty() {
        return vec![Vec::new()];
    }
    let mut orders = Vec::new();
    for (i, first) in turns.iter().enumerate() {
        if turns.iter().any(|t| t.released < first.releasing) {
            continue;
        }
        let mut rest = turns.clone();
        rest.remove(i);
        for mut order in release_orders(rest) {
            order.insert(0, *first);
            orders.push(order);
        }
    }
    orders
}

/// Checks the hold events, in the order they ended, against the turns released in `order`,
/// and returns the blame they carry. Truth for blame: each release is charged the waiting since
/// the previous release (or since its own start if later), as the documentation defines it for
/// permits held together. It is bracketed: the least with every wait at its shortest, the
/// previous release at its latest and this one at its earliest; the most the other way round.
fn check_releases(
    turns: &[Turn],
    order: &[&Turn],
    by_end: &[&Captured],
    first_waiter: (Instant, Instant),
) -> Result<u64, String> {
    let waiting_between = |from: Instant, to: Instant, longest: bool| -> u64 {
        turns
            .iter()
            .filter(|t| t.waited())
            .map(|t| {
                let a = t.acquisition;
                let (began, ended) = match longest {
                    true => (a.called, a.ready),
                    false => (a.pending.unwrap(), a.last_poll),
                };
                ns(ended.min(to).saturating_duration_since(began.max(from)))
            })
            .sum()
    };
    let mut total_blame = 0;
    for (i, turn) in order.iter().enumerate() {
        let acquired = (turn.acquisition.last_poll, turn.acquisition.ready);
        let (from_earliest, from_latest) = match i.checked_sub(1).map(|p| order[p]) {
            None => acquired,
            Some(previous) => (
                previous.releasing.max(acquired.0),
                previous.released.max(acquired.1),
            ),
        };
        let least = waiting_between(from_latest, turn.releasing, false);
        let most = waiting_between(from_earliest, turn.released, true);
        // The last releases, once nobody waits any more, are no events: holds that made nobody
        // wait are only sampled.
        let Some(hold) = by_end.get(i) else {
            if least > 1_000_000 {
                return Err(format!("task {}: {least} ns unreported", turn.task));
            }
            continue;
        };
        let released = (turn.releasing, turn.released);
        check_hold(hold, acquired, released, first_waiter)
            .map_err(|e| format!("task {}: {e}", turn.task))?;
        let blame = hold.u64("blame_ns");
        check_between(
            &format!("blame_ns of task {}", turn.task),
            blame,
            least,
            most,
        )?;
        total_blame += blame;
    }
    Ok(total_blame)
}
