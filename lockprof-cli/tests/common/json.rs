//! The JSON lines `tracing_subscriber::fmt().json()` writes for lockprof's events, from trace
//! records: the other input format, for tests that compare the two.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2Serializer};
use lockprof::LockKind;
use lockprof::trace::Record;

/// A `Write` the JSON formatter writes lines into.
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

pub fn b64(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(h, &mut bytes).unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `records` as the JSON lines `tracing_subscriber::fmt().json()` writes for the events lockprof
/// emits (field names of `lockprof::event`), with an unrelated log line after every `noise`-th
/// event (0: none) and, when `span` is given, every event inside a span of that name.
pub fn json_lines(records: &[Record], flatten: bool, noise: usize, span: Option<&str>) -> Vec<u8> {
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(flatten)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let _entered = span.map(|name| {
            // Span names must be static; the tests use a fixed set.
            let s = match name {
                "handle_request" => tracing::info_span!("handle_request", id = 7),
                _ => tracing::info_span!("other"),
            };
            s.entered()
        });
        emit_all(records, noise);
    });
    buf.take()
}

fn emit_all(records: &[Record], noise: usize) {
    let mut strings: HashMap<u32, String> = HashMap::new();
    let mut threads: HashMap<u64, String> = HashMap::new();
    let mut locks: HashMap<u64, (String, LockKind)> = HashMap::new();
    let mut n = 0;
    for r in records {
        let s = |id: &u32| strings.get(id).cloned().unwrap_or_default();
        match r {
            Record::String { id, value } => {
                strings.insert(*id, value.clone());
            }
            Record::Thread { id, name } => {
                threads.insert(*id, s(name));
            }
            Record::Lock { id, name, kind } => {
                locks.insert(*id, (s(name), *kind));
            }
            Record::Wait(w) => {
                let (lock, kind) = locks[&w.lock].clone();
                tracing::event!(
                    target: "lockprof",
                    tracing::Level::TRACE,
                    event = "wait",
                    lock = lock.as_str(),
                    lock_id = w.lock,
                    lock_kind = kind.as_str(),
                    mode = w.mode.as_str(),
                    thread = threads[&w.thread].as_str(),
                    thread_id = w.thread,
                    site = s(&w.site).as_str(),
                    holder = "",
                    holder_id = w.holder,
                    wait_ns = w.wait_ns,
                    at_ns = w.at_ns,
                    weight = w.weight,
                    timed_out = w.timed_out,
                );
            }
            Record::Hold(h) => {
                let (lock, kind) = locks[&h.lock].clone();
                tracing::event!(
                    target: "lockprof",
                    tracing::Level::TRACE,
                    event = "hold",
                    lock = lock.as_str(),
                    lock_id = h.lock,
                    lock_kind = kind.as_str(),
                    mode = h.mode.as_str(),
                    thread = threads[&h.thread].as_str(),
                    thread_id = h.thread,
                    site = s(&h.site).as_str(),
                    hold_ns = h.hold_ns,
                    blame_ns = h.blame_ns,
                    waiters = h.waiters,
                    at_ns = h.at_ns,
                    weight = h.weight,
                    hold_exact = h.hold_exact,
                );
            }
            Record::Summary(m) => {
                let (lock, kind) = locks[&m.lock].clone();
                tracing::event!(
                    target: "lockprof",
                    tracing::Level::TRACE,
                    event = "summary",
                    lock = lock.as_str(),
                    lock_id = m.lock,
                    lock_kind = kind.as_str(),
                    mode = m.mode.as_str(),
                    thread = threads[&m.thread].as_str(),
                    thread_id = m.thread,
                    site = s(&m.site).as_str(),
                    at_ns = m.at_ns,
                    weight = 1u64,
                    acquisitions = m.acquisitions,
                    contended = m.contended,
                    timeouts = m.timeouts,
                    waits = m.waits,
                    wait_ns = m.wait_ns,
                    wait_hist = b64(&m.wait_hist).as_str(),
                    holds = m.holds,
                    hold_ns = m.hold_ns,
                    hold_hist = b64(&m.hold_hist).as_str(),
                    blame_ns = m.blame_ns,
                    blame_estimated_ns = m.blame_estimated_ns,
                    unattributed_ns = m.unattributed_ns,
                );
            }
            // Stack definitions have no JSON-lines form of their own here.
            Record::Dropped { .. } | Record::Frame(_) | Record::Stack(_) | Record::Spans(_) => {}
        }
        if matches!(r, Record::Wait(_) | Record::Hold(_) | Record::Summary(_)) {
            n += 1;
            if noise > 0 && n % noise == 0 {
                tracing::info!(target: "app::server", component = "lockprof", "request served");
            }
        }
    }
}
