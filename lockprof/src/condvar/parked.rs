//! Which of the threads asleep on a condition variable have their re-lock recorded.
//!
//! A notify may move threads onto the mutex's queue (see `acquire::requeue`); for those whose
//! re-lock is recorded it registers their waits in the mutex's integral then, and each of them
//! ends one when it wakes. So the notify must know how many of the threads it moves are such
//! threads, and each thread whether it is one, although `parking_lot_core` moves threads from
//! the front of the queue without saying which. Each thread asks to be recorded or not when it
//! parks (whether lockprof records then), and this keeps the queue in at most two runs: threads
//! of one kind at the front, then threads of the other at the back. A thread asking for the
//! other kind than the back's while a front run remains joins the back's kind: one change of
//! kind (switching recording on or off) takes effect once the threads that parked before the
//! previous one have left. Everything here runs with the condition variable's queue locked.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

/// The kinds of the threads asleep on a condition variable, front to back (see the module docs).
#[derive(Debug)]
pub(super) struct Parked {
    /// Whether the back run's threads are recorded (the front run's are the other kind).
    back_recorded: AtomicBool,
    /// Threads in the front run.
    front: AtomicU32,
    /// Threads in the back run.
    back: AtomicU32,
}

impl Parked {
    pub(super) const fn new() -> Parked {
        Parked {
            back_recorded: AtomicBool::new(false),
            front: AtomicU32::new(0),
            back: AtomicU32::new(0),
        }
    }

    /// A thread parks, asking to be recorded or not; returns the kind it is.
    pub(super) fn park(&self, recorded: bool) -> bool {
        if recorded != self.back_recorded.load(Relaxed) && self.front.load(Relaxed) == 0 {
            self.front.store(self.back.load(Relaxed), Relaxed);
            self.back.store(0, Relaxed);
            self.back_recorded.store(recorded, Relaxed);
        }
        self.back.store(self.back.load(Relaxed) + 1, Relaxed);
        self.back_recorded.load(Relaxed)
    }

    /// A thread of kind `recorded` left the queue on its own (it timed out).
    pub(super) fn left(&self, recorded: bool) {
        let run = if recorded == self.back_recorded.load(Relaxed) {
            &self.back
        } else {
            &self.front
        };
        run.store(run.load(Relaxed).saturating_sub(1), Relaxed);
    }

    /// `count` threads were taken from the front of the queue (woken or moved by a notify);
    /// returns how many of them are recorded.
    pub(super) fn take_front(&self, count: usize) -> usize {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        let front = self.front.load(Relaxed);
        let from_front = count.min(front);
        let from_back = (count - from_front).min(self.back.load(Relaxed));
        self.front.store(front - from_front, Relaxed);
        self.back
            .store(self.back.load(Relaxed) - from_back, Relaxed);
        let recorded = if self.back_recorded.load(Relaxed) {
            from_back
        } else {
            from_front
        };
        recorded as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_of_kind_waits_for_the_front_run_to_leave() {
        let parked = Parked::new();
        // Two threads park before recording starts, then recording starts.
        assert!(!parked.park(false));
        assert!(!parked.park(false));
        assert!(parked.park(true));
        assert!(parked.park(true));
        // Recording stops while the first run is still there: the new thread joins the back.
        assert!(parked.park(false));
        // A notify moves the first three: one of them recorded.
        assert_eq!(parked.take_front(3), 1);
        // The second recorded one times out; the last one is recorded.
        parked.left(true);
        assert_eq!(parked.take_front(1), 1);
        // Empty: the next thread gets what it asks for.
        assert!(!parked.park(false));
        assert_eq!(parked.take_front(1), 0);
    }
}
