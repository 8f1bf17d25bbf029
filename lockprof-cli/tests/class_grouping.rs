//! `Profile::group_classes` on its own: nothing is lost or counted twice, kinds and inputs stay
//! apart, and the class flamegraph is the instance flamegraph with the ids left out. Grouping
//! while reading (`Aggregator::by_class`) gives the same profile.

mod common;

use std::collections::BTreeMap;

use common::{
    MS, aggregate, aggregate_by_class, hold, lock, string, wait, with_holder, with_stack,
};
use lockprof::LockKind;
use lockprof::trace::Record;
use lockprof_cli::flame::{Frames, View, folded_with};
use lockprof_cli::{Cell, Distribution, Grouping, Profile};

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

/// Two accounts held at once by one thread, each hold with its own stack, and a wait on the
/// first that names that thread as holder without its stack: paired by time, the wait must get
/// the first account's hold, though the second's began at the same time and both are one class.
fn two_accounts_held_at_once() -> Vec<Record> {
    let mut r = vec![
        string(0, "account"),
        string(1, "waiter"),
        string(2, "holder"),
        string(3, "src/bank.rs:83"),
        string(4, "app::debit"),
        string(5, "app::credit"),
        string(6, "app::transfer"),
        string(7, ""),
        lock(1, 0, LockKind::Mutex),
        lock(2, 0, LockKind::Mutex),
        Record::Thread { id: 1, name: 1 },
        Record::Thread { id: 2, name: 2 },
    ];
    r.extend(common::one_frame_stack(1, 4, 7));
    r.extend(common::one_frame_stack(2, 5, 7));
    r.extend(common::one_frame_stack(3, 6, 7));
    r.push(with_stack(hold(1, 2, 3, 10 * MS, 4 * MS, 0), 1));
    r.push(with_stack(hold(2, 2, 3, 10 * MS, 0, 0), 2));
    r.push(with_holder(wait(1, 1, 3, 4 * MS, 5 * MS, 1), 3, 2, 0));
    r
}

/// A lock whose events come before its definition (named `lock#5` until then), defined into
/// a class that has other instances.
fn defined_after_its_events() -> Vec<Record> {
    let mut r = forty_locks_four_names();
    let first_event = r
        .iter()
        .position(|r| matches!(r, Record::Wait(_) | Record::Hold(_)))
        .unwrap();
    let definition = r
        .iter()
        .position(|r| matches!(r, Record::Lock { id: 5, .. }))
        .unwrap();
    let lock5 = r.remove(definition);
    r.insert(first_event + 100, lock5);
    r
}

/// Everything a profile says, its histograms by what they hold (their buckets, not their
/// layout, which depends on the order values came in).
fn figures(p: &Profile) -> String {
    let dist = |d: &Distribution| {
        let buckets: Vec<(u64, u64)> = d
            .histogram()
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect();
        format!("{:?} {buckets:?}", d.stats())
    };
    let mut out = format!(
        "{} {} {} {} {:?} {:?}\n",
        p.duration_ns, p.dropped_events, p.inputs, p.native_stacks, p.grouping, p.timeline
    );
    for l in &p.locks {
        out += &format!(
            "{} {} {} {} {:?} {} {} {} {} {} {} {} {} {}\n  wait {}\n  hold {}\n  blame {}\n",
            l.input,
            l.id,
            l.instances,
            l.name,
            l.kind,
            l.acquisitions,
            l.contended,
            l.timeouts,
            l.wait.total,
            l.hold.total,
            l.blame_ns,
            l.holds_estimated,
            l.blame_estimated_ns,
            l.unattributed_ns,
            dist(&l.wait),
            dist(&l.hold),
            dist(&l.blame),
        );
        out += &format!("  stacks {:?}\n  pairs {:?}\n", l.stacks, l.pairs);
        for sp in &l.parts {
            let pt = &sp.part;
            out += &format!(
                "  part {} {:?} {} {} {} {} {} wait {} hold {}\n",
                sp.site,
                sp.mode,
                pt.acquisitions,
                pt.contended,
                pt.holds_estimated,
                pt.blame_ns,
                pt.blame_estimated_ns,
                dist(&pt.wait),
                dist(&pt.hold),
            );
        }
    }
    out
}

/// A lock defined, alone in its class, then defined again under another name, and a second lock
/// of the first name after that: it is a class of its own, not counted in the renamed one.
fn renamed_then_its_old_name_again() -> Vec<Record> {
    vec![
        string(0, "cache"),
        string(1, "ledger"),
        string(2, "worker"),
        string(3, "src/cache.rs:1"),
        Record::Thread { id: 1, name: 2 },
        lock(1, 0, LockKind::Mutex),
        wait(1, 1, 3, MS, 0, 1),
        lock(1, 1, LockKind::Mutex),
        lock(2, 0, LockKind::Mutex),
        wait(2, 1, 3, 2 * MS, MS, 1),
    ]
}

#[test]
fn grouping_while_reading_is_grouping_afterwards() {
    let cases = [
        ("forty locks", vec![forty_locks_four_names()]),
        (
            "accounts, two inputs",
            vec![common::class_records(), common::class_records()],
        ),
        ("sample", vec![common::sample_records()]),
        ("held at once", vec![two_accounts_held_at_once()]),
        ("defined late", vec![defined_after_its_events()]),
        ("renamed", vec![renamed_then_its_old_name_again()]),
    ];
    for (case, inputs) in cases {
        let mut afterwards = aggregate(&inputs);
        afterwards.group_classes();
        let reading = aggregate_by_class(&inputs);
        assert_eq!(reading.grouping, Grouping::Class, "{case}");
        assert_eq!(figures(&reading), figures(&afterwards), "{case}");
    }
    let held = aggregate_by_class(&[two_accounts_held_at_once()]);
    let pairs = &held.locks[0].pairs;
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        pairs[0].holder_frames,
        ["app::debit"],
        "the hold of the lock waited for"
    );
}

/// A lock defined twice under two names after its class already counts other locks: its
/// figures so far stay in that class (they cannot be taken out), the later ones go to the new
/// name, where it counts as an instance too, and nothing is lost.
#[test]
fn a_lock_renamed_out_of_a_shared_class_loses_nothing() {
    let mut records = forty_locks_four_names();
    let half = records.len() / 2;
    records.insert(half, string(999, "renamed"));
    records.insert(half + 1, lock(5, 999, LockKind::Mutex));
    let mut afterwards = aggregate(std::slice::from_ref(&records));
    afterwards.group_classes();
    let reading = aggregate_by_class(&[records]);
    let names: Vec<(&str, u64)> = reading
        .locks
        .iter()
        .map(|l| (l.name.as_str(), l.instances))
        .collect();
    assert!(names.contains(&("renamed", 1)), "{names:?}");
    let (reading, afterwards) = (totals(&reading), totals(&afterwards));
    assert_eq!(reading[1..], afterwards[1..]);
    assert_eq!(reading[0], afterwards[0] + 1, "instances");
}
