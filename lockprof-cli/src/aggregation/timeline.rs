//! Keeping the wait and hold events one by one, for `lockprof timeline`, when the aggregator is
//! asked to ([`Aggregator::with_timeline`](super::Aggregator::with_timeline)). Everything else
//! in aggregation grows with the distinct locks, threads, sites and stacks; this grows with the
//! events, so it is off by default and capped at [`MAX_TIMELINE_EVENTS`].

use std::collections::HashMap;

use super::event::{HoldEvent, InputIdx, LockIdx, WaitEvent};
use super::intern::{Interner, Sym};
use crate::model::{NameIdx, TimedEvent, TimedKind, Timeline};

/// Most events kept (about 64 bytes each): more than Perfetto UI or chrome://tracing show at
/// ease. Later events are counted in [`Timeline::left_out`].
pub(crate) const MAX_TIMELINE_EVENTS: usize = 1 << 21;

/// An event as kept: in the aggregate's ids, names resolved at the end (a lock may be named
/// after its first events).
#[derive(Clone, Copy, Debug)]
struct Kept {
    lock: LockIdx,
    thread: Sym,
    thread_id: Option<u64>,
    site: Sym,
    at_ns: u64,
    dur_ns: u64,
    kind: KeptKind,
}

#[derive(Clone, Copy, Debug)]
enum KeptKind {
    Wait {
        holder: Option<Sym>,
        timed_out: bool,
    },
    Hold {
        blame_ns: u64,
        waiters: u64,
        exact: bool,
        weight: u64,
    },
}

/// The events kept so far.
#[derive(Debug, Default)]
pub(crate) struct TimelineBuilder {
    keep: bool,
    kept: Vec<Kept>,
    left_out: u64,
}

impl TimelineBuilder {
    /// A builder that keeps events.
    pub(crate) fn keeping() -> Self {
        TimelineBuilder {
            keep: true,
            ..TimelineBuilder::default()
        }
    }

    /// Whether it keeps events.
    #[inline]
    pub(crate) fn keeps(&self) -> bool {
        self.keep
    }

    /// Keeps a wait.
    #[inline]
    pub(crate) fn wait(&mut self, w: &WaitEvent) {
        if self.keep {
            let kind = KeptKind::Wait {
                holder: w.holder_name,
                timed_out: w.timed_out,
            };
            self.push(
                w.key.lock,
                w.key.thread,
                w.thread_id,
                w.key.site,
                w.at_ns,
                w.wait_ns,
                kind,
            );
        }
    }

    /// Keeps a hold, if it made others wait (a hold without blame caused no wait to draw).
    #[inline]
    pub(crate) fn hold(&mut self, h: &HoldEvent) {
        if self.keep && h.blame_ns > 0 {
            let kind = KeptKind::Hold {
                blame_ns: h.blame_ns,
                waiters: h.waiters,
                exact: h.hold_exact,
                weight: h.weight,
            };
            self.push(
                h.key.lock,
                h.key.thread,
                h.thread_id,
                h.key.site,
                h.at_ns,
                h.hold_ns,
                kind,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        lock: LockIdx,
        thread: Sym,
        thread_id: Option<u64>,
        site: Sym,
        at_ns: Option<u64>,
        dur_ns: u64,
        kind: KeptKind,
    ) {
        match at_ns {
            Some(at_ns) if self.kept.len() < MAX_TIMELINE_EVENTS => self.kept.push(Kept {
                lock,
                thread,
                thread_id,
                site,
                at_ns,
                dur_ns,
                kind,
            }),
            _ => self.left_out += 1,
        }
    }

    /// The timeline: names resolved by `names`, locks by `lock` (its input, id and name).
    pub(crate) fn finish(
        self,
        names: &Interner,
        lock: impl Fn(LockIdx) -> Option<(InputIdx, u64, Sym)>,
    ) -> Timeline {
        let mut table = NameTable::default();
        let mut events: Vec<TimedEvent> = Vec::with_capacity(self.kept.len());
        for k in self.kept {
            let Some((input, lock_id, lock_name)) = lock(k.lock) else {
                continue;
            };
            let kind = match k.kind {
                KeptKind::Wait { holder, timed_out } => TimedKind::Wait {
                    holder: holder.map(|h| table.idx(h, names)),
                    timed_out,
                },
                KeptKind::Hold {
                    blame_ns,
                    waiters,
                    exact,
                    weight,
                } => TimedKind::Hold {
                    blame_ns,
                    waiters,
                    exact,
                    weight,
                },
            };
            events.push(TimedEvent {
                input: input as usize,
                lock_id,
                lock: table.idx(lock_name, names),
                // An input without thread ids (JSON lines of other emitters) tells threads
                // apart by name; such ids count down from the top, far above lockprof's.
                thread_id: k.thread_id.unwrap_or(u64::MAX - u64::from(k.thread)),
                thread: table.idx(k.thread, names),
                site: table.idx(k.site, names),
                at_ns: k.at_ns,
                dur_ns: k.dur_ns,
                kind,
            });
        }
        events.sort_by_key(|e| (e.input, e.at_ns, e.thread_id, e.lock_id));
        Timeline::new(events, table.names, self.left_out)
    }
}

/// The names the timeline uses, each once.
#[derive(Debug, Default)]
struct NameTable {
    idx: HashMap<Sym, NameIdx>,
    names: Vec<String>,
}

impl NameTable {
    fn idx(&mut self, sym: Sym, names: &Interner) -> NameIdx {
        *self.idx.entry(sym).or_insert_with(|| {
            self.names.push(names.resolve(sym).to_owned());
            NameIdx::try_from(self.names.len() - 1).unwrap_or(NameIdx::MAX)
        })
    }
}
