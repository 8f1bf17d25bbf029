//! Stack definitions for subscribers other than the lockprof Layer.
//!
//! Events carry stack ids. The Layer resolves them in the process and writes the frames into the
//! trace; other subscribers (JSON logs) get a `stack` event defining the id, emitted by the
//! thread that refers to it — on the thread's own dispatcher, so scoped subscribers get them too.
//! Symbolizing is slow the first time in a process (its symbol tables load), so a profiled thread
//! never does it while it runs: a background thread (`lockprof-symbolizer`, started on first
//! need) resolves the stack, and the thread emits the definition with its next events once it is
//! ready. Definitions can therefore follow the first events that use their id; readers resolve
//! ids at the end (docs/EVENTS.md). Only when the thread flushes (`lockprof::flush`) or exits
//! does it resolve what is still missing itself, so nothing is left undefined.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::frames::Symbolized;
use super::symbolize;
use super::table::{self, StackId};

/// Stack ids a thread has defined; forgotten (and defined again if used again) past this many.
const MAX_DEFINED: usize = 4096;
/// Definitions a thread may owe; past it the oldest are given up (their events read "no stack").
const MAX_OWED: usize = 1024;

#[derive(Default)]
struct ThreadDefs {
    defined: HashSet<StackId>,
    /// Referred to but not yet defined (waiting for the symbolizer).
    owed: Vec<StackId>,
}

impl Drop for ThreadDefs {
    fn drop(&mut self) {
        // The thread exits owing definitions for events it already emitted: another thread
        // emits them (at its next events, or at `lockprof::flush`).
        if !self.owed.is_empty() {
            let mut orphans = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
            if orphans.len() + self.owed.len() <= MAX_OWED {
                orphans.append(&mut self.owed);
                ANY_ORPHANS.store(true, Relaxed);
            }
        }
    }
}

/// Definitions owed by threads that have exited.
static ORPHANS: Mutex<Vec<StackId>> = Mutex::new(Vec::new());
static ANY_ORPHANS: AtomicBool = AtomicBool::new(false);

thread_local! {
    static DEFS: RefCell<ThreadDefs> = RefCell::new(ThreadDefs::default());
}

/// Notes that this thread's next event refers to stack `id` and emits the definitions that are
/// ready. (The lockprof Layer ignores them: it writes stacks from the process's table. They are
/// emitted whatever the subscriber, so a JSON log written next to the trace says the same.)
pub(crate) fn define_for_subscriber(id: StackId, thread: &str, thread_id: u64) {
    if id == 0 {
        return;
    }
    let fresh = with_defs(|d| {
        if d.defined.len() >= MAX_DEFINED {
            d.defined.clear();
        }
        if d.defined.contains(&id) || d.owed.contains(&id) {
            return false;
        }
        if d.owed.len() >= MAX_OWED {
            d.owed.remove(0);
        }
        d.owed.push(id);
        true
    })
    .unwrap_or(false);
    if fresh && resolved(id).is_none() {
        request(id);
    }
    emit_owed(thread, thread_id, false);
}

/// Emits the definitions this thread owes whose stacks are resolved; with `wait`, resolves the
/// others first (on this thread: used at flush and at thread exit).
pub(crate) fn emit_owed(thread: &str, thread_id: u64, wait: bool) {
    let mut owed = with_defs(|d| std::mem::take(&mut d.owed)).unwrap_or_default();
    if ANY_ORPHANS.swap(false, Relaxed) {
        owed.append(&mut ORPHANS.lock().unwrap_or_else(PoisonError::into_inner));
    }
    if owed.is_empty() {
        return;
    }
    let mut still = Vec::new();
    for id in owed {
        let symbols = if wait {
            symbolize::symbolized(id)
        } else {
            resolved(id)
        };
        match symbols {
            Some(s) => {
                emit(id, &s, thread, thread_id);
                with_defs(|d| d.defined.insert(id));
            }
            None if wait => {}
            None => still.push(id),
        }
    }
    with_defs(|d| d.owed.extend(still));
}

fn with_defs<R>(f: impl FnOnce(&mut ThreadDefs) -> R) -> Option<R> {
    DEFS.try_with(|d| d.try_borrow_mut().ok().map(|mut d| f(&mut d)))
        .ok()
        .flatten()
}

/// The stack's symbols if someone has resolved them.
fn resolved(id: StackId) -> Option<std::sync::Arc<Symbolized>> {
    match table::lookup(id)? {
        table::Lookup::Resolved(s) => Some(s),
        table::Lookup::Raw { .. } => None,
    }
}

/// Asks the background symbolizer to resolve stack `id`.
fn request(id: StackId) {
    static SYMBOLIZER: OnceLock<Option<Mutex<Sender<StackId>>>> = OnceLock::new();
    let tx = SYMBOLIZER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<StackId>();
        std::thread::Builder::new()
            .name("lockprof-symbolizer".to_owned())
            .spawn(move || {
                for id in rx {
                    symbolize::symbolized(id);
                }
            })
            .ok()
            .map(|_| Mutex::new(tx))
    });
    if let Some(tx) = tx {
        let _ = tx.lock().unwrap_or_else(PoisonError::into_inner).send(id);
    }
}

fn emit(id: StackId, stack: &Symbolized, thread: &str, thread_id: u64) {
    let mut frames = String::new();
    for f in &stack.frames {
        if !frames.is_empty() {
            frames.push('\n');
        }
        frames.push_str(&f.function);
        if !f.file.is_empty() {
            let _ = write!(frames, "\t{}:{}", f.file, f.line);
        }
    }
    crate::emit::stack(
        id,
        thread,
        thread_id,
        &frames,
        stack.truncated,
        stack.unresolved,
    );
}
