//! Native trace records into the aggregator: maps the trace's own string, thread and lock ids to
//! the aggregator's, once per definition, so each event is a few integer lookups.

use lockprof::LockKind;
use lockprof::trace::{Hold, Record, RecordRef, StrId, Summary, Wait};

use crate::aggregate::{Aggregator, CellKey, LockIdx, SummaryCounts};
use crate::id_table::IdTable;
use crate::intern::{EMPTY_STACK, StackId, Sym};
use crate::stacks::{InputStacks, NO_STACK, NativeId, TRUNCATED_FRAME, WaitPairing};

/// Name given to sites and threads a record refers to but the trace never defined.
const UNDEFINED: &str = "[undefined]";

/// The records of one native trace, fed to an [`Aggregator`].
#[derive(Debug)]
pub struct NativeInput<'a> {
    agg: &'a mut Aggregator,
    input: u32,
    strings: IdTable<Sym>,
    threads: IdTable<Sym>,
    locks: IdTable<LockIdx>,
    undefined: Sym,
    events: u64,
    /// Frame, stack and span-stack definitions.
    stacks: InputStacks,
}

impl Aggregator {
    /// Starts a new native-trace input.
    pub fn native(&mut self) -> NativeInput<'_> {
        let input = self.begin_input();
        let undefined = self.names.intern(UNDEFINED);
        NativeInput {
            agg: self,
            input,
            strings: IdTable::default(),
            threads: IdTable::default(),
            locks: IdTable::default(),
            undefined,
            events: 0,
            stacks: InputStacks::default(),
        }
    }
}

impl NativeInput<'_> {
    /// Number of wait, hold and summary records fed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Feeds one record.
    pub fn record(&mut self, record: &Record) {
        self.record_ref(record.into());
    }

    /// Feeds one record borrowed from a reader ([`TraceReader::next_ref`]), which spares the
    /// reader an allocation per record.
    ///
    /// [`TraceReader::next_ref`]: lockprof::trace::TraceReader::next_ref
    #[inline]
    pub fn record_ref(&mut self, record: RecordRef<'_>) {
        match record {
            RecordRef::Wait(w) => {
                self.events += 1;
                let mut key = self.key(w.lock, w.thread, w.site);
                if w.stack | w.holder_stack | w.spans != 0 {
                    (key.stack, key.native) = self.wait_context(key, &w);
                }
                self.agg.saw(self.input, w.at_ns);
                self.agg.wait(key, w.wait_ns, w.weight);
            }
            RecordRef::Hold(h) => {
                self.events += 1;
                let mut key = self.key(h.lock, h.thread, h.site);
                if h.stack | h.spans != 0 {
                    (key.stack, key.native) = self.hold_context(key, &h);
                }
                self.agg.saw(self.input, h.at_ns);
                self.agg.hold(key, h.hold_ns, h.blame_ns, h.weight);
            }
            RecordRef::Summary(s) => self.summary(s),
            other => self.define(other),
        }
    }

    // Summaries and definitions are a few per thousand events: kept out of line so that the
    // wait and hold paths above inline into the reading loop.
    #[inline(never)]
    fn summary(&mut self, s: &Summary) {
        self.events += 1;
        let key = self.key(s.lock, s.thread, s.site);
        self.agg.saw(self.input, s.at_ns);
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
            wait_native: self.stacks.native(s.wait_stack),
            blame_native: self.stacks.native(s.blame_stack),
        };
        self.agg
            .summary(key, &counts, Some(&s.wait_hist), Some(&s.hold_hist));
    }

    #[inline(never)]
    fn define(&mut self, record: RecordRef<'_>) {
        match record {
            RecordRef::String { id, value } => {
                let sym = self.agg.names.intern(value);
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
                let truncated = stack
                    .truncated
                    .then(|| self.agg.names.intern(TRUNCATED_FRAME));
                self.stacks.define_stack(
                    &mut self.agg.native,
                    stack.id,
                    stack.frames.iter(),
                    truncated,
                    self.undefined,
                );
            }
            RecordRef::Spans(spans) => {
                let names: Vec<Sym> = spans
                    .names
                    .iter()
                    .map(|id| StrId::try_from(id).map_or(self.undefined, |id| self.string(id)))
                    .collect();
                let id = self.agg.stacks.intern(&names);
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
            stack: EMPTY_STACK,
            native: NO_STACK,
        }
    }

    /// A wait's spans and native stack (returned for its key), and its pairing with the holder's
    /// stack.
    // The key goes in and out by value: taking its address (`&mut CellKey`) kept it in memory on
    // the hot path of every wait, stacks or not, which cost 15% of aggregation (BENCHMARKS.md).
    #[inline(never)]
    fn wait_context(&mut self, mut key: CellKey, w: &Wait) -> (StackId, NativeId) {
        key.stack = self.stacks.spans(w.spans);
        key.native = self.stacks.native(w.stack);
        self.agg.native.saw(key.native);
        // Traces without stacks (older writers, capture off) are not paired: there would be
        // no stack to pair with, and every wait would wait in memory until the end for nothing.
        if w.holder != 0 && w.stack | w.holder_stack != 0 {
            let holder = self.thread(w.holder);
            let holder_stack = self.stacks.native(w.holder_stack);
            self.agg.native.wait(WaitPairing {
                lock: key.lock,
                waiter: key.thread,
                waiter_stack: key.native,
                holder,
                holder_id: w.holder,
                holder_stack,
                at_ns: w.at_ns,
                wait_ns: w.wait_ns,
                weight: w.weight,
            });
        }
        (key.stack, key.native)
    }

    /// A hold's spans and native stack (returned for its key), kept for pairing waits with it.
    #[inline(never)]
    fn hold_context(&mut self, mut key: CellKey, h: &Hold) -> (StackId, NativeId) {
        key.stack = self.stacks.spans(h.spans);
        key.native = self.stacks.native(h.stack);
        self.agg.native.saw(key.native);
        self.agg
            .native
            .hold(key.lock, h.thread, key.native, h.at_ns, h.hold_ns);
        (key.stack, key.native)
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
        let sym = self.agg.names.intern(&format!("thread-{id}"));
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
        let name = self.agg.names.intern(&format!("lock#{id}"));
        let lock = self.agg.add_lock(self.input, id, name, LockKind::Mutex);
        self.locks.insert(id, lock);
        lock
    }
}
