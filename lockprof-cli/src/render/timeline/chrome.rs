//! Chrome's trace-event format, the JSON that Perfetto UI and chrome://tracing open: the events
//! the timeline writes and how each is serialized. Times are microseconds (`ts`, `dur`), as the
//! format defines them, with nanoseconds as the fraction; `displayTimeUnit` is left out, as
//! Perfetto reads a trace that sets it to `ns` in nanoseconds, unlike chrome://tracing. Names
//! are JSON strings that serde_json escapes, so any name comes back exactly as it was.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::render::names::LockTitle;

/// One trace event. Fields a phase does not use are left out.
#[derive(Debug, Serialize)]
pub(super) struct Event<'a> {
    pub(super) name: Name<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cat: Option<&'static str>,
    pub(super) ph: &'static str,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "micros")]
    pub(super) ts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "micros")]
    pub(super) dur: Option<u64>,
    pub(super) pid: usize,
    pub(super) tid: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) bp: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) args: Option<Args<'a>>,
}

impl<'a> Event<'a> {
    /// A metadata event (`ph` `M`) of process `pid`, thread `tid` (0 for the process's own).
    pub(super) fn metadata(name: &'static str, pid: usize, tid: usize, args: Args<'a>) -> Self {
        Event {
            name: Name::Fixed(name),
            cat: None,
            ph: "M",
            ts: None,
            dur: None,
            pid,
            tid,
            id: None,
            bp: None,
            args: Some(args),
        }
    }

    /// One end of flow arrow `id`, at `ts` on `pid`/`tid`: its start (`s`, bound to the slice
    /// enclosing `ts`, a hold) or, if `end`, its end (`f`; `bp` `e` binds it to the slice
    /// enclosing `ts`, a wait, rather than to the next slice to begin).
    pub(super) fn flow(end: bool, id: u64, ts: u64, pid: usize, tid: usize) -> Self {
        Event {
            name: Name::Fixed("blame"),
            cat: Some("blame"),
            ph: if end { "f" } else { "s" },
            ts: Some(ts),
            dur: None,
            pid,
            tid,
            id: Some(id),
            bp: end.then_some("e"),
            args: None,
        }
    }
}

/// Nanoseconds as the format's microseconds.
fn micros<S: Serializer>(ns: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match ns {
        // Exact to the nanosecond below 2^53 ns (104 days).
        Some(ns) => s.serialize_f64(*ns as f64 / 1000.0),
        None => s.serialize_none(),
    }
}

/// An event's name.
#[derive(Debug)]
pub(super) enum Name<'a> {
    /// A fixed name (`thread_name`, `blame`).
    Fixed(&'static str),
    /// What a wait or hold slice is called: `wait ledger @ src/bank.rs:42`.
    Slice {
        verb: &'static str,
        lock: LockTitle<'a>,
        site: &'a str,
    },
}

impl Serialize for Name<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Name::Fixed(name) => s.serialize_str(name),
            Name::Slice { verb, lock, site } => {
                s.collect_str(&format_args!("{verb} {lock} @ {site}"))
            }
        }
    }
}

/// A thread's or a process's name as metadata wants it: the name, then the lane when the
/// thread has several tracks (`worker-1 (overlapping 2)`).
#[derive(Debug)]
pub(super) struct TrackName<'a> {
    pub(super) name: &'a str,
    pub(super) lane: usize,
}

impl fmt::Display for TrackName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        if self.lane > 0 {
            write!(f, " (overlapping {})", self.lane + 1)?;
        }
        Ok(())
    }
}

impl Serialize for TrackName<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An event's `args`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(super) enum Args<'a> {
    /// `process_name`, `thread_name`.
    Name { name: TrackName<'a> },
    /// `process_sort_index`, `thread_sort_index`.
    SortIndex { sort_index: usize },
    /// A wait slice.
    Wait {
        lock: LockTitle<'a>,
        site: &'a str,
        thread: &'a str,
        wait_ns: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        holder: Option<&'a str>,
        timed_out: bool,
    },
    /// A hold slice: its blame and what else the hold event says.
    Hold {
        lock: LockTitle<'a>,
        site: &'a str,
        thread: &'a str,
        hold_ns: u64,
        blame_ns: u64,
        waiters: u64,
        hold_exact: bool,
        weight: u64,
    },
}

impl Serialize for LockTitle<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
