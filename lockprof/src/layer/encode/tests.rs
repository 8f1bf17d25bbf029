//! The encoder fed events directly, its records read back with the trace reader.

use std::cell::Cell;
use std::collections::HashSet;
use std::io::{self, Write};
use std::rc::Rc;

use base64::Engine as _;
use hdrhistogram::Histogram;

use super::Encoder;
use crate::layer::inline_name::Name;
use crate::layer::visitor::{EventMsg, Kind, SpanNames};
use crate::trace::{Header, Record, StrId, Summary, TraceReader, TraceWriter, Wait, hist};
use crate::{LockKind, Mode};

fn name(text: &str) -> Name {
    let mut name = Name::default();
    name.set(text);
    name
}

/// An event of `kind` by thread `thread_id` on lock `lock_id`, otherwise plain.
fn event(kind: Kind, lock_id: u64, thread_id: u64, thread: &str) -> EventMsg {
    EventMsg {
        kind,
        mode: Mode::Exclusive,
        lock_kind: LockKind::Mutex,
        lock_id,
        thread_id,
        holder_id: 0,
        at_ns: 1_000,
        weight: 1,
        wait_ns: 500,
        hold_ns: 700,
        blame_ns: 300,
        waiters: 1,
        timed_out: false,
        hold_exact: true,
        lock: name("orders"),
        thread: name(thread),
        site: name("src/bank.rs:42"),
        holder: Name::default(),
        summary: (kind == Kind::Summary).then(Box::default),
        stack: 0,
        holder_stack: 0,
        spans: SpanNames::default(),
        task: Name::default(),
    }
}

fn summary(wait_hist: &str, hold_hist: &str) -> EventMsg {
    let mut e = event(Kind::Summary, 1, 1, "main");
    let fields = e.summary.as_mut().unwrap();
    fields.acquisitions = 10;
    fields.waits = 2;
    fields.holds = 3;
    wait_hist.clone_into(&mut fields.wait_hist);
    hold_hist.clone_into(&mut fields.hold_hist);
    e
}

/// The V2 bytes of a histogram of `values` and their base64, as summary events carry them.
fn v2(values: &[u64]) -> (Vec<u8>, String) {
    let mut h = Histogram::<u64>::new(3).unwrap();
    for &v in values {
        h.record(v).unwrap();
    }
    let mut bytes = Vec::new();
    hist::encode(&h, &mut bytes).unwrap();
    let base64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    (bytes, base64)
}

/// The whole trace the encoder writes for `events`.
fn trace(encoder: &mut Encoder, events: &[EventMsg]) -> Vec<u8> {
    let mut out = TraceWriter::new(Vec::new(), &Header::new(1, 0)).unwrap();
    for e in events {
        encoder.encode(e, &mut out).unwrap();
    }
    out.finish().unwrap()
}

/// The records of `bytes`, checked: the trace is complete and every id a record uses was defined
/// by an earlier record.
fn read(bytes: &[u8]) -> Vec<Record> {
    let mut reader = TraceReader::new(bytes).unwrap();
    let records: Vec<Record> = reader.by_ref().map(Result::unwrap).collect();
    assert!(reader.complete());
    assert_defined_before_use(&records);
    records
}

fn encode(encoder: &mut Encoder, events: &[EventMsg]) -> Vec<Record> {
    read(&trace(encoder, events))
}

fn assert_defined_before_use(records: &[Record]) {
    let mut defined = Defined::default();
    for (at, record) in records.iter().enumerate() {
        assert!(
            defined.uses(record),
            "record {at} uses an undefined id: {record:?}"
        );
        // A definition may come again (after the tables were cleared): only use is checked.
        match record {
            Record::String { id, .. } => defined.strings.insert(*id),
            Record::Thread { id, .. } => defined.threads.insert(*id),
            Record::Lock { id, .. } => defined.locks.insert(*id),
            Record::Frame(f) => defined.frames.insert(f.id),
            Record::Stack(s) => defined.stacks.insert(s.id),
            Record::Spans(s) => defined.spans.insert(s.id),
            _ => false,
        };
    }
}

/// The ids defined so far in a trace being read.
#[derive(Default)]
struct Defined {
    strings: HashSet<StrId>,
    threads: HashSet<u64>,
    locks: HashSet<u64>,
    frames: HashSet<u64>,
    stacks: HashSet<u64>,
    spans: HashSet<u64>,
}

impl Defined {
    /// Whether every id `record` refers to is defined (0 standing for "none" where it may).
    fn uses(&self, record: &Record) -> bool {
        let strings = |ids: &[StrId]| ids.iter().all(|id| self.strings.contains(id));
        let optional = |set: &HashSet<u64>, id: u64| id == 0 || set.contains(&id);
        let event = |lock: u64, thread: u64, site: StrId| {
            self.locks.contains(&lock) && self.threads.contains(&thread) && strings(&[site])
        };
        match record {
            Record::String { .. } | Record::Dropped { .. } => true,
            Record::Thread { name, .. } | Record::Lock { name, .. } => strings(&[*name]),
            Record::Frame(f) => strings(&[f.function, f.file]),
            Record::Stack(s) => s.frames.iter().all(|f| self.frames.contains(f)),
            Record::Spans(s) => strings(&s.names),
            Record::Wait(w) => {
                event(w.lock, w.thread, w.site)
                    && optional(&self.stacks, w.stack)
                    && optional(&self.stacks, w.holder_stack)
                    && optional(&self.spans, w.spans)
            }
            Record::Hold(h) => {
                event(h.lock, h.thread, h.site)
                    && optional(&self.stacks, h.stack)
                    && optional(&self.spans, h.spans)
            }
            Record::Summary(s) => {
                event(s.lock, s.thread, s.site)
                    && optional(&self.stacks, s.wait_stack)
                    && optional(&self.stacks, s.blame_stack)
            }
        }
    }
}

/// The text of string `id` (ids are never reused within a trace).
fn text(records: &[Record], id: StrId) -> &str {
    records
        .iter()
        .find_map(|r| match r {
            Record::String { id: i, value } if *i == id => Some(value.as_str()),
            _ => None,
        })
        .expect("the string is defined")
}

/// The thread definitions, with their names.
fn threads(records: &[Record]) -> Vec<(u64, &str)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Thread { id, name } => Some((*id, text(records, *name))),
            _ => None,
        })
        .collect()
}

fn waits(records: &[Record]) -> Vec<&Wait> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Wait(w) => Some(w),
            _ => None,
        })
        .collect()
}

fn summaries(records: &[Record]) -> Vec<&Summary> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Summary(s) => Some(&**s),
            _ => None,
        })
        .collect()
}

fn count(records: &[Record], wanted: impl Fn(&Record) -> bool) -> usize {
    records.iter().filter(|r| wanted(r)).count()
}

#[test]
fn names_are_defined_once_before_their_first_use() {
    let mut holder_waits = event(Kind::Wait, 1, 1, "main");
    holder_waits.holder_id = 2;
    holder_waits.holder.set("worker");
    let events = [
        holder_waits,
        event(Kind::Hold, 1, 1, "main"),
        event(Kind::Wait, 1, 2, "worker"),
    ];
    let records = encode(&mut Encoder::new(), &events);
    // "orders", "main", "worker", the site: each once, though used three times.
    assert_eq!(count(&records, |r| matches!(r, Record::String { .. })), 4);
    assert_eq!(count(&records, |r| matches!(r, Record::Lock { .. })), 1);
    // The holder is defined by the first wait, before it has an event of its own.
    assert_eq!(threads(&records), [(1, "main"), (2, "worker")]);
    let w = waits(&records)[0];
    assert_eq!((w.lock, w.thread, w.holder), (1, 1, 2));
    assert_eq!(text(&records, w.site), "src/bank.rs:42");
    assert_eq!((w.wait_ns, w.at_ns, w.weight), (500, 1_000, 1));
}

#[test]
fn an_unnamed_thread_is_thread_and_its_id() {
    let mut e = event(Kind::Wait, 1, 7, "");
    // A holder whose name the waiter did not know is left for its own events to define.
    e.holder_id = 9;
    let records = encode(&mut Encoder::new(), &[e]);
    assert_eq!(threads(&records), [(7, "thread-7")]);
    assert_eq!(waits(&records)[0].holder, 9);
}

#[test]
fn past_the_table_limit_names_are_defined_again() {
    // The three strings ("orders", "main", the site) stay within the limit; the locks do not.
    let mut encoder = Encoder::with_table_limit(3);
    let events: Vec<EventMsg> = [1, 2, 3, 4, 1]
        .into_iter()
        .map(|lock| event(Kind::Hold, lock, 1, "main"))
        .collect();
    let records = encode(&mut encoder, &events);
    // The fifth event finds 4 locks known, more than 3: every table starts again, so lock 1,
    // its name, the thread and the site are defined a second time, with new string ids.
    let lock_1 = |r: &Record| matches!(r, Record::Lock { id: 1, .. });
    assert_eq!(count(&records, lock_1), 2);
    assert_eq!(count(&records, |r| matches!(r, Record::Thread { .. })), 2);
    let orders = |r: &Record| matches!(r, Record::String { value, .. } if value == "orders");
    assert_eq!(count(&records, orders), 2);
    assert_eq!(count(&records, |r| matches!(r, Record::Hold(_))), 5);
}

#[test]
fn a_summary_with_an_unreadable_histogram_keeps_its_counts_and_warns_once() {
    let (bytes, good) = v2(&[1_000, 2_000, 3_000]);
    let mut encoder = Encoder::new();
    let mut out = TraceWriter::new(Vec::new(), &Header::new(1, 0)).unwrap();
    encoder
        .encode(&summary("not base64!", &good), &mut out)
        .unwrap();
    let warning = encoder.take_warning().expect("a bad histogram is reported");
    assert!(warning.contains("unreadable histogram"), "{warning}");
    // A second bad histogram, here a V2 header that does not hold, is not reported again.
    let cut = base64::engine::general_purpose::STANDARD.encode(&bytes[..bytes.len() - 1]);
    encoder.encode(&summary(&good, &cut), &mut out).unwrap();
    assert_eq!(encoder.take_warning(), None);
    let records = read(&out.finish().unwrap());
    let s = summaries(&records);
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].acquisitions, s[0].waits, s[0].holds), (10, 2, 3));
    assert_eq!((s[0].wait_ns, s[0].hold_ns, s[0].blame_ns), (500, 700, 300));
    assert!(s[0].wait_hist.is_empty());
    assert_eq!(s[0].hold_hist.len(), 3);
    assert_eq!(s[1].wait_hist.len(), 3);
    assert!(s[1].hold_hist.is_empty());
}

#[test]
fn summary_histograms_go_into_the_trace_as_their_v2_bytes() {
    // The encoder checks the header and copies the rest without decoding it: counts that would
    // not decode (which the reader would refuse) arrive in the trace as they were.
    let (mut odd, _) = v2(&[5, 50_000, 50_000]);
    let last = odd.len() - 1;
    odd[last] = 0xff;
    assert!(hist::check(&odd).is_ok() && hist::decode(&odd).is_err());
    let odd_base64 = base64::engine::general_purpose::STANDARD.encode(&odd);
    let mut encoder = Encoder::new();
    let trace = trace(&mut encoder, &[summary(&odd_base64, "")]);
    assert!(trace.windows(odd.len()).any(|w| w == odd));
    assert_eq!(encoder.take_warning(), None);
}

#[test]
fn span_stacks_are_defined_once_outermost_first() {
    let mut inner_outer = SpanNames::default();
    inner_outer.push_outer("transfer");
    inner_outer.push_outer("request");
    let mut deep = SpanNames::default();
    while deep.push_outer("level") {}
    let mut events: Vec<EventMsg> = [inner_outer, inner_outer, deep]
        .into_iter()
        .map(|spans| EventMsg {
            spans,
            ..event(Kind::Hold, 1, 1, "main")
        })
        .collect();
    events.push(event(Kind::Wait, 1, 1, "main"));
    let records = encode(&mut Encoder::new(), &events);
    let spans: Vec<(u64, Vec<&str>)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Spans(s) => Some((s.id, s.names.iter().map(|&n| text(&records, n)).collect())),
            _ => None,
        })
        .collect();
    let mut deep_names = vec!["…"];
    deep_names.extend(["level"; crate::layer::visitor::MAX_SPANS]);
    assert_eq!(spans, [(1, vec!["request", "transfer"]), (2, deep_names)]);
    let holds = records.iter().filter_map(|r| match r {
        Record::Hold(h) => Some(h.spans),
        _ => None,
    });
    assert_eq!(holds.collect::<Vec<_>>(), [1, 1, 2]);
    assert_eq!(waits(&records)[0].spans, 0);
}

#[test]
fn native_stacks_are_defined_before_use_and_unknown_ones_become_0() {
    crate::stacks::set_stack_capture(true);
    let captured = u64::from(crate::stacks::capture_drawn());
    assert_ne!(captured, 0, "stack capture is on");
    let mut e = event(Kind::Wait, 1, 1, "main");
    e.stack = captured;
    // Not an id of this process's table.
    e.holder_stack = u64::from(u32::MAX);
    let mut s = summary("", "");
    let fields = s.summary.as_mut().unwrap();
    fields.wait_stack = captured;
    fields.blame_stack = u64::MAX;
    let records = encode(&mut Encoder::new(), &[e, s]);
    let stack = |r: &Record| matches!(r, Record::Stack(s) if s.id == captured);
    assert_eq!(count(&records, stack), 1);
    let w = waits(&records)[0];
    assert_eq!((w.stack, w.holder_stack), (captured, 0));
    let s = summaries(&records)[0];
    assert_eq!((s.wait_stack, s.blame_stack), (captured, 0));
}

/// An output that takes as many writes as its room says, then fails until given more room.
struct Flaky(Vec<u8>, Rc<Cell<usize>>);

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.1.get().checked_sub(1);
        self.1
            .set(room.ok_or_else(|| io::Error::other("disk full"))?);
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn after_a_failed_write_the_next_event_defines_what_was_not_written() {
    let room = Rc::new(Cell::new(usize::MAX));
    let output = Flaky(Vec::new(), Rc::clone(&room));
    let mut out = TraceWriter::new(output, &Header::new(1, 0)).unwrap();
    let mut spans = SpanNames::default();
    spans.push_outer("request");
    let e = EventMsg {
        spans,
        ..event(Kind::Hold, 1, 1, "main")
    };
    let mut encoder = Encoder::new();
    // The lock's name, the lock, the thread's name and the thread go out; the site does not.
    room.set(4);
    assert!(encoder.encode(&e, &mut out).is_err());
    room.set(usize::MAX);
    encoder.encode(&e, &mut out).unwrap();
    let records = read(&out.finish().unwrap().0);
    assert_eq!(count(&records, |r| matches!(r, Record::Lock { .. })), 1);
    assert_eq!(count(&records, |r| matches!(r, Record::Thread { .. })), 1);
    assert_eq!(count(&records, |r| matches!(r, Record::Spans(_))), 1);
    assert_eq!(count(&records, |r| matches!(r, Record::Hold(_))), 1);
}
