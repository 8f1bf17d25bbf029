//! A lockprof trace file's records into the aggregator: maps the trace's own string, thread,
//! lock and stack ids to the aggregate's, once per definition, so each event is a few integer
//! lookups.

use lockprof::LockKind;
use lockprof::trace::{HistogramForm, Hold, Record, RecordRef, StrId, Summary, Wait};

use super::id_table::IdTable;
use super::stack_ids::StackIds;
use crate::Aggregator;
use crate::aggregation::event::{
    CellKey, HoldEvent, Holder, InputIdx, LockIdx, NO_TASK, SummaryCounts, SummaryEvent, WaitEvent,
};
use crate::aggregation::intern::{NO_SPANS, NO_STACK, SpansId, StackId, Sym};
use crate::model::SummaryHist;

/// Name given to sites and threads a record refers to but the trace never defined.
const UNDEFINED: &str = "[undefined]";

/// The records of one lockprof trace (written by lockprof's Layer), fed to an [`Aggregator`].
#[derive(Debug)]
pub struct TraceInput<'a> {
    agg: &'a mut Aggregator,
    input: InputIdx,
    strings: IdTable<Sym>,
    threads: IdTable<Sym>,
    locks: IdTable<LockIdx>,
    undefined: Sym,
    /// Frame, stack and span-stack definitions.
    stacks: StackIds,
    /// Scratch space for a summary's wait and hold histograms.
    wait_buckets: Vec<(u64, u64)>,
    hold_buckets: Vec<(u64, u64)>,
}

impl<'a> TraceInput<'a> {
    /// Starts a new input of `agg`.
    pub fn new(agg: &'a mut Aggregator) -> Self {
        let input = agg.begin_input();
        let undefined = agg.name(UNDEFINED);
        TraceInput {
            agg,
            input,
            strings: IdTable::default(),
            threads: IdTable::default(),
            locks: IdTable::default(),
            undefined,
            stacks: StackIds::default(),
            wait_buckets: Vec::new(),
            hold_buckets: Vec::new(),
        }
    }

    /// Feeds one record.
    pub fn record<H: HistogramForm>(&mut self, record: &Record<H>) {
        self.record_ref(record.into());
    }

    /// Feeds one record borrowed from a reader ([`TraceReader::next_ref`]), which spares the
    /// reader an allocation per record.
    ///
    /// [`TraceReader::next_ref`]: lockprof::trace::TraceReader::next_ref
    #[inline]
    pub fn record_ref<H: HistogramForm>(&mut self, record: RecordRef<'_, H>) {
        match record {
            RecordRef::Wait(w) => {
                let mut key = self.key(w.lock, w.thread, w.site);
                if let Some(task) = w.task {
                    key.task = self.string(task);
                }
                let mut event = if w.stack | w.holder_stack | w.spans != 0 {
                    self.wait_with_context(key, &w)
                } else {
                    WaitEvent {
                        key,
                        mode: w.mode,
                        thread_id: Some(w.thread),
                        at_ns: Some(w.at_ns),
                        wait_ns: w.wait_ns,
                        weight: w.weight,
                        timed_out: w.timed_out,
                        holder: None,
                        holder_name: None,
                    }
                };
                if self.agg.keeps_timeline() && w.holder != 0 {
                    event.holder_name = Some(self.thread(w.holder));
                }
                self.agg.wait(event);
            }
            RecordRef::Hold(h) => {
                let mut key = self.key(h.lock, h.thread, h.site);
                if let Some(task) = h.task {
                    key.task = self.string(task);
                }
                if h.stack | h.spans != 0 {
                    (key.spans, key.stack) = self.hold_context(&h);
                }
                self.agg.hold(HoldEvent {
                    key,
                    mode: h.mode,
                    thread_id: Some(h.thread),
                    at_ns: Some(h.at_ns),
                    hold_ns: h.hold_ns,
                    blame_ns: h.blame_ns,
                    weight: h.weight,
                    waiters: u64::from(h.waiters),
                    hold_exact: h.hold_exact,
                });
            }
            RecordRef::Summary(s) => self.summary(s),
            other => self.define(other),
        }
    }

    // Summaries and definitions are a few per thousand events: kept out of line so that the
    // wait and hold paths above inline into the reading loop.
    #[inline(never)]
    fn summary<H: HistogramForm>(&mut self, s: &Summary<H>) {
        let mut key = self.key(s.lock, s.thread, s.site);
        if let Some(task) = s.task {
            key.task = self.string(task);
        }
        let counts = SummaryCounts {
            acquisitions: s.acquisitions,
            contended: s.contended,
            timeouts: s.timeouts,
            waits: s.waits,
            wait_ns: s.wait_ns,
            holds: s.holds,
            hold_ns: s.hold_ns,
            blame_ns: s.blame_ns,
            blame_estimated_ns: s.blame_estimated_ns,
            unattributed_ns: s.unattributed_ns,
            wait_stack: self.stacks.stack(s.wait_stack),
            blame_stack: self.stacks.stack(s.blame_stack),
        };
        self.agg.summary(SummaryEvent {
            key,
            mode: s.mode,
            at_ns: Some(s.at_ns),
            counts,
            wait_hist: Some(SummaryHist::gather(&s.wait_hist, &mut self.wait_buckets)),
            hold_hist: Some(SummaryHist::gather(&s.hold_hist, &mut self.hold_buckets)),
        });
    }

    #[inline(never)]
    fn define<H>(&mut self, record: RecordRef<'_, H>) {
        match record {
            RecordRef::String { id, value } => {
                let sym = self.agg.name(value);
                self.strings.insert(u64::from(id), sym);
            }
            RecordRef::Thread { id, name } => {
                let sym = self.string(name);
                self.threads.insert(id, sym);
            }
            RecordRef::Lock { id, name, kind } => {
                let name = self.string(name);
                match self.locks.get(id) {
                    Some(lock) => self.agg.define_lock(lock, name, kind),
                    None => {
                        let lock = self.agg.add_lock(self.input, id, name, kind);
                        self.locks.insert(id, lock);
                    }
                }
            }
            RecordRef::Dropped { count } => self.agg.dropped(count),
            RecordRef::Frame(frame) => {
                let function = self.string(frame.function);
                self.stacks.define_frame(frame.id, function);
            }
            RecordRef::Stack(stack) => {
                self.stacks.define_stack_of_frames(
                    self.agg,
                    stack.id,
                    stack.frames.iter(),
                    stack.truncated,
                    self.undefined,
                );
            }
            RecordRef::Spans(spans) => {
                let names: Vec<Sym> = spans
                    .names
                    .iter()
                    .map(|id| StrId::try_from(id).map_or(self.undefined, |id| self.string(id)))
                    .collect();
                let id = self.agg.spans(&names);
                self.stacks.define_spans(spans.id, id);
            }
            // Events are handled by `record_ref`; records this aggregation has no use for (such
            // as those of record types added later) are skipped.
            _ => {}
        }
    }

    #[inline]
    fn key(&mut self, lock: u64, thread: u64, site: StrId) -> CellKey {
        CellKey {
            lock: self.lock(lock),
            thread: self.thread(thread),
            site: self.string(site),
            spans: NO_SPANS,
            stack: NO_STACK,
            task: NO_TASK,
        }
    }

    /// A wait with its spans, its native stack, and its holder for pairing with the holder's
    /// stack.
    // The key goes in by value: taking its address (`&mut CellKey`) kept it in memory on the hot
    // path of every wait, stacks or not.
    #[inline(never)]
    fn wait_with_context(&mut self, mut key: CellKey, w: &Wait) -> WaitEvent {
        key.spans = self.stacks.spans(w.spans);
        key.stack = self.stacks.stack(w.stack);
        // Traces without stacks (older writers, capture off) are not paired: there would be
        // no stack to pair with, and every wait would wait in memory until the end for nothing.
        let holder = (w.holder != 0 && w.stack | w.holder_stack != 0).then(|| Holder {
            id: w.holder,
            name: self.thread(w.holder),
            stack: self.stacks.stack(w.holder_stack),
        });
        WaitEvent {
            key,
            mode: w.mode,
            thread_id: Some(w.thread),
            at_ns: Some(w.at_ns),
            wait_ns: w.wait_ns,
            weight: w.weight,
            timed_out: w.timed_out,
            holder,
            holder_name: None,
        }
    }

    /// A hold's spans and native stack.
    #[inline(never)]
    fn hold_context(&self, h: &Hold) -> (SpansId, StackId) {
        (self.stacks.spans(h.spans), self.stacks.stack(h.stack))
    }

    #[inline]
    fn string(&self, id: StrId) -> Sym {
        self.strings.get(u64::from(id)).unwrap_or(self.undefined)
    }

    #[inline]
    fn thread(&mut self, id: u64) -> Sym {
        match self.threads.get(id) {
            Some(sym) => sym,
            None => self.undefined_thread(id),
        }
    }

    #[cold]
    fn undefined_thread(&mut self, id: u64) -> Sym {
        let sym = self.agg.unnamed_thread(id);
        self.threads.insert(id, sym);
        sym
    }

    #[inline]
    fn lock(&mut self, id: u64) -> LockIdx {
        match self.locks.get(id) {
            Some(lock) => lock,
            None => self.undefined_lock(id),
        }
    }

    #[cold]
    fn undefined_lock(&mut self, id: u64) -> LockIdx {
        let name = self.agg.unnamed_lock(id);
        let lock = self.agg.add_lock(self.input, id, name, LockKind::Mutex);
        self.locks.insert(id, lock);
        lock
    }
}
