//! Turns the Layer's events into trace records: the encoder owns the interning tables (strings,
//! threads, locks, frames, stacks, span stacks) and writes each definition before the first
//! record that needs it, then the record itself.
//!
//! It is plain data and functions: no thread, channel or clock, so it is tested by feeding it
//! events and reading the records back. The one process state it reads is the stack table, to
//! symbolize the stacks events refer to. The writer thread drives it.

mod histograms;
mod stack_defs;
mod strings;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::io::{self, Write};

use histograms::Histograms;
use stack_defs::StackDefs;
use strings::Strings;

use super::visitor::{EventMsg, Kind, SummaryFields};
use crate::event;
use crate::trace::{Hold, Record, StrId, Summary, TraceWriter, Wait};

/// Past this many entries in a table, all tables are cleared and names are defined again on next
/// use: a program that creates locks without end still gets bounded writer memory, at the cost of
/// repeated definitions (readers accept them).
const MAX_TABLE: usize = 1 << 16;

/// The interning tables and what turns an event into records.
#[derive(Debug)]
pub(crate) struct Encoder {
    /// [`MAX_TABLE`], smaller in tests.
    limit: usize,
    strings: Strings,
    threads: HashSet<u64>,
    locks: HashSet<u64>,
    /// Frames, native stacks and span stacks written so far.
    defs: StackDefs,
    histograms: Histograms,
}

impl Encoder {
    pub(crate) fn new() -> Self {
        Encoder::with_table_limit(MAX_TABLE)
    }

    fn with_table_limit(limit: usize) -> Self {
        Encoder {
            limit,
            strings: Strings::default(),
            threads: HashSet::new(),
            locks: HashSet::new(),
            defs: StackDefs::new(limit),
            histograms: Histograms::default(),
        }
    }

    /// Writes the record for `e` to `out`, preceded by the definitions it refers to that `out`
    /// does not have yet. On an error the tables hold only what was written, so the next event
    /// defines again whatever this one did not get to write.
    pub(crate) fn encode<W: Write>(
        &mut self,
        e: &EventMsg,
        out: &mut TraceWriter<W>,
    ) -> io::Result<()> {
        if self.strings.len() > self.limit
            || self.locks.len() > self.limit
            || self.threads.len() > self.limit
        {
            self.strings.clear();
            self.locks.clear();
            self.threads.clear();
            self.defs.clear();
        }
        let site = self.define_names(e, out)?;
        let task = match e.task.as_str() {
            "" => None,
            task => Some(self.strings.intern(out, task)?),
        };
        let (stack, holder_stack, spans) = match e.kind {
            // A summary's two stacks: one of its waits', one of its holds'.
            Kind::Summary => match e.summary.as_deref() {
                Some(f) => (
                    self.defs
                        .define_stack(&mut self.strings, out, f.wait_stack)?,
                    self.defs
                        .define_stack(&mut self.strings, out, f.blame_stack)?,
                    0,
                ),
                None => (0, 0, 0),
            },
            kind => (
                self.defs.define_stack(&mut self.strings, out, e.stack)?,
                if kind == Kind::Wait {
                    self.defs
                        .define_stack(&mut self.strings, out, e.holder_stack)?
                } else {
                    0
                },
                self.defs.define_spans(&mut self.strings, out, &e.spans)?,
            ),
        };
        match e.kind {
            Kind::Wait => out.write(&Record::Wait(Wait {
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
                task,
            })),
            Kind::Hold => out.write(&Record::Hold(Hold {
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
                task,
            })),
            Kind::Summary => self.write_summary(e, (site, task), (stack, holder_stack), out),
        }
    }

    /// The warning about the first summary with an unreadable histogram, once: the encoder has
    /// no say in where warnings go.
    pub(crate) fn take_warning(&mut self) -> Option<String> {
        self.histograms.take_warning()
    }

    /// Defines the event's lock, thread and (for a wait) holder, and returns its site's id.
    fn define_names<W: Write>(
        &mut self,
        e: &EventMsg,
        out: &mut TraceWriter<W>,
    ) -> io::Result<StrId> {
        if !self.locks.contains(&e.lock_id) {
            let name = self.strings.intern(out, e.lock.as_str())?;
            out.write(&Record::Lock {
                id: e.lock_id,
                name,
                kind: e.lock_kind,
            })?;
            self.locks.insert(e.lock_id);
        }
        self.define_thread(out, e.thread_id, e.thread.as_str())?;
        // The holder may never emit an event of its own; define it so its blame has a name.
        if e.kind == Kind::Wait && e.holder_id != 0 && !e.holder.is_empty() {
            self.define_thread(out, e.holder_id, e.holder.as_str())?;
        }
        self.strings.intern(out, e.site.as_str())
    }

    fn define_thread<W: Write>(
        &mut self,
        out: &mut TraceWriter<W>,
        id: u64,
        name: &str,
    ) -> io::Result<()> {
        if self.threads.contains(&id) {
            return Ok(());
        }
        let name = if name.is_empty() {
            self.strings.intern(out, &event::unnamed_thread(id))?
        } else {
            self.strings.intern(out, name)?
        };
        out.write(&Record::Thread { id, name })?;
        self.threads.insert(id);
        Ok(())
    }

    /// Writes a summary record with its histograms passed through as the V2 bytes they are.
    fn write_summary<W: Write>(
        &mut self,
        e: &EventMsg,
        (site, task): (StrId, Option<StrId>),
        (wait_stack, blame_stack): (u64, u64),
        out: &mut TraceWriter<W>,
    ) -> io::Result<()> {
        let fields = e.summary.as_deref();
        let (wait_hist, hold_hist) = match fields {
            Some(f) => (
                self.histograms.checked(&f.wait_hist),
                self.histograms.checked(&f.hold_hist),
            ),
            None => (self.histograms.empty(), self.histograms.empty()),
        };
        let none = SummaryFields::default();
        let f = fields.unwrap_or(&none);
        out.write_summary(&Summary {
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
            wait_stack,
            blame_stack,
            task,
        })
    }
}
