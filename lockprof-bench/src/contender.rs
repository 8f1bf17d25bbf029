//! A contender: one row of the table, a mutex and/or a reader-writer lock created once and
//! reused by every measurement, so per-lock registration costs stay out of the numbers.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::workload::{self, HEAVY_THREADS};
use crate::{BenchMutex, BenchRwLock, Isolated};

/// One benchmark case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// Lock, increment, unlock on one thread.
    Uncontended,
    /// Read-lock, read, unlock on one thread.
    UncontendedRead,
    /// This many threads share the lock, each hold running ~50 ns of work.
    Contended(usize),
    /// [`HANDOFF_THREADS`](crate::HANDOFF_THREADS) threads share the lock, each doing ~200 ns of
    /// work of its own between two ~50 ns holds, so the lock changes hands often.
    Handoff,
    /// [`HEAVY_THREADS`] threads share the lock, each hold spinning
    /// [`HEAVY_HOLD`](crate::HEAVY_HOLD).
    Heavy,
    /// [`READ_MOSTLY_THREADS`](crate::READ_MOSTLY_THREADS) threads, one operation in
    /// [`READ_MOSTLY_WRITE_EVERY`](crate::READ_MOSTLY_WRITE_EVERY) a write.
    ReadMostly,
    /// [`READ_MOSTLY_THREADS`](crate::READ_MOSTLY_THREADS) threads only reading.
    ReadOnly,
}

impl Case {
    /// Every case, in table order.
    pub const ALL: [Case; 10] = [
        Case::Uncontended,
        Case::UncontendedRead,
        Case::Contended(2),
        Case::Contended(4),
        Case::Contended(8),
        Case::Contended(16),
        Case::Handoff,
        Case::Heavy,
        Case::ReadMostly,
        Case::ReadOnly,
    ];

    /// Whether the case uses a reader-writer lock (otherwise a mutex).
    pub fn is_rwlock(self) -> bool {
        matches!(
            self,
            Case::UncontendedRead | Case::ReadMostly | Case::ReadOnly
        )
    }

    /// Whether the case runs on one thread (its ratio is a cost: lower is better) rather than
    /// measuring throughput under contention (higher is better).
    pub fn is_uncontended(self) -> bool {
        matches!(self, Case::Uncontended | Case::UncontendedRead)
    }

    /// A short name, used as the criterion group and the table column.
    pub fn name(self) -> String {
        match self {
            Case::Uncontended => "uncontended".to_owned(),
            Case::UncontendedRead => "uncontended_read".to_owned(),
            Case::Contended(threads) => format!("contended_{threads}t"),
            Case::Handoff => format!("handoff_{}t", workload::HANDOFF_THREADS),
            Case::Heavy => format!("heavy_{HEAVY_THREADS}t_10us"),
            Case::ReadMostly => "read_mostly_4t".to_owned(),
            Case::ReadOnly => "read_only_4t".to_owned(),
        }
    }
}

type Run = Box<dyn Fn(Case, u64) -> Option<Duration> + Send + Sync>;

/// A row of the table: a name and the locks it is measured with.
pub struct Contender {
    name: &'static str,
    mutex: Option<Run>,
    rwlock: Option<Run>,
}

impl fmt::Debug for Contender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contender")
            .field("name", &self.name)
            .field("mutex", &self.mutex.is_some())
            .field("rwlock", &self.rwlock.is_some())
            .finish()
    }
}

impl Contender {
    /// A contender with no lock yet; add them with [`mutex`](Self::mutex) and
    /// [`rwlock`](Self::rwlock).
    pub fn new(name: &'static str) -> Contender {
        Contender {
            name,
            mutex: None,
            rwlock: None,
        }
    }

    /// Measures the mutex cases with `L` (one lock, created now).
    pub fn mutex<L: BenchMutex>(mut self) -> Contender {
        let lock = Arc::new(Isolated::<L>::create());
        self.mutex = Some(Box::new(move |case, ops| {
            L::enter();
            let elapsed = match case {
                Case::Uncontended => Some(workload::uncontended(&*lock, ops)),
                Case::Contended(threads) => Some(workload::contended(
                    &lock,
                    threads,
                    ops,
                    workload::hold_50ns,
                )),
                Case::Handoff => Some(workload::handoffs(&lock, ops)),
                Case::Heavy => Some(workload::contended(
                    &lock,
                    HEAVY_THREADS,
                    ops,
                    workload::hold_heavy,
                )),
                Case::UncontendedRead | Case::ReadMostly | Case::ReadOnly => None,
            };
            L::exit();
            elapsed
        }));
        self
    }

    /// Measures the reader-writer lock cases with `L` (one lock, created now).
    pub fn rwlock<L: BenchRwLock>(mut self) -> Contender {
        let lock = Arc::new(Isolated::<L>::create());
        self.rwlock = Some(Box::new(move |case, ops| {
            L::enter();
            let elapsed = match case {
                Case::UncontendedRead => Some(workload::uncontended_read(&*lock, ops)),
                Case::ReadMostly => Some(workload::read_mostly(&lock, ops)),
                Case::ReadOnly => Some(workload::read_only(&lock, ops)),
                _ => None,
            };
            L::exit();
            elapsed
        }));
        self
    }

    /// The row's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether this contender takes part in `case`.
    pub fn supports(&self, case: Case) -> bool {
        if case.is_rwlock() {
            self.rwlock.is_some()
        } else {
            self.mutex.is_some()
        }
    }

    /// Runs `ops` operations of `case` (split among the case's threads) and returns the wall
    /// time; `None` when this contender has no lock for the case.
    pub fn time(&self, case: Case, ops: u64) -> Option<Duration> {
        let run = if case.is_rwlock() {
            &self.rwlock
        } else {
            &self.mutex
        };
        run.as_ref().and_then(|run| run(case, ops))
    }
}
