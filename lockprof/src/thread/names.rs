//! Thread names by lockprof id, so a waiter can name the thread holding its lock.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

/// Names of threads that have exited are kept (a wait may name a holder that has since exited)
/// until there are more names than this; then the exited ones are forgotten.
const MAX_NAMES: usize = 4096;

/// Names of live threads by lockprof id, so a waiter can name the thread holding its lock.
static NAMES: RwLock<Names> = RwLock::new(Names {
    by_id: BTreeMap::new(),
    exited: Vec::new(),
});

struct Names {
    by_id: BTreeMap<u64, Arc<str>>,
    exited: Vec<u64>,
}

/// Names thread `id` (a thread lockprof has just met).
pub(super) fn insert(id: u64, name: Arc<str>) {
    NAMES
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .by_id
        .insert(id, name);
}

/// The name of thread `id` if it is alive, `thread-<id>` if not, empty for 0 (unknown).
pub(crate) fn name_of(id: u64) -> Arc<str> {
    if id == 0 {
        return "".into();
    }
    let names = NAMES.read().unwrap_or_else(PoisonError::into_inner);
    match names.by_id.get(&id) {
        Some(name) => name.clone(),
        None => crate::event::unnamed_thread(id).into(),
    }
}

/// Notes that thread `id` has exited; its name is forgotten once there are too many names.
pub(crate) fn unregister(id: u64) {
    let mut names = NAMES.write().unwrap_or_else(PoisonError::into_inner);
    names.exited.push(id);
    if names.by_id.len() > MAX_NAMES {
        let Names { by_id, exited } = &mut *names;
        for id in exited.drain(..) {
            by_id.remove(&id);
        }
    }
}
