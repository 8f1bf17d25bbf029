//! The native trace format: round trips, truncation, corruption, compatibility rules and size.

use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;

use hdrhistogram::Histogram;
use lockprof::trace::{
    FORMAT_VERSION, Header, Hold, MAGIC, ReadError, Record, Summary, TraceReader, TraceWriter,
    Wait, is_trace,
};
use lockprof::{LockKind, Mode};
use proptest::prelude::*;

/// Bytes of the version 1 header.
const HEADER_LEN: usize = 32;

fn header() -> Header {
    Header::new(4242, 1_700_000_000_123_456_789)
}

fn encode(records: &[Record]) -> Vec<u8> {
    let mut w = TraceWriter::new(Vec::new(), &header()).expect("header");
    for r in records {
        w.write(r).expect("valid record");
    }
    w.finish().expect("finish")
}

/// Reads everything; returns the records, the error that stopped the reading (if any) and the
/// reader's final state.
struct Outcome {
    records: Vec<Record>,
    error: Option<ReadError>,
    truncated: bool,
    complete: bool,
    offset: u64,
}

fn decode(bytes: &[u8]) -> Result<Outcome, ReadError> {
    let mut reader = TraceReader::new(bytes)?;
    let mut records = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        match item {
            Ok(r) => records.push(r),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(reader.next().is_none(), "the reader is fused");
    Ok(Outcome {
        records,
        error,
        truncated: reader.truncated(),
        complete: reader.complete(),
        offset: reader.offset(),
    })
}

fn hist(values: &[(u64, u64)]) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new(3).expect("3 digits");
    h.auto(true);
    for &(v, n) in values {
        h.record_n(v, n).expect("auto-resizing");
    }
    h
}

fn sample() -> Vec<Record> {
    vec![
        Record::String {
            id: 0,
            value: "orders".into(),
        },
        Record::String {
            id: 1,
            value: "worker-1".into(),
        },
        Record::String {
            id: 2,
            value: "src/bank.rs:42".into(),
        },
        Record::String {
            id: 3,
            value: "ünïcødé ✓".into(),
        },
        Record::String {
            id: 4,
            value: String::new(),
        },
        Record::Thread { id: 1, name: 1 },
        Record::Thread { id: 2, name: 3 },
        Record::Lock {
            id: 7,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Lock {
            id: u64::MAX,
            name: 4,
            kind: LockKind::RwLock,
        },
        Record::Wait(Wait {
            lock: 7,
            mode: Mode::Exclusive,
            thread: 1,
            site: 2,
            holder: 2,
            wait_ns: 20_000_000,
            at_ns: 1_000_000,
            weight: 1,
            timed_out: false,
            stack: 0,
            holder_stack: 0,
            spans: 0,
            task: None,
        }),
        Record::Hold(Hold {
            lock: 7,
            mode: Mode::Exclusive,
            thread: 2,
            site: 2,
            hold_ns: 21_000_000,
            blame_ns: 20_000_000,
            waiters: 1,
            // Earlier than the previous record: a negative delta.
            at_ns: 500_000,
            weight: 1,
            hold_exact: true,
            stack: 0,
            spans: 0,
            task: None,
        }),
        Record::Wait(Wait {
            lock: u64::MAX,
            mode: Mode::Upgradable,
            thread: 2,
            site: 3,
            holder: 0,
            wait_ns: u64::MAX,
            at_ns: u64::MAX,
            weight: 64,
            timed_out: true,
            stack: 0,
            holder_stack: 0,
            spans: 0,
            task: None,
        }),
        Record::Hold(Hold {
            lock: u64::MAX,
            mode: Mode::Shared,
            thread: 1,
            site: 2,
            hold_ns: 0,
            blame_ns: 0,
            waiters: u32::MAX,
            at_ns: 0,
            weight: 0,
            hold_exact: false,
            stack: 0,
            spans: 0,
            task: None,
        }),
        Record::Summary(Box::new(Summary {
            lock: 7,
            mode: Mode::Exclusive,
            thread: 1,
            site: 2,
            at_ns: 2_000_000_000,
            acquisitions: 1_000_000,
            contended: 1234,
            timeouts: 3,
            waits: 1200,
            wait_ns: 3_600_000,
            wait_hist: hist(&[(1_500, 1000), (9_000, 200)]),
            holds: 640,
            hold_ns: 64_000,
            hold_hist: hist(&[(100, 640)]),
            blame_ns: 99,
            blame_estimated_ns: 60,
            unattributed_ns: 1_200_000,
            wait_stack: 4,
            blame_stack: 9,
            task: None,
        })),
        Record::Summary(Box::new(Summary {
            lock: 7,
            mode: Mode::Shared,
            thread: 2,
            site: 3,
            at_ns: 2_000_000_001,
            acquisitions: 0,
            contended: 0,
            timeouts: 0,
            waits: 0,
            wait_ns: 0,
            wait_hist: hist(&[]),
            holds: 0,
            hold_ns: 0,
            hold_hist: hist(&[]),
            blame_ns: 0,
            blame_estimated_ns: 0,
            unattributed_ns: 0,
            wait_stack: 0,
            blame_stack: 0,
            task: None,
        })),
        Record::Summary(Box::new(Summary {
            lock: 7,
            mode: Mode::Exclusive,
            thread: 2,
            site: 3,
            at_ns: 2_000_000_002,
            acquisitions: 2,
            contended: 1,
            timeouts: 0,
            waits: 1,
            wait_ns: 800,
            wait_hist: hist(&[(800, 1)]),
            holds: 0,
            hold_ns: 0,
            hold_hist: hist(&[]),
            blame_ns: 0,
            // Written as 0s so that the field after them keeps its position.
            blame_estimated_ns: 0,
            unattributed_ns: 0,
            wait_stack: 0,
            blame_stack: 6,
            task: None,
        })),
        Record::Dropped { count: 17 },
        Record::Dropped { count: u64::MAX },
    ]
}

#[test]
fn round_trips_every_record_kind() {
    let records = sample();
    let bytes = encode(&records);
    assert!(is_trace(&bytes));
    assert_eq!(&bytes[..8], &MAGIC);
    let out = decode(&bytes).expect("header");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.records, records);
    assert!(!out.truncated);
    assert!(out.complete);
    assert_eq!(out.offset, bytes.len() as u64);
    let reader = TraceReader::new(&bytes[..]).expect("header");
    assert_eq!(reader.header(), &header());
    assert_eq!(reader.header().version, FORMAT_VERSION);
}

#[test]
fn header_layout_is_as_documented() {
    let bytes = encode(&[]);
    assert_eq!(&bytes[0..8], b"\x89LPROF\r\n");
    assert_eq!(&bytes[8..10], &1u16.to_le_bytes());
    assert_eq!(&bytes[10..12], &20u16.to_le_bytes());
    assert_eq!(&bytes[12..16], &4242u32.to_le_bytes());
    assert_eq!(&bytes[16..24], &1_700_000_000_123_456_789u64.to_le_bytes());
    assert_eq!(&bytes[24..32], &1_000_000_000u64.to_le_bytes());
    // The end marker: type 0x08, empty payload.
    assert_eq!(&bytes[32..], &[0x08, 0x00]);
}

#[test]
fn truncation_at_every_offset_reads_a_prefix() {
    let records = sample();
    let bytes = encode(&records);
    // Record boundaries, from a full read that notes the offset after each record.
    let mut boundaries = vec![HEADER_LEN as u64];
    let mut reader = TraceReader::new(&bytes[..]).expect("header");
    while let Some(r) = reader.next() {
        r.expect("valid");
        boundaries.push(reader.offset());
    }
    for cut in 0..=bytes.len() {
        let part = &bytes[..cut];
        match decode(part) {
            Err(ReadError::Empty) => assert_eq!(cut, 0),
            Err(ReadError::Corrupt { offset, .. }) => {
                assert!(cut > 0 && cut < HEADER_LEN, "cut {cut}");
                assert!(offset <= cut as u64);
            }
            Err(e) => panic!("cut {cut}: unexpected {e}"),
            Ok(out) => {
                assert!(cut >= HEADER_LEN);
                assert!(out.error.is_none(), "cut {cut}: {:?}", out.error);
                assert_eq!(out.records[..], records[..out.records.len()], "cut {cut}");
                let at_boundary = cut == bytes.len() || boundaries.contains(&(cut as u64));
                assert_eq!(out.truncated, !at_boundary, "cut {cut}");
                assert_eq!(out.complete, cut == bytes.len(), "cut {cut}");
                assert!(out.offset <= cut as u64);
                if cut == bytes.len() {
                    assert_eq!(out.offset, cut as u64, "the end marker is consumed too");
                } else {
                    assert_eq!(boundaries[out.records.len()], out.offset, "cut {cut}");
                }
            }
        }
    }
}

#[test]
fn corrupted_bytes_never_panic_and_keep_earlier_records() {
    let records = sample();
    let bytes = encode(&records);
    let mut reader = TraceReader::new(&bytes[..]).expect("header");
    let mut ends = Vec::new();
    while let Some(r) = reader.next() {
        r.expect("valid");
        ends.push(reader.offset());
    }
    let mut corrupt_errors = 0;
    for pos in 0..bytes.len() {
        for mask in [0xff, 0x01, 0x80, 0x7f] {
            let mut damaged = bytes.clone();
            damaged[pos] ^= mask;
            let Ok(out) = decode(&damaged) else {
                // Damage in the header: an error, never a panic.
                assert!(pos < HEADER_LEN);
                continue;
            };
            // Every record that ends before the damaged byte reads as written.
            let intact = ends.iter().take_while(|&&end| end <= pos as u64).count();
            assert!(out.records.len() >= intact.min(out.records.len()));
            let n = intact.min(out.records.len());
            assert_eq!(out.records[..n], records[..n], "pos {pos} mask {mask:#x}");
            match out.error {
                None => {}
                Some(ReadError::Corrupt { offset, ref reason }) => {
                    corrupt_errors += 1;
                    assert!(offset >= HEADER_LEN as u64 && offset < damaged.len() as u64);
                    assert!(!reason.is_empty());
                    let message = out
                        .error
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    assert!(message.contains(&format!("byte {offset}")), "{message}");
                }
                Some(e) => panic!("pos {pos}: unexpected {e}"),
            }
        }
    }
    assert!(
        corrupt_errors > 100,
        "corruption is usually detected ({corrupt_errors})"
    );
}

/// Frames a record by hand, as docs/FORMAT.md describes.
fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 128);
    let mut v = vec![kind, payload.len() as u8];
    v.extend_from_slice(payload);
    v
}

fn header_bytes() -> Vec<u8> {
    TraceWriter::new(Vec::new(), &header())
        .expect("header")
        .into_inner()
}

#[test]
fn unknown_record_types_and_trailing_fields_are_skipped() {
    let mut bytes = header_bytes();
    bytes.extend(frame(0x01, b"\x00\x03abc")); // String 0 = "abc"
    bytes.extend(frame(0x40, b"a record type from the future"));
    bytes.extend(frame(0x02, b"\x05\x00\xff\xfe")); // Thread 5 named 0, two extra bytes
    bytes.extend(frame(0x07, b"\x09")); // Dropped 9
    let out = decode(&bytes).expect("header");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(
        out.records,
        vec![
            Record::String {
                id: 0,
                value: "abc".into()
            },
            Record::Thread { id: 5, name: 0 },
            Record::Dropped { count: 9 },
        ]
    );
    assert!(!out.complete, "no end marker");
}

#[test]
fn a_summary_without_the_appended_fields_reads_them_as_0() {
    // Writers leave a trailing run of 0s among the appended fields out, so a summary of 0s is
    // also what traces written before the fields existed hold; a 0 before a non-zero field is
    // written, or the reader would take the later field for the earlier one.
    let summary = |blame_estimated_ns, unattributed_ns| {
        Record::Summary(Box::new(Summary {
            lock: 7,
            mode: Mode::Exclusive,
            thread: 1,
            site: 0,
            at_ns: 5,
            acquisitions: 10,
            contended: 2,
            timeouts: 0,
            waits: 0,
            wait_ns: 0,
            wait_hist: hist(&[]),
            holds: 1024,
            hold_ns: 1024 * 30,
            hold_hist: hist(&[(30, 1024)]),
            blame_ns: 500,
            blame_estimated_ns,
            unattributed_ns,
            wait_stack: 0,
            blame_stack: 0,
            task: None,
        }))
    };
    let string = Record::String {
        id: 0,
        value: "s".into(),
    };
    let len = |s| encode(&[string.clone(), s]).len();
    let base = len(summary(0, 0));
    // One varint byte per field written.
    assert_eq!(
        len(summary(100, 0)),
        base + 1,
        "unattributed_ns 0 is left out"
    );
    assert_eq!(
        len(summary(0, 100)),
        base + 2,
        "blame_estimated_ns 0 is kept"
    );
    assert_eq!(len(summary(100, 100)), base + 2);
    for (estimated, unattributed) in [(0, 0), (300, 0), (0, 70), (300, 70)] {
        let s = summary(estimated, unattributed);
        assert_eq!(
            decode(&encode(&[string.clone(), s.clone()]))
                .expect("header")
                .records,
            [string.clone(), s]
        );
    }
}

#[test]
fn a_longer_header_is_accepted() {
    let mut bytes = header_bytes();
    bytes[10..12].copy_from_slice(&24u16.to_le_bytes());
    bytes.extend_from_slice(&[1, 2, 3, 4]); // a field a later writer added
    bytes.extend(frame(0x07, b"\x01"));
    let out = decode(&bytes).expect("header");
    assert_eq!(out.records, vec![Record::Dropped { count: 1 }]);
}

fn corrupt_at(bytes: &[u8]) -> (u64, String) {
    let out = decode(bytes).expect("header");
    match out.error {
        Some(ReadError::Corrupt { offset, reason }) => (offset, reason),
        other => panic!("expected corruption, got {other:?} after {:?}", out.records),
    }
}

#[test]
fn corruption_is_named_with_its_offset() {
    let base = {
        let mut b = header_bytes();
        b.extend(frame(0x01, b"\x00\x01s"));
        b
    };
    let second = base.len() as u64;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("string id", frame(0x01, b"\x05\x01t")),
        ("not defined", frame(0x02, b"\x01\x09")),
        ("lock kind", frame(0x03, b"\x01\x00\x07")),
        ("mode", frame(0x04, &[0x03, 1, 1, 0, 0, 1, 0])),
        ("flags", frame(0x04, &[0x40, 1, 1, 0, 0, 1, 0])),
        ("ends inside", frame(0x05, &[0x00, 1, 1])),
        ("not a valid varint", frame(0x07, &[0xff; 11])),
        ("UTF-8", frame(0x01, b"\x01\x02\xff\xfe")),
        ("reserved", vec![0, 0, 0, 0]),
        ("exceeds", {
            let mut v = vec![0x06];
            v.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
            v
        }),
        ("length is not a valid varint", {
            let mut v = vec![0x06];
            v.extend_from_slice(&[0xff; 10]);
            v.push(0x01);
            v
        }),
        ("histogram", {
            let mut p = vec![0x00, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            p.extend_from_slice(&[4, 1, 2, 3, 4, 0]);
            frame(0x06, &p)
        }),
    ];
    for (expected, record) in cases {
        let mut bytes = base.clone();
        bytes.extend(record);
        let (offset, reason) = corrupt_at(&bytes);
        assert_eq!(offset, second, "{expected}: {reason}");
        assert!(
            reason.contains(expected),
            "expected {expected:?} in {reason:?}"
        );
    }
}

#[test]
fn a_huge_declared_length_does_not_allocate_it() {
    // 15 MiB declared, 3 bytes present: truncated, and the reader only kept what arrived.
    let mut bytes = header_bytes();
    bytes.push(0x06);
    bytes.extend_from_slice(&[0x80, 0x80, 0xc0, 0x07]);
    bytes.extend_from_slice(b"abc");
    let out = decode(&bytes).expect("header");
    assert!(out.records.is_empty());
    assert!(out.error.is_none());
    assert!(out.truncated);
    assert_eq!(out.offset, HEADER_LEN as u64);
}

#[test]
fn header_errors_say_what_is_wrong() {
    assert!(matches!(decode(b""), Err(ReadError::Empty)));
    assert!(matches!(
        decode(b"{\"fields\":{}}\n"),
        Err(ReadError::NotATrace)
    ));
    let mut v2 = header_bytes();
    v2[8] = 2;
    match decode(&v2) {
        Err(e @ ReadError::UnsupportedVersion { version: 2 }) => {
            assert!(e.to_string().contains("upgrade lockprof"), "{e}");
        }
        other => panic!("{:?}", other.map(|o| o.records)),
    }
    let mut zero_clock = header_bytes();
    zero_clock[24..32].fill(0);
    assert!(matches!(
        decode(&zero_clock),
        Err(ReadError::Corrupt { .. })
    ));
    let mut short = header_bytes();
    short[10] = 4;
    assert!(matches!(
        decode(&short),
        Err(ReadError::Corrupt { offset: 10, .. })
    ));
    let message = ReadError::NotATrace.to_string();
    assert!(message.contains("lockprof::init()"), "{message}");
}

#[test]
fn sniffing_tells_traces_from_json() {
    assert!(is_trace(&[0x89]));
    assert!(is_trace(&encode(&sample())[..20]));
    assert!(!is_trace(b""));
    assert!(!is_trace(b"{\"timestamp\""));
    assert!(!is_trace(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn the_writer_refuses_what_the_reader_would_reject() {
    let mut w = TraceWriter::new(Vec::new(), &header()).expect("header");
    let err = w
        .write(&Record::String {
            id: 3,
            value: "x".into(),
        })
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let err = w.write(&Record::Thread { id: 1, name: 0 }).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(w.write_string("a").expect("vec"), 0);
    assert_eq!(w.strings_defined(), 1);
    let mut bad = header();
    bad.version = 9;
    assert!(TraceWriter::new(Vec::new(), &bad).is_err());
}

/// Fails every write while the shared switch is on.
struct Flaky {
    bytes: Vec<u8>,
    failing: Rc<Cell<bool>>,
}

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failing.get() {
            return Err(io::Error::other("disk full"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_write_does_not_advance_the_writer() {
    let records = sample();
    let failing = Rc::new(Cell::new(false));
    let out = Flaky {
        bytes: Vec::new(),
        failing: Rc::clone(&failing),
    };
    let mut w = TraceWriter::new(out, &header()).expect("header");
    for r in &records[..10] {
        w.write(r).expect("ok");
    }
    let strings = w.strings_defined();
    failing.set(true);
    // Record 10 is a hold whose at_ns goes backwards: a lost delta base would corrupt the rest.
    assert!(w.write(&records[10]).is_err());
    assert!(w.write_string("lost").is_err());
    assert_eq!(w.strings_defined(), strings);
    failing.set(false);
    for r in &records[10..] {
        w.write(r).expect("ok");
    }
    let bytes = w.finish().expect("finish").bytes;
    assert_eq!(decode(&bytes).expect("header").records, records);
}

/// A small deterministic generator, so the size figure is reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Log-uniform in [lo, hi): latencies spread over decades, like real waits.
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        let f = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (l + f * (h - l)).exp() as u64
    }
}

#[test]
fn wait_and_hold_records_average_at_most_24_bytes() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut w = TraceWriter::new(Vec::new(), &header()).expect("header");
    let (threads, locks, sites) = (16u64, 40u64, 120u32);
    for s in 0..sites {
        w.write_string(&format!("src/service/module_{}.rs:{}", s % 17, 10 + s * 7))
            .expect("vec");
    }
    for t in 1..=threads {
        let name = w.write_string(&format!("worker-{t}")).expect("vec");
        w.write(&Record::Thread { id: t, name }).expect("vec");
    }
    for l in 1..=locks {
        let name = w.write_string(&format!("lock-{l}")).expect("vec");
        w.write(&Record::Lock {
            id: l,
            name,
            kind: LockKind::Mutex,
        })
        .expect("vec");
    }
    let before = w.get_ref().len();
    let n = 100_000;
    // Events reach the writer roughly in time order, interleaved across threads, each stamped
    // with its start (a wait's start precedes its emission by the wait), so deltas jitter.
    let mut now: u64 = 5_000_000_000;
    for _ in 0..n {
        now += rng.log_uniform(1_000, 2_000_000);
        let lock = 1 + rng.below(locks);
        let thread = 1 + rng.below(threads);
        let site = rng.below(u64::from(sites)) as u32;
        if rng.below(2) == 0 {
            let wait_ns = rng.log_uniform(10_000, 50_000_000);
            w.write(&Record::Wait(Wait {
                lock,
                mode: Mode::Exclusive,
                thread,
                site,
                holder: 1 + rng.below(threads),
                wait_ns,
                at_ns: now.saturating_sub(wait_ns),
                weight: 1,
                timed_out: false,
                stack: 0,
                holder_stack: 0,
                spans: 0,
                task: None,
            }))
            .expect("vec");
        } else {
            let hold_ns = rng.log_uniform(10_000, 50_000_000);
            let sampled = rng.below(4) == 0;
            w.write(&Record::Hold(Hold {
                lock,
                mode: Mode::Exclusive,
                thread,
                site,
                hold_ns,
                blame_ns: if sampled {
                    0
                } else {
                    rng.log_uniform(1_000, 100_000_000)
                },
                waiters: if sampled { 0 } else { 1 + rng.below(7) as u32 },
                at_ns: now.saturating_sub(hold_ns),
                weight: if sampled { 64 } else { 1 },
                hold_exact: true,
                stack: 0,
                spans: 0,
                task: None,
            }))
            .expect("vec");
        }
    }
    let bytes = w.get_ref().len() - before;
    let per_record = bytes as f64 / f64::from(n);
    println!("average wait/hold record: {per_record:.2} bytes over {n} records");
    assert!(per_record <= 24.0, "{per_record:.2} bytes per record");
}

fn arb_mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Exclusive),
        Just(Mode::Shared),
        Just(Mode::Upgradable)
    ]
}

/// A record whose string references are indices to be reduced modulo the strings defined so far.
#[derive(Clone, Debug)]
enum Op {
    Str(String),
    Thread(u64, u32),
    Lock(u64, u32, bool),
    Wait(Wait),
    Hold(Hold),
    Summary(Box<Summary>),
    Dropped(u64),
}

fn arb_hist() -> impl Strategy<Value = Histogram<u64>> {
    prop::collection::vec((1u64..1u64 << 40, 1u64..1000), 0..6).prop_map(|v| hist(&v))
}

fn arb_op() -> impl Strategy<Value = Op> {
    let wait = (
        any::<u64>(),
        arb_mode(),
        any::<u64>(),
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        prop_oneof![Just(1u64), any::<u64>()],
        any::<bool>(),
    )
        .prop_map(
            |(lock, mode, thread, site, holder, wait_ns, at_ns, weight, timed_out)| {
                Op::Wait(Wait {
                    lock,
                    mode,
                    thread,
                    site,
                    holder,
                    wait_ns,
                    at_ns,
                    weight,
                    timed_out,
                    // Stack fields (appended to the record): zero or not, independently.
                    stack: (lock.rotate_left(7) % 5).wrapping_mul(at_ns),
                    holder_stack: holder % 4,
                    spans: thread % 3,
                    task: None,
                })
            },
        );
    let hold = (
        any::<u64>(),
        arb_mode(),
        any::<u64>(),
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        any::<u32>(),
        any::<u64>(),
        prop_oneof![Just(1u64), any::<u64>()],
        any::<bool>(),
    )
        .prop_map(
            |(lock, mode, thread, site, hold_ns, blame_ns, waiters, at_ns, weight, hold_exact)| {
                Op::Hold(Hold {
                    lock,
                    mode,
                    thread,
                    site,
                    hold_ns,
                    blame_ns,
                    waiters,
                    at_ns,
                    weight,
                    hold_exact,
                    stack: (lock.rotate_left(7) % 5).wrapping_mul(at_ns),
                    spans: thread % 3,
                    task: None,
                })
            },
        );
    let summary = (
        (
            any::<u64>(),
            arb_mode(),
            any::<u64>(),
            any::<u32>(),
            any::<u64>(),
        ),
        prop::array::uniform8(any::<u64>()),
        arb_hist(),
        arb_hist(),
        // Appended to the record, left out when they and every field after them are 0: each
        // field 0 or not, in every combination.
        (
            prop_oneof![Just(0u64), any::<u64>()],
            prop_oneof![Just(0u64), any::<u64>()],
            prop_oneof![Just(0u64), any::<u64>()],
            prop_oneof![Just(0u64), any::<u64>()],
        ),
    )
        .prop_map(
            |(
                (lock, mode, thread, site, at_ns),
                n,
                wait_hist,
                hold_hist,
                (blame_estimated_ns, unattributed_ns, wait_stack, blame_stack),
            )| {
                Op::Summary(Box::new(Summary {
                    lock,
                    mode,
                    thread,
                    site,
                    at_ns,
                    acquisitions: n[0],
                    contended: n[1],
                    timeouts: n[2],
                    waits: n[3],
                    wait_ns: n[4],
                    wait_hist,
                    holds: n[5],
                    hold_ns: n[6],
                    hold_hist,
                    blame_ns: n[7],
                    blame_estimated_ns,
                    unattributed_ns,
                    wait_stack,
                    blame_stack,
                    task: None,
                }))
            },
        );
    prop_oneof![
        2 => ".{0,40}".prop_map(Op::Str),
        1 => (any::<u64>(), any::<u32>()).prop_map(|(id, n)| Op::Thread(id, n)),
        1 => (any::<u64>(), any::<u32>(), any::<bool>()).prop_map(|(id, n, rw)| Op::Lock(id, n, rw)),
        4 => wait,
        4 => hold,
        1 => summary,
        1 => any::<u64>().prop_map(Op::Dropped),
    ]
}

/// Turns ops into a valid record sequence: every reference points at a defined string.
fn realize(ops: Vec<Op>) -> Vec<Record> {
    let mut records = Vec::new();
    let mut strings = 0u32;
    for op in ops {
        let needs_string = !matches!(op, Op::Str(_) | Op::Dropped(_));
        if needs_string && strings == 0 {
            records.push(Record::String {
                id: 0,
                value: "first".into(),
            });
            strings = 1;
        }
        let s = |i: u32| i % strings.max(1);
        records.push(match op {
            Op::Str(value) => {
                strings += 1;
                Record::String {
                    id: strings - 1,
                    value,
                }
            }
            Op::Thread(id, name) => Record::Thread { id, name: s(name) },
            Op::Lock(id, name, rw) => Record::Lock {
                id,
                name: s(name),
                kind: if rw {
                    LockKind::RwLock
                } else {
                    LockKind::Mutex
                },
            },
            Op::Wait(mut w) => {
                w.site = s(w.site);
                Record::Wait(w)
            }
            Op::Hold(mut h) => {
                h.site = s(h.site);
                Record::Hold(h)
            }
            Op::Summary(mut m) => {
                m.site = s(m.site);
                Record::Summary(m)
            }
            Op::Dropped(count) => Record::Dropped { count },
        });
    }
    records
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 128 }))]

    #[test]
    fn arbitrary_sequences_round_trip(ops in prop::collection::vec(arb_op(), 0..48)) {
        let records = realize(ops);
        let bytes = encode(&records);
        let out = decode(&bytes).expect("header");
        prop_assert!(out.error.is_none(), "{:?}", out.error);
        prop_assert!(out.complete && !out.truncated);
        prop_assert_eq!(out.records, records);
    }

    #[test]
    fn arbitrary_bytes_after_a_header_never_panic(tail in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut bytes = header_bytes();
        bytes.extend(tail);
        let out = decode(&bytes).expect("header");
        prop_assert!(out.offset <= bytes.len() as u64);
        prop_assert!(!matches!(out.error, Some(ReadError::Io(_))));
    }
}

#[test]
fn the_worked_example_in_format_md_reads_as_documented() {
    let mut bytes = header_bytes();
    bytes.extend_from_slice(&[
        0x01, 0x08, 0x00, 0x06, b'l', b'e', b'd', b'g', b'e', b'r', //
        0x01, 0x0a, 0x01, 0x08, b'w', b'o', b'r', b'k', b'e', b'r', b'-', b'1', //
        0x01, 0x10, 0x02, 0x0e,
    ]);
    bytes.extend_from_slice(b"src/bank.rs:42");
    bytes.extend_from_slice(&[
        0x03, 0x03, 0x07, 0x00, 0x00, //
        0x02, 0x02, 0x01, 0x01, //
        0x04, 0x0b, 0x00, 0x07, 0x01, 0x02, 0x00, 0x80, 0xda, 0xc4, 0x09, 0xd0, 0x0f, //
        0x08, 0x00,
    ]);
    let expected = vec![
        Record::String {
            id: 0,
            value: "ledger".into(),
        },
        Record::String {
            id: 1,
            value: "worker-1".into(),
        },
        Record::String {
            id: 2,
            value: "src/bank.rs:42".into(),
        },
        Record::Lock {
            id: 7,
            name: 0,
            kind: LockKind::Mutex,
        },
        Record::Thread { id: 1, name: 1 },
        Record::Wait(Wait {
            lock: 7,
            mode: Mode::Exclusive,
            thread: 1,
            site: 2,
            holder: 0,
            wait_ns: 20_000_000,
            at_ns: 1000,
            weight: 1,
            timed_out: false,
            stack: 0,
            holder_stack: 0,
            spans: 0,
            task: None,
        }),
    ];
    let out = decode(&bytes).expect("header");
    assert!(out.error.is_none() && out.complete, "{:?}", out.error);
    assert_eq!(out.records, expected);
    // And the writer produces exactly these bytes.
    assert_eq!(encode(&expected), bytes);
}
