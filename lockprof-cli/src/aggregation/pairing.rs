//! Pairing each wait with the stack of the hold it waited for.
//!
//! A wait names the thread that held the lock when the wait began and, when the profiled process
//! could pair them itself, that holder's stack. Otherwise the wait is paired here with the
//! holder's hold event on the same lock that was in progress when the wait began
//! (`hold.at_ns ≤ wait.at_ns ≤ hold.at_ns + hold.hold_ns`), once every record is read (events of
//! different threads reach a trace out of order). Only holds that carry a stack and waits that
//! lack one are kept for that, each up to [`MAX_PAIRING`]; past it a wait's holder stack stays
//! unknown.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use super::event::{Holder, LockIdx};
use super::intern::{NO_STACK, StackId, Sym};
use super::native_stacks::NativeStacks;

/// Most holds and most waits kept for pairing by time (each a few dozen bytes).
const MAX_PAIRING: usize = 1 << 20;

/// A wait and the hold it waited for, in a lock: who waited where, and who held it where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PairKey {
    lock: LockIdx,
    waiter: Sym,
    waiter_stack: StackId,
    holder: Sym,
    holder_stack: StackId,
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
    stack: StackId,
}

/// One wait, as pairing needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PairedWait {
    pub(crate) lock: LockIdx,
    pub(crate) waiter: Sym,
    pub(crate) waiter_stack: StackId,
    pub(crate) holder: Holder,
    pub(crate) at_ns: u64,
    pub(crate) wait_ns: u64,
    pub(crate) weight: u64,
}

/// One [`crate::Pair`] before names are resolved.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawPair {
    pub(crate) waiter: Sym,
    pub(crate) waiter_stack: StackId,
    pub(crate) holder: Sym,
    pub(crate) holder_stack: StackId,
    pub(crate) waits: u64,
    pub(crate) wait_ns: u64,
}

/// The wait–hold pairs of everything read, and what is kept to pair by time.
#[derive(Debug, Default)]
pub(crate) struct Pairing {
    pairs: HashMap<PairKey, PairSums, FxBuildHasher>,
    pending: Vec<PendingWait>,
    holds: HashMap<(LockIdx, u64), Vec<HoldSpan>, FxBuildHasher>,
    held: usize,
}

impl Pairing {
    /// A wait: paired now if its holder stack is known, else kept for pairing by time.
    pub(crate) fn wait(&mut self, w: PairedWait) {
        if w.holder.id == 0 {
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
            holder: w.holder.name,
            holder_stack: w.holder.stack,
        };
        if w.holder.stack != NO_STACK || self.pending.len() >= MAX_PAIRING {
            self.add_pair(key, sums);
        } else {
            self.pending.push(PendingWait {
                key,
                holder_id: w.holder.id,
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
        stack: StackId,
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

    /// Pairs the waits kept for it and returns every pair by the entry `entry_of` puts its lock
    /// in (pairs alike in two locks of one entry added up), with placeholder stacks replaced by
    /// what `stacks` says they stood for. Waits are paired with holds of their own lock, whatever
    /// the entries.
    pub(crate) fn finish(
        &mut self,
        stacks: &NativeStacks,
        entry_of: impl Fn(LockIdx) -> LockIdx,
    ) -> HashMap<LockIdx, Vec<RawPair>, FxBuildHasher> {
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
        let pairs: Vec<_> = self.pairs.drain().collect();
        for (mut k, s) in pairs {
            k.lock = entry_of(k.lock);
            k.waiter_stack = stacks.actual(k.waiter_stack);
            k.holder_stack = stacks.actual(k.holder_stack);
            self.add_pair(k, s);
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
