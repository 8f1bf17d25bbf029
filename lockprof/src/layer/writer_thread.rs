//! The background thread that owns the trace file: drains the channel into the encoder, flushes
//! the output, counts what it could not write, retries a failing output, and answers flush and
//! shutdown requests.
//!
//! It is the only owner of the encoder and its tables, so they need no locking. It never touches
//! a lockprof lock (only std primitives), so profiling cannot deadlock through it.

use std::collections::VecDeque;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use super::encode::Encoder;
use super::shared::{Msg, Shared};
use super::visitor::EventMsg;
use crate::trace::{Record, TraceWriter};

/// The output the thread writes to.
pub(crate) type Output = TraceWriter<BufWriter<Box<dyn Write + Send>>>;

/// How long the thread blocks waiting for events, when idle, before doing its periodic work.
const TICK: Duration = Duration::from_millis(100);
/// While events flow the thread polls, napping this long between batches: each wake-up costs
/// the thread about 10 µs of its own CPU and the batches are small, so a longer nap is most of
/// what makes the profiler's CPU small (at 1 ms, wake-ups were two thirds of it)...
const FLOWING_NAP: Duration = Duration::from_millis(4);
/// ...but down to this when a batch fills a quarter of the queue, so a small queue or a burst
/// does not overflow while the thread naps...
const SHORTEST_NAP: Duration = Duration::from_micros(250);
/// ...and doubling while nothing arrives, until a nap would reach this, when it blocks on the
/// channel instead.
const MAX_NAP: Duration = Duration::from_millis(32);

/// The thread's state.
pub(crate) struct WriterThread {
    out: Option<Output>,
    rx: Receiver<Msg>,
    shared: Arc<Shared>,
    capacity: usize,
    flush_interval: Duration,
    /// The tables, and what turns events into records.
    encoder: Encoder,
    /// Part of `shared.dropped` already written as `Dropped` records.
    reported: u64,
    /// Where each event written but not yet taken by the output ends, oldest first: what a
    /// failing output loses if it never recovers.
    unwritten: VecDeque<u64>,
    flushed_ticket: u64,
    last_flush: Instant,
    /// Set at the first write failure; cleared when a retry succeeds.
    failed_since: Option<Instant>,
    warned: bool,
}

impl WriterThread {
    pub(crate) fn new(
        out: Output,
        rx: Receiver<Msg>,
        shared: Arc<Shared>,
        capacity: usize,
        flush_interval: Duration,
    ) -> Self {
        WriterThread {
            out: Some(out),
            rx,
            shared,
            capacity,
            flush_interval,
            encoder: Encoder::new(),
            reported: 0,
            unwritten: VecDeque::new(),
            flushed_ticket: 0,
            last_flush: Instant::now(),
            failed_since: None,
            warned: false,
        }
    }

    pub(crate) fn run(mut self) {
        // Its locks, if the output takes any, are the profiler's doing: counted, but not
        // collected by every flush, which would make it write again.
        crate::recorder::flush_only_on_this_thread();
        let mut nap = FLOWING_NAP;
        loop {
            let (handled, disconnected) = self.drain();
            self.housekeeping();
            // Every sender gone means the layer and the guard were both dropped.
            if disconnected || self.shared.finish.load(Ordering::Acquire) {
                self.drain();
                break;
            }
            nap = next_nap(nap, handled, self.capacity);
            if nap < MAX_NAP {
                // Polling while events flow: a sender never pays to wake a blocked receiver
                // (a futex call, microseconds), only an atomic exchange.
                thread::park_timeout(nap);
                continue;
            }
            // Idle for a while: block, so an idle profiler costs nothing. The next event pays
            // one wake-up and the thread is back to polling.
            match self.rx.recv_timeout(TICK.min(self.flush_interval)) {
                Ok(Msg::Event(event)) => {
                    self.handle(event);
                    nap = FLOWING_NAP;
                }
                Ok(Msg::Wake) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.housekeeping();
                    break;
                }
            }
        }
        self.close();
    }

    /// Handles what is queued now, but no more than a channel's worth: other threads may keep
    /// emitting, and a flush or shutdown must end. Returns how many events it handled and whether
    /// every sender is gone.
    fn drain(&mut self) -> (usize, bool) {
        let mut handled = 0;
        for _ in 0..self.capacity {
            match self.rx.try_recv() {
                Ok(Msg::Event(event)) => {
                    self.handle(event);
                    handled += 1;
                }
                Ok(Msg::Wake) => {}
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return (handled, true),
            }
        }
        (handled, false)
    }

    fn handle(&mut self, event: EventMsg) {
        if self.failed_since.is_some() {
            self.shared.count_dropped(1);
            return;
        }
        let written = match self.out.as_mut() {
            Some(out) => self.encoder.encode(&event, out),
            None => Err(closed()),
        };
        if let Some(warning) = self.encoder.take_warning() {
            eprintln!("lockprof: {warning}");
        }
        match written {
            Ok(()) => {
                self.forget_taken();
                if let Some(out) = &self.out {
                    self.unwritten.push_back(out.bytes_written());
                }
            }
            Err(e) => {
                self.shared.count_dropped(1);
                self.fail(&e);
            }
        }
    }

    /// Forgets the events the output has taken (a failed flush may have taken part of the
    /// buffer) and returns how many it has not.
    fn forget_taken(&mut self) -> u64 {
        if let Some(out) = &self.out {
            let buffered = out.get_ref().buffer().len() as u64;
            let taken = out.bytes_written().saturating_sub(buffered);
            while self.unwritten.front().is_some_and(|&end| end <= taken) {
                self.unwritten.pop_front();
            }
        }
        self.unwritten.len() as u64
    }

    fn output(&mut self) -> io::Result<&mut Output> {
        self.out.as_mut().ok_or_else(closed)
    }

    fn fail(&mut self, e: &io::Error) {
        self.failed_since = Some(Instant::now());
        if !self.warned {
            self.warned = true;
            eprintln!("lockprof: cannot write trace: {e}; further events are dropped and counted");
        }
    }

    /// Periodic work after every message or tick: drop counts, flush requests, periodic flushes,
    /// retries after a failure.
    fn housekeeping(&mut self) {
        let now = Instant::now();
        if let Some(since) = self.failed_since {
            // After a failure the output is tried again once per flush interval.
            if now.duration_since(since) < self.flush_interval {
                self.answer_flush_requests();
                return;
            }
            // Buffered bytes that failed to go out are still in the BufWriter: try them again.
            match self.output().and_then(|out| out.flush()) {
                Ok(()) => {
                    self.failed_since = None;
                    self.last_flush = now;
                }
                Err(_) => {
                    self.failed_since = Some(now);
                    self.answer_flush_requests();
                    return;
                }
            }
        }
        let requested = self.shared.flush_requested.load(Ordering::Acquire);
        if requested > self.flushed_ticket {
            // A flush covers what was queued before it was asked for: write that first.
            self.drain();
        }
        self.report_dropped();
        if requested > self.flushed_ticket
            || now.duration_since(self.last_flush) >= self.flush_interval
        {
            self.last_flush = now;
            if let Err(e) = self.output().and_then(|out| out.flush()) {
                self.fail(&e);
            }
        }
        self.answer_flush_requests();
    }

    /// Writes a `Dropped` record if events were lost since the last one.
    fn report_dropped(&mut self) {
        if let Err(e) = self.write_dropped() {
            self.fail(&e);
        }
    }

    fn write_dropped(&mut self) -> io::Result<()> {
        let total = self.shared.dropped.load(Ordering::Relaxed);
        if total > self.reported {
            let count = total - self.reported;
            self.output()?.write(&Record::Dropped { count })?;
            self.reported = total;
        }
        Ok(())
    }

    /// Answers every flush ticket handed out so far (successful or not: a caller must not wait
    /// for an output that is failing).
    fn answer_flush_requests(&mut self) {
        let requested = self.shared.flush_requested.load(Ordering::Acquire);
        if requested > self.flushed_ticket {
            self.flushed_ticket = requested;
            self.shared.update(|p| p.flushed = requested);
        }
    }

    fn close(&mut self) {
        if let Err(e) = self.complete() {
            // The trace may not hold the count any more: the program's stderr gets it instead.
            let unwritten = self.forget_taken();
            self.shared.count_dropped(unwritten);
            if let Some(out) = self.out.take() {
                // Dropped as is, a BufWriter would try its buffer once more, already counted lost.
                drop(out.into_inner().into_parts());
            }
            let lost = self.shared.dropped.load(Ordering::Relaxed);
            let events = if lost == 1 {
                "event was"
            } else {
                "events were"
            };
            eprintln!("lockprof: cannot complete the trace: {e}; {lost} {events} lost");
        }
        self.answer_flush_requests();
        self.shared.update(|p| p.exited = true);
    }

    /// Writes what is buffered (after a failure: one last chance for an output that has
    /// recovered), then the drop count and the end marker.
    fn complete(&mut self) -> io::Result<()> {
        self.output()?.flush()?;
        self.unwritten.clear();
        self.write_dropped()?;
        self.out.take().map_or(Ok(()), |out| out.finish().map(drop))
    }
}

/// The nap after a batch of `handled` events from a queue of `capacity`.
fn next_nap(nap: Duration, handled: usize, capacity: usize) -> Duration {
    if handled == 0 {
        // Bounded: an idle writer stays at MAX_NAP (blocking on the channel) for as long as the
        // program is idle, however many ticks that is.
        (nap * 2).min(MAX_NAP)
    } else if handled.saturating_mul(4) >= capacity {
        (nap / 2).max(SHORTEST_NAP)
    } else {
        (nap * 2).min(FLOWING_NAP)
    }
}

fn closed() -> io::Error {
    io::Error::other("the trace is already closed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naps_shorten_when_the_queue_fills_and_lengthen_when_it_empties() {
        assert_eq!(next_nap(FLOWING_NAP, 10, 4096), FLOWING_NAP);
        assert_eq!(next_nap(FLOWING_NAP, 1024, 4096), FLOWING_NAP / 2);
        assert_eq!(next_nap(SHORTEST_NAP, 4096, 4096), SHORTEST_NAP);
        assert_eq!(next_nap(SHORTEST_NAP, 1, 4096), SHORTEST_NAP * 2);
        assert_eq!(next_nap(MAX_NAP / 2, 1, 4096), FLOWING_NAP);
        assert_eq!(next_nap(FLOWING_NAP, 0, 4096), FLOWING_NAP * 2);
        assert_eq!(next_nap(FLOWING_NAP, 1, 1), FLOWING_NAP / 2);
    }

    #[test]
    fn an_idle_writer_naps_no_longer_than_max_nap_however_long_it_idles() {
        let mut nap = FLOWING_NAP;
        for _ in 0..1_000 {
            nap = next_nap(nap, 0, 4096);
        }
        assert_eq!(nap, MAX_NAP);
    }
}
