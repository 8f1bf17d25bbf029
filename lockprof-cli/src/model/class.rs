//! Lock classes. A program names a lock (`Mutex::named`) or lockprof names it after the site
//! that created it, so the 16 account locks one constructor makes share a name, and their owner
//! thinks of them as one lock, as Linux's lockdep and async-profiler do. A class is every lock of
//! one input with the same name and kind; its entry is what a single lock standing for all of
//! them would have recorded.
//!
//! Inputs stay apart, as their locks do (two processes' `ledger`s are two locks), and so do kinds
//! (a `Mutex` and an `RwLock` named alike have different figures to show).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::mem;

use lockprof::LockKind;

use super::cell::{Pair, StackCell, sort_pairs};
use super::lock::LockProfile;
use super::part::SitePart;
use super::profile::{Grouping, Profile};

impl Profile {
    /// Merges the locks into classes: every lock of one input with the same name and kind
    /// becomes one entry, where the first of them appeared, whose
    /// [`instances`](LockProfile::instances) says how many it stands for and whose `id` is the
    /// lowest of theirs. Counts and totals are summed (exact and estimated parts apart, as for
    /// one lock), histograms merged, and cells, pairs and parts with the same key added up. Grouping a
    /// grouped profile changes nothing.
    pub fn group_classes(&mut self) {
        let mut class_of: Vec<usize> = Vec::with_capacity(self.locks.len());
        let mut classes: HashMap<(usize, &str, LockKind), usize> = HashMap::new();
        for lock in &self.locks {
            let next = classes.len();
            let class = *classes
                .entry((lock.input, lock.name.as_str(), lock.kind))
                .or_insert(next);
            class_of.push(class);
        }
        let count = classes.len();
        let mut members: Vec<Vec<LockProfile>> = Vec::new();
        members.resize_with(count, Vec::new);
        for (lock, class) in mem::take(&mut self.locks).into_iter().zip(class_of) {
            members[class].push(lock);
        }
        self.locks = members.into_iter().filter_map(merge).collect();
        self.grouping = Grouping::Class;
    }
}

/// One entry for `locks` (of one class, in order of appearance); `None` only when empty.
fn merge(locks: Vec<LockProfile>) -> Option<LockProfile> {
    let several = locks.len() > 1;
    let mut locks = locks.into_iter();
    let mut class = locks.next()?;
    for lock in locks {
        absorb(&mut class, lock);
    }
    if several {
        let by_key = |a: &StackCell, b: &StackCell| a.key().cmp(&b.key());
        class.stacks = coalesce(mem::take(&mut class.stacks), by_key, |sum, c| {
            sum.cell.add(&c.cell);
        });
        let by_key = |a: &Pair, b: &Pair| a.key().cmp(&b.key());
        class.pairs = coalesce(mem::take(&mut class.pairs), by_key, |sum, p| {
            sum.waits = sum.waits.saturating_add(p.waits);
            sum.wait_ns = sum.wait_ns.saturating_add(p.wait_ns);
        });
        sort_pairs(&mut class.pairs);
        let by_key = |a: &SitePart, b: &SitePart| a.key().cmp(&b.key());
        class.parts = coalesce(mem::take(&mut class.parts), by_key, |sum, p| {
            sum.part.add(&p.part);
        });
    }
    Some(class)
}

/// Adds `lock`'s figures to `class`'s; its cells, pairs and parts are appended, for
/// [`coalesce`] to add up once every instance is in.
fn absorb(class: &mut LockProfile, lock: LockProfile) {
    class.id = class.id.min(lock.id);
    let sums = [
        (&mut class.instances, lock.instances),
        (&mut class.acquisitions, lock.acquisitions),
        (&mut class.contended, lock.contended),
        (&mut class.timeouts, lock.timeouts),
        (&mut class.holds_estimated, lock.holds_estimated),
        (&mut class.blame_ns, lock.blame_ns),
        (&mut class.blame_estimated_ns, lock.blame_estimated_ns),
        (&mut class.unattributed_ns, lock.unattributed_ns),
    ];
    for (sum, part) in sums {
        *sum = sum.saturating_add(part);
    }
    class.wait.merge(&lock.wait);
    class.hold.merge(&lock.hold);
    class.blame.merge(&lock.blame);
    class.stacks.extend(lock.stacks);
    class.pairs.extend(lock.pairs);
    class.parts.extend(lock.parts);
}

/// `items` sorted by `order`, each run of equal ones added up into its first by `add`.
fn coalesce<T>(
    mut items: Vec<T>,
    order: impl Fn(&T, &T) -> Ordering,
    add: impl Fn(&mut T, &T),
) -> Vec<T> {
    items.sort_by(&order);
    let mut merged: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match merged.last_mut() {
            Some(last) if order(last, &item) == Ordering::Equal => add(last, &item),
            _ => merged.push(item),
        }
    }
    merged
}
