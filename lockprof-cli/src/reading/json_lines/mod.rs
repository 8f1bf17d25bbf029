//! JSON lines written by `tracing_subscriber::fmt().json()` (with or without `flatten_event`):
//! lockprof events are aggregated, every other line is skipped and counted.

mod hist;
mod parse;

use std::collections::HashMap;
use std::io::{self, BufRead};

use lockprof::{LockKind, Mode, event};
use memchr::memmem;
use rustc_hash::FxBuildHasher;

use super::stack_ids::StackIds;
use crate::Aggregator;
use crate::aggregation::event::{
    CellKey, HoldEvent, Holder, InputIdx, LockIdx, NO_TASK, SummaryCounts, SummaryEvent, WaitEvent,
};
use crate::aggregation::intern::{NO_SPANS, NO_STACK, SpansId, StackId, Sym};
use crate::model::SummaryHist;
use hist::{HistDecoder, HistError};
use lockprof::trace::HistogramBuckets;
use parse::{Fields, Line, Str};

/// Lines longer than this are skipped unread, so one runaway line cannot exhaust memory.
pub const MAX_LINE_LEN: usize = 16 << 20;

/// Name used for a site or thread an event does not name.
const UNKNOWN: &str = "[unknown]";

/// What reading one JSON-lines input found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonStats {
    /// Lines read (blank lines included).
    pub lines: u64,
    /// lockprof events aggregated.
    pub events: u64,
    /// Non-blank lines that were not lockprof events (other targets, other kinds, not JSON).
    pub skipped: u64,
    /// Of those, lines with the lockprof target that could not be used (missing or malformed
    /// fields).
    pub malformed: u64,
}

/// The lines of one JSON-lines input, fed to an [`Aggregator`].
#[derive(Debug)]
pub struct JsonInput<'a> {
    agg: &'a mut Aggregator,
    input: InputIdx,
    locks_by_id: HashMap<u64, LockIdx, FxBuildHasher>,
    locks_by_name: HashMap<Sym, LockIdx, FxBuildHasher>,
    /// Scratch space for a line's span names.
    span_names: Vec<Sym>,
    hists: HistDecoder,
    unknown: Sym,
    target: memmem::Finder<'static>,
    stats: JsonStats,
    /// Stack definitions (`stack` events) by the process's stack id.
    stacks: StackIds,
    /// Scratch space for a summary's wait and hold histograms.
    wait_buckets: Vec<(u64, u64)>,
    hold_buckets: Vec<(u64, u64)>,
}

impl<'a> JsonInput<'a> {
    /// Starts a new input of `agg`.
    pub fn new(agg: &'a mut Aggregator) -> Self {
        let input = agg.begin_input();
        let unknown = agg.name(UNKNOWN);
        JsonInput {
            agg,
            input,
            locks_by_id: HashMap::default(),
            locks_by_name: HashMap::default(),
            span_names: Vec::new(),
            hists: HistDecoder::default(),
            unknown,
            target: memmem::Finder::new(b"\"lockprof\""),
            stats: JsonStats::default(),
            stacks: StackIds::default(),
            wait_buckets: Vec::new(),
            hold_buckets: Vec::new(),
        }
    }

    /// Reads every line of `reader`.
    ///
    /// # Errors
    /// Only I/O errors of `reader`; bad lines are counted, not errors.
    pub fn read(&mut self, mut reader: impl BufRead) -> io::Result<JsonStats> {
        let mut long = Vec::new();
        let mut too_long = false;
        loop {
            let buf = match reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            let mut rest = buf;
            while let Some(nl) = memchr::memchr(b'\n', rest) {
                let line = &rest[..nl];
                rest = &rest[nl + 1..];
                if too_long {
                    self.stats.lines += 1;
                    self.stats.skipped += 1;
                    too_long = false;
                } else if long.is_empty() {
                    self.line(line);
                } else {
                    long.extend_from_slice(line);
                    self.line(&long);
                    long.clear();
                }
            }
            if !too_long {
                if long.len() + rest.len() > MAX_LINE_LEN {
                    too_long = true;
                    long = Vec::new();
                } else {
                    long.extend_from_slice(rest);
                }
            }
            let n = buf.len();
            reader.consume(n);
        }
        if too_long {
            self.stats.lines += 1;
            self.stats.skipped += 1;
        } else if !long.is_empty() {
            self.line(&long);
        }
        Ok(self.stats)
    }

    /// Feeds one line (without its newline).
    fn line(&mut self, line: &[u8]) {
        self.stats.lines += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        if self.target.find(line).is_none() {
            self.stats.skipped += 1;
            return;
        }
        let Some(parsed) = Line::parse(line) else {
            self.stats.skipped += 1;
            return;
        };
        if parsed.target.as_ref().is_none_or(|t| t.0 != event::TARGET) {
            self.stats.skipped += 1;
            return;
        }
        if self.event(&parsed) {
            self.stats.events += 1;
        } else {
            self.stats.skipped += 1;
            self.stats.malformed += 1;
        }
    }

    /// Aggregates one lockprof event; `false` when it is not usable.
    fn event(&mut self, line: &Line<'_>) -> bool {
        let f = &line.fields;
        let Some(kind) = f.event.as_ref() else {
            return false;
        };
        if kind.0 == event::STACK_DEF {
            return self.stack_definition(f);
        }
        let Some(mut key) = self.key(line) else {
            return false;
        };
        key.stack = self.stack(f.stack);
        // An event that names a stack says the program captured stacks, even when its other
        // fields turn out unusable.
        self.agg.note_stack(key.stack);
        let weight = f.weight.unwrap_or(1);
        // Absent or unknown: a foreign emitter's, or a mode added later; counted as exclusive,
        // the mode of every mutex.
        let mode = f
            .mode
            .as_ref()
            .and_then(|m| Mode::from_name(&m.0))
            .unwrap_or(Mode::Exclusive);
        match &*kind.0 {
            event::WAIT => {
                let Some(wait_ns) = f.wait_ns else {
                    return false;
                };
                let holder = self.holder(&key, f);
                let holder_name = if self.agg.keeps_timeline() {
                    self.holder_name(f)
                } else {
                    None
                };
                self.agg.wait(WaitEvent {
                    key,
                    mode,
                    thread_id: f.thread_id,
                    at_ns: f.at_ns,
                    wait_ns,
                    weight,
                    timed_out: f.timed_out.unwrap_or(false),
                    holder,
                    holder_name,
                });
            }
            event::HOLD => {
                let Some(hold_ns) = f.hold_ns else {
                    return false;
                };
                self.agg.hold(HoldEvent {
                    key,
                    mode,
                    thread_id: f.thread_id,
                    at_ns: f.at_ns,
                    hold_ns,
                    blame_ns: f.blame_ns.unwrap_or(0),
                    weight,
                    waiters: f.waiters.unwrap_or(0),
                    // Absent: an older or foreign emitter, whose holds are taken as timed.
                    hold_exact: f.hold_exact.unwrap_or(true),
                });
            }
            event::SUMMARY => {
                let Ok(wait_hist) = self.histogram(f.wait_hist.as_ref()) else {
                    return false;
                };
                let Ok(hold_hist) = self.histogram(f.hold_hist.as_ref()) else {
                    return false;
                };
                let counts = SummaryCounts {
                    acquisitions: f.acquisitions.unwrap_or(0),
                    contended: f.contended.unwrap_or(0),
                    timeouts: f.timeouts.unwrap_or(0),
                    waits: f.waits.unwrap_or(0),
                    wait_ns: f.wait_ns.unwrap_or(0),
                    holds: f.holds.unwrap_or(0),
                    hold_ns: f.hold_ns.unwrap_or(0),
                    blame_ns: f.blame_ns.unwrap_or(0),
                    // Absent in summaries of lockprof versions before the field: all exact.
                    blame_estimated_ns: f.blame_estimated_ns.unwrap_or(0),
                    unattributed_ns: f.unattributed_ns.unwrap_or(0),
                    wait_stack: self.stack(f.wait_stack),
                    blame_stack: self.stack(f.blame_stack),
                };
                self.agg.summary(SummaryEvent {
                    key,
                    mode,
                    at_ns: f.at_ns,
                    counts,
                    wait_hist: wait_hist
                        .as_ref()
                        .map(|h| SummaryHist::gather(h, &mut self.wait_buckets)),
                    hold_hist: hold_hist
                        .as_ref()
                        .map(|h| SummaryHist::gather(h, &mut self.hold_buckets)),
                });
            }
            _ => return false,
        }
        true
    }

    /// A summary's histogram field: none when the field is absent or empty (the emitter leaves an
    /// empty histogram blank).
    fn histogram(
        &mut self,
        field: Option<&Str<'_>>,
    ) -> Result<Option<HistogramBuckets>, HistError> {
        match field {
            Some(s) if !s.0.trim().is_empty() => self.hists.decode(&s.0).map(Some),
            _ => Ok(None),
        }
    }

    /// A `stack` event: defines a stack id by its frames (one per line, root first; a tab may
    /// follow the function name with its `file:line`).
    fn stack_definition(&mut self, f: &Fields<'_>) -> bool {
        let (Some(id), Some(frames)) = (f.stack, f.frames.as_ref()) else {
            return false;
        };
        let agg = &mut *self.agg;
        let syms: Vec<Sym> = frames
            .0
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(lockprof::trace::MAX_STACK_LEN)
            .map(|l| agg.name(l.split('\t').next().unwrap_or(l)))
            .collect();
        let stack = agg.stack(syms, f.truncated == Some(true));
        self.stacks.define_stack(agg, id, stack);
        true
    }

    /// The aggregate's stack for a stack id of this log (a placeholder until it is defined).
    fn stack(&mut self, id: Option<u64>) -> StackId {
        self.stacks
            .stack_or_placeholder(self.agg, self.input, id.unwrap_or(0))
    }

    /// Who held the lock when the wait began, if the wait is to be paired with the holder's
    /// stack: the holder is known, and there is a stack on at least one side.
    fn holder(&mut self, key: &CellKey, f: &Fields<'_>) -> Option<Holder> {
        let id = f.holder_id.unwrap_or(0);
        let stack = self.stack(f.holder_stack);
        if id == 0 || key.stack == NO_STACK && stack == NO_STACK {
            return None;
        }
        let name = match &f.holder {
            Some(name) if !name.0.is_empty() => self.agg.name(&name.0),
            _ => self.agg.unnamed_thread(id),
        };
        Some(Holder { id, name, stack })
    }

    /// The name of the thread that held the lock when the wait began, if the event gives it.
    fn holder_name(&mut self, f: &Fields<'_>) -> Option<Sym> {
        match (&f.holder, f.holder_id) {
            (Some(name), _) if !name.0.is_empty() => Some(self.agg.name(&name.0)),
            (_, Some(id)) if id != 0 => Some(self.agg.unnamed_thread(id)),
            _ => None,
        }
    }

    fn key(&mut self, line: &Line<'_>) -> Option<CellKey> {
        let f = &line.fields;
        let lock = self.lock(f)?;
        let thread = match (&f.thread, f.thread_id) {
            (Some(name), _) => self.agg.name(&name.0),
            (None, Some(id)) => self.agg.unnamed_thread(id),
            (None, None) => self.unknown,
        };
        let site = f
            .site
            .as_ref()
            .map_or(self.unknown, |s| self.agg.name(&s.0));
        let spans = self.spans(line);
        let task = f.task.as_ref().map_or(NO_TASK, |t| self.agg.name(&t.0));
        Some(CellKey {
            lock,
            thread,
            site,
            spans,
            stack: NO_STACK,
            task,
        })
    }

    fn lock(&mut self, f: &Fields<'_>) -> Option<LockIdx> {
        if let Some(&lock) = f.lock_id.and_then(|id| self.locks_by_id.get(&id)) {
            return Some(lock);
        }
        let name = match (&f.lock, f.lock_id) {
            (Some(name), _) => self.agg.name(&name.0),
            (None, Some(id)) => self.agg.unnamed_lock(id),
            (None, None) => return None,
        };
        if f.lock_id.is_none()
            && let Some(&lock) = self.locks_by_name.get(&name)
        {
            return Some(lock);
        }
        let kind = f
            .lock_kind
            .as_ref()
            .and_then(|k| LockKind::from_name(&k.0))
            .or_else(|| {
                let mode = f.mode.as_ref().and_then(|m| Mode::from_name(&m.0))?;
                (mode != Mode::Exclusive).then_some(LockKind::RwLock)
            })
            .unwrap_or(LockKind::Mutex);
        let lock = self
            .agg
            .add_lock(self.input, f.lock_id.unwrap_or(0), name, kind);
        match f.lock_id {
            Some(id) => self.locks_by_id.insert(id, lock),
            None => self.locks_by_name.insert(name, lock),
        };
        Some(lock)
    }

    /// The line's span stack: its `spans` list, or else its current `span`.
    fn spans(&mut self, line: &Line<'_>) -> SpansId {
        let names: &[Str<'_>] = if line.spans.is_empty() {
            line.span.as_slice()
        } else {
            &line.spans
        };
        if names.is_empty() {
            return NO_SPANS;
        }
        self.span_names.clear();
        for n in names {
            let sym = self.agg.name(&n.0);
            self.span_names.push(sym);
        }
        self.agg.spans(&self.span_names)
    }
}
