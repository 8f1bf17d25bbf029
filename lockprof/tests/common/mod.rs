//! A capturing subscriber for the lock tests: every lockprof event, as a map of field values,
//! from every thread. Tests run in parallel in one process, so each test filters by its own
//! lock ids.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One field value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    U64(u64),
    Bool(bool),
    Str(String),
}

/// One captured event.
#[derive(Clone, Debug, Default)]
pub struct Captured(pub BTreeMap<String, Value>);

impl Captured {
    pub fn u64(&self, field: &str) -> u64 {
        match self.0.get(field) {
            Some(Value::U64(v)) => *v,
            other => panic!("field {field} is not a u64: {other:?} in {self:?}"),
        }
    }
    pub fn str(&self, field: &str) -> &str {
        match self.0.get(field) {
            Some(Value::Str(v)) => v,
            other => panic!("field {field} is not a string: {other:?} in {self:?}"),
        }
    }
    pub fn bool(&self, field: &str) -> bool {
        match self.0.get(field) {
            Some(Value::Bool(v)) => *v,
            other => panic!("field {field} is not a bool: {other:?} in {self:?}"),
        }
    }
    pub fn kind(&self) -> &str {
        self.str("event")
    }
}

struct Visitor<'a>(&'a mut BTreeMap<String, Value>);

impl Visit for Visitor<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::U64(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0
            .insert(field.name().to_owned(), Value::U64(value as u64));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), Value::Str(value.to_owned()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::Str(format!("{value:?}")));
    }
}

static EVENTS: Mutex<Vec<Captured>> = Mutex::new(Vec::new());

struct Capture;

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != lockprof::event::TARGET {
            return;
        }
        let mut fields = BTreeMap::new();
        event.record(&mut Visitor(&mut fields));
        EVENTS.lock().unwrap().push(Captured(fields));
    }
}

/// Installs the capturing subscriber (once per test binary).
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // These tests time waits and holds to the millisecond on a 2-core machine; stack
        // capture and its one-time symbolization (tens of ms of CPU) are tested elsewhere.
        lockprof::config::set_stack_capture(false);
        let subscriber = tracing_subscriber::registry().with(Capture);
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    });
}

/// The capturing subscriber as a dispatcher, for a test that sets it on some threads only
/// (`tracing::dispatcher::with_default`) instead of installing it.
pub fn capturing_dispatch() -> tracing::Dispatch {
    lockprof::config::set_stack_capture(false);
    tracing::Dispatch::new(tracing_subscriber::registry().with(Capture))
}

/// Every event captured so far about lock `lock_id`.
pub fn events_of(lock_id: u64) -> Vec<Captured> {
    EVENTS
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e.0.get("lock_id"), Some(Value::U64(id)) if *id == lock_id))
        .cloned()
        .collect()
}

/// Events of `kind` about lock `lock_id`.
pub fn events(lock_id: u64, kind: &str) -> Vec<Captured> {
    events_of(lock_id)
        .into_iter()
        .filter(|e| e.kind() == kind)
        .collect()
}

/// Asserts `actual` is within 10% or 1 ms of `expected` (ns), the ground-truth tolerance.
#[track_caller]
pub fn assert_close(what: &str, actual: u64, expected: u64) {
    let tolerance = (expected / 10).max(1_000_000);
    assert!(
        actual.abs_diff(expected) <= tolerance,
        "{what}: {actual} ns, expected {expected} ns ± {tolerance}"
    );
}

/// Asserts `actual` is between `lower` and `upper` (ns) within the ground-truth tolerance: for
/// a figure the program can only bracket (a reading lockprof takes between two of its own).
#[track_caller]
pub fn assert_between(what: &str, actual: u64, lower: u64, upper: u64) {
    if let Err(message) = check_between(what, actual, lower, upper) {
        panic!("{message}");
    }
}

/// [`assert_between`] as a result, for a test that tries several readings of its truth.
pub fn check_between(what: &str, actual: u64, lower: u64, upper: u64) -> Result<(), String> {
    let tolerance = (lower / 10).max(1_000_000);
    if lower.saturating_sub(tolerance) <= actual && actual <= upper + tolerance {
        Ok(())
    } else {
        Err(format!(
            "{what}: {actual} ns, expected {lower}..={upper} ns ± {tolerance}"
        ))
    }
}

/// Sums a u64 field over events.
pub fn sum(events: &[Captured], field: &str) -> u64 {
    events.iter().map(|e| e.u64(field)).sum()
}

/// Blame charged exactly, to hold events and summaries: the summaries' `blame_ns` less the part
/// of it that is estimated.
pub fn exact_blame(holds: &[Captured], summaries: &[Captured]) -> u64 {
    sum(holds, "blame_ns") + sum(summaries, "blame_ns") - sum(summaries, "blame_estimated_ns")
}

/// Four threads each increment `lock` `per_thread` times, with `work` steps of arithmetic of
/// their own between acquisitions, then flush: a storm of short contended holds. They start
/// together and go on until they have found the lock taken at least a thousand times between
/// them (on a loaded machine, a thread may otherwise run its whole loop alone). Returns the
/// number of increments.
pub fn storm(lock: &Arc<lockprof::Mutex<u64>>, per_thread: u64, work: u32) -> u64 {
    const CONTENDED: u64 = 1_000;
    let start = Arc::new(std::sync::Barrier::new(4));
    let contended = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (lock, start, contended) =
                (Arc::clone(lock), Arc::clone(&start), Arc::clone(&contended));
            thread::spawn(move || {
                start.wait();
                let mut local = 0u64;
                let mut done = 0;
                while done < per_thread || contended.load(Relaxed) < CONTENDED {
                    let mut guard = lock.try_lock().unwrap_or_else(|| {
                        contended.fetch_add(1, Relaxed);
                        lock.lock()
                    });
                    *guard += 1;
                    drop(guard);
                    done += 1;
                    for _ in 0..work {
                        local = std::hint::black_box(local.wrapping_mul(31).wrapping_add(7));
                    }
                }
                lockprof::flush();
                done
            })
        })
        .collect();
    workers.into_iter().map(|w| w.join().unwrap()).sum()
}
