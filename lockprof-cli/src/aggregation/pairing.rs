//! Native stacks in the aggregate: each distinct stack (function names, root first) interned once
//! across inputs, and each wait paired with the stack of the hold it waited for.
//!
//! Pairing: a wait record names the thread that held the lock when the wait began and, when the
//! profiled process could pair them itself, that holder's stack (`holder_stack`). Otherwise the
//! wait is paired here with the holder's hold event on the same lock that was in progress when the
//! wait began (`hold.at_ns ≤ wait.at_ns ≤ hold.at_ns + hold.hold_ns`), once every record is read
//! (events of different threads reach a trace out of order). Only holds that carry a stack and
//! waits that lack one are kept for that, each up to [`MAX_PAIRING`]; past it a wait's holder
//! stack stays unknown.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::aggregate::LockIdx;
use crate::intern::{Interner, StackId, StackInterner, Sym};

/// Id of an interned native stack; [`NO_STACK`] when the event has none.
pub(crate) type NativeId = StackId;

/// The native stack of an event without one.
pub(crate) const NO_STACK: NativeId = crate::intern::EMPTY_STACK;

/// Frame shown for the root-most frames a too-deep stack lost.
pub const TRUNCATED_FRAME: &str = "[truncated]";

/// Most holds and most waits kept for pairing by time (each a few dozen bytes).
pub const MAX_PAIRING: usize = 1 << 20;

/// A wait and the hold it waited for, in a lock: who waited where, and who held it where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PairKey {
    lock: LockIdx,
    waiter: Sym,
    waiter_stack: NativeId,
    holder: Sym,
    holder_stack: NativeId,
}

#[derive(Clone, Copy, Debug, Default)]
struct PairSums {
    waits: u64,
    wait_ns: u64,
}

/// A wait whose holder stack is to be found by time.
#[derive(Clone, Copy, Debug)]
struct PendingWait {
    key: PairKey,
    holder_id: u64,
    at_ns: u64,
    sums: PairSums,
}

/// A hold with a stack, for pairing: `[at, end]` and its stack.
#[derive(Clone, Copy, Debug)]
struct HoldSpan {
    at: u64,
    end: u64,
    stack: NativeId,
}

/// Native stacks and wait–hold pairs of everything read.
#[derive(Debug, Default)]
pub(crate) struct NativeStacks {
    interner: StackInterner,
    pairs: HashMap<PairKey, PairSums, FxBuildHasher>,
    pending: Vec<PendingWait>,
    holds: HashMap<(LockIdx, u64), Vec<HoldSpan>, FxBuildHasher>,
    held: usize,
    /// Whether any event had a native stack.
    seen: bool,
    frame_scratch: Vec<Sym>,
    /// Placeholders (stacks used before their definition) and what they turned out to be.
    remap: HashMap<NativeId, NativeId, FxBuildHasher>,
}

/// One wait, as pairing needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaitPairing {
    pub(crate) lock: LockIdx,
    pub(crate) waiter: Sym,
    pub(crate) waiter_stack: NativeId,
    /// Holder's name and id (0: unknown holder: the wait is not paired).
    pub(crate) holder: Sym,
    pub(crate) holder_id: u64,
    /// As recorded; [`NO_STACK`] to pair by time.
    pub(crate) holder_stack: NativeId,
    pub(crate) at_ns: u64,
    pub(crate) wait_ns: u64,
    pub(crate) weight: u64,
}

/// One [`crate::Pair`] before names are resolved.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawPair {
    pub(crate) waiter: Sym,
    pub(crate) waiter_stack: NativeId,
    pub(crate) holder: Sym,
    pub(crate) holder_stack: NativeId,
    pub(crate) waits: u64,
    pub(crate) wait_ns: u64,
}

impl NativeStacks {
    /// Interns a stack given as frame names, root first (`truncated`: root frames are missing).
    pub(crate) fn intern(
        &mut self,
        frames: impl IntoIterator<Item = Sym>,
        truncated: Option<Sym>,
    ) -> NativeId {
        let mut scratch = std::mem::take(&mut self.frame_scratch);
        scratch.clear();
        scratch.extend(truncated);
        scratch.extend(frames);
        let id = if scratch.is_empty() {
            NO_STACK
        } else {
            self.interner.intern(&scratch)
        };
        self.frame_scratch = scratch;
        id
    }

    /// What a placeholder stood for (`id` itself for any other stack).
    fn actual(&self, id: NativeId) -> NativeId {
        self.remap.get(&id).copied().unwrap_or(id)
    }

    /// The frames of stack `id`, root first.
    pub(crate) fn frames(&self, id: NativeId, names: &Interner) -> Vec<String> {
        self.interner
            .resolve(self.actual(id))
            .iter()
            .map(|&sym| names.resolve(sym).to_owned())
            .collect()
    }

    /// Notes that an event had stack `id` (a profile with no stack at all shows no stack frames).
    #[inline]
    pub(crate) fn saw(&mut self, id: NativeId) {
        self.seen |= id != NO_STACK;
    }

    /// Whether any event had a native stack.
    pub(crate) fn any(&self) -> bool {
        self.seen
    }

    /// A wait: paired now if its holder stack is known, else kept for pairing by time.
    pub(crate) fn wait(&mut self, w: WaitPairing) {
        if w.holder_id == 0 {
            return;
        }
        let weight = w.weight.max(1);
        let sums = PairSums {
            waits: weight,
            wait_ns: w.wait_ns.saturating_mul(weight),
        };
        let key = PairKey {
            lock: w.lock,
            waiter: w.waiter,
            waiter_stack: w.waiter_stack,
            holder: w.holder,
            holder_stack: w.holder_stack,
        };
        if w.holder_stack != NO_STACK || self.pending.len() >= MAX_PAIRING {
            self.add_pair(key, sums);
        } else {
            self.pending.push(PendingWait {
                key,
                holder_id: w.holder_id,
                at_ns: w.at_ns,
                sums,
            });
        }
    }

    /// A hold by thread `thread_id` with stack `stack`, for pairing waits by time.
    pub(crate) fn hold(
        &mut self,
        lock: LockIdx,
        thread_id: u64,
        stack: NativeId,
        at_ns: u64,
        hold_ns: u64,
    ) {
        if stack == NO_STACK || self.held >= MAX_PAIRING {
            return;
        }
        self.held += 1;
        self.holds
            .entry((lock, thread_id))
            .or_default()
            .push(HoldSpan {
                at: at_ns,
                end: at_ns.saturating_add(hold_ns),
                stack,
            });
    }

    fn add_pair(&mut self, key: PairKey, sums: PairSums) {
        let p = self.pairs.entry(key).or_default();
        p.waits = p.waits.saturating_add(sums.waits);
        p.wait_ns = p.wait_ns.saturating_add(sums.wait_ns);
    }

    /// Pairs the waits kept for it and returns every pair by lock.
    pub(crate) fn finish_pairs(&mut self) -> HashMap<LockIdx, Vec<RawPair>, FxBuildHasher> {
        for spans in self.holds.values_mut() {
            spans.sort_unstable_by_key(|s| s.at);
        }
        for mut w in std::mem::take(&mut self.pending) {
            if let Some(spans) = self.holds.get(&(w.key.lock, w.holder_id)) {
                // The last hold that began at or before the wait, if it was still going on.
                let i = spans.partition_point(|s| s.at <= w.at_ns);
                if let Some(s) = i.checked_sub(1).map(|i| spans[i])
                    && s.end >= w.at_ns
                {
                    w.key.holder_stack = s.stack;
                }
            }
            self.add_pair(w.key, w.sums);
        }
        if !self.remap.is_empty() {
            let pairs: Vec<_> = self.pairs.drain().collect();
            for (mut k, s) in pairs {
                k.waiter_stack = self.actual(k.waiter_stack);
                k.holder_stack = self.actual(k.holder_stack);
                self.add_pair(k, s);
            }
        }
        let mut by_lock: HashMap<LockIdx, Vec<RawPair>, FxBuildHasher> = HashMap::default();
        for (k, s) in self.pairs.drain() {
            by_lock.entry(k.lock).or_default().push(RawPair {
                waiter: k.waiter,
                waiter_stack: k.waiter_stack,
                holder: k.holder,
                holder_stack: k.holder_stack,
                waits: s.waits,
                wait_ns: s.wait_ns,
            });
        }
        by_lock
    }
}

/// Per-input maps from a trace's frame, stack and span-stack ids to the aggregate's.
#[derive(Debug, Default)]
pub(crate) struct InputStacks {
    frames: HashMap<u64, Sym, FxBuildHasher>,
    natives: HashMap<u64, NativeId, FxBuildHasher>,
    spans: HashMap<u64, StackId, FxBuildHasher>,
    /// Stacks used before their definition (JSON lines), by id: their placeholders.
    placeholders: HashMap<u64, NativeId, FxBuildHasher>,
}

impl InputStacks {
    /// Defines frame `id` as the function `function`.
    pub(crate) fn define_frame(&mut self, id: u64, function: Sym) {
        self.frames.insert(id, function);
    }

    /// Defines stack `id` from frame ids (root first); undefined frames read `undefined`.
    pub(crate) fn define_stack(
        &mut self,
        stacks: &mut NativeStacks,
        id: u64,
        frames: impl Iterator<Item = u64>,
        truncated: Option<Sym>,
        undefined: Sym,
    ) {
        let syms: Vec<Sym> = frames
            .map(|f| self.frames.get(&f).copied().unwrap_or(undefined))
            .collect();
        let native = stacks.intern(syms, truncated);
        self.natives.insert(id, native);
    }

    /// Defines stack `id` directly (JSON-lines `stack` events), also for the events that used it
    /// before.
    pub(crate) fn define_native(&mut self, stacks: &mut NativeStacks, id: u64, native: NativeId) {
        self.natives.insert(id, native);
        if let Some(placeholder) = self.placeholders.remove(&id) {
            stacks.remap.insert(placeholder, native);
        }
    }

    /// Like [`native`](Self::native), but a stack not defined yet gets a placeholder that its
    /// definition, if it comes later, fills in (JSON lines: a thread defines a stack once its
    /// symbols are ready, which may be after its first events that use it). A placeholder never
    /// filled shows as `[undefined stack <id> of input <n>]`.
    pub(crate) fn native_or_placeholder(
        &mut self,
        stacks: &mut NativeStacks,
        names: &mut Interner,
        input: u32,
        id: u64,
    ) -> NativeId {
        match self.native(id) {
            NO_STACK if id != 0 => *self.placeholders.entry(id).or_insert_with(|| {
                let name = names.intern(&format!("[undefined stack {id} of input {}]", input + 1));
                stacks.intern([name], None)
            }),
            native => native,
        }
    }

    /// Defines span stack `id`.
    pub(crate) fn define_spans(&mut self, id: u64, spans: StackId) {
        self.spans.insert(id, spans);
    }

    /// The aggregate's native stack for a record's stack id ([`NO_STACK`] for 0 or undefined).
    #[inline]
    pub(crate) fn native(&self, id: u64) -> NativeId {
        if id == 0 {
            return NO_STACK;
        }
        self.natives.get(&id).copied().unwrap_or(NO_STACK)
    }

    /// The aggregate's span stack for a record's span-stack id (the empty stack for 0).
    #[inline]
    pub(crate) fn spans(&self, id: u64) -> StackId {
        if id == 0 {
            return crate::intern::EMPTY_STACK;
        }
        self.spans
            .get(&id)
            .copied()
            .unwrap_or(crate::intern::EMPTY_STACK)
    }
}
