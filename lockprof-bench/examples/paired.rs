//! Paired, interleaved ratios for the contended cases: in each round the baseline (parking_lot
//! unless `ONLY` says otherwise) runs, then each other contender, and the round's ratio is the
//! baseline's time over the contender's; the median over rounds is robust to a burst of load.
//! On the 2-core VMs this project runs on, a process also lands in one of two regimes
//! (parking_lot at about 25 or 35 ns per operation) and keeps it, so the rounds run in several
//! processes and the median of their medians is printed.
//!
//! ```text
//! cargo run -p lockprof-bench --release --example paired -- [--procs 4] [--rounds 9]
//! ```
//!
//! `ONLY=parking_lot,lockprof_default` (comma-separated) picks the contenders, the first of them in
//! the table's order (parking_lot, parking_lot_0.12, std, then lockprof's) being the baseline the
//! others are read against (`ONLY=std,lockprof_sync` reads `lockprof::sync::Mutex` against
//! `std::sync::Mutex`); `CASES=handoff_4t,contended_4t` picks the cases (`read_mostly_4t` and `read_only_4t` are
//! the `RwLock`'s).

// Shared with the summary, of which this example needs only `contenders`.
#[allow(dead_code)]
#[path = "../shared/peers.rs"]
mod peers;

use std::collections::BTreeMap;

use lockprof_bench::{Case, GlobalTrace, run_child};

const CASES: [(Case, u64); 7] = [
    (Case::Contended(2), 2_000_000),
    (Case::Contended(4), 2_000_000),
    (Case::Contended(8), 2_000_000),
    (Case::Contended(16), 2_000_000),
    (Case::Handoff, 1_000_000),
    (Case::ReadMostly, 4_000_000),
    (Case::ReadOnly, 4_000_000),
];
const CONTENDERS: &str = "parking_lot,lockprof_off,lockprof_default";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().unwrap_or(default))
    };
    let rounds = value("--rounds", 9).max(1);
    if args.iter().any(|a| a == "--child") {
        child(rounds);
    } else {
        parent(value("--procs", 4).max(1), rounds);
    }
}

/// Runs the rounds in `procs` fresh processes and prints the median of their medians.
fn parent(procs: usize, rounds: usize) {
    let mut medians: BTreeMap<(usize, String), Vec<f64>> = BTreeMap::new();
    let mut baseline = String::from("parking_lot");
    for p in 0..procs {
        for line in run_child(&["--child", "--rounds", &rounds.to_string()]).lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if let ["baseline", name] = fields[..] {
                baseline = name.to_owned();
            } else if let [case, contender, median] = fields[..] {
                let (Ok(case), Ok(median)) = (case.parse(), median.parse()) else {
                    continue;
                };
                medians
                    .entry((case, contender.to_owned()))
                    .or_default()
                    .push(median);
            }
        }
        eprintln!("  process {} of {procs} done", p + 1);
    }
    println!("\nthroughput × {baseline}, paired rounds ({procs} processes × {rounds} rounds)\n");
    println!("| case | contender | median of process medians | process medians |");
    println!("|---|---|---:|---|");
    for ((case, contender), mut values) in medians {
        values.sort_by(f64::total_cmp);
        let all: Vec<String> = values.iter().map(|v| format!("{v:.2}")).collect();
        println!(
            "| {} | {contender} | {:.3}× | {} |",
            CASES[case].0.name(),
            median(&values),
            all.join(", ")
        );
    }
}

/// One process: every round times the baseline then each other contender on each case and
/// prints the baseline's name and, per case and contender, the median of the rounds' ratios.
fn child(rounds: usize) {
    let _trace = GlobalTrace::install().expect("install lockprof's Layer");
    let only = std::env::var("ONLY").unwrap_or(CONTENDERS.to_owned());
    let contenders = peers::contenders(Some(&only));
    let cases = std::env::var("CASES").ok();
    println!("baseline {}", contenders[0].name());
    for (ci, &(case, ops)) in CASES.iter().enumerate() {
        if cases
            .as_deref()
            .is_some_and(|cases| !cases.split(',').any(|c| c == case.name()))
        {
            continue;
        }
        let mut ratios = vec![Vec::new(); contenders.len()];
        for _ in 0..rounds {
            let base = contenders[0]
                .time(case, ops)
                .expect("every contender has both locks");
            for (i, contender) in contenders.iter().enumerate().skip(1) {
                let own = contender
                    .time(case, ops)
                    .expect("every contender has both locks");
                ratios[i].push(base.as_secs_f64() / own.as_secs_f64());
            }
        }
        for (i, contender) in contenders.iter().enumerate().skip(1) {
            ratios[i].sort_by(f64::total_cmp);
            println!("{ci} {} {:.4}", contender.name(), median(&ratios[i]));
        }
    }
}

/// The middle value, or the mean of the two middle ones (an even number of processes).
fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}
