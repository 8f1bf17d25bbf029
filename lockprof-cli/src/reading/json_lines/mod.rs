//! JSON lines written by `tracing_subscriber::fmt().json()` (with or without `flatten_event`):
//! lockprof events are aggregated, every other line is skipped and counted.

mod hist;
mod parse;

use std::collections::HashMap;
use std::io::{self, BufRead};

use lockprof::{LockKind, Mode, event};
use memchr::memmem;
use rustc_hash::FxBuildHasher;

use crate::aggregate::{Aggregator, CellKey, LockIdx, SummaryCounts};
use crate::intern::{EMPTY_STACK, Sym};
use crate::stacks::{InputStacks, NO_STACK, NativeId, TRUNCATED_FRAME, WaitPairing};
use hist::HistDecoder;
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
    input: u32,
    locks_by_id: HashMap<u64, LockIdx, FxBuildHasher>,
    locks_by_name: HashMap<Sym, LockIdx, FxBuildHasher>,
    frames: Vec<Sym>,
    hists: HistDecoder,
    unknown: Sym,
    target: memmem::Finder<'static>,
    stats: JsonStats,
    /// Stack definitions (`stack` events) by the process's stack id.
    stacks: InputStacks,
}

impl Aggregator {
    /// Starts a new JSON-lines input.
    pub fn json_lines(&mut self) -> JsonInput<'_> {
        let input = self.begin_input();
        let unknown = self.names.intern(UNKNOWN);
        JsonInput {
            agg: self,
            input,
            locks_by_id: HashMap::default(),
            locks_by_name: HashMap::default(),
            frames: Vec::new(),
            hists: HistDecoder::default(),
            unknown,
            target: memmem::Finder::new(b"\"lockprof\""),
            stats: JsonStats::default(),
            stacks: InputStacks::default(),
        }
    }
}

impl JsonInput<'_> {
    /// What has been read so far.
    pub fn stats(&self) -> JsonStats {
        self.stats
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
    pub fn line(&mut self, line: &[u8]) {
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
        key.native = self.native(f.stack);
        self.agg.native.saw(key.native);
        let weight = f.weight.unwrap_or(1);
        match &*kind.0 {
            event::WAIT => {
                let Some(wait_ns) = f.wait_ns else {
                    return false;
                };
                self.agg.wait(key, wait_ns, weight);
                self.pair(&key, f, wait_ns, weight);
            }
            event::HOLD => {
                let Some(hold_ns) = f.hold_ns else {
                    return false;
                };
                self.agg.hold(key, hold_ns, f.blame_ns.unwrap_or(0), weight);
                if let (Some(thread_id), Some(at_ns)) = (f.thread_id, f.at_ns) {
                    self.agg
                        .native
                        .hold(key.lock, thread_id, key.native, at_ns, hold_ns);
                }
            }
            event::SUMMARY => {
                // An empty field is an empty histogram (the emitter leaves it blank).
                let present = |s: &&Str<'_>| !s.0.trim().is_empty();
                let wait_hist = match f
                    .wait_hist
                    .as_ref()
                    .filter(present)
                    .map(|s| self.hists.decode(&s.0))
                {
                    Some(Err(_)) => return false,
                    other => other.and_then(Result::ok),
                };
                let hold_hist = match f
                    .hold_hist
                    .as_ref()
                    .filter(present)
                    .map(|s| self.hists.decode(&s.0))
                {
                    Some(Err(_)) => return false,
                    other => other.and_then(Result::ok),
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
                    wait_native: self.native(f.wait_stack),
                    blame_native: self.native(f.blame_stack),
                };
                self.agg
                    .summary(key, &counts, wait_hist.as_ref(), hold_hist.as_ref());
            }
            _ => return false,
        }
        if let Some(at) = f.at_ns {
            self.agg.saw(self.input, at);
        }
        true
    }

    /// A `stack` event: defines a stack id by its frames (one per line, root first; a tab may
    /// follow the function name with its `file:line`).
    fn stack_definition(&mut self, f: &Fields<'_>) -> bool {
        let (Some(id), Some(frames)) = (f.stack, f.frames.as_ref()) else {
            return false;
        };
        let names = &mut self.agg.names;
        let syms: Vec<Sym> = frames
            .0
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(lockprof::trace::MAX_STACK_LEN)
            .map(|l| names.intern(l.split('\t').next().unwrap_or(l)))
            .collect();
        let truncated = (f.truncated == Some(true)).then(|| names.intern(TRUNCATED_FRAME));
        let native = self.agg.native.intern(syms, truncated);
        self.stacks.define_native(&mut self.agg.native, id, native);
        true
    }

    /// The aggregate's stack for a stack id of this log (a placeholder until it is defined).
    fn native(&mut self, id: Option<u64>) -> NativeId {
        self.stacks.native_or_placeholder(
            &mut self.agg.native,
            &mut self.agg.names,
            self.input,
            id.unwrap_or(0),
        )
    }

    /// Pairs a wait with its holder's stack (see `crate::stacks`).
    fn pair(&mut self, key: &CellKey, f: &Fields<'_>, wait_ns: u64, weight: u64) {
        let holder_id = f.holder_id.unwrap_or(0);
        let holder_stack = self.native(f.holder_stack);
        if holder_id == 0 || key.native == NO_STACK && holder_stack == NO_STACK {
            return;
        }
        let holder = match &f.holder {
            Some(name) if !name.0.is_empty() => self.agg.names.intern(&name.0),
            _ => self.agg.names.intern(&format!("thread-{holder_id}")),
        };
        self.agg.native.wait(WaitPairing {
            lock: key.lock,
            waiter: key.thread,
            waiter_stack: key.native,
            holder,
            holder_id,
            holder_stack,
            at_ns: f.at_ns.unwrap_or(0),
            wait_ns,
            weight,
        });
    }

    fn key(&mut self, line: &Line<'_>) -> Option<CellKey> {
        let f = &line.fields;
        let lock = self.lock(f)?;
        let thread = match (&f.thread, f.thread_id) {
            (Some(name), _) => self.agg.names.intern(&name.0),
            (None, Some(id)) => self.agg.names.intern(&format!("thread-{id}")),
            (None, None) => self.unknown,
        };
        let site = f
            .site
            .as_ref()
            .map_or(self.unknown, |s| self.agg.names.intern(&s.0));
        let stack = self.stack(line);
        Some(CellKey {
            lock,
            thread,
            site,
            stack,
            native: NO_STACK,
        })
    }

    fn lock(&mut self, f: &Fields<'_>) -> Option<LockIdx> {
        if let Some(&lock) = f.lock_id.and_then(|id| self.locks_by_id.get(&id)) {
            return Some(lock);
        }
        let name = match (&f.lock, f.lock_id) {
            (Some(name), _) => self.agg.names.intern(&name.0),
            (None, Some(id)) => self.agg.names.intern(&format!("lock#{id}")),
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

    fn stack(&mut self, line: &Line<'_>) -> u32 {
        let names: &[Str<'_>] = if line.spans.is_empty() {
            line.span.as_slice()
        } else {
            &line.spans
        };
        if names.is_empty() {
            return EMPTY_STACK;
        }
        self.frames.clear();
        for n in names {
            let sym = self.agg.names.intern(&n.0);
            self.frames.push(sym);
        }
        self.agg.stacks.intern(&self.frames)
    }
}
