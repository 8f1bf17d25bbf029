//! The background thread that owns the trace file: interns names, writes records, counts what it
//! could not write, and answers flush and shutdown requests.
//!
//! It is the only owner of the string, thread and lock tables, so they need no locking. It never
//! touches a lockprof lock (only std primitives), so profiling cannot deadlock through it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufWriter, Write};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hdrhistogram::Histogram;

use super::shared::{Msg, Shared};
use super::visitor::{EventMsg, Kind, SummaryFields};

mod stack_defs;
use crate::trace::hist::{self, EncodedHistogram};
use crate::trace::{Hold, Record, StrId, Summary, TraceWriter, Wait};

/// The output the thread writes to.
pub(crate) type Output = TraceWriter<BufWriter<Box<dyn Write + Send>>>;

/// Past this many entries in a table, all tables are cleared and names are defined again on next
/// use: a program that creates locks without end still gets bounded writer memory, at the cost of
/// repeated definitions (readers accept them).
const MAX_TABLE: usize = 1 << 16;
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
    shared: std::sync::Arc<Shared>,
    capacity: usize,
    flush_interval: Duration,
    strings: HashMap<Box<str>, StrId>,
    threads: HashSet<u64>,
    locks: HashSet<u64>,
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
    warned_histogram: bool,
    /// What a summary without a histogram carries.
    empty_histogram: EncodedHistogram,
    scratch: String,
    /// Frames, native stacks and span stacks written so far.
    defs: stack_defs::StackDefs,
}

impl WriterThread {
    pub(crate) fn new(
        out: Output,
        rx: Receiver<Msg>,
        shared: std::sync::Arc<Shared>,
        capacity: usize,
        flush_interval: Duration,
    ) -> Self {
        WriterThread {
            out: Some(out),
            rx,
            shared,
            capacity,
            flush_interval,
            strings: HashMap::new(),
            threads: HashSet::new(),
            locks: HashSet::new(),
            reported: 0,
            unwritten: VecDeque::new(),
            flushed_ticket: 0,
            last_flush: Instant::now(),
            failed_since: None,
            warned: false,
            warned_histogram: false,
            empty_histogram: empty_histogram(),
            scratch: String::new(),
            defs: stack_defs::StackDefs::default(),
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
        match self.write_event(&event) {
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

    fn write_event(&mut self, e: &EventMsg) -> io::Result<()> {
        if self.strings.len() > MAX_TABLE
            || self.locks.len() > MAX_TABLE
            || self.threads.len() > MAX_TABLE
        {
            self.strings.clear();
            self.locks.clear();
            self.threads.clear();
            self.defs.clear();
        }
        if !self.locks.contains(&e.lock_id) {
            let name = self.intern(e.lock.as_str())?;
            self.write(&Record::Lock {
                id: e.lock_id,
                name,
                kind: e.lock_kind,
            })?;
            self.locks.insert(e.lock_id);
        }
        self.define_thread(e.thread_id, e.thread.as_str())?;
        // The holder may never emit an event of its own; define it so its blame has a name.
        if e.kind == Kind::Wait && e.holder_id != 0 && !e.holder.is_empty() {
            self.define_thread(e.holder_id, e.holder.as_str())?;
        }
        let site = self.intern(e.site.as_str())?;
        let (stack, holder_stack, spans) = match e.kind {
            // A summary's two stacks: one of its waits', one of its holds'.
            Kind::Summary => match e.summary.as_deref() {
                Some(f) => (
                    self.define_stack(f.wait_stack)?,
                    self.define_stack(f.blame_stack)?,
                    0,
                ),
                None => (0, 0, 0),
            },
            kind => (
                self.define_stack(e.stack)?,
                if kind == Kind::Wait {
                    self.define_stack(e.holder_stack)?
                } else {
                    0
                },
                self.define_spans(&e.spans)?,
            ),
        };
        let record = match e.kind {
            Kind::Wait => Record::Wait(Wait {
                lock: e.lock_id,
                mode: e.mode,
                thread: e.thread_id,
                site,
                holder: e.holder_id,
                wait_ns: e.wait_ns,
                at_ns: e.at_ns,
                weight: e.weight,
                timed_out: e.timed_out,
                stack,
                holder_stack,
                spans,
            }),
            Kind::Hold => Record::Hold(Hold {
                lock: e.lock_id,
                mode: e.mode,
                thread: e.thread_id,
                site,
                hold_ns: e.hold_ns,
                blame_ns: e.blame_ns,
                waiters: e.waiters,
                at_ns: e.at_ns,
                weight: e.weight,
                hold_exact: e.hold_exact,
                stack,
                spans,
            }),
            Kind::Summary => {
                let fields = e.summary.as_deref();
                let (wait_hist, hold_hist) = match fields {
                    Some(f) => (self.histogram(&f.wait_hist), self.histogram(&f.hold_hist)),
                    None => (self.empty_histogram.clone(), self.empty_histogram.clone()),
                };
                let none = SummaryFields::default();
                let f = fields.unwrap_or(&none);
                return self.output()?.write_summary(&Summary {
                    lock: e.lock_id,
                    mode: e.mode,
                    thread: e.thread_id,
                    site,
                    at_ns: e.at_ns,
                    acquisitions: f.acquisitions,
                    contended: f.contended,
                    timeouts: f.timeouts,
                    waits: f.waits,
                    wait_ns: e.wait_ns,
                    wait_hist,
                    holds: f.holds,
                    hold_ns: e.hold_ns,
                    hold_hist,
                    blame_ns: e.blame_ns,
                    blame_estimated_ns: f.blame_estimated_ns,
                    unattributed_ns: f.unattributed_ns,
                    wait_stack: stack,
                    blame_stack: holder_stack,
                });
            }
        };
        self.write(&record)
    }

    fn define_thread(&mut self, id: u64, name: &str) -> io::Result<()> {
        if self.threads.contains(&id) {
            return Ok(());
        }
        let name = if name.is_empty() {
            // The events' name for an unnamed thread (docs/EVENTS.md).
            self.scratch.clear();
            self.scratch.push_str("thread-");
            self.scratch.push_str(&id.to_string());
            let s = std::mem::take(&mut self.scratch);
            let id = self.intern(&s);
            self.scratch = s;
            id?
        } else {
            self.intern(name)?
        };
        self.write(&Record::Thread { id, name })?;
        self.threads.insert(id);
        Ok(())
    }

    fn intern(&mut self, value: &str) -> io::Result<StrId> {
        if let Some(&id) = self.strings.get(value) {
            return Ok(id);
        }
        let id = self.output()?.write_string(value)?;
        self.strings.insert(value.into(), id);
        Ok(id)
    }

    /// A base64 V2 histogram, its header checked (the writer passes the bytes on: decoding and
    /// encoding them again was half of this thread's time). A bad one is replaced by an empty
    /// histogram (the exact counts and sums of the summary are kept) with one warning, since
    /// losing the whole summary would lose those counts too.
    fn histogram(&mut self, base64: &str) -> EncodedHistogram {
        if base64.is_empty() {
            return self.empty_histogram.clone();
        }
        let checked = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .map_err(|e| e.to_string())
            .and_then(EncodedHistogram::new);
        match checked {
            Ok(h) => h,
            Err(e) => {
                if !self.warned_histogram {
                    self.warned_histogram = true;
                    eprintln!(
                        "lockprof: a summary event has an unreadable histogram ({e}); recording it as empty"
                    );
                }
                self.empty_histogram.clone()
            }
        }
    }

    fn output(&mut self) -> io::Result<&mut Output> {
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("the trace is already closed"))
    }

    fn write(&mut self, record: &Record) -> io::Result<()> {
        self.output()?.write(record)
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
            self.write(&Record::Dropped {
                count: total - self.reported,
            })?;
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
        nap * 2
    } else if handled.saturating_mul(4) >= capacity {
        (nap / 2).max(SHORTEST_NAP)
    } else {
        (nap * 2).min(FLOWING_NAP)
    }
}

/// An empty histogram with the parameters lockprof's summaries use (3 significant digits).
fn empty_histogram() -> EncodedHistogram {
    // A constant, valid parameter: `new` only fails for more than 5 significant digits.
    let empty = Histogram::<u64>::new(3).expect("3 significant digits are valid");
    let mut bytes = Vec::new();
    hist::encode(&empty, &mut bytes).expect("an empty histogram encodes");
    EncodedHistogram::new(bytes).expect("an encoded histogram is one")
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
}
