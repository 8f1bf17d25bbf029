//! The one-command ratio table: every contender on every case, fixed iteration counts, N
//! interleaved rounds, ratios to parking_lot (the median of the rounds' paired ratios); then the
//! trace-based measurements (bytes and CPU per contention event) and the distortion test. Runs in
//! well under 3 minutes on 2 cores.
//!
//! ```text
//! scripts/bench-summary.sh                 # or:
//! cargo run -p lockprof-bench --release --example summary -- [--rounds N] [--only a,b]
//! ```

#[path = "../shared/peers.rs"]
mod peers;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lockprof_bench::distortion::{self, Pair, Workload};
use lockprof_bench::{
    Case, Contender, GlobalTrace, HEAVY_THREADS, hold_50ns, hold_heavy, spin_1us, work_200ns,
};

/// Each measurement runs about this long (its iteration count is fixed once per cell by a short
/// calibration run, then the same count is timed every round).
const TARGET: Duration = Duration::from_millis(50);

struct Args {
    rounds: usize,
    only: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        rounds: 7,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => {
                args.rounds = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(args.rounds)
            }
            "--only" => args.only = it.next(),
            other => {
                eprintln!("unknown argument {other:?} (expected --rounds N, --only a,b)");
                std::process::exit(2);
            }
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let hotpath = peers::HotpathSession::start();
    let trace = GlobalTrace::install().expect("install lockprof's Layer");
    let began = Instant::now();
    // parking_lot always runs: every ratio is to it.
    let only = args.only.as_ref().map(|o| format!("parking_lot,{o}"));
    let contenders = peers::contenders(only.as_deref());

    // ns per operation of every round, by (case, contender).
    let mut times = Times::new();
    for (ci, &case) in Case::ALL.iter().enumerate() {
        let cells: Vec<(usize, &Contender, u64)> = contenders
            .iter()
            .enumerate()
            .filter(|(_, c)| peers::measured(c, case))
            .map(|(i, c)| (i, c, calibrate(c, case)))
            .collect();
        for _ in 0..args.rounds {
            for &(i, contender, ops) in &cells {
                let elapsed = contender.time(case, ops).expect("a measured case");
                let per_op = elapsed.as_nanos() as f64 / ops as f64;
                times.entry((ci, i)).or_default().push(per_op);
            }
        }
        eprintln!(
            "  {:<18} done at {:>5.1} s",
            case.name(),
            began.elapsed().as_secs_f64()
        );
    }

    print_tables(&contenders, &times);

    eprintln!("  distortion test...");
    let pairs = [
        Workload {
            name: "contended_4t_50ns",
            threads: 4,
            per_thread: 250_000,
            hold: hold_50ns,
            between: work_200ns,
        },
        Workload {
            name: "handoffs_4t_1us",
            threads: 4,
            per_thread: 50_000,
            hold: spin_1us,
            between: spin_1us,
        },
        Workload {
            name: "heavy_4t_10us",
            threads: HEAVY_THREADS,
            per_thread: 5_000,
            hold: hold_heavy,
            between: hold_heavy,
        },
    ]
    .map(|w| distortion::measure(w, 3).expect("distortion run"));
    print_distortion(&pairs);
    print_targets(&contenders, &times, &pairs);
    println!(
        "\n(total {:.0} s, {} rounds; ns: best of rounds; ratios: median of the rounds' ratios; \
         machine: {} cores)",
        began.elapsed().as_secs_f64(),
        args.rounds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    drop(trace);
    drop(hotpath);
}

/// The iteration count that makes one measurement of `case` last about [`TARGET`].
fn calibrate(contender: &Contender, case: Case) -> u64 {
    let (probe, min, max) = match case {
        Case::Uncontended | Case::UncontendedRead => (2_000, 1_000, 20_000_000),
        Case::Contended(t) => (20_000.max(t as u64 * 500), 4_000, 5_000_000),
        Case::Handoff => (20_000, 4_000, 5_000_000),
        Case::Heavy => (400, 400, 20_000),
        Case::ReadMostly | Case::ReadOnly => (20_000, 4_000, 5_000_000),
    };
    // Twice: the first run also warms the lock, the thread registrations and the caches.
    let _ = contender.time(case, probe);
    let elapsed = contender.time(case, probe).expect("a measured case");
    let per_op = elapsed.as_secs_f64() / probe as f64;
    ((TARGET.as_secs_f64() / per_op) as u64).clamp(min, max)
}

/// ns per operation of every round, by (case, contender); round r of every contender ran in the
/// same pass, one after the other.
type Times = BTreeMap<(usize, usize), Vec<f64>>;

/// The contender's best round in case `ci`.
fn best(times: &Times, ci: usize, i: usize) -> Option<f64> {
    times.get(&(ci, i))?.iter().copied().reduce(f64::min)
}

fn print_tables(contenders: &[Contender], times: &Times) {
    let header = |title: &str| {
        print!("\n{title}\n\n| contender |");
        for case in Case::ALL {
            print!(" {} |", case.name());
        }
        print!("\n|---|");
        for _ in Case::ALL {
            print!("---:|");
        }
        println!();
    };
    header("ns per operation (best of rounds; contended cases: wall time / total acquisitions)");
    for (i, contender) in contenders.iter().enumerate() {
        print!("| {} |", contender.name());
        for ci in 0..Case::ALL.len() {
            match best(times, ci, i) {
                Some(ns) => print!(" {ns:.1} |"),
                None => print!(" – |"),
            }
        }
        println!();
    }
    header(
        "vs parking_lot 0.13, median over rounds of each round's ratio: uncontended columns = \
         cost × (lower is better); contended columns = throughput × (higher is better)",
    );
    for (i, contender) in contenders.iter().enumerate() {
        print!("| {} |", contender.name());
        for (ci, &case) in Case::ALL.iter().enumerate() {
            match ratio(times, ci, i, case) {
                Some(r) => print!(" {r:.2}× |"),
                None => print!(" – |"),
            }
        }
        println!();
    }
}

/// The contender's ratio to parking_lot (contender 0) in case `ci`: cost ratio uncontended,
/// throughput ratio contended. Each round's ratio pairs the two runs of that round, and the median
/// is taken over rounds: a ratio of best-of-rounds moved by 10–30 % with one lucky round of either
/// lock on these VMs (BENCHMARKS.md).
fn ratio(times: &Times, ci: usize, i: usize, case: Case) -> Option<f64> {
    let base = times.get(&(ci, 0))?;
    let own = times.get(&(ci, i))?;
    let mut ratios: Vec<f64> = base
        .iter()
        .zip(own)
        .map(|(base, own)| {
            if case.is_uncontended() {
                own / base
            } else {
                base / own
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let mid = ratios.len() / 2;
    match ratios.len() {
        0 => None,
        n if n % 2 == 0 => Some((ratios[mid - 1] + ratios[mid]) / 2.0),
        _ => Some(ratios[mid]),
    }
}

fn print_distortion(pairs: &[Pair]) {
    println!(
        "\ndistortion test (median of 3 rounds): parking_lot unprofiled vs lockprof default \
         recording into its real Layer and trace file\n"
    );
    println!(
        "| workload | throughput unprofiled | profiled | ratio | waits measured (workload) | \
         waits reported (lockprof) | reported / measured | contended unprofiled | \
         contended profiled: measured / reported | \
         trace bytes | bytes per contention | profiler CPU per contention |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for pair in pairs {
        let w = &pair.workload;
        let t = pair.profiled.trace.clone().unwrap_or_default();
        println!(
            "| {} | {:.2} M/s | {:.2} M/s | {:.3}× | {:.2} ms | {:.2} ms | {:.3} | {} | {} / {} | {} | {:.2} | {:.0} ns |",
            w.name,
            pair.unprofiled.throughput(w) / 1e6,
            pair.profiled.throughput(w) / 1e6,
            pair.throughput_ratio(),
            pair.profiled.wait.as_secs_f64() * 1e3,
            t.wait_ns as f64 / 1e6,
            pair.reported_wait_ratio(),
            pair.unprofiled.contended,
            pair.profiled.contended,
            t.contended,
            t.bytes,
            t.bytes_per_contention(),
            pair.cpu_per_contention_ns(),
        );
        if t.dropped > 0 || !t.complete {
            println!(
                "|  ↳ trace: {} dropped events, complete: {} | | | | | | | | | | | |",
                t.dropped, t.complete
            );
        }
    }
}

fn print_targets(contenders: &[Contender], times: &Times, pairs: &[Pair]) {
    let index = |name: &str| contenders.iter().position(|c| c.name() == name);
    println!("\ntargets\n");
    let check = |what: String, value: Option<f64>, ok: &dyn Fn(f64) -> bool, unit: &str| match value
    {
        Some(v) => println!(
            "- {what}: {v:.3}{unit} — {}",
            if ok(v) { "met" } else { "MISSED" }
        ),
        None => println!("- {what}: not measured"),
    };
    if let Some(i) = index("lockprof_default") {
        check(
            "uncontended, default recording ≤ 1.15× parking_lot".into(),
            ratio(times, 0, i, Case::Uncontended),
            &|r| r <= 1.15,
            "×",
        );
    }
    if let Some(i) = index("lockprof_off") {
        check(
            "uncontended, recording off ≤ 1.05× parking_lot".into(),
            ratio(times, 0, i, Case::Uncontended),
            &|r| r <= 1.05,
            "×",
        );
    }
    if let Some(i) = index("lockprof_default") {
        for (ci, &case) in Case::ALL.iter().enumerate() {
            if let Case::Contended(_) = case {
                check(
                    format!(
                        "{}: default recording throughput ≥ 0.95× parking_lot (this process)",
                        case.name()
                    ),
                    ratio(times, ci, i, case),
                    &|r| r >= 0.95,
                    "×",
                );
            }
        }
    }
    for pair in pairs {
        let t = pair.profiled.trace.clone().unwrap_or_default();
        check(
            format!(
                "{}: ≤ 24 trace bytes per contention event",
                pair.workload.name
            ),
            Some(t.bytes_per_contention()),
            &|b| b <= 24.0,
            " B",
        );
    }
}
