//! Paired, interleaved cost ratios for `Condvar`: parking_lot's webkit queue tests
//! (`lockprof_bench::WEBKIT_CASES`) and the criterion bench's producer/consumer queues
//! (`QUEUE_CASES`). In each round parking_lot runs a case, then lockprof with recording off,
//! then on; the round's ratio is the contender's time over parking_lot's, the median over rounds
//! is robust to a burst of load, and the rounds run in several processes (a process can land in
//! a slow regime for its whole life: BENCHMARKS.md), of which the median of medians is printed.
//! Ratios are costs: lower is better, 1.00× is parking_lot's time. The CPU columns are the same
//! ratios of the process's CPU time over the round (every thread's, lockprof's writer
//! included): what the run costs a machine whose cores are busy with other work, where these
//! sleep-and-wake workloads' wall time moves with the scheduler.
//!
//! ```text
//! cargo run -p lockprof-bench --release --example condvar_paired -- [--procs 4] [--rounds 5]
//!     [--scale 1] [--cases substring]
//! ```
//!
//! `--scale N` divides every case's message count by N (a quicker, noisier run).

use std::collections::BTreeMap;
use std::time::Duration;

use lockprof_bench::{
    GlobalTrace, LockprofDefault, LockprofOff, ParkingLotQueue, QUEUE_CASES, QueueCase, QueueLocks,
    WEBKIT_CASES, process_cpu_time, run_child, run_queue,
};

/// The ratios each round gives: wall time, then CPU time, of recording off and on.
const CONTENDERS: [&str; 4] = [
    "lockprof_off",
    "lockprof_default",
    "lockprof_off_cpu",
    "lockprof_default_cpu",
];

struct Args {
    procs: usize,
    rounds: usize,
    scale: usize,
    cases: Option<String>,
    child: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        procs: 4,
        rounds: 5,
        scale: 1,
        cases: None,
        child: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |default: usize| {
            it.next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(default)
                .max(1)
        };
        match arg.as_str() {
            "--procs" => args.procs = number(args.procs),
            "--rounds" => args.rounds = number(args.rounds),
            "--scale" => args.scale = number(args.scale),
            "--cases" => args.cases = it.next(),
            "--child" => args.child = true,
            other => {
                eprintln!(
                    "unknown argument {other:?} (expected --procs N, --rounds N, --scale N, --cases S)"
                );
                std::process::exit(2);
            }
        }
    }
    args
}

/// Every case, scaled and filtered.
fn cases(args: &Args) -> Vec<QueueCase> {
    QUEUE_CASES
        .iter()
        .chain(&WEBKIT_CASES)
        .filter(|c| args.cases.as_deref().is_none_or(|s| c.name.contains(s)))
        .map(|c| c.with_messages((c.messages / args.scale).max(1)))
        .collect()
}

fn main() {
    let args = parse_args();
    if args.child {
        child(&args);
    } else {
        parent(&args);
    }
}

/// Runs the rounds in fresh processes and prints the median of their medians.
fn parent(args: &Args) {
    let mut forwarded = vec![
        "--child".to_owned(),
        "--rounds".to_owned(),
        args.rounds.to_string(),
        "--scale".to_owned(),
        args.scale.to_string(),
    ];
    if let Some(cases) = &args.cases {
        forwarded.extend(["--cases".to_owned(), cases.clone()]);
    }
    // (case, contender) → process medians; case → parking_lot's median ms per process.
    let mut ratios: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let mut base_ms: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for p in 0..args.procs {
        for line in run_child(&forwarded).lines() {
            if let [case, contender, value] = line.split_whitespace().collect::<Vec<_>>()[..]
                && let Ok(value) = value.parse::<f64>()
            {
                if contender == "parking_lot_ms" {
                    base_ms.entry(case.to_owned()).or_default().push(value);
                } else {
                    ratios
                        .entry((case.to_owned(), contender.to_owned()))
                        .or_default()
                        .push(value);
                }
            }
        }
        eprintln!("  process {} of {} done", p + 1, args.procs);
    }
    println!(
        "\ntime × parking_lot's (lower is better), paired rounds ({} processes × {} rounds, messages ÷ {})\n",
        args.procs, args.rounds, args.scale
    );
    println!(
        "| case | parking_lot | recording off | process medians | recording on | process medians | CPU, off | process medians | CPU, on | process medians |"
    );
    println!("|---|---:|---:|---|---:|---|---:|---|---:|---|");
    for case in cases(args) {
        let mut row = format!(
            "| {} | {:.1} ms",
            case.name,
            median_of(base_ms.get(case.name))
        );
        for contender in CONTENDERS {
            let values = ratios.get(&(case.name.to_owned(), contender.to_owned()));
            let mut all: Vec<f64> = values.cloned().unwrap_or_default();
            all.sort_by(f64::total_cmp);
            let listed: Vec<String> = all.iter().map(|v| format!("{v:.2}")).collect();
            row += &format!(" | {:.2}× | {}", median_of(values), listed.join(", "));
        }
        println!("{row} |");
    }
}

/// One process: every round times parking_lot, then each lockprof contender, on each case, and
/// prints per case the median of parking_lot's times and of each contender's round ratios.
fn child(args: &Args) {
    let _trace = GlobalTrace::install().expect("install lockprof's Layer");
    for case in cases(args) {
        let mut base = Vec::new();
        let mut ratios = [const { Vec::new() }; CONTENDERS.len()];
        for _ in 0..args.rounds {
            let pl = time::<ParkingLotQueue>(&case);
            let off = time::<LockprofOff<lockprof::Condvar>>(&case);
            let on = time::<LockprofDefault<lockprof::Condvar>>(&case);
            base.push(pl.wall.as_secs_f64() * 1e3);
            let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
            ratios[0].push(ratio(off.wall, pl.wall));
            ratios[1].push(ratio(on.wall, pl.wall));
            ratios[2].push(ratio(off.cpu, pl.cpu));
            ratios[3].push(ratio(on.cpu, pl.cpu));
        }
        println!("{} parking_lot_ms {:.3}", case.name, median_of(Some(&base)));
        for (contender, values) in CONTENDERS.iter().zip(&ratios) {
            println!("{} {contender} {:.4}", case.name, median_of(Some(values)));
        }
    }
}

/// What one run of a case took.
struct Cost {
    wall: Duration,
    /// The process's CPU time over the run, every thread's.
    cpu: Duration,
}

fn time<L: QueueLocks>(case: &QueueCase) -> Cost {
    L::enter();
    let cpu_before = process_cpu_time();
    let wall = run_queue::<L>(case);
    let cpu = process_cpu_time().saturating_sub(cpu_before);
    L::exit();
    Cost { wall, cpu }
}

/// The middle value (the mean of the two middle ones for an even count); NaN for none.
fn median_of(values: Option<&Vec<f64>>) -> f64 {
    let mut sorted = values.cloned().unwrap_or_default();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}
