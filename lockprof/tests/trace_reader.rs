//! The trace reader's buffering: whatever sizes the input arrives in, and whichever API reads it
//! (the owning iterator or `next_ref`), the records, errors, offsets and end state are the same as
//! for the whole file read at once; and whichever form summaries' histograms come in.

use std::io::{self, Read};

use hdrhistogram::Histogram;
use lockprof::trace::{
    Header, HistogramBuckets, HistogramForm, Hold, ReadError, Record, RecordRef, Summary,
    TraceReader, TraceWriter, Wait,
};
use lockprof::{LockKind, Mode};
use proptest::prelude::*;

/// Bytes of the version 1 header.
const HEADER_LEN: usize = 32;

/// Hands out its bytes in chunks of the given sizes (cycled), with an `Interrupted` error before
/// each chunk when `interrupt` is set, like a pipe fed by a slow writer.
struct Chunked<'a> {
    bytes: &'a [u8],
    sizes: Vec<usize>,
    next: usize,
    interrupt: bool,
    interrupted: bool,
}

impl<'a> Chunked<'a> {
    fn new(bytes: &'a [u8], sizes: &[usize], interrupt: bool) -> Self {
        Chunked {
            bytes,
            sizes: sizes.iter().map(|&s| s.max(1)).collect(),
            next: 0,
            interrupt,
            interrupted: false,
        }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.interrupt && !self.interrupted {
            self.interrupted = true;
            return Err(io::ErrorKind::Interrupted.into());
        }
        self.interrupted = false;
        let size = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        let n = size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Everything a read of a trace observes.
#[derive(Debug, PartialEq)]
struct Outcome {
    records: Vec<Record>,
    /// Offset after each record.
    offsets: Vec<u64>,
    /// The error that ended the read, as text (`ReadError` is not `PartialEq`).
    error: Option<String>,
    truncated: bool,
    complete: bool,
    offset: u64,
}

fn read_owned(input: impl Read) -> Result<Outcome, ReadError> {
    let mut reader = TraceReader::new(input)?;
    let mut out = Outcome {
        records: Vec::new(),
        offsets: Vec::new(),
        error: None,
        truncated: false,
        complete: false,
        offset: 0,
    };
    while let Some(item) = reader.next() {
        match item {
            Ok(r) => {
                out.records.push(r);
                out.offsets.push(reader.offset());
            }
            Err(e) => out.error = Some(e.to_string()),
        }
    }
    out.truncated = reader.truncated();
    out.complete = reader.complete();
    out.offset = reader.offset();
    Ok(out)
}

fn read_borrowed(input: impl Read) -> Result<Outcome, ReadError> {
    let mut reader = TraceReader::new(input)?;
    let mut out = Outcome {
        records: Vec::new(),
        offsets: Vec::new(),
        error: None,
        truncated: false,
        complete: false,
        offset: 0,
    };
    loop {
        match reader.next_ref() {
            Ok(Some(r)) => {
                out.records.push(r.to_record());
                out.offsets.push(reader.offset());
            }
            Ok(None) => break,
            Err(e) => out.error = Some(e.to_string()),
        }
    }
    assert!(
        matches!(reader.next_ref(), Ok(None)),
        "next_ref is fused after the end or an error"
    );
    out.truncated = reader.truncated();
    out.complete = reader.complete();
    out.offset = reader.offset();
    Ok(out)
}

fn hist(values: &[(u64, u64)]) -> Histogram<u64> {
    let mut h = Histogram::new(3).expect("sigfig 3");
    for &(v, n) in values {
        h.record_n(v, n).expect("in range");
    }
    h
}

/// A trace with every record kind, values of every varint length, and `big` bytes of string.
fn trace(events: u64, big: usize) -> (Vec<Record>, Vec<u8>) {
    let mut records = vec![
        Record::String {
            id: 0,
            value: "lock".into(),
        },
        Record::String {
            id: 1,
            value: "x".repeat(big),
        },
        Record::Lock {
            id: 1,
            name: 0,
            kind: LockKind::RwLock,
        },
        Record::Thread { id: 1, name: 1 },
    ];
    let mut at = 0u64;
    for i in 0..events {
        // Deltas of every size and sign, values of 1 to 10 varint bytes.
        let value = 1u64.checked_shl((i % 64) as u32).unwrap_or(0) | (i % 7);
        at = at
            .wrapping_add(value)
            .wrapping_sub((i % 3).wrapping_mul(value) / 2);
        records.push(match i % 50 {
            0..=24 => Record::Wait(Wait {
                lock: 1 + i % 3,
                mode: Mode::Shared,
                thread: 1,
                site: (i % 2) as u32,
                holder: i % 4,
                wait_ns: value,
                at_ns: at,
                weight: 1 + (i % 2) * (value >> 1),
                timed_out: i % 11 == 0,
                stack: 0,
                holder_stack: 0,
                spans: 0,
                task: None,
            }),
            25..=48 => Record::Hold(Hold {
                lock: 1,
                mode: Mode::Exclusive,
                thread: i,
                site: 0,
                hold_ns: value,
                blame_ns: value / 3,
                waiters: (i % 5) as u32,
                at_ns: at,
                weight: 1,
                hold_exact: i % 2 == 0,
                stack: 0,
                spans: 0,
                task: None,
            }),
            _ => Record::Summary(Box::new(Summary {
                lock: 1,
                mode: Mode::Upgradable,
                thread: 1,
                site: 1,
                at_ns: at,
                acquisitions: value,
                contended: i,
                timeouts: 0,
                waits: 2,
                wait_ns: 30,
                wait_hist: hist(&[(10, 1), (20, 1)]),
                holds: 0,
                hold_ns: 0,
                hold_hist: hist(&[]),
                blame_ns: 1,
                blame_estimated_ns: i % 2,
                unattributed_ns: i % 3,
                wait_stack: 0,
                blame_stack: 0,
                task: None,
            })),
        });
    }
    records.push(Record::Dropped { count: 5 });
    let mut w = TraceWriter::new(Vec::new(), &Header::new(7, 0)).expect("header");
    for r in &records {
        w.write(r).expect("valid record");
    }
    (records, w.finish().expect("finish"))
}

#[test]
fn chunk_sizes_and_api_do_not_change_what_is_read() {
    // 100 KiB of string: more than the reader's initial buffer, so it has to grow.
    let (records, bytes) = trace(3_000, 100 << 10);
    let whole = read_owned(&bytes[..]).expect("header");
    assert_eq!(whole.records, records);
    assert!(whole.complete && !whole.truncated && whole.error.is_none());
    assert_eq!(whole.offset, bytes.len() as u64);
    for sizes in [
        &[1][..],
        &[3, 5],
        &[7, 4096, 1],
        &[65_535, 65_537],
        &[1 << 20],
    ] {
        for interrupt in [false, true] {
            let owned = read_owned(Chunked::new(&bytes, sizes, interrupt)).expect("header");
            assert_eq!(owned, whole, "owned, chunks {sizes:?}");
            let borrowed = read_borrowed(Chunked::new(&bytes, sizes, interrupt)).expect("header");
            assert_eq!(borrowed, whole, "borrowed, chunks {sizes:?}");
        }
    }
}

#[test]
fn truncation_and_corruption_read_the_same_in_any_chunks() {
    let (_, bytes) = trace(120, 100);
    for cut in (HEADER_LEN..bytes.len()).step_by(13) {
        let part = &bytes[..cut];
        let whole = read_owned(part).expect("header");
        assert!(whole.truncated || whole.offset == cut as u64, "cut {cut}");
        assert_eq!(read_borrowed(part).expect("header"), whole, "cut {cut}");
        let chunked = read_borrowed(Chunked::new(part, &[3, 1, 64], false)).expect("header");
        assert_eq!(chunked, whole, "cut {cut}");
    }
    for pos in (HEADER_LEN..bytes.len()).step_by(11) {
        let mut damaged = bytes.clone();
        damaged[pos] ^= 0xa5;
        let whole = read_owned(&damaged[..]).expect("header");
        assert_eq!(
            read_borrowed(&damaged[..]).expect("header"),
            whole,
            "pos {pos}"
        );
        let chunked = read_owned(Chunked::new(&damaged, &[1, 9], true)).expect("header");
        assert_eq!(chunked, whole, "pos {pos}");
    }
}

/// Every record of a read with summaries' histograms in the form `H`, each as text with its
/// histograms as their buckets (lowest value, count), and where an error or the end stopped it.
fn read_in_form<H: HistogramForm + std::fmt::Debug>(input: &[u8]) -> Vec<String> {
    let walk = |hist: &H| {
        let mut buckets = Vec::new();
        hist.for_each_bucket(|value, count| buckets.push((value, count)));
        (hist.value_count(), buckets)
    };
    let mut out = Vec::new();
    let mut reader = match TraceReader::<_, H>::with_histograms(input) {
        Ok(reader) => reader,
        Err(e) => return vec![e.to_string()],
    };
    loop {
        let offset = reader.offset();
        match reader.next_ref() {
            Ok(Some(RecordRef::Summary(s))) => out.push(format!(
                "{offset} summary {:?} {:?} {:?}",
                (
                    s.lock,
                    s.mode,
                    s.thread,
                    s.site,
                    s.at_ns,
                    s.acquisitions,
                    s.contended
                ),
                (
                    s.timeouts, s.waits, s.wait_ns, s.holds, s.hold_ns, s.blame_ns
                ),
                (
                    walk(&s.wait_hist),
                    walk(&s.hold_hist),
                    s.blame_estimated_ns,
                    s.task
                ),
            )),
            Ok(Some(other)) => out.push(format!("{offset} {other:?}")),
            Ok(None) => break,
            // Where the read stops, not the wording: the two decoders name faults apart.
            Err(_) => out.push(format!("{offset} error")),
        }
    }
    out.push(format!(
        "end {} {} {}",
        reader.offset(),
        reader.truncated(),
        reader.complete()
    ));
    out
}

#[test]
fn summaries_read_the_same_as_histograms_or_as_buckets() {
    let (_, bytes) = trace(400, 10);
    let mut inputs = vec![bytes.clone()];
    inputs.extend(
        (HEADER_LEN..bytes.len())
            .step_by(29)
            .map(|cut| bytes[..cut].to_vec()),
    );
    inputs.extend((HEADER_LEN..bytes.len()).step_by(7).map(|pos| {
        let mut damaged = bytes.clone();
        damaged[pos] ^= 0x5a;
        damaged
    }));
    // Real traces, edge cases and past crashers.
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/native_trace");
    for entry in std::fs::read_dir(&corpus).expect("the fuzz corpus") {
        inputs.push(std::fs::read(entry.expect("entry").path()).expect("readable"));
    }
    let mut summaries = 0;
    for input in &inputs {
        let decoded = read_in_form::<Histogram<u64>>(input);
        let buckets = read_in_form::<HistogramBuckets>(input);
        let first_difference = decoded.iter().zip(&buckets).find(|(d, b)| d != b);
        assert_eq!(first_difference, None);
        assert_eq!(decoded.len(), buckets.len());
        summaries += decoded.iter().filter(|r| r.contains(" summary ")).count();
    }
    assert!(summaries > 1000, "{summaries} summaries read");
}

#[test]
fn borrowed_records_point_into_the_reader() {
    let (records, bytes) = trace(10, 3);
    let mut reader = TraceReader::new(&bytes[..]).expect("header");
    let mut seen = 0;
    while let Some(record) = reader.next_ref().expect("valid") {
        assert_eq!(RecordRef::from(&records[seen]), record);
        seen += 1;
    }
    assert_eq!(seen, records.len());
    assert!(reader.complete());
}

/// A reader whose input fails after some bytes.
struct FailAfter<'a>(&'a [u8]);

impl Read for FailAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.0.len()).min(1000);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn an_input_error_ends_the_read_after_the_whole_records() {
    let (records, bytes) = trace(2_000, 10);
    let cut = bytes.len() / 2;
    let mut reader = TraceReader::new(FailAfter(&bytes[..cut])).expect("header");
    let mut read = 0;
    let error = loop {
        match reader.next_ref() {
            Ok(Some(r)) => {
                assert_eq!(r.to_record(), records[read]);
                read += 1;
            }
            Ok(None) => panic!("the error is reported"),
            Err(e) => break e,
        }
    };
    assert!(matches!(error, ReadError::Io(_)), "{error}");
    assert!(read > 0 && reader.offset() <= cut as u64);
    assert!(matches!(reader.next_ref(), Ok(None)));
}

proptest! {
    #[test]
    fn arbitrary_bytes_read_the_same_in_any_chunks(
        tail in prop::collection::vec(any::<u8>(), 0..512),
        sizes in prop::collection::vec(1usize..40, 1..6),
    ) {
        let mut bytes = TraceWriter::new(Vec::new(), &Header::new(1, 0)).expect("header").into_inner();
        bytes.extend(tail);
        let whole = read_owned(&bytes[..]).expect("header");
        prop_assert_eq!(&read_borrowed(&bytes[..]).expect("header"), &whole);
        prop_assert_eq!(&read_borrowed(Chunked::new(&bytes, &sizes, false)).expect("header"), &whole);
    }
}
