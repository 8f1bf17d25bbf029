//! A trace with a lock class: three account locks named after the site that created them
//! (`src/accounts.rs:20`), as a program's per-account locks are, and one `ledger`.

use lockprof::LockKind;
use lockprof::trace::Record;

use super::{MS, US, hold, lock, one_frame_stack, string, summary, wait, with_holder, with_stack};

/// The name of the three account locks: the site that created them.
pub const ACCOUNT: &str = "src/accounts.rs:20";

/// The trace of the lock-class tests. Its numbers, per lock (all mutexes; "account" is
/// [`ACCOUNT`]):
/// - `account` #1: worker-1 waits 10 ms at src/bank.rs:83 in `app::transfer` while worker-2
///   holds it in `app::audit` at src/bank.rs:90 (3 ms, 10 ms of blame). Summary (worker-1,
///   src/bank.rs:83): 101 acquisitions, 2 contended, 4 short waits of 5 µs, 50 short holds of
///   1 µs.
/// - `account` #2: the same with a 20 ms wait, a 6 ms hold and 20 ms of blame; 202
///   acquisitions, 3 contended, the same short waits and holds.
/// - `account` #3: worker-2 waits 40 ms at src/bank.rs:90 (no stack, no holder), worker-1 holds
///   it 12 ms at src/bank.rs:83 with 40 ms of blame; 303 acquisitions, 4 contended, the same
///   short waits and holds.
/// - `ledger` #4: worker-1 waits 5 ms at src/bank.rs:83 (no stack); 50 acquisitions, 1
///   contended.
///
/// The account class: 606 acquisitions, 9 contended; 15 waits (70.06 ms, the longest 40 ms);
/// 153 holds (150 estimated), 21.15 ms; 70 ms of blame in 3 holds; one pair (worker-1 in
/// `app::transfer` ← worker-2 in `app::audit`) of 2 waits, 30 ms.
pub fn class_records() -> Vec<Record> {
    let (account, ledger, w1, w2, site83, site90) = (0, 1, 2, 3, 4, 5);
    let (transfer, audit) = (1, 2);
    let mut r = vec![
        string(account, ACCOUNT),
        string(ledger, "ledger"),
        string(w1, "worker-1"),
        string(w2, "worker-2"),
        string(site83, "src/bank.rs:83"),
        string(site90, "src/bank.rs:90"),
        string(6, "app::transfer"),
        string(7, "app::audit"),
        string(8, ""),
    ];
    r.extend(one_frame_stack(transfer, 6, 8));
    r.extend(one_frame_stack(audit, 7, 8));
    for id in 1..=3 {
        r.push(lock(id, account, LockKind::Mutex));
    }
    r.push(lock(4, ledger, LockKind::Mutex));
    r.push(Record::Thread { id: 1, name: w1 });
    r.push(Record::Thread { id: 2, name: w2 });
    for (lock, ms) in [(1, 10), (2, 20)] {
        let at = lock * 100 * MS;
        r.push(with_holder(
            wait(lock, 1, site83, ms * MS, at, 1),
            transfer,
            2,
            audit,
        ));
        r.push(with_stack(
            hold(lock, 2, site90, ms * 3 / 10 * MS, ms * MS, at),
            audit,
        ));
    }
    r.push(wait(3, 2, site90, 40 * MS, 300 * MS, 1));
    r.push(hold(3, 1, site83, 12 * MS, 40 * MS, 300 * MS));
    r.push(wait(4, 1, site83, 5 * MS, 400 * MS, 1));
    for lock in 1..=3 {
        let (acquisitions, contended) = (101 * lock, lock + 1);
        let waits = [(5 * US, 4)];
        let holds = [(US, 50)];
        r.push(summary(
            lock,
            1,
            site83,
            900 * MS,
            acquisitions,
            contended,
            &waits,
            &holds,
            0,
        ));
    }
    r.push(summary(4, 1, site83, 900 * MS, 50, 1, &[], &[], 0));
    r
}
