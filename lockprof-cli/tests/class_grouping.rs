//! `Profile::group_classes` on its own: nothing is lost or counted twice, kinds and inputs stay
//! apart, and the class flamegraph is the instance flamegraph with the ids left out.

mod common;

use std::collections::BTreeMap;

use common::{aggregate, lock};
use lockprof::LockKind;
use lockprof::trace::Record;
use lockprof_cli::flame::{Frames, View, folded_with};
use lockprof_cli::{Cell, Grouping, Profile};

/// The synthetic trace with its 40 locks named `lock-0` to `lock-3` (lock `l` is `lock-{l % 4}`):
/// four classes of ten.
fn forty_locks_four_names() -> Vec<Record> {
    let mut records = common::synthetic_records(20_000, 40, 4, 6);
    for r in &mut records {
        if let Record::String { value, .. } = r
            && let Some(l) = value.strip_prefix("lock-")
        {
            let l: u64 = l.parse().unwrap();
            *value = format!("lock-{}", l % 4);
        }
    }
    records
}

/// Everything a profile counts, summed over its locks.
fn totals(p: &Profile) -> [u64; 14] {
    let mut t = [0u64; 14];
    let mut cells = Cell::default();
    for l in &p.locks {
        let figures = [
            l.instances,
            l.acquisitions,
            l.contended,
            l.timeouts,
            l.wait.stats().count,
            l.wait.total,
            l.hold.stats().count,
            l.hold.total,
            l.blame.stats().count,
            l.blame_ns,
            l.holds_estimated,
            l.unattributed_ns,
            l.pairs.iter().map(|p| p.wait_ns).sum(),
        ];
        for (sum, x) in t.iter_mut().zip(figures) {
            *sum += x;
        }
        for s in &l.stacks {
            cells.waits += s.cell.waits;
            cells.wait_ns += s.cell.wait_ns;
            cells.hold_ns += s.cell.hold_ns;
            cells.blame_ns += s.cell.blame_ns;
        }
    }
    t[13] = cells.waits + cells.wait_ns + cells.hold_ns + cells.blame_ns;
    t
}

#[test]
fn classes_conserve_every_count() {
    let mut p = aggregate(&[forty_locks_four_names()]);
    assert_eq!(p.locks.len(), 40);
    assert_eq!(p.grouping, Grouping::Instance);
    let before = totals(&p);
    let max_wait = p.locks.iter().map(|l| l.wait.stats().max).max();

    p.group_classes();
    assert_eq!(p.grouping, Grouping::Class);
    let names: Vec<&str> = p.locks.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["lock-1", "lock-2", "lock-3", "lock-0"],
        "first appearance"
    );
    assert!(p.locks.iter().all(|l| l.instances == 10));
    let ids: Vec<u64> = p.locks.iter().map(|l| l.id).collect();
    assert_eq!(ids, [1, 2, 3, 4], "each class's lowest id");
    assert_eq!(totals(&p), before);
    assert_eq!(p.locks.iter().map(|l| l.wait.stats().max).max(), max_wait);
    for l in &p.locks {
        assert!(
            l.stacks.windows(2).all(|w| w[0].thread <= w[1].thread),
            "cells stay sorted"
        );
        assert!(
            l.pairs.windows(2).all(|w| w[0].wait_ns >= w[1].wait_ns),
            "pairs most wait first"
        );
    }

    // Grouped again: the same.
    let once = format!("{:?}", p.locks);
    p.group_classes();
    assert_eq!(format!("{:?}", p.locks), once);
}

#[test]
fn the_class_flamegraph_is_the_instances_without_their_ids() {
    let instances = aggregate(&[forty_locks_four_names()]);
    let mut classes = instances.clone();
    classes.group_classes();
    for view in [View::Wait, View::Blame, View::Hold] {
        let mut stripped: BTreeMap<String, u64> = BTreeMap::new();
        for (stack, ns) in folded_with(&instances, view, Frames::Both) {
            let (stack, id) = stack
                .rsplit_once(" #")
                .expect("an instance frame has its id");
            assert!(id.parse::<u64>().is_ok(), "{stack} #{id}");
            *stripped.entry(stack.to_owned()).or_default() += ns;
        }
        let grouped: BTreeMap<String, u64> = folded_with(&classes, view, Frames::Both)
            .into_iter()
            .collect();
        assert_eq!(grouped, stripped, "{view:?}");
    }
}

#[test]
fn kinds_and_inputs_stay_apart() {
    let records = vec![
        common::string(0, "cache"),
        common::string(1, "worker"),
        common::string(2, "src/cache.rs:1"),
        lock(1, 0, LockKind::Mutex),
        lock(2, 0, LockKind::RwLock),
        lock(3, 0, LockKind::Mutex),
        Record::Thread { id: 1, name: 1 },
        common::wait(1, 1, 2, common::MS, 0, 1),
        common::wait(2, 1, 2, 2 * common::MS, 0, 1),
        common::wait(3, 1, 2, 4 * common::MS, 0, 1),
    ];
    let mut p = aggregate(&[records.clone(), records]);
    p.group_classes();
    let classes: Vec<(usize, LockKind, u64, u64)> = p
        .locks
        .iter()
        .map(|l| (l.input, l.kind, l.instances, l.wait.total))
        .collect();
    let ms = common::MS;
    assert_eq!(
        classes,
        [
            (0, LockKind::Mutex, 2, 5 * ms),
            (0, LockKind::RwLock, 1, 2 * ms),
            (1, LockKind::Mutex, 2, 5 * ms),
            (1, LockKind::RwLock, 1, 2 * ms),
        ]
    );
}
