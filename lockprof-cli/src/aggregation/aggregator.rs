//! Streaming aggregation: events in, per-lock (or per-class) totals, histograms and (thread,
//! spans, stack, site) cells out. Memory grows with the number of distinct locks (or classes),
//! threads, sites and stacks, never with the number of events; every event costs a few
//! integer-keyed hash lookups and no allocation.

use std::collections::HashMap;

use lockprof::LockKind;
use rustc_hash::FxBuildHasher;

use super::event::{CellKey, HoldEvent, InputIdx, LockIdx, NO_TASK, SummaryEvent, WaitEvent};
use super::intern::{Interner, NO_STACK, SeqInterner, SpansId, StackId, Sym};
use super::lock_accumulator::{LockAccumulator, MAX_WEIGHT};
use super::native_stacks::{NativeStacks, TRUNCATED_FRAME};
use super::pairing::{PairedWait, Pairing, RawPair};
use super::timeline::TimelineBuilder;
use crate::model::sort_pairs;
use crate::{Cell, Grouping, Pair, Profile, StackCell};

/// A lock as its input's events name it ([`LockIdx`]), and the entry its figures go to: its
/// own, or its class's when the aggregator [groups classes](Aggregator::by_class).
#[derive(Clone, Copy, Debug)]
struct Instance {
    input: InputIdx,
    id: u64,
    name: Sym,
    /// Index of its entry in [`Aggregator::locks`].
    entry: LockIdx,
}

/// A lock class: input, name and kind.
type ClassKey = (InputIdx, Sym, LockKind);

/// Earliest and latest timestamp seen in one input.
#[derive(Clone, Copy, Debug)]
struct TimeRange {
    min: u64,
    max: u64,
}

impl Default for TimeRange {
    fn default() -> Self {
        TimeRange {
            min: u64::MAX,
            max: 0,
        }
    }
}

/// Accumulates the events of one or more inputs into a [`Profile`].
///
/// Feed it with a reader per input: [`TraceInput`](crate::TraceInput) for the records of a
/// lockprof trace, [`JsonInput`](crate::JsonInput) for the lines `tracing_subscriber::fmt().json()`
/// writes. Each input's lock, thread and string ids are its own.
#[derive(Debug, Default)]
pub struct Aggregator {
    names: Interner,
    spans: SeqInterner,
    stacks: NativeStacks,
    pairing: Pairing,
    instances: Vec<Instance>,
    /// The profile's entries: one per instance, or one per class.
    locks: Vec<LockAccumulator>,
    /// The entry of each class, when grouping classes.
    classes: Option<HashMap<ClassKey, LockIdx, FxBuildHasher>>,
    /// Keyed by entry, not instance.
    cells: HashMap<CellKey, Cell, FxBuildHasher>,
    times: Vec<TimeRange>,
    dropped: u64,
    timeline: TimelineBuilder,
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty aggregator that also keeps every wait event and every hold event with blame,
    /// one by one, for the profile's [`timeline`](Profile::timeline) (the rest of the profile
    /// is the same). Memory then grows with the events, up to a cap.
    pub fn with_timeline() -> Self {
        Aggregator {
            timeline: TimelineBuilder::keeping(),
            ..Self::default()
        }
    }

    /// Counts every lock of one class (one input's locks with the same name and kind) into one
    /// entry as the events are read, and finishes with a profile grouped by class: what
    /// [`Profile::group_classes`] makes of the instances' profile, but in memory that grows with
    /// the classes rather than the instances (a program with a lock per account, connection or
    /// cache entry has as many instances as it has of those). Waits are still paired with the
    /// holds of their own lock, and the timeline keeps each instance's id.
    pub fn by_class(mut self) -> Self {
        self.classes = Some(HashMap::default());
        self
    }

    /// Whether the aggregator keeps a timeline: whether readers need to give what only the
    /// timeline uses (a wait's holder's name).
    #[inline]
    pub(crate) fn keeps_timeline(&self) -> bool {
        self.timeline.keeps()
    }

    /// Starts a new input; returns its index.
    pub(crate) fn begin_input(&mut self) -> InputIdx {
        self.times.push(TimeRange::default());
        InputIdx::try_from(self.times.len() - 1).unwrap_or(InputIdx::MAX)
    }

    /// The id of the name `name`.
    pub(crate) fn name(&mut self, name: &str) -> Sym {
        self.names.intern(name)
    }

    /// The name of a thread its input did not name: `thread-<id>`.
    pub(crate) fn unnamed_thread(&mut self, id: u64) -> Sym {
        self.names.intern(&lockprof::event::unnamed_thread(id))
    }

    /// The name of a lock its input did not name: `lock#<id>`.
    pub(crate) fn unnamed_lock(&mut self, id: u64) -> Sym {
        self.names.intern(&format!("lock#{id}"))
    }

    /// The id of the span stack `names` (outermost first).
    pub(crate) fn spans(&mut self, names: &[Sym]) -> SpansId {
        self.spans.intern(names)
    }

    /// The id of the native stack `frames` (function names, root first); `truncated`: the stack
    /// lost its root-most frames.
    pub(crate) fn stack(
        &mut self,
        frames: impl IntoIterator<Item = Sym>,
        truncated: bool,
    ) -> StackId {
        let truncated = truncated.then(|| self.names.intern(TRUNCATED_FRAME));
        self.stacks.intern(frames, truncated)
    }

    /// A placeholder for stack `id` of `input`, used before its definition: its definition, if it
    /// comes, is given by [`define_placeholder`](Self::define_placeholder); until then it shows
    /// as `[undefined stack <id> of input <n>]`.
    pub(crate) fn placeholder_stack(&mut self, input: InputIdx, id: u64) -> StackId {
        let name = self
            .names
            .intern(&format!("[undefined stack {id} of input {}]", input + 1));
        self.stacks.intern([name], None)
    }

    /// `placeholder` stands for `stack`, in the events that used it before and after.
    pub(crate) fn define_placeholder(&mut self, placeholder: StackId, stack: StackId) {
        self.stacks.define_placeholder(placeholder, stack);
    }

    /// Notes that an event had stack `stack`, whether or not the event itself is used.
    #[inline]
    pub(crate) fn note_stack(&mut self, stack: StackId) {
        self.stacks.saw(stack);
    }

    /// Adds a new lock of `input`.
    pub(crate) fn add_lock(
        &mut self,
        input: InputIdx,
        id: u64,
        name: Sym,
        kind: LockKind,
    ) -> LockIdx {
        let class = self
            .classes
            .as_ref()
            .and_then(|classes| classes.get(&(input, name, kind)).copied());
        let entry = match class.and_then(|e| self.locks.get_mut(e as usize).map(|acc| (e, acc))) {
            Some((entry, acc)) => {
                acc.add_instance(id);
                entry
            }
            None => self.new_entry(LockAccumulator::new(input, id, name, kind)),
        };
        self.instances.push(Instance {
            input,
            id,
            name,
            entry,
        });
        LockIdx::try_from(self.instances.len() - 1).unwrap_or(LockIdx::MAX)
    }

    /// Adds `acc` as a new entry, its class's if grouping classes and the class has none yet.
    fn new_entry(&mut self, acc: LockAccumulator) -> LockIdx {
        let entry = LockIdx::try_from(self.locks.len()).unwrap_or(LockIdx::MAX);
        if let Some(classes) = &mut self.classes {
            classes.entry(acc.class()).or_insert(entry);
        }
        self.locks.push(acc);
        entry
    }

    /// Renames a lock (a definition arrived after events that referred to it).
    ///
    /// Grouping classes, a lock whose entry stands for it alone is renamed with it, and
    /// [`finish`](Self::finish) merges it into its new class. One that already shares its
    /// class's entry cannot take its figures out of it: it moves to an entry of the new name for
    /// what comes after (only input that defines a lock twice, with two names, does that).
    pub(crate) fn define_lock(&mut self, lock: LockIdx, name: Sym, kind: LockKind) {
        let Some(&Instance {
            input, id, entry, ..
        }) = self.instances.get(lock as usize)
        else {
            return;
        };
        let Some(acc) = self.locks.get_mut(entry as usize) else {
            return;
        };
        if acc.class() == (input, name, kind) {
            return;
        }
        let entry = if acc.instances() == 1 {
            let old = acc.class();
            acc.define(name, kind);
            if let Some(classes) = &mut self.classes {
                // Later locks of the old name go to an entry of their own.
                if classes.get(&old) == Some(&entry) {
                    classes.remove(&old);
                }
                classes.entry((input, name, kind)).or_insert(entry);
            }
            entry
        } else {
            self.new_entry(LockAccumulator::new(input, id, name, kind))
        };
        if let Some(instance) = self.instances.get_mut(lock as usize) {
            instance.name = name;
            instance.entry = entry;
        }
    }

    /// `count` events were dropped by a writer.
    pub(crate) fn dropped(&mut self, count: u64) {
        self.dropped = self.dropped.saturating_add(count);
    }

    /// Notes a timestamp of `input`, for the profile's duration.
    #[inline]
    fn saw_time(&mut self, input: InputIdx, at_ns: Option<u64>) {
        let Some(at_ns) = at_ns else {
            return;
        };
        if let Some(range) = self.times.get_mut(input as usize) {
            range.min = range.min.min(at_ns);
            range.max = range.max.max(at_ns);
        }
    }

    /// `lock`'s input and entry.
    #[inline]
    fn instance(&self, lock: LockIdx) -> Option<(InputIdx, LockIdx)> {
        self.instances
            .get(lock as usize)
            .map(|i| (i.input, i.entry))
    }

    /// One wait, standing for `weight` waits; paired with its holder's stack if it names one.
    #[inline]
    pub(crate) fn wait(&mut self, w: WaitEvent) {
        self.timeline.wait(&w);
        let key = w.key;
        self.stacks.saw(key.stack);
        if let Some(holder) = w.holder {
            self.pair(PairedWait {
                lock: key.lock,
                waiter: key.thread,
                waiter_stack: key.stack,
                holder,
                at_ns: w.at_ns.unwrap_or(0),
                wait_ns: w.wait_ns,
                weight: w.weight,
            });
        }
        let Some((input, entry)) = self.instance(key.lock) else {
            return;
        };
        self.saw_time(input, w.at_ns);
        let weight = w.weight.clamp(1, MAX_WEIGHT);
        let Some(acc) = self.locks.get_mut(entry as usize) else {
            return;
        };
        acc.wait((key.site, w.mode), w.wait_ns, weight);
        let cell = self
            .cells
            .entry(CellKey { lock: entry, ..key })
            .or_default();
        cell.waits = cell.waits.saturating_add(weight);
        cell.wait_ns = cell
            .wait_ns
            .saturating_add(w.wait_ns.saturating_mul(weight));
    }

    // Few waits are paired (they need a known holder and a stack): kept out of line so that the
    // wait path above inlines into the readers' loops.
    #[inline(never)]
    fn pair(&mut self, w: PairedWait) {
        self.pairing.wait(w);
    }

    // Out of line for the same reason as `pair`: only holds with a stack get here.
    #[inline(never)]
    fn keep_for_pairing(&mut self, key: CellKey, thread_id: u64, at_ns: u64, hold_ns: u64) {
        self.pairing
            .hold(key.lock, thread_id, key.stack, at_ns, hold_ns);
    }

    /// One hold that made others wait `blame_ns`, standing for `weight` holds; kept for pairing
    /// waits by time if it has a stack.
    #[inline]
    pub(crate) fn hold(&mut self, h: HoldEvent) {
        self.timeline.hold(&h);
        let key = h.key;
        self.stacks.saw(key.stack);
        if key.stack != NO_STACK
            && let (Some(thread_id), Some(at_ns)) = (h.thread_id, h.at_ns)
        {
            self.keep_for_pairing(key, thread_id, at_ns, h.hold_ns);
        }
        let Some((input, entry)) = self.instance(key.lock) else {
            return;
        };
        self.saw_time(input, h.at_ns);
        let weight = h.weight.clamp(1, MAX_WEIGHT);
        let Some(acc) = self.locks.get_mut(entry as usize) else {
            return;
        };
        // A sampled hold stands for `weight` holds: all but itself are an estimate, and counting
        // the sample itself as estimated too keeps "estimated" one figure per weighted hold.
        let estimated = if weight > 1 { weight } else { 0 };
        acc.hold((key.site, h.mode), h.hold_ns, h.blame_ns, weight, estimated);
        let cell = self
            .cells
            .entry(CellKey { lock: entry, ..key })
            .or_default();
        cell.holds = cell.holds.saturating_add(weight);
        cell.holds_estimated = cell.holds_estimated.saturating_add(estimated);
        cell.hold_ns = cell
            .hold_ns
            .saturating_add(h.hold_ns.saturating_mul(weight));
        cell.blame_ns = cell.blame_ns.saturating_add(h.blame_ns);
        cell.blamed_holds = cell.blamed_holds.saturating_add(u64::from(h.blame_ns > 0));
    }

    /// A summary: exact counts plus the histograms of the short waits and holds.
    pub(crate) fn summary(&mut self, s: SummaryEvent<'_>) {
        let Some((input, entry)) = self.instance(s.key.lock) else {
            return;
        };
        let key = CellKey {
            lock: entry,
            ..s.key
        };
        self.saw_time(input, s.at_ns);
        let Some(acc) = self.locks.get_mut(entry as usize) else {
            return;
        };
        let counts = &s.counts;
        let blame_estimated_ns = acc.summary((key.site, s.mode), counts, s.wait_hist, s.hold_hist);
        // The waits under the stack drawn from them, the holds under theirs: each an unbiased
        // draw, so over many summaries each stack gets its share of the time.
        let waits = Cell {
            waits: counts.waits,
            wait_ns: counts.wait_ns,
            ..Cell::default()
        };
        let holds = Cell {
            holds: counts.holds,
            holds_estimated: counts.holds,
            hold_ns: counts.hold_ns,
            blame_ns: counts.blame_ns,
            blame_estimated_ns,
            ..Cell::default()
        };
        for (stack, part) in [(counts.wait_stack, waits), (counts.blame_stack, holds)] {
            self.stacks.saw(stack);
            self.cells
                .entry(CellKey { stack, ..key })
                .or_default()
                .add(&part);
        }
    }

    /// The aggregate of everything fed so far.
    pub fn finish(mut self) -> Profile {
        let instances = std::mem::take(&mut self.instances);
        let entry_of = |lock: LockIdx| instances.get(lock as usize).map_or(lock, |i| i.entry);
        let mut raw_pairs = self.pairing.finish(&self.stacks, entry_of);
        let Aggregator {
            names,
            spans,
            stacks,
            locks,
            classes,
            cells,
            times,
            dropped,
            timeline,
            ..
        } = self;
        let timeline = timeline.finish(&names, |i| {
            instances.get(i as usize).map(|l| (l.input, l.id, l.name))
        });
        let mut per_lock: Vec<Vec<StackCell>> = locks.iter().map(|_| Vec::new()).collect();
        for (key, cell) in cells {
            if let Some(list) = per_lock.get_mut(key.lock as usize) {
                list.push(StackCell {
                    thread: names.resolve(key.thread).to_owned(),
                    task: (key.task != NO_TASK).then(|| names.resolve(key.task).to_owned()),
                    spans: names.resolve_all(spans.resolve(key.spans)),
                    frames: stacks.frames(key.stack, &names),
                    site: names.resolve(key.site).to_owned(),
                    cell,
                });
            }
        }
        let locks = locks
            .into_iter()
            .zip(per_lock)
            .enumerate()
            .map(|(i, (acc, mut cells))| {
                cells.sort_by(|a, b| a.key().cmp(&b.key()));
                let raw = LockIdx::try_from(i)
                    .ok()
                    .and_then(|i| raw_pairs.remove(&i))
                    .unwrap_or_default();
                let pairs = resolve_pairs(raw, &names, &stacks);
                acc.finish(&names, cells, pairs)
            })
            .collect();
        let mut profile = Profile {
            duration_ns: times
                .iter()
                .filter(|s| s.min <= s.max)
                .map(|s| s.max - s.min)
                .max()
                .unwrap_or(0),
            dropped_events: dropped,
            inputs: times.len(),
            native_stacks: stacks.any(),
            grouping: Grouping::Instance,
            locks,
            timeline,
        };
        if classes.is_some() {
            // Entries renamed into a class that already had one.
            profile.group_classes();
        }
        profile
    }
}

/// A lock's pairs with their names and frames, most wait first.
fn resolve_pairs(raw: Vec<RawPair>, names: &Interner, stacks: &NativeStacks) -> Vec<Pair> {
    let mut pairs: Vec<Pair> = raw
        .into_iter()
        .map(|p| Pair {
            waiter_thread: names.resolve(p.waiter).to_owned(),
            waiter_frames: stacks.frames(p.waiter_stack, names),
            holder_thread: names.resolve(p.holder).to_owned(),
            holder_frames: stacks.frames(p.holder_stack, names),
            waits: p.waits,
            wait_ns: p.wait_ns,
        })
        .collect();
    sort_pairs(&mut pairs);
    pairs
}
