//! The profiled program under faults, each in a child process (`lockprof::init()` installs the
//! process-wide subscriber, and a SIGKILL has to hit a whole process):
//!
//! - the trace output is `/dev/full` (every write fails with ENOSPC), or a path that cannot be
//!   created: the program's result is exact, its speed is that of an unprofiled run (loosely),
//!   stderr gets exactly one `lockprof:` warning line (and, when a trace was started but could
//!   not be completed, one more at exit with the number of events lost), nothing panics, and
//!   lost events are counted;
//! - the program is killed with SIGKILL mid-run: `lockprof report` reads the trace up to the last
//!   whole record, warns on stderr, and reports what it read.
//!
//! The children are this test binary itself, re-executed to run only the ignored `child` test,
//! with `CHILD_ENV` saying what to do.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lockprof::trace::{Record, TraceReader};

/// Tells a re-executed test binary which child to be.
const CHILD_ENV: &str = "LOCKPROF_FAULTS_CHILD";
/// Threads of the contended workload.
const THREADS: u64 = 4;
/// Iterations per thread.
const ITERATIONS: u64 = 4_000;
/// Every this many iterations a thread holds the lock long enough (50 µs) for the waits and
/// holds it causes to be events of their own rather than summary counts.
const LONG_EVERY: u64 = 32;

/// One pass of a contended workload over a profiled mutex; returns the counter it built.
fn workload(lock: &Arc<lockprof::Mutex<u64>>) -> u64 {
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let lock = Arc::clone(lock);
            thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || {
                    for n in 0..ITERATIONS {
                        let mut guard = lock.lock();
                        *guard += 1;
                        let until = Instant::now()
                            + if n % LONG_EVERY == 0 {
                                Duration::from_micros(50)
                            } else {
                                Duration::from_micros(1)
                            };
                        while Instant::now() < until {
                            std::hint::spin_loop();
                        }
                    }
                    lockprof::flush();
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    *lock.lock()
}

/// The child: runs the workload as `CHILD_ENV` says and prints `child: key=value` lines on stdout.
#[test]
#[ignore = "the child process of the other tests in this file; does nothing unless re-executed"]
fn child() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let lock = Arc::new(lockprof::Mutex::named("contended", 0u64));
    match mode.as_str() {
        // Recording off: no subscriber at all, the locks behave as parking_lot's.
        "unprofiled" | "init" => {
            let guard = (mode == "init").then(lockprof::init);
            let start = Instant::now();
            workload(&lock);
            // Makes the writer try its output now (it would otherwise first flush after 1 s),
            // so that the second pass runs with the output known to be failing.
            if let Some(guard) = &guard {
                guard.flush();
            }
            let result = workload(&lock);
            let elapsed = start.elapsed();
            let dropped = guard.as_ref().map_or(0, |g| g.dropped_events());
            // Completing the trace is part of the run: it must not hang on a failing output.
            drop(guard);
            println!(
                "child: result={result} elapsed_ns={} dropped={dropped}",
                elapsed.as_nanos()
            );
        }
        // Runs until killed, writing to $LOCKPROF_OUT.
        "forever" => {
            let _guard = lockprof::init();
            loop {
                workload(&lock);
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn child_command(mode: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "child", "--nocapture", "-q"])
        .args(["--test-threads", "1"])
        .env(CHILD_ENV, mode)
        .env_remove(lockprof::config::OUT_ENV)
        .stdin(Stdio::null());
    cmd
}

/// What a finished child printed.
#[derive(Debug)]
struct ChildRun {
    result: u64,
    elapsed: Duration,
    dropped: u64,
    stderr: String,
    /// The whole process, trace completion and exit included.
    wall: Duration,
}

fn run_child(mode: &str, out: Option<&Path>) -> ChildRun {
    let mut cmd = child_command(mode);
    if let Some(out) = out {
        cmd.env(lockprof::config::OUT_ENV, out);
    }
    let start = Instant::now();
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    let wall = start.elapsed();
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert!(status.success(), "{mode}: {status}\n{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("child: "))
        .unwrap_or_else(|| panic!("{mode}: no result line in\n{stdout}\n{stderr}"));
    let value = |key: &str| -> u64 {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{mode}: no {key} in {line}"))
    };
    ChildRun {
        result: value("result"),
        elapsed: Duration::from_nanos(value("elapsed_ns")),
        dropped: value("dropped"),
        stderr,
        wall,
    }
}

/// The checks every faulty output must pass, with the number of `lockprof:` lines it prints;
/// returns them.
fn assert_unharmed(what: &str, run: &ChildRun, unprofiled: Duration, lines: usize) -> Vec<String> {
    assert_eq!(run.result, 2 * THREADS * ITERATIONS, "{what}: wrong result");
    assert!(!run.stderr.contains("panicked"), "{what}:\n{}", run.stderr);
    let printed: Vec<String> = run
        .stderr
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(
        printed.len(),
        lines,
        "{what}: {lines} warning lines, got\n{}",
        run.stderr
    );
    for line in &printed {
        assert!(line.starts_with("lockprof: "), "{what}: {line}");
    }
    // Loose on purpose (other tests share the two cores): a profiler that blocked the program
    // on its output, or retried it in a loop, would miss this by far.
    let bound = unprofiled * 4 + Duration::from_secs(1);
    assert!(
        run.elapsed < bound,
        "{what}: {:?}, unprofiled {unprofiled:?}",
        run.elapsed
    );
    // Completing the trace fails fast too: no wait for the 5 s shutdown timeout.
    assert!(
        run.wall < Duration::from_secs(4) + bound,
        "{what}: {:?}",
        run.wall
    );
    printed
}

#[test]
fn failing_outputs_change_nothing_but_the_warnings() {
    let dir = tempfile::tempdir().unwrap();
    // The faster of two runs, so one unlucky scheduling does not make the bound tighter.
    let unprofiled = (0..2)
        .map(|_| {
            let run = run_child("unprofiled", None);
            assert_eq!(run.result, 2 * THREADS * ITERATIONS);
            assert_eq!(run.stderr, "");
            run.elapsed
        })
        .min()
        .unwrap();

    // Disk full: the file opens, every write fails.
    let full = run_child("init", Some(Path::new("/dev/full")));
    let warnings = assert_unharmed("/dev/full", &full, unprofiled, 2);
    assert!(warnings[0].contains("cannot write trace"), "{warnings:?}");
    assert!(
        full.dropped > 0,
        "events recorded while the output fails must be counted as dropped: {full:?}"
    );
    // The trace cannot say how many events it lacks, so the exit line does: those dropped while
    // the guard was alive, and those the output never took.
    let lost: u64 = warnings[1]
        .strip_prefix("lockprof: cannot complete the trace: ")
        .and_then(|rest| rest.rsplit_once("; ")?.1.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no count in {:?}", warnings[1]));
    assert!(lost >= full.dropped, "{lost} lost, {full:?}");

    // A path that cannot be created (its parent is a file; permissions would not stop root).
    let parent = dir.path().join("a-file");
    std::fs::write(&parent, b"").unwrap();
    let bad = run_child("init", Some(&parent.join("trace.lptrace")));
    let warning = &assert_unharmed("unwritable path", &bad, unprofiled, 1)[0];
    assert!(
        warning.contains("cannot create trace file") && warning.contains("LOCKPROF_OUT"),
        "{warning}"
    );
    // A directory is not a file either.
    let dir_run = run_child("init", Some(dir.path()));
    assert_unharmed("directory", &dir_run, unprofiled, 1);
}

/// What `lockprof report` printed, run in-process exactly as the binary's `main` runs it.
fn report(path: &Path) -> (String, String) {
    use clap::Parser as _;
    let cli = lockprof_cli::cli::Cli::try_parse_from([
        "lockprof".as_ref(),
        "report".as_ref(),
        path.as_os_str(),
    ])
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    // `Ok` is exit code 0 in `main`.
    lockprof_cli::run(
        &cli,
        &mut lockprof_cli::Io {
            out: &mut out,
            err: &mut err,
            progress: false,
        },
    )
    .unwrap_or_else(|e| panic!("lockprof report failed: {e:#}"));
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn killed_mid_run_the_trace_reads_up_to_the_last_whole_record() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("killed.lptrace");
    let mut child = child_command("forever")
        .env(lockprof::config::OUT_ENV, &trace)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The writer flushes once a second: wait for the first flush, then kill it mid-stream.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(&trace).map_or(0, |m| m.len()) == 0 {
        assert!(Instant::now() < deadline, "no trace written after 20 s");
        assert!(child.try_wait().unwrap().is_none(), "the child exited");
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(stderr, "", "the child warned before it was killed");

    // What the library reader makes of it: records up to a boundary, no end marker.
    let mut reader = TraceReader::new(std::fs::File::open(&trace).unwrap()).unwrap();
    let mut events = 0;
    for record in &mut reader {
        if matches!(
            record.unwrap(),
            Record::Wait(_) | Record::Hold(_) | Record::Summary(_)
        ) {
            events += 1;
        }
    }
    assert!(!reader.complete());
    assert!(events > 0, "nothing recorded before the kill");

    let (out, err) = report(&trace);
    let warnings: Vec<&str> = err.lines().collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].starts_with("lockprof: warning: "), "{err}");
    assert!(
        warnings[0].contains("no end marker") || warnings[0].contains("cut off inside a record"),
        "{err}"
    );
    assert!(out.contains("contended (mutex)"), "{out}");
    assert!(out.contains("worker-"), "{out}");
    let _ = std::io::stderr().flush();
}

/// A trace output that fails while `failing` is set, and otherwise appends to `bytes`.
#[derive(Clone, Default)]
struct FlakyOutput {
    bytes: Arc<std::sync::Mutex<Vec<u8>>>,
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl std::io::Write for FlakyOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.flush()?;
        self.bytes.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(std::io::Error::other("disk full"));
        }
        Ok(())
    }
}

#[test]
fn events_lost_to_a_failing_output_are_counted_in_the_trace_and_the_report() {
    use std::sync::atomic::Ordering;
    use tracing_subscriber::layer::SubscriberExt as _;

    let output = FlakyOutput::default();
    let (layer, guard) = lockprof::layer()
        .with_writer(output.clone())
        .with_flush_interval(Duration::from_millis(5))
        .build()
        .unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let lock = Arc::new(lockprof::Mutex::named("contended", 0u64));
    let run = || {
        tracing::dispatcher::with_default(&dispatch, || {
            // `workload` starts its own threads, which need the dispatcher too.
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (lock, dispatch) = (Arc::clone(&lock), dispatch.clone());
                    thread::spawn(move || {
                        tracing::dispatcher::with_default(&dispatch, || {
                            for _ in 0..200 {
                                let mut g = lock.lock();
                                *g += 1;
                                thread::sleep(Duration::from_micros(100));
                            }
                            lockprof::flush();
                        })
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
        });
    };
    run();
    guard.flush();
    output.failing.store(true, Ordering::SeqCst);
    run();
    guard.flush(); // fails: the writer starts dropping
    run();
    guard.flush();
    let dropped = guard.dropped_events();
    assert!(dropped > 0, "nothing was dropped while the output failed");
    output.failing.store(false, Ordering::SeqCst);
    // The writer tries the output again once per flush interval.
    thread::sleep(Duration::from_millis(50));
    run();
    drop(guard);
    assert_eq!(*lock.lock(), 4 * 2 * 200);

    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("flaky.lptrace");
    std::fs::write(&trace, &*output.bytes.lock().unwrap()).unwrap();
    let mut in_trace = 0;
    let mut reader = TraceReader::new(std::fs::File::open(&trace).unwrap()).unwrap();
    for record in &mut reader {
        if let Record::Dropped { count } = record.unwrap() {
            in_trace += count;
        }
    }
    assert!(reader.complete(), "the recovered output got the end marker");
    assert!(
        in_trace >= dropped,
        "trace counts {in_trace}, the guard counted {dropped}"
    );

    let (out, err) = report(&trace);
    assert_eq!(err, "");
    assert!(
        out.lines().next().unwrap().contains(&format!(
            "{} dropped",
            lockprof_cli::humanize::count_of(in_trace, "event")
        )),
        "{out}"
    );
    assert!(out.contains("events were dropped"), "{out}");
}
