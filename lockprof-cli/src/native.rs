//! Native trace records into the aggregator: maps the trace's own string, thread and lock ids to
//! the aggregator's, once per definition, so each event is a few integer lookups.

use std::collections::HashMap;

use lockprof::LockKind;
use lockprof::trace::{Record, StrId};
use rustc_hash::FxBuildHasher;

use crate::aggregate::{Aggregator, CellKey, LockIdx, SummaryCounts};
use crate::intern::{EMPTY_STACK, Sym};

/// Name given to sites and threads a record refers to but the trace never defined.
const UNDEFINED: &str = "[undefined]";

/// String ids are dense from 0; a definition further ahead than this goes to a map instead of
/// growing the table, so a corrupt id cannot make us allocate gigabytes.
const MAX_DENSE_GAP: usize = 1 << 16;

/// The records of one native trace, fed to an [`Aggregator`].
#[derive(Debug)]
pub struct NativeInput<'a> {
    agg: &'a mut Aggregator,
    input: u32,
    strings: Vec<Option<Sym>>,
    sparse_strings: HashMap<StrId, Sym, FxBuildHasher>,
    threads: HashMap<u64, Sym, FxBuildHasher>,
    locks: HashMap<u64, LockIdx, FxBuildHasher>,
    undefined: Sym,
    events: u64,
}

impl Aggregator {
    /// Starts a new native-trace input.
    pub fn native(&mut self) -> NativeInput<'_> {
        let input = self.begin_input();
        let undefined = self.names.intern(UNDEFINED);
        NativeInput {
            agg: self,
            input,
            strings: Vec::new(),
            sparse_strings: HashMap::default(),
            threads: HashMap::default(),
            locks: HashMap::default(),
            undefined,
            events: 0,
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
        match record {
            Record::Wait(w) => {
                self.events += 1;
                let key = self.key(w.lock, w.thread, w.site);
                self.agg.saw(self.input, w.at_ns);
                self.agg.wait(key, w.wait_ns, w.weight);
            }
            Record::Hold(h) => {
                self.events += 1;
                let key = self.key(h.lock, h.thread, h.site);
                self.agg.saw(self.input, h.at_ns);
                self.agg.hold(key, h.hold_ns, h.blame_ns, h.weight);
            }
            Record::Summary(s) => {
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
                };
                self.agg
                    .summary(key, &counts, Some(&s.wait_hist), Some(&s.hold_hist));
            }
            Record::String { id, value } => {
                let sym = self.agg.names.intern(value);
                let i = *id as usize;
                if i < self.strings.len() {
                    self.strings[i] = Some(sym);
                } else if i - self.strings.len() <= MAX_DENSE_GAP {
                    self.strings.resize(i + 1, None);
                    self.strings[i] = Some(sym);
                } else {
                    self.sparse_strings.insert(*id, sym);
                }
            }
            Record::Thread { id, name } => {
                let sym = self.string(*name);
                self.threads.insert(*id, sym);
            }
            Record::Lock { id, name, kind } => {
                let name = self.string(*name);
                match self.locks.get(id) {
                    Some(&lock) => self.agg.define_lock(lock, name, *kind),
                    None => {
                        let lock = self.agg.add_lock(self.input, *id, name, *kind);
                        self.locks.insert(*id, lock);
                    }
                }
            }
            Record::Dropped { count } => self.agg.dropped(*count),
        }
    }

    #[inline]
    fn key(&mut self, lock: u64, thread: u64, site: StrId) -> CellKey {
        CellKey {
            lock: self.lock(lock),
            thread: self.thread(thread),
            site: self.string(site),
            stack: EMPTY_STACK,
        }
    }

    #[inline]
    fn string(&self, id: StrId) -> Sym {
        match self.strings.get(id as usize) {
            Some(Some(sym)) => *sym,
            _ => self
                .sparse_strings
                .get(&id)
                .copied()
                .unwrap_or(self.undefined),
        }
    }

    #[inline]
    fn thread(&mut self, id: u64) -> Sym {
        if let Some(&sym) = self.threads.get(&id) {
            return sym;
        }
        let sym = self.agg.names.intern(&format!("thread-{id}"));
        self.threads.insert(id, sym);
        sym
    }

    #[inline]
    fn lock(&mut self, id: u64) -> LockIdx {
        if let Some(&lock) = self.locks.get(&id) {
            return lock;
        }
        let name = self.agg.names.intern(&format!("lock#{id}"));
        let lock = self.agg.add_lock(self.input, id, name, LockKind::Mutex);
        self.locks.insert(id, lock);
        lock
    }
}
