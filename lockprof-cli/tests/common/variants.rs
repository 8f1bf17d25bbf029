//! Traces beside the sample: an `RwLock` used in every mode, and the sample after a change (for
//! diffs).

use lockprof::trace::Record;
use lockprof::{LockKind, Mode};

use super::{MS, US, hold, lock, sample_records, string, summary, wait};

/// `record` (a wait, hold or summary) in `mode`.
pub fn with_mode(mut record: Record, mode: Mode) -> Record {
    match &mut record {
        Record::Wait(w) => w.mode = mode,
        Record::Hold(h) => h.mode = mode,
        Record::Summary(s) => s.mode = mode,
        _ => {}
    }
    record
}

/// A trace of one `RwLock`, `table`, used in every mode. Its numbers:
/// - read (`src/table.rs:10`): reader-1 and reader-2 wait 2 ms and 4 ms (events) and 20 × 3 µs
///   (summary); 5,000 acquisitions, 22 contended; 1,000 short holds of 1 µs.
/// - write (`src/table.rs:20`): writer holds 6 ms, making the readers wait 6 ms (blame), and
///   waits 1 ms once; 50 acquisitions, 1 contended.
/// - upgradable (`src/table.rs:30`): upgrader waits 500 µs once; 10 acquisitions, 1 contended.
pub fn rwlock_records() -> Vec<Record> {
    use Mode::{Exclusive, Shared, Upgradable};
    vec![
        string(0, "table"),
        string(1, "reader-1"),
        string(2, "reader-2"),
        string(3, "writer"),
        string(4, "upgrader"),
        string(5, "src/table.rs:10"),
        string(6, "src/table.rs:20"),
        string(7, "src/table.rs:30"),
        lock(1, 0, LockKind::RwLock),
        Record::Thread { id: 1, name: 1 },
        Record::Thread { id: 2, name: 2 },
        Record::Thread { id: 3, name: 3 },
        Record::Thread { id: 4, name: 4 },
        with_mode(hold(1, 3, 6, 6 * MS, 6 * MS, MS), Exclusive),
        with_mode(wait(1, 1, 5, 2 * MS, 5 * MS, 1), Shared),
        with_mode(wait(1, 2, 5, 4 * MS, 3 * MS, 1), Shared),
        with_mode(wait(1, 3, 6, MS, 20 * MS, 1), Exclusive),
        with_mode(wait(1, 4, 7, 500 * US, 30 * MS, 1), Upgradable),
        with_mode(
            summary(
                1,
                1,
                5,
                100 * MS,
                2500,
                11,
                &[(3 * US, 10)],
                &[(US, 500)],
                0,
            ),
            Shared,
        ),
        with_mode(
            summary(
                1,
                2,
                5,
                100 * MS,
                2500,
                11,
                &[(3 * US, 10)],
                &[(US, 500)],
                0,
            ),
            Shared,
        ),
        with_mode(summary(1, 3, 6, 100 * MS, 50, 1, &[], &[], 0), Exclusive),
        with_mode(summary(1, 4, 7, 100 * MS, 10, 1, &[], &[], 0), Upgradable),
    ]
}

/// The sample after a change, for diffs: `ledger`'s 30 ms wait takes 45 ms, `cache` is gone,
/// `quiet` is acquired 80 times instead of 50, and a new mutex `fresh` waits 2 ms once
/// (worker-2, at `src/fresh.rs:3`); no event is dropped.
pub fn sample_after_records() -> Vec<Record> {
    let mut records: Vec<Record> = sample_records()
        .into_iter()
        .filter_map(|mut r| {
            match &mut r {
                Record::Wait(w) if w.wait_ns == 30 * MS => w.wait_ns = 45 * MS,
                Record::Wait(w) if w.lock == 2 => return None,
                Record::Summary(s) if s.lock == 2 => return None,
                Record::Summary(s) if s.lock == 3 => s.acquisitions = 80,
                Record::Dropped { .. } => return None,
                _ => {}
            }
            Some(r)
        })
        .collect();
    records.extend([
        string(10, "fresh"),
        string(11, "src/fresh.rs:3"),
        lock(4, 10, LockKind::Mutex),
        wait(4, 2, 11, 2 * MS, 500 * MS, 1),
        summary(4, 2, 11, 2001 * MS, 10, 1, &[], &[], 0),
    ]);
    records
}
