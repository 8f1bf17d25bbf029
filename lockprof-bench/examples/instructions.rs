//! Runs one contender's uncontended loop for a fixed count, for instruction counting under
//! `valgrind --tool=callgrind`, where wall-clock noise does not reach. Run it twice with different
//! counts and divide the difference in instructions by the difference in counts to get the
//! instructions per operation without the setup:
//!
//! ```text
//! valgrind --tool=callgrind target/release/examples/instructions lockprof_default mutex 200000
//! ```

#[path = "../shared/peers.rs"]
mod peers;

use lockprof_bench::{Case, GlobalTrace};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(case), Some(iters)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: instructions CONTENDER mutex|read ITERATIONS");
        std::process::exit(2);
    };
    let case = match case.as_str() {
        "mutex" => Case::Uncontended,
        "read" => Case::UncontendedRead,
        other => {
            eprintln!("unknown case {other:?}: mutex or read");
            std::process::exit(2);
        }
    };
    let Ok(iters) = iters.parse::<u64>() else {
        eprintln!("ITERATIONS must be a number");
        std::process::exit(2);
    };
    let hotpath = peers::HotpathSession::start();
    let trace = GlobalTrace::install().expect("install lockprof's Layer");
    let contenders = peers::contenders(Some(&name));
    let Some(contender) = contenders.first().filter(|c| peers::measured(c, case)) else {
        eprintln!("unknown contender {name:?}, or not measured in {case:?}");
        std::process::exit(2);
    };
    // Warm up (first acquisitions register the thread and the lock), then the counted loop.
    contender.time(case, 1_000);
    let elapsed = contender.time(case, iters);
    eprintln!("{name} {case:?}: {iters} in {elapsed:?}");
    drop(trace);
    drop(hotpath);
}
