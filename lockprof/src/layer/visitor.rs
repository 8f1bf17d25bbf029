//! Turns one `lockprof` tracing event into an owned, typed message for the writer thread.

use std::fmt::{self, Write as _};

use tracing_core::field::{Field, Visit};

use super::inline_name::Name;
use crate::{LockKind, Mode, event};

/// Which lockprof event this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Wait,
    Hold,
    Summary,
}

/// Fields only summaries carry, boxed so waits and holds stay small in the channel.
#[derive(Debug, Default)]
pub(crate) struct SummaryFields {
    pub(crate) acquisitions: u64,
    pub(crate) contended: u64,
    pub(crate) timeouts: u64,
    pub(crate) waits: u64,
    pub(crate) holds: u64,
    /// The part of the event's `blame_ns` that is estimated (0 in summaries from older
    /// emitters, which lack the field).
    pub(crate) blame_estimated_ns: u64,
    /// Waiting charged to no hold exactly (0 from older emitters, which lack the field).
    pub(crate) unattributed_ns: u64,
    /// Process stack ids of one of the waits and one of the holds with blame (0: none).
    pub(crate) wait_stack: u64,
    pub(crate) blame_stack: u64,
    /// Base64 V2 histograms, turned into bytes and checked by the encoder, on the writer thread
    /// (off the profiled thread).
    pub(crate) wait_hist: String,
    pub(crate) hold_hist: String,
}

/// One event, owned. Names travel as text; the encoder, on the writer thread, interns them.
#[derive(Debug)]
pub(crate) struct EventMsg {
    pub(crate) kind: Kind,
    pub(crate) mode: Mode,
    pub(crate) lock_kind: LockKind,
    pub(crate) lock_id: u64,
    pub(crate) thread_id: u64,
    pub(crate) holder_id: u64,
    pub(crate) at_ns: u64,
    pub(crate) weight: u64,
    pub(crate) wait_ns: u64,
    pub(crate) hold_ns: u64,
    pub(crate) blame_ns: u64,
    pub(crate) waiters: u32,
    pub(crate) timed_out: bool,
    pub(crate) hold_exact: bool,
    pub(crate) lock: Name,
    pub(crate) thread: Name,
    pub(crate) site: Name,
    pub(crate) holder: Name,
    /// An async lock's task label (empty: none).
    pub(crate) task: Name,
    pub(crate) summary: Option<Box<SummaryFields>>,
    /// The event thread's native stack (process stack id; 0: none).
    pub(crate) stack: u64,
    /// Wait: the holder's native stack (0: not known).
    pub(crate) holder_stack: u64,
    /// Names of the spans the event was emitted in (filled by the Layer, not from fields).
    pub(crate) spans: SpanNames,
}

/// Most span names kept per event: the innermost ones (a deeper stack is marked truncated).
pub(crate) const MAX_SPANS: usize = 8;

/// The names of the spans an event was emitted in, innermost [`MAX_SPANS`] kept, inline (span
/// names are `'static`, so this copies pointers, never text).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SpanNames {
    len: u8,
    /// Outer spans beyond [`MAX_SPANS`] were left out.
    pub(crate) truncated: bool,
    /// Innermost first while filling; see [`SpanNames::root_first`].
    names: [&'static str; MAX_SPANS],
}

impl SpanNames {
    /// Adds the next span, going outward; returns `false` once full.
    pub(crate) fn push_outer(&mut self, name: &'static str) -> bool {
        let len = usize::from(self.len);
        if len == MAX_SPANS {
            self.truncated = true;
            return false;
        }
        self.names[len] = name;
        self.len += 1;
        true
    }

    /// The names, outermost first.
    pub(crate) fn root_first(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names[..usize::from(self.len)].iter().rev().copied()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Collects fields in whatever order they come.
#[derive(Debug)]
pub(crate) struct Visitor {
    msg: EventMsg,
    kind: Option<Kind>,
    /// An `event` value this build does not know: not an event for this layer.
    foreign: bool,
    has_mode: bool,
    has_lock_kind: bool,
    has_lock_id: bool,
    has_thread_id: bool,
    /// A field had a value that cannot be right (an unknown mode, a negative count).
    bad: bool,
}

/// A lockprof event missing a field it needs, or with a value out of range.
#[derive(Debug)]
pub(crate) struct Malformed;

impl Visitor {
    pub(crate) fn new() -> Self {
        Visitor {
            msg: EventMsg {
                kind: Kind::Wait,
                mode: Mode::Exclusive,
                lock_kind: LockKind::Mutex,
                lock_id: 0,
                thread_id: 0,
                holder_id: 0,
                at_ns: 0,
                weight: 1,
                wait_ns: 0,
                hold_ns: 0,
                blame_ns: 0,
                waiters: 0,
                timed_out: false,
                hold_exact: true,
                lock: Name::default(),
                thread: Name::default(),
                site: Name::default(),
                holder: Name::default(),
                task: Name::default(),
                summary: None,
                stack: 0,
                holder_stack: 0,
                spans: SpanNames::default(),
            },
            kind: None,
            foreign: false,
            has_mode: false,
            has_lock_kind: false,
            has_lock_id: false,
            has_thread_id: false,
            bad: false,
        }
    }

    /// `None` when the event is not a lockprof wait, hold or summary (someone else's event that
    /// happens to use the target): it is ignored, not counted.
    pub(crate) fn finish(mut self) -> Option<Result<EventMsg, Malformed>> {
        if self.foreign {
            return None;
        }
        let kind = self.kind?;
        let complete = self.has_mode
            && self.has_lock_kind
            && self.has_lock_id
            && self.has_thread_id
            && !self.msg.site.is_empty();
        if self.bad || !complete {
            return Some(Err(Malformed));
        }
        self.msg.kind = kind;
        if kind == Kind::Summary && self.msg.summary.is_none() {
            self.msg.summary = Some(Box::default());
        }
        Some(Ok(self.msg))
    }

    fn summary(&mut self) -> &mut SummaryFields {
        self.msg.summary.get_or_insert_with(Box::default)
    }

    fn set_str(&mut self, field: &str, value: &str) {
        match field {
            event::EVENT => match value {
                event::WAIT => self.kind = Some(Kind::Wait),
                event::HOLD => self.kind = Some(Kind::Hold),
                event::SUMMARY => self.kind = Some(Kind::Summary),
                _ => self.foreign = true,
            },
            event::MODE => match Mode::from_name(value) {
                Some(mode) => {
                    self.msg.mode = mode;
                    self.has_mode = true;
                }
                None => self.bad = true,
            },
            event::LOCK_KIND => match LockKind::from_name(value) {
                Some(kind) => {
                    self.msg.lock_kind = kind;
                    self.has_lock_kind = true;
                }
                None => self.bad = true,
            },
            event::LOCK => self.msg.lock.set(value),
            event::THREAD => self.msg.thread.set(value),
            event::SITE => self.msg.site.set(value),
            event::HOLDER => self.msg.holder.set(value),
            event::TASK => self.msg.task.set(value),
            event::WAIT_HIST => value.clone_into(&mut self.summary().wait_hist),
            event::HOLD_HIST => value.clone_into(&mut self.summary().hold_hist),
            _ => {}
        }
    }

    fn set_u64(&mut self, field: &str, value: u64) {
        let m = &mut self.msg;
        match field {
            event::LOCK_ID => {
                m.lock_id = value;
                self.has_lock_id = true;
            }
            event::THREAD_ID => {
                m.thread_id = value;
                self.has_thread_id = true;
            }
            event::HOLDER_ID => m.holder_id = value,
            event::STACK => m.stack = value,
            event::HOLDER_STACK => m.holder_stack = value,
            event::AT_NS => m.at_ns = value,
            event::WEIGHT => m.weight = value,
            event::WAIT_NS => m.wait_ns = value,
            event::HOLD_NS => m.hold_ns = value,
            event::BLAME_NS => m.blame_ns = value,
            event::WAITERS => match u32::try_from(value) {
                Ok(v) => m.waiters = v,
                Err(_) => self.bad = true,
            },
            event::ACQUISITIONS => self.summary().acquisitions = value,
            event::CONTENDED => self.summary().contended = value,
            event::TIMEOUTS => self.summary().timeouts = value,
            event::WAITS => self.summary().waits = value,
            event::HOLDS => self.summary().holds = value,
            event::BLAME_ESTIMATED_NS => self.summary().blame_estimated_ns = value,
            event::UNATTRIBUTED_NS => self.summary().unattributed_ns = value,
            event::WAIT_STACK => self.summary().wait_stack = value,
            event::BLAME_STACK => self.summary().blame_stack = value,
            _ => {}
        }
    }
}

impl Visit for Visitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set_str(field.name(), value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set_u64(field.name(), value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        match u64::try_from(value) {
            Ok(v) => self.set_u64(field.name(), v),
            // Only a field we care about makes a negative value wrong.
            Err(_) if is_numeric_field(field.name()) => self.bad = true,
            Err(_) => {}
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        match field.name() {
            event::TIMED_OUT => self.msg.timed_out = value,
            event::HOLD_EXACT => self.msg.hold_exact = value,
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // Display values (`site = %location`) arrive here. Names are formatted straight into
        // their (usually inline) buffers; other fields go through a short-lived string.
        let name = match field.name() {
            event::LOCK => &mut self.msg.lock,
            event::THREAD => &mut self.msg.thread,
            event::SITE => &mut self.msg.site,
            event::HOLDER => &mut self.msg.holder,
            event::TASK => &mut self.msg.task,
            event::EVENT | event::MODE | event::LOCK_KIND | event::WAIT_HIST | event::HOLD_HIST => {
                let text = format!("{value:?}");
                self.set_str(field.name(), &text);
                return;
            }
            _ => return,
        };
        name.clear();
        // Writing into a `Name` never fails; a `Debug` impl that errors leaves what it wrote.
        let _ = write!(name, "{value:?}");
    }
}

fn is_numeric_field(name: &str) -> bool {
    matches!(
        name,
        event::LOCK_ID
            | event::THREAD_ID
            | event::HOLDER_ID
            | event::STACK
            | event::HOLDER_STACK
            | event::AT_NS
            | event::WEIGHT
            | event::WAIT_NS
            | event::HOLD_NS
            | event::BLAME_NS
            | event::WAITERS
            | event::ACQUISITIONS
            | event::CONTENDED
            | event::TIMEOUTS
            | event::WAITS
            | event::HOLDS
            | event::BLAME_ESTIMATED_NS
            | event::UNATTRIBUTED_NS
    )
}
