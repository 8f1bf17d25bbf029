//! What a collector takes from a thread's recorder (its pending events, its summaries) and emits
//! after letting go of the recorder's lock, which is never held while emitting. Batches taken and
//! not yet emitted are counted, so that a flush can wait for the ones other threads are emitting.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use super::pending::Pending;
use super::summary::Summaries;
use crate::{emit, stacks};

/// What was taken from one thread's recorder, to be emitted after its lock is released.
pub(super) struct Batch {
    pub(super) thread_name: Arc<str>,
    pub(super) thread_id: u64,
    pub(super) pending: Vec<Pending>,
    pub(super) summaries: Summaries,
    pub(super) in_flight: InFlight,
}

impl Batch {
    pub(super) fn emit(self) {
        let Batch {
            thread_name,
            thread_id,
            pending,
            summaries,
            in_flight,
        } = self;
        for event in pending {
            event.emit(&thread_name, thread_id);
        }
        for (subject, fields) in summaries {
            stacks::define_for_subscriber(fields.wait_stack, &thread_name, thread_id);
            stacks::define_for_subscriber(fields.blame_stack, &thread_name, thread_id);
            emit::summary(&subject.with_thread(&thread_name, thread_id), &fields);
        }
        drop(in_flight);
    }
}

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// One batch in flight. Made with the recorder locked, before anything is taken: a flush that
/// locks the recorder after that and finds it empty then also finds this batch in flight.
/// Dropping it marks the batch emitted.
#[derive(Debug)]
pub(super) struct InFlight(());

impl InFlight {
    pub(super) fn new() -> InFlight {
        IN_FLIGHT.fetch_add(1, SeqCst);
        InFlight(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, SeqCst);
    }
}

/// Waits until batches other threads took have been emitted, so that what happened before a
/// flush has reached the subscriber when the flush returns. Bounded: a subscriber stuck in
/// another thread must not hang the caller.
pub(super) fn settle() {
    let deadline = Instant::now() + Duration::from_secs(1);
    while IN_FLIGHT.load(SeqCst) != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(50));
    }
}
