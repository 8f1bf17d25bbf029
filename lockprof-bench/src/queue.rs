//! Producer/consumer queues on a `Mutex` and two `Condvar`s, the shape of parking_lot's own
//! condition-variable tests (`webkit_queue_test` in parking_lot 0.13's src/condvar.rs, after
//! WebKit's): producers wait while the queue is full, consumers while it is empty, and each side
//! notifies the other when the queue leaves that state. Written once over `lock_api`, whose
//! `Mutex` and `Condvar` both parking_lot 0.13 and lockprof are, so both run the same code.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use lock_api::{Condvar, Mutex, MutexGuard, RawCondvarTimed, RawMutexTimed};

/// How a side tells the other that the queue left the state it waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notify {
    /// `notify_one` after every operation, whether anyone waits or not.
    One,
    /// `notify_all`, only when the queue was empty (producer) or full (consumer).
    All,
}

/// One producer/consumer configuration.
#[derive(Clone, Copy, Debug)]
pub struct QueueCase {
    /// The case's name (the criterion group, the table row).
    pub name: &'static str,
    /// Producer threads.
    pub producers: usize,
    /// Consumer threads.
    pub consumers: usize,
    /// Most items the queue holds.
    pub capacity: usize,
    /// Items each producer puts.
    pub messages: usize,
    /// How the sides notify each other.
    pub notify: Notify,
    /// `Some`: waits are `wait_for` this long (and wait again if nothing changed).
    pub timeout: Option<Duration>,
}

impl QueueCase {
    const fn new(
        name: &'static str,
        (producers, consumers, capacity): (usize, usize, usize),
        messages: usize,
        notify: Notify,
    ) -> QueueCase {
        QueueCase {
            name,
            producers,
            consumers,
            capacity,
            messages,
            notify,
            timeout: None,
        }
    }

    /// The same case with each producer putting `messages` items.
    pub fn with_messages(self, messages: usize) -> QueueCase {
        QueueCase { messages, ..self }
    }
}

/// The criterion bench's cases: 1 producer, 4 consumers, a queue of 1 and of 16 items.
pub const QUEUE_CASES: [QueueCase; 2] = [
    QueueCase::new("queue_1p4c_cap1", (1, 4, 1), 20_000, Notify::All),
    QueueCase::new("queue_1p4c_cap16", (1, 4, 16), 100_000, Notify::All),
];

/// parking_lot's webkit queue tests, with their message counts (the two "timeout" variants
/// and the 1 s start delay of one are left out: the first waits with a 1 s bound that a
/// notification always beats, the second is the same run as its sibling plus a sleep).
pub const WEBKIT_CASES: [QueueCase; 13] = [
    QueueCase::new("sanity_check_queue", (1, 1, 1), 100_000, Notify::All),
    QueueCase::new(
        "new_test_without_timeout_5",
        (1, 5, 1),
        100_000,
        Notify::All,
    ),
    QueueCase::new(
        "one_producer_one_consumer_one_slot",
        (1, 1, 1),
        100_000,
        Notify::All,
    ),
    QueueCase::new(
        "one_producer_one_consumer_hundred_slots",
        (1, 1, 100),
        1_000_000,
        Notify::All,
    ),
    QueueCase::new(
        "ten_producers_one_consumer_one_slot",
        (10, 1, 1),
        10_000,
        Notify::All,
    ),
    QueueCase::new(
        "ten_producers_one_consumer_hundred_slots_notify_all",
        (10, 1, 100),
        10_000,
        Notify::All,
    ),
    QueueCase::new(
        "ten_producers_one_consumer_hundred_slots_notify_one",
        (10, 1, 100),
        10_000,
        Notify::One,
    ),
    QueueCase::new(
        "one_producer_ten_consumers_one_slot",
        (1, 10, 1),
        10_000,
        Notify::All,
    ),
    QueueCase::new(
        "one_producer_ten_consumers_hundred_slots_notify_all",
        (1, 10, 100),
        100_000,
        Notify::All,
    ),
    QueueCase::new(
        "one_producer_ten_consumers_hundred_slots_notify_one",
        (1, 10, 100),
        100_000,
        Notify::One,
    ),
    QueueCase::new(
        "ten_producers_ten_consumers_one_slot",
        (10, 10, 1),
        50_000,
        Notify::All,
    ),
    QueueCase::new(
        "ten_producers_ten_consumers_hundred_slots_notify_all",
        (10, 10, 100),
        50_000,
        Notify::All,
    ),
    QueueCase::new(
        "ten_producers_ten_consumers_hundred_slots_notify_one",
        (10, 10, 100),
        50_000,
        Notify::One,
    ),
];

/// The queue's state, as the webkit tests keep it.
#[derive(Debug)]
pub struct Queue {
    items: VecDeque<usize>,
    open: bool,
}

impl Queue {
    fn new() -> Queue {
        Queue {
            items: VecDeque::new(),
            open: true,
        }
    }
}

/// A lock kind the queue cases run on: a `lock_api` mutex and condition variables over it.
pub trait QueueLocks: 'static {
    /// The raw mutex.
    type Raw: RawMutexTimed<Duration = Duration, Instant = Instant> + Send + Sync;
    /// The raw condition variable.
    type Cv: RawCondvarTimed<RawMutex = Self::Raw> + Send + Sync;
    /// The queue's mutex, and the one consumers hand their items to.
    type Lock<T: Send + 'static>: Send + Sync + 'static;

    /// A new mutex around `value`.
    fn mutex<T: Send + 'static>(value: T) -> Self::Lock<T>;

    /// The `lock_api` mutex inside.
    fn lock_api<T: Send + 'static>(lock: &Self::Lock<T>) -> &Mutex<Self::Raw, T>;

    /// Applies the global settings this contender is measured under.
    fn enter() {}

    /// Undoes [`enter`](Self::enter).
    fn exit() {}
}

/// parking_lot 0.13, the baseline.
#[derive(Debug)]
pub struct ParkingLotQueue;

impl QueueLocks for ParkingLotQueue {
    type Raw = parking_lot::RawMutex;
    type Cv = parking_lot::RawCondvar;
    type Lock<T: Send + 'static> = parking_lot::Mutex<T>;

    fn mutex<T: Send + 'static>(value: T) -> parking_lot::Mutex<T> {
        parking_lot::Mutex::new(value)
    }

    fn lock_api<T: Send + 'static>(lock: &parking_lot::Mutex<T>) -> &parking_lot::Mutex<T> {
        lock
    }
}

/// The locks and condition variables of one run.
struct Shared<L: QueueLocks> {
    queue: L::Lock<Queue>,
    not_empty: Condvar<L::Cv>,
    not_full: Condvar<L::Cv>,
    output: L::Lock<Vec<usize>>,
}

/// Runs `case` on `L`'s locks and returns the time from the moment every thread is ready until
/// the last consumer has finished. Checks, as the webkit tests do, that every item came out once.
pub fn run_queue<L: QueueLocks>(case: &QueueCase) -> Duration {
    let shared = Arc::new(Shared::<L> {
        queue: L::mutex(Queue::new()),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
        output: L::mutex(Vec::with_capacity(case.producers * case.messages)),
    });
    let ready = Arc::new(Barrier::new(case.producers + case.consumers + 1));
    let spawn = |work: fn(&Shared<L>, &QueueCase)| {
        let (shared, ready, case) = (Arc::clone(&shared), Arc::clone(&ready), *case);
        thread::spawn(move || {
            ready.wait();
            work(&shared, &case);
        })
    };
    let consumers: Vec<_> = (0..case.consumers).map(|_| spawn(consume::<L>)).collect();
    let producers: Vec<_> = (0..case.producers).map(|_| spawn(produce::<L>)).collect();
    ready.wait();
    let start = Instant::now();
    for producer in producers {
        producer.join().expect("a producer panicked");
    }
    L::lock_api(&shared.queue).lock().open = false;
    shared.not_empty.notify_all();
    for consumer in consumers {
        consumer.join().expect("a consumer panicked");
    }
    let elapsed = start.elapsed();
    let mut output = L::lock_api(&shared.output).lock();
    assert_eq!(output.len(), case.producers * case.messages);
    output.sort_unstable();
    for (i, &item) in output.iter().enumerate() {
        assert_eq!(item, i / case.producers);
    }
    elapsed
}

/// Waits on `condvar` until `ready` holds, as the webkit tests' `wait`.
fn wait_until<L: QueueLocks>(
    condvar: &Condvar<L::Cv>,
    queue: &mut MutexGuard<'_, L::Raw, Queue>,
    ready: impl Fn(&Queue) -> bool,
    timeout: Option<Duration>,
) {
    while !ready(queue) {
        match timeout {
            None => condvar.wait(queue),
            Some(bound) => {
                condvar.wait_for(queue, bound);
            }
        }
    }
}

fn notify<C: lock_api::RawCondvar>(style: Notify, condvar: &Condvar<C>, was_waited_on: bool) {
    match style {
        Notify::One => {
            condvar.notify_one();
        }
        Notify::All if was_waited_on => {
            condvar.notify_all();
        }
        Notify::All => {}
    }
}

fn produce<L: QueueLocks>(shared: &Shared<L>, case: &QueueCase) {
    for message in 0..case.messages {
        let was_empty = {
            let mut queue = L::lock_api(&shared.queue).lock();
            let capacity = case.capacity;
            wait_until::<L>(
                &shared.not_full,
                &mut queue,
                |q| q.items.len() < capacity,
                case.timeout,
            );
            let was_empty = queue.items.is_empty();
            queue.items.push_back(message);
            was_empty
        };
        notify(case.notify, &shared.not_empty, was_empty);
    }
}

fn consume<L: QueueLocks>(shared: &Shared<L>, case: &QueueCase) {
    loop {
        let (was_full, item) = {
            let mut queue = L::lock_api(&shared.queue).lock();
            wait_until::<L>(
                &shared.not_empty,
                &mut queue,
                |q| !q.items.is_empty() || !q.open,
                case.timeout,
            );
            if queue.items.is_empty() && !queue.open {
                return;
            }
            (queue.items.len() == case.capacity, queue.items.pop_front())
        };
        notify(case.notify, &shared.not_full, was_full);
        if let Some(item) = item {
            L::lock_api(&shared.output).lock().push(black_box(item));
        }
    }
}
