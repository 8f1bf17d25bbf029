//! A small bank under load: a lock per account, one hot global lock, and a read-mostly `RwLock`.
//!
//! Tellers move money between random accounts. A transfer reads the limits (`RwLock`, shared),
//! locks its two accounts in id order (so two transfers can never deadlock), moves the money and
//! appends to the `ledger`, the audit log that every transfer goes through. An auditor rebuilds the
//! ledger's index every 50 ms while holding it (including a slow checkpoint write), and now and
//! then takes a consistent snapshot of the whole bank; a treasurer adjusts the limits now and then.
//! In the profile, most of the ledger's waiting is blamed on the auditor's few long holds, and
//! the accounts' waiting on tellers that hold an account while they queue for the ledger.
//!
//! ```text
//! cargo run --release --example bank            # runs for 1.5 s
//! cargo run --release --example bank -- 0.3     # runs for 0.3 s
//! cargo run --release -p lockprof-cli -- report lockprof-<pid>.lptrace
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use lockprof::{Mutex, RwLock, RwLockUpgradableReadGuard};

const ACCOUNTS: usize = 16;
const TELLERS: u64 = 4;
const OPENING_BALANCE: u64 = 10_000;
const DEFAULT_RUN_SECS: f64 = 1.5;
const AUDIT_EVERY: Duration = Duration::from_millis(50);
/// Every this many audits, the auditor also checks a consistent snapshot of all accounts.
const SNAPSHOT_EVERY: u32 = 5;
/// Stands in for writing the index checkpoint to disk. I/O under a hot lock is the classic way
/// one slow, rare operation stalls every thread that needs the lock.
const CHECKPOINT_WRITE: Duration = Duration::from_millis(3);
const REVIEW_EVERY: Duration = Duration::from_millis(120);

/// Read on every transfer, changed rarely: what an `RwLock` is for.
#[derive(Debug)]
struct Limits {
    max_transfer: u64,
}

#[derive(Debug)]
struct Entry {
    from: usize,
    to: usize,
    amount: u64,
}

#[derive(Debug)]
struct Ledger {
    /// Transfers since the last index rebuild.
    recent: Vec<Entry>,
    /// Net flow into each account of every transfer before `recent`.
    index: Vec<i64>,
    /// Transfers ever recorded.
    transfers: u64,
}

impl Ledger {
    fn rebuild_index(&mut self) {
        for entry in self.recent.drain(..) {
            let amount = i64::try_from(entry.amount).expect("amounts are small");
            self.index[entry.from] -= amount;
            self.index[entry.to] += amount;
        }
        thread::sleep(CHECKPOINT_WRITE);
    }
}

struct Bank {
    /// Created in a loop with `Mutex::new`, so all are named after that line (each has its own id).
    accounts: Vec<Mutex<u64>>,
    ledger: Mutex<Ledger>,
    limits: RwLock<Limits>,
    closing: AtomicBool,
}

#[derive(Debug)]
struct Declined;

impl Bank {
    fn open() -> Bank {
        Bank {
            accounts: (0..ACCOUNTS).map(|_| Mutex::new(OPENING_BALANCE)).collect(),
            ledger: Mutex::named(
                "ledger",
                Ledger {
                    recent: Vec::new(),
                    index: vec![0; ACCOUNTS],
                    transfers: 0,
                },
            ),
            limits: RwLock::named("limits", Limits { max_transfer: 500 }),
            closing: AtomicBool::new(false),
        }
    }

    fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), Declined> {
        // Span context: a subscriber (and the flamegraph) sees which operation was waiting.
        let _span = tracing::info_span!("transfer", from, to, amount).entered();
        if amount > self.limits.read().max_transfer {
            return Err(Declined);
        }
        // Always lock the lower-numbered account first: with one global order, no two transfers
        // can each hold the lock the other needs.
        let (low, high) = (from.min(to), from.max(to));
        let mut low_balance = self.accounts[low].lock();
        let mut high_balance = self.accounts[high].lock();
        let (source, target) = if from == low {
            (&mut *low_balance, &mut *high_balance)
        } else {
            (&mut *high_balance, &mut *low_balance)
        };
        if *source < amount {
            return Err(Declined);
        }
        *source -= amount;
        *target += amount;
        // Logged while the accounts are still locked, so a snapshot taken under all account
        // locks always agrees with the ledger.
        let mut ledger = self.ledger.lock();
        ledger.recent.push(Entry { from, to, amount });
        ledger.transfers += 1;
        Ok(())
    }

    /// Locks every account (in id order, as transfers do) and the ledger, and checks that no
    /// money was created or lost and that the ledger explains every balance.
    fn audit(&self) -> u64 {
        let balances: Vec<_> = self.accounts.iter().map(|account| account.lock()).collect();
        let mut ledger = self.ledger.lock();
        ledger.rebuild_index();
        let total: u64 = balances.iter().map(|balance| **balance).sum();
        assert_eq!(
            total,
            OPENING_BALANCE * ACCOUNTS as u64,
            "money was created or lost"
        );
        for (balance, net) in balances.iter().zip(&ledger.index) {
            assert_eq!(
                i64::try_from(**balance).expect("balances are small"),
                OPENING_BALANCE as i64 + net,
                "the ledger does not explain a balance"
            );
        }
        ledger.transfers
    }
}

/// Tiny xorshift generator: deterministic per teller, and no dependency.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[derive(Debug, Default)]
struct Tally {
    done: u64,
    declined: u64,
}

fn teller(bank: &Bank, seed: u64) -> Tally {
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut tally = Tally::default();
    while !bank.closing.load(Ordering::Relaxed) {
        let from = rng.below(ACCOUNTS as u64) as usize;
        let to = (from + 1 + rng.below(ACCOUNTS as u64 - 1) as usize) % ACCOUNTS;
        // Now and then above the limit, so the limit matters.
        let amount = 1 + rng.below(350);
        match bank.transfer(from, to, amount) {
            Ok(()) => tally.done += 1,
            Err(Declined) => tally.declined += 1,
        }
    }
    tally
}

fn auditor(bank: &Bank) {
    let mut round = 0u32;
    while !bank.closing.load(Ordering::Relaxed) {
        thread::sleep(AUDIT_EVERY);
        round += 1;
        if round.is_multiple_of(SNAPSHOT_EVERY) {
            bank.audit();
        } else {
            bank.ledger.lock().rebuild_index();
        }
    }
}

fn treasurer(bank: &Bank) {
    while !bank.closing.load(Ordering::Relaxed) {
        thread::sleep(REVIEW_EVERY);
        // Upgradable: other readers keep going while the treasurer decides; only the change
        // itself excludes them.
        let limits = bank.limits.upgradable_read();
        let max_transfer = if limits.max_transfer == 500 { 300 } else { 500 };
        RwLockUpgradableReadGuard::upgrade(limits).max_transfer = max_transfer;
    }
}

fn run_time() -> Duration {
    let secs = match std::env::args().nth(1) {
        Some(arg) => arg.parse::<f64>().unwrap_or_else(|_| {
            eprintln!("usage: bank [SECONDS]   (got {arg:?}; default {DEFAULT_RUN_SECS})");
            std::process::exit(2)
        }),
        None => DEFAULT_RUN_SECS,
    };
    Duration::try_from_secs_f64(secs).unwrap_or_else(|_| {
        eprintln!("bank: {secs} is not a run time in seconds");
        std::process::exit(2)
    })
}

fn main() {
    let run_time = run_time();
    // Writes the trace to $LOCKPROF_OUT, or lockprof-<pid>.lptrace; complete once this is dropped.
    let _guard = lockprof::init();
    let bank = Bank::open();

    let tallies: Vec<Tally> = thread::scope(|scope| {
        let spawn = |name: String| thread::Builder::new().name(name);
        let tellers: Vec<_> = (1..=TELLERS)
            .map(|i| {
                let bank = &bank;
                spawn(format!("teller-{i}"))
                    .spawn_scoped(scope, move || teller(bank, i))
                    .expect("failed to spawn a teller")
            })
            .collect();
        spawn("auditor".into())
            .spawn_scoped(scope, || auditor(&bank))
            .expect("failed to spawn the auditor");
        spawn("treasurer".into())
            .spawn_scoped(scope, || treasurer(&bank))
            .expect("failed to spawn the treasurer");

        thread::sleep(run_time);
        bank.closing.store(true, Ordering::Relaxed);
        tellers
            .into_iter()
            .map(|teller| teller.join().expect("a teller panicked"))
            .collect()
    });

    let transfers = bank.audit();
    let done: u64 = tallies.iter().map(|tally| tally.done).sum();
    let declined: u64 = tallies.iter().map(|tally| tally.declined).sum();
    assert_eq!(
        transfers, done,
        "every transfer is in the ledger exactly once"
    );
    println!(
        "{done} transfers ({declined} declined) between {ACCOUNTS} accounts in {run_time:?}; \
         total {} conserved",
        OPENING_BALANCE * ACCOUNTS as u64
    );

    let trace = lockprof::config::default_path();
    let trace = std::path::absolute(&trace).unwrap_or(trace);
    println!("trace: {}", trace.display());
}
