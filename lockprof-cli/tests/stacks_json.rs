//! Native stacks through JSON lines: a program that logs with `tracing_subscriber::fmt().json()` (no
//! lockprof Layer) gets `stack` events defining the stack ids its waits and holds carry, and the
//! CLI reads stacks, spans and pairs from them as from a native trace.
//!
//! One test per file on purpose: it installs the process-wide subscriber.

mod stacks_workload;

use std::fs::File;
use std::sync::Mutex;

use lockprof_cli::flame::{Frames, View, folded_with};
use lockprof_cli::{LoadOptions, Source, load};

#[test]
fn json_lines_carry_stacks_and_pairs() {
    // Whatever LOCKPROF_STACKS says: this test is about stacks.
    lockprof::config::set_stack_capture(true);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let file = File::create(&path).unwrap();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(Mutex::new(file))
        .init();
    let waited = stacks_workload::run();
    lockprof::flush();

    let profile = load(&[Source::File(path.clone())], &LoadOptions::default())
        .expect("the log loads")
        .profile;
    // Full paths with full debug info, bare names with line-tables-only (release).
    let waiter = "waiter_path";
    let holder = "holder_path";
    let is_fn = |f: &str, name: &str| f == name || f.ends_with(&format!("stacks_workload::{name}"));
    let has_fn = |s: &str, name: &str| s.split(';').any(|f| is_fn(f, name));
    let wait = folded_with(&profile, View::Wait, Frames::Both);
    let ns: u64 = wait
        .iter()
        .filter(|(s, _)| s.starts_with("waiter;settle;") && has_fn(s, waiter))
        .map(|(_, ns)| ns)
        .sum();
    let measured = waited.as_nanos() as f64;
    assert!(
        (ns as f64 - measured).abs() <= 0.1 * measured,
        "{ns} ns vs {measured} measured: {wait:#?}"
    );
    let blame = folded_with(&profile, View::Blame, Frames::Native);
    assert!(blame.iter().any(|(s, _)| has_fn(s, holder)), "{blame:#?}");
    let ledger = profile.locks.iter().find(|l| l.name == "ledger").unwrap();
    assert!(
        ledger
            .pairs
            .iter()
            .any(|p| p.waiter_frames.iter().any(|f| is_fn(f, waiter))
                && p.holder_frames.iter().any(|f| is_fn(f, holder))),
        "{:#?}",
        ledger.pairs
    );
}
