//! The tracing Layer: events in, trace file out, read back with the TraceReader.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2Serializer};
use lockprof::event::TARGET;
use lockprof::trace::{Hold, Record, Summary, TraceReader, Wait};
use lockprof::{LockKind, Mode};
use tracing::Level;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;

/// Stands in for the locks' `file:line` Display value.
struct Site(&'static str, u32);

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0, self.1)
    }
}

/// Stands in for the locks' Display lock name.
struct LockName(&'static str);

impl fmt::Display for LockName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A wait event, shaped exactly as the locks emit it.
fn emit_wait(
    lock_id: u64,
    thread: &str,
    thread_id: u64,
    holder: &str,
    holder_id: u64,
    wait_ns: u64,
    at_ns: u64,
) {
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        event = "wait",
        lock = %LockName("ledger"),
        lock_id = lock_id,
        lock_kind = "mutex",
        mode = "exclusive",
        thread = thread,
        thread_id = thread_id,
        site = %Site("src/bank.rs", 42),
        holder = holder,
        holder_id = holder_id,
        wait_ns = wait_ns,
        at_ns = at_ns,
        weight = 1u64,
        timed_out = false,
    );
}

fn emit_hold() {
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        event = "hold",
        lock = "accounts",
        lock_id = 9u64,
        lock_kind = "rwlock",
        mode = "upgradable",
        thread = "worker-2",
        thread_id = 2u64,
        site = %Site("src/bank.rs", 77),
        hold_ns = 21_000_000u64,
        blame_ns = 19_500_000u64,
        waiters = 3u32,
        at_ns = 900u64,
        weight = 16u64,
        hold_exact = false,
    );
}

fn histogram(values: &[(u64, u64)]) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new(3).expect("3 digits");
    h.auto(true);
    for &(v, n) in values {
        h.record_n(v, n).expect("auto-resizing");
    }
    h
}

fn base64_v2(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(h, &mut bytes)
        .expect("serialize");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn emit_summary(wait_hist: &str, hold_hist: &str) {
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        event = "summary",
        lock = %LockName("ledger"),
        lock_id = 7u64,
        lock_kind = "mutex",
        mode = "shared",
        thread = "worker-1",
        thread_id = 1u64,
        site = %Site("src/bank.rs", 42),
        at_ns = 2_000_000_000u64,
        weight = 1u64,
        acquisitions = 1_000_000u64,
        contended = 1234u64,
        timeouts = 2u64,
        waits = 1200u64,
        wait_ns = 3_600_000u64,
        wait_hist = wait_hist,
        holds = 640u64,
        hold_ns = 64_000u64,
        hold_hist = hold_hist,
        blame_ns = 99u64,
        blame_estimated_ns = 40u64,
        unattributed_ns = 7u64,
    );
}

fn read(bytes: &[u8]) -> Vec<Record> {
    let mut reader = TraceReader::new(bytes).expect("a trace header");
    let records = reader
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .expect("a valid trace");
    assert!(!reader.truncated());
    assert!(reader.complete(), "the guard closes the trace");
    records
}

fn read_file(path: &Path) -> Vec<Record> {
    read(&std::fs::read(path).expect("trace file"))
}

/// Resolves ids to names so assertions can speak in names.
#[derive(Default)]
struct Names {
    strings: Vec<String>,
    threads: Vec<(u64, String)>,
    locks: Vec<(u64, String, LockKind)>,
}

impl Names {
    fn of(records: &[Record]) -> Names {
        let mut n = Names::default();
        for r in records {
            match r {
                Record::String { id, value } => {
                    assert_eq!(*id as usize, n.strings.len());
                    n.strings.push(value.clone());
                }
                Record::Thread { id, name } => {
                    n.threads.push((*id, n.strings[*name as usize].clone()))
                }
                Record::Lock { id, name, kind } => {
                    n.locks
                        .push((*id, n.strings[*name as usize].clone(), *kind));
                }
                _ => {}
            }
        }
        n
    }

    fn thread(&self, id: u64) -> &str {
        let found: Vec<_> = self.threads.iter().filter(|(t, _)| *t == id).collect();
        assert_eq!(found.len(), 1, "thread {id} defined once");
        &found[0].1
    }

    fn lock(&self, id: u64) -> (&str, LockKind) {
        let found: Vec<_> = self.locks.iter().filter(|(l, ..)| *l == id).collect();
        assert_eq!(found.len(), 1, "lock {id} defined once");
        (&found[0].1, found[0].2)
    }

    fn string(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }
}

fn waits(records: &[Record]) -> Vec<&Wait> {
    records
        .iter()
        .filter_map(|r| {
            if let Record::Wait(w) = r {
                Some(w)
            } else {
                None
            }
        })
        .collect()
}

fn dropped(records: &[Record]) -> u64 {
    records
        .iter()
        .map(|r| {
            if let Record::Dropped { count } = r {
                *count
            } else {
                0
            }
        })
        .sum()
}

#[test]
fn every_event_kind_lands_in_the_trace_with_every_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.lptrace");
    let (layer, guard) = lockprof::layer().with_path(&path).build().expect("layer");
    let wait_hist = histogram(&[(1_500, 1000), (9_000, 200)]);
    let hold_hist = histogram(&[(100, 640)]);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        emit_wait(7, "worker-1", 1, "worker-2", 2, 20_000_000, 1_000);
        emit_wait(7, "worker-1", 1, "worker-2", 2, 30_000_000, 5_000);
        emit_hold();
        emit_summary(&base64_v2(&wait_hist), &base64_v2(&hold_hist));
        // Not lockprof's: ignored without a trace.
        tracing::info!(target: "app", event = "wait", lock_id = 1u64, "hello");
    });
    assert_eq!(guard.dropped_events(), 0);
    drop(guard);

    let records = read_file(&path);
    let names = Names::of(&records);
    // Every name defined once, before its first use.
    let mut sorted = names.strings.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        names.strings.len(),
        "strings interned: {:?}",
        names.strings
    );
    assert_eq!(names.lock(7), ("ledger", LockKind::Mutex));
    assert_eq!(names.lock(9), ("accounts", LockKind::RwLock));
    assert_eq!(names.thread(1), "worker-1");
    assert_eq!(names.thread(2), "worker-2");

    let events: Vec<_> = records
        .iter()
        .filter(|r| matches!(r, Record::Wait(_) | Record::Hold(_) | Record::Summary(_)))
        .collect();
    assert_eq!(events.len(), 4);
    let Record::Wait(w) = events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(
        *w,
        Wait {
            lock: 7,
            mode: Mode::Exclusive,
            thread: 1,
            site: w.site,
            holder: 2,
            wait_ns: 20_000_000,
            at_ns: 1_000,
            weight: 1,
            timed_out: false,
            stack: 0,
            holder_stack: 0,
            spans: 0,
            task: None,
        }
    );
    assert_eq!(names.string(w.site), "src/bank.rs:42");
    let Record::Wait(w2) = events[1] else {
        panic!("{:?}", events[1])
    };
    assert_eq!((w2.wait_ns, w2.at_ns, w2.site), (30_000_000, 5_000, w.site));
    let Record::Hold(h) = events[2] else {
        panic!("{:?}", events[2])
    };
    assert_eq!(
        *h,
        Hold {
            lock: 9,
            mode: Mode::Upgradable,
            thread: 2,
            site: h.site,
            hold_ns: 21_000_000,
            blame_ns: 19_500_000,
            waiters: 3,
            at_ns: 900,
            weight: 16,
            hold_exact: false,
            stack: 0,
            spans: 0,
            task: None,
        }
    );
    assert_eq!(names.string(h.site), "src/bank.rs:77");
    let Record::Summary(s) = events[3] else {
        panic!("{:?}", events[3])
    };
    assert_eq!(
        **s,
        Summary {
            lock: 7,
            mode: Mode::Shared,
            thread: 1,
            site: w.site,
            at_ns: 2_000_000_000,
            acquisitions: 1_000_000,
            contended: 1234,
            timeouts: 2,
            waits: 1200,
            wait_ns: 3_600_000,
            wait_hist,
            holds: 640,
            hold_ns: 64_000,
            hold_hist,
            blame_ns: 99,
            blame_estimated_ns: 40,
            unattributed_ns: 7,
            wait_stack: 0,
            blame_stack: 0,
            task: None,
        }
    );
    assert_eq!(dropped(&records), 0);
}

#[test]
fn empty_or_bad_histograms_keep_the_summary_counts() {
    let mut out = Arc::default();
    let (layer, guard) = lockprof::layer()
        .with_writer(SharedBuf::new(&mut out))
        .build()
        .expect("layer");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        emit_summary("", "not base64!");
    });
    drop(guard);
    let records = read(&out.lock().expect("buf"));
    let Some(Record::Summary(s)) = records.iter().find(|r| matches!(r, Record::Summary(_))) else {
        panic!("no summary in {records:?}")
    };
    assert_eq!(
        (s.acquisitions, s.contended, s.holds),
        (1_000_000, 1234, 640)
    );
    assert!(s.wait_hist.is_empty() && s.hold_hist.is_empty());
}

/// A `Write` into a shared buffer, optionally failing, slow, or short of room.
#[derive(Clone)]
struct SharedBuf {
    bytes: Arc<Mutex<Vec<u8>>>,
    failing: Arc<AtomicBool>,
    delay: Duration,
    /// Bytes it still takes, as a disk that fills up: the write that reaches the limit is
    /// short, later ones fail.
    room: Arc<AtomicUsize>,
}

impl SharedBuf {
    fn new(handle: &mut Arc<Mutex<Vec<u8>>>) -> SharedBuf {
        SharedBuf {
            bytes: Arc::clone(handle),
            failing: Arc::new(AtomicBool::new(false)),
            delay: Duration::ZERO,
            room: Arc::new(AtomicUsize::new(usize::MAX)),
        }
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        std::thread::sleep(self.delay);
        if self.failing.load(Ordering::SeqCst) {
            return Err(io::Error::other("device unplugged"));
        }
        let room = self.room.load(Ordering::SeqCst);
        if room == 0 {
            return Err(io::ErrorKind::StorageFull.into());
        }
        let n = buf.len().min(room);
        self.room.fetch_sub(n, Ordering::SeqCst);
        self.bytes.lock().expect("buf").extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        std::thread::sleep(self.delay);
        if self.failing.load(Ordering::SeqCst) {
            return Err(io::Error::other("device unplugged"));
        }
        Ok(())
    }
}

/// `fmt`'s writer: collects what the fmt layer prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("buf").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn composes_with_a_filtered_fmt_layer() {
    let mut out = Arc::default();
    let (layer, guard) = lockprof::layer()
        .with_writer(SharedBuf::new(&mut out))
        .build()
        .expect("layer");
    let printed = Captured::default();
    let for_fmt = printed.clone();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || for_fmt.clone())
                .with_ansi(false)
                .with_filter(LevelFilter::INFO),
        )
        .with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "app", "service started");
        for i in 0..10 {
            emit_wait(7, "worker-1", 1, "worker-2", 2, 20_000 + i, 1_000 * i);
        }
        tracing::debug!(target: "app", "not printed at INFO");
    });
    drop(guard);
    let records = read(&out.lock().expect("buf"));
    assert_eq!(
        waits(&records).len(),
        10,
        "the INFO filter on fmt does not hide lockprof events"
    );
    let printed = String::from_utf8(printed.0.lock().expect("buf").clone()).expect("utf8");
    assert!(printed.contains("service started"), "{printed}");
    assert!(
        !printed.contains("lockprof"),
        "fmt at INFO must not print TRACE events: {printed}"
    );
    assert!(!printed.contains("not printed"));
}

#[test]
fn a_failing_output_drops_and_counts_then_recovers() {
    let mut out = Arc::default();
    let writer = SharedBuf::new(&mut out);
    let failing = Arc::clone(&writer.failing);
    let (layer, guard) = lockprof::layer()
        .with_writer(writer)
        .with_flush_interval(Duration::from_millis(5))
        .build()
        .expect("layer");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..10 {
            emit_wait(7, "worker-1", 1, "", 0, 20_000, i);
        }
        guard.flush();
        failing.store(true, Ordering::SeqCst);
        // Accepted into the writer's buffer; the flush fails and the writer starts dropping.
        for i in 10..15 {
            emit_wait(7, "worker-1", 1, "", 0, 20_000, i);
        }
        guard.flush();
        let started = Instant::now();
        for i in 15..35 {
            emit_wait(7, "worker-1", 1, "", 0, 20_000, i);
        }
        guard.flush();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "a failing output never blocks"
        );
        assert_eq!(guard.dropped_events(), 20);
        failing.store(false, Ordering::SeqCst);
        // The writer retries once per flush interval.
        std::thread::sleep(Duration::from_millis(50));
        guard.flush();
    });
    drop(guard);
    let records = read(&out.lock().expect("buf"));
    let at: Vec<u64> = waits(&records).iter().map(|w| w.at_ns).collect();
    assert_eq!(
        at,
        (0..15).collect::<Vec<_>>(),
        "buffered records survive the failure"
    );
    assert_eq!(dropped(&records), 20, "the drop count is in the trace");
}

/// Reads a trace that may have been cut short: its whole records, and whether it is complete.
fn read_prefix(bytes: &[u8]) -> (Vec<Record>, bool) {
    let mut reader = TraceReader::new(bytes).expect("a trace header");
    let records = reader
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .expect("whole records are valid");
    (records, reader.complete())
}

/// What a trace on a disk that filled up holds, and what the layer counted.
#[derive(Debug)]
struct FullDisk {
    emitted: u64,
    waits_in_trace: u64,
    dropped_in_trace: u64,
    /// Read from the layer after the guard is dropped: everything the writer lost, in the end.
    dropped: u64,
    complete: bool,
}

/// 100 waits are written, then the disk has room for `room` more bytes while 200 more are
/// emitted. With `freed`, room is made again and 100 more are emitted before the guard drops.
fn fill_the_disk(room: usize, freed: bool) -> FullDisk {
    let mut out = Arc::default();
    let writer = SharedBuf::new(&mut out);
    let left = Arc::clone(&writer.room);
    let (layer, guard) = lockprof::layer()
        .with_writer(writer)
        .with_flush_interval(Duration::from_millis(5))
        .build()
        .expect("layer");
    // Kept here so that the layer's count can be read once the guard is gone.
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let mut emitted = 0;
    let mut emit = |n| {
        for _ in 0..n {
            emit_wait(7, "worker-1", 1, "", 0, 20_000, emitted);
            emitted += 1;
        }
    };
    tracing::dispatcher::with_default(&dispatch, || {
        emit(100);
        guard.flush();
        left.store(room, Ordering::SeqCst);
        emit(100);
        guard.flush();
        emit(100);
        guard.flush();
        if freed {
            left.store(usize::MAX, Ordering::SeqCst);
            // The writer tries its output again once per flush interval.
            std::thread::sleep(Duration::from_millis(50));
            guard.flush();
            emit(100);
        }
    });
    drop(guard);
    let layer = dispatch
        .downcast_ref::<lockprof::LockprofLayer>()
        .expect("the layer");
    let (records, complete) = read_prefix(&out.lock().expect("buf"));
    FullDisk {
        emitted,
        waits_in_trace: waits(&records).len() as u64,
        dropped_in_trace: dropped(&records),
        dropped: layer.dropped_events(),
        complete,
    }
}

#[test]
fn a_disk_that_stays_full_loses_no_event_uncounted() {
    let disk = fill_the_disk(1000, false);
    // About 90 waits fit in 1000 bytes; the last of them is cut.
    assert!(
        disk.waits_in_trace > 150 && disk.waits_in_trace < 200,
        "{disk:?}"
    );
    assert!(!disk.complete, "{disk:?}");
    assert_eq!(
        disk.waits_in_trace + disk.dropped,
        disk.emitted,
        "every event is in the trace or counted: {disk:?}"
    );
}

#[test]
fn a_disk_that_fills_up_then_frees_has_the_count_in_the_trace() {
    let disk = fill_the_disk(1000, true);
    assert!(disk.complete, "{disk:?}");
    assert!(disk.dropped_in_trace >= 100, "{disk:?}");
    assert_eq!(disk.dropped_in_trace, disk.dropped, "{disk:?}");
    assert_eq!(
        disk.waits_in_trace + disk.dropped_in_trace,
        disk.emitted,
        "every event is in the trace or counted in it: {disk:?}"
    );
}

#[test]
fn an_output_that_fails_at_shutdown_counts_what_it_loses() {
    // The count goes to stderr, so the writer runs in a child process of this test binary.
    if std::env::var_os(CHILD_ENV).is_some() {
        let mut out = Arc::default();
        let writer = SharedBuf::new(&mut out);
        let failing = Arc::clone(&writer.failing);
        let (layer, guard) = lockprof::layer()
            .with_writer(writer)
            // No periodic flush: the last events stay in the writer's buffer until the end.
            .with_flush_interval(Duration::from_secs(3600))
            .build()
            .expect("layer");
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        tracing::dispatcher::with_default(&dispatch, || {
            for i in 0..10 {
                emit_wait(7, "worker-1", 1, "", 0, 20_000, i);
            }
            guard.flush();
            for i in 10..15 {
                emit_wait(7, "worker-1", 1, "", 0, 20_000, i);
            }
        });
        failing.store(true, Ordering::SeqCst);
        drop(guard);
        let layer = dispatch
            .downcast_ref::<lockprof::LockprofLayer>()
            .expect("the layer");
        assert_eq!(layer.dropped_events(), 5, "the last buffer's events");
        let (records, complete) = read_prefix(&out.lock().expect("buf"));
        assert_eq!(
            waits(&records).iter().map(|w| w.at_ns).collect::<Vec<_>>(),
            (0..10).collect::<Vec<_>>()
        );
        assert!(!complete);
        return;
    }
    let output = child("an_output_that_fails_at_shutdown_counts_what_it_loses")
        .output()
        .expect("run child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("lockprof: cannot complete the trace: device unplugged")
            && lines[0].ends_with("; 5 events were lost"),
        "{stderr}"
    );
}

#[test]
fn an_output_that_always_fails_never_blocks_or_panics() {
    let mut out = Arc::default();
    let writer = SharedBuf::new(&mut out);
    writer.failing.store(true, Ordering::SeqCst);
    let (layer, guard) = lockprof::layer()
        .with_writer(writer)
        .with_buffer_events(8)
        .with_flush_interval(Duration::from_millis(1))
        .build()
        .expect("layer");
    let started = Instant::now();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..1000 {
            emit_wait(7, "worker-1", 1, "", 0, 20_000, i);
            if i == 10 {
                guard.flush();
            }
        }
    });
    drop(guard);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(out.lock().expect("buf").is_empty());
}

#[test]
fn a_slow_output_drops_and_counts_without_blocking() {
    let mut out = Arc::default();
    let mut writer = SharedBuf::new(&mut out);
    writer.delay = Duration::from_millis(5);
    let (layer, guard) = lockprof::layer()
        .with_writer(writer)
        .with_buffer_events(4)
        .with_flush_interval(Duration::from_millis(1))
        .build()
        .expect("layer");
    let n = 2000u64;
    let mut slow_events = 0;
    let started = Instant::now();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..n {
            let started = Instant::now();
            emit_wait(7, "worker-1", 1, "worker-2", 2, 20_000, i);
            if started.elapsed() > Duration::from_millis(3) {
                slow_events += 1;
            }
        }
    });
    let elapsed = started.elapsed();
    let dropped_live = guard.dropped_events();
    drop(guard);
    // Waiting for the output would cost 5 ms an event, every event once the queue is full; on a
    // busy 2-core machine the thread is descheduled now and then in the middle of an event (8 of
    // 2000 once, with five busy processes), hence an allowance still far below what blocking gives.
    assert!(slow_events <= n / 20, "{slow_events} events took over 3 ms");
    assert!(
        elapsed < Duration::from_millis(500),
        "2000 events took {elapsed:?}"
    );
    assert!(
        dropped_live > 0,
        "a 4-event queue in front of a slow output must overflow"
    );
    let records = read(&out.lock().expect("buf"));
    // Conservation: every event is either in the trace or counted as dropped.
    assert_eq!(waits(&records).len() as u64 + dropped(&records), n);
}

/// Tells a re-executed test binary that it is the child of the test it runs.
const CHILD_ENV: &str = "LOCKPROF_LAYER_TEST_CHILD";

/// This test binary, set to run only `test`, as the child process of that same test: for tests
/// of process-wide state or of what reaches stderr.
fn child(test: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1");
    cmd
}

#[test]
fn init_installs_a_global_subscriber_once() {
    // `init` changes process-global state, so it runs in a child process of this test binary.
    if std::env::var_os(CHILD_ENV).is_some() {
        let guard = lockprof::init();
        emit_wait(7, "main", 1, "", 0, 20_000, 1);
        // A second call warns instead of panicking and returns a guard that does nothing.
        let second = lockprof::init();
        assert!(matches!(
            lockprof::try_init(),
            Err(lockprof::InitError::AlreadySet)
        ));
        drop(second);
        emit_wait(7, "main", 1, "", 0, 20_000, 2);
        drop(guard);
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("init.lptrace");
    let output = child("init_installs_a_global_subscriber_once")
        .env(lockprof::config::OUT_ENV, &path)
        .output()
        .expect("run child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed: {stderr}");
    assert_eq!(
        stderr.matches("already set").count(),
        1,
        "one warning: {stderr}"
    );
    let records = read_file(&path);
    assert_eq!(
        waits(&records).iter().map(|w| w.at_ns).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[test]
fn default_path_is_the_pid_file_or_the_env_var() {
    let path = lockprof::config::default_path();
    if std::env::var_os(lockprof::config::OUT_ENV).is_none() {
        assert_eq!(
            path,
            Path::new(&format!("lockprof-{}.lptrace", std::process::id()))
        );
    }
}

/// A program that goes quiet for a while (a service between requests) keeps its writer: events
/// after the quiet spell reach the trace, and the guard closes it.
#[test]
fn the_writer_outlives_a_quiet_spell() {
    let mut out = Arc::default();
    let writer = SharedBuf::new(&mut out);
    let (layer, guard) = lockprof::layer()
        .with_writer(writer)
        .with_flush_interval(Duration::from_millis(5))
        .build()
        .expect("layer");
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        emit_wait(7, "worker-1", 1, "", 0, 20_000, 0);
        guard.flush();
        // Long enough for any unbounded growth of the writer's naps to show (it reached
        // `Duration`'s limit after about 7 s).
        std::thread::sleep(Duration::from_secs(9));
        emit_wait(7, "worker-1", 1, "", 0, 20_000, 1);
    });
    let closed = Instant::now();
    drop(guard);
    assert!(
        closed.elapsed() < Duration::from_secs(2),
        "closing took {:?}",
        closed.elapsed()
    );
    let records = read(&out.lock().expect("buf"));
    assert_eq!(waits(&records).len(), 2);
}
