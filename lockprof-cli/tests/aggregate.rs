//! Aggregation with known numbers: weighted totals, percentiles to hdrhistogram precision, blame
//! per holder, summaries merged with events, several inputs kept apart.

mod common;

use common::{MS, US, aggregate, hold, string, summary, wait};
use lockprof::LockKind;
use lockprof::trace::Record;
use lockprof_cli::SortKey;

fn defs() -> Vec<Record> {
    vec![
        string(0, "ledger"),
        string(1, "worker-1"),
        string(2, "worker-2"),
        string(3, "src/a.rs:1"),
        string(4, "src/b.rs:2"),
        Record::Lock {
            id: 9,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Thread { id: 1, name: 1 },
        Record::Thread { id: 2, name: 2 },
    ]
}

/// Whether `got` is `want` to 3 significant digits (hdrhistogram's equivalent range).
fn close(got: u64, want: u64) -> bool {
    got >= want && got - want <= want / 1000 + 1
}

#[test]
fn weighted_waits_give_exact_totals_and_percentiles() {
    let mut r = defs();
    r.push(wait(9, 1, 3, 10 * MS, 0, 1));
    r.push(wait(9, 1, 3, 20 * MS, 5, 1));
    r.push(wait(9, 2, 4, 30 * MS, 1_000_000, 2));
    let p = aggregate(&[r]);
    let s = p.locks[0].wait.stats();
    assert_eq!(s.count, 4, "the weight-2 wait counts twice");
    assert_eq!(s.total, 90 * MS);
    assert_eq!(s.mean, 22_500_000);
    assert!(close(s.p50, 20 * MS), "{}", s.p50);
    assert!(close(s.p90, 30 * MS), "{}", s.p90);
    assert!(close(s.p99, 30 * MS), "{}", s.p99);
    assert!(close(s.max, 30 * MS), "{}", s.max);
    assert_eq!(p.duration_ns, 1_000_000);

    let waiters = p.locks[0].waiters();
    assert_eq!(waiters[0].name, "worker-2");
    assert_eq!(
        (waiters[0].cell.waits, waiters[0].cell.wait_ns),
        (2, 60 * MS)
    );
    assert_eq!(waiters[1].name, "worker-1");
    assert_eq!(
        (waiters[1].cell.waits, waiters[1].cell.wait_ns),
        (2, 30 * MS)
    );
}

#[test]
fn blame_is_charged_to_holders_and_their_sites() {
    let mut r = defs();
    r.push(hold(9, 1, 3, 5 * MS, 12 * MS, 0));
    r.push(hold(9, 1, 3, MS, 3 * MS, 10));
    r.push(hold(9, 2, 4, 2 * MS, 4 * MS, 20));
    r.push(summary(
        9,
        2,
        4,
        30,
        100,
        5,
        &[(2 * US, 5)],
        &[(US, 90)],
        700 * US,
    ));
    let p = aggregate(&[r]);
    let lock = &p.locks[0];
    assert_eq!(lock.blame_ns, 12 * MS + 3 * MS + 4 * MS + 700 * US);
    let holders = lock.holders();
    assert_eq!(holders[0].name, "worker-1");
    assert_eq!(
        (holders[0].cell.holds, holders[0].cell.blame_ns),
        (2, 15 * MS)
    );
    assert_eq!(holders[1].name, "worker-2");
    assert_eq!(
        (holders[1].cell.holds, holders[1].cell.blame_ns),
        (91, 4 * MS + 700 * US)
    );
    let blamed = lock.blamed_sites();
    assert_eq!(blamed[0].name, "src/a.rs:1");
    assert_eq!(blamed[0].cell.blame_ns, 15 * MS);
    // Summary counts and short values are merged with the events.
    assert_eq!((lock.acquisitions, lock.contended), (100, 5));
    assert_eq!(lock.wait.stats().count, 5);
    assert_eq!(lock.wait.total, 10 * US);
    let hold = lock.hold.stats();
    assert_eq!(hold.count, 93);
    assert_eq!(hold.total, 8 * MS + 90 * US);
    // The per-hold blame histogram has the three individual holds; the summary only a total.
    assert_eq!(lock.blame.stats().count, 3);
    assert_eq!(lock.blame.total, 19 * MS);
}

#[test]
fn inputs_keep_their_locks_apart_and_sort() {
    let mut a = defs();
    a.push(wait(9, 1, 3, MS, 0, 1));
    let mut b = defs();
    b.push(wait(9, 1, 3, 3 * MS, 0, 1));
    b.push(Record::Dropped { count: 4 });
    let mut p = aggregate(&[a, b]);
    assert_eq!(p.inputs, 2);
    assert_eq!(
        p.locks.len(),
        2,
        "same name and id, different inputs: two locks"
    );
    assert_eq!(p.dropped_events, 4);
    p.sort(SortKey::Wait);
    assert_eq!((p.locks[0].input, p.locks[0].wait.total), (1, 3 * MS));
    assert!(p.retain_lock("nope").is_err());
    p.retain_lock("ledger").unwrap();
    assert_eq!(p.locks.len(), 2);
}

#[test]
fn undefined_references_and_odd_values_do_not_panic() {
    let r = vec![
        wait(77, 5, 123, u64::MAX, u64::MAX, u64::MAX),
        hold(77, 5, 999_999, u64::MAX, u64::MAX, 0),
        string(4_000_000_000, "far away"),
        Record::Lock {
            id: 77,
            name: 4_000_000_000,
            kind: LockKind::RwLock,
        },
        wait(77, 5, 4_000_000_000, 0, 3, 0),
        summary(78, 6, 1, 0, u64::MAX, u64::MAX, &[(1, 1)], &[], u64::MAX),
        summary(78, 6, 1, 0, u64::MAX, u64::MAX, &[(1, 1)], &[], u64::MAX),
        Record::Dropped { count: u64::MAX },
        Record::Dropped { count: 1 },
    ];
    let p = aggregate(&[r]);
    assert_eq!(p.locks.len(), 2);
    assert_eq!(
        p.locks[0].name, "far away",
        "renamed by its late definition"
    );
    assert_eq!(p.locks[0].kind, LockKind::RwLock);
    assert_eq!(p.locks[1].name, "lock#78");
    assert_eq!(p.locks[1].acquisitions, u64::MAX, "saturates");
    assert_eq!(p.dropped_events, u64::MAX);
    let s = p.locks[0].wait.stats();
    assert_eq!(
        s.count,
        (1 << 32) + 1,
        "weights are clamped to MAX_WEIGHT, 0 counts as 1"
    );
    assert_eq!(s.total, u64::MAX);
    let stacks = &p.locks[0].stacks;
    assert!(
        stacks
            .iter()
            .any(|s| s.thread == "thread-5" && s.site == "[undefined]")
    );
    assert!(stacks.iter().any(|s| s.site == "far away"));
    // Rendering such a profile must not panic either.
    let mut out = Vec::new();
    lockprof_cli::report::write_text(&p, &Default::default(), &mut out).unwrap();
    lockprof_cli::report::write_json(&p, &mut out).unwrap();
    lockprof_cli::report::write_markdown(&p, &Default::default(), &mut out).unwrap();
    for m in [
        lockprof_cli::histogram::Metric::Wait,
        lockprof_cli::histogram::Metric::Hold,
        lockprof_cli::histogram::Metric::Blame,
    ] {
        lockprof_cli::histogram::write_text(&p, m, &mut out).unwrap();
        lockprof_cli::histogram::write_hgrm(&lockprof_cli::histogram::merged(&p, m), &mut out)
            .unwrap();
    }
}

#[test]
fn sample_numbers() {
    let p = aggregate(&[common::sample_records()]);
    let ledger = p.locks.iter().find(|l| l.name == "ledger").unwrap();
    assert_eq!(ledger.wait.total, 70 * MS + 50 * US);
    assert_eq!(ledger.wait.stats().count, 15);
    assert_eq!(ledger.blame_ns, 65 * MS + 300 * US);
    assert_eq!((ledger.acquisitions, ledger.contended), (1504, 16));
    assert_eq!(p.duration_ns, 2000 * MS);
    assert_eq!(p.dropped_events, 7);
}

/// Every acquisition is made at one site in one mode: the parts add up to the lock, and a site's
/// or a mode's figures are those of its parts.
#[test]
fn parts_by_site_and_mode_add_up_to_the_lock() {
    use lockprof::Mode;
    use lockprof_cli::{MODES, Part};

    let mut p = common::aggregate(&[common::rwlock_records(), common::sample_records()]);
    p.group_classes();
    for lock in &p.locks {
        let mut sum = Part::default();
        for mode in MODES {
            sum.add(&lock.mode_part(mode));
        }
        assert_eq!(
            (sum.acquisitions, sum.contended, sum.blame_ns),
            (lock.acquisitions, lock.contended, lock.blame_ns),
            "{}",
            lock.name
        );
        assert_eq!(sum.wait.stats(), lock.wait.stats(), "{}", lock.name);
        assert_eq!(sum.hold.stats(), lock.hold.stats(), "{}", lock.name);
        // The sites' waits are the site rows' (from the cells).
        for site in lock.sites() {
            let part = lock.site_part(&site.name).unwrap();
            assert_eq!(part.wait.total, site.cell.wait_ns, "{}", site.name);
            assert_eq!(part.wait.stats().count, site.cell.waits, "{}", site.name);
        }
    }
    let table = p.locks.iter().find(|l| l.name == "table").unwrap();
    let read = table.mode_part(Mode::Shared);
    assert_eq!((read.acquisitions, read.contended), (5000, 22));
    assert_eq!(read.wait.total, 6 * MS + 60 * US);
    assert_eq!(read.wait.stats().max, 4 * MS + 1791); // the top of its 0.1 % bucket
    let write = table.mode_part(Mode::Exclusive);
    assert_eq!((write.acquisitions, write.blame_ns), (50, 6 * MS));
    assert_eq!(table.mode_part(Mode::Upgradable).wait.total, 500 * US);
    let site = table.site_part("src/table.rs:10").unwrap();
    assert_eq!(site.wait.stats().p50, 3 * US + 1);
    assert!(table.site_part("src/nowhere.rs:1").is_none());
}
